// Renders a list of target views to files, resumably:
//   <out>/<name>.png             the render (8-bit RGB)
//   <out>/<name>.json            sidecar: method, settings hash, inputs hash, output hashes, timing — written last
//   <out>/depth/<name>.png       16-bit depth (depth = value / depthScale, in scene units) with --depth
//   <out>/depth/<name>_color.png colour-mapped depth preview
//
// Crash safety. Every file is written atomically (temp + rename, see AtomicFile), so no file is ever half
// written under its final name. A view is complete exactly when its sidecar exists and the files have the
// bytes it records. A failed render or write never deletes or replaces an earlier result: every file of a
// view is first staged under a temporary name beside the old one and renamed into place only when all of
// them are complete (the sidecar last); on any error the staged files are discarded and the old PNG, depth
// maps and sidecar stay as they were. A crash between the renames leaves an old sidecar whose hashes do not
// match, so the view is rendered again on the next run.
// A rerun skips a view whose sidecar has the same settings hash and inputs hash (target camera + reference
// cameras) and whose files still have the recorded bytes (FNV-1a hashes); every other view is rendered again.
// Rendering is deterministic, so a run killed at any point (even SIGKILL) and rerun ends with the same bytes
// as an uninterrupted run. Temporary files left by a killed run are removed when the next job starts.
// Not detected: reference *images* edited in place with unchanged names and cameras (use --force).

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
    /// Hash of everything else the pixels depend on: target camera, excluded view, reference cameras, near/far.
    public var inputsHash: String?
    /// FNV-1a 64 of the PNG's bytes (and of the depth PNG's), checked before a view is skipped.
    public var fileHash: String?
    public var depthFileHash: String?
    public var width: Int
    public var height: Int
    public var seconds: Double
    public var raysPerSecond: Double
    public var depthFile: String?
    /// Depth PNG scale: depth in scene units = 16-bit value / depthScale.
    public var depthScale: Double?
    public var depthPreviewFile: String?
    public var sceneView: Int?
    /// Worker threads and rays per tile of the run that rendered the view (they do not change the bytes).
    public var threads: Int?
    public var chunkRays: Int?
    public var skipped: Bool? = nil
}

public enum RenderJob {
    public static func run<M: RenderMethod>(
        method: M, targets: [TargetView], references: ReferenceImages, options: RenderJobOptions,
        log: (String) -> Void = { _ in }
    ) throws -> [RenderRecord] {
        let depthDir = options.outDir.appendingPathComponent("depth")
        try refuseToOverwriteInputs(targets: targets, scene: references.scene, outDir: options.outDir)
        try OutputFolder.prepare(options.outDir)
        if options.render.wantDepth { try OutputFolder.prepare(depthDir) }
        for dir in [options.outDir, depthDir] {
            for name in AtomicFile.removeStaleTemporaries(in: dir) { log("removed a temporary file left by a killed run: \(name)") }
        }
        try checkTargets(targets, references: references)
        let hash = method.settingsHash
        let referenceHash = referencesFingerprint(references)
        let inputs = targets.map { fnv1a64Hex(referenceHash + "\n" + targetFingerprint($0)) }
        // First pass: views already complete and up to date.
        var records: [RenderRecord?] = targets.indices.map { i in
            let sidecar = options.outDir.appendingPathComponent(targets[i].name + ".json")
            guard !options.force, var previous = existingRecord(sidecar: sidecar, settingsHash: hash, inputsHash: inputs[i],
                                                               wantDepth: options.render.wantDepth, outDir: options.outDir)
            else { return nil }
            previous.skipped = true
            return previous
        }
        let skipped = records.filter { $0 != nil }.count
        if skipped > 0 { log("\(skipped) of \(targets.count) views up to date, skipped") }
        // One bar (and ETA) over all the pixels still to render.
        let todo = targets.indices.filter { records[$0] == nil }
        let totalPixels = todo.map { targets[$0].camera.intrinsics.width * targets[$0].camera.intrinsics.height }.reduce(0, +)
        let bar = ProgressBar(total: totalPixels, label: method.name, quiet: options.quiet)
        defer { bar.finish() }   // ends the bar's line, also before an error message
        for i in todo {
            let target = targets[i]
            let png = options.outDir.appendingPathComponent(target.name + ".png")
            let sidecar = options.outDir.appendingPathComponent(target.name + ".json")
            bar.setStatus("[\(i + 1)/\(targets.count)] \(target.name)")
            let context = try method.prepare(target: target.camera, excludingView: target.sceneView, references: references)
            let w = target.camera.intrinsics.width, h = target.camera.intrinsics.height
            let view = TiledRenderer.render(method: method, target: target.camera, context: context, options: options.render, progress: bar)
            var record = RenderRecord(
                name: target.name, file: png.lastPathComponent, method: method.name, settingsHash: hash,
                settings: method.settings, inputsHash: inputs[i], width: w, height: h, seconds: view.seconds,
                raysPerSecond: Double(w * h) / max(view.seconds, 1e-9), sceneView: target.sceneView,
                threads: options.render.threads, chunkRays: options.render.chunkRays)
            // Stage every file of the view beside the old ones; rename only when all are complete.
            var staged: [AtomicFile.Staged] = []
            do {
                let pngData = try ImageIO.encodePNG(view.rgb, path: png.path)
                staged.append(try AtomicFile.stage(pngData, for: png))
                record.fileHash = fnv1a64Hex(pngData)
                if let depth = view.depth {
                    let d = try stageDepth(depth, width: w, height: h, name: target.name, outDir: options.outDir)
                    staged += d.staged
                    record.depthFile = d.file; record.depthScale = d.scale
                    record.depthFileHash = d.hash; record.depthPreviewFile = d.preview
                }
                staged.append(try AtomicFile.stage(try JSONCoding.encode(record), for: sidecar))
                for f in staged { try f.commit() }
            } catch {
                // A full disk or similar: nothing of the new view replaces the old one (renames that already
                // happened leave a sidecar whose hashes do not match, so the view is rendered again).
                for f in staged { f.discard() }
                throw error
            }
            bar.print("[\(i + 1)/\(targets.count)] \(target.name): \(String(format: "%.2f s, %.0f rays/s", view.seconds, record.raysPerSecond))",
                      fallback: log)
            records[i] = record
        }
        return records.map { $0! }
    }

    /// The sidecar's record if the view it describes is complete and up to date, else nil.
    static func existingRecord(sidecar: URL, settingsHash: String, inputsHash: String, wantDepth: Bool, outDir: URL) -> RenderRecord? {
        guard let data = try? InputFile.read(sidecar, expected: "a render sidecar"),   // regular files only: no FIFO hang
              let record = try? JSONDecoder().decode(RenderRecord.self, from: data),
              record.settingsHash == settingsHash, record.inputsHash == inputsHash,
              let fileHash = record.fileHash,
              let png = try? InputFile.read(outDir.appendingPathComponent(record.file), expected: "a render"),
              fnv1a64Hex(png) == fileHash else { return nil }
        if wantDepth {
            guard let d = record.depthFile, let dh = record.depthFileHash, let p = record.depthPreviewFile,
                  let depth = try? InputFile.read(outDir.appendingPathComponent(d), expected: "a depth map"), fnv1a64Hex(depth) == dh,
                  FileManager.default.fileExists(atPath: outDir.appendingPathComponent(p).path) else { return nil }
        }
        return record
    }

    /// Refuses an output folder where a render would replace one of the scene's own images (e.g. --out
    /// pointing at the scene's images folder).
    static func refuseToOverwriteInputs(targets: [TargetView], scene: Scene, outDir: URL) throws {
        func key(_ u: URL) -> String { u.standardizedFileURL.resolvingSymlinksInPath().path }
        let inputs = Set(scene.views.map { key($0.imageURL) })
        for t in targets {
            for name in [t.name + ".png", t.name + ".json", "depth/\(t.name).png", "depth/\(t.name)_color.png"] {
                let url = outDir.appendingPathComponent(name)
                if inputs.contains(key(url)) {
                    throw ViewSynthError(outDir, expected: "an output folder apart from the scene's images",
                                         found: "rendering would replace \(url.path)")
                }
            }
        }
    }

    /// Camera parameters at full precision.
    static func cameraFingerprint(_ c: Camera) -> String {
        let k = c.intrinsics, r = c.worldFromCamera.rotation, t = c.worldFromCamera.translation
        let values = [k.fx, k.fy, k.cx, k.cy, r.c0.x, r.c0.y, r.c0.z, r.c1.x, r.c1.y, r.c1.z, r.c2.x, r.c2.y, r.c2.z, t.x, t.y, t.z]
        return "\(k.width)x\(k.height) " + values.map { String(format: "%.17g", $0) }.joined(separator: " ")
    }

    static func targetFingerprint(_ t: TargetView) -> String {
        "target \(cameraFingerprint(t.camera)) exclude \(t.sceneView.map(String.init) ?? "-")"
    }

    /// What the references contribute apart from pixel values: their names, cameras, distortion, the
    /// candidate set, near/far and the background colour.
    static func referencesFingerprint(_ refs: ReferenceImages) -> String {
        let s = refs.scene
        var text = String(format: "near %.17g far %.17g bg %g %g %g\n", s.near, s.far,
                          Double(s.background.x), Double(s.background.y), Double(s.background.z))
        for i in refs.candidates {
            let v = s.views[i]
            let d = v.distortion.map { String(format: "%.17g %.17g %.17g %.17g %.17g", $0.k1, $0.k2, $0.p1, $0.p2, $0.k3) } ?? "-"
            text += "\(i) \(v.name) \(cameraFingerprint(v.camera)) \(d)\n"
        }
        return fnv1a64Hex(text)
    }

    /// Every target needs a distinct output name and at least one reference view other than itself (a 1-view
    /// scene would otherwise "render" a flat grey image from nothing).
    public static func checkTargets(_ targets: [TargetView], references: ReferenceImages) throws {
        var seen: [String: Int] = [:]
        for (i, t) in targets.enumerated() {
            if let j = seen[t.name] {
                throw ViewSynthError(references.scene.root, expected: "distinct output names for the views to render",
                                     found: "views \(j) and \(i) both named \(t.name.prefix(80)) (they would overwrite each other)")
            }
            seen[t.name] = i
            guard references.candidates.contains(where: { $0 != t.sceneView }) else {
                throw ViewSynthError(references.scene.root, expected: "at least 1 reference view besides the view rendered",
                                     found: "\(references.scene.views.count) view(s), \(references.candidates.count) reference candidate(s) for \(t.name.prefix(80))")
            }
        }
    }

    /// 16-bit depth PNG with depth = value / scale (scale maps the largest depth to 65535), plus a preview,
    /// staged (not yet renamed into place).
    static func stageDepth(_ depth: [Float], width: Int, height: Int, name: String, outDir: URL)
        throws -> (staged: [AtomicFile.Staged], file: String, scale: Double, hash: String, preview: String) {
        let maxDepth = Double(depth.max() ?? 1)
        let scale = maxDepth > 0 ? 65535 / maxDepth : 1
        let values = depth.map { d -> UInt16 in
            let v = Double(d) * scale
            return v.isFinite ? UInt16(min(max(v, 0), 65535).rounded()) : 0   // NaN or ∞ must not trap
        }
        let file = "depth/\(name).png", preview = "depth/\(name)_color.png"
        let url = outDir.appendingPathComponent(file)
        let data = try ImageIO.encodePNG16(gray: values, width: width, height: height, path: url.path)
        let previewURL = outDir.appendingPathComponent(preview)
        let previewData = try ImageIO.encodePNG(ColorMap.depthPreview(depth, width: width, height: height), path: previewURL.path)
        let first = try AtomicFile.stage(data, for: url)
        do {
            let second = try AtomicFile.stage(previewData, for: previewURL)
            return ([first, second], file, scale, fnv1a64Hex(data), preview)
        } catch {
            first.discard()
            throw error
        }
    }
}

/// Checks that an output folder exists (creating it) and is writable, before any work is done.
/// Errors name the offending path in one line (e.g. a regular file where a folder is needed).
public enum OutputFolder {
    public static func prepare(_ dir: URL) throws {
        let path = dir.standardizedFileURL.path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw ViewSynthError(path, expected: "an output folder", found: "a file that is not a folder")
            }
        } else {
            // Create the missing components one by one, so an error names the component that failed.
            var prefix = path.hasPrefix("/") ? "" : "."
            for part in path.split(separator: "/") {
                prefix += "/" + part
                if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDir) {
                    guard isDir.boolValue else {
                        throw ViewSynthError(path, expected: "an output folder that can be created",
                                             found: "\(prefix) is a file, not a folder")
                    }
                    continue
                }
                if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                    let err = errno
                    throw ViewSynthError(path, expected: "an output folder that can be created",
                                         found: "cannot create \(prefix) (\(String(cString: strerror(err)).lowercased()))")
                }
            }
        }
        // A probe named like an AtomicFile temporary, so a killed run's leftover is cleaned up like one.
        let probe = (path as NSString).appendingPathComponent(AtomicFile.temporaryName(for: "write-test"))
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let err = errno
            throw ViewSynthError(path, expected: "a writable output folder",
                                 found: "cannot create a file there (\(String(cString: strerror(err)).lowercased()))")
        }
        close(fd)
        unlink(probe)
    }
}

/// Pretty, key-sorted JSON for every file ViewSynth writes.
public enum JSONCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try enc.encode(value)
        data.append(0x0A)
        return data
    }
}
