// JPEG decoding and encoding through libjpeg-turbo's TurboJPEG 2.1 API (tjInitDecompress/tjDecompressHeader3/
// tjDecompress2, tjInitCompress/tjCompress2; every handle is released with tjDestroy).
//
// Decoding: baseline and progressive; a grayscale JPEG gives 1 channel, everything else RGB (3 channels),
// v/255. CMYK/YCCK JPEGs are refused. libjpeg warnings are treated as errors (a truncated or damaged file
// must not silently become a grey-smeared training image), except "extraneous bytes before marker", which
// some cameras produce on valid files.
//
// Encoding: 1 channel → grayscale JPEG, 3 channels → YCbCr with 4:4:4 chroma at quality ≥ 90 and 4:2:0 below;
// alpha is composited on white first. Accurate (islow) DCT. Deterministic bytes for the same input.

import CTurboJPEG
import Foundation

enum JPEGCodec {
    // MARK: Decoding

    /// Decodes a whole JPEG datastream (`bytes` starts with FF D8).
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Image {
        guard let tj = tjInitDecompress() else {
            throw ViewSynthError(path, expected: "a working JPEG decoder", found: "tjInitDecompress failed")
        }
        defer { tjDestroy(tj) }
        let src = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var w: Int32 = 0, h: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(tj, src, UInt(bytes.count), &w, &h, &subsamp, &colorspace) == 0 else {
            throw failure(tj, path: path, bytes: bytes.count)
        }
        if w <= 0 || h <= 0 {
            // libjpeg stops at the end of the data and reports a tables-only stream: no frame header at all.
            let endsWithEOI = bytes.count >= 4 && bytes[bytes.count - 2] == 0xFF && bytes[bytes.count - 1] == 0xD9
            throw ViewSynthError(path, expected: "a PNG or JPEG image",
                                 found: endsWithEOI ? "a JPEG datastream without an image (tables only, \(bytes.count) bytes)"
                                     : "truncated JPEG data (\(bytes.count) bytes): no frame header before the end")
        }
        let channels: Int
        let pixelFormat: Int32
        switch colorspace {
        case Int32(TJCS_GRAY.rawValue):
            channels = 1; pixelFormat = Int32(TJPF_GRAY.rawValue)
        case Int32(TJCS_CMYK.rawValue), Int32(TJCS_YCCK.rawValue):
            throw ViewSynthError(path, expected: "an RGB or grayscale JPEG", found: "a CMYK JPEG")
        default:
            channels = 3; pixelFormat = Int32(TJPF_RGB.rawValue)
        }
        let width = Int(w), height = Int(h)
        // Budget after the RGB expansion every consumer applies, checked before allocating.
        try InputLimits.checkImageSize(width: width, height: height, channels: channels, file: path, what: "a JPEG image")
        let count = width * height * channels
        var raw = [UInt8](repeating: 0, count: count)
        let rc = raw.withUnsafeMutableBufferPointer {
            tjDecompress2(tj, src, UInt(bytes.count), $0.baseAddress, w, 0, h, pixelFormat, 0)
        }
        if rc != 0 {
            let benign = tjGetErrorCode(tj) == Int32(TJERR_WARNING.rawValue)
                && message(tj).lowercased().contains("extraneous bytes before marker")
            if !benign { throw failure(tj, path: path, bytes: bytes.count) }
        }
        let pixels = [Float](unsafeUninitializedCapacity: count) { dst, initialized in
            raw.withUnsafeBufferPointer { s in
                for i in 0..<count { dst[i] = Float(s[i]) / 255 }
            }
            initialized = count
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    private static func message(_ tj: tjhandle) -> String {
        guard let s = tjGetErrorStr2(tj) else { return "" }
        return String(cString: s)
    }

    /// "truncated JPEG data: …" when libjpeg ran out of input, otherwise "corrupt JPEG data: …".
    private static func failure(_ tj: tjhandle, path: String, bytes: Int) -> ViewSynthError {
        let text = message(tj)
        let lower = text.lowercased()
        let truncated = lower.contains("premature end") || lower.contains("insufficient data")
            || lower.contains("empty input")
        return ViewSynthError(path, expected: "a PNG or JPEG image",
                              found: "\(truncated ? "truncated" : "corrupt") JPEG data (\(bytes) bytes): "
                                  + (text.isEmpty ? "TurboJPEG gave no message" : text))
    }

    // MARK: Header

    /// Width and height from the first SOFn marker, reading only marker headers through `read(offset, count)`
    /// (which returns fewer bytes at end of file).
    static func size(path: String, read: (Int, Int) throws -> [UInt8]) throws -> (width: Int, height: Int) {
        func truncated(_ what: String) -> ViewSynthError {
            ViewSynthError(path, expected: "a PNG or JPEG image", found: "truncated JPEG data: \(what)")
        }
        var offset = 2   // after SOI
        while true {
            var head = try read(offset, 4)
            guard head.count >= 2 else { throw truncated("no frame header (SOF) before the end of the file") }
            guard head[0] == 0xFF else {
                throw ViewSynthError(path, expected: "a PNG or JPEG image",
                                     found: "corrupt JPEG data: byte \(head[0]) where a marker was expected at offset \(offset)")
            }
            let marker = head[1]
            if marker == 0xFF { offset += 1; continue }                 // fill byte
            if marker == 0x01 || (0xD0...0xD8).contains(marker) { offset += 2; continue }   // no length
            if marker == 0xD9 || marker == 0xDA {
                throw ViewSynthError(path, expected: "a PNG or JPEG image",
                                     found: "corrupt JPEG data: \(marker == 0xD9 ? "end of image" : "scan data") before a frame header (SOF)")
            }
            guard head.count >= 4 else { throw truncated("segment header at offset \(offset)") }
            let length = Int(head[2]) << 8 | Int(head[3])
            guard length >= 2 else {
                throw ViewSynthError(path, expected: "a PNG or JPEG image",
                                     found: "corrupt JPEG data: segment length \(length) at offset \(offset)")
            }
            let isSOF = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
            if isSOF {
                head = try read(offset + 4, 5)   // precision, height(2), width(2)
                guard head.count == 5 else { throw truncated("frame header at offset \(offset)") }
                let h = Int(head[1]) << 8 | Int(head[2]), w = Int(head[3]) << 8 | Int(head[4])
                guard w > 0, h > 0 else {
                    throw ViewSynthError(path, expected: "a JPEG with its size in the frame header",
                                         found: "a \(w)×\(h) frame header")
                }
                try InputLimits.checkImageSize(width: w, height: h, file: path, what: "a JPEG image")
                return (w, h)
            }
            offset += 2 + length
        }
    }

    // MARK: Encoding

    /// JPEG of `image` at `quality` (1…100). 2/4-channel images are composited on white first.
    static func encode(_ image: Image, quality: Int, progressive: Bool, path: String) throws -> Data {
        guard (1...100).contains(quality) else {
            throw ViewSynthError(path, expected: "a JPEG quality in 1...100", found: "\(quality)")
        }
        guard image.width > 0, image.height > 0, image.width <= 65_500, image.height <= 65_500 else {
            throw ViewSynthError(path, expected: "an image of 1…65500 pixels per side to write as JPEG",
                                 found: "a \(image.width)×\(image.height) image")
        }
        let flat: Image
        switch image.channels {
        case 2: flat = compositeGrayOnWhite(image)
        case 4: flat = image.rgb()
        default: flat = image
        }
        let gray = flat.channels == 1
        let bytes = flat.quantized8()
        guard let tj = tjInitCompress() else {
            throw ViewSynthError(path, expected: "a working JPEG encoder", found: "tjInitCompress failed")
        }
        defer { tjDestroy(tj) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        defer { if let out { tjFree(out) } }
        let subsamp = gray ? TJSAMP_GRAY : (quality >= 90 ? TJSAMP_444 : TJSAMP_420)
        let pf = gray ? TJPF_GRAY : TJPF_RGB
        let flags = TJFLAG_ACCURATEDCT | (progressive ? TJFLAG_PROGRESSIVE : 0)
        let rc = bytes.withUnsafeBufferPointer {
            tjCompress2(tj, $0.baseAddress, Int32(flat.width), 0, Int32(flat.height), Int32(pf.rawValue),
                        &out, &size, Int32(subsamp.rawValue), Int32(quality), flags)
        }
        guard rc == 0, let out else {
            throw ViewSynthError(path, expected: "a JPEG encoding of a \(flat.width)×\(flat.height) image",
                                 found: "a TurboJPEG error: \(message(tj))")
        }
        return Data(bytes: out, count: Int(size))
    }

    /// Gray+alpha composited on a white background → 1 channel.
    private static func compositeGrayOnWhite(_ image: Image) -> Image {
        let n = image.width * image.height
        let pixels = [Float](unsafeUninitializedCapacity: n) { dst, initialized in
            image.pixels.withUnsafeBufferPointer { s in
                for i in 0..<n {
                    let a = s[2 * i + 1]
                    dst[i] = s[2 * i] * a + (1 - a)
                }
            }
            initialized = n
        }
        return Image(width: image.width, height: image.height, channels: 1, pixels: pixels)
    }
}
