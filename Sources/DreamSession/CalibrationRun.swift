import DreamCore
import DreamEngine
import DreamPlatform
import DreamRuntime
import DreamWorkloads
import Foundation

/// Measures every distinct layer shape of a scenario's models on every accelerator of a
/// topology and fits the cost model: several passes over all shapes (each shape keeps the
/// median of its pass medians), roofline parameters per op class and dataflow, the held-out
/// layer MAPE (every 4th shape left out of the fit) and the whole-model MAPE.
public struct CalibrationRun {
    public var scenario: ScenarioSpec
    public var topology: ResolvedTopology
    public var workScale: Double = 1
    public var maxRuns = 9
    public var passes = 3
    /// Layers whose working set exceeds it stream their weights.
    public var cacheBytes: Double

    public init(scenario: ScenarioSpec, topology: ResolvedTopology, cacheBytes: Double) {
        self.scenario = scenario
        self.topology = topology
        self.cacheBytes = cacheBytes
    }

    /// What a calibration measured, and the whole-model check.
    public struct Outcome {
        public var calibration: Calibration
        public var passesRun: Int
        /// Per (model, accelerator): measured and predicted (fit without the held-out shapes) latency, ns.
        public var models: [(model: String, accelerator: String, measuredNs: Double, predictedNs: Double)]
        public var meanModelMAPE: Double? {
            let v = calibration.modelMAPE.values
            return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
        }
    }

    public var models: [ModelSpec] { scenario.streams.map { $0.model.scaled(work: workScale) } }

    /// Measures and fits; `stopped` ends the passes early (the calibration is then partial).
    public func run(stopped: () -> Bool) throws -> Outcome {
        guard passes >= 1, maxRuns >= 3 else {
            throw DreamInputError(.usage, file: "calibration", field: passes < 1 ? "passes" : "maxRuns",
                                  problem: "is \(passes < 1 ? passes : maxRuns)", fix: "use at least 1 pass and 3 runs per shape")
        }
        let models = self.models
        let shapes = models.flatMap { $0.variants.flatMap(\.layers) }
        // Several passes over all shapes, seconds apart: a layer's repeats within one pass
        // share whatever else the machine was doing then (slow phases last seconds), so each
        // shape keeps the median of its per-pass medians.
        var passResults: [[KernelProbe.Sample]] = []
        for _ in 0..<passes {
            passResults.append(try KernelProbe.measure(shapes: shapes, topology: topology, repeats: 3, maxRuns: maxRuns,
                                                       budgetPerAcceleratorNs: 120_000_000_000 / Int64(passes)))
            if stopped() { break }
        }
        let samples = Self.combine(passResults)
        let accelerators = topology.accelerators
        // Hold out every 4th shape: the fitted model must predict shapes it never saw.
        let order = Array(Set(samples.map { LayerShapeKey($0.layer) })).sorted { "\($0.spec)" < "\($1.spec)" }
        let heldOut = Set(order.enumerated().filter { $0.offset % 4 == 3 }.map(\.element))
        let train = samples.filter { !heldOut.contains(LayerShapeKey($0.layer)) }
        let test = samples.filter { heldOut.contains(LayerShapeKey($0.layer)) }
        let trainFit = AnalyticCostModel(parameters: RooflineFit.fit(train, accelerators: accelerators, cacheBytes: cacheBytes),
                                        cacheBytes: cacheBytes)
        let layerMAPE = RooflineFit.mape(test, model: trainFit, accelerators: accelerators)
        // Whole models: the fitted model's sum against the measured sum, per accelerator.
        var measured: [LayerShapeKey: [Double]] = [:]
        for s in samples {
            var row = measured[LayerShapeKey(s.layer)] ?? [Double](repeating: 0, count: accelerators.count)
            row[s.accelerator] = s.medianNs
            measured[LayerShapeKey(s.layer)] = row
        }
        var modelMAPE: [String: Double] = [:]
        var rows: [(model: String, accelerator: String, measuredNs: Double, predictedNs: Double)] = []
        for m in models {
            var errs: [Double] = []
            for acc in accelerators {
                let real = m.defaultVariant.layers.reduce(0.0) { $0 + (measured[LayerShapeKey($1)]?[acc.index] ?? 0) }
                let predicted = m.defaultVariant.layers.reduce(0.0) { $0 + trainFit.cost(of: $1, on: acc).latencyNs }
                if real > 0 { errs.append(abs(predicted - real) / real * 100) }
                rows.append((m.name, acc.name, real, predicted))
            }
            modelMAPE[m.name] = errs.isEmpty ? nil : errs.reduce(0, +) / Double(errs.count)
        }
        var calibration = Calibration(topology: topology.name, accelerators: accelerators, samples: samples,
                                      parameters: RooflineFit.fit(samples, accelerators: accelerators, cacheBytes: cacheBytes),
                                      heldOutLayerMAPE: layerMAPE, modelMAPE: modelMAPE, cacheBytes: cacheBytes)
        calibration.partial = stopped()
        return Outcome(calibration: calibration, passesRun: passResults.count, models: rows)
    }

    /// The cache a layer can keep its working set in: `mib` when given, else the machine's
    /// last-level data cache capped at the default 32 MiB. A VM reports its host's shared LLC
    /// (300 MiB here), of which one core keeps far less: measured here, weights of 21 MB stay
    /// cached between runs and weights of 33 MB stream (docs/calibration.md).
    public static func effectiveCacheBytes(machine: MachineDescription, mib: Double?) -> Double {
        if let mib { return mib * 1_048_576 }
        let llc = machine.caches.filter { $0.kind != "instruction" }.max { $0.level < $1.level }
        guard let llc, llc.sizeBytes > 0 else { return AnalyticCostModel.defaultCacheBytes }
        return min(Double(llc.sizeBytes), AnalyticCostModel.defaultCacheBytes)
    }

    /// One sample per (shape, accelerator) measured in any pass: the median of the pass
    /// medians (the lower middle one for an even count), the extreme runs, all runs counted.
    static func combine(_ passes: [[KernelProbe.Sample]]) -> [Calibration.Sample] {
        var index: [LayerShapeKey: [Int: Int]] = [:]   // shape -> accelerator -> group
        var groups: [[KernelProbe.Sample]] = []
        for pass in passes {
            for s in pass {
                if let i = index[s.shape]?[s.accelerator] {
                    groups[i].append(s)
                } else {
                    index[s.shape, default: [:]][s.accelerator] = groups.count
                    groups.append([s])
                }
            }
        }
        return groups.map { g in
            let medians = g.map(\.medianNs).sorted()
            return Calibration.Sample(layer: g[0].shape.spec, accelerator: g[0].accelerator, medianNs: medians[(medians.count - 1) / 2],
                                      minNs: g.map(\.minNs).min()!, maxNs: g.map(\.maxNs).max()!, runs: g.reduce(0) { $0 + $1.runs },
                                      work: g[0].work)
        }
    }
}
