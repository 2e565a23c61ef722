import Foundation
import Testing
import ViewSynthEngine

@Suite("Engine benchmark")
struct EngineBenchmarkTests {
    /// Smoke test on tiny shapes: every figure is produced and the JSON parses. Speed is not asserted.
    @Test func quickRunProducesAllFigures() throws {
        let r = EngineBenchmark.run(.quick)
        #expect(r.layers.count == 2)
        #expect(r.attention.count == 2)
        #expect(r.sgemm.count == 6)
        #expect(r.sgemmPeakGFLOPS > 0 && r.sgemmPeakGFLOPS.isFinite)
        #expect(r.layers.allSatisfy { $0.forwardGFLOPS > 0 && $0.trainGFLOPS > 0 })
        #expect(r.text.contains("sgemm peak"))
        let obj = try JSONSerialization.jsonObject(with: Data(r.json.utf8)) as? [String: Any]
        #expect(obj?["coreName"] as? String == BLASSetup.coreName)
    }

    /// The full benchmark; runs only with VIEWSYNTH_BENCH=1 (prints text and JSON, asserts nothing about speed).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VIEWSYNTH_BENCH"] == "1"))
    func fullBenchmark() {
        print(BLASSetup.diagnostics)
        let r = EngineBenchmark.run()
        print(r.text)
        print(r.json)
        #expect(!r.layers.isEmpty)
    }
}
