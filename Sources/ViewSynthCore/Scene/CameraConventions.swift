// Where the loaders and writers convert file-format camera conventions to ours (OpenCV axes: x right, y down,
// z forward; poses are worldFromCamera) and back, and validate poses. The axis relabelling itself is defined
// once in Geometry/CameraAxisConventions.swift; this file adapts it to the shapes the files store.
//
//   * OpenGL / Blender / NeRF / instant-ngp / nerfstudio: camera-to-world with camera axes x right, y up,
//     z backwards. Ours = theirs · diag(1, −1, −1) (negate the y and z columns).
//   * LLFF poses_bounds.npy: camera-to-world 3×5 [R | t | hwf] whose rotation columns are
//     [down, right, backwards]. Ours: x = column 1, y = column 0, z = −column 2.
//   * COLMAP: cameraFromWorld as a unit quaternion (qw, qx, qy, qz) and translation t in OpenCV axes.

import Foundation

public enum CameraConventions {
    /// worldFromCamera (ours) from an OpenGL-axes camera-to-world rotation and translation.
    public static func fromOpenGL(rotation r: Mat3, translation t: Vec3) -> Rigid3 {
        Rigid3(rotation: r, translation: t).openGLCameraToOpenCV()
    }
    /// OpenGL-axes camera-to-world rotation of one of our poses.
    public static func toOpenGL(_ pose: Rigid3) -> (rotation: Mat3, translation: Vec3) {
        let gl = pose.openCVCameraToOpenGL()
        return (gl.rotation, gl.translation)
    }

    /// worldFromCamera (ours) from LLFF rotation columns [down, right, backwards] and camera centre.
    public static func fromLLFF(rotation r: Mat3, translation t: Vec3) -> Rigid3 {
        Rigid3.fromLLFF(down: r.c0, right: r.c1, backward: r.c2, centre: t)
    }
    /// LLFF rotation columns [down, right, backwards] of one of our poses.
    public static func toLLFF(_ pose: Rigid3) -> (rotation: Mat3, translation: Vec3) {
        let c = pose.llffColumns
        return (Mat3(columns: c.down, c.right, c.backward), c.centre)
    }

    /// worldFromCamera from COLMAP's cameraFromWorld quaternion (w, x, y, z) and translation.
    public static func fromCOLMAP(qw: Double, qx: Double, qy: Double, qz: Double, t: Vec3) -> Rigid3 {
        Rigid3(rotation: Mat3(quaternion: (qw, qx, qy, qz)), translation: t).inverse
    }
    /// COLMAP's cameraFromWorld quaternion (w ≥ 0) and translation of one of our poses.
    public static func toCOLMAP(_ pose: Rigid3) -> (q: (w: Double, x: Double, y: Double, z: Double), t: Vec3) {
        let cw = pose.inverse
        return (cw.rotation.quaternion, cw.translation)
    }

    /// Largest rotation error (max |R·Rᵀ − I|, |det − 1|) that is silently repaired.
    public static let rotationTolerance = 1e-3

    /// Checks that `r` is a finite proper rotation within `rotationTolerance` and returns the nearest exact
    /// rotation (polar decomposition by Newton iteration R ← (R + R⁻ᵀ)/2). Throws a `ViewSynthError` naming
    /// `path` and `what` (e.g. "frame 3") otherwise.
    public static func validatedRotation(_ r: Mat3, path: String, what: String) throws -> Mat3 {
        guard r.isFinite else {
            throw ViewSynthError(path, expected: "a finite rotation for \(what)", found: "NaN or infinity")
        }
        let err = r.rotationError
        guard err <= rotationTolerance else {
            throw ViewSynthError(path, expected: "a rotation for \(what) (|R·Rᵀ − I| and |det − 1| ≤ \(rotationTolerance))",
                                 found: "error \(String(format: "%.3g", err)) (det \(String(format: "%.4f", r.determinant)))")
        }
        if err == 0 { return r }
        var m = r
        for _ in 0..<6 {
            let it = m.inverse.transposed
            m = Mat3(columns: (m.c0 + it.c0) * 0.5, (m.c1 + it.c1) * 0.5, (m.c2 + it.c2) * 0.5)
        }
        return m
    }

    /// Checks a translation (camera centre) is finite.
    public static func validatedTranslation(_ t: Vec3, path: String, what: String) throws -> Vec3 {
        guard t.x.isFinite && t.y.isFinite && t.z.isFinite else {
            throw ViewSynthError(path, expected: "a finite camera position for \(what)", found: "NaN or infinity")
        }
        return t
    }
}
