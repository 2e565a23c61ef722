// Colour maps for previews: depth (near = bright) and error heat maps.

import ViewSynthCore

public enum ColorMap {
    /// A perceptual ramp (black → purple → orange → yellow, like "inferno"), t in [0, 1].
    public static func inferno(_ t: Float) -> SIMD3<Float> {
        let stops: [SIMD3<Float>] = [
            SIMD3(0.001, 0.000, 0.014), SIMD3(0.258, 0.039, 0.406), SIMD3(0.578, 0.148, 0.404),
            SIMD3(0.865, 0.317, 0.226), SIMD3(0.988, 0.645, 0.040), SIMD3(0.988, 0.998, 0.645),
        ]
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Float(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        let f = x - Float(i)
        return stops[i] * (1 - f) + stops[i + 1] * f
    }

    /// Inverse depth mapped to [0, 1] between the 1st and 99th percentiles, near = bright.
    public static func depthPreview(_ depth: [Float], width: Int, height: Int) -> Image {
        let inv = depth.map { $0 > 0 ? 1 / $0 : 0 }
        let sorted = inv.filter { $0 > 0 }.sorted()
        let lo = sorted.isEmpty ? 0 : sorted[sorted.count / 100]
        let hi = sorted.isEmpty ? 1 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        var out = Image(width: width, height: height, channels: 3)
        for (i, v) in inv.enumerated() {
            let c = inferno(hi > lo ? (v - lo) / (hi - lo) : 0)
            out.pixels[i * 3] = c.x; out.pixels[i * 3 + 1] = c.y; out.pixels[i * 3 + 2] = c.z
        }
        return out
    }

    /// Per-pixel mean absolute error over channels, scaled so 0.25 error is full scale.
    public static func errorHeatMap(_ a: Image, _ b: Image) -> Image {
        var out = Image(width: a.width, height: a.height, channels: 3)
        for p in 0..<(a.width * a.height) {
            var e: Float = 0
            for c in 0..<3 { e += abs(a.pixels[p * a.channels + c] - b.pixels[p * b.channels + c]) }
            let col = inferno(e / 3 * 4)
            out.pixels[p * 3] = col.x; out.pixels[p * 3 + 1] = col.y; out.pixels[p * 3 + 2] = col.z
        }
        return out
    }

    /// Images side by side (same height), separated by `gap` white pixels.
    public static func strip(_ images: [Image], gap: Int = 4) -> Image {
        let h = images.map(\.height).max() ?? 0
        let w = images.map(\.width).reduce(0, +) + gap * max(images.count - 1, 0)
        var out = Image(width: w, height: h, channels: 3, fill: 1)
        var x0 = 0
        for img in images {
            let rgb = img.rgb()
            for y in 0..<rgb.height { for x in 0..<rgb.width { for c in 0..<3 { out[x0 + x, y, c] = rgb[x, y, c] } } }
            x0 += rgb.width + gap
        }
        return out
    }
}
