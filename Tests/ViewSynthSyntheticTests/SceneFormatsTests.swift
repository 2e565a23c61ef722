import Foundation
import Testing
import ViewSynthCore
@testable import ViewSynthSynthetic

/// A synthetic scene written in each output format loads through SceneLoader to the same cameras, split and
/// (where the format stores them) bounds; depth files decode to the in-memory depth.
struct SceneFormatsTests {
    static let generator = SyntheticSceneGenerator(seed: 21, layout: .forward, views: 9, width: 32, height: 24,
                                                   samplesPerPixel: 1)
    static let scene = generator.generate()

    func tempDir(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("viewsynth-synth-\(tag)-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(arguments: [SceneFormat.llff, .blender, .transforms, .colmap])
    func writtenSceneLoadsToTheSameCameras(format: SceneFormat) throws {
        let s = Self.scene
        let dir = try tempDir(format.rawValue)
        defer { try? FileManager.default.removeItem(at: dir) }
        try s.write(to: dir, format: format, generator: Self.generator)
        let loaded = try SceneLoader.load(dir)
        #expect(loaded.format == format)
        try #require(loaded.views.count == s.views.count)
        // Loaders may order views differently (Blender: train then test); match them by image file stem.
        func stem(_ v: View) -> String { v.imageURL.deletingPathExtension().lastPathComponent }
        let byName = Dictionary(uniqueKeysWithValues: loaded.views.map { (stem($0), $0) })
        for sv in s.views {
            let v = try #require(byName[sv.name])
            let a = v.camera, b = sv.camera
            #expect(a.intrinsics.width == b.intrinsics.width && a.intrinsics.height == b.intrinsics.height)
            for (x, y) in [(a.intrinsics.fx, b.intrinsics.fx), (a.intrinsics.fy, b.intrinsics.fy),
                           (a.intrinsics.cx, b.intrinsics.cx), (a.intrinsics.cy, b.intrinsics.cy)] {
                #expect(abs(x - y) < 1e-9 * max(1, abs(y)))
            }
            for r in 0..<3 {
                for c in 0..<3 { #expect(abs(a.worldFromCamera.rotation[r, c] - b.worldFromCamera.rotation[r, c]) < 1e-9) }
                #expect(abs(a.worldFromCamera.translation[r] - b.worldFromCamera.translation[r]) < 1e-9)
            }
        }
        #expect(Set(loaded.testIndices.map { stem(loaded.views[$0]) }) == Set(s.testIndices.map { s.views[$0].name }))
        if format != .colmap {
            #expect(abs(loaded.near - s.near) < 1e-9 && abs(loaded.far - s.far) < 1e-9)
        } else {
            // COLMAP bounds come from the written surface points: inside the exact range.
            #expect(loaded.near >= s.near * 0.5 && loaded.far <= s.far * 1.5)
        }
        // The first image decodes to the rendered pixels (8-bit rounding).
        let img = try ImageIO.read(try #require(byName[s.views[0].name]).imageURL)
        let ref = s.views[0].image
        #expect(img.width == ref.width && img.height == ref.height)
        let maxErr = zip(img.rgb().pixels, ref.pixels).map { abs($0 - $1) }.max() ?? 1
        #expect(maxErr <= 0.5 / 255 + 1e-6)
    }

    @Test(arguments: SyntheticDepthFormat.allCases)
    func depthFilesDecodeToTheExactDepth(depthFormat: SyntheticDepthFormat) throws {
        let s = Self.scene
        let dir = try tempDir("depth-\(depthFormat.rawValue)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try s.write(to: dir, format: .llff, depthFormat: depthFormat)
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("depth/depth.json"))) as? [String: Any]
        #expect(meta?["encoding"] as? String == depthFormat.rawValue)
        let v = s.views[3], w = v.camera.intrinsics.width
        let decoded: [Double]
        switch depthFormat {
        case .png16:
            let scale = try #require(meta?["scale"] as? Double)
            #expect(scale == s.depthScale)
            // ImageIO reads 16-bit gray as floats value / 65535.
            let img = try ImageIO.read(dir.appendingPathComponent("depth/\(v.name).png"))
            #expect(img.width == w && img.channels == 1)
            decoded = img.pixels.map { (Double($0) * 65535).rounded() / scale }
            for (d, e) in zip(decoded, v.depth) { #expect(abs(d - Double(e)) <= 0.5 / scale + 1e-9) }
        case .npy:
            let a = try NPY.read(dir.appendingPathComponent("depth/\(v.name).npy"))
            #expect(a.shape == [v.camera.intrinsics.height, w])
            #expect(a.values == v.depth.map(Double.init))
        }
    }

    @Test func sameBytesOnDiskWithOneAndTwoThreads() throws {
        var g1 = SyntheticSceneGenerator(seed: 8, layout: .object, views: 3, width: 24, height: 20, threads: 1)
        let d1 = try tempDir("t1"), d2 = try tempDir("t2")
        defer { try? FileManager.default.removeItem(at: d1); try? FileManager.default.removeItem(at: d2) }
        try g1.write(to: d1, format: .blender)
        g1.threads = 2
        try g1.write(to: d2, format: .blender)
        let files = try FileManager.default.subpathsOfDirectory(atPath: d1.path).sorted()
        #expect(files == (try FileManager.default.subpathsOfDirectory(atPath: d2.path).sorted()))
        #expect(files.contains("depth/view_002.png") && files.contains("images/view_002.png"))
        for f in files {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: d1.appendingPathComponent(f).path, isDirectory: &isDir), isDir.boolValue { continue }
            #expect(FileManager.default.contents(atPath: d1.appendingPathComponent(f).path)
                    == FileManager.default.contents(atPath: d2.appendingPathComponent(f).path), "\(f)")
        }
    }
}
