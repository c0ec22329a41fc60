import DreamCore
import DreamWorkloads

/// How a scenario becomes a trace: seed, duration, how its scale is chosen and what load a fit
/// aims at. A value; `dream run`, `sim`, `compare` and `cell` all build one from their options.
public struct WorkloadOptions: Sendable, Hashable {
    /// How the fit shares the load among models.
    public enum Mix: String, Sendable, Hashable, CaseIterable {
        /// The same share of accelerator time for each model.
        case equal
        /// XRBench's relative model costs on `mixHardware`.
        case xrbench
    }

    /// How the scale is chosen: each model's work fitted at time scale 1 (the default), the
    /// time scale fitted to a given work scale, or both given.
    public enum Fitting: Sendable { case work, time, none }

    /// Seed of every random draw (releases, cascades, skips, phases).
    public var seed: UInt64 = 1
    /// Seconds of (scaled) time during which frames are released.
    public var duration: Double = 10
    /// A given time scale (nil: 1, or fitted when only `workScale` is given).
    public var timeScale: Double?
    /// A given work scale for every model (nil: fitted per model).
    public var workScale: Double?
    /// The offered load a fit aims at.
    public var targetLoad: Double = 0.8
    /// How a live run's fit meets this machine (`LiveFitMethod`; the simulator ignores it).
    public var liveFit: LiveFitMethod = .run
    public var mix: Mix = .equal
    /// With `.xrbench`: HARDWARE/DATAFLOWS of XRBench's cost table.
    public var mixHardware = "Dual_4K/WS_OS"
    /// With `.xrbench`: the cost table (default ../shared/xrbench/cost_table.csv or $DREAM_XRBENCH_COSTS).
    public var mixCosts: String?
    /// Run even when a model cannot meet its deadline alone (otherwise refused, exit 69).
    public var allowInfeasible = false

    public init(seed: UInt64 = 1, duration: Double = 10, targetLoad: Double = 0.8) {
        self.seed = seed
        self.duration = duration
        self.targetLoad = targetLoad
    }

    public var fitting: Fitting {
        if timeScale == nil && workScale == nil { return .work }
        return timeScale == nil ? .time : .none
    }

    /// The trace of `spec` at `scale`.
    public func trace(_ spec: ScenarioSpec, scale: WorkloadScale) throws -> WorkloadTrace {
        try WorkloadTrace.generate(scenario: spec, seed: seed, duration: duration, scale: scale)
    }
}
