/// Sizes of one transformer layer. `preNorm` chooses x + f(LN(x)) (pre-norm) or LN(x + f(x)) (post-norm,
/// the original Transformer and the GPNR reference); both are provided so #6 can pick by measurement.
public struct TransformerConfig: Sendable, Codable, Hashable {
    public var width: Int
    public var heads: Int
    public var mlpWidth: Int
    public var preNorm: Bool
    public var activation: ActivationKind

    public init(width: Int, heads: Int = 1, mlpWidth: Int? = nil, preNorm: Bool = true,
                activation: ActivationKind = .gelu) {
        self.width = width
        self.heads = heads
        self.mlpWidth = mlpWidth ?? width
        self.preNorm = preNorm
        self.activation = activation
    }

    /// GEMM FLOPs of one forward over S sequences of length L: QKV, output and MLP projections plus the two
    /// attention products. Backward costs twice the projections and twice the attention products.
    public func forwardFLOPs(sequences S: Int, length L: Int) -> Double {
        let N = Double(S * L), D = Double(width), M = Double(mlpWidth)
        return 2 * N * (3 * D * D + D * D + 2 * D * M) + 4 * Double(S) * Double(L * L) * D
    }
}

/// One transformer encoder layer over S sequences of L tokens of width D, all S·L tokens at once.
///
/// Pre-norm:  x1 = x + Wo·Attn(Wqkv·LN1(x));  y = x1 + W2·act(W1·LN2(x1))
/// Post-norm: x1 = LN1(x + Wo·Attn(Wqkv·x));  y = LN2(x1 + W2·act(W1·x1))
///
/// Shapes: x, y [S·L, D]; keyMask [S, L] bytes (1 = valid key) or nil. Activations and gradient scratch
/// come from arenas sized by `plan(…)` once per (config, S, L).
/// Parameters under "<name>.": ln1, ln2 (LayerNorm), qkv (Linear D→3D), out (Linear D→D),
/// mlp1 (D→M), mlp2 (M→D).
public struct TransformerLayer: Sendable {
    public let config: TransformerConfig
    public let ln1: LayerNorm
    public let ln2: LayerNorm
    public let qkv: Linear
    public let out: Linear
    public let mlp1: Linear
    public let mlp2: Linear
    public var attention: SelfAttention

    public init(_ name: String, config: TransformerConfig, layout: inout ParameterLayout) {
        self.config = config
        let D = config.width
        ln1 = LayerNorm(name + ".ln1", features: D, layout: &layout)
        qkv = Linear(name + ".qkv", inFeatures: D, outFeatures: 3 * D, layout: &layout)
        out = Linear(name + ".out", inFeatures: D, outFeatures: D, layout: &layout)
        ln2 = LayerNorm(name + ".ln2", features: D, layout: &layout)
        mlp1 = Linear(name + ".mlp1", inFeatures: D, outFeatures: config.mlpWidth, layout: &layout)
        mlp2 = Linear(name + ".mlp2", inFeatures: config.mlpWidth, outFeatures: D, layout: &layout)
        attention = SelfAttention(width: D, heads: config.heads)
    }

    public func initialize<T: EngineScalar, R: RandomNumberGenerator>(_ p: ParameterStore<T>, _ rng: inout R) {
        ln1.initialize(p); ln2.initialize(p)
        qkv.initialize(p, &rng); out.initialize(p, &rng); mlp1.initialize(p, &rng); mlp2.initialize(p, &rng)
    }

    /// Saved forward activations of one layer.
    public struct Activations<T: EngineScalar>: @unchecked Sendable {
        public let S: Int, L: Int
        public let norm1, mean1, rstd1, qkv, att, probs, res1, norm2, mean2, rstd2, hidden, act, res2: Tensor<T>

        /// The same buffers seen for the first `n` ≤ S sequences (a smaller last batch).
        public func prefix(sequences n: Int) -> Activations {
            if n == S { return self }
            let r = n * L
            return Activations(S: n, L: L, norm1: norm1.prefix(first: r), mean1: mean1.prefix(first: r),
                               rstd1: rstd1.prefix(first: r), qkv: qkv.prefix(first: r), att: att.prefix(first: r),
                               probs: probs.prefix(first: n), res1: res1.prefix(first: r), norm2: norm2.prefix(first: r),
                               mean2: mean2.prefix(first: r), rstd2: rstd2.prefix(first: r),
                               hidden: hidden.prefix(first: r), act: act.prefix(first: r), res2: res2.prefix(first: r))
        }
    }
    /// Backward scratch of one layer (shared by all layers of a stack).
    public struct Gradients<T: EngineScalar>: @unchecked Sendable {
        public let dNorm, dQKV, dAtt, dRes1, dHidden, dAct, dRes2, attScratch: Tensor<T>

        /// The same buffers seen for the first `n` sequences of length `L`.
        public func prefix(sequences n: Int, length L: Int) -> Gradients {
            let r = n * L
            return Gradients(dNorm: dNorm.prefix(first: r), dQKV: dQKV.prefix(first: r), dAtt: dAtt.prefix(first: r),
                             dRes1: dRes1.prefix(first: r), dHidden: dHidden.prefix(first: r),
                             dAct: dAct.prefix(first: r), dRes2: dRes2.prefix(first: r),
                             attScratch: attScratch.prefix(first: n))
        }
    }

    static func activationShapes(_ c: TransformerConfig, _ S: Int, _ L: Int) -> [[Int]] {
        let N = S * L, D = c.width, M = c.mlpWidth
        return [[N, D], [N], [N], [N, 3 * D], [N, D], [S, c.heads, L, L], [N, D], [N, D], [N], [N],
                [N, M], [N, M], [N, D]]
    }
    static func gradientShapes(_ c: TransformerConfig, _ S: Int, _ L: Int) -> [[Int]] {
        let N = S * L, D = c.width, M = c.mlpWidth
        return [[N, D], [N, 3 * D], [N, D], [N, D], [N, M], [N, M], [N, D], [S, c.heads, L, L]]
    }
    public static func planActivations(_ c: TransformerConfig, sequences S: Int, length L: Int, _ plan: inout ArenaPlan) {
        for s in activationShapes(c, S, L) { plan.add(s) }
    }
    public static func planGradients(_ c: TransformerConfig, sequences S: Int, length L: Int, _ plan: inout ArenaPlan) {
        for s in gradientShapes(c, S, L) { plan.add(s) }
    }
    public func makeActivations<T: EngineScalar>(_ arena: Arena<T>, sequences S: Int, length L: Int) -> Activations<T> {
        let t = Self.activationShapes(config, S, L).map { arena.allocate($0) }
        return Activations(S: S, L: L, norm1: t[0], mean1: t[1], rstd1: t[2], qkv: t[3], att: t[4], probs: t[5],
                           res1: t[6], norm2: t[7], mean2: t[8], rstd2: t[9], hidden: t[10], act: t[11], res2: t[12])
    }
    public func makeGradients<T: EngineScalar>(_ arena: Arena<T>, sequences S: Int, length L: Int) -> Gradients<T> {
        let t = Self.gradientShapes(config, S, L).map { arena.allocate($0) }
        return Gradients(dNorm: t[0], dQKV: t[1], dAtt: t[2], dRes1: t[3], dHidden: t[4], dAct: t[5], dRes2: t[6],
                         attScratch: t[7])
    }

    public func forward<T: EngineScalar>(_ x: Tensor<T>, _ y: Tensor<T>, _ a: Activations<T>,
                                         keyMask: UnsafePointer<UInt8>?, _ p: ParameterStore<T>) {
        let kind = config.activation
        if config.preNorm {
            ln1.forward(x, a.norm1, mean: a.mean1, rstd: a.rstd1, p)
            qkv.forward(a.norm1, a.qkv, p)
            attention.forward(qkv: a.qkv, keyMask: keyMask, out: a.att, probs: a.probs, sequences: a.S, length: a.L)
            out.forward(a.att, a.res1, p, residual: x)
            ln2.forward(a.res1, a.norm2, mean: a.mean2, rstd: a.rstd2, p)
            mlp1.forward(a.norm2, a.hidden, p)
            Activation.forward(kind, a.hidden, a.act)
            mlp2.forward(a.act, y, p, residual: a.res1)
        } else {
            qkv.forward(x, a.qkv, p)
            attention.forward(qkv: a.qkv, keyMask: keyMask, out: a.att, probs: a.probs, sequences: a.S, length: a.L)
            out.forward(a.att, a.res1, p, residual: x)
            ln1.forward(a.res1, a.norm1, mean: a.mean1, rstd: a.rstd1, p)
            mlp1.forward(a.norm1, a.hidden, p)
            Activation.forward(kind, a.hidden, a.act)
            mlp2.forward(a.act, a.res2, p, residual: a.norm1)
            ln2.forward(a.res2, y, mean: a.mean2, rstd: a.rstd2, p)
        }
    }

    /// Accumulates dx and the parameter gradients; `g` is scratch (each buffer is overwritten before it is
    /// read, only dQKV is zeroed: the attention backward accumulates into it).
    public func backward<T: EngineScalar>(_ x: Tensor<T>, _ dy: Tensor<T>, _ dx: Tensor<T>, _ a: Activations<T>,
                                          _ g: Gradients<T>, _ p: ParameterStore<T>) {
        let kind = config.activation
        g.dQKV.zero()
        if config.preNorm {
            // y = res1 + mlp2(act(mlp1(norm2)))
            g.dRes1.copy(from: dy)
            mlp2.backward(a.act, dy, g.dAct, p, accumulateInput: false)
            Activation.backward(kind, x: a.hidden, y: a.act, g.dAct, g.dHidden, accumulate: false)
            mlp1.backward(a.norm2, g.dHidden, g.dNorm, p, accumulateInput: false)
            ln2.backward(a.res1, g.dNorm, g.dRes1, mean: a.mean2, rstd: a.rstd2, p)
            // res1 = x + out(att(qkv(norm1)))
            out.backward(a.att, g.dRes1, g.dAtt, p, accumulateInput: false)
            attention.backward(qkv: a.qkv, probs: a.probs, dout: g.dAtt, dqkv: g.dQKV, scratch: g.attScratch,
                               sequences: a.S, length: a.L)
            qkv.backward(a.norm1, g.dQKV, g.dNorm, p, accumulateInput: false)
            ln1.backward(x, g.dNorm, dx, mean: a.mean1, rstd: a.rstd1, p)
            Residual.accumulate(dx, g.dRes1)
        } else {
            ln2.backward(a.res2, dy, g.dRes2, mean: a.mean2, rstd: a.rstd2, p, accumulate: false)
            // res2 = norm1 + mlp2(act(mlp1(norm1)))
            g.dNorm.copy(from: g.dRes2)
            mlp2.backward(a.act, g.dRes2, g.dAct, p, accumulateInput: false)
            Activation.backward(kind, x: a.hidden, y: a.act, g.dAct, g.dHidden, accumulate: false)
            mlp1.backward(a.norm1, g.dHidden, g.dNorm, p)
            ln1.backward(a.res1, g.dNorm, g.dRes1, mean: a.mean1, rstd: a.rstd1, p, accumulate: false)
            // res1 = x + out(att(qkv(x)))
            out.backward(a.att, g.dRes1, g.dAtt, p, accumulateInput: false)
            attention.backward(qkv: a.qkv, probs: a.probs, dout: g.dAtt, dqkv: g.dQKV, scratch: g.attScratch,
                               sequences: a.S, length: a.L)
            qkv.backward(x, g.dQKV, dx, p)
            Residual.accumulate(dx, g.dRes1)
        }
    }
}

/// A stack of transformer layers (optionally followed by a LayerNorm, usual with pre-norm), with its own
/// activation and gradient arenas sized once per (S, L).
///
/// Shapes: input and output [S·L, D]. The stack keeps every layer's output; `backward` accumulates into dx.
public final class TransformerStack<T: EngineScalar>: @unchecked Sendable {
    public let layers: [TransformerLayer]
    public let finalNorm: LayerNorm?
    public let sequences: Int
    public let length: Int
    let activations: Arena<T>
    let gradArena: Arena<T>
    let acts: [TransformerLayer.Activations<T>]
    let outputs: [Tensor<T>]
    let grads: TransformerLayer.Gradients<T>
    let dA: Tensor<T>, dB: Tensor<T>, finalMean: Tensor<T>, finalRstd: Tensor<T>

    /// Declares the parameters of `count` layers named "<name>.<i>" (and "<name>.final_ln").
    public static func declare(_ name: String, config: TransformerConfig, count: Int, finalNorm: Bool,
                               layout: inout ParameterLayout) -> (layers: [TransformerLayer], finalNorm: LayerNorm?) {
        let layers = (0..<count).map { TransformerLayer("\(name).\($0)", config: config, layout: &layout) }
        let fn = finalNorm ? LayerNorm(name + ".final_ln", features: config.width, layout: &layout) : nil
        return (layers, fn)
    }

    public init(layers: [TransformerLayer], finalNorm: LayerNorm?, sequences S: Int, length L: Int) {
        precondition(!layers.isEmpty, "TransformerStack: no layers")
        self.layers = layers
        self.finalNorm = finalNorm
        sequences = S
        length = L
        let c = layers[0].config
        let N = S * L, D = c.width
        var ap = ArenaPlan(T.self), gp = ArenaPlan(T.self)
        for l in layers {
            TransformerLayer.planActivations(l.config, sequences: S, length: L, &ap)
            ap.add([N, D])
        }
        ap.add([N]); ap.add([N])
        TransformerLayer.planGradients(c, sequences: S, length: L, &gp)
        gp.add([N, D]); gp.add([N, D])
        activations = Arena(plan: ap)
        gradArena = Arena(plan: gp)
        var a: [TransformerLayer.Activations<T>] = []
        var o: [Tensor<T>] = []
        for l in layers {
            a.append(l.makeActivations(activations, sequences: S, length: L))
            o.append(activations.allocate([N, D]))
        }
        acts = a
        outputs = o
        finalMean = activations.allocate([N])
        finalRstd = activations.allocate([N])
        grads = layers[0].makeGradients(gradArena, sequences: S, length: L)
        dA = gradArena.allocate([N, D])
        dB = gradArena.allocate([N, D])
    }

    /// Bytes held by the two arenas.
    public var arenaBytes: Int { (activations.capacity + gradArena.capacity) * MemoryLayout<T>.stride }

    /// Sequences used by the last `forward` (≤ `sequences`).
    public private(set) var activeSequences: Int = 0

    /// y = stack(x). `activeSequences` (default: all `sequences`) may be smaller for a last, partial batch;
    /// x, y (and keyMask) then hold that many sequences.
    public func forward(_ x: Tensor<T>, _ y: Tensor<T>, keyMask: UnsafePointer<UInt8>?, _ p: ParameterStore<T>,
                        activeSequences n: Int? = nil) {
        let S = n ?? sequences
        precondition(S >= 1 && S <= sequences && x.rows == S * length && y.count == x.count,
                     "TransformerStack.forward: \(x.shape) for \(S) of \(sequences) sequences of length \(length)")
        activeSequences = S
        let r = S * length
        var input = x
        for (i, l) in layers.enumerated() {
            let isLast = i == layers.count - 1 && finalNorm == nil
            let dst = isLast ? y : outputs[i].prefix(first: r)
            l.forward(input, dst, acts[i].prefix(sequences: S), keyMask: keyMask, p)
            input = dst
        }
        if let finalNorm {
            finalNorm.forward(outputs[layers.count - 1].prefix(first: r), y, mean: finalMean.prefix(first: r),
                              rstd: finalRstd.prefix(first: r), p)
        }
    }

    /// Accumulates dx and parameter gradients. `x` must be the input of the last `forward` (same number of
    /// sequences).
    public func backward(_ x: Tensor<T>, _ dy: Tensor<T>, _ dx: Tensor<T>, _ p: ParameterStore<T>) {
        let S = activeSequences, r = S * length
        precondition(S >= 1 && x.rows == r && dy.count == x.count && dx.count == x.count,
                     "TransformerStack.backward: shapes do not match the last forward")
        let a = dA.prefix(first: r), b = dB.prefix(first: r)
        let g = grads.prefix(sequences: S, length: length)
        var upstream = dy
        if let finalNorm {
            finalNorm.backward(outputs[layers.count - 1].prefix(first: r), dy, a, mean: finalMean.prefix(first: r),
                               rstd: finalRstd.prefix(first: r), p, accumulate: false)
            upstream = a
        }
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let input = i == 0 ? x : outputs[i - 1].prefix(first: r)
            let dst: Tensor<T>
            if i == 0 { dst = dx } else {
                dst = upstream.pointer == a.pointer ? b : a
                dst.zero()
            }
            layers[i].backward(input, upstream, dst, acts[i].prefix(sequences: S), g, p)
            upstream = dst
        }
    }
}
