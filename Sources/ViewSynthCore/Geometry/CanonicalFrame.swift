// The canonical per-ray frame GPNR works in, and Plücker coordinates of rays.
//
// Canonical frame of a target ray (origin o, unit direction d) given the target camera's image-up vector `up`
// (world coordinates, e.g. `Camera.up` = −(camera y axis)):
//   z = d
//   y = normalize(−up + dot(up, d)·d)         the image "down" direction, made orthogonal to d
//   x = y × z = normalize(d × up)             the image "right" direction
// `canonicalFromWorld` = (R, −R·o) with R's rows x, y, z: it maps o to 0 and d to +z, and R is a proper rotation
// (orthonormal rows, det +1). The axes follow OpenCV's camera convention, so for the ray through the principal
// point of a camera, canonicalFromWorld equals that camera's cameraFromWorld.
//
// Differences from the reference GPNR code (deliberate):
//   * the reference divides each axis by its SQUARED norm (v / Σv²), which leaves the axes un-normalised whenever
//     the up vector is not perpendicular to the ray, so its "rotation" scales and shears; we divide by the norm;
//   * the reference builds y from the OpenGL camera's +y (image up); we use image down so the frame matches our
//     OpenCV axes. The two differ by a 180° rotation about z and carry the same information.
//
// Degenerate case: when `up` is (nearly) parallel to d (|up − (up·d)d| ≤ 1e-9·|up|) or zero, the roll is fixed
// instead by the world axis least aligned with d (smallest |d_i|, lowest i on ties) used as `−up`. That fallback
// refers to world axes, so it is not invariant under a rigid motion of the scene; it never happens for rays
// through a camera's image with that camera's own up vector (the up vector is perpendicular to the optical
// axis, and image rays are less than 90° from it).
//
// Invariance (what GPNR relies on): if every camera is moved by one rigid motion M (world' = M·world), then
// o' = M·o, d' = R_M·d, up' = R_M·up, so canonicalFromWorld' = canonicalFromWorld · M⁻¹, and canonical coordinates
// of corresponding points and rays are unchanged.
//
// Plücker coordinates of a ray: (d, m) with m = o × d (the moment), d of unit length. They do not depend on
// which point of the line is used as origin. Under a rigid transform (R, t): d' = R·d, m' = R·m + t × (R·d).

extension Ray {
    /// The rigid transform mapping this ray's origin to 0 and its direction to +z, with roll fixed by `up`
    /// (see the file head for axes, the degenerate case and the fix relative to the reference code).
    public func canonicalFromWorld(up: Vec3) -> Rigid3 {
        let d = direction
        let upLen = length(up)
        var down = dot(up, d) * d - up            // −(up projected orthogonally to d)
        if !(upLen > 0) || !(length(down) > 1e-9 * upLen) {
            // Fallback: the world axis least aligned with d plays the role of −up.
            let a = Vec3(abs(d.x), abs(d.y), abs(d.z))
            let axis = a.x <= a.y && a.x <= a.z ? Vec3(1, 0, 0) : (a.y <= a.z ? Vec3(0, 1, 0) : Vec3(0, 0, 1))
            down = axis - dot(axis, d) * d
        }
        let y = normalize(down)
        let x = normalize(cross(y, d))
        let rotation = Mat3(columns: x, y, d).transposed    // rows x, y, z
        return Rigid3(rotation: rotation, translation: -(rotation * origin))
    }
}

/// Plücker coordinates (direction, moment) of a line; direction of unit length, moment = o × d.
public struct PluckerRay: Equatable, Sendable {
    public var direction: Vec3
    public var moment: Vec3

    @inlinable public init(direction: Vec3, moment: Vec3) { self.direction = direction; self.moment = moment }
    /// Plücker coordinates of a ray (its direction is already unit length).
    @inlinable public init(_ ray: Ray) {
        direction = ray.direction
        moment = cross(ray.origin, ray.direction)
    }

    /// The same line expressed in frame a, given `aFromB` and coordinates in frame b.
    @inlinable public func transformed(by aFromB: Rigid3) -> PluckerRay {
        let d = aFromB.rotation * direction
        return PluckerRay(direction: d, moment: aFromB.rotation * moment + cross(aFromB.translation, d))
    }

    /// The point of the line closest to the origin: d × m (for unit d).
    @inlinable public var closestPointToOrigin: Vec3 { cross(direction, moment) }

    /// The six numbers (dx, dy, dz, mx, my, mz).
    public var components: [Double] { [direction.x, direction.y, direction.z, moment.x, moment.y, moment.z] }

    /// Writes (dx, dy, dz, mx, my, mz) to `out[0..<6]` as Float (no allocation).
    @inlinable public func write(to out: UnsafeMutablePointer<Float>) {
        out[0] = Float(direction.x); out[1] = Float(direction.y); out[2] = Float(direction.z)
        out[3] = Float(moment.x); out[4] = Float(moment.y); out[5] = Float(moment.z)
    }
}
