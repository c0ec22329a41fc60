import DreamEngine
import Foundation

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
    /// The ablation name of a feature set (see `SchedulerCatalog`).
    public var schedulerName: String {
        if self == .all { return "dream" }
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
    public var features: DreamFeatures = .all
    /// Starting weights: urgency is the scale (1); fairness and preference are what the tuner moves.
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
    /// A block ends before a layer that is this many times slower here than on its best
    /// accelerator (layer-to-dataflow affinity), so the next layers can move.
    public var affinityCutRatio: Double = 1.5
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
    /// Absolute change of a cascade's trigger rate (dependent releases per upstream release)
    /// that restarts the tuner.
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
    /// 0 turns shedding off (the hopeless-frame drop alone).
    public var shedCapacityFraction: Double = 0.8
    /// What a frame is worth when shedding: 1 (one frame of V) plus this times its model's share
    /// of the XRBench score per frame relative to the mean model's (mean rate / its rate, at most
    /// 16), plus its expected dependents' worth.
    public var xrbenchValueWeight: Double = 1

    public init(features: DreamFeatures = .all) { self.features = features }
}

/// One entry of the tuner's log: a restart (step 0) or a completed step.
public struct DreamTuningStep: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable { case restart, step }
    public var kind: Kind
    public var timeNs: Int64
    /// Steps since the last restart (0 for a restart).
    public var step: Int
    /// The weights after this entry.
    public var weights: DreamWeights
    /// Mean UXCost of the sub-windows run at w*(1 + d) and w*(1 - d) (0 for a restart).
    public var uxcostPlus: Double
    public var uxcostMinus: Double
    /// UXCost of the weights kept (the better side, or the mean when they stayed).
    public var windowUXCost: Double
    /// Largest relative change of a weight at this entry.
    public var change: Double
    /// Why a restart happened ("start", "load", "cascade").
    public var reason: String
}

/// DREAM: per (ready job, free accelerator) a MapScore
///
///     score = wU * urgency + wF * fairness + wP * preference
///
/// drives which job runs where; blocks of layers sized to the other jobs' slack and cut at
/// affinity changes; hopeless frames dropped; supernet variants picked by load; weights tuned
/// online on measured UXCost. docs/dream.md documents every formula and default.
///
/// `decide` allocates nothing in steady state: every scratch array lives here, sized in
/// `attach` and grown only when the core creates new job slots.
public final class DreamScheduler: Scheduler {
    public let name: String
    public let configuration: DreamConfiguration
    /// The tuner's current base weights.
    public private(set) var weights: DreamWeights
    /// The weights the scores use right now (base weights, perturbed while a step measures).
    @exclusivity(unchecked) public private(set) var effectiveWeights: DreamWeights
    /// Every restart and step of the tuner.
    public private(set) var tuningLog: [DreamTuningStep] = []
    /// The tuning log as the run's tuning.csv rows.
    public var tuningRecords: [TuningRecord]? {
        tuningLog.map { s in
            TuningRecord(timeNs: s.timeNs, step: s.step, urgency: s.weights.urgency, fairness: s.weights.fairness,
                         preference: s.weights.preference, windowUXCost: s.windowUXCost,
                         event: s.kind == .restart ? "restart:\(s.reason)" : "step")
        }
    }
    /// Current variant level per stream (0 = the largest variant).
    @exclusivity(unchecked) public private(set) var variantLevel: [Int32] = []
    /// Estimated offered load of the last load window at the largest variants (1 = capacity).
    public private(set) var lastLoad: Double = 0
    /// Frames this policy dropped, and variant switches it asked for.
    @exclusivity(unchecked) public private(set) var dropsRequested = 0
    @exclusivity(unchecked) public private(set) var switchesRequested = 0

    // MARK: scratch (decide)
    @exclusivity(unchecked) private var ready = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var readyCount = 0
    @exclusivity(unchecked) private var slotCapacity = 0
    @exclusivity(unchecked) private var latestStart = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var due = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var chosenVariant = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var assignedTo = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var pair = ScratchBuffer<Double>()
    /// Per ready job: its best free accelerator not yet taken (index into freeAcc, -1: none) and
    /// that pair's score, so each assignment round scans jobs, not pairs.
    @exclusivity(unchecked) private var rowBest = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var rowBestScore = ScratchBuffer<Double>()
    /// Per free accelerator (index into freeAcc): the ready job with the earliest latest start
    /// there among those that can still make it there, found while scoring (the deadline guard).
    @exclusivity(unchecked) private var pressedRow = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var pressedStart = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var freeAcc = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var freeTaken = ScratchBuffer<Bool>()
    /// The free accelerators (indices into freeAcc) not yet taken in this assignment, in
    /// increasing order: a rescan reads only these (`untakenCount` of them).
    @exclusivity(unchecked) private var untaken = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var untakenCount = 0
    /// The busy accelerators of this decision (`busyCount` of them).
    @exclusivity(unchecked) private var busyAcc = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var busyCount = 0
    @exclusivity(unchecked) private var freeAt = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var ratio = ScratchBuffer<Double>()
    // Per-slot cache of next-layer quantities, keyed by (frame, next, variant).
    @exclusivity(unchecked) private var cacheKey = ScratchBuffer<Int64>()
    @exclusivity(unchecked) private var cacheBest = ScratchBuffer<Double>()
    /// 1 / (fairnessHorizonLayers x fastest next layer): the fairness term per ns waited.
    @exclusivity(unchecked) private var cacheFairnessScale = ScratchBuffer<Double>()
    /// The accelerator with the least remaining time (`cacheBest`).
    @exclusivity(unchecked) private var cacheBestAcc = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var cacheEnergyRatio = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var cacheLatencyRatio = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var cacheOccupancy = ScratchBuffer<Double>()
    /// Per ready job: its chosen variant differs from its current one (`ratio` holds its times).
    @exclusivity(unchecked) private var rowSwitched = ScratchBuffer<Bool>()
    @exclusivity(unchecked) private var cacheNextJ = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var cacheRem = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var cacheLayerCount = ScratchBuffer<Int32>()
    /// Remaining time if every remaining layer ran on its fastest accelerator (hopping).
    @exclusivity(unchecked) private var cacheHop = ScratchBuffer<Double>()
    /// The same bound for the layers after the next one, and the next layer's time per
    /// accelerator: a job may run a block on a slower accelerator and continue on a faster one.
    @exclusivity(unchecked) private var cacheHopAfterNext = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var cacheNextNs = ScratchBuffer<Double>()
    /// One job's pair scores on every accelerator (decide scratch).
    @exclusivity(unchecked) private var scoreBuffer = ScratchBuffer<Double>()
    /// Per ready job: the most time (ns from now) its dispatched block may take and still leave
    /// the rest of the frame time to finish at best speed (infinity when it cannot make it anyway).
    @exclusivity(unchecked) private var blockLimit = ScratchBuffer<Double>()
    /// Overload shedding (drop feature): per ready job its deadline and its work at best speed
    /// with its cascade work, the ready jobs in deadline order, and whether it was shed.
    @exclusivity(unchecked) private var shedDeadline = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var shedNeed = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var shedValue = ScratchBuffer<Double>()
    @exclusivity(unchecked) private var shedOrder = ScratchBuffer<Int32>()
    @exclusivity(unchecked) private var shed = ScratchBuffer<Bool>()
    /// A frame was released since the last overload test.
    @exclusivity(unchecked) private var releasedSinceShed = false
    /// Per stream: the last release (ns, -1: none yet), the relative deadline seen, what a frame
    /// is worth (one frame of V, its share of its model's XRBench score, and its expected
    /// dependents' worth), and its work at best speed with its cascade work.
    @exclusivity(unchecked) private var lastReleaseNs: [Double] = []
    @exclusivity(unchecked) private var relativeDeadlineNs: [Double] = []
    @exclusivity(unchecked) private var frameValue: [Double] = []
    @exclusivity(unchecked) private var streamNeed: [Double] = []
    @exclusivity(unchecked) private var streamRate: [Double] = []
    /// Per stream: its period when it releases frames periodically on its own (not cascaded), else 0.
    @exclusivity(unchecked) private var rootPeriodNs: [Double] = []
    @exclusivity(unchecked) private var hasCascades = false
    /// The deadline term's weight now (0 to deadlineWeight with the pressure at the last release).
    @exclusivity(unchecked) private var deadlineWeightNow = 0.0
    /// Frames this policy shed because the ready frames could not all meet their deadlines.
    @exclusivity(unchecked) public private(set) var shedRequested = 0
    // Per accelerator: the first position of the block we dispatched (for energy accounting).
    @exclusivity(unchecked) private var dispatchedFirst: [Int32] = []
    @exclusivity(unchecked) private var dispatchedSlot: [Int32] = []

    // MARK: static per-workload data
    @exclusivity(unchecked) private var accCount = 0
    @exclusivity(unchecked) private var streamCount = 0
    /// Estimated ns of (stream, variant, accelerator), flat: variantBase[stream] + v * A + a.
    @exclusivity(unchecked) private var variantCost: [Double] = []
    @exclusivity(unchecked) private var variantBase: [Int] = []
    @exclusivity(unchecked) private var variantCount: [Int32] = []
    @exclusivity(unchecked) private var variantLayers: [Int32] = []
    /// Per (stream, variant): suffix sums over the variant's layers of each layer's fastest time,
    /// flat; suffixBase[global variant index] is the offset of layer 0 (length layers + 1).
    @exclusivity(unchecked) private var suffixMin: [Double] = []
    @exclusivity(unchecked) private var suffixBase: [Int] = []
    /// Set each load window; the suffixes are rebuilt at the next block end (in `observe`, off
    /// the decision path).
    private var suffixStale = false
    /// blockLaxityFraction x the smallest release laxity over the streams (ns): the block cap.
    @exclusivity(unchecked) private var blockCapNs: Double = .infinity
    /// Expected work (best accelerator, ns) of the cascade frames a frame of each stream will
    /// trigger, transitively: its frames must leave room for them before the shared deadline.
    @exclusivity(unchecked) private var downstreamNs: [Double] = []
    /// Measured probability that a frame of the upstream triggers a frame of this stream.
    @exclusivity(unchecked) private var triggerRate: [Double] = []
    @exclusivity(unchecked) private var idleWatts: Double = 0

    // MARK: windows (load, supernet, phase detection)
    private var loadWindowNs: Int64 = 100_000_000
    private var loadWindowEnd: Int64 = 0
    private var releases: [Int] = []
    private var demand0: [Double] = []
    private var windowEnded = 0
    private var windowViolations = 0
    private var referenceLoad: Double = -1
    private var loadChangeStreak = 0
    private var referenceCascade: [Double] = []

    // MARK: tuner
    private var tuning = false
    private var tuneStep = 0
    private var tuneSub = 0
    private var tuneDelta = 0.0
    private var tuneDirection = (1.0, 1.0)
    private var subStart: Int64 = 0
    private var subEnergy = 0.0
    private var subEnded = 0
    private var subViolations = 0
    private var sumPlus = 0.0
    private var sumMinus = 0.0

    public init(configuration: DreamConfiguration = .init()) {
        self.configuration = configuration
        self.name = configuration.features.schedulerName
        self.weights = configuration.weights
        self.effectiveWeights = configuration.weights
    }

    public convenience init(features: DreamFeatures) {
        self.init(configuration: DreamConfiguration(features: features))
    }

    private var features: DreamFeatures { configuration.features }
    /// The smallest period of the workload's periodic streams, ns: the deadline urgency's scale.
    @exclusivity(unchecked) private var urgencyHorizonNs = 1.0

    // MARK: attach

    public func attach(to state: SchedulerState) {
        accCount = state.acceleratorCount
        streamCount = state.streams.count
        let slots = max(64, streamCount * 16)
        allocateScratch(slots: slots)
        freeAcc.resize(accCount, fill: 0)
        freeTaken.resize(accCount, fill: false)
        untaken.resize(accCount, fill: 0)
        busyAcc.resize(accCount, fill: 0)
        freeAt.resize(accCount, fill: 0)
        pressedRow.resize(accCount, fill: -1)
        scoreBuffer.resize(accCount, fill: 0)
        pressedStart.resize(accCount, fill: .infinity)
        dispatchedFirst = [Int32](repeating: 0, count: accCount)
        dispatchedSlot = [Int32](repeating: -1, count: accCount)
        variantBase = []
        variantCost = []
        variantCount = []
        variantLayers = []
        for (s, stream) in state.streams.enumerated() {
            variantBase.append(variantCost.count)
            variantCount.append(Int32(stream.variants.count))
            for v in stream.variants.indices {
                variantLayers.append(Int32(stream.variants[v].layers.count))
                for a in 0..<accCount { variantCost.append(max(1, state.variantNs(stream: s, variant: v, on: a))) }
            }
        }
        buildSuffixes(state)
        urgencyHorizonNs = state.streams.filter { $0.periodNs > 0 }.map { Double($0.periodNs) }.min() ?? 1
        idleWatts = state.accelerators.reduce(0) { $0 + $1.description.power.idleWatts * Double($1.description.coreCount) }
        variantLevel = [Int32](repeating: 0, count: streamCount)
        triggerRate = [Double](repeating: 1, count: streamCount)
        downstreamNs = [Double](repeating: 0, count: streamCount)
        lastReleaseNs = [Double](repeating: -1, count: streamCount)
        relativeDeadlineNs = [Double](repeating: 0, count: streamCount)
        frameValue = [Double](repeating: 1, count: streamCount)
        streamRate = [Double](repeating: 0, count: streamCount)
        hasCascades = state.streams.contains { $0.upstream != nil }
        rootPeriodNs = state.streams.map { $0.upstream == nil && $0.periodNs > 0 ? Double($0.periodNs) : 0 }
        streamNeed = [Double](repeating: 0, count: streamCount)
        updateDownstream(state)
        releases = [Int](repeating: 0, count: streamCount)
        demand0 = [Double](repeating: 0, count: streamCount)
        referenceCascade = [Double](repeating: -1, count: streamCount)
        loadWindowNs = max(configuration.loadWindowNs, Int64(configuration.loadWindowPeriods * urgencyHorizonNs))
        loadWindowEnd = state.now + loadWindowNs
        tuningLog.reserveCapacity(4096)
        weights = configuration.weights
        effectiveWeights = weights
        if features.contains(.tuning) { restartTuner(now: state.now, reason: "start") }
    }

    /// Suffix sums of per-layer fastest times (lower bound of a frame's remaining time when its
    /// layers may hop between accelerators). Rebuilt every load window from corrected estimates.
    private func buildSuffixes(_ state: SchedulerState) {
        suffixMin.removeAll(keepingCapacity: true)
        suffixBase.removeAll(keepingCapacity: true)
        let est = state.estimates
        for (s, stream) in state.streams.enumerated() {
            for (v, variant) in stream.variants.enumerated() {
                let n = variant.layers.count
                let offset = suffixMin.count
                suffixBase.append(offset)
                suffixMin.append(contentsOf: repeatElement(0, count: n + 1))
                var total = 0.0
                for l in stride(from: n - 1, through: 0, by: -1) {
                    var m = Double.infinity
                    for a in 0..<accCount { m = min(m, est.latencyNs(stream: s, variant: v, layer: l, accelerator: a)) }
                    total += m
                    suffixMin[offset + l] = total
                }
            }
        }
    }

    /// Grows the per-slot scratch when the core made more slots than reserved (rare).
    private func ensureSlots(_ n: Int) {
        guard n > slotCapacity else { return }
        allocateScratch(slots: max(n, slotCapacity * 2))
    }

    /// Sizes every per-slot and per-pair scratch buffer for `slots` job slots.
    private func allocateScratch(slots: Int) {
        let pairs = slots * max(1, accCount)
        ready.resize(slots, fill: -1)
        latestStart.resize(slots, fill: 0)
        due.resize(slots, fill: 0)
        chosenVariant.resize(slots, fill: -1)
        assignedTo.resize(slots, fill: -1)
        rowBest.resize(slots, fill: -1)
        rowBestScore.resize(slots, fill: -.infinity)
        pair.resize(pairs, fill: 0)
        ratio.resize(pairs, fill: 0)
        cacheKey.resize(slots, fill: -1)
        cacheBest.resize(slots, fill: 0)
        cacheFairnessScale.resize(slots, fill: 0)
        cacheBestAcc.resize(slots, fill: 0)
        cacheEnergyRatio.resize(pairs, fill: 1)
        cacheLatencyRatio.resize(pairs, fill: 1)
        cacheOccupancy.resize(pairs, fill: 1)
        rowSwitched.resize(slots, fill: false)
        cacheNextJ.resize(pairs, fill: 0)
        cacheRem.resize(pairs, fill: 0)
        cacheLayerCount.resize(slots, fill: 0)
        cacheHop.resize(slots, fill: 0)
        cacheHopAfterNext.resize(slots, fill: 0)
        cacheNextNs.resize(pairs, fill: 0)
        blockLimit.resize(slots, fill: .infinity)
        shedDeadline.resize(slots, fill: 0)
        shedNeed.resize(slots, fill: 0)
        shedValue.resize(slots, fill: 1)
        shedOrder.resize(slots, fill: 0)
        shed.resize(slots, fill: false)
        slotCapacity = slots
    }

    deinit {
        for b in [ready, chosenVariant, assignedTo, cacheLayerCount, freeAcc, busyAcc, rowBest, pressedRow, cacheBestAcc, untaken, shedOrder] as [ScratchBuffer<Int32>] { var b = b; b.free() }
        for b in [latestStart, due, pair, ratio, cacheBest, cacheEnergyRatio, cacheLatencyRatio, cacheOccupancy, cacheNextJ, cacheRem, freeAt, cacheHop, rowBestScore, pressedStart, cacheHopAfterNext, cacheNextNs, blockLimit, scoreBuffer, cacheFairnessScale, shedDeadline, shedNeed, shedValue] as [ScratchBuffer<Double>] { var b = b; b.free() }
        var k = cacheKey; k.free()
        var t = freeTaken; t.free()
        var sw = rowSwitched; sw.free()
        var sh = shed; sh.free()
    }

    @inline(__always)
    private func cost(_ stream: Int, _ variant: Int, _ acc: Int) -> Double {
        variantCost[variantBase[stream] + variant * accCount + acc]
    }

    // MARK: observe

    public func observe(_ event: SchedulerEvent, state: SchedulerState) {
        switch event {
        case .frameReleased(let slot, let stream):
            if Int(stream) < releases.count {
                releases[Int(stream)] += 1
                let j = state.jobs[Int(slot)]
                lastReleaseNs[Int(stream)] = Double(j.releaseNs)
                relativeDeadlineNs[Int(stream)] = Double(j.deadlineNs - j.releaseNs)
                releasedSinceShed = true
                // Demand at the largest variant (frames are released as variant 0, skips applied).
                demand0[Int(stream)] += state.bestRemainingNs(slot)
            }
        case .blockFinished(let slot, let acc, _):
            if suffixStale { suffixStale = false; buildSuffixes(state) }
            let a = Int(acc)
            guard a < dispatchedSlot.count, dispatchedSlot[a] == slot else { break }
            let j = state.jobs[Int(slot)]
            var p = min(dispatchedFirst[a], j.next)
            while p < j.next { subEnergy += state.layerEnergyJ(slot, position: p, on: a); p += 1 }
            dispatchedSlot[a] = -1
        case .frameCompleted(_, _, _, let met, _):
            frameEnded(violation: !met, now: state.now)
        case .frameDropped:
            frameEnded(violation: true, now: state.now)
        }
    }

    private func frameEnded(violation: Bool, now: Int64) {
        windowEnded += 1
        subEnded += 1
        if violation { windowViolations += 1; subViolations += 1 }
        if tuning && subEnded >= configuration.tuningFramesPerWindow { endSubWindow(now: now) }
    }

    // MARK: load windows: supernet levels and phase-change detection

    private func advanceWindows(_ state: SchedulerState) {
        let now = state.now
        guard now >= loadWindowEnd else { return }
        let w = Double(loadWindowNs)
        var load0 = 0.0, loadNow = 0.0, loadUp = 0.0
        for s in 0..<streamCount {
            let best0 = minCost(s, 0)
            let level = Int(variantLevel[s])
            let up = max(0, level - 1)
            load0 += demand0[s]
            loadNow += demand0[s] * minCost(s, level) / best0
            loadUp += demand0[s] * minCost(s, up) / best0
        }
        let capacity = w * Double(max(1, accCount))
        load0 /= capacity; loadNow /= capacity; loadUp /= capacity
        lastLoad = load0
        let violationRate = windowEnded == 0 ? 0 : Double(windowViolations) / Double(windowEnded)
        if features.contains(.supernet) {
            if loadNow > configuration.loadHigh || violationRate > configuration.violationHigh {
                for s in 0..<streamCount where variantLevel[s] + 1 < variantCount[s] { variantLevel[s] += 1 }
            } else if loadUp < configuration.loadLow && windowViolations == 0 {
                for s in 0..<streamCount where variantLevel[s] > 0 { variantLevel[s] -= 1 }
            }
        }
        // Phase change: the offered load moved for two windows in a row, or a cascade's trigger
        // rate moved.
        var reason: String? = nil
        if referenceLoad < 0 {
            referenceLoad = load0
        } else if abs(load0 - referenceLoad) > configuration.restartLoadChange * max(referenceLoad, 1e-9) {
            loadChangeStreak += 1
            if loadChangeStreak >= 2 { reason = "load" }
        } else {
            loadChangeStreak = 0
        }
        for s in 0..<streamCount {
            guard let u = state.streams[s].upstream, u < streamCount, releases[u] >= 4 else { continue }
            let rate = Double(releases[s]) / Double(releases[u])
            if referenceCascade[s] < 0 { referenceCascade[s] = rate }
            else if abs(rate - referenceCascade[s]) > configuration.restartCascadeChange { reason = reason ?? "cascade" }
        }
        if let reason {
            referenceLoad = load0
            loadChangeStreak = 0
            for s in 0..<streamCount {
                if let u = state.streams[s].upstream, u < streamCount, releases[u] >= 4 {
                    referenceCascade[s] = Double(releases[s]) / Double(releases[u])
                }
            }
            if features.contains(.tuning) { restartTuner(now: now, reason: reason) }
        }
        for s in 0..<streamCount {
            if let u = state.streams[s].upstream, u < streamCount, releases[u] >= 2 {
                triggerRate[s] = 0.5 * triggerRate[s] + 0.5 * min(1, Double(releases[s]) / Double(releases[u]))
            }
        }
        updateDownstream(state)
        suffixStale = true
        for s in 0..<streamCount { releases[s] = 0; demand0[s] = 0 }
        windowEnded = 0
        windowViolations = 0
        // Skip whole empty windows.
        loadWindowEnd += loadWindowNs
        if loadWindowEnd <= now { loadWindowEnd = now + loadWindowNs }
    }

    /// downstream[s] = sum over streams d cascaded after s of trigger(d) * (best time of d at
    /// its current variant level + downstream[d]); iterated to a fixed point (cascade chains).
    private func updateDownstream(_ state: SchedulerState) {
        for _ in 0..<max(1, streamCount) {
            var changed = false
            for s in 0..<streamCount {
                var total = 0.0
                for d in 0..<streamCount where state.streams[d].upstream == s && d != s {
                    total += triggerRate[d] * (minCost(d, Int(variantLevel[d])) + downstreamNs[d])
                }
                if total != downstreamNs[s] { downstreamNs[s] = total; changed = true }
            }
            if !changed { break }
        }
        // What a frame is worth: one frame of V, plus (xrbenchValueWeight) its share of its model's XRBench
        // score relative to the mean model's (a frame of a model at a third of the mean rate
        // weighs three times as much in that model's score), plus its dependents' worth.
        // (Called from `decide` through the load windows: `streamRate` is sized in attach.)
        for _ in 0..<max(1, streamCount) {
            for s in 0..<streamCount {
                if let u = state.streams[s].upstream, u < streamCount, u != s { streamRate[s] = streamRate[u] * triggerRate[s] }
                else { streamRate[s] = state.streams[s].periodNs > 0 ? 1e9 / Double(state.streams[s].periodNs) : 0 }
            }
        }
        var rateSum = 0.0, rated = 0
        for s in 0..<streamCount where streamRate[s] > 0 { rateSum += streamRate[s]; rated += 1 }
        let meanRate = rated == 0 ? 1 : rateSum / Double(rated)
        let rate = streamRate
        for _ in 0..<max(1, streamCount) {
            for s in 0..<streamCount {
                var v = 1 + configuration.xrbenchValueWeight * (rate[s] > 0 ? min(16, meanRate / rate[s]) : 1)
                for d in 0..<streamCount where state.streams[d].upstream == s && d != s { v += triggerRate[d] * frameValue[d] }
                frameValue[s] = v
            }
        }
        for s in 0..<streamCount { streamNeed[s] = minCost(s, Int(variantLevel[s])) + downstreamNs[s] }
        var laxity = Double.infinity
        for s in 0..<streamCount where state.streams[s].upstream == nil && state.streams[s].periodNs > 0 {
            laxity = min(laxity, Double(state.streams[s].periodNs) - minCost(s, Int(variantLevel[s])) - downstreamNs[s])
        }
        blockCapNs = max(configuration.minBlockNs, configuration.blockLaxityFraction * laxity)
    }

    @inline(__always)
    private func minCost(_ s: Int, _ v: Int) -> Double {
        var m = Double.infinity
        for a in 0..<accCount { m = min(m, cost(s, v, a)) }
        return m
    }

    // MARK: tuner

    private func restartTuner(now: Int64, reason: String) {
        tuning = true
        tuneStep = 0
        tuningLog.append(DreamTuningStep(kind: .restart, timeNs: now, step: 0, weights: weights, uxcostPlus: 0, uxcostMinus: 0,
                                         windowUXCost: 0, change: 0, reason: reason))
        beginStep(now: now)
    }

    private func beginStep(now: Int64) {
        tuneDelta = configuration.tuningInitialStep * pow2(-tuneStep)
        // Alternate the perturbation direction so both weights' interactions are probed.
        tuneDirection = tuneStep % 2 == 0 ? (1, 1) : (1, -1)
        tuneSub = 0
        sumPlus = 0
        sumMinus = 0
        beginSubWindow(now: now)
    }

    private func pow2(_ e: Int) -> Double {
        var r = 1.0
        if e < 0 { for _ in 0..<(-e) { r *= 0.5 } } else { for _ in 0..<e { r *= 2 } }
        return r
    }

    /// Sub-windows 0 and 3 run at w*(1 + d*dir), 1 and 2 at w*(1 - d*dir) (A B B A cancels a
    /// linear drift of the workload).
    private func beginSubWindow(now: Int64) {
        subStart = now
        subEnergy = 0
        subEnded = 0
        subViolations = 0
        let sign: Double = (tuneSub == 0 || tuneSub == 3) ? 1 : -1
        effectiveWeights = perturbed(sign)
    }

    private func perturbed(_ sign: Double) -> DreamWeights {
        DreamWeights(urgency: weights.urgency,
                     fairness: weights.fairness * (1 + sign * tuneDelta * tuneDirection.0),
                     preference: weights.preference * (1 + sign * tuneDelta * tuneDirection.1))
    }

    /// UXCost of the sub-window that just ended: estimated energy of its blocks plus idle power,
    /// per frame ended, times the violation rate floored at half a frame.
    private func endSubWindow(now: Int64) {
        let n = Double(max(1, subEnded))
        let energy = subEnergy + idleWatts * Double(max(0, now - subStart)) * 1e-9
        let ux = energy / n * max(Double(subViolations) / n, 0.5 / n)
        if tuneSub == 0 || tuneSub == 3 { sumPlus += ux } else { sumMinus += ux }
        tuneSub += 1
        if tuneSub < 4 { beginSubWindow(now: now); return }
        let plus = sumPlus / 2, minus = sumMinus / 2
        let before = weights
        var kept = (plus + minus) / 2
        if plus < minus * (1 - configuration.tuningMinImprovement) {
            weights = perturbed(1); kept = plus
        } else if minus < plus * (1 - configuration.tuningMinImprovement) {
            weights = perturbed(-1); kept = minus
        }
        tuneStep += 1
        tuningLog.append(DreamTuningStep(kind: .step, timeNs: now, step: tuneStep, weights: weights, uxcostPlus: plus, uxcostMinus: minus,
                                         windowUXCost: kept, change: weights.relativeChange(from: before), reason: ""))
        if tuneStep >= configuration.tuningSteps {
            tuning = false
            effectiveWeights = weights
        } else {
            beginStep(now: now)
        }
    }

    // MARK: decide

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        advanceWindows(state)
        let A = accCount
        guard A == state.acceleratorCount else { return }
        // Free accelerators; when there are none nothing can start and a hopeless job can wait
        // for the next decision to be dropped (it cannot spend energy meanwhile).
        var freeCount = 0
        busyCount = 0
        let nowNs = state.now
        state.accelerators.withUnsafeBufferPointer { accs in
            for a in 0..<A {
                let idle = accs[a].runningSlot < 0
                if idle { freeAcc[freeCount] = Int32(a); freeTaken[freeCount] = false; freeCount += 1 }
                else { busyAcc[busyCount] = Int32(a); busyCount += 1 }
                freeAt[a] = idle ? Double(nowNs) : Double(max(nowNs, accs[a].busyUntilNs))
            }
        }
        guard freeCount > 0 else { return }
        for f in 0..<freeCount { pressedRow[f] = -1; pressedStart[f] = .infinity }
        ensureSlots(state.jobs.count)
        let now = Double(nowNs)
        readyCount = 0
        state.jobs.withUnsafeBufferPointer { jobs in
            state.active.withUnsafeBufferPointer { active in
                for slot in active { scoreJob(state, jobs, slot, now: now, freeCount: freeCount, into: &decisions) }
            }
        }
        let n = readyCount
        guard n > 0 else { return }
        // The pressure (for the next decisions' deadline term) and, with the drop, the shedding,
        // at each release. With cascades, no shedding in the first load window: their trigger
        // rates are not measured yet (they start at 1, which overstates the work a frame brings).
        if releasedSinceShed {
            releasedSinceShed = false
            let shedding = features.contains(.drop) && configuration.shedCapacityFraction > 0 && (referenceLoad >= 0 || !hasCascades)
            shedOverload(state, n: n, now: now, shedding: shedding, into: &decisions)
        }

        // Greedy assignment: the best remaining (job, accelerator) pair, until accelerators or
        // jobs run out. Ties: the older job (earlier in `active`), the lower accelerator index.
        // Each job keeps its best untaken accelerator, so a round scans the jobs and rescans
        // only the rows whose best accelerator was just taken.
        var assigned = 0
        for f in 0..<freeCount { untaken[f] = Int32(f) }
        untakenCount = freeCount
        while assigned < freeCount {
            var bi = -1
            var bs = -Double.infinity
            for i in 0..<n where assignedTo[i] < 0 && rowBestScore[i] > bs {
                // A row whose best accelerator was taken rescans; its old best bounds the new
                // one, so rows that cannot beat the current leader are never rescanned.
                if freeTaken[Int(rowBest[i])] {
                    rescanRow(i)
                    guard rowBestScore[i] > bs else { continue }
                }
                bs = rowBestScore[i]
                bi = i
            }
            guard bi >= 0 else { break }
            let bf = Int(rowBest[bi])
            // Deadline guard: if the chosen job's first layer would run past the latest start
            // (on this accelerator) of a waiting job that can still make it here, that job
            // goes first: the score orders the jobs that can wait, not the one that cannot.
            let a = Int(freeAcc[bf])
            var pressed = Int(pressedRow[bf])
            var pressedStart = self.pressedStart[bf]
            if pressed >= 0 && (pressed == bi || assignedTo[pressed] != -1) {
                // The most pressed job found while scoring is this one or already placed.
                pressed = -1
                pressedStart = .infinity
                for k in 0..<n where assignedTo[k] == -1 && k != bi && pair[k * A + bf] > -.infinity {
                    let ls = due[k] - remaining(ofReady: k, on: a)
                    if ls >= now && ls < pressedStart { pressedStart = ls; pressed = k }
                }
            }
            if pressed >= 0 {
                let slot = ready[bi]
                let first = chosenVariant[bi] == state.jobs[Int(slot)].variant
                    ? state.layerNs(slot, position: state.jobs[Int(slot)].next, on: a) : 0
                if now + first > pressedStart && latestStart[bi] >= pressedStart { bi = pressed }
            }
            assignedTo[bi] = Int32(bf)
            freeTaken[bf] = true
            var k = 0
            while untaken[k] != Int32(bf) { k += 1 }
            untakenCount -= 1
            while k < untakenCount { untaken[k] = untaken[k + 1]; k += 1 }
            assigned += 1
        }
        guard assigned > 0 else { return }

        // Block budget: a fraction of the laxity of the most pressed job left waiting (time to
        // its latest start), at least minBlockNs, at most the release-laxity cap.
        var minLatest = Double.infinity
        for i in 0..<n where assignedTo[i] < 0 { minLatest = min(minLatest, latestStart[i]) }
        var cap = blockCapNs
        if configuration.blockUntilRelease && lastLoad < configuration.loadHigh {
            var nextRelease = Double.infinity
            for s in 0..<streamCount where rootPeriodNs[s] > 0 && lastReleaseNs[s] >= 0 {
                nextRelease = min(nextRelease, lastReleaseNs[s] + rootPeriodNs[s])
            }
            if nextRelease.isFinite { cap = max(cap, nextRelease - now + blockCapNs) }
        }
        let waiting = max(configuration.minBlockNs, configuration.blockLaxityFraction * (minLatest - now))
        state.jobs.withUnsafeBufferPointer { jobs in
            for i in 0..<n where assignedTo[i] >= 0 {
                let slot = ready[i]
                let a = Int(freeAcc[Int(assignedTo[i])])
                let job = jobs.baseAddress! + Int(slot)
                // The extended cap only on the job's fastest accelerator: a long block on a
                // slower one would keep the job from moving when the fast one frees.
                let budget = min(a == Int(cacheBestAcc[Int(slot)]) ? cap : blockCapNs, waiting)
                let layers: Int32
                if rowSwitched[i] {
                    // Switched in this decision: size by the new variant's mean layer time.
                    let total = Int32(variantLayers[variantBase[Int(job.pointee.stream)] / max(1, accCount) + Int(chosenVariant[i])])
                    let r = ratio[Int(slot) * A + a]
                    let perLayer = r / Double(max(1, total))
                    layers = budget.isFinite && perLayer > 0 ? max(1, min(total, Int32(budget / perLayer))) : total
                } else {
                    layers = blockLayers(state, job, on: a, budget: budget, limit: blockLimit[i])
                }
                dispatchedSlot[a] = slot
                dispatchedFirst[a] = job.pointee.next
                decisions.append(.run(slot: slot, layers: layers, accelerator: Int32(a)))
            }
        }
    }

    /// Overload shedding (feature `drop`; docs/dream.md): walk the ready frames in deadline
    /// order with the work due by each deadline (theirs at best speed with their cascade work,
    /// plus the frames the periodic streams will release due by then) against the accelerators'
    /// time until then; where the work exceeds it, drop the ready frame worth least per unit of
    /// work (`frameValue / need`), unless a frame still to come is worth less (it will be shed
    /// when it arrives), until the work fits.
    private func shedOverload(_ state: SchedulerState, n: Int, now: Double, shedding: Bool, into decisions: inout Decisions) {
        let A = accCount
        // Insertion sort by deadline (n is small; allocation-free).
        for i in 0..<n {
            var k = i
            let d = shedDeadline[i]
            while k > 0 && shedDeadline[Int(shedOrder[k - 1])] > d { shedOrder[k] = shedOrder[k - 1]; k -= 1 }
            shedOrder[k] = Int32(i)
        }
        var demand = 0.0
        var peak = 0.0
        for idx in 0..<n {
            let i = Int(shedOrder[idx])
            demand += shedNeed[i]
            let t = shedDeadline[i]
            var capacity = 0.0
            for a in 0..<A { capacity += max(0, t - freeAt[a]) }
            // Frames still to come that are due by t, and the least worth of those.
            var future = 0.0
            var futureDensity = Double.infinity
            for s in 0..<streamCount where lastReleaseNs[s] >= 0 && rootPeriodNs[s] > 0 {
                let p = rootPeriodNs[s]
                // A stream silent for two periods is inactive (phases, Markov activity).
                guard now - lastReleaseNs[s] <= 2 * p else { continue }
                let first = lastReleaseNs[s] + p + relativeDeadlineNs[s]
                guard t >= first else { continue }
                let count = ((t - first) / p).rounded(.down) + 1
                future += count * streamNeed[s]
                if streamNeed[s] > 0 { futureDensity = min(futureDensity, frameValue[s] / streamNeed[s]) }
            }
            peak = max(peak, capacity > 0 ? (demand + future) / capacity : (demand + future > 0 ? .infinity : 0))
            capacity *= configuration.shedCapacityFraction
            // A frame alone (nothing else due by its deadline) is for the hopeless test, not this one.
            guard shedding, idx > 0 || future > 0 else { continue }
            while demand + future > capacity {
                var victim = -1
                var lowest = Double.infinity
                for q in 0...idx {
                    let k = Int(shedOrder[q])
                    guard !shed[k], shedNeed[k] > 0 else { continue }
                    let density = shedValue[k] / shedNeed[k]
                    if density < lowest { lowest = density; victim = k }
                }
                guard victim >= 0, lowest <= futureDensity else { break }
                shed[victim] = true
                demand -= shedNeed[victim]
                decisions.append(.drop(slot: ready[victim]))
                dropsRequested += 1
                shedRequested += 1
                rowBestScore[victim] = -.infinity
                assignedTo[victim] = -2
                latestStart[victim] = .infinity
                let row = pair.base.unsafelyUnwrapped + victim * A
                for f in 0..<A { row[f] = -.infinity }
            }
        }
        let ramp = (peak - configuration.pressureLow) / max(1e-9, configuration.pressureHigh - configuration.pressureLow)
        deadlineWeightNow = configuration.deadlineWeight * min(1, max(0, ramp))
    }

    /// The best untaken free accelerator of ready job `i` (ties: the lower index).
    @inline(__always)
    private func rescanRow(_ i: Int) {
        let scores = pair.base.unsafelyUnwrapped + i * accCount
        let list = untaken.base.unsafelyUnwrapped
        var bs = -Double.infinity
        var bf: Int32 = -1
        for k in 0..<untakenCount {
            let f = list[k]
            let score = scores[Int(f)]
            if score > bs { bs = score; bf = f }
        }
        rowBest[i] = bf
        rowBestScore[i] = bs
    }

    /// Refreshes the per-slot cache (remaining time per accelerator and its ratio to the best,
    /// next-layer energy and its ratio to the best) when the job advanced, changed variant or
    /// the slot holds a new frame. Everything a pair score needs that does not depend on `now`
    /// or on the other jobs is here, so scoring a pair is a few multiplications.
    @inline(__always)
    private func refreshCache(_ state: SchedulerState, _ job: UnsafePointer<Job>, _ slot: Int32) {
        let s = Int(slot)
        let A = accCount
        let rb = s * A
        let key = Int64(job.pointee.frame) << 32 | Int64(job.pointee.next) << 8 | Int64(job.pointee.variant & 0xff)
        guard cacheKey[s] != key else { return }
        cacheKey[s] = key
        let next = job.pointee.next
        cacheLayerCount[s] = Int32(job.pointee.layers.count)
        var bl = Double.infinity, be = Double.infinity, best = Double.infinity
        var bestAcc: Int32 = 0
        let hasNext = next < cacheLayerCount[s]
        let layer = hasNext ? Int(job.pointee.layers[Int(next)]) : 0
        let stream = Int(job.pointee.stream), variant = Int(job.pointee.variant)
        for a in 0..<A {
            let r = state.remainingNs(slot, on: a)
            cacheRem[rb + a] = r
            if r < best { best = r; bestAcc = Int32(a) }
            if hasNext {
                let l = state.estimates.latencyNs(stream: stream, variant: variant, layer: layer, accelerator: a)
                let e = state.estimates.energyJ(stream: stream, variant: variant, layer: layer, accelerator: a)
                cacheNextJ[rb + a] = e
                cacheNextNs[rb + a] = l
                bl = min(bl, l)
                be = min(be, e)
            }
        }
        cacheBest[s] = best
        cacheBestAcc[s] = bestAcc
        for a in 0..<A {
            let e = cacheNextJ[rb + a]
            cacheEnergyRatio[rb + a] = hasNext && e > 0 ? min(1, be / e) : 1
            let r = cacheRem[rb + a]
            let latencyRatio = r > 0 ? min(1, best / r) : 1
            cacheLatencyRatio[rb + a] = latencyRatio
            cacheOccupancy[rb + a] = occupancy(latencyRatio)
        }
        cacheFairnessScale[s] = 1 / (configuration.fairnessHorizonLayers * max(bl, 1))
        // Hopping lower bound: exact without skips (with skips it counts skipped layers too, so
        // it is capped by the single-accelerator time below).
        let g = variantBase[stream] / max(1, A) + variant
        cacheHop[s] = hasNext && g < suffixBase.count ? suffixMin[suffixBase[g] + layer] : 0
        cacheHopAfterNext[s] = hasNext && g < suffixBase.count ? suffixMin[suffixBase[g] + layer + 1] : 0
    }

    /// Sum of the fastest times of the variant's layers after `layer`.
    @inline(__always)
    private func restAfter(_ stream: Int, _ variant: Int, _ layer: Int) -> Double {
        let g = variantBase[stream] / max(1, accCount) + variant
        return g < suffixBase.count ? suffixMin[suffixBase[g] + layer + 1] : 0
    }

    /// (best time / time here)^occupancyExponent.
    @inline(__always)
    private func occupancy(_ latencyRatio: Double) -> Double {
        let kappa = configuration.occupancyExponent
        return kappa == 0.5 ? latencyRatio.squareRoot() : kappa == 1 ? latencyRatio : pow(latencyRatio, kappa)
    }

    /// Remaining time of ready job `i` on accelerator `a`, at its chosen variant.
    @inline(__always)
    private func remaining(ofReady i: Int, on a: Int) -> Double {
        let rb = Int(ready[i]) * accCount
        return rowSwitched[i] ? ratio[rb + a] : cacheRem[rb + a]
    }

    /// Variant choice, drop test and pair scores of one job (see docs/dream.md).
    @inline(__always)
    private func scoreJob(_ state: SchedulerState, _ jobs: UnsafeBufferPointer<Job>, _ slot: Int32, now: Double, freeCount: Int,
                          into decisions: inout Decisions) {
        let s = Int(slot)
        let jp = jobs.baseAddress! + s
        guard jp.pointee.runningOn < 0 else { return }
        refreshCache(state, jp, slot)
        let next = jp.pointee.next
        guard next < cacheLayerCount[s] else { return }
        let A = accCount
        let w = effectiveWeights
        let stream = Int(jp.pointee.stream)
        let deadline = Double(jp.pointee.deadlineNs)
        let margin = configuration.dropMarginNs
        let rb = s * A
        // Remaining time per accelerator: the cache's, or (variant switch below) scaled into `ratio`.
        var rem = cacheRem.base.unsafelyUnwrapped + rb
        var best = cacheBest[s]
        // Earliest finish over the accelerators (free ones start now): with the fastest one free
        // that is now + best, as no accelerator frees before now.
        var earliest = now + best
        if freeAt[Int(cacheBestAcc[s])] > now {
            earliest = .infinity
            for a in 0..<A { earliest = min(earliest, freeAt[a] + rem[a]) }
        }
        let current = Int(jp.pointee.variant)
        var variant = Int32(current)
        let started = next > 0
        if features.contains(.supernet) && !started && variantCount[stream] > 1 {
            // The largest variant at or below the load level that can still meet the
            // deadline; the cheapest when none can.
            var v = Int(variantLevel[stream])
            let last = Int(variantCount[stream]) - 1
            while v < last {
                var e = earliest
                if v != current {
                    e = .infinity
                    for a in 0..<A { e = min(e, freeAt[a] + rem[a] * cost(stream, v, a) / cost(stream, current, a)) }
                }
                if e + downstreamNs[stream] <= deadline + margin { break }
                v += 1
            }
            if v != current {
                variant = Int32(v)
                decisions.append(.switchVariant(slot: slot, variant: Int32(v)))
                switchesRequested += 1
                best = .infinity
                earliest = .infinity
                for a in 0..<A {
                    let r = rem[a] * cost(stream, v, a) / cost(stream, current, a)
                    ratio[rb + a] = r
                    best = min(best, r)
                    earliest = min(earliest, freeAt[a] + r)
                }
                rem = ratio.base.unsafelyUnwrapped + rb
            }
        }
        let switched = variant != Int32(current)
        // The frame cannot make it even started now with its layers on their fastest
        // accelerators: drop it (its dependents go with it).
        let earliestSingle = earliest
        if !switched { earliest = min(earliest, now + min(best, cacheHop[s])) }
        if features.contains(.drop) && earliest > deadline + margin {
            decisions.append(.drop(slot: slot))
            dropsRequested += 1
            return
        }
        // Cascade-aware: the frame's own remaining work plus what it will trigger.
        let down = downstreamNs[stream]
        let hopeless = earliestSingle + down > deadline + margin
        let slack = deadline - now
        // A frame that cannot meet its deadline anywhere gains nothing from going first: its
        // urgency is 0 (without the drop it still runs, after the frames that can make it).
        let ownHopeless = earliest > deadline + margin
        // The larger of the share of the slack the frame needs and its deadline's closeness on
        // the scale of the shortest period: the ratio alone lets a long frame with little
        // relative slack outrank, block after block, frames due much sooner (docs/dream.md).
        // Plus the deadline term: among frames whose ratio saturates, the one due first (its
        // cascade work counted) is the most urgent.
        let urgency = ownHopeless ? 0 : ((slack <= 0 ? 1 : min(1, max(best + down, urgencyHorizonNs) / slack))
            + deadlineWeightNow * urgencyHorizonNs / (urgencyHorizonNs + max(0, slack - down))) / (1 + configuration.deadlineWeight)
        let waited = now - Double(jp.pointee.lastRanNs)
        let fairness = min(1, max(0, waited) * cacheFairnessScale[s])
        let i = readyCount
        ready[i] = slot
        readyCount += 1
        chosenVariant[i] = variant
        rowSwitched[i] = switched
        assignedTo[i] = -1
        latestStart[i] = deadline - best - down
        due[i] = deadline - down
        shedDeadline[i] = deadline
        shedNeed[i] = min(best, cacheHop[s] > 0 && !switched ? cacheHop[s] : best) + down
        shed[i] = false
        shedValue[i] = frameValue[stream]
        let b = w.urgency * urgency + w.fairness * fairness
        // The busy accelerator that would finish the job first (after its current block).
        var busyFinish = Double.infinity
        var busyEnergy = Double.infinity
        for k in 0..<busyCount where freeAt[Int(busyAcc[k])] > now {
            let a = Int(busyAcc[k])
            let f = freeAt[a] + rem[a]
            if f < busyFinish { busyFinish = f; busyEnergy = cacheNextJ[rb + a] }
        }
        // Pair scores on the free accelerators.
        let gamma = configuration.gateExponent
        let inverseSlack = slack > 0 ? 1 / slack : 0
        let latest = deadline + margin - now - down
        var bestScore = -Double.infinity
        var bestF: Int32 = -1
        let row = pair.base.unsafelyUnwrapped + i * A
        blockLimit[i] = hopeless ? .infinity : latest - (switched ? 0 : cacheHopAfterNext[s])
        if !switched && gamma == 2 {
            // The common case, branch-free over every accelerator so it vectorizes; the free
            // ones are then picked out.
            let scores = scoreBuffer.base.unsafelyUnwrapped
            scoreAllAccelerators(rb: rb, rem: rem, hopAfter: cacheHopAfterNext[s], base: b, preference: w.preference,
                                 down: down, inverseSlack: slack > 0 ? 1 / slack : .infinity, latest: latest, checkLatest: !hopeless,
                                 busyFinishFromNow: busyFinish - now, busyEnergy: busyEnergy, into: scores)
            let dueHere = due[i]
            for f in 0..<freeCount {
                let a = Int(freeAcc[f])
                let score = scores[a]
                row[f] = score
                guard score > -.infinity else { continue }
                if score > bestScore { bestScore = score; bestF = Int32(f) }
                let latestStartHere = dueHere - rem[a]
                if latestStartHere >= now && latestStartHere < pressedStart[f] { pressedStart[f] = latestStartHere; pressedRow[f] = Int32(i) }
            }
            rowBest[i] = bestF
            rowBestScore[i] = bestScore
            return
        }
        for f in 0..<freeCount {
            let a = Int(freeAcc[f])
            let r = rem[a]
            // Finishing if the job starts here now: all of it here, or (layer blocks) its next
            // layer here and the rest at best speed.
            let finish = switched ? r : min(r, cacheNextNs[rb + a] + cacheHopAfterNext[s])
            if !hopeless && finish > latest {
                row[f] = -.infinity   // cannot meet here but can elsewhere: wait
                continue
            }
            // Dominated: the busy accelerator that finishes this job first does so sooner than
            // this one even after its current block, at no more energy: wait for it.
            if busyFinish < now + finish && busyEnergy <= cacheNextJ[rb + a] {
                row[f] = -.infinity
                continue
            }
            var g = slack <= 0 ? 1 : min(1, (r + down) * inverseSlack)
            if gamma == 2 { g *= g } else if gamma != 1 { g = pow(g, gamma) }
            let latencyRatio: Double, occupancy: Double
            if switched {
                latencyRatio = r > 0 ? min(1, best / r) : 1
                occupancy = self.occupancy(latencyRatio)
            } else {
                latencyRatio = cacheLatencyRatio[rb + a]
                occupancy = cacheOccupancy[rb + a]
            }
            let score = b + w.preference * ((1 - g) * cacheEnergyRatio[rb + a] + g * latencyRatio) * occupancy
            row[f] = score
            if score > bestScore { bestScore = score; bestF = Int32(f) }
            let latestStartHere = due[i] - r
            if latestStartHere >= now && latestStartHere < pressedStart[f] { pressedStart[f] = latestStartHere; pressedRow[f] = Int32(i) }
        }
        rowBest[i] = bestF
        rowBestScore[i] = bestScore
    }

    /// Pair scores of one (not switched) job on every accelerator, -infinity where a filter
    /// excludes the pair; gate exponent 2. Two accelerators at a time (SIMD), without branches.
    @inline(__always)
    private func scoreAllAccelerators(rb: Int, rem: UnsafeMutablePointer<Double>, hopAfter: Double, base: Double, preference: Double,
                                      down: Double, inverseSlack: Double, latest: Double, checkLatest: Bool,
                                      busyFinishFromNow: Double, busyEnergy: Double, into scores: UnsafeMutablePointer<Double>) {
        let nextNs = cacheNextNs.base.unsafelyUnwrapped + rb
        let nextJ = cacheNextJ.base.unsafelyUnwrapped + rb
        let energyRatio = cacheEnergyRatio.base.unsafelyUnwrapped + rb
        let latencyRatio = cacheLatencyRatio.base.unsafelyUnwrapped + rb
        let occupancy = cacheOccupancy.base.unsafelyUnwrapped + rb
        let limit = checkLatest ? latest : .infinity
        let n = accCount
        // Whole vectors of accelerators first: the same operations in the same order per lane
        // as the scalar loop below (selects for its comparisons), so the scores are bit-identical.
        var a = 0
        let width = ScoreLanes.scalarCount
        @inline(__always)
        func lanes(_ a: Int) -> (score: ScoreLanes, finish: ScoreLanes) {
            let r = ScoreLanes.load(rem + a)
            let viaNext = ScoreLanes.load(nextNs + a) + hopAfter
            var g = (r + down) * inverseSlack
            g = ScoreLanes(repeating: 1).replacing(with: g, where: g .< 1)
            g = g * g
            let score = base + preference * ((1 - g) * ScoreLanes.load(energyRatio + a) + g * ScoreLanes.load(latencyRatio + a))
                * ScoreLanes.load(occupancy + a)
            return (score, viaNext.replacing(with: r, where: r .< viaNext))
        }
        if busyFinishFromNow == .infinity {
            // No busy accelerator can finish the job: the domination test is false everywhere.
            while a + width <= n {
                let (score, finish) = lanes(a)
                score.replacing(with: -.infinity, where: finish .> limit).store(scores + a)
                a += width
            }
        } else {
            while a + width <= n {
                let (score, finish) = lanes(a)
                let excluded = (finish .> limit) .| ((busyFinishFromNow .< finish) .& (busyEnergy .<= ScoreLanes.load(nextJ + a)))
                score.replacing(with: -.infinity, where: excluded).store(scores + a)
                a += width
            }
        }
        while a < n {
            let r = rem[a]
            let viaNext = nextNs[a] + hopAfter
            let finish = r < viaNext ? r : viaNext
            var g = (r + down) * inverseSlack
            g = g < 1 ? g : 1
            g *= g
            let score = base + preference * ((1 - g) * energyRatio[a] + g * latencyRatio[a]) * occupancy[a]
            let excluded = (finish > limit) || (busyFinishFromNow < finish && busyEnergy <= nextJ[a])
            scores[a] = excluded ? -.infinity : score
            a += 1
        }
    }

    /// Layers that fit `budget` on `a` (at least one), ending before a layer that is more than
    /// `affinityCutRatio` slower here than on its best accelerator.
    private func blockLayers(_ state: SchedulerState, _ job: UnsafePointer<Job>, on a: Int, budget: Double, limit: Double) -> Int32 {
        let remaining = job.pointee.remainingLayers
        let next = Int(job.pointee.next)
        let stream = Int(job.pointee.stream), variant = Int(job.pointee.variant)
        var count: Int32 = 1
        var total = state.estimates.latencyNs(stream: stream, variant: variant, layer: Int(job.pointee.layers[next]), accelerator: a)
        while count < remaining {
            let layer = Int(job.pointee.layers[next + Int(count)])
            let l = state.estimates.latencyNs(stream: stream, variant: variant, layer: layer, accelerator: a)
            if total + l > budget { break }
            if total + l + restAfter(stream, variant, layer) > limit { break }
            if l > configuration.affinityCutRatio * state.estimates.fastestNs(stream: stream, variant: variant, layer: layer) { break }
            total += l
            count += 1
        }
        return count
    }
}

/// The vector of accelerators the pair scores are computed in (2 doubles: one SSE2 register).
private typealias ScoreLanes = SIMD2<Double>

private extension SIMD2 where Scalar == Double {
    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Double>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
    @inline(__always)
    func store(_ p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
}
