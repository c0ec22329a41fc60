/// DREAM's load windows (docs/dream.md): counts the demand released and the frames ended per
/// window of `windowNs`, and at each window's end gives the offered load (for supernet levels)
/// and whether the workload changed phase (for the tuner): the load moved by more than
/// `restartLoadChange` two windows in a row, or a cascade's trigger rate moved by more than
/// `restartCascadeChange`. It also measures each cascade's trigger rate: frames of the
/// dependent released per frame of its upstream completed (a dropped or shed upstream frame
/// triggers nothing, so counting upstream releases would read every shedding pass as a change
/// of the cascade).
public struct LoadMonitor: Sendable {
    /// What a window measured.
    public struct Window: Sendable, Equatable {
        /// Offered load at the largest variants (1 = every accelerator busy the whole window).
        public var load: Double
        /// The same at the streams' current variant levels, and one level larger.
        public var loadNow: Double
        public var loadUp: Double
        public var violations: Int
        public var violationRate: Double
        /// "load" or "cascade" when the workload changed phase, else nil.
        public var phaseChange: String?
    }

    public let windowNs: Int64
    /// End of the current window (ns).
    public private(set) var windowEnd: Int64
    /// Estimated offered load of the last window at the largest variants.
    public private(set) var lastLoad: Double = 0
    /// Measured probability that a completed frame of the upstream triggers a frame of this stream
    /// (smoothed over windows; 1 until measured).
    public private(set) var triggerRate: [Double]
    /// Whether a window has ended (the load reference is set).
    public var hasReference: Bool { referenceLoad >= 0 }

    private let upstream: [Int?]
    private let restartLoadChange: Double
    private let restartCascadeChange: Double
    private var releases: [Int]
    /// Frames of each stream completed (met or late) in the window.
    private var completions: [Int]
    private var demand: [Double]
    private var ended = 0
    private var violations = 0
    private var referenceLoad: Double = -1
    private var loadChangeStreak = 0
    private var referenceCascade: [Double]

    /// `upstream[s]`: the stream whose frames trigger stream s's, or nil.
    public init(upstream: [Int?], windowNs: Int64, now: Int64, restartLoadChange: Double, restartCascadeChange: Double) {
        self.upstream = upstream
        self.windowNs = windowNs
        self.restartLoadChange = restartLoadChange
        self.restartCascadeChange = restartCascadeChange
        windowEnd = now + windowNs
        triggerRate = [Double](repeating: 1, count: upstream.count)
        releases = [Int](repeating: 0, count: upstream.count)
        completions = [Int](repeating: 0, count: upstream.count)
        demand = [Double](repeating: 0, count: upstream.count)
        referenceCascade = [Double](repeating: -1, count: upstream.count)
    }

    /// A frame of `stream` was released with `demandNs` of work at its largest variant.
    public mutating func frameReleased(stream: Int, demandNs: Double) {
        releases[stream] += 1
        demand[stream] += demandNs
    }

    /// A frame of `stream` completed (`completed`, met or late) or was dropped; `violation`:
    /// late or dropped.
    public mutating func frameEnded(stream: Int, completed: Bool, violation: Bool) {
        ended += 1
        if violation { violations += 1 }
        if completed && stream < completions.count { completions[stream] += 1 }
    }

    @inline(__always)
    public func isDue(now: Int64) -> Bool { now >= windowEnd }

    /// Ends the window (call when `isDue`). `capacityNs`: accelerator time per window;
    /// `variantCosts(s)`: stream s's best time at its largest variant, at its current level and
    /// one level larger.
    public mutating func closeWindow(now: Int64, capacityNs: Double,
                                     variantCosts: (Int) -> (largest: Double, current: Double, larger: Double)) -> Window {
        let streamCount = upstream.count
        var load0 = 0.0, loadNow = 0.0, loadUp = 0.0
        for s in 0..<streamCount {
            let c = variantCosts(s)
            load0 += demand[s]
            loadNow += demand[s] * c.current / c.largest
            loadUp += demand[s] * c.larger / c.largest
        }
        load0 /= capacityNs; loadNow /= capacityNs; loadUp /= capacityNs
        lastLoad = load0
        let violationRate = ended == 0 ? 0 : Double(violations) / Double(ended)
        let window = Window(load: load0, loadNow: loadNow, loadUp: loadUp, violations: violations, violationRate: violationRate,
                            phaseChange: phaseChange(load: load0))
        for s in 0..<streamCount {
            if let u = upstream[s], u < streamCount, completions[u] >= 2 {
                triggerRate[s] = 0.5 * triggerRate[s] + 0.5 * windowRate(s, upstream: u)
            }
        }
        for s in 0..<streamCount { releases[s] = 0; completions[s] = 0; demand[s] = 0 }
        ended = 0
        violations = 0
        // Skip whole empty windows.
        windowEnd += windowNs
        if windowEnd <= now { windowEnd = now + windowNs }
        return window
    }

    /// Phase change: the offered load moved for two windows in a row, or a cascade's trigger
    /// rate moved. A change resets the references.
    private mutating func phaseChange(load: Double) -> String? {
        let streamCount = upstream.count
        var reason: String? = nil
        if referenceLoad < 0 {
            referenceLoad = load
        } else if abs(load - referenceLoad) > restartLoadChange * max(referenceLoad, 1e-9) {
            loadChangeStreak += 1
            if loadChangeStreak >= 2 { reason = "load" }
        } else {
            loadChangeStreak = 0
        }
        for s in 0..<streamCount {
            guard let u = upstream[s], u < streamCount, completions[u] >= 4 else { continue }
            let rate = windowRate(s, upstream: u)
            if referenceCascade[s] < 0 { referenceCascade[s] = rate }
            else if abs(rate - referenceCascade[s]) > restartCascadeChange { reason = reason ?? "cascade" }
        }
        if reason != nil {
            referenceLoad = load
            loadChangeStreak = 0
            for s in 0..<streamCount {
                if let u = upstream[s], u < streamCount, completions[u] >= 4 {
                    referenceCascade[s] = windowRate(s, upstream: u)
                }
            }
        }
        return reason
    }

    /// This window's trigger rate of cascade `s`: its frames released per completed frame of
    /// `upstream` (at most 1).
    private func windowRate(_ s: Int, upstream u: Int) -> Double {
        min(1, Double(releases[s]) / Double(completions[u]))
    }
}
