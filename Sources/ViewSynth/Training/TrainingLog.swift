// The CSV training log: one row per step,
//   step,loss,rgb_loss,coarse_loss,psnr,lr,rays_per_s,data_s,seconds,val_psnr
// loss = MSE(rgb) + MSE(coarse) of the step's batch; psnr = −10 log10 MSE(rgb) of that batch (colours in
// [0, 1]); lr the AdamW rate of the update; rays_per_s the step's rays over its wall time (drawing the batch
// included); data_s the part of it spent waiting for the batch (images, view sets, rays; drawn one step ahead on
// another thread, so ≈ 0 unless data loading starves the math); seconds the run's
// cumulative wall time (across resumes); val_psnr the validation PSNR when one ran at that step, else empty.
//
// Durability: the whole file is rewritten atomically (AtomicFile: temp + fsync + rename) every
// `logEvery` steps and with every checkpoint, never appended, so a crash leaves the last complete file. On
// resume, rows after the checkpoint's step are dropped: the log then matches the resumed run exactly
// (except the timing columns).

import Foundation
import ViewSynthCore

public struct TrainingLog: Sendable {
    public struct Row: Sendable, Equatable {
        public var step: Int
        public var loss: Double
        public var rgbLoss: Double
        public var coarseLoss: Double
        public var learningRate: Double
        public var raysPerSecond: Double
        public var dataSeconds: Double
        public var seconds: Double
        public var validationPSNR: Double?
        public var psnr: Double { TrainingLog.psnr(mse: rgbLoss) }
    }

    public static let header = "step,loss,rgb_loss,coarse_loss,psnr,lr,rays_per_s,data_s,seconds,val_psnr"
    public private(set) var rows: [Row] = []

    public init() {}

    /// PSNR in dB of a mean squared error of colours in [0, 1] (capped at 100 dB).
    public static func psnr(mse: Double) -> Double { mse > 1e-10 ? -10 * log10(mse) : 100 }

    public mutating func append(_ r: Row) { rows.append(r) }

    /// PSNR of the mean rgb MSE over the last `window` rows (a running figure for the progress bar).
    public func runningPSNR(window: Int = 50) -> Double {
        let tail = rows.suffix(window)
        guard !tail.isEmpty else { return 0 }
        return TrainingLog.psnr(mse: tail.map(\.rgbLoss).reduce(0, +) / Double(tail.count))
    }

    public var csv: String {
        var s = TrainingLog.header + "\n"
        for r in rows {
            // Losses with 9 significant digits: the float32 values survive a round trip.
            s += String(format: "%d,%.9g,%.9g,%.9g,%.4f,%.6g,%.1f,%.4f,%.2f,", r.step, r.loss, r.rgbLoss, r.coarseLoss, r.psnr,
                        r.learningRate, r.raysPerSecond, r.dataSeconds, r.seconds)
            if let v = r.validationPSNR { s += String(format: "%.4f", v) }
            s += "\n"
        }
        return s
    }

    public func write(to url: URL) throws { try AtomicFile.write(Data(csv.utf8), to: url) }

    /// Reads a log written by `write`, keeping rows with step ≤ `upTo`; a missing file gives an empty log.
    public static func read(_ url: URL, upTo: Int) throws -> TrainingLog {
        guard let data = FileManager.default.contents(atPath: url.path) else { return TrainingLog() }
        var log = TrainingLog()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard lines.first.map(String.init) == header else {
            throw ViewSynthError(url, expected: "a training log starting with \"\(header)\"", found: String(lines.first ?? "an empty file"))
        }
        for (i, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 10, let step = Int(f[0]), let loss = Double(f[1]), let rgb = Double(f[2]), let coarse = Double(f[3]),
                  let lr = Double(f[5]), let rps = Double(f[6]), let ds = Double(f[7]), let sec = Double(f[8]) else {
                throw ViewSynthError(url, expected: "10 numeric CSV fields on line \(i + 2)", found: "\"\(line)\"")
            }
            if step > upTo { break }
            log.rows.append(Row(step: step, loss: loss, rgbLoss: rgb, coarseLoss: coarse, learningRate: lr, raysPerSecond: rps,
                                dataSeconds: ds, seconds: sec, validationPSNR: Double(f[9])))
        }
        return log
    }
}
