import DreamCore
import Foundation

extension Simulator {
    /// `count` multipliers of a block's duration, log-normal with `sigma` (the standard deviation
    /// of their logarithm) and scaled to mean 1, for `blockJitter`: a simulation whose block
    /// times vary as live ones do (issue 16, ninth pass: with every block exact, a schedule with
    /// no slack at all can look perfect, and 5% of spread undoes it).
    public static func logNormalSpread(sigma: Double, count: Int = 4096, seed: UInt64) -> [Double] {
        guard sigma > 0, count > 0 else { return [] }
        var rng = DreamRandom(seed: seed, key: "sim/log-normal-spread")
        var draws: [Double] = []
        draws.reserveCapacity(count)
        for _ in 0..<count {
            // Box-Muller: one standard normal from two uniform draws.
            let radius = (-2 * Foundation.log(max(rng.nextDouble(), 0x1p-53))).squareRoot()
            let z = radius * Foundation.cos(2 * Double.pi * rng.nextDouble())
            draws.append(Foundation.exp(sigma * z))
        }
        let mean = draws.reduce(0, +) / Double(count)
        return draws.map { $0 / mean }
    }
}
