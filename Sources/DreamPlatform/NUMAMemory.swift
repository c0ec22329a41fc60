import CNuma
import Glibc

/// Raw node-bound allocations for code that manages its own blocks (kernel weights).
public enum NUMAMemory {
    /// `byteCount` bytes on `node` (page-aligned), or ordinary 64-byte-aligned memory where
    /// libnuma is unavailable. Free with `deallocate` and the same size.
    public static func allocate(byteCount: Int, node: Int) -> UnsafeMutableRawPointer {
        let size = max(byteCount, 64)
        if numa_available() >= 0, node >= 0, node <= Int(numa_max_node()) {
            guard let p = numa_alloc_onnode(size, Int32(node)) else { fatalError("out of memory (\(size) bytes on node \(node))") }
            return p
        }
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, 64, size) == 0, let p else { fatalError("out of memory (\(size) bytes)") }
        return p
    }

    public static func deallocate(_ pointer: UnsafeMutableRawPointer, byteCount: Int, node: Int) {
        let size = max(byteCount, 64)
        if numa_available() >= 0, node >= 0, node <= Int(numa_max_node()) {
            numa_free(pointer, size)
        } else {
            free(pointer)
        }
    }
}
