import DreamCore
import DreamEngine
import DreamReport
import DreamSchedulers
import DreamWorkloads
import Foundation

extension SweepPlan {
    /// Fits every (scenario, load) with `costs` and lists the cells, in the order a serial
    /// comparison runs them (scenario, load, seed, scheduler).
    public static func make(scenarios: [String], loads: [Double], seeds: [UInt64], schedulers: [String], mode: String, durationS: Double,
                     topology: String, resolved: ResolvedTopology, costs: CostModel, mixing: WorkloadOptions,
                     calibration: String?, retries: Int, liveFit: LiveFitMethod = .run, spread: SimulatedSpread = SimulatedSpread(),
                     machine: String) throws -> SweepPlan {
        guard !seeds.isEmpty, !loads.isEmpty else {
            throw DreamInputError(.usage, file: seeds.isEmpty ? "--seeds" : "--loads", field: "", problem: "is empty", fix: "give at least one")
        }
        var plan = SweepPlan(build: BuildDigest.current, topology: topology, topologyName: resolved.name, mode: mode, durationS: durationS,
                             scenarios: scenarios, loads: loads, seeds: seeds, schedulers: schedulers, mix: mixing.mix.rawValue,
                             mixHardware: mixing.mixHardware, mixCosts: mixing.mixCosts, allowInfeasible: mixing.allowInfeasible, calibration: calibration,
                             calibrationDigest: calibration.flatMap(BuildDigest.of(file:)), retries: retries, liveFit: liveFit, machine: machine, fits: [], cells: [])
        plan.spread = spread
        for name in scenarios {
            let spec = try ScenarioSpec.load(name)
            for load in loads {
                log("\(spec.name): fitting to load \(load)")
                // A plan fits each model's work (time scale 1): only the mix of `mixing` counts.
                var options = mixing
                options.timeScale = nil
                options.workScale = nil
                options.seed = seeds[0]
                options.targetLoad = load
                let fitted = try options.fitScale(spec, accelerators: resolved.accelerators, costs: costs)
                let fit = fitted.fit!
                // A load the scenario cannot offer with every model feasible is not a cell (`infeasible` says why).
                let skipped = !fit.reachesTarget
                let duration = max(durationS, durationFor(fit))
                if skipped {
                    log(String(format: "  skipped: %@ reaches load %.2f, not %.2f, with every model feasible alone", spec.name, fit.load, load))
                } else {
                    if duration > durationS { log(String(format: "  duration raised to %.0f s: 30 frames of the slowest active stream, 300 in all", duration)) }
                    log("  \(fitted.summary)")
                }
                plan.fits.append(Fit(scenario: spec.name, load: load, skipped: skipped, durationS: duration, fit: fit))
                if skipped { continue }
                for seed in seeds {
                    for s in schedulers { plan.cells.append(Cell(id: cellID(spec.name, load, seed, s), scenario: spec.name, load: load, seed: seed, scheduler: s)) }
                }
            }
        }
        return plan
    }

    /// Seconds for 30 frames of the slowest active stream and 300 frames in all.
    public static func durationFor(_ fit: WorkFit) -> Double {
        let rates = fit.streams.map(\.framesPerSecond).filter { $0 > 0 }
        guard let slowest = rates.min() else { return 0 }
        return (max(30 / slowest, 300 / rates.reduce(0, +))).rounded(.up)
    }
}

/// The tables and JSON of a comparison, from its plan and its cells' results: the same bytes
/// whether the cells ran in one `dream compare` or as `dream cell` tasks merged later.
public struct SweepReport {
    public let plan: SweepPlan
    public let cells: [ComparisonCell]
    public let partial: Bool
    /// (scenario, load)s whose live fit left a model infeasible on the node (`InfeasibleLiveFit`):
    /// their cells did not run.
    public let liveInfeasible: [WorkFit.Infeasibility]

    public init(plan: SweepPlan, results: [String: CellResult], partial: Bool, liveInfeasible: [WorkFit.Infeasibility] = []) {
        self.plan = plan
        self.partial = partial
        self.liveInfeasible = liveInfeasible
        var byKey: [String: ComparisonCell] = [:]
        var order: [String] = []
        for c in plan.cells {
            guard let r = results[c.id] else { continue }
            for m in plan.modes {
                guard let metrics = r.runs[m] else { continue }
                let key = "\(c.scenario)|\(c.load)|\(c.scheduler)|\(m)"
                if byKey[key] == nil {
                    byKey[key] = ComparisonCell(scenario: c.scenario, load: c.load, scheduler: c.scheduler, mode: m)
                    byKey[key]!.offeredLoad = r.offeredLoad
                    order.append(key)
                }
                byKey[key]!.seeds.append(c.seed)
                byKey[key]!.runs.append(metrics)
                if m == "live" {
                    byKey[key]!.verdicts.append(r.verdict ?? "unknown")
                    byKey[key]!.liveRuns += r.liveRuns
                    byKey[key]!.disturbedRuns += r.disturbedRuns
                }
            }
        }
        cells = order.map { byKey[$0]! }
    }

    private func cell(_ scenario: String, _ load: Double, _ name: String, _ mode: String) -> ComparisonCell? {
        cells.first { $0.scenario == scenario && $0.load == load && $0.scheduler == name && $0.mode == mode }
    }

    private var infeasible: [WorkFit.Infeasibility] { plan.fits.flatMap(\.fit.infeasible) + liveInfeasible }

    /// Prints the per-scenario tables, the reductions and the sanity check; writes the JSON
    /// (and the HTML page) when asked.
    public func emit(json: String?, html: Bool, command: String = "dream compare") throws {
        let names = plan.schedulers
        var legacy: [String: CompareJSON.Scenario] = [:]
        for f in plan.fits where !f.skipped {
            let label = plan.loads.count > 1 ? "\(f.scenario) @ \(f.load)" : f.scenario
            legacy[label] = legacyScenario(f.scenario, f.load, f.fit.scale)
            for m in plan.modes where cells.contains(where: { $0.scenario == f.scenario && $0.load == f.load && $0.mode == m }) {
                print("\n\(f.scenario) [\(m)] load \(f.load), time scale 1, seeds \(seedText), \(String(format: "%.0f", f.durationS)) s per run")
                print(cellTable(names.compactMap { cell(f.scenario, f.load, $0, m) }))
            }
            if plan.mode == "both" { print("sim vs live gap (relative, of the means):\n" + gapText(f.scenario, f.load)) }
        }
        var reductions: [Reduction] = []
        var headline: [CompareJSON.Headline] = []
        var sanity: [String] = []
        for m in plan.modes {
            let mine = cells.filter { $0.mode == m }
            guard names.contains("dream") else { break }
            for load in plan.loads {
                let baselines = names.filter { SchedulerCatalog.isBaseline($0) }
                var rows = [["baseline", "UXCost", "= energy", "x violation", "UXCost-met", "= energy/met", "x violation"]]
                for b in baselines {
                    let r = ["uxcost", "energy_per_frame_j", "violation_floored", "uxcost_met", "energy_per_met_frame_j"].compactMap {
                        Reduction.of("dream", against: b, load: load, metric: $0, cells: mine)
                    }
                    reductions += r
                    func text(_ metric: String) -> String { r.first { $0.metric == metric }.map(percent) ?? "-" }
                    rows.append([b, text("uxcost"), text("energy_per_frame_j"), text("violation_floored"), text("uxcost_met"),
                                 text("energy_per_met_frame_j"), text("violation_floored")])
                }
                if baselines.isEmpty { continue }
                print("\nDREAM's reductions [\(m)] at load \(load) (geometric mean over scenarios and seeds, [95% interval over seeds]); a reduction = 1 - product of its energy and violation ratios:")
                print(TextTable.render(rows))
                for metric in ["uxcost", "uxcost_met"] {
                    for (label, group) in [("without drop", SchedulerCatalog.baselines), ("with drop", SchedulerCatalog.baselinesWithDrop),
                                           ("any", SchedulerCatalog.baselines + SchedulerCatalog.baselinesWithDrop)] {
                        let candidates = reductions.filter { $0.mode == m && $0.load == load && $0.metric == metric && group.contains($0.baseline) }
                        guard let strongest = candidates.min(by: { $0.geomean < $1.geomean }) else { continue }
                        headline.append(CompareJSON.Headline(mode: m, load: load, metric: metric, against: label, baseline: strongest.baseline,
                                                             geomean: strongest.geomean, ci95: strongest.ci95))
                        print("headline [\(m)] load \(load) \(metric) vs the strongest baseline \(label) (\(strongest.baseline)): \(percent(strongest))")
                    }
                }
            }
            // drop-all must never have the lowest UXCost-met; say where it has the lowest UXCost.
            if names.contains("drop-all") {
                var lowestUX = 0, lowestMet = 0, groups = 0
                for key in Set(mine.map { "\($0.scenario)|\($0.load)" }).sorted() {
                    let group = mine.filter { "\($0.scenario)|\($0.load)" == key }
                    groups += 1
                    if group.min(by: { ($0.mean("uxcost") ?? .infinity) < ($1.mean("uxcost") ?? .infinity) })?.scheduler == "drop-all" { lowestUX += 1 }
                    if group.min(by: { ($0.mean("uxcost_met") ?? .infinity) < ($1.mean("uxcost_met") ?? .infinity) })?.scheduler == "drop-all" { lowestMet += 1 }
                }
                let line = "sanity [\(m)]: drop-all has the lowest UXCost-met in \(lowestMet) of \(groups) scenario-loads (must be 0) and the lowest UXCost in \(lowestUX)"
                sanity.append(line)
                print(line)
            }
        }
        if plan.mode != "sim" {
            let live = cells.filter { $0.mode == "live" }
            let runs = live.reduce(0) { $0 + $1.liveRuns }, disturbed = live.reduce(0) { $0 + $1.disturbedRuns }
            let kept = live.reduce(0) { $0 + $1.verdicts.filter { $0 == "disturbed" }.count }
            print("\nlive runs: \(runs), disturbed \(disturbed) (re-run up to \(plan.retries) times); runs kept that were disturbed: \(kept)")
        }
        if !infeasible.isEmpty {
            print("\ninfeasible:")
            for i in infeasible { print("  \(i.scenario) at load \(i.load): \(i.model): \(i.reason)") }
        }
        guard let json else { return }
        var result = CompareJSON(mode: plan.mode, topology: plan.topologyName, seeds: plan.seeds, loads: plan.loads, durationS: plan.durationS,
                                 schedulers: names, partial: partial, mix: plan.mix)
        result.cells = cells.map(CompareJSON.Cell.init)
        result.reductions = reductions
        result.headline = headline
        result.infeasible = infeasible
        result.fits = plan.fits.map { CompareJSON.Fit(scenario: $0.scenario, load: $0.load, fit: $0.fit, skipped: $0.skipped, durationS: $0.skipped ? nil : $0.durationS) }
        result.sanity = sanity
        result.scenarios = legacy
        result.machine = plan.machine
        let probed = "kernels probed live" + ((plan.liveFit ?? .run) == .run ? ", stretched by reference runs" : "")
        result.costs = plan.mode == "live" ? probed : (plan.calibration.map { "calibration \($0)" } ?? "analytic model")
            + (!plan.spread.isExact && plan.mode == "sim" ? ", " + plan.spread.summary : "")
        // Earlier readers: DREAM's UXCost reduction per baseline at the first load, primary mode.
        result.geomeanReduction = Dictionary(uniqueKeysWithValues: reductions.filter {
            $0.metric == "uxcost" && $0.load == plan.loads[0] && $0.mode == plan.modes[0]
        }.map { ($0.baseline, $0.geomean) })
        if plan.mode == "both" { result.simLiveGap = gapJSON() }
        if plan.mode != "sim" {
            let live = cells.filter { $0.mode == "live" }
            result.liveRuns = CompareJSON.LiveRuns(runs: live.reduce(0) { $0 + $1.liveRuns }, disturbed: live.reduce(0) { $0 + $1.disturbedRuns },
                                                   keptDisturbed: live.reduce(0) { $0 + $1.verdicts.filter { $0 == "disturbed" }.count })
        }
        try AtomicFile.write(result.jsonData(), to: json)
        if html {
            let path = (json.hasSuffix(".json") ? String(json.dropLast(5)) : json) + ".html"
            try HTMLReport.write(HTMLReport.compare(result, file: json, options: .init(generatedBy: command)), to: path)
        }
    }

    private var seedText: String {
        guard let a = plan.seeds.first, let b = plan.seeds.last else { return "-" }
        return a == b ? "\(a)" : "\(a)-\(b)"
    }

    private func percent(_ r: Reduction) -> String {
        String(format: "%.1f%%", r.geomean * 100) + (r.ci95.map { String(format: " [%.1f, %.1f]", $0[0] * 100, $0[1] * 100) } ?? "")
    }

    /// Means with the half-width of their 95% interval.
    private func cellTable(_ cells: [ComparisonCell]) -> String {
        func f(_ c: ComparisonCell, _ key: String, _ format: String) -> String {
            guard let v = c.values(key) else { return "inf" }
            let s = SeedStatistics.meanCI(v)
            // Half-widths at rounding-noise level (identical seeds) print as 0.
            return String(format: format, s.mean) + (s.ci95.map { ci in
                let half = (ci[1] - ci[0]) / 2
                return half <= 1e-9 * abs(s.mean) ? " ±0" : String(format: " ±" + format, half)
            } ?? "")
        }
        var rows = [["scheduler", "UXCost", "UXCost-met", "E J/frame", "E J/met", "V", "miss", "drop", "XRBench", "min frames"]]
        for c in cells {
            rows.append([c.scheduler, f(c, "uxcost", "%.4g"), f(c, "uxcost_met", "%.4g"), f(c, "energy_per_frame_j", "%.4g"),
                         f(c, "energy_per_met_frame_j", "%.4g"), f(c, "violation_rate", "%.3f"), f(c, "miss_rate", "%.3f"),
                         f(c, "drop_rate", "%.3f"), f(c, "xrbench_score", "%.1f"), "\(c.minFramesPerStream)"])
        }
        return TextTable.render(rows)
    }

    /// The per-scenario object earlier readers (the HTML report's bar charts) take.
    private func legacyScenario(_ scenario: String, _ load: Double, _ scale: WorkloadScale) -> CompareJSON.Scenario {
        var out = CompareJSON.Scenario(timeScale: scale.time, workScale: scale.work, workScalePerModel: scale.streamWork, load: load,
                                       results: [:], dreamReduction: nil)
        for m in plan.modes {
            var per: [String: [String: Double?]] = [:]
            for n in plan.schedulers { if let c = cell(scenario, load, n, m) {
                per[n] = Dictionary(uniqueKeysWithValues: (RunMetrics.keys + ["energy_j"]).map { ($0, c.mean($0)) })
            } }
            if !per.isEmpty { out.results[m] = per }
        }
        let primary = plan.schedulers.compactMap { cell(scenario, load, $0, plan.modes[0]) }
        if let d = primary.first(where: { $0.scheduler == "dream" })?.mean("uxcost") {
            out.dreamReduction = Dictionary(uniqueKeysWithValues: primary.filter { SchedulerCatalog.isBaseline($0.scheduler) }
                .compactMap { c in c.mean("uxcost").map { (c.scheduler, 1 - d / $0) } })
        }
        return out
    }

    private func gapText(_ scenario: String, _ load: Double) -> String {
        var rows = [["scheduler", "UXCost", "miss rate", "drop rate"]]
        for n in plan.schedulers {
            guard let l = cell(scenario, load, n, "live"), let s = cell(scenario, load, n, "sim") else { continue }
            rows.append([n] + ["uxcost", "miss_rate", "drop_rate"].map { k in
                guard let a = l.mean(k), let b = s.mean(k) else { return "-" }
                return String(format: "%.1f%%", Self.relativeGap(sim: b, live: a) * 100)
            })
        }
        return TextTable.render(rows)
    }

    private func gapJSON() -> [CompareJSON.Gap] {
        cells.filter { $0.mode == "live" }.compactMap { l in
            guard let s = cell(l.scenario, l.load, l.scheduler, "sim") else { return nil }
            var gap = CompareJSON.Gap(scenario: l.scenario, load: l.load, scheduler: l.scheduler, values: [:])
            for k in ["uxcost", "uxcost_met", "miss_rate", "drop_rate", "energy_per_frame_j"] {
                if let a = l.mean(k), let b = s.mean(k) { gap.values[k] = Self.relativeGap(sim: b, live: a) }
            }
            return gap
        }
    }

    public static func relativeGap(sim s: Double, live l: Double) -> Double { l == 0 ? (s == 0 ? 0 : 1) : abs(s - l) / abs(l) }
}
