import Testing
import DreamCore
import DreamEngine
import DreamSchedulers

@Suite struct DreamTests {
    /// One accelerator, two 3 ms frames released together: the older one has 100 ms of slack,
    /// the younger only 5 ms. FCFS runs the older first and the urgent one misses; DREAM's
    /// urgency runs the urgent one first and both meet.
    @Test func urgentFrameWins() {
        let streams = [stream("relaxed", period: 100 * ms, [layer(3 * ms)]), stream("urgent", period: 100 * ms, [layer(3 * ms)])]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 100 * ms)
        f.add(stream: 1, at: 0, deadline: 5 * ms)
        let w = workload(streams, f)
        let accs = accelerators([1])
        let d = simulate(w, accs, dream([]))
        #expect(d.blocks.first?.stream == 1)
        #expect(d.frames.map(\.outcome) == [.met, .met])
        let fcfs = simulate(w, accs, FCFSScheduler())
        #expect(fcfs.frames.map(\.outcome) == [.met, .missed])
    }

    /// Two free accelerators, a0 twice as fast as a1. Frame B (4 x 1 ms, due at 4.5 ms) can only
    /// make it on a0. Frame A (10 x 1 ms, due at 13.5 ms) cannot finish on a1 alone (20 ms), and
    /// waiting for a0 (free at 4 ms) would end at 14 ms. Layer blocks let A start on a1 and move to
    /// a0 once B is done: the feasibility test counts the layers after the block at best speed.
    @Test func blockOnSlowerAcceleratorThenMoves() {
        let streams = [stream("A", period: 100 * ms, layers(10, ms)), stream("B", period: 100 * ms, layers(4, ms))]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 13 * ms + ms / 2)
        f.add(stream: 1, at: 0, deadline: 4 * ms + ms / 2)
        let core = simulate(workload(streams, f), accelerators([1, 1]), dream([]), costs: CraftedCosts(factors: [1, 2]))
        let a = core.blocks.filter { $0.frame == 0 }
        #expect(a.first?.accelerator == 1 && a.first?.startNs == 0, "A starts at once on the slower accelerator")
        #expect(a.last?.accelerator == 0, "and finishes on the faster one")
        #expect(core.frames.map(\.outcome) == [.met, .met])
    }

    /// One accelerator: a long frame L (20 x 1 ms, due at 22 ms: it needs 91% of its slack) and
    /// a short frame S (2 ms, due at 5 ms, 40% of its slack) released together. The ratio urgency
    /// alone ranks L first and lets it eat S's laxity block by block; the deadline term (S is
    /// due within the shortest period) runs S first, and both meet.
    @Test func frameDueSoonerBeatsLongFrameWithLittleRelativeSlack() {
        let streams = [stream("L", period: 100 * ms, layers(20, ms)), stream("S", period: 5 * ms, layers(2, ms))]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 22 * ms)
        f.add(stream: 1, at: 0, deadline: 5 * ms)
        let core = simulate(workload(streams, f), accelerators([1]), dream([]))
        #expect(core.blocks.first?.stream == 1)
        #expect(core.frames.map(\.outcome) == [.met, .met])
    }

    /// A saturating stream of urgent 1 ms frames and one long, relaxed frame on one accelerator.
    /// Urgency alone leaves the relaxed frame waiting until its own deadline draws near; the
    /// fairness term (time since it last ran against its next layer) makes it run early.
    @Test func starvingJobEventuallyRuns() {
        let streams = [stream("busy", period: 1 * ms, [layer(1 * ms)]), stream("patient", period: 400 * ms, layers(10, ms / 2))]
        var f = FrameList()
        f.periodic(stream: 0, period: 1 * ms, from: 0, to: 300 * ms, deadline: 2 * ms)
        f.add(stream: 1, at: 0, deadline: 400 * ms)
        let w = workload(streams, f)
        let accs = accelerators([1])
        func firstStart(fairness: Double) -> Int64 {
            let core = simulate(w, accs, dream([]) { $0.weights.fairness = fairness })
            let patient = core.frames.first { $0.stream == 1 }!
            #expect(patient.outcome == .met, "the patient frame completes (fairness \(fairness))")
            return patient.startNs
        }
        let withFairness = firstStart(fairness: 1)
        let without = firstStart(fairness: 0)
        #expect(withFairness >= 0 && withFairness < 20 * ms, "starts within 20 ms: \(withFairness)")
        #expect(without > 100 * ms, "urgency alone postpones it: \(without)")
    }

    /// Two free accelerators: a0 runs layers in 1 ms at 4 W, a1 in 2 ms at 1 W (half the energy).
    /// A frame with ample slack goes to a1 (energy); one whose deadline a1 cannot meet goes to
    /// a0 (latency).
    @Test func energyPreferredAcceleratorWhenSlackAllows() {
        let streams = [stream("S", period: 100 * ms, layers(4, ms))]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 40 * ms)
        f.add(stream: 0, at: 50 * ms, deadline: 6 * ms)
        let w = workload(streams, f)
        let accs = accelerators([4, 1])
        let core = simulate(w, accs, dream([]), costs: CraftedCosts(factors: [1, 2]))
        let ample = core.blocks.filter { $0.frame == 0 }
        let tight = core.blocks.filter { $0.frame == 1 }
        #expect(!ample.isEmpty && ample.allSatisfy { $0.accelerator == 1 }, "ample slack: the 1 W accelerator")
        #expect(!tight.isEmpty && tight.allSatisfy { $0.accelerator == 0 }, "tight slack: the fast accelerator")
        #expect(core.frames.map(\.outcome) == [.met, .met])
    }

    /// The energy preference gives way to urgency as slack shrinks: with the deadline between
    /// the two accelerators' times the frame is feasible on both, but the gate moves it to the
    /// fast one once the slow one would use nearly all the slack.
    @Test func preferenceGateFollowsSlack() {
        let streams = [stream("S", period: 100 * ms, layers(4, ms))]
        func accelerator(deadline: Int64) -> Int32? {
            var f = FrameList()
            f.add(stream: 0, at: 0, deadline: deadline)
            let core = simulate(workload(streams, f), accelerators([4, 1]), dream([]), costs: CraftedCosts(factors: [1, 2]))
            return core.blocks.first?.accelerator
        }
        #expect(accelerator(deadline: 20 * ms) == 1)
        #expect(accelerator(deadline: 8 * ms + ms / 10) == 0)
    }

    /// A frame that cannot meet its deadline even alone on the fastest accelerator is dropped at
    /// once with its cascade dependent, and costs no energy; without the drop it runs and misses.
    @Test func hopelessFrameDroppedWithDependents() {
        let streams = [stream("up", period: 20 * ms, [layer(10 * ms)]), stream("down", period: 20 * ms, [layer(1 * ms)], upstream: 0)]
        var f = FrameList()
        let up = f.add(stream: 0, at: 0, deadline: 5 * ms)
        f.add(stream: 1, at: 0, deadline: 20 * ms, upstream: up)
        let up2 = f.add(stream: 0, at: 20 * ms, deadline: 20 * ms)
        f.add(stream: 1, at: 20 * ms, deadline: 20 * ms, upstream: up2)
        let w = workload(streams, f)
        let accs = accelerators([1, 1])
        let core = simulate(w, accs, dream([.drop]))
        #expect(core.frames[0].outcome == .dropped && core.frames[0].dropReason == .scheduler)
        #expect(core.frames[1].outcome == .dropped && core.frames[1].dropReason == .upstreamDropped)
        #expect(core.frames[2].outcome == .met && core.frames[3].outcome == .met)
        #expect(!core.blocks.contains { $0.frame == 0 }, "no energy spent on the hopeless frame")
        let keep = simulate(w, accs, dream([]))
        #expect(keep.frames[0].outcome == .missed)
    }

    /// A frame that started in time is dropped at a block boundary once the rest cannot finish
    /// in time because a more urgent frame took the accelerator (1 ms blocks here).
    @Test func startedFrameDroppedAtBlockBoundaryWhenHopeless() {
        let streams = [stream("long", period: 100 * ms, layers(6, ms)), stream("short", period: 100 * ms, [layer(3 * ms)])]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 7 * ms)
        f.add(stream: 1, at: ms / 2, deadline: 3 * ms + ms / 2 + ms / 4)
        let w = workload(streams, f)
        let core = simulate(w, accelerators([1]), dream([.drop]) { $0.minBlockNs = Double(ms / 2); $0.blockLaxityFraction = 0.01 })
        #expect(core.frames[1].outcome == .met)
        #expect(core.frames[0].outcome == .dropped && core.frames[0].dropReason == .scheduler)
        #expect(core.blocks.filter { $0.frame == 0 }.count >= 1, "it had started")
    }

    /// Supernet: a 2 ms large variant and a 0.5 ms small one on one accelerator. At a frame every
    /// 1.5 ms (load 1.33 with the large variant) DREAM steps to the small variant; when the rate
    /// falls to one every 10 ms (load 0.2) it steps back to the large one.
    @Test func variantSwitchUnderOverloadAndBack() {
        let big = VariantDescription(name: "big", accuracy: 0.9, layers: [layer(2 * ms)])
        let small = VariantDescription(name: "small", accuracy: 0.7, layers: [layer(ms / 2)])
        let s = StreamDescription(name: "S", periodNs: 2 * ms, variants: [big, small])
        var f = FrameList()
        f.periodic(stream: 0, period: 3 * ms / 2, from: 0, to: 400 * ms)
        f.periodic(stream: 0, period: 10 * ms, from: 400 * ms, to: 1000 * ms)
        let w = workload([s], f)
        let accs = accelerators([1])
        let scheduler = dream([.supernet])
        let core = simulate(w, accs, scheduler)
        let overload = core.frames.filter { $0.scheduledReleaseNs >= 200 * ms && $0.scheduledReleaseNs < 400 * ms }
        let calm = core.frames.filter { $0.scheduledReleaseNs >= 700 * ms }
        #expect(overload.filter { $0.variant == 1 }.count * 10 >= overload.count * 9, "overload: the small variant")
        #expect(calm.allSatisfy { $0.variant == 0 }, "calm again: back to the large variant")
        let sum = summary(core, accs)
        #expect(sum.streams[0].meanAccuracy! > 0.7 && sum.streams[0].meanAccuracy! < 0.9)
        // Compared with staying on the large variant, far fewer frames are lost.
        let fixed = summary(simulate(w, accs, dream([])), accs)
        #expect(sum.violationRate < fixed.violationRate)
    }

    /// Layer blocks: alone, a frame runs as one block; with other frames waiting, its blocks end
    /// in time for the most pressed waiting frame to start (preemption points).
    @Test func blockSizeAdaptsToWaitingSlack() {
        let streams = [stream("long", period: 100 * ms, layers(20, ms)), stream("short", period: 100 * ms, [layer(ms)])]
        var alone = FrameList()
        alone.add(stream: 0, at: 0, deadline: 100 * ms)
        let a = simulate(workload(streams, alone), accelerators([1]), dream([]))
        #expect(a.blocks.count == 1)
        var busy = FrameList()
        busy.add(stream: 0, at: 0, deadline: 100 * ms)
        busy.add(stream: 1, at: 0, deadline: 6 * ms)
        let b = simulate(workload(streams, busy), accelerators([1]), dream([]))
        #expect(b.frames.map(\.outcome) == [.met, .met])
        #expect(b.blocks.count > 2, "the long frame was split: \(b.blocks.map { ($0.frame, $0.endLayer - $0.firstLayer) })")
    }

    /// Affinity: a frame whose layers alternate between being fast on a0 and on a1 hops between
    /// the accelerators in blocks cut where the affinity changes.
    @Test func blocksFollowLayerAffinity() {
        let l = [layer([1 * ms, 3 * ms]), layer([1 * ms, 3 * ms]), layer([3 * ms, 1 * ms]), layer([3 * ms, 1 * ms])]
        var f = FrameList()
        f.add(stream: 0, at: 0, deadline: 6 * ms)
        let core = simulate(workload([stream("S", period: 100 * ms, l)], f), accelerators([1, 1]), dream([]))
        #expect(core.blocks.map(\.accelerator) == [0, 1])
        #expect(core.frames[0].completionNs == 4 * ms)
    }
}
