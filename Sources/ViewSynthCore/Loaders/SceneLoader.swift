// Entry point for reading a scene folder in any supported format into the one `Scene` description.
//
// Every loader:
//   * converts poses to our convention in CameraConventions (OpenCV axes, worldFromCamera);
//   * checks every image file exists and its header size agrees with the intrinsics (header read only;
//     pixels load lazily through `Scene.loadImage`);
//   * validates rotations (finite, |R·Rᵀ − I| ≤ 1e-3, det +1; small errors are re-orthonormalised);
//   * keeps world units (the scene is never rescaled or recentred);
//   * fills near/far from the files when they say, else from COLMAP points, else from camera spread (Bounds.swift).
//
// View.name: the image path relative to the scene root for the JSON formats ("train/r_0.png"), the file name
// for LLFF, COLMAP's image name for COLMAP.
//
// Hold-out (test) views: LLFF and COLMAP: every `holdoutEvery`-th image in sorted name order starting at 0;
// Blender: transforms_test.json; instant-ngp/nerfstudio: a named split if any, else every `holdoutEvery`-th frame.

import Foundation

public enum SceneLoader {
    public struct Options: Sendable {
        /// Force a format instead of detecting it from the folder contents.
        public var format: SceneFormat?
        /// LLFF / COLMAP image folder name relative to the scene root (`images`, `images_4`, …).
        /// LLFF default: the only `images*` folder holding images; if several, the most downsampled one
        /// (largest N in `images_N`; plain `images` counts as N = 1), since every consumer here is CPU bound.
        /// COLMAP default: `images`.
        public var imagesFolder: String?
        /// RGB composited under transparent pixels (white by default; `SIMD3(0, 0, 0)` for black).
        public var background: SIMD3<Float>
        /// Every n-th view (index % n == 0) is a test view when the files name no split. 0 = no test views.
        public var holdoutEvery: Int

        public init(format: SceneFormat? = nil, imagesFolder: String? = nil,
                    background: SIMD3<Float> = SIMD3(1, 1, 1), holdoutEvery: Int = 8) {
            self.format = format; self.imagesFolder = imagesFolder
            self.background = background; self.holdoutEvery = holdoutEvery
        }
        public static let black = SIMD3<Float>(0, 0, 0)
        public static let white = SIMD3<Float>(1, 1, 1)
    }

    public static func load(_ dir: URL, options: Options = .init()) throws -> Scene {
        let dir = dir.standardizedFileURL
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ViewSynthError(dir, expected: "a scene folder", found: "no such folder")
        }
        let format = try options.format ?? detectFormat(dir)
        var scene: Scene
        switch format {
        case .llff: scene = try LLFFLoader.load(dir, options: options)
        case .blender: scene = try BlenderLoader.load(dir, options: options)
        case .transforms: scene = try TransformsLoader.load(dir, options: options)
        case .colmap: scene = try COLMAPLoader.load(dir, options: options)
        case .synthetic:
            throw ViewSynthError(dir, expected: "a scene folder in LLFF, Blender, instant-ngp or COLMAP format",
                                 found: "format 'synthetic' (synthetic scenes are generated, not loaded)")
        }
        scene.background = options.background
        guard scene.near.isFinite, scene.far.isFinite, scene.near > 0, scene.near < scene.far else {
            throw ViewSynthError(boundsFile(scene), expected: "0 < near < far (\(scene.boundsSource.rawValue))",
                                 found: "near \(InputLimits.describe(scene.near)), far \(InputLimits.describe(scene.far))")
        }
        return scene
    }

    // MARK: shared helpers

    /// The file the scene's near/far came from (the folder when they came from the camera spread).
    static func boundsFile(_ scene: Scene) -> URL {
        switch (scene.boundsSource, scene.format) {
        case (.file, .llff): return scene.root.appendingPathComponent("poses_bounds.npy")
        case (.file, .blender): return scene.root.appendingPathComponent("transforms_train.json")
        case (.file, .transforms): return scene.root.appendingPathComponent("transforms.json")
        case (.points, _):
            let folder = COLMAPLoader.modelFolder(in: scene.root) ?? scene.root
            let binary = FileManager.default.fileExists(atPath: folder.appendingPathComponent("points3D.bin").path)
            return folder.appendingPathComponent(binary ? "points3D.bin" : "points3D.txt")
        default: return scene.root
        }
    }

    /// (train, test) indices for `count` views with every `every`-th view (i % every == 0) held out.
    static func holdout(count: Int, every: Int) -> (train: [Int], test: [Int]) {
        guard every > 0 else { return (Array(0..<count), []) }
        return ((0..<count).filter { $0 % every != 0 }, (0..<count).filter { $0 % every == 0 })
    }

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    static func isImageFile(_ name: String) -> Bool {
        !name.hasPrefix(".") && imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// Byte-wise (code point) order, as Python's `sorted` on file names.
    static func nameOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// Names of the image files (.png, .jpg, .jpeg, any case; not hidden) directly in `dir`, in byte-wise name
    /// order, as every loader lists an images folder. Throws naming `dir` when it is missing or a name is not UTF-8.
    public static func imageFiles(in dir: URL) throws -> [String] { try sortedImageFiles(dir) }

    /// Image files directly in `dir`, sorted by name.
    static func sortedImageFiles(_ dir: URL) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
            throw ViewSynthError(dir, expected: "a folder of images", found: "no such folder")
        }
        let images = names.filter(isImageFile)
        if let bad = images.first(where: { $0.contains("\u{FFFD}") }) {
            throw ViewSynthError(dir, expected: "image file names in UTF-8", found: "\(bad.prefix(80)), a name that is not valid UTF-8")
        }
        return images.sorted(by: nameOrder)
    }

    static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Header size of an image that must exist.
    static func imageSize(_ url: URL) throws -> (width: Int, height: Int) {
        try ImageIO.readSize(url)   // says "no such file", "a folder", "a FIFO", "a symbolic link loop", …
    }

    /// Throws unless the image at `url` is exactly `width × height`; `source` says where the size came from.
    static func checkImageSize(_ url: URL, width: Int, height: Int, source: String) throws {
        let s = try imageSize(url)
        guard s.width == width, s.height == height else {
            throw ViewSynthError(url, expected: "a \(width)×\(height) image (\(source))", found: "\(s.width)×\(s.height)")
        }
    }
}
