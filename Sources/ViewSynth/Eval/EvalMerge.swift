// The per-view results of `viewsynth eval` and `viewsynth merge`, which builds the report from them:
//   <out>/eval/plan.json          EvalPlan: the views to measure (in report order), the method, its settings and
//                                 the fingerprint every view must share; written by every shard (same bytes)
//   <out>/eval/views/<name>.json  EvalViewRecord: one view's PSNR/SSIM, its fingerprint, the hashes of the render
//                                 and strip it measured, timing
// `merge` (and an unsharded eval, through the same code) reads them and writes metrics.json, metrics.csv and
// report.html, staged together and renamed into place only when all three are complete. It refuses — before
// writing anything, so an earlier good report stays — when the plan is missing, a view of the plan has no
// record, a record was made with other settings (another fingerprint), or a render or strip no longer has the
// bytes that were measured. Reports differ between a sharded and an unsharded run only in timings and dates.

import Foundation
import ViewSynthCore

/// What every view of one eval must share; a view measured under another fingerprint is refused by `merge`.
public struct EvalFingerprint: Codable, Equatable, Sendable {
    public var method: String
    /// The method's settings hash (name + every setting: sweep parameters, model config, weights id).
    public var settingsHash: String
    /// Options besides the settings that change the outputs: depth maps, and the method's own (e.g. the model
    /// methods' chunk and batch). Not the thread count, which changes nothing.
    public var options: [String: String]
    /// Hash of the scene's identity: name, format, the reference views' names and cameras, near/far, background.
    public var scene: String
    /// Hash of the views measured, in order: names and cameras (the test split and --max-views).
    public var views: String

    /// What differs from `other` (the plan's), in words, or nil when nothing does.
    public func difference(from other: EvalFingerprint) -> String? {
        if method != other.method { return "method \(method) (the plan's: \(other.method))" }
        if settingsHash != other.settingsHash { return "\(method) settings hash \(settingsHash) (the plan's: \(other.settingsHash))" }
        if options != other.options {
            let keys = Set(options.keys).union(other.options.keys).sorted().filter { options[$0] != other.options[$0] }
            return keys.map { "\($0) \(options[$0] ?? "unset") (the plan's: \(other.options[$0] ?? "unset"))" }.joined(separator: ", ")
        }
        if scene != other.scene { return "another scene (names, cameras, near/far or background differ)" }
        if views != other.views { return "another set of views (the test split or --max-views differ)" }
        return nil
    }
}

/// eval/plan.json: what the eval measures. Deliberately free of dates and shard numbers, so every shard of one
/// run writes the same bytes.
public struct EvalPlan: Codable, Equatable, Sendable {
    public var version = 1
    public var fingerprint: EvalFingerprint
    public var scene: String
    public var sceneFormat: String
    /// The scene folder as loaded (shown in the report).
    public var scenePath: String
    public var method: String
    public var settings: [String: String]
    public var settingsHash: String
    public var weightsHash: String?
    /// What --weights selected ("shipped", "random" or a file path), for the report.
    public var weights: String?
    public var depth: Bool
    /// The views, in report order.
    public var views: [String]

    public init<M: RenderMethod>(method: M, scene: Scene, references: ReferenceImages, targets: [TargetView], options: RenderOptions,
                                 weightsHash: String?, weights: String?) {
        var opts = method.outputOptions(options)
        opts["depth"] = options.wantDepth ? "yes" : "no"
        let views = targets.map { "\($0.name) \(RenderJob.targetFingerprint($0))" }.joined(separator: "\n")
        fingerprint = EvalFingerprint(
            method: method.name, settingsHash: method.settingsHash, options: opts,
            scene: fnv1a64Hex("\(scene.name)\n\(scene.format.rawValue)\n\(RenderJob.referencesFingerprint(references))"),
            views: fnv1a64Hex(views))
        self.scene = scene.name; sceneFormat = scene.format.rawValue; scenePath = scene.root.path
        self.method = method.name; settings = method.settings; settingsHash = method.settingsHash
        self.weightsHash = weightsHash; self.weights = weights; depth = options.wantDepth
        self.views = targets.map(\.name)
    }
}

/// eval/views/<name>.json: one measured view.
public struct EvalViewRecord: Codable, Equatable, Sendable {
    public var name: String
    public var fingerprint: EvalFingerprint
    public var psnr: Double
    public var ssim: Double
    /// Render time of the view, as recorded when it was rendered.
    public var seconds: Double
    public var width: Int
    public var height: Int
    public var renderFile: String
    /// FNV-1a 64 of the render that was measured (and of its strip): `merge` checks the files still have them.
    public var renderFileHash: String
    public var stripFile: String
    public var stripFileHash: String
    public var depthPreviewFile: String?
    /// Threads of the run that rendered the view, and of the run that measured it.
    public var renderThreads: Int?
    public var evalThreads: Int
    /// Whether the measuring run rendered the view (false: an up-to-date render was reused).
    public var rendered: Bool
    /// "K/N" of the shard that measured it (nil: an unsharded run). Informational, not compared.
    public var shard: String?
}

public enum EvalMerge {
    public static let folder = "eval"
    public static let viewsFolder = "views"
    public static let planFile = "plan.json"

    public static func planURL(_ outDir: URL) -> URL { outDir.appendingPathComponent(folder).appendingPathComponent(planFile) }
    public static func recordURL(_ outDir: URL, view: String) -> URL {
        outDir.appendingPathComponent(folder).appendingPathComponent(viewsFolder).appendingPathComponent(view + ".json")
    }

    /// Reads eval/plan.json of `outDir`.
    public static func readPlan(_ outDir: URL) throws -> EvalPlan {
        let url = planURL(outDir)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ViewSynthError(url, expected: "the plan `viewsynth eval … --out \(outDir.path)` writes (run the eval or its shards first)",
                                 found: "no such file")
        }
        let data = try InputFile.read(url, expected: "an eval plan")
        do { return try JSONDecoder().decode(EvalPlan.self, from: data) } catch {
            throw ViewSynthError(url, expected: "an eval plan written by `viewsynth eval`", found: "unreadable JSON (\(error))")
        }
    }

    /// Builds metrics.json, metrics.csv and report.html in `outDir` from its plan and per-view records, after
    /// checking that every view is there, measured with the plan's settings, and its files unchanged; refuses
    /// (writing nothing) otherwise. `threads` is this run's thread count for the report (nil: the measuring
    /// runs'); `since` starts the report's wall time; `expectedPlan` (an unsharded eval's own) must be the plan
    /// on disk (else another run wrote into the folder meanwhile).
    @discardableResult
    public static func merge(outDir: URL, threads: Int? = nil, since start: Date = Date(), expectedPlan: EvalPlan? = nil) throws -> EvalReport {
        let plan = try readPlan(outDir)
        if let expectedPlan, expectedPlan != plan {
            throw ViewSynthError(planURL(outDir), expected: "the plan of this eval", found: "another run's (two evals with other settings share the folder)")
        }
        guard !plan.views.isEmpty else {
            throw ViewSynthError(planURL(outDir), expected: "a plan with at least one view", found: "none")
        }
        var records: [EvalViewRecord] = []
        var missing: [String] = []
        var other: [(String, String)] = []
        for name in plan.views {
            let url = recordURL(outDir, view: name)
            guard FileManager.default.fileExists(atPath: url.path) else { missing.append(name); continue }
            let data = try InputFile.read(url, expected: "a per-view eval record")
            let r: EvalViewRecord
            do { r = try JSONDecoder().decode(EvalViewRecord.self, from: data) } catch {
                throw ViewSynthError(url, expected: "a per-view eval record written by `viewsynth eval`", found: "unreadable JSON (\(error))")
            }
            guard r.name == name else { throw ViewSynthError(url, expected: "the record of view \(name)", found: "view \(r.name.prefix(80))") }
            if let d = r.fingerprint.difference(from: plan.fingerprint) { other.append((name, d)); continue }
            records.append(r)
        }
        if let (name, d) = other.first {
            throw ViewSynthError(outDir, expected: "every view measured with the settings of \(folder)/\(planFile)",
                                 found: "\(other.count) of \(plan.views.count) measured with other settings, e.g. \(name.prefix(80)): \(d) (re-run their shards with the plan's options)")
        }
        if !missing.isEmpty {
            let shown = missing.prefix(5).map { String($0.prefix(80)) }.joined(separator: ", ") + (missing.count > 5 ? " and \(missing.count - 5) more" : "")
            throw ViewSynthError(outDir, expected: "all \(plan.views.count) views of \(folder)/\(planFile) measured",
                                 found: "\(records.count); missing: \(shown) (run the shards that hold them, then merge again)")
        }
        // The files the report shows must still be the ones measured.
        for r in records {
            for (file, hash, what) in [(r.renderFile, r.renderFileHash, "render"), (r.stripFile, r.stripFileHash, "strip")] {
                let url = outDir.appendingPathComponent(file)
                guard let data = try? InputFile.read(url, expected: "a \(what)"), fnv1a64Hex(data) == hash else {
                    throw ViewSynthError(url, expected: "the \(what) measured in \(folder)/\(viewsFolder)/\(r.name.prefix(80)).json",
                                         found: FileManager.default.fileExists(atPath: url.path) ? "other bytes (re-run its shard)" : "no such file (re-run its shard)")
                }
            }
            if let d = r.depthPreviewFile, !FileManager.default.fileExists(atPath: outDir.appendingPathComponent(d).path) {
                throw ViewSynthError(outDir.appendingPathComponent(d), expected: "the depth preview of \(r.name.prefix(80))", found: "no such file (re-run its shard)")
            }
        }
        let report = makeReport(plan: plan, records: records, threads: threads, wallSeconds: Date().timeIntervalSince(start))
        var depthPreviews: [String: String] = [:]
        for r in records { if let d = r.depthPreviewFile { depthPreviews[r.name] = d } }
        let page = EvalReportPage(report: report, scenePath: plan.scenePath, weights: plan.weights, depthPreviews: depthPreviews)
        let files = [(try JSONCoding.encode(report), "metrics.json"), (Data(Evaluation.csv(report).utf8), "metrics.csv"),
                     (Data(page.html().utf8), "report.html")]
        var staged: [AtomicFile.Staged] = []
        do {
            for (data, name) in files { staged.append(try AtomicFile.stage(data, for: outDir.appendingPathComponent(name))) }
            for f in staged { try f.commit() }
        } catch {
            for f in staged { f.discard() }   // a committed file's temporary is gone already: unlink fails harmlessly
            throw error
        }
        return report
    }

    /// The report of `records` (in plan order). Only timings, the date and the thread counts depend on how the
    /// views were shared out.
    static func makeReport(plan: EvalPlan, records: [EvalViewRecord], threads: Int?, wallSeconds: Double) -> EvalReport {
        let metrics = records.map { ImageMetrics(name: $0.name, psnr: $0.psnr, ssim: $0.ssim, seconds: $0.seconds) }
        let raySeconds = records.map(\.seconds).reduce(0, +)
        let rays = records.map { Double($0.width * $0.height) }.reduce(0, +)
        return EvalReport(
            scene: plan.scene, sceneFormat: plan.sceneFormat, method: plan.method,
            settings: plan.settings, settingsHash: plan.settingsHash, weightsHash: plan.weightsHash,
            images: metrics,
            meanPSNR: metrics.map(\.psnr).reduce(0, +) / Double(metrics.count),
            meanSSIM: metrics.map(\.ssim).reduce(0, +) / Double(metrics.count),
            wallSeconds: wallSeconds,
            raysPerSecond: rays / max(raySeconds, 1e-9),
            renderSeconds: raySeconds,
            viewsRendered: records.filter(\.rendered).count,
            renderThreads: Array(Set(records.compactMap(\.renderThreads))).sorted(),
            threads: threads ?? records.map(\.evalThreads).max() ?? 1,
            date: ISO8601DateFormatter().string(from: Date()))
    }
}
