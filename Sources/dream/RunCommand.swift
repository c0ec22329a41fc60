import ArgumentParser
import DreamCore
import DreamPlatform
import DreamRuntime
import DreamSession
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario live: real layers on pinned cores, in real time, driven by a scheduler.",
        discussion: """
        Prints a progress line every second, then a table per model and the totals (E, V, UXCost, \
        XRBench score, decision and dispatch times). With --out DIR: DIR/results.json (see \
        docs/results.md), DIR/frames.csv and DIR/trace.json (Chrome / Perfetto trace: one track \
        per accelerator core). Ctrl-C stops cleanly: partial results are written, exit 130.
        """)

    @OptionGroup var workload: ScenarioOptions

    @OptionGroup var system: SystemOptions

    @Option(name: .long, help: "Microseconds an idle worker spins before parking.")
    var spinUs: Double = 500

    @Flag(name: .long, help: "No progress line.")
    var quiet = false

    @Option(name: .long, help: "How a fitted run meets this machine: probe (the kernels measured alone) or run (then stretched by a reference live run's block times, so the live load is --target-load).")
    var liveFit: LiveFitMethod = .run

    func validate() throws {
        if !(spinUs >= 0) || spinUs > 10_000_000 { throw ValidationError("--spin-us must be in [0, 1e7], found \(spinUs)") }
    }

    func run() throws {
        // From the start: a Ctrl-C while the kernels are measured must not be lost.
        StopSignals.install()
        let partial = try reportingErrors { () throws -> Bool in
            if let out = system.out { try AtomicFile.prepareFolder(out) }
            let (topology, _) = try DreamSession.resolveTopology(system.topology, mode: .live, log: log)
            let policy = try makeScheduler(system.scheduler)
            var options = workload.options
            options.liveFit = liveFit
            let session = DreamSession(scenario: try workload.loadScenario(), topology: topology, options: options,
                                       calibration: system.calibration)
            let prepared: PreparedWorkload
            do {
                prepared = try session.prepareLive()
            } catch {
                // Interrupted while the kernels were measured: that, not what the probe saw, is the outcome.
                if let s = StopSignals.received { log("interrupted by signal \(s) before the run started: nothing written"); return true }
                throw error
            }
            if let s = StopSignals.received { log("interrupted by signal \(s) before the run started: nothing written"); return true }
            var config = LiveConfiguration()
            config.spinWindowNs = UInt64(spinUs * 1000)
            config.dataSeed = workload.seed
            log("dream run: \(session.scenario.name), \(prepared.trace.frames.count) frames over \(workload.duration) s, \(prepared.fit.summary), topology \(topology.name), scheduler \(policy.name)")
            if let out = system.out { try RunMarker.begin(out, command: commandLine) }
            let record = try session.runLive(policy, on: prepared, configuration: config, progress: quiet ? nil : { p in
                let util = zip(topology.accelerators, p.busyFraction).map { "\($0.name) \(Int(($1 * 100).rounded()))%" }.joined(separator: " ")
                log(String(format: "[%5.1f/%.1f s] met %d missed %d dropped %d | %@", Double(p.elapsedNs) / 1e9, Double(p.durationNs) / 1e9,
                           p.met, p.missed, p.dropped, util) + (p.interference.map { " | DISTURBED: \($0)" } ?? ""))
            })
            print(record.report.table())
            if let out = system.out {
                try record.write(to: out, html: system.html, command: commandLine)
                RunMarker.end(out)
            }
            let result = record.live!
            if result.partial { log("interrupted by signal \(result.stopSignal ?? 2): partial results\(system.out.map { " written to \($0)" } ?? "")") }
            return result.partial
        }
        if partial { throw ExitCode(130) }
    }
}

/// Progress and notes go to standard error, results to standard output.
func log(_ line: String) {
    DreamSession.standardError(line)
}

/// The command line as typed, for reports.
var commandLine: String { (["dream"] + CommandLine.arguments.dropFirst()).joined(separator: " ") }
