import Foundation

/// Learning rate per update step t = 1, 2, …: linear warmup from 0 to `peak` over `warmupSteps`, then a
/// linear or cosine decay from `peak` to `peak · finalFraction` at `totalSteps` (constant afterwards), or
/// constant.
///
///     t ≤ warmup:  lr = peak · t / warmup
///     else:        p = min(1, (t − warmup) / (total − warmup))
///                  linear: lr = peak · (1 − (1 − f) · p);  cosine: lr = peak · (f + (1 − f) · (1 + cos πp) / 2)
public struct LearningRateSchedule: Sendable, Codable, Hashable {
    public enum Decay: String, Sendable, Codable, CaseIterable { case constant, linear, cosine }
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var decay: Decay
    public var finalFraction: Double

    public init(peak: Double, warmupSteps: Int = 0, totalSteps: Int = 0, decay: Decay = .constant,
                finalFraction: Double = 0) {
        self.peak = peak
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = totalSteps
        self.decay = decay
        self.finalFraction = finalFraction
    }

    public func rate(step t: Int) -> Double {
        if warmupSteps > 0 && t <= warmupSteps { return peak * Double(max(t, 0)) / Double(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let p = min(1, max(0, Double(t - warmupSteps) / Double(span)))
        let f = finalFraction
        switch decay {
        case .constant: return peak
        case .linear: return peak * (1 - (1 - f) * p)
        case .cosine: return peak * (f + (1 - f) * 0.5 * (1 + cos(Double.pi * p)))
        }
    }
}

/// AdamW (Loshchilov & Hutter) over a whole `ParameterStore` in one pass, with global gradient-norm clipping.
///
/// For update t (1-based), with g the gradient times the clip scale min(1, maxNorm / ‖g‖₂):
///
///     m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²
///     θ ← θ − lr(t) · ( m / (1 − β₁ᵗ) / (√(v / (1 − β₂ᵗ)) + ε) + λ · θ )
///
/// (lr(t) times the tensor's `rateScale`) with λ = `weightDecay` for parameters declared with `decay: true`,
/// 0 for the others (decoupled decay,
/// scaled by the learning rate as in PyTorch/optax). Moments are kept in the store's precision. The
/// gradients are not zeroed (call `store.zeroGradients()` before the next backward).
public final class AdamW<T: EngineScalar>: @unchecked Sendable {
    public struct Configuration: Sendable, Codable, Hashable {
        public var schedule: LearningRateSchedule
        public var beta1: Double = 0.9
        public var beta2: Double = 0.999
        public var epsilon: Double = 1e-8
        public var weightDecay: Double = 0
        /// Clip the global gradient norm to this value (nil: no clipping).
        public var maxGradientNorm: Double? = nil

        public init(schedule: LearningRateSchedule, beta1: Double = 0.9, beta2: Double = 0.999,
                    epsilon: Double = 1e-8, weightDecay: Double = 0, maxGradientNorm: Double? = nil) {
            self.schedule = schedule
            self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
            self.weightDecay = weightDecay; self.maxGradientNorm = maxGradientNorm
        }
    }

    /// What one `step` did.
    public struct StepInfo: Sendable, Equatable {
        public var step: Int
        public var learningRate: Double
        public var gradientNorm: Double
        public var clipScale: Double
    }

    public var configuration: Configuration
    public let layout: ParameterLayout
    /// First and second moments, same flat layout as the parameters.
    public let m: AlignedBuffer<T>
    public let v: AlignedBuffer<T>
    /// Updates done so far.
    public var step: Int = 0

    public init(layout: ParameterLayout, configuration: Configuration) {
        self.layout = layout
        self.configuration = configuration
        m = AlignedBuffer(count: layout.count)
        v = AlignedBuffer(count: layout.count)
    }

    @discardableResult
    public func update(_ store: ParameterStore<T>) -> StepInfo {
        precondition(store.layout.count == layout.count, "AdamW: parameter layout differs")
        step += 1
        let c = configuration
        let norm = store.gradientNorm()
        var clip = 1.0
        if let maxNorm = c.maxGradientNorm, norm > maxNorm, norm > 0 { clip = maxNorm / norm }
        let lr = c.schedule.rate(step: step)
        let b1 = T(c.beta1), b2 = T(c.beta2), eps = T(c.epsilon), g0 = T(clip)
        let c1 = T(1 - pow(c.beta1, Double(step))), c2 = T(1 - pow(c.beta2, Double(step)))
        let lrT = T(lr)
        let p = store.values.pointer, g = store.gradients.pointer, mp = m.pointer, vp = v.pointer
        for e in layout.entries {
            let o = e.offset
            let rate = e.rateScale == 1 ? lrT : T(lr * e.rateScale)
            T.kAdamW(p + o, g + o, mp + o, vp + o, e.count, g0, b1, b2, c1, c2, rate, eps, e.decay ? T(c.weightDecay) : 0)
        }
        return StepInfo(step: step, learningRate: lr, gradientNorm: norm, clipScale: clip)
    }
}
