// The real COLMAP on a procedural scene with exact cameras: `viewsynth synth` renders 20 forward-facing views
// (320×240, textured; COLMAP's SIFT registers all of them), `viewsynth pose` poses its images, and the result is
// compared with the exact cameras after a similarity alignment of the camera centres (SimilarityAlignment):
// every centre within 2 % of the rig radius (the largest distance of a true centre from their mean), the focal
// length within 3 %, and `eval --method sweep` on the posed scene within 1.5 dB of the same on the exact poses.
// Skips without the colmap program (apt-get install colmap; .ci/run installs it). About 40 s on 2 cores.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct ColmapPoseAccuracyTests {
    static let haveColmap = VideoWriter.findExecutable("colmap") != nil

    static func meanPSNR(_ metrics: URL) throws -> Double {
        try JSONDecoder().decode(EvalReport.self, from: Data(contentsOf: metrics)).meanPSNR
    }

    @Test(.enabled(if: haveColmap, "needs COLMAP (apt-get install colmap)"))
    func posedProceduralSceneMatchesItsExactCameras() throws {
        let root = TestPaths.temporaryDirectory("viewsynth-pose-accuracy")
        defer { try? FileManager.default.removeItem(at: root) }
        let truthDir = root.appendingPathComponent("truth"), posedDir = root.appendingPathComponent("posed")
        let synth = try runCLI(["synth", "--seed", "2", "--layout", "forward", "--views", "20", "--size", "320x240",
                                "--format", "colmap", "--out", truthDir.path])
        #expect(synth.status == 0, "\(synth.stderr)")
        let start = Date()
        // The procedural camera is an ideal pinhole (square pixels, no distortion): SIMPLE_PINHOLE is its model.
        let pose = try runCLI(["pose", truthDir.appendingPathComponent("images").path, "--out", posedDir.path,
                               "--camera-model", "SIMPLE_PINHOLE", "--threads", "2"])
        let poseSeconds = Date().timeIntervalSince(start)
        try #require(pose.status == 0, "\(pose.stderr)")
        #expect(pose.stdout.contains("registered 20 of 20 photos"), "\(pose.stdout)")

        let truth = try SceneLoader.load(truthDir), posed = try SceneLoader.load(posedDir)
        try #require(posed.views.map(\.name) == truth.views.map(\.name))
        let trueCentres = truth.views.map(\.camera.center), posedCentres = posed.views.map(\.camera.center)
        let sim = try #require(SimilarityAlignment.align(source: posedCentres, target: trueCentres))
        let mean = trueCentres.reduce(Vec3.zero, +) / Double(trueCentres.count)
        let rigRadius = trueCentres.map { length($0 - mean) }.max()!
        let centreErrors = zip(posedCentres, trueCentres).map { length(sim.apply($0) - $1) / rigRadius }
        let worstCentre = centreErrors.max()!
        // Orientation too (not a requirement of the issue; a loose sanity bound).
        let worstAngle = zip(posed.views, truth.views).map { p, t -> Double in
            let r = t.camera.worldFromCamera.rotation.transposed * sim.apply(pose: p.camera.worldFromCamera).rotation
            return acos(max(-1, min(1, (r[0, 0] + r[1, 1] + r[2, 2] - 1) / 2))) * 180 / .pi
        }.max()!
        let k = posed.views[0].camera.intrinsics, kTrue = truth.views[0].camera.intrinsics
        let focalError = abs(k.fx / kTrue.fx - 1)

        let evalTruth = root.appendingPathComponent("eval-truth"), evalPosed = root.appendingPathComponent("eval-posed")
        for (scene, out) in [(truthDir, evalTruth), (posedDir, evalPosed)] {
            let r = try runCLI(["eval", scene.path, "--method", "sweep", "--out", out.path, "--threads", "2", "--quiet"])
            try #require(r.status == 0, "\(r.stderr)")
        }
        let psnrTruth = try Self.meanPSNR(evalTruth.appendingPathComponent("metrics.json"))
        let psnrPosed = try Self.meanPSNR(evalPosed.appendingPathComponent("metrics.json"))
        print(String(format: "pose accuracy: centres max %.2f %% (mean %.2f %%) of the rig radius %.3f, orientation max %.2f°, "
                     + "focal %.1f vs %.1f px (%.2f %%); sweep %.3f dB posed vs %.3f dB exact; pose %.1f s",
                     100 * worstCentre, 100 * centreErrors.reduce(0, +) / Double(centreErrors.count), rigRadius, worstAngle,
                     k.fx, kTrue.fx, 100 * focalError, psnrPosed, psnrTruth, poseSeconds))
        #expect(worstCentre < 0.02, "camera centre off by \(100 * worstCentre) % of the rig radius")
        #expect(focalError < 0.03, "focal \(k.fx) vs \(kTrue.fx)")
        #expect(worstAngle < 2, "orientation off by \(worstAngle)°")
        #expect(abs(psnrPosed - psnrTruth) < 1.5, "sweep \(psnrPosed) dB posed vs \(psnrTruth) dB exact")
    }
}
