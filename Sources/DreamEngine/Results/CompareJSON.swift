import DreamCore
import Foundation

/// `dream compare --json FILE` (docs/compare.md): every cell's means with 95% intervals over
/// seeds, DREAM's reductions, the headline against the strongest baselines, the fits, and the
/// per-scenario summary (`scenarios`, `geomean_reduction`) that earlier readers take. Written with
/// sorted keys; the reader accepts older files (a seed count instead of seeds, no cells).
public struct CompareJSON: Sendable, Equatable {
    /// One metric of a cell: the mean over seeds (nil: infinite in some seed), its 95% interval
    /// (nil from one seed) and the per-seed values (so paired contrasts can be computed).
    public struct Metric: Sendable, Equatable {
        public var mean: Double?
        public var ci95: [Double]?
        public var perSeed: [Double]?
    }

    /// A scheduler on a scenario at a load in one mode, over seeds (`ComparisonCell`).
    public struct Cell: Sendable, Equatable {
        public var scenario: String
        public var load: Double
        public var offeredLoad: Double?
        public var scheduler: String
        public var mode: String
        public var seeds: [UInt64]
        public var minFramesPerStream: Int
        public var framesPerStream: [String: Int]
        /// Live cells: the verdict of each run kept, live runs made and how many were disturbed.
        public var verdicts: [String]?
        public var liveRuns: Int?
        public var disturbedRuns: Int?
        /// By metric key (`RunMetrics.keys`).
        public var metrics: [String: Metric]
    }

    /// DREAM's strongest-baseline result for one (mode, load, metric, baseline group).
    public struct Headline: Sendable, Equatable {
        public var mode: String
        public var load: Double
        public var metric: String
        public var against: String
        public var baseline: String
        public var geomean: Double
        public var ci95: [Double]?
        public init(mode: String, load: Double, metric: String, against: String, baseline: String, geomean: Double, ci95: [Double]?) {
            self.mode = mode; self.load = load; self.metric = metric; self.against = against
            self.baseline = baseline; self.geomean = geomean; self.ci95 = ci95
        }
    }

    /// A (scenario, load)'s fit; a skipped one is not a cell (the load cannot be offered).
    public struct Fit: Sendable, Equatable {
        public var scenario: String
        public var load: Double
        public var fit: WorkFit
        public var skipped: Bool
        /// Seconds per run (not for skipped fits).
        public var durationS: Double?
        public init(scenario: String, load: Double, fit: WorkFit, skipped: Bool, durationS: Double?) {
            self.scenario = scenario; self.load = load; self.fit = fit; self.skipped = skipped; self.durationS = durationS
        }
    }

    /// The per-scenario summary of earlier readers (the HTML report's bar charts).
    public struct Scenario: Sendable, Equatable {
        public var timeScale: Double?
        public var workScale: Double?
        public var workScalePerModel: [String: Double]?
        public var load: Double?
        /// Per mode ("live", "sim"), per scheduler, each metric's mean (nil: infinite).
        public var results: [String: [String: [String: Double?]]]
        /// 1 - UXCost(dream) / UXCost(baseline), per baseline.
        public var dreamReduction: [String: Double]?
        /// Older files: the relative sim-live gap per scheduler, per metric.
        public var simLiveGap: [String: [String: Double]]?
        public init(timeScale: Double?, workScale: Double?, workScalePerModel: [String: Double]?, load: Double?,
                    results: [String: [String: [String: Double?]]], dreamReduction: [String: Double]?, simLiveGap: [String: [String: Double]]? = nil) {
            self.timeScale = timeScale; self.workScale = workScale; self.workScalePerModel = workScalePerModel; self.load = load
            self.results = results; self.dreamReduction = dreamReduction; self.simLiveGap = simLiveGap
        }
    }

    /// The relative gap between the sim and live means of a cell's metrics (mode "both").
    public struct Gap: Sendable, Equatable {
        public var scenario: String
        public var load: Double
        public var scheduler: String
        public var values: [String: Double]
        public init(scenario: String, load: Double, scheduler: String, values: [String: Double]) {
            self.scenario = scenario; self.load = load; self.scheduler = scheduler; self.values = values
        }
    }

    public struct LiveRuns: Sendable, Equatable {
        public var runs: Int
        public var disturbed: Int
        public var keptDisturbed: Int
        public init(runs: Int, disturbed: Int, keptDisturbed: Int) { self.runs = runs; self.disturbed = disturbed; self.keptDisturbed = keptDisturbed }
    }

    public var mode: String
    public var topology: String
    public var seeds: [UInt64]
    /// Older files gave only the number of seeds.
    public var seedCount: Int?
    public var loads: [Double]
    public var durationS: Double?
    /// Older files: the one target load.
    public var targetLoad: Double?
    public var schedulers: [String]
    public var partial: Bool
    public var mix: String?
    public var cells: [Cell] = []
    public var reductions: [Reduction] = []
    public var headline: [Headline] = []
    public var infeasible: [WorkFit.Infeasibility] = []
    public var fits: [Fit] = []
    public var sanity: [String] = []
    /// By scenario name, or "name @ load" when the comparison has several loads.
    public var scenarios: [String: Scenario] = [:]
    public var machine: String?
    public var costs: String?
    /// DREAM's UXCost reduction per baseline at the first load, primary mode.
    public var geomeanReduction: [String: Double] = [:]
    public var simLiveGap: [Gap]?
    public var liveRuns: LiveRuns?

    public init(mode: String, topology: String, seeds: [UInt64], loads: [Double], durationS: Double?, schedulers: [String], partial: Bool, mix: String?) {
        self.mode = mode; self.topology = topology; self.seeds = seeds; self.loads = loads; self.durationS = durationS
        self.schedulers = schedulers; self.partial = partial; self.mix = mix
    }

    /// The mode whose numbers the reductions use: live when live runs were made, else sim.
    public var primaryMode: String { mode == "sim" ? "sim" : "live" }
}

extension CompareJSON.Cell {
    public init(_ c: ComparisonCell) {
        scenario = c.scenario; load = c.load; offeredLoad = c.offeredLoad; scheduler = c.scheduler; mode = c.mode; seeds = c.seeds
        minFramesPerStream = c.minFramesPerStream; framesPerStream = c.framesPerStream
        if c.mode == "live" { verdicts = c.verdicts; liveRuns = c.liveRuns; disturbedRuns = c.disturbedRuns }
        metrics = [:]
        for key in RunMetrics.keys {
            if let v = c.values(key) {
                let s = SeedStatistics.meanCI(v)
                metrics[key] = CompareJSON.Metric(mean: s.mean, ci95: s.ci95, perSeed: v)
            } else {
                metrics[key] = CompareJSON.Metric(mean: nil, ci95: nil, perSeed: nil)
            }
        }
    }
}

// MARK: - Writing

extension CompareJSON {
    public func jsonData() throws -> Data { try ResultsFile.prettyJSON(jsonObject) }

    var jsonObject: [String: Any] {
        var d: [String: Any] = ["mode": mode, "topology": topology, "seeds": seedCount.map { $0 as Any } ?? seeds.map { Int($0) },
                                "loads": loads, "duration_s": durationS as Any, "schedulers": schedulers, "partial": partial,
                                "cells": cells.map(Self.json), "reductions": reductions.map(\.json), "headline": headline.map(Self.json),
                                "infeasible": infeasible.map(\.jsonObject), "fits": fits.map(Self.json), "sanity": sanity,
                                "scenarios": scenarios.mapValues(Self.json), "geomean_reduction": geomeanReduction]
        if let mix { d["mix"] = mix }
        if let machine { d["machine"] = machine }
        if let costs { d["costs"] = costs }
        if let targetLoad { d["target_load"] = targetLoad }
        if let simLiveGap {
            d["sim_live_gap"] = simLiveGap.map { g -> [String: Any] in
                var e: [String: Any] = g.values
                e["scenario"] = g.scenario
                e["load"] = g.load
                e["scheduler"] = g.scheduler
                return e
            }
        }
        if let l = liveRuns { d["live_runs"] = ["runs": l.runs, "disturbed": l.disturbed, "kept_disturbed": l.keptDisturbed] }
        return d
    }

    static func json(_ c: Cell) -> [String: Any] {
        var d: [String: Any] = ["scenario": c.scenario, "load": c.load, "offered_load": c.offeredLoad as Any, "scheduler": c.scheduler, "mode": c.mode,
                                "seeds": c.seeds.map { Int($0) }, "min_frames_per_stream": c.minFramesPerStream, "frames_per_stream": c.framesPerStream]
        if let v = c.verdicts { d["verdicts"] = v }
        if let v = c.liveRuns { d["live_runs"] = v }
        if let v = c.disturbedRuns { d["disturbed_runs"] = v }
        for (key, m) in c.metrics {
            d[key] = m.mean as Any
            d[key + "_ci95"] = m.ci95 as Any
            if let p = m.perSeed { d[key + "_per_seed"] = p }
        }
        return d
    }

    static func json(_ h: Headline) -> [String: Any] {
        ["mode": h.mode, "load": h.load, "metric": h.metric, "against": h.against, "baseline": h.baseline, "geomean": h.geomean, "ci95": h.ci95 as Any]
    }

    static func json(_ f: Fit) -> [String: Any] {
        var d: [String: Any] = ["scenario": f.scenario, "load": f.load, "fit": f.fit.jsonObject]
        if f.skipped { d["skipped"] = true } else { d["duration_s"] = f.durationS as Any }
        return d
    }

    static func json(_ s: Scenario) -> [String: Any] {
        var d: [String: Any] = s.results.mapValues { $0.mapValues { $0.mapValues { $0 as Any } } }
        if let v = s.timeScale { d["time_scale"] = v }
        if let v = s.workScale { d["work_scale"] = v }
        if let v = s.workScalePerModel { d["work_scale_per_model"] = v }
        if let v = s.load { d["load"] = v }
        if let v = s.dreamReduction { d["dream_reduction"] = v }
        if let v = s.simLiveGap { d["sim_live_gap"] = v }
        return d
    }
}

extension Reduction {
    public var json: [String: Any] {
        ["mode": mode, "baseline": baseline, "load": load, "metric": metric, "geomean": geomean, "ci95": ci95 as Any, "pairs": pairs, "skipped": skipped]
    }
}

// MARK: - Reading

extension CompareJSON {
    public static func read(_ path: String) throws -> CompareJSON {
        try read(ResultsFile.readData(path, what: "comparison JSON"), file: path)
    }

    public static func read(_ data: Data, file: String) throws -> CompareJSON {
        let d = try ResultsFile.jsonObject(data, file: file)
        let num = ResultsFile.double, int = ResultsFile.int
        func list(_ v: Any?) -> [[String: Any]] { v as? [[String: Any]] ?? [] }
        func numbers(_ v: Any?) -> [String: Double] { (v as? [String: Any] ?? [:]).compactMapValues(num) }
        guard let sc = d["scenarios"] as? [String: Any] else {
            throw ResultsFile.fail(file, "scenarios", "is missing", fix: "give a file written by `dream compare --json`")
        }
        let seedList = (d["seeds"] as? [Any])?.compactMap(ResultsFile.uint64)
        var c = CompareJSON(mode: d["mode"] as? String ?? "sim", topology: d["topology"] as? String ?? "?", seeds: seedList ?? [],
                            loads: ResultsFile.doubles(d["loads"]) ?? [], durationS: num(d["duration_s"]),
                            schedulers: d["schedulers"] as? [String] ?? [], partial: d["partial"] as? Bool ?? false, mix: d["mix"] as? String)
        if seedList == nil { c.seedCount = int(d["seeds"]) }
        c.targetLoad = num(d["target_load"])
        c.machine = d["machine"] as? String
        c.costs = d["costs"] as? String
        c.sanity = d["sanity"] as? [String] ?? []
        c.geomeanReduction = numbers(d["geomean_reduction"])
        c.cells = list(d["cells"]).compactMap(cell)
        c.reductions = list(d["reductions"]).map {
            Reduction(mode: $0["mode"] as? String ?? "", baseline: $0["baseline"] as? String ?? "", load: num($0["load"]) ?? 0,
                      metric: $0["metric"] as? String ?? "", geomean: num($0["geomean"]) ?? .nan, ci95: ResultsFile.doubles($0["ci95"]),
                      pairs: int($0["pairs"]) ?? 0, skipped: int($0["skipped"]) ?? 0)
        }
        c.headline = list(d["headline"]).map {
            Headline(mode: $0["mode"] as? String ?? "", load: num($0["load"]) ?? 0, metric: $0["metric"] as? String ?? "",
                     against: $0["against"] as? String ?? "", baseline: $0["baseline"] as? String ?? "", geomean: num($0["geomean"]) ?? .nan,
                     ci95: ResultsFile.doubles($0["ci95"]))
        }
        c.infeasible = WorkFit.Infeasibility.list(d["infeasible"])
        c.fits = list(d["fits"]).map {
            // Compare JSON keeps no fit scale: the fit's own models carry their work scales.
            Fit(scenario: $0["scenario"] as? String ?? "", load: num($0["load"]) ?? 0,
                fit: WorkFit(json: $0["fit"] as? [String: Any] ?? [:], scale: WorkloadScale()),
                skipped: $0["skipped"] as? Bool ?? false, durationS: num($0["duration_s"]))
        }
        for (name, value) in sc {
            let s = value as? [String: Any] ?? [:]
            var results: [String: [String: [String: Double?]]] = [:]
            for m in ["live", "sim"] {
                guard let per = s[m] as? [String: Any] else { continue }
                results[m] = per.compactMapValues { ($0 as? [String: Any])?.mapValues { num($0) } }
            }
            let gap = (s["sim_live_gap"] as? [String: Any])?.compactMapValues { ($0 as? [String: Any])?.compactMapValues(num) }
            c.scenarios[name] = Scenario(timeScale: num(s["time_scale"]), workScale: num(s["work_scale"]),
                                         workScalePerModel: (s["work_scale_per_model"] as? [String: Any])?.compactMapValues(num),
                                         load: num(s["load"]), results: results,
                                         dreamReduction: (s["dream_reduction"] as? [String: Any])?.compactMapValues(num), simLiveGap: gap)
        }
        if let gaps = d["sim_live_gap"] as? [[String: Any]] {
            c.simLiveGap = gaps.map { g in
                Gap(scenario: g["scenario"] as? String ?? "", load: num(g["load"]) ?? 0, scheduler: g["scheduler"] as? String ?? "",
                    values: g.filter { !["scenario", "load", "scheduler"].contains($0.key) }.compactMapValues(num))
            }
        }
        if let l = d["live_runs"] as? [String: Any] {
            c.liveRuns = LiveRuns(runs: int(l["runs"]) ?? 0, disturbed: int(l["disturbed"]) ?? 0, keptDisturbed: int(l["kept_disturbed"]) ?? 0)
        }
        return c
    }

    /// A cell; nil without its scenario, scheduler, mode or load.
    static func cell(_ d: [String: Any]) -> Cell? {
        let num = ResultsFile.double, int = ResultsFile.int
        guard let scenario = d["scenario"] as? String, let scheduler = d["scheduler"] as? String,
              let mode = d["mode"] as? String, let load = num(d["load"]) else { return nil }
        var metrics: [String: Metric] = [:]
        for key in RunMetrics.keys where d.keys.contains(key) {
            metrics[key] = Metric(mean: num(d[key]), ci95: ResultsFile.doubles(d[key + "_ci95"]), perSeed: ResultsFile.doubles(d[key + "_per_seed"]))
        }
        return Cell(scenario: scenario, load: load, offeredLoad: num(d["offered_load"]), scheduler: scheduler, mode: mode,
                    seeds: (d["seeds"] as? [Any])?.compactMap(ResultsFile.uint64) ?? [], minFramesPerStream: int(d["min_frames_per_stream"]) ?? 0,
                    framesPerStream: (d["frames_per_stream"] as? [String: Any] ?? [:]).compactMapValues(int),
                    verdicts: d["verdicts"] as? [String], liveRuns: int(d["live_runs"]), disturbedRuns: int(d["disturbed_runs"]),
                    metrics: metrics)
    }
}
