import Foundation
import Testing
import DreamCore
import DreamEngine

/// One bad input and how `dream` must refuse it: the documented exit code, a message on
/// standard error that names the file (or option) and the field (or line) and gives the fix,
/// and no trap, hang, stack trace or partial output. The matrix is documented in
/// docs/reliability.md; keep the two in step.
struct BadInput: Sendable, CustomTestStringConvertible {
    var name: String
    /// Files to create in the scratch folder (the working directory of `dream`).
    var files: [String: Data] = [:]
    var directories: [String] = []
    var args: [String]
    var exit: Int32
    /// Strings stderr must contain: the file (or option) and the field (or line), at least.
    var mentions: [String]
    /// Usage errors caught by ArgumentParser print `Error: ...`, the option's help and the
    /// usage line instead of our `Fix:`.
    var argumentParser = false

    var testDescription: String { name }

    init(_ name: String, files: [String: String] = [:], bytes: [String: Data] = [:], directories: [String] = [],
         _ args: [String], exit: Int32, mentions: [String], argumentParser: Bool = false) {
        self.name = name
        self.files = files.mapValues { Data($0.utf8) }.merging(bytes) { $1 }
        self.directories = directories
        self.args = args
        self.exit = exit
        self.mentions = mentions
        self.argumentParser = argumentParser
    }
}

// MARK: - fixtures

/// A small valid model and scenario, for cases that break one other thing.
let okModel = "name: ok\nlayers:\n  - {name: c1, op: conv, c: 3, h: 16, w: 16, k: 8, r: 3, pad: 1}\n"
let okScenario = "name: s\nstreams:\n  - {model: ok, fps: 30}\n"
/// A scenario naming models/m.yaml: the cases on model files put their model there.
let scenarioOfM = "name: s\nstreams:\n  - {model: m, fps: 30}\n"
let okMaestro = """
    Network HT {
    FPS: 30
    Layer c1 { Type: CONV Dimensions: { N: 1, K: 8, C: 3, Y: 16, X: 16, R: 3, S: 3 } }
    }

    """
let costHeader = "hardware,dataflows,accelerator,dataflow,model,cycles,latency_ms,energy\n"
let okCosts = costHeader + "H,WS,0,WS,HT,1000000,1,2.5\n"
/// Fast `dream sim` options: a short, explicit-scale run.
let quickSim = ["sim", "--duration", "1", "--time-scale", "10"]

/// A calibration file in the current format, with `edit` applied to its JSON text.
func calibrationJSON(samples medianNs: Double = 20_000, layer: LayerSpec = .conv("c", c: 8, k: 8, h: 8, w: 8, r: 3, pad: 1),
                     accelerators: [ResolvedAccelerator]? = nil) -> String {
    let accs = accelerators ?? [ResolvedAccelerator(index: 0, name: "ws0", dataflow: .ws, cores: [0], cpus: [0], numaNode: 0)]
    let c = Calibration(topology: "t", accelerators: accs,
                        samples: [.init(layer: layer, accelerator: 0, medianNs: medianNs, minNs: medianNs, maxNs: medianNs, runs: 3)],
                        parameters: [:], heldOutLayerMAPE: nil, modelMAPE: [:])
    return String(decoding: try! c.jsonData(), as: UTF8.self)
}

/// Five RS accelerators: no machine's `auto` topology looks like that.
let otherAccelerators = (0..<5).map { ResolvedAccelerator(index: $0, name: "rs\($0)", dataflow: .rs, cores: [$0], cpus: [$0], numaNode: 0) }

/// Invalid UTF-8 (a lone continuation byte and an overlong encoding) inside YAML.
let notUTF8 = Data("name: x\naccelerators:\n  - name: ".utf8) + Data([0xC0, 0xAF, 0x80, 0xFF]) + Data("\n".utf8)

// MARK: - the matrix

let badInputs: [BadInput] = [
    // Topology files (`dream topology --topology FILE`; the same loader serves run/sim/compare/calibrate).
    BadInput("topology: empty file", files: ["t.yaml": ""], ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "is empty"]),
    BadInput("topology: accelerators of the wrong type", files: ["t.yaml": "accelerators: 3\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators (line 1)", "must be a list"]),
    BadInput("topology: unknown key", files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: ws, cores: [0], colour: red}\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators[0].colour (line 2)", "not a known field"]),
    BadInput("topology: missing dataflow", files: ["t.yaml": "accelerators:\n  - {name: a, cores: [0]}\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators[0].dataflow", "is missing"]),
    BadInput("topology: unknown dataflow", files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: xs, cores: [0]}\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators[0].dataflow (line 2)", "not a dataflow"]),
    BadInput("topology: core that does not exist", files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: ws, cores: [4096]}\n"],
             ["topology", "--topology", "t.yaml"], exit: 69, mentions: ["t.yaml", "accelerators[0] (a).cores", "core 4096 does not exist"]),
    BadInput("topology: NUMA node that does not exist", files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: ws, core_count: 1, numa_node: 4096}\n"],
             ["topology", "--topology", "t.yaml"], exit: 69, mentions: ["t.yaml", "accelerators[0] (a).numa_node", "does not exist"]),
    BadInput("topology: overlapping cores",
             files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: ws, cores: [0]}\n  - {name: b, dataflow: os, cores: [0]}\n"],
             ["topology", "--topology", "t.yaml"], exit: 69, mentions: ["t.yaml", "accelerators[1] (b).cores", "already used by accelerator `a`"]),
    BadInput("topology: zero core_count", files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: ws, core_count: 0}\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators[0].core_count (line 2)", "at least 1"]),
    BadInput("topology: huge core_count", files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: ws, core_count: 99999999999999999999999}\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators[0].core_count (line 2)", "must be an integer"]),
    BadInput("topology: negative speed_factor", files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: ws, cores: [0], speed_factor: -2}\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators[0].speed_factor (line 2)", "greater than 0"]),
    BadInput("topology: huge speed_factor", files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: ws, cores: [0], speed_factor: 1e300}\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators[0].speed_factor (line 2)", "outside [0.001, 1000"]),
    BadInput("topology: huge power", files: ["t.yaml": "accelerators:\n  - {name: a, dataflow: ws, cores: [0], power: {active_watts: 1e308}}\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators[0].power.active_watts (line 2)", "over the limit"]),
    BadInput("topology: idle power above active power",
             files: ["t.yaml": "accelerators:\n  - name: a\n    dataflow: ws\n    cores: [0]\n    power: {active_watts: 1, idle_watts: 2}\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "accelerators[0].power.idle_watts (line 5)", "idle_watts <= active_watts"]),
    BadInput("topology: invalid YAML syntax", files: ["t.yaml": "accelerators: [\n  - {name: a\n"],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "line ", "not valid YAML"]),
    BadInput("topology: non-UTF-8 bytes", bytes: ["t.yaml": notUTF8],
             ["topology", "--topology", "t.yaml"], exit: 65, mentions: ["t.yaml", "not UTF-8"]),
    BadInput("topology: a directory", directories: ["t.yaml"],
             ["topology", "--topology", "t.yaml"], exit: 66, mentions: ["t.yaml", "is a directory"]),
    BadInput("topology: missing file", ["topology", "--topology", "nowhere/t.yaml"], exit: 66, mentions: ["nowhere/t.yaml", "does not exist"]),
    BadInput("topology: unknown shipped name", ["topology", "--topology", "no-such-layout"], exit: 66,
             mentions: ["no-such-layout", "dual-ws-os"]),

    // Model files (read through a scenario: `dream workload --scenario s.yaml`, model models/m.yaml).
    BadInput("model: empty file", files: ["s.yaml": scenarioOfM, "models/m.yaml": ""],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "is empty"]),
    BadInput("model: missing layers", files: ["s.yaml": scenarioOfM, "models/m.yaml": "name: m\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "layers", "is missing"]),
    BadInput("model: dimension of the wrong type",
             files: ["s.yaml": scenarioOfM, "models/m.yaml": "name: m\nlayers:\n  - {name: c1, op: conv, c: 3, h: tall, w: 16, k: 8, r: 3}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "layers[0].h (line 3)", "must be an integer"]),
    BadInput("model: unknown op",
             files: ["s.yaml": scenarioOfM, "models/m.yaml": "name: m\nlayers:\n  - {name: c1, op: deconv, c: 3, h: 16, w: 16}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "layers[0].op (line 3)", "unknown layer op"]),
    BadInput("model: unknown key in a layer",
             files: ["s.yaml": scenarioOfM, "models/m.yaml": "name: m\nlayers:\n  - {name: c1, op: conv, c: 3, h: 16, w: 16, k: 8, r: 3, dilation: 2}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "layers[0].dilation (line 3)", "not a known field"]),
    BadInput("model: shapes that do not chain",
             files: ["s.yaml": scenarioOfM, "models/m.yaml": "name: m\nlayers:\n  - {name: c1, op: conv, c: 3, h: 16, w: 16, k: 8, r: 3}\n  - {name: c2, op: conv, c: 4, h: 14, w: 14, k: 8, r: 3}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "layers[1] (line 4)", "do not chain"]),
    BadInput("model: a layer reading a later one (cycle)",
             files: ["s.yaml": scenarioOfM, "models/m.yaml": "name: m\nlayers:\n  - {name: c1, op: conv, c: 8, h: 16, w: 16, k: 8, r: 3, pad: 1, inputs: [c2]}\n  - {name: c2, op: conv, c: 8, h: 16, w: 16, k: 8, r: 3, pad: 1}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "layers[0] (line 3)", "does not come before it"]),
    BadInput("model: negative channels",
             files: ["s.yaml": scenarioOfM, "models/m.yaml": "name: m\nlayers:\n  - {name: c1, op: conv, c: -3, h: 16, w: 16, k: 8, r: 3}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "layers[0] (line 3)", "must be positive"]),
    BadInput("model: huge dimensions (Int overflow)",
             files: ["s.yaml": scenarioOfM, "models/m.yaml": "name: m\nlayers:\n  - {name: c1, op: conv, c: 10000000, h: 10000000, w: 10000000, k: 16, r: 3}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "layers[0] (line 3)", "too large"]),
    BadInput("model: huge gemm (FLOP limit)",
             files: ["s.yaml": scenarioOfM, "models/m.yaml": "name: m\nlayers:\n  - {name: g, op: gemm, m: 40000, n: 40000, k: 1000}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "layers[0] (line 3)", "FLOPs"]),
    BadInput("model: skip probability above 1",
             files: ["s.yaml": scenarioOfM, "models/m.yaml": okModel.replacingOccurrences(of: "name: ok", with: "name: m") + "skip_blocks:\n  - {name: b, first: c1, last: c1, probability: 1.5}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "skip_blocks[0].probability (line 5)", "within [0, 1]"]),
    BadInput("model: non-UTF-8 bytes", files: ["s.yaml": scenarioOfM], bytes: ["models/m.yaml": notUTF8],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["models/m.yaml", "not UTF-8"]),
    BadInput("model: a directory", files: ["s.yaml": "name: s\nstreams:\n  - {model: models/m.yaml, fps: 30}\n"], directories: ["models/m.yaml"],
             ["workload", "--scenario", "s.yaml"], exit: 66, mentions: ["models/m.yaml", "is a directory"]),

    // Scenario files (`dream workload --scenario FILE`; the same loader serves run/sim/compare/calibrate).
    BadInput("scenario: empty file", files: ["s.yaml": ""], ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "is empty"]),
    BadInput("scenario: streams of the wrong type", files: ["s.yaml": "name: s\nstreams: {model: ok}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams (line 2)", "must be a list"]),
    BadInput("scenario: unknown key", files: ["s.yaml": "name: s\nstreams:\n  - {model: ok, fps: 30, priority: 1}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0].priority (line 3)", "not a known field"]),
    BadInput("scenario: missing fps", files: ["s.yaml": "name: s\nstreams:\n  - {model: ok}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0] (line 3).fps", "is missing"]),
    BadInput("scenario: unknown model", files: ["s.yaml": "name: s\nstreams:\n  - {model: no_such_model, fps: 30}\n"],
             ["workload", "--scenario", "s.yaml"], exit: 66, mentions: ["s.yaml", "streams[0].model (line 3)", "no_such_model"]),
    BadInput("scenario: negative fps", files: ["s.yaml": "name: s\nstreams:\n  - {model: ok, fps: -30}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0].fps (line 3)", "greater than 0"]),
    BadInput("scenario: zero fps", files: ["s.yaml": "name: s\nstreams:\n  - {model: ok, fps: 0}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0].fps (line 3)", "greater than 0"]),
    BadInput("scenario: huge fps (was a hang)", files: ["s.yaml": "name: s\nstreams:\n  - {model: ok, fps: 1e300}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0].fps (line 3)", "outside"]),
    BadInput("scenario: tiny fps (was a trap)", files: ["s.yaml": "name: s\nstreams:\n  - {model: ok, fps: 1e-300}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0].fps (line 3)", "outside"]),
    BadInput("scenario: zero deadline", files: ["s.yaml": "name: s\nstreams:\n  - {model: ok, fps: 30, deadline_ms: 0}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0].deadline_ms (line 3)", "greater than 0"]),
    BadInput("scenario: cascade probability above 1",
             files: ["s.yaml": "name: s\nstreams:\n  - {name: a, model: ok, fps: 30}\n  - {name: b, model: ok, cascade: {after: a, probability: 1.5}}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[1].cascade.probability (line 4)", "within [0, 1]"]),
    BadInput("scenario: cascade cycle (was reported as a missing fps)",
             files: ["s.yaml": "name: s\nstreams:\n  - {name: a, model: ok, cascade: {after: b}}\n  - {name: b, model: ok, cascade: {after: a}}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0].cascade.after (line 3)", "cycle (a -> b -> a)"]),
    BadInput("scenario: cascade naming no stream",
             files: ["s.yaml": "name: s\nstreams:\n  - {name: a, model: ok, fps: 30}\n  - {name: b, model: ok, cascade: {after: z}}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[1].cascade.after (line 4)", "not a stream"]),
    BadInput("scenario: tiny Markov means (was a hang)",
             files: ["s.yaml": "name: s\nstreams:\n  - {model: ok, fps: 30, activity: {markov: {mean_on_s: 1e-300, mean_off_s: 1e-300}}}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0].activity.markov (line 3)", "mean durations"]),
    BadInput("scenario: phase windows out of order",
             files: ["s.yaml": "name: s\nstreams:\n  - {model: ok, fps: 30, activity: {phases: [{start_s: 5, end_s: 6}, {start_s: 1, end_s: 2}]}}\n", "models/ok.yaml": okModel],
             ["workload", "--scenario", "s.yaml"], exit: 65, mentions: ["s.yaml", "streams[0].activity.phases (line 3)", "out of order"]),
    BadInput("scenario: a directory", directories: ["s.yaml"], ["workload", "--scenario", "s.yaml"], exit: 66, mentions: ["s.yaml", "is a directory"]),
    BadInput("scenario: unknown shipped name", ["workload", "--scenario", "no-such-scenario"], exit: 66, mentions: ["no-such-scenario", "vr-gaming"]),

    // MAESTRO / XRBench .m files (`dream import-maestro FILE --out DIR`, `dream xrbench`).
    BadInput("maestro: empty file", files: ["x.m": ""], ["import-maestro", "x.m", "--out", "out"], exit: 65, mentions: ["x.m", "line 1", "contains no network"]),
    BadInput("maestro: unexpected character", files: ["x.m": "Network a {\n  FPS: 30 @\n}\n"],
             ["import-maestro", "x.m", "--out", "out"], exit: 65, mentions: ["x.m", "line 2", "unexpected character"]),
    BadInput("maestro: missing dimension", files: ["x.m": "Network a {\nLayer l { Type: CONV Dimensions: { K: 4, C: 4, Y: 8, X: 8, R: 3 } }\n}\n"],
             ["import-maestro", "x.m", "--out", "out"], exit: 65, mentions: ["x.m", "line 2 (Network a, Layer l)", "missing dimension S"]),
    BadInput("maestro: huge dimension (was a trap)", files: ["x.m": "Network a {\nLayer l { Type: CONV Dimensions: { K: 9223372036854775807, C: 4, Y: 8, X: 8, R: 3, S: 3 } }\n}\n"],
             ["import-maestro", "x.m", "--out", "out"], exit: 65, mentions: ["x.m", "line 2 (Network a, Layer l)", "over the limit"]),
    BadInput("maestro: dependency cycle",
             files: ["x.m": okMaestro.replacingOccurrences(of: "FPS: 30", with: "FPS: 30\nDependency: { B }") + okMaestro.replacingOccurrences(of: "HT", with: "B").replacingOccurrences(of: "FPS: 30", with: "FPS: 30\nDependency: { HT }")],
             ["import-maestro", "x.m", "--out", "out"], exit: 65, mentions: ["x.m", "(Network HT)", "cycle"]),
    BadInput("maestro: probability above 1",
             files: ["x.m": okMaestro + okMaestro.replacingOccurrences(of: "HT", with: "B").replacingOccurrences(of: "FPS: 30", with: "FPS: 30\nDependency: { HT }\nProbability: 1.5")],
             ["import-maestro", "x.m", "--out", "out"], exit: 65, mentions: ["x.m", "(Network B)", "outside [0, 1]"]),
    BadInput("maestro: huge FPS", files: ["x.m": okMaestro.replacingOccurrences(of: "FPS: 30", with: "FPS: 1000000000000")],
             ["import-maestro", "x.m", "--out", "out"], exit: 65, mentions: ["x.m", "(Network HT)", "outside"]),
    BadInput("maestro: unwritable --out", files: ["x.m": okMaestro], ["import-maestro", "x.m", "--out", "/proc/dream-cannot-create"],
             exit: 73, mentions: ["/proc/dream-cannot-create", "cannot be created"]),

    // Cost tables (`dream xrbench --costs FILE`).
    BadInput("cost table: empty file", files: ["x.m": okMaestro, "c.csv": ""],
             ["xrbench", "--scenario", "x.m", "--hardware", "H", "--dataflows", "WS", "--costs", "c.csv"], exit: 65, mentions: ["c.csv", "line 1", "no header"]),
    BadInput("cost table: wrong number of fields", files: ["x.m": okMaestro, "c.csv": okCosts + "H,WS,0,WS,GE,5\n"],
             ["xrbench", "--scenario", "x.m", "--hardware", "H", "--dataflows", "WS", "--costs", "c.csv"], exit: 65, mentions: ["c.csv", "line 3", "6 fields"]),
    BadInput("cost table: negative cycles", files: ["x.m": okMaestro, "c.csv": costHeader + "H,WS,0,WS,HT,-5,1,2.5\n"],
             ["xrbench", "--scenario", "x.m", "--hardware", "H", "--dataflows", "WS", "--costs", "c.csv"], exit: 65, mentions: ["c.csv", "line 2, column 6 (cycles)", "at least 1"]),
    BadInput("cost table: unknown hardware", files: ["x.m": okMaestro, "c.csv": okCosts],
             ["xrbench", "--scenario", "x.m", "--hardware", "Nope", "--dataflows", "WS", "--costs", "c.csv"], exit: 64, mentions: ["c.csv", "--hardware Nope", "no hardware"]),
    BadInput("xrbench: zero --duration-ms", files: ["x.m": okMaestro, "c.csv": okCosts],
             ["xrbench", "--scenario", "x.m", "--hardware", "H", "--dataflows", "WS", "--costs", "c.csv", "--duration-ms", "0"], exit: 64, mentions: ["--duration-ms"]),

    // Calibration files (`dream sim --calibration FILE`; run and compare share the loader).
    BadInput("calibration: empty file", files: ["c.json": ""], quickSim + ["--calibration", "c.json"], exit: 65, mentions: ["c.json", "not valid calibration JSON"]),
    BadInput("calibration: wrong type", files: ["c.json": "{\"topology\": 3}"], quickSim + ["--calibration", "c.json"], exit: 65, mentions: ["c.json", "topology", "wrong type"]),
    BadInput("calibration: missing field", files: ["c.json": "{\"topology\": \"t\"}"], quickSim + ["--calibration", "c.json"], exit: 65, mentions: ["c.json", "accelerators", "is missing"]),
    BadInput("calibration: negative time", files: ["c.json": calibrationJSON(samples: -5)], quickSim + ["--calibration", "c.json"],
             exit: 65, mentions: ["c.json", "samples[0]", "non-positive time"]),
    BadInput("calibration: made for other accelerators", files: ["c.json": calibrationJSON(accelerators: otherAccelerators)], quickSim + ["--calibration", "c.json"],
             exit: 65, mentions: ["c.json", "accelerators", "dream calibrate --topology"]),
    BadInput("calibration: huge layer sizes (was a trap)",
             files: ["c.json": calibrationJSON(layer: LayerSpec(name: "c", op: .conv, inChannels: 1 << 62, inHeight: 1 << 62, inWidth: 4, outChannels: 4))],
             quickSim + ["--calibration", "c.json"], exit: 65, mentions: ["c.json", "samples[0].layer", "over the limit"]),
    BadInput("calibration: a directory", directories: ["c.json"], quickSim + ["--calibration", "c.json"], exit: 66, mentions: ["c.json", "is a directory"]),

    // Command-line options.
    BadInput("option: unwritable --out", quickSim + ["--out", "/proc/dream-cannot-create"], exit: 73, mentions: ["/proc/dream-cannot-create", "--out", "cannot be created"]),
    BadInput("option: --out is a file", files: ["taken": "x"], quickSim + ["--out", "taken"], exit: 73, mentions: ["taken", "--out", "is a file, not a folder"]),
    BadInput("option: live run with unwritable --out", ["run", "--duration", "1", "--out", "/proc/dream-cannot-create"], exit: 73, mentions: ["/proc/dream-cannot-create", "--out"]),
    BadInput("option: negative --block-jitter", ["sim", "--duration", "1", "--block-jitter=-0.1"], exit: 64, mentions: ["--block-jitter", "[0, 1]"], argumentParser: true),
    BadInput("option: NaN --block-jitter on compare", ["compare", "--block-jitter", "nan"], exit: 64, mentions: ["--block-jitter", "[0, 1]"], argumentParser: true),
    BadInput("option: --layer-bias above 1", ["sim", "--duration", "1", "--layer-bias", "2"], exit: 64, mentions: ["--layer-bias", "[0, 1]"], argumentParser: true),
    BadInput("option: negative --speed-drift on compare", ["compare", "--speed-drift=-0.05"], exit: 64, mentions: ["--speed-drift", "[0, 1]"], argumentParser: true),
    BadInput("option: zero --host-speed", ["sim", "--duration", "1", "--host-speed", "0"], exit: 64, mentions: ["--host-speed", "[0.25, 4]"], argumentParser: true),
    BadInput("option: unknown --jitter-unit", ["compare", "--jitter-unit", "frame"], exit: 64, mentions: ["--jitter-unit", "layer", "block"], argumentParser: true),
    BadInput("option: unknown --live-fit", ["compare", "--live-fit", "guess"], exit: 64, mentions: ["--live-fit", "probe", "run"], argumentParser: true),
    BadInput("option: zero --time-scale", ["sim", "--duration", "1", "--time-scale", "0"], exit: 64, mentions: ["--time-scale", "(0, 10000]"]),
    BadInput("option: huge --time-scale (was a trap)", ["sim", "--duration", "1", "--time-scale", "1e300"], exit: 64, mentions: ["--time-scale", "(0, 10000]"]),
    BadInput("option: --work-scale above 1", ["sim", "--duration", "1", "--time-scale", "10", "--work-scale", "2"], exit: 64, mentions: ["--work-scale", "(0, 1]"]),
    BadInput("option: trace too large", ["workload", "--scenario", "vr-gaming", "--duration", "86400", "--time-scale", "0.001"], exit: 64,
             mentions: ["--duration", "scenario vr-gaming", "over the limit"]),
    BadInput("option: --fit beyond the largest time scale", ["workload", "--scenario", "vr-gaming", "--fit", "--capacity-gflops", "0.000001"], exit: 64,
             mentions: ["--fit", "time scale", "capacity"]),
    BadInput("option: zero --capacity-gflops", ["workload", "--scenario", "vr-gaming", "--fit", "--capacity-gflops", "0"], exit: 64,
             mentions: ["--capacity-gflops", "greater than 0"]),
    BadInput("option: unknown scheduler", quickSim + ["--scheduler", "no-such-policy"], exit: 64, mentions: ["--scheduler", "no-such-policy", "fcfs"]),
    BadInput("option: --fit-by of the wrong value", ["workload", "--scenario", "vr-gaming", "--fit", "--fit-by", "space"], exit: 64, mentions: ["--fit-by", "space"]),
    BadInput("option: --duration not a number", ["sim", "--duration", "soon"], exit: 64, mentions: ["--duration", "soon"], argumentParser: true),
    BadInput("option: negative --duration", ["sim", "--duration=-5"], exit: 64, mentions: ["--duration", "-5"], argumentParser: true),
    BadInput("option: --duration over a day", ["sim", "--duration", "1e9"], exit: 64, mentions: ["--duration", "86400"], argumentParser: true),
    BadInput("option: --max-runs out of range", ["calibrate", "--max-runs", "1"], exit: 64, mentions: ["--max-runs"], argumentParser: true),
    BadInput("option: unknown compare mode", ["compare", "--mode", "fast"], exit: 64, mentions: ["--mode", "fast"], argumentParser: true),
    BadInput("option: zero --loads", ["compare", "--loads", "0"], exit: 64, mentions: ["--loads", "0.6,0.8,1.0,1.2"], argumentParser: true),
    BadInput("option: negative --loads", ["compare", "--loads=-1"], exit: 64, mentions: ["--loads", "-1"], argumentParser: true),
    BadInput("option: --loads not numbers", ["compare", "--loads", "0.8,high"], exit: 64, mentions: ["--loads", "0.8,high"], argumentParser: true),
    BadInput("option: reversed --seeds range", ["compare", "--seeds", "5-1"], exit: 64, mentions: ["--seeds", "5-1", "A <= B"], argumentParser: true),
    BadInput("option: unknown x+drop", ["compare", "--schedulers", "dream,sjf+drop"], exit: 64, mentions: ["--schedulers", "sjf+drop", "edf+drop"]),
    BadInput("sweep: a plan folder that is not one", directories: ["empty"], ["cell", "empty", "--index", "0"], exit: 66, mentions: ["empty", "plan.json", "--plan"]),
    BadInput("sweep: an index out of range", files: ["p/plan.json": otherBuildPlan], ["cell", "p", "--index", "5"], exit: 64, mentions: ["--index", "out of range", "1 cells"]),
    BadInput("sweep: a cell of another build's plan", files: ["p/plan.json": otherBuildPlan], ["cell", "p", "--index", "0"], exit: 65, mentions: ["plan.json", "build", "0000"]),
    BadInput("sweep: a corrupted result.json", files: ["p/plan.json": otherBuildPlan, "p/cells/c0/result.json": "{\"id\": 3"], ["merge", "p"], exit: 65,
             mentions: ["result.json", "not a cell result"]),
    BadInput("sweep: a plan that is not JSON", files: ["p/plan.json": "cells: 3\n"], ["merge", "p"], exit: 65, mentions: ["plan.json", "not a plan"]),
    BadInput("scenario: a model infeasible alone at explicit scales", ["sim", "--scenario", "vr-gaming", "--duration", "1", "--time-scale", "1", "--work-scale", "1"],
             exit: 69, mentions: ["vr-gaming", "GE_FBNet_C", "--allow-infeasible"]),
]

/// A plan made by another build (its digest is not this binary's).
let otherBuildPlan = """
{"format": 1, "build": "0000", "topology": "dual-ws-os", "topologyName": "dual-ws-os", "mode": "sim", "durationS": 1,
 "scenarios": ["social-b"], "loads": [0.8], "seeds": [1], "schedulers": ["edf"], "mix": "equal", "mixHardware": "Dual_4K/WS_OS",
 "allowInfeasible": false, "retries": 0, "machine": "test", "fits": [], "cells": [{"id": "c0", "scenario": "social-b", "load": 0.8, "seed": 1, "scheduler": "edf"}]}
"""

@Suite struct BadInputMatrixTests {
    @Test func matrixIsLargeEnough() {
        #expect(badInputs.count >= 30)
        #expect(Set(badInputs.map(\.name)).count == badInputs.count, "case names are unique")
    }

    @Test(arguments: badInputs)
    func refusedCleanly(_ c: BadInput) throws {
        let scratch = try Scratch(c.name)
        defer { scratch.cleanup() }
        for d in c.directories { try scratch.makeDirectory(d) }
        for (path, bytes) in c.files { try scratch.write(path, bytes) }
        let before = scratch.files()

        let r = try runDream(c.args, in: scratch.url)

        #expect(!r.timedOut, "`dream \(c.args.joined(separator: " "))` hung")
        #expect(!r.signalled, "`dream \(c.args.joined(separator: " "))` was killed by a signal (a trap): \(r.stderr.prefix(600))")
        #expect(r.status == c.exit, "exit status \(r.status), expected \(c.exit); stderr: \(r.stderr.prefix(600))")
        for m in c.mentions {
            #expect(r.stderr.contains(m), "stderr does not mention `\(m)`: \(r.stderr.prefix(600))")
        }
        if c.argumentParser {
            #expect(r.stderr.contains("Error:") && r.stderr.contains("Usage:"), "stderr: \(r.stderr.prefix(600))")
        } else {
            #expect(r.stderr.contains("dream: error: "), "stderr: \(r.stderr.prefix(600))")
            #expect(r.stderr.contains(". Fix: "), "the message gives no fix: \(r.stderr.prefix(600))")
        }
        for trace in ["Fatal error", "Backtrac", "Program crashed", "Stack dump", "Illegal instruction", "Current stack trace"] {
            #expect(!r.stderr.contains(trace), "stderr shows a crash (`\(trace)`): \(r.stderr.prefix(600))")
        }
        #expect(r.stdout.isEmpty, "a refused command printed output: \(r.stdout.prefix(300))")
        let created = scratch.files().subtracting(before)
        #expect(created.isEmpty, "partial output left behind: \(created.sorted())")
    }
}
