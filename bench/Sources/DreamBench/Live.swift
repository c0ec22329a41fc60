import DreamCore
import DreamEngine
import DreamPlatform
import DreamRuntime
import DreamSchedulers
import Foundation

/// `dispatch` and `release`: the live runtime on a light workload (tiny layers, many frames: by default 4 streams x 250 frames/s for 3 s),
/// so the figures are about the runtime, not the kernels.
enum LiveSuite {
    struct Mode { let name: String; let spinNs: UInt64 }
    /// `spin`: idle workers spin on their doorbell for the whole run (window 10 s);
    /// `default`: the shipped 500 us window; `parked`: workers park at once (window 0).
    static let modes = [Mode(name: "spin", spinNs: 10_000_000_000), Mode(name: "default", spinNs: 500_000),
                        Mode(name: "parked", spinNs: 0)]

    /// S streams, one frame every `periodNs` each, deadline one period, three tiny conv layers
    /// per frame (8x8x8 channels, ~37 k MACs each: a few microseconds). Releases come in bursts
    /// (all streams at once, `spread` = 0) so that every burst queues work behind busy
    /// accelerators: that is what the layer-end-to-next-start figure needs.
    static func workload(streams: Int, periodNs: Int64, seconds: Double, spread: Bool) -> EngineWorkload {
        let layers: [LayerSpec] = (0..<3).map { .conv("c\($0)", c: 8, k: 8, h: 8, w: 8, r: 3, pad: 1, activation: .relu) }
        let s = (0..<streams).map {
            StreamDescription(name: "tiny\($0)", periodNs: periodNs, variants: [VariantDescription(name: "v", layers: layers)])
        }
        let duration = Int64(seconds * 1e9)
        var frames: [FrameDescription] = []
        var k = 0
        while true {
            var any = false
            for j in 0..<streams {
                let t = Int64(k) * periodNs + (spread ? Int64(j) * periodNs / Int64(streams) : 0)
                guard t < duration else { continue }
                any = true
                frames.append(FrameDescription(id: 0, stream: j, sequence: k, releaseNs: t, deadlineNs: t + periodNs))
            }
            if !any { break }
            k += 1
        }
        frames.sort { $0.releaseNs < $1.releaseNs }
        for i in frames.indices { frames[i].id = i }
        return EngineWorkload(name: "tiny", streams: s, frames: frames, durationNs: duration)
    }

    struct Outcome {
        let mode: Mode
        let result: LiveResult
        let frames: Int
        let wallS: Double
        /// The 1-minute load average after the run: the machine is shared.
        let load1: String
    }

    nonisolated(unsafe) static var cache: [String: Outcome] = [:]

    static func run(_ mode: Mode) throws -> Outcome {
        if let o = cache[mode.name] { return o }
        let streams = Int(env("LIVE_STREAMS", 4)), periodUs = env("LIVE_PERIOD_US", 4000), seconds = env("LIVE_SECONDS", 3)
        let w = workload(streams: streams, periodNs: Int64(periodUs * 1000), seconds: seconds,
                         spread: env("LIVE_SPREAD", 0) != 0)
        let machine = try MachineDiscovery.discover()
        let topology = try TopologySpec.auto(for: machine).resolve(on: machine)
        var configuration = LiveConfiguration()
        configuration.spinWindowNs = mode.spinNs
        configuration.drainNs = 200_000_000
        // LIVE_FIFO_TIMER=1 runs the release timer under SCHED_FIFO (to compare its tails).
        configuration.realtimeTimer = env("LIVE_FIFO_TIMER", 0) != 0
        // LIVE_TIMER_LEAD_US: how early the release timer wakes before a release it must do.
        configuration.timerLeadNs = Int64(env("LIVE_TIMER_LEAD_US", Double(configuration.timerLeadNs) / 1000) * 1000)
        let runtime = try LiveRuntime(workload: w, topology: topology, scheduler: try SchedulerCatalog.make(name: "dream"),
                                      estimates: AnalyticCostModel(), configuration: configuration)
        note("live \(mode.name): \(w.frames.count) frames over \(seconds) s on \(topology.accelerators.count) accelerators")
        let t0 = monotonicNs()
        let result = runtime.run()
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
        let o = Outcome(mode: mode, result: result, frames: w.frames.count, wallS: Double(monotonicNs() - t0) / 1e9, load1: load)
        cache[mode.name] = o
        return o
    }

    /// Layer end to next layer start on the same accelerator, when work was waiting: the next
    /// block's job was ready (its frame released and its previous block ended) at or before the
    /// end of the accelerator's previous block.
    static func endToStartGaps(_ core: ExecutionCore) -> [Int64] {
        var prevEndOfFrame: [Int32: Int64] = [:]
        var ready: [Int64] = []
        let blocks = core.blocks.sorted { $0.startNs < $1.startNs }
        for b in blocks {
            let release = core.frames[Int(b.frame)].releaseNs
            ready.append(max(release, prevEndOfFrame[b.frame] ?? release))
            prevEndOfFrame[b.frame] = b.endNs
        }
        var lastEnd: [Int32: Int64] = [:]
        var gaps: [Int64] = []
        for (i, b) in blocks.enumerated() {
            if let end = lastEnd[b.accelerator], ready[i] <= end { gaps.append(b.startNs - end) }
            lastEnd[b.accelerator] = b.endNs
        }
        return gaps
    }

    static func dispatch() throws {
        for mode in modes {
            let o = try run(mode)
            let r = o.result
            let d = Sample(r.dispatchLatencyNs), g = Sample(endToStartGaps(r.core))
            let c = r.core.outcomeCounts
            emit("suite=dispatch workers=\(mode.name) spin_window_us=\(mode.spinNs / 1000) measure=decision_to_start "
                 + "p50_us=\(us(d.percentile(50))) p99_us=\(us(d.percentile(99))) max_us=\(us(d.percentile(100))) blocks=\(d.count) "
                 + "parked_wakeups=\(r.parkedWakeups) load1=\(o.load1)")
            emit("suite=dispatch workers=\(mode.name) spin_window_us=\(mode.spinNs / 1000) measure=end_to_next_start "
                 + "p50_us=\(us(g.percentile(50))) p99_us=\(us(g.percentile(99))) max_us=\(us(g.percentile(100))) gaps=\(g.count) "
                 + "frames=\(o.frames) met=\(c.met) missed=\(c.missed) dropped=\(c.dropped)")
        }
    }

    static func release() throws {
        for mode in modes {
            let o = try run(mode)
            let l = Sample(o.result.releaseLatenessNs)
            emit("suite=release workers=\(mode.name) spin_window_us=\(mode.spinNs / 1000) "
                 + "lateness_p50_us=\(us(l.percentile(50))) lateness_p99_us=\(us(l.percentile(99))) "
                 + "lateness_max_us=\(us(l.percentile(100))) releases=\(l.count) load1=\(o.load1)")
        }
    }
}
