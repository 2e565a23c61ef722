// Training runs (library and CLI) on a tiny procedural scene with the `tiny` config: bit-exact resume,
// thread-count independence, checkpoints accepted by `render --weights`, one-line errors for bad input.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct TrainingRunTests {
    /// A tiny forward-facing procedural scene in memory (8 views of 24×18: views 1–7 train, 0 held out).
    static let scene: TrainingScene = try! TrainingScene.synthetic(seed: 7, views: 9, width: 24, height: 18, samplesPerPixel: 1)

    static func options(steps: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.steps = steps
        o.raysPerStep = 48
        o.scenesPerStep = 2
        o.warmupSteps = 2
        o.learningRate = 3e-3
        o.checkpointEvery = 0
        o.validationEvery = 3
        o.validationViews = 1
        o.validationRays = 64
        o.logEvery = 1
        return o
    }

    static func parameters(_ run: TrainingRun) -> [Float] {
        Array(UnsafeBufferPointer(start: run.model.parameters.values.pointer, count: run.model.layout.count))
    }

    @Test func resumeAfterCancellationIsBitExact() throws {
        let root = TestPaths.temporaryDirectory("train-resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let steps = 8
        let straight = try TrainingRun(config: .tiny, kind: .gpnr, scenes: [Self.scene], validation: [Self.scene],
                                       options: Self.options(steps: steps), outDir: root.appendingPathComponent("a"))
        let s = try straight.run()
        #expect(s.lastStep == steps && !s.cancelled)

        // Interrupted after steps/2 (cancellation between steps writes a checkpoint), then resumed.
        let outB = root.appendingPathComponent("b")
        let first = try TrainingRun(config: .tiny, kind: .gpnr, scenes: [Self.scene], validation: [Self.scene],
                                    options: Self.options(steps: steps), outDir: outB)
        let s1 = try first.run(onStep: { if $0.step == steps / 2 { first.cancel() } })
        #expect(s1.cancelled && s1.lastStep == steps / 2)
        // A fresh run must not overwrite that checkpoint.
        #expect(throws: ViewSynthError.self) {
            _ = try TrainingRun(config: .tiny, kind: .gpnr, scenes: [Self.scene], options: Self.options(steps: steps), outDir: outB)
        }
        let resumed = try TrainingRun(config: .tiny, kind: .gpnr, scenes: [Self.scene], validation: [Self.scene],
                                      options: Self.options(steps: steps), outDir: outB, resume: true)
        #expect(resumed.step == steps / 2)
        #expect(resumed.resumeWarning == nil)
        let s2 = try resumed.run()
        #expect(s2.lastStep == steps && !s2.cancelled)

        #expect(Self.parameters(straight) == Self.parameters(resumed))
        // Same losses and validation PSNRs at every step (the resumed log's first half comes from its CSV).
        func lossColumns(_ url: URL) throws -> [String] {
            try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
                let f = $0.split(separator: ",", omittingEmptySubsequences: false)
                return (f.prefix(6) + [f[9]]).joined(separator: ",")
            }
        }
        let a = try lossColumns(straight.logURL), b = try lossColumns(resumed.logURL)
        #expect(a.count == steps + 1)
        #expect(a == b)
        #expect(straight.log.rows.suffix(steps / 2).map(\.loss) == resumed.log.rows.suffix(steps / 2).map(\.loss))
        // Training moved the weights and the weights file holds them.
        let initial = EpipolarModel<Float>(config: .tiny, seed: 1, kind: .gpnr)
        #expect(Array(UnsafeBufferPointer(start: initial.parameters.values.pointer, count: initial.layout.count)) != Self.parameters(straight))
        let loaded = try EpipolarModel<Float>.load(from: straight.weightsURL, expecting: .gpnr)
        #expect(Array(UnsafeBufferPointer(start: loaded.parameters.values.pointer, count: loaded.layout.count)) == Self.parameters(straight))
    }

    /// `stopAt` ends a run mid-schedule with a checkpoint (not a cancellation); resuming finishes it with the
    /// same weights as an uninterrupted run, and the weights at the stop equal the uninterrupted run's weights
    /// at that step.
    /// Also for a guided config (tiles of rays with the sweep's guidance, guided validation tiles).
    @Test(arguments: [ModelConfig.tiny, .tinyGuided])
    func stopAtThenResumeIsBitExact(config: ModelConfig) throws {
        let root = TestPaths.temporaryDirectory("train-stop-at")
        defer { try? FileManager.default.removeItem(at: root) }
        let steps = 6
        let straight = try TrainingRun(config: config, kind: .gpnr, scenes: [Self.scene], options: Self.options(steps: steps),
                                       outDir: root.appendingPathComponent("a"))
        var atThree: [Float] = []
        try straight.run(onStep: { if $0.step == 3 { atThree = Self.parameters(straight) } })
        let outB = root.appendingPathComponent("b")
        let first = try TrainingRun(config: config, kind: .gpnr, scenes: [Self.scene], options: Self.options(steps: steps), outDir: outB)
        let s1 = try first.run(stopAt: 3)
        #expect(s1.lastStep == 3 && !s1.cancelled)
        #expect(Self.parameters(first) == atThree)
        let resumed = try TrainingRun(config: config, kind: .gpnr, scenes: [Self.scene], options: Self.options(steps: steps),
                                      outDir: outB, resume: true)
        #expect(resumed.step == 3)
        try resumed.run()
        #expect(Self.parameters(straight) == Self.parameters(resumed))
        // One segment row per invocation: 0…3 then 3…6.
        let segments = try String(contentsOf: resumed.segmentsURL, encoding: .utf8).split(separator: "\n")
        #expect(segments.count == 3 && segments[1].hasPrefix("0,3,") && segments[2].hasPrefix("3,6,"))
    }

    /// Depth supervision targets: procedural scenes give their exact depth at each ray's pixel (scattered
    /// and tiled draws); without --depth-weight there are none.
    @Test(arguments: [ModelConfig.tiny, .tinyGuided])
    func depthTargetsAreTheExactDepth(config: ModelConfig) throws {
        let root = TestPaths.temporaryDirectory("train-depth")
        defer { try? FileManager.default.removeItem(at: root) }
        var o = Self.options(steps: 2)
        o.depthWeight = 0.1
        let run = try TrainingRun(config: config, kind: .gpnr, scenes: [Self.scene], options: o, outDir: root)
        let b = try run.batch(step: 1)
        let d = try #require(b.depthTargets)
        #expect(d.count == b.rays.count)
        var positive = 0
        for (i, r) in b.rays.enumerated() {
            let t = b.draws[r.viewSet].target
            let exact = Self.scene.depth(t)![Int(r.y) * 24 + Int(r.x)]
            #expect(d[i] == exact)
            if d[i] > 0 { positive += 1 }
        }
        #expect(positive > b.rays.count / 2)
        // One step trains with it (finite losses, the depth term reported).
        let s = try run.run()
        #expect(s.lastStep == 2 && run.log.rows.allSatisfy { $0.loss.isFinite })
        let plain = try TrainingRun(config: config, kind: .gpnr, scenes: [Self.scene], options: Self.options(steps: 2),
                                    outDir: root.appendingPathComponent("plain"))
        #expect(try plain.batch(step: 1).depthTargets == nil)
    }

    @Test func batchesDependOnlyOnSeedAndStep() throws {
        let root = TestPaths.temporaryDirectory("train-draws")
        defer { try? FileManager.default.removeItem(at: root) }
        let other = try TrainingScene.synthetic(seed: 8, views: 9, width: 24, height: 18, samplesPerPixel: 1)
        let run = try TrainingRun(config: .tiny, kind: .gpnr, scenes: [Self.scene, other], options: Self.options(steps: 4),
                                  outDir: root)
        let b1 = try run.batch(step: 3), b2 = try run.batch(step: 3), b3 = try run.batch(step: 4)
        #expect(b1.rays == b2.rays && b1.targets == b2.targets)
        #expect(b1.rays != b3.rays)
        #expect(b1.rays.count == 48 && b1.viewSets.count == 2)
        for d in b1.draws {
            let scene = [Self.scene, other][d.scene]
            #expect(scene.trainIndices.contains(d.target))
            #expect(!d.references.contains(d.target))
            #expect(Set(d.references).isSubset(of: scene.nearestTrainingViews(to: scene.cameras[d.target], count: 20, excluding: d.target)))
            #expect(d.references.count == ModelConfig.tiny.views)
        }
    }

    @Test func sameLossesAndWeightsWithOneAndTwoThreads() throws {
        let root = TestPaths.temporaryDirectory("train-threads")
        defer { try? FileManager.default.removeItem(at: root) }
        var logs: [[String]] = [], weights: [[Float]] = []
        for threads in [1, 2] {
            let out = root.appendingPathComponent("t\(threads)")
            let r = try runCLI(["train", "--config", "tiny", "--synthetic", "1", "--synthetic-size", "24x18", "--synthetic-views", "9",
                                "--steps", "4", "--rays", "48", "--warmup", "1", "--threads", "\(threads)", "--quiet",
                                "--out", out.path])
            #expect(r.status == 0, "\(r.stderr)")
            let csv = try String(contentsOf: out.appendingPathComponent("log.csv"), encoding: .utf8)
            logs.append(csv.split(separator: "\n").map { $0.split(separator: ",").prefix(6).joined(separator: ",") })
            // Tensors only: the metadata's provenance holds the command line (which names --threads).
            let m = try EpipolarModel<Float>.load(from: out.appendingPathComponent("weights.safetensors"))
            weights.append(Array(UnsafeBufferPointer(start: m.parameters.values.pointer, count: m.layout.count)))
        }
        #expect(logs[0].count == 5)
        #expect(logs[0] == logs[1])
        #expect(weights[0] == weights[1])
    }

    @Test func fitAndFinetuneWriteWeightsThatRenderAccepts() throws {
        let root = TestPaths.temporaryDirectory("train-render")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = root.appendingPathComponent("scene")
        try SyntheticSceneGenerator(seed: 3, views: 9, width: 24, height: 18, samplesPerPixel: 1).write(to: scene, format: .llff)
        let fit = root.appendingPathComponent("fit")
        var r = try runCLI(["fit", scene.path, "--config", "tiny", "--steps", "3", "--rays", "32", "--val-rays", "32", "--quiet", "--out", fit.path])
        #expect(r.status == 0, "\(r.stderr)")
        let d = try ModelCheckpoint.describe(fit.appendingPathComponent("weights.safetensors"))
        #expect(d.kind == .lfnr && d.step == 3 && d.config.lfnr.viewEmbeddings == 9)
        r = try runCLI(["render", scene.path, "--method", "lfnr", "--weights", fit.appendingPathComponent("weights.safetensors").path,
                        "--quiet", "--out", root.appendingPathComponent("r1").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("r1").path).contains { $0.hasSuffix(".png") })

        // GPNR: random weights trained for 1 step on the synthetic scene, then fine-tuned on the scene.
        let base = root.appendingPathComponent("base")
        r = try runCLI(["train", "--config", "tiny", "--synthetic", "1", "--synthetic-size", "24x18", "--synthetic-views", "9",
                        "--steps", "1", "--rays", "16", "--quiet", "--out", base.path])
        #expect(r.status == 0, "\(r.stderr)")
        let ft = root.appendingPathComponent("ft")
        r = try runCLI(["finetune", scene.path, "--weights", base.appendingPathComponent("weights.safetensors").path,
                        "--steps", "2", "--rays", "16", "--val-rays", "32", "--quiet", "--out", ft.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: ft.appendingPathComponent(FinalValidation.fileName).path))
        r = try runCLI(["render", scene.path, "--method", "gpnr", "--weights", ft.appendingPathComponent("checkpoint.safetensors").path,
                        "--quiet", "--out", root.appendingPathComponent("r2").path])
        #expect(r.status == 0, "\(r.stderr)")
        // An LFNR checkpoint is not GPNR weights to fine-tune.
        r = try runCLI(["finetune", scene.path, "--weights", fit.appendingPathComponent("weights.safetensors").path, "--steps", "1",
                        "--out", root.appendingPathComponent("ft2").path])
        expectOneLineError(r, mentions: ["weights.safetensors", "gpnr", "lfnr"])
    }

    @Test func badInputsAreOneLineErrors() throws {
        let root = TestPaths.temporaryDirectory("train-bad")
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = root.appendingPathComponent("no-such-scene").path
        var r = try runCLI(["train", "--config", "tiny", "--scenes", missing, "--steps", "1", "--out", root.appendingPathComponent("o").path])
        expectOneLineError(r, mentions: [missing, "expected a scene folder", "nothing"])
        r = try runCLI(["fit", missing, "--config", "tiny", "--steps", "1", "--out", root.appendingPathComponent("o").path])
        expectOneLineError(r, mentions: [missing, "scene folder"])
        r = try runCLI(["finetune", missing, "--weights", root.appendingPathComponent("w.safetensors").path, "--steps", "1"])
        expectOneLineError(r, mentions: ["w.safetensors", "no such file"])
        r = try runCLI(["train", "--config", "tiny", "--synthetic", "1", "--val", missing, "--steps", "1",
                        "--out", root.appendingPathComponent("o").path])
        expectOneLineError(r, mentions: [missing])
        r = try runCLI(["train", "--config", "tiny", "--steps", "1"])
        #expect(r.status != 0 && r.stderr.contains("--scenes"))
        r = try runCLI(["train", "--config", "tiny", "--synthetic", "1", "--steps", "0"])
        #expect(r.status != 0 && r.stderr.contains("steps"))
    }
}

@Suite struct TrainingSignalTests {
    /// SIGINT mid-run: the CLI writes a checkpoint at the step it reached and exits with status 0; --resume
    /// then continues from that step.
    @Test func sigintWritesACheckpointAndExitsCleanly() throws {
        let root = TestPaths.temporaryDirectory("train-sigint")
        defer { try? FileManager.default.removeItem(at: root) }
        let args = ["train", "--config", "tiny", "--synthetic", "1", "--synthetic-size", "24x18", "--synthetic-views", "9",
                    "--steps", "1000000", "--rays", "16", "--checkpoint-every", "0", "--val-every", "0", "--quiet", "--out", root.path]
        let p = Process()
        p.executableURL = TestPaths.cli
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let log = root.appendingPathComponent("log.csv")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: log.path) && Date() < deadline && p.isRunning { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: log.path), "no log.csv after 60 s")
        kill(p.processIdentifier, SIGINT)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 0, "\(text)")
        #expect(text.contains("interrupted at step"), "\(text)")
        let d = try ModelCheckpoint.describe(root.appendingPathComponent("checkpoint.safetensors"))
        #expect(d.step >= 10 && d.step < 1_000_000)
        let csv = try String(contentsOf: log, encoding: .utf8)
        #expect(csv.split(separator: "\n").count == d.step + 1)
    }
}
