import Foundation

/// One model's scores, as the official summary reports them.
public struct XRBenchModelScore: Sendable, Hashable, Codable {
    public var model: String
    /// Mean real-time score over completed frames (the official summary's double mean of
    /// float32 per-frame scores; 0 when nothing completed).
    public var realTime: Double
    /// Mean energy score over completed frames, likewise.
    public var energy: Double
    /// 1 - dropped / logged (float32).
    public var qoe: Float
    /// (sum over completed of RT * EN) / logged * QoE, in float32: this model's share of the
    /// scenario score (times 100 / number of models).
    public var score: Float
    public var completed: Int
    public var dropped: Int
    public var logged: Int { completed + dropped }
}

/// XRBench's score of a run (the official `ScoringModule`, float32 throughout).
public struct XRBenchScore: Sendable, Hashable, Codable {
    /// 100 * mean of the model scores over the models that logged at least one frame.
    public var overall: Float
    /// The models that logged at least one frame, in byte-wise name order.
    public var models: [XRBenchModelScore]

    /// The official parameters: RT = 1 / (1 + exp(k * (completion - deadline))) with k = 15 per
    /// ms, EN = (Emax - E) / Emax with Emax = 1500.
    public static let k: Float = 15
    public static let maxEnergy: Float = 1500

    public static func realTimeScore(completionMs: Float, deadlineMs: Float) -> Float {
        1 / (1 + Foundation.exp(k * (completionMs - deadlineMs)))
    }

    /// Computed in double and rounded to float, as the official code does (float - double energy).
    public static func energyScore(_ energy: Float) -> Float {
        Float((Double(maxEnergy) - Double(energy)) / Double(maxEnergy))
    }

    public init(trace: XRBenchTrace) {
        // Models in the order they first appear in the log (the official model list), so the
        // float32 sums add up in the same order.
        var order: [String] = []
        var byModel: [String: [XRBenchLogEntry]] = [:]
        for entry in trace.log {
            if byModel[entry.model] == nil { order.append(entry.model) }
            byModel[entry.model, default: []].append(entry)
        }
        var overall: Float = 0
        var models: [XRBenchModelScore] = []
        for name in order {
            let entries = byModel[name]!
            var sum: Float = 0
            var rtSum = 0.0, enSum = 0.0
            var completed = 0, dropped = 0
            for e in entries {
                if e.dropped { dropped += 1; continue }
                let rt = Self.realTimeScore(completionMs: e.completionMs, deadlineMs: e.deadlineMs)
                let en = Self.energyScore(e.energy)
                sum += rt * en
                rtSum += Double(rt)
                enSum += Double(en)
                completed += 1
            }
            let qoe = 1 - Float(dropped) / Float(entries.count)
            let score = sum / Float(entries.count) * qoe
            overall += score
            models.append(XRBenchModelScore(model: name,
                                            realTime: completed == 0 ? 0 : rtSum / Double(completed),
                                            energy: completed == 0 ? 0 : enSum / Double(completed),
                                            qoe: qoe, score: score, completed: completed, dropped: dropped))
        }
        self.overall = order.isEmpty ? 0 : overall / Float(order.count) * 100
        self.models = models.sorted { XRBenchScenario.byteOrder($0.model, $1.model) }
    }
}
