import Testing
import DreamCore
import DreamEngine
import DreamSchedulers

/// DREAM's overload shedding (issue 16): shed or run late.
@Suite struct SheddingTests {
    /// One accelerator at offered load 0.8: A (4 ms every 10 ms) and B (16 ms every 40 ms). By
    /// each of B's deadlines the work due is 32 ms of the 40 available: it fits, but not within
    /// 0.75 of the time. Below capacity the fraction is its upper end (1.0): nothing is shed and
    /// every frame meets its deadline. With the lower end at every load (shedLoadLow ==
    /// shedLoadHigh, the earlier rule) B's frames are shed although they could all have run.
    @Test func belowCapacityOnlyWhatCannotFitIsShed() {
        let accs = accelerators([1])
        var f = FrameList()
        f.periodic(stream: 0, period: 10 * ms, from: 0, to: 400 * ms)
        f.periodic(stream: 1, period: 40 * ms, from: 0, to: 400 * ms)
        let w = workload([stream("A", period: 10 * ms, layers(2, 2 * ms)), stream("B", period: 40 * ms, layers(8, 2 * ms))], f)
        let adaptive = dream(.all)
        let s = summary(simulate(w, accs, adaptive), accs)
        #expect(adaptive.shedRequested == 0)
        #expect(s.dropped == 0 && s.missed == 0 && s.met == s.framesGenerated)
        let fixed = dream(.all) { $0.shedLoadLow = 0; $0.shedLoadHigh = 0 }
        let t = summary(simulate(w, accs, fixed), accs)
        #expect(fixed.shedRequested > 0 && t.dropped > 0)
    }

    /// Nothing is shed before the first load window closes (the start-up burst, every stream
    /// releasing at once, is not an overload); with `shedAfterFirstWindow` off it may be.
    @Test func noSheddingInTheFirstWindow() {
        let accs = accelerators([1])
        var f = FrameList()
        f.periodic(stream: 0, period: 10 * ms, from: 0, to: 60 * ms)
        f.periodic(stream: 1, period: 40 * ms, from: 0, to: 60 * ms)
        let w = workload([stream("A", period: 10 * ms, layers(2, 2 * ms)), stream("B", period: 40 * ms, layers(8, 2 * ms))], f)
        let warm = dream(.all) { $0.shedLoadLow = 0; $0.shedLoadHigh = 0 }
        _ = simulate(w, accs, warm)
        #expect(warm.shedRequested == 0)
        let eager = dream(.all) { $0.shedLoadLow = 0; $0.shedLoadHigh = 0; $0.shedAfterFirstWindow = false }
        _ = simulate(w, accs, eager)
        #expect(eager.shedRequested > 0)
    }

    /// Below `runLateBelowLoad` a frame that cannot meet its deadline completes late instead of
    /// being dropped, after the frames that can still make it: B (8 ms of work, due 5 ms after
    /// release) never can; A always can. Load 0.4 on one accelerator. Before the first load
    /// window closes (no load measured yet) B's frames are dropped; after it they run late, and
    /// A meets every deadline either way. With the option at 0, every B frame is dropped.
    @Test func belowTheLoadLimitHopelessFramesRunLate() {
        let accs = accelerators([1])
        var f = FrameList()
        f.periodic(stream: 0, period: 20 * ms, from: 0, to: 800 * ms)
        f.periodic(stream: 1, period: 40 * ms, from: 0, to: 800 * ms, deadline: 5 * ms)
        let w = workload([stream("A", period: 20 * ms, layers(2, 2 * ms)), stream("B", period: 40 * ms, layers(4, 2 * ms))], f)
        let late = summary(simulate(w, accs, dream(.all)), accs)
        #expect(late.streams[0].met == late.streams[0].framesGenerated)
        #expect(late.streams[1].met == 0)
        #expect(late.streams[1].missed >= late.streams[1].framesGenerated / 2, "runs late once the load is known")
        let drop = summary(simulate(w, accs, dream(.all) { $0.runLateBelowLoad = 0 }), accs)
        #expect(drop.streams[0].met == drop.streams[0].framesGenerated)
        #expect(drop.streams[1].dropped == drop.streams[1].framesGenerated && drop.streams[1].missed == 0)
    }
}
