import DreamEngine

/// Veltair-like layer blocks with adaptive granularity: the least recently served job first
/// (release order on a tie), on the fastest free accelerator, for a block of about remaining /
/// (1 + jobs waiting) of its time (at least `minBlockNs`): the more tenants wait, the finer the
/// blocks and the more often the accelerators are re-shared among them.
public final class VeltairScheduler: Scheduler, DispatchPolicy {
    public let name = "veltair"
    public var minBlockNs: Double = 250_000
    var loop = DispatchLoop()
    /// Jobs still waiting after the ones placed so far in this decision.
    private var waiting = 0
    public init() {}

    public func attach(to state: SchedulerState) { loop.reserve(state) }
    public func decide(_ state: SchedulerState, into decisions: inout Decisions) { dispatch(state, into: &decisions) }

    func beginDecision(_ state: SchedulerState) {
        waiting = 0
        for slot in state.active where !state.jobs[Int(slot)].isRunning { waiting += 1 }
    }

    func pick(_ state: SchedulerState) -> Int32 { loop.least(state, below: Int64.max) { j, _ in j.lastRanNs } }

    func place(_ slot: Int32, _ state: SchedulerState) -> (accelerator: Int, layers: Int32) {
        waiting -= 1
        let a = loop.fastestFree(slot, state)
        let budget = max(minBlockNs, state.remainingNs(slot, on: a) / Double(1 + max(0, waiting)))
        return (a, state.layersWithin(slot, budgetNs: budget, on: a))
    }
}
