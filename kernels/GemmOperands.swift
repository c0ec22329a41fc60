import CDreamShims

/// A GEMM layer: input [m x k] row-major times weights [k x n], output [m x n] row-major. Input
/// rows are packed at run time into 12-row panels; weights are prepacked into 32-column panels.
struct GemmOperands: TiledOperands {
    static var weightPanel: Int { 32 }
    static var activationPanel: Int { 12 }

    let packedWeights: UnsafePointer<Float>
    let bias: UnsafePointer<Float>
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let residual: UnsafePointer<Float>?
    let m: Int, n: Int, k: Int
    let epilogue: Epilogue
    let isa: KernelISA

    var weightCount: Int { n }
    var activationCount: Int { m }
    var depth: Int { k }

    @inline(__always)
    func weights(_ w: Int, _ k0: Int) -> UnsafePointer<Float> {
        packedWeights + (w / 32) * k * 32 + k0 * 32
    }

    /// A single input row (m = 1: a GEMV, batch 1) is not packed: the 1-row tiles read it in
    /// place (`lda` 1), so every dataflow's re-reads of it cost no copy; the bytes counted are
    /// the same as a pack's.
    func packActivations(_ x0: Int, _ x1: Int, _ k0: Int, _ kc: Int,
                         into dst: UnsafeMutablePointer<Float>) -> Int {
        if m == 1 { return (x1 - x0) * kc * 4 }
        return packRowPanels(x0, x1, kc: kc, into: dst) { panel, x, rows, read in
            var i = 0
            while i + 4 <= rows {
                packFourRows(panel + i, from: input + (x + i) * k + k0, kc: kc)
                i += 4
            }
            for r in i..<rows {
                let src = input + (x + r) * k + k0
                for kk in 0..<kc { panel[kk * 12 + r] = src[kk] }
            }
            if rows < read {
                for kk in 0..<kc { for r in rows..<read { panel[kk * 12 + r] = 0 } }
            }
        }
    }

    /// Four input rows into a panel's columns: 4 x 4 blocks transposed in registers, so each
    /// reduction step takes one 16-byte store instead of four scalar ones (the scalar copy,
    /// one store per float, cost the AVX2 GEMM 2-4%).
    @inline(__always)
    private func packFourRows(_ panel: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>, kc: Int) {
        let s0 = UnsafeRawPointer(src), s1 = s0 + 4 * k, s2 = s1 + 4 * k, s3 = s2 + 4 * k
        let out = UnsafeMutableRawPointer(panel)
        var kk = 0
        while kk + 4 <= kc {
            let r0 = s0.loadUnaligned(fromByteOffset: 4 * kk, as: SIMD4<Float>.self)
            let r1 = s1.loadUnaligned(fromByteOffset: 4 * kk, as: SIMD4<Float>.self)
            let r2 = s2.loadUnaligned(fromByteOffset: 4 * kk, as: SIMD4<Float>.self)
            let r3 = s3.loadUnaligned(fromByteOffset: 4 * kk, as: SIMD4<Float>.self)
            // (r0 r1).even = a0 a2 b0 b2; its even half with (r2 r3)'s: a0 b0 c0 d0, and so on.
            let ab = SIMD8(lowHalf: r0, highHalf: r1), cd = SIMD8(lowHalf: r2, highHalf: r3)
            let even = SIMD8(lowHalf: ab.evenHalf, highHalf: cd.evenHalf)
            let odd = SIMD8(lowHalf: ab.oddHalf, highHalf: cd.oddHalf)
            let o = out + 48 * kk
            o.storeBytes(of: even.evenHalf, toByteOffset: 0, as: SIMD4<Float>.self)
            o.storeBytes(of: odd.evenHalf, toByteOffset: 48, as: SIMD4<Float>.self)
            o.storeBytes(of: even.oddHalf, toByteOffset: 96, as: SIMD4<Float>.self)
            o.storeBytes(of: odd.oddHalf, toByteOffset: 144, as: SIMD4<Float>.self)
            kk += 4
        }
        while kk < kc {
            for r in 0..<4 { panel[kk * 12 + r] = src[r * k + kk] }
            kk += 1
        }
    }

    /// Input row `x`'s floats [k0, k0 + kc) into L2 (a single row is read in place, unpacked).
    @inline(__always)
    func prefetchActivationRow(_ x: Int, _ k0: Int, _ kc: Int) {
        if m == 1 { return }
        let src = input + x * k + k0
        var j = 0
        while j < kc {
            CDreamShims_prefetch_l2(src + j)
            j += 16
        }
    }

    @inline(__always)
    func tile(w: Int, x: Int, xEnd: Int, k0: Int, kc: Int, weights: UnsafePointer<Float>,
              activations: UnsafePointer<Float>, first: Bool, last: Bool,
              edge: UnsafeMutablePointer<Float>) {
        let rows = min(12, xEnd - x), cols = min(32, n - w)
        let c = output + x * n + w
        let (a, lda) = m == 1 ? (input + x * k + k0, 1) : (activations, 12)
        runTile(isa: isa, rows: rows, cols: cols, kc: kc, a: a, lda: lda, b: weights,
                nextPanel: k * n * 4 > TileLoops.l2Budget ? k * 32 : 0, c: c,
                ldc: n, first: first, edge: edge)
        if last {
            epilogue.apply(c, ldc: n, rows: rows, cols: cols, bias: bias + w,
                           residual: residual.map { $0 + x * n + w })
        }
    }

    /// Packs canonical weights [k][n] into 32-column panels (zero columns past n).
    static func packWeights(_ canonical: UnsafePointer<Float>, k: Int, n: Int,
                            into dst: UnsafeMutablePointer<Float>) {
        var w0 = 0
        var panel = dst
        while w0 < n {
            for kk in 0..<k {
                for j in 0..<32 {
                    panel[kk * 32 + j] = w0 + j < n ? canonical[kk * n + w0 + j] : 0
                }
            }
            panel += k * 32
            w0 += 32
        }
    }

    static func packedWeightCount(k: Int, n: Int) -> Int { (n + 31) / 32 * 32 * k }
}
