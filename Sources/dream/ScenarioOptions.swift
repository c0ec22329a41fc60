import ArgumentParser
import DreamCore
import DreamEngine
import DreamSession
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

    /// The options as the session's value.
    var options: WorkloadOptions {
        var o = WorkloadOptions(seed: seed, duration: duration, targetLoad: targetLoad)
        o.timeScale = timeScale
        o.workScale = workScale
        mixing.apply(to: &o)
        return o
    }

    func loadScenario() throws -> ScenarioSpec { try ScenarioSpec.load(scenario) }
}

extension WorkloadOptions.Mix: ExpressibleByArgument {}
extension LiveFitMethod: ExpressibleByArgument {}

/// How a fit shares the load among models, and whether infeasible models may run: shared by
/// run, sim and compare.
struct MixOptions: ParsableArguments {
    @Option(name: .long, help: "How the fit shares the load among models: equal (the same share of accelerator time each) or xrbench (XRBench's relative model costs on --mix-hardware).")
    var mix: WorkloadOptions.Mix = .equal

    @Option(name: .long, help: "With --mix xrbench: HARDWARE/DATAFLOWS of XRBench's cost table, e.g. Dual_4K/WS_OS.")
    var mixHardware: String = "Dual_4K/WS_OS"

    @Option(name: .long, help: "With --mix xrbench: XRBench's cost_table.csv (default: ../shared/xrbench/cost_table.csv or $DREAM_XRBENCH_COSTS).")
    var mixCosts: String?

    @Flag(name: .long, help: "Run even when a model cannot meet its deadline alone on its fastest accelerator (otherwise refused, exit 69).")
    var allowInfeasible = false

    func apply(to options: inout WorkloadOptions) {
        options.mix = mix
        options.mixHardware = mixHardware
        options.mixCosts = mixCosts
        options.allowInfeasible = allowInfeasible
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
