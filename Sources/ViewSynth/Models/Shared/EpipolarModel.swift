// The transformer renderers, one implementation for both (`kind`):
//   GPNR (generalizable patch-based neural rendering): three transformers over the patches seen along each
//   target ray's epipolar lines in N reference views, with canonicalised light-field positional encodings;
//   LFNR (light field neural rendering, per scene): two transformers (epipolar, view), world-frame
//   light-field encodings (Plücker or two-plane light slab at z = 0 and z = 1), query tokens projected from
//   the target ray's encoding, and learned per-view embeddings (indexed by the scene view index of each
//   reference) appended to the key tokens and to the view-transformer keys.
// Everything below describes GPNR; LFNR differs only as stated above (no cross-view transformer, no pose
// features, the sample point X/near encoded in 3-D instead of its disparity).
//
// Shape legend: B rays, N reference views, P depth samples, D width, F patch features, k patch size,
// Tk = B·P·N key tokens, ordered (b, p, n) so that the N views of one depth sample are contiguous.
//
// Per ray (EpipolarGeometry.swift builds the inputs):
//   key input [Tk, Kin] = [Plücker enc | disparity enc | pose(12) | rgb(3) | rgb mean/var(6)? |
//                          cost(5)‡ | feat(F) | feat mean/var(2F)?]  (? = config.crossViewStatistics,
//                                                                     ‡ = config.photoConsistency)
//   feat = ELU(patch k×k×3 → F), the patch bilinearly sampled around the projected point.
//   1. keyTok = keyIn·Wk + bk                                         [B·P, N, D]
//   2. cross-view transformer over the N views at each sample          S = B·P, L = N
//   3. epipolar transformer along each line with the query token q1     S = B·N, L = P+1
//   4. epipolar attention pooling over the P samples → one token per view
//   5. view transformer over the N pooled tokens with the query token q2  S = B, L = N+1
//   6. view attention pooling → rgb = sigmoid(Wc·pooled + bc)
//   coarse = Σ_n w_n Σ_p a_np rgb_np (the attention blend of raw reference colours),
//   depth  = Σ_n w_n Σ_p a_np z_p   (expected target-camera depth under the attention).
// Invalid samples (behind a reference camera or outside its image) are masked out of every attention and
// pooling step (the reference clamps them to the border instead).
//
// Deviations from the reference (deliberate, documented):
//   * Query tokens: in the canonical frame every target ray is (origin 0, direction +z), so the reference's
//     query encoding is the same constant for all rays; the query tokens q1, q2 are therefore learned
//     vectors (same function class). The query is not run through the cross-view transformer (there it is
//     N identical tokens, again a constant).
//   * Pooling scores use the keys only: the reference's concatenated query adds the same term to every
//     score of a softmax group and cancels.
//   * Lengths are expressed in units of the scene's near bound (scale-invariant inputs), and the sample is
//     encoded by its normalised disparity near/t along the ray instead of its canonical point (0, 0, t),
//     whose x and y are always 0.
//   * Relative pose features: targetFromReference rotation and the reference centre, both in the target
//     camera frame (the reference subtracts a world-to-camera translation from a camera centre).
//   * Patch features: the k×k patch is bilinearly interpolated at the projected point (the reference
//     rounds to the nearest pixel), zero outside the image; rgb is the patch's centre tap, edge-clamped
//     within half a pixel of the border (the sweep's sampling).
//   * Optional cross-view statistics (mean and variance of features and colours across valid views).
//   * Optional photo-consistency costs of the raw patches (EpipolarGeometry.photoConsistency).
//   * The canonical frame is a proper rotation (axes normalised by their norm; EpipolarGeometry.swift).

import Foundation
import ViewSynthCore
import ViewSynthEngine

public final class EpipolarModel<T: EngineScalar>: @unchecked Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let parameters: ParameterStore<T>

    /// Which model this is (decides the inputs, the query tokens and the transformers used).
    public let kind: ModelKind
    let patch: Linear
    let keyProjection: Linear
    /// GPNR: learned query tokens (the canonical target ray is the same for every ray).
    let query1: ParameterHandle?
    let query2: ParameterHandle?
    /// LFNR: query tokens projected from the target ray's light-field encoding.
    let queryProjection1: Linear?
    let queryProjection2: Linear?
    /// LFNR: learned per-view embeddings [V, E], indexed by the scene view index of each reference.
    let embedding: ParameterHandle?
    let crossView: [TransformerLayer]
    let epipolar: [TransformerLayer]
    let viewLayers: [TransformerLayer]
    let epipolarPool: AttentionPooling
    let viewKey: Linear
    let viewPool: AttentionPooling
    let color: Linear
    /// Sweep-initialised output (config.guidance.sweepInit): log α of the epipolar prior [1], the scales of the
    /// two view priors [2], and the gate of the learned colour residual [1] (initialised at 1 over a zero head).
    let guideLogAlpha: ParameterHandle?
    let guideViewScales: ParameterHandle?
    let guideGate: ParameterHandle?
    /// Per-ray sharpness (guidance.adaptiveSharpness): u [S], log α_ray = log α + u · summary.
    let guideAlphaFromSummary: ParameterHandle?
    var sweepInit: Bool { guideGate != nil }

    /// Column layout of the key input: [ray enc | point enc | pose (GPNR) | rgb | rgb stats? | feat |
    /// feat stats? | view embedding (LFNR)]. Columns from `feat` on carry gradients.
    struct Columns {
        let ray: Int, disparity: Int, pose: Int, rgb: Int, rgbStats: Int, cost: Int, guide: Int, feat: Int, featStats: Int, embed: Int, width: Int
        let rayValues: Int, pointValues: Int, rayWidth: Int, disparityWidth: Int, stats: Bool, costs: Bool, F: Int, E: Int
        /// Sweep guidance: cost columns on the tokens, and the cost summary as (the end of) the query encoding.
        let guideCosts: Bool, summaryQuery: Bool
        /// Width of the query encoding (LFNR: the target ray's light-field encoding [+ summary]; guided GPNR:
        /// the summary; 0 otherwise).
        let queryWidth: Int
        init(_ c: ModelConfig, kind: ModelKind) {
            let lfnr = kind == .lfnr
            rayValues = lfnr && c.lfnr.parameterisation == "lightslab" ? 4 : 6
            pointValues = lfnr ? 3 : 1
            rayWidth = rayValues * (1 + 2 * c.rayEncodingDegrees)
            disparityWidth = pointValues * (1 + 2 * c.pointEncodingDegrees)
            stats = c.crossViewStatistics
            costs = c.photoConsistency
            guideCosts = c.guidance?.costInput ?? false
            summaryQuery = guideCosts
            F = c.patchFeatures
            E = lfnr && c.lfnr.viewEmbeddings > 0 ? c.lfnr.embeddingWidth : 0
            ray = 0
            disparity = rayWidth
            pose = disparity + disparityWidth
            rgb = pose + (lfnr ? 0 : 12)
            rgbStats = rgb + 3
            cost = rgbStats + (stats ? 6 : 0)
            guide = cost + (costs ? Self.costWidth : 0)
            feat = guide + (guideCosts ? GuidanceSettings.columnWidth : 0)
            featStats = feat + F
            embed = featStats + (stats ? 2 * F : 0)
            width = embed + E
            queryWidth = (lfnr ? rayWidth : 0) + (summaryQuery ? GuidanceSettings.summaryWidth : 0)
        }
        /// Photo-consistency columns (config.photoConsistency; EpipolarGeometry.photoConsistency).
        static var costWidth: Int { 5 }
        /// Columns from `feat` on carry gradients (the rest are geometry and colours).
        var gradientWidth: Int { width - feat }
    }
    let columns: Columns

    /// A model of `kind` with weights initialised from `seed`. LFNR ignores `crossViewLayers`.
    public init(config: ModelConfig, seed: UInt64, kind: ModelKind = .gpnr) {
        self.config = config
        self.kind = kind
        var lay = ParameterLayout()
        let D = config.width, k = config.patchSize
        let lfnr = kind == .lfnr
        columns = Columns(config, kind: kind)
        patch = Linear("patch", inFeatures: k * k * 3, outFeatures: config.patchFeatures, layout: &lay)
        keyProjection = Linear("key", inFeatures: columns.width, outFeatures: D, layout: &lay)
        if lfnr || columns.summaryQuery {
            query1 = nil; query2 = nil
            queryProjection1 = Linear("query_epipolar", inFeatures: columns.queryWidth, outFeatures: D, layout: &lay)
            queryProjection2 = Linear("query_view", inFeatures: columns.queryWidth, outFeatures: D, layout: &lay)
            embedding = lfnr && columns.E > 0 ? lay.add("view_embedding", [config.lfnr.viewEmbeddings, columns.E], decay: false) : nil
        } else {
            query1 = lay.add("query_epipolar", [D], decay: false)
            query2 = lay.add("query_view", [D], decay: false)
            queryProjection1 = nil; queryProjection2 = nil; embedding = nil
        }
        let tc = config.transformer
        crossView = lfnr ? [] : (0..<config.crossViewLayers).map { TransformerLayer("cross_view.\($0)", config: tc, layout: &lay) }
        epipolar = (0..<config.epipolarLayers).map { TransformerLayer("epipolar.\($0)", config: tc, layout: &lay) }
        viewLayers = (0..<config.viewLayers).map { TransformerLayer("view.\($0)", config: tc, layout: &lay) }
        epipolarPool = AttentionPooling("epipolar_pool", width: D, layout: &lay)
        viewKey = Linear("view_key", inFeatures: D + columns.E, outFeatures: D, layout: &lay)
        viewPool = AttentionPooling("view_pool", width: D, layout: &lay)
        color = Linear("color", inFeatures: D, outFeatures: 3, layout: &lay)
        if let g = config.guidance, g.sweepInit {
            let r = g.scalarRate
            guideLogAlpha = lay.add("guide.log_alpha", [1], decay: false, rateScale: r)
            guideViewScales = lay.add("guide.view_scales", [2], decay: false, rateScale: r)
            guideGate = lay.add("guide.gate", [1], decay: false, rateScale: r)
            guideAlphaFromSummary = g.adaptiveSharpness && columns.summaryQuery
                ? lay.add("guide.alpha_from_summary", [GuidanceSettings.summaryWidth], decay: false, rateScale: r) : nil
        } else {
            guideLogAlpha = nil; guideViewScales = nil; guideGate = nil; guideAlphaFromSummary = nil
        }
        layout = lay
        parameters = ParameterStore(layout: lay)
        initialize(seed: seed)
    }

    /// Deterministic initialisation from a seed: LeCun-normal matrices, zero biases, unit LayerNorm
    /// scales, N(0, 1) query tokens, N(0, 0.1²) view embeddings.
    public func initialize(seed: UInt64) {
        var rng = EngineRNG(seed: seed)
        parameters.values.zero()
        patch.initialize(parameters, &rng)
        keyProjection.initialize(parameters, &rng)
        if let query1, let query2 {
            EngineRandom.fillNormal(parameters.value(query1), std: 1, &rng)
            EngineRandom.fillNormal(parameters.value(query2), std: 1, &rng)
        }
        queryProjection1?.initialize(parameters, &rng)
        queryProjection2?.initialize(parameters, &rng)
        if let embedding { EngineRandom.fillNormal(parameters.value(embedding), std: 0.1, &rng) }
        for l in crossView + epipolar + viewLayers { l.initialize(parameters, &rng) }
        epipolarPool.score.initialize(parameters, &rng)
        viewKey.initialize(parameters, &rng)
        viewPool.score.initialize(parameters, &rng)
        color.initialize(parameters, &rng)
        if kind == .gpnr && columns.summaryQuery, let q1 = queryProjection1, let q2 = queryProjection2 {
            // Guided GPNR: q = bias + W·summary; the biases play the learned query tokens (N(0, 1)).
            EngineRandom.fillNormal(parameters.value(q1.bias!), std: 1, &rng)
            EngineRandom.fillNormal(parameters.value(q2.bias!), std: 1, &rng)
        }
        if let a = guideLogAlpha, let v = guideViewScales, let g = guideGate, let gs = config.guidance {
            // Start at the sweep: learned pooling scores 0 (the priors decide), unit prior scales, and a zero
            // residual — the colour head's weights are 0 (tanh(0) = 0) under a unit gate. (A zero gate over a
            // random head, tried first, did not open: the gate's gradient Σ drgb·tanh(head) averages out when
            // the head is random; after 500 steps it was 0.0014 and validation had not moved.)
            parameters.value(epipolarPool.score.weight).zero()
            parameters.value(viewPool.score.weight).zero()
            parameters.value(color.weight).zero()
            parameters.value(a).pointer[0] = T(Foundation.log(gs.priorSharpness))
            parameters.value(v).pointer[0] = T(gs.viewPriorScale); parameters.value(v).pointer[1] = T(gs.viewPriorScale)
            parameters.value(g).pointer[0] = 1
        }
    }

    public var parameterCount: Int { layout.parameterCount }

    /// A workspace for batches of up to `batch` rays (allocated once; reuse it for every batch).
    public func makeWorkspace(batch: Int, training: Bool) -> EpipolarWorkspace<T> {
        EpipolarWorkspace(model: self, batch: batch, training: training)
    }

    // MARK: Forward

    /// Runs the model on `rays` (at most the workspace's batch; a shorter batch is padded by repeating its
    /// last ray). Results: `workspace.rgb`, `.coarse`, `.depth` (first `rays.count` rows are meaningful).
    /// `store`: parameters to use instead of the model's own (a replica with the same layout, e.g. one
    /// per training worker; see GPNRTrainer).
    /// `guidance`: the rays' sweep guidance (required when `config.guidance` is set; rays name their rows).
    public func forward(rays: UnsafeBufferPointer<ModelRay>, viewSets: [ViewSet<T>], placement: DepthPlacement = .endpoints,
                        guidance: GuidanceBatch? = nil, workspace ws: EpipolarWorkspace<T>, store: ParameterStore<T>? = nil) {
        precondition(!rays.isEmpty && rays.count <= ws.B, "EpipolarModel.forward: 1…\(ws.B) rays, found \(rays.count)")
        ws.count = rays.count
        let p = store ?? parameters
        EpipolarGeometry.build(model: self, rays: rays, viewSets: viewSets, placement: placement,
                               guidance: config.guidance == nil ? nil : guidance, ws: ws, p)
        if let q1 = queryProjection1, let q2 = queryProjection2 {
            q1.forward(ws.qEnc, ws.qTok1, p)
            q2.forward(ws.qEnc, ws.qTok2, p)
        }
        // Patch features: feat = ELU(patches·Wp + bp), zero at invalid tokens; then cross-view statistics.
        patch.forward(ws.patches, ws.featPre, p)
        writeFeatures(ws)
        // 1–2. Key tokens and the cross-view transformer.
        keyProjection.forward(ws.keyIn, ws.keyTok, p)
        ws.crossRunner.forward(ws.keyTok, ws.x1, keyMask: ws.tokMask.constPointer, p)
        // 3. Epipolar transformer: [B, N, P+1, D] with q1 at slot 0.
        scatterToEpipolar(ws, p)
        ws.epiRunner.forward(ws.epiIn, ws.epiOut, keyMask: ws.epiMask.constPointer, p)
        // 4. Pool along each line.
        let B = ws.B, N = config.views, P = config.samples, D = config.width
        if sweepInit { writePriorOffsets(ws, p) }
        epipolarPool.forward(tokens: ws.epiOut.constPointer, mask: ws.epiMask.constPointer,
                             .init(groups: B * N, length: P, stride: P + 1, offset: 1, width: D),
                             weights: ws.epiW.pointer, pooled: ws.pooled1.pointer,
                             offset: sweepInit ? ws.epiOffset.constPointer : nil, p)
        // 5. View transformer: [B, N+1, D] with q2 at slot 0.
        let E = columns.E
        if E > 0 {
            // viewKeyIn = [pooled1 | embedding of the reference view (0 when unknown)].
            let emb = p.value(embedding!).constPointer, V = config.lfnr.viewEmbeddings
            for bn in 0..<(B * N) {
                let row = ws.viewKeyIn.pointer + bn * (D + E)
                row.update(from: ws.pooled1.constPointer + bn * D, count: D)
                let id = Int(ws.viewIDs[bn])
                if id >= 0 && id < V { (row + D).update(from: emb + id * E, count: E) } else { (row + D).update(repeating: 0, count: E) }
            }
            viewKey.forward(ws.viewKeyIn, ws.viewKeys, p)
        } else {
            viewKey.forward(ws.pooled1, ws.viewKeys, p)
        }
        for b in 0..<B {
            let q2 = query2.map { p.value($0).constPointer } ?? ws.qTok2.constPointer + b * D
            (ws.viewIn.pointer + b * (N + 1) * D).update(from: q2, count: D)
            (ws.viewIn.pointer + (b * (N + 1) + 1) * D).update(from: ws.viewKeys.constPointer + b * N * D, count: N * D)
        }
        ws.viewRunner.forward(ws.viewIn, ws.viewOut, keyMask: ws.viewMask.constPointer, p)
        // 6. Pool over views, colour head.
        viewPool.forward(tokens: ws.viewOut.constPointer, mask: ws.viewMask.constPointer,
                         .init(groups: B, length: N, stride: N + 1, offset: 1, width: D),
                         weights: ws.viewW.pointer, pooled: ws.pooled2.pointer,
                         offset: sweepInit ? ws.viewOffset.constPointer : nil, p)
        color.forward(ws.pooled2, ws.rgbPre, p)
        blendOutputs(ws)
        if let gate = guideGate {
            // rgb = coarse + gate · tanh(head): the sweep-like blend plus a learned, gated residual.
            let g = p.value(gate)[0]
            for i in 0..<(3 * B) {
                let x = max(-20, min(20, ws.rgbPre[i]))
                let t = 1 - 2 / (T.elementaryExp(2 * x) + 1)
                ws.rgbResidual[i] = t
                ws.rgb[i] = ws.coarse[i] + g * t
            }
        } else {
            Activation.forward(.sigmoid, ws.rgbPre, ws.rgb)
        }
    }

    /// feat columns of keyIn = ELU(featPre) at valid tokens, 0 elsewhere; then the statistics columns.
    func writeFeatures(_ ws: EpipolarWorkspace<T>) {
        let F = config.patchFeatures, K = columns.width, N = config.views
        let fc = columns.feat, mask = ws.tokMask.constPointer
        let pre = ws.featPre.constPointer, key = ws.keyIn.pointer
        let cols = columns
        Threading.parallelFor(ws.B * config.samples, minimumPerWorker: 64) { r in
            for g in r {
                for n in 0..<N {
                    let t = g * N + n
                    let dst = key + t * K + fc
                    if mask[t] == 0 { dst.update(repeating: 0, count: F); continue }
                    let src = pre + t * F
                    for c in 0..<F { let x = src[c]; dst[c] = x > 0 ? x : T.elementaryExp(x) - 1 }
                }
                guard cols.stats else { continue }
                Self.statistics(key + g * N * K, mask + g * N, N: N, K: K, from: cols.rgb, count: 3, to: cols.rgbStats)
                Self.statistics(key + g * N * K, mask + g * N, N: N, K: K, from: cols.feat, count: F, to: cols.featStats)
            }
        }
    }

    /// Mean and variance over the valid rows of one group of N rows (row stride K) of columns
    /// [from, from+count), written to columns [to, to+count) (mean) and [to+count, to+2count) (variance)
    /// of every row.
    @inline(__always)
    static func statistics(_ rows: UnsafeMutablePointer<T>, _ mask: UnsafePointer<UInt8>, N: Int, K: Int,
                           from: Int, count C: Int, to: Int) {
        var V = 0
        for n in 0..<N where mask[n] != 0 { V += 1 }
        let first = rows + to
        first.update(repeating: 0, count: 2 * C)
        if V > 0 {
            for n in 0..<N where mask[n] != 0 {
                let x = rows + n * K + from
                for c in 0..<C { first[c] += x[c]; first[C + c] += x[c] * x[c] }
            }
            let inv = 1 / T(V)
            for c in 0..<C {
                let m = first[c] * inv
                first[c] = m
                first[C + c] = max(0, first[C + c] * inv - m * m)
            }
        }
        for n in 1..<max(N, 1) { (rows + n * K + to).update(from: first, count: 2 * C) }
    }

    /// epiIn[b, n, 0] = q1, epiIn[b, n, 1+p] = x1[b, p, n].
    func scatterToEpipolar(_ ws: EpipolarWorkspace<T>, _ p: ParameterStore<T>) {
        let N = config.views, P = config.samples, D = config.width
        let q1 = query1.map { p.value($0).constPointer }, qt = ws.qTok1.constPointer
        let src = ws.x1.constPointer, dst = ws.epiIn.pointer
        Threading.parallelFor(ws.B * N, minimumPerWorker: 16) { r in
            for bn in r {
                let b = bn / N, n = bn % N
                let line = dst + bn * (P + 1) * D
                line.update(from: q1 ?? qt + b * D, count: D)
                for p in 0..<P {
                    (line + (1 + p) * D).update(from: src + ((b * P + p) * N + n) * D, count: D)
                }
            }
        }
    }

    /// coarse and depth from the two attention poolings.
    func blendOutputs(_ ws: EpipolarWorkspace<T>) {
        let N = config.views, P = config.samples, K = columns.width, rc = columns.rgb
        for b in 0..<ws.B {
            var c0: T = 0, c1: T = 0, c2: T = 0, z: T = 0
            for n in 0..<N {
                let wv = ws.viewW[b * N + n]
                if wv == 0 { continue }
                for p in 0..<P {
                    let a = ws.epiW[(b * N + n) * P + p]
                    if a == 0 { continue }
                    let wa = wv * a
                    let row = ws.keyIn.constPointer + ((b * P + p) * N + n) * K + rc
                    c0 += wa * row[0]; c1 += wa * row[1]; c2 += wa * row[2]
                    z += wa * T(ws.depths[b * P + p])
                }
            }
            ws.coarse[3 * b] = c0; ws.coarse[3 * b + 1] = c1; ws.coarse[3 * b + 2] = c2
            ws.depth[b] = z
        }
    }

    // MARK: Backward

    /// Losses of the last forward against `targets` [count, 3] (count = rays of that forward).
    public struct Losses: Sendable, Equatable {
        public var total: Double
        public var rgb: Double
        public var coarse: Double
        /// Depth supervision: mean cross-entropy of the epipolar attention against the sample nearest the
        /// target depth (unweighted; `total` includes depthWeight × it).
        public var depth: Double = 0
    }

    /// Loss = MSE(rgb, target) + MSE(coarse, target) over the rays of the last forward (padding excluded).
    /// Accumulates `weight` × the parameter gradients into `store` (default: the model's own; zero them
    /// before, e.g. `parameters.zeroGradients()`). The returned losses are unweighted.
    @discardableResult
    /// Depth supervision: `depthTargets` [count] target-camera depths (0 or non-finite: none) add
    /// depthWeight × the mean over supervised (ray, view) pairs of −log a[ray, view, p*], p* the sample whose
    /// inverse depth is nearest the target's, when it is valid in that view and within one local sample gap.
    public func backward(targets: UnsafePointer<T>, workspace ws: EpipolarWorkspace<T>, weight: T = 1,
                         depthTargets: UnsafePointer<T>? = nil, depthWeight: T = 0,
                         store: ParameterStore<T>? = nil) -> Losses {
        precondition(ws.training, "EpipolarModel.backward needs a training workspace")
        let p = store ?? parameters
        let B = ws.B, N = config.views, P = config.samples, D = config.width, K = columns.width
        let count = ws.count
        // Loss gradients (padding rows get 0).
        ws.dRgb.zero(); ws.dCoarse.zero()
        var lr = 0.0, lc = 0.0
        let scale = 2 * weight / T(count * 3)
        for i in 0..<(count * 3) {
            let er = ws.rgb[i] - targets[i], ec = ws.coarse[i] - targets[i]
            lr += Double(er * er); lc += Double(ec * ec)
            ws.dRgb[i] = scale * er
            ws.dCoarse[i] = scale * ec
        }
        lr /= Double(count * 3); lc /= Double(count * 3)
        // Colour head.
        ws.dRgbPre.zero()
        if let gate = guideGate {
            // rgb = coarse + g·tanh(pre): dcoarse += drgb, dg = Σ drgb·tanh, dpre = drgb·g·(1 − tanh²).
            let g = p.value(gate)[0]
            var dg: T = 0
            for i in 0..<(3 * B) {
                let t = ws.rgbResidual[i], d = ws.dRgb[i]
                ws.dCoarse[i] += d
                dg += d * t
                ws.dRgbPre[i] = d * g * (1 - t * t)
            }
            p.grad(gate).pointer[0] += dg
        } else {
            Activation.backward(.sigmoid, x: ws.rgbPre, y: ws.rgb, ws.dRgb, ws.dRgbPre)
        }
        ws.dPooled2.zero()
        color.backward(ws.pooled2, ws.dRgbPre, ws.dPooled2, p)
        // Coarse: gradients on the view weights and the epipolar weights.
        let rc = columns.rgb
        for b in 0..<B {
            let g0 = ws.dCoarse[3 * b], g1 = ws.dCoarse[3 * b + 1], g2 = ws.dCoarse[3 * b + 2]
            for n in 0..<N {
                let wv = ws.viewW[b * N + n]
                var acc: T = 0
                for p in 0..<P {
                    let row = ws.keyIn.constPointer + ((b * P + p) * N + n) * K + rc
                    let dotc = g0 * row[0] + g1 * row[1] + g2 * row[2]
                    let a = ws.epiW[(b * N + n) * P + p]
                    acc += a * dotc
                    ws.dEpiWExtra[(b * N + n) * P + p] = wv * dotc
                }
                ws.dViewWExtra[b * N + n] = acc
            }
        }
        var ld = 0.0
        if let depthTargets, depthWeight > 0 {
            // Cross-entropy of each view's epipolar attention against the sample nearest the target depth.
            var pairs: [(Int, T)] = []
            for b in 0..<count {
                let zt = depthTargets[b]
                guard zt > 0 && zt.isFinite else { continue }
                let inv = 1 / Double(zt)
                var best = 0, bestErr = Double.infinity
                for q in 0..<P {
                    let e = abs(1 / ws.depths[b * P + q] - inv)
                    if e < bestErr { bestErr = e; best = q }
                }
                // Within one gap to the neighbouring samples (the target lies between samples).
                let lo = best > 0 ? 1 / ws.depths[b * P + best - 1] : 1 / ws.depths[b * P + best]
                let hi = best < P - 1 ? 1 / ws.depths[b * P + best + 1] : 1 / ws.depths[b * P + best]
                guard bestErr <= max(abs(lo - hi), 1e-12) else { continue }
                for n in 0..<N where ws.tokMask.constPointer[(b * P + best) * N + n] != 0 {
                    let i = (b * N + n) * P + best
                    pairs.append((i, max(ws.epiW[i], T(1e-12))))
                }
            }
            if !pairs.isEmpty {
                let g = weight * depthWeight / T(pairs.count)
                for (i, a) in pairs {
                    ld -= Double(T.elementaryLog(a))
                    ws.dEpiWExtra[i] += -g / a
                }
                ld /= Double(pairs.count)
            }
        }
        // View pooling → view transformer.
        ws.dViewOut.zero()
        viewPool.backward(tokens: ws.viewOut.constPointer, mask: ws.viewMask.constPointer,
                          .init(groups: B, length: N, stride: N + 1, offset: 1, width: D),
                          weights: ws.viewW.constPointer, dPooled: ws.dPooled2.constPointer,
                          dWeightsExtra: ws.dViewWExtra.constPointer, dTokens: ws.dViewOut.pointer,
                          scratch: ws.poolScratch.pointer, p)
        if let vs = guideViewScales {
            // View-prior scales: d s_j = Σ over (b, n) of dscore · prior_j.
            let ds = ws.poolScratch.constPointer, d = p.grad(vs).pointer
            var d0: T = 0, d1: T = 0
            for i in 0..<(B * N) { d0 += ds[i] * ws.viewPrior[3 * i]; d1 += ds[i] * ws.viewPrior[3 * i + 1] }
            d[0] += d0; d[1] += d1
        }
        ws.dViewIn.zero()
        ws.viewRunner.backward(ws.viewIn, ws.dViewOut, ws.dViewIn, p)
        for b in 0..<B {
            let row = ws.dViewIn.constPointer + b * (N + 1) * D
            if let query2 {
                let dq2 = p.grad(query2).pointer
                for c in 0..<D { dq2[c] += row[c] }
            } else {
                (ws.dQTok2.pointer + b * D).update(from: row, count: D)
            }
            (ws.dViewKeys.pointer + b * N * D).update(from: row + D, count: N * D)
        }
        if let q2 = queryProjection2 { q2.backward(ws.qEnc, ws.dQTok2, nil, p) }
        ws.dPooled1.zero()
        let E = columns.E
        if E > 0 {
            ws.dViewKeyIn.zero()
            viewKey.backward(ws.viewKeyIn, ws.dViewKeys, ws.dViewKeyIn, p)
            let demb = p.grad(embedding!).pointer, V = config.lfnr.viewEmbeddings
            for bn in 0..<(B * N) {
                let row = ws.dViewKeyIn.constPointer + bn * (D + E)
                (ws.dPooled1.pointer + bn * D).update(from: row, count: D)
                let id = Int(ws.viewIDs[bn])
                if id >= 0 && id < V { for c in 0..<E { demb[id * E + c] += row[D + c] } }
            }
        } else {
            viewKey.backward(ws.pooled1, ws.dViewKeys, ws.dPooled1, p)
        }
        // Epipolar pooling → epipolar transformer.
        ws.dEpiOut.zero()
        epipolarPool.backward(tokens: ws.epiOut.constPointer, mask: ws.epiMask.constPointer,
                              .init(groups: B * N, length: P, stride: P + 1, offset: 1, width: D),
                              weights: ws.epiW.constPointer, dPooled: ws.dPooled1.constPointer,
                              dWeightsExtra: ws.dEpiWExtra.constPointer, dTokens: ws.dEpiOut.pointer,
                              scratch: ws.poolScratch.pointer, p)
        if sweepInit { priorSharpnessBackward(ws, p) }
        ws.dEpiIn.zero()
        ws.epiRunner.backward(ws.epiIn, ws.dEpiOut, ws.dEpiIn, p)
        // Gather back to (b, p, n) order; slot 0 → q1.
        if let query1 {
            let dq1 = p.grad(query1).pointer
            for bn in 0..<(B * N) {
                let line = ws.dEpiIn.constPointer + bn * (P + 1) * D
                for c in 0..<D { dq1[c] += line[c] }
            }
        } else if let q1 = queryProjection1 {
            ws.dQTok1.zero()
            for bn in 0..<(B * N) {
                let line = ws.dEpiIn.constPointer + bn * (P + 1) * D, d = ws.dQTok1.pointer + (bn / N) * D
                for c in 0..<D { d[c] += line[c] }
            }
            q1.backward(ws.qEnc, ws.dQTok1, nil, p)
        }
        let dx1 = ws.dX1.pointer, dsrc = ws.dEpiIn.constPointer
        Threading.parallelFor(B * P, minimumPerWorker: 16) { r in
            for bp in r {
                let b = bp / P, pp = bp % P
                for n in 0..<N {
                    (dx1 + (bp * N + n) * D).update(from: dsrc + ((b * N + n) * (P + 1) + 1 + pp) * D, count: D)
                }
            }
        }
        // Cross-view transformer → key projection.
        ws.dKeyTok.zero()
        ws.crossRunner.backward(ws.keyTok, ws.dX1, ws.dKeyTok, p)
        keyProjection.backward(ws.keyIn, ws.dKeyTok, nil, p)
        // dKeyIn only for the columns that carry gradients (features and their statistics).
        let G0 = columns.feat, GW = columns.gradientWidth, Tk = ws.Tk
        let wk = p.value(keyProjection.weight).constPointer
        Threading.gemm(transA: false, transB: true, m: Tk, n: GW, k: D, alpha: 1, a: ws.dKeyTok.constPointer, lda: D,
                       b: wk + G0 * D, ldb: D, beta: 0, c: ws.dKeyIn.pointer, ldc: GW)
        featureBackward(ws)
        patch.backward(ws.patches, ws.dFeatPre, nil, p)
        if E > 0 {
            // Embedding columns of the key input: token (b, p, n) uses the embedding of view (b, n).
            let demb = p.grad(embedding!).pointer, V = config.lfnr.viewEmbeddings, off = columns.embed - G0
            for t in 0..<Tk {
                let bn = (t / (P * N)) * N + t % N
                let id = Int(ws.viewIDs[bn])
                guard id >= 0 && id < V && ws.tokMask.constPointer[t] != 0 else { continue }
                let row = ws.dKeyIn.constPointer + t * GW + off
                for c in 0..<E { demb[id * E + c] += row[c] }
            }
        }
        return Losses(total: lr + lc + Double(depthWeight) * ld, rgb: lr, coarse: lc, depth: ld)
    }

    /// dFeatPre from dKeyIn (gradient columns [feat | mean | var], width GW) through the statistics and ELU.
    func featureBackward(_ ws: EpipolarWorkspace<T>) {
        let F = config.patchFeatures, N = config.views, K = columns.width, GW = columns.gradientWidth
        let fc = columns.feat, stats = columns.stats
        let mask = ws.tokMask.constPointer, key = ws.keyIn.constPointer, dk = ws.dKeyIn.constPointer
        let pre = ws.featPre.constPointer, dpre = ws.dFeatPre.pointer
        Threading.parallelFor(ws.B * config.samples, minimumPerWorker: 64) { r in
            for g in r {
                var V = 0
                for n in 0..<N where mask[g * N + n] != 0 { V += 1 }
                for n in 0..<N {
                    let t = g * N + n
                    let d = dpre + t * F
                    guard mask[t] != 0 else { d.update(repeating: 0, count: F); continue }
                    let src = dk + t * GW, f = key + t * K + fc, x = pre + t * F
                    for c in 0..<F {
                        var gsum = src[c]
                        if stats {
                            // Σ over all N rows of d(mean_c) and d(var_c).
                            var dm: T = 0, dv: T = 0
                            for m in 0..<N { dm += dk[(g * N + m) * GW + F + c]; dv += dk[(g * N + m) * GW + 2 * F + c] }
                            let mean = key[(g * N) * K + fc + F + c]
                            let invV = 1 / T(V)
                            gsum += dm * invV + dv * 2 * (f[c] - mean) * invV
                        }
                        // ELU'(x) = 1 for x > 0, exp(x) = f + 1 otherwise.
                        d[c] = gsum * (x[c] > 0 ? 1 : f[c] + 1)
                    }
                }
            }
        }
    }

    // MARK: Cost

    /// GEMM FLOPs of one forward per ray (projections, attention products, patch and key projections).
    public var forwardFLOPsPerRay: Double {
        let N = Double(config.views), P = Double(config.samples), D = Double(config.width)
        let tc = config.transformer
        var f = 0.0
        f += Double(crossView.count) * tc.forwardFLOPs(sequences: config.samples, length: config.views)
        f += Double(config.epipolarLayers) * tc.forwardFLOPs(sequences: config.views, length: config.samples + 1)
        f += Double(config.viewLayers) * tc.forwardFLOPs(sequences: 1, length: config.views + 1)
        let k = Double(config.patchSize)
        f += 2 * N * P * (k * k * 3) * Double(config.patchFeatures)
        f += 2 * N * P * Double(columns.width) * D
        f += 2 * N * (D + Double(columns.E)) * D + 2 * D * 3
        if queryProjection1 != nil { f += 2 * 2 * Double(columns.queryWidth) * D }
        return f
    }

    /// Training FLOPs per ray: forward + backward (≈ 2× forward, minus the key-input gradient of the
    /// constant columns and the patch-input gradient, which are not computed).
    public var trainingFLOPsPerRay: Double {
        let N = Double(config.views), P = Double(config.samples), D = Double(config.width)
        let k = Double(config.patchSize)
        let patchF = 2 * N * P * (k * k * 3) * Double(config.patchFeatures)
        let keyF = 2 * N * P * Double(columns.width) * D
        let rest = forwardFLOPsPerRay - patchF - keyF
        return forwardFLOPsPerRay + 2 * rest + patchF + keyF + 2 * N * P * Double(columns.gradientWidth) * D
    }
}

