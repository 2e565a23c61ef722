// Every scene under ../shared/scenes (train and dev) loads and matches the table in its README.
// Skips cleanly when ../shared/scenes is absent (a fresh clone).

import Foundation
import Testing
@testable import ViewSynthCore

struct RealScenesTests {
    struct Expected: Sendable {
        var folder: String, format: SceneFormat, views: Int, width: Int, height: Int
        /// (train, test, val) when the files name a split; nil = every 8th view held out.
        var split: (Int, Int, Int)? = nil
        var masks = false
        var converge = true
    }
    /// The README table (views, W×H, role folder, format, named splits, masks).
    static let table: [Expected] = [
        .init(folder: "train/bird_MichaelYiRong", format: .llff, views: 184, width: 272, height: 480),
        .init(folder: "train/cup_kwrous", format: .llff, views: 77, width: 400, height: 300),
        .init(folder: "train/beer_YhuoyuH", format: .llff, views: 71, width: 240, height: 427),
        .init(folder: "train/milk_zhouyou9505", format: .llff, views: 43, width: 380, height: 285),
        .init(folder: "train/lemontea_Scodive", format: .llff, views: 64, width: 480, height: 270),
        .init(folder: "train/fruit_tusharparimi", format: .transforms, views: 81, width: 303, height: 403),
        .init(folder: "train/figurine_5697526", format: .transforms, views: 80, width: 270, height: 480, split: (70, 10, 0)),
        .init(folder: "train/ultraman_Caesarxxx", format: .transforms, views: 69, width: 270, height: 480),
        .init(folder: "train/giza_terrace_Vincent7140", format: .transforms, views: 101, width: 480, height: 270, converge: false),
        .init(folder: "train/stitch_lambkin108_blenderfmt", format: .blender, views: 110, width: 400, height: 400, split: (88, 22, 22)),
        .init(folder: "train/coke_Scene2Mesh_blenderfmt", format: .blender, views: 111, width: 270, height: 480),
        .init(folder: "train/gum_Scene2Mesh_blenderfmt", format: .blender, views: 123, width: 240, height: 427),
        .init(folder: "train/ethiopianHead", format: .llff, views: 66, width: 500, height: 500, masks: true),
        .init(folder: "train/moldGoldCape", format: .llff, views: 119, width: 456, height: 456, masks: true),
        .init(folder: "train/maryRose", format: .llff, views: 69, width: 494, height: 494, masks: true),
        .init(folder: "train/dtu_scan24", format: .llff, views: 49, width: 400, height: 300, masks: true),
        .init(folder: "train/chair", format: .blender, views: 138, width: 400, height: 400, split: (100, 25, 13)),
        .init(folder: "dev/dtu_scan37", format: .llff, views: 49, width: 400, height: 300, masks: true),
        .init(folder: "dev/lego", format: .blender, views: 138, width: 400, height: 400, split: (100, 25, 13)),
    ]

    /// The 15 scenes added later (README "Scenes added later"): several have per-view sizes, distortion or
    /// sparse rings, so they get the lighter check `laterSceneLoads` (format, view count, split, bounds, a
    /// decoded held-out image at its camera's size).
    static let laterTable: [(folder: String, format: SceneFormat, views: Int)] = [
        ("dev/reefwall_yeraygma", .colmap, 20), ("train/desk_xu-zhy", .colmap, 29), ("train/thermos_binbin2002", .colmap, 101),
        ("train/officedesk_mocialov", .transforms, 34), ("train/pctower_LakshyaTaneja", .transforms, 16),
        ("train/stingray_lywang0416", .transforms, 95), ("train/tabletop_sangminkim-99", .colmap, 42),
        ("train/kangaroo_pechpo", .llff, 29), ("train/blowtorch_vork", .llff, 67), ("train/motherchild_vork", .llff, 19),
        ("train/cattoy_J-Aurora052", .colmap, 78), ("train/mouse_Myhan1023", .colmap, 56), ("train/kingstatue_bartoszek", .colmap, 23),
        ("train/cardboardbox_RugvedMavidipalli", .transforms, 96), ("train/pottedplant_lvllvl", .transforms, 171),
    ]

    static var scenesRoot: URL? { LoaderFixtures.sharedScenes }
    static var hasScenes: Bool { scenesRoot != nil }

    @Test(.enabled(if: hasScenes, "../shared/scenes is absent"))
    func tableCoversEverySceneFolder() throws {
        guard let root = Self.scenesRoot else { return }
        var found: [String] = []
        for role in ["train", "dev"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(role).path)
            found += names.filter { !$0.hasPrefix(".") }.map { "\(role)/\($0)" }
        }
        #expect(Set(found) == Set(Self.table.map(\.folder) + Self.laterTable.map(\.folder)))
    }

    @Test(.enabled(if: hasScenes, "../shared/scenes is absent"), arguments: laterTable.map(\.folder))
    func laterSceneLoads(_ folder: String) throws {
        guard let root = Self.scenesRoot else { return }
        let e = Self.laterTable.first { $0.folder == folder }!
        let scene = try SceneLoader.load(root.appendingPathComponent(folder))
        #expect(scene.format == e.format)
        #expect(scene.views.count == e.views)
        #expect(scene.testIndices == Array(stride(from: 0, to: e.views, by: 8)))
        #expect(scene.trainIndices.count == e.views - scene.testIndices.count)
        #expect(scene.near > 0 && scene.near < scene.far)
        let t = scene.testIndices[0], k = scene.views[t].camera.intrinsics
        let img = try scene.loadImage(t)
        #expect(img.width == k.width && img.height == k.height && img.channels == 3)
    }

    @Test(.enabled(if: hasScenes, "../shared/scenes is absent"), arguments: table.map(\.folder))
    func sceneLoadsAsDocumented(_ folder: String) throws {
        guard let root = Self.scenesRoot else { return }
        let e = Self.table.first { $0.folder == folder }!
        let dir = root.appendingPathComponent(folder)
        let scene = try SceneLoader.load(dir)
        #expect(scene.format == e.format)
        #expect(scene.views.count == e.views)
        if let (train, test, val) = e.split {
            #expect(scene.trainIndices.count == train && scene.testIndices.count == test && scene.valIndices.count == val,
                    "split \(scene.trainIndices.count)/\(scene.testIndices.count)/\(scene.valIndices.count)")
        } else {
            #expect(scene.testIndices == Array(stride(from: 0, to: e.views, by: 8)))
            #expect(scene.trainIndices.count == e.views - scene.testIndices.count)
        }
        #expect(Set(scene.trainIndices).isDisjoint(with: scene.testIndices))
        #expect(scene.views.filter { $0.maskURL != nil }.count == (e.masks ? e.views : 0))
        #expect(scene.near > 0 && scene.near < scene.far)
        for v in scene.views {
            let k = v.camera.intrinsics
            #expect(k.width == e.width && k.height == e.height, "\(v.name): \(k.width)×\(k.height)")
            let size = try ImageIO.readSize(v.imageURL)
            #expect(size.width == k.width && size.height == k.height, "\(v.name)")
            #expect(v.camera.worldFromCamera.rotation.rotationError < 1e-9, "\(v.name)")
            #expect(k.fx > 0 && k.fy > 0 && abs(k.cx - Double(k.width) / 2) < 0.1 * Double(k.width))
        }
        let conv = try #require(Bounds.convergence(scene.views.map(\.camera)))
        #expect(conv.converges == e.converge, "median axis angle \(conv.medianAngleDegrees)°, in front \(conv.inFrontFraction)")
        if e.converge {
            // The meeting point lies between near and far for most views and projects into most images:
            // a wrong axis convention puts it behind the cameras or outside the frame.
            var inBounds = 0, inImage = 0
            for v in scene.views {
                let q = v.camera.cameraFromWorld.apply(conv.point)
                if q.z > scene.near && q.z < scene.far { inBounds += 1 }
                let k = v.camera.intrinsics
                let u = k.fx * q.x / q.z + k.cx, w = k.fy * q.y / q.z + k.cy
                if q.z > 0, u > 0, w > 0, u < Double(k.width), w < Double(k.height) { inImage += 1 }
            }
            #expect(inBounds >= scene.views.count * 9 / 10, "\(inBounds) of \(scene.views.count) in bounds")
            #expect(inImage >= scene.views.count * 9 / 10, "\(inImage) of \(scene.views.count) in image")
        }
        // Pixels of one view (and its mask) decode at the right size.
        let img = try scene.loadImage(scene.testIndices.first ?? 0)
        #expect(img.width == e.width && img.height == e.height && img.channels == 3)
        if e.masks {
            let m = try #require(try scene.loadMask(0))
            #expect(m.width == e.width && m.height == e.height && m.channels == 1)
        }
        // The summary agrees.
        let s = scene.summary()
        #expect(s.views == e.views && s.resolutions == [.init(width: e.width, height: e.height, views: e.views)])
        #expect(s.cameras.converge == e.converge)
    }

    /// NeRF-synthetic geometry: cameras ~4.03 from the origin, looking at it, upright (world +z is image up).
    @Test(.enabled(if: hasScenes, "../shared/scenes is absent"), arguments: ["dev/lego", "train/chair"])
    func blenderSyntheticGeometry(_ folder: String) throws {
        guard let root = Self.scenesRoot else { return }
        let scene = try SceneLoader.load(root.appendingPathComponent(folder))
        for v in scene.views {
            let c = v.camera
            #expect(abs(length(c.center) - 4.031) < 0.01, "\(v.name): distance \(length(c.center))")
            let toOrigin = normalize(-c.center)
            #expect(dot(toOrigin, c.forward) > cos(1.0 * .pi / 180), "\(v.name) does not look at the origin")
            #expect(dot(c.up, Vec3(0, 0, 1)) > 0, "\(v.name) is upside down")
        }
        #expect(abs(scene.near - 2.0) < 0.1 && abs(scene.far - 6.1) < 0.2, "bounds \(scene.near)…\(scene.far)")
        #expect(scene.boundsSource == .cameraSpread)
        // alpha composited on white by default, black on request
        let white = try scene.loadImage(0), black = try SceneLoader.load(root.appendingPathComponent(folder),
            options: .init(background: SceneLoader.Options.black)).loadImage(0)
        #expect(white.pixels[0] == 1 && black.pixels[0] == 0)   // the corner pixel is transparent
    }

    /// DTU (LLFF poses from COLMAP): the object sits in front of every camera near the meeting point of the axes,
    /// and every image is upright with respect to the common "up" (no camera rolled by 180°).
    @Test(.enabled(if: hasScenes, "../shared/scenes is absent"))
    func dtuGeometry() throws {
        guard let root = Self.scenesRoot else { return }
        let scene = try SceneLoader.load(root.appendingPathComponent("train/dtu_scan24"))
        let conv = try #require(Bounds.convergence(scene.views.map(\.camera)))
        #expect(conv.medianAngleDegrees < 10)
        let ups = scene.views.map(\.camera.up)
        let meanUp = normalize(ups.reduce(Vec3.zero, +))
        for (i, u) in ups.enumerated() { #expect(dot(u, meanUp) > 0.3, "view \(i) rolled against the others") }
        #expect(scene.near > 3 && scene.far < 33)  // the file's bounds, world units kept
    }
}
