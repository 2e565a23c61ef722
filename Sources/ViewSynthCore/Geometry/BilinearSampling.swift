// Bilinear sampling of an `Image` at continuous pixel coordinates, single points and k×k patches.
//
// Conventions:
//   * Continuous pixel coordinates (u, v): image corner at (0, 0), pixel (i, j) centred at (i + 0.5, j + 0.5)
//     (see Geometry/Rays.swift). Sampling at (i + 0.5, j + 0.5) returns pixel (i, j) exactly; between two
//     pixel centres the value is linear in u (and in v).
//   * Border: clamp-to-edge. Indices are clamped to [0, W−1] × [0, H−1], so the half-pixel strip between the
//     outermost centres and the image border, and everything beyond, repeat the edge pixels.
//   * `inside` (the Bool the samplers return) says whether the point lies in the closed image rectangle
//     [0, W] × [0, H]; NaN coordinates are outside (and sample the top-left pixel).
//   * Output: `channels` floats per sample, in the image's channel order.
//   * Patch: a k×k grid of unit spacing centred on (u, v): sample (i, j) (0 ≤ i, j < k) is at
//     (u + i − (k−1)/2, v + j − (k−1)/2), written row-major: out[(j·k + i)·C + c]. All samples share the same
//     fractional offsets, so weights are computed once per patch.
// No sampler allocates (except the convenience `sampleBilinear(at:)`). An empty image samples as zeros, outside.

extension Image {
    /// Samples the image at continuous pixel coordinates (u, v) into `out[0..<channels]`.
    /// Returns whether (u, v) lies inside [0, W] × [0, H].
    @discardableResult
    public func sampleBilinear(u: Float, v: Float, into out: UnsafeMutablePointer<Float>) -> Bool {
        if width == 0 || height == 0 { out.update(repeating: 0, count: channels); return false }
        return pixels.withUnsafeBufferPointer { px in
            Image.bilinear(px.baseAddress!, width: width, height: height, channels: channels, u: u, v: v, out: out)
        }
    }

    /// Convenience: the sampled channel values and the inside flag (allocates the result array).
    public func sampleBilinear(at p: Vec2) -> (value: [Float], inside: Bool) {
        var value = [Float](repeating: 0, count: channels)
        let inside = value.withUnsafeMutableBufferPointer {
            sampleBilinear(u: Float(p.x), v: Float(p.y), into: $0.baseAddress!)
        }
        return (value, inside)
    }

    /// Samples M points given as interleaved (u, v) pairs (`coordinates.count` = 2M) into `out` (M·C floats,
    /// point-major); `inside`, if given, receives M flags.
    public func sampleBilinear(coordinates: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>,
                               inside: UnsafeMutableBufferPointer<Bool>? = nil) {
        let m = coordinates.count / 2, c = channels
        precondition(out.count >= m * c, "output buffer too small")
        precondition(inside.map { $0.count >= m } ?? true, "inside buffer too small")
        guard m > 0 else { return }
        if width == 0 || height == 0 {
            out.baseAddress!.update(repeating: 0, count: m * c)
            if let inside { for i in 0..<m { inside[i] = false } }
            return
        }
        let co = coordinates.baseAddress!, o = out.baseAddress!
        pixels.withUnsafeBufferPointer { px in
            let base = px.baseAddress!
            for i in 0..<m {
                let ins = Image.bilinear(base, width: width, height: height, channels: c,
                                         u: co[2 * i], v: co[2 * i + 1], out: o + i * c)
                inside?[i] = ins
            }
        }
    }

    /// Samples a k×k unit-spacing patch centred on (u, v) into `out[0..<k·k·channels]` (row-major, see the file
    /// head). Returns whether the centre (u, v) lies inside [0, W] × [0, H].
    @discardableResult
    public func samplePatch(u: Float, v: Float, size k: Int, into out: UnsafeMutablePointer<Float>) -> Bool {
        precondition(k >= 1, "patch size must be at least 1")
        if width == 0 || height == 0 { out.update(repeating: 0, count: k * k * channels); return false }
        return pixels.withUnsafeBufferPointer { px in
            Image.patch(px.baseAddress!, width: width, height: height, channels: channels, u: u, v: v, k: k, out: out)
        }
    }

    // MARK: Kernels

    /// Splits a continuous coordinate into a clamped-to-edge pair of indices and the weight of the second one.
    /// `s` is the coordinate minus 0.5 (a fractional pixel index); NaN and far-away values are clamped first
    /// so the conversion to Int cannot trap.
    @inline(__always)
    static func split(_ s: Float, size n: Int, pad: Int) -> (i0: Int, frac: Float) {
        var s = s
        let lo = Float(-1 - pad), hi = Float(n + pad)
        if !(s >= lo) { s = lo } else if s > hi { s = hi }
        let f = s.rounded(.down)
        return (Int(f), s - f)
    }

    @inline(__always)
    static func bilinear(_ base: UnsafePointer<Float>, width w: Int, height h: Int, channels c: Int,
                         u: Float, v: Float, out: UnsafeMutablePointer<Float>) -> Bool {
        let inside = u >= 0 && u <= Float(w) && v >= 0 && v <= Float(h)
        let (x0, ax) = split(u - 0.5, size: w, pad: 0)
        let (y0, ay) = split(v - 0.5, size: h, pad: 0)
        let xa = min(max(x0, 0), w - 1), xb = min(max(x0 + 1, 0), w - 1)
        let ya = min(max(y0, 0), h - 1), yb = min(max(y0 + 1, 0), h - 1)
        let p00 = base + (ya * w + xa) * c, p10 = base + (ya * w + xb) * c
        let p01 = base + (yb * w + xa) * c, p11 = base + (yb * w + xb) * c
        let bx = 1 - ax, by = 1 - ay
        for k in 0..<c {
            let top = bx * p00[k] + ax * p10[k]
            let bottom = bx * p01[k] + ax * p11[k]
            out[k] = by * top + ay * bottom
        }
        return inside
    }

    @inline(__always)
    static func patch(_ base: UnsafePointer<Float>, width w: Int, height h: Int, channels c: Int,
                      u: Float, v: Float, k: Int, out: UnsafeMutablePointer<Float>) -> Bool {
        let inside = u >= 0 && u <= Float(w) && v >= 0 && v <= Float(h)
        let half = Float(k - 1) / 2
        let (x0, ax) = split(u - 0.5 - half, size: w, pad: k)
        let (y0, ay) = split(v - 0.5 - half, size: h, pad: k)
        let bx = 1 - ax, by = 1 - ay
        // Clamped column offsets (in floats) of the k + 1 columns the patch touches (small: stack-allocated).
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: k + 1) { cols in
            for i in 0...k { cols[i] = min(max(x0 + i, 0), w - 1) * c }
            for j in 0..<k {
                let ra = base + min(max(y0 + j, 0), h - 1) * w * c
                let rb = base + min(max(y0 + j + 1, 0), h - 1) * w * c
                let o = out + j * k * c
                for i in 0..<k {
                    let ca = cols[i], cb = cols[i + 1]
                    for ch in 0..<c {
                        let top = bx * ra[ca + ch] + ax * ra[cb + ch]
                        let bottom = bx * rb[ca + ch] + ax * rb[cb + ch]
                        o[i * c + ch] = by * top + ay * bottom
                    }
                }
            }
            return inside
        }
    }
}
