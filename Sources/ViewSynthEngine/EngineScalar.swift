import CKernels
import COpenBLAS
import Foundation

/// The element types the engine runs in: `Float` (training and inference, OpenBLAS sgemm) and `Double`
/// (gradient checks, dgemm). Every op is generic over `EngineScalar`; the protocol routes each primitive
/// to the BLAS routine or C kernel (CKernels, runtime-dispatched AVX-512/AVX2/baseline) of that type.
///
/// All matrices are row-major. `…Backward` kernels ACCUMULATE into their gradient outputs (activation and
/// LayerNorm backward overwrite dx instead when `accumulate` is false).
public protocol EngineScalar: BinaryFloatingPoint, BitwiseCopyable, Sendable, CustomStringConvertible {
    /// safetensors dtype name ("F32", "F64").
    static var safetensorsDType: String { get }

    /// C = alpha · op(A) · op(B) + beta · C, with op(X) = Xᵀ when the flag is set. A is m×k after op,
    /// B is k×n after op, C is m×n; leading dimensions are the row strides of the stored matrices.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    static func elementaryExp(_ x: Self) -> Self
    static func elementaryLog(_ x: Self) -> Self
    static func elementarySin(_ x: Self) -> Self
    static func elementaryCos(_ x: Self) -> Self

    static func kAdd(_ out: UnsafeMutablePointer<Self>, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, _ n: Int)
    static func kAccumulate(_ y: UnsafeMutablePointer<Self>, _ x: UnsafePointer<Self>, _ n: Int)
    static func kBiasAdd(_ y: UnsafeMutablePointer<Self>, _ bias: UnsafePointer<Self>, _ rows: Int, _ cols: Int)
    static func kBroadcastRows(_ y: UnsafeMutablePointer<Self>, _ row: UnsafePointer<Self>, _ rows: Int, _ cols: Int)
    static func kAddRow(_ y: UnsafeMutablePointer<Self>, _ x: UnsafePointer<Self>, _ row: UnsafePointer<Self>, _ rows: Int, _ cols: Int)
    static func kColsumAccumulate(_ db: UnsafeMutablePointer<Self>, _ dy: UnsafePointer<Self>, _ rows: Int, _ cols: Int)
    static func kLayerNormForward(_ out: UnsafeMutablePointer<Self>, _ mean: UnsafeMutablePointer<Self>,
                                  _ rstd: UnsafeMutablePointer<Self>, _ x: UnsafePointer<Self>,
                                  _ gamma: UnsafePointer<Self>, _ beta: UnsafePointer<Self>,
                                  _ rows: Int, _ cols: Int, _ eps: Self)
    static func kLayerNormBackward(_ dx: UnsafeMutablePointer<Self>, _ dgamma: UnsafeMutablePointer<Self>,
                                   _ dbeta: UnsafeMutablePointer<Self>, _ dout: UnsafePointer<Self>,
                                   _ x: UnsafePointer<Self>, _ mean: UnsafePointer<Self>, _ rstd: UnsafePointer<Self>,
                                   _ gamma: UnsafePointer<Self>, _ rows: Int, _ cols: Int, _ accumulate: Bool)
    static func kActivationForward(_ kind: ActivationKind, _ out: UnsafeMutablePointer<Self>,
                                   _ x: UnsafePointer<Self>, _ n: Int)
    /// For sigmoid `saved` is the forward output; for the others it is the forward input.
    static func kActivationBackward(_ kind: ActivationKind, _ dx: UnsafeMutablePointer<Self>,
                                    _ saved: UnsafePointer<Self>, _ dout: UnsafePointer<Self>, _ n: Int, _ accumulate: Bool)
    static func kSoftmaxForward(_ out: UnsafeMutablePointer<Self>, _ x: UnsafePointer<Self>,
                                _ mask: UnsafePointer<UInt8>?, _ rows: Int, _ cols: Int)
    static func kSoftmaxBackward(_ dx: UnsafeMutablePointer<Self>, _ out: UnsafePointer<Self>,
                                 _ dout: UnsafePointer<Self>, _ rows: Int, _ cols: Int)
    static func kAttentionForward(_ out: UnsafeMutablePointer<Self>, _ probs: UnsafeMutablePointer<Self>,
                                  _ qkv: UnsafePointer<Self>, _ keyMask: UnsafePointer<UInt8>?,
                                  _ seqBegin: Int, _ seqEnd: Int, _ L: Int, _ H: Int, _ dh: Int)
    static func kAttentionBackward(_ dqkv: UnsafeMutablePointer<Self>, _ dout: UnsafePointer<Self>,
                                   _ qkv: UnsafePointer<Self>, _ probs: UnsafePointer<Self>,
                                   _ seqBegin: Int, _ seqEnd: Int, _ L: Int, _ H: Int, _ dh: Int)
    static func kMaskedSoftmaxRows(_ p: UnsafeMutablePointer<Self>, _ keyMask: UnsafePointer<UInt8>?,
                                   _ rows: Int, _ rowsPerSeq: Int, _ L: Int, _ scale: Self)
    static func kSoftmaxBackwardInPlace(_ dp: UnsafeMutablePointer<Self>, _ p: UnsafePointer<Self>,
                                        _ rows: Int, _ cols: Int, _ scale: Self)
    static func kAdamW(_ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>, _ m: UnsafeMutablePointer<Self>,
                       _ v: UnsafeMutablePointer<Self>, _ n: Int, _ gscale: Self, _ beta1: Self, _ beta2: Self,
                       _ bc1: Self, _ bc2: Self, _ lr: Self, _ eps: Self, _ wd: Self)
    static func kSumSquares(_ x: UnsafePointer<Self>, _ n: Int) -> Double
    static func kPatchGather(_ patches: UnsafeMutablePointer<Self>, _ images: UnsafePointer<Self>, _ H: Int, _ W: Int,
                             _ C: Int, _ index: UnsafePointer<Int32>, _ positions: UnsafePointer<Self>,
                             _ mBegin: Int, _ mEnd: Int, _ k: Int)
    static func kPatchScatter(_ dImages: UnsafeMutablePointer<Self>, _ dPatches: UnsafePointer<Self>, _ H: Int,
                              _ W: Int, _ C: Int, _ index: UnsafePointer<Int32>, _ positions: UnsafePointer<Self>,
                              _ mBegin: Int, _ mEnd: Int, _ k: Int)
}

/// Elementwise nonlinearities with C kernels. GELU is the tanh approximation; ELU has alpha = 1.
public enum ActivationKind: String, Sendable, Codable, CaseIterable {
    case gelu, relu, elu, sigmoid
}

@inline(__always) func blasTrans(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

extension Float: EngineScalar {
    public static var safetensorsDType: String { "F32" }
    @inlinable public static func elementaryExp(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func elementaryLog(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func elementarySin(_ x: Float) -> Float { Foundation.sin(x) }
    @inlinable public static func elementaryCos(_ x: Float) -> Float { Foundation.cos(x) }

    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, blasTrans(transA), blasTrans(transB), Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    public static func kAdd(_ o: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) { vs_add_f32(o, a, b, n) }
    public static func kAccumulate(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) { vs_accumulate_f32(y, x, n) }
    public static func kBiasAdd(_ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ r: Int, _ c: Int) { vs_bias_add_f32(y, b, r, c) }
    public static func kAddRow(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ r: UnsafePointer<Float>, _ rows: Int, _ c: Int) { vs_add_row_f32(y, x, r, rows, c) }
    public static func kBroadcastRows(_ y: UnsafeMutablePointer<Float>, _ r: UnsafePointer<Float>, _ rows: Int, _ c: Int) { vs_broadcast_rows_f32(y, r, rows, c) }
    public static func kColsumAccumulate(_ db: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ r: Int, _ c: Int) { vs_colsum_accumulate_f32(db, dy, r, c) }
    public static func kLayerNormForward(_ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ rows: Int, _ cols: Int, _ eps: Float) {
        vs_layernorm_forward_f32(out, mean, rstd, x, g, b, rows, cols, eps)
    }
    public static func kLayerNormBackward(_ dx: UnsafeMutablePointer<Float>, _ dg: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ rows: Int, _ cols: Int, _ acc: Bool) {
        vs_layernorm_backward_f32(dx, dg, db, dout, x, mean, rstd, g, rows, cols, acc ? 1 : 0)
    }
    public static func kActivationForward(_ kind: ActivationKind, _ o: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        switch kind {
        case .gelu: vs_gelu_forward_f32(o, x, n)
        case .relu: vs_relu_forward_f32(o, x, n)
        case .elu: vs_elu_forward_f32(o, x, n)
        case .sigmoid: vs_sigmoid_forward_f32(o, x, n)
        }
    }
    public static func kActivationBackward(_ kind: ActivationKind, _ dx: UnsafeMutablePointer<Float>, _ s: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, _ n: Int, _ acc: Bool) {
        switch kind {
        case .gelu: vs_gelu_backward_f32(dx, s, dout, n, acc ? 1 : 0)
        case .relu: vs_relu_backward_f32(dx, s, dout, n, acc ? 1 : 0)
        case .elu: vs_elu_backward_f32(dx, s, dout, n, acc ? 1 : 0)
        case .sigmoid: vs_sigmoid_backward_f32(dx, s, dout, n, acc ? 1 : 0)
        }
    }
    public static func kSoftmaxForward(_ o: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ m: UnsafePointer<UInt8>?, _ r: Int, _ c: Int) { vs_softmax_forward_f32(o, x, m, r, c) }
    public static func kSoftmaxBackward(_ dx: UnsafeMutablePointer<Float>, _ o: UnsafePointer<Float>, _ d: UnsafePointer<Float>, _ r: Int, _ c: Int) { vs_softmax_backward_f32(dx, o, d, r, c) }
    public static func kAttentionForward(_ out: UnsafeMutablePointer<Float>, _ probs: UnsafeMutablePointer<Float>, _ qkv: UnsafePointer<Float>, _ km: UnsafePointer<UInt8>?, _ s0: Int, _ s1: Int, _ L: Int, _ H: Int, _ dh: Int) {
        vs_attention_forward_f32(out, probs, qkv, km, s0, s1, L, H, dh)
    }
    public static func kAttentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ probs: UnsafePointer<Float>, _ s0: Int, _ s1: Int, _ L: Int, _ H: Int, _ dh: Int) {
        vs_attention_backward_f32(dqkv, dout, qkv, probs, s0, s1, L, H, dh)
    }
    public static func kMaskedSoftmaxRows(_ p: UnsafeMutablePointer<Float>, _ km: UnsafePointer<UInt8>?, _ rows: Int, _ rps: Int, _ L: Int, _ scale: Float) {
        vs_masked_softmax_rows_f32(p, km, rows, rps, L, scale)
    }
    public static func kSoftmaxBackwardInPlace(_ dp: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, _ rows: Int, _ cols: Int, _ scale: Float) {
        vs_softmax_backward_inplace_f32(dp, p, rows, cols, scale)
    }
    public static func kAdamW(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ n: Int, _ gs: Float, _ b1: Float, _ b2: Float, _ c1: Float, _ c2: Float, _ lr: Float, _ eps: Float, _ wd: Float) {
        vs_adamw_f32(p, g, m, v, n, gs, b1, b2, c1, c2, lr, eps, wd)
    }
    public static func kSumSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Double { vs_sum_squares_f32(x, n) }
    public static func kPatchGather(_ o: UnsafeMutablePointer<Float>, _ img: UnsafePointer<Float>, _ H: Int, _ W: Int, _ C: Int, _ idx: UnsafePointer<Int32>, _ pos: UnsafePointer<Float>, _ m0: Int, _ m1: Int, _ k: Int) {
        vs_patch_gather_f32(o, img, H, W, C, idx, pos, m0, m1, k)
    }
    public static func kPatchScatter(_ d: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ H: Int, _ W: Int, _ C: Int, _ idx: UnsafePointer<Int32>, _ pos: UnsafePointer<Float>, _ m0: Int, _ m1: Int, _ k: Int) {
        vs_patch_scatter_f32(d, g, H, W, C, idx, pos, m0, m1, k)
    }
}

extension Double: EngineScalar {
    public static var safetensorsDType: String { "F64" }
    @inlinable public static func elementaryExp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func elementaryLog(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func elementarySin(_ x: Double) -> Double { Foundation.sin(x) }
    @inlinable public static func elementaryCos(_ x: Double) -> Double { Foundation.cos(x) }

    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, blasTrans(transA), blasTrans(transB), Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    public static func kAdd(_ o: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) { vs_add_f64(o, a, b, n) }
    public static func kAccumulate(_ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ n: Int) { vs_accumulate_f64(y, x, n) }
    public static func kBiasAdd(_ y: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, _ r: Int, _ c: Int) { vs_bias_add_f64(y, b, r, c) }
    public static func kAddRow(_ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ r: UnsafePointer<Double>, _ rows: Int, _ c: Int) { vs_add_row_f64(y, x, r, rows, c) }
    public static func kBroadcastRows(_ y: UnsafeMutablePointer<Double>, _ r: UnsafePointer<Double>, _ rows: Int, _ c: Int) { vs_broadcast_rows_f64(y, r, rows, c) }
    public static func kColsumAccumulate(_ db: UnsafeMutablePointer<Double>, _ dy: UnsafePointer<Double>, _ r: Int, _ c: Int) { vs_colsum_accumulate_f64(db, dy, r, c) }
    public static func kLayerNormForward(_ out: UnsafeMutablePointer<Double>, _ mean: UnsafeMutablePointer<Double>, _ rstd: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ g: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ rows: Int, _ cols: Int, _ eps: Double) {
        vs_layernorm_forward_f64(out, mean, rstd, x, g, b, rows, cols, eps)
    }
    public static func kLayerNormBackward(_ dx: UnsafeMutablePointer<Double>, _ dg: UnsafeMutablePointer<Double>, _ db: UnsafeMutablePointer<Double>, _ dout: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ mean: UnsafePointer<Double>, _ rstd: UnsafePointer<Double>, _ g: UnsafePointer<Double>, _ rows: Int, _ cols: Int, _ acc: Bool) {
        vs_layernorm_backward_f64(dx, dg, db, dout, x, mean, rstd, g, rows, cols, acc ? 1 : 0)
    }
    public static func kActivationForward(_ kind: ActivationKind, _ o: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ n: Int) {
        switch kind {
        case .gelu: vs_gelu_forward_f64(o, x, n)
        case .relu: vs_relu_forward_f64(o, x, n)
        case .elu: vs_elu_forward_f64(o, x, n)
        case .sigmoid: vs_sigmoid_forward_f64(o, x, n)
        }
    }
    public static func kActivationBackward(_ kind: ActivationKind, _ dx: UnsafeMutablePointer<Double>, _ s: UnsafePointer<Double>, _ dout: UnsafePointer<Double>, _ n: Int, _ acc: Bool) {
        switch kind {
        case .gelu: vs_gelu_backward_f64(dx, s, dout, n, acc ? 1 : 0)
        case .relu: vs_relu_backward_f64(dx, s, dout, n, acc ? 1 : 0)
        case .elu: vs_elu_backward_f64(dx, s, dout, n, acc ? 1 : 0)
        case .sigmoid: vs_sigmoid_backward_f64(dx, s, dout, n, acc ? 1 : 0)
        }
    }
    public static func kSoftmaxForward(_ o: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ m: UnsafePointer<UInt8>?, _ r: Int, _ c: Int) { vs_softmax_forward_f64(o, x, m, r, c) }
    public static func kSoftmaxBackward(_ dx: UnsafeMutablePointer<Double>, _ o: UnsafePointer<Double>, _ d: UnsafePointer<Double>, _ r: Int, _ c: Int) { vs_softmax_backward_f64(dx, o, d, r, c) }
    public static func kAttentionForward(_ out: UnsafeMutablePointer<Double>, _ probs: UnsafeMutablePointer<Double>, _ qkv: UnsafePointer<Double>, _ km: UnsafePointer<UInt8>?, _ s0: Int, _ s1: Int, _ L: Int, _ H: Int, _ dh: Int) {
        vs_attention_forward_f64(out, probs, qkv, km, s0, s1, L, H, dh)
    }
    public static func kAttentionBackward(_ dqkv: UnsafeMutablePointer<Double>, _ dout: UnsafePointer<Double>, _ qkv: UnsafePointer<Double>, _ probs: UnsafePointer<Double>, _ s0: Int, _ s1: Int, _ L: Int, _ H: Int, _ dh: Int) {
        vs_attention_backward_f64(dqkv, dout, qkv, probs, s0, s1, L, H, dh)
    }
    public static func kMaskedSoftmaxRows(_ p: UnsafeMutablePointer<Double>, _ km: UnsafePointer<UInt8>?, _ rows: Int, _ rps: Int, _ L: Int, _ scale: Double) {
        vs_masked_softmax_rows_f64(p, km, rows, rps, L, scale)
    }
    public static func kSoftmaxBackwardInPlace(_ dp: UnsafeMutablePointer<Double>, _ p: UnsafePointer<Double>, _ rows: Int, _ cols: Int, _ scale: Double) {
        vs_softmax_backward_inplace_f64(dp, p, rows, cols, scale)
    }
    public static func kAdamW(_ p: UnsafeMutablePointer<Double>, _ g: UnsafePointer<Double>, _ m: UnsafeMutablePointer<Double>, _ v: UnsafeMutablePointer<Double>, _ n: Int, _ gs: Double, _ b1: Double, _ b2: Double, _ c1: Double, _ c2: Double, _ lr: Double, _ eps: Double, _ wd: Double) {
        vs_adamw_f64(p, g, m, v, n, gs, b1, b2, c1, c2, lr, eps, wd)
    }
    public static func kSumSquares(_ x: UnsafePointer<Double>, _ n: Int) -> Double { vs_sum_squares_f64(x, n) }
    public static func kPatchGather(_ o: UnsafeMutablePointer<Double>, _ img: UnsafePointer<Double>, _ H: Int, _ W: Int, _ C: Int, _ idx: UnsafePointer<Int32>, _ pos: UnsafePointer<Double>, _ m0: Int, _ m1: Int, _ k: Int) {
        vs_patch_gather_f64(o, img, H, W, C, idx, pos, m0, m1, k)
    }
    public static func kPatchScatter(_ d: UnsafeMutablePointer<Double>, _ g: UnsafePointer<Double>, _ H: Int, _ W: Int, _ C: Int, _ idx: UnsafePointer<Int32>, _ pos: UnsafePointer<Double>, _ m0: Int, _ m1: Int, _ k: Int) {
        vs_patch_scatter_f64(d, g, H, W, C, idx, pos, m0, m1, k)
    }
}

/// Naive triple-loop GEMM with the same contract as `EngineScalar.gemm`, kept beside the BLAS path as the
/// reference for tests. Accumulates in the element type, k innermost.
public func referenceGEMM<T: EngineScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
                                           a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                           beta: T, c: UnsafeMutablePointer<T>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var acc: T = 0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                acc += av * bv
            }
            c[i * ldc + j] = alpha * acc + (beta == 0 ? 0 : beta * c[i * ldc + j])
        }
    }
}
