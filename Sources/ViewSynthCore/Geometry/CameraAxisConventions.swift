// Conversions between camera-axis conventions, for loaders.
//
// ViewSynth's one convention is OpenCV's (x right, y down, z forward), poses stored as `worldFromCamera`
// (see Math/Transforms.swift). Other conventions found in scene files:
//   * OpenGL / Blender / NeRF / instant-ngp / nerfstudio: x right, y up, z backward (the camera looks along −z).
//     The two camera frames differ by a rotation of 180° about x: p_gl = F · p_cv with F = diag(1, −1, −1).
//     F is its own inverse, so `openGLFromOpenCV` and `openCVFromOpenGL` are the same transform.
//   * LLFF (poses_bounds.npy): the 3×3 rotation's columns are the camera's (down, right, backward) axes in world
//     coordinates, i.e. OpenCV's (y, x, −z).
// A pose conversion only relabels the camera axes: the camera centre (the translation of worldFromCamera)
// never changes, and the world frame is left as the file defines it.

extension Rigid3 {
    /// Camera-frame axis flip F = diag(1, −1, −1), no translation: p_openCV = F · p_openGL.
    public static let openCVFromOpenGL = Rigid3(
        rotation: Mat3(columns: Vec3(1, 0, 0), Vec3(0, -1, 0), Vec3(0, 0, -1)), translation: .zero)
    /// The same flip read the other way (F is an involution): p_openGL = F · p_openCV.
    public static let openGLFromOpenCV = openCVFromOpenGL

    /// Converts a `worldFromCamera` pose whose camera axes follow OpenGL (x right, y up, z backward)
    /// into ViewSynth's OpenCV axes: worldFromCamera_cv = worldFromCamera_gl · glFromCV.
    @inlinable public func openGLCameraToOpenCV() -> Rigid3 {
        Rigid3(rotation: Mat3(columns: rotation.c0, -rotation.c1, -rotation.c2), translation: translation)
    }
    /// Converts an OpenCV-axes `worldFromCamera` pose into OpenGL camera axes (for writers and
    /// for comparing with tools that use OpenGL). Inverse of `openGLCameraToOpenCV`.
    @inlinable public func openCVCameraToOpenGL() -> Rigid3 {
        Rigid3(rotation: Mat3(columns: rotation.c0, -rotation.c1, -rotation.c2), translation: translation)
    }

    /// An OpenCV `worldFromCamera` pose from LLFF's column order: `down`, `right`, `backward` are the camera's
    /// axes in world coordinates (columns 0, 1, 2 of the LLFF 3×5 matrix) and `centre` is column 3.
    public static func fromLLFF(down: Vec3, right: Vec3, backward: Vec3, centre: Vec3) -> Rigid3 {
        Rigid3(rotation: Mat3(columns: right, down, -backward), translation: centre)
    }
    /// The LLFF columns (down, right, backward, centre) of an OpenCV `worldFromCamera` pose
    /// (inverse of `fromLLFF`).
    public var llffColumns: (down: Vec3, right: Vec3, backward: Vec3, centre: Vec3) {
        (rotation.c1, rotation.c0, -rotation.c2, translation)
    }
}
