import DreamCore
import Foundation

/// results.json (docs/results.md): a `RunReport`, snake_case, flat totals beside per-model
/// entries. The reader accepts older and hand-trimmed files: only the scenario, the scheduler,
/// the duration and each model's name are required.
extension RunReport {
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
            "infeasible_models": infeasibleModels, "fit": fit.map(\.jsonObject) as Any,
            "total": total, "interference": interference?.jsonObject() as Any]
        return try ResultsFile.prettyJSON(root)
    }

    public static func read(_ path: String) throws -> RunReport {
        try read(ResultsFile.readData(path, what: "results.json"), file: path)
    }

    public static func read(_ data: Data, file: String) throws -> RunReport {
        let d = try ResultsFile.jsonObject(data, file: file)
        let num = ResultsFile.double, int = ResultsFile.int
        // Totals live in `total`; the oldest files kept a few at the top level only.
        let total = d["total"] as? [String: Any] ?? [:]
        func top(_ k: String) -> Double? { num(total[k]) ?? num(d[k]) }
        var summary = RunSummary(frames: [], blocks: [], streams: [], accelerators: [], wallNs: 1, decisionNs: [], dispatchNs: [],
                                 energySource: total["energy_source"] as? String ?? d["energy_source"] as? String ?? "?")
        for (i, m) in ((d["models"] as? [[String: Any]]) ?? []).enumerated() {
            summary.streams.append(RunSummary.StreamSummary(
                name: try ResultsFile.need(m["name"] as? String, file, "models[\(i)].name", "a string"),
                tally: FrameTally(framesGenerated: int(m["frames_generated"]) ?? 0, met: int(m["met"]) ?? 0, missed: int(m["missed"]) ?? 0,
                                  dropped: int(m["dropped"]) ?? 0, latencyP50Ms: num(m["latency_p50_ms"]), latencyP99Ms: num(m["latency_p99_ms"]),
                                  energyJ: num(m["energy_j"]) ?? 0),
                xrbenchScore: num(m["xrbench_score"]) ?? 0, meanAccuracy: num(m["mean_accuracy"]),
                framesOnOtherVariants: int(m["frames_on_other_variants"]) ?? 0, variantSwitches: int(m["variant_switches"]) ?? 0))
        }
        let accs = (d["accelerators"] as? [[String: Any]]) ?? []
        summary.acceleratorBusyFraction = accs.map { num($0["busy_fraction"]) ?? 0 }
        summary.acceleratorEnergyJ = accs.map { num($0["energy_j"]) ?? 0 }
        summary.framesGenerated = int(total["frames_generated"]) ?? summary.streams.reduce(0) { $0 + $1.framesGenerated }
        summary.met = int(total["met"]) ?? 0
        summary.missed = int(total["missed"]) ?? 0
        summary.dropped = int(total["dropped"]) ?? 0
        summary.latencyP50Ms = num(total["latency_p50_ms"])
        summary.latencyP99Ms = num(total["latency_p99_ms"])
        summary.energyJ = top("energy_j") ?? 0
        summary.energyPerFrameJ = num(total["energy_per_frame_j"]) ?? 0
        summary.violationRate = top("violation_rate") ?? 0
        summary.uxcost = top("uxcost") ?? 0
        summary.energyPerMetFrameJ = num(total["energy_per_met_frame_j"])
        summary.uxcostMet = top("uxcost_met")
        summary.xrbenchScore = top("xrbench_score") ?? 0
        summary.decisionUsP50 = top("decision_us_p50")
        summary.decisionUsP99 = top("decision_us_p99")
        summary.dispatchUsP50 = top("dispatch_us_p50")
        summary.dispatchUsP99 = top("dispatch_us_p99")
        summary.dropReasons = (total["drop_reasons"] as? [String: Any] ?? [:]).compactMapValues(int)
        let timeScale = num(d["time_scale"]) ?? 1, workScale = num(d["work_scale"]) ?? 1
        var report = RunReport(
            mode: d["mode"] as? String ?? "?", scenario: try ResultsFile.need(d["scenario"] as? String, file, "scenario", "a string"),
            topology: d["topology"] as? String ?? "?", scheduler: try ResultsFile.need(d["scheduler"] as? String, file, "scheduler", "a string"),
            seed: ResultsFile.uint64(d["seed"]) ?? 0, timeScale: timeScale, workScale: workScale,
            durationS: try ResultsFile.need(num(d["duration_s"]), file, "duration_s", "a number"), partial: d["partial"] as? Bool ?? false,
            accelerators: accs.map { $0["name"] as? String ?? "?" }, summary: summary,
            releaseLatenessUsP50: num(total["release_lateness_us_p50"]), releaseLatenessUsP99: num(total["release_lateness_us_p99"]),
            raplJ: num(total["rapl_j"]))
        report.residentMBWarm = num(total["resident_mb_warm"])
        report.residentMBEnd = num(total["resident_mb_end"])
        report.residentGrowth = num(total["resident_growth"])
        report.workScalePerModel = (d["work_scale_per_model"] as? [String: Any] ?? [:]).compactMapValues(num)
        report.infeasibleModels = d["infeasible_models"] as? [String] ?? []
        // results.json keeps the fit's scale as the run's time and work scales.
        let scale = WorkloadScale(time: timeScale, work: workScale, streamWork: report.workScalePerModel.mapValues { $0 / workScale })
        report.fit = (d["fit"] as? [String: Any]).map { WorkFit(json: $0, scale: scale) }
        report.interference = (d["interference"] as? [String: Any]).map(InterferenceReport.init(json:))
        return report
    }
}

/// A work fit as results.json and compare JSON keep it (its scale is the run's own keys).
extension WorkFit {
    public var jsonObject: [String: Any] {
        ["target_load": targetLoad, "load": load,
         "models": streams.map { ["name": $0.name, "work_scale": $0.work, "frames_per_second": $0.framesPerSecond,
                                  "deadline_ms": $0.deadlineMs, "cap_ms": $0.capMs, "alone_ms": $0.aloneMs, "utilization": $0.utilization] },
         "infeasible": infeasible.map(\.jsonObject)]
    }

    init(json d: [String: Any], scale: WorkloadScale) {
        let num = ResultsFile.double
        let streams = (d["models"] as? [[String: Any]] ?? []).map {
            StreamFit(name: $0["name"] as? String ?? "?", work: num($0["work_scale"]) ?? 1, framesPerSecond: num($0["frames_per_second"]) ?? 0,
                      deadlineMs: num($0["deadline_ms"]) ?? 0, capMs: num($0["cap_ms"]) ?? 0, aloneMs: num($0["alone_ms"]) ?? 0,
                      utilization: num($0["utilization"]) ?? 0)
        }
        self.init(scale: scale, targetLoad: num(d["target_load"]) ?? 0, load: num(d["load"]) ?? 0, streams: streams,
                  infeasible: Infeasibility.list(d["infeasible"]))
    }
}

extension WorkFit.Infeasibility {
    public var jsonObject: [String: Any] { ["scenario": scenario, "load": load, "model": model, "reason": reason] }

    static func list(_ v: Any?) -> [WorkFit.Infeasibility] {
        (v as? [[String: Any]] ?? []).map {
            WorkFit.Infeasibility(scenario: $0["scenario"] as? String ?? "", load: ResultsFile.double($0["load"]) ?? 0,
                                  model: $0["model"] as? String ?? "", reason: $0["reason"] as? String ?? "")
        }
    }
}

extension InterferenceReport {
    /// The `interference` object of results.json (snake_case), with the thresholds it was judged by.
    public func jsonObject() -> [String: Any] {
        let t: [String: Any] = [
            "core_fraction": Thresholds.coreFraction, "core_floor_ms": Double(Thresholds.coreFloorNs) / 1e6,
            "window_fraction": Thresholds.windowFraction, "stall_ms": Double(Thresholds.stallNs) / 1e6,
            "slow_block_factor": Thresholds.slowBlockFactor, "slow_block_min_excess_ms": Double(Thresholds.slowBlockMinExcessNs) / 1e6,
            "slow_block_run_fraction": Thresholds.slowBlockRunFraction, "slow_block_run_minimum": Thresholds.slowBlockRunMinimum,
            "stuck_factor": Thresholds.stuckFactor, "stuck_min_ms": Double(Thresholds.stuckMinNs) / 1e6]
        return [
            "verdict": verdict, "reasons": reasons, "monitored_s": monitoredS, "thresholds": t,
            "cores": cores.map { ["cpu": $0.cpu, "accelerator": $0.accelerator, "steal_ms": $0.stealMs, "foreign_ms": $0.foreignMs,
                                  "own_ms": $0.ownMs, "steal_fraction": $0.stealFraction, "foreign_fraction": $0.foreignFraction,
                                  "worst_window_fraction": $0.worstWindowFraction, "frequency_mhz": $0.frequencyMHz as Any] },
            "workers": workers.map { ["accelerator": $0.accelerator, "cpu": $0.cpu, "tid": Int($0.tid), "involuntary_switches": $0.involuntarySwitches,
                                      "voluntary_switches": $0.voluntarySwitches, "wait_ms": $0.waitMs, "run_ms": $0.runMs] },
            "windows": windows.map { ["cpu": $0.cpu, "accelerator": $0.accelerator, "start_s": $0.startS, "end_s": $0.endS,
                                      "steal_ms": $0.stealMs, "foreign_ms": $0.foreignMs] },
            "samples": samples.map { ["cpu": $0.cpu, "start_s": $0.startS, "end_s": $0.endS, "steal_ms": $0.stealMs, "foreign_ms": $0.foreignMs] },
            "stalls": stalls.map { ["kind": $0.kind, "accelerator": $0.accelerator as Any, "at_s": $0.atS, "duration_ms": $0.durationMs,
                                    "estimate_ms": $0.estimateMs as Any] },
            "longest_stall_ms": longestStallMs, "longest_stall_at_s": longestStallAtS as Any,
            "blocks_judged": blocksJudged, "slow_blocks": slowBlocks, "worst_block_ratio": worstBlockRatio as Any,
            "worst_block_at_s": worstBlockAtS as Any, "release_lateness_max_ms": releaseLatenessMaxMs as Any,
            "frequency_source": frequencySource as Any]
    }

    /// Reads `jsonObject()` back (samples keep no accelerator name; the thresholds are this build's).
    init(json d: [String: Any]) {
        let num = ResultsFile.double, int = ResultsFile.int
        func list(_ k: String) -> [[String: Any]] { d[k] as? [[String: Any]] ?? [] }
        func window(_ w: [String: Any]) -> Window {
            Window(cpu: int(w["cpu"]) ?? 0, accelerator: w["accelerator"] as? String ?? "", startS: num(w["start_s"]) ?? 0,
                   endS: num(w["end_s"]) ?? 0, stealMs: num(w["steal_ms"]) ?? 0, foreignMs: num(w["foreign_ms"]) ?? 0)
        }
        self.init(monitoredS: num(d["monitored_s"]) ?? 0,
                  cores: list("cores").map {
                      Core(cpu: int($0["cpu"]) ?? 0, accelerator: $0["accelerator"] as? String ?? "", stealMs: num($0["steal_ms"]) ?? 0,
                           foreignMs: num($0["foreign_ms"]) ?? 0, ownMs: num($0["own_ms"]) ?? 0, stealFraction: num($0["steal_fraction"]) ?? 0,
                           foreignFraction: num($0["foreign_fraction"]) ?? 0, worstWindowFraction: num($0["worst_window_fraction"]) ?? 0,
                           frequencyMHz: num($0["frequency_mhz"]))
                  },
                  workers: list("workers").map {
                      Worker(accelerator: $0["accelerator"] as? String ?? "", cpu: int($0["cpu"]) ?? 0, tid: Int32(int($0["tid"]) ?? 0),
                             involuntarySwitches: Int64(int($0["involuntary_switches"]) ?? 0), voluntarySwitches: Int64(int($0["voluntary_switches"]) ?? 0),
                             waitMs: num($0["wait_ms"]) ?? 0, runMs: num($0["run_ms"]) ?? 0)
                  },
                  windows: list("windows").map(window),
                  stalls: list("stalls").map {
                      Stall(kind: $0["kind"] as? String ?? "", accelerator: $0["accelerator"] as? String, atS: num($0["at_s"]) ?? 0,
                            durationMs: num($0["duration_ms"]) ?? 0, estimateMs: num($0["estimate_ms"]))
                  },
                  longestStallMs: num(d["longest_stall_ms"]) ?? 0, longestStallAtS: num(d["longest_stall_at_s"]),
                  blocksJudged: int(d["blocks_judged"]) ?? 0, slowBlocks: int(d["slow_blocks"]) ?? 0,
                  worstBlockRatio: num(d["worst_block_ratio"]), worstBlockAtS: num(d["worst_block_at_s"]),
                  releaseLatenessMaxMs: num(d["release_lateness_max_ms"]), frequencySource: d["frequency_source"] as? String)
        samples = list("samples").map(window)
        verdict = d["verdict"] as? String ?? "unknown"
        reasons = d["reasons"] as? [String] ?? []
    }
}
