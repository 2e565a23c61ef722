// TEMPORARY stand-in for the image I/O module written on another branch (core-image).
// Same public API; delete this file once main has Sources/ViewSynthCore/Image/ImageIO.swift.

import CPNG
import CTurboJPEG
import Foundation

public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: tmp)
            guard rename(tmp.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw ViewSynthError(url, expected: "a writable file", found: "\(error.localizedDescription)")
        }
    }
}

public enum ImageIO {
    public static func readSize(_ url: URL) throws -> (width: Int, height: Int) {
        guard let fh = FileHandle(forReadingAtPath: url.path) else {
            throw ViewSynthError(url, expected: "an image file", found: "no such file")
        }
        defer { try? fh.close() }
        let head = [UInt8](fh.readData(ofLength: 65536))
        if head.count >= 24, head[0] == 0x89, head[1] == 0x50 {
            let w = Int(head[16]) << 24 | Int(head[17]) << 16 | Int(head[18]) << 8 | Int(head[19])
            let h = Int(head[20]) << 24 | Int(head[21]) << 16 | Int(head[22]) << 8 | Int(head[23])
            return (w, h)
        }
        if head.count >= 4, head[0] == 0xFF, head[1] == 0xD8 {
            var data = head
            var i = 2
            while true {
                while i + 9 >= data.count {
                    let more = [UInt8](fh.readData(ofLength: 65536))
                    if more.isEmpty { throw ViewSynthError(url, expected: "a JPEG with a SOF marker", found: "none") }
                    data += more
                }
                guard data[i] == 0xFF else { throw ViewSynthError(url, expected: "a JPEG marker", found: "garbage") }
                let m = data[i + 1]
                if m == 0xD8 || m == 0x01 || (0xD0...0xD7).contains(m) || m == 0xFF { i += (m == 0xFF ? 1 : 2); continue }
                let len = Int(data[i + 2]) << 8 | Int(data[i + 3])
                if (0xC0...0xCF).contains(m) && m != 0xC4 && m != 0xC8 && m != 0xCC {
                    let h = Int(data[i + 5]) << 8 | Int(data[i + 6]), w = Int(data[i + 7]) << 8 | Int(data[i + 8])
                    return (w, h)
                }
                i += 2 + len
            }
        }
        throw ViewSynthError(url, expected: "a PNG or JPEG file", found: "unknown signature")
    }

    public static func read(_ url: URL) throws -> Image {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ViewSynthError(url, expected: "an image file", found: "no such file")
        }
        let bytes = [UInt8](data)
        if bytes.count > 8, bytes[0] == 0x89 { return try readPNG(bytes, url) }
        return try readJPEG(bytes, url)
    }

    static func readPNG(_ bytes: [UInt8], _ url: URL) throws -> Image {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        guard bytes.withUnsafeBytes({ png_image_begin_read_from_memory(&img, $0.baseAddress, $0.count) }) != 0 else {
            throw ViewSynthError(url, expected: "a PNG", found: "an unreadable header")
        }
        let fmt = img.format & UInt32(PNG_FORMAT_FLAG_ALPHA | PNG_FORMAT_FLAG_COLOR)
        img.format = fmt
        let ch = (fmt & UInt32(PNG_FORMAT_FLAG_COLOR) != 0 ? 3 : 1) + (fmt & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0 ? 1 : 0)
        let w = Int(img.width), h = Int(img.height)
        var buf = [UInt8](repeating: 0, count: w * h * ch)
        let ok = bytes.withUnsafeBytes { _ in buf.withUnsafeMutableBytes { png_image_finish_read(&img, nil, $0.baseAddress, 0, nil) } }
        guard ok != 0 else { png_image_free(&img); throw ViewSynthError(url, expected: "a PNG", found: "corrupt data") }
        return Image(width: w, height: h, channels: ch, pixels: buf.map { Float($0) / 255 })
    }

    static func readJPEG(_ bytes: [UInt8], _ url: URL) throws -> Image {
        guard let tj = tjInitDecompress() else { throw ViewSynthError(url, expected: "a JPEG decoder", found: "none") }
        defer { tjDestroy(tj) }
        var w: Int32 = 0, h: Int32 = 0, ss: Int32 = 0, cs: Int32 = 0
        guard bytes.withUnsafeBufferPointer({ tjDecompressHeader3(tj, $0.baseAddress, UInt(bytes.count), &w, &h, &ss, &cs) }) == 0 else {
            throw ViewSynthError(url, expected: "a PNG or JPEG", found: "an unreadable file")
        }
        let gray = cs == Int32(TJCS_GRAY.rawValue)
        let ch = gray ? 1 : 3
        var buf = [UInt8](repeating: 0, count: Int(w) * Int(h) * ch)
        let r = bytes.withUnsafeBufferPointer { src in
            buf.withUnsafeMutableBufferPointer {
                tjDecompress2(tj, src.baseAddress, UInt(bytes.count), $0.baseAddress, w, 0, h,
                              Int32(gray ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue), 0)
            }
        }
        guard r == 0 else { throw ViewSynthError(url, expected: "a JPEG", found: "corrupt data") }
        return Image(width: Int(w), height: Int(h), channels: ch, pixels: buf.map { Float($0) / 255 })
    }

    public static func writePNG(_ image: Image, to url: URL) throws {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(image.width); img.height = UInt32(image.height)
        img.format = [0, 1, 2, 3][image.channels - 1]  // GRAY, GA (alpha flag), RGB (colour flag), RGBA
        let buf = image.pixels.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
        var size: Int = 0
        guard buf.withUnsafeBytes({ png_image_write_to_memory(&img, nil, &size, 0, $0.baseAddress, 0, nil) }) != 0 else {
            throw ViewSynthError(url, expected: "an encodable image", found: "libpng error")
        }
        var out = [UInt8](repeating: 0, count: size)
        _ = buf.withUnsafeBytes { b in out.withUnsafeMutableBytes { png_image_write_to_memory(&img, $0.baseAddress, &size, 0, b.baseAddress, 0, nil) } }
        try AtomicFile.write(Data(out[0..<size]), to: url)
    }

    public static func writeJPEG(_ image: Image, to url: URL, quality: Int = 92) throws {
        let rgb = image.rgb()
        let buf = rgb.pixels.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
        guard let tj = tjInitCompress() else { throw ViewSynthError(url, expected: "a JPEG encoder", found: "none") }
        defer { tjDestroy(tj) }
        var dst: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let r = buf.withUnsafeBufferPointer {
            tjCompress2(tj, $0.baseAddress, Int32(rgb.width), 0, Int32(rgb.height), Int32(TJPF_RGB.rawValue), &dst, &size,
                        Int32(TJSAMP_444.rawValue), Int32(quality), 0)
        }
        guard r == 0, let d = dst else { throw ViewSynthError(url, expected: "an encodable image", found: "turbojpeg error") }
        defer { tjFree(d) }
        try AtomicFile.write(Data(bytes: d, count: Int(size)), to: url)
    }
}
