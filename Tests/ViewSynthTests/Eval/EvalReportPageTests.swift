// report.html of `viewsynth eval` (EvalReportPage): one row, strip and bar per view, the mean row and the
// chart's mean line agree with the metrics, every string from a file or option is escaped, links are relative
// and percent-encoded; `eval` writes it beside metrics.json with links that resolve.

import Foundation
import Testing
@testable import ViewSynth

/// Values of attribute `name` in `html`, in order (double-quoted attributes only, as the page writes them).
func attributeValues(_ name: String, in html: String) -> [String] {
    let re = try! NSRegularExpression(pattern: "\\s\(name)=\"([^\"]*)\"")
    return re.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { String(html[Range($0.range(at: 1), in: html)!]) }
}

/// The elements `<tag …>` of `html` with class `cls` (their opening tags).
func elements(_ tag: String, class cls: String, in html: String) -> [String] {
    let re = try! NSRegularExpression(pattern: "<\(tag) class=\"\(cls)\"[^>]*>")
    return re.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { String(html[Range($0.range, in: html)!]) }
}

@Suite struct EvalReportPageTests {
    static func report(scene: String = "demo", names: [String], psnr: [Double], ssim: [Double]? = nil,
                       settings: [String: String] = ["planes": "8"]) -> EvalReport {
        let ssim = ssim ?? names.indices.map { 0.8 + 0.01 * Double($0) }
        let images = names.indices.map { ImageMetrics(name: names[$0], psnr: psnr[$0], ssim: ssim[$0], seconds: 1.5) }
        return EvalReport(scene: scene, sceneFormat: "llff", method: "sweep", settings: settings, settingsHash: "abc123",
                          weightsHash: nil, images: images, meanPSNR: psnr.reduce(0, +) / Double(psnr.count),
                          meanSSIM: ssim.reduce(0, +) / Double(ssim.count), wallSeconds: 4, raysPerSecond: 12345,
                          renderSeconds: 4.5, viewsRendered: names.count, renderThreads: [2], threads: 2,
                          date: "2025-01-02T03:04:05Z")
    }

    @Test func everyViewHasARowAStripAndABar() {
        let names = (0..<12).map { String(format: "view_%03d", $0 * 8) }
        let psnr = names.indices.map { 20 + Double($0) * 0.75 }
        let r = Self.report(names: names, psnr: psnr)
        let html = EvalReportPage(report: r).html()
        let body = html.components(separatedBy: "<tbody>")[1].components(separatedBy: "</tbody>")[0]
        let rows = body.components(separatedBy: "<tr>").dropFirst()
        #expect(rows.count == names.count)
        for (i, row) in rows.enumerated() {
            #expect(row.contains(">\(names[i])</a>"), "\(row)")
            #expect(row.contains(String(format: "<td>%.2f</td>", psnr[i])), "\(row)")
            #expect(row.contains(String(format: "<td>%.4f</td>", r.images[i].ssim)), "\(row)")
        }
        let images = attributeValues("src", in: html)
        #expect(images == names.map { "strips/\($0).png" })
        #expect(elements("rect", class: "bar", in: html).count == names.count)
        #expect(!html.contains("alt=\"depth preview") && !html.contains("Depth previews"))
        // Self-contained: no script, nothing fetched from elsewhere (only relative links, fragments, data:).
        #expect(!html.lowercased().contains("<script"))
        for link in attributeValues("src", in: html) + attributeValues("href", in: html) {
            #expect(!link.contains(":") || link.hasPrefix("data:"), "\(link)")
        }
    }

    @Test func meanRowAndMeanLineMatchTheMetrics() throws {
        // The middle view's PSNR is the mean: the dashed mean line must sit exactly on top of its bar.
        let psnr = [21.0, 25.5, 30.0]
        let r = Self.report(names: ["a", "b", "c"], psnr: psnr, ssim: [0.7, 0.8, 0.96])
        #expect(r.meanPSNR == 25.5)
        let html = EvalReportPage(report: r).html()
        let foot = html.components(separatedBy: "<tfoot>")[1]
        #expect(foot.hasPrefix("<tr><td>mean</td><td>25.50</td><td>0.8200</td><td>1.5</td></tr>"), "\(foot.prefix(120))")
        #expect(html.contains(">25.50 dB</text>"))
        let line = try #require(elements("line", class: "mean", in: html).first)
        let bars = elements("rect", class: "bar", in: html)
        #expect(bars.count == 3)
        let meanY = try #require(attributeValues("y1", in: line).first.flatMap(Double.init))
        let barY = try bars.map { try #require(attributeValues("y", in: $0).first.flatMap(Double.init)) }
        #expect(abs(barY[1] - meanY) < 0.11, "bar \(barY[1]) vs mean line \(meanY)")
        #expect(barY[0] > meanY && barY[2] < meanY, "lower PSNR, lower bar (larger y): \(barY)")
    }

    @Test func hostileStringsAreEscaped() {
        let hostile = "<script>alert(1)</script>"
        let view = "v\"><img src=x onerror=alert(2)>&'"
        var r = Self.report(scene: hostile, names: [view, "ok"], psnr: [24, 26],
                            settings: ["cost": "</dd><script>alert(3)</script>", "x<y": "1"])
        r.sceneFormat = "<b>llff"
        let page = EvalReportPage(report: r, scenePath: "/data/" + hostile, weights: "w<\"eights\".safetensors",
                                  depthPreviews: [view: "depth/" + view + "_color.png"])
        let html = page.html()
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<img src=x"))
        #expect(!html.contains("<b>llff"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; · sweep"))
        #expect(html.contains("v&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&amp;&#39;"))
        #expect(html.contains("w&lt;&quot;eights&quot;.safetensors"))
        #expect(html.contains("<dt>x&lt;y</dt>"))
        // Every attribute value is free of the characters that could end it or open a tag.
        for a in attributeValues("src", in: html) + attributeValues("href", in: html) + attributeValues("alt", in: html) {
            #expect(!a.contains("<") && !a.contains(">") && !a.contains("'"), "\(a)")
        }
    }

    @Test func linksArePercentEncodedAndDepthPreviewsShown() {
        let names = ["v#1 %", "plain"]
        let r = Self.report(names: names, psnr: [20, 22])
        let html = EvalReportPage(report: r, depthPreviews: ["plain": "depth/plain_color.png"]).html()
        #expect(attributeValues("src", in: html) == ["strips/v%231%20%25.png", "strips/plain.png", "depth/plain_color.png"])
        #expect(html.contains("alt=\"depth preview of plain\""))
    }

    @Test func nonFinitePSNRIsShownAsSuch() {
        let r = Self.report(names: ["same", "bad", "ok"], psnr: [.infinity, .nan, 25])
        let html = EvalReportPage(report: r).html()
        #expect(html.contains("<td>∞</td>") && html.contains("<td>n/a</td>") && html.contains("<td>25.00</td>"))
        #expect(!html.contains("nan") && !html.contains("inf<"))
        #expect(elements("rect", class: "bar", in: html).count == 2, "no bar for NaN")
        #expect(elements("line", class: "mean", in: html).isEmpty, "a NaN mean has no line")
    }

    @Test func manyViewsThinTheLabelsButKeepEveryBar() {
        let names = (0..<120).map { "long_view_name_\($0)" }
        let r = Self.report(names: names, psnr: names.indices.map { 18 + Double($0 % 9) })
        let html = EvalReportPage(report: r).html()
        #expect(elements("rect", class: "bar", in: html).count == 120)
        let labels = elements("text", class: "tick", in: html).filter { $0.contains("rotate(-45)") }
        #expect(labels.count == 40, "every 3rd of 120 names: \(labels.count)")
    }

    /// `eval` writes report.html with metrics.json; every image it links exists (strips, depth previews).
    @Test func evalWritesTheReportBesideMetrics() throws {
        let root = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let scene = try SceneFixtures.write(n: 16, in: root)   // LLFF: views 0 and 8 held out
        let out = root.appendingPathComponent("eval")
        let r = try runCLI(["eval", scene.path, "--out", out.path, "--depth"] + tinySweep)
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        let report = try JSONDecoder().decode(EvalReport.self, from: Data(contentsOf: out.appendingPathComponent("metrics.json")))
        #expect(html.contains(String(format: "<td>mean</td><td>%.2f</td><td>%.4f</td>", report.meanPSNR, report.meanSSIM)))
        let sources = attributeValues("src", in: html)
        #expect(sources == ["strips/000.png", "depth/000_color.png", "strips/008.png", "depth/008_color.png"])
        for s in sources {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(s).path), "\(s)")
        }
        #expect(html.contains("<code>\(scene.path)</code>"))
        #expect(temporaryFiles(out).isEmpty)
    }
}
