import DreamCore

/// A discrete-event simulator in virtual time: the same `ExecutionCore` and the same policy
/// objects as the live runtime, with block durations from a cost model instead of real kernels.
public struct Simulator {
    public var workload: EngineWorkload
    public var accelerators: [ResolvedAccelerator]
    /// The "truth": what a block costs when it runs.
    public var costs: CostModel
    /// The policy's estimates (defaults to the truth when nil).
    public var estimateModel: CostModel?
    public var configuration = ExecutionCore.Configuration()
    /// How long after the last release the run may drain before unfinished frames are dropped.
    public var drainNs: Int64 = 2_000_000_000

    public init(workload: EngineWorkload, accelerators: [ResolvedAccelerator], costs: CostModel, estimateModel: CostModel? = nil) {
        self.workload = workload
        self.accelerators = accelerators
        self.costs = costs
        self.estimateModel = estimateModel
    }

    public func run(scheduler: Scheduler, wallClock: @escaping @Sendable () -> UInt64) -> ExecutionCore {
        let estimates = EstimateTable(workload: workload, accelerators: accelerators, model: estimateModel ?? costs)
        let truth = EstimateTable(workload: workload, accelerators: accelerators, model: costs)
        let core = ExecutionCore(workload: workload, accelerators: accelerators, estimates: estimates,
                                 scheduler: scheduler, configuration: configuration, wallClock: wallClock)
        let a = accelerators.count
        var running = [Bool](repeating: false, count: a)
        var ends = [Int64](repeating: .max, count: a)
        var started = [Int64](repeating: 0, count: a)
        var work = [(macs: Int64, dram: Int64)](repeating: (0, 0), count: a)
        var now: Int64 = 0
        let stopAt = workload.durationNs + drainNs
        while true {
            let nextEnd = ends.min() ?? .max
            let nextRelease = core.nextReleaseNs ?? .max
            let t = min(nextEnd, nextRelease)
            if t == .max || t > stopAt { break }
            now = t
            for i in 0..<a where running[i] && ends[i] <= now {
                running[i] = false
                let m = BlockMeasurement(startNs: started[i], endNs: ends[i], macs: work[i].macs,
                                         bytes: (0, 0, 0, work[i].dram), cpu: -1,
                                         busyCoreNs: (ends[i] - started[i]) * Int64(accelerators[i].coreCount))
                ends[i] = .max
                core.blockFinished(accelerator: Int32(i), measurement: m)
            }
            core.releaseDue(now: now)
            core.schedule(now: now)
            for d in core.outbox {
                let i = Int(d.accelerator)
                var duration = 0.0
                var macs: Int64 = 0, dram: Int64 = 0
                let layers = workload.streams[Int(d.stream)].variants[Int(d.variant)].layers
                for l in core.layerIndices(of: d) {
                    duration += truth.latencyNs(stream: Int(d.stream), variant: Int(d.variant), layer: Int(l), accelerator: i)
                    macs += Int64(layers[Int(l)].macs)
                    dram += Int64(layers[Int(l)].compulsoryBytes)
                }
                running[i] = true
                started[i] = now
                ends[i] = now + max(1, Int64(duration.rounded()))
                work[i] = (macs, dram)
            }
            if core.isIdle && !running.contains(true) { break }
        }
        core.finish(now: now)
        return core
    }
}
