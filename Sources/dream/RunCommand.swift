import ArgumentParser
import DreamCore
import DreamEngine
import DreamPlatform
import DreamReport
import DreamRuntime
import DreamSchedulers
import DreamWorkloads
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

    func validate() throws {
        if !(spinUs >= 0) || spinUs > 10_000_000 { throw ValidationError("--spin-us must be in [0, 1e7], found \(spinUs)") }
    }

    func run() throws {
        // From the start: a Ctrl-C while the kernels are measured must not be lost.
        StopSignals.install()
        let partial = try reportingErrors { () throws -> Bool in
            if let out = system.out { try AtomicFile.prepareFolder(out) }
            let machine = try MachineDiscovery.discover()
            let topo = try TopologySpec.load(system.topology, machine: machine).resolve(on: machine)
            if !topo.bindingAvailable {
                throw DreamInputError(.unavailable, file: machine.source, field: "", problem: "describes another machine: a live run cannot pin threads on it",
                                      fix: "unset HWLOC_SYNTHETIC / HWLOC_XMLFILE, or use `dream sim`")
            }
            let policy = try makeScheduler(system.scheduler)
            let spec = try workload.loadScenario()
            // Measure the kernels at the fitted scale: the fit's correction and the policy's estimates.
            let calibration = try loadCosts(system.calibration, topology: topo)
            let fitted = try workload.fitScale(spec, accelerators: topo.accelerators, costs: calibration ?? AnalyticCostModel(),
                                               probe: calibration != nil ? nil : { scale in try probe(EngineWorkload(trace: workload.trace(spec, scale: scale)), topo) })
            if let s = StopSignals.received { log("interrupted by signal \(s) before the run started: nothing written"); return true }
            let trace = try workload.trace(spec, scale: fitted.scale)
            let engine = EngineWorkload(trace: trace)
            let estimates: CostModel = try fitted.measured ?? calibration ?? probe(engine, topo)
            let infeasible = try feasibility(engine, topo, estimates, timeScale: fitted.scale.time, allow: workload.mixing.allowInfeasible)
            var config = LiveConfiguration()
            config.spinWindowNs = UInt64(spinUs * 1000)
            config.dataSeed = workload.seed
            let runtime = try LiveRuntime(workload: engine, topology: topo, scheduler: policy, estimates: estimates, configuration: config)
            log("dream run: \(spec.name), \(trace.frames.count) frames over \(workload.duration) s, \(fitted.summary), topology \(topo.name), scheduler \(policy.name)")
            if let out = system.out { try RunMarker.begin(out, command: commandLine) }
            let result = runtime.run(progress: quiet ? nil : { p in
                let util = zip(topo.accelerators, p.busyFraction).map { "\($0.name) \(Int(($1 * 100).rounded()))%" }.joined(separator: " ")
                log(String(format: "[%5.1f/%.1f s] met %d missed %d dropped %d | %@", Double(p.elapsedNs) / 1e9, Double(p.durationNs) / 1e9,
                           p.met, p.missed, p.dropped, util) + (p.interference.map { " | DISTURBED: \($0)" } ?? ""))
            })
            var report = makeReport(result, topo: topo, trace: trace, policy: policy)
            report.describeFit(fitted.fit, trace: trace, infeasible: infeasible)
            print(report.table())
            if let out = system.out {
                try writeRunFiles(report, core: result.core, accelerators: topo.accelerators, to: out, html: system.html, command: commandLine)
                RunMarker.end(out)
            }
            if result.partial { log("interrupted by signal \(result.stopSignal ?? 2): partial results\(system.out.map { " written to \($0)" } ?? "")") }
            return result.partial
        }
        if partial { throw ExitCode(130) }
    }

    private func probe(_ engine: EngineWorkload, _ topo: ResolvedTopology) throws -> MeasuredCostModel {
        let shapes = engine.streams.flatMap { $0.variants.flatMap(\.layers) }
        let samples = try KernelProbe.measure(shapes: shapes, topology: topo, repeats: 3)
        return KernelProbe.costModel(samples, accelerators: topo.accelerators.count)
    }

    private func makeReport(_ result: LiveResult, topo: ResolvedTopology, trace: WorkloadTrace, policy: Scheduler) -> RunReport {
        let core = result.core
        let source = "model (topology power model over measured busy time and counted work)" + (result.raplJ != nil ? "; RAPL counter read too" : "")
        let summary = RunSummary(frames: core.frames, blocks: core.blocks, streams: core.workload.streams, accelerators: topo.accelerators,
                                 wallNs: result.wallNs, decisionNs: core.decisionNs, dispatchNs: result.dispatchLatencyNs, energySource: source)
        let lateness = result.releaseLatenessNs.map { Double($0) / 1e3 }
        var report = RunReport(mode: "live", scenario: trace.scenario.name, topology: topo.name, scheduler: policy.name, seed: workload.seed,
                         timeScale: trace.scale.time, workScale: trace.scale.work, durationS: trace.durationSeconds, partial: result.partial,
                         accelerators: topo.accelerators.map(\.name), summary: summary,
                         releaseLatenessUsP50: RunSummary.percentile(lateness, 0.5), releaseLatenessUsP99: RunSummary.percentile(lateness, 0.99),
                         raplJ: result.raplJ)
        if result.residentSamples.count >= 3 {
            report.residentMBWarm = Double(result.residentSamples[max(1, result.residentSamples.count / 10)].1) / 1e6
            report.residentMBEnd = Double(result.residentSamples.last!.1) / 1e6
            report.residentGrowth = result.residentGrowthAfterWarmup
        }
        report.interference = result.interference
        return report
    }
}

/// Progress and notes go to standard error, results to standard output.
func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// results.json, frames.csv and trace.json of a run (live or simulated), DREAM's tuning.csv,
/// and with `html` the self-contained report.html; each written atomically.
func writeRunFiles(_ report: RunReport, core: ExecutionCore, accelerators: [ResolvedAccelerator], to dir: String,
                   html: Bool = false, command: String = "dream") throws {
    let written = try RunFiles.write(report, core: core, accelerators: accelerators, to: dir)
    if html {
        try HTMLReport.write(HTMLReport.run(written, options: .init(generatedBy: command)), to: "\(dir)/report.html")
    }
}

/// The command line as typed, for reports.
var commandLine: String { (["dream"] + CommandLine.arguments.dropFirst()).joined(separator: " ") }

/// The cost model of `--calibration FILE`, checked against the topology; nil without a file.
func loadCosts(_ path: String?, topology: ResolvedTopology) throws -> MeasuredCostModel? {
    guard let path else { return nil }
    let c = try Calibration.load(path)
    try c.check(against: topology, file: path)
    return c.costModel()
}

/// Says on stderr which machine a simulation is placed on and where its costs come from.
func logSimulatedMachine(_ topo: ResolvedTopology, synthetic: MachineDescription?, host: MachineDescription, calibration: String?) {
    let costs = calibration.map { "the calibration \($0)" } ?? "the analytic model"
    if let synthetic {
        log("\(topo.name): needs \(topo.accelerators.reduce(0) { $0 + $1.coreCount }) cores, this host has \(host.cores.count): simulated on a synthetic machine (\(synthetic.source)), costs from \(costs)")
    } else {
        log("\(topo.name): simulated on \(host.source), costs from \(costs)")
    }
}
