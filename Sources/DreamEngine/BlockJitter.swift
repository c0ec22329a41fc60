import DreamCore
import Foundation

extension Simulator {
    /// `count` multipliers of a block's duration, log-normal with `sigma` (the standard deviation
    /// of their logarithm) and scaled to mean 1, for `blockJitter`: a simulation whose block
    /// times vary as live ones do (issue 16, ninth pass: with every block exact, a schedule with
    /// no slack at all can look perfect, and 5% of spread undoes it).
    public static func logNormalSpread(sigma: Double, count: Int = 4096, seed: UInt64, key: String = "sim/log-normal-spread") -> [Double] {
        guard sigma > 0, count > 0 else { return [] }
        var rng = DreamRandom(seed: seed, key: key)
        var draws: [Double] = []
        draws.reserveCapacity(count)
        for _ in 0..<count {
            draws.append(Foundation.exp(sigma * rng.standardNormal()))
        }
        let mean = draws.reduce(0, +) / Double(count)
        return draws.map { $0 / mean }
    }
}

extension DreamRandom {
    /// A standard normal draw (Box-Muller: one from two uniform draws). Here, not in DreamCore,
    /// which keeps free of platform imports.
    public mutating func standardNormal() -> Double {
        let radius = (-2 * Foundation.log(max(nextDouble(), 0x1p-53))).squareRoot()
        return radius * Foundation.cos(2 * Double.pi * nextDouble())
    }
}

/// What one draw of the simulated spread (`--block-jitter`) multiplies: each layer's time
/// (live blocks vary less the more layers they hold: issue 16, tenth pass) or each block's whole
/// (the ninth pass's model, kept to reproduce its numbers).
public enum JitterUnit: String, Codable, Sendable, CaseIterable {
    case layer, block
}

/// How a simulation's true times depart from its estimates (all 0: exactly as modelled).
public struct SimulatedSpread: Codable, Sendable, Equatable {
    /// Log-normal sigma of each draw (`Simulator.blockJitter`).
    public var jitter: Double
    public var unit: JitterUnit
    /// Log-normal sigma of each layer's fixed error per accelerator (`Simulator.layerBiasSigma`).
    public var layerBias: Double
    /// Every true time x this, the estimates unchanged: a host slower (> 1) or faster than its
    /// fit (`Simulator.latencyFactors`; live, a fit's cells ran x0.8-1.3 their fitted times).
    public var hostSpeed: Double
    /// Log-normal sigma of each accelerator's speed, drawn anew every 50 ms
    /// (`Simulator.speedDriftSigma`): slow blocks come together, as live.
    public var drift: Double

    public init(jitter: Double = 0, unit: JitterUnit = .layer, layerBias: Double = 0, hostSpeed: Double = 1, drift: Double = 0) {
        self.jitter = jitter
        self.unit = unit
        self.layerBias = layerBias
        self.hostSpeed = hostSpeed
        self.drift = drift
    }

    public var isExact: Bool { !(jitter > 0) && !(layerBias > 0) && hostSpeed == 1 && !(drift > 0) }

    /// For reports: e.g. "layer times log-normal (sigma 0.2), fixed layer error (sigma 0.1)".
    public var summary: String {
        var parts: [String] = []
        if jitter > 0 { parts.append(String(format: "%@ times log-normal (sigma %g)", unit == .layer ? "layer" : "block", jitter)) }
        if layerBias > 0 { parts.append(String(format: "fixed layer error log-normal (sigma %g)", layerBias)) }
        if hostSpeed != 1 { parts.append(String(format: "true times x%g the estimates", hostSpeed)) }
        if drift > 0 { parts.append(String(format: "speed drifting log-normal per 50 ms (sigma %g)", drift)) }
        return parts.joined(separator: ", ")
    }
}
