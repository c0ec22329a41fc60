import DreamCore
import Foundation

/// A calibration: measured layer latencies per accelerator, and roofline parameters fitted to
/// them per (op class, dataflow) for shapes never measured. Written by `dream calibrate`,
/// read by `dream run/sim/compare --calibration FILE`.
public struct Calibration: Sendable, Codable {
    public struct Sample: Sendable, Codable {
        public var layer: LayerSpec
        public var accelerator: Int
        public var medianNs: Double
        public var minNs: Double
        public var maxNs: Double
        public var runs: Int
        /// What the kernels counted in a run (absent in files written before it was kept: the
        /// energy then counts the compulsory bytes at DRAM).
        public var work: LayerWork?
        public init(layer: LayerSpec, accelerator: Int, medianNs: Double, minNs: Double, maxNs: Double, runs: Int, work: LayerWork? = nil) {
            self.layer = layer
            self.accelerator = accelerator
            self.medianNs = medianNs
            self.minNs = minNs
            self.maxNs = maxNs
            self.runs = runs
            self.work = work
        }
    }

    /// The format this build writes. 2: the roofline has a weight-streaming term
    /// (`weightBandwidthGBps`, `cacheBytes`) and virtual-column tile use. Files without a
    /// version are format 1: their samples still hold, their parameters are refitted on load.
    public static let formatVersion = 2

    /// Format of the file (nil: format 1, written before versions existed).
    public var version: Int?
    public var topology: String
    public var accelerators: [ResolvedAccelerator]
    public var samples: [Sample]
    /// Fitted roofline parameters, keyed `opclass/dataflow`.
    public var parameters: [String: RooflineParameters]
    /// The effective cache the parameters were fitted with (nil in format 1: the default).
    public var cacheBytes: Double?
    public var heldOutLayerMAPE: Double?
    public var modelMAPE: [String: Double]
    /// True when a signal stopped the measurement: the samples cover only some shapes.
    public var partial: Bool = false

    public init(topology: String, accelerators: [ResolvedAccelerator], samples: [Sample], parameters: [String: RooflineParameters],
                heldOutLayerMAPE: Double?, modelMAPE: [String: Double], cacheBytes: Double? = nil) {
        self.version = Self.formatVersion
        self.topology = topology
        self.accelerators = accelerators
        self.samples = samples
        self.parameters = parameters
        self.cacheBytes = cacheBytes
        self.heldOutLayerMAPE = heldOutLayerMAPE
        self.modelMAPE = modelMAPE
    }

    /// The effective cache of the fitted model.
    public var effectiveCacheBytes: Double { cacheBytes ?? AnalyticCostModel.defaultCacheBytes }

    /// The cost model: measured medians where a shape was measured on that accelerator, the
    /// fitted roofline elsewhere.
    public func costModel() -> MeasuredCostModel {
        var table: [LayerShapeKey: [Double]] = [:]
        var counted: [LayerShapeKey: [LayerWork?]] = [:]
        for s in samples where s.accelerator < accelerators.count {
            let key = LayerShapeKey(s.layer)
            table[key, default: [Double](repeating: 0, count: accelerators.count)][s.accelerator] = s.medianNs
            counted[key, default: [LayerWork?](repeating: nil, count: accelerators.count)][s.accelerator] = s.work
        }
        return MeasuredCostModel(latencies: table, counted: counted,
                                 fallback: AnalyticCostModel(parameters: parameters, cacheBytes: effectiveCacheBytes))
    }

    /// Checks that the calibration was made for accelerators like `topology`'s (same count,
    /// dataflows and core counts), or says how to fix it.
    public func check(against topology: ResolvedTopology, file: String) throws {
        let mine = accelerators.map { "\($0.dataflow.rawValue)x\($0.coreCount)" }
        let theirs = topology.accelerators.map { "\($0.dataflow.rawValue)x\($0.coreCount)" }
        if mine != theirs {
            throw DreamInputError(.data, file: file, field: "accelerators",
                                  problem: "were calibrated as [\(mine.joined(separator: ", "))] but topology `\(topology.name)` has [\(theirs.joined(separator: ", "))]",
                                  fix: "run `dream calibrate --topology \(topology.name)` to make a matching file")
        }
    }
}

/// Fits roofline parameters to measured samples, per (op class, dataflow), minimising the squared
/// relative error, weighted half per layer and half by measured time, by a multiplicative
/// coordinate search on (rate, bandwidth, overhead, and weight bandwidth when some layer of the
/// group streams its weights).
public enum RooflineFit {
    public static func fit(_ samples: [Calibration.Sample], accelerators: [ResolvedAccelerator],
                           cacheBytes: Double = AnalyticCostModel.defaultCacheBytes) -> [String: RooflineParameters] {
        var groups: [String: [Calibration.Sample]] = [:]
        for s in samples {
            groups[AnalyticCostModel.key(OpClass(s.layer), accelerators[s.accelerator].dataflow), default: []].append(s)
        }
        var result: [String: RooflineParameters] = [:]
        for (key, group) in groups {
            var p = AnalyticCostModel.defaults[key] ?? RooflineParameters(gflopsPerCore: 50, bandwidthGBps: 20, weightBandwidthGBps: 10, overheadNs: 1000)
            // The measured time at speed factor 1 (the probe stretched slower accelerators).
            let targets = group.map { s -> (LayerSpec, Int, Double) in
                let acc = accelerators[s.accelerator]
                return (s.layer, acc.coreCount, s.medianNs * acc.speedFactor)
            }
            let streams = group.contains { AnalyticCostModel.weightBytes($0.layer) > 0 && Double($0.layer.compulsoryBytes) > cacheBytes }
            // Half of the weight per layer, half per measured nanosecond: the relative error
            // of every shape counts (held-out layer MAPE), and so does that of the long layers
            // that make up most of a model's time (whole-model error).
            let total = targets.reduce(0.0) { $0 + $1.2 }
            let weights = targets.map { 0.5 + 0.5 * Double(targets.count) * $0.2 / total }
            func error(_ q: RooflineParameters) -> Double {
                var e = 0.0
                for (i, (layer, cores, ns)) in targets.enumerated() {
                    let r = (AnalyticCostModel.latencyNs(layer, q, cores: cores, cacheBytes: cacheBytes) - ns) / ns
                    e += weights[i] * r * r
                }
                return e / Double(targets.count)
            }
            var best = error(p)
            var step = 2.0
            for _ in 0..<60 {
                var improved = false
                for dim in 0..<(streams ? 4 : 3) {
                    for factor in [step, 1 / step] {
                        var q = p
                        switch dim {
                        case 0: q.gflopsPerCore *= factor
                        case 1: q.bandwidthGBps *= factor
                        case 2: q.overheadNs = max(10, q.overheadNs * factor)
                        default: q.weightBandwidthGBps *= factor
                        }
                        let e = error(q)
                        if e < best { best = e; p = q; improved = true }
                    }
                }
                if !improved { step = step.squareRoot(); if step < 1.001 { break } }
            }
            result[key] = p
        }
        return result
    }

    /// Mean absolute percentage error of `model` on `samples`.
    public static func mape(_ samples: [Calibration.Sample], model: CostModel, accelerators: [ResolvedAccelerator]) -> Double? {
        guard !samples.isEmpty else { return nil }
        var total = 0.0
        for s in samples {
            total += abs(model.cost(of: s.layer, on: accelerators[s.accelerator]).latencyNs - s.medianNs) / s.medianNs
        }
        return 100 * total / Double(samples.count)
    }
}
