import Foundation
import Testing
@testable import ViewSynthCore

struct BoundsAndSummaryTests {
    static let k = Intrinsics(fx: 50, fy: 50, cx: 32, cy: 24, width: 64, height: 48)

    @Test func cameraSpreadOnASphereGivesTheNeRFBounds() {
        var rng = SplitMix64(seed: 2)
        let cams = (0..<30).map { _ -> Camera in
            let d = normalize(Vec3(rng.normal(), rng.normal(), abs(rng.normal())))
            return LoaderFixtures.lookAt(center: d * 4, target: .zero, roll: rng.uniform(-1, 1), k: Self.k)
        }
        let conv = Bounds.convergence(cams)!
        #expect(length(conv.point) < 1e-9 && conv.converges && conv.medianAngleDegrees < 1e-6)
        let b = Bounds.fromCameraSpread(cams)
        #expect(abs(b.near - 2) < 1e-9 && abs(b.far - 6) < 1e-9)
    }

    @Test func outwardCamerasDoNotConverge() {
        // a walk along a line looking sideways alternately left and right: no common meeting point in front
        let cams = (0..<20).map { i -> Camera in
            let c = Vec3(Double(i) * 0.5, 0, 0)
            let side = i % 2 == 0 ? 1.0 : -1.0
            return LoaderFixtures.lookAt(center: c, target: c + Vec3(0.3, side, 0), roll: 0, k: Self.k)
        }
        let conv = Bounds.convergence(cams)
        #expect(conv.map { !$0.converges } ?? true)
        let b = Bounds.fromCameraSpread(cams)
        #expect(abs(b.near - 0.05 * 9.5) < 1e-9 && abs(b.far - 20 * 9.5) < 1e-9)
    }

    @Test func boundsFromPointsUsePercentilesOfVisibleDepths() {
        // points on a plane 5 in front of one camera; a point behind and one outside the image are ignored
        let cam = Camera(intrinsics: Self.k, worldFromCamera: .identity)
        var pts = (0..<100).map { i in Vec3(Double(i % 10) * 0.1 - 0.5, Double(i / 10) * 0.08 - 0.4, 5 + Double(i) * 0.01) }
        pts += [Vec3(0, 0, -3), Vec3(100, 0, 1)]
        let b = Bounds.fromPoints(pts, cameras: [cam])!
        #expect(abs(b.near - 0.9 * (5 + 0.99 * 0.01)) < 1e-9)
        #expect(abs(b.far - 1.1 * (5 + 98.01 * 0.01)) < 1e-9)
        #expect(Bounds.fromPoints(Array(pts.prefix(5)), cameras: [cam]) == nil)   // too few points seen
    }

    @Test func summaryDescribesTheSceneAndEncodes() throws {
        let root = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(root) }
        try SceneWriter.write(LoaderFixtures.exportScene(n: 12), format: .transforms, to: root)
        let scene = try SceneLoader.load(root)
        let s = scene.summary()
        #expect(s.format == .transforms && s.views == 12 && s.train == 10 && s.test == 2 && s.val == 0)
        #expect(s.resolutions == [.init(width: 16, height: 12, views: 12)])
        #expect(s.near == 2 && s.far == 6 && s.boundsSource == .file)
        #expect(s.cameras.focalMin == 14 && s.cameras.focalMax == 14 && s.cameras.converge)
        #expect(s.cameras.centerMin.count == 3 && zip(s.cameras.centerMin, s.cameras.centerMax).allSatisfy { $0 < $1 })
        #expect(s.cameras.meanNeighborDistance > 0)
        let data = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(SceneSummary.self, from: data) == s)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"format\":\"instant-ngp\"") && json.contains("\"boundsSource\":\"file\""))
        let text = s.text
        for needle in ["instant-ngp", "12  (train 10, test 2)", "16×12 (12)", "near/far    2 / 6", "converge"] {
            #expect(text.contains(needle), "summary text lacks \(needle):\n\(text)")
        }
    }

    @Test func llffImagesFolderChoiceAndMasks() throws {
        let root = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(root) }
        let export = LoaderFixtures.exportScene(n: 9)
        try SceneWriter.write(export, format: .llff, to: root)
        let fm = FileManager.default
        // images_2 holds the same images (stand-in for a downsampled copy); the default picks it (largest N)
        try fm.copyItem(at: root.appendingPathComponent("images"), to: root.appendingPathComponent("images_2"))
        try fm.createDirectory(at: root.appendingPathComponent("masks_2"), withIntermediateDirectories: true)
        for i in 0..<9 {
            try ImageIO.writePNG(Image(width: 16, height: 12, channels: 1, fill: Float(i) / 8),
                                 to: root.appendingPathComponent("masks_2/m\(i).png"))
        }
        let s = try SceneLoader.load(root)
        #expect(s.views.allSatisfy { $0.imageURL.path.contains("/images_2/") })
        #expect(s.views.map { $0.maskURL?.lastPathComponent } == (0..<9).map { "m\($0).png" })
        let m = try #require(try s.loadMask(4))
        #expect(m.channels == 1 && abs(m.pixels[0] - 0.5) < 1 / 255)
        let plain = try SceneLoader.load(root, options: .init(imagesFolder: "images"))
        #expect(plain.views.allSatisfy { $0.imageURL.path.contains("/images/") && $0.maskURL == nil })
        // focal scaled by actual width / hwf width: a half-size copy halves the focal length
        try fm.removeItem(at: root.appendingPathComponent("images_2"))
        try fm.createDirectory(at: root.appendingPathComponent("images_2"), withIntermediateDirectories: true)
        for n in export.names { try ImageIO.writePNG(Image(width: 8, height: 6, channels: 3), to: root.appendingPathComponent("images_2/\(n)")) }
        let half = try SceneLoader.load(root)
        #expect(half.views[0].camera.intrinsics == Intrinsics(fx: 7, fy: 7, cx: 4, cy: 3, width: 8, height: 6))
        LoaderFixtures.expectError(file: "images_3", mentions: ["requested images folder"]) {
            _ = try SceneLoader.load(root, options: .init(imagesFolder: "images_3"))
        }
    }
}
