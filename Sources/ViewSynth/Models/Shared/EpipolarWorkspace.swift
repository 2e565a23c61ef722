// All buffers of one GPNR forward (and backward, in training mode) for batches of up to B rays, allocated
// once in one arena (plus small geometry buffers) and reused for every batch: nothing is allocated per batch.
// Shape legend: see EpipolarModel.swift (Tk = B·P·N tokens in (b, p, n) order).

import ViewSynthCore
import ViewSynthEngine

public final class EpipolarWorkspace<T: EngineScalar>: @unchecked Sendable {
    /// Rays per batch (B) and key tokens (B·P·N).
    public let B: Int
    public let Tk: Int
    public let training: Bool
    /// Rays of the last forward (≤ B; the rest is padding).
    public internal(set) var count = 0
    let arena: Arena<T>

    // Geometry (Double, per ray; not in the arena).
    let rays: UnsafeMutablePointer<Ray>
    /// Target-camera depth of each sample [B, P].
    let depths: UnsafeMutablePointer<Double>
    /// Projected pixels [B][N][P][2] and validity [B][N][P] (EpipolarProjector layout).
    let pixels: UnsafeMutablePointer<Double>
    let valid: UnsafeMutablePointer<Bool>
    // Masks (bytes, 1 = valid).
    let tokMaskBuf: AlignedBuffer<UInt8>, epiMaskBuf: AlignedBuffer<UInt8>, viewMaskBuf: AlignedBuffer<UInt8>
    var tokMask: MaskView { MaskView(tokMaskBuf.pointer) }
    var epiMask: MaskView { MaskView(epiMaskBuf.pointer) }
    var viewMask: MaskView { MaskView(viewMaskBuf.pointer) }

    // Forward activations.
    let patches, featPre, keyIn, keyTok, x1, epiIn, epiOut, epiW, pooled1, viewKeys, viewIn, viewOut,
        viewW, pooled2, rgbPre: Tensor<T>
    /// Outputs [B, 3], [B, 3], [B] (target-camera depth).
    public let rgb, coarse, depth: Tensor<T>
    let crossRunner, epiRunner, viewRunner: TransformerRunner<T>

    // Gradients (training only; empty tensors otherwise).
    let dRgb, dCoarse, dRgbPre, dPooled2, dViewWExtra, dViewOut, dViewIn, dViewKeys, dPooled1, dEpiWExtra,
        dEpiOut, dEpiIn, dX1, dKeyTok, dKeyIn, dFeatPre, poolScratch, dQTok1, dQTok2, dViewKeyIn: Tensor<T>
    // LFNR: query encodings [B, Q], query tokens [B, D] ×2, view-key input [B·N, D+E]; scene view index of
    // each (ray, view) [B·N] (−1 = none), for the per-view embeddings.
    let qEnc, qTok1, qTok2, viewKeyIn: Tensor<T>
    let viewIDs: UnsafeMutablePointer<Int32>
    // Sweep guidance (config.guidance with sweepInit): epipolar prior −cost [B·N, P] and the offset α·prior
    // added to the pooling scores; view priors [B·N, 3] (−angle/angleScale, −|c − consensus|²/σ², 0 or −30
    // when the view does not see the sweep's point) and their offset [B, N]; tanh of the colour head [B, 3].
    let epiPrior, epiOffset, viewPrior, viewOffset, rgbResidual: Tensor<T>

    init(model: EpipolarModel<T>, batch: Int, training: Bool) {
        let c = model.config
        let N = c.views, P = c.samples, D = c.width, F = c.patchFeatures, k = c.patchSize
        let K = model.columns.width, GW = model.columns.gradientWidth, E = model.columns.E, Q = model.columns.queryWidth
        B = max(1, batch)
        Tk = B * P * N
        self.training = training
        let tc = c.transformer
        var forward: [[Int]] = [
            [Tk, k * k * 3], [Tk, F], [Tk, K], [Tk, D], [Tk, D], [B * N * (P + 1), D], [B * N * (P + 1), D],
            [B * N, P], [B * N, D], [B * N, D], [B * (N + 1), D], [B * (N + 1), D], [B, N], [B, D], [B, 3],
            [B, 3], [B, 3], [B], [B, Q], [B, D], [B, D], [B * N, D + E],
            [B * N, P], [B * N, P], [B * N, 3], [B, N], [B, 3],
        ]
        let backwardShapes: [[Int]] = [
            [B, 3], [B, 3], [B, 3], [B, D], [B, N], [B * (N + 1), D], [B * (N + 1), D], [B * N, D], [B * N, D],
            [B * N, P], [B * N * (P + 1), D], [B * N * (P + 1), D], [Tk, D], [Tk, D], [Tk, GW], [Tk, F],
            [max(B * N * P, B * N)], [B, D], [B, D], [B * N, D + E],
        ]
        if training { forward += backwardShapes }
        var plan = ArenaPlan(T.self)
        for s in forward { plan.add(s) }
        TransformerRunner<T>.plan(tc, layers: c.crossViewLayers, S: B * P, L: N, training: training, &plan)
        TransformerRunner<T>.plan(tc, layers: c.epipolarLayers, S: B * N, L: P + 1, training: training, &plan)
        TransformerRunner<T>.plan(tc, layers: c.viewLayers, S: B, L: N + 1, training: training, &plan)
        let arena = Arena<T>(plan: plan)
        self.arena = arena
        let t = forward.map { arena.allocate($0) }
        patches = t[0]; featPre = t[1]; keyIn = t[2]; keyTok = t[3]; x1 = t[4]; epiIn = t[5]; epiOut = t[6]
        epiW = t[7]; pooled1 = t[8]; viewKeys = t[9]; viewIn = t[10]; viewOut = t[11]; viewW = t[12]
        pooled2 = t[13]; rgbPre = t[14]; rgb = t[15]; coarse = t[16]; depth = t[17]
        qEnc = t[18]; qTok1 = t[19]; qTok2 = t[20]; viewKeyIn = t[21]
        epiPrior = t[22]; epiOffset = t[23]; viewPrior = t[24]; viewOffset = t[25]; rgbResidual = t[26]
        if training {
            let g = Array(t[27...])
            dRgb = g[0]; dCoarse = g[1]; dRgbPre = g[2]; dPooled2 = g[3]; dViewWExtra = g[4]; dViewOut = g[5]
            dViewIn = g[6]; dViewKeys = g[7]; dPooled1 = g[8]; dEpiWExtra = g[9]; dEpiOut = g[10]; dEpiIn = g[11]
            dX1 = g[12]; dKeyTok = g[13]; dKeyIn = g[14]; dFeatPre = g[15]; poolScratch = g[16]
            dQTok1 = g[17]; dQTok2 = g[18]; dViewKeyIn = g[19]
        } else {
            let e = Tensor<T>(pointer: arena.storage.pointer, shape: [0])
            dRgb = e; dCoarse = e; dRgbPre = e; dPooled2 = e; dViewWExtra = e; dViewOut = e; dViewIn = e
            dViewKeys = e; dPooled1 = e; dEpiWExtra = e; dEpiOut = e; dEpiIn = e; dX1 = e; dKeyTok = e
            dKeyIn = e; dFeatPre = e; poolScratch = e; dQTok1 = e; dQTok2 = e; dViewKeyIn = e
        }
        crossRunner = TransformerRunner(layers: model.crossView, S: B * P, L: N, training: training, arena: arena)
        epiRunner = TransformerRunner(layers: model.epipolar, S: B * N, L: P + 1, training: training, arena: arena)
        viewRunner = TransformerRunner(layers: model.viewLayers, S: B, L: N + 1, training: training, arena: arena)
        rays = .allocate(capacity: B)
        depths = .allocate(capacity: B * P)
        pixels = .allocate(capacity: B * N * P * 2)
        valid = .allocate(capacity: B * N * P)
        viewIDs = .allocate(capacity: B * N)
        viewIDs.initialize(repeating: -1, count: B * N)
        tokMaskBuf = AlignedBuffer(count: Tk)
        epiMaskBuf = AlignedBuffer(count: B * N * (P + 1))
        viewMaskBuf = AlignedBuffer(count: B * (N + 1))
    }

    deinit {
        rays.deallocate(); depths.deallocate(); pixels.deallocate(); valid.deallocate(); viewIDs.deallocate()
    }

    /// Bytes held (arena and geometry buffers).
    public var bytes: Int {
        arena.capacity * MemoryLayout<T>.stride + Tk * (1 + 17) + B * MemoryLayout<Ray>.stride
    }

    /// Target-camera depth sample p of ray b in the last forward.
    public func sampleDepth(ray b: Int, sample p: Int, samples P: Int) -> Double { depths[b * P + p] }
}

/// A byte mask buffer (1 = valid) seen as mutable or constant pointers.
struct MaskView {
    let baseAddress: UnsafeMutablePointer<UInt8>?
    init(_ p: UnsafeMutablePointer<UInt8>) { baseAddress = p }
    var constPointer: UnsafePointer<UInt8> { UnsafePointer(baseAddress!) }
}
