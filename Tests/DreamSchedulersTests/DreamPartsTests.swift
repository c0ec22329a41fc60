import Testing
@testable import DreamSchedulers

/// DREAM's extracted parts alone: the tuner, the load windows and the pair score.
@Suite struct WeightTunerTests {
    /// 16 frame outcomes, `violations` of them violations, one sub-window of 10 ms.
    private func subWindow(_ tuner: inout WeightTuner, from start: Int64, violations: Int) -> Int64 {
        let end = start + 10_000_000
        for k in 0..<16 { tuner.frameEnded(violation: k < violations, now: end) }
        return end
    }

    @Test func holdsItsWeightsUntilStarted() {
        var tuner = WeightTuner(configuration: DreamConfiguration(), idleWatts: 1)
        for _ in 0..<100 { tuner.frameEnded(violation: true, now: 1) }
        #expect(!tuner.isTuning && tuner.log.isEmpty)
        #expect(tuner.effectiveWeights == DreamConfiguration().weights)
    }

    @Test func aStepKeepsTheSideWithLowerUXCost() {
        let start = DreamConfiguration().weights
        var tuner = WeightTuner(configuration: DreamConfiguration(), idleWatts: 1)
        tuner.restart(now: 0, reason: "start")
        #expect(tuner.log.count == 1 && tuner.log[0].kind == .restart && tuner.log[0].reason == "start")
        // Sub-window 0 runs at w * (1 + 0.4) on both tuned weights.
        #expect(abs(tuner.effectiveWeights.fairness - start.fairness * 1.4) < 1e-15)
        #expect(abs(tuner.effectiveWeights.preference - start.preference * 1.4) < 1e-15)
        #expect(tuner.effectiveWeights.urgency == start.urgency)
        // A B B A: the + side meets every deadline, the - side misses half.
        var t = subWindow(&tuner, from: 0, violations: 0)
        #expect(abs(tuner.effectiveWeights.fairness - start.fairness * 0.6) < 1e-15, "sub-window 1 runs the - side")
        t = subWindow(&tuner, from: t, violations: 8)
        t = subWindow(&tuner, from: t, violations: 8)
        t = subWindow(&tuner, from: t, violations: 0)
        #expect(tuner.log.count == 2)
        let step = tuner.log[1]
        #expect(step.kind == .step && step.step == 1)
        #expect(abs(tuner.weights.fairness - start.fairness * 1.4) < 1e-15, "kept the + side")
        // Idle energy 10 ms x 1 W per sub-window: UX = 0.01 / 16 x 0.5 / 16 (+), 0.01 / 16 x 8 / 16 (-).
        #expect(abs(step.uxcostPlus - 0.01 / 16 * 0.5 / 16) < 1e-15)
        #expect(abs(step.uxcostMinus - 0.01 / 16 * 8 / 16) < 1e-15)
        #expect(step.windowUXCost == step.uxcostPlus)
        #expect(abs(step.change - 0.4) < 1e-12)
        // Step 2: half the perturbation, the directions opposed (fairness up, preference down).
        #expect(abs(tuner.effectiveWeights.fairness - tuner.weights.fairness * 1.2) < 1e-15)
        #expect(abs(tuner.effectiveWeights.preference - tuner.weights.preference * 0.8) < 1e-15)
    }

    @Test func aTieKeepsTheWeightsAndTheRunEndsAfterItsSteps() {
        var tuner = WeightTuner(configuration: DreamConfiguration(), idleWatts: 1)
        tuner.restart(now: 0, reason: "start")
        var t: Int64 = 0
        for _ in 0..<(5 * 4) { t = subWindow(&tuner, from: t, violations: 2) }
        #expect(tuner.log.count == 6)
        #expect(tuner.log.dropFirst().allSatisfy { $0.change == 0 && $0.kind == .step })
        #expect(!tuner.isTuning)
        #expect(tuner.weights == DreamConfiguration().weights && tuner.effectiveWeights == tuner.weights)
        // Holding: more outcomes change nothing until a restart.
        for _ in 0..<64 { tuner.frameEnded(violation: false, now: t) }
        #expect(tuner.log.count == 6)
        tuner.restart(now: t, reason: "load")
        #expect(tuner.isTuning && tuner.log.last?.reason == "load")
    }
}

@Suite struct LoadMonitorTests {
    private func monitor(upstream: [Int?] = [nil, nil]) -> LoadMonitor {
        LoadMonitor(upstream: upstream, windowNs: 100, now: 0, restartLoadChange: 0.25, restartCascadeChange: 0.25)
    }

    @Test func loadIsDemandOverCapacityAtEachVariantLevel() {
        var m = monitor()
        #expect(!m.isDue(now: 99) && m.isDue(now: 100))
        m.frameReleased(stream: 0, demandNs: 60)
        m.frameReleased(stream: 1, demandNs: 40)
        m.frameEnded(stream: 0, completed: false, violation: true)
        for _ in 0..<3 { m.frameEnded(stream: 0, completed: true, violation: false) }
        // Stream 0 runs a variant at half the cost now, stream 1 its largest.
        let w = m.closeWindow(now: 100, capacityNs: 200) { s in s == 0 ? (10, 5, 10) : (10, 10, 10) }
        #expect(w.load == 0.5 && w.loadNow == (30.0 + 40) / 200 && w.loadUp == 0.5)
        #expect(w.violations == 1 && w.violationRate == 0.25)
        #expect(w.phaseChange == nil && m.hasReference && m.lastLoad == 0.5)
        // The counts start over; the next window follows on.
        let empty = m.closeWindow(now: 200, capacityNs: 200) { _ in (1, 1, 1) }
        #expect(empty.load == 0 && empty.violations == 0 && m.windowEnd == 300)
    }

    @Test func aLoadChangeIsAPhaseChangeOnlyTwoWindowsInARow() {
        var m = monitor()
        func window(_ demand: Double, at now: Int64) -> String? {
            m.frameReleased(stream: 0, demandNs: demand)
            return m.closeWindow(now: now, capacityNs: 100) { _ in (1, 1, 1) }.phaseChange
        }
        #expect(window(50, at: 100) == nil)   // the reference
        #expect(window(90, at: 200) == nil)   // one window away
        #expect(window(50, at: 300) == nil)   // back: the streak restarts
        #expect(window(90, at: 400) == nil)
        #expect(window(90, at: 500) == "load")
        #expect(window(90, at: 600) == nil, "the new load is the reference")
    }

    @Test func measuresTriggerRatesAndTheirChanges() {
        var m = monitor()
        #expect(m.triggerRate == [1, 1])
        var m2 = monitor(upstream: [nil, 0])
        func window(up: Int, down: Int, at now: Int64, upDropped: Int = 0) -> String? {
            for _ in 0..<(up + upDropped) { m2.frameReleased(stream: 0, demandNs: 1) }
            for _ in 0..<up { m2.frameEnded(stream: 0, completed: true, violation: false) }
            for _ in 0..<upDropped { m2.frameEnded(stream: 0, completed: false, violation: true) }
            for _ in 0..<down { m2.frameReleased(stream: 1, demandNs: 1) }
            return m2.closeWindow(now: now, capacityNs: 1000) { _ in (1, 1, 1) }.phaseChange
        }
        #expect(window(up: 4, down: 2, at: 100) == nil)
        #expect(m2.triggerRate == [1, 0.75])
        #expect(window(up: 4, down: 3, at: 200) == nil, "0.75 is within 0.25 of 0.5")
        #expect(window(up: 4, down: 4, at: 300) == "cascade")
        // Per completed upstream frame: shedding half the upstream frames is no cascade change.
        #expect(window(up: 4, down: 4, at: 400, upDropped: 4) == nil)
        #expect(m2.triggerRate[1] > 0.9)
        // Empty windows are skipped: the next window ends a window after now.
        _ = m.closeWindow(now: 1_050, capacityNs: 1) { _ in (1, 1, 1) }
        #expect(m.windowEnd == 1_150)
    }
}

@Suite struct PairScoreTests {
    /// Per-accelerator inputs held for a test.
    final class Inputs {
        var remaining, nextNs, nextJ, energyRatio, latencyRatio, occupancy: [Double]
        init(remaining: [Double], nextNs: [Double], nextJ: [Double], energyRatio: [Double], latencyRatio: [Double], occupancy: [Double]) {
            self.remaining = remaining; self.nextNs = nextNs; self.nextJ = nextJ
            self.energyRatio = energyRatio; self.latencyRatio = latencyRatio; self.occupancy = occupancy
        }
        func scores(_ p: PairScore) -> [Double] {
            var out = [Double](repeating: .nan, count: remaining.count)
            remaining.withUnsafeBufferPointer { r in nextNs.withUnsafeBufferPointer { n in nextJ.withUnsafeBufferPointer { j in
                energyRatio.withUnsafeBufferPointer { e in latencyRatio.withUnsafeBufferPointer { l in occupancy.withUnsafeBufferPointer { o in
                    let row = PairScore.Row(remaining: r.baseAddress!, nextNs: n.baseAddress!, nextJ: j.baseAddress!,
                                            energyRatio: e.baseAddress!, latencyRatio: l.baseAddress!, occupancy: o.baseAddress!)
                    out.withUnsafeMutableBufferPointer { p.score(row, count: r.count, into: $0.baseAddress!) }
                } } }
            } } }
            return out
        }
    }

    private func score(slack: Double = 10, limit: Double = .infinity, hopAfterNext: Double = 0,
                       busyFinish: Double = .infinity, busyEnergy: Double = .infinity, waitsForBusy: Bool = false) -> PairScore {
        PairScore(base: 0.5, preference: 0.125, down: 1, inverseSlack: slack > 0 ? 1 / slack : .infinity, gateExponent: 2,
                  limit: limit, hopAfterNext: hopAfterNext, busyFinish: busyFinish, busyOffset: 0, busyEnergy: busyEnergy,
                  waitsForBusy: waitsForBusy)
    }

    @Test func theFormulaWeighsEnergyAgainstLatencyByUrgency() {
        let inputs = Inputs(remaining: [4, 9, 19], nextNs: [1, 1, 1], nextJ: [1, 1, 1], energyRatio: [0.8, 0.8, 0.8],
                            latencyRatio: [0.6, 0.6, 0.6], occupancy: [0.9, 0.9, 0.9])
        let s = inputs.scores(score())
        // g = ((r + down) / slack)^2, capped at 1: 0.25, 1, 1.
        #expect(s[0] == 0.5 + 0.125 * ((1 - 0.25) * 0.8 + 0.25 * 0.6) * 0.9)
        #expect(s[1] == 0.5 + 0.125 * (0 * 0.8 + 1 * 0.6) * 0.9)
        #expect(s[2] == s[1])
        // A passed deadline gates fully to latency.
        #expect(inputs.scores(score(slack: -5)) == [s[1], s[1], s[1]])
    }

    @Test func filtersExcludeLateAndDominatedPairs() {
        let inputs = Inputs(remaining: [4, 9, 12], nextNs: [1, 8, 2], nextJ: [2, 1, 3], energyRatio: [1, 1, 1],
                            latencyRatio: [1, 1, 1], occupancy: [1, 1, 1])
        // Finish: min(all here, next layer here + 3 at best speed) = 4, 9, 5 against limit 6.
        let late = inputs.scores(score(limit: 6, hopAfterNext: 3))
        #expect(late[0] > -.infinity && late[1] == -.infinity && late[2] > -.infinity)
        // A busy accelerator finishing at 5 with next-layer energy 2 dominates those that finish
        // later at no less energy: accelerator 2 (finish 12, 3 J), not 1 (1 J), not 0 (finish 4).
        let dominated = inputs.scores(score(hopAfterNext: .infinity, busyFinish: 5, busyEnergy: 2))
        #expect(dominated[0] > -.infinity && dominated[1] > -.infinity && dominated[2] == -.infinity)
        // Waiting for a busy accelerator that runs a frame due later: a pair that makes limit 10
        // only by moving on (accelerator 2: all here 12, via the next layer 5) is dominated by a
        // busy one finishing at 4.5 at any energy; one that makes it staying (1: 9) is not, nor
        // one that finishes first (0: 4).
        let costly = score(limit: 10, hopAfterNext: 3, busyFinish: 4.5, busyEnergy: 10)
        #expect(inputs.scores(costly).allSatisfy { $0 > -.infinity })
        let waits = inputs.scores(score(limit: 10, hopAfterNext: 3, busyFinish: 4.5, busyEnergy: 10, waitsForBusy: true))
        #expect(waits[0] > -.infinity && waits[1] > -.infinity && waits[2] == -.infinity)
    }

    @Test func vectorAndScalarLanesAgreeBitForBit() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 1...9, using: &rng)
            func values(_ r: ClosedRange<Double>) -> [Double] { (0..<n).map { _ in Double.random(in: r, using: &rng) } }
            let inputs = Inputs(remaining: values(0...20), nextNs: values(0...5), nextJ: values(0...3), energyRatio: values(0...1),
                                latencyRatio: values(0...1), occupancy: values(0...1))
            let p = score(slack: Double.random(in: -5...30, using: &rng), limit: Double.random(in: 0...25, using: &rng),
                          hopAfterNext: Double.random(in: 0...10, using: &rng), busyFinish: Double.random(in: 0...25, using: &rng),
                          busyEnergy: Double.random(in: 0...3, using: &rng), waitsForBusy: Bool.random(using: &rng))
            let vector = inputs.scores(p)
            let scalar: [Double] = inputs.remaining.withUnsafeBufferPointer { r in inputs.nextNs.withUnsafeBufferPointer { nx in
                inputs.nextJ.withUnsafeBufferPointer { j in inputs.energyRatio.withUnsafeBufferPointer { e in
                    inputs.latencyRatio.withUnsafeBufferPointer { l in inputs.occupancy.withUnsafeBufferPointer { o in
                        let row = PairScore.Row(remaining: r.baseAddress!, nextNs: nx.baseAddress!, nextJ: j.baseAddress!,
                                                energyRatio: e.baseAddress!, latencyRatio: l.baseAddress!, occupancy: o.baseAddress!)
                        return (0..<n).map { p.lane(row, $0) as Double }
                    } } } } } }
            #expect(vector.map(\.bitPattern) == scalar.map(\.bitPattern))
        }
    }

    @Test func occupancyIsTheRatioToItsExponent() {
        #expect(PairScore.occupancy(latencyRatio: 0.25, exponent: 0.5) == 0.5)
        #expect(PairScore.occupancy(latencyRatio: 0.25, exponent: 1) == 0.25)
        #expect(abs(PairScore.occupancy(latencyRatio: 0.25, exponent: 2) - 0.0625) < 1e-15)
        #expect(PairScore.latencyRatio(best: 2, here: 8) == 0.25 && PairScore.latencyRatio(best: 2, here: 0) == 1)
    }
}

@Suite struct PressedListTests {
    /// The deadline guard's list per free accelerator keeps the earliest latest starts, the
    /// older job first on a tie: the same order the full scan it replaces would find them in.
    @Test func keepsTheEarliestStartsOlderFirst() {
        let scratch = DreamScratch(slots: 16, accelerators: 2)
        scratch.clearPressed(2)
        let starts: [Double] = [5, 3, 5, 1, 9, 2, 3, 0.5, 7, 1]
        for (i, s) in starts.enumerated() where s < scratch.pressedBound[1] { scratch.notePressed(1, Int32(i), s) }
        let depth = DreamScratch.pressedDepth
        let expected = starts.indices.sorted { (starts[$0], $0) < (starts[$1], $1) }.prefix(depth)
        let count = Int(scratch.pressedCount[1])
        #expect(count == min(depth, starts.count))
        #expect((0..<count).map { Int(scratch.pressedRows[depth + $0]) } == Array(expected))
        #expect((0..<count).map { scratch.pressedStarts[depth + $0] } == expected.map { starts[$0] })
        #expect(scratch.pressedCount[0] == 0, "the other accelerator's list is untouched")
        scratch.clearPressed(2)
        #expect(scratch.pressedCount[1] == 0 && scratch.pressedBound[1] == .infinity)
    }
}
