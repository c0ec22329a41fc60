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
