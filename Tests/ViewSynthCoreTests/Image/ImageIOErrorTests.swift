import Foundation
import Testing
@testable import ViewSynthCore

/// Bad input: each case must throw a ViewSynthError that names the file, says what was expected and what
/// was found — never crash.
struct ImageIOErrorTests {
    /// Reads `url` with both `read` and `readSize`, expecting the same kind of failure from each.
    private func readError(_ url: URL) -> (read: ViewSynthError?, size: ViewSynthError?) {
        let a = #expect(throws: ViewSynthError.self) { try ImageIO.read(url) }
        let b = #expect(throws: ViewSynthError.self) { try ImageIO.readSize(url) }
        return (a, b)
    }

    private func samplePNG() throws -> Data {
        try ImageIO.encodePNG(testPattern(width: 32, height: 20, channels: 3))
    }

    @Test func truncatedPNG() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let png = try samplePNG()
        // Cut inside the image data, and cut right after the header.
        for cut in [png.count / 2, png.count - 13, 40] {
            let url = folder.file("cut\(cut).png")
            try png.prefix(cut).write(to: url)
            let error = try #require(#expect(throws: ViewSynthError.self) { try ImageIO.read(url) })
            #expect(error.path == url.path)
            #expect(error.expected == "a PNG or JPEG image")
            #expect(error.found.hasPrefix("truncated PNG data"), "\(error)")
            // The header is intact, so the size is still known.
            #expect(try ImageIO.readSize(url) == (32, 20))
        }
        // Cut inside the signature or IHDR: readSize fails as well.
        for cut in [5, 20] {
            let url = folder.file("head\(cut).png")
            try png.prefix(cut).write(to: url)
            let (read, size) = readError(url)
            #expect(read?.found.hasPrefix("truncated PNG data") == true, "\(String(describing: read))")
            #expect(size?.found.hasPrefix("truncated PNG data") == true, "\(String(describing: size))")
            #expect(read?.path == url.path && size?.path == url.path)
        }
    }

    @Test func corruptPNG() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        var png = try samplePNG()
        // Damage the compressed image data (keeping the length): the IDAT CRC no longer matches.
        let idat = try #require(png.range(of: Data("IDAT".utf8)))
        for i in (idat.upperBound + 10)..<(idat.upperBound + 30) { png[i] ^= 0x5A }
        let url = folder.file("corrupt.png")
        try png.write(to: url)
        let error = try #require(#expect(throws: ViewSynthError.self) { try ImageIO.read(url) })
        #expect(error.path == url.path)
        #expect(error.expected == "a PNG or JPEG image")
        #expect(error.found.hasPrefix("corrupt PNG data"), "\(error)")
        #expect(error.description.hasPrefix("\(url.path): expected a PNG or JPEG image, found corrupt PNG data"))

        // Broken IHDR (zero width): both read and readSize refuse it.
        var badHeader = try samplePNG()
        for i in 16..<20 { badHeader[i] = 0 }
        let headerURL = folder.file("zero-width.png")
        try badHeader.write(to: headerURL)
        let (read, size) = readError(headerURL)
        #expect(read?.found.hasPrefix("corrupt PNG data") == true, "\(String(describing: read))")
        #expect(size?.found.hasPrefix("corrupt PNG data") == true, "\(String(describing: size))")
    }

    @Test func jpegThatIsReallyText() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("photo.jpg")
        try Data("hello, this is not a photo\nsecond line\n".utf8).write(to: url)
        let (read, size) = readError(url)
        for error in [read, size] {
            #expect(error?.path == url.path)
            #expect(error?.expected == "a PNG or JPEG image")
            #expect(error?.found == "text starting with 'hello, this is not a pho…'")
        }
    }

    @Test func truncatedAndCorruptJPEG() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let jpeg = try ImageIO.encodeJPEG(testPattern(width: 48, height: 32, channels: 3), quality: 90)
        let url = folder.file("cut.jpg")
        try jpeg.prefix(jpeg.count * 2 / 3).write(to: url)
        let error = try #require(#expect(throws: ViewSynthError.self) { try ImageIO.read(url) })
        #expect(error.path == url.path)
        #expect(error.found.hasPrefix("truncated JPEG data"), "\(error)")
        #expect(try ImageIO.readSize(url) == (48, 32))

        // Only the start-of-image marker and part of a segment: no frame header anywhere.
        let stub = folder.file("stub.jpg")
        try jpeg.prefix(6).write(to: stub)
        let (read, size) = readError(stub)
        #expect(read?.found.contains("JPEG data") == true, "\(String(describing: read))")
        #expect(size?.found.hasPrefix("truncated JPEG data") == true, "\(String(describing: size))")

        // Garbage in place of the entropy-coded data and markers.
        var corrupt = jpeg
        let sos = try #require(corrupt.range(of: Data([0xFF, 0xDA])))
        for i in (sos.upperBound + 14)..<(corrupt.count - 2) { corrupt[i] = UInt8(truncatingIfNeeded: i &* 131) | 0x01 }
        let corruptURL = folder.file("corrupt.jpg")
        try corrupt.write(to: corruptURL)
        let corruptError = try #require(#expect(throws: ViewSynthError.self) { try ImageIO.read(corruptURL) })
        #expect(corruptError.found.contains("JPEG data"), "\(corruptError)")
    }

    @Test func missingFile() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("nope.png")
        let (read, size) = readError(url)
        for error in [read, size] {
            #expect(error?.path == url.path)
            #expect(error?.expected == "a PNG or JPEG image")
            #expect(error?.found == "no such file")
        }
        // A folder where an image was expected.
        let (dirRead, dirSize) = readError(folder.url)
        #expect(dirRead?.found == "a folder" && dirSize?.found == "a folder")
    }

    @Test func otherContentIsDescribed() throws {
        #expect(ImageIO.describeContent([UInt8]()) == "an empty file")
        #expect(ImageIO.describeContent(Array("GIF89a....".utf8)) == "a GIF image")
        #expect(ImageIO.describeContent([0x00, 0x01, 0xFE, 0x7F, 0x80, 0x10, 0x20, 0x30, 0x40])
            == "binary data starting with 00 01 fe 7f 80 10 20 30")
        let error = #expect(throws: ViewSynthError.self) { try ImageIO.decode(Data(), path: "empty.png") }
        #expect(error?.description == "empty.png: expected a PNG or JPEG image, found an empty file")
    }

    @Test func unwritableDestination() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let image = testPattern(width: 4, height: 4, channels: 3)
        // The folder does not exist; and a regular file stands where a folder should be. (Tests may run as root,
        // so permission bits alone would not stop the write.)
        let blocker = folder.file("not-a-folder")
        try Data("x".utf8).write(to: blocker)
        let targets = [folder.file("missing/out.png"), blocker.appendingPathComponent("out.png")]
        for url in targets {
            let png = #expect(throws: ViewSynthError.self) { try ImageIO.writePNG(image, to: url) }
            #expect(png?.path == url.path)
            #expect(png?.found.contains("cannot create a file there") == true, "\(String(describing: png))")
            let jpg = #expect(throws: ViewSynthError.self) { try ImageIO.writeJPEG(image, to: url) }
            #expect(jpg?.path == url.path)
            let depth = #expect(throws: ViewSynthError.self) {
                try ImageIO.writePNG16(gray: [1, 2, 3, 4], width: 2, height: 2, to: url)
            }
            #expect(depth?.path == url.path)
        }
        #expect(folder.contents() == ["not-a-folder"])
    }

    @Test func failedEncodeLeavesExistingFileIntact() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("keep.png")
        let original = testPattern(width: 3, height: 2, channels: 3)
        try ImageIO.writePNG(original, to: url)
        let before = try Data(contentsOf: url)
        #expect(throws: ViewSynthError.self) { try ImageIO.writePNG(Image(width: 0, height: 0, channels: 3), to: url) }
        #expect(throws: ViewSynthError.self) { try ImageIO.writeJPEG(original, to: url, quality: 0) }
        #expect(throws: ViewSynthError.self) { try ImageIO.writePNG16(gray: [1], width: 2, height: 2, to: url) }
        #expect(try Data(contentsOf: url) == before)
        #expect(folder.contents() == ["keep.png"])
    }
}
