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
        let scheduler = dream([.tuning, .drop])
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
}
