import Testing
import DreamCore
@testable import DreamEngine

/// A cost model with fixed latencies per (layer name prefix digit, accelerator) for crafted cases:
/// layer "L<ns>" costs <ns> ns on every accelerator, times `factors[acc]`.
struct FixedCosts: CostModel {
    var factors: [Double] = [1, 1, 1, 1]
    func cost(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerCost {
        let ns = Double(layer.name.dropFirst())!
        return LayerCost(latencyNs: ns * factors[accelerator.index], energyJ: ns * 1e-9)
    }
}

func layer(_ ns: Int) -> LayerSpec { .conv("L\(ns)", c: 1, k: 1, h: 1, w: 1, r: 1) }

func accelerators(_ n: Int) -> [ResolvedAccelerator] {
    (0..<n).map { ResolvedAccelerator(index: $0, name: "a\($0)", dataflow: .ws, cores: [$0], cpus: [$0], numaNode: 0,
                                      speedFactor: 1, power: PowerModel(activeWatts: 1, idleWatts: 0, picojoulesPerMAC: 0, picojoulesPerByte: [:])) }
}

/// Runs every frame's remaining layers (at most `blockLayers` per block) on the first idle
/// accelerator (FCFS), local to the tests.
final class GreedyWhole: Scheduler {
    let name = "test-greedy"
    let blockLayers: Int32
    init(blockLayers: Int32 = .max) { self.blockLayers = blockLayers }
    func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        var acc = 0
        for slot in state.active where !state.job(slot).isRunning {
            while acc < state.acceleratorCount && !state.accelerators[acc].isIdle { acc += 1 }
            if acc == state.acceleratorCount { return }
            decisions.append(.run(slot: slot, layers: min(blockLayers, state.job(slot).remainingLayers), accelerator: Int32(acc)))
            acc += 1
        }
    }
}

final class DropEverything: Scheduler {
    let name = "test-drop"
    func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        for slot in state.active { decisions.append(.drop(slot: slot)) }
    }
}

let ms: Int64 = 1_000_000

@Suite struct SimulatorTests {
    /// Two streams on one accelerator, hand-computed: A (3 ms, period 10) released at 0, 10;
    /// B (4 ms, period 20) at 0. FCFS: A0 0-3, B0 3-7, A1 10-13.
    @Test func handComputedCompletionTimes() {
        let a = StreamDescription(name: "A", periodNs: 10 * ms, variants: [.init(name: "v", layers: [layer(1_000_000), layer(2_000_000)])])
        let b = StreamDescription(name: "B", periodNs: 20 * ms, variants: [.init(name: "v", layers: [layer(4_000_000)])])
        let frames = [FrameDescription(id: 0, stream: 0, sequence: 0, releaseNs: 0, deadlineNs: 10 * ms),
                      FrameDescription(id: 1, stream: 1, sequence: 0, releaseNs: 0, deadlineNs: 5 * ms),
                      FrameDescription(id: 2, stream: 0, sequence: 1, releaseNs: 10 * ms, deadlineNs: 20 * ms)]
        let w = EngineWorkload(name: "t", streams: [a, b], frames: frames, durationNs: 20 * ms)
        let core = Simulator(workload: w, accelerators: accelerators(1), costs: FixedCosts()).run(scheduler: GreedyWhole(), wallClock: { 0 })
        #expect(core.frames.map(\.completionNs) == [3 * ms, 7 * ms, 13 * ms])
        #expect(core.frames.map(\.outcome) == [.met, .missed, .met])
        #expect(core.blocks.count == 3)
    }

    @Test func cascadeWaitsForUpstreamAndDropsWithIt() {
        let up = StreamDescription(name: "ES", periodNs: 10 * ms, variants: [.init(name: "v", layers: [layer(2_000_000)])])
        let down = StreamDescription(name: "GE", periodNs: 10 * ms, variants: [.init(name: "v", layers: [layer(1_000_000)])], upstream: 0)
        let frames = [FrameDescription(id: 0, stream: 0, sequence: 0, releaseNs: 0, deadlineNs: 10 * ms),
                      FrameDescription(id: 1, stream: 1, sequence: 0, releaseNs: 0, deadlineNs: 10 * ms, upstream: 0)]
        let w = EngineWorkload(name: "t", streams: [up, down], frames: frames, durationNs: 10 * ms)
        let core = Simulator(workload: w, accelerators: accelerators(2), costs: FixedCosts()).run(scheduler: GreedyWhole(), wallClock: { 0 })
        #expect(core.frames[1].releaseNs == 2 * ms, "released when its upstream completed")
        #expect(core.frames[1].completionNs == 3 * ms)
        let dropped = Simulator(workload: w, accelerators: accelerators(2), costs: FixedCosts()).run(scheduler: DropEverything(), wallClock: { 0 })
        #expect(dropped.frames.map(\.outcome) == [.dropped, .dropped])
        #expect(dropped.frames[1].dropReason == .upstreamDropped)
    }

    @Test func everyFrameEndsExactlyOnceUnderOverload() {
        // 1 accelerator, a 9 ms model every 2 ms: most frames must be dropped, queues bounded.
        let s = StreamDescription(name: "S", periodNs: 2 * ms, variants: [.init(name: "v", layers: [layer(9_000_000)])])
        let frames = (0..<500).map { FrameDescription(id: $0, stream: 0, sequence: $0, releaseNs: Int64($0) * 2 * ms, deadlineNs: Int64($0 + 1) * 2 * ms + 20 * ms) }
        let w = EngineWorkload(name: "t", streams: [s], frames: frames, durationNs: 1000 * ms)
        var sim = Simulator(workload: w, accelerators: accelerators(1), costs: FixedCosts())
        sim.configuration.maxPendingPerStream = 4
        let core = sim.run(scheduler: GreedyWhole(), wallClock: { 0 })
        let summary = RunSummary(frames: core.frames, blocks: core.blocks, streams: w.streams, accelerators: accelerators(1),
                                 wallNs: 1000 * ms, decisionNs: core.decisionNs, dispatchNs: [], energySource: "model")
        #expect(summary.framesGenerated == 500)
        #expect(summary.met + summary.missed + summary.dropped == 500)
        #expect(summary.dropped > 300)
        #expect(core.state.jobs.count <= 5, "slots are reused: at most the queue bound plus one")
        #expect(summary.dropReasons["queue_full", default: 0] + summary.dropReasons["deadline_before_start", default: 0] > 0)
    }

    /// A block's simulated energy is the power model over its busy time and the work the cost
    /// model counts per layer, plus the context restore / save bytes (as a live run counts).
    @Test func simulatedEnergyChargesTheModelsCountedWork() {
        struct Counted: CostModel {
            func cost(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerCost { LayerCost(latencyNs: 1_000_000, energyJ: 0) }
            func work(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerWork {
                LayerWork(macs: 100, l1: 1_000, l2: 2_000, llc: 3_000, dram: 4_000)
            }
        }
        let power = PowerModel(activeWatts: 3, idleWatts: 1, picojoulesPerMAC: 10, picojoulesPerByte: [.l1: 1, .l2: 2, .llc: 4, .dram: 8])
        let acc = ResolvedAccelerator(index: 0, name: "a0", dataflow: .ws, cores: [0], cpus: [0], numaNode: 0, speedFactor: 1, power: power)
        let l = LayerSpec.conv("c", c: 2, k: 3, h: 4, w: 4, r: 1)   // 32 input, 48 output elements
        let s = StreamDescription(name: "A", periodNs: 10 * ms, variants: [.init(name: "v", layers: [l, l])])
        let w = EngineWorkload(name: "t", streams: [s], frames: [FrameDescription(id: 0, stream: 0, sequence: 0, releaseNs: 0, deadlineNs: 10 * ms)],
                               durationNs: 10 * ms)
        let core = Simulator(workload: w, accelerators: [acc], costs: Counted()).run(scheduler: GreedyWhole(), wallClock: { 0 })
        #expect(core.blocks.count == 1)
        let b = core.blocks[0]
        let counts: [Int64] = [b.macs, b.bytesL1, b.bytesL2, b.bytesLLC, b.bytesDRAM]
        #expect(counts == [200, 2_000, 4_000, 6_000, 8_640], "DRAM: 2 x 4000 plus 8 bytes x (32 input + 48 output elements)")
        // 2 W busy over 2 ms, then the counts in pJ.
        let picojoules: Double = 10 * 200 + 2_000 + 2 * 4_000 + 4 * 6_000 + 8 * 8_640
        let expected = 2 * 2e-3 + picojoules * 1e-12
        #expect(abs(b.energyJ - expected) < 1e-15, "\(b.energyJ) vs \(expected)")
    }

    @Test func skippedBlocksAndVariantsChangeTheWork() {
        let v0 = VariantDescription(name: "big", accuracy: 0.8, layers: [layer(1_000_000), layer(2_000_000), layer(4_000_000)], blockRanges: [1..<2])
        let s = StreamDescription(name: "S", periodNs: 10 * ms, variants: [v0], blockNames: ["mid"])
        let frames = [FrameDescription(id: 0, stream: 0, sequence: 0, releaseNs: 0, deadlineNs: 10 * ms, skipMask: 1)]
        let w = EngineWorkload(name: "t", streams: [s], frames: frames, durationNs: 10 * ms)
        let core = Simulator(workload: w, accelerators: accelerators(1), costs: FixedCosts()).run(scheduler: GreedyWhole(), wallClock: { 0 })
        #expect(core.frames[0].completionNs == 5 * ms)
        #expect(core.frames[0].skippedBlocks == 1)
    }

    @Test func uxcostFloorsVAndCountsEnergyPerGeneratedFrame() {
        let f = FrameRecord(frame: 0, stream: 0, sequence: 0, variant: 0, scheduledReleaseNs: 0, releaseNs: 0, deadlineNs: 10,
                            startNs: 0, completionNs: 5, outcome: .met, dropReason: nil, skippedBlocks: 0, energyJ: 1)
        let b = BlockRecord(frame: 0, stream: 0, variant: 0, accelerator: 0, firstLayer: 0, endLayer: 1, decidedNs: 0, startNs: 0, endNs: 5,
                            macs: 0, bytesL1: 0, bytesL2: 0, bytesLLC: 0, bytesDRAM: 0, cpu: 0, busyCoreNs: 5, energyJ: 1)
        let s = StreamDescription(name: "S", periodNs: 10, variants: [.init(name: "v", layers: [layer(1)])])
        let acc = accelerators(1)
        let ok = RunSummary(frames: [f, f], blocks: [b, b], streams: [s], accelerators: acc, wallNs: 10, decisionNs: [], dispatchNs: [], energySource: "model")
        #expect(ok.violationRate == 0)
        #expect(abs(ok.energyPerFrameJ - 1) < 1e-12)
        #expect(abs(ok.uxcost - 0.25) < 1e-12, "V floored at half a frame: 1 J * 0.5/2")
        var late = f
        late.outcome = .missed
        late.completionNs = 20
        let bad = RunSummary(frames: [f, late], blocks: [b, b], streams: [s], accelerators: acc, wallNs: 10, decisionNs: [], dispatchNs: [], energySource: "model")
        #expect(abs(bad.uxcost - 0.5) < 1e-12)
        #expect(bad.xrbenchScore < ok.xrbenchScore)
    }
}
