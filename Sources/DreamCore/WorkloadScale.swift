import Foundation

/// How a scenario is fitted to a machine far smaller than the accelerators it was written for.
///
/// - `time` (s > 0, normally >= 1): every time of the scenario is multiplied by s: periods,
///   deadlines, offsets, jitter and phase / Markov durations. A 60 FPS stream at s = 4 runs at
///   15 FPS with a 66.7 ms deadline. The workload is the same, just slower: offered load / s.
/// - `work` (w in (0, 1]), and per stream `streamWork` (in (0, 16], multiplied with it): every
///   channel count and every spatial side is multiplied by w^(1/4) (a GEMM's n and k like channels, its m
///   tokens like an area), so FLOPs and weights both shrink by about w and a layer keeps its
///   roofline regime. Channel counts of 8 or fewer stay, none falls below 8; spatial sizes stay
///   >= the kernel; the layer count is unchanged. Chained models are rescaled from their input
///   through the graph so that shapes keep chaining; depthwise layers keep groups = channels.
///   `flopRatio` of a trace gives the exact FLOP ratio achieved.
public struct WorkloadScale: Sendable, Hashable, Codable, CustomStringConvertible {
    public var time: Double
    public var work: Double
    /// Work scale per stream name (the fit's per-model scales), on top of `work`.
    public var streamWork: [String: Double]

    public init(time: Double = 1, work: Double = 1, streamWork: [String: Double] = [:]) {
        self.time = time
        self.work = work
        self.streamWork = streamWork
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        time = try c.decode(Double.self, forKey: .time)
        work = try c.decode(Double.self, forKey: .work)
        streamWork = try c.decodeIfPresent([String: Double].self, forKey: .streamWork) ?? [:]
    }

    public static let identity = WorkloadScale()

    /// The largest per-stream work scale (a fit may grow a tiny model to carry its share).
    public static let maxStreamWork = 16.0

    /// The work scale that applies to one stream.
    public func work(forStream name: String) -> Double { work * (streamWork[name] ?? 1) }

    /// The largest time scale: with `ScenarioSpec.Limits`, every scaled time fits in Int ns.
    public static let maxTime: Double = 10_000

    public var description: String {
        var text = String(format: "time x%.4g, work x%.4g", time, work)
        if !streamWork.isEmpty {
            text += " (per model: " + streamWork.sorted { $0.key < $1.key }.map { String(format: "%@ x%.3g", $0.key, $0.value) }.joined(separator: ", ") + ")"
        }
        return text
    }

    /// Checks the ranges, naming the command-line option.
    public func validate() throws {
        if !(time > 0) || !time.isFinite || time > Self.maxTime {
            throw DreamInputError(.usage, file: "--time-scale", field: "", problem: "must be within (0, \(Int(Self.maxTime))], found \(time)",
                                  fix: "give a time scale such as 4 (periods and deadlines 4x longer)")
        }
        if !(work > 0 && work <= 1) {
            throw DreamInputError(.usage, file: "--work-scale", field: "", problem: "must be within (0, 1], found \(work)",
                                  fix: "give a work scale such as 0.25 (about a quarter of the FLOPs)")
        }
        for (name, w) in streamWork.sorted(by: { $0.key < $1.key }) where !(w > 0 && w <= Self.maxStreamWork) {
            throw DreamInputError(.usage, file: "work scale", field: name, problem: "must be within (0, \(Int(Self.maxStreamWork))], found \(w)",
                                  fix: "give each model a work scale in (0, \(Int(Self.maxStreamWork))]")
        }
    }

    /// Which scale `fit` adjusts.
    public enum Axis: String, Sendable, Hashable, Codable, CaseIterable {
        case time, work
    }

    /// The scale at which `offeredLoad(scale)` (GFLOP/s) equals `targetLoad * capacityGFLOPs`.
    ///
    /// `.time`: s = load(1) / target, refined a few times on the actual trace (s may fall below
    /// 1 when the scenario is lighter than the target: time is then compressed). `.work`: w is
    /// found by bisection on the actual FLOPs; it stays 1 when even w = 1 is under the target,
    /// and stops at 1e-4.
    public static func fit(capacityGFLOPs: Double, targetLoad: Double = 0.8, axis: Axis = .time,
                           offeredLoad: (WorkloadScale) throws -> Double) throws -> WorkloadScale {
        if !(targetLoad > 0) || !targetLoad.isFinite {
            throw DreamInputError(.usage, file: "--target-load", field: "", problem: "must be greater than 0, found \(targetLoad)",
                                  fix: "give a load as a fraction of capacity, such as 0.8")
        }
        // Nothing offered (no frame, or every layer skipped): nothing to fit, whatever the capacity.
        let base = try offeredLoad(.identity)
        if base <= 0 { return .identity }
        if !(capacityGFLOPs > 0) {
            throw DreamInputError(.usage, file: "--capacity-gflops", field: "", problem: "must be greater than 0, found \(capacityGFLOPs)",
                                  fix: "give the machine's capacity in GFLOP/s")
        }
        let target = targetLoad * capacityGFLOPs
        if axis == .time, base / target > maxTime {
            throw DreamInputError(.usage, file: "--fit", field: "", problem: String(format: "would need a time scale of %.3g (over %.0f): the scenario offers %.4g GFLOP/s against a capacity of %.4g", base / target, maxTime, base, capacityGFLOPs),
                                  fix: "give a larger --target-load, a smaller --work-scale, or a topology with more cores")
        }
        switch axis {
        case .time:
            // Frames are discrete, so load(s) is a step function: iterate s *= load / target and
            // keep the s whose load is closest to the target.
            var s = base / target
            var best = (scale: s, error: Double.infinity)
            for _ in 0..<8 {
                let l = try offeredLoad(WorkloadScale(time: s))
                let error = abs(l - target)
                if error < best.error { best = (s, error) }
                if l <= 0 || error <= 1e-3 * target { break }
                s = min(maxTime, s * l / target)
            }
            return WorkloadScale(time: best.scale)
        case .work:
            if base <= target { return .identity }
            var lo = 1e-4, hi = 1.0
            if try offeredLoad(WorkloadScale(work: lo)) >= target { return WorkloadScale(work: lo) }
            for _ in 0..<50 {
                let mid = (lo * hi).squareRoot()
                if try offeredLoad(WorkloadScale(work: mid)) > target { hi = mid } else { lo = mid }
                if hi / lo < 1 + 1e-6 { break }
            }
            return WorkloadScale(work: lo)
        }
    }
}
