import Testing
import ViewSynthEngine

@Suite("Threading")
struct ThreadingTests {
    @Test func parallelForCoversEveryIndexOnceEvenWhenNested() {
        var hits = [Int](repeating: 0, count: 4 * 1000)
        hits.withUnsafeMutableBufferPointer { h in
            let p = h.baseAddress!
            Threading.parallelFor(4) { outer in
                for o in outer {
                    Threading.parallelFor(1000) { inner in
                        for i in inner { p[o * 1000 + i] += 1 }
                    }
                }
            }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }

    @Test func splitGEMMMatchesReference() {
        var rng = EngineRNG(seed: 41)
        let m = 300, n = 70, k = 120  // 5 MFLOP, above Threading.gemmSplitFLOPs: rows split into chunks
        let a = TestTensor<Double>([k, m], normal: 1, &rng), b = TestTensor<Double>([n, k], normal: 1, &rng)
        let c1 = TestTensor<Double>([m, n], normal: 1, &rng), c2 = TestTensor<Double>([m, n])
        c2.t.copy(from: c1.t)
        Threading.gemm(transA: true, transB: true, m: m, n: n, k: k, alpha: 1.5, a: a.t.constPointer, lda: m,
                       b: b.t.constPointer, ldb: k, beta: -0.5, c: c1.t.pointer, ldc: n)
        referenceGEMM(transA: true, transB: true, m: m, n: n, k: k, alpha: 1.5, a: a.t.constPointer, lda: m,
                      b: b.t.constPointer, ldb: k, beta: -0.5, c: c2.t.pointer, ldc: n)
        #expect(relativeDifference(c1.t, c2.t) < 1e-13)
        // wide C: column split
        let a2 = TestTensor<Double>([40, 90], normal: 1, &rng), b2 = TestTensor<Double>([90, 700], normal: 1, &rng)
        let d1 = TestTensor<Double>([40, 700]), d2 = TestTensor<Double>([40, 700])
        Threading.gemm(transA: false, transB: false, m: 40, n: 700, k: 90, alpha: 1, a: a2.t.constPointer, lda: 90,
                       b: b2.t.constPointer, ldb: 700, beta: 0, c: d1.t.pointer, ldc: 700)
        referenceGEMM(transA: false, transB: false, m: 40, n: 700, k: 90, alpha: 1, a: a2.t.constPointer, lda: 90,
                      b: b2.t.constPointer, ldb: 700, beta: 0, c: d2.t.pointer, ldc: 700)
        #expect(relativeDifference(d1.t, d2.t) < 1e-13)
    }
}

@Suite("Chunked parameter-gradient reductions")
struct ReductionTests {
    /// ≥ 1024 rows take the chunked path; compare with two separate sub-batches (< 1024 rows each).
    @Test func layerNormAndBiasGradientsMatchSubBatches() {
        var rng = EngineRNG(seed: 51)
        let n = 1100, C = 8, split = 600
        var layout = ParameterLayout()
        let ln = LayerNorm("ln", features: C, layout: &layout)
        let lin = Linear("fc", inFeatures: C, outFeatures: C, layout: &layout)
        let p = ParameterStore<Double>(layout: layout)
        EngineRandom.fillNormal(Tensor(pointer: p.values.pointer, shape: [layout.count]), std: 1, &rng)
        let x = TestTensor<Double>([n, C], normal: 1, &rng), dy = TestTensor<Double>([n, C], normal: 1, &rng)
        let y = TestTensor<Double>([n, C]), dx = TestTensor<Double>([n, C])
        let m = TestTensor<Double>([n]), s = TestTensor<Double>([n])
        func run(_ r: Range<Int>) -> [Double] {
            p.zeroGradients()
            let xs = Tensor(pointer: x.t.pointer + r.lowerBound * C, shape: [r.count, C])
            let dys = Tensor(pointer: dy.t.pointer + r.lowerBound * C, shape: [r.count, C])
            let ys = Tensor(pointer: y.t.pointer + r.lowerBound * C, shape: [r.count, C])
            let dxs = Tensor(pointer: dx.t.pointer + r.lowerBound * C, shape: [r.count, C])
            let ms = Tensor(pointer: m.t.pointer + r.lowerBound, shape: [r.count])
            let ss = Tensor(pointer: s.t.pointer + r.lowerBound, shape: [r.count])
            ln.forward(xs, ys, mean: ms, rstd: ss, p)
            ln.backward(xs, dys, dxs, mean: ms, rstd: ss, p)
            lin.backward(xs, dys, nil, p)
            return Array(p.gradients.buffer)
        }
        let full = run(0..<n)
        let a = run(0..<split), b = run(split..<n)
        let sum = zip(a, b).map { $0 + $1 }
        let diff = zip(full, sum).map { abs($0 - $1) }.max()!
        #expect(diff < 1e-11)
        #expect(full.contains { $0 != 0 })
    }
}
