// instant-ngp / nerfstudio scenes: one transforms.json (parsed by TransformsJSON), views in frame-list order.
//
// Split, first that applies:
//   1. nerfstudio "train_filenames" / "test_filenames" (/ "val_filenames") lists in transforms.json, matched
//      to frames by resolved path;
//   2. transforms_train.json and transforms_test.json beside it (figurine), matched by resolved image path;
//   3. every `holdoutEvery`-th frame of the list (index % n == 0) is a test view.
// With 1 or 2, frames named by neither list are in no split (they are still views).
// Near/far: "near"/"far" in the JSON if present, else camera spread (Bounds.swift).

import Foundation

enum TransformsLoader {
    static func load(_ dir: URL, options: SceneLoader.Options) throws -> Scene {
        let doc = try TransformsJSON(dir.appendingPathComponent("transforms.json"))
        let frames = try doc.frames(sceneRoot: dir)
        let views = frames.map { View(name: $0.name, imageURL: $0.imageURL, camera: $0.camera, distortion: $0.distortion, maskURL: $0.maskURL) }
        var indexOf: [String: Int] = [:]
        for (i, v) in views.enumerated() { indexOf[v.imageURL.path] = i }

        func indices(_ paths: [URL], source: URL) throws -> [Int] { try Self.indices(paths, indexOf: indexOf, source: source) }
        var train: [Int], test: [Int], val: [Int] = []
        let trainURL = dir.appendingPathComponent("transforms_train.json"), testURL = dir.appendingPathComponent("transforms_test.json")
        let fm = FileManager.default
        if let named = try namedSplit(doc, indexOf: indexOf, dir: dir) {
            (train, test, val) = named
        } else if fm.fileExists(atPath: trainURL.path), fm.fileExists(atPath: testURL.path) {
            let trDoc = try TransformsJSON(trainURL), teDoc = try TransformsJSON(testURL)
            train = try indices(trDoc.rawFrames.enumerated().map { try trDoc.imageURL($1, index: $0) }, source: trainURL)
            test = try indices(teDoc.rawFrames.enumerated().map { try teDoc.imageURL($1, index: $0) }, source: testURL)
        } else {
            (train, test) = SceneLoader.holdout(count: views.count, every: options.holdoutEvery)
        }
        let testSet = Set(test)
        train = train.filter { !testSet.contains($0) }

        let (near, far, source): (Double, Double, BoundsSource)
        if let b = doc.bounds { (near, far, source) = (b.near, b.far, .file) }
        else { let b = Bounds.fromCameraSpread(views.map(\.camera)); (near, far, source) = (b.near, b.far, .cameraSpread) }
        return Scene(name: dir.lastPathComponent, root: dir, format: .transforms, views: views, near: near, far: far,
                     boundsSource: source, trainIndices: train, testIndices: test,
                     background: options.background, valIndices: val)
    }

    /// The nerfstudio split lists ("train_filenames", "test_filenames", optional "val_filenames") of
    /// transforms.json as view indices (`indexOf`: resolved image path → view index), or nil when it has none.
    static func namedSplit(_ doc: TransformsJSON, indexOf: [String: Int], dir: URL) throws -> (train: [Int], test: [Int], val: [Int])? {
        guard let tr = doc.root["train_filenames"] as? [String], let te = doc.root["test_filenames"] as? [String] else { return nil }
        func indices(_ list: [String]) throws -> [Int] {
            try Self.indices(list.map { dir.appendingPathComponent($0).standardizedFileURL }, indexOf: indexOf, source: doc.url)
        }
        let val = try (doc.root["val_filenames"] as? [String]).map(indices) ?? []
        return (try indices(tr), try indices(te), val)
    }

    /// Indices of the listed paths; every listed path must be a frame.
    static func indices(_ paths: [URL], indexOf: [String: Int], source: URL) throws -> [Int] {
        try paths.map { u in
            guard let i = indexOf[u.path] else {
                throw ViewSynthError(source, expected: "split entries that are frames of transforms.json",
                                     found: "\(u.lastPathComponent.prefix(80)), which is not")
            }
            return i
        }
    }
}
