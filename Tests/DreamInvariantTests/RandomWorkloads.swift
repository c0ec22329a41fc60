import DreamCore
import DreamEngine

/// A small seeded generator (SplitMix64) for random workloads and topologies.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Costs drawn per (shape, accelerator) from the layer's FLOPs and a per-accelerator speed:
/// heterogeneous, deterministic, and independent of the policy.
struct RandomCosts: CostModel {
    var speeds: [Double]
    func cost(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerCost {
        let flops = Double(max(layer.flops, 1))
        // A shape-dependent affinity (as dataflows differ by shape), from the layer's own numbers.
        let affinity = 1 + 0.5 * Double((layer.inChannels &* 31 &+ layer.kernelH &* 7 &+ accelerator.index) % 5) / 4
        let ns = 20_000 + flops / (speeds[accelerator.index] * affinity)
        return LayerCost(latencyNs: ns, energyJ: ns * 1e-9 * accelerator.power.activeWatts)
    }
}

struct RandomCase {
    var workload: EngineWorkload
    var accelerators: [ResolvedAccelerator]
    var costs: RandomCosts
}

/// A random scenario: 1-5 streams (some cascaded, some with variants and skip blocks), random
/// periods, jitter-free releases over 2 s, and 1-4 accelerators of random dataflow and speed.
func randomCase(seed: UInt64) -> RandomCase {
    var g = SeededGenerator(seed: seed)
    let ms: Int64 = 1_000_000
    let accCount = Int.random(in: 1...4, using: &g)
    let accs = (0..<accCount).map { i in
        ResolvedAccelerator(index: i, name: "a\(i)", dataflow: Dataflow.allCases.randomElement(using: &g)!, cores: [i], cpus: [i],
                            numaNode: 0, speedFactor: 1,
                            power: PowerModel(activeWatts: Double.random(in: 1...3, using: &g), idleWatts: 0.2))
    }
    let speeds = (0..<accCount).map { _ in Double.random(in: 5...40, using: &g) }   // FLOP per ns
    var streams: [StreamDescription] = []
    let streamCount = Int.random(in: 1...5, using: &g)
    for s in 0..<streamCount {
        let layerCount = Int.random(in: 1...8, using: &g)
        func variant(_ name: String, width: Int) -> VariantDescription {
            let layers = (0..<layerCount).map { l in
                LayerSpec.conv("s\(s)l\(l)", c: width, k: width, h: Int.random(in: 4...24, using: &g), w: 8, r: [1, 3].randomElement(using: &g)!, pad: 0)
            }
            let blocks: [Range<Int>?] = layerCount >= 4 ? [1..<3] : []
            return VariantDescription(name: name, accuracy: Double(width) / 64, layers: layers, blockRanges: blocks)
        }
        let base = Int.random(in: 8...64, using: &g)
        var variants = [variant("full", width: base)]
        if Bool.random(using: &g) { variants.append(variant("half", width: max(4, base / 2))) }
        let upstream = s > 0 && Int.random(in: 0..<3, using: &g) == 0 ? Int.random(in: 0..<s, using: &g) : nil
        streams.append(StreamDescription(name: "S\(s)", periodNs: Int64.random(in: 5...60, using: &g) * ms, variants: variants,
                                         blockNames: layerCount >= 4 ? ["mid"] : [], upstream: upstream))
    }
    var frames: [FrameDescription] = []
    let duration = 2_000 * ms
    // Periodic streams first, then cascades per upstream frame (some draws fail).
    var byStream: [[Int]] = Array(repeating: [], count: streamCount)
    for (s, stream) in streams.enumerated() where stream.upstream == nil {
        var t = Int64.random(in: 0...10, using: &g) * ms
        var k = 0
        while t < duration {
            let skip: UInt64 = stream.blockNames.isEmpty || Bool.random(using: &g) ? 0 : 1
            frames.append(FrameDescription(id: frames.count, stream: s, sequence: k, releaseNs: t,
                                           deadlineNs: t + stream.periodNs * Int64.random(in: 1...2, using: &g), skipMask: skip))
            byStream[s].append(frames.count - 1)
            t += stream.periodNs
            k += 1
        }
    }
    for (s, stream) in streams.enumerated() {
        guard let up = stream.upstream else { continue }
        for (k, u) in byStream[up].enumerated() where Double.random(in: 0..<1, using: &g) < 0.7 {
            let f = frames[u]
            frames.append(FrameDescription(id: frames.count, stream: s, sequence: k, releaseNs: f.releaseNs,
                                           deadlineNs: f.deadlineNs + stream.periodNs, upstream: u))
            byStream[s].append(frames.count - 1)
        }
    }
    // Ids must be the index after sorting by release (upstream first on ties).
    let order = frames.indices.sorted { (frames[$0].releaseNs, frames[$0].upstream == nil ? 0 : 1, $0) < (frames[$1].releaseNs, frames[$1].upstream == nil ? 0 : 1, $1) }
    var newID = [Int](repeating: 0, count: frames.count)
    for (n, old) in order.enumerated() { newID[old] = n }
    let sorted = order.enumerated().map { n, old -> FrameDescription in
        var f = frames[old]
        f.id = n
        f.upstream = f.upstream.map { newID[$0] }
        return f
    }
    return RandomCase(workload: EngineWorkload(name: "random-\(seed)", streams: streams, frames: sorted, durationNs: duration),
                      accelerators: accs, costs: RandomCosts(speeds: speeds))
}
