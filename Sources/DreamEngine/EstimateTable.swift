import DreamCore

/// Estimated latency and energy of every (stream, variant, layer) on every accelerator, looked
/// up in O(1) on the decision path, and corrected online from measured block times by
/// exponential smoothing (as Band does, factor 0.1).
public struct EstimateTable: Sendable {
    public let acceleratorCount: Int
    /// Offset of (stream, variant) layer 0 in the flat arrays: `base[variantBase[stream] + variant]`.
    /// Flat, so a lookup touches no nested array (no retain, one bounds check).
    /// (`@usableFromInline`: the lookups below are inlined into the policies' decision loops.)
    @usableFromInline let base: [Int]
    @usableFromInline let variantBase: [Int]
    @usableFromInline var latency: [Double]
    @usableFromInline var energy: [Double]
    /// Per (stream, variant, layer): the least latency over all accelerators, kept current by
    /// `correct`, so "how fast could this layer run anywhere" costs one lookup.
    @usableFromInline var fastest: [Double]
    public var smoothing: Double = 0.1

    public init(workload: EngineWorkload, accelerators: [ResolvedAccelerator], model: CostModel) {
        acceleratorCount = accelerators.count
        var base: [Int] = []
        var variantBase: [Int] = []
        var lat: [Double] = []
        var en: [Double] = []
        for stream in workload.streams {
            variantBase.append(base.count)
            for variant in stream.variants {
                base.append(lat.count)
                for layer in variant.layers {
                    for acc in accelerators {
                        let c = model.cost(of: layer, on: acc)
                        lat.append(c.latencyNs)
                        en.append(c.energyJ)
                    }
                }
            }
        }
        self.base = base
        self.variantBase = variantBase
        let a = max(1, accelerators.count)
        self.fastest = stride(from: 0, to: lat.count, by: a).map { lat[$0..<min($0 + a, lat.count)].min() ?? 0 }
        self.latency = lat
        self.energy = en
    }

    @inlinable @inline(__always)
    public func index(stream: Int, variant: Int, layer: Int, accelerator: Int) -> Int {
        base[variantBase[stream] + variant] + layer * acceleratorCount + accelerator
    }

    @inlinable @inline(__always)
    public func latencyNs(stream: Int, variant: Int, layer: Int, accelerator: Int) -> Double {
        latency[index(stream: stream, variant: variant, layer: layer, accelerator: accelerator)]
    }

    /// The latency at a flat `index(stream:variant:layer:accelerator:)`.
    @inlinable @inline(__always)
    public func latencyNs(at index: Int) -> Double { latency[index] }

    /// The least estimated latency of a layer over every accelerator.
    @inlinable @inline(__always)
    public func fastestNs(stream: Int, variant: Int, layer: Int) -> Double {
        fastest[base[variantBase[stream] + variant] / max(1, acceleratorCount) + layer]
    }

    @inlinable @inline(__always)
    public func energyJ(stream: Int, variant: Int, layer: Int, accelerator: Int) -> Double {
        energy[index(stream: stream, variant: variant, layer: layer, accelerator: accelerator)]
    }

    /// Sums the latency estimates of `layers` on every accelerator into `totals[0..<count]`.
    public func sumLatencies(stream: Int, variant: Int, layers: ArraySlice<Int32>, into totals: UnsafeMutablePointer<Double>) {
        let a = acceleratorCount
        for i in 0..<a { totals[i] = 0 }
        let start = base[variantBase[stream] + variant]
        latency.withUnsafeBufferPointer { lat in
            for l in layers {
                let row = lat.baseAddress! + start + Int(l) * a
                for i in 0..<a { totals[i] += row[i] }
            }
        }
    }

    /// Multiplies the latency of every layer of `stream` (all its variants) on `accelerator`.
    public mutating func scale(stream: Int, accelerator: Int, by factor: Double) {
        let first = base[variantBase[stream]]
        let end = stream + 1 < variantBase.count ? base[variantBase[stream + 1]] : latency.count
        for i in stride(from: first + accelerator, to: end, by: acceleratorCount) { latency[i] *= factor }
        let a = acceleratorCount
        for row in stride(from: first, to: end, by: a) { fastest[row / a] = latency[row..<row + a].min() ?? 0 }
    }

    /// Scales the estimates of `layers` on `accelerator` toward a measured block time.
    public mutating func correct(stream: Int, variant: Int, layers: ArraySlice<Int32>, accelerator: Int, measuredNs: Double) {
        var estimated = 0.0
        for l in layers { estimated += latencyNs(stream: stream, variant: variant, layer: Int(l), accelerator: accelerator) }
        guard estimated > 0, measuredNs > 0 else { return }
        let factor = 1 - smoothing + smoothing * (measuredNs / estimated)
        let a = acceleratorCount
        for l in layers {
            let i = index(stream: stream, variant: variant, layer: Int(l), accelerator: accelerator)
            latency[i] *= factor
            energy[i] *= factor
            let row = i - accelerator
            var m = latency[row]
            for k in 1..<max(1, a) { m = min(m, latency[row + k]) }
            fastest[row / a] = m
        }
    }
}
