import DreamEngine

/// Planaria-like allocation with accelerators as the unit (Planaria splits one systolic array;
/// here the accelerators are the slices): jobs in order of least laxity (deadline - now -
/// best remaining time); each takes the cheapest free accelerator (estimated busy energy of its
/// remaining work) that still meets its deadline, or the fastest free one when none does. Whole
/// remaining model per dispatch (Planaria re-plans at task arrival and completion only).
public final class PlanariaScheduler: Scheduler, DispatchPolicy {
    public let name = "planaria"
    var loop = DispatchLoop()
    public init() {}

    public func attach(to state: SchedulerState) { loop.reserve(state) }
    public func decide(_ state: SchedulerState, into decisions: inout Decisions) { dispatch(state, into: &decisions) }

    /// Least laxity: deadline - now - best remaining time.
    func pick(_ state: SchedulerState) -> Int32 {
        let now = Double(state.now)
        return loop.least(state, below: Double.infinity) { j, slot in Double(j.deadlineNs) - now - state.bestRemainingNs(slot) }
    }

    func place(_ slot: Int32, _ state: SchedulerState) -> (accelerator: Int, layers: Int32) {
        let now = Double(state.now)
        let deadline = Double(state.jobs[Int(slot)].deadlineNs)
        var a = -1
        var cheapest = Double.infinity
        for b in 0..<state.acceleratorCount where loop.isFree(b) {
            let r = state.remainingNs(slot, on: b)
            guard now + r <= deadline else { continue }
            let d = state.accelerators[b].description
            let energy = r * d.power.activeWatts * Double(max(1, d.coreCount))
            if energy < cheapest { cheapest = energy; a = b }
        }
        if a < 0 { a = loop.fastestFree(slot, state) }
        return (a, state.jobs[Int(slot)].remainingLayers)
    }
}
