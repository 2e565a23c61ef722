// `viewsynth bench model --config NAME`: throughput of a model on this machine, measured in one run:
//   * sgemm peak: the best of OpenBLAS sgemm at a large square shape and at the model's own GEMM shapes
//     (engine split over our workers), wall-clock GFLOP/s — the yardstick for the fractions below;
//   * inference rays/s as the renderer runs it: one batch of `renderBatch` rays per worker, each worker
//     single-threaded (`Threading.serial`) with its own workspace, all workers at once;
//   * training rays/s: one batch of `trainBatch` rays per step through forward, backward and an AdamW
//     update (ModelTrainer: micro-batches on per-worker parameter replicas);
//   * model FLOPs per ray (GEMM FLOPs of forward; of forward + backward) and the achieved GFLOP/s as a
//     fraction of the sgemm peak; peak resident memory of the process.
// Inputs are a procedural forward-facing scene (random-texture images, `imageWidth`×`imageHeight`), so the
// figures do not depend on any data set.

import Dispatch
import Foundation
import ViewSynthCore
import ViewSynthEngine

public struct ModelBenchmarkOptions: Sendable, Codable, Hashable {
    public var kind: ModelKind = .gpnr
    /// Rays per training step (default: 512 for width ≤ 64, else 24).
    public var trainBatch: Int?
    /// Rays per micro-batch of a training step (see ModelTrainer; default: about 4096 tokens).
    public var microBatch: Int?
    /// Rays per inference batch (default: the config's renderBatch).
    public var renderBatch: Int?
    public var secondsPerMeasurement: Double = 3
    public var imageWidth = 252, imageHeight = 189
    /// Skip the training measurement.
    public var inferenceOnly = false
    public init() {}
}

public struct ModelBenchmarkReport: Sendable, Codable {
    public var config: ModelConfig
    public var kind: ModelKind
    public var parameters: Int
    public var coreName: String
    public var workers: Int
    public var sgemmPeakGFLOPS: Double
    public var sgemmShapes: [String: Double]
    public var forwardGFLOPPerRay: Double
    public var trainingGFLOPPerRay: Double
    public var renderBatch: Int
    public var inferenceRaysPerSecond: Double
    public var inferenceGFLOPS: Double
    public var inferenceFraction: Double
    public var trainBatch: Int?
    public var trainingRaysPerSecond: Double?
    public var trainingGFLOPS: Double?
    public var trainingFraction: Double?
    public var peakMemoryMB: Double
    public var workspaceMB: Double
    /// The same figures per core-second of process CPU time (robust when other programs load the cores).
    public var cpuSgemmPeakGFLOPS: Double
    public var cpuInferenceGFLOPS: Double
    public var cpuTrainingGFLOPS: Double?

    public var text: String {
        func f(_ x: Double, _ d: Int = 1) -> String { String(format: "%.\(d)f", x) }
        var s = "Model benchmark — \(kind.rawValue) config \(config.name) (\(parameters) parameters; width \(config.width), "
        s += "layers \(kind == .gpnr ? "\(config.crossViewLayers)+" : "")\(config.epipolarLayers)+\(config.viewLayers), \(config.samples) samples, "
        s += "\(config.views) views, \(config.patchSize)×\(config.patchSize) patches, \(config.patchFeatures) features)\n"
        s += "OpenBLAS core \(coreName), \(workers) workers\n"
        s += "sgemm peak: \(f(sgemmPeakGFLOPS)) GFLOP/s ("
        s += sgemmShapes.sorted { $0.key < $1.key }.map { "\($0.key): \(f($0.value))" }.joined(separator: ", ") + ")\n"
        s += "FLOPs per ray: forward \(f(forwardGFLOPPerRay, 4)) GFLOP, training step \(f(trainingGFLOPPerRay, 4)) GFLOP\n"
        s += "inference (batch \(renderBatch) per worker): \(f(inferenceRaysPerSecond)) rays/s, \(f(inferenceGFLOPS)) GFLOP/s = \(f(100 * inferenceFraction, 0)) % of sgemm peak\n"
        if let r = trainingRaysPerSecond, let g = trainingGFLOPS, let fr = trainingFraction, let b = trainBatch {
            s += "training step (batch \(b)): \(f(r)) rays/s, \(f(g)) GFLOP/s = \(f(100 * fr, 0)) % of sgemm peak\n"
        }
        s += "per core-second of CPU time: sgemm \(f(cpuSgemmPeakGFLOPS)), inference \(f(cpuInferenceGFLOPS)) (\(f(100 * cpuInferenceGFLOPS / cpuSgemmPeakGFLOPS, 0)) %)"
        if let c = cpuTrainingGFLOPS { s += ", training \(f(c)) (\(f(100 * c / cpuSgemmPeakGFLOPS, 0)) %)" }
        s += " GFLOP/s\n"
        s += "peak memory: \(f(peakMemoryMB, 0)) MB (workspaces \(f(workspaceMB, 0)) MB)\n"
        return s
    }

    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

public enum ModelBenchmark {
    /// Best wall seconds per call (≥ 2 calls after a warm-up) and mean process-CPU seconds per call;
    /// the engine benchmark's timer.
    static func measure(_ minSeconds: Double, _ body: () -> Void) -> (wall: Double, cpu: Double) {
        EngineBenchmark.time(minSeconds, minCalls: 2, body)
    }
    static func time(_ minSeconds: Double, _ body: () -> Void) -> Double { measure(minSeconds, body).wall }

    public static func peakRSSMB() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_maxrss) / 1024
    }

    /// A forward-facing procedural view set: N references on a small grid around the target, looking
    /// along +z at random-texture content between near 1 and far 20.
    public static func syntheticViewSet<T: EngineScalar>(_: T.Type, views N: Int, width W: Int, height H: Int,
                                                          seed: UInt64 = 1) -> ViewSet<T> {
        var rng = SplitMix64(seed: seed)
        let intr = Intrinsics(fx: Double(W), fy: Double(W), cx: Double(W) / 2, cy: Double(H) / 2, width: W, height: H)
        func cam(_ x: Double, _ y: Double) -> Camera {
            Camera(intrinsics: intr, worldFromCamera: Rigid3(rotation: .identity, translation: Vec3(x, y, 0)))
        }
        let refs = (0..<N).map { i -> Camera in
            let a = Double(i) * 2.4, r = 0.05 + 0.02 * Double(i)
            return cam(r * cos(a), r * sin(a))
        }
        let images = refs.map { _ in
            Image(width: W, height: H, channels: 3, pixels: (0..<(W * H * 3)).map { _ in Float(rng.uniform()) })
        }
        return try! ViewSet(target: cam(0, 0), references: refs, images: images, near: 1, far: 20)
    }

    public static func run(config: ModelConfig, options o: ModelBenchmarkOptions = ModelBenchmarkOptions()) -> ModelBenchmarkReport {
        Threading.ensureConfigured()
        let workers = Threading.workerCount
        // sgemm peak at a large square and at the model's shapes.
        var shapes: [String: Double] = [:]
        var cpuPeak = 0.0
        func sgemm(_ label: String, _ m: Int, _ n: Int, _ k: Int, _ tb: Bool = false) {
            let a = AlignedBuffer<Float>(count: m * k), b = AlignedBuffer<Float>(count: k * n), c = AlignedBuffer<Float>(count: m * n)
            for i in 0..<a.count { a.pointer[i] = Float(i % 7) * 0.1 }
            for i in 0..<b.count { b.pointer[i] = Float(i % 5) * 0.1 }
            let t = measure(0.5) {
                Threading.gemm(transA: false, transB: tb, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: k,
                               b: b.pointer, ldb: tb ? k : n, beta: 0, c: c.pointer, ldc: n)
            }
            shapes[label] = 2 * Double(m) * Double(n) * Double(k) / t.wall * 1e-9
            cpuPeak = max(cpuPeak, 2 * Double(m) * Double(n) * Double(k) / t.cpu * 1e-9)
        }
        sgemm("1024³", 1024, 1024, 1024)
        let D = config.width, tokens = 16384
        sgemm("qkv \(tokens)×\(3 * D)×\(D)", tokens, 3 * D, D)
        sgemm("mlp \(tokens)×\(config.mlpWidth)×\(D)", tokens, config.mlpWidth, D)
        let peak = shapes.values.max() ?? 1

        let B = o.renderBatch ?? config.renderBatch
        let trainB = o.trainBatch ?? (config.width <= 64 ? 512 : 24)
        let vs = syntheticViewSet(Float.self, views: config.views, width: o.imageWidth, height: o.imageHeight)
        // Guided configs: the rays are a strip of pixels with their sweep guidance (the guidance itself is
        // not timed here; `bench render` measures the whole render).
        let guidance = config.guidance.map { _ in GuidanceBatch(capacity: max(B, trainB) * 2 + 2 * o.imageWidth, samples: config.samples) }
        func rays(_ n: Int, offset: Int) -> [ModelRay] {
            if let gs = config.guidance, let guidance {
                let w = min(n, o.imageWidth), h = (n + w - 1) / w
                let row0 = offset == 17 ? guidance.capacity / 2 : (offset / 1000) * (guidance.capacity / 4)
                let tile = PixelTile(x0: 0, y0: min(o.imageHeight - h, offset % max(1, o.imageHeight - h)), width: w, height: h)
                let guide = SweepGuide(settings: gs, views: config.views, samples: config.samples, maxPixels: tile.pixelCount)
                guide.fill(tile: tile, viewSet: vs, placement: .binCentres, keyView: 0, into: guidance, row0: row0)
                return (0..<n).map { i in
                    ModelRay(viewSet: 0, x: Double(tile.x0 + i % w) + 0.5, y: Double(tile.y0 + i / w) + 0.5,
                             key: UInt64(i), guide: Int32(row0 + i))
                }
            }
            return (0..<n).map { i in
                let p = (offset + i * 7919) % (o.imageWidth * o.imageHeight)
                return ModelRay(viewSet: 0, x: Double(p % o.imageWidth) + 0.5, y: Double(p / o.imageWidth) + 0.5,
                                key: UInt64(p))
            }
        }
        var workspaceBytes = 0
        var forwardFLOPs = 0.0, trainFLOPs = 0.0, params = 0
        var inferenceRate = 0.0, inferenceCPURate = 0.0
        var trainRate: Double?, trainCPURate: Double?
        do {
            let model = EpipolarModel<Float>(config: config, seed: 1, kind: o.kind)
            params = model.parameterCount
            forwardFLOPs = model.forwardFLOPsPerRay; trainFLOPs = model.trainingFLOPsPerRay
            let wss = (0..<workers).map { _ in model.makeWorkspace(batch: B, training: false) }
            workspaceBytes += wss.map(\.bytes).reduce(0, +)
            let batches = (0..<workers).map { rays(B, offset: 1000 * $0) }
            let t = measure(o.secondsPerMeasurement) {
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    Threading.serial {
                        batches[w].withUnsafeBufferPointer { model.forward(rays: $0, viewSets: [vs], guidance: guidance, workspace: wss[w]) }
                    }
                }
            }
            inferenceRate = Double(B * workers) / t.wall
            inferenceCPURate = Double(B * workers) / t.cpu
            if !o.inferenceOnly {
                let trainer = ModelTrainer(model: model, optimizer: .init(schedule: LearningRateSchedule(peak: 1e-4)),
                                          microBatch: o.microBatch ?? ModelTrainer.defaultMicroBatch(config))
                workspaceBytes += trainer.bytes
                let batch = rays(trainB, offset: 17)
                let targets = [Float](repeating: 0.5, count: trainB * 3)
                let tt = measure(o.secondsPerMeasurement) {
                    trainer.step(rays: batch, targets: targets, viewSets: [vs], placement: .stratified(seed: 3), guidance: guidance)
                }
                trainRate = Double(trainB) / tt.wall
                trainCPURate = Double(trainB) / tt.cpu
            }
        }
        let infG = forwardFLOPs * inferenceRate * 1e-9
        let trG = trainRate.map { trainFLOPs * $0 * 1e-9 }
        return ModelBenchmarkReport(
            config: config, kind: o.kind, parameters: params, coreName: BLASSetup.coreName, workers: workers,
            sgemmPeakGFLOPS: peak, sgemmShapes: shapes, forwardGFLOPPerRay: forwardFLOPs * 1e-9,
            trainingGFLOPPerRay: trainFLOPs * 1e-9, renderBatch: B, inferenceRaysPerSecond: inferenceRate,
            inferenceGFLOPS: infG, inferenceFraction: infG / peak, trainBatch: o.inferenceOnly ? nil : trainB,
            trainingRaysPerSecond: trainRate, trainingGFLOPS: trG, trainingFraction: trG.map { $0 / peak },
            peakMemoryMB: peakRSSMB(), workspaceMB: Double(workspaceBytes) / 1e6,
            cpuSgemmPeakGFLOPS: cpuPeak, cpuInferenceGFLOPS: forwardFLOPs * inferenceCPURate * 1e-9,
            cpuTrainingGFLOPS: trainCPURate.map { trainFLOPs * $0 * 1e-9 })
    }
}
