import Foundation
import Testing
@testable import ViewSynthCore

struct InputLimitsTests {
    @Test func checkedIntRefusesEveryValueThatWouldTrapOrIsOutOfRange() throws {
        let r = 1...32768
        #expect(try InputLimits.checkedInt(640.0, field: "w", file: "f.json", range: r) == 640)
        #expect(try InputLimits.checkedInt(640.0000001, field: "w", file: "f.json", range: r) == 640)
        for bad in [Double.nan, .infinity, -.infinity, 1e300, -48, 0, 32769, 1.5, 9.3e18] {
            let e = #expect(throws: ViewSynthError.self) { try InputLimits.checkedInt(bad, field: "w", file: "f.json", range: r) }
            let text = e?.description ?? ""
            #expect(text.hasPrefix("f.json: expected w an integer in 1…32768, found "), "\(text)")
        }
        #expect(try InputLimits.checkedInt(UInt64(36), field: "h", file: "c.bin", range: r) == 36)
        let e = #expect(throws: ViewSynthError.self) { try InputLimits.checkedInt(UInt64(1) << 63, field: "h", file: "c.bin", range: r) }
        #expect(e?.found == "9223372036854775808")
    }

    @Test func imageBudgetCountsTheRGBExpansion() throws {
        try InputLimits.checkImageSize(width: 8192, height: 8192, channels: 4, file: "a.png")   // 2^28 samples with alpha
        try InputLimits.checkImageSize(width: 9000, height: 9000, channels: 1, file: "a.png")   // 2.43e8 as RGB
        #expect(throws: ViewSynthError.self) { try InputLimits.checkImageSize(width: 16384, height: 16384, channels: 1, file: "a.png") }
        #expect(throws: ViewSynthError.self) { try InputLimits.checkImageSize(width: 32769, height: 1, file: "a.png") }
        #expect(throws: ViewSynthError.self) { try InputLimits.checkImageSize(width: 0, height: 1, file: "a.png") }
    }

    @Test func checkedProductRefusesOverflowAndNegativeFactors() throws {
        #expect(try InputLimits.checkedProduct([2, 17], limit: 100, field: "n", file: "x") == 34)
        #expect(throws: ViewSynthError.self) { try InputLimits.checkedProduct([1 << 40, 1 << 40], limit: Int.max, field: "n", file: "x") }
        #expect(throws: ViewSynthError.self) { try InputLimits.checkedProduct([-1, 5], limit: 100, field: "n", file: "x") }
        #expect(throws: ViewSynthError.self) { try InputLimits.checkedProduct([11, 10], limit: 100, field: "n", file: "x") }
    }

    @Test func inputFileNamesTheKindOfFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inputfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe.png").path, loop = dir.appendingPathComponent("loop.json").path
        #expect(mkfifo(fifo, 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        for (path, kind) in [(fifo, "a FIFO"), (dir.path, "a folder"), ("/dev/zero", "a device"), (loop, "a symbolic link loop"),
                             (dir.appendingPathComponent("none").path, "no such file"),
                             (dir.appendingPathComponent("\u{FFFD}.png").path, "not valid UTF-8")] {
            let e = #expect(throws: ViewSynthError.self) { try InputFile.read(path, expected: "a thing") }
            #expect(e?.found.contains(kind) == true, "\(path): \(String(describing: e))")
        }
        let file = dir.appendingPathComponent("ok.txt")
        try Data("hello".utf8).write(to: file)
        #expect(try InputFile.read(file, expected: "text") == Data("hello".utf8))
        #expect(try InputFile.read(file.path, expected: "text") == Data("hello".utf8))
    }

    @Test func errorsAreOneLine() {
        let e = ViewSynthError("f", expected: "x", found: "a\nb\u{85}c\u{1B}[2Jd" + String(repeating: "z", count: 500))
        #expect(!e.description.contains(where: { $0.isNewline }))
        #expect(!e.description.unicodeScalars.contains { $0.properties.generalCategory == .control })
        #expect(e.description.count < 260)
    }
}
