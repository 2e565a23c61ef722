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

    @Option(help: "sweep: depth planes.") var planes: Int = PlaneSweepConfig().planes
    @Option(name: .customLong("ref-views"), help: "sweep: reference views per target.") var views: Int = PlaneSweepConfig().views
    @Option(help: "sweep: cost aggregation window (odd).") var window: Int = PlaneSweepConfig().window

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, found \(threads)") }
        guard chunk >= 16 else { throw ValidationError("--chunk must be at least 16 rays, found \(chunk)") }
        guard planes >= 2 else { throw ValidationError("--planes must be at least 2, found \(planes)") }
        guard views >= 1 else { throw ValidationError("--ref-views must be at least 1, found \(views)") }
        guard window >= 1, window % 2 == 1 else { throw ValidationError("--window must be odd and positive, found \(window)") }
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
            var c = PlaneSweepConfig()
            c.planes = planes; c.views = views; c.window = window
            return PlaneSweep(config: c)
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

func printErr(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}
