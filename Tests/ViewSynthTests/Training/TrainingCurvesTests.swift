// curves.png (TrainingCurves): decodes at its size, is not blank, has the curves where the data puts them
// and tick labels beside the axes, is byte-deterministic, copes with empty logs, and a training run writes
// it at each validation.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct TrainingCurvesTests {
    /// A deterministic log: a loss decaying with step-to-step noise, validation every `validationEvery` steps.
    static func log(steps: Int, validationEvery: Int) -> TrainingLog {
        var log = TrainingLog()
        for t in 1...steps {
            let noise = 1 + 0.6 * sin(Double(t) * 1.7)
            let rgb = 0.06 * exp(-Double(t) / Double(steps) * 3) * noise
            let v: Double? = t % validationEvery == 0 ? 18 + 6 * (1 - exp(-Double(t) / Double(steps) * 4)) : nil
            log.append(TrainingLog.Row(step: t, loss: 2 * rgb, rgbLoss: rgb, coarseLoss: rgb, learningRate: 1e-3,
                                       raysPerSecond: 400, dataSeconds: 0, seconds: Double(t), validationPSNR: v))
        }
        return log
    }

    static func decode(_ data: Data) throws -> Image { try ImageIO.decode(data, path: "curves.png") }

    static func color(_ img: Image, _ x: Int, _ y: Int) -> PlotColor {
        PlotColor(UInt8(img[x, y, 0] * 255 + 0.5), UInt8(img[x, y, 1] * 255 + 0.5), UInt8(img[x, y, 2] * 255 + 0.5))
    }

    static func count(_ img: Image, _ c: PlotColor, in r: PixelRect) -> Int {
        var n = 0
        for y in r.y0..<r.y1 { for x in r.x0..<r.x1 where color(img, x, y) == c { n += 1 } }
        return n
    }

    @Test func pngDecodesAtItsSizeAndIsNotBlank() throws {
        let img = try Self.decode(TrainingCurves.png(Self.log(steps: 1739, validationEvery: 250)))
        #expect(img.width == TrainingCurves.width && img.height == TrainingCurves.height && img.channels == 3)
        let n = img.width * img.height
        var luma = [Double](repeating: 0, count: n)
        var colours = Set<PlotColor>()
        for i in 0..<n {
            let sum: Float = img.pixels[3 * i] + img.pixels[3 * i + 1] + img.pixels[3 * i + 2]
            luma[i] = Double(sum) / 3
            colours.insert(Self.color(img, i % img.width, i / img.width))
        }
        let mean = luma.reduce(0, +) / Double(n)
        let variance = luma.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        #expect(variance > 0.005, "variance \(variance): a blank picture?")
        #expect(colours.count > 20)
    }

    @Test func curvesAreWhereTheDataPutsThem() throws {
        let log = Self.log(steps: 1000, validationEvery: 100)
        let L = TrainingCurves.layout(log)
        let img = try Self.decode(TrainingCurves.png(log))
        // Every validation dot is centred on its (step, PSNR).
        var dots = 0
        for r in log.rows {
            guard let v = r.validationPSNR else { continue }
            let p = L.psnrPoint(step: Double(r.step), psnr: v)
            #expect(L.psnrPanel.contains(x: Int(p.x), y: Int(p.y)))
            #expect(Self.color(img, Int(p.x), Int(p.y)) == TrainingCurves.validationColor, "step \(r.step)")
            dots += 1
        }
        #expect(dots == 10)
        // The moving mean of the loss passes through its points (first quarter).
        let mean = TrainingCurves.movingMean(log.rows.map(\.loss), window: L.window)
        for i in stride(from: 20, to: 250, by: 23) {
            let p = L.lossPoint(step: Double(log.rows[i].step), loss: mean[i]!)
            #expect(Self.color(img, Int(p.x), Int(p.y)) == TrainingCurves.meanLossColor, "row \(i) at \(p)")
        }
        // Each curve's colour is in its own panel and not in the other one.
        #expect(Self.count(img, TrainingCurves.meanLossColor, in: L.lossPanel) > L.lossPanel.width / 2)
        #expect(Self.count(img, TrainingCurves.rawLossColor, in: L.lossPanel) > L.lossPanel.width / 2)
        #expect(Self.count(img, TrainingCurves.trainPSNRColor, in: L.psnrPanel) > L.psnrPanel.width / 2)
        #expect(Self.count(img, TrainingCurves.validationColor, in: L.lossPanel) == 0)
        #expect(Self.count(img, TrainingCurves.meanLossColor, in: L.psnrPanel) == 0)
        // Tick labels left of both panels and under the lower one.
        let left = PixelRect(x0: 30, y0: L.lossPanel.y0 - 8, x1: L.lossPanel.x0 - 8, y1: L.psnrPanel.y1 + 8)
        #expect(Self.count(img, TrainingCurves.textColor, in: left) > 200)
        let below = PixelRect(x0: L.psnrPanel.x0, y0: L.psnrPanel.y1 + 8, x1: L.psnrPanel.x1, y1: L.psnrPanel.y1 + 30)
        #expect(Self.count(img, TrainingCurves.textColor, in: below) > 200)
        #expect(L.stepTicks == [0, 200, 400, 600, 800, 1000])
    }

    @Test func sameLogGivesTheSameBytes() throws {
        let a = try TrainingCurves.png(Self.log(steps: 300, validationEvery: 50))
        #expect(try TrainingCurves.png(Self.log(steps: 300, validationEvery: 50)) == a)
        #expect(try TrainingCurves.png(Self.log(steps: 300, validationEvery: 60)) != a)
    }

    @Test func emptyLogsAndLogsWithoutValidationDraw() throws {
        for log in [TrainingLog(), Self.log(steps: 1, validationEvery: 5), Self.log(steps: 40, validationEvery: 1000)] {
            let img = try Self.decode(TrainingCurves.png(log))
            #expect(img.width == TrainingCurves.width && img.height == TrainingCurves.height)
            #expect(Self.count(img, TrainingCurves.textColor, in: PixelRect(x0: 0, y0: 0, x1: img.width, y1: img.height)) > 500)
        }
        // A diverged step (NaN loss) leaves a gap, not a broken picture.
        var rows = Self.log(steps: 100, validationEvery: 50).rows
        rows[40].loss = .nan; rows[41].loss = .infinity; rows[42].loss = 0
        var log = TrainingLog()
        for r in rows { log.append(r) }
        let img = try Self.decode(TrainingCurves.png(log))
        #expect(Self.count(img, TrainingCurves.meanLossColor, in: TrainingCurves.layout(log).lossPanel) > 100)
    }

    /// A run writes curves.png at each validation (here steps 2 and 4) and with its last checkpoint.
    @Test func trainingRunWritesCurvesAtEachValidation() throws {
        let root = TestPaths.temporaryDirectory("train-curves")
        defer { try? FileManager.default.removeItem(at: root) }
        var o = TrainingRunTests.options(steps: 4)
        o.validationEvery = 2
        let run = try TrainingRun(config: .tiny, kind: .gpnr, scenes: [TrainingRunTests.scene], validation: [TrainingRunTests.scene],
                                  options: o, outDir: root.appendingPathComponent("out"))
        var seen: [Int: Data] = [:]
        try run.run(onStep: { row in seen[row.step] = FileManager.default.contents(atPath: run.curvesURL.path) })
        #expect(seen[1] == nil && seen[2] == nil, "no curves before the first validation")
        let afterFirst = try #require(seen[3], "curves.png written at the step-2 validation")
        #expect(seen[4] == afterFirst)
        let final = try Data(contentsOf: run.curvesURL)
        #expect(final != afterFirst, "redrawn at the step-4 validation")
        let img = try Self.decode(final)
        #expect(img.width == TrainingCurves.width)
        #expect(temporaryFiles(root).isEmpty)
    }
}
