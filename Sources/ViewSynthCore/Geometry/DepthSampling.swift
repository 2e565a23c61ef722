// Depth samples along a ray between the scene's near and far bounds.
//
// Conventions:
//   * The sampler produces P increasing values in [near, far]. What they measure is the caller's choice:
//     camera-z depth of the target camera (the scene's near/far are camera-z bounds) or the ray parameter t;
//     `EpipolarProjector` takes a `DepthAxis` saying which.
//   * Spacing: `.linear` is uniform in depth; `.inverseDepth` is uniform in disparity 1/depth (more samples
//     close to the camera, as forward-facing scenes need), which requires near > 0.
//   * Placement of sample i (0 ≤ i < P) as a fraction s ∈ [0, 1] of the spacing's parameter range:
//       `.endpoints`     s = i / (P − 1) (near and far included; P = 1 gives s = 0.5) — the reference code's linspace;
//       `.binCentres`    s = (i + 0.5) / P;
//       `.stratified`    s = (i + u) / P with u uniform in [0, 1) drawn from a hash of (seed, rayKey, i),
//                        so a sample depends only on the seed, the ray's key and its index — never on how rays
//                        are batched, ordered or split across threads.
//     Values are increasing in i for every placement.

/// How depth samples are spread between near and far.
public enum DepthSpacing: String, Sendable, Codable, CaseIterable {
    case linear
    /// Uniform in 1/depth (disparity).
    case inverseDepth
}

/// Where in each of the P bins a sample sits (see the file head).
public enum DepthPlacement: Equatable, Sendable {
    case endpoints
    case binCentres
    case stratified(seed: UInt64)
}

/// P depth samples between near and far for one ray.
public struct DepthSampler: Equatable, Sendable {
    public let near: Double
    public let far: Double
    public let count: Int
    public let spacing: DepthSpacing
    public let placement: DepthPlacement

    /// Throws when the bounds are unusable: not finite, near ≥ far, near ≤ 0 with inverse-depth spacing,
    /// or count < 1.
    public init(near: Double, far: Double, count: Int, spacing: DepthSpacing = .inverseDepth,
                placement: DepthPlacement = .endpoints) throws {
        guard near.isFinite, far.isFinite, near < far, spacing == .linear || near > 0, count >= 1 else {
            throw ViewSynthError("depth sampler", expected: spacing == .linear
                                    ? "finite near < far and at least one sample"
                                    : "finite 0 < near < far and at least one sample",
                                 found: "near \(near), far \(far), \(count) samples")
        }
        self.near = near; self.far = far; self.count = count; self.spacing = spacing; self.placement = placement
    }

    /// A key identifying one ray (view index and integer pixel) for stratified jitter.
    @inlinable public static func rayKey(view: Int, x: Int, y: Int) -> UInt64 {
        var h = _mix64(UInt64(bitPattern: Int64(view)) &+ 0x243F_6A88_85A3_08D3)
        h = _mix64(h ^ UInt64(bitPattern: Int64(y)))
        return _mix64(h ^ (UInt64(bitPattern: Int64(x)) &* 0x9E37_79B9_7F4A_7C15))
    }

    /// The uniform [0, 1) jitter of sample `index` of ray `rayKey` under `seed` (a pure function).
    @inlinable public static func jitter(seed: UInt64, rayKey: UInt64, index: Int) -> Double {
        var h = _mix64(seed ^ 0xD1B5_4A32_D192_ED03)
        h = _mix64(h ^ rayKey)
        h = _mix64(h &+ UInt64(bitPattern: Int64(index)) &* 0x9E37_79B9_7F4A_7C15)
        return Double(h >> 11) * 0x1p-53
    }

    /// The fraction s ∈ [0, 1] of sample `index` (see the file head).
    @inlinable public func fraction(index i: Int, rayKey: UInt64) -> Double {
        switch placement {
        case .endpoints: return count == 1 ? 0.5 : Double(i) / Double(count - 1)
        case .binCentres: return (Double(i) + 0.5) / Double(count)
        case .stratified(let seed):
            return (Double(i) + DepthSampler.jitter(seed: seed, rayKey: rayKey, index: i)) / Double(count)
        }
    }

    /// Depth at fraction s of the spacing's range: linear in depth or in disparity.
    @inlinable public func depth(atFraction s: Double) -> Double {
        switch spacing {
        case .linear: return near + s * (far - near)
        case .inverseDepth:
            let a = 1 / near, b = 1 / far
            return 1 / (a + s * (b - a))
        }
    }

    /// Sample `index` of ray `rayKey`.
    @inlinable public func depth(index: Int, rayKey: UInt64 = 0) -> Double {
        depth(atFraction: fraction(index: index, rayKey: rayKey))
    }

    /// All `count` samples of one ray, increasing.
    public func depths(rayKey: UInt64 = 0) -> [Double] {
        (0..<count).map { depth(index: $0, rayKey: rayKey) }
    }

    /// Writes the `count` samples of one ray into `out[0..<count]` (no allocation).
    public func fill(_ out: UnsafeMutablePointer<Double>, rayKey: UInt64 = 0) {
        for i in 0..<count { out[i] = depth(index: i, rayKey: rayKey) }
    }
    /// Float version of `fill` (values computed in Double, then rounded).
    public func fill(_ out: UnsafeMutablePointer<Float>, rayKey: UInt64 = 0) {
        for i in 0..<count { out[i] = Float(depth(index: i, rayKey: rayKey)) }
    }
}

/// SplitMix64's finaliser: a bijective 64-bit mix.
@inlinable func _mix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
