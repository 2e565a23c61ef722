/// A small, fast, seedable RNG (SplitMix64). Every random choice in ViewSynth goes through a seeded
/// generator so that the same command gives the same bytes.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1) with 53 random bits.
    @inlinable public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    @inlinable public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }
    /// Standard normal (Box–Muller).
    @inlinable public mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1p-60), u2 = uniform()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

@usableFromInline func _log(_ x: Double) -> Double {
    #if canImport(Glibc)
    return Glibc.log(x)
    #else
    return Foundation.log(x)
    #endif
}
@usableFromInline func _cos(_ x: Double) -> Double {
    #if canImport(Glibc)
    return Glibc.cos(x)
    #else
    return Foundation.cos(x)
    #endif
}
#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
