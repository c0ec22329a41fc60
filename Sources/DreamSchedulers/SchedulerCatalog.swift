import DreamCore
import DreamEngine

/// Every policy by name, for `--scheduler` and for `dream compare`: one table of (name, what it
/// does, how to make it).
public enum SchedulerCatalog {
    /// One named policy.
    public struct Entry: Sendable {
        public enum Role: Sendable { case dream, baseline, ablation, sanity }
        public let name: String
        public let role: Role
        /// One line, for `--help` and reports.
        public let summary: String
        /// A new policy object (policies keep per-run state: make one per run).
        public let make: @Sendable () -> Scheduler
    }

    /// In `names` order within each role.
    public static let entries: [Entry] = [
        Entry(name: "dream", role: .dream,
              summary: "MapScore (urgency + fairness + accelerator preference) per job and accelerator, adaptive layer blocks, hopeless-frame drop and overload shedding, supernet switching",
              make: { DreamScheduler(features: .standard) }),
        Entry(name: "fcfs", role: .baseline, summary: "oldest released job, whole remaining model, first idle accelerator",
              make: { FCFSScheduler() }),
        Entry(name: "rr", role: .baseline, summary: "streams in turn, one layer per turn, first idle accelerator",
              make: { RoundRobinScheduler() }),
        Entry(name: "edf", role: .baseline, summary: "earliest deadline first, one layer at a time, on the free accelerator fastest for the job",
              make: { EDFScheduler() }),
        Entry(name: "latency-greedy", role: .baseline,
              summary: "XRBench: models in name order, oldest request, whole model to the idle accelerator with the lowest latency",
              make: { LatencyGreedyScheduler() }),
        Entry(name: "herald", role: .baseline,
              summary: "layer-level greedy: each layer to the accelerator with the best latency for it (earliest finish), blocks cut at affinity changes",
              make: { HeraldScheduler() }),
        Entry(name: "prema", role: .baseline,
              summary: "tokens = priority x normalized waiting; shortest job among those over the threshold; one layer at a time",
              make: { PREMAScheduler() }),
        Entry(name: "planaria", role: .baseline,
              summary: "least laxity first; the cheapest free accelerator that meets the deadline, else the fastest; whole model",
              make: { PlanariaScheduler() }),
        Entry(name: "veltair", role: .baseline,
              summary: "least recently served first, fastest free accelerator, blocks of remaining / (1 + waiting jobs)",
              make: { VeltairScheduler() }),
        Entry(name: "dream-score-only", role: .ablation,
              summary: "DREAM's MapScore and blocks with fixed weights: no drop, no tuning, no supernet",
              make: { DreamScheduler(features: []) }),
        Entry(name: "dream+drop", role: .ablation, summary: "score-only plus the hopeless-frame drop",
              make: { DreamScheduler(features: [.drop]) }),
        Entry(name: "dream+tuning", role: .ablation, summary: "score-only plus online weight tuning",
              make: { DreamScheduler(features: [.tuning]) }),
        Entry(name: "dream+supernet", role: .ablation, summary: "score-only plus supernet variant switching",
              make: { DreamScheduler(features: [.supernet]) }),
        Entry(name: "dream-with-tuning", role: .ablation,
              summary: "dream plus the online weight tuner (SPSA steps on measured window UXCost; off in dream: no gain that held on held-out seeds)",
              make: { DreamScheduler(features: .all) }),
        Entry(name: "drop-all", role: .sanity,
              summary: "sanity check: drops every frame at release, runs nothing (V = 1, idle energy only)",
              make: { DropAllScheduler() }),
    ]

    /// Every policy of `all`: DREAM, the baselines, the baselines with the hopeless-frame drop,
    /// DREAM's ablations and the `drop-all` sanity policy. Any `dream+...` combination of `drop`,
    /// `tuning`, `supernet` (in any order), `dream-no-drop` / `dream-no-tuning` /
    /// `dream-no-supernet` and the `componentAblations` are accepted too.
    public static var names: [String] {
        entries.filter { $0.role == .dream }.map(\.name) + baselines + baselinesWithDrop
            + entries.filter { $0.role == .ablation || $0.role == .sanity }.map(\.name)
    }

    /// The baselines DREAM is compared with (not its ablations).
    public static let baselines: [String] = entries.filter { $0.role == .baseline }.map(\.name)

    /// Each baseline with the engine's hopeless-frame drop (`HopelessDrop`), the rule DREAM drops by.
    public static var baselinesWithDrop: [String] { baselines.map { $0 + "+drop" } }

    /// Whether `name` is a baseline, with or without drop (what DREAM's reductions are against).
    public static func isBaseline(_ name: String) -> Bool {
        baselines.contains(name) || baselinesWithDrop.contains(name)
    }

    /// A one-line rule per name of `names`, for `--help` and reports.
    public static var summaries: [String: String] {
        var all: [String: String] = [:]
        for e in entries {
            all[e.name] = e.summary
            if e.role == .baseline {
                all[e.name + "+drop"] = e.summary + "; plus the hopeless-frame drop (frames that cannot meet their deadline even started now on their fastest accelerator)"
            }
        }
        for a in componentAblations { all[a.name] = a.summary }
        return all
    }

    /// A new policy object (policies keep per-run state: make one per run).
    public static func make(name: String) throws -> Scheduler {
        if let entry = entries.first(where: { $0.name == name }) { return entry.make() }
        if let features = dreamFeatures(name) { return DreamScheduler(features: features) }
        if let ablation = componentAblations.first(where: { $0.name == name }) {
            var configuration = DreamConfiguration()
            ablation.configure(&configuration)
            return DreamScheduler(configuration: configuration, name: ablation.name)
        }
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

    /// DREAM with one part of its score or of its dispatch switched off (issue 16's ablations of
    /// the components that are not features): accepted by `make`, not in `all`.
    public struct ComponentAblation: Sendable {
        public let name: String
        public let summary: String
        let configure: @Sendable (inout DreamConfiguration) -> Void
    }

    public static let componentAblations: [ComponentAblation] = [
        ComponentAblation(name: "dream-no-preference", summary: "dream without the accelerator preference (its weight 0)",
                          configure: { $0.weights.preference = 0 }),
        ComponentAblation(name: "dream-no-fairness", summary: "dream without the fairness term (its weight 0)",
                          configure: { $0.weights.fairness = 0 }),
        ComponentAblation(name: "dream-no-deadline-term", summary: "dream without the urgency's deadline term (deadlineWeight 0)",
                          configure: { $0.deadlineWeight = 0 }),
        ComponentAblation(name: "dream-no-blocks", summary: "dream dispatching whole remaining frames instead of layer blocks",
                          configure: { $0.layerBlocks = false }),
        ComponentAblation(name: "dream-short-blocks", summary: "dream with short layer blocks at every load (no long blocks below load 0.9 or 80% busy)",
                          configure: { $0.longBlockLoadMax = 0; $0.longBlockBusyMax = 0 }),
        ComponentAblation(name: "dream-drift-blind", summary: "dream with long blocks however much the accelerators' speed drifts (no drift gate)",
                          configure: { $0.longBlockDriftMax = .infinity }),
        ComponentAblation(name: "dream-no-shedding", summary: "dream with the hopeless-frame drop but without overload shedding",
                          configure: { $0.shedCapacityFraction = 0; $0.shedCapacityFractionMax = 0 }),
        ComponentAblation(name: "dream-no-wait", summary: "dream starting a frame on a slower accelerator it must leave later instead of waiting for the busy faster one",
                          configure: { $0.waitForFasterAccelerator = false }),
        ComponentAblation(name: "dream-no-margin", summary: "dream trusting its estimates exactly (no margin for the spread its blocks show)",
                          configure: { $0.estimateMarginPerSpread = 0 }),
        ComponentAblation(name: "dream-no-shed-on-losses", summary: "dream shedding by the offered load alone (not also as past capacity once its losses exceed one model's share of the frames)",
                          configure: { $0.shedOnLosses = false }),
        ComponentAblation(name: "dream-estimated-load", summary: "dream counting the offered load and the shedding's frames still to come at its first estimates' speed, not at the speed its blocks run",
                          configure: { $0.loadAtMeasuredSpeed = false }),
        ComponentAblation(name: "dream-no-run-late", summary: "dream dropping hopeless frames at every load instead of running them late",
                          configure: { $0.runLateLoadMax = 0 }),
    ]

    /// The DREAM feature set a name selects, or nil when it is not a DREAM name.
    public static func dreamFeatures(_ name: String) -> DreamFeatures? {
        switch name {
        case "dream": return .standard
        case "dream-score-only": return []
        // Leave-one-out from `dream` (which has no tuner: `dream-no-tuning` is `dream`).
        case "dream-no-drop": return [.supernet]
        case "dream-no-tuning": return .standard
        case "dream-no-supernet": return [.drop]
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
