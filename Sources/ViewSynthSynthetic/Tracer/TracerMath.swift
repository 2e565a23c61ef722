// Scalar 3-vectors for the ray tracer's hot loops.
//
// The tracer does not use SIMD3<Double>: on baseline x86-64 its generic code paths are slower than plain
// scalar arithmetic on three stored properties, which the optimiser keeps in registers. `R` is the tracer's
// scalar type. Measured (6 views 400×300, 4 spp, 1 thread, CPU time): Float only ≈ 5 % faster than Double, so
// Double it is: exact hit distances (~1e-12) and shadow-ray offsets that need no tuning.

import ViewSynthCore

typealias R = Double

/// A plain 3-vector (x, y, z) of the tracer's scalar type.
struct V3: Sendable {
    var x: R, y: R, z: R
    @inline(__always) init(_ x: R, _ y: R, _ z: R) { self.x = x; self.y = y; self.z = z }
    init(_ v: Vec3) { x = R(v.x); y = R(v.y); z = R(v.z) }
    var vec3: Vec3 { Vec3(Double(x), Double(y), Double(z)) }
    static let zero = V3(0, 0, 0)

    @inline(__always) static func + (a: V3, b: V3) -> V3 { V3(a.x + b.x, a.y + b.y, a.z + b.z) }
    @inline(__always) static func - (a: V3, b: V3) -> V3 { V3(a.x - b.x, a.y - b.y, a.z - b.z) }
    @inline(__always) static func * (a: V3, s: R) -> V3 { V3(a.x * s, a.y * s, a.z * s) }
    @inline(__always) static func * (s: R, a: V3) -> V3 { V3(a.x * s, a.y * s, a.z * s) }
    /// Component-wise product (colours).
    @inline(__always) static func * (a: V3, b: V3) -> V3 { V3(a.x * b.x, a.y * b.y, a.z * b.z) }
    @inline(__always) static prefix func - (a: V3) -> V3 { V3(-a.x, -a.y, -a.z) }
    @inline(__always) static func += (a: inout V3, b: V3) { a.x += b.x; a.y += b.y; a.z += b.z }
}

@inline(__always) func dot(_ a: V3, _ b: V3) -> R { a.x * b.x + a.y * b.y + a.z * b.z }
@inline(__always) func cross(_ a: V3, _ b: V3) -> V3 {
    V3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
@inline(__always) func normalized(_ a: V3) -> V3 { a * (1 / dot(a, a).squareRoot()) }
@inline(__always) func mix(_ a: V3, _ b: V3, _ t: R) -> V3 { a + (b - a) * t }

/// Orthonormal frame (three unit axes) of an object in world coordinates.
struct Frame3: Sendable {
    var ax: V3, ay: V3, az: V3
    init(ax: V3, ay: V3, az: V3) { self.ax = ax; self.ay = ay; self.az = az }
    static let identity = Frame3(ax: V3(1, 0, 0), ay: V3(0, 1, 0), az: V3(0, 0, 1))
    /// World vector → local coordinates.
    @inline(__always) func toLocal(_ v: V3) -> V3 { V3(dot(v, ax), dot(v, ay), dot(v, az)) }
    /// Local coordinates → world vector.
    @inline(__always) func toWorld(_ v: V3) -> V3 { ax * v.x + ay * v.y + az * v.z }

    /// The frame Rz(yaw) · Rx(tilt) · Ry(roll) (radians): turned by `yaw` about the world z axis, then tilted
    /// about its own x axis, then rolled about its own y axis.
    static func rotation(yaw: R, tilt: R = 0, roll: R = 0) -> Frame3 {
        let (cy, sy) = (cosR(yaw), sinR(yaw)), (ct, st) = (cosR(tilt), sinR(tilt)), (cr, sr) = (cosR(roll), sinR(roll))
        // Rz(yaw) · Rx(tilt) · Ry(roll), columns are the local axes.
        let rz = Frame3(ax: V3(cy, sy, 0), ay: V3(-sy, cy, 0), az: V3(0, 0, 1))
        let rx = Frame3(ax: V3(1, 0, 0), ay: V3(0, ct, st), az: V3(0, -st, ct))
        let ry = Frame3(ax: V3(cr, 0, -sr), ay: V3(0, 1, 0), az: V3(sr, 0, cr))
        func compose(_ a: Frame3, _ b: Frame3) -> Frame3 {
            Frame3(ax: a.toWorld(b.ax), ay: a.toWorld(b.ay), az: a.toWorld(b.az))
        }
        return compose(compose(rz, rx), ry)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
@inline(__always) func sinR(_ x: R) -> R { sin(x) }
@inline(__always) func cosR(_ x: R) -> R { cos(x) }
@inline(__always) func powR(_ x: R, _ y: R) -> R { pow(x, y) }
@inline(__always) func atan2R(_ y: R, _ x: R) -> R { atan2(y, x) }
@inline(__always) func acosR(_ x: R) -> R { acos(x) }
@inline(__always) func floorR(_ x: R) -> R { x.rounded(.down) }
