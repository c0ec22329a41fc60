import DreamCore
import DreamEngine
import DreamPlatform
import Foundation
import Synchronization

/// One thing a live run's timing depends on, measured now.
public struct HostCheck: Sendable {
    public var name: String
    /// ok, warn or FAIL.
    public var level: String
    public var detail: String
    public var fix: String?
}

/// Is this machine quiet enough for live runs? Other load and steal per CPU over a window (and
/// which processes used the CPU), governor and frequency, timer slack and a 1 ms sleep's
/// overshoot, pinning to every allowed CPU, NUMA binding, RAPL, isolated CPUs.
public enum HostDoctor {
    /// Every check; watches /proc/stat for `watchSeconds` (asleep meanwhile; at least 0.1 s).
    /// Sets the calling thread's timer slack to 1 ns, as the live runtime does, to measure sleeps.
    public static func checks(watchSeconds: Double) -> [HostCheck] {
        let watchSeconds = watchSeconds.isFinite ? min(max(watchSeconds, 0.1), 3600) : 0.1
        let cpus = ThreadPinning.allowedCPUs()
        return load(cpus, watchSeconds: watchSeconds) + governor(cpus) + timerSlack() + pinning(cpus) + numaBinding() + energyAndIsolation()
    }

    /// Other load and steal per CPU over the window, and who used the CPU.
    private static func load(_ cpus: [Int], watchSeconds: Double) -> [HostCheck] {
        var checks: [HostCheck] = []
        let procsBefore = processTimes()
        let before = ProcStat.cpuTimes()
        let t0 = RealTime.nowNanoseconds()
        RealTime.sleep(untilNanoseconds: t0 + UInt64(watchSeconds * 1e9))
        let after = ProcStat.cpuTimes()
        let spanNs = Int64(RealTime.nowNanoseconds() - t0)
        let procsAfter = processTimes()
        let limit = InterferenceReport.Thresholds.coreFraction
        var busyCPUs: [String] = []
        for cpu in cpus {
            guard let a = before[cpu], let b = after[cpu] else { continue }
            let busy = min(1, Double(b.busy - a.busy) / Double(spanNs)), steal = Double(b.steal - a.steal) / Double(spanNs)
            let loaded = busy > limit, stolen = steal > limit
            if loaded { busyCPUs.append("\(cpu)") }
            checks.append(HostCheck(name: "cpu \(cpu)", level: loaded || stolen ? "FAIL" : "ok",
                                detail: String(format: "other load %.1f%%, steal %.1f%% over %.1f s", busy * 100, steal * 100, Double(spanNs) / 1e9),
                                fix: loaded ? "stop or move the processes below (taskset / cgroups), or give the run other cores"
                                     : stolen ? "steal is the hypervisor running other guests: use a dedicated host or instance" : nil))
        }
        let hz = Double(1_000_000_000 / ProcStat.nanosecondsPerTick)
        let top = procsAfter.compactMap { pid, v -> (String, Double)? in
            let d = Double(v.ticks - (procsBefore[pid]?.ticks ?? 0)) / hz
            return d > 0.01 && pid != getpid() ? ("\(v.name) (pid \(pid))", d) : nil
        }.sorted { $0.1 > $1.1 }.prefix(5)
        if !top.isEmpty {
            checks.append(HostCheck(name: "busiest processes", level: busyCPUs.isEmpty ? "ok" : "warn",
                                detail: top.map { String(format: "%@ %.2f s", $0.0, $0.1) }.joined(separator: ", "), fix: nil))
        }
        if let load = ProcStat.read("/proc/loadavg")?.split(separator: " ").prefix(3).joined(separator: " ") {
            checks.append(HostCheck(name: "load average", level: "ok", detail: load, fix: nil))
        }
        return checks
    }

    /// The cpufreq governor and the current frequency.
    private static func governor(_ cpus: [Int]) -> [HostCheck] {
        var checks: [HostCheck] = []
        let governors = Set(cpus.compactMap { ProcStat.read("/sys/devices/system/cpu/cpu\($0)/cpufreq/scaling_governor")?.trimmingCharacters(in: .whitespacesAndNewlines) })
        if governors.isEmpty {
            checks.append(HostCheck(name: "governor", level: "ok", detail: "not exposed (no cpufreq driver, as in most VMs): nothing to set", fix: nil))
        } else {
            let ok = governors == ["performance"]
            checks.append(HostCheck(name: "governor", level: ok ? "ok" : "warn", detail: governors.sorted().joined(separator: ", "),
                                fix: ok ? nil : "cpupower frequency-set -g performance (frequency changes stretch blocks)"))
        }
        if let f = cpus.first.flatMap({ ProcStat.frequencyMHz(cpu: $0) }) {
            checks.append(HostCheck(name: "frequency", level: "ok", detail: String(format: "cpu %d %.0f MHz (%@)", cpus.first!, f.mhz, f.source), fix: nil))
        }
        return checks
    }

    /// Timer slack and a 1 ms sleep's overshoot with the slack the runtime sets.
    private static func timerSlack() -> [HostCheck] {
        var checks: [HostCheck] = []
        let slack = ProcStat.read("/proc/self/timerslack_ns")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        let setRC = RealTime.setTimerSlack(nanoseconds: 1)
        var over: [Double] = []
        for _ in 0..<100 {
            let target = RealTime.nowNanoseconds() + 1_000_000
            RealTime.sleep(untilNanoseconds: target)
            over.append(Double(Int64(RealTime.nowNanoseconds()) - Int64(target)) / 1e3)
        }
        over.sort()
        let p50 = over[over.count / 2], p99 = over[over.count * 99 / 100]
        checks.append(HostCheck(name: "timer slack", level: setRC == 0 && p99 < 1000 ? "ok" : "warn",
                            detail: String(format: "default %@ ns; set to 1 ns %@; 1 ms sleep overshoot p50 %.0f us, p99 %.0f us", slack,
                                           setRC == 0 ? "works" : "FAILED (errno \(setRC))", p50, p99),
                            fix: setRC == 0 && p99 < 1000 ? nil : "a loaded or power-saving host wakes late: quiet the machine, disable deep C-states"))
        return checks
    }

    /// A thread pinned to each allowed CPU runs there.
    private static func pinning(_ cpus: [Int]) -> [HostCheck] {
        var checks: [HostCheck] = []
        var pinFailures: [String] = []
        for cpu in cpus {
            let seen = Mutex<String?>(nil)
            let done = DispatchSemaphore(value: 0)
            let t = Thread {
                do {
                    try ThreadPinning.pinCurrentThread(to: [cpu])
                    var landed = -1
                    for _ in 0..<1000 { landed = ThreadPinning.currentCPU() ?? -1; if landed == cpu { break } }
                    if landed != cpu { seen.withLock { $0 = "cpu \(cpu): runs on \(landed)" } }
                } catch { seen.withLock { $0 = "cpu \(cpu): \(error)" } }
                done.signal()
            }
            t.start()
            done.wait()
            if let s = seen.withLock({ $0 }) { pinFailures.append(s) }
        }
        checks.append(HostCheck(name: "pinning", level: pinFailures.isEmpty ? "ok" : "FAIL",
                            detail: pinFailures.isEmpty ? "a thread pinned to each of CPUs \(cpus) ran there" : pinFailures.joined(separator: "; "),
                            fix: pinFailures.isEmpty ? nil : "run where sched_setaffinity is allowed (container cpuset, cgroup limits)"))
        return checks
    }

    /// Memory bound to a NUMA node is resident there.
    private static func numaBinding() -> [HostCheck] {
        var checks: [HostCheck] = []
        do {
            let machine = try MachineDiscovery.discover()
            let node = machine.numaNodes.first?.id ?? 0
            let buffer = try NUMABuffer(byteCount: 1 << 20, node: node)
            let resident = buffer.residentNode()
            let ok = buffer.isNodeBound && resident == node
            checks.append(HostCheck(name: "NUMA binding", level: ok ? "ok" : "warn",
                                detail: "\(machine.numaNodes.count) node(s); 1 MiB bound to node \(node): " + (buffer.isNodeBound ? "resident on node \(resident.map(String.init) ?? "?")" : "libnuma unavailable, plain memory"),
                                fix: ok ? nil : "install libnuma and run where mbind / move_pages are allowed"))
        } catch {
            checks.append(HostCheck(name: "NUMA binding", level: "FAIL", detail: "\(error)", fix: "install libhwloc / libnuma (make deps)"))
        }
        return checks
    }

    /// RAPL counters and isolated CPUs.
    private static func energyAndIsolation() -> [HostCheck] {
        var checks: [HostCheck] = []
        if let rapl = RAPLReader() {
            checks.append(HostCheck(name: "RAPL", level: "ok", detail: "readable: " + rapl.domains.map(\.name).joined(separator: ", ") + " (rapl_j is reported beside the model)", fix: nil))
        } else {
            checks.append(HostCheck(name: "RAPL", level: "ok", detail: "absent or not readable (/sys/class/powercap): energy comes from the topology's power model", fix: nil))
        }
        let isolated = ProcStat.read("/sys/devices/system/cpu/isolated")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        checks.append(HostCheck(name: "isolated cpus", level: "ok", detail: isolated.isEmpty ? "none (isolcpus= not set)" : isolated, fix: nil))

        return checks
    }

    /// `quiet` when no check failed; the fixes of the failed and warned checks.
    public static func verdict(_ checks: [HostCheck]) -> (quiet: Bool, warned: Bool, fixes: [String]) {
        let failed = checks.filter { $0.level == "FAIL" }
        let warned = checks.filter { $0.level == "warn" }
        return (failed.isEmpty, !warned.isEmpty, (failed + warned).compactMap { c in c.fix.map { "\(c.name): \($0)" } })
    }

    /// utime + stime (ticks) and name of every process now.
    static func processTimes() -> [Int32: (name: String, ticks: Int64)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [:] }
        var out: [Int32: (String, Int64)] = [:]
        for e in entries {
            guard let pid = Int32(e), let stat = ProcStat.read("/proc/\(pid)/stat"),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let name = String(stat[stat.index(after: open)..<close])
            let f = stat[stat.index(after: close)...].split(separator: " ")
            // After the name: state is field 3; utime and stime are fields 14 and 15.
            guard f.count > 13, let u = Int64(f[11]), let s = Int64(f[12]) else { continue }
            out[pid] = (name, u + s)
        }
        return out
    }
}
