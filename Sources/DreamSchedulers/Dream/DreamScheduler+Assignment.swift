import DreamEngine

// Who runs where, and for how many layers (docs/dream.md): the greedy assignment over the
// scored pairs, the deadline guard, and the block sizes.
extension DreamScheduler {
    /// Greedy assignment: the best remaining (job, accelerator) pair, until accelerators or
    /// jobs run out. Ties: the older job (earlier in `active`), the lower accelerator index.
    /// Each job keeps its best untaken accelerator, so a round scans the jobs and rescans only
    /// the rows whose best accelerator was just taken. A row not scored yet holds an upper
    /// bound of its best instead: it is scored only when that bound beats the round's leader,
    /// so a row that cannot win is never scored. Returns how many jobs were placed.
    func assign(_ state: SchedulerState, _ sc: DreamScratch, n: Int, freeCount: Int, now: Double) -> Int {
        var assigned = 0
        // Keys past the last row (up to the chunk's end) can never lead.
        let chunk = DreamScratch.keyChunk
        for i in n..<(n + chunk - 1) / chunk * chunk { sc.rowBestScore[i] = -.infinity }
        while assigned < freeCount {
            var bi = -1
            var bs = -Double.infinity
            // Placed and shed rows hold -infinity. A chunk of rows none of whose keys beats
            // the leader is skipped with one vector compare: the row loop would skip each.
            var c = 0
            while c < n {
                let start = c
                c += chunk
                guard sc.anyKey(from: start, above: bs) else { continue }
                for i in start..<min(c, n) where sc.rowBestScore[i] > bs {
                    // A row whose best accelerator was taken rescans (a bound not checked yet or
                    // whose accelerator was taken moves on to the next one in its order); its old
                    // best bounds the new one, so rows that cannot beat the current leader are
                    // never rescanned.
                    let f = Int(sc.rowBest[i])
                    if f < 0 || sc.freeTaken[f] {
                        if sc.rowScored[i] { rescanRow(sc, i) } else { advanceBound(sc, i, above: bs) }
                        guard sc.rowBestScore[i] > bs else { continue }
                    }
                    if !sc.rowScored[i] {
                        materialize(sc, i)
                        guard sc.rowBestScore[i] > bs else { continue }
                    }
                    bs = sc.rowBestScore[i]
                    bi = i
                }
            }
            guard bi >= 0 else { break }
            place(state, sc, bi, Int(sc.rowBest[bi]), n: n, now: now)
            assigned += 1
        }
        return assigned
    }

    /// Places the round's best job `bi` on free accelerator `bf`, or the job the deadline guard
    /// puts first: if `bi`'s first layer would run past the latest start (on this accelerator)
    /// of a waiting job that can still make it here, that job goes first: the score orders the
    /// jobs that can wait, not the one that cannot.
    @inline(__always)
    private func place(_ state: SchedulerState, _ sc: DreamScratch, _ winner: Int, _ bf: Int, n: Int, now: Double) {
        var bi = winner
        let a = Int(sc.freeAcc[bf])
        let (pressed, pressedStart) = mostPressed(sc, onFree: bf, besides: bi, n: n, now: now)
        if pressed >= 0 {
            let slot = sc.ready[bi]
            let (variant, next) = state.withJobs { ($0[Int(slot)].variant, $0[Int(slot)].next) }
            let first = sc.chosenVariant[bi] == variant ? state.layerNs(slot, position: next, on: a) : 0
            if now + first > pressedStart && sc.latestStart[bi] >= pressedStart { bi = pressed }
        }
        sc.assignedTo[bi] = Int32(bf)
        sc.rowBestScore[bi] = -.infinity
        sc.freeTaken[bf] = true
        sc.freeIndex[a] = -1
        var k = 0
        while sc.untaken[k] != Int32(bf) { k += 1 }
        untakenCount -= 1
        while k < untakenCount { sc.untaken[k] = sc.untaken[k + 1]; k += 1 }
    }

    /// The waiting job (not `bi`, not placed, not shed) with the earliest latest start on free
    /// accelerator `f` among those that can still make it there (ties: the older), and that
    /// start; (-1, infinity) when there is none. The first such job of the pressed list noted
    /// while scoring; only when every job of a full list is out or may not run here, a scan of
    /// all ready jobs.
    @inline(__always)
    private func mostPressed(_ sc: DreamScratch, onFree f: Int, besides bi: Int, n: Int, now: Double) -> (Int, Double) {
        let depth = DreamScratch.pressedDepth
        let count = Int(sc.pressedCount[f])
        for e in 0..<count {
            let k = Int(sc.pressedRows[f * depth + e])
            // Listed whether or not it may run here (checked only now, for the few read);
            // placed or shed since, it is out. A full list holds the earliest starts of all
            // jobs, so when none of it qualifies, the scan below finds the one that does.
            if sc.assignedTo[k] == -1 && k != bi && canRun(sc, k, onFree: f) { return (k, sc.pressedStarts[f * depth + e]) }
        }
        guard count == depth else { return (-1, .infinity) }
        // Many accelerators still to place: the lists run dry at most of them.
        if untakenCount > 8 { return mostPressedSorted(sc, onFree: f, besides: bi, n: n, now: now) }
        let a = Int(sc.freeAcc[f])
        var best = (row: -1, start: Double.infinity)
        for k in 0..<n { considerPressed(sc, k, on: a, onFree: f, besides: bi, now: now, into: &best) }
        return best
    }

    /// Ready job `k` becomes `best` when it is waiting (not `bi`, not placed, not shed), its
    /// latest start on free accelerator `f` (accelerator `a`) is now or later and earlier than
    /// `best`'s (ties: the older row), and it may run there: the one test of both scans.
    @inline(__always)
    private func considerPressed(_ sc: DreamScratch, _ k: Int, on a: Int, onFree f: Int, besides bi: Int, now: Double,
                             into best: inout (row: Int, start: Double)) {
        guard sc.assignedTo[k] == -1 && k != bi else { return }
        let ls = sc.due[k] - remaining(sc, ofReady: k, on: a)
        if ls >= now && (ls < best.start || (ls == best.start && k < best.row)) && canRun(sc, k, onFree: f) { best = (k, ls) }
    }

    /// `mostPressed`'s scan of the ready jobs, the same job (earliest latest start, ties the
    /// older) found reading fewer: in increasing `due - cacheRemMax` (no latest start of the
    /// job is earlier), sorted once per decision, from the first job not yet out, up to where
    /// that bound passes the best start found.
    @inline(never)
    private func mostPressedSorted(_ sc: DreamScratch, onFree f: Int, besides bi: Int, n: Int, now: Double) -> (Int, Double) {
        if !sc.pressedSorted {
            for i in 0..<n {
                // A switched job's times are not the cache's: no bound, read first.
                let bound = sc.rowSwitched[i] ? -.infinity : sc.due[i] - sc.cacheRemMax[Int(sc.ready[i])]
                sc.pressedLowerBound[i] = bound.isNaN ? -.infinity : bound
                sc.pressedOrder[i] = Int32(i)
            }
            sc.sortPressedOrder(n)
        }
        while sc.pressedScanStart < n && sc.assignedTo[Int(sc.pressedOrder[sc.pressedScanStart])] != -1 { sc.pressedScanStart += 1 }
        let a = Int(sc.freeAcc[f])
        var best = (row: -1, start: Double.infinity)
        for idx in sc.pressedScanStart..<n {
            let k = Int(sc.pressedOrder[idx])
            if sc.pressedLowerBound[k] > best.start { break }
            considerPressed(sc, k, on: a, onFree: f, besides: bi, now: now, into: &best)
        }
        return best
    }

    /// The best untaken free accelerator of scored ready job `i` (ties: the lower index).
    @inline(__always)
    func rescanRow(_ sc: DreamScratch, _ i: Int) {
        let scores = sc.pair + i * accCount
        var bs = -Double.infinity
        var bf: Int32 = -1
        for k in 0..<untakenCount {
            let f = sc.untaken[k]
            let score = scores[Int(f)]
            if score > bs { bs = score; bf = f }
        }
        sc.rowBest[i] = bf
        sc.rowBestScore[i] = bs
    }

    /// Remaining time of ready job `i` on accelerator `a`, at its chosen variant.
    @inline(__always)
    private func remaining(_ sc: DreamScratch, ofReady i: Int, on a: Int) -> Double {
        let rb = Int(sc.ready[i]) * accCount
        return sc.rowSwitched[i] ? sc.switchedRemaining[rb + a] : sc.cacheRem[rb + a]
    }

    /// Appends a run decision for every assigned job. Block budget: a fraction of the laxity
    /// of the most pressed job left waiting (time to its latest start), at least minBlockNs, at
    /// most the release-laxity cap.
    func dispatchBlocks(_ state: SchedulerState, _ sc: DreamScratch, n: Int, now: Double, into decisions: inout Decisions) {
        let A = accCount
        var minLatest = Double.infinity
        for i in 0..<n where sc.assignedTo[i] < 0 { minLatest = min(minLatest, sc.latestStart[i]) }
        let blockCapNs = outlook.blockCapNs
        var cap = blockCapNs
        if configuration.blockUntilRelease && monitor.lastLoad < configuration.loadHigh {
            let nextRelease = outlook.nextPeriodicRelease()
            if nextRelease.isFinite { cap = max(cap, nextRelease - now + blockCapNs) }
        }
        let longBlocks = (loadAtWindow < configuration.longBlockLoadMax || busyAtWindow < configuration.longBlockBusyMax)
            && driftAtWindow < configuration.longBlockDriftMax
        let minBlock = longBlocks ? max(configuration.minBlockNs, configuration.longBlockMinNs) : configuration.minBlockNs
        let waiting = max(minBlock, configuration.blockLaxityFraction * (minLatest - now))
        state.withJobs { jobs in
            for i in 0..<n where sc.assignedTo[i] >= 0 {
                let slot = sc.ready[i]
                let a = Int(sc.freeAcc[Int(sc.assignedTo[i])])
                let job = jobs.baseAddress! + Int(slot)
                // The extended cap only on the job's fastest accelerator (any with long blocks):
                // a long block on a slower one would keep the job from moving when the fast one frees.
                let budget = min(a == Int(sc.cacheBestAcc[Int(slot)]) || longBlocks ? cap : blockCapNs, waiting)
                let layers: Int32
                if !configuration.layerBlocks {
                    layers = job.pointee.remainingLayers
                } else if sc.rowSwitched[i] {
                    // Switched in this decision: size by the new variant's mean layer time.
                    let total = variants.layerCount(Int(job.pointee.stream), Int(sc.chosenVariant[i]))
                    let r = sc.switchedRemaining[Int(slot) * A + a]
                    let perLayer = r / Double(max(1, total))
                    layers = budget.isFinite && perLayer > 0 ? max(1, min(total, Int32(budget / perLayer))) : total
                } else {
                    // The most time the block may take and still leave the rest of the frame
                    // time at best speed (no limit when it cannot make it anyway). Without long
                    // blocks the rest is taken off here and again in `blockLayers`: counted twice,
                    // a margin that keeps blocks to one layer while the slack is under twice the
                    // frame's remaining time (without it dual-ws-os ar-gaming 1.0 sheds a model).
                    let limit = sc.rowScore[i].limit
                    let margin = longBlocks ? 0 : sc.cacheHopAfterNext[Int(slot)]
                    let blockLimit = limit == .infinity ? .infinity : limit - margin
                    layers = blockLayers(state, job, on: a, budget: budget, limit: blockLimit)
                }
                dispatchedSlot[a] = slot
                dispatchedFirst[a] = job.pointee.next
                decisions.append(.run(slot: slot, layers: layers, accelerator: Int32(a)))
            }
        }
    }

    /// Layers that fit `budget` on `a` (at least one), ending before a layer that is more than
    /// `affinityCutRatio` slower here than on its best accelerator.
    private func blockLayers(_ state: SchedulerState, _ job: UnsafePointer<Job>, on a: Int, budget: Double, limit: Double) -> Int32 {
        let remaining = job.pointee.remainingLayers
        let next = Int(job.pointee.next)
        let stream = Int(job.pointee.stream), variant = Int(job.pointee.variant)
        var count: Int32 = 1
        var total = state.estimates.latencyNs(stream: stream, variant: variant, layer: Int(job.pointee.layers[next]), accelerator: a)
        while count < remaining {
            let layer = Int(job.pointee.layers[next + Int(count)])
            let l = state.estimates.latencyNs(stream: stream, variant: variant, layer: layer, accelerator: a)
            if total + l > budget { break }
            if total + l + variants.fastestFrom(stream, variant, layer: layer + 1) > limit { break }
            if l > configuration.affinityCutRatio * state.estimates.fastestNs(stream: stream, variant: variant, layer: layer) { break }
            total += l
            count += 1
        }
        return count
    }
}
