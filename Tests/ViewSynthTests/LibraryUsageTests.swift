import Foundation
import Testing
import ViewSynth

/// The README's "Library use" example, as a test (the target camera is resized to 80×60 to keep it fast).
struct LibraryUsageTests {
    @Test func readmeExampleRendersWithShippedGPNRAndSweep() throws {
        let scene = try SceneLoader.load(TestPaths.packageRoot.appendingPathComponent("Scenes/demo-forward"))
        let view = scene.testIndices[0]
        var camera = scene.views[view].camera
        camera.intrinsics = camera.intrinsics.resized(width: 80, height: 60)
        let references = ReferenceImages(scene: scene)
        let truth = boxDownsample(try scene.loadImage(view), by: 4)
        #expect(truth.width == 80 && truth.height == 60)

        let gpnr = try ModelMethod.shipped()
        let context = try gpnr.prepare(target: camera, excludingView: view, references: references)
        let image = TiledRenderer.render(method: gpnr, target: camera, context: context, options: RenderOptions()).rgb

        let sweep = PlaneSweep()
        let sweepContext = try sweep.prepare(target: camera, excludingView: view, references: references)
        let sweepImage = TiledRenderer.render(method: sweep, target: camera, context: sweepContext, options: RenderOptions()).rgb

        let untrained = ModelMethod(config: .smallPC, seed: 1)
        let untrainedContext = try untrained.prepare(target: camera, excludingView: view, references: references)
        let untrainedImage = TiledRenderer.render(method: untrained, target: camera, context: untrainedContext,
                                                  options: RenderOptions()).rgb
        let (g, s, u) = (psnr(image, truth), psnr(sweepImage, truth), psnr(untrainedImage, truth))
        // The shipped weights are trained: far above random weights, and in the sweep's league.
        #expect(g > u + 5, "shipped \(g) dB vs untrained \(u) dB")
        #expect(g > s - 3, "shipped \(g) dB vs sweep \(s) dB")
    }

    /// The mean of each f×f block (ground truth at the resized camera's resolution).
    func boxDownsample(_ img: Image, by f: Int) -> Image {
        let w = img.width / f, h = img.height / f, C = img.channels
        var out = Image(width: w, height: h, channels: C)
        for y in 0..<h { for x in 0..<w { for c in 0..<C {
            var s: Float = 0
            for dy in 0..<f { for dx in 0..<f { s += img.pixels[((y * f + dy) * img.width + x * f + dx) * C + c] } }
            out.pixels[(y * w + x) * C + c] = s / Float(f * f)
        } } }
        return out
    }
}
