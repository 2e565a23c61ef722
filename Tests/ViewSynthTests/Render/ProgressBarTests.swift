// The progress bar: silent unless on a terminal and not --quiet; on a terminal it shows an ETA, clears its
// line on every redraw and never exceeds the terminal width.

import Foundation
import Testing
@testable import ViewSynth

final class Sink: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String] = []
    func write(_ s: String) { lock.lock(); parts.append(s); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return parts.joined() }
}

@Suite struct ProgressBarTests {
    @Test func disabledBarWritesNothingButLogsGoThrough() {
        let sink = Sink()
        var logged: [String] = []
        let bar = ProgressBar(total: 100, label: "x", enabled: false, columns: { 80 }, write: sink.write)
        bar.advance(by: 50, status: "a"); bar.print("hello", fallback: { logged.append($0) }); bar.finish()
        #expect(sink.text.isEmpty)
        #expect(logged == ["hello"])
    }

    @Test func barShowsETAAndFitsTheTerminal() {
        let sink = Sink()
        let bar = ProgressBar(total: 100, label: "sweep", enabled: true, columns: { 40 }, write: sink.write)
        bar.advance(by: 100, status: "[1/1] a-very-long-view-name-that-does-not-fit")
        bar.print("[1/1] done", fallback: { _ in Issue.record("bar is enabled") })
        bar.finish()
        let text = sink.text
        #expect(text.contains("ETA"))
        #expect(text.contains("\r\u{1B}[K[1/1] done\n"))
        #expect(text.hasSuffix("\n"))
        for frame in text.split(separator: "\r") {
            let visible = frame.replacingOccurrences(of: "\u{1B}[K", with: "").split(separator: "\n").first ?? ""
            #expect(visible.count <= 39, "\(visible)")
        }
        #expect(ProgressBar.line(label: "x", done: 0, total: 10, elapsed: 1, suffix: "", columns: 80).contains("ETA --:--"))
        #expect(ProgressBar.line(label: "x", done: 5, total: 10, elapsed: 10, suffix: "", columns: 80).contains("ETA 00:10"))
    }

    @Test func cliIsQuietWithoutATerminal() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        let r = try runCLI(["render", scene.path, "--out", root.appendingPathComponent("out").path, "--planes", "8", "--ref-views", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("ETA") && !r.stderr.contains("\r"), "\(r.stderr)")
        #expect(r.stderr.contains("[1/1] 000:"))   // the per-view log line still appears
    }

    /// `script` (util-linux) runs the CLI on a pseudo-terminal.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")
                       && FileManager.default.fileExists(atPath: "/dev/ptmx"), "needs util-linux script and a pty"))
    func cliShowsETAOnATerminalUnlessQuiet() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(in: root)
        func onTTY(_ extra: String, out: String) throws -> String {
            let cmd = "'\(TestPaths.cli.path)' render '\(scene.path)' --out '\(root.appendingPathComponent(out).path)' --planes 8 --ref-views 3 --views all \(extra)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            p.arguments = ["-qec", cmd, "/dev/null"]
            let o = Pipe()
            p.standardOutput = o; p.standardError = FileHandle.nullDevice; p.standardInput = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(text)")
            return text
        }
        let loud = try onTTY("", out: "a")
        #expect(loud.contains("ETA") && loud.contains("\r"), "\(loud)")
        #expect(loud.contains("[8/8] 007:"))
        let quiet = try onTTY("--quiet", out: "b")
        #expect(!quiet.contains("ETA"), "\(quiet)")
        #expect(quiet.contains("[8/8] 007:"))
    }
}
