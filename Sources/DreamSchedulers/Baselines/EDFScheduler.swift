import DreamEngine

/// Earliest deadline first, preemptive at layer boundaries: repeatedly, the ready job with the
/// earliest deadline (oldest on a tie) runs its next layer on the free accelerator where its
/// remaining work is fastest.
public final class EDFScheduler: Scheduler, DispatchPolicy {
    public let name = "edf"
    var loop = DispatchLoop()
    public init() {}

    public func attach(to state: SchedulerState) { loop.reserve(state) }
    public func decide(_ state: SchedulerState, into decisions: inout Decisions) { dispatch(state, into: &decisions) }

    func pick(_ state: SchedulerState) -> Int32 { loop.least(state, below: Int64.max) { j, _ in j.deadlineNs } }

    func place(_ slot: Int32, _ state: SchedulerState) -> (accelerator: Int, layers: Int32) {
        (loop.fastestFree(slot, state), 1)
    }
}
