import Foundation
import Testing
@testable import ViewSynthCore

/// One PNG layout to decode: colour type, bit depth, interlacing, palette transparency.
struct PNGCase: Sendable, CustomTestStringConvertible {
    var colorType: TestPNG.ColorType
    var bitDepth: Int
    var interlaced = false
    var paletteAlpha = false
    var testDescription: String {
        "\(colorType) \(bitDepth)-bit\(interlaced ? " interlaced" : "")\(paletteAlpha ? " +tRNS" : "")"
    }

    /// Every colour type × bit depth PNG allows, plain and Adam7-interlaced, plus palettes with tRNS.
    static let all: [PNGCase] = {
        let layouts: [(TestPNG.ColorType, [Int])] = [
            (.gray, [1, 2, 4, 8, 16]), (.rgb, [8, 16]), (.palette, [1, 2, 4, 8]),
            (.grayAlpha, [8, 16]), (.rgba, [8, 16]),
        ]
        var cases: [PNGCase] = []
        for (type, depths) in layouts {
            for depth in depths {
                for interlaced in [false, true] {
                    cases.append(PNGCase(colorType: type, bitDepth: depth, interlaced: interlaced))
                    if type == .palette {
                        cases.append(PNGCase(colorType: type, bitDepth: depth, interlaced: interlaced, paletteAlpha: true))
                    }
                }
            }
        }
        return cases
    }()

    /// 11×9: odd sizes leave Adam7 passes partly filled.
    static let width = 11, height = 9

    func fixture() -> TestPNG {
        let w = Self.width, h = Self.height
        if colorType == .palette {
            let entries = 1 << bitDepth
            let palette = (0..<entries).map { (i: Int) -> (UInt8, UInt8, UInt8) in
                let r: Int = (i * 7 + 3) % 256, g: Int = (i * 13 + 50) % 256
                return (UInt8(r), UInt8(g), UInt8(255 - i))
            }
            var samples: [Int] = []
            for y in 0..<h { for x in 0..<w { samples.append(patternSample(x, y, 0, maxValue: entries - 1)) } }
            // tRNS shorter than the palette: the remaining entries are opaque.
            let alpha = paletteAlpha ? (0..<max(1, entries / 2)).map { UInt8(($0 * 29 + 11) % 256) } : nil
            return TestPNG(width: w, height: h, colorType: .palette, bitDepth: bitDepth, interlaced: interlaced,
                           samples: samples, palette: palette, transparency: alpha)
        }
        let png = TestPNG(width: w, height: h, colorType: colorType, bitDepth: bitDepth, interlaced: interlaced, samples: [])
        let maxValue = (1 << bitDepth) - 1
        var samples: [Int] = []
        for y in 0..<h { for x in 0..<w { for c in 0..<png.samplesPerPixel { samples.append(patternSample(x, y, c, maxValue: maxValue)) } } }
        var out = png
        out.samples = samples
        return out
    }

    /// The values `ImageIO.decode` must return for `fixture()`: v / (2^depth − 1), palette looked up.
    func expected() -> Image {
        let png = fixture()
        let w = Self.width, h = Self.height
        if colorType == .palette {
            let channels = paletteAlpha ? 4 : 3
            var pixels: [Float] = []
            for i in png.samples {
                let e = png.palette[i]
                pixels += [Float(e.0) / 255, Float(e.1) / 255, Float(e.2) / 255]
                if paletteAlpha {
                    let a = png.transparency!
                    pixels.append(i < a.count ? Float(a[i]) / 255 : 1)
                }
            }
            return Image(width: w, height: h, channels: channels, pixels: pixels)
        }
        let maxValue = (1 << bitDepth) - 1
        let pixels: [Float] = png.samples.map { v in
            bitDepth == 16 ? Float(v) / 65535 : Float(v * (255 / maxValue)) / 255
        }
        return Image(width: w, height: h, channels: png.samplesPerPixel, pixels: pixels)
    }
}

struct PNGDecodeTests {
    @Test(arguments: PNGCase.all)
    func decodesEveryLayoutToStoredValues(_ c: PNGCase) throws {
        let data = Data(c.fixture().encode())
        let image = try ImageIO.decode(data, path: "fixture.png")
        let expected = c.expected()
        #expect(image.width == expected.width && image.height == expected.height)
        try #require(image.channels == expected.channels)
        let size = try ImageIO.decodeSize(data, path: "fixture.png")
        #expect(size.width == image.width && size.height == image.height)

        let sixteenWithAlpha = c.bitDepth == 16 && (c.colorType == .grayAlpha || c.colorType == .rgba)
        var worst: Float = 0
        for p in 0..<(image.width * image.height) {
            for ch in 0..<image.channels {
                let i = p * image.channels + ch
                let isColour = sixteenWithAlpha && ch < image.channels - 1
                if !isColour {
                    #expect(image.pixels[i] == expected.pixels[i], "pixel \(p) channel \(ch)")
                    continue
                }
                // 16-bit colour under partial alpha comes back through premultiplication: within 0.5/alpha
                // (alpha in 16-bit steps); exact at alpha = 1; 0 under alpha = 0.
                let a = expected.pixels[p * image.channels + image.channels - 1]
                let want: Float = a == 0 ? 0 : expected.pixels[i]
                let tolerance: Float = a == 1 || a == 0 ? 0 : 0.5 / (a * 65535) + 1e-6
                worst = max(worst, abs(image.pixels[i] - want) - tolerance)
                #expect(abs(image.pixels[i] - want) <= tolerance, "pixel \(p) channel \(ch): \(image.pixels[i]) vs \(want), alpha \(a)")
            }
        }
        #expect(worst <= 0)
    }

    @Test func colourSpaceChunksDoNotChangeStoredValues() throws {
        // 8-bit RGB marked linear (gAMA 1.0) with cHRM: libpng alone would convert it to sRGB.
        var rgb = PNGCase(colorType: .rgb, bitDepth: 8).fixture()
        let chrm: [UInt8] = [0, 0, 0x7A, 0x26, 0, 0, 0x80, 0x84, 0, 0, 0xFA, 0, 0, 0, 0x80, 0xE8,
                             0, 0, 0x75, 0x30, 0, 0, 0xEA, 0x60, 0, 0, 0x3A, 0x98, 0, 0, 0x17, 0x70]
        rgb.extraChunks = [("gAMA", [0, 1, 0x86, 0xA0]), ("cHRM", chrm)]
        let rgbImage = try ImageIO.decode(Data(rgb.encode()), path: "linear.png")
        #expect(rgbImage.pixels == PNGCase(colorType: .rgb, bitDepth: 8).expected().pixels)

        // 16-bit gray marked sRGB with gAMA 1/2.2: libpng alone would linearise it.
        var gray = PNGCase(colorType: .gray, bitDepth: 16).fixture()
        gray.extraChunks = [("sRGB", [0]), ("gAMA", [0, 0, 0xB1, 0x8F])]
        let grayImage = try ImageIO.decode(Data(gray.encode()), path: "srgb16.png")
        #expect(grayImage.pixels == PNGCase(colorType: .gray, bitDepth: 16).expected().pixels)

        // Sanity check of the premise: the chunks are really in the datastream handed to ImageIO.
        #expect(Data(gray.encode()).range(of: Data("sRGB".utf8)) != nil)
    }

    @Test func grayWithTransparentValueGainsAlpha() throws {
        var png = PNGCase(colorType: .gray, bitDepth: 8).fixture()
        let transparent = png.samples[5]
        png.transparency = [0, UInt8(transparent)]
        let image = try ImageIO.decode(Data(png.encode()), path: "trns.png")
        try #require(image.channels == 2)
        for (p, v) in png.samples.enumerated() {
            #expect(image.pixels[2 * p] == Float(v) / 255)
            #expect(image.pixels[2 * p + 1] == (v == transparent ? 0 : 1))
        }
    }

    @Test func sixteenBitWithAlphaOpaqueIsExact() throws {
        // Fully opaque 16-bit RGBA: the premultiplication round trip must be lossless.
        var png = PNGCase(colorType: .rgba, bitDepth: 16).fixture()
        for p in 0..<(png.samples.count / 4) { png.samples[4 * p + 3] = 65535 }
        let image = try ImageIO.decode(Data(png.encode()), path: "opaque16.png")
        #expect(image.pixels == png.samples.map { Float($0) / 65535 })
    }
}
