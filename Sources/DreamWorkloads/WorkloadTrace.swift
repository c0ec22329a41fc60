import DreamCore
import Foundation

/// One frame a stream releases: a job for the scheduler.
public struct FrameRelease: Sendable, Hashable, Codable {
    /// Index in `WorkloadTrace.frames`.
    public var id: Int
    /// Index in `WorkloadTrace.streams`.
    public var stream: Int
    /// The frame's index on its stream's clock (frame k is nominally due at offset + k * period).
    /// Frames suppressed by inactivity or failed cascade draws leave gaps; a cascaded frame has
    /// its upstream frame's sequence number.
    public var sequence: Int
    /// Release time in ns from the start. For a cascaded frame, the earliest time: it is really
    /// released when its upstream frame completes.
    public var releaseNs: Int
    /// Absolute deadline in ns from the start.
    public var deadlineNs: Int
    /// The frame this one waits for (cascade), by id.
    public var upstream: Int?
    /// The skip blocks and early exits skipped on this frame (names, in the model's order).
    /// Drawn from the seed whatever variant or scheduler later runs the frame.
    public var skipped: [String]
}

/// A window in which a stream is active, in ns.
public struct ActiveInterval: Sendable, Hashable, Codable {
    public var startNs: Int
    public var endNs: Int
}

/// A stream of a generated trace: its resolved, scaled model and what happened to it.
public struct TraceStream: Sendable, Hashable {
    public var name: String
    /// The stream as written in the scenario (unscaled).
    public var spec: StreamSpec
    /// The model, scaled by the trace's work scale.
    public var model: ModelSpec
    /// Scaled period and relative deadline, ns.
    public var periodNs: Int
    public var relativeDeadlineNs: Int
    /// The upstream stream's index, for a cascade.
    public var upstream: Int?
    /// When the stream is active within the trace (one interval [0, duration) when always).
    public var activeIntervals: [ActiveInterval]
    /// Frames in the trace.
    public var released: Int = 0
    /// Nominal frames not released because the stream was inactive.
    public var inactiveFrames: Int = 0
    /// For a cascade: upstream frames whose draw (or output signal) did not trigger this stream.
    public var cascadeFailures: Int = 0
    /// Per skip-block name, the number of released frames on which it is skipped.
    public var skipCounts: [SkipCount] = []

    public var cascadeFirings: Int { upstream == nil ? 0 : released }
    public var skippedBlocks: Int { skipCounts.reduce(0) { $0 + $1.count } }
}

public struct SkipCount: Sendable, Hashable, Codable {
    public var block: String
    public var count: Int
}

/// The seeded, reproducible input every scheduler faces: which frames are released when, with
/// which deadlines, cascades and skipped blocks. Same scenario + seed + duration + scale gives
/// an identical trace (`fingerprint`), whatever scheduler consumes it.
public struct WorkloadTrace: Sendable {
    public var scenario: ScenarioSpec
    public var seed: UInt64
    public var durationNs: Int
    public var scale: WorkloadScale
    public var streams: [TraceStream]
    /// Sorted by release time (ties: cascade depth, stream index, sequence).
    public var frames: [FrameRelease]

    public var durationSeconds: Double { Double(durationNs) / 1e9 }

    /// Indices (into `streams[frame.stream].model.variants[variant].layers`) of the layers that
    /// execute for `frame` on `variant`.
    public func layerIndices(of frame: FrameRelease, variant: Int = 0) -> [Int] {
        streams[frame.stream].model.variants[variant].executedLayerIndices(skipping: frame.skipped)
    }

    /// The layers that execute for `frame` on `variant`, in order.
    public func layers(of frame: FrameRelease, variant: Int = 0) -> [LayerSpec] {
        let v = streams[frame.stream].model.variants[variant]
        return v.executedLayerIndices(skipping: frame.skipped).map { v.layers[$0] }
    }

    /// FLOPs executed by `frame` on `variant`.
    public func flops(of frame: FrameRelease, variant: Int = 0) -> Int {
        streams[frame.stream].model.variants[variant].executedFLOPs(skipping: frame.skipped)
    }

    /// Offered load: the default variants' executed FLOPs of every released frame / duration.
    public var offeredGFLOPs: Double { Double(totalFLOPs) / 1e9 / durationSeconds }

    public var totalFLOPs: Int {
        var cache: [Int: [[String]: Int]] = [:]
        var total = 0
        for f in frames {
            if let v = cache[f.stream]?[f.skipped] { total += v; continue }
            let v = flops(of: f)
            cache[f.stream, default: [:]][f.skipped] = v
            total += v
        }
        return total
    }

    /// Per stream, its default variant's FLOPs at this work scale over those at scale 1.
    public var flopRatio: Double {
        let scaled = streams.reduce(0.0) { $0 + Double($1.model.defaultVariant.flops) }
        let base = streams.reduce(0.0) { $0 + Double($1.spec.model.defaultVariant.flops) }
        return base > 0 ? scaled / base : 1
    }

    /// A 64-bit FNV-1a digest of every frame field: equal traces have equal fingerprints.
    public var fingerprint: String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func eat(_ v: Int) { var x = UInt64(bitPattern: Int64(v)); for _ in 0..<8 { h = (h ^ (x & 0xFF)) &* 0x0000_0100_0000_01B3; x >>= 8 } }
        for f in frames {
            eat(f.id); eat(f.stream); eat(f.sequence); eat(f.releaseNs); eat(f.deadlineNs); eat(f.upstream ?? -1)
            for s in f.skipped { for b in s.utf8 { eat(Int(b)) }; eat(-2) }
        }
        return String(h, radix: 16)
    }

    // MARK: generation

    /// Generates the trace of `scenario` for `duration` seconds (nominal releases in
    /// [0, duration * 1e9) ns, in scaled time) with every random draw from `seed`.
    ///
    /// Sub-streams (see `DreamRandom`): `release/NAME` (jitter, one draw per nominal frame),
    /// `phase/NAME` (Markov holding times), `cascade/NAME/SEQ` (a cascade's Bernoulli draw),
    /// `signal/NAME` (an output signal's run lengths, one step per upstream frame),
    /// `skip/NAME/SEQ` (one draw per skip-block name). Keyed by stream name, so adding or
    /// removing a stream never changes the others' draws.
    public static func generate(scenario: ScenarioSpec, seed: UInt64, duration: Double,
                                scale: WorkloadScale = .identity) throws -> WorkloadTrace {
        try scale.validate()
        guard duration > 0, duration.isFinite, duration <= 1e6 else {
            throw DreamInputError(.usage, file: "--duration", field: "", problem: "must be within (0, 1e6] seconds, found \(duration)",
                                  fix: "give a duration in seconds, such as 10")
        }
        let durationNs = Int((duration * 1e9).rounded())
        let s = scale.time
        try checkSize(scenario, durationNs: durationNs, timeScale: s)
        func ns(ms: Double) -> Int { Int((ms * 1e6 * s).rounded()) }

        var streams: [TraceStream] = []
        for spec in scenario.streams {
            let period = Swift.max(1, Int((1e9 * s / spec.fps).rounded()))
            streams.append(TraceStream(
                name: spec.name, spec: spec, model: spec.model.scaled(work: scale.work(forStream: spec.name)), periodNs: period,
                relativeDeadlineNs: spec.deadlineMs.map { Swift.max(1, ns(ms: $0)) } ?? period,
                upstream: spec.cascade.flatMap { scenario.streamIndex(named: $0.after) },
                activeIntervals: activeIntervals(spec, seed: seed, durationNs: durationNs, timeScale: s)))
        }

        struct Pending { var stream: Int; var seq: Int; var nominal: Int; var release: Int; var deadline: Int; var upstream: Int?; var skipped: [String]; var depth: Int }
        var pending: [Pending] = []
        var byStream: [[Int]] = Array(repeating: [], count: streams.count)   // pending indices, by seq order

        func drawSkips(_ i: Int, _ seq: Int) -> [String] {
            let probs = streams[i].model.skipProbabilities
            if probs.isEmpty { return [] }
            var rng = DreamRandom(seed: seed, key: "skip/\(streams[i].name)/\(seq)")
            return probs.compactMap { rng.bernoulli($0.probability) ? $0.name : nil }
        }

        for i in scenario.topologicalOrder {
            let st = streams[i]
            let active = ActivityCursor(st.activeIntervals)
            if let u = st.upstream {
                let c = st.spec.cascade!
                var signalRNG = DreamRandom(seed: seed, key: "signal/\(st.name)")
                var signal = false
                if let sig = c.signal {
                    signal = signalRNG.bernoulli(sig.meanTrueFrames / (sig.meanTrueFrames + sig.meanFalseFrames))
                }
                var first = true
                for pi in byStream[u] {
                    let up = pending[pi]
                    if let sig = c.signal {
                        if !first { signal = signalRNG.bernoulli(signal ? 1 - 1 / sig.meanTrueFrames : 1 / sig.meanFalseFrames) }
                        first = false
                    }
                    var rng = DreamRandom(seed: seed, key: "cascade/\(st.name)/\(up.seq)")
                    let fired = rng.bernoulli(c.probability) && (c.signal == nil || signal)
                    guard active.isActive(at: up.nominal) else { streams[i].inactiveFrames += 1; continue }
                    guard fired else { streams[i].cascadeFailures += 1; continue }
                    byStream[i].append(pending.count)
                    pending.append(Pending(stream: i, seq: up.seq, nominal: up.nominal, release: up.release,
                                           deadline: up.nominal + st.relativeDeadlineNs, upstream: pi,
                                           skipped: drawSkips(i, up.seq), depth: up.depth + 1))
                }
            } else {
                var jitterRNG = DreamRandom(seed: seed, key: "release/\(st.name)")
                let offset = ns(ms: st.spec.offsetMs)
                let jitter = Double(ns(ms: st.spec.jitterMs))
                var k = 0
                while true {
                    let nominal = offset + k * st.periodNs
                    if nominal >= durationNs { break }
                    let u = jitterRNG.nextDouble()
                    defer { k += 1 }
                    guard active.isActive(at: nominal) else { streams[i].inactiveFrames += 1; continue }
                    byStream[i].append(pending.count)
                    pending.append(Pending(stream: i, seq: k, nominal: nominal, release: nominal + Int(u * jitter),
                                           deadline: nominal + st.relativeDeadlineNs, upstream: nil,
                                           skipped: drawSkips(i, k), depth: 0))
                }
            }
        }

        let order = pending.indices.sorted { a, b in
            let x = pending[a], y = pending[b]
            if x.release != y.release { return x.release < y.release }
            if x.depth != y.depth { return x.depth < y.depth }
            if x.stream != y.stream { return x.stream < y.stream }
            return x.seq < y.seq
        }
        var idOf = [Int](repeating: 0, count: pending.count)
        for (id, p) in order.enumerated() { idOf[p] = id }
        var frames: [FrameRelease] = []
        frames.reserveCapacity(order.count)
        for (id, p) in order.enumerated() {
            let x = pending[p]
            frames.append(FrameRelease(id: id, stream: x.stream, sequence: x.seq, releaseNs: x.release, deadlineNs: x.deadline,
                                       upstream: x.upstream.map { idOf[$0] }, skipped: x.skipped))
        }
        for i in streams.indices {
            streams[i].released = byStream[i].count
            let names = streams[i].model.skipBlockNames
            var counts = [Int](repeating: 0, count: names.count)
            for pi in byStream[i] { for sname in pending[pi].skipped { if let j = names.firstIndex(of: sname) { counts[j] += 1 } } }
            streams[i].skipCounts = zip(names, counts).map { SkipCount(block: $0, count: $1) }
        }
        return WorkloadTrace(scenario: scenario, seed: seed, durationNs: durationNs, scale: scale, streams: streams, frames: frames)
    }

    /// The most frames (and activity intervals per stream) a trace may hold: more would take
    /// minutes and gigabytes to generate and overflow FLOP totals (see `LayerSpec.maxFLOPs`).
    public static let maxFrames = 10_000_000

    /// Refuses, before generating anything, a trace that would exceed `maxFrames`, or a scenario
    /// whose times do not fit Int ns at this scale (specs not checked by `ScenarioSpec.validate`).
    static func checkSize(_ scenario: ScenarioSpec, durationNs: Int, timeScale s: Double) throws {
        let duration = Double(durationNs)
        let fix = "give a shorter --duration or a larger --time-scale (or lower the scenario's frame rates)"
        var frames = 0.0
        for (i, st) in scenario.streams.enumerated() {
            let place = "scenario \(scenario.name), streams[\(i)] (\(st.name))"
            let times = [1e9 * s / st.fps, (st.deadlineMs ?? 0) * 1e6 * s, st.jitterMs * 1e6 * s, st.offsetMs * 1e6 * s]
            if times.contains(where: { !($0.isFinite && $0 >= 0 && $0 <= 1e18) }) || !(st.fps > 0) {
                throw DreamInputError(.data, file: "scenario \(scenario.name)", field: "streams[\(i)] (\(st.name))",
                                      problem: "has times (fps \(st.fps), deadline, jitter, offset) that do not fit the trace at time scale \(s)",
                                      fix: "keep them within ScenarioSpec.Limits (checked when the scenario is read)")
            }
            // A cascade releases at most one frame per frame of the root of its chain.
            var root = i, hops = 0
            while let c = scenario.streams[root].cascade, let u = scenario.streamIndex(named: c.after), hops < scenario.streams.count {
                root = u; hops += 1
            }
            let r = scenario.streams[root]
            frames += max(0, duration - r.offsetMs * 1e6 * s) / max(1, 1e9 * s / r.fps) + 1
            var intervals = 1.0
            switch st.activity {
            case .always: break
            case .phases(let windows, let repeatS):
                let ends = windows.map { $0.endS * 1e9 * s } + [(repeatS ?? 0) * 1e9 * s]
                if ends.contains(where: { !($0.isFinite && $0 <= 1e18) }) {
                    throw DreamInputError(.data, file: "scenario \(scenario.name)", field: "streams[\(i)] (\(st.name)).activity.phases",
                                          problem: "has windows that do not fit the trace at time scale \(s)", fix: "keep them within ScenarioSpec.Limits")
                }
                intervals = Double(windows.count) * (repeatS.map { duration / max(1, $0 * 1e9 * s) + 1 } ?? 1)
            case .markov(let on, let off, _):
                let mean = (on + off) * 1e9 * s
                if !(mean.isFinite && mean > 0 && max(on, off) * 1e9 * s <= 1e17) {   // a draw is < 40 means: < 4e18 ns
                    throw DreamInputError(.data, file: "scenario \(scenario.name)", field: "streams[\(i)] (\(st.name)).activity.markov",
                                          problem: "has mean durations that do not fit the trace at time scale \(s)", fix: "keep them within ScenarioSpec.Limits")
                }
                intervals = 2 * duration / max(1, mean) + 1
            }
            if intervals > Double(maxFrames) {
                throw DreamInputError(.usage, file: "--duration", field: "\(place).activity",
                                      problem: "would make the stream switch on and off about \(Int(intervals)) times (over the limit of \(maxFrames))",
                                      fix: fix + ", or make its activity periods longer")
            }
        }
        if frames > Double(maxFrames) {
            throw DreamInputError(.usage, file: "--duration", field: "scenario \(scenario.name)",
                                  problem: "would release about \(frames > 1e18 ? "more than 10^18" : String(Int(frames))) frames (over the limit of \(maxFrames))",
                                  fix: fix)
        }
    }

    /// The active windows of a stream within [0, duration), in scaled ns.
    static func activeIntervals(_ spec: StreamSpec, seed: UInt64, durationNs: Int, timeScale s: Double) -> [ActiveInterval] {
        func ns(_ seconds: Double) -> Int { Int((seconds * 1e9 * s).rounded()) }
        switch spec.activity {
        case .always:
            return [ActiveInterval(startNs: 0, endNs: durationNs)]
        case .phases(let windows, let repeatS):
            var out: [ActiveInterval] = []
            var base = 0
            let period = repeatS.map { Swift.max(1, ns($0)) }
            repeat {
                for w in windows {
                    let a = base + ns(w.startS), b = Swift.min(durationNs, base + ns(w.endS))
                    if a >= durationNs { break }
                    if b > a { out.append(ActiveInterval(startNs: a, endNs: b)) }
                }
                guard let period else { break }
                base += period
            } while base < durationNs
            return out
        case .markov(let meanOn, let meanOff, let start):
            var rng = DreamRandom(seed: seed, key: "phase/\(spec.name)")
            var on: Bool
            switch start {
            case .on: on = true
            case .off: on = false
            case .random: on = rng.bernoulli(meanOn / (meanOn + meanOff))
            }
            var out: [ActiveInterval] = []
            var t = 0
            while t < durationNs {
                let hold = Swift.max(1, Int((rng.exponential(mean: on ? meanOn : meanOff) * 1e9 * s).rounded()))
                let end = Swift.min(durationNs, t + hold)
                if on { out.append(ActiveInterval(startNs: t, endNs: end)) }
                t = end
                on.toggle()
            }
            return out
        }
    }
}

/// Answers "is the stream active at t" (binary search over the sorted, disjoint intervals).
struct ActivityCursor {
    let intervals: [ActiveInterval]
    init(_ intervals: [ActiveInterval]) { self.intervals = intervals }

    func isActive(at t: Int) -> Bool {
        var lo = 0, hi = intervals.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if intervals[mid].endNs <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo < intervals.count && intervals[lo].startNs <= t
    }
}
