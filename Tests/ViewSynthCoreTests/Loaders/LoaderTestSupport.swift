// Helpers shared by the loader tests: temporary folders, the package root, a generated scene.

import Foundation
import Testing
@testable import ViewSynthCore

enum LoaderFixtures {
    /// A fresh empty temporary folder (removed by the caller with `cleanup`).
    static func tempDir(_ tag: String = "loaders") throws -> URL {
        let u = FileManager.default.temporaryDirectory
            .appendingPathComponent("viewsynth-\(tag)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
    static func cleanup(_ u: URL) { try? FileManager.default.removeItem(at: u) }

    /// Folder holding Package.swift, found by walking up from this file.
    static var packageRoot: URL {
        var u = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while u.path != "/" {
            if FileManager.default.fileExists(atPath: u.appendingPathComponent("Package.swift").path) { return u }
            u = u.deletingLastPathComponent()
        }
        return u
    }
    /// ../shared/scenes relative to the package root, or nil when absent (fresh clone).
    static var sharedScenes: URL? {
        let u = packageRoot.appendingPathComponent("../shared/scenes").standardizedFileURL
        return FileManager.default.fileExists(atPath: u.appendingPathComponent("README.md").path) ? u : nil
    }

    /// Camera at `center` looking at `target` with a roll of `roll` radians about its axis.
    static func lookAt(center: Vec3, target: Vec3, roll: Double, k: Intrinsics) -> Camera {
        let z = normalize(target - center)
        let helper = abs(z.z) < 0.9 ? Vec3(0, 0, 1) : Vec3(1, 0, 0)
        var x = normalize(cross(z, helper))   // roughly "right"
        var y = cross(z, x)
        let (c, s) = (cos(roll), sin(roll))
        (x, y) = (x * c + y * s, y * c - x * s)
        return Camera(intrinsics: k, worldFromCamera: Rigid3(rotation: Mat3(columns: x, y, z), translation: center))
    }

    /// `n` cameras (16×12, fx = fy = 14, centred principal point: representable by all four formats) on a
    /// sphere of radius ~4 around a point near the origin, random rolls; random-noise images; names 000.png…;
    /// every 8th view is a test view; a few points near the origin.
    static func exportScene(n: Int = 10, seed: UInt64 = 1) -> SceneExport {
        var rng = SplitMix64(seed: seed)
        let k = Intrinsics(fx: 14, fy: 14, cx: 8, cy: 6, width: 16, height: 12)
        var cams: [Camera] = [], imgs: [Image] = [], names: [String] = []
        for i in 0..<n {
            let theta = rng.uniform(0, 2 * .pi), phi = rng.uniform(0.2, 1.2), r = rng.uniform(3.5, 4.5)
            let c = Vec3(r * cos(theta) * cos(phi), r * sin(theta) * cos(phi), r * sin(phi))
            let t = Vec3(rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2))
            cams.append(lookAt(center: c, target: t, roll: rng.uniform(-0.5, 0.5), k: k))
            imgs.append(Image(width: 16, height: 12, channels: 3, pixels: (0..<(16 * 12 * 3)).map { _ in Float(rng.uniform()) }))
            names.append(String(format: "%03d.png", i))
        }
        let points = (0..<200).map { _ in Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)) }
        return SceneExport(names: names, cameras: cams, images: .images(imgs), near: 2, far: 6,
                           testIndices: SceneLoader.holdout(count: n, every: 8).test, points: points)
    }

    /// Expect `body` to throw a ViewSynthError whose one-line description names `file` and contains every
    /// string in `mentions`.
    static func expectError(file: String, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected a ViewSynthError naming \(file)", sourceLocation: sourceLocation)
        } catch let e as ViewSynthError {
            let d = e.description
            #expect(!d.contains("\n"), "not one line: \(d)", sourceLocation: sourceLocation)
            #expect(d.contains(file), "\(d) does not name \(file)", sourceLocation: sourceLocation)
            for m in mentions { #expect(d.contains(m), "\(d) does not mention \(m)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("expected a ViewSynthError, got \(error)", sourceLocation: sourceLocation)
        }
    }
}
