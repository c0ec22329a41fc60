import CDreamShims

/// Where row kk of the B operand (32 floats) lives: a packed 32-column panel, or an implicit
/// im2col row at b + offsets[kk]. The register tiles are generic over it (specialised per type).
protocol KernelB {
    func row(_ kk: Int) -> UnsafeRawPointer
    /// A software prefetch of row kk + distance (packed panels only: indirect rows would read
    /// the offset table past its end); `prefetchL2` stops at L2 (leaves L1 to the blocking).
    func prefetch(_ kk: Int)
    func prefetchL2(_ kk: Int)
    /// Row `row` of the next panel into L2 (weight streaming: a panel read from memory by the
    /// first of several tiles would stall that tile; spread over all of them it streams).
    func prefetchNext(_ row: Int)
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
    @inline(__always) func prefetchNext(_ row: Int) {}
}

/// A packed panel of streamed weights (more than L2 holds): the AVX2 tiles also prefetch the
/// next panel, `next` floats on.
struct StreamedB: KernelB {
    let packed: PackedB
    let next: Int
    @inline(__always) func row(_ kk: Int) -> UnsafeRawPointer { packed.row(kk) }
    @inline(__always) func prefetch(_ kk: Int) { packed.prefetch(kk) }
    @inline(__always) func prefetchL2(_ kk: Int) { packed.prefetchL2(kk) }
    @inline(__always) func prefetchNext(_ row: Int) {
        CDreamShims_prefetch_l2(packed.b + (next &+ row &* 32))
        CDreamShims_prefetch_l2(packed.b + (next &+ row &* 32 &+ 16))
    }
}

struct IndirectB: KernelB {
    let b: UnsafePointer<Float>
    let offsets: UnsafePointer<Int>
    @inline(__always) func row(_ kk: Int) -> UnsafeRawPointer { UnsafeRawPointer(b + offsets[kk]) }
    @inline(__always) func prefetch(_ kk: Int) {}
    @inline(__always) func prefetchL2(_ kk: Int) {}
    @inline(__always) func prefetchNext(_ row: Int) {}
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
