// Splits and path rules of the JSON formats (Blender and instant-ngp / nerfstudio).

import Foundation
import Testing
@testable import ViewSynthCore

struct JSONSceneSplitTests {
    static func jpegExport(n: Int) -> SceneExport {
        var e = LoaderFixtures.exportScene(n: n)
        e.names = e.names.map { $0.replacingOccurrences(of: ".png", with: ".jpg") }
        return e
    }

    /// coke / gum: train, val and test list the same frames → every 8th frame is held out; explicit ".jpg" paths
    /// are used as written (no ".png" appended).
    @Test func blenderIdenticalListsFallBackToEvery8th() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        var e = Self.jpegExport(n: 10)
        e.testIndices = []
        try SceneWriter.write(e, format: .blender, to: dir)
        let train = dir.appendingPathComponent("transforms_train.json")
        #expect(try String(contentsOf: train, encoding: .utf8).contains("\"./images/003.jpg\""))
        for f in ["transforms_val.json", "transforms_test.json"] {
            try FileManager.default.copyItem(at: train, to: dir.appendingPathComponent(f))
        }
        let s = try SceneLoader.load(dir)
        #expect(s.format == .blender && s.views.count == 10)
        #expect(s.testIndices == [0, 8] && s.trainIndices == [1, 2, 3, 4, 5, 6, 7, 9] && s.valIndices.isEmpty)
        #expect(s.views[3].name == "images/003.jpg")
        #expect(try SceneLoader.load(dir, options: .init(holdoutEvery: 5)).testIndices == [0, 5])
    }

    /// stitch: val lists the test frames → one view each, valIndices == testIndices, train untouched.
    @Test func blenderValMayRepeatTest() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        var e = LoaderFixtures.exportScene(n: 10)
        e.testIndices = [2, 5]
        try SceneWriter.write(e, format: .blender, to: dir)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("transforms_test.json"),
                                         to: dir.appendingPathComponent("transforms_val.json"))
        let s = try SceneLoader.load(dir)
        #expect(s.views.count == 10 && s.trainIndices.count == 8 && s.testIndices.count == 2)
        #expect(s.valIndices == s.testIndices)
        #expect(Set(s.testIndices.map { s.views[$0].name }) == ["images/002.png", "images/005.png"])
    }

    /// figurine: transforms_train.json / transforms_test.json beside transforms.json name the split.
    @Test func transformsSplitFromSiblingFiles() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        var e = LoaderFixtures.exportScene(n: 10)
        try SceneWriter.write(e, format: .transforms, to: dir)
        #expect(try SceneLoader.load(dir).testIndices == [0, 8])
        e.testIndices = [1, 4]
        try SceneWriter.write(e, format: .blender, to: dir)   // adds transforms_train/test.json
        #expect(try SceneLoader.detectFormat(dir) == .transforms)
        let s = try SceneLoader.load(dir)
        #expect(s.testIndices == [1, 4] && s.trainIndices == [0, 2, 3, 5, 6, 7, 8, 9])
    }

    /// nerfstudio lists: train_filenames / test_filenames; an entry that is not a frame is an error.
    @Test func nerfstudioFilenameLists() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        var e = LoaderFixtures.exportScene(n: 10)
        e.testIndices = [3, 6, 9]
        try SceneWriter.write(e, format: .transforms, to: dir)
        let s = try SceneLoader.load(dir)
        #expect(s.testIndices == [3, 6, 9] && s.trainIndices.count == 7)
        try BadInputTests.editJSON(dir.appendingPathComponent("transforms.json")) { $0["test_filenames"] = ["images/042.png"] }
        LoaderFixtures.expectError(file: "transforms.json", mentions: ["042.png"]) { _ = try SceneLoader.load(dir) }
    }

    /// nerfstudio mask_path → View.maskURL (must exist); per-frame camera_angle_x gives the focal length.
    @Test func maskPathAndPerFrameAngle() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        try SceneWriter.write(LoaderFixtures.exportScene(n: 3), format: .transforms, to: dir)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("masks"), withIntermediateDirectories: true)
        try ImageIO.writePNG(Image(width: 16, height: 12, channels: 1, fill: 1), to: dir.appendingPathComponent("masks/a.png"))
        let url = dir.appendingPathComponent("transforms.json")
        try BadInputTests.editJSON(url) { o in
            for k in ["fl_x", "fl_y", "cx", "cy", "w", "h"] { o[k] = nil }
        }
        try BadInputTests.editFrame(url, 1) { f in f["mask_path"] = "masks/a.png"; f["camera_angle_x"] = 2 * atan(8.0 / 10) }
        try BadInputTests.editFrame(url, 0) { f in f["fl_x"] = 12.0 }
        try BadInputTests.editFrame(url, 2) { f in f["fl_x"] = 11.0; f["fl_y"] = 11.5; f["cx"] = 7.0 }
        let s = try SceneLoader.load(dir)
        #expect(s.views[1].maskURL?.lastPathComponent == "a.png" && s.views[0].maskURL == nil)
        #expect(abs(s.views[1].camera.intrinsics.fx - 10) < 1e-12 && abs(s.views[1].camera.intrinsics.fy - 10) < 1e-12)
        #expect(s.views[0].camera.intrinsics == Intrinsics(fx: 12, fy: 12, cx: 8, cy: 6, width: 16, height: 12))
        #expect(s.views[2].camera.intrinsics == Intrinsics(fx: 11, fy: 11.5, cx: 7, cy: 6, width: 16, height: 12))
        #expect(try s.loadMask(1)?.pixels.allSatisfy { $0 == 1 } == true)
        try BadInputTests.editFrame(url, 1) { f in f["mask_path"] = "masks/missing.png" }
        LoaderFixtures.expectError(file: "masks/missing.png", mentions: ["mask", "no such file"]) { _ = try SceneLoader.load(dir) }
    }
}
