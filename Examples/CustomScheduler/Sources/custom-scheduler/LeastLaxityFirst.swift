import DreamEngine

/// Least laxity first: every idle accelerator takes the waiting job with the least slack
/// (deadline - now - its remaining time on its fastest accelerator), and runs all its remaining
/// layers. A frame whose slack is already negative cannot make it: drop it instead, so that it
/// does not hold an accelerator others could use.
final class LeastLaxityFirst: Scheduler {
    let name = "llf"
    /// Jobs placed or dropped in this decision (kept between calls: no allocation once grown).
    private var taken: [Int32] = []

    func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        taken.removeAll(keepingCapacity: true)
        for acc in 0..<state.acceleratorCount where state.accelerators[acc].isIdle {
            var best: Int32 = -1
            var bestSlack = Double.infinity
            for slot in state.active where !state.job(slot).isRunning && !taken.contains(slot) {
                let job = state.job(slot)
                let slack = Double(job.deadlineNs - state.now) - state.bestRemainingNs(slot)
                if slack < 0 && !job.hasStarted {
                    decisions.append(.drop(slot: slot))
                    taken.append(slot)
                } else if slack < bestSlack {
                    bestSlack = slack
                    best = slot
                }
            }
            guard best >= 0 else { return }
            decisions.append(.run(slot: best, layers: state.job(best).remainingLayers, accelerator: Int32(acc)))
            taken.append(best)
        }
    }
}
