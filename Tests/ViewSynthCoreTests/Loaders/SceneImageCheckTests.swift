// Scene.checkImages: the full decode `info --check` and `eval` run before anything else, so a damaged image is
// reported at once and named (loading a scene reads only image headers).

import Foundation
import Testing
@testable import ViewSynthCore

struct SceneImageCheckTests {
    /// The 10-view export (16×12 noise images) written as COLMAP text with `ext` images.
    static func writeScene(_ dir: URL, ext: String) throws -> Scene {
        var e = LoaderFixtures.exportScene()
        e.names = e.names.map { ($0 as NSString).deletingPathExtension + "." + ext }
        try SceneWriter.write(e, format: .colmap, to: dir)
        return try SceneLoader.load(dir)
    }

    /// Cuts `url` to half its size (the header stays readable, the pixel data ends early).
    static func truncate(_ url: URL) throws {
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
    }

    @Test(arguments: ["png", "jpg"])
    func aTruncatedImageIsNamedWhileItsHeaderStillLoads(ext: String) throws {
        let dir = try LoaderFixtures.tempDir("image-check")
        defer { LoaderFixtures.cleanup(dir) }
        let scene = try Self.writeScene(dir, ext: ext)
        #expect(try scene.checkImages() == 10)
        let bad = scene.views[6].imageURL
        try Self.truncate(bad)
        let reloaded = try SceneLoader.load(dir)   // headers only: still loads
        var seen = 0
        LoaderFixtures.expectError(file: bad.path, mentions: ["truncated \(ext == "png" ? "PNG" : "JPEG") data"]) {
            try reloaded.checkImages(progress: { done, _ in seen = done })
        }
        #expect(seen == 6)   // views 0…5 passed, the first bad one stopped it
        // The views before it, and a list without it, are fine.
        #expect(try reloaded.checkImages([0, 1, 7]) == 3)
    }

    @Test func aMaskOfTheWrongSizeIsNamed() throws {
        let dir = try LoaderFixtures.tempDir("image-check")
        defer { LoaderFixtures.cleanup(dir) }
        var scene = try Self.writeScene(dir, ext: "png")
        let mask = dir.appendingPathComponent("mask.png")
        try ImageIO.writePNG(Image(width: 8, height: 6, channels: 1, fill: 1), to: mask)
        scene.views[2].maskURL = mask
        LoaderFixtures.expectError(file: mask.path, mentions: ["16×12 mask", "8×6"]) { try scene.checkImages() }
    }
}
