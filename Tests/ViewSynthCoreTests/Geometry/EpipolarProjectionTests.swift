import Testing
@testable import ViewSynthCore

struct EpipolarProjectionTests {
    /// Distance of `p` from the line through `a` and `b`.
    static func distanceToLine(_ p: Vec2, _ a: Vec2, _ b: Vec2) -> Double {
        let d = b - a, q = p - a
        return abs(d.x * q.y - d.y * q.x) / (d * d).sum().squareRoot()
    }

    @Test func rayPointsProjectOntoTheEpipolarLineInEveryView() throws {
        var rng = SplitMix64(seed: 30)
        var checked = 0
        for _ in 0..<60 {
            let target = GeometryFixtures.randomCamera(&rng)
            let refs = (0..<5).map { _ in GeometryFixtures.randomCamera(&rng) }
            let projector = EpipolarProjector(referenceCameras: refs)
            let sampler = try DepthSampler(near: 1, far: 8, count: 24, spacing: .inverseDepth)
            let depths = sampler.depths()
            for _ in 0..<10 {
                let ray = target.ray(throughPixel: GeometryFixtures.randomPixel(&rng, target.intrinsics))
                let s = projector.project(ray: ray, depths: depths, along: .cameraZ(forward: target.forward))
                for (n, ref) in refs.enumerated() {
                    // Two reference points on the ray (in front of the camera) define the epipolar line.
                    let za = rng.uniform(0.5, 10), zb = za + rng.uniform(0.5, 5)
                    let a = ref.project(target.unproject(pixel: target.project(ray.point(at: 1)).pixel, depth: za))
                    let b = ref.project(ray.point(at: ray.t(atCameraDepth: zb, forward: target.forward)))
                    guard a.depth > 0.1, b.depth > 0.1, length(a.pixel - b.pixel) > 1 else { continue }
                    for p in 0..<depths.count where s.referenceDepth(view: n, sample: p) > 0.1 {
                        // Any point of the ray in front of the reference camera projects onto that line, whether or
                        // not it falls inside the image (use the unclamped projection for the invalid ones).
                        let x = ray.point(at: ray.t(atCameraDepth: depths[p], forward: target.forward))
                        let q = ref.project(x)
                        let tol = 1e-7 * max(1, length(q.pixel))
                        #expect(Self.distanceToLine(q.pixel, a.pixel, b.pixel) < tol)
                        if s.isValid(view: n, sample: p) {
                            #expect(length(s.pixel(view: n, sample: p) - q.pixel) < 1e-9 * max(1, length(q.pixel)))
                            #expect(Self.distanceToLine(s.pixel(view: n, sample: p), a.pixel, b.pixel) < tol)
                            checked += 1
                        }
                        #expect(abs(s.referenceDepth(view: n, sample: p) - q.depth) < 1e-9)
                    }
                }
            }
        }
        #expect(checked > 1000)
    }

    /// Checks one batched result against Camera.project, sample by sample.
    static func checkBatch(rays: [Ray], views: [Camera], depthRows: [[Double]], axis: DepthAxis, margin: Double,
                           pixels: [Double], valid: [Bool], refDepths: [Double], tolerance: Double) -> Int {
        let N = views.count, P = depthRows[0].count
        var nValid = 0
        for (b, ray) in rays.enumerated() {
            for (n, cam) in views.enumerated() {
                for p in 0..<P {
                    let depth = depthRows[depthRows.count == 1 ? 0 : b][p]
                    let t: Double
                    switch axis {
                    case .rayT: t = depth
                    case .cameraZ(let f): t = depth / dot(ray.direction, f)
                    }
                    let (q, z) = cam.project(ray.point(at: t))
                    let i = (b * N + n) * P + p
                    let expectValid = z > 1e-6 && cam.intrinsics.contains(q, margin: margin)
                    // Skip razor-edge cases where the rounding of the two computations may differ.
                    let edge = [q.x - margin, Double(cam.intrinsics.width) - margin - q.x,
                                q.y - margin, Double(cam.intrinsics.height) - margin - q.y].map(abs).min()! < 1e-6
                    if !edge { #expect(valid[i] == expectValid, "b \(b) n \(n) p \(p)") }
                    #expect(abs(refDepths[i] - z) <= tolerance * max(1, abs(z)))
                    let u = pixels[2 * i], v = pixels[2 * i + 1]
                    #expect(u.isFinite && v.isFinite)
                    #expect(u >= 0 && u <= Double(cam.intrinsics.width) && v >= 0 && v <= Double(cam.intrinsics.height))
                    if valid[i] {
                        #expect(abs(u - q.x) <= tolerance * max(1, abs(q.x)) && abs(v - q.y) <= tolerance * max(1, abs(q.y)))
                        nValid += 1
                    }
                }
            }
        }
        return nValid
    }

    @Test func batchedFloatAndDoubleAgreeWithCameraProject() throws {
        var rng = SplitMix64(seed: 31)
        for trial in 0..<20 {
            let target = GeometryFixtures.randomCamera(&rng)
            let views = (0..<4).map { _ in GeometryFixtures.randomCamera(&rng) }
            let B = 7, P = 11, N = views.count
            let margin = trial % 2 == 0 ? 0 : 2.5
            let projector = EpipolarProjector(referenceCameras: views, margin: margin)
            let rays = (0..<B).map { _ in target.ray(throughPixel: GeometryFixtures.randomPixel(&rng, target.intrinsics)) }
            let axis: DepthAxis = trial % 3 == 0 ? .rayT : .cameraZ(forward: target.forward)
            // Alternate shared depths [P] and per-ray depths [B][P] (stratified, keyed by ray).
            let sampler = try DepthSampler(near: 0.5, far: 12, count: P, placement: .stratified(seed: UInt64(trial)))
            let depthRows: [[Double]] = trial % 2 == 0 ? [sampler.depths(rayKey: 0)]
                : (0..<B).map { sampler.depths(rayKey: UInt64($0)) }
            let flat = depthRows.flatMap { $0 }

            var pd = [Double](repeating: -1, count: B * N * P * 2), vd = [Bool](repeating: false, count: B * N * P)
            var zd = [Double](repeating: 0, count: B * N * P)
            rays.withUnsafeBufferPointer { r in flat.withUnsafeBufferPointer { d in
                pd.withUnsafeMutableBufferPointer { pdb in vd.withUnsafeMutableBufferPointer { vdb in
                    zd.withUnsafeMutableBufferPointer { zdb in
                        projector.project(rays: r, depths: d, samplesPerRay: P, along: axis, pixels: pdb, valid: vdb,
                                          referenceDepths: zdb)
                    } } }
            } }
            let n1 = Self.checkBatch(rays: rays, views: views, depthRows: depthRows, axis: axis, margin: margin,
                                     pixels: pd, valid: vd, refDepths: zd, tolerance: 1e-9)
            #expect(n1 > 0)

            let flatF = flat.map { Float($0) }
            var pf = [Float](repeating: -1, count: B * N * P * 2), vf = [Bool](repeating: false, count: B * N * P)
            var zf = [Float](repeating: 0, count: B * N * P)
            rays.withUnsafeBufferPointer { r in flatF.withUnsafeBufferPointer { d in
                pf.withUnsafeMutableBufferPointer { pfb in vf.withUnsafeMutableBufferPointer { vfb in
                    zf.withUnsafeMutableBufferPointer { zfb in
                        projector.project(rays: r, depths: d, samplesPerRay: P, along: axis, pixels: pfb, valid: vfb,
                                          referenceDepths: zfb)
                    } } }
            } }
            // Float depths are rounded before projection: compare against the rounded depths.
            let roundedRows = depthRows.map { $0.map { Double(Float($0)) } }
            let n2 = Self.checkBatch(rays: rays, views: views, depthRows: roundedRows, axis: axis, margin: margin,
                                     pixels: pf.map(Double.init), valid: vf, refDepths: zf.map(Double.init), tolerance: 1e-6)
            #expect(n2 > 0)
        }
    }

    @Test func convenienceAPIEqualsBatched() throws {
        var rng = SplitMix64(seed: 32)
        let target = GeometryFixtures.randomCamera(&rng)
        let views = (0..<3).map { _ in GeometryFixtures.randomCamera(&rng) }
        let projector = EpipolarProjector(referenceCameras: views, margin: 1)
        let ray = target.rayThroughPixelCentre(x: 3, y: 4)
        let depths = try DepthSampler(near: 1, far: 9, count: 9).depths()
        let s = projector.project(ray: ray, depths: depths, along: .rayT)
        var px = [Double](repeating: 0, count: 3 * 9 * 2), ok = [Bool](repeating: false, count: 27)
        [ray].withUnsafeBufferPointer { r in depths.withUnsafeBufferPointer { d in
            px.withUnsafeMutableBufferPointer { pb in ok.withUnsafeMutableBufferPointer { ob in
                projector.project(rays: r, depths: d, samplesPerRay: 9, along: .rayT, pixels: pb, valid: ob)
            } }
        } }
        for n in 0..<3 { for p in 0..<9 {
            let i = n * 9 + p
            #expect(s.pixel(view: n, sample: p) == Vec2(px[2 * i], px[2 * i + 1]))
            #expect(s.isValid(view: n, sample: p) == ok[i])
        } }
    }

    @Test func masksFlagBehindCameraAndOutOfImage() {
        let k = Intrinsics(fx: 50, fy: 50, cx: 20, cy: 15, width: 40, height: 30)
        // Reference camera at the origin looking along +z; a second one at z = 10 looking back along −z.
        let front = Camera(intrinsics: k, worldFromCamera: .identity)
        let back = Camera(intrinsics: k, worldFromCamera: Rigid3(
            rotation: Mat3(columns: Vec3(-1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, -1)), translation: Vec3(0, 0, 10)))
        let projector = EpipolarProjector(referenceCameras: [front, back])
        // A ray along +z from (0, 0, −5): points at t = 2 (z = −3), t = 8 (z = 3), t = 20 (z = 15).
        let ray = Ray(origin: Vec3(0, 0, -5), direction: Vec3(0, 0, 1))
        let s = projector.project(ray: ray, depths: [2, 8, 20], along: .rayT)
        // front camera: behind, valid (image centre), valid.
        #expect(s.valid[0...2] == [false, true, true])
        #expect(s.referenceDepth(view: 0, sample: 0) == -3)
        #expect(s.pixel(view: 0, sample: 1) == Vec2(20, 15))
        // back camera: depth 13, 7, −5 → valid, valid, behind.
        #expect(s.valid[3...5] == [true, true, false])

        // Out of image: points off to the side project beyond the right border; their pixels are clamped.
        let side = Ray(origin: Vec3(2, 0, 0), direction: Vec3(0, 0, 1))  // u = 50·2/z + 20
        let t = projector.project(ray: side, depths: [1, 5, 100], along: .rayT)  // u = 120, 40, 21
        #expect(t.valid[0...2] == [false, true, true])
        #expect(t.pixel(view: 0, sample: 0) == Vec2(40, 15))
        #expect(t.pixel(view: 0, sample: 1) == Vec2(40, 15))  // exactly on the closed border: valid
        // With a patch margin, the border point becomes invalid.
        let withMargin = EpipolarProjector(referenceCameras: [front], margin: EpipolarProjector.margin(patchSize: 5))
        #expect(EpipolarProjector.margin(patchSize: 5) == 2)
        #expect(withMargin.project(ray: side, depths: [1, 5, 100], along: .rayT).valid == [false, false, true])
        // A point in the camera plane (z = 0) gives finite clamped coordinates and is invalid.
        let plane = projector.project(ray: Ray(origin: Vec3(1, 1, 0), direction: Vec3(1, 0, 0)), depths: [0, 1], along: .rayT)
        #expect(plane.valid[0...1] == [false, false])
        #expect(plane.pixels.allSatisfy { $0.x.isFinite && $0.y.isFinite })
    }

    @Test func backwardRayIsInvalidForCameraZ() {
        let k = Intrinsics(fx: 50, fy: 50, cx: 20, cy: 15, width: 40, height: 30)
        let cam = Camera(intrinsics: k, worldFromCamera: .identity)
        let projector = EpipolarProjector(referenceCameras: [cam])
        let ray = Ray(origin: .zero, direction: Vec3(0, 0, -1))
        let s = projector.project(ray: ray, depths: [1, 2], along: .cameraZ(forward: Vec3(0, 0, 1)))
        #expect(s.valid == [false, false])
        #expect(s.pixels.allSatisfy { $0.x.isFinite && $0.y.isFinite })
    }
}
