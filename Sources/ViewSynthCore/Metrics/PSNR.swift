// Peak signal-to-noise ratio between two images.
//
// Convention: values are clipped to [0, 1] (peak 1), the mean squared error is taken over every pixel and channel
// (accumulated in Double), and PSNR = 10·log10(1 / MSE) in dB; +∞ for identical (clipped) images.
// NaN samples are treated as 0 by the clip. Both images must have the same width, height and channel count
// (a programmer error otherwise: evaluation compares a render with the image of the same camera).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mean squared error of the two images after clipping each to [0, 1].
public func meanSquaredError(_ a: Image, _ b: Image) -> Double {
    precondition(a.width == b.width && a.height == b.height && a.channels == b.channels,
                 "images differ in shape: \(a.width)×\(a.height)×\(a.channels) vs \(b.width)×\(b.height)×\(b.channels)")
    let n = a.pixels.count
    guard n > 0 else { return 0 }
    return a.pixels.withUnsafeBufferPointer { pa in
        b.pixels.withUnsafeBufferPointer { pb in
            var sum = 0.0
            for j in 0..<n {
                let e = Double(clip01(pa[j])) - Double(clip01(pb[j]))
                sum += e * e
            }
            return sum / Double(n)
        }
    }
}

/// PSNR in dB of `a` against `b` with peak 1 (see the file head); +∞ when the clipped images are identical.
public func psnr(_ a: Image, _ b: Image) -> Double {
    let mse = meanSquaredError(a, b)
    return mse == 0 ? .infinity : -10 * log10(mse)
}

@inline(__always) func clip01(_ x: Float) -> Float {
    x >= 1 ? 1 : (x > 0 ? x : 0)
}
