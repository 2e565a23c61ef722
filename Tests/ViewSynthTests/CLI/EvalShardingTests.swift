// `eval`/`render --shard K/N` (or the Slurm / Kubernetes variables) and `viewsynth merge`, through the spawned
// binary: a sharded eval plus merge gives the same image bytes and the same metrics (every field but timings,
// dates and thread counts) as one unsharded run, for 1, 2 and 3 shards, with sweep and gpnr; merge refuses
// missing views, other settings and changed files without touching an earlier report.

import Foundation
import Testing
@testable import ViewSynth

/// The environment of the tests without any scheduler's shard variables, plus `extra`.
func shardEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    for v in Sharding.slurmVariables + ["SLURM_ARRAY_TASK_MAX", Sharding.kubernetesVariable] { env[v] = nil }
    env.merge(extra) { $1 }
    return env
}

/// The shard variables Slurm sets in task `id` of `--array=MIN-MAX:STEP`.
func slurmArrayVariables(id: Int, min: Int, step: Int, count: Int) -> [String: String] {
    ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_MIN": "\(min)", "SLURM_ARRAY_TASK_STEP": "\(step)",
     "SLURM_ARRAY_TASK_COUNT": "\(count)", "SLURM_ARRAY_TASK_MAX": "\(min + (count - 1) * step)"]
}

/// What a sharded and an unsharded eval must share.
enum EvalOutputs {
    static let timingFields = ["wallSeconds", "raysPerSecond", "renderSeconds", "date"]
    static let threadFields = ["threads", "renderThreads"]

    /// metrics.json without timings and the date (and without thread counts when asked), as canonical JSON.
    static func metrics(_ out: URL, ignoringThreads: Bool = false, ignoring other: [String] = []) throws -> String {
        var obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metrics.json"))) as? [String: Any])
        for f in timingFields + (ignoringThreads ? threadFields : []) + other {
            #expect(obj[f] != nil, "metrics.json has no \(f)")
            obj[f] = nil
        }
        let images = try #require(obj["images"] as? [[String: Any]])
        obj["images"] = images.map { var m = $0; m["seconds"] = nil; return m }
        let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }

    /// metrics.csv without its seconds column.
    static func csv(_ out: URL) throws -> String {
        try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
            .joined(separator: "\n")
    }

    /// Every PNG under `out` (renders, strips, depth maps), keyed by relative path.
    static func images(_ out: URL) throws -> [String: Data] { try SceneFixtures.contents(out) }

    /// Expects `out` (sharded + merged) to equal `baseline` (one unsharded run).
    static func expectSame(_ out: URL, as baseline: URL, ignoringThreads: Bool, _ label: String,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let a = try images(baseline), b = try images(out)
        #expect(!a.isEmpty, sourceLocation: sourceLocation)
        #expect(a.keys.sorted() == b.keys.sorted(), "\(label): other files", sourceLocation: sourceLocation)
        for (k, v) in a where b[k] != v { Issue.record("\(label): \(k) differs", sourceLocation: sourceLocation) }
        #expect(try metrics(out, ignoringThreads: ignoringThreads) == metrics(baseline, ignoringThreads: ignoringThreads),
                "\(label): metrics.json differs", sourceLocation: sourceLocation)
        #expect(try csv(out) == csv(baseline), "\(label): metrics.csv differs", sourceLocation: sourceLocation)
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("<table>") && page.contains("strips/"), sourceLocation: sourceLocation)
    }
}

@Suite struct EvalShardingTests {
    /// 8 views, 4 of them held out (names 000, 002, 005, 007): 4 training views remain as references.
    static func scene(in root: URL) throws -> URL {
        try SceneFixtures.write(n: 8, format: .transforms, testIndices: [0, 2, 5, 7], in: root)
    }

    static func eval(_ scene: URL, out: URL, _ args: [String], env: [String: String] = [:],
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
        let r = try runCLI(["eval", scene.path, "--out", out.path] + args, environment: shardEnvironment(env))
        #expect(r.status == 0, "eval \(args) \(env): \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    static func merge(_ out: URL) throws -> ProcessResult { try runCLI(["merge", out.path], environment: shardEnvironment()) }

    static let methods: [String: [String]] = [
        // --chunk 256: 9 tiles a view, so 1 and 2 threads really split the work differently.
        "sweep": tinySweep + ["--chunk", "256"],
        "gpnr": ["--method", "gpnr", "--config", "tiny", "--seed", "3", "--depth", "--quiet", "--chunk", "256"],
    ]

    @Test(arguments: ["sweep", "gpnr"])
    func shardedEvalPlusMergeEqualsOneRun(method: String) throws {
        let root = TestPaths.temporaryDirectory("eval-shards")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try Self.scene(in: root)
        let args = try #require(Self.methods[method])
        let baseline = root.appendingPathComponent("one-run")
        let one = try Self.eval(scene, out: baseline, args + ["--threads", "2"])
        #expect(one.stdout.contains("mean PSNR") && one.stdout.contains("over 4 views"), "\(one.stdout)")

        // 1 shard (--shard 0/1: the unsharded path), then merge of the same folder: everything but timings.
        let n1 = root.appendingPathComponent("shards-1")
        _ = try Self.eval(scene, out: n1, args + ["--threads", "2", "--shard", "0/1"])
        try EvalOutputs.expectSame(n1, as: baseline, ignoringThreads: false, "\(method), 1 shard")
        let m1 = try Self.merge(n1)
        #expect(m1.status == 0, "\(m1.stderr)")
        try EvalOutputs.expectSame(n1, as: baseline, ignoringThreads: false, "\(method), 1 shard, merged again")

        // 2 shards from a Kubernetes index (--shards 2), 3 from a Slurm array --array=3-11:4 (ids 3, 7, 11), each
        // on 1 thread: the same bytes; metrics differ only in timings, dates and the thread counts they record.
        let runs: [(Int, (Int) -> [String: String], [String])] = [
            (2, { ["JOB_COMPLETION_INDEX": "\($0)"] }, ["--shards", "2"]),
            (3, { slurmArrayVariables(id: 3 + 4 * $0, min: 3, step: 4, count: 3) }, []),
        ]
        for (n, env, extra) in runs {
            let out = root.appendingPathComponent("shards-\(n)")
            var counts: [Int] = []
            for k in 0..<n {
                let r = try Self.eval(scene, out: out, args + ["--threads", "1"] + extra, env: env(k))
                #expect(r.stdout.contains("shard \(k)/\(n) measured"), "\(r.stdout)")
                counts.append(SceneFixtures.files(out.appendingPathComponent("eval/views")).count)
                #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("metrics.json").path),
                        "a shard wrote metrics.json")
            }
            #expect(counts.last == 4 && counts == counts.sorted() && Set(counts).count == n, "\(counts)")
            let m = try Self.merge(out)
            #expect(m.status == 0, "\(m.stderr)")
            #expect(m.stdout.contains("over 4 views"), "\(m.stdout)")
            try EvalOutputs.expectSame(out, as: baseline, ignoringThreads: true, "\(method), \(n) shards")
        }
    }

    @Test func mergeRefusesMissingViewsOtherSettingsAndChangedFiles() throws {
        let root = TestPaths.temporaryDirectory("eval-merge")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try Self.scene(in: root)
        let out = root.appendingPathComponent("out")

        expectOneLineError(try Self.merge(out), mentions: [out.path, "nothing"])
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        expectOneLineError(try Self.merge(out), mentions: ["eval/plan.json", "no such file"])

        // Shard 0 of 2 (views 000, 005): 002 and 007 are missing, and no report is written.
        _ = try Self.eval(scene, out: out, tinySweep + ["--shard", "0/2"])
        expectOneLineError(try Self.merge(out), mentions: ["all 4 views", "found 2", "missing: 002, 007"])
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("metrics.json").path))

        _ = try Self.eval(scene, out: out, tinySweep + ["--shard", "1/2"])
        #expect(try Self.merge(out).status == 0)
        let good = try ["metrics.json", "metrics.csv", "report.html"].map { try Data(contentsOf: out.appendingPathComponent($0)) }
        func expectGoodReportKept(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let now = try ["metrics.json", "metrics.csv", "report.html"].map { try Data(contentsOf: out.appendingPathComponent($0)) }
            #expect(now == good, "a refused merge changed the earlier report", sourceLocation: sourceLocation)
            #expect(temporaryFiles(out).isEmpty, sourceLocation: sourceLocation)
        }

        // Shard 1 again with other sweep settings: its plan now disagrees with shard 0's views.
        _ = try Self.eval(scene, out: out, tinySweep + ["--shard", "1/2", "--planes", "9"])
        expectOneLineError(try Self.merge(out), mentions: ["other settings", "2 of 4", "settings hash"])
        try expectGoodReportKept()
        // … or with depth maps.
        _ = try Self.eval(scene, out: out, tinySweep + ["--shard", "1/2", "--depth"])
        expectOneLineError(try Self.merge(out), mentions: ["other settings", "depth no (the plan's: yes)"])
        try expectGoodReportKept()
        // … or another subset of views.
        _ = try Self.eval(scene, out: out, tinySweep + ["--shard", "1/2", "--max-views", "3"])
        expectOneLineError(try Self.merge(out), mentions: ["other settings", "another set of views"])
        try expectGoodReportKept()

        // Back to the plan's settings: the merge succeeds and gives the same metrics.
        _ = try Self.eval(scene, out: out, tinySweep + ["--shard", "1/2"])
        #expect(try Self.merge(out).status == 0)
        let baseline = root.appendingPathComponent("one-run")
        _ = try Self.eval(scene, out: baseline, tinySweep)
        // (Some of these views were reused from the runs above rather than rendered: viewsRendered says so.)
        #expect(try EvalOutputs.metrics(out, ignoringThreads: true, ignoring: ["viewsRendered"])
                == EvalOutputs.metrics(baseline, ignoringThreads: true, ignoring: ["viewsRendered"]))
        let merged = try ["metrics.json", "metrics.csv", "report.html"].map { try Data(contentsOf: out.appendingPathComponent($0)) }

        // A render that changed since it was measured, a strip gone, a damaged record or plan: each refused,
        // then restored.
        func refused(_ relative: String, damage: String?, mentions: String) throws {
            let url = out.appendingPathComponent(relative)
            let bytes = try Data(contentsOf: url)
            if let damage { try Data(damage.utf8).write(to: url) } else { try FileManager.default.removeItem(at: url) }
            expectOneLineError(try Self.merge(out), mentions: [url.path, mentions])
            try bytes.write(to: url)
        }
        try refused("005.png", damage: "not the render", mentions: "other bytes")
        try refused("strips/002.png", damage: nil, mentions: "no such file")
        try refused("eval/views/007.json", damage: "{\"name\": 7}", mentions: "unreadable JSON")
        try refused("eval/plan.json", damage: "[1, 2", mentions: "unreadable JSON")
        let now = try ["metrics.json", "metrics.csv", "report.html"].map { try Data(contentsOf: out.appendingPathComponent($0)) }
        #expect(now == merged)
        #expect(try Self.merge(out).status == 0)
    }

    @Test func emptyShardsRenderShardsAndOptionErrors() throws {
        let root = TestPaths.temporaryDirectory("shards-misc")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try Self.scene(in: root)

        // N > views: shard 4 of 5 has nothing to do, succeeds and renders nothing.
        let out = root.appendingPathComponent("empty")
        let empty = try Self.eval(scene, out: out, tinySweep + ["--shard", "4/5"])
        #expect(empty.stderr.contains("an empty shard"), "\(empty.stderr)")
        #expect(empty.stdout.contains("measured 0 of 4 views"), "\(empty.stdout)")
        #expect(SceneFixtures.files(out) == ["eval/plan.json"])
        expectOneLineError(try Self.merge(out), mentions: ["found 0", "missing: 000, 002, 005, 007"])

        // render --views all, sharded three ways into one folder: the bytes of one run.
        let whole = root.appendingPathComponent("render-one")
        #expect(try runCLI(["render", scene.path, "--views", "all", "--out", whole.path] + tinySweep, environment: shardEnvironment()).status == 0)
        let sharded = root.appendingPathComponent("render-shards")
        for k in 0..<3 {
            let r = try runCLI(["render", scene.path, "--views", "all", "--out", sharded.path, "--shard", "\(k)/3", "--threads", "1"] + tinySweep,
                               environment: shardEnvironment())
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("shard \(k)/3 (--shard): \(k < 2 ? 3 : 2) of 8 views"), "\(r.stderr)")
        }
        #expect(try SceneFixtures.contents(sharded) == SceneFixtures.contents(whole))
        #expect(try SceneFixtures.contents(whole).count == 8)

        // --shard wins over the environment, and says so.
        let noted = try Self.eval(scene, out: root.appendingPathComponent("noted"), tinySweep + ["--shard", "0/2"],
                                  env: slurmArrayVariables(id: 1, min: 0, step: 1, count: 2))
        #expect(noted.stderr.contains("note: --shard 0/2 given; ignoring SLURM_ARRAY_TASK_ID"), "\(noted.stderr)")
        #expect(noted.stdout.contains("shard 0/2 measured 2 of 4"), "\(noted.stdout)")

        // Bad values: one line naming the option or variable, a non-zero status, nothing written.
        for (i, (args, mentions)) in [(["--shard", "3/3"], ["--shard", "K = 3 with N = 3"]),
                                 (["--shard", "x"], ["--shard", "K/N", "'x'"]),
                                 (["--shard", "0/0"], ["--shard", "N = 0"]),
                                 (["--shard", "1/3", "--shards", "2"], ["--shards", "--shard 1/3"]),
                                 (["--shards", "0"], ["--shards", "found 0"]),
                                 (["--shards", "2"], ["--shards", "JOB_COMPLETION_INDEX"])].enumerated() {
            try HostileInputCLITests.expectRefused(["eval", scene.path] + args, root: root.appendingPathComponent("bad-eval-\(i)"), mentions: mentions)
            try HostileInputCLITests.expectRefused(["render", scene.path] + args, root: root.appendingPathComponent("bad-render-\(i)"), mentions: mentions)
        }
        for (env, mentions) in [(["JOB_COMPLETION_INDEX": "1"], ["JOB_COMPLETION_INDEX", "--shards N"]),
                                (slurmArrayVariables(id: 5, min: 3, step: 4, count: 3), ["SLURM_ARRAY_TASK_ID", "found 5"]),
                                (["SLURM_ARRAY_TASK_ID": "2"], ["SLURM_ARRAY_TASK_MIN", "unset"])] {
            let bad = root.appendingPathComponent("bad-env")
            let r = try runCLI(["eval", scene.path, "--out", bad.path] + tinySweep, environment: shardEnvironment(env))
            expectOneLineError(r, mentions: mentions)
            #expect(SceneFixtures.files(bad).isEmpty)
        }
        let video = try runCLI(["render", scene.path, "--views", "all", "--video", "--shard", "0/2", "--out", root.appendingPathComponent("v").path] + tinySweep,
                               environment: shardEnvironment())
        expectOneLineError(video, mentions: ["--video", "unsharded", "shard 0/2"])
    }
}
