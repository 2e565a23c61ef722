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
        let r = ModelBenchmark.run(config: config, options: o)
        print(r.text)
    }
}
