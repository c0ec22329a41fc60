/// How much the accelerators' speed drifts: the part of the blocks' estimate error that is
/// shared by the blocks of one load window on one accelerator, beyond what independent errors
/// would give. Per block the error is r = log(measured / estimated); per window and accelerator
/// its mean m over n blocks and their variance v. Independent errors make m scatter by v / n
/// around the accelerator's usual error (a smoothed mean of m); what scatters beyond that is a
/// speed the window's blocks shared (a host that slows for tens of ms: issue 16, fifteenth pass,
/// live block times autocorrelated over 1-10 blocks). The drift is the smoothed excess's root.
///
/// Why it matters: a block many layers long averages its layers' independent errors out, not
/// a shared slowdown, so long blocks (`DreamConfiguration.longBlockDriftMax`) are safe only where
/// the speed holds still.
public struct DriftMeter: Sendable {
    /// Weight of the newest window in the smoothed means.
    public let smoothing: Double
    /// Windows measured (per accelerator) before any counts toward the drift: while the run's
    /// estimates are still being corrected toward the measured times (`EstimateTable.correct`),
    /// the window means move with the corrections, not with the host's speed (a run whose
    /// layers all take 1.3x their estimates read as drift in its first windows).
    public let warmupWindows: Int
    /// Per accelerator: this window's sums (count, r, r^2), the usual error, windows measured.
    private var count: [Double]
    private var sum: [Double]
    private var squares: [Double]
    private var usual: [Double]
    private var measuredWindows: [Int]
    /// Smoothed excess variance of the window means (may be negative: noise; 0 until measured).
    private var excess = 0.0

    public init(accelerators: Int, smoothing: Double = 0.2, warmupWindows: Int = 10) {
        self.smoothing = smoothing
        self.warmupWindows = warmupWindows
        count = [Double](repeating: 0, count: accelerators)
        sum = count
        squares = count
        usual = count
        measuredWindows = [Int](repeating: 0, count: accelerators)
    }

    /// A block on `accelerator` took `logRatio` = log(measured / estimated).
    @inline(__always)
    public mutating func blockFinished(accelerator a: Int, logRatio r: Double) {
        guard a < count.count, r.isFinite else { return }
        count[a] += 1
        sum[a] += r
        squares[a] += r * r
    }

    /// Closes a window: each accelerator with two blocks or more adds its mean's excess scatter.
    public mutating func closeWindow() {
        var total = 0.0, measured = 0
        for a in 0..<count.count {
            let n = count[a]
            defer { count[a] = 0; sum[a] = 0; squares[a] = 0 }
            guard n >= 2 else { continue }
            let m = sum[a] / n
            let v = max(0, squares[a] - n * m * m) / (n - 1)
            measuredWindows[a] += 1
            if measuredWindows[a] == 1 { usual[a] = m; continue }
            // Independent errors scatter d by v / n from m and s / (2 - s) times that from the
            // usual error (a smoothed mean of such m: s the smoothing).
            let d = m - usual[a]
            usual[a] += smoothing * d
            guard measuredWindows[a] > warmupWindows else { continue }
            total += d * d - v / n * 2 / (2 - smoothing)
            measured += 1
        }
        guard measured > 0 else { return }
        let sample = total / Double(measured)
        // From 0: until windows show otherwise the speed is taken to hold still.
        excess += smoothing * (sample - excess)
    }

    /// The drift (root of the excess scatter), 0 before a window measured it or when the
    /// window means scatter no more than independent errors would make them.
    public var drift: Double { max(0, excess).squareRoot() }
}
