// report.html of `viewsynth eval`, beside metrics.json: one self-contained page (inline CSS, an inline SVG
// chart, no script, nothing fetched from the network) showing the method and its settings, a table of PSNR /
// SSIM per view with the mean, a bar chart of PSNR per view with the mean as a line, and each view's
// comparison strip (strips/<view>.png) and depth preview (depth/<view>_color.png, with `eval --depth`),
// linked relatively so the folder can be moved or served as it is.
// A pure function of the metrics (`html`); Evaluation writes it atomically with metrics.json and .csv.
// Every string that comes from a file or an option (scene name and path, view names, settings, weights) is
// HTML-escaped, and link targets are percent-encoded as well.

import Foundation

public struct EvalReportPage: Sendable {
    public var report: EvalReport
    /// The scene folder as given (shown, not linked).
    public var scenePath: String?
    /// What --weights selected ("shipped", "random" or a file path), for the model methods.
    public var weights: String?
    /// View name → depth preview path relative to the page, for the views that have one.
    public var depthPreviews: [String: String]

    public init(report: EvalReport, scenePath: String? = nil, weights: String? = nil, depthPreviews: [String: String] = [:]) {
        self.report = report; self.scenePath = scenePath; self.weights = weights; self.depthPreviews = depthPreviews
    }

    /// The strip of view `name`, relative to the page (Evaluation writes strips/<name>.png).
    public static func stripPath(_ name: String) -> String { "strips/\(name).png" }

    // MARK: Page

    public func html() -> String {
        let r = report
        let e = Self.escape
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="icon" href="data:,">
        <title>\(e(r.scene)) · \(e(r.method)) — ViewSynth eval</title>
        <style>\(Self.css)</style>
        </head>
        <body>
        <main>
        <header>
        <h1>\(e(r.scene)) <span class="method">\(e(r.method))</span></h1>
        <p class="sub">ViewSynth evaluation on \(r.images.count) held-out view\(r.images.count == 1 ? "" : "s") · \(e(r.date))</p>
        </header>
        <div class="cards">
        \(Self.card("mean PSNR", Self.db(r.meanPSNR) + (r.meanPSNR.isFinite ? " <span class=\"u\">dB</span>" : "")))
        \(Self.card("mean SSIM", Self.f4(r.meanSSIM)))
        \(Self.card("views", "\(r.images.count)"))
        \(r.raysPerSecond.map { Self.card("rays/s", Self.grouped($0)) } ?? "")
        </div>

        """
        h += settingsSection()
        h += """
        <section>
        <h2>PSNR per view</h2>
        \(Self.barChart(names: r.images.map(\.name), psnr: r.images.map(\.psnr), mean: r.meanPSNR))
        </section>

        """
        h += metricsTable()
        h += viewsSection()
        h += "</main>\n</body>\n</html>\n"
        return h
    }

    func settingsSection() -> String {
        let r = report
        let e = Self.escape
        var rows: [(String, String)] = [("scene", "<b>\(e(r.scene))</b> (\(e(r.sceneFormat)))")]
        if let p = scenePath { rows.append(("scene folder", "<code>\(e(p))</code>")) }
        rows.append(("method", "<b>\(e(r.method))</b>"))
        if let w = weights { rows.append(("weights", "<code>\(e(w))</code>")) }
        if let w = r.settings["weights"] { rows.append(("weights id", "<code>\(e(w))</code>")) }
        if let w = r.weightsHash { rows.append(("weights hash", "<code>\(e(w))</code>")) }
        if let c = r.settings["config"] {
            let name = Self.configName(c).map { "<b>\(e($0))</b> " } ?? ""
            rows.append(("config", "\(name)<details><summary>JSON</summary><pre>\(e(Self.prettyJSON(c)))</pre></details>"))
        }
        rows.append(("views", "\(r.images.count) held-out (\(r.viewsRendered.map { "\($0) rendered by this run" } ?? "rendered"))"))
        rows.append(("date", e(r.date)))
        var time = String(format: "%.1f s for this run", r.wallSeconds)
        if let s = r.renderSeconds { time += String(format: "; the renders took %.1f s when they were made", s) }
        rows.append(("time", time))
        let threads = (r.renderThreads ?? []).map(String.init).joined(separator: ", ")
        rows.append(("threads", "\(r.threads)" + (threads.isEmpty || threads == "\(r.threads)" ? "" : " (renders made with \(threads))")))
        rows.append(("settings hash", "<code>\(e(r.settingsHash))</code>"))
        var s = "<section>\n<h2>Method and settings</h2>\n<dl class=\"info\">\n"
        for (k, v) in rows { s += "<dt>\(k)</dt><dd>\(v)</dd>\n" }
        s += "</dl>\n"
        let other = r.settings.keys.filter { !["config", "weights"].contains($0) }.sorted()
        if !other.isEmpty {
            s += "<details class=\"all\"><summary>\(e(r.method)) settings (\(other.count))</summary>\n<dl class=\"grid\">\n"
            for k in other { s += "<div><dt>\(e(k))</dt><dd>\(e(r.settings[k] ?? ""))</dd></div>\n" }
            s += "</dl>\n</details>\n"
        }
        return s + "</section>\n"
    }

    func metricsTable() -> String {
        let r = report
        var s = """
        <section>
        <h2>Metrics</h2>
        <table>
        <thead><tr><th>view</th><th>PSNR (dB)</th><th>SSIM</th><th>render (s)</th></tr></thead>
        <tbody>

        """
        for (i, m) in r.images.enumerated() {
            s += "<tr><td><a href=\"#view-\(i)\">\(Self.escape(m.name))</a></td><td>\(Self.db(m.psnr))</td>"
                + "<td>\(Self.f4(m.ssim))</td><td>\(String(format: "%.1f", m.seconds))</td></tr>\n"
        }
        let meanSeconds = r.images.map(\.seconds).reduce(0, +) / Double(max(r.images.count, 1))
        s += "</tbody>\n<tfoot><tr><td>mean</td><td>\(Self.db(r.meanPSNR))</td><td>\(Self.f4(r.meanSSIM))</td>"
            + "<td>\(String(format: "%.1f", meanSeconds))</td></tr></tfoot>\n</table>\n</section>\n"
        return s
    }

    func viewsSection() -> String {
        var s = "<section class=\"views\">\n<h2>Views</h2>\n"
        s += "<p class=\"note\">Each strip: ground truth | render | error heat map (mean absolute error over the channels, "
            + "full scale at 0.25)." + (depthPreviews.isEmpty ? "" : " Depth previews: inverse depth, near = bright.") + "</p>\n"
        for (i, m) in report.images.enumerated() {
            let name = Self.escape(m.name)
            s += "<figure id=\"view-\(i)\">\n<figcaption><b>\(name)</b> <span>PSNR \(Self.db(m.psnr)) dB · SSIM \(Self.f4(m.ssim))</span></figcaption>\n"
            s += "<div class=\"strip\">\n<div class=\"labels\"><span>ground truth</span><span>render</span><span>error</span></div>\n"
            s += "<img src=\"\(Self.href(Self.stripPath(m.name)))\" alt=\"ground truth, render and error of \(name)\">\n"
            if let d = depthPreviews[m.name] {   // under the render
                s += "<div class=\"labels depth\"><span></span><span><img src=\"\(Self.href(d))\" alt=\"depth preview of \(name)\">depth</span><span></span></div>\n"
            }
            s += "</div>\n</figure>\n"
        }
        return s + "</section>\n"
    }

    // MARK: Chart

    /// An inline SVG bar chart of `psnr` per view (bars from 0 dB), y ticks and labels, view names under the
    /// bars (rotated when they would not fit, every k-th when there are many) and `mean` as a dashed line.
    static func barChart(names: [String], psnr: [Double], mean: Double) -> String {
        let n = max(names.count, 1)
        let finite = psnr.filter(\.isFinite) + (mean.isFinite ? [mean] : [])
        let t = AxisTicks.linear(lo: 0, hi: max(finite.max() ?? 40, 1), count: 5)
        let top = t.last
        let longest = names.map(\.count).max() ?? 0
        let width = 960.0, left = 62.0, right = 112.0, plotTop = 24.0   // the mean's label goes right of the plot
        let slot = (width - left - right) / Double(n)
        let rotate = Double(min(longest, 14)) * 7.5 + 8 > slot
        let bottom = rotate ? 26 + Double(min(longest, 14)) * 5.6 : 40
        let plotH = 240.0, height = plotTop + plotH + bottom
        let every = max(1, Int((Double(n) / 40).rounded(.up)))
        func y(_ v: Double) -> Double { plotTop + plotH * (1 - min(max(v, 0), top) / top) }
        func f1(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"PSNR per view, mean \(db(mean)) dB\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for v in AxisTicks.values(step: t.step, first: 0, last: top) {
            s += "<line class=\"grid\" x1=\"\(f1(left))\" x2=\"\(f1(width - right))\" y1=\"\(f1(y(v)))\" y2=\"\(f1(y(v)))\"/>"
            s += "<text class=\"tick\" x=\"\(f1(left - 8))\" y=\"\(f1(y(v) + 4))\" text-anchor=\"end\">\(AxisTicks.label(v, step: t.step))</text>\n"
        }
        s += "<text class=\"axis-title\" transform=\"translate(16 \(f1(plotTop + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">PSNR (dB)</text>\n"
        let barW = min(slot * 0.72, 64)
        for (i, name) in names.enumerated() {
            let v = psnr[i], cx = left + slot * (Double(i) + 0.5)
            let value = v.isFinite ? f1(v) : (v == .infinity ? "∞" : "n/a")
            if v.isFinite || v == .infinity {
                let yy = v.isFinite ? y(v) : plotTop
                s += "<rect class=\"bar\" x=\"\(f1(cx - barW / 2))\" y=\"\(f1(yy))\" width=\"\(f1(barW))\" height=\"\(f1(plotTop + plotH - yy))\">"
                    + "<title>\(escape(name)): \(value) dB</title></rect>"
                if slot >= 30 {   // inside the bar's top when it is tall enough, else above it
                    let inside = plotTop + plotH - yy >= 22
                    s += "<text class=\"value\(inside ? " in" : "")\" x=\"\(f1(cx))\" y=\"\(f1(inside ? yy + 15 : yy - 5))\" text-anchor=\"middle\">\(value)</text>"
                }
            }
            if i % every == 0 {
                let label = escape(name.count > 14 ? String(name.prefix(13)) + "…" : name)
                let ly = plotTop + plotH + 16
                if rotate {
                    s += "<text class=\"tick\" transform=\"translate(\(f1(cx + 4)) \(f1(ly - 4))) rotate(-45)\" text-anchor=\"end\">\(label)</text>"
                } else {
                    s += "<text class=\"tick\" x=\"\(f1(cx))\" y=\"\(f1(ly))\" text-anchor=\"middle\">\(label)</text>"
                }
            }
            s += "\n"
        }
        s += "<line class=\"axis\" x1=\"\(f1(left))\" x2=\"\(f1(width - right))\" y1=\"\(f1(plotTop + plotH))\" y2=\"\(f1(plotTop + plotH))\"/>"
        s += "<line class=\"axis\" x1=\"\(f1(left))\" x2=\"\(f1(left))\" y1=\"\(f1(plotTop))\" y2=\"\(f1(plotTop + plotH))\"/>\n"
        if mean.isFinite {
            s += "<line class=\"mean\" x1=\"\(f1(left))\" x2=\"\(f1(width - right))\" y1=\"\(f1(y(mean)))\" y2=\"\(f1(y(mean)))\"/>"
            s += "<text class=\"mean-label\" x=\"\(f1(width - right + 6))\" y=\"\(f1(y(mean) - 3))\">mean</text>"
            s += "<text class=\"mean-label\" x=\"\(f1(width - right + 6))\" y=\"\(f1(y(mean) + 13))\">\(db(mean)) dB</text>\n"
        }
        return s + "</svg>"
    }

    // MARK: Text

    /// `s` with & < > " ' replaced by character references (safe in text and in quoted attributes).
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// A relative link: each path segment percent-encoded (a '#', '?' or '%' in a view name stays part of the
    /// file name), then escaped for an attribute.
    static func href(_ path: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        let encoded = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }.joined(separator: "/")
        return escape(encoded)
    }

    static func db(_ v: Double) -> String { v.isFinite ? String(format: "%.2f", v) : (v == .infinity ? "∞" : "n/a") }
    static func f4(_ v: Double) -> String { v.isFinite ? String(format: "%.4f", v) : "n/a" }
    static func grouped(_ v: Double) -> String {
        guard v.isFinite else { return "n/a" }
        let digits = String(Int(v.rounded()))
        var out = ""
        for (i, c) in digits.reversed().enumerated() { if i > 0 && i % 3 == 0 { out.append(" ") }; out.append(c) }
        return String(out.reversed())
    }
    static func card(_ k: String, _ v: String) -> String { "<div class=\"card\"><div class=\"v\">\(v)</div><div class=\"k\">\(k)</div></div>" }

    /// The "name" of a model config's JSON, if it has one.
    static func configName(_ json: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["name"] as? String
    }

    /// `json` pretty-printed with sorted keys (as it is when it does not parse).
    static func prettyJSON(_ json: String) -> String {
        guard let o = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
              let d = try? JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return json }
        return String(decoding: d, as: UTF8.self)
    }

    static let css = """

    :root { color-scheme: light; }
    body { margin: 0; background: #f4f5f7; color: #1f2328; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    main { max-width: 1080px; margin: 0 auto; padding: 24px 24px 40px; }
    h1 { font-size: 26px; margin: 0; overflow-wrap: anywhere; }
    h1 .method { font-size: 16px; font-weight: 600; color: #fff; background: #3b6ea8; border-radius: 4px; padding: 2px 8px; vertical-align: middle; }
    h2 { font-size: 17px; margin: 0 0 12px; }
    .sub { color: #59636e; margin: 4px 0 16px; }
    .cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }
    .card { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 10px 18px; min-width: 110px; }
    .card .v { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
    .card .k { font-size: 13px; color: #59636e; }
    .card .u { font-size: 15px; font-weight: 500; color: #59636e; }
    section { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; }
    dl.info { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
    dt { color: #59636e; }
    dd { margin: 0; overflow-wrap: anywhere; }
    details summary { cursor: pointer; color: #3b6ea8; }
    details.all { margin-top: 12px; }
    dl.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 2px 18px; margin: 8px 0 0; font-size: 13px; }
    dl.grid div { display: flex; justify-content: space-between; gap: 8px; border-bottom: 1px solid #eef1f4; }
    pre { font-size: 12px; background: #f6f8fa; padding: 8px; border-radius: 6px; overflow-x: auto; }
    code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
    code { font-size: 13px; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; min-width: 420px; }
    th, td { padding: 4px 14px; text-align: right; border-bottom: 1px solid #eef1f4; }
    th:first-child, td:first-child { text-align: left; padding-left: 0; }
    thead th { border-bottom: 2px solid #d0d7de; color: #59636e; font-weight: 600; }
    tfoot td { font-weight: 700; border-top: 2px solid #d0d7de; border-bottom: none; }
    a { color: #3b6ea8; text-decoration: none; }
    a:hover { text-decoration: underline; }
    svg.chart { width: 100%; height: auto; display: block; }
    svg.chart text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    svg .grid { stroke: #e6e9ed; stroke-width: 1; }
    svg .axis { stroke: #57606a; stroke-width: 1.2; }
    svg .bar { fill: #5b8ec9; }
    svg .bar:hover { fill: #3b6ea8; }
    svg .tick { font-size: 12px; fill: #424a53; }
    svg .value { font-size: 11px; fill: #24292f; }
    svg .value.in { fill: #fff; font-weight: 600; }
    svg .axis-title { font-size: 13px; fill: #424a53; }
    svg .mean { stroke: #d9480f; stroke-width: 2; stroke-dasharray: 7 5; }
    svg .mean-label { font-size: 13px; font-weight: 600; fill: #d9480f; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
    .note { color: #59636e; font-size: 13px; margin: 0 0 12px; }
    figure { margin: 0 0 22px; }
    figcaption { margin-bottom: 4px; overflow-wrap: anywhere; }
    figcaption span { color: #59636e; margin-left: 8px; font-variant-numeric: tabular-nums; }
    figure img { display: block; max-width: 100%; height: auto; border: 1px solid #d8dee4; background: #fafafa; }
    .strip { display: inline-block; max-width: 100%; vertical-align: top; }
    .labels { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0 4px; font-size: 12px; color: #59636e; }
    .labels.depth { margin-top: 4px; }
    .labels.depth img { width: 100%; margin-bottom: 2px; }

    """
}
