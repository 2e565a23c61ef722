// NumPy `.npy` files: read and write, parsed by hand (no Python).
//
// Supported on read: format versions 1.0, 2.0 and 3.0; dtypes '<f8' (float64) and '<f4' (float32), little-endian;
// C (row-major) order; any shape. Everything else (Fortran order, other dtypes, big-endian, truncated data) is a
// thrown `ViewSynthError` naming the file. Values are returned as Double in C order.
// Written files are version 1.0 (2.0 if the header does not fit), C order, '<f8' or '<f4'.

import Foundation

/// An n-dimensional array of numbers read from an `.npy` file, row-major (C order).
public struct NPYArray: Equatable, Sendable {
    public var shape: [Int]
    /// Row-major values, `shape.reduce(1, *)` of them.
    public var values: [Double]
    /// The dtype descriptor found in the file ('<f8' or '<f4').
    public var dtype: String
    public init(shape: [Int], values: [Double], dtype: String = "<f8") {
        self.shape = shape; self.values = values; self.dtype = dtype
    }
}

public enum NPY {
    public enum DType: String, Sendable { case float64 = "<f8", float32 = "<f4" }

    public static func read(_ url: URL) throws -> NPYArray {
        try decode(InputFile.read(url, expected: "an .npy file"), path: url.path)
    }

    /// Parses the bytes of an .npy file. `path` is only used in error messages.
    public static func decode(_ data: Data, path: String) throws -> NPYArray {
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw ViewSynthError(path, expected: "an .npy file starting with \\x93NUMPY", found: "\(bytes.count) bytes without that magic")
        }
        let major = Int(bytes[6])
        let headerLen: Int, headerStart: Int
        switch major {
        case 1:
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw ViewSynthError(path, expected: "a complete .npy header", found: "\(bytes.count) bytes") }
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; headerStart = 12
        default:
            throw ViewSynthError(path, expected: ".npy format version 1, 2 or 3", found: "version \(major).\(bytes[7])")
        }
        guard headerStart + headerLen <= bytes.count,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLen)], encoding: major == 3 ? .utf8 : .isoLatin1)
        else { throw ViewSynthError(path, expected: "a complete .npy header", found: "a truncated file") }

        guard let descr = stringValue(of: "descr", in: header) else {
            throw ViewSynthError(path, expected: "an .npy header with 'descr'", found: "'\(header.trimmingCharacters(in: .whitespacesAndNewlines).prefix(60))'")
        }
        let width: Int
        switch descr {
        case "<f8": width = 8
        case "<f4": width = 4
        default: throw ViewSynthError(path, expected: "dtype '<f8' or '<f4'", found: "dtype '\(descr.prefix(20))'")
        }
        guard let fortran = rawValue(of: "fortran_order", in: header) else {
            throw ViewSynthError(path, expected: "an .npy header with 'fortran_order'", found: "none")
        }
        if fortran.hasPrefix("True") { throw ViewSynthError(path, expected: "C-order (fortran_order: False) data", found: "fortran_order: True") }
        guard let shapeText = rawValue(of: "shape", in: header), shapeText.hasPrefix("("),
              let close = shapeText.firstIndex(of: ")") else {
            throw ViewSynthError(path, expected: "an .npy header with 'shape'", found: "'\(header.prefix(60))'")
        }
        let inner = shapeText[shapeText.index(after: shapeText.startIndex)..<close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if t.isEmpty { continue }
            guard let n = Int(t), n >= 0 else {
                throw ViewSynthError(path, expected: "a shape of non-negative integers", found: "(\(inner.prefix(60)))")
            }
            shape.append(n)
        }
        guard shape.count <= 32 else { throw ViewSynthError(path, expected: "a shape of at most 32 dimensions", found: "\(shape.count)") }
        // Checked before any multiplication can overflow or size an allocation.
        let count = try InputLimits.checkedProduct(shape, limit: InputLimits.maxArrayElements, field: "an array shape (elements)", file: path)
        let start = headerStart + headerLen
        guard bytes.count - start >= count * width else {
            throw ViewSynthError(path, expected: "\(count * width) data bytes for shape \(shape) \(descr)", found: "\(bytes.count - start)")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let o = start + i * width
                if width == 8 {
                    values[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
                } else {
                    values[i] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))))
                }
            }
        }
        return NPYArray(shape: shape, values: values, dtype: descr)
    }

    /// The bytes of an .npy file holding `values` (row-major) with `shape`.
    public static func encode(_ values: [Double], shape: [Int], dtype: DType = .float64) -> Data {
        precondition(values.count == shape.reduce(1, *), "NPY.encode: \(values.count) values for shape \(shape)")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let v1 = header.utf8.count + 11 <= 65535
        let prefix = v1 ? 10 : 12
        let pad = (64 - (prefix + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: pad) + "\n"
        var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, v1 ? 1 : 2, 0])
        let n = header.utf8.count
        if v1 { out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)]) }
        else { out.append(contentsOf: [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8(n >> 24)]) }
        out.append(contentsOf: Array(header.utf8))
        var body = [UInt8]()
        body.reserveCapacity(values.count * (dtype == .float64 ? 8 : 4))
        for v in values {
            if dtype == .float64 { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            else { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { body.append(contentsOf: $0) } }
        }
        out.append(contentsOf: body)
        return out
    }

    public static func write(_ values: [Double], shape: [Int], dtype: DType = .float64, to url: URL) throws {
        try AtomicFile.write(encode(values, shape: shape, dtype: dtype), to: url)
    }
    public static func write(_ values: [Float], shape: [Int], to url: URL) throws {
        try AtomicFile.write(encode(values.map(Double.init), shape: shape, dtype: .float32), to: url)
    }

    // MARK: header dictionary parsing (a Python literal such as {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), })

    /// Text right after `'key':`, with leading spaces removed.
    static func rawValue(of key: String, in header: String) -> Substring? {
        for quote in ["'", "\""] {
            if let r = header.range(of: "\(quote)\(key)\(quote)") {
                var rest = header[r.upperBound...].drop(while: { $0 == " " })
                guard rest.first == ":" else { continue }
                rest = rest.dropFirst().drop(while: { $0 == " " })
                return rest
            }
        }
        return nil
    }
    static func stringValue(of key: String, in header: String) -> String? {
        guard let raw = rawValue(of: key, in: header), let q = raw.first, q == "'" || q == "\"" else { return nil }
        let body = raw.dropFirst()
        guard let end = body.firstIndex(of: q) else { return nil }
        return String(body[..<end])
    }
}
