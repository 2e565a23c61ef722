// A progress bar with ETA on stderr. Quiet when stderr is not a terminal or when asked.
// Thread-safe: workers call `advance`, the bar redraws at most ~10 times a second.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let label: String
    private let enabled: Bool
    private var done = 0
    private var lastDraw = 0.0
    private let start = Date()
    private var suffix = ""

    /// `quiet` forces silence; otherwise the bar shows only when stderr is a TTY.
    public init(total: Int, label: String, quiet: Bool = false) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = !quiet && isatty(2) == 1
    }

    public func advance(by n: Int = 1, status: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        done += n
        if let status { suffix = status }
        let now = Date().timeIntervalSince(start)
        if enabled && (now - lastDraw > 0.1 || done >= total) {
            lastDraw = now
            draw(elapsed: now)
        }
    }

    public func finish() {
        lock.lock(); defer { lock.unlock() }
        if enabled { draw(elapsed: Date().timeIntervalSince(start)); FileHandle.standardError.write("\n".data(using: .utf8)!) }
    }

    private func draw(elapsed: Double) {
        let frac = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let eta = frac > 0 ? elapsed / frac - elapsed : 0
        let line = "\r\(label) [\(bar)] \(String(format: "%5.1f", frac * 100))% \(ProgressBar.clock(elapsed)) ETA \(ProgressBar.clock(eta)) \(suffix)"
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }

    public static func clock(_ s: Double) -> String {
        guard s.isFinite else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }
}
