// One scene description, returned by every loader. Models and renderers never see file formats.

import Foundation

/// Lens distortion in OpenCV's model on normalised camera coordinates
/// (x_d = x(1 + k1 r² + k2 r⁴ + k3 r⁶) + 2 p1 x y + p2 (r² + 2x²), likewise y).
/// SIMPLE_RADIAL / RADIAL are the special cases with only k1 (and k2).
public struct Distortion: Equatable, Sendable, Codable {
    public var k1: Double, k2: Double, p1: Double, p2: Double, k3: Double
    public init(k1: Double = 0, k2: Double = 0, p1: Double = 0, p2: Double = 0, k3: Double = 0) {
        self.k1 = k1; self.k2 = k2; self.p1 = p1; self.p2 = p2; self.k3 = k3
    }
    public var isZero: Bool { k1 == 0 && k2 == 0 && p1 == 0 && p2 == 0 && k3 == 0 }
}

/// Pinhole intrinsics in pixel units. Pixel coordinates put the top-left image corner at (0, 0);
/// pixel (i, j) has its centre at (i + 0.5, j + 0.5) (COLMAP's convention). (cx, cy) is the principal point
/// in those coordinates, so a centred principal point is (width/2, height/2).
public struct Intrinsics: Equatable, Sendable, Codable {
    public var fx: Double, fy: Double, cx: Double, cy: Double
    public var width: Int, height: Int
    public init(fx: Double, fy: Double, cx: Double, cy: Double, width: Int, height: Int) {
        self.fx = fx; self.fy = fy; self.cx = cx; self.cy = cy; self.width = width; self.height = height
    }
    /// Same camera for an image resized to `width × height` (focal and principal point scale per axis).
    public func resized(width w: Int, height h: Int) -> Intrinsics {
        let sx = Double(w) / Double(width), sy = Double(h) / Double(height)
        return Intrinsics(fx: fx * sx, fy: fy * sy, cx: cx * sx, cy: cy * sy, width: w, height: h)
    }
}

/// A pinhole camera: intrinsics plus pose (`worldFromCamera`, OpenCV axes: x right, y down, z forward).
public struct Camera: Equatable, Sendable {
    public var intrinsics: Intrinsics
    public var worldFromCamera: Rigid3
    public init(intrinsics: Intrinsics, worldFromCamera: Rigid3) {
        self.intrinsics = intrinsics; self.worldFromCamera = worldFromCamera
    }
    @inlinable public var cameraFromWorld: Rigid3 { worldFromCamera.inverse }
    @inlinable public var center: Vec3 { worldFromCamera.translation }
    /// Unit viewing direction (camera +z) in world coordinates.
    @inlinable public var forward: Vec3 { worldFromCamera.rotation.c2 }
    /// Image "up" in world coordinates (camera −y).
    @inlinable public var up: Vec3 { -worldFromCamera.rotation.c1 }
}

/// One posed photograph.
public struct View: Sendable {
    public var name: String
    public var imageURL: URL
    /// Pinhole camera of the image as `Scene.loadImage` returns it (after undistortion, if any).
    public var camera: Camera
    /// Distortion of the file on disk; `loadImage` removes it. nil = pinhole already.
    public var distortion: Distortion?
    public var maskURL: URL?
    public init(name: String, imageURL: URL, camera: Camera, distortion: Distortion? = nil, maskURL: URL? = nil) {
        self.name = name; self.imageURL = imageURL; self.camera = camera; self.distortion = distortion; self.maskURL = maskURL
    }
}

public enum SceneFormat: String, Sendable, Codable, CaseIterable {
    case llff, blender, transforms = "instant-ngp", colmap, synthetic
}

public enum BoundsSource: String, Sendable, Codable {
    case file         // given by the scene files (LLFF bounds, synthetic ground truth)
    case points       // COLMAP points3D depth percentiles
    case cameraSpread // derived from camera positions
}

public struct Scene: Sendable {
    public var name: String
    public var root: URL
    public var format: SceneFormat
    public var views: [View]
    /// Depth range (along the camera z axis) that holds the scene content.
    public var near: Double
    public var far: Double
    public var boundsSource: BoundsSource
    /// Indices into `views`.
    public var trainIndices: [Int]
    public var testIndices: [Int]
    /// Validation views named by the files (Blender `transforms_val.json`); may overlap `testIndices`
    /// (stitch lists the same frames in val and test). Empty for every other format.
    public var valIndices: [Int] = []
    /// RGB composited under transparent pixels when images have alpha.
    public var background: SIMD3<Float>

    public init(name: String, root: URL, format: SceneFormat, views: [View], near: Double, far: Double,
                boundsSource: BoundsSource, trainIndices: [Int], testIndices: [Int],
                background: SIMD3<Float> = SIMD3(1, 1, 1), valIndices: [Int] = []) {
        self.name = name; self.root = root; self.format = format; self.views = views
        self.near = near; self.far = far; self.boundsSource = boundsSource
        self.trainIndices = trainIndices; self.testIndices = testIndices; self.background = background
        self.valIndices = valIndices
    }
}
