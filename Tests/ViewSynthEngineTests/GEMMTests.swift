import Testing
import ViewSynthEngine

@Suite("GEMM: BLAS against the reference")
struct GEMMTests {
    func check<T: EngineScalar>(_: T.Type, transA: Bool, transB: Bool, tol: Double) {
        var rng = EngineRNG(seed: 11)
        let m = 7, n = 5, k = 9
        let a = TestTensor<T>(transA ? [k, m] : [m, k], normal: 1, &rng)
        let b = TestTensor<T>(transB ? [n, k] : [k, n], normal: 1, &rng)
        let c1 = TestTensor<T>([m, n], normal: 1, &rng), c2 = TestTensor<T>([m, n])
        c2.t.copy(from: c1.t)
        let lda = transA ? m : k, ldb = transB ? k : n
        T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75, a: a.t.constPointer, lda: lda,
               b: b.t.constPointer, ldb: ldb, beta: 0.5, c: c1.t.pointer, ldc: n)
        referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75, a: a.t.constPointer, lda: lda,
                      b: b.t.constPointer, ldb: ldb, beta: 0.5, c: c2.t.pointer, ldc: n)
        #expect(relativeDifference(c1.t, c2.t) < tol, "\(T.self) \(transA) \(transB)")
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func allTranspositions(ta: Bool, tb: Bool) {
        check(Float.self, transA: ta, transB: tb, tol: 1e-6)
        check(Double.self, transA: ta, transB: tb, tol: 1e-14)
    }
}
