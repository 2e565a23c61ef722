// Replays every fuzz corpus input (seeds and every crash found, Tests/ViewSynthTests/FuzzCorpus/<target>/)
// through the same FuzzEntry the libFuzzer driver calls: no input may trap, and each rejection must be a
// one-line ViewSynthError/EngineError. Named seeds of each hostile class must give their specific error.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct FuzzCorpusTests {
    static let corpus = TestPaths.packageRoot.appendingPathComponent("Tests/ViewSynthTests/FuzzCorpus")

    static func inputs(_ target: String) throws -> [(name: String, data: Data)] {
        let dir = corpus.appendingPathComponent(target)
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map {
            ($0, try Data(contentsOf: dir.appendingPathComponent($0)))
        }
    }

    @Test func everyTargetHasACorpusAndEveryInputKeepsTheContract() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)
            .filter { SceneLoaderTestHelpers.isDirectory(Self.corpus.appendingPathComponent($0)) }
        #expect(Set(folders) == Set(FuzzEntry.names), "corpus folders \(folders.sorted()) vs targets \(FuzzEntry.names)")
        for target in FuzzEntry.names {
            let inputs = try Self.inputs(target)
            #expect(!inputs.isEmpty, "no corpus for \(target)")
            for (name, data) in inputs {
                let r = FuzzEntry.check(target, data)
                #expect(r.violation == nil, "\(target)/\(name): \(r.violation ?? "")")
            }
        }
    }

    /// Outcome of one named seed: nil = parsed, else text the one-line error must contain.
    static let expected: [String: [String: [String]?]] = [
        "image": ["rgb-2x2.png": nil, "gray-3x1.png": nil, "rgba-1x1.png": nil, "rgb-4x3.jpg": nil,
                  "gray-16384x16384-header.png": ["16384×16384", "samples"], "side-40000-header.png": ["sides in 1…32768", "40000×1"]],
        "npy": ["poses-2x17.npy": nil, "f4-3.npy": nil, "shape-overflow.npy": ["elements"], "shape-huge.npy": ["elements"]],
        "llff": ["two-views.npy": nil, "hwf-width-1e20.npy": ["poses_bounds.npy", "hwf width", "1e+20"],
                 "hwf-nan.npy": ["hwf height", "NaN"], "rows-1e6.npy": ["136000000 data bytes", "found 0"]],
        "colmap-text": ["cameras.txt": nil, "images.txt": nil, "points3D.txt": nil,
                        "images-without-points2d.txt": nil, "duplicate-image-ids.txt": ["distinct image ids", "image id 1 twice"],
                        "duplicate-camera-ids.txt": ["distinct camera ids"],
                        "camera-width-1e11.txt": ["width of camera 1", "1…32768", "99999999999"],
                        "camera-width-2e63.txt": ["CAMERA_ID MODEL WIDTH HEIGHT"]],
        "colmap-binary": ["cameras.bin": nil, "images.bin": nil, "points3D.bin": nil,
                          "camera-width-2e63.bin": ["cameras.bin", "width of camera 1", "9223372036854775808"],
                          "points2d-count-huge.bin": ["images.bin", "point2D count"],
                          "duplicate-image-ids.bin": ["distinct image ids"]],
        "blender": ["two-frames.json": nil, "opencv-w-h.json": nil, "h-1e300.json": ["h of frame 0", "1e+300"],
                    "angle-0.json": ["camera_angle_x", "(0, π)"]],
        "instant-ngp": ["split-lists.json": nil, "unknown-split-entry.json": ["999.png"], "w-negative.json": ["w of frame 0", "-48"]],
        "safetensors": ["offsets-1-minus-2e63.safetensors": ["data_offsets", "-9223372036854775808"],
                        "config-width-2e62.safetensors": ["metadata \"config\"", "width"],
                        "config-huge-but-in-field-bounds.safetensors": ["parameters"]],
        "camera-path": ["one-camera.json": nil, "height-negative.json": ["render_height", "-36"],
                        "height-1e300.json": ["render_height", "1e+300"], "pixels-2e31.json": ["samples"],
                        "aspect-2e63.json": ["aspect", "9.22337e+18"],
                        "fov-0.json": ["fov", "(0, 180)"], "fov-180.json": ["fov"], "fov-360.json": ["fov", "360"],
                        "fisheye.json": ["camera_type \"perspective\"", "\"fisheye\""],
                        "fov-string.json": ["camera_path[0].fov", "\"wide\""]],
        "dataparser-transforms": ["identity-shift.json": nil, "scale-nan.json": ["finite", "NaN"],
                                  "scale-0.json": ["scale", "positive", "found 0"],
                                  "singular.json": ["invertible", "singular", "determinant 0"],
                                  "reflection.json": ["rotation", "reflection"], "rows-2.json": ["3 rows of 4", "2 rows"]],
        "sweep-config": ["planes.json": nil, "ncc-window-100001.json": ["nccWindow", "100001"],
                         "planes-1e9.json": ["planes must be within 2…1024"], "planes-1e300.json": ["--sweep-config"],
                         "not-an-object.json": ["--sweep-config"]],
        "model-config": ["paper.json": nil, "guidance.json": nil, "width-2e62.json": ["width ≤ 4096"],
                         "samples-1e5.json": ["samples ≤ 1024"], "samples-int-max.json": ["samples ≤ 1024"],
                         "layers-1e9.json": ["at most 64 layers"], "huge-product.json": ["parameters"]],
    ]

    @Test func namedSeedsGiveTheirSpecificOutcome() throws {
        for (target, cases) in Self.expected {
            let inputs = Dictionary(uniqueKeysWithValues: try Self.inputs(target).map { ($0.name, $0.data) })
            for (name, mentions) in cases {
                let data = try #require(inputs[name], "\(target)/\(name) missing")
                let outcome = FuzzEntry.check(target, data).outcome
                switch (outcome, mentions) {
                case (.parsed, nil): break
                case (.parsed, let m?): Issue.record("\(target)/\(name) parsed, expected an error mentioning \(m)")
                case (.rejected(let e), nil): Issue.record("\(target)/\(name) rejected: \(e)")
                case (.rejected(let e), let m?):
                    for s in m { #expect(e.contains(s), "\(target)/\(name): \(e) does not mention \(s)") }
                }
            }
        }
    }
}

enum SceneLoaderTestHelpers {
    static func isDirectory(_ url: URL) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &d) && d.boolValue
    }
}
