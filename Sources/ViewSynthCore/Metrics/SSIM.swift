// Structural similarity (SSIM), matching tf.image.ssim's defaults.
//
// Definition (Wang et al. 2004, as tf.image.ssim computes it):
//   * window: 11×11 Gaussian, σ = 1.5, weights g(i) ∝ exp(−(i − 5)² / (2σ²)), i = 0…10, normalised to sum 1;
//     applied separably (rows, then columns);
//   * 'valid' filtering: no padding, so the SSIM map of an H×W channel is (H − 10)×(W − 10);
//   * μx = g∗x, μy = g∗y, σx² = g∗x² − μx², σy² = g∗y² − μy², σxy = g∗(xy) − μx·μy (population moments);
//   * SSIM map = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)), C1 = (0.01·L)², C2 = (0.03·L)², L = 1;
//   * result: mean of the map per channel, then mean over channels.
// Values are NOT clipped (as in tf). Arithmetic is in Double (tf uses float32; the difference is ~1e-7).
// Equivalent scikit-image call: structural_similarity(a, b, data_range=1, gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False, channel_axis=-1) (its window is 2·int(3.5·1.5 + 0.5) + 1 = 11 and it crops
// 5 pixels per side before averaging, i.e. 'valid'); see Tests/ViewSynthCoreTests/Metrics/Fixtures/ssim_reference.py.
// Images must have the same shape (a programmer error otherwise); smaller than 11 in either dimension → NaN.
// Cost: about 2·11·5 multiply-adds per pixel and channel (≈ 20 ms for 400×400×3 in release on one core).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The normalised 1-D Gaussian of the SSIM window (size 11, σ = 1.5).
public let ssimGaussianWindow: [Double] = {
    let size = 11, sigma = 1.5
    let raw = (0..<size).map { i -> Double in
        let x = Double(i - (size - 1) / 2)
        return exp(-x * x / (2 * sigma * sigma))
    }
    let s = raw.reduce(0, +)
    return raw.map { $0 / s }
}()

/// Mean SSIM of `a` against `b` as tf.image.ssim computes it (see the file head).
public func ssim(_ a: Image, _ b: Image) -> Double {
    precondition(a.width == b.width && a.height == b.height && a.channels == b.channels,
                 "images differ in shape: \(a.width)×\(a.height)×\(a.channels) vs \(b.width)×\(b.height)×\(b.channels)")
    let win = ssimGaussianWindow.count
    let w = a.width, h = a.height, c = a.channels
    guard w >= win, h >= win, c > 0 else { return .nan }
    let wv = w - win + 1, hv = h - win + 1

    // Horizontally filtered moments for every row: 5 planes of h × wv (x, y, x², y², xy).
    var rows = [Double](repeating: 0, count: 5 * h * wv)
    // Per-row scratch: the channel's values and products (5 × w), and one output row of 5 × wv.
    var line = [Double](repeating: 0, count: 5 * w)
    var acc = [Double](repeating: 0, count: 5 * wv)
    var total = 0.0
    let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03

    ssimGaussianWindow.withUnsafeBufferPointer { g in
        a.pixels.withUnsafeBufferPointer { pa in
            b.pixels.withUnsafeBufferPointer { pb in
                rows.withUnsafeMutableBufferPointer { rows in
                    line.withUnsafeMutableBufferPointer { line in
                        acc.withUnsafeMutableBufferPointer { acc in
                            let plane = h * wv
                            for ch in 0..<c {
                                // 1. Rows: filter x, y, x², y², xy horizontally ('valid').
                                for r in 0..<h {
                                    for j in 0..<w {
                                        let x = Double(pa[(r * w + j) * c + ch]), y = Double(pb[(r * w + j) * c + ch])
                                        line[j] = x; line[w + j] = y
                                        line[2 * w + j] = x * x; line[3 * w + j] = y * y; line[4 * w + j] = x * y
                                    }
                                    for q in 0..<5 {
                                        let src = line.baseAddress! + q * w
                                        let dst = rows.baseAddress! + q * plane + r * wv
                                        for j in 0..<wv { dst[j] = 0 }
                                        for k in 0..<win {
                                            let gk = g[k]
                                            let s = src + k
                                            for j in 0..<wv { dst[j] += gk * s[j] }
                                        }
                                    }
                                }
                                // 2. Columns: filter vertically and evaluate the SSIM map row by row.
                                var channelSum = 0.0
                                for i in 0..<hv {
                                    for q in 0..<5 {
                                        let dst = acc.baseAddress! + q * wv
                                        for j in 0..<wv { dst[j] = 0 }
                                        for k in 0..<win {
                                            let gk = g[k]
                                            let s = rows.baseAddress! + q * plane + (i + k) * wv
                                            for j in 0..<wv { dst[j] += gk * s[j] }
                                        }
                                    }
                                    for j in 0..<wv {
                                        let mx = acc[j], my = acc[wv + j]
                                        let sxx = acc[2 * wv + j] - mx * mx
                                        let syy = acc[3 * wv + j] - my * my
                                        let sxy = acc[4 * wv + j] - mx * my
                                        let num = (2 * mx * my + c1) * (2 * sxy + c2)
                                        let den = (mx * mx + my * my + c1) * (sxx + syy + c2)
                                        channelSum += num / den
                                    }
                                }
                                total += channelSum / Double(hv * wv)
                            }
                        }
                    }
                }
            }
        }
    }
    return total / Double(c)
}
