import DreamCore
import DreamEngine
import DreamKernels
import DreamPlatform
import Foundation

/// Measures the real kernels: every distinct layer shape of a workload on every accelerator,
/// on a thread pinned as the accelerator's worker would be, with the accelerator's dataflow.
/// Warm-up once, then `repeats` runs; the median is kept (with the spread, for calibration).
public enum KernelProbe {
    public struct Sample: Sendable, Codable {
        public var shape: LayerShapeKey
        public var accelerator: Int
        public var medianNs: Double
        public var minNs: Double
        public var maxNs: Double
        public var runs: Int
        /// What the kernels counted in one run (the same every run: the tiling fixes it).
        public var work: LayerWork
    }

    /// `repeats` runs at least; with `maxRuns` above it, runs continue until the median of the
    /// last three is within 3% of the median so far (stable) or `maxRuns` is reached.
    public static func measure(shapes: [LayerSpec], topology: ResolvedTopology, repeats: Int = 3, maxRuns: Int = 3,
                               budgetPerAcceleratorNs: Int64 = 20_000_000_000, seed: UInt64 = 1) throws -> [Sample] {
        var unique: [LayerShapeKey] = []
        var seen = Set<LayerShapeKey>()
        for s in shapes where seen.insert(LayerShapeKey(s)).inserted { unique.append(LayerShapeKey(s)) }
        var samples: [Sample] = []
        let shapesToRun = unique
        for acc in topology.accelerators {
            let runner: LayerRunner = acc.coreCount > 1
                ? TeamRunner(cpus: acc.cpus, pin: topology.bindingAvailable, spinNs: 200_000)
                : SingleCoreRunner()
            defer { runner.shutdown() }
            let result = try onPinnedThread(cpu: topology.bindingAvailable ? acc.cpus[0] : nil) { () -> [Sample] in
                RealTime.enableFlushToZero()
                var out: [Sample] = []
                let maxElements = shapesToRun.reduce(16) { max($0, $1.spec.inputElements, $1.spec.outputElements) }
                let a = try NUMABuffer(byteCount: maxElements * 4, node: acc.numaNode)
                let b = try NUMABuffer(byteCount: maxElements * 4, node: acc.numaNode)
                let started = RealTime.nowNanoseconds()
                for key in shapesToRun {
                    // A stop signal ends the measurement early: what was measured is kept.
                    if StopSignals.received != nil { break }
                    let layer = PreparedLayer(spec: key.spec, dataflow: acc.dataflow, partitions: acc.coreCount, seed: seed,
                                              allocator: .numa(node: acc.numaNode))
                    let input = UnsafePointer(a.floats())
                    let residual: UnsafePointer<Float>? = key.spec.op == .add ? input : nil
                    let work = runner.run(layer, input: input, residual: residual, output: b.floats())
                    var times: [Double] = []
                    let overBudget = Int64(RealTime.nowNanoseconds() &- started) > budgetPerAcceleratorNs
                    let least = overBudget ? 1 : max(1, repeats)
                    let most = overBudget ? 1 : max(least, maxRuns)
                    while times.count < most {
                        let t0 = RealTime.nowNanoseconds()
                        _ = runner.run(layer, input: input, residual: residual, output: b.floats())
                        times.append(Double(RealTime.nowNanoseconds() &- t0))
                        if times.count >= least && times.count >= 3 && Self.isStable(times) { break }
                    }
                    times.sort()
                    // A slower accelerator holds each layer longer, as in a live run.
                    let stretch = acc.speedFactor < 1 ? 1 / acc.speedFactor : 1
                    out.append(Sample(shape: key, accelerator: acc.index, medianNs: times[times.count / 2] * stretch,
                                      minNs: times[0] * stretch, maxNs: times[times.count - 1] * stretch, runs: times.count, work: work))
                }
                return out
            }
            samples += result
            if StopSignals.received != nil { break }
        }
        return samples
    }

    static func isStable(_ times: [Double]) -> Bool {
        let all = times.sorted()[times.count / 2]
        let recent = times.suffix(3).sorted()[1]
        return abs(recent - all) <= 0.03 * all
    }

    public static func costModel(_ samples: [Sample], accelerators: Int, fallback: CostModel = AnalyticCostModel()) -> MeasuredCostModel {
        var table: [LayerShapeKey: [Double]] = [:]
        var counted: [LayerShapeKey: [LayerWork?]] = [:]
        for s in samples {
            table[s.shape, default: [Double](repeating: 0, count: accelerators)][s.accelerator] = s.medianNs
            counted[s.shape, default: [LayerWork?](repeating: nil, count: accelerators)][s.accelerator] = s.work
        }
        return MeasuredCostModel(latencies: table, counted: counted, fallback: fallback)
    }

    /// Runs `body` on a new thread pinned to `cpu` (when given) and returns its result.
    static func onPinnedThread<T: Sendable>(cpu: Int?, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<T, Error>!
        let thread = Thread {
            if let cpu { try? ThreadPinning.pinCurrentThread(to: [cpu]) }
            result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        return try result.get()
    }
}
