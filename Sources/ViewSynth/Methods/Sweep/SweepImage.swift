// A reference image prepared for the sweep's hot loop: RGB, padded by one edge-replicated pixel on every side
// so bilinear taps need no clamping, optionally Gaussian-blurred (for the photo-consistency cost only).
//
// Layout: (H + 2) × (W + 2) × 3 floats, row-major. Pixel (i, j) of the source sits at (i + 1, j + 1).
// Sampling convention as everywhere in ViewSynth: the centre of source pixel (i, j) is at (i + 0.5, j + 0.5);
// points outside [0, W] × [0, H] are rejected by the caller before sampling.

import Foundation
import ViewSynthCore

struct SweepImage: Sendable {
    let width: Int, height: Int
    /// Padded row stride in floats: (width + 2) · 3.
    let stride: Int
    let pixels: [Float]

    /// `blurSigma` > 0 applies a separable Gaussian (radius ⌈2.5σ⌉, edge-clamped) before padding.
    init(_ image: Image, blurSigma: Double = 0) {
        let src = image.channels == 3 ? image : image.rgb()
        let w = src.width, h = src.height
        var base = src.pixels
        if blurSigma > 0 { base = SweepImage.gaussian(base, width: w, height: h, sigma: blurSigma) }
        let pw = w + 2
        var out = [Float](repeating: 0, count: pw * (h + 2) * 3)
        for py in 0..<(h + 2) {
            let sy = min(max(py - 1, 0), h - 1)
            for px in 0..<pw {
                let sx = min(max(px - 1, 0), w - 1)
                let s = (sy * w + sx) * 3, d = (py * pw + px) * 3
                out[d] = base[s]; out[d + 1] = base[s + 1]; out[d + 2] = base[s + 2]
            }
        }
        width = w; height = h; stride = pw * 3; pixels = out
    }

    /// Separable Gaussian blur of an H × W × 3 image, edges clamped.
    static func gaussian(_ px: [Float], width w: Int, height h: Int, sigma: Double) -> [Float] {
        let r = max(1, Int((2.5 * sigma).rounded(.up)))
        var k = (-r...r).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let s = k.reduce(0, +); k = k.map { $0 / s }
        var tmp = [Float](repeating: 0, count: px.count), out = tmp
        for y in 0..<h {
            for x in 0..<w {
                var a = SIMD3<Float>.zero
                for t in -r...r {
                    let xx = min(max(x + t, 0), w - 1), o = (y * w + xx) * 3
                    a += k[t + r] * SIMD3(px[o], px[o + 1], px[o + 2])
                }
                let o = (y * w + x) * 3
                tmp[o] = a.x; tmp[o + 1] = a.y; tmp[o + 2] = a.z
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                var a = SIMD3<Float>.zero
                for t in -r...r {
                    let yy = min(max(y + t, 0), h - 1), o = (yy * w + x) * 3
                    a += k[t + r] * SIMD3(tmp[o], tmp[o + 1], tmp[o + 2])
                }
                let o = (y * w + x) * 3
                out[o] = a.x; out[o + 1] = a.y; out[o + 2] = a.z
            }
        }
        return out
    }
}

/// Bilinear RGB sample of a padded image at continuous pixel coordinates (u, v) ∈ [0, W] × [0, H].
@inline(__always)
func sweepSample(_ p: UnsafePointer<Float>, stride: Int, u: Float, v: Float) -> (Float, Float, Float) {
    // Fractional index in the padded image: (u − 0.5) + 1 ≥ 0.5, so truncation is floor.
    let sx = u + 0.5, sy = v + 0.5
    let ix = Int(sx), iy = Int(sy)
    let fx = sx - Float(ix), fy = sy - Float(iy)
    let a = p + iy * stride + ix * 3, c = a + stride
    let t0 = a[0] + fx * (a[3] - a[0]), b0 = c[0] + fx * (c[3] - c[0])
    let t1 = a[1] + fx * (a[4] - a[1]), b1 = c[1] + fx * (c[4] - c[1])
    let t2 = a[2] + fx * (a[5] - a[2]), b2 = c[2] + fx * (c[5] - c[2])
    return (t0 + fy * (b0 - t0), t1 + fy * (b1 - t1), t2 + fy * (b2 - t2))
}
