import Foundation
import Testing
@testable import ViewSynth

struct RealSceneModelTests {
    static var devScene: URL? { TestPaths.sharedScenes?.appendingPathComponent("dev/dtu_scan37") }

    /// GPNR and LFNR (tiny, untrained) render a held-out view of a real scene at reduced cost: finite
    /// colours in [0, 1], depths within the scene bounds. Skips when ../shared/scenes is absent.
    @Test(.enabled(if: RealSceneModelTests.devScene != nil), arguments: [ModelKind.gpnr, .lfnr])
    func rendersARealView(kind: ModelKind) throws {
        let scene = try SceneLoader.load(Self.devScene!)
        let refs = ReferenceImages(scene: scene)
        let method = ModelMethod(config: .tiny, seed: 1, kind: kind)
        let i = scene.testIndices[0]
        var target = scene.views[i].camera
        // A 1/8-size crop of the image keeps this fast: same camera, only the top-left block of pixels.
        target.intrinsics.width /= 8; target.intrinsics.height /= 8
        let ctx = try method.prepare(target: target, excludingView: i, references: refs)
        let out = TiledRenderer.render(method: method, target: target, context: ctx,
                                       options: RenderOptions(chunkRays: 256, threads: 2, wantDepth: true))
        #expect(out.rgb.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(out.depth!.allSatisfy { $0.isFinite && $0 >= Float(scene.near) * 0.999 && $0 <= Float(scene.far) * 1.001 })
    }
}
