import DreamEngine

// Per job, once per decision: its variant, the drop test, its urgency and fairness, and its
// pair scores on the free accelerators (docs/dream.md).
extension DreamScheduler {
    /// Variant choice, drop test and pair scores of one job; a ready job gets a row `i`.
    @inline(__always)
    func scoreJob(_ state: SchedulerState, _ sc: DreamScratch, _ jobs: UnsafeBufferPointer<Job>, _ slot: Int32, now: Double, freeCount: Int,
                  into decisions: inout Decisions) {
        let s = Int(slot)
        let jp = jobs.baseAddress! + s
        guard jp.pointee.runningOn < 0 else { return }
        refreshCache(state, sc, jp, slot)
        let next = jp.pointee.next
        guard next < sc.cacheLayerCount[s] else { return }
        let A = accCount
        let w = weightsNow
        let stream = Int(jp.pointee.stream)
        let deadline = Double(jp.pointee.deadlineNs)
        let margin = configuration.dropMarginNs
        let rb = s * A
        // Remaining time per accelerator: the cache's, or (variant switch below) scaled.
        var rem = sc.cacheRem + rb
        var best = sc.cacheBest[s]
        let down = outlook.downstreamNs[stream]
        // Earliest finish over the accelerators (free ones start now): with the fastest one free
        // that is now + best, as no accelerator frees before now.
        var earliest = now + best
        let bestAcc = Int(sc.cacheBestAcc[s])
        if sc.freeAt[bestAcc] > now {
            // It is only compared with the deadline (+ margin, with or without `down`) below.
            // The fastest accelerator's finish is one term of the minimum: when it meets both
            // tests, so does the minimum (rounding is monotonic) and every comparison comes out
            // the same; only otherwise is the minimum needed.
            earliest = sc.freeAt[bestAcc] + rem[bestAcc]
            if !(earliest <= deadline + margin && earliest + down <= deadline + margin) {
                earliest = .infinity
                for a in 0..<A { earliest = min(earliest, sc.freeAt[a] + rem[a]) }
            }
        }
        let current = Int(jp.pointee.variant)
        var variant = Int32(current)
        let started = next > 0
        if supernetNow && !started && variants.variantCount(stream) > 1 {
            // The largest variant at or below the load level that can still meet the
            // deadline; the cheapest when none can.
            var v = Int(variantLevel[stream])
            let last = Int(variants.variantCount(stream)) - 1
            while v < last {
                var e = earliest
                if v != current {
                    e = .infinity
                    for a in 0..<A { e = min(e, sc.freeAt[a] + rem[a] * variants.cost(stream, v, a) / variants.cost(stream, current, a)) }
                }
                if e + down <= deadline + margin { break }
                v += 1
            }
            if v != current {
                variant = Int32(v)
                decisions.append(.switchVariant(slot: slot, variant: Int32(v)))
                switchesRequested += 1
                best = .infinity
                earliest = .infinity
                let scaled = sc.switchedRemaining + rb
                for a in 0..<A {
                    let r = rem[a] * variants.cost(stream, v, a) / variants.cost(stream, current, a)
                    scaled[a] = r
                    best = min(best, r)
                    earliest = min(earliest, sc.freeAt[a] + r)
                }
                rem = scaled
            }
        }
        let switched = variant != Int32(current)
        // The frame cannot make it even started now with its layers on their fastest
        // accelerators: drop it (its dependents go with it), unless the offered load leaves room
        // to run it late (`runLateLoadMax`).
        let earliestSingle = earliest
        if !switched { earliest = min(earliest, now + min(best, sc.cacheHop[s])) }
        if dropNow && earliest > deadline + margin && !(loadAtWindow <= configuration.runLateLoadMax) {
            decisions.append(.drop(slot: slot))
            dropsRequested += 1
            return
        }
        // Cascade-aware: the frame's own remaining work plus what it will trigger.
        let hopeless = earliestSingle + down > deadline + margin
        let slack = deadline - now
        // A frame that cannot meet its deadline anywhere gains nothing from going first: its
        // urgency is 0 (without the drop, or run late, it runs after the frames that can make it).
        let ownHopeless = earliest > deadline + margin
        // The larger of the share of the slack the frame needs and its deadline's closeness on
        // the scale of the shortest period: the ratio alone lets a long frame with little
        // relative slack outrank, block after block, frames due much sooner (docs/dream.md).
        // Plus the deadline term: among frames whose ratio saturates, the one due first (its
        // cascade work counted) is the most urgent.
        let urgency = ownHopeless ? 0 : self.urgency(need: best + down, slack: slack, down: down)
        // Run late (`runLateLoadMax`): no time left to gain, so the preference's gate is 0 (the
        // energy ratio); no latest start (it presses no one), and out of the shedding's walk.
        let runsLate = ownHopeless && dropNow
        let waited = now - Double(jp.pointee.lastRanNs)
        let fairness = min(1, max(0, waited) * sc.cacheFairnessScale[s])
        let i = readyCount
        sc.ready[i] = slot
        readyCount += 1
        sc.chosenVariant[i] = variant
        sc.rowSwitched[i] = switched
        sc.assignedTo[i] = -1
        let reserve = marginNow * best
        sc.latestStart[i] = runsLate ? .infinity : deadline - best - down - reserve
        sc.due[i] = deadline - down - reserve
        if releasedSinceShed {
            // Read by `shedOverload` alone, which runs at a release.
            sc.shedDeadline[i] = runsLate ? .infinity : deadline
            sc.shedNeed[i] = runsLate ? 0 : min(best, sc.cacheHop[s] > 0 && !switched ? sc.cacheHop[s] : best) + down
            sc.shed[i] = false
            sc.shedDensity[i] = outlook.shedDensity(stream, need: sc.shedNeed[i])
        }
        // The busy accelerator that would finish the job first (after its current block), and
        // the deadline of the frame it runs.
        var busyFinish = Double.infinity
        var busyEnergy = Double.infinity
        var busyDue = -Double.infinity
        for k in 0..<busyCount where sc.freeAt[Int(sc.busyAcc[k])] > now {
            let a = Int(sc.busyAcc[k])
            let f = sc.freeAt[a] + rem[a]
            if f < busyFinish { busyFinish = f; busyEnergy = sc.cacheNextJ[rb + a]; busyDue = sc.runningDue[a] }
        }
        let latest = deadline + margin - now - down
        var row = PairScore.Row(remaining: rem, nextNs: sc.cacheNextNs + rb, nextJ: sc.cacheNextJ + rb,
                                energyRatio: sc.cacheEnergyRatio + rb, latencyRatio: sc.cacheLatencyRatio + rb,
                                occupancy: sc.cacheOccupancy + rb)
        var score = PairScore(base: w.urgency * urgency + w.fairness * fairness, preference: w.preference, down: down,
                              inverseSlack: runsLate ? 0 : slack > 0 ? (1 + marginNow) / slack : .infinity, gateExponent: configuration.gateExponent,
                              limit: hopeless ? .infinity : latest, hopAfterNext: sc.cacheHopAfterNext[s],
                              busyFinish: busyFinish - now, busyOffset: 0, busyEnergy: busyEnergy,
                              waitsForBusy: configuration.waitForFasterAccelerator && deadline < busyDue)
        if switched {
            // At the new variant: all of it runs here (no hop bound), ratios from its times.
            for a in 0..<A {
                let ratio = PairScore.latencyRatio(best: best, here: rem[a])
                sc.switchedLatencyRatio[a] = ratio
                sc.switchedOccupancy[a] = PairScore.occupancy(latencyRatio: ratio, exponent: configuration.occupancyExponent)
            }
            row.latencyRatio = UnsafePointer(sc.switchedLatencyRatio)
            row.occupancy = UnsafePointer(sc.switchedOccupancy)
            score.hopAfterNext = .infinity
        }
        if switched || configuration.gateExponent != 2 {
            // The domination test as these cases always wrote it (same decisions, bit for bit).
            score.busyFinish = busyFinish
            score.busyOffset = now
        }
        sc.rowScore[i] = score
        // Scored now: a switched job (its ratios live in this decision's scratch), every job
        // when no bound holds (`boundsHoldNow`) and in the reference mode. Otherwise the row
        // starts with an upper bound of its best score (base + the best pair bound on a free
        // accelerator), and is scored only when that bound could win a round (`assign`).
        if boundsHold && !switched && score.base.isFinite {
            if sc.cacheBoundWeight[s] != w.preference { cacheBounds(sc, s, preference: w.preference) }
            sc.rowScored[i] = false
            // The largest pair bound of all: whether that accelerator is free, not taken and
            // not filtered out is checked only if the row ever leads a round (`assign`).
            sc.rowCursor[i] = 0
            sc.rowBest[i] = -1
            sc.rowBestScore[i] = score.base + sc.cacheSortedBound[rb]
        } else {
            writeScores(sc, i, row, score, freeCount: freeCount)
        }
        // The most pressed jobs on each free accelerator (their latest starts there; whether
        // they may run there is checked when the list is read). A job whose latest starts all
        // come after every full list's last entry cannot enter any (due - the largest
        // remaining time bounds them below).
        let dueHere = sc.due[i]
        if exhaustive || switched || !(dueHere - sc.cacheRemMax[s] >= sc.pressedBoundMax) {
            for f in 0..<freeCount {
                let latestStartHere = dueHere - rem[Int(sc.freeAcc[f])]
                guard latestStartHere >= now && latestStartHere < sc.pressedBound[f] else { continue }
                sc.notePressed(f, Int32(i), latestStartHere)
            }
        }
    }

    /// Whether `score <= base + cacheBound` holds for every pair this decision (see
    /// `PairScore.preferenceBound`): a non-negative finite preference weight, a non-negative
    /// gate exponent; never in the reference mode.
    func boundsHoldNow() -> Bool {
        let p = tuner.effectiveWeights.preference
        return !exhaustive && p >= 0 && p.isFinite && configuration.gateExponent >= 0
    }

    /// Whether ready job `i`'s pair score on free accelerator `f` is above -infinity (the job
    /// may run there): its scored pair, or that one pair scored alone (the same lane).
    @inline(__always)
    func canRun(_ sc: DreamScratch, _ i: Int, onFree f: Int) -> Bool {
        if sc.rowScored[i] { return sc.pair[i * accCount + f] > -.infinity }
        let slot = Int(sc.ready[i])
        let rb = slot * accCount
        // An unscored row has a finite base, wP finite and >= 0 and a gate exponent >= 0
        // (`boundsHoldNow`); with its ratios in [0, 1], no negative time, no negative cascade
        // work and wP far from overflow, the gate is in [0, 1] and the score is base + a finite
        // part >= 0: above -infinity exactly where the filters keep the pair, so only they
        // need computing.
        let pairScore = sc.rowScore[i]
        if sc.cacheInRange[slot] && !(pairScore.down < 0) && pairScore.preference <= 0x1p1000 {
            return !pairScore.excludes(cachedRow(sc, rb), Int(sc.freeAcc[f]))
        }
        let score: Double = pairScore.lane(cachedRow(sc, rb), Int(sc.freeAcc[f]))
        return score > -.infinity
    }

    /// The per-accelerator inputs of a job at its current variant (slot offset rb = slot x A).
    @inline(__always)
    func cachedRow(_ sc: DreamScratch, _ rb: Int) -> PairScore.Row {
        PairScore.Row(remaining: sc.cacheRem + rb, nextNs: sc.cacheNextNs + rb, nextJ: sc.cacheNextJ + rb,
                      energyRatio: sc.cacheEnergyRatio + rb, latencyRatio: sc.cacheLatencyRatio + rb,
                      occupancy: sc.cacheOccupancy + rb)
    }

    /// Scores ready job `i` (not switched: scored at once) on the free accelerators, and its
    /// best untaken one. Once fewer than half the accelerators are left untaken, on those
    /// alone, one at a time (`lane`, the same bits as the vector pass): `pair` is read only
    /// where not taken.
    @inline(never)
    func materialize(_ sc: DreamScratch, _ i: Int) {
        let row = cachedRow(sc, Int(sc.ready[i]) * accCount)
        let score = sc.rowScore[i]
        guard untakenCount * 2 < accCount else {
            writeScores(sc, i, row, score, freeCount: sc.pressedFree)
            return
        }
        let competes = score.busyFinish != .infinity
        let pairRow = sc.pair + i * accCount
        var bs = -Double.infinity
        var bf: Int32 = -1
        for k in 0..<untakenCount {
            let f = sc.untaken[k]
            let value: Double = score.lane(row, Int(sc.freeAcc[Int(f)]), competes: competes)
            pairRow[Int(f)] = value
            if value > bs { bs = value; bf = f }
        }
        sc.rowScored[i] = true
        sc.rowBest[i] = bf
        sc.rowBestScore[i] = bs
    }

    /// The pair scores of row `i` on the free accelerators into `pair` (i * A + f), and its
    /// best untaken accelerator (`rescanRow`).
    @inline(__always)
    func writeScores(_ sc: DreamScratch, _ i: Int, _ row: PairScore.Row, _ score: PairScore, freeCount: Int) {
        let A = accCount
        let pairRow = sc.pair + i * A
        if freeCount == A {
            // Every accelerator free: free index f is accelerator f.
            score.score(row, count: A, into: pairRow)
        } else {
            score.score(row, count: A, into: sc.scores)
            for f in 0..<freeCount { pairRow[f] = sc.scores[Int(sc.freeAcc[f])] }
        }
        sc.rowScored[i] = true
        rescanRow(sc, i)
    }

    /// The bound of unscored row `i`, for a round whose leader scores `bs`: the first
    /// accelerator in its slot's bound order (from its cursor on) that is free, not taken and
    /// not filtered out (`PairScore.excludes`), and base + that pair bound (`rowBest` its free
    /// index); -infinity when none. A free untaken accelerator whose bound cannot beat `bs`
    /// ends the walk unchecked (`rowBest` -1): the bounds after it are no larger.
    @inline(__always)
    func advanceBound(_ sc: DreamScratch, _ i: Int, above bs: Double) {
        let A = accCount
        let rb = Int(sc.ready[i]) * A
        let order = sc.cacheOrder + rb, sorted = sc.cacheSortedBound + rb
        let base = sc.rowScore[i].base
        var k = Int(sc.rowCursor[i])
        while k < A {
            let a = Int(order[k])
            // -1 once taken (`place`): one load tells free and untaken.
            let f = sc.freeIndex[a]
            if f >= 0 {
                let bound = base + sorted[k]
                let beats = bound > bs
                if !beats || !sc.rowScore[i].excludes(cachedRow(sc, rb), a) {
                    sc.rowCursor[i] = Int32(k)
                    sc.rowBest[i] = beats ? f : -1
                    sc.rowBestScore[i] = bound
                    return
                }
            }
            k += 1
        }
        sc.rowCursor[i] = Int32(A)
        sc.rowBest[i] = -1
        sc.rowBestScore[i] = -.infinity
    }

    /// Slot `s`'s pair bounds for preference weight `wP` (`PairScore.preferenceBound`) and its
    /// accelerators in decreasing bound order (ties: the lower index).
    @inline(never)
    func cacheBounds(_ sc: DreamScratch, _ s: Int, preference wP: Double) {
        let A = accCount
        let rb = s * A
        let bound = sc.cacheBound + rb, order = sc.cacheOrder + rb
        for a in 0..<A {
            let b = PairScore.preferenceBound(preference: wP, energyRatio: sc.cacheEnergyRatio[rb + a],
                                              latencyRatio: sc.cacheLatencyRatio[rb + a], occupancy: sc.cacheOccupancy[rb + a])
            // A NaN (no bound known) bounds nothing: +infinity.
            bound[a] = b.isNaN ? .infinity : b
            // Insertion after every accelerator bound no lower.
            var k = a
            while k > 0 && bound[Int(order[k - 1])] < bound[a] { order[k] = order[k - 1]; k -= 1 }
            order[k] = Int32(a)
        }
        for k in 0..<A { sc.cacheSortedBound[rb + k] = bound[Int(order[k])] }
        sc.cacheBoundWeight[s] = wP
    }

    /// `(min(1, max(need, H) / slack) + d' * H / (H + max(0, slack - down))) / (1 + deadlineWeight)`
    /// (1 for the first term when slack <= 0), H = urgencyHorizonNs, d' = deadlineWeightNow:
    /// bit for bit, without the divisions whose result is known. x / slack >= 1 whenever
    /// x >= slack (rounding is monotonic), so the min is 1; with d' = 0 the second term is +0;
    /// dividing by a power of two is multiplying by its (exact) reciprocal.
    @inline(__always)
    func urgency(need: Double, slack: Double, down: Double) -> Double {
        let h = urgencyHorizonNs
        var ratio = 1.0
        if slack > 0 {
            let x = max(need, h)
            if x < slack { ratio = min(1, x / slack) }
        }
        let sum = deadlineWeightNow == 0 ? ratio : ratio + deadlineWeightNow * h / (h + max(0, slack - down))
        if let reciprocal = urgencyReciprocal { return sum * reciprocal }
        return sum / (1 + configuration.deadlineWeight)
    }

    /// Refreshes the per-slot cache (remaining time per accelerator and its ratio to the best,
    /// next-layer energy and its ratio to the best) when the job advanced, changed variant or
    /// the slot holds a new frame. Everything a pair score needs that does not depend on `now`
    /// or on the other jobs is here, so scoring a pair is a few multiplications.
    @inline(__always)
    func refreshCache(_ state: SchedulerState, _ sc: DreamScratch, _ job: UnsafePointer<Job>, _ slot: Int32) {
        let key = Int64(job.pointee.frame) << 32 | Int64(job.pointee.next) << 8 | Int64(job.pointee.variant & 0xff)
        if sc.cacheKey[Int(slot)] != key { fillCache(state, sc, job, slot, key: key) }
    }

    @inline(never)
    func fillCache(_ state: SchedulerState, _ sc: DreamScratch, _ job: UnsafePointer<Job>, _ slot: Int32, key: Int64) {
        let s = Int(slot)
        let A = accCount
        let rb = s * A
        sc.cacheKey[s] = key
        let next = job.pointee.next
        sc.cacheLayerCount[s] = Int32(job.pointee.layers.count)
        var bl = Double.infinity, be = Double.infinity, best = Double.infinity
        var bestAcc: Int32 = 0
        let hasNext = next < sc.cacheLayerCount[s]
        let layer = hasNext ? Int(job.pointee.layers[Int(next)]) : 0
        let stream = Int(job.pointee.stream), variant = Int(job.pointee.variant)
        for a in 0..<A {
            let r = state.remainingNs(slot, on: a)
            sc.cacheRem[rb + a] = r
            if r < best { best = r; bestAcc = Int32(a) }
            if hasNext {
                let l = state.estimates.latencyNs(stream: stream, variant: variant, layer: layer, accelerator: a)
                let e = state.estimates.energyJ(stream: stream, variant: variant, layer: layer, accelerator: a)
                sc.cacheNextJ[rb + a] = e
                sc.cacheNextNs[rb + a] = l
                bl = min(bl, l)
                be = min(be, e)
            }
        }
        sc.cacheBest[s] = best
        sc.cacheBestAcc[s] = bestAcc
        var remMax = -Double.infinity
        for a in 0..<A { remMax = max(remMax, sc.cacheRem[rb + a]) }
        sc.cacheRemMax[s] = remMax
        sc.cacheBoundWeight[s] = .nan
        var inRange = true
        for a in 0..<A {
            let e = sc.cacheNextJ[rb + a]
            let energyRatio = hasNext && e > 0 ? min(1, be / e) : 1
            sc.cacheEnergyRatio[rb + a] = energyRatio
            let latencyRatio = PairScore.latencyRatio(best: best, here: sc.cacheRem[rb + a])
            sc.cacheLatencyRatio[rb + a] = latencyRatio
            let occupancy = PairScore.occupancy(latencyRatio: latencyRatio, exponent: configuration.occupancyExponent)
            sc.cacheOccupancy[rb + a] = occupancy
            inRange = inRange && energyRatio >= 0 && energyRatio <= 1 && latencyRatio >= 0 && latencyRatio <= 1
                && occupancy >= 0 && occupancy <= 1 && !(sc.cacheRem[rb + a] < 0)
        }
        sc.cacheInRange[s] = inRange
        sc.cacheFairnessScale[s] = 1 / (configuration.fairnessHorizonLayers * max(bl, 1))
        // Hopping lower bound: exact without skips (with skips it counts skipped layers too, so
        // it is capped by the single-accelerator time below).
        sc.cacheHop[s] = hasNext ? variants.fastestFrom(stream, variant, layer: layer) : 0
        sc.cacheHopAfterNext[s] = hasNext ? variants.fastestFrom(stream, variant, layer: layer + 1) : 0
    }
}
