// Near/far depth bounds when the scene files do not give them, and the "do the cameras converge" test.
//
// Rules (depths are along each camera's +z axis, in world units; the scene is never rescaled):
//   * From points (COLMAP points3D): for every view, the depths of the points that lie in front of it and
//     project inside its image; take that view's 1st and 99th percentile. near = 0.9 · min over views of the
//     1st percentiles, far = 1.1 · max over views of the 99th percentiles. Views seeing fewer than 10 points
//     are skipped; if none remain the camera-spread rule is used. Large point sets are thinned to ~50 000.
//   * From camera spread, cameras that converge (see `convergence`): let p be the least-squares meeting point
//     of the optical axes, d_i the depth of p in camera i, and r = ½·min d_i (the content is assumed to fit in
//     a ball of radius r around p). near = min d_i − r, far = max d_i + r. For the NeRF-synthetic scenes
//     (cameras on a sphere of radius 4 around the object) this gives the customary near 2, far 6.
//   * From camera spread, cameras that do not converge (walk-throughs): with s the largest distance between
//     two camera centres (1 if all coincide), near = 0.05·s, far = 20·s. A guess for unbounded scenes.

import Foundation

public enum Bounds {
    /// Least-squares meeting point of the optical axes and how well the cameras look at it.
    public struct Convergence: Sendable, Equatable {
        public var point: Vec3
        /// Median angle (degrees) between a camera's axis and the direction from its centre to `point`.
        public var medianAngleDegrees: Double
        /// Fraction of cameras that have `point` in front of them.
        public var inFrontFraction: Double
        /// The cameras converge: `point` is in front of ≥ 90% of them and the median angle is under 20°.
        public var converges: Bool { inFrontFraction >= 0.9 && medianAngleDegrees < 20 }
    }

    /// nil when there are fewer than two cameras or all axes are parallel.
    public static func convergence(_ cameras: [Camera]) -> Convergence? {
        guard cameras.count >= 2 else { return nil }
        var a = Mat3(columns: .zero, .zero, .zero)
        var b = Vec3.zero
        for cam in cameras {
            let d = cam.forward, c = cam.center
            // P = I − d dᵀ (projector orthogonal to the axis)
            let p = Mat3(columns: Vec3(1, 0, 0) - d * d.x, Vec3(0, 1, 0) - d * d.y, Vec3(0, 0, 1) - d * d.z)
            a = Mat3(columns: a.c0 + p.c0, a.c1 + p.c1, a.c2 + p.c2)
            b += p * c
        }
        let det = a.determinant
        guard det.isFinite, abs(det) > 1e-9 * Double(cameras.count * cameras.count * cameras.count) else { return nil }
        let point = a.inverse * b
        var angles: [Double] = []
        var inFront = 0
        for cam in cameras {
            let v = point - cam.center
            let l = length(v)
            guard l > 0 else { angles.append(0); inFront += 1; continue }
            let cosA = max(-1, min(1, dot(v / l, cam.forward)))
            angles.append(acos(cosA) * 180 / .pi)
            if dot(v, cam.forward) > 0 { inFront += 1 }
        }
        angles.sort()
        return Convergence(point: point, medianAngleDegrees: angles[angles.count / 2],
                           inFrontFraction: Double(inFront) / Double(cameras.count))
    }

    /// Bounds from camera positions only (rules in the file header). Always returns near < far.
    public static func fromCameraSpread(_ cameras: [Camera]) -> (near: Double, far: Double) {
        if let conv = convergence(cameras), conv.converges {
            let depths = cameras.map { dot(conv.point - $0.center, $0.forward) }.filter { $0 > 0 }
            if let lo = depths.min(), let hi = depths.max() {
                let r = 0.5 * lo
                return (lo - r, hi + r)
            }
        }
        var s = 0.0
        for i in cameras.indices { for j in cameras.indices where j > i { s = max(s, length(cameras[i].center - cameras[j].center)) } }
        if s == 0 || !s.isFinite { s = 1 }
        return (0.05 * s, 20 * s)
    }

    /// Bounds from 3D points (rules in the file header); nil when no view sees ≥ 10 points.
    /// More than 50 000 points are thinned by a fixed stride first (deterministic).
    public static func fromPoints(_ points: [Vec3], cameras: [Camera]) -> (near: Double, far: Double)? {
        let stride = max(1, points.count / 50_000)
        let points = stride == 1 ? points : Swift.stride(from: 0, to: points.count, by: stride).map { points[$0] }
        var lo = Double.infinity, hi = 0.0
        var depths: [Double] = []
        depths.reserveCapacity(points.count)
        for cam in cameras {
            depths.removeAll(keepingCapacity: true)
            let cw = cam.cameraFromWorld
            let k = cam.intrinsics
            for p in points {
                let q = cw.apply(p)
                guard q.z > 0 else { continue }
                let u = k.fx * q.x / q.z + k.cx, v = k.fy * q.y / q.z + k.cy
                guard u >= 0, v >= 0, u <= Double(k.width), v <= Double(k.height) else { continue }
                depths.append(q.z)
            }
            guard depths.count >= 10 else { continue }
            depths.sort()
            lo = min(lo, percentile(depths, 0.01))
            hi = max(hi, percentile(depths, 0.99))
        }
        guard lo.isFinite, hi > lo else { return nil }
        return (0.9 * lo, 1.1 * hi)
    }

    /// Linear-interpolated percentile of sorted values, q in [0, 1].
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let x = q * Double(sorted.count - 1)
        let i = Int(x.rounded(.down)), f = x - Double(i)
        return i + 1 < sorted.count ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i]
    }
}
