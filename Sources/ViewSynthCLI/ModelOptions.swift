// Options shared by the commands that use a transformer model (`render`/`eval --method gpnr|lfnr`,
// `bench model`), and the `bench model` body. Wiring into RenderingOptions/BenchCommand is left to them:
//   @OptionGroup var model: ModelOptions        then   try model.makeMethod(kind: .gpnr)
import ArgumentParser
import Foundation
import ViewSynth

struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("gpnr/lfnr: configuration of untrained (random) weights, a preset (" + ModelConfig.presetNames.joined(separator: ", ") + ") or a JSON file. Implies --weights random.", valueName: "name|file"))
    var config: String?

    @Option(help: ArgumentHelp("gpnr/lfnr: a safetensors checkpoint (its config is used), 'shipped' (the weights inside the package; gpnr's default) or 'random' (untrained, of --config; lfnr's default, as LFNR is fitted per scene with `viewsynth fit`).", valueName: "file|shipped|random"))
    var weights: String?

    @Option(help: "gpnr/lfnr: seed of random weights.")
    var seed: UInt64 = 1

    @Option(help: "gpnr/lfnr: rays per batch per worker (default: the config's renderBatch).")
    var batch: Int?

    @Option(help: "gpnr/lfnr: image from the predicted colour, or from the attention blend of reference colours.")
    var output: ModelMethod.Output = .color

    func validate() throws {
        if let batch { _ = try checkOption("--batch", batch, 1...65_536) }
        if let weights, !["shipped", "random"].contains(weights) {
            // A regular file (a folder, FIFO or missing file is said as such, one line naming it).
            let fd = try InputFile.open(weights, expected: "--weights: a safetensors checkpoint file, 'shipped' or 'random'")
            close(fd)
        }
        if config != nil, let weights, weights != "random" {
            throw ValidationError("--config chooses the configuration of random weights; a checkpoint carries its own (drop --config, or use --weights random)")
        }
    }

    /// Which weights the options select for `kind` (see --weights).
    func weightsChoice(kind: ModelKind) -> String {
        weights ?? (config != nil || kind == .lfnr ? "random" : "shipped")
    }

    /// The render method for `kind`: a checkpoint (its kind must match), the shipped GPNR weights, or random
    /// weights of --config.
    func makeMethod(kind: ModelKind) throws -> ModelMethod {
        var method: ModelMethod
        switch weightsChoice(kind: kind) {
        case "random":
            method = ModelMethod(config: try ModelConfig.named(config ?? "small"), seed: seed, kind: kind)
            printErr("note: \(kind.rawValue) with random (untrained) weights")
        case "shipped":
            guard kind == .gpnr else {
                throw ValidationError("--weights shipped: only GPNR weights are shipped (LFNR is fitted per scene: viewsynth fit <scene>)")
            }
            method = try ModelMethod.shipped()
        case let file:
            method = try ModelMethod(weights: URL(fileURLWithPath: file), kind: kind)
        }
        if let batch { method = method.withRenderBatch(batch) }
        return method.withOutput(output)
    }

    /// `viewsynth bench model`: prints the report (text, or JSON with `json`).
    func runBenchmark(kind: ModelKind, seconds: Double, trainBatch: Int?, json: Bool) throws {
        let cfg: ModelConfig
        switch weights {
        case nil, "random": cfg = try ModelConfig.named(config ?? "small")
        case "shipped": cfg = try ModelCheckpoint.describe(ShippedWeights.gpnr()).config
        case let file?: cfg = try ModelCheckpoint.describe(URL(fileURLWithPath: file)).config
        }
        var o = ModelBenchmarkOptions()
        o.kind = kind
        o.secondsPerMeasurement = seconds
        o.trainBatch = trainBatch
        o.renderBatch = batch
        let report = ModelBenchmark.run(config: cfg, options: o)
        print(json ? report.json : report.text, terminator: json ? "\n" : "")
    }
}

extension ModelMethod.Output: ExpressibleByArgument {}

/// `viewsynth bench model --config NAME [--kind gpnr|lfnr]`: add `BenchModelCommand.self` to
/// `BenchCommand`'s subcommands to enable it.
struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Rays/s (inference and training step), FLOPs per ray, GFLOP/s vs the sgemm peak, peak memory of a model.",
        discussion: """
        Measures, in one run: OpenBLAS sgemm at a large square and at the model's shapes (the peak), inference as \
        the renderer runs it (one batch per worker), a training step (data-parallel micro-batches) and the model's \
        GEMM FLOPs per ray; prints GFLOP/s as a fraction of the peak, by wall clock and per core-second of CPU time \
        (the latter is robust when other programs share the cores). Inputs are procedural (no data set needed).
        Example: viewsynth bench model --config small
        """)

    @OptionGroup var model: ModelOptions
    @Option(help: "Model kind: gpnr or lfnr.") var kind: ModelKind = .gpnr
    @Option(help: "Seconds per measurement.") var seconds: Double = 3
    @Option(help: "Rays per training step (default: 512 at width ≤ 64, else 24).") var trainBatch: Int?
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, found \(seconds)") }
        if let trainBatch, trainBatch < 1 { throw ValidationError("--train-batch must be at least 1, found \(trainBatch)") }
    }

    func run() throws {
        try model.runBenchmark(kind: kind, seconds: seconds, trainBatch: trainBatch, json: json)
    }
}

extension ModelKind: ExpressibleByArgument {}
