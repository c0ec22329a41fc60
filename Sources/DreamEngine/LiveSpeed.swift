import DreamCore

/// How fast a live run's blocks ran against what a cost model estimated for the same layers:
/// per stream (model) and accelerator, measured / estimated block time. `dream compare --mode
/// both` simulates each live run at its own speed (`Simulator.latencyFactors`), so the
/// simulator faces the machine the run met (other processes slow a shared machine by up to 2x
/// for minutes; a model whose layers were probed warm and alone may run slower between other
/// models' layers) rather than the one measured before the runs.
public enum LiveSpeed {
    /// `[stream][accelerator]` factors. A stream that ran nothing on an accelerator gets that
    /// accelerator's factor over all streams (1 when the accelerator ran nothing at all).
    public static func factors(of core: ExecutionCore, model: CostModel, accelerators: [ResolvedAccelerator]) -> [[Double]] {
        let workload = core.workload
        let a = accelerators.count, s = workload.streams.count
        var measured = [[Double]](repeating: [Double](repeating: 0, count: a), count: s)
        var estimated = measured
        for b in core.blocks {
            let acc = Int(b.accelerator), f = Int(b.frame)
            guard acc < a, f < workload.frames.count, b.endNs > b.startNs else { continue }
            let frame = workload.frames[f]
            let variant = workload.streams[frame.stream].variants[Int(b.variant)]
            let executed = variant.executedLayers(skipMask: frame.skipMask)
            guard b.firstLayer >= 0, Int(b.endLayer) <= executed.count, b.firstLayer < b.endLayer else { continue }
            for l in executed[Int(b.firstLayer)..<Int(b.endLayer)] {
                estimated[frame.stream][acc] += model.cost(of: variant.layers[Int(l)], on: accelerators[acc]).latencyNs
            }
            measured[frame.stream][acc] += Double(b.endNs - b.startNs)
        }
        let overall = (0..<a).map { acc -> Double in
            let m = measured.reduce(0) { $0 + $1[acc] }, e = estimated.reduce(0) { $0 + $1[acc] }
            return m > 0 && e > 0 ? m / e : 1
        }
        return (0..<s).map { st in
            (0..<a).map { acc in
                measured[st][acc] > 0 && estimated[st][acc] > 0 ? measured[st][acc] / estimated[st][acc] : overall[acc]
            }
        }
    }

    /// Per accelerator, every block's time relative to its stream's factor (measured /
    /// (estimated x factor)), scaled to mean 1: how much single blocks of the run varied around
    /// the run's average speed (interference, cache state left by the previous block, wake-ups).
    /// `Simulator.blockJitter` draws from it.
    public static func blockSpread(of core: ExecutionCore, model: CostModel, accelerators: [ResolvedAccelerator],
                                   factors: [[Double]]) -> [[Double]] {
        let workload = core.workload
        var spread = [[Double]](repeating: [], count: accelerators.count)
        for b in core.blocks {
            let acc = Int(b.accelerator), f = Int(b.frame)
            guard acc < accelerators.count, f < workload.frames.count, b.endNs > b.startNs else { continue }
            let frame = workload.frames[f]
            let variant = workload.streams[frame.stream].variants[Int(b.variant)]
            let executed = variant.executedLayers(skipMask: frame.skipMask)
            guard b.firstLayer >= 0, Int(b.endLayer) <= executed.count, b.firstLayer < b.endLayer,
                  frame.stream < factors.count, acc < factors[frame.stream].count else { continue }
            var estimate = 0.0
            for l in executed[Int(b.firstLayer)..<Int(b.endLayer)] {
                estimate += model.cost(of: variant.layers[Int(l)], on: accelerators[acc]).latencyNs
            }
            let expected = estimate * factors[frame.stream][acc]
            if expected > 0 { spread[acc].append(Double(b.endNs - b.startNs) / expected) }
        }
        return spread.map { r in
            let mean = r.reduce(0, +) / Double(max(1, r.count))
            return mean > 0 ? r.map { $0 / mean } : []
        }
    }
}
