import Foundation
import Testing
@testable import ViewSynthCore

/// A smooth colour pattern with hard edges and exact 0/1 values, `channels` deep, values in [0, 1].
func testPattern(width: Int, height: Int, channels: Int) -> Image {
    var image = Image(width: width, height: height, channels: channels)
    for y in 0..<height {
        for x in 0..<width {
            let u = (Float(x) + 0.5) / Float(width), v = (Float(y) + 0.5) / Float(height)
            let values: [Float] = [u, v, 0.5 + 0.5 * sin(6 * u + 3 * v), x < width / 3 ? 1 : 0.25 + 0.5 * v]
            for c in 0..<channels { image[x, y, c] = values[channels == 2 && c == 1 ? 3 : c] }
        }
    }
    return image
}

struct ImageRoundTripTests {
    @Test(arguments: 1...4)
    func png8RoundTripIsExactOnTheGrid(channels: Int) throws {
        // Values on the k/255 grid survive exactly; anything else rounds to the nearest step.
        let smooth = testPattern(width: 13, height: 7, channels: channels)
        var grid = smooth
        grid.pixels = smooth.pixels.map { ($0 * 255).rounded() / 255 }
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("rt.png")
        try ImageIO.writePNG(grid, to: url)
        let back = try ImageIO.read(url)
        #expect(back == grid)

        let fromSmooth = try ImageIO.decode(ImageIO.encodePNG(smooth), path: "smooth.png")
        #expect(fromSmooth == grid)
        let size = try ImageIO.readSize(url)
        #expect(size.width == 13 && size.height == 7)
        #expect(folder.contents() == ["rt.png"])   // no temp file left behind
    }

    @Test func png8ClampsAndRoundsOutOfRangeValues() throws {
        let image = Image(width: 6, height: 1, channels: 1, pixels: [-0.5, 1.7, .nan, .infinity, 0.5 / 255 + 1e-4, 0.5 / 255 - 1e-4])
        let back = try ImageIO.decode(ImageIO.encodePNG(image), path: "clamp.png")
        #expect(back.pixels == [0, 1, 0, 1, 1 / 255, 0])
    }

    @Test func png16GrayRoundTripIsExact() throws {
        let width = 17, height = 5
        var values: [UInt16] = (0..<(width * height)).map { UInt16(truncatingIfNeeded: $0 &* 40_503 &+ 7) }
        values[0] = 0; values[1] = 65535; values[2] = 1; values[3] = 32768; values[4] = 65534
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("depth.png")
        try ImageIO.writePNG16(gray: values, width: width, height: height, to: url)
        let back = try ImageIO.read(url)
        #expect(back.channels == 1 && back.width == width && back.height == height)
        #expect(back.pixels == values.map { Float($0) / 65535 })
        // Exact integers back, too.
        #expect(back.pixels.map { UInt16(($0 * 65535).rounded()) } == values)
    }

    @Test func png16RejectsWrongValueCount() throws {
        let error = #expect(throws: ViewSynthError.self) {
            try ImageIO.encodePNG16(gray: [1, 2, 3], width: 2, height: 2, path: "d.png")
        }
        #expect(error?.found == "3 values")
    }

    @Test func jpegRoundTripAtQuality95IsClose() throws {
        let image = testPattern(width: 64, height: 48, channels: 3)
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("rt.jpg")
        try ImageIO.writeJPEG(image, to: url, quality: 95)
        let back = try ImageIO.read(url)
        try #require(back.width == 64 && back.height == 48 && back.channels == 3)
        let mae = zip(back.pixels, image.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(image.pixels.count)
        #expect(mae < 0.01, "mean abs error \(mae)")
        // Lower quality → larger error and smaller file: the quality option reaches the encoder.
        let low = try ImageIO.encodeJPEG(image, quality: 20)
        let high = try Data(contentsOf: url)
        #expect(low.count < high.count)
        let lowBack = try ImageIO.decode(low, path: "low.jpg")
        let lowMAE = zip(lowBack.pixels, image.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(image.pixels.count)
        #expect(lowMAE > mae)
        #expect(try ImageIO.readSize(url) == (64, 48))
    }

    @Test func jpegDropsAlphaByCompositingOnWhite() throws {
        var rgba = testPattern(width: 16, height: 16, channels: 4)
        for p in 0..<(16 * 16) { rgba.pixels[4 * p + 3] = p % 2 == 0 ? 0 : 1 }   // half the pixels transparent
        let back = try ImageIO.decode(ImageIO.encodeJPEG(rgba, quality: 100), path: "a.jpg")
        #expect(back.channels == 3)
        let flat = rgba.rgb()   // composite on white
        let mae = zip(back.pixels, flat.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(flat.pixels.count)
        #expect(mae < 0.03, "mean abs error \(mae)")

        let ga = Image(width: 2, height: 1, channels: 2, pixels: [0, 0, 0, 1])   // transparent black, opaque black
        let gray = try ImageIO.decode(ImageIO.encodeJPEG(ga, quality: 100), path: "ga.jpg")
        #expect(gray.channels == 1)
        #expect(abs(gray.pixels[0] - 1) < 0.1 && gray.pixels[1] < 0.1)
    }

    @Test func progressiveJPEGDecodes() throws {
        let image = testPattern(width: 40, height: 24, channels: 3)
        let progressive = try ImageIO.encodeJPEG(image, quality: 95, progressive: true)
        let baseline = try ImageIO.encodeJPEG(image, quality: 95)
        // The frame marker says what kind of JPEG it is: SOF2 (FF C2) progressive, SOF0 (FF C0) baseline.
        #expect(progressive.range(of: Data([0xFF, 0xC2])) != nil)
        #expect(baseline.range(of: Data([0xFF, 0xC0])) != nil)
        #expect(baseline.range(of: Data([0xFF, 0xC2])) == nil)
        let a = try ImageIO.decode(progressive, path: "p.jpg")
        let b = try ImageIO.decode(baseline, path: "b.jpg")
        #expect(a.width == 40 && a.height == 24 && a.channels == 3)
        let mae = zip(a.pixels, image.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(image.pixels.count)
        #expect(mae < 0.01, "mean abs error \(mae)")
        // Same coefficients, different entropy coding: pixels decode (nearly) identically.
        let diff = zip(a.pixels, b.pixels).map { abs($0 - $1) }.max() ?? 1
        #expect(diff <= 2 / 255)
        #expect(try ImageIO.decodeSize(progressive, path: "p.jpg") == (40, 24))
    }

    @Test func grayscaleJPEGDecodesToOneChannel() throws {
        let image = testPattern(width: 24, height: 16, channels: 1)
        let data = try ImageIO.encodeJPEG(image, quality: 95)
        let back = try ImageIO.decode(data, path: "g.jpg")
        #expect(back.channels == 1 && back.width == 24 && back.height == 16)
        let mae = zip(back.pixels, image.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(image.pixels.count)
        #expect(mae < 0.01, "mean abs error \(mae)")
        // Progressive grayscale as well.
        let progressive = try ImageIO.decode(ImageIO.encodeJPEG(image, quality: 95, progressive: true), path: "gp.jpg")
        #expect(progressive.channels == 1)
    }

    @Test func jpegQualityOutOfRangeIsAnError() throws {
        let image = testPattern(width: 4, height: 4, channels: 3)
        for q in [0, 101] {
            let error = #expect(throws: ViewSynthError.self) { try ImageIO.encodeJPEG(image, quality: q, path: "q.jpg") }
            #expect(error?.path == "q.jpg")
        }
    }

    @Test func emptyImageIsAnErrorNotACrash() throws {
        let empty = Image(width: 0, height: 0, channels: 3)
        #expect(throws: ViewSynthError.self) { try ImageIO.encodePNG(empty) }
        #expect(throws: ViewSynthError.self) { try ImageIO.encodeJPEG(empty) }
        #expect(throws: ViewSynthError.self) { try ImageIO.encodePNG16(gray: [], width: 0, height: 3) }
    }

    @Test func formatComesFromMagicBytesNotExtension() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let image = testPattern(width: 5, height: 3, channels: 3)
        let pngNamedJPG = folder.file("really-a-png.jpg")
        try ImageIO.encodePNG(image).write(to: pngNamedJPG)
        #expect(try ImageIO.read(pngNamedJPG).pixels == ImageIO.decode(ImageIO.encodePNG(image), path: "x").pixels)
        let jpgNamedPNG = folder.file("really-a-jpeg.png")
        try ImageIO.encodeJPEG(image).write(to: jpgNamedPNG)
        #expect(try ImageIO.read(jpgNamedPNG).channels == 3)
        #expect(try ImageIO.readSize(jpgNamedPNG) == (5, 3))
    }
}
