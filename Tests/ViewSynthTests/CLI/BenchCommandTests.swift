// `viewsynth bench sweep` runs, reports one run per thread count with rays/s and the child's peak memory,
// and both thread counts render the same bytes. (Figures are printed, not asserted.)

import Foundation
import Testing
@testable import ViewSynth

@Suite struct BenchCommandTests {
    @Test func benchSweepReportsEveryThreadCount() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(n: 16, in: root)
        let args = ["bench", "sweep", "--scene", scene.path, "--views", "2", "--planes", "8", "--ref-views", "3"]
        let json = try runCLI(args + ["--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try JSONDecoder().decode(BenchJSON.self, from: Data(json.stdout.utf8))
        #expect(report.runs.map(\.threads) == [1, 2])
        #expect(report.sameBytes)
        for run in report.runs {
            #expect(run.views == ["000", "008"])
            #expect(run.rays == 2 * SceneFixtures.width * SceneFixtures.height)
            #expect(run.raysPerSecond > 0)
            #expect((run.peakRSSBytes ?? 0) > 1 << 20)
            #expect((run.cpuSeconds ?? 0) > 0)
        }
        let text = try runCLI(args + ["--threads", "2"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("rays/s") && text.stdout.contains("peak RSS") && text.stdout.contains("same bytes for every thread count: yes"))
    }

    struct BenchJSON: Decodable {
        var runs: [RenderBenchmarkRun]
        var sameBytes: Bool
    }
}
