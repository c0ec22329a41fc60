import Foundation
import Synchronization
import Testing
import DreamCore
import DreamEngine
import DreamPlatform
import DreamSchedulers
@testable import DreamRuntime

/// A worker whose kernel stalls (the test-build hook `testBlockHook`, compiled only with DEBUG):
/// the runtime reports the block stuck past 10x its estimate, the stuck accelerator takes no
/// new work until it returns, and the run still ends on time with every frame accounted.
#if DEBUG   // the hook exists only in debug (test) builds
/// Part of the serialized LiveRuntimeTests suite: never alongside another in-process live run.
extension LiveRuntimeTests {
    final class StallRecord: @unchecked Sendable {
        let lock = Mutex<(done: Bool, startNs: UInt64, endNs: UInt64)>((false, 0, 0))
    }

    @Test(.timeLimit(.minutes(1))) func faultInjectionStalledKernelIsReportedAndTheRunEndsOnTime() throws {
        let machine = try MachineDiscovery.discover()
        let topology = try TopologySpec.auto(for: machine).resolve(on: machine)
        try #require(topology.accelerators.count >= 2, "needs two accelerators")
        let w = smallWorkload(durationMs: 2000)
        var config = LiveConfiguration()
        config.spinWindowNs = 200_000
        let runtime = try LiveRuntime(workload: w, topology: topology, scheduler: FCFSScheduler(), estimates: AnalyticCostModel(), configuration: config)
        let stall = StallRecord()
        // Accelerator 0's first block decided after 0.5 s stalls for 800 ms.
        runtime.testBlockHook = { acc, d in
            guard acc == 0, d.decidedNs > 500_000_000 else { return }
            let first = stall.lock.withLock { s -> Bool in
                if s.done { return false }
                s.done = true
                return true
            }
            guard first else { return }
            let from = RealTime.nowNanoseconds()
            usleep(800_000)
            let to = RealTime.nowNanoseconds()
            stall.lock.withLock { $0.startNs = from; $0.endNs = to }
        }
        let result = runtime.run()
        #expect(!result.partial)
        // Ends at its duration (+ the drain allowance at most), not stuck.
        #expect(result.wallNs < w.durationNs + config.drainNs, "wall \(result.wallNs) ns")
        let core = result.core
        let summary = RunSummary(frames: core.frames, blocks: core.blocks, streams: w.streams, accelerators: topology.accelerators,
                                 wallNs: result.wallNs, decisionNs: core.decisionNs, dispatchNs: result.dispatchLatencyNs, energySource: "model")
        #expect(summary.framesGenerated == w.frames.count)
        #expect(summary.framesGenerated == summary.met + summary.missed + summary.dropped)
        for s in summary.streams { #expect(s.framesGenerated == s.met + s.missed + s.dropped) }
        // Reported: a stuck block on accelerator 0 of about the stall, the verdict disturbed.
        let i = try #require(result.interference)
        #expect(i.verdict == "disturbed")
        let stuck = i.stalls.filter { $0.kind == "stuck_block" }
        #expect(stuck.count == 1, "\(i.stalls)")
        #expect(stuck.first?.accelerator == topology.accelerators[0].name)
        #expect((stuck.first?.durationMs ?? 0) >= 750)
        #expect(i.longestStallMs >= 750)
        // The stuck accelerator took no new work while stalled; the other kept working.
        let (from, to) = stall.lock.withLock { ($0.startNs, $0.endNs) }
        #expect(to > from)
        let stalledBlock = core.blocks.filter { $0.accelerator == 0 }.max { ($0.endNs - $0.startNs) < ($1.endNs - $1.startNs) }!
        #expect(stalledBlock.endNs - stalledBlock.startNs >= 750_000_000)
        for b in core.blocks where b.accelerator == 0 && b.startNs != stalledBlock.startNs {
            #expect(b.startNs >= stalledBlock.endNs || b.endNs <= stalledBlock.startNs, "no overlap on the stuck accelerator")
        }
        let others = core.blocks.filter { $0.accelerator == 1 && $0.startNs > stalledBlock.startNs && $0.endNs < stalledBlock.endNs }
        #expect(!others.isEmpty, "accelerator 1 ran blocks during the stall")
    }
}
#endif
