// Resume, crash safety and determinism of `viewsynth render` (the spawned binary) on a tiny generated scene.

import Foundation
import Testing
@testable import ViewSynth

/// Small sweep settings that keep every render in the milliseconds.
let tinySweep = ["--planes", "8", "--ref-views", "3", "--quiet"]

func renderCLI(_ scene: URL, out: URL, _ extra: [String] = []) throws -> ProcessResult {
    try runCLI(["render", scene.path, "--out", out.path] + tinySweep + extra)
}

/// Names of AtomicFile temporaries (".<name>.tmp-<pid>-<8>") anywhere under `dir`.
func temporaryFiles(_ dir: URL) -> [String] {
    SceneFixtures.files(dir).filter { $0.contains(".tmp-") }
}

@Suite struct RenderJobResumeTests {
    @Test func rerunSkipsIdenticalViewsAndRerendersChangedOnes() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let out = root.appendingPathComponent("out")

        let first = try renderCLI(scene, out: out, ["--views", "all"])
        #expect(first.status == 0, "\(first.stderr)")
        let pngs = try SceneFixtures.contents(out)
        #expect(pngs.count == 8)
        let sidecars = try SceneFixtures.contents(out) { $0.hasSuffix(".json") }
        #expect(sidecars.count == 8)

        // Identical settings: nothing rendered, nothing rewritten (sidecars hold timings, so equal bytes
        // mean they were not rewritten).
        let second = try renderCLI(scene, out: out, ["--views", "all"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("8 of 8 views up to date"), "\(second.stderr)")
        #expect(try SceneFixtures.contents(out) == pngs)
        #expect(try SceneFixtures.contents(out) { $0.hasSuffix(".json") } == sidecars)

        // A missing or altered output is rendered again, and ends with the same bytes.
        try FileManager.default.removeItem(at: out.appendingPathComponent("003.png"))
        try Data("not the render".utf8).write(to: out.appendingPathComponent("005.png"))
        let repaired = try renderCLI(scene, out: out, ["--views", "all"])
        #expect(repaired.status == 0, "\(repaired.stderr)")
        #expect(repaired.stderr.contains("6 of 8 views up to date"), "\(repaired.stderr)")
        #expect(try SceneFixtures.contents(out) == pngs)

        // Changed method settings: every view is rendered again, and the sidecars say so.
        let changed = try renderCLI(scene, out: out, ["--views", "all", "--planes", "9"])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(!changed.stderr.contains("up to date"), "\(changed.stderr)")
        let newSidecars = try SceneFixtures.contents(out) { $0.hasSuffix(".json") }
        for (name, data) in newSidecars {
            let old = try JSONDecoder().decode(RenderRecord.self, from: try #require(sidecars[name]))
            let new = try JSONDecoder().decode(RenderRecord.self, from: data)
            #expect(old.settingsHash != new.settingsHash)
            #expect(new.settings["planes"] == "9")
        }
        #expect(try SceneFixtures.contents(out) != pngs)

        // Changed cameras under the same names (a longer spiral): only the identical first frame is kept.
        let spiral4 = try renderCLI(scene, out: out, ["--views", "spiral", "--frames", "4"])
        #expect(spiral4.status == 0, "\(spiral4.stderr)")
        let spiral5 = try renderCLI(scene, out: out, ["--views", "spiral", "--frames", "5"])
        #expect(spiral5.status == 0, "\(spiral5.stderr)")
        #expect(spiral5.stderr.contains("1 of 5 views up to date"), "\(spiral5.stderr)")
        #expect(temporaryFiles(out).isEmpty)
    }

    @Test func sameBytesWithAnyThreadCountAndChunk() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        var results: [[String: Data]] = []
        for (i, args) in [["--threads", "1", "--chunk", "64"], ["--threads", "2", "--chunk", "4096"],
                          ["--threads", "2", "--chunk", "100"]].enumerated() {
            let out = root.appendingPathComponent("out\(i)")
            let r = try renderCLI(scene, out: out, ["--views", "all", "--depth"] + args)
            #expect(r.status == 0, "\(r.stderr)")
            results.append(try SceneFixtures.contents(out))
        }
        #expect(results[0].count == 8 * 3)   // render, 16-bit depth, depth preview
        #expect(results[1] == results[0])
        #expect(results[2] == results[0])
    }

    /// SIGKILL right after the first view is complete, plant a temporary file as a killed writer would leave
    /// it, rerun: the outputs equal an uninterrupted run's byte for byte and no temporary file remains.
    @Test func killedRunResumesToTheSameBytes() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let frames = ["--views", "spiral", "--frames", "60", "--threads", "1"]

        let killedOut = root.appendingPathComponent("killed")
        let p = Process()
        p.executableURL = TestPaths.cli
        p.arguments = ["render", scene.path, "--out", killedOut.path] + tinySweep + frames
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning, Date() < deadline,
              !SceneFixtures.files(killedOut).contains(where: { $0.hasSuffix(".json") }) {
            usleep(1000)
        }
        let victim = p.processIdentifier
        kill(victim, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the run finished before it could be killed")
        let partial = SceneFixtures.files(killedOut).filter { $0.hasSuffix(".json") }.count
        #expect(partial >= 1 && partial < 60)

        // What a kill during AtomicFile.write leaves behind: a temporary named after the dead writer.
        let stale = ".spiral_0059.png.tmp-\(victim)-DEADBEEF"
        try Data("half".utf8).write(to: killedOut.appendingPathComponent(stale))

        let fullOut = root.appendingPathComponent("full")
        let full = try renderCLI(scene, out: fullOut, frames)
        #expect(full.status == 0, "\(full.stderr)")
        let resumed = try renderCLI(scene, out: killedOut, frames)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains(stale), "\(resumed.stderr)")
        #expect(resumed.stderr.contains("\(partial) of 60 views up to date"), "\(resumed.stderr)")

        let expected = try SceneFixtures.contents(fullOut)
        #expect(expected.count == 60)
        #expect(try SceneFixtures.contents(killedOut) == expected)
        #expect(SceneFixtures.files(killedOut) == SceneFixtures.files(fullOut))
        #expect(temporaryFiles(killedOut).isEmpty)
    }
}
