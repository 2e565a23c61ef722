// `mpirun -np 2 viewsynth train … --distributed` against the single process with the same global batch: the
// tensors of weights.safetensors and checkpoint.safetensors (parameters, AdamW moments) and the loss columns of
// log.csv must be the same bytes, plain and with balanced view sets + depth supervision, and after a
// distributed --stop-at / --resume. Skips when mpirun (apt-get install openmpi-bin libopenmpi3) is absent.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct DistributedTrainingTests {
    static let mpirun = SlurmShardingTests.which("mpirun")

    /// Tiny procedural runs: 4 steps of 64 rays in view sets of 48×36 scenes.
    static func trainArgs(_ out: URL, _ extra: [String]) -> [String] {
        ["train", "--config", "tiny", "--synthetic-size", "48x36", "--synthetic-views", "6", "--steps", "4", "--rays", "64",
         "--warmup", "1", "--val-every", "0", "--quiet", "--out", out.path] + extra
    }

    static func mpi(_ args: [String]) throws -> ProcessResult {
        try runTool(mpirun!, ["--allow-run-as-root", "--oversubscribe", "-np", "2", TestPaths.cli.path] + args + ["--distributed"],
                    environment: shardEnvironment(["OMPI_MCA_plm_rsh_agent": ""]), seconds: 60)
    }

    /// The tensor bytes of a safetensors file (everything after the JSON header, whose metadata holds the
    /// command line).
    static func tensorBytes(_ url: URL) throws -> Data {
        let d = try Data(contentsOf: url)
        let n = d.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return d.dropFirst(8 + n)
    }

    /// step and the three loss columns of log.csv.
    static func losses(_ dir: URL) throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent("log.csv"), encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",") }
    }

    static func expectSame(_ a: URL, _ b: URL) throws {
        for f in ["weights.safetensors", "checkpoint.safetensors"] {
            #expect(try tensorBytes(a.appendingPathComponent(f)) == tensorBytes(b.appendingPathComponent(f)), "\(f) differs")
        }
        let la = try losses(a), lb = try losses(b)
        #expect(la == lb)
        #expect(la.count == 5)
    }

    @Test(.enabled(if: mpirun != nil && getuid() == 0, "needs mpirun (apt-get install openmpi-bin libopenmpi3), run as root here"),
          arguments: [["--synthetic", "1"], ["--synthetic", "2", "--balance-view-sets", "--depth-weight", "0.1"]])
    func twoRanksEqualOneProcess(_ extra: [String]) throws {
        let root = TestPaths.temporaryDirectory("mpi")
        defer { try? FileManager.default.removeItem(at: root) }
        let one = root.appendingPathComponent("one"), two = root.appendingPathComponent("two")
        let r1 = try runCLI(Self.trainArgs(one, extra))
        #expect(r1.status == 0, "\(r1.stderr)")
        let r2 = try Self.mpi(Self.trainArgs(two, extra))
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(r2.stderr.contains("distributed: 2 ranks"))
        try Self.expectSame(one, two)
        // Only rank 0 reports.
        #expect(r2.stderr.components(separatedBy: "trained steps").count == 2)
    }

    @Test(.enabled(if: mpirun != nil && getuid() == 0, "needs mpirun (apt-get install openmpi-bin libopenmpi3), run as root here"))
    func distributedStopAndResumeEqualsTheStraightRun() throws {
        let root = TestPaths.temporaryDirectory("mpi")
        defer { try? FileManager.default.removeItem(at: root) }
        let straight = root.appendingPathComponent("straight"), split = root.appendingPathComponent("split")
        let extra = ["--synthetic", "1", "--checkpoint-every", "1"]
        #expect(try runCLI(Self.trainArgs(straight, extra)).status == 0)
        let a = try Self.mpi(Self.trainArgs(split, extra + ["--stop-at", "2"]))
        #expect(a.status == 0, "\(a.stderr)")
        let b = try Self.mpi(Self.trainArgs(split, extra + ["--resume"]))
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stderr.contains("resuming at step 2"))
        try Self.expectSame(straight, split)
    }

    /// Without mpirun, --distributed is a one-rank run (with a note), equal to the plain run.
    @Test(.enabled(if: mpirun != nil, "needs Open MPI (apt-get install openmpi-bin libopenmpi3)"))
    func distributedWithoutMPIRunIsOneRank() throws {
        let root = TestPaths.temporaryDirectory("mpi")
        defer { try? FileManager.default.removeItem(at: root) }
        let one = root.appendingPathComponent("one"), solo = root.appendingPathComponent("solo")
        #expect(try runCLI(Self.trainArgs(one, ["--synthetic", "1"])).status == 0)
        let r = try runTool(TestPaths.cli.path, Self.trainArgs(solo, ["--synthetic", "1", "--distributed"]),
                            environment: shardEnvironment(["OMPI_MCA_plm_rsh_agent": ""]), seconds: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("without mpirun: 1 rank"))
        try Self.expectSame(one, solo)
    }
}
