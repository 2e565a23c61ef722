import Foundation
import Testing
@testable import ViewSynthCore

/// PSNR and SSIM against values computed independently with scikit-image.
///
/// The fixture images are rebuilt here from the integer formulas of Fixtures/ssim_reference.py (24×20×3,
/// values k/255 or k/1275 in Float, identical in both languages). Expected numbers were printed by
///     python3 Tests/ViewSynthCoreTests/Metrics/Fixtures/ssim_reference.py
/// with scikit-image 0.26.0, using
///     structural_similarity(a, b, data_range=1, gaussian_weights=True, sigma=1.5,
///                           use_sample_covariance=False, channel_axis=-1)
/// and PSNR = 10·log10(1/MSE) on images clipped to [0, 1] (cross-checked with peak_signal_noise_ratio).
struct MetricsTests {
    static let w = 24, h = 20, c = 3

    static func base(_ x: Int, _ y: Int, _ c: Int) -> Int {
        (8 * x + 6 * y + 40 * c + ((x * y * 7 + x * 3 + c * 11) % 23)) % 256
    }
    static func noise(_ x: Int, _ y: Int, _ c: Int, _ s: Int) -> Int {
        let m: UInt64 = 0xFFFF_FFFF
        var h = (UInt64(x * 73_856_093) ^ UInt64(y * 19_349_663) ^ UInt64(c * 83_492_791)
                 ^ UInt64(s) &* 2_654_435_761) & m
        h = ((h ^ (h >> 13)) &* 1_274_126_177) & m
        h ^= h >> 16
        return Int(h % 61) - 30
    }
    static func image(channels: Int = 3, _ f: (Int, Int, Int) -> Float) -> Image {
        var img = Image(width: w, height: h, channels: channels)
        for y in 0..<h { for x in 0..<w { for ch in 0..<channels { img[x, y, ch] = f(x, y, ch) } } }
        return img
    }
    static let a = image { Float(base($0, $1, $2)) / 255 }
    static let b = image { Float(min(max(base($0, $1, $2) + noise($0, $1, $2, 1), 0), 255)) / 255 }
    static let contrast = image { Float(base($0, $1, $2) * 3 / 4 + 40) / 255 }
    static let outOfRange = image { Float(base($0, $1, $2) * 7 - 255) / 1275 }
    static let grayA = image(channels: 1) { Float(base($0, $1, $2)) / 255 }
    static let grayB = image(channels: 1) { Float(min(max(base($0, $1, $2) + noise($0, $1, $2, 1), 0), 255)) / 255 }

    /// (name, a, b, expected PSNR, expected SSIM) from ssim_reference.py.
    static let cases: [(String, Image, Image, Double, Double)] = [
        ("noisy", a, b, 23.492671891219242, 0.7638867818039436),
        ("contrast", a, contrast, 22.43310736837026, 0.9532572851760556),
        ("outOfRange", a, outOfRange, 21.661904827912842, 0.9078514270832815),
        ("grayNoisy", grayA, grayB, 23.303615670256427, 0.6685536090589496),
    ]

    @Test func fixtureValuesAreInRange() {
        // Guards the formulas: the "outOfRange" image really leaves [0, 1], the others stay inside.
        #expect(Self.outOfRange.pixels.contains { $0 < 0 } && Self.outOfRange.pixels.contains { $0 > 1 })
        #expect(Self.b.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func psnrMatchesReference() {
        for (name, a, b, expected, _) in Self.cases {
            let got = psnr(a, b)
            #expect(abs(got - expected) < 1e-9 * expected, "\(name): \(got) vs \(expected)")
        }
    }

    @Test func ssimMatchesScikitImage() {
        for (name, a, b, _, expected) in Self.cases {
            let got = ssim(a, b)
            #expect(abs(got - expected) < 1e-6 * expected, "\(name): \(got) vs \(expected)")
            #expect(abs(ssim(b, a) - got) < 1e-12, "\(name): SSIM is symmetric")
        }
    }

    @Test func identicalImages() {
        #expect(psnr(Self.a, Self.a) == .infinity)
        #expect(abs(ssim(Self.a, Self.a) - 1) < 1e-12)
        // Identical after clipping: values beyond [0, 1] on the same side are equal for PSNR.
        var hi = Self.a, hi2 = Self.a
        hi.pixels[0] = 1.5; hi2.pixels[0] = 3
        #expect(psnr(hi, hi2) == .infinity)
    }

    @Test func psnrOfKnownError() {
        // A uniform error of 0.1 gives MSE 0.01, PSNR 20 dB.
        let x = Image(width: 5, height: 3, channels: 3, fill: 0.25)
        let y = Image(width: 5, height: 3, channels: 3, fill: 0.35)
        #expect(abs(psnr(x, y) - 20) < 1e-5)
    }

    @Test func ssimOfTooSmallImageIsNaN() {
        let x = Image(width: 10, height: 30, channels: 3, fill: 0.5)
        #expect(ssim(x, x).isNaN)
    }

    @Test func ssimIsFastEnoughFor400x400() {
        // Not a benchmark: a generous bound that catches an accidental O(window²) or debug-speed regression.
        var rng = SplitMix64(seed: 11)
        let n = 400 * 400 * 3
        let x = Image(width: 400, height: 400, channels: 3, pixels: (0..<n).map { _ in Float(rng.uniform()) })
        let y = Image(width: 400, height: 400, channels: 3, pixels: (0..<n).map { _ in Float(rng.uniform()) })
        let start = DispatchTime.now().uptimeNanoseconds
        let s = ssim(x, y)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        #expect(s.isFinite && s < 0.1)
        #expect(seconds < 2.0, "ssim on 400×400×3 took \(seconds) s")
    }
}
