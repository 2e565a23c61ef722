// LFNR — light field neural rendering (Suhail et al., CVPR 2022), fitted per scene.
//
// The implementation is shared with GPNR (Models/Shared/): `EpipolarModel` with `kind: .lfnr`:
//   * rays in the world frame (lengths divided by the scene's near bound), as a light field: Plücker
//     coordinates (direction, moment) or the two-plane light slab (intersections with z = 0 and z = 1),
//     `config.lfnr.parameterisation`, sin/cos encoded;
//   * query tokens projected from the target ray's encoding (one for the epipolar transformer, one for the
//     view transformer); key tokens from the encoding of each reference ray through a depth sample, the 3-D
//     sample point, the patch features and colour, and a learned embedding of the reference view (indexed
//     by its scene view index; `config.lfnr.viewEmbeddings` rows, views beyond get none);
//   * two transformers (epipolar, view) with attention pooling, as in GPNR; the same coarse and depth outputs.
// Masking, patch features and the data-parallel trainer are those of GPNR.
//
// Entry points: `LFNRModel<Float>(config:seed:kind: .lfnr)` or `LFNR.model(config:seed:)`, `LFNRMethod`
// (`ModelMethod(config:seed:kind: .lfnr)` or `ModelMethod(weights:)` with an LFNR checkpoint).

import ViewSynthEngine

/// LFNR: `EpipolarModel` with `kind: .lfnr`.
public typealias LFNRModel<T: EngineScalar> = EpipolarModel<T>
/// `--method lfnr`: `ModelMethod` over an LFNR model.
public typealias LFNRMethod = ModelMethod

public enum LFNR {
    /// A new LFNR model with weights initialised from `seed`.
    public static func model(config: ModelConfig, seed: UInt64) -> EpipolarModel<Float> {
        EpipolarModel(config: config, seed: seed, kind: .lfnr)
    }
    /// `--method lfnr` with untrained weights.
    public static func method(config: ModelConfig, seed: UInt64) -> ModelMethod {
        ModelMethod(config: config, seed: seed, kind: .lfnr)
    }
}
