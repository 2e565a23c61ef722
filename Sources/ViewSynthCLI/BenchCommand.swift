// `viewsynth bench …`: commands that print performance figures (they are not tests and assert nothing).
// `bench` is a command group; each method or component adds its own subcommand here
// (sweep now; engine and synth to come).

import ArgumentParser
import Foundation
import ViewSynth

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Print performance figures (rays/s, peak memory) of a method or component.",
        subcommands: [BenchSweepCommand.self, BenchSynthCommand.self, BenchModelCommand.self, BenchEngineCommand.self,
                      BenchRenderCommand.self])
}

/// The scene a benchmark uses when none is given: the dev scene dtu_scan37 beside the package, else the first
/// bundled scene under Scenes/.
func defaultBenchScene() -> String? {
    let fm = FileManager.default
    let dev = "../shared/scenes/dev/dtu_scan37"
    if fm.fileExists(atPath: dev) { return dev }
    if let bundled = try? fm.contentsOfDirectory(atPath: "Scenes").sorted().first(where: { !$0.hasPrefix(".") }) {
        return "Scenes/" + bundled
    }
    return nil
}

struct BenchSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Rays/s and peak memory of the plane-sweep renderer on 1 and 2 threads.",
        discussion: """
        Renders the first N held-out views of a scene once per thread count, each in a fresh child process, and \
        prints rays/s (time in the tiled renderer; reference loading is reported apart) and the child's peak \
        resident memory (ru_maxrss). Also checks that every thread count rendered the same bytes.
        Example: viewsynth bench sweep --scene ../shared/scenes/dev/dtu_scan37 --views 2 --json
        """)

    @Option(help: ArgumentHelp("Scene folder (default: ../shared/scenes/dev/dtu_scan37, else the first scene under Scenes/).", valueName: "dir"))
    var scene: String?
    @Option(help: "Held-out views to render per configuration.") var views: Int = 2
    @Option(parsing: .upToNextOption, help: "Thread counts to compare.") var threads: [Int] = [1, 2]
    @Option(help: "Rays per tile.") var chunk: Int = 4096
    @Option(help: "sweep: depth planes.") var planes: Int = PlaneSweepConfig().planes
    @Option(name: .customLong("ref-views"), help: "sweep: reference views per target.") var refViews: Int = PlaneSweepConfig().views
    @Option(help: "sweep: cost aggregation window (odd).") var window: Int = PlaneSweepConfig().window
    @Flag(help: "Print JSON instead of text.") var json = false
    /// Internal: run one configuration in this process and print its figures as JSON.
    @Option(help: .hidden) var childThreads: Int?

    func validate() throws {
        guard views >= 1 else { throw ValidationError("--views must be at least 1, found \(views)") }
        guard !threads.isEmpty, threads.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--threads must be positive, found \(threads)") }
        guard chunk >= 16 else { throw ValidationError("--chunk must be at least 16 rays, found \(chunk)") }
        guard planes >= 2 else { throw ValidationError("--planes must be at least 2, found \(planes)") }
        guard refViews >= 1 else { throw ValidationError("--ref-views must be at least 1, found \(refViews)") }
        guard window >= 1, window % 2 == 1 else { throw ValidationError("--window must be odd and positive, found \(window)") }
    }

    var method: PlaneSweep {
        var c = PlaneSweepConfig()
        c.planes = planes; c.views = refViews; c.window = window
        return PlaneSweep(config: c)
    }

    func run() throws {
        guard let scenePath = scene ?? defaultBenchScene() else {
            throw ViewSynthError("../shared/scenes/dev/dtu_scan37", expected: "a scene to benchmark (or --scene DIR)",
                                 found: "no such folder and no scene under Scenes/")
        }
        if let t = childThreads {
            let loaded = try SceneLoader.load(URL(fileURLWithPath: scenePath))
            let result = try RenderBenchmark.run(method: method, scene: loaded, count: views,
                                                 options: RenderOptions(chunkRays: chunk, threads: t))
            print(String(decoding: try JSONCoding.encode(result), as: UTF8.self), terminator: "")
            return
        }
        let loaded = try SceneLoader.load(URL(fileURLWithPath: scenePath))   // fail early, and for the header
        var load = [Double](repeating: 0, count: 3)
        let loadAverage = getloadavg(&load, 3) == 3 ? load[0] : nil
        var runs: [RenderBenchmarkRun] = []
        for t in threads {
            var args = ["bench", "sweep", "--scene", scenePath, "--views", "\(views)", "--chunk", "\(chunk)",
                        "--planes", "\(planes)", "--ref-views", "\(refViews)", "--window", "\(window)",
                        "--child-threads", "\(t)"]
            if json { args.append("--json") }
            let child = try MeasuredChild.run(args)
            guard child.status == 0, var run = try? JSONDecoder().decode(RenderBenchmarkRun.self, from: child.stdout) else {
                throw ViewSynthError(scenePath, expected: "the benchmark child (\(t) threads) to succeed",
                                     found: "exit status \(child.status)")
            }
            run.peakRSSBytes = child.peakRSSBytes
            run.cpuSeconds = child.cpuSeconds
            runs.append(run)
            if !json { printErr(String(format: "%d thread%@: %.0f rays/s", t, t == 1 ? "" : "s", run.raysPerSecond)) }
        }
        let report = BenchReport(benchmark: "sweep", scene: loaded.name, scenePath: scenePath,
                                 settings: method.settings, views: views, runs: runs,
                                 sameBytes: Set(runs.map(\.outputHash)).count == 1,
                                 cores: ProcessInfo.processInfo.activeProcessorCount, loadAverage: loadAverage)
        if json {
            print(String(decoding: try JSONCoding.encode(report), as: UTF8.self), terminator: "")
        } else {
            print(report.text)
        }
    }
}

/// What `bench` prints: one run per configuration plus context.
struct BenchReport: Codable {
    var benchmark: String
    var scene: String
    var scenePath: String
    var settings: [String: String]
    var views: Int
    var runs: [RenderBenchmarkRun]
    /// Whether every configuration rendered identical bytes.
    var sameBytes: Bool
    var cores: Int
    /// 1-minute load average when the benchmark started: other work on the machine skews the figures.
    var loadAverage: Double?

    var text: String {
        let first = runs.first
        let settingsText = settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var s = "bench \(benchmark): \(scene) (\(scenePath)), \(first?.views.count ?? views) held-out views of "
        s += "\(first?.width ?? 0)×\(first?.height ?? 0), \(cores) cores"
        if let l = loadAverage { s += String(format: ", load average %.1f at start", l) }
        s += "\n"
        s += "settings: \(settingsText)\n"
        s += "threads  chunk   render s   rays/s     prepare s  cpu s     peak RSS\n"
        for r in runs {
            let mib = Double(r.peakRSSBytes ?? 0) / 1_048_576
            s += String(format: "%-8d %-7d %-10.2f %-10.0f %-10.2f %-9.2f %.0f MiB\n",
                        r.threads, r.chunkRays, r.renderSeconds, r.raysPerSecond, r.prepareSeconds, r.cpuSeconds ?? 0, mib)
        }
        if let one = runs.first(where: { $0.threads == 1 }), let two = runs.first(where: { $0.threads == 2 }) {
            s += String(format: "speed-up 2 vs 1 threads: %.2f×\n", two.raysPerSecond / one.raysPerSecond)
        }
        s += "same bytes for every thread count: \(sameBytes ? "yes" : "NO")"
        return s
    }
}

struct BenchSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Seconds per 400×300 view of the procedural-scene ray tracer (4 samples per pixel) on 1 and 2 threads.",
        discussion: "Example: viewsynth bench synth --views 5")

    @Option(help: "Views to time (the median is printed).") var views: Int = 3
    @Option(help: "Samples per pixel.") var spp: Int = 4

    func validate() throws {
        guard views >= 1 else { throw ValidationError("--views must be at least 1, found \(views)") }
        guard spp >= 1 else { throw ValidationError("--spp must be at least 1, found \(spp)") }
    }

    func run() throws {
        print(SyntheticBenchmark.report(samplesPerPixel: spp, views: views))
    }
}

struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Raw sgemm GFLOP/s at our shapes, and a transformer layer's forward and forward+backward GFLOP/s as a fraction of it.",
        discussion: "Prints the OpenBLAS core that ran. Example: viewsynth bench engine --json")
    @Flag(help: "Print JSON instead of text.") var json = false
    func run() throws {
        if !json { print(BLASSetup.diagnostics) }
        let report = EngineBenchmark.run()
        print(json ? report.json : report.text)
    }
}

/// `viewsynth bench render`: what a user waits for — one novel view of W×H rendered end to end (reference
/// selection and loading, the sweep's cost volume for guided models, patches, the model), for a model and
/// for the sweep on the same camera.
struct BenchRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Seconds to render one W×H view end to end with a model (default: the shipped GPNR) and with the sweep.",
        discussion: """
        The camera is the scene's first held-out view with its intrinsics scaled to --size (so every machine \
        times the same work). Prints seconds, rays/s and peak memory for each method.
        Example: viewsynth bench render --method gpnr --config guided --size 504x378
        """)

    @Option(help: ArgumentHelp("Scene folder (default: ../shared/scenes/dev/dtu_scan37, else the first scene under Scenes/).", valueName: "dir"))
    var scene: String?
    @Option(help: "Model: gpnr or lfnr.") var method: ModelKind = .gpnr
    @OptionGroup var model: ModelOptions
    @Option(help: ArgumentHelp("View size.", valueName: "WxH")) var size: String = "504x378"
    @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Skip the sweep.") var noSweep = false

    func validate() throws {
        guard threads >= 1 && threads <= 1024 else { throw ValidationError("--threads must be within 1…1024, found \(threads)") }
        do { _ = try SyntheticSceneGenerator.parseSize(size) } catch let e as ViewSynthError { throw ValidationError(e.description) }
    }

    func run() throws {
        guard let scenePath = scene ?? defaultBenchScene() else {
            throw ViewSynthError("../shared/scenes/dev/dtu_scan37", expected: "a scene to benchmark (or --scene DIR)",
                                 found: "no such folder and no scene under Scenes/")
        }
        let wh = try SyntheticSceneGenerator.parseSize(size)
        let loaded = try SceneLoader.load(URL(fileURLWithPath: scenePath))
        guard let view = loaded.testIndices.first ?? loaded.views.indices.first else {
            throw ViewSynthError(loaded.root, expected: "a scene with views", found: "none")
        }
        var camera = loaded.views[view].camera
        let sx = Double(wh.width) / Double(camera.intrinsics.width), sy = Double(wh.height) / Double(camera.intrinsics.height)
        camera.intrinsics.fx *= sx; camera.intrinsics.cx *= sx; camera.intrinsics.fy *= sy; camera.intrinsics.cy *= sy
        camera.intrinsics.width = wh.width; camera.intrinsics.height = wh.height
        Threading.configure(workers: threads)
        print("render benchmark: \(loaded.name) view \(loaded.views[view].name) scaled to \(wh.width)×\(wh.height), \(threads) threads, BLAS core \(BLASSetup.coreName)")
        func time<M: RenderMethod>(_ m: M, label: String) throws {
            let refs = ReferenceImages(scene: loaded)
            let t0 = Date()
            let ctx = try m.prepare(target: camera, excludingView: view, references: refs)
            let out = TiledRenderer.render(method: m, target: camera, context: ctx, options: RenderOptions(threads: threads))
            let s = Date().timeIntervalSince(t0)
            precondition(out.rgb.width == wh.width)
            print(String(format: "%@: %.1f s for the view, %.0f rays/s end to end, peak memory %.0f MB", label, s,
                         Double(wh.width * wh.height) / s, ModelBenchmark.peakRSSMB()))
        }
        let m = try model.makeMethod(kind: method)
        try time(m, label: "\(method.rawValue) (config \(m.model.config.name), weights \(m.weightsID.prefix(16)))")
        if !noSweep { try time(PlaneSweep(), label: "sweep") }
    }
}
