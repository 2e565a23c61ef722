import ArgumentParser
import Foundation
import ViewSynth

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Render the held-out views and report PSNR/SSIM (metrics.json, metrics.csv, comparison strips).",
        discussion: """
        Writes <out>/metrics.json and metrics.csv (per image and mean PSNR and SSIM), the renders, and \
        strips/<view>.png (ground truth | render | error heat map). Prints the mean on stdout.
        Example: viewsynth eval ../shared/scenes/dev/dtu_scan37 --method sweep
        """)

    @OptionGroup var sceneOptions: SceneOptions
    @OptionGroup var rendering: RenderingOptions
    @Option(help: "Evaluate only this many held-out views, evenly spread over the test split (default: all).")
    var maxViews: Int?

    func validate() throws {
        if let k = maxViews { _ = try checkOption("--max-views", k, 1...InputLimits.maxSceneViews) }
    }

    func run() throws {
        let scene = try sceneOptions.load()
        let method = try rendering.makeMethod()
        let options = rendering.jobOptions(scene: scene, wantDepth: false)
        let report = try Evaluation.run(method: method, scene: scene, references: ReferenceImages(scene: scene),
                                        options: options, maxViews: maxViews, log: printErr)
        print(String(format: "%@ %@: mean PSNR %.3f dB, mean SSIM %.4f over %d views (%@)",
                     scene.name, report.method, report.meanPSNR, report.meanSSIM, report.images.count,
                     options.outDir.appendingPathComponent("metrics.json").path))
    }
}
