// Settings of a training run, and the seeded draw of one step's batch.
//
// Step t (1-based) draws, from a SplitMix64 seeded by a hash of (seed, t) only — so a resumed run draws
// exactly what an uninterrupted one would (the checkpoint's "RNG state" is (seed, step)):
//   for each of `scenesPerStep` view sets: a scene (uniform), a target view among its training views
//   (uniform), `config.views` reference views at random among the `referencePool` training views nearest to
//   the target (camera-centre distance; never the target itself), and ⌊R / scenesPerStep⌋ rays (the first view
//   sets take the remainder) through uniformly drawn pixel centres, with the target image's colours.
// Depth samples are stratified with a seed of the step (`DepthPlacement.stratified`).

import Foundation
import ViewSynthCore
import ViewSynthEngine

public struct TrainingOptions: Sendable, Codable, Equatable {
    /// Total steps (the learning-rate schedule spans them).
    public var steps: Int = 1000
    /// Rays per step (all view sets together).
    public var raysPerStep: Int = 512
    /// View sets (scene, target) per step.
    public var scenesPerStep: Int = 2
    /// References are drawn among this many nearest training views of the target.
    public var referencePool: Int = 20
    public var learningRate: Double = 1e-3
    public var warmupSteps: Int = 100
    public var decay: LearningRateSchedule.Decay = .linear
    /// Final learning rate as a fraction of the peak.
    public var finalFraction: Double = 0.05
    public var weightDecay: Double = 0
    public var maxGradientNorm: Double? = 1
    /// Seed of the initial weights (when not fine-tuning) and of every draw.
    public var seed: UInt64 = 1
    /// Checkpoint every K steps (0: only at the end and on cancellation).
    public var checkpointEvery: Int = 250
    /// Validation every K steps (0: only at the end), when validation scenes are given.
    public var validationEvery: Int = 250
    /// Held-out views per validation scene (evenly spread over its test split).
    public var validationViews: Int = 2
    /// Pixels per validation view (a fixed seeded subset; 0: every pixel).
    public var validationRays: Int = 2048
    /// The CSV log is rewritten every K steps (and at every checkpoint).
    public var logEvery: Int = 10
    /// Rays per micro-batch of the trainer (nil: ModelTrainer.defaultMicroBatch).
    public var microBatch: Int? = nil
    /// Guided models: rays are drawn as square tiles of this side (they share the sweep's cost windows).
    public var tile: Int = 8
    /// Depth supervision weight (nil: off): cross-entropy of the epipolar attention against the sample nearest
    /// the exact depth on procedural scenes (EpipolarModel.backward).
    public var depthWeight: Double? = nil
    /// Guided models with depth supervision: real scenes get pseudo-labels, the sweep's depth where its cost
    /// curve is confident (margin to the second minimum ≥ this, in raw cost units); nil: no pseudo-labels.
    public var pseudoDepthMargin: Double? = nil
    /// Balanced loss (ModelTrainer): each view set's loss weighted by the batch mean over its own (clamped to
    /// 1/10…10), i.e. the mean PSNR of the step's view sets; nil or false: the plain mean over rays.
    public var balanceViewSets: Bool? = nil

    public init() {}

    /// Checks the numbers (throws `ViewSynthError`).
    public func validate() throws {
        func check(_ ok: Bool, _ what: String, _ found: String) throws {
            if !ok { throw ViewSynthError("training options", expected: what, found: found) }
        }
        try check(steps >= 1, "steps ≥ 1", "\(steps)")
        try check(raysPerStep >= 1, "rays per step ≥ 1", "\(raysPerStep)")
        try check(scenesPerStep >= 1 && scenesPerStep <= raysPerStep, "1 ≤ scenes per step ≤ rays per step", "\(scenesPerStep)")
        try check(referencePool >= 1, "reference pool ≥ 1", "\(referencePool)")
        try check(learningRate > 0 && learningRate.isFinite, "a positive learning rate", "\(learningRate)")
        try check(warmupSteps >= 0 && checkpointEvery >= 0 && validationEvery >= 0 && logEvery >= 1,
                  "warmup, checkpoint and validation intervals ≥ 0, log interval ≥ 1",
                  "\(warmupSteps), \(checkpointEvery), \(validationEvery), \(logEvery)")
        try check(validationViews >= 1 && validationRays >= 0, "validation views ≥ 1 and rays ≥ 0", "\(validationViews), \(validationRays)")
        if let m = microBatch { try check(m >= 1 && m <= 65536, "micro-batch in 1…65536", "\(m)") }
        try check(tile >= 1 && tile <= 64, "tile side in 1…64", "\(tile)")
        if let w = depthWeight { try check(w >= 0 && w <= 1000 && w.isFinite, "a depth weight in 0…1000", "\(w)") }
        if let m = pseudoDepthMargin { try check(m >= 0 && m.isFinite && m <= 1000, "a pseudo-depth margin in 0…1000", "\(m)") }
        try check(steps <= 100_000_000 && raysPerStep <= 1 << 20 && scenesPerStep <= 4096 && referencePool <= 4096,
                  "steps ≤ 1e8, rays per step ≤ 2^20, scenes per step ≤ 4096, reference pool ≤ 4096",
                  "\(steps), \(raysPerStep), \(scenesPerStep), \(referencePool)")
        try check(validationViews <= 1024 && validationRays <= 1 << 24, "validation views ≤ 1024 and rays ≤ 2^24",
                  "\(validationViews), \(validationRays)")
    }

    public var optimizer: AdamW<Float>.Configuration {
        AdamW<Float>.Configuration(
            schedule: LearningRateSchedule(peak: learningRate, warmupSteps: min(warmupSteps, steps), totalSteps: steps,
                                           decay: decay, finalFraction: finalFraction),
            weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
    }

    var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }
}

/// One step's inputs: view sets, rays into them and their target colours (3 per ray).
public struct TrainingBatch: @unchecked Sendable {
    public var viewSets: [ViewSet<Float>]
    public var rays: [ModelRay]
    public var targets: [Float]
    /// (scene index, target view) per view set.
    public var draws: [(scene: Int, target: Int, references: [Int])]
    public var placement: DepthPlacement
    /// Sweep guidance of the rays (guided models; rays name their rows).
    public var guidance: GuidanceBatch? = nil
    /// Depth-supervision targets per ray (0: none), when options.depthWeight is set.
    public var depthTargets: [Float]? = nil
}

enum TrainingSampler {
    /// The generator of step `step` under `seed` (a pure function of both).
    static func rng(seed: UInt64, step: Int) -> SplitMix64 {
        var g = SplitMix64(seed: seed ^ 0x7452_4149_4E49_4E47)   // "tRAINING"
        let a = g.next()
        var h = SplitMix64(seed: a ^ (UInt64(truncatingIfNeeded: step) &* 0xD1B5_4A32_D192_ED03))
        _ = h.next()
        return h
    }

    static func below(_ n: Int, _ g: inout SplitMix64) -> Int { Int(g.next() % UInt64(n)) }

    /// Draws the batch of `step` (see the file head).
    static func batch(step: Int, seed: UInt64, scenes: [TrainingScene], config: ModelConfig, options o: TrainingOptions) throws -> TrainingBatch {
        let views = config.views
        var g = rng(seed: seed, step: step)
        let placementSeed = g.next()
        let tile = o.tile
        let guide = config.guidance.map { SweepGuide(settings: $0, views: views, samples: config.samples, maxPixels: tile * tile) }
        let guidance = config.guidance.map { _ in GuidanceBatch(capacity: o.raysPerStep + tile * tile, samples: config.samples) }
        let supervise = (o.depthWeight ?? 0) > 0
        var depthTargets: [Float] = []
        var viewSets: [ViewSet<Float>] = []
        var rays: [ModelRay] = []
        var targets: [Float] = []
        var draws: [(scene: Int, target: Int, references: [Int])] = []
        rays.reserveCapacity(o.raysPerStep)
        targets.reserveCapacity(3 * o.raysPerStep)
        let S = o.scenesPerStep
        for s in 0..<S {
            let si = below(scenes.count, &g)
            let scene = scenes[si]
            let t = scene.trainIndices[below(scene.trainIndices.count, &g)]
            var pool = scene.nearestTrainingViews(to: scene.cameras[t], count: o.referencePool, excluding: t)
            guard !pool.isEmpty else {
                throw ViewSynthError(scene.name, expected: "at least 2 training views", found: "\(scene.trainIndices.count)")
            }
            // Partial Fisher–Yates: the first `views` of the pool in random order.
            let k = min(views, pool.count)
            for i in 0..<k { pool.swapAt(i, i + below(pool.count - i, &g)) }
            let refs = Array(pool.prefix(k))
            viewSets.append(try scene.viewSet(target: scene.cameras[t], references: refs))
            draws.append((si, t, refs))
            let img = try scene.image(t)
            let count = o.raysPerStep / S + (s < o.raysPerStep % S ? 1 : 0)
            let depthMap = supervise ? scene.depth(t) : nil
            if let guide, let guidance {
                // Tiles (row-major pixels) sharing the cost windows; the last one may be cut short.
                let vs = viewSets[s]
                var left = count
                while left > 0 {
                    let tw = min(tile, img.width), th = min(tile, img.height)
                    let x0 = below(img.width - tw + 1, &g), y0 = below(img.height - th + 1, &g)
                    let pt = PixelTile(x0: x0, y0: y0, width: tw, height: th)
                    let row0 = rays.count
                    guide.fill(tile: pt, viewSet: vs, placement: .stratified(seed: placementSeed), keyView: t,
                               into: guidance, row0: row0)
                    for i in 0..<min(left, pt.pixelCount) {
                        let x = x0 + i % tw, y = y0 + i / tw
                        if supervise {
                            if let d = depthMap {
                                depthTargets.append(d[y * img.width + x])
                            } else if let m = o.pseudoDepthMargin,
                                      Double(guidance.summary[(row0 + i) * GuidanceSettings.summaryWidth + 1]) >= m {
                                depthTargets.append(Float(guidance.depth(row: row0 + i, sample: guidance.bestSample(row: row0 + i))))
                            } else {
                                depthTargets.append(0)
                            }
                        }
                        rays.append(ModelRay(viewSet: s, x: Double(x) + 0.5, y: Double(y) + 0.5,
                                             key: DepthSampler.rayKey(view: t, x: x, y: y), guide: Int32(row0 + i)))
                        let p = (y * img.width + x) * 3
                        targets.append(img.pixels[p]); targets.append(img.pixels[p + 1]); targets.append(img.pixels[p + 2])
                    }
                    left -= min(left, pt.pixelCount)
                }
                continue
            }
            for _ in 0..<count {
                let x = below(img.width, &g), y = below(img.height, &g)
                if supervise { depthTargets.append(depthMap?[y * img.width + x] ?? 0) }
                rays.append(ModelRay(viewSet: s, x: Double(x) + 0.5, y: Double(y) + 0.5,
                                     key: DepthSampler.rayKey(view: t, x: x, y: y)))
                let p = (y * img.width + x) * 3
                targets.append(img.pixels[p]); targets.append(img.pixels[p + 1]); targets.append(img.pixels[p + 2])
            }
        }
        return TrainingBatch(viewSets: viewSets, rays: rays, targets: targets, draws: draws,
                             placement: .stratified(seed: placementSeed), guidance: guidance,
                             depthTargets: supervise ? depthTargets : nil)
    }
}
