/// Where a prepared layer puts its packed weights and scratch. The runtime passes its own
/// functions to place them on a NUMA node; the default is a 64-byte aligned heap block.
public struct KernelAllocator: Sendable {
    public var allocate: @Sendable (_ byteCount: Int) -> UnsafeMutableRawPointer
    /// Receives the pointer and the byte count that `allocate` was given.
    public var deallocate: @Sendable (_ pointer: UnsafeMutableRawPointer, _ byteCount: Int) -> Void

    public init(allocate: @escaping @Sendable (Int) -> UnsafeMutableRawPointer,
                deallocate: @escaping @Sendable (UnsafeMutableRawPointer, Int) -> Void) {
        self.allocate = allocate
        self.deallocate = deallocate
    }

    /// Cache-line aligned (64 B: one AVX-512 vector), so packed panels never split lines.
    public static let aligned = KernelAllocator(
        allocate: { UnsafeMutableRawPointer.allocate(byteCount: max($0, 64), alignment: 64) },
        deallocate: { pointer, _ in pointer.deallocate() })
}

/// A float buffer owned through a `KernelAllocator`; freed by its owner (not copyable on purpose).
struct FloatBlock: ~Copyable {
    let base: UnsafeMutablePointer<Float>
    let count: Int
    private let allocator: KernelAllocator

    init(count: Int, allocator: KernelAllocator) {
        self.count = max(count, 16)
        self.allocator = allocator
        let raw = allocator.allocate(self.count * MemoryLayout<Float>.stride)
        base = raw.bindMemory(to: Float.self, capacity: self.count)
        base.initialize(repeating: 0, count: self.count)
    }

    deinit { allocator.deallocate(UnsafeMutableRawPointer(base), count * MemoryLayout<Float>.stride) }
}
