/// A convolution with few output pixels and many weights (`PreparedLayer.streams`: at most 32
/// output pixels, e.g. VR_gaming's 5x5 conv of 1104 channels at 5x4: 122 MB of weights for 20
/// pixels). Each weight is used only `pixels` times, so the layer is a weight stream: the GEMM
/// orientation is turned around, with output channels on the 32-column vector side (weights
/// prepacked in 32-channel panels, streamed once per reduction block and activation panel) and
/// the pixels on the 12-row broadcast side (12 + 8 rows for 20 pixels: no wasted lanes, where
/// the pixel-vectorised path ran 20 of 32). The product lands in a transposed [pixels x K]
/// scratch; `PreparedLayer` copies it to NCHW with bias, residual and activation.
///
/// Activations are gathered from a zero-padded copy of the input: im2col entry (k, pixel) is
/// padded[offsets[k] + pixelBase[pixel]], for any stride. Weights are packed reduction block by
/// reduction block (every dataflow's plan uses the same block), panel after panel within a
/// block, so a weight tile is one contiguous stream.
struct ConvStreamOperands: TiledOperands {
    static var weightPanel: Int { 32 }
    static var activationPanel: Int { 12 }

    let packedWeights: UnsafePointer<Float>
    let padded: UnsafePointer<Float>
    /// Per reduction index: (c * paddedH + r) * paddedW + s.
    let offsets: UnsafePointer<Int>
    /// Per output pixel: oh * strideH * paddedW + ow * strideW.
    let pixelBase: UnsafePointer<Int>
    /// [pixels x weightCount], row-major.
    let output: UnsafeMutablePointer<Float>
    let weightCount: Int
    let activationCount: Int
    let depth: Int
    let reductionBlock: Int
    let isa: KernelISA
    /// os: the output tile's weight extent (its tiles start at w0 + multiples of it, up to w1),
    /// 0 for ws and rs. After an os tile's last weight panel the next one read is the tile's
    /// first panel in the next reduction block, not the next panel in memory: the AVX2 tiles'
    /// spread prefetch of the next panel is pointed there.
    var osBlock = 0, w0 = 0, w1 = 0

    /// `k0` is always a reduction block's start.
    @inline(__always)
    func weights(_ w: Int, _ k0: Int) -> UnsafePointer<Float> {
        let panels = (weightCount + 31) / 32
        return packedWeights + k0 * panels * 32 + (w / 32) * min(reductionBlock, depth - k0) * 32
    }

    /// A single output pixel (a 1x1 output) is gathered into a dense row (`lda` 1 in the 1-row
    /// tiles) instead of column 0 of a 12-row panel: 4 bytes per reduction step in L1, not a
    /// 48-byte stride. The bytes counted are the same.
    func packActivations(_ x0: Int, _ x1: Int, _ k0: Int, _ kc: Int,
                         into dst: UnsafeMutablePointer<Float>) -> Int {
        if activationCount == 1 {
            let src = padded + pixelBase[x0]
            for kk in 0..<kc { dst[kk] = src[offsets[k0 + kk]] }
            return (x1 - x0) * kc * 4
        }
        return packRowPanels(x0, x1, kc: kc, into: dst) { panel, x, rows, read in
            // Runs of consecutive pixels (an output row's share of the panel at stride 1; the
            // whole panel for an unpadded 1x1) are copied as one vector load and store per
            // reduction step, in increasing order: each store's lanes past its run are
            // overwritten by the next run, the next step's row or the next panel (the scratch
            // and the padded copy have 16 floats of slack).
            let base = pixelBase + x
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 24) { t in
                let at = t.baseAddress!, from = at + 12
                var runs = 0, longest = 0, i = 0
                while i < rows {
                    var j = i + 1
                    while j < rows && base[j] == base[j - 1] + 1 { j += 1 }
                    at[runs] = i
                    from[runs] = base[i]
                    runs += 1
                    longest = max(longest, j - i)
                    i = j
                }
                if longest <= 4 {
                    copyRuns(SIMD4<Float>.self, panel, k0, kc, runs, at, from, rows, read)
                } else if longest <= 8 {
                    copyRuns(SIMD8<Float>.self, panel, k0, kc, runs, at, from, rows, read)
                } else {
                    copyRuns(SIMD16<Float>.self, panel, k0, kc, runs, at, from, rows, read)
                }
            }
        }
    }

    @inline(__always)
    private func copyRuns<V: SIMD>(_: V.Type, _ panel: UnsafeMutablePointer<Float>, _ k0: Int, _ kc: Int,
                                   _ runs: Int, _ at: UnsafePointer<Int>, _ from: UnsafePointer<Int>,
                                   _ rows: Int, _ read: Int) where V.Scalar == Float {
        for kk in 0..<kc {
            let src = padded + offsets[k0 + kk]
            let row = panel + kk * 12
            for r in 0..<runs {
                UnsafeMutableRawPointer(row + at[r]).storeBytes(
                    of: UnsafeRawPointer(src + from[r]).loadUnaligned(as: V.self), as: V.self)
            }
            for i in rows..<read { row[i] = 0 }
        }
    }

    @inline(__always)
    func tile(w: Int, x: Int, xEnd: Int, k0: Int, kc: Int, weights: UnsafePointer<Float>,
              activations: UnsafePointer<Float>, first: Bool, last: Bool,
              edge: UnsafeMutablePointer<Float>) {
        let rows = min(12, xEnd - x), cols = min(32, weightCount - w)
        var next = kc * 32
        if osBlock > 0 && k0 + kc < depth {
            let wt = w0 + (w - w0) / osBlock * osBlock
            if w + 32 >= min(wt + osBlock, w1) { next = self.weights(wt, k0 + kc) - weights }
        }
        runTile(isa: isa, rows: rows, cols: cols, kc: kc, a: activations, lda: activationCount == 1 ? 1 : 12,
                b: weights, nextPanel: next,
                c: output + x * weightCount + w, ldc: weightCount, first: first, edge: edge)
    }

    /// Packs canonical weights [K][C][R][S] into 32-channel panels in the reduction order of
    /// `geometry` (zero channels past K), reduction block after reduction block.
    static func packWeights(_ canonical: UnsafePointer<Float>, outChannels kg: Int,
                            geometry g: ConvGeometry, reductionBlock: Int, into dst: UnsafeMutablePointer<Float>) {
        let depth = g.depth
        var panel = dst
        var k0 = 0
        while k0 < depth {
            let kc = min(reductionBlock, depth - k0)
            var w0 = 0
            while w0 < kg {
                for kk in 0..<kc {
                    let (c, r, s) = g.decode(k0 + kk)
                    let tap = (c * g.kernelH + r) * g.kernelW + s
                    for j in 0..<32 {
                        panel[kk * 32 + j] = w0 + j < kg ? canonical[(w0 + j) * depth + tap] : 0
                    }
                }
                panel += kc * 32
                w0 += 32
            }
            k0 += kc
        }
    }

    static func packedWeightCount(outChannels kg: Int, depth: Int) -> Int { (kg + 31) / 32 * 32 * depth }
}
