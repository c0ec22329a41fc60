import Testing
import DreamCore
import DreamEngine
import DreamSchedulers

@Suite struct DropRuleTests {
    /// Two 10 ms frames released together on one accelerator with 15 ms deadlines: one must
    /// finish late. EDF runs both (one misses); edf+drop drops the second once it cannot make
    /// it, spending no energy on it; the frame that could make it is never dropped.
    @Test func plusDropDropsOnlyHopelessFrames() throws {
        let accs = accelerators([1])
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 15 * ms)
        f.add(stream: 1, at: 0, deadline: 15 * ms)
        let w = workload([stream("A", period: 100 * ms, layers(2, 5 * ms)), stream("B", period: 100 * ms, layers(2, 5 * ms))], f)
        let plain = summary(simulate(w, accs, try SchedulerCatalog.make(name: "edf")), accs)
        #expect(plain.met == 1 && plain.missed == 1 && plain.dropped == 0)
        let policy = try SchedulerCatalog.make(name: "edf+drop")
        #expect(policy.name == "edf+drop" && policy.dropsHopelessFrames)
        let core = simulate(w, accs, policy)
        let dropping = summary(core, accs)
        #expect(dropping.met == 1 && dropping.missed == 0 && dropping.dropped == 1)
        #expect(core.frames.first { $0.outcome == .dropped }?.dropReason == .scheduler)
        #expect(dropping.energyJ < plain.energyJ)
        // Its V equals EDF's, but it met as many frames for less energy: UXCost-met is lower.
        #expect(dropping.violationRate == plain.violationRate)
        #expect(dropping.uxcostMet! < plain.uxcostMet!)
    }

    /// Every baseline takes the drop through the one engine mechanism; unknown `x+drop` names fail.
    @Test func everyBaselineHasADropVariant() throws {
        for b in SchedulerCatalog.baselines {
            let p = try SchedulerCatalog.make(name: b + "+drop")
            #expect(p is HopelessDrop && p.name == b + "+drop")
        }
        #expect(SchedulerCatalog.names.contains("drop-all") && SchedulerCatalog.names.contains("prema+drop"))
        do {
            _ = try SchedulerCatalog.make(name: "sjf+drop")
            Issue.record("an unknown +drop name must throw")
        } catch let e as DreamInputError {
            #expect(e.kind == .usage && e.fix.contains("edf+drop"))
        }
    }

    /// drop-all runs nothing: V = 1, idle energy only, and UXCost-met is infinite (nil), so it
    /// can never have the lowest UXCost-met.
    @Test func dropAllIsTheSanityPolicy() throws {
        let accs = accelerators([1, 1])
        var f = FrameList()
        f.periodic(stream: 0, period: 10 * ms, from: 0, to: 100 * ms)
        let w = workload([stream("A", period: 10 * ms, layers(2, 2 * ms))], f)
        let s = summary(simulate(w, accs, try SchedulerCatalog.make(name: "drop-all")), accs)
        #expect(s.violationRate == 1 && s.dropped == s.framesGenerated && s.framesGenerated == 10)
        #expect(s.uxcostMet == nil && s.energyPerMetFrameJ == nil)
        let edf = summary(simulate(w, accs, try SchedulerCatalog.make(name: "edf")), accs)
        #expect(edf.uxcostMet != nil)
    }

    /// The reduction pairs seeds: DREAM at half the baseline's UXCost in every seed is a 50%
    /// reduction with a zero-width interval; missing (infinite) values are counted, not used.
    @Test func reductionsPairSeeds() {
        func run(_ v: Double?) -> RunMetrics {
            var m = RunMetrics(RunSummary(frames: [], blocks: [], streams: [], accelerators: [], wallNs: 1, decisionNs: [], dispatchNs: [], energySource: "test"))
            m.values["uxcost"] = v
            return m
        }
        var d = ComparisonCell(scenario: "s", load: 1, scheduler: "dream", mode: "sim")
        var b = ComparisonCell(scenario: "s", load: 1, scheduler: "edf", mode: "sim")
        for (seed, x) in [(UInt64(1), 2.0), (2, 4.0), (3, 8.0)] {
            d.seeds.append(seed); d.runs.append(run(x / 2))
            b.seeds.append(seed); b.runs.append(run(x))
        }
        d.seeds.append(4); d.runs.append(run(nil))
        b.seeds.append(4); b.runs.append(run(1))
        let r = Reduction.of("dream", against: "edf", load: 1, metric: "uxcost", cells: [d, b])!
        #expect(abs(r.geomean - 0.5) < 1e-12)
        #expect(abs(r.ci95![0] - 0.5) < 1e-9 && abs(r.ci95![1] - 0.5) < 1e-9)
        #expect(r.pairs == 3 && r.skipped == 1)
        #expect(d.values("uxcost") == nil)   // one seed infinite: the cell's mean is infinite
    }
}
