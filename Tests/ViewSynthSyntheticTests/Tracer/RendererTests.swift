import Testing
import ViewSynthCore
@testable import ViewSynthSynthetic

/// Small renders only: these run in debug builds too.
struct RendererTests {
    @Test(arguments: SyntheticLayout.allCases)
    func sameBytesWithOneAndTwoThreads(layout: SyntheticLayout) {
        let one = SyntheticSceneGenerator(seed: 5, layout: layout, views: 2, width: 40, height: 30, threads: 1).generate()
        let two = SyntheticSceneGenerator(seed: 5, layout: layout, views: 2, width: 40, height: 30, threads: 2).generate()
        for (a, b) in zip(one.views, two.views) {
            #expect(a.image.pixels == b.image.pixels)
            #expect(a.depth == b.depth)
        }
        #expect(one.near == two.near && one.far == two.far)
    }

    @Test func seedsChangeTheWorldAndViewCountDoesNot() {
        let a = SyntheticSceneGenerator(seed: 1, layout: .forward, views: 2, width: 32, height: 24).generate()
        let b = SyntheticSceneGenerator(seed: 2, layout: .forward, views: 2, width: 32, height: 24).generate()
        #expect(a.views[0].image.pixels != b.views[0].image.pixels)
        // A different view count changes camera placement but not the world.
        let w1 = SyntheticWorld.random(seed: 1, layout: .forward)
        let g3 = SyntheticSceneGenerator(seed: 1, layout: .forward, views: 3, width: 32, height: 24)
        #expect(w1.primitiveCount == g3.world.primitiveCount)
        #expect(w1.primitives.map(\.center.x) == g3.world.primitives.map(\.center.x))
    }

    /// A wall 5 units in front of a camera looking straight at it: every pixel's depth is 5 (z-depth, not the
    /// ray length, which grows toward the corners).
    @Test func depthIsZDepthNotRayLength() {
        let wall = Primitive.quad(center: V3(0, 5, 0), halfU: 100, halfV: 100,
                                  frame: Frame3(ax: V3(1, 0, 0), ay: V3(0, 0, 1), az: V3(0, -1, 0)), material: 0)
        let world = testWorld([wall])
        let cam = Camera(intrinsics: Intrinsics(fx: 20, fy: 20, cx: 16, cy: 12, width: 32, height: 24),
                         worldFromCamera: SyntheticRig.lookAt(eye: Vec3(0, 0, 0), target: Vec3(0, 1, 0)))
        let r = world.render(camera: cam, samplesPerPixel: 1, threads: 1)
        #expect(r.depth.allSatisfy { abs($0 - 5) < 1e-6 })
    }

    /// Sphere of radius 1 at distance 4 on the optical axis, box behind it: analytic depths.
    @Test func analyticSphereAndBoxDepths() throws {
        let sphere = Primitive.sphere(center: V3(0, 4, 0), radius: 1, material: 0)
        let box = Primitive.box(center: V3(0, 8, 0), half: V3(3, 0.5, 3), frame: .rotation(yaw: 0), material: 0)
        let world = testWorld([box, sphere])
        let cam = Camera(intrinsics: Intrinsics(fx: 20, fy: 20, cx: 16, cy: 12, width: 32, height: 24),
                         worldFromCamera: SyntheticRig.lookAt(eye: Vec3(0, 0, 0), target: Vec3(0, 1, 0)))
        #expect(abs(try #require(world.depth(camera: cam, u: 16, v: 12)) - 3) < 1e-12)
        // Off the sphere but on the box face y = 7.5.
        #expect(abs(try #require(world.depth(camera: cam, u: 16 + 20 * 0.3, v: 12)) - 7.5) < 1e-12)
        // Past the box: nothing.
        #expect(world.depth(camera: cam, u: 16 + 20 * 0.45, v: 12) == nil)
        // A rotated box (45° about z): the nearest point is its edge at distance 8 − 0.5·√2.
        let diamond = Primitive.box(center: V3(0, 8, 0), half: V3(0.5, 0.5, 0.5), frame: .rotation(yaw: .pi / 4), material: 0)
        let d = try #require(testWorld([diamond]).depth(camera: cam, u: 16, v: 12))
        #expect(abs(d - (8 - 0.5 * 2.0.squareRoot())) < 1e-12)
    }

    /// The stored depth map equals the exact depth through each pixel centre.
    @Test func depthMapMatchesPixelCentreRays() throws {
        let gen = SyntheticSceneGenerator(seed: 3, layout: .object, views: 1, width: 24, height: 24)
        let world = gen.world, cam = gen.cameras[0]
        let r = world.render(camera: cam, samplesPerPixel: 1, threads: 2)
        for y in stride(from: 0, to: 24, by: 5) {
            for x in stride(from: 0, to: 24, by: 5) {
                let exact = world.depth(camera: cam, u: Double(x) + 0.5, v: Double(y) + 0.5) ?? 0
                #expect(abs(Double(r.depth[y * 24 + x]) - exact) <= 1e-6 * max(1, exact))
            }
        }
    }

    @Test func imagesAreTexturedAndInRange() {
        let s = SyntheticSceneGenerator(seed: 9, layout: .forward, views: 1, width: 48, height: 36).generate()
        let px = s.views[0].image.pixels
        #expect(px.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Neighbouring pixels differ (texture), i.e. the image is not flat colour.
        var diffs = 0
        for i in stride(from: 0, to: px.count - 3, by: 3) where abs(px[i] - px[i + 3]) > 0.02 { diffs += 1 }
        #expect(diffs > px.count / 3 / 5)
    }

    private func testWorld(_ prims: [Primitive]) -> SyntheticWorld {
        let m = Material(colorA: V3(0.5, 0.5, 0.5), colorB: V3(0.2, 0.2, 0.2), ink: V3(0, 0, 0), noiseFrequency: 1,
                         octaves: 2, noiseContrast: 1, pattern: .checkers, patternFrequency: 2,
                         patternDirection: V3(1, 0, 0), patternStrength: 0.5, grainFrequency: 10,
                         grainAmplitude: 0.05, specular: 0.2, shininess: 16, salt: 1)
        return SyntheticWorld(primitives: prims, materials: [m],
                              lights: [Light(direction: V3(0, -1, 1) * (1 / 2.0.squareRoot()), color: V3(1, 1, 1), castsShadows: true)],
                              ambient: V3(0.2, 0.2, 0.2), skyHorizon: V3(1, 1, 1), skyZenith: V3(0, 0, 1), up: V3(0, 0, 1))
    }
}
