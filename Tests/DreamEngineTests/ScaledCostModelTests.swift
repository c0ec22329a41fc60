import Testing
import DreamCore
@testable import DreamEngine

@Suite struct ScaledCostModelTests {
    /// A run whose accelerators were 2x and 3x slower than the model: the factors recovered from
    /// its blocks are 2 and 3, and the scaled model reproduces the run's block times.
    @Test func liveFactorsRecoverTheSpeedTheRunMet() {
        let s = StreamDescription(name: "S", periodNs: 10 * ms, variants: [.init(name: "v", layers: [layer(1_000_000), layer(2_000_000)])])
        let frames = (0..<8).map { FrameDescription(id: $0, stream: 0, sequence: $0, releaseNs: Int64($0 / 2) * 10 * ms, deadlineNs: Int64($0 / 2 + 1) * 10 * ms) }
        let w = EngineWorkload(name: "t", streams: [s], frames: frames, durationNs: 40 * ms)
        let accs = accelerators(2)
        let slow = ScaledCostModel(base: FixedCosts(), factors: [2, 3])
        let run = Simulator(workload: w, accelerators: accs, costs: slow).run(scheduler: GreedyWhole(), wallClock: { 0 })
        #expect(Set(run.blocks.map(\.accelerator)) == [0, 1], "both accelerators ran blocks")
        let factors = ScaledCostModel.liveFactors(of: run, model: FixedCosts(), accelerators: accs)
        #expect(abs(factors[0] - 2) < 1e-9 && abs(factors[1] - 3) < 1e-9, "\(factors)")
        let idle = ScaledCostModel.liveFactors(of: run, model: FixedCosts(), accelerators: accelerators(3))
        #expect(idle[2] == 1, "an accelerator that ran nothing keeps factor 1")
        let again = Simulator(workload: w, accelerators: accs, costs: ScaledCostModel(base: FixedCosts(), factors: factors))
            .run(scheduler: GreedyWhole(), wallClock: { 0 })
        #expect(again.blocks.map(\.endNs) == run.blocks.map(\.endNs))
    }
}
