import Testing
import ViewSynthEngine

/// Float forward passes (fast vectorised exp/tanh, sgemm) agree with Double (libm, dgemm) within 1e-5
/// relative (‖f − d‖ / ‖d‖) on identical inputs, for every op with a Float-specific code path.
@Suite("Float forward against Double")
struct FloatPrecisionTests {
    /// The same random values in both precisions (drawn in Double, rounded to Float, widened back).
    func pair(_ shape: [Int], std: Double = 1, seed: UInt64) -> (TestTensor<Float>, TestTensor<Double>) {
        var rng = EngineRNG(seed: seed)
        let d = TestTensor<Double>(shape, normal: std, &rng)
        let f = TestTensor<Float>(shape)
        for i in 0..<d.t.count { f.t[i] = Float(d.t[i]); d.t[i] = Double(f.t[i]) }
        return (f, d)
    }

    func stores(_ layout: ParameterLayout, seed: UInt64) -> (ParameterStore<Float>, ParameterStore<Double>) {
        let d = ParameterStore<Double>(layout: layout), f = ParameterStore<Float>(layout: layout)
        var rng = EngineRNG(seed: seed)
        EngineRandom.fillNormal(Tensor(pointer: d.values.pointer, shape: [layout.count]), std: 0.5, &rng)
        f.copyValues(from: d)
        d.copyValues(from: f)
        return (f, d)
    }

    @Test(arguments: ActivationKind.allCases) func activation(kind: ActivationKind) {
        // wide range: exp/tanh approximations over their whole useful domain, including saturation
        let (xf, xd) = pair([40, 50], std: 6, seed: 1)
        let yf = TestTensor<Float>([40, 50]), yd = TestTensor<Double>([40, 50])
        Activation.forward(kind, xf.t, yf.t)
        Activation.forward(kind, xd.t, yd.t)
        #expect(relativeDifference(yf.t, yd.t) <= 1e-5, "\(kind)")
        // elementwise too, against max(|y|, 1e-3)
        var worst = 0.0
        for i in 0..<yd.t.count { worst = max(worst, abs(Double(yf.t[i]) - yd.t[i]) / max(abs(yd.t[i]), 1e-3)) }
        #expect(worst <= 1e-5, "\(kind) worst elementwise \(worst)")
    }

    @Test func linearLayerNormSoftmax() {
        var layout = ParameterLayout()
        let lin = Linear("fc", inFeatures: 48, outFeatures: 40, layout: &layout)
        let ln = LayerNorm("ln", features: 40, layout: &layout)
        let (pf, pd) = stores(layout, seed: 2)
        let (xf, xd) = pair([30, 48], seed: 3)
        let yf = TestTensor<Float>([30, 40]), yd = TestTensor<Double>([30, 40])
        lin.forward(xf.t, yf.t, pf)
        lin.forward(xd.t, yd.t, pd)
        #expect(relativeDifference(yf.t, yd.t) <= 1e-5)
        let zf = TestTensor<Float>([30, 40]), zd = TestTensor<Double>([30, 40])
        let mf = TestTensor<Float>([30]), sf = TestTensor<Float>([30]), md = TestTensor<Double>([30]), sd = TestTensor<Double>([30])
        ln.forward(yf.t, zf.t, mean: mf.t, rstd: sf.t, pf)
        ln.forward(yd.t, zd.t, mean: md.t, rstd: sd.t, pd)
        #expect(relativeDifference(zf.t, zd.t) <= 1e-5)
        Softmax.forward(zf.t, yf.t)
        Softmax.forward(zd.t, yd.t)
        #expect(relativeDifference(yf.t, yd.t) <= 1e-5)
    }

    @Test(arguments: [(SelfAttention.Algorithm.kernel, 16), (.kernel, 6), (.gemm, 16)])
    func attention(algorithm: SelfAttention.Algorithm, dh: Int) {
        let S = 7, L = 33, H = 2, D = H * dh
        let (qf, qd) = pair([S * L, 3 * D], std: 1.5, seed: 4)
        let att = SelfAttention(width: D, heads: H, algorithm: algorithm)
        let of = TestTensor<Float>([S * L, D]), od = TestTensor<Double>([S * L, D])
        let pf = TestTensor<Float>([S, H, L, L]), pd = TestTensor<Double>([S, H, L, L])
        att.forward(qkv: qf.t, keyMask: nil, out: of.t, probs: pf.t, sequences: S, length: L)
        att.forward(qkv: qd.t, keyMask: nil, out: od.t, probs: pd.t, sequences: S, length: L)
        #expect(relativeDifference(of.t, od.t) <= 1e-5)
        #expect(relativeDifference(pf.t, pd.t) <= 1e-5)
    }

    @Test func patchEncodingPooling() {
        var layout = ParameterLayout()
        let pp = PatchProjection("patch", patchSize: 5, channels: 3, features: 16, layout: &layout)
        let (pf, pd) = stores(layout, seed: 5)
        let (imf, imd) = pair([2, 12, 10, 3], seed: 6)
        let M = 9
        var rng = EngineRNG(seed: 7)
        let posd = TestTensor<Double>([M, 2]), posf = TestTensor<Float>([M, 2])
        for i in 0..<2 * M {
            posf.t[i] = Float(EngineRandom.uniform(&rng) * 12 - 1)
            posd.t[i] = Double(posf.t[i])
        }
        let index: [Int32] = [0, 1, 0, 1, 1, 0, 0, 1, 0]
        let patf = TestTensor<Float>([M, 75]), patd = TestTensor<Double>([M, 75])
        let of = TestTensor<Float>([M, 16]), od = TestTensor<Double>([M, 16])
        index.withUnsafeBufferPointer { ip in
            pp.forward(images: imf.t, imageIndex: ip.baseAddress!, positions: posf.t, patches: patf.t, out: of.t, pf)
            pp.forward(images: imd.t, imageIndex: ip.baseAddress!, positions: posd.t, patches: patd.t, out: od.t, pd)
        }
        #expect(relativeDifference(of.t, od.t) <= 1e-5)

        let pe = PositionalEncoding(minDegree: 0, maxDegree: 6)
        let ef = TestTensor<Float>([M, pe.outputWidth(2)]), ed = TestTensor<Double>([M, pe.outputWidth(2)])
        pe.forward(posf.t, ef.t)
        pe.forward(posd.t, ed.t)
        #expect(relativeDifference(ef.t, ed.t) <= 1e-5)

        let (wf, wd) = pair([3, 3], seed: 8)
        let sf = TestTensor<Float>([3, 16]), sd = TestTensor<Double>([3, 16])
        WeightedSum.forward(of.t.reshaped([3, 3, 16]), weights: wf.t, sf.t)
        WeightedSum.forward(od.t.reshaped([3, 3, 16]), weights: wd.t, sd.t)
        #expect(relativeDifference(sf.t, sd.t) <= 1e-5)
    }
}
