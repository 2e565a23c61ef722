// Planning a training run to a wall-clock budget (`--minutes M`; TrainingRun.run(budget:)).
//
// A run with a budget and no plan yet first times one validation (before its first step, when it has
// validation scenes) and `timedSteps` training steps, all within the learning-rate warm-up, where the rate
// is peak · t / warmup whatever the total. It then fixes the total steps N (TrainingPlan.make, a pure
// function of the measured times): the largest N such that
//
//     elapsed + (N − done) · (secondsPerStep + writeSecondsPerStep) + validations(done, N) · validationSeconds
//         + finalSeconds ≤ (1 − margin) · budget
//
// where `done` is the steps run so far, secondsPerStep the median of the timed steps (the first ones also
// decode images), writeSecondsPerStep the share of one timed log.csv write (every `logEvery` steps),
// validations(done, N) the periodic validations of steps done+1 … N (every `validationEvery`-th step and the
// last one; each timed with its curves.png), finalSeconds the full-image final validation that follows
// (fit/finetune), estimated from the timed validation's seconds per pixel, and `margin` a share of the budget
// kept for what is not timed (checkpoints). The run then sets options.steps = N and the optimizer's
// schedule to it; as the batches depend only on (seed, step), `--steps N` reproduces the run bit for bit
// (when N ≥ the warm-up: a shorter run warms up over N steps instead).
// Safety stop: when the next step would end after start + budget − finalSeconds, the run stops there with a
// checkpoint — a normal end, which `--resume` continues on the same planned schedule.

import Foundation

/// A wall-clock budget for a training run (and the final validation after it).
public struct TrainingBudget: Sendable, Equatable {
    /// Seconds from `start` to the end of the command (training, validations, the final validation).
    public var seconds: Double
    /// When the budget began (the command's start, so loading the scenes counts).
    public var start: Date
    /// Training steps timed before planning (never past the warm-up).
    public var timedSteps: Int = 8
    /// Pixels of the final full-image validation that follows the run (0: none).
    public var finalValidationPixels: Int = 0
    /// Share of the budget kept free for what is not timed (checkpoints, log writes).
    public var margin: Double = 0.02

    public init(seconds: Double, start: Date = Date(), timedSteps: Int = 8, finalValidationPixels: Int = 0) {
        self.seconds = seconds; self.start = start; self.timedSteps = timedSteps; self.finalValidationPixels = finalValidationPixels
    }

    /// Accepted budgets in minutes (a tenth of a minute to a week).
    public static let minutesRange: ClosedRange<Double> = 0.1...10080
}

/// The schedule a budgeted run fixed after timing its first steps (stored in its checkpoint and segments.csv).
public struct TrainingPlan: Sendable, Codable, Equatable {
    /// Total steps planned (options.steps from then on).
    public var steps: Int
    /// Steps done when the plan was made (the timed ones, plus any before a resume).
    public var doneSteps: Int
    /// How many steps were timed, and their median duration.
    public var timedSteps: Int
    public var secondsPerStep: Double
    /// Per step, the share of the periodic log writes.
    public var writeSecondsPerStep: Double
    /// One periodic validation (measured), and how many the planned steps after `doneSteps` include.
    public var validationSeconds: Double
    public var validations: Int
    /// The final full-image validation (estimated), reserved at the end.
    public var finalValidationSeconds: Double
    public var budgetSeconds: Double
    /// Seconds of the budget used when the plan was made.
    public var elapsedSeconds: Double
    /// The warm-up steps of the run (a plan shorter than them is not reproduced by --steps alone).
    public var warmupSteps: Int

    /// Periodic validations of steps `done`+1 … `n` (every `every`-th, 0: none but the last, and the last).
    public static func validations(after done: Int, through n: Int, every: Int) -> Int {
        guard n > done else { return 0 }
        let periodic = every > 0 ? n / every - done / every : 0
        return periodic + (every > 0 && n % every == 0 ? 0 : 1)
    }

    /// The plan for the measured times (see the file head). `stepSeconds`: durations of the timed steps (not
    /// empty). At least one step more than `doneSteps` is planned, whatever the budget (the safety stop ends
    /// a run that cannot afford it).
    public static func make(budgetSeconds: Double, elapsedSeconds: Double, stepSeconds: [Double], writeSecondsPerStep: Double = 0,
                            doneSteps: Int, validationEvery: Int, validationSeconds: Double, finalValidationSeconds: Double,
                            margin: Double = 0.02, warmupSteps: Int, maxSteps: Int = 100_000_000) -> TrainingPlan {
        precondition(!stepSeconds.isEmpty, "TrainingPlan.make: no timed steps")
        let sorted = stepSeconds.sorted()
        let median = sorted[sorted.count / 2]
        let sps = max(median + writeSecondsPerStep, 1e-9)
        let available = (1 - margin) * budgetSeconds - elapsedSeconds - finalValidationSeconds
        func cost(_ n: Int) -> Double {
            Double(n - doneSteps) * sps + Double(validations(after: doneSteps, through: n, every: validationEvery)) * validationSeconds
        }
        // cost is non-decreasing in n: the largest n ≤ maxSteps with cost(n) ≤ available, by bisection.
        var lo = doneSteps + 1, hi = min(maxSteps, doneSteps + 1 + Int(min(Double(maxSteps), max(0, available) / sps)))
        if cost(lo) > available { hi = lo }
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            if cost(mid) <= available { lo = mid } else { hi = mid - 1 }
        }
        let n = max(doneSteps + 1, lo)
        return TrainingPlan(steps: n, doneSteps: doneSteps, timedSteps: stepSeconds.count, secondsPerStep: median,
                            writeSecondsPerStep: writeSecondsPerStep,
                            validationSeconds: validationSeconds,
                            validations: validations(after: doneSteps, through: n, every: validationEvery),
                            finalValidationSeconds: finalValidationSeconds, budgetSeconds: budgetSeconds,
                            elapsedSeconds: elapsedSeconds, warmupSteps: warmupSteps)
    }

    /// Whether `--steps steps` alone reproduces the planned run (the timed steps were in the warm-up of both).
    public var reproducible: Bool { steps >= warmupSteps }

    /// One line for the terminal and segments.csv.
    public var summary: String {
        var s = String(format: "planned %d steps from %.3f s/step over %d steps", steps, secondsPerStep, timedSteps)
        s += String(format: " (budget %.1f min: %.1f s used; reserved %.4f s/step of log writes, %d validations × %.2f s, a final validation of %.1f s)",
                    budgetSeconds / 60, elapsedSeconds, writeSecondsPerStep, validations, validationSeconds, finalValidationSeconds)
        s += reproducible ? "; reproduce bit-exactly with --steps \(steps)"
            : "; shorter than the \(warmupSteps) warm-up steps, so --steps \(steps) warms up faster and does not reproduce it"
        return s
    }

    var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }
}
