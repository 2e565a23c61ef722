// What a COLMAP sparse model holds, without images: its cameras (model and parameters), the registered images,
// and the 3D points' reprojection errors. `viewsynth pose` reads the mapper's models and the bundle adjuster's
// result through it (COLMAPModel, the same reader the COLMAP scene loader uses).
//
// Mean reprojection error: the mean over the 3D points of each point's ERROR field (points3D.{bin,txt}; COLMAP
// stores there the mean reprojection error of the point's observations, in pixels). That is the figure COLMAP's
// own `model_analyzer` prints as "Mean reprojection error"; `meanObservationError` weights each point by its
// track length instead (the mean over all observations).

import Foundation

public struct COLMAPModelSummary: Sendable, Equatable {
    public struct Camera: Sendable, Equatable {
        public var id: Int
        public var model: String
        public var width: Int
        public var height: Int
        public var params: [Double]
    }

    /// The model folder read (holding cameras.bin or cameras.txt).
    public var folder: URL
    /// Cameras by increasing id.
    public var cameras: [Camera]
    /// Names of the registered images (the images the model holds), in name order.
    public var imageNames: [String]
    /// Number of 3D points.
    public var pointCount: Int
    /// Mean of the points' ERROR fields in pixels (model_analyzer's "Mean reprojection error"); nil without
    /// points with a finite error.
    public var meanReprojectionError: Double?
    /// Mean reprojection error over all observations (each point's error weighted by its track length); nil
    /// when no point has a known track.
    public var meanObservationError: Double?
    /// Mean track length (observations per point); nil without points.
    public var meanTrackLength: Double?

    public var registeredCount: Int { imageNames.count }

    /// Reads the model in `folder` ({cameras,images,points3D}.bin, else .txt).
    /// - Throws: `ViewSynthError` naming the file that is missing or malformed.
    public static func read(_ folder: URL) throws -> COLMAPModelSummary {
        let fm = FileManager.default
        guard fm.fileExists(atPath: folder.appendingPathComponent("cameras.bin").path)
                || fm.fileExists(atPath: folder.appendingPathComponent("cameras.txt").path) else {
            throw ViewSynthError(folder, expected: "a COLMAP model (cameras.bin or cameras.txt)", found: "none")
        }
        let m = try COLMAPModel.read(folder)
        let cameras = m.cameras.values.sorted { $0.id < $1.id }
            .map { Camera(id: $0.id, model: $0.model, width: $0.width, height: $0.height, params: $0.params) }
        let names = m.images.map(\.name).sorted { SceneLoader.nameOrder($0, $1) }
        var errorSum = 0.0, errorCount = 0, weightedSum = 0.0, observations = 0
        for (i, e) in m.pointErrors.enumerated() where e.isFinite {
            errorSum += e; errorCount += 1
            let t = i < m.trackLengths.count ? m.trackLengths[i] : 0
            weightedSum += e * Double(t); observations += t
        }
        let tracks = m.trackLengths.reduce(0, +)
        return COLMAPModelSummary(
            folder: folder, cameras: cameras, imageNames: names, pointCount: m.points.count,
            meanReprojectionError: errorCount > 0 ? errorSum / Double(errorCount) : nil,
            meanObservationError: observations > 0 ? weightedSum / Double(observations) : nil,
            meanTrackLength: m.points.isEmpty || tracks == 0 ? nil : Double(tracks) / Double(m.points.count))
    }

    /// The model folders directly inside `dir` (the mapper's output: 0, 1, 2, …), in numeric order.
    public static func modelFolders(in dir: URL) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.compactMap { n -> (Int, URL)? in
            guard let k = Int(n), k >= 0, String(k) == n else { return nil }
            let url = dir.appendingPathComponent(n)
            let fm = FileManager.default
            guard fm.fileExists(atPath: url.appendingPathComponent("cameras.bin").path)
                    || fm.fileExists(atPath: url.appendingPathComponent("cameras.txt").path) else { return nil }
            return (k, url)
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
