import CNuma
import Glibc

/// A zeroed, page-aligned buffer bound to one NUMA node (libnuma `numa_alloc_onnode`), freed
/// when released. Where libnuma is unavailable it falls back to ordinary aligned memory and
/// says so in `isNodeBound`. One owner at a time: hand it over, do not share it between threads
/// that write concurrently.
public final class NUMABuffer: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int
    public let node: Int
    public let isNodeBound: Bool

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(byteCount: Int, node: Int) throws(Failure) {
        let size = max(byteCount, 64)
        if numa_available() >= 0 {
            guard node >= 0, node <= Int(numa_max_node()) else {
                throw Failure(description: "NUMA node \(node) does not exist (nodes 0-\(numa_max_node()))")
            }
            guard let p = numa_alloc_onnode(size, Int32(node)) else {
                throw Failure(description: "could not allocate \(size) bytes on NUMA node \(node)")
            }
            memset(p, 0, size)   // touch every page so it is placed now, not on the hot path
            pointer = p
            isNodeBound = true
        } else {
            var p: UnsafeMutableRawPointer?
            guard posix_memalign(&p, 4096, size) == 0, let p else {
                throw Failure(description: "could not allocate \(size) bytes")
            }
            memset(p, 0, size)
            pointer = p
            isNodeBound = false
        }
        self.byteCount = size
        self.node = node
    }

    /// The NUMA node the first page actually lives on (move_pages query), or nil.
    public func residentNode() -> Int? {
        guard isNodeBound else { return nil }
        var page: UnsafeMutableRawPointer? = pointer
        var status: Int32 = -1
        let rc = numa_move_pages(0, 1, &page, nil, &status, 0)
        return rc == 0 && status >= 0 ? Int(status) : nil
    }

    public func floats() -> UnsafeMutablePointer<Float> {
        pointer.bindMemory(to: Float.self, capacity: byteCount / MemoryLayout<Float>.stride)
    }

    deinit {
        if isNodeBound { numa_free(pointer, byteCount) } else { free(pointer) }
    }
}
