import Foundation

/// Sin/cos positional encoding (NeRF / mip-NeRF `posenc` layout) of each row of x [N, d]:
///
///     y = [x (if includeInput), sin(x·2^l) for l in minDegree..<maxDegree, cos(x·2^l) for the same l]
///
/// where each block is ordered frequency-major: index (l − minDegree)·d + j. y [N, outputWidth(d)].
public struct PositionalEncoding: Sendable {
    public let minDegree: Int
    public let maxDegree: Int
    public let includeInput: Bool

    public init(minDegree: Int = 0, maxDegree: Int, includeInput: Bool = true) {
        precondition(maxDegree >= minDegree, "PositionalEncoding: maxDegree < minDegree")
        self.minDegree = minDegree
        self.maxDegree = maxDegree
        self.includeInput = includeInput
    }

    public var frequencies: Int { maxDegree - minDegree }
    public func outputWidth(_ d: Int) -> Int { (includeInput ? d : 0) + 2 * frequencies * d }

    @inline(__always) func scale<T: EngineScalar>(_ l: Int) -> T { T(Double(sign: .plus, exponent: minDegree + l, significand: 1)) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func forward<T: EngineScalar>(_ x: Tensor<T>, _ y: Tensor<T>) {
        let d = x.columns, N = x.rows, F = frequencies, w = outputWidth(d)
        precondition(y.count == N * w, "PositionalEncoding.forward: shapes")
        let off = includeInput ? d : 0
        for r in 0..<N {
            let xr = x.pointer + r * d, yr = y.pointer + r * w
            if includeInput { for j in 0..<d { yr[j] = xr[j] } }
            for l in 0..<F {
                let s: T = scale(l)
                for j in 0..<d {
                    let a = xr[j] * s
                    yr[off + l * d + j] = T.elementarySin(a)
                    yr[off + F * d + l * d + j] = T.elementaryCos(a)
                }
            }
        }
    }

    /// Accumulates dx.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backward<T: EngineScalar>(_ x: Tensor<T>, _ dy: Tensor<T>, _ dx: Tensor<T>) {
        let d = x.columns, N = x.rows, F = frequencies, w = outputWidth(d)
        let off = includeInput ? d : 0
        for r in 0..<N {
            let xr = x.pointer + r * d, gr = dy.pointer + r * w, dr = dx.pointer + r * d
            if includeInput { for j in 0..<d { dr[j] += gr[j] } }
            for l in 0..<F {
                let s: T = scale(l)
                for j in 0..<d {
                    let a = xr[j] * s
                    dr[j] += s * (gr[off + l * d + j] * T.elementaryCos(a) - gr[off + F * d + l * d + j] * T.elementarySin(a))
                }
            }
        }
    }
}

/// Weighted sum over the middle axis (attention pooling): y[b, :] = Σₙ w[b, n] · x[b, n, :].
/// Shapes: x [B, N, C], w [B, N] (typically a masked softmax over N), y [B, C].
public enum WeightedSum {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func forward<T: EngineScalar>(_ x: Tensor<T>, weights w: Tensor<T>, _ y: Tensor<T>) {
        let B = w.rows, N = w.columns, C = y.columns
        precondition(x.count == B * N * C && y.count == B * C, "WeightedSum.forward: shapes")
        for b in 0..<B {
            let yb = y.pointer + b * C
            memset(yb, 0, C * MemoryLayout<T>.stride)
            for n in 0..<N {
                let wv = w[b * N + n]
                if wv == 0 { continue }
                let xb = x.pointer + (b * N + n) * C
                for c in 0..<C { yb[c] += wv * xb[c] }
            }
        }
    }

    /// Accumulates dx[b,n,:] += w[b,n]·dy[b,:] and dw[b,n] += ⟨x[b,n,:], dy[b,:]⟩ (either may be nil).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func backward<T: EngineScalar>(_ x: Tensor<T>, weights w: Tensor<T>, _ dy: Tensor<T>,
                                                 dx: Tensor<T>?, dWeights: Tensor<T>?) {
        let B = w.rows, N = w.columns, C = dy.columns
        for b in 0..<B {
            let g = dy.pointer + b * C
            for n in 0..<N {
                let i = b * N + n
                if let dx {
                    let wv = w[i], d = dx.pointer + i * C
                    for c in 0..<C { d[c] += wv * g[c] }
                }
                if let dWeights {
                    let xb = x.pointer + i * C
                    var s: T = 0
                    for c in 0..<C { s += xb[c] * g[c] }
                    dWeights[i] += s
                }
            }
        }
    }
}

/// Mean squared error over all elements: L = (1/n) Σ (pred − target)².
public enum MSELoss {
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func forward<T: EngineScalar>(_ pred: Tensor<T>, _ target: Tensor<T>) -> Double {
        precondition(pred.count == target.count && pred.count > 0, "MSELoss: sizes")
        var s = 0.0
        for i in 0..<pred.count { let d = Double(pred[i] - target[i]); s += d * d }
        return s / Double(pred.count)
    }
    /// Accumulates dpred += scale · 2 (pred − target) / n.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func backward<T: EngineScalar>(_ pred: Tensor<T>, _ target: Tensor<T>, _ dpred: Tensor<T>, scale: T = 1) {
        let c = 2 * scale / T(pred.count)
        for i in 0..<pred.count { dpred[i] += c * (pred[i] - target[i]) }
    }
}
