/// Fully connected layer over rows: y = x · W + b.
///
/// Shapes: x [N, in], W [in, out] (the flax `Dense` kernel layout), b [out], y [N, out]. N is any number of
/// rows (tokens of all sequences at once), so one GEMM covers a whole batch.
/// Parameters: "<name>.weight" (decayed), "<name>.bias" (not decayed).
public struct Linear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: ParameterHandle
    public let bias: ParameterHandle?

    public init(_ name: String, inFeatures: Int, outFeatures: Int, bias: Bool = true, layout: inout ParameterLayout) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = layout.add(name + ".weight", [inFeatures, outFeatures], decay: true)
        self.bias = bias ? layout.add(name + ".bias", [outFeatures], decay: false) : nil
    }

    /// LeCun normal weights (std 1/√in, the flax default up to truncation), zero bias.
    public func initialize<T: EngineScalar, R: RandomNumberGenerator>(_ p: ParameterStore<T>, _ rng: inout R,
                                                                     std: Double? = nil) {
        EngineRandom.fillNormal(p.value(weight), std: std ?? 1 / Double(inFeatures).squareRoot(), &rng)
        if let bias { p.value(bias).zero() }
    }

    /// y = x·W + b (overwrites y). With a bias, y is first filled with b and the GEMM runs with beta = 1
    /// (one write pass instead of OpenBLAS's zeroing pass plus a bias read-modify-write pass).
    public func forward<T: EngineScalar>(_ x: Tensor<T>, _ y: Tensor<T>, _ p: ParameterStore<T>) {
        let n = x.rows
        precondition(x.columns == inFeatures && y.columns == outFeatures && y.rows == n, "Linear.forward: shapes")
        if let bias {
            let yp = y.pointer, bp = p.value(bias).constPointer, cols = outFeatures
            Threading.parallelFor(n, minimumPerWorker: max(1, 32768 / max(1, cols))) { r in
                T.kBroadcastRows(yp + r.lowerBound * cols, bp, r.count, cols)
            }
        }
        Threading.gemm(transA: false, transB: false, m: n, n: outFeatures, k: inFeatures, alpha: 1,
                       a: x.constPointer, lda: inFeatures, b: p.value(weight).constPointer, ldb: outFeatures,
                       beta: bias == nil ? 0 : 1, c: y.pointer, ldc: outFeatures)
    }

    /// Accumulates dW += xᵀ·dy, db += Σrows dy and, when `dx` is given, dx += dy·Wᵀ (or dx = dy·Wᵀ with
    /// `accumulateInput: false`).
    public func backward<T: EngineScalar>(_ x: Tensor<T>, _ dy: Tensor<T>, _ dx: Tensor<T>?, _ p: ParameterStore<T>,
                                          accumulateInput: Bool = true) {
        let n = x.rows
        precondition(dy.rows == n && dy.columns == outFeatures, "Linear.backward: shapes")
        Threading.gemm(transA: true, transB: false, m: inFeatures, n: outFeatures, k: n, alpha: 1,
               a: x.constPointer, lda: inFeatures, b: dy.constPointer, ldb: outFeatures,
               beta: 1, c: p.grad(weight).pointer, ldc: outFeatures)
        if let bias {
            let dyp = dy.constPointer, cols = outFeatures
            Threading.reduceRows(n, width: cols, into: p.grad(bias).pointer) { r, part in
                T.kColsumAccumulate(part, dyp + r.lowerBound * cols, r.count, cols)
            }
        }
        if let dx {
            Threading.gemm(transA: false, transB: true, m: n, n: inFeatures, k: outFeatures, alpha: 1,
                   a: dy.constPointer, lda: outFeatures, b: p.value(weight).constPointer, ldb: outFeatures,
                   beta: accumulateInput ? 1 : 0, c: dx.pointer, ldc: inFeatures)
        }
    }

    /// FLOPs of one forward over `rows` rows (multiply-adds × 2; the bias is not counted).
    public func forwardFLOPs(rows: Int) -> Double { 2 * Double(rows) * Double(inFeatures) * Double(outFeatures) }
}
