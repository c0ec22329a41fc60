import ArgumentParser
import DreamCore
import DreamEngine
import DreamPlatform
import DreamReport
import DreamRuntime
import DreamSchedulers
import DreamWorkloads
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run several schedulers on identical workload traces at several loads and seeds; report every metric with 95% confidence intervals.",
        discussion: """
        Each scenario is fitted once per load (time scale 1, each model's work scaled so that it \
        is feasible alone with margin and the offered load is the load asked for; the same scales \
        for every scheduler) and each seed's trace is generated once, so every scheduler faces \
        exactly the same frames. Per scenario, load and scheduler: UXCost, UXCost-met, energy per \
        generated and per met frame, V, miss and drop rates and the XRBench score, as means with \
        95% intervals over seeds. Then DREAM's reductions against every baseline (geometric mean \
        over scenarios and seeds, interval over seeds), split into energy and violation ratios, \
        and the headline against the strongest baseline with and without drop. `drop-all` is the \
        sanity check: a metric on which it wins rewards shedding. --mode both also simulates each \
        live run at the speed that run met, and prints the sim-vs-live gap.
        """)

    @Option(name: .long, help: "Comma-separated scenario names or files.")
    var scenarios: String = "vr-gaming"

    @Option(name: .long, help: "`auto`, a shipped topology name or a file.")
    var topology: String = "auto"

    @Option(name: .long, help: "Comma-separated scheduler names and groups: all (every policy, the +drop baselines and drop-all), baselines, baselines+drop.")
    var schedulers: String = "all"

    @Option(name: .long, help: "Seeds: N (1..N) or A-B (e.g. 101-105).")
    var seeds: String = "1"

    @Option(name: .long, help: "Comma-separated offered loads (fractions of the accelerators' time), e.g. 0.6,0.8,1.0,1.2.")
    var loads: String?

    @Option(name: .long, help: "One offered load (the same as --loads X).")
    var targetLoad: Double?

    @Option(name: .long, help: "live, sim or both.")
    var mode: CompareMode = .sim

    @Option(name: .long, help: "Seconds per run (raised when needed so the slowest active stream has 30 frames and all have 300).")
    var duration: Double = 10

    @Option(name: .long, help: "How the fit shares the load among models: equal or xrbench.")
    var mix: MixChoice = .equal

    @Option(name: .long, help: "With --mix xrbench: HARDWARE/DATAFLOWS of XRBench's cost table.")
    var mixHardware: String = "Dual_4K/WS_OS"

    @Option(name: .long, help: "With --mix xrbench: XRBench's cost_table.csv.")
    var mixCosts: String?

    @Flag(name: .long, help: "Run cells with models that cannot meet their deadline alone (otherwise refused, exit 69).")
    var allowInfeasible = false

    @Option(name: .long, help: "A calibration for the simulator's costs (sim mode; default: the analytic model).")
    var calibration: String?

    @Option(name: .long, help: "Write the comparison as JSON here.")
    var json: String?

    @Flag(name: .long, help: "With --json FILE: also write FILE with .html (metrics against load, bar charts, reductions).")
    var html = false

    enum CompareMode: String, ExpressibleByArgument, CaseIterable { case live, sim, both }

    /// The parsed seed list (validated in `validate`).
    var seedList: [UInt64] { (try? Self.parseSeeds(seeds)) ?? [] }
    var loadList: [Double] { (try? Self.parseLoads(loads, single: targetLoad)) ?? [] }

    func validate() throws {
        if html && json == nil { throw ValidationError("--html needs --json FILE") }
        if !(duration > 0) || duration > 86_400 { throw ValidationError("--duration must be in (0, 86400] s, found \(duration)") }
        _ = try Self.parseSeeds(seeds)
        _ = try Self.parseLoads(loads, single: targetLoad)
    }

    static func parseSeeds(_ text: String) throws -> [UInt64] {
        let fix = "write --seeds N (seeds 1 to N) or --seeds A-B with A <= B, e.g. --seeds 101-105"
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        if parts.count == 1, let n = parts[0], n >= 1, n <= 1000 { return Array(1...n) }
        if parts.count == 2, let a = parts[0], let b = parts[1], a <= b, b - a < 1000 { return Array(a...b) }
        throw ValidationError("--seeds `\(text)` is not a seed count or range: \(fix)")
    }

    static func parseLoads(_ text: String?, single: Double?) throws -> [Double] {
        if text != nil && single != nil { throw ValidationError("give --loads or --target-load, not both") }
        guard let text else { return try checkLoads([single ?? 0.8], "--target-load") }
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        if values.isEmpty || values.contains(where: { $0 == nil }) {
            throw ValidationError("--loads `\(text)` is not a list of numbers: write e.g. --loads 0.6,0.8,1.0,1.2")
        }
        return try checkLoads(values.map { $0! }, "--loads")
    }

    private static func checkLoads(_ values: [Double], _ option: String) throws -> [Double] {
        for v in values where !(v > 0) || !v.isFinite || v > 100 {
            throw ValidationError("\(option) must be offered loads in (0, 100] (fractions of the accelerators' time), found \(v): write e.g. --loads 0.6,0.8,1.0,1.2")
        }
        var seen = Set<Double>()
        return values.filter { seen.insert($0).inserted }
    }

    func run() throws {
        StopSignals.install()
        let interrupted = try reportingErrors { try compare() }
        if interrupted { throw ExitCode(130) }
    }

    /// Runs the comparison; returns whether a signal interrupted it.
    private func compare() throws -> Bool {
        let machine = try MachineDiscovery.discover()
        let spec = try TopologySpec.load(topology, machine: machine)
        // Simulation needs no cores: sim mode accepts any topology (on a synthetic machine when
        // this host is too small); live and both stay strict.
        let topo: ResolvedTopology
        var machineNote = machine.source
        if mode == .sim {
            let (resolved, synthetic) = try spec.resolveForSimulation(on: machine)
            topo = resolved
            if let synthetic { machineNote = "\(synthetic.source) (this host has \(machine.cores.count) cores)" }
            logSimulatedMachine(topo, synthetic: synthetic, host: machine, calibration: calibration)
        } else {
            topo = try spec.resolve(on: machine)
        }
        let names = try schedulerNames(schedulers)
        let scenarioNames = scenarios.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if scenarioNames.isEmpty { throw DreamInputError(.usage, file: "--scenarios", field: "", problem: "is empty", fix: "name at least one scenario") }
        if let json { try AtomicFile.prepareFolder(URL(fileURLWithPath: json).deletingLastPathComponent().path, option: "--json") }
        let live = mode != .sim
        if live && !topo.bindingAvailable {
            throw DreamInputError(.unavailable, file: machine.source, field: "", problem: "describes another machine: live runs cannot pin threads",
                                  fix: "use --mode sim")
        }
        let simCalibration = try loadCosts(calibration, topology: topo)
        let seedList = self.seedList, loadList = self.loadList
        var cells: [String: ComparisonCell] = [:]
        var cellOrder: [String] = []
        var fits: [[String: Any]] = []
        var infeasible: [WorkFit.Infeasibility] = []
        var legacy: [String: Any] = [:]
        var stopped = false
        var offeredLoad = 0.0
        func record(_ scenario: String, _ load: Double, _ name: String, _ m: String, _ seed: UInt64, _ s: RunSummary) {
            let key = "\(scenario)|\(load)|\(name)|\(m)"
            if cells[key] == nil {
                cells[key] = ComparisonCell(scenario: scenario, load: load, scheduler: name, mode: m)
                cells[key]!.offeredLoad = offeredLoad
                cellOrder.append(key)
            }
            cells[key]!.seeds.append(seed)
            cells[key]!.runs.append(RunMetrics(s))
        }
        scenarioLoop: for scenarioName in scenarioNames {
            let spec = try ScenarioSpec.load(scenarioName)
            for load in loadList {
                var options = try ScenarioOptions.parse(["--scenario", scenarioName, "--duration", "\(duration)", "--target-load", "\(load)",
                                                         "--fit", "--seed", "\(seedList[0])", "--mix", mix.rawValue, "--mix-hardware", mixHardware]
                                                        + (mixCosts.map { ["--mix-costs", $0] } ?? []) + (allowInfeasible ? ["--allow-infeasible"] : []))
                log("\(spec.name): fitting to load \(load)")
                let costs: CostModel = simCalibration ?? AnalyticCostModel()
                let fitted = try options.fitScale(spec, accelerators: topo.accelerators, costs: costs, probe: live ? { scale in
                    let engine = EngineWorkload(trace: try options.trace(spec, scale: scale))
                    let shapes = engine.streams.flatMap { $0.variants.flatMap(\.layers) }
                    return KernelProbe.costModel(try KernelProbe.measure(shapes: shapes, topology: topo), accelerators: topo.accelerators.count)
                } : nil)
                if StopSignals.received != nil { stopped = true; break scenarioLoop }
                let fit = fitted.fit!
                infeasible += fit.infeasible
                if fit.load < load * 0.97 {
                    // Not a cell of this load: every model is at its deadline cap (see `infeasible`).
                    log(String(format: "  skipped: %@ offers at most load %.2f with every model feasible alone", spec.name, fit.load))
                    fits.append(["scenario": spec.name, "load": load, "fit": RunReport.fitJSON(fit), "skipped": true])
                    continue
                }
                options.duration = max(duration, Self.durationFor(fit))
                if options.duration > duration { log(String(format: "  duration raised to %.0f s: 30 frames of the slowest active stream, 300 in all", options.duration)) }
                log("  \(fitted.summary)")
                offeredLoad = fit.load
                fits.append(["scenario": spec.name, "load": load, "duration_s": options.duration, "fit": RunReport.fitJSON(fit)])
                var liveSpeed: [String: LiveSpeed] = [:]
                for seed in seedList {
                    options.seed = seed
                    let trace = try options.trace(spec, scale: fitted.scale)
                    let engine = EngineWorkload(trace: trace)
                    let estimates: CostModel = fitted.measured ?? costs
                    try feasibility(engine, topo, estimates, timeScale: 1, allow: allowInfeasible)
                    for name in names {
                        if StopSignals.received != nil { stopped = true; break scenarioLoop }
                        if live {
                            let config = { var c = LiveConfiguration(); c.dataSeed = seed; return c }()
                            let runtime = try LiveRuntime(workload: engine, topology: topo, scheduler: try makeScheduler(name),
                                                          estimates: fitted.measured!, configuration: config)
                            let r = runtime.run()
                            if r.partial { stopped = true }
                            let s = RunSummary(frames: r.core.frames, blocks: r.core.blocks, streams: engine.streams, accelerators: topo.accelerators,
                                               wallNs: r.wallNs, decisionNs: r.core.decisionNs, dispatchNs: r.dispatchLatencyNs, energySource: "model")
                            record(spec.name, load, name, "live", seed, s)
                            liveSpeed[name] = LiveSpeed(of: r.core, model: fitted.measured!, accelerators: topo.accelerators)
                            log(String(format: "  %@ load %.2f seed %d %@ live: UXCost %.4g, UXCost-met %@, V %.3f", spec.name, load, seed, name,
                                       s.uxcost, s.uxcostMet.map { String(format: "%.4g", $0) } ?? "inf", s.violationRate))
                        }
                        if mode != .live {
                            var sim = Simulator(workload: engine, accelerators: topo.accelerators, costs: fitted.measured ?? costs,
                                                estimateModel: fitted.measured ?? costs)
                            if mode == .both {
                                // The live run's own speed per model and accelerator, and its block-to-block spread.
                                sim.latencyFactors = liveSpeed[name]?.factors ?? []
                                sim.blockJitter = liveSpeed[name]?.blockSpread ?? []
                                sim.jitterSeed = seed
                            }
                            record(spec.name, load, name, "sim", seed, try simulate(sim, name, engine, topo))
                        }
                    }
                }
                let label = loadList.count > 1 ? "\(spec.name) @ \(load)" : spec.name
                legacy[label] = legacyScenario(spec.name, load, fitted.scale, names, cells)
                for m in modes where cells.keys.contains(where: { $0.hasPrefix("\(spec.name)|\(load)|") && $0.hasSuffix("|\(m)") }) {
                    print("\n\(spec.name) [\(m)] load \(load), time scale 1, seeds \(seeds), \(String(format: "%.0f", options.duration)) s per run")
                    print(cellTable(names.compactMap { cells["\(spec.name)|\(load)|\($0)|\(m)"] }))
                }
                if mode == .both {
                    print("sim vs live gap (relative, of the means):\n" + gapText(spec.name, load, names, cells))
                }
            }
        }
        let all = cellOrder.compactMap { cells[$0] }
        var reductions: [Reduction] = []
        var headline: [[String: Any]] = []
        var sanity: [String] = []
        for m in modes {
            let mine = all.filter { $0.mode == m }
            guard names.contains("dream") else { break }
            for load in loadList {
                let baselines = names.filter { SchedulerCatalog.isBaseline($0) }
                var rows = [["baseline", "UXCost", "= energy", "x violation", "UXCost-met", "= energy/met", "x violation"]]
                for b in baselines {
                    let r = ["uxcost", "energy_per_frame_j", "violation_floored", "uxcost_met", "energy_per_met_frame_j"].compactMap {
                        Reduction.of("dream", against: b, load: load, metric: $0, cells: mine)
                    }
                    reductions += r
                    func cell(_ metric: String) -> String {
                        guard let x = r.first(where: { $0.metric == metric }) else { return "-" }
                        return percent(x)
                    }
                    rows.append([b, cell("uxcost"), cell("energy_per_frame_j"), cell("violation_floored"), cell("uxcost_met"),
                                 cell("energy_per_met_frame_j"), cell("violation_floored")])
                }
                if baselines.isEmpty { continue }
                print("\nDREAM's reductions [\(m)] at load \(load) (geometric mean over scenarios and seeds, [95% interval over seeds]); a reduction = 1 - product of its energy and violation ratios:")
                print(TextTable.render(rows))
                for metric in ["uxcost", "uxcost_met"] {
                    for (label, group) in [("without drop", SchedulerCatalog.baselines), ("with drop", SchedulerCatalog.baselinesWithDrop),
                                           ("any", SchedulerCatalog.baselines + SchedulerCatalog.baselinesWithDrop)] {
                        let candidates = reductions.filter { $0.mode == m && $0.load == load && $0.metric == metric && group.contains($0.baseline) }
                        guard let strongest = candidates.min(by: { $0.geomean < $1.geomean }) else { continue }
                        headline.append(["mode": m, "load": load, "metric": metric, "against": label, "baseline": strongest.baseline,
                                         "geomean": strongest.geomean, "ci95": strongest.ci95 as Any])
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
        if !infeasible.isEmpty {
            print("\ninfeasible:")
            for i in infeasible { print("  \(i.scenario) at load \(i.load): \(i.model): \(i.reason)") }
        }
        if let json {
            var result: [String: Any] = ["mode": mode.rawValue, "topology": topo.name, "seeds": seedList.map { Int($0) }, "loads": loadList,
                                         "duration_s": duration, "schedulers": names, "partial": stopped, "mix": mix.rawValue,
                                         "cells": all.map(\.json), "reductions": reductions.map(\.json), "headline": headline,
                                         "infeasible": infeasible.map { ["scenario": $0.scenario, "load": $0.load, "model": $0.model, "reason": $0.reason] },
                                         "fits": fits, "sanity": sanity, "scenarios": legacy,
                                         "machine": machineNote, "costs": mode == .live ? "kernels probed live" : (calibration.map { "calibration \($0)" } ?? "analytic model")]
            // Earlier readers: DREAM's UXCost reduction per baseline at the first load, primary mode.
            result["geomean_reduction"] = Dictionary(uniqueKeysWithValues: reductions.filter {
                $0.metric == "uxcost" && $0.load == loadList[0] && $0.mode == modes[0]
            }.map { ($0.baseline, $0.geomean) })
            if mode == .both { result["sim_live_gap"] = gapJSON(all) }
            try AtomicFile.write(JSONSerialization.data(withJSONObject: RunReport.nullify(result), options: [.prettyPrinted, .sortedKeys]), to: json)
            if html {
                let path = (json.hasSuffix(".json") ? String(json.dropLast(5)) : json) + ".html"
                try HTMLReport.write(HTMLReport.compare(json: json, options: .init(generatedBy: commandLine)), to: path)
            }
        }
        return stopped
    }

    /// The primary mode first (live when there is one).
    private var modes: [String] {
        switch mode {
        case .live: return ["live"]
        case .sim: return ["sim"]
        case .both: return ["live", "sim"]
        }
    }

    /// Seconds for 30 frames of the slowest active stream and 300 frames in all.
    static func durationFor(_ fit: WorkFit) -> Double {
        let rates = fit.streams.map(\.framesPerSecond).filter { $0 > 0 }
        guard let slowest = rates.min() else { return 0 }
        return (max(30 / slowest, 300 / rates.reduce(0, +))).rounded(.up)
    }

    private func simulate(_ sim: Simulator, _ name: String, _ engine: EngineWorkload, _ topo: ResolvedTopology) throws -> RunSummary {
        let core = sim.run(scheduler: try makeScheduler(name), wallClock: { RealTime.nowNanoseconds() })
        let wall = max(engine.durationNs, core.frames.map(\.completionNs).max() ?? 0)
        return RunSummary(frames: core.frames, blocks: core.blocks, streams: engine.streams, accelerators: topo.accelerators,
                          wallNs: wall, decisionNs: core.decisionNs, dispatchNs: [], energySource: "model")
    }

    private func percent(_ r: Reduction) -> String {
        String(format: "%.1f%%", r.geomean * 100) + (r.ci95.map { String(format: " [%.1f, %.1f]", $0[0] * 100, $0[1] * 100) } ?? "")
    }

    /// Means with the half-width of their 95% interval.
    private func cellTable(_ cells: [ComparisonCell]) -> String {
        func f(_ c: ComparisonCell, _ key: String, _ format: String) -> String {
            guard let v = c.values(key) else { return "inf" }
            let s = SeedStatistics.meanCI(v)
            return String(format: format, s.mean) + (s.ci95.map { String(format: " ±" + format, ($0[1] - $0[0]) / 2) } ?? "")
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
    private func legacyScenario(_ scenario: String, _ load: Double, _ scale: WorkloadScale, _ names: [String],
                                _ cells: [String: ComparisonCell]) -> [String: Any] {
        var out: [String: Any] = ["time_scale": scale.time, "work_scale": scale.work, "work_scale_per_model": scale.streamWork, "load": load]
        for m in modes {
            var per: [String: Any] = [:]
            for n in names { if let c = cells["\(scenario)|\(load)|\(n)|\(m)"] {
                per[n] = Dictionary(uniqueKeysWithValues: RunMetrics.keys.map { ($0, c.mean($0) as Any) })
            } }
            if !per.isEmpty { out[m] = per }
        }
        let primary = names.compactMap { cells["\(scenario)|\(load)|\($0)|\(modes[0])"] }
        if let d = primary.first(where: { $0.scheduler == "dream" })?.mean("uxcost") {
            out["dream_reduction"] = Dictionary(uniqueKeysWithValues: primary.filter { SchedulerCatalog.isBaseline($0.scheduler) }
                .compactMap { c in c.mean("uxcost").map { (c.scheduler, 1 - d / $0) } })
        }
        return out
    }

    private func gapText(_ scenario: String, _ load: Double, _ names: [String], _ cells: [String: ComparisonCell]) -> String {
        var rows = [["scheduler", "UXCost", "miss rate", "drop rate"]]
        for n in names {
            guard let l = cells["\(scenario)|\(load)|\(n)|live"], let s = cells["\(scenario)|\(load)|\(n)|sim"] else { continue }
            rows.append([n] + ["uxcost", "miss_rate", "drop_rate"].map { k in
                guard let a = l.mean(k), let b = s.mean(k) else { return "-" }
                return String(format: "%.1f%%", Self.relativeGap(sim: b, live: a) * 100)
            })
        }
        return TextTable.render(rows)
    }

    private func gapJSON(_ all: [ComparisonCell]) -> [[String: Any]] {
        all.filter { $0.mode == "live" }.compactMap { l in
            guard let s = all.first(where: { $0.mode == "sim" && $0.scenario == l.scenario && $0.load == l.load && $0.scheduler == l.scheduler }) else { return nil }
            var d: [String: Any] = ["scenario": l.scenario, "load": l.load, "scheduler": l.scheduler]
            for k in ["uxcost", "uxcost_met", "miss_rate", "drop_rate", "energy_per_frame_j"] {
                if let a = l.mean(k), let b = s.mean(k) { d[k] = Self.relativeGap(sim: b, live: a) }
            }
            return d
        }
    }

    static func relativeGap(sim s: Double, live l: Double) -> Double { l == 0 ? (s == 0 ? 0 : 1) : abs(s - l) / abs(l) }
}
