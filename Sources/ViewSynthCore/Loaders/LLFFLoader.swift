// LLFF scenes: poses_bounds.npy (N × 17) + an images folder (+ optional masks folder).
//
// Row i of poses_bounds.npy belongs to image i in sorted-name order and holds a row-major 3 × 5 matrix
// [R | t | hwf] (camera-to-world, rotation columns [down, right, backwards]; hwf = original H, W, focal) followed
// by the near and far depth of that view. The stored images may be downsampled: the focal length is multiplied
// by actual width / hwf width (fx = fy; principal point at the image centre). Scene near = min of the near
// column, far = max of the far column, in world units. Masks: `masks_N` beside `images_N` (or `masks` beside
// `images`), paired with images by sorted order (their names may differ).

import Foundation

enum LLFFLoader {
    static func load(_ dir: URL, options: SceneLoader.Options) throws -> Scene {
        let npyURL = dir.appendingPathComponent("poses_bounds.npy")
        let arr = try NPY.read(npyURL)
        let n = try poseCount(arr, path: npyURL.path)
        let folder = try imagesFolder(dir, requested: options.imagesFolder)
        let imagesDir = dir.appendingPathComponent(folder)
        let names = try SceneLoader.sortedImageFiles(imagesDir)
        guard names.count == n else {
            throw ViewSynthError(imagesDir, expected: "\(n) images (one per row of poses_bounds.npy)", found: "\(names.count)")
        }

        // Image size: all images must share the first one's size.
        let urls = names.map { imagesDir.appendingPathComponent($0) }
        let size = try SceneLoader.imageSize(urls[0])
        for u in urls.dropFirst() {
            try SceneLoader.checkImageSize(u, width: size.width, height: size.height, source: "the size of \(names[0])")
        }

        let posed = try poses(arr, names: names, urls: urls, imageSize: size, path: npyURL.path)
        var views = posed.views
        let (near, far) = (posed.near, posed.far)

        // Masks paired by sorted order.
        let maskFolder = folder == "images" ? "masks" : folder.replacingOccurrences(of: "images", with: "masks")
        let masksDir = dir.appendingPathComponent(maskFolder)
        if maskFolder != folder, SceneLoader.isDirectory(masksDir) {
            let masks = try SceneLoader.sortedImageFiles(masksDir)
            guard masks.count == n else {
                throw ViewSynthError(masksDir, expected: "\(n) masks (one per image in \(folder))", found: "\(masks.count)")
            }
            for i in 0..<n { views[i].maskURL = masksDir.appendingPathComponent(masks[i]) }
        }

        let split = SceneLoader.holdout(count: n, every: options.holdoutEvery)
        return Scene(name: dir.lastPathComponent, root: dir, format: .llff, views: views, near: near, far: far,
                     boundsSource: .file, trainIndices: split.train, testIndices: split.test,
                     background: options.background)
    }

    /// N of an N×17 poses_bounds array, 1 ≤ N ≤ InputLimits.maxSceneViews.
    static func poseCount(_ arr: NPYArray, path: String) throws -> Int {
        guard arr.shape.count == 2, arr.shape[1] == 17, arr.shape[0] > 0 else {
            throw ViewSynthError(path, expected: "an N×17 array (N ≥ 1)", found: "shape \(arr.shape)")
        }
        return try InputLimits.checkedInt(arr.shape[0], field: "N (rows, one per view)", file: path,
                                          range: 1...InputLimits.maxSceneViews)
    }

    /// Views and scene bounds from the rows of poses_bounds.npy (`arr`, N×17 with N = names.count) for images
    /// of `imageSize`. Every check names `path` (the .npy file): hwf sizes are range-checked as image sides
    /// before any conversion.
    static func poses(_ arr: NPYArray, names: [String], urls: [URL], imageSize size: (width: Int, height: Int),
                      path: String) throws -> (views: [View], near: Double, far: Double) {
        let n = try poseCount(arr, path: path)
        precondition(names.count == n && urls.count == n, "one name and URL per row")
        let v = arr.values
        let (hwfH, hwfW, f) = (v[4], v[9], v[14])
        let side = 1...InputLimits.maxImageSide
        let h0 = try InputLimits.checkedDouble(hwfH, field: "hwf height (row 0)", file: path, open: 0...Double(side.upperBound + 1),
                                               expected: "in (0, \(side.upperBound)]")
        let w0 = try InputLimits.checkedDouble(hwfW, field: "hwf width (row 0)", file: path, open: 0...Double(side.upperBound + 1),
                                               expected: "in (0, \(side.upperBound)]")
        let focal = try InputLimits.checkedDouble(f, field: "hwf focal (row 0)", file: path, open: 0...1e9, expected: "in (0, 1e9)")
        let sx = Double(size.width) / w0, sy = Double(size.height) / h0
        guard abs(sx - sy) <= 0.01 * sx else {
            throw ViewSynthError(path, expected: "hwf (row 0) with the aspect ratio of the \(size.width)×\(size.height) images (\(names[0]))",
                                 found: "hwf W×H \(InputLimits.describe(w0))×\(InputLimits.describe(h0))")
        }
        let k = Intrinsics(fx: focal * sx, fy: focal * sx, cx: Double(size.width) / 2, cy: Double(size.height) / 2,
                           width: size.width, height: size.height)
        var views: [View] = []
        var near = Double.infinity, far = -Double.infinity
        for i in 0..<n {
            let row = Array(v[(i * 17)..<(i * 17 + 17)])
            let what = "row \(i) (\(names[i]))"
            let r = Mat3(rows: [[row[0], row[1], row[2]], [row[5], row[6], row[7]], [row[10], row[11], row[12]]])
            let rot = try CameraConventions.validatedRotation(r, path: path, what: what)
            let t = try CameraConventions.validatedTranslation(Vec3(row[3], row[8], row[13]), path: path, what: what)
            guard row[15].isFinite, row[16].isFinite, row[15] > 0, row[15] < row[16] else {
                throw ViewSynthError(path, expected: "bounds 0 < near < far in \(what)",
                                     found: "near \(InputLimits.describe(row[15])), far \(InputLimits.describe(row[16]))")
            }
            near = min(near, row[15]); far = max(far, row[16])
            let pose = CameraConventions.fromLLFF(rotation: rot, translation: t)
            views.append(View(name: names[i], imageURL: urls[i], camera: Camera(intrinsics: k, worldFromCamera: pose)))
        }
        return (views, near, far)
    }

    /// The images folder to use (see `SceneLoader.Options.imagesFolder`).
    static func imagesFolder(_ dir: URL, requested: String?) throws -> String {
        if let r = requested {
            guard SceneLoader.isDirectory(dir.appendingPathComponent(r)) else {
                throw ViewSynthError(dir.appendingPathComponent(r), expected: "the requested images folder", found: "no such folder")
            }
            return r
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        var best: (factor: Int, name: String)?
        for e in entries {
            let factor: Int
            if e == "images" { factor = 1 }
            else if e.hasPrefix("images_"), let n = Int(e.dropFirst(7)), n > 0 { factor = n }
            else { continue }
            let url = dir.appendingPathComponent(e)
            guard SceneLoader.isDirectory(url) else { continue }
            // Unreadable names (not UTF-8) are an error naming the folder, not "no images folder".
            guard !(try SceneLoader.sortedImageFiles(url)).isEmpty else { continue }
            if best == nil || factor > best!.factor { best = (factor, e) }
        }
        guard let b = best else {
            throw ViewSynthError(dir, expected: "an images/ or images_N/ folder with images", found: "none")
        }
        return b.name
    }
}
