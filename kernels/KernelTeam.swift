import DreamCore
import Dispatch
import Foundation
import Synchronization

/// k persistent threads that run one layer at a time across all k (partition i on thread i).
/// Threads are created once; between layers each spins on an atomic for `spinNanoseconds`
/// (a wake-up by spinning costs ~0.1-0.4 us, a parked thread ~15-40 us), then parks.
public final class KernelTeam: Sendable {
    public let size: Int
    private let shared: TeamState
    private let stopped = Atomic<Bool>(false)
    /// One slot per partition for `run(_:input:residual:output:)`, so it allocates nothing.
    private nonisolated(unsafe) let works: UnsafeMutablePointer<LayerWork>
    /// The job every layer call runs (made once).
    private let layerJob: @Sendable (Int) -> Void

    /// `setup(threadIndex)` runs first on each new thread (so the caller can pin it); the
    /// initializer returns once every thread has run it.
    public init(threads: Int, spinNanoseconds: UInt64 = 200_000,
                setup: @escaping @Sendable (Int) -> Void = { _ in }) {
        precondition(threads >= 1, "a team needs at least one thread")
        size = threads
        works = .allocate(capacity: threads)
        works.initialize(repeating: .zero, count: threads)
        shared = TeamState(threads: threads, spinNanoseconds: spinNanoseconds)
        layerJob = { [shared] p in
            guard let call = shared.call else { return }
            call.works[p] = call.layer.run(input: call.input, residual: call.residual,
                                           output: call.output, partition: p, of: call.parts)
        }
        let ready = DispatchSemaphore(value: 0)
        for index in 0..<threads {
            let state = shared
            let thread = Thread {
                setup(index)
                ready.signal()
                state.work(index)
            }
            thread.name = "dream-kernel-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in 0..<threads { ready.wait() }
    }

    deinit {
        shutdown()
        works.deallocate()
    }

    /// Runs `body(partition)` for partitions 0..<size, one per thread, and returns when all are
    /// done. Not reentrant: one layer at a time per team. (Making `body` escapable costs one
    /// small allocation per call; `run(_:input:residual:output:)` has none.)
    public func run(_ body: @Sendable (_ partition: Int) -> Void) {
        precondition(!stopped.load(ordering: .relaxed), "the team was shut down")
        withoutActuallyEscaping(body) { escapable in
            shared.launch(escapable)
        }
    }

    /// Runs `layer` split into `size` partitions, one per thread, and returns the summed work.
    /// The layer must have been prepared with at least `size` partitions. Allocates nothing: the
    /// threads run a job made once in `init`, which reads this call from a shared slot.
    public func run(_ layer: PreparedLayer, input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>) -> LayerWork {
        precondition(!stopped.load(ordering: .relaxed), "the team was shut down")
        shared.call = LayerCall(layer: layer, input: input, residual: residual, output: output,
                                works: works, parts: size)
        shared.launch(layerJob)
        shared.call = nil
        var total = LayerWork()
        for p in 0..<size { total += works[p] }
        return total
    }

    /// Stops and joins the threads (idempotent; also done on deinit).
    public func shutdown() {
        if stopped.exchange(true, ordering: .acquiringAndReleasing) { return }
        shared.stop()
    }
}

/// The pointers of one layer call, handed to the team's threads. Each partition writes only its
/// own output tiles and its own `works` slot, and `run` waits for all before returning.
struct LayerCall: @unchecked Sendable {
    let layer: PreparedLayer
    let input: UnsafePointer<Float>
    let residual: UnsafePointer<Float>?
    let output: UnsafeMutablePointer<Float>
    let works: UnsafeMutablePointer<LayerWork>
    let parts: Int
}

/// The state the threads share with the team (kept apart so threads don't retain the team).
private final class TeamState: Sendable {
    typealias Job = @Sendable (Int) -> Void

    private let threads: Int
    private let spinNanoseconds: UInt64
    /// Bumped to launch a layer; threads wait for it to move.
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    /// Written by the caller before the generation bump (sequentially consistent) and read by
    /// the threads after seeing it; cleared only after every thread has finished. A plain field,
    /// not a Mutex: taking a closure out of a generic container reallocates a thunk per call.
    private nonisolated(unsafe) var job: Job?
    /// The layer call of `KernelTeam.run(_:input:residual:output:)`, published the same way.
    nonisolated(unsafe) var call: LayerCall?
    private let quitting = Atomic<Bool>(false)
    private let slots: [Slot]
    private let caller = Slot()
    private let exited = DispatchSemaphore(value: 0)

    /// A parking place: `parked` says whether its owner sleeps (or is about to) on `wake`.
    final class Slot: Sendable {
        let parked = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)

        func signalIfParked() { if parked.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() } }

        /// Spins until `done()` or the spin window ends, then parks until signalled.
        /// `yielding`: give the core away on every spin (the caller may share a core with a
        /// team thread; the team threads own theirs).
        func await(spinNanoseconds: UInt64, yielding: Bool = false, _ done: () -> Bool) {
            let start = DispatchTime.now().uptimeNanoseconds
            var spins = 0
            while !done() {
                spins += 1
                if yielding { sched_yield() }
                if spins & 63 == 0 && DispatchTime.now().uptimeNanoseconds - start > spinNanoseconds {
                    parked.store(true, ordering: .sequentiallyConsistent)
                    if done() {
                        // Raced with the signaller: take our flag back or consume its signal.
                        if !parked.exchange(false, ordering: .sequentiallyConsistent) { wake.wait() }
                        return
                    }
                    wake.wait()
                    spins = 0
                }
            }
        }
    }

    init(threads: Int, spinNanoseconds: UInt64) {
        self.threads = threads
        self.spinNanoseconds = spinNanoseconds
        slots = (0..<threads).map { _ in Slot() }
    }

    func launch(_ body: @escaping Job) {
        job = body
        remaining.store(threads, ordering: .relaxed)
        generation.add(1, ordering: .sequentiallyConsistent)
        for slot in slots { slot.signalIfParked() }
        // The caller waits briefly spinning, then parks until the last thread signals it.
        caller.await(spinNanoseconds: spinNanoseconds, yielding: true) {
            remaining.load(ordering: .sequentiallyConsistent) == 0
        }
        job = nil
    }

    func work(_ index: Int) {
        var seen = 0
        let slot = slots[index]
        while true {
            slot.await(spinNanoseconds: spinNanoseconds) {
                generation.load(ordering: .sequentiallyConsistent) != seen
            }
            seen = generation.load(ordering: .acquiring)
            if quitting.load(ordering: .acquiring) { break }
            if let body = job { body(index) }
            if remaining.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 { caller.signalIfParked() }
        }
        exited.signal()
    }

    func stop() {
        quitting.store(true, ordering: .releasing)
        generation.add(1, ordering: .sequentiallyConsistent)
        for slot in slots { slot.signalIfParked() }
        for _ in 0..<threads { exited.wait() }
    }
}
