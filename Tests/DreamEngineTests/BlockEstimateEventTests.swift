import Testing
import DreamCore
@testable import DreamEngine

/// `SchedulerEvent.blockFinished` carries the estimate the block was dispatched with, not the
/// table's value after `EstimateTable.correct` has moved it towards the measurement: a policy
/// that measures its estimates' error (DREAM's margin) must compare with what it relied on.
@Suite struct BlockEstimateEventTests {
    final class Recorder: Scheduler {
        let name = "test-recorder"
        let inner = GreedyWhole(blockLayers: 1)
        var finished: [(measuredNs: Int64, estimatedNs: Double)] = []
        func observe(_ event: SchedulerEvent, state: SchedulerState) {
            if case .blockFinished(_, _, let measured, let estimated) = event { finished.append((measured, estimated)) }
        }
        func decide(_ state: SchedulerState, into decisions: inout Decisions) { inner.decide(state, into: &decisions) }
    }

    @Test func blockFinishedCarriesTheDispatchedEstimate() throws {
        // Two frames of a one-layer 1 ms model released together on one accelerator; each block
        // runs twice as long as estimated.
        let s = StreamDescription(name: "S", periodNs: 100 * ms, variants: [.init(name: "v", layers: [layer(1_000_000)])])
        let w = EngineWorkload(name: "t", streams: [s],
                               frames: [FrameDescription(id: 0, stream: 0, sequence: 0, releaseNs: 0, deadlineNs: 50 * ms),
                                        FrameDescription(id: 1, stream: 0, sequence: 1, releaseNs: 0, deadlineNs: 50 * ms)],
                               durationNs: 100 * ms)
        let accs = accelerators(1)
        let recorder = Recorder()
        let core = ExecutionCore(workload: w, accelerators: accs, estimates: EstimateTable(workload: w, accelerators: accs, model: FixedCosts()),
                                 scheduler: recorder, wallClock: { 0 })
        core.releaseDue(now: 0)
        var now: Int64 = 0
        var dispatched: [Double] = []
        for _ in 0..<2 {
            core.schedule(now: now)
            let d = try #require(core.outbox.first)
            dispatched.append(d.estimatedNs)
            let end = now + Int64(2 * d.estimatedNs)
            core.blockFinished(accelerator: d.accelerator,
                               measurement: BlockMeasurement(startNs: now, endNs: end, macs: 0, bytes: (0, 0, 0, 0), cpu: -1, busyCoreNs: 0))
            now = end
        }
        // The first block's estimate is the model's 1 ms; the engine then corrects the table by
        // 1 - 0.1 + 0.1 x 2 = 1.1 (then 1.21), so the second frame's block is dispatched at 1.1 ms.
        #expect(abs(dispatched[0] - 1_000_000) < 1)
        #expect(abs(dispatched[1] - 1_100_000) < 1)
        #expect(abs(core.state.estimates.latencyNs(stream: 0, variant: 0, layer: 0, accelerator: 0) - 1_210_000) < 1)
        #expect(recorder.finished.count == 2)
        for (k, f) in recorder.finished.enumerated() {
            #expect(f.estimatedNs == dispatched[k], "block \(k): the event's estimate is the dispatch's")
            #expect(abs(Double(f.measuredNs) / f.estimatedNs - 2) < 1e-6)
        }
    }
}
