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
