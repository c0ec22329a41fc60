import Testing
import DreamCore
import DreamEngine
import DreamSchedulers

@Suite struct TunerTests {
    /// A calm phase then a loaded one: the tuner runs its steps after the start, restarts when
    /// the offered load changes, and within five steps its weights stop moving by more than 5%;
    /// then it holds them until the next change. Every step is logged.
    @Test func tunerConvergesWithinFiveStepsAfterPhaseChange() {
        let w = heterogeneousScenario(phases: [(1500, 0.6), (3500, 1.1)])
        let accs = accelerators([3, 2])
        // The mechanics at any load (by default the tuner holds past an offered load of 0.95).
        let scheduler = dream([.tuning, .drop]) { $0.tuningLoadMax = .infinity }
        _ = simulate(w, accs, scheduler)
        let log = scheduler.tuningLog
        for e in log {
            print("tuner \(e.kind.rawValue) t=\(Double(e.timeNs) / 1e6) ms step \(e.step) wF \(e.weights.fairness) wP \(e.weights.preference) UX+ \(e.uxcostPlus) UX- \(e.uxcostMinus) kept \(e.windowUXCost) change \(e.change) \(e.reason)")
        }
        #expect(log.first?.kind == .restart && log.first?.reason == "start")
        let restarts = log.enumerated().filter { $0.element.kind == .restart }
        let phaseRestart = restarts.first { $0.element.timeNs >= 1500 * ms && $0.element.reason != "start" }
        #expect(phaseRestart != nil, "restarted after the phase change")
        guard let (index, restart) = phaseRestart else { return }
        #expect(restart.timeNs < 1900 * ms, "detected within 400 ms")
        let after = log[(index + 1)...].prefix { $0.kind == .step }
        #expect(after.count == 5, "five steps, then it holds: \(after.count)")
        // Converged: from the fourth step on no weight moves by more than 5%.
        for e in after where e.step >= 4 { #expect(e.change <= 0.05 + 1e-9) }
        #expect(after.allSatisfy { $0.windowUXCost > 0 && $0.uxcostPlus > 0 && $0.uxcostMinus > 0 })
        #expect(after.last!.timeNs < 3500 * ms)
        // Holding: after the fifth step the weights in use are the tuned ones.
        #expect(scheduler.effectiveWeights == scheduler.weights)
    }

    /// Past `tuningLoadMax` the tuner holds. The scenario's offered load (its streams' work at
    /// best speed over their periods, over the accelerators' capacity at their speed) is about
    /// 1.2: with the limit above it the tuner runs its five steps, with the default (0.95) it
    /// logs no step and the scores use the base weights throughout.
    @Test func tunerHoldsWhileTheLoadIsPastItsLimit() {
        let w = heterogeneousScenario(phases: [(2000, 1)])
        let free = dream([.tuning, .drop]) { $0.tuningLoadMax = 2 }
        _ = simulate(w, accelerators([3, 2]), free)
        #expect(free.tuningLog.filter { $0.kind == .step }.count == 5)
        let held = dream([.tuning, .drop])
        _ = simulate(w, accelerators([3, 2]), held)
        #expect(!held.tuningLog.contains { $0.kind == .step }, "no step while loaded")
        #expect(held.effectiveWeights == held.weights && held.weights == DreamConfiguration().weights)
    }

    /// The tuner alone: paused, frame outcomes do not count and the weights in use are the base
    /// ones; resumed, the interrupted step starts over and completes.
    @Test func pausedTunerIgnoresOutcomesAndResumesItsStep() {
        var tuner = WeightTuner(configuration: DreamConfiguration(), idleWatts: 1)
        tuner.restart(now: 0, reason: "start")
        #expect(tuner.effectiveWeights != tuner.weights, "a step perturbs the weights")
        tuner.setPaused(true, now: 1)
        #expect(tuner.effectiveWeights == tuner.weights)
        for i in 0..<200 { tuner.frameEnded(violation: i % 2 == 0, now: Int64(2 + i)) }
        #expect(!tuner.log.contains { $0.kind == .step }, "no step measured while paused")
        tuner.setPaused(false, now: 300)
        #expect(tuner.effectiveWeights != tuner.weights)
        for i in 0..<(4 * 16) { tuner.frameEnded(violation: false, now: Int64(301 + i)) }
        #expect(tuner.log.filter { $0.kind == .step }.count == 1)
    }
}
