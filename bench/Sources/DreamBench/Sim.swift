import DreamCore
import DreamEngine
import DreamSession
import DreamPlatform
import DreamSchedulers
import DreamWorkloads
import Foundation

/// `sim`: simulator throughput on a generated XRBench trace (vr-gaming, seed 1, 600 s of
/// scaled time, time scale 16), on this machine's auto topology and the analytic cost model.
/// Events = frame releases + block completions.
enum SimSuite {
    static func run() throws {
        let scenario = ProcessInfo.processInfo.environment["SIM_SCENARIO"] ?? "vr-gaming"
        let duration = env("SIM_DURATION", 600)
        let trace = try WorkloadTrace.generate(scenario: ScenarioSpec.load(scenario), seed: 1, duration: duration,
                                               scale: WorkloadScale(time: 16))
        let workload = EngineWorkload(trace: trace)
        let machine = try MachineDiscovery.discover()
        let accelerators = try TopologySpec.auto(for: machine).resolve(on: machine).accelerators
        let policies = ProcessInfo.processInfo.environment["SIM_POLICIES"]?.split(separator: ",").map(String.init)
            ?? ["dream", "fcfs", "herald"]
        for p in policies {
            let sim = Simulator(workload: workload, accelerators: accelerators, costs: AnalyticCostModel())
            var best: (wall: Double, events: Int, simulated: Double, decide: [Int64])? = nil
            for _ in 0..<2 {  // best of two: the machine is shared
                let t0 = monotonicNs()
                let core = sim.run(scheduler: try SchedulerCatalog.make(name: p), wallClock: { monotonicNs() })
                let wall = Double(monotonicNs() - t0) / 1e9
                let releases = core.frames.filter { $0.releaseNs >= 0 }.count
                let events = releases + core.blocks.count
                let simulated = Double(max(core.blocks.map(\.endNs).max() ?? 0, workload.durationNs)) / 1e9
                if best == nil || wall < best!.wall { best = (wall, events, simulated, core.decisionNs) }
            }
            let b = best!
            let d = Sample(b.decide)
            emit("suite=sim scenario=\(scenario) policy=\(p) accelerators=\(accelerators.count) events=\(b.events) "
                 + "wall_s=\(fmt(b.wall, 3)) events_per_s=\(Int(Double(b.events) / b.wall)) simulated_s=\(fmt(b.simulated, 1)) "
                 + "speedup=\(Int(b.simulated / b.wall))x decide_p50_us=\(us(d.percentile(50))) decide_p99_us=\(us(d.percentile(99)))")
        }
    }
}
