import DreamEngine

/// What DREAM expects of each stream: the cascade work a frame will trigger, what a frame is
/// worth, its work at best speed, its releases, and the block cap they imply. Rebuilt at each
/// load window (`update`), read on the decision path.
struct StreamOutlook {
    /// Expected work (best accelerator, ns) of the cascade frames a frame of each stream will
    /// trigger, transitively: its frames must leave room for them before the shared deadline.
    private(set) var downstreamNs: [Double] = []
    /// What a frame is worth when shedding: one frame of V, its share of its model's XRBench
    /// score, and its expected dependents' worth.
    private(set) var frameValue: [Double] = []
    /// The same without its dependents' worth (they can be shed on their own when released).
    private(set) var ownValue: [Double] = []
    /// `shedDensity` of a frame of each stream with its whole `need` (frames still to come).
    private(set) var streamDensity: [Double] = []
    /// `DreamConfiguration.shedByOwnWorth`, as of the last update.
    private var byOwnWorth = true
    /// A frame's work at best speed with its cascade work (ns).
    private(set) var need: [Double] = []
    /// Frames per second (cascades: the upstream's times the trigger rate).
    private(set) var rate: [Double] = []
    /// The stream at the head of each stream's cascade chain (itself when not cascaded).
    private(set) var rootStream: [Int] = []
    /// Its period when it releases frames periodically on its own (not cascaded), else 0.
    private(set) var rootPeriodNs: [Double] = []
    /// The last release (ns, -1: none yet) and the relative deadline seen.
    private(set) var lastReleaseNs: [Double] = []
    private(set) var relativeDeadlineNs: [Double] = []
    private(set) var hasCascades = false
    /// Frames of each stream that ended so far, and those lost (dropped or late).
    private var ended: [Int] = []
    private var lost: [Int] = []
    /// blockLaxityFraction x the smallest release laxity over the streams (ns): the block cap.
    private(set) var blockCapNs: Double = .infinity

    init() {}

    init(_ state: SchedulerState) {
        let n = state.streams.count
        downstreamNs = [Double](repeating: 0, count: n)
        lastReleaseNs = [Double](repeating: -1, count: n)
        relativeDeadlineNs = [Double](repeating: 0, count: n)
        frameValue = [Double](repeating: 1, count: n)
        ownValue = [Double](repeating: 1, count: n)
        streamDensity = [Double](repeating: .infinity, count: n)
        rate = [Double](repeating: 0, count: n)
        need = [Double](repeating: 0, count: n)
        ended = [Int](repeating: 0, count: n)
        lost = [Int](repeating: 0, count: n)
        hasCascades = state.streams.contains { $0.upstream != nil }
        rootPeriodNs = state.streams.map { $0.upstream == nil && $0.periodNs > 0 ? Double($0.periodNs) : 0 }
        rootStream = (0..<n).map { s in
            var r = s, hops = 0
            while let u = state.streams[r].upstream, u < n, u != r, hops < n { r = u; hops += 1 }
            return r
        }
    }

    mutating func released(stream: Int, releaseNs: Int64, deadlineNs: Int64) {
        lastReleaseNs[stream] = Double(releaseNs)
        relativeDeadlineNs[stream] = Double(deadlineNs - releaseNs)
        nextRelease = nil
    }

    /// A frame of `stream` ended; `isLost`: dropped or late (either costs its model XRBench
    /// points: a late frame its RT x EN, a dropped one that and its share of 1 - drop rate).
    mutating func frameEnded(stream: Int, lost isLost: Bool) {
        guard stream < ended.count else { return }
        ended[stream] += 1
        if isLost { lost[stream] += 1 }
    }

    /// Recomputes everything from the measured trigger rates and the current variant levels.
    mutating func update(_ state: SchedulerState, triggerRate: [Double], variantLevel: [Int32], variants: VariantTable,
                         configuration: DreamConfiguration) {
        let streamCount = state.streams.count
        // downstream[s] = sum over streams d cascaded after s of trigger(d) * (best time of d at
        // its current variant level + downstream[d]); iterated to a fixed point (cascade chains).
        for _ in 0..<max(1, streamCount) {
            var changed = false
            for s in 0..<streamCount {
                var total = 0.0
                for d in 0..<streamCount where state.streams[d].upstream == s && d != s {
                    total += triggerRate[d] * (variants.minCost(d, Int(variantLevel[d])) + downstreamNs[d])
                }
                if total != downstreamNs[s] { downstreamNs[s] = total; changed = true }
            }
            if !changed { break }
        }
        // What a frame is worth: one frame of V, plus (xrbenchValueWeight) its share of its model's XRBench
        // score relative to the mean model's (a frame of a model at a third of the mean rate
        // weighs three times as much in that model's score), plus its dependents' worth.
        for _ in 0..<max(1, streamCount) {
            for s in 0..<streamCount {
                if let u = state.streams[s].upstream, u < streamCount, u != s { rate[s] = rate[u] * triggerRate[s] }
                else { rate[s] = state.streams[s].periodNs > 0 ? 1e9 / Double(state.streams[s].periodNs) : 0 }
            }
        }
        var rateSum = 0.0, rated = 0
        for s in 0..<streamCount where rate[s] > 0 { rateSum += rate[s]; rated += 1 }
        let meanRate = rated == 0 ? 1 : rateSum / Double(rated)
        for _ in 0..<max(1, streamCount) {
            for s in 0..<streamCount {
                let lossRate = ended[s] > 0 ? Double(lost[s]) / Double(ended[s]) : 0
                var v = 1 + configuration.xrbenchValueWeight * (rate[s] > 0 ? min(16, meanRate / rate[s]) : 1)
                    * max(0, 1 - configuration.xrbenchLossWeight * lossRate)
                ownValue[s] = v
                for d in 0..<streamCount where state.streams[d].upstream == s && d != s { v += triggerRate[d] * frameValue[d] }
                frameValue[s] = v
            }
        }
        for s in 0..<streamCount { need[s] = variants.minCost(s, Int(variantLevel[s])) + downstreamNs[s] }
        byOwnWorth = configuration.shedByOwnWorth
        for s in 0..<streamCount { streamDensity[s] = shedDensity(s, need: need[s]) }
        var laxity = Double.infinity
        for s in 0..<streamCount where state.streams[s].upstream == nil && state.streams[s].periodNs > 0 {
            laxity = min(laxity, Double(state.streams[s].periodNs) - variants.minCost(s, Int(variantLevel[s])) - downstreamNs[s])
        }
        blockCapNs = max(configuration.minBlockNs, configuration.blockLaxityFraction * laxity)
    }

    /// What shedding a frame of stream `s` whose work (at best speed, cascade included) is
    /// `need` saves per unit of what it costs: its worth per unit of work, both its own
    /// (`shedByOwnWorth`: its dependents can be shed on their own when released) or both with
    /// its dependents'. Infinite for no work (nothing to gain by shedding it).
    @inline(__always)
    func shedDensity(_ s: Int, need: Double) -> Double {
        guard need > 0 else { return .infinity }
        guard byOwnWorth else { return frameValue[s] / need }
        let own = need - downstreamNs[s]
        return own > 0 ? ownValue[s] / own : frameValue[s] / need
    }

    /// Whether `s` is a periodic root stream that released within its last two periods (a
    /// stream silent for longer is inactive: phases, Markov activity).
    @inline(__always)
    func isActivePeriodic(_ s: Int, now: Double) -> Bool {
        lastReleaseNs[s] >= 0 && rootPeriodNs[s] > 0 && now - lastReleaseNs[s] <= 2 * rootPeriodNs[s]
    }

    /// The earliest next release of a periodic stream (ns), or infinity; kept until the next
    /// release.
    mutating func nextPeriodicRelease() -> Double {
        if let next = nextRelease { return next }
        var next = Double.infinity
        for s in rootPeriodNs.indices where rootPeriodNs[s] > 0 && lastReleaseNs[s] >= 0 {
            next = min(next, lastReleaseNs[s] + rootPeriodNs[s])
        }
        nextRelease = next
        return next
    }
    private var nextRelease: Double?
}
