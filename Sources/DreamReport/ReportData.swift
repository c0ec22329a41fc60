import DreamCore
import DreamEngine
import Foundation

// The report reads the files the other commands write (results.json, frames.csv, trace.json,
// tuning.csv, `dream compare --json`, `dream calibrate --out`) through their formats in
// DreamEngine/Results, or takes them in memory; every number on the page comes from them. Here
// are the views it draws from: the comparison's per-scenario bars and load points, and the
// calibration's predictions.

/// A comparison as the page draws it: scenarios sorted by name, each scheduler's means.
struct CompareView: Sendable {
    struct Entry: Sendable {
        var uxcost: Double
        var energyJ: Double
        var energyPerFrameJ: Double?
        var violationRate: Double
        var xrbenchScore: Double
        var missRate: Double?
        var dropRate: Double?
    }
    struct Scenario: Sendable {
        var name: String
        var timeScale: Double?
        var workScale: Double?
        /// Per measured mode ("live", "sim"), per scheduler; a scheduler without a finite UXCost is left out.
        var results: [String: [String: Entry]]
        var dreamReduction: [String: Double]
        var simLiveGap: [String: [String: Double]]
    }
    /// One metric of one cell of a comparison over seeds: its mean and 95% interval.
    struct LoadPoint: Sendable {
        var scenario: String
        var scheduler: String
        var mode: String
        var load: Double
        var metric: String
        var mean: Double
        var ci95: [Double]?
    }
    var file: String
    var json: CompareJSON
    var scenarios: [Scenario]
    var schedulers: [String]
    /// Every cell's metrics, for the metrics-against-load charts.
    var loadPoints: [LoadPoint]

    init(_ c: CompareJSON, file: String) {
        self.file = file
        json = c
        scenarios = c.scenarios.sorted { $0.key < $1.key }.map { name, s in
            Scenario(name: name, timeScale: s.timeScale, workScale: s.workScale,
                     results: s.results.mapValues { $0.compactMapValues(Self.entry) },
                     dreamReduction: s.dreamReduction ?? [:], simLiveGap: s.simLiveGap ?? [:])
        }
        schedulers = c.schedulers
        if schedulers.isEmpty {
            schedulers = Array(Set(scenarios.flatMap { $0.results.values.flatMap(\.keys) })).sorted()
        }
        loadPoints = c.cells.flatMap { cell in
            ["uxcost", "uxcost_met", "violation_rate", "energy_per_frame_j", "xrbench_score"].compactMap { metric -> LoadPoint? in
                guard let m = cell.metrics[metric], let mean = m.mean else { return nil }
                return LoadPoint(scenario: cell.scenario, scheduler: cell.scheduler, mode: cell.mode, load: cell.load, metric: metric,
                                 mean: mean, ci95: m.ci95?.count == 2 ? m.ci95 : nil)
            }
        }
    }

    static func entry(_ e: [String: Double?]) -> Entry? {
        func v(_ k: String) -> Double? { e[k] ?? nil }
        guard let u = v("uxcost") else { return nil }
        return Entry(uxcost: u, energyJ: v("energy_j") ?? 0, energyPerFrameJ: v("energy_per_frame_j"), violationRate: v("violation_rate") ?? 0,
                     xrbenchScore: v("xrbench_score") ?? 0, missRate: v("miss_rate"), dropRate: v("drop_rate"))
    }

    var mode: String { json.mode }
    var topology: String { json.topology }
    var partial: Bool { json.partial }
    var seeds: Int? { json.seedCount ?? (json.seeds.isEmpty ? nil : json.seeds.count) }
    var durationS: Double? { json.durationS }
    var targetLoad: Double? { json.targetLoad }
    var geomeanReduction: [String: Double] { json.geomeanReduction }
    var primaryMode: String { json.primaryMode }
}

/// A calibration file with each sample's prediction.
public struct CalibrationData: Sendable {
    public struct Point: Sendable {
        public var layer: String
        public var opClass: String
        public var accelerator: Int
        public var measuredNs: Double
        public var predictedNs: Double
    }
    public var file: String
    public var topology: String
    public var accelerators: [String]
    public var points: [Point]
    public var heldOutLayerMAPE: Double?
    public var modelMAPE: [String: Double]
    /// The mean absolute percentage error of the plotted predictions (fitted on all samples).
    public var fittedMAPE: Double? {
        guard !points.isEmpty else { return nil }
        return 100 * points.reduce(0) { $0 + abs($1.predictedNs - $1.measuredNs) / $1.measuredNs } / Double(points.count)
    }
}

// MARK: - Reading

enum ReportReader {
    static func calibration(_ path: String) throws -> CalibrationData {
        let c = try Calibration.load(path)
        let model = c.costModel().fallback
        let points = c.samples.compactMap { s -> CalibrationData.Point? in
            guard s.accelerator < c.accelerators.count else { return nil }
            let p = model.cost(of: s.layer, on: c.accelerators[s.accelerator]).latencyNs
            let l = s.layer
            let shape = "\(l.op.rawValue) \(l.inChannels)x\(l.inHeight)x\(l.inWidth)→\(l.outChannels) k\(l.kernelH)x\(l.kernelW) s\(l.strideH)\(l.groups > 1 ? " g\(l.groups)" : "")"
            return CalibrationData.Point(layer: l.name.isEmpty ? shape : "\(l.name): \(shape)", opClass: OpClass(s.layer).rawValue, accelerator: s.accelerator,
                                         measuredNs: s.medianNs, predictedNs: p)
        }
        return CalibrationData(file: path, topology: c.topology,
                               accelerators: c.accelerators.map { "\($0.name) (\($0.dataflow.rawValue), \($0.coreCount) core\($0.coreCount == 1 ? "" : "s"))" },
                               points: points, heldOutLayerMAPE: c.heldOutLayerMAPE, modelMAPE: c.modelMAPE)
    }

}
