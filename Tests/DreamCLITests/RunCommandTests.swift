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

    /// The main job's regime: the scenario's own frame rates, each model's work fitted so that
    /// it is feasible alone, hundreds of frames in a few seconds.
    @Test func defaultRunKeepsTheFrameRatesAndFitsTheWork() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try runProcess(try dreamExecutable(), ["run", "--scenario", "ar-dynamic", "--duration", "3", "--quiet", "--out", out.path], timeout: 180)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("every model feasible"), "stdout: \(r.stdout)")
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as! [String: Any]
        #expect(results["time_scale"] as? Double == 1)
        #expect((results["infeasible_models"] as? [Any])?.isEmpty == true)
        let fit = results["fit"] as! [String: Any]
        #expect(fit["target_load"] as? Double == 0.8)
        let perModel = results["work_scale_per_model"] as! [String: Double]
        #expect(perModel.count == 6 && perModel.values.allSatisfy { $0 > 0 && $0 <= 16 })
        for m in fit["models"] as! [[String: Any]] {
            // Within the fit's margin (80% of the deadline) plus the 10% the live fit tolerates.
            #expect((m["alone_ms"] as! Double) <= 0.8 * 1.1 * (m["deadline_ms"] as! Double), "\(m)")
        }
        let total = results["total"] as! [String: Any]
        #expect((total["frames_generated"] as! Int) >= 300)
        #expect(total["uxcost_met"] != nil && total["energy_per_met_frame_j"] != nil)
    }

    @Test func sigintLeavesValidPartialOutputAndExits130() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try runProcess(try dreamExecutable(), ["run", "--scenario", "vr-gaming", "--duration", "60", "--time-scale", "40",
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

    /// `sim` and `compare --mode sim` accept a topology larger than the host (a synthetic machine,
    /// named in the output with the source of the costs); live runs stay strict.
    @Test func simAcceptsATopologyLargerThanTheHost() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let topo = dir.appendingPathComponent("huge.yaml").path
        try "name: huge\naccelerators:\n  - {name: big, dataflow: os, core_count: 4000}\n  - {name: little, dataflow: ws, core_count: 96, speed_factor: 0.5}\n"
            .write(toFile: topo, atomically: true, encoding: .utf8)
        let sim = try runProcess(try dreamExecutable(), ["sim", "--scenario", "social-b", "--topology", topo, "--duration", "2"])
        #expect(sim.status == 0, "stderr: \(sim.stderr)")
        #expect(sim.stderr.contains("synthetic machine") && sim.stderr.contains("costs from the analytic model"), "stderr: \(sim.stderr)")
        let json = dir.appendingPathComponent("cmp.json").path
        let cmp = try runProcess(try dreamExecutable(), ["compare", "--scenarios", "social-b", "--topology", topo, "--schedulers", "edf,dream",
                                                        "--mode", "sim", "--duration", "2", "--json", json], timeout: 240)
        #expect(cmp.status == 0, "stderr: \(cmp.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        #expect((result["machine"] as? String)?.contains("synthetic") == true && result["costs"] as? String == "analytic model")
        let live = try runProcess(try dreamExecutable(), ["run", "--scenario", "social-b", "--topology", topo, "--duration", "2"])
        #expect(live.status == 69 && live.stderr.contains("core_count"), "stderr: \(live.stderr)")
        let liveCompare = try runProcess(try dreamExecutable(), ["compare", "--scenarios", "social-b", "--topology", topo, "--mode", "live"])
        #expect(liveCompare.status == 69, "stderr: \(liveCompare.stderr)")
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

@Suite(.serialized) struct InterruptTests {
    @Test func sigtermDuringACompareWritesPartialJSON() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("cmp.json").path
        let r = try runProcess(try dreamExecutable(), ["compare", "--scenarios", "social-b", "--schedulers", "fcfs,dream", "--mode", "live",
                                                      "--duration", "30", "--json", json], timeout: 240,
                               signalAfter: 3, signalWhen: "social-b:", signal: SIGTERM)
        #expect(r.status == 130, "stderr: \(r.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        #expect(result["partial"] as? Bool == true)
        #expect(result["scenarios"] is [String: Any])
    }

    @Test func sigintDuringACalibrationWritesAPartialFileTheSimulatorAccepts() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cal.json").path
        let r = try runProcess(try dreamExecutable(), ["calibrate", "--scenario", "ar-dynamic", "--max-runs", "400", "--out", file],
                               timeout: 240, signalAfter: 2, signalWhen: "dream calibrate:")
        #expect(r.status == 130, "stderr: \(r.stderr)")
        let c = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as! [String: Any]
        #expect(c["partial"] as? Bool == true)
        let sim = try runProcess(try dreamExecutable(), ["sim", "--scenario", "ar-dynamic", "--duration", "5", "--calibration", file])
        #expect(sim.status == 0, "stderr: \(sim.stderr)")
    }

    @Test func aCalibrationOfATinyTopologyIsAcceptedBySimAndRefusedForAnotherTopology() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let topo = dir.appendingPathComponent("tiny.yaml").path
        try "accelerators:\n  - {name: only, dataflow: os, cores: [0]}\n".write(toFile: topo, atomically: true, encoding: .utf8)
        let file = dir.appendingPathComponent("cal.json").path
        let r = try runProcess(try dreamExecutable(), ["calibrate", "--topology", topo, "--scenario", "social-b", "--work-scale", "0.05",
                                                      "--max-runs", "3", "--out", file], timeout: 240)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("layer MAPE on held-out shapes"))
        let sim = try runProcess(try dreamExecutable(), ["sim", "--scenario", "social-b", "--topology", topo, "--work-scale", "0.05",
                                                        "--duration", "3", "--calibration", file])
        #expect(sim.status == 0, "stderr: \(sim.stderr)")
        let wrong = try runProcess(try dreamExecutable(), ["sim", "--scenario", "social-b", "--topology", "dual-ws-os", "--duration", "3",
                                                          "--calibration", file])
        #expect(wrong.status == 65)
        #expect(wrong.stderr.contains("accelerators") && wrong.stderr.contains("dream calibrate --topology"))
    }
}
