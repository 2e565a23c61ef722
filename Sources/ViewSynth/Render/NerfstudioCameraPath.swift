// Cameras from a nerfstudio camera_path.json (exported by its viewer, read by ns-render):
//   camera_type                "perspective" (the default); fisheye, equirectangular, omnidirectional, vr180… are refused
//   render_height, render_width image size (height default 480; width default from `aspect`, else 4:3)
//   camera_path[i].camera_to_world  16 numbers, row-major 4×4 (or 12, 3×4; or nested rows), OpenGL camera axes
//   camera_path[i].fov         vertical field of view in degrees, in (0, 180) (default 50)
//   camera_path[i].aspect      width / height, used when render_width is absent
// The poses are in nerfstudio's frame. When a dataparser_transforms.json is given (or sits beside the path
// file) its inverse maps them back to the scene's frame (DataparserTransform, below); without it the path
// must already be in the scene's frame (e.g. written by hand, or for a scene nerfstudio did not transform).
// Every value is range-checked before anything is allocated: one-line errors name the file, the field, what
// was expected and what was found.

import Foundation
import ViewSynthCore

extension CameraPath {
    /// Cameras from a nerfstudio `camera_path.json`, mapped to the scene's frame by `dataparserTransforms`, or by
    /// a dataparser_transforms.json beside the path file when none is given.
    public static func nerfstudio(_ url: URL, dataparserTransforms explicit: URL? = nil) throws -> [TargetView] {
        let data = try InputFile.read(url, expected: "a camera_path.json file")
        let transform = try DataparserTransform.file(forPath: url, explicit: explicit).map { try DataparserTransform.read($0) }
        return try nerfstudio(data: data, path: url.path, transform: transform)
    }

    /// Parses the bytes of a camera_path.json; `path` names it in errors. Every size is range-checked as a
    /// Double before it becomes an Int. `transform` (nerfstudio's dataparser transform) is inverted on each pose.
    public static func nerfstudio(data: Data, path file: String, transform: DataparserTransform? = nil) throws -> [TargetView] {
        let obj = try NerfstudioJSON.object(data, file: file)
        if let type = obj["camera_type"] {
            guard let name = type as? String, name.lowercased() == "perspective" else {
                throw ViewSynthError(file, expected: "camera_type \"perspective\" (ViewSynth renders pinhole cameras only)",
                                     found: NerfstudioJSON.kind(type))
            }
        }
        guard let raw = obj["camera_path"] else {
            throw ViewSynthError(file, expected: "a non-empty \"camera_path\" array", found: "none")
        }
        guard let path = raw as? [Any], !path.isEmpty else {
            throw ViewSynthError(file, expected: "a non-empty \"camera_path\" array", found: NerfstudioJSON.kind(raw))
        }
        _ = try InputLimits.checkedInt(path.count, field: "the number of camera_path entries", file: file, range: 1...InputLimits.maxFrames)
        let side = 1...InputLimits.maxImageSide
        func size(_ key: String) throws -> Int? {
            guard let v = obj[key] else { return nil }
            guard let n = v as? NSNumber, !(v is String) else {
                throw ViewSynthError(file, expected: "\(key) a number", found: NerfstudioJSON.kind(v))
            }
            return try InputLimits.checkedInt(n.doubleValue, field: key, file: file, range: side)
        }
        let h = try size("render_height") ?? 480
        let defaultW = try size("render_width")
        return try path.enumerated().map { i, item in
            guard let entry = item as? [String: Any] else {
                throw ViewSynthError(file, expected: "camera_path[\(i)] an object", found: NerfstudioJSON.kind(item))
            }
            func number(_ key: String) throws -> Double? {
                guard let v = entry[key] else { return nil }
                return try NerfstudioJSON.finite(v, field: "camera_path[\(i)].\(key)", file: file)
            }
            let m = try matrix(entry["camera_to_world"], field: "camera_path[\(i)].camera_to_world", file: file)
            let fov = try InputLimits.checkedDouble(try number("fov") ?? 50, field: "camera_path[\(i)].fov",
                                                    file: file, open: 0...180, expected: "in (0, 180) degrees")
            let w: Int
            if let defaultW { w = defaultW } else if let aspect = try number("aspect") {
                let a = try InputLimits.checkedDouble(aspect, field: "camera_path[\(i)].aspect", file: file,
                                                      open: 0...Double(InputLimits.maxImageSide), expected: "a positive finite ratio")
                w = try InputLimits.checkedInt((Double(h) * a).rounded(), field: "camera_path[\(i)] width (render_height × aspect)",
                                               file: file, range: side)
            } else {
                w = max(1, h * 4 / 3)
            }
            try InputLimits.checkImageSize(width: w, height: h, file: file, what: "camera_path[\(i)] views")
            let fy = 0.5 * Double(h) / tan(0.5 * fov * Double.pi / 180)
            guard fy.isFinite, fy > 0 else {
                throw ViewSynthError(file, expected: "camera_path[\(i)].fov giving a finite focal length", found: InputLimits.describe(fov))
            }
            let r = Mat3(rows: [[m[0], m[1], m[2]], [m[4], m[5], m[6]], [m[8], m[9], m[10]]])
            guard r.rotationError < 1e-3 else {
                throw ViewSynthError(file, expected: "camera_path[\(i)] rotation part to be a rotation", found: "error \(r.rotationError)")
            }
            var openGLPose = Rigid3(rotation: r, translation: Vec3(m[3], m[7], m[11]))
            if let transform {
                openGLPose = transform.toOriginal(openGLPose)
                let c = openGLPose.translation
                guard c.x.isFinite, c.y.isFinite, c.z.isFinite else {
                    throw ViewSynthError(file, expected: "camera_path[\(i)] mapped back by the dataparser transform to a finite position",
                                         found: "a non-finite position (translation / scale overflows)")
                }
            }
            let intr = Intrinsics(fx: fy, fy: fy, cx: Double(w) / 2, cy: Double(h) / 2, width: w, height: h)
            return TargetView(name: String(format: "path_%04d", i),
                              camera: Camera(intrinsics: intr, worldFromCamera: openGLPose.openGLCameraToOpenCV()))
        }
    }

    /// A camera_to_world matrix as 16 row-major values (a 3×4 gets the row 0 0 0 1): flat or nested rows.
    static func matrix(_ value: Any?, field: String, file: String) throws -> [Double] {
        let expected = "\(field) with 16 finite numbers (a row-major 4×4, or 12 for a 3×4)"
        guard let value else { throw ViewSynthError(file, expected: expected, found: "none") }
        guard let top = value as? [Any] else { throw ViewSynthError(file, expected: expected, found: NerfstudioJSON.kind(value)) }
        let cells: [Any] = top.allSatisfy({ $0 is [Any] }) ? top.flatMap { $0 as! [Any] } : top
        guard cells.count == 16 || cells.count == 12 else {
            throw ViewSynthError(file, expected: expected, found: "\(cells.count) values")
        }
        var m = try cells.enumerated().map { k, cell -> Double in
            guard let n = cell as? NSNumber, !(cell is String), n.doubleValue.isFinite else {
                throw ViewSynthError(file, expected: expected, found: "value \(k) \(NerfstudioJSON.kind(cell))")
            }
            return n.doubleValue
        }
        if m.count == 12 { m += [0, 0, 0, 1] }
        guard Array(m[12...]) == [0, 0, 0, 1] else {
            throw ViewSynthError(file, expected: "\(field) last row [0, 0, 0, 1]",
                                 found: "[" + m[12...].map { InputLimits.describe($0) }.joined(separator: ", ") + "]")
        }
        return m
    }
}

// MARK: - dataparser_transforms.json
// The similarity nerfstudio's data parser applied to the scene's poses before training (orientation, centring
// and scaling), so that camera paths drawn in its viewer (in the nerfstudio frame) map back to the scene's frame.
//
// The file holds `transform` (3×4, rows [A | b]) and `scale` s. nerfstudio maps an original world point p to
// p' = s · (A p + b), and a camera-to-world pose [R | t] to [A R | s · (A t + b)] (its data parser multiplies
// the 4×4 poses by [A | b; 0 0 0 1] on the left, then scales the translations). A camera path from its viewer
// is in the primed frame, so ViewSynth applies the inverse: R = A⁻¹ R', t = A⁻¹ (t' / s − b). The transform
// acts on the world side only, so it commutes with the camera-axis flip between OpenGL and OpenCV.
//
// Every value is range-checked: finite numbers, A a proper rotation (nerfstudio's orientation methods write
// one; an invertible non-rotation would turn cameras into non-rigid frames ViewSynth cannot render), and s a
// positive finite scale. Errors are one line naming the file, the field, what was expected and what was found.

public struct DataparserTransform: Sendable, Equatable {
    /// A: the rotation part of `transform`.
    public var rotation: Mat3
    /// b: the translation column of `transform` (in original world units, before scaling).
    public var translation: Vec3
    /// s: nerfstudio's scene scale.
    public var scale: Double

    /// The name nerfstudio gives the file (beside its config.yml in the output folder).
    public static let fileName = "dataparser_transforms.json"

    public init(rotation: Mat3, translation: Vec3, scale: Double) {
        self.rotation = rotation; self.translation = translation; self.scale = scale
    }

    /// A camera-to-world pose of the original world expressed in nerfstudio's frame (what its data parser does).
    public func toNerfstudio(_ pose: Rigid3) -> Rigid3 {
        Rigid3(rotation: rotation * pose.rotation, translation: (rotation * pose.translation + translation) * scale)
    }

    /// A camera-to-world pose of nerfstudio's frame (e.g. from its viewer's camera_path.json) mapped back to the
    /// original world frame: the inverse of `toNerfstudio`.
    public func toOriginal(_ pose: Rigid3) -> Rigid3 {
        let inverse = rotation.inverse
        return Rigid3(rotation: inverse * pose.rotation, translation: inverse * (pose.translation / scale - translation))
    }

    /// The transform to apply to the camera path `pathFile`: `explicit` when given, else a
    /// dataparser_transforms.json beside the path file if one exists, else nil.
    public static func file(forPath pathFile: URL, explicit: URL?) -> URL? {
        if let explicit { return explicit }
        let beside = pathFile.deletingLastPathComponent().appendingPathComponent(fileName)
        return FileManager.default.fileExists(atPath: beside.path) ? beside : nil
    }

    /// Reads and checks a dataparser_transforms.json.
    public static func read(_ url: URL) throws -> DataparserTransform {
        try parse(data: InputFile.read(url, expected: "a nerfstudio dataparser_transforms.json file"), path: url.path)
    }

    /// Parses the bytes of a dataparser_transforms.json; `path` names it in errors.
    public static func parse(data: Data, path file: String) throws -> DataparserTransform {
        let obj = try NerfstudioJSON.object(data, file: file)
        // transform: 3 rows of 4 numbers (a 4×4 with the row 0 0 0 1 is accepted too).
        let shape = "transform 3 rows of 4 numbers ([A | b], as nerfstudio writes it)"
        guard let value = obj["transform"] else { throw ViewSynthError(file, expected: shape, found: "no \"transform\"") }
        guard let rows = value as? [Any] else { throw ViewSynthError(file, expected: shape, found: NerfstudioJSON.kind(value)) }
        guard rows.count == 3 || rows.count == 4 else { throw ViewSynthError(file, expected: shape, found: "\(rows.count) rows") }
        var m: [[Double]] = []
        for (r, row) in rows.enumerated() {
            guard let cells = row as? [Any] else {
                throw ViewSynthError(file, expected: shape, found: "transform[\(r)] \(NerfstudioJSON.kind(row))")
            }
            guard cells.count == 4 else { throw ViewSynthError(file, expected: shape, found: "transform[\(r)] with \(cells.count) values") }
            m.append(try cells.enumerated().map { c, cell in
                try NerfstudioJSON.finite(cell, field: "transform[\(r)][\(c)]", file: file)
            })
        }
        if m.count == 4, m[3] != [0, 0, 0, 1] {
            throw ViewSynthError(file, expected: "transform's 4th row (when present) [0, 0, 0, 1]",
                                 found: "[" + m[3].map { InputLimits.describe($0) }.joined(separator: ", ") + "]")
        }
        let a = Mat3(rows: (0..<3).map { Array(m[$0].prefix(3)) })
        // Invertible relative to its size (a scaled rotation has |det| = norm³), then a proper rotation.
        let norm = (0..<3).map { r in (0..<3).map { abs(a[r, $0]) }.max()! }.max()!
        let det = a.determinant
        guard norm > 0, det.isFinite, abs(det) > 1e-9 * norm * norm * norm else {
            throw ViewSynthError(file, expected: "transform's 3×3 part invertible",
                                 found: "a singular matrix (determinant \(InputLimits.describe(det)))")
        }
        guard a.rotationError < 1e-6 else {
            throw ViewSynthError(file, expected: "transform's 3×3 part a rotation (orthonormal, determinant +1)",
                                 found: det < 0 ? "a reflection (determinant \(InputLimits.describe(det)))"
                                                : "rotation error \(InputLimits.describe(a.rotationError))")
        }
        guard let scaleValue = obj["scale"] else {
            throw ViewSynthError(file, expected: "scale a positive finite number", found: "no \"scale\"")
        }
        // 1e-12…1e12 leaves every pose finite and meaningful (the translations are divided by it).
        let scaleRange = "a positive finite number in 1e-12…1e12"
        let scale = try NerfstudioJSON.finite(scaleValue, field: "scale", file: file, expected: scaleRange)
        guard scale >= 1e-12, scale <= 1e12 else {
            throw ViewSynthError(file, expected: "scale \(scaleRange)", found: InputLimits.describe(scale))
        }
        return DataparserTransform(rotation: a, translation: Vec3(m[0][3], m[1][3], m[2][3]), scale: scale)
    }
}

/// JSON helpers for files written by nerfstudio (Python's json module, which writes NaN and Infinity as bare
/// words that are not JSON).
enum NerfstudioJSON {
    /// The top-level object of `data`; "invalid JSON" names the parser's complaint (and a bare NaN/Infinity).
    static func object(_ data: Data, file: String) throws -> [String: Any] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            let text = String(decoding: data.prefix(1 << 20), as: UTF8.self)
            if let r = text.range(of: #"[:\[,]\s*-?(NaN|Infinity)"#, options: .regularExpression) {
                let word = text[r].contains("NaN") ? "NaN" : "Infinity"
                throw ViewSynthError(file, expected: "JSON with finite numbers", found: "\(word) (a non-finite value, not valid JSON)")
            }
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw ViewSynthError(file, expected: "a JSON object", found: "invalid JSON" + (reason.map { " (\($0.prefix(120)))" } ?? ""))
        }
        guard let obj = parsed as? [String: Any] else {
            throw ViewSynthError(file, expected: "a JSON object", found: kind(parsed))
        }
        return obj
    }

    /// A finite number, or an error naming `field`.
    static func finite(_ value: Any, field: String, file: String, expected: String = "a finite number") throws -> Double {
        guard let n = value as? NSNumber, !(value is String) else {
            throw ViewSynthError(file, expected: "\(field) \(expected)", found: kind(value))
        }
        let x = n.doubleValue
        guard x.isFinite else {
            throw ViewSynthError(file, expected: "\(field) \(expected)", found: InputLimits.describe(x))
        }
        return x
    }

    /// "a string", "an array of 3" … for an error's `found`.
    static func kind(_ value: Any) -> String {
        switch value {
        case let s as String: return "the string \"\(s.prefix(40))\""
        case let a as [Any]: return "an array of \(a.count)"
        case is [String: Any]: return "an object"
        case let n as NSNumber: return "the number \(InputLimits.describe(n.doubleValue))"
        case is NSNull: return "null"
        default: return "\(type(of: value))"
        }
    }
}
