// Analytic ray intersections for the three primitive kinds of a synthetic scene: spheres, oriented boxes and
// oriented rectangles ("quads": cards, floors, back walls).
//
// Rays are `origin + t · direction` with `direction` NOT necessarily unit length: the tracer shoots camera rays
// with direction R·((u−cx)/fx, (v−cy)/fy, 1), so the returned `t` of a primary ray is its z-depth.
// Every test returns the smallest t in (tMin, tMax), or `.infinity` when there is none. Surface details
// (normal, texture coordinates) are computed afterwards for the nearest hit only (`surface`).

/// The kind of a primitive.
enum ShapeKind: UInt8, Sendable { case sphere, box, quad }

/// One primitive with its placement. Local frame: `frame` columns are the local x, y, z axes in world
/// coordinates, `center` the local origin. `half` = box half extents, quad half sizes (x, y, 0) with the quad in
/// its local z = 0 plane, or (r, r, r) for a sphere.
struct Primitive: Sendable {
    var kind: ShapeKind
    var center: V3
    var frame: Frame3
    var half: V3
    var material: Int

    static func sphere(center: V3, radius: R, frame: Frame3 = .identity, material: Int) -> Primitive {
        Primitive(kind: .sphere, center: center, frame: frame, half: V3(radius, radius, radius), material: material)
    }
    static func box(center: V3, half: V3, frame: Frame3, material: Int) -> Primitive {
        Primitive(kind: .box, center: center, frame: frame, half: half, material: material)
    }
    /// A rectangle of size (2·halfU) × (2·halfV) spanned by frame.ax, frame.ay; its normal is frame.az.
    static func quad(center: V3, halfU: R, halfV: R, frame: Frame3, material: Int) -> Primitive {
        Primitive(kind: .quad, center: center, frame: frame, half: V3(halfU, halfV, 0), material: material)
    }

    /// Nearest hit parameter in (tMin, tMax), or .infinity.
    @inline(__always) func intersect(origin o: V3, direction d: V3, tMin: R, tMax: R) -> R {
        switch kind {
        case .sphere:
            let oc = o - center
            let a = dot(d, d), b = dot(oc, d), c = dot(oc, oc) - half.x * half.x
            let disc = b * b - a * c
            if disc < 0 { return .infinity }
            let sq = disc.squareRoot()
            var t = (-b - sq) / a
            if t <= tMin { t = (-b + sq) / a }
            return t > tMin && t < tMax ? t : .infinity
        case .quad:
            let n = frame.az
            let denom = dot(d, n)
            if denom == 0 { return .infinity }
            let t = dot(center - o, n) / denom
            if !(t > tMin && t < tMax) { return .infinity }
            let p = o + d * t - center
            if abs(dot(p, frame.ax)) > half.x || abs(dot(p, frame.ay)) > half.y { return .infinity }
            return t
        case .box:
            let lo = frame.toLocal(o - center), ld = frame.toLocal(d)
            var tNear = -R.infinity, tFar = R.infinity
            // Slab test per local axis; a direction parallel to a slab misses unless the origin lies inside it.
            if ld.x != 0 {
                let inv = 1 / ld.x
                let t1 = (-half.x - lo.x) * inv, t2 = (half.x - lo.x) * inv
                tNear = max(tNear, min(t1, t2)); tFar = min(tFar, max(t1, t2))
            } else if abs(lo.x) > half.x { return .infinity }
            if ld.y != 0 {
                let inv = 1 / ld.y
                let t1 = (-half.y - lo.y) * inv, t2 = (half.y - lo.y) * inv
                tNear = max(tNear, min(t1, t2)); tFar = min(tFar, max(t1, t2))
            } else if abs(lo.y) > half.y { return .infinity }
            if ld.z != 0 {
                let inv = 1 / ld.z
                let t1 = (-half.z - lo.z) * inv, t2 = (half.z - lo.z) * inv
                tNear = max(tNear, min(t1, t2)); tFar = min(tFar, max(t1, t2))
            } else if abs(lo.z) > half.z { return .infinity }
            if tNear > tFar { return .infinity }
            if tNear > tMin && tNear < tMax { return tNear }
            if tFar > tMin && tFar < tMax { return tFar }  // origin inside the box
            return .infinity
        }
    }

    /// Geometric normal (world, unit, not yet oriented toward the viewer) and the hit point in local
    /// coordinates plus the local normal (used by solid textures).
    @inline(__always) func surface(at p: V3) -> (normal: V3, local: V3, localNormal: V3) {
        let lp = frame.toLocal(p - center)
        switch kind {
        case .sphere:
            let ln = lp * (1 / half.x)
            return (frame.toWorld(ln), lp, ln)
        case .quad:
            return (frame.az, V3(lp.x, lp.y, 0), V3(0, 0, 1))
        case .box:
            // The face is the axis where the point is relatively closest to the slab boundary.
            let rx = abs(lp.x) / half.x, ry = abs(lp.y) / half.y, rz = abs(lp.z) / half.z
            let ln: V3
            if rx >= ry && rx >= rz { ln = V3(lp.x < 0 ? -1 : 1, 0, 0) }
            else if ry >= rz { ln = V3(0, lp.y < 0 ? -1 : 1, 0) }
            else { ln = V3(0, 0, lp.z < 0 ? -1 : 1) }
            return (frame.toWorld(ln), lp, ln)
        }
    }
}
