import ArgumentParser
import Foundation
import ViewSynth

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Build metrics.json, metrics.csv and report.html from the per-view results of sharded `eval` runs.",
        discussion: """
        Reads <out-dir>/eval/plan.json (written by every shard) and eval/views/<view>.json (one per measured view) \
        and writes the report an unsharded `eval` would have written: the same views, metrics and settings; only \
        timings, the date and thread counts may differ. Refuses, with a one-line error and without touching an \
        earlier report, when a view is missing, was measured with other settings (method, weights, config, sweep \
        options, depth, scene, --max-views), or its render or strip changed since it was measured. Prints the mean.
        Example: viewsynth merge Renders/demo-forward/sweep
        """)

    @Argument(help: ArgumentHelp("The --out folder the eval shards wrote into.", valueName: "out-dir"))
    var outDir: String

    func validate() throws {
        guard !outDir.isEmpty else { throw ViewSynthError("<out-dir>", expected: "a folder path", found: "an empty path") }
    }

    func run() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: outDir, isDirectory: &isDir), isDir.boolValue else {
            throw ViewSynthError(outDir, expected: "an eval output folder", found: FileManager.default.fileExists(atPath: outDir) ? "a file" : "nothing")
        }
        let out = URL(fileURLWithPath: outDir)
        let report = try EvalMerge.merge(outDir: out)
        print(String(format: "%@ %@: mean PSNR %.3f dB, mean SSIM %.4f over %d views (%@)",
                     report.scene, report.method, report.meanPSNR, report.meanSSIM, report.images.count,
                     out.appendingPathComponent("metrics.json").path))
        printErr("report: \(out.appendingPathComponent("report.html").path)")
    }
}
