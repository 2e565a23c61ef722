// The sweep's colour blend at a chosen 3D point: unstructured-lumigraph weights over the reference views that
// see the point (in front of the camera, inside the image), times a robust term that down-weights colours
// far from the views' consensus (occluded views).
//
//   w_v = exp(−angle(target ray, reference ray) / angleScale) · exp(−|c_v − consensus|² / colorSigma²)
//
// where consensus is the unweighted mean of the visible colours. No view sees the point: mid grey.

import Foundation
import ViewSynthCore

extension PlaneSweep {
    func blend(point world: Vec3, target: Camera, context: ViewContext, scratch s: Scratch) -> SIMD3<Float> {
        let toTarget = normalize(target.center - world)
        var count = 0
        for v in context.refs.indices {
            let ref = context.refs[v]
            let pc = ref.camera.cameraFromWorld.apply(world)
            guard pc.z > 1e-6 else { continue }
            let ri = ref.camera.intrinsics
            let px = ri.fx * pc.x / pc.z + ri.cx, py = ri.fy * pc.y / pc.z + ri.cy
            guard px >= 0, py >= 0, px <= Double(ri.width), py <= Double(ri.height) else { continue }
            let angle = ReferenceViewSelector.angle(toTarget, ref.camera.center - world)
            let img = context.blendImages[v]
            let c = img.pixels.withUnsafeBufferPointer {
                sweepSample($0.baseAddress!, stride: img.stride, u: Float(px), v: Float(py))
            }
            s.blendColors[count] = SIMD3(c.0, c.1, c.2)
            s.blendWeights[count] = exp(-angle / config.angleScale) + 1e-8
            count += 1
        }
        guard count > 0 else { return SIMD3(repeating: 0.5) }
        var consensus = SIMD3<Float>.zero
        for i in 0..<count { consensus += s.blendColors[i] }
        consensus /= Float(count)
        let s2 = config.colorSigma * config.colorSigma
        var acc = SIMD3<Double>.zero, tot = 0.0
        for i in 0..<count {
            let c = s.blendColors[i]
            let e = c - consensus
            let w = s.blendWeights[i] * exp(-Double((e * e).sum()) / s2) + 1e-12
            acc += SIMD3<Double>(Double(c.x), Double(c.y), Double(c.z)) * w
            tot += w
        }
        let m = acc / tot
        return SIMD3<Float>(Float(m.x), Float(m.y), Float(m.z))
    }
}
