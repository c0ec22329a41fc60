import ArgumentParser
import DreamSession
import Foundation

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

    func run() throws {
        let checks = HostDoctor.checks(watchSeconds: seconds)
        let width = checks.map(\.name.count).max() ?? 0
        for c in checks { print(c.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + c.level.padding(toLength: 4, withPad: " ", startingAt: 0) + "  " + c.detail) }
        let verdict = HostDoctor.verdict(checks)
        print("\nverdict: \(verdict.quiet ? "quiet" : "not quiet")" + (verdict.quiet && verdict.warned ? " (with warnings)" : "") +
              (verdict.quiet ? ": live runs should be clean" : ": live runs now are likely to be `disturbed`"))
        if !verdict.fixes.isEmpty { print("fixes:\n" + verdict.fixes.map { "  - \($0)" }.joined(separator: "\n")) }
        if strict && !verdict.quiet { throw ExitCode(1) }
    }
}
