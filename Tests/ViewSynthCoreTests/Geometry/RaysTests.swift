import Testing
@testable import ViewSynthCore

struct RaysTests {
    @Test func handComputedProjection() {
        // Identity pose, fx = fy = 100, principal point (32, 24) in a 64×48 image.
        let k = Intrinsics(fx: 100, fy: 100, cx: 32, cy: 24, width: 64, height: 48)
        let cam = Camera(intrinsics: k, worldFromCamera: .identity)
        let (px, depth) = cam.project(Vec3(0.1, -0.2, 2))
        #expect(abs(px.x - 37) < 1e-12 && abs(px.y - 14) < 1e-12 && depth == 2)
        // Pixel (0, 0) is centred at (0.5, 0.5): its ray goes through ((0.5 − 32)/100, (0.5 − 24)/100, 1).
        let r = cam.rayThroughPixelCentre(x: 0, y: 0)
        let expected = normalize(Vec3(-0.315, -0.235, 1))
        #expect(length(r.direction - expected) < 1e-12)
        #expect(r.origin == .zero)
        // The centred principal point (W/2, H/2) is the corner shared by the four middle pixels:
        // its ray is the optical axis.
        #expect(length(cam.ray(throughPixel: Vec2(32, 24)).direction - Vec3(0, 0, 1)) < 1e-15)
    }

    @Test func pixelCentreRayMatchesContinuousRay() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<100 {
            let cam = GeometryFixtures.randomCamera(&rng)
            let x = Int(rng.uniform() * Double(cam.intrinsics.width)), y = Int(rng.uniform() * Double(cam.intrinsics.height))
            let a = cam.rayThroughPixelCentre(x: x, y: y)
            let b = cam.ray(throughPixel: Vec2(Double(x) + 0.5, Double(y) + 0.5))
            #expect(a == b)
            #expect(abs(length(a.direction) - 1) < 1e-14)
            // The centre of pixel (x, y) projects back into that pixel's square at its centre.
            let (p, _) = cam.project(a.point(at: 2))
            #expect(abs(p.x - (Double(x) + 0.5)) < 1e-9 && abs(p.y - (Double(y) + 0.5)) < 1e-9)
            #expect(Int(p.x.rounded(.down)) == x && Int(p.y.rounded(.down)) == y)
        }
    }

    @Test func projectRayPointRoundTrip() {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<500 {
            let cam = GeometryFixtures.randomCamera(&rng)
            let p = GeometryFixtures.randomPixel(&rng, cam.intrinsics)
            let ray = cam.ray(throughPixel: p)
            let t = rng.uniform(0.1, 20)
            let (q, depth) = cam.project(ray.point(at: t))
            #expect(length(q - p) < 1e-9)
            // Camera-z depth = t · cos(angle to the optical axis), and t(atCameraDepth:) inverts it.
            #expect(abs(depth - t * dot(ray.direction, cam.forward)) < 1e-9)
            #expect(abs(ray.t(atCameraDepth: depth, forward: cam.forward) - t) < 1e-9)
            // unproject is the inverse of project.
            let z = rng.uniform(0.1, 20)
            let x = cam.unproject(pixel: p, depth: z)
            let (q2, d2) = cam.project(x)
            #expect(length(q2 - p) < 1e-9 && abs(d2 - z) < 1e-9)
            // Intrinsics alone round-trip too.
            #expect(length(cam.pixelFromCamera(cam.cameraFromPixel(p) * z) - p) < 1e-9)
        }
    }

    @Test func pointsBehindTheCameraHaveNegativeDepth() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<100 {
            let cam = GeometryFixtures.randomCamera(&rng)
            let ray = cam.ray(throughPixel: GeometryFixtures.randomPixel(&rng, cam.intrinsics))
            #expect(cam.project(ray.point(at: -rng.uniform(0.1, 5))).depth < 0)
            #expect(cam.project(ray.point(at: rng.uniform(0.1, 5))).depth > 0)
        }
    }

    @Test func rayTransformMatchesPointTransform() {
        var rng = SplitMix64(seed: 4)
        for _ in 0..<100 {
            let m = GeometryFixtures.randomRigid(&rng)
            let ray = Ray(origin: Vec3(rng.normal(), rng.normal(), rng.normal()), direction: GeometryFixtures.randomUnit(&rng))
            let moved = ray.transformed(by: m)
            let t = rng.uniform(-3, 3)
            #expect(length(moved.point(at: t) - m.apply(ray.point(at: t))) < 1e-12)
        }
    }

    @Test func containsUsesClosedRectangleAndMargin() {
        let k = Intrinsics(fx: 10, fy: 10, cx: 5, cy: 4, width: 10, height: 8)
        #expect(k.contains(Vec2(0, 0)) && k.contains(Vec2(10, 8)))
        #expect(!k.contains(Vec2(-1e-9, 4)) && !k.contains(Vec2(5, 8.000001)))
        #expect(!k.contains(Vec2(1, 4), margin: 2) && k.contains(Vec2(2, 4), margin: 2) && !k.contains(Vec2(8.5, 4), margin: 2))
    }
}
