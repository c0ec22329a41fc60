import DreamCore
import Foundation

/// A run folder (`dream run/sim --out DIR`): results.json and, when present, frames.csv,
/// trace.json (as core rows) and tuning.csv. `RunFiles.write` returns it in memory, so a report
/// of the run just written needs no reading back; `read(folder:)` reads one from disk.
public struct RunFolder: Sendable {
    public var folder: String
    public var results: RunReport
    public var frames: [FrameRow]?
    public var rows: [CoreRow]?
    public var tuning: [TuningStep]?

    public init(folder: String, results: RunReport, frames: [FrameRow]?, rows: [CoreRow]?, tuning: [TuningStep]?) {
        self.folder = folder
        self.results = results
        self.frames = frames
        self.rows = rows
        self.tuning = tuning
    }

    public static func read(folder: String) throws -> RunFolder {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw DreamInputError(.noInput, file: folder, field: "", problem: "is not a folder", fix: "give the folder of `dream run/sim --out DIR`")
        }
        func path(_ name: String) -> String? {
            let p = (folder as NSString).appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: p) ? p : nil
        }
        guard let r = path(RunFiles.results) else {
            throw DreamInputError(.noInput, file: folder, field: RunFiles.results, problem: "is missing", fix: "give the folder of `dream run/sim --out DIR`")
        }
        return RunFolder(folder: folder, results: try RunReport.read(r), frames: try path(RunFiles.frames).map(FramesCSV.read),
                         rows: try path(RunFiles.trace).map { try PerfettoTrace.read($0).coreRows },
                         tuning: try path(RunFiles.tuning).map(TuningCSV.read))
    }
}

/// The files of a run, each written atomically in its format.
public enum RunFiles {
    public static let results = "results.json", frames = "frames.csv", trace = "trace.json", tuning = "tuning.csv"

    /// results.json, frames.csv and trace.json of a run (live or simulated), and tuning.csv when
    /// the policy keeps a tuning log; returns what was written, for a report of it.
    @discardableResult
    public static func write(_ report: RunReport, core: ExecutionCore, accelerators: [ResolvedAccelerator], to dir: String) throws -> RunFolder {
        let streams = core.workload.streams
        let frames = core.frames.map { FrameRow($0, streams: streams) }
        let trace = PerfettoTrace(core.frames, blocks: core.blocks, streams: streams, accelerators: accelerators)
        let tuning = core.scheduler.tuningRecords?.map(TuningStep.init)
        try AtomicFile.write(report.resultsJSON(), to: "\(dir)/\(results)")
        try AtomicFile.write(FramesCSV.write(frames), to: "\(dir)/\(Self.frames)")
        try AtomicFile.write(trace.jsonData(), to: "\(dir)/\(Self.trace)")
        if let tuning { try AtomicFile.write(TuningCSV.write(tuning), to: "\(dir)/\(Self.tuning)") }
        return RunFolder(folder: dir, results: report, frames: frames, rows: trace.coreRows, tuning: tuning)
    }

    public static func framesCSV(_ frames: [FrameRecord], streams: [StreamDescription]) -> String {
        FramesCSV.write(frames, streams: streams)
    }

    public static func chromeTrace(_ frames: [FrameRecord], blocks: [BlockRecord], streams: [StreamDescription],
                                   accelerators: [ResolvedAccelerator]) throws -> Data {
        try PerfettoTrace(frames, blocks: blocks, streams: streams, accelerators: accelerators).jsonData()
    }
}
