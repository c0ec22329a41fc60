import Foundation

/// DREAM's MapScore of one job on each accelerator (docs/dream.md): the one place the formula
///
///     score = base + wP * ((1 - g) * energyRatio + g * latencyRatio) * occupancy,
///     g = min(1, (remaining + down) / slack)^gateExponent
///
/// and its two filters live. A pair scores -infinity when the job cannot meet its deadline
/// there but can elsewhere (`limit`), or when a busy accelerator would finish the job sooner
/// after its current block at no more energy, or (`waitsForBusy`) when the job would make its
/// deadline there only by moving on later (dominated: wait for it).
///
/// Every pair of a job is scored in one branch-free pass, two accelerators at a time (SIMD),
/// then a scalar tail: both run `lane` below, so the scores are bit-identical either way.
struct PairScore {
    /// wU x urgency + wF x fairness: the part that does not depend on the accelerator.
    var base: Double
    /// wP.
    var preference: Double
    /// Expected cascade work the frame triggers (ns).
    var down: Double
    /// 1 / slack, +infinity when the deadline has passed (the gate is then 1).
    var inverseSlack: Double
    var gateExponent: Double
    /// The latest finish (ns from now) that still meets the deadline; +infinity: no filter.
    var limit: Double
    /// Least time of the layers after the next one (ns): the job may run its next layer here and
    /// the rest at best speed. +infinity when it must run everything here (a switched variant).
    var hopAfterNext: Double
    /// The domination test is `busyFinish < busyOffset + finish` (the busy accelerator's finish
    /// of this job against this one's); busyFinish +infinity: no busy accelerator competes.
    var busyFinish: Double
    var busyOffset: Double
    /// Next-layer energy on that busy accelerator (J).
    var busyEnergy: Double
    /// That busy accelerator runs a frame due after this one (`waitForFasterAccelerator`): a
    /// pair whose whole rest would pass `limit` (it relies on a later move) is dominated by it
    /// at any energy.
    var waitsForBusy = false

    /// Per-accelerator inputs of one job, each `count` long.
    struct Row {
        var remaining: UnsafePointer<Double>
        var nextNs: UnsafePointer<Double>
        var nextJ: UnsafePointer<Double>
        var energyRatio: UnsafePointer<Double>
        var latencyRatio: UnsafePointer<Double>
        var occupancy: UnsafePointer<Double>
    }

    /// Scores accelerators 0..<count into `scores`.
    @inline(__always)
    func score(_ row: Row, count n: Int, into scores: UnsafeMutablePointer<Double>) {
        // Without a busy competitor the domination test is false everywhere (+infinity < x is
        // false for every x): its own loop, without the test.
        if busyFinish == .infinity { score(row, n, scores, competes: false) } else { score(row, n, scores, competes: true) }
    }

    @inline(__always)
    private func score(_ row: Row, _ n: Int, _ scores: UnsafeMutablePointer<Double>, competes: Bool) {
        var a = 0
        let width = SIMD2<Double>.scalarCount
        while a + width <= n {
            let s: SIMD2<Double> = lane(row, a, competes: competes)
            s.store(scores + a)
            a += width
        }
        while a < n {
            scores[a] = lane(row, a, competes: competes) as Double
            a += 1
        }
    }

    /// The score (or -infinity) of accelerators a..<a+L.scalarCount.
    @inline(__always)
    func lane<L: ScoreLane>(_ row: Row, _ a: Int, competes: Bool = true) -> L {
        let r = L.load(row.remaining + a)
        var g = (r + L(down)) * L(inverseSlack)
        g = L(1).replacing(with: g, where: L.isLess(g, than: L(1)))
        g = g.gated(gateExponent)
        let score = L(base) + preference * ((L(1) - g) * L.load(row.energyRatio + a) + g * L.load(row.latencyRatio + a))
            * L.load(row.occupancy + a)
        return score.replacing(with: L(-.infinity), where: excluded(row, a, remaining: r, competes: competes))
    }

    /// The two filters of accelerators a..<a+L.scalarCount (`remaining` loaded from the row).
    @inline(__always)
    func excluded<L: ScoreLane>(_ row: Row, _ a: Int, remaining r: L, competes: Bool) -> L.Mask {
        let viaNext = L.load(row.nextNs + a) + L(hopAfterNext)
        let finish = viaNext.replacing(with: r, where: L.isLess(r, than: viaNext))
        var excluded = L.isLess(L(limit), than: finish)
        if competes {
            var dominates = L.isLessOrEqual(L(busyEnergy), L.load(row.nextJ + a))
            if waitsForBusy { dominates = L.or(dominates, L.isLess(L(limit), than: r)) }
            excluded = L.or(excluded, L.and(L.isLess(L(busyFinish), than: L(busyOffset) + finish), dominates))
        }
        return excluded
    }

    /// Whether accelerator a's pair is filtered out (scores -infinity), as `lane` decides it.
    @inline(__always)
    func excludes(_ row: Row, _ a: Int) -> Bool {
        excluded(row, a, remaining: Double.load(row.remaining + a), competes: true)
    }

    /// An upper bound of the preference part `wP x ((1 - g) x energyRatio + g x latencyRatio) x
    /// occupancy` as `lane` rounds it, whatever the gate g: so `base + bound >= score` for every
    /// pair (rounding is monotonic), when wP >= 0, the gate exponent is >= 0 (g^exponent in
    /// [0, 1]), both ratios are at most 1 and the occupancy is not negative (as the cache makes
    /// them). With m = max(energyRatio, latencyRatio), the rounded mix is at most m(1 + u)^3
    /// (u = 2^-53), so m(1 + 2^-50) bounds it; and when m = 1 it is at most 1 exactly:
    /// fl(1 - g) + g rounds to 1 (1 - g is exact for g >= 1/2, off by at most 2^-54 below), so
    /// a job on an accelerator that is both its fastest and its cheapest meets the bound with
    /// equality, and ties between such jobs are still told apart by age alone.
    @inline(__always)
    static func preferenceBound(preference wP: Double, energyRatio: Double, latencyRatio: Double, occupancy: Double) -> Double {
        let m = max(energyRatio, latencyRatio)
        let mix = m == 1 ? 1 : m * (1 + 0x1p-50)
        return wP * mix * occupancy
    }

    /// (best time / time here)^exponent: a slower accelerator is occupied longer.
    @inline(__always)
    static func occupancy(latencyRatio: Double, exponent kappa: Double) -> Double {
        kappa == 0.5 ? latencyRatio.squareRoot() : kappa == 1 ? latencyRatio : pow(latencyRatio, kappa)
    }

    /// The latency ratio best / here (at most 1; 1 when nothing is left).
    @inline(__always)
    static func latencyRatio(best: Double, here r: Double) -> Double { r > 0 ? min(1, best / r) : 1 }
}

/// What `PairScore.lane` computes on: one Double (the scalar tail) or a vector of them.
protocol ScoreLane {
    associatedtype Mask
    init(_ value: Double)
    static func load(_ p: UnsafePointer<Double>) -> Self
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func * (a: Double, b: Self) -> Self
    static func isLess(_ a: Self, than b: Self) -> Mask
    static func isLessOrEqual(_ a: Self, _ b: Self) -> Mask
    static func or(_ a: Mask, _ b: Mask) -> Mask
    static func and(_ a: Mask, _ b: Mask) -> Mask
    /// `other` where `mask`, self elsewhere.
    func replacing(with other: Self, where mask: Mask) -> Self
    /// self^gamma (self^2 as one multiplication).
    func gated(_ gamma: Double) -> Self
}

extension Double: ScoreLane {
    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> Double { p.pointee }
    @inline(__always) static func isLess(_ a: Double, than b: Double) -> Bool { a < b }
    @inline(__always) static func isLessOrEqual(_ a: Double, _ b: Double) -> Bool { a <= b }
    @inline(__always) static func or(_ a: Bool, _ b: Bool) -> Bool { a || b }
    @inline(__always) static func and(_ a: Bool, _ b: Bool) -> Bool { a && b }
    @inline(__always) func replacing(with other: Double, where mask: Bool) -> Double { mask ? other : self }
    @inline(__always) func gated(_ gamma: Double) -> Double {
        gamma == 2 ? self * self : gamma == 1 ? self : pow(self, gamma)
    }
}

extension SIMD2: ScoreLane where Scalar == Double {
    @inline(__always) init(_ value: Double) { self.init(repeating: value) }
    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
    @inline(__always) static func isLess(_ a: Self, than b: Self) -> SIMDMask<SIMD2<Int64>> { a .< b }
    @inline(__always) static func isLessOrEqual(_ a: Self, _ b: Self) -> SIMDMask<SIMD2<Int64>> { a .<= b }
    @inline(__always) static func or(_ a: SIMDMask<SIMD2<Int64>>, _ b: SIMDMask<SIMD2<Int64>>) -> SIMDMask<SIMD2<Int64>> { a .| b }
    @inline(__always) static func and(_ a: SIMDMask<SIMD2<Int64>>, _ b: SIMDMask<SIMD2<Int64>>) -> SIMDMask<SIMD2<Int64>> { a .& b }
    @inline(__always) func gated(_ gamma: Double) -> Self {
        gamma == 2 ? self * self : gamma == 1 ? self : Self(pow(self[0], gamma), pow(self[1], gamma))
    }
}
