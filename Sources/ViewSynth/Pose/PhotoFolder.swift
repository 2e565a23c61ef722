// The photos `viewsynth pose` starts from: the PNG/JPEG files directly in one folder (names in byte order, as
// the COLMAP scene loader sorts them), each decoded once to prove it is whole, and copied into the new scene's
// images/ folder — byte for byte, or downscaled so the longer side is at most `maxSize` pixels (area average,
// the same scale on both axes with sides rounded to whole pixels; re-encoded as PNG for .png names and as JPEG
// quality 95 for .jpg/.jpeg). COLMAP then runs on those copies, so the intrinsics it estimates are those of
// the images the scene holds, whatever their size.
//
// One shared camera (COLMAP's single_camera) needs photos of one size: a photo of another size is an error
// naming it, unless each photo gets its own camera.

import Foundation
import ViewSynthCore

public struct PhotoFolder: Sendable {
    /// The fewest photos structure from motion can pose (two make only a pair without a check).
    public static let minimumPhotos = 3
    /// --max-size range.
    public static let maxSizeRange = 32...InputLimits.maxImageSide
    /// JPEG quality of downscaled JPEG copies.
    public static let jpegQuality = 95

    public struct Photo: Sendable, Equatable {
        public var name: String
        public var url: URL
        public var width: Int
        public var height: Int
    }

    public var folder: URL
    public var photos: [Photo]

    /// Lists and decodes the photos of `folder`.
    /// - Throws: `ViewSynthError` naming the folder (missing, fewer than `minimumPhotos` images, sizes that
    ///   differ with `sharedCamera`) or the first photo that does not decode.
    public init(_ folder: URL, sharedCamera: Bool, progress: (Int, Int) -> Void = { _, _ in }) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw ViewSynthError(folder, expected: "a folder of photos (PNG or JPEG)",
                                 found: FileManager.default.fileExists(atPath: folder.path) ? "a file" : "nothing")
        }
        let names = try SceneLoader.imageFiles(in: folder)
        guard names.count >= Self.minimumPhotos else {
            throw ViewSynthError(folder, expected: "at least \(Self.minimumPhotos) photos (.png, .jpg or .jpeg files)",
                                 found: names.isEmpty ? "none" : "\(names.count) (\(names.joined(separator: ", ").prefix(120)))")
        }
        guard names.count <= InputLimits.maxSceneViews else {
            throw ViewSynthError(folder, expected: "at most \(InputLimits.maxSceneViews) photos", found: "\(names.count)")
        }
        var photos: [Photo] = []
        for (i, name) in names.enumerated() {
            let url = folder.appendingPathComponent(name)
            let image = try ImageIO.read(url)   // the whole file: a truncated photo fails here, named
            photos.append(Photo(name: name, url: url, width: image.width, height: image.height))
            progress(i + 1, names.count)
        }
        if sharedCamera, let first = photos.first,
           let other = photos.first(where: { $0.width != first.width || $0.height != first.height }) {
            throw ViewSynthError(other.url, expected: "a \(first.width)×\(first.height) photo like \(first.name.prefix(60)) "
                                     + "(one shared camera needs one size; or --camera-per-image)",
                                 found: "\(other.width)×\(other.height)")
        }
        self.folder = folder
        self.photos = photos
    }

    /// The size a `width × height` photo is copied at: unchanged when its longer side is at most `maxSize`,
    /// else scaled by maxSize / longer side, each side rounded (at least 1).
    public static func copySize(width: Int, height: Int, maxSize: Int?) -> (width: Int, height: Int) {
        guard let maxSize, max(width, height) > maxSize else { return (width, height) }
        let s = Double(maxSize) / Double(max(width, height))
        return (max(1, Int((Double(width) * s).rounded())), max(1, Int((Double(height) * s).rounded())))
    }

    /// Writes every photo into `dir` (which must exist) under its own name, downscaled when larger than
    /// `maxSize`. Returns the number of photos that were downscaled.
    @discardableResult
    public func writeCopies(to dir: URL, maxSize: Int?, progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        var resized = 0
        for (i, p) in photos.enumerated() {
            let out = dir.appendingPathComponent(p.name)
            let size = Self.copySize(width: p.width, height: p.height, maxSize: maxSize)
            if size.width == p.width && size.height == p.height {
                try AtomicFile.write(InputFile.read(p.url, expected: "a photo"), to: out)
            } else {
                let small = Self.downscale(try ImageIO.read(p.url), width: size.width, height: size.height)
                if (p.name as NSString).pathExtension.lowercased() == "png" {
                    try ImageIO.writePNG(small, to: out)
                } else {
                    try ImageIO.writeJPEG(small, to: out, quality: Self.jpegQuality)
                }
                resized += 1
            }
            progress(i + 1, photos.count)
        }
        return resized
    }

    /// `image` resampled to `width × height` (each at most the source side) by area averaging: every output
    /// pixel is the mean of the source area it covers (fractional pixels weighted by overlap). Separable.
    public static func downscale(_ image: Image, width: Int, height: Int) -> Image {
        precondition(width >= 1 && height >= 1 && width <= image.width && height <= image.height)
        let c = image.channels
        let rows = resample(image.pixels, count: image.width, stride: c, lines: image.height, lineStride: image.width * c,
                            channels: c, to: width, horizontal: true)
        // rows: image.height × width × c; now along y, one column at a time.
        let out = resample(rows, count: image.height, stride: width * c, lines: width, lineStride: c, channels: c, to: height,
                           horizontal: false)
        return Image(width: width, height: height, channels: c, pixels: out)
    }

    /// Area resampling along one axis: `lines` lines of `count` samples (`stride` apart, lines `lineStride` apart,
    /// `channels` interleaved) to `newCount` samples each. The output keeps the input's row-major layout with the
    /// axis shortened: `horizontal` (an x pass) gives `lines` rows of `newCount`, else `newCount` rows of `lines`.
    static func resample(_ src: [Float], count: Int, stride: Int, lines: Int, lineStride: Int, channels: Int,
                         to newCount: Int, horizontal: Bool) -> [Float] {
        let scale = Double(count) / Double(newCount)
        // Taps of each output sample: (first source index, weights).
        let taps: [(Int, [Float])] = (0..<newCount).map { o in
            let a = Double(o) * scale, b = Double(o + 1) * scale
            let first = Int(a.rounded(.down)), last = min(count - 1, Int((b - 1e-9).rounded(.down)))
            let w = (first...max(first, last)).map { i in Float((min(b, Double(i + 1)) - max(a, Double(i))) / scale) }
            return (first, w)
        }
        var out = [Float](repeating: 0, count: src.count / count * newCount)
        for line in 0..<lines {
            for (o, (first, weights)) in taps.enumerated() {
                let dst = horizontal ? (line * newCount + o) * channels : o * lines * channels + line * lineStride
                for ch in 0..<channels {
                    var acc: Float = 0
                    for (k, w) in weights.enumerated() { acc += w * src[line * lineStride + (first + k) * stride + ch] }
                    out[dst + ch] = acc
                }
            }
        }
        return out
    }
}
