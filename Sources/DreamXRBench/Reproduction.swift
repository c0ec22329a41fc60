import DreamCore
import DreamWorkloads
import Foundation

/// A whole `dream xrbench` run: a scenario file and a cost table in, XRBench's scores out.
public struct XRBenchReproduction: Sendable, Codable {
    /// What each model did, beside its score.
    public struct ModelReport: Sendable, Hashable, Codable {
        public var model: String
        public var fps: Int
        public var periodMs: Int
        public var frames: Int
        /// nil when the model logged nothing (it is then left out of the overall mean).
        public var score: XRBenchModelScore?
        public var notCreated: Int
        public var discardedQueued: Int
        public var discardedRunning: Int
    }

    public var scenario: String
    public var hardware: String
    public var dataflows: String
    public var durationMs: Int
    public var seed: UInt32
    /// True when some model has a Probability below 1: the score then depends on the seed.
    public var seedDependent: Bool
    public var overallScore: Float
    /// In byte-wise name order.
    public var models: [ModelReport]
    public var endMs: Float
    public var events: Int

    public init(scenario: XRBenchScenario, costs: XRBenchCostTable, hardware: String, dataflows: String,
                durationMs: Int = 700, seed: UInt32 = 1) throws {
        let accelerators = try costs.accelerators(hardware: hardware, dataflows: dataflows, models: scenario.models.map(\.name))
        let simulator = try XRBenchSimulator(scenario: scenario, accelerators: accelerators, durationMs: durationMs, seed: seed)
        let trace = simulator.run()
        let score = XRBenchScore(trace: trace)
        self.scenario = scenario.name
        self.hardware = hardware
        self.dataflows = dataflows
        self.durationMs = durationMs
        self.seed = seed
        self.seedDependent = scenario.models.contains { $0.probability < 1 }
        self.overallScore = score.overall
        self.endMs = trace.endMs
        self.events = trace.events
        self.models = scenario.models.sorted { XRBenchScenario.byteOrder($0.name, $1.name) }.map { m in
            ModelReport(model: m.name, fps: m.fps, periodMs: m.periodMs, frames: m.frames(durationMs: durationMs),
                        score: score.models.first { $0.model == m.name },
                        notCreated: trace.notCreated[m.name] ?? 0,
                        discardedQueued: trace.discardedQueued[m.name] ?? 0,
                        discardedRunning: trace.discardedRunning[m.name] ?? 0)
        }
    }

    /// Reads the scenario (`.m`, via `MaestroFile`) and the cost table (CSV) from files.
    public init(scenarioFile: String, costsFile: String, hardware: String, dataflows: String,
                durationMs: Int = 700, seed: UInt32 = 1) throws {
        let maestro = try MaestroFile.parse(ShippedFiles.readText(scenarioFile, what: "XRBench scenario (.m)"), file: scenarioFile)
        let scenario = try XRBenchScenario(maestro)
        let costs = try XRBenchCostTable.parse(ShippedFiles.readText(costsFile, what: "cost table (CSV)"), file: costsFile)
        try self.init(scenario: scenario, costs: costs, hardware: hardware, dataflows: dataflows, durationMs: durationMs, seed: seed)
    }

    /// The text report: `overall_score: X` then one line per model.
    public var text: String {
        func f(_ x: Double) -> String { String(format: "%.6f", x) }
        var lines: [String] = []
        let seedNote = seedDependent ? "seed \(seed) (Probability < 1: the score depends on the seed)" : "deterministic"
        lines.append("scenario: \(scenario)  hardware: \(hardware)  dataflows: \(dataflows)  duration: \(durationMs) ms  \(seedNote)")
        lines.append("overall_score: \(f(Double(overallScore)))")
        let width = max(5, models.map(\.model.count).max() ?? 0)
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        lines.append("\(pad("model"))  RT        EN        QoE       score     completed dropped discarded")
        for m in models {
            let discarded = m.discardedQueued + m.discardedRunning
            if let s = m.score {
                lines.append("\(pad(m.model))  \(f(s.realTime))  \(f(s.energy))  \(f(Double(s.qoe)))  \(f(Double(s.score)))  "
                    + "\(String(s.completed).padding(toLength: 9, withPad: " ", startingAt: 0)) "
                    + "\(String(s.dropped).padding(toLength: 7, withPad: " ", startingAt: 0)) \(discarded)")
            } else {
                lines.append("\(pad(m.model))  (logged no frame: left out of the mean; \(m.notCreated) not created, \(discarded) discarded)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
