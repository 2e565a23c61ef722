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
        guard arr.shape.count == 2, arr.shape[1] == 17, arr.shape[0] > 0 else {
            throw ViewSynthError(npyURL, expected: "an N×17 array (N ≥ 1)", found: "shape \(arr.shape)")
        }
        let n = arr.shape[0]
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

        let v = arr.values
        let (hwfH, hwfW, f) = (v[4], v[9], v[14])
        guard hwfH > 0, hwfW > 0, f > 0, hwfH.isFinite, hwfW.isFinite, f.isFinite else {
            throw ViewSynthError(npyURL, expected: "positive hwf (H, W, focal) in row 0", found: "\(hwfH), \(hwfW), \(f)")
        }
        let sx = Double(size.width) / hwfW, sy = Double(size.height) / hwfH
        guard abs(sx - sy) <= 0.01 * sx else {
            throw ViewSynthError(urls[0], expected: "an image with the aspect ratio of hwf \(Int(hwfW))×\(Int(hwfH)) (W×H)",
                                 found: "\(size.width)×\(size.height)")
        }
        let k = Intrinsics(fx: f * sx, fy: f * sx, cx: Double(size.width) / 2, cy: Double(size.height) / 2,
                           width: size.width, height: size.height)

        var views: [View] = []
        var near = Double.infinity, far = -Double.infinity
        for i in 0..<n {
            let row = Array(v[(i * 17)..<(i * 17 + 17)])
            let what = "row \(i) (\(names[i]))"
            let r = Mat3(rows: [[row[0], row[1], row[2]], [row[5], row[6], row[7]], [row[10], row[11], row[12]]])
            let rot = try CameraConventions.validatedRotation(r, path: npyURL.path, what: what)
            let t = try CameraConventions.validatedTranslation(Vec3(row[3], row[8], row[13]), path: npyURL.path, what: what)
            guard row[15].isFinite, row[16].isFinite, row[15] > 0, row[15] < row[16] else {
                throw ViewSynthError(npyURL, expected: "bounds 0 < near < far in \(what)", found: "near \(row[15]), far \(row[16])")
            }
            near = min(near, row[15]); far = max(far, row[16])
            let pose = CameraConventions.fromLLFF(rotation: rot, translation: t)
            views.append(View(name: names[i], imageURL: urls[i], camera: Camera(intrinsics: k, worldFromCamera: pose)))
        }

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
            guard SceneLoader.isDirectory(url), let files = try? SceneLoader.sortedImageFiles(url), !files.isEmpty else { continue }
            if best == nil || factor > best!.factor { best = (factor, e) }
        }
        guard let b = best else {
            throw ViewSynthError(dir, expected: "an images/ or images_N/ folder with images", found: "none")
        }
        return b.name
    }
}
