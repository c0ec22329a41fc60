import DreamCore
import Foundation

/// One line of tuning.csv: a step of a policy's online weight tuning (DREAM's), time in ms.
public struct TuningStep: Sendable, Equatable {
    public var timeMs: Double
    public var step: Int
    public var urgencyWeight: Double
    public var fairnessWeight: Double
    public var preferenceWeight: Double
    /// nil where a file leaves it empty.
    public var windowUXCost: Double?
    /// "step", "restart:REASON", or "" (hand-written files).
    public var event: String

    public init(timeMs: Double, step: Int, urgencyWeight: Double, fairnessWeight: Double, preferenceWeight: Double,
                windowUXCost: Double?, event: String) {
        self.timeMs = timeMs
        self.step = step
        self.urgencyWeight = urgencyWeight
        self.fairnessWeight = fairnessWeight
        self.preferenceWeight = preferenceWeight
        self.windowUXCost = windowUXCost
        self.event = event
    }

    /// The line of a policy's record (`Scheduler.tuningRecords`), at the file's precision.
    public init(_ r: TuningRecord) {
        func g(_ v: Double) -> Double { ResultsFile.rounded(v, "%.6g") }
        self.init(timeMs: ResultsFile.rounded(Double(r.timeNs) / 1e6, "%.3f"), step: r.step, urgencyWeight: g(r.urgency),
                  fairnessWeight: g(r.fairness), preferenceWeight: g(r.preference), windowUXCost: g(r.windowUXCost), event: r.event)
    }
}

/// tuning.csv: written for a policy that keeps a tuning log (`Scheduler.tuningRecords`).
public enum TuningCSV {
    public static let header = "time_ms,step,urgency_weight,fairness_weight,preference_weight,window_uxcost,event\n"
    static let required = ["time_ms", "urgency_weight", "fairness_weight", "preference_weight"]

    public static func write(_ steps: [TuningStep]) -> String {
        var out = header
        for s in steps {
            out += String(format: "%.3f,%d,%.6g,%.6g,%.6g,", s.timeMs, s.step, s.urgencyWeight, s.fairnessWeight, s.preferenceWeight)
                + (s.windowUXCost.map { String(format: "%.6g", $0) } ?? "") + ",\(s.event)\n"
        }
        return out
    }

    public static func write(_ records: [TuningRecord]) -> String { write(records.map(TuningStep.init)) }

    public static func read(_ path: String) throws -> [TuningStep] {
        try read(String(decoding: ResultsFile.readData(path, what: "CSV file"), as: UTF8.self), file: path)
    }

    public static func read(_ text: String, file: String) throws -> [TuningStep] {
        try ResultsFile.csv(text, file: file, required: required).map { line, r in
            guard let t = Double(r["time_ms"] ?? ""), let u = Double(r["urgency_weight"] ?? ""), let f = Double(r["fairness_weight"] ?? ""),
                  let p = Double(r["preference_weight"] ?? "") else {
                throw ResultsFile.fail(file, "line \(line)", "needs numbers in time_ms and the three weights")
            }
            return TuningStep(timeMs: t, step: Int(r["step"] ?? "") ?? line - 2, urgencyWeight: u, fairnessWeight: f, preferenceWeight: p,
                              windowUXCost: Double(r["window_uxcost"] ?? ""), event: r["event"] ?? "")
        }
    }
}
