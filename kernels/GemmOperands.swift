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
            for i in 0..<rows {
                let src = input + (x + i) * k + k0
                for kk in 0..<kc { panel[kk * 12 + i] = src[kk] }
            }
            if rows < read {
                for kk in 0..<kc { for i in rows..<read { panel[kk * 12 + i] = 0 } }
            }
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
