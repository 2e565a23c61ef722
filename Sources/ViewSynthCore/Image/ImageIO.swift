// Image files ↔ `Image` (height × width × C floats, interleaved, top row first).
//
// Reading: PNG or JPEG, chosen by the magic bytes (never the extension). Channels as stored: C = 1 gray,
// 2 gray+alpha, 3 RGB, 4 RGBA (palette PNG → RGB, or RGBA with tRNS; grayscale JPEG → 1). 8-bit samples v
// → v/255, 16-bit → v/65535, no gamma or colour management (see PNGCodec.swift for the details).
// Writing: 8-bit PNG (C = 1…4), 16-bit gray PNG (depth maps), JPEG (quality 1…100); always atomic
// (AtomicFile: temp file in the destination folder + fsync + rename).
//
// Every failure caused by the input is a `ViewSynthError` naming the file, what was expected ("a PNG or
// JPEG image") and what was found ("truncated PNG data: …", "text starting with 'hello'", "no such file").

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum ImageIO {
    /// Image container formats ImageIO reads and writes.
    public enum Format: String, Sendable { case png = "PNG", jpeg = "JPEG" }

    static let expectedImage = "a PNG or JPEG image"

    // MARK: Reading

    /// Decodes the PNG or JPEG file at `url` (format from its magic bytes).
    public static func read(_ url: URL) throws -> Image {
        let data = try readFile(url.path)
        return try decode(data, path: url.path)
    }

    /// Width and height of the PNG or JPEG file at `url`, from its header only (no decoding; for a JPEG only
    /// the marker headers up to the frame header are read).
    public static func readSize(_ url: URL) throws -> (width: Int, height: Int) {
        let path = url.path
        let fd = try openForReading(path)
        defer { close(fd) }
        /// Reads up to `count` bytes at `offset` (fewer at end of file).
        func read(_ offset: Int, _ count: Int) throws -> [UInt8] {
            try InputFile.read(fd, offset: offset, count: count, path: path, expected: expectedImage)
        }
        let head = try read(0, 64)
        switch format(of: head) {
        case .png: return try PNGCodec.size(header: head, path: path)
        case .jpeg: return try JPEGCodec.size(path: path, read: read)
        case nil:
            throw ViewSynthError(path, expected: expectedImage, found: try describeContent(read(0, 256)))
        }
    }

    /// Decodes PNG or JPEG bytes; `path` is only used in error messages.
    public static func decode(_ data: Data, path: String) throws -> Image {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            switch format(of: raw) {
            case .png: return try PNGCodec.decode(raw, path: path)
            case .jpeg: return try JPEGCodec.decode(raw, path: path)
            case nil: throw ViewSynthError(path, expected: expectedImage, found: describeContent(raw))
            }
        }
    }

    /// Width and height from in-memory PNG or JPEG bytes, header only.
    public static func decodeSize(_ data: Data, path: String) throws -> (width: Int, height: Int) {
        let start = data.startIndex
        switch format(of: data) {
        case .png: return try PNGCodec.size(header: [UInt8](data.prefix(24)), path: path)
        case .jpeg:
            return try JPEGCodec.size(path: path) { offset, count in
                offset >= data.count ? [] : [UInt8](data[(start + offset)..<(start + min(data.count, offset + count))])
            }
        case nil: throw ViewSynthError(path, expected: expectedImage, found: describeContent(data))
        }
    }

    /// The format named by the first bytes (PNG signature, or JPEG SOI FF D8 FF), nil for anything else.
    public static func format<C: Collection>(of header: C) -> Format? where C.Element == UInt8 {
        let b = Array(header.prefix(8))
        if b.count == 8, b == PNGCodec.signature { return .png }
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .jpeg }
        return nil
    }

    // MARK: Writing

    /// Writes an 8-bit PNG (C = 1…4), values clamped to [0, 1] and rounded; atomic.
    public static func writePNG(_ image: Image, to url: URL) throws {
        try AtomicFile.write(encodePNG(image, path: url.path), to: url)
    }

    /// Writes a 16-bit grayscale PNG of `values` (row-major, width × height), e.g. a depth map with a stated
    /// scale; read back as values[i]/65535 exactly. Atomic.
    public static func writePNG16(gray values: [UInt16], width: Int, height: Int, to url: URL) throws {
        try AtomicFile.write(encodePNG16(gray: values, width: width, height: height, path: url.path), to: url)
    }

    /// Writes a JPEG at `quality` (1…100). 1 channel → grayscale JPEG; 3 → colour; gray+alpha and RGBA are
    /// composited on white first. Atomic.
    public static func writeJPEG(_ image: Image, to url: URL, quality: Int = 92) throws {
        try AtomicFile.write(encodeJPEG(image, quality: quality, path: url.path), to: url)
    }

    /// In-memory 8-bit PNG (see `writePNG`); `path` is only used in error messages.
    public static func encodePNG(_ image: Image, path: String = "<memory>") throws -> Data {
        try PNGCodec.encode(image, path: path)
    }

    /// In-memory 16-bit grayscale PNG (see `writePNG16`).
    public static func encodePNG16(gray values: [UInt16], width: Int, height: Int,
                                   path: String = "<memory>") throws -> Data {
        try PNGCodec.encode16(gray: values, width: width, height: height, path: path)
    }

    /// In-memory JPEG (see `writeJPEG`); `progressive` selects progressive instead of baseline coding.
    public static func encodeJPEG(_ image: Image, quality: Int = 92, progressive: Bool = false,
                                  path: String = "<memory>") throws -> Data {
        try JPEGCodec.encode(image, quality: quality, progressive: progressive, path: path)
    }

    // MARK: Files and messages

    /// Opens `path` for reading (a regular file; see InputFile) or throws a `ViewSynthError`.
    static func openForReading(_ path: String) throws -> Int32 { try InputFile.open(path, expected: expectedImage) }

    /// The whole file at `path`.
    static func readFile(_ path: String) throws -> Data { try InputFile.read(path, expected: expectedImage) }

    /// A short description of bytes that are neither PNG nor JPEG: "an empty file", "text starting with
    /// 'hello'", "a GIF image", "truncated PNG data: …", or "binary data starting with 00 01 …".
    static func describeContent<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let b = Array(bytes.prefix(64))
        if b.isEmpty { return "an empty file" }
        let pngPrefix = Array(PNGCodec.signature.prefix(b.count))
        if b.count < 8, b == pngPrefix { return "truncated PNG data: \(b.count) bytes, shorter than the PNG signature" }
        if b.count < 3, b[0] == 0xFF, b.count == 1 || b[1] == 0xD8 { return "truncated JPEG data: \(b.count) bytes" }
        func starts(_ s: String) -> Bool { b.starts(with: Array(s.utf8)) }
        if starts("GIF8") { return "a GIF image" }
        if starts("BM") && b.count >= 14 { return "a BMP image" }
        if starts("II*\u{0}") || starts("MM\u{0}*") { return "a TIFF image" }
        if starts("RIFF") && b.count >= 12 && Array(b[8..<12]) == Array("WEBP".utf8) { return "a WebP image" }
        if starts("\u{93}NUMPY") { return "a NumPy array" }
        let printable = b.allSatisfy { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20...0x7E).contains($0) || $0 >= 0x80 }
        if printable {
            var text = String(decoding: b.prefix(48), as: UTF8.self)
            while text.hasSuffix("\u{FFFD}") { text.removeLast() }   // a character cut at the 48-byte mark
            let firstLine = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
            let shown = firstLine.count > 24 ? String(firstLine.prefix(24)) + "…" : firstLine
            return "text starting with '\(shown)'"
        }
        let hex = b.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        return "binary data starting with \(hex)"
    }
}
