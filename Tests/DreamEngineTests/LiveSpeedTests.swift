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

    /// `--jitter-unit layer`: each layer of a block draws its own multiplier, so a block of 16
    /// equal layers varies about a quarter as much as one draw per block would make it (live
    /// blocks of more than 20 layers varied 0.08 around their layers' medians, one-layer blocks
    /// 0.15-0.20: issue 16, tenth pass).
    @Test func perLayerJitterAveragesOverABlocksLayers() {
        let s = StreamDescription(name: "S", periodNs: 10 * ms, variants: [.init(name: "v", layers: Array(repeating: layer(250_000), count: 16))])
        let frames = (0..<80).map { FrameDescription(id: $0, stream: 0, sequence: $0, releaseNs: Int64($0) * 10 * ms, deadlineNs: Int64($0 + 1) * 10 * ms) }
        var sim = Simulator(workload: EngineWorkload(name: "t", streams: [s], frames: frames, durationNs: 800 * ms), accelerators: accelerators(1), costs: FixedCosts())
        sim.blockJitter = [Simulator.logNormalSpread(sigma: 0.2, seed: 3)]
        let perBlock = LiveSpeed(of: sim.run(scheduler: GreedyWhole(), wallClock: { 0 }), model: FixedCosts(), accelerators: accelerators(1)).blockLogSigma[0]
        sim.jitterPerLayer = true
        let run = sim.run(scheduler: GreedyWhole(), wallClock: { 0 })
        #expect(run.blocks.allSatisfy { $0.endLayer - $0.firstLayer == 16 }, "whole frames, one block each")
        let perLayer = LiveSpeed(of: run, model: FixedCosts(), accelerators: accelerators(1)).blockLogSigma[0]
        #expect(perBlock > 0.15 && perBlock < 0.25, "one draw per block: \(perBlock)")
        #expect(perLayer > 0.03 && perLayer < 0.08, "16 draws per block: \(perLayer)")
    }

    /// `--speed-drift`: every block that starts in one window of simulated time runs at that
    /// window's speed (equal layers take equal times within it), the speed differs between
    /// windows with about the sigma asked for, and the draws are the seed's.
    @Test func speedDriftIsSharedWithinAWindowAndDrawnPerWindow() {
        let layers = (0..<20).map { _ in layer(200_000) }
        let s = StreamDescription(name: "S", periodNs: 10 * ms, variants: [.init(name: "v", layers: layers)])
        let frames = (0..<100).map { FrameDescription(id: $0, stream: 0, sequence: $0, releaseNs: Int64($0) * 10 * ms, deadlineNs: Int64($0 + 1) * 10 * ms) }
        var sim = Simulator(workload: EngineWorkload(name: "t", streams: [s], frames: frames, durationNs: 1_000 * ms), accelerators: accelerators(1), costs: FixedCosts())
        let steady = sim.run(scheduler: GreedyWhole(blockLayers: 1), wallClock: { 0 })
        #expect(Set(steady.blocks.map { $0.endNs - $0.startNs }) == [200_000], "no drift: every layer its estimate")
        sim.speedDriftSigma = 0.2
        sim.speedDriftWindowNs = 10 * ms
        func windows(_ core: ExecutionCore) -> [Int64: Set<Int64>] {
            var byWindow: [Int64: Set<Int64>] = [:]
            for b in core.blocks { byWindow[b.startNs / (10 * ms), default: []].insert(b.endNs - b.startNs) }
            return byWindow
        }
        let drifting = windows(sim.run(scheduler: GreedyWhole(blockLayers: 1), wallClock: { 0 }))
        #expect(drifting.count >= 90)
        #expect(drifting.values.allSatisfy { $0.count == 1 }, "one speed per window")
        let logs = drifting.values.map { Foundation.log(Double($0.first!) / 200_000) }
        let mean = logs.reduce(0, +) / Double(logs.count)
        let sigma = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(logs.count - 1)).squareRoot()
        #expect(abs(sigma - 0.2) < 0.06, "log-spread across windows \(sigma)")
        #expect(windows(sim.run(scheduler: GreedyWhole(blockLayers: 1), wallClock: { 0 })) == drifting, "the same seed, the same drift")
        sim.jitterSeed = 2
        #expect(windows(sim.run(scheduler: GreedyWhole(blockLayers: 1), wallClock: { 0 })) != drifting, "another seed, another drift")
    }

    /// `--layer-bias`: each layer's time is off its estimate by a factor fixed for the run (the
    /// same in every frame), jitter varies around it, and a run's one-layer blocks recover both:
    /// `layerModelErrorSigma` the bias, `layerNoiseSigma` the jitter.
    @Test func layerBiasIsFixedPerLayerAndOneLayerBlocksRecoverBothSigmas() {
        let layers = (0..<40).map { layer(100_000 + 5_000 * $0) }
        let s = StreamDescription(name: "S", periodNs: 10 * ms, variants: [.init(name: "v", layers: layers)])
        let frames = (0..<60).map { FrameDescription(id: $0, stream: 0, sequence: $0, releaseNs: Int64($0) * 10 * ms, deadlineNs: Int64($0 + 1) * 10 * ms) }
        var sim = Simulator(workload: EngineWorkload(name: "t", streams: [s], frames: frames, durationNs: 600 * ms), accelerators: accelerators(1), costs: FixedCosts())
        sim.layerBiasSigma = 0.3
        let biased = sim.run(scheduler: GreedyWhole(blockLayers: 1), wallClock: { 0 })
        #expect(biased.blocks.count == 40 * 60)
        let timesOfLayer = { (core: ExecutionCore, l: Int32) in Set(core.blocks.filter { $0.firstLayer == l }.map { $0.endNs - $0.startNs }) }
        #expect((0..<40).allSatisfy { timesOfLayer(biased, Int32($0)).count == 1 }, "a layer takes the same time in every frame")
        #expect(timesOfLayer(biased, 0) != [100_000], "but not its estimate")
        let fixed = LiveSpeed(of: biased, model: FixedCosts(), accelerators: accelerators(1))
        #expect(fixed.layerNoiseSigma[0] < 1e-4, "no noise: \(fixed.layerNoiseSigma)")
        #expect(abs(fixed.layerModelErrorSigma[0] - 0.3) < 0.12, "\(fixed.layerModelErrorSigma)")
        sim.blockJitter = [Simulator.logNormalSpread(sigma: 0.1, seed: 5)]
        sim.jitterPerLayer = true
        let both = LiveSpeed(of: sim.run(scheduler: GreedyWhole(blockLayers: 1), wallClock: { 0 }), model: FixedCosts(), accelerators: accelerators(1))
        #expect(abs(both.layerNoiseSigma[0] - 0.1) < 0.02, "\(both.layerNoiseSigma)")
        #expect(abs(both.layerModelErrorSigma[0] - fixed.layerModelErrorSigma[0]) < 0.05, "the bias is the seed's, jitter or not")
        sim.jitterSeed = 2
        let other = sim.run(scheduler: GreedyWhole(blockLayers: 1), wallClock: { 0 })
        #expect(timesOfLayer(other, 0) != timesOfLayer(biased, 0), "another seed, another bias")
    }
}

