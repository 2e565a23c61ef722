// `info --check` decodes every image and names the first bad one; `eval` decodes its ground truth before it
// renders, so a damaged test image fails at once (both through Scene.checkImages).

import Foundation
import Testing
@testable import ViewSynth

@Suite struct InfoCheckTests {
    static func truncate(_ url: URL) throws {
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
    }

    @Test(arguments: ["png", "jpg"])
    func infoCheckNamesTheFirstTruncatedImage(ext: String) throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(n: 8, imageExtension: ext, in: root)
        let good = try runCLI(["info", scene.path, "--check"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stderr.contains("decoded 8 image files of 8 views"), "\(good.stderr)")
        #expect(good.stdout.contains("views"))

        let bad = scene.appendingPathComponent("images/005.\(ext)"), later = scene.appendingPathComponent("images/006.\(ext)")
        try Self.truncate(bad)
        try Self.truncate(later)
        let plain = try runCLI(["info", scene.path])   // headers only: still fine
        #expect(plain.status == 0, "\(plain.stderr)")
        let r = try runCLI(["info", scene.path, "--check"])
        expectOneLineError(r, mentions: [bad.path, "truncated \(ext == "png" ? "PNG" : "JPEG") data"])
        #expect(!r.stderr.contains(later.path))
        #expect(r.stdout.isEmpty)
    }

    @Test func evalChecksTheGroundTruthBeforeRendering() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(n: 16, imageExtension: "jpg", in: root)   // views 0 and 8 held out
        let gt = scene.appendingPathComponent("images/008.jpg")
        try Self.truncate(gt)
        let out = root.appendingPathComponent("eval")
        let r = try runCLI(["eval", scene.path, "--out", out.path] + tinySweep)
        expectOneLineError(r, mentions: [gt.path, "truncated JPEG data"])
        // Nothing rendered: not even the first (good) test view.
        #expect(SceneFixtures.files(out).filter { $0.hasSuffix(".png") }.isEmpty, "\(SceneFixtures.files(out))")
    }
}
