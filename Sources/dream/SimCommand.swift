import ArgumentParser
import DreamCore
import DreamSession
import Foundation

struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate a scenario in virtual time with the same scheduler objects as `dream run`.",
        discussion: """
        Block durations come from the cost model (the analytic roofline with default parameters, \
        or a calibration file from `dream calibrate`); the policy's estimates come from the same \
        model. Same outputs as `dream run`. Needs no real machine: a topology that needs more cores \
        (or NUMA nodes) than this host has is placed on a synthetic machine, and the output says so \
        and where the costs come from.
        """)

    @OptionGroup var workload: ScenarioOptions

    @OptionGroup var system: SystemOptions

    @OptionGroup var spread: SpreadOptions

    func run() throws {
        try reportingErrors {
            if let out = system.out { try AtomicFile.prepareFolder(out) }
            let (topology, _) = try DreamSession.resolveTopology(system.topology, mode: .simulated, calibration: system.calibration, log: log)
            let policy = try makeScheduler(system.scheduler)
            var session = DreamSession(scenario: try workload.loadScenario(), topology: topology, options: workload.options,
                                       calibration: system.calibration)
            session.spread = spread.spread
            let prepared = try session.prepareSimulation()
            let record = session.runSimulated(policy, on: prepared)
            let wallS = Double(record.wallNs) / 1e9
            log("dream sim: \(session.scenario.name), \(prepared.trace.frames.count) frames, \(prepared.fit.summary); simulated \(String(format: "%.1f", wallS)) s in \(String(format: "%.3f", Double(record.elapsedNs) / 1e9)) s (\(String(format: "%.0f", record.speedup))x real time)")
            print(record.report.table())
            if let out = system.out { try record.write(to: out, html: system.html, command: commandLine) }
        }
    }
}
