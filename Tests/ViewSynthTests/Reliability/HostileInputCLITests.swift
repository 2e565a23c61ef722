// Hostile input through the spawned `viewsynth` binary (issue #13), one case per class: every case exits
// normally with a status in 1…127 (never a signal, never a hang), prints one line naming the file or option,
// and writes nothing.

import Foundation
import Testing
@testable import ViewSynth

/// Runs the CLI with a deadline; a run still going after `seconds` is killed and reported as hung.
func runCLIBounded(_ args: [String], seconds: Double = 60) throws -> (result: ProcessResult, exited: Bool) {
    let p = Process()
    p.executableURL = TestPaths.cli
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(seconds)
    while p.isRunning, Date() < deadline { usleep(20_000) }
    let hung = p.isRunning
    if hung { p.terminate() }
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                          stderr: String(decoding: e, as: UTF8.self)), !hung && p.terminationReason == .exit)
}

@Suite struct HostileInputCLITests {
    /// `viewsynth <args>` (with `--out <root>/out` and tiny sweep settings for render/eval) must be refused: normal exit 1…127, one
    /// line mentioning `mentions`, no output files.
    static func expectRefused(_ args: [String], root: URL, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let out = root.appendingPathComponent("out")
        // Defaults first, so the case's own options (given later) win.
        let full = ["render", "eval"].contains(args[0]) ? Array(args.prefix(2)) + ["--out", out.path] + tinySweep + args.dropFirst(2) : args
        let (r, exited) = try runCLIBounded(full)
        #expect(exited, "\(full) did not exit normally (signal or hang): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.status > 0 && r.status < 128, "status \(r.status)", sourceLocation: sourceLocation)
        expectOneLineError(r, mentions: ["expected", "found"] + mentions, sourceLocation: sourceLocation)
        #expect(SceneFixtures.files(out).isEmpty, "wrote \(SceneFixtures.files(out))", sourceLocation: sourceLocation)
    }

    /// A fresh scene in `format` under a new folder, damaged by `damage`, then `expectRefused`.
    static func check(_ format: SceneFormat = .llff, n: Int = 8, command: [String] = ["info"], mentions: [String],
                      sourceLocation: SourceLocation = #_sourceLocation, damage: (URL) throws -> Void = { _ in }) throws {
        let root = TestPaths.temporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(n: n, format: format, in: root)
        try damage(scene)
        try expectRefused([command[0], scene.path] + command.dropFirst(), root: root, mentions: mentions, sourceLocation: sourceLocation)
    }

    static func corpusFile(_ target: String, _ name: String) -> URL {
        FuzzCorpusTests.corpus.appendingPathComponent(target).appendingPathComponent(name)
    }

    static func editPoses(_ scene: URL, _ edit: (inout [Double]) -> Void) throws {
        let url = scene.appendingPathComponent("poses_bounds.npy")
        var a = try NPY.read(url)
        edit(&a.values)
        try NPY.write(a.values, shape: a.shape, to: url)
    }

    // MARK: integers from files

    @Test func npyShapeOverflow() throws {
        try Self.check(mentions: ["poses_bounds.npy", "elements"]) {
            try Data(contentsOf: Self.corpusFile("npy", "shape-overflow.npy")).write(to: $0.appendingPathComponent("poses_bounds.npy"))
        }
    }

    @Test func llffHWFWidth1e20() throws {
        try Self.check(mentions: ["poses_bounds.npy", "hwf width", "1e+20"]) { try Self.editPoses($0) { $0[9] = 1e20 } }
    }

    @Test func transformsHeight1e300() throws {
        try Self.check(.transforms, mentions: ["transforms.json", "h of frame 0", "1e+300"]) {
            try CLIBadInputTests.editJSON($0.appendingPathComponent("transforms.json")) { o in
                var frames = o["frames"] as! [[String: Any]]
                frames[0]["w"] = 48; frames[0]["h"] = 1e300
                o["frames"] = frames
            }
        }
    }

    @Test func nearFarErrorNamesTheFile() throws {
        try Self.check(.transforms, mentions: ["transforms.json", "0 < near < far", "near 5, far 1"]) {
            try CLIBadInputTests.editJSON($0.appendingPathComponent("transforms.json")) { o in o["near"] = 5; o["far"] = 1 }
        }
    }

    @Test func colmapBinaryWidth2e63() throws {
        try Self.check(.colmap, mentions: ["cameras.bin", "width of camera 1", "9223372036854775808"]) {
            // The corpus input minus its selector byte is a whole cameras.bin.
            try Data(contentsOf: Self.corpusFile("colmap-binary", "camera-width-2e63.bin")).dropFirst()
                .write(to: $0.appendingPathComponent("sparse/0/cameras.bin"))
        }
    }

    /// `render <scene> <option> <corpus file>` for each (corpus file of `target`, mention): refused, naming the file.
    static func checkCorpusFiles(_ target: String, option: [String], _ cases: [(String, String)],
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let root = TestPaths.temporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        for (name, mention) in cases {
            let file = corpusFile(target, name)
            try expectRefused(["render", scene.path] + option + [file.path], root: root, mentions: [file.path, mention],
                              sourceLocation: sourceLocation)
        }
    }

    @Test func safetensorsOffsetsAndConfigBounds() throws {
        try Self.checkCorpusFiles("safetensors", option: ["--method", "gpnr", "--weights"], [
            ("offsets-1-minus-2e63.safetensors", "data_offsets"), ("config-width-2e62.safetensors", "width ≤ 4096"),
            ("config-huge-but-in-field-bounds.safetensors", "parameters")])
    }

    @Test func cameraPathSizesAndFieldOfView() throws {
        try Self.checkCorpusFiles("camera-path", option: ["--views"], [
            ("height-negative.json", "render_height"), ("height-1e300.json", "1e+300"), ("pixels-2e31.json", "samples"),
            ("aspect-2e63.json", "aspect"), ("fov-0.json", "fov"), ("fov-180.json", "fov"), ("fov-360.json", "fov")])
    }

    // MARK: settings

    @Test func modelConfigUpperBounds() throws {
        try Self.checkCorpusFiles("model-config", option: ["--method", "gpnr", "--config"], [
            ("width-2e62.json", "width ≤ 4096"), ("samples-int-max.json", "samples ≤ 1024"),
            ("layers-1e9.json", "64 layers"), ("huge-product.json", "parameters")])
    }

    @Test func optionUpperBounds() throws {
        let root = TestPaths.temporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        for (args, mention) in [(["--window", "100001"], "--window"), (["--ref-views", "1000000000"], "--ref-views"),
                                (["--planes", "1000000000"], "--planes"), (["--frames", "100000000", "--views", "spiral"], "--frames"),
                                (["--threads", "100000"], "--threads"), (["--chunk", "1000000000"], "--chunk"),
                                (["--sweep-config", #"{"nccWindow": 100001}"#], "nccWindow"), (["--out", ""], "--out")] {
            try Self.expectRefused(["render", scene.path] + args, root: root, mentions: [mention])
        }
        // A bad --sweep-config value is described, not echoed.
        let long = String(repeating: "x", count: 500)
        let (r, _) = try runCLIBounded(["render", scene.path, "--sweep-config", #"{"planes": "\#(long)"}"#])
        expectOneLineError(r, mentions: ["--sweep-config", "planes"])
        #expect(!r.stderr.contains(long))
    }

    @Test func imageThatExpandsBeyondThePixelBudget() throws {
        // A 16384×16384 gray PNG: 2^28 samples as stored, 3 × 2^28 as RGB.
        try Self.check(.transforms, mentions: ["images/002.png", "16384×16384", "samples"]) {
            try Data(contentsOf: Self.corpusFile("image", "gray-16384x16384-header.png")).write(to: $0.appendingPathComponent("images/002.png"))
        }
    }

    // MARK: files that are not regular files

    @Test func fifoFolderDeviceAndSymlinkLoopNamedLikeImages() throws {
        let fm = FileManager.default
        let replacements: [(file: String, format: SceneFormat, kind: String, make: (String) throws -> Void)] = [
            ("images/003.png", .transforms, "FIFO", { #expect(mkfifo($0, 0o644) == 0) }),
            ("images/003.png", .transforms, "a folder", { try fm.createDirectory(atPath: $0, withIntermediateDirectories: false) }),
            ("images/003.png", .transforms, "a device", { try fm.createSymbolicLink(atPath: $0, withDestinationPath: "/dev/zero") }),
            ("images/003.png", .transforms, "symbolic link loop", { try fm.createSymbolicLink(atPath: $0, withDestinationPath: $0) }),
            ("poses_bounds.npy", .llff, "FIFO", { #expect(mkfifo($0, 0o644) == 0) }),
        ]
        for r in replacements {
            try Self.check(r.format, mentions: [r.file, r.kind]) { scene in
                let p = scene.appendingPathComponent(r.file).path
                try fm.removeItem(atPath: p)
                try r.make(p)
            }
        }
    }

    @Test func nonUTF8ImageName() throws {
        try Self.check(.llff, mentions: ["images", "UTF-8"]) { scene in
            // Rename 003.png to the bytes ff 2e 70 6e 67 ("\xff.png").
            let from = scene.appendingPathComponent("images/003.png").path
            let dir = Array(scene.appendingPathComponent("images").path.utf8) + [UInt8(ascii: "/")]
            let to = (dir + [0xFF] + Array(".png".utf8) + [0]).map { CChar(bitPattern: $0) }
            #expect(rename(from, to) == 0)
        }
    }

    @Test func weightsFolder() throws {
        let root = TestPaths.temporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        try Self.expectRefused(["render", scene.path, "--method", "gpnr", "--weights", root.path], root: root,
                               mentions: [root.path, "a folder"])
    }

    // MARK: silently wrong before

    @Test func imageSmallerThanTheSSIMWindow() throws {
        let root = TestPaths.temporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(at: root) }
        let k = Intrinsics(fx: 8, fy: 8, cx: 4, cy: 3, width: 8, height: 6)
        let cams = (0..<4).map { Camera(intrinsics: k, worldFromCamera: Rigid3(rotation: .identity, translation: Vec3(Double($0) * 0.1, 0, 0))) }
        let scene = root.appendingPathComponent("tiny")
        try SceneWriter.write(SceneExport(names: (0..<4).map { String(format: "%03d.png", $0) }, cameras: cams,
                                          images: .images(cams.map { _ in Image(width: 8, height: 6, channels: 3, fill: 0.5) }),
                                          near: 2, far: 8), format: .llff, to: scene)
        try Self.expectRefused(["eval", scene.path], root: root, mentions: ["000.png", "SSIM window", "8×6"])
    }

    @Test func colmapImagesWithoutPoints2DLinesLoadEveryView() throws {
        let root = TestPaths.temporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(format: .colmap, in: root)
        let url = scene.appendingPathComponent("sparse/0/images.txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        let stripped = text.split(separator: "\n", omittingEmptySubsequences: true).joined(separator: "\n") + "\n"
        #expect(stripped != text)
        try Data(stripped.utf8).write(to: url)
        let r = try runCLI(["info", scene.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let views = summary["views"] as? Int ?? (summary["views"] as? [Any])?.count
        #expect(views == 8, "\(r.stdout.prefix(300))")
    }

    @Test func duplicateCOLMAPImageIDs() throws {
        try Self.check(.colmap, mentions: ["images.txt", "distinct image ids"]) { scene in
            let url = scene.appendingPathComponent("sparse/0/images.txt")
            let text = try String(contentsOf: url, encoding: .utf8)
            // Give the second image the first one's id.
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let imageLines = lines.indices.filter { !lines[$0].hasPrefix("#") && lines[$0].split(separator: " ").count == 10 }
            var f = lines[imageLines[1]].split(separator: " ").map(String.init)
            f[0] = String(lines[imageLines[0]].split(separator: " ")[0])
            lines[imageLines[1]] = f.joined(separator: " ")
            try Data(lines.joined(separator: "\n").utf8).write(to: url)
        }
    }

    @Test func oneViewSceneCannotBeEvaluatedOrInterpolated() throws {
        try Self.check(n: 1, command: ["eval"], mentions: ["at least 1 reference view"])
        try Self.check(n: 1, command: ["render", "--views", "interpolate"], mentions: ["at least 2 training views"])
        try Self.check(n: 1, command: ["render", "--views", "spiral"], mentions: ["at least 1 training views"])
    }
}
