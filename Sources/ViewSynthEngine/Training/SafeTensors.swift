import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An error caused by a bad file or bad input: one line naming the file, what was expected and what was
/// found (the engine's counterpart of ViewSynthCore's ViewSynthError, which it does not depend on).
public struct EngineError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public var path: String
    public var expected: String
    public var found: String
    public init(_ path: String, expected: String, found: String) {
        self.path = path; self.expected = expected; self.found = found
    }
    /// One line (line breaks and control characters become spaces), as ViewSynthError.oneLine.
    public var description: String {
        String("\(path): expected \(expected), found \(found)".map { c -> Character in
            c.isNewline || c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) ? " " : c
        })
    }
    public var errorDescription: String? { description }
}

/// Checkpoint metadata, stored as strings in the safetensors `__metadata__` map: the model configuration
/// (JSON text), the training step, the data provenance, and any extra key/value pairs.
public struct CheckpointMetadata: Sendable, Equatable {
    public var config: String
    public var step: Int
    public var provenance: String
    public var extra: [String: String]

    public init(config: String, step: Int, provenance: String, extra: [String: String] = [:]) {
        self.config = config; self.step = step; self.provenance = provenance; self.extra = extra
    }

    var dictionary: [String: String] {
        var d = extra
        d["config"] = config
        d["step"] = String(step)
        d["provenance"] = provenance
        return d
    }
}

/// Checkpoints in the safetensors format (https://github.com/huggingface/safetensors):
///
///     [u64 little-endian N][N bytes of JSON header, space-padded to a multiple of 8][tensor bytes]
///
/// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the
/// byte buffer after the header) plus "__metadata__" (string → string). Tensors are written little-endian,
/// row-major, in the order of the parameter layout; the header is written with a fixed key order, so
/// saving the same state twice gives the same bytes. With an optimizer, its moments are stored as
/// "optimizer.m.<name>" and "optimizer.v.<name>" and its step as metadata "optimizer_step"; metadata
/// "format" = "viewsynth-engine/<checkpointFormatVersion>" is always written.
/// Files are written atomically (temporary file in the same folder, then rename).
public enum SafeTensors {
    struct Item {
        let name: String
        let shape: [Int]
        let pointer: UnsafeMutableRawPointer
        let bytes: Int
    }

    static func items<T: EngineScalar>(_ store: ParameterStore<T>, _ optimizer: AdamW<T>?) -> [Item] {
        let size = MemoryLayout<T>.stride
        var items: [Item] = []
        for e in store.layout.entries {
            items.append(Item(name: e.name, shape: e.shape, pointer: UnsafeMutableRawPointer(store.values.pointer + e.offset),
                              bytes: e.count * size))
        }
        if let optimizer {
            for (prefix, buf) in [("optimizer.m.", optimizer.m), ("optimizer.v.", optimizer.v)] {
                for e in store.layout.entries {
                    items.append(Item(name: prefix + e.name, shape: e.shape,
                                      pointer: UnsafeMutableRawPointer(buf.pointer + e.offset), bytes: e.count * size))
                }
            }
        }
        return items
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// Serialises parameters (and optionally the optimizer state) with metadata.
    public static func encode<T: EngineScalar>(_ store: ParameterStore<T>, optimizer: AdamW<T>? = nil,
                                               metadata: CheckpointMetadata) -> Data {
        #if !_endian(little)
        fatalError("SafeTensors: big-endian hosts are not supported")
        #endif
        var meta = metadata.dictionary
        meta["format"] = "viewsynth-engine/\(ViewSynthEngineInfo.checkpointFormatVersion)"
        if let optimizer { meta["optimizer_step"] = String(optimizer.step) }
        let list = items(store, optimizer)
        var header = "{\"__metadata__\":{"
        header += meta.keys.sorted().map { "\(jsonString($0)):\(jsonString(meta[$0]!))" }.joined(separator: ",")
        header += "}"
        var offset = 0
        for it in list {
            header += ",\(jsonString(it.name)):{\"dtype\":\"\(T.safetensorsDType)\",\"shape\":[\(it.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + it.bytes)]}"
            offset += it.bytes
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var data = Data(capacity: 8 + headerBytes.count + offset)
        var n = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for it in list { data.append(UnsafeRawBufferPointer(start: it.pointer, count: it.bytes).bindMemory(to: UInt8.self)) }
        return data
    }

    /// Writes `encode(...)` to `url` atomically.
    public static func save<T: EngineScalar>(_ store: ParameterStore<T>, optimizer: AdamW<T>? = nil,
                                             metadata: CheckpointMetadata, to url: URL) throws {
        let data = encode(store, optimizer: optimizer, metadata: metadata)
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: tmp)
            // rename(2) replaces an existing file atomically (FileManager.replaceItemAt fails on Linux here).
            guard rename(tmp.path, url.path) == 0 else {
                throw EngineError(url.path, expected: "a checkpoint renamed into place",
                                  found: String(cString: strerror(errno)))
            }
        } catch let e as EngineError {
            try? FileManager.default.removeItem(at: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw EngineError(url.path, expected: "a writable checkpoint path", found: "\(error.localizedDescription)")
        }
    }

    /// Parsed header: tensors (name → dtype, shape, byte range) and metadata.
    public struct Header: Sendable {
        public struct Entry: Sendable, Equatable {
            public var dtype: String
            public var shape: [Int]
            public var begin: Int
            public var end: Int
        }
        public var tensors: [String: Entry]
        public var metadata: [String: String]
        /// Byte offset of the tensor data in the file.
        public var dataStart: Int
    }

    /// Bytes per element of the safetensors dtypes (others are accepted in a header but never loaded).
    static let dtypeSizes: [String: Int] = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
                                            "I8": 1, "U8": 1, "BOOL": 1]

    /// Parses and checks the header: every tensor's offsets lie within the data and match its shape and dtype.
    public static func parseHeader(_ data: Data, path: String) throws -> Header {
        guard data.count >= 8 else { throw EngineError(path, expected: "a safetensors file (≥ 8 bytes)", found: "\(data.count) bytes") }
        let n = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n <= UInt64(data.count - 8), n < 100_000_000 else {
            throw EngineError(path, expected: "a safetensors header length ≤ \(data.count - 8)", found: "\(n)")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(n)))
        guard let obj = try? JSONSerialization.jsonObject(with: headerData), let dict = obj as? [String: Any] else {
            throw EngineError(path, expected: "a JSON object as safetensors header", found: "unparseable header")
        }
        var tensors: [String: Header.Entry] = [:]
        var metadata: [String: String] = [:]
        for (k, v) in dict {
            if k == "__metadata__" {
                guard let m = v as? [String: Any] else { throw EngineError(path, expected: "__metadata__ as an object", found: "\(type(of: v))") }
                for (mk, mv) in m {
                    guard let s = mv as? String else { throw EngineError(path, expected: "string metadata for \(mk.prefix(80))", found: "\(mv)".prefix(80) + "") }
                    metadata[mk] = s
                }
                continue
            }
            let name = k.count > 80 ? String(k.prefix(80)) + "…" : k
            guard let t = v as? [String: Any], let dtype = t["dtype"] as? String, let shape = t["shape"] as? [Int],
                  let offs = t["data_offsets"] as? [Int], offs.count == 2 else {
                throw EngineError(path, expected: "dtype, shape and data_offsets for tensor \(name)", found: "\(v)".prefix(80) + "")
            }
            // Offsets within the data, and a shape whose byte size is the range (checked arithmetic; a hostile
            // header such as [1, -2^63] must not trap).
            let available = data.count - 8 - Int(n)
            guard offs[0] >= 0, offs[1] >= offs[0], offs[1] <= available else {
                throw EngineError(path, expected: "data_offsets of tensor \(name) within 0…\(available), begin ≤ end",
                                  found: "[\(offs[0]), \(offs[1])]")
            }
            var bytes = dtypeSizes[dtype] ?? 1
            for d in shape {
                let (p, o) = bytes.multipliedReportingOverflow(by: d)
                guard d >= 0, !o, p <= available else {
                    throw EngineError(path, expected: "tensor \(name) with a shape of non-negative sizes within the data",
                                      found: "shape \(shape)".prefix(80) + "")
                }
                bytes = p
            }
            if dtypeSizes[dtype] != nil, bytes != offs[1] - offs[0] {
                throw EngineError(path, expected: "tensor \(name) of \(bytes) bytes (shape \(shape), \(dtype))",
                                  found: "data_offsets [\(offs[0]), \(offs[1])]")
            }
            tensors[k] = Header.Entry(dtype: dtype, shape: shape, begin: offs[0], end: offs[1])
        }
        return Header(tensors: tensors, metadata: metadata, dataStart: 8 + Int(n))
    }

    /// Loads parameters (and the optimizer state when given) from `data`. Every parameter of the store's
    /// layout must be present with the store's dtype and shape; other tensors are ignored. Returns the
    /// metadata. Throws `EngineError` naming `path` on any mismatch.
    @discardableResult
    public static func decode<T: EngineScalar>(_ data: Data, path: String, into store: ParameterStore<T>,
                                               optimizer: AdamW<T>? = nil) throws -> CheckpointMetadata {
        let h = try parseHeader(data, path: path)
        let available = data.count - h.dataStart
        // Validate everything before writing anything.
        let list = items(store, optimizer)
        for it in list {
            guard let e = h.tensors[it.name] else { throw EngineError(path, expected: "tensor \(it.name)", found: "no such tensor") }
            guard e.dtype == T.safetensorsDType else {
                throw EngineError(path, expected: "\(it.name) of dtype \(T.safetensorsDType)", found: e.dtype)
            }
            guard e.shape == it.shape else {
                throw EngineError(path, expected: "\(it.name) of shape \(it.shape)", found: "shape \(e.shape)")
            }
            guard e.begin >= 0, e.end >= e.begin, e.end <= available, e.end - e.begin == it.bytes else {
                throw EngineError(path, expected: "\(it.name) bytes \(it.bytes) within \(available) data bytes",
                                  found: "data_offsets [\(e.begin), \(e.end)]")
            }
        }
        guard let stepText = h.metadata["step"], let step = Int(stepText) else {
            throw EngineError(path, expected: "metadata \"step\" (an integer)", found: String((h.metadata["step"] ?? "none").prefix(40)))
        }
        var optimizerStep = 0
        if optimizer != nil {
            guard let s = h.metadata["optimizer_step"], let os = Int(s) else {
                throw EngineError(path, expected: "metadata \"optimizer_step\"", found: h.metadata["optimizer_step"] ?? "none")
            }
            optimizerStep = os
        }
        data.withUnsafeBytes { raw in
            for it in list {
                let e = h.tensors[it.name]!
                it.pointer.copyMemory(from: raw.baseAddress! + h.dataStart + e.begin, byteCount: it.bytes)
            }
        }
        optimizer?.step = optimizerStep
        var extra = h.metadata
        for k in ["config", "step", "provenance", "optimizer_step", "format"] { extra[k] = nil }
        return CheckpointMetadata(config: h.metadata["config"] ?? "", step: step,
                                  provenance: h.metadata["provenance"] ?? "", extra: extra)
    }

    @discardableResult
    public static func load<T: EngineScalar>(_ url: URL, into store: ParameterStore<T>,
                                             optimizer: AdamW<T>? = nil) throws -> CheckpointMetadata {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EngineError(url.path, expected: "a readable safetensors file", found: error.localizedDescription)
        }
        return try decode(data, path: url.path, into: store, optimizer: optimizer)
    }
}
