import DreamEngine
import Foundation

/// The per-model, tuning, comparison and calibration charts (static SVG with text).
enum Charts {
    /// Latency CDF over all generated frames of a model: dropped frames never complete, so the
    /// curve tops out at the completed fraction. The deadline is drawn as a vertical line.
    static func latencyCDF(model: String, color: String, frames: [FrameRow], generated: Int) -> String {
        let lat = frames.compactMap(\.latencyMs).filter { $0.isFinite }.sorted()
        let rel = frames.compactMap { f -> Double? in
            guard let d = f.deadlineMs, let r = f.scheduledReleaseMs ?? f.releaseMs, f.releaseMs != nil else { return nil }
            return d - r
        }.sorted()
        let deadline = rel.isEmpty ? nil : rel[rel.count / 2]
        let n = max(generated, frames.count, 1)
        let xMax = H.axisCeil(max(lat.last ?? 1, deadline ?? 1) * 1.05)
        var c = ChartFrame(width: 360, height: 210, xMin: 0, xMax: xMax, yMin: 0, yMax: 1)
        c.left = 44
        var s = c.open("data-cdf=\"\(H.esc(model))\" role=\"img\"")
        s += c.axes(xLabel: "latency (ms)", yLabel: "fraction of frames", yFormat: { H.c($0) })
        if lat.isEmpty {
            s += "<text class=\"axislabel\" x=\"\(H.c(c.left + c.plotW / 2))\" y=\"\(H.c(c.top + c.plotH / 2))\" text-anchor=\"middle\">no frame completed</text>"
        } else {
            // Downsample to at most ~300 steps.
            let stride = max(1, lat.count / 300)
            var path = "M\(H.c(c.x(0))),\(H.c(c.y(0)))"
            var i = 0
            while i < lat.count {
                let j = min(lat.count - 1, i + stride - 1)
                path += "H\(H.c(c.x(lat[j])))V\(H.c(c.y(Double(j + 1) / Double(n))))"
                i = j + 1
            }
            path += "H\(H.c(c.x(xMax)))"
            s += "<path class=\"cdf\" d=\"\(path)\" stroke=\"\(color)\"/>"
        }
        if let d = deadline {
            let x = H.c(c.x(d))
            let varies = rel.first! < d * 0.999 || rel.last! > d * 1.001
            s += "<line class=\"deadline\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(H.c(c.top))\" y2=\"\(H.c(c.top + c.plotH))\"/>"
            let anchor = c.x(d) < c.left + c.plotW / 2 ? "start\" dx=\"3" : "end\" dx=\"-3"
            s += "<text class=\"deadline-label\" x=\"\(x)\" y=\"\(H.c(c.top + 10))\" text-anchor=\"\(anchor)\">deadline \(H.f(d, 1)) ms\(varies ? " (median)" : "")</text>"
        }
        return s + "</svg>"
    }

    /// Variant lanes: per model with more than one variant in frames.csv, the variant of each
    /// released frame over time, a mark at each change.
    static func variants(frames: [FrameRow], models: [String], spanMs: Double) -> (svg: String, switches: [String: Int])? {
        var perModel: [String: [FrameRow]] = [:]
        for f in frames where f.releaseMs != nil { perModel[f.model, default: []].append(f) }
        let shown = models.filter { m in Set((perModel[m] ?? []).map(\.variant)).count > 1 }
        guard !shown.isEmpty else { return nil }
        let laneH = 26.0
        var c = ChartFrame(width: 940, height: 40 + Double(shown.count) * laneH + 30, xMin: 0, xMax: spanMs, yMin: 0, yMax: 1)
        c.left = 170
        var s = c.open("data-variant-chart role=\"img\"")
        s += c.axes(xLabel: "time (ms)", yLabel: "", xFormat: { H.c($0) }, yFormat: { _ in "" })
        var legend: [String] = []
        var switches: [String: Int] = [:]
        for (li, m) in shown.enumerated() {
            let fs = perModel[m]!.sorted { $0.releaseMs! < $1.releaseMs! }
            var order: [String] = []
            for f in fs where !order.contains(f.variant) { order.append(f.variant) }
            let y = c.top + 4 + Double(li) * laneH
            s += "<text class=\"tick\" x=\"\(H.c(c.left - 6))\" y=\"\(H.c(y + laneH / 2 - 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(H.esc(m))</text>"
            var count = 0
            // One bar per run of frames with the same variant.
            var runStart = 0
            for i in 0..<fs.count where i + 1 == fs.count || fs[i + 1].variant != fs[i].variant {
                let f = fs[runStart]
                let x0 = f.releaseMs!
                let x1 = i + 1 < fs.count ? fs[i + 1].releaseMs! : min(spanMs, fs[i].releaseMs! + (i > 0 ? fs[i].releaseMs! - fs[i - 1].releaseMs! : 1))
                let vi = order.firstIndex(of: f.variant) ?? 0
                s += "<rect x=\"\(H.c(c.x(x0)))\" y=\"\(H.c(y))\" width=\"\(H.c(max(0.5, c.x(x1) - c.x(x0))))\" height=\"\(H.c(laneH - 8))\" fill=\"\(H.color(vi + 5))\"><title>\(H.esc(m)) #\(f.sequence)–#\(fs[i].sequence) (\(i - runStart + 1) frames): \(H.esc(f.variant))</title></rect>"
                runStart = i + 1
            }
            for (i, f) in fs.enumerated() {
                let x0 = f.releaseMs!
                if i > 0 && fs[i - 1].variant != f.variant {
                    count += 1
                    let x = H.c(c.x(x0))
                    s += "<path data-variant-switch class=\"vswitch\" d=\"M\(x),\(H.c(y - 3))l-3,-4h6z\"><title>\(H.f(x0, 1)) ms: \(H.esc(fs[i - 1].variant)) → \(H.esc(f.variant))</title></path>"
                }
            }
            switches[m] = count
            legend.append("<b>\(H.esc(m))</b>: " + order.enumerated().map { "<span class=\"sw\" style=\"background:\(H.color($0.offset + 5))\"></span>\(H.esc($0.element))" }.joined(separator: " "))
        }
        s += "</svg>"
        return (s + "<div class=\"legend\">" + legend.joined(separator: "<br>") + "</div>", switches)
    }

    /// DREAM's weight-tuning trajectory: the three weights (and the window UXCost) per step.
    static func tuning(_ steps: [TuningStep], spanMs: Double) -> String {
        let xMax = max(spanMs, steps.map(\.timeMs).max() ?? 1)
        let wMax = H.axisCeil(max(steps.map { max($0.urgencyWeight, $0.fairnessWeight, $0.preferenceWeight) }.max() ?? 1, 1e-9) * 1.05)
        var c = ChartFrame(width: 940, height: 240, xMin: 0, xMax: xMax, yMin: 0, yMax: wMax)
        c.left = 60
        var s = c.open("data-tuning-chart=\"weights\" role=\"img\"")
        s += c.axes(xLabel: "time (ms)", yLabel: "weight", xFormat: { H.c($0) })
        let series: [(String, KeyPath<TuningStep, Double>, String)] = [
            ("urgency", \.urgencyWeight, H.color(9)), ("fairness", \.fairnessWeight, H.color(0)), ("preference", \.preferenceWeight, H.color(2))]
        let sorted = steps.sorted { $0.timeMs < $1.timeMs }
        for (name, kp, color) in series {
            let pts = sorted.map { "\(H.c(c.x($0.timeMs))),\(H.c(c.y($0[keyPath: kp])))" }.joined(separator: " ")
            s += "<polyline class=\"series\" data-series=\"\(name)\" points=\"\(pts)\" stroke=\"\(color)\"/>"
            if sorted.count <= 400 {
                for st in sorted {
                    s += "<circle cx=\"\(H.c(c.x(st.timeMs)))\" cy=\"\(H.c(c.y(st[keyPath: kp])))\" r=\"2\" fill=\"\(color)\"><title>step \(st.step) at \(H.f(st.timeMs, 1)) ms: \(name) \(H.g(st[keyPath: kp], 4))</title></circle>"
                }
            }
        }
        for st in sorted where !st.event.isEmpty {
            let x = H.c(c.x(st.timeMs))
            s += "<line data-tuning-event class=\"event\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(H.c(c.top))\" y2=\"\(H.c(c.top + c.plotH))\"><title>step \(st.step) at \(H.f(st.timeMs, 1)) ms: \(H.esc(st.event))</title></line>"
        }
        s += "</svg>"
        s += "<div class=\"legend\">" + series.map { "<span class=\"sw\" style=\"background:\($0.2)\"></span>\($0.0) weight" }.joined(separator: " ") + " <span class=\"sw ev\"></span>event</div>"
        let ux = sorted.compactMap { st in st.windowUXCost.map { (st.timeMs, $0) } }.filter { $0.1.isFinite }
        if !ux.isEmpty {
            let uMax = H.axisCeil(max(ux.map(\.1).max()!, 1e-12) * 1.05)
            var u = ChartFrame(width: 940, height: 180, xMin: 0, xMax: xMax, yMin: 0, yMax: uMax)
            u.left = 60
            s += u.open("data-tuning-chart=\"uxcost\" role=\"img\"")
            s += u.axes(xLabel: "time (ms)", yLabel: "window UXCost", xFormat: { H.c($0) })
            s += "<polyline class=\"series\" points=\"\(ux.map { "\(H.c(u.x($0.0))),\(H.c(u.y($0.1)))" }.joined(separator: " "))\" stroke=\"#333\"/>"
            s += "</svg>"
        }
        return s
    }

    /// A grouped bar chart: groups = scenarios, one bar per scheduler; DREAM drawn first and bold.
    static func bars(title: String, metric: String, groups: [String], schedulers: [String], color: (String) -> String,
                     value: (String, String) -> Double?,
                     format: (Double) -> String) -> String {
        let vals = groups.flatMap { g in schedulers.compactMap { value(g, $0) } }.filter { $0.isFinite }
        let yMax = H.axisCeil(max(vals.max() ?? 1, 1e-12) * 1.1)
        let groupW = max(90.0, Double(schedulers.count) * 34 + 20)
        var c = ChartFrame(width: max(300, 70 + Double(groups.count) * groupW + 14), height: 250, xMin: 0, xMax: 1, yMin: 0, yMax: yMax)
        c.left = 62
        c.bottom = 46
        var s = "<figure class=\"barfig\"><figcaption>\(H.esc(title))</figcaption>" + c.open("data-bar-chart=\"\(H.esc(metric))\" role=\"img\"")
        s += c.axes(xLabel: "", yLabel: title, xFormat: { _ in "" }, yFormat: format)
        let barW = (groupW - 20) / Double(max(1, schedulers.count))
        for (gi, g) in groups.enumerated() {
            let gx = c.left + 10 + Double(gi) * groupW
            for (si, name) in schedulers.enumerated() {
                guard let v = value(g, name), v.isFinite else { continue }
                let x = gx + Double(si) * barW
                let y = c.y(v)
                let fill = color(name)
                s += "<rect data-bar=\"\(H.esc(g))/\(H.esc(name))\" x=\"\(H.c(x + 2))\" y=\"\(H.c(y))\" width=\"\(H.c(max(1, barW - 4)))\" height=\"\(H.c(max(0, c.y(0) - y)))\" fill=\"\(fill)\"><title>\(H.esc(g)) / \(H.esc(name)): \(H.esc(metric)) \(H.g(v, 5))</title></rect>"
                let label = format(v)
                if Double(label.count) * 5.2 <= barW + 2 {
                    s += "<text class=\"barval\" x=\"\(H.c(x + barW / 2))\" y=\"\(H.c(y - 3))\" text-anchor=\"middle\">\(H.esc(label))</text>"
                }
            }
            s += "<text class=\"tick\" x=\"\(H.c(gx + (groupW - 20) / 2))\" y=\"\(H.c(c.top + c.plotH + 14))\" text-anchor=\"middle\">\(H.esc(g))</text>"
        }
        return s + "</svg></figure>"
    }

    /// A metric against offered load: one line per scheduler, the mean over seeds with its
    /// 95% interval as an error bar.
    static func againstLoad(title: String, metric: String, series: [(name: String, color: String, points: [(load: Double, mean: Double, ci: [Double]?)])],
                            format: (Double) -> String) -> String {
        let all = series.flatMap(\.points)
        let loads = all.map(\.load)
        let highs = all.map { $0.ci?[1] ?? $0.mean }.filter(\.isFinite)
        let lows = all.map { $0.ci?[0] ?? $0.mean }.filter(\.isFinite)
        let xMin = (loads.min() ?? 0) - 0.05, xMax = (loads.max() ?? 1) + 0.05
        let yMin = min(0, lows.min() ?? 0)
        let yMax = H.axisCeil(max(highs.max() ?? 1, 1e-12) * 1.1)
        var c = ChartFrame(width: 360, height: 240, xMin: xMin, xMax: xMax, yMin: yMin, yMax: yMax)
        c.left = 62
        var s = "<figure class=\"loadfig\"><figcaption>\(H.esc(title))</figcaption>" + c.open("data-load-chart=\"\(H.esc(metric))\" role=\"img\"")
        s += c.axes(xLabel: "offered load", yLabel: metric, xFormat: { H.f($0, 2) }, yFormat: format)
        for line in series {
            let pts = line.points.sorted { $0.load < $1.load }.filter { $0.mean.isFinite }
            let width = line.name == "dream" ? 2.5 : 1.2
            if pts.count > 1 {
                s += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"\(width)\" points=\"" +
                    pts.map { "\(H.c(c.x($0.load))),\(H.c(c.y($0.mean)))" }.joined(separator: " ") + "\"/>"
            }
            for p in pts {
                let x = c.x(p.load)
                if let ci = p.ci, ci[0].isFinite, ci[1].isFinite {
                    let lo = min(max(ci[0], yMin), yMax), hi = min(max(ci[1], yMin), yMax)
                    s += "<line data-ci=\"\(H.esc(line.name))@\(H.f(p.load, 2))\" x1=\"\(H.c(x))\" x2=\"\(H.c(x))\" y1=\"\(H.c(c.y(lo)))\" y2=\"\(H.c(c.y(hi)))\" stroke=\"\(line.color)\"/>"
                }
                s += "<circle cx=\"\(H.c(x))\" cy=\"\(H.c(c.y(p.mean)))\" r=\"2.5\" fill=\"\(line.color)\"><title>\(H.esc(line.name)) at load \(H.f(p.load, 2)): \(H.g(p.mean, 4))\(p.ci.map { " [\(H.g($0[0], 4)), \(H.g($0[1], 4))]" } ?? "")</title></circle>"
            }
        }
        return s + "</svg></figure>"
    }

    /// Predicted against measured latency per (layer, accelerator), log-log, with y = x and ±20 %.
    static func calibrationScatter(_ cal: CalibrationData) -> String {
        let ms = cal.points.flatMap { [$0.measuredNs / 1e6, $0.predictedNs / 1e6] }.filter { $0 > 0 && $0.isFinite }
        let lo = pow(10, floor(log10(ms.min() ?? 0.001)))
        let hi = pow(10, ceil(log10(ms.max() ?? 1)))
        var c = ChartFrame(width: 520, height: 470, xMin: lo, xMax: hi, yMin: lo, yMax: hi, xLog: true, yLog: true)
        c.left = 64
        var s = c.open("data-calibration-scatter role=\"img\"")
        s += c.axes(xLabel: "measured median latency (ms)", yLabel: "predicted latency (ms)", xFormat: { H.g($0, 3) }, yFormat: { H.g($0, 3) })
        s += "<line class=\"diag\" x1=\"\(H.c(c.x(lo)))\" y1=\"\(H.c(c.y(lo)))\" x2=\"\(H.c(c.x(hi)))\" y2=\"\(H.c(c.y(hi)))\"/>"
        for k in [1.2, 1 / 1.2] {
            s += "<line class=\"diag20\" x1=\"\(H.c(c.x(lo)))\" y1=\"\(H.c(c.y(lo * k)))\" x2=\"\(H.c(c.x(hi)))\" y2=\"\(H.c(c.y(hi * k)))\"/>"
        }
        for p in cal.points where p.measuredNs > 0 && p.predictedNs > 0 {
            let err = (p.predictedNs - p.measuredNs) / p.measuredNs * 100
            s += "<circle data-cal-point class=\"pt\" cx=\"\(H.c(c.x(p.measuredNs / 1e6)))\" cy=\"\(H.c(c.y(p.predictedNs / 1e6)))\" r=\"3\" fill=\"\(H.color(p.accelerator))\"><title>\(H.esc(p.layer)) (\(p.opClass)) on \(H.esc(cal.accelerators[p.accelerator])): measured \(H.g(p.measuredNs / 1e6, 4)) ms, predicted \(H.g(p.predictedNs / 1e6, 4)) ms (\(H.f(err, 1))%)</title></circle>"
        }
        s += "</svg>"
        s += "<div class=\"legend\">" + cal.accelerators.enumerated().map { "<span class=\"sw\" style=\"background:\(H.color($0.offset))\"></span>\(H.esc($0.element))" }.joined(separator: " ")
            + " <span class=\"sw diagsw\"></span>predicted = measured (dashed: ±20%)</div>"
        return s
    }
}
