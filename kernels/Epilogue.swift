import DreamCore

/// The end of a layer, applied once per output tile after its last reduction block, while the
/// tile is still in L1: bias, an optional residual (a fused skip-connection add) and activation.
struct Epilogue {
    var activation: Activation
    /// Bias per tile row (convolution: per output channel) or per tile column (GEMM: per n).
    var biasPerRow: Bool

    /// `c` and `residual` share the row stride `ldc`; `bias` points at the tile's first row or
    /// column bias.
    @inline(__always)
    func apply(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int,
               bias: UnsafePointer<Float>, residual: UnsafePointer<Float>?) {
        for i in 0..<rows {
            let row = c + i * ldc
            let res = residual.map { $0 + i * ldc }
            if biasPerRow {
                let b = bias[i]
                for j in 0..<cols { row[j] += b }
            } else {
                for j in 0..<cols { row[j] += bias[j] }
            }
            if let res { for j in 0..<cols { row[j] += res[j] } }
            Epilogue.activate(row, count: cols, activation)
        }
    }

    @inline(__always)
    static func activate(_ p: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
        switch activation {
        case .none: break
        case .relu:
            let raw = UnsafeMutableRawPointer(p)
            var j = 0
            while j + 16 <= count {
                let v = raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
                raw.storeBytes(of: v.replacing(with: 0, where: v .< 0), toByteOffset: 4 * j, as: SIMD16<Float>.self)
                j += 16
            }
            while j < count { p[j] = max(p[j], 0); j += 1 }
        case .relu6:
            // Whole SIMD16 vectors (the auto-vectoriser picks 8 lanes), then the tail.
            let raw = UnsafeMutableRawPointer(p)
            var j = 0
            while j + 16 <= count {
                let v = raw.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
                let low = v.replacing(with: 0, where: v .< 0)
                raw.storeBytes(of: low.replacing(with: 6, where: low .> 6), toByteOffset: 4 * j, as: SIMD16<Float>.self)
                j += 16
            }
            while j < count { p[j] = min(max(p[j], 0), 6); j += 1 }
        case .hswish:
            for j in 0..<count { let x = p[j]; p[j] = x * min(max(x + 3, 0), 6) * (1 / 6 as Float) }
        }
    }

    /// The scalar definition the tests check against.
    static func reference(_ x: Float, _ activation: Activation) -> Float {
        switch activation {
        case .none: return x
        case .relu: return max(x, 0)
        case .relu6: return min(max(x, 0), 6)
        case .hswish: return x * min(max(x + 3, 0), 6) / 6
        }
    }
}
