import Foundation
import Testing
import ViewSynthCore
@testable import ViewSynthSynthetic

/// The bundled demo scenes under Scenes/ are what Scenes/README.md says: they load, their cameras are the
/// generator's, and re-rendering a few of their views reproduces the committed image and depth bytes.
struct DemoScenesTests {
    struct Demo: CustomTestStringConvertible, Sendable {
        var folder: String, layout: SyntheticLayout, seed: UInt64, views: Int, width: Int, height: Int, format: SceneFormat
        var testDescription: String { folder }
    }
    static let demos = [
        Demo(folder: "demo-forward", layout: .forward, seed: 1, views: 20, width: 320, height: 240, format: .llff),
        Demo(folder: "demo-object", layout: .object, seed: 1, views: 40, width: 160, height: 160, format: .blender),
    ]

    static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    @Test(arguments: demos)
    func demoSceneMatchesItsCommand(demo: Demo) throws {
        let dir = Self.packageRoot.appendingPathComponent("Scenes").appendingPathComponent(demo.folder)
        let meta = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("synthetic.json"))) as? [String: Any])
        #expect(meta["seed"] as? Int == Int(demo.seed) && meta["layout"] as? String == demo.layout.rawValue)
        #expect(meta["views"] as? Int == demo.views && meta["width"] as? Int == demo.width && meta["height"] as? Int == demo.height)
        #expect(meta["samples_per_pixel"] as? Int == 4 && meta["shadows"] as? Bool == true)

        let gen = SyntheticSceneGenerator(seed: demo.seed, layout: demo.layout, views: demo.views,
                                          width: demo.width, height: demo.height)
        let scene = try SceneLoader.load(dir)
        #expect(scene.format == demo.format && scene.views.count == demo.views)
        #expect(abs(scene.near - (meta["near"] as? Double ?? 0)) < 1e-12 && abs(scene.far - (meta["far"] as? Double ?? 0)) < 1e-12)
        let cams = gen.cameras
        for v in scene.views {
            let i = try #require(Int(v.imageURL.deletingPathExtension().lastPathComponent.dropFirst(5)))
            let a = v.camera.worldFromCamera, b = cams[i].worldFromCamera
            #expect(length(a.translation - b.translation) < 1e-9)
            for c in 0..<3 { for r in 0..<3 { #expect(abs(a.rotation[r, c] - b.rotation[r, c]) < 1e-9) } }
            #expect(abs(v.camera.intrinsics.fx - cams[i].intrinsics.fx) < 1e-9)
        }
        // Re-render two views: same PNG bytes for colour and depth.
        let world = gen.world
        let scale = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("depth/depth.json"))) as? [String: Any])?["scale"] as? Double)
        for i in [1, demo.views - 1] {
            let v = gen.renderView(i, world: world, camera: cams[i])
            let png = try ImageIO.encodePNG(v.image)
            #expect(png == (try Data(contentsOf: dir.appendingPathComponent("images/\(v.name).png"))))
            let dpng = try ImageIO.encodePNG16(gray: SyntheticScene.quantizeDepth(v.depth, scale: scale), width: demo.width, height: demo.height)
            #expect(dpng == (try Data(contentsOf: dir.appendingPathComponent("depth/\(v.name).png"))))
        }
    }
}
