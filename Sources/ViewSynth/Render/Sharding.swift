// Sharding of `render` and `eval` over cluster jobs (README "Running on a cluster").
//
// Shard K of N takes the views whose position in name order is ≡ K (mod N). Every shard writes its views into
// one shared output folder with the usual atomic per-view files (RenderJob); `viewsynth merge` then builds
// metrics.json / metrics.csv / report.html from the per-view results (EvalMerge). A view's bytes depend only on
// the view and the settings (never on the shard, the thread count or the order), so a sharded run plus merge
// equals one unsharded run.
//
// Where K/N come from, first match wins:
//   1. --shard K/N (explicit; any shard variables in the environment are then ignored, with a note);
//   2. a Slurm job array: SLURM_ARRAY_TASK_ID, _MIN, _STEP, _COUNT. The task id is an array index, not a shard
//      number: --array=3-11:4 gives ids 3, 7, 11, which are shards (id − MIN) / STEP = 0, 1, 2 of COUNT = 3.
//      An irregular array (--array=1,3,7: MIN 1, STEP 1, COUNT 3, but MAX 7) has no such mapping and is refused;
//   3. a Kubernetes Indexed Job: JOB_COMPLETION_INDEX is K, and --shards N gives N (the Job's completions;
//      Kubernetes puts no count in the environment);
//   4. none: one shard of everything.
// N may exceed the number of views: the extra shards are empty (they check the inputs, write nothing, succeed).

import Foundation
import ViewSynthCore

/// Shard `index` of `count` (0 ≤ index < count).
public struct ShardSpec: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int
    /// Where it came from: "--shard", "Slurm array task 7 (SLURM_ARRAY_TASK_ID)", …
    public let source: String

    public static let maxCount = 100_000
    public static let whole = ShardSpec(index: 0, count: 1, source: "no sharding")

    public init(index: Int, count: Int, source: String) {
        self.index = index; self.count = count; self.source = source
    }

    public var description: String { "\(index)/\(count)" }
    public var isWhole: Bool { count == 1 }

    /// The positions (in `0..<n`) of the items this shard takes: i ≡ index (mod count).
    public func positions(of n: Int) -> [Int] {
        index < n ? Array(stride(from: index, to: n, by: count)) : []
    }

    /// The items of this shard: those whose position in `key` order (ties keep their order) is ≡ index (mod
    /// count), in their original order.
    public func select<T>(_ items: [T], key: (T) -> String) -> [T] {
        let sorted = items.indices.sorted { (key(items[$0]), $0) < (key(items[$1]), $1) }
        let mine = Set(positions(of: items.count).map { sorted[$0] })
        return items.indices.filter { mine.contains($0) }.map { items[$0] }
    }
}

public enum Sharding {
    public static let slurmVariables = ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT"]
    public static let kubernetesVariable = "JOB_COMPLETION_INDEX"

    /// The shard to run, and a note for the user when environment variables were ignored.
    public struct Resolution: Equatable, Sendable {
        public var shard: ShardSpec
        public var note: String?
    }

    /// `--shard K/N`: decimal digits only, 0 ≤ K < N ≤ maxCount.
    public static func parse(_ text: String, option: String = "--shard") throws -> ShardSpec {
        let expected = "K/N with 0 ≤ K < N ≤ \(ShardSpec.maxCount), e.g. 0/3"
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = decimal(parts[0]), let n = decimal(parts[1]) else {
            throw ViewSynthError(option, expected: expected, found: "'\(text.prefix(40))'")
        }
        guard n >= 1, n <= ShardSpec.maxCount else {
            throw ViewSynthError(option, expected: expected, found: "N = \(n)")
        }
        guard k < n else {
            throw ViewSynthError(option, expected: expected + " (shards are numbered from 0)", found: "K = \(k) with N = \(n)")
        }
        return ShardSpec(index: k, count: n, source: option)
    }

    /// Checks `--shards N` (the Kubernetes shard count).
    public static func checkCount(_ n: Int, option: String = "--shards") throws {
        guard n >= 1, n <= ShardSpec.maxCount else {
            throw ViewSynthError(option, expected: "a shard count in 1…\(ShardSpec.maxCount)", found: "\(n)")
        }
    }

    /// The shard from the options and the environment (see the file head): explicit `--shard` wins, then a
    /// Slurm array, then a Kubernetes index with `--shards`, else the whole job.
    public static func resolve(shard: String?, shards: Int?, environment: [String: String]) throws -> Resolution {
        if let shards { try checkCount(shards) }
        let slurmSet = slurmVariables.filter { environment[$0] != nil }
        let k8sSet = environment[kubernetesVariable] != nil
        if let shard {
            let spec = try parse(shard)
            if let shards, shards != spec.count {
                throw ViewSynthError("--shards", expected: "the same N as --shard \(shard)", found: "--shards \(shards)")
            }
            let ignored = slurmSet + (k8sSet ? [kubernetesVariable] : [])
            let note = ignored.isEmpty ? nil : "note: --shard \(spec) given; ignoring \(ignored.joined(separator: ", ")) from the environment"
            return Resolution(shard: spec, note: note)
        }
        if !slurmSet.isEmpty {
            if k8sSet {
                throw ViewSynthError(kubernetesVariable, expected: "one scheduler's shard variables (or --shard K/N to choose)",
                                     found: "both \(kubernetesVariable) and SLURM_ARRAY_TASK_ID set")
            }
            let spec = try slurm(environment)
            if let shards, shards != spec.count {
                throw ViewSynthError("--shards", expected: "SLURM_ARRAY_TASK_COUNT (\(spec.count)) or no --shards", found: "--shards \(shards)")
            }
            return Resolution(shard: spec, note: nil)
        }
        if k8sSet {
            guard let shards else {
                throw ViewSynthError(kubernetesVariable, expected: "--shards N with it (the Indexed Job's completions; Kubernetes gives no count)",
                                     found: "\(kubernetesVariable)=\(environment[kubernetesVariable]!.prefix(40)) without --shards")
            }
            let k = try integer(environment, kubernetesVariable)
            guard k >= 0, k < shards else {
                throw ViewSynthError(kubernetesVariable, expected: "an index in 0…\(shards - 1) (--shards \(shards))", found: "\(k)")
            }
            return Resolution(shard: ShardSpec(index: k, count: shards, source: "Kubernetes completion index \(k) (\(kubernetesVariable))"), note: nil)
        }
        if let shards {
            throw ViewSynthError("--shards", expected: "\(kubernetesVariable) in the environment (a Kubernetes Indexed Job), or --shard K/N",
                                 found: "--shards \(shards) alone")
        }
        return Resolution(shard: .whole, note: nil)
    }

    /// The shard of a Slurm array task: (ID − MIN) / STEP of COUNT. All four variables must be set.
    public static func slurm(_ environment: [String: String]) throws -> ShardSpec {
        for v in slurmVariables where environment[v] == nil {
            throw ViewSynthError(v, expected: "all of \(slurmVariables.joined(separator: ", ")) (set by sbatch --array)",
                                 found: "it unset")
        }
        let id = try integer(environment, "SLURM_ARRAY_TASK_ID")
        let min = try integer(environment, "SLURM_ARRAY_TASK_MIN")
        let step = try integer(environment, "SLURM_ARRAY_TASK_STEP")
        let count = try integer(environment, "SLURM_ARRAY_TASK_COUNT")
        guard count >= 1, count <= ShardSpec.maxCount else {
            throw ViewSynthError("SLURM_ARRAY_TASK_COUNT", expected: "a count in 1…\(ShardSpec.maxCount)", found: "\(count)")
        }
        guard step >= 1 else { throw ViewSynthError("SLURM_ARRAY_TASK_STEP", expected: "a step of at least 1", found: "\(step)") }
        guard min >= 0 else { throw ViewSynthError("SLURM_ARRAY_TASK_MIN", expected: "an index of at least 0", found: "\(min)") }
        // SLURM_ARRAY_TASK_MAX (set by Slurm too) tells a list of ids such as --array=1,3,7 (MIN 1, STEP 1,
        // COUNT 3, MAX 7) from the regular array MIN, MIN + STEP, … it would otherwise be taken for.
        if environment["SLURM_ARRAY_TASK_MAX"] != nil {
            let max = try integer(environment, "SLURM_ARRAY_TASK_MAX")
            guard max == min + (count - 1) * step else {
                throw ViewSynthError("SLURM_ARRAY_TASK_MAX",
                                     expected: "MIN + (COUNT − 1)·STEP = \(min + (count - 1) * step) (a regular array such as --array=0-2 or 3-11:4; with a list of ids use --shard K/N)",
                                     found: "\(max) (MIN \(min), STEP \(step), COUNT \(count))")
            }
        }
        let offset = id - min
        guard offset >= 0, offset % step == 0, offset / step < count else {
            let ids = (count <= 3 ? Array(0..<count) : [0, 1, count - 1]).map { String(min + $0 * step) }
            let list = count <= 3 ? ids.joined(separator: ", ") : "\(ids[0]), \(ids[1]), …, \(ids[2])"
            throw ViewSynthError("SLURM_ARRAY_TASK_ID",
                                 expected: "MIN + k·STEP with k < COUNT, i.e. one of \(list) (a regular array such as --array=0-2 or 3-11:4; with a list of ids use --shard K/N)",
                                 found: "\(id) (MIN \(min), STEP \(step), COUNT \(count))")
        }
        return ShardSpec(index: offset / step, count: count, source: "Slurm array task \(id) (SLURM_ARRAY_TASK_ID)")
    }

    static func integer(_ environment: [String: String], _ name: String) throws -> Int {
        let text = environment[name] ?? ""
        guard let v = decimal(Substring(text)) else {
            throw ViewSynthError(name, expected: "a non-negative integer", found: "'\(text.prefix(40))'")
        }
        return v
    }

    /// Plain decimal digits (no sign, space or other characters), at most 9 of them: never traps.
    static func decimal(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.count <= 9, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }
}
