// `render --depth`: a 16-bit grey depth PNG whose scale the sidecar records, plus a colour preview.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct DepthOutputTests {
    @Test func depthPNGIs16BitAndScaledAsTheSidecarSays() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let out = root.appendingPathComponent("out")
        let r = try runCLI(["render", scene.path, "--out", out.path, "--depth", "--planes", "24", "--ref-views", "4", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")

        let record = try JSONDecoder().decode(RenderRecord.self, from: Data(contentsOf: out.appendingPathComponent("000.json")))
        #expect(record.depthFile == "depth/000.png")
        #expect(record.depthPreviewFile == "depth/000_color.png")
        let scale = try #require(record.depthScale)
        #expect(scale > 0)

        // IHDR: bit depth 16, colour type 0 (grey).
        let png = try Data(contentsOf: out.appendingPathComponent("depth/000.png"))
        #expect(png.count > 26 && png[png.startIndex + 24] == 16 && png[png.startIndex + 25] == 0)
        let depthImage = try ImageIO.read(out.appendingPathComponent("depth/000.png"))
        #expect(depthImage.channels == 1 && depthImage.width == SceneFixtures.width && depthImage.height == SceneFixtures.height)
        // depth = value / scale; the camera looks straight at a plane at z = planeDepth.
        let depths = depthImage.pixels.map { Double(($0 * 65535).rounded()) / scale }.sorted()
        let median = depths[depths.count / 2]
        #expect(abs(median - SceneFixtures.planeDepth) < 0.15 * SceneFixtures.planeDepth, "median depth \(median)")
        #expect(depths.last! <= 8 * 1.001 && depths.first! >= 0)   // within near…far (the largest maps to 65535)

        let preview = try ImageIO.read(out.appendingPathComponent("depth/000_color.png"))
        #expect(preview.channels == 3 && preview.width == SceneFixtures.width)

        // Depth is part of "up to date": a depth run satisfies a plain rerun, not the other way round.
        let plain = root.appendingPathComponent("plain")
        #expect(try renderCLI(scene, out: plain).status == 0)
        let withDepth = try renderCLI(scene, out: plain, ["--depth"])
        #expect(withDepth.status == 0 && !withDepth.stderr.contains("up to date"), "\(withDepth.stderr)")
        let again = try renderCLI(scene, out: plain)
        #expect(again.stderr.contains("1 of 1 views up to date"), "\(again.stderr)")
    }
}
