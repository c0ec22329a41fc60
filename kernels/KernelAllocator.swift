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

/// A zero-filled buffer of trivial values (Float, Int) owned through a `KernelAllocator`;
/// freed by its owner (not copyable on purpose).
struct AlignedBlock<Element: BitwiseCopyable>: ~Copyable {
    let base: UnsafeMutablePointer<Element>
    let count: Int
    private let allocator: KernelAllocator

    init(count: Int, allocator: KernelAllocator) {
        self.count = max(count, 16)
        self.allocator = allocator
        let bytes = self.count * MemoryLayout<Element>.stride
        let raw = allocator.allocate(bytes)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        base = raw.bindMemory(to: Element.self, capacity: self.count)
    }

    deinit { allocator.deallocate(UnsafeMutableRawPointer(base), count * MemoryLayout<Element>.stride) }
}

typealias FloatBlock = AlignedBlock<Float>
