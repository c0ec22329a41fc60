import CDreamShims

/// An absolute CLOCK_MONOTONIC time that spinning doorbell waiters watch (`UInt64.max`: none).
/// Any thread may set it; it carries no other data (readers take a lock to act on it).
public final class Alarm: @unchecked Sendable {
    let box: OpaquePointer

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
