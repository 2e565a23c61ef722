import ArgumentParser
import Foundation
import ViewSynth

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render novel views of a scene into Renders/<scene>/<method>/.",
        discussion: """
        --views picks the cameras: test (held-out views, default), all (every view, each rendered from the \
        others), spiral (LLFF-style spiral; an orbit for object-centric scenes), interpolate (between training \
        views), or a nerfstudio camera_path.json file. A rerun skips views already rendered with identical \
        settings (and unchanged cameras and files), so an interrupted or killed run resumes when the same command \
        is run again; --force re-renders. The progress bar (stderr) shows only on a terminal; --quiet hides it.
        A nerfstudio camera path is in nerfstudio's frame: the inverse of its dataparser_transforms.json \
        (--dataparser-transforms, or the file of that name beside the path) maps it back to the scene's frame.
        --video encodes the frames (and with --depth the depth previews) into H.264 MP4s with ffmpeg.
        --shard K/N (or a Slurm array / Kubernetes Indexed Job, see --shard) renders only that shard's views into \
        the shared --out folder; the bytes of each view are those of an unsharded run.
        Example: viewsynth render Scenes/demo-forward --views spiral --frames 30 --depth --video
        """)

    @OptionGroup var sceneOptions: SceneOptions
    @OptionGroup var rendering: RenderingOptions

    @Option(help: ArgumentHelp("Cameras: test, all, spiral, interpolate, or a camera_path.json file.", valueName: "views"))
    var views: String = "test"

    @Option(help: "Frames for spiral/interpolate paths.") var frames: Int = 60
    @Flag(help: "Also write depth maps (16-bit PNG + colour preview) under depth/.") var depth = false

    @Option(help: ArgumentHelp("nerfstudio's dataparser_transforms.json whose inverse maps a camera_path.json to the scene's frame "
                               + "(default: the file of that name beside the path, if any).", valueName: "file"))
    var dataparserTransforms: String?

    @OptionGroup var videoOptions: VideoOptions
    @OptionGroup var sharding: ShardOptions

    static let pathKeywords: Set<String> = ["test", "all", "spiral", "interpolate"]

    func validate() throws {
        _ = try checkOption("--frames", frames, 1...InputLimits.maxFrames)
        if videoOptions.video != nil, let shard = try? sharding.resolve(), !shard.isWhole {
            throw ViewSynthError("--video", expected: "an unsharded render (a video needs every frame)",
                                 found: "shard \(shard) (\(shard.source))")
        }
        if let dataparserTransforms {
            guard !Self.pathKeywords.contains(views) else {
                throw ViewSynthError("--dataparser-transforms", expected: "--views with a camera_path.json file", found: "--views \(views)")
            }
            guard !dataparserTransforms.isEmpty else {
                throw ViewSynthError("--dataparser-transforms", expected: "a file path", found: "an empty path")
            }
        }
    }

    func run() throws {
        let scene = try sceneOptions.load()
        let targets: [TargetView]
        /// Paths built from the training views need enough of them (else NaN cameras, or nothing to render).
        func requireTrainingViews(_ n: Int) throws {
            guard scene.trainIndices.count >= n else {
                throw ViewSynthError(scene.root, expected: "at least \(n) training views for --views \(views)",
                                     found: "\(scene.trainIndices.count)")
            }
        }
        switch views {
        case "test": targets = CameraPath.testViews(scene)
        case "all": targets = CameraPath.allViews(scene)
        case "spiral":
            try requireTrainingViews(1)
            targets = CameraPath.isObjectCentric(scene) ? CameraPath.orbit(scene, frames: frames) : CameraPath.spiral(scene, frames: frames)
        case "interpolate":
            try requireTrainingViews(2)
            targets = CameraPath.interpolate(scene, frames: frames)
        default:
            // A missing file is bad input (one line naming it), not a usage error.
            guard FileManager.default.fileExists(atPath: views) else {
                throw ViewSynthError(views, expected: "--views test, all, spiral, interpolate or a camera_path.json file",
                                     found: "no such file")
            }
            let pathFile = URL(fileURLWithPath: views)
            let transformFile = DataparserTransform.file(forPath: pathFile, explicit: dataparserTransforms.map { URL(fileURLWithPath: $0) })
            if let transformFile { printErr("camera path: applying the inverse of \(transformFile.path)") }
            targets = try CameraPath.nerfstudio(pathFile, dataparserTransforms: transformFile)
        }
        guard !targets.isEmpty else {
            throw ViewSynthError(scene.root, expected: "cameras to render for --views \(views)", found: "none (an empty \(views) split)")
        }
        let refs = ReferenceImages(scene: scene)
        let shard = try sharding.resolve(quietly: false)
        let mine = shard.select(targets, key: \.name)
        if !shard.isWhole {
            try RenderJob.checkTargets(targets, references: refs)   // what the whole run would refuse
            printErr("shard \(shard) (\(shard.source)): \(mine.count) of \(targets.count) views" + (mine.isEmpty ? " (an empty shard: nothing to do)" : ""))
        }
        let method = try rendering.makeMethod()
        let options = rendering.jobOptions(scene: scene, wantDepth: depth)
        let video = videoOptions.url(outDir: options.outDir)
        if let video {   // before rendering: problems the user can fix now
            try VideoWriter.checkOneSize(targets, video: video)
            try OutputFolder.prepare(video.deletingLastPathComponent())
            if VideoWriter.findExecutable("ffmpeg") == nil {
                printErr("warning: ffmpeg is not on PATH (Debian/Ubuntu: apt-get install \(VideoWriter.package)): the frames will be written, the video will not")
            }
        }
        let records = try RenderJob.run(method: method, targets: mine, references: refs, options: options, log: printErr)
        printErr("wrote \(records.count) views to \(options.outDir.path)")
        if let video {
            let fps = videoOptions.frameRate
            for r in try VideoWriter.writeVideos(records: records, outDir: options.outDir, video: video, fps: fps, depth: depth) {
                printErr("wrote \(r.url.path) (\(r.frames) frames, \(r.width)×\(r.height), \(fps) fps)")
            }
        }
    }
}

/// `render --video [FILE.mp4] [--fps N]`: encode the rendered frames (and with --depth the depth previews)
/// into H.264 MP4s with ffmpeg (VideoWriter).
///
/// ArgumentParser has no option with an optional value, so `main` rewrites a bare `--video` (one not followed
/// by a name ending in .mp4) into `--video=@default` before parsing (ArgumentParser reads `--video=` as no
/// value); that value means the default file, <out>/video.mp4.
struct VideoOptions: ParsableArguments {
    static let defaultName = "video.mp4"
    static let defaultFPS = 30
    /// The value a bare `--video` gets.
    static let defaultMarker = "@default"

    @Option(help: ArgumentHelp("Also encode the frames into an H.264 MP4 with ffmpeg (the PNGs stay). The file name may be "
                               + "left out: --video alone writes <out>/\(VideoOptions.defaultName). With --depth also "
                               + "<file>-depth.mp4. ffmpeg's messages go to <file>.ffmpeg.log.", valueName: "file.mp4"))
    var video: String?

    @Option(help: ArgumentHelp("Video frame rate, \(VideoWriter.fpsRange.lowerBound)…\(VideoWriter.fpsRange.upperBound) (default \(VideoOptions.defaultFPS)).",
                               valueName: "n"))
    var fps: Int?

    func validate() throws {
        if let fps {
            _ = try checkOption("--fps", fps, VideoWriter.fpsRange)
            guard video != nil else { throw ViewSynthError("--fps", expected: "--video with --fps", found: "--fps \(fps) without --video") }
        }
        if let video, video != Self.defaultMarker {
            guard video.lowercased().hasSuffix(".mp4"), video.count > 4, !video.hasSuffix("/.mp4") else {
                throw ViewSynthError("--video", expected: "a file name ending in .mp4", found: "\(video.prefix(120))")
            }
        }
    }

    /// The video to write (nil without --video): the named file, or video.mp4 in the render's output folder.
    func url(outDir: URL) -> URL? {
        guard let video else { return nil }
        return video == Self.defaultMarker ? outDir.appendingPathComponent(Self.defaultName) : URL(fileURLWithPath: video)
    }

    var frameRate: Int { fps ?? Self.defaultFPS }

    /// `arguments` (a `render` command line) with each bare `--video` written `--video=@default`, so that the file name
    /// is optional. `--video X.mp4` keeps X.mp4 as its value; nothing after `--` is touched.
    static func attachingDefaultValue(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { return out + arguments[i...] }
            if a == "--video" {
                let next = i + 1 < arguments.count ? arguments[i + 1] : nil
                if let next, !next.hasPrefix("-"), next.lowercased().hasSuffix(".mp4") {
                    out += [a, next]
                    i += 2
                    continue
                }
                out.append("--video=" + defaultMarker)
            } else {
                out.append(a)
            }
            i += 1
        }
        return out
    }
}
