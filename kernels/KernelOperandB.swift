import CDreamShims

/// Where row kk of the B operand (32 floats) lives: a packed 32-column panel, or an implicit
/// im2col row at b + offsets[kk]. The register tiles are generic over it (specialised per type).
protocol KernelB {
    func row(_ kk: Int) -> UnsafeRawPointer
    /// A software prefetch of row kk + distance (packed panels only: indirect rows would read
    /// the offset table past its end); `prefetchL2` stops at L2 (leaves L1 to the blocking).
    func prefetch(_ kk: Int)
    func prefetchL2(_ kk: Int)
}

struct PackedB: KernelB {
    let b: UnsafePointer<Float>
    @inline(__always) func row(_ kk: Int) -> UnsafeRawPointer { UnsafeRawPointer(b + kk &* 32) }
    @inline(__always) func prefetch(_ kk: Int) {
        CDreamShims_prefetch(b + (kk &+ 32) &* 32)
        CDreamShims_prefetch(b + (kk &+ 32) &* 32 + 16)
    }
    @inline(__always) func prefetchL2(_ kk: Int) {
        CDreamShims_prefetch_l2(b + (kk &+ 32) &* 32)
        CDreamShims_prefetch_l2(b + (kk &+ 32) &* 32 + 16)
    }
}

struct IndirectB: KernelB {
    let b: UnsafePointer<Float>
    let offsets: UnsafePointer<Int>
    @inline(__always) func row(_ kk: Int) -> UnsafeRawPointer { UnsafeRawPointer(b + offsets[kk]) }
    @inline(__always) func prefetch(_ kk: Int) {}
    @inline(__always) func prefetchL2(_ kk: Int) {}
}

/// Stores one accumulator vector to C at a byte offset, or adds it to what C holds.
@inline(__always)
func storeOrAdd<V: SIMD>(_ v: V, _ out: UnsafeMutableRawPointer, _ offset: Int, _ accumulate: Bool)
    where V.Scalar == Float {
    if accumulate {
        out.storeBytes(of: v + out.loadUnaligned(fromByteOffset: offset, as: V.self), toByteOffset: offset, as: V.self)
    } else {
        out.storeBytes(of: v, toByteOffset: offset, as: V.self)
    }
}
