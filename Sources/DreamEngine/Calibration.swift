import DreamCore
import DreamWorkloads
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
        public init(layer: LayerSpec, accelerator: Int, medianNs: Double, minNs: Double, maxNs: Double, runs: Int) {
            self.layer = layer
            self.accelerator = accelerator
            self.medianNs = medianNs
            self.minNs = minNs
            self.maxNs = maxNs
            self.runs = runs
        }
    }

    public var topology: String
    public var accelerators: [ResolvedAccelerator]
    public var samples: [Sample]
    /// Fitted roofline parameters, keyed `opclass/dataflow`.
    public var parameters: [String: RooflineParameters]
    public var heldOutLayerMAPE: Double?
    public var modelMAPE: [String: Double]
    /// True when a signal stopped the measurement: the samples cover only some shapes.
    public var partial: Bool = false

    public init(topology: String, accelerators: [ResolvedAccelerator], samples: [Sample], parameters: [String: RooflineParameters],
                heldOutLayerMAPE: Double?, modelMAPE: [String: Double]) {
        self.topology = topology
        self.accelerators = accelerators
        self.samples = samples
        self.parameters = parameters
        self.heldOutLayerMAPE = heldOutLayerMAPE
        self.modelMAPE = modelMAPE
    }

    /// The cost model: measured medians where a shape was measured on that accelerator, the
    /// fitted roofline elsewhere.
    public func costModel() -> MeasuredCostModel {
        var table: [LayerShapeKey: [Double]] = [:]
        for s in samples {
            var row = table[LayerShapeKey(s.layer)] ?? [Double](repeating: 0, count: accelerators.count)
            if s.accelerator < row.count { row[s.accelerator] = s.medianNs }
            table[LayerShapeKey(s.layer)] = row
        }
        return MeasuredCostModel(latencies: table, fallback: AnalyticCostModel(parameters: parameters))
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

    public static func load(_ path: String) throws -> Calibration {
        let text = try ShippedFiles.readText(path, what: "calibration")
        do {
            let decoder = JSONDecoder()
            let c = try decoder.decode(Calibration.self, from: Data(text.utf8))
            for (i, s) in c.samples.enumerated() {
                if let p = s.layer.checkedProblem {
                    throw DreamInputError(.data, file: path, field: "samples[\(i)].layer", problem: p, fix: "re-run `dream calibrate`")
                }
                if !(s.medianNs > 0) || s.accelerator < 0 || s.accelerator >= c.accelerators.count {
                    throw DreamInputError(.data, file: path, field: "samples[\(i)]", problem: "has a non-positive time or an unknown accelerator",
                                          fix: "re-run `dream calibrate`")
                }
            }
            for (k, p) in c.parameters where !(p.gflopsPerCore > 0 && p.bandwidthGBps > 0 && p.overheadNs >= 0) {
                throw DreamInputError(.data, file: path, field: "parameters.\(k)", problem: "must have positive rates and a non-negative overhead",
                                      fix: "re-run `dream calibrate`")
            }
            return c
        } catch let e as DreamInputError {
            throw e
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw DreamInputError(.data, file: path, field: (ctx.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."),
                                  problem: "is missing", fix: "use a file written by `dream calibrate`")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw DreamInputError(.data, file: path, field: ctx.codingPath.map(\.stringValue).joined(separator: "."),
                                  problem: "has the wrong type (\(ctx.debugDescription))", fix: "use a file written by `dream calibrate`")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw DreamInputError(.data, file: path, field: ctx.codingPath.map(\.stringValue).joined(separator: "."),
                                  problem: "is not valid calibration JSON (\(ctx.debugDescription))", fix: "use a file written by `dream calibrate`")
        } catch {
            throw DreamInputError(.data, file: path, field: "", problem: "cannot be read as a calibration (\(error))",
                                  fix: "use a file written by `dream calibrate`")
        }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// Fits roofline parameters to measured samples, per (op class, dataflow), minimising the mean
/// squared relative error by a multiplicative coordinate search on (rate, bandwidth, overhead).
public enum RooflineFit {
    public static func fit(_ samples: [Calibration.Sample], accelerators: [ResolvedAccelerator]) -> [String: RooflineParameters] {
        var groups: [String: [Calibration.Sample]] = [:]
        for s in samples {
            groups[AnalyticCostModel.key(OpClass(s.layer), accelerators[s.accelerator].dataflow), default: []].append(s)
        }
        var result: [String: RooflineParameters] = [:]
        for (key, group) in groups {
            var p = AnalyticCostModel.defaults[key] ?? RooflineParameters(gflopsPerCore: 50, bandwidthGBps: 20, overheadNs: 1000)
            func error(_ q: RooflineParameters) -> Double {
                var e = 0.0
                for s in group {
                    let predicted = AnalyticCostModel(parameters: [key: q]).cost(of: s.layer, on: accelerators[s.accelerator]).latencyNs
                    let r = (predicted - s.medianNs) / s.medianNs
                    e += r * r
                }
                return e / Double(group.count)
            }
            var best = error(p)
            var step = 2.0
            for _ in 0..<60 {
                var improved = false
                for dim in 0..<3 {
                    for factor in [step, 1 / step] {
                        var q = p
                        switch dim {
                        case 0: q.gflopsPerCore *= factor
                        case 1: q.bandwidthGBps *= factor
                        default: q.overheadNs = max(10, q.overheadNs * factor)
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
