import Foundation
import Testing
import DreamTestSupport

@Suite(.serialized) struct RunCommandTests {
    @Test func liveRunWritesResultsFramesAndTrace() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try runProcess(try dreamExecutable(), ["run", "--scenario", "social-b", "--duration", "2", "--time-scale", "40",
                                                       "--quiet", "--out", out.path], timeout: 180)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as! [String: Any]
        for key in ["scenario", "topology", "scheduler", "seed", "time_scale", "duration_s", "uxcost", "violation_rate", "xrbench_score",
                    "decision_us_p50", "decision_us_p99", "dispatch_us_p50", "dispatch_us_p99", "models", "total"] {
            #expect(results[key] != nil, "results.json has \(key)")
        }
        #expect(results["partial"] as? Bool == false)
        let total = results["total"] as! [String: Any]
        let generated = total["frames_generated"] as! Int
        #expect(generated > 0)
        #expect(generated == (total["met"] as! Int) + (total["missed"] as! Int) + (total["dropped"] as! Int))
        for m in results["models"] as! [[String: Any]] {
            #expect((m["frames_generated"] as! Int) == (m["met"] as! Int) + (m["missed"] as! Int) + (m["dropped"] as! Int))
            #expect(m["energy_source"] is String)
        }
        let csv = try String(contentsOf: out.appendingPathComponent("frames.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == generated + 1)
        let trace = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trace.json"))) as! [String: Any]
        #expect(!(trace["traceEvents"] as! [Any]).isEmpty)
    }

    @Test func sigintLeavesValidPartialOutputAndExits130() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try runProcess(try dreamExecutable(), ["run", "--scenario", "vr-gaming", "--duration", "60", "--time-scale", "30",
                                                       "--out", out.path], timeout: 180, signalAfter: 2, signalWhen: "met ")
        #expect(r.status == 130, "stderr: \(r.stderr)")
        let data = try Data(contentsOf: out.appendingPathComponent("results.json"))
        let results = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(results["partial"] as? Bool == true)
        let total = results["total"] as! [String: Any]
        #expect((total["frames_generated"] as! Int) == (total["met"] as! Int) + (total["missed"] as! Int) + (total["dropped"] as! Int))
        _ = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trace.json")))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "no temporary files are left behind")
    }

    @Test func simIsDeterministicForASeed() throws {
        let a = try runProcess(try dreamExecutable(), ["sim", "--scenario", "ar-dynamic", "--duration", "20", "--seed", "7"])
        let b = try runProcess(try dreamExecutable(), ["sim", "--scenario", "ar-dynamic", "--duration", "20", "--seed", "7"])
        #expect(a.status == 0 && b.status == 0)
        // Everything but the measured decision times is identical.
        func stable(_ s: String) -> String { s.split(separator: "\n").filter { !$0.hasPrefix("decision us") }.joined(separator: "\n") }
        #expect(stable(a.stdout) == stable(b.stdout))
        let c = try runProcess(try dreamExecutable(), ["sim", "--scenario", "ar-dynamic", "--duration", "20", "--seed", "8"])
        #expect(stable(c.stdout) != stable(a.stdout))
    }
}
