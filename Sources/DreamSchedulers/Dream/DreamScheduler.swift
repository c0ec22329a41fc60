import DreamEngine
import Foundation

/// DREAM: per (ready job, free accelerator) a MapScore
///
///     score = wU * urgency + wF * fairness + wP * preference
///
/// drives which job runs where; blocks of layers sized to the other jobs' slack and cut at
/// affinity changes; hopeless frames dropped; supernet variants picked by load; with the
/// `tuning` feature (off by default: measured neutral), weights tuned online on measured
/// UXCost. docs/dream.md documents every formula and default.
///
/// By concern: `DreamConfiguration`, `PairScore` (the score), `DreamScheduler+Scoring` (per
/// job: variant, drop test, scores), `DreamScheduler+Assignment` (who runs where, how long),
/// `DreamScheduler+Shedding`, `LoadMonitor`, `WeightTuner`, `VariantTable`, `StreamOutlook`,
/// and `DreamScratch` (every buffer of `decide`, which allocates nothing in steady state).
public final class DreamScheduler: Scheduler {
    public let name: String
    public let configuration: DreamConfiguration
    /// The online weight tuner (its weights are the scores' weights).
    @exclusivity(unchecked) public internal(set) var tuner: WeightTuner
    /// The tuner's current base weights.
    public var weights: DreamWeights { tuner.weights }
    /// The weights the scores use right now (base weights, perturbed while a step measures).
    public var effectiveWeights: DreamWeights { tuner.effectiveWeights }
    /// Every restart and step of the tuner.
    public var tuningLog: [DreamTuningStep] { tuner.log }
    /// The tuning log as the run's tuning.csv rows; nil without the tuner (no tuning.csv).
    public var tuningRecords: [TuningRecord]? {
        guard features.contains(.tuning) else { return nil }
        return tuningLog.map { s in
            TuningRecord(timeNs: s.timeNs, step: s.step, urgency: s.weights.urgency, fairness: s.weights.fairness,
                         preference: s.weights.preference, windowUXCost: s.windowUXCost,
                         event: s.kind == .restart ? "restart:\(s.reason)" : "step")
        }
    }
    /// Current variant level per stream (0 = the largest variant).
    @exclusivity(unchecked) public internal(set) var variantLevel: [Int32] = []
    /// Estimated offered load of the last load window at the largest variants (1 = capacity).
    public var lastLoad: Double { monitor.lastLoad }
    /// Frames this policy dropped, variant switches it asked for, frames it shed because the
    /// ready frames could not all meet their deadlines.
    @exclusivity(unchecked) public internal(set) var dropsRequested = 0
    @exclusivity(unchecked) public internal(set) var switchesRequested = 0
    @exclusivity(unchecked) public internal(set) var shedRequested = 0

    // Per-workload tables and measurements.
    @exclusivity(unchecked) var accCount = 0
    @exclusivity(unchecked) var streamCount = 0
    @exclusivity(unchecked) var variants = VariantTable()
    @exclusivity(unchecked) var outlook = StreamOutlook()
    @exclusivity(unchecked) var monitor = LoadMonitor(upstream: [], windowNs: 1, now: 0, restartLoadChange: 0, restartCascadeChange: 0)
    /// Set each load window; the variant table's suffixes are rebuilt at the next block end (in
    /// `observe`, off the decision path).
    private var suffixStale = false
    /// The smallest period of the workload's periodic streams, ns: the deadline urgency's scale.
    @exclusivity(unchecked) var urgencyHorizonNs = 1.0
    /// 1 / (1 + deadlineWeight) when that is exact (a power of two), for `urgency`.
    let urgencyReciprocal: Double?
    /// The deadline term's weight now (0 to deadlineWeight with the pressure at the last release).
    @exclusivity(unchecked) var deadlineWeightNow = 0.0
    /// The offered load (`offeredLoad`) when the last load window closed; infinity before.
    @exclusivity(unchecked) public internal(set) var loadAtWindow = Double.infinity
    /// The accelerators' measured busy share in the last load window (infinity before one
    /// closed), and the block time measured so far in this one (ns).
    @exclusivity(unchecked) var busyAtWindow = Double.infinity
    @exclusivity(unchecked) var windowBusyNs = 0.0
    /// The estimate margin now (`estimateMarginPerSpread`), set when a load window closes from
    /// the blocks' log(measured / estimated) so far, each block against the estimate it was
    /// dispatched with (the one decisions relied on): their sum of squares and count.
    @exclusivity(unchecked) var marginNow = 0.0
    @exclusivity(unchecked) var blockLogSquares = 0.0
    @exclusivity(unchecked) var blocksMeasured = 0
    /// The accelerators' speed drift (`DriftMeter`) and its value when the last window closed.
    @exclusivity(unchecked) var driftMeter = DriftMeter(accelerators: 0)
    @exclusivity(unchecked) public internal(set) var driftAtWindow = 0.0
    /// `loadAtMeasuredSpeed`: the estimates as they were before the run corrected any
    /// (`EstimateTable.correct`; the offered load is priced in them), the time our blocks took
    /// and those estimates of them (decayed per load window), and their ratio, the stretch, set
    /// when a window closes.
    @exclusivity(unchecked) var initialEstimates: EstimateTable?
    @exclusivity(unchecked) var measuredNsSum = 0.0
    @exclusivity(unchecked) var initialNsSum = 0.0
    @exclusivity(unchecked) public internal(set) var stretch = 1.0
    /// `shedOnLosses`: the smoothed share of frames lost per window (-1 before one), and until
    /// when shedding acts as past capacity (0: not).
    @exclusivity(unchecked) var lossRate = -1.0
    @exclusivity(unchecked) var shedAsOverloadUntilNs: Int64 = 0
    /// When each period of shedding on evidence began (ns; the first 64 of the run, a few in
    /// practice: reserved at attach, so that `decide` does not allocate for it).
    @exclusivity(unchecked) public internal(set) var shedOnLossesStartsNs: [Int64] = []
    /// Scratch of `weighLosses`: frames per second of each root stream with its cascades.
    @exclusivity(unchecked) var chainRate: [Double] = []
    /// A frame was released since the last overload test.
    @exclusivity(unchecked) var releasedSinceShed = false
    /// Per accelerator: the slot and first position of the block we dispatched (energy accounting).
    @exclusivity(unchecked) var dispatchedFirst: [Int32] = []
    @exclusivity(unchecked) var dispatchedSlot: [Int32] = []

    // Decision scratch (see DreamScratch) and this decision's counts.
    @exclusivity(unchecked) var scratch = DreamScratch(slots: 0, accelerators: 0)
    @exclusivity(unchecked) var readyCount = 0
    @exclusivity(unchecked) var busyCount = 0
    @exclusivity(unchecked) var untakenCount = 0
    /// This decision scores pairs only where a bound says they may matter (`boundsHoldNow`).
    @exclusivity(unchecked) var boundsHold = false
    /// This decision's weights and features (read once per decision).
    @exclusivity(unchecked) var weightsNow = DreamWeights(urgency: 0, fairness: 0, preference: 0)
    @exclusivity(unchecked) var supernetNow = false
    @exclusivity(unchecked) var dropNow = false
    /// The reference mode (tests): every pair scored, as DREAM always did. Both modes make the
    /// same decisions.
    @exclusivity(unchecked) var exhaustive = false

    /// `name`: the ablation's name when the configuration is not one of the feature sets'.
    public init(configuration: DreamConfiguration = .init(), name: String? = nil) {
        self.configuration = configuration
        self.name = name ?? configuration.features.schedulerName
        self.tuner = WeightTuner(configuration: configuration, idleWatts: 0)
        let divisor = 1 + configuration.deadlineWeight
        let exact = divisor.isNormal && divisor > 0 && divisor.significandBitPattern == 0 && (1 / divisor).isNormal
        urgencyReciprocal = exact ? 1 / divisor : nil
    }

    public convenience init(features: DreamFeatures) {
        self.init(configuration: DreamConfiguration(features: features))
    }

    var features: DreamFeatures { configuration.features }

    // MARK: attach

    public func attach(to state: SchedulerState) {
        accCount = state.acceleratorCount
        streamCount = state.streams.count
        scratch = DreamScratch(slots: max(64, streamCount * 16), accelerators: accCount)
        dispatchedFirst = [Int32](repeating: 0, count: accCount)
        dispatchedSlot = [Int32](repeating: -1, count: accCount)
        variants = VariantTable(state)
        urgencyHorizonNs = state.streams.filter { $0.periodNs > 0 }.map { Double($0.periodNs) }.min() ?? 1
        let idleWatts = state.accelerators.reduce(0) { $0 + $1.description.power.idleWatts * Double($1.description.coreCount) }
        variantLevel = [Int32](repeating: 0, count: streamCount)
        outlook = StreamOutlook(state)
        let windowNs = max(configuration.loadWindowNs, Int64(configuration.loadWindowPeriods * urgencyHorizonNs))
        monitor = LoadMonitor(upstream: state.streams.map(\.upstream), windowNs: windowNs, now: state.now,
                              restartLoadChange: configuration.restartLoadChange,
                              restartCascadeChange: configuration.restartCascadeChange)
        outlook.update(state, triggerRate: monitor.triggerRate, variantLevel: variantLevel, variants: variants, configuration: configuration)
        tuner = WeightTuner(configuration: configuration, idleWatts: idleWatts)
        loadAtWindow = .infinity
        busyAtWindow = .infinity
        windowBusyNs = 0
        marginNow = 0
        blockLogSquares = 0
        blocksMeasured = 0
        driftMeter = DriftMeter(accelerators: accCount)
        driftAtWindow = 0
        initialEstimates = configuration.loadAtMeasuredSpeed ? state.estimates : nil
        measuredNsSum = 0
        initialNsSum = 0
        stretch = 1
        lossRate = -1
        shedAsOverloadUntilNs = 0
        shedOnLossesStartsNs = []
        shedOnLossesStartsNs.reserveCapacity(64)
        chainRate = [Double](repeating: 0, count: streamCount)
        deadlineWeightNow = 0
        releasedSinceShed = false
        // The tuner starts at once; the first window's load decides whether it holds (starting
        // paused cost big-little ar-gaming 0.8 its tuned start: V 0.011 -> 0.021, seeds 1-5).
        if features.contains(.tuning) { tuner.restart(now: state.now, reason: "start") }
    }

    // MARK: observe

    public func observe(_ event: SchedulerEvent, state: SchedulerState) {
        switch event {
        case .frameReleased(let slot, let stream):
            if Int(stream) < streamCount {
                let j = state.jobs[Int(slot)]
                outlook.released(stream: Int(stream), releaseNs: j.releaseNs, deadlineNs: j.deadlineNs)
                releasedSinceShed = true
                // Demand at the largest variant (frames are released as variant 0, skips applied).
                monitor.frameReleased(stream: Int(stream), demandNs: state.bestRemainingNs(slot))
            }
        case .blockFinished(let slot, let acc, let measuredNs, let estimatedNs):
            windowBusyNs += Double(measuredNs)
            if suffixStale { suffixStale = false; variants.rebuildSuffixes(state) }
            if estimatedNs > 0 && measuredNs > 0 {
                let l = Foundation.log(Double(measuredNs) / estimatedNs)
                blockLogSquares += l * l
                blocksMeasured += 1
                driftMeter.blockFinished(accelerator: Int(acc), logRatio: l)
            }
            let a = Int(acc)
            guard a < dispatchedSlot.count, dispatchedSlot[a] == slot else { break }
            let j = state.jobs[Int(slot)]
            var p = min(dispatchedFirst[a], j.next)
            var initialNs = 0.0
            // The block's energy is the tuner's measurement alone: without it, not looked up.
            let tuning = features.contains(.tuning)
            while p < j.next {
                if tuning { tuner.addEnergy(state.layerEnergyJ(slot, position: p, on: a)) }
                initialNs += initialEstimates?.latencyNs(stream: Int(j.stream), variant: Int(j.variant), layer: Int(j.layers[Int(p)]),
                                                         accelerator: a) ?? 0
                p += 1
            }
            if initialNs > 0 && measuredNs > 0 {
                measuredNsSum += Double(measuredNs)
                initialNsSum += initialNs
            }
            dispatchedSlot[a] = -1
        case .frameCompleted(let stream, _, _, let met, _):
            frameEnded(stream: Int(stream), completed: true, violation: !met, now: state.now)
        case .frameDropped(let stream, _):
            frameEnded(stream: Int(stream), completed: false, violation: true, now: state.now)
        }
    }

    /// `shedOnLosses`: after each load window, whether shedding acts as past capacity.
    private func weighLosses(_ rate: Double, now: Int64) {
        if shedAsOverloadUntilNs > 0 && now >= shedAsOverloadUntilNs {
            // Measure again from scratch, and not from this window: it was spent shedding, and
            // its losses say nothing of keeping all (counted, they set shedding off again at once,
            // every time: simulated social-a at load 1.0 under --speed-drift 0.15 shed one model
            // for 8 s of 20 that way).
            shedAsOverloadUntilNs = 0
            lossRate = -1
            return
        }
        lossRate = lossRate < 0 ? rate : lossRate + configuration.shedOnLossesSmoothing * (rate - lossRate)
        guard shedAsOverloadUntilNs == 0, loadAtWindow >= configuration.shedOnLossesLoadMin else { return }
        // What giving one model up costs: the least share of the frames of an active root stream
        // with its cascades (at their measured trigger rates), which go with it.
        for s in 0..<streamCount { chainRate[s] = 0 }
        var total = 0.0
        for s in 0..<streamCount where outlook.rate[s] > 0 && outlook.isActivePeriodic(outlook.rootStream[s], now: Double(now)) {
            chainRate[outlook.rootStream[s]] += outlook.rate[s]
            total += outlook.rate[s]
        }
        var least = Double.infinity
        for s in 0..<streamCount where chainRate[s] > 0 { least = min(least, chainRate[s]) }
        if total > 0 && lossRate > least / total {
            shedAsOverloadUntilNs = now + configuration.shedOnLossesNs
            if shedOnLossesStartsNs.count < 64 { shedOnLossesStartsNs.append(now) }
        }
    }

    /// `loadAtMeasuredSpeed`: the stretch from our recent blocks, then the sums decay so that
    /// it follows the host's speed.
    private func measureStretch() {
        let ratio = initialNsSum > 0 ? measuredNsSum / initialNsSum : 1
        stretch = abs(ratio - 1) <= configuration.measuredStretchTolerance ? 1 : min(4, max(0.25, ratio))
        measuredNsSum *= configuration.measuredStretchMemory
        initialNsSum *= configuration.measuredStretchMemory
    }

    private func frameEnded(stream: Int, completed: Bool, violation: Bool, now: Int64) {
        monitor.frameEnded(stream: stream, completed: completed, violation: violation)
        outlook.frameEnded(stream: stream, lost: violation)
        tuner.frameEnded(violation: violation, now: now)
    }

    // MARK: load windows: supernet levels, phase changes, cascade outlook

    private func advanceWindows(_ state: SchedulerState) {
        let now = state.now
        guard monitor.isDue(now: now) else { return }
        let window = monitor.closeWindow(now: now, capacityNs: Double(monitor.windowNs) * Double(max(1, accCount))) { s in
            let level = Int(variantLevel[s])
            return (variants.minCost(s, 0), variants.minCost(s, level), variants.minCost(s, max(0, level - 1)))
        }
        if features.contains(.supernet) {
            if window.loadNow > configuration.loadHigh || window.violationRate > configuration.violationHigh {
                for s in 0..<streamCount where variantLevel[s] + 1 < variants.variantCount(s) { variantLevel[s] += 1 }
            } else if window.loadUp < configuration.loadLow && window.violations == 0 {
                for s in 0..<streamCount where variantLevel[s] > 0 { variantLevel[s] -= 1 }
            }
        }
        if let reason = window.phaseChange, features.contains(.tuning) { tuner.restart(now: now, reason: reason) }
        outlook.update(state, triggerRate: monitor.triggerRate, variantLevel: variantLevel, variants: variants, configuration: configuration)
        if configuration.loadAtMeasuredSpeed { measureStretch() }
        loadAtWindow = offeredLoad(now: Double(now))
        if configuration.shedOnLosses && features.contains(.drop) { weighLosses(window.violationRate, now: now) }
        driftMeter.closeWindow()
        driftAtWindow = driftMeter.drift
        busyAtWindow = windowBusyNs / (Double(monitor.windowNs) * Double(max(1, accCount)))
        windowBusyNs = 0
        let spread = blocksMeasured > 0 ? (blockLogSquares / Double(blocksMeasured)).squareRoot() : 0
        marginNow = spread < configuration.estimateMarginMinSpread ? 0
            : min(configuration.estimateMarginMax, configuration.estimateMarginPerSpread * spread)
        if features.contains(.tuning) { tuner.setPaused(loadAtWindow > configuration.tuningLoadMax, now: now) }
        suffixStale = true
    }

    // MARK: decide

    public func decide(_ state: SchedulerState, into decisions: inout Decisions) {
        advanceWindows(state)
        let A = accCount
        guard A == state.acceleratorCount else { return }
        // More slots than the scratch holds (rare): a larger one, before this decision fills it.
        let slotCount = state.withJobs { $0.count }
        if slotCount > scratch.slots { scratch = DreamScratch(slots: max(slotCount, scratch.slots * 2), accelerators: A) }
        let sc = scratch
        // Free accelerators; when there are none nothing can start and a hopeless job can wait
        // for the next decision to be dropped (it cannot spend energy meanwhile).
        var freeCount = 0
        busyCount = 0
        let nowNs = state.now
        state.withAccelerators { accs in
            for a in 0..<A {
                let running = accs[a].runningSlot
                if running < 0 {
                    sc.freeAcc[freeCount] = Int32(a); sc.freeTaken[freeCount] = false; sc.untaken[freeCount] = Int32(freeCount)
                    sc.freeIndex[a] = Int32(freeCount); freeCount += 1
                    sc.freeAt[a] = Double(nowNs)
                } else {
                    sc.busyAcc[busyCount] = Int32(a); sc.freeIndex[a] = -1; busyCount += 1
                    sc.freeAt[a] = Double(max(nowNs, accs[a].busyUntilNs))
                    sc.runningSlot[a] = running
                }
            }
        }
        guard freeCount > 0 else { return }
        untakenCount = freeCount
        sc.clearPressed(freeCount)
        let now = Double(nowNs)
        readyCount = 0
        boundsHold = boundsHoldNow()
        weightsNow = tuner.effectiveWeights
        supernetNow = features.contains(.supernet)
        dropNow = features.contains(.drop)
        state.withJobs { jobs in
            // The deadline of the frame each busy accelerator runs (the wait rule's test).
            for k in 0..<busyCount {
                let a = Int(sc.busyAcc[k])
                sc.runningDue[a] = Double(jobs[Int(sc.runningSlot[a])].deadlineNs)
            }
            state.withActive { active in
                for slot in active { scoreJob(state, sc, jobs, slot, now: now, freeCount: freeCount, into: &decisions) }
            }
        }
        let n = readyCount
        guard n > 0 else { return }
        // The pressure (for the next decisions' deadline term) and, with the drop, the shedding,
        // at each release. With cascades, no shedding in the first load window: their trigger
        // rates are not measured yet (they start at 1, which overstates the work a frame brings).
        if releasedSinceShed {
            releasedSinceShed = false
            let shedding = features.contains(.drop) && configuration.shedCapacityFraction > 0 && (monitor.hasReference || !outlook.hasCascades)
            shedOverload(state, sc, n: n, now: now, shedding: shedding, into: &decisions)
        }
        guard assign(state, sc, n: n, freeCount: freeCount, now: now) > 0 else { return }
        dispatchBlocks(state, sc, n: n, now: now, into: &decisions)
    }
}
