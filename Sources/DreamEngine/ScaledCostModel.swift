import DreamCore

/// A cost model times a factor per accelerator: what a live run actually took against what its
/// cost model estimated. `dream compare --mode both` simulates each live run with its own
/// factors, so the simulator faces the machine the run met (other processes slow a shared
/// machine by up to 2x for minutes) rather than the one measured before the runs.
public struct ScaledCostModel: CostModel {
    public let base: CostModel
    /// Multiplies latency and energy, by accelerator index (1 where absent).
    public let factors: [Double]

    public init(base: CostModel, factors: [Double]) {
        self.base = base
        self.factors = factors
    }

    public func cost(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerCost {
        var c = base.cost(of: layer, on: accelerator)
        let f = accelerator.index < factors.count ? factors[accelerator.index] : 1
        c.latencyNs *= f
        c.energyJ *= f
        return c
    }

    /// Per accelerator: total measured time of the run's blocks over the total `model` estimates
    /// for the same layers (1 for an accelerator that ran nothing).
    public static func liveFactors(of core: ExecutionCore, model: CostModel, accelerators: [ResolvedAccelerator]) -> [Double] {
        var measured = [Double](repeating: 0, count: accelerators.count)
        var estimated = [Double](repeating: 0, count: accelerators.count)
        let workload = core.workload
        for b in core.blocks {
            let a = Int(b.accelerator), f = Int(b.frame)
            guard a < accelerators.count, f < workload.frames.count, b.endNs > b.startNs else { continue }
            let frame = workload.frames[f]
            let variant = workload.streams[frame.stream].variants[Int(b.variant)]
            let executed = variant.executedLayers(skipMask: frame.skipMask)
            guard b.firstLayer >= 0, Int(b.endLayer) <= executed.count, b.firstLayer < b.endLayer else { continue }
            var estimate = 0.0
            for l in executed[Int(b.firstLayer)..<Int(b.endLayer)] {
                estimate += model.cost(of: variant.layers[Int(l)], on: accelerators[a]).latencyNs
            }
            measured[a] += Double(b.endNs - b.startNs)
            estimated[a] += estimate
        }
        return zip(measured, estimated).map { m, e in e > 0 && m > 0 ? m / e : 1 }
    }
}
