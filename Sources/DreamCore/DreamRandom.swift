/// The one pseudo-random generator of workloads: deterministic, documented, platform-independent.
///
/// - Seeding: a sub-stream is named by a key string (`"release/ES_RITNet"`, `"skip/HT/17"`, ...).
///   Its 64-bit id is `splitmix64(seed XOR fnv1a64(key))`; the four xoshiro256** state words
///   are the next four outputs of SplitMix64 started at that id. Different keys give independent
///   streams, so adding a stream to a scenario does not change any other stream's draws.
/// - Generator: xoshiro256** (Blackman and Vigna, 2018).
/// - `nextDouble()` = (next() >> 11) * 2^-53, uniform in [0, 1).
/// Never uses the system generator: the same seed gives the same numbers on every machine.
public struct DreamRandom: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64, key: String) {
        var x = Self.splitmix(seed ^ Self.fnv1a(key))
        func step() -> UInt64 { x = x &+ 0x9E37_79B9_7F4A_7C15; return Self.mix(x) }
        s0 = step(); s1 = step(); s2 = step(); s3 = step()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// FNV-1a, 64 bits, over the UTF-8 bytes of `text`.
    public static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// One SplitMix64 step from `x` (adds the golden gamma, then mixes).
    public static func splitmix(_ x: UInt64) -> UInt64 { mix(x &+ 0x9E37_79B9_7F4A_7C15) }

    static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1).
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p` (always draws one number, so the stream advances the same
    /// way whatever `p` is).
    public mutating func bernoulli(_ p: Double) -> Bool { nextDouble() < p }

    /// Exponentially distributed with the given mean.
    public mutating func exponential(mean: Double) -> Double {
        -mean * log1mExact(nextDouble())
    }

    private func log1mExact(_ u: Double) -> Double {
        // log(1 - u) with u in [0, 1): 1 - u is in (0, 1], never log(0).
        var v = 1 - u
        if v <= 0 { v = 0x1.0p-53 }
        return _log(v)
    }
}

// Foundation-free natural logarithm (Glibc/Darwin `log` via the C library would do too, but
// this keeps the module free of platform imports and identical everywhere).
@usableFromInline func _log(_ x: Double) -> Double {
    // Decompose x = m * 2^e with m in [1, 2), then log(m) by the atanh series.
    let e = x.exponent
    let m = x.significand
    let y = (m - 1) / (m + 1)
    let y2 = y * y
    var term = y
    var sum = 0.0
    var n = 1.0
    while true {
        let add = term / n
        sum += add
        if abs(add) < 1e-17 * abs(sum) || n > 200 { break }
        term *= y2
        n += 2
    }
    return 2 * sum + Double(e) * 0.693_147_180_559_945_309_417_232_121_458
}
