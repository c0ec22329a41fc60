import DreamCore
import DreamEngine
import DreamSchedulers
import DreamPlatform
import DreamRuntime
import DreamWorkloads
import Foundation

/// Runs the cells of a plan on this machine: the one code path of `dream compare` (every cell
/// in turn) and `dream cell` (one cell or a shard). Live cells fit their scenario on this
/// node's kernels once per (scenario, load) and keep it for the next cells of the process.
public final class CellRunner {
    public let plan: SweepPlan
    public let topology: ResolvedTopology
    /// The plan's cost model: the calibration or the analytic roofline.
    public let costs: CostModel
    private var specs: [String: ScenarioSpec] = [:]
    private var liveFits: [String: FitOutcome] = [:]

    public init(plan: SweepPlan, topology: ResolvedTopology) throws {
        self.plan = plan
        self.topology = topology
        costs = try CostSource.load(calibration: plan.calibration, topology: topology) ?? AnalyticCostModel()
    }

    /// The options a cell's trace is made with.
    public func options(load: Double, seed: UInt64, duration: Double) throws -> WorkloadOptions {
        guard let mix = WorkloadOptions.Mix(rawValue: plan.mix) else {
            throw DreamInputError(.data, file: SweepPlan.fileName, field: "mix", problem: "is `\(plan.mix)`",
                                  fix: "use equal or xrbench, or make the plan again")
        }
        var o = WorkloadOptions(seed: seed, duration: duration, targetLoad: load)
        o.mix = mix
        o.mixHardware = plan.mixHardware
        o.mixCosts = plan.mixCosts
        o.allowInfeasible = plan.allowInfeasible
        return o
    }

    /// Every cell of the plan in turn, until a signal stops a live run; each result
    /// round-tripped through its file format, so that a merge of the same cells gives the same bytes.
    /// A (scenario, load) whose live fit leaves a model infeasible on this node is skipped, its
    /// cells not run, and returned in `infeasible`: the other cells of a long sweep still run.
    public func runAll() throws -> (results: [String: CellResult], stopped: Bool, infeasible: [WorkFit.Infeasibility]) {
        var results: [String: CellResult] = [:]
        var infeasible: [WorkFit.Infeasibility] = []
        var skipped: Set<String> = []
        var stopped = StopSignals.received != nil
        for cell in plan.cells where !stopped && !skipped.contains("\(cell.scenario)|\(cell.load)") {
            do {
                let (r, partial) = try run(cell)
                results[cell.id] = try JSONDecoder().decode(CellResult.self, from: SweepPlan.encode(r))
                stopped = partial || StopSignals.received != nil
            } catch let failed as InfeasibleLiveFit {
                log("  skipped: \(failed.error)")
                infeasible += failed.infeasibility
                skipped.insert("\(cell.scenario)|\(cell.load)")
            }
        }
        return (results, stopped, infeasible)
    }

    /// Runs one cell; `partial` when a signal stopped its live run.
    public func run(_ cell: SweepPlan.Cell) throws -> (result: CellResult, partial: Bool) {
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
        var session = DreamSession(scenario: spec, topology: topology, options: try options(load: cell.load, seed: cell.seed, duration: planned.durationS))
        session.spread = plan.spread
        let workload = try session.prepare(FitOutcome(scale: scale, fit: nil, measured: measured), costs: measured ?? costs)
        var result = CellResult(id: cell.id, build: plan.build, runs: [:], offeredLoad: offered)
        var partial = false
        var speed: LiveSpeed?
        let tag = String(format: "%@ load %.2f seed %d %@", cell.scenario, cell.load, cell.seed, cell.scheduler)
        if live {
            let config = { var c = LiveConfiguration(); c.dataSeed = cell.seed; return c }()
            let runLive = { () throws -> RunRecord in try session.runLive(try SchedulerCatalog.make(name: cell.scheduler), on: workload, configuration: config) }
            // A disturbed run (another process, steal, a stall) measures the machine, not the
            // policy: run it again, up to the plan's retries; the last run is kept either way.
            var record = try runLive()
            var r = record.live!
            result.liveRuns = 1
            result.disturbedRuns = r.interference?.disturbed == true ? 1 : 0
            while r.interference?.disturbed == true && result.liveRuns <= plan.retries && !r.partial && StopSignals.received == nil {
                log("  \(tag) live run disturbed (\(r.interference!.reasons.first ?? "")): running it again")
                record = try runLive()
                r = record.live!
                result.liveRuns += 1
                result.disturbedRuns += r.interference?.disturbed == true ? 1 : 0
            }
            result.verdict = r.interference?.verdict
            partial = r.partial
            let s = record.summary
            result.runs["live"] = RunMetrics(s)
            let liveSpeed = LiveSpeed(of: r.core, model: measured!, accelerators: topology.accelerators)
            speed = liveSpeed
            let slower = liveSpeed.acceleratorFactors.map { String(format: "x%.2f", $0) }.joined(separator: " ")
            let sigmas = { (v: [Double]) in v.map { String(format: "%.2f", $0) }.joined(separator: " ") }
            log(String(format: "  %@ live: UXCost %.4g, UXCost-met %@, V %.3f, %@; blocks took %@ their fitted time (log-normal sigma %@; one-layer blocks: noise %@, model error %@)",
                       tag, s.uxcost, s.uxcostMet.map { String(format: "%.4g", $0) } ?? "inf", s.violationRate, result.verdict ?? "no verdict", slower,
                       sigmas(liveSpeed.blockLogSigma), sigmas(liveSpeed.layerNoiseSigma), sigmas(liveSpeed.layerModelErrorSigma)))
        }
        if plan.mode != "live" {
            // A live cell's simulation replays the live run's own speed per model and accelerator
            // and its block-to-block spread.
            result.runs["sim"] = RunMetrics(session.runSimulated(try SchedulerCatalog.make(name: cell.scheduler), on: workload, replaying: speed).summary)
        }
        return (result, partial)
    }

    /// A live cell's scale: the plan's fit corrected by this node's kernels (one probe series per
    /// scenario and load, with the plan's first seed, as a serial compare does), then, with
    /// `LiveFitMethod.run`, by how much slower blocks ran in a reference live run.
    private func liveFit(_ spec: ScenarioSpec, _ cell: SweepPlan.Cell, _ planned: SweepPlan.Fit) throws -> FitOutcome {
        let key = "\(cell.scenario)|\(cell.load)"
        if let f = liveFits[key] { return f }
        log("\(spec.name): measuring the kernels for load \(cell.load)")
        var options = try options(load: cell.load, seed: plan.seeds[0], duration: planned.durationS)
        options.liveFit = plan.liveFit ?? .run
        let fitted = try options.fitLive(spec, on: topology, costs: costs, retries: plan.retries)
        log("  \(fitted.summary)")
        liveFits[key] = fitted
        return fitted
    }
}
