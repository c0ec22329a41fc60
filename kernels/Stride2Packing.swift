/// Explicit im2col at stride 2 across (conv3x3s2 and the like), packed by a copy list: the
/// segments a 32-column panel reads for each filter tap (r, s) are worked out once per panel,
/// so each reduction row is two zeroing stores and one or two vector gathers. Worked out per
/// row with a bounds test per entry, the packing cost more than the tiles' arithmetic (os
/// packs once per 48 output channels).
extension ConvOperands {
    /// One gather: `count` entries at panel column `column` from plane offset `source`, every
    /// second float; `count` is negative where the vectors' extra float would leave the plane
    /// (then entry by entry).
    struct Stride2Copy {
        var column: Int32, source: Int32, count: Int32
    }

    /// At most three output rows per panel (outWidth >= 16) and 25 taps: the list fits the
    /// fixed stack buffers below.
    var packsStride2ByList: Bool {
        let g = geometry
        return g.strideW == 2 && g.outWidth >= 16 && g.kernelH * g.kernelW <= 25
            && g.height * g.width < Int(Int32.max)
    }

    /// Packs panel columns [x, x + n) (n <= 32) for reduction rows [k0, k0 + kc) into `panel`
    /// (kc rows of 32 floats; padding entries and columns past n zero).
    func packStride2Panel(_ panel: UnsafeMutablePointer<Float>, x: Int, n: Int, k0: Int, kc: Int) {
        let g = geometry
        let taps = g.kernelH * g.kernelW
        withUnsafeTemporaryAllocation(of: Stride2Copy.self, capacity: 75) { copies in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 26) { starts in
                var count = 0
                for tap in 0..<taps {
                    starts[tap] = count
                    let r = tap / g.kernelW, s = tap % g.kernelW
                    var col = 0, oh = x / g.outWidth, ow = x % g.outWidth
                    while col < n {
                        let len = min(n - col, g.outWidth - ow)
                        let ih = oh * g.strideH - g.padH + r, iw = ow * 2 - g.padW + s
                        // Entries [lo, hi) of the segment read the row; the rest are padding.
                        let lo = min(len, max(0, (1 - iw) / 2)), hi = max(lo, min(len, (g.width - iw + 1) / 2))
                        if ih >= 0 && ih < g.height && hi > lo {
                            let source = ih * g.width + iw + 2 * lo
                            let fits = source + 2 * (hi - lo) <= g.height * g.width
                            copies[count] = Stride2Copy(column: Int32(col + lo), source: Int32(source),
                                                        count: Int32(fits ? hi - lo : lo - hi))
                            count += 1
                        }
                        col += len
                        oh += 1
                        ow = 0
                    }
                }
                starts[taps] = count
                var (c, r, s) = g.decode(k0)
                let zero = SIMD16<Float>()
                for kk in 0..<kc {
                    let row = UnsafeMutableRawPointer(panel + kk * 32)
                    row.storeBytes(of: zero, as: SIMD16<Float>.self)
                    row.storeBytes(of: zero, toByteOffset: 64, as: SIMD16<Float>.self)
                    let plane = UnsafeRawPointer(input + c * g.height * g.width)
                    let tap = r * g.kernelW + s
                    for i in starts[tap]..<starts[tap + 1] {
                        let copy = copies[i]
                        Self.gatherEvery2nd(row + 4 * Int(copy.column), plane + 4 * Int(copy.source), Int(copy.count))
                    }
                    g.next(&c, &r, &s)
                }
            }
        }
    }

    /// dst[t] = src[2t] for t < count: the even lanes of 32 (or 16) floats loaded, the last
    /// vector overlapping the previous one; entry by entry for a negative count (-count
    /// entries) or fewer than 8.
    @inline(__always)
    static func gatherEvery2nd(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ count: Int) {
        @inline(__always) func sixteen(_ t: Int) {
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: 8 * t, as: SIMD32<Float>.self).evenHalf,
                           toByteOffset: 4 * t, as: SIMD16<Float>.self)
        }
        @inline(__always) func eight(_ t: Int) {
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: 8 * t, as: SIMD16<Float>.self).evenHalf,
                           toByteOffset: 4 * t, as: SIMD8<Float>.self)
        }
        if count >= 16 {
            var t = 0
            while t + 16 < count { sixteen(t); t += 16 }
            sixteen(count - 16)
        } else if count >= 8 {
            eight(0)
            eight(count - 8)
        } else {
            for t in 0..<abs(count) {
                dst.storeBytes(of: src.load(fromByteOffset: 8 * t, as: Float.self), toByteOffset: 4 * t, as: Float.self)
            }
        }
    }
}
