import Foundation
import Testing
@testable import ViewSynthCore

/// The package root (the folder holding Package.swift), found from this file's path.
private func packageRoot() -> URL? {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        url.deleteLastPathComponent()
    }
    return nil
}

/// `../shared/scenes` next to the package, when present (a fresh clone may not have it).
private let sharedScenes: URL? = {
    guard let root = packageRoot() else { return nil }
    let url = root.deletingLastPathComponent().appendingPathComponent("shared/scenes")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}()

@Suite(.enabled(if: sharedScenes != nil, "../shared/scenes is absent"))
struct SharedScenesImageTests {
    @Test func readsRealPNGAndJPEG() throws {
        let scenes = try #require(sharedScenes)
        let cases: [(String, Int, Int, Int)] = [
            ("dev/dtu_scan37/images_4/000000.png", 400, 300, 3),
            ("train/cup_kwrous/images_2", 400, 300, 3),   // first JPEG of the folder
            ("dev/lego/train/r_0.png", 400, 400, 4),
        ]
        for (relative, width, height, channels) in cases {
            var url = scenes.appendingPathComponent(relative)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
                Issue.record("missing \(url.path)"); continue
            }
            if isDir.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter {
                    $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg")
                }.sorted()
                url.appendPathComponent(try #require(names.first))
            }
            let size = try ImageIO.readSize(url)
            let image = try ImageIO.read(url)
            #expect(size.width == width && size.height == height, "\(relative)")
            #expect(image.width == width && image.height == height && image.channels == channels, "\(relative)")
            let mean = image.pixels.reduce(0, +) / Float(image.pixels.count)
            #expect(mean > 0.02 && mean < 0.98, "\(relative): mean \(mean)")   // not blank
            #expect(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }
}
