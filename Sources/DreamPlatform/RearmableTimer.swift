import CDreamShims

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
