# Writes kernels/DepthwiseTiles.swift (run: python3 kernels/generate/depthwise_tiles.py).
import os
out = []
w = out.append
w('''import DreamCore

/// An activation applied to a vector in a tile's registers (specialised per type).
protocol VectorActivation { static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> }
enum NoActivation: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> { v }
}
enum ReLUActivation: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> { v.replacing(with: 0, where: v .< 0) }
}
enum ReLU6Activation: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> {
        let low = v.replacing(with: 0, where: v .< 0)
        return low.replacing(with: 6, where: low .> 6)
    }
}
enum HSwishActivation: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> {
        let g = v + 3
        let low = g.replacing(with: 0, where: g .< 0)
        return v * low.replacing(with: 6, where: low .> 6) * (1 / 6 as Float)
    }
}

/// Depthwise stride-1 tiles (generated for 3x3 and 5x5): R (4, 3, 2, 1) output rows x C 16-column vectors
/// per call, straight into the output rows. Each input row vector loaded is used for every
/// output row it feeds (up to R taps rows), so a 3x3 tile of 4 rows x 2 vectors does 72 FMAs for
/// 36 loads (the one-row loop did one load per FMA).
enum DepthwiseTiles {''')
for k in (3, 5):
    for R in (4, 3, 2, 1):
        for C in (2, 1):
            name = f'k{k}r{R}c{C}'
            w(f'''    @inline(never)
    static func {name}<A: VectorActivation>(_ src: UnsafePointer<Float>, wp: Int, _ dst: UnsafeMutablePointer<Float>,
                      ow: Int, taps: UnsafePointer<Float>, bias: Float, residual: UnsafePointer<Float>?,
                      _: A.Type) {{''')
            for t in range(R):
                for c in range(C):
                    w(f'        var a{t}{c} = SIMD16<Float>(repeating: bias)')
            hoist = k == 3
            if hoist:
                for i in range(k):
                    w('        let ' + ', '.join(f'h{i}{j} = SIMD16<Float>(repeating: taps[{i * k + j}])' for j in range(k)))
            for ii in range(R + k - 1):
                w(f'        do {{')
                w(f'            let row = UnsafeRawPointer(src + {ii} * wp)')
                for j in range(k):
                    for c in range(C):
                        w(f'            let v{j}{c} = row.loadUnaligned(fromByteOffset: {4 * (j + 16 * c)}, as: SIMD16<Float>.self)')
                for t in range(R):
                    i = ii - t
                    if 0 <= i < k:
                        for j in range(k):
                            w(f'            let t{t}{j} = ' + (f'h{i}{j}' if hoist else f'SIMD16<Float>(repeating: taps[{i * k + j}])'))
                            for c in range(C):
                                w(f'            a{t}{c} = a{t}{c}.addingProduct(t{t}{j}, v{j}{c})')
                w('        }')
            w('        let out = UnsafeMutableRawPointer(dst)')
            w('        if let residual {')
            w('            let res = UnsafeRawPointer(residual)')
            for t in range(R):
                for c in range(C):
                    w(f'            a{t}{c} += res.loadUnaligned(fromByteOffset: 4 * ({t} * ow + {16 * c}), as: SIMD16<Float>.self)')
            w('        }')
            for t in range(R):
                for c in range(C):
                    w(f'        out.storeBytes(of: A.apply(a{t}{c}), toByteOffset: 4 * ({t} * ow + {16 * c}), as: SIMD16<Float>.self)')
            w('    }\n')
w('''    /// Output rows [0, oh) of one channel: `src` is the zero-padded staging plane (row stride
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
                switch (k == 3, rows, two) {
                case (true, 4, true): k3r4c2(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (true, 4, false): k3r4c1(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (true, 3, true): k3r3c2(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (true, 3, false): k3r3c1(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (true, 2, true): k3r2c2(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (true, 2, false): k3r2c1(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (true, _, true): k3r1c2(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (true, _, false): k3r1c1(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (false, 4, true): k5r4c2(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (false, 4, false): k5r4c1(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (false, 3, true): k5r3c2(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (false, 3, false): k5r3c1(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (false, 2, true): k5r2c2(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (false, 2, false): k5r2c1(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (false, _, true): k5r1c2(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                case (false, _, false): k5r1c1(a, wp: wp, o, ow: ow, taps: taps, bias: bias, residual: r, act)
                }
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
}
''')
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'DepthwiseTiles.swift'), 'w').write('\n'.join(out))
