// Bad scene input through the spawned `viewsynth` binary: each case of issue #2 gives one stderr line
// ("Error: <file>: expected …, found …") and a non-zero exit status.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct CLIBadInputTests {
    /// A fresh scene in `format`, damaged by `damage`, then `viewsynth info` on it (and `render` if asked).
    static func check(_ format: SceneFormat, imageExtension: String = "png", command: String = "info",
                      mentions: [String], sourceLocation: SourceLocation = #_sourceLocation,
                      damage: (URL) throws -> Void) throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(format: format, imageExtension: imageExtension, in: root)
        try damage(scene)
        var args = [command, scene.path]
        if command != "info" { args += ["--out", root.appendingPathComponent("out").path] + tinySweep }
        let r = try runCLI(args)
        expectOneLineError(r, mentions: ["expected", "found"] + mentions, sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "\(r.stdout)", sourceLocation: sourceLocation)
    }

    static func editJSON(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
        var obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&obj)
        try JSONSerialization.data(withJSONObject: obj).write(to: url)
    }

    @Test func missingImage() throws {
        try Self.check(.transforms, mentions: ["images/003.png", "no such file"]) {
            try FileManager.default.removeItem(at: $0.appendingPathComponent("images/003.png"))
        }
        try Self.check(.llff, mentions: ["images", "8 images", "found 7"]) {
            try FileManager.default.removeItem(at: $0.appendingPathComponent("images/003.png"))
        }
    }

    @Test func npyWithWrongShape() throws {
        try Self.check(.llff, mentions: ["poses_bounds.npy", "N×17", "[8, 15]"]) {
            try NPY.write([Double](repeating: 1, count: 120), shape: [8, 15], to: $0.appendingPathComponent("poses_bounds.npy"))
        }
    }

    @Test func npyWithWrongDtype() throws {
        try Self.check(.llff, mentions: ["poses_bounds.npy", "'<i8'"]) { dir in
            let url = dir.appendingPathComponent("poses_bounds.npy")
            var text = [UInt8](try Data(contentsOf: url))
            let i = try #require((0..<(text.count - 2)).first { text[$0] == UInt8(ascii: "<") && text[$0 + 1] == UInt8(ascii: "f") })
            text[i + 1] = UInt8(ascii: "i")
            try Data(text).write(to: url)
        }
    }

    @Test func nanInPose() throws {
        try Self.check(.llff, mentions: ["poses_bounds.npy", "NaN"]) { dir in
            let url = dir.appendingPathComponent("poses_bounds.npy")
            var a = try NPY.read(url)
            a.values[17 * 3 + 5] = .nan
            try NPY.write(a.values, shape: a.shape, to: url)
        }
    }

    @Test func nonRotationInPose() throws {
        try Self.check(.transforms, mentions: ["transforms.json", "rotation"]) { dir in
            try Self.editJSON(dir.appendingPathComponent("transforms.json")) { o in
                var frames = o["frames"] as! [[String: Any]]
                var m = frames[2]["transform_matrix"] as! [[Double]]
                m[0][0] *= 1.5
                frames[2]["transform_matrix"] = m
                o["frames"] = frames
            }
        }
    }

    @Test func jsonWithoutFrames() throws {
        try Self.check(.transforms, mentions: ["transforms.json", "frames"]) {
            try Self.editJSON($0.appendingPathComponent("transforms.json")) { $0["frames"] = nil }
        }
        try Self.check(.blender, mentions: ["transforms_train.json", "frames"]) {
            try Self.editJSON($0.appendingPathComponent("transforms_train.json")) { $0["frames"] = nil }
        }
    }

    @Test func unknownCOLMAPCameraModel() throws {
        try Self.check(.colmap, mentions: ["cameras.txt", "OPENCV_FISHEYE"]) {
            try Data("1 OPENCV_FISHEYE 48 36 40 40 24 18 0.1 0 0 0\n".utf8)
                .write(to: $0.appendingPathComponent("sparse/0/cameras.txt"))
        }
    }

    @Test func truncatedPNG() throws {
        // Cut inside the header: even `info` (which reads image sizes) refuses it.
        try Self.check(.transforms, mentions: ["images/002.png"]) { dir in
            let url = dir.appendingPathComponent("images/002.png")
            try Data(try Data(contentsOf: url).prefix(20)).write(to: url)
        }
        // Cut in the pixel data: the header reads, decoding for the render fails.
        try Self.check(.llff, command: "render", mentions: ["images/001.png"]) { dir in
            let url = dir.appendingPathComponent("images/001.png")
            let data = try Data(contentsOf: url)
            try Data(data.prefix(data.count / 2)).write(to: url)
        }
    }

    @Test func jpegThatIsText() throws {
        try Self.check(.transforms, imageExtension: "jpg", mentions: ["images/004.jpg"]) {
            try Data("this is not a JPEG, just some text\n".utf8).write(to: $0.appendingPathComponent("images/004.jpg"))
        }
    }

    @Test func missingSceneFolderAndBadCameraPath() throws {
        let r = try runCLI(["info", "/nonexistent/scene"])
        expectOneLineError(r, mentions: ["/nonexistent/scene", "expected a scene folder"])
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let path = root.appendingPathComponent("path.json")
        try Data(#"{"camera_path": []}"#.utf8).write(to: path)
        expectOneLineError(try renderCLI(scene, out: root.appendingPathComponent("out"), ["--views", path.path]),
                           mentions: [path.path, "camera_path"])
        expectOneLineError(try renderCLI(scene, out: root.appendingPathComponent("out"), ["--views", "spiarl"]),
                           mentions: ["spiarl", "test, all, spiral, interpolate", "no such file"])
    }
}

/// `--weights` choices that cannot work are refused before any rendering, naming the conflict.
struct ModelWeightsOptionTests {
    @Test func conflictingWeightChoicesAreRefused() throws {
        let scene = TestPaths.packageRoot.appendingPathComponent("Scenes/demo-forward").path
        let out = TestPaths.temporaryDirectory("weights-option")
        defer { try? FileManager.default.removeItem(at: out) }
        for (args, mention) in [(["--method", "gpnr", "--config", "tiny", "--weights", "shipped"], "--config"),
                                (["--method", "lfnr", "--weights", "shipped"], "only GPNR weights are shipped"),
                                (["--method", "gpnr", "--weights", "/nonexistent/w.safetensors"], "/nonexistent/w.safetensors")] {
            let r = try runCLI(["render", scene, "--out", out.path, "--quiet"] + args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains(mention), "\(args): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".png") }.isEmpty)
    }
}
