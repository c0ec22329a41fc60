import DreamCore

/// Memory-bound layers run by direct loops (no GEMM): a depthwise convolution does 9 MACs per
/// loaded value at 3x3, pooling and add do fewer, so packing would cost more than it saves.
enum DirectKernels {
    /// Floats of staging a depthwise layer needs: one zero-padded input plane and one virtual
    /// output plane, each with slack for the last vectors' overhang.
    static func depthwiseStaging(_ spec: LayerSpec) -> Int {
        max(depthwisePlane(spec) + spec.outHeight * (spec.inWidth + 2 * spec.padW) + 64,
            DepthwiseTiles.staging(h: spec.inHeight, w: spec.inWidth, padH: spec.padH, padW: spec.padW))
    }

    static func depthwisePlane(_ spec: LayerSpec) -> Int {
        (spec.inHeight + 2 * spec.padH) * (spec.inWidth + 2 * spec.padW) + spec.kernelW + 128
    }

    /// A stride-1 plane in virtual columns: four independent 16-column accumulators hide the
    /// FMA latency; the last vectors run into the buffers' slack.
    @inline(__always)
    private static func planeStride1(_ virtual: UnsafeMutablePointer<Float>, _ staging: UnsafePointer<Float>,
                                     _ filter: UnsafePointer<Float>, _ b: Float, count: Int, wp: Int,
                                     r: Int, s: Int) {
        var q = 0
        while q < count {
            var a0 = SIMD16<Float>(repeating: b), a1 = a0, a2 = a0, a3 = a0
            for i in 0..<r {
                let src = UnsafeRawPointer(staging + i * wp + q)
                for j in 0..<s {
                    let tap = SIMD16<Float>(repeating: filter[i * s + j])
                    a0 = a0.addingProduct(tap, src.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self))
                    a1 = a1.addingProduct(tap, src.loadUnaligned(fromByteOffset: 4 * j + 64, as: SIMD16<Float>.self))
                    a2 = a2.addingProduct(tap, src.loadUnaligned(fromByteOffset: 4 * j + 128, as: SIMD16<Float>.self))
                    a3 = a3.addingProduct(tap, src.loadUnaligned(fromByteOffset: 4 * j + 192, as: SIMD16<Float>.self))
                }
            }
            let out = UnsafeMutableRawPointer(virtual + q)
            out.storeBytes(of: a0, as: SIMD16<Float>.self)
            out.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
            out.storeBytes(of: a2, toByteOffset: 128, as: SIMD16<Float>.self)
            out.storeBytes(of: a3, toByteOffset: 192, as: SIMD16<Float>.self)
            q += 64
        }
    }

    /// Copies a short row with whole vectors (the last one overlapping), never past `n`: a
    /// memmove call per row costs as much as the row's arithmetic.
    @inline(__always)
    static func copyRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
        if n < 16 {
            for i in 0..<n { dst[i] = src[i] }
            return
        }
        let d = UnsafeMutableRawPointer(dst), s = UnsafeRawPointer(src)
        var i = 0
        while i + 16 < n {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self), toByteOffset: 4 * i,
                         as: SIMD16<Float>.self)
            i += 16
        }
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * (n - 16), as: SIMD16<Float>.self),
                     toByteOffset: 4 * (n - 16), as: SIMD16<Float>.self)
    }

    /// Depthwise convolution of channels [c0, c1). Each channel plane is copied into a zero-padded
    /// staging plane (its border stays zero from allocation), so no tap needs a bounds check.
    /// 3x3 and 5x5 stride 1 (`DepthwiseTiles.covers`) run the register tiles of
    /// `DepthwiseTiles` (SIMD16 with `isa` avx512, SIMD8 with avx2), which stage the plane a band
    /// of rows ahead themselves, into rows starting on a line. Other stride-1 shapes: 16 output
    /// columns per register, R*S fused multiply-adds each. Other strides: whole-row multiply-adds,
    /// independent across columns.
    static func depthwise(_ spec: LayerSpec, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                          input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
                          output: UnsafeMutablePointer<Float>, staging: UnsafeMutablePointer<Float>,
                          channels c0: Int, _ c1: Int, isa: KernelISA) -> LayerWork {
        let h = spec.inHeight, w = spec.inWidth, oh = spec.outHeight, ow = spec.outWidth
        let r = spec.kernelH, s = spec.kernelW, sh = spec.strideH, sw = spec.strideW
        let wp = w + 2 * spec.padW
        let virtual = staging + depthwisePlane(spec)
        let tiles = sw == 1 && sh == 1 && r == s && DepthwiseTiles.covers(k: s, ow: ow)
        let inPlace = tiles && DepthwiseTiles.readsInPlace(k: s, h: h, w: w, oh: oh, padH: spec.padH, padW: spec.padW)
        if inPlace {
            DepthwiseTiles.prepare(staging: DepthwiseTiles.stagingBase(staging, padW: spec.padW), h: h, w: w,
                                   padH: spec.padH, padW: spec.padW)
        }
        for c in c0..<c1 {
            let plane = input + c * h * w
            let filter = weights + c * r * s
            let out = output + c * oh * ow
            let b = bias[c]
            if tiles {
                // Register tiles of 4 output rows, written straight to the output.
                DepthwiseTiles.plane(k: s, input: plane, h: h, w: w, padH: spec.padH, padW: spec.padW,
                                     staging: DepthwiseTiles.stagingBase(staging, padW: spec.padW), out,
                                     oh: oh, ow: ow, taps: filter, bias: b,
                                     residual: residual.map { $0 + c * oh * ow }, activation: spec.activation,
                                     wide: isa == .avx512, inPlace: inPlace)
                continue
            }
            for y in 0..<h {
                copyRow(staging + (y + spec.padH) * wp + spec.padW, plane + y * w, w)
            }
            if sw == 1 && sh == 1 {
                // Virtual columns y * wp + x over the whole plane: no per-row loop overhead;
                // the (S - 1) garbage columns per row are dropped when copying out.
                switch s {
                case 3: planeStride1(virtual, staging, filter, b, count: oh * wp, wp: wp, r: r, s: 3)
                case 5: planeStride1(virtual, staging, filter, b, count: oh * wp, wp: wp, r: r, s: 5)
                default: planeStride1(virtual, staging, filter, b, count: oh * wp, wp: wp, r: r, s: s)
                }
                for y in 0..<oh {
                    let row = out + y * ow
                    copyRow(row, virtual + y * wp, ow)
                    if let residual { let res = residual + c * oh * ow + y * ow; for x in 0..<ow { row[x] += res[x] } }
                    Epilogue.activate(row, count: ow, spec.activation)
                }
                continue
            }
            for y in 0..<oh {
                let row = out + y * ow
                let top = staging + y * sh * wp
                row.update(repeating: b, count: ow)
                for i in 0..<r {
                    for j in 0..<s {
                        let tap = filter[i * s + j], src = top + i * wp + j
                        for x in 0..<ow { row[x] += tap * src[x * sw] }
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
