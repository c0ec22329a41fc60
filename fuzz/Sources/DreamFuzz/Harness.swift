import Foundation
import DreamCore
import DreamWorkloads
import DreamXRBench
import DreamEngine

/// One libFuzzer entry point for every parser; `DREAM_FUZZ_TARGET` picks the parser.
/// A parser may refuse an input only by throwing (any error); a trap, a leak, an
/// out-of-memory or a slow input (libFuzzer `-timeout`) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    // The CLI refuses non-UTF-8 files before parsing (ShippedFiles.readText): do the same.
    guard let text = String(data: bytes, encoding: .utf8) else { return 0 }
    switch FuzzTarget.current {
    case .topology: fuzzTopology(text)
    case .model: fuzzModel(text)
    case .scenario: fuzzScenario(text)
    case .maestro: fuzzMaestro(text)
    case .calibration: fuzzCalibration(bytes)
    case .costtable: fuzzCostTable(text)
    }
    return 0
}

enum FuzzTarget: String, CaseIterable {
    case topology, model, scenario, maestro, calibration, costtable

    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["DREAM_FUZZ_TARGET"] ?? ""
        guard let t = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("dream-fuzz: set DREAM_FUZZ_TARGET to one of \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return t
    }()
}

/// Machines a topology is resolved onto: one small, one with two NUMA nodes.
let machines = [MachineDescription.synthetic(cores: 2), MachineDescription.synthetic(cores: 8, nodes: 2)]

func fuzzTopology(_ text: String) {
    guard let spec = try? TopologySpec.parse(text, file: "fuzz.yaml") else { return }
    for m in machines { _ = try? spec.resolve(on: m) }
}

func fuzzModel(_ text: String) {
    guard let model = try? ModelSpec.parse(text, file: "fuzz.yaml") else { return }
    // What the engine and the trace do with a model that parsed.
    for v in model.variants { _ = v.flops; _ = v.executedFLOPs(skipping: model.skipBlockNames) }
    _ = model.skipProbabilities
    _ = model.scaled(work: 0.25)
    // Writing it back must give a file that parses to the same model.
    let again = try? ModelSpec.parse(model.yamlText(), file: "again.yaml")
    if again != model {
        fatalError("model round trip differs:\n\(model.yamlText())")
    }
}

/// A scenario's models come from a fixed set (no file system): any name resolves to a small
/// chained model with a skip block, `maestro*` names to an independent-shape one.
let fuzzModels: [ModelSpec] = {
    let chained = try! ModelSpec.parse("""
        name: tiny
        layers:
          - {name: c1, op: conv, c: 3, h: 8, w: 8, k: 4, r: 3, pad: 1}
          - {name: c2, op: conv, c: 4, h: 8, w: 8, k: 4, r: 3, pad: 1}
          - {name: g, op: gemm, m: 1, n: 2, k: 256}
        skip_blocks:
          - {name: b, first: c2, last: c2, probability: 0.5}
        """, file: "tiny.yaml")
    var other = chained
    other.name = "other"
    other.shapes = .independent
    return [chained, other]
}()

let fuzzResolver = ModelResolver { ref, _ in
    if ref.isEmpty { throw DreamInputError(.noInput, file: ref, field: "", problem: "empty", fix: "-") }
    var m = ref.hasPrefix("o") ? fuzzModels[1] : fuzzModels[0]
    m.name = ref
    return m
}

func fuzzScenario(_ text: String) {
    guard let spec = try? ScenarioSpec.parse(text, file: "fuzz.yaml", models: fuzzResolver) else { return }
    _ = spec.topologicalOrder
    _ = spec.yamlText()
    // The trace generator consumes every timing field: it must refuse or finish, quickly.
    for scale in [WorkloadScale.identity, WorkloadScale(time: 7.5, work: 0.5)] {
        _ = try? WorkloadTrace.generate(scenario: spec, seed: 1, duration: 2, scale: scale)
    }
}

func fuzzMaestro(_ text: String) {
    guard let file = try? MaestroFile.parse(text, file: "fuzz.m") else { return }
    _ = file.maestroText()
    _ = try? MaestroFile.parse(file.maestroText(), file: "again.m")
    if let imported = try? file.imported() {
        for m in imported.models { _ = m.yamlText() }
        _ = imported.scenario?.yamlText()
    }
    // `dream xrbench`: the official simulator's semantics on a cost table covering every model.
    if let scenario = try? XRBenchScenario(file) {
        var csv = XRBenchCostTable.columns.joined(separator: ",") + "\n"
        for (i, m) in scenario.models.enumerated() {
            let cycles = 100_000 * (i % 7 + 1)
            csv += "H,WS_OS,0,WS,\(m.name),\(cycles),\(XRBenchCost.latency(cycles: cycles)),1.5\n"
            csv += "H,WS_OS,1,OS,\(m.name),\(cycles * 2),\(XRBenchCost.latency(cycles: cycles * 2)),0.5\n"
        }
        if let table = try? XRBenchCostTable.parse(csv, file: "costs.csv") {
            _ = try? XRBenchReproduction(scenario: scenario, costs: table, hardware: "H", dataflows: "WS_OS", durationMs: 100, seed: 1)
        }
    }
}

/// The calibration loader reads a path, as the CLI does.
let calibrationPath: String = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dream-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("calibration.json").path
}()

let calibrationTopology = try! TopologySpec.parse("""
    accelerators:
      - {name: ws0, dataflow: ws, cores: [0]}
      - {name: os0, dataflow: os, cores: [1]}
    """, file: "t.yaml").resolve(on: .synthetic(cores: 2))

func fuzzCalibration(_ bytes: Data) {
    guard FileManager.default.createFile(atPath: calibrationPath, contents: bytes) else { return }
    guard let c = try? Calibration.load(calibrationPath) else { return }
    guard (try? c.check(against: calibrationTopology, file: calibrationPath)) != nil else { return }
    // What run/sim do with an accepted calibration: price layers with it.
    let costs = c.costModel()
    for s in c.samples.prefix(16) {
        for a in calibrationTopology.accelerators { _ = costs.cost(of: s.layer, on: a) }
    }
}

func fuzzCostTable(_ text: String) {
    guard let table = try? XRBenchCostTable.parse(text, file: "fuzz.csv") else { return }
    let models = Array(Set(table.rows.map(\.model))).sorted()
    for c in table.combinations.prefix(8) {
        _ = try? table.accelerators(hardware: c.hardware, dataflows: c.dataflows, models: models)
        _ = try? table.accelerators(hardware: c.hardware, dataflows: c.dataflows, models: Array(models.prefix(1)))
    }
}

/// A small valid calibration for `calibrationTopology` (as `dream calibrate` writes one).
func calibrationSeed() throws -> Data {
    let layers = [LayerSpec.conv("c", c: 8, k: 16, h: 16, w: 16, r: 3, pad: 1), .gemm("g", m: 4, n: 32, k: 64),
                  .pool("p", .maxpool, c: 8, h: 8, w: 8, size: 2, stride: 2)]
    var samples: [Calibration.Sample] = []
    for (i, l) in layers.enumerated() {
        for a in 0..<2 {
            let t = Double(10_000 * (i + 1) * (a + 1))
            samples.append(.init(layer: l, accelerator: a, medianNs: t, minNs: t * 0.9, maxNs: t * 1.2, runs: 5))
        }
    }
    let c = Calibration(topology: calibrationTopology.name, accelerators: calibrationTopology.accelerators, samples: samples,
                        parameters: RooflineFit.fit(samples, accelerators: calibrationTopology.accelerators),
                        heldOutLayerMAPE: 12.5, modelMAPE: ["tiny": 4.0])
    return try c.jsonData()
}
