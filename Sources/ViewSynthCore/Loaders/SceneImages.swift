// Lazy pixel access for a loaded scene: a Scene holds only paths and cameras; pixels are decoded on demand.

import Foundation

extension Scene {
    /// RGB image of view `index` (H × W × 3, floats in [0, 1]) as the pinhole camera `views[index].camera` sees it:
    /// gray is replicated, alpha is composited over `background`, and lens distortion (if any) is removed by
    /// remapping into the same K (Undistortion.remap). Throws if the file is unreadable or its size disagrees
    /// with the intrinsics.
    public func loadImage(_ index: Int) throws -> Image {
        precondition(views.indices.contains(index), "view index \(index) out of 0..<\(views.count)")
        let v = views[index]
        let raw = try ImageIO.read(v.imageURL)
        let k = v.camera.intrinsics
        guard raw.width == k.width, raw.height == k.height else {
            throw ViewSynthError(v.imageURL, expected: "a \(k.width)×\(k.height) image (scene intrinsics)", found: "\(raw.width)×\(raw.height)")
        }
        let rgb = raw.rgb(background: background)
        if let d = v.distortion, !d.isZero { return Undistortion.remap(rgb, intrinsics: k, distortion: d) }
        return rgb
    }

    /// Single-channel mask of view `index` (H × W × 1, 1 = object), undistorted like the image; nil when the view
    /// has no mask. Masks with several channels use the first one.
    public func loadMask(_ index: Int) throws -> Image? {
        precondition(views.indices.contains(index), "view index \(index) out of 0..<\(views.count)")
        let v = views[index]
        guard let url = v.maskURL else { return nil }
        let raw = try ImageIO.read(url)
        let k = v.camera.intrinsics
        guard raw.width == k.width, raw.height == k.height else {
            throw ViewSynthError(url, expected: "a \(k.width)×\(k.height) mask (scene intrinsics)", found: "\(raw.width)×\(raw.height)")
        }
        var px = [Float](repeating: 0, count: raw.width * raw.height)
        let c = raw.channels
        for i in 0..<px.count { px[i] = raw.pixels[i * c] }
        let mask = Image(width: raw.width, height: raw.height, channels: 1, pixels: px)
        if let d = v.distortion, !d.isZero { return Undistortion.remap(mask, intrinsics: k, distortion: d) }
        return mask
    }
}
