import Testing
@testable import ViewSynthCore

struct CanonicalFrameTests {
    static func checkFrame(_ f: Rigid3, ray: Ray, tolerance: Double = 1e-12) {
        // Orthonormal, det +1.
        #expect(f.rotation.rotationError < tolerance)
        for row in 0..<3 {
            let axis = Vec3(f.rotation[row, 0], f.rotation[row, 1], f.rotation[row, 2])
            #expect(abs(length(axis) - 1) < tolerance)
        }
        // Origin → 0, direction → +z, every ray point → (0, 0, t).
        #expect(length(f.apply(ray.origin)) < 1e-11)
        #expect(length(f.applyDirection(ray.direction) - Vec3(0, 0, 1)) < tolerance)
        for t in [-2.0, 0.5, 7.0] {
            #expect(length(f.apply(ray.point(at: t)) - Vec3(0, 0, t)) < 1e-10)
        }
    }

    @Test func orthonormalProperAndMapsRayToZAxis() {
        var rng = SplitMix64(seed: 60)
        for _ in 0..<1000 {
            let ray = Ray(origin: Vec3(rng.normal(), rng.normal(), rng.normal()) * 3, direction: GeometryFixtures.randomUnit(&rng))
            let up = GeometryFixtures.randomUnit(&rng) * rng.uniform(0.1, 10)     // any length, any angle to d
            let f = ray.canonicalFromWorld(up: up)
            Self.checkFrame(f, ray: ray)
            // The roll: the canonical y axis is image-down, i.e. −up lies in the canonical y–z half-plane y > 0.
            let upC = f.applyDirection(up)
            if length(cross(up, ray.direction)) > 1e-6 * length(up) {
                #expect(abs(upC.x) < 1e-12 * length(up) && upC.y < 0)
            }
        }
    }

    @Test func principalRayGivesTheCameraFrame() {
        var rng = SplitMix64(seed: 61)
        for _ in 0..<100 {
            let cam = GeometryFixtures.randomCamera(&rng)
            let k = cam.intrinsics
            let f = cam.ray(throughPixel: Vec2(k.cx, k.cy)).canonicalFromWorld(up: cam.up)
            let cfw = cam.cameraFromWorld
            for i in 0..<3 { for j in 0..<3 { #expect(abs(f.rotation[i, j] - cfw.rotation[i, j]) < 1e-12) } }
            #expect(length(f.translation - cfw.translation) < 1e-11)
        }
    }

    @Test func unitAxesWhereTheReferenceCodeScalesThem() {
        // up at 45° to the ray: the reference code's v / |v|² would give axes of length √2; ours are unit.
        let ray = Ray(origin: Vec3(1, 2, 3), direction: Vec3(0, 0, 1))
        let f = ray.canonicalFromWorld(up: Vec3(0, -1, 1) / 2.0.squareRoot())
        Self.checkFrame(f, ray: ray)
        #expect(length(f.rotation.transposed.c1 - Vec3(0, 1, 0)) < 1e-15)   // y = image down = +y world
        #expect(length(f.rotation.transposed.c0 - Vec3(1, 0, 0)) < 1e-15)
    }

    @Test func degenerateUpVectors() {
        var rng = SplitMix64(seed: 62)
        for _ in 0..<200 {
            let d = GeometryFixtures.randomUnit(&rng)
            let ray = Ray(origin: Vec3(rng.normal(), rng.normal(), rng.normal()), direction: d)
            for up in [d, -d * 3, d + Vec3(1e-12, 0, 0), Vec3.zero] {
                Self.checkFrame(ray.canonicalFromWorld(up: up), ray: ray, tolerance: 1e-10)
            }
        }
        // Axis-aligned ray with up along it: deterministic fallback (world x is least aligned with +z → −up = x).
        let f = Ray(origin: .zero, direction: Vec3(0, 0, 1)).canonicalFromWorld(up: Vec3(0, 0, 1))
        #expect(f.rotation.transposed.c1 == Vec3(1, 0, 0))
    }

    /// The property GPNR relies on: moving every camera by one rigid motion leaves the canonical coordinates of
    /// the target ray's samples, of the reference cameras and of the reference rays through the projected points
    /// unchanged, and the projected pixels and masks too.
    @Test func rigidMotionOfAllCamerasLeavesCanonicalCoordinatesUnchanged() throws {
        var rng = SplitMix64(seed: 63)
        let sampler = try DepthSampler(near: 1, far: 9, count: 16)
        let depths = sampler.depths()
        for _ in 0..<40 {
            let target = GeometryFixtures.randomCamera(&rng)
            let refs = (0..<4).map { _ in GeometryFixtures.randomCamera(&rng) }
            let m = GeometryFixtures.randomRigid(&rng, translationScale: 20)
            let target2 = GeometryFixtures.moved(target, by: m)
            let refs2 = refs.map { GeometryFixtures.moved($0, by: m) }
            let s1 = EpipolarProjector(referenceCameras: refs)
            let s2 = EpipolarProjector(referenceCameras: refs2)
            for _ in 0..<8 {
                let px = GeometryFixtures.randomPixel(&rng, target.intrinsics)
                let r1 = target.ray(throughPixel: px), r2 = target2.ray(throughPixel: px)
                let f1 = r1.canonicalFromWorld(up: target.up), f2 = r2.canonicalFromWorld(up: target2.up)
                // Same canonical frame up to the motion: f2 = f1 · m⁻¹.
                let f1m = f1 * m.inverse
                for i in 0..<3 { for j in 0..<3 { #expect(abs(f2.rotation[i, j] - f1m.rotation[i, j]) < 1e-10) } }
                #expect(length(f2.translation - f1m.translation) < 1e-9)

                let e1 = s1.project(ray: r1, depths: depths, along: .cameraZ(forward: target.forward))
                let e2 = s2.project(ray: r2, depths: depths, along: .cameraZ(forward: target2.forward))
                #expect(e1.valid == e2.valid)
                for (a, b) in zip(e1.pixels, e2.pixels) { #expect(length(a - b) < 1e-7) }

                for (n, ref) in refs.enumerated() {
                    let ref2 = refs2[n]
                    #expect(length(f1.apply(ref.center) - f2.apply(ref2.center)) < 1e-9)
                    for p in 0..<depths.count {
                        let x1 = r1.point(at: r1.t(atCameraDepth: depths[p], forward: target.forward))
                        let x2 = r2.point(at: r2.t(atCameraDepth: depths[p], forward: target2.forward))
                        #expect(length(f1.apply(x1) - f2.apply(x2)) < 1e-9)
                        // The reference ray through the projected point, in Plücker coordinates, canonicalised.
                        let q1 = PluckerRay(Ray(origin: ref.center, direction: x1 - ref.center)).transformed(by: f1)
                        let q2 = PluckerRay(Ray(origin: ref2.center, direction: x2 - ref2.center)).transformed(by: f2)
                        #expect(length(q1.direction - q2.direction) < 1e-9 && length(q1.moment - q2.moment) < 1e-8)
                    }
                }
            }
        }
    }

    @Test func pluckerCoordinates() {
        var rng = SplitMix64(seed: 64)
        for _ in 0..<300 {
            let ray = Ray(origin: Vec3(rng.normal(), rng.normal(), rng.normal()) * 4, direction: GeometryFixtures.randomUnit(&rng))
            let l = PluckerRay(ray)
            #expect(abs(dot(l.direction, l.moment)) < 1e-12)
            // Independent of the point chosen on the line.
            let l2 = PluckerRay(Ray(origin: ray.point(at: rng.uniform(-5, 5)), unitDirection: ray.direction))
            #expect(length(l.moment - l2.moment) < 1e-12)
            // Closest point: on the line and perpendicular to it.
            let c = l.closestPointToOrigin
            #expect(abs(dot(c, ray.direction)) < 1e-12 && length(cross(c - ray.origin, ray.direction)) < 1e-11)
            // transformed(by:) equals the coordinates of the transformed ray.
            let m = GeometryFixtures.randomRigid(&rng)
            let a = l.transformed(by: m), b = PluckerRay(ray.transformed(by: m))
            #expect(length(a.direction - b.direction) < 1e-12 && length(a.moment - b.moment) < 1e-11)
            var buf = [Float](repeating: 0, count: 6)
            buf.withUnsafeMutableBufferPointer { l.write(to: $0.baseAddress!) }
            #expect(buf == l.components.map { Float($0) })
        }
    }
}
