import DreamEngine

/// Round robin over streams with a one-layer quantum: each idle accelerator (lowest index first)
/// goes to the oldest ready job of the next stream in cyclic order that has one; after one layer
/// the job gives the accelerator back, so every stream gets a turn. Heterogeneity-blind.
public final class RoundRobinScheduler: Scheduler, DispatchPolicy {
    public let name = "rr"
    var loop = DispatchLoop()
    /// The stream whose turn is next.
    private var cursor = 0
    public init() {}

    public func attach(to state: SchedulerState) { loop.reserve(state) }
    public func decide(_ state: SchedulerState, into decisions: inout Decisions) { dispatch(state, into: &decisions) }

    func pick(_ state: SchedulerState) -> Int32 {
        let streamCount = state.streams.count
        for turn in 0..<streamCount {
            let slot = loop.oldest(of: Int32((cursor + turn) % streamCount), state)
            if slot >= 0 { cursor = (cursor + turn + 1) % streamCount; return slot }
        }
        return -1
    }

    func place(_ slot: Int32, _ state: SchedulerState) -> (accelerator: Int, layers: Int32) { (loop.firstFree(state), 1) }
}
