import DreamCore
import DreamKernels
import DreamPlatform

/// A k-core accelerator: each layer split into k partitions over a kernel team of k threads,
/// thread i pinned to the accelerator's i-th CPU (created once, not per layer).
final class TeamRunner: LayerRunner, @unchecked Sendable {
    private let team: KernelTeam

    init(cpus: [Int], pin: Bool, spinNs: UInt64) {
        team = KernelTeam(threads: cpus.count, spinNanoseconds: max(spinNs, 50_000)) { index in
            if pin { try? ThreadPinning.pinCurrentThread(to: [cpus[index]]) }
            RealTime.enableFlushToZero()
        }
    }

    func run(_ layer: PreparedLayer, input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
             output: UnsafeMutablePointer<Float>) -> LayerWork {
        team.run(layer, input: input, residual: residual, output: output)
    }

    func shutdown() { team.shutdown() }
}
