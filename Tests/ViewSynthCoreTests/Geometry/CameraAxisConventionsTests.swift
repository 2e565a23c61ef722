import Testing
@testable import ViewSynthCore

struct CameraAxisConventionsTests {
    static func maxDiff(_ a: Rigid3, _ b: Rigid3) -> Double {
        var e = length(a.translation - b.translation)
        for i in 0..<3 { for j in 0..<3 { e = max(e, abs(a.rotation[i, j] - b.rotation[i, j])) } }
        return e
    }

    @Test func worldFromCameraAndCameraFromWorldRoundTrip() {
        var rng = SplitMix64(seed: 20)
        for _ in 0..<200 {
            let cam = GeometryFixtures.randomCamera(&rng)
            #expect(Self.maxDiff(cam.cameraFromWorld * cam.worldFromCamera, .identity) < 1e-12)
            #expect(Self.maxDiff(cam.worldFromCamera * cam.cameraFromWorld, .identity) < 1e-12)
            #expect(Self.maxDiff(cam.cameraFromWorld.inverse, cam.worldFromCamera) < 1e-12)
            // project() agrees with the explicit chain intrinsics ∘ cameraFromWorld.
            let x = Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1))
            let pc = cam.cameraFromWorld.apply(x)
            let (px, depth) = cam.project(x)
            #expect(length(px - cam.intrinsics.pixelFromCamera(pc)) < 1e-9 && abs(depth - pc.z) < 1e-12)
            #expect(length(cam.worldFromCamera.apply(pc) - x) < 1e-12)
        }
    }

    @Test func openGLOpenCVRoundTrip() {
        var rng = SplitMix64(seed: 21)
        for _ in 0..<200 {
            let gl = GeometryFixtures.randomRigid(&rng)
            let cv = gl.openGLCameraToOpenCV()
            #expect(cv.rotation.rotationError < 1e-12)
            #expect(cv.translation == gl.translation)
            #expect(Self.maxDiff(cv.openCVCameraToOpenGL(), gl) < 1e-15)
            // Same as composing with the axis flip: worldFromCV = worldFromGL · glFromCV.
            #expect(Self.maxDiff(cv, gl * Rigid3.openGLFromOpenCV) < 1e-15)
            #expect(Self.maxDiff(Rigid3.openGLFromOpenCV * Rigid3.openCVFromOpenGL, .identity) == 0)
            // A point in front of the OpenGL camera (negative GL z) is in front of the OpenCV camera, and the
            // GL image-up direction is the CV camera's up.
            let pGL = Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), -rng.uniform(0.5, 3))
            let world = gl.apply(pGL)
            let pCV = cv.inverse.apply(world)
            #expect(abs(pCV.z + pGL.z) < 1e-12 && abs(pCV.y + pGL.y) < 1e-12 && abs(pCV.x - pGL.x) < 1e-12)
            let cam = Camera(intrinsics: Intrinsics(fx: 1, fy: 1, cx: 0, cy: 0, width: 1, height: 1), worldFromCamera: cv)
            #expect(length(cam.up - gl.rotation.c1) < 1e-15)
        }
    }

    @Test func llffColumnsRoundTripAndMatchOpenGL() {
        var rng = SplitMix64(seed: 22)
        for _ in 0..<100 {
            let pose = GeometryFixtures.randomRigid(&rng)
            let c = pose.llffColumns
            #expect(Self.maxDiff(Rigid3.fromLLFF(down: c.down, right: c.right, backward: c.backward, centre: c.centre), pose) == 0)
            #expect(Rigid3.fromLLFF(down: c.down, right: c.right, backward: c.backward, centre: c.centre).rotation.rotationError < 1e-12)
        }
        // An LLFF camera whose down is world −y, right world +x, backward world +z is the OpenGL identity camera.
        let llff = Rigid3.fromLLFF(down: Vec3(0, -1, 0), right: Vec3(1, 0, 0), backward: Vec3(0, 0, 1), centre: Vec3(1, 2, 3))
        let gl = Rigid3(rotation: .identity, translation: Vec3(1, 2, 3)).openGLCameraToOpenCV()
        #expect(Self.maxDiff(llff, gl) == 0)
    }
}
