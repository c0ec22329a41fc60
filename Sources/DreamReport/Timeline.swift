import DreamEngine
import Foundation

/// The Gantt timeline of a run: one row per accelerator core (layer blocks coloured by model),
/// one lane per model with a mark per released frame, deadlines marked, missed and dropped frames
/// highlighted. Long runs are cut into pages of equal length; pages are rendered until a size
/// budget is spent, and a downsampled overview covers the whole run.
struct Timeline {
    let run: RunFolder
    let options: HTMLReport.Options
    let modelIndex: [String: Int]
    let models: [String]

    init(run: RunFolder, options: HTMLReport.Options, models: [String]) {
        self.run = run
        self.options = options
        self.models = models
        var idx: [String: Int] = [:]
        for (i, m) in models.enumerated() { idx[m] = i }
        modelIndex = idx
    }

    struct Page {
        var index: Int
        var startMs: Double
        var endMs: Double
        var html: String
        var frameMarks: Int
    }

    /// How the run is windowed.
    struct Plan {
        var spanMs: Double
        var pageMs: Double
        var firstStartMs: Double
        var totalPages: Int
    }

    /// A run of back-to-back blocks of one frame, drawn as one bar.
    struct Span {
        var block: TraceBlock
        var last: TraceBlock
        var count: Int
    }

    /// Past this many blocks in a row of a page, back-to-back blocks of one frame are merged.
    static let mergeAbove = 400

    static func merge(_ blocks: [TraceBlock]) -> [Span] {
        var out: [Span] = []
        for b in blocks {
            if var s = out.last, s.block.frame == b.frame, s.block.model == b.model, abs(b.startMs - s.last.endMs) < 0.001 {
                s.last = b
                s.count += 1
                out[out.count - 1] = s
            } else {
                out.append(Span(block: b, last: b, count: 1))
            }
        }
        return out
    }

    var rows: [CoreRow] { run.rows ?? [] }
    var frames: [FrameRow] { run.frames ?? [] }

    func plan() -> Plan {
        var span = run.results.durationS * 1000
        for r in rows { if let last = r.blocks.map(\.endMs).max() { span = max(span, last) } }
        for f in frames { if let c = f.completionMs { span = max(span, c) } }
        span = max(span, 1)
        var page: Double
        if let p = options.pageMs, p > 0 {
            page = p
        } else {
            // Aim for a readable page: about 200 distinct blocks and 150 frame marks at most.
            var distinct = 0
            var seen = Set<[TraceBlock]>()
            for r in rows where seen.insert(r.blocks).inserted { distinct += Timeline.merge(r.blocks).count }
            let released = frames.filter { $0.releaseMs != nil }.count
            page = H.niceCeil(max(span / 40, min(span * 200 / Double(max(1, distinct)), span * 100 / Double(max(1, released)))))
            // Equal pages that end near the run's end rather than far past it.
            let n = max(1, (span / page).rounded(.up))
            let unit = pow(10, floor(log10(span / n))) / 10
            page = (span / n / unit).rounded(.up) * unit
        }
        let from = max(0, options.fromMs ?? 0)
        let first = min((from / page).rounded(.down) * page, max(0, span - page))
        let first0 = max(0, (first / page).rounded(.down) * page)
        let total = max(1, Int(((span - first0) / page).rounded(.up)))
        return Plan(spanMs: span, pageMs: page, firstStartMs: first0, totalPages: total)
    }

    /// The detailed pages, within the byte budget (at least one).
    func pages(_ plan: Plan) -> [Page] {
        var out: [Page] = []
        var used = 0
        let released = frames.filter { $0.releaseMs != nil }.sorted { $0.releaseMs! < $1.releaseMs! }
        let deadlines = frames.filter { $0.deadlineMs != nil && $0.outcome != "met" }
        for i in 0..<plan.totalPages {
            let p0 = plan.firstStartMs + Double(i) * plan.pageMs
            let p1 = p0 + plan.pageMs
            let page = render(index: i, p0: p0, p1: p1, released: released, deadlines: deadlines)
            if !out.isEmpty && used + page.html.utf8.count > options.maxTimelineBytes { break }
            used += page.html.utf8.count
            out.append(page)
        }
        return out
    }

    private func lowerBound(_ a: [FrameRow], _ t: Double) -> Int {
        var lo = 0, hi = a.count
        while lo < hi { let m = (lo + hi) / 2; if a[m].releaseMs! < t { lo = m + 1 } else { hi = m } }
        return lo
    }

    private func render(index: Int, p0: Double, p1: Double, released: [FrameRow], deadlines: [FrameRow]) -> Page {
        let laneH = 14.0, rowH = 24.0, gap = 4.0
        let lanes = models.count
        let height = Double(lanes) * laneH + gap + Double(rows.count) * rowH
        let outcomeOf: [Int: String] = Dictionary(frames.map { ($0.frame, $0.outcome) }, uniquingKeysWith: { a, _ in a })
        var svg = ""
        // Frame lanes: bands for missed/dropped frames (release to deadline), then marks.
        let inPage = released[lowerBound(released, p0)..<lowerBound(released, p1)]
        var marks = ""
        var bands = ""
        for f in inPage {
            guard let lane = modelIndex[f.model], let r = f.releaseMs else { continue }
            let y0 = Double(lane) * laneH
            let o = f.outcome == "met" || f.outcome == "missed" || f.outcome == "dropped" ? f.outcome : "other"
            if o != "met", let d = f.deadlineMs, d > r {
                bands += "<rect class=\"band \(o)\" x=\"\(H.c(r))\" y=\"\(H.c(y0 + 2))\" width=\"\(H.c(min(d, p1) - r))\" height=\"\(H.c(laneH - 4))\"/>"
            }
            let lat = f.latencyMs.map { ", latency \(H.f($0, 2)) ms" } ?? ""
            let why = f.dropReason.isEmpty ? "" : " (\(f.dropReason))"
            marks += "<line data-frame-mark=\"\(f.frame)\" class=\"fm \(o)\" x1=\"\(H.c(r))\" x2=\"\(H.c(r))\" y1=\"\(H.c(y0 + 1))\" y2=\"\(H.c(y0 + laneH - 1))\"><title>\(H.esc(f.model)) #\(f.sequence) (frame \(f.frame)) released \(H.f(r, 2)) ms, deadline \(H.f(f.deadlineMs, 2)) ms: \(H.esc(f.outcome))\(H.esc(why))\(lat)</title></line>"
        }
        var dls = ""
        for f in deadlines {
            guard let d = f.deadlineMs, d >= p0, d < p1, let lane = modelIndex[f.model] else { continue }
            let y0 = Double(lane) * laneH
            dls += "<line data-deadline-mark=\"\(f.frame)\" class=\"dl \(H.esc(f.outcome))\" x1=\"\(H.c(d))\" x2=\"\(H.c(d))\" y1=\"\(H.c(y0))\" y2=\"\(H.c(y0 + laneH))\"/>"
        }
        // Met frames' deadlines: thin ticks so every deadline in the page is visible.
        for f in released where f.outcome == "met" {
            guard let d = f.deadlineMs, d >= p0, d < p1, let lane = modelIndex[f.model] else { continue }
            let y0 = Double(lane) * laneH
            dls += "<line data-deadline-mark=\"\(f.frame)\" class=\"dl met\" x1=\"\(H.c(d))\" x2=\"\(H.c(d))\" y1=\"\(H.c(y0 + laneH / 2))\" y2=\"\(H.c(y0 + laneH))\"/>"
        }
        for l in 0..<lanes {
            svg += "<rect class=\"lanebg\(l % 2)\" x=\"\(H.c(p0))\" y=\"\(H.c(Double(l) * laneH))\" width=\"\(H.c(p1 - p0))\" height=\"\(H.c(laneH))\"/>"
        }
        svg += bands + dls + marks
        // Core rows: identical rows (an accelerator's cores run its blocks together) share one group.
        var defs = ""
        var blocksInPage = 0, blocksDrawn = 0
        var groupOf: [[TraceBlock]: String] = [:]
        var rowsSVG = ""
        for (ri, row) in rows.enumerated() {
            let y = Double(lanes) * laneH + gap + Double(ri) * rowH
            let visible = row.blocks.filter { $0.endMs > p0 && $0.startMs < p1 }
            let id: String
            if let g = groupOf[visible] {
                id = g
            } else {
                id = "p\(index)g\(groupOf.count)"
                groupOf[visible] = id
                var g = "<g id=\"\(id)\">"
                let drawn = visible.count > Timeline.mergeAbove ? Timeline.merge(visible) : visible.map { Span(block: $0, last: $0, count: 1) }
                blocksInPage += visible.count
                blocksDrawn += drawn.count
                for d in drawn {
                    let b = d.block
                    let x0 = max(b.startMs, p0), x1 = min(d.last.endMs, p1)
                    let m = modelIndex[b.model] ?? 0
                    let o = outcomeOf[b.frame] ?? "met"
                    let cls = o == "met" ? "b m\(m)" : "b m\(m) x\(o == "missed" ? "m" : "d")"
                    let layers = d.count == 1 ? b.layers : "\(b.layers.split(separator: ".").first ?? "")..<\(d.last.layers.components(separatedBy: "<").last ?? "") in \(d.count) blocks"
                    g += "<rect class=\"\(cls)\" x=\"\(H.c(x0))\" y=\"3\" width=\"\(H.c(max(x1 - x0, 0)))\" height=\"\(H.c(rowH - 6))\"><title>\(H.esc(b.model)) #\(b.frame) L\(H.esc(layers)) \(H.esc(b.variant)) \(H.f(b.startMs, 3))–\(H.f(d.last.endMs, 3)) ms\(o == "met" ? "" : " " + o)</title></rect>"
                }
                g += "</g>"
                defs += g
            }
            rowsSVG += "<g data-core-row=\"\(row.accelerator):\(row.core)\" transform=\"translate(0 \(H.c(y)))\"><rect class=\"rowbg\(ri % 2)\" x=\"\(H.c(p0))\" y=\"0\" width=\"\(H.c(p1 - p0))\" height=\"\(H.c(rowH))\"/><use href=\"#\(id)\"/></g>"
        }
        svg = "<defs>\(defs)</defs>" + svg + rowsSVG
        // Labels (HTML, so they do not stretch with zoom) and the time axis.
        var labels = ""
        for m in models { labels += "<div class=\"lab lane\" style=\"height:\(H.c(laneH))px\">\(H.esc(m))</div>" }
        labels += "<div style=\"height:\(H.c(gap))px\"></div>"
        for r in rows {
            labels += "<div class=\"lab core\" style=\"height:\(H.c(rowH))px\">\(H.esc(r.acceleratorName)) · core \(r.core)</div>"
        }
        var axis = ""
        for t in H.ticks(p0, p1, count: 10) where t < p1 {
            axis += "<span style=\"left:\(H.c((t - p0) / (p1 - p0) * 100))%\">\(H.esc(H.msLabel(t, span: p1)))</span>"
        }
        let merged = blocksDrawn < blocksInPage
            ? "<div class=\"note\" data-merged-blocks=\"\(blocksInPage)\">Blocks in this page: \(blocksInPage) (counting shared rows once), drawn as \(blocksDrawn) bars: runs of back-to-back blocks of one frame on one accelerator are merged into one bar (its tooltip gives the layers and block count) to keep the file small; use a shorter <code>--page-ms</code> to draw fewer blocks per page.</div>"
            : ""
        let html = """
        <div class="tl-page" data-page="\(index)" data-start-ms="\(H.c(p0))" data-end-ms="\(H.c(p1))" data-frame-marks="\(inPage.count)"\(index == 0 ? "" : " hidden")>\(merged)\
        <div class="tl-grid"><div class="tl-labels"><div class="axis-spacer"></div>\(labels)</div>\
        <div class="tl-scroll"><div class="tl-inner"><div class="tl-axis">\(axis)</div>\
        <svg class="tl-svg" viewBox="\(H.c(p0)) 0 \(H.c(p1 - p0)) \(H.c(height))" preserveAspectRatio="none" height="\(H.c(height))">\(svg)</svg>\
        </div></div></div></div>
        """
        return Page(index: index, startMs: p0, endMs: p1, html: html, frameMarks: inPage.count)
    }

    /// The whole run, downsampled into bins: per core the dominant model's colour with opacity
    /// for how busy the core was, and lanes of missed and dropped deadlines.
    func overview(_ plan: Plan, pages: [Page]) -> String {
        let bins = 600
        let span = plan.spanMs
        let w = span / Double(bins)
        let rowH = 13.0
        var svg = ""
        var y = 0.0
        for row in rows {
            var busy = [[Double]](repeating: [Double](repeating: 0, count: models.count), count: bins)
            for b in row.blocks {
                let m = modelIndex[b.model] ?? 0
                var t = b.startMs
                while t < b.endMs {
                    let bin = min(bins - 1, max(0, Int(t / w)))
                    let edge = min(b.endMs, Double(bin + 1) * w)
                    busy[bin][m] += max(0, edge - t)
                    if edge <= t { break }
                    t = edge
                }
            }
            var runStart = 0
            var current: (Int, Int) = (-1, 0)
            func flush(_ end: Int) {
                if current.0 >= 0 && current.1 > 0 {
                    svg += "<rect class=\"m\(current.0)\" x=\"\(H.c(Double(runStart) * w))\" y=\"\(H.c(y))\" width=\"\(H.c(Double(end - runStart) * w))\" height=\"\(H.c(rowH - 1))\" fill-opacity=\"\(H.c(Double(current.1) / 4))\"/>"
                }
            }
            for i in 0..<bins {
                let total = busy[i].reduce(0, +)
                var key = (-1, 0)
                if total > 0, let m = busy[i].indices.max(by: { busy[i][$0] < busy[i][$1] }) {
                    key = (m, max(1, min(4, Int((total / w * 4).rounded()))))
                }
                if key != current { flush(i); runStart = i; current = key }
            }
            flush(bins)
            y += rowH
        }
        // Deadline lanes: missed (red) and dropped (grey) per bin.
        for (k, outcome) in ["missed", "dropped"].enumerated() {
            var hit = [Int](repeating: 0, count: bins)
            for f in frames where f.outcome == outcome {
                guard let d = f.deadlineMs ?? f.releaseMs else { continue }
                hit[min(bins - 1, max(0, Int(d / w)))] += 1
            }
            for (i, n) in hit.enumerated() where n > 0 {
                svg += "<rect class=\"ov\(outcome)\" x=\"\(H.c(Double(i) * w))\" y=\"\(H.c(y + 1 + Double(k) * 6))\" width=\"\(H.c(w))\" height=\"5\"><title>\(n) \(outcome) around \(H.f(Double(i) * w, 0)) ms</title></rect>"
            }
        }
        let height = y + 14
        for p in pages {
            svg += "<rect class=\"ovpage\" data-goto=\"\(p.index)\" x=\"\(H.c(p.startMs))\" y=\"0\" width=\"\(H.c(p.endMs - p.startMs))\" height=\"\(H.c(height))\"><title>page \(p.index + 1): \(H.f(p.startMs, 0))–\(H.f(p.endMs, 0)) ms</title></rect>"
        }
        if let last = pages.last, last.endMs < span {
            svg += "<rect class=\"ovomitted\" x=\"\(H.c(last.endMs))\" y=\"0\" width=\"\(H.c(span - last.endMs))\" height=\"\(H.c(height))\"/>"
        }
        if let first = pages.first, first.startMs > 0 {
            svg += "<rect class=\"ovomitted\" x=\"0\" y=\"0\" width=\"\(H.c(first.startMs))\" height=\"\(H.c(height))\"/>"
        }
        var labels = rows.map { "<div class=\"lab core\" style=\"height:\(H.c(rowH))px\">\(H.esc($0.acceleratorName)) · \($0.core)</div>" }.joined()
        labels += "<div class=\"lab lane\" style=\"height:14px;font-size:9px\">missed / dropped</div>"
        var axis = ""
        for t in H.ticks(0, span, count: 10) where t <= span {
            axis += "<span style=\"left:\(H.c(t / span * 100))%\">\(H.esc(H.msLabel(t, span: span)))</span>"
        }
        return """
        <div class="tl-grid overview" data-overview-bins="\(bins)"><div class="tl-labels"><div class="axis-spacer"></div>\(labels)</div>\
        <div class="tl-scroll"><div class="tl-inner-fixed"><div class="tl-axis">\(axis)</div>\
        <svg class="ov-svg" viewBox="0 0 \(H.c(span)) \(H.c(height))" preserveAspectRatio="none" height="\(H.c(height))">\(svg)</svg>\
        </div></div></div>
        """
    }
}
