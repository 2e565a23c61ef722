import Foundation
import Testing
@testable import ViewSynth

struct CameraPathTests {
    @Test func lookAtIsARotationLookingAtTheTarget() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<100 {
            let eye = Vec3(rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3))
            let target = Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1))
            let up = Vec3(0, 1, 0)
            let pose = CameraPath.lookAt(eye: eye, target: target, up: up)
            #expect(pose.rotation.rotationError < 1e-12)
            let t = pose.inverse.apply(target)
            #expect(abs(t.x) < 1e-9 && abs(t.y) < 1e-9 && t.z > 0)
            // Image up (camera −y) points along world up as far as possible.
            #expect(dot(-pose.rotation.c1, up) >= 0)
        }
    }

    @Test func slerpHitsEndpointsAndStaysRotation() {
        let a = Mat3(quaternion: (0.9, 0.1, -0.3, 0.2)), b = Mat3(quaternion: (0.2, 0.7, 0.1, -0.4))
        let s0 = CameraPath.slerp(a, b, 0), s1 = CameraPath.slerp(a, b, 1), sh = CameraPath.slerp(a, b, 0.5)
        for i in 0..<3 { for j in 0..<3 {
            #expect(abs(s0[i, j] - a[i, j]) < 1e-9)
            #expect(abs(s1[i, j] - b[i, j]) < 1e-9)
        } }
        #expect(sh.rotationError < 1e-9)
    }

    @Test func nerfstudioPathConvertsOpenGLAxes() throws {
        let dir = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Identity camera_to_world in OpenGL axes looks along world −z with world +y up.
        let json = """
        {"render_height": 60, "render_width": 80,
         "camera_path": [{"camera_to_world": [1,0,0,0.5, 0,1,0,0, 0,0,1,2, 0,0,0,1], "fov": 90, "aspect": 1.3333}]}
        """
        let url = dir.appendingPathComponent("camera_path.json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        let views = try CameraPath.nerfstudio(url)
        #expect(views.count == 1)
        let cam = views[0].camera
        #expect(cam.intrinsics.width == 80 && cam.intrinsics.height == 60)
        #expect(abs(cam.intrinsics.fy - 30) < 1e-9)
        #expect(length(cam.forward - Vec3(0, 0, -1)) < 1e-12)
        #expect(length(cam.up - Vec3(0, 1, 0)) < 1e-12)
        #expect(length(cam.center - Vec3(0.5, 0, 2)) < 1e-12)
    }

    @Test func badCameraPathNamesTheFile() throws {
        let dir = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("path.json")
        try #"{"camera_path": [{"camera_to_world": [1,2,3]}]}"#.write(to: url, atomically: true, encoding: .utf8)
        #expect { try CameraPath.nerfstudio(url) } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains("16 finite numbers")
        }
    }
}
