// `viewsynth pose`: camera poses and intrinsics for a folder of photos by structure from motion with COLMAP
// (the `colmap` program on PATH; Debian/Ubuntu package `colmap`, 3.8 built without CUDA), written as a COLMAP
// scene that `info`, `render` and `eval` read:
//
//   <scene>/images/      the photos (downscaled copies with --max-size; see PhotoFolder)
//   <scene>/sparse/0/    cameras.bin, images.bin, points3D.bin: the largest model, bundle-adjusted
//   <scene>/colmap.log   everything COLMAP printed, step by step
//
// Steps, each a separate `colmap` run on the CPU (SIFT on the GPU needs a display; it is switched off):
//   1. feature_extractor  SIFT keypoints and descriptors of every photo into a database; one shared camera
//                         (single_camera) of the chosen model unless each photo gets its own
//   2. exhaustive_matcher every pair of photos (best for unordered photos, up to a few hundred), or
//      sequential_matcher each photo with its next neighbours in name order (video frames); never loop detection
//                         (it needs a vocabulary tree file, which COLMAP would have to download)
//   3. mapper             incremental reconstruction: poses, intrinsics and 3D points; may produce several
//                         disconnected models (mapper/0, mapper/1, …): the one with most photos is kept
//   4. bundle_adjuster    refines that model once more with the principal point free (the mapper keeps it at
//                         the image centre)
// Threads: --SiftExtraction.num_threads, --SiftMatching.num_threads, --Mapper.num_threads (COLMAP is seeded, but
// with several threads its results are not bit-exact from run to run).
//
// Result figures come from the files COLMAP wrote (COLMAPModelSummary): the registered photos are the images
// of the kept model, the mean reprojection error is the mean of its points3D ERROR fields (as COLMAP's
// model_analyzer reports it).
//
// Atomic: everything is built in a temporary folder beside the scene (AtomicFolder) and renamed into place
// only when every step succeeded and the scene loads; an existing non-empty scene folder is refused unless
// `overwrite`, and even then replaced only after success. A failed run leaves its log beside the scene folder
// as <scene>.colmap.log. Problems are one-line ViewSynthErrors: COLMAP missing (naming the package), fewer than
// 3 photos, a photo that does not decode, a step that failed (its log's error line), no model, fewer than half of
// the photos registered (naming those that did not).

import Foundation
import ViewSynthCore
#if canImport(Glibc)
import Glibc
#endif

public struct PoseOptions: Sendable {
    public enum Matcher: String, CaseIterable, Sendable {
        case exhaustive, sequential
        public var command: String { rawValue + "_matcher" }
    }
    /// The COLMAP camera models the COLMAP scene loader reads (distortion is removed when images are loaded).
    public enum CameraModel: String, CaseIterable, Sendable {
        case simplePinhole = "SIMPLE_PINHOLE", pinhole = "PINHOLE", simpleRadial = "SIMPLE_RADIAL", radial = "RADIAL",
             opencv = "OPENCV"
    }

    public var matcher: Matcher = .exhaustive
    /// Longer side of the copies in images/ (nil: the photos as they are).
    public var maxSize: Int?
    /// COLMAP's default: one focal length, a centred principal point and one radial term (k1).
    public var cameraModel: CameraModel = .simpleRadial
    /// One camera shared by every photo (same lens and zoom); false gives each photo its own intrinsics.
    public var sharedCamera = true
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Replace a non-empty scene folder (only after a successful run).
    public var overwrite = false

    public init() {}

    /// Range-checks the options; errors name the option.
    public func validate() throws {
        if let maxSize, !PhotoFolder.maxSizeRange.contains(maxSize) {
            throw ViewSynthError("--max-size", expected: "a value in \(PhotoFolder.maxSizeRange.lowerBound)…\(PhotoFolder.maxSizeRange.upperBound) pixels",
                                 found: "\(maxSize)")
        }
        guard (1...InputLimits.maxThreads).contains(threads) else {
            throw ViewSynthError("--threads", expected: "a value in 1…\(InputLimits.maxThreads)", found: "\(threads)")
        }
    }
}

public struct PoseResult: Sendable {
    public struct Step: Sendable {
        public var name: String
        public var seconds: Double
    }
    public var scene: URL
    public var log: URL
    /// Every photo, in name order.
    public var photos: [String]
    /// Photos in the kept model, in name order.
    public var registered: [String]
    /// Images per model the mapper made, largest first (one entry when the scene is connected).
    public var modelSizes: [Int]
    public var pointCount: Int
    /// Pixels; mean of the kept model's points3D ERROR fields after bundle adjustment.
    public var meanReprojectionError: Double?
    public var cameras: [COLMAPModelSummary.Camera]
    /// Photos that were downscaled into images/.
    public var resized: Int
    public var steps: [Step]
    public var seconds: Double

    public var unregistered: [String] { let r = Set(registered); return photos.filter { !r.contains($0) } }
}

public enum ColmapPoser {
    /// The Debian/Ubuntu package that provides `colmap`.
    public static let package = "colmap"
    public static let stepCount = 4

    /// The colmap executable on PATH, or a one-line error naming the package to install.
    public static func requireColmap(searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) throws -> URL {
        guard let colmap = VideoWriter.findExecutable("colmap", searchPath: searchPath) else {
            throw ViewSynthError("colmap", expected: "the COLMAP program on PATH to pose the photos (Debian/Ubuntu: apt-get install \(package))",
                                 found: "none")
        }
        return colmap
    }

    /// Throws unless `out` can receive the scene: missing, an empty folder, or (with `overwrite`) a folder with
    /// files; never a file, nor the photos folder itself.
    public static func checkDestination(_ out: URL, photos: URL, overwrite: Bool) throws {
        let real = { (u: URL) in u.standardizedFileURL.resolvingSymlinksInPath().path }
        if real(out) == real(photos) {
            throw ViewSynthError(out, expected: "a scene folder other than the photos folder (--out)", found: "the photos folder itself")
        }
        switch AtomicFolder.occupant(out) {
        case .nothing, .emptyFolder: return
        case .notAFolder: throw ViewSynthError(out, expected: "a folder for the scene (--out)", found: "a file that is not a folder")
        case .folder:
            guard overwrite else {
                throw ViewSynthError(out, expected: "a new or empty folder for the scene (--overwrite replaces it after a successful run)",
                                     found: "a folder with files")
            }
        }
    }

    /// The log a failed run leaves beside the scene folder: <scene>.colmap.log.
    public static func failureLogURL(for out: URL) -> URL {
        out.deletingLastPathComponent().appendingPathComponent(out.lastPathComponent + ".colmap.log")
    }

    /// COLMAP's arguments for each step (after the command name). `work` holds database.db and mapper/.
    public static func arguments(step: Int, options: PoseOptions, images: URL, work: URL, model: URL? = nil,
                                 output: URL? = nil) -> [String] {
        let db = work.appendingPathComponent("database.db").path
        let threads = "\(options.threads)"
        let common = ["--log_to_stderr", "1"]
        switch step {
        case 1:
            return common + ["--database_path", db, "--image_path", images.path,
                             "--ImageReader.camera_model", options.cameraModel.rawValue,
                             "--ImageReader.single_camera", options.sharedCamera ? "1" : "0",
                             "--SiftExtraction.use_gpu", "0", "--SiftExtraction.num_threads", threads]
        case 2:
            var a = common + ["--database_path", db, "--SiftMatching.use_gpu", "0", "--SiftMatching.num_threads", threads]
            if options.matcher == .sequential { a += ["--SequentialMatching.loop_detection", "0"] }
            return a
        case 3:
            return common + ["--database_path", db, "--image_path", images.path,
                             "--output_path", work.appendingPathComponent("mapper").path,
                             "--Mapper.num_threads", threads, "--Mapper.min_model_size", "\(PhotoFolder.minimumPhotos)"]
        default:
            return common + ["--input_path", model?.path ?? "", "--output_path", output?.path ?? "",
                             "--BundleAdjustment.refine_principal_point", "1"]
        }
    }

    /// Poses the photos in `photos` into the scene folder `out` (see the file header). `log` gets one progress
    /// line per step and the warnings (several models, unregistered photos).
    public static func run(photos photosDir: URL, out: URL, options: PoseOptions, colmap: URL? = nil,
                           log: (String) -> Void = { _ in }) throws -> PoseResult {
        let start = Date()
        try options.validate()
        let colmap = try colmap ?? requireColmap()
        try checkDestination(out, photos: photosDir, overwrite: options.overwrite)
        let photos = try PhotoFolder(photosDir, sharedCamera: options.sharedCamera)

        let parent = out.deletingLastPathComponent()
        for name in AtomicFolder.removeStale(in: parent) { log("removed a temporary folder left by a killed run: \(name)") }
        let staged = try AtomicFolder.stage(for: out)
        let failureLog = failureLogURL(for: out)
        let logURL = staged.temporary.appendingPathComponent("colmap.log")
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil),
              let logHandle = try? FileHandle(forWritingTo: logURL) else {
            staged.discard()
            throw ViewSynthError(logURL, expected: "a writable folder for COLMAP's log", found: "cannot create a file there")
        }
        var committed = false
        defer {
            try? logHandle.close()
            if !committed {   // keep the log of a failed run beside the scene, drop the rest
                _ = rename(logURL.path, failureLog.path)
                staged.discard()
            }
        }

        let images = staged.temporary.appendingPathComponent("images")
        let work = staged.temporary.appendingPathComponent("colmap")
        for dir in [images, work, work.appendingPathComponent("mapper")] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        let resized = try photos.writeCopies(to: images, maxSize: options.maxSize)
        if let first = photos.photos.first {
            let s = PhotoFolder.copySize(width: first.width, height: first.height, maxSize: options.maxSize)
            log("pose: \(photos.photos.count) photos, \(resized > 0 ? "downscaled to \(s.width)×\(s.height)" : "\(first.width)×\(first.height)")"
                + " (\(resized > 0 ? "--max-size \(options.maxSize!)" : "as they are")); COLMAP's log: \(out.appendingPathComponent("colmap.log").path)")
        }

        var steps: [PoseResult.Step] = []
        func step(_ k: Int, _ command: String, _ what: String, _ args: [String]) throws {
            log("[\(k)/\(stepCount)] \(command): \(what)")
            let t0 = Date()
            try runColmap(colmap, command: command, arguments: args, logHandle: logHandle, logURL: logURL, shownLog: failureLog)
            let dt = Date().timeIntervalSince(t0)
            steps.append(.init(name: command, seconds: dt))
            log(String(format: "[%d/%d] %@: done in %.1f s", k, stepCount, command, dt))
        }
        let n = photos.photos.count
        try step(1, "feature_extractor", "SIFT features of \(n) photos, \(options.sharedCamera ? "one shared" : "one per photo") \(options.cameraModel.rawValue) camera",
                 arguments(step: 1, options: options, images: images, work: work))
        try step(2, options.matcher.command, options.matcher == .exhaustive ? "matching all \(n * (n - 1) / 2) pairs of photos"
                    : "matching each photo with its neighbours in name order",
                 arguments(step: 2, options: options, images: images, work: work))
        try step(3, "mapper", "incremental reconstruction (poses, intrinsics, 3D points)",
                 arguments(step: 3, options: options, images: images, work: work))

        // The models the mapper made; keep the one with the most photos.
        let models = try COLMAPModelSummary.modelFolders(in: work.appendingPathComponent("mapper")).map(COLMAPModelSummary.read)
            .sorted { $0.registeredCount != $1.registeredCount ? $0.registeredCount > $1.registeredCount : $0.folder.path < $1.folder.path }
        guard let best = models.first, best.registeredCount > 0 else {
            throw ViewSynthError(photosDir, expected: "COLMAP's mapper to reconstruct the scene from \(n) photos",
                                 found: "no model (too few matches between the photos; see \(failureLog.path))")
        }
        let notRegistered = photos.photos.map(\.name).filter { !Set(best.imageNames).contains($0) }
        guard best.registeredCount * 2 >= n else {
            throw ViewSynthError(photosDir, expected: "at least half of the \(n) photos registered in one model",
                                 found: "\(best.registeredCount)\(models.count > 1 ? " (largest of \(models.count) models: \(models.map { "\($0.registeredCount)" }.joined(separator: ", ")))" : ""); "
                                    + "not registered: \(listed(notRegistered)) (see \(failureLog.path))")
        }
        if models.count > 1 {
            log("warning: COLMAP made \(models.count) disconnected models (\(models.map { "\($0.registeredCount)" }.joined(separator: ", ")) photos): "
                + "using the largest (\(best.folder.lastPathComponent), \(best.registeredCount) photos)")
        }
        if !notRegistered.isEmpty { log("warning: \(notRegistered.count) of \(n) photos not registered: \(listed(notRegistered))") }

        let sparse = staged.temporary.appendingPathComponent("sparse/0")
        try FileManager.default.createDirectory(at: sparse, withIntermediateDirectories: true)
        try step(4, "bundle_adjuster", "refining the model of \(best.registeredCount) photos with the principal point free",
                 arguments(step: 4, options: options, images: images, work: work, model: best.folder, output: sparse))
        let final = try COLMAPModelSummary.read(sparse)
        _ = try SceneLoader.load(staged.temporary, options: .init())   // what info/render/eval will read

        try? FileManager.default.removeItem(at: work)   // the database and the raw models
        try? logHandle.synchronize()
        try staged.commit(replacing: options.overwrite)
        committed = true
        unlink(failureLog.path)   // an earlier failed run's log is stale now
        return PoseResult(scene: out, log: out.appendingPathComponent("colmap.log"), photos: photos.photos.map(\.name),
                          registered: final.imageNames, modelSizes: models.map(\.registeredCount), pointCount: final.pointCount,
                          meanReprojectionError: final.meanReprojectionError, cameras: final.cameras, resized: resized,
                          steps: steps, seconds: Date().timeIntervalSince(start))
    }

    /// Runs `colmap command arguments…` with its stdout and stderr appended to the log; throws unless it exits 0.
    static func runColmap(_ colmap: URL, command: String, arguments: [String], logHandle: FileHandle, logURL: URL,
                          shownLog: URL) throws {
        let header = "\n==== viewsynth pose: colmap \(command) \(arguments.joined(separator: " "))\n"
        try? logHandle.write(contentsOf: Data(header.utf8))
        let startOffset = (try? logHandle.offset()) ?? 0
        let process = Process()
        process.executableURL = colmap
        process.arguments = [command] + arguments
        var env = ProcessInfo.processInfo.environment
        if env["QT_QPA_PLATFORM"] == nil { env["QT_QPA_PLATFORM"] = "offscreen" }   // never look for a display
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        do {
            try process.run()
        } catch {
            throw ViewSynthError("colmap \(command)", expected: "COLMAP to start (\(colmap.path))", found: "\(error.localizedDescription.prefix(120))")
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit ? "exit status \(process.terminationStatus)" : "signal \(process.terminationStatus)"
            throw ViewSynthError("colmap \(command)", expected: "the step to succeed (exit status 0)",
                                 found: "\(how) (see \(shownLog.path): \(diagnosis(logURL, from: startOffset).prefix(120)))")
        }
    }

    /// The most telling line COLMAP wrote after `offset` in its log: the last "ERROR"/glog fatal/"Check failed"
    /// line, else the last non-empty line; one line.
    static func diagnosis(_ log: URL, from offset: UInt64) -> String {
        guard let data = try? InputFile.read(log, expected: "a log") else { return "no output" }
        let tail = data.count > Int(offset) ? data.suffix(from: Int(offset)).suffix(65_536) : Data()
        let lines = String(decoding: tail, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let isError = { (l: String) in
            l.hasPrefix("ERROR") || l.contains("Check failed") || (l.first == "F" && l.dropFirst().prefix(4).allSatisfy(\.isNumber))
        }
        guard let line = lines.last(where: isError) ?? lines.last else { return "no output" }
        return ViewSynthError.oneLine(line)
    }

    /// Up to 8 names, then "and N more".
    static func listed(_ names: [String]) -> String {
        let shown = names.prefix(8).map { String($0.prefix(60)) }.joined(separator: ", ")
        return names.count > 8 ? "\(shown) and \(names.count - 8) more" : shown
    }
}
