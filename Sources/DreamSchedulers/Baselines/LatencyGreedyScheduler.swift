import DreamEngine

/// XRBench's LatencyGreedy dispatch rule (official simulator): models visited in byte-wise order
/// of name, the oldest queued request of each goes, as a whole model, to the idle accelerator
/// with the lowest latency for it (lowest index on a tie); the passes repeat until nothing more
/// can start, so one model may start several frames at one event.
public final class LatencyGreedyScheduler: Scheduler, DispatchPolicy {
    public let name = "latency-greedy"
    var loop = DispatchLoop()
    private var order: [Int32] = []
    /// Position in `order` of the next model visited (the passes continue cyclically).
    private var position = 0
    public init() {}

    public func attach(to state: SchedulerState) {
        order = state.streams.indices.sorted { Array(state.streams[$0].name.utf8).lexicographicallyPrecedes(Array(state.streams[$1].name.utf8)) }.map { Int32($0) }
        loop.reserve(state)
    }

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        if order.count != state.streams.count { attach(to: state) }
        dispatch(state, into: &decisions)
    }

    func beginDecision(_ state: SchedulerState) { position = 0 }

    /// The oldest request of the next model in the pass that has one; -1 after a whole pass
    /// without one (nothing more can start).
    func pick(_ state: SchedulerState) -> Int32 {
        let n = order.count
        for k in 0..<n {
            let slot = loop.oldest(of: order[(position + k) % n], state)
            if slot >= 0 { position = (position + k + 1) % n; return slot }
        }
        return -1
    }

    func place(_ slot: Int32, _ state: SchedulerState) -> (accelerator: Int, layers: Int32) {
        (loop.fastestFree(slot, state), state.jobs[Int(slot)].remainingLayers)
    }
}
