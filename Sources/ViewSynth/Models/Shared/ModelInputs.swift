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
    public init(viewSet: Int, x: Double, y: Double, key: UInt64 = 0) {
        self.viewSet = viewSet; self.x = x; self.y = y; self.key = key
    }
}

/// Fills `out[0..<d·(1+2L)]` with the sin/cos encoding of `v[0..<d]` in the engine's `PositionalEncoding`
/// layout: [v, sin(2^l v) (l-major), cos(2^l v)]. Sines and cosines of the octaves come from the
/// double-angle recurrences in Double (one libm call per value).
@inline(__always)
func encodeSinCos<T: EngineScalar>(_ v: UnsafePointer<Double>, _ d: Int, degrees L: Int, into out: UnsafeMutablePointer<T>) {
    for j in 0..<d { out[j] = T(v[j]) }
    guard L > 0 else { return }
    for j in 0..<d {
        var s = sin(v[j]), c = cos(v[j])
        for l in 0..<L {
            out[d + l * d + j] = T(s)
            out[d + L * d + l * d + j] = T(c)
            let s2 = 2 * s * c, c2 = 1 - 2 * s * s
            s = s2; c = c2
        }
    }
}
