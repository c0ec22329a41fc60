import DreamCore
import Foundation

extension ModelSpec {
    /// Channel counts at or below this stay as they are, and none is scaled below it: layers of
    /// one or two channels would measure kernel overheads, not the layer.
    public static let minScaledChannels = 8

    /// The model with channels and spatial sides multiplied by work^(1/4) (see `WorkloadScale`).
    public func scaled(work: Double) -> ModelSpec {
        if work == 1 { return self }
        var m = self
        m.variants = variants.map { scaleVariant($0, work: work) }
        return m
    }

    private func scaleVariant(_ v: ModelVariant, work: Double) -> ModelVariant {
        // A chained model is not shrunk below the smallest input for which every layer stays
        // valid without breaking the chain: the spatial factor is raised until no clamp is needed.
        let c = Foundation.pow(work, 0.25)
        var f = c
        while true {
            let (out, clamped) = scaleVariant(v, spatial: f, channels: c)
            if !clamped || shapes == .independent || f >= Swift.max(1, c) { return out }
            f = Swift.min(Swift.max(1, c), f * 1.05)
        }
    }

    /// Rescales one variant; `clamped` tells whether a chained layer had to be enlarged.
    private func scaleVariant(_ v: ModelVariant, spatial f: Double, channels c: Double) -> (ModelVariant, clamped: Bool) {
        func shrink(_ x: Int, min lower: Int) -> Int { Swift.max(Swift.max(1, lower), Int((Double(x) * f).rounded())) }
        func channels(_ x: Int) -> Int {
            x <= Self.minScaledChannels && c < 1 ? x : Swift.max(Swift.min(x, Self.minScaledChannels), Int((Double(x) * c).rounded()))
        }
        var out = v
        var clamped = false
        for (i, old) in v.layers.enumerated() {
            var l = old
            let srcs = shapes == .chained ? v.inputs[i] : []
            switch l.op {
            case .gemm:
                l.outChannels = channels(old.outChannels)
                if !srcs.isEmpty {
                    let elements = srcs.reduce(0) { $0 + out.layers[$1].outputElements }
                    let k = channels(old.gemmK)
                    if old.gemmM == 1 || elements % k != 0 { l.inHeight = 1; l.inChannels = Swift.max(1, elements) }
                    else { l.inHeight = Swift.max(1, elements / k); l.inChannels = k }
                } else {
                    l.inChannels = channels(old.gemmK)
                    l.inHeight = Swift.max(1, Int((Double(old.gemmM) * f * f).rounded()))
                }
            case .add:
                if let s = srcs.first {
                    l.inHeight = out.layers[s].outHeight; l.inWidth = out.layers[s].outWidth
                    l.inChannels = out.layers[s].outChannels
                } else {
                    l.inHeight = shrink(old.inHeight, min: 1); l.inWidth = shrink(old.inWidth, min: 1)
                    l.inChannels = channels(old.inChannels)
                }
                l.outChannels = l.inChannels
            case .conv, .maxpool, .avgpool:
                let global = l.op != .conv && old.kernelH == old.inHeight && old.kernelW == old.inWidth && old.padH == 0 && old.padW == 0
                if let s = srcs.first {
                    l.inHeight = out.layers[s].outHeight; l.inWidth = out.layers[s].outWidth
                    // Several inputs are concatenated along channels.
                    l.inChannels = srcs.reduce(0) { $0 + out.layers[$1].outChannels }
                } else {
                    l.inHeight = shrink(old.inHeight, min: 1); l.inWidth = shrink(old.inWidth, min: 1)
                    l.inChannels = channels(old.inChannels)
                }
                if l.op != .conv || old.isDepthwise {
                    // Pools and depthwise layers keep one group per channel (or their one group).
                    l.outChannels = l.inChannels
                    l.groups = old.groups == old.inChannels ? l.inChannels : old.groups
                } else {
                    l.outChannels = channels(old.outChannels)
                    l.groups = 1
                }
                if global {
                    l.kernelH = l.inHeight; l.kernelW = l.inWidth
                } else {
                    let h = Swift.max(l.inHeight, l.kernelH - 2 * l.padH), w = Swift.max(l.inWidth, l.kernelW - 2 * l.padW)
                    if (h != l.inHeight || w != l.inWidth) && !srcs.isEmpty { clamped = true }
                    l.inHeight = h; l.inWidth = w
                }
            }
            out.layers[i] = l
        }
        return (out, clamped)
    }
}
