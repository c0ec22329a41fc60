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
}

/// Roofline parameters of one (op class, dataflow): effective per-core compute rate, effective
/// bandwidth, and a fixed per-layer overhead.
public struct RooflineParameters: Sendable, Hashable, Codable {
    public var gflopsPerCore: Double
    public var bandwidthGBps: Double
    public var overheadNs: Double
    public init(gflopsPerCore: Double, bandwidthGBps: Double, overheadNs: Double) {
        self.gflopsPerCore = gflopsPerCore
        self.bandwidthGBps = bandwidthGBps
        self.overheadNs = overheadNs
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

/// latency = overhead + max(flops / (rate * cores * tile use), bytes / bandwidth), divided by
/// the speed factor, with parameters per (op class, dataflow). Tile use is the fraction of the
/// 12 x 32 micro-tiles a GEMM-shaped layer really fills (a 5 x 4 output fills 20 of 32 lanes);
/// energy from the accelerator's power model over that latency with
/// the layer's MACs and its compulsory bytes counted at DRAM.
public struct AnalyticCostModel: CostModel {
    public var parameters: [String: RooflineParameters]

    public init(parameters: [String: RooflineParameters] = AnalyticCostModel.defaults) {
        self.parameters = parameters
    }

    public static func key(_ op: OpClass, _ flow: Dataflow) -> String { "\(op.rawValue)/\(flow.rawValue)" }

    /// Uncalibrated defaults: the order of what a packed FP32 kernel reaches on one modern core
    /// (compute-bound classes) and of one core's streaming bandwidth (memory-bound classes).
    /// `dream calibrate` replaces them with fitted values.
    public static let defaults: [String: RooflineParameters] = {
        var d: [String: RooflineParameters] = [:]
        for flow in Dataflow.allCases {
            d[key(.gemm, flow)] = .init(gflopsPerCore: 80, bandwidthGBps: 20, overheadNs: 2_000)
            d[key(.conv, flow)] = .init(gflopsPerCore: 60, bandwidthGBps: 20, overheadNs: 2_000)
            d[key(.pointwise, flow)] = .init(gflopsPerCore: 60, bandwidthGBps: 20, overheadNs: 2_000)
            d[key(.depthwise, flow)] = .init(gflopsPerCore: 8, bandwidthGBps: 15, overheadNs: 2_000)
            d[key(.pool, flow)] = .init(gflopsPerCore: 4, bandwidthGBps: 15, overheadNs: 1_000)
            d[key(.eltwise, flow)] = .init(gflopsPerCore: 4, bandwidthGBps: 15, overheadNs: 1_000)
        }
        return d
    }()

    /// The fraction of register-tile lanes a layer fills: rows (weights) come in panels of 12,
    /// columns (output pixels; GEMM rows) in panels of 32. 1 for direct (depthwise, pool) ops.
    public static func tileUse(_ layer: LayerSpec) -> Double {
        func use(_ n: Int, _ panel: Int) -> Double { n <= 0 ? 1 : Double(n) / Double((n + panel - 1) / panel * panel) }
        switch OpClass(layer) {
        case .conv, .pointwise:
            return use(layer.outChannels / layer.groups, 12) * use(layer.outHeight * layer.outWidth, 32)
        case .gemm:
            return use(layer.gemmM, 12) * use(layer.gemmN, 32)
        case .depthwise, .pool, .eltwise:
            return 1
        }
    }

    public func cost(of layer: LayerSpec, on accelerator: ResolvedAccelerator) -> LayerCost {
        let p = parameters[Self.key(OpClass(layer), accelerator.dataflow)]
            ?? Self.defaults[Self.key(OpClass(layer), accelerator.dataflow)]!
        let cores = Double(max(1, accelerator.coreCount))
        let computeNs = Double(layer.flops) / (p.gflopsPerCore * cores * Self.tileUse(layer))
        let memoryNs = Double(layer.compulsoryBytes) / p.bandwidthGBps
        let latency = (p.overheadNs + max(computeNs, memoryNs)) / accelerator.speedFactor
        let energy = accelerator.power.energy(
            cores: accelerator.coreCount, wallSeconds: 0, busyCoreSeconds: latency * 1e-9 * cores,
            macs: Double(layer.macs), bytes: [.dram: Double(layer.compulsoryBytes)])
        return LayerCost(latencyNs: latency, energyJ: energy)
    }
}
