import Foundation
import Testing
@testable import ViewSynthCore

struct COLMAPModelSummaryTests {
    static func model() -> COLMAPModel {
        var m = COLMAPModel()
        m.cameras[2] = .init(id: 2, model: "SIMPLE_RADIAL", width: 320, height: 240, params: [300, 160, 120, -0.01])
        m.images = [.init(id: 5, qw: 1, qx: 0, qy: 0, qz: 0, t: Vec3(0, 0, 0), cameraID: 2, name: "b.jpg"),
                    .init(id: 1, qw: 1, qx: 0, qy: 0, qz: 0, t: Vec3(1, 0, 0), cameraID: 2, name: "a.jpg")]
        m.points = [Vec3(0, 0, 5), Vec3(1, 0, 5), Vec3(0, 1, 6)]
        m.pointErrors = [0.5, 1.0, 0.3]
        m.trackLengths = [2, 4, 2]
        return m
    }

    @Test func readsRegisteredImagesCamerasAndTheMeanPointError() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        for binary in [true, false] {
            let folder = dir.appendingPathComponent(binary ? "bin" : "txt")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if binary { try Self.model().writeBinary(to: folder) } else { try Self.model().writeText(to: folder) }
            let s = try COLMAPModelSummary.read(folder)
            #expect(s.imageNames == ["a.jpg", "b.jpg"])
            #expect(s.registeredCount == 2 && s.pointCount == 3)
            #expect(s.cameras == [.init(id: 2, model: "SIMPLE_RADIAL", width: 320, height: 240, params: [300, 160, 120, -0.01])])
            // model_analyzer's figure: the mean of the points' errors; and the mean over observations.
            let perPoint = try #require(s.meanReprojectionError)
            let perObservation = try #require(s.meanObservationError)
            let track = try #require(s.meanTrackLength)
            #expect(abs(perPoint - 0.6) < 1e-12)
            #expect(abs(perObservation - (0.5 * 2 + 1.0 * 4 + 0.3 * 2) / 8) < 1e-12)
            #expect(abs(track - 8.0 / 3) < 1e-12)
        }
    }

    @Test func modelFoldersAreTheMappersNumberedModelsInOrder() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        for name in ["10", "2", "0", "x", "03"] {
            let f = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: f, withIntermediateDirectories: true)
            if name != "03" { try Self.model().writeBinary(to: f) }
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("7"), withIntermediateDirectories: true)   // empty
        #expect(COLMAPModelSummary.modelFolders(in: dir).map(\.lastPathComponent) == ["0", "2", "10"])
        #expect(COLMAPModelSummary.modelFolders(in: dir.appendingPathComponent("missing")).isEmpty)
    }

    @Test func aFolderWithoutAModelIsAOneLineError() throws {
        let dir = try LoaderFixtures.tempDir()
        defer { LoaderFixtures.cleanup(dir) }
        LoaderFixtures.expectError(file: dir.path, mentions: ["cameras.bin"]) { _ = try COLMAPModelSummary.read(dir) }
        var m = Self.model()
        m.points = []; m.pointErrors = []; m.trackLengths = []
        try m.writeBinary(to: dir)
        let s = try COLMAPModelSummary.read(dir)
        #expect(s.meanReprojectionError == nil && s.meanTrackLength == nil && s.pointCount == 0)
    }
}
