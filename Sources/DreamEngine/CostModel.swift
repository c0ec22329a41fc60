import DreamCore

/// An estimate of one layer on one accelerator.
public struct LayerCost: Sendable, Hashable {
    public var latencyNs: Double
    public var energyJ: Double
    public init(latencyNs: Double, energyJ: Double) {
        self.latencyNs = latencyNs
        self.energyJ = energyJ
    }
}

/// Prices a layer on an accelerator. Implementations: the analytic roofline (defaults or
/// calibrated parameters), a measured table, or XRBench's cost table.
public protocol CostModel: Sendable {
    func cost(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerCost
    /// The work a run of `layer` counts on `accelerator` (MACs, bytes per memory level): what
    /// the simulator charges energy for, as the live runtime charges the kernels' own counts.
    func work(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerWork
}

extension CostModel {
    /// Without counts from the kernels: the layer's MACs and its compulsory bytes at DRAM.
    public func work(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerWork {
        LayerWork(macs: layer.macs, dram: layer.compulsoryBytes)
    }
}

/// Roofline parameters of one (op class, dataflow): effective per-core compute rate, effective
/// bandwidth of the bytes that stay cached, the rate at which weights that do not fit the
/// cache stream in (see `AnalyticCostModel`), and a fixed per-layer overhead.
public struct RooflineParameters: Sendable, Hashable, Codable {
    public var gflopsPerCore: Double
    public var bandwidthGBps: Double
    /// GB/s at which weights stream from memory when the layer's working set exceeds the
    /// effective cache. Calibration files of format 1 lack it: it then defaults to
    /// `bandwidthGBps` (and `Calibration.load` refits format-1 parameters anyway).
    public var weightBandwidthGBps: Double
    public var overheadNs: Double
    public init(gflopsPerCore: Double, bandwidthGBps: Double, weightBandwidthGBps: Double? = nil, overheadNs: Double) {
        self.gflopsPerCore = gflopsPerCore
        self.bandwidthGBps = bandwidthGBps
        self.weightBandwidthGBps = weightBandwidthGBps ?? bandwidthGBps
        self.overheadNs = overheadNs
    }

    enum CodingKeys: String, CodingKey { case gflopsPerCore, bandwidthGBps, weightBandwidthGBps, overheadNs }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        gflopsPerCore = try c.decode(Double.self, forKey: .gflopsPerCore)
        bandwidthGBps = try c.decode(Double.self, forKey: .bandwidthGBps)
        weightBandwidthGBps = try c.decodeIfPresent(Double.self, forKey: .weightBandwidthGBps) ?? bandwidthGBps
        overheadNs = try c.decode(Double.self, forKey: .overheadNs)
    }
}

/// The op classes a cost model distinguishes: their speed differs by an order of magnitude.
public enum OpClass: String, Sendable, Hashable, Codable, CaseIterable {
    case gemm, conv, pointwise, depthwise, pool, eltwise

    public init(_ layer: LayerSpec) {
        switch layer.op {
        case .gemm: self = .gemm
        case .maxpool, .avgpool: self = .pool
        case .add: self = .eltwise
        case .conv:
            if layer.isPointwise { self = .pointwise }
            else if layer.groups > 1 { self = .depthwise }
            else { self = .conv }
        }
    }
}

/// The roofline with a weight-streaming term, per (op class, dataflow):
///
///     latency = (overhead + max(compute, cached bytes / bandwidth) + streamed weights / weight bandwidth) / speed
///     compute = flops / (rate x cores x tile use)
///
/// - Tile use is the fraction of the 12 x 32 register-tile lanes a GEMM-shaped layer really
///   fills. Columns are what the kernel computes: a stride-1 padded convolution runs on
///   "virtual" columns (output rows at the padded input width, `activationColumns`), so a 5 x 4
///   output of a 5x5 convolution (padded width 8) fills 20 of 64 lanes, not 20 of 32.
/// - A layer whose working set (weights + activations) exceeds the effective cache
///   (`cacheBytes`) streams its weights from memory on every run: that time adds to the
///   compute (the micro-kernel waits for each weight tile; measured: the excess over compute is
///   weight bytes / ~11 GB/s for 33-194 MB of weights, none below ~21 MB). Its activations
///   still count against the cached bandwidth. Smaller layers keep their weights cached and
///   all their bytes count against `bandwidth`, as in a plain roofline.
///
/// Energy: the accelerator's power model over that latency with the layer's MACs and its
/// compulsory bytes counted at DRAM (`work(of:on:)`'s default: the analytic model does not
/// know the tile loops' cache traffic; a calibration's measured samples do).
public struct AnalyticCostModel: CostModel {
    public var parameters: [String: RooflineParameters]
    /// The effective cache one accelerator's layer can keep its working set in, bytes.
    public var cacheBytes: Double

    /// 32 MiB: on this machine weights of up to ~21 MB stay cached between runs of a layer and
    /// weights of 33 MB and more stream from memory (docs/calibration.md), although hwloc
    /// reports a 300 MiB shared L3 (the host's, shared with other tenants).
    public static let defaultCacheBytes: Double = 32 * 1024 * 1024

    public init(parameters: [String: RooflineParameters] = AnalyticCostModel.defaults,
                cacheBytes: Double = AnalyticCostModel.defaultCacheBytes) {
        self.parameters = parameters
        self.cacheBytes = cacheBytes
    }

    public static func key(_ op: OpClass, _ flow: Dataflow) -> String { "\(op.rawValue)/\(flow.rawValue)" }

    /// Uncalibrated defaults: the order of what a packed FP32 kernel reaches on one modern core
    /// on the lanes it fills (~100 GFLOP/s: compute-bound classes; tile use accounts for the
    /// empty lanes), of one core's cached streaming bandwidth (memory-bound classes) and of
    /// the rate at which a core's kernel pulls weights from DRAM (~10 GB/s).
    /// `dream calibrate` replaces them with fitted values.
    public static let defaults: [String: RooflineParameters] = {
        var d: [String: RooflineParameters] = [:]
        for flow in Dataflow.allCases {
            d[key(.gemm, flow)] = .init(gflopsPerCore: 100, bandwidthGBps: 20, weightBandwidthGBps: 10, overheadNs: 2_000)
            d[key(.conv, flow)] = .init(gflopsPerCore: 100, bandwidthGBps: 20, weightBandwidthGBps: 10, overheadNs: 2_000)
            d[key(.pointwise, flow)] = .init(gflopsPerCore: 100, bandwidthGBps: 20, weightBandwidthGBps: 10, overheadNs: 2_000)
            d[key(.depthwise, flow)] = .init(gflopsPerCore: 8, bandwidthGBps: 15, weightBandwidthGBps: 10, overheadNs: 2_000)
            d[key(.pool, flow)] = .init(gflopsPerCore: 4, bandwidthGBps: 15, weightBandwidthGBps: 10, overheadNs: 1_000)
            d[key(.eltwise, flow)] = .init(gflopsPerCore: 4, bandwidthGBps: 15, weightBandwidthGBps: 10, overheadNs: 1_000)
        }
        return d
    }()

    /// The activation-side columns the GEMM kernel computes for a convolution: output pixels,
    /// except for a stride-1 convolution with a kernel or padding, which runs on the padded
    /// input plane ("virtual" columns: outH rows of the padded width; kernels/README.md).
    public static func activationColumns(_ layer: LayerSpec) -> Int {
        let pixels = layer.outHeight * layer.outWidth
        guard layer.op == .conv, layer.strideH == 1, layer.strideW == 1 else { return pixels }
        if layer.kernelH == 1 && layer.kernelW == 1 && layer.padH == 0 && layer.padW == 0 { return pixels }
        return layer.outHeight * (layer.inWidth + 2 * layer.padW)
    }

    /// Whether the kernels run `layer` as a weight stream (kernels/README.md: output channels on
    /// the 32-lane side, pixels on the broadcast side): at most 32 output pixels, or up to 128
    /// where that fills over 1.5x the lanes of the pixel-vectorised tiles. The same rule as
    /// `PreparedLayer.streams`.
    public static func streamsWeights(_ layer: LayerSpec) -> Bool {
        guard layer.op == .conv && !layer.isDepthwise && layer.groups == 1 else { return false }
        let pixels = layer.outHeight * layer.outWidth
        if pixels <= 32 { return true }
        if pixels > 128 { return false }
        func up(_ n: Int, _ panel: Int) -> Double { Double((n + panel - 1) / panel * panel) }
        let k = layer.outChannels
        let pixelLanes = Double(k) / computedRows(k) * Double(pixels) / up(activationColumns(layer), 32)
        let streamLanes = Double(pixels) / computedRows(pixels) * Double(k) / up(k, 32)
        return streamLanes > 1.5 * pixelLanes
    }

    /// What `n` rows on the broadcast side cost on the kernels' AVX-512 tiles, in rows of a
    /// full tile's time: whole 12-row panels, then an 8-row tile, 4-row tiles (which also run 2
    /// or 3 rows as 4) and a 1-row tile, which is bound by its B loads and takes about the
    /// 4-row tile's time (kernels/TileKernels.swift `computedRows`).
    public static func computedRows(_ n: Int) -> Double {
        var computed = n / 12 * 12, r = n % 12
        if r >= 8 { computed += 8; r -= 8 }
        while r >= 4 { computed += 4; r -= 4 }
        if r >= 1 { computed += 4 }
        return Double(max(computed, 1))
    }

    /// The fraction of register-tile lanes a layer fills with real outputs: rows on the
    /// broadcast side (a convolution's output channels; GEMM rows; a weight-streaming
    /// convolution's output pixels) cost `computedRows`, columns on the vector side (activation
    /// columns; n; streamed output channels) come in panels of 32. 1 for direct (depthwise,
    /// pool, add) ops.
    public static func tileUse(_ layer: LayerSpec) -> Double {
        func panels(_ n: Int, _ panel: Int) -> Double { Double((max(n, 1) + panel - 1) / panel * panel) }
        switch OpClass(layer) {
        case .conv, .pointwise:
            let rows = layer.outChannels / layer.groups
            let pixels = layer.outHeight * layer.outWidth
            if streamsWeights(layer) {
                return Double(pixels) / computedRows(pixels) * Double(rows) / panels(rows, 32)
            }
            return Double(rows) / computedRows(rows) * Double(pixels) / panels(activationColumns(layer), 32)
        case .gemm:
            return Double(layer.gemmM) / computedRows(layer.gemmM) * Double(layer.gemmN) / panels(layer.gemmN, 32)
        case .depthwise, .pool, .eltwise:
            return 1
        }
    }

    /// Weight bytes (FP32, bias included) and the other compulsory bytes of a layer.
    public static func weightBytes(_ layer: LayerSpec) -> Double { Double(4 * layer.weightElements) }

    /// The latency in ns of `layer` with parameters `p` on `cores` cores at speed factor 1.
    public static func latencyNs(_ layer: LayerSpec, _ p: RooflineParameters, cores: Int, cacheBytes: Double) -> Double {
        let weights = weightBytes(layer)
        let bytes = Double(layer.compulsoryBytes)
        let computeNs = Double(layer.flops) / (p.gflopsPerCore * Double(max(1, cores)) * tileUse(layer))
        let streams = weights > 0 && bytes > cacheBytes
        let cachedNs = (streams ? bytes - weights : bytes) / p.bandwidthGBps
        let streamNs = streams ? weights / p.weightBandwidthGBps : 0
        return p.overheadNs + max(computeNs, cachedNs) + streamNs
    }

    public func cost(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerCost {
        let p = parameters[Self.key(OpClass(layer), accelerator.dataflow)]
            ?? Self.defaults[Self.key(OpClass(layer), accelerator.dataflow)]!
        let cores = Double(max(1, accelerator.coreCount))
        let latency = Self.latencyNs(layer, p, cores: accelerator.coreCount, cacheBytes: cacheBytes) / accelerator.speedFactor
        let energy = accelerator.power.energy(of: work(of: layer, on: accelerator), busyCoreSeconds: latency * 1e-9 * cores)
        return LayerCost(latencyNs: latency, energyJ: energy)
    }
}
