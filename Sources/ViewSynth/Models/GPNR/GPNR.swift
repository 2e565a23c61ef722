// GPNR — generalizable patch-based neural rendering (Suhail et al., ECCV 2022), trained once on many scenes
// and applied to new ones without retraining.
//
// The implementation is shared with LFNR (Models/Shared/): `EpipolarModel` with `kind: .gpnr`:
//   * inputs (EpipolarGeometry.swift): per target ray, its canonical frame (a proper rotation), P depth
//     samples between the scene bounds, their projections into the N nearest training views, and per
//     (view, sample) token the Plücker encoding of the canonicalised reference ray, the normalised
//     disparity, the relative pose (target camera frame), a bilinear k×k patch projected to F features
//     (ELU) and its centre colour, optionally the mean/variance of features and colours across views;
//   * three transformers (across views at each sample, along each epipolar line with a learned query
//     token, across views after pooling with a second query token), attention pooling twice, sigmoid colour;
//     the attention blend of raw reference colours ("coarse") and the expected depth under the attention;
//   * invalid samples (behind a reference camera, outside its image) masked out of every attention.
// Deviations from the reference code are listed in Shared/EpipolarModel.swift and Shared/EpipolarGeometry.swift.
//
// Entry points: `GPNRModel<Float>(config:seed:)` (forward/backward on a ray batch, save/load),
// `GPNRMethod` (RenderMethod for `--method gpnr`), `GPNRTrainer` (data-parallel training step),
// `ModelConfig` presets (`paper`, `small`, `tiny`), `ModelBenchmark.run(config:)`.

import ViewSynthEngine

/// GPNR: `EpipolarModel` with `kind: .gpnr` (the default kind of its initialiser).
public typealias GPNRModel<T: EngineScalar> = EpipolarModel<T>
/// `--method gpnr`: `ModelMethod` over a GPNR model.
public typealias GPNRMethod = ModelMethod
/// Training steps for GPNR (and LFNR) models.
public typealias GPNRTrainer = ModelTrainer
