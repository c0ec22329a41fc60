import DreamEngine

/// PREMA-like token scheduling (predictive, preemptive at layer boundaries). Each stream gets a
/// priority level by its rate (PREMA's 1 / 3 / 9: the shortest periods high); a job's token is
/// priority x (1 + waiting time / its isolated estimated time), so tokens grow with waiting
/// time x priority. Candidates are the jobs whose token reaches the highest priority level
/// among ready jobs; among them the shortest estimated remaining job runs, one layer at a time,
/// on the free accelerator where it is fastest.
public final class PREMAScheduler: Scheduler, DispatchPolicy {
    public let name = "prema"
    var loop = DispatchLoop()
    private var priority: [Double] = []
    private var isolatedNs: [Double] = []
    public init() {}

    public func attach(to state: SchedulerState) {
        let periods = Array(Set(state.streams.map(\.periodNs))).sorted()
        priority = state.streams.map { s in
            let rank = periods.firstIndex(of: s.periodNs) ?? 0
            let third = Double(rank) / Double(max(1, periods.count))
            return third < 1.0 / 3 ? 9 : third < 2.0 / 3 ? 3 : 1
        }
        isolatedNs = [Double](repeating: 1, count: state.streams.count * 16)
        loop.reserve(state)
    }

    public func observe(_ event: SchedulerEvent, state: SchedulerState) {
        if case .frameReleased(let slot, _) = event {
            if Int(slot) >= isolatedNs.count { isolatedNs.append(contentsOf: repeatElement(1, count: Int(slot) + 1 - isolatedNs.count)) }
            isolatedNs[Int(slot)] = max(1, state.bestRemainingNs(slot))
        }
    }

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        if priority.count != state.streams.count { attach(to: state) }
        dispatch(state, into: &decisions)
    }

    /// The token of a ready job at `now`.
    func token(_ state: SchedulerState, _ slot: Int32) -> Double {
        let j = state.jobs[Int(slot)]
        let p = Int(j.stream) < priority.count ? priority[Int(j.stream)] : 1
        let iso = Int(slot) < isolatedNs.count ? isolatedNs[Int(slot)] : 1
        return p * (1 + Double(state.now - j.releaseNs) / iso)
    }

    func pick(_ state: SchedulerState) -> Int32 {
        var threshold = 0.0
        for slot in state.active where !loop.isPlaced(slot) && !state.jobs[Int(slot)].isRunning {
            threshold = max(threshold, priority[Int(state.jobs[Int(slot)].stream)])
        }
        guard threshold > 0 else { return -1 }
        var chosen: Int32 = -1
        var shortest = Double.infinity
        for slot in state.active where !loop.isPlaced(slot) && !state.jobs[Int(slot)].isRunning {
            guard token(state, slot) >= threshold else { continue }
            let r = state.bestRemainingNs(slot)
            if r < shortest { shortest = r; chosen = slot }
        }
        return chosen
    }

    func place(_ slot: Int32, _ state: SchedulerState) -> (accelerator: Int, layers: Int32) {
        (loop.fastestFree(slot, state), 1)
    }
}
