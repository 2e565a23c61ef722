// A progress bar with ETA on stderr. Quiet when stderr is not a terminal or when asked.
// Thread-safe: workers call `advance`, the bar redraws at most ~10 times a second. Each redraw returns to
// the start of the line, clears it (ESC[K) and fits the text to the terminal width, so the bar never wraps.
// Log lines go through `print(_:)`, which clears the bar first and redraws it after.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var total: Int
    private let label: String
    /// Whether the bar is drawn at all (a TTY and not quiet).
    public let enabled: Bool
    private let write: (String) -> Void
    private let columns: () -> Int
    private var done = 0
    private var lastDraw = -1.0
    private var drawn = false
    private let start = Date()
    private var suffix = ""

    /// `quiet` forces silence; otherwise the bar shows only when stderr is a TTY.
    public convenience init(total: Int, label: String, quiet: Bool = false) {
        self.init(total: total, label: label, enabled: !quiet && isatty(2) == 1,
                  columns: ProgressBar.terminalColumns,
                  write: { FileHandle.standardError.write(Data($0.utf8)) })
    }

    /// For tests: explicit terminal state, width and sink.
    init(total: Int, label: String, enabled: Bool, columns: @escaping () -> Int, write: @escaping (String) -> Void) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = enabled
        self.columns = columns
        self.write = write
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

    /// Changes the total (e.g. once a budgeted training run has planned its steps).
    public func setTotal(_ n: Int) {
        lock.lock(); defer { lock.unlock() }
        total = max(n, 1)
    }

    /// Sets the text after the bar (e.g. the view being rendered) and redraws.
    public func setStatus(_ status: String) { advance(by: 0, status: status) }

    /// Prints a full line (log message) to the sink's stream without garbling the bar. Without a bar the
    /// line goes to `fallback` (the caller's logger).
    public func print(_ line: String, fallback: (String) -> Void) {
        lock.lock(); defer { lock.unlock() }
        guard enabled else { fallback(line); return }
        write("\r\u{1B}[K" + line + "\n")
        draw(elapsed: Date().timeIntervalSince(start))
    }

    public func finish() {
        lock.lock(); defer { lock.unlock() }
        if enabled && drawn { draw(elapsed: Date().timeIntervalSince(start)); write("\n"); drawn = false }
    }

    /// The bar text for a given state (no control characters), fitted to `columns` − 1 characters: on a
    /// narrow terminal the status text is shortened first, then the bar, then the label; the percentage,
    /// elapsed time and ETA are always shown.
    static func line(label: String, done: Int, total: Int, elapsed: Double, suffix: String, columns: Int) -> String {
        let frac = min(1, Double(done) / Double(max(total, 1)))
        let eta = frac > 0 ? elapsed / frac - elapsed : .infinity
        let stats = "\(String(format: "%5.1f", frac * 100))% \(clock(elapsed)) ETA \(clock(eta))"
        let limit = max(columns - 1, stats.count)
        var label = label, suffix = suffix, width = 24
        func text() -> String {
            let filled = Int(frac * Double(width))
            let bar = width > 0 ? "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] " : ""
            return (label.isEmpty ? "" : label + " ") + bar + stats + (suffix.isEmpty ? "" : " " + suffix)
        }
        var over = text().count - limit
        if over > 0 { suffix = over >= suffix.count ? "" : String(suffix.prefix(suffix.count - over - 1)) + "…" }
        over = text().count - limit
        if over > 0 { width = over >= width - 8 ? 0 : width - over }
        over = text().count - limit
        if over > 0 { label = "" }
        let t = text()
        return t.count > limit ? String(t.suffix(limit)) : t
    }

    private func draw(elapsed: Double) {
        drawn = true
        write("\r" + ProgressBar.line(label: label, done: done, total: total, elapsed: elapsed, suffix: suffix,
                                      columns: columns()) + "\u{1B}[K")
    }

    /// Width of the terminal on stderr (80 when unknown).
    static func terminalColumns() -> Int {
        var ws = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        return 80
    }

    public static func clock(_ s: Double) -> String {
        guard s.isFinite else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }
}
