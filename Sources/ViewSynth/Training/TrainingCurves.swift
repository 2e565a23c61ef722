// curves.png of a training run (train, finetune, fit): two panels over a shared step axis,
//   top     the training loss (log scale): every step's loss (light) and a centred moving mean (dark);
//   bottom  PSNR in dB: the validation PSNR at each validation (orange dots and line) and the training
//           batches' PSNR of the same moving mean of rgb_loss (light blue).
// Drawn with the project's own raster and bitmap font (Plot/), written atomically by TrainingRun after each
// validation and with every checkpoint. The picture depends only on the log's losses, steps and validation
// figures (no dates, no timings), so the same log always gives the same bytes.

import Foundation
import ViewSynthCore

public enum TrainingCurves {
    public static let width = 960
    public static let height = 760

    public static let background = PlotColor.white
    public static let axisColor = PlotColor(60, 60, 60)
    public static let gridColor = PlotColor(228, 228, 228)
    public static let textColor = PlotColor(30, 30, 30)
    public static let mutedText = PlotColor(120, 120, 120)
    /// Every step's loss.
    public static let rawLossColor = PlotColor(180, 205, 232)
    /// The moving mean of the loss.
    public static let meanLossColor = PlotColor(25, 80, 150)
    /// Validation PSNR dots and line.
    public static let validationColor = PlotColor(222, 100, 20)
    /// Training batches' PSNR (moving mean).
    public static let trainPSNRColor = PlotColor(120, 160, 210)

    /// Where the panels are and how data maps to pixels (pixel centres; see `PlotCanvas.polyline`).
    public struct Layout: Sendable {
        public var lossPanel: PixelRect
        public var psnrPanel: PixelRect
        public var steps: ClosedRange<Double>
        /// log10 of the loss axis ends.
        public var logLoss: ClosedRange<Double>
        public var psnr: ClosedRange<Double>
        public var lossTicks: [Double]
        public var psnrTicks: (step: Double, values: [Double])
        public var stepTicks: [Double]
        /// Steps of the moving mean (odd; 1 = none).
        public var window: Int

        func x(_ step: Double, in p: PixelRect) -> Double {
            Double(p.x0) + 0.5 + (step - steps.lowerBound) / max(steps.upperBound - steps.lowerBound, 1e-12) * Double(p.width - 1)
        }
        public func lossPoint(step: Double, loss: Double) -> (x: Double, y: Double) {
            let p = lossPanel, t = (log10(loss) - logLoss.lowerBound) / max(logLoss.upperBound - logLoss.lowerBound, 1e-12)
            return (x(step, in: p), Double(p.y1) - 0.5 - t * Double(p.height - 1))
        }
        public func psnrPoint(step: Double, psnr v: Double) -> (x: Double, y: Double) {
            let p = psnrPanel, t = (v - psnr.lowerBound) / max(psnr.upperBound - psnr.lowerBound, 1e-12)
            return (x(step, in: p), Double(p.y1) - 0.5 - t * Double(p.height - 1))
        }
    }

    /// Steps of the centred moving mean for a log of `n` rows: about n/40, odd, at least 1.
    static func window(rows n: Int) -> Int {
        let w = max(1, n / 40)
        return w % 2 == 1 ? w : w + 1
    }

    /// Centred moving mean of `values` over `window` entries (fewer at the ends); non-finite entries are left
    /// out (nil where a window has none).
    static func movingMean(_ values: [Double], window: Int) -> [Double?] {
        var sum = [0.0], count = [0]
        for v in values {
            sum.append(sum.last! + (v.isFinite ? v : 0)); count.append(count.last! + (v.isFinite ? 1 : 0))
        }
        let h = window / 2
        return values.indices.map { i in
            let lo = max(0, i - h), hi = min(values.count, i + h + 1)
            let k = count[hi] - count[lo]
            return k > 0 ? (sum[hi] - sum[lo]) / Double(k) : nil
        }
    }

    public static func layout(_ log: TrainingLog) -> Layout {
        let rows = log.rows
        let left = 124, right = width - 28   // room for "0.0001" and the vertical axis title
        let lossPanel = PixelRect(x0: left, y0: 52, x1: right, y1: 344)
        let psnrPanel = PixelRect(x0: left, y0: 430, x1: right, y1: 690)
        let lastStep = Double(max(rows.last?.step ?? 1, 1))
        let steps = 0...lastStep
        let t = AxisTicks.linear(lo: 0, hi: lastStep, count: 6)
        let stepTick = max(t.step, 1)   // steps are whole numbers
        let stepTicks = AxisTicks.values(step: stepTick, first: 0, last: (lastStep / stepTick).rounded(.down) * stepTick)

        let losses = rows.map(\.loss).filter { $0.isFinite && $0 > 0 }
        let lossTicks = AxisTicks.logarithmic(lo: losses.min() ?? 0.01, hi: losses.max() ?? 1)
        let logLoss = log10(lossTicks.first!)...log10(lossTicks.last!)

        let w = window(rows: rows.count)
        let trainPSNR = movingMean(rows.map(\.rgbLoss), window: w).compactMap { $0.map { TrainingLog.psnr(mse: $0) } }
        let psnrs = (rows.compactMap(\.validationPSNR) + trainPSNR).filter(\.isFinite)
        let p = AxisTicks.linear(lo: psnrs.min() ?? 10, hi: psnrs.max() ?? 30, count: 5)
        return Layout(lossPanel: lossPanel, psnrPanel: psnrPanel, steps: steps, logLoss: logLoss, psnr: p.first...p.last,
                      lossTicks: lossTicks, psnrTicks: (p.step, AxisTicks.values(step: p.step, first: p.first, last: p.last)),
                      stepTicks: stepTicks, window: w)
    }

    /// The picture of `log` (an empty log gives the axes and a note).
    public static func draw(_ log: TrainingLog) -> PlotCanvas {
        let L = layout(log)
        let rows = log.rows
        var c = PlotCanvas(width: width, height: height, background: background)

        // Frames, grids, ticks, titles.
        for (panel, title, yTitle) in [(L.lossPanel, "Training loss", "loss (log scale)"), (L.psnrPanel, "PSNR", "PSNR (dB)")] {
            c.text(title, x: panel.x0, y: panel.y0 - 34, scale: 2, textColor)
            c.text(yTitle, x: 14, y: (panel.y0 + panel.y1) / 2, scale: 2, textColor, anchor: .center, vertical: true)
            for s in L.stepTicks {
                let x = Int(L.x(s, in: panel))
                c.verticalLine(x: x, y0: panel.y0, y1: panel.y1 - 1, gridColor)
                c.verticalLine(x: x, y0: panel.y1, y1: panel.y1 + 5, axisColor)
                c.text(AxisTicks.stepLabel(s), x: x, y: panel.y1 + 10, scale: 2, textColor, anchor: .center)
            }
        }
        for v in L.lossTicks {
            let y = Int(L.lossPoint(step: 0, loss: v).y)
            let major = abs(log10(v) - log10(v).rounded()) < 1e-9
            c.horizontalLine(y: y, x0: L.lossPanel.x0, x1: L.lossPanel.x1 - 1, major ? PlotColor(205, 205, 205) : gridColor)
            c.horizontalLine(y: y, x0: L.lossPanel.x0 - 6, x1: L.lossPanel.x0 - 1, axisColor)
            c.text(AxisTicks.logLabel(v), x: L.lossPanel.x0 - 10, y: y - 7, scale: 2, textColor, anchor: .right)
        }
        for v in L.psnrTicks.values {
            let y = Int(L.psnrPoint(step: 0, psnr: v).y)
            c.horizontalLine(y: y, x0: L.psnrPanel.x0, x1: L.psnrPanel.x1 - 1, gridColor)
            c.horizontalLine(y: y, x0: L.psnrPanel.x0 - 6, x1: L.psnrPanel.x0 - 1, axisColor)
            c.text(AxisTicks.label(v, step: L.psnrTicks.step), x: L.psnrPanel.x0 - 10, y: y - 7, scale: 2, textColor, anchor: .right)
        }
        c.text("step", x: (L.psnrPanel.x0 + L.psnrPanel.x1) / 2, y: L.psnrPanel.y1 + 40, scale: 2, textColor, anchor: .center)

        c.strokeRect(L.lossPanel, axisColor)   // before the data, which may run over it at the edges
        c.strokeRect(L.psnrPanel, axisColor)
        guard !rows.isEmpty else {
            for panel in [L.lossPanel, L.psnrPanel] {
                c.text("no steps logged yet", x: (panel.x0 + panel.x1) / 2, y: (panel.y0 + panel.y1) / 2 - 7, scale: 2, mutedText, anchor: .center)
            }
            return c
        }

        // Loss: every step (per-column min/max when there are more steps than pixels), then the moving mean.
        let raw = rows.map { r -> (x: Double, y: Double)? in
            r.loss.isFinite && r.loss > 0 ? L.lossPoint(step: Double(r.step), loss: r.loss) : nil
        }
        c.polyline(envelope(raw, columns: L.lossPanel.width), rawLossColor, lineWidth: 1.2, clip: L.lossPanel)
        let meanLoss = movingMean(rows.map(\.loss), window: L.window)
        c.polyline(zip(rows, meanLoss).map { r, m in m.flatMap { $0 > 0 ? L.lossPoint(step: Double(r.step), loss: $0) : nil } },
                   meanLossColor, lineWidth: 2.5, clip: L.lossPanel)

        // PSNR: training batches' moving mean, then validation on top.
        let meanRGB = movingMean(rows.map(\.rgbLoss), window: L.window)
        c.polyline(zip(rows, meanRGB).map { r, m in m.map { L.psnrPoint(step: Double(r.step), psnr: TrainingLog.psnr(mse: $0)) } },
                   trainPSNRColor, lineWidth: 2, clip: L.psnrPanel)
        let validation = rows.compactMap { r in r.validationPSNR.flatMap { $0.isFinite ? (Double(r.step), $0) : nil } }
        c.polyline(validation.map { L.psnrPoint(step: $0.0, psnr: $0.1) }, validationColor, lineWidth: 2, clip: L.psnrPanel)
        for (s, v) in validation {
            let p = L.psnrPoint(step: s, psnr: v)
            c.disc(cx: p.x, cy: p.y, radius: 5, validationColor, ring: .white, ringWidth: 1.5)
        }

        // Legends on the title rows, right-aligned (outside the panels: they never hide data).
        let mean = L.window > 1 ? "mean of \(L.window) steps" : "per step"
        legend(&c, panel: L.lossPanel, [(rawLossColor, "loss per step", false), (meanLossColor, mean, false)])
        var entries: [(PlotColor, String, Bool)] = [(trainPSNRColor, "training, \(mean)", false)]
        if let last = validation.last {
            entries.append((validationColor, String(format: "validation, last %.2f dB", last.1), true))
        } else {
            entries.append((mutedText, "no validation yet", false))
        }
        legend(&c, panel: L.psnrPanel, entries)
        return c
    }

    /// At most two points per pixel column (its minimum and maximum y), in step order, when `points` has
    /// more entries than twice the columns; else `points` itself.
    static func envelope(_ points: [(x: Double, y: Double)?], columns: Int) -> [(x: Double, y: Double)?] {
        guard points.count > 2 * columns else { return points }
        var out: [(x: Double, y: Double)?] = []
        var column = Int.min, lo = 0.0, hi = 0.0, x = 0.0
        func flush() { if column != .min { out.append((x, lo)); out.append((x, hi)) } }
        for p in points {
            guard let p else { flush(); column = .min; out.append(nil); continue }
            let col = Int(p.x.rounded(.down))
            if col != column { flush(); column = col; lo = p.y; hi = p.y; x = Double(col) + 0.5 } else { lo = min(lo, p.y); hi = max(hi, p.y) }
        }
        flush()
        return out
    }

    /// A one-row legend right-aligned above `panel`, on its title's line; entries are (colour, label, dot).
    private static func legend(_ c: inout PlotCanvas, panel: PixelRect, _ entries: [(PlotColor, String, Bool)]) {
        let swatch = 28, gap = 8, spacing = 28
        let widths = entries.map { swatch + gap + BitmapFont.width($0.1, scale: 2) }
        var x = panel.x1 - widths.reduce(0, +) - spacing * (entries.count - 1)
        let y = panel.y0 - 34, mid = Double(y) + 7
        for ((color, label, dot), w) in zip(entries, widths) {
            c.polyline([(Double(x), mid), (Double(x + swatch), mid)], color, lineWidth: 2.5)
            if dot { c.disc(cx: Double(x + swatch / 2), cy: mid, radius: 5, color, ring: .white, ringWidth: 1.5) }
            c.text(label, x: x + swatch + gap, y: y, scale: 2, textColor)
            x += w + spacing
        }
    }

    /// PNG bytes of `draw(log)`.
    public static func png(_ log: TrainingLog, path: String = "<memory>") throws -> Data {
        try draw(log).encodePNG(path: path)
    }

    /// Writes curves.png for `log` to `url` atomically (an earlier file stays if anything fails).
    public static func write(_ log: TrainingLog, to url: URL) throws {
        try AtomicFile.write(png(log, path: url.path), to: url)
    }
}
