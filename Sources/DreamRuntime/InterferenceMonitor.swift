import DreamCore
import DreamEngine
import DreamPlatform
import Foundation

/// Watches a live run from its main thread (which wakes every 20 ms anyway): how late each of
/// its wake-ups is (a stopped process, a paused VM), every second a sample of /proc/stat and of
/// our threads (steal and other processes' CPU time on each accelerator's cores, the workers'
/// context switches), and every 100 ms the running blocks (stuck past 10x their estimate). No
/// worker thread does any of this work; the workers only publish their thread id at start.
final class InterferenceMonitor {
    struct Target {
        var accelerator: String
        var cpus: [Int]
    }
    /// A block being executed: the accelerator, when it was decided (ns since start), its estimate.
    typealias Running = (accelerator: Int, decidedNs: Int64, estimatedNs: Double)

    private let targets: [Target]
    private let workerTIDs: () -> [Int32]
    private let running: () -> [Running]?
    private struct Sample {
        var atNs: Int64
        var cpus: [Int: ProcStat.CPUTimes]
        var threads: [Int32: ProcStat.ThreadTimes]
    }
    private var first: Sample?
    private var last: Sample?
    private var windows: [InterferenceReport.Window] = []
    private var samples: [InterferenceReport.Window] = []
    private var worstWindow: [Int: Double] = [:]
    private var stalls: [InterferenceReport.Stall] = []
    private var longestStallNs: Int64 = 0
    private var longestStallAtNs: Int64?
    /// Stuck blocks by (accelerator, decided ns): the longest running time seen, and the estimate.
    private var stuck: [String: (acc: Int, decided: Int64, seen: Int64, estimate: Double)] = [:]
    private var lastWatchNs: Int64 = 0
    /// For the progress line: what disturbed the run in the last window, or nil.
    private(set) var note: String?
    private(set) var disturbedSoFar = false

    init(targets: [Target], workerTIDs: @escaping () -> [Int32], running: @escaping () -> [Running]?) {
        self.targets = targets
        self.workerTIDs = workerTIDs
        self.running = running
    }

    private func take(_ now: Int64) -> Sample {
        var threads: [Int32: ProcStat.ThreadTimes] = [:]
        for t in ProcStat.threads() { threads[t.tid] = t }
        return Sample(atNs: now, cpus: ProcStat.cpuTimes(), threads: threads)
    }

    func start(now: Int64) {
        let s = take(now)
        first = s
        last = s
    }

    /// Called after every wake-up of the main loop: `late` is how much later than asked it woke.
    func tick(now: Int64, late: Int64) {
        if late > longestStallNs { longestStallNs = late; longestStallAtNs = now - late }
        if late > InterferenceReport.Thresholds.stallNs, stalls.count < 100 {
            stalls.append(.init(kind: "process", accelerator: nil, atS: Double(now - late) / 1e9, durationMs: Double(late) / 1e6, estimateMs: nil))
            note = String(format: "process stalled %.0f ms", Double(late) / 1e6)
            disturbedSoFar = true
        }
        if now - lastWatchNs >= 100_000_000 {
            lastWatchNs = now
            watchBlocks(now: now)
        }
        if let l = last, now - l.atNs >= 1_000_000_000 { sample(now: now) }
    }

    private func watchBlocks(now: Int64) {
        guard let blocks = running() else { return }
        for b in blocks {
            let ran = now - b.decidedNs
            guard Double(ran) > InterferenceReport.Thresholds.stuckFactor * b.estimatedNs, ran > InterferenceReport.Thresholds.stuckMinNs else { continue }
            let key = "\(b.accelerator)/\(b.decidedNs)"
            if stuck[key] == nil {
                note = String(format: "%@ stuck %.0f ms (estimate %.2f ms)", targets[b.accelerator].accelerator, Double(ran) / 1e6, b.estimatedNs / 1e6)
                disturbedSoFar = true
            }
            stuck[key] = (b.accelerator, b.decidedNs, ran, b.estimatedNs)
        }
    }

    /// Ends the window that began at the last sample.
    func sample(now: Int64) {
        guard let prev = last else { return }
        let cur = take(now)
        last = cur
        let span = max(1, cur.atNs - prev.atNs)
        var notes: [String] = []
        for t in targets {
            for cpu in t.cpus {
                let (steal, foreign, _) = Self.attribute(cpu: cpu, from: prev, to: cur)
                let f = Double(steal + foreign) / Double(span)
                if samples.count < 100_000 {
                    samples.append(.init(cpu: cpu, accelerator: t.accelerator, startS: Double(prev.atNs) / 1e9, endS: Double(cur.atNs) / 1e9,
                                         stealMs: Double(steal) / 1e6, foreignMs: Double(foreign) / 1e6))
                }
                // A window shorter than half a second (the run's last) is judged in the totals only.
                guard span >= 500_000_000 else { continue }
                worstWindow[cpu] = max(worstWindow[cpu] ?? 0, f)
                if f > InterferenceReport.Thresholds.windowFraction {
                    windows.append(.init(cpu: cpu, accelerator: t.accelerator, startS: Double(prev.atNs) / 1e9, endS: Double(cur.atNs) / 1e9,
                                         stealMs: Double(steal) / 1e6, foreignMs: Double(foreign) / 1e6))
                    notes.append(String(format: "cpu%d %@ %.0f%%", cpu, steal > foreign ? "steal" : "other load", f * 100))
                    disturbedSoFar = true
                }
            }
        }
        if !notes.isEmpty { note = notes.joined(separator: ", ") } else if !disturbedSoFar { note = nil }
    }

    /// Steal, other processes' time and our own pinned time on `cpu` between two samples (ns).
    private static func attribute(cpu: Int, from a: Sample, to b: Sample) -> (steal: Int64, foreign: Int64, own: Int64) {
        guard let ca = a.cpus[cpu], let cb = b.cpus[cpu] else { return (0, 0, 0) }
        var pinned: Int64 = 0, unpinned: Int64 = 0
        for (tid, t) in b.threads {
            let before = a.threads[tid]?.runNs ?? 0
            let d = max(0, t.runNs - before)
            if t.allowedCPUs == [cpu] { pinned += d } else if t.allowedCPUs.count != 1 { unpinned += d }
        }
        let busy = cb.busy - ca.busy
        return (max(0, cb.steal - ca.steal), max(0, busy - pinned - unpinned), pinned)
    }

    /// The report of the run; `blocks` are the run's records, `latenessNs` its release lateness.
    func report(blocks: [BlockRecord], latenessNs: [Int64]) -> InterferenceReport {
        let firstS = first, lastS = last
        let span = Double(max(1, (lastS?.atNs ?? 0) - (firstS?.atNs ?? 0)))
        var cores: [InterferenceReport.Core] = []
        var freqSource: String?
        for t in targets {
            for cpu in t.cpus {
                let (steal, foreign, own) = (firstS != nil && lastS != nil) ? Self.attribute(cpu: cpu, from: firstS!, to: lastS!) : (0, 0, 0)
                let freq = ProcStat.frequencyMHz(cpu: cpu)
                freqSource = freqSource ?? freq?.source
                cores.append(.init(cpu: cpu, accelerator: t.accelerator, stealMs: Double(steal) / 1e6, foreignMs: Double(foreign) / 1e6,
                                   ownMs: Double(own) / 1e6, stealFraction: Double(steal) / span, foreignFraction: Double(foreign) / span,
                                   worstWindowFraction: worstWindow[cpu] ?? 0, frequencyMHz: freq?.mhz))
            }
        }
        let tids = workerTIDs()
        var workers: [InterferenceReport.Worker] = []
        for (i, t) in targets.enumerated() where i < tids.count {
            let a = firstS?.threads[tids[i]], b = lastS?.threads[tids[i]]
            workers.append(.init(accelerator: t.accelerator, cpu: t.cpus.first ?? -1, tid: tids[i],
                                 involuntarySwitches: (b?.involuntarySwitches ?? 0) - (a?.involuntarySwitches ?? 0),
                                 voluntarySwitches: (b?.voluntarySwitches ?? 0) - (a?.voluntarySwitches ?? 0),
                                 waitMs: Double((b?.waitNs ?? 0) - (a?.waitNs ?? 0)) / 1e6, runMs: Double((b?.runNs ?? 0) - (a?.runNs ?? 0)) / 1e6))
        }
        var allStalls = stalls
        for s in stuck.values.sorted(by: { $0.decided < $1.decided }) {
            // The block's record, when it ended, gives its whole duration.
            let rec = blocks.first { Int($0.accelerator) == s.acc && $0.decidedNs == s.decided }
            let duration = rec.map { $0.endNs - $0.startNs } ?? s.seen
            allStalls.append(.init(kind: "stuck_block", accelerator: targets[s.acc].accelerator, atS: Double(rec?.startNs ?? s.decided) / 1e9,
                                   durationMs: Double(duration) / 1e6, estimateMs: s.estimate / 1e6))
        }
        let slow = InterferenceReport.slowBlocks(blocks)
        let longest = allStalls.map { $0.durationMs }.max() ?? 0
        if longest > Double(longestStallNs) / 1e6, let s = allStalls.first(where: { $0.durationMs == longest }) {
            longestStallNs = Int64(longest * 1e6)
            longestStallAtNs = Int64(s.atS * 1e9)
        }
        var r = InterferenceReport(monitoredS: span / 1e9, cores: cores, workers: workers, windows: windows, stalls: allStalls,
                                   longestStallMs: Double(longestStallNs) / 1e6, longestStallAtS: longestStallAtNs.map { Double($0) / 1e9 },
                                   blocksJudged: slow.judged, slowBlocks: slow.slow, worstBlockRatio: slow.worst,
                                   worstBlockAtS: slow.worstAtNs.map { Double($0) / 1e9 },
                                   releaseLatenessMaxMs: latenessNs.max().map { Double($0) / 1e6 }, frequencySource: freqSource)
        r.samples = samples
        r.judge()
        return r
    }
}
