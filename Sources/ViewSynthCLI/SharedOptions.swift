import ArgumentParser
import Foundation
import ViewSynth

/// How to read a scene folder; shared by every command that takes a scene.
struct SceneOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Scene folder (LLFF, Blender/NeRF, instant-ngp/nerfstudio or COLMAP).", valueName: "scene"))
    var scene: String

    @Option(help: ArgumentHelp("Force the scene format instead of detecting it: llff, blender, instant-ngp, colmap."))
    var format: SceneFormat?

    @Option(help: ArgumentHelp("LLFF: image folder to use, e.g. images_4 (default: the one present, the smallest if several)."))
    var images: String?

    @Option(help: ArgumentHelp("Colour under transparent pixels: white or black.", valueName: "white|black"))
    var background: BackgroundColor = .white

    var url: URL { URL(fileURLWithPath: scene) }

    func load() throws -> Scene {
        // A bad path is bad input, not a usage error: one line naming it (no usage text).
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: scene, isDirectory: &isDir), isDir.boolValue else {
            throw ViewSynthError(scene, expected: "a scene folder", found: FileManager.default.fileExists(atPath: scene) ? "a file" : "nothing")
        }
        var options = SceneLoader.Options()
        options.format = format
        options.imagesFolder = images
        options.background = background.rgb
        return try SceneLoader.load(url, options: options)
    }
}

enum BackgroundColor: String, ExpressibleByArgument, CaseIterable {
    case white, black
    var rgb: SIMD3<Float> { self == .white ? SIMD3(1, 1, 1) : SIMD3(0, 0, 0) }
}

extension SceneFormat: ExpressibleByArgument {}

/// Rendering knobs shared by `render` and `eval`.
struct RenderingOptions: ParsableArguments {
    @Option(help: "Rendering method: sweep (classical plane sweep, no learning), gpnr (generalisable patch-based transformer), lfnr (light-field transformer, per scene).")
    var method: MethodName = .sweep

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("Output folder (default: Renders/<scene>/<method>).", valueName: "dir"))
    var out: String?

    @Option(help: "Worker threads (default: all cores). Output bytes do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Rays per tile; bounds memory whatever the image size.")
    var chunk: Int = 4096

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(help: "Re-render views even when an identical result exists.")
    var force = false

    @Option(help: "sweep: depth planes (default \(PlaneSweepConfig().planes)).") var planes: Int?
    @Option(name: .customLong("ref-views"), help: "sweep: reference views per target (default \(PlaneSweepConfig().views)).")
    var refViews: Int?
    @Option(help: "sweep: cost aggregation window, odd (default \(PlaneSweepConfig().window)).") var window: Int?
    @Option(help: ArgumentHelp("sweep: JSON object overriding any PlaneSweepConfig field, e.g. '{\"cost\":\"variance\"}'.",
                               valueName: "json"))
    var sweepConfig: String?

    /// The sweep settings: defaults, then --sweep-config, then --planes/--ref-views/--window. Each option is
    /// range-checked by name (InputLimits); the merged settings' problems are blamed on --sweep-config.
    func sweepSettings() throws -> PlaneSweepConfig {
        var c = PlaneSweepConfig()
        if let json = sweepConfig { c = try PlaneSweepConfig.parse(json: Data(json.utf8), source: "--sweep-config") }
        if let planes { c.planes = try checkOption("--planes", planes, 2...InputLimits.maxPlanes) }
        if let refViews { c.views = try checkOption("--ref-views", refViews, 1...InputLimits.maxReferenceViews) }
        if let window {
            c.window = try checkOption("--window", window, 1...InputLimits.maxWindow)
            guard window % 2 == 1 else { throw ViewSynthError("--window", expected: "an odd value", found: "\(window)") }
        }
        if let problem = c.problem { throw ViewSynthError(sweepConfig != nil ? "--sweep-config" : "sweep settings", expected: "usable settings", found: problem) }
        return c
    }

    func validate() throws {
        _ = try checkOption("--threads", threads, 1...InputLimits.maxThreads)
        _ = try checkOption("--chunk", chunk, 16...InputLimits.maxChunkRays)
        if let out, out.isEmpty { throw ViewSynthError("--out", expected: "an output folder path", found: "an empty path") }
        _ = try sweepSettings()
    }

    func outDir(scene: Scene) -> URL {
        if let out { return URL(fileURLWithPath: out) }
        return URL(fileURLWithPath: "Renders").appendingPathComponent(scene.name).appendingPathComponent(method.rawValue)
    }

    func makeMethod() throws -> any RenderMethod {
        switch method {
        case .gpnr: return try model.makeMethod(kind: .gpnr)
        case .lfnr: return try model.makeMethod(kind: .lfnr)
        case .sweep:
            return PlaneSweep(config: try sweepSettings())
        }
    }

    func jobOptions(scene: Scene, wantDepth: Bool) -> RenderJobOptions {
        RenderJobOptions(outDir: outDir(scene: scene),
                         render: RenderOptions(chunkRays: chunk, threads: threads, wantDepth: wantDepth),
                         quiet: quiet, force: force)
    }
}

enum MethodName: String, ExpressibleByArgument, CaseIterable {
    case sweep, gpnr, lfnr
}

/// `value` if it lies in `range`, else a one-line error naming the option (no usage text: the option was
/// understood, its value is out of range).
func checkOption(_ option: String, _ value: Int, _ range: ClosedRange<Int>) throws -> Int {
    guard range.contains(value) else {
        throw ViewSynthError(option, expected: "a value in \(range.lowerBound)…\(range.upperBound)", found: "\(value)")
    }
    return value
}

func printErr(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

/// `--shard K/N` and `--shards N` of `render` and `eval` (Sharding.swift has the rules and the environment).
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Do only shard K of N: the views whose position in name order is K modulo N (0 ≤ K < N ≤ \(ShardSpec.maxCount)). "
                               + "Shards share one --out folder; run `viewsynth merge <out>` after the last eval shard. Without it the shard "
                               + "comes from a Slurm job array (SLURM_ARRAY_TASK_ID/_MIN/_STEP/_COUNT) or a Kubernetes Indexed Job "
                               + "(JOB_COMPLETION_INDEX with --shards N); when given, it wins over those variables. N may exceed the "
                               + "number of views (the extra shards are empty and succeed).", valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("The shard count N for a Kubernetes Indexed Job (its completions), whose JOB_COMPLETION_INDEX is K.",
                               valueName: "N"))
    var shards: Int?

    func validate() throws { _ = try resolve() }

    /// The shard to run (the whole job without options or variables); prints a note when variables are ignored.
    func resolve(quietly: Bool = true) throws -> ShardSpec {
        let r = try Sharding.resolve(shard: shard, shards: shards, environment: ProcessInfo.processInfo.environment)
        if !quietly, let note = r.note { printErr(note) }
        return r.shard
    }
}
