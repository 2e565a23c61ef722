import Foundation
import Testing
import ViewSynthEngine

@Suite("AdamW and schedules")
struct AdamWTests {
    func makeStore() -> (ParameterStore<Double>, ParameterHandle, ParameterHandle) {
        var layout = ParameterLayout()
        let w = layout.add("w", [2], decay: true)
        let b = layout.add("b", [1], decay: false)
        let p = ParameterStore<Double>(layout: layout)
        p.value(w)[0] = 1.0; p.value(w)[1] = -2.0; p.value(b)[0] = 0.5
        p.grad(w)[0] = 0.1; p.grad(w)[1] = -0.3; p.grad(b)[0] = 0.2
        return (p, w, b)
    }

    @Test func singleStepMatchesHandComputation() {
        let (p, w, b) = makeStore()
        let opt = AdamW<Double>(layout: p.layout, configuration: .init(
            schedule: .init(peak: 0.01), beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1))
        let info = opt.update(p)
        // Step 1: m̂ = g, v̂ = g², so the Adam direction is g / (|g| + ε); decay only on "w".
        #expect(abs(p.value(w)[0] - (1.0 - 0.01 * (0.1 / (0.1 + 1e-8) + 0.1 * 1.0))) < 1e-15)
        #expect(abs(p.value(w)[1] - (-2.0 - 0.01 * (-0.3 / (0.3 + 1e-8) + 0.1 * -2.0))) < 1e-15)
        #expect(abs(p.value(b)[0] - (0.5 - 0.01 * (0.2 / (0.2 + 1e-8)))) < 1e-15)
        #expect(abs(opt.m.pointer[p.layout.entries[0].offset] - 0.1 * 0.1) < 1e-17)
        #expect(abs(opt.v.pointer[p.layout.entries[0].offset] - 0.001 * 0.01) < 1e-18)
        #expect(info.step == 1 && info.learningRate == 0.01 && info.clipScale == 1)
        #expect(abs(info.gradientNorm - (0.01 + 0.09 + 0.04).squareRoot()) < 1e-15)
    }

    /// A tensor's rateScale multiplies its learning rate (and its decoupled decay) and nothing else.
    @Test func rateScaleMultipliesTheStep() {
        var layout = ParameterLayout()
        let a = layout.add("a", [1], decay: true)
        let s = layout.add("s", [1], decay: true, rateScale: 7)
        let p = ParameterStore<Double>(layout: layout)
        p.value(a)[0] = 1; p.value(s)[0] = 1
        p.grad(a)[0] = 0.2; p.grad(s)[0] = 0.2
        let opt = AdamW<Double>(layout: layout, configuration: .init(schedule: .init(peak: 0.01), weightDecay: 0.1))
        opt.update(p)
        let step = 0.01 * (0.2 / (0.2 + 1e-8) + 0.1)
        #expect(abs(p.value(a)[0] - (1 - step)) < 1e-15)
        #expect(abs(p.value(s)[0] - (1 - 7 * step)) < 1e-14)
        #expect(layout.entries[1].rateScale == 7 && layout.entries[0].rateScale == 1)
    }

    @Test func secondStepUsesBiasCorrection() {
        let (p, w, _) = makeStore()
        let opt = AdamW<Double>(layout: p.layout, configuration: .init(schedule: .init(peak: 0.1)))
        opt.update(p)
        let p1 = p.value(w)[0]
        p.grad(w)[0] = -0.2
        opt.update(p)
        let m = 0.9 * (0.1 * 0.1) + 0.1 * -0.2, v = 0.999 * (0.001 * 0.01) + 0.001 * 0.04
        let mhat = m / (1 - 0.81), vhat = v / (1 - 0.999 * 0.999)
        #expect(abs(p.value(w)[0] - (p1 - 0.1 * mhat / (vhat.squareRoot() + 1e-8))) < 1e-15)
    }

    @Test func gradientClippingScalesTheGradient() {
        let (p, _, _) = makeStore()
        let norm = (0.01 + 0.09 + 0.04).squareRoot()
        let opt = AdamW<Double>(layout: p.layout, configuration: .init(schedule: .init(peak: 0.01), maxGradientNorm: 0.1))
        let info = opt.update(p)
        #expect(abs(info.clipScale - 0.1 / norm) < 1e-15)
        #expect(abs(opt.m.pointer[0] - 0.1 * 0.1 * 0.1 / norm) < 1e-17)
    }

    @Test func scheduleWarmupLinearCosine() {
        let lin = LearningRateSchedule(peak: 1, warmupSteps: 10, totalSteps: 110, decay: .linear, finalFraction: 0.1)
        #expect(lin.rate(step: 0) == 0)
        #expect(abs(lin.rate(step: 5) - 0.5) < 1e-15)
        #expect(lin.rate(step: 10) == 1)
        #expect(abs(lin.rate(step: 60) - 0.55) < 1e-15)
        #expect(abs(lin.rate(step: 110) - 0.1) < 1e-15)
        #expect(abs(lin.rate(step: 500) - 0.1) < 1e-15)
        let cosine = LearningRateSchedule(peak: 2, warmupSteps: 0, totalSteps: 100, decay: .cosine, finalFraction: 0)
        #expect(abs(cosine.rate(step: 50) - 1) < 1e-12)
        #expect(abs(cosine.rate(step: 100)) < 1e-12)
        #expect(abs(cosine.rate(step: 25) - (1 + cos(Double.pi / 4))) < 1e-12)
        #expect(LearningRateSchedule(peak: 3).rate(step: 77) == 3)
    }
}
