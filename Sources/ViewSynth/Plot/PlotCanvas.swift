// A small RGB raster for the plots ViewSynth draws itself (curves.png): filled rectangles, crisp axis lines,
// antialiased polylines and discs, and text in the project's bitmap font (BitmapFont.swift). Everything is a
// pure function of the drawing calls (no clock, no randomness), so the same data gives the same PNG bytes.
// Also here: "nice" axis ticks (1, 2, 5 × 10^k) shared by curves.png and the eval report's SVG chart.

import Foundation
import ViewSynthCore

/// An 8-bit RGB colour.
public struct PlotColor: Equatable, Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public static let white = PlotColor(255, 255, 255)
    public static let black = PlotColor(0, 0, 0)
}

/// A rectangle of pixels: x in [x0, x1), y in [y0, y1).
public struct PixelRect: Equatable, Sendable {
    public var x0: Int, y0: Int, x1: Int, y1: Int
    public init(x0: Int, y0: Int, x1: Int, y1: Int) { self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1 }
    public var width: Int { x1 - x0 }
    public var height: Int { y1 - y0 }
    public func contains(x: Int, y: Int) -> Bool { x >= x0 && x < x1 && y >= y0 && y < y1 }
}

public struct PlotCanvas: Sendable {
    public let width: Int
    public let height: Int
    /// RGB, row-major from the top-left pixel.
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: PlotColor = .white) {
        precondition(width > 0 && height > 0)
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { pixels[3 * i] = background.r; pixels[3 * i + 1] = background.g; pixels[3 * i + 2] = background.b }
    }

    public var bounds: PixelRect { PixelRect(x0: 0, y0: 0, x1: width, y1: height) }

    public func color(x: Int, y: Int) -> PlotColor {
        let i = 3 * (y * width + x)
        return PlotColor(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Sets pixel (x, y) (ignored outside the canvas).
    public mutating func set(x: Int, y: Int, _ c: PlotColor) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = 3 * (y * width + x)
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
    }

    /// Mixes `c` into pixel (x, y) with weight `alpha` in [0, 1].
    public mutating func blend(x: Int, y: Int, _ c: PlotColor, alpha: Double) {
        guard x >= 0, x < width, y >= 0, y < height, alpha > 0 else { return }
        let a = min(alpha, 1)
        let i = 3 * (y * width + x)
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 { UInt8((Double(old) * (1 - a) + Double(new) * a).rounded()) }
        pixels[i] = mix(pixels[i], c.r); pixels[i + 1] = mix(pixels[i + 1], c.g); pixels[i + 2] = mix(pixels[i + 2], c.b)
    }

    public mutating func fill(_ r: PixelRect, _ c: PlotColor) {
        for y in max(0, r.y0)..<max(max(0, r.y0), min(height, r.y1)) {
            for x in max(0, r.x0)..<max(max(0, r.x0), min(width, r.x1)) { set(x: x, y: y, c) }
        }
    }

    /// A one-pixel horizontal line from x0 to x1 inclusive; every `dash` pixels on, `dash` off when dash > 0.
    public mutating func horizontalLine(y: Int, x0: Int, x1: Int, _ c: PlotColor, dash: Int = 0) {
        for x in min(x0, x1)...max(x0, x1) where dash <= 0 || (x - x0) / dash % 2 == 0 { set(x: x, y: y, c) }
    }

    /// A one-pixel vertical line from y0 to y1 inclusive.
    public mutating func verticalLine(x: Int, y0: Int, y1: Int, _ c: PlotColor, dash: Int = 0) {
        for y in min(y0, y1)...max(y0, y1) where dash <= 0 || (y - y0) / dash % 2 == 0 { set(x: x, y: y, c) }
    }

    public mutating func strokeRect(_ r: PixelRect, _ c: PlotColor) {
        horizontalLine(y: r.y0, x0: r.x0, x1: r.x1 - 1, c); horizontalLine(y: r.y1 - 1, x0: r.x0, x1: r.x1 - 1, c)
        verticalLine(x: r.x0, y0: r.y0, y1: r.y1 - 1, c); verticalLine(x: r.x1 - 1, y0: r.y0, y1: r.y1 - 1, c)
    }

    /// An antialiased polyline of `lineWidth` pixels through `points` (pixel coordinates, pixel (x, y) covering
    /// [x, x+1) × [y, y+1)); nil entries break it into separate runs. Drawn inside `clip` only. Coverage is
    /// accumulated as a maximum over the segments before blending, so joints are not darker than the line.
    public mutating func polyline(_ points: [(x: Double, y: Double)?], _ c: PlotColor, lineWidth: Double, clip: PixelRect? = nil) {
        let clip = clip ?? bounds
        guard clip.width > 0, clip.height > 0 else { return }
        var mask = [Float](repeating: 0, count: clip.width * clip.height)
        let half = lineWidth / 2
        var previous: (x: Double, y: Double)? = nil
        for p in points {
            guard let p, p.x.isFinite, p.y.isFinite else { previous = nil; continue }
            let a = previous ?? p
            previous = p
            let lo = (x: Int((min(a.x, p.x) - half - 1).rounded(.down)), y: Int((min(a.y, p.y) - half - 1).rounded(.down)))
            let hi = (x: Int((max(a.x, p.x) + half + 1).rounded(.up)), y: Int((max(a.y, p.y) + half + 1).rounded(.up)))
            let dx = p.x - a.x, dy = p.y - a.y, len2 = dx * dx + dy * dy
            for y in max(lo.y, clip.y0)..<max(max(lo.y, clip.y0), min(hi.y, clip.y1)) {
                for x in max(lo.x, clip.x0)..<max(max(lo.x, clip.x0), min(hi.x, clip.x1)) {
                    let cx = Double(x) + 0.5, cy = Double(y) + 0.5
                    let t = len2 > 0 ? min(1, max(0, ((cx - a.x) * dx + (cy - a.y) * dy) / len2)) : 0
                    let ex = cx - (a.x + t * dx), ey = cy - (a.y + t * dy)
                    let cover = Float(min(1, max(0, half + 0.5 - (ex * ex + ey * ey).squareRoot())))
                    let m = (y - clip.y0) * clip.width + (x - clip.x0)
                    if cover > mask[m] { mask[m] = cover }
                }
            }
        }
        for y in clip.y0..<clip.y1 {
            for x in clip.x0..<clip.x1 {
                let m = mask[(y - clip.y0) * clip.width + (x - clip.x0)]
                if m > 0 { blend(x: x, y: y, c, alpha: Double(m)) }
            }
        }
    }

    /// An antialiased filled disc of `radius` pixels centred at (cx, cy), optionally with a ring of `ring`.
    public mutating func disc(cx: Double, cy: Double, radius: Double, _ c: PlotColor, ring: PlotColor? = nil, ringWidth: Double = 1) {
        let r = radius + 1
        for y in Int((cy - r).rounded(.down))...Int((cy + r).rounded(.up)) {
            for x in Int((cx - r).rounded(.down))...Int((cx + r).rounded(.up)) {
                let d = ((Double(x) + 0.5 - cx) * (Double(x) + 0.5 - cx) + (Double(y) + 0.5 - cy) * (Double(y) + 0.5 - cy)).squareRoot()
                let outer = min(1, max(0, radius + 0.5 - d))
                guard outer > 0 else { continue }
                if let ring {
                    let inner = min(1, max(0, radius - ringWidth + 0.5 - d))
                    blend(x: x, y: y, ring, alpha: outer)
                    blend(x: x, y: y, c, alpha: inner)
                } else {
                    blend(x: x, y: y, c, alpha: outer)
                }
            }
        }
    }

    public enum Anchor: Sendable { case left, center, right }

    /// Text in the bitmap font with its top at `y` (capitals are 7 × scale pixels tall), placed by `anchor`
    /// relative to `x`. Vertical text reads bottom to top, centred on (x, y) by `anchor == .center`.
    public mutating func text(_ s: String, x: Int, y: Int, scale: Int = 1, _ c: PlotColor, anchor: Anchor = .left,
                              vertical: Bool = false) {
        let w = BitmapFont.width(s, scale: scale)
        let shift = anchor == .left ? 0 : (anchor == .center ? w / 2 : w)
        if vertical {
            BitmapFont.forEachPixel(s, x0: x, y0: y + shift, scale: scale, vertical: true) { set(x: $0, y: $1, c) }
        } else {
            BitmapFont.forEachPixel(s, x0: x - shift, y0: y, scale: scale) { set(x: $0, y: $1, c) }
        }
    }

    /// The canvas as a 3-channel float image (for ImageIO / PNGCodec).
    public var image: Image {
        Image(width: width, height: height, channels: 3, pixels: pixels.map { Float($0) / 255 })
    }

    /// The canvas as PNG bytes; `path` is only used in error messages.
    public func encodePNG(path: String = "<memory>") throws -> Data { try ImageIO.encodePNG(image, path: path) }
}

/// Axis ticks at "nice" values.
public enum AxisTicks {
    /// About `count` ticks at multiples of 1, 2 or 5 × 10^k covering [lo, hi]: the tick step and the
    /// extended range [first, last] (both multiples of the step, first ≤ lo, last ≥ hi).
    public static func linear(lo: Double, hi: Double, count: Int = 5) -> (step: Double, first: Double, last: Double) {
        var lo = lo, hi = hi
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if hi < lo { swap(&lo, &hi) }
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let raw = (hi - lo) / Double(max(count, 1))
        let mag = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        return (step, (lo / step).rounded(.down) * step, (hi / step).rounded(.up) * step)
    }

    /// The tick values first, first + step, … ≤ last (computed from an integer count, no drift).
    public static func values(step: Double, first: Double, last: Double) -> [Double] {
        let n = Int(((last - first) / step).rounded())
        return (0...max(n, 0)).map { first + Double($0) * step }
    }

    /// Ticks of a log axis covering [lo, hi] (lo > 0): powers of ten, plus 2× and 5× when the range spans
    /// at most two decades (and 2…9× within a single decade); the first and last ticks bracket the range.
    public static func logarithmic(lo: Double, hi: Double) -> [Double] {
        guard lo > 0, hi >= lo, lo.isFinite, hi.isFinite else { return [0.1, 1] }
        let d0 = Int(log10(lo).rounded(.down)), d1 = max(d0 + 1, Int(log10(hi).rounded(.up)))
        let multiples: [Double] = d1 - d0 <= 1 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : (d1 - d0 <= 2 ? [1, 2, 5] : [1])
        var all: [Double] = []
        for d in d0...d1 { for m in multiples { all.append(m * pow(10, Double(d))) } }
        // Keep the ticks inside the range plus the nearest one on each side.
        let below = all.last { $0 <= lo * (1 + 1e-9) } ?? all[0]
        let above = all.first { $0 >= hi * (1 - 1e-9) } ?? all[all.count - 1]
        return all.filter { $0 >= below * (1 - 1e-9) && $0 <= above * (1 + 1e-9) }
    }

    /// A tick label with as many decimals as the step needs ("0.5", "25", "1000").
    public static func label(_ v: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : min(6, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", abs(v) < step * 1e-6 ? 0 : v)
    }

    /// A log-axis label: "0.001", "0.02", "5", "100", "1e-5" (shortest %g form).
    public static func logLabel(_ v: Double) -> String {
        var s = String(format: "%g", v)
        if s.contains("e-0") { s = s.replacingOccurrences(of: "e-0", with: "e-") }
        return s
    }

    /// A step count on an axis: "0", "500", "2500", "10k", "1.5M".
    public static func stepLabel(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1_000_000 { return trimmed(v / 1_000_000) + "M" }
        if a >= 10_000 { return trimmed(v / 1000) + "k" }
        return String(format: "%.0f", v)
    }

    private static func trimmed(_ v: Double) -> String {
        var s = String(format: "%.1f", v)
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }
}
