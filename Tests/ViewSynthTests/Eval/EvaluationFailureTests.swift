// `viewsynth eval` writes metrics.json / metrics.csv / report.html only after every view is measured: a run
// that fails half-way keeps the previous report.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct EvaluationFailureTests {
    @Test func failedEvalKeepsThePreviousMetrics() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(n: 16, in: root)   // LLFF: views 0 and 8 held out
        let out = root.appendingPathComponent("eval")
        let ok = try runCLI(["eval", scene.path, "--out", out.path] + tinySweep)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("mean PSNR"))
        let report = try JSONDecoder().decode(EvalReport.self, from: Data(contentsOf: out.appendingPathComponent("metrics.json")))
        #expect(report.images.map(\.name) == ["000", "008"])
        #expect(report.meanPSNR > 15, "a textured plane should be easy: \(report.meanPSNR) dB")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("strips/008.png").path))
        #expect(report.viewsRendered == 2 && (report.raysPerSecond ?? 0) > 0)

        // A rerun reuses the renders and keeps their recorded speed.
        let again = try runCLI(["eval", scene.path, "--out", out.path] + tinySweep)
        #expect(again.status == 0, "\(again.stderr)")
        let report2 = try JSONDecoder().decode(EvalReport.self, from: Data(contentsOf: out.appendingPathComponent("metrics.json")))
        #expect(report2.viewsRendered == 0)
        #expect(report2.raysPerSecond == report.raysPerSecond && report2.meanPSNR == report.meanPSNR)

        let metrics = try Data(contentsOf: out.appendingPathComponent("metrics.json"))
        let csv = try Data(contentsOf: out.appendingPathComponent("metrics.csv"))
        let page = try Data(contentsOf: out.appendingPathComponent("report.html"))
        // The second ground-truth image is now truncated (its header still reads): the eval fails before it
        // renders or measures anything (the ground truth is decoded first).
        let gt = scene.appendingPathComponent("images/008.png")
        let bytes = try Data(contentsOf: gt)
        try bytes.prefix(bytes.count / 2).write(to: gt)
        let failed = try runCLI(["eval", scene.path, "--out", out.path] + tinySweep)
        expectOneLineError(failed, mentions: [gt.path, "truncated"])
        #expect(try Data(contentsOf: out.appendingPathComponent("metrics.json")) == metrics)
        #expect(try Data(contentsOf: out.appendingPathComponent("metrics.csv")) == csv)
        #expect(try Data(contentsOf: out.appendingPathComponent("report.html")) == page)
        #expect(temporaryFiles(out).isEmpty)
    }
}
