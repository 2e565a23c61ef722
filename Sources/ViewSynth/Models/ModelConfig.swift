// Model configurations as data: named presets (`paper`, `small`, `tiny`) and JSON files.
//
// Shape legend used by every model file: B rays, N reference views, P depth samples per ray,
// D transformer width, F patch features, k patch size (k×k pixels).
//
// One `ModelConfig` describes GPNR and LFNR alike (LFNR ignores the fields it does not use and reads
// `lfnr`). Every field has a default, so a JSON file may list only the fields it changes from the preset it
// names in "base" (or from `small` when "base" is absent): {"base": "paper", "samples": 64}.

import Foundation
import ViewSynthCore
import ViewSynthEngine

public struct ModelConfig: Codable, Sendable, Hashable {
    /// Preset or file name (for reports and checkpoints).
    public var name: String = "small"
    /// Transformer width D (the reference's qkv_dim).
    public var width: Int = 64
    /// Hidden width of each transformer MLP.
    public var mlpWidth: Int = 64
    public var heads: Int = 1
    /// GPNR: layers of the first transformer (across the N views at each depth sample).
    public var crossViewLayers: Int = 2
    /// Layers of the epipolar transformer (along each epipolar line, with the query token).
    public var epipolarLayers: Int = 2
    /// Layers of the view transformer (across views after epipolar pooling, with the query token).
    public var viewLayers: Int = 2
    /// P: depth samples per ray.
    public var samples: Int = 32
    /// N: reference views per target.
    public var views: Int = 8
    /// k: patch size (odd).
    public var patchSize: Int = 5
    /// F: patch features.
    public var patchFeatures: Int = 16
    /// Frequencies 2^0 … 2^(L−1) of the sin/cos encoding of the Plücker coordinates (reference: 10).
    public var rayEncodingDegrees: Int = 10
    /// Frequencies of the sin/cos encoding of the sample's distance along the target ray (reference: 10).
    public var pointEncodingDegrees: Int = 10
    /// Depth spacing of the samples between the scene's near and far (camera z of the target).
    public var depthSpacing: DepthSpacing = .inverseDepth
    /// Pre-norm (x + f(LN x)) or post-norm (LN(x + f(x)), the reference) transformer layers.
    /// Post-norm by measurement: same speed; on the synthetic scene of the tests (width 32, 600 steps,
    /// 3 seeds; `NormPlacementExperiment`) its final loss was 0.00108 vs 0.00116 for pre-norm.
    public var preNorm: Bool = false
    /// Append the mean and variance across valid views of the patch features and colours at each depth
    /// sample to every token (a multi-view-stereo cost-volume cue; not in the reference).
    public var crossViewStatistics: Bool = true
    /// Append a hand-made photo-consistency cost of the raw k×k patches at each depth sample to every token:
    /// the token's squared deviation from the across-view mean patch and the group's mean of it, for raw
    /// and for normalised (zero-mean, unit-variance; an NCC-like cost) patches, and the fraction of valid
    /// views (5 columns; the plane sweep's cue, given to the model directly; not in the reference).
    public var photoConsistency: Bool = false
    /// Rays per forward batch when rendering (bounds memory: activations scale with B·N·P). About 4096
    /// key tokens (B·N·P) keep activations in cache: on `small`, 16 rays ran 1.3× faster per core than 64.
    public var renderBatch: Int = 16
    /// LFNR-only settings.
    public var lfnr: LFNRSettings = LFNRSettings()
    /// The plane sweep's evidence inside the model (SweepGuidance.swift; on in the shipped `guided` weights); nil = off (`small-pc`).
    public var guidance: GuidanceSettings? = nil

    public init() {}

    public struct LFNRSettings: Codable, Sendable, Hashable {
        /// Light-field parameterisation of rays: "plucker" or "lightslab" (two planes z = 0 and z = 1 of the
        /// scene frame).
        public var parameterisation: String = "plucker"
        /// Number of learned per-view embeddings (the scene's training views); 0 disables them.
        public var viewEmbeddings: Int = 64
        public var embeddingWidth: Int = 32
        public init() {}
    }

    // MARK: Presets

    /// The reference GPNR sizes: 8 layers per transformer, width 256, MLP 256, 1 head, 127 samples,
    /// 10 views, 11×11 patches, 32 patch features, encodings of degree 10.
    public static var paper: ModelConfig {
        var c = ModelConfig()
        c.name = "paper"
        c.width = 256; c.mlpWidth = 256; c.heads = 1
        c.crossViewLayers = 8; c.epipolarLayers = 8; c.viewLayers = 8
        c.samples = 127; c.views = 10; c.patchSize = 11; c.patchFeatures = 32
        c.rayEncodingDegrees = 10; c.pointEncodingDegrees = 10
        c.renderBatch = 4
        return c
    }

    /// A CPU configuration: 2+2+2 layers, width 64, 32 samples, 8 views, 5×5 patches, 16 features.
    public static var small: ModelConfig { ModelConfig() }

    /// `small` with the photo-consistency columns: the configuration of the shipped GPNR weights.
    public static var smallPC: ModelConfig {
        var c = ModelConfig()
        c.name = "small-pc"
        c.photoConsistency = true
        return c
    }

    /// A very small configuration for tests (gradient checks, overfitting).
    public static var tiny: ModelConfig {
        var c = ModelConfig()
        c.name = "tiny"
        c.width = 8; c.mlpWidth = 8; c.heads = 2
        c.crossViewLayers = 1; c.epipolarLayers = 1; c.viewLayers = 1
        c.samples = 6; c.views = 3; c.patchSize = 3; c.patchFeatures = 4
        c.rayEncodingDegrees = 2; c.pointEncodingDegrees = 2
        c.renderBatch = 16
        c.lfnr.viewEmbeddings = 8
        c.lfnr.embeddingWidth = 4
        return c
    }

    /// `small-pc` plus every sweep-guidance lever (cost-volume input, guided samples, sweep-initialised output).
    public static var guided: ModelConfig {
        var c = smallPC
        c.name = "guided"
        c.guidance = GuidanceSettings()
        return c
    }

    /// `guided` with 16 samples instead of 32 (8 global in inverse depth + the sweep's 2 best minima × 4 offsets
    /// 0, −½, +½, +1½ planes): the configuration of the shipped GPNR weights. Half the work per ray; as good
    /// as 32 samples zero-shot (README, ablation row `guided-p16`).
    public static var guidedP16: ModelConfig {
        var c = guided
        c.name = "guided-p16"
        c.samples = 16
        c.guidance!.minima = 2
        c.guidance!.offsets = [0, -0.5, 0.5, 1.5]
        return c
    }

    /// `guided` with 9×9 patches.
    public static var guided9: ModelConfig {
        var c = guided
        c.name = "guided-9"
        c.patchSize = 9
        return c
    }

    public static let presetNames = ["paper", "small", "small-pc", "guided", "guided-p16", "guided-9", "tiny"]

    public static func preset(_ name: String) -> ModelConfig? {
        switch name {
        case "paper": return .paper
        case "small": return .small
        case "small-pc": return .smallPC
        case "guided": return .guided
        case "guided-p16": return .guidedP16
        case "guided-9": return .guided9
        case "tiny": return .tiny
        default: return nil
        }
    }

    /// A preset name, or a JSON file (see the file head). Throws `ViewSynthError` on bad input.
    public static func named(_ nameOrPath: String) throws -> ModelConfig {
        if let p = preset(nameOrPath) { return p }
        let url = URL(fileURLWithPath: nameOrPath)
        let data = try InputFile.read(url, expected: "a model preset (\(presetNames.joined(separator: ", "))) or a JSON config file")
        var c = try decode(data, path: url)
        if c.name == ModelConfig().name { c.name = url.deletingPathExtension().lastPathComponent }
        return c
    }

    /// Decodes JSON text: fields override the preset named by "base" (default `small`).
    public static func decode(_ data: Data, path: URL) throws -> ModelConfig {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ViewSynthError(path, expected: "a JSON object", found: "invalid JSON (\(Self.oneLine(error)))")
        }
        guard var dict = object as? [String: Any] else {
            throw ViewSynthError(path, expected: "a JSON object", found: "\(type(of: object))")
        }
        let baseName = (dict.removeValue(forKey: "base") as? String) ?? "small"
        guard let base = preset(baseName) else {
            throw ViewSynthError(path, expected: "\"base\" one of \(presetNames.joined(separator: ", "))", found: "\"\(baseName)\"")
        }
        var merged = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as! [String: Any]
        // Optional sections absent from the base (nil) are still known fields; a partial section is filled
        // from the defaults.
        if merged["guidance"] == nil, dict["guidance"] != nil, !(dict["guidance"] is NSNull) {
            merged["guidance"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(GuidanceSettings())) as! [String: Any]
        }
        for (k, v) in dict {
            guard merged[k] != nil || k == "guidance" else {
                throw ViewSynthError(path, expected: "model config fields (\(merged.keys.sorted().joined(separator: ", ")))", found: "unknown field \"\(k.prefix(40))\"")
            }
            if k == "guidance" && v is NSNull {
                merged.removeValue(forKey: k)
            } else if k == "lfnr" || k == "guidance", let sub = v as? [String: Any], var m = merged[k] as? [String: Any] {
                for (a, b) in sub { m[a] = b }
                merged[k] = m
            } else {
                merged[k] = v
            }
        }
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch {
            throw ViewSynthError(path, expected: "model config fields of the right types", found: Self.oneLine(error))
        }
        try config.validate(path: path)
        return config
    }

    /// Checks sizes; throws `ViewSynthError` naming `path`.
    public func validate(path: URL? = nil) throws {
        let where_ = path ?? URL(fileURLWithPath: "model config \(name)")
        func check(_ ok: Bool, _ what: String, _ found: String) throws {
            if !ok { throw ViewSynthError(where_, expected: what, found: found) }
        }
        try check(width >= 1 && heads >= 1 && width % heads == 0, "width divisible by heads", "width \(width), heads \(heads)")
        try check(mlpWidth >= 1, "mlpWidth ≥ 1", "\(mlpWidth)")
        try check(crossViewLayers >= 0 && epipolarLayers >= 1 && viewLayers >= 1,
                  "crossViewLayers ≥ 0, epipolarLayers ≥ 1, viewLayers ≥ 1",
                  "\(crossViewLayers), \(epipolarLayers), \(viewLayers)")
        try check(samples >= 1 && views >= 1, "samples ≥ 1 and views ≥ 1", "\(samples) samples, \(views) views")
        try check(patchSize >= 1 && patchSize % 2 == 1, "an odd patchSize", "\(patchSize)")
        try check(patchFeatures >= 1, "patchFeatures ≥ 1", "\(patchFeatures)")
        try check(rayEncodingDegrees >= 0 && rayEncodingDegrees <= 16 && pointEncodingDegrees >= 0 && pointEncodingDegrees <= 16,
                  "encoding degrees in 0…16", "\(rayEncodingDegrees), \(pointEncodingDegrees)")
        try check(renderBatch >= 1, "renderBatch ≥ 1", "\(renderBatch)")
        try check(["plucker", "lightslab"].contains(lfnr.parameterisation), "lfnr.parameterisation plucker or lightslab", lfnr.parameterisation)
        try check(lfnr.viewEmbeddings >= 0 && lfnr.embeddingWidth >= 1, "lfnr.viewEmbeddings ≥ 0, embeddingWidth ≥ 1",
                  "\(lfnr.viewEmbeddings), \(lfnr.embeddingWidth)")
        try check(width <= 4096 && mlpWidth <= 16384 && heads <= 256, "width ≤ 4096, mlpWidth ≤ 16384, heads ≤ 256",
                  "\(width), \(mlpWidth), \(heads)")
        try check(crossViewLayers <= 64 && epipolarLayers <= 64 && viewLayers <= 64, "at most 64 layers per transformer",
                  "\(crossViewLayers), \(epipolarLayers), \(viewLayers)")
        try check(samples <= 1024 && views <= 64 && patchSize <= 31 && patchFeatures <= 1024 && renderBatch <= 65536,
                  "samples ≤ 1024, views ≤ 64, patchSize ≤ 31, patchFeatures ≤ 1024, renderBatch ≤ 65536",
                  "\(samples), \(views), \(patchSize), \(patchFeatures), \(renderBatch)")
        try check(lfnr.viewEmbeddings <= 100_000 && lfnr.embeddingWidth <= 1024, "lfnr.viewEmbeddings ≤ 100000, embeddingWidth ≤ 1024",
                  "\(lfnr.viewEmbeddings), \(lfnr.embeddingWidth)")
        if let g = guidance {
            if let problem = g.problem(samples: samples) { try check(false, "usable guidance settings", problem) }
        }
        // Budgets (each factor is bounded above, so the products cannot overflow): parameters of the three
        // transformers and the LFNR embeddings ≤ 2^26 (paper: 9.4 M), activations of a render batch ≤ 2^29.
        let layers = crossViewLayers + epipolarLayers + viewLayers
        let parameters = layers * (4 * width * width + 2 * width * mlpWidth) + lfnr.viewEmbeddings * lfnr.embeddingWidth
        try check(parameters <= 1 << 26, "at most 2^26 parameters (layers × (4·width² + 2·width·mlpWidth) + embeddings)",
                  "\(parameters)")
        let activations = renderBatch * views * samples * max(width, mlpWidth, patchFeatures)
        try check(activations <= 1 << 29, "renderBatch × views × samples × max(width, mlpWidth, patchFeatures) ≤ 2^29",
                  "\(activations)")
    }

    /// A decoding error in a few words: the field path and the reason, never the input.
    static func oneLine(_ error: Error) -> String { DecodingProblem.describe(error) }

    /// Compact JSON (sorted keys), stored in checkpoints.
    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }

    var transformer: TransformerConfig {
        TransformerConfig(width: width, heads: heads, mlpWidth: mlpWidth, preNorm: preNorm, activation: .gelu)
    }
}
