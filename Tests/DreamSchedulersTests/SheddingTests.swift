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

    /// Up to `runLateLoadMax` a frame that cannot meet its deadline completes late instead of
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
        let drop = summary(simulate(w, accs, dream(.all) { $0.runLateLoadMax = 0 }), accs)
        #expect(drop.streams[0].met == drop.streams[0].framesGenerated)
        #expect(drop.streams[1].dropped == drop.streams[1].framesGenerated && drop.streams[1].missed == 0)
    }

    /// The victim is chosen by its own worth per unit of its own work: K (1 ms every 10 ms)
    /// triggers S (30 ms) on every fifth frame; C runs 6 ms every 10 ms; one accelerator, offered
    /// load 1.3. Counted with the expected work of its dependent (1 + 0.2 x 30 ms), a K frame
    /// looks cheap to shed, and K's frames go (and S's with them); counted alone it is the
    /// dearest, and S or C frames go instead: K loses fewer frames.
    @Test func theVictimIsChosenByItsOwnWorth() {
        let accs = accelerators([1])
        var f = FrameList()
        var t: Int64 = 0
        var k = 0
        while t < 2000 * ms {
            let r = f.add(stream: 0, at: t, deadline: 100 * ms)
            if k % 5 == 0 { f.add(stream: 1, at: t, deadline: 100 * ms, upstream: r) }
            f.add(stream: 2, at: t, deadline: 10 * ms)
            t += 10 * ms
            k += 1
        }
        let w = workload([stream("K", period: 10 * ms, [layer(1 * ms)]), stream("S", period: 10 * ms, (0..<10).map { _ in layer(3 * ms) }, upstream: 0),
                          stream("C", period: 10 * ms, [layer(6 * ms)])], f)
        let own = summary(simulate(w, accs, dream([.drop])), accs)
        let whole = summary(simulate(w, accs, dream([.drop]) { $0.shedByOwnWorth = false }), accs)
        #expect(own.streams[0].met > whole.streams[0].met)
        #expect(own.met > whole.met, "fewer frames lost in all: \(own.met) against \(whole.met)")
    }
}
