import Foundation
import Testing
@testable import ViewSynthCore

struct CameraConventionsTests {
    static func randomPose(_ rng: inout SplitMix64) -> Rigid3 {
        Rigid3(rotation: Mat3(quaternion: (rng.normal(), rng.normal(), rng.normal(), rng.normal())),
               translation: Vec3(rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3)))
    }
    static func maxDiff(_ a: Rigid3, _ b: Rigid3) -> Double {
        var m = 0.0
        for r in 0..<3 {
            for c in 0..<3 { m = max(m, abs(a.rotation[r, c] - b.rotation[r, c])) }
            m = max(m, abs(a.translation[r] - b.translation[r]))
        }
        return m
    }

    @Test func conversionsRoundTrip() {
        var rng = SplitMix64(seed: 21)
        for _ in 0..<100 {
            let p = Self.randomPose(&rng)
            let gl = CameraConventions.toOpenGL(p)
            #expect(Self.maxDiff(CameraConventions.fromOpenGL(rotation: gl.rotation, translation: gl.translation), p) == 0)
            let ll = CameraConventions.toLLFF(p)
            #expect(Self.maxDiff(CameraConventions.fromLLFF(rotation: ll.rotation, translation: ll.translation), p) == 0)
            #expect(abs(ll.rotation.determinant - 1) < 1e-12 && abs(gl.rotation.determinant - 1) < 1e-12)
            let cm = CameraConventions.toCOLMAP(p)
            #expect(Self.maxDiff(CameraConventions.fromCOLMAP(qw: cm.q.w, qx: cm.q.x, qy: cm.q.y, qz: cm.q.z, t: cm.t), p) < 1e-12)
        }
    }

    /// The meaning of each foreign axis: an OpenGL camera looks along −z with +y up; an LLFF camera's first
    /// rotation column points down the image and the second to the right; COLMAP stores cameraFromWorld.
    @Test func axesMeanWhatTheFormatsSay() {
        // camera at (0,0,5) looking at the origin, image right = world +x, image up = world +y
        let glR = Mat3(columns: Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1))   // OpenGL: looks along −z
        let cam = CameraConventions.fromOpenGL(rotation: glR, translation: Vec3(0, 0, 5))
        let c = Camera(intrinsics: Intrinsics(fx: 1, fy: 1, cx: 0, cy: 0, width: 1, height: 1), worldFromCamera: cam)
        #expect(c.forward == Vec3(0, 0, -1) && c.up == Vec3(0, 1, 0))
        let llffR = Mat3(columns: Vec3(0, -1, 0), Vec3(1, 0, 0), Vec3(0, 0, 1))   // [down, right, backwards]
        #expect(CameraConventions.fromLLFF(rotation: llffR, translation: Vec3(0, 0, 5)) == cam)
        let colmap = CameraConventions.toCOLMAP(cam)
        #expect(length(colmap.t - Vec3(0, 0, 5)) < 1e-12)     // world origin is 5 in front of the camera
    }

    @Test func rotationValidation() throws {
        var rng = SplitMix64(seed: 8)
        let r = Self.randomPose(&rng).rotation
        var noisy = r
        noisy[0, 1] += 3e-4; noisy[2, 2] -= 2e-4
        let fixed = try CameraConventions.validatedRotation(noisy, path: "p", what: "x")
        #expect(fixed.rotationError < 1e-12)
        #expect((0..<3).allSatisfy { i in (0..<3).allSatisfy { abs(fixed[i, $0] - r[i, $0]) < 1e-3 } })
        #expect(throws: ViewSynthError.self) { try CameraConventions.validatedRotation(Mat3(columns: r.c0 * 1.01, r.c1, r.c2), path: "p", what: "x") }
        #expect(throws: ViewSynthError.self) { try CameraConventions.validatedRotation(Mat3(columns: -r.c0, r.c1, r.c2), path: "p", what: "x") }
        #expect(throws: ViewSynthError.self) { try CameraConventions.validatedTranslation(Vec3(0, .nan, 0), path: "p", what: "x") }
    }
}
