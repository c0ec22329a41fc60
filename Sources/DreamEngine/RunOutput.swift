import DreamCore
import Foundation

/// Everything a run reports: what ran (metadata) and what happened (summary), as written to
/// results.json and printed as tables. Documented in docs/results.md.
public struct RunReport: Sendable, Codable, Equatable {
    public var mode: String
    public var scenario: String
    public var topology: String
    public var scheduler: String
    public var seed: UInt64
    public var timeScale: Double
    public var workScale: Double
    public var durationS: Double
    public var partial: Bool
    public var accelerators: [String]
    public var summary: RunSummary
    public var releaseLatenessUsP50: Double?
    public var releaseLatenessUsP99: Double?
    public var dispatchSpinUsP99: Double?
    public var raplJ: Double?
    /// Live runs: resident memory after warm-up and at the end (MB), and the growth between.
    public var residentMBWarm: Double?
    public var residentMBEnd: Double?
    public var residentGrowth: Double?
    /// Work scale per model (stream) name: 1 where unscaled.
    public var workScalePerModel: [String: Double] = [:]
    /// The work fit (default runs): target and reached load, each model's alone latency.
    public var fit: WorkFit?
    /// Models that cannot meet their deadline alone on the fastest accelerator (run anyway
    /// with --allow-infeasible).
    public var infeasibleModels: [String] = []
    /// Live runs: what disturbed the run, with a verdict (Interference.swift).
    public var interference: InterferenceReport?

    public init(mode: String, scenario: String, topology: String, scheduler: String, seed: UInt64, timeScale: Double,
                workScale: Double, durationS: Double, partial: Bool, accelerators: [String], summary: RunSummary,
                releaseLatenessUsP50: Double? = nil, releaseLatenessUsP99: Double? = nil, raplJ: Double? = nil) {
        self.mode = mode
        self.scenario = scenario
        self.topology = topology
        self.scheduler = scheduler
        self.seed = seed
        self.timeScale = timeScale
        self.workScale = workScale
        self.durationS = durationS
        self.partial = partial
        self.accelerators = accelerators
        self.summary = summary
        self.releaseLatenessUsP50 = releaseLatenessUsP50
        self.releaseLatenessUsP99 = releaseLatenessUsP99
        self.raplJ = raplJ
    }

    /// The human summary: a table per model and the totals.
    public func table() -> String {
        func f(_ v: Double?, _ digits: Int = 2) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "-" }
        var lines: [String] = []
        lines.append("\(mode) run: scenario \(scenario), topology \(topology), scheduler \(scheduler), seed \(seed), \(f(durationS, 1)) s, time scale \(f(timeScale, 3)), work scale \(f(workScale, 3))\(partial ? " (PARTIAL: interrupted)" : "")")
        let header = ["model", "work", "alone ms", "frames", "met", "missed", "dropped", "p50 ms", "p99 ms", "energy J", "score"]
        var rows = [header]
        for s in summary.streams {
            let alone = fit?.streams.first { $0.name == s.name }?.aloneMs
            rows.append([s.name, String(format: "%.3g", workScalePerModel[s.name] ?? workScale), f(alone), "\(s.framesGenerated)", "\(s.met)", "\(s.missed)", "\(s.dropped)",
                         f(s.latencyP50Ms), f(s.latencyP99Ms), f(s.energyJ, 3), f(s.xrbenchScore, 1)])
        }
        rows.append(["total", "", "", "\(summary.framesGenerated)", "\(summary.met)", "\(summary.missed)", "\(summary.dropped)", f(summary.latencyP50Ms), f(summary.latencyP99Ms), f(summary.energyJ, 3), f(summary.xrbenchScore, 1)])
        lines.append(TextTable.render(rows))
        lines.append("E \(String(format: "%.4g", summary.energyPerFrameJ)) J/frame (\(summary.energySource)), V \(f(summary.violationRate, 4)), UXCost \(String(format: "%.4g", summary.uxcost)), UXCost-met \(summary.uxcostMet.map { String(format: "%.4g", $0) } ?? "inf (no frame met)"), XRBench score \(f(summary.xrbenchScore, 2))")
        if let fit {
            let worst = fit.streams.map { $0.aloneMs / max($0.deadlineMs, 1e-9) }.max() ?? 0
            lines.append(String(format: "fit: time scale 1, work fitted per model to offered load %.2f (target %.2f); largest alone latency / deadline %.0f%% (goal <= %.0f%%)%@",
                                fit.load, fit.targetLoad, worst * 100, WorkFit.aloneMargin * 100,
                                infeasibleModels.isEmpty ? "; every model feasible" : "; INFEASIBLE: " + infeasibleModels.joined(separator: ", ")))
        } else if !infeasibleModels.isEmpty {
            lines.append("INFEASIBLE alone (run with --allow-infeasible): " + infeasibleModels.joined(separator: ", "))
        }
        lines.append("decision us p50/p99 \(f(summary.decisionUsP50))/\(f(summary.decisionUsP99)), dispatch us p50/p99 \(f(summary.dispatchUsP50))/\(f(summary.dispatchUsP99))" + (releaseLatenessUsP50 != nil ? ", release lateness us p50/p99 \(f(releaseLatenessUsP50))/\(f(releaseLatenessUsP99))" : ""))
        lines.append("accelerators: " + accelerators.enumerated().map { "\($1) \(Int((summary.acceleratorBusyFraction[$0] * 100).rounded()))% busy \(f(summary.acceleratorEnergyJ[$0], 3)) J" }.joined(separator: ", "))
        if !summary.dropReasons.isEmpty { lines.append("drops: " + summary.dropReasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        if let w = residentMBWarm, let e = residentMBEnd {
            lines.append(String(format: "resident memory: %.1f MB after warm-up, %.1f MB at the end (growth %.1f%%)", w, e, (residentGrowth ?? 0) * 100))
        }
        if let r = raplJ { lines.append(String(format: "RAPL (hardware counter, whole package): %.3f J", r)) }
        if let i = interference { lines.append(i.summaryLine) }
        return lines.joined(separator: "\n")
    }
}

/// Plain-text tables: the first column left-aligned, the others right-aligned.
public enum TextTable {
    public static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max()! }
        return rows.map { r in
            r.enumerated().map { i, v in
                i == 0 ? v.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - v.count) + v
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
