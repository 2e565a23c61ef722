// The Slurm recipe of README "Running on a cluster", on a real one-node Slurm (Debian's slurm-wlm + munge on
// 127.0.0.1, started and stopped by .ci/slurm-local): the shipped .examples/cluster/eval-array.sbatch as
// `sbatch --array=0-2`, then eval-merge.sbatch with --dependency=afterok, must give the same image bytes and
// metrics (all but timings and dates) as one unsharded eval. Skips when Slurm or munge is not installed or the
// tests do not run as root (slurmd must); .ci/run installs them.

import Foundation
import Testing
@testable import ViewSynth

/// Runs `executable` with `args` and `environment` (stdin closed; output through files, so a daemon it leaves
/// running cannot hold a pipe open); a run longer than `seconds` is terminated (status 124 style: "timed out").
func runTool(_ executable: String, _ args: [String], environment: [String: String], seconds: Double = 120) throws -> ProcessResult {
    let dir = TestPaths.temporaryDirectory("tool")
    defer { try? FileManager.default.removeItem(at: dir) }
    let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    p.environment = environment
    p.standardOutput = out; p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(seconds)
    while p.isRunning, Date() < deadline { usleep(20_000) }
    let timedOut = p.isRunning
    if timedOut { p.terminate() }
    p.waitUntilExit()
    try? out.close(); try? err.close()
    let o = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let e = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    return ProcessResult(status: timedOut ? 124 : p.terminationStatus, stdout: o,
                         stderr: timedOut ? "timed out after \(Int(seconds)) s; " + e : e)
}

@Suite struct SlurmShardingTests {
    /// `name` on PATH (or in /usr/sbin, /sbin), or nil.
    static func which(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let tools = ["sbatch", "squeue", "scontrol", "scancel", "sinfo", "slurmctld", "slurmd", "munged"]
    static let available = getuid() == 0 && tools.allSatisfy { which($0) != nil }

    @Test(.enabled(if: available, "needs Slurm and munge (apt-get install slurm-wlm munge) and root"))
    func arrayOfEvalShardsAndADependentMergeEqualOneRun() throws {
        let started = Date()
        let root = TestPaths.temporaryDirectory("slurm")
        defer { try? FileManager.default.removeItem(at: root) }
        let slurmDir = root.appendingPathComponent("slurm")
        let helper = TestPaths.packageRoot.appendingPathComponent(".ci/slurm-local").path
        let examples = TestPaths.packageRoot.appendingPathComponent(".examples/cluster")
        let start = try runTool("/bin/bash", [helper, "start", slurmDir.path], environment: shardEnvironment(), seconds: 90)
        #expect(start.status == 0, "slurm-local start: \(start.stderr)")
        var jobs: [String] = []
        let env = shardEnvironment(["SLURM_CONF": slurmDir.appendingPathComponent("slurm.conf").path, "VIEWSYNTH": TestPaths.cli.path])
        defer {
            if !jobs.isEmpty { _ = try? runTool(Self.which("scancel")!, jobs, environment: env) }
            let stopping = Date()
            let stop = try? runTool("/bin/bash", [helper, "stop", slurmDir.path], environment: shardEnvironment())
            #expect(stop?.status == 0, "slurm-local stop: \(stop?.stderr ?? "did not run")")
            print(String(format: "slurm: daemons stopped in %.1f s %@", Date().timeIntervalSince(stopping), stop?.stderr ?? ""))
        }
        guard start.status == 0 else { return }
        let booted = Date()

        let scene = try EvalShardingTests.scene(in: root)
        let baseline = root.appendingPathComponent("one-run")
        _ = try EvalShardingTests.eval(scene, out: baseline, tinySweep + ["--threads", "1"])

        // As README "Running on a cluster" says, with the test's paths (and one CPU a task, so the tasks run side by side).
        let out = root.appendingPathComponent("sharded")
        let sbatch = Self.which("sbatch")!
        let array = try runTool(sbatch, ["--parsable", "--array=0-2", "--cpus-per-task=1", "--chdir", root.path,
                                         "--output", root.appendingPathComponent("eval-%A_%a.out").path,
                                         examples.appendingPathComponent("eval-array.sbatch").path, scene.path, out.path] + tinySweep,
                                environment: env)
        #expect(array.status == 0, "sbatch: \(array.stderr)")
        let arrayID = String(array.stdout.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!arrayID.isEmpty && arrayID.allSatisfy(\.isNumber), "sbatch printed '\(array.stdout)'")
        jobs.append(arrayID)
        let merge = try runTool(sbatch, ["--parsable", "--dependency=afterok:\(arrayID)", "--chdir", root.path,
                                         "--output", root.appendingPathComponent("merge-%j.out").path,
                                         examples.appendingPathComponent("eval-merge.sbatch").path, out.path],
                                environment: env)
        #expect(merge.status == 0, "sbatch: \(merge.stderr)")
        let mergeID = String(merge.stdout.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!mergeID.isEmpty && mergeID.allSatisfy(\.isNumber), "sbatch printed '\(merge.stdout)'")
        jobs.append(mergeID)

        // Wait for the merge job to end (it runs only after every array task succeeded).
        var state = ""
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            let show = try runTool(Self.which("scontrol")!, ["show", "job", "-o", mergeID], environment: env)
            state = show.stdout.split(separator: " ").first { $0.hasPrefix("JobState=") }.map { String($0.dropFirst(9)) } ?? "?"
            if !["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "?"].contains(state) { break }
            usleep(250_000)
        }
        let logs = SceneFixtures.files(root).filter { $0.hasSuffix(".out") }
            .map { name in "\(name): " + ((try? String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)) ?? "") }
        #expect(state == "COMPLETED", "merge job \(mergeID): \(state); logs: \(logs)")
        guard state == "COMPLETED" else { return }

        // Three array tasks, three distinct shards read from the Slurm variables, one merge.
        for k in 0..<3 {
            let log = try String(contentsOf: root.appendingPathComponent("eval-\(arrayID)_\(k).out"), encoding: .utf8)
            #expect(log.contains("shard \(k)/3 (Slurm array task \(k) (SLURM_ARRAY_TASK_ID))"), "\(log)")
        }
        let mergeLog = try String(contentsOf: root.appendingPathComponent("merge-\(mergeID).out"), encoding: .utf8)
        #expect(mergeLog.contains("mean PSNR") && mergeLog.contains("over 4 views"), "\(mergeLog)")
        // Every task on 1 thread like the single run: all of metrics.json but timings and dates agrees.
        try EvalOutputs.expectSame(out, as: baseline, ignoringThreads: false, "Slurm array of 3 + merge")
        print(String(format: "slurm: daemons up in %.1f s, array + merge done in %.1f s",
                     booted.timeIntervalSince(started), Date().timeIntervalSince(booted)))
    }
}
