// Shard selection and where K/N come from (Sharding.swift): --shard K/N, Slurm arrays, Kubernetes Indexed Jobs.

import Foundation
import Testing
@testable import ViewSynth

/// The error text of `body`, or nil when it does not throw.
private func errorText(_ body: () throws -> Any) -> String? {
    do { _ = try body(); return nil } catch { return "\(error)" }
}

private func expectError(_ body: () throws -> Any, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let text = errorText(body)
    #expect(text != nil, "no error", sourceLocation: sourceLocation)
    guard let text else { return }
    #expect(!text.contains("\n"), "not one line: \(text)", sourceLocation: sourceLocation)
    for m in ["expected", "found"] + mentions { #expect(text.contains(m), "\(text) does not mention \(m)", sourceLocation: sourceLocation) }
}

private func slurmEnv(id: Int, min: Int, step: Int, count: Int, max: Int? = nil) -> [String: String] {
    var env = ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_MIN": "\(min)", "SLURM_ARRAY_TASK_STEP": "\(step)",
               "SLURM_ARRAY_TASK_COUNT": "\(count)", "PATH": "/usr/bin"]
    env["SLURM_ARRAY_TASK_MAX"] = "\(max ?? min + (count - 1) * step)"
    return env
}

@Suite struct ShardingTests {
    @Test func parsesKOverN() throws {
        let s = try Sharding.parse("2/5")
        #expect(s.index == 2 && s.count == 5 && s.description == "2/5")
        let one = try Sharding.parse("0/1")
        #expect(one.isWhole)
        let biggest = try Sharding.parse("99999/100000")
        #expect(biggest.count == ShardSpec.maxCount)
    }

    @Test func refusesBadKOverN() {
        for bad in ["", "3", "1/", "/3", "a/b", "1/3/4", "-1/3", "+1/3", " 1/3", "1/3 ", "1.0/3", "1/0x3", "٣/٥", "99999999999/1"] {
            expectError({ try Sharding.parse(bad) }, mentions: ["--shard", "K/N"])
        }
        expectError({ try Sharding.parse("3/3") }, mentions: ["--shard", "K = 3 with N = 3", "numbered from 0"])
        expectError({ try Sharding.parse("7/2") }, mentions: ["--shard", "K = 7"])
        expectError({ try Sharding.parse("0/0") }, mentions: ["--shard", "N = 0"])
        expectError({ try Sharding.parse("0/100001") }, mentions: ["--shard", "N = 100001", "100000"])
        expectError({ try Sharding.resolve(shard: nil, shards: 0, environment: [:]) }, mentions: ["--shards", "1…100000", "found 0"])
        expectError({ try Sharding.resolve(shard: nil, shards: -2, environment: [:]) }, mentions: ["--shards"])
    }

    @Test func selectsEveryNthViewInNameOrder() {
        // Items out of name order: positions count in sorted order, results keep the input order.
        let names = ["d", "a", "c", "b", "e"]
        let shards = (0..<2).map { ShardSpec(index: $0, count: 2, source: "test").select(names, key: { $0 }) }
        #expect(shards[0] == ["a", "c", "e"])
        #expect(shards[1] == ["d", "b"])
        // Every view exactly once, for any N, including N > views (empty shards).
        let views = (0..<7).map { String(format: "view_%03d", $0) }
        for n in 1...10 {
            let parts = (0..<n).map { ShardSpec(index: $0, count: n, source: "test").select(views, key: { $0 }) }
            #expect(parts.flatMap { $0 }.sorted() == views, "N = \(n)")
            #expect(parts.filter(\.isEmpty).count == max(0, n - views.count), "N = \(n)")
        }
        #expect(ShardSpec(index: 2, count: 3, source: "t").positions(of: 8) == [2, 5])
        #expect(ShardSpec(index: 4, count: 5, source: "t").positions(of: 3).isEmpty)
    }

    @Test func noOptionsNoEnvironmentIsTheWholeJob() throws {
        let r = try Sharding.resolve(shard: nil, shards: nil, environment: ["PATH": "/bin", "HOME": "/root"])
        #expect(r.shard.isWhole && r.note == nil)
    }

    @Test func slurmArraysMapTaskIdsToShards() throws {
        // --array=0-2
        for id in 0...2 {
            let s = try Sharding.resolve(shard: nil, shards: nil, environment: slurmEnv(id: id, min: 0, step: 1, count: 3)).shard
            #expect(s.index == id && s.count == 3)
            #expect(s.source.contains("SLURM_ARRAY_TASK_ID"))
        }
        // --array=3-11:4 → ids 3, 7, 11 → shards 0, 1, 2 of 3
        for (id, k) in [(3, 0), (7, 1), (11, 2)] {
            let s = try Sharding.resolve(shard: nil, shards: nil, environment: slurmEnv(id: id, min: 3, step: 4, count: 3)).shard
            #expect(s.index == k && s.count == 3, "id \(id)")
        }
        // --array=5-9 (MIN ≠ 0, STEP 1)
        let s = try Sharding.slurm(slurmEnv(id: 8, min: 5, step: 1, count: 5))
        #expect(s.index == 3 && s.count == 5)
        // Without MAX the four variables of the issue suffice.
        var noMax = slurmEnv(id: 7, min: 3, step: 4, count: 3)
        noMax["SLURM_ARRAY_TASK_MAX"] = nil
        #expect(try Sharding.slurm(noMax).index == 1)
        // --shards agreeing with the array count is accepted.
        #expect(try Sharding.resolve(shard: nil, shards: 3, environment: slurmEnv(id: 2, min: 0, step: 1, count: 3)).shard.index == 2)
    }

    @Test func slurmArraysThatAreNotRegularAreRefused() {
        // --array=1,3,7: Slurm reports MIN 1, STEP 1, COUNT 3, MAX 7.
        expectError({ try Sharding.slurm(slurmEnv(id: 3, min: 1, step: 1, count: 3, max: 7)) },
                    mentions: ["SLURM_ARRAY_TASK_MAX", "found 7", "--shard K/N"])
        // An id off the grid, or past COUNT.
        expectError({ try Sharding.slurm(slurmEnv(id: 5, min: 3, step: 4, count: 3)) }, mentions: ["SLURM_ARRAY_TASK_ID", "3, 7, 11", "found 5"])
        var past = slurmEnv(id: 15, min: 3, step: 4, count: 3)
        past["SLURM_ARRAY_TASK_MAX"] = nil
        expectError({ try Sharding.slurm(past) }, mentions: ["SLURM_ARRAY_TASK_ID", "found 15"])
        expectError({ try Sharding.slurm(slurmEnv(id: 1, min: 2, step: 1, count: 3)) }, mentions: ["SLURM_ARRAY_TASK_ID", "found 1"])
        // Missing or malformed variables name the variable.
        var missing = slurmEnv(id: 0, min: 0, step: 1, count: 3)
        missing["SLURM_ARRAY_TASK_COUNT"] = nil
        expectError({ try Sharding.resolve(shard: nil, shards: nil, environment: missing) }, mentions: ["SLURM_ARRAY_TASK_COUNT", "unset"])
        for (name, value) in [("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_STEP", "-1"), ("SLURM_ARRAY_TASK_MIN", ""),
                              ("SLURM_ARRAY_TASK_COUNT", "3.0"), ("SLURM_ARRAY_TASK_ID", "99999999999999999999")] {
            var env = slurmEnv(id: 0, min: 0, step: 1, count: 3)
            env[name] = value
            expectError({ try Sharding.slurm(env) }, mentions: [name])
        }
        var zeroStep = slurmEnv(id: 0, min: 0, step: 1, count: 3)
        zeroStep["SLURM_ARRAY_TASK_STEP"] = "0"
        expectError({ try Sharding.slurm(zeroStep) }, mentions: ["SLURM_ARRAY_TASK_STEP", "found 0"])
        var zeroCount = slurmEnv(id: 0, min: 0, step: 1, count: 1)
        zeroCount["SLURM_ARRAY_TASK_COUNT"] = "0"
        expectError({ try Sharding.slurm(zeroCount) }, mentions: ["SLURM_ARRAY_TASK_COUNT", "found 0"])
        // --shards that disagrees with the array.
        expectError({ try Sharding.resolve(shard: nil, shards: 4, environment: slurmEnv(id: 0, min: 0, step: 1, count: 3)) },
                    mentions: ["--shards", "SLURM_ARRAY_TASK_COUNT (3)", "--shards 4"])
    }

    @Test func kubernetesIndexNeedsShards() throws {
        let env = ["JOB_COMPLETION_INDEX": "2", "PATH": "/bin"]
        let s = try Sharding.resolve(shard: nil, shards: 4, environment: env).shard
        #expect(s.index == 2 && s.count == 4 && s.source.contains("JOB_COMPLETION_INDEX"))
        expectError({ try Sharding.resolve(shard: nil, shards: nil, environment: env) }, mentions: ["JOB_COMPLETION_INDEX", "--shards N"])
        expectError({ try Sharding.resolve(shard: nil, shards: 2, environment: env) }, mentions: ["JOB_COMPLETION_INDEX", "0…1", "found 2"])
        expectError({ try Sharding.resolve(shard: nil, shards: 2, environment: ["JOB_COMPLETION_INDEX": "one"]) },
                    mentions: ["JOB_COMPLETION_INDEX", "'one'"])
        // --shards without an index is not a shard.
        expectError({ try Sharding.resolve(shard: nil, shards: 3, environment: [:]) }, mentions: ["--shards", "JOB_COMPLETION_INDEX"])
        // Both schedulers' variables at once: ambiguous.
        var both = slurmEnv(id: 0, min: 0, step: 1, count: 3)
        both["JOB_COMPLETION_INDEX"] = "1"
        expectError({ try Sharding.resolve(shard: nil, shards: 3, environment: both) }, mentions: ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"])
    }

    @Test func explicitShardWinsOverTheEnvironmentAndSaysSo() throws {
        var env = slurmEnv(id: 2, min: 0, step: 1, count: 3)
        env["JOB_COMPLETION_INDEX"] = "1"
        let r = try Sharding.resolve(shard: "0/2", shards: nil, environment: env)
        #expect(r.shard.index == 0 && r.shard.count == 2 && r.shard.source == "--shard")
        let note = try #require(r.note)
        #expect(note.contains("--shard 0/2") && note.contains("SLURM_ARRAY_TASK_ID") && note.contains("JOB_COMPLETION_INDEX"))
        #expect(try Sharding.resolve(shard: "1/2", shards: nil, environment: [:]).note == nil)
        // --shard and --shards must agree.
        #expect(try Sharding.resolve(shard: "1/2", shards: 2, environment: [:]).shard.index == 1)
        expectError({ try Sharding.resolve(shard: "1/2", shards: 3, environment: [:]) }, mentions: ["--shards", "--shard 1/2"])
    }
}
