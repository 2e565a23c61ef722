// PNG decoding and encoding through libpng's simplified API (png_image_*), which reports errors through
// `png_image.warning_or_error` / `message` instead of longjmp (Swift cannot use setjmp/longjmp).
//
// Value convention ("as stored"): an 8-bit (or 1/2/4-bit, expanded by libpng) sample v becomes v/255
// (v/(2^d−1)), a 16-bit sample v becomes v/65535. Colour-space chunks (gAMA, sRGB, iCCP, cHRM) are ignored,
// as PIL/imageio and every NeRF data pipeline do: they are dropped from the in-memory copy before libpng sees
// it, so libpng applies no gamma conversion. Palette images expand to RGB (RGBA when they have tRNS); a tRNS
// chunk on a gray/RGB image adds an alpha channel. Interlaced images are de-interlaced by libpng.
//
// One limitation of the simplified API: 16-bit images *with alpha* can only be read as premultiplied
// (associated) alpha. They are un-premultiplied here, which is exact where alpha = 65535 and within
// 0.5/alpha (in 16-bit steps) elsewhere; colour under alpha = 0 reads as 0.

import CPNG
import Foundation

enum PNGCodec {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    // MARK: Decoding

    /// Decodes a whole PNG datastream (`bytes` starts with the PNG signature).
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Image {
        if let stripped = withoutColourSpaceChunks(bytes) {
            return try stripped.withUnsafeBytes { try decodeRaw($0, path: path) }
        }
        return try decodeRaw(bytes, path: path)
    }

    private static func decodeRaw(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Image {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&png) }

        guard png_image_begin_read_from_memory(&png, bytes.baseAddress, bytes.count) != 0 else {
            throw failure(png, path: path, bytes: bytes.count)
        }
        let stored = png.format
        let hasColor = stored & PNG_FORMAT_FLAG_COLOR != 0
        let hasAlpha = stored & PNG_FORMAT_FLAG_ALPHA != 0
        let sixteen = stored & PNG_FORMAT_FLAG_LINEAR != 0   // set by libpng for 16-bit files
        let channels = 1 + (hasColor ? 2 : 0) + (hasAlpha ? 1 : 0)
        png.format = (hasColor ? PNG_FORMAT_FLAG_COLOR : 0) | (hasAlpha ? PNG_FORMAT_FLAG_ALPHA : 0)
            | (sixteen ? PNG_FORMAT_FLAG_LINEAR : 0)
        let width = Int(png.width), height = Int(png.height)
        // Budget after the RGB expansion every consumer applies (a 16384² gray PNG passes a plain sample
        // limit, then triples), checked before allocating.
        try InputLimits.checkImageSize(width: width, height: height, channels: channels, file: path, what: "a PNG image")
        let pixelCount = width * height, count = pixelCount * channels

        let pixels: [Float]
        if !sixteen {
            var raw = [UInt8](repeating: 0, count: count)
            let ok = raw.withUnsafeMutableBytes {
                png_image_finish_read(&png, nil, $0.baseAddress, 0, nil)
            }
            guard ok != 0 else { throw failure(png, path: path, bytes: bytes.count) }
            pixels = [Float](unsafeUninitializedCapacity: count) { dst, initialized in
                raw.withUnsafeBufferPointer { src in
                    for i in 0..<count { dst[i] = Float(src[i]) / 255 }
                }
                initialized = count
            }
        } else {
            var raw = [UInt16](repeating: 0, count: count)
            let ok = raw.withUnsafeMutableBytes {
                png_image_finish_read(&png, nil, $0.baseAddress, 0, nil)
            }
            guard ok != 0 else { throw failure(png, path: path, bytes: bytes.count) }
            pixels = [Float](unsafeUninitializedCapacity: count) { dst, initialized in
                raw.withUnsafeBufferPointer { src in
                    for i in 0..<count { dst[i] = Float(src[i]) / 65535 }
                    if hasAlpha { unpremultiply(dst, channels: channels, pixelCount: pixelCount) }
                }
                initialized = count
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Divides colour by alpha in place (the simplified API returns 16-bit alpha images premultiplied).
    /// Since both are k/65535, c = premultiplied/alpha; exact when alpha = 1.
    private static func unpremultiply(_ p: UnsafeMutableBufferPointer<Float>, channels: Int, pixelCount: Int) {
        let colour = channels - 1
        for i in 0..<pixelCount {
            let base = i * channels
            let a = p[base + colour]
            if a == 1 { continue }
            if a == 0 {
                for c in 0..<colour { p[base + c] = 0 }
            } else {
                for c in 0..<colour { p[base + c] = min(p[base + c] / a, 1) }
            }
        }
    }

    /// Maps a libpng failure to a `ViewSynthError`: "truncated PNG data: …" when libpng ran out of input,
    /// otherwise "corrupt PNG data: …".
    private static func failure(_ png: png_image, path: String, bytes: Int) -> ViewSynthError {
        let message = withUnsafeBytes(of: png.message) { raw -> String in
            let chars = raw.prefix(while: { $0 != 0 })
            return String(decoding: chars, as: UTF8.self)
        }
        let text = message.isEmpty ? "libpng gave no message" : message
        let lower = text.lowercased()
        let truncated = ["beyond end", "not enough", "truncat", "premature", "unexpected end", "read error",
                         "missing iend", "too short", "eof"].contains { lower.contains($0) }
        return ViewSynthError(path, expected: "a PNG or JPEG image",
                              found: "\(truncated ? "truncated" : "corrupt") PNG data (\(bytes) bytes): \(text)")
    }

    /// A copy of the datastream without gAMA/sRGB/iCCP/cHRM chunks, or nil when it has none. These chunks may
    /// only appear before the first IDAT, so scanning stops there. A malformed chunk list stops the scan and
    /// leaves the rest to libpng (which then reports the problem).
    static func withoutColourSpaceChunks(_ b: UnsafeRawBufferPointer) -> [UInt8]? {
        guard b.count >= 8 else { return nil }
        var drop: [Range<Int>] = []
        var offset = 8
        while offset + 12 <= b.count {
            let length = Int(be32(b, offset))
            guard length <= 0x7FFF_FFFF, offset + 12 + length <= b.count else { break }
            let t = (b[offset + 4], b[offset + 5], b[offset + 6], b[offset + 7])
            if t == (0x49, 0x44, 0x41, 0x54) || t == (0x49, 0x45, 0x4E, 0x44) { break }   // IDAT, IEND
            if t == (0x67, 0x41, 0x4D, 0x41) || t == (0x73, 0x52, 0x47, 0x42)            // gAMA, sRGB
                || t == (0x69, 0x43, 0x43, 0x50) || t == (0x63, 0x48, 0x52, 0x4D) {      // iCCP, cHRM
                drop.append(offset..<(offset + 12 + length))
            }
            offset += 12 + length
        }
        if drop.isEmpty { return nil }
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var start = 0
        for r in drop {
            out.append(contentsOf: b[start..<r.lowerBound])
            start = r.upperBound
        }
        out.append(contentsOf: b[start...])
        return out
    }

    @inline(__always) static func be32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    // MARK: Header

    /// Width and height from the IHDR chunk (the first 24 bytes), without decoding.
    static func size(header b: [UInt8], path: String) throws -> (width: Int, height: Int) {
        guard b.count >= 24 else {
            throw ViewSynthError(path, expected: "a PNG or JPEG image",
                                 found: "truncated PNG data: \(b.count) bytes, too short for the IHDR header")
        }
        let ihdr: [UInt8] = [0x49, 0x48, 0x44, 0x52]
        guard Array(b[12..<16]) == ihdr else {
            throw ViewSynthError(path, expected: "a PNG or JPEG image",
                                 found: "corrupt PNG data: the first chunk is not IHDR")
        }
        let w = Int(b[16]) << 24 | Int(b[17]) << 16 | Int(b[18]) << 8 | Int(b[19])
        let h = Int(b[20]) << 24 | Int(b[21]) << 16 | Int(b[22]) << 8 | Int(b[23])
        guard w > 0, h > 0, w <= 0x7FFF_FFFF, h <= 0x7FFF_FFFF else {
            throw ViewSynthError(path, expected: "a PNG or JPEG image",
                                 found: "corrupt PNG data: IHDR size \(w)×\(h)")
        }
        try InputLimits.checkImageSize(width: w, height: h, file: path, what: "a PNG image")
        return (w, h)
    }

    // MARK: Encoding

    /// 8-bit PNG of `image` (1…4 channels: gray, gray+alpha, RGB, RGBA). Values are clamped to [0, 1] and
    /// rounded to the nearest of 0…255; NaN writes as 0.
    static func encode(_ image: Image, path: String) throws -> Data {
        try checkNonEmpty(image.width, image.height, path: path)
        let bytes = image.quantized8()
        let formats: [UInt32] = [0, PNG_FORMAT_FLAG_ALPHA, PNG_FORMAT_FLAG_COLOR,
                                 PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA]
        return try bytes.withUnsafeBytes {
            try write(format: formats[image.channels - 1], width: image.width, height: image.height,
                      pixels: $0, path: path)
        }
    }

    /// 16-bit grayscale PNG of `values` (row-major, `width × height`), written exactly.
    static func encode16(gray values: [UInt16], width: Int, height: Int, path: String) throws -> Data {
        try checkNonEmpty(width, height, path: path)
        guard values.count == width * height else {
            throw ViewSynthError(path, expected: "\(width * height) values for a \(width)×\(height) 16-bit image",
                                 found: "\(values.count) values")
        }
        return try values.withUnsafeBytes {
            try write(format: PNG_FORMAT_FLAG_LINEAR, width: width, height: height, pixels: $0, path: path)
        }
    }

    private static func checkNonEmpty(_ width: Int, _ height: Int, path: String) throws {
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw ViewSynthError(path, expected: "a non-empty image to write as PNG", found: "a \(width)×\(height) image")
        }
    }

    private static func write(format: UInt32, width: Int, height: Int, pixels: UnsafeRawBufferPointer,
                              path: String) throws -> Data {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        png.width = png_uint_32(width)
        png.height = png_uint_32(height)
        png.format = format
        defer { png_image_free(&png) }
        // Worst case of deflate's stored blocks plus filter bytes and chunk overhead; retried if libpng asks.
        var capacity = pixels.count + height + pixels.count / 1000 + 4096
        for _ in 0..<2 {
            var out = Data(count: capacity)
            var size = png_alloc_size_t(capacity)
            let ok = out.withUnsafeMutableBytes {
                png_image_write_to_memory(&png, $0.baseAddress, &size, 0, pixels.baseAddress, 0, nil)
            }
            if ok != 0 {
                out.count = Int(size)
                return out
            }
            if Int(size) > capacity {   // buffer too small: libpng reports the size it needs
                capacity = Int(size)
                png.warning_or_error = 0
                continue
            }
            break
        }
        let message = withUnsafeBytes(of: png.message) {
            String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        throw ViewSynthError(path, expected: "a PNG encoding of a \(width)×\(height) image",
                             found: "a libpng error: \(message.isEmpty ? "no message" : message)")
    }
}
