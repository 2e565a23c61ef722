// One entry point per parser of untrusted input, by name, for the libFuzzer driver (Sources/ViewSynthFuzz,
// built only with VIEWSYNTH_FUZZ=1; see README "Reliability") and for the tests that replay the corpus
// (Tests/ViewSynthTests/FuzzCorpus/<target>/).
//
// `run` parses the bytes with the library's own code and checks the error contract: a rejected input throws a
// ViewSynthError (or the engine's EngineError) whose description is one line of bounded length. Any other
// outcome (a trap, an unbounded allocation, another error type, a multi-line message) is a failure:
// `FuzzEntry.run` stops the process with a message, which libFuzzer records as a crash.

import Foundation
import ViewSynthCore
import ViewSynthEngine

public enum FuzzEntry {
    public enum Outcome: Equatable, Sendable { case parsed, rejected(String) }

    /// Target names and their parsers.
    public static let targets: [(name: String, parse: @Sendable (Data) throws -> Void)] = [
        ("image", LoaderFuzzEntry.image),
        ("npy", LoaderFuzzEntry.npy),
        ("llff", LoaderFuzzEntry.llff),
        ("colmap-text", LoaderFuzzEntry.colmapText),
        ("colmap-binary", LoaderFuzzEntry.colmapBinary),
        ("blender", LoaderFuzzEntry.blender),
        ("instant-ngp", LoaderFuzzEntry.instantNGP),
        ("safetensors", safetensors),
        ("camera-path", { _ = try CameraPath.nerfstudio(data: $0, path: "camera_path.json") }),
        ("dataparser-transforms", { _ = try DataparserTransform.parse(data: $0, path: "dataparser_transforms.json") }),
        ("sweep-config", { _ = try PlaneSweepConfig.parse(json: $0, source: "--sweep-config") }),
        ("model-config", { _ = try ModelConfig.decode($0, path: URL(fileURLWithPath: "model.json")) }),
    ]

    public static var names: [String] { targets.map(\.name) }

    public static func parser(named name: String) -> (@Sendable (Data) throws -> Void)? {
        targets.first { $0.name == name }?.parse
    }

    /// The longest error description the contract allows.
    public static let maxMessageLength = 1000

    /// Parses `data` with target `name`; a contract violation is returned as a description (nil when the
    /// input was parsed or rejected properly).
    public static func check(_ name: String, _ data: Data) -> (outcome: Outcome, violation: String?) {
        guard let parse = parser(named: name) else { return (.rejected("no target"), "unknown fuzz target \(name)") }
        do {
            try parse(data)
            return (.parsed, nil)
        } catch let e as ViewSynthError {
            return (.rejected(e.description), violation(e.description))
        } catch let e as EngineError {
            return (.rejected(e.description), violation(e.description))
        } catch {
            return (.rejected("\(error)"), "an error that is not a ViewSynthError: \(type(of: error)): \(error)")
        }
    }

    static func violation(_ message: String) -> String? {
        if message.contains(where: \.isNewline) { return "a multi-line error message: \(message)" }
        if message.count > maxMessageLength { return "an error message of \(message.count) characters" }
        return nil
    }

    /// The fuzzer's per-input call: parse, and stop the process on a contract violation.
    public static func run(_ name: String, _ data: Data) {
        if let v = check(name, data).violation { fatalError("fuzz target \(name): \(v)") }
    }

    /// A checkpoint's header and metadata (kind, model config), as `describe` reads them before any tensor.
    static func safetensors(_ data: Data) throws {
        _ = try SafeTensors.parseHeader(data, path: "fuzz.safetensors")
        _ = try ModelCheckpoint.describe(data, url: URL(fileURLWithPath: "fuzz.safetensors"))
    }
}
