/// Elementwise nonlinearities (C kernels): GELU (tanh approximation), ReLU, ELU (α = 1), sigmoid.
/// Any shape; `y` may not alias `x` for GELU/ReLU/ELU backward, which need the input.
public enum Activation {
    public static func forward<T: EngineScalar>(_ kind: ActivationKind, _ x: Tensor<T>, _ y: Tensor<T>) {
        precondition(x.count == y.count, "Activation.forward: sizes")
        let yp = y.pointer, xp = x.constPointer
        Threading.parallelElements(x.count) { r in
            T.kActivationForward(kind, yp + r.lowerBound, xp + r.lowerBound, r.count)
        }
    }

    /// Accumulates dx += f'(x) ⊙ dy (or overwrites dx = f'(x) ⊙ dy with `accumulate: false`; dx must not
    /// alias dy). Pass the forward input `x` and output `y` (sigmoid uses `y`, the others `x`).
    public static func backward<T: EngineScalar>(_ kind: ActivationKind, x: Tensor<T>, y: Tensor<T>, _ dy: Tensor<T>,
                                                 _ dx: Tensor<T>, accumulate: Bool = true) {
        precondition(x.count == dy.count && dx.count == dy.count, "Activation.backward: sizes")
        let saved = kind == .sigmoid ? y : x
        let dxp = dx.pointer, sp = saved.constPointer, dyp = dy.constPointer
        Threading.parallelElements(x.count) { r in
            let o = r.lowerBound
            T.kActivationBackward(kind, dxp + o, sp + o, dyp + o, r.count, accumulate)
        }
    }
}

/// Softmax over the last axis, with an optional mask [N, C] (1 = keep). Masked entries get probability 0;
/// a fully masked row gives all zeros (and zero gradient).
public enum Softmax {
    public static func forward<T: EngineScalar>(_ x: Tensor<T>, _ y: Tensor<T>, mask: UnsafePointer<UInt8>? = nil) {
        precondition(x.count == y.count, "Softmax.forward: sizes")
        T.kSoftmaxForward(y.pointer, x.constPointer, mask, x.rows, x.columns)
    }
    /// Accumulates dx += y ⊙ (dy − ⟨dy, y⟩) per row.
    public static func backward<T: EngineScalar>(y: Tensor<T>, _ dy: Tensor<T>, _ dx: Tensor<T>) {
        T.kSoftmaxBackward(dx.pointer, y.constPointer, dy.constPointer, y.rows, y.columns)
    }
}

/// Elementwise sum (residual connections).
public enum Residual {
    /// out = a + b (out may alias a or b).
    public static func add<T: EngineScalar>(_ a: Tensor<T>, _ b: Tensor<T>, _ out: Tensor<T>) {
        precondition(a.count == b.count && a.count == out.count, "Residual.add: sizes")
        let op = out.pointer, ap = a.constPointer, bp = b.constPointer
        Threading.parallelElements(a.count) { r in
            T.kAdd(op + r.lowerBound, ap + r.lowerBound, bp + r.lowerBound, r.count)
        }
    }
    /// y += x.
    public static func accumulate<T: EngineScalar>(_ y: Tensor<T>, _ x: Tensor<T>) {
        precondition(x.count == y.count, "Residual.accumulate: sizes")
        let yp = y.pointer, xp = x.constPointer
        Threading.parallelElements(x.count) { r in T.kAccumulate(yp + r.lowerBound, xp + r.lowerBound, r.count) }
    }
}
