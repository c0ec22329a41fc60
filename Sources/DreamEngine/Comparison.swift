import Foundation

/// Means and 95% confidence intervals over seeds (Student's t), as `dream compare` reports them.
public enum SeedStatistics {
    /// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom.
    public static func t975(df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        if df < 1 { return .nan }
        if df <= table.count { return table[df - 1] }
        return 1.960 + 2.4 / Double(df)   // within 0.003 of the exact quantile for df > 30
    }

    /// The mean and its 95% interval; no interval from fewer than two values.
    public static func meanCI(_ values: [Double]) -> (mean: Double, ci95: [Double]?) {
        guard !values.isEmpty else { return (.nan, nil) }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        guard values.count >= 2 else { return (mean, nil) }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let half = t975(df: values.count - 1) * (variance / n).squareRoot()
        return (mean, [mean - half, mean + half])
    }
}

/// The metrics of one run that a comparison reports, by JSON key.
public struct RunMetrics: Sendable, Codable, Hashable {
    public var values: [String: Double?]
    /// Frames generated per stream name.
    public var framesPerStream: [String: Int]

    public static let keys = ["uxcost", "uxcost_met", "energy_per_frame_j", "energy_per_met_frame_j", "violation_rate",
                              "miss_rate", "drop_rate", "xrbench_score"]

    public init(_ s: RunSummary) {
        values = ["uxcost": s.uxcost, "uxcost_met": s.uxcostMet, "energy_per_frame_j": s.energyPerFrameJ,
                  "energy_per_met_frame_j": s.energyPerMetFrameJ, "violation_rate": s.violationRate,
                  "miss_rate": s.missRate, "drop_rate": s.dropRate, "xrbench_score": s.xrbenchScore, "energy_j": s.energyJ,
                  // The V that UXCost multiplies (floored at half a frame): the violation side of a reduction.
                  "violation_floored": max(s.violationRate, 0.5 / Double(max(1, s.framesGenerated)))]
        framesPerStream = Dictionary(s.streams.map { ($0.name, $0.framesGenerated) }, uniquingKeysWith: +)
    }
}

/// One comparison cell: a scheduler on a scenario at a load, in one mode, over seeds.
public struct ComparisonCell: Sendable {
    public var scenario: String
    public var load: Double
    public var scheduler: String
    public var mode: String
    /// The load the fit reached (its kernels' or model's estimate; `load` is the target).
    public var offeredLoad: Double?
    /// Per seed, in seed order.
    public var seeds: [UInt64] = []
    public var runs: [RunMetrics] = []
    /// Live cells: per seed, the interference verdict of the run kept; live runs made (retries
    /// included) and how many were disturbed.
    public var verdicts: [String] = []
    public var liveRuns = 0
    public var disturbedRuns = 0

    public init(scenario: String, load: Double, scheduler: String, mode: String) {
        self.scenario = scenario
        self.load = load
        self.scheduler = scheduler
        self.mode = mode
    }

    /// The per-seed values of a metric; nil when any seed has none (UXCost-met with no frame met: infinite).
    public func values(_ key: String) -> [Double]? {
        var out: [Double] = []
        for r in runs {
            guard let v = r.values[key] ?? nil else { return nil }
            out.append(v)
        }
        return out
    }

    public func mean(_ key: String) -> Double? { values(key).map { SeedStatistics.meanCI($0).mean } }

    /// Fewest frames any active stream had in any seed, and per stream the fewest over seeds.
    public var framesPerStream: [String: Int] {
        var out: [String: Int] = [:]
        for r in runs { for (k, v) in r.framesPerStream { out[k] = min(out[k] ?? .max, v) } }
        return out
    }
    public var minFramesPerStream: Int { framesPerStream.values.filter { $0 > 0 }.min() ?? 0 }
}

/// DREAM's reduction of a metric against one baseline at one load: the geometric mean over
/// scenarios and seeds of DREAM / baseline, as 1 - that, with a 95% interval over seeds of the
/// per-seed geometric mean (the seeds pair the two policies on identical traces).
public struct Reduction: Sendable, Equatable {
    public var mode: String
    public var baseline: String
    public var load: Double
    public var metric: String
    public var geomean: Double
    public var ci95: [Double]?
    /// (scenario, seed) pairs used, and pairs left out because a value was infinite.
    public var pairs: Int
    public var skipped: Int

    /// `cells` of one mode; nil when no pair is finite.
    public static func of(_ policy: String, against baseline: String, load: Double, metric: String,
                          cells: [ComparisonCell]) -> Reduction? {
        let here = cells.filter { $0.load == load }
        var perSeed: [UInt64: [Double]] = [:]
        var skipped = 0
        for d in here where d.scheduler == policy {
            guard let b = here.first(where: { $0.scheduler == baseline && $0.scenario == d.scenario }) else { continue }
            for (i, seed) in d.seeds.enumerated() {
                guard let j = b.seeds.firstIndex(of: seed),
                      let x = d.runs[i].values[metric] ?? nil, let y = b.runs[j].values[metric] ?? nil, x > 0, y > 0 else { skipped += 1; continue }
                perSeed[seed, default: []].append(log(x / y))
            }
        }
        let logs = perSeed.keys.sorted().map { k in perSeed[k]!.reduce(0, +) / Double(perSeed[k]!.count) }
        guard !logs.isEmpty else { return nil }
        let s = SeedStatistics.meanCI(logs)
        return Reduction(mode: here.first?.mode ?? "", baseline: baseline, load: load, metric: metric, geomean: 1 - exp(s.mean),
                         ci95: s.ci95.map { [1 - exp($0[1]), 1 - exp($0[0])] },
                         pairs: perSeed.values.reduce(0) { $0 + $1.count }, skipped: skipped)
    }
}
