import Testing
import DreamCore
import DreamEngine
import DreamPlatform
import DreamRuntime
import DreamSchedulers

/// A sample of short live runs keeps the same invariants as the simulator.
@Suite(.serialized) struct LiveInvariantTests {
    @Test(arguments: [(UInt64(2), "dream"), (UInt64(5), "edf"), (UInt64(7), "herald")])
    func liveRunsKeepTheInvariants(seed: UInt64, policy: String) throws {
        let machine = try MachineDiscovery.discover()
        let topology = try TopologySpec.auto(for: machine).resolve(on: machine)
        var c = randomCase(seed: seed)
        c.accelerators = topology.accelerators
        c.costs = RandomCosts(speeds: topology.accelerators.map { _ in 20 })
        // Half a second of releases keeps the test short.
        let frames = c.workload.frames.filter { $0.releaseNs < 500_000_000 }
        let kept = Set(frames.map(\.id))
        let valid = frames.filter { $0.upstream.map { kept.contains($0) } ?? true }
        guard valid.count == frames.count else { return }   // ids stay dense only when no cascade lost its upstream
        c.workload = EngineWorkload(name: c.workload.name, streams: c.workload.streams, frames: frames, durationNs: 500_000_000)
        let runtime = try LiveRuntime(workload: c.workload, topology: topology, scheduler: try SchedulerCatalog.make(name: policy),
                                      estimates: AnalyticCostModel())
        let result = runtime.run()
        checkInvariants(result.core, c, policy: "\(policy) live")
        for b in result.core.blocks { #expect(topology.accelerators[Int(b.accelerator)].cpus.contains(Int(b.cpu))) }
    }
}
