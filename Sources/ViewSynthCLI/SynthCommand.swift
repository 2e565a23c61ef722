import ArgumentParser
import Foundation
import ViewSynth

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Render a seeded procedural scene: images, cameras, near/far and exact depth.",
        discussion: """
        The scene depends only on --seed and --layout; the bytes do not depend on the thread count.
        Depth is z-depth along the camera axis: depth/<view>.png holds round(depth × scale), with the scale
        in depth/depth.json (0 = no surface). Every 8th view from 0 is held out for testing.
        Example: viewsynth synth --seed 1 --layout forward --views 20 --size 320x240 --format llff --out Scenes/demo-forward
        """)

    @Option(help: "Scene seed.") var seed: UInt64 = 1
    @Option(help: "forward (LLFF-like camera grid facing the scene) or object (cameras around it).")
    var layout: SyntheticLayout = .forward
    @Option(help: "Number of views (default: 20 forward, 40 object).") var views: Int?
    @Option(help: ArgumentHelp("Image size (default: 320x240 forward, 200x200 object).", valueName: "WxH")) var size: String?
    @Option(help: "Scene format: llff, blender, instant-ngp or colmap.") var format: SceneFormat = .llff
    @Option(help: "Depth files: png16 or npy.") var depth: SyntheticDepthFormat = .png16
    @Option(help: "Anti-aliasing samples per pixel.") var spp: Int = 4
    @Flag(help: "No shadows.") var noShadows = false
    @Option(help: "Render threads (default: all cores).") var threads: Int?
    @Option(help: ArgumentHelp("Output folder (must not exist or be empty).", valueName: "dir")) var out: String

    func validate() throws {
        guard format != .synthetic else { throw ValidationError("--format: expected llff, blender, instant-ngp or colmap, found synthetic") }
        if let size { _ = try SyntheticSceneGenerator.parseSize(size) }
        _ = try checkOption("--spp", spp, 1...1_024)
        if let threads { _ = try checkOption("--threads", threads, 1...InputLimits.maxThreads) }
    }

    func run() throws {
        let wh = try size.map(SyntheticSceneGenerator.parseSize)
        let gen = SyntheticSceneGenerator(seed: seed, layout: layout, views: views, width: wh?.width, height: wh?.height,
                                          samplesPerPixel: spp, shadows: !noShadows, threads: threads)
        try gen.validate()
        let start = Date()
        try gen.write(to: URL(fileURLWithPath: out), format: format, depthFormat: depth)
        print(String(format: "wrote %@: %d views %d×%d (%@, %@ depth) in %.1f s", out, gen.views, gen.width, gen.height,
                     format.rawValue, depth.rawValue, Date().timeIntervalSince(start)))
    }
}

extension SyntheticLayout: ExpressibleByArgument {}
extension SyntheticDepthFormat: ExpressibleByArgument {}
