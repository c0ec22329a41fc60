import DreamCore
import DreamEngine
import DreamPlatform
import DreamRuntime
import DreamWorkloads
import Foundation

/// The pipeline a user builds on: a scenario on a topology, fitted and traced
/// (`prepareSimulation` / `prepareLive`), then run by any `Scheduler`, simulated or live, each
/// run giving one `RunRecord`. The same prepared workload gives every scheduler the same frames.
///
///     let session = try DreamSession(scenario: "ar-dynamic", topology: "dual-ws-os", mode: .simulated)
///     let workload = try session.prepareSimulation()
///     let record = session.runSimulated(MyPolicy(), on: workload)
///     print(record.report.table())
public struct DreamSession {
    public enum Mode: Sendable { case simulated, live }

    public let scenario: ScenarioSpec
    public let topology: ResolvedTopology
    public var options: WorkloadOptions
    /// A calibration file for the costs (nil: the analytic model in simulation, measured
    /// kernels in live runs).
    public var calibration: String?
    /// Simulated runs: how true times depart from the cost model's (`Simulator.logNormalSpread`
    /// per layer or block, `Simulator.layerBiasSigma`; exact by default). A live run's replay
    /// uses its own measured spread instead.
    public var spread = SimulatedSpread()
    /// Progress and warnings (standard error by default).
    public var log: @Sendable (String) -> Void = DreamSession.standardError

    public init(scenario: ScenarioSpec, topology: ResolvedTopology, options: WorkloadOptions = WorkloadOptions(), calibration: String? = nil) {
        self.scenario = scenario
        self.topology = topology
        self.options = options
        self.calibration = calibration
    }

    /// A shipped scenario name or file on a shipped topology name or file (`auto`: derived from
    /// this machine), resolved for `mode` (see `resolveTopology`).
    public init(scenario: String, topology: String, mode: Mode, options: WorkloadOptions = WorkloadOptions(), calibration: String? = nil) throws {
        let resolved = try Self.resolveTopology(topology, mode: mode, calibration: calibration, log: Self.standardError).topology
        self.init(scenario: try ScenarioSpec.load(scenario), topology: resolved, options: options, calibration: calibration)
    }

    /// Writes a line to standard error (the default `log`).
    public static let standardError: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Scenario -> fit -> trace with the simulator's costs: the calibration, else the analytic model.
    public func prepareSimulation() throws -> PreparedWorkload {
        let costs: CostModel = try CostSource.load(calibration: calibration, topology: topology) ?? AnalyticCostModel()
        let fitted = try options.fitScale(scenario, accelerators: topology.accelerators, costs: costs)
        return try prepared(fitted, costs: costs, estimates: costs)
    }

    /// Scenario -> fit -> trace with this machine's kernels: the fit corrected by kernel probes
    /// (and, with `options.liveFit == .run`, by reference runs) and the policy's estimates
    /// measured at the final shapes (or the calibration's, when given).
    public func prepareLive() throws -> PreparedWorkload {
        try checkPinnable()
        let calibrated = try CostSource.load(calibration: calibration, topology: topology)
        let fitted = try calibrated.map { try options.fitScale(scenario, accelerators: topology.accelerators, costs: $0) }
            ?? options.fitLive(scenario, on: topology, costs: AnalyticCostModel(), retries: 1)
        let trace = try options.trace(scenario, scale: fitted.scale)
        let engine = EngineWorkload(trace: trace)
        let estimates: CostModel = try fitted.measured ?? calibrated ?? CostSource.probe(engine, on: topology)
        return try prepared(fitted, trace: trace, engine: engine, costs: estimates, estimates: estimates)
    }

    /// A live run pins threads: the topology must describe this machine.
    private func checkPinnable() throws {
        if !topology.bindingAvailable {
            throw DreamInputError(.unavailable, file: topology.name, field: "", problem: "is resolved on another machine (synthetic or a file): a live run cannot pin threads on it",
                                  fix: "resolve the topology with mode .live, or run it simulated")
        }
    }

    /// The workload at an already chosen scale (a plan's fit), with `costs` for both the
    /// simulator and the estimates.
    public func prepare(_ fitted: FitOutcome, costs: CostModel) throws -> PreparedWorkload {
        try prepared(fitted, costs: costs, estimates: costs)
    }

    private func prepared(_ fitted: FitOutcome, trace: WorkloadTrace? = nil, engine: EngineWorkload? = nil, costs: CostModel,
                          estimates: CostModel) throws -> PreparedWorkload {
        let trace = try trace ?? options.trace(scenario, scale: fitted.scale)
        let engine = engine ?? EngineWorkload(trace: trace)
        let infeasible = try engine.checkFeasible(on: topology, model: estimates, timeScale: fitted.scale.time,
                                                  allow: options.allowInfeasible, warn: log)
        return PreparedWorkload(fit: fitted, trace: trace, engine: engine, costs: costs, estimates: estimates, infeasible: infeasible)
    }

    /// Runs `scheduler` on the simulator in virtual time. `speed` replays a live run's measured
    /// speed per model and accelerator and its block-to-block spread (seeded by the options' seed).
    public func runSimulated(_ scheduler: Scheduler, on workload: PreparedWorkload, replaying speed: LiveSpeed? = nil) -> RunRecord {
        var sim = Simulator(workload: workload.engine, accelerators: topology.accelerators, costs: workload.costs,
                            estimateModel: workload.estimates)
        sim.jitterSeed = options.seed
        if let speed {
            sim.latencyFactors = speed.factors
            sim.blockJitter = speed.blockSpread
        } else {
            let draws = Simulator.logNormalSpread(sigma: spread.jitter, seed: options.seed)
            sim.blockJitter = draws.isEmpty ? [] : topology.accelerators.map { _ in draws }
            sim.jitterPerLayer = spread.unit == .layer
            sim.layerBiasSigma = spread.layerBias
            sim.speedDriftSigma = spread.drift
            if spread.hostSpeed != 1 {
                sim.latencyFactors = workload.engine.streams.map { _ in topology.accelerators.map { _ in spread.hostSpeed } }
            }
        }
        let started = RealTime.nowNanoseconds()
        let core = sim.run(scheduler: scheduler, wallClock: { RealTime.nowNanoseconds() })
        let elapsed = Int64(RealTime.nowNanoseconds() - started)
        let summary = core.simulatedSummary(accelerators: topology.accelerators)
        var report = RunReport(mode: "sim", scenario: scenario.name, topology: topology.name, scheduler: scheduler.name, seed: options.seed,
                               timeScale: workload.trace.scale.time, workScale: workload.trace.scale.work,
                               durationS: workload.trace.durationSeconds, partial: false,
                               accelerators: topology.accelerators.map(\.name), summary: summary)
        report.describeFit(workload)
        return RunRecord(report: report, core: core, accelerators: topology.accelerators, live: nil, wallNs: core.simulatedWallNs, elapsedNs: elapsed)
    }

    /// Runs `scheduler` live: pinned workers executing the real kernels in real time.
    public func runLive(_ scheduler: Scheduler, on workload: PreparedWorkload, configuration: LiveConfiguration = LiveConfiguration(),
                        progress: ((LiveProgress) -> Void)? = nil) throws -> RunRecord {
        try checkPinnable()
        let runtime = try LiveRuntime(workload: workload.engine, topology: topology, scheduler: scheduler, estimates: workload.estimates,
                                      configuration: configuration)
        let result = runtime.run(progress: progress)
        var report = RunReport(live: result, scenario: scenario.name, topology: topology, scheduler: scheduler.name, seed: options.seed,
                               trace: workload.trace)
        report.describeFit(workload)
        return RunRecord(report: report, core: result.core, accelerators: topology.accelerators, live: result, wallNs: result.wallNs,
                         elapsedNs: result.wallNs)
    }
}

/// A scenario fitted and traced, ready for any scheduler: every run on it sees the same frames.
public struct PreparedWorkload {
    public var fit: FitOutcome
    public var trace: WorkloadTrace
    public var engine: EngineWorkload
    /// The simulator's layer durations.
    public var costs: CostModel
    /// The policy's estimates (the measured kernels in a live run).
    public var estimates: CostModel
    /// Models that cannot meet their deadline alone, run anyway (`allowInfeasible`).
    public var infeasible: [String]
}
