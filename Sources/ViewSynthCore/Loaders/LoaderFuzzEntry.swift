// Byte-level entry points into the scene-file parsers, for fuzzing (FuzzEntry in the ViewSynth module lists
// them with the others) and for replaying fuzz corpora in the tests. Each parses `data` as the named file with
// the loader's own code (no file system: image sizes are a constant 48×36, as if every image existed) and
// either returns normally or throws the loader's error. Nothing here is a second parser.

import Foundation

public enum LoaderFuzzEntry {
    static let root = URL(fileURLWithPath: "/fuzz/scene")
    static func imageSize(_: URL) -> (width: Int, height: Int) { (48, 36) }

    /// PNG or JPEG bytes: header size, full decode and the RGB copy every consumer makes.
    public static func image(_ data: Data) throws {
        _ = try ImageIO.decodeSize(data, path: "fuzz.png")
        _ = try ImageIO.decode(data, path: "fuzz.png").rgb()
    }

    public static func npy(_ data: Data) throws {
        _ = try NPY.decode(data, path: "fuzz.npy")
    }

    /// poses_bounds.npy: the array, then the views and bounds built from its rows.
    public static func llff(_ data: Data) throws {
        let path = root.appendingPathComponent("poses_bounds.npy").path
        let arr = try NPY.decode(data, path: path)
        let n = try LLFFLoader.poseCount(arr, path: path)
        let names = (0..<n).map { String(format: "%05d.png", $0) }
        _ = try LLFFLoader.poses(arr, names: names, urls: names.map { root.appendingPathComponent($0) },
                                 imageSize: (48, 36), path: path)
    }

    /// Which COLMAP file an input is: its first byte 'c' (cameras), 'i' (images) or 'p' (points3D; any other
    /// byte also selects cameras), the rest is the file's content.
    enum COLMAPFile { case cameras, images, points }
    static func split(_ data: Data) -> (COLMAPFile, Data) {
        guard let first = data.first else { return (.cameras, data) }
        let kind: COLMAPFile = first == UInt8(ascii: "i") ? .images : first == UInt8(ascii: "p") ? .points : .cameras
        return (kind, data.dropFirst())
    }

    /// cameras.txt (then every camera's intrinsics), images.txt or points3D.txt (see `split`).
    public static func colmapText(_ data: Data) throws {
        let (kind, body) = split(data)
        guard let text = String(data: body, encoding: .utf8) else { return }
        let lines = COLMAPModel.lines(text)
        switch kind {
        case .cameras:
            for c in try COLMAPModel.parseCameras(lines, file: "cameras.txt").values {
                _ = try COLMAPLoader.intrinsics(c, file: root.appendingPathComponent("cameras.txt"))
            }
        case .images: _ = try COLMAPModel.parseImages(lines, file: "images.txt")
        case .points: _ = COLMAPModel.parsePoints(lines)
        }
    }

    /// cameras.bin (then every camera's intrinsics), images.bin or points3D.bin (see `split`).
    public static func colmapBinary(_ data: Data) throws {
        let (kind, body) = split(data)
        switch kind {
        case .cameras:
            var r = COLMAPModel.Reader(bytes: body, url: root.appendingPathComponent("cameras.bin"))
            for c in try COLMAPModel.parseBinaryCameras(&r).values { _ = try COLMAPLoader.intrinsics(c, file: r.url) }
        case .images:
            var r = COLMAPModel.Reader(bytes: body, url: root.appendingPathComponent("images.bin"))
            _ = try COLMAPModel.parseBinaryImages(&r)
        case .points:
            var r = COLMAPModel.Reader(bytes: body, url: root.appendingPathComponent("points3D.bin"))
            _ = try COLMAPModel.parseBinaryPoints(&r)
        }
    }

    /// transforms_train.json of a Blender scene: frames (intrinsics, distortion, pose) and bounds.
    public static func blender(_ data: Data) throws {
        let doc = try TransformsJSON(data: data, url: root.appendingPathComponent("transforms_train.json"))
        _ = try doc.frames(sceneRoot: root, imageSize: imageSize)
        _ = doc.bounds
    }

    /// transforms.json of an instant-ngp / nerfstudio scene: frames, bounds and the named split lists.
    public static func instantNGP(_ data: Data) throws {
        let doc = try TransformsJSON(data: data, url: root.appendingPathComponent("transforms.json"))
        let frames = try doc.frames(sceneRoot: root, imageSize: imageSize)
        var indexOf: [String: Int] = [:]
        for (i, f) in frames.enumerated() { indexOf[f.imageURL.path] = i }
        _ = try TransformsLoader.namedSplit(doc, indexOf: indexOf, dir: root)
        _ = doc.bounds
    }
}
