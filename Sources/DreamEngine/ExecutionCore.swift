import DreamCore

/// A block of layers the driver must execute now.
public struct Dispatch: Sendable {
    public var accelerator: Int32
    public var slot: Int32
    public var frame: Int32
    public var stream: Int32
    public var variant: Int32
    /// Positions [first, end) in the frame's executed layers; `layerIndices` are the variant's.
    public var first: Int32
    public var end: Int32
    public var decidedNs: Int64
    public var estimatedNs: Double
}

/// The engine shared by the live runtime and the simulator (as NIOEmbedded shares NIO's
/// pipeline): it owns the jobs, applies the workload's rules (releases, cascades, drops,
/// bounded queues), asks the policy for decisions on every batch of events, checks and applies
/// them, and records everything. Drivers feed it events with times and execute its dispatches.
///
/// Not thread-safe: one owner at a time (the live runtime keeps it in a Mutex).
public final class ExecutionCore {
    public struct Configuration: Sendable {
        /// Released, unfinished frames allowed per stream before the oldest unstarted one is
        /// dropped: keeps queues bounded under overload.
        public var maxPendingPerStream: Int = 8
        /// Drop frames whose deadline passed before any layer started (XRBench's rule).
        public var dropUnstartedAfterDeadline = true
        public init() {}
    }

    public let workload: EngineWorkload
    public let state: SchedulerState
    public let scheduler: Scheduler
    public let configuration: Configuration
    /// The policy asks for the hopeless-frame drop (read once: it is fixed per policy).
    private let dropsHopeless: Bool

    public private(set) var frames: [FrameRecord]
    public private(set) var blocks: [BlockRecord] = []
    /// Wall time of every `decide` call, ns (measured even in simulation: it is real overhead).
    public private(set) var decisionNs: [Int64] = []
    public private(set) var outbox: [Dispatch] = []

    /// Non-cascade frames in release order, and the next one to release.
    private let timed: [Int32]
    private var nextTimed = 0
    private var freeSlots: [Int32] = []
    private var slotOfFrame: [Int32]
    private var decisions = Decisions(capacity: 256)
    private var pendingPerStream: [Int]
    private let clock: @Sendable () -> UInt64
    private var finished = false
    /// Called when a frame is released into `slot` (with the slot its cascade upstream just
    /// completed in): the live runtime moves the upstream's output into the new job's input.
    public var onRelease: ((_ slot: Int32, _ upstreamSlot: Int32?) -> Void)?
    /// The live driver's clock, in `now`'s time base: dispatches are stamped `decidedNs` when
    /// `decide` has returned, so dispatch latency excludes the decision (measured apart in
    /// `decisionNs`). Nil (the simulator): stamped `now`.
    public var decisionStamp: (() -> Int64)?

    public init(workload: EngineWorkload, accelerators: [ResolvedAccelerator], estimates: EstimateTable,
                scheduler: Scheduler, configuration: Configuration = .init(),
                wallClock: @escaping @Sendable () -> UInt64) {
        self.workload = workload
        self.scheduler = scheduler
        self.configuration = configuration
        self.dropsHopeless = scheduler.dropsHopelessFrames
        self.clock = wallClock
        state = SchedulerState(streams: workload.streams, accelerators: accelerators, estimates: estimates)
        pending = [PendingBlock](repeating: PendingBlock(), count: accelerators.count)
        frames = workload.frames.map {
            FrameRecord(frame: Int32($0.id), stream: Int32($0.stream), sequence: Int32($0.sequence), variant: 0,
                        scheduledReleaseNs: $0.releaseNs, releaseNs: -1, deadlineNs: $0.deadlineNs,
                        startNs: -1, completionNs: -1, outcome: .dropped, dropReason: nil,
                        skippedBlocks: Int32($0.skipMask.nonzeroBitCount), energyJ: 0)
        }
        timed = workload.frames.filter { $0.upstream == nil }.sorted { ($0.releaseNs, $0.id) < ($1.releaseNs, $1.id) }.map { Int32($0.id) }
        slotOfFrame = [Int32](repeating: -1, count: workload.frames.count)
        pendingPerStream = [Int](repeating: 0, count: workload.streams.count)
        outcomeKnown = [Bool](repeating: false, count: workload.frames.count)
        blocks.reserveCapacity(workload.frames.count * 4)
        decisionNs.reserveCapacity(workload.frames.count * 4)
        scheduler.attach(to: state)
    }

    private var outcomeKnown: [Bool]

    // MARK: driver API

    /// The scheduled time of the next periodic release, or nil when all are released.
    public var nextReleaseNs: Int64? { nextTimed < timed.count ? workload.frames[Int(timed[nextTimed])].releaseNs : nil }

    /// Releases every periodic frame due by `now`; returns how many.
    @discardableResult
    public func releaseDue(now: Int64) -> Int {
        state.now = now
        var n = 0
        while nextTimed < timed.count, workload.frames[Int(timed[nextTimed])].releaseNs <= now {
            release(frame: Int(timed[nextTimed]), now: now)
            nextTimed += 1
            n += 1
        }
        return n
    }

    /// Records the end of a dispatched block.
    public func blockFinished(accelerator: Int32, measurement m: BlockMeasurement) {
        let now = m.endNs
        state.now = max(state.now, now)
        let slot = state.accelerators[Int(accelerator)].runningSlot
        precondition(slot >= 0, "block finished on an idle accelerator")
        var job = state.jobs[Int(slot)]
        let first = job.next
        let pendingBlock = pending[Int(accelerator)]
        let end = pendingBlock.end
        job.next = end
        job.runningOn = -1
        job.lastRanNs = now
        state.jobs[Int(slot)] = job
        state.accelerators[Int(accelerator)].runningSlot = -1
        state.estimates.correct(stream: Int(job.stream), variant: Int(job.variant), layers: job.layers[Int(first)..<Int(end)],
                                accelerator: Int(accelerator), measuredNs: Double(m.endNs - m.startNs))
        let acc = state.accelerators[Int(accelerator)].description
        let energy = acc.power.energy(cores: acc.coreCount, wallSeconds: 0, busyCoreSeconds: Double(m.busyCoreNs) * 1e-9,
                                      macs: Double(m.macs), l1: Double(m.bytes.0), l2: Double(m.bytes.1),
                                      llc: Double(m.bytes.2), dram: Double(m.bytes.3))
        blocks.append(BlockRecord(frame: job.frame, stream: job.stream, variant: job.variant, accelerator: accelerator,
                                  firstLayer: first, endLayer: end, decidedNs: pendingBlock.decidedNs,
                                  startNs: m.startNs, endNs: m.endNs, macs: m.macs, bytesL1: m.bytes.0, bytesL2: m.bytes.1,
                                  bytesLLC: m.bytes.2, bytesDRAM: m.bytes.3, cpu: m.cpu, busyCoreNs: m.busyCoreNs, energyJ: energy))
        frames[Int(job.frame)].energyJ += energy
        if frames[Int(job.frame)].startNs < 0 { frames[Int(job.frame)].startNs = m.startNs }
        scheduler.observe(.blockFinished(slot: slot, accelerator: accelerator, measuredNs: m.endNs - m.startNs,
                                          estimatedNs: pendingBlock.estimatedNs), state: state)
        if job.next >= Int32(job.layers.count) {
            complete(slot: slot, now: now)
        } else {
            state.recomputeRemaining(slot)
        }
    }

    /// Applies the runtime's rules, asks the policy, applies its decisions and fills `outbox`
    /// with the blocks to start now. Call after each batch of events.
    public func schedule(now: Int64) {
        state.now = max(state.now, now)
        outbox.removeAll(keepingCapacity: true)
        if configuration.dropUnstartedAfterDeadline { dropLateUnstarted(now: state.now) }
        if dropsHopeless { dropHopeless(now: state.now) }
        guard !state.active.isEmpty else { return }
        decisions.removeAll()
        let t0 = clock()
        scheduler.decide(state, into: &decisions)
        let t1 = clock()
        decisionNs.append(Int64(t1 &- t0))
        let decided = max(state.now, decisionStamp?() ?? state.now)
        for d in decisions.items { apply(d, now: state.now, decided: decided) }
    }

    /// Ends the run at `now`: frames not finished are dropped (`runEnded`); running blocks are
    /// abandoned (the driver must have drained them to count their work).
    public func finish(now: Int64) {
        guard !finished else { return }
        finished = true
        for slot in state.active { endFrame(slot: slot, outcome: .dropped, reason: .runEnded, now: now, notify: false) }
        state.active.removeAll()
        for f in workload.frames where !outcomeKnown[f.id] {
            frames[f.id].outcome = .dropped
            frames[f.id].dropReason = frames[f.id].releaseNs < 0 && f.upstream != nil ? .upstreamDropped : .runEnded
            outcomeKnown[f.id] = true
        }
    }

    /// True when nothing is released-and-unfinished and no periodic frame is left.
    public var isIdle: Bool { state.active.isEmpty && nextTimed >= timed.count }
    public var isFinished: Bool { finished }
    /// Counts of ended frames so far (for progress lines).
    public var outcomeCounts: (met: Int, missed: Int, dropped: Int) {
        var c = (met: 0, missed: 0, dropped: 0)
        for (i, f) in frames.enumerated() where outcomeKnown[i] {
            switch f.outcome {
            case .met: c.met += 1
            case .missed: c.missed += 1
            case .dropped: c.dropped += 1
            }
        }
        return c
    }
    /// Upper bound on job slots: streams times the per-stream queue bound.
    public var maxSlots: Int { workload.streams.count * configuration.maxPendingPerStream }
    public var runningBlocks: Int { state.accelerators.reduce(0) { $0 + ($1.isIdle ? 0 : 1) } }

    // MARK: internals

    /// What `blockFinished` needs of the block running on each accelerator.
    private struct PendingBlock {
        var end: Int32 = 0
        var decidedNs: Int64 = 0
        /// The estimate it was dispatched with (`Dispatch.estimatedNs`), before
        /// `EstimateTable.correct` moves the table towards its measurement.
        var estimatedNs: Double = 0
    }
    private var pending: [PendingBlock] = []

    private func release(frame id: Int, now: Int64, upstreamSlot: Int32? = nil) {
        let f = workload.frames[id]
        frames[id].releaseNs = now
        let stream = f.stream
        if pendingPerStream[stream] >= configuration.maxPendingPerStream {
            // Overload: the oldest unstarted frame of the stream gives way (or this one).
            if let victim = state.active.first(where: { state.jobs[Int($0)].stream == Int32(stream) && !state.jobs[Int($0)].hasStarted }) {
                drop(slot: victim, reason: .queueFull, now: now)
            } else {
                endUnreleased(frame: id, reason: .queueFull, now: now)
                return
            }
        }
        let slot: Int32
        if let s = freeSlots.popLast() {
            slot = s
        } else {
            slot = Int32(state.jobs.count)
            state.jobs.append(Job(slot: slot, frame: 0, stream: 0, variant: 0, releaseNs: 0, deadlineNs: 0, next: 0, lastRanNs: 0, runningOn: -1, layers: []))
            state.remaining.append(contentsOf: repeatElement(0, count: state.acceleratorCount))
        }
        let layers = workload.streams[stream].variants[0].executedLayers(skipMask: f.skipMask)
        state.jobs[Int(slot)] = Job(slot: slot, frame: Int32(id), stream: Int32(stream), variant: 0, releaseNs: now,
                                    deadlineNs: f.deadlineNs, next: 0, lastRanNs: now, runningOn: -1, layers: layers)
        state.recomputeRemaining(slot)
        slotOfFrame[id] = slot
        state.active.append(slot)
        pendingPerStream[stream] += 1
        onRelease?(slot, upstreamSlot)
        scheduler.observe(.frameReleased(slot: slot, stream: Int32(stream)), state: state)
        if layers.isEmpty { complete(slot: slot, now: now) }
    }

    private func complete(slot: Int32, now: Int64) {
        let job = state.jobs[Int(slot)]
        let met = now <= job.deadlineNs
        endFrame(slot: slot, outcome: met ? .met : .missed, reason: nil, now: now, notify: true)
        scheduler.observe(.frameCompleted(stream: job.stream, latencyNs: now - job.releaseNs, deadlineNs: job.deadlineNs, met: met,
                                          energyJ: frames[Int(job.frame)].energyJ), state: state)
        for d in workload.dependents[Int(job.frame)] where !outcomeKnown[d] && !finished {
            release(frame: d, now: max(now, 0), upstreamSlot: slot)
        }
    }

    private func drop(slot: Int32, reason: DropReason, now: Int64) {
        let job = state.jobs[Int(slot)]
        endFrame(slot: slot, outcome: .dropped, reason: reason, now: now, notify: true)
        dropDependents(of: Int(job.frame), now: now)
    }

    private func endUnreleased(frame id: Int, reason: DropReason, now: Int64) {
        frames[id].outcome = .dropped
        frames[id].dropReason = reason
        outcomeKnown[id] = true
        scheduler.observe(.frameDropped(stream: Int32(workload.frames[id].stream), reason: reason), state: state)
        dropDependents(of: id, now: now)
    }

    private func dropDependents(of frame: Int, now: Int64) {
        for d in workload.dependents[frame] where !outcomeKnown[d] {
            endUnreleased(frame: d, reason: .upstreamDropped, now: now)
        }
    }

    private func endFrame(slot: Int32, outcome: FrameOutcome, reason: DropReason?, now: Int64, notify: Bool) {
        let job = state.jobs[Int(slot)]
        let id = Int(job.frame)
        frames[id].outcome = outcome
        frames[id].dropReason = reason
        frames[id].variant = job.variant
        if outcome != .dropped { frames[id].completionNs = now }
        outcomeKnown[id] = true
        pendingPerStream[Int(job.stream)] -= 1
        slotOfFrame[id] = -1
        if notify, let i = state.active.firstIndex(of: slot) { state.active.remove(at: i) }
        if notify { freeSlots.append(slot) }
        if outcome == .dropped, notify {
            scheduler.observe(.frameDropped(stream: job.stream, reason: reason ?? .scheduler), state: state)
        }
    }

    private func dropLateUnstarted(now: Int64) {
        var i = 0
        while i < state.active.count {
            let slot = state.active[i]
            let j = state.jobs[Int(slot)]
            if !j.hasStarted && j.deadlineNs < now {
                drop(slot: slot, reason: .deadlineBeforeStart, now: now)   // removes it from `active`
            } else {
                i += 1
            }
        }
    }

    /// `HopelessDrop`'s rule: a frame not running whose remaining layers take longer on every
    /// accelerator than the time left to its deadline.
    private func dropHopeless(now: Int64) {
        var i = 0
        while i < state.active.count {
            let slot = state.active[i]
            let j = state.jobs[Int(slot)]
            if !j.isRunning && Double(now) + state.bestRemainingNs(slot) > Double(j.deadlineNs) {
                drop(slot: slot, reason: .scheduler, now: now)   // removes it from `active`
            } else {
                i += 1
            }
        }
    }

    private func isActive(_ slot: Int32) -> Bool {
        slot >= 0 && Int(slot) < state.jobs.count && slotOfFrame[Int(state.jobs[Int(slot)].frame)] == slot
    }

    private func apply(_ d: Decision, now: Int64, decided: Int64) {
        switch d {
        case .run(let slot, let layers, let acc):
            guard isActive(slot), acc >= 0, Int(acc) < state.acceleratorCount, layers > 0 else { return }
            var job = state.jobs[Int(slot)]
            guard !job.isRunning, state.accelerators[Int(acc)].isIdle, job.remainingLayers > 0 else { return }
            let end = job.next + min(layers, job.remainingLayers)
            let estimate = state.blockNs(slot, count: end - job.next, on: Int(acc))
            job.runningOn = acc
            state.jobs[Int(slot)] = job
            state.accelerators[Int(acc)].runningSlot = slot
            state.accelerators[Int(acc)].busyUntilNs = now + Int64(estimate)
            pending[Int(acc)] = PendingBlock(end: end, decidedNs: decided, estimatedNs: estimate)
            outbox.append(Dispatch(accelerator: acc, slot: slot, frame: job.frame, stream: job.stream, variant: job.variant,
                                   first: job.next, end: end, decidedNs: decided, estimatedNs: estimate))
        case .drop(let slot):
            guard isActive(slot), !state.jobs[Int(slot)].isRunning else { return }
            drop(slot: slot, reason: .scheduler, now: now)
        case .switchVariant(let slot, let variant):
            guard isActive(slot) else { return }
            var job = state.jobs[Int(slot)]
            let stream = workload.streams[Int(job.stream)]
            guard !job.hasStarted, variant >= 0, Int(variant) < stream.variants.count, variant != job.variant else { return }
            job.variant = variant
            job.layers = stream.variants[Int(variant)].executedLayers(skipMask: workload.frames[Int(job.frame)].skipMask)
            state.jobs[Int(slot)] = job
            state.recomputeRemaining(slot)
        }
    }

    /// The layers (variant's specs) of a dispatch, for executors.
    public func layerIndices(of d: Dispatch) -> ArraySlice<Int32> {
        state.jobs[Int(d.slot)].layers[Int(d.first)..<Int(d.end)]
    }
}
