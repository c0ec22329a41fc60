import CDreamShims

/// Real-time knobs for the calling thread and the monotonic clock.
public enum RealTime {
    /// CLOCK_MONOTONIC in nanoseconds.
    @inline(__always)
    public static func nowNanoseconds() -> UInt64 { CDreamShims_monotonic_ns() }

    /// Sets the thread's timer slack (1 ns halves nanosleep overshoot here). Returns errno or 0.
    @discardableResult
    public static func setTimerSlack(nanoseconds: UInt) -> Int32 { CDreamShims_set_timer_slack_ns(nanoseconds) }

    /// SCHED_FIFO at `priority`. Never spin forever under it: RT throttling freezes the thread.
    @discardableResult
    public static func setFIFO(priority: Int32) -> Int32 { CDreamShims_set_fifo(priority) }

    @discardableResult
    public static func setNormalScheduling() -> Int32 { CDreamShims_set_normal() }

    /// Sleeps until the absolute monotonic time; returns false when a signal interrupted it
    /// and `interruptible` is set.
    @discardableResult
    public static func sleep(untilNanoseconds deadline: UInt64, interruptible: Bool = false) -> Bool {
        CDreamShims_sleep_until_ns(deadline, interruptible ? 1 : 0) == 0
    }

    @inline(__always)
    public static func cpuRelax() { CDreamShims_cpu_relax() }

    public static func threadID() -> Int32 { CDreamShims_gettid() }

    /// Flush denormals to zero on the calling thread (kernel threads call it once).
    public static func enableFlushToZero() { CDreamShims_enable_flush_to_zero() }
}
