// Small fixed-size linear algebra in Double for camera geometry.
//
// Convention (stated once, here and in README "Camera convention"):
//   * World and camera frames are right-handed. A camera looks along its +z axis, +x points right in the
//     image and +y points down (the OpenCV/COLMAP convention).
//   * A pose is `worldFromCamera`: p_world = R · p_camera + t. Its columns are the camera's x, y, z axes in
//     world coordinates and t is the camera centre.
//   * Transforms are named by frame and compose right to left: worldFromA = worldFromB * bFromA.
// Every loader converts to this convention in exactly one place (see Scene/CameraConventions.swift).

public typealias Vec3 = SIMD3<Double>
public typealias Vec2 = SIMD2<Double>

@inlinable public func dot(_ a: Vec3, _ b: Vec3) -> Double { (a * b).sum() }
@inlinable public func cross(_ a: Vec3, _ b: Vec3) -> Vec3 {
    Vec3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
@inlinable public func length(_ a: Vec3) -> Double { dot(a, a).squareRoot() }
@inlinable public func normalize(_ a: Vec3) -> Vec3 { a / length(a) }

/// A 3×3 matrix stored by columns.
public struct Mat3: Equatable, Sendable, CustomStringConvertible {
    public var c0: Vec3, c1: Vec3, c2: Vec3

    @inlinable public init(columns c0: Vec3, _ c1: Vec3, _ c2: Vec3) { self.c0 = c0; self.c1 = c1; self.c2 = c2 }
    /// Row-major construction: `Mat3(rows: [[a,b,c],[d,e,f],[g,h,i]])`.
    public init(rows r: [[Double]]) {
        precondition(r.count == 3 && r.allSatisfy { $0.count == 3 })
        c0 = Vec3(r[0][0], r[1][0], r[2][0]); c1 = Vec3(r[0][1], r[1][1], r[2][1]); c2 = Vec3(r[0][2], r[1][2], r[2][2])
    }
    public static let identity = Mat3(columns: Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1))

    @inlinable public subscript(row: Int, col: Int) -> Double {
        get { col == 0 ? c0[row] : col == 1 ? c1[row] : c2[row] }
        set { if col == 0 { c0[row] = newValue } else if col == 1 { c1[row] = newValue } else { c2[row] = newValue } }
    }
    @inlinable public var transposed: Mat3 {
        Mat3(columns: Vec3(c0.x, c1.x, c2.x), Vec3(c0.y, c1.y, c2.y), Vec3(c0.z, c1.z, c2.z))
    }
    @inlinable public var determinant: Double { dot(c0, cross(c1, c2)) }
    @inlinable public static func * (m: Mat3, v: Vec3) -> Vec3 { m.c0 * v.x + m.c1 * v.y + m.c2 * v.z }
    @inlinable public static func * (a: Mat3, b: Mat3) -> Mat3 { Mat3(columns: a * b.c0, a * b.c1, a * b.c2) }
    public var inverse: Mat3 {
        let det = determinant
        let r0 = cross(c1, c2) / det, r1 = cross(c2, c0) / det, r2 = cross(c0, c1) / det
        return Mat3(columns: r0, r1, r2).transposed
    }
    /// Max |M·Mᵀ − I| and |det − 1|: how far from a proper rotation.
    public var rotationError: Double {
        let p = self * transposed
        var e = abs(determinant - 1)
        for i in 0..<3 { for j in 0..<3 { e = max(e, abs(p[i, j] - (i == j ? 1 : 0))) } }
        return e
    }
    public var description: String {
        (0..<3).map { r in "[" + (0..<3).map { String(format: "%.6f", self[r, $0]) }.joined(separator: ", ") + "]" }
            .joined(separator: "\n")
    }
    public var isFinite: Bool { (0..<3).allSatisfy { c0[$0].isFinite && c1[$0].isFinite && c2[$0].isFinite } }
}

/// A rigid transform `aFromB`: p_a = rotation · p_b + translation.
public struct Rigid3: Equatable, Sendable {
    public var rotation: Mat3
    public var translation: Vec3
    @inlinable public init(rotation: Mat3, translation: Vec3) { self.rotation = rotation; self.translation = translation }
    public static let identity = Rigid3(rotation: .identity, translation: .zero)

    @inlinable public func apply(_ p: Vec3) -> Vec3 { rotation * p + translation }
    @inlinable public func applyDirection(_ d: Vec3) -> Vec3 { rotation * d }
    @inlinable public var inverse: Rigid3 {
        let rt = rotation.transposed
        return Rigid3(rotation: rt, translation: -(rt * translation))
    }
    /// Composition reads right to left: (aFromB * bFromC) = aFromC.
    @inlinable public static func * (a: Rigid3, b: Rigid3) -> Rigid3 {
        Rigid3(rotation: a.rotation * b.rotation, translation: a.rotation * b.translation + a.translation)
    }
    /// Row-major 3×4 [R | t].
    public var matrix3x4: [[Double]] {
        (0..<3).map { r in [rotation[r, 0], rotation[r, 1], rotation[r, 2], translation[r]] }
    }
}

extension Mat3 {
    /// Rotation from a unit quaternion (w, x, y, z), Hamilton convention (as COLMAP stores them).
    public init(quaternion q: (w: Double, x: Double, y: Double, z: Double)) {
        let n = (q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z).squareRoot()
        let w = q.w / n, x = q.x / n, y = q.y / n, z = q.z / n
        self.init(rows: [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ])
    }
    /// Unit quaternion (w, x, y, z) with w ≥ 0 of a proper rotation.
    public var quaternion: (w: Double, x: Double, y: Double, z: Double) {
        let m = self
        let tr = m[0, 0] + m[1, 1] + m[2, 2]
        var q: (w: Double, x: Double, y: Double, z: Double)
        if tr > 0 {
            let s = (tr + 1).squareRoot() * 2
            q = (0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s)
        } else if m[0, 0] > m[1, 1] && m[0, 0] > m[2, 2] {
            let s = (1 + m[0, 0] - m[1, 1] - m[2, 2]).squareRoot() * 2
            q = ((m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s)
        } else if m[1, 1] > m[2, 2] {
            let s = (1 + m[1, 1] - m[0, 0] - m[2, 2]).squareRoot() * 2
            q = ((m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s)
        } else {
            let s = (1 + m[2, 2] - m[0, 0] - m[1, 1]).squareRoot() * 2
            q = ((m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s)
        }
        if q.w < 0 { q = (-q.w, -q.x, -q.y, -q.z) }
        return q
    }
}
