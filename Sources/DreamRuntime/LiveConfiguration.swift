import DreamEngine

/// Knobs of a live run.
public struct LiveConfiguration: Sendable {
    /// How long an idle worker spins on its doorbell before parking (0: park at once).
    /// Spinning gives sub-microsecond dispatch; parking frees the core.
    public var spinWindowNs: UInt64 = 500_000
    /// After the last release, how long unfinished frames may still run.
    public var drainNs: Int64 = 2_000_000_000
    /// The coordinator wakes at least this often to apply deadline drops and let the policy
    /// act when nothing else happens.
    public var tickNs: Int64 = 5_000_000
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
}
