import DreamCore
import DreamEngine
import DreamPlatform
import DreamRuntime
import DreamWorkloads
import Foundation

/// Runs the cells of a plan on this machine: the one code path of `dream compare` (every cell
/// in turn) and `dream cell` (one cell or a shard). Live cells fit their scenario on this
/// node's kernels once per (scenario, load) and keep it for the next cells of the process.
final class CellRunner {
    let plan: SweepPlan
    let topology: ResolvedTopology
    /// The plan's cost model: the calibration or the analytic roofline.
    let costs: CostModel
    private var specs: [String: ScenarioSpec] = [:]
    private var liveFits: [String: FitOutcome] = [:]

    init(plan: SweepPlan, topology: ResolvedTopology) throws {
        self.plan = plan
        self.topology = topology
        costs = try loadCosts(plan.calibration, topology: topology) ?? AnalyticCostModel()
    }

    /// The options a cell's trace is made with.
    func options(_ scenario: String, load: Double, seed: UInt64, duration: Double) throws -> ScenarioOptions {
        try ScenarioOptions.parse(["--scenario", scenario, "--duration", "\(duration)", "--target-load", "\(load)", "--fit",
                                   "--seed", "\(seed)", "--mix", plan.mix, "--mix-hardware", plan.mixHardware]
                                  + (plan.mixCosts.map { ["--mix-costs", $0] } ?? []))
    }

    /// Runs one cell; `partial` when a signal stopped its live run.
    func run(_ cell: SweepPlan.Cell) throws -> (result: CellResult, partial: Bool) {
        guard let planned = plan.fit(cell.scenario, cell.load) else {
            throw DreamInputError(.data, file: SweepPlan.fileName, field: cell.id, problem: "has no fit for \(cell.scenario) at load \(cell.load)",
                                  fix: "make the plan again")
        }
        let spec = try specs[cell.scenario] ?? ScenarioSpec.load(cell.scenario)
        specs[cell.scenario] = spec
        let live = plan.mode != "sim"
        var scale = planned.fit.scale
        var offered = planned.fit.load
        var measured: MeasuredCostModel?
        if live {
            let fitted = try liveFit(spec, cell, planned)
            scale = fitted.scale
            measured = fitted.measured
            offered = fitted.fit?.load ?? offered
        }
        var options = try self.options(cell.scenario, load: cell.load, seed: cell.seed, duration: planned.durationS)
        options.seed = cell.seed
        let engine = EngineWorkload(trace: try options.trace(spec, scale: scale))
        try feasibility(engine, topology, measured ?? costs, timeScale: 1, allow: plan.allowInfeasible)
        var result = CellResult(id: cell.id, build: plan.build, runs: [:], offeredLoad: offered)
        var partial = false
        var speed: LiveSpeed?
        let tag = String(format: "%@ load %.2f seed %d %@", cell.scenario, cell.load, cell.seed, cell.scheduler)
        if live {
            let config = { var c = LiveConfiguration(); c.dataSeed = cell.seed; return c }()
            let runLive = { [topology] () throws -> LiveResult in
                try LiveRuntime(workload: engine, topology: topology, scheduler: try makeScheduler(cell.scheduler),
                                estimates: measured!, configuration: config).run()
            }
            // A disturbed run (another process, steal, a stall) measures the machine, not the
            // policy: run it again, up to the plan's retries; the last run is kept either way.
            var r = try runLive()
            result.liveRuns = 1
            result.disturbedRuns = r.interference?.disturbed == true ? 1 : 0
            while r.interference?.disturbed == true && result.liveRuns <= plan.retries && !r.partial && StopSignals.received == nil {
                log("  \(tag) live run disturbed (\(r.interference!.reasons.first ?? "")): running it again")
                r = try runLive()
                result.liveRuns += 1
                result.disturbedRuns += r.interference?.disturbed == true ? 1 : 0
            }
            result.verdict = r.interference?.verdict
            partial = r.partial
            let s = RunSummary(frames: r.core.frames, blocks: r.core.blocks, streams: engine.streams, accelerators: topology.accelerators,
                               wallNs: r.wallNs, decisionNs: r.core.decisionNs, dispatchNs: r.dispatchLatencyNs, energySource: "model")
            result.runs["live"] = RunMetrics(s)
            speed = LiveSpeed(of: r.core, model: measured!, accelerators: topology.accelerators)
            log(String(format: "  %@ live: UXCost %.4g, UXCost-met %@, V %.3f, %@", tag, s.uxcost, s.uxcostMet.map { String(format: "%.4g", $0) } ?? "inf",
                       s.violationRate, result.verdict ?? "no verdict"))
        }
        if plan.mode != "live" {
            var sim = Simulator(workload: engine, accelerators: topology.accelerators, costs: measured ?? costs, estimateModel: measured ?? costs)
            if let speed {
                // The live run's own speed per model and accelerator, and its block-to-block spread.
                sim.latencyFactors = speed.factors
                sim.blockJitter = speed.blockSpread
                sim.jitterSeed = cell.seed
            }
            let core = sim.run(scheduler: try makeScheduler(cell.scheduler), wallClock: { RealTime.nowNanoseconds() })
            let wall = max(engine.durationNs, core.frames.map(\.completionNs).max() ?? 0)
            result.runs["sim"] = RunMetrics(RunSummary(frames: core.frames, blocks: core.blocks, streams: engine.streams, accelerators: topology.accelerators,
                                                       wallNs: wall, decisionNs: core.decisionNs, dispatchNs: [], energySource: "model"))
        }
        return (result, partial)
    }

    /// A live cell's scale: the plan's fit corrected by this node's kernels (one probe series per
    /// scenario and load, with the plan's first seed, as a serial compare does).
    private func liveFit(_ spec: ScenarioSpec, _ cell: SweepPlan.Cell, _ planned: SweepPlan.Fit) throws -> FitOutcome {
        let key = "\(cell.scenario)|\(cell.load)"
        if let f = liveFits[key] { return f }
        let options = try self.options(cell.scenario, load: cell.load, seed: plan.seeds[0], duration: planned.durationS)
        log("\(spec.name): measuring the kernels for load \(cell.load)")
        let topo = topology
        let fitted = try options.fitScale(spec, accelerators: topo.accelerators, costs: costs, probe: { scale in
            let engine = EngineWorkload(trace: try options.trace(spec, scale: scale))
            let shapes = engine.streams.flatMap { $0.variants.flatMap(\.layers) }
            return KernelProbe.costModel(try KernelProbe.measure(shapes: shapes, topology: topo), accelerators: topo.accelerators.count)
        })
        log("  \(fitted.summary)")
        liveFits[key] = fitted
        return fitted
    }
}
