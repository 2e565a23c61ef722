import Foundation
import Testing
import ViewSynthEngine

@Suite("safetensors checkpoints")
struct SafeTensorsTests {
    func makeModel(seed: UInt64) -> (ParameterStore<Float>, AdamW<Float>) {
        var layout = ParameterLayout()
        let cfg = TransformerConfig(width: 8, heads: 2, mlpWidth: 12)
        let (ls, fn) = TransformerStack<Float>.declare("enc", config: cfg, count: 2, finalNorm: true, layout: &layout)
        let p = ParameterStore<Float>(layout: layout)
        var rng = EngineRNG(seed: seed)
        for l in ls { l.initialize(p, &rng) }
        fn?.initialize(p)
        for e in layout.entries { EngineRandom.fillNormal(p.grad(e), std: 1, &rng) }
        let opt = AdamW<Float>(layout: layout, configuration: .init(schedule: .init(peak: 1e-3)))
        opt.update(p)
        return (p, opt)
    }

    let meta = CheckpointMetadata(config: "{\"width\": 8, \"name\": \"tiny \\\"q\\\"\"}", step: 42,
                                  provenance: "synthetic scene seed 3; ViewSynth test", extra: ["note": "é ✓"])

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vs-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func saveOverwritesAnExistingCheckpoint() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        let (p1, _) = makeModel(seed: 1), (p2, _) = makeModel(seed: 2)
        try SafeTensors.save(p1, metadata: meta, to: url)
        try SafeTensors.save(p2, metadata: meta, to: url)
        let (q, _) = makeModel(seed: 3)
        _ = try SafeTensors.load(url, into: q)
        #expect(q.values.buffer.map(\.bitPattern) == p2.values.buffer.map(\.bitPattern))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func roundTripIsBitIdentical() throws {
        let (p, opt) = makeModel(seed: 1)
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try SafeTensors.save(p, optimizer: opt, metadata: meta, to: url)
        let (q, qopt) = makeModel(seed: 2)
        let loaded = try SafeTensors.load(url, into: q, optimizer: qopt)
        #expect(loaded == meta)
        #expect(qopt.step == opt.step)
        func bytes(_ b: AlignedBuffer<Float>) -> [UInt32] { b.buffer.map(\.bitPattern) }
        #expect(bytes(q.values) == bytes(p.values))
        #expect(bytes(qopt.m) == bytes(opt.m))
        #expect(bytes(qopt.v) == bytes(opt.v))
        // saving the loaded state again gives the same file bytes
        let url2 = dir.appendingPathComponent("again.safetensors")
        try SafeTensors.save(q, optimizer: qopt, metadata: loaded, to: url2)
        #expect(try Data(contentsOf: url) == Data(contentsOf: url2))
        // header layout: u64 length, 8-byte aligned JSON
        let data = try Data(contentsOf: url)
        let n = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        #expect(n % 8 == 0)
        let h = try SafeTensors.parseHeader(data, path: url.path)
        #expect(h.tensors["enc.0.qkv.weight"]?.shape == [8, 24])
        #expect(h.tensors["enc.0.qkv.weight"]?.dtype == "F32")
        #expect(h.metadata["step"] == "42")
    }

    @Test func mismatchesThrowOneLineErrors() throws {
        let (p, _) = makeModel(seed: 1)
        let data = SafeTensors.encode(p, metadata: meta)
        // another architecture: same names, other width
        var layout = ParameterLayout()
        _ = TransformerStack<Float>.declare("enc", config: TransformerConfig(width: 16, heads: 2), count: 2,
                                             finalNorm: true, layout: &layout)
        let other = ParameterStore<Float>(layout: layout)
        #expect(throws: EngineError.self) { try SafeTensors.decode(data, path: "m.safetensors", into: other) }
        do {
            try SafeTensors.decode(data, path: "m.safetensors", into: other)
        } catch let e as EngineError {
            #expect(e.description.hasPrefix("m.safetensors: expected enc.0.ln1.scale of shape [16]"))
            #expect(!e.description.contains("\n"))
        }
        // Double store reading a Float file
        var dl = ParameterLayout()
        _ = TransformerStack<Double>.declare("enc", config: TransformerConfig(width: 8, heads: 2, mlpWidth: 12), count: 2,
                                              finalNorm: true, layout: &dl)
        #expect(throws: EngineError.self) { try SafeTensors.decode(data, path: "m", into: ParameterStore<Double>(layout: dl)) }
        // truncated and garbage files
        #expect(throws: EngineError.self) { try SafeTensors.decode(data.prefix(data.count - 4), path: "m", into: p) }
        #expect(throws: EngineError.self) { try SafeTensors.decode(Data([1, 2, 3]), path: "m", into: p) }
        #expect(throws: EngineError.self) { try SafeTensors.decode(Data(repeating: 0x41, count: 64), path: "m", into: p) }
        #expect(throws: EngineError.self) { try SafeTensors.load(URL(fileURLWithPath: "/nonexistent/x.safetensors"), into: p) }
    }

    static var pythonHasSafetensors: Bool {
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proc.arguments = ["python3", "-c", "import safetensors, numpy"]
        proc.standardOutput = FileHandle.nullDevice
        proc.standardError = FileHandle.nullDevice
        do { try proc.run() } catch { return false }
        proc.waitUntilExit()
        return proc.terminationStatus == 0
    }

    /// Loads our file with the reference implementation (skips when python3 + safetensors + numpy are absent).
    @Test(.enabled(if: pythonHasSafetensors)) func pythonReadsOurFile() throws {
        let (p, _) = makeModel(seed: 5)
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("py.safetensors")
        try SafeTensors.save(p, metadata: meta, to: url)
        let w = p.value(p.layout.entry(named: "enc.1.mlp1.weight")!)
        let expected = [w[0], w[5], w[w.count - 1]].map { String(format: "%.9g", Double($0)) }.joined(separator: ",")
        let script = """
            import json, sys, numpy as np
            from safetensors import safe_open
            with safe_open(sys.argv[1], framework="numpy") as f:
                meta = f.metadata()
                t = f.get_tensor("enc.1.mlp1.weight")
            assert t.dtype == np.float32 and t.shape == (8, 12), (t.dtype, t.shape)
            exp = np.array([float(x) for x in sys.argv[2].split(",")], dtype=np.float32)
            flat = t.reshape(-1)
            assert np.array_equal(np.array([flat[0], flat[5], flat[-1]]), exp), (flat[:6], exp)
            assert meta["step"] == "42" and json.loads(meta["config"])["width"] == 8 and meta["note"] == "é ✓"
            print("ok")
            """
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proc.arguments = ["python3", "-c", script, url.path, expected]
        let out = Pipe()
        proc.standardOutput = out
        proc.standardError = out
        try proc.run()
        proc.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(proc.terminationStatus == 0, "python: \(text)")
        #expect(text.contains("ok"))
    }
}
