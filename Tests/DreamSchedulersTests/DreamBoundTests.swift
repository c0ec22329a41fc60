import Testing
import DreamCore
import DreamEngine
@testable import DreamSchedulers

/// DREAM scores a pair only where a bound says it may matter and reads the assignment off
/// per-accelerator candidate lists; the reference mode (`exhaustive`) scores every pair and
/// assigns by rows, as DREAM always did. Both must make the same decisions, bit for bit: here
/// on random workloads (ties, overload, shedding, cascades, variants, busy accelerators, odd
/// weights and exponents), every decision of each run made by both on the same state.
@Suite struct DreamBoundTests {
    /// Runs `lazy` and a reference twin side by side: both see every event and state; the
    /// run follows `lazy`'s decisions and counts those where the twin decided otherwise.
    final class Twin: Scheduler {
        let lazy: DreamScheduler, reference: DreamScheduler
        var name: String { lazy.name }
        var decisions = 0, mismatches = 0, placed = 0
        var first: String?
        private var other = Decisions(capacity: 256)
        init(_ configuration: DreamConfiguration) {
            lazy = DreamScheduler(configuration: configuration)
            reference = DreamScheduler(configuration: configuration)
            reference.exhaustive = true
        }
        func attach(to state: SchedulerState) { lazy.attach(to: state); reference.attach(to: state) }
        func observe(_ event: SchedulerEvent, state: SchedulerState) {
            lazy.observe(event, state: state); reference.observe(event, state: state)
        }
        func decide(_ state: SchedulerState, into decisions: inout Decisions) {
            let start = decisions.items.count
            lazy.decide(state, into: &decisions)
            other.removeAll()
            reference.decide(state, into: &other)
            let mine = Array(decisions.items[start...])
            self.decisions += 1
            placed += mine.filter { if case .run = $0 { return true } else { return false } }.count
            if mine != other.items {
                mismatches += 1
                if first == nil { first = "at \(state.now): \(mine) vs reference \(other.items)" }
            }
        }
    }

    struct Case {
        var accelerators: [ResolvedAccelerator]
        var workload: EngineWorkload
        var configuration: DreamConfiguration
        var maxPending: Int
        var costs: CraftedCosts
    }

    /// A random workload: 2-24 streams (some identical, for ties; some cascaded; some with a
    /// second variant), 1-16 accelerators of varied power and speed, loads from light to overload.
    static func randomCase(_ seed: UInt64) -> Case {
        var rng = DreamRandom(seed: seed, key: "dream-bounds")
        func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        func pick<T>(_ xs: [T]) -> T { xs[int(0...xs.count - 1)] }
        let wide = int(0...2) == 0
        let m = wide ? int(8...16) : int(1...8)
        let equalPower = int(0...3) == 0
        let watts = (0..<m).map { _ in equalPower ? 2.0 : pick([0.5, 1, 1.5, 2, 3, 4]) }
        let accs = accelerators(watts)
        let streamCount = wide ? int(12...24) : int(2...10)
        let period = Int64(pick([4, 8, 10, 16, 20])) * ms
        var streams: [StreamDescription] = []
        var f = FrameList()
        let horizon = Int64(pick([60, 120, 200])) * ms
        let load = pick([0.3, 0.7, 1.0, 1.4, 2.5])
        var template: [LayerSpec]?
        for s in 0..<streamCount {
            let n = int(1...6)
            // Per-layer time per accelerator, scaled so the streams together offer `load`.
            let budget = load * Double(period) * Double(m) / Double(streamCount) / Double(n)
            func randomLayer() -> LayerSpec {
                if int(0...2) == 0 { return layer(Int64(max(1, budget * Double(int(5...15)) / 10))) }
                return layer((0..<m).map { _ in Int64(max(1, budget * Double(int(3...30)) / 10)) })
            }
            let layers: [LayerSpec]
            if let t = template, int(0...2) == 0 { layers = t } else { layers = (0..<n).map { _ in randomLayer() } }
            if template == nil { template = layers }
            var variants = [VariantDescription(name: "v0", accuracy: 0.9, layers: layers)]
            if int(0...3) == 0 {
                let small = Array(layers.prefix(max(1, layers.count / 2)))
                variants.append(VariantDescription(name: "v1", accuracy: 0.8, layers: small))
            }
            let upstream: Int? = s > 0 && int(0...4) == 0 ? int(0...s - 1) : nil
            let p = upstream == nil ? period * Int64(pick([1, 1, 2])) : 0
            streams.append(StreamDescription(name: "s\(s)", periodNs: upstream == nil ? p : period, variants: variants,
                                             upstream: upstream))
        }
        // Releases (cascade streams release a frame after some of their upstream's).
        var frameOf: [Int: [Int]] = [:]
        var t: Int64 = 0
        var events: [(Int64, Int)] = []
        for (s, st) in streams.enumerated() where st.upstream == nil {
            let phase = Int64(int(0...3)) * ms / 2
            var r = phase
            while r < horizon { events.append((r, s)); r += st.periodNs }
        }
        events.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        for (r, s) in events {
            let deadline = streams[s].periodNs * Int64(pick([1, 1, 2])) / Int64(pick([1, 2]))
            let id = f.add(stream: s, at: r, deadline: max(ms / 2, deadline))
            frameOf[s, default: []].append(id)
            for (d, st) in streams.enumerated() where st.upstream == s && int(0...1) == 0 {
                f.add(stream: d, at: r, deadline: max(ms / 2, deadline), upstream: id)
            }
            t = r
        }
        _ = t
        var c = DreamConfiguration(features: pick([.all, .all, [], [.drop], [.drop, .supernet], [.tuning], [.supernet]]))
        c.weights = pick([c.weights, DreamWeights(urgency: 1, fairness: 0.2, preference: 0.6),
                          DreamWeights(urgency: 1, fairness: 0, preference: 0), DreamWeights(urgency: 0.5, fairness: 1, preference: 2),
                          DreamWeights(urgency: 1, fairness: 0.0625, preference: -0.1)])
        c.gateExponent = pick([2, 2, 1, 0.5, 3])
        c.occupancyExponent = pick([0.5, 0.5, 1, 2])
        c.deadlineWeight = pick([3, 3, 0, 1])
        if int(0...2) == 0 { c.shedAfterFirstWindow = false; c.shedLoadLow = 0; c.shedLoadHigh = 0 }
        if int(0...2) == 0 { c.tuningFramesPerWindow = 2 }
        if int(0...2) == 0 { c.loadWindowNs = 10 * ms }
        let factors = (0..<m).map { _ in equalPower ? 1.0 : pick([0.5, 1, 1, 1.5, 2]) }
        return Case(accelerators: accs, workload: workload(streams, f, duration: horizon), configuration: c,
                    maxPending: pick([2, 4, 8]), costs: CraftedCosts(factors: factors))
    }

    @Test func boundedScoringDecidesAsTheReference() {
        var decisions = 0, placed = 0, mismatched: [String] = []
        for seed in UInt64(1)...120 {
            let c = Self.randomCase(seed)
            let twin = Twin(c.configuration)
            _ = simulate(c.workload, c.accelerators, twin, costs: c.costs, maxPending: c.maxPending)
            decisions += twin.decisions
            placed += twin.placed
            if twin.mismatches > 0 { mismatched.append("seed \(seed): \(twin.mismatches) of \(twin.decisions), first \(twin.first ?? "")") }
        }
        #expect(mismatched.isEmpty, "\(mismatched.joined(separator: "\n"))")
        #expect(decisions > 5_000 && placed > 5_000, "decisions \(decisions), placed \(placed)")
    }

    /// Many identical jobs and accelerators: every score ties, the ages and accelerator
    /// indices decide; more free accelerators than a candidate list holds (refills).
    @Test func tiesAndRefillsDecideAsTheReference() {
        for m in [3, 8, 12, 20] {
            let accs = accelerators((0..<m).map { $0 % 4 == 3 ? 1 : 2 })
            var f = FrameList()
            for s in 0..<24 { f.periodic(stream: s, period: 10 * ms, from: Int64(s % 3) * ms / 4, to: 80 * ms) }
            let w = workload((0..<24).map { s in stream("s\(s)", period: 10 * ms, s % 2 == 0 ? layers(3, ms) : layers(2, 2 * ms)) }, f)
            for features in [DreamFeatures.all, []] {
                let twin = Twin(DreamConfiguration(features: features))
                _ = simulate(w, accs, twin, costs: CraftedCosts(factors: [Double](repeating: 1, count: m)), maxPending: 4)
                #expect(twin.mismatches == 0, "\(m) accelerators: \(twin.first ?? "")")
                #expect(twin.placed > 100)
            }
        }
    }

    /// Many free accelerators, mixed per-accelerator times and sizes: the deadline guard's
    /// lists run dry at most accelerators and its sorted scan (`mostPressedSorted`) decides.
    @Test func manyAcceleratorsDecideAsTheReference() {
        for m in [24, 40] {
            let accs = accelerators((0..<m).map { [1, 2, 3, 0.5][$0 % 4] })
            var f = FrameList()
            for s in 0..<48 { f.periodic(stream: s, period: 10 * ms, from: Int64(s % 5) * ms / 7, to: 60 * ms) }
            let streams = (0..<48).map { s in
                stream("s\(s)", period: 10 * ms, (0..<(1 + s % 4)).map { l in
                    layer((0..<m).map { a in Int64(1 + (s * 7 + a * 3 + l) % 5) * ms / Int64(1 + s % 3) })
                })
            }
            for features in [DreamFeatures.all, []] {
                let twin = Twin(DreamConfiguration(features: features))
                _ = simulate(workload(streams, f), accs, twin, costs: CraftedCosts(factors: [Double](repeating: 1, count: m)), maxPending: 4)
                #expect(twin.mismatches == 0, "\(m) accelerators: \(twin.first ?? "")")
                #expect(twin.placed > 100)
            }
        }
    }
}
