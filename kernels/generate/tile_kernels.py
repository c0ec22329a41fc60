# Writes kernels/TileKernels.swift: the AVX2 (SIMD8) tiles, the AVX-512 few-row tiles and runTile.
# Run from anywhere: python3 kernels/generate/tile_kernels.py
import os
out = []
w = out.append
w('''import CDreamShims

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
''')

# AVX2 6x16
def acc_decl(names, T):
    return '\n'.join(f'        var {n} = {T}()' for n in names)

rows6 = range(6)
w('''    /// AVX2: C[6 x 16] at column `col` (0 or 16) of the 32-column B rows.
    @inline(never)
    static func avx2x6<B: KernelB>(kc: Int, a: UnsafePointer<Float>, b: B, col: Int,
                                   c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {''')
w(acc_decl([f'c{i}{j}' for i in rows6 for j in 'ab'], 'SIMD8<Float>'))
w('''        var ap = a
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
            let b1 = bp.loadUnaligned(fromByteOffset: off + 32, as: SIMD8<Float>.self)''')
for i in rows6:
    w(f'            let a{i} = SIMD8<Float>(repeating: ap[{i}])')
    w(f'            c{i}a = c{i}a.addingProduct(a{i}, b0); c{i}b = c{i}b.addingProduct(a{i}, b1)')
w('''            ap += 12
        }
        let out = UnsafeMutableRawPointer(c + col)''')
for i in rows6:
    w(f'        put(c{i}a, out, {i} * 4 * ldc, accumulate); put(c{i}b, out, {i} * 4 * ldc + 32, accumulate)')
w('    }\n')

# AVX2 2x32
w('''    /// AVX2: C[2 x 32], 8 SIMD8 accumulators.
    @inline(never)
    static func avx2x2<B: KernelB>(kc: Int, a: UnsafePointer<Float>, b: B,
                                   c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {''')
w(acc_decl([f'c{i}{j}' for i in range(2) for j in range(4)], 'SIMD8<Float>'))
w('''        var ap = a
        for kk in 0..<kc {
            let bp = b.row(kk)
            b.prefetch(kk)''')
for j in range(4):
    w(f'            let b{j} = bp.loadUnaligned(fromByteOffset: {32*j}, as: SIMD8<Float>.self)')
for i in range(2):
    w(f'            let a{i} = SIMD8<Float>(repeating: ap[{i}])')
    w('            ' + '; '.join(f'c{i}{j} = c{i}{j}.addingProduct(a{i}, b{j})' for j in range(4)))
w('''            ap += 12
        }
        let out = UnsafeMutableRawPointer(c)''')
for i in range(2):
    w('        ' + '; '.join(f'put(c{i}{j}, out, {i} * 4 * ldc + {32*j}, accumulate)' for j in range(4)))
w('    }\n')

# 1x32 generic over vector width: AVX2 SIMD8 with 4 vectors x 2 chains; AVX-512 SIMD16 2 vectors x 4 chains
prefetch = False
def one_row(name, T, vecs, chains, doc):
    width = 16 if T == 'SIMD16<Float>' else 8
    w(f'''    /// {doc}
    @inline(never)
    static func {name}<B: KernelB>(kc: Int, a: UnsafePointer<Float>, b: B,
                                   c: UnsafeMutablePointer<Float>, accumulate: Bool) {{''')
    w(acc_decl([f's{h}{j}' for h in range(chains) for j in range(vecs)], T))
    w(f'''        var kk = 0
        while kk + {chains} <= kc {{''')
    for h in range(chains):
        if prefetch: w(f'            b.prefetch(kk + {h})')
        w(f'            let p{h} = b.row(kk + {h}), x{h} = {T}(repeating: a[(kk + {h}) * 12])')
        w('            ' + '; '.join(f's{h}{j} = s{h}{j}.addingProduct(x{h}, p{h}.loadUnaligned(fromByteOffset: {4*width*j}, as: {T}.self))' for j in range(vecs)))
    w(f'''            kk += {chains}
        }}
        while kk < kc {{
            let p = b.row(kk), x = {T}(repeating: a[kk * 12])''')
    w('            ' + '; '.join(f's0{j} = s0{j}.addingProduct(x, p.loadUnaligned(fromByteOffset: {4*width*j}, as: {T}.self))' for j in range(vecs)))
    w('''            kk += 1
        }
        let out = UnsafeMutableRawPointer(c)''')
    for j in range(vecs):
        w(f'        put(' + ' + '.join(f'(s{h}{j})' for h in range(chains)) + f', out, {4*width*j}, accumulate)')
    w('    }\n')

one_row('avx2x1', 'SIMD8<Float>', 4, 2, 'AVX2: one row of 32 columns (GEMV): 4 SIMD8 accumulators x 2 reduction chains.')
one_row('avx512x1', 'SIMD16<Float>', 2, 4, 'AVX-512: one row of 32 columns (GEMV): 2 SIMD16 accumulators x 4 reduction chains.')

# AVX-512 4x32 storing n rows
w('''    /// AVX-512: C[n x 32] for n in 1...4 (computes 4 rows of the zero-padded panel, stores n).
    @inline(never)
    static func avx512x4<B: KernelB>(kc: Int, a: UnsafePointer<Float>, b: B, rows n: Int,
                                     c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {''')
w(acc_decl([f'c{i}{j}' for i in range(4) for j in 'ab'], 'SIMD16<Float>'))
w('''        var ap = a
        for kk in 0..<kc {
            let bp = b.row(kk)
            b.prefetch(kk)
            let b0 = bp.loadUnaligned(as: SIMD16<Float>.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)''')
for i in range(4):
    w(f'            let a{i} = SIMD16<Float>(repeating: ap[{i}])')
    w(f'            c{i}a = c{i}a.addingProduct(a{i}, b0); c{i}b = c{i}b.addingProduct(a{i}, b1)')
w('''            ap += 12
        }
        let out = UnsafeMutableRawPointer(c)
        put(c0a, out, 0, accumulate); put(c0b, out, 64, accumulate)
        if n > 1 { put(c1a, out, 4 * ldc, accumulate); put(c1b, out, 4 * ldc + 64, accumulate) }
        if n > 2 { put(c2a, out, 8 * ldc, accumulate); put(c2b, out, 8 * ldc + 64, accumulate) }
        if n > 3 { put(c3a, out, 12 * ldc, accumulate); put(c3b, out, 12 * ldc + 64, accumulate) }
    }
''')

w('''    /// What `n` rows cost on the AVX-512 tiles, in rows of a full tile's time: 12-row panels,
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
''')
w('/// The micro-tile with edges: tiles of 32 columns go straight to the output (`rows` rows of\n/// them, in the tiles of `isa`); narrower ones through a 12x32 scratch tile, so packed panels\n/// never need bounds checks.\n@inline(__always)\nfunc runTile(isa: KernelISA, rows: Int, cols: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,\n             offsets: UnsafePointer<Int>? = nil, c: UnsafeMutablePointer<Float>, ldc: Int,\n             first: Bool, edge: UnsafeMutablePointer<Float>) {\n    let full = cols == MicroKernel.cols\n    if !full && !first {\n        for i in 0..<rows { for j in 0..<cols { edge[i * 32 + j] = c[i * ldc + j] } }\n    }\n    let target = full ? c : edge, ld = full ? ldc : 32\n    if let offsets {\n        TileKernels.rows(isa, rows, kc: kc, a: a, b: IndirectB(b: b, offsets: offsets), c: target, ldc: ld,\n                         accumulate: !first)\n    } else {\n        TileKernels.rows(isa, rows, kc: kc, a: a, b: PackedB(b: b), c: target, ldc: ld, accumulate: !first)\n    }\n    if full { return }\n    for i in 0..<rows { for j in 0..<cols { c[i * ldc + j] = edge[i * 32 + j] } }\n}\n')
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'TileKernels.swift'), 'w').write('\n'.join(out))
