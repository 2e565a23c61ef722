import Foundation

/// Layer normalisation over the last axis: y = (x − mean) / √(var + eps) · γ + β (biased variance).
///
/// Shapes: x, y [N, C]; saved statistics mean, rstd [N] (from the activation arena).
/// Parameters: "<name>.scale" (γ, init 1) and "<name>.bias" (β, init 0), neither decayed. eps = 1e-6 (flax).
public struct LayerNorm: Sendable {
    public let features: Int
    public let eps: Double
    public let scale: ParameterHandle
    public let bias: ParameterHandle

    public init(_ name: String, features: Int, eps: Double = 1e-6, layout: inout ParameterLayout) {
        self.features = features
        self.eps = eps
        scale = layout.add(name + ".scale", [features], decay: false)
        bias = layout.add(name + ".bias", [features], decay: false)
    }

    public func initialize<T: EngineScalar>(_ p: ParameterStore<T>) {
        p.value(scale).fill(1)
        p.value(bias).zero()
    }

    public func forward<T: EngineScalar>(_ x: Tensor<T>, _ y: Tensor<T>, mean: Tensor<T>, rstd: Tensor<T>,
                                         _ p: ParameterStore<T>) {
        precondition(x.columns == features && y.count == x.count && mean.count == x.rows && rstd.count == x.rows,
                     "LayerNorm.forward: shapes")
        let C = features, yp = y.pointer, mp = mean.pointer, rp = rstd.pointer, xp = x.constPointer
        let g = p.value(scale).constPointer, b = p.value(bias).constPointer, e = T(eps)
        Threading.parallelFor(x.rows, minimumPerWorker: max(1, 16384 / C)) { r in
            let o = r.lowerBound
            T.kLayerNormForward(yp + o * C, mp + o, rp + o, xp + o * C, g, b, r.count, C, e)
        }
    }

    /// Accumulates dx (or overwrites it with `accumulate: false`; dx must not alias dy), dγ, dβ.
    public func backward<T: EngineScalar>(_ x: Tensor<T>, _ dy: Tensor<T>, _ dx: Tensor<T>, mean: Tensor<T>,
                                          rstd: Tensor<T>, _ p: ParameterStore<T>, accumulate: Bool = true) {
        let C = features, n = x.rows
        let dxp = dx.pointer, dyp = dy.constPointer, xp = x.constPointer, mp = mean.constPointer, rp = rstd.constPointer
        let g = p.value(scale).constPointer, dg = p.grad(scale).pointer, db = p.grad(bias).pointer
        // partial buffers hold [dγ | dβ] per chunk
        withUnsafeTemporaryAllocation(of: T.self, capacity: 2 * C) { acc in
            let a = acc.baseAddress!
            memset(a, 0, 2 * C * MemoryLayout<T>.stride)
            Threading.reduceRows(n, width: 2 * C, into: a) { r, part in
                let o = r.lowerBound
                T.kLayerNormBackward(dxp + o * C, part, part + C, dyp + o * C, xp + o * C, mp + o, rp + o, g,
                                     r.count, C, accumulate)
            }
            T.kAccumulate(dg, a, C)
            T.kAccumulate(db, a + C, C)
        }
    }
}
