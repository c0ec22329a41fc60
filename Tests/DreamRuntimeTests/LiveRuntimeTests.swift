import Foundation
import Testing
import DreamCore
import DreamEngine
import DreamPlatform
import DreamSchedulers
@testable import DreamRuntime

/// A small two-stream workload of real conv layers, with a cascade: enough to exercise every
/// path of the live runtime in well under a second.
func smallWorkload(durationMs: Int64 = 600) -> EngineWorkload {
    let ms: Int64 = 1_000_000
    let seg = VariantDescription(name: "full", layers: [
        .conv("c1", c: 8, k: 16, h: 32, w: 32, r: 3, pad: 1, activation: .relu),
        .conv("c2", c: 16, k: 16, h: 32, w: 32, r: 3, pad: 1, activation: .relu),
        .add("skip", c: 16, h: 32, w: 32)])
    let gaze = VariantDescription(name: "full", layers: [.gemm("fc", m: 16, n: 32, k: 64, activation: .relu)])
    let streams = [StreamDescription(name: "seg", periodNs: 20 * ms, variants: [seg]),
                   StreamDescription(name: "gaze", periodNs: 20 * ms, variants: [gaze], upstream: 0)]
    var frames: [FrameDescription] = []
    var k = 0
    while Int64(k) * 20 * ms < durationMs * ms {
        let r = Int64(k) * 20 * ms
        frames.append(FrameDescription(id: frames.count, stream: 0, sequence: k, releaseNs: r, deadlineNs: r + 20 * ms))
        frames.append(FrameDescription(id: frames.count, stream: 1, sequence: k, releaseNs: r, deadlineNs: r + 20 * ms, upstream: frames.count - 1))
        k += 1
    }
    return EngineWorkload(name: "small", streams: streams, frames: frames, durationNs: durationMs * ms)
}

@Suite(.serialized) struct LiveRuntimeTests {
    @Test func shortLiveRunAccountsForEveryFrameAndPinsCores() throws {
        let machine = try MachineDiscovery.discover()
        let topology = try TopologySpec.auto(for: machine).resolve(on: machine)
        let w = smallWorkload()
        var config = LiveConfiguration()
        config.spinWindowNs = 200_000
        let runtime = try LiveRuntime(workload: w, topology: topology, scheduler: FCFSScheduler(), estimates: AnalyticCostModel(), configuration: config)
        let result = runtime.run()
        #expect(!result.partial)
        #expect(result.pinErrors.isEmpty)
        let core = result.core
        let summary = RunSummary(frames: core.frames, blocks: core.blocks, streams: w.streams, accelerators: topology.accelerators,
                                 wallNs: result.wallNs, decisionNs: core.decisionNs, dispatchNs: result.dispatchLatencyNs, energySource: "model")
        #expect(summary.framesGenerated == w.frames.count)
        for s in summary.streams { #expect(s.framesGenerated == s.met + s.missed + s.dropped) }
        #expect(summary.met > w.frames.count / 2, "a light load meets most deadlines")
        #expect(!core.blocks.isEmpty)
        // Every block ran on a core of the accelerator it was dispatched to.
        for b in core.blocks {
            let acc = topology.accelerators[Int(b.accelerator)]
            #expect(acc.cpus.contains(Int(b.cpu)), "block on cpu \(b.cpu), accelerator \(acc.name) owns \(acc.cpus)")
            #expect(b.macs > 0 && b.endNs >= b.startNs)
        }
        // Cascades ran only after their upstream frame completed.
        for f in core.frames where w.frames[Int(f.frame)].upstream != nil && f.startNs >= 0 {
            let up = core.frames[w.frames[Int(f.frame)].upstream!]
            #expect(up.completionNs >= 0 && up.completionNs <= f.startNs)
        }
        // Periodic releases are close to their schedule (bound for a shared 2-vCPU VM).
        let lateness = result.releaseLatenessNs
        #expect(!lateness.isEmpty && lateness.allSatisfy { $0 >= 0 })
        #expect(RunSummary.percentile(lateness.map(Double.init), 0.5)! < 2_000_000, "median release lateness under 2 ms")
        // The trace parses, and blocks are monotonic per track.
        let trace = try RunFiles.chromeTrace(core.frames, blocks: core.blocks, streams: w.streams, accelerators: topology.accelerators)
        let json = try JSONSerialization.jsonObject(with: trace) as! [String: Any]
        let events = (json["traceEvents"] as! [[String: Any]]).filter { $0["ph"] as? String == "X" }
        #expect(events.count == core.blocks.count * 1)
        var lastEnd: [String: Double] = [:]
        for e in events {
            let key = "\(e["pid"]!)/\(e["tid"]!)"
            let ts = e["ts"] as! Double, dur = e["dur"] as! Double
            #expect(ts >= (lastEnd[key] ?? 0) - 0.001, "blocks on one core do not overlap")
            lastEnd[key] = ts + dur
        }
    }

    /// The simulator charges a block the work the probe's kernels counted plus the context
    /// restore and save: exactly what the live runtime counts for the same block.
    @Test func probedWorkIsWhatLiveBlocksCount() throws {
        let machine = try MachineDiscovery.discover()
        let topology = try TopologySpec.auto(for: machine).resolve(on: machine)
        let w = smallWorkload(durationMs: 200)
        let shapes = w.streams.flatMap { $0.variants.flatMap(\.layers) }
        let model = KernelProbe.costModel(try KernelProbe.measure(shapes: shapes, topology: topology, repeats: 1, maxRuns: 1),
                                          accelerators: topology.accelerators.count)
        let conv = shapes[0]
        let counted = model.work(of: conv, on: topology.accelerators[0])
        #expect(counted.macs == conv.macs && counted.l1 > 0 && counted.l2 > 0 && counted.dram >= conv.compulsoryBytes / 2,
                "the probe keeps the kernels' own counts: \(counted)")
        let result = try LiveRuntime(workload: w, topology: topology, scheduler: FCFSScheduler(), estimates: model,
                                     configuration: LiveConfiguration()).run()
        #expect(!result.core.blocks.isEmpty)
        for b in result.core.blocks {
            let layers = w.streams[Int(b.stream)].variants[Int(b.variant)].layers
            let ran = layers[Int(b.firstLayer)..<Int(b.endLayer)]
            var expected = ran.reduce(LayerWork()) { $0 + model.work(of: $1, on: topology.accelerators[Int(b.accelerator)]) }
            expected.dram += 8 * (ran.first!.inputElements + ran.last!.outputElements)
            #expect([b.macs, b.bytesL1, b.bytesL2, b.bytesLLC, b.bytesDRAM]
                    == [expected.macs, expected.l1, expected.l2, expected.llc, expected.dram].map(Int64.init),
                    "block of \(w.streams[Int(b.stream)].name) layers \(b.firstLayer)..<\(b.endLayer)")
        }
    }

    // Spinning workers burn every core: kept in this serialized suite, apart from other live runs.
    /// Workers spin through the whole run, so they (not the timer) release the frames.
    @Test func spinningWorkersReleaseFramesAndAccountForEveryOne() throws {
        let machine = try MachineDiscovery.discover()
        let topology = try TopologySpec.auto(for: machine).resolve(on: machine)
        let w = smallWorkload(durationMs: 1_200)
        var config = LiveConfiguration()
        config.spinWindowNs = 10_000_000_000
        let runtime = try LiveRuntime(workload: w, topology: topology, scheduler: FCFSScheduler(), estimates: AnalyticCostModel(),
                                      configuration: config)
        final class Seen { var progress: [LiveProgress] = [] }
        let seen = Seen()   // `run` calls progress on its own (this) thread
        let result = runtime.run { p in seen.progress.append(p) }
        #expect(!result.partial)
        let core = result.core
        #expect(core.frames.allSatisfy { $0.outcome != .dropped || $0.dropReason != nil })
        let c = core.outcomeCounts
        #expect(c.met + c.missed + c.dropped == w.frames.count)
        // Dispatches are stamped when the decision exists: never after the block started.
        for b in core.blocks { #expect(b.decidedNs <= b.startNs) }
        #expect(result.dispatchLatencyNs.allSatisfy { $0 >= 0 })
        let lateness = result.releaseLatenessNs
        #expect(!lateness.isEmpty && lateness.allSatisfy { $0 >= 0 })
        #expect(RunSummary.percentile(lateness.map(Double.init), 0.5)! < 2_000_000, "median release lateness under 2 ms")
        // Progress (published without scanning the run under the lock) never exceeds the totals.
        let progress = seen.progress
        #expect(!progress.isEmpty)
        for p in progress {
            #expect(p.met <= c.met + c.missed && p.met + p.missed + p.dropped <= w.frames.count)
            #expect(p.busyFraction.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    @Test func doorbellWaitReturnsForTheAlarmWhileSpinningAndForRingsWhenParked() {
        let bell = Doorbell()
        let due = Alarm(atNanoseconds: RealTime.nowNanoseconds())
        let r = bell.wait(seen: 0, spinUntilNs: RealTime.nowNanoseconds() + 1_000_000_000, alarm: due)
        #expect(r.wake == .alarm && r.count == 0)
        // No spin window: parks at once, and a ring wakes it.
        let never = Alarm()
        let ringer = Thread { RealTime.sleep(untilNanoseconds: RealTime.nowNanoseconds() + 20_000_000); bell.ring() }
        ringer.start()
        let p = bell.wait(seen: 0, spinUntilNs: 0, alarm: never)
        #expect(p.wake == .rungAfterParking && p.count == 1)
        // A ring already there returns at once.
        #expect(bell.wait(seen: 0, spinUntilNs: .max, alarm: due).wake == .rung)
    }
}

@Suite(.serialized) struct MultiCoreAcceleratorTests {
    @Test func oneAcceleratorOverAllCoresRunsLayersAcrossItsTeam() throws {
        let machine = try MachineDiscovery.discover()
        guard machine.cores.count >= 2 else { return }
        let spec = try TopologySpec.parse("accelerators:\n  - {name: wide, dataflow: os, core_count: 2}", file: "wide.yaml")
        let topology = try spec.resolve(on: machine)
        let w = smallWorkload(durationMs: 300)
        let runtime = try LiveRuntime(workload: w, topology: topology, scheduler: FCFSScheduler(), estimates: AnalyticCostModel())
        let result = runtime.run()
        let core = result.core
        #expect(core.frames.allSatisfy { $0.outcome != .dropped || $0.dropReason != nil })
        #expect(core.blocks.count > 0)
        for b in core.blocks { #expect(topology.accelerators[0].cpus.contains(Int(b.cpu))) }
        // The work counted over both partitions equals the layers' MACs.
        for b in core.blocks {
            let layers = w.streams[Int(b.stream)].variants[Int(b.variant)].layers
            let expected = (Int(b.firstLayer)..<Int(b.endLayer)).reduce(0) { $0 + layers[$1].macs }
            #expect(Int(b.macs) == expected)
        }
    }
}
