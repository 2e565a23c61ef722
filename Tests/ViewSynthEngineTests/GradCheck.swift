import Foundation
import ViewSynthEngine

/// A test tensor that owns its memory.
final class TestTensor<T: EngineScalar> {
    let storage: AlignedBuffer<T>
    let t: Tensor<T>
    init(_ shape: [Int]) {
        storage = AlignedBuffer(count: shape.reduce(1, *))
        t = Tensor(pointer: storage.pointer, shape: shape)
    }
    convenience init<R: RandomNumberGenerator>(_ shape: [Int], normal std: Double, _ rng: inout R) {
        self.init(shape)
        EngineRandom.fillNormal(t, std: std, &rng)
    }
    convenience init(_ shape: [Int], values: [T]) {
        self.init(shape)
        precondition(values.count == t.count)
        for (i, v) in values.enumerated() { t[i] = v }
    }
}

/// One differentiable input of a gradient check: its values and where backward accumulates its gradient.
struct GradInput {
    let name: String
    let value: Tensor<Double>
    let grad: Tensor<Double>
}

extension ParameterStore where T == Double {
    var asGradInput: GradInput {
        GradInput(name: "parameters", value: Tensor(pointer: values.pointer, shape: [values.count]),
                  grad: Tensor(pointer: gradients.pointer, shape: [gradients.count]))
    }
}

/// Central finite differences of ⟨out, R⟩ for a random R, compared with the analytic gradient from
/// `backward(R)` (all input gradients are zeroed first). Returns, per input, ‖analytic − numeric‖ /
/// max(‖analytic‖, ‖numeric‖) (1e-300 floor).
func gradientErrors(_ inputs: [GradInput], output: Tensor<Double>, seed: UInt64 = 7, eps: Double = 1e-6,
                    forward: () -> Void, backward: (Tensor<Double>) -> Void) -> [String: Double] {
    var rng = EngineRNG(seed: seed)
    let r = TestTensor<Double>(output.shape, normal: 1, &rng)
    func loss() -> Double {
        forward()
        var s = 0.0
        for i in 0..<output.count { s += output[i] * r.t[i] }
        return s
    }
    forward()
    for inp in inputs { inp.grad.zero() }
    backward(r.t)
    var result: [String: Double] = [:]
    for inp in inputs {
        let analytic = inp.grad.toArray()
        var num = [Double](repeating: 0, count: inp.value.count)
        for i in 0..<inp.value.count {
            let x0 = inp.value[i]
            inp.value[i] = x0 + eps
            let lp = loss()
            inp.value[i] = x0 - eps
            let lm = loss()
            inp.value[i] = x0
            num[i] = (lp - lm) / (2 * eps)
        }
        var diff = 0.0, na = 0.0, nn = 0.0
        for i in 0..<num.count {
            diff += (analytic[i] - num[i]) * (analytic[i] - num[i])
            na += analytic[i] * analytic[i]
            nn += num[i] * num[i]
        }
        result[inp.name] = diff.squareRoot() / max(na.squareRoot(), nn.squareRoot(), 1e-300)
        // A gradient that is identically zero would make the check vacuous.
        if na == 0 && nn == 0 { result[inp.name] = .infinity }
    }
    if ProcessInfo.processInfo.environment["VIEWSYNTH_PRINT_GRADCHECK"] != nil { print("gradcheck", result) }
    return result
}

func relativeDifference<A: EngineScalar, B: EngineScalar>(_ a: Tensor<A>, _ b: Tensor<B>) -> Double {
    var d = 0.0, n = 0.0
    for i in 0..<a.count {
        let x = Double(a[i]), y = Double(b[i])
        d += (x - y) * (x - y)
        n += y * y
    }
    return d.squareRoot() / max(n.squareRoot(), 1e-300)
}
