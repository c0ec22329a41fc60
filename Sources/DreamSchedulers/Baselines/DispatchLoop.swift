import DreamEngine

/// A baseline written as two rules, "pick a job" and "place it" (the idea of sched_ext's
/// scx_simple: one policy per file over shared dispatch mechanics). `dispatch` is the loop
/// they share: while an accelerator is free, pick a job not yet placed in this decision,
/// place it, record the decision.
protocol DispatchPolicy: AnyObject {
    /// This decision's placed jobs and taken accelerators.
    var loop: DispatchLoop { get set }
    /// Once per decision, before the first pick (per-decision counts).
    func beginDecision(_ state: SchedulerState)
    /// The next job to place: an active slot, not running, not `loop.isPlaced`; -1 ends the decision.
    func pick(_ state: SchedulerState) -> Int32
    /// Where the picked job runs (an accelerator `loop.isFree`) and for how many layers.
    func place(_ slot: Int32, _ state: SchedulerState) -> (accelerator: Int, layers: Int32)
}

extension DispatchPolicy {
    func beginDecision(_ state: SchedulerState) {}

    /// For each free accelerator: pick a job, place it.
    @inline(__always)
    func dispatch(_ state: SchedulerState, into decisions: inout Decisions) {
        loop.begin(state)
        beginDecision(state)
        while loop.anyFree {
            let slot = pick(state)
            guard slot >= 0 else { return }
            let (a, layers) = place(slot, state)
            loop.placed(slot, on: a)
            decisions.append(.run(slot: slot, layers: layers, accelerator: Int32(a)))
        }
    }
}

/// What one decision of a `DispatchPolicy` has done so far: which jobs it placed and which
/// accelerators it took (marks that reset without clearing or allocating).
struct DispatchLoop {
    private(set) var placed = SlotMarks()
    private(set) var accelerators = AcceleratorMarks()

    /// Sizes the marks for the run's usual slot count (attach), so decisions do not allocate.
    mutating func reserve(_ state: SchedulerState) { placed.reserve(state.streams.count * 16) }

    mutating func begin(_ state: SchedulerState) {
        placed.begin(slots: state.jobs.count)
        accelerators.begin(state)
    }

    @inline(__always) func isPlaced(_ slot: Int32) -> Bool { placed.isMarked(slot) }
    @inline(__always) func isFree(_ a: Int) -> Bool { accelerators.isFree(a) }
    var anyFree: Bool { accelerators.anyFree }

    mutating func placed(_ slot: Int32, on a: Int) {
        placed.mark(slot)
        accelerators.take(a)
    }

    /// The free accelerator with the least remaining time for `slot` (lowest index on a tie), or -1.
    @inline(__always)
    func fastestFree(_ slot: Int32, _ state: SchedulerState) -> Int { state.fastestFree(slot, accelerators) }

    /// The ready job not yet placed with the least `key` below `bound` (the oldest on a tie), or -1.
    @inline(__always)
    func least<Key: Comparable>(_ state: SchedulerState, below bound: Key, by key: (Job, Int32) -> Key) -> Int32 {
        var chosen: Int32 = -1
        var least = bound
        for slot in state.active where !isPlaced(slot) {
            let j = state.jobs[Int(slot)]
            guard !j.isRunning else { continue }
            let k = key(j, slot)
            if k < least { least = k; chosen = slot }
        }
        return chosen
    }

    /// The oldest ready job of `stream` not yet placed, or -1.
    @inline(__always)
    func oldest(of stream: Int32, _ state: SchedulerState) -> Int32 {
        for slot in state.active where !isPlaced(slot) {
            let j = state.jobs[Int(slot)]
            if j.stream == stream && !j.isRunning { return slot }
        }
        return -1
    }

    /// The free accelerator with the lowest index, or -1.
    func firstFree(_ state: SchedulerState) -> Int {
        for a in 0..<state.acceleratorCount where accelerators.isFree(a) { return a }
        return -1
    }
}
