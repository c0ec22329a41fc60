import Foundation
import Testing
import DreamTestSupport

/// Faults injected into real `dream run` processes (docs/reliability.md, "Fault injection"):
/// each bounded (every child is killed on exit) and each under 10 s on the 2-core machine.
/// Part of the serialized RunCommandTests suite, so they never overlap its live runs.
extension RunCommandTests {
    /// A light live run of two small models (450 frames in 3 s, a release every ~7 ms, workers
    /// ~15% busy); small models keep the kernel probe before the run well under a second.
    static func faultRunArgs(_ out: URL, duration: Int) throws -> [String] {
        let scenario = out.appendingPathComponent("fault-light.yaml")
        try """
        name: fault-light
        streams:
          - {name: KD, model: KD_res8_narrow, fps: 100.0}
          - {name: AS, model: AS_ED_TCN, fps: 50.0}

        """.write(to: scenario, atomically: true, encoding: .utf8)
        return ["run", "--scenario", scenario.path, "--duration", "\(duration)", "--time-scale", "1", "--work-scale", "0.25", "--out", out.path]
    }

    static func faultResults(_ out: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as! [String: Any]
    }

    static func expectAccounted(_ r: [String: Any]) {
        let total = r["total"] as! [String: Any]
        let generated = total["frames_generated"] as! Int
        #expect(generated > 0)
        #expect(generated == (total["met"] as! Int) + (total["missed"] as! Int) + (total["dropped"] as! Int))
        for m in r["models"] as! [[String: Any]] {
            #expect((m["frames_generated"] as! Int) == (m["met"] as! Int) + (m["missed"] as! Int) + (m["dropped"] as! Int))
        }
    }

    @Test(.timeLimit(.minutes(1))) func faultInjectionBusyCoRunnerOnAWorkerCoreMarksTheRunDisturbed() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let cpu = ProcessInfo.processInfo.activeProcessorCount > 1 ? 1 : 0
        let run = try LiveProcess(try dreamExecutable(), try Self.faultRunArgs(out, duration: 3))
        #expect(run.waitFor("[  1.0/", timeout: 20), "the run started: \(run.stderr)")
        // 1 s of a busy loop on the core of a worker, from about 1 s into the run.
        let busy = try BusyLoop(cpu: cpu)
        usleep(1_000_000)
        busy.stop()
        let end = run.finish(timeout: 20)
        #expect(end.status == 0 && !end.timedOut, "stderr: \(run.stderr)")
        let r = try Self.faultResults(out)
        Self.expectAccounted(r)
        let i = r["interference"] as! [String: Any]
        #expect(i["verdict"] as? String == "disturbed")
        // The core is named, with the window the co-runner ran in (it ran from ~1 s to ~2 s).
        let windows = (i["windows"] as! [[String: Any]]).filter { $0["cpu"] as? Int == cpu }
        #expect(!windows.isEmpty, "a window on cpu \(cpu): \(i)")
        #expect(windows.contains { ($0["start_s"] as! Double) < 2.6 && ($0["end_s"] as! Double) > 1.0 && ($0["foreign_ms"] as! Double) > 100 })
        let core = (i["cores"] as! [[String: Any]]).first { $0["cpu"] as? Int == cpu }!
        #expect((core["foreign_ms"] as! Double) > 100)
        // And the terminal says so.
        #expect(run.stdout.contains("interference: DISTURBED"))
        #expect(run.stderr.contains("DISTURBED: ") && run.stderr.contains("cpu\(cpu) other load"), "\(run.stderr)")
    }

    @Test(.timeLimit(.minutes(1))) func faultInjectionStopAndContinueReportsTheStallAndEndsNormally() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try LiveProcess(try dreamExecutable(), try Self.faultRunArgs(out, duration: 3))
        #expect(run.waitFor("[  1.0/", timeout: 20), "the run started: \(run.stderr)")
        kill(run.pid, SIGSTOP)
        usleep(200_000)
        kill(run.pid, SIGCONT)
        let end = run.finish(timeout: 20)
        #expect(end.status == 0 && !end.timedOut, "stderr: \(run.stderr)")
        let r = try Self.faultResults(out)
        Self.expectAccounted(r)
        #expect(r["partial"] as? Bool == false)
        let i = r["interference"] as! [String: Any]
        #expect(i["verdict"] as? String == "disturbed")
        #expect((i["longest_stall_ms"] as! Double) >= 150, "\(i)")
        let stalls = (i["stalls"] as! [[String: Any]]).filter { $0["kind"] as? String == "process" }
        #expect(stalls.contains { ($0["duration_ms"] as! Double) >= 150 && ($0["at_s"] as! Double) >= 0.9 })
        // Frames due while the process was stopped were released late by about the stop.
        #expect((i["release_lateness_max_ms"] as! Double) >= 100, "\(i)")
    }

    @Test(.timeLimit(.minutes(1))) func faultInjectionSigkillHalfWayLeavesNoCompleteLookingResults() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        // An earlier run's complete results.json in the same folder must not survive as if it were this run's.
        try #"{"partial": false, "total": {"frames_generated": 1, "met": 1, "missed": 0, "dropped": 0}}"#
            .write(to: out.appendingPathComponent("results.json"), atomically: true, encoding: .utf8)
        let run = try LiveProcess(try dreamExecutable(), try Self.faultRunArgs(out, duration: 4))
        #expect(run.waitFor("[  2.0/", timeout: 20), "the run reached half-way: \(run.stderr)")
        kill(run.pid, SIGKILL)
        let end = run.finish(timeout: 10)
        #expect(end.status == SIGKILL && !end.timedOut)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(!files.contains("results.json"), "files left: \(files)")
        #expect(files.contains("results.incomplete"), "the partial marker: \(files)")
        #expect(!files.contains("frames.csv") && !files.contains("trace.json"))
    }
}
