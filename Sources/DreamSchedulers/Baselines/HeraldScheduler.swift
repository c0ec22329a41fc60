import DreamEngine

/// Herald-like layer-level greedy: jobs in release order; a job's next layer goes to the
/// accelerator with the best latency for that layer. If that one is busy, the layer takes the
/// free accelerator only when it would finish there earlier than by waiting (earliest finish);
/// otherwise the job waits. A block is the run of consecutive layers that prefer the chosen
/// accelerator (layer-to-dataflow affinity), so blocks end where the affinity changes.
///
/// Not a `DispatchPolicy`: each job is looked at once, in order, and waits rather than take a
/// worse accelerator, so there is no "pick the best job" to repeat.
public final class HeraldScheduler: Scheduler {
    public let name = "herald"
    private var accs = AcceleratorMarks()
    public init() {}

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
