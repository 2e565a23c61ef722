import Foundation
import Testing
@testable import ViewSynthCore

struct COLMAPTests {
    /// A text model written by hand, as COLMAP writes it (comments, 2D point lines), with all five supported models.
    @Test func readsEverySupportedModelFromText() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("sparse"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("images"), withIntermediateDirectories: true)
        try Data("""
        # Camera list with one line of data per camera:
        # Number of cameras: 5
        1 SIMPLE_PINHOLE 16 12 14 8 6
        2 PINHOLE 16 12 14 15 7.5 6.5
        3 SIMPLE_RADIAL 16 12 14 8 6 -0.05
        4 RADIAL 16 12 14 8 6 -0.05 0.01
        5 OPENCV 16 12 14 15 8 6 -0.05 0.01 0.001 -0.002

        """.utf8).write(to: dir.appendingPathComponent("sparse/cameras.txt"))
        // names deliberately out of order; image e has a non-empty POINTS2D line
        var images = "# Image list with two lines of data per image:\n"
        let names = ["e.png", "a.png", "c.png", "b.png", "d.png"]
        for (i, n) in names.enumerated() {
            images += "\(i + 1) 1 0 0 0 0 0 \(Double(i)) \(i + 1) \(n)\n"
            images += n == "e.png" ? "1.5 2.5 -1 3.5 4.5 7\n" : "\n"
            try ImageIO.writePNG(Image(width: 16, height: 12, channels: 3), to: dir.appendingPathComponent("images/\(n)"))
        }
        try Data(images.utf8).write(to: dir.appendingPathComponent("sparse/images.txt"))
        #expect(try SceneLoader.detectFormat(dir) == .colmap)
        let s = try SceneLoader.load(dir)
        #expect(s.views.map(\.name) == ["a.png", "b.png", "c.png", "d.png", "e.png"])
        #expect(s.testIndices == [0] && s.boundsSource == .cameraSpread)
        let byName = Dictionary(uniqueKeysWithValues: s.views.map { ($0.name, $0) })
        #expect(byName["e.png"]!.camera.intrinsics == Intrinsics(fx: 14, fy: 14, cx: 8, cy: 6, width: 16, height: 12))
        #expect(byName["e.png"]!.distortion == nil)
        #expect(byName["a.png"]!.camera.intrinsics == Intrinsics(fx: 14, fy: 15, cx: 7.5, cy: 6.5, width: 16, height: 12))
        #expect(byName["c.png"]!.distortion == Distortion(k1: -0.05))
        #expect(byName["b.png"]!.distortion == Distortion(k1: -0.05, k2: 0.01))
        #expect(byName["d.png"]!.distortion == Distortion(k1: -0.05, k2: 0.01, p1: 0.001, p2: -0.002))
        #expect(byName["d.png"]!.camera.intrinsics.fy == 15)
        // identity quaternion, t = (0, 0, i): cameraFromWorld translation → centre (0, 0, −i)
        #expect(byName["c.png"]!.camera.center == Vec3(0, 0, -2))
    }

    @Test func binaryModelRoundTripsAndTruncationIsAnError() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        var m = COLMAPModel()
        m.cameras[3] = .init(id: 3, model: "OPENCV", width: 640, height: 480, params: [500, 501, 320.5, 240.25, 0.1, -0.01, 0.001, 0.002])
        m.cameras[7] = .init(id: 7, model: "SIMPLE_RADIAL", width: 320, height: 200, params: [300, 160, 100, -0.02])
        m.images = [.init(id: 1, qw: 0.5, qx: 0.5, qy: -0.5, qz: 0.5, t: Vec3(1, 2, 3), cameraID: 3, name: "sub/x.jpg"),
                    .init(id: 9, qw: 1, qx: 0, qy: 0, qz: 0, t: Vec3(-1, 0, 0.5), cameraID: 7, name: "y.jpg")]
        m.points = [Vec3(0.1, 0.2, 0.3), Vec3(-4, 5, 6)]
        try m.writeBinary(to: dir)
        let b = try COLMAPModel.readBinary(dir)
        #expect(b.cameras == m.cameras && b.images == m.images && b.points == m.points)
        try m.writeText(to: dir)
        let t = try COLMAPModel.readText(dir)
        #expect(t.cameras == m.cameras && t.images == m.images && t.points == m.points)
        let url = dir.appendingPathComponent("images.bin")
        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 5).write(to: url)
        LoaderFixtures.expectError(file: "images.bin", mentions: ["truncated"]) { _ = try COLMAPModel.readBinary(dir) }
    }
}
