import DreamCore
import DreamWorkloads
import Foundation

/// What `dream workload` reports (text or JSON).
public struct TraceSummary: Encodable {
    struct Stream: Encodable {
        var name: String
        var model: String
        var variants: [String]
        var layers: Int
        var fps: Double
        var periodMs: Double
        var deadlineMs: Double
        var cascadeAfter: String?
        var cascadeProbability: Double?
        var released: Int
        var cascadeFirings: Int
        var cascadeFailedDraws: Int
        var inactiveFrames: Int
        var skippedBlocks: Int
        var skipCounts: [SkipCount]
        var activity: String
        var activeIntervalsS: [[Double]]
        var gflopPerFrame: Double
        var offeredGflops: Double
    }
    struct Frame: Encodable {
        var id, stream, sequence, releaseNs, deadlineNs: Int
        var upstream: Int?
        var skipped: [String]
    }
    var scenario: String
    var seed: UInt64
    var durationS: Double
    var timeScale: Double
    var workScale: Double
    var flopRatio: Double
    var fit: String?
    var capacityGflops: Double
    var offeredGflops: Double
    var loadFraction: Double
    var framesTotal: Int
    var fingerprint: String
    var streams: [Stream]
    var frames: [Frame]?

    public init(_ t: WorkloadTrace, capacity: Double, fitted: String?, withFrames: Bool) {
        scenario = t.scenario.name
        seed = t.seed
        durationS = t.durationSeconds
        timeScale = t.scale.time
        workScale = t.scale.work
        flopRatio = t.flopRatio
        fit = fitted
        capacityGflops = capacity
        offeredGflops = t.offeredGFLOPs
        loadFraction = offeredGflops / capacity
        framesTotal = t.frames.count
        fingerprint = t.fingerprint
        var perStream = [Int](repeating: 0, count: t.streams.count)
        for f in t.frames { perStream[f.stream] += t.flops(of: f) }
        streams = t.streams.enumerated().map { i, s in
            let activity: String
            switch s.spec.activity {
            case .always: activity = "always"
            case .phases(_, let r): activity = "phases" + (r.map { String(format: " (repeat %.3g s)", $0 * t.scale.time) } ?? "")
            case .markov(let on, let off, _): activity = String(format: "markov (mean on %.3g s, off %.3g s)", on * t.scale.time, off * t.scale.time)
            }
            return Stream(name: s.name, model: s.model.name, variants: s.model.variants.map(\.name),
                          layers: s.model.defaultVariant.layers.count, fps: s.spec.fps / t.scale.time,
                          periodMs: Double(s.periodNs) / 1e6, deadlineMs: Double(s.relativeDeadlineNs) / 1e6,
                          cascadeAfter: s.spec.cascade?.after, cascadeProbability: s.spec.cascade?.probability,
                          released: s.released, cascadeFirings: s.cascadeFirings, cascadeFailedDraws: s.cascadeFailures,
                          inactiveFrames: s.inactiveFrames, skippedBlocks: s.skippedBlocks, skipCounts: s.skipCounts,
                          activity: activity, activeIntervalsS: s.activeIntervals.map { [Double($0.startNs) / 1e9, Double($0.endNs) / 1e9] },
                          gflopPerFrame: Double(s.model.defaultVariant.flops) / 1e9,
                          offeredGflops: Double(perStream[i]) / 1e9 / t.durationSeconds)
        }
        frames = withFrames ? t.frames.map { Frame(id: $0.id, stream: $0.stream, sequence: $0.sequence, releaseNs: $0.releaseNs,
                                                    deadlineNs: $0.deadlineNs, upstream: $0.upstream, skipped: $0.skipped) } : nil
    }

    public var text: String {
        var lines: [String] = []
        lines.append("scenario \(scenario), seed \(seed), \(fmt(durationS)) s, \(framesTotal) frames, fingerprint \(fingerprint)")
        lines.append(String(format: "scale: time x%.4g (periods, deadlines, phases), work x%.4g (spatial x%.4g; FLOPs x%.4f)%@",
                            timeScale, workScale, workScale.squareRoot(), flopRatio, fit.map { ", fitted by \($0)" } ?? ""))
        let nameW = max(6, streams.map(\.name.count).max() ?? 6)
        func cascadeText(_ s: Stream) -> String {
            s.cascadeAfter.map { "after \($0) p=\(fmt(s.cascadeProbability ?? 1)): \(s.cascadeFirings)/\(s.cascadeFailedDraws)" } ?? "-"
        }
        let cascadeW = max(22, streams.map { cascadeText($0).count }.max() ?? 22)
        lines.append(pad("stream", nameW) + "    fps  deadline  layers  GFLOP/fr  frames  " + pad("cascade (fired/failed)", cascadeW) + "  skipped  GFLOP/s  activity")
        for s in streams {
            let cascade = cascadeText(s)
            var line = pad(s.name, nameW)
            line += String(format: " %6.2f %7.2fms %7d %9.3f %7d  ", s.fps, s.deadlineMs, s.layers, s.gflopPerFrame, s.released)
            line += pad(cascade, cascadeW) + String(format: " %8d %8.2f  ", s.skippedBlocks, s.offeredGflops) + s.activity
            lines.append(line)
            if s.variants.count > 1 { lines.append("    variants: \(s.variants.joined(separator: ", "))") }
            if !s.skipCounts.isEmpty {
                lines.append("    skipped: " + s.skipCounts.map { "\($0.block) \($0.count)" }.joined(separator: ", "))
            }
            if s.activity != "always" {
                let iv = s.activeIntervalsS.map { "\(fmt($0[0]))-\(fmt($0[1]))" }
                let shown = iv.count > 8 ? iv.prefix(8).joined(separator: ", ") + ", ... (\(iv.count) intervals)" : iv.joined(separator: ", ")
                let on = s.activeIntervalsS.reduce(0) { $0 + $1[1] - $1[0] }
                lines.append("    active \(fmt(on)) s of \(fmt(durationS)) s: \(shown.isEmpty ? "never" : shown); \(s.inactiveFrames) frames not released")
            }
        }
        lines.append(String(format: "offered load: %.2f GFLOP/s = %.3f x capacity %.1f GFLOP/s", offeredGflops, loadFraction, capacityGflops))
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    private func fmt(_ v: Double) -> String { String(format: "%.3g", v) }
}
