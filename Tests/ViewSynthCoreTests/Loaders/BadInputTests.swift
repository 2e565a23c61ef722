// Bad scene input: each case throws a one-line ViewSynthError naming the file, what was expected and found.

import Foundation
import Testing
@testable import ViewSynthCore

struct BadInputTests {
    /// A freshly written scene in `format` inside a new temp folder.
    static func scene(_ format: SceneFormat) throws -> URL {
        let dir = try LoaderFixtures.tempDir("bad")
        try SceneWriter.write(LoaderFixtures.exportScene(n: 10), format: format, to: dir)
        return dir
    }
    static func editJSON(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
        var obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&obj)
        try JSONSerialization.data(withJSONObject: obj).write(to: url)
    }
    static func editFrame(_ url: URL, _ i: Int, _ edit: (inout [String: Any]) -> Void) throws {
        try editJSON(url) { o in
            var frames = o["frames"] as! [[String: Any]]
            edit(&frames[i])
            o["frames"] = frames
        }
    }

    @Test func missingImage() throws {
        let dir = try Self.scene(.transforms)
        defer { LoaderFixtures.cleanup(dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("images/003.png"))
        LoaderFixtures.expectError(file: "images/003.png", mentions: ["expected a PNG or JPEG image", "no such file"]) {
            _ = try SceneLoader.load(dir)
        }
        let llff = try Self.scene(.llff)
        defer { LoaderFixtures.cleanup(llff) }
        try FileManager.default.removeItem(at: llff.appendingPathComponent("images/003.png"))
        LoaderFixtures.expectError(file: "images", mentions: ["10 images", "found 9"]) { _ = try SceneLoader.load(llff) }
    }

    @Test func npyWithWrongShapeOrDtype() throws {
        let dir = try Self.scene(.llff)
        defer { LoaderFixtures.cleanup(dir) }
        let npy = dir.appendingPathComponent("poses_bounds.npy")
        try NPY.write([Double](repeating: 1, count: 150), shape: [10, 15], to: npy)
        LoaderFixtures.expectError(file: "poses_bounds.npy", mentions: ["N×17", "shape [10, 15]"]) { _ = try SceneLoader.load(dir) }
        var bytes = [UInt8](NPY.encode([Double](repeating: 1, count: 170), shape: [10, 17]))
        let off = try #require((0..<(bytes.count - 2)).first { bytes[$0] == UInt8(ascii: "<") && bytes[$0 + 1] == UInt8(ascii: "f") })
        bytes[off + 1] = UInt8(ascii: "i")  // '<f8' → '<i8'
        try Data(bytes).write(to: npy)
        LoaderFixtures.expectError(file: "poses_bounds.npy", mentions: ["dtype '<f8' or '<f4'", "'<i8'"]) { _ = try SceneLoader.load(dir) }
    }

    @Test func nanOrNonRotationInPose() throws {
        let dir = try Self.scene(.llff)
        defer { LoaderFixtures.cleanup(dir) }
        let npy = dir.appendingPathComponent("poses_bounds.npy")
        let good = try NPY.read(npy)
        var bad = good
        bad.values[17 * 4 + 1] = .nan   // R[0,1] of row 4
        try NPY.write(bad.values, shape: bad.shape, to: npy)
        LoaderFixtures.expectError(file: "poses_bounds.npy", mentions: ["row 4", "NaN"]) { _ = try SceneLoader.load(dir) }
        bad = good
        for c in [0, 1, 2, 5, 6, 7, 10, 11, 12] { bad.values[17 * 2 + c] *= 1.2 }   // a scaled rotation
        try NPY.write(bad.values, shape: bad.shape, to: npy)
        LoaderFixtures.expectError(file: "poses_bounds.npy", mentions: ["a rotation for row 2", "error"]) { _ = try SceneLoader.load(dir) }
        bad = good
        for c in [0, 5, 10] { bad.values[17 * 2 + c] *= -1 }   // a mirror (det −1)
        try NPY.write(bad.values, shape: bad.shape, to: npy)
        LoaderFixtures.expectError(file: "poses_bounds.npy", mentions: ["rotation", "det -1"]) { _ = try SceneLoader.load(dir) }
        // A small error (as in real LLFF files written in float32) is repaired to an exact rotation.
        bad = good
        for c in [0, 1, 2, 5, 6, 7, 10, 11, 12] { bad.values[17 * 2 + c] *= 1 + 2e-5 * Double(c % 3) }
        try NPY.write(bad.values, shape: bad.shape, to: npy)
        let scene = try SceneLoader.load(dir)
        #expect(scene.views[2].camera.worldFromCamera.rotation.rotationError < 1e-12)

        let ngp = try Self.scene(.transforms)
        defer { LoaderFixtures.cleanup(ngp) }
        try Self.editFrame(ngp.appendingPathComponent("transforms.json"), 6) { f in
            var m = f["transform_matrix"] as! [[Double]]
            m[1][1] = .infinity == m[1][1] ? 0 : m[1][1] + 0.5
            f["transform_matrix"] = m
        }
        LoaderFixtures.expectError(file: "transforms.json", mentions: ["rotation for frame 6", "found error"]) { _ = try SceneLoader.load(ngp) }
    }

    @Test func jsonWithoutFrames() throws {
        let dir = try Self.scene(.transforms)
        defer { LoaderFixtures.cleanup(dir) }
        let url = dir.appendingPathComponent("transforms.json")
        try Self.editJSON(url) { $0["frames"] = nil }
        LoaderFixtures.expectError(file: "transforms.json", mentions: ["\"frames\" array", "no \"frames\" key"]) { _ = try SceneLoader.load(dir) }
        try Self.editJSON(url) { $0["frames"] = [Any]() }
        LoaderFixtures.expectError(file: "transforms.json", mentions: ["non-empty \"frames\""]) { _ = try SceneLoader.load(dir) }
        try Data("{ not json".utf8).write(to: url)
        LoaderFixtures.expectError(file: "transforms.json", mentions: ["valid JSON"]) { _ = try SceneLoader.load(dir) }
        let blender = try Self.scene(.blender)
        defer { LoaderFixtures.cleanup(blender) }
        try Self.editJSON(blender.appendingPathComponent("transforms_test.json")) { $0["frames"] = nil }
        LoaderFixtures.expectError(file: "transforms_test.json", mentions: ["frames"]) { _ = try SceneLoader.load(blender) }
    }

    @Test func unknownCameraModel() throws {
        let dir = try Self.scene(.colmap)
        defer { LoaderFixtures.cleanup(dir) }
        let cams = dir.appendingPathComponent("sparse/0/cameras.txt")
        try Data("1 OPENCV_FISHEYE 16 12 14 14 8 6 0.1 0 0 0\n".utf8).write(to: cams)
        LoaderFixtures.expectError(file: "cameras.txt", mentions: ["SIMPLE_PINHOLE, PINHOLE, SIMPLE_RADIAL, RADIAL or OPENCV", "OPENCV_FISHEYE"]) {
            _ = try SceneLoader.load(dir)
        }
        try Data("1 MY_LENS 16 12 14\n".utf8).write(to: cams)
        LoaderFixtures.expectError(file: "cameras.txt", mentions: ["MY_LENS"]) { _ = try SceneLoader.load(dir) }

        let ngp = try Self.scene(.transforms)
        defer { LoaderFixtures.cleanup(ngp) }
        try Self.editJSON(ngp.appendingPathComponent("transforms.json")) { $0["camera_model"] = "EQUIRECTANGULAR" }
        LoaderFixtures.expectError(file: "transforms.json", mentions: ["camera_model EQUIRECTANGULAR"]) { _ = try SceneLoader.load(ngp) }
        try Self.editJSON(ngp.appendingPathComponent("transforms.json")) { $0["camera_model"] = nil; $0["is_fisheye"] = true }
        LoaderFixtures.expectError(file: "transforms.json", mentions: ["is_fisheye"]) { _ = try SceneLoader.load(ngp) }
    }

    @Test func imageSizeDisagreesWithIntrinsics() throws {
        let dir = try Self.scene(.transforms)
        defer { LoaderFixtures.cleanup(dir) }
        try Self.editJSON(dir.appendingPathComponent("transforms.json")) { $0["w"] = 20 }
        LoaderFixtures.expectError(file: "images/000.png", mentions: ["a 20×12 image", "found 16×12"]) { _ = try SceneLoader.load(dir) }
        // COLMAP: a size that is not a uniform rescale of the camera
        let colmap = try Self.scene(.colmap)
        defer { LoaderFixtures.cleanup(colmap) }
        let cams = colmap.appendingPathComponent("sparse/0/cameras.txt")
        try Data("1 PINHOLE 32 32 14 14 8 6\n".utf8).write(to: cams)
        LoaderFixtures.expectError(file: "images/000.png", mentions: ["32×32", "16×12"]) { _ = try SceneLoader.load(colmap) }
        // ... but a uniformly downsampled copy is accepted with scaled intrinsics
        try Data("1 PINHOLE 32 24 28 28 16 12\n".utf8).write(to: cams)
        let s = try SceneLoader.load(colmap)
        #expect(s.views[0].camera.intrinsics == Intrinsics(fx: 14, fy: 14, cx: 8, cy: 6, width: 16, height: 12))
    }

    @Test func unrecognisedFolder() throws {
        let dir = try LoaderFixtures.tempDir("bad")
        defer { LoaderFixtures.cleanup(dir) }
        try Data("x".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        LoaderFixtures.expectError(file: dir.lastPathComponent, mentions: ["poses_bounds.npy", "notes.txt"]) { _ = try SceneLoader.load(dir) }
        LoaderFixtures.expectError(file: "nonexistent", mentions: ["no such folder"]) {
            _ = try SceneLoader.load(dir.appendingPathComponent("nonexistent"))
        }
        // forcing a format that is not there names the missing file
        LoaderFixtures.expectError(file: "poses_bounds.npy", mentions: ["no such file"]) {
            _ = try SceneLoader.load(dir, options: .init(format: .llff))
        }
    }
}
