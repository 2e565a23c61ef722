import Foundation
import Testing
@testable import ViewSynth

struct ModelBenchmarkTests {
    /// The benchmark runs end to end on `tiny` and reports consistent figures.
    @Test func tinyBenchmarkRuns() {
        var o = ModelBenchmarkOptions()
        o.secondsPerMeasurement = 0.05
        o.trainBatch = 8
        o.imageWidth = 40; o.imageHeight = 30
        let r = ModelBenchmark.run(config: .tiny, options: o)
        #expect(r.inferenceRaysPerSecond > 0 && r.trainingRaysPerSecond! > 0)
        #expect(r.sgemmPeakGFLOPS > 0 && r.forwardGFLOPPerRay > 0 && r.trainingGFLOPPerRay > 2 * r.forwardGFLOPPerRay)
        #expect(abs(r.inferenceGFLOPS - r.forwardGFLOPPerRay * r.inferenceRaysPerSecond) < 1e-9 * max(1, r.inferenceGFLOPS))
        #expect(r.text.contains("rays/s"))
    }

    /// Full figures for a named config, only when VIEWSYNTH_MODEL_BENCH names it (e.g. "small").
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIEWSYNTH_MODEL_BENCH"] != nil))
    func namedConfigFigures() throws {
        let env = ProcessInfo.processInfo.environment
        let config = try ModelConfig.named(env["VIEWSYNTH_MODEL_BENCH"]!)
        var o = ModelBenchmarkOptions()
        if let s = env["VIEWSYNTH_MODEL_BENCH_SECONDS"], let v = Double(s) { o.secondsPerMeasurement = v }
        if let s = env["VIEWSYNTH_MODEL_BENCH_TRAIN"], let v = Int(s) { o.trainBatch = v }
        if let s = env["VIEWSYNTH_MODEL_BENCH_BATCH"], let v = Int(s) { o.renderBatch = v }
        o.inferenceOnly = env["VIEWSYNTH_MODEL_BENCH_INFER_ONLY"] != nil
        if let k = env["VIEWSYNTH_MODEL_BENCH_KIND"], let kind = ModelKind(rawValue: k) { o.kind = kind }
        let r = ModelBenchmark.run(config: config, options: o)
        print(r.text)
    }
}

struct NormPlacementExperiment {
    /// Pre-norm vs post-norm: final training loss of the same small model on the synthetic scene (seeds
    /// 1–3), printed; run with VIEWSYNTH_NORM_EXPERIMENT=1 (release build).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIEWSYNTH_NORM_EXPERIMENT"] != nil))
    func compare() {
        for pre in [false, true] {
            var losses: [Double] = []
            for seed in UInt64(1)...3 {
                var c = ModelConfig.tiny
                c.width = 32; c.mlpWidth = 32; c.heads = 1; c.samples = 16; c.preNorm = pre
                let model = EpipolarModel<Float>(config: c, seed: seed)
                let trainer = ModelTrainer(model: model, optimizer: .init(schedule: LearningRateSchedule(
                    peak: 2e-3, warmupSteps: 50, totalSteps: 600, decay: .cosine, finalFraction: 0.05)), microBatch: 16)
                let vs = TinyScene.viewSet(Float.self, views: 3)
                let (rays, targets) = TinyScene.raysAndTargets(Float.self, step: 1)
                var last = 0.0
                for step in 0..<600 {
                    // 64 rays per step, cycling through the image.
                    let lo = (step * 64) % (rays.count - 64)
                    let r = trainer.step(rays: Array(rays[lo..<(lo + 64)]), targets: Array(targets[(3 * lo)..<(3 * lo + 192)]),
                                         viewSets: [vs], placement: .stratified(seed: UInt64(step)))
                    if step >= 550 { last += r.losses.total / 50 }
                }
                losses.append(last)
            }
            print("preNorm \(pre): final loss (mean of last 50 steps) per seed \(losses.map { String(format: "%.5f", $0) })")
        }
    }
}
