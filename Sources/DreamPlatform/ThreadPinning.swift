import CDreamShims

/// Pins the calling thread and reports where it runs (Linux, through the GNU-only shim).
public enum ThreadPinning {
    public struct Failure: Error, CustomStringConvertible {
        public var cpus: [Int]
        public var errno: Int32
        public var description: String { "could not pin the thread to CPUs \(cpus) (errno \(errno))" }
    }

    /// Restricts the calling thread to `cpus` (OS CPU numbers).
    public static func pinCurrentThread(to cpus: [Int]) throws(Failure) {
        let list = cpus.map { Int32($0) }
        let rc = list.withUnsafeBufferPointer { CDreamShims_pin_self($0.baseAddress, Int32($0.count)) }
        if rc != 0 { throw Failure(cpus: cpus, errno: rc) }
    }

    /// The CPUs the calling thread may run on.
    public static func allowedCPUs() -> [Int] {
        var buffer = [Int32](repeating: 0, count: 1024)
        let n = buffer.withUnsafeMutableBufferPointer { CDreamShims_get_affinity_self($0.baseAddress, Int32($0.count)) }
        guard n > 0 else { return [] }
        return buffer.prefix(Int(min(n, 1024))).map { Int($0) }
    }

    /// The CPU the calling thread runs on right now (sched_getcpu), or nil.
    public static func currentCPU() -> Int? {
        let cpu = CDreamShims_sched_getcpu()
        return cpu >= 0 ? Int(cpu) : nil
    }

    public static func setName(_ name: String) {
        _ = CDreamShims_set_thread_name(name)
    }
}

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
}
