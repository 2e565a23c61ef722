// Model checkpoints: the engine's safetensors files with the model kind ("gpnr" / "lfnr") and its
// `ModelConfig` (JSON) in the metadata, so a file is self-describing: `load` rebuilds the model from it.

import Foundation
import ViewSynthCore
import ViewSynthEngine

/// The kind of model stored in a checkpoint (metadata key "model").
public enum ModelKind: String, Sendable, Codable, CaseIterable { case gpnr, lfnr }

public enum ModelCheckpoint {
    /// Reads the kind and configuration of a checkpoint without loading its tensors.
    public static func describe(_ url: URL) throws -> (kind: ModelKind, config: ModelConfig, step: Int) {
        try describe(InputFile.read(url, expected: "a safetensors checkpoint"), url: url)
    }

    static func describe(_ data: Data, url: URL) throws -> (kind: ModelKind, config: ModelConfig, step: Int) {
        let header: SafeTensors.Header
        do { header = try SafeTensors.parseHeader(data, path: url.path) } catch let e as EngineError {
            throw ViewSynthError(url, expected: e.expected, found: e.found)
        }
        guard let kindText = header.metadata["model"], let kind = ModelKind(rawValue: kindText) else {
            throw ViewSynthError(url, expected: "metadata \"model\": gpnr or lfnr", found: header.metadata["model"].map { "\"\($0)\"" } ?? "none")
        }
        guard let configText = header.metadata["config"] else {
            throw ViewSynthError(url, expected: "metadata \"config\" holding a model configuration", found: "none")
        }
        let config: ModelConfig
        do { config = try ModelConfig.decode(Data(configText.utf8), path: url) } catch let e as ViewSynthError {
            throw ViewSynthError(url, expected: "metadata \"config\" with \(e.expected)", found: e.found)
        }
        return (kind, config, Int(header.metadata["step"] ?? "0") ?? 0)   // Int(String) cannot trap
    }

    static func metadata(kind: ModelKind, config: ModelConfig, step: Int, provenance: String,
                         extra: [String: String]) -> CheckpointMetadata {
        var e = extra
        e["model"] = kind.rawValue
        return CheckpointMetadata(config: config.json, step: step, provenance: provenance, extra: e)
    }

    /// Loads tensors into `store` (and `optimizer`) after checking the kind; engine errors become
    /// `ViewSynthError`s naming the file.
    static func load<T: EngineScalar>(_ url: URL, kind: ModelKind, into store: ParameterStore<T>,
                                      optimizer: AdamW<T>?) throws -> CheckpointMetadata {
        let data = try InputFile.read(url, expected: "a safetensors checkpoint")
        let d = try describe(data, url: url)
        guard d.kind == kind else { throw ViewSynthError(url, expected: "a \(kind.rawValue) checkpoint", found: "a \(d.kind.rawValue) checkpoint") }
        do { return try SafeTensors.decode(data, path: url.path, into: store, optimizer: optimizer) } catch let e as EngineError {
            throw ViewSynthError(url, expected: e.expected, found: e.found)
        }
    }

    /// FNV-1a hash of a file's bytes (for eval reports' `weightsHash`).
    public static func fileHash(_ url: URL) throws -> String {
        let data = try InputFile.read(url, expected: "a safetensors checkpoint")
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data { h ^= UInt64(b); h &*= 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}

extension EpipolarModel {
    /// Saves parameters (and the optimizer state) with the kind, config, step and provenance (atomic write).
    public func save(to url: URL, step: Int = 0, provenance: String = "", optimizer: AdamW<T>? = nil,
                     extra: [String: String] = [:]) throws {
        let meta = ModelCheckpoint.metadata(kind: kind, config: config, step: step, provenance: provenance, extra: extra)
        try SafeTensors.save(parameters, optimizer: optimizer, metadata: meta, to: url)
    }

    /// A model built from a checkpoint's kind and config, with its parameters. `expecting`: the kind the
    /// caller needs (throws when the file holds the other one).
    public static func load(from url: URL, expecting: ModelKind? = nil) throws -> EpipolarModel<T> {
        let d = try ModelCheckpoint.describe(url)
        if let expecting, expecting != d.kind {
            throw ViewSynthError(url, expected: "a \(expecting.rawValue) checkpoint", found: "a \(d.kind.rawValue) checkpoint")
        }
        let model = EpipolarModel<T>(config: d.config, seed: 0, kind: d.kind)
        _ = try ModelCheckpoint.load(url, kind: d.kind, into: model.parameters, optimizer: nil)
        return model
    }

    /// Loads parameters (and optimizer state) into this model; the checkpoint's kind and config must match.
    @discardableResult
    public func load(from url: URL, optimizer: AdamW<T>? = nil) throws -> CheckpointMetadata {
        let d = try ModelCheckpoint.describe(url)
        guard d.config == config else {
            throw ViewSynthError(url, expected: "a checkpoint of config \(config.name)", found: "config \(d.config.name) with different sizes")
        }
        return try ModelCheckpoint.load(url, kind: kind, into: parameters, optimizer: optimizer)
    }
}
