import DreamCore
import DreamEngine
import Foundation

/// `dream report`: one self-contained HTML page (inline SVG, CSS and a small script; no network,
/// no external fonts) from the files that `dream run/sim --out`, `dream compare --json` and
/// `dream calibrate --out` write.
///
///     let html = try HTMLReport.run(folder: "runs/latest")            // a run folder
///     let html = HTMLReport.run(written)                              // a run just written (RunFiles.write)
///     let html = try HTMLReport.compare(json: "cmp.json")             // a comparison
///     let html = try HTMLReport.calibration(json: "cal.json")         // a calibration
///     let html = try HTMLReport.render(run: dir, compare: c, calibration: k)  // any mix
///     try HTMLReport.write(html, to: "report.html")
public enum HTMLReport {
    public struct Options: Sendable {
        /// Length of one timeline page, ms (default: chosen from the run's density).
        public var pageMs: Double?
        /// Start of the first detailed timeline page, ms (default 0).
        public var fromMs: Double?
        /// Bytes the detailed timeline pages may take; pages past it are left out (and the page says so).
        public var maxTimelineBytes: Int
        /// A line saying how the report was made (e.g. the command), shown in the header.
        public var generatedBy: String?

        public init(pageMs: Double? = nil, fromMs: Double? = nil, maxTimelineBytes: Int = 2_500_000, generatedBy: String? = nil) {
            self.pageMs = pageMs
            self.fromMs = fromMs
            self.maxTimelineBytes = maxTimelineBytes
            self.generatedBy = generatedBy
        }
    }

    /// What a path given to `dream report` holds, judged by its content.
    public enum InputKind: String, Sendable {
        case runFolder, compare, calibration
    }

    /// A run folder (or its results.json), a `dream compare --json` file or a calibration file.
    public static func detect(_ path: String) throws -> InputKind {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DreamInputError(.noInput, file: path, field: "", problem: "does not exist",
                                  fix: "give a run folder (dream run/sim --out), a `dream compare --json` file or a `dream calibrate` file")
        }
        if isDir.boolValue { return .runFolder }
        let d = try ResultsFile.jsonObject(path, what: "input")
        if d["scenarios"] != nil && (d["geomean_reduction"] != nil || d["schedulers"] != nil) { return .compare }
        if d["samples"] != nil && d["parameters"] != nil { return .calibration }
        if d["models"] != nil && d["scheduler"] != nil { return .runFolder }
        throw DreamInputError(.data, file: path, field: "", problem: "is neither results.json, a comparison nor a calibration",
                              fix: "give a run folder (dream run/sim --out), a `dream compare --json` file or a `dream calibrate` file")
    }

    /// The report of one run folder (results.json, and frames.csv, trace.json, tuning.csv when present).
    public static func run(folder: String, options: Options = Options()) throws -> String {
        try render(run: folder, options: options)
    }

    /// The report of a run in memory (what `RunFiles.write` returns): nothing is read back.
    public static func run(_ folder: RunFolder, options: Options = Options()) -> String {
        document(run: folder, compare: nil, calibration: nil, options: options)
    }

    /// The report of a `dream compare --json` file.
    public static func compare(json path: String, options: Options = Options()) throws -> String {
        try render(compare: path, options: options)
    }

    /// The report of a comparison in memory; `file` is where it was written.
    public static func compare(_ comparison: CompareJSON, file: String, options: Options = Options()) -> String {
        document(run: nil, compare: (file, comparison), calibration: nil, options: options)
    }

    /// The report of a `dream calibrate` file.
    public static func calibration(json path: String, options: Options = Options()) throws -> String {
        try render(calibration: path, options: options)
    }

    /// One page with every part given. `run` may be a folder or its results.json.
    public static func render(run: String? = nil, compare: String? = nil, calibration: String? = nil,
                              options: Options = Options()) throws -> String {
        guard run != nil || compare != nil || calibration != nil else {
            throw DreamInputError(.usage, file: "dream report", field: "", problem: "has nothing to report", fix: "give a run folder, a comparison or a calibration")
        }
        var folder = run
        if let r = run {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: r, isDirectory: &isDir), !isDir.boolValue {
                folder = (r as NSString).deletingLastPathComponent
                if folder!.isEmpty { folder = "." }
            }
        }
        let runData = try folder.map { try RunFolder.read(folder: $0) }
        let cmp = try compare.map { ($0, try CompareJSON.read($0)) }
        let cal = try calibration.map { try ReportReader.calibration($0) }
        return document(run: runData, compare: cmp, calibration: cal, options: options)
    }

    /// Writes the page atomically.
    public static func write(_ html: String, to path: String) throws {
        try AtomicFile.write(html, to: path)
    }

    // MARK: - The page

    static func document(run: RunFolder?, compare: (file: String, data: CompareJSON)?, calibration: CalibrationData?, options: Options) -> String {
        var title: [String] = []
        if let r = run?.results { title.append("\(r.scenario) · \(r.scheduler) (\(r.mode))") }
        if compare != nil { title.append("comparison") }
        if calibration != nil { title.append("calibration") }
        var models: [String] = run?.results.summary.streams.map(\.name) ?? []
        for f in run?.frames ?? [] where !models.contains(f.model) { models.append(f.model) }
        for r in run?.rows ?? [] { for b in r.blocks where !models.contains(b.model) { models.append(b.model) } }

        var body = "<header><h1>DreamRT report: \(H.esc(title.joined(separator: " + ")))</h1>"
        var nav: [String] = []
        if run != nil { nav += ["<a href=\"#run\">run</a>", "<a href=\"#timeline\">timeline</a>", "<a href=\"#models\">models</a>", "<a href=\"#tuning\">tuning &amp; variants</a>"] }
        if compare != nil { nav.append("<a href=\"#compare\">comparison</a>") }
        if calibration != nil { nav.append("<a href=\"#calibration\">calibration</a>") }
        body += "<nav>" + nav.joined(separator: " · ") + "</nav>"
        if let g = options.generatedBy { body += "<p class=\"note\">Made by <code>\(H.esc(g))</code>.</p>" }
        body += "</header>"
        if let run { body += runSections(run, models: models, options: options) }
        if let compare { body += compareSection(compare.data, file: compare.file) }
        if let calibration { body += calibrationSection(calibration) }
        var css = style
        for i in 0..<max(models.count, 1) { css += ".m\(i){fill:\(H.color(i))}" }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>DreamRT report: \(H.esc(title.joined(separator: " + ")))</title>
        <script>\(errorCatcher)</script>
        <style>\(css)</style></head>
        <body>
        \(body)
        <script>\(script)</script>
        </body></html>

        """
    }

    static func kv(_ pairs: [(String, String)]) -> String {
        "<dl class=\"meta\">" + pairs.map { "<div><dt>\(H.esc($0.0))</dt><dd>\(H.esc($0.1))</dd></div>" }.joined() + "</dl>"
    }

    static func table(_ header: [String], _ rows: [[String]], attrs: String = "") -> String {
        var s = "<table \(attrs)><thead><tr>" + header.map { "<th>\(H.esc($0))</th>" }.joined() + "</tr></thead><tbody>"
        for r in rows { s += "<tr>" + r.map { "<td>\(H.esc($0))</td>" }.joined() + "</tr>" }
        return s + "</tbody></table>"
    }

    // MARK: Run

    static func runSections(_ run: RunFolder, models: [String], options: Options) -> String {
        let r = run.results, t = r.summary
        var s = "<section id=\"run\"><h2>Run</h2>"
        s += kv([("mode", r.mode + (r.partial ? " (PARTIAL: interrupted)" : "")), ("scenario", r.scenario), ("topology", r.topology),
                 ("scheduler", r.scheduler), ("seed", "\(r.seed)"), ("duration", H.f(r.durationS, 1) + " s"),
                 ("time scale", H.f(r.timeScale, 3)), ("work scale", H.f(r.workScale, 3)), ("energy source", t.energySource),
                 ("folder", run.folder)])
        // The terminal summary's table, from results.json.
        var rows: [[String]] = t.streams.map {
            [$0.name, "\($0.framesGenerated)", "\($0.met)", "\($0.missed)", "\($0.dropped)", H.f($0.latencyP50Ms), H.f($0.latencyP99Ms), H.f($0.energyJ, 3), H.f($0.xrbenchScore, 1)]
        }
        rows.append(["total", "\(t.framesGenerated)", "\(t.met)", "\(t.missed)", "\(t.dropped)", H.f(t.latencyP50Ms), H.f(t.latencyP99Ms), H.f(t.energyJ, 3), H.f(t.xrbenchScore, 1)])
        s += table(["model", "frames", "met", "missed", "dropped", "p50 ms", "p99 ms", "energy J", "score"], rows, attrs: "class=\"summary\" data-summary")
        s += "<p class=\"totals\">E <b>\(H.g(t.energyPerFrameJ))</b> J/frame (\(H.esc(t.energySource))), V <b>\(H.f(t.violationRate, 4))</b>, UXCost <b>\(H.g(t.uxcost))</b>, XRBench score <b>\(H.f(t.xrbenchScore, 2))</b></p>"
        s += "<p class=\"totals\">decision µs p50/p99 \(H.f(t.decisionUsP50))/\(H.f(t.decisionUsP99)), dispatch µs p50/p99 \(H.f(t.dispatchUsP50))/\(H.f(t.dispatchUsP99))"
        if let rapl = r.raplJ { s += ", RAPL (hardware counter, whole package) \(H.f(rapl, 3)) J" }
        s += "</p>"
        s += "<p class=\"totals\">accelerators: " + r.accelerators.enumerated().map { "\(H.esc($1)) \(Int((t.acceleratorBusyFraction[$0] * 100).rounded()))% busy \(H.f(t.acceleratorEnergyJ[$0], 3)) J" }.joined(separator: ", ")
        if !t.dropReasons.isEmpty { s += "; drops: " + t.dropReasons.sorted { $0.key < $1.key }.map { "\(H.esc($0.key)) \($0.value)" }.joined(separator: ", ") }
        s += "</p></section>"

        // Timeline.
        s += "<section id=\"timeline\"><h2>Timeline</h2>"
        if let rowsData = run.rows, !rowsData.isEmpty {
            let tl = Timeline(run: run, options: options, models: models)
            let plan = tl.plan()
            let pages = tl.pages(plan)
            let shownEnd = pages.last!.endMs
            let marks = pages.reduce(0) { $0 + $1.frameMarks }
            s += "<div class=\"legend\">" + models.enumerated().map { "<span class=\"sw\" style=\"background:\(H.color($0.offset))\"></span>\(H.esc($0.element))" }.joined(separator: " ")
                + " · <span class=\"mk met\"></span>frame released (met) <span class=\"mk missed\"></span>missed <span class=\"mk dropped\"></span>dropped"
                + " <span class=\"sw bandm\"></span>release→deadline of a missed frame <span class=\"sw bandd\"></span>of a dropped frame"
                + " <span class=\"sw outm\"></span>block of a missed frame <span class=\"sw outd\"></span>of a dropped frame</div>"
            var note = "Detailed timeline: \(pages.count) page\(pages.count == 1 ? "" : "s") of \(H.c(plan.pageMs)) ms covering \(H.c(pages.first!.startMs))–\(H.c(shownEnd)) ms of the run's \(H.c(plan.spanMs)) ms, one row per accelerator core (\(rowsData.count) rows), \(marks) frame marks (one per frame released in the pages shown)."
            if pages.count < plan.totalPages || pages.first!.startMs > 0 {
                note += " <b>Windowed:</b> to keep this file small, only these pages are drawn in detail (\(pages.count) of \(plan.totalPages) from the start point); the overview covers the whole run. Use <code>dream report DIR --from-ms T</code> (and <code>--page-ms</code>) to draw a later window."
            }
            note += " Overview: the whole run downsampled to 600 bins of \(H.f(plan.spanMs / 600, 2)) ms (colour = the busiest model in the bin, opacity = how busy the core was; red/grey = deadlines of missed/dropped frames); click it to jump to a page."
            s += "<p class=\"note\" data-window-note>\(note)</p>"
            s += "<div class=\"controls\"><button type=\"button\" data-act=\"prev\">◀ prev</button><button type=\"button\" data-act=\"next\">next ▶</button>"
                + " <span id=\"tl-pos\"></span> · zoom <button type=\"button\" data-act=\"zout\">−</button><span id=\"tl-zoom\">1×</span><button type=\"button\" data-act=\"zin\">+</button><button type=\"button\" data-act=\"zreset\">reset</button></div>"
            s += "<div id=\"tl\" data-core-rows=\"\(rowsData.count)\" data-pages=\"\(pages.count)\" data-total-pages=\"\(plan.totalPages)\" data-window-start-ms=\"\(H.c(pages.first!.startMs))\" data-window-end-ms=\"\(H.c(shownEnd))\" data-frame-marks=\"\(marks)\" data-span-ms=\"\(H.c(plan.spanMs))\" data-page-ms=\"\(H.c(plan.pageMs))\">"
            s += tl.overview(plan, pages: pages)
            for p in pages { s += p.html }
            s += "</div>"
        } else {
            s += "<p class=\"note\">No trace.json in \(H.esc(run.folder)): no timeline (dream run/sim --out writes one).</p>"
        }
        s += "</section>"

        // Per model.
        s += "<section id=\"models\"><h2>Per model: latency and outcomes</h2><p class=\"note\">Latency CDF over every generated frame (dropped frames never complete, so a curve tops out at the completed fraction), with the model's relative deadline (deadline − scheduled release; latency is measured from the actual release, as in frames.csv). Counts from results.json.</p><div class=\"cards\">"
        var byModel: [String: [FrameRow]] = [:]
        for f in run.frames ?? [] { byModel[f.model, default: []].append(f) }
        for (i, m) in t.streams.enumerated() {
            let idx = models.firstIndex(of: m.name) ?? i
            s += "<div class=\"card\" data-model=\"\(H.esc(m.name))\"><h3><span class=\"sw\" style=\"background:\(H.color(idx))\"></span>\(H.esc(m.name))</h3>"
            let n = max(1, m.framesGenerated)
            s += "<div class=\"outcomes\" title=\"met / missed / dropped\"><span class=\"om\" style=\"flex:\(m.met)\"></span><span class=\"ox\" style=\"flex:\(m.missed)\"></span><span class=\"od\" style=\"flex:\(m.dropped)\"></span></div>"
            s += "<p class=\"counts\">\(m.framesGenerated) frames: <b class=\"cm\">\(m.met) met</b> (\(H.pct(Double(m.met) / Double(n)))), <b class=\"cx\">\(m.missed) missed</b>, <b class=\"cd\">\(m.dropped) dropped</b>; p50 \(H.f(m.latencyP50Ms)) ms, p99 \(H.f(m.latencyP99Ms)) ms; \(H.f(m.energyJ, 3)) J; score \(H.f(m.xrbenchScore, 1)); variant_switches \(m.variantSwitches)</p>"
            if let fs = byModel[m.name], !fs.isEmpty {
                s += Charts.latencyCDF(model: m.name, color: H.color(idx), frames: fs, generated: m.framesGenerated)
            } else {
                s += "<p class=\"note\">\(run.frames == nil ? "No frames.csv." : "No frames.")</p>"
            }
            s += "</div>"
        }
        s += "</div></section>"

        // Tuning and variants.
        s += "<section id=\"tuning\"><h2>DREAM weight tuning and variant switches</h2>"
        let span = max(r.durationS * 1000, (run.frames ?? []).compactMap(\.completionMs).max() ?? 0)
        if let t = run.tuning, !t.isEmpty {
            s += "<p class=\"note\">From tuning.csv: \(t.count) tuning steps (\(t.filter { !$0.event.isEmpty }.count) with an event).</p>"
            s += Charts.tuning(t, spanMs: span)
        } else {
            s += "<p class=\"note\" data-no-tuning>No tuning.csv in this folder: the \(H.esc(r.scheduler)) scheduler kept no weight-tuning log (DREAM's runs write one).</p>"
        }
        if let frames = run.frames {
            if let v = Charts.variants(frames: frames, models: models, spanMs: span) {
                s += "<h3>Variants over time</h3><p class=\"note\">From frames.csv: each released frame's variant; ▼ marks a change (" + v.switches.sorted { $0.key < $1.key }.map { "\(H.esc($0.key)) \($0.value)" }.joined(separator: ", ") + " changes).</p>" + v.svg
            } else {
                s += "<p class=\"note\" data-no-variants>No model changed variant in frames.csv.</p>"
            }
        }
        s += "</section>"
        return s
    }

    // MARK: Compare

    static func compareSection(_ json: CompareJSON, file: String) -> String {
        let c = CompareView(json, file: file)
        var s = "<section id=\"compare\"><h2>Scheduler comparison</h2>"
        var meta: [(String, String)] = [("mode", c.mode + (c.partial ? " (PARTIAL: interrupted)" : "")), ("topology", c.topology)]
        if let n = c.seeds { meta.append(("seeds", "\(n)")) }
        if let d = c.durationS { meta.append(("duration", H.f(d, 1) + " s per run")) }
        if let t = c.targetLoad { meta.append(("target load", H.f(t, 2))) }
        meta.append(("schedulers", c.schedulers.joined(separator: ", ")))
        meta.append(("scale", c.scenarios.map { "\($0.name): time ×\(H.f($0.timeScale, 3)), work ×\(H.f($0.workScale, 3))" }.joined(separator: "; ")))
        meta.append(("energy source", "model (topology power model), as in dream compare"))
        meta.append(("file", c.file))
        s += kv(meta)
        let groups = c.scenarios.map(\.name)
        var order = c.schedulers
        if let i = order.firstIndex(of: "dream") { order.remove(at: i); order.insert("dream", at: 0) }
        let modes = c.mode == "both" ? ["live", "sim"] : [c.primaryMode]
        let colorOf: (String) -> String = { name in
            name == "dream" ? "#c0392b" : H.color((c.schedulers.filter { $0 != "dream" }.firstIndex(of: name) ?? 7) + 0)
        }
        // Metrics against load, per scenario, with 95% intervals over seeds (compares of several loads).
        for mode in modes where Set(c.loadPoints.filter { $0.mode == mode }.map(\.load)).count > 1 {
            s += "<h3>\(mode == "live" ? "Live" : "Simulated"): metrics against offered load (mean over seeds, bars: 95% interval)</h3>"
            let scenarioNames = c.loadPoints.filter { $0.mode == mode }.map(\.scenario).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            for scenario in scenarioNames {
                s += "<h4>\(H.esc(scenario))</h4><div class=\"bars\">"
                for (metric, title, digits) in [("uxcost_met", "UXCost-met (lower is better)", 3), ("violation_rate", "violation rate V", 3),
                                                ("xrbench_score", "XRBench score (higher is better)", 1)] {
                    let pts = c.loadPoints.filter { $0.mode == mode && $0.scenario == scenario && $0.metric == metric }
                    let series = order.compactMap { name -> (name: String, color: String, points: [(load: Double, mean: Double, ci: [Double]?)])? in
                        let mine = pts.filter { $0.scheduler == name }.map { (load: $0.load, mean: $0.mean, ci: $0.ci95) }
                        return mine.isEmpty ? nil : (name, colorOf(name), mine)
                    }
                    s += Charts.againstLoad(title: title, metric: metric, series: series, format: { digits == 1 ? H.f($0, 1) : H.g($0, 3) })
                }
                s += "</div>"
            }
        }
        for mode in modes {
            func value(_ metric: KeyPath<CompareView.Entry, Double>) -> (String, String) -> Double? {
                { g, name in c.scenarios.first { $0.name == g }?.results[mode]?[name]?[keyPath: metric] }
            }
            s += "<h3>\(mode == "live" ? "Live" : "Simulated") runs (mean over seeds)</h3><div class=\"bars\">"
            s += Charts.bars(title: "UXCost (lower is better)", metric: "uxcost", groups: groups, schedulers: order, color: colorOf, value: value(\.uxcost), format: { H.g($0, 3) })
            s += Charts.bars(title: "energy J (lower is better)", metric: "energy_j", groups: groups, schedulers: order, color: colorOf, value: value(\.energyJ), format: { H.g($0, 3) })
            s += Charts.bars(title: "violation rate (lower is better)", metric: "violation_rate", groups: groups, schedulers: order, color: colorOf, value: value(\.violationRate), format: { H.f($0, 3) })
            s += Charts.bars(title: "XRBench score (higher is better)", metric: "xrbench_score", groups: groups, schedulers: order, color: colorOf, value: value(\.xrbenchScore), format: { H.f($0, 1) })
            s += "</div><div class=\"legend\">" + order.enumerated().map { i, n in
                "<span class=\"sw\" style=\"background:\(colorOf(n))\"></span>\(H.esc(n))"
            }.joined(separator: " ") + "</div>"
            var rows: [[String]] = []
            for sc in c.scenarios {
                for n in order {
                    guard let e = sc.results[mode]?[n] else { continue }
                    rows.append([sc.name, n, H.g(e.uxcost, 5), H.g(e.energyJ, 5), H.g(e.energyPerFrameJ, 5), H.f(e.violationRate, 4),
                                 H.f(e.missRate, 4), H.f(e.dropRate, 4), H.f(e.xrbenchScore, 2)])
                }
            }
            s += table(["scenario", "scheduler", "UXCost", "energy J", "E J/frame", "V", "miss", "drop", "XRBench"], rows, attrs: "data-compare-table=\"\(mode)\"")
        }
        let baselines = Array(Set(c.scenarios.flatMap { $0.dreamReduction.keys }).union(c.geomeanReduction.keys)).sorted()
        s += "<h3>DREAM's UXCost reduction</h3>"
        if baselines.isEmpty {
            s += "<p class=\"note\" data-no-reductions>No DREAM run in this comparison (schedulers: \(H.esc(c.schedulers.joined(separator: ", ")))), so no reductions: add <code>dream</code> to <code>--schedulers</code>.</p>"
        } else {
            s += "<p class=\"note\">1 − UXCost(dream) / UXCost(baseline) on the \(c.primaryMode) runs, per scenario, and the geometric mean across scenarios (as dream compare prints).</p>"
            var rows = c.scenarios.map { sc in [sc.name] + baselines.map { H.pct(sc.dreamReduction[$0]) } }
            rows.append(["geometric mean"] + baselines.map { H.pct(c.geomeanReduction[$0]) })
            s += table(["scenario"] + baselines.map { "vs \($0)" }, rows, attrs: "data-reduction-table")
            s += "<div class=\"bars\">" + Charts.bars(title: "UXCost reduction (%)", metric: "dream_reduction", groups: c.scenarios.map(\.name) + ["geomean"],
                                                      schedulers: baselines, color: colorOf, value: { g, b in
                                                          (g == "geomean" ? c.geomeanReduction[b] : c.scenarios.first { $0.name == g }?.dreamReduction[b]).map { $0 * 100 }
                                                      }, format: { H.f($0, 1) }) + "</div>"
        }
        let gaps = c.scenarios.filter { !$0.simLiveGap.isEmpty }
        if !gaps.isEmpty {
            var rows: [[String]] = []
            for sc in gaps { for (n, g) in sc.simLiveGap.sorted(by: { $0.key < $1.key }) {
                rows.append([sc.name, n, H.pct(g["uxcost"]), H.pct(g["miss_rate"]), H.pct(g["drop_rate"])])
            } }
            s += "<h3>Simulator against live (relative gap)</h3>" + table(["scenario", "scheduler", "UXCost", "miss rate", "drop rate"], rows)
        }
        return s + "</section>"
    }

    // MARK: Calibration

    static func calibrationSection(_ c: CalibrationData) -> String {
        var s = "<section id=\"calibration\"><h2>Cost-model calibration</h2>"
        let meanModel = c.modelMAPE.isEmpty ? nil : c.modelMAPE.values.reduce(0, +) / Double(c.modelMAPE.count)
        s += kv([("topology", c.topology), ("accelerators", c.accelerators.joined(separator: "; ")), ("samples", "\(c.points.count) (layer shape, accelerator) pairs"),
                 ("held-out layer MAPE", H.f(c.heldOutLayerMAPE, 1) + " % (goal ≤ 20 %)"),
                 ("whole-model MAPE", H.f(meanModel, 1) + " % (goal ≤ 10 %)"),
                 ("MAPE of the points below", H.f(c.fittedMAPE, 1) + " % (roofline fitted on all samples)"), ("file", c.file)])
        s += "<p class=\"note\">Each point is one layer shape on one accelerator: the measured median against the fitted roofline's prediction (<code>calibration.costModel().fallback</code>, the model used for shapes never measured). Held-out and whole-model MAPE are the file's own numbers (as dream calibrate prints).</p>"
        s += "<div class=\"calrow\"><div>" + Charts.calibrationScatter(c) + "</div>"
        if !c.modelMAPE.isEmpty {
            s += "<div>" + table(["model", "whole-model MAPE"], c.modelMAPE.sorted { $0.key < $1.key }.map { [$0.key, H.f($0.value, 1) + " %"] }, attrs: "data-model-mape") + "</div>"
        }
        return s + "</div></section>"
    }

    // MARK: Style and script

    static let errorCatcher = """
    window.__reportErrors=[];window.addEventListener('error',function(e){window.__reportErrors.push(String(e.message||e));document.documentElement.setAttribute('data-script-errors',window.__reportErrors.join(' | '));});
    """

    static let style = """
    [hidden]{display:none!important}
    body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 24px 40px;color:#222;background:#fff}
    h1{font-size:20px;margin:16px 0 4px}h2{font-size:17px;margin:22px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}h3{font-size:14px;margin:12px 0 4px}
    nav a{color:#2a5db0}code{background:#f3f3f3;padding:0 3px;border-radius:3px}
    .note{color:#555;max-width:1100px;margin:4px 0}
    dl.meta{display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0}dl.meta div{display:flex;gap:5px}dl.meta dt{color:#666}dl.meta dd{margin:0;font-weight:600}
    table{border-collapse:collapse;margin:6px 0}th,td{padding:2px 9px;border-bottom:1px solid #eee;text-align:right;font-variant-numeric:tabular-nums}
    th:first-child,td:first-child{text-align:left}th{background:#f6f6f6}table[data-summary] tr:last-child td,table[data-reduction-table] tr:last-child td{font-weight:600}
    .totals{margin:3px 0}
    .legend{margin:4px 0;color:#444}.sw{display:inline-block;width:11px;height:11px;margin:0 3px 0 8px;vertical-align:-1px;border-radius:2px}
    .sw.bandm{background:rgba(214,39,40,.25)}.sw.bandd{background:rgba(127,127,127,.3)}.sw.outm{background:#fff;outline:2px solid #d62728}.sw.outd{background:#fff;outline:1.5px dashed #555}
    .sw.ev{background:#999}.sw.diagsw{background:#333;height:2px;vertical-align:3px}
    .mk{display:inline-block;width:2px;height:12px;margin:0 3px 0 8px;vertical-align:-2px}.mk.met{background:#333}.mk.missed{background:#d62728}.mk.dropped{background:#7f7f7f}
    .controls{margin:6px 0}.controls button{font:inherit;padding:1px 8px;margin-right:3px}
    .tl-grid{display:grid;grid-template-columns:170px minmax(0,1fr);margin-bottom:8px}
    .tl-labels{font-size:11px}.lab{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;display:flex;align-items:center;padding-right:6px}
    .lab.lane{color:#555}.lab.core{font-weight:600}
    .axis-spacer{height:16px}.tl-scroll{overflow-x:auto}.tl-inner{width:100%}.tl-inner-fixed{width:100%}
    .tl-axis{position:relative;height:16px;font-size:10px;color:#555}.tl-axis span{position:absolute;top:2px;border-left:1px solid #aaa;padding-left:2px;white-space:nowrap}
    .tl-svg,.ov-svg{display:block;width:100%}
    .tl-svg line,.ov-svg rect.ovpage{vector-effect:non-scaling-stroke}
    .lanebg0{fill:#fafafa}.lanebg1{fill:#f1f1f1}.rowbg0{fill:#f7f9fc}.rowbg1{fill:#eef2f7}
    .b{stroke:#fff;stroke-width:.5px;vector-effect:non-scaling-stroke}.b.xm{stroke:#d62728;stroke-width:2px}.b.xd{stroke:#555;stroke-width:1.5px;stroke-dasharray:3 2}
    .fm{stroke:#333;stroke-width:1.5px}.fm.missed{stroke:#d62728;stroke-width:2px}.fm.dropped{stroke:#7f7f7f;stroke-width:2px}
    .dl{stroke:#222;stroke-width:1px;stroke-dasharray:2 2}.dl.missed{stroke:#d62728;stroke-width:2px;stroke-dasharray:none}.dl.dropped{stroke:#7f7f7f;stroke-dasharray:none}.dl.met{stroke:#999}
    .band.missed{fill:rgba(214,39,40,.22)}.band.dropped{fill:rgba(127,127,127,.25)}
    .ovmissed{fill:#d62728}.ovdropped{fill:#7f7f7f}.ovpage{fill:transparent;stroke:#2a5db0;stroke-width:1px;cursor:pointer}.ovpage.cur{fill:rgba(42,93,176,.12);stroke-width:2px}
    .ovomitted{fill:rgba(0,0,0,.06)}
    .cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #e3e3e3;border-radius:6px;padding:6px 10px;width:370px}
    .card h3{margin:2px 0 4px;font-size:13px}.counts{margin:3px 0;font-size:12px}.cm{color:#2e7d32}.cx{color:#d62728}.cd{color:#666}
    .outcomes{display:flex;height:8px;border-radius:3px;overflow:hidden;background:#eee}.om{background:#59a14f}.ox{background:#d62728}.od{background:#9e9e9e}
    svg.chart{display:block;max-width:100%;height:auto;font-size:10px}
    .grid{stroke:#eee}.plotbox{fill:none;stroke:#bbb}.tick{fill:#555;font-size:10px}.axislabel{fill:#333;font-size:11px}
    .cdf{fill:none;stroke-width:2}.deadline{stroke:#d62728;stroke-dasharray:4 3;stroke-width:1.5}.deadline-label{fill:#d62728;font-size:10px}
    .series{fill:none;stroke-width:2}.event{stroke:#999;stroke-dasharray:3 3}.vswitch{fill:#333}
    .bars{display:flex;flex-wrap:wrap;gap:10px}.barfig{margin:0}.barfig figcaption{font-weight:600;font-size:12px}.barval{font-size:9px;fill:#333}
    .diag{stroke:#333;stroke-width:1.2}.diag20{stroke:#888;stroke-dasharray:4 3}.pt{fill-opacity:.75;stroke:#fff;stroke-width:.5}
    .calrow{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
    """

    static let script = #"""
    (function(){
    var pages=Array.prototype.slice.call(document.querySelectorAll('.tl-page'));
    var tl=document.getElementById('tl');var pos=document.getElementById('tl-pos');var zl=document.getElementById('tl-zoom');
    var cur=0,zoom=1;
    function show(i){if(!pages.length)return;cur=Math.max(0,Math.min(pages.length-1,i));
    pages.forEach(function(p,k){p.hidden=(k!==cur);});
    Array.prototype.forEach.call(document.querySelectorAll('.ovpage'),function(r){r.classList.toggle('cur',Number(r.getAttribute('data-goto'))===cur);});
    var p=pages[cur];if(pos)pos.textContent='page '+(cur+1)+' of '+pages.length+': '+p.getAttribute('data-start-ms')+'–'+p.getAttribute('data-end-ms')+' ms, '+p.getAttribute('data-frame-marks')+' frames released';
    if(tl)tl.setAttribute('data-current-page',String(cur));}
    function setZoom(z){zoom=Math.max(1,Math.min(64,z));Array.prototype.forEach.call(document.querySelectorAll('.tl-inner'),function(e){e.style.width=(zoom*100)+'%';});if(zl)zl.textContent=zoom+'×';}
    Array.prototype.forEach.call(document.querySelectorAll('[data-act]'),function(b){b.addEventListener('click',function(){
    var a=b.getAttribute('data-act');if(a==='prev')show(cur-1);else if(a==='next')show(cur+1);else if(a==='zin')setZoom(zoom*2);else if(a==='zout')setZoom(zoom/2);else setZoom(1);});});
    Array.prototype.forEach.call(document.querySelectorAll('.ovpage'),function(r){r.addEventListener('click',function(){show(Number(r.getAttribute('data-goto')));});});
    document.addEventListener('keydown',function(e){if(e.key==='ArrowLeft')show(cur-1);else if(e.key==='ArrowRight')show(cur+1);});
    var m=/page=(\d+)/.exec(location.hash||'');show(m?Number(m[1]):0);
    document.body.setAttribute('data-script-ok','1');
    })();
    """#
}
