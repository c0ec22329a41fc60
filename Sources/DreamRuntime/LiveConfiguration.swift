import DreamEngine

/// Knobs of a live run.
public struct LiveConfiguration: Sendable {
    /// How long an idle worker spins on its doorbell before parking (0: park at once).
    /// Spinning gives sub-microsecond dispatch; parking frees the core.
    public var spinWindowNs: UInt64 = 500_000
    /// After the last release, how long unfinished frames may still run.
    public var drainNs: Int64 = 2_000_000_000
    /// The release timer applies events (deadline drops, a policy call) when no thread has for
    /// this long, so they happen when nothing else does.
    public var tickNs: Int64 = 5_000_000
    /// When a worker will be spinning through a frame release, it releases the frame itself (or,
    /// busy, at its block's end) and moves the release timer on; the timer stays armed this long
    /// after the release only as a backstop (all workers in long blocks). Bounds the lateness of
    /// such a release.
    public var releaseBackstopNs: Int64 = 50_000
    /// When the release timer itself must release (no worker spinning through it), it wakes this
    /// early and spins the rest: waking a thread on an idle vCPU takes 20-40 us here, with tails
    /// of hundreds (parked workers' release lateness p50 ~30 us without a lead, ~0.2 us with;
    /// p99 ~100 us or less with 300 us, 200-300 us with 0-200 us; `bench/run release`). Costs up
    /// to this much CPU per timer-driven release; 0 disables it.
    public var timerLeadNs: Int64 = 300_000
    public var engine = ExecutionCore.Configuration()
    /// Run the release timer under SCHED_FIFO (needs root or CAP_SYS_NICE). Off by default:
    /// measured here, a FIFO timer that meets the core's lock held by a SCHED_OTHER worker on
    /// its CPU inverts priorities and stretches both release and dispatch tails into
    /// milliseconds (release lateness p99 0.8-3.3 ms with it, 58-144 us without; dispatch p99
    /// with spinning workers 1.75 ms with it, 38 us without; `bench/run dispatch|release`).
    public var realtimeTimer = false
    /// Seed of the weights and the input frames.
    public var dataSeed: UInt64 = 1
    public init() {}
}

/// A snapshot for the live progress line.
public struct LiveProgress: Sendable {
    public var elapsedNs: Int64
    public var durationNs: Int64
    public var met: Int
    public var missed: Int
    public var dropped: Int
    public var busyFraction: [Double]
    /// What disturbed the run so far (other load or steal on a worker core, a stall), or nil.
    public var interference: String?
}
