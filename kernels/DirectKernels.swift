import DreamCore

/// Memory-bound layers run by direct loops (no GEMM): a depthwise convolution does 9 MACs per
/// loaded value at 3x3, pooling and add do fewer, so packing would cost more than it saves.
enum DirectKernels {
    /// Floats of staging a depthwise layer needs: one zero-padded input plane plus slack for
    /// the last vector's overhang.
    static func depthwiseStaging(_ spec: LayerSpec) -> Int {
        (spec.inHeight + 2 * spec.padH) * (spec.inWidth + 2 * spec.padW) + spec.kernelW + 128
    }

    /// One stride-1 output row: four independent 16-column accumulators hide the FMA latency;
    /// lanes past the row are computed from the staging slack and dropped.
    @inline(__always)
    private static func rowStride1(_ row: UnsafeMutablePointer<Float>, _ top: UnsafePointer<Float>,
                                   _ filter: UnsafePointer<Float>, _ b: Float, ow: Int, end: Int, wp: Int,
                                   r: Int, s: Int) {
        var x = 0
        while x < ow {
            var a0 = SIMD16<Float>(repeating: b), a1 = a0, a2 = a0, a3 = a0
            for i in 0..<r {
                let src = UnsafeRawPointer(top + i * wp + x)
                for j in 0..<s {
                    let tap = SIMD16<Float>(repeating: filter[i * s + j])
                    a0 = a0.addingProduct(tap, src.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self))
                    a1 = a1.addingProduct(tap, src.loadUnaligned(fromByteOffset: 4 * j + 64, as: SIMD16<Float>.self))
                    a2 = a2.addingProduct(tap, src.loadUnaligned(fromByteOffset: 4 * j + 128, as: SIMD16<Float>.self))
                    a3 = a3.addingProduct(tap, src.loadUnaligned(fromByteOffset: 4 * j + 192, as: SIMD16<Float>.self))
                }
            }
            store(a0, row, x, end); store(a1, row, x + 16, end)
            store(a2, row, x + 32, end); store(a3, row, x + 48, end)
            x += 64
        }
    }

    /// Stores the lanes of `v` that fall before `end` at row[x...].
    @inline(__always)
    private static func store(_ v: SIMD16<Float>, _ row: UnsafeMutablePointer<Float>, _ x: Int, _ end: Int) {
        if x + 16 <= end {
            UnsafeMutableRawPointer(row + x).storeBytes(of: v, as: SIMD16<Float>.self)
        } else {
            for l in 0..<max(0, end - x) { row[x + l] = v[l] }
        }
    }

    /// Depthwise convolution of channels [c0, c1). Each channel plane is first copied into a
    /// zero-padded staging plane (its border stays zero from allocation), so no tap needs a
    /// bounds check. Stride 1: 16 output columns per register, R*S fused multiply-adds each.
    /// Other strides: whole-row multiply-adds, independent across columns.
    static func depthwise(_ spec: LayerSpec, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                          input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, staging: UnsafeMutablePointer<Float>,
                          channels c0: Int, _ c1: Int) -> LayerWork {
        let h = spec.inHeight, w = spec.inWidth, oh = spec.outHeight, ow = spec.outWidth
        let r = spec.kernelH, s = spec.kernelW, sh = spec.strideH, sw = spec.strideW
        let wp = w + 2 * spec.padW
        for c in c0..<c1 {
            let plane = input + c * h * w
            for y in 0..<h {
                (staging + (y + spec.padH) * wp + spec.padW).update(from: plane + y * w, count: w)
            }
            let filter = weights + c * r * s
            let out = output + c * oh * ow
            let b = bias[c]
            for y in 0..<oh {
                let row = out + y * ow
                let top = staging + y * sh * wp
                if sw == 1 {
                    // Constant kernel widths let the tap loop unroll.
                    // Whole vectors may spill past the row into rows computed next (and so
                    // overwritten); only the plane's last rows must stop at the plane's end.
                    let end = (y * ow + (ow + 63) / 64 * 64) <= oh * ow ? (ow + 63) / 64 * 64 : ow
                    switch s {
                    case 3: rowStride1(row, top, filter, b, ow: ow, end: end, wp: wp, r: r, s: 3)
                    case 5: rowStride1(row, top, filter, b, ow: ow, end: end, wp: wp, r: r, s: 5)
                    default: rowStride1(row, top, filter, b, ow: ow, end: end, wp: wp, r: r, s: s)
                    }
                } else {
                    row.update(repeating: b, count: ow)
                    for i in 0..<r {
                        for j in 0..<s {
                            let tap = filter[i * s + j], src = top + i * wp + j
                            for x in 0..<ow { row[x] += tap * src[x * sw] }
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
                         l1: 4 * (outs * r * s + outs),
                         l2: 4 * 2 * n * h * w,
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
