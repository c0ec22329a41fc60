import DreamEngine

// The baselines of issue 6. Each file-level comment says what the original does and what this
// reimplementation simplifies; docs/baselines.md has the full account.

/// Round robin over streams with a one-layer quantum: each idle accelerator (lowest index first)
/// goes to the oldest ready job of the next stream in cyclic order that has one; after one layer
/// the job gives the accelerator back, so every stream gets a turn. Heterogeneity-blind.
public final class RoundRobinScheduler: Scheduler {
    public let name = "rr"
    private var cursor = 0
    private var marks = SlotMarks()
    private var accs = AcceleratorMarks()
    public init() {}

    public func attach(to state: SchedulerState) { marks.reserve(state.streams.count * 16) }

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        let streamCount = state.streams.count
        guard streamCount > 0 else { return }
        marks.begin(slots: state.jobs.count)
        accs.begin(state)
        for a in 0..<state.acceleratorCount where accs.isFree(a) {
            var chosen: Int32 = -1
            var turn = 0
            while turn < streamCount && chosen < 0 {
                let s = Int32((cursor + turn) % streamCount)
                for slot in state.active where !marks.isMarked(slot) {
                    let j = state.jobs[Int(slot)]
                    if j.stream == s && !j.isRunning { chosen = slot; break }
                }
                turn += 1
            }
            guard chosen >= 0 else { return }
            cursor = (cursor + turn) % streamCount
            marks.mark(chosen)
            accs.take(a)
            decisions.append(.run(slot: chosen, layers: 1, accelerator: Int32(a)))
        }
    }
}

/// Earliest deadline first, preemptive at layer boundaries: repeatedly, the ready job with the
/// earliest deadline (oldest on a tie) runs its next layer on the free accelerator where its
/// remaining work is fastest.
public final class EDFScheduler: Scheduler {
    public let name = "edf"
    private var marks = SlotMarks()
    private var accs = AcceleratorMarks()
    public init() {}

    public func attach(to state: SchedulerState) { marks.reserve(state.streams.count * 16) }

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        marks.begin(slots: state.jobs.count)
        accs.begin(state)
        while accs.anyFree {
            var chosen: Int32 = -1
            var earliest = Int64.max
            for slot in state.active where !marks.isMarked(slot) {
                let j = state.jobs[Int(slot)]
                if !j.isRunning && j.deadlineNs < earliest { earliest = j.deadlineNs; chosen = slot }
            }
            guard chosen >= 0 else { return }
            let a = state.fastestFree(chosen, accs)
            marks.mark(chosen)
            accs.take(a)
            decisions.append(.run(slot: chosen, layers: 1, accelerator: Int32(a)))
        }
    }
}

/// XRBench's LatencyGreedy dispatch rule (official simulator): models visited in byte-wise order
/// of name, the oldest queued request of each goes, as a whole model, to the idle accelerator
/// with the lowest latency for it (lowest index on a tie); the passes repeat until nothing more
/// can start, so one model may start several frames at one event.
public final class LatencyGreedyScheduler: Scheduler {
    public let name = "latency-greedy"
    private var order: [Int32] = []
    private var marks = SlotMarks()
    private var accs = AcceleratorMarks()
    public init() {}

    public func attach(to state: SchedulerState) {
        order = state.streams.indices.sorted { Array(state.streams[$0].name.utf8).lexicographicallyPrecedes(Array(state.streams[$1].name.utf8)) }.map { Int32($0) }
        marks.reserve(state.streams.count * 16)
    }

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        if order.count != state.streams.count { attach(to: state) }
        marks.begin(slots: state.jobs.count)
        accs.begin(state)
        var progress = true
        while progress && accs.anyFree {
            progress = false
            for s in order {
                var chosen: Int32 = -1
                for slot in state.active where !marks.isMarked(slot) {
                    let j = state.jobs[Int(slot)]
                    if j.stream == s && !j.isRunning { chosen = slot; break }
                }
                guard chosen >= 0 else { continue }
                let a = state.fastestFree(chosen, accs)
                guard a >= 0 else { return }
                marks.mark(chosen)
                accs.take(a)
                decisions.append(.run(slot: chosen, layers: state.jobs[Int(chosen)].remainingLayers, accelerator: Int32(a)))
                progress = true
            }
        }
    }
}

/// Herald-like layer-level greedy: jobs in release order; a job's next layer goes to the
/// accelerator with the best latency for that layer. If that one is busy, the layer takes the
/// free accelerator only when it would finish there earlier than by waiting (earliest finish);
/// otherwise the job waits. A block is the run of consecutive layers that prefer the chosen
/// accelerator (layer-to-dataflow affinity), so blocks end where the affinity changes.
public final class HeraldScheduler: Scheduler {
    public let name = "herald"
    private var marks = SlotMarks()
    private var accs = AcceleratorMarks()
    public init() {}

    public func attach(to state: SchedulerState) { marks.reserve(state.streams.count * 16) }

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        accs.begin(state)
        let now = Double(state.now)
        for slot in state.active {
            guard accs.anyFree else { return }
            let j = state.jobs[Int(slot)]
            guard !j.isRunning else { continue }
            var bestFinish = Double.infinity
            var bestAcc = -1
            var bestIsFree = false
            for a in 0..<state.acceleratorCount {
                let l = state.layerNs(slot, position: j.next, on: a)
                let free = accs.isFree(a)
                let start = free ? now : max(now, Double(state.accelerators[a].busyUntilNs))
                if start + l < bestFinish { bestFinish = start + l; bestAcc = a; bestIsFree = free }
            }
            guard bestAcc >= 0, bestIsFree else { continue }
            var count: Int32 = 1
            while count < j.remainingLayers && Self.preferred(state, slot, position: j.next + count) == bestAcc { count += 1 }
            accs.take(bestAcc)
            decisions.append(.run(slot: slot, layers: count, accelerator: Int32(bestAcc)))
        }
    }

    @inline(__always)
    static func preferred(_ state: SchedulerState, _ slot: Int32, position: Int32) -> Int {
        var best = 0
        var bestNs = Double.infinity
        for a in 0..<state.acceleratorCount {
            let l = state.layerNs(slot, position: position, on: a)
            if l < bestNs { bestNs = l; best = a }
        }
        return best
    }
}

/// PREMA-like token scheduling (predictive, preemptive at layer boundaries). Each stream gets a
/// priority level by its rate (PREMA's 1 / 3 / 9: the shortest periods high); a job's token is
/// priority x (1 + waiting time / its isolated estimated time), so tokens grow with waiting
/// time x priority. Candidates are the jobs whose token reaches the highest priority level
/// among ready jobs; among them the shortest estimated remaining job runs, one layer at a time,
/// on the free accelerator where it is fastest.
public final class PREMAScheduler: Scheduler {
    public let name = "prema"
    private var priority: [Double] = []
    private var isolatedNs: [Double] = []
    private var marks = SlotMarks()
    private var accs = AcceleratorMarks()
    public init() {}

    public func attach(to state: SchedulerState) {
        let periods = Array(Set(state.streams.map(\.periodNs))).sorted()
        priority = state.streams.map { s in
            let rank = periods.firstIndex(of: s.periodNs) ?? 0
            let third = Double(rank) / Double(max(1, periods.count))
            return third < 1.0 / 3 ? 9 : third < 2.0 / 3 ? 3 : 1
        }
        isolatedNs = [Double](repeating: 1, count: state.streams.count * 16)
        marks.reserve(state.streams.count * 16)
    }

    public func observe(_ event: SchedulerEvent, state: SchedulerState) {
        if case .frameReleased(let slot, _) = event {
            if Int(slot) >= isolatedNs.count { isolatedNs.append(contentsOf: repeatElement(1, count: Int(slot) + 1 - isolatedNs.count)) }
            isolatedNs[Int(slot)] = max(1, state.bestRemainingNs(slot))
        }
    }

    /// The token of a ready job at `now`.
    func token(_ state: SchedulerState, _ slot: Int32) -> Double {
        let j = state.jobs[Int(slot)]
        let p = Int(j.stream) < priority.count ? priority[Int(j.stream)] : 1
        let iso = Int(slot) < isolatedNs.count ? isolatedNs[Int(slot)] : 1
        return p * (1 + Double(state.now - j.releaseNs) / iso)
    }

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        if priority.count != state.streams.count { attach(to: state) }
        marks.begin(slots: state.jobs.count)
        accs.begin(state)
        while accs.anyFree {
            var threshold = 0.0
            for slot in state.active where !marks.isMarked(slot) && !state.jobs[Int(slot)].isRunning {
                threshold = max(threshold, priority[Int(state.jobs[Int(slot)].stream)])
            }
            guard threshold > 0 else { return }
            var chosen: Int32 = -1
            var shortest = Double.infinity
            for slot in state.active where !marks.isMarked(slot) && !state.jobs[Int(slot)].isRunning {
                guard token(state, slot) >= threshold else { continue }
                let r = state.bestRemainingNs(slot)
                if r < shortest { shortest = r; chosen = slot }
            }
            guard chosen >= 0 else { return }
            let a = state.fastestFree(chosen, accs)
            marks.mark(chosen)
            accs.take(a)
            decisions.append(.run(slot: chosen, layers: 1, accelerator: Int32(a)))
        }
    }
}

/// Planaria-like allocation with accelerators as the unit (Planaria splits one systolic array;
/// here the accelerators are the slices): jobs in order of least laxity (deadline - now -
/// best remaining time); each takes the cheapest free accelerator (estimated busy energy of its
/// remaining work) that still meets its deadline, or the fastest free one when none does. Whole
/// remaining model per dispatch (Planaria re-plans at task arrival and completion only).
public final class PlanariaScheduler: Scheduler {
    public let name = "planaria"
    private var marks = SlotMarks()
    private var accs = AcceleratorMarks()
    public init() {}

    public func attach(to state: SchedulerState) { marks.reserve(state.streams.count * 16) }

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        marks.begin(slots: state.jobs.count)
        accs.begin(state)
        let now = Double(state.now)
        while accs.anyFree {
            var chosen: Int32 = -1
            var leastLaxity = Double.infinity
            for slot in state.active where !marks.isMarked(slot) {
                let j = state.jobs[Int(slot)]
                guard !j.isRunning else { continue }
                let laxity = Double(j.deadlineNs) - now - state.bestRemainingNs(slot)
                if laxity < leastLaxity { leastLaxity = laxity; chosen = slot }
            }
            guard chosen >= 0 else { return }
            let deadline = Double(state.jobs[Int(chosen)].deadlineNs)
            var a = -1
            var cheapest = Double.infinity
            for b in 0..<state.acceleratorCount where accs.isFree(b) {
                let r = state.remainingNs(chosen, on: b)
                guard now + r <= deadline else { continue }
                let d = state.accelerators[b].description
                let energy = r * d.power.activeWatts * Double(max(1, d.coreCount))
                if energy < cheapest { cheapest = energy; a = b }
            }
            if a < 0 { a = state.fastestFree(chosen, accs) }
            marks.mark(chosen)
            accs.take(a)
            decisions.append(.run(slot: chosen, layers: state.jobs[Int(chosen)].remainingLayers, accelerator: Int32(a)))
        }
    }
}

/// Veltair-like layer blocks with adaptive granularity: the least recently served job first
/// (release order on a tie), on the fastest free accelerator, for a block of about remaining /
/// (1 + jobs waiting) of its time (at least `minBlockNs`): the more tenants wait, the finer the
/// blocks and the more often the accelerators are re-shared among them.
public final class VeltairScheduler: Scheduler {
    public let name = "veltair"
    public var minBlockNs: Double = 250_000
    private var marks = SlotMarks()
    private var accs = AcceleratorMarks()
    public init() {}

    public func attach(to state: SchedulerState) { marks.reserve(state.streams.count * 16) }

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        marks.begin(slots: state.jobs.count)
        accs.begin(state)
        var waiting = 0
        for slot in state.active where !state.jobs[Int(slot)].isRunning { waiting += 1 }
        while accs.anyFree {
            var chosen: Int32 = -1
            var oldest = Int64.max
            for slot in state.active where !marks.isMarked(slot) {
                let j = state.jobs[Int(slot)]
                if !j.isRunning && j.lastRanNs < oldest { oldest = j.lastRanNs; chosen = slot }
            }
            guard chosen >= 0 else { return }
            waiting -= 1
            let a = state.fastestFree(chosen, accs)
            let budget = max(minBlockNs, state.remainingNs(chosen, on: a) / Double(1 + max(0, waiting)))
            marks.mark(chosen)
            accs.take(a)
            decisions.append(.run(slot: chosen, layers: state.layersWithin(chosen, budgetNs: budget, on: a), accelerator: Int32(a)))
        }
    }
}
