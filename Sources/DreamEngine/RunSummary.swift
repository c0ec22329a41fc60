import DreamCore
import Foundation

/// How a set of frames ended, with their latency percentiles and energy: kept once for a
/// stream and once for the whole run.
public struct FrameTally: Sendable, Codable, Equatable {
    public var framesGenerated: Int
    public var met: Int
    public var missed: Int
    public var dropped: Int
    public var latencyP50Ms: Double?
    public var latencyP99Ms: Double?
    public var energyJ: Double
}

/// A summary with a tally: its counts read and write as its own properties (`s.met`).
public protocol FrameTallied {
    var tally: FrameTally { get set }
}

extension FrameTallied {
    public var framesGenerated: Int { get { tally.framesGenerated } set { tally.framesGenerated = newValue } }
    public var met: Int { get { tally.met } set { tally.met = newValue } }
    public var missed: Int { get { tally.missed } set { tally.missed = newValue } }
    public var dropped: Int { get { tally.dropped } set { tally.dropped = newValue } }
    public var latencyP50Ms: Double? { get { tally.latencyP50Ms } set { tally.latencyP50Ms = newValue } }
    public var latencyP99Ms: Double? { get { tally.latencyP99Ms } set { tally.latencyP99Ms = newValue } }
    public var energyJ: Double { get { tally.energyJ } set { tally.energyJ = newValue } }
}

/// Per-stream and total results of a run, as printed and as written to results.json.
public struct RunSummary: Sendable, Codable, Equatable, FrameTallied {
    public struct StreamSummary: Sendable, Codable, Equatable, FrameTallied {
        public var name: String
        public var tally: FrameTally
        public var xrbenchScore: Double
        public var meanAccuracy: Double?
        /// Frames that ran on a variant other than the default (largest) one.
        public var framesOnOtherVariants: Int
        /// Changes of variant between consecutive started frames of the stream.
        public var variantSwitches: Int
    }

    public var streams: [StreamSummary]
    public var tally: FrameTally
    public var energySource: String
    /// Energy per generated frame (J): the E of UXCost.
    public var energyPerFrameJ: Double
    public var violationRate: Double
    public var uxcost: Double
    /// Energy per frame that met its deadline (J); nil when none met.
    public var energyPerMetFrameJ: Double?
    /// UXCost-met: energy per met frame x V (V floored as for UXCost); nil (infinite) when no
    /// frame met its deadline. Shedding frames cannot lower it: their energy is still spent or
    /// their V still counts, over fewer met frames.
    public var uxcostMet: Double?
    public var missRate: Double { Double(missed) / Double(max(1, framesGenerated)) }
    public var dropRate: Double { Double(dropped) / Double(max(1, framesGenerated)) }
    public var xrbenchScore: Double
    public var decisionUsP50: Double?
    public var decisionUsP99: Double?
    public var dispatchUsP50: Double?
    public var dispatchUsP99: Double?
    public var acceleratorBusyFraction: [Double]
    public var acceleratorEnergyJ: [Double]
    public var dropReasons: [String: Int]

    /// Computes the summary. Energy: per accelerator, idle power over the whole wall time plus
    /// each block's busy and counted-work energy (the topology's power model; `energySource`
    /// says so). UXCost = E * max(V, 0.5 / generated), per the project's definition.
    public init(frames: [FrameRecord], blocks: [BlockRecord], streams: [StreamDescription],
                accelerators: [ResolvedAccelerator], wallNs: Int64, decisionNs: [Int64],
                dispatchNs: [Int64], energySource: String) {
        let wallS = Double(max(wallNs, 1)) * 1e-9
        var accEnergy = accelerators.map { $0.power.idleWatts * Double($0.coreCount) * wallS }
        var busy = [Double](repeating: 0, count: accelerators.count)
        for b in blocks {
            accEnergy[Int(b.accelerator)] += b.energyJ
            busy[Int(b.accelerator)] += Double(b.endNs - b.startNs) * 1e-9
        }
        acceleratorEnergyJ = accEnergy
        acceleratorBusyFraction = busy.map { min(1, $0 / wallS) }
        let energyJ = accEnergy.reduce(0, +)
        self.energySource = energySource
        // Idle energy is shared among streams by frame count; busy energy is the frames' own.
        let idleTotal = accelerators.reduce(0.0) { $0 + $1.power.idleWatts * Double($1.coreCount) * wallS }
        var perStream: [StreamSummary] = []
        var allLatencies: [Double] = []
        var reasons: [String: Int] = [:]
        var scoredStreams = 0
        for (s, stream) in streams.enumerated() {
            let fs = frames.filter { Int($0.stream) == s }
            let lat = fs.compactMap { $0.latencyNs }.map { Double($0) / 1e6 }
            allLatencies += lat
            for f in fs where f.outcome == .dropped { reasons[f.dropReason?.rawValue ?? "unknown", default: 0] += 1 }
            let share = frames.isEmpty ? 0 : idleTotal * Double(fs.count) / Double(frames.count)
            // XRBench score: per completed frame RT * EN, over logged frames, times QoE.
            var rtEn = 0.0
            for f in fs where f.outcome != .dropped {
                let lateMs = Double(f.completionNs - f.deadlineNs) / 1e6
                let rt = 1 / (1 + exp(15 * lateMs))
                let en = max(0, (1500 - f.energyJ * 1e3) / 1500)
                rtEn += rt * en
            }
            let dropped = fs.filter { $0.outcome == .dropped }.count
            let score = fs.isEmpty ? 0 : rtEn / Double(fs.count) * (1 - Double(dropped) / Double(fs.count))
            if !fs.isEmpty { scoredStreams += 1 }
            let accuracies = fs.filter { $0.outcome != .dropped }.compactMap { stream.variants[Int($0.variant)].accuracy }
            perStream.append(StreamSummary(
                name: stream.name,
                tally: FrameTally(framesGenerated: fs.count, met: fs.filter { $0.outcome == .met }.count,
                                  missed: fs.filter { $0.outcome == .missed }.count, dropped: dropped,
                                  latencyP50Ms: Self.percentile(lat, 0.5), latencyP99Ms: Self.percentile(lat, 0.99),
                                  energyJ: fs.reduce(0) { $0 + $1.energyJ } + share),
                xrbenchScore: 100 * score,
                meanAccuracy: accuracies.isEmpty ? nil : accuracies.reduce(0, +) / Double(accuracies.count),
                framesOnOtherVariants: fs.filter { $0.startNs >= 0 && $0.variant != 0 }.count,
                variantSwitches: Self.switches(fs)))
        }
        self.streams = perStream
        let met = perStream.reduce(0) { $0 + $1.met }, missed = perStream.reduce(0) { $0 + $1.missed }
        let dropped = perStream.reduce(0) { $0 + $1.dropped }
        tally = FrameTally(framesGenerated: frames.count, met: met, missed: missed, dropped: dropped,
                           latencyP50Ms: Self.percentile(allLatencies, 0.5), latencyP99Ms: Self.percentile(allLatencies, 0.99), energyJ: energyJ)
        let n = Double(max(1, frames.count))
        energyPerFrameJ = energyJ / n
        violationRate = Double(dropped + missed) / n
        uxcost = energyPerFrameJ * max(violationRate, 0.5 / n)
        let flooredV = max(violationRate, 0.5 / n)
        energyPerMetFrameJ = met > 0 ? energyJ / Double(met) : nil
        uxcostMet = met > 0 ? energyJ / Double(met) * flooredV : nil
        xrbenchScore = scoredStreams == 0 ? 0 : perStream.filter { $0.framesGenerated > 0 }.reduce(0) { $0 + $1.xrbenchScore } / Double(scoredStreams)
        let dec = decisionNs.map { Double($0) / 1e3 }
        decisionUsP50 = Self.percentile(dec, 0.5)
        decisionUsP99 = Self.percentile(dec, 0.99)
        let disp = dispatchNs.map { Double($0) / 1e3 }
        dispatchUsP50 = Self.percentile(disp, 0.5)
        dispatchUsP99 = Self.percentile(disp, 0.99)
        dropReasons = reasons
    }

    /// Variant changes between consecutive started frames (in release order).
    static func switches(_ frames: [FrameRecord]) -> Int {
        var last: Int32?
        var n = 0
        for f in frames.filter({ $0.startNs >= 0 }).sorted(by: { $0.sequence < $1.sequence }) {
            if let l = last, l != f.variant { n += 1 }
            last = f.variant
        }
        return n
    }

    /// Nearest-rank percentile; nil for no data.
    public static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
