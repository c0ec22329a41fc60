import DreamCore

/// Memory-bound layers run by direct loops (no GEMM): a depthwise convolution does 9 MACs per
/// loaded value at 3x3, pooling and add do fewer, so packing would cost more than it saves.
enum DirectKernels {
    /// Depthwise convolution of channels [c0, c1): each output row is built in place, one filter
    /// tap at a time over the valid output columns (vectorises along the row for stride 1).
    static func depthwise(_ spec: LayerSpec, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                          input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, channels c0: Int, _ c1: Int) -> LayerWork {
        let h = spec.inHeight, w = spec.inWidth, oh = spec.outHeight, ow = spec.outWidth
        let r = spec.kernelH, s = spec.kernelW, sh = spec.strideH, sw = spec.strideW
        for c in c0..<c1 {
            let plane = input + c * h * w
            let filter = weights + c * r * s
            let out = output + c * oh * ow
            for y in 0..<oh {
                let row = out + y * ow
                row.update(repeating: bias[c], count: ow)
                for i in 0..<r {
                    let ih = y * sh - spec.padH + i
                    if ih < 0 || ih >= h { continue }
                    let src = plane + ih * w
                    for j in 0..<s {
                        let tap = filter[i * s + j]
                        let shift = j - spec.padW
                        // Valid output columns: 0 <= x * sw + shift < w.
                        let lo = shift >= 0 ? 0 : (-shift + sw - 1) / sw
                        let hi = min(ow, (w - shift + sw - 1) / sw)
                        if lo >= hi { continue }
                        if sw == 1 {
                            let base = src + shift
                            for x in lo..<hi { row[x] += tap * base[x] }
                        } else {
                            for x in lo..<hi { row[x] += tap * src[x * sw + shift] }
                        }
                    }
                }
                if let residual { let res = residual + c * oh * ow + y * ow; for x in 0..<ow { row[x] += res[x] } }
                Epilogue.activate(row, count: ow, spec.activation)
            }
        }
        let n = c1 - c0
        let outs = n * oh * ow
        return LayerWork(macs: outs * r * s,
                         l1: 4 * (2 * outs * r * s + outs),
                         l2: 0,
                         llc: 0,
                         dram: 4 * (n * h * w + n * (r * s + 1) + outs * (residual == nil ? 1 : 2)))
    }

    /// Max or average pooling of channels [c0, c1); the average divides by the full window
    /// (padding counts as zeros, PyTorch's count_include_pad default).
    static func pool(_ spec: LayerSpec, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                     channels c0: Int, _ c1: Int) -> LayerWork {
        let h = spec.inHeight, w = spec.inWidth, oh = spec.outHeight, ow = spec.outWidth
        let isMax = spec.op == .maxpool
        let scale = 1 / Float(spec.kernelH * spec.kernelW)
        for c in c0..<c1 {
            let plane = input + c * h * w
            let out = output + c * oh * ow
            for y in 0..<oh {
                let ih0 = y * spec.strideH - spec.padH
                for x in 0..<ow {
                    let iw0 = x * spec.strideW - spec.padW
                    var acc: Float = isMax ? -.infinity : 0
                    for i in max(0, ih0)..<min(h, ih0 + spec.kernelH) {
                        let src = plane + i * w
                        for j in max(0, iw0)..<min(w, iw0 + spec.kernelW) {
                            acc = isMax ? max(acc, src[j]) : acc + src[j]
                        }
                    }
                    out[y * ow + x] = isMax ? acc : acc * scale
                }
                Epilogue.activate(out + y * ow, count: ow, spec.activation)
            }
        }
        let n = c1 - c0
        let outs = n * oh * ow
        return LayerWork(macs: outs * spec.kernelH * spec.kernelW,
                         l1: 4 * (outs * spec.kernelH * spec.kernelW + outs),
                         dram: 4 * (n * h * w + outs))
    }

    /// Element-wise add of elements [e0, e1) with the fused activation.
    static func add(_ spec: LayerSpec, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>, elements e0: Int, _ e1: Int) -> LayerWork {
        let n = e1 - e0
        if n <= 0 { return .zero }
        let out = output + e0, x = a + e0, y = b + e0
        for i in 0..<n { out[i] = x[i] + y[i] }
        Epilogue.activate(out, count: n, spec.activation)
        return LayerWork(macs: n, l1: 12 * n, dram: 12 * n)
    }
}
