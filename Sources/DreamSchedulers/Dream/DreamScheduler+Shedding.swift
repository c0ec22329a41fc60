import DreamEngine

extension DreamScheduler {
    /// Overload shedding (feature `drop`; docs/dream.md): walk the ready frames in deadline
    /// order with the work due by each deadline (theirs at best speed with their cascade work,
    /// plus the frames the periodic streams will release due by then) against the accelerators'
    /// time until then (counted at their speed as the offered load passes capacity,
    /// `shedCountsSpeed`); where the work exceeds it, drop the ready frame worth least per unit
    /// of work (`StreamOutlook.shedDensity`: its own worth and work with `shedByOwnWorth`),
    /// unless a frame still to come is worth less (it will be shed when it arrives), until the
    /// work fits within a fraction of that time that falls from `shedCapacityFractionMax` to
    /// `shedCapacityFraction` as the offered load passes capacity (`shedLoadLow` to
    /// `shedLoadHigh`), or is at that lower end while the losses say so (`shedOnLosses`). Frames
    /// run late are not in the walk (infinite deadline, no work). Also
    /// sets the deadline term's weight from the peak of that ratio (the pressure).
    func shedOverload(_ state: SchedulerState, _ sc: DreamScratch, n: Int, now: Double, shedding: Bool, into decisions: inout Decisions) {
        let A = accCount
        // Not before the first load window has closed: a start-up burst (every stream releasing
        // at once) is not an overload.
        let shedding = shedding && (monitor.hasReference || !configuration.shedAfterFirstWindow)
        // Shed or run late: the share of the accelerators' time the work may use before frames
        // are shed. While the active periodic streams offer no more than the accelerators can
        // run (their rate x work at best speed, cascade work included, at the current variants,
        // over the accelerators' capacity counted at their speed),
        // shed only what cannot fit (the upper end); as that load rises past capacity some work
        // must go anyway, and shedding it early (the lower end) beats losing frames late.
        let load = offeredLoad(now: now)
        let low = configuration.shedCapacityFraction
        let high = max(low, configuration.shedCapacityFractionMax)
        let r0 = configuration.shedLoadLow, r1 = configuration.shedLoadHigh
        let ramp = r1 > r0 && shedAsOverloadUntilNs == 0 ? min(1, max(0, (load - r0) / (r1 - r0))) : 1
        let fraction = high - (high - low) * ramp
        // Past capacity each accelerator's time counts at its speed (what it can do of work
        // priced at best speed); below it, whole (keep frames that may still fit).
        let speedShare = configuration.shedCountsSpeed ? ramp : 0
        // Insertion sort by deadline (n is small; allocation-free).
        for i in 0..<n {
            var k = i
            let d = sc.shedDeadline[i]
            while k > 0 && sc.shedDeadline[Int(sc.shedOrder[k - 1])] > d { sc.shedOrder[k] = sc.shedOrder[k - 1]; k -= 1 }
            sc.shedOrder[k] = Int32(i)
        }
        var demand = 0.0
        var peak = 0.0
        for idx in 0..<n {
            let i = Int(sc.shedOrder[idx])
            let t = sc.shedDeadline[i]
            // Frames run late come last (infinite deadline): nothing of theirs is due.
            guard t.isFinite else { break }
            demand += sc.shedNeed[i]
            var capacity = 0.0
            // (With speedShare 0 each factor is exactly 1: the time counts whole.)
            for a in 0..<A { capacity += max(0, t - sc.freeAt[a]) * (1 - speedShare * (1 - variants.relativeSpeed[a])) }
            // Frames still to come that are due by t, and the least worth of those.
            var future = 0.0
            var futureDensity = Double.infinity
            for s in 0..<streamCount where outlook.isActivePeriodic(s, now: now) {
                let p = outlook.rootPeriodNs[s]
                let first = outlook.lastReleaseNs[s] + p + outlook.relativeDeadlineNs[s]
                // Deadlines that coincide in rational time differ here by a few ns (periods are
                // whole ns: 60 Hz is 16 666 667 ns), and `first` may land just past `t`: a
                // frame due with this one must count (without the tolerance, vr-gaming's hand
                // tracker at 45 Hz was admitted at every release and lost late).
                guard t + Self.sameDeadlineNs >= first else { continue }
                let count = ((t + Self.sameDeadlineNs - first) / p).rounded(.down) + 1
                // Priced in the run's first estimates (the ready frames' in corrected ones):
                // at the speed the blocks run.
                future += count * outlook.need[s] * stretch
                if outlook.need[s] > 0 { futureDensity = min(futureDensity, outlook.streamDensity[s]) }
            }
            peak = max(peak, capacity > 0 ? (demand + future) / capacity : (demand + future > 0 ? .infinity : 0))
            capacity *= fraction
            // A frame alone (nothing else due by its deadline) is for the hopeless test, not this one.
            guard shedding, idx > 0 || future > 0 else { continue }
            while demand + future > capacity {
                var victim = -1
                var lowest = Double.infinity
                for q in 0...idx {
                    let k = Int(sc.shedOrder[q])
                    guard !sc.shed[k], sc.shedNeed[k] > 0 else { continue }
                    if sc.shedDensity[k] < lowest { lowest = sc.shedDensity[k]; victim = k }
                }
                guard victim >= 0, lowest <= futureDensity else { break }
                sc.shed[victim] = true
                demand -= sc.shedNeed[victim]
                decisions.append(.drop(slot: sc.ready[victim]))
                dropsRequested += 1
                shedRequested += 1
                sc.rowBestScore[victim] = -.infinity
                sc.assignedTo[victim] = -2
                sc.latestStart[victim] = .infinity
                let row = sc.pair + victim * A
                for f in 0..<A { row[f] = -.infinity }
            }
        }
        let pressureRamp = (peak - configuration.pressureLow) / max(1e-9, configuration.pressureHigh - configuration.pressureLow)
        deadlineWeightNow = configuration.deadlineWeight * min(1, max(0, pressureRamp))
    }

    /// Deadlines closer than this are the same deadline to the shedding (1 us: far above the
    /// rounding of whole-ns periods, far below any layer's time).
    static let sameDeadlineNs = 1_000.0

    /// The active periodic streams' offered load: rate x work at best speed (cascade work
    /// included, current variants) over the accelerators' capacity counted at their speed
    /// (the work at the speed the blocks run, `loadAtMeasuredSpeed`).
    func offeredLoad(now: Double) -> Double {
        var load = 0.0
        for s in 0..<streamCount where outlook.isActivePeriodic(s, now: now) {
            load += outlook.need[s] / outlook.rootPeriodNs[s]
        }
        return load * stretch / (configuration.shedLoadPerSpeed ? variants.relativeCapacity : Double(max(1, accCount)))
    }
}
