import DreamCore

/// A layer's shape without its name: layers of equal shape cost the same.
public struct LayerShapeKey: Hashable, Sendable, Codable {
    public var spec: LayerSpec
    public init(_ layer: LayerSpec) {
        var s = layer
        s.name = ""
        spec = s
    }
}

/// Costs measured on the real kernels (per shape and accelerator), falling back to another
/// model (the analytic roofline) for shapes never measured.
public struct MeasuredCostModel: CostModel {
    /// Median latency in ns, per accelerator index, per shape.
    public var latencies: [LayerShapeKey: [Double]]
    /// The work the kernels counted in a measured run, per accelerator index, per shape (nil
    /// where not recorded: calibration files written before the counts were kept).
    public var counted: [LayerShapeKey: [LayerWork?]]
    public var fallback: CostModel

    public init(latencies: [LayerShapeKey: [Double]], counted: [LayerShapeKey: [LayerWork?]] = [:],
                fallback: CostModel = AnalyticCostModel()) {
        self.latencies = latencies
        self.counted = counted
        self.fallback = fallback
    }

    public func work(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerWork {
        if let row = counted[LayerShapeKey(layer)], accelerator.index < row.count, let w = row[accelerator.index] { return w }
        return fallback.work(of: layer, on: accelerator)
    }

    public func cost(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerCost {
        guard let row = latencies[LayerShapeKey(layer)], accelerator.index < row.count, row[accelerator.index] > 0 else {
            return fallback.cost(of: layer, on: accelerator)
        }
        let ns = row[accelerator.index]
        // Energy: busy power over the measured time, plus the counted work.
        let energy = accelerator.power.energy(of: work(of: layer, on: accelerator),
                                              busyCoreSeconds: ns * 1e-9 * Double(accelerator.coreCount))
        return LayerCost(latencyNs: ns, energyJ: energy)
    }

    /// Capacity of the accelerators on this workload's mix, GFLOP/s: for each accelerator the
    /// FLOPs of every frame's default variant over the time it would take to run them all there.
    public static func capacityGFLOPs(of workload: EngineWorkload, accelerators: [ResolvedAccelerator], model: CostModel) -> Double {
        var total = 0.0
        for acc in accelerators {
            var flops = 0.0, ns = 0.0
            var perVariant: [Int: (Double, Double)] = [:]
            for f in workload.frames {
                let key = f.stream
                if f.skipMask == 0, let c = perVariant[key] { flops += c.0; ns += c.1; continue }
                let v = workload.streams[f.stream].variants[0]
                var fl = 0.0, t = 0.0
                for l in v.executedLayers(skipMask: f.skipMask) {
                    fl += Double(v.layers[Int(l)].flops)
                    t += model.cost(of: v.layers[Int(l)], on: acc).latencyNs
                }
                if f.skipMask == 0 { perVariant[key] = (fl, t) }
                flops += fl
                ns += t
            }
            if ns > 0 { total += flops / ns }
        }
        return total
    }
}

/// Models that cannot meet their deadline even alone on the fastest accelerator: every frame
/// of theirs will miss or be dropped whatever the policy, which a user fitting a scenario
/// should know. Cascades count their upstream's latency too (the deadline runs from the
/// upstream's release).
public struct InfeasibleStream: Sendable {
    public var name: String
    public var bestLatencyNs: Double
    public var relativeDeadlineNs: Double
    /// The time scale at which it would just fit, given the current one.
    public func timeScaleNeeded(current: Double) -> Double { current * bestLatencyNs / relativeDeadlineNs }
}

extension EngineWorkload {
    public func infeasibleStreams(accelerators: [ResolvedAccelerator], model: CostModel) -> [InfeasibleStream] {
        var best = [Double](repeating: 0, count: streams.count)
        for (s, stream) in streams.enumerated() {
            best[s] = accelerators.map { acc in stream.variants[0].layers.reduce(0.0) { $0 + model.cost(of: $1, on: acc).latencyNs } }.min() ?? 0
        }
        var result: [InfeasibleStream] = []
        for (s, stream) in streams.enumerated() {
            guard let f = frames.first(where: { $0.stream == s }) else { continue }
            let releaseBase = f.upstream.map { frames[$0].releaseNs } ?? f.releaseNs
            let deadline = Double(f.deadlineNs - releaseBase)
            let needed = best[s] + (stream.upstream.map { best[$0] } ?? 0)
            if needed > deadline { result.append(InfeasibleStream(name: stream.name, bestLatencyNs: needed, relativeDeadlineNs: deadline)) }
        }
        return result
    }
}

extension MeasuredCostModel {
    /// Every measured latency on accelerator `a` times `factors[a]` (a live run's measured
    /// slowdown against these probes); counted work and the fallback unchanged.
    public func stretched(by factors: [Double]) -> MeasuredCostModel {
        var m = self
        for (key, row) in latencies {
            m.latencies[key] = row.enumerated().map { a, ns in a < factors.count ? ns * factors[a] : ns }
        }
        return m
    }
}
