// Fallback PNG writing through libpng's simplified API (used until Core's ImageIO lands).
import CPNG
import Foundation
import ViewSynthCore

enum MinimalPNG {
    /// 8-bit RGB/gray PNG from a float image in [0, 1] (rounded), written atomically.
    static func write(_ image: Image, to url: URL) throws {
        let n = image.width * image.height * image.channels
        var bytes = [UInt8](repeating: 0, count: n)
        for i in 0..<n { bytes[i] = UInt8(max(0, min(255, (image.pixels[i] * 255).rounded()))) }
        // libpng format flags: 1 = alpha, 2 = colour, 4 = linear (16-bit).
        let format: UInt32 = image.channels == 1 ? 0 : image.channels == 2 ? 1 : image.channels == 3 ? 2 : 3
        try encode(bytes, width: image.width, height: image.height, format: format, to: url)
    }

    /// 16-bit gray PNG.
    static func write16(gray: [UInt16], width: Int, height: Int, to url: URL) throws {
        try encode(gray, width: width, height: height, format: 4, to: url)
    }

    private static func encode<T>(_ data: [T], width: Int, height: Int, format: UInt32, to url: URL) throws {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(width); img.height = UInt32(height); img.format = format
        var size: Int = 0
        let ok1 = data.withUnsafeBytes { png_image_write_to_memory(&img, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard ok1 != 0 else { throw ViewSynthError(url, expected: "a PNG encoding", found: "libpng error") }
        var out = [UInt8](repeating: 0, count: size)
        let ok2 = data.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { png_image_write_to_memory(&img, $0.baseAddress, &size, 0, src.baseAddress, 0, nil) }
        }
        png_image_free(&img)
        guard ok2 != 0 else { throw ViewSynthError(url, expected: "a PNG encoding", found: "libpng error") }
        try Data(out.prefix(size)).write(to: url, options: .atomic)
    }
}
