import Foundation
import DreamCore
import DreamEngine
import DreamSchedulers

let ms: Int64 = 1_000_000

/// Crafted costs: a layer named "L<ns>" costs <ns> ns times `factors[acc]`; one named
/// "P<ns0>_<ns1>_..." costs the given ns on each accelerator. Energy is the accelerator's
/// active power times that latency, which is exactly what the simulator's power model charges
/// for the block (idle 0 W, no per-MAC or per-byte energy), so estimates and truth agree.
struct CraftedCosts: CostModel {
    var factors: [Double] = [1, 1, 1, 1, 1, 1, 1, 1]
    func cost(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerCost {
        let ns: Double
        if layer.name.hasPrefix("P") {
            let parts = layer.name.dropFirst().split(separator: "_").map { Double($0)! }
            ns = parts[accelerator.index]
        } else {
            ns = Double(layer.name.dropFirst())! * factors[accelerator.index]
        }
        return LayerCost(latencyNs: ns, energyJ: ns * 1e-9 * accelerator.power.activeWatts * Double(accelerator.coreCount))
    }
}

func layer(_ ns: Int64) -> LayerSpec { .conv("L\(ns)", c: 1, k: 1, h: 1, w: 1, r: 1) }
func layer(_ perAcc: [Int64]) -> LayerSpec { .conv("P" + perAcc.map(String.init).joined(separator: "_"), c: 1, k: 1, h: 1, w: 1, r: 1) }
func layers(_ n: Int, _ ns: Int64) -> [LayerSpec] { (0..<n).map { _ in layer(ns) } }

/// `watts[i]` per accelerator (one core each, idle 0 W, no work energy).
func accelerators(_ watts: [Double]) -> [ResolvedAccelerator] {
    watts.enumerated().map { i, w in
        ResolvedAccelerator(index: i, name: "a\(i)", dataflow: i % 2 == 0 ? .ws : .os, cores: [i], cpus: [i], numaNode: 0,
                            speedFactor: 1, power: PowerModel(activeWatts: w, idleWatts: 0, picojoulesPerMAC: 0, picojoulesPerByte: [:]))
    }
}

func stream(_ name: String, period: Int64, _ layers: [LayerSpec], upstream: Int? = nil) -> StreamDescription {
    StreamDescription(name: name, periodNs: period, variants: [.init(name: "v0", accuracy: 1, layers: layers)], upstream: upstream)
}

/// Builds frames from (stream, release, relative deadline, upstream frame) tuples, sorted by release.
struct FrameList {
    var frames: [FrameDescription] = []
    private var sequence: [Int: Int] = [:]
    @discardableResult
    mutating func add(stream: Int, at release: Int64, deadline relative: Int64, upstream: Int? = nil) -> Int {
        let id = frames.count
        let seq = sequence[stream, default: 0]
        sequence[stream] = seq + 1
        frames.append(FrameDescription(id: id, stream: stream, sequence: seq, releaseNs: release, deadlineNs: release + relative, upstream: upstream))
        return id
    }
    mutating func periodic(stream: Int, period: Int64, from start: Int64, to end: Int64, deadline: Int64? = nil) {
        var t = start
        while t < end { add(stream: stream, at: t, deadline: deadline ?? period); t += period }
    }
}

func workload(_ streams: [StreamDescription], _ frames: FrameList, duration: Int64? = nil) -> EngineWorkload {
    let d = duration ?? ((frames.frames.map(\.deadlineNs).max() ?? 0) + 1)
    return EngineWorkload(name: "test", streams: streams, frames: frames.frames, durationNs: d)
}

func simulate(_ w: EngineWorkload, _ accs: [ResolvedAccelerator], _ scheduler: Scheduler, costs: CraftedCosts = CraftedCosts(),
              maxPending: Int = 8, clock: @escaping @Sendable () -> UInt64 = { 0 }) -> ExecutionCore {
    var sim = Simulator(workload: w, accelerators: accs, costs: costs)
    sim.configuration.maxPendingPerStream = maxPending
    return sim.run(scheduler: scheduler, wallClock: clock)
}

func summary(_ core: ExecutionCore, _ accs: [ResolvedAccelerator]) -> RunSummary {
    let wall = max(core.workload.durationNs, core.frames.map(\.completionNs).max() ?? 0)
    return RunSummary(frames: core.frames, blocks: core.blocks, streams: core.workload.streams, accelerators: accs,
                      wallNs: wall, decisionNs: core.decisionNs, dispatchNs: [], energySource: "model")
}

func dream(_ features: DreamFeatures, _ edit: (inout DreamConfiguration) -> Void = { _ in }) -> DreamScheduler {
    var c = DreamConfiguration(features: features)
    edit(&c)
    return DreamScheduler(configuration: c)
}

/// Monotonic wall clock in ns.
@Sendable func monotonicNs() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
