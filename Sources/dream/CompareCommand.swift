import ArgumentParser
import DreamCore
import DreamEngine
import DreamPlatform
import DreamReport
import DreamRuntime
import DreamSchedulers
import DreamSession
import DreamWorkloads
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run several schedulers on identical workload traces at several loads and seeds; report every metric with 95% confidence intervals.",
        discussion: """
        Each scenario is fitted once per load (time scale 1, each model's work scaled so that it \
        is feasible alone with margin and the offered load is the load asked for; the same scales \
        for every scheduler) and each seed's trace is generated once, so every scheduler faces \
        exactly the same frames. Per scenario, load and scheduler: UXCost, UXCost-met, energy per \
        generated and per met frame, V, miss and drop rates and the XRBench score, as means with \
        95% intervals over seeds. Then DREAM's reductions against every baseline (geometric mean \
        over scenarios and seeds, interval over seeds), split into energy and violation ratios, \
        and the headline against the strongest baseline with and without drop. `drop-all` is the \
        sanity check: a metric on which it wins rewards shedding. --mode both also simulates each \
        live run at the speed that run met, and prints the sim-vs-live gap.
        """)

    @Option(name: .long, help: "Comma-separated scenario names or files.")
    var scenarios: String = "vr-gaming"

    @Option(name: .long, help: "`auto`, a shipped topology name or a file.")
    var topology: String = "auto"

    @Option(name: .long, help: "Comma-separated scheduler names and groups: all (every policy, the +drop baselines and drop-all), baselines, baselines+drop.")
    var schedulers: String = "all"

    @Option(name: .long, help: "Seeds: N (1..N) or A-B (e.g. 101-105).")
    var seeds: String = "1"

    @Option(name: .long, help: "Comma-separated offered loads (fractions of the accelerators' time), e.g. 0.6,0.8,1.0,1.2.")
    var loads: String?

    @Option(name: .long, help: "One offered load (the same as --loads X).")
    var targetLoad: Double?

    @Option(name: .long, help: "live, sim or both.")
    var mode: CompareMode = .sim

    @Option(name: .long, help: "Seconds per run (raised when needed so the slowest active stream has 30 frames and all have 300).")
    var duration: Double = 10

    @OptionGroup var mixing: MixOptions

    @Option(name: .long, help: "A calibration for the simulator's costs (sim mode; default: the analytic model).")
    var calibration: String?

    @Option(name: .long, help: "Write the comparison as JSON here.")
    var json: String?

    @Flag(name: .long, help: "With --json FILE: also write FILE with .html (metrics against load, bar charts, reductions).")
    var html = false

    @Option(name: .long, help: "Write the plan (every cell, the fits, this build's digest) to DIR/plan.json and run nothing: `dream cell`, `dream slurm`, `dream merge` take it.")
    var plan: String?

    @Option(name: .long, help: "Run a disturbed live cell (another process, hypervisor steal, a stall: its interference verdict) again, up to N times.")
    var retries: Int = 0

    @Option(name: .long, help: "How live cells fit their scenario: probe (the kernels measured alone) or run (then stretched by a reference live run's block times, so the live load is the load asked for).")
    var liveFit: LiveFitMethod = .run

    @OptionGroup var spread: SpreadOptions

    enum CompareMode: String, ExpressibleByArgument, CaseIterable { case live, sim, both }

    /// The parsed seed list (validated in `validate`).
    var seedList: [UInt64] { (try? Self.parseSeeds(seeds)) ?? [] }
    var loadList: [Double] { (try? Self.parseLoads(loads, single: targetLoad)) ?? [] }

    func validate() throws {
        if html && json == nil { throw ValidationError("--html needs --json FILE") }
        if retries < 0 || retries > 100 { throw ValidationError("--retries must be in [0, 100], found \(retries)") }
        if !(duration > 0) || duration > 86_400 { throw ValidationError("--duration must be in (0, 86400] s, found \(duration)") }
        _ = try Self.parseSeeds(seeds)
        _ = try Self.parseLoads(loads, single: targetLoad)
    }

    static func parseSeeds(_ text: String) throws -> [UInt64] {
        let fix = "write --seeds N (seeds 1 to N) or --seeds A-B with A <= B, e.g. --seeds 101-105"
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        if parts.count == 1, let n = parts[0], n >= 1, n <= 1000 { return Array(1...n) }
        if parts.count == 2, let a = parts[0], let b = parts[1], a <= b, b - a < 1000 { return Array(a...b) }
        throw ValidationError("--seeds `\(text)` is not a seed count or range: \(fix)")
    }

    static func parseLoads(_ text: String?, single: Double?) throws -> [Double] {
        if text != nil && single != nil { throw ValidationError("give --loads or --target-load, not both") }
        guard let text else { return try checkLoads([single ?? 0.8], "--target-load") }
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        if values.isEmpty || values.contains(where: { $0 == nil }) {
            throw ValidationError("--loads `\(text)` is not a list of numbers: write e.g. --loads 0.6,0.8,1.0,1.2")
        }
        return try checkLoads(values.map { $0! }, "--loads")
    }

    private static func checkLoads(_ values: [Double], _ option: String) throws -> [Double] {
        for v in values where !(v > 0) || !v.isFinite || v > 100 {
            throw ValidationError("\(option) must be offered loads in (0, 100] (fractions of the accelerators' time), found \(v): write e.g. --loads 0.6,0.8,1.0,1.2")
        }
        var seen = Set<Double>()
        return values.filter { seen.insert($0).inserted }
    }

    func run() throws {
        StopSignals.install()
        let interrupted = try reportingErrors { try compare() }
        if interrupted { throw ExitCode(130) }
    }

    /// Runs the comparison (plan, every cell in turn, merge); returns whether a signal interrupted it.
    private func compare() throws -> Bool {
        // Simulation needs no cores: sim mode accepts any topology (on a synthetic machine when
        // this host is too small); live and both stay strict.
        let (topo, machineNote) = try DreamSession.resolveTopology(topology, mode: mode == .sim ? .simulated : .live, calibration: calibration,
                                                                   requireBinding: false, log: log)
        let names = try schedulerNames(schedulers)
        let scenarioNames = scenarios.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if scenarioNames.isEmpty { throw DreamInputError(.usage, file: "--scenarios", field: "", problem: "is empty", fix: "name at least one scenario") }
        if let json { try AtomicFile.prepareFolder(URL(fileURLWithPath: json).deletingLastPathComponent().path, option: "--json") }
        if mode != .sim && !topo.bindingAvailable && plan == nil {
            throw DreamInputError(.unavailable, file: machineNote, field: "", problem: "describes another machine: live runs cannot pin threads",
                                  fix: "use --mode sim")
        }
        let costs: CostModel = try CostSource.load(calibration: calibration, topology: topo) ?? AnalyticCostModel()
        let mixingOptions = { var o = WorkloadOptions(); mixing.apply(to: &o); return o }()
        // Round-tripped through its file format, so a merge of the same cells gives the same bytes.
        let planned = try SweepPlan.make(scenarios: scenarioNames, loads: loadList, seeds: seedList, schedulers: names, mode: mode.rawValue,
                                         durationS: duration, topology: topology, resolved: topo, costs: costs, mixing: mixingOptions,
                                         calibration: calibration, retries: retries, liveFit: liveFit, spread: spread.spread, machine: machineNote)
        if let plan {
            try planned.write(to: plan)
            print("wrote \(plan)/\(SweepPlan.fileName): \(planned.cells.count) cells (run them with `dream cell \(plan) --index I`, or `dream slurm \(plan)`; then `dream merge \(plan)`)")
            return false
        }
        let sweep = try JSONDecoder().decode(SweepPlan.self, from: SweepPlan.encode(planned))
        let (results, stopped, infeasible) = try CellRunner(plan: sweep, topology: topo).runAll()
        try SweepReport(plan: sweep, results: results, partial: stopped, liveInfeasible: infeasible).emit(json: json, html: html, command: commandLine)
        return stopped
    }
}
