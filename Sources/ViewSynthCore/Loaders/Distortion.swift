// OpenCV lens distortion on normalised camera coordinates, its inverse, and the image remap that turns a
// distorted photograph into the pinhole image of the same intrinsics K.
//
//   r² = x² + y²,  radial = 1 + k1 r² + k2 r⁴ + k3 r⁶
//   x_d = x·radial + 2 p1 x y + p2 (r² + 2x²)
//   y_d = y·radial + p1 (r² + 2y²) + 2 p2 x y
// Pixel coordinates follow the scene convention (pixel (i, j) centre at (i + 0.5, j + 0.5)); the distortion
// itself only sees normalised coordinates x = (u − cx)/fx, y = (v − cy)/fy.

import Foundation

extension Distortion {
    /// Distorted normalised point of an ideal (pinhole) normalised point.
    @inlinable public func distort(_ p: Vec2) -> Vec2 {
        let x = p.x, y = p.y
        let r2 = x * x + y * y
        let radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
        return Vec2(x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x),
                    y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y)
    }

    /// Jacobian ∂distort/∂p as rows (dxd/dx, dxd/dy), (dyd/dx, dyd/dy).
    @inlinable public func jacobian(_ p: Vec2) -> (Vec2, Vec2) {
        let x = p.x, y = p.y
        let r2 = x * x + y * y
        let radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
        let dR = k1 + r2 * (2 * k2 + 3 * k3 * r2)   // d radial / d r²
        let xx = radial + 2 * x * x * dR + 2 * p1 * y + 6 * p2 * x
        let xy = 2 * x * y * dR + 2 * p1 * x + 2 * p2 * y
        let yx = 2 * x * y * dR + 2 * p1 * x + 2 * p2 * y
        let yy = radial + 2 * y * y * dR + 6 * p1 * y + 2 * p2 * x
        return (Vec2(xx, xy), Vec2(yx, yy))
    }

    /// Ideal normalised point whose distortion is `pd`, by Newton iteration started at `pd`
    /// (converges in a few steps for the mild distortions of real lenses). Returns the last iterate.
    public func undistort(_ pd: Vec2, maxIterations: Int = 30, tolerance: Double = 1e-15) -> Vec2 {
        var p = pd
        for _ in 0..<maxIterations {
            let f = distort(p) - pd
            let (r0, r1) = jacobian(p)
            let det = r0.x * r1.y - r0.y * r1.x
            guard det != 0, det.isFinite else { break }
            let step = Vec2((r1.y * f.x - r0.y * f.y) / det, (-r1.x * f.x + r0.x * f.y) / det)
            p -= step
            if abs(step.x) + abs(step.y) < tolerance { break }
        }
        return p
    }
}

public enum Undistortion {
    /// Pinhole image with the same intrinsics `k` from a photograph with `distortion`: every output pixel centre
    /// is mapped through the distortion to the source image and sampled bilinearly (clamp-to-edge, see
    /// Geometry/BilinearSampling.swift). `k` may describe another size than the image (scaled per axis).
    /// Shape: H × W × C in, H × W × C out.
    public static func remap(_ image: Image, intrinsics k: Intrinsics, distortion: Distortion) -> Image {
        if distortion.isZero { return image }
        let w = image.width, h = image.height, c = image.channels
        var out = [Float](repeating: 0, count: w * h * c)
        let sx = Double(w) / Double(k.width), sy = Double(h) / Double(k.height)  // 1 unless K describes another size
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for j in 0..<h {
                    for i in 0..<w {
                        let x = ((Double(i) + 0.5) / sx - k.cx) / k.fx
                        let y = ((Double(j) + 0.5) / sy - k.cy) / k.fy
                        let d = distortion.distort(Vec2(x, y))
                        let u = (d.x * k.fx + k.cx) * sx, v = (d.y * k.fy + k.cy) * sy
                        _ = Image.bilinear(src.baseAddress!, width: w, height: h, channels: c,
                                           u: Float(u), v: Float(v), out: dst.baseAddress! + (j * w + i) * c)
                    }
                }
            }
        }
        return Image(width: w, height: h, channels: c, pixels: out)
    }
}
