import DreamEngine

/// First come, first served: the oldest released job that is not running gets the first idle
/// accelerator (lowest index) for all its remaining layers. No estimates, no preemption points.
/// The textbook baseline (CEDR and Band ship it too).
public final class FCFSScheduler: Scheduler {
    public let name = "fcfs"
    public init() {}

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        var acc = 0
        for slot in state.active {
            let job = state.job(slot)
            guard !job.isRunning else { continue }
            while acc < state.acceleratorCount && !state.accelerators[acc].isIdle { acc += 1 }
            guard acc < state.acceleratorCount else { return }
            decisions.append(.run(slot: slot, layers: job.remainingLayers, accelerator: Int32(acc)))
            acc += 1
        }
    }
}
