import DreamCore
import DreamEngine
import DreamRuntime
import DreamPlatform
import DreamSchedulers
import DreamWorkloads

/// How a live cell's fit meets this machine. The probes measure each layer warm and alone (one
/// accelerator at a time, the same layer again and again); in a live run the layers of several
/// models alternate (each finds the caches holding another model's weights), both accelerators
/// draw on memory at once and block boundaries save and restore context, so blocks ran about
/// 1.2x their probed time (issue 16, eighth pass) and a cell fitted to load 1.0 ran at about 1.2.
public enum LiveFitMethod: String, Codable, CaseIterable, Sendable {
    /// The probes alone (the fits of runs before issue 16's ninth pass).
    case probe
    /// The probes, then a reference live run at the fitted scale, as long as the runs (at most
    /// `LiveFitCheck.longestSeconds`): the probed
    /// costs are stretched per accelerator by how much slower its blocks ran, and the scenario
    /// is fitted again (twice at most, until the blocks run within 5% of the stretched costs).
    case run
}

/// The reference run of `LiveFitMethod.run`: the same policy for every cell of a plan, so the
/// stretch is one property of the (scenario, load) shared by every policy compared on it.
struct LiveFitCheck {
    static let scheduler = "edf+drop"
    static let tolerance = 0.05
    static let rounds = 2
    /// A reference run lasts as long as the runs it fits, but no longer than this: twice the
    /// compare cells' 10 s, and it keeps a 60 s `dream run` from first spending two minutes on
    /// reference runs.
    static let longestSeconds = 20.0
    /// A fit whose probes price a model past its deadline alone is probed again this many times.
    static let feasibilityRetries = 2

    let topology: ResolvedTopology
    /// A disturbed reference run is run again up to this many times (the plan's retries).
    let retries: Int

    /// `first` (fitted with the probes as measured) fitted again with the probed costs stretched
    /// by `slowdown`'s measured factors, compounding, until they are within `tolerance` of 1 or
    /// `rounds` reference runs were made; also the final stretch per accelerator.
    static func corrected(_ first: FitOutcome, fit: ([Double]) throws -> FitOutcome,
                          slowdown: (FitOutcome) throws -> (factors: [Double], seconds: Double)?) rethrows -> (fit: FitOutcome, stretch: [Double]) {
        var fitted = first
        var stretch: [Double]?
        for _ in 1...rounds {
            guard let (slower, seconds) = try slowdown(fitted) else { break }
            let within = slower.allSatisfy { abs($0 - 1) <= tolerance }
            let load = fitted.fit.map { String(format: " at fitted load %.2f", $0.load) } ?? ""
            log("  reference run (\(scheduler), \(String(format: "%g", seconds)) s)\(load): blocks took "
                + slower.map { String(format: "x%.2f", $0) }.joined(separator: " ")
                + " their fitted time" + (within ? "" : ": fitting again with the probed costs stretched by it"))
            if within { break }
            stretch = zip(stretch ?? slower.map { _ in 1 }, slower).map { $0 * $1 }
            fitted = try fit(stretch!)
        }
        return (fitted, stretch ?? [])
    }

    /// `probed()`'s fit, probed again (up to `feasibilityRetries` times) while `check` finds a
    /// model that cannot meet its deadline alone; that error when it still does. The fit keeps
    /// every model within 80% of its deadline by its probes, but a probe taken while the host
    /// stalled (reference runs here measured blocks x1.38, then x0.84) can price one past it.
    static func feasible(probed: () throws -> FitOutcome, check: (FitOutcome) -> InfeasibleLiveFit?) throws -> FitOutcome {
        var outcome = try probed()
        var tries = 1
        while let failed = check(outcome) {
            guard tries <= feasibilityRetries else { throw failed }
            let whose = failed.models.count == 1 ? "its deadline" : "their deadlines"
            log("  the probes price \(failed.models.joined(separator: ", ")) past \(whose) alone: probing again")
            outcome = try probed()
            tries += 1
        }
        return outcome
    }

    /// How much slower each accelerator's blocks ran than `fitted.measured` in a reference run
    /// at `fitted.scale`; nil when a stop signal cut the run short or it ran no block.
    func slowdown(_ spec: ScenarioSpec, _ fitted: FitOutcome, options: WorkloadOptions) throws -> (factors: [Double], seconds: Double)? {
        guard let measured = fitted.measured else { return nil }
        // As long as the runs it fits (up to `longestSeconds`): 5 s runs measured 0.76-1.44x on
        // a core of big-little-2 whose models release 3 frames a second.
        var options = options
        options.duration = min(options.duration, Self.longestSeconds)
        let session = DreamSession(scenario: spec, topology: topology, options: options)
        let workload = try session.prepare(FitOutcome(scale: fitted.scale, fit: nil, measured: measured), costs: measured)
        var config = LiveConfiguration()
        config.dataSeed = options.seed
        var runs = 0
        while true {
            let record = try session.runLive(try SchedulerCatalog.make(name: Self.scheduler), on: workload, configuration: config)
            runs += 1
            let live = record.live!
            if live.partial || StopSignals.received != nil { return nil }
            if live.interference?.disturbed == true && runs <= retries {
                log("  reference run disturbed (\(live.interference!.reasons.first ?? "")): running it again")
                continue
            }
            guard !live.core.blocks.isEmpty else { return nil }
            return (LiveSpeed(of: live.core, model: measured, accelerators: topology.accelerators).acceleratorFactors, options.duration)
        }
    }
}

extension WorkloadOptions {
    /// A live run's fit: the work fitted with the kernels probed on `topology` at the fitted
    /// shapes (`fitScale`), then, with `liveFit == .run`, corrected by reference runs.
    func fitLive(_ spec: ScenarioSpec, on topology: ResolvedTopology, costs: CostModel, retries: Int) throws -> FitOutcome {
        let options = self
        let probed = { (stretch: [Double]) throws -> FitOutcome in
            try options.fitScale(spec, accelerators: topology.accelerators, costs: costs, probe: { scale in
                try CostSource.probe(EngineWorkload(trace: options.trace(spec, scale: scale)), on: topology).stretched(by: stretch)
            })
        }
        let fit = { (stretch: [Double]) throws -> FitOutcome in
            try LiveFitCheck.feasible(probed: { try probed(stretch) }, check: { options.infeasibleLiveFit(spec, $0, on: topology.accelerators) })
        }
        let fitted = try fit([Double](repeating: 1, count: topology.accelerators.count))
        guard liveFit == .run else { return fitted }
        let check = LiveFitCheck(topology: topology, retries: retries)
        return try LiveFitCheck.corrected(fitted, fit: fit, slowdown: { try check.slowdown(spec, $0, options: options) }).fit
    }
}

/// A live fit that leaves a model unable to meet its deadline alone on this node, by the node's
/// own probes (after `LiveFitCheck.feasibilityRetries` more probes): no policy can run that
/// (scenario, load) here. A serial `dream compare` skips its cells and lists it as infeasible;
/// `dream run` and `dream cell` exit with `error`.
public struct InfeasibleLiveFit: Error {
    public let scenario: String
    public let load: Double
    public let models: [String]
    public let error: DreamInputError

    /// The entries of the comparison's `infeasible` list.
    public var infeasibility: [WorkFit.Infeasibility] {
        models.map { WorkFit.Infeasibility(scenario: scenario, load: load, model: $0, reason: "the live fit on this node: \(error.problem)") }
    }
}

extension WorkloadOptions {
    /// Why `outcome` (a live fit) cannot run with every model feasible, or nil when it can (or
    /// infeasible models are allowed).
    func infeasibleLiveFit(_ spec: ScenarioSpec, _ outcome: FitOutcome, on accelerators: [ResolvedAccelerator]) -> InfeasibleLiveFit? {
        guard !allowInfeasible, let measured = outcome.measured,
              let workload = try? EngineWorkload(trace: trace(spec, scale: outcome.scale)) else { return nil }
        do {
            try workload.checkFeasible(on: accelerators, model: measured, timeScale: outcome.scale.time, allow: false, warn: { _ in })
            return nil
        } catch let error as DreamInputError {
            let models = workload.infeasibleStreams(accelerators: accelerators, model: measured).map(\.name)
            return InfeasibleLiveFit(scenario: spec.name, load: targetLoad, models: models, error: error)
        } catch {
            return nil
        }
    }
}
