/// A scheduling policy. The same object drives the live runtime and the simulator: both call it
/// through `ExecutionCore`, on events, never by polling, one call at a time.
///
/// A policy reads the state (released jobs, their remaining layers and estimates, accelerator
/// status) and appends decisions. It must not block; decision time is measured and reported.
public protocol Scheduler: AnyObject {
    var name: String { get }
    /// Called once before the run, with the state it will see (streams, accelerators).
    func attach(to state: SchedulerState)
    /// Sees every event before the next `decide` (frame completions feed DREAM's tuner).
    func observe(_ event: SchedulerEvent, state: SchedulerState)
    /// Appends decisions for the current state. Called after each batch of events.
    func decide(_ state: SchedulerState, into decisions: inout Decisions)
    /// Whether the execution core drops this policy's hopeless frames before each decision
    /// (`HopelessDrop`): the one drop rule every `x+drop` policy shares.
    var dropsHopelessFrames: Bool { get }
    /// The policy's online-tuning log, written as the run's tuning.csv; nil for a policy that
    /// keeps none (no file is written).
    var tuningRecords: [TuningRecord]? { get }
}

extension Scheduler {
    public func attach(to state: SchedulerState) {}
    public func observe(_ event: SchedulerEvent, state: SchedulerState) {}
    public var dropsHopelessFrames: Bool { false }
    public var tuningRecords: [TuningRecord]? { nil }
}

/// One step of a policy's online weight tuning (a row of tuning.csv).
public struct TuningRecord: Sendable, Equatable {
    public var timeNs: Int64
    /// Steps since the last restart (0 for a restart).
    public var step: Int
    public var urgency: Double
    public var fairness: Double
    public var preference: Double
    /// UXCost of the window the kept weights ran (0 for a restart).
    public var windowUXCost: Double
    /// "step", or "restart:REASON".
    public var event: String

    public init(timeNs: Int64, step: Int, urgency: Double, fairness: Double, preference: Double, windowUXCost: Double, event: String) {
        self.timeNs = timeNs
        self.step = step
        self.urgency = urgency
        self.fairness = fairness
        self.preference = preference
        self.windowUXCost = windowUXCost
        self.event = event
    }
}

/// Any policy with the hopeless-frame drop (`edf+drop`, ...): before each decision the execution
/// core drops every frame not running that could not meet its deadline even if it started now
/// on its fastest accelerator (the test of DREAM's own drop, without its layer-hop bound), and
/// its cascade dependents. The policy itself is unchanged and never sees those frames.
public final class HopelessDrop: Scheduler {
    public let inner: Scheduler
    public let name: String

    public init(_ inner: Scheduler) {
        self.inner = inner
        name = inner.name + "+drop"
    }

    public var dropsHopelessFrames: Bool { true }
    public func attach(to state: SchedulerState) { inner.attach(to: state) }
    public func observe(_ event: SchedulerEvent, state: SchedulerState) { inner.observe(event, state: state) }
    public func decide(_ state: SchedulerState, into decisions: inout Decisions) { inner.decide(state, into: &decisions) }
    public var tuningRecords: [TuningRecord]? { inner.tuningRecords }
}

/// What happened, for policies that learn from outcomes.
public enum SchedulerEvent: Sendable {
    case frameReleased(slot: Int32, stream: Int32)
    /// `estimatedNs`: the block's estimate when it was dispatched (`Dispatch.estimatedNs`).
    case blockFinished(slot: Int32, accelerator: Int32, measuredNs: Int64, estimatedNs: Double)
    case frameCompleted(stream: Int32, latencyNs: Int64, deadlineNs: Int64, met: Bool, energyJ: Double)
    case frameDropped(stream: Int32, reason: DropReason)
}

/// Why a frame was dropped: by the policy, by the runtime's rules, or by overload protection.
public enum DropReason: String, Sendable, Codable, CaseIterable {
    /// The policy dropped it (e.g. DREAM: it could no longer meet its deadline).
    case scheduler
    /// Its deadline passed before any layer started (XRBench's rule, for every policy).
    case deadlineBeforeStart = "deadline_before_start"
    /// Its upstream (cascade) frame was dropped, so it never had an input.
    case upstreamDropped = "upstream_dropped"
    /// Too many frames of its stream were pending: the oldest unstarted one gives way.
    case queueFull = "queue_full"
    /// The run ended before it could finish.
    case runEnded = "run_ended"
}

/// One scheduling decision.
public enum Decision: Sendable, Equatable {
    /// Run the next `layers` layers of the job in `slot` on `accelerator` (which must be idle).
    case run(slot: Int32, layers: Int32, accelerator: Int32)
    /// Drop the job (and the cascade frames waiting for it).
    case drop(slot: Int32)
    /// Run the job as another variant of its model (only before its first layer starts).
    case switchVariant(slot: Int32, variant: Int32)
}

/// A reusable decision buffer: appending does not allocate once its capacity is reached.
public struct Decisions: Sendable {
    public private(set) var items: [Decision] = []

    public init(capacity: Int = 64) { items.reserveCapacity(capacity) }

    @inline(__always)
    public mutating func append(_ d: Decision) { items.append(d) }

    public mutating func removeAll() { items.removeAll(keepingCapacity: true) }
    public var isEmpty: Bool { items.isEmpty }
}
