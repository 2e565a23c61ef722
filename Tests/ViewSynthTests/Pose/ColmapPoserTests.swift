// `viewsynth pose` with a stand-in `colmap` (a shell script first on PATH): the arguments of each step (CPU
// only, threads, no vocabulary tree), the scene it writes, and every failure the real COLMAP can cause —
// missing, a step failing, disconnected models, too few photos registered — without running COLMAP.
// (ColmapPoseAccuracyTests runs the real one.)

import Foundation
import Testing
@testable import ViewSynth

@Suite struct ColmapPoserTests {
    /// Records each call's arguments in $FAKE_COLMAP_ARGS; the mapper copies the models in $FAKE_COLMAP_MODELS
    /// (folders 0, 1, …) to its output; bundle_adjuster copies its input model; $FAKE_COLMAP_FAIL names a step
    /// that prints an error and exits 1.
    static let script = """
    #!/bin/sh
    echo "$*" >> "$FAKE_COLMAP_ARGS"
    cmd=$1; shift
    value() { key=$1; shift; while [ $# -gt 1 ]; do [ "$1" = "$key" ] && { echo "$2"; return; }; shift; done; }
    echo "fake colmap $cmd"
    if [ "$cmd" = "$FAKE_COLMAP_FAIL" ]; then echo "ERROR: fake failure in $cmd" >&2; echo "Elapsed time: 0.000 [minutes]"; exit 1; fi
    case "$cmd" in
      feature_extractor) touch "$(value --database_path "$@")" ;;
      mapper) [ -n "$FAKE_COLMAP_MODELS" ] && cp -R "$FAKE_COLMAP_MODELS"/. "$(value --output_path "$@")"/ ;;
      bundle_adjuster) cp "$(value --input_path "$@")"/* "$(value --output_path "$@")"/ ;;
    esac
    exit 0
    """

    struct Fixture {
        var root: URL, bin: URL, photos: URL, models: URL, argsFile: URL
        var names: [String]

        init(photos n: Int = 8) throws {
            root = TestPaths.temporaryDirectory("viewsynth-pose")
            bin = root.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            let colmap = bin.appendingPathComponent("colmap")
            try Data(ColmapPoserTests.script.utf8).write(to: colmap)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: colmap.path)
            photos = try PhotoFolderTests.photos(n, in: root)
            models = root.appendingPathComponent("models")
            argsFile = root.appendingPathComponent("args.txt")
            names = (0..<n).map { String(format: "%03d.png", $0) }
        }

        /// Mapper model `k` holding the photos `indices` (the fixture's exact cameras, binary).
        func addModel(_ k: Int, _ indices: [Int]) throws {
            let cams = SceneFixtures.cameras(names.count)
            let tmp = root.appendingPathComponent("model-tmp-\(k)")
            let export = SceneExport(names: indices.map { names[$0] }, cameras: indices.map { cams[$0] },
                                     images: .files(indices.map { photos.appendingPathComponent(names[$0]) }),
                                     points: [Vec3(0, 0, 4), Vec3(0.5, 0.2, 4), Vec3(-0.3, 0.1, 4)])
            try SceneWriter.write(export, format: .colmap, to: tmp, colmapBinary: true)
            try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: tmp.appendingPathComponent("sparse/0"), to: models.appendingPathComponent("\(k)"))
            try FileManager.default.removeItem(at: tmp)
        }

        func pose(_ extra: [String], out: URL, fail: String? = nil, path: String? = nil) throws -> ProcessResult {
            var env = ["PATH": path ?? "\(bin.path):/usr/bin:/bin", "FAKE_COLMAP_ARGS": argsFile.path, "HOME": root.path]
            if FileManager.default.fileExists(atPath: models.path) { env["FAKE_COLMAP_MODELS"] = models.path }
            if let fail { env["FAKE_COLMAP_FAIL"] = fail }
            return try runCLI(["pose", photos.path, "--out", out.path] + extra, environment: env)
        }

        /// The recorded colmap calls, one line each.
        var calls: [String] { ((try? String(contentsOf: argsFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
    }

    @Test func eachStepRunsOnTheCPUWithTheThreadsAskedForAndTheSceneLoads() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        try f.addModel(0, Array(0..<8))
        let out = f.root.appendingPathComponent("scenes/mine")
        let r = try f.pose(["--threads", "1", "--camera-model", "OPENCV"], out: out)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("registered 8 of 8 photos"), "\(r.stdout)")
        for k in 1...4 { #expect(r.stderr.contains("[\(k)/4] "), "\(r.stderr)") }
        let calls = f.calls
        try #require(calls.count == 4)
        #expect(calls.map { String($0.split(separator: " ")[0]) } == ["feature_extractor", "exhaustive_matcher", "mapper", "bundle_adjuster"])
        #expect(calls[0].contains("--SiftExtraction.use_gpu 0") && calls[0].contains("--SiftExtraction.num_threads 1"))
        #expect(calls[0].contains("--ImageReader.single_camera 1") && calls[0].contains("--ImageReader.camera_model OPENCV"))
        #expect(calls[1].contains("--SiftMatching.use_gpu 0") && calls[1].contains("--SiftMatching.num_threads 1"))
        #expect(calls[2].contains("--Mapper.num_threads 1"))
        #expect(calls[3].contains("--BundleAdjustment.refine_principal_point 1"))
        #expect(!calls.joined().contains("vocab"))
        // The scene: images, the model, COLMAP's log; no database, no temporaries.
        let expected = ["colmap.log", "sparse/0/cameras.bin", "sparse/0/images.bin", "sparse/0/points3D.bin"] + f.names.map { "images/" + $0 }
        #expect(SceneFixtures.files(out) == expected.sorted())
        let log = try String(contentsOf: out.appendingPathComponent("colmap.log"), encoding: .utf8)
        #expect(log.contains("fake colmap feature_extractor") && log.contains("fake colmap bundle_adjuster"))
        #expect((try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path)) == ["mine"])
        let info = try runCLI(["info", out.path, "--check"])
        #expect(info.status == 0 && info.stdout.contains("colmap"), "\(info.stdout) \(info.stderr)")
        #expect(try SceneLoader.load(out).views.map(\.name) == f.names)
    }

    @Test func sequentialMatchingNeverUsesLoopDetectionAndMaxSizeDownscales() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        try f.addModel(0, Array(0..<8))
        let out = f.root.appendingPathComponent("mine")
        let r = try f.pose(["--matcher", "sequential", "--max-size", "32", "--camera-per-image"], out: out)
        #expect(r.status == 0, "\(r.stderr)")
        try #require(f.calls.count == 4)
        #expect(f.calls[1].hasPrefix("sequential_matcher") && f.calls[1].contains("--SequentialMatching.loop_detection 0"))
        #expect(f.calls[0].contains("--ImageReader.single_camera 0"))
        let s = try ImageIO.readSize(out.appendingPathComponent("images/003.png"))
        #expect(s.width == 32 && s.height == 24)
        #expect(r.stderr.contains("downscaled to 32×24"), "\(r.stderr)")
    }

    @Test func disconnectedModelsKeepTheLargestAndSaySo() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        try f.addModel(0, [0, 1, 2])
        try f.addModel(1, [3, 4, 5, 6, 7])
        let out = f.root.appendingPathComponent("mine")
        let r = try f.pose([], out: out)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("2 disconnected models (5, 3 photos): using the largest"), "\(r.stderr)")
        #expect(r.stderr.contains("3 of 8 photos not registered: 000.png, 001.png, 002.png"), "\(r.stderr)")
        #expect(r.stdout.contains("registered 5 of 8"), "\(r.stdout)")
        try #require(f.calls.count == 4)
        #expect(f.calls[3].contains("/mapper/1 "), "\(f.calls[3])")
        #expect(try SceneLoader.load(out).views.map(\.name) == Array(f.names[3...]))
    }

    @Test func fewerThanHalfRegisteredFailsNamingThePhotosAndKeepsTheLog() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        try f.addModel(0, [1, 2, 4])
        let out = f.root.appendingPathComponent("mine")
        let r = try f.pose([], out: out)
        expectOneLineError(r, mentions: [f.photos.path, "at least half of the 8 photos", "found 3",
                                         "not registered: 000.png, 003.png, 005.png, 006.png, 007.png"], afterLog: true)
        #expect(AtomicFolder.occupant(out) == .nothing)
        let failureLog = ColmapPoser.failureLogURL(for: out)
        #expect(r.stderr.contains(failureLog.path))
        #expect(try String(contentsOf: failureLog, encoding: .utf8).contains("fake colmap mapper"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.root.path).sorted()
                == ["args.txt", "bin", "mine.colmap.log", "models", "photos"])

        // No model at all.
        try FileManager.default.removeItem(at: f.models)
        let none = try f.pose([], out: out)
        expectOneLineError(none, mentions: [f.photos.path, "no model"], afterLog: true)
    }

    @Test func aFailedStepLeavesTheEarlierSceneAsItWas() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.root) }
        try f.addModel(0, Array(0..<8))
        let out = f.root.appendingPathComponent("mine")
        #expect(try f.pose([], out: out).status == 0)
        let before = SceneFixtures.files(out)
        let model = try Data(contentsOf: out.appendingPathComponent("sparse/0/images.bin"))

        // Refused without --overwrite, before COLMAP runs.
        let refused = try f.pose([], out: out)
        expectOneLineError(refused, mentions: [out.path, "--overwrite", "a folder with files"])
        #expect(f.calls.count == 4)

        for step in ["feature_extractor", "exhaustive_matcher", "mapper", "bundle_adjuster"] {
            let r = try f.pose(["--overwrite"], out: out, fail: step)
            expectOneLineError(r, mentions: ["colmap \(step)", "exit status 1", "ERROR: fake failure in \(step)",
                                             ColmapPoser.failureLogURL(for: out).path], afterLog: true)
            #expect(SceneFixtures.files(out) == before)
            #expect(try Data(contentsOf: out.appendingPathComponent("sparse/0/images.bin")) == model)
        }
        // A successful --overwrite replaces it and removes the stale failure log.
        try FileManager.default.removeItem(at: f.models.appendingPathComponent("0"))
        try f.addModel(0, Array(0..<7))
        let again = try f.pose(["--overwrite"], out: out)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try SceneLoader.load(out).views.count == 7)
        #expect(!FileManager.default.fileExists(atPath: ColmapPoser.failureLogURL(for: out).path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.root.path).filter { $0.contains(".tmp-") }.isEmpty)
    }

    @Test func badInputIsOneLineBeforeCOLMAPRuns() throws {
        let f = try Fixture(photos: 3)
        defer { try? FileManager.default.removeItem(at: f.root) }
        let out = f.root.appendingPathComponent("mine")
        // COLMAP missing: name the package.
        let missing = try f.pose([], out: out, path: "/nonexistent")
        expectOneLineError(missing, mentions: ["colmap", "apt-get install colmap", "found none"])
        // Options out of range.
        for (args, option) in [(["--max-size", "8"], "--max-size"), (["--max-size", "99999"], "--max-size"),
                               (["--threads", "0"], "--threads"), (["--threads", "5000"], "--threads")] {
            expectOneLineError(try f.pose(args, out: out), mentions: [option, "expected a value in"])
        }
        // --out is the photos folder, or a file.
        let same = try runCLI(["pose", f.photos.path, "--out", f.photos.path], environment: ["PATH": "\(f.bin.path):/usr/bin:/bin"])
        expectOneLineError(same, mentions: [f.photos.path, "other than the photos folder"])
        let file = f.root.appendingPathComponent("file")
        try Data("x".utf8).write(to: file)
        expectOneLineError(try f.pose([], out: file), mentions: [file.path, "not a folder"])
        // Fewer than 3 photos.
        try FileManager.default.removeItem(at: f.photos.appendingPathComponent("002.png"))
        expectOneLineError(try f.pose([], out: out), mentions: [f.photos.path, "at least 3 photos", "found 2"])
        #expect(f.calls.isEmpty)
        #expect(AtomicFolder.occupant(out) == .nothing)
    }
}
