import Testing
import ViewSynthEngine

@Suite("Transformer stack")
struct TransformerTests {
    func makeStack<T: EngineScalar>(_: T.Type, config: TransformerConfig, layers: Int, S: Int, L: Int,
                                     finalNorm: Bool) -> (ParameterStore<T>, TransformerStack<T>) {
        var layout = ParameterLayout()
        let (ls, fn) = TransformerStack<T>.declare("enc", config: config, count: layers, finalNorm: finalNorm, layout: &layout)
        let p = ParameterStore<T>(layout: layout)
        var rng = EngineRNG(seed: 21)
        for l in ls { l.initialize(p, &rng) }
        fn?.initialize(p)
        // non-trivial LayerNorm scales and biases everywhere
        for e in layout.entries where !e.decay { EngineRandom.fillNormal(p.value(e), std: 0.5, &rng); }
        for e in layout.entries where e.name.hasSuffix(".scale") { let t = p.value(e); for i in 0..<t.count { t[i] += 1 } }
        return (p, TransformerStack<T>(layers: ls, finalNorm: fn, sequences: S, length: L))
    }

    @Test(arguments: [true, false]) func twoLayerGradientCheck(preNorm: Bool) {
        let S = 2, L = 3, D = 4
        let cfg = TransformerConfig(width: D, heads: 2, mlpWidth: 6, preNorm: preNorm)
        let (p, stack) = makeStack(Double.self, config: cfg, layers: 2, S: S, L: L, finalNorm: preNorm)
        var rng = EngineRNG(seed: 22)
        let x = TestTensor<Double>([S * L, D], normal: 1, &rng), dx = TestTensor<Double>([S * L, D])
        let y = TestTensor<Double>([S * L, D])
        let mask: [UInt8] = [1, 1, 1, 1, 0, 1]
        let errs = mask.withUnsafeBufferPointer { m in
            gradientErrors([GradInput(name: "x", value: x.t, grad: dx.t), p.asGradInput], output: y.t,
                           forward: { stack.forward(x.t, y.t, keyMask: m.baseAddress, p) },
                           backward: { r in stack.backward(x.t, r, dx.t, p) })
        }
        for (k, e) in errs { #expect(e <= 1e-6, "\(k): \(e)") }
    }

    @Test(arguments: [(true, 7), (false, 33)]) func floatForwardMatchesDouble(preNorm: Bool, L: Int) {
        let S = 3, D = 16
        let cfg = TransformerConfig(width: D, heads: 2, mlpWidth: 32, preNorm: preNorm)
        let (pd, sd) = makeStack(Double.self, config: cfg, layers: 2, S: S, L: L, finalNorm: true)
        let (pf, sf) = makeStack(Float.self, config: cfg, layers: 2, S: S, L: L, finalNorm: true)
        pf.copyValues(from: pd)
        var rng = EngineRNG(seed: 23)
        let xd = TestTensor<Double>([S * L, D], normal: 1, &rng), yd = TestTensor<Double>([S * L, D])
        let xf = TestTensor<Float>([S * L, D]), yf = TestTensor<Float>([S * L, D])
        for i in 0..<xd.t.count { xf.t[i] = Float(xd.t[i]) }
        for i in 0..<xd.t.count { xd.t[i] = Double(xf.t[i]) }  // identical inputs
        for i in 0..<pd.layout.count { pd.values.pointer[i] = Double(pf.values.pointer[i]) }
        sd.forward(xd.t, yd.t, keyMask: nil, pd)
        sf.forward(xf.t, yf.t, keyMask: nil, pf)
        let rel = relativeDifference(yf.t, yd.t)
        #expect(rel <= 1e-5, "relative difference \(rel)")
        #expect(rel > 0)  // really two different precisions
    }

    @Test func attentionAlgorithmsAgreeInFloat() {
        var rng = EngineRNG(seed: 24)
        let S = 5, L = 33, H = 2, D = 32
        let qkv = TestTensor<Float>([S * L, 3 * D], normal: 1, &rng)
        var mask = [UInt8](repeating: 1, count: S * L)
        for i in stride(from: 0, to: mask.count, by: 7) { mask[i] = 0 }
        var outs: [TestTensor<Float>] = [], grads: [TestTensor<Float>] = []
        let dout = TestTensor<Float>([S * L, D], normal: 1, &rng)
        for alg in [SelfAttention.Algorithm.kernel, .gemm] {
            let att = SelfAttention(width: D, heads: H, algorithm: alg)
            let out = TestTensor<Float>([S * L, D]), probs = TestTensor<Float>([S, H, L, L])
            let scratch = TestTensor<Float>([S, H, L, L]), dq = TestTensor<Float>([S * L, 3 * D])
            mask.withUnsafeBufferPointer { m in
                att.forward(qkv: qkv.t, keyMask: m.baseAddress, out: out.t, probs: probs.t, sequences: S, length: L)
            }
            att.backward(qkv: qkv.t, probs: probs.t, dout: dout.t, dqkv: dq.t, scratch: scratch.t, sequences: S, length: L)
            outs.append(out); grads.append(dq)
        }
        #expect(relativeDifference(outs[0].t, outs[1].t) < 1e-5)
        #expect(relativeDifference(grads[0].t, grads[1].t) < 1e-5)
    }

    /// 1 or 2 workers give the same bytes (GEMM splits depend on the shape only; kernels split by rows).
    @Test func sameBytesWithOneOrTwoWorkers() {
        let S = 256, L = 9, D = 64
        let cfg = TransformerConfig(width: D, heads: 4, mlpWidth: 128)
        let (p, stack) = makeStack(Float.self, config: cfg, layers: 2, S: S, L: L, finalNorm: true)
        var rng = EngineRNG(seed: 25)
        let x = TestTensor<Float>([S * L, D], normal: 1, &rng)
        var results: [[Float]] = []
        let saved = Threading.workerCount
        for w in [1, 2, 1] {
            Threading.configure(workers: w)
            let y = TestTensor<Float>([S * L, D]), dx = TestTensor<Float>([S * L, D])
            stack.forward(x.t, y.t, keyMask: nil, p)
            p.zeroGradients()
            stack.backward(x.t, y.t, dx.t, p)
            results.append(y.t.toArray() + dx.t.toArray() + Array(p.gradients.buffer))
        }
        Threading.configure(workers: saved)
        let same01 = results[0] == results[1], same02 = results[0] == results[2]
        #expect(same01)
        #expect(same02)
    }
}

@Suite("Transformer stack, partial batches")
struct TransformerPartialBatchTests {
    /// A stack sized for 5 sequences run on 3 gives the same outputs and gradients as a stack sized for 3.
    @Test func partialBatchMatchesExactSizedStack() {
        let L = 4, D = 8
        let cfg = TransformerConfig(width: D, heads: 2, mlpWidth: 12)
        var layout = ParameterLayout()
        let (ls, fn) = TransformerStack<Double>.declare("enc", config: cfg, count: 2, finalNorm: true, layout: &layout)
        let p = ParameterStore<Double>(layout: layout)
        var rng = EngineRNG(seed: 61)
        for l in ls { l.initialize(p, &rng) }
        fn?.initialize(p)
        let big = TransformerStack<Double>(layers: ls, finalNorm: fn, sequences: 5, length: L)
        let exact = TransformerStack<Double>(layers: ls, finalNorm: fn, sequences: 3, length: L)
        let x = TestTensor<Double>([3 * L, D], normal: 1, &rng), dy = TestTensor<Double>([3 * L, D], normal: 1, &rng)
        var results: [[Double]] = []
        for (stack, n) in [(big, 3), (exact, 3)] {
            let y = TestTensor<Double>([3 * L, D]), dx = TestTensor<Double>([3 * L, D])
            stack.forward(x.t, y.t, keyMask: nil, p, activeSequences: n)
            p.zeroGradients()
            stack.backward(x.t, dy.t, dx.t, p)
            results.append(y.t.toArray() + dx.t.toArray() + Array(p.gradients.buffer))
        }
        #expect(results[0] == results[1])
        #expect(big.activeSequences == 3)
    }
}
