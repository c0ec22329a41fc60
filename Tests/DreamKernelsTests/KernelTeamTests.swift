import DreamCore
import Synchronization
import Testing
@testable import DreamKernels

@Test func teamRunsEveryPartitionOnItsOwnThread() {
    let setups = Atomic<Int>(0)
    let team = KernelTeam(threads: 3, spinNanoseconds: 50_000) { _ in setups.add(1, ordering: .relaxed) }
    #expect(setups.load(ordering: .relaxed) == 3)
    let hits = Mutex<[Int]>([])
    for _ in 0..<200 { team.run { p in hits.withLock { $0.append(p) } } }
    let counts = hits.withLock { h in (0..<3).map { p in h.filter { $0 == p }.count } }
    #expect(counts == [200, 200, 200])
    team.shutdown()
    team.shutdown()
}

@Test func teamWakesParkedThreads() {
    // A zero spin window parks at once: every run goes through the semaphore path.
    let team = KernelTeam(threads: 2, spinNanoseconds: 0)
    let total = Atomic<Int>(0)
    for _ in 0..<100 { team.run { p in total.add(p + 1, ordering: .relaxed) } }
    #expect(total.load(ordering: .relaxed) == 300)
}

/// A layer split across a team gives the same output as one partition.
@Test func teamRunsALayerAcrossPartitions() {
    let spec = LayerSpec.conv("c", c: 16, k: 24, h: 20, w: 20, r: 3, pad: 1, activation: .relu)
    let input = NaiveReference.random(spec.inputElements, seed: 3)
    let single = PreparedLayer(spec: spec, dataflow: .os)
    let split = PreparedLayer(spec: spec, dataflow: .os, partitions: 2)
    var one = [Float](repeating: 0, count: spec.outputElements)
    var two = [Float](repeating: 0, count: spec.outputElements)
    let team = KernelTeam(threads: 2)
    let macs = Atomic<Int>(0)
    input.withUnsafeBufferPointer { i in
        let inPtr = i.baseAddress!
        one.withUnsafeMutableBufferPointer { _ = single.run(input: inPtr, residual: nil, output: $0.baseAddress!) }
        two.withUnsafeMutableBufferPointer { o in
            nonisolated(unsafe) let out = o.baseAddress!
            nonisolated(unsafe) let source = inPtr
            team.run { p in
                let work = split.run(input: source, residual: nil, output: out, partition: p, of: 2)
                macs.add(work.macs, ordering: .relaxed)
            }
        }
    }
    #expect(one == two)
    #expect(macs.load(ordering: .relaxed) == spec.macs)
}

@Test func teamRunsAPreparedLayer() {
    let spec = LayerSpec.gemm("g", m: 50, n: 70, k: 33, activation: .relu)
    let input = NaiveReference.random(spec.inputElements, seed: 4)
    let (weights, bias) = WeightInit.parameters(for: spec, seed: 5)
    let layer = PreparedLayer(spec: spec, dataflow: .rs, partitions: 2, seed: 5)
    var output = [Float](repeating: .nan, count: spec.outputElements)
    let team = KernelTeam(threads: 2)
    let work = input.withUnsafeBufferPointer { i in
        output.withUnsafeMutableBufferPointer {
            team.run(layer, input: i.baseAddress!, residual: nil, output: $0.baseAddress!)
        }
    }
    let expected = NaiveReference.run(spec, weights: weights, bias: bias, input: input, residual: nil)
    #expect(NaiveReference.maxError(output, expected) <= tolerance)
    #expect(work.macs == spec.macs)
}
