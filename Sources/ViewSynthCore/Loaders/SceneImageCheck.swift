// Decoding a scene's images up front. Loading a scene reads only image headers (sizes), so a truncated or
// corrupt file would otherwise show only when its pixels are first needed: for a ground-truth image in `eval`,
// after every view was rendered. `viewsynth info --check` decodes every image (and mask) of a scene with this,
// and `eval` decodes its ground-truth images with it before rendering anything.
//
// The check is the decode `Scene.loadImage` / `loadMask` do (ImageIO: PNG or JPEG by magic bytes, libpng and
// libjpeg errors or warnings are failures) plus the same size check against the view's intrinsics; the pixels
// are dropped at once (one image in memory at a time). No undistortion: it cannot fail.

import Foundation

extension Scene {
    /// Decodes the image (and the mask, if any) of view `index` and checks their sizes against its intrinsics:
    /// the failures `loadImage(index)` and `loadMask(index)` would report, without keeping the pixels.
    /// - Throws: `ViewSynthError` naming the file (truncated or corrupt data, not an image, wrong size, missing).
    public func checkImage(_ index: Int) throws {
        precondition(views.indices.contains(index), "view index \(index) out of 0..<\(views.count)")
        let v = views[index]
        let k = v.camera.intrinsics
        for (url, what) in [(v.imageURL, "image"), (v.maskURL, "mask")] {
            guard let url else { continue }
            let raw = try ImageIO.read(url)
            guard raw.width == k.width, raw.height == k.height else {
                throw ViewSynthError(url, expected: "a \(k.width)×\(k.height) \(what) (scene intrinsics)", found: "\(raw.width)×\(raw.height)")
            }
        }
    }

    /// Decodes the images of views `indices` (default: every view) in order and throws the first failure.
    /// `progress(done, total)` is called after each view. Returns the number of files decoded (images + masks).
    @discardableResult
    public func checkImages(_ indices: [Int]? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> Int {
        let list = indices ?? Array(views.indices)
        var files = 0
        for (n, i) in list.enumerated() {
            try checkImage(i)
            files += views[i].maskURL == nil ? 1 : 2
            progress?(n + 1, list.count)
        }
        return files
    }
}
