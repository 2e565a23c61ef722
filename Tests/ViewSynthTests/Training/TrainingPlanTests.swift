// Training to a time budget (TrainingPlan.swift): the planner's arithmetic on made-up timings, a budgeted
// run that --steps N reproduces bit for bit, the deadline's safety stop, and resuming a planned run.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct TrainingPlanTests {
    @Test func validationsCountThePeriodicOnesAndTheLast() {
        #expect(TrainingPlan.validations(after: 0, through: 10, every: 5) == 2)    // 5, 10 (the last is periodic)
        #expect(TrainingPlan.validations(after: 0, through: 11, every: 5) == 3)    // 5, 10, 11
        #expect(TrainingPlan.validations(after: 5, through: 11, every: 5) == 2)    // 10, 11
        #expect(TrainingPlan.validations(after: 3, through: 40, every: 0) == 1)    // only the last
        #expect(TrainingPlan.validations(after: 7, through: 7, every: 3) == 0)
    }

    /// Budget 100 s, 10 s used, 5 steps timed (median 1 s: the slow first one does not count), a validation
    /// every 10 steps at 2 s, a final validation of 20 s: 70 s left; N = 61 costs 56 steps + 7 validations
    /// (10…60, 61) = 70 s, N = 62 would cost 57 + 14 = 71 s.
    @Test func planFillsTheBudgetExactly() {
        let p = TrainingPlan.make(budgetSeconds: 100, elapsedSeconds: 10, stepSeconds: [2, 1, 1, 1, 1.2], doneSteps: 5,
                                  validationEvery: 10, validationSeconds: 2, finalValidationSeconds: 20, margin: 0, warmupSteps: 10)
        #expect(p.steps == 61)
        #expect(p.secondsPerStep == 1)
        #expect(p.validations == 7)
        #expect(p.timedSteps == 5 && p.doneSteps == 5)
        #expect(p.reproducible)
        #expect(p.summary.hasPrefix("planned 61 steps from 1.000 s/step over 5 steps"))
        #expect(p.summary.hasSuffix("reproduce bit-exactly with --steps 61"))
        // The margin and the log writes shorten it: 2 % of 100 s and 0.1 s per step → 68 s at 1.1 s/step.
        let q = TrainingPlan.make(budgetSeconds: 100, elapsedSeconds: 10, stepSeconds: [1, 1, 1], writeSecondsPerStep: 0.1, doneSteps: 5,
                                  validationEvery: 10, validationSeconds: 2, finalValidationSeconds: 20, margin: 0.02, warmupSteps: 10)
        // N = 55: 50 · 1.1 + 6 validations (10…50, 55) · 2 = 67 ≤ 68; N = 56: 56.1 + 12 = 68.1 > 68.
        #expect(q.steps == 55)
        #expect(q.secondsPerStep == 1 && q.writeSecondsPerStep == 0.1)
    }

    /// Against a brute-force search: the plan is the last N whose cost fits (costs grow with N).
    @Test(arguments: [(7.0, 3, 0.5), (300.0, 0, 4.0), (1000.0, 25, 0.0), (45.0, 1, 9.0)])
    func planIsTheLargestAffordableN(budget: Double, every: Int, validation: Double) {
        let steps = [0.31, 0.29, 0.3, 0.5], done = 4, final = 3.5, elapsed = 1.25
        let p = TrainingPlan.make(budgetSeconds: budget, elapsedSeconds: elapsed, stepSeconds: steps, doneSteps: done,
                                  validationEvery: every, validationSeconds: validation, finalValidationSeconds: final,
                                  margin: 0.01, warmupSteps: 4)
        func cost(_ n: Int) -> Double {
            elapsed + final + Double(n - done) * 0.31 + Double(TrainingPlan.validations(after: done, through: n, every: every)) * validation
        }
        let limit = 0.99 * budget
        var best = done + 1
        for n in (done + 1)...(done + 10_000) where cost(n) <= limit { best = n }
        #expect(p.steps == best, "budget \(budget): plan \(p.steps), brute force \(best)")
    }

    /// A budget too small for anything still plans one more step (the safety stop then ends the run); a
    /// plan shorter than the warm-up says it is not reproduced by --steps.
    @Test func tinyBudgetPlansOneStepAndSaysItIsNotReproducible() {
        let p = TrainingPlan.make(budgetSeconds: 6, elapsedSeconds: 30, stepSeconds: [1], doneSteps: 8, validationEvery: 0,
                                  validationSeconds: 0, finalValidationSeconds: 0, warmupSteps: 100)
        #expect(p.steps == 9)
        #expect(!p.reproducible)
        #expect(p.summary.contains("does not reproduce"))
    }

    static func options() -> TrainingOptions {
        var o = TrainingRunTests.options(steps: 1000)
        o.warmupSteps = 20
        o.validationEvery = 5
        return o
    }

    /// A budgeted run plans after its timed steps (within the warm-up) and records the plan; the same
    /// options with --steps N give the same weights and losses bit for bit; resuming keeps the plan.
    @Test func budgetedRunIsReproducedByItsPlannedSteps() throws {
        let root = TestPaths.temporaryDirectory("train-budget")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = TrainingRunTests.scene
        let a = try TrainingRun(config: .tinyGuided, kind: .lfnr, scenes: [scene], validation: [scene], options: Self.options(),
                                outDir: root.appendingPathComponent("a"))
        var messages: [String] = []
        var planned: TrainingPlan?
        // A generous budget, cut short by --stop-at 12 (the plan is made at step 8 either way).
        let s = try a.run(stopAt: 12, budget: TrainingBudget(seconds: 600, timedSteps: 8), onPlan: { planned = $0 },
                          message: { messages.append($0) })
        let plan = try #require(planned)
        #expect(plan.doneSteps == 8 && plan.timedSteps == 8)
        #expect(plan.steps > 12 && a.options.steps == plan.steps)
        #expect(s.lastStep == 12 && !s.stoppedAtDeadline && !s.cancelled)
        #expect(messages.contains(plan.summary))
        #expect(messages.contains { $0.hasPrefix("step 0: validation PSNR") })
        let segments = try String(contentsOf: a.segmentsURL, encoding: .utf8).split(separator: "\n")
        #expect(segments[0] == TrainingRun.segmentsHeader && segments.count == 2)
        #expect(segments[1].hasSuffix(TrainingRun.csvQuoted(plan.summary)))

        var o = Self.options()
        o.steps = plan.steps
        let b = try TrainingRun(config: .tinyGuided, kind: .lfnr, scenes: [scene], validation: [scene], options: o,
                                outDir: root.appendingPathComponent("b"))
        try b.run(stopAt: 12)
        #expect(TrainingRunTests.parameters(a) == TrainingRunTests.parameters(b))
        #expect(a.log.rows.map(\.loss) == b.log.rows.map(\.loss))

        // Resumed without --steps: the planned steps, no warning, the plan kept.
        let c = try TrainingRun(config: .tinyGuided, kind: .lfnr, scenes: [scene], validation: [scene], options: Self.options(),
                                outDir: root.appendingPathComponent("a"), resume: true, keepPlannedSteps: true)
        #expect(c.step == 12 && c.options.steps == plan.steps && c.plan == plan)
        #expect(c.resumeWarning == nil)
    }

    /// Past the deadline, the run stops before its next step with a checkpoint (a normal end).
    @Test func deadlineStopsTheRunWithACheckpoint() throws {
        let root = TestPaths.temporaryDirectory("train-deadline")
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = TrainingRunTests.scene
        let run = try TrainingRun(config: .tiny, kind: .gpnr, scenes: [scene], options: Self.options(), outDir: root)
        let spent = TrainingBudget(seconds: 6, start: Date().addingTimeInterval(-7))
        var messages: [String] = []
        let s = try run.run(budget: spent, message: { messages.append($0) })
        #expect(s.stoppedAtDeadline && !s.cancelled && s.lastStep == 0)
        #expect(messages.contains { $0.contains("time budget") })
        #expect(FileManager.default.fileExists(atPath: run.checkpointURL.path))
    }
}
