// Failed runs leave nothing half-written: an unwritable output folder, a write that fails part-way
// (file-size limit, the same write(2) error path as a full disk), stale temporaries, and an eval that fails
// after an earlier successful one.

import Foundation
import Testing
@testable import ViewSynth
@testable import ViewSynthCore

/// The one-line error report on stderr (ArgumentParser prefixes "Error: "), non-zero exit. With
/// `afterLog`, progress log lines may come first and the error must be the last line.
func expectOneLineError(_ r: ProcessResult, mentions: [String], afterLog: Bool = false,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status != 0, "exit status 0", sourceLocation: sourceLocation)
    let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
    #expect(afterLog || lines.count == 1, "not one line: \(r.stderr)", sourceLocation: sourceLocation)
    #expect(lines.filter { $0.contains("Error") }.count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
    let error = String(lines.last ?? "")
    #expect(error.hasPrefix("Error: "), "\(r.stderr)", sourceLocation: sourceLocation)
    for m in mentions { #expect(error.contains(m), "\(error) does not mention \(m)", sourceLocation: sourceLocation) }
}

@Suite struct OutputSafetyTests {
    @Test func unwritableOutputFolderIsAOneLineErrorAndWritesNothing() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let file = root.appendingPathComponent("a-file")
        try Data("keep me".utf8).write(to: file)
        let before = SceneFixtures.files(root)

        // Below a regular file (root ignores permissions, but not this).
        let below = file.appendingPathComponent("renders/sweep")
        expectOneLineError(try renderCLI(scene, out: below), mentions: [below.path, "\(file.path) is a file"])
        // The regular file itself.
        expectOneLineError(try renderCLI(scene, out: file), mentions: [file.path, "not a folder"])
        // The depth folder is a file: refused before anything is rendered.
        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data().write(to: out.appendingPathComponent("depth"))
        expectOneLineError(try renderCLI(scene, out: out, ["--depth"]), mentions: [out.appendingPathComponent("depth").path])
        expectOneLineError(try runCLI(["eval", scene.path, "--out", below.path] + tinySweep), mentions: [below.path])

        // The scene's own images folder: rendering view 003 there would replace the input 003.png.
        let images = scene.appendingPathComponent("images")
        let inputs = try SceneFixtures.contents(images)
        expectOneLineError(try renderCLI(scene, out: images, ["--views", "all"]),
                           mentions: [images.path, "apart from the scene's images", "000.png"])
        #expect(try SceneFixtures.contents(images) == inputs)

        #expect(try Data(contentsOf: file) == Data("keep me".utf8))
        #expect(SceneFixtures.files(root) == (before + ["out/depth"]).sorted())
    }

    /// A file-size limit makes write(2) fail part-way through a file, like a full disk (EFBIG instead of
    /// ENOSPC; AtomicFile handles both the same way). The CLI ignores SIGXFSZ so this is an error, not a kill.
    @Test func writeFailurePartWayLeavesNoPartialFile() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let out = root.appendingPathComponent("out")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        // dash and bash count `ulimit -f` in 512- or 1024-byte blocks: 2 blocks is below any render's PNG.
        p.arguments = ["-c", "ulimit -f 2 && exec \"$0\" \"$@\"", TestPaths.cli.path,
                       "render", scene.path, "--out", out.path, "--views", "all"] + tinySweep
        let err = Pipe()
        p.standardError = err; p.standardOutput = FileHandle.nullDevice; p.standardInput = FileHandle.nullDevice
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit)
        expectOneLineError(ProcessResult(status: p.terminationStatus, stdout: "", stderr: stderr),
                           mentions: [out.appendingPathComponent("000.png").path, "write error", "file too large"])
        // Nothing under a final name, no temporary files, no sidecar.
        #expect(SceneFixtures.files(out).isEmpty, "\(SceneFixtures.files(out))")
        // With room again, the same command completes.
        let retry = try renderCLI(scene, out: out, ["--views", "all"])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(try SceneFixtures.contents(out).count == 8)
    }

    /// Issue #13: a re-render into a folder holding a good result, failing on bad input, used to delete the
    /// old sidecar first (and, on a write error, the old PNG). Every earlier file must survive byte for byte.
    @Test func failedRerenderKeepsTheEarlierResult() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let out = root.appendingPathComponent("out")
        let first = try renderCLI(scene, out: out, ["--views", "all", "--depth"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try SceneFixtures.contents(out) { _ in true }
        #expect(before.keys.filter { $0.hasSuffix(".json") }.count == 8 && before.count == 8 * 4)

        // Bad input: a reference image whose header reads but whose pixels are cut off; new settings, so every
        // view is rendered again and the first one fails while loading its references.
        let img = scene.appendingPathComponent("images/005.png")
        let bytes = try Data(contentsOf: img)
        try bytes.prefix(bytes.count / 2).write(to: img)
        let failed = try renderCLI(scene, out: out, ["--views", "all", "--depth", "--planes", "9"])
        expectOneLineError(failed, mentions: [img.path, "truncated"], afterLog: true)
        #expect(try SceneFixtures.contents(out) { _ in true } == before)

        // A write that fails part-way (file-size limit) after the render: still nothing of the old result lost.
        try bytes.write(to: img)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -f 2 && exec \"$0\" \"$@\"", TestPaths.cli.path,
                       "render", scene.path, "--out", out.path] + tinySweep + ["--views", "all", "--depth", "--planes", "9"]
        p.standardError = FileHandle.nullDevice; p.standardOutput = FileHandle.nullDevice; p.standardInput = FileHandle.nullDevice
        try p.run(); p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus != 0)
        #expect(try SceneFixtures.contents(out) { _ in true } == before)
        #expect(temporaryFiles(out).isEmpty, "\(temporaryFiles(out))")
    }

    /// The id of a process that has exited and been reaped (it stands for a killed writer).
    static func deadProcessID() throws -> Int32 {
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run(); dead.waitUntilExit()
        return dead.processIdentifier
    }

    @Test func staleTemporariesOfDeadWritersAreRemovedOthersKept() throws {
        let dir = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let deadPID = try Self.deadProcessID()
        let names = [
            ".000.png.tmp-\(deadPID)-0A1B2C3D",                 // dead writer: removed
            ".write-test.tmp-\(deadPID)-ABCDEF12",               // a killed run's write probe: removed
            ".001.png.tmp-\(getpid())-0A1B2C3D",                 // live writer (us): kept
            ".002.png.tmp-\(deadPID)-SHORT",                     // not our pattern: kept
            "003.png.tmp-\(deadPID)-0A1B2C3D",                   // not hidden: kept
            "004.png",
        ]
        for n in names { try Data([1]).write(to: dir.appendingPathComponent(n)) }
        let removed = AtomicFile.removeStaleTemporaries(in: dir)
        #expect(removed == [names[0], names[1]])
        #expect(SceneFixtures.files(dir) == Array(names[2...]).sorted())
        // The names AtomicFile writes are recognised as ours.
        #expect(AtomicFile.temporaryOwner(AtomicFile.temporaryName(for: "x.png")) == getpid())
        #expect(AtomicFile.temporaryOwner("x.png") == nil)
    }

    /// Shards on other machines write into a shared folder: their temporaries (another host tag) are kept
    /// whatever their process id, unless older than a day.
    @Test func temporariesOfOtherMachinesAreKeptUntilOld() throws {
        let dir = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let deadPID = try Self.deadProcessID()
        let here = AtomicFile.hostTag, other = here == "0badf00d" ? "0badf00e" : "0badf00d"
        let names = [
            ".000.png.tmp-\(deadPID)-0A1B2C3D-\(here)",     // this machine, dead writer: removed
            ".001.png.tmp-\(deadPID)-0A1B2C3D-\(other)",    // another machine, fresh: kept
            ".002.png.tmp-\(deadPID)-0A1B2C3D-\(other)",    // another machine, two days old: removed
            ".003.png.tmp-\(getpid())-0A1B2C3D-\(other)",   // another machine, fresh: kept
            ".004.png.tmp-\(deadPID)-0A1B2C3D-nothex!!",    // not our pattern: kept
        ]
        for n in names { try Data([1]).write(to: dir.appendingPathComponent(n)) }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-2 * 24 * 3600)],
                                              ofItemAtPath: dir.appendingPathComponent(names[2]).path)
        #expect(AtomicFile.removeStaleTemporaries(in: dir) == [names[0], names[2]])
        #expect(SceneFixtures.files(dir) == [names[1], names[3], names[4]].sorted())
        let name = AtomicFile.temporaryName(for: "x.png")
        #expect(name.hasSuffix("-" + here) && here.count == 8)
        #expect(AtomicFile.temporaryOwner(name) == getpid())
    }
}
