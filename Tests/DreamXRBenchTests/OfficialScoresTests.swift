import DreamCore
import DreamWorkloads
import Foundation
import Testing
@testable import DreamXRBench

/// The reproduction against the official simulator's scores (../shared/xrbench).
@Suite struct OfficialScoresTests {
    /// Every line of expected_scores_open.txt, to 1e-4.
    @Test func everyOpenExpectedScoreMatches() throws {
        guard XRBenchFiles.available() else { return }
        let costs = try XRBenchFiles.costs()
        let cases = try XRBenchFiles.expectedCases()
        #expect(cases.count >= 47, "expected_scores_open.txt has \(cases.count) cases")
        var scenarios: [String: XRBenchScenario] = [:]
        var matched = 0
        var maxError = 0.0
        for c in cases {
            if scenarios[c.scenario] == nil {
                let path = XRBenchFiles.scenario(c.scenario)
                scenarios[c.scenario] = try XRBenchScenario(MaestroFile.parse(ShippedFiles.readText(path, what: "scenario"), file: path))
            }
            let run = try XRBenchReproduction(scenario: scenarios[c.scenario]!, costs: costs,
                                              hardware: c.hardware, dataflows: c.dataflows)
            let error = abs(Double(run.overallScore) - c.score)
            maxError = max(maxError, error)
            if error <= 1e-4 { matched += 1 }
            #expect(error <= 1e-4, "\(c.scenario)__\(c.hardware)__\(c.dataflows) (line \(c.line)): got \(run.overallScore), official \(c.score)")
        }
        print("xrbench: \(matched) of \(cases.count) open cases match to 1e-4; max abs error \(maxError)")
        #expect(matched == cases.count)
    }

    /// The documented check: VR_gaming on Single_4K / WS, with the official summary's per-model figures.
    @Test func vrGamingSingle4KWS() throws {
        guard XRBenchFiles.available() else { return }
        let run = try XRBenchReproduction(scenarioFile: XRBenchFiles.scenario("VR_gaming"), costsFile: XRBenchFiles.costTable,
                                          hardware: "Single_4K", dataflows: "WS")
        #expect(abs(Double(run.overallScore) - 86.466141) <= 1e-6)
        let expected: [(String, Double, Double, Double)] = [
            ("ES_RITNet", 1.0, 0.976447, 1.0),
            ("GE_FBNet_C", 1.0, 0.976719, 1.0),
            ("HT_hand_graph_cnn_half", 0.743658, 0.861711, 1.0),
        ]
        #expect(run.models.map(\.model) == expected.map(\.0))
        for (name, rt, en, qoe) in expected {
            let s = try #require(run.models.first { $0.model == name }?.score, "\(name) has no score")
            #expect(abs(s.realTime - rt) <= 5e-7, "\(name) RT \(s.realTime)")
            #expect(abs(s.energy - en) <= 5e-7, "\(name) EN \(s.energy)")
            #expect(abs(Double(s.qoe) - qoe) <= 5e-7, "\(name) QoE \(s.qoe)")
            #expect(s.dropped == 0)
        }
        // ES and GE run 43 frames; their last is injected at the last event (672 ms) and discarded.
        #expect(run.endMs == 672)
        #expect(run.models.map { $0.score?.completed ?? -1 } == [42, 42, 31])
        #expect(run.text.contains("overall_score: 86.466141"))
        #expect(run.text.contains("HT_hand_graph_cnn_half  0.743658  0.861711  1.000000"))
    }

    /// `dream xrbench` itself (the built executable) prints the documented figure and matches every
    /// open case.
    @Test func dreamCommandMatchesEveryOpenCase() throws {
        guard XRBenchFiles.available() else { return }
        let exe = try #require(Self.dreamExecutable(), "the `dream` executable was not found next to the test bundle (\(Bundle.main.bundlePath)); build it with `swift build`")
        let cases = try XRBenchFiles.expectedCases()
        var maxError = 0.0
        for c in cases {
            let (status, out, err) = try Self.run(exe, ["xrbench", "--scenario", XRBenchFiles.scenario(c.scenario),
                                                        "--hardware", c.hardware, "--dataflows", c.dataflows,
                                                        "--costs", XRBenchFiles.costTable])
            #expect(status == 0, "\(c.scenario)__\(c.hardware)__\(c.dataflows): exit \(status): \(err)")
            let line = out.split(separator: "\n").first { $0.hasPrefix("overall_score: ") }
            let score = try #require(line.flatMap { Double($0.dropFirst("overall_score: ".count)) }, "no overall_score line in: \(out)")
            maxError = max(maxError, abs(score - c.score))
            #expect(abs(score - c.score) <= 1e-4, "\(c.scenario)__\(c.hardware)__\(c.dataflows): printed \(score), official \(c.score)")
        }
        print("dream xrbench: \(cases.count) open cases, max abs error \(maxError)")

        let (status, out, _) = try Self.run(exe, ["xrbench", "--scenario", XRBenchFiles.scenario("VR_gaming"), "--hardware", "Single_4K",
                                                  "--dataflows", "WS", "--costs", XRBenchFiles.costTable])
        #expect(status == 0)
        #expect(out.contains("overall_score: 86.466141"))
        for row in ["ES_RITNet               1.000000  0.976447  1.000000",
                    "GE_FBNet_C              1.000000  0.976719  1.000000",
                    "HT_hand_graph_cnn_half  0.743658  0.861711  1.000000"] {
            #expect(out.contains(row), "missing `\(row)` in:\n\(out)")
        }
        let (jsonStatus, json, _) = try Self.run(exe, ["xrbench", "--scenario", XRBenchFiles.scenario("VR_gaming"), "--hardware", "Single_4K",
                                                       "--dataflows", "WS", "--costs", XRBenchFiles.costTable, "--json"])
        #expect(jsonStatus == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let overall = try #require(object["overall_score"] as? Double)
        #expect(abs(overall - 86.466141) <= 1e-5)

        // A combination the table lacks: a usage error (64) that lists the ones it has.
        let (badStatus, _, badErr) = try Self.run(exe, ["xrbench", "--scenario", XRBenchFiles.scenario("VR_gaming"), "--hardware", "Single_2K",
                                                        "--dataflows", "WS", "--costs", XRBenchFiles.costTable])
        #expect(badStatus == 64)
        #expect(badErr.contains("Single_4K WS") && badErr.contains("Single_2K"))
    }

    static func dreamExecutable() -> String? {
        var dir = URL(fileURLWithPath: Bundle.main.bundlePath)
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("dream").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static func run(_ exe: String, _ args: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
