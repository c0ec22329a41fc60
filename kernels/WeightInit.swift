import DreamCore

/// Deterministic random parameters: the same (spec, seed) always gives the same weights, so
/// every accelerator and every test computes the same function.
public enum WeightInit {
    /// Canonical layouts: conv weights [K][C/groups][R][S], GEMM weights [k][n] row-major;
    /// bias [K] or [n]. Uniform in +-1/sqrt(fan-in) so activations stay O(1) layer after layer.
    public static func parameters(for spec: LayerSpec, seed: UInt64) -> (weights: [Float], bias: [Float]) {
        let biasCount: Int, weightCount: Int, fanIn: Int
        switch spec.op {
        case .conv:
            biasCount = spec.outChannels
            weightCount = spec.weightElements - biasCount
            fanIn = spec.inChannels / spec.groups * spec.kernelH * spec.kernelW
        case .gemm:
            biasCount = spec.gemmN
            weightCount = spec.gemmK * spec.gemmN
            fanIn = spec.gemmK
        case .maxpool, .avgpool, .add:
            return ([], [])
        }
        var rng = SplitMix64(seed: seed)
        let scale = 1 / Float(fanIn).squareRoot()
        let weights = (0..<weightCount).map { _ in rng.nextSigned() * scale }
        let bias = (0..<biasCount).map { _ in rng.nextSigned() * 0.1 }
        return (weights, bias)
    }
}

/// A small, fast, seedable generator (Steele et al., SplitMix64).
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    public mutating func nextSigned() -> Float {
        Float(next() >> 40) * (2 / Float(1 << 24)) - 1
    }
}
