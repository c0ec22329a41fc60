import ArgumentParser
import DreamCore
import DreamEngine
import DreamWorkloads
import DreamXRBench
import Foundation

/// The workload options every running command shares (run, sim, compare, calibrate).
struct ScenarioOptions: ParsableArguments {
    @Option(name: .long, help: "A shipped scenario name (see workloads/scenarios/) or a file path.")
    var scenario: String = "vr-gaming"

    @Option(name: .long, help: "Seed of every random draw (releases, cascades, skips, phases).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Seconds of (scaled) time during which frames are released.")
    var duration: Double = 10

    @Option(name: .long, help: "Time scale s: periods, deadlines and phases x s (default: 1, the scenario's own frame rates).")
    var timeScale: Double?

    @Option(name: .long, help: "Work scale w in (0, 1] for every model: channels and spatial sides x w^(1/4), FLOPs about x w (given alone: the time scale is fitted).")
    var workScale: Double?

    @Flag(name: .long, help: "Fit each model's work at the scenario's own frame rates: every model feasible alone with margin, offered load = --target-load (the default when no scale is given).")
    var fit = false

    @Option(name: .long, help: "Offered load --fit aims at: frames per second x alone latency on the fastest accelerator, summed over models, per accelerator.")
    var targetLoad: Double = 0.8

    @OptionGroup var mixing: MixOptions

    func validate() throws {
        if !(duration > 0) || !duration.isFinite {
            throw ValidationError("--duration must be a positive number of seconds, found \(duration)")
        }
        if duration > 86_400 { throw ValidationError("--duration must be at most 86400 s, found \(duration)") }
        if fit && timeScale != nil { throw ValidationError("--fit picks the scales: give either --fit or --time-scale") }
        if fit && workScale != nil { throw ValidationError("--fit picks each model's work scale: give either --fit or --work-scale") }
        if !(targetLoad > 0) || targetLoad > 100 { throw ValidationError("--target-load must be in (0, 100], found \(targetLoad)") }
    }

    /// How the scale is chosen: fitted work at time scale 1 (the default), the time scale fitted
    /// to a given work scale, or both given.
    enum Fitting { case work, time, none }

    var fitting: Fitting {
        if fit || (timeScale == nil && workScale == nil) { return .work }
        return timeScale == nil ? .time : .none
    }

    func loadScenario() throws -> ScenarioSpec { try ScenarioSpec.load(scenario) }

    /// The trace at `scale`.
    func trace(_ spec: ScenarioSpec, scale: WorkloadScale) throws -> WorkloadTrace {
        try WorkloadTrace.generate(scenario: spec, seed: seed, duration: duration, scale: scale)
    }

    /// The mix of `--mix`.
    func workMix(_ spec: ScenarioSpec) throws -> WorkFit.Mix {
        switch mixing.mix {
        case .equal: return .equal
        case .xrbench: return try xrbenchMix(spec, hardware: mixing.mixHardware, costs: mixing.mixCosts)
        }
    }

    /// The final scale and, when fitted, the fit. `costs` prices layers (the simulator's
    /// model, or the analytic fallback of a live run); `probe` measures the kernels at a scale
    /// (live runs), and the fit is then corrected by measured / modelled latency per model until
    /// they agree within 10% (at most four probes); the last probe is returned as `measured`.
    func fitScale(_ spec: ScenarioSpec, accelerators: [ResolvedAccelerator], costs: CostModel,
                  probe: ((WorkloadScale) throws -> MeasuredCostModel)? = nil) throws -> FitOutcome {
        let base = WorkloadScale(time: timeScale ?? 1, work: workScale ?? 1)
        try base.validate()
        switch fitting {
        case .none:
            return FitOutcome(scale: base, fit: nil, measured: try probe?(base))
        case .time:
            // A given work scale: the time scale that offers --target-load x the capacity.
            var measured: MeasuredCostModel?
            let probeTrace = try trace(spec, scale: base)
            if let probe { measured = try probe(base) }
            let cap = MeasuredCostModel.capacityGFLOPs(of: EngineWorkload(trace: probeTrace), accelerators: accelerators, model: measured ?? costs)
            let fitted = try WorkloadScale.fit(capacityGFLOPs: cap, targetLoad: targetLoad, axis: .time) { s in
                try trace(spec, scale: WorkloadScale(time: s.time, work: base.work)).offeredGFLOPs
            }
            return FitOutcome(scale: WorkloadScale(time: fitted.time, work: base.work), fit: nil, measured: measured, capacityGFLOPs: cap)
        case .work:
            let mix = try workMix(spec)
            var correction: [String: Double] = [:]
            var fitted = try WorkFit.fit(spec, seed: seed, targetLoad: targetLoad, accelerators: accelerators, costs: costs, mix: mix)
            guard let probe else { return FitOutcome(scale: fitted.scale, fit: fitted, measured: nil) }
            var measured: MeasuredCostModel!
            for round in 1...4 {
                measured = try probe(fitted.scale)
                var worst = 0.0
                for (i, st) in spec.streams.enumerated() {
                    let w = fitted.scale.work(forStream: st.name)
                    let real = WorkFit.aloneNs(st, work: w, accelerators: accelerators, costs: measured)
                    let modelled = WorkFit.aloneNs(st, work: w, accelerators: accelerators, costs: costs)
                    if modelled > 0 { correction[st.name] = real / modelled }
                    worst = max(worst, abs(real / max(fitted.streams[i].aloneMs * 1e6, 1) - 1))
                }
                if worst <= 0.1 || round == 4 { break }
                fitted = try WorkFit.fit(spec, seed: seed, targetLoad: targetLoad, accelerators: accelerators, costs: costs, mix: mix,
                                         correction: correction)
            }
            return FitOutcome(scale: fitted.scale, fit: fitted.measured(spec, accelerators: accelerators, costs: measured), measured: measured)
        }
    }
}

enum MixChoice: String, ExpressibleByArgument, CaseIterable {
    case equal, xrbench
}

/// How a fit shares the load among models, and whether infeasible models may run: shared by
/// run, sim and compare.
struct MixOptions: ParsableArguments {
    @Option(name: .long, help: "How the fit shares the load among models: equal (the same share of accelerator time each) or xrbench (XRBench's relative model costs on --mix-hardware).")
    var mix: MixChoice = .equal

    @Option(name: .long, help: "With --mix xrbench: HARDWARE/DATAFLOWS of XRBench's cost table, e.g. Dual_4K/WS_OS.")
    var mixHardware: String = "Dual_4K/WS_OS"

    @Option(name: .long, help: "With --mix xrbench: XRBench's cost_table.csv (default: ../shared/xrbench/cost_table.csv or $DREAM_XRBENCH_COSTS).")
    var mixCosts: String?

    @Flag(name: .long, help: "Run even when a model cannot meet its deadline alone on its fastest accelerator (otherwise refused, exit 69).")
    var allowInfeasible = false

    /// The same options as command-line arguments (for the options of each cell).
    var arguments: [String] {
        ["--mix", mix.rawValue, "--mix-hardware", mixHardware] + (mixCosts.map { ["--mix-costs", $0] } ?? []) + (allowInfeasible ? ["--allow-infeasible"] : [])
    }
}

/// What fitting a scenario gave.
struct FitOutcome {
    var scale: WorkloadScale
    /// The work fit (nil for explicit or time-fitted scales).
    var fit: WorkFit?
    /// The kernels measured at the final scale (live runs).
    var measured: MeasuredCostModel?
    /// The capacity of a time fit, GFLOP/s.
    var capacityGFLOPs: Double?

    /// One line for the log.
    var summary: String {
        if let fit {
            let models = fit.streams.map { String(format: "%@ %.2f/%.2f ms", $0.name as NSString, $0.aloneMs, $0.deadlineMs) }.joined(separator: ", ")
            return String(format: "time scale 1, work fitted to load %.2f (target %.2f); alone/deadline: %@", fit.load, fit.targetLoad, models)
        }
        return "\(scale)" + (capacityGFLOPs.map { String(format: " (time fitted: capacity %.1f GFLOP/s)", $0) } ?? "")
    }
}

/// What runs the scenario and where results go: shared by `run` and `sim`.
struct SystemOptions: ParsableArguments {
    @Option(name: .long, help: "`auto`, a shipped topology name (see topologies/) or a file.")
    var topology: String = "auto"

    @Option(name: .long, help: "The scheduling policy (see `dream compare --help`: dream, its ablations, or a baseline).")
    var scheduler: String = "dream"

    @Option(name: .long, help: "Folder for results.json, frames.csv and trace.json (and tuning.csv with DREAM).")
    var out: String?

    @Option(name: .long, help: "A calibration from `dream calibrate`: measured layer costs for the estimates (and, in sim, the simulated times).")
    var calibration: String?

    @Flag(name: .long, help: "With --out: also write DIR/report.html (timeline, latency CDFs, tuning).")
    var html = false

    func validate() throws {
        if html && out == nil { throw ValidationError("--html needs --out DIR") }
    }
}

/// Refuses (exit 69) a workload with a model that no policy can run in time, unless allowed
/// (then warns and returns their names): such a model measures only dropping, every policy
/// shares its misses.
@discardableResult
func feasibility(_ engine: EngineWorkload, _ topology: ResolvedTopology, _ model: CostModel, timeScale: Double, allow: Bool) throws -> [String] {
    let hopeless = engine.infeasibleStreams(accelerators: topology.accelerators, model: model)
    guard !hopeless.isEmpty else { return [] }
    let problem = hopeless.map {
        String(format: "%@ needs %.2f ms even alone on the fastest accelerator (with its upstream), its deadline is %.2f ms",
               $0.name as NSString, $0.bestLatencyNs / 1e6, $0.relativeDeadlineNs / 1e6)
    }.joined(separator: "; ") + ": every frame of \(hopeless.count == 1 ? "it" : "them") will miss or be dropped whatever the policy"
    if allow {
        log("warning: \(problem)")
    } else {
        let needed = hopeless.map { $0.timeScaleNeeded(current: timeScale) }.max() ?? 1
        throw DreamInputError(.unavailable, file: engine.name, field: hopeless.map(\.name).joined(separator: ", "), problem: problem,
                              fix: String(format: "use the default --fit (work scaled per model at the scenario's frame rates), --time-scale %.3g or more, or --allow-infeasible to run anyway", needed))
    }
    return hopeless.map(\.name)
}

extension RunReport {
    /// Records the scales per model, the fit and the models run although infeasible.
    mutating func describeFit(_ fit: WorkFit?, trace: WorkloadTrace, infeasible: [String]) {
        workScalePerModel = Dictionary(uniqueKeysWithValues: trace.streams.map { ($0.name, trace.scale.work(forStream: $0.name)) })
        self.fit = fit
        infeasibleModels = infeasible
    }
}

/// XRBench's relative model costs as a mix: each stream weighs its model's latency on the
/// named hardware (summed over that hardware's accelerators) x its frame rate, so the models
/// share this machine's time as they would share XRBench's accelerators.
func xrbenchMix(_ spec: ScenarioSpec, hardware: String, costs path: String?) throws -> WorkFit.Mix {
    let file = path ?? ProcessInfo.processInfo.environment["DREAM_XRBENCH_COSTS"] ?? "../shared/xrbench/cost_table.csv"
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
        throw DreamInputError(.noInput, file: file, field: "", problem: "cannot be read", fix: "give XRBench's cost_table.csv with --mix-costs FILE")
    }
    let table = try XRBenchCostTable.parse(text, file: file)
    let parts = hardware.split(separator: "/").map(String.init)
    guard parts.count == 2 else {
        throw DreamInputError(.usage, file: "--mix-hardware", field: "", problem: "must be HARDWARE/DATAFLOWS, found `\(hardware)`", fix: "write e.g. Dual_4K/WS_OS")
    }
    let rows = table.rows.filter { $0.hardware == parts[0] && $0.dataflows == parts[1] }
    if rows.isEmpty {
        let known = Set(table.rows.map { "\($0.hardware)/\($0.dataflows)" }).sorted().prefix(6).joined(separator: ", ")
        throw DreamInputError(.usage, file: "--mix-hardware", field: "", problem: "`\(hardware)` is not in \(file)", fix: "use one of \(known), ...")
    }
    var weights: [String: Double] = [:]
    for st in spec.streams {
        let ms = rows.filter { $0.model == st.model.name }.map { Double($0.cost.latencyMs) }
        guard let best = ms.min() else {
            throw DreamInputError(.data, file: file, field: st.model.name, problem: "has no cost on \(hardware)",
                                  fix: "use --mix equal, or a cost table that prices every model of \(spec.name)")
        }
        weights[st.name] = best * st.fps
    }
    return .weights(weights)
}
