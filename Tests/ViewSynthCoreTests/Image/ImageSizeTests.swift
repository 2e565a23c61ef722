import Foundation
import Testing
@testable import ViewSynthCore

/// `readSize` reads headers only; it must agree with a full decode.
struct ImageSizeTests {
    @Test func jpegSizeSkipsLargeMetadataSegmentsAndFillBytes() throws {
        let jpeg = try ImageIO.encodeJPEG(testPattern(width: 37, height: 23, channels: 3), quality: 80)
        // SOI, then a 60 000-byte APP1 (like EXIF with a thumbnail), a comment, fill bytes, then the original rest.
        var padded = Data([0xFF, 0xD8])
        let app1Length = 60_000
        padded += Data([0xFF, 0xE1, UInt8(app1Length >> 8), UInt8(app1Length & 0xFF)])
        padded += Data(repeating: 0xC0, count: app1Length - 2)   // SOF-looking bytes inside a segment body
        padded += Data([0xFF, 0xFE, 0x00, 0x07]) + Data("hello".utf8)
        padded += Data([0xFF, 0xFF])   // fill bytes before the next marker
        padded += jpeg.dropFirst(2)
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("exif.jpg")
        try padded.write(to: url)
        let image = try ImageIO.read(url)
        #expect(image.width == 37 && image.height == 23)
        #expect(try ImageIO.readSize(url) == (37, 23))
        #expect(try ImageIO.decodeSize(padded, path: "exif.jpg") == (37, 23))
        // Same pixels as without the extra segments.
        #expect(image == (try ImageIO.decode(jpeg, path: "plain.jpg")))
    }

    @Test(arguments: [(1, 1), (1, 300), (257, 2), (640, 1)])
    func sizeMatchesDecode(width: Int, height: Int) throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let image = testPattern(width: width, height: height, channels: 3)
        let png = folder.file("s.png"), jpg = folder.file("s.jpg"), depth = folder.file("d.png")
        try ImageIO.writePNG(image, to: png)
        try ImageIO.writeJPEG(image, to: jpg)
        try ImageIO.writePNG16(gray: [UInt16](repeating: 7, count: width * height), width: width, height: height, to: depth)
        for url in [png, jpg, depth] {
            let decoded = try ImageIO.read(url)
            let size = try ImageIO.readSize(url)
            #expect(size.width == decoded.width && size.height == decoded.height, "\(url.lastPathComponent)")
            #expect(size.width == width && size.height == height, "\(url.lastPathComponent)")
        }
    }
}
