import ArgumentParser
import DreamCore
import DreamEngine
import DreamPlatform
import DreamReport
import DreamRuntime
import DreamWorkloads
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run several schedulers on identical workload traces and compare E, V, UXCost and the XRBench score.",
        discussion: """
        Each scenario is fitted once (the same scale for every scheduler) and each seed's trace is \
        generated once, so every scheduler faces exactly the same frames. Prints per scenario the \
        totals per scheduler and DREAM's UXCost reduction against each baseline \
        (1 - UXCost(dream) / UXCost(baseline)), then the geometric mean across scenarios. \
        --mode both also simulates each live run, with the measured kernel costs (and their \
        counted work) scaled per model and accelerator to the speed that run met (its measured / \
        estimated block time), and prints the sim-vs-live gap.
        """)

    @Option(name: .long, help: "Comma-separated scenario names or files.")
    var scenarios: String = "vr-gaming"

    @Option(name: .long, help: "`auto`, a shipped topology name or a file.")
    var topology: String = "auto"

    @Option(name: .long, help: "Comma-separated scheduler names, or `all` (every policy), or `baselines`.")
    var schedulers: String = "all"

    @Option(name: .long, help: "How many seeds (1..N) per scenario.")
    var seeds: Int = 1

    @Option(name: .long, help: "live, sim or both.")
    var mode: String = "sim"

    @Option(name: .long, help: "Seconds of (scaled) time per run.")
    var duration: Double = 10

    @Option(name: .long, help: "Offered load as a fraction of measured capacity.")
    var targetLoad: Double = 0.9

    @Option(name: .long, help: "A calibration for the simulator's costs (sim mode; default: the analytic model).")
    var calibration: String?

    @Option(name: .long, help: "Re-run a live cell whose run was disturbed (docs/results.md, interference) up to this many times.")
    var retries: Int = 0

    @Option(name: .long, help: "Write the comparison as JSON here.")
    var json: String?

    @Flag(name: .long, help: "With --json FILE: also write FILE with .html (bar charts, reductions).")
    var html = false

    func validate() throws {
        if html && json == nil { throw ValidationError("--html needs --json FILE") }
        if !["live", "sim", "both"].contains(mode) { throw ValidationError("--mode must be live, sim or both, found `\(mode)`") }
        if retries < 0 || retries > 100 { throw ValidationError("--retries must be in [0, 100], found \(retries)") }
        if seeds < 1 || seeds > 1000 { throw ValidationError("--seeds must be in [1, 1000], found \(seeds)") }
        if !(duration > 0) || duration > 86_400 { throw ValidationError("--duration must be in (0, 86400] s, found \(duration)") }
        if !(targetLoad > 0) || targetLoad > 100 { throw ValidationError("--target-load must be in (0, 100], found \(targetLoad)") }
    }

    struct Totals: Codable {
        var uxcost: Double
        var energyJ: Double
        var energyPerFrameJ: Double
        var violationRate: Double
        var xrbenchScore: Double
        var missRate: Double
        var dropRate: Double
        var runs: Int
        /// Frames generated, over all runs.
        var frames: Int = 0
    }

    func run() throws {
        StopSignals.install()
        let interrupted = try reportingErrors { try compare() }
        if interrupted { throw ExitCode(130) }
    }

    /// Runs the comparison; returns whether a signal interrupted it.
    private func compare() throws -> Bool {
        do {
            let machine = try MachineDiscovery.discover()
            let topo = try TopologySpec.load(topology, machine: machine).resolve(on: machine)
            let names = try schedulerNames(schedulers)
            let scenarioNames = scenarios.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if scenarioNames.isEmpty { throw DreamInputError(.usage, file: "--scenarios", field: "", problem: "is empty", fix: "name at least one scenario") }
            if let json { try AtomicFile.prepareFolder(URL(fileURLWithPath: json).deletingLastPathComponent().path, option: "--json") }
            let live = mode != "sim"
            if live && !topo.bindingAvailable {
                throw DreamInputError(.unavailable, file: machine.source, field: "", problem: "describes another machine: live runs cannot pin threads",
                                      fix: "use --mode sim")
            }
            let simCalibration = try loadCosts(calibration, topology: topo)
            var result: [String: Any] = ["mode": mode, "topology": topo.name, "seeds": seeds, "duration_s": duration,
                                         "target_load": targetLoad, "schedulers": names]
            var perScenario: [String: Any] = [:]
            var ratios: [String: [Double]] = [:]
            var stopped = false
            var liveRuns = (runs: 0, disturbed: 0)
            for scenarioName in scenarioNames {
                let spec = try ScenarioSpec.load(scenarioName)
                var options = try ScenarioOptions.parse(["--scenario", scenarioName, "--duration", "\(duration)",
                                                         "--target-load", "\(targetLoad)", "--fit"])
                // One cost model per scenario: measured kernels for live (and both), else the simulator's.
                let (scale, capacity, measured) = try fitScenario(spec, options: options, topology: topo, live: live, simCosts: simCalibration)
                log(String(format: "%@: %@, capacity %.1f GFLOP/s, target load %.2f", spec.name, scale.description, capacity ?? 0, targetLoad))
                var totals: [String: [String: Totals]] = ["live": [:], "sim": [:], "sim-mean": [:]]
                var cells: [String: [[String: Any]]] = [:]
                for seed in 1...seeds {
                    options.seed = UInt64(seed)
                    let trace = try options.trace(spec, scale: scale)
                    let engine = EngineWorkload(trace: trace)
                    // Per scheduler: the speed its live run met (LiveSpeed).
                    var liveSpeed: [String: LiveSpeed] = [:]
                    for name in names {
                        if StopSignals.received != nil { stopped = true; break }
                        if live {
                            let config = { var c = LiveConfiguration(); c.dataSeed = UInt64(seed); return c }()
                            let runLive = { () throws -> LiveResult in
                                try LiveRuntime(workload: engine, topology: topo, scheduler: try makeScheduler(name), estimates: measured!, configuration: config).run()
                            }
                            var r = try runLive(), runs = 1, disturbed = r.interference?.disturbed == true ? 1 : 0
                            while r.interference?.disturbed == true && runs <= retries && !r.partial {
                                log("  \(spec.name) seed \(seed) \(name) live run disturbed (\(r.interference!.reasons.first ?? "")): re-running")
                                r = try runLive(); runs += 1; disturbed += r.interference?.disturbed == true ? 1 : 0
                            }
                            liveRuns = (liveRuns.runs + runs, liveRuns.disturbed + disturbed)
                            cells[name, default: []].append(["seed": seed, "verdict": r.interference?.verdict ?? "unknown", "runs": runs, "disturbed_runs": disturbed])
                            if r.partial { stopped = true }
                            let s = RunSummary(frames: r.core.frames, blocks: r.core.blocks, streams: engine.streams, accelerators: topo.accelerators,
                                               wallNs: r.wallNs, decisionNs: r.core.decisionNs, dispatchNs: r.dispatchLatencyNs, energySource: "model")
                            totals["live"]![name] = add(totals["live"]![name], s)
                            liveSpeed[name] = LiveSpeed(of: r.core, model: measured!, accelerators: topo.accelerators)
                            log("  \(spec.name) seed \(seed) \(name) live: UXCost \(String(format: "%.4g", s.uxcost)), V \(String(format: "%.3f", s.violationRate)), \(r.interference?.verdict ?? "")")
                        }
                        if mode != "live" {
                            if mode == "both", let measured {
                                // The live run's own speed (the machine it met, not the one probed
                                // before) and starting estimates; block times drawn from its spread,
                                // and, for comparison, all at its mean speed.
                                var jittered = Simulator(workload: engine, accelerators: topo.accelerators, costs: measured, estimateModel: measured)
                                jittered.latencyFactors = liveSpeed[name]?.factors ?? []
                                let steady = jittered
                                jittered.blockJitter = liveSpeed[name]?.blockSpread ?? []
                                jittered.jitterSeed = UInt64(seed)
                                totals["sim"]![name] = add(totals["sim"]![name], try simulate(jittered, name, engine, topo))
                                totals["sim-mean"]![name] = add(totals["sim-mean"]![name], try simulate(steady, name, engine, topo))
                            } else {
                                let sim = Simulator(workload: engine, accelerators: topo.accelerators, costs: simCalibration ?? AnalyticCostModel())
                                totals["sim"]![name] = add(totals["sim"]![name], try simulate(sim, name, engine, topo))
                            }
                        }
                    }
                }
                var scenarioJSON: [String: Any] = ["time_scale": scale.time, "work_scale": scale.work, "capacity_gflops": capacity as Any]
                if live { scenarioJSON["interference"] = cells }
                for m in ["live", "sim"] where !totals[m]!.isEmpty {
                    let t = totals[m]!.mapValues(mean)
                    let primary = m == (live ? "live" : "sim")
                    print("\n\(spec.name) [\(m)] (time scale \(String(format: "%.3f", scale.time)), load \(targetLoad))")
                    print(table(t, names: names))
                    var reductions: [String: Double] = [:]
                    if let d = t["dream"] {
                        for (b, bt) in t where b != "dream" && !b.hasPrefix("dream") && bt.uxcost > 0 {
                            reductions[b] = 1 - d.uxcost / bt.uxcost
                            if primary { ratios[b, default: []].append(d.uxcost / bt.uxcost) }
                        }
                        print("DREAM UXCost reduction: " + reductions.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f%%", $0.value * 100))" }.joined(separator: ", "))
                    }
                    scenarioJSON[m] = t.mapValues { ["uxcost": $0.uxcost, "energy_j": $0.energyJ, "energy_per_frame_j": $0.energyPerFrameJ,
                                                      "violation_rate": $0.violationRate, "xrbench_score": $0.xrbenchScore,
                                                      "miss_rate": $0.missRate, "drop_rate": $0.dropRate] }
                    if primary { scenarioJSON["dream_reduction"] = reductions }
                }
                if mode == "both" {
                    let gaps = gapTable(live: totals["live"]!.mapValues(mean), sim: totals["sim"]!.mapValues(mean),
                                        steady: totals["sim-mean"]!.mapValues(mean), names: names)
                    print("sim vs live gap (relative):\n" + gaps.text)
                    scenarioJSON["sim_live_gap"] = gaps.json
                }
                perScenario[spec.name] = scenarioJSON
                if stopped { break }
            }
            var geomean: [String: Double] = [:]
            for (b, r) in ratios where r.allSatisfy({ $0 > 0 }) {
                geomean[b] = 1 - exp(r.map { log($0) }.reduce(0, +) / Double(r.count))
            }
            if !geomean.isEmpty {
                print("\ngeometric-mean DREAM UXCost reduction across \(perScenario.count) scenario(s): " +
                      geomean.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f%%", $0.value * 100))" }.joined(separator: ", "))
            }
            result["scenarios"] = perScenario
            result["geomean_reduction"] = geomean
            result["partial"] = stopped
            if live {
                result["live_runs"] = ["runs": liveRuns.runs, "disturbed": liveRuns.disturbed, "retries": retries]
                print("live runs: \(liveRuns.runs), disturbed \(liveRuns.disturbed) (re-run up to \(retries) time(s) each)")
            }
            if let json {
                try AtomicFile.write(JSONSerialization.data(withJSONObject: RunReport.nullify(result), options: [.prettyPrinted, .sortedKeys]), to: json)
                if html {
                    let path = (json.hasSuffix(".json") ? String(json.dropLast(5)) : json) + ".html"
                    try HTMLReport.write(HTMLReport.compare(json: json, options: .init(generatedBy: commandLine)), to: path)
                }
            }
            return stopped
        }
    }

    private func fitScenario(_ spec: ScenarioSpec, options: ScenarioOptions, topology topo: ResolvedTopology, live: Bool,
                             simCosts: CostModel?) throws -> (WorkloadScale, Double?, MeasuredCostModel?) {
        var measured: MeasuredCostModel?
        let fitted = try options.scale(for: spec) { (engine: EngineWorkload) throws -> Double in
            var model: CostModel = simCosts ?? AnalyticCostModel()
            if live {
                let shapes = engine.streams.flatMap { $0.variants.flatMap(\.layers) }
                let m = KernelProbe.costModel(try KernelProbe.measure(shapes: shapes, topology: topo), accelerators: topo.accelerators.count)
                measured = m
                model = m
            }
            return MeasuredCostModel.capacityGFLOPs(of: engine, accelerators: topo.accelerators, model: model)
        }
        return (fitted.0, fitted.capacityGFLOPs, measured)
    }

    private func simulate(_ sim: Simulator, _ name: String, _ engine: EngineWorkload, _ topo: ResolvedTopology) throws -> RunSummary {
        let core = sim.run(scheduler: try makeScheduler(name), wallClock: { RealTime.nowNanoseconds() })
        let wall = max(engine.durationNs, core.frames.map(\.completionNs).max() ?? 0)
        return RunSummary(frames: core.frames, blocks: core.blocks, streams: engine.streams, accelerators: topo.accelerators,
                          wallNs: wall, decisionNs: core.decisionNs, dispatchNs: [], energySource: "model")
    }

    private func add(_ t: Totals?, _ s: RunSummary) -> Totals {
        let n = Double(max(1, s.framesGenerated))
        var r = t ?? Totals(uxcost: 0, energyJ: 0, energyPerFrameJ: 0, violationRate: 0, xrbenchScore: 0, missRate: 0, dropRate: 0, runs: 0)
        r.uxcost += s.uxcost
        r.energyJ += s.energyJ
        r.energyPerFrameJ += s.energyPerFrameJ
        r.violationRate += s.violationRate
        r.xrbenchScore += s.xrbenchScore
        r.missRate += Double(s.missed) / n
        r.dropRate += Double(s.dropped) / n
        r.runs += 1
        r.frames += s.framesGenerated
        return r
    }

    private func mean(_ t: Totals) -> Totals {
        let n = Double(max(1, t.runs))
        return Totals(uxcost: t.uxcost / n, energyJ: t.energyJ / n, energyPerFrameJ: t.energyPerFrameJ / n, violationRate: t.violationRate / n,
                      xrbenchScore: t.xrbenchScore / n, missRate: t.missRate / n, dropRate: t.dropRate / n, runs: t.runs, frames: t.frames)
    }

    private func table(_ t: [String: Totals], names: [String]) -> String {
        var rows = [["scheduler", "UXCost", "E J/frame", "V", "miss", "drop", "XRBench"]]
        for n in names { if let x = t[n] {
            rows.append([n, String(format: "%.5g", x.uxcost), String(format: "%.5g", x.energyPerFrameJ), String(format: "%.4f", x.violationRate),
                         String(format: "%.4f", x.missRate), String(format: "%.4f", x.dropRate), String(format: "%.2f", x.xrbenchScore)])
        } }
        return TextTable.render(rows)
    }

    /// Relative gaps; for the rates also how many frames apart the two runs were per seed: a
    /// rate of a short run moves in steps of one frame, so a 100% gap may be one frame.
    /// (`steady`: the same simulation with every block at the run's mean speed, no jitter.)
    private func gapTable(live: [String: Totals], sim: [String: Totals], steady: [String: Totals],
                          names: [String]) -> (text: String, json: [String: Any]) {
        func rel(_ s: Double, _ l: Double) -> Double { l == 0 ? (s == 0 ? 0 : 1) : abs(s - l) / abs(l) }
        var rows = [["scheduler", "UXCost", "miss rate", "drop rate", "UXCost at mean speed"]]
        var json: [String: Any] = [:]
        for n in names { if let l = live[n], let s = sim[n] {
            let perSeed = Double(l.frames) / Double(max(1, l.runs))
            let g = (rel(s.uxcost, l.uxcost), rel(s.missRate, l.missRate), rel(s.dropRate, l.dropRate))
            let apart = ((abs(s.missRate - l.missRate) * perSeed).rounded(), (abs(s.dropRate - l.dropRate) * perSeed).rounded())
            let steadyGap = steady[n].map { rel($0.uxcost, l.uxcost) }
            rows.append([n, String(format: "%.1f%%", g.0 * 100), String(format: "%.1f%% (%.0f fr)", g.1 * 100, apart.0),
                         String(format: "%.1f%% (%.0f fr)", g.2 * 100, apart.1), steadyGap.map { String(format: "%.1f%%", $0 * 100) } ?? "-"])
            json[n] = ["uxcost": g.0, "miss_rate": g.1, "drop_rate": g.2, "miss_frames_apart": apart.0, "drop_frames_apart": apart.1,
                       "frames": perSeed, "uxcost_mean_speed": steadyGap as Any]
        } }
        return (TextTable.render(rows), json)
    }
}
