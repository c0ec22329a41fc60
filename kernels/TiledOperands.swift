/// One matrix product as the tile loops see it: a weight side (prepacked panels) and an
/// activation side (packed at run time into scratch), reduced over `depth`. A convolution puts
/// weights on the micro-kernel's 12-row side and output pixels on its 32-column side; a GEMM
/// layer puts input rows on the 12-row side and weights on the 32-column side, so each output
/// stays row-major without a transpose.
protocol TiledOperands {
    /// Panel widths on the weight and activation sides (12/32 or 32/12).
    static var weightPanel: Int { get }
    static var activationPanel: Int { get }
    /// Outputs along the weight side (output channels, n) and the activation side (pixels, m).
    var weightCount: Int { get }
    var activationCount: Int { get }
    var depth: Int { get }

    /// The prepacked weight panel holding weight index `w` (a panel start), from reduction `k0`.
    func weights(_ w: Int, _ k0: Int) -> UnsafePointer<Float>
    /// Packs activation panels covering [x0, x1) for reduction [k0, k0 + kc) into `dst`, panel
    /// after panel (each kc x activationPanel floats, zero-filled past x1). Returns bytes read.
    func packActivations(_ x0: Int, _ x1: Int, _ k0: Int, _ kc: Int,
                         into dst: UnsafeMutablePointer<Float>) -> Int
    /// Computes one micro-tile: weight panel at `w`, activation panel at `x` valid up to `xEnd`.
    func tile(w: Int, x: Int, xEnd: Int, k0: Int, kc: Int, weights: UnsafePointer<Float>,
              activations: UnsafePointer<Float>, first: Bool, last: Bool,
              edge: UnsafeMutablePointer<Float>)
}

/// The micro-tile with edges: full tiles go straight to the output; partial ones through a 12x32
/// scratch tile, so packed panels never need bounds checks.
@inline(__always)
func runTile(rows: Int, cols: Int, kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
             offsets: UnsafePointer<Int>? = nil, c: UnsafeMutablePointer<Float>, ldc: Int,
             first: Bool, edge: UnsafeMutablePointer<Float>) {
    if rows == 8 && cols == MicroKernel.cols {
        if let offsets {
            MicroKernel.runIndirect8(depth: kc, a: a, b: b, offsets: offsets, c: c, ldc: ldc, accumulate: !first)
        } else {
            MicroKernel.run8(depth: kc, a: a, b: b, c: c, ldc: ldc, accumulate: !first)
        }
        return
    }
    let full = rows == MicroKernel.rows && cols == MicroKernel.cols
    if !full && !first {
        for i in 0..<rows { for j in 0..<cols { edge[i * 32 + j] = c[i * ldc + j] } }
    }
    let target = full ? c : edge, ld = full ? ldc : 32
    if let offsets {
        MicroKernel.runIndirect(depth: kc, a: a, b: b, offsets: offsets, c: target, ldc: ld,
                                accumulate: !first)
    } else {
        MicroKernel.run(depth: kc, a: a, b: b, c: target, ldc: ld, accumulate: !first)
    }
    if full { return }
    for i in 0..<rows { for j in 0..<cols { c[i * ldc + j] = edge[i * 32 + j] } }
}
