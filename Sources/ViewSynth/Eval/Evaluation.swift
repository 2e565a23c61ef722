// `viewsynth eval`: render the held-out views, compare with ground truth, write
//   <out>/metrics.json   per image and mean PSNR/SSIM, method, settings, weights hash, wall time, rays/s
//   <out>/metrics.csv    one row per image plus a "mean" row
//   <out>/strips/<name>.png   ground truth | render | error heat map
//   <out>/report.html    a self-contained page of all of it (EvalReportPage.swift), linking the strips and,
//                        with depth, the depth previews
//   <out>/eval/plan.json, eval/views/<name>.json   the per-view results the report is made of (EvalMerge.swift)
// The ground-truth images (of this shard's views) are decoded before anything is rendered (a bad one fails at
// once, naming it).
// Renders are reused when up to date (see RenderJob), so an interrupted eval resumes. metrics.json,
// metrics.csv and report.html are written only after every view is measured, each staged completely before
// any is renamed into place: a run that fails half-way leaves the previous report in place. A sharded eval
// (`--shard K/N`, Sharding.swift) measures its views only; `viewsynth merge` writes the report from them.

import Foundation
import ViewSynthCore

public struct ImageMetrics: Codable, Sendable {
    public var name: String
    public var psnr: Double
    public var ssim: Double
    public var seconds: Double
}

public struct EvalReport: Codable, Sendable {
    public var scene: String
    public var sceneFormat: String
    public var method: String
    public var settings: [String: String]
    public var settingsHash: String
    public var weightsHash: String?
    public var images: [ImageMetrics]
    public var meanPSNR: Double
    public var meanSSIM: Double
    /// Wall time of this eval run (rendering skipped views costs nothing).
    public var wallSeconds: Double
    /// Rays per second over all views, from each view's recorded render time (renders reused from an earlier
    /// run keep the figures of the run that made them; see `threads`).
    public var raysPerSecond: Double?
    /// Total render time of the views (as recorded when each was rendered), seconds.
    public var renderSeconds: Double?
    /// Views rendered by this run (the others were up to date and reused).
    public var viewsRendered: Int?
    /// Threads of the runs that rendered the views (one value when they agree), e.g. [2].
    public var renderThreads: [Int]?
    /// Threads of this run.
    public var threads: Int
    public var date: String
}

public enum Evaluation {
    /// The views `eval` measures: the held-out views, or `maxViews` of them evenly spread (view j·count/k for
    /// j < k; always the first).
    public static func targets(scene: Scene, maxViews: Int?) -> [TargetView] {
        let all = CameraPath.testViews(scene)
        guard let k = maxViews, k >= 1, k < all.count else { return all }
        return (0..<k).map { all[$0 * all.count / k] }
    }

    /// An unsharded eval: renders and measures every view, then writes metrics.json, metrics.csv and
    /// report.html (through the same code as `viewsynth merge`).
    public static func run<M: RenderMethod>(
        method: M, scene: Scene, references: ReferenceImages, options: RenderJobOptions,
        weightsHash: String? = nil, maxViews: Int? = nil, weights: String? = nil, log: (String) -> Void = { _ in }
    ) throws -> EvalReport {
        let start = Date()
        let shard = try runShard(method: method, scene: scene, references: references, options: options, shard: .whole,
                                 weightsHash: weightsHash, maxViews: maxViews, weights: weights, log: log)
        return try EvalMerge.merge(outDir: options.outDir, threads: options.render.threads, since: start, expectedPlan: shard.plan)
    }

    /// What one shard did: the plan every shard shares and this shard's measured views.
    public struct ShardResult: Sendable {
        public var shard: ShardSpec
        public var plan: EvalPlan
        public var views: [EvalViewRecord]
    }

    /// One shard of an eval (all of it for `.whole`): writes the plan (eval/plan.json), renders this shard's
    /// views (resuming, see RenderJob), measures them and writes strips/<view>.png and eval/views/<view>.json.
    /// metrics.json, metrics.csv and report.html are left to `EvalMerge` (`run`, or `viewsynth merge`).
    public static func runShard<M: RenderMethod>(
        method: M, scene: Scene, references: ReferenceImages, options: RenderJobOptions, shard: ShardSpec,
        weightsHash: String? = nil, maxViews: Int? = nil, weights: String? = nil, log: (String) -> Void = { _ in }
    ) throws -> ShardResult {
        let all = targets(scene: scene, maxViews: maxViews)
        guard !all.isEmpty else {
            throw ViewSynthError(scene.root, expected: "a scene with held-out (test) views", found: "an empty test split")
        }
        // SSIM needs its 11×11 window inside the image: refuse before rendering anything (else NaN metrics).
        let win = ssimGaussianWindow.count
        for t in all {
            let k = t.camera.intrinsics
            guard k.width >= win, k.height >= win else {
                throw ViewSynthError(scene.views[t.sceneView!].imageURL, expected: "a test image of at least \(win)×\(win) pixels (the SSIM window)",
                                     found: "\(k.width)×\(k.height)")
            }
        }
        // Checked on every view, whichever shard runs: each shard refuses what the whole run would.
        try RenderJob.refuseToOverwriteInputs(targets: all, scene: scene, outDir: options.outDir)
        try RenderJob.checkTargets(all, references: references)
        let plan = EvalPlan(method: method, scene: scene, references: references, targets: all, options: options.render,
                            weightsHash: weightsHash, weights: weights)
        let mine = shard.select(all, key: \.name)
        let evalDir = options.outDir.appendingPathComponent(EvalMerge.folder)
        let viewsDir = evalDir.appendingPathComponent(EvalMerge.viewsFolder)
        let stripsDir = options.outDir.appendingPathComponent("strips")
        for dir in [options.outDir, evalDir, viewsDir, stripsDir] { try OutputFolder.prepare(dir) }
        for dir in [evalDir, viewsDir, stripsDir] {
            for name in AtomicFile.removeStaleTemporaries(in: dir) {
                log("removed a temporary file left by a killed run: \(dir.lastPathComponent)/\(name)")
            }
        }
        // Every shard writes the same plan (no dates, no shard number), so concurrent writers agree.
        try AtomicFile.write(try JSONCoding.encode(plan), to: evalDir.appendingPathComponent(EvalMerge.planFile))
        if !shard.isWhole {
            log("shard \(shard) (\(shard.source)): \(mine.count) of \(all.count) views" + (mine.isEmpty ? " (an empty shard: nothing to do)" : ""))
        }
        // Decode this shard's ground truth before rendering (scene loading read only headers): a truncated or
        // corrupt image fails now, naming the file, not after every view was rendered (Scene.checkImages, as
        // info --check).
        try scene.checkImages(mine.map { $0.sceneView! })
        let records = try RenderJob.run(method: method, targets: mine, references: references, options: options, log: log)
        var measured: [EvalViewRecord] = []
        for (target, record) in zip(mine, records) {
            let truth = try scene.loadImage(target.sceneView!)
            let renderURL = options.outDir.appendingPathComponent(record.file)
            let renderData = try InputFile.read(renderURL, expected: "a render")
            let render = try ImageIO.decode(renderData, path: renderURL.path).rgb()
            guard truth.width == render.width, truth.height == render.height else {
                throw ViewSynthError(renderURL, expected: "\(truth.width)×\(truth.height) like the ground truth",
                                     found: "\(render.width)×\(render.height)")
            }
            let strip = EvalReportPage.stripPath(target.name)
            let stripData = try ImageIO.encodePNG(ColorMap.strip([truth, render, ColorMap.errorHeatMap(truth, render)]),
                                                  path: options.outDir.appendingPathComponent(strip).path)
            try AtomicFile.write(stripData, to: options.outDir.appendingPathComponent(strip))
            let m = EvalViewRecord(
                name: target.name, fingerprint: plan.fingerprint, psnr: psnr(truth, render), ssim: ssim(truth, render),
                seconds: record.seconds, width: record.width, height: record.height,
                renderFile: record.file, renderFileHash: fnv1a64Hex(renderData), stripFile: strip, stripFileHash: fnv1a64Hex(stripData),
                depthPreviewFile: options.render.wantDepth ? record.depthPreviewFile : nil,
                renderThreads: record.threads, evalThreads: options.render.threads, rendered: record.skipped != true,
                shard: shard.isWhole ? nil : shard.description)
            try AtomicFile.write(try JSONCoding.encode(m), to: viewsDir.appendingPathComponent(target.name + ".json"))
            measured.append(m)
            log(String(format: "%@: PSNR %.2f dB, SSIM %.4f", target.name, m.psnr, m.ssim))
        }
        return ShardResult(shard: shard, plan: plan, views: measured)
    }

    public static func csv(_ r: EvalReport) -> String {
        var s = "image,psnr,ssim,seconds\n"
        for m in r.images { s += "\(m.name),\(fmt(m.psnr)),\(fmt(m.ssim)),\(fmt(m.seconds))\n" }
        s += "mean,\(fmt(r.meanPSNR)),\(fmt(r.meanSSIM)),\n"
        return s
    }

    static func fmt(_ x: Double) -> String { String(format: "%.6f", x) }
}
