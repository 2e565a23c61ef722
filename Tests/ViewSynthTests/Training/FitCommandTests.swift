// `viewsynth fit` / `finetune` end to end on a tiny scene folder: a guided config trains a guided LFNR, the
// run ends with the full-image final validation (the figures `viewsynth eval` gives for the same weights),
// --final-val-views and --stop-at decide whether it runs, and --minutes plans the steps or refuses bad values
// in one line.

import Foundation
import Testing
@testable import ViewSynth
import ViewSynthSynthetic

@Suite struct FitCommandTests {
    /// A 9-view 24×18 procedural scene folder (views 0 and 8 held out) and a tiny guided config beside it.
    static func setUp(_ root: URL) throws -> (scene: URL, config: URL) {
        let scene = root.appendingPathComponent("scene")
        try SyntheticSceneGenerator(seed: 3, views: 9, width: 24, height: 18, samplesPerPixel: 1).write(to: scene, format: .llff)
        let config = root.appendingPathComponent("tiny-guided.json")
        try Data(#"{"base": "tiny", "guidance": {"planes": 8, "minima": 1, "offsets": [0, -1, 1, 2]}}"#.utf8).write(to: config)
        return (scene, config)
    }

    static func report(_ out: URL) throws -> FinalValidationReport {
        try JSONDecoder().decode(FinalValidationReport.self, from: Data(contentsOf: out.appendingPathComponent(FinalValidation.fileName)))
    }

    @Test func guidedFitTrainsAGuidedLFNRAndEndsWithEvalsFiguresOnWholeViews() throws {
        let root = TestPaths.temporaryDirectory("fit-guided")
        defer { try? FileManager.default.removeItem(at: root) }
        let (scene, config) = try Self.setUp(root)
        let out = root.appendingPathComponent("fit")
        var r = try runCLI(["fit", scene.path, "--config", config.path, "--steps", "6", "--rays", "32", "--val-rays", "32",
                            "--quiet", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let weights = out.appendingPathComponent("weights.safetensors")
        let d = try ModelCheckpoint.describe(weights)
        let guided = d.config.guidance != nil
        #expect(d.kind == .lfnr && guided && d.step == 6)
        // Gradient reached the networks: the epipolar transformer moved off its seeded initialisation.
        let trained = try EpipolarModel<Float>.load(from: weights)
        let initial = EpipolarModel<Float>(config: d.config, seed: 1, kind: .lfnr)
        let entry = try #require(trained.layout.entries.first { $0.name.hasPrefix("epipolar.0.") && $0.name.hasSuffix(".weight") })
        let a = trained.parameters.value(entry), b = initial.parameters.value(entry)
        #expect((0..<entry.count).contains { a[$0] != b[$0] }, "\(entry.name) unchanged after 6 steps")
        // The final validation: whole held-out views, one line, the JSON with every view.
        let line = r.stderr.split(separator: "\n").first { $0.hasPrefix("final validation at step 6 on 2 full held-out views") }
        #expect(line != nil, "\(r.stderr)")
        let fv = try Self.report(out)
        #expect(fv.step == 6 && fv.method == "lfnr" && fv.views.count == 2)
        #expect(fv.views.allSatisfy { $0.psnr.isFinite && $0.ssim > 0 && $0.ssim <= 1 })
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("final-validation/report.html").path))
        // …equal to what eval measures for the same weights and --max-views.
        let ev = root.appendingPathComponent("eval")
        r = try runCLI(["eval", scene.path, "--method", "lfnr", "--weights", weights.path, "--max-views", "2", "--quiet", "--out", ev.path])
        #expect(r.status == 0, "\(r.stderr)")
        let metrics = try JSONDecoder().decode(EvalReport.self, from: Data(contentsOf: ev.appendingPathComponent("metrics.json")))
        #expect(metrics.images.map(\.name) == fv.views.map(\.name))
        #expect(metrics.images.map(\.psnr) == fv.views.map(\.psnr))
        #expect(metrics.images.map(\.ssim) == fv.views.map(\.ssim))
        #expect(fv.weightsHash == (try ModelCheckpoint.fileHash(weights)))
    }

    /// --final-val-views K (default --val-views; 0: none), and none after a --stop-at before the end.
    @Test func finalValidationViewsAndStopAt() throws {
        let root = TestPaths.temporaryDirectory("fit-final")
        defer { try? FileManager.default.removeItem(at: root) }
        let (scene, _) = try Self.setUp(root)
        func fit(_ name: String, _ extra: [String]) throws -> (ProcessResult, URL) {
            let out = root.appendingPathComponent(name)
            let r = try runCLI(["fit", scene.path, "--config", "tiny", "--rays", "16", "--val-rays", "16", "--quiet", "--out", out.path] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return (r, out)
        }
        let file = FinalValidation.fileName
        var (_, out) = try fit("off", ["--steps", "2", "--final-val-views", "0"])
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path))
        (_, out) = try fit("one", ["--steps", "2", "--final-val-views", "1"])
        #expect(try Self.report(out).views.map(\.name) == ["view_000"])
        (_, out) = try fit("default", ["--steps", "2", "--val-views", "1"])
        #expect(try Self.report(out).views.count == 1)
        var r: ProcessResult
        (r, out) = try fit("stop", ["--steps", "4", "--stop-at", "2"])
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path))
        #expect(r.stderr.contains("no final validation before the last step"), "\(r.stderr)")
        r = try runCLI(["fit", scene.path, "--config", "tiny", "--steps", "2", "--final-val-views", "99999999", "--out", root.appendingPathComponent("bad").path])
        expectOneLineError(r, mentions: ["--final-val-views"])
    }

    @Test func minutesPlansTheStepsAndRecordsThePlan() throws {
        let root = TestPaths.temporaryDirectory("fit-minutes")
        defer { try? FileManager.default.removeItem(at: root) }
        let (scene, _) = try Self.setUp(root)
        let out = root.appendingPathComponent("fit")
        let r = try runCLI(["fit", scene.path, "--config", "tiny", "--minutes", "0.1", "--stop-at", "10", "--rays", "16", "--val-rays", "16",
                            "--quiet", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let planLine = try #require(r.stderr.split(separator: "\n").first { $0.hasPrefix("planned ") }, "\(r.stderr)")
        #expect(planLine.contains("s/step over 8 steps") && planLine.contains("--steps "))
        let segments = try String(contentsOf: out.appendingPathComponent("segments.csv"), encoding: .utf8)
        #expect(segments.contains(String(planLine)))
        let ckpt = out.appendingPathComponent("checkpoint.safetensors")
        let model = EpipolarModel<Float>(config: try ModelCheckpoint.describe(ckpt).config, seed: 1, kind: .lfnr)
        let meta = try model.load(from: ckpt)
        let plan = try JSONDecoder().decode(TrainingPlan.self, from: Data(try #require(meta.extra["plan"]).utf8))
        #expect(planLine.hasPrefix("planned \(plan.steps) steps"))
    }

    @Test func badBudgetsAreOneLineErrors() throws {
        let root = TestPaths.temporaryDirectory("fit-minutes-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = root.appendingPathComponent("scene").path, out = root.appendingPathComponent("o").path
        for m in ["0", "0.05", "20000", "nan"] {
            let r = try runCLI(["fit", scene, "--minutes", m, "--out", out])
            expectOneLineError(r, mentions: ["--minutes", "0.1…10080"])
        }
        var r = try runCLI(["fit", scene, "--minutes", "1", "--steps", "5", "--out", out])
        expectOneLineError(r, mentions: ["--minutes", "--steps", "both"])
        r = try runCLI(["finetune", scene, "--minutes", "1", "--warmup", "0", "--out", out])
        expectOneLineError(r, mentions: ["--minutes", "--warmup"])
        r = try runCLI(["train", "--config", "tiny", "--synthetic", "1", "--minutes", "1", "--distributed", "--out", out])
        expectOneLineError(r, mentions: ["--minutes", "--distributed"])
    }
}
