/// Multi-head scaled dot-product self-attention over S sequences of length L at once (no parameters;
/// the Q/K/V and output projections are `Linear` layers over all S·L tokens, see `TransformerLayer`).
///
/// Shapes (row-major): qkv [S·L, 3·D] with columns [Q | K | V], each D = H·dh wide, head h at columns
/// h·dh ..< (h+1)·dh; out [S·L, D]; probs [S, H, L, L] (saved for backward); keyMask [S, L] bytes,
/// 1 = this key may be attended to, or nil. Scores are scaled by 1/√dh. A query whose keys are all masked
/// gets zero probabilities and a zero output (so masked-out samples contribute nothing).
///
/// Two algorithms, same results up to rounding:
/// - `.kernel`: one C kernel call per worker over a range of sequences (batched; register-tiled 8×16
///   micro-kernels when dh is a multiple of 16, plain loops otherwise).
/// - `.gemm`: per (sequence, head) single-threaded BLAS GEMMs for QKᵀ and PV (workers split the
///   sequences) plus a batched masked softmax kernel; fast when OpenBLAS has small-matrix kernels.
/// `.automatic` follows measurements (EngineBenchmark "attention alone", forward+backward CPU time, widths
/// 64–256, L 8–128, Zen 5, 2026-11-29): with OpenBLAS's AVX-512 cores (SkylakeX and later, which have
/// small-matrix kernels) the per-sequence GEMMs took 0.65–1.0× the kernel's time; with the Haswell core the
/// kernel took 0.6–0.94× the GEMMs' time (and far less than with Prescott). So: `.gemm` on AVX-512 cores,
/// else `.kernel` (and `.gemm` for L ≥ `gemmThreshold` there; default 1 << 30, i.e. never).
public struct SelfAttention: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable { case automatic, kernel, gemm }

    public let heads: Int
    public let width: Int
    public var algorithm: Algorithm
    public var gemmThreshold: Int

    public init(width: Int, heads: Int, algorithm: Algorithm = .automatic, gemmThreshold: Int = 1 << 30) {
        precondition(heads >= 1 && width % heads == 0, "SelfAttention: width \(width) not divisible by heads \(heads)")
        self.width = width
        self.heads = heads
        self.algorithm = algorithm
        self.gemmThreshold = gemmThreshold
    }

    public var headWidth: Int { width / heads }

    /// Whether OpenBLAS runs one of its AVX-512 cores (decided once per process).
    static let blasHasAVX512Core: Bool = ["skylakex", "cooperlake", "sapphirerapids"].contains(BLASSetup.coreName.lowercased())

    /// The algorithm `.automatic` resolves to for sequences of length L.
    public func resolved(_ L: Int) -> Algorithm {
        guard algorithm == .automatic else { return algorithm }
        return Self.blasHasAVX512Core || L >= gemmThreshold ? .gemm : .kernel
    }

    /// Writes out and probs. `sequences`·`length` must equal the rows of qkv.
    public func forward<T: EngineScalar>(qkv: Tensor<T>, keyMask: UnsafePointer<UInt8>?, out: Tensor<T>,
                                         probs: Tensor<T>, sequences S: Int, length L: Int) {
        let H = heads, dh = headWidth, D = width
        precondition(qkv.count == S * L * 3 * D && out.count == S * L * D && probs.count == S * H * L * L,
                     "SelfAttention.forward: shapes")
        switch resolved(L) {
        case .kernel, .automatic:
            let q = qkv.constPointer, o = out.pointer, p = probs.pointer
            Threading.parallelFor(S, minimumPerWorker: max(1, 2048 / max(1, L * L))) { r in
                T.kAttentionForward(o, p, q, keyMask, r.lowerBound, r.upperBound, L, H, dh)
            }
        case .gemm:
            let q = qkv.constPointer, o = out.pointer, p = probs.pointer
            let ld = 3 * D, scale = 1 / T(dh).squareRoot()
            Threading.parallelFor(S, minimumPerWorker: max(1, 2048 / max(1, L * L))) { r in
                for s in r {
                    let base = q + s * L * ld
                    for h in 0..<H {
                        T.gemm(transA: false, transB: true, m: L, n: L, k: dh, alpha: 1,
                               a: base + h * dh, lda: ld, b: base + D + h * dh, ldb: ld,
                               beta: 0, c: p + (s * H + h) * L * L, ldc: L)
                    }
                }
                T.kMaskedSoftmaxRows(p + r.lowerBound * H * L * L, keyMask.map { $0 + r.lowerBound * L },
                                     r.count * H * L, H * L, L, scale)
                for s in r {
                    let base = q + s * L * ld
                    for h in 0..<H {
                        T.gemm(transA: false, transB: false, m: L, n: dh, k: L, alpha: 1,
                               a: p + (s * H + h) * L * L, lda: L, b: base + 2 * D + h * dh, ldb: ld,
                               beta: 0, c: o + s * L * D + h * dh, ldc: D)
                    }
                }
            }
        }
    }

    /// Accumulates dqkv. `scratch` must hold S·H·L·L elements for the `.gemm` algorithm (ignored otherwise).
    public func backward<T: EngineScalar>(qkv: Tensor<T>, probs: Tensor<T>, dout: Tensor<T>, dqkv: Tensor<T>,
                                          scratch: Tensor<T>?, sequences S: Int, length L: Int) {
        let H = heads, dh = headWidth, D = width
        precondition(dqkv.count == qkv.count && dout.count == S * L * D, "SelfAttention.backward: shapes")
        switch resolved(L) {
        case .kernel, .automatic:
            let q = qkv.constPointer, p = probs.constPointer, g = dout.constPointer, dq = dqkv.pointer
            Threading.parallelFor(S, minimumPerWorker: max(1, 2048 / max(1, L * L))) { r in
                T.kAttentionBackward(dq, g, q, p, r.lowerBound, r.upperBound, L, H, dh)
            }
        case .gemm:
            guard let scratch, scratch.count >= S * H * L * L else {
                preconditionFailure("SelfAttention.backward(.gemm): scratch of S·H·L·L elements required")
            }
            let ld = 3 * D, scale = 1 / T(dh).squareRoot()
            let q = qkv.constPointer, pr = probs.constPointer, g = dout.constPointer, dq = dqkv.pointer
            let dp = scratch.pointer
            Threading.parallelFor(S, minimumPerWorker: max(1, 2048 / max(1, L * L))) { r in
                for s in r {
                    let base = q + s * L * ld, dbase = dq + s * L * ld, go = g + s * L * D
                    for h in 0..<H {
                        let P = pr + (s * H + h) * L * L
                        // dV += Pᵀ dO ; dP = dO Vᵀ
                        T.gemm(transA: true, transB: false, m: L, n: dh, k: L, alpha: 1, a: P, lda: L,
                               b: go + h * dh, ldb: D, beta: 1, c: dbase + 2 * D + h * dh, ldc: ld)
                        T.gemm(transA: false, transB: true, m: L, n: L, k: dh, alpha: 1, a: go + h * dh, lda: D,
                               b: base + 2 * D + h * dh, ldb: ld, beta: 0, c: dp + (s * H + h) * L * L, ldc: L)
                    }
                }
                let off = r.lowerBound * H * L * L
                T.kSoftmaxBackwardInPlace(dp + off, pr + off, r.count * H * L, L, scale)
                for s in r {
                    let base = q + s * L * ld, dbase = dq + s * L * ld
                    for h in 0..<H {
                        let dS = UnsafePointer(dp + (s * H + h) * L * L)
                        // dQ += dS K ; dK += dSᵀ Q
                        T.gemm(transA: false, transB: false, m: L, n: dh, k: L, alpha: 1, a: dS, lda: L,
                               b: base + D + h * dh, ldb: ld, beta: 1, c: dbase + h * dh, ldc: ld)
                        T.gemm(transA: true, transB: false, m: L, n: dh, k: L, alpha: 1, a: dS, lda: L,
                               b: base + h * dh, ldb: ld, beta: 1, c: dbase + D + h * dh, ldc: ld)
                    }
                }
            }
        }
    }

    /// FLOPs of the two attention products (QKᵀ and PV) of one forward: 4·S·L²·D.
    public func forwardFLOPs(sequences S: Int, length L: Int) -> Double { 4 * Double(S) * Double(L * L) * Double(width) }
}
