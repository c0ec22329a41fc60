import DreamCore
import Foundation

/// One row of frames.csv: a frame from release to outcome, times in ms from the run's start
/// (nil where the frame never got there), names instead of indices.
public struct FrameRow: Sendable, Equatable {
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
    public var skippedBlocks: Int
    public var energyJ: Double

    public init(frame: Int, model: String, sequence: Int, variant: String, scheduledReleaseMs: Double?, releaseMs: Double?,
                deadlineMs: Double?, startMs: Double?, completionMs: Double?, latencyMs: Double?, outcome: String,
                dropReason: String, skippedBlocks: Int = 0, energyJ: Double = 0) {
        self.frame = frame
        self.model = model
        self.sequence = sequence
        self.variant = variant
        self.scheduledReleaseMs = scheduledReleaseMs
        self.releaseMs = releaseMs
        self.deadlineMs = deadlineMs
        self.startMs = startMs
        self.completionMs = completionMs
        self.latencyMs = latencyMs
        self.outcome = outcome
        self.dropReason = dropReason
        self.skippedBlocks = skippedBlocks
        self.energyJ = energyJ
    }

    /// The row of a recorded frame (negative times: never reached), at the file's precision, so
    /// a row in memory equals the row read back.
    public init(_ f: FrameRecord, streams: [StreamDescription]) {
        func ms(_ ns: Int64) -> Double? { ns < 0 ? nil : ResultsFile.rounded(Double(ns) / 1e6, FramesCSV.msFormat) }
        let stream = streams[Int(f.stream)]
        self.init(frame: Int(f.frame), model: stream.name, sequence: Int(f.sequence), variant: stream.variants[Int(f.variant)].name,
                  scheduledReleaseMs: ms(f.scheduledReleaseNs), releaseMs: ms(f.releaseNs), deadlineMs: ms(f.deadlineNs),
                  startMs: ms(f.startNs), completionMs: ms(f.completionNs), latencyMs: f.latencyNs.flatMap(ms),
                  outcome: f.outcome.rawValue, dropReason: f.dropReason?.rawValue ?? "", skippedBlocks: Int(f.skippedBlocks),
                  energyJ: ResultsFile.rounded(f.energyJ, FramesCSV.energyFormat))
    }
}

/// frames.csv: one line per generated frame (docs/results.md).
public enum FramesCSV {
    public static let header = "frame,model,sequence,variant,scheduled_release_ms,release_ms,deadline_ms,start_ms,completion_ms,latency_ms,outcome,drop_reason,skipped_blocks,energy_j\n"
    /// Columns a reader needs (older files may lack the others).
    static let msFormat = "%.4f", energyFormat = "%.6g"
    static let required = ["frame", "model", "variant", "release_ms", "deadline_ms", "completion_ms", "latency_ms", "outcome"]

    public static func write(_ rows: [FrameRow]) -> String {
        func ms(_ v: Double?) -> String { v.map { String(format: msFormat, $0) } ?? "" }
        var out = header
        for r in rows {
            out += "\(r.frame),\(r.model),\(r.sequence),\(r.variant),\(ms(r.scheduledReleaseMs)),\(ms(r.releaseMs)),\(ms(r.deadlineMs)),\(ms(r.startMs)),\(ms(r.completionMs)),\(ms(r.latencyMs)),\(r.outcome),\(r.dropReason),\(r.skippedBlocks),\(String(format: energyFormat, r.energyJ))\n"
        }
        return out
    }

    public static func write(_ frames: [FrameRecord], streams: [StreamDescription]) -> String {
        write(frames.map { FrameRow($0, streams: streams) })
    }

    public static func read(_ path: String) throws -> [FrameRow] {
        try read(String(decoding: ResultsFile.readData(path, what: "CSV file"), as: UTF8.self), file: path)
    }

    public static func read(_ text: String, file: String) throws -> [FrameRow] {
        try ResultsFile.csv(text, file: file, required: required).map { line, r in
            func d(_ k: String) -> Double? { Double(r[k] ?? "") }
            guard let frame = Int(r["frame"] ?? "") else { throw ResultsFile.fail(file, "line \(line)", "has no frame number") }
            return FrameRow(frame: frame, model: r["model"] ?? "", sequence: Int(r["sequence"] ?? "") ?? 0, variant: r["variant"] ?? "",
                            scheduledReleaseMs: d("scheduled_release_ms"), releaseMs: d("release_ms"), deadlineMs: d("deadline_ms"),
                            startMs: d("start_ms"), completionMs: d("completion_ms"), latencyMs: d("latency_ms"),
                            outcome: r["outcome"] ?? "", dropReason: r["drop_reason"] ?? "",
                            skippedBlocks: Int(r["skipped_blocks"] ?? "") ?? 0, energyJ: d("energy_j") ?? 0)
        }
    }
}
