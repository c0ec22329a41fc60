import DreamCore
import DreamKernels

/// A k-core accelerator: each layer split into k partitions over k pinned threads.
/// (Temporary: waits for the kernel team of the kernels target.)
struct TeamRunner: LayerRunner {
    init(cpus: [Int], pin: Bool, spinNs: UInt64) throws {
        throw DreamInputError(.unavailable, file: "topology", field: "core_count",
                              problem: "multi-core accelerators are not supported yet", fix: "use one core per accelerator")
    }
    func run(_ layer: PreparedLayer, input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
             output: UnsafeMutablePointer<Float>) -> LayerWork { fatalError("unreachable") }
    func shutdown() {}
}
