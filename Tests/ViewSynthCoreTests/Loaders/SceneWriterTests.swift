import Foundation
import Testing
@testable import ViewSynthCore

struct SceneWriterTests {
    static func expectSameCamera(_ a: Camera, _ b: Camera, _ label: String, tol: Double = 1e-9,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        let ka = a.intrinsics, kb = b.intrinsics
        #expect(ka.width == kb.width && ka.height == kb.height, "\(label): size", sourceLocation: sourceLocation)
        for (x, y, n) in [(ka.fx, kb.fx, "fx"), (ka.fy, kb.fy, "fy"), (ka.cx, kb.cx, "cx"), (ka.cy, kb.cy, "cy")] {
            #expect(abs(x - y) <= tol, "\(label): \(n) \(x) vs \(y)", sourceLocation: sourceLocation)
        }
        for r in 0..<3 {
            for c in 0..<3 {
                #expect(abs(a.worldFromCamera.rotation[r, c] - b.worldFromCamera.rotation[r, c]) <= tol,
                        "\(label): R[\(r),\(c)]", sourceLocation: sourceLocation)
            }
            #expect(abs(a.worldFromCamera.translation[r] - b.worldFromCamera.translation[r]) <= tol,
                    "\(label): t[\(r)]", sourceLocation: sourceLocation)
        }
    }

    /// One generated scene written in all four formats (and COLMAP binary) loads back to the same cameras
    /// (1e-9) and the expected splits; the format is detected from the folder contents.
    @Test func allFormatsLoadToTheSameCameras() throws {
        let root = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(root) }
        let export = LoaderFixtures.exportScene(n: 10)
        let expectedTest: Set<String> = ["000.png", "008.png"]
        let cases: [(SceneFormat, Bool, String)] = [(.llff, false, "llff"), (.blender, false, "blender"),
                                                    (.transforms, false, "ngp"), (.colmap, false, "colmap-txt"),
                                                    (.colmap, true, "colmap-bin")]
        for (format, binary, folder) in cases {
            let dir = root.appendingPathComponent(folder)
            try SceneWriter.write(export, format: format, to: dir, colmapBinary: binary)
            #expect(try SceneLoader.detectFormat(dir) == format, "\(folder)")
            let scene = try SceneLoader.load(dir)
            #expect(scene.format == format)
            #expect(scene.views.count == export.names.count, "\(folder)")
            for v in scene.views {
                let name = v.imageURL.lastPathComponent
                guard let i = export.names.firstIndex(of: name) else { Issue.record("\(folder): unknown view \(name)"); continue }
                Self.expectSameCamera(v.camera, export.cameras[i], "\(folder) \(name)")
                #expect(v.distortion == nil)
            }
            let testNames = Set(scene.testIndices.map { scene.views[$0].imageURL.lastPathComponent })
            let trainNames = Set(scene.trainIndices.map { scene.views[$0].imageURL.lastPathComponent })
            #expect(testNames == expectedTest, "\(folder): test \(testNames)")
            #expect(trainNames == Set(export.names).subtracting(expectedTest), "\(folder): train")
            #expect(scene.near > 0 && scene.near < scene.far, "\(folder)")
            // the scene content (points within radius 1 of the origin) lies inside the bounds
            for c in scene.views.map(\.camera) {
                let depthOfOrigin = c.cameraFromWorld.apply(.zero).z
                #expect(depthOfOrigin - 1 > scene.near && depthOfOrigin + 1 < scene.far, "\(folder): bounds \(scene.near)…\(scene.far)")
            }
            // pixels survive (PNG, 8 bit)
            let v0 = scene.views.firstIndex { $0.imageURL.lastPathComponent == "003.png" }!
            let img = try scene.loadImage(v0)
            if case .images(let src) = export.images {
                #expect(img.width == 16 && img.height == 12 && img.channels == 3)
                #expect(zip(img.pixels, src[3].pixels).allSatisfy { abs($0 - $1) <= 0.5 / 255 + 1e-6 })
            }
        }
        // bounds sources
        #expect(try SceneLoader.load(root.appendingPathComponent("llff")).boundsSource == .file)
        #expect(try SceneLoader.load(root.appendingPathComponent("colmap-txt")).boundsSource == .points)
        #expect(try SceneLoader.load(root.appendingPathComponent("blender")).boundsSource == .file)
    }

    /// Distorted cameras with a decentred principal point and fx ≠ fy (not representable in LLFF) round-trip
    /// through instant-ngp, Blender (explicit intrinsics) and COLMAP (OPENCV model), per-view intrinsics included.
    @Test func distortionAndPerViewIntrinsicsRoundTrip() throws {
        let root = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(root) }
        var export = LoaderFixtures.exportScene(n: 9, seed: 4)
        for i in export.cameras.indices {
            export.cameras[i].intrinsics = Intrinsics(fx: 14 + Double(i % 3), fy: 13.5, cx: 7.7, cy: 6.3, width: 16, height: 12)
        }
        export.distortions = export.cameras.indices.map { i in i % 2 == 0 ? Distortion(k1: -0.1, k2: 0.01, p1: 0.002, p2: -0.001) : nil }
        export.testIndices = [2, 5]
        export.near = nil; export.far = nil
        for (format, folder) in [(SceneFormat.transforms, "ngp"), (.blender, "blender"), (.colmap, "colmap")] {
            let dir = root.appendingPathComponent(folder)
            try SceneWriter.write(export, format: format, to: dir)
            let scene = try SceneLoader.load(dir)
            for v in scene.views {
                let i = export.names.firstIndex(of: v.imageURL.lastPathComponent)!
                Self.expectSameCamera(v.camera, export.cameras[i], "\(folder) \(i)")
                #expect(v.distortion == export.distortion(i), "\(folder) \(i)")
            }
            if format != .colmap {
                #expect(Set(scene.testIndices.map { scene.views[$0].name.hasSuffix("002.png") || scene.views[$0].name.hasSuffix("005.png") }) == [true])
                #expect(scene.testIndices.count == 2)
            }
            #expect(scene.boundsSource == (format == .colmap ? .points : .cameraSpread))
            // a distorted view loads undistorted (the remap runs) with the right size
            let img = try scene.loadImage(scene.views.firstIndex { $0.distortion != nil }!)
            #expect(img.width == 16 && img.height == 12)
        }
        // LLFF refuses what it cannot represent
        LoaderFixtures.expectError(file: "poses_bounds.npy", mentions: ["fx = fy"]) {
            try SceneWriter.write(export, format: .llff, to: root.appendingPathComponent("llff"))
        }
    }
}
