import ArgumentParser
import DreamCore
import DreamEngine
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
            let scale = WorkloadScale(time: 1, work: workScale)
            try scale.validate()
            let spec = try ScenarioSpec.load(scenario)
            let path = out ?? "calibration-\(topo.name).json"
            try AtomicFile.prepareFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path, option: "--out")
            let models = spec.streams.map { $0.model.scaled(work: workScale) }
            let shapes = models.flatMap { $0.variants.flatMap(\.layers) }
            let distinct = Set(shapes.map(LayerShapeKey.init)).count
            log("dream calibrate: \(distinct) distinct layer shapes of \(spec.name) (work x\(workScale)) on \(topo.accelerators.count) accelerators")
            let cacheBytes = Self.effectiveCacheBytes(machine: machine, option: cacheMib)
            log(String(format: "effective cache %.0f MiB (weights of larger working sets stream from memory)", cacheBytes / 1_048_576))
            let t0 = RealTime.nowNanoseconds()
            // Several passes over all shapes, seconds apart: a layer's repeats within one pass
            // share whatever else the machine was doing then (slow phases last seconds), so each
            // shape keeps the median of its per-pass medians.
            var passResults: [[KernelProbe.Sample]] = []
            for _ in 0..<passes {
                passResults.append(try KernelProbe.measure(shapes: shapes, topology: topo, repeats: 3, maxRuns: maxRuns,
                                                           budgetPerAcceleratorNs: 120_000_000_000 / Int64(passes)))
                if StopSignals.received != nil { break }
            }
            let samples = Self.combine(passResults)
            // Hold out every 4th shape: the fitted model must predict shapes it never saw.
            let order = Array(Set(samples.map { LayerShapeKey($0.layer) })).sorted { "\($0.spec)" < "\($1.spec)" }
            let heldOut = Set(order.enumerated().filter { $0.offset % 4 == 3 }.map(\.element))
            let train = samples.filter { !heldOut.contains(LayerShapeKey($0.layer)) }
            let test = samples.filter { heldOut.contains(LayerShapeKey($0.layer)) }
            let trainFit = AnalyticCostModel(parameters: RooflineFit.fit(train, accelerators: topo.accelerators, cacheBytes: cacheBytes),
                                            cacheBytes: cacheBytes)
            let layerMAPE = RooflineFit.mape(test, model: trainFit, accelerators: topo.accelerators)
            // Whole models: the fitted model's sum against the measured sum, per accelerator.
            var measured: [LayerShapeKey: [Double]] = [:]
            for s in samples {
                var row = measured[LayerShapeKey(s.layer)] ?? [Double](repeating: 0, count: topo.accelerators.count)
                row[s.accelerator] = s.medianNs
                measured[LayerShapeKey(s.layer)] = row
            }
            var modelMAPE: [String: Double] = [:]
            var lines: [String] = []
            for m in models {
                var errs: [Double] = []
                for acc in topo.accelerators {
                    let real = m.defaultVariant.layers.reduce(0.0) { $0 + (measured[LayerShapeKey($1)]?[acc.index] ?? 0) }
                    let predicted = m.defaultVariant.layers.reduce(0.0) { $0 + trainFit.cost(of: $1, on: acc).latencyNs }
                    if real > 0 { errs.append(abs(predicted - real) / real * 100) }
                    lines.append(String(format: "  %-26@ %-10@ measured %9.3f ms  predicted %9.3f ms  error %5.1f%%",
                                        m.name as NSString, acc.name as NSString, real / 1e6, predicted / 1e6, abs(predicted - real) / max(real, 1) * 100))
                }
                modelMAPE[m.name] = errs.isEmpty ? nil : errs.reduce(0, +) / Double(errs.count)
            }
            var calibration = Calibration(topology: topo.name, accelerators: topo.accelerators, samples: samples,
                                          parameters: RooflineFit.fit(samples, accelerators: topo.accelerators, cacheBytes: cacheBytes),
                                          heldOutLayerMAPE: layerMAPE, modelMAPE: modelMAPE, cacheBytes: cacheBytes)
            calibration.partial = StopSignals.received != nil
            try AtomicFile.write(calibration.jsonData(), to: path)
            let seconds = Double(RealTime.nowNanoseconds() - t0) / 1e9
            print("calibrated \(samples.count) (shape, accelerator) pairs (\(passResults.count) pass\(passResults.count == 1 ? "" : "es")) in \(String(format: "%.1f", seconds)) s -> \(path)")
            print("whole models (roofline fitted without the held-out shapes):")
            lines.forEach { print($0) }
            let meanModel = modelMAPE.values.isEmpty ? nil : modelMAPE.values.reduce(0, +) / Double(modelMAPE.count)
            print(String(format: "layer MAPE on held-out shapes: %.1f%% (goal <= 20%%); whole-model MAPE: %.1f%% (goal <= 10%%)",
                         layerMAPE ?? .nan, meanModel ?? .nan))
            if calibration.partial { log("interrupted: a partial calibration (\(samples.count) samples) was written to \(path)") }
            return calibration.partial
        }
        if interrupted { throw ExitCode(130) }
    }

    /// The cache a layer can keep its working set in: `--cache-mib`, else the machine's
    /// last-level data cache capped at the default 32 MiB. A VM reports its host's shared LLC
    /// (300 MiB here), of which one core keeps far less: measured here, weights of 21 MB stay
    /// cached between runs and weights of 33 MB stream (docs/calibration.md).
    static func effectiveCacheBytes(machine: MachineDescription, option: Double?) -> Double {
        if let option { return option * 1_048_576 }
        let llc = machine.caches.filter { $0.kind != "instruction" }.max { $0.level < $1.level }
        guard let llc, llc.sizeBytes > 0 else { return AnalyticCostModel.defaultCacheBytes }
        return min(Double(llc.sizeBytes), AnalyticCostModel.defaultCacheBytes)
    }

    /// One sample per (shape, accelerator) measured in any pass: the median of the pass
    /// medians (the lower middle one for an even count), the extreme runs, all runs counted.
    static func combine(_ passes: [[KernelProbe.Sample]]) -> [Calibration.Sample] {
        var index: [LayerShapeKey: [Int: Int]] = [:]   // shape -> accelerator -> group
        var groups: [[KernelProbe.Sample]] = []
        for pass in passes {
            for s in pass {
                if let i = index[s.shape]?[s.accelerator] {
                    groups[i].append(s)
                } else {
                    index[s.shape, default: [:]][s.accelerator] = groups.count
                    groups.append([s])
                }
            }
        }
        return groups.map { g in
            let medians = g.map(\.medianNs).sorted()
            return Calibration.Sample(layer: g[0].shape.spec, accelerator: g[0].accelerator, medianNs: medians[(medians.count - 1) / 2],
                                      minNs: g.map(\.minNs).min()!, maxNs: g.map(\.maxNs).max()!, runs: g.reduce(0) { $0 + $1.runs },
                                      work: g[0].work)
        }
    }
}
