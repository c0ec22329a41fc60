import DreamEngine

/// The mechanisms of DREAM that can be switched on and off (the ablations).
public struct DreamFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Drop a frame (and its cascade dependents) once it cannot meet its deadline.
    public static let drop = DreamFeatures(rawValue: 1)
    /// Tune the score weights online on measured window UXCost.
    public static let tuning = DreamFeatures(rawValue: 2)
    /// Pick cheaper supernet variants under load, larger ones when load falls.
    public static let supernet = DreamFeatures(rawValue: 4)
    public static let all: DreamFeatures = [.drop, .tuning, .supernet]
    /// `dream`'s: the drop and supernet switching. The online tuner is off: no gain of it held on
    /// the held-out seeds (issue 16, fourteenth pass; docs/dream.md, online tuning).
    public static let standard: DreamFeatures = [.drop, .supernet]
    /// The ablation name of a feature set (see `SchedulerCatalog`).
    public var schedulerName: String {
        if self == .standard { return "dream" }
        if self == .all { return "dream-with-tuning" }
        if isEmpty { return "dream-score-only" }
        var s = "dream"
        if contains(.drop) { s += "+drop" }
        if contains(.tuning) { s += "+tuning" }
        if contains(.supernet) { s += "+supernet" }
        return s
    }
}

/// The weights of the MapScore terms.
public struct DreamWeights: Sendable, Hashable, Codable {
    public var urgency: Double
    public var fairness: Double
    public var preference: Double
    public init(urgency: Double, fairness: Double, preference: Double) {
        self.urgency = urgency
        self.fairness = fairness
        self.preference = preference
    }
    /// Largest relative change of a tuned weight (fairness, preference) from `other` to self.
    public func relativeChange(from other: DreamWeights) -> Double {
        max(abs(fairness - other.fairness) / max(other.fairness, 1e-12),
            abs(preference - other.preference) / max(other.preference, 1e-12))
    }
}

/// Every tunable number of DREAM, with its default. docs/dream.md gives the reasoning.
public struct DreamConfiguration: Sendable {
    public var features: DreamFeatures = .standard
    /// The weights (with the `tuning` feature, its starting point): urgency is the scale (1);
    /// fairness and preference are what the tuner moves.
    /// (With the deadline term the urgency is divided by 1 + deadlineWeight = 4, so these are the
    /// earlier 0.25 and 0.5 on the same scale.)
    public var weights = DreamWeights(urgency: 1, fairness: 0.0625, preference: 0.125)
    /// Fairness saturates when a job has waited this many of its next layers.
    public var fairnessHorizonLayers: Double = 16
    /// Exponent of the urgency gate that hands the accelerator preference from energy to latency.
    public var gateExponent: Double = 2
    /// The preference is multiplied by (best time / time here)^occupancyExponent: a slower
    /// accelerator is occupied longer, capacity the other frames need, even when it is cheaper.
    public var occupancyExponent: Double = 0.5
    /// Layer blocks: a dispatch runs a block of layers sized by the budgets below, and the job
    /// may move or be preempted between blocks. false (the `dream-no-blocks` ablation): a
    /// dispatch runs the job's remaining layers, as the whole-model baselines do.
    public var layerBlocks = true
    /// Smallest block a dispatch asks for (unless the job has less left), ns.
    public var minBlockNs: Double = 250_000
    /// A block ends within this fraction of the laxity of the most pressed waiting frame, and
    /// within this fraction of the smallest laxity a frame of any stream has at its release
    /// (period - best time - cascade work), so a frame released during the block can still start
    /// in time.
    public var blockLaxityFraction: Double = 0.1
    /// When the offered load of the last window is under `loadHigh`, the cap is extended to the
    /// next expected release of a periodic stream plus the cap: fewer blocks (each costs a
    /// context save and restore, energy), preemption still before a new frame could need it.
    public var blockUntilRelease: Bool = true
    /// Below this offered load (`offeredLoad` when the last load window closed) blocks are long:
    /// a block may use all of its frame's slack (the block limit counts the rest of the frame
    /// once; at and above this load twice, a margin), its release-extended cap holds on any
    /// accelerator (not only the frame's fastest), and it is at least `longBlockMinNs`. Each
    /// block boundary costs a context save and restore (8 bytes per element at DRAM, counted by
    /// the runtime and the simulator alike), and at such a load a frame released meanwhile
    /// nearly always finds a free accelerator. 0 (the `dream-short-blocks` ablation): short
    /// blocks at every load. Measured in docs/dream16.md (seventh pass).
    public var longBlockLoadMax: Double = 0.9
    /// The smallest long block, ns (`minBlockNs` otherwise).
    public var longBlockMinNs: Double = 2_000_000
    /// Blocks are long also when the accelerators were busy less than this share of the last
    /// load window (measured block time over the window's length x the accelerators): under
    /// overload the shedding can leave them under-used (dual-ws-os `ar-gaming` 1.2 sheds one
    /// model whole and runs the rest uncontended, 77-80% busy, in one-layer blocks). 0 with
    /// `longBlockLoadMax` 0: the `dream-short-blocks` ablation.
    public var longBlockBusyMax: Double = 0.8
    /// Blocks are long only while the accelerators' speed drift (`DriftMeter`: the estimate error
    /// the blocks of one load window share, beyond independent errors) is under this: a long
    /// block averages its layers' independent errors out but not a shared slowdown, which the
    /// frames waiting behind it then pay. The simulator with live-like spread measures 0.002-0.011
    /// without drift, 0.021-0.034 with `--speed-drift 0.04` and 0.055-0.070 with 0.08, where short
    /// blocks start to pay (tuning seeds, dual-ws-os: the gate cuts UXCost 14.2% at 0.08 and 11.3%
    /// at 0.15, 86% and 51% in vr-gaming at load 0.8); two live runs here read 0.02-0.19. Infinity
    /// (the `dream-drift-blind` ablation): long blocks whatever the drift.
    public var longBlockDriftMax: Double = 0.045
    /// A block ends before a layer that is this many times slower here than on its best
    /// accelerator (layer-to-dataflow affinity), so the next layers can move.
    public var affinityCutRatio: Double = 1.5
    /// A frame that can meet its deadline on an accelerator only by moving later to a faster
    /// one (its whole rest there would finish too late) waits for the faster one instead, when
    /// that one is busy with a frame due after it and would finish it sooner after its current
    /// block: started on the slow one, it keeps itself off the fast one, which the later frame
    /// keeps taking block after block until the frame is lost (big-little `outdoor-a` 0.8: a
    /// third of the object detector's frames). false: the `dream-no-wait` ablation.
    public var waitForFasterAccelerator = true
    /// Estimate margin: a frame's latest start and its preference's gate count its best remaining
    /// time as (1 + m) times its estimate, m = this x the spread the blocks have shown so far
    /// (root mean square of log(measured / estimated) over the run's blocks, each against the
    /// estimate it was dispatched with, `SchedulerEvent.blockFinished`'s `estimatedNs`), at most
    /// `estimateMarginMax`; 0 below `estimateMarginMinSpread` (exact estimates: the simulator
    /// without spread). Why: estimates off the same way in every frame (live, each layer's fitted
    /// time is 0.15-0.31 off: issue 16, tenth pass) make a packing that is exact on paper lose a
    /// frame at the first overrun, and from then on one per hyperperiod. 0: the `dream-no-margin`
    /// ablation.
    public var estimateMarginPerSpread: Double = 1
    public var estimateMarginMax: Double = 0.5
    public var estimateMarginMinSpread: Double = 0.01
    /// The offered load and the shedding's frames still to come at the speed the blocks run:
    /// both are priced in the run's first estimates, which `EstimateTable.correct` moves toward
    /// the measured times only for the layers that ran; so they count times the stretch, our
    /// blocks' measured time over those first estimates of them (summed over recent blocks,
    /// `measuredStretchMemory` per load window). A run whose blocks take 1.1x the fit is at 1.1x
    /// the load the fit says (live, a fit's cells ran x0.8-1.3 their fitted times, issue 16,
    /// thirteenth pass). A stretch within `measuredStretchTolerance` of 1 counts as 1 (exact
    /// estimates: the simulator without spread). false: the `dream-estimated-load` ablation.
    public var loadAtMeasuredSpeed = true
    public var measuredStretchMemory = 0.9
    public var measuredStretchTolerance = 0.01
    /// A frame is hopeless when its earliest estimated completion passes its deadline by more
    /// than this, ns.
    public var dropMarginNs: Double = 0
    /// Least length of the load-measuring window (supernet levels, phase-change detection), ns;
    /// the window is at least `loadWindowPeriods` of the shortest period, so a time-scaled
    /// workload still sees several frames per window.
    public var loadWindowNs: Int64 = 100_000_000
    public var loadWindowPeriods: Double = 3
    /// Estimated load above which variant streams step to a cheaper variant.
    public var loadHigh: Double = 0.9
    /// Estimated load (with the next larger variant) below which they step back up.
    public var loadLow: Double = 0.7
    /// Window violation rate above which variant streams step down regardless of load.
    public var violationHigh: Double = 0.05
    /// Frame outcomes per tuning sub-window (four sub-windows, A B B A, make one step).
    public var tuningFramesPerWindow: Int = 16
    /// Relative size of the first tuning perturbation; it halves every step.
    public var tuningInitialStep: Double = 0.4
    /// Steps after a (re)start; the tuner then holds its weights until the workload changes.
    public var tuningSteps: Int = 5
    /// The better side must win by this relative margin for the weights to move.
    public var tuningMinImprovement: Double = 0.02
    /// Relative change of the offered load (two windows in a row) that restarts the tuner.
    public var restartLoadChange: Double = 0.25
    /// Absolute change of a cascade's trigger rate (dependent releases per completed upstream
    /// frame) that restarts the tuner.
    public var restartCascadeChange: Double = 0.25

    /// Weight of the deadline term `T / (T + slack - down)` in the urgency
    /// `(ratio + d' * term) / (1 + deadlineWeight)`: strictly decreasing in the frame's effective
    /// slack (its deadline less its cascade work), it orders frames whose ratio saturates (every
    /// frame due within about one shortest period) by their effective deadline. `d'` ramps from 0
    /// to deadlineWeight as the pressure (the largest share of the accelerators' time until a
    /// deadline that the work due by then needs, measured at each release) goes from
    /// `pressureLow` to `pressureHigh`: a relaxed system keeps the score's order (fairness,
    /// preference), a pressed one runs nearly in effective-deadline order.
    public var deadlineWeight: Double = 3
    public var pressureLow: Double = 0.3
    public var pressureHigh: Double = 0.6
    /// Overload shedding (feature `drop`): the share of the accelerators' time until a deadline
    /// that the work due by then may use before the frame worth least per unit of work is shed.
    /// This is the fraction's lower end, used once the offered load is past `shedLoadHigh`.
    /// 0 turns shedding off (the hopeless-frame drop alone).
    public var shedCapacityFraction: Double = 0.85
    /// The fraction's upper end, used while the active periodic streams' offered load (rate x
    /// work at best speed, cascade work included, at the current variants, over the
    /// accelerators' relative capacity, see `shedLoadPerSpeed`) is
    /// at most `shedLoadLow`; it falls linearly to the lower end at `shedLoadHigh`. Up to
    /// capacity only what cannot fit is shed (frames that can still make it are worth running);
    /// past it, work must go anyway and shedding it early beats losing frames late. Equal
    /// `shedLoadLow` and `shedLoadHigh` give the lower end at every load (issue 16's first rule).
    public var shedCapacityFractionMax: Double = 1.0
    /// Shedding on evidence: when the share of frames lost (smoothed over load windows,
    /// `shedOnLossesSmoothing` per window) exceeds one model's share of the frames (the least,
    /// over the active root streams, of a stream's frames with its cascades'), trying to keep
    /// every model costs more than giving one up would: shed as past capacity (the fraction's
    /// lower end, time counted at speed) for `shedOnLossesNs`, then measure again. Only from
    /// offered load `shedOnLossesLoadMin`. Just above capacity, with estimates off per layer, the
    /// load-driven fraction acts too late (issue 16, twelfth pass: simulated dual-ws-os
    /// `ar-gaming` at 1.05 lost V 0.210 against 0.170 with it). false: `dream-no-shed-on-losses`.
    public var shedOnLosses = true
    public var shedOnLossesSmoothing = 0.2
    public var shedOnLossesNs: Int64 = 2_000_000_000
    public var shedOnLossesLoadMin = 0.9
    public var shedLoadLow: Double = 1.05
    public var shedLoadHigh: Double = 1.15
    /// true: no shedding before the first load window has closed (at start every stream releases
    /// at once, a burst that need not be an overload; the hopeless-frame drop still applies).
    /// Off since issue 16's seventh pass: where the load is a lasting overload, frames run in the
    /// first window cost later ones (dual-ws-os `ar-gaming` 1.2 ran 2 plane-detector frames and
    /// lost 4 hand-tracker frames more than the baselines; tuning seeds: XRBench -0.8 -> -0.1 against
    /// the best baseline, no other cell moved). With cascades there is still no shedding in the
    /// first window (their trigger rates are not measured yet).
    public var shedAfterFirstWindow: Bool = false
    /// Offered load per accelerator counted in units of each stream's fastest accelerator
    /// (`VariantTable.relativeCapacity`: a little core at half speed is half an accelerator);
    /// false: per accelerator, as the work fit counts it.
    public var shedLoadPerSpeed: Bool = true
    /// What a frame is worth when shedding: 1 (one frame of V) plus this times its model's share
    /// of the XRBench score per frame relative to the mean model's (mean rate / its rate, at most
    /// 16), plus its expected dependents' worth.
    public var xrbenchValueWeight: Double = 1
    /// A model's frames are worth (1 - xrbenchLossWeight x its loss rate so far) of that XRBench
    /// share: XRBench scores a model by its mean RT x EN times (1 - its drop rate), about
    /// (1 - d)^2, so one more lost frame costs a model that already lost a share d only
    /// (1 - d) of what it costs an intact one, and losses on one model cost less than the same
    /// losses spread over several.
    public var xrbenchLossWeight: Double = 1
    /// Shedding's victim is the frame whose own worth (its dependents' left out) per unit of its
    /// own work is least: a dependent can be shed on its own when it is released, so a cheap
    /// root frame is not shed for the expensive cascade it may trigger (ar-assistant's keyword
    /// spotter and its speech recogniser). false: worth and work with the dependents'.
    public var shedByOwnWorth = true
    /// As the offered load passes capacity (the fraction's ramp, `shedLoadLow` to
    /// `shedLoadHigh`), shedding counts each accelerator's time at its speed
    /// (`VariantTable.relativeSpeed`) instead of whole: the work is priced at best speed, and a
    /// core at a quarter of the fastest one's speed does a quarter of it. Up to `shedLoadLow` the
    /// time counts whole, so frames that may still fit are kept. The pressure (the deadline
    /// term's ramp) is measured against the same capacity.
    public var shedCountsSpeed = true
    /// While the offered load (`offeredLoad`, at the last load window) is at most this, a frame
    /// that can no longer meet its deadline is not dropped: it runs after the frames that can
    /// still make it, with the preference's gate at 0 (energy, times occupancy). XRBench counts
    /// a dropped frame twice (no RT x EN, and its model's 1 - drop rate factor), a late one once;
    /// below capacity the accelerators have the idle time. The engine still drops a frame not
    /// started by its deadline (XRBench's rule), so only frames that start in time complete
    /// late. Before the first window closes (load unknown) frames are dropped. 0: always drop.
    public var runLateLoadMax: Double = 0.9
    /// The tuner perturbs the weights only while the offered load (`offeredLoad`, at the last
    /// load window; it starts tuning before the first window closes) is at most this: near
    /// capacity every perturbed sub-window loses frames (ar-gaming at 1.0 on dual-ws-os lost 1%
    /// of its frames to them, where the untuned weights lost none). Above it the tuner holds.
    public var tuningLoadMax: Double = 0.95

    public init(features: DreamFeatures = .standard) { self.features = features }
}
