import DreamCore
import DreamEngine

/// Every policy by name, for `--scheduler` and for `dream compare`.
public enum SchedulerCatalog {
    /// Every policy of `all`: DREAM, the baselines, the baselines with the hopeless-frame drop,
    /// DREAM's ablations and the `drop-all` sanity policy. Any `dream+...` combination of `drop`,
    /// `tuning`, `supernet` (in any order) and `dream-no-drop` / `dream-no-tuning` /
    /// `dream-no-supernet` are accepted too.
    public static var names: [String] {
        ["dream"] + baselines + baselinesWithDrop + ["dream-score-only", "dream+drop", "dream+tuning", "dream+supernet", "drop-all"]
    }

    /// The baselines DREAM is compared with (not its ablations).
    public static let baselines: [String] = ["fcfs", "rr", "edf", "latency-greedy", "herald", "prema", "planaria", "veltair"]

    /// Each baseline with the engine's hopeless-frame drop (`HopelessDrop`), the rule DREAM drops by.
    public static var baselinesWithDrop: [String] { baselines.map { $0 + "+drop" } }

    /// Whether `name` is a baseline, with or without drop (what DREAM's reductions are against).
    public static func isBaseline(_ name: String) -> Bool {
        baselines.contains(name) || baselinesWithDrop.contains(name)
    }

    /// A one-line rule per name of `names`, for `--help` and reports.
    public static var summaries: [String: String] {
        var all = ruleOf
        for b in baselines { all[b + "+drop"] = ruleOf[b]! + "; plus the hopeless-frame drop (frames that cannot meet their deadline even started now on their fastest accelerator)" }
        return all
    }

    private static let ruleOf: [String: String] = [
        "dream": "MapScore (urgency + fairness + accelerator preference) per job and accelerator, adaptive layer blocks, hopeless-frame drop, supernet switching, online weight tuning",
        "fcfs": "oldest released job, whole remaining model, first idle accelerator",
        "rr": "streams in turn, one layer per turn, first idle accelerator",
        "edf": "earliest deadline first, one layer at a time, on the free accelerator fastest for the job",
        "latency-greedy": "XRBench: models in name order, oldest request, whole model to the idle accelerator with the lowest latency",
        "herald": "layer-level greedy: each layer to the accelerator with the best latency for it (earliest finish), blocks cut at affinity changes",
        "prema": "tokens = priority x normalized waiting; shortest job among those over the threshold; one layer at a time",
        "planaria": "least laxity first; the cheapest free accelerator that meets the deadline, else the fastest; whole model",
        "veltair": "least recently served first, fastest free accelerator, blocks of remaining / (1 + waiting jobs)",
        "dream-score-only": "DREAM's MapScore and blocks with fixed weights: no drop, no tuning, no supernet",
        "dream+drop": "score-only plus the hopeless-frame drop",
        "dream+tuning": "score-only plus online weight tuning",
        "dream+supernet": "score-only plus supernet variant switching",
        "drop-all": "sanity check: drops every frame at release, runs nothing (V = 1, idle energy only)",
    ]


    /// A new policy object (policies keep per-run state: make one per run).
    public static func make(name: String) throws -> Scheduler {
        switch name {
        case "fcfs": return FCFSScheduler()
        case "rr": return RoundRobinScheduler()
        case "edf": return EDFScheduler()
        case "latency-greedy": return LatencyGreedyScheduler()
        case "herald": return HeraldScheduler()
        case "prema": return PREMAScheduler()
        case "planaria": return PlanariaScheduler()
        case "veltair": return VeltairScheduler()
        case "drop-all": return DropAllScheduler()
        default:
            if let features = dreamFeatures(name) { return DreamScheduler(features: features) }
            if name.hasSuffix("+drop"), baselines.contains(String(name.dropLast(5))) {
                return HopelessDrop(try make(name: String(name.dropLast(5))))
            }
            if name.hasSuffix("+drop") {
                throw DreamInputError(.usage, file: "--scheduler", field: name,
                                      problem: "unknown scheduler \"\(name)\": `+drop` applies to a baseline",
                                      fix: "use one of: \(baselinesWithDrop.joined(separator: ", ")) (or dream+drop)")
            }
            throw DreamInputError(.usage, file: "--scheduler", field: name,
                                  problem: "unknown scheduler \"\(name)\"",
                                  fix: "use one of: \(names.joined(separator: ", "))")
        }
    }

    /// The DREAM feature set a name selects, or nil when it is not a DREAM name.
    public static func dreamFeatures(_ name: String) -> DreamFeatures? {
        switch name {
        case "dream": return .all
        case "dream-score-only": return []
        case "dream-no-drop": return [.tuning, .supernet]
        case "dream-no-tuning": return [.drop, .supernet]
        case "dream-no-supernet": return [.drop, .tuning]
        default: break
        }
        guard name.hasPrefix("dream+") else { return nil }
        var features: DreamFeatures = []
        for part in name.dropFirst("dream+".count).split(separator: "+", omittingEmptySubsequences: false) {
            switch part {
            case "drop": features.insert(.drop)
            case "tuning": features.insert(.tuning)
            case "supernet": features.insert(.supernet)
            default: return nil
            }
        }
        return features
    }
}
