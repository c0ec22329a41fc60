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
        let w = tuner.effectiveWeights
        let stream = Int(jp.pointee.stream)
        let deadline = Double(jp.pointee.deadlineNs)
        let margin = configuration.dropMarginNs
        let rb = s * A
        // Remaining time per accelerator: the cache's, or (variant switch below) scaled.
        var rem = sc.cacheRem + rb
        var best = sc.cacheBest[s]
        // Earliest finish over the accelerators (free ones start now): with the fastest one free
        // that is now + best, as no accelerator frees before now.
        var earliest = now + best
        if sc.freeAt[Int(sc.cacheBestAcc[s])] > now {
            earliest = .infinity
            for a in 0..<A { earliest = min(earliest, sc.freeAt[a] + rem[a]) }
        }
        let down = outlook.downstreamNs[stream]
        let current = Int(jp.pointee.variant)
        var variant = Int32(current)
        let started = next > 0
        if features.contains(.supernet) && !started && variants.variantCount(stream) > 1 {
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
        if features.contains(.drop) && earliest > deadline + margin && !(loadAtWindow <= configuration.runLateLoadMax) {
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
        let runsLate = ownHopeless && features.contains(.drop)
        let waited = now - Double(jp.pointee.lastRanNs)
        let fairness = min(1, max(0, waited) * sc.cacheFairnessScale[s])
        let i = readyCount
        sc.ready[i] = slot
        readyCount += 1
        sc.chosenVariant[i] = variant
        sc.rowSwitched[i] = switched
        sc.assignedTo[i] = -1
        sc.latestStart[i] = runsLate ? .infinity : deadline - best - down
        sc.due[i] = deadline - down
        sc.shedDeadline[i] = runsLate ? .infinity : deadline
        sc.shedNeed[i] = runsLate ? 0 : min(best, sc.cacheHop[s] > 0 && !switched ? sc.cacheHop[s] : best) + down
        sc.shed[i] = false
        sc.shedValue[i] = outlook.shedDensity(stream, need: sc.shedNeed[i])
        // The busy accelerator that would finish the job first (after its current block).
        var busyFinish = Double.infinity
        var busyEnergy = Double.infinity
        for k in 0..<busyCount where sc.freeAt[Int(sc.busyAcc[k])] > now {
            let a = Int(sc.busyAcc[k])
            let f = sc.freeAt[a] + rem[a]
            if f < busyFinish { busyFinish = f; busyEnergy = sc.cacheNextJ[rb + a] }
        }
        let latest = deadline + margin - now - down
        sc.blockLimit[i] = hopeless ? .infinity : latest - (switched ? 0 : sc.cacheHopAfterNext[s])
        var row = PairScore.Row(remaining: rem, nextNs: sc.cacheNextNs + rb, nextJ: sc.cacheNextJ + rb,
                                energyRatio: sc.cacheEnergyRatio + rb, latencyRatio: sc.cacheLatencyRatio + rb,
                                occupancy: sc.cacheOccupancy + rb)
        var score = PairScore(base: w.urgency * urgency + w.fairness * fairness, preference: w.preference, down: down,
                              inverseSlack: runsLate ? 0 : slack > 0 ? 1 / slack : .infinity, gateExponent: configuration.gateExponent,
                              limit: hopeless ? .infinity : latest, hopAfterNext: sc.cacheHopAfterNext[s],
                              busyFinish: busyFinish - now, busyOffset: 0, busyEnergy: busyEnergy)
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
        score.score(row, count: A, into: sc.scores)
        // The free ones, and the most pressed job on each (its latest start there).
        var bestScore = -Double.infinity
        var bestF: Int32 = -1
        let pairRow = sc.pair + i * A
        let dueHere = sc.due[i]
        for f in 0..<freeCount {
            let a = Int(sc.freeAcc[f])
            let score = sc.scores[a]
            pairRow[f] = score
            guard score > -.infinity else { continue }
            if score > bestScore { bestScore = score; bestF = Int32(f) }
            let latestStartHere = dueHere - rem[a]
            if latestStartHere >= now && latestStartHere < sc.pressedBound[f] { sc.notePressed(f, Int32(i), latestStartHere) }
        }
        sc.rowBest[i] = bestF
        sc.rowBestScore[i] = bestScore
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
        let s = Int(slot)
        let A = accCount
        let rb = s * A
        let key = Int64(job.pointee.frame) << 32 | Int64(job.pointee.next) << 8 | Int64(job.pointee.variant & 0xff)
        guard sc.cacheKey[s] != key else { return }
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
        for a in 0..<A {
            let e = sc.cacheNextJ[rb + a]
            sc.cacheEnergyRatio[rb + a] = hasNext && e > 0 ? min(1, be / e) : 1
            let latencyRatio = PairScore.latencyRatio(best: best, here: sc.cacheRem[rb + a])
            sc.cacheLatencyRatio[rb + a] = latencyRatio
            sc.cacheOccupancy[rb + a] = PairScore.occupancy(latencyRatio: latencyRatio, exponent: configuration.occupancyExponent)
        }
        sc.cacheFairnessScale[s] = 1 / (configuration.fairnessHorizonLayers * max(bl, 1))
        // Hopping lower bound: exact without skips (with skips it counts skipped layers too, so
        // it is capped by the single-accelerator time below).
        sc.cacheHop[s] = hasNext ? variants.fastestFrom(stream, variant, layer: layer) : 0
        sc.cacheHopAfterNext[s] = hasNext ? variants.fastestFrom(stream, variant, layer: layer + 1) : 0
    }
}
