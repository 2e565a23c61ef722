// Blender / NeRF-synthetic scenes: transforms_train.json (required), transforms_val.json and
// transforms_test.json (optional), parsed by TransformsJSON.
//
// Views are the distinct image files of train, then val, then test (a frame listed in several files is one view).
// Splits: train = the frames of transforms_train.json only (val is not trained on, as in NeRF);
// test = the frames of transforms_test.json; `valIndices` = the frames of transforms_val.json (may overlap test:
// stitch lists the same frames in val and test).
// If transforms_test.json lists exactly the frames of transforms_train.json (coke, gum: the three files are
// identical), the files name no usable split: the views are the train list and every `holdoutEvery`-th frame
// (in list order) is held out, as for instant-ngp scenes.
// No split file → every `holdoutEvery`-th train frame is held out.
// Near/far: "near"/"far" in transforms_train.json if present, else camera spread (Bounds.swift; 2 and 6 for
// the NeRF-synthetic sphere of radius 4).

import Foundation

enum BlenderLoader {
    static func load(_ dir: URL, options: SceneLoader.Options) throws -> Scene {
        let trainDoc = try TransformsJSON(dir.appendingPathComponent("transforms_train.json"))
        func optionalDoc(_ name: String) throws -> TransformsJSON? {
            let u = dir.appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: u.path) ? try TransformsJSON(u) : nil
        }
        let valDoc = try optionalDoc("transforms_val.json")
        let testDoc = try optionalDoc("transforms_test.json")

        let train = try trainDoc.frames(sceneRoot: dir)
        var views: [View] = []
        var indexOf: [String: Int] = [:]
        func add(_ frames: [TransformsJSON.Frame]) -> [Int] {
            frames.map { f in
                if let i = indexOf[f.imageURL.path] { return i }
                indexOf[f.imageURL.path] = views.count
                views.append(View(name: f.name, imageURL: f.imageURL, camera: f.camera, distortion: f.distortion, maskURL: f.maskURL))
                return views.count - 1
            }
        }
        var trainIdx = add(train)
        var testIdx: [Int] = [], valIdx: [Int] = []

        let trainPaths = try trainDoc.rawFrames.enumerated().map { try trainDoc.imageURL($1, index: $0).path }
        let testPaths = try testDoc.map { d in try d.rawFrames.enumerated().map { try d.imageURL($1, index: $0).path } }
        if let testDoc, testPaths != trainPaths {
            if let valDoc { valIdx = add(try valDoc.frames(sceneRoot: dir)) }
            testIdx = add(try testDoc.frames(sceneRoot: dir))
            let testSet = Set(testIdx)
            trainIdx = trainIdx.filter { !testSet.contains($0) }
        } else {
            let split = SceneLoader.holdout(count: views.count, every: options.holdoutEvery)
            trainIdx = split.train; testIdx = split.test
        }

        let cams = views.map(\.camera)
        let (near, far, source): (Double, Double, BoundsSource)
        if let b = trainDoc.bounds { (near, far, source) = (b.near, b.far, .file) }
        else { let b = Bounds.fromCameraSpread(cams); (near, far, source) = (b.near, b.far, .cameraSpread) }
        return Scene(name: dir.lastPathComponent, root: dir, format: .blender, views: views, near: near, far: far,
                     boundsSource: source, trainIndices: trainIdx, testIndices: testIdx,
                     background: options.background, valIndices: valIdx)
    }
}
