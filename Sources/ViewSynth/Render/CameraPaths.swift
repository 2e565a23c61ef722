// Target cameras to render: held-out views, an LLFF-style spiral, an orbit for object-centric captures,
// interpolation between training views, or a nerfstudio camera_path.json (NerfstudioCameraPath.swift).

import Foundation
import ViewSynthCore

/// One camera to render; `sceneView` is set when it re-renders a scene view (held-out evaluation).
public struct TargetView: Sendable {
    public var name: String
    public var camera: Camera
    public var sceneView: Int?
    public init(name: String, camera: Camera, sceneView: Int? = nil) { self.name = name; self.camera = camera; self.sceneView = sceneView }
}

public enum CameraPath {
    /// The scene's held-out views (ground truth exists for them).
    public static func testViews(_ scene: Scene) -> [TargetView] {
        scene.testIndices.map { TargetView(name: viewStem(scene.views[$0].name), camera: scene.views[$0].camera, sceneView: $0) }
    }

    /// Every view of the scene (training views are then rendered from the *other* training views).
    public static func allViews(_ scene: Scene) -> [TargetView] {
        scene.views.indices.map { TargetView(name: viewStem(scene.views[$0].name), camera: scene.views[$0].camera, sceneView: $0) }
    }

    /// `worldFromCamera` of a camera at `eye` looking at `target`, with image-up as close to `up` as possible.
    public static func lookAt(eye: Vec3, target: Vec3, up: Vec3) -> Rigid3 {
        let z = normalize(target - eye)
        var x = cross(z, up)
        if length(x) < 1e-9 { x = cross(z, abs(z.x) < 0.9 ? Vec3(1, 0, 0) : Vec3(0, 1, 0)) }
        x = normalize(x)
        let y = cross(z, x)
        return Rigid3(rotation: Mat3(columns: x, y, z), translation: eye)
    }

    /// Mean camera frame of the training views: centre, forward and up averaged.
    static func averageFrame(_ cams: [Camera]) -> (center: Vec3, forward: Vec3, up: Vec3) {
        let n = Double(cams.count)
        let c = cams.reduce(Vec3.zero) { $0 + $1.center } / n
        let f = normalize(cams.reduce(Vec3.zero) { $0 + $1.forward })
        let u = normalize(cams.reduce(Vec3.zero) { $0 + $1.up })
        return (c, f, u)
    }

    /// Whether cameras surround the content (object-centric) rather than face it from one side.
    public static func isObjectCentric(_ scene: Scene) -> Bool {
        let cams = scene.trainIndices.map { scene.views[$0].camera }
        guard cams.count > 1 else { return false }
        let f = cams.reduce(Vec3.zero) { $0 + $1.forward } / Double(cams.count)
        return length(f) < 0.7   // forward vectors spread over more than ~±45°
    }

    /// LLFF-style spiral for forward-facing captures: the mean camera moves on an ellipse sized by the
    /// 90th percentile of camera offsets, always looking at a focus point at a depth between near and far.
    public static func spiral(_ scene: Scene, frames: Int = 60, rotations: Double = 2) -> [TargetView] {
        let cams = scene.trainIndices.map { scene.views[$0].camera }
        let (c, f, u) = averageFrame(cams)
        let frame = lookAt(eye: c, target: c + f, up: u)
        let offsets = cams.map { frame.inverse.apply($0.center) }
        func p90(_ k: Int) -> Double {
            let v = offsets.map { abs($0[k]) }.sorted()
            return v.isEmpty ? 0 : v[min(v.count - 1, Int(0.9 * Double(v.count)))]
        }
        let radii = Vec3(p90(0), p90(1), p90(2))
        // Focus at the harmonic blend of near and far used by LLFF (weights 0.25 / 0.75 on 1/depth).
        let focus = 1 / (0.25 / (scene.near * 0.9) + 0.75 / (scene.far * 5))
        let target = frame.apply(Vec3(0, 0, focus))
        let intr = cams.first?.intrinsics ?? scene.views[0].camera.intrinsics
        return (0..<frames).map { i in
            let t = 2 * Double.pi * rotations * Double(i) / Double(frames)
            let eye = frame.apply(Vec3(radii.x * cos(t), radii.y * sin(t), radii.z * sin(0.5 * t)))
            let pose = lookAt(eye: eye, target: target, up: u)
            return TargetView(name: String(format: "spiral_%04d", i), camera: Camera(intrinsics: intr, worldFromCamera: pose))
        }
    }

    /// Orbit for object-centric captures: a circle around the point the cameras look at, at the cameras'
    /// mean distance and mean elevation.
    public static func orbit(_ scene: Scene, frames: Int = 60) -> [TargetView] {
        let cams = scene.trainIndices.map { scene.views[$0].camera }
        let (_, _, up) = averageFrame(cams)
        let centre = convergencePoint(cams)
        let rel = cams.map { $0.center - centre }
        let radius = rel.map(length).reduce(0, +) / Double(rel.count)
        let height = rel.map { dot($0, up) }.reduce(0, +) / Double(rel.count)
        let horiz = max(radius * radius - height * height, 1e-9).squareRoot()
        // An orthonormal basis of the plane orthogonal to up, starting at the first camera's azimuth.
        var a = rel[0] - up * dot(rel[0], up)
        if length(a) < 1e-9 { a = cross(up, abs(up.x) < 0.9 ? Vec3(1, 0, 0) : Vec3(0, 1, 0)) }
        a = normalize(a)
        let b = cross(up, a)
        let intr = cams[0].intrinsics
        return (0..<frames).map { i in
            let t = 2 * Double.pi * Double(i) / Double(frames)
            let eye = centre + up * height + (a * cos(t) + b * sin(t)) * horiz
            return TargetView(name: String(format: "orbit_%04d", i),
                              camera: Camera(intrinsics: intr, worldFromCamera: lookAt(eye: eye, target: centre, up: up)))
        }
    }

    /// Least-squares point closest to all optical axes.
    public static func convergencePoint(_ cams: [Camera]) -> Vec3 {
        var a = Mat3(columns: .zero, .zero, .zero)
        var b = Vec3.zero
        for cam in cams {
            let d = cam.forward
            // (I − d dᵀ)
            let m = Mat3(columns: Vec3(1, 0, 0) - d * d.x, Vec3(0, 1, 0) - d * d.y, Vec3(0, 0, 1) - d * d.z)
            a = Mat3(columns: a.c0 + m.c0, a.c1 + m.c1, a.c2 + m.c2)
            b += m * cam.center
        }
        guard abs(a.determinant) > 1e-9 else { return averageFrame(cams).center }
        return a.inverse * b
    }

    /// `frames` cameras interpolated along the training views in split order: positions linearly,
    /// rotations by quaternion slerp, intrinsics from the earlier view.
    public static func interpolate(_ scene: Scene, frames: Int = 60) -> [TargetView] {
        let cams = scene.trainIndices.map { scene.views[$0].camera }
        guard cams.count > 1 else { return cams.enumerated().map { TargetView(name: "interp_0000", camera: $0.element) } }
        return (0..<frames).map { i in
            let s = Double(i) / Double(max(frames - 1, 1)) * Double(cams.count - 1)
            let k = min(Int(s), cams.count - 2)
            let t = s - Double(k)
            let a = cams[k], b = cams[k + 1]
            let r = slerp(a.worldFromCamera.rotation, b.worldFromCamera.rotation, t)
            let p = a.center * (1 - t) + b.center * t
            return TargetView(name: String(format: "interp_%04d", i),
                              camera: Camera(intrinsics: a.intrinsics, worldFromCamera: Rigid3(rotation: r, translation: p)))
        }
    }

    static func slerp(_ a: Mat3, _ b: Mat3, _ t: Double) -> Mat3 {
        let qa = a.quaternion
        var qb = b.quaternion
        var d = qa.w * qb.w + qa.x * qb.x + qa.y * qb.y + qa.z * qb.z
        if d < 0 { qb = (-qb.w, -qb.x, -qb.y, -qb.z); d = -d }
        let (wa, wb): (Double, Double)
        if d > 0.9995 { (wa, wb) = (1 - t, t) } else {
            let th = acos(d)
            (wa, wb) = (sin((1 - t) * th) / sin(th), sin(t * th) / sin(th))
        }
        return Mat3(quaternion: (wa * qa.w + wb * qb.w, wa * qa.x + wb * qb.x, wa * qa.y + wb * qb.y, wa * qa.z + wb * qb.z))
    }

    /// File name stem of a view name ("images/000123.png" → "000123").
    public static func viewStem(_ name: String) -> String {
        let last = name.split(separator: "/").last.map(String.init) ?? name
        if let dot = last.lastIndex(of: "."), dot != last.startIndex { return String(last[..<dot]) }
        return last
    }
}
