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
    /// Fetches activation row `x` (12-row side) for reduction [k0, k0 + kc) into L2 ahead of
    /// its packing (a hint; GEMM input rows only).
    func prefetchActivationRow(_ x: Int, _ k0: Int, _ kc: Int)
}

extension TiledOperands {
    @inline(__always)
    func prefetchActivationRow(_ x: Int, _ k0: Int, _ kc: Int) {}
}

/// Packing on the 12-row side (GEMM input rows, weight-streaming pixels): for each 12-row panel
/// covering [x0, x1), `fill(panel, x, rows, read)` writes kc steps of 12 floats, rows
/// [0, rows) from the operand and [rows, read) as zeros: the AVX-512 4-row tile runs 2 or 3
/// rows as 4 (the 1-row tile and the AVX2 tiles read only real rows). Returns the bytes read.
@inline(__always)
func packRowPanels(_ x0: Int, _ x1: Int, kc: Int, into dst: UnsafeMutablePointer<Float>,
                   _ fill: (_ panel: UnsafeMutablePointer<Float>, _ x: Int, _ rows: Int, _ read: Int) -> Void) -> Int {
    var panel = dst
    var x = x0
    while x < x1 {
        let rows = min(12, x1 - x)
        fill(panel, x, rows, rows % 4 >= 2 ? (rows + 3) / 4 * 4 : rows)
        panel += kc * 12
        x += 12
    }
    return (x1 - x0) * kc * 4
}
