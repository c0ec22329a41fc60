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
        warm-up, then repeats until stable (median of the last three within 3%). Roofline \
        parameters (compute rate, bandwidth, overhead) are fitted per op class and dataflow. \
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

    @Option(name: .long, help: "Output file (default calibration-TOPOLOGY.json).")
    var out: String?

    func validate() throws {
        if maxRuns < 3 || maxRuns > 1000 { throw ValidationError("--max-runs must be in [3, 1000], found \(maxRuns)") }
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
            let t0 = RealTime.nowNanoseconds()
            let probed = try KernelProbe.measure(shapes: shapes, topology: topo, repeats: 3, maxRuns: maxRuns,
                                                 budgetPerAcceleratorNs: 120_000_000_000)
            let samples = probed.map { Calibration.Sample(layer: $0.shape.spec, accelerator: $0.accelerator, medianNs: $0.medianNs,
                                                          minNs: $0.minNs, maxNs: $0.maxNs, runs: $0.runs) }
            // Hold out every 4th shape: the fitted model must predict shapes it never saw.
            let order = Array(Set(samples.map { LayerShapeKey($0.layer) })).sorted { "\($0.spec)" < "\($1.spec)" }
            let heldOut = Set(order.enumerated().filter { $0.offset % 4 == 3 }.map(\.element))
            let train = samples.filter { !heldOut.contains(LayerShapeKey($0.layer)) }
            let test = samples.filter { heldOut.contains(LayerShapeKey($0.layer)) }
            let trainFit = AnalyticCostModel(parameters: RooflineFit.fit(train, accelerators: topo.accelerators))
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
                                          parameters: RooflineFit.fit(samples, accelerators: topo.accelerators),
                                          heldOutLayerMAPE: layerMAPE, modelMAPE: modelMAPE)
            calibration.partial = StopSignals.received != nil
            try AtomicFile.write(calibration.jsonData(), to: path)
            let seconds = Double(RealTime.nowNanoseconds() - t0) / 1e9
            print("calibrated \(samples.count) (shape, accelerator) pairs in \(String(format: "%.1f", seconds)) s -> \(path)")
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
}
