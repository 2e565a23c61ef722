// Blender (transforms_train/test.json) and instant-ngp (transforms.json) writers (rules in SceneWriter.swift),
// with a tiny deterministic JSON emitter (key order as given, doubles in shortest round-trip form).

import Foundation

/// Minimal JSON value for writing: keys keep their order, doubles print in Swift's shortest round-trip form.
enum JSONOut {
    case number(Double), int(Int), string(String), array([JSONOut]), object([(String, JSONOut)])

    func render(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent), pad1 = String(repeating: "  ", count: indent + 1)
        switch self {
        case .number(let d): return d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)") : "null"
        case .int(let i): return "\(i)"
        case .string(let s):
            var out = "\""
            for ch in s.unicodeScalars {
                switch ch {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
                }
            }
            return out + "\""
        case .array(let a):
            if a.isEmpty { return "[]" }
            if a.allSatisfy({ if case .number = $0 { return true }; return false }) {
                return "[" + a.map { $0.render() }.joined(separator: ", ") + "]"
            }
            return "[\n" + a.map { pad1 + $0.render(indent: indent + 1) }.joined(separator: ",\n") + "\n" + pad + "]"
        case .object(let o):
            if o.isEmpty { return "{}" }
            return "{\n" + o.map { pad1 + JSONOut.string($0.0).render() + ": " + $0.1.render(indent: indent + 1) }
                .joined(separator: ",\n") + "\n" + pad + "}"
        }
    }
}

extension SceneWriter {
    /// Intrinsic keys of view i (explicit form).
    static func intrinsicKeys(_ s: SceneExport, _ i: Int) -> [(String, JSONOut)] {
        let k = s.cameras[i].intrinsics
        var o: [(String, JSONOut)] = [("fl_x", .number(k.fx)), ("fl_y", .number(k.fy)), ("cx", .number(k.cx)),
                                      ("cy", .number(k.cy)), ("w", .int(k.width)), ("h", .int(k.height))]
        if let d = s.distortion(i) {
            o += [("camera_model", .string("OPENCV")), ("k1", .number(d.k1)), ("k2", .number(d.k2)),
                  ("p1", .number(d.p1)), ("p2", .number(d.p2))]
            if d.k3 != 0 { o.append(("k3", .number(d.k3))) }
        }
        return o
    }

    /// Top-level keys and per-frame keys for the intrinsics; camera_angle_x alone when `allowAngle` and possible.
    static func intrinsicsLayout(_ s: SceneExport, allowAngle: Bool) -> (top: [(String, JSONOut)], perFrame: Bool) {
        let k0 = s.cameras[0].intrinsics
        let shared = s.cameras.allSatisfy { $0.intrinsics == k0 } && (0..<s.cameras.count).allSatisfy { s.distortion($0) == s.distortion(0) }
        if allowAngle, shared, k0.fx == k0.fy, k0.cx == Double(k0.width) / 2, k0.cy == Double(k0.height) / 2, s.distortion(0) == nil {
            return ([("camera_angle_x", .number(2 * atan(0.5 * Double(k0.width) / k0.fx)))], false)
        }
        return shared ? (intrinsicKeys(s, 0), false) : ([], true)
    }

    static func frame(_ s: SceneExport, _ i: Int, perFrame: Bool, dropPNGExtension: Bool) -> JSONOut {
        var path = "./images/" + s.names[i]
        if dropPNGExtension, path.lowercased().hasSuffix(".png") { path.removeLast(4) }
        let (r, t) = CameraConventions.toOpenGL(s.cameras[i].worldFromCamera)
        let rows: [JSONOut] = (0..<3).map { row in .array([.number(r[row, 0]), .number(r[row, 1]), .number(r[row, 2]), .number(t[row])]) }
            + [.array([.number(0), .number(0), .number(0), .number(1)])]
        var o: [(String, JSONOut)] = [("file_path", .string(path))]
        if perFrame { o += intrinsicKeys(s, i) }
        o.append(("transform_matrix", .array(rows)))
        return .object(o)
    }

    static func boundsKeys(_ s: SceneExport) -> [(String, JSONOut)] {
        guard let a = s.near, let b = s.far else { return [] }
        return [("near", .number(a)), ("far", .number(b))]
    }

    static func writeJSON(_ v: JSONOut, to url: URL) throws {
        try AtomicFile.write(Data((v.render() + "\n").utf8), to: url)
    }

    static func writeBlender(_ s: SceneExport, to dir: URL) throws {
        let layout = intrinsicsLayout(s, allowAngle: true)
        let test = Set(s.testIndices)
        func doc(_ idx: [Int]) -> JSONOut {
            .object(layout.top + boundsKeys(s) + [("frames", .array(idx.map { frame(s, $0, perFrame: layout.perFrame, dropPNGExtension: true) }))])
        }
        let trainIdx = (0..<s.names.count).filter { !test.contains($0) }
        guard !trainIdx.isEmpty else {
            throw ViewSynthError(dir.appendingPathComponent("transforms_train.json"), expected: "at least one non-test view", found: "none")
        }
        try writeJSON(doc(trainIdx), to: dir.appendingPathComponent("transforms_train.json"))
        if !s.testIndices.isEmpty { try writeJSON(doc(s.testIndices.sorted()), to: dir.appendingPathComponent("transforms_test.json")) }
    }

    static func writeTransforms(_ s: SceneExport, to dir: URL) throws {
        let layout = intrinsicsLayout(s, allowAngle: false)
        var top = layout.top + boundsKeys(s)
        let n = s.names.count
        if s.testIndices.sorted() != SceneLoader.holdout(count: n, every: 8).test {
            let test = Set(s.testIndices)
            top.append(("train_filenames", .array((0..<n).filter { !test.contains($0) }.map { .string("images/" + s.names[$0]) })))
            top.append(("test_filenames", .array(s.testIndices.sorted().map { .string("images/" + s.names[$0]) })))
        }
        top.append(("frames", .array((0..<n).map { frame(s, $0, perFrame: layout.perFrame, dropPNGExtension: false) })))
        try writeJSON(.object(top), to: dir.appendingPathComponent("transforms.json"))
    }
}
