import DreamCore
import Foundation

/// The fit of a scenario to this machine (found by `WorkFit.fit`, in DreamSession): the
/// scenario at its own frame rates (time scale 1), each model's work scaled so that
/// - every model alone, after its cascade upstream, meets its deadline on its fastest
///   accelerator with margin: alone latency <= `aloneMargin` x its share of the deadline (a
///   cascade chain of n models splits the last model's deadline evenly among them), and
/// - the offered load equals the target. The load of a model is its frame rate over the rate
///   at which all the accelerators together could run it (each at its own speed: 1 / sum over
///   accelerators of 1 / its latency there); the offered load sums them. On identical
///   accelerators that is frames per second x alone latency / accelerators; a slower
///   accelerator adds less capacity than a fast one.
///
/// Work scales lie in [`minWork`, `maxWork`]: most models shrink, a few tiny ones grow.
/// The load is split among the models by a mix (`Mix`): equal shares of accelerator time, or
/// weights such as XRBench's relative model costs. A model that reaches its deadline cap (or
/// its full size) keeps it and the rest of the load goes to the others (water-filling); a load
/// no mix can reach, or a model too slow even at its smallest size, is listed as infeasible.
public struct WorkFit: Sendable, Codable, Equatable {
    /// Alone latency <= this fraction of the (shared) deadline.
    public static let aloneMargin = 0.8
    /// The smallest work scale tried (layers stop shrinking well before: channel and kernel floors).
    public static let minWork = 1e-5
    /// The largest: a model far lighter than its share (a keyword spotter beside a depth
    /// network) may grow to 16x its work (channels and spatial sides x 2) to carry its share.
    public static let maxWork = 16.0
    /// Seconds of trace used to measure each stream's mean frame rate (phases, cascades).
    public static let rateWindowS = 120.0

    /// How the load is shared among models.
    public enum Mix: Sendable, Hashable, Codable {
        /// Every model gets the same share of accelerator time.
        case equal
        /// Shares proportional to these weights (by stream name; missing names weigh 0).
        case weights([String: Double])
    }

    public struct StreamFit: Sendable, Codable, Hashable {
        public var name: String
        public var work: Double
        public var framesPerSecond: Double
        public var deadlineMs: Double
        /// The longest alone latency the fit allows (margin and cascade share).
        public var capMs: Double
        /// Alone latency at the fitted work on the fastest accelerator (from the fit's costs).
        public var aloneMs: Double
        /// Frames per second / the rate all accelerators together could run it: this model's part of the load.
        public var utilization: Double

        public init(name: String, work: Double, framesPerSecond: Double, deadlineMs: Double, capMs: Double, aloneMs: Double,
                    utilization: Double) {
            self.name = name
            self.work = work
            self.framesPerSecond = framesPerSecond
            self.deadlineMs = deadlineMs
            self.capMs = capMs
            self.aloneMs = aloneMs
            self.utilization = utilization
        }
    }

    public struct Infeasibility: Sendable, Codable, Hashable {
        public var scenario: String
        public var load: Double
        public var model: String
        public var reason: String

        public init(scenario: String, load: Double, model: String, reason: String) {
            self.scenario = scenario
            self.load = load
            self.model = model
            self.reason = reason
        }
    }

    public var scale: WorkloadScale
    public var targetLoad: Double
    /// The load reached (within 3% of the target unless `infeasible` says why not).
    public var load: Double
    public var streams: [StreamFit]
    public var infeasible: [Infeasibility]

    public init(scale: WorkloadScale, targetLoad: Double, load: Double, streams: [StreamFit], infeasible: [Infeasibility]) {
        self.scale = scale
        self.targetLoad = targetLoad
        self.load = load
        self.streams = streams
        self.infeasible = infeasible
    }

    /// Whether the load reached is within 3% of the target (a cell of that load).
    public var reachesTarget: Bool { abs(load / targetLoad - 1) <= 0.03 }
}
