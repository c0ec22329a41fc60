import DreamCore

/// A released frame that still has layers to run.
public struct Job: Sendable {
    public let slot: Int32
    public let frame: Int32
    public let stream: Int32
    public internal(set) var variant: Int32
    public let releaseNs: Int64
    public let deadlineNs: Int64
    /// Position of the next layer in `layers`.
    public internal(set) var next: Int32
    /// When the job last finished a block (its release before that): for starvation terms.
    public internal(set) var lastRanNs: Int64
    /// The accelerator running it, or -1.
    public internal(set) var runningOn: Int32
    /// Indices (into the variant's layers) of the layers this frame executes: skips applied.
    public internal(set) var layers: [Int32]

    public var isRunning: Bool { runningOn >= 0 }
    public var hasStarted: Bool { next > 0 || runningOn >= 0 }
    @inlinable public var remainingLayers: Int32 { Int32(layers.count) - next }
}

/// An accelerator as a policy sees it.
public struct AcceleratorState: Sendable {
    public let index: Int32
    public let description: ResolvedAccelerator
    /// The job slot it runs, or -1 when idle.
    public internal(set) var runningSlot: Int32
    /// Estimated end of its current block.
    public internal(set) var busyUntilNs: Int64
    public var isIdle: Bool { runningSlot < 0 }
}

/// The state a policy reads: owned by `ExecutionCore`, read-only to policies.
///
/// Exclusivity is not checked at run time: the core is the only writer and never writes while a
/// policy reads (a policy runs inside the core's `schedule`/`observe` calls), and the dynamic
/// checks cost more than the reads they guard on the decision path.
public final class SchedulerState: @unchecked Sendable {
    @exclusivity(unchecked) public internal(set) var now: Int64 = 0
    public let streams: [StreamDescription]
    @exclusivity(unchecked) public internal(set) var accelerators: [AcceleratorState]
    /// Job storage by slot; only slots in `active` are meaningful.
    @exclusivity(unchecked) public internal(set) var jobs: [Job] = []
    /// Slots of released, unfinished jobs, oldest release first.
    @exclusivity(unchecked) public internal(set) var active: [Int32] = []
    @exclusivity(unchecked) public internal(set) var estimates: EstimateTable
    /// Remaining estimated latency per (slot, accelerator), kept current by the core.
    @exclusivity(unchecked) var remaining: [Double] = []

    init(streams: [StreamDescription], accelerators: [ResolvedAccelerator], estimates: EstimateTable) {
        self.streams = streams
        self.accelerators = accelerators.enumerated().map {
            AcceleratorState(index: Int32($0.offset), description: $0.element, runningSlot: -1, busyUntilNs: 0)
        }
        self.estimates = estimates
    }

    @inlinable public var acceleratorCount: Int { accelerators.count }

    @inline(__always)
    public func job(_ slot: Int32) -> Job { jobs[Int(slot)] }

    /// The job slots, the active list and the accelerators in place, for a policy's decision
    /// loop. Inlined from here, the access keeps the property's `@exclusivity(unchecked)`; a
    /// client module's own `state.jobs.withUnsafeBufferPointer` gets a dynamic exclusivity
    /// check (runtime calls) each time.
    @inlinable @inline(__always)
    public func withJobs<R>(_ body: (UnsafeBufferPointer<Job>) -> R) -> R { jobs.withUnsafeBufferPointer(body) }
    @inlinable @inline(__always)
    public func withActive<R>(_ body: (UnsafeBufferPointer<Int32>) -> R) -> R { active.withUnsafeBufferPointer(body) }
    @inlinable @inline(__always)
    public func withAccelerators<R>(_ body: (UnsafeBufferPointer<AcceleratorState>) -> R) -> R {
        accelerators.withUnsafeBufferPointer(body)
    }

    /// Estimated time to run all remaining layers of `slot` on `accelerator`.
    @inline(__always)
    public func remainingNs(_ slot: Int32, on accelerator: Int) -> Double {
        remaining[Int(slot) * accelerators.count + accelerator]
    }

    /// The least remaining time of `slot` over all accelerators (busy or not).
    @inline(__always)
    public func bestRemainingNs(_ slot: Int32) -> Double {
        var best = Double.infinity
        for a in 0..<acceleratorCount { best = min(best, remainingNs(slot, on: a)) }
        return best
    }

    /// Estimated latency of the job's layer at position `position` (of its executed list).
    /// Reads the job in place: binding it to a local would copy (and retain) its layer list.
    @inlinable @inline(__always)
    public func layerNs(_ slot: Int32, position: Int32, on accelerator: Int) -> Double {
        jobs.withUnsafeBufferPointer { js in
            let s = Int(slot)
            return estimates.latencyNs(stream: Int(js[s].stream), variant: Int(js[s].variant),
                                       layer: Int(js[s].layers[Int(position)]), accelerator: accelerator)
        }
    }

    /// The least estimated latency of that layer over every accelerator.
    @inlinable @inline(__always)
    public func fastestLayerNs(_ slot: Int32, position: Int32) -> Double {
        jobs.withUnsafeBufferPointer { js in
            let s = Int(slot)
            return estimates.fastestNs(stream: Int(js[s].stream), variant: Int(js[s].variant), layer: Int(js[s].layers[Int(position)]))
        }
    }

    @inline(__always)
    public func layerEnergyJ(_ slot: Int32, position: Int32, on accelerator: Int) -> Double {
        jobs.withUnsafeBufferPointer { js in
            let s = Int(slot)
            return estimates.energyJ(stream: Int(js[s].stream), variant: Int(js[s].variant),
                                     layer: Int(js[s].layers[Int(position)]), accelerator: accelerator)
        }
    }

    /// Estimated latency of the next `count` layers of `slot` on `accelerator`.
    public func blockNs(_ slot: Int32, count: Int32, on accelerator: Int) -> Double {
        jobs.withUnsafeBufferPointer { js in
            let s = Int(slot)
            let end = min(js[s].next + count, Int32(js[s].layers.count))
            var total = 0.0
            var p = js[s].next
            while p < end {
                total += estimates.latencyNs(stream: Int(js[s].stream), variant: Int(js[s].variant),
                                             layer: Int(js[s].layers[Int(p)]), accelerator: accelerator)
                p += 1
            }
            return total
        }
    }

    /// Estimated latency of the whole variant `variant` of `stream` on `accelerator` (no skips).
    public func variantNs(stream: Int, variant: Int, on accelerator: Int) -> Double {
        var t = 0.0
        for l in 0..<streams[stream].variants[variant].layers.count {
            t += estimates.latencyNs(stream: stream, variant: variant, layer: l, accelerator: accelerator)
        }
        return t
    }

    func recomputeRemaining(_ slot: Int32) {
        let j = jobs[Int(slot)]
        let base = Int(slot) * accelerators.count
        remaining.withUnsafeMutableBufferPointer { r in
            estimates.sumLatencies(stream: Int(j.stream), variant: Int(j.variant), layers: j.layers[Int(j.next)...],
                                   into: r.baseAddress! + base)
        }
    }
}
