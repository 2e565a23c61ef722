// A deliberately simple, independent PNG writer for test fixtures: every colour type and bit depth, palette
// with tRNS, Adam7 interlacing and extra ancillary chunks, with uncompressed (stored) deflate blocks and filter
// type 0. It lets the decoder tests state the exact stored sample values instead of committing binary files.
// (Checked once against Pillow while writing it; not used by the library.)

import Foundation

struct TestPNG {
    enum ColorType: UInt8 { case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6 }

    var width: Int
    var height: Int
    var colorType: ColorType
    var bitDepth: Int
    var interlaced = false
    /// Stored samples, row-major, `samplesPerPixel` per pixel (palette: one index per pixel).
    var samples: [Int]
    var palette: [(UInt8, UInt8, UInt8)] = []
    /// Raw tRNS payload (palette: alpha per entry; gray: 2-byte value; RGB: 3 × 2 bytes).
    var transparency: [UInt8]? = nil
    /// Chunks placed between IHDR and PLTE/IDAT, e.g. ("gAMA", [0, 1, 134, 160]).
    var extraChunks: [(String, [UInt8])] = []

    var samplesPerPixel: Int {
        switch colorType { case .gray, .palette: 1; case .grayAlpha: 2; case .rgb: 3; case .rgba: 4 }
    }

    func encode() -> [UInt8] {
        precondition(samples.count == width * height * samplesPerPixel)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = be32(width) + be32(height)
        ihdr += [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
        out += chunk("IHDR", ihdr)
        for (type, data) in extraChunks { out += chunk(type, data) }
        if colorType == .palette { out += chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] }) }
        if let t = transparency { out += chunk("tRNS", t) }
        out += chunk("IDAT", zlibStored(scanlines()))
        out += chunk("IEND", [])
        return out
    }

    /// Filter-type-0 scanlines of the whole image or of the seven Adam7 passes.
    private func scanlines() -> [UInt8] {
        let passes: [(x0: Int, y0: Int, dx: Int, dy: Int)] = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        var raw: [UInt8] = []
        for p in passes {
            let xs = Array(stride(from: p.x0, to: width, by: p.dx))
            let ys = Array(stride(from: p.y0, to: height, by: p.dy))
            if xs.isEmpty || ys.isEmpty { continue }
            for y in ys {
                raw.append(0)
                var bits: [Int] = []   // for bit depths < 8
                for x in xs {
                    for c in 0..<samplesPerPixel {
                        let v = samples[(y * width + x) * samplesPerPixel + c]
                        switch bitDepth {
                        case 16: raw += [UInt8(v >> 8), UInt8(v & 0xFF)]
                        case 8: raw.append(UInt8(v))
                        default: bits.append(v)
                        }
                    }
                }
                if bitDepth < 8 {
                    let perByte = 8 / bitDepth
                    for start in stride(from: 0, to: bits.count, by: perByte) {
                        var byte = 0
                        for k in 0..<perByte {
                            let v = start + k < bits.count ? bits[start + k] : 0
                            byte |= v << (8 - bitDepth * (k + 1))
                        }
                        raw.append(UInt8(byte))
                    }
                }
            }
        }
        return raw
    }

    private func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    private func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32(body)))
    }

    private func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8 & 0xFF)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(Int(b << 16 | a))
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

/// A scratch folder under the system temp folder, removed by `remove()`.
struct ScratchFolder {
    let url: URL
    init(_ name: String = #function) {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("viewsynth-\(safe)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    /// Names of the files in the folder (including hidden temp files).
    func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Deterministic test pattern: sample (x, y, c) of a `maxValue`-range image, covering 0 and maxValue.
func patternSample(_ x: Int, _ y: Int, _ c: Int, maxValue: Int) -> Int {
    let v = ((x &* 73_856_093) ^ (y &* 19_349_663) ^ (c &* 83_492_791) ^ (x &* y &* 2_654_435)) % (maxValue + 1)
    if x == 0 && y == 0 { return c % 2 == 0 ? 0 : maxValue }
    if x == 1 && y == 0 { return c % 2 == 0 ? maxValue : 0 }
    return v
}
