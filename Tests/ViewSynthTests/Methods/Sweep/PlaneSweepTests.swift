import Foundation
import Testing
@testable import ViewSynth

/// A tiny forward-facing scene with exact ground truth: a textured fronto-parallel plane at z = 2 covering the
/// left half of the world (x < 0) in front of a textured plane at z = 4, seen by a 3 × 3 grid of cameras at
/// z = 0 plus the target (view 0, centre of the grid). LLFF holds out views 0 and 8.
enum TwoPlaneScene {
    static let width = 96, height = 72, focal = 100.0
    static let nearZ = 2.0, farZ = 4.0
    static let intrinsics = Intrinsics(fx: focal, fy: focal, cx: Double(width) / 2, cy: Double(height) / 2,
                                       width: width, height: height)
    /// Camera centres: the target (0, 0) first, then the 3 × 3 grid (spacing 0.25) without the centre,
    /// and view 8 (held out by LLFF too) slightly off the grid.
    static let centres: [Vec3] = {
        var c = [Vec3(0, 0, 0)]
        for j in -1...1 { for i in -1...1 where !(i == 0 && j == 0) { c.append(Vec3(0.25 * Double(i), 0.25 * Double(j), 0)) } }
        c.insert(Vec3(0.1, 0.1, 0), at: 8)
        return c
    }()

    static func camera(_ i: Int) -> Camera {
        Camera(intrinsics: intrinsics, worldFromCamera: Rigid3(rotation: .identity, translation: centres[i]))
    }

    /// Smooth procedural colour of the near (k = 0) or far (k = 1) plane at world (x, y).
    static func texture(_ x: Double, _ y: Double, plane k: Int) -> SIMD3<Float> {
        let a = k == 0 ? 9.0 : 5.0
        let r = 0.5 + 0.3 * sin(a * x + 2.1 * y) + 0.15 * cos(1.7 * a * y - 0.6 * x)
        let g = 0.5 + 0.3 * cos(0.8 * a * y + 1.3 * x + Double(k)) + 0.15 * sin(1.3 * a * x)
        let b = k == 0 ? 0.25 + 0.2 * sin(a * (x + y)) : 0.7 + 0.2 * cos(a * (x - y))
        return SIMD3<Float>(Float(r), Float(g), Float(b))
    }

    /// Ray-cast image and camera-z depth of camera `i`.
    static func render(_ i: Int) -> (Image, [Float]) {
        let c = centres[i]
        var px = [Float](repeating: 0, count: width * height * 3), depth = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let dx = (Double(x) + 0.5 - intrinsics.cx) / focal, dy = (Double(y) + 0.5 - intrinsics.cy) / focal
                var z = nearZ, k = 0
                if c.x + dx * nearZ >= 0 { z = farZ; k = 1 }
                let col = texture(c.x + dx * z, c.y + dy * z, plane: k)
                let o = (y * width + x) * 3
                px[o] = col.x; px[o + 1] = col.y; px[o + 2] = col.z
                depth[y * width + x] = Float(z)
            }
        }
        return (Image(width: width, height: height, channels: 3, pixels: px), depth)
    }

    /// Writes the scene (LLFF, near 1.5, far 6) into a fresh temporary folder.
    static func write() throws -> URL {
        let dir = TestPaths.temporaryDirectory("two-plane")
        let n = centres.count
        let export = SceneExport(names: (0..<n).map { String(format: "%02d.png", $0) }, cameras: (0..<n).map(camera),
                                 images: .images((0..<n).map { render($0).0 }), near: 1.5, far: 6)
        try SceneWriter.write(export, format: .llff, to: dir)
        return dir
    }
}

struct PlaneSweepTests {
    static func config() -> PlaneSweepConfig {
        var c = PlaneSweepConfig()
        c.planes = 48
        c.views = 6
        return c
    }

    static func renderTarget(_ method: PlaneSweep, scene: Scene, chunk: Int, threads: Int) throws -> RenderedView {
        let refs = ReferenceImages(scene: scene)
        let target = scene.views[0].camera
        let ctx = try method.prepare(target: target, excludingView: 0, references: refs)
        return TiledRenderer.render(method: method, target: target, context: ctx,
                                    options: RenderOptions(chunkRays: chunk, threads: threads, wantDepth: true))
    }

    @Test func recoversTwoPlaneDepthAndColour() throws {
        let dir = try TwoPlaneScene.write()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scene = try SceneLoader.load(dir)
        #expect(scene.testIndices.contains(0))
        let (truth, truthDepth) = TwoPlaneScene.render(0)
        let view = try Self.renderTarget(PlaneSweep(config: Self.config()), scene: scene, chunk: 400, threads: 2)
        let depth = try #require(view.depth)
        // Depth: within two plane steps (in inverse depth) of the truth, away from the occlusion edge at the
        // image centre column (where windows straddle both planes and half the references are occluded).
        let step = (1 / scene.near - 1 / scene.far) / Double(Self.config().planes - 1)
        var good = 0, counted = 0
        for y in 0..<TwoPlaneScene.height {
            for x in 0..<TwoPlaneScene.width where abs(x - TwoPlaneScene.width / 2) > 10 {
                let i = y * TwoPlaneScene.width + x
                counted += 1
                if abs(1 / Double(depth[i]) - 1 / Double(truthDepth[i])) <= 2 * step { good += 1 }
            }
        }
        #expect(Double(good) / Double(counted) > 0.8, "depth within 2 planes on \(good)/\(counted) pixels")
        // Colour: close to the ray-cast truth, and far better than blending every view at one wrong depth.
        let p = psnr(truth, view.rgb)
        #expect(p > 25, "PSNR \(p) dB")
        var flat = Self.config()
        flat.planes = 2   // only the near and far bounds: both wrong for every pixel
        let flatView = try Self.renderTarget(PlaneSweep(config: flat), scene: scene, chunk: 400, threads: 2)
        #expect(p > psnr(truth, flatView.rgb) + 5)
    }

    @Test(arguments: [SweepCost.variance, .hybrid])
    func outputIndependentOfTilesAndThreads(cost: SweepCost) throws {
        let dir = try TwoPlaneScene.write()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scene = try SceneLoader.load(dir)
        var c = Self.config()
        c.cost = cost
        c.window = 7
        c.nccWindow = 3
        c.softPlanes = 1
        let method = PlaneSweep(config: c)
        let a = try Self.renderTarget(method, scene: scene, chunk: 4096, threads: 1)
        let b = try Self.renderTarget(method, scene: scene, chunk: 50, threads: 2)
        #expect(a.rgb.pixels == b.rgb.pixels)
        #expect(a.depth == b.depth)
    }

    @Test func configJSONKeepsDefaultsForMissingFields() throws {
        let c = try JSONDecoder().decode(PlaneSweepConfig.self, from: Data(#"{"planes": 96, "cost": "variance"}"#.utf8))
        var expected = PlaneSweepConfig()
        expected.planes = 96; expected.cost = .variance
        #expect(c == expected)
        #expect(try PlaneSweepConfig.decode(json: Data(#"{"planes": 96, "cost": "variance"}"#.utf8)) == expected)
        #expect(throws: (any Error).self) { try PlaneSweepConfig.decode(json: Data(#"{"windw": 5}"#.utf8)) }
        #expect(throws: (any Error).self) { try PlaneSweepConfig.decode(json: Data("[1]".utf8)) }
        var bad = PlaneSweepConfig()
        bad.window = 4
        #expect(bad.problem != nil)
        #expect(PlaneSweepConfig().problem == nil)
    }
}
