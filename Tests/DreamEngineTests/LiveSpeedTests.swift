import Foundation
import Testing
import DreamCore
@testable import DreamEngine

@Suite struct LiveSpeedTests {
    /// A run where stream A met accelerators 2x and 3x slower than the model and stream B 1.5x
    /// on accelerator 0: the factors recovered from its blocks are those, and a simulation at
    /// those factors reproduces the run's block times.
    @Test func factorsRecoverTheSpeedEachStreamMet() {
        let a = StreamDescription(name: "A", periodNs: 10 * ms, variants: [.init(name: "v", layers: [layer(1_000_000), layer(2_000_000)])])
        let b = StreamDescription(name: "B", periodNs: 20 * ms, variants: [.init(name: "v", layers: [layer(500_000)])])
        var frames = (0..<8).map { FrameDescription(id: $0, stream: 0, sequence: $0, releaseNs: Int64($0 / 2) * 10 * ms, deadlineNs: Int64($0 / 2 + 1) * 10 * ms) }
        frames.append(FrameDescription(id: 8, stream: 1, sequence: 0, releaseNs: 45 * ms, deadlineNs: 65 * ms))
        let w = EngineWorkload(name: "t", streams: [a, b], frames: frames, durationNs: 60 * ms)
        let accs = accelerators(2)
        var slow = Simulator(workload: w, accelerators: accs, costs: FixedCosts())
        slow.latencyFactors = [[2, 3], [1.5, 1]]
        let run = slow.run(scheduler: GreedyWhole(), wallClock: { 0 })
        #expect(Set(run.blocks.filter { $0.stream == 0 }.map(\.accelerator)) == [0, 1], "A ran on both accelerators")
        #expect(run.blocks.filter { $0.stream == 1 }.map(\.accelerator) == [0], "B ran once, on accelerator 0")
        let f = LiveSpeed(of: run, model: FixedCosts(), accelerators: accs).factors
        #expect(abs(f[0][0] - 2) < 1e-9 && abs(f[0][1] - 3) < 1e-9 && abs(f[1][0] - 1.5) < 1e-9, "\(f)")
        #expect(abs(f[1][1] - 3) < 1e-9, "B never ran on accelerator 1: it gets that accelerator's overall factor")
        let idle = LiveSpeed(of: run, model: FixedCosts(), accelerators: accelerators(3)).factors
        #expect(idle[0][2] == 1, "an accelerator that ran nothing keeps factor 1")
        var again = Simulator(workload: w, accelerators: accs, costs: FixedCosts())
        again.latencyFactors = f
        #expect(again.run(scheduler: GreedyWhole(), wallClock: { 0 }).blocks.map(\.endNs) == run.blocks.map(\.endNs))
    }

    /// Blocks drawn 1x or 3x the cost: the spread keeps their 1:3 ratio around mean 1; the same
    /// seed repeats the run exactly, another seed draws differently.
    @Test func blockSpreadAndSeededJitter() {
        let s = StreamDescription(name: "S", periodNs: 10 * ms, variants: [.init(name: "v", layers: [layer(1_000_000)])])
        let frames = (0..<40).map { FrameDescription(id: $0, stream: 0, sequence: $0, releaseNs: Int64($0) * 10 * ms, deadlineNs: Int64($0 + 1) * 10 * ms) }
        let w = EngineWorkload(name: "t", streams: [s], frames: frames, durationNs: 400 * ms)
        var sim = Simulator(workload: w, accelerators: accelerators(1), costs: FixedCosts())
        sim.blockJitter = [[1, 3]]
        let run = sim.run(scheduler: GreedyWhole(), wallClock: { 0 })
        let durations = Set(run.blocks.map { $0.endNs - $0.startNs })
        #expect(durations == [1 * ms, 3 * ms], "every block took 1x or 3x: \(durations)")
        let spread = LiveSpeed(of: run, model: FixedCosts(), accelerators: accelerators(1)).blockSpread[0]
        #expect(spread.count == 40)
        #expect(abs(spread.reduce(0, +) / 40 - 1) < 1e-12)
        #expect(abs(spread.max()! / spread.min()! - 3) < 1e-12)
        #expect(sim.run(scheduler: GreedyWhole(), wallClock: { 0 }).blocks.map(\.endNs) == run.blocks.map(\.endNs))
        sim.jitterSeed = 2
        #expect(sim.run(scheduler: GreedyWhole(), wallClock: { 0 }).blocks.map(\.endNs) != run.blocks.map(\.endNs))
    }

    /// The simulator's own spread (`--block-jitter`): mean 1, the log-spread asked for, the same
    /// draws for a seed; blocks then vary around the model and the run repeats for a seed.
    @Test func logNormalSpreadHasMeanOneAndTheSigmaAskedFor() {
        let spread = Simulator.logNormalSpread(sigma: 0.3, seed: 7)
        let logs = spread.map { Foundation.log($0) }
        let mean = logs.reduce(0, +) / Double(logs.count)
        let sd = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(logs.count - 1)).squareRoot()
        #expect(spread.count == 4096 && abs(spread.reduce(0, +) / 4096 - 1) < 1e-12)
        #expect(abs(sd - 0.3) < 0.015, "sigma \(sd)")
        #expect(spread == Simulator.logNormalSpread(sigma: 0.3, seed: 7) && spread != Simulator.logNormalSpread(sigma: 0.3, seed: 8))
        #expect(Simulator.logNormalSpread(sigma: 0, seed: 7).isEmpty, "no spread: every block as modelled")
        let s = StreamDescription(name: "S", periodNs: 10 * ms, variants: [.init(name: "v", layers: [layer(1_000_000)])])
        let frames = (0..<40).map { FrameDescription(id: $0, stream: 0, sequence: $0, releaseNs: Int64($0) * 10 * ms, deadlineNs: Int64($0 + 1) * 10 * ms) }
        var sim = Simulator(workload: EngineWorkload(name: "t", streams: [s], frames: frames, durationNs: 400 * ms), accelerators: accelerators(1), costs: FixedCosts())
        sim.blockJitter = [Simulator.logNormalSpread(sigma: 0.05, seed: 1)]
        let run = sim.run(scheduler: GreedyWhole(), wallClock: { 0 })
        let durations = run.blocks.map { Double($0.endNs - $0.startNs) / Double(ms) }
        #expect(Set(durations).count > 30 && durations.allSatisfy { $0 > 0.8 && $0 < 1.25 }, "\(durations)")
        let measured = LiveSpeed(of: run, model: FixedCosts(), accelerators: accelerators(1)).blockLogSigma[0]
        #expect(abs(measured - 0.05) < 0.02, "a run's measured spread recovers the sigma drawn: \(measured)")
    }
}
