import DreamCore
import DreamWorkloads
import Foundation
import Testing
@testable import DreamXRBench

@Suite struct CostTableTests {
    static let header = "hardware,dataflows,accelerator,dataflow,model,cycles,latency_ms,energy"

    @Test func parsesAndLooksUp() throws {
        let text = """
            \(Self.header)
            Dual_X,WS_OS,0,WS,A,2000000,2,10.5
            Dual_X,WS_OS,1,OS,A,1000000,1,20
            Dual_X,WS_OS,0,WS,B,79026947,79.026947,299.946045
            Dual_X,WS_OS,1,OS,B,79026947,79.0269470,299.946045

            """
        let table = try XRBenchCostTable.parse(text, file: "t.csv")
        #expect(table.rows.count == 4)
        #expect(table.combinations.map { "\($0.hardware) \($0.dataflows)" } == ["Dual_X WS_OS"])
        let accs = try table.accelerators(hardware: "Dual_X", dataflows: "WS_OS", models: ["A", "B"])
        #expect(accs.map(\.dataflow) == ["WS", "OS"])
        #expect(accs[1].costs["A"] == XRBenchCost(cycles: 1_000_000, energy: 20))
        // float32(cycles) / 1e6, as the official simulator computes it.
        #expect(accs[0].costs["B"]?.latencyMs == Float(79_026_947) / Float(1_000_000))
        #expect(accs[0].costs["B"]?.energy == Float("299.946045"))
    }

    @Test func sharedTableParses() throws {
        guard XRBenchFiles.available() else { return }
        let table = try XRBenchFiles.costs()
        #expect(table.rows.count == 844)
        #expect(table.combinations.count == 38)
    }

    @Test func malformedRowsNameLineAndColumn() {
        let cases: [(String, String, String)] = [
            ("\(Self.header)\nH,WS,0,WS,A,100\n", "line 2", "has 6 fields"),
            ("\(Self.header)\nH,WS,0,WS,A,lots,1,1\n", "line 2, column 6 (cycles)", "whole number"),
            ("\(Self.header)\nH,WS,0,WS,A,100,0.0001,-1\n", "line 2, column 8 (energy)", "finite number"),
            ("\(Self.header)\nH,WS,1,WS,A,100,0.0001,1\n", "line 2, column 3 (accelerator)", "only 1 accelerator"),
            ("\(Self.header)\nH,WS_OS,1,WS,A,100,0.0001,1\n", "line 2, column 4 (dataflow)", "is `OS`"),
            ("\(Self.header)\nH,WS,0,WS,A,100,5,1\n", "line 2, column 7 (latency_ms)", "cycles 100"),
            ("\(Self.header)\nH,WS,0,WS,,100,0.0001,1\n", "line 2, column 5 (model)", "is empty"),
            ("\(Self.header)\nH,WS,0,WS,A,100,0.0001,1\nH,WS,0,WS,A,100,0.0001,1\n", "line 3", "first given at line 2"),
            ("hardware,dataflows,accelerator,dataflow,model,cycles,energy\n", "line 1", "no `latency_ms` column"),
            ("\(Self.header)\n", "line 2", "no cost rows"),
        ]
        for (text, field, problem) in cases {
            let e = inputError { _ = try XRBenchCostTable.parse(text, file: "t.csv") }
            #expect(e?.field == field, "\(text)")
            #expect(e?.problem.contains(problem) == true, "\(e?.problem ?? "no error") should say \(problem)")
            #expect(e?.file == "t.csv")
            #expect(e?.kind == .data)
        }
    }

    @Test func unknownCombinationListsTheAvailableOnes() throws {
        let table = try XRBenchCostTable.parse("\(Self.header)\nH1,WS,0,WS,A,100,0.0001,1\nH1,OS,0,OS,A,100,0.0001,1\nH2,RS_RS,0,RS,A,1,0.000001,1\n", file: "t.csv")
        let unknownHardware = inputError { _ = try table.accelerators(hardware: "H9", dataflows: "WS", models: ["A"]) }
        #expect(unknownHardware?.kind == .usage)
        #expect(unknownHardware?.problem.contains("no hardware `H9`") == true)
        #expect(unknownHardware?.fix.contains("H1 OS; H1 WS; H2 RS_RS") == true)
        let unknownDataflows = inputError { _ = try table.accelerators(hardware: "H1", dataflows: "RS", models: ["A"]) }
        #expect(unknownDataflows?.problem.contains("it has OS, WS") == true)
    }

    @Test func missingModelIsNamed() throws {
        let table = try XRBenchCostTable.parse("\(Self.header)\nH,WS_OS,0,WS,A,100,0.0001,1\nH,WS_OS,1,OS,A,100,0.0001,1\nH,WS_OS,0,WS,B,100,0.0001,1\n", file: "t.csv")
        let e = inputError { _ = try table.accelerators(hardware: "H", dataflows: "WS_OS", models: ["A", "B", "C"]) }
        #expect(e?.kind == .data)
        #expect(e?.problem == "has no cost for B (accelerator 1); C (accelerator 0, 1)")
    }
}

@Suite struct ScenarioTests {
    @Test func fromMaestroFile() throws {
        let text = """
            Network Up { FPS: 60 Layer l { Type: CONV Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 } } }
            Network Down { FPS: 45 Probability: 0.2 Dependency: { Up } Layer l { Type: CONV Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 } } }
            """
        let s = try XRBenchScenario(MaestroFile.parse(text, file: "dir/My_scenario.m"))
        #expect(s.name == "My_scenario")
        #expect(s.models.map(\.name) == ["Up", "Down"])
        #expect(s.models.map(\.periodMs) == [16, 22])
        #expect(s.models.map { $0.frames(durationMs: 700) } == [43, 31])
        #expect(s.models[1].dependencies == ["Up"])
        #expect(s.models[1].probability == Float(0.2))
        #expect(s.models[0].probability == 1)
        #expect(s.modelNamesInByteOrder == ["Down", "Up"])
    }

    @Test func sharedScenarios() throws {
        guard XRBenchFiles.available() else { return }
        let vr = try XRBenchScenario(MaestroFile.parse(ShippedFiles.readText(XRBenchFiles.scenario("VR_gaming"), what: "scenario"),
                                                       file: XRBenchFiles.scenario("VR_gaming")))
        #expect(vr.models.map(\.fps) == [60, 60, 45])
        #expect(vr.models[1].dependencies == ["ES_RITNet"])
        let oa = try XRBenchScenario(MaestroFile.parse(ShippedFiles.readText(XRBenchFiles.scenario("outdoor_activity_A"), what: "scenario"),
                                                       file: XRBenchFiles.scenario("outdoor_activity_A")))
        #expect(oa.models.map(\.periodMs) == [333, 333, 100, 33])
        #expect(oa.models[1].probability == Float(0.2))
    }

    @Test func rejectsWhatTheRuntimeCannotRun() throws {
        let layer = "Layer l { Type: CONV Dimensions: { K: 1, C: 1, Y: 1, X: 1, R: 1, S: 1 } }"
        let noFPS = inputError { _ = try XRBenchScenario(MaestroFile.parse("Network A { \(layer) }", file: "s.m")) }
        #expect(noFPS?.field == "line 1 (Network A)")
        #expect(noFPS?.problem == "has no FPS")
        let unknownDep = inputError { _ = try XRBenchScenario(MaestroFile.parse("Network A { FPS: 3 Dependency: { Z } \(layer) }", file: "s.m")) }
        #expect(unknownDep?.problem.contains("`Z`") == true)
        let fps = inputError { _ = try XRBenchScenario(MaestroFile.parse("Network A { FPS: 2000 \(layer) }", file: "s.m")) }
        #expect(fps?.field == "Network A: FPS")
        let prob = inputError { _ = try XRBenchScenario(MaestroFile.parse("Network A { FPS: 3 Probability: 1.5 \(layer) }", file: "s.m")) }
        #expect(prob?.field == "Network A: Probability")
        let selfDep = inputError { _ = try XRBenchScenario(name: "s", models: [.init(name: "A", fps: 3, dependencies: ["A"])]) }
        #expect(selfDep?.problem == "names the model itself")
    }
}

@Suite struct GlibcRandomTests {
    /// First outputs of glibc's `srand(seed); rand()` (checked against libc.so.6).
    @Test func matchesGlibc() {
        let expected: [(UInt32, [Int32])] = [
            (1, [1804289383, 846930886, 1681692777, 1714636915, 1957747793]),
            (0, [1804289383, 846930886, 1681692777, 1714636915, 1957747793]),
            (12345, [383100999, 858300821, 357768173, 455528251, 133005921]),
            (1700000000, [280491303, 626398474, 65378190, 821524244, 1465218044]),
            (4294967295, [254925627, 1205188300, 366127624, 1401405153, 76053476]),
        ]
        for (seed, values) in expected {
            var r = GlibcRandom(seed: seed)
            #expect((0..<5).map { _ in r.next() } == values, "seed \(seed)")
        }
        var r = GlibcRandom(seed: 1)
        #expect(r.nextUnitFloat() == Float(1804289383) / Float(2147483647))
    }
}

@Suite struct SimulatorTests {
    func run(_ models: [XRBenchScenario.Model], _ accs: [XRBenchAccelerator], durationMs: Int = 700, seed: UInt32 = 1) throws -> XRBenchTrace {
        try XRBenchSimulator(scenario: XRBenchScenario(name: "t", models: models), accelerators: accs, durationMs: durationMs, seed: seed).run()
    }

    /// One model at 100 FPS (period and tick 10 ms), 4 ms per inference, 50 ms: 5 frames; the
    /// run stops at the event that injects the last one (40 ms), whose job is discarded.
    @Test func endsAtTheLastInjection() throws {
        let t = try run([.init(name: "A", fps: 100)], [accelerator(0, ["A": (4_000_000, 30)])], durationMs: 50)
        #expect(t.log.map(\.frame) == [0, 1, 2, 3])
        #expect(t.log.map(\.completionMs) == [4, 14, 24, 34])
        #expect(t.log.map(\.deadlineMs) == [10, 20, 30, 40])
        #expect(t.endMs == 40)
        #expect(t.discardedRunning == ["A": 1])
        // Events: ticks 0, 10, 20, 30, 40 and completions 4, 14, 24, 34.
        #expect(t.events == 9)
        let score = XRBenchScore(trace: t)
        let rt = XRBenchScore.realTimeScore(completionMs: 4, deadlineMs: 10)
        #expect(score.models[0].score == (0..<4).reduce(Float(0)) { s, _ in s + rt * XRBenchScore.energyScore(30) } / 4)
        #expect(score.overall == score.models[0].score * 100)
    }

    /// 25 ms jobs every 10 ms: frame 1 (deadline 20) is still queued at 20 (not dropped: the
    /// deadline must be passed strictly), dropped at the 25 ms completion event, and frame 2 starts then.
    @Test func dropsStrictlyLateRequests() throws {
        let t = try run([.init(name: "A", fps: 100)], [accelerator(0, ["A": (25_000_000, 0)])], durationMs: 60)
        let dropped = t.log.filter(\.dropped)
        #expect(dropped.first?.frame == 1)
        #expect(dropped.first?.completionMs == 25)
        #expect(dropped.first?.energy == 0)
        #expect(t.log.first { !$0.dropped && $0.frame == 2 }?.dispatchMs == 25)
        #expect(t.log.prefix(2).map(\.frame) == [0, 1])   // the retire is logged before the drop
        let score = XRBenchScore(trace: t)
        #expect(score.models[0].qoe == 1 - Float(score.models[0].dropped) / Float(score.models[0].logged))
    }

    /// A job ending within 0.01 ms after an event is retired at it, logged with its true completion,
    /// and its accelerator is reused at once.
    @Test func retiresWithinTheMargin() throws {
        let t = try run([.init(name: "A", fps: 100)], [accelerator(0, ["A": (10_005_000, 0)])], durationMs: 30)
        #expect(t.log.count == 2)
        #expect(t.log[0].completionMs == Float(10_005_000) / 1_000_000)
        #expect(t.log[1].dispatchMs == 10)   // before the previous job's logged completion
        // 0.02 ms late is outside the margin: the job is retired at its own completion event.
        let slower = try run([.init(name: "A", fps: 100)], [accelerator(0, ["A": (10_020_000, 0)])], durationMs: 40)
        #expect(slower.log.map(\.frame) == [0, 1])
        #expect(slower.log.last?.dispatchMs == Float(10_020_000) / 1_000_000)
    }

    /// Lowest latency first, lowest index on a tie; models dispatched in byte-wise name order.
    @Test func acceleratorAndModelOrder() throws {
        let accs = [accelerator(0, ["a": (3_000_000, 0), "B": (1_000_000, 0)]),
                    accelerator(1, ["a": (2_000_000, 0), "B": (1_000_000, 0)]),
                    accelerator(2, ["a": (2_000_000, 0), "B": (1_000_000, 0)])]
        let t = try run([.init(name: "a", fps: 50), .init(name: "B", fps: 50)], accs, durationMs: 40)
        let first = t.log.filter { $0.frame == 0 }
        // "B" < "a" in ASCII: B takes accelerator 0 (a tie at 1 ms), then a takes 1 (2 ms, below 2's tie).
        #expect(first.first { $0.model == "B" }?.accelerator == 0)
        #expect(first.first { $0.model == "a" }?.accelerator == 1)
    }

    /// A cascaded model's frame k starts only when its upstream has completed k + 1 inferences,
    /// and one model may start several frames at one event.
    @Test func cascadeWaitsForUpstream() throws {
        let accs = [accelerator(0, ["Up": (5_000_000, 0), "Down": (1_000_000, 0)]),
                    accelerator(1, ["Up": (5_000_000, 0), "Down": (1_000_000, 0)])]
        let t = try run([.init(name: "Up", fps: 100), .init(name: "Down", fps: 100, dependencies: ["Up"])], accs, durationMs: 50)
        for down in t.log where down.model == "Down" {
            let up = try #require(t.log.first { $0.model == "Up" && $0.frame == down.frame })
            #expect(down.dispatchMs == up.completionMs)
        }
        #expect(t.log.filter { $0.model == "Down" }.count == 4)
    }

    /// P = 0: every dependent frame id is used up by a failed draw; the model logs nothing and
    /// is left out of the mean.
    @Test func probabilityZeroLeavesTheModelOut() throws {
        let accs = [accelerator(0, ["Up": (1_000_000, 0), "Down": (1_000_000, 0)])]
        let t = try run([.init(name: "Up", fps: 100), .init(name: "Down", fps: 100, dependencies: ["Up"], probability: 0)], accs, durationMs: 50)
        #expect(t.notCreated == ["Down": 5])
        #expect(!t.log.contains { $0.model == "Down" })
        let score = XRBenchScore(trace: t)
        #expect(score.models.map(\.model) == ["Up"])
        #expect(score.overall == score.models[0].score * 100)
    }

    @Test func rejectsMissingCostsAndBadDuration() throws {
        let s = try XRBenchScenario(name: "t", models: [.init(name: "A", fps: 10), .init(name: "B", fps: 10)])
        let missing = inputError { _ = try XRBenchSimulator(scenario: s, accelerators: [accelerator(0, ["A": (1, 0)])]) }
        #expect(missing?.field == "Network B")
        let duration = inputError { _ = try XRBenchSimulator(scenario: s, accelerators: [accelerator(0, ["A": (1, 0), "B": (1, 0)])], durationMs: 0) }
        #expect(duration?.kind == .usage)
    }

    @Test func scoreFormulas() {
        #expect(XRBenchScore.realTimeScore(completionMs: 10, deadlineMs: 10) == 0.5)
        #expect(XRBenchScore.realTimeScore(completionMs: 0, deadlineMs: 10) == 1)
        #expect(XRBenchScore.energyScore(0) == 1)
        #expect(XRBenchScore.energyScore(1500) == 0)
        #expect(XRBenchScore.energyScore(300) == 0.8)
    }
}

/// Scenarios with Probability < 1: seeded, and statistically sound.
@Suite struct CascadeProbabilityTests {
    @Test func seededRunsRepeatAndSeedsDiffer() throws {
        guard XRBenchFiles.available() else { return }
        let costs = try XRBenchFiles.costs()
        let path = XRBenchFiles.scenario("outdoor_activity_A")
        let scenario = try XRBenchScenario(MaestroFile.parse(ShippedFiles.readText(path, what: "scenario"), file: path))
        let a = try XRBenchReproduction(scenario: scenario, costs: costs, hardware: "Single_4K", dataflows: "WS", seed: 7)
        let b = try XRBenchReproduction(scenario: scenario, costs: costs, hardware: "Single_4K", dataflows: "WS", seed: 7)
        #expect(a.overallScore == b.overallScore)
        #expect(a.seedDependent)

        // 200 seeds: ASR's 2 frames per run are each created with P = 0.2.
        var created = 0, total = 0
        var scores: Set<Float> = []
        for seed in UInt32(1)...200 {
            let r = try XRBenchReproduction(scenario: scenario, costs: costs, hardware: "Single_4K", dataflows: "WS", seed: seed)
            let asr = try #require(r.models.first { $0.model == "ASR_EM_24L" })
            total += asr.frames
            created += asr.frames - asr.notCreated
            scores.insert(r.overallScore)
        }
        let rate = Double(created) / Double(total)
        #expect(rate > 0.12 && rate < 0.28, "ASR created \(created) of \(total)")
        #expect(scores.count > 1)
    }

    /// A deterministic scenario does not depend on the seed.
    @Test func deterministicScenarioIgnoresSeed() throws {
        guard XRBenchFiles.available() else { return }
        let costs = try XRBenchFiles.costs()
        let path = XRBenchFiles.scenario("VR_gaming")
        let scenario = try XRBenchScenario(MaestroFile.parse(ShippedFiles.readText(path, what: "scenario"), file: path))
        let scores = try [1, 2, 99, 123456].map {
            try XRBenchReproduction(scenario: scenario, costs: costs, hardware: "Dual_8K", dataflows: "WS_WS", seed: UInt32($0)).overallScore
        }
        #expect(Set(scores).count == 1)
        #expect(!(try XRBenchReproduction(scenario: scenario, costs: costs, hardware: "Dual_8K", dataflows: "WS_WS")).seedDependent)
    }
}
