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

    /// y = x·W + b (+ residual) (overwrites y; y must not alias x or residual). y is first filled with
    /// b (+ residual) and the GEMM runs with beta = 1: one pass over y instead of OpenBLAS's zeroing pass, a
    /// bias pass and a residual pass.
    public func forward<T: EngineScalar>(_ x: Tensor<T>, _ y: Tensor<T>, _ p: ParameterStore<T>,
                                         residual: Tensor<T>? = nil) {
        let n = x.rows
        precondition(x.columns == inFeatures && y.columns == outFeatures && y.rows == n, "Linear.forward: shapes")
        precondition(residual.map { $0.count == y.count } ?? true, "Linear.forward: residual shape")
        let yp = y.pointer, cols = outFeatures
        let bp = bias.map { p.value($0).constPointer }
        if bp != nil || residual != nil {
            let rp = residual?.constPointer
            Threading.parallelFor(n, minimumPerWorker: max(1, 32768 / max(1, cols))) { r in
                let o = r.lowerBound * cols
                switch (rp, bp) {
                case let (rp?, bp?): T.kAddRow(yp + o, rp + o, bp, r.count, cols)
                case let (rp?, nil): copyElements(yp + o, rp + o, r.count * cols)
                case let (nil, bp?): T.kBroadcastRows(yp + o, bp, r.count, cols)
                case (nil, nil): break
                }
            }
        }
        Threading.gemm(transA: false, transB: false, m: n, n: outFeatures, k: inFeatures, alpha: 1,
                       a: x.constPointer, lda: inFeatures, b: p.value(weight).constPointer, ldb: outFeatures,
                       beta: (bp == nil && residual == nil) ? 0 : 1, c: yp, ldc: outFeatures)
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
