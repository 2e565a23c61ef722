import Foundation
import Testing
@testable import ViewSynthCore

struct AtomicFileTests {
    @Test func writesAndReplaces() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("out.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        let big = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try AtomicFile.write(big, to: url)
        #expect(try Data(contentsOf: url) == big)
        try AtomicFile.write(Data(), to: url)
        #expect(try Data(contentsOf: url).isEmpty)
        #expect(folder.contents() == ["out.bin"])
    }

    @Test func failureBeforeRenameLeavesOldFileIntact() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("keep.txt")
        try AtomicFile.write(Data("old contents".utf8), to: url)
        struct Boom: Error {}
        var sawTemp = false
        #expect(throws: Boom.self) {
            try AtomicFile.write(Data("new contents".utf8), to: url) { temp in
                // The new bytes are complete in a temp file beside the destination...
                sawTemp = temp.deletingLastPathComponent().standardizedFileURL == folder.url.standardizedFileURL
                    && (try? Data(contentsOf: temp)) == Data("new contents".utf8)
                throw Boom()   // ...and then the write fails.
            }
        }
        #expect(sawTemp)
        #expect(try Data(contentsOf: url) == Data("old contents".utf8))
        #expect(folder.contents() == ["keep.txt"])   // temp file removed
    }

    @Test func failedRenameLeavesDestinationAndNoTemp() throws {
        // The destination is a non-empty folder: rename(2) cannot replace it.
        let folder = ScratchFolder()
        defer { folder.remove() }
        let dest = folder.file("occupied")
        try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: false)
        try Data("inner".utf8).write(to: dest.appendingPathComponent("inner.txt"))
        let error = #expect(throws: ViewSynthError.self) { try AtomicFile.write(Data([9]), to: dest) }
        #expect(error?.path == dest.path)
        #expect(error?.found.hasPrefix("rename failed") == true, "\(String(describing: error))")
        #expect(try Data(contentsOf: dest.appendingPathComponent("inner.txt")) == Data("inner".utf8))
        #expect(folder.contents() == ["occupied"])
    }

    @Test func missingFolderIsAnErrorNamingThePath() throws {
        let folder = ScratchFolder()
        defer { folder.remove() }
        let url = folder.file("no/such/folder/file.bin")
        let error = #expect(throws: ViewSynthError.self) { try AtomicFile.write(Data([1]), to: url) }
        #expect(error?.path == url.path)
        #expect(error?.description.contains("no such file or directory") == true, "\(String(describing: error))")
    }
}
