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
}
