import ArgumentParser
import DreamCore
import DreamEngine
import DreamPlatform
import Foundation
import Synchronization

/// `dream doctor`: is this machine quiet enough for live runs? What matters to a live run's
/// timing, measured now, with a verdict and the fixes.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the host before live runs: other load and steal per core, governor, timer slack, pinning, NUMA binding, RAPL.",
        discussion: """
        Watches /proc/stat for --seconds (this command stays asleep meanwhile) and names the \
        processes that used CPU; checks that threads can be pinned to every allowed CPU, that \
        memory can be bound to a NUMA node, the timer slack and a 1 ms sleep's overshoot, the \
        cpufreq governor and whether RAPL energy counters are readable. Prints each with `ok`, \
        `warn` or `FAIL`, then the verdict (`quiet` or `not quiet`) and the fixes. Exit 0; with \
        --strict, exit 1 unless quiet. Thresholds: docs/results.md (interference).
        """)

    @Option(name: .long, help: "Seconds to watch the CPUs (other load and steal).")
    var seconds: Double = 5

    @Flag(name: .long, help: "Exit 1 unless the verdict is quiet.")
    var strict = false

    func validate() throws {
        if !(seconds >= 0.5) || seconds > 600 { throw ValidationError("--seconds must be in [0.5, 600], found \(seconds)") }
    }

    struct Check {
        var name: String
        var level: String   // ok, warn, FAIL
        var detail: String
        var fix: String?
    }

    func run() throws {
        var checks: [Check] = []
        let cpus = ThreadPinning.allowedCPUs()
        // Other load and steal per CPU over the window, and who used the CPU.
        let procsBefore = Self.processTimes()
        let before = ProcStat.cpuTimes()
        let t0 = RealTime.nowNanoseconds()
        RealTime.sleep(untilNanoseconds: t0 + UInt64(seconds * 1e9))
        let after = ProcStat.cpuTimes()
        let spanNs = Int64(RealTime.nowNanoseconds() - t0)
        let procsAfter = Self.processTimes()
        let limit = InterferenceReport.Thresholds.coreFraction
        var busyCPUs: [String] = []
        for cpu in cpus {
            guard let a = before[cpu], let b = after[cpu] else { continue }
            let busy = min(1, Double(b.busy - a.busy) / Double(spanNs)), steal = Double(b.steal - a.steal) / Double(spanNs)
            let loaded = busy > limit, stolen = steal > limit
            if loaded { busyCPUs.append("\(cpu)") }
            checks.append(Check(name: "cpu \(cpu)", level: loaded || stolen ? "FAIL" : "ok",
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
            checks.append(Check(name: "busiest processes", level: busyCPUs.isEmpty ? "ok" : "warn",
                                detail: top.map { String(format: "%@ %.2f s", $0.0, $0.1) }.joined(separator: ", "), fix: nil))
        }
        if let load = ProcStat.read("/proc/loadavg")?.split(separator: " ").prefix(3).joined(separator: " ") {
            checks.append(Check(name: "load average", level: "ok", detail: load, fix: nil))
        }
        // Governor.
        let governors = Set(cpus.compactMap { ProcStat.read("/sys/devices/system/cpu/cpu\($0)/cpufreq/scaling_governor")?.trimmingCharacters(in: .whitespacesAndNewlines) })
        if governors.isEmpty {
            checks.append(Check(name: "governor", level: "ok", detail: "not exposed (no cpufreq driver, as in most VMs): nothing to set", fix: nil))
        } else {
            let ok = governors == ["performance"]
            checks.append(Check(name: "governor", level: ok ? "ok" : "warn", detail: governors.sorted().joined(separator: ", "),
                                fix: ok ? nil : "cpupower frequency-set -g performance (frequency changes stretch blocks)"))
        }
        if let f = cpus.first.flatMap({ ProcStat.frequencyMHz(cpu: $0) }) {
            checks.append(Check(name: "frequency", level: "ok", detail: String(format: "cpu %d %.0f MHz (%@)", cpus.first!, f.mhz, f.source), fix: nil))
        }
        // Timer slack and a 1 ms sleep's overshoot with the slack the runtime sets.
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
        checks.append(Check(name: "timer slack", level: setRC == 0 && p99 < 1000 ? "ok" : "warn",
                            detail: String(format: "default %@ ns; set to 1 ns %@; 1 ms sleep overshoot p50 %.0f us, p99 %.0f us", slack,
                                           setRC == 0 ? "works" : "FAILED (errno \(setRC))", p50, p99),
                            fix: setRC == 0 && p99 < 1000 ? nil : "a loaded or power-saving host wakes late: quiet the machine, disable deep C-states"))
        // Pinning to every allowed CPU.
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
        checks.append(Check(name: "pinning", level: pinFailures.isEmpty ? "ok" : "FAIL",
                            detail: pinFailures.isEmpty ? "a thread pinned to each of CPUs \(cpus) ran there" : pinFailures.joined(separator: "; "),
                            fix: pinFailures.isEmpty ? nil : "run where sched_setaffinity is allowed (container cpuset, cgroup limits)"))
        // NUMA binding.
        do {
            let machine = try MachineDiscovery.discover()
            let node = machine.numaNodes.first?.id ?? 0
            let buffer = try NUMABuffer(byteCount: 1 << 20, node: node)
            let resident = buffer.residentNode()
            let ok = buffer.isNodeBound && resident == node
            checks.append(Check(name: "NUMA binding", level: ok ? "ok" : "warn",
                                detail: "\(machine.numaNodes.count) node(s); 1 MiB bound to node \(node): " + (buffer.isNodeBound ? "resident on node \(resident.map(String.init) ?? "?")" : "libnuma unavailable, plain memory"),
                                fix: ok ? nil : "install libnuma and run where mbind / move_pages are allowed"))
        } catch {
            checks.append(Check(name: "NUMA binding", level: "FAIL", detail: "\(error)", fix: "install libhwloc / libnuma (make deps)"))
        }
        // RAPL.
        if let rapl = RAPLReader() {
            checks.append(Check(name: "RAPL", level: "ok", detail: "readable: " + rapl.domains.map(\.name).joined(separator: ", ") + " (rapl_j is reported beside the model)", fix: nil))
        } else {
            checks.append(Check(name: "RAPL", level: "ok", detail: "absent or not readable (/sys/class/powercap): energy comes from the topology's power model", fix: nil))
        }
        let isolated = ProcStat.read("/sys/devices/system/cpu/isolated")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        checks.append(Check(name: "isolated cpus", level: "ok", detail: isolated.isEmpty ? "none (isolcpus= not set)" : isolated, fix: nil))

        let width = checks.map(\.name.count).max() ?? 0
        for c in checks { print(c.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + c.level.padding(toLength: 4, withPad: " ", startingAt: 0) + "  " + c.detail) }
        let failed = checks.filter { $0.level == "FAIL" }
        let warned = checks.filter { $0.level == "warn" }
        let quiet = failed.isEmpty
        print("\nverdict: \(quiet ? "quiet" : "not quiet")" + (quiet && !warned.isEmpty ? " (with warnings)" : "") +
              (quiet ? ": live runs should be clean" : ": live runs now are likely to be `disturbed`"))
        let fixes = (failed + warned).compactMap { c in c.fix.map { "\(c.name): \($0)" } }
        if !fixes.isEmpty { print("fixes:\n" + fixes.map { "  - \($0)" }.joined(separator: "\n")) }
        if strict && !quiet { throw ExitCode(1) }
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
