// Projection of a target ray's depth samples into N reference views: the points on the epipolar lines.
//
// Shape legend: B rays, N reference views, P samples per ray.
//
// For target ray b (origin o, unit direction d) and depth sample p, the world point is X = o + t·d, where
//   t = depth                          for `DepthAxis.rayT`,
//   t = depth / dot(d, forward)        for `DepthAxis.cameraZ(forward:)` (depth is the target camera's z).
// X is projected into every reference camera n with `Camera.project` conventions (continuous pixel coordinates,
// pixel (i, j) centred at (i + 0.5, j + 0.5); depth = reference camera-z).
//
// Validity: a projection is valid when
//   * the point is in front of the reference camera: depth > `minDepth` (a small positive epsilon), and
//   * its pixel lies in the image rectangle shrunk by `margin`: margin ≤ u ≤ W − margin, margin ≤ v ≤ H − margin.
//     margin 0 = anywhere in [0, W] × [0, H]; for a k×k patch of unit spacing whose samples must all fall inside
//     [0, W] × [0, H], use margin = (k − 1)/2 (`EpipolarProjector.margin(patchSize:)`).
//   * for `.cameraZ`, the target ray must point forward (dot(d, forward) > 0); otherwise all its samples are invalid.
// Invalid projections still get finite pixel coordinates, clamped to [0, W] × [0, H] (non-finite → 0), so a
// sampler can read them without checks; their values are meaningless and must be masked out.
//
// Batched layout (all buffers caller-provided, b-major, contiguous):
//   pixels          [B][N][P][2]  (u, v)     index ((b·N + n)·P + p)·2 + {0, 1}
//   valid           [B][N][P]                index  (b·N + n)·P + p
//   referenceDepths [B][N][P]   (optional)   same index: camera-z of X in view n (unclamped, may be ≤ 0)
//   depths          [P] shared by all rays, or [B][P] one row per ray
// The batched entry points allocate nothing; arithmetic is in Double, results are rounded to the buffer type.
// Per (ray, view) the camera-frame origin A = R·o + t and direction D = R·d are computed once; each sample is
// then X_cam = A + t_p·D, three multiply-adds and one division.

/// What a depth value measures along a target ray.
public enum DepthAxis: Equatable, Sendable {
    /// Euclidean distance t along the (unit-direction) ray.
    case rayT
    /// Camera-z depth for the target camera looking along the unit vector `forward`.
    case cameraZ(forward: Vec3)
}

/// Projects target-ray samples into a fixed set of N reference cameras.
public struct EpipolarProjector: Sendable {
    /// The N reference cameras, in output order.
    public let cameras: [Camera]
    /// Inset of the valid pixel rectangle on every side, in pixels (see the file head).
    public var margin: Double
    /// Points with reference camera-z ≤ minDepth are "behind the camera".
    public var minDepth: Double

    @usableFromInline struct ViewParameters: Sendable {
        // cameraFromWorld: rows of Rᵀ (= columns of R) and its translation.
        var r0: Vec3, r1: Vec3, r2: Vec3, t: Vec3
        var fx: Double, fy: Double, cx: Double, cy: Double, w: Double, h: Double
    }
    @usableFromInline let views: [ViewParameters]

    public init(referenceCameras: [Camera], margin: Double = 0, minDepth: Double = 1e-6) {
        cameras = referenceCameras
        self.margin = margin
        self.minDepth = minDepth
        views = referenceCameras.map { c in
            let cfw = c.cameraFromWorld
            let rt = cfw.rotation.transposed  // columns of rt are the rows of cameraFromWorld
            let k = c.intrinsics
            return ViewParameters(r0: rt.c0, r1: rt.c1, r2: rt.c2, t: cfw.translation,
                                  fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy,
                                  w: Double(k.width), h: Double(k.height))
        }
    }

    /// Number of reference views N.
    public var viewCount: Int { cameras.count }

    /// The margin that keeps every sample of a k×k unit-spacing patch centred on a valid point inside the image.
    public static func margin(patchSize k: Int) -> Double { Double(max(k, 1) - 1) / 2 }

    // MARK: Batched API

    /// Projects B rays × P samples into the N views, writing Float buffers (layout in the file head).
    /// - Parameters:
    ///   - rays: B target rays (unit directions).
    ///   - depths: P values shared by all rays, or B·P values (one row of P per ray).
    ///   - samplesPerRay: P.
    ///   - pixels: B·N·P·2 floats. `valid`: B·N·P. `referenceDepths`: B·N·P or nil.
    public func project(rays: UnsafeBufferPointer<Ray>, depths: UnsafeBufferPointer<Float>, samplesPerRay: Int,
                        along axis: DepthAxis, pixels: UnsafeMutableBufferPointer<Float>,
                        valid: UnsafeMutableBufferPointer<Bool>,
                        referenceDepths: UnsafeMutableBufferPointer<Float>? = nil) {
        projectImpl(rays: rays, depths: depths, samplesPerRay: samplesPerRay, along: axis, pixels: pixels,
                    valid: valid, referenceDepths: referenceDepths)
    }

    /// Double version of the batched projection (same layout).
    public func project(rays: UnsafeBufferPointer<Ray>, depths: UnsafeBufferPointer<Double>, samplesPerRay: Int,
                        along axis: DepthAxis, pixels: UnsafeMutableBufferPointer<Double>,
                        valid: UnsafeMutableBufferPointer<Bool>,
                        referenceDepths: UnsafeMutableBufferPointer<Double>? = nil) {
        projectImpl(rays: rays, depths: depths, samplesPerRay: samplesPerRay, along: axis, pixels: pixels,
                    valid: valid, referenceDepths: referenceDepths)
    }

    @inline(__always)
    func projectImpl<T: BinaryFloatingPoint>(
        rays: UnsafeBufferPointer<Ray>, depths: UnsafeBufferPointer<T>, samplesPerRay: Int, along axis: DepthAxis,
        pixels: UnsafeMutableBufferPointer<T>, valid: UnsafeMutableBufferPointer<Bool>,
        referenceDepths: UnsafeMutableBufferPointer<T>?
    ) {
        let B = rays.count, N = views.count, P = samplesPerRay
        precondition(P >= 0 && (depths.count == P || depths.count == B * P),
                     "depths: expected \(P) or \(B)×\(P) values, found \(depths.count)")
        precondition(pixels.count >= B * N * P * 2, "pixels buffer too small")
        precondition(valid.count >= B * N * P, "valid buffer too small")
        precondition(referenceDepths.map { $0.count >= B * N * P } ?? true, "referenceDepths buffer too small")
        let perRayDepths = depths.count == B * P && B != 1
        let m = margin, eps = minDepth
        guard let pix = pixels.baseAddress, let val = valid.baseAddress, let dep = depths.baseAddress else { return }
        let rdep = referenceDepths?.baseAddress

        views.withUnsafeBufferPointer { views in
            for b in 0..<B {
                let ray = rays[b]
                let o = ray.origin, d = ray.direction
                var scale = 1.0
                var forwardOK = true
                if case .cameraZ(let f) = axis {
                    let c = dot(d, f)
                    forwardOK = c > 0
                    scale = forwardOK ? 1 / c : 0
                }
                let depthRow = perRayDepths ? dep + b * P : dep
                for n in 0..<N {
                    let v = views[n]
                    // Camera-frame origin and direction of the ray in view n (t scaled to the depth axis).
                    let ax = dot(v.r0, o) + v.t.x, ay = dot(v.r1, o) + v.t.y, az = dot(v.r2, o) + v.t.z
                    let dx = dot(v.r0, d) * scale, dy = dot(v.r1, d) * scale, dz = dot(v.r2, d) * scale
                    let base = (b * N + n) * P
                    let w = v.w, h = v.h
                    for p in 0..<P {
                        let t = Double(depthRow[p])
                        let x = ax + t * dx, y = ay + t * dy, z = az + t * dz
                        let inv = 1 / z
                        var u = v.fx * x * inv + v.cx
                        var vv = v.fy * y * inv + v.cy
                        let ok = forwardOK && z > eps && u >= m && u <= w - m && vv >= m && vv <= h - m
                        if !ok {
                            if !(u >= 0) { u = 0 } else if u > w { u = w }
                            if !(vv >= 0) { vv = 0 } else if vv > h { vv = h }
                        }
                        let i = base + p
                        pix[2 * i] = T(u)
                        pix[2 * i + 1] = T(vv)
                        val[i] = ok
                        if let rdep { rdep[i] = T(z) }
                    }
                }
            }
        }
    }

    // MARK: Convenience API

    /// Projects one ray's samples into every view (allocating; for tests, tools and small jobs).
    public func project(ray: Ray, depths: [Double], along axis: DepthAxis) -> EpipolarSamples {
        let N = views.count, P = depths.count
        var pixels = [Double](repeating: 0, count: N * P * 2)
        var valid = [Bool](repeating: false, count: N * P)
        var refDepths = [Double](repeating: 0, count: N * P)
        [ray].withUnsafeBufferPointer { rays in
            depths.withUnsafeBufferPointer { dp in
                pixels.withUnsafeMutableBufferPointer { px in
                    valid.withUnsafeMutableBufferPointer { vl in
                        refDepths.withUnsafeMutableBufferPointer { rd in
                            project(rays: rays, depths: dp, samplesPerRay: P, along: axis, pixels: px, valid: vl,
                                    referenceDepths: rd)
                        }
                    }
                }
            }
        }
        return EpipolarSamples(viewCount: N, sampleCount: P,
                               pixels: (0..<(N * P)).map { Vec2(pixels[2 * $0], pixels[2 * $0 + 1]) },
                               valid: valid, referenceDepths: refDepths)
    }
}

/// One ray's projections into N views at P samples, view-major: element (n, p) is at index n·P + p.
public struct EpipolarSamples: Equatable, Sendable {
    public let viewCount: Int
    public let sampleCount: Int
    /// Continuous pixel coordinates (clamped to the image rectangle where invalid).
    public let pixels: [Vec2]
    public let valid: [Bool]
    /// Reference camera-z of each sample point (unclamped).
    public let referenceDepths: [Double]

    public func pixel(view n: Int, sample p: Int) -> Vec2 { pixels[n * sampleCount + p] }
    public func isValid(view n: Int, sample p: Int) -> Bool { valid[n * sampleCount + p] }
    public func referenceDepth(view n: Int, sample p: Int) -> Double { referenceDepths[n * sampleCount + p] }
}
