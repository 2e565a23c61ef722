// The sweep-initialised attention priors of the transformer models (config.guidance.sweepInit): the offsets
// added to the learned pooling scores, and their gradients with respect to the guidance scalars.
//
// Shape legend: B rays, N reference views, P depth samples, S = 4 summary values of the ray's cost curve.
//
//   epiOffset[b, n, p] = α_b · epiPrior[b, n, p]        (epiPrior = −cost at the sample)
//   α_b = exp(log α + u · s_b)                          (u = 0 without adaptiveSharpness; s_b = the summary
//                                                        as the query encoding holds it, i.e. scaled)
//   viewOffset[b, n]   = s₀ · angle prior + s₁ · colour prior + visibility
//
// The exponent is clamped to ±30 (its gradient is then 0), so a hostile summary cannot overflow α.

import Foundation
import ViewSynthEngine

extension EpipolarModel {
    /// log α_b of ray b (before the clamp), from the parameters and the summary columns of the query encoding.
    @inline(__always)
    func logSharpness(ray b: Int, _ ws: EpipolarWorkspace<T>, _ p: ParameterStore<T>) -> T {
        var la = p.value(guideLogAlpha!)[0]
        if let u = guideAlphaFromSummary {
            let Q = columns.queryWidth, S = GuidanceSettings.summaryWidth
            let s = ws.qEnc.constPointer + b * Q + Q - S, w = p.value(u).constPointer
            for j in 0..<S { la += w[j] * s[j] }
        }
        return la
    }

    static var sharpnessClamp: T { 30 }

    /// Forward: epiOffset and viewOffset from the priors the geometry wrote.
    func writePriorOffsets(_ ws: EpipolarWorkspace<T>, _ p: ParameterStore<T>) {
        let N = config.views, P = config.samples
        let sv = p.value(guideViewScales!).constPointer
        let c = Self.sharpnessClamp
        for b in 0..<ws.B {
            let alpha = T.elementaryExp(max(-c, min(c, logSharpness(ray: b, ws, p))))
            let o = b * N * P
            for i in o..<(o + N * P) { ws.epiOffset[i] = alpha * ws.epiPrior[i] }
        }
        for i in 0..<(ws.B * N) {
            let v = ws.viewPrior.constPointer + 3 * i
            ws.viewOffset[i] = sv[0] * v[0] + sv[1] * v[1] + v[2]
        }
    }

    /// Backward of the epipolar offset: with ds = ∂loss/∂score (the pooling's scratch),
    /// ∂ log α_b = Σ_{n,p} ds · epiOffset (the offset is α_b · prior); ∂ log α = Σ_b ∂ log α_b and
    /// ∂u = Σ_b ∂ log α_b · s_b (0 where the clamp is active).
    func priorSharpnessBackward(_ ws: EpipolarWorkspace<T>, _ p: ParameterStore<T>) {
        let N = config.views, P = config.samples
        let ds = ws.poolScratch.constPointer
        let c = Self.sharpnessClamp
        let Q = columns.queryWidth, S = GuidanceSettings.summaryWidth
        var dLogAlpha: T = 0
        let du = guideAlphaFromSummary.map { p.grad($0).pointer }
        for b in 0..<ws.B {
            let la = logSharpness(ray: b, ws, p)
            guard la > -c && la < c else { continue }
            var d: T = 0
            let o = b * N * P
            for i in o..<(o + N * P) { d += ds[i] * ws.epiOffset[i] }
            dLogAlpha += d
            if let du {
                let s = ws.qEnc.constPointer + b * Q + Q - S
                for j in 0..<S { du[j] += d * s[j] }
            }
        }
        p.grad(guideLogAlpha!).pointer[0] += dLogAlpha
    }
}
