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
