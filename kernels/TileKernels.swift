import CDreamShims

/// Where row kk of the B operand (32 floats) lives: a packed 32-column panel, or an implicit
/// im2col row at b + offsets[kk]. The kernels below are generic over it (specialised per type).
protocol KernelB {
    func row(_ kk: Int) -> UnsafeRawPointer
    /// A software prefetch of row kk + distance (packed panels only: indirect rows would read
    /// the offset table past its end); `prefetchL2` stops at L2 (leaves L1 to the blocking).
    func prefetch(_ kk: Int)
    func prefetchL2(_ kk: Int)
    func run12(kc: Int, a: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool)
    func run8(kc: Int, a: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool)
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
    @inline(__always) func run12(kc: Int, a: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        MicroKernel.run(depth: kc, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate)
    }
    @inline(__always) func run8(kc: Int, a: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        MicroKernel.run8(depth: kc, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate)
    }
}

struct IndirectB: KernelB {
    let b: UnsafePointer<Float>
    let offsets: UnsafePointer<Int>
    @inline(__always) func row(_ kk: Int) -> UnsafeRawPointer { UnsafeRawPointer(b + offsets[kk]) }
    @inline(__always) func prefetch(_ kk: Int) {}
    @inline(__always) func prefetchL2(_ kk: Int) {}
    @inline(__always) func run12(kc: Int, a: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        MicroKernel.runIndirect(depth: kc, a: a, b: b, offsets: offsets, c: c, ldc: ldc, accumulate: accumulate)
    }
    @inline(__always) func run8(kc: Int, a: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        MicroKernel.runIndirect8(depth: kc, a: a, b: b, offsets: offsets, c: c, ldc: ldc, accumulate: accumulate)
    }
}

/// Stores (or adds to what C holds) one vector.
@inline(__always)
private func put<V: SIMD>(_ v: V, _ out: UnsafeMutableRawPointer, _ offset: Int, _ accumulate: Bool) where V.Scalar == Float {
    if accumulate {
        out.storeBytes(of: v + out.loadUnaligned(fromByteOffset: offset, as: V.self), toByteOffset: offset, as: V.self)
    } else {
        out.storeBytes(of: v, toByteOffset: offset, as: V.self)
    }
}

/// The register-blocked tiles besides the AVX-512 12x32 / 8x32 ones (`MicroKernel`). All read
/// A from a packed 12-row panel (12 floats per reduction step, starting at the tile's first
/// row) and B rows of 32 floats, and write `rows` rows of 32 columns to C.
///
/// - AVX2/FMA (16 registers): 6x16 (12 SIMD8 accumulators + 2 B vectors + a broadcast, the
///   BLIS/OpenBLAS Haswell shape), 2x32 (8 accumulators) and 1x32 (4 accumulators x 2
///   reduction chains, for GEMV-like rows).
/// - AVX-512 (32 registers): 4x32 (8 SIMD16 accumulators, stores 1-4 rows) and 1x32
///   (2 accumulators x 4 reduction chains, with software prefetch: weight streaming).
enum TileKernels {

    /// AVX2: C[6 x 16] at column `col` (0 or 16) of the 32-column B rows.
    @inline(never)
    static func avx2x6<B: KernelB>(kc: Int, a: UnsafePointer<Float>, b: B, col: Int,
                                   c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var c0a = SIMD8<Float>()
        var c0b = SIMD8<Float>()
        var c1a = SIMD8<Float>()
        var c1b = SIMD8<Float>()
        var c2a = SIMD8<Float>()
        var c2b = SIMD8<Float>()
        var c3a = SIMD8<Float>()
        var c3b = SIMD8<Float>()
        var c4a = SIMD8<Float>()
        var c4b = SIMD8<Float>()
        var c5a = SIMD8<Float>()
        var c5b = SIMD8<Float>()
        var ap = a
        let off = 4 * col
        if accumulate {
            // Partial sums from the previous reduction block (from L3 for a large C): fetch them
            // while the loop runs.
            for i in 0..<6 { CDreamShims_prefetch_l2(c + i * ldc + col) }
        }
        for kk in 0..<kc {
            let bp = b.row(kk)
            b.prefetchL2(kk)  // both lines of a row ahead into L2: the other half's pass finds them
            let b0 = bp.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let b1 = bp.loadUnaligned(fromByteOffset: off + 32, as: SIMD8<Float>.self)
            let a0 = SIMD8<Float>(repeating: ap[0])
            c0a = c0a.addingProduct(a0, b0); c0b = c0b.addingProduct(a0, b1)
            let a1 = SIMD8<Float>(repeating: ap[1])
            c1a = c1a.addingProduct(a1, b0); c1b = c1b.addingProduct(a1, b1)
            let a2 = SIMD8<Float>(repeating: ap[2])
            c2a = c2a.addingProduct(a2, b0); c2b = c2b.addingProduct(a2, b1)
            let a3 = SIMD8<Float>(repeating: ap[3])
            c3a = c3a.addingProduct(a3, b0); c3b = c3b.addingProduct(a3, b1)
            let a4 = SIMD8<Float>(repeating: ap[4])
            c4a = c4a.addingProduct(a4, b0); c4b = c4b.addingProduct(a4, b1)
            let a5 = SIMD8<Float>(repeating: ap[5])
            c5a = c5a.addingProduct(a5, b0); c5b = c5b.addingProduct(a5, b1)
            ap += 12
        }
        let out = UnsafeMutableRawPointer(c + col)
        put(c0a, out, 0 * 4 * ldc, accumulate); put(c0b, out, 0 * 4 * ldc + 32, accumulate)
        put(c1a, out, 1 * 4 * ldc, accumulate); put(c1b, out, 1 * 4 * ldc + 32, accumulate)
        put(c2a, out, 2 * 4 * ldc, accumulate); put(c2b, out, 2 * 4 * ldc + 32, accumulate)
        put(c3a, out, 3 * 4 * ldc, accumulate); put(c3b, out, 3 * 4 * ldc + 32, accumulate)
        put(c4a, out, 4 * 4 * ldc, accumulate); put(c4b, out, 4 * 4 * ldc + 32, accumulate)
        put(c5a, out, 5 * 4 * ldc, accumulate); put(c5b, out, 5 * 4 * ldc + 32, accumulate)
    }

    /// AVX2: C[2 x 32], 8 SIMD8 accumulators.
    @inline(never)
    static func avx2x2<B: KernelB>(kc: Int, a: UnsafePointer<Float>, b: B,
                                   c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var c00 = SIMD8<Float>()
        var c01 = SIMD8<Float>()
        var c02 = SIMD8<Float>()
        var c03 = SIMD8<Float>()
        var c10 = SIMD8<Float>()
        var c11 = SIMD8<Float>()
        var c12 = SIMD8<Float>()
        var c13 = SIMD8<Float>()
        var ap = a
        for kk in 0..<kc {
            let bp = b.row(kk)
            b.prefetch(kk)
            let b0 = bp.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            let b2 = bp.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
            let b3 = bp.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
            let a0 = SIMD8<Float>(repeating: ap[0])
            c00 = c00.addingProduct(a0, b0); c01 = c01.addingProduct(a0, b1); c02 = c02.addingProduct(a0, b2); c03 = c03.addingProduct(a0, b3)
            let a1 = SIMD8<Float>(repeating: ap[1])
            c10 = c10.addingProduct(a1, b0); c11 = c11.addingProduct(a1, b1); c12 = c12.addingProduct(a1, b2); c13 = c13.addingProduct(a1, b3)
            ap += 12
        }
        let out = UnsafeMutableRawPointer(c)
        put(c00, out, 0 * 4 * ldc + 0, accumulate); put(c01, out, 0 * 4 * ldc + 32, accumulate); put(c02, out, 0 * 4 * ldc + 64, accumulate); put(c03, out, 0 * 4 * ldc + 96, accumulate)
        put(c10, out, 1 * 4 * ldc + 0, accumulate); put(c11, out, 1 * 4 * ldc + 32, accumulate); put(c12, out, 1 * 4 * ldc + 64, accumulate); put(c13, out, 1 * 4 * ldc + 96, accumulate)
    }

    /// AVX2: one row of 32 columns (GEMV): 4 SIMD8 accumulators x 2 reduction chains.
    @inline(never)
    static func avx2x1<B: KernelB>(kc: Int, a: UnsafePointer<Float>, b: B,
                                   c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        var s00 = SIMD8<Float>()
        var s01 = SIMD8<Float>()
        var s02 = SIMD8<Float>()
        var s03 = SIMD8<Float>()
        var s10 = SIMD8<Float>()
        var s11 = SIMD8<Float>()
        var s12 = SIMD8<Float>()
        var s13 = SIMD8<Float>()
        var kk = 0
        while kk + 2 <= kc {
            let p0 = b.row(kk + 0), x0 = SIMD8<Float>(repeating: a[(kk + 0) * 12])
            s00 = s00.addingProduct(x0, p0.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)); s01 = s01.addingProduct(x0, p0.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)); s02 = s02.addingProduct(x0, p0.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)); s03 = s03.addingProduct(x0, p0.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
            let p1 = b.row(kk + 1), x1 = SIMD8<Float>(repeating: a[(kk + 1) * 12])
            s10 = s10.addingProduct(x1, p1.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)); s11 = s11.addingProduct(x1, p1.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)); s12 = s12.addingProduct(x1, p1.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)); s13 = s13.addingProduct(x1, p1.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
            kk += 2
        }
        while kk < kc {
            let p = b.row(kk), x = SIMD8<Float>(repeating: a[kk * 12])
            s00 = s00.addingProduct(x, p.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)); s01 = s01.addingProduct(x, p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)); s02 = s02.addingProduct(x, p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)); s03 = s03.addingProduct(x, p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
            kk += 1
        }
        let out = UnsafeMutableRawPointer(c)
        put((s00) + (s10), out, 0, accumulate)
        put((s01) + (s11), out, 32, accumulate)
        put((s02) + (s12), out, 64, accumulate)
        put((s03) + (s13), out, 96, accumulate)
    }

    /// AVX-512: one row of 32 columns (GEMV): 2 SIMD16 accumulators x 4 reduction chains.
    @inline(never)
    static func avx512x1<B: KernelB>(kc: Int, a: UnsafePointer<Float>, b: B,
                                   c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        var s00 = SIMD16<Float>()
        var s01 = SIMD16<Float>()
        var s10 = SIMD16<Float>()
        var s11 = SIMD16<Float>()
        var s20 = SIMD16<Float>()
        var s21 = SIMD16<Float>()
        var s30 = SIMD16<Float>()
        var s31 = SIMD16<Float>()
        var kk = 0
        while kk + 4 <= kc {
            let p0 = b.row(kk + 0), x0 = SIMD16<Float>(repeating: a[(kk + 0) * 12])
            s00 = s00.addingProduct(x0, p0.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)); s01 = s01.addingProduct(x0, p0.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
            let p1 = b.row(kk + 1), x1 = SIMD16<Float>(repeating: a[(kk + 1) * 12])
            s10 = s10.addingProduct(x1, p1.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)); s11 = s11.addingProduct(x1, p1.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
            let p2 = b.row(kk + 2), x2 = SIMD16<Float>(repeating: a[(kk + 2) * 12])
            s20 = s20.addingProduct(x2, p2.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)); s21 = s21.addingProduct(x2, p2.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
            let p3 = b.row(kk + 3), x3 = SIMD16<Float>(repeating: a[(kk + 3) * 12])
            s30 = s30.addingProduct(x3, p3.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)); s31 = s31.addingProduct(x3, p3.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
            kk += 4
        }
        while kk < kc {
            let p = b.row(kk), x = SIMD16<Float>(repeating: a[kk * 12])
            s00 = s00.addingProduct(x, p.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)); s01 = s01.addingProduct(x, p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
            kk += 1
        }
        let out = UnsafeMutableRawPointer(c)
        put((s00) + (s10) + (s20) + (s30), out, 0, accumulate)
        put((s01) + (s11) + (s21) + (s31), out, 64, accumulate)
    }

    /// AVX-512: C[n x 32] for n in 1...4 (computes 4 rows of the zero-padded panel, stores n).
    @inline(never)
    static func avx512x4<B: KernelB>(kc: Int, a: UnsafePointer<Float>, b: B, rows n: Int,
                                     c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var c0a = SIMD16<Float>()
        var c0b = SIMD16<Float>()
        var c1a = SIMD16<Float>()
        var c1b = SIMD16<Float>()
        var c2a = SIMD16<Float>()
        var c2b = SIMD16<Float>()
        var c3a = SIMD16<Float>()
        var c3b = SIMD16<Float>()
        var ap = a
        for kk in 0..<kc {
            let bp = b.row(kk)
            b.prefetch(kk)
            let b0 = bp.loadUnaligned(as: SIMD16<Float>.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            let a0 = SIMD16<Float>(repeating: ap[0])
            c0a = c0a.addingProduct(a0, b0); c0b = c0b.addingProduct(a0, b1)
            let a1 = SIMD16<Float>(repeating: ap[1])
            c1a = c1a.addingProduct(a1, b0); c1b = c1b.addingProduct(a1, b1)
            let a2 = SIMD16<Float>(repeating: ap[2])
            c2a = c2a.addingProduct(a2, b0); c2b = c2b.addingProduct(a2, b1)
            let a3 = SIMD16<Float>(repeating: ap[3])
            c3a = c3a.addingProduct(a3, b0); c3b = c3b.addingProduct(a3, b1)
            ap += 12
        }
        let out = UnsafeMutableRawPointer(c)
        put(c0a, out, 0, accumulate); put(c0b, out, 64, accumulate)
        if n > 1 { put(c1a, out, 4 * ldc, accumulate); put(c1b, out, 4 * ldc + 64, accumulate) }
        if n > 2 { put(c2a, out, 8 * ldc, accumulate); put(c2b, out, 8 * ldc + 64, accumulate) }
        if n > 3 { put(c3a, out, 12 * ldc, accumulate); put(c3b, out, 12 * ldc + 64, accumulate) }
    }

    /// What `n` rows cost on the AVX-512 tiles, in rows of a full tile's time: 12-row panels,
    /// then 8, 4 (also for 2-3 rows) and the 1-row tile, which is bound by its B loads (two per
    /// reduction step for two FMAs) and measured at about the 4-row tile's time.
    static func computedRows(_ n: Int) -> Int {
        var computed = n / 12 * 12, r = n % 12
        if r >= 8 { computed += 8; r -= 8 }
        while r >= 4 { computed += 4; r -= 4 }
        if r >= 1 { computed += 4 }
        return max(computed, 1)
    }

    /// C[rows x 32] (+)= A[rows x kc] * B[kc x 32] with the tiles of `isa`, rows 1...12: AVX-512
    /// runs 12 or 8 rows at once and the rest in 4-row and 1-row tiles; AVX2 runs 6-row tiles
    /// (two 16-column halves), then 2-row and 1-row tiles.
    @inline(__always)
    static func rows<B: KernelB>(_ isa: KernelISA, _ rows: Int, kc: Int, a: UnsafePointer<Float>, b: B,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var r = 0
        switch isa {
        case .avx512:
            if rows == 12 { b.run12(kc: kc, a: a, c: c, ldc: ldc, accumulate: accumulate); return }
            if rows >= 8 { b.run8(kc: kc, a: a, c: c, ldc: ldc, accumulate: accumulate); r = 8 }
            while rows - r >= 2 {
                let n = min(4, rows - r)
                avx512x4(kc: kc, a: a + r, b: b, rows: n, c: c + r * ldc, ldc: ldc, accumulate: accumulate)
                r += n
            }
            if r < rows { avx512x1(kc: kc, a: a + r, b: b, c: c + r * ldc, accumulate: accumulate) }
        case .avx2:
            // Column half outer: one 16-column half of B (16 KB at kc = 256) stays in L1 for
            // both 6-row groups, as BLIS's 6x16 micro-panels do.
            let groups = rows / 6
            if groups > 0 {
                for col in [0, 16] {
                    for g in 0..<groups {
                        avx2x6(kc: kc, a: a + 6 * g, b: b, col: col, c: c + 6 * g * ldc, ldc: ldc, accumulate: accumulate)
                    }
                }
                r = 6 * groups
            }
            while rows - r >= 2 {
                avx2x2(kc: kc, a: a + r, b: b, c: c + r * ldc, ldc: ldc, accumulate: accumulate)
                r += 2
            }
            if r < rows { avx2x1(kc: kc, a: a + r, b: b, c: c + r * ldc, accumulate: accumulate) }
        }
    }
}

/// The micro-tile with edges: tiles of 32 columns go straight to the output (`rows` rows of
/// them, in the tiles of `isa`); narrower ones through a 12x32 scratch tile, so packed panels
/// never need bounds checks.
@inline(__always)
func runTile(isa: KernelISA, rows: Int, cols: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
             offsets: UnsafePointer<Int>? = nil, c: UnsafeMutablePointer<Float>, ldc: Int,
             first: Bool, edge: UnsafeMutablePointer<Float>) {
    let full = cols == MicroKernel.cols
    if !full && !first {
        for i in 0..<rows { for j in 0..<cols { edge[i * 32 + j] = c[i * ldc + j] } }
    }
    let target = full ? c : edge, ld = full ? ldc : 32
    if let offsets {
        TileKernels.rows(isa, rows, kc: kc, a: a, b: IndirectB(b: b, offsets: offsets), c: target, ldc: ld,
                         accumulate: !first)
    } else {
        TileKernels.rows(isa, rows, kc: kc, a: a, b: PackedB(b: b), c: target, ldc: ld, accumulate: !first)
    }
    if full { return }
    for i in 0..<rows { for j in 0..<cols { c[i * ldc + j] = edge[i * 32 + j] } }
}
