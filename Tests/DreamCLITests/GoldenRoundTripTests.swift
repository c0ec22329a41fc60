import DreamEngine
import Foundation
import Testing
import DreamTestSupport

/// The results formats' readers take what `dream sim --out` writes (the run pinned in
/// tests/golden) and their writers give the pinned bytes back: trace.json by its digest.
@Suite struct GoldenRoundTripTests {
    @Test func simRunFilesReadAndRewriteToTheGoldenBytes() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try runProcess(try dreamExecutable(), ["sim", "--scenario", "ar-dynamic", "--topology", "dual-ws-os", "--scheduler", "dream-with-tuning",
                                                       "--duration", "2", "--seed", "7", "--out", out.path], timeout: 300)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let golden = GoldenOutputTests.folder
        let run = try RunFolder.read(folder: out.path)
        #expect(try Self.sorted(run.results.resultsJSON(), dropTimings: true) == Data(contentsOf: golden.appendingPathComponent("sim-results.json")))
        #expect(FramesCSV.write(run.frames ?? []) == (try String(contentsOf: golden.appendingPathComponent("sim-frames.csv"), encoding: .utf8)))
        #expect(TuningCSV.write(run.tuning ?? []) == (try String(contentsOf: golden.appendingPathComponent("sim-tuning.csv"), encoding: .utf8)))
        let trace = try PerfettoTrace.read(out.appendingPathComponent("trace.json").path)
        #expect(run.rows?.count == trace.coreRows.count && !trace.events.isEmpty)
        let digest = GoldenOutputTests.digest(try Self.sorted(trace.jsonData(), dropTimings: false))
        #expect(digest == (try String(contentsOf: golden.appendingPathComponent("sim-trace.json.digest"), encoding: .utf8)))
    }

    /// As the golden files are kept: sorted keys, pretty, without the measured timing keys.
    static func sorted(_ data: Data, dropTimings: Bool) throws -> Data {
        func strip(_ v: Any) -> Any {
            if let d = v as? [String: Any] {
                return d.filter { !dropTimings || !($0.key.hasPrefix("decision_us") || $0.key.hasPrefix("dispatch_us")) }.mapValues(strip)
            }
            if let a = v as? [Any] { return a.map(strip) }
            return v
        }
        return try JSONSerialization.data(withJSONObject: strip(JSONSerialization.jsonObject(with: data)), options: [.sortedKeys, .prettyPrinted])
    }
}
