import DreamCore
import Foundation

/// How fast a live run's blocks ran against what a cost model estimated for the same layers.
/// `dream compare --mode both` simulates each live run at its own speed, so the simulator faces
/// the machine the run met (other processes slow a shared machine by up to 2x for minutes; a
/// model whose layers were probed warm and alone may run slower between other models' layers)
/// rather than the one measured before the runs. One pass over the run's blocks gives both.
public struct LiveSpeed: Sendable {
    /// `[stream][accelerator]`: measured / estimated block time (`Simulator.latencyFactors`).
    /// A stream that ran nothing on an accelerator gets that accelerator's factor over all
    /// streams (1 when the accelerator ran nothing at all).
    public let factors: [[Double]]
    /// Per accelerator, every block's time relative to its stream's factor (measured /
    /// (estimated x factor)), scaled to mean 1: how much single blocks varied around the run's
    /// average speed (interference, cache state left by the previous block, wake-ups).
    /// `Simulator.blockJitter` draws from it.
    public let blockSpread: [[Double]]
    /// Per accelerator: measured / estimated block time over all streams (how much slower the
    /// run went than the model the fit used: above 1, the run's true load was above the fit's).
    public let acceleratorFactors: [Double]
    /// Per accelerator, from the one-layer blocks of layers that ran at least three times there:
    /// `noise`, the log-normal sigma of each run's time around its layer's median (what varies
    /// from one run of a layer to the next: `--block-jitter` with `--jitter-unit layer`), and
    /// `modelError`, that of the layers' medians around their estimates x the stream's factor
    /// (what the estimates get wrong the same way every frame: `--layer-bias`). 0 with fewer
    /// than two values.
    public let layerNoiseSigma: [Double]
    public let layerModelErrorSigma: [Double]

    /// Per accelerator, the standard deviation of the logarithms of `blockSpread` (0 for fewer
    /// than two blocks): comparable with the simulator's log-normal `--block-jitter`.
    public var blockLogSigma: [Double] {
        blockSpread.map { spread in Self.standardDeviation(spread.filter { $0 > 0 }.map { Foundation.log($0) }) }
    }

    /// Sample standard deviation (0 for fewer than two values).
    static func standardDeviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }

    public init(of core: ExecutionCore, model: CostModel, accelerators: [ResolvedAccelerator]) {
        let workload = core.workload
        let a = accelerators.count, s = workload.streams.count
        // Each valid block once: its stream, accelerator, measured and estimated time.
        var blocks: [(stream: Int, acc: Int, measured: Double, estimated: Double)] = []
        // One-layer blocks by (stream, variant, layer, accelerator): their measured and estimated times.
        var single: [[Int]: (measured: [Double], estimated: Double)] = [:]
        var measured = [[Double]](repeating: [Double](repeating: 0, count: a), count: s)
        var estimated = measured
        for b in core.blocks {
            let acc = Int(b.accelerator), f = Int(b.frame)
            guard acc < a, f < workload.frames.count, b.endNs > b.startNs else { continue }
            let frame = workload.frames[f]
            let variant = workload.streams[frame.stream].variants[Int(b.variant)]
            let executed = variant.executedLayers(skipMask: frame.skipMask)
            guard b.firstLayer >= 0, Int(b.endLayer) <= executed.count, b.firstLayer < b.endLayer else { continue }
            var estimate = 0.0
            for l in executed[Int(b.firstLayer)..<Int(b.endLayer)] {
                estimate += model.cost(of: variant.layers[Int(l)], on: accelerators[acc]).latencyNs
            }
            let time = Double(b.endNs - b.startNs)
            blocks.append((frame.stream, acc, time, estimate))
            if b.endLayer - b.firstLayer == 1 && estimate > 0 {
                single[[frame.stream, Int(b.variant), Int(executed[Int(b.firstLayer)]), acc], default: ([], estimate)].measured.append(time)
            }
            measured[frame.stream][acc] += time
            estimated[frame.stream][acc] += estimate
        }
        let overall = (0..<a).map { acc -> Double in
            let m = measured.reduce(0) { $0 + $1[acc] }, e = estimated.reduce(0) { $0 + $1[acc] }
            return m > 0 && e > 0 ? m / e : 1
        }
        let factors = (0..<s).map { st in
            (0..<a).map { acc in
                measured[st][acc] > 0 && estimated[st][acc] > 0 ? measured[st][acc] / estimated[st][acc] : overall[acc]
            }
        }
        var spread = [[Double]](repeating: [], count: a)
        for b in blocks {
            let expected = b.estimated * factors[b.stream][b.acc]
            if expected > 0 { spread[b.acc].append(b.measured / expected) }
        }
        self.factors = factors
        acceleratorFactors = overall
        var noise = [[Double]](repeating: [], count: a), modelError = noise
        for (key, runs) in single where runs.measured.count >= 3 {
            let sorted = runs.measured.sorted()
            let median = sorted[sorted.count / 2]
            let acc = key[3]
            noise[acc].append(contentsOf: sorted.map { Foundation.log($0 / median) })
            modelError[acc].append(Foundation.log(median / (runs.estimated * factors[key[0]][acc])))
        }
        layerNoiseSigma = noise.map(Self.standardDeviation)
        layerModelErrorSigma = modelError.map(Self.standardDeviation)
        blockSpread = spread.map { r in
            let mean = r.reduce(0, +) / Double(max(1, r.count))
            return mean > 0 ? r.map { $0 / mean } : []
        }
    }
}
