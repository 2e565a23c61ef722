import Testing
import ViewSynthCore
@testable import ViewSynthSynthetic

/// Ground truth consistency between views: a depth value, lifted to 3-D and projected into another view, lands
/// on the surface that view's depth map sees there.
struct GeometryGroundTruthTests {
    @Test(arguments: SyntheticLayout.allCases)
    func depthRoundTripsIntoOtherView(layout: SyntheticLayout) throws {
        let gen = SyntheticSceneGenerator(seed: 11, layout: layout, views: 24, width: 64, height: 64, samplesPerPixel: 1)
        let world = gen.world, cameras = gen.cameras
        // B = the third-nearest camera to A: a real baseline, mostly shared content. Only A and B are rendered.
        let others = cameras.dropFirst().sorted { length($0.center - cameras[0].center) < length($1.center - cameras[0].center) }
        let a = gen.renderView(0, world: world, camera: cameras[0]), b = gen.renderView(1, world: world, camera: others[2])
        let w = a.camera.intrinsics.width, h = a.camera.intrinsics.height
        var tested = 0, visible = 0, occluded = 0
        for y in stride(from: 1, to: h, by: 2) {
            for x in stride(from: 1, to: w, by: 2) {
                let d = Double(a.depth[y * w + x])
                if d == 0 { continue }
                // Lift pixel centre of A to world at z-depth d, project into B (Core's geometry conventions).
                let point = a.camera.unproject(pixel: Intrinsics.pixelCentre(x: x, y: y), depth: d)
                let (pixel, zb) = b.camera.project(point)
                guard zb > 0 else { continue }
                let u = pixel.x, v = pixel.y
                // Bilinear sample of B's depth over the four surrounding pixel centres, on a continuous patch.
                let fx = u - 0.5, fy = v - 0.5
                let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
                guard x0 >= 0, y0 >= 0, x0 + 1 < w, y0 + 1 < h else { continue }
                let c = [b.depth[y0 * w + x0], b.depth[y0 * w + x0 + 1], b.depth[(y0 + 1) * w + x0], b.depth[(y0 + 1) * w + x0 + 1]].map(Double.init)
                guard c.allSatisfy({ $0 > 0 }), c.max()! / c.min()! < 1.01 else { continue }
                let tx = fx - Double(x0), ty = fy - Double(y0)
                let db = (c[0] * (1 - tx) + c[1] * tx) * (1 - ty) + (c[2] * (1 - tx) + c[3] * tx) * ty
                tested += 1
                if db < zb * 0.98 {
                    occluded += 1  // B sees something in front of the point
                } else {
                    // Never a surface behind the point: B sees the point itself (to bilinear accuracy on curved
                    // surfaces) ...
                    #expect(db < zb * 1.02, "pixel (\(x),\(y)) → (\(u),\(v)): \(db) vs \(zb)")
                    // ... and the exact ray through (u, v) hits it.
                    let exact = try #require(world.depth(camera: b.camera, u: u, v: v))
                    #expect(abs(exact - zb) < 1e-4 * zb)
                    visible += 1
                }
            }
        }
        #expect(tested > 100)
        #expect(visible > tested / 2, "visible \(visible) occluded \(occluded) of \(tested)")
    }

    @Test(arguments: SyntheticLayout.allCases)
    func rigsAreProperAndLookAtTheScene(layout: SyntheticLayout) {
        let cams = SyntheticRig.cameras(seed: 4, layout: layout, views: 17, width: 80, height: 60)
        #expect(cams.count == 17)
        for c in cams {
            #expect(c.worldFromCamera.rotation.rotationError < 1e-12)
            #expect(abs(c.up.z) > 0.5)  // image up ≈ world up
            let target = layout == .forward ? Vec3(0, 6, 1.1) : Vec3(0, 0, 0.35)
            let p = c.cameraFromWorld.apply(target)
            let u = c.intrinsics.fx * p.x / p.z + c.intrinsics.cx, v = c.intrinsics.fy * p.y / p.z + c.intrinsics.cy
            #expect(p.z > 0 && abs(u - 40) < 8 && abs(v - 30) < 8)
        }
        // Distinct positions.
        for i in 1..<cams.count { #expect(length(cams[i].center - cams[0].center) > 1e-3) }
    }

    @Test func boundsContainAllDepthsAndSplitIsEveryEighth() {
        let s = SyntheticSceneGenerator(seed: 2, layout: .object, views: 10, width: 24, height: 24, samplesPerPixel: 1).generate()
        for v in s.views { for d in v.depth where d > 0 { #expect(Double(d) > s.near && Double(d) < s.far) } }
        #expect(s.testIndices == [0, 8])
        #expect(s.trainIndices == [1, 2, 3, 4, 5, 6, 7, 9])
    }
}
