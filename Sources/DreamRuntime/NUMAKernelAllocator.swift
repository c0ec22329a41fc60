import DreamKernels
import DreamPlatform

extension KernelAllocator {
    /// Places kernel weights and scratch on `node`, so each accelerator computes from local memory.
    static func numa(node: Int) -> KernelAllocator {
        KernelAllocator(allocate: { NUMAMemory.allocate(byteCount: $0, node: node) },
                        deallocate: { NUMAMemory.deallocate($0, byteCount: $1, node: node) })
    }
}
