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
    /// `[stream][accelerator]` multipliers of the truth's latencies (1 where absent): the speed
    /// a live run met (`LiveSpeed.factors`). Busy energy follows the longer blocks.
    public var latencyFactors: [[Double]] = []
    /// Per accelerator, multipliers each block's duration is drawn from (uniformly, seeded by
    /// `jitterSeed`; none where empty): a live run's block-to-block spread (`LiveSpeed.blockSpread`),
    /// so a schedule that is only just feasible at the mean speed meets the same near-misses.
    public var blockJitter: [[Double]] = []
    public var jitterSeed: UInt64 = 1
    /// true: `blockJitter` draws once per layer of a block (each layer's time its own draw), as
    /// live spread behaves: one-layer blocks vary most, long blocks average their layers' spread
    /// (issue 16, tenth pass). false: one draw per block (a live run's measured block spread).
    public var jitterPerLayer = false
    /// Log-normal sigma of a multiplier of each layer's true time on each accelerator, drawn once
    /// per run (seeded by `jitterSeed`; 0: none): the error of a cost model that is right on
    /// average but off per layer, as the estimates of a live run are (they are the same for every
    /// frame, so unlike the jitter they do not average out over frames).
    public var layerBiasSigma = 0.0
    /// Log-normal sigma of a speed multiplier per accelerator, drawn anew every
    /// `speedDriftWindowNs` of simulated time (seeded by `jitterSeed`; 0: none), applied to every
    /// block that starts in the window: live block speed drifts at that scale, so slow blocks come
    /// together (issue 16, fifteenth pass: 50 ms means of a live run's block-time residuals spread
    /// 0.04-0.13, 3-6x what independent blocks would give). Independent per-block or per-layer
    /// draws (`blockJitter`) average out within a frame; a drift does not.
    public var speedDriftSigma = 0.0
    public var speedDriftWindowNs: Int64 = 50_000_000
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
        var truth = EstimateTable(workload: workload, accelerators: accelerators, model: costs)
        for (stream, row) in latencyFactors.enumerated() where stream < workload.streams.count {
            for (acc, f) in row.enumerated() where acc < accelerators.count && f != 1 {
                truth.scale(stream: stream, accelerator: acc, by: f)
            }
        }
        let core = ExecutionCore(workload: workload, accelerators: accelerators, estimates: estimates,
                                 scheduler: scheduler, configuration: configuration, wallClock: wallClock)
        let a = accelerators.count
        var running = [Bool](repeating: false, count: a)
        var ends = [Int64](repeating: .max, count: a)
        var started = [Int64](repeating: 0, count: a)
        // What each layer counts when it runs (the kernels' counts where the model has them),
        // flat in the estimate tables' order: `truth.index` finds an entry.
        var counted: [LayerWork] = []
        for stream in workload.streams {
            for v in stream.variants { for layer in v.layers { for acc in accelerators { counted.append(costs.work(of: layer, on: acc)) } } }
        }
        let layerBias = Simulator.logNormalSpread(sigma: layerBiasSigma, count: counted.count, seed: jitterSeed, key: "sim/layer-bias")
        var work = [LayerWork](repeating: .zero, count: a)
        var jitter = DreamRandom(seed: jitterSeed, key: "sim/block-jitter")
        var now: Int64 = 0
        let stopAt = workload.durationNs + drainNs
        let driftWindowNs = max(1, speedDriftWindowNs)
        let driftWindows = speedDriftSigma > 0 ? Int(stopAt / driftWindowNs) + 2 : 0
        let drift = (0..<a).map { Simulator.logNormalSpread(sigma: speedDriftSigma, count: driftWindows, seed: jitterSeed, key: "sim/speed-drift/\($0)") }
        while true {
            let nextEnd = ends.min() ?? .max
            let nextRelease = core.nextReleaseNs ?? .max
            let t = min(nextEnd, nextRelease)
            if t == .max || t > stopAt { break }
            now = t
            for i in 0..<a where running[i] && ends[i] <= now {
                running[i] = false
                let m = BlockMeasurement(startNs: started[i], endNs: ends[i], work: work[i], cpu: -1,
                                         busyCoreNs: (ends[i] - started[i]) * Int64(accelerators[i].coreCount))
                ends[i] = .max
                core.blockFinished(accelerator: Int32(i), measurement: m)
            }
            core.releaseDue(now: now)
            core.schedule(now: now)
            for d in core.outbox {
                let i = Int(d.accelerator)
                var duration = 0.0
                var blockWork = LayerWork()
                let layers = workload.streams[Int(d.stream)].variants[Int(d.variant)].layers
                let indices = core.layerIndices(of: d)
                let spread = i < blockJitter.count && !blockJitter[i].isEmpty ? blockJitter[i] : []
                for l in indices {
                    let k = truth.index(stream: Int(d.stream), variant: Int(d.variant), layer: Int(l), accelerator: i)
                    var layerNs = truth.latencyNs(at: k)
                    if k < layerBias.count { layerNs *= layerBias[k] }
                    if jitterPerLayer && !spread.isEmpty { layerNs *= spread[Int(jitter.next() % UInt64(spread.count))] }
                    duration += layerNs
                    blockWork += counted[k]
                }
                // The context restore and save around the block, as the live runtime counts them.
                if let first = indices.first, let last = indices.last {
                    blockWork.dram += BlockMeasurement.contextCopyBytesPerElement
                        * (layers[Int(first)].inputElements + layers[Int(last)].outputElements)
                }
                if !jitterPerLayer && !spread.isEmpty {
                    duration *= spread[Int(jitter.next() % UInt64(spread.count))]
                }
                if !drift[i].isEmpty { duration *= drift[i][min(drift[i].count - 1, Int(now / driftWindowNs))] }
                running[i] = true
                started[i] = now
                ends[i] = now + max(1, Int64(duration.rounded()))
                work[i] = blockWork
            }
            if core.isIdle && !running.contains(true) { break }
        }
        core.finish(now: now)
        return core
    }
}
