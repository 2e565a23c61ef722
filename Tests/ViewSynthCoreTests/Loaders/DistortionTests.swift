import Foundation
import Testing
@testable import ViewSynthCore

struct DistortionTests {
    static let samples: [Distortion] = [
        Distortion(k1: -0.106, k2: 0.0139, p1: 0.0169, p2: -0.0024),            // coke
        Distortion(k1: 0.088, k2: -0.181, p1: 0.00089, p2: -0.00018),           // giza
        Distortion(k1: 0.2, k2: 0.05, p1: -0.01, p2: 0.02, k3: -0.01),
        Distortion(k1: -0.3),                                                   // SIMPLE_RADIAL-like
    ]

    @Test func undistortInvertsDistort() {
        var rng = SplitMix64(seed: 11)
        for d in Self.samples {
            for _ in 0..<500 {
                let p = Vec2(rng.uniform(-0.7, 0.7), rng.uniform(-0.7, 0.7))
                let q = d.distort(p)
                let back = d.undistort(q)
                #expect(abs(back.x - p.x) < 1e-12 && abs(back.y - p.y) < 1e-12, "\(d) \(p) -> \(q) -> \(back)")
                // the other way round, inside the range the lens maps one-to-one
                let pd = p * 0.6
                let again = d.distort(d.undistort(pd))
                #expect(abs(again.x - pd.x) < 1e-12 && abs(again.y - pd.y) < 1e-12, "\(d) \(pd) -> \(again)")
            }
        }
    }

    @Test func jacobianMatchesFiniteDifferences() {
        var rng = SplitMix64(seed: 5)
        let h = 1e-6
        for d in Self.samples {
            for _ in 0..<50 {
                let p = Vec2(rng.uniform(-0.6, 0.6), rng.uniform(-0.6, 0.6))
                let (r0, r1) = d.jacobian(p)
                let dx = (d.distort(p + Vec2(h, 0)) - d.distort(p - Vec2(h, 0))) / (2 * h)
                let dy = (d.distort(p + Vec2(0, h)) - d.distort(p - Vec2(0, h))) / (2 * h)
                #expect(abs(r0.x - dx.x) < 1e-7 && abs(r1.x - dx.y) < 1e-7)
                #expect(abs(r0.y - dy.x) < 1e-7 && abs(r1.y - dy.y) < 1e-7)
            }
        }
    }

    /// An image rendered with distortion (each pixel's colour = a smooth function of its ideal normalised
    /// position) comes back from `remap` as that function of the pinhole position, up to interpolation error.
    @Test func remapUndoesDistortionOfASmoothImage() {
        let k = Intrinsics(fx: 40, fy: 42, cx: 31.5, cy: 24.2, width: 64, height: 48)
        let d = Distortion(k1: -0.15, k2: 0.03, p1: 0.004, p2: -0.003)
        func f(_ p: Vec2) -> Float { Float(0.5 + 0.3 * sin(2.1 * p.x) * cos(1.7 * p.y)) }
        var distorted = Image(width: 64, height: 48, channels: 1)
        for j in 0..<48 { for i in 0..<64 {
            let pd = Vec2((Double(i) + 0.5 - k.cx) / k.fx, (Double(j) + 0.5 - k.cy) / k.fy)
            distorted[i, j, 0] = f(d.undistort(pd))
        } }
        let out = Undistortion.remap(distorted, intrinsics: k, distortion: d)
        var worst: Float = 0, worstNaive: Float = 0
        for j in 4..<44 { for i in 4..<60 {
            let p = Vec2((Double(i) + 0.5 - k.cx) / k.fx, (Double(j) + 0.5 - k.cy) / k.fy)
            worst = max(worst, abs(out[i, j, 0] - f(p)))
            worstNaive = max(worstNaive, abs(distorted[i, j, 0] - f(p)))
        } }
        #expect(worst < 2e-3, "remap error \(worst)")
        #expect(worstNaive > 10 * worst, "the test image is not distorted enough to tell (\(worstNaive))")
        #expect(Undistortion.remap(distorted, intrinsics: k, distortion: Distortion()) == distorted)
    }
}
