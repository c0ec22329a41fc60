import CDreamShims

/// A worker's doorbell: `ring()` from any thread; `wait(seen:)` from the owner only, spinning
/// for a window (sub-microsecond wake-ups) and then parking on a futex (no CPU burnt).
public final class Doorbell: @unchecked Sendable {
    private let box: OpaquePointer

    public init() {
        guard let m = CDreamMailbox_create() else { fatalError("out of memory allocating a doorbell") }
        box = m
    }

    deinit { CDreamMailbox_destroy(box) }

    /// Rings: everything written before this is visible to the woken owner.
    @inline(__always)
    public func ring() { CDreamMailbox_post(box) }

    /// The current ring count.
    @inline(__always)
    public var count: UInt32 { CDreamMailbox_load(box) }
}

extension Doorbell {
    public enum Wake { case rung, rungAfterParking, alarm }

    /// Waits for a ring after `seen`, spinning until the absolute monotonic `spinUntilNs` and
    /// then parking; while it spins it also returns `.alarm` once `alarm`'s time has come (so an
    /// idle spinning thread can do timed work without another thread preempting it).
    @inline(__always)
    public func wait(seen: UInt32, spinUntilNs: UInt64, alarm: Alarm) -> (count: UInt32, wake: Wake) {
        var count: UInt32 = 0
        let r = CDreamMailbox_wait_or_alarm(box, seen, spinUntilNs, alarm.box, &count)
        return (count, r == 0 ? .rung : r == 1 ? .rungAfterParking : .alarm)
    }
}

/// An absolute CLOCK_MONOTONIC time that spinning doorbell waiters watch (`UInt64.max`: none).
/// Any thread may set it; it carries no other data (readers take a lock to act on it).
public final class Alarm: @unchecked Sendable {
    fileprivate let box: OpaquePointer

    public init(atNanoseconds: UInt64 = .max) {
        guard let a = CDreamAlarm_create(atNanoseconds) else { fatalError("out of memory allocating an alarm") }
        box = a
    }

    deinit { CDreamAlarm_destroy(box) }

    public var atNanoseconds: UInt64 {
        @inline(__always) get { CDreamAlarm_load(box) }
        @inline(__always) set { CDreamAlarm_set(box, newValue) }
    }
}

/// A one-shot monotonic timer that any thread can re-arm without waking the thread that waits
/// on it (a timerfd): a waiter sleeps until the latest arming, however often it moves.
public final class RearmableTimer: @unchecked Sendable {
    private let fd: Int32

    public struct Failure: Error, CustomStringConvertible {
        public let errno: Int32
        public var description: String {
            "timerfd_create failed (errno \(errno)): the process is out of file descriptors or timers. Fix: raise `ulimit -n` or close other runs."
        }
    }

    public init() throws {
        let r = CDreamTimer_create()
        guard r >= 0 else { throw Failure(errno: -r) }
        fd = r
    }

    deinit { CDreamTimer_destroy(fd) }

    /// Fires at the absolute monotonic time (a time already past fires at once).
    public func arm(atNanoseconds t: UInt64) { _ = CDreamTimer_arm(fd, t) }

    /// Blocks until the timer fires; false when a signal interrupted the wait.
    @discardableResult
    public func wait() -> Bool { CDreamTimer_wait(fd) == 0 }
}

/// Stop requests from SIGINT / SIGTERM, polled by the run loops.
public enum StopSignals {
    public static func install() { CDreamShims_install_stop_handlers() }
    /// The signal number that asked to stop, or nil.
    public static var received: Int32? {
        let s = CDreamShims_stop_signal()
        return s == 0 ? nil : s
    }
    public static func reset() { CDreamShims_reset_stop() }
}

extension RealTime {
    /// Flush denormals to zero on the calling thread (kernel threads call it once).
    public static func enableFlushToZero() { CDreamShims_enable_flush_to_zero() }
}
