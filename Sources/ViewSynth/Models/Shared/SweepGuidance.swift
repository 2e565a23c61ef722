// The plane sweep's evidence inside the transformer models (ModelConfig.guidance; README "Where ViewSynth
// differs"). Per target tile, the sweep's own aggregated cost (PlaneSweep.computeCosts: the same code
// `sweep` renders with, over the model's reference views) gives each pixel a cost curve c[0..<D] over D
// planes uniform in inverse depth. From it, per ray:
//   * samples: G global positions spread over the planes (bin centres when rendering, stratified while
//     training) plus, around each of the `minima` lowest local minima of c (parabola-refined, x*), one
//     sample at each of `offsets` (in planes): P = G + minima · offsets.count, sorted near → far;
//   * per sample: the cost at its position (quadratic through the three nearest planes, so the refined
//     minimum x* is where it is lowest), its signed distance in planes to the nearest chosen minimum, and
//     whether it is a guided sample — the token's cost columns (`costInput`);
//   * per ray: a summary of the curve — best cost, margin to the second minimum, entropy of
//     softmax(−(c − c_min)/0.01) over the planes (÷ ln D), and the best plane's position (÷ (D − 1)) — the
//     query tokens' input (`costInput`);
//   * per ray: the sample with the lowest cost (the sweep's depth), where the view prior is evaluated
//     (`sweepInit`, EpipolarModel).
// Shapes: D planes, P samples, S = 4 summary values, rows = rays of a batch.
// Pixel positions x are continuous plane coordinates in [0, D − 1] (0 = near).

import Foundation
import ViewSynthCore

/// Settings of the sweep guidance (all levers can be switched separately for the ablation).
public struct GuidanceSettings: Codable, Sendable, Hashable {
    /// D: planes of the sweep's cost volume.
    public var planes: Int = 64
    /// Cost columns on every token and the cost-curve summary as the query tokens' input.
    public var costInput: Bool = true
    /// Local minima of the cost curve that get samples around them (0: every sample is global).
    public var minima: Int = 2
    /// Offsets (planes) of the samples around each minimum.
    public var offsets: [Double] = [0, -0.5, 0.5, -1, 1, -2, 2, 3]
    /// Attention priors from the sweep (epipolar: −α·cost; views: the sweep's lumigraph and robust colour
    /// weights) and a gated residual over the attention blend, so an untrained model renders like `sweep`.
    public var sweepInit: Bool = true
    /// Scale of the cost columns and summary (costs are colour variances, ~0–0.2).
    public var costScale: Double = 10
    /// Initial α of the epipolar prior −α·cost. The sweep takes the argmin (its soft-depth option uses
    /// temperature 0.002, α = 500); α = 500 reproduces it but saturates the softmax, so the learned score gets
    /// no gradient (ablation: the attention blend's training loss matched the untrained one to 4 digits after
    /// 600 steps). Untrained, on 96×72 crops of dtu_scan37 / reefwall: α 500 → 15.17 / 21.46 dB, 100 → 15.79 /
    /// 21.33, 50 → 15.77 / 20.93, 20 → 14.29 / 20.43 (sweep 15.09 / 21.23); 100 is the default.
    public var priorSharpness: Double = 100
    /// Initial scale of the two view priors (1: the sweep's own blend weights; smaller is softer). With α 100,
    /// 0.5 rendered the crops above within 0.02 dB of 1 (softer, so trainable): 0.5 is the default.
    public var viewPriorScale: Double = 0.5
    /// Per-ray sharpness of the epipolar prior: α_ray = α · exp(u · summary) with u learned (initialised at
    /// 0, so an untrained model is unchanged): a confident cost curve can sharpen its blend, an ambiguous one
    /// (textureless, occluded) soften it. Needs `costInput` (the summary). Off when absent from a file.
    public var adaptiveSharpness: Bool = false
    /// Learning-rate factor of the guidance scalars (log α, u, view-prior scales, residual gate): a handful of
    /// well-conditioned parameters that moved steadily but slowly at the network's rate (α 100 → 81 over
    /// 1 000 steps). 1 when absent from a file.
    public var scalarRate: Double = 1

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GuidanceSettings()
        planes = try c.decodeIfPresent(Int.self, forKey: .planes) ?? d.planes
        costInput = try c.decodeIfPresent(Bool.self, forKey: .costInput) ?? d.costInput
        minima = try c.decodeIfPresent(Int.self, forKey: .minima) ?? d.minima
        offsets = try c.decodeIfPresent([Double].self, forKey: .offsets) ?? d.offsets
        sweepInit = try c.decodeIfPresent(Bool.self, forKey: .sweepInit) ?? d.sweepInit
        costScale = try c.decodeIfPresent(Double.self, forKey: .costScale) ?? d.costScale
        priorSharpness = try c.decodeIfPresent(Double.self, forKey: .priorSharpness) ?? d.priorSharpness
        viewPriorScale = try c.decodeIfPresent(Double.self, forKey: .viewPriorScale) ?? d.viewPriorScale
        adaptiveSharpness = try c.decodeIfPresent(Bool.self, forKey: .adaptiveSharpness) ?? d.adaptiveSharpness
        scalarRate = try c.decodeIfPresent(Double.self, forKey: .scalarRate) ?? d.scalarRate
    }

    /// Samples per ray that are guided (around minima).
    public var guidedSamples: Int { minima * offsets.count }

    /// What is wrong with these settings for `samples` samples per ray, or nil.
    public func problem(samples: Int) -> String? {
        if planes < 2 || planes > 1024 { return "guidance.planes \(planes) (expected 2…1024)" }
        if minima < 0 || minima > 16 { return "guidance.minima \(minima) (expected 0…16)" }
        if offsets.count > 64 || offsets.contains(where: { !$0.isFinite || abs($0) > 1024 }) {
            return "guidance.offsets (expected at most 64 finite values within ±1024 planes)"
        }
        if minima > 0 && offsets.isEmpty { return "guidance.offsets empty with \(minima) minima" }
        if samples - guidedSamples < 1 {
            return "samples \(samples) < guided samples \(guidedSamples) + 1 global sample"
        }
        if !(costScale > 0 && costScale.isFinite && costScale <= 1e6) { return "guidance.costScale \(costScale) (expected 0 < s ≤ 1e6)" }
        if !(priorSharpness > 0 && priorSharpness.isFinite && priorSharpness <= 1e6) {
            return "guidance.priorSharpness \(priorSharpness) (expected 0 < α ≤ 1e6)"
        }
        if !(viewPriorScale >= 0 && viewPriorScale.isFinite && viewPriorScale <= 1e3) {
            return "guidance.viewPriorScale \(viewPriorScale) (expected 0 ≤ s ≤ 1000)"
        }
        if !(scalarRate > 0 && scalarRate.isFinite && scalarRate <= 1000) {
            return "guidance.scalarRate \(scalarRate) (expected 0 < r ≤ 1000)"
        }
        if adaptiveSharpness && !(costInput && sweepInit) {
            return "guidance.adaptiveSharpness needs costInput and sweepInit"
        }
        return nil
    }

    /// The sweep settings whose cost the model reads (the `sweep` defaults, with these planes, over `views`).
    func sweepConfig(views: Int) -> PlaneSweepConfig {
        var c = PlaneSweepConfig()
        c.planes = planes
        c.views = views
        return c
    }

    static let summaryWidth = 4
    static let columnWidth = 4
}

/// Per-ray guidance of one batch (rows = rays; a ray names its row in `ModelRay.guide`).
public final class GuidanceBatch: @unchecked Sendable {
    public let capacity: Int
    public let samples: Int
    /// Target-camera depth of each sample [rows, P], near → far.
    let depths: UnsafeMutablePointer<Double>
    /// Raw sweep cost at each sample [rows, P].
    let cost: UnsafeMutablePointer<Float>
    /// Signed distance (planes) to the nearest chosen minimum [rows, P].
    let offset: UnsafeMutablePointer<Float>
    /// 1 for a sample placed around a minimum [rows, P].
    let guided: UnsafeMutablePointer<UInt8>
    /// [rows, S]: best cost, margin, entropy, best position (unscaled).
    let summary: UnsafeMutablePointer<Float>
    /// Index of the lowest-cost sample [rows].
    let best: UnsafeMutablePointer<Int32>

    public init(capacity: Int, samples: Int) {
        self.capacity = max(1, capacity)
        self.samples = samples
        let n = self.capacity * samples
        depths = .allocate(capacity: n); depths.initialize(repeating: 1, count: n)
        cost = .allocate(capacity: n); cost.initialize(repeating: 0, count: n)
        offset = .allocate(capacity: n); offset.initialize(repeating: 0, count: n)
        guided = .allocate(capacity: n); guided.initialize(repeating: 0, count: n)
        summary = .allocate(capacity: self.capacity * GuidanceSettings.summaryWidth)
        summary.initialize(repeating: 0, count: self.capacity * GuidanceSettings.summaryWidth)
        best = .allocate(capacity: self.capacity); best.initialize(repeating: 0, count: self.capacity)
    }

    deinit {
        depths.deallocate(); cost.deallocate(); offset.deallocate(); guided.deallocate()
        summary.deallocate(); best.deallocate()
    }

    /// Depth of sample p of row r.
    public func depth(row r: Int, sample p: Int) -> Double { depths[r * samples + p] }
    /// Index of row r's lowest-cost sample (the sweep's depth).
    public func bestSample(row r: Int) -> Int { Int(best[r]) }
}

/// Computes guidance for tiles of one target (one worker's scratch; not thread-safe).
public final class SweepGuide: @unchecked Sendable {
    public let settings: GuidanceSettings
    public let samples: Int
    let sweep: PlaneSweep
    let scratch: PlaneSweep.Scratch
    private var order: [Int]
    private var xs: [Double]
    private var flags: [UInt8]
    private var mins: [(x: Double, c: Double)] = []

    /// For tiles of at most `maxPixels` pixels, `views` references, `samples` samples per ray.
    public init(settings: GuidanceSettings, views: Int, samples: Int, maxPixels: Int) {
        self.settings = settings
        self.samples = samples
        sweep = PlaneSweep(config: settings.sweepConfig(views: views))
        scratch = sweep.makeScratch(maxPixels: max(1, maxPixels))
        order = Array(0..<samples)
        xs = .init(repeating: 0, count: samples)
        flags = .init(repeating: 0, count: samples)
    }

    /// Fills rows `row0 ..< row0 + tile.pixelCount` of `batch` (tile pixels in row-major order) for
    /// targets of `viewSet`. `placement`: `.stratified(seed)` jitters the global samples by
    /// (seed, DepthSampler.rayKey(view: keyView, x, y), index); anything else puts them at bin centres.
    public func fill<T>(tile: PixelTile, viewSet: ViewSet<T>, placement: DepthPlacement, keyView: Int,
                        into batch: GuidanceBatch, row0: Int) {
        precondition(row0 >= 0 && row0 + tile.pixelCount <= batch.capacity && batch.samples == samples,
                     "SweepGuide.fill: rows out of range")
        let ctx = viewSet.sweepContext(config: sweep.config)
        let D = ctx.inverseDepths.count, n = tile.pixelCount
        sweep.computeCosts(tile: tile, target: viewSet.target, context: ctx, scratch: scratch)
        let costs = scratch.costs.p
        let seed: UInt64? = { if case .stratified(let s) = placement { return s } else { return nil } }()
        withUnsafeTemporaryAllocation(of: Double.self, capacity: D) { cb in
            let c = cb.baseAddress!
            for p in 0..<n {
                for d in 0..<D { c[d] = Double(costs[d * n + p]) }
                let x = tile.x0 + p % tile.width, y = tile.y0 + p / tile.width
                let key = DepthSampler.rayKey(view: keyView, x: x, y: y)
                fillRow(c, D: D, inverse: ctx.inverseDepths, seed: seed, key: key, batch: batch, row: row0 + p)
            }
        }
    }

    private func fillRow(_ c: UnsafeMutablePointer<Double>, D: Int, inverse: [Double], seed: UInt64?, key: UInt64,
                         batch: GuidanceBatch, row: Int) {
        let s = settings, P = samples, G = P - s.guidedSamples
        // Local minima (plateaus take their first plane), lowest first; refined by a parabola.
        mins.removeAll(keepingCapacity: true)
        var cmin = Double.infinity, cmax = -Double.infinity, argmin = 0
        for d in 0..<D {
            if c[d] < cmin { cmin = c[d]; argmin = d }
            cmax = max(cmax, c[d])
            let left = d == 0 ? Double.infinity : c[d - 1], right = d == D - 1 ? Double.infinity : c[d + 1]
            if c[d] < left && c[d] <= right { mins.append((Double(d), c[d])) }
        }
        if mins.isEmpty { mins.append((Double(argmin), cmin)) }
        mins.sort { $0.c < $1.c || ($0.c == $1.c && $0.x < $1.x) }
        for i in mins.indices {
            let j = Int(mins[i].x)
            guard j > 0 && j < D - 1 else { continue }
            let den = c[j - 1] - 2 * c[j] + c[j + 1]
            if den > 1e-12 { mins[i].x += max(-0.5, min(0.5, 0.5 * (c[j - 1] - c[j + 1]) / den)) }
        }
        let margin = mins.count > 1 ? mins[1].c - mins[0].c : cmax - cmin
        // Sample positions: globals, then offsets around each chosen minimum (the best repeated if too few).
        let span = Double(D - 1)
        for i in 0..<G {
            let u = seed.map { DepthSampler.jitter(seed: $0, rayKey: key, index: i) } ?? 0.5
            xs[i] = (Double(i) + u) / Double(G) * span
            flags[i] = 0
        }
        var k = G
        for m in 0..<s.minima {
            let centre = mins[min(m, mins.count - 1)].x
            for o in s.offsets {
                xs[k] = max(0, min(span, centre + o)); flags[k] = 1; k += 1
            }
        }
        for i in 0..<P { order[i] = i }
        order.sort { xs[$0] < xs[$1] || (xs[$0] == xs[$1] && $0 < $1) }
        let chosen = min(max(s.minima, 1), mins.count)
        let inv0 = inverse[0], inv1 = inverse[D - 1]
        var bestCost = Float.infinity, best: Int32 = 0
        for (j, i) in order.enumerated() {
            let x = xs[i]
            let t = x / span
            let o = row * P + j
            batch.depths[o] = 1 / (inv0 * (1 - t) + inv1 * t)
            let cx = Float(Self.interpolate(c, D: D, x: x))
            batch.cost[o] = cx
            var nearest = Double.infinity
            for m in 0..<chosen where abs(x - mins[m].x) < abs(nearest) { nearest = x - mins[m].x }
            batch.offset[o] = Float(max(-8, min(8, nearest)))
            batch.guided[o] = flags[i]
            if cx < bestCost { bestCost = cx; best = Int32(j) }
        }
        batch.best[row] = best
        // Summary.
        // Entropy of q ∝ exp(−e), e = (c − c_min)/0.01: H = ln Z + Σ q·e.
        var z = 0.0, qe = 0.0
        for d in 0..<D { let e = (c[d] - cmin) / 0.01, w = exp(-e); z += w; qe += w * e }
        let h = log(z) + qe / z
        let sm = batch.summary + row * GuidanceSettings.summaryWidth
        sm[0] = Float(cmin); sm[1] = Float(min(margin, 1)); sm[2] = Float(h / log(Double(D))); sm[3] = Float(mins[0].x / span)
    }

    /// The cost at continuous plane position x: the parabola through the three planes nearest x.
    @inline(__always)
    static func interpolate(_ c: UnsafePointer<Double>, D: Int, x: Double) -> Double {
        if D < 3 {
            let j = min(max(Int(x.rounded(.down)), 0), D - 2), d = x - Double(j)
            return c[j] * (1 - d) + c[j + 1] * d
        }
        let j = min(max(Int(x.rounded()), 1), D - 2), d = x - Double(j)
        return c[j] + 0.5 * (c[j + 1] - c[j - 1]) * d + 0.5 * (c[j + 1] - 2 * c[j] + c[j - 1]) * d * d
    }
}

extension PlaneSweep {
    /// A cost context over given references (the model's view set) instead of the sweep's own choice.
    static func context(target: Camera, references: [Camera], images: [Image], near: Double, far: Double,
                        config: PlaneSweepConfig) -> ViewContext {
        var refs: [Reference] = [], blend: [SweepImage] = [], cost: [SweepImage] = []
        for (cam, img) in zip(references, images) {
            refs.append(Reference(camera: cam, refFromTarget: cam.cameraFromWorld * target.worldFromCamera))
            let b = SweepImage(img)
            blend.append(b)
            cost.append(config.costBlur > 0 ? SweepImage(img, blurSigma: config.costBlur) : b)
        }
        let d = config.planes
        let inv = (0..<d).map { k -> Double in
            let t = d > 1 ? Double(k) / Double(d - 1) : 0
            return (1 / near) * (1 - t) + (1 / far) * t
        }
        return ViewContext(refs: refs, costImages: cost, blendImages: blend, inverseDepths: inv)
    }
}
