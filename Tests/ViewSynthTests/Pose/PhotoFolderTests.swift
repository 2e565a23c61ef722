// PhotoFolder: the photos `viewsynth pose` starts from (listing, full decode, one size for one camera) and their
// copies (byte for byte, or area-downscaled).

import Foundation
import Testing
@testable import ViewSynth

@Suite struct PhotoFolderTests {
    /// `n` 48×36 photos (the scene fixture's images) in a new folder `photos` under `root`.
    static func photos(_ n: Int, ext: String = "png", in root: URL) throws -> URL {
        let scene = try SceneFixtures.write(n: n, imageExtension: ext, in: root)
        let dir = root.appendingPathComponent("photos")
        try FileManager.default.moveItem(at: scene.appendingPathComponent("images"), to: dir)
        try FileManager.default.removeItem(at: scene)
        return dir
    }

    static func expectError(mentions: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch {
            let d = "\(error)"
            #expect(!d.contains("\n"), "not one line: \(d)", sourceLocation: sourceLocation)
            for m in mentions { #expect(d.contains(m), "\(d) does not mention \(m)", sourceLocation: sourceLocation) }
        }
    }

    @Test func listsDecodesAndCopiesThePhotos() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = try Self.photos(4, in: root)
        try Data("not a photo".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let folder = try PhotoFolder(dir, sharedCamera: true)
        #expect(folder.photos.map(\.name) == ["000.png", "001.png", "002.png", "003.png"])
        #expect(folder.photos.allSatisfy { $0.width == 48 && $0.height == 36 })

        let same = root.appendingPathComponent("same"), small = root.appendingPathComponent("small")
        for d in [same, small] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        #expect(try folder.writeCopies(to: same, maxSize: 48) == 0)
        #expect(try Data(contentsOf: same.appendingPathComponent("001.png")) == Data(contentsOf: dir.appendingPathComponent("001.png")))
        #expect(try folder.writeCopies(to: small, maxSize: 32) == 4)
        let s = try ImageIO.readSize(small.appendingPathComponent("003.png"))
        #expect(s.width == 32 && s.height == 24)
    }

    @Test func refusesTooFewPhotosADamagedOneAndMixedSizes() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = try Self.photos(3, ext: "jpg", in: root)
        let missing = root.appendingPathComponent("nope")
        Self.expectError(mentions: [missing.path, "a folder of photos", "nothing"]) { _ = try PhotoFolder(missing, sharedCamera: true) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("002.jpg"))
        Self.expectError(mentions: [dir.path, "at least 3 photos", "found 2 (000.jpg, 001.jpg)"]) { _ = try PhotoFolder(dir, sharedCamera: true) }

        try ImageIO.writePNG(Image(width: 40, height: 30, channels: 3, fill: 0.5), to: dir.appendingPathComponent("002.png"))
        Self.expectError(mentions: [dir.appendingPathComponent("002.png").path, "48×36", "40×30", "--camera-per-image"]) {
            _ = try PhotoFolder(dir, sharedCamera: true)
        }
        #expect(try PhotoFolder(dir, sharedCamera: false).photos.count == 3)

        let bad = dir.appendingPathComponent("001.jpg")
        let bytes = try Data(contentsOf: bad)
        try bytes.prefix(bytes.count / 2).write(to: bad)
        Self.expectError(mentions: [bad.path, "truncated JPEG data"]) { _ = try PhotoFolder(dir, sharedCamera: false) }
    }

    @Test func copySizeKeepsTheAspectRatio() {
        #expect(PhotoFolder.copySize(width: 4032, height: 3024, maxSize: 1008) == (1008, 756))
        #expect(PhotoFolder.copySize(width: 3024, height: 4032, maxSize: 1000) == (750, 1000))
        #expect(PhotoFolder.copySize(width: 640, height: 480, maxSize: 640) == (640, 480))
        #expect(PhotoFolder.copySize(width: 640, height: 480, maxSize: nil) == (640, 480))
        #expect(PhotoFolder.copySize(width: 1000, height: 3, maxSize: 100) == (100, 1))
    }

    @Test func downscaleAveragesTheAreaEachPixelCovers() {
        // 4×2 → 2×1: each output pixel is the mean of a 2×2 block.
        let img = Image(width: 4, height: 2, channels: 1, pixels: [0, 1, 2, 3, 4, 5, 6, 7])
        let half = PhotoFolder.downscale(img, width: 2, height: 1)
        #expect(half.pixels == [2.5, 4.5])
        // 3 → 2 along x: weights (1, 0.5) and (0.5, 1) over 1.5 source pixels.
        let third = PhotoFolder.downscale(Image(width: 3, height: 1, channels: 1, pixels: [0, 3, 6]), width: 2, height: 1)
        #expect(abs(third.pixels[0] - 1) < 1e-6 && abs(third.pixels[1] - 5) < 1e-6)
        // A constant colour stays constant, and the mean of any image is kept (area weights sum to 1).
        var rng = SplitMix64(seed: 3)
        let noise = Image(width: 37, height: 23, channels: 3, pixels: (0..<(37 * 23 * 3)).map { _ in Float(rng.uniform()) })
        let small = PhotoFolder.downscale(noise, width: 10, height: 7)
        #expect(small.width == 10 && small.height == 7 && small.channels == 3)
        func mean(_ i: Image, _ c: Int) -> Double { stride(from: c, to: i.pixels.count, by: 3).map { Double(i.pixels[$0]) }.reduce(0, +) / Double(i.width * i.height) }
        for c in 0..<3 { #expect(abs(mean(small, c) - mean(noise, c)) < 1e-4) }
        let flat = PhotoFolder.downscale(Image(width: 9, height: 5, channels: 2, fill: 0.25), width: 1, height: 1)
        #expect(flat.pixels.allSatisfy { abs($0 - 0.25) < 1e-6 })
    }
}
