import ArgumentParser
import Foundation
import ViewSynth

struct PoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pose",
        abstract: "Pose a folder of photos with COLMAP (structure from motion) into a scene info/render/eval read.",
        discussion: """
        Runs the colmap program (Debian/Ubuntu: apt-get install colmap; CPU only, no display needed) in four \
        steps, each with a progress line; everything COLMAP prints goes to <scene>/colmap.log:
          1. feature_extractor: SIFT keypoints of every photo (one shared camera unless --camera-per-image).
          2. exhaustive_matcher (every pair; unordered photos) or sequential_matcher (neighbours in name order; \
        video frames, many photos). No vocabulary-tree loop detection (it would need a download).
          3. mapper: incremental reconstruction of poses, intrinsics and 3D points. If the photos fall into \
        disconnected groups the largest model is kept (a warning names the others).
          4. bundle_adjuster: refines that model once more with the principal point free.
        Writes <scene>/images/ (the photos; downscaled copies with --max-size, so the intrinsics describe the \
        images the scene holds), <scene>/sparse/0/ (cameras, images, points3D .bin) and colmap.log, then prints \
        how many photos registered and the mean reprojection error (the mean of the points3D error fields).
        Typical times on 2 cores: 20 photos of 320×240 take 13–35 s, 29 photos of 476×268 49 s (7 s features, \
        33 s matching, 6 s mapping, 2 s bundle adjustment). Exhaustive matching grows with the square of the photo \
        count: for full-size phone photos use --max-size 1000 or so, for hundreds of video frames --matcher sequential.
        The scene is built in a temporary folder beside --out and renamed into place only when every step \
        succeeded: an existing non-empty --out is refused unless --overwrite, and replaced only after success. A \
        failed run leaves its log at <scene>.colmap.log. Fails with one line when colmap is missing, there are \
        fewer than 3 photos, a photo does not decode, or fewer than half of the photos register (naming them).
        Example: viewsynth pose photos/ --out Scenes/mine --max-size 640 && viewsynth eval Scenes/mine --method sweep
        """)

    @Argument(help: ArgumentHelp("Folder of photos (.png, .jpg, .jpeg files directly in it, one scene).", valueName: "photos-dir"))
    var photos: String

    @Option(help: ArgumentHelp("Scene folder to write (must be new or empty unless --overwrite).", valueName: "scene-dir"))
    var out: String

    @Option(help: "exhaustive (every pair of photos) or sequential (each photo with its neighbours in name order).")
    var matcher: PoseOptions.Matcher = .exhaustive

    @Option(help: ArgumentHelp("Downscale photos whose longer side exceeds PX pixels (\(PhotoFolder.maxSizeRange.lowerBound)…\(PhotoFolder.maxSizeRange.upperBound)); "
                               + "default: keep their size.", valueName: "px"))
    var maxSize: Int?

    @Option(help: ArgumentHelp("COLMAP camera model: SIMPLE_PINHOLE, PINHOLE, SIMPLE_RADIAL (one focal, one radial term), "
                               + "RADIAL or OPENCV (fx, fy, k1, k2, p1, p2; needs many photos).", valueName: "model"))
    var cameraModel: PoseOptions.CameraModel = .simpleRadial

    @Flag(help: "Give every photo its own intrinsics (photos from several cameras or zoom settings).")
    var cameraPerImage = false

    @Option(help: "COLMAP threads (feature extraction, matching, mapping; default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Replace an existing scene folder at --out, only once the new one is complete.")
    var overwrite = false

    var options: PoseOptions {
        var o = PoseOptions()
        o.matcher = matcher
        o.maxSize = maxSize
        o.cameraModel = cameraModel
        o.sharedCamera = !cameraPerImage
        o.threads = threads
        o.overwrite = overwrite
        return o
    }

    func validate() throws {
        guard !out.isEmpty else { throw ViewSynthError("--out", expected: "a scene folder path", found: "an empty path") }
        if let maxSize { _ = try checkOption("--max-size", maxSize, PhotoFolder.maxSizeRange) }
        _ = try checkOption("--threads", threads, 1...InputLimits.maxThreads)
    }

    func run() throws {
        let r = try ColmapPoser.run(photos: URL(fileURLWithPath: photos), out: URL(fileURLWithPath: out), options: options,
                                    log: printErr)
        let error = r.meanReprojectionError.map { String(format: "%.3f px", $0) } ?? "unknown"
        let camera = r.cameras.count == 1 ? r.cameras[0].summary : "\(r.cameras.count) cameras"
        print(String(format: "%@: registered %d of %d photos, mean reprojection error %@ over %d points, %@, in %.1f s",
                     out, r.registered.count, r.photos.count, error, r.pointCount, camera, r.seconds))
        printErr("log: \(r.log.path)")
    }
}

extension PoseOptions.Matcher: ExpressibleByArgument {}
extension PoseOptions.CameraModel: ExpressibleByArgument {}

extension COLMAPModelSummary.Camera {
    /// "SIMPLE_RADIAL 504×378 f 410.2 c (252.1, 189.0) k1 -0.012".
    var summary: String {
        let p = params.map { String(format: "%.4g", $0) }
        let names: [String] = switch model {
        case "SIMPLE_PINHOLE": ["f", "cx", "cy"]
        case "PINHOLE": ["fx", "fy", "cx", "cy"]
        case "SIMPLE_RADIAL": ["f", "cx", "cy", "k1"]
        case "RADIAL": ["f", "cx", "cy", "k1", "k2"]
        case "OPENCV": ["fx", "fy", "cx", "cy", "k1", "k2", "p1", "p2"]
        default: []
        }
        let parts = names.count == p.count ? zip(names, p).map { "\($0) \($1)" } : p
        return "\(model) \(width)×\(height) " + parts.joined(separator: " ")
    }
}
