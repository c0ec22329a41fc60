import DreamCore
import DreamEngine
import DreamKernels
import DreamPlatform
import Foundation
import Synchronization

/// One emulated accelerator: a worker thread pinned to its first core (plus, for k cores, a
/// kernel team over all k) that executes the blocks the coordinator posts to its doorbell.
///
/// The coordinator writes `pending` and the block's layer list, then rings; the worker reads
/// them after the ring (the doorbell's release/acquire orders the two), so exactly one block is
/// outstanding per accelerator and no lock is taken on the execution path.
final class AcceleratorWorker: @unchecked Sendable {
    let index: Int
    let accelerator: ResolvedAccelerator
    let doorbell = Doorbell()
    /// Written by the coordinator before ringing; read by the worker after.
    let pending = UnsafeMutablePointer<Dispatch>.allocate(capacity: 1)
    let blockLayers: UnsafeMutablePointer<Int32>
    let blockCapacity: Int
    /// Prepared layers by stream, variant, layer.
    let layers: [[[PreparedLayer]]]
    let runner: LayerRunner
    let stopFlag = Atomic<Bool>(false)
    /// The earliest absolute time at which the worker may stop spinning (and so stop watching the
    /// release alarm): its spin window's end while idle, its start + the window while it executes
    /// (its next window starts later). The release timer reads it to know whether it is needed.
    let spinningUntil = Atomic<UInt64>(0)
    /// Busy time of executed blocks, for progress lines without the core's lock.
    let busyNs = Atomic<Int64>(0)
    let pinRequired: Bool
    /// The worker thread's Linux thread id (0 until it starts), for the interference monitor.
    let tid = Atomic<Int32>(0)

    // Owned by the worker thread until it is joined.
    private(set) var dispatchLatencyNs: [Int64] = []
    private(set) var parkedWakeups = 0
    private(set) var observedCPUs: Set<Int> = []
    private(set) var pinError: String?
    private let finished = DispatchSemaphore(value: 0)

    init(index: Int, accelerator: ResolvedAccelerator, layers: [[[PreparedLayer]]], runner: LayerRunner, maxBlockLayers: Int,
         pinRequired: Bool, expectedBlocks: Int) {
        self.index = index
        self.accelerator = accelerator
        self.layers = layers
        self.runner = runner
        self.pinRequired = pinRequired
        blockCapacity = max(1, maxBlockLayers)
        blockLayers = .allocate(capacity: blockCapacity)
        dispatchLatencyNs.reserveCapacity(expectedBlocks)
    }

    deinit {
        pending.deallocate()
        blockLayers.deallocate()
    }

    func start(body: @escaping @Sendable (AcceleratorWorker) -> Void) {
        let thread = Thread { [self] in
            ThreadPinning.setName("dream-\(accelerator.name)")
            tid.store(RealTime.threadID(), ordering: .releasing)
            if pinRequired {
                do { try ThreadPinning.pinCurrentThread(to: [accelerator.cpus[0]]) } catch { pinError = "\(error)" }
            }
            RealTime.enableFlushToZero()
            RealTime.setTimerSlack(nanoseconds: 1)
            body(self)
            finished.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func join() { finished.wait() }

    func requestStop() {
        stopFlag.store(true, ordering: .releasing)
        doorbell.ring()
    }

    /// The worker loop: wait, execute, report. `execute` returns the measurement; `report`
    /// hands it to the coordinator (which may post this worker's next block). While it spins
    /// idle, the worker also watches `alarm` (the next frame release) and calls `onAlarm` when
    /// it is due: on a machine with as many spinning workers as cores, the release timer could
    /// only run by preempting one of them.
    func loop(spinNs: UInt64, alarm: Alarm, clock: () -> Int64,
              onAlarm: (AcceleratorWorker) -> Void,
              execute: (AcceleratorWorker, Dispatch) -> BlockMeasurement,
              report: (AcceleratorWorker, Dispatch, BlockMeasurement) -> Void) {
        var seen: UInt32 = 0
        func windowEnd() -> UInt64 {
            let from = RealTime.nowNanoseconds()
            return spinNs > UInt64.max - from ? UInt64.max : from + spinNs
        }
        while true {
            let spinUntil = windowEnd()
            spinningUntil.store(spinUntil, ordering: .relaxed)
            var (count, wake) = doorbell.wait(seen: seen, spinUntilNs: spinUntil, alarm: alarm)
            while wake == .alarm {
                onAlarm(self)
                (count, wake) = doorbell.wait(seen: seen, spinUntilNs: spinUntil, alarm: alarm)
            }
            spinningUntil.store(windowEnd(), ordering: .relaxed)
            seen = count
            if stopFlag.load(ordering: .acquiring) { return }
            let d = pending.pointee
            let start = clock()
            dispatchLatencyNs.append(start - d.decidedNs)
            if wake == .rungAfterParking { parkedWakeups += 1 }
            var m = execute(self, d)
            busyNs.add(m.endNs - m.startNs, ordering: .relaxed)
            if let cpu = ThreadPinning.currentCPU() { observedCPUs.insert(cpu); m.cpu = Int32(cpu) }
            report(self, d, m)
        }
    }
}

/// Runs one prepared layer over all of an accelerator's cores.
protocol LayerRunner: Sendable {
    func run(_ layer: PreparedLayer, input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
             output: UnsafeMutablePointer<Float>) -> LayerWork
    func shutdown()
}

/// A one-core accelerator: the worker thread computes the whole layer.
struct SingleCoreRunner: LayerRunner {
    func run(_ layer: PreparedLayer, input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
             output: UnsafeMutablePointer<Float>) -> LayerWork {
        layer.run(input: input, residual: residual, output: output, partition: 0, of: 1)
    }
    func shutdown() {}
}
