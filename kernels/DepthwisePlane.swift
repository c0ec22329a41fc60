import DreamCore

/// One depthwise stride-1 channel plane (3x3 or 5x5) in register tiles of up to 4 output rows x
/// 32 or 16 columns (`DepthwiseTiles`, generated), straight into the output.
extension DepthwiseTiles {
    /// Output rows [0, oh) of one channel: `src` is the zero-padded staging plane (row stride
    /// wp), `dst` the channel's output (row stride ow >= 16). Columns run in 32- and 16-wide
    /// steps, the last step overlapping the previous one (recomputing a few outputs) so nothing
    /// is written past a row. Bias, residual and activation are applied in registers (the
    /// overlapping step recomputes from the input, so applying them twice cannot happen).
    static func plane(k: Int, _ src: UnsafePointer<Float>, wp: Int, _ dst: UnsafeMutablePointer<Float>,
                      oh: Int, ow: Int, taps: UnsafePointer<Float>, bias: Float, residual: UnsafePointer<Float>?,
                      activation: Activation) {
        switch activation {
        case .none: plane(k: k, src, wp: wp, dst, oh: oh, ow: ow, taps: taps, bias: bias, residual: residual, NoActivation.self)
        case .relu: plane(k: k, src, wp: wp, dst, oh: oh, ow: ow, taps: taps, bias: bias, residual: residual, ReLUActivation.self)
        case .relu6: plane(k: k, src, wp: wp, dst, oh: oh, ow: ow, taps: taps, bias: bias, residual: residual, ReLU6Activation.self)
        case .hswish: plane(k: k, src, wp: wp, dst, oh: oh, ow: ow, taps: taps, bias: bias, residual: residual, HSwishActivation.self)
        }
    }

    static func plane<A: VectorActivation>(k: Int, _ src: UnsafePointer<Float>, wp: Int, _ dst: UnsafeMutablePointer<Float>,
                                           oh: Int, ow: Int, taps: UnsafePointer<Float>, bias: Float,
                                           residual: UnsafePointer<Float>?, _ act: A.Type) {
        var y = 0
        while y < oh {
            let rows = min(4, oh - y)
            let s = src + y * wp, d = dst + y * ow
            @inline(__always) func run(_ x: Int, _ two: Bool) {
                let (a, o, r) = (s + x, d + x, residual.map { $0 + y * ow + x })
                tile(k: k, rows: rows, two: two, a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
            }
            var x = 0
            while x + 32 <= ow { run(x, true); x += 32 }
            if x < ow {
                if ow >= 32 {
                    run(ow - 32, true)
                } else {
                    run(0, false)
                    if ow > 16 { run(ow - 16, false) }
                }
            }
            y += rows
        }
    }

    /// Input vectors at columns c, c + 1, ... c + k - 1 of a row (the taps of one filter row).
    typealias Shifted = (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>)

    /// The k (3 or 5) shifted vectors at `column` of an input row; zeros past k, and all zeros
    /// without `load` (a one-vector tile must not read its second vector past the row).
    @inline(__always)
    static func shifted(_ row: UnsafePointer<Float>, column: Int, _ k: Int, _ load: Bool) -> Shifted {
        if !load { return (.zero, .zero, .zero, .zero, .zero) }
        let p = UnsafeRawPointer(row + column)
        @inline(__always) func at(_ j: Int) -> SIMD16<Float> {
            j < k ? p.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self) : .zero
        }
        return (at(0), at(1), at(2), at(3), at(4))
    }

    /// acc + a taps row (w[0..<k]) times the shifted input vectors, in tap order.
    @inline(__always)
    static func dot(_ acc: SIMD16<Float>, _ w: UnsafePointer<Float>, _ v: Shifted, _ k: Int) -> SIMD16<Float> {
        var sum = acc.addingProduct(SIMD16(repeating: w[0]), v.0).addingProduct(SIMD16(repeating: w[1]), v.1)
            .addingProduct(SIMD16(repeating: w[2]), v.2)
        if k > 3 { sum = sum.addingProduct(SIMD16(repeating: w[3]), v.3).addingProduct(SIMD16(repeating: w[4]), v.4) }
        return sum
    }

    /// Adds the residual (if any) to an output vector, applies the activation and stores it at
    /// float offset `at` of the tile's output.
    @inline(__always)
    static func finish<A: VectorActivation>(_ v: SIMD16<Float>, _ out: UnsafeMutablePointer<Float>, at: Int,
                                            _ residual: UnsafePointer<Float>?, _: A.Type) {
        var sum = v
        if let residual { sum += UnsafeRawPointer(residual + at).loadUnaligned(as: SIMD16<Float>.self) }
        UnsafeMutableRawPointer(out + at).storeBytes(of: A.apply(sum), as: SIMD16<Float>.self)
    }
}
