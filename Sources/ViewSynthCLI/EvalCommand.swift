import ArgumentParser
import Foundation
import ViewSynth

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Render the held-out views and report PSNR/SSIM (metrics.json, metrics.csv, report.html, comparison strips).",
        discussion: """
        Writes <out>/metrics.json and metrics.csv (per image and mean PSNR and SSIM), the renders, \
        strips/<view>.png (ground truth | render | error heat map) and report.html (a self-contained page of \
        it all: settings, table, PSNR chart, strips; open it in a browser). Prints the mean on stdout.
        Per-view results go to <out>/eval/ (plan.json, views/<view>.json). With --shard K/N (or a Slurm array / \
        Kubernetes Indexed Job, see --shard) only that shard's views are rendered and measured and no report is \
        written: run `viewsynth merge <out>` once every shard is done. The views and metrics equal an unsharded run's.
        Example: viewsynth eval ../shared/scenes/dev/dtu_scan37 --method sweep
        Example: viewsynth eval Scenes/demo-forward --shard 1/3 --out /shared/run1   (…then: viewsynth merge /shared/run1)
        """)

    @OptionGroup var sceneOptions: SceneOptions
    @OptionGroup var rendering: RenderingOptions
    @Option(help: "Evaluate only this many held-out views, evenly spread over the test split (default: all).")
    var maxViews: Int?
    @Flag(help: "Also write depth maps (16-bit PNG + colour preview) under depth/; report.html shows the previews.")
    var depth = false
    @OptionGroup var sharding: ShardOptions

    func validate() throws {
        if let k = maxViews { _ = try checkOption("--max-views", k, 1...InputLimits.maxSceneViews) }
    }

    func run() throws {
        let scene = try sceneOptions.load()
        let method = try rendering.makeMethod()
        let options = rendering.jobOptions(scene: scene, wantDepth: depth)
        let weights: String? = switch rendering.method {
        case .sweep: nil
        case .gpnr: rendering.model.weightsChoice(kind: .gpnr)
        case .lfnr: rendering.model.weightsChoice(kind: .lfnr)
        }
        let shard = try sharding.resolve(quietly: false)
        if !shard.isWhole {
            let result = try Evaluation.runShard(method: method, scene: scene, references: ReferenceImages(scene: scene), options: options,
                                                 shard: shard, maxViews: maxViews, weights: weights, log: printErr)
            print("\(scene.name) \(result.plan.method): shard \(shard) measured \(result.views.count) of \(result.plan.views.count) views "
                  + "into \(options.outDir.path); when every shard is done: viewsynth merge \(options.outDir.path)")
            return
        }
        let report = try Evaluation.run(method: method, scene: scene, references: ReferenceImages(scene: scene),
                                        options: options, maxViews: maxViews, weights: weights, log: printErr)
        print(String(format: "%@ %@: mean PSNR %.3f dB, mean SSIM %.4f over %d views (%@)",
                     scene.name, report.method, report.meanPSNR, report.meanSSIM, report.images.count,
                     options.outDir.appendingPathComponent("metrics.json").path))
        printErr("report: \(options.outDir.appendingPathComponent("report.html").path)")
    }
}
