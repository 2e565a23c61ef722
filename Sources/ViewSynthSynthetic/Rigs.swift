// Camera rigs for the two layouts. Cameras depend on (seed, layout, views, size) only.
//
// Per scene (seed, layout) the rig draws a field of view (the layout's nominal FOV × 0.88…1.12) and a spread
// s (forward: 0.7…1.3, object: camera distance 3.9…4.6), so that a training set sees varied focal lengths and
// baselines. Then:
// forward: a jittered grid (round(√(4N/3)) columns, rows filled in order) of `views` cameras around (0, 0, 1.2)
//          spanning ≈ 0.8s × 0.5s units in the x–z plane, each looking at (0, 6, 1.1) plus a small jitter (optical
//          axes nearly but not exactly parallel).
// object:  a golden-angle spiral over elevations 15°…60°, radius s ± 0.15, looking at (0, 0, 0.35).
// Intrinsics: square pixels, centred principal point (cx, cy) = (W/2, H/2).

import ViewSynthCore

public enum SyntheticRig {
    /// Camera-to-world pose looking from `eye` at `target` with the world z axis up (OpenCV camera axes).
    public static func lookAt(eye: Vec3, target: Vec3, up: Vec3 = Vec3(0, 0, 1)) -> Rigid3 {
        let z = normalize(target - eye)
        let x = normalize(cross(z, up))
        let y = cross(z, x)
        return Rigid3(rotation: Mat3(columns: x, y, z), translation: eye)
    }

    /// Pinhole intrinsics with horizontal field of view `fovDegrees` at width × height.
    public static func intrinsics(fovDegrees: Double, width: Int, height: Int) -> Intrinsics {
        let f = Double(width) / 2 / tan(fovDegrees * Double.pi / 360)
        return Intrinsics(fx: f, fy: f, cx: Double(width) / 2, cy: Double(height) / 2, width: width, height: height)
    }

    /// The scene-level rig parameters (see the file header): horizontal FOV in degrees and spread.
    public static func parameters(seed: UInt64, layout: SyntheticLayout) -> (fovDegrees: Double, spread: Double) {
        var rng = SplitMix64(seed: latticeHash(layout == .forward ? 1 : 2, 0x7269_6770, 0, seed))
        let fov = layout.horizontalFOVDegrees * rng.uniform(0.88, 1.12)
        return (fov, layout == .forward ? rng.uniform(0.7, 1.3) : rng.uniform(3.9, 4.6))
    }

    /// The `views` cameras of a scene.
    public static func cameras(seed: UInt64, layout: SyntheticLayout, views: Int, width: Int, height: Int) -> [Camera] {
        var rng = SplitMix64(seed: latticeHash(layout == .forward ? 1 : 2, 0x7269_67, 0, seed))
        let (fov, spread) = parameters(seed: seed, layout: layout)
        let k = intrinsics(fovDegrees: fov, width: width, height: height)
        var cams: [Camera] = []
        switch layout {
        case .forward:
            let cols = max(1, Int((Double(views) * 4 / 3).squareRoot().rounded()))
            let rows = max(1, (views + cols - 1) / cols)
            let sx = cols > 1 ? 0.8 * spread / Double(cols - 1) : 0, sz = rows > 1 ? 0.5 * spread / Double(rows - 1) : 0
            for i in 0..<views {
                let c = i % cols, r = i / cols
                let eye = Vec3(-0.4 * spread + Double(c) * sx + rng.uniform(-0.25, 0.25) * sx,
                               rng.uniform(-0.05, 0.05),
                               1.2 + 0.25 * spread - Double(r) * sz + rng.uniform(-0.25, 0.25) * sz)
                let target = Vec3(rng.uniform(-0.15, 0.15), 6, 1.1 + rng.uniform(-0.1, 0.1))
                cams.append(Camera(intrinsics: k, worldFromCamera: lookAt(eye: eye, target: target)))
            }
        case .object:
            let golden = Double.pi * (3 - 5.0.squareRoot())
            let offset = rng.uniform(0, 2 * Double.pi)
            for i in 0..<views {
                let e = (15 + 45 * (Double(i) + 0.5) / Double(views)) * Double.pi / 180
                let a = offset + golden * Double(i) + rng.uniform(-0.05, 0.05)
                let radius = spread + rng.uniform(-0.15, 0.15)
                let eye = Vec3(radius * cos(e) * cos(a), radius * cos(e) * sin(a), radius * sin(e))
                cams.append(Camera(intrinsics: k, worldFromCamera: lookAt(eye: eye, target: Vec3(0, 0, 0.35))))
            }
        }
        return cams
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
