import DreamCore
import Testing
@testable import DreamKernels

/// The fused SIMD16 + SIMD8 depthwise tile (AVX-512 path, staged bands whose rows end in
/// 16 + 1...8 columns after the 32-column steps: rows of 17-24 and 49-56 outputs) against the
/// naive reference: every such width at 3x3 and 5x5, padding 0-2, heights 1-10 (every row
/// count in the last band; planes staged whole and planes whose first and last bands are
/// staged around in-place bands), residual and every activation, 1-2 partitions, both ISAs
/// (the AVX2 path never runs it: its result must not change either).
@Test(arguments: [Activation.none, .relu, .relu6, .hswish])
func depthwiseFusedTailMatchesReference(_ activation: Activation) {
    for isa in KernelISA.allCases {
        for ow in Array(17...24) + Array(49...56) {
            for (r, pad) in [(3, 1), (3, 0), (5, 2), (5, 1), (5, 0)] {
                let w = ow + r - 1 - 2 * pad
                for h in [1, 2, 3, 4, 5, 7, 10, 17] where h + 2 * pad - r + 1 >= 1 {
                    check(.conv("dwfuse\(r)p\(pad)_\(h)x\(w)", c: 2, k: 2, h: h, w: w, r: r, pad: pad, groups: 2,
                                activation: activation), .ws, parts: h % 2 + 1, withResidual: (h + ow) % 2 == 0, isa: isa)
                }
            }
        }
    }
}
