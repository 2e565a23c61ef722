// Runs this executable again as a child process and measures the child's peak memory (ru_maxrss from
// wait4), so each benchmark configuration reports its own peak, not the largest so far, and its CPU time.

import Foundation
import ViewSynth
#if canImport(Glibc)
import Glibc
#endif

struct MeasuredChild {
    var status: Int32
    var stdout: Data
    /// Peak resident set size of the child, bytes.
    var peakRSSBytes: Int
    /// User + system CPU time of the child, seconds.
    var cpuSeconds: Double

    /// Spawns `/proc/self/exe arguments…`; the child's stderr is inherited, its stdout captured (via a
    /// temporary file, so a chatty child can never block on a full pipe).
    static func run(_ arguments: [String]) throws -> MeasuredChild {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let outPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("viewsynth-bench-\(getpid())-\(UUID().uuidString.prefix(8)).out").path
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &actions, nil, argv, environ)
        guard rc == 0 else {
            throw ViewSynthError(exe, expected: "a child process for the benchmark", found: "posix_spawn failed (\(String(cString: strerror(rc))))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let out = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
        return MeasuredChild(status: code, stdout: out, peakRSSBytes: Int(usage.ru_maxrss) * 1024,   // Linux: KiB
                             cpuSeconds: cpu)
    }
}
