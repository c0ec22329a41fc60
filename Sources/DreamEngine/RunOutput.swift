import DreamCore
import Foundation

/// Everything a run reports: what ran (metadata) and what happened (summary), as written to
/// results.json and printed as tables. Documented in docs/results.md.
public struct RunReport: Sendable, Codable {
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

    /// results.json: flat totals beside per-model entries, snake_case.
    public func resultsJSON() throws -> Data {
        var models: [[String: Any]] = []
        for s in summary.streams {
            models.append(["name": s.name, "work_scale": workScalePerModel[s.name] ?? workScale, "frames_generated": s.framesGenerated, "met": s.met, "missed": s.missed,
                           "dropped": s.dropped, "latency_p50_ms": s.latencyP50Ms as Any, "latency_p99_ms": s.latencyP99Ms as Any,
                           "energy_j": s.energyJ, "energy_source": summary.energySource, "xrbench_score": s.xrbenchScore,
                           "mean_accuracy": s.meanAccuracy as Any, "variant_switches": s.variantSwitches,
                           "frames_on_other_variants": s.framesOnOtherVariants])
        }
        let total: [String: Any] = [
            "frames_generated": summary.framesGenerated, "met": summary.met, "missed": summary.missed, "dropped": summary.dropped,
            "latency_p50_ms": summary.latencyP50Ms as Any, "latency_p99_ms": summary.latencyP99Ms as Any,
            "energy_j": summary.energyJ, "energy_source": summary.energySource, "energy_per_frame_j": summary.energyPerFrameJ,
            "violation_rate": summary.violationRate, "uxcost": summary.uxcost, "xrbench_score": summary.xrbenchScore,
            "decision_us_p50": summary.decisionUsP50 as Any, "decision_us_p99": summary.decisionUsP99 as Any,
            "dispatch_us_p50": summary.dispatchUsP50 as Any, "dispatch_us_p99": summary.dispatchUsP99 as Any,
            "release_lateness_us_p50": releaseLatenessUsP50 as Any, "release_lateness_us_p99": releaseLatenessUsP99 as Any,
            "rapl_j": raplJ as Any, "drop_reasons": summary.dropReasons,
            "energy_per_met_frame_j": summary.energyPerMetFrameJ as Any, "uxcost_met": summary.uxcostMet as Any,
            "miss_rate": summary.missRate, "drop_rate": summary.dropRate,
            "resident_mb_warm": residentMBWarm as Any, "resident_mb_end": residentMBEnd as Any, "resident_growth": residentGrowth as Any]
        let accs: [[String: Any]] = accelerators.enumerated().map { i, name in
            ["name": name, "busy_fraction": summary.acceleratorBusyFraction[i], "energy_j": summary.acceleratorEnergyJ[i]]
        }
        let root: [String: Any] = [
            "mode": mode, "scenario": scenario, "topology": topology, "scheduler": scheduler, "seed": seed,
            "time_scale": timeScale, "work_scale": workScale, "duration_s": durationS, "partial": partial,
            "models": models, "accelerators": accs, "uxcost": summary.uxcost, "violation_rate": summary.violationRate,
            "energy_j": summary.energyJ, "energy_source": summary.energySource, "xrbench_score": summary.xrbenchScore,
            "decision_us_p50": summary.decisionUsP50 as Any, "decision_us_p99": summary.decisionUsP99 as Any,
            "dispatch_us_p50": summary.dispatchUsP50 as Any, "dispatch_us_p99": summary.dispatchUsP99 as Any,
            "uxcost_met": summary.uxcostMet as Any, "work_scale_per_model": workScalePerModel,
            "infeasible_models": infeasibleModels, "fit": fit.map(Self.fitJSON) as Any,
            "total": total, "interference": interference?.jsonObject() as Any]
        return try JSONSerialization.data(withJSONObject: Self.nullify(root), options: [.prettyPrinted, .sortedKeys])
    }

    public static func fitJSON(_ f: WorkFit) -> [String: Any] {
        ["target_load": f.targetLoad, "load": f.load,
         "models": f.streams.map { ["name": $0.name, "work_scale": $0.work, "frames_per_second": $0.framesPerSecond,
                                    "deadline_ms": $0.deadlineMs, "cap_ms": $0.capMs, "alone_ms": $0.aloneMs, "utilization": $0.utilization] },
         "infeasible": f.infeasible.map { ["scenario": $0.scenario, "load": $0.load, "model": $0.model, "reason": $0.reason] }]
    }

    /// Optional values become JSON null.
    public static func nullify(_ value: Any) -> Any {
        if let d = value as? [String: Any] { return d.mapValues { nullify($0) } }
        if let a = value as? [Any] { return a.map { nullify($0) } }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let inner = mirror.children.first?.value else { return NSNull() }
            return nullify(inner)
        }
        if let d = value as? Double, !d.isFinite { return NSNull() }
        return value
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

/// Per-frame CSV and Chrome / Perfetto trace JSON.
public enum RunFiles {
    public static func framesCSV(_ frames: [FrameRecord], streams: [StreamDescription]) -> String {
        var out = "frame,model,sequence,variant,scheduled_release_ms,release_ms,deadline_ms,start_ms,completion_ms,latency_ms,outcome,drop_reason,skipped_blocks,energy_j\n"
        func ms(_ ns: Int64) -> String { ns < 0 ? "" : String(format: "%.4f", Double(ns) / 1e6) }
        for f in frames {
            out += "\(f.frame),\(streams[Int(f.stream)].name),\(f.sequence),\(streams[Int(f.stream)].variants[Int(f.variant)].name),\(ms(f.scheduledReleaseNs)),\(ms(f.releaseNs)),\(ms(f.deadlineNs)),\(ms(f.startNs)),\(ms(f.completionNs)),\(f.latencyNs.map { ms($0) } ?? ""),\(f.outcome.rawValue),\(f.dropReason?.rawValue ?? ""),\(f.skippedBlocks),\(String(format: "%.6g", f.energyJ))\n"
        }
        return out
    }

    /// Chrome trace events: one process per accelerator, one thread (track) per core, a
    /// complete ("X") event per block, instant events for releases and deadlines of dropped or
    /// missed frames. Opens in ui.perfetto.dev.
    public static func chromeTrace(_ frames: [FrameRecord], blocks: [BlockRecord], streams: [StreamDescription],
                                   accelerators: [ResolvedAccelerator]) throws -> Data {
        var events: [[String: Any]] = []
        for a in accelerators {
            events.append(["ph": "M", "name": "process_name", "pid": a.index, "args": ["name": "\(a.name) (\(a.dataflow.rawValue))"]])
            for c in a.cores {
                events.append(["ph": "M", "name": "thread_name", "pid": a.index, "tid": c, "args": ["name": "core \(c)"]])
            }
        }
        let framePid = accelerators.count
        events.append(["ph": "M", "name": "process_name", "pid": framePid, "args": ["name": "frames"]])
        for b in blocks.sorted(by: { $0.startNs < $1.startNs }) {
            let acc = accelerators[Int(b.accelerator)]
            let name = streams[Int(b.stream)].name
            for c in acc.cores {
                events.append(["ph": "X", "name": name, "cat": "layers", "pid": acc.index, "tid": c,
                               "ts": Double(b.startNs) / 1e3, "dur": Double(b.endNs - b.startNs) / 1e3,
                               "args": ["frame": b.frame, "layers": "\(b.firstLayer)..<\(b.endLayer)", "macs": b.macs,
                                        "variant": streams[Int(b.stream)].variants[Int(b.variant)].name]])
            }
        }
        for f in frames where f.releaseNs >= 0 {
            events.append(["ph": "i", "s": "p", "name": "release \(streams[Int(f.stream)].name)#\(f.sequence)", "pid": framePid,
                           "tid": Int(f.stream), "ts": Double(f.releaseNs) / 1e3])
            if f.outcome != .met {
                events.append(["ph": "i", "s": "p", "name": "\(f.outcome.rawValue) \(streams[Int(f.stream)].name)#\(f.sequence)",
                               "pid": framePid, "tid": Int(f.stream), "ts": Double(f.deadlineNs) / 1e3])
            }
        }
        return try JSONSerialization.data(withJSONObject: ["traceEvents": events, "displayTimeUnit": "ms"], options: [])
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
