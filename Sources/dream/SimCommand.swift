import ArgumentParser
import DreamCore
import DreamEngine
import DreamPlatform
import DreamWorkloads
import Foundation

struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate a scenario in virtual time with the same scheduler objects as `dream run`.",
        discussion: """
        Block durations come from the cost model (the analytic roofline with default parameters, \
        or a calibration file from `dream calibrate`); the policy's estimates come from the same \
        model. Same outputs as `dream run`. Needs no real machine: a topology that needs more cores \
        (or NUMA nodes) than this host has is placed on a synthetic machine, and the output says so \
        and where the costs come from.
        """)

    @OptionGroup var workload: ScenarioOptions

    @OptionGroup var system: SystemOptions

    func run() throws {
        try reportingErrors {
            if let out = system.out { try AtomicFile.prepareFolder(out) }
            let machine = try MachineDiscovery.discover()
            let (topo, synthetic) = try TopologySpec.load(system.topology, machine: machine).resolveForSimulation(on: machine)
            logSimulatedMachine(topo, synthetic: synthetic, host: machine, calibration: system.calibration)
            let policy = try makeScheduler(system.scheduler)
            let spec = try workload.loadScenario()
            let costs: CostModel = try loadCosts(system.calibration, topology: topo) ?? AnalyticCostModel()
            let fitted = try workload.fitScale(spec, accelerators: topo.accelerators, costs: costs)
            let scale = fitted.scale
            let trace = try workload.trace(spec, scale: scale)
            let engine = EngineWorkload(trace: trace)
            let infeasible = try feasibility(engine, topo, costs, timeScale: scale.time, allow: workload.mixing.allowInfeasible)
            let started = RealTime.nowNanoseconds()
            let core = Simulator(workload: engine, accelerators: topo.accelerators, costs: costs)
                .run(scheduler: policy, wallClock: { RealTime.nowNanoseconds() })
            let elapsed = Double(RealTime.nowNanoseconds() - started)
            let wall = max(engine.durationNs, core.frames.map(\.completionNs).max() ?? 0)
            let summary = RunSummary(frames: core.frames, blocks: core.blocks, streams: engine.streams, accelerators: topo.accelerators,
                                     wallNs: wall, decisionNs: core.decisionNs, dispatchNs: [],
                                     energySource: "model (topology power model over simulated busy time and counted work)")
            var report = RunReport(mode: "sim", scenario: spec.name, topology: topo.name, scheduler: policy.name, seed: workload.seed,
                                   timeScale: scale.time, workScale: scale.work, durationS: trace.durationSeconds, partial: false,
                                   accelerators: topo.accelerators.map(\.name), summary: summary)
            report.describeFit(fitted.fit, trace: trace, infeasible: infeasible)
            log("dream sim: \(spec.name), \(trace.frames.count) frames, \(fitted.summary); simulated \(String(format: "%.1f", Double(wall) / 1e9)) s in \(String(format: "%.3f", elapsed / 1e9)) s (\(String(format: "%.0f", Double(wall) / max(elapsed, 1)))x real time)")
            print(report.table())
            if let out = system.out { try writeRunFiles(report, core: core, accelerators: topo.accelerators, to: out, html: system.html, command: commandLine) }
        }
    }
}
