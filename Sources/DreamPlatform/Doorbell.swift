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

    /// Waits for a ring after `seen`; returns the new count and whether it had to park.
    @inline(__always)
    public func wait(seen: UInt32, spinNanoseconds: UInt64) -> (count: UInt32, parked: Bool) {
        var parked: Int32 = 0
        let c = CDreamMailbox_wait(box, seen, spinNanoseconds, &parked)
        return (c, parked != 0)
    }
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
