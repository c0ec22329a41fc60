import DreamCore
@testable import DreamEngine
@testable import DreamReport
import Foundation
import Testing

// Fixtures are written with the engine's own writers (RunReport.resultsJSON, RunFiles.framesCSV,
// RunFiles.chromeTrace, Calibration.jsonData), so the report reads exactly what dream writes.

let msNs: Int64 = 1_000_000

func tempDir(_ name: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dream-report-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Two accelerators (a two-core one and a one-core one): 3 core rows.
let fixtureAccelerators = [
    ResolvedAccelerator(index: 0, name: "big", dataflow: .os, cores: [0, 1], cpus: [0, 1], numaNode: 0),
    ResolvedAccelerator(index: 1, name: "little", dataflow: .ws, cores: [2], cpus: [2], numaNode: 0),
]

struct RunFixture {
    var dir: String
    var frames: [FrameRecord]
    var blocks: [BlockRecord]
    var report: RunReport
    /// Frames released in [a, b) ms.
    func released(_ a: Double, _ b: Double) -> Int {
        frames.filter { $0.releaseNs >= 0 && Double($0.releaseNs) / 1e6 >= a && Double($0.releaseNs) / 1e6 < b }.count
    }
}

/// `count` frames alternating between two streams every `periodMs`, each run as `blocksPerFrame`
/// back-to-back 0.1 ms blocks; every 10th frame misses, every 10th (+5) is dropped, every 17th
/// is never released (upstream dropped). Stream B switches variant every 7 frames.
func makeRun(_ name: String, count: Int, periodMs: Double, blocksPerFrame: Int = 2, scheduler: String = "dream") throws -> RunFixture {
    let dir = try tempDir(name)
    let layer = LayerSpec.conv("c", c: 4, k: 4, h: 4, w: 4, r: 1)
    let streams = [
        StreamDescription(name: "A<lpha>", periodNs: Int64(periodMs * 2e6), variants: [VariantDescription(name: "default", layers: [layer, layer])]),
        StreamDescription(name: "Beta", periodNs: Int64(periodMs * 2e6), variants: [VariantDescription(name: "full", layers: [layer, layer]),
                                                                                     VariantDescription(name: "lite", layers: [layer])]),
    ]
    var frames: [FrameRecord] = []
    var blocks: [BlockRecord] = []
    for i in 0..<count {
        let stream = Int32(i % 2)
        let release = Int64(Double(i) * periodMs * 1e6)
        let variant: Int32 = stream == 1 && (i / 14) % 2 == 1 ? 1 : 0
        var outcome = FrameOutcome.met
        var reason: DropReason?
        if i % 10 == 0 { outcome = .missed }
        if i % 10 == 5 { outcome = .dropped; reason = .deadlineBeforeStart }
        let neverReleased = i % 17 == 16
        if neverReleased { outcome = .dropped; reason = .upstreamDropped }
        var start: Int64 = -1, end: Int64 = -1
        if outcome != .dropped {
            start = release + 100_000
            let acc = Int32(i % 2)
            for k in 0..<blocksPerFrame {
                let s = start + Int64(k) * 100_000
                blocks.append(BlockRecord(frame: Int32(i), stream: stream, variant: variant, accelerator: acc, firstLayer: Int32(k), endLayer: Int32(k + 1),
                                          decidedNs: s, startNs: s, endNs: s + 100_000, macs: 1000, bytesL1: 0, bytesL2: 0, bytesLLC: 0, bytesDRAM: 0,
                                          cpu: -1, busyCoreNs: 100_000, energyJ: 0.001))
            }
            end = start + Int64(blocksPerFrame) * 100_000
        }
        let deadline = release + (outcome == .missed ? end - release - 10_000 : 30 * msNs)
        frames.append(FrameRecord(frame: Int32(i), stream: stream, sequence: Int32(i / 2), variant: variant, scheduledReleaseNs: release,
                                  releaseNs: neverReleased ? -1 : release, deadlineNs: deadline, startNs: start, completionNs: end,
                                  outcome: outcome, dropReason: reason, skippedBlocks: 0, energyJ: 0.002))
    }
    let wall = max(frames.map(\.completionNs).max() ?? 0, Int64(Double(count) * periodMs * 1e6))
    let summary = RunSummary(frames: frames, blocks: blocks, streams: streams, accelerators: fixtureAccelerators, wallNs: wall,
                             decisionNs: [1000, 2000], dispatchNs: [], energySource: "model (fixture)")
    let report = RunReport(mode: "sim", scenario: "fixture-scenario", topology: "fixture-topo", scheduler: scheduler, seed: 42, timeScale: 1.5,
                           workScale: 0.25, durationS: Double(count) * periodMs / 1000, partial: false,
                           accelerators: fixtureAccelerators.map(\.name), summary: summary)
    try report.resultsJSON().write(to: URL(fileURLWithPath: "\(dir)/results.json"))
    try RunFiles.framesCSV(frames, streams: streams).write(toFile: "\(dir)/frames.csv", atomically: true, encoding: .utf8)
    try RunFiles.chromeTrace(frames, blocks: blocks, streams: streams, accelerators: fixtureAccelerators)
        .write(to: URL(fileURLWithPath: "\(dir)/trace.json"))
    return RunFixture(dir: dir, frames: frames, blocks: blocks, report: report)
}

func count(_ needle: String, in html: String) -> Int { html.components(separatedBy: needle).count - 1 }

/// The attribute value of the first element carrying `attr` inside an element with `marker`.
func attribute(_ name: String, after marker: String, in html: String) -> String? {
    let rest: Substring
    if marker.isEmpty {
        rest = html[...]
    } else {
        guard let r = html.range(of: marker) else { return nil }
        rest = html[r.lowerBound...]
    }
    guard let a = rest.range(of: "\(name)=\"") else { return nil }
    let tail = rest[a.upperBound...]
    return tail.firstIndex(of: "\"").map { String(tail[..<$0]) }
}

/// The HTML of each timeline page.
func pages(_ html: String) -> [String] {
    html.components(separatedBy: "<div class=\"tl-page\"").dropFirst().map { String($0) }
}

@Suite struct RunReportTests {
    @Test func timelineHasOneRowPerCoreAndOneMarkPerReleasedFrame() throws {
        let f = try makeRun("rows", count: 60, periodMs: 5)
        let html = try HTMLReport.run(folder: f.dir)
        #expect(attribute("data-core-rows", after: "id=\"tl\"", in: html) == "3")
        let ps = pages(html)
        #expect(!ps.isEmpty)
        for p in ps {
            #expect(count("data-core-row=", in: p) == 3)
            let a = Double(attribute("data-start-ms", after: "", in: p)!)!
            let b = Double(attribute("data-end-ms", after: "", in: p)!)!
            #expect(count("data-frame-mark=", in: p) == f.released(a, b))
        }
        let total = count("data-frame-mark=", in: html)
        #expect(String(total) == attribute("data-frame-marks", after: "id=\"tl\"", in: html))
        #expect(total == f.frames.filter { $0.releaseNs >= 0 }.count)
        // Rows are labelled by accelerator and core.
        #expect(html.contains("big · core 0") && html.contains("big · core 1") && html.contains("little · core 2"))
        // Missed and dropped frames are highlighted.
        #expect(html.contains("class=\"fm missed\"") && html.contains("class=\"fm dropped\"") && html.contains("class=\"band missed\""))
        #expect(html.contains(" xm\""))
    }

    @Test func pageStatesTheRunAndTheTerminalNumbers() throws {
        let f = try makeRun("meta", count: 40, periodMs: 5)
        let html = try HTMLReport.run(folder: f.dir)
        for s in ["fixture-scenario", "fixture-topo", "dream", "42", "model (fixture)", "1.500", "0.250"] {
            #expect(html.contains(s), "missing \(s)")
        }
        let sum = f.report.summary
        #expect(html.contains(String(format: "%.4g", sum.uxcost)))
        #expect(html.contains(String(format: "%.4f", sum.violationRate)))
        #expect(html.contains("<td>\(sum.framesGenerated)</td><td>\(sum.met)</td><td>\(sum.missed)</td><td>\(sum.dropped)</td>"))
        // Names are escaped, never raw markup.
        #expect(html.contains("A&lt;lpha&gt;") && !html.contains("A<lpha>"))
        #expect(count("data-cdf=", in: html) == 2)
    }

    @Test func pageIsSelfContained() throws {
        let f = try makeRun("offline", count: 20, periodMs: 5)
        let html = try HTMLReport.run(folder: f.dir)
        for bad in ["<link", "src=", "url(", "@import", "http://", "https://"] {
            #expect(!html.contains(bad), "found \(bad)")
        }
        #expect(html.contains("<svg") && html.contains("<style>") && html.contains("data-script-ok"))
    }

    @Test func longRunIsPagedWithinBudgetAndSaysSo() throws {
        // 12 s at one frame per 2 ms with 4 blocks each (the two-core accelerator's blocks twice).
        let f = try makeRun("long", count: 6_000, periodMs: 2, blocksPerFrame: 4)
        let full = try HTMLReport.run(folder: f.dir)
        #expect(full.utf8.count < 4_000_000, "\(full.utf8.count) bytes")
        #expect(pages(full).count >= 2)
        // A small budget: fewer pages, and the page says it is windowed.
        let html = try HTMLReport.run(folder: f.dir, options: .init(maxTimelineBytes: 200_000))
        #expect(html.contains("Windowed:"))
        let a = Double(attribute("data-window-start-ms", after: "id=\"tl\"", in: html)!)!
        let b = Double(attribute("data-window-end-ms", after: "id=\"tl\"", in: html)!)!
        #expect(count("data-frame-mark=", in: html) == f.released(a, b))
        #expect(b < 12_000)
        // A later window on request.
        let later = try HTMLReport.run(folder: f.dir, options: .init(pageMs: 500, fromMs: 7_000))
        let first = pages(later)[0]
        #expect(attribute("data-start-ms", after: "", in: first) == "7000")
        #expect(count("data-frame-mark=", in: first) == f.released(7_000, 7_500))
    }

    @Test func denseBlocksAreMergedAndSaySo() throws {
        let f = try makeRun("dense", count: 2_000, periodMs: 1, blocksPerFrame: 8)
        let html = try HTMLReport.run(folder: f.dir, options: .init(pageMs: 2_000))
        #expect(html.contains("data-merged-blocks="))
        #expect(html.contains("in 8 blocks"))
    }

    @Test func tuningAndVariantsAreDrawn() throws {
        let f = try makeRun("tuning", count: 80, periodMs: 5)
        let csv = "time_ms,step,urgency_weight,fairness_weight,preference_weight,window_uxcost,event\n0,0,1,1,1,0.02,\n100,1,1.2,0.9,1.1,0.018,phase change\n200,2,1.3,0.8,1.0,,\n"
        try csv.write(toFile: "\(f.dir)/tuning.csv", atomically: true, encoding: .utf8)
        let html = try HTMLReport.run(folder: f.dir)
        #expect(html.contains("data-tuning-chart=\"weights\"") && html.contains("data-tuning-chart=\"uxcost\""))
        #expect(count("data-series=", in: html) == 3)
        #expect(count("data-tuning-event", in: html) == 1)
        // Beta switches full -> lite -> full every 7 of its frames.
        let beta = f.frames.filter { $0.stream == 1 && $0.releaseNs >= 0 }.sorted { $0.releaseNs < $1.releaseNs }
        let changes = zip(beta, beta.dropFirst()).filter { $0.0.variant != $0.1.variant }.count
        #expect(changes > 0)
        #expect(count("data-variant-switch", in: html) == changes)
    }

    @Test func noTuningLogIsSaid() throws {
        let f = try makeRun("notuning", count: 10, periodMs: 5, scheduler: "fcfs")
        let html = try HTMLReport.run(folder: f.dir)
        #expect(html.contains("data-no-tuning"))
    }

    @Test func badInputsNameTheFileAndField() throws {
        let dir = try tempDir("bad")
        #expect(throws: DreamInputError.self) { try HTMLReport.run(folder: dir) }
        #expect(throws: DreamInputError.self) { try HTMLReport.detect("\(dir)/nope.json") }
        try "{\"hello\": 1}".write(toFile: "\(dir)/x.json", atomically: true, encoding: .utf8)
        #expect(throws: DreamInputError.self) { try HTMLReport.detect("\(dir)/x.json") }
        let f = try makeRun("badtuning", count: 10, periodMs: 5)
        try "time_ms,step\n1,2\n".write(toFile: "\(f.dir)/tuning.csv", atomically: true, encoding: .utf8)
        do {
            _ = try HTMLReport.run(folder: f.dir)
            Issue.record("a tuning.csv without weights was accepted")
        } catch let e as DreamInputError {
            #expect(e.file.hasSuffix("tuning.csv") && e.problem.contains("urgency_weight"))
        }
    }

    @Test func detectsEachKindByContent() throws {
        let f = try makeRun("detect", count: 10, periodMs: 5)
        #expect(try HTMLReport.detect(f.dir) == .runFolder)
        #expect(try HTMLReport.detect("\(f.dir)/results.json") == .runFolder)
        let c = try writeCompare(withDream: true)
        #expect(try HTMLReport.detect(c) == .compare)
        let k = try writeCalibration()
        #expect(try HTMLReport.detect(k.path) == .calibration)
        // results.json given directly reads its folder.
        let html = try HTMLReport.render(run: "\(f.dir)/results.json")
        #expect(html.contains("data-core-rows=\"3\""))
    }
}

func writeCompare(withDream: Bool) throws -> String {
    let dir = try tempDir("cmp")
    func e(_ u: Double) -> [String: Any] {
        ["uxcost": u, "energy_j": 10 * u, "energy_per_frame_j": u / 2, "violation_rate": u / 10, "xrbench_score": 50 + u, "miss_rate": 0.1, "drop_rate": 0.0]
    }
    var scenarios: [String: Any] = [:]
    for (name, k) in [("vr-gaming", 1.0), ("ar-dynamic", 2.0)] {
        var sim: [String: Any] = ["fcfs": e(2 * k), "edf": e(3 * k)]
        var s: [String: Any] = ["time_scale": 10.0, "work_scale": 1.0]
        if withDream {
            sim["dream"] = e(k)
            s["dream_reduction"] = ["fcfs": 0.5, "edf": 1 - 1.0 / 3]
        }
        s["sim"] = sim
        scenarios[name] = s
    }
    let root: [String: Any] = ["mode": "sim", "topology": "big-little", "seeds": 1, "duration_s": 5.0, "target_load": 0.9,
                               "schedulers": withDream ? ["dream", "fcfs", "edf"] : ["fcfs", "edf"], "scenarios": scenarios,
                               "geomean_reduction": withDream ? ["fcfs": 0.5, "edf": 1 - 1.0 / 3] : [:], "partial": false]
    let path = "\(dir)/cmp.json"
    try JSONSerialization.data(withJSONObject: root).write(to: URL(fileURLWithPath: path))
    return path
}

func writeCalibration() throws -> (path: String, calibration: Calibration) {
    let dir = try tempDir("cal")
    var samples: [Calibration.Sample] = []
    for (i, c) in [8, 16, 32, 64].enumerated() {
        for acc in 0..<2 {
            let l = LayerSpec.conv("", c: c, k: c, h: 16, w: 16, r: 3, pad: 1)
            samples.append(Calibration.Sample(layer: l, accelerator: acc, medianNs: Double(50_000 * (i + 1) * (acc + 1)), minNs: 1, maxNs: 2, runs: 3))
        }
    }
    let params = RooflineFit.fit(samples, accelerators: fixtureAccelerators)
    let cal = Calibration(topology: "big-little", accelerators: fixtureAccelerators, samples: samples, parameters: params,
                          heldOutLayerMAPE: 12.5, modelMAPE: ["ES_RITNet": 7.25])
    let path = "\(dir)/cal.json"
    try cal.jsonData().write(to: URL(fileURLWithPath: path))
    return (path, cal)
}

@Suite struct CompareAndCalibrationTests {
    @Test func compareHasFourBarChartsAndReductions() throws {
        let html = try HTMLReport.compare(json: try writeCompare(withDream: true))
        for m in ["uxcost", "energy_j", "violation_rate", "xrbench_score"] {
            #expect(html.contains("data-bar-chart=\"\(m)\""))
        }
        // 2 scenarios x 3 schedulers x 4 metrics, plus 3 groups x 2 baselines of reductions.
        #expect(count("data-bar=", in: html) == 2 * 3 * 4 + 3 * 2)
        #expect(html.contains("data-reduction-table") && html.contains("geometric mean"))
        #expect(html.contains("50.0%") && html.contains("66.7%"))
        #expect(html.contains("big-little"))
    }

    @Test func compareWithoutDreamSaysSo() throws {
        let html = try HTMLReport.compare(json: try writeCompare(withDream: false))
        #expect(html.contains("data-no-reductions"))
    }

    @Test func calibrationScatterHasAPointPerSampleAndTheMAPE() throws {
        let (path, cal) = try writeCalibration()
        let html = try HTMLReport.calibration(json: path)
        #expect(count("data-cal-point", in: html) == cal.samples.count)
        #expect(html.contains("12.5 %") && html.contains("7.2 %") || html.contains("7.3 %"))
        // The plotted predictions are the fitted roofline's: same MAPE as RooflineFit.mape.
        let data = try ReportReader.calibration(path)
        let expected = RooflineFit.mape(cal.samples, model: AnalyticCostModel(parameters: cal.parameters), accelerators: cal.accelerators)!
        #expect(abs(data.fittedMAPE! - expected) < 1e-9)
        #expect(html.contains(String(format: "%.1f", expected) + " %"))
    }

    @Test func everyPartTogether() throws {
        let f = try makeRun("all", count: 30, periodMs: 5)
        let html = try HTMLReport.render(run: f.dir, compare: try writeCompare(withDream: true), calibration: try writeCalibration().path)
        #expect(html.contains("id=\"timeline\"") && html.contains("id=\"compare\"") && html.contains("id=\"calibration\""))
    }
}
