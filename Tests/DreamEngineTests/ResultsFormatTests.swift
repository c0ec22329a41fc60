import DreamCore
import DreamWorkloads
import Foundation
import Testing
@testable import DreamEngine

/// Each results format reads back what it writes, and reads the pinned golden files
/// (tests/golden, written by `dream sim` and `dream compare`) to the same bytes.
@Suite struct ResultsFormatTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tests/golden")

    static func goldenData(_ name: String) throws -> Data { try Data(contentsOf: golden.appendingPathComponent(name)) }
    static func goldenText(_ name: String) throws -> String { String(decoding: try goldenData(name), as: UTF8.self) }

    /// As GoldenOutputTests compares JSON: sorted keys, without the measured timing keys.
    static func normalised(_ data: Data) throws -> Data {
        func strip(_ v: Any) -> Any {
            if let d = v as? [String: Any] {
                return d.filter { !($0.key.hasPrefix("decision_us") || $0.key.hasPrefix("dispatch_us")) }.mapValues(strip)
            }
            if let a = v as? [Any] { return a.map(strip) }
            return v
        }
        return try JSONSerialization.data(withJSONObject: strip(JSONSerialization.jsonObject(with: data)), options: [.sortedKeys, .prettyPrinted])
    }

    @Test func resultsJSONReadsTheGoldenFileAndWritesItBack() throws {
        let report = try RunReport.read(Self.goldenData("sim-results.json"), file: "sim-results.json")
        #expect(report.scheduler == "dream-with-tuning" && report.summary.streams.count > 0 && report.fit != nil)
        #expect(try Self.normalised(report.resultsJSON()) == Self.goldenData("sim-results.json"))
        #expect(try RunReport.read(report.resultsJSON(), file: "x") == report)
    }

    @Test func resultsJSONRoundTripsTimingsMemoryAndInterference() throws {
        var report = try RunReport.read(Self.goldenData("sim-results.json"), file: "sim-results.json")
        report.summary.decisionUsP50 = 1.5
        report.summary.dispatchUsP99 = 7.25
        report.releaseLatenessUsP50 = 3
        report.raplJ = 12.5
        report.residentMBWarm = 100
        report.residentMBEnd = 101
        report.residentGrowth = 0.01
        report.seed = UInt64.max - 1
        var i = InterferenceReport(
            monitoredS: 2, cores: [.init(cpu: 1, accelerator: "ws0", stealMs: 1, foreignMs: 2, ownMs: 3, stealFraction: 0.1,
                                         foreignFraction: 0.2, worstWindowFraction: 0.3, frequencyMHz: nil)],
            workers: [.init(accelerator: "ws0", cpu: 1, tid: 42, involuntarySwitches: 5, voluntarySwitches: 6, waitMs: 0.5, runMs: 9)],
            windows: [.init(cpu: 1, accelerator: "ws0", startS: 0, endS: 1, stealMs: 1, foreignMs: 2)],
            stalls: [.init(kind: "process", accelerator: nil, atS: 1, durationMs: 60, estimateMs: nil)], longestStallMs: 60,
            longestStallAtS: 1, blocksJudged: 10, slowBlocks: 0, worstBlockRatio: 1.2, worstBlockAtS: nil, releaseLatenessMaxMs: 0.3,
            frequencySource: "cpufreq")
        // results.json keeps no accelerator name per sample.
        i.samples = [.init(cpu: 1, accelerator: "", startS: 0, endS: 1, stealMs: 0, foreignMs: 0)]
        i.verdict = "disturbed"
        i.reasons = ["a stall of 60 ms"]
        report.interference = i
        #expect(try RunReport.read(report.resultsJSON(), file: "x") == report)
    }

    @Test func framesCSVReadsTheGoldenFileAndWritesTheSameBytes() throws {
        let text = try Self.goldenText("sim-frames.csv")
        let rows = try FramesCSV.read(text, file: "sim-frames.csv")
        #expect(rows.count > 100)
        #expect(FramesCSV.write(rows) == text)
        #expect(try FramesCSV.read(FramesCSV.write(rows), file: "x") == rows)
    }

    @Test func tuningCSVReadsTheGoldenFileAndWritesTheSameBytes() throws {
        let text = try Self.goldenText("sim-tuning.csv")
        let steps = try TuningCSV.read(text, file: "sim-tuning.csv")
        #expect(steps.count > 1 && steps[0].event == "restart:start")
        #expect(TuningCSV.write(steps) == text)
        #expect(try TuningCSV.read(TuningCSV.write(steps), file: "x") == steps)
    }

    @Test func compareJSONReadsTheGoldenFileAndWritesTheSameBytes() throws {
        let data = try Self.goldenData("compare.json")
        let c = try CompareJSON.read(data, file: "compare.json")
        #expect(c.scenarios.count == 3 && !c.cells.isEmpty && !c.reductions.isEmpty && !c.headline.isEmpty)
        #expect(try c.jsonData() == data)
        #expect(try CompareJSON.read(c.jsonData(), file: "x") == c)
    }

    @Test func compareJSONRoundTripsLiveParts() throws {
        var c = try CompareJSON.read(Self.goldenData("compare.json"), file: "compare.json")
        c.mode = "both"
        c.cells[0].verdicts = ["clean", "disturbed"]
        c.cells[0].liveRuns = 3
        c.cells[0].disturbedRuns = 1
        c.simLiveGap = [.init(scenario: "ar-dynamic", load: 1, scheduler: "dream", values: ["uxcost": 0.1, "miss_rate": 0])]
        c.liveRuns = .init(runs: 3, disturbed: 1, keptDisturbed: 1)
        #expect(try CompareJSON.read(c.jsonData(), file: "x") == c)
    }

    /// A simulated run written by RunFiles.write: what it returns in memory is what reading
    /// the folder gives, so `run --html` can render without reading back.
    @Test func runFilesInMemoryEqualTheFilesReadBack() throws {
        let a = StreamDescription(name: "A", periodNs: 10 * ms, variants: [.init(name: "v", layers: [layer(1_234_567), layer(2_000_001)])])
        let b = StreamDescription(name: "B", periodNs: 20 * ms, variants: [.init(name: "v", layers: [layer(4_000_003)])])
        var frames: [FrameDescription] = []
        for i in 0..<12 {
            let release: Int64 = Int64(i) * 5 * ms + 333
            frames.append(FrameDescription(id: i, stream: i % 2, sequence: i / 2, releaseNs: release, deadlineNs: release + 6 * ms))
        }
        let w = EngineWorkload(name: "t", streams: [a, b], frames: frames, durationNs: 60 * ms)
        let accs = accelerators(2)
        let core = Simulator(workload: w, accelerators: accs, costs: FixedCosts(factors: [1, 1.37])).run(scheduler: Tuned(), wallClock: { 0 })
        let summary = RunSummary(frames: core.frames, blocks: core.blocks, streams: w.streams, accelerators: accs, wallNs: 60 * ms,
                                 decisionNs: core.decisionNs, dispatchNs: [], energySource: "model (test)")
        let report = RunReport(mode: "sim", scenario: "t", topology: "two", scheduler: "tuned", seed: 1, timeScale: 1, workScale: 1,
                               durationS: 0.06, partial: false, accelerators: accs.map(\.name), summary: summary)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dream-results-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let written = try RunFiles.write(report, core: core, accelerators: accs, to: dir)
        let read = try RunFolder.read(folder: dir)
        #expect(read.results == written.results)
        #expect(read.frames == written.frames)
        #expect(read.tuning == written.tuning && written.tuning?.count == 2)
        let readBlocks: [[TraceBlock]]? = read.rows?.map { $0.blocks }
        let writtenBlocks: [[TraceBlock]]? = written.rows?.map { $0.blocks }
        #expect(readBlocks == writtenBlocks)
        #expect(read.rows?.map { $0.acceleratorName } == ["a0", "a1"])
        let trace = PerfettoTrace(core.frames, blocks: core.blocks, streams: w.streams, accelerators: accs)
        #expect(try PerfettoTrace.read(trace.jsonData(), file: "x") == trace)
    }
}

/// GreedyWhole with a tuning log.
final class Tuned: Scheduler {
    let name = "tuned"
    let inner = GreedyWhole()
    func decide(_ state: SchedulerState, into decisions: inout Decisions) { inner.decide(state, into: &decisions) }
    var tuningRecords: [TuningRecord]? {
        [TuningRecord(timeNs: 0, step: 0, urgency: 1, fairness: 1.0 / 3, preference: 0.125, windowUXCost: 0, event: "restart:start"),
         TuningRecord(timeNs: 12_345_678, step: 1, urgency: 1.1, fairness: 0.2, preference: 0.3, windowUXCost: 0.00123456789, event: "step")]
    }
}
