import Foundation
import Testing
import ViewSynthEngine
@Test(.enabled(if: ProcessInfo.processInfo.environment["VIEWSYNTH_BENCH"] == "2")) func tmpProfile() {
    var rng = EngineRNG(seed: 1)
    for (D, L) in [(128, 8), (128, 33), (128, 128)] {
        let N = 8192, S = N / L
        func T(_ label: String, _ body: () -> Void) {
            body()
            var best = 1e9
            func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) * 1e-6 }
            for _ in 0..<20 { let t0 = now(); body(); best = min(best, now() - t0) }
            print("tmp D\(D) L\(L) \(label): \(String(format: "%.3f", best)) ms")
        }
        let x = TestTensor<Float>([S * L, D], normal: 1, &rng), y = TestTensor<Float>([S * L, D])
        let qkv = TestTensor<Float>([S * L, 3 * D], normal: 1, &rng), dq = TestTensor<Float>([S * L, 3 * D])
        let probs = TestTensor<Float>([S, 1, L, L]), m = TestTensor<Float>([S * L]), r = TestTensor<Float>([S * L])
        var layout = ParameterLayout()
        let lin = Linear("a", inFeatures: D, outFeatures: 3 * D, layout: &layout)
        let lin2 = Linear("b", inFeatures: D, outFeatures: D, layout: &layout)
        let ln = LayerNorm("ln", features: D, layout: &layout)
        let p = ParameterStore<Float>(layout: layout)
        lin.initialize(p, &rng); lin2.initialize(p, &rng); ln.initialize(p)
        Threading.configure(workers: 1)
        T("linear D->3D") { lin.forward(x.t, qkv.t, p) }
        T("linear D->D") { lin2.forward(x.t, y.t, p) }
        T("linear D->D bwd") { lin2.backward(x.t, x.t, y.t, p) }
        T("layernorm") { ln.forward(x.t, y.t, mean: m.t, rstd: r.t, p) }
        T("layernorm bwd") { ln.backward(x.t, x.t, y.t, mean: m.t, rstd: r.t, p) }
        T("gelu") { Activation.forward(.gelu, x.t, y.t) }
        T("gelu bwd") { Activation.backward(.gelu, x: x.t, y: y.t, x.t, y.t) }
        T("residual") { Residual.accumulate(y.t, x.t) }
        for w in [1] {
            Threading.configure(workers: w)
            let att = SelfAttention(width: D, heads: 1, algorithm: .kernel)
            T("attn fwd kernel w\(w)") { att.forward(qkv: qkv.t, keyMask: nil, out: y.t, probs: probs.t, sequences: S, length: L) }
            T("attn bwd kernel w\(w)") { att.backward(qkv: qkv.t, probs: probs.t, dout: y.t, dqkv: dq.t, scratch: probs.t, sequences: S, length: L) }
        }
        if true { continue }
        for alg in [SelfAttention.Algorithm.kernel, .gemm] {
            let att = SelfAttention(width: D, heads: 1, algorithm: alg)
            T("attn fwd \(alg)") { att.forward(qkv: qkv.t, keyMask: nil, out: y.t, probs: probs.t, sequences: S, length: L) }
            T("attn bwd \(alg)") { att.backward(qkv: qkv.t, probs: probs.t, dout: y.t, dqkv: dq.t, scratch: probs.t, sequences: S, length: L) }
        }
    }
}
@Test(.enabled(if: ProcessInfo.processInfo.environment["VIEWSYNTH_BENCH"] == "3")) func tmpPar() {
    for w in [1, 2] {
        Threading.configure(workers: w)
        let t0 = DispatchTime.now().uptimeNanoseconds
        var sink = [Double](repeating: 0, count: 2)
        sink.withUnsafeMutableBufferPointer { sp in
            let p = sp.baseAddress!
            Threading.parallelFor(2) { r in
                var a = 1.0
                for i in 0..<100_000_000 { a = a * 1.0000001 + Double(i & 1) }
                p[r.lowerBound] = a
            }
        }
        print("tmp par w\(w): \(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9) s", sink[0] > 0)
    }
}
@inline(never) func tmpWork() -> Double { var a = 1.0; for i in 0..<100_000_000 { a = a * 1.0000001 + Double(i & 1) }; return a }
@Test(.enabled(if: ProcessInfo.processInfo.environment["VIEWSYNTH_BENCH"] == "4")) func tmpPar2() {
    var t0 = Date()
    _ = tmpWork()
    print("tmp serial", Date().timeIntervalSince(t0))
    t0 = Date()
    DispatchQueue.concurrentPerform(iterations: 2) { _ in _ = tmpWork() }
    print("tmp concurrentPerform", Date().timeIntervalSince(t0))
    Threading.configure(workers: 2)
    t0 = Date()
    DispatchQueue.concurrentPerform(iterations: 2) { _ in _ = tmpWork() }
    print("tmp concurrentPerform after configure", Date().timeIntervalSince(t0))
    t0 = Date()
    Threading.parallelFor(2) { _ in _ = tmpWork() }
    print("tmp parallelFor", Date().timeIntervalSince(t0))
}
