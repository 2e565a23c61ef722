// The plot helpers: the bitmap font's glyph table, text placement, antialiased lines, nice axis ticks.

import Foundation
import Testing
@testable import ViewSynth

@Suite struct PlotCanvasTests {
    @Test func glyphTableIsWellFormed() {
        let needed = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-"
        for c in needed {
            let rows = BitmapFont.rows[c]
            #expect(rows != nil, "no glyph for \(c)")
            #expect((rows ?? []).count >= 7 && (rows ?? []).count <= BitmapFont.glyphHeight, "\(c)")
            #expect((rows ?? []).allSatisfy { $0.count == BitmapFont.glyphWidth && $0.allSatisfy { $0 == "#" || $0 == "." } }, "\(c)")
            #expect((rows ?? []).joined().contains("#"), "\(c) has no ink")
        }
        // Distinct glyphs (a copy-paste slip would make two characters look alike).
        let shapes = needed.map { BitmapFont.rows[$0]!.joined(separator: "|") }
        #expect(Set(shapes).count == needed.count)
        #expect(BitmapFont.ink("1", x: 2, y: 0) && !BitmapFont.ink("1", x: 0, y: 0))
        #expect(BitmapFont.ink("€", x: 1, y: 0) == BitmapFont.ink("?", x: 1, y: 0))
    }

    @Test func textIsPlacedByItsAnchor() {
        var c = PlotCanvas(width: 200, height: 60)
        c.text("-1.5e", x: 100, y: 10, scale: 2, .black, anchor: .center)
        var xs: [Int] = [], ys: [Int] = []
        for y in 0..<60 { for x in 0..<200 where c.color(x: x, y: y) == .black { xs.append(x); ys.append(y) } }
        let w = BitmapFont.width("-1.5e", scale: 2)
        #expect(w == (5 * 6 - 1) * 2)
        #expect(xs.min()! >= 100 - w / 2 && xs.max()! < 100 - w / 2 + w)
        #expect(ys.min()! >= 10 && ys.max()! < 10 + 7 * 2)
        // Vertical text reads upwards: its pixels span the text width in y, the glyph height in x.
        var v = PlotCanvas(width: 60, height: 200)
        v.text("loss", x: 10, y: 100, scale: 2, .black, anchor: .center, vertical: true)
        var vx: [Int] = [], vy: [Int] = []
        for y in 0..<200 { for x in 0..<60 where v.color(x: x, y: y) == .black { vx.append(x); vy.append(y) } }
        #expect(vy.max()! - vy.min()! > vx.max()! - vx.min()!)
        #expect(vx.min()! >= 10 && vx.max()! < 10 + 9 * 2)
    }

    @Test func polylineCoversItsPathAndNothingFar() {
        var c = PlotCanvas(width: 100, height: 50)
        let red = PlotColor(200, 0, 0)
        c.polyline([(10, 10), (90, 40), nil, (10, 45), (20, 45)], red, lineWidth: 3)
        #expect(c.color(x: 50, y: 25) == red)   // on the first segment (y = 10 + 30·(x+0.5−10)/80)
        #expect(c.color(x: 15, y: 44) == red)   // the second run
        #expect(c.color(x: 50, y: 42) == .white)  // where a segment joining the runs would pass
        #expect(c.color(x: 50, y: 5) == .white)
    }

    @Test func ticksAreNice() {
        let t = AxisTicks.linear(lo: 0, hi: 1739, count: 6)
        #expect(t.step == 500 && t.first == 0 && t.last == 2000)
        #expect(AxisTicks.values(step: t.step, first: t.first, last: t.last) == [0, 500, 1000, 1500, 2000])
        let p = AxisTicks.linear(lo: 11.97, hi: 29.9, count: 5)
        #expect(p.step == 5 && p.first == 10 && p.last == 30)
        #expect(AxisTicks.label(25, step: 5) == "25" && AxisTicks.label(0.30000000000000004, step: 0.1) == "0.3")
        let log = AxisTicks.logarithmic(lo: 0.0015, hi: 0.08)
        #expect(log.first == 0.001 && abs(log.last! - 0.1) < 1e-15)
        #expect(log.count == 7, "\(log)")   // 0.001 0.002 0.005 0.01 0.02 0.05 0.1
        #expect(AxisTicks.logarithmic(lo: 1e-5, hi: 1).count == 6)   // decades only
        #expect(AxisTicks.logLabel(0.002) == "0.002" && AxisTicks.logLabel(1e-05) == "1e-5")
        #expect(AxisTicks.stepLabel(2500) == "2500" && AxisTicks.stepLabel(15000) == "15k" && AxisTicks.stepLabel(1_500_000) == "1.5M")
    }
}
