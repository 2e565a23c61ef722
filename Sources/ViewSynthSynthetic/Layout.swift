// Scene layouts: how objects and cameras are arranged.

/// `forward`: LLFF-like. A room corner (floor + textured back wall) full of objects at depths ≈ 2–10 units, seen by
/// cameras on a small jittered grid that all face the same way. Every pixel hits a surface.
///
/// `object`: Blender-like. A cluster of objects on a textured floor tile around the origin, seen by cameras on a
/// spiral over the upper hemisphere (elevation 15°–60°) looking at the centre. Rays past the floor see a sky
/// gradient (depth 0 there).
///
/// Both worlds are z-up (floor z = 0); cameras use OpenCV axes (x right, y down, z forward).
public enum SyntheticLayout: String, Sendable, CaseIterable, Codable {
    case forward, object

    /// View count used when none is given.
    public var defaultViews: Int { self == .forward ? 20 : 40 }
    /// Image size used when none is given.
    public var defaultSize: (width: Int, height: Int) { self == .forward ? (320, 240) : (200, 200) }
    /// Nominal horizontal field of view in degrees (each scene varies it by ±12 %, see Rigs.swift).
    public var horizontalFOVDegrees: Double { self == .forward ? 55 : 40 }
}
