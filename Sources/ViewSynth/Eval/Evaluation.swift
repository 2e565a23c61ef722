// `viewsynth eval`: render the held-out views, compare with ground truth, write
//   <out>/metrics.json   per image and mean PSNR/SSIM, method, settings, weights hash, wall time, rays/s
//   <out>/metrics.csv    one row per image plus a "mean" row
//   <out>/strips/<name>.png   ground truth | render | error heat map
//   <out>/report.html    a self-contained page of all of it (EvalReportPage.swift), linking the strips and,
//                        with depth, the depth previews
// The ground-truth images are decoded before anything is rendered (a bad one fails at once, naming it).
// Renders are reused when up to date (see RenderJob), so an interrupted eval resumes. metrics.json,
// metrics.csv and report.html are written only after every view is measured, each staged completely before
// any is renamed into place: a run that fails half-way leaves the previous report in place.

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
    public static func run<M: RenderMethod>(
        method: M, scene: Scene, references: ReferenceImages, options: RenderJobOptions,
        weightsHash: String? = nil, maxViews: Int? = nil, weights: String? = nil, log: (String) -> Void = { _ in }
    ) throws -> EvalReport {
        let start = Date()
        var targets = CameraPath.testViews(scene)
        if let k = maxViews, k >= 1, k < targets.count {
            // An evenly spread subset (view j·count/k for j < k; always the first).
            let all = targets
            targets = (0..<k).map { all[$0 * all.count / k] }
        }
        guard !targets.isEmpty else {
            throw ViewSynthError(scene.root, expected: "a scene with held-out (test) views", found: "an empty test split")
        }
        // SSIM needs its 11×11 window inside the image: refuse before rendering anything (else NaN metrics).
        let win = ssimGaussianWindow.count
        for t in targets {
            let k = t.camera.intrinsics
            guard k.width >= win, k.height >= win else {
                throw ViewSynthError(scene.views[t.sceneView!].imageURL, expected: "a test image of at least \(win)×\(win) pixels (the SSIM window)",
                                     found: "\(k.width)×\(k.height)")
            }
        }
        // Decode the ground truth before rendering (scene loading read only headers): a truncated or corrupt
        // image fails now, naming the file, not after every view was rendered (Scene.checkImages, as info --check).
        try scene.checkImages(targets.map { $0.sceneView! })
        let records = try RenderJob.run(method: method, targets: targets, references: references, options: options, log: log)
        let stripsDir = options.outDir.appendingPathComponent("strips")
        try OutputFolder.prepare(stripsDir)
        for name in AtomicFile.removeStaleTemporaries(in: stripsDir) { log("removed a temporary file left by a killed run: strips/\(name)") }
        var metrics: [ImageMetrics] = []
        for (target, record) in zip(targets, records) {
            let truth = try scene.loadImage(target.sceneView!)
            let render = try ImageIO.read(options.outDir.appendingPathComponent(record.file)).rgb()
            guard truth.width == render.width, truth.height == render.height else {
                throw ViewSynthError(options.outDir.appendingPathComponent(record.file),
                                     expected: "\(truth.width)×\(truth.height) like the ground truth",
                                     found: "\(render.width)×\(render.height)")
            }
            let m = ImageMetrics(name: target.name, psnr: psnr(truth, render), ssim: ssim(truth, render), seconds: record.seconds)
            metrics.append(m)
            try ImageIO.writePNG(ColorMap.strip([truth, render, ColorMap.errorHeatMap(truth, render)]),
                                 to: stripsDir.appendingPathComponent(target.name + ".png"))
            log(String(format: "%@: PSNR %.2f dB, SSIM %.4f", target.name, m.psnr, m.ssim))
        }
        let raySeconds = records.map(\.seconds).reduce(0, +)
        let rays = records.map { Double($0.width * $0.height) }.reduce(0, +)
        let report = EvalReport(
            scene: scene.name, sceneFormat: scene.format.rawValue, method: method.name,
            settings: method.settings, settingsHash: method.settingsHash, weightsHash: weightsHash,
            images: metrics,
            meanPSNR: metrics.map(\.psnr).reduce(0, +) / Double(metrics.count),
            meanSSIM: metrics.map(\.ssim).reduce(0, +) / Double(metrics.count),
            wallSeconds: Date().timeIntervalSince(start),
            raysPerSecond: rays / max(raySeconds, 1e-9),
            renderSeconds: raySeconds,
            viewsRendered: records.filter { $0.skipped != true }.count,
            renderThreads: Array(Set(records.compactMap(\.threads))).sorted(),
            threads: options.render.threads,
            date: ISO8601DateFormatter().string(from: Date()))
        var depthPreviews: [String: String] = [:]
        if options.render.wantDepth {
            for rec in records { if let d = rec.depthPreviewFile { depthPreviews[rec.name] = d } }
        }
        let page = EvalReportPage(report: report, scenePath: scene.root.path, weights: weights, depthPreviews: depthPreviews)
        let out = options.outDir
        let files = [(try JSONCoding.encode(report), "metrics.json"), (Data(csv(report).utf8), "metrics.csv"),
                     (Data(page.html().utf8), "report.html")]
        var staged: [AtomicFile.Staged] = []
        do {
            for (data, name) in files { staged.append(try AtomicFile.stage(data, for: out.appendingPathComponent(name))) }
            for f in staged { try f.commit() }
        } catch {
            for f in staged { f.discard() }   // a committed file's temporary is gone already: unlink fails harmlessly
            throw error
        }
        return report
    }

    public static func csv(_ r: EvalReport) -> String {
        var s = "image,psnr,ssim,seconds\n"
        for m in r.images { s += "\(m.name),\(fmt(m.psnr)),\(fmt(m.ssim)),\(fmt(m.seconds))\n" }
        s += "mean,\(fmt(r.meanPSNR)),\(fmt(r.meanSSIM)),\n"
        return s
    }

    static func fmt(_ x: Double) -> String { String(format: "%.6f", x) }
}
