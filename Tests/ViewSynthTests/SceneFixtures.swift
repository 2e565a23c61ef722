// A tiny generated forward-facing scene for render/eval/CLI tests: `n` cameras on a small grid in the z = 0
// plane, all looking along +z (OpenCV axes), photographing a random-textured plane at z = `planeDepth`.
// Images are ray-traced exactly (bilinear value noise on a 0.3-unit grid), so a plane sweep recovers depth
// `planeDepth` and the renders are meaningful, yet every image is only 48×36 and renders in milliseconds.

import Foundation
@testable import ViewSynth

enum SceneFixtures {
    static let width = 48, height = 36
    static let planeDepth = 4.0
    static let intrinsics = Intrinsics(fx: 40, fy: 40, cx: 24, cy: 18, width: width, height: height)

    /// Value-noise texture on the plane: RGB in [0.1, 0.9], bilinear between random colours on a grid.
    static func texture(_ x: Double, _ y: Double, seed: UInt64) -> SIMD3<Float> {
        let cell = 0.3
        let gx = x / cell, gy = y / cell
        let ix = Int(gx.rounded(.down)), iy = Int(gy.rounded(.down))
        let fx = Float(gx - Double(ix)), fy = Float(gy - Double(iy))
        func corner(_ i: Int, _ j: Int) -> SIMD3<Float> {
            var rng = SplitMix64(seed: seed &+ UInt64(bitPattern: Int64(i &* 73_856_093 ^ j &* 19_349_663)))
            return SIMD3(Float(rng.uniform(0.1, 0.9)), Float(rng.uniform(0.1, 0.9)), Float(rng.uniform(0.1, 0.9)))
        }
        let a = corner(ix, iy) * (1 - fx) + corner(ix + 1, iy) * fx
        let b = corner(ix, iy + 1) * (1 - fx) + corner(ix + 1, iy + 1) * fx
        return a * (1 - fy) + b * fy
    }

    /// Cameras on a 4-wide grid with 0.2 spacing (a second row every 4 views), identity rotation.
    static func cameras(_ n: Int) -> [Camera] {
        (0..<n).map { i in
            let x = (Double(i % 4) - 1.5) * 0.2, y = (Double(i / 4) - Double((n - 1) / 4) / 2) * 0.2
            return Camera(intrinsics: intrinsics, worldFromCamera: Rigid3(rotation: .identity, translation: Vec3(x, y, 0)))
        }
    }

    static func image(_ cam: Camera, seed: UInt64) -> Image {
        var img = Image(width: width, height: height, channels: 3)
        let k = cam.intrinsics
        for v in 0..<height {
            for u in 0..<width {
                // Ray through the pixel centre; identity rotation, so the hit on z = planeDepth is direct.
                let dx = (Double(u) + 0.5 - k.cx) / k.fx, dy = (Double(v) + 0.5 - k.cy) / k.fy
                let c = cam.center
                let col = texture(c.x + dx * planeDepth, c.y + dy * planeDepth, seed: seed)
                img[u, v, 0] = col.x; img[u, v, 1] = col.y; img[u, v, 2] = col.z
            }
        }
        return img
    }

    /// Writes an `n`-view scene (names 000.png …, or .jpg) in `format` into a new temp folder and returns it.
    /// LLFF holds out every 8th view from 0; Blender/transforms get `testIndices` (default: the same).
    static func write(n: Int = 8, format: SceneFormat = .llff, seed: UInt64 = 7, testIndices: [Int]? = nil,
                      imageExtension: String = "png", in parent: URL? = nil) throws -> URL {
        let dir = (parent ?? TestPaths.temporaryDirectory("viewsynth-scene")).appendingPathComponent("scene")
        let cams = cameras(n)
        let export = SceneExport(
            names: (0..<n).map { String(format: "%03d.", $0) + imageExtension }, cameras: cams,
            images: .images(cams.map { image($0, seed: seed) }), near: 2, far: 8,
            testIndices: testIndices ?? stride(from: 0, to: n, by: 8).map { $0 })
        try SceneWriter.write(export, format: format, to: dir)
        return dir
    }

    /// Regular files under `dir` (relative paths, sorted), including hidden ones.
    static func files(_ dir: URL) -> [String] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out: [String] = []
        let base = dir.standardizedFileURL.resolvingSymlinksInPath().path
        for case let url as URL in e {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let p = url.standardizedFileURL.resolvingSymlinksInPath().path
            out.append(p.hasPrefix(base + "/") ? String(p.dropFirst(base.count + 1)) : p)
        }
        return out.sorted()
    }

    /// Contents of the files under `dir` whose relative path satisfies `include`, keyed by relative path.
    static func contents(_ dir: URL, include: (String) -> Bool = { $0.hasSuffix(".png") }) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for f in files(dir) where include(f) { out[f] = try Data(contentsOf: dir.appendingPathComponent(f)) }
        return out
    }
}
