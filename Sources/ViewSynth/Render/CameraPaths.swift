// Target cameras to render: held-out views, an LLFF-style spiral, an orbit for object-centric captures,
// interpolation between training views, or a nerfstudio camera_path.json.

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

    /// Cameras from a nerfstudio `camera_path.json`: `camera_path[i].camera_to_world` (16 numbers, row-major,
    /// OpenGL axes), `fov` (vertical, degrees, in (0, 180)), optional `aspect`; image size from
    /// `render_width/height` (each side 1…InputLimits.maxImageSide, the image within the pixel budget).
    public static func nerfstudio(_ url: URL) throws -> [TargetView] {
        try nerfstudio(data: InputFile.read(url, expected: "a camera_path.json file"), path: url.path)
    }

    /// Parses the bytes of a camera_path.json; `path` names it in errors. Every size is range-checked as a
    /// Double before it becomes an Int.
    public static func nerfstudio(data: Data, path file: String) throws -> [TargetView] {
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ViewSynthError(file, expected: "a JSON object", found: "invalid JSON")
        }
        guard let path = obj["camera_path"] as? [[String: Any]], !path.isEmpty else {
            throw ViewSynthError(file, expected: "a non-empty \"camera_path\" array", found: "none")
        }
        _ = try InputLimits.checkedInt(path.count, field: "the number of camera_path entries", file: file, range: 1...InputLimits.maxFrames)
        let side = 1...InputLimits.maxImageSide
        func size(_ key: String) throws -> Int? {
            guard let v = obj[key] else { return nil }
            guard let n = v as? NSNumber else { throw ViewSynthError(file, expected: "\(key) a number", found: "\(type(of: v))") }
            return try InputLimits.checkedInt(n.doubleValue, field: key, file: file, range: side)
        }
        let h = try size("render_height") ?? 480
        let defaultW = try size("render_width")
        return try path.enumerated().map { i, entry in
            var m: [Double] = []
            if let flat = entry["camera_to_world"] as? [NSNumber] { m = flat.map(\.doubleValue) }
            else if let rows = entry["camera_to_world"] as? [[NSNumber]] { m = rows.flatMap { $0.map(\.doubleValue) } }
            guard m.count == 16 || m.count == 12, m.allSatisfy(\.isFinite) else {
                throw ViewSynthError(file, expected: "camera_path[\(i)].camera_to_world with 16 finite numbers", found: "\(m.count) values")
            }
            let fov = try InputLimits.checkedDouble((entry["fov"] as? NSNumber)?.doubleValue ?? 50, field: "camera_path[\(i)].fov",
                                                    file: file, open: 0...180, expected: "in (0, 180) degrees")
            let w: Int
            if let defaultW { w = defaultW } else if let aspect = (entry["aspect"] as? NSNumber)?.doubleValue {
                let a = try InputLimits.checkedDouble(aspect, field: "camera_path[\(i)].aspect", file: file,
                                                      open: 0...Double(InputLimits.maxImageSide), expected: "a positive finite ratio")
                w = try InputLimits.checkedInt((Double(h) * a).rounded(), field: "camera_path[\(i)] width (render_height × aspect)",
                                               file: file, range: side)
            } else {
                w = max(1, h * 4 / 3)
            }
            try InputLimits.checkImageSize(width: w, height: h, file: file, what: "camera_path[\(i)] views")
            let r = Mat3(rows: [[m[0], m[1], m[2]], [m[4], m[5], m[6]], [m[8], m[9], m[10]]])
            guard r.rotationError < 1e-3 else {
                throw ViewSynthError(file, expected: "camera_path[\(i)] rotation part to be a rotation", found: "error \(r.rotationError)")
            }
            let worldFromCamera = Rigid3(rotation: r, translation: Vec3(m[3], m[7], m[11])).openGLCameraToOpenCV()
            let fy = 0.5 * Double(h) / tan(0.5 * fov * Double.pi / 180)
            let intr = Intrinsics(fx: fy, fy: fy, cx: Double(w) / 2, cy: Double(h) / 2, width: w, height: h)
            return TargetView(name: String(format: "path_%04d", i),
                              camera: Camera(intrinsics: intr, worldFromCamera: worldFromCamera))
        }
    }

    /// File name stem of a view name ("images/000123.png" → "000123").
    public static func viewStem(_ name: String) -> String {
        let last = name.split(separator: "/").last.map(String.init) ?? name
        if let dot = last.lastIndex(of: "."), dot != last.startIndex { return String(last[..<dot]) }
        return last
    }
}
