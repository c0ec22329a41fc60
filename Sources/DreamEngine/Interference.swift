import Foundation

/// How much a live run was disturbed by things other than itself, measured: hypervisor steal
/// and other processes' CPU time on each accelerator's cores (/proc/stat against our own
/// threads' schedstat), the worker threads' involuntary context switches and time waiting for
/// their core, stalls of the whole process, blocks far slower than their shape's median, blocks
/// stuck past 10x their estimate. `verdict` is `clean` or `disturbed` against `Thresholds`.
/// Written to results.json as `interference` (docs/results.md).
public struct InterferenceReport: Sendable, Codable, Equatable {
    /// The documented thresholds (docs/results.md, "interference"): one place.
    public enum Thresholds {
        /// Steal, or other processes' CPU time, on a worker core over the run, as a fraction of
        /// the run: disturbed above 1% ...
        public static let coreFraction = 0.01
        /// ... and above 30 ms (three /proc/stat ticks: counters tick at 10 ms, so a quiet run
        /// shows a tick or two of rounding and of the host's own housekeeping).
        public static let coreFloorNs: Int64 = 30_000_000
        /// Any one sampling window (about 1 s) with steal + foreign time above 10% of it.
        public static let windowFraction = 0.10
        /// The process stopped (or the VM paused) this long: the monitor woke this late.
        public static let stallNs: Int64 = 50_000_000
        /// A block slower than 3x the median of its shape (same accelerator, model, variant and
        /// layer range; judged when the shape ran at least 5 times) ...
        public static let slowBlockFactor = 3.0
        public static let slowBlockMinSamples = 5
        /// ... and slower by at least 2 ms (shorter excesses are timer ticks and cache noise) ...
        public static let slowBlockMinExcessNs: Int64 = 2_000_000
        /// ... counts as slow; the run is disturbed when more than 1% of the judged blocks
        /// (and at least 3) are slow.
        public static let slowBlockRunFraction = 0.01
        public static let slowBlockRunMinimum = 3
        /// A block still running past 10x its estimate (and past 20 ms) is stuck.
        public static let stuckFactor = 10.0
        public static let stuckMinNs: Int64 = 20_000_000
    }

    public struct Core: Sendable, Codable, Equatable {
        public var cpu: Int
        public var accelerator: String
        public var stealMs: Double
        /// Other processes' CPU time on this core: its busy time minus our threads pinned to it
        /// minus all our unpinned threads' time (a lower bound).
        public var foreignMs: Double
        /// Our own threads' CPU time pinned to this core.
        public var ownMs: Double
        public var stealFraction: Double
        public var foreignFraction: Double
        /// The largest (steal + foreign) / window length of any window.
        public var worstWindowFraction: Double
        public var frequencyMHz: Double?
        public init(cpu: Int, accelerator: String, stealMs: Double, foreignMs: Double, ownMs: Double, stealFraction: Double,
                    foreignFraction: Double, worstWindowFraction: Double, frequencyMHz: Double?) {
            self.cpu = cpu; self.accelerator = accelerator; self.stealMs = stealMs; self.foreignMs = foreignMs; self.ownMs = ownMs
            self.stealFraction = stealFraction; self.foreignFraction = foreignFraction; self.worstWindowFraction = worstWindowFraction
            self.frequencyMHz = frequencyMHz
        }
    }

    public struct Worker: Sendable, Codable, Equatable {
        public var accelerator: String
        public var cpu: Int
        public var tid: Int32
        public var involuntarySwitches: Int64
        public var voluntarySwitches: Int64
        /// Time runnable but waiting for its core (schedstat run_delay).
        public var waitMs: Double
        public var runMs: Double
        public init(accelerator: String, cpu: Int, tid: Int32, involuntarySwitches: Int64, voluntarySwitches: Int64, waitMs: Double, runMs: Double) {
            self.accelerator = accelerator; self.cpu = cpu; self.tid = tid; self.involuntarySwitches = involuntarySwitches
            self.voluntarySwitches = voluntarySwitches; self.waitMs = waitMs; self.runMs = runMs
        }
    }

    /// A sampling window in which a worker core exceeded `windowFraction`.
    public struct Window: Sendable, Codable, Equatable {
        public var cpu: Int
        public var accelerator: String
        public var startS: Double
        public var endS: Double
        public var stealMs: Double
        public var foreignMs: Double
        public init(cpu: Int, accelerator: String, startS: Double, endS: Double, stealMs: Double, foreignMs: Double) {
            self.cpu = cpu; self.accelerator = accelerator; self.startS = startS; self.endS = endS; self.stealMs = stealMs; self.foreignMs = foreignMs
        }
    }

    public struct Stall: Sendable, Codable, Equatable {
        /// `process` (the monitor woke late: the process was stopped or not scheduled) or
        /// `stuck_block` (a block ran past `stuckFactor` x its estimate).
        public var kind: String
        public var accelerator: String?
        public var atS: Double
        public var durationMs: Double
        public var estimateMs: Double?
        public init(kind: String, accelerator: String?, atS: Double, durationMs: Double, estimateMs: Double?) {
            self.kind = kind; self.accelerator = accelerator; self.atS = atS; self.durationMs = durationMs; self.estimateMs = estimateMs
        }
    }

    public var monitoredS: Double
    public var cores: [Core]
    public var workers: [Worker]
    public var windows: [Window]
    /// Every sampling window of every worker core (about one a second), flagged or not.
    public var samples: [Window] = []
    public var stalls: [Stall]
    public var longestStallMs: Double
    public var longestStallAtS: Double?
    public var blocksJudged: Int
    public var slowBlocks: Int
    /// The slowest block against its shape's median (ratio), and when it started.
    public var worstBlockRatio: Double?
    public var worstBlockAtS: Double?
    public var releaseLatenessMaxMs: Double?
    public var frequencySource: String?
    public var verdict: String
    public var reasons: [String]

    public var disturbed: Bool { verdict == "disturbed" }

    /// A report to be judged (`judge()` sets the verdict and reasons).
    public init(monitoredS: Double, cores: [Core], workers: [Worker], windows: [Window], stalls: [Stall], longestStallMs: Double,
                longestStallAtS: Double?, blocksJudged: Int, slowBlocks: Int, worstBlockRatio: Double?, worstBlockAtS: Double?,
                releaseLatenessMaxMs: Double?, frequencySource: String?) {
        self.monitoredS = monitoredS; self.cores = cores; self.workers = workers; self.windows = windows; self.stalls = stalls
        self.longestStallMs = longestStallMs; self.longestStallAtS = longestStallAtS; self.blocksJudged = blocksJudged
        self.slowBlocks = slowBlocks; self.worstBlockRatio = worstBlockRatio; self.worstBlockAtS = worstBlockAtS
        self.releaseLatenessMaxMs = releaseLatenessMaxMs; self.frequencySource = frequencySource
        verdict = "clean"
        reasons = []
    }

    /// Judges slow blocks: per shape (accelerator, stream, variant, layer range) its median;
    /// returns (judged, slow, worst ratio, worst start ns).
    public static func slowBlocks(_ blocks: [BlockRecord]) -> (judged: Int, slow: Int, worst: Double?, worstAtNs: Int64?) {
        struct Key: Hashable { var a, s, v, f, e: Int32 }
        var byShape: [Key: [Int]] = [:]
        for (i, b) in blocks.enumerated() {
            byShape[Key(a: b.accelerator, s: b.stream, v: b.variant, f: b.firstLayer, e: b.endLayer), default: []].append(i)
        }
        var judged = 0, slow = 0
        var worst: Double?, worstAt: Int64?
        for (_, idx) in byShape where idx.count >= Thresholds.slowBlockMinSamples {
            let d = idx.map { blocks[$0].endNs - blocks[$0].startNs }.sorted()
            let median = d.count % 2 == 1 ? Double(d[d.count / 2]) : Double(d[d.count / 2 - 1] + d[d.count / 2]) / 2
            guard median > 0 else { continue }
            for i in idx {
                let dur = Double(blocks[i].endNs - blocks[i].startNs)
                judged += 1
                let ratio = dur / median
                if ratio > Thresholds.slowBlockFactor && dur - median >= Double(Thresholds.slowBlockMinExcessNs) { slow += 1 }
                if ratio > (worst ?? 0) { worst = ratio; worstAt = blocks[i].startNs }
            }
        }
        return (judged, slow, worst, worstAt)
    }

    /// Applies the thresholds: fills `verdict` and `reasons`.
    public mutating func judge() {
        var r: [String] = []
        let runNs = monitoredS * 1e9
        for c in cores {
            let limitMs = max(Thresholds.coreFraction * runNs, Double(Thresholds.coreFloorNs)) / 1e6
            if c.stealMs > limitMs { r.append(String(format: "steal on cpu %d (%@) %.0f ms = %.1f%% of the run", c.cpu, c.accelerator, c.stealMs, c.stealFraction * 100)) }
            if c.foreignMs > limitMs { r.append(String(format: "other processes on cpu %d (%@) %.0f ms = %.1f%% of the run", c.cpu, c.accelerator, c.foreignMs, c.foreignFraction * 100)) }
        }
        for w in windows {
            r.append(String(format: "cpu %d (%@) window %.1f-%.1f s: steal %.0f ms, other processes %.0f ms", w.cpu, w.accelerator, w.startS, w.endS, w.stealMs, w.foreignMs))
        }
        for s in stalls {
            if s.kind == "process" {
                r.append(String(format: "process stalled %.0f ms at %.2f s", s.durationMs, s.atS))
            } else {
                r.append(String(format: "block on %@ stuck %.0f ms at %.2f s (estimate %.2f ms)", s.accelerator ?? "?", s.durationMs, s.atS, s.estimateMs ?? 0))
            }
        }
        if slowBlocks >= Thresholds.slowBlockRunMinimum && Double(slowBlocks) > Thresholds.slowBlockRunFraction * Double(max(blocksJudged, 1)) {
            r.append("\(slowBlocks) of \(blocksJudged) blocks slower than \(Int(Thresholds.slowBlockFactor))x their shape's median")
        }
        reasons = r
        verdict = r.isEmpty ? "clean" : "disturbed"
    }

    /// One line for the terminal.
    public var summaryLine: String {
        let steal = cores.map { String(format: "cpu%d %.0f", $0.cpu, $0.stealMs) }.joined(separator: " ")
        let foreign = cores.map { String(format: "cpu%d %.0f", $0.cpu, $0.foreignMs) }.joined(separator: " ")
        let inv = workers.map { "\($0.accelerator) \($0.involuntarySwitches)" }.joined(separator: " ")
        var s = String(format: "interference: %@ (steal ms %@; other processes ms %@; involuntary switches %@; longest stall %.1f ms; slow blocks %d/%d)",
                       verdict.uppercased(), steal, foreign, inv, longestStallMs, slowBlocks, blocksJudged)
        if !reasons.isEmpty { s += "\n  disturbed by: " + reasons.prefix(6).joined(separator: "; ") + (reasons.count > 6 ? "; ..." : "") }
        return s
    }
}
