// nerfstudio camera paths with dataparser_transforms.json: cameras moved into nerfstudio's frame the way its
// data parser does (4×4 product with [A | b], then translations × scale; computed here with plain arrays, not
// with the code under test) come back to the originals; the file beside the path is used by default; hostile
// files give one-line errors naming the file, the field, what was expected and what was found.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct DataparserTransformTests {
    /// A rotation (from a unit quaternion), a translation and a scale like nerfstudio's auto-orient + scale.
    static let rotationRows: [[Double]] = {
        let q = (w: 0.8, x: 0.2, y: -0.5, z: 0.26)
        let n = (q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z).squareRoot()
        let m = Mat3(quaternion: (q.w / n, q.x / n, q.y / n, q.z / n))
        return (0..<3).map { r in (0..<3).map { m[r, $0] } }
    }()
    static let shift: [Double] = [0.7, -1.3, 2.1]
    static let scale = 0.37

    /// nerfstudio's forward map of an OpenGL camera-to-world 4×4 (row-major, 16 values).
    static func toNerfstudio(_ m: [Double]) -> [Double] {
        let t = (0..<3).map { rotationRows[$0] + [shift[$0]] } + [[0, 0, 0, 1]]
        var out = [Double](repeating: 0, count: 16)
        for i in 0..<4 { for j in 0..<4 { for k in 0..<4 { out[i * 4 + j] += t[i][k] * m[k * 4 + j] } } }
        for i in 0..<3 { out[i * 4 + 3] *= scale }
        return out
    }

    static func openGLMatrix(_ c: Camera) -> [Double] {
        let gl = c.worldFromCamera.openCVCameraToOpenGL()
        return (0..<3).flatMap { r in [gl.rotation[r, 0], gl.rotation[r, 1], gl.rotation[r, 2], gl.translation[r]] } + [0, 0, 0, 1]
    }

    static var transformJSON: Data {
        try! JSONSerialization.data(withJSONObject: ["transform": (0..<3).map { rotationRows[$0] + [shift[$0]] }, "scale": scale])
    }

    static func pathJSON(_ matrices: [[Double]], width: Int = 48, height: Int = 36) -> Data {
        try! JSONSerialization.data(withJSONObject: [
            "camera_type": "perspective", "render_width": width, "render_height": height,
            "camera_path": matrices.map { ["camera_to_world": $0, "fov": 48.0, "aspect": Double(width) / Double(height)] }])
    }

    static func maxDifference(_ a: Camera, _ b: Camera) -> Double {
        let p = a.worldFromCamera, q = b.worldFromCamera
        var d = length(p.translation - q.translation)
        for i in 0..<3 { for j in 0..<3 { d = max(d, abs(p.rotation[i, j] - q.rotation[i, j])) } }
        return d
    }

    @Test func nerfstudioFramePathsMapBackToTheOriginalCameras() throws {
        let dir = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let originals = SceneFixtures.cameras(5)
        let path = dir.appendingPathComponent("camera_path.json")
        try Self.pathJSON(originals.map { Self.toNerfstudio(Self.openGLMatrix($0)) }).write(to: path)

        // Without the transform the path is read as it is: far from the originals (the test can fail).
        let raw = try CameraPath.nerfstudio(path)
        #expect(zip(raw, originals).allSatisfy { Self.maxDifference($0.camera, $1) > 0.1 })

        // Beside the path (nerfstudio's file name): used by default.
        try Self.transformJSON.write(to: dir.appendingPathComponent(DataparserTransform.fileName))
        let beside = try CameraPath.nerfstudio(path)
        #expect(beside.count == originals.count)
        for (t, c) in zip(beside, originals) {
            #expect(Self.maxDifference(t.camera, c) < 1e-9, "\(t.name): \(Self.maxDifference(t.camera, c))")
            #expect(t.camera.intrinsics.width == 48 && t.camera.intrinsics.height == 36)
        }
        // Given explicitly from elsewhere under another name: the same.
        let elsewhere = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let explicit = elsewhere.appendingPathComponent("my-transform.json")
        try FileManager.default.moveItem(at: dir.appendingPathComponent(DataparserTransform.fileName), to: explicit)
        let given = try CameraPath.nerfstudio(path, dataparserTransforms: explicit)
        #expect(zip(given, originals).allSatisfy { Self.maxDifference($0.camera, $1) < 1e-9 })

        // The library's forward map agrees with the arrays above.
        let t = try DataparserTransform.read(explicit)
        for c in originals {
            let forward = t.toNerfstudio(c.worldFromCamera.openCVCameraToOpenGL())
            let expected = Self.toNerfstudio(Self.openGLMatrix(c))
            for r in 0..<3 {
                #expect(abs(forward.translation[r] - expected[r * 4 + 3]) < 1e-12)
                for k in 0..<3 { #expect(abs(forward.rotation[r, k] - expected[r * 4 + k]) < 1e-12) }
            }
        }
    }

    /// End to end: a render of the nerfstudio-frame path with the transform beside it matches a render of the
    /// same cameras given in the scene's frame; without the transform the pictures differ.
    @Test func renderAppliesTheTransformBesideThePathOrGiven() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let cams = try SceneLoader.load(scene).views.map(\.camera)
        let chosen = [cams[1], cams[3]]
        let plain = root.appendingPathComponent("plain/camera_path.json")
        let nerfstudio = root.appendingPathComponent("ns/camera_path.json")
        for u in [plain, nerfstudio] { try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true) }
        try Self.pathJSON(chosen.map(Self.openGLMatrix)).write(to: plain)
        try Self.pathJSON(chosen.map { Self.toNerfstudio(Self.openGLMatrix($0)) }).write(to: nerfstudio)
        let transform = nerfstudio.deletingLastPathComponent().appendingPathComponent(DataparserTransform.fileName)
        try Self.transformJSON.write(to: transform)

        func render(_ path: URL, _ name: String, extra: [String] = []) throws -> Image {
            let out = root.appendingPathComponent(name)
            let r = try runCLI(["render", scene.path, "--views", path.path, "--out", out.path] + tinySweep + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return try ImageIO.read(out.appendingPathComponent("path_0001.png"))
        }
        func meanDifference(_ a: Image, _ b: Image) -> Double {
            let x = a.quantized8(), y = b.quantized8()
            return zip(x, y).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(x.count)
        }
        let reference = try render(plain, "plain-out")
        let besideRun = try runCLI(["render", scene.path, "--views", nerfstudio.path, "--out", root.appendingPathComponent("beside-out").path] + tinySweep)
        #expect(besideRun.stderr.contains("applying the inverse of \(transform.path)"), "\(besideRun.stderr)")
        let beside = try ImageIO.read(root.appendingPathComponent("beside-out/path_0001.png"))
        #expect(meanDifference(beside, reference) < 0.01)
        // Moved away and given with --dataparser-transforms: the same; absent: another picture.
        let moved = root.appendingPathComponent("elsewhere.json")
        try FileManager.default.moveItem(at: transform, to: moved)
        #expect(meanDifference(try render(nerfstudio, "given-out", extra: ["--dataparser-transforms", moved.path]), reference) < 0.01)
        #expect(meanDifference(try render(nerfstudio, "none-out"), reference) > 5)
        // A hostile transform file given on the command line: one line naming it.
        try Data(#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,0,0]], "scale": 1}"#.utf8).write(to: moved)
        expectOneLineError(try runCLI(["render", scene.path, "--views", nerfstudio.path, "--dataparser-transforms", moved.path,
                                       "--out", root.appendingPathComponent("bad-out").path] + tinySweep),
                           mentions: [moved.path, "invertible", "singular"], afterLog: true)
        let missing = root.appendingPathComponent("no-such.json")
        expectOneLineError(try runCLI(["render", scene.path, "--views", nerfstudio.path, "--dataparser-transforms", missing.path,
                                       "--out", root.appendingPathComponent("bad-out").path] + tinySweep),
                           mentions: [missing.path], afterLog: true)
    }

    /// Each hostile dataparser_transforms.json and the text its one-line error must contain.
    static let hostileTransforms: [(String, [String])] = [
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0]], "scale": NaN}"#, ["finite", "NaN"]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,1,Infinity]], "scale": 1}"#, ["finite", "Infinity"]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0]], "scale": 0}"#, ["scale", "positive", "found 0"]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0]], "scale": -2}"#, ["scale", "positive", "found -2"]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0]], "scale": "1"}"#, ["scale", "the string \"1\""]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0]]}"#, ["scale", "no \"scale\""]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0]], "scale": 1e-300}"#, ["scale", "1e-12…1e12", "1e-300"]),
        (#"{"transform": [[1,2,3,0],[2,4,6,0],[0,0,1,0]], "scale": 1}"#, ["transform's 3×3 part invertible", "singular"]),
        (#"{"transform": [[0,0,0,1],[0,0,0,2],[0,0,0,3]], "scale": 1}"#, ["invertible", "singular"]),
        (#"{"transform": [[2,0,0,0],[0,2,0,0],[0,0,2,0]], "scale": 1}"#, ["a rotation", "rotation error"]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,-1,0]], "scale": 1}"#, ["a rotation", "reflection"]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0]], "scale": 1}"#, ["3 rows of 4", "2 rows"]),
        (#"{"transform": [[1,0,0],[0,1,0],[0,0,1]], "scale": 1}"#, ["3 rows of 4", "transform[0] with 3 values"]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,1,1]], "scale": 1}"#, ["4th row", "[0, 0, 1, 1]"]),
        (#"{"transform": {"a": 1}, "scale": 1}"#, ["3 rows of 4", "an object"]),
        (#"{"transform": [[1,0,0,0],[0,1,0,0],[0,0,1,"x"]], "scale": 1}"#, ["transform[2][3]", "the string \"x\""]),
        (#"{"scale": 1}"#, ["transform", "no \"transform\""]),
        (#"[1, 2]"#, ["a JSON object", "an array of 2"]),
        (#"{"transform": [[1,0,0,0]"#, ["a JSON object", "invalid JSON"]),
    ]

    @Test func hostileTransformFilesGiveOneLineErrorsNamingTheField() throws {
        for (text, mentions) in Self.hostileTransforms {
            #expect { try DataparserTransform.parse(data: Data(text.utf8), path: "/x/dataparser_transforms.json") } throws: { error in
                let message = "\(error)"
                let ok = error is ViewSynthError && message.hasPrefix("/x/dataparser_transforms.json: expected ")
                    && !message.contains("\n") && mentions.allSatisfy { message.contains($0) }
                if !ok { Issue.record("\(text) → \(message), wanted \(mentions)") }
                return ok
            }
        }
        // A valid 4×4 (row 0 0 0 1) is accepted.
        let t = try DataparserTransform.parse(data: Data(#"{"transform": [[1,0,0,1],[0,1,0,2],[0,0,1,3],[0,0,0,1]], "scale": 2}"#.utf8), path: "d.json")
        #expect(t.translation == Vec3(1, 2, 3) && t.scale == 2)
    }

    /// Camera-path values checked before anything is allocated, and a transform that overflows a position.
    @Test func hostileCameraPathsGiveOneLineErrors() throws {
        let eye = "[1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1]"
        let cases: [(String, [String])] = [
            (#"{"camera_type": "fisheye", "camera_path": [{"camera_to_world": \#(eye), "fov": 50}]}"#,
             ["camera_type \"perspective\"", "the string \"fisheye\""]),
            (#"{"camera_type": "equirectangular", "camera_path": [{"camera_to_world": \#(eye)}]}"#, ["equirectangular"]),
            (#"{"camera_type": 3, "camera_path": [{"camera_to_world": \#(eye)}]}"#, ["camera_type", "the number 3"]),
            (#"{"camera_path": [{"camera_to_world": \#(eye), "fov": -10}]}"#, ["camera_path[0].fov", "(0, 180)", "-10"]),
            (#"{"camera_path": [{"camera_to_world": \#(eye), "fov": "wide"}]}"#, ["camera_path[0].fov", "the string \"wide\""]),
            (#"{"camera_path": [{"camera_to_world": \#(eye), "fov": NaN}]}"#, ["finite", "NaN"]),
            (#"{"camera_path": [{"camera_to_world": \#(eye), "aspect": 0}]}"#, ["camera_path[0].aspect", "positive", "found 0"]),
            (#"{"camera_path": [{"camera_to_world": \#(eye), "aspect": [1]}]}"#, ["camera_path[0].aspect", "an array of 1"]),
            (#"{"render_height": 0, "camera_path": [{"camera_to_world": \#(eye)}]}"#, ["render_height", "1…32768", "found 0"]),
            (#"{"render_width": "wide", "camera_path": [{"camera_to_world": \#(eye)}]}"#, ["render_width", "the string \"wide\""]),
            (#"{"camera_path": [{"camera_to_world": [1,0,0,0, 0,1,0,0, 0,0,1,0, 1,0,0,1]}]}"#, ["last row [0, 0, 0, 1]", "[1, 0, 0, 1]"]),
            (#"{"camera_path": [{"camera_to_world": [1,0,0]}]}"#, ["16 finite numbers", "3 values"]),
            (#"{"camera_path": [{"camera_to_world": "eye"}]}"#, ["16 finite numbers", "the string \"eye\""]),
            (#"{"camera_path": [7]}"#, ["camera_path[0] an object", "the number 7"]),
            (#"{"camera_path": {"a": 1}}"#, ["non-empty \"camera_path\" array", "an object"]),
        ]
        for (text, mentions) in cases {
            #expect { try CameraPath.nerfstudio(data: Data(text.utf8), path: "/p/camera_path.json") } throws: { error in
                let message = "\(error)"
                let ok = message.hasPrefix("/p/camera_path.json: expected ") && !message.contains("\n") && mentions.allSatisfy { message.contains($0) }
                if !ok { Issue.record("\(text) → \(message), wanted \(mentions)") }
                return ok
            }
        }
        // A position that overflows when divided by a tiny scale.
        let tiny = DataparserTransform(rotation: .identity, translation: .zero, scale: 1e-12)
        let far = #"{"camera_path": [{"camera_to_world": [1,0,0,1e300, 0,1,0,0, 0,0,1,0, 0,0,0,1]}]}"#
        #expect { try CameraPath.nerfstudio(data: Data(far.utf8), path: "/p/camera_path.json", transform: tiny) } throws: { error in
            "\(error)".contains("camera_path[0]") && "\(error)".contains("finite position")
        }
    }
}
