// A training run: a model (GPNR or LFNR), its AdamW trainer, training scenes, validation scenes and an
// output folder holding
//   checkpoint.safetensors   parameters + AdamW moments and step + metadata (model kind, config, step, seed,
//                            options): written atomically every `checkpointEvery` steps, at the end and when
//                            cancelled; `resume: true` continues from it bit-exactly (the draws of step t
//                            depend only on (seed, t), see TrainingOptions.swift, so (seed, step) is the
//                            whole RNG state);
//   weights.safetensors      parameters only (same metadata), written with every checkpoint: what
//                            `render --weights` and shipping use;
//   log.csv                  one row per step (TrainingLog.swift);
//   curves.png               loss and validation PSNR against step (TrainingCurves.swift): redrawn after
//                            every validation and with every checkpoint;
//   segments.csv             one row per invocation (segment) of the run: steps, wall time, rays/s, the
//                            BLAS core, the finishing time, the command line (paths relative) and the plan of
//                            a budgeted run (TrainingPlan.swift) when this segment made it; rewritten with
//                            every checkpoint, so a run killed by a session's end keeps its segment.
// Budget (`run(budget:)`, TrainingPlan.swift): times the first steps, then fixes options.steps to end on time;
// the plan is stored in the checkpoint ("plan"), so a resumed run keeps it (`keepPlannedSteps`).
// Distributed (`comm`, MPI ranks: ModelTrainer.swift): every rank runs the same steps and holds the same
// weights; only rank 0 validates and writes the folder's files; `resume` loads the checkpoint on every rank;
// a cancel on any rank stops all ranks after the same step.
// Cancellation: `cancel()` (thread-safe; the CLI calls it from its SIGINT/SIGTERM handler) stops the loop
// between two steps; the run then writes a checkpoint and returns with `cancelled == true`.

import Foundation
import ViewSynthCore
import ViewSynthEngine

public final class TrainingRun: @unchecked Sendable {
    public let model: EpipolarModel<Float>
    public let trainer: ModelTrainer
    public let scenes: [TrainingScene]
    public let validationScenes: [TrainingScene]
    /// The options (a budgeted run changes `steps` once, when it plans).
    public private(set) var options: TrainingOptions
    public let outDir: URL
    /// The plan of a budgeted run (made by this run, or read from the checkpoint it resumed).
    public private(set) var plan: TrainingPlan?
    /// Steps done so far (the checkpoint's step after a resume).
    public private(set) var step = 0
    public private(set) var log: TrainingLog
    /// Set when resuming with options that differ from the checkpoint's (e.g. more --steps: the learning-rate
    /// schedule then differs, so the result is not bit-identical to either uninterrupted run).
    public private(set) var resumeWarning: String?
    private let flagLock = NSLock()
    private var cancelled = false

    public var checkpointURL: URL { outDir.appendingPathComponent("checkpoint.safetensors") }
    public var weightsURL: URL { outDir.appendingPathComponent("weights.safetensors") }
    public var logURL: URL { outDir.appendingPathComponent("log.csv") }
    public var curvesURL: URL { outDir.appendingPathComponent("curves.png") }
    public var segmentsURL: URL { outDir.appendingPathComponent("segments.csv") }
    /// Rows of segments.csv from earlier invocations (ending at or before the resumed step).
    private var earlierSegments: [String] = []
    private var segmentStart = 0, segmentStartDate = Date(), segmentRays = 0, segmentTrainSeconds = 0.0
    private var segmentProvenance = ""
    static let segmentsHeader = "start_step,end_step,seconds,train_rays_per_s,blas_core,finished_utc,command,plan"
    /// segments.csv before the plan column (its rows get an empty plan field when rewritten).
    static let segmentsHeaderWithoutPlan = "start_step,end_step,seconds,train_rays_per_s,blas_core,finished_utc,command"
    private var segmentPlan = ""

    /// - Parameters:
    ///   - initialWeights: start from these parameters (fine-tuning; their config must equal `config`);
    ///     ignored when resuming from a checkpoint.
    ///   - resume: continue from `outDir/checkpoint.safetensors` when it exists. Without it an existing
    ///     checkpoint is an error (never overwritten by a fresh run).
    ///   - keepPlannedSteps: when the resumed checkpoint holds a plan (a budgeted run), continue its planned
    ///     steps instead of `options.steps`.
    public init(config: ModelConfig, kind: ModelKind, scenes: [TrainingScene], validation: [TrainingScene] = [],
                options: TrainingOptions, outDir: URL, initialWeights: URL? = nil, resume: Bool = false,
                keepPlannedSteps: Bool = false, comm: MPIComm? = nil) throws {
        try config.validate()
        try options.validate()
        guard !scenes.isEmpty else {
            throw ViewSynthError(outDir, expected: "at least one training scene", found: "none")
        }
        for s in scenes where s.trainIndices.count < 2 {
            throw ViewSynthError(s.name, expected: "a scene with at least 2 training views", found: "\(s.trainIndices.count)")
        }
        for s in validation where s.testIndices.isEmpty || s.trainIndices.isEmpty {
            throw ViewSynthError(s.name, expected: "a validation scene with held-out and training views",
                                 found: "\(s.testIndices.count) held-out, \(s.trainIndices.count) training views")
        }
        self.scenes = scenes
        self.validationScenes = validation
        var options = options
        self.options = options
        self.outDir = outDir
        do { try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true) } catch {
            throw ViewSynthError(outDir, expected: "a writable output folder", found: error.localizedDescription)
        }
        model = EpipolarModel<Float>(config: config, seed: options.seed, kind: kind)
        trainer = ModelTrainer(model: model, optimizer: options.optimizer,
                               microBatch: options.microBatch ?? ModelTrainer.defaultMicroBatch(config), comm: comm)
        log = TrainingLog()
        let ckpt = outDir.appendingPathComponent("checkpoint.safetensors")
        if FileManager.default.fileExists(atPath: ckpt.path) {
            guard resume else {
                throw ViewSynthError(ckpt, expected: "no checkpoint in a fresh run's output folder (pass --resume, or another --out)",
                                     found: "an existing checkpoint")
            }
            let meta = try model.load(from: ckpt, optimizer: trainer.optimizer)
            step = meta.step
            plan = meta.extra["plan"].flatMap { try? JSONDecoder().decode(TrainingPlan.self, from: Data($0.utf8)) }
            if keepPlannedSteps, let plan {
                options.steps = plan.steps
                self.options = options
                trainer.optimizer.configuration = options.optimizer
            }
            if let stored = meta.extra["training_options"], stored != options.json {
                resumeWarning = "the checkpoint was written with other training options (\(stored)); the continued run is not "
                    + "the uninterrupted run of either"
            }
            log = try TrainingLog.read(logURL, upTo: step)
            if let text = try? String(contentsOf: segmentsURL, encoding: .utf8) {
                let lines = text.split(separator: "\n")
                let oldFormat = lines.first.map(String.init) == Self.segmentsHeaderWithoutPlan
                earlierSegments = lines.dropFirst().map { oldFormat ? $0 + "," : String($0) }.filter { line in
                    let f = line.split(separator: ",", maxSplits: 2)
                    return f.count >= 2 && (Int(f[1]).map { $0 <= step } ?? false)
                }
            }
        } else if let initialWeights {
            try model.load(from: initialWeights)
        }
    }

    /// Rank 0 of a distributed run, or a single process: the one that validates and writes files.
    public var isRoot: Bool { (trainer.comm?.rank ?? 0) == 0 }

    /// Stops the run between two steps (thread-safe).
    public func cancel() {
        flagLock.lock(); cancelled = true; flagLock.unlock()
    }
    public var isCancelled: Bool {
        flagLock.lock(); defer { flagLock.unlock() }
        return cancelled
    }

    /// The batch of step `t` (1-based; deterministic).
    public func batch(step t: Int) throws -> TrainingBatch {
        try TrainingSampler.batch(step: t, seed: options.seed, scenes: scenes, config: model.config, options: options)
    }

    /// Writes checkpoint.safetensors (with optimizer state), weights.safetensors, log.csv and curves.png.
    public func saveCheckpoint(provenance: String = "") throws {
        guard isRoot else { return }
        var extra = ["seed": String(options.seed), "rng": "splitmix64 of (seed, step)", "training_options": options.json,
                     "scenes": scenes.map(\.name).joined(separator: ",")]
        if let plan { extra["plan"] = plan.json }
        // AtomicFile (temp + fsync + rename) rather than SafeTensors.save, whose replaceItemAt failed here on
        // Linux when overwriting an existing checkpoint ("The file doesn't exist").
        let meta = ModelCheckpoint.metadata(kind: model.kind, config: model.config, step: step, provenance: provenance, extra: extra)
        try AtomicFile.write(SafeTensors.encode(model.parameters, optimizer: trainer.optimizer, metadata: meta), to: checkpointURL)
        try AtomicFile.write(SafeTensors.encode(model.parameters, optimizer: nil, metadata: meta), to: weightsURL)
        try log.write(to: logURL)
        try TrainingCurves.write(log, to: curvesURL)
        if step > segmentStart || !earlierSegments.isEmpty {
            let f = ISO8601DateFormatter()
            let cmd = Self.csvQuoted(segmentProvenance)
            let row = String(format: "%d,%d,%.1f,%.1f,", segmentStart, step, Date().timeIntervalSince(segmentStartDate),
                             Double(segmentRays) / max(segmentTrainSeconds, 1e-9)) + "\(BLASSetup.coreName),\(f.string(from: Date())),\(cmd)," + Self.csvQuoted(segmentPlan)
            let rows = earlierSegments + (step > segmentStart ? [row] : [])
            try AtomicFile.write(Data((([Self.segmentsHeader] + rows).joined(separator: "\n") + "\n").utf8), to: segmentsURL)
        }
    }

    /// A CSV field: quoted, inner quotes doubled.
    static func csvQuoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// What `run` returns.
    public struct Summary: Sendable {
        public var firstStep: Int
        public var lastStep: Int
        public var cancelled: Bool
        public var seconds: Double
        public var lastValidationPSNR: Double?
        public var meanRaysPerSecond: Double
        /// A budgeted run stopped before its planned end because the next step would have passed the deadline.
        public var stoppedAtDeadline = false
    }

    /// Runs steps `step + 1 … options.steps` (or only up to `stopAt`, e.g. to reproduce weights taken at an
    /// intermediate step; the learning-rate schedule still spans `options.steps`, and a later `resume`
    /// continues bit-exactly). `onStep` sees each logged row (for a progress bar); `message` gets validation
    /// results, the plan and checkpoint notices; `onPlan` sees the plan when it is made.
    /// `budget`: plan options.steps to end on time and stop at the deadline (TrainingPlan.swift). The plan is
    /// made when this run has none yet and its next `budget.timedSteps` steps (at least one) are within the
    /// warm-up; otherwise the budget only sets the deadline.
    @discardableResult
    public func run(provenance: String = "", stopAt: Int? = nil, budget: TrainingBudget? = nil,
                    onStep: ((TrainingLog.Row) -> Void)? = nil, onPlan: ((TrainingPlan) -> Void)? = nil,
                    message: (String) -> Void = { _ in }) throws -> Summary {
        let first = step
        let start = Date()
        var trainSeconds = 0.0, trainRays = 0
        var lastVal: Double? = nil
        let elapsedBefore = log.rows.last?.seconds ?? 0
        segmentStart = step; segmentStartDate = start; segmentRays = 0; segmentTrainSeconds = 0
        segmentProvenance = provenance; segmentPlan = ""
        // Budget: time a validation now (its rate also estimates the final full-image validation), then the
        // first steps; plan at `planAt`.
        var planAt: Int? = nil, timed: [Double] = [], validationSeconds = 0.0, finalSeconds = 0.0, deadline: Date? = nil
        var writeSeconds = 0.0, lastStepSeconds = 0.0
        if let budget {
            if isRoot {
                let w0 = Date()
                try log.write(to: logURL)
                writeSeconds = Date().timeIntervalSince(w0)
            }
            if isRoot && !validationScenes.isEmpty {
                let t0 = Date()
                let v = try validation()
                try TrainingCurves.write(log, to: curvesURL)   // as every periodic validation does
                validationSeconds = Date().timeIntervalSince(t0)
                finalSeconds = Double(budget.finalValidationPixels) * validationSeconds / Double(max(v.pixels, 1))
                message(String(format: "step %d: validation PSNR %.2f dB (before training; %.1f s)", step, v.psnr, validationSeconds))
            }
            deadline = budget.start.addingTimeInterval(budget.seconds - finalSeconds)
            let k = min(budget.timedSteps, options.warmupSteps - step)
            if plan == nil && k >= 1 {
                planAt = step + k
                // Until the plan, a schedule at least as long as the warm-up (rates of warm-up steps do not
                // depend on the total then).
                if options.steps < options.warmupSteps {
                    options.steps = options.warmupSteps
                    trainer.optimizer.configuration = options.optimizer
                }
            } else if plan == nil {
                message("note: step \(step) is past the \(options.warmupSteps) warm-up steps: no plan, keeping \(options.steps) steps; the budget only sets the deadline")
            }
        }
        var end = min(options.steps, stopAt ?? options.steps)
        let prefetcher = BatchPrefetcher(self)
        var stoppedAtDeadline = false
        // Distributed: the ranks' cancel flags travel with each step's gather, so all stop after the same step.
        let distributed = (trainer.comm?.size ?? 1) > 1
        while step < end && !(distributed ? trainer.anyStopRequested : isCancelled) {
            if let deadline, Date().addingTimeInterval(plan.map { $0.secondsPerStep + $0.writeSecondsPerStep } ?? lastStepSeconds) > deadline {
                stoppedAtDeadline = true
                message("step \(step): stopping, the next step would end after the time budget")
                break
            }
            trainer.stopRequested = isCancelled
            let t0 = Date()
            let b = try prefetcher.take(step: step + 1)
            let t1 = Date()
            // Draw the next batch on another thread while this step's math runs (decoding images on first
            // use, copying them into view sets); batches are pure functions of (seed, step).
            if step + 2 <= options.steps { prefetcher.request(step: step + 2) }
            let r = trainer.step(rays: b.rays, targets: b.targets, viewSets: b.viewSets, placement: b.placement,
                                 guidance: b.guidance, depthTargets: b.depthTargets, depthWeight: Float(options.depthWeight ?? 0),
                                 balanceViewSets: options.balanceViewSets ?? false)
            let t2 = Date()
            step += 1
            let dt = t2.timeIntervalSince(t0)
            trainSeconds += dt; trainRays += b.rays.count
            segmentTrainSeconds += dt; segmentRays += b.rays.count
            lastStepSeconds = dt
            if planAt != nil { timed.append(dt) }
            if let budget, let at = planAt, step == at {
                // Fix the total steps from the measured rate (before this step's "last step" decisions).
                let p = TrainingPlan.make(budgetSeconds: budget.seconds, elapsedSeconds: Date().timeIntervalSince(budget.start),
                                          stepSeconds: timed, writeSecondsPerStep: writeSeconds / Double(options.logEvery), doneSteps: step,
                                          validationEvery: options.validationEvery, validationSeconds: validationSeconds,
                                          finalValidationSeconds: finalSeconds, margin: budget.margin, warmupSteps: options.warmupSteps)
                plan = p; planAt = nil; segmentPlan = p.summary
                options.steps = p.steps
                trainer.optimizer.configuration = options.optimizer
                end = min(options.steps, stopAt ?? options.steps)
                message(p.summary)
                onPlan?(p)
            }
            var row = TrainingLog.Row(step: step, loss: r.losses.total, rgbLoss: r.losses.rgb, coarseLoss: r.losses.coarse,
                                      learningRate: r.update?.learningRate ?? 0,
                                      raysPerSecond: Double(b.rays.count) / max(dt, 1e-9),
                                      dataSeconds: t1.timeIntervalSince(t0),
                                      seconds: elapsedBefore + Date().timeIntervalSince(start), validationPSNR: nil)
            let last = step == options.steps
            if isRoot && !validationScenes.isEmpty && ((options.validationEvery > 0 && step % options.validationEvery == 0) || last) {
                let v = try validate()
                row.validationPSNR = v
                lastVal = v
                message(String(format: "step %d: validation PSNR %.2f dB", step, v))
            }
            log.append(row)
            onStep?(row)
            if !isRoot {
            } else if options.checkpointEvery > 0 && step % options.checkpointEvery == 0 && !last && planAt == nil {
                try saveCheckpoint(provenance: provenance)   // log.csv and curves.png too (not before the plan)
            } else {
                if step % options.logEvery == 0 || row.validationPSNR != nil { try log.write(to: logURL) }
                if row.validationPSNR != nil && !last { try TrainingCurves.write(log, to: curvesURL) }   // last: saveCheckpoint below
            }
        }
        let wasCancelled = (distributed ? trainer.anyStopRequested : isCancelled) && step < options.steps
        try saveCheckpoint(provenance: provenance)
        return Summary(firstStep: first, lastStep: step, cancelled: wasCancelled, seconds: Date().timeIntervalSince(start),
                       lastValidationPSNR: lastVal, meanRaysPerSecond: Double(trainRays) / max(trainSeconds, 1e-9),
                       stoppedAtDeadline: stoppedAtDeadline && !wasCancelled)
    }

    /// Mean over the validation scenes of the PSNR (dB) of the predicted colour on a fixed seeded subset of
    /// pixels of `validationViews` held-out views each, rendered from the `config.views` nearest training views.
    public func validate() throws -> Double { try validation().psnr }

    /// The validation PSNR and the pixels it rendered (all scenes).
    func validation() throws -> (psnr: Double, pixels: Int) {
        var total = 0.0, pixelCount = 0
        for scene in validationScenes {
            var se = 0.0, n = 0
            let tests = scene.testIndices
            let k = min(options.validationViews, tests.count)
            for j in 0..<k {
                let t = tests[j * tests.count / k]
                let refs = scene.nearestTrainingViews(to: scene.cameras[t], count: model.config.views, excluding: t)
                let vs = try scene.viewSet(target: scene.cameras[t], references: refs)
                let img = try scene.image(t)
                var pixels = Array(0..<(img.width * img.height))
                var guidance: GuidanceBatch? = nil
                if let gs = model.config.guidance {
                    // Guided models: whole tiles (the sweep's cost needs their windows), a fixed seeded set of
                    // tiles of the training tile side covering about validationRays pixels.
                    let side = options.tile
                    let tw = min(side, img.width), th = min(side, img.height)
                    let cols = img.width / tw, rows = img.height / th
                    var blocks = Array(0..<(cols * rows))
                    let want = options.validationRays > 0 ? min(blocks.count, max(1, options.validationRays / (tw * th))) : blocks.count
                    var g = SplitMix64(seed: 0x5641_4C49_4441_5445 ^ UInt64(t))
                    for i in 0..<want { blocks.swapAt(i, i + TrainingSampler.below(blocks.count - i, &g)) }
                    let chosen = Array(blocks.prefix(want)).sorted()
                    let guide = SweepGuide(settings: gs, views: model.config.views, samples: model.config.samples, maxPixels: tw * th)
                    let batch = GuidanceBatch(capacity: chosen.count * tw * th, samples: model.config.samples)
                    pixels = []
                    for (i, blk) in chosen.enumerated() {
                        let pt = PixelTile(x0: (blk % cols) * tw, y0: (blk / cols) * th, width: tw, height: th)
                        guide.fill(tile: pt, viewSet: vs, placement: .binCentres, keyView: t, into: batch, row0: i * tw * th)
                        for q in 0..<(tw * th) { pixels.append((pt.y0 + q / tw) * img.width + pt.x0 + q % tw) }
                    }
                    guidance = batch
                } else if options.validationRays > 0 && options.validationRays < pixels.count {
                    var g = SplitMix64(seed: 0x5641_4C49_4441_5445 ^ UInt64(t))
                    for i in 0..<options.validationRays { pixels.swapAt(i, i + TrainingSampler.below(pixels.count - i, &g)) }
                    pixels = Array(pixels.prefix(options.validationRays)).sorted()
                }
                let rays = pixels.enumerated().map {
                    ModelRay(viewSet: 0, x: Double($1 % img.width) + 0.5, y: Double($1 / img.width) + 0.5,
                             guide: guidance == nil ? -1 : Int32($0))
                }
                let rgb = predict(rays: rays, viewSet: vs, guidance: guidance)
                for (i, p) in pixels.enumerated() {
                    for c in 0..<3 {
                        let e = Double(min(1, max(0, rgb[3 * i + c])) - img.pixels[3 * p + c])
                        se += e * e
                    }
                }
                n += 3 * pixels.count
                pixelCount += pixels.count
            }
            total += TrainingLog.psnr(mse: se / Double(max(n, 1)))
        }
        return (total / Double(max(validationScenes.count, 1)), pixelCount)
    }

    /// Predicted colours (3 per ray) in fixed batches of `renderBatch`, spread over two workers (batch i on
    /// worker i mod 2), so the result does not depend on the thread count.
    func predict(rays: [ModelRay], viewSet: ViewSet<Float>, guidance: GuidanceBatch? = nil) -> [Float] {
        let B = model.config.renderBatch, W = 2
        let chunks = (rays.count + B - 1) / B
        var out = [Float](repeating: 0, count: rays.count * 3)
        let workspaces = (0..<W).map { _ in model.makeWorkspace(batch: B, training: false) }
        out.withUnsafeMutableBufferPointer { o in
            nonisolated(unsafe) let op = o.baseAddress!
            let work: (Int) -> Void = { w in
                Threading.serial {
                    var i = w
                    while i < chunks {
                        let lo = i * B, hi = min(rays.count, lo + B)
                        rays.withUnsafeBufferPointer { r in
                            self.model.forward(rays: UnsafeBufferPointer(rebasing: r[lo..<hi]), viewSets: [viewSet],
                                               guidance: guidance, workspace: workspaces[w])
                        }
                        for j in 0..<(3 * (hi - lo)) { op[3 * lo + j] = workspaces[w].rgb[j] }
                        i += W
                    }
                }
            }
            if Threading.workerCount > 1 {
                nonisolated(unsafe) let run = work
                DispatchQueue.concurrentPerform(iterations: W) { run($0) }
            } else {
                for w in 0..<W { work(w) }
            }
        }
        return out
    }
}

/// Draws one batch ahead on a background queue. `take(step:)` returns the prefetched batch when it is the
/// one asked for (waiting for it if needed), else draws it on the calling thread.
final class BatchPrefetcher: @unchecked Sendable {
    private unowned let run: TrainingRun
    private var pending: (step: Int, done: DispatchSemaphore)?
    private var result: Result<TrainingBatch, Error>?

    init(_ run: TrainingRun) { self.run = run }

    func request(step t: Int) {
        let done = DispatchSemaphore(value: 0)
        pending = (t, done)
        result = nil
        DispatchQueue.global(qos: .userInitiated).async {
            let r = Result { try self.run.batch(step: t) }
            self.result = r
            done.signal()
        }
    }

    func take(step t: Int) throws -> TrainingBatch {
        if let p = pending {
            p.done.wait()
            pending = nil
            if p.step == t, let r = result { result = nil; return try r.get() }
        }
        return try run.batch(step: t)
    }

    deinit { pending?.done.wait() }
}
