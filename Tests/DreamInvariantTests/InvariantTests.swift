import Testing
import DreamCore
import DreamEngine
import DreamSchedulers

/// Checks every invariant a run must keep, whatever the policy.
func checkInvariants(_ core: ExecutionCore, _ c: RandomCase, policy: String) {
    let w = c.workload
    // Every frame ends exactly one way, consistently.
    #expect(core.frames.count == w.frames.count)
    for f in core.frames {
        switch f.outcome {
        case .met:
            #expect(f.completionNs >= f.releaseNs && f.completionNs <= f.deadlineNs, "\(policy): met frame \(f.frame)")
        case .missed:
            #expect(f.completionNs > f.deadlineNs, "\(policy): missed frame \(f.frame)")
        case .dropped:
            #expect(f.dropReason != nil, "\(policy): dropped frame \(f.frame) has a reason")
        }
        #expect(f.energyJ >= 0)
    }
    // Blocks: per frame, in layer order, contiguous, never overlapping, never twice.
    var byFrame: [Int32: [BlockRecord]] = [:]
    for b in core.blocks {
        #expect(b.endNs >= b.startNs && b.startNs >= b.decidedNs && b.energyJ >= 0)
        byFrame[b.frame, default: []].append(b)
    }
    for (frame, blocks) in byFrame {
        let sorted = blocks.sorted { $0.startNs < $1.startNs }
        var next: Int32 = 0
        var lastEnd: Int64 = -1
        for b in sorted {
            #expect(b.firstLayer == next, "\(policy): frame \(frame) runs layers in order, each once")
            #expect(b.startNs >= lastEnd, "\(policy): frame \(frame)'s blocks do not overlap")
            next = b.endLayer
            lastEnd = b.endNs
        }
        let record = core.frames[Int(frame)]
        if record.outcome != .dropped {
            let layers = w.streams[Int(record.stream)].variants[Int(record.variant)].executedLayers(skipMask: w.frames[Int(frame)].skipMask)
            #expect(Int(next) == layers.count, "\(policy): a completed frame ran all its layers")
            #expect(record.completionNs == lastEnd)
        }
        // A cascade never starts before its upstream frame finished.
        if let up = w.frames[Int(frame)].upstream {
            let u = core.frames[up]
            #expect(u.completionNs >= 0 && u.completionNs <= sorted[0].startNs, "\(policy): cascade frame \(frame) after its upstream")
        }
    }
    // No accelerator runs two things at once.
    for a in c.accelerators.indices {
        let blocks = core.blocks.filter { Int($0.accelerator) == a }.sorted { $0.startNs < $1.startNs }
        for (x, y) in zip(blocks, blocks.dropFirst()) { #expect(x.endNs <= y.startNs, "\(policy): accelerator \(a) runs one block at a time") }
    }
    // Energy adds up: accelerators' energy = idle + blocks.
    let wall = core.simulatedWallNs
    let s = core.simulatedSummary(accelerators: c.accelerators, energySource: "model")
    let idle = c.accelerators.reduce(0.0) { $0 + $1.power.idleWatts * Double($1.coreCount) * Double(wall) * 1e-9 }
    let blocksEnergy = core.blocks.reduce(0.0) { $0 + $1.energyJ }
    #expect(abs(s.energyJ - (idle + blocksEnergy)) <= 1e-9 * max(1, s.energyJ))
    #expect(s.framesGenerated == s.met + s.missed + s.dropped)
    #expect(s.acceleratorBusyFraction.allSatisfy { $0 >= 0 && $0 <= 1 })
}

@Suite struct InvariantTests {
    @Test(arguments: Array(UInt64(1)...UInt64(12)))
    func everyPolicyKeepsTheInvariantsOnRandomWorkloads(seed: UInt64) throws {
        let c = randomCase(seed: seed)
        for name in SchedulerCatalog.names {
            let core = Simulator(workload: c.workload, accelerators: c.accelerators, costs: c.costs)
                .run(scheduler: try SchedulerCatalog.make(name: name), wallClock: { 0 })
            checkInvariants(core, c, policy: name)
        }
    }

    @Test(arguments: [UInt64(3), 9])
    func theSameSeedGivesTheSameSimulatedResult(seed: UInt64) throws {
        for name in SchedulerCatalog.names {
            let a = Simulator(workload: randomCase(seed: seed).workload, accelerators: randomCase(seed: seed).accelerators,
                              costs: randomCase(seed: seed).costs).run(scheduler: try SchedulerCatalog.make(name: name), wallClock: { 0 })
            let c = randomCase(seed: seed)
            let b = Simulator(workload: c.workload, accelerators: c.accelerators, costs: c.costs)
                .run(scheduler: try SchedulerCatalog.make(name: name), wallClock: { 0 })
            #expect(a.frames.map(\.outcome) == b.frames.map(\.outcome), "\(name)")
            #expect(a.frames.map(\.completionNs) == b.frames.map(\.completionNs), "\(name)")
            #expect(a.blocks.map(\.accelerator) == b.blocks.map(\.accelerator), "\(name)")
        }
    }
}
