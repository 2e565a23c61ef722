import Foundation
import Testing
import ViewSynthCore
@testable import ViewSynthSynthetic

struct GeneratorTests {
    @Test func defaultsComeFromTheLayout() {
        for layout in SyntheticLayout.allCases {
            let g = SyntheticSceneGenerator(seed: 1, layout: layout)
            #expect(g.views == layout.defaultViews)
            #expect(g.width == layout.defaultSize.width && g.height == layout.defaultSize.height)
            #expect(g.samplesPerPixel == 4 && g.shadows)
            #expect(g.cameras.count == g.views)
            #expect(g.cameras.allSatisfy { $0.intrinsics.width == g.width && $0.intrinsics.cx == Double(g.width) / 2 })
        }
    }

    @Test func sizeParsing() throws {
        #expect(try SyntheticSceneGenerator.parseSize("320x240") == (320, 240))
        #expect(try SyntheticSceneGenerator.parseSize("64X48") == (64, 48))
        for bad in ["320", "x240", "320x", "axb", "0x10", "-5x5", "1x2x3"] {
            #expect(throws: ViewSynthError.self) { try SyntheticSceneGenerator.parseSize(bad) }
        }
    }

    @Test func badArgumentsAreRefused() {
        #expect(throws: ViewSynthError.self) { try SyntheticSceneGenerator(seed: 1, views: 0).validate() }
        #expect(throws: ViewSynthError.self) { try SyntheticSceneGenerator(seed: 1, width: 4, height: 4).validate() }
        #expect(throws: ViewSynthError.self) { try SyntheticSceneGenerator(seed: 1, samplesPerPixel: 0).validate() }
        #expect(throws: ViewSynthError.self) { try SyntheticSceneGenerator(seed: 1, views: 5000, width: 1000, height: 1000).validate() }
        #expect(throws: Never.self) { try SyntheticSceneGenerator(seed: 1).validate() }
    }

    @Test func outputPathThatIsAFileIsRefusedBeforeRendering() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("viewsynth-synth-file-\(UInt64.random(in: 0...UInt64.max))")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let gen = SyntheticSceneGenerator(seed: 1, views: 2, width: 16, height: 16)
        #expect(throws: ViewSynthError.self) { try gen.write(to: file, format: .llff) }
        #expect(throws: ViewSynthError.self) { try gen.write(to: file.appendingPathComponent("x"), format: .synthetic) }
    }
}

struct SyntheticBenchmarkTests {
    @Test func benchmarkMeasuresEachThreadCount() {
        let m = SyntheticBenchmark.run(width: 16, height: 12, samplesPerPixel: 1, views: 1, threadCounts: [1, 2])
        #expect(m.map(\.threads) == [1, 2])
        #expect(m.allSatisfy { $0.secondsPerView > 0 && $0.secondsPerView.isFinite && $0.views == 1 })
        let report = SyntheticBenchmark.report(width: 16, height: 12, samplesPerPixel: 1, views: 1)
        #expect(report.contains("1 thread:") && report.contains("2 threads:"))
    }
}
