// Rays through pixels and projection of world points: the one place where the pixel-centre convention
// is turned into geometry.
//
// Conventions (see Math/Transforms.swift and Scene/Scene.swift):
//   * Camera frame: OpenCV axes, x right, y down, z forward. A pose is `worldFromCamera`.
//   * Pixel coordinates are continuous: the top-left corner of the image is (0, 0), x grows to the right,
//     y grows downwards, and integer pixel (i, j) covers [i, i+1) × [j, j+1); its centre is (i + 0.5, j + 0.5).
//     The image rectangle is [0, W] × [0, H].
//   * Pinhole model: pixel = (fx · x/z + cx, fy · y/z + cy) for a camera-frame point (x, y, z).
//     (cx, cy) is in the same continuous coordinates (a centred principal point is (W/2, H/2)).
//   * "Depth" of a point for a camera is its camera-frame z (not the Euclidean distance to the centre).
//   * A ray is o + t·d with a unit direction d, so t is the Euclidean distance along the ray.
//     For a ray through a pixel of camera C, the camera-z depth of o + t·d is t · dot(d, C.forward).

/// A half-line o + t·d, t ≥ 0, with `direction` of unit length (the initialiser normalises it).
public struct Ray: Equatable, Sendable {
    public var origin: Vec3
    /// Unit direction.
    public var direction: Vec3

    /// `direction` is normalised here; it must be non-zero and finite.
    @inlinable public init(origin: Vec3, direction: Vec3) {
        self.origin = origin
        self.direction = normalize(direction)
    }
    /// A ray whose direction is already of unit length (no normalisation; the caller guarantees it).
    @inlinable public init(origin: Vec3, unitDirection: Vec3) {
        self.origin = origin
        self.direction = unitDirection
    }

    /// The point at Euclidean distance `t` from the origin.
    @inlinable public func point(at t: Double) -> Vec3 { origin + t * direction }

    /// The ray parameter t at which the ray reaches camera-z depth `depth` for a camera looking along the
    /// unit vector `forward` (whose centre is the ray's origin): t = depth / dot(d, forward).
    /// Rays through pixels of that camera have dot(d, forward) > 0.
    @inlinable public func t(atCameraDepth depth: Double, forward: Vec3) -> Double {
        depth / dot(direction, forward)
    }

    /// The same ray expressed in frame a, given `aFromB` and this ray in frame b.
    @inlinable public func transformed(by aFromB: Rigid3) -> Ray {
        Ray(origin: aFromB.apply(origin), unitDirection: aFromB.applyDirection(direction))
    }
}

extension Intrinsics {
    /// Pixel coordinates of a camera-frame point (x, y, z), z ≠ 0: (fx·x/z + cx, fy·y/z + cy).
    @inlinable public func pixelFromCamera(_ p: Vec3) -> Vec2 {
        Vec2(fx * p.x / p.z + cx, fy * p.y / p.z + cy)
    }
    /// The camera-frame point at depth z = 1 that projects to `pixel`: ((u − cx)/fx, (v − cy)/fy, 1).
    /// Multiply by a depth to get the point at that camera-z.
    @inlinable public func cameraFromPixel(_ pixel: Vec2) -> Vec3 {
        Vec3((pixel.x - cx) / fx, (pixel.y - cy) / fy, 1)
    }
    /// The centre of integer pixel (x, y) in continuous pixel coordinates: (x + 0.5, y + 0.5).
    @inlinable public static func pixelCentre(x: Int, y: Int) -> Vec2 {
        Vec2(Double(x) + 0.5, Double(y) + 0.5)
    }
    /// Whether a continuous pixel coordinate lies in the image rectangle shrunk by `margin` on every side:
    /// margin ≤ u ≤ W − margin and margin ≤ v ≤ H − margin (closed bounds).
    @inlinable public func contains(_ pixel: Vec2, margin: Double = 0) -> Bool {
        pixel.x >= margin && pixel.x <= Double(width) - margin
            && pixel.y >= margin && pixel.y <= Double(height) - margin
    }
}

extension Camera {
    /// Pixel coordinates of a camera-frame point (see `Intrinsics.pixelFromCamera`).
    @inlinable public func pixelFromCamera(_ p: Vec3) -> Vec2 { intrinsics.pixelFromCamera(p) }
    /// Camera-frame point at depth 1 seen at `pixel` (see `Intrinsics.cameraFromPixel`).
    @inlinable public func cameraFromPixel(_ pixel: Vec2) -> Vec3 { intrinsics.cameraFromPixel(pixel) }

    /// The world ray from the camera centre through the continuous pixel coordinate `p`.
    @inlinable public func ray(throughPixel p: Vec2) -> Ray {
        Ray(origin: worldFromCamera.translation,
            direction: worldFromCamera.rotation * intrinsics.cameraFromPixel(p))
    }
    /// The world ray through the centre (x + 0.5, y + 0.5) of integer pixel (x, y).
    @inlinable public func rayThroughPixelCentre(x: Int, y: Int) -> Ray {
        ray(throughPixel: Intrinsics.pixelCentre(x: x, y: y))
    }

    /// Projects a world point: its continuous pixel coordinates and its camera-z depth.
    /// A point behind the camera has depth ≤ 0 (its pixel is then the mirrored projection, meaningless);
    /// a point in the camera's z = 0 plane gives non-finite pixel coordinates.
    @inlinable public func project(_ worldPoint: Vec3) -> (pixel: Vec2, depth: Double) {
        // cameraFromWorld = (Rᵀ, −Rᵀ t): apply it without building the inverse.
        let r = worldFromCamera.rotation
        let q = worldPoint - worldFromCamera.translation
        let p = Vec3(dot(r.c0, q), dot(r.c1, q), dot(r.c2, q))
        return (intrinsics.pixelFromCamera(p), p.z)
    }

    /// The world point seen at continuous pixel coordinate `pixel` with camera-z depth `depth`
    /// (the inverse of `project`).
    @inlinable public func unproject(pixel: Vec2, depth: Double) -> Vec3 {
        worldFromCamera.apply(intrinsics.cameraFromPixel(pixel) * depth)
    }
}
