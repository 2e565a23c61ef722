// Parsing of one transforms-style JSON file (Blender/NeRF `transforms_*.json`, instant-ngp and nerfstudio
// `transforms.json`) into posed frames. Shared by BlenderLoader and TransformsLoader.
//
// Per frame, every intrinsic key is looked up on the frame first, then at the top level:
//   w, h            image size; must equal the image file's header size when given (else the header size is used)
//   fl_x, fl_y      focal lengths in pixels; fl_x else 0.5·w / tan(0.5·camera_angle_x); fl_y else fl_x
//                   (camera_angle_y is ignored: instant-ngp writes it derived and rounded)
//   cx, cy          principal point in our pixel convention (no half-pixel shift); default w/2, h/2
//   camera_model    absent, PINHOLE, SIMPLE_PINHOLE (no distortion), OPENCV, SIMPLE_RADIAL, RADIAL (k1 k2 p1 p2 k3);
//                   anything else (OPENCV_FISHEYE, EQUIRECTANGULAR, …) or is_fisheye = true is refused
//   k1 k2 k3 p1 p2  OpenCV distortion (normalised coordinates); k4 must be 0
// file_path is relative to the JSON's folder; ".png" is appended only when it has no extension.
// mask_path (nerfstudio, optional) is relative to the JSON's folder and must exist.
// transform_matrix is camera-to-world (4 × 4 or 3 × 4 rows) with OpenGL camera axes (x right, y up, z back).

import Foundation

struct TransformsJSON {
    struct Frame {
        var name: String          // file path relative to the scene root, e.g. "train/r_0.png"
        var imageURL: URL
        var camera: Camera
        var distortion: Distortion?
        var maskURL: URL?
    }

    let url: URL
    let root: [String: Any]
    let rawFrames: [[String: Any]]

    init(_ url: URL) throws {
        try self.init(data: InputFile.read(url, expected: "a transforms JSON file"), url: url)
    }

    /// Parses the bytes of a transforms JSON file; `url` names it in errors and anchors relative paths.
    init(data: Data, url: URL) throws {
        self.url = url
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: data) } catch {
            let reason = error.localizedDescription.split(whereSeparator: \.isNewline).first.map(String.init) ?? "unknown"
            throw ViewSynthError(url, expected: "valid JSON", found: "a parse error (\(reason))")
        }
        guard let dict = obj as? [String: Any] else {
            throw ViewSynthError(url, expected: "a JSON object", found: "\(type(of: obj))")
        }
        guard let frames = dict["frames"] else {
            throw ViewSynthError(url, expected: "a \"frames\" array", found: "no \"frames\" key")
        }
        guard let list = frames as? [[String: Any]], !list.isEmpty else {
            throw ViewSynthError(url, expected: "a non-empty \"frames\" array of objects", found: "\(frames)".prefix(60) + "")
        }
        _ = try InputLimits.checkedInt(list.count, field: "the number of frames", file: url.path, range: 1...InputLimits.maxSceneViews)
        root = dict; rawFrames = list
    }

    /// Number from the frame `d` if it has `key`, else from the top level.
    func number(_ key: String, in d: [String: Any]? = nil) -> Double? {
        if let d, let v = d[key] as? NSNumber { return v.doubleValue }
        if let v = root[key] as? NSNumber { return v.doubleValue }
        return nil
    }
    func string(_ key: String, in d: [String: Any]) -> String? { (d[key] as? String) ?? (root[key] as? String) }

    /// Resolved image path of a raw frame (without touching the file system).
    func imageURL(_ frame: [String: Any], index: Int) throws -> URL {
        guard let p = frame["file_path"] as? String, !p.isEmpty else {
            throw ViewSynthError(url, expected: "a \"file_path\" string in frame \(index)", found: "none")
        }
        var path = p
        if (path as NSString).pathExtension.isEmpty { path += ".png" }
        let base = url.deletingLastPathComponent()
        return (path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)).standardizedFileURL
    }

    /// All frames, posed, with intrinsics checked against the image headers.
    /// `imageSize` reads an image's header size (the file system by default; fuzzing passes a constant).
    func frames(sceneRoot: URL, imageSize: (URL) throws -> (width: Int, height: Int) = SceneLoader.imageSize) throws -> [Frame] {
        var out: [Frame] = []
        out.reserveCapacity(rawFrames.count)
        let rootPath = sceneRoot.standardizedFileURL.path + "/"
        for (i, fr) in rawFrames.enumerated() {
            let img = try imageURL(fr, index: i)
            let what = "frame \(i) (\((fr["file_path"] as? String ?? "?").prefix(80)))"
            let size = try imageSize(img)
            // Size.
            var w = size.width, h = size.height
            if let jw = number("w", in: fr), let jh = number("h", in: fr) {
                let side = 1...InputLimits.maxImageSide
                w = try InputLimits.checkedInt(jw, field: "w of \(what)", file: url.path, range: side)
                h = try InputLimits.checkedInt(jh, field: "h of \(what)", file: url.path, range: side)
                guard size.width == w, size.height == h else {
                    throw ViewSynthError(img, expected: "a \(w)×\(h) image (w, h in \(url.lastPathComponent))",
                                         found: "\(size.width)×\(size.height)")
                }
            }
            // Camera model.
            let model = string("camera_model", in: fr)?.uppercased()
            if let fish = fr["is_fisheye"] as? Bool ?? root["is_fisheye"] as? Bool, fish {
                throw ViewSynthError(url, expected: "a pinhole or OPENCV camera", found: "is_fisheye: true (fisheye is not supported)")
            }
            let usesDistortion: Bool
            switch model {
            case nil, "OPENCV", "SIMPLE_RADIAL", "RADIAL": usesDistortion = true
            case "PINHOLE", "SIMPLE_PINHOLE": usesDistortion = false
            case let m?:
                throw ViewSynthError(url, expected: "camera_model PINHOLE, SIMPLE_PINHOLE, SIMPLE_RADIAL, RADIAL or OPENCV",
                                     found: "camera_model \(m) (not supported)")
            }
            // Focal length and principal point.
            let fx: Double
            if let v = number("fl_x", in: fr) { fx = v }
            else if let a = number("camera_angle_x", in: fr) {
                let angle = try InputLimits.checkedDouble(a, field: "camera_angle_x of \(what)", file: url.path, open: 0...Double.pi,
                                                          expected: "in (0, π) radians")
                fx = 0.5 * Double(w) / tan(0.5 * angle)
            }
            else { throw ViewSynthError(url, expected: "fl_x or camera_angle_x for \(what)", found: "neither") }
            let fy = number("fl_y", in: fr) ?? fx
            let cx = number("cx", in: fr) ?? Double(w) / 2, cy = number("cy", in: fr) ?? Double(h) / 2
            guard [fx, fy, cx, cy].allSatisfy({ $0.isFinite }), fx > 0, fy > 0 else {
                throw ViewSynthError(url, expected: "finite positive focal lengths for \(what)", found: [fx, fy, cx, cy].map(InputLimits.describe).joined(separator: ", "))
            }
            var dist: Distortion?
            if usesDistortion {
                if let k4 = number("k4", in: fr), k4 != 0 {
                    throw ViewSynthError(url, expected: "k4 = 0 (OPENCV model)", found: "k4 = \(k4)")
                }
                let d = Distortion(k1: number("k1", in: fr) ?? 0, k2: number("k2", in: fr) ?? 0,
                                   p1: number("p1", in: fr) ?? 0, p2: number("p2", in: fr) ?? 0, k3: number("k3", in: fr) ?? 0)
                guard [d.k1, d.k2, d.p1, d.p2, d.k3].allSatisfy({ $0.isFinite }) else {
                    throw ViewSynthError(url, expected: "finite distortion coefficients", found: "NaN or infinity")
                }
                dist = d.isZero ? nil : d
            }
            // Pose.
            guard let m = fr["transform_matrix"] as? [[Any]], m.count >= 3, m.prefix(3).allSatisfy({ $0.count == 4 }) else {
                throw ViewSynthError(url, expected: "a 4×4 \"transform_matrix\" in \(what)", found: "\(fr["transform_matrix"].map { "\($0)" } ?? "none")".prefix(80) + "")
            }
            var rows: [[Double]] = []
            for r in m.prefix(3) {
                var row: [Double] = []
                for e in r {
                    guard let n = e as? NSNumber else {
                        throw ViewSynthError(url, expected: "numbers in the transform_matrix of \(what)", found: "\(e)".prefix(40) + "")
                    }
                    row.append(n.doubleValue)
                }
                rows.append(row)
            }
            let r = Mat3(rows: rows.map { Array($0[0..<3]) })
            let rot = try CameraConventions.validatedRotation(r, path: url.path, what: what)
            let t = try CameraConventions.validatedTranslation(Vec3(rows[0][3], rows[1][3], rows[2][3]), path: url.path, what: what)
            let pose = CameraConventions.fromOpenGL(rotation: rot, translation: t)
            let k = Intrinsics(fx: fx, fy: fy, cx: cx, cy: cy, width: w, height: h)
            var name = img.path
            if name.hasPrefix(rootPath) { name = String(name.dropFirst(rootPath.count)) }
            var mask: URL?
            if let mp = fr["mask_path"] as? String {
                let m = url.deletingLastPathComponent().appendingPathComponent(mp).standardizedFileURL
                guard FileManager.default.fileExists(atPath: m.path) else {
                    throw ViewSynthError(m, expected: "the mask image of \(what)", found: "no such file")
                }
                mask = m
            }
            out.append(Frame(name: name, imageURL: img, camera: Camera(intrinsics: k, worldFromCamera: pose),
                             distortion: dist, maskURL: mask))
        }
        return out
    }

    /// Near/far from top-level "near"/"far" numbers (or "near_far": [n, f]) if present.
    var bounds: (near: Double, far: Double)? {
        if let n = number("near"), let f = number("far") { return (n, f) }
        if let nf = root["near_far"] as? [NSNumber], nf.count == 2 { return (nf[0].doubleValue, nf[1].doubleValue) }
        return nil
    }
}
