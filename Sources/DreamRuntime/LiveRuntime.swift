import DreamCore
import DreamEngine
import DreamKernels
import DreamPlatform
import Foundation
import Synchronization

/// The live runtime: real layers on pinned cores in wall-clock time, driven by the same
/// `ExecutionCore` and policy objects as the simulator.
///
/// Threads: one worker per accelerator (pinned; k-core accelerators add a kernel team), and a
/// release timer. There is no coordinator thread: whoever has an event (a worker that finished
/// a block, the timer at a release) takes the core's lock, applies it, asks the policy and
/// rings the chosen workers. The core is the one owner of scheduling state; the lock is its
/// only door.
public final class LiveRuntime: @unchecked Sendable {
    public let workload: EngineWorkload
    public let topology: ResolvedTopology
    public let configuration: LiveConfiguration
    public let scheduler: Scheduler

    private let core: ExecutionCore
    private let lock = Mutex<Void>(())
    private let workers: [AcceleratorWorker]
    private let store: ActivationStore
    /// Per slot: the stream whose raw input the carry stands for (-1: the carry holds data).
    private let carryFromInput: UnsafeMutablePointer<Int>
    private let carryPointers: UnsafeMutablePointer<UnsafeMutablePointer<Float>?>
    private var t0: UInt64 = 0
    private let stopping = Atomic<Bool>(false)
    /// The next periodic release (absolute monotonic ns, `.max`: none), published by every lock
    /// holder; idle spinning workers watch it and release on time themselves.
    private let alarm = Alarm()
    /// The release timer's wake-up (see `armReleaseTimer`).
    private let releaseTimer: RearmableTimer
    /// Published by every lock holder, so the main thread polls without the lock: no frame left
    /// to release or running, no block running.
    private let quiescent = Atomic<Bool>(false)
    /// When a lock holder last applied events (ns since t0): the timer's idle tick counts from it.
    private let lastPassNs = Atomic<Int64>(0)
    /// Progress counts of frames [0, countedFrames) (all ended); owned by the main thread,
    /// updated under the lock.
    private var countedFrames = 0
    private var counted = (met: 0, missed: 0, dropped: 0)
    private let rapl = RAPLReader()
    private var monitor: InterferenceMonitor!
    #if DEBUG
    /// Test builds only: called by a worker before each block (e.g. to stall it).
    var testBlockHook: (@Sendable (_ accelerator: Int, _ dispatch: Dispatch) -> Void)?
    #endif

    /// Prepares everything (weights packed per accelerator, buffers on NUMA nodes); nothing is
    /// allocated once `run` starts except records.
    public init(workload: EngineWorkload, topology: ResolvedTopology, scheduler: Scheduler, estimates: CostModel,
                configuration: LiveConfiguration = .init()) throws {
        releaseTimer = try RearmableTimer()
        self.workload = workload
        self.topology = topology
        self.configuration = configuration
        self.scheduler = scheduler
        let accs = topology.accelerators
        let table = EstimateTable(workload: workload, accelerators: accs, model: estimates)
        core = ExecutionCore(workload: workload, accelerators: accs, estimates: table, scheduler: scheduler,
                             configuration: configuration.engine, wallClock: { RealTime.nowNanoseconds() })
        var maxElements = 16, maxLayers = 1
        for s in workload.streams {
            for v in s.variants {
                maxLayers = max(maxLayers, v.layers.count)
                for l in v.layers { maxElements = max(maxElements, l.inputElements, l.outputElements) }
            }
        }
        let inputs = workload.streams.map { $0.variants.map { $0.layers.first?.inputElements ?? 16 }.max() ?? 16 }
        store = try ActivationStore(elements: maxElements, slots: core.maxSlots + 1, acceleratorNodes: accs.map(\.numaNode), streamInputElements: inputs,
                                    seed: configuration.dataSeed)
        let slots = core.maxSlots + 1
        carryFromInput = .allocate(capacity: slots)
        carryFromInput.initialize(repeating: -1, count: slots)
        carryPointers = .allocate(capacity: slots)
        carryPointers.initialize(repeating: nil, count: slots)
        let expectedBlocks = workload.frames.count * 2
        workers = accs.enumerated().map { i, acc in
            let allocator = KernelAllocator.numa(node: acc.numaNode)
            // Layers of equal shape share one prepared copy per accelerator: XRBench models repeat
            // shapes heavily and distinct weights would need gigabytes. The work is unchanged; the
            // optimism is that back-to-back equal layers may find their weights still cached.
            var byShape: [LayerShapeKey: PreparedLayer] = [:]
            let prepared = workload.streams.map { stream in
                stream.variants.map { v in
                    v.layers.map { spec in
                        let key = LayerShapeKey(spec)
                        if let p = byShape[key] { return p }
                        let p = PreparedLayer(spec: spec, dataflow: acc.dataflow, partitions: acc.coreCount,
                                              seed: configuration.dataSeed &+ UInt64(byShape.count), allocator: allocator)
                        byShape[key] = p
                        return p
                    }
                }
            }
            let runner: LayerRunner = acc.coreCount > 1
                ? TeamRunner(cpus: acc.cpus, pin: topology.bindingAvailable, spinNs: configuration.spinWindowNs)
                : SingleCoreRunner()
            return AcceleratorWorker(index: i, accelerator: acc, layers: prepared, runner: runner, maxBlockLayers: maxLayers,
                                     pinRequired: topology.bindingAvailable, expectedBlocks: expectedBlocks)
        }
        monitor = InterferenceMonitor(targets: accs.map { .init(accelerator: $0.name, cpus: $0.cpus) },
                                      workerTIDs: { [unowned self] in workers.map { $0.tid.load(ordering: .acquiring) } },
                                      running: { [unowned self] in lock.withLockIfAvailable { _ in
                                          core.state.accelerators.indices.compactMap { i -> InterferenceMonitor.Running? in
                                              core.state.accelerators[i].isIdle ? nil : (i, workers[i].pending.pointee.decidedNs, workers[i].pending.pointee.estimatedNs)
                                          } } })
        core.onRelease = { [unowned self] slot, upstream in self.prepareCarry(slot: Int(slot), upstream: upstream.map(Int.init)) }
        core.decisionStamp = { [unowned self] in self.nowNs() }
    }

    deinit {
        carryFromInput.deallocate()
        carryPointers.deallocate()
    }

    private func nowNs() -> Int64 { Int64(RealTime.nowNanoseconds() &- t0) }

    // MARK: coordinator (called with the lock held)

    /// A released job's input: the stream's sensor frame, or its upstream's output (cascade).
    private func prepareCarry(slot: Int, upstream: Int?) {
        do { try store.ensureCarry(slot, node: topology.accelerators.first?.numaNode ?? 0) } catch {
            fatalError("out of memory for activations: \(error)")
        }
        carryPointers[slot] = store.carry[slot].floats()
        let stream = core.state.job(Int32(slot)).stream
        if let upstream, upstream != slot {
            if carryFromInput[upstream] >= 0 {
                carryFromInput[slot] = carryFromInput[upstream]
            } else {
                let n = min(store.carryElements[upstream], store.elements)
                carryPointers[slot]!.update(from: carryPointers[upstream]!, count: n)
                store.carryElements[slot] = n
                carryFromInput[slot] = -1
            }
        } else if upstream == nil {
            carryFromInput[slot] = Int(stream)
        }
    }

    /// Posts the core's outbox to the workers and rings those on other CPUs. A worker pinned to
    /// the caller's CPU is returned, to be rung after the lock is released: woken from parking,
    /// it would preempt the caller while the caller still holds the lock.
    private func distribute() -> AcceleratorWorker? {
        let cpu = ThreadPinning.currentCPU() ?? -1
        var local: AcceleratorWorker?
        for d in core.outbox {
            let w = workers[Int(d.accelerator)]
            let layers = core.layerIndices(of: d)
            var i = 0
            for l in layers { w.blockLayers[i] = l; i += 1 }
            w.pending.pointee = d
            if local == nil && w.accelerator.cpus.first == cpu { local = w; continue }
            w.doorbell.ring()
        }
        return local
    }

    /// Releases what is due, asks the policy, posts its dispatches and publishes what lock-free
    /// readers watch. With the lock held; ring the returned worker after releasing it.
    private func applyEvents(now: Int64) -> Posted {
        let released = core.releaseDue(now: now) > 0
        core.schedule(now: now)
        let late = distribute()
        publish(now: now)
        return Posted(late: late, released: released)
    }

    /// What a worker does after releasing the lock: ring the worker on its CPU, and when it
    /// released frames, move the release timer past them (so the timer does not wake for them).
    private struct Posted {
        var late: AcceleratorWorker?
        var released: Bool
        func finish(_ runtime: LiveRuntime) {
            late?.doorbell.ring()
            if released { runtime.armReleaseTimer() }
        }
    }

    private func publish(now: Int64) {
        alarm.atNanoseconds = core.nextReleaseNs.map { t0 &+ UInt64(max(0, $0)) } ?? .max
        quiescent.store(core.isIdle && core.runningBlocks == 0, ordering: .releasing)
        lastPassNs.store(now, ordering: .relaxed)
    }

    private func onBlockDone(_ worker: AcceleratorWorker, _ d: Dispatch, _ m: BlockMeasurement) {
        let posted: Posted? = lock.withLock { _ in
            core.blockFinished(accelerator: d.accelerator, measurement: m)
            if stopping.load(ordering: .acquiring) { return nil }
            return applyEvents(now: nowNs())
        }
        posted?.finish(self)
    }

    /// An idle spinning worker saw the release alarm. If the lock is taken, its holder may be
    /// releasing already; the worker retries on its next look at the alarm.
    private func onAlarm(_ worker: AcceleratorWorker) {
        let took: Posted?? = lock.withLockIfAvailable { _ in
            if stopping.load(ordering: .acquiring) { alarm.atNanoseconds = .max; return nil }
            return applyEvents(now: nowNs())
        }
        guard let posted = took else { RealTime.cpuRelax(); return }
        posted?.finish(self)
    }

    // MARK: execution (worker threads, no lock)

    private func execute(_ w: AcceleratorWorker, _ d: Dispatch) -> BlockMeasurement {
        let start = nowNs()
        #if DEBUG
        testBlockHook?(w.index, d)  // inside the block: a stalled kernel
        #endif
        let slot = Int(d.slot)
        let variant = w.layers[Int(d.stream)][Int(d.variant)]
        let count = Int(d.end - d.first)
        var work = LayerWork()
        var buffers = (w.accelerator.index, store.local[w.index].0.floats(), store.local[w.index].1.floats())
        // Load the job's activations into local memory (context restore).
        let first = variant[Int(w.blockLayers[0])].spec
        let source: UnsafeMutablePointer<Float>
        var loadElements: Int
        if carryFromInput[slot] >= 0 {
            source = store.inputs[carryFromInput[slot]].floats()
            loadElements = min(first.inputElements, store.inputs[carryFromInput[slot]].byteCount / 4)
        } else {
            source = carryPointers[slot]!
            loadElements = min(first.inputElements, store.carryElements[slot])
        }
        loadElements = max(0, loadElements)
        buffers.1.update(from: source, count: loadElements)
        work.dram += BlockMeasurement.contextCopyBytesPerElement * loadElements
        for i in 0..<count {
            let layer = variant[Int(w.blockLayers[i])]
            let input = UnsafePointer(buffers.1)
            // Skip connections join tensors of the add's shape; the layer input has it.
            let residual: UnsafePointer<Float>? = layer.spec.op == .add ? input : nil
            work += w.runner.run(layer, input: input, residual: residual, output: buffers.2)
            swap(&buffers.1, &buffers.2)
        }
        // Save the output as the job's context (context save).
        let last = variant[Int(w.blockLayers[count - 1])].spec
        let out = min(last.outputElements, store.elements)
        carryPointers[slot]!.update(from: buffers.1, count: out)
        store.carryElements[slot] = out
        carryFromInput[slot] = -1
        work.dram += BlockMeasurement.contextCopyBytesPerElement * out
        var end = nowNs()
        // A slower accelerator (speed factor < 1) stays busy for measured / factor.
        let speed = w.accelerator.speedFactor
        if speed < 1 {
            let until = start + Int64(Double(end - start) / speed)
            while nowNs() < until { RealTime.cpuRelax() }
            end = nowNs()
        }
        return BlockMeasurement(startNs: start, endNs: end, work: work, cpu: -1,
                                busyCoreNs: (end - start) * Int64(w.accelerator.coreCount))
    }

    // MARK: the run

    /// Runs the workload in real time: releases frames at their absolute CLOCK_MONOTONIC times,
    /// executes what the policy decides, and returns when every frame has ended (or at a stop
    /// signal, with `partial` set).
    public func run(progress: ((LiveProgress) -> Void)? = nil) -> LiveResult {
        StopSignals.install()
        let raplStart = rapl?.sample()
        t0 = RealTime.nowNanoseconds()
        monitor.start(now: 0)
        let spin = configuration.spinWindowNs
        lock.withLock { _ in publish(now: 0) }
        for w in workers {
            w.start { [unowned self] w in
                w.loop(spinNs: spin, alarm: alarm, clock: { self.nowNs() },
                       onAlarm: { self.onAlarm($0) },
                       execute: { self.execute($0, $1) },
                       report: { self.onBlockDone($0, $1, $2) })
            }
        }
        let timerDone = DispatchSemaphore(value: 0)
        let timer = Thread { [unowned self] in
            RealTime.setTimerSlack(nanoseconds: 1)
            // Optional SCHED_FIFO (see LiveConfiguration.realtimeTimer for why it is off).
            if configuration.realtimeTimer { RealTime.setFIFO(priority: 10) }
            self.releaseLoop()
            timerDone.signal()
        }
        timer.start()
        // The main thread watches: progress, the end, and stop signals.
        var partial = false
        var lastProgress: Int64 = 0
        var lastSample: Int64 = -1_000_000_000
        var rss: [(Int64, UInt64)] = []
        let endBy = workload.durationNs + configuration.drainNs
        while true {
            let wake = RealTime.nowNanoseconds() + 20_000_000
            RealTime.sleep(untilNanoseconds: wake)
            let now = nowNs()
            monitor.tick(now: now, late: now - Int64(wake &- t0))
            if StopSignals.received != nil { partial = true; break }
            if now - lastSample >= 1_000_000_000, let bytes = ProcessMemory.residentBytes() {
                lastSample = now
                rss.append((now, bytes))
            }
            let done = now >= workload.durationNs && quiescent.load(ordering: .acquiring)
            if done || now >= endBy { break }
            if let progress, now - lastProgress >= 1_000_000_000 {
                lastProgress = now
                var p = snapshot(now: now)
                p.interference = monitor.note
                progress(p)
            }
        }
        monitor.sample(now: nowNs())
        stopping.store(true, ordering: .releasing)
        alarm.atNanoseconds = .max
        releaseTimer.arm(atNanoseconds: RealTime.nowNanoseconds())
        timerDone.wait()
        // Let running blocks end (their work counts), then close the books.
        let waitUntil = nowNs() + 5_000_000_000
        while lock.withLock({ _ in core.runningBlocks }) > 0 && nowNs() < waitUntil {
            RealTime.sleep(untilNanoseconds: RealTime.nowNanoseconds() + 1_000_000)
        }
        let wall = nowNs()
        lock.withLock { _ in core.finish(now: wall) }
        for w in workers { w.requestStop() }
        for w in workers { w.join(); w.runner.shutdown() }
        let raplJ = raplStart.flatMap { s in rapl.map { $0.joules(from: s, to: $0.sample()) } }
        var result = LiveResult(core: core, workers: workers, wallNs: wall, partial: partial,
                                stopSignal: StopSignals.received, raplJ: raplJ, residentSamples: rss)
        result.interference = monitor.report(blocks: core.blocks, latenessNs: result.releaseLatenessNs)
        return result
    }

    /// Outcome counts scan only frames not yet counted (ended frames before the first unended one
    /// are folded in once): the lock is held for the few frames in flight, not for the whole run.
    private func snapshot(now: Int64) -> LiveProgress {
        let c: (met: Int, missed: Int, dropped: Int) = lock.withLock { _ in
            func ended(_ f: FrameRecord) -> Bool { f.outcome != .dropped || f.dropReason != nil }
            let frames = core.frames
            while countedFrames < frames.count, ended(frames[countedFrames]) {
                switch frames[countedFrames].outcome {
                case .met: counted.met += 1
                case .missed: counted.missed += 1
                case .dropped: counted.dropped += 1
                }
                countedFrames += 1
            }
            var c = counted
            var i = countedFrames
            // Frames are in release order; past the released ones nothing has ended yet.
            while i < frames.count, frames[i].scheduledReleaseNs <= now {
                if ended(frames[i]) {
                    switch frames[i].outcome {
                    case .met: c.met += 1
                    case .missed: c.missed += 1
                    case .dropped: c.dropped += 1
                    }
                }
                i += 1
            }
            return c
        }
        let busy = workers.map { min(1, Double($0.busyNs.load(ordering: .relaxed)) / Double(max(now, 1))) }
        return LiveProgress(elapsedNs: now, durationNs: workload.durationNs, met: c.met, missed: c.missed, dropped: c.dropped,
                            busyFraction: busy)
    }

    /// Releases frames at their absolute times when no worker will be spinning through the
    /// release (a spinning worker does it, see `onAlarm`, or a busy one at its block's end; the
    /// timer then only backs them up, in case all are in long blocks); also ticks so deadline
    /// drops and idle accelerators are handled when nothing else happens.
    private func releaseLoop() {
        while !stopping.load(ordering: .acquiring) {
            let target = armReleaseTimer()
            releaseTimer.wait()
            var woke = nowNs()
            if stopping.load(ordering: .acquiring) { return }
            // Armed early (see `timerLeadNs`): spin the rest of the way to the release.
            if woke < target && alarm.atNanoseconds <= t0 &+ UInt64(target) {
                while woke < target && !stopping.load(ordering: .relaxed) { RealTime.cpuRelax(); woke = nowNs() }
            }
            // Nothing to do when a worker released meanwhile and events were applied recently.
            let due = alarm.atNanoseconds <= t0 &+ UInt64(woke)
            if !due && woke - lastPassNs.load(ordering: .relaxed) < configuration.tickNs { continue }
            // Re-arms at the loop's top itself: only the ring is left for after the lock.
            let posted = lock.withLock { _ in applyEvents(now: nowNs()) }
            posted.late?.doorbell.ring()
        }
    }

    /// Arms the release timer for when it is needed (ns since t0): the next release if no worker
    /// will be spinning through it (armed `timerLeadNs` early), else that release + the backstop;
    /// at the latest one tick after the last applied events. Any thread may call it (a timerfd
    /// re-arm does not wake the timer): a worker that released frames moves it past the release
    /// it did. Returns the time the timer must act at.
    @discardableResult
    private func armReleaseTimer() -> Int64 {
        var wake = lastPassNs.load(ordering: .relaxed) + configuration.tickNs
        var early: Int64 = 0
        let at = alarm.atNanoseconds
        if at != .max {
            let backstop = configuration.releaseBackstopNs
            let next = Int64(at &- t0)
            let covered = workers.contains { $0.spinningUntil.load(ordering: .relaxed) >= at &+ UInt64(backstop) }
            if covered ? next + backstop < wake : next <= wake {
                wake = covered ? next + backstop : next
                early = covered ? 0 : configuration.timerLeadNs
            }
        }
        releaseTimer.arm(atNanoseconds: t0 &+ UInt64(max(0, wake - early)))
        return wake
    }
}
