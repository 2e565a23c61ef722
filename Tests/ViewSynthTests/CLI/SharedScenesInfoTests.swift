// `viewsynth info` and `info --json` on every scene under ../shared/scenes/{train,dev} (skipped when absent).

import Foundation
import Testing
@testable import ViewSynth

enum SharedScenes {
    /// Scene folders under ../shared/scenes/train and dev, sorted; empty when the folder is absent.
    static let all: [String] = {
        guard let root = TestPaths.sharedScenes else { return [] }
        return ["train", "dev"].flatMap { split -> [String] in
            let dir = root.appendingPathComponent(split)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(split)/\($0)" }
        }
    }()
}

@Suite(.enabled(if: TestPaths.sharedScenes != nil, "../shared/scenes is absent"))
struct SharedScenesInfoTests {
    @Test func everySharedSceneIsListed() {
        #expect(SharedScenes.all.contains("dev/dtu_scan37") && SharedScenes.all.contains("dev/lego"))
    }

    @Test(arguments: SharedScenes.all)
    func infoSucceeds(scene: String) throws {
        let dir = try #require(TestPaths.sharedScenes).appendingPathComponent(scene)
        let text = try runCLI(["info", dir.path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(!text.stdout.isEmpty && text.stderr.isEmpty, "\(text.stderr)")

        let json = try runCLI(["info", dir.path, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let summary = try JSONDecoder().decode(SceneSummary.self, from: Data(json.stdout.utf8))
        // The view count the library loads, independently of the CLI.
        let loaded = try SceneLoader.load(dir)
        #expect(summary.views == loaded.views.count)
        #expect(summary.views > 0)
        #expect(summary.resolutions.map(\.views).reduce(0, +) == summary.views)
        #expect(summary.train == loaded.trainIndices.count && summary.test == loaded.testIndices.count)
        #expect(summary.near > 0 && summary.far > summary.near)
        // The text names the same count.
        #expect(text.stdout.contains("\(summary.views)"))
    }
}
