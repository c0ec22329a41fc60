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
