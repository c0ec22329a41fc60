import Foundation

/// Escaping, number formatting, colours and axes shared by every chart.
enum H {
    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A number with `digits` decimals ("-" for nil or non-finite).
    static func f(_ v: Double?, _ digits: Int = 2) -> String {
        guard let v, v.isFinite else { return "-" }
        return String(format: "%.\(digits)f", v)
    }

    /// Significant digits, as the terminal summary prints UXCost and energy (%.4g).
    static func g(_ v: Double?, _ digits: Int = 4) -> String {
        guard let v, v.isFinite else { return "-" }
        return String(format: "%.\(digits)g", v)
    }

    static func pct(_ v: Double?, _ digits: Int = 1) -> String {
        guard let v, v.isFinite else { return "-" }
        return String(format: "%.\(digits)f%%", v * 100)
    }

    /// Compact coordinates: at most 3 decimals, no trailing zeros.
    static func c(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// Tableau-like palette: distinct for the first ten models.
    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac", "#a0cbe8",
                          "#1f77b4", "#2ca02c", "#8c564b", "#17becf", "#bcbd22"]
    static func color(_ i: Int) -> String { palette[((i % palette.count) + palette.count) % palette.count] }

    static let missed = "#d62728"
    static let dropped = "#7f7f7f"

    /// "Nice" tick positions covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo, hi.isFinite, lo.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(max(1, count))
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t = (lo / step).rounded(.up) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(t); t += step }
        return out
    }

    /// The smallest 1-2-5 number >= v.
    static func niceCeil(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        let mag = pow(10, floor(log10(v)))
        return [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= v * (1 - 1e-12) } ?? 10 * mag
    }

    /// An axis maximum >= v from 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k.
    static func axisCeil(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        let mag = pow(10, floor(log10(v)))
        return [1.0, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map { $0 * mag }.first { $0 >= v * (1 - 1e-12) } ?? 10 * mag
    }

    /// A tick label: milliseconds below 10 s, else seconds.
    static func msLabel(_ ms: Double, span: Double) -> String {
        if span >= 10_000 { return H.c(ms / 1000) + " s" }
        return H.c(ms) + " ms"
    }

    /// Log-axis ticks (powers of ten) covering [lo, hi] (both > 0).
    static func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi > lo else { return [max(lo, 1e-12)] }
        var out: [Double] = []
        var p = pow(10, floor(log10(lo)))
        while p <= hi * 1.0001 { if p >= lo * 0.9999 { out.append(p) }; p *= 10 }
        return out
    }
}

/// A plain (text-friendly) SVG chart frame: plot area inside margins, linear or log axes.
struct ChartFrame {
    var width: Double = 460
    var height: Double = 260
    var left: Double = 56
    var right: Double = 14
    var top: Double = 14
    var bottom: Double = 40
    var xMin: Double
    var xMax: Double
    var yMin: Double
    var yMax: Double
    var xLog = false
    var yLog = false

    var plotW: Double { width - left - right }
    var plotH: Double { height - top - bottom }

    func x(_ v: Double) -> Double {
        if xLog { return left + (log10(max(v, 1e-300)) - log10(xMin)) / (log10(xMax) - log10(xMin)) * plotW }
        return left + (v - xMin) / (xMax - xMin == 0 ? 1 : xMax - xMin) * plotW
    }

    func y(_ v: Double) -> Double {
        if yLog { return top + plotH - (log10(max(v, 1e-300)) - log10(yMin)) / (log10(yMax) - log10(yMin)) * plotH }
        return top + plotH - (v - yMin) / (yMax - yMin == 0 ? 1 : yMax - yMin) * plotH
    }

    /// Axes, grid lines and tick labels.
    func axes(xLabel: String, yLabel: String, xFormat: (Double) -> String = { H.g($0, 3) }, yFormat: (Double) -> String = { H.g($0, 3) }) -> String {
        var s = ""
        let xt = xLog ? H.logTicks(xMin, xMax) : H.ticks(xMin, xMax)
        let yt = yLog ? H.logTicks(yMin, yMax) : H.ticks(yMin, yMax, count: 5)
        for t in yt {
            let yy = H.c(y(t))
            s += "<line class=\"grid\" x1=\"\(H.c(left))\" x2=\"\(H.c(left + plotW))\" y1=\"\(yy)\" y2=\"\(yy)\"/>"
            s += "<text class=\"tick\" x=\"\(H.c(left - 4))\" y=\"\(yy)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(H.esc(yFormat(t)))</text>"
        }
        for t in xt {
            let xx = H.c(x(t))
            s += "<line class=\"grid\" x1=\"\(xx)\" x2=\"\(xx)\" y1=\"\(H.c(top))\" y2=\"\(H.c(top + plotH))\"/>"
            s += "<text class=\"tick\" x=\"\(xx)\" y=\"\(H.c(top + plotH + 14))\" text-anchor=\"middle\">\(H.esc(xFormat(t)))</text>"
        }
        s += "<rect class=\"plotbox\" x=\"\(H.c(left))\" y=\"\(H.c(top))\" width=\"\(H.c(plotW))\" height=\"\(H.c(plotH))\"/>"
        s += "<text class=\"axislabel\" x=\"\(H.c(left + plotW / 2))\" y=\"\(H.c(height - 6))\" text-anchor=\"middle\">\(H.esc(xLabel))</text>"
        s += "<text class=\"axislabel\" transform=\"translate(12 \(H.c(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(H.esc(yLabel))</text>"
        return s
    }

    func open(_ attrs: String = "") -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(H.c(width)) \(H.c(height))\" width=\"\(H.c(width))\" height=\"\(H.c(height))\" \(attrs)>"
    }
}
