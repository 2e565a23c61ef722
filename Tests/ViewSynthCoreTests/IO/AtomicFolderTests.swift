import Foundation
import Testing
@testable import ViewSynthCore

struct AtomicFolderTests {
    static func write(_ text: String, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
    static func read(_ url: URL) -> String? { (try? Data(contentsOf: url)).map { String(decoding: $0, as: UTF8.self) } }
    static func entries(_ dir: URL) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted() }

    @Test func stagedFolderAppearsOnlyOnCommit() throws {
        let root = try LoaderFixtures.tempDir("atomic-folder")
        defer { LoaderFixtures.cleanup(root) }
        let dest = root.appendingPathComponent("deep/scene")   // parent created on demand
        let staged = try AtomicFolder.stage(for: dest)
        #expect(staged.temporary.deletingLastPathComponent().path == dest.deletingLastPathComponent().path)
        try Self.write("new", staged.temporary.appendingPathComponent("sub/file.txt"))
        #expect(AtomicFolder.occupant(dest) == .nothing)
        try staged.commit(replacing: false)
        #expect(Self.read(dest.appendingPathComponent("sub/file.txt")) == "new")
        #expect(Self.entries(root.appendingPathComponent("deep")) == ["scene"])   // no temporary left
    }

    @Test func aNonEmptyFolderIsReplacedOnlyWhenAsked() throws {
        let root = try LoaderFixtures.tempDir("atomic-folder")
        defer { LoaderFixtures.cleanup(root) }
        let dest = root.appendingPathComponent("scene")
        try Self.write("old", dest.appendingPathComponent("a.txt"))
        #expect(AtomicFolder.occupant(dest) == .folder)
        let staged = try AtomicFolder.stage(for: dest)
        try Self.write("new", staged.temporary.appendingPathComponent("b.txt"))
        LoaderFixtures.expectError(file: dest.path, mentions: ["--overwrite", "a folder with files"]) { try staged.commit(replacing: false) }
        #expect(Self.read(dest.appendingPathComponent("a.txt")) == "old")
        try staged.commit(replacing: true)
        #expect(Self.entries(dest) == ["b.txt"])
        #expect(Self.entries(root) == ["scene"])   // the old folder, moved aside, is gone
    }

    @Test func anEmptyFolderIsTakenAndAFileIsNever() throws {
        let root = try LoaderFixtures.tempDir("atomic-folder")
        defer { LoaderFixtures.cleanup(root) }
        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(AtomicFolder.occupant(empty) == .emptyFolder)
        let s1 = try AtomicFolder.stage(for: empty)
        try Self.write("x", s1.temporary.appendingPathComponent("x"))
        try s1.commit(replacing: false)
        #expect(Self.entries(empty) == ["x"])

        let file = root.appendingPathComponent("file")
        try Self.write("keep", file)
        let s2 = try AtomicFolder.stage(for: file)
        LoaderFixtures.expectError(file: file.path, mentions: ["not a folder"]) { try s2.commit(replacing: true) }
        #expect(Self.read(file) == "keep")
        s2.discard()
        #expect(!FileManager.default.fileExists(atPath: s2.temporary.path))
    }

    @Test func staleFoldersOfDeadRunsAreRemoved() throws {
        let root = try LoaderFixtures.tempDir("atomic-folder")
        defer { LoaderFixtures.cleanup(root) }
        // pid 2^22 + 1 is above any pid Linux assigns (pid_max ≤ 2^22): that run is dead; the live one is ours.
        let dead = root.appendingPathComponent(".scene.tmp-4194305-0123abcd")
        try Self.write("x", dead.appendingPathComponent("images/a.png"))
        let live = try AtomicFolder.stage(for: root.appendingPathComponent("other"))
        #expect(AtomicFolder.removeStale(in: root) == [dead.lastPathComponent])
        #expect(Self.entries(root) == [live.temporary.lastPathComponent])
    }
}
