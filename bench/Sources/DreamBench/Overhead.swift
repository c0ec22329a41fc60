import Benchmark
import DreamCore
import DreamEngine
import DreamSchedulers
import Foundation

/// `overhead`: the time and heap allocations of one `decide` call, per policy, on synthetic
/// states of J pending jobs and M accelerators. Decisions are not applied, so every call sees
/// the same (steady) state.
enum OverheadSuite {
    static let jobCounts = [1, 4, 16, 64, 256]
    static let acceleratorCounts = [1, 2, 4, 8, 16, 64]

    /// `idle`: all J jobs released, no layer run, every accelerator idle.
    /// `half-busy`: one round of the policy's own decisions applied, then every second
    /// dispatched block finished (its accelerator idle again, its job part-way through).
    enum Load: String, CaseIterable { case idle, halfBusy = "half-busy" }

    /// J streams of one frame each, released at 0: a few conv layers of varied shapes, two
    /// variants (for supernet switching), deadlines spread so urgency terms differ.
    static func workload(jobs: Int) -> EngineWorkload {
        var streams: [StreamDescription] = []
        var frames: [FrameDescription] = []
        for j in 0..<jobs {
            let c = 8 << (j % 3), h = 14 + 6 * (j % 4)
            func layers(_ n: Int, _ c: Int) -> [LayerSpec] {
                (0..<n).map { l in
                    l % 3 == 2 ? .conv("pw\(l)", c: c, k: c, h: h, w: h, r: 1)
                               : .conv("c\(l)", c: c, k: c, h: h, w: h, r: 3, pad: 1, activation: .relu)
                }
            }
            let n = 3 + j % 5
            streams.append(StreamDescription(
                name: "s\(j)", periodNs: 33_333_333 + Int64(j % 7) * 1_000_000,
                variants: [VariantDescription(name: "large", accuracy: 0.9, layers: layers(n, c)),
                           VariantDescription(name: "small", accuracy: 0.8, layers: layers(max(2, n - 2), max(4, c / 2)))]))
            frames.append(FrameDescription(id: j, stream: j, sequence: 0, releaseNs: 0,
                                           deadlineNs: 20_000_000 + Int64(j) * 97_000))
        }
        return EngineWorkload(name: "synthetic-\(jobs)", streams: streams, frames: frames, durationNs: 33_333_333)
    }

    /// M heterogeneous accelerators: dataflows and speeds in turn.
    static func accelerators(_ m: Int) -> [ResolvedAccelerator] {
        let flows: [Dataflow] = [.ws, .os, .rs]
        let speeds = [1.0, 0.5, 2.0, 1.5]
        return (0..<m).map {
            ResolvedAccelerator(index: $0, name: "acc\($0)", dataflow: flows[$0 % flows.count], cores: [$0],
                                cpus: [$0], numaNode: 0, speedFactor: speeds[$0 % speeds.count])
        }
    }

    /// A prepared state and its policy: what one benchmark case times.
    final class Case {
        let policy: String, jobs: Int, accelerators: Int, load: Load
        var core: ExecutionCore?
        var scheduler: Scheduler?
        var decisions = Decisions(capacity: 4096)
        var pending = 0, idle = 0, decided = 0

        init(policy: String, jobs: Int, accelerators: Int, load: Load) {
            self.policy = policy; self.jobs = jobs; self.accelerators = accelerators; self.load = load
        }

        var name: String { "overhead/\(policy)/\(load.rawValue)/j\(jobs)/a\(accelerators)" }

        func build() throws {
            let w = OverheadSuite.workload(jobs: jobs)
            let accs = OverheadSuite.accelerators(accelerators)
            let policy = try SchedulerCatalog.make(name: self.policy)
            var configuration = ExecutionCore.Configuration()
            configuration.maxPendingPerStream = 1024
            let core = ExecutionCore(workload: w, accelerators: accs,
                                     estimates: EstimateTable(workload: w, accelerators: accs, model: AnalyticCostModel()),
                                     scheduler: policy, configuration: configuration, wallClock: { monotonicNs() })
            core.releaseDue(now: 0)
            if load == .halfBusy {
                core.schedule(now: 0)
                for (k, d) in core.outbox.enumerated() where k % 2 == 1 {
                    core.blockFinished(accelerator: d.accelerator,
                                       measurement: BlockMeasurement(startNs: 0, endNs: 1_000, macs: 0, bytes: (0, 0, 0, 0),
                                                                     cpu: -1, busyCoreNs: 1_000))
                }
            }
            self.core = core
            scheduler = policy
            pending = core.state.active.count
            idle = core.state.accelerators.filter(\.isIdle).count
            decisions.removeAll()
            policy.decide(core.state, into: &decisions)
            decided = decisions.items.count
            decisions.removeAll()
        }

        @inline(never)
        func decideOnce() {
            decisions.removeAll()
            scheduler!.decide(core!.state, into: &decisions)
        }

        func release() { core = nil; scheduler = nil }
    }

    static func cases(policies: [String], quick: Bool, grid: Set<String>?, loads: [Load]) -> [Case] {
        var out: [Case] = []
        for load in loads {
            for p in policies {
                for j in jobCounts {
                    for m in acceleratorCounts {
                        // half-busy over the whole grid for DREAM; the 8-accelerator column for the rest.
                        if load == .halfBusy && !p.hasPrefix("dream") && m != 8 { continue }
                        if quick && load == .halfBusy && p != "dream" { continue }
                        if let grid, !grid.contains("\(j)x\(m)") { continue }
                        out.append(Case(policy: p, jobs: j, accelerators: m, load: load))
                    }
                }
            }
        }
        return out
    }

    static func run() async throws {
        let quick = ProcessInfo.processInfo.environment["OVERHEAD_QUICK"] != nil
        let budgetMs = Int(env("OVERHEAD_MS", 60))
        let policies = ProcessInfo.processInfo.environment["OVERHEAD_POLICIES"]?.split(separator: ",").map(String.init)
            ?? SchedulerCatalog.names
        // OVERHEAD_GRID=64x8,256x64: only these jobs x accelerators cells (quick iteration).
        let grid = ProcessInfo.processInfo.environment["OVERHEAD_GRID"].map { Set($0.split(separator: ",").map(String.init)) }
        // OVERHEAD_STATES=half-busy: only these states (idle, half-busy).
        let loads = ProcessInfo.processInfo.environment["OVERHEAD_STATES"].map { $0.split(separator: ",").compactMap { Load(rawValue: String($0)) } }
            ?? Load.allCases
        let all = cases(policies: policies, quick: quick, grid: grid, loads: loads)
        // OVERHEAD_CALLS=N: no harness, N plain calls per case (for a profiler such as
        // `valgrind --tool=callgrind`, whose instruction counts do not depend on the load).
        if let calls = ProcessInfo.processInfo.environment["OVERHEAD_CALLS"].flatMap({ Int($0) }) {
            for c in all {
                try c.build()
                let start = monotonicNs()
                for _ in 0..<calls { c.decideOnce() }
                emit("suite=overhead policy=\(c.policy) state=\(c.load.rawValue) jobs=\(c.jobs) accelerators=\(c.accelerators) "
                     + "calls=\(calls) mean_us=\(fmt(Double(monotonicNs() - start) / Double(max(1, calls)) / 1000, 2))")
                c.release()
            }
            return
        }
        var byName: [String: Case] = [:]
        var benchmarks: [Benchmark] = []
        for c in all {
            byName[c.name] = c
            // Larger states get more time (decision time grows with jobs x accelerators), so
            // their p99 still rests on a few hundred samples: budget + (jobs x accelerators) / 32 ms.
            let configuration = Benchmark.Configuration(
                metrics: [.wallClock, .mallocCountTotal], timeUnits: .nanoseconds, warmupIterations: 10,
                scalingFactor: .one, maxDuration: .milliseconds(budgetMs + c.jobs * c.accelerators / 32),
                maxIterations: 20_000,
                thresholds: nil)
            guard let b = Benchmark(c.name, configuration: configuration,
                                    closure: { (benchmark: Benchmark) in
                                        for _ in benchmark.scaledIterations { c.decideOnce() }
                                    },
                                    setup: { try c.build() },
                                    teardown: { c.release() })
            else { continue }
            benchmarks.append(b)
        }
        note("overhead: \(benchmarks.count) cases, \(budgetMs) ms + jobs x accelerators / 32 ms each")
        var medians: [String: Double] = [:]
        var minimums: [String: Double] = [:]
        try await BenchmarkHost.run(benchmarks) { b, results in
            guard let c = byName[b.name] else { return }
            var fields: [String] = []
            var median = 0.0
            var fastest = 0.0
            for r in results {
                let p = r.statistics.percentiles(for: [50, 99, 100, 0])
                switch r.metric {
                case .wallClock:
                    median = Double(p[0])
                    fastest = Double(p[3])
                    fields += ["median_us=\(fmt(Double(p[0]) / 1000, 2))", "p99_us=\(fmt(Double(p[1]) / 1000, 2))",
                               "max_us=\(fmt(Double(p[2]) / 1000, 1))", "min_us=\(fmt(Double(p[3]) / 1000, 2))",
                               "samples=\(r.statistics.measurementCount)"]
                case .mallocCountTotal:
                    fields += ["allocs=\(p[0])", "allocs_p99=\(p[1])", "allocs_max=\(p[2])"]
                default: break
                }
            }
            medians["\(c.policy)/\(c.load.rawValue)/\(c.jobs)/\(c.accelerators)"] = median
            minimums["\(c.policy)/\(c.load.rawValue)/\(c.jobs)/\(c.accelerators)"] = fastest
            emit("suite=overhead policy=\(c.policy) state=\(c.load.rawValue) jobs=\(c.jobs) accelerators=\(c.accelerators) "
                 + fields.joined(separator: " ") + " pending=\(c.pending) idle=\(c.idle) decisions=\(c.decided)")
        }
        // Growth: 64 accelerators x 256 jobs against 8 x 64 (32x the product), and the log-log
        // slope of the median against jobs x accelerators over the idle grid (products >= 16,
        // below which fixed costs dominate): <= 1 is linear or better. The verdict takes the
        // ratio of the fastest decisions: two medians taken minutes apart on a shared core can
        // differ 2x with the same code (bench/README.md), which swamps a ratio near 32.
        for p in policies {
            func m(_ j: Int, _ a: Int) -> Double? { medians["\(p)/idle/\(j)/\(a)"] }
            guard let base = m(64, 8), let top = m(256, 64), base > 0,
                  let fastBase = minimums["\(p)/idle/64/8"], let fastTop = minimums["\(p)/idle/256/64"], fastBase > 0 else { continue }
            var xs: [Double] = [], ys: [Double] = []
            for j in jobCounts { for a in acceleratorCounts where j * a >= 16 {
                if let v = m(j, a), v > 0 { xs.append(log(Double(j * a))); ys.append(log(v)) }
            } }
            let n = Double(xs.count), mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
            let slope = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
            let ratio = top / base, fastRatio = fastTop / fastBase
            emit("suite=overhead policy=\(p) summary=growth from=8x64 to=64x256 size_ratio=32 median_ratio=\(fmt(ratio, 1)) "
                 + "min_ratio=\(fmt(fastRatio, 1)) loglog_slope=\(fmt(slope, 2)) "
                 + "linear_or_better=\(fastRatio <= 32 && slope <= 1.05 ? "yes" : "no")")
        }
    }
}
