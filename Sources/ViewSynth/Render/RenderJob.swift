// Renders a list of target views to files, resumably:
//   <out>/<name>.png            the render (8-bit RGB)
//   <out>/<name>.json           sidecar: method, settings hash, camera, timing — written last
//   <out>/depth/<name>.png      16-bit depth (depth = value / depthScale, in scene units) with --depth
//   <out>/depth/<name>_color.png colour-mapped depth preview
// Every file is written atomically (temp + rename). A view whose sidecar exists with the same settings hash
// (and whose PNG exists) is skipped, so a killed run, rerun, ends with the same bytes as an uninterrupted one.

import Foundation
import ViewSynthCore

public struct RenderJobOptions: Sendable {
    public var outDir: URL
    public var render = RenderOptions()
    public var quiet = false
    /// Re-render views even when an identical result exists.
    public var force = false
    public init(outDir: URL, render: RenderOptions = RenderOptions(), quiet: Bool = false, force: Bool = false) {
        self.outDir = outDir; self.render = render; self.quiet = quiet; self.force = force
    }
}

public struct RenderRecord: Codable, Sendable {
    public var name: String
    public var file: String
    public var method: String
    public var settingsHash: String
    public var settings: [String: String]
    public var width: Int
    public var height: Int
    public var seconds: Double
    public var raysPerSecond: Double
    public var depthFile: String?
    public var depthScale: Double?
    public var sceneView: Int?
    public var skipped: Bool? = nil
}

public enum RenderJob {
    public static func run<M: RenderMethod>(
        method: M, targets: [TargetView], references: ReferenceImages, options: RenderJobOptions,
        log: (String) -> Void = { _ in }
    ) throws -> [RenderRecord] {
        try OutputFolder.prepare(options.outDir)
        if options.render.wantDepth { try OutputFolder.prepare(options.outDir.appendingPathComponent("depth")) }
        let hash = method.settingsHash
        var records: [RenderRecord] = []
        for (i, target) in targets.enumerated() {
            let png = options.outDir.appendingPathComponent(target.name + ".png")
            let sidecar = options.outDir.appendingPathComponent(target.name + ".json")
            if !options.force, var previous = existingRecord(sidecar: sidecar, png: png, hash: hash, wantDepth: options.render.wantDepth, outDir: options.outDir) {
                previous.skipped = true
                records.append(previous)
                log("[\(i + 1)/\(targets.count)] \(target.name): up to date, skipped")
                continue
            }
            let context = try method.prepare(target: target.camera, excludingView: target.sceneView, references: references)
            let w = target.camera.intrinsics.width, h = target.camera.intrinsics.height
            let bar = ProgressBar(total: w * h, label: "[\(i + 1)/\(targets.count)] \(target.name)", quiet: options.quiet)
            let view = TiledRenderer.render(method: method, target: target.camera, context: context, options: options.render, progress: bar)
            bar.finish()
            var record = RenderRecord(
                name: target.name, file: png.lastPathComponent, method: method.name, settingsHash: hash,
                settings: method.settings, width: w, height: h, seconds: view.seconds,
                raysPerSecond: Double(w * h) / max(view.seconds, 1e-9), sceneView: target.sceneView)
            try ImageIO.writePNG(view.rgb, to: png)
            if let depth = view.depth {
                let (file, scale) = try writeDepth(depth, width: w, height: h, name: target.name, outDir: options.outDir)
                record.depthFile = file; record.depthScale = scale
            }
            try AtomicFile.write(try JSONCoding.encode(record), to: sidecar)
            log("[\(i + 1)/\(targets.count)] \(target.name): \(String(format: "%.1f s, %.0f rays/s", view.seconds, record.raysPerSecond))")
            records.append(record)
        }
        return records
    }

    static func existingRecord(sidecar: URL, png: URL, hash: String, wantDepth: Bool, outDir: URL) -> RenderRecord? {
        guard let data = try? Data(contentsOf: sidecar),
              let record = try? JSONDecoder().decode(RenderRecord.self, from: data),
              record.settingsHash == hash,
              FileManager.default.fileExists(atPath: png.path) else { return nil }
        if wantDepth {
            guard let d = record.depthFile, FileManager.default.fileExists(atPath: outDir.appendingPathComponent(d).path) else { return nil }
        }
        return record
    }

    /// 16-bit depth PNG with depth = value / scale (scale maps the largest depth to 65535), plus a preview.
    static func writeDepth(_ depth: [Float], width: Int, height: Int, name: String, outDir: URL) throws -> (String, Double) {
        let maxDepth = Double(depth.max() ?? 1)
        let scale = maxDepth > 0 ? 65535 / maxDepth : 1
        let values = depth.map { UInt16(clamping: Int((Double($0) * scale).rounded())) }
        let file = "depth/\(name).png"
        try ImageIO.writePNG16(gray: values, width: width, height: height, to: outDir.appendingPathComponent(file))
        try ImageIO.writePNG(ColorMap.depthPreview(depth, width: width, height: height),
                             to: outDir.appendingPathComponent("depth/\(name)_color.png"))
        return (file, scale)
    }
}

/// Checks that an output folder exists (creating it) and is writable, before any work is done.
public enum OutputFolder {
    public static func prepare(_ dir: URL) throws {
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw ViewSynthError(dir, expected: "a folder that can be created", found: error.localizedDescription)
        }
        let probe = dir.appendingPathComponent(".viewsynth-write-test-\(getpid())")
        guard FileManager.default.createFile(atPath: probe.path, contents: Data()) else {
            throw ViewSynthError(dir, expected: "a writable folder", found: "no permission to write there")
        }
        try? FileManager.default.removeItem(at: probe)
    }
}

/// Pretty, key-sorted JSON for every file ViewSynth writes.
public enum JSONCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try enc.encode(value)
        data.append(0x0A)
        return data
    }
}
