import DreamCore
import DreamKernels
import DreamPlatform

/// A k-core accelerator: each layer split into k partitions over a kernel team of k threads,
/// thread i pinned to the accelerator's i-th CPU (created once, not per layer).
final class TeamRunner: LayerRunner, @unchecked Sendable {
    private let team: KernelTeam
    /// One work record per partition, written by its thread (disjoint), read after the join.
    private let works: UnsafeMutablePointer<LayerWork>

    init(cpus: [Int], pin: Bool, spinNs: UInt64) throws {
        team = KernelTeam(threads: cpus.count, spinNanoseconds: max(spinNs, 50_000)) { index in
            if pin { try? ThreadPinning.pinCurrentThread(to: [cpus[index]]) }
            RealTime.enableFlushToZero()
        }
        works = .allocate(capacity: cpus.count)
        works.initialize(repeating: LayerWork(), count: cpus.count)
    }

    deinit { works.deallocate() }

    func run(_ layer: PreparedLayer, input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
             output: UnsafeMutablePointer<Float>) -> LayerWork {
        let parts = team.size
        // Raw pointers cross to the team threads; each partition writes disjoint output tiles.
        nonisolated(unsafe) let (i, r, o, w) = (input, residual, output, works)
        team.run { p in
            w[p] = layer.run(input: i, residual: r, output: o, partition: p, of: parts)
        }
        var total = LayerWork()
        for p in 0..<parts { total += works[p] }
        return total
    }

    func shutdown() { team.shutdown() }
}
