import Foundation

/// What Linux says about the CPUs and about this process's threads: /proc/stat per CPU,
/// /proc/self/task/TID/{schedstat,status}, cpufreq. Read by the live runtime's interference
/// monitor (once a second, never on a worker's path) and by `dream doctor`.
public enum ProcStat {
    /// Nanoseconds per clock tick of /proc/stat (USER_HZ, 100 on Linux: 10 ms).
    public static let nanosecondsPerTick: Int64 = {
        let hz = sysconf(Int32(_SC_CLK_TCK))
        return hz > 0 ? 1_000_000_000 / Int64(hz) : 10_000_000
    }()

    /// One CPU's counters from /proc/stat, in nanoseconds (tick resolution).
    public struct CPUTimes: Sendable, Equatable {
        public var user: Int64 = 0
        public var nice: Int64 = 0
        public var system: Int64 = 0
        public var idle: Int64 = 0
        public var iowait: Int64 = 0
        public var irq: Int64 = 0
        public var softirq: Int64 = 0
        public var steal: Int64 = 0
        public init() {}
        /// Time the CPU ran anything (guest time is already inside user / nice).
        public var busy: Int64 { user + nice + system + irq + softirq }
        public var total: Int64 { busy + idle + iowait + steal }
    }

    /// Per CPU number, the counters of /proc/stat (the `cpuN` lines).
    public static func cpuTimes(text: String? = nil) -> [Int: CPUTimes] {
        guard let text = text ?? read("/proc/stat") else { return [:] }
        var out: [Int: CPUTimes] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("cpu") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 9, let cpu = Int(f[0].dropFirst(3)) else { continue }
            let v = f.dropFirst().map { (Int64($0) ?? 0) * nanosecondsPerTick }
            var t = CPUTimes()
            t.user = v[0]; t.nice = v[1]; t.system = v[2]; t.idle = v[3]; t.iowait = v[4]
            t.irq = v[5]; t.softirq = v[6]; t.steal = v[7]
            out[cpu] = t
        }
        return out
    }

    /// One thread of this process.
    public struct ThreadTimes: Sendable, Equatable {
        public var tid: Int32
        public var name: String
        /// CPU time the thread ran (schedstat, ns).
        public var runNs: Int64
        /// Time the thread was runnable but waiting for a CPU (schedstat, ns).
        public var waitNs: Int64
        public var voluntarySwitches: Int64
        public var involuntarySwitches: Int64
        /// The CPUs it may run on (Cpus_allowed_list).
        public var allowedCPUs: [Int]
    }

    /// Every thread of this process now.
    public static func threads() -> [ThreadTimes] {
        guard let tids = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return [] }
        return tids.compactMap { Int32($0) }.sorted().compactMap(thread)
    }

    /// One thread of this process (nil once it has exited).
    public static func thread(_ tid: Int32) -> ThreadTimes? {
        guard let status = read("/proc/self/task/\(tid)/status") else { return nil }
        var t = ThreadTimes(tid: tid, name: "", runNs: 0, waitNs: 0, voluntarySwitches: 0, involuntarySwitches: 0, allowedCPUs: [])
        for line in status.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon]
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "Name": t.name = value
            case "voluntary_ctxt_switches": t.voluntarySwitches = Int64(value) ?? 0
            case "nonvoluntary_ctxt_switches": t.involuntarySwitches = Int64(value) ?? 0
            case "Cpus_allowed_list": t.allowedCPUs = parseCPUList(value)
            default: break
            }
        }
        if let s = read("/proc/self/task/\(tid)/schedstat") {
            let f = s.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if f.count >= 2 { t.runNs = Int64(f[0]) ?? 0; t.waitNs = Int64(f[1]) ?? 0 }
        }
        return t
    }

    /// "0-3,8,10-11" -> [0, 1, 2, 3, 8, 10, 11].
    public static func parseCPUList(_ s: String) -> [Int] {
        var out: [Int] = []
        for part in s.split(separator: ",") {
            let r = part.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if r.count == 1 { out.append(r[0]) } else if r.count == 2, r[0] <= r[1], r[1] - r[0] < 65_536 { out += Array(r[0]...r[1]) }
        }
        return out
    }

    /// The current frequency of `cpu` in MHz and where it was read: cpufreq's scaling_cur_freq
    /// when the kernel exposes it, else /proc/cpuinfo's `cpu MHz` (on virtual machines often the
    /// nominal or TSC rate, not the running clock); nil when neither is readable.
    public static func frequencyMHz(cpu: Int) -> (mhz: Double, source: String)? {
        if let s = read("/sys/devices/system/cpu/cpu\(cpu)/cpufreq/scaling_cur_freq"),
           let khz = Double(s.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return (khz / 1000, "cpufreq scaling_cur_freq")
        }
        guard let info = read("/proc/cpuinfo") else { return nil }
        var current = -1
        for line in info.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "processor" { current = Int(parts[1]) ?? -1 }
            if parts[0] == "cpu MHz", current == cpu, let v = Double(parts[1]) { return (v, "/proc/cpuinfo cpu MHz (may be the nominal rate)") }
        }
        return nil
    }

    /// A whole small file (procfs / sysfs), or nil.
    public static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        return String(decoding: data, as: UTF8.self)
    }
}
