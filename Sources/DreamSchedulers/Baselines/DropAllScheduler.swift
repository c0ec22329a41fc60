import DreamEngine

/// The sanity policy of every comparison: drops every frame at its release and runs nothing.
/// Its V is 1 and it spends idle energy only, so a metric on which it wins rewards shedding
/// (docs/compare.md); UXCost-met never lets it win (no frame meets: infinite).
public final class DropAllScheduler: Scheduler {
    public let name = "drop-all"
    public init() {}

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        for slot in state.active where !state.job(slot).isRunning {
            decisions.append(.drop(slot: slot))
        }
    }
}
