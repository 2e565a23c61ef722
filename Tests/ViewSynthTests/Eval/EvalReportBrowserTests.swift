// report.html in a real browser: headless Chromium opens the page `eval` wrote (for a scene folder with a
// hostile name) with no console errors, every image it links loads, and its screenshot is not blank.
// Skips when no Chromium is on PATH (Debian: apt-get install chromium; .ci/run installs it).

import Foundation
import Testing
@testable import ViewSynth

enum Chromium {
    /// The first of chromium, chromium-browser, google-chrome, google-chrome-stable found on PATH.
    static let path: String? = {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for d in dirs where FileManager.default.isExecutableFile(atPath: d + "/" + name) { return d + "/" + name }
        }
        return nil
    }()

    /// Runs headless Chromium on `page`, writing a `width`×`height` screenshot to `screenshot`; returns its
    /// exit status and stderr (the browser log, console messages included). Killed after `timeout` seconds.
    static func screenshot(_ page: URL, to screenshot: URL, width: Int, height: Int, profile: URL,
                           timeout: Double = 120) throws -> (status: Int32, log: String) {
        let logURL = profile.deletingLastPathComponent().appendingPathComponent("chromium.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path!)
        p.arguments = ["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--no-first-run",
                       "--disable-extensions", "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0",
                       "--window-size=\(width),\(height)", "--screenshot=\(screenshot.path)", page.absoluteString]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = log
        p.standardError = log
        try p.run()
        let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        p.waitUntilExit()
        killer.cancel()
        return (p.terminationStatus, (try? String(contentsOf: logURL, encoding: .utf8)) ?? "")
    }
}

@Suite struct EvalReportBrowserTests {
    /// Appended to a copy of the page (the report itself has no script): after load, every image that did not
    /// decode and every resource fetched from anywhere but a file is a console error; then one summary line.
    static let checker = """
    <script>
    window.addEventListener('load', () => {
      let ok = 0;
      for (const img of document.images) {
        if (img.complete && img.naturalWidth > 0) ok++; else console.error('image failed to load: ' + img.getAttribute('src'));
      }
      for (const e of performance.getEntriesByType('resource')) {
        if (!e.name.startsWith('file:') && !e.name.startsWith('data:')) console.error('fetched from the network: ' + e.name);
      }
      console.log('viewsynth-check: ' + ok + ' images loaded');
    });
    </script>

    """

    @Test(.enabled(if: Chromium.path != nil, "no chromium on PATH"), .timeLimit(.minutes(5)))
    func reportOpensInChromiumWithoutErrorsAndIsNotBlank() throws {
        let root = TestPaths.temporaryDirectory("report-browser")
        defer { try? FileManager.default.removeItem(at: root) }
        let written = try SceneFixtures.write(n: 16, in: root)   // LLFF: views 0 and 8 held out
        // A scene name that would inject markup (and a failing image) if it were not escaped.
        let scene = root.appendingPathComponent("<img src=x onerror=alert(1)>&\"quoted\"")
        try FileManager.default.moveItem(at: written, to: scene)
        let out = root.appendingPathComponent("eval out")
        let r = try runCLI(["eval", scene.path, "--out", out.path, "--depth"] + tinySweep)
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;&amp;&quot;quoted&quot;"))
        let parts = html.components(separatedBy: "</body>")
        #expect(parts.count == 2)
        let check = out.appendingPathComponent("report-check.html")
        try Data((parts[0] + Self.checker + "</body>" + parts[1]).utf8).write(to: check)

        let shot = root.appendingPathComponent("shot.png")
        let (width, height) = (1200, 1800)
        let run = try Chromium.screenshot(check, to: shot, width: width, height: height, profile: root.appendingPathComponent("profile"))
        #expect(run.status == 0, "\(run.log.suffix(2000))")
        let console = run.log.split(separator: "\n").filter { $0.contains("CONSOLE") }
        #expect(console.count == 1 && console.first?.contains("viewsynth-check: 4 images loaded") == true,
                "console messages other than the check's summary:\n\(console.joined(separator: "\n"))")

        // The screenshot: the window's size, and not blank (a page of text, a chart and photos varies a lot).
        let img = try ImageIO.read(shot)
        #expect(img.width == width && img.height == height)
        let n = img.width * img.height, c = img.channels
        var sum = 0.0, sum2 = 0.0, dark = 0
        for i in 0..<n {
            let s: Float = img.pixels[i * c] + img.pixels[i * c + 1] + img.pixels[i * c + 2]
            let l = Double(s) / 3
            sum += l; sum2 += l * l
            if l < 0.3 { dark += 1 }
        }
        let variance = sum2 / Double(n) - (sum / Double(n)) * (sum / Double(n))
        #expect(variance > 0.004, "luminance variance \(variance): blank?")
        #expect(dark > n / 200, "\(dark) dark pixels: no text or images drawn?")
    }
}
