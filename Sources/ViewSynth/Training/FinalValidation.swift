// The final validation of `fit` and `finetune`: the trained model on whole held-out images, not the pixel
// subset the periodic validation uses. It is `viewsynth eval` itself (Evaluation.run: the same evenly spread
// choice of views as `eval --max-views K`, the same renderer, PSNR and SSIM) on the run's weights.safetensors,
// into <out>/final-validation/ (renders, strips, metrics.json, report.html), plus
//   <out>/final-validation.json   step, weights hash, per-view PSNR/SSIM and their means (atomic write).
// The figures equal `viewsynth eval <scene> --method <kind> --weights <out>/weights.safetensors --max-views K`
// (same weights hash, so that command reuses the renders of <out>/final-validation/ given it as --out).

import Foundation
import ViewSynthCore

public struct FinalValidationReport: Codable, Sendable {
    public var scene: String
    public var method: String
    /// Training step of the weights.
    public var step: Int
    /// FNV-1a hash of weights.safetensors (eval's weights identity).
    public var weightsHash: String
    /// Per held-out view: PSNR, SSIM and render seconds.
    public var views: [ImageMetrics]
    public var meanPSNR: Double
    public var meanSSIM: Double
    /// Folder (relative to the run's) with the renders, strips and report.html.
    public var folder: String
    public var seconds: Double
}

public enum FinalValidation {
    public static let fileName = "final-validation.json"
    public static let folderName = "final-validation"

    /// Pixels a final validation of `views` held-out views of `scene` renders (0 for a procedural scene or
    /// one without held-out views): what a budget reserves time for.
    public static func pixels(scene: TrainingScene, views: Int) -> Int {
        guard views > 0, let refs = scene.folderImages else { return 0 }
        return Evaluation.targets(scene: refs.scene, maxViews: views)
            .map { $0.camera.intrinsics.width * $0.camera.intrinsics.height }.reduce(0, +)
    }

    /// Renders and measures `views` held-out views of `scene` with the run's current weights (written by its
    /// last checkpoint) and writes final-validation.json into the run's folder.
    public static func run(_ training: TrainingRun, scene: TrainingScene, views: Int, threads: Int, quiet: Bool = true,
                           log: (String) -> Void = { _ in }) throws -> FinalValidationReport {
        guard let refs = scene.folderImages else {
            throw ViewSynthError(scene.name, expected: "a scene folder for the final validation", found: "a procedural scene")
        }
        let start = Date()
        let hash = try ModelCheckpoint.fileHash(training.weightsURL)
        let method = ModelMethod(model: training.model, weightsID: hash)
        let folder = training.outDir.appendingPathComponent(folderName)
        let options = RenderJobOptions(outDir: folder, render: RenderOptions(threads: threads), quiet: quiet)
        let eval = try Evaluation.run(method: method, scene: refs.scene, references: refs, options: options, maxViews: views,
                                      weights: training.weightsURL.lastPathComponent, log: log)
        let report = FinalValidationReport(scene: scene.name, method: method.name, step: training.step, weightsHash: hash,
                                           views: eval.images, meanPSNR: eval.meanPSNR, meanSSIM: eval.meanSSIM,
                                           folder: folderName, seconds: Date().timeIntervalSince(start))
        try AtomicFile.write(try JSONCoding.encode(report), to: training.outDir.appendingPathComponent(fileName))
        return report
    }

    /// One line: the means and each view's figures.
    public static func summary(_ r: FinalValidationReport) -> String {
        let each = r.views.map { String(format: "%@ %.2f/%.4f", $0.name, $0.psnr, $0.ssim) }.joined(separator: ", ")
        return String(format: "final validation at step %d on %d full held-out views: mean PSNR %.2f dB, SSIM %.4f (%@; %.1f s)",
                      r.step, r.views.count, r.meanPSNR, r.meanSSIM, each, r.seconds)
    }
}
