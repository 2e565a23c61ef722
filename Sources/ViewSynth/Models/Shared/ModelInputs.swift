// What a model renders from: view sets (a target camera with its N reference views and their images)
// and batches of rays into them. Shared by GPNR and LFNR, inference and training.
//
// A batch may mix rays of several view sets (several scenes or targets): each ray names its view set.
// Training (#7) builds one `ViewSet` per (scene, target view) drawn for a step and a `[ModelRay]` with the
// target colours; rendering builds one `ViewSet` per target camera in `prepare`.

import Foundation
import ViewSynthCore
import ViewSynthEngine

/// A target camera, its reference views (at most the model's N; missing views are masked out), their
/// RGB images in the model's precision, and the depth range of the scene.
public final class ViewSet<T: EngineScalar>: @unchecked Sendable {
    public let target: Camera
    public let references: [Camera]
    /// Scene view index of each reference (for LFNR's per-view embeddings; −1 when unknown).
    public let referenceIDs: [Int]
    public let near: Double
    public let far: Double
    /// Reference images, [H, W, 3] each, row-major.
    let images: [AlignedBuffer<T>]
    let projector: EpipolarProjector
    /// targetFromReference rotation (row-major 9) and reference centre in the target camera frame (3),
    /// per reference: [N][12].
    let poseFeatures: [Double]
    /// The reference images as given (for the sweep's cost volume, built on first use).
    let sourceImages: [Image]
    private let lock = NSLock()
    private var costContexts: [Int: PlaneSweep.ViewContext] = [:]

    /// The sweep's cost context over these references for `config` (its planes and cost-image blur; built once
    /// per plane count; thread-safe).
    func sweepContext(config: PlaneSweepConfig) -> PlaneSweep.ViewContext {
        lock.lock(); defer { lock.unlock() }
        if let c = costContexts[config.planes] { return c }
        let c = PlaneSweep.context(target: target, references: references, images: sourceImages, near: near, far: far,
                                   config: config)
        costContexts[config.planes] = c
        return c
    }

    /// - Parameters:
    ///   - images: RGB images of the references (3 channels, same order as `references`).
    public init(target: Camera, references: [Camera], images: [Image], referenceIDs: [Int]? = nil,
                near: Double, far: Double) throws {
        guard references.count == images.count, !references.isEmpty else {
            throw ViewSynthError("view set", expected: "as many reference images as cameras (≥ 1)",
                                 found: "\(references.count) cameras, \(images.count) images")
        }
        guard near > 0, far > near, near.isFinite, far.isFinite else {
            throw ViewSynthError("view set", expected: "0 < near < far", found: "near \(near), far \(far)")
        }
        for (c, im) in zip(references, images) where im.width != c.intrinsics.width || im.height != c.intrinsics.height || im.channels != 3 {
            throw ViewSynthError("view set", expected: "\(c.intrinsics.width)×\(c.intrinsics.height) RGB reference images",
                                 found: "\(im.width)×\(im.height)×\(im.channels)")
        }
        self.target = target
        self.references = references
        self.referenceIDs = referenceIDs ?? [Int](repeating: -1, count: references.count)
        self.near = near
        self.far = far
        self.images = images.map { im in
            let b = AlignedBuffer<T>(count: im.pixels.count)
            for i in 0..<im.pixels.count { b.pointer[i] = T(im.pixels[i]) }
            return b
        }
        sourceImages = images
        projector = EpipolarProjector(referenceCameras: references)
        let tcw = target.cameraFromWorld
        var pose: [Double] = []
        for r in references {
            let rot = tcw.rotation * r.worldFromCamera.rotation
            for i in 0..<3 { for j in 0..<3 { pose.append(rot[i, j]) } }
            let c = tcw.apply(r.center)
            pose += [c.x, c.y, c.z]
        }
        poseFeatures = pose
    }

    /// A view set for rendering `target` from a scene: the `count` nearest training views (never
    /// `excludingView`).
    public static func forScene(_ refs: ReferenceImages, target: Camera, count: Int, excludingView: Int?) throws -> ViewSet {
        let chosen = ReferenceViewSelector(count: count).select(
            for: target, among: refs.scene.views.map(\.camera), candidates: refs.candidates, excluding: excludingView)
        guard !chosen.isEmpty else {
            throw ViewSynthError(refs.scene.root, expected: "at least one training view to render from", found: "none")
        }
        return try ViewSet(target: target, references: chosen.map { refs.scene.views[$0].camera },
                           images: try chosen.map { try refs.image($0).rgb() }, referenceIDs: chosen,
                           near: refs.scene.near, far: refs.scene.far)
    }
}

/// One target ray: the view set it belongs to and a continuous pixel coordinate of the target camera
/// (pixel (i, j) centre = (i + 0.5, j + 0.5)).
public struct ModelRay: Sendable, Equatable {
    public var viewSet: Int
    public var x: Double
    public var y: Double
    /// Key for stratified depth jitter (see `DepthSampler.rayKey`).
    public var key: UInt64
    /// Row of this ray in the batch's `GuidanceBatch` (models with `config.guidance`; −1: none).
    public var guide: Int32
    public init(viewSet: Int, x: Double, y: Double, key: UInt64 = 0, guide: Int32 = -1) {
        self.viewSet = viewSet; self.x = x; self.y = y; self.key = key; self.guide = guide
    }
}

/// Fills `out[0..<d·(1+2L)]` with the sin/cos encoding of `v[0..<d]` in the engine's `PositionalEncoding`
/// layout: [v, sin(2^l v) (l-major), cos(2^l v)]. Sines and cosines of the octaves come from the
/// double-angle recurrences in Double, from one `sinCos` per value (error ≲ 1e-13 for L ≤ 16).
@inline(__always)
func encodeSinCos<T: EngineScalar>(_ v: UnsafePointer<Double>, _ d: Int, degrees L: Int, into out: UnsafeMutablePointer<T>) {
    for j in 0..<d { out[j] = T(v[j]) }
    guard L > 0 else { return }
    for j in 0..<d {
        var (s, c) = sinCos(v[j])
        for l in 0..<L {
            out[d + l * d + j] = T(s)
            out[d + L * d + l * d + j] = T(c)
            let s2 = 2 * s * c, c2 = 1 - 2 * s * s
            s = s2; c = c2
        }
    }
}

/// sin and cos of x (|x| ≲ 1e6) without libm: Cody–Waite reduction by π/2 and Taylor polynomials on
/// [−π/4, π/4] (absolute error below 1e-14). Non-finite input gives NaN.
@inline(__always)
func sinCos(_ x: Double) -> (Double, Double) {
    let k = (x * 0.636_619_772_367_581_4).rounded()
    // π/2 split into a 33-bit head and the rest (head · k exact for |k| < 2^20).
    let r = (x - k * 1.570_796_326_734_125_614_166) - k * 6.077_100_506_506_192_601_5e-11
    let r2 = r * r
    var s = 1.0 / 6_227_020_800       // 1/13!
    s = s * r2 - 1.0 / 39_916_800
    s = s * r2 + 1.0 / 362_880
    s = s * r2 - 1.0 / 5040
    s = s * r2 + 1.0 / 120
    s = s * r2 - 1.0 / 6
    s = r + r * r2 * s
    var c = 1.0 / 87_178_291_200      // 1/14!
    c = c * r2 - 1.0 / 479_001_600
    c = c * r2 + 1.0 / 3_628_800
    c = c * r2 - 1.0 / 40320
    c = c * r2 + 1.0 / 720
    c = c * r2 - 1.0 / 24
    c = c * r2 + 0.5
    c = 1 - r2 * c
    guard k.isFinite else { return (.nan, .nan) }
    switch Int(k) & 3 {
    case 0: return (s, c)
    case 1: return (c, -s)
    case 2: return (-s, -c)
    default: return (-c, s)
    }
}
