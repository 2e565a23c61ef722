/// Moving data between layouts, with backward passes: swapping two middle axes (e.g. [rays, views,
/// samples, C] ↔ [rays, samples, views, C] between GPNR's view and epipolar transformers), concatenating
/// feature blocks along the last axis, and learned embeddings (LFNR's per-view embeddings).
public enum SwapAxes {
    /// y[a, c, b, :] = x[a, b, c, :] for x [A, B, C, D] (outer A, inner D blocks stay contiguous).
    public static func forward<T: EngineScalar>(_ x: Tensor<T>, _ y: Tensor<T>, outer A: Int, _ B: Int, _ C: Int,
                                                inner D: Int) {
        precondition(x.count == A * B * C * D && y.count == x.count, "SwapAxes.forward: shapes")
        let xp = x.constPointer, yp = y.pointer
        Threading.parallelFor(A, minimumPerWorker: max(1, 32768 / max(1, B * C * D))) { r in
            for a in r {
                for b in 0..<B {
                    for c in 0..<C {
                        copyElements(yp + ((a * C + c) * B + b) * D, xp + ((a * B + b) * C + c) * D, D)
                    }
                }
            }
        }
    }

    /// Accumulates dx[a, b, c, :] += dy[a, c, b, :].
    public static func backward<T: EngineScalar>(_ dy: Tensor<T>, _ dx: Tensor<T>, outer A: Int, _ B: Int, _ C: Int,
                                                 inner D: Int) {
        precondition(dx.count == A * B * C * D && dy.count == dx.count, "SwapAxes.backward: shapes")
        let gp = dy.constPointer, dp = dx.pointer
        Threading.parallelFor(A, minimumPerWorker: max(1, 32768 / max(1, B * C * D))) { r in
            for a in r {
                for b in 0..<B {
                    for c in 0..<C {
                        T.kAccumulate(dp + ((a * B + b) * C + c) * D, gp + ((a * C + c) * B + b) * D, D)
                    }
                }
            }
        }
    }
}

/// Concatenation along the last axis: y[n, :] = [x₀[n, :], x₁[n, :], …]; every input has N rows.
public enum Concat {
    public static func forward<T: EngineScalar>(_ inputs: [Tensor<T>], _ y: Tensor<T>) {
        let N = y.rows, W = y.columns
        precondition(inputs.allSatisfy { $0.rows == N } && inputs.reduce(0) { $0 + $1.columns } == W,
                     "Concat.forward: shapes")
        var off = 0
        for x in inputs {
            let c = x.columns
            for n in 0..<N { copyElements(y.pointer + n * W + off, x.pointer + n * c, c) }
            off += c
        }
    }

    /// Accumulates each dxᵢ (nil: that input needs no gradient).
    public static func backward<T: EngineScalar>(_ dy: Tensor<T>, _ dInputs: [Tensor<T>?], widths: [Int]) {
        let N = dy.rows, W = dy.columns
        precondition(widths.reduce(0, +) == W && dInputs.count == widths.count, "Concat.backward: shapes")
        var off = 0
        for (dx, c) in zip(dInputs, widths) {
            if let dx {
                for n in 0..<N { T.kAccumulate(dx.pointer + n * c, dy.constPointer + n * W + off, c) }
            }
            off += c
        }
    }
}

/// A learned table of `count` vectors of width `width` ("<name>.table" [count, width], not decayed);
/// y[n, :] = table[index[n], :].
public struct Embedding: Sendable {
    public let count: Int
    public let width: Int
    public let table: ParameterHandle

    public init(_ name: String, count: Int, width: Int, layout: inout ParameterLayout) {
        self.count = count
        self.width = width
        table = layout.add(name + ".table", [count, width], decay: false)
    }

    public func initialize<T: EngineScalar, R: RandomNumberGenerator>(_ p: ParameterStore<T>, _ rng: inout R,
                                                                     std: Double = 0.02) {
        EngineRandom.fillNormal(p.value(table), std: std, &rng)
    }

    /// Indices outside 0..<count are a programming error (precondition).
    public func forward<T: EngineScalar>(indices: UnsafePointer<Int32>, _ y: Tensor<T>, _ p: ParameterStore<T>) {
        precondition(y.columns == width, "Embedding.forward: width")
        let t = p.value(table)
        for n in 0..<y.rows {
            let i = Int(indices[n])
            precondition(i >= 0 && i < count, "Embedding: index \(i) out of 0..<\(count)")
            copyElements(y.pointer + n * width, t.pointer + i * width, width)
        }
    }

    /// Accumulates the table gradient (scatter-add; serial, rows may repeat).
    public func backward<T: EngineScalar>(indices: UnsafePointer<Int32>, _ dy: Tensor<T>, _ p: ParameterStore<T>) {
        let g = p.grad(table)
        for n in 0..<dy.rows {
            T.kAccumulate(g.pointer + Int(indices[n]) * width, dy.constPointer + n * width, width)
        }
    }
}
