import ArgumentParser
import DreamCore
import DreamEngine
import DreamWorkloads
import Foundation

/// The workload options every running command shares (run, sim, compare, calibrate).
struct ScenarioOptions: ParsableArguments {
    @Option(name: .long, help: "A shipped scenario name (see workloads/scenarios/) or a file path.")
    var scenario: String = "vr-gaming"

    @Option(name: .long, help: "Seed of every random draw (releases, cascades, skips, phases).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Seconds of (scaled) time during which frames are released.")
    var duration: Double = 10

    @Option(name: .long, help: "Time scale s: periods, deadlines and phases x s (default: fitted).")
    var timeScale: Double?

    @Option(name: .long, help: "Work scale w in (0, 1]: spatial sizes x sqrt(w), FLOPs about x w.")
    var workScale: Double?

    @Flag(name: .long, help: "Fit the time scale to --target-load x the topology's measured capacity (the default when no scale is given).")
    var fit = false

    @Option(name: .long, help: "Offered load --fit aims at, as a fraction of capacity.")
    var targetLoad: Double = 0.8

    func validate() throws {
        if !(duration > 0) || !duration.isFinite {
            throw ValidationError("--duration must be a positive number of seconds, found \(duration)")
        }
        if duration > 86_400 { throw ValidationError("--duration must be at most 86400 s, found \(duration)") }
        if fit && timeScale != nil { throw ValidationError("--fit picks the time scale: give either --fit or --time-scale") }
        if !(targetLoad > 0) || targetLoad > 100 { throw ValidationError("--target-load must be in (0, 100], found \(targetLoad)") }
    }

    /// Whether the time scale is to be fitted.
    var fitting: Bool { fit || timeScale == nil }

    func loadScenario() throws -> ScenarioSpec { try ScenarioSpec.load(scenario) }

    /// The trace at `scale`.
    func trace(_ spec: ScenarioSpec, scale: WorkloadScale) throws -> WorkloadTrace {
        try WorkloadTrace.generate(scenario: spec, seed: seed, duration: duration, scale: scale)
    }

    /// The final scale: explicit, or fitted so the offered load is `targetLoad` x the capacity
    /// that `capacity` computes for the workload at the given work scale.
    func scale(for spec: ScenarioSpec, capacity: (EngineWorkload) throws -> Double) throws -> (WorkloadScale, capacityGFLOPs: Double?) {
        let base = WorkloadScale(time: timeScale ?? 1, work: workScale ?? 1)
        try base.validate()
        guard fitting else { return (base, nil) }
        let probeTrace = try trace(spec, scale: base)
        let cap = try capacity(EngineWorkload(trace: probeTrace))
        let fitted = try WorkloadScale.fit(capacityGFLOPs: cap, targetLoad: targetLoad, axis: .time) { s in
            try trace(spec, scale: WorkloadScale(time: s.time, work: base.work)).offeredGFLOPs
        }
        return (WorkloadScale(time: fitted.time, work: base.work), cap)
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

/// Warns about models that no policy can run in time at this scale.
func warnInfeasible(_ engine: EngineWorkload, _ topology: ResolvedTopology, _ model: CostModel, scale: Double) {
    for s in engine.infeasibleStreams(accelerators: topology.accelerators, model: model) {
        log(String(format: "warning: %@ needs %.1f ms even alone on the fastest accelerator (with its upstream) but its deadline is %.1f ms: every frame will miss or be dropped whatever the policy; --time-scale %.3g or more makes it feasible",
                   s.name as NSString, s.bestLatencyNs / 1e6, s.relativeDeadlineNs / 1e6, s.timeScaleNeeded(current: scale)))
    }
}
