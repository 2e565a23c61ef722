// A stack of engine `TransformerLayer`s over S sequences of L tokens (width D), with its buffers sized once
// per (config, S, L) and two modes:
//   * training:  every layer keeps its activations (needed by `backward`);
//   * inference: all layers share one activation set and ping-pong between two output buffers, so memory
//                does not grow with depth (the paper config has 24 layers).
// Shapes: input x and output y [S·L, D]; keyMask [S, L] bytes (1 = valid key) or nil.

import ViewSynthEngine

final class TransformerRunner<T: EngineScalar>: @unchecked Sendable {
    let layers: [TransformerLayer]
    let S: Int, L: Int, D: Int
    let training: Bool
    private var acts: [TransformerLayer.Activations<T>] = []
    private var outputs: [Tensor<T>] = []
    private var grads: TransformerLayer.Gradients<T>?
    private var dA: Tensor<T>?, dB: Tensor<T>?

    /// Elements the runner needs from an arena.
    static func plan(_ c: TransformerConfig, layers: Int, S: Int, L: Int, training: Bool, _ plan: inout ArenaPlan) {
        guard layers > 0 else { return }
        let sets = training ? layers : 1
        for _ in 0..<sets { TransformerLayer.planActivations(c, sequences: S, length: L, &plan) }
        let outs = training ? layers : 2
        for _ in 0..<outs { plan.add([S * L, c.width]) }
        if training {
            TransformerLayer.planGradients(c, sequences: S, length: L, &plan)
            plan.add([S * L, c.width]); plan.add([S * L, c.width])
        }
    }

    init(layers: [TransformerLayer], S: Int, L: Int, training: Bool, arena: Arena<T>) {
        self.layers = layers
        self.S = S; self.L = L
        self.training = training
        D = layers.first?.config.width ?? 0
        guard let first = layers.first else { return }
        let sets = training ? layers.count : 1
        acts = (0..<sets).map { _ in first.makeActivations(arena, sequences: S, length: L) }
        outputs = (0..<(training ? layers.count : 2)).map { _ in arena.allocate([S * L, D]) }
        if training {
            grads = first.makeGradients(arena, sequences: S, length: L)
            dA = arena.allocate([S * L, D]); dB = arena.allocate([S * L, D])
        }
    }

    /// y = stack(x). With no layers, y = x (copied).
    func forward(_ x: Tensor<T>, _ y: Tensor<T>, keyMask: UnsafePointer<UInt8>?, _ p: ParameterStore<T>) {
        if layers.isEmpty { y.copy(from: x); return }
        var input = x
        for (i, l) in layers.enumerated() {
            let dst = i == layers.count - 1 ? y : outputs[training ? i : i % 2]
            l.forward(input, dst, acts[training ? i : 0], keyMask: keyMask, p)
            input = dst
        }
    }

    /// Accumulates dx and the parameter gradients (training mode; `x` is the input of the last forward).
    func backward(_ x: Tensor<T>, _ dy: Tensor<T>, _ dx: Tensor<T>, _ p: ParameterStore<T>) {
        precondition(training, "TransformerRunner.backward needs training mode")
        if layers.isEmpty { Residual.accumulate(dx, dy); return }
        var upstream = dy
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let input = i == 0 ? x : outputs[i - 1]
            let dst: Tensor<T>
            if i == 0 { dst = dx } else {
                dst = upstream.pointer == dA!.pointer ? dB! : dA!
                dst.zero()
            }
            layers[i].backward(input, upstream, dst, acts[i], grads!, p)
            upstream = dst
        }
    }

    /// GEMM FLOPs of one forward.
    var forwardFLOPs: Double {
        layers.reduce(0) { $0 + $1.config.forwardFLOPs(sequences: S, length: L) }
    }
}
