import Testing
@testable import ViewSynthCore

struct BilinearSamplingTests {
    static func randomImage(_ rng: inout SplitMix64, width: Int, height: Int, channels: Int) -> Image {
        Image(width: width, height: height, channels: channels,
              pixels: (0..<(width * height * channels)).map { _ in Float(rng.uniform()) })
    }

    static func sample(_ img: Image, _ u: Float, _ v: Float) -> ([Float], Bool) {
        var out = [Float](repeating: -7, count: img.channels)
        let inside = out.withUnsafeMutableBufferPointer { img.sampleBilinear(u: u, v: v, into: $0.baseAddress!) }
        return (out, inside)
    }

    @Test func exactAtPixelCentres() {
        var rng = SplitMix64(seed: 40)
        let img = Self.randomImage(&rng, width: 13, height: 9, channels: 3)
        for y in 0..<9 { for x in 0..<13 {
            let (v, inside) = Self.sample(img, Float(x) + 0.5, Float(y) + 0.5)
            #expect(inside)
            for c in 0..<3 { #expect(v[c] == img[x, y, c]) }
        } }
    }

    @Test func linearBetweenCentres() {
        var rng = SplitMix64(seed: 41)
        let img = Self.randomImage(&rng, width: 11, height: 7, channels: 2)
        for _ in 0..<500 {
            // A point between the centres of pixels (x, y) … (x+1, y+1), at fractions (a, b).
            let x = Int(rng.uniform() * 10), y = Int(rng.uniform() * 6)
            let a = Float(rng.uniform()), b = Float(rng.uniform())
            let (v, inside) = Self.sample(img, Float(x) + 0.5 + a, Float(y) + 0.5 + b)
            #expect(inside)
            for c in 0..<2 {
                let top = (1 - a) * img[x, y, c] + a * img[x + 1, y, c]
                let bottom = (1 - a) * img[x, y + 1, c] + a * img[x + 1, y + 1, c]
                #expect(abs(v[c] - ((1 - b) * top + b * bottom)) < 1e-6)
            }
            // Along one axis the sample is exactly linear in the coordinate: f(mid) = (f(lo) + f(hi)) / 2.
            let lo = Self.sample(img, Float(x) + 0.5, Float(y) + 0.5).0
            let hi = Self.sample(img, Float(x) + 1.5, Float(y) + 0.5).0
            let mid = Self.sample(img, Float(x) + 1.0, Float(y) + 0.5).0
            for c in 0..<2 { #expect(abs(mid[c] - (lo[c] + hi[c]) / 2) < 1e-6) }
        }
    }

    @Test func clampToEdgeAndInsideFlag() {
        var rng = SplitMix64(seed: 42)
        let img = Self.randomImage(&rng, width: 5, height: 4, channels: 1)
        // Left of the first centre and beyond the border: the edge value.
        #expect(Self.sample(img, 0.2, 1.5) == ([img[0, 1, 0]], true))
        #expect(Self.sample(img, -3, 1.5) == ([img[0, 1, 0]], false))
        #expect(Self.sample(img, 4.9, 3.8) == ([img[4, 3, 0]], true))
        #expect(Self.sample(img, 50, 1e9) == ([img[4, 3, 0]], false))
        #expect(Self.sample(img, 0, 0).1 && Self.sample(img, 5, 4).1)          // closed rectangle
        #expect(!Self.sample(img, 5.0001, 2).1 && !Self.sample(img, 2, -0.0001).1)
        // NaN and infinities: no trap, outside, some edge value.
        let (nanValue, nanInside) = Self.sample(img, .nan, .nan)
        #expect(!nanInside && nanValue[0] == img[0, 0, 0])
        #expect(!Self.sample(img, -.infinity, .infinity).1)
    }

    @Test func patchEqualsIndividualSamples() {
        var rng = SplitMix64(seed: 43)
        let img = Self.randomImage(&rng, width: 17, height: 12, channels: 3)
        for k in [1, 2, 3, 5, 8, 11] {
            for _ in 0..<40 {
                // Centres inside, near the borders and outside.
                let u = Float(rng.uniform(-4, 21)), v = Float(rng.uniform(-4, 16))
                var patch = [Float](repeating: -7, count: k * k * 3)
                let inside = patch.withUnsafeMutableBufferPointer { img.samplePatch(u: u, v: v, size: k, into: $0.baseAddress!) }
                #expect(inside == (u >= 0 && u <= 17 && v >= 0 && v <= 12))
                let half = Float(k - 1) / 2
                for j in 0..<k { for i in 0..<k {
                    let (s, _) = Self.sample(img, u + Float(i) - half, v + Float(j) - half)
                    for c in 0..<3 { #expect(abs(patch[(j * k + i) * 3 + c] - s[c]) < 1e-6, "k \(k) i \(i) j \(j)") }
                } }
            }
        }
        // A 1×1 patch is the point sample; a 3×3 patch at a pixel centre is the 3×3 block of pixels.
        var p3 = [Float](repeating: 0, count: 27)
        p3.withUnsafeMutableBufferPointer { _ = img.samplePatch(u: 6.5, v: 4.5, size: 3, into: $0.baseAddress!) }
        for j in 0..<3 { for i in 0..<3 { for c in 0..<3 { #expect(p3[(j * 3 + i) * 3 + c] == img[5 + i, 3 + j, c]) } } }
    }

    @Test func batchedSamplingEqualsSingle() {
        var rng = SplitMix64(seed: 44)
        let img = Self.randomImage(&rng, width: 9, height: 8, channels: 3)
        let m = 50
        let coords = (0..<(2 * m)).map { _ in Float(rng.uniform(-2, 11)) }
        var out = [Float](repeating: 0, count: m * 3)
        var inside = [Bool](repeating: false, count: m)
        coords.withUnsafeBufferPointer { c in out.withUnsafeMutableBufferPointer { o in inside.withUnsafeMutableBufferPointer { f in
            img.sampleBilinear(coordinates: c, into: o, inside: f)
        } } }
        for i in 0..<m {
            let (s, ins) = Self.sample(img, coords[2 * i], coords[2 * i + 1])
            #expect(Array(out[(3 * i)..<(3 * i + 3)]) == s && inside[i] == ins)
        }
        let (conv, convInside) = img.sampleBilinear(at: Vec2(Double(coords[0]), Double(coords[1])))
        #expect(conv == Array(out[0..<3]) && convInside == inside[0])
    }
}
