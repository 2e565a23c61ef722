// A scene as training sees it: cameras, depth bounds, train/test split and images on demand — either a
// scene folder read by SceneLoader (images decoded lazily and cached in memory by `ReferenceImages`, with a
// byte bound, least recently used evicted) or a procedural scene generated in memory (ViewSynthSynthetic).
//
// After the first few steps every image a step needs is a cache hit (the default bound, 1 GiB per scene,
// holds ~1700 images of 252×189), so data loading costs a copy of N images into a ViewSet per view set,
// far below the math of a step.

import Foundation
import ViewSynthCore
import ViewSynthSynthetic

public final class TrainingScene: @unchecked Sendable {
    public let name: String
    public let cameras: [Camera]
    public let near: Double
    public let far: Double
    /// Views used as targets and references while training.
    public let trainIndices: [Int]
    /// Held-out views (validation targets).
    public let testIndices: [Int]

    private enum Source {
        case folder(ReferenceImages)
        case memory([Image], depths: [[Float]])
    }
    private let source: Source

    /// A loaded scene folder; `cacheBytes` bounds its decoded images kept in memory.
    public init(scene: Scene, cacheBytes: Int = 1 << 30) {
        name = scene.name
        cameras = scene.views.map(\.camera)
        near = scene.near
        far = scene.far
        trainIndices = scene.trainIndices
        testIndices = scene.testIndices
        source = .folder(ReferenceImages(scene: scene, candidates: scene.trainIndices, maxBytes: cacheBytes))
    }

    /// A procedural scene held in memory.
    public init(synthetic s: SyntheticScene) {
        name = s.name
        cameras = s.cameras
        near = s.near
        far = s.far
        trainIndices = s.trainIndices
        testIndices = s.testIndices
        source = .memory(s.views.map { $0.image.rgb() }, depths: s.views.map(\.depth))
    }

    /// Loads a scene folder (throws `ViewSynthError` for a missing folder or bad files).
    public static func load(_ dir: URL, cacheBytes: Int = 1 << 30) throws -> TrainingScene {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ViewSynthError(dir, expected: "a scene folder", found: FileManager.default.fileExists(atPath: dir.path) ? "a file" : "nothing")
        }
        return TrainingScene(scene: try SceneLoader.load(dir), cacheBytes: cacheBytes)
    }

    /// A forward-facing procedural scene from `seed` (`views` views of `width × height`, generated now).
    public static func synthetic(seed: UInt64, layout: SyntheticLayout = .forward, views: Int = 20, width: Int = 160,
                                 height: Int = 120, samplesPerPixel: Int = 4) throws -> TrainingScene {
        let g = SyntheticSceneGenerator(seed: seed, layout: layout, views: views, width: width, height: height,
                                        samplesPerPixel: samplesPerPixel)
        try g.validate()
        return TrainingScene(synthetic: g.generate())
    }

    /// RGB image of view `index` (cached).
    public func image(_ index: Int) throws -> Image {
        switch source {
        case .folder(let refs): return try refs.image(index)
        case .memory(let images, _): return images[index]
        }
    }

    /// The scene folder's images (the same cache training reads; nil for a procedural scene): what a
    /// full-image evaluation of held-out views renders from (FinalValidation).
    public var folderImages: ReferenceImages? {
        if case .folder(let refs) = source { return refs }
        return nil
    }

    /// Exact camera-z depth of view `index` [H·W] (procedural scenes; nil for folders). Non-finite or ≤ 0
    /// where the ray hits nothing.
    public func depth(_ index: Int) -> [Float]? {
        switch source {
        case .folder: return nil
        case .memory(_, let depths): return depths[index]
        }
    }

    /// Up to `count` training views nearest to view `index`'s camera (camera-centre distance), excluding it.
    public func nearestTrainingViews(to camera: Camera, count: Int, excluding: Int?) -> [Int] {
        ReferenceViewSelector(count: count).select(for: camera, among: cameras, candidates: trainIndices, excluding: excluding)
    }

    /// A view set for `target` from the given reference views.
    func viewSet(target: Camera, references: [Int]) throws -> ViewSet<Float> {
        try ViewSet(target: target, references: references.map { cameras[$0] },
                    images: try references.map { try image($0) }, referenceIDs: references, near: near, far: far)
    }
}
