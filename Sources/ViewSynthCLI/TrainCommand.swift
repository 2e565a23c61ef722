// `viewsynth train`, `viewsynth finetune`, `viewsynth fit`: thin wrappers around `TrainingRun`.
// SIGINT/SIGTERM during training: the handler (a DispatchSource, not a signal-context function) asks the run
// to stop between two steps; it writes a checkpoint and the command exits with status 0 after printing how
// to resume.
import ArgumentParser
import Dispatch
import Foundation
import ViewSynth
#if canImport(Glibc)
import Glibc
#endif

/// Options shared by train, finetune and fit.
struct TrainingCLIOptions: ParsableArguments {
    @Option(help: "Training steps in all (the learning-rate schedule spans them). Default 1000; with --minutes, planned from the measured rate instead.")
    var steps: Int?
    @Option(help: ArgumentHelp("Wall-clock budget of the whole command, in minutes (0.1…10080; instead of --steps). Times a validation and the first 8 steps (within the warm-up, whose learning rates do not depend on the total), then fixes the steps so that training, its periodic validations and the final validation end on time, and prints the plan and the --steps N that reproduces it bit-exactly (in segments.csv and the checkpoint too). If the steps run slower than planned, it stops at the deadline with a checkpoint (a normal end). With --resume: continues the checkpoint's planned steps, with M minutes from now as the deadline. --stop-at still stops at that step if the plan reaches it.", valueName: "M"))
    var minutes: Double?
    @Option(help: "Rays per step.") var rays: Int = 512
    @Option(help: "View sets (scene, target view) per step; the rays are split among them.") var scenesPerStep: Int = 2
    @Option(help: "Peak learning rate (linear warmup, then linear decay to 5% at the last step).") var lr: Double = 1e-3
    @Option(help: "Warmup steps.") var warmup: Int = 100
    @Option(help: "Seed of the initial weights and of every draw (scenes, views, rays).") var seed: UInt64 = 1
    @Option(help: "Checkpoint every K steps (0: only at the end).") var checkpointEvery: Int = 250
    @Option(help: "Validation every K steps (0: only at the end).") var valEvery: Int = 250
    @Option(help: "Held-out views per validation scene.") var valViews: Int = 2
    @Option(help: "Pixels per validation view (0: all).") var valRays: Int = 2048
    @Option(help: "Guided configs: rays are drawn (and validated) as square tiles of this side, which share the sweep's cost windows.")
    var tile: Int = 8
    @Option(help: "Depth supervision: weight of the cross-entropy of the epipolar attention against the sample nearest the exact depth (procedural scenes). Off by default.")
    var depthWeight: Double?
    @Option(help: "Guided configs with --depth-weight: real scenes get the sweep's depth as a label where its cost curve's margin to the second minimum is at least this (raw cost units, e.g. 0.02).")
    var pseudoDepthMargin: Double?
    @Flag(help: "Balanced loss: weight each view set of a step by the step's mean loss over its own (within 1/10…10), so a scene with large errors no model can fix (poses, exposure) does not drown the others; the gradient of the step's mean PSNR.")
    var balanceViewSets = false
    @Option(help: "Worker threads (default: all cores). Losses and weights do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Continue from the output folder's checkpoint (bit-exactly; same options).") var resume = false
    @Option(help: "Stop (with a checkpoint) after this step, keeping the schedule of --steps; --resume continues. Reproduces weights taken mid-schedule (the shipped weights: --steps 13000 --stop-at 8010).")
    var stopAt: Int?
    @Flag(help: "No progress bar.") var quiet = false
    @Option(help: "Memory bound (MiB) of the decoded images kept in memory, shared equally by the scene folders.")
    var cacheMb: Int = 4096

    /// --steps, or its default (a budgeted run plans it).
    var totalSteps: Int { steps ?? 1000 }

    func validate() throws {
        _ = try checkOption("--cache-mb", cacheMb, 1...(1 << 20))
        _ = try checkOption("--threads", threads, 1...InputLimits.maxThreads)
        if let minutes {
            let r = TrainingBudget.minutesRange
            guard minutes.isFinite && r.contains(minutes) else {
                throw ViewSynthError("--minutes", expected: "a budget in \(r.lowerBound)…\(Int(r.upperBound)) minutes", found: "\(minutes)")
            }
            if steps != nil {
                throw ViewSynthError("--minutes", expected: "either --minutes (which plans the steps) or --steps", found: "both")
            }
            if warmup < 1 {
                throw ViewSynthError("--minutes", expected: "--warmup ≥ 1 (the timed steps are warm-up steps, whose learning rate does not depend on the total)",
                                     found: "--warmup \(warmup)")
            }
        }
        // Without --steps, a budget (or a resumed budgeted run) decides the steps: --stop-at is then bounded by them.
        let bound: Int? = steps == nil && (minutes != nil || resume) ? nil : totalSteps
        if let stopAt, stopAt < 1 || bound.map({ stopAt > $0 }) == true {
            throw ValidationError("--stop-at must be within 1…--steps (\(totalSteps)), found \(stopAt)")
        }
        do { try options.validate() } catch let e as ViewSynthError { throw ValidationError(e.description) }
    }

    var options: TrainingOptions {
        var o = TrainingOptions()
        o.steps = totalSteps; o.raysPerStep = rays; o.scenesPerStep = scenesPerStep
        o.learningRate = lr; o.warmupSteps = warmup; o.seed = seed
        o.checkpointEvery = checkpointEvery; o.validationEvery = valEvery
        o.validationViews = valViews; o.validationRays = valRays
        o.tile = tile
        o.depthWeight = depthWeight; o.pseudoDepthMargin = pseudoDepthMargin
        o.balanceViewSets = balanceViewSets ? true : nil
        return o
    }

    /// The budget of --minutes from `start` (nil without it), reserving `finalPixels` of final validation.
    func budget(start: Date, finalPixels: Int = 0) -> TrainingBudget? {
        minutes.map { TrainingBudget(seconds: $0 * 60, start: start, finalValidationPixels: finalPixels) }
    }

    /// A resumed run without --steps continues the steps a budget planned (TrainingRun.keepPlannedSteps).
    var keepPlannedSteps: Bool { steps == nil }

    /// Runs `run` with a progress bar and SIGINT/SIGTERM cancellation; prints a summary. `finalValidation`:
    /// then renders that many whole held-out views of the scene (when the run reached its end or the budget's
    /// deadline) and writes final-validation.json.
    func execute(_ run: TrainingRun, label: String, budget: TrainingBudget? = nil,
                 finalValidation: (scene: TrainingScene, views: Int)? = nil) throws {
        let quiet = quiet || !run.isRoot   // distributed: rank 0 reports
        Threading.configure(workers: threads)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { run.cancel() }
            s.resume()
            sources.append(s)
        }
        defer { for s in sources { s.cancel() } }
        let bar = ProgressBar(total: run.options.steps, label: label, quiet: quiet)
        bar.advance(by: run.step)
        if run.step > 0 && run.isRoot { printErr("resuming at step \(run.step) from \(run.checkpointURL.path)") }
        if let w = run.resumeWarning, run.isRoot { printErr("warning: " + w) }
        if budget != nil, let plan = run.plan, run.step > 0, run.isRoot {
            printErr("continuing the \(plan.steps) steps planned at step \(plan.doneSteps); --minutes sets this invocation's deadline")
        }
        let summary = try run.run(
            provenance: Provenance.commandLine(), stopAt: stopAt, budget: budget,
            onStep: { row in
                bar.advance(by: 1, status: String(format: "loss %.4f psnr %.2f dB (running %.2f) %.0f rays/s",
                                                  row.loss, row.psnr, run.log.runningPSNR(), row.raysPerSecond))
            },
            onPlan: { plan in
                bar.setTotal(plan.steps)
                if quiet && run.isRoot { printErr(plan.summary) }   // else printed as a message
            },
            message: { bar.print($0, fallback: quiet ? { _ in } : printErr) })
        bar.finish()
        guard run.isRoot else { return }
        if summary.cancelled {
            printErr("interrupted at step \(summary.lastStep); checkpoint written to \(run.checkpointURL.path); rerun with --resume to continue")
        } else {
            if summary.stoppedAtDeadline {
                printErr("stopped at step \(summary.lastStep) of \(run.options.steps) at the --minutes deadline; rerun with --resume --minutes M to continue the planned steps")
            } else if summary.lastStep < run.options.steps {
                printErr("stopped at step \(summary.lastStep) (--stop-at); rerun with --resume to continue")
            }
            var line = String(format: "trained steps %d…%d in %.1f s (%.0f rays/s); running PSNR %.2f dB", summary.firstStep + 1,
                              summary.lastStep, summary.seconds, summary.meanRaysPerSecond, run.log.runningPSNR())
            if let v = summary.lastValidationPSNR { line += String(format: ", validation PSNR %.2f dB", v) }
            printErr(line)
            printErr("wrote \(run.weightsURL.path), \(run.checkpointURL.path), \(run.logURL.path)")
            guard let fv = finalValidation, fv.views > 0, !fv.scene.testIndices.isEmpty else { return }
            if summary.lastStep < run.options.steps && !summary.stoppedAtDeadline {
                printErr("no final validation before the last step (after --stop-at)")
                return
            }
            let report = try FinalValidation.run(run, scene: fv.scene, views: fv.views, threads: threads, quiet: quiet,
                                                 log: quiet ? { _ in } : printErr)
            printErr(FinalValidation.summary(report))
            printErr("wrote \(run.outDir.appendingPathComponent(FinalValidation.fileName).path) and \(run.outDir.appendingPathComponent(FinalValidation.folderName).path)/")
        }
    }
}

/// The full-image validation after fit and finetune (FinalValidation.swift).
struct FinalValidationOptions: ParsableArguments {
    @Option(help: "Held-out views rendered whole after training (evenly spread, as `eval --max-views K` chooses them): PSNR and SSIM per view and their mean into final-validation.json, renders, strips and report.html into final-validation/. Default: --val-views; 0: none.")
    var finalValViews: Int?

    func validate() throws {
        if let k = finalValViews { _ = try checkOption("--final-val-views", k, 0...InputLimits.maxSceneViews) }
    }

    func views(_ training: TrainingCLIOptions) -> Int { finalValViews ?? training.valViews }
}

/// Loads scene folders as training scenes (one-line errors for missing folders), each with an equal share
/// of `cacheMb` for its decoded images.
func loadTrainingScenes(_ paths: [String], cacheMb: Int, sharedBy count: Int) throws -> [TrainingScene] {
    let bytes = max(1, cacheMb << 20 / max(1, count))
    return try paths.map { try TrainingScene.load(URL(fileURLWithPath: $0), cacheBytes: bytes) }
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GPNR (or LFNR) model on scene folders and procedural scenes.",
        discussion: """
        Each step draws view sets (a scene, a target among its training views, references at random among the 20 \
        nearest training views) and rays, seeded by (--seed, step) only. Writes checkpoint.safetensors (with \
        optimizer state; --resume continues bit-exactly), weights.safetensors (for render --weights) and log.csv \
        to --out. Ctrl-C or SIGTERM writes a checkpoint and exits.
        Example: viewsynth train --config small --scenes ../shared/scenes/train/* --synthetic 4 --val ../shared/scenes/dev/lego --steps 2000
        """)

    @Option(help: ArgumentHelp("Model configuration: a preset (" + ModelConfig.presetNames.joined(separator: ", ") + ") or a JSON file.", valueName: "name|file"))
    var config: String = "small"
    @Option(help: "Model kind: gpnr or lfnr.") var kind: ModelKind = .gpnr
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Training scene folders.", valueName: "dir"))
    var scenes: [String] = []
    @Option(help: "Procedural scenes generated in memory (seeds 1000, 1001, …).") var synthetic: Int = 0
    @Option(help: "Layout of the procedural scenes: forward (facing a wall of objects), object (a ring around objects) or mixed (alternating, forward first).")
    var syntheticLayout: SyntheticMix = .forward
    @Option(help: ArgumentHelp("Size of the procedural scenes.", valueName: "WxH")) var syntheticSize: String = "160x120"
    @Option(help: "Views of each procedural scene.") var syntheticViews: Int = 20
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Validation scene folders (their held-out views).", valueName: "dir"))
    var val: [String] = []
    @Option(help: ArgumentHelp("Output folder (default: Training/<config>).", valueName: "dir")) var out: String?
    @Flag(help: "Data-parallel over MPI ranks (mpirun -np R viewsynth train … --distributed; Open MPI loaded at run time): each step's micro-batches are split over the ranks, gradients all-gathered and summed in a fixed order; weights and losses equal the single-process run's bit for bit (R = 2). Rank 0 validates and writes --out.")
    var distributed = false
    @OptionGroup var training: TrainingCLIOptions

    func validate() throws {
        guard !scenes.isEmpty || synthetic > 0 else { throw ValidationError("give training scenes: --scenes DIR... and/or --synthetic N") }
        _ = try checkOption("--synthetic", synthetic, 0...100_000)
        _ = try checkOption("--synthetic-views", syntheticViews, 3...1_000)
        if distributed && training.minutes != nil {
            throw ViewSynthError("--minutes", expected: "a single-process run (each rank would plan from its own timings)", found: "--distributed")
        }
        do { _ = try SyntheticSceneGenerator.parseSize(syntheticSize) } catch let e as ViewSynthError { throw ValidationError(e.description) }
    }

    func run() throws {
        let start = Date()
        let cfg = try ModelConfig.named(config)
        let folders = scenes.count + val.count
        var all = try loadTrainingScenes(scenes, cacheMb: training.cacheMb, sharedBy: folders)
        let wh = try SyntheticSceneGenerator.parseSize(syntheticSize)
        for i in 0..<synthetic {
            let layout: SyntheticLayout = syntheticLayout == .object || (syntheticLayout == .mixed && i % 2 == 1) ? .object : .forward
            all.append(try TrainingScene.synthetic(seed: 1000 + UInt64(i), layout: layout, views: syntheticViews,
                                                   width: wh.width, height: wh.height))
        }
        let validation = try loadTrainingScenes(val, cacheMb: training.cacheMb, sharedBy: folders)
        let outDir = URL(fileURLWithPath: out ?? "Training/\(cfg.name)")
        let comm = distributed ? try MPIComm() : nil
        defer { comm?.finalize() }
        if let comm, !comm.launchedByMPIRun { printErr("note: --distributed without mpirun: 1 rank (launch with mpirun -np R)") }
        let run = try TrainingRun(config: cfg, kind: kind, scenes: all, validation: validation, options: training.options,
                                  outDir: outDir, resume: training.resume, keepPlannedSteps: training.keepPlannedSteps, comm: comm)
        if let comm, comm.rank == 0, comm.size > 1 {
            let perSet = 4 * run.model.layout.count, sets = training.balanceViewSets ? training.scenesPerStep : 1
            printErr("distributed: \(comm.size) ranks, one replica each; each step all-gathers \(comm.size) × \(perSet * sets) bytes of gradients (+ losses)")
        }
        try training.execute(run, label: "train", budget: training.budget(start: start))
    }
}

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune GPNR weights on one scene's training views (validated on its held-out views).",
        discussion: """
        Writes weights.safetensors for render --weights (default folder Training/<scene>/gpnr-finetune).
        Starts from the shipped GPNR weights unless --weights names a checkpoint. Ends with the final \
        validation on whole held-out views (final-validation.json; --final-val-views).
        Example: viewsynth finetune ../shared/scenes/dev/lego --steps 300
        Example: viewsynth finetune ../shared/scenes/dev/lego --minutes 30
        """)

    @Argument(help: ArgumentHelp("Scene folder.", valueName: "scene")) var scene: String
    @Option(help: ArgumentHelp("GPNR weights to start from (their config is used); default: the shipped weights.", valueName: "file")) var weights: String?
    @Option(help: ArgumentHelp("Output folder.", valueName: "dir")) var out: String?
    @OptionGroup var training: TrainingCLIOptions
    @OptionGroup var finalValidation: FinalValidationOptions

    func run() throws {
        let start = Date()
        let url = try weights.map { URL(fileURLWithPath: $0) } ?? ShippedWeights.gpnr()
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ViewSynthError(url, expected: "a GPNR weights file", found: "no such file")
        }
        let d = try ModelCheckpoint.describe(url)
        guard d.kind == .gpnr else { throw ViewSynthError(url, expected: "a gpnr checkpoint", found: "a \(d.kind.rawValue) checkpoint") }
        let s = try TrainingScene.load(URL(fileURLWithPath: scene), cacheBytes: training.cacheMb << 20)
        let outDir = URL(fileURLWithPath: out ?? "Training/\(s.name)/gpnr-finetune")
        let run = try TrainingRun(config: d.config, kind: .gpnr, scenes: [s], validation: s.testIndices.isEmpty ? [] : [s],
                                  options: training.options, outDir: outDir, initialWeights: url, resume: training.resume,
                                  keepPlannedSteps: training.keepPlannedSteps)
        let views = finalValidation.views(training)
        try training.execute(run, label: "finetune", budget: training.budget(start: start, finalPixels: FinalValidation.pixels(scene: s, views: views)),
                             finalValidation: (s, views))
    }
}

struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit an LFNR model to one scene (per-scene light field; validated on its held-out views).",
        discussion: """
        The default config, guided, gives LFNR the plane sweep's evidence (cost columns, guided samples, \
        sweep-initialised attention priors and a gated residual), so the untrained model already renders like \
        a soft plane sweep and training learns corrections to it. lfnr.viewEmbeddings is set to the scene's \
        view count. Writes weights.safetensors for render --method lfnr --weights (default folder \
        Training/<scene>/lfnr), and ends with the final validation on whole held-out views \
        (final-validation.json; --final-val-views).
        --minutes M plans the steps to end within M minutes, final validation included (see --minutes).
        Example: viewsynth fit ../shared/scenes/dev/reefwall_yeraygma --minutes 30
        Example: viewsynth fit Scenes/room --config small --steps 2000
        """)

    @Argument(help: ArgumentHelp("Scene folder.", valueName: "scene")) var scene: String
    @Option(help: ArgumentHelp("Model configuration: a preset (" + ModelConfig.presetNames.joined(separator: ", ") + ") or a JSON file; guided (the default) starts at the plane sweep.", valueName: "name|file"))
    var config: String = "guided"
    @Option(help: ArgumentHelp("Output folder.", valueName: "dir")) var out: String?
    @OptionGroup var training: TrainingCLIOptions
    @OptionGroup var finalValidation: FinalValidationOptions

    func run() throws {
        let start = Date()
        let s = try TrainingScene.load(URL(fileURLWithPath: scene), cacheBytes: training.cacheMb << 20)
        var cfg = try ModelConfig.named(config)
        cfg.lfnr.viewEmbeddings = s.cameras.count
        let outDir = URL(fileURLWithPath: out ?? "Training/\(s.name)/lfnr")
        let run = try TrainingRun(config: cfg, kind: .lfnr, scenes: [s], validation: s.testIndices.isEmpty ? [] : [s],
                                  options: training.options, outDir: outDir, resume: training.resume,
                                  keepPlannedSteps: training.keepPlannedSteps)
        let views = finalValidation.views(training)
        try training.execute(run, label: "fit", budget: training.budget(start: start, finalPixels: FinalValidation.pixels(scene: s, views: views)),
                             finalValidation: (s, views))
    }
}

/// Procedural scene layouts for `train --synthetic-layout`.
enum SyntheticMix: String, ExpressibleByArgument, CaseIterable { case forward, object, mixed }

/// The command line as stored in checkpoints: absolute paths are rewritten relative to the working folder,
/// so no file records the folder layout of the machine it was made on.
enum Provenance {
    static func commandLine(_ args: [String] = Array(CommandLine.arguments.dropFirst())) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        return "viewsynth " + args.map { relative($0, to: cwd) }.joined(separator: " ")
    }

    static func relative(_ arg: String, to base: String) -> String {
        guard arg.hasPrefix("/") else { return arg }
        let a = URL(fileURLWithPath: arg).standardizedFileURL.pathComponents, b = URL(fileURLWithPath: base).standardizedFileURL.pathComponents
        var i = 0
        while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
        let up = Array(repeating: "..", count: b.count - i), rest = Array(a[i...])
        let r = (up + rest).joined(separator: "/")
        return r.isEmpty ? "." : r
    }
}
