import DreamCore

/// Estimated latency and energy of every (stream, variant, layer) on every accelerator, looked
/// up in O(1) on the decision path, and corrected online from measured block times by
/// exponential smoothing (as Band does, factor 0.1).
public struct EstimateTable: Sendable {
    public let acceleratorCount: Int
    /// Offset of (stream, variant) layer 0 in the flat arrays, per stream then variant.
    private let base: [[Int]]
    private var latency: [Double]
    private var energy: [Double]
    public var smoothing: Double = 0.1

    public init(workload: EngineWorkload, accelerators: [ResolvedAccelerator], model: CostModel) {
        acceleratorCount = accelerators.count
        var base: [[Int]] = []
        var lat: [Double] = []
        var en: [Double] = []
        for stream in workload.streams {
            var row: [Int] = []
            for variant in stream.variants {
                row.append(lat.count)
                for layer in variant.layers {
                    for acc in accelerators {
                        let c = model.cost(of: layer, on: acc)
                        lat.append(c.latencyNs)
                        en.append(c.energyJ)
                    }
                }
            }
            base.append(row)
        }
        self.base = base
        self.latency = lat
        self.energy = en
    }

    @inline(__always)
    public func index(stream: Int, variant: Int, layer: Int, accelerator: Int) -> Int {
        base[stream][variant] + layer * acceleratorCount + accelerator
    }

    @inline(__always)
    public func latencyNs(stream: Int, variant: Int, layer: Int, accelerator: Int) -> Double {
        latency[index(stream: stream, variant: variant, layer: layer, accelerator: accelerator)]
    }

    @inline(__always)
    public func energyJ(stream: Int, variant: Int, layer: Int, accelerator: Int) -> Double {
        energy[index(stream: stream, variant: variant, layer: layer, accelerator: accelerator)]
    }

    /// Scales the estimates of `layers` on `accelerator` toward a measured block time.
    public mutating func correct(stream: Int, variant: Int, layers: ArraySlice<Int32>, accelerator: Int, measuredNs: Double) {
        var estimated = 0.0
        for l in layers { estimated += latencyNs(stream: stream, variant: variant, layer: Int(l), accelerator: accelerator) }
        guard estimated > 0, measuredNs > 0 else { return }
        let factor = 1 - smoothing + smoothing * (measuredNs / estimated)
        for l in layers {
            let i = index(stream: stream, variant: variant, layer: Int(l), accelerator: accelerator)
            latency[i] *= factor
            energy[i] *= factor
        }
    }
}
