// COLMAP sparse reconstructions: a model folder (`sparse/0`, `sparse`, or the scene folder itself; .bin preferred
// over .txt when both exist) and images in `images/` (or `Options.imagesFolder`).
//
// Camera models: SIMPLE_PINHOLE (f cx cy), PINHOLE (fx fy cx cy), SIMPLE_RADIAL (f cx cy k), RADIAL (f cx cy k1 k2),
// OPENCV (fx fy cx cy k1 k2 p1 p2); any other model is refused by name. COLMAP's principal point uses our pixel
// convention (pixel centres at +0.5). If the images are a uniformly downsampled copy of what the model describes
// (same aspect ratio within 1%), the intrinsics are scaled to the stored size; any other size mismatch is an error.
// Poses: cameraFromWorld quaternion + translation, inverted to worldFromCamera.
// Views are sorted by image name; every `holdoutEvery`-th (index % n == 0) is a test view.
// Near/far from points3D (Bounds.fromPoints) when present, else camera spread.

import Foundation

enum COLMAPLoader {
    /// The first of `sparse/0`, `sparse`, `.` that holds cameras.bin or cameras.txt.
    static func modelFolder(in dir: URL) -> URL? {
        for sub in ["sparse/0", "sparse", ""] {
            let f = sub.isEmpty ? dir : dir.appendingPathComponent(sub)
            for n in ["cameras.bin", "cameras.txt"] where FileManager.default.fileExists(atPath: f.appendingPathComponent(n).path) {
                return f
            }
        }
        return nil
    }

    /// Intrinsics and distortion of a COLMAP camera; throws for unsupported models.
    static func intrinsics(_ c: COLMAPModel.Camera, file: URL) throws -> (Intrinsics, Distortion?) {
        let p = c.params
        let need = ["SIMPLE_PINHOLE": 3, "PINHOLE": 4, "SIMPLE_RADIAL": 4, "RADIAL": 5, "OPENCV": 8]
        guard let n = need[c.model] else {
            throw ViewSynthError(file, expected: "camera model SIMPLE_PINHOLE, PINHOLE, SIMPLE_RADIAL, RADIAL or OPENCV",
                                 found: "camera \(c.id) with model \(c.model) (not supported)")
        }
        guard p.count == n, p.allSatisfy({ $0.isFinite }) else {
            throw ViewSynthError(file, expected: "\(n) finite parameters for \(c.model) camera \(c.id)", found: "\(p)")
        }
        let fx: Double, fy: Double, cx: Double, cy: Double
        var d = Distortion()
        switch c.model {
        case "SIMPLE_PINHOLE": (fx, fy, cx, cy) = (p[0], p[0], p[1], p[2])
        case "PINHOLE": (fx, fy, cx, cy) = (p[0], p[1], p[2], p[3])
        case "SIMPLE_RADIAL": (fx, fy, cx, cy) = (p[0], p[0], p[1], p[2]); d.k1 = p[3]
        case "RADIAL": (fx, fy, cx, cy) = (p[0], p[0], p[1], p[2]); d.k1 = p[3]; d.k2 = p[4]
        default: (fx, fy, cx, cy) = (p[0], p[1], p[2], p[3]); d = Distortion(k1: p[4], k2: p[5], p1: p[6], p2: p[7])
        }
        guard fx > 0, fy > 0, c.width > 0, c.height > 0 else {
            throw ViewSynthError(file, expected: "positive focal lengths and size for camera \(c.id)", found: "\(p), \(c.width)×\(c.height)")
        }
        return (Intrinsics(fx: fx, fy: fy, cx: cx, cy: cy, width: c.width, height: c.height), d.isZero ? nil : d)
    }

    static func load(_ dir: URL, options: SceneLoader.Options) throws -> Scene {
        guard let folder = modelFolder(in: dir) else {
            throw ViewSynthError(dir, expected: "a COLMAP model (sparse/0, sparse or the folder itself with cameras.bin|txt)", found: "none")
        }
        let model = try COLMAPModel.read(folder)
        let binary = FileManager.default.fileExists(atPath: folder.appendingPathComponent("cameras.bin").path)
        let camFile = folder.appendingPathComponent(binary ? "cameras.bin" : "cameras.txt")
        let imgFile = folder.appendingPathComponent(binary ? "images.bin" : "images.txt")
        guard !model.images.isEmpty else { throw ViewSynthError(imgFile, expected: "at least one image", found: "none") }
        let imagesDir = dir.appendingPathComponent(options.imagesFolder ?? "images")
        guard SceneLoader.isDirectory(imagesDir) else {
            throw ViewSynthError(imagesDir, expected: "the images folder of the COLMAP model", found: "no such folder")
        }

        var views: [View] = []
        for im in model.images.sorted(by: { SceneLoader.nameOrder($0.name, $1.name) }) {
            guard let cam = model.cameras[im.cameraID] else {
                throw ViewSynthError(imgFile, expected: "camera \(im.cameraID) of image \(im.name) in \(camFile.lastPathComponent)", found: "no such camera")
            }
            var (k, dist) = try intrinsics(cam, file: camFile)
            let url = imagesDir.appendingPathComponent(im.name)
            let size = try SceneLoader.imageSize(url)
            if size.width != k.width || size.height != k.height {
                let sx = Double(size.width) / Double(k.width), sy = Double(size.height) / Double(k.height)
                guard abs(sx - sy) <= 0.01 * sx else {
                    throw ViewSynthError(url, expected: "a \(k.width)×\(k.height) image (camera \(cam.id)) or a uniformly scaled copy",
                                         found: "\(size.width)×\(size.height)")
                }
                k = k.resized(width: size.width, height: size.height)
            }
            let what = "image \(im.name)"
            let q = [im.qw, im.qx, im.qy, im.qz]
            guard q.allSatisfy({ $0.isFinite }), q.map({ $0 * $0 }).reduce(0, +) > 1e-12 else {
                throw ViewSynthError(imgFile, expected: "a finite non-zero quaternion for \(what)", found: "\(q)")
            }
            _ = try CameraConventions.validatedTranslation(im.t, path: imgFile.path, what: what)
            let pose = CameraConventions.fromCOLMAP(qw: im.qw, qx: im.qx, qy: im.qy, qz: im.qz, t: im.t)
            views.append(View(name: im.name, imageURL: url, camera: Camera(intrinsics: k, worldFromCamera: pose), distortion: dist))
        }
        let split = SceneLoader.holdout(count: views.count, every: options.holdoutEvery)
        let cams = views.map(\.camera)
        let (near, far, source): (Double, Double, BoundsSource)
        if let b = Bounds.fromPoints(model.points, cameras: cams) { (near, far, source) = (b.near, b.far, .points) }
        else { let b = Bounds.fromCameraSpread(cams); (near, far, source) = (b.near, b.far, .cameraSpread) }
        return Scene(name: dir.lastPathComponent, root: dir, format: .colmap, views: views, near: near, far: far,
                     boundsSource: source, trainIndices: split.train, testIndices: split.test, background: options.background)
    }
}
