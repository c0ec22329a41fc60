import Testing
import DreamCore
import DreamEngine
import DreamSchedulers

/// DREAM's overload shedding (issue 16): shed or run late.
@Suite struct SheddingTests {
    /// One accelerator at offered load 0.8: A (4 ms every 10 ms) and B (16 ms every 40 ms). By
    /// each of B's deadlines the work due is 32 ms of the 40 available: it fits, but not within
    /// 0.75 of the time. Below capacity the fraction is its upper end (1.0): nothing is shed and
    /// every frame meets its deadline. With a lower end of 0.75 at every load (shedLoadLow ==
    /// shedLoadHigh, the first rule) B's frames are shed although they could all have run.
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
        let fixed = dream(.all) { $0.shedLoadLow = 0; $0.shedLoadHigh = 0; $0.shedCapacityFraction = 0.75 }
        let t = summary(simulate(w, accs, fixed), accs)
        #expect(fixed.shedRequested > 0 && t.dropped > 0)
    }

    /// Frames due at the same instant count as due together although whole-ns periods put
    /// their deadlines a few ns apart. One accelerator; A every 16 666 667 ns (60 Hz) with 6 ms of
    /// work, B every 33 333 333 ns (30 Hz) with 22 ms: by B's deadline A's second frame is due
    /// too (k + 1 ns later), and the three need 34 ms of 33.3. Counting A's second frame, the
    /// shedding drops B's frames at release, before any work is spent on them, and A meets every
    /// deadline; left out (as before the fix), B's frames were admitted and A's or B's lost late.
    @Test func framesDueAtTheSameInstantCountTogether() {
        let accs = accelerators([1])
        let a: Int64 = 16_666_667, b: Int64 = 33_333_333
        var f = FrameList()
        f.periodic(stream: 0, period: a, from: 0, to: 600 * ms)
        f.periodic(stream: 1, period: b, from: 0, to: 600 * ms)
        let w = workload([stream("A", period: a, layers(2, 3 * ms)), stream("B", period: b, layers(2, 11 * ms))], f)
        let d = dream(.all)
        let core = simulate(w, accs, d)
        let s = summary(core, accs)
        #expect(d.shedRequested > 0)
        #expect(s.streams[1].dropped > 0)
        // Once the first load window has closed (no shedding before it; 100 ms, then the next
        // release): A meets every deadline, and no frame lost had run a block.
        let settled = core.frames.filter { $0.releaseNs > 150 * ms }
        #expect(settled.filter { $0.stream == 0 }.allSatisfy { $0.outcome == .met })
        let started = Set(core.blocks.map(\.frame))
        let lostLate = settled.filter { $0.outcome != .met && started.contains($0.frame) }
        #expect(lostLate.isEmpty, "frames lost after they started: \(lostLate.count)")
    }

    /// With `shedAfterFirstWindow` nothing is shed before the first load window closes (the
    /// start-up burst, every stream releasing at once); without it (the default) it may be.
    @Test func noSheddingInTheFirstWindow() {
        let accs = accelerators([1])
        var f = FrameList()
        f.periodic(stream: 0, period: 10 * ms, from: 0, to: 60 * ms)
        f.periodic(stream: 1, period: 40 * ms, from: 0, to: 60 * ms)
        let w = workload([stream("A", period: 10 * ms, layers(2, 2 * ms)), stream("B", period: 40 * ms, layers(8, 2 * ms))], f)
        let warm = dream(.all) { $0.shedLoadLow = 0; $0.shedLoadHigh = 0; $0.shedCapacityFraction = 0.75; $0.shedAfterFirstWindow = true }
        _ = simulate(w, accs, warm)
        #expect(warm.shedRequested == 0)
        let eager = dream(.all) { $0.shedLoadLow = 0; $0.shedLoadHigh = 0; $0.shedCapacityFraction = 0.75 }
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
