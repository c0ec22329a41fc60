import Testing
import DreamCore
import DreamEngine
import DreamSchedulers

@Suite struct BaselineTests {
    @Test func catalogMakesEveryNameAndRejectsUnknown() throws {
        for name in SchedulerCatalog.names {
            let s = try SchedulerCatalog.make(name: name)
            #expect(s.name == name)
            #expect(SchedulerCatalog.summaries[name] != nil)
        }
        #expect(try SchedulerCatalog.make(name: "dream+supernet+tuning").name == "dream+tuning+supernet")
        // `dream` has no tuner: its leave-one-out without it is itself, the full set has a name.
        #expect(try SchedulerCatalog.make(name: "dream-no-tuning").name == "dream")
        #expect(try SchedulerCatalog.make(name: "dream+drop+supernet").name == "dream")
        #expect(try SchedulerCatalog.make(name: "dream+drop+tuning+supernet").name == "dream-with-tuning")
        #expect(try SchedulerCatalog.make(name: "dream-no-drop").name == "dream+supernet")
        #expect(try SchedulerCatalog.make(name: "dream-no-supernet").name == "dream+drop")
        do {
            _ = try SchedulerCatalog.make(name: "sjf")
            Issue.record("an unknown name must throw")
        } catch let e as DreamInputError {
            #expect(e.kind == .usage)
            #expect(e.file == "--scheduler")
            #expect(e.field == "sjf")
            #expect(e.fix.contains("latency-greedy") && e.fix.contains("dream-score-only"))
        }
        #expect(throws: DreamInputError.self) { try SchedulerCatalog.make(name: "dream+fast") }
    }

    /// FCFS: the oldest frame runs first, whole, even when a younger one is more urgent.
    @Test func fcfsRunsOldestWhole() {
        let streams = [stream("A", period: 100 * ms, layers(3, ms)), stream("B", period: 100 * ms, layers(2, ms))]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 50 * ms)
        f.add(stream: 1, at: 0, deadline: 3 * ms)
        let core = simulate(workload(streams, f), accelerators([1]), FCFSScheduler())
        #expect(core.blocks.map(\.frame) == [0, 1])
        #expect(core.blocks.map { $0.endLayer - $0.firstLayer } == [3, 2])
    }

    /// Round robin: streams take turns, one layer each.
    @Test func roundRobinAlternatesStreamsOneLayerAtATime() {
        let streams = [stream("A", period: 100 * ms, layers(3, ms)), stream("B", period: 100 * ms, layers(3, ms))]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 50 * ms)
        f.add(stream: 1, at: 0, deadline: 50 * ms)
        let core = simulate(workload(streams, f), accelerators([1]), RoundRobinScheduler())
        #expect(core.blocks.map(\.stream) == [0, 1, 0, 1, 0, 1])
        #expect(core.blocks.allSatisfy { $0.endLayer - $0.firstLayer == 1 })
    }

    /// EDF: a frame with an earlier deadline released while a later-deadline frame runs takes
    /// the accelerator at the next layer boundary.
    @Test func edfPreemptsAtLayerBoundary() {
        let streams = [stream("long", period: 100 * ms, layers(5, ms)), stream("short", period: 100 * ms, layers(1, ms))]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 50 * ms)
        f.add(stream: 1, at: ms / 2, deadline: 2 * ms)
        let core = simulate(workload(streams, f), accelerators([1]), EDFScheduler())
        #expect(core.blocks.map(\.stream) == [0, 1, 0, 0, 0, 0])
        #expect(core.frames.map(\.outcome) == [.met, .met])
    }

    /// XRBench's LatencyGreedy: models in byte-wise name order ("Zeta" < "alpha"), each oldest
    /// request as a whole model to the idle accelerator with the lowest latency for it.
    @Test func latencyGreedyFollowsXRBenchDispatchRule() {
        let streams = [stream("alpha", period: 100 * ms, layers(2, ms)), stream("Zeta", period: 100 * ms, layers(2, ms)),
                       stream("beta", period: 100 * ms, layers(2, ms))]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 50 * ms)
        f.add(stream: 1, at: 0, deadline: 50 * ms)
        f.add(stream: 2, at: 0, deadline: 50 * ms)
        // a1 is faster than a0: the first model in name order ("Zeta") gets a1, "alpha" gets a0.
        let core = simulate(workload(streams, f), accelerators([1, 1]), LatencyGreedyScheduler(), costs: CraftedCosts(factors: [2, 1]))
        let first = core.blocks.filter { $0.startNs == 0 }
        #expect(first.count == 2)
        #expect(first.first { $0.accelerator == 1 }?.stream == 1)
        #expect(first.first { $0.accelerator == 0 }?.stream == 0)
        #expect(core.blocks.allSatisfy { $0.endLayer - $0.firstLayer == 2 }, "whole models")
        // Repeated passes: one model may start several frames at one event.
        var g = FrameList()
        g.add(stream: 0, at: 0, deadline: 50 * ms)
        g.add(stream: 0, at: 0, deadline: 50 * ms)
        let two = simulate(workload([streams[0]], g), accelerators([1, 1]), LatencyGreedyScheduler())
        #expect(two.blocks.filter { $0.startNs == 0 }.count == 2)
    }

    /// Herald: each layer goes to the accelerator that is fastest for it; blocks end where the
    /// affinity changes. FCFS-like policies keep the whole model on one accelerator.
    @Test func heraldPlacesLayersByAffinity() {
        let l = [layer([1 * ms, 3 * ms]), layer([3 * ms, 1 * ms]), layer([3 * ms, 1 * ms]), layer([1 * ms, 3 * ms])]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 50 * ms)
        let core = simulate(workload([stream("S", period: 100 * ms, l)], f), accelerators([1, 1]), HeraldScheduler())
        #expect(core.blocks.map(\.accelerator) == [0, 1, 0])
        #expect(core.blocks.map { $0.endLayer - $0.firstLayer } == [1, 2, 1])
        #expect(core.frames[0].completionNs == 4 * ms)
    }

    /// PREMA: the high-priority (short-period) job runs first although the low-priority one is
    /// shorter; once the low-priority job's token (priority x normalized waiting) reaches the
    /// threshold it becomes a candidate and, being shortest, preempts at a layer boundary.
    @Test func premaTokensAndShortestCandidate() {
        let streams = [stream("high", period: 10 * ms, layers(5, ms)), stream("low", period: 100 * ms, layers(1, ms))]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 100 * ms)
        f.add(stream: 1, at: 0, deadline: 100 * ms)
        let core = simulate(workload(streams, f), accelerators([1]), PREMAScheduler())
        // low: priority 3, token 3 * (1 + wait / 1 ms) reaches 9 at 2 ms.
        #expect(core.blocks.map(\.stream) == [0, 0, 1, 0, 0, 0])
    }

    /// Planaria-like: the cheapest accelerator that meets the deadline, the fastest otherwise;
    /// whole model.
    @Test func planariaCheapestAcceleratorThatMeetsDeadline() {
        let streams = [stream("S", period: 100 * ms, layers(4, ms))]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 20 * ms)
        f.add(stream: 0, at: 50 * ms, deadline: 6 * ms)
        let core = simulate(workload(streams, f), accelerators([4, 1]), PlanariaScheduler(), costs: CraftedCosts(factors: [1, 2]))
        #expect(core.blocks.map(\.accelerator) == [1, 0])
        #expect(core.blocks.allSatisfy { $0.endLayer - $0.firstLayer == 4 })
    }

    /// Veltair-like: alone a frame runs as one block; with others waiting its blocks shrink to
    /// about remaining / (1 + waiting).
    @Test func veltairGranularityShrinksWithWaitingJobs() {
        let streams = [stream("A", period: 100 * ms, layers(12, ms)), stream("B", period: 100 * ms, layers(12, ms)),
                       stream("C", period: 100 * ms, layers(12, ms))]
        var alone = FrameList()
        alone.add(stream: 0, at: 0, deadline: 90 * ms)
        #expect(simulate(workload(streams, alone), accelerators([1]), VeltairScheduler()).blocks.count == 1)
        var crowd = FrameList()
        for s in 0..<3 { crowd.add(stream: s, at: 0, deadline: 90 * ms) }
        let core = simulate(workload(streams, crowd), accelerators([1]), VeltairScheduler())
        #expect(core.blocks.first.map { $0.endLayer - $0.firstLayer } == 4, "12 layers / (1 + 2 waiting)")
        #expect(Set(core.blocks.prefix(3).map(\.stream)).count == 3, "the accelerator is re-shared")
    }
}

@Suite struct ComponentAblationTests {
    /// Each component ablation is made by name, keeps its name, and has a summary.
    @Test func catalogMakesEveryComponentAblation() throws {
        for a in SchedulerCatalog.componentAblations {
            #expect(try SchedulerCatalog.make(name: a.name).name == a.name)
            #expect(SchedulerCatalog.summaries[a.name] == a.summary)
            #expect(!SchedulerCatalog.names.contains(a.name), "component ablations are not in `all`")
        }
    }

    /// Without layer blocks every dispatch runs the job's remaining layers: one block per frame
    /// that ran (a frame is never resumed), where dream splits frames into several blocks.
    @Test func noBlocksRunsEachFrameInOneBlock() throws {
        let w = heterogeneousScenario()
        let accs = accelerators([3, 2])
        let whole = simulate(w, accs, try SchedulerCatalog.make(name: "dream-no-blocks"))
        let ranFrames = Set(whole.blocks.map(\.frame))
        #expect(!ranFrames.isEmpty)
        #expect(whole.blocks.count == ranFrames.count)
        for b in whole.blocks { #expect(b.firstLayer == 0) }
        let blocks = simulate(w, accs, try SchedulerCatalog.make(name: "dream"))
        #expect(blocks.blocks.count > Set(blocks.blocks.map(\.frame)).count)
    }

    /// Below `longBlockLoadMax` (or `longBlockBusyMax`) dream runs frames whose slack is under
    /// twice their work in fewer, longer blocks than `dream-short-blocks`, meeting as many; with
    /// both thresholds under the load (0.4 offered and busy here) the two make the same
    /// dispatches, block for block.
    @Test func longBlocksOnlyBelowTheirLoad() throws {
        let accs = accelerators([3, 2])
        // Frames of 12 ms (A) and 4 ms (B) of 0.5 ms layers, due 20 ms after release.
        let streams = [stream("A", period: 20 * ms, layers(24, ms / 2)), stream("B", period: 20 * ms, layers(8, ms / 2))]
        var f = FrameList()
        for s in 0..<2 { f.periodic(stream: s, period: 20 * ms, from: Int64(s) * 5 * ms, to: 1000 * ms) }
        let w = workload(streams, f, duration: 1000 * ms)
        func blocks(_ core: ExecutionCore) -> [[Int64]] {
            core.blocks.map { [Int64($0.frame), Int64($0.accelerator), Int64($0.firstLayer), Int64($0.endLayer), $0.startNs] }
        }
        let long = simulate(w, accs, try SchedulerCatalog.make(name: "dream"))
        let short = simulate(w, accs, try SchedulerCatalog.make(name: "dream-short-blocks"))
        #expect(long.blocks.count < short.blocks.count / 2, "\(long.blocks.count) vs \(short.blocks.count) blocks")
        #expect(summary(long, accs).met == long.frames.count, "nothing lost at load 0.4")
        #expect(summary(short, accs).met == short.frames.count)
        #expect(blocks(simulate(w, accs, dream(.all) { $0.longBlockLoadMax = 0.35; $0.longBlockBusyMax = 0 })) == blocks(short))
        #expect(blocks(simulate(w, accs, dream(.all) { $0.longBlockLoadMax = 0.45; $0.longBlockBusyMax = 0 })) == blocks(long))
        // The measured busy share (0.4 here) turns them on alone, too.
        #expect(blocks(simulate(w, accs, dream(.all) { $0.longBlockLoadMax = 0; $0.longBlockBusyMax = 0.45 })) == blocks(long))
        #expect(blocks(simulate(w, accs, dream(.all) { $0.longBlockLoadMax = 0; $0.longBlockBusyMax = 0.35 })) == blocks(short))
    }
}

@Suite struct WaitForFasterAcceleratorTests {
    /// A fast, power-hungry accelerator and one three times slower at a sixth of the power. A
    /// 40 ms frame due in 100 ms runs on the fast one in 1 ms blocks; a 15 ms frame released
    /// mid-block, due 30 ms later, cannot finish on the slow one (45 ms) but could start there
    /// and move. With `waitForFasterAccelerator` it waits the rest of the block for the fast
    /// one (the frame running there is due later); without, it starts on the frugal slow one.
    @Test func aFrameThatMustMoveLaterWaitsForTheFasterAccelerator() throws {
        let accs = accelerators([3, 0.5])
        let costs = CraftedCosts(factors: [1, 3])
        let streams = [stream("long", period: 100 * ms, layers(40, ms)), stream("short", period: 100 * ms, layers(10, 3 * ms / 2))]
        var f = FrameList()
        for k in 0..<10 {
            f.add(stream: 0, at: Int64(k) * 100 * ms, deadline: 100 * ms)
            f.add(stream: 1, at: Int64(k) * 100 * ms + 41 * ms / 2, deadline: 30 * ms)
        }
        let w = workload(streams, f, duration: 1000 * ms)
        // Blocks of about a millisecond (as under load), so the fast accelerator frees often.
        func shortBlocks(_ c: inout DreamConfiguration) {
            c.longBlockLoadMax = 0; c.longBlockBusyMax = 0; c.blockUntilRelease = false; c.blockLaxityFraction = 0.02
        }
        let waits = simulate(w, accs, dream(.all) { shortBlocks(&$0) }, costs: costs)
        let starts = simulate(w, accs, dream(.all) { shortBlocks(&$0); $0.waitForFasterAccelerator = false }, costs: costs)
        // Where each short frame ran its first layer, and when it started.
        func firsts(_ core: ExecutionCore) -> [(accelerator: Int32, start: Int64)] {
            core.blocks.filter { $0.stream == 1 && $0.firstLayer == 0 }.map { ($0.accelerator, $0.startNs) }
        }
        #expect(firsts(waits).count == 10 && firsts(waits).allSatisfy { $0.accelerator == 0 })
        // It waited for the block to end: 0.5 ms.
        #expect(firsts(waits).allSatisfy { $0.start % (100 * ms) == 21 * ms })
        #expect(firsts(starts).count == 10 && firsts(starts).allSatisfy { $0.accelerator == 1 })
        #expect(waits.frames.allSatisfy { $0.outcome == .met })
    }
}

@Suite struct EstimateMarginTests {
    /// A fast accelerator at 3 W and one 1.25x slower at 0.5 W; a 10 ms frame (12.5 ms on the
    /// slow one) due 14 ms after release, every 20 ms; every layer really takes 1.3x its estimate.
    /// On paper the frugal slow accelerator makes the deadline (12.5 ms); in truth it takes
    /// 16.25 ms and the fast one 13. Once a load window has measured the blocks' spread
    /// (log 1.3 = 0.26), DREAM keeps that margin and runs the frames on the fast one, in time;
    /// without it (`dream-no-margin`) it keeps trusting the estimates and loses frames there
    /// until other rules move it (the tuner is off in both: it would learn from the losses too).
    @Test func aMarginForTheMeasuredSpreadKeepsFramesOffAnAcceleratorThatOnlyLooksFastEnough() {
        let accs = accelerators([3, 0.5])
        let costs = CraftedCosts(factors: [1, 1.25])
        let streams = [stream("s", period: 20 * ms, layers(10, ms))]
        var f = FrameList()
        for k in 0..<30 { f.add(stream: 0, at: Int64(k) * 20 * ms, deadline: 14 * ms) }
        let w = workload(streams, f, duration: 600 * ms)
        func run(_ scheduler: Scheduler) -> ExecutionCore {
            var sim = Simulator(workload: w, accelerators: accs, costs: costs)
            sim.latencyFactors = [[1.3, 1.3]]
            return sim.run(scheduler: scheduler, wallClock: { 0 })
        }
        let margin = run(dream([.drop, .supernet]))
        let trusting = run(dream([.drop, .supernet]) { $0.estimateMarginPerSpread = 0 })
        // Frames released after the first load window (100 ms) has closed.
        let late = { (core: ExecutionCore) in core.frames.filter { $0.releaseNs >= 120 * ms } }
        #expect(late(margin).count == 24 && late(margin).allSatisfy { $0.outcome == .met }, "\(late(margin).map(\.outcome))")
        #expect(late(trusting).filter { $0.outcome != .met }.count >= 2, "\(late(trusting).map(\.outcome))")
        #expect(margin.blocks.filter { $0.startNs >= 120 * ms }.allSatisfy { $0.accelerator == 0 })
        // Exact estimates: no spread, no margin, the same decisions.
        var exact = Simulator(workload: w, accelerators: accs, costs: costs)
        exact.configuration = ExecutionCore.Configuration()
        let same = exact.run(scheduler: dream([.drop, .supernet]), wallClock: { 0 }).blocks.map { [$0.accelerator, Int32($0.startNs / 1000), $0.endLayer] }
        #expect(same == exact.run(scheduler: dream([.drop, .supernet]) { $0.estimateMarginPerSpread = 0 }, wallClock: { 0 }).blocks.map { [$0.accelerator, Int32($0.startNs / 1000), $0.endLayer] })
    }
}

@Suite struct MeasuredLoadTests {
    /// Three streams of a 12 ms frame every 20 ms on two equal accelerators: offered load 0.9 by
    /// the estimates; every layer really takes 1.25x its estimate, so the true load is 1.125.
    /// DREAM counts the load at the speed its blocks run (`loadAtMeasuredSpeed`): once a load
    /// window has measured them it sees 1.125 and sheds a frame per release before running any
    /// of it (three frames cannot fit in 20 ms of two accelerators' time); counting at the
    /// estimates' speed (`dream-estimated-load`) it sees 0.9 and loses as many frames (a third),
    /// but some after spending energy on them (UXCost 0.00346 against 0.00392 when written).
    @Test func theOfferedLoadCountsTheSpeedTheBlocksRun() {
        let accs = accelerators([1, 1])
        let streams = (0..<3).map { stream("s\($0)", period: 20 * ms, layers(6, 2 * ms)) }
        var f = FrameList()
        for k in 0..<40 { for s in 0..<3 { f.add(stream: s, at: Int64(k) * 20 * ms, deadline: 20 * ms) } }
        let w = workload(streams, f, duration: 800 * ms)
        func run(_ scheduler: DreamScheduler, factor: Double) -> ExecutionCore {
            var sim = Simulator(workload: w, accelerators: accs, costs: CraftedCosts())
            if factor != 1 { sim.latencyFactors = Array(repeating: [factor, factor], count: 3) }
            return sim.run(scheduler: scheduler, wallClock: { 0 })
        }
        let measured = dream([.drop, .supernet]), estimated = dream([.drop, .supernet]) { $0.loadAtMeasuredSpeed = false }
        let m = run(measured, factor: 1.25), e = run(estimated, factor: 1.25)
        #expect(abs(measured.loadAtWindow - 1.125) < 0.01, "\(measured.loadAtWindow)")
        #expect(abs(estimated.loadAtWindow - 0.9) < 0.01, "\(estimated.loadAtWindow)")
        let mv = summary(m, accs), ev = summary(e, accs)
        #expect(mv.violationRate <= ev.violationRate && mv.uxcost < ev.uxcost, "measured \(mv.uxcost) V \(mv.violationRate) E \(mv.energyPerFrameJ), estimated \(ev.uxcost) V \(ev.violationRate) E \(ev.energyPerFrameJ)")
        // Exact estimates: the stretch is 1, the same decisions.
        let a = run(dream([.drop, .supernet]), factor: 1).blocks.map { [$0.accelerator, Int32($0.startNs / 1000), $0.endLayer] }
        let b = run(dream([.drop, .supernet]) { $0.loadAtMeasuredSpeed = false }, factor: 1).blocks.map { [$0.accelerator, Int32($0.startNs / 1000), $0.endLayer] }
        #expect(a == b)
    }
}
