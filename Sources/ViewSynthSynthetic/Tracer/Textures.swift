// Procedural solid textures with detail at several scales, so that stereo matching and learned renderers have
// something to lock onto: value-noise octaves (coarse blotches to fine grain), plus one overlay pattern
// (stripes, checkers, text-like glyph marks or dots).
//
// Textures are evaluated at the hit point in the object's local frame (scene units), so they stay attached
// to the object and are continuous across box edges and around spheres. Glyphs are 2-D marks drawn on the
// local coordinate plane most perpendicular to the local normal (the face plane for boxes and quads).
// Colours are linear reflectances in [0, 1].
//
// Prefiltering: detail finer than the pixel footprint (world size of one pixel at the hit) would alias, and since
// the jitter differs per view it would show up as view-inconsistent noise. Each noise octave, the grain and the
// overlay pattern therefore fade to their mean value between 0.35 and 0.7 cycles per pixel.

/// Integer lattice hash → 64 well-mixed bits.
@inline(__always) func latticeHash(_ x: Int, _ y: Int, _ z: Int, _ salt: UInt64) -> UInt64 {
    var h = UInt64(bitPattern: Int64(x)) &* 0x9E37_79B9_7F4A_7C15
    h ^= UInt64(bitPattern: Int64(y)) &* 0xC2B2_AE3D_27D4_EB4F
    h ^= UInt64(bitPattern: Int64(z)) &* 0x1656_67B1_9E37_79F9
    h ^= salt
    h = (h ^ (h >> 31)) &* 0xD6E8_FEB8_6659_FD93
    h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
    return h ^ (h >> 32)
}

@inline(__always) func unitFromBits(_ h: UInt64) -> R { R(h >> 11) * 0x1p-53 }

/// Trilinear value noise with a smoothstep fade, in [0, 1].
@inline(__always) func valueNoise(_ p: V3, _ salt: UInt64) -> R {
    let fx = floorR(p.x), fy = floorR(p.y), fz = floorR(p.z)
    let ix = Int(fx), iy = Int(fy), iz = Int(fz)
    var tx = p.x - fx, ty = p.y - fy, tz = p.z - fz
    tx = tx * tx * (3 - 2 * tx); ty = ty * ty * (3 - 2 * ty); tz = tz * tz * (3 - 2 * tz)
    let c000 = unitFromBits(latticeHash(ix, iy, iz, salt)), c100 = unitFromBits(latticeHash(ix + 1, iy, iz, salt))
    let c010 = unitFromBits(latticeHash(ix, iy + 1, iz, salt)), c110 = unitFromBits(latticeHash(ix + 1, iy + 1, iz, salt))
    let c001 = unitFromBits(latticeHash(ix, iy, iz + 1, salt)), c101 = unitFromBits(latticeHash(ix + 1, iy, iz + 1, salt))
    let c011 = unitFromBits(latticeHash(ix, iy + 1, iz + 1, salt))
    let c111 = unitFromBits(latticeHash(ix + 1, iy + 1, iz + 1, salt))
    let x00 = c000 + (c100 - c000) * tx, x10 = c010 + (c110 - c010) * tx
    let x01 = c001 + (c101 - c001) * tx, x11 = c011 + (c111 - c011) * tx
    let y0 = x00 + (x10 - x00) * ty, y1 = x01 + (x11 - x01) * ty
    return y0 + (y1 - y0) * tz
}

/// Overlay patterns.
enum Pattern: UInt8, Sendable, CaseIterable { case none, stripes, checkers, glyphs, dots }

/// A surface's appearance: procedural albedo plus Blinn-Phong specular parameters.
struct Material: Sendable {
    /// Base colours blended by the noise octaves, and the overlay pattern's ink colour (linear RGB).
    var colorA: V3, colorB: V3, ink: V3
    /// Frequency (cycles per scene unit) of the coarsest noise octave; each further octave ×2.1.
    var noiseFrequency: R
    var octaves: Int
    /// Contrast applied to the noise before blending A→B (1 = none).
    var noiseContrast: R
    var pattern: Pattern
    /// Pattern cells or stripes per scene unit.
    var patternFrequency: R
    /// Unit direction across stripes (local frame).
    var patternDirection: V3
    /// 0…1: how strongly the ink covers the base.
    var patternStrength: R
    /// Fine multiplicative grain: frequency (per unit) and amplitude.
    var grainFrequency: R, grainAmplitude: R
    /// Specular reflectance and Blinn-Phong exponent.
    var specular: R, shininess: R
    var salt: UInt64

    /// Linear albedo at local point `p` with local normal `n`; `footprint` = world size of one pixel there.
    @inline(__always) func albedo(_ p: V3, _ n: V3, footprint: R) -> V3 {
        // Noise octaves: coarse to fine, each faded out near the pixel's Nyquist limit.
        var sum: R = 0, amp: R = 0.5, norm: R = 0, f = noiseFrequency
        for o in 0..<octaves {
            let w = detailWeight(f * footprint)
            if w == 0 { sum += amp * 0.5 } else {
                let v = valueNoise(p * f + V3(R(o) * 17.31, R(o) * 5.77, R(o) * 11.13), salt &+ UInt64(o))
                sum += amp * (0.5 + w * (v - 0.5))
            }
            norm += amp; amp *= 0.55; f *= 2.1
        }
        var t = (sum / norm - 0.5) * noiseContrast + 0.5
        t = min(max(t, 0), 1)
        var c = mix(colorA, colorB, t)
        if pattern != .none {
            let (cyclesPerUnit, mean) = patternDetail
            let w = detailWeight(cyclesPerUnit * footprint)
            let ink = w == 0 ? mean : mean + w * (inkCoverage(p, n) - mean)
            if ink > 0 { c = mix(c, self.ink, ink * patternStrength) }
        }
        let wg = detailWeight(grainFrequency * footprint)
        if wg > 0 {
            let g = valueNoise(p * grainFrequency, salt ^ 0x5A5A)
            c = c * (1 + wg * grainAmplitude * (2 * g - 1))
        }
        return c
    }

    /// 1 below 0.35 cycles per pixel, 0 above 0.7, linear between.
    @inline(__always) func detailWeight(_ cyclesPerPixel: R) -> R { min(1, max(0, (0.7 - cyclesPerPixel) * (1 / 0.35))) }

    /// Finest spatial frequency of the overlay pattern (cycles per unit: glyph strokes repeat ≈ 3× per cell)
    /// and its mean ink coverage.
    var patternDetail: (cyclesPerUnit: R, mean: R) {
        switch pattern {
        case .none: return (0, 0)
        case .stripes: return (patternFrequency * 1.5, 0.35)
        case .checkers: return (patternFrequency, 0.5)
        case .glyphs: return (patternFrequency * 3, 0.2)
        case .dots: return (patternFrequency * 2, 0.13)
        }
    }

    /// 0…1 coverage of the overlay pattern.
    @inline(__always) func inkCoverage(_ p: V3, _ n: V3) -> R {
        switch pattern {
        case .none:
            return 0
        case .stripes:
            let s = dot(p, patternDirection) * patternFrequency
            return s - floorR(s) < 0.35 ? 1 : 0
        case .checkers:
            let q = p * patternFrequency
            return (Int(floorR(q.x)) + Int(floorR(q.y)) + Int(floorR(q.z))) & 1 == 0 ? 1 : 0
        case .glyphs, .dots:
            // 2-D coordinates on the local plane most perpendicular to the normal.
            let ax = abs(n.x), ay = abs(n.y), az = abs(n.z)
            var a: R, b: R, plane: Int
            if az >= ax && az >= ay { a = p.x; b = p.y; plane = 2 } else if ay >= ax { a = p.x; b = p.z; plane = 1 } else { a = p.y; b = p.z; plane = 0 }
            a *= patternFrequency; b *= patternFrequency
            if pattern == .glyphs {
                // Text-like: cells 0.6 wide × 1 high, each a random 3×5 bitmap (one cell in four is a space).
                a /= 0.6
                let ca = floorR(a), cb = floorR(b)
                let h = latticeHash(Int(ca), Int(cb), plane, salt ^ 0x6C79)
                if h & 3 == 0 { return 0 }
                let fa = (a - ca - 0.15) / 0.7, fb = (b - cb - 0.1) / 0.8
                if fa < 0 || fa >= 1 || fb < 0 || fb >= 1 { return 0 }
                let bit = Int(fb * 5) * 3 + Int(fa * 3)
                return (h >> UInt64(4 + bit)) & 1 == 1 ? 1 : 0
            } else {
                // Dots: one jittered disc per cell, random radius.
                let ca = floorR(a), cb = floorR(b)
                let h = latticeHash(Int(ca), Int(cb), plane, salt ^ 0x646F)
                let ox = 0.3 + 0.4 * unitFromBits(h), oy = 0.3 + 0.4 * unitFromBits(h &* 0x9E37_79B9_7F4A_7C15)
                let r = 0.12 + 0.16 * R((h >> 40) & 0xFF) / 255
                let dx = a - ca - ox, dy = b - cb - oy
                return dx * dx + dy * dy < r * r ? 1 : 0
            }
        }
    }
}
