/// The shape facts a convolution's packer needs, for one group.
struct ConvGeometry {
    var height: Int, width: Int
    var outHeight: Int, outWidth: Int
    var kernelH: Int, kernelW: Int
    var strideH: Int, strideW: Int
    var padH: Int, padW: Int
    /// Input channels per group.
    var channels: Int
    /// Reduction order: (r, c, s) when true (row-stationary: one filter row's chunk at a time),
    /// else (c, r, s).
    var filterRowMajor: Bool

    var depth: Int { channels * kernelH * kernelW }

    /// (c, r, s) of reduction index `k`.
    @inline(__always)
    func decode(_ k: Int) -> (c: Int, r: Int, s: Int) {
        let s = k % kernelW, rest = k / kernelW
        if filterRowMajor { return (rest % channels, rest / channels, s) }
        return (rest / kernelH, rest % kernelH, s)
    }

    /// The reduction index after (c, r, s), as a (c, r, s) triple.
    @inline(__always)
    func next(_ c: inout Int, _ r: inout Int, _ s: inout Int) {
        s += 1
        if s < kernelW { return }
        s = 0
        if filterRowMajor {
            c += 1
            if c == channels { c = 0; r += 1 }
        } else {
            r += 1
            if r == kernelH { r = 0; c += 1 }
        }
    }
}

/// A stride-1 convolution reads B in place from a zero-padded copy of its input: output pixel
/// (oh, ow) sits at "virtual" column oh * paddedWidth + ow, so 32 consecutive virtual columns
/// are 32 consecutive padded-input floats at every reduction step (offset table). Columns with
/// ow >= outWidth are garbage, computed into a virtual output and dropped when it is compacted.
///
/// A 1x1, stride-1, unpadded convolution needs no padded copy at all (`inPlace`): B is the input
/// itself and virtual columns are real ones; only a ragged last panel is packed.
struct ImplicitInput {
    let padded: UnsafePointer<Float>
    let offsets: UnsafePointer<Int>
    let inPlace: Bool
}

/// A convolution (one group) as a product: weights [Kg x Cg*R*S] times implicit im2col columns
/// [Cg*R*S x outH*outW], written to NCHW output.
struct ConvOperands: TiledOperands {
    static var weightPanel: Int { 12 }
    static var activationPanel: Int { 32 }

    let packedWeights: UnsafePointer<Float>
    let bias: UnsafePointer<Float>
    let input: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let residual: UnsafePointer<Float>?
    let geometry: ConvGeometry
    let weightCount: Int
    let epilogue: Epilogue
    /// Set for stride 1: then `output` is the virtual output and `activationCount` counts
    /// virtual columns; the epilogue runs at compaction.
    let implicit: ImplicitInput?
    let activationCount: Int
    let isa: KernelISA
    var depth: Int { geometry.depth }

    @inline(__always)
    func weights(_ w: Int, _ k0: Int) -> UnsafePointer<Float> {
        packedWeights + (w / 12) * depth * 12 + k0 * 12
    }

    func packActivations(_ x0: Int, _ x1: Int, _ k0: Int, _ kc: Int,
                         into dst: UnsafeMutablePointer<Float>) -> Int {
        if let implicit {
            // In place: only a ragged last panel needs packing (a full one is read directly).
            if implicit.inPlace && (x1 - x0) % 32 != 0 {
                let x = x0 + (x1 - x0) / 32 * 32
                _ = packPanels(x, x1, k0, kc, into: dst + (x - x0) / 32 * kc * 32)
            }
            return (x1 - x0) * kc * 4
        }
        return packPanels(x0, x1, k0, kc, into: dst)
    }

    /// Explicit im2col: panel after panel of 32 columns, kc rows each.
    private func packPanels(_ x0: Int, _ x1: Int, _ k0: Int, _ kc: Int,
                            into dst: UnsafeMutablePointer<Float>) -> Int {
        let g = geometry
        var panel = dst
        var x = x0
        var read = 0
        let byList = packsStride2ByList
        while x < x1 {
            let n = min(32, x1 - x)
            if byList {
                packStride2Panel(panel, x: x, n: n, k0: k0, kc: kc)
                read += n * kc * 4
                panel += kc * 32
                x += 32
                continue
            }
            let oh0 = x / g.outWidth, ow0 = x % g.outWidth
            var (c, r, s) = g.decode(k0)
            for kk in 0..<kc {
                let row = panel + kk * 32
                let plane = input + c * g.height * g.width
                var col = 0, oh = oh0, ow = ow0
                while col < n {
                    let len = min(n - col, g.outWidth - ow)
                    copySegment(row + col, plane, ih: oh * g.strideH - g.padH + r,
                                iw: ow * g.strideW - g.padW + s, count: len)
                    col += len
                    oh += 1
                    ow = 0
                }
                if n < 32 { (row + n).update(repeating: 0, count: 32 - n) }
                g.next(&c, &r, &s)
            }
            read += n * kc * 4
            panel += kc * 32
            x += 32
        }
        return read
    }

    /// Copies `count` im2col entries of one output row: input[ih][iw + t * strideW], zero where
    /// the window hangs into the padding.
    @inline(__always)
    private func copySegment(_ dst: UnsafeMutablePointer<Float>, _ plane: UnsafePointer<Float>,
                             ih: Int, iw: Int, count: Int) {
        let g = geometry
        if ih < 0 || ih >= g.height { dst.update(repeating: 0, count: count); return }
        let src = plane + ih * g.width
        if g.strideW == 1 {
            let lo = min(count, max(0, -iw)), hi = max(lo, min(count, g.width - iw))
            if lo > 0 { dst.update(repeating: 0, count: lo) }
            if hi > lo { (dst + lo).update(from: src + iw + lo, count: hi - lo) }
            if hi < count { (dst + hi).update(repeating: 0, count: count - hi) }
        } else {
            var p = iw
            for t in 0..<count {
                dst[t] = (p >= 0 && p < g.width) ? src[p] : 0
                p += g.strideW
            }
        }
    }

    @inline(__always)
    func tile(w: Int, x: Int, xEnd: Int, k0: Int, kc: Int, weights: UnsafePointer<Float>,
              activations: UnsafePointer<Float>, first: Bool, last: Bool,
              edge: UnsafeMutablePointer<Float>) {
        let rows = min(12, weightCount - w), cols = min(32, xEnd - x)
        let ldc = activationCount
        let c = output + w * ldc + x
        if let implicit, cols == 32 || !implicit.inPlace {
            runTile(isa: isa, rows: rows, cols: cols, kc: kc, a: weights, b: implicit.padded + x,
                    offsets: implicit.offsets + k0, c: c, ldc: ldc, first: first, edge: edge)
            // The padded path's epilogue runs when its virtual output is compacted.
            if !implicit.inPlace { return }
        } else {
            runTile(isa: isa, rows: rows, cols: cols, kc: kc, a: weights, b: activations, c: c, ldc: ldc,
                    first: first, edge: edge)
        }
        if last {
            epilogue.apply(c, ldc: ldc, rows: rows, cols: cols, bias: bias + w,
                           residual: residual.map { $0 + w * ldc + x })
        }
    }

    /// Packs canonical weights [Kg][Cg][R][S] of one group into 12-row panels in the
    /// reduction order of `geometry` (zero rows past Kg).
    static func packWeights(_ canonical: UnsafePointer<Float>, outChannels kg: Int,
                            geometry g: ConvGeometry, into dst: UnsafeMutablePointer<Float>) {
        let depth = g.depth
        var w0 = 0
        var panel = dst
        while w0 < kg {
            for kk in 0..<depth {
                let (c, r, s) = g.decode(kk)
                for i in 0..<12 {
                    let o = w0 + i
                    panel[kk * 12 + i] = o < kg
                        ? canonical[((o * g.channels + c) * g.kernelH + r) * g.kernelW + s] : 0
                }
            }
            panel += depth * 12
            w0 += 12
        }
    }

    static func packedWeightCount(outChannels kg: Int, depth: Int) -> Int {
        (kg + 11) / 12 * 12 * depth
    }
}

