import DreamEngine

/// The supernet variants of every stream, priced: the estimated time of each (stream, variant)
/// on each accelerator, layer counts, and suffix sums of each layer's fastest time (the lower
/// bound of a frame's remaining time when its layers may hop between accelerators).
struct VariantTable {
    private(set) var acceleratorCount = 0
    /// Estimated ns of (stream, variant, accelerator), flat: base[stream] + v * A + a.
    private var costs: [Double] = []
    private var base: [Int] = []
    private var counts: [Int32] = []
    private var layerCounts: [Int32] = []
    /// Per (stream, variant): suffix sums over the variant's layers of each layer's fastest time,
    /// flat; suffixBase[global variant index] is the offset of layer 0 (length layers + 1).
    private var suffixMin: [Double] = []
    private var suffixBase: [Int] = []
    /// The accelerators' capacity in units of each stream's fastest accelerator: the sum over
    /// accelerators of the mean over streams of (fastest time / time here), largest variants.
    /// 2 for two accelerators equally fast for every model; 1.5 for a big one and one at half
    /// its speed. Offered load = work at best speed per second / this.
    private(set) var relativeCapacity: Double = 1
    /// Each accelerator's term of `relativeCapacity`: the mean over streams of fastest time /
    /// time there (1 for one as fast as every stream's fastest).
    private(set) var relativeSpeed: [Double] = []

    init() {}

    init(_ state: SchedulerState) {
        acceleratorCount = state.acceleratorCount
        for (s, stream) in state.streams.enumerated() {
            base.append(costs.count)
            counts.append(Int32(stream.variants.count))
            for v in stream.variants.indices {
                layerCounts.append(Int32(stream.variants[v].layers.count))
                for a in 0..<acceleratorCount { costs.append(max(1, state.variantNs(stream: s, variant: v, on: a))) }
            }
        }
        var capacity = 0.0
        for a in 0..<acceleratorCount {
            var sum = 0.0
            for s in 0..<state.streams.count { sum += minCost(s, 0) / cost(s, 0, a) }
            let speed = state.streams.isEmpty ? 1 : sum / Double(state.streams.count)
            relativeSpeed.append(speed)
            capacity += speed
        }
        relativeCapacity = max(1e-9, capacity)
        rebuildSuffixes(state)
    }

    /// Rebuilds the suffix sums from the current (corrected) estimates.
    mutating func rebuildSuffixes(_ state: SchedulerState) {
        suffixMin.removeAll(keepingCapacity: true)
        suffixBase.removeAll(keepingCapacity: true)
        let est = state.estimates
        for (s, stream) in state.streams.enumerated() {
            for (v, variant) in stream.variants.enumerated() {
                let n = variant.layers.count
                let offset = suffixMin.count
                suffixBase.append(offset)
                suffixMin.append(contentsOf: repeatElement(0, count: n + 1))
                var total = 0.0
                for l in stride(from: n - 1, through: 0, by: -1) {
                    var m = Double.infinity
                    for a in 0..<acceleratorCount { m = min(m, est.latencyNs(stream: s, variant: v, layer: l, accelerator: a)) }
                    total += m
                    suffixMin[offset + l] = total
                }
            }
        }
    }

    /// How many variants the stream has.
    @inline(__always)
    func variantCount(_ stream: Int) -> Int32 { counts[stream] }

    /// Estimated time of the whole variant on accelerator `acc` (at least 1 ns).
    @inline(__always)
    func cost(_ stream: Int, _ variant: Int, _ acc: Int) -> Double {
        costs[base[stream] + variant * acceleratorCount + acc]
    }

    /// The variant's time on its fastest accelerator.
    @inline(__always)
    func minCost(_ stream: Int, _ variant: Int) -> Double {
        var m = Double.infinity
        for a in 0..<acceleratorCount { m = min(m, cost(stream, variant, a)) }
        return m
    }

    /// Index of (stream, variant) over all streams' variants.
    @inline(__always)
    private func globalIndex(_ stream: Int, _ variant: Int) -> Int { base[stream] / max(1, acceleratorCount) + variant }

    @inline(__always)
    func layerCount(_ stream: Int, _ variant: Int) -> Int32 { layerCounts[globalIndex(stream, variant)] }

    /// Sum of the fastest times of the variant's layers from `layer` on (0 when unknown).
    @inline(__always)
    func fastestFrom(_ stream: Int, _ variant: Int, layer: Int) -> Double {
        let g = globalIndex(stream, variant)
        return g < suffixBase.count ? suffixMin[suffixBase[g] + layer] : 0
    }
}
