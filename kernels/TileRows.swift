/// Which register tiles (`TileKernels`, generated) cover a panel's rows on each ISA, and the
/// edge handling around them.
extension TileKernels {
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
            if rows == 12 { avx512x12(kc: kc, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate); return }
            if rows >= 8 { avx512x8(kc: kc, a: a, b: b, c: c, ldc: ldc, accumulate: accumulate); r = 8 }
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
                let shift = groups == 2 ? 2 : 1  // 4 or 2 calls share the next panel's prefetch
                for (half, col) in [0, 16].enumerated() {
                    for g in 0..<groups {
                        avx2x6(kc: kc, a: a + 6 * g, b: b, col: col, shareStart: (half * groups + g) * (kc >> shift),
                               shareShift: shift, c: c + 6 * g * ldc, ldc: ldc, accumulate: accumulate)
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
/// never need bounds checks. `nextPanel`: floats from `b` to the next B panel, for the AVX2
/// tiles' spread prefetch of streamed weights (0: weights that stay in L2, no prefetch).
@inline(__always)
func runTile(isa: KernelISA, rows: Int, cols: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
             offsets: UnsafePointer<Int>? = nil, nextPanel: Int = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
             first: Bool, edge: UnsafeMutablePointer<Float>) {
    let full = cols == 32
    if !full && !first {
        for i in 0..<rows { for j in 0..<cols { edge[i * 32 + j] = c[i * ldc + j] } }
    }
    let target = full ? c : edge, ld = full ? ldc : 32
    if let offsets {
        TileKernels.rows(isa, rows, kc: kc, a: a, b: IndirectB(b: b, offsets: offsets), c: target, ldc: ld,
                         accumulate: !first)
    } else if nextPanel > 0 {
        TileKernels.rows(isa, rows, kc: kc, a: a, b: StreamedB(packed: PackedB(b: b), next: nextPanel), c: target,
                         ldc: ld, accumulate: !first)
    } else {
        TileKernels.rows(isa, rows, kc: kc, a: a, b: PackedB(b: b), c: target, ldc: ld, accumulate: !first)
    }
    if full { return }
    for i in 0..<rows { for j in 0..<cols { c[i * ldc + j] = edge[i * 32 + j] } }
}
