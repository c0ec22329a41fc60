import ArgumentParser
import DreamEngine

extension JitterUnit: ExpressibleByArgument {}

/// How simulated times depart from the cost model's (`dream sim`, `dream compare`'s simulated
/// cells): exact by default.
struct SpreadOptions: ParsableArguments {
    @Option(name: .long, help: "Log-normal sigma of simulated times around the cost model's, one draw per --jitter-unit (e.g. 0.2; default 0: exact). Live cells' replays use their own spread.")
    var blockJitter: Double = 0

    @Option(name: .long, help: "What each --block-jitter draw multiplies: layer (each layer of a block its own draw; live blocks vary less the longer they are) or block (one draw per block, the ninth pass's model).")
    var jitterUnit: JitterUnit = .layer

    @Option(name: .long, help: "Log-normal sigma of a fixed error of each layer's simulated time per accelerator, drawn once per seed (the estimates stay the cost model's; default 0).")
    var layerBias: Double = 0

    @Option(name: .long, help: "Every simulated time x this, the estimates unchanged: a host slower (> 1) or faster (< 1) than its fit (live fits' cells ran x0.8-1.3 their fitted times; default 1).")
    var hostSpeed: Double = 1

    @Option(name: .long, help: "Log-normal sigma of each accelerator's speed, drawn anew every 50 ms of simulated time (live block speed drifts so: 0.04-0.13 measured; default 0).")
    var speedDrift: Double = 0

    var spread: SimulatedSpread { SimulatedSpread(jitter: blockJitter, unit: jitterUnit, layerBias: layerBias, hostSpeed: hostSpeed, drift: speedDrift) }

    func validate() throws {
        try Self.checkSigma(blockJitter, "--block-jitter")
        try Self.checkSigma(layerBias, "--layer-bias")
        try Self.checkSigma(speedDrift, "--speed-drift")
        if !(hostSpeed >= 0.25 && hostSpeed <= 4) {
            throw ValidationError("--host-speed must be a factor in [0.25, 4] (e.g. 1.1: every time 10% longer than estimated), found \(hostSpeed)")
        }
    }

    /// A sigma in [0, 1]: beyond, single draws would be e^3 = 20x their mean.
    static func checkSigma(_ sigma: Double, _ option: String) throws {
        if !(sigma >= 0) || sigma > 1 { throw ValidationError("\(option) must be a log-normal sigma in [0, 1] (e.g. 0.05), found \(sigma)") }
    }
}
