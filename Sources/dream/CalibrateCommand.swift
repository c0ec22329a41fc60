import ArgumentParser
import DreamCore
import DreamEngine
import DreamSession
import DreamPlatform
import DreamRuntime
import DreamWorkloads
import Foundation

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure every distinct layer shape on every accelerator and fit the cost model.",
        discussion: """
        Each shape runs on a thread pinned as in a live run, with the accelerator's dataflow: one \
        warm-up, then repeats until stable (median of the last three within 3%), in --passes \
        passes over all shapes (each shape keeps the median of its pass medians). Roofline \
        parameters (compute rate, bandwidth, weight-streaming bandwidth, overhead) are fitted per \
        op class and dataflow; weights stream when a layer's working set exceeds --cache-mib. \
        Prints the held-out layer MAPE (every 4th shape left out of the fit) and the whole-model \
        MAPE; writes the calibration that `dream run/sim/compare --calibration FILE` accept.
        """)

    @Option(name: .long, help: "`auto`, a shipped topology name or a file.")
    var topology: String = "auto"

    @Option(name: .long, help: "Calibrate the layers of this scenario's models (all variants).")
    var scenario: String = "vr-gaming"

    @Option(name: .long, help: "Work scale of the shapes (as in run --work-scale).")
    var workScale: Double = 1

    @Option(name: .long, help: "Most runs per shape and accelerator.")
    var maxRuns: Int = 9

    @Option(name: .long, help: "Measurement passes over all shapes; each shape keeps the median of its per-pass medians.")
    var passes: Int = 3

    @Option(name: .long, help: "Effective cache per accelerator in MiB: layers whose working set exceeds it stream their weights (default: the machine's last-level cache, at most 32).")
    var cacheMib: Double?

    @Option(name: .long, help: "Output file (default calibration-TOPOLOGY.json).")
    var out: String?

    func validate() throws {
        if maxRuns < 3 || maxRuns > 1000 { throw ValidationError("--max-runs must be in [3, 1000], found \(maxRuns)") }
        if passes < 1 || passes > 100 { throw ValidationError("--passes must be in [1, 100], found \(passes)") }
        if let c = cacheMib, !(c > 0 && c <= 1_048_576) { throw ValidationError("--cache-mib must be in (0, 1048576], found \(c)") }
    }

    func run() throws {
        StopSignals.install()
        let interrupted = try reportingErrors { () throws -> Bool in
            let machine = try MachineDiscovery.discover()
            let topo = try TopologySpec.load(topology, machine: machine).resolve(on: machine)
            try WorkloadScale(time: 1, work: workScale).validate()
            var calibration = CalibrationRun(scenario: try ScenarioSpec.load(scenario), topology: topo,
                                             cacheBytes: CalibrationRun.effectiveCacheBytes(machine: machine, mib: cacheMib))
            calibration.workScale = workScale
            calibration.maxRuns = maxRuns
            calibration.passes = passes
            let path = out ?? "calibration-\(topo.name).json"
            try AtomicFile.prepareFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path, option: "--out")
            let distinct = Set(calibration.models.flatMap { $0.variants.flatMap(\.layers) }.map(LayerShapeKey.init)).count
            log("dream calibrate: \(distinct) distinct layer shapes of \(calibration.scenario.name) (work x\(workScale)) on \(topo.accelerators.count) accelerators")
            log(String(format: "effective cache %.0f MiB (weights of larger working sets stream from memory)", calibration.cacheBytes / 1_048_576))
            let t0 = RealTime.nowNanoseconds()
            let outcome = try calibration.run(stopped: { StopSignals.received != nil })
            let result = outcome.calibration
            try AtomicFile.write(result.jsonData(), to: path)
            let seconds = Double(RealTime.nowNanoseconds() - t0) / 1e9
            print("calibrated \(result.samples.count) (shape, accelerator) pairs (\(outcome.passesRun) pass\(outcome.passesRun == 1 ? "" : "es")) in \(String(format: "%.1f", seconds)) s -> \(path)")
            print("whole models (roofline fitted without the held-out shapes):")
            for r in outcome.models {
                print(String(format: "  %-26@ %-10@ measured %9.3f ms  predicted %9.3f ms  error %5.1f%%", r.model as NSString, r.accelerator as NSString,
                             r.measuredNs / 1e6, r.predictedNs / 1e6, abs(r.predictedNs - r.measuredNs) / max(r.measuredNs, 1) * 100))
            }
            print(String(format: "layer MAPE on held-out shapes: %.1f%% (goal <= 20%%); whole-model MAPE: %.1f%% (goal <= 10%%)",
                         result.heldOutLayerMAPE ?? .nan, outcome.meanModelMAPE ?? .nan))
            if result.partial { log("interrupted: a partial calibration (\(result.samples.count) samples) was written to \(path)") }
            return result.partial
        }
        if interrupted { throw ExitCode(130) }
    }
}
