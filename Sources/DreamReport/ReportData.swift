import DreamCore
import DreamEngine
import Foundation

// The report reads the files the other commands write (results.json, frames.csv, trace.json,
// tuning.csv, `dream compare --json`, `dream calibrate --out`) and nothing else: every number
// on the page comes from them.

/// results.json of `dream run/sim --out DIR` (RunReport.resultsJSON), as read back.
public struct RunResults: Sendable {
    public struct Model: Sendable {
        public var name: String
        public var framesGenerated: Int
        public var met: Int
        public var missed: Int
        public var dropped: Int
        public var latencyP50Ms: Double?
        public var latencyP99Ms: Double?
        public var energyJ: Double
        public var xrbenchScore: Double
        public var meanAccuracy: Double?
        public var variantSwitches: Int
    }
    public struct Accelerator: Sendable {
        public var name: String
        public var busyFraction: Double
        public var energyJ: Double
    }
    public var mode: String
    public var scenario: String
    public var topology: String
    public var scheduler: String
    public var seed: UInt64
    public var timeScale: Double
    public var workScale: Double
    public var durationS: Double
    public var partial: Bool
    public var energySource: String
    public var models: [Model]
    public var accelerators: [Accelerator]
    public var framesGenerated: Int
    public var met: Int
    public var missed: Int
    public var dropped: Int
    public var latencyP50Ms: Double?
    public var latencyP99Ms: Double?
    public var energyJ: Double
    public var energyPerFrameJ: Double
    public var violationRate: Double
    public var uxcost: Double
    public var xrbenchScore: Double
    public var decisionUsP50: Double?
    public var decisionUsP99: Double?
    public var dispatchUsP50: Double?
    public var dispatchUsP99: Double?
    public var raplJ: Double?
    public var dropReasons: [String: Int]
}

/// One row of frames.csv.
public struct FrameRow: Sendable {
    public var frame: Int
    public var model: String
    public var sequence: Int
    public var variant: String
    public var scheduledReleaseMs: Double?
    public var releaseMs: Double?
    public var deadlineMs: Double?
    public var startMs: Double?
    public var completionMs: Double?
    public var latencyMs: Double?
    public var outcome: String
    public var dropReason: String
}

/// One executed block of layers on one core, from trace.json's "X" events.
public struct TraceBlock: Sendable, Hashable {
    public var model: String
    public var startMs: Double
    public var durationMs: Double
    public var frame: Int
    public var layers: String
    public var variant: String
    public var endMs: Double { startMs + durationMs }
}

/// One timeline row: an accelerator's core, with what ran on it.
public struct CoreRow: Sendable {
    public var accelerator: Int
    public var acceleratorName: String
    public var core: Int
    public var blocks: [TraceBlock]
}

/// One line of DIR/tuning.csv (DREAM's weight-tuning log).
public struct TuningStep: Sendable {
    public var timeMs: Double
    public var step: Int
    public var urgencyWeight: Double
    public var fairnessWeight: Double
    public var preferenceWeight: Double
    public var windowUXCost: Double?
    public var event: String
}

/// A run folder, read.
public struct RunData: Sendable {
    public var folder: String
    public var results: RunResults
    public var frames: [FrameRow]?
    public var rows: [CoreRow]?
    public var tuning: [TuningStep]?
}

/// `dream compare --json FILE`, read.
public struct CompareData: Sendable {
    public struct Entry: Sendable {
        public var uxcost: Double
        public var energyJ: Double
        public var energyPerFrameJ: Double?
        public var violationRate: Double
        public var xrbenchScore: Double
        public var missRate: Double?
        public var dropRate: Double?
    }
    public struct Scenario: Sendable {
        public var name: String
        public var timeScale: Double?
        public var workScale: Double?
        /// Per measured mode ("live", "sim"), per scheduler.
        public var results: [String: [String: Entry]]
        public var dreamReduction: [String: Double]
        public var simLiveGap: [String: [String: Double]]
    }
    /// One metric of one cell of a comparison over seeds: its mean and 95% interval.
    public struct LoadPoint: Sendable {
        public var scenario: String
        public var scheduler: String
        public var mode: String
        public var load: Double
        public var metric: String
        public var mean: Double
        public var ci95: [Double]?
    }
    /// Every cell's metrics (`cells` of the JSON), for the metrics-against-load charts.
    public var loadPoints: [LoadPoint] = []
    public var file: String
    public var mode: String
    public var topology: String
    public var seeds: Int?
    public var durationS: Double?
    public var targetLoad: Double?
    public var schedulers: [String]
    public var scenarios: [Scenario]
    public var geomeanReduction: [String: Double]
    public var partial: Bool
    /// The mode whose numbers the reductions use: live when live runs were made, else sim.
    public var primaryMode: String { mode == "sim" ? "sim" : "live" }
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
    static func fail(_ file: String, _ field: String, _ problem: String, fix: String = "give a file written by dream") -> DreamInputError {
        DreamInputError(.data, file: file, field: field, problem: problem, fix: fix)
    }

    static func readData(_ path: String, what: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DreamInputError(.noInput, file: path, field: "", problem: "does not exist", fix: "give the \(what) written by dream")
        }
        guard let d = FileManager.default.contents(atPath: path) else {
            throw DreamInputError(.noInput, file: path, field: "", problem: "cannot be read", fix: "check its permissions")
        }
        return d
    }

    static func jsonObject(_ path: String, what: String) throws -> [String: Any] {
        let data = try readData(path, what: what)
        guard let obj = try? JSONSerialization.jsonObject(with: data), let dict = obj as? [String: Any] else {
            throw fail(path, "", "is not a JSON object")
        }
        return dict
    }

    static func double(_ v: Any?) -> Double? {
        if let n = v as? NSNumber { return n.doubleValue }
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        return nil
    }

    static func int(_ v: Any?) -> Int? { double(v).map { Int($0) } }

    static func need<T>(_ v: T?, _ file: String, _ field: String, _ type: String) throws -> T {
        guard let v else { throw fail(file, field, "is missing or not \(type)") }
        return v
    }

    static func results(_ path: String) throws -> RunResults {
        let d = try jsonObject(path, what: "results.json")
        let total = d["total"] as? [String: Any] ?? [:]
        var models: [RunResults.Model] = []
        for (i, m) in ((d["models"] as? [[String: Any]]) ?? []).enumerated() {
            models.append(RunResults.Model(
                name: try need(m["name"] as? String, path, "models[\(i)].name", "a string"),
                framesGenerated: int(m["frames_generated"]) ?? 0, met: int(m["met"]) ?? 0, missed: int(m["missed"]) ?? 0,
                dropped: int(m["dropped"]) ?? 0, latencyP50Ms: double(m["latency_p50_ms"]), latencyP99Ms: double(m["latency_p99_ms"]),
                energyJ: double(m["energy_j"]) ?? 0, xrbenchScore: double(m["xrbench_score"]) ?? 0,
                meanAccuracy: double(m["mean_accuracy"]), variantSwitches: int(m["variant_switches"]) ?? 0))
        }
        let accs = ((d["accelerators"] as? [[String: Any]]) ?? []).map {
            RunResults.Accelerator(name: $0["name"] as? String ?? "?", busyFraction: double($0["busy_fraction"]) ?? 0, energyJ: double($0["energy_j"]) ?? 0)
        }
        return RunResults(
            mode: d["mode"] as? String ?? "?",
            scenario: try need(d["scenario"] as? String, path, "scenario", "a string"),
            topology: d["topology"] as? String ?? "?",
            scheduler: try need(d["scheduler"] as? String, path, "scheduler", "a string"),
            seed: UInt64(max(0, double(d["seed"]) ?? 0)),
            timeScale: double(d["time_scale"]) ?? 1, workScale: double(d["work_scale"]) ?? 1,
            durationS: try need(double(d["duration_s"]), path, "duration_s", "a number"),
            partial: d["partial"] as? Bool ?? false,
            energySource: total["energy_source"] as? String ?? d["energy_source"] as? String ?? "?",
            models: models, accelerators: accs,
            framesGenerated: int(total["frames_generated"]) ?? models.reduce(0) { $0 + $1.framesGenerated },
            met: int(total["met"]) ?? 0, missed: int(total["missed"]) ?? 0, dropped: int(total["dropped"]) ?? 0,
            latencyP50Ms: double(total["latency_p50_ms"]), latencyP99Ms: double(total["latency_p99_ms"]),
            energyJ: double(total["energy_j"]) ?? double(d["energy_j"]) ?? 0,
            energyPerFrameJ: double(total["energy_per_frame_j"]) ?? 0,
            violationRate: double(total["violation_rate"]) ?? double(d["violation_rate"]) ?? 0,
            uxcost: double(total["uxcost"]) ?? double(d["uxcost"]) ?? 0,
            xrbenchScore: double(total["xrbench_score"]) ?? double(d["xrbench_score"]) ?? 0,
            decisionUsP50: double(total["decision_us_p50"]), decisionUsP99: double(total["decision_us_p99"]),
            dispatchUsP50: double(total["dispatch_us_p50"]), dispatchUsP99: double(total["dispatch_us_p99"]),
            raplJ: double(total["rapl_j"]),
            dropReasons: (total["drop_reasons"] as? [String: Any] ?? [:]).compactMapValues { int($0) })
    }

    /// A header-keyed CSV without quoted commas (what dream writes).
    static func csv(_ path: String, required: [String]) throws -> (header: [String: Int], rows: [[Substring]]) {
        let text = String(decoding: try readData(path, what: "CSV file"), as: UTF8.self)
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard !lines.isEmpty else { throw fail(path, "", "is empty") }
        let names = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var header: [String: Int] = [:]
        for (i, n) in names.enumerated() { header[n] = i }
        for r in required where header[r] == nil {
            throw fail(path, "header", "has no column `\(r)`", fix: "give a file written by dream (columns: \(required.joined(separator: ",")))")
        }
        let rows = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        return (header, rows)
    }

    static func frames(_ path: String) throws -> [FrameRow] {
        let need = ["frame", "model", "variant", "release_ms", "deadline_ms", "completion_ms", "latency_ms", "outcome"]
        let (h, rows) = try csv(path, required: need)
        func s(_ r: [Substring], _ k: String) -> String { h[k].flatMap { $0 < r.count ? String(r[$0]).trimmingCharacters(in: .whitespaces) : nil } ?? "" }
        func d(_ r: [Substring], _ k: String) -> Double? { Double(s(r, k)) }
        return try rows.enumerated().compactMap { i, r in
            if r.count == 1 && r[0].trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            guard let frame = Int(s(r, "frame")) else { throw fail(path, "line \(i + 2)", "has no frame number") }
            return FrameRow(frame: frame, model: s(r, "model"), sequence: Int(s(r, "sequence")) ?? 0, variant: s(r, "variant"),
                            scheduledReleaseMs: d(r, "scheduled_release_ms"), releaseMs: d(r, "release_ms"), deadlineMs: d(r, "deadline_ms"),
                            startMs: d(r, "start_ms"), completionMs: d(r, "completion_ms"), latencyMs: d(r, "latency_ms"),
                            outcome: s(r, "outcome"), dropReason: s(r, "drop_reason"))
        }
    }

    static func tuning(_ path: String) throws -> [TuningStep] {
        let need = ["time_ms", "urgency_weight", "fairness_weight", "preference_weight"]
        let (h, rows) = try csv(path, required: need)
        func s(_ r: [Substring], _ k: String) -> String { h[k].flatMap { $0 < r.count ? String(r[$0]).trimmingCharacters(in: .whitespaces) : nil } ?? "" }
        return try rows.enumerated().compactMap { i, r in
            if r.count == 1 && r[0].trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            guard let t = Double(s(r, "time_ms")), let u = Double(s(r, "urgency_weight")), let f = Double(s(r, "fairness_weight")),
                  let p = Double(s(r, "preference_weight")) else {
                throw fail(path, "line \(i + 2)", "needs numbers in time_ms and the three weights")
            }
            return TuningStep(timeMs: t, step: Int(s(r, "step")) ?? i, urgencyWeight: u, fairnessWeight: f, preferenceWeight: p,
                              windowUXCost: Double(s(r, "window_uxcost")), event: s(r, "event"))
        }
    }

    /// Core rows and their blocks from the Chrome trace: pid = accelerator, tid = core.
    static func trace(_ path: String) throws -> [CoreRow] {
        let d = try jsonObject(path, what: "trace.json")
        guard let events = d["traceEvents"] as? [[String: Any]] else { throw fail(path, "traceEvents", "is missing") }
        var accName: [Int: String] = [:]
        var cores: [Int: [Int]] = [:]
        var framePid: Int?
        var blocks: [Int: [Int: [TraceBlock]]] = [:]
        for e in events {
            let ph = e["ph"] as? String ?? ""
            guard let pid = int(e["pid"]) else { continue }
            let args = e["args"] as? [String: Any] ?? [:]
            if ph == "M" {
                let name = args["name"] as? String ?? ""
                if e["name"] as? String == "process_name" {
                    if name == "frames" { framePid = pid } else { accName[pid] = name }
                } else if e["name"] as? String == "thread_name", let tid = int(e["tid"]) {
                    cores[pid, default: []].append(tid)
                }
            } else if ph == "X", let tid = int(e["tid"]), let ts = double(e["ts"]), let dur = double(e["dur"]) {
                let b = TraceBlock(model: e["name"] as? String ?? "?", startMs: ts / 1000, durationMs: dur / 1000,
                                   frame: int(args["frame"]) ?? -1, layers: args["layers"] as? String ?? "",
                                   variant: args["variant"] as? String ?? "")
                blocks[pid, default: [:]][tid, default: []].append(b)
            }
        }
        var rows: [CoreRow] = []
        for pid in Set(accName.keys).union(cores.keys).union(blocks.keys).sorted() where pid != framePid {
            var name = accName[pid] ?? "accelerator \(pid)"
            if name.hasSuffix(")"), let p = name.lastIndex(of: "(") { name = name[..<p].trimmingCharacters(in: .whitespaces) }
            let tids = Array(Set(cores[pid] ?? []).union(blocks[pid]?.keys ?? [:].keys)).sorted()
            for tid in tids {
                rows.append(CoreRow(accelerator: pid, acceleratorName: name, core: tid,
                                    blocks: (blocks[pid]?[tid] ?? []).sorted { $0.startMs < $1.startMs }))
            }
        }
        return rows
    }

    static func compare(_ path: String) throws -> CompareData {
        let d = try jsonObject(path, what: "comparison JSON")
        guard let sc = d["scenarios"] as? [String: Any] else {
            throw fail(path, "scenarios", "is missing", fix: "give a file written by `dream compare --json`")
        }
        func entry(_ v: Any?) -> CompareData.Entry? {
            guard let e = v as? [String: Any], let u = double(e["uxcost"]) else { return nil }
            return CompareData.Entry(uxcost: u, energyJ: double(e["energy_j"]) ?? 0, energyPerFrameJ: double(e["energy_per_frame_j"]),
                                     violationRate: double(e["violation_rate"]) ?? 0, xrbenchScore: double(e["xrbench_score"]) ?? 0,
                                     missRate: double(e["miss_rate"]), dropRate: double(e["drop_rate"]))
        }
        var scenarios: [CompareData.Scenario] = []
        for (name, value) in sc.sorted(by: { $0.key < $1.key }) {
            let s = value as? [String: Any] ?? [:]
            var results: [String: [String: CompareData.Entry]] = [:]
            for m in ["live", "sim"] {
                if let per = s[m] as? [String: Any] { results[m] = per.compactMapValues(entry) }
            }
            let gap = (s["sim_live_gap"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? [String: Any])?.compactMapValues(double) }
            scenarios.append(CompareData.Scenario(name: name, timeScale: double(s["time_scale"]), workScale: double(s["work_scale"]),
                                                  results: results,
                                                  dreamReduction: (s["dream_reduction"] as? [String: Any] ?? [:]).compactMapValues(double),
                                                  simLiveGap: gap))
        }
        var schedulers = (d["schedulers"] as? [String]) ?? []
        if schedulers.isEmpty {
            schedulers = Array(Set(scenarios.flatMap { $0.results.values.flatMap(\.keys) })).sorted()
        }
        var points: [CompareData.LoadPoint] = []
        for cell in d["cells"] as? [[String: Any]] ?? [] {
            guard let scenario = cell["scenario"] as? String, let scheduler = cell["scheduler"] as? String,
                  let mode = cell["mode"] as? String, let load = double(cell["load"]) else { continue }
            for metric in ["uxcost", "uxcost_met", "violation_rate", "energy_per_frame_j", "xrbench_score"] {
                guard let mean = double(cell[metric]) else { continue }
                let ci = (cell[metric + "_ci95"] as? [Any])?.compactMap(double)
                points.append(CompareData.LoadPoint(scenario: scenario, scheduler: scheduler, mode: mode, load: load, metric: metric,
                                                    mean: mean, ci95: ci?.count == 2 ? ci : nil))
            }
        }
        let seedCount = int(d["seeds"]) ?? (d["seeds"] as? [Any])?.count
        return CompareData(loadPoints: points, file: path, mode: d["mode"] as? String ?? "sim", topology: d["topology"] as? String ?? "?",
                           seeds: seedCount, durationS: double(d["duration_s"]), targetLoad: double(d["target_load"]),
                           schedulers: schedulers, scenarios: scenarios,
                           geomeanReduction: (d["geomean_reduction"] as? [String: Any] ?? [:]).compactMapValues(double),
                           partial: d["partial"] as? Bool ?? false)
    }

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

    static func run(folder: String) throws -> RunData {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw DreamInputError(.noInput, file: folder, field: "", problem: "is not a folder", fix: "give the folder of `dream run/sim --out DIR`")
        }
        let fm = FileManager.default
        func path(_ name: String) -> String? {
            let p = (folder as NSString).appendingPathComponent(name)
            return fm.fileExists(atPath: p) ? p : nil
        }
        guard let r = path("results.json") else {
            throw DreamInputError(.noInput, file: folder, field: "results.json", problem: "is missing", fix: "give the folder of `dream run/sim --out DIR`")
        }
        return RunData(folder: folder, results: try results(r), frames: try path("frames.csv").map(frames),
                       rows: try path("trace.json").map(trace), tuning: try path("tuning.csv").map(tuning))
    }
}
