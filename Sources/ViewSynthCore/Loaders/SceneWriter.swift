// Writing a scene in any of the four file formats (for tests, for the synthetic-scene generator, and for users
// who want to hand a ViewSynth scene to other tools). Every file is written atomically.
//
// Layout per format (images always go to `images/<name>`):
//   LLFF       poses_bounds.npy (N × 17, hwf = stored H, W, focal) + images/. Needs one shared pinhole camera with
//              fx = fy and a centred principal point, no distortion, and names in sorted order (LLFF pairs poses
//              with sorted file names). Per-view bounds = the scene near/far (or camera spread when not given).
//   Blender    transforms_train.json (the non-test views) + transforms_test.json (the test views; omitted when
//              there are none). camera_angle_x alone when every view has the same W, fx = fy, a centred
//              principal point and no distortion; otherwise fl_x, fl_y, cx, cy, w, h (+ k1 k2 p1 p2 k3), shared at
//              the top level when all views agree, else per frame. PNG paths are written without extension.
//   instant-ngp transforms.json with all views in order; intrinsics as for Blender (always explicit);
//              camera_model OPENCV when a view has distortion; "train_filenames"/"test_filenames" (nerfstudio)
//              only when the test views are not every 8th view starting at 0.
//   COLMAP     sparse/0/{cameras,images,points3D}.txt (or .bin): one PINHOLE (or OPENCV, if distorted) camera per
//              distinct intrinsics; k3 ≠ 0 cannot be written (COLMAP's OPENCV has no k3). Views should be in
//              name order (COLMAP scenes are split by name).
// LLFF and COLMAP store no split: their loaders hold out every 8th view in name order.

import Foundation

/// A scene to write. Per-view arrays share one order.
public struct SceneExport: Sendable {
    public enum ImageSource: Sendable {
        /// Pixels to encode: PNG for names ending in .png, JPEG (quality 95) for .jpg/.jpeg.
        case images([Image])
        /// Existing files, copied byte for byte.
        case files([URL])
    }
    /// File names (with extension) under images/.
    public var names: [String]
    /// Pinhole cameras (OpenCV axes, worldFromCamera).
    public var cameras: [Camera]
    /// Per-view lens distortion of the written images, or empty for none (transforms, Blender and COLMAP only).
    public var distortions: [Distortion?]
    public var images: ImageSource
    public var near: Double?, far: Double?
    public var testIndices: [Int]
    /// Optional 3D points (COLMAP points3D; used by the loader for near/far).
    public var points: [Vec3]

    public init(names: [String], cameras: [Camera], images: ImageSource, distortions: [Distortion?] = [],
                near: Double? = nil, far: Double? = nil, testIndices: [Int] = [], points: [Vec3] = []) {
        self.names = names; self.cameras = cameras; self.images = images; self.distortions = distortions
        self.near = near; self.far = far; self.testIndices = testIndices; self.points = points
    }

    func distortion(_ i: Int) -> Distortion? {
        guard i < distortions.count, let d = distortions[i], !d.isZero else { return nil }
        return d
    }
}

public enum SceneWriter {
    /// Writes `scene` into `dir` (created if needed) in `format`. COLMAP is written as text unless `colmapBinary`.
    public static func write(_ scene: SceneExport, format: SceneFormat, to dir: URL, colmapBinary: Bool = false) throws {
        try validate(scene, dir: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        switch format {
        case .llff: try writeLLFF(scene, to: dir)
        case .blender: try writeBlender(scene, to: dir)
        case .transforms: try writeTransforms(scene, to: dir)
        case .colmap: try writeCOLMAP(scene, to: dir, binary: colmapBinary)
        case .synthetic:
            throw ViewSynthError(dir, expected: "an output format llff, blender, instant-ngp or colmap", found: "synthetic")
        }
        try writeImages(scene, to: dir.appendingPathComponent("images"))
    }

    static func validate(_ s: SceneExport, dir: URL) throws {
        let n = s.names.count
        let imageCount: Int
        switch s.images { case .images(let a): imageCount = a.count; case .files(let a): imageCount = a.count }
        guard s.cameras.count == n, imageCount == n, s.distortions.isEmpty || s.distortions.count == n else {
            throw ViewSynthError(dir, expected: "as many cameras, images (and distortions) as names (\(n))",
                                 found: "\(s.cameras.count) cameras, \(imageCount) images, \(s.distortions.count) distortions")
        }
        guard n > 0 else { throw ViewSynthError(dir, expected: "at least one view to write", found: "none") }
        guard Set(s.names).count == n, s.names.allSatisfy({ !$0.isEmpty && !$0.contains("/") && SceneLoader.isImageFile($0) }) else {
            throw ViewSynthError(dir, expected: "unique image file names (.png/.jpg) without folders", found: "\(s.names.prefix(4))…")
        }
        guard s.testIndices.allSatisfy({ (0..<n).contains($0) }) else {
            throw ViewSynthError(dir, expected: "test indices in 0..<\(n)", found: "\(s.testIndices)")
        }
        if let a = s.near, let b = s.far, !(a > 0 && a < b) {
            throw ViewSynthError(dir, expected: "0 < near < far", found: "near \(a), far \(b)")
        }
    }

    static func writeImages(_ s: SceneExport, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (i, name) in s.names.enumerated() {
            let dst = folder.appendingPathComponent(name)
            switch s.images {
            case .images(let imgs):
                let k = s.cameras[i].intrinsics
                guard imgs[i].width == k.width, imgs[i].height == k.height else {
                    throw ViewSynthError(dst, expected: "an image of the camera's size \(k.width)×\(k.height)", found: "\(imgs[i].width)×\(imgs[i].height)")
                }
                if (name as NSString).pathExtension.lowercased() == "png" { try ImageIO.writePNG(imgs[i], to: dst) }
                else { try ImageIO.writeJPEG(imgs[i], to: dst, quality: 95) }
            case .files(let urls):
                try AtomicFile.write(InputFile.read(urls[i], expected: "an image file to copy"), to: dst)
            }
        }
    }

    /// Near/far to write: the given ones, else the camera-spread rule.
    static func bounds(_ s: SceneExport) -> (near: Double, far: Double) {
        if let a = s.near, let b = s.far { return (a, b) }
        return Bounds.fromCameraSpread(s.cameras)
    }
}
