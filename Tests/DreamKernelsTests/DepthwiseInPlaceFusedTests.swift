import DreamCore
import Testing
@testable import DreamKernels

/// The fused SIMD16 + SIMD8 depthwise tile in bands read in place (AVX-512 path: rows ending in
/// 16 + 1...8 columns after the 32-column steps, rows of 17-24, 49-56 and 81-88 outputs),
/// whose vectors are masked only where they read past the row: the tail alone at the row's end
/// (padding 1-2), both vectors when the tile also starts left of the row (rows of 17-24 with
/// padding), neither without padding. Against the naive reference: 3x3 and 5x5, padding 0-2,
/// heights 1-17 (staged planes) and 18-33 (in-place bands with every row count in the last
/// band), residual, every activation, 1-2 partitions, both ISAs (the AVX2 path never runs it:
/// its result must not change either).
@Test(arguments: [Activation.none, .relu, .relu6, .hswish])
func depthwiseInPlaceFusedMatchesReference(_ activation: Activation) {
    let widths = Array(17...24) + Array(49...56) + Array(81...88)
    let heights = Array(1...17) + [18, 19, 21, 22, 26, 33]
    for isa in KernelISA.allCases {
        for ow in widths {
            for (r, pad) in [(3, 1), (3, 0), (5, 2), (5, 1), (5, 0), (3, 2)] {
                let w = ow + r - 1 - 2 * pad
                for h in heights where h + 2 * pad - r + 1 >= 1 {
                    check(.conv("dwinfuse\(r)p\(pad)_\(h)x\(w)", c: 2, k: 2, h: h, w: w, r: r, pad: pad, groups: 2,
                                activation: activation), .ws, parts: (h + r) % 2 + 1, withResidual: (h + ow) % 2 == 1,
                          isa: isa)
                }
            }
        }
    }
}

/// Which planes the test above reads in place: enough heights of each filter and padding that
/// some bands of every width run the in-place fused tile (or the test would not test it).
@Test func depthwiseInPlaceFusedTestReachesInPlaceBands() {
    for (r, pad) in [(3, 1), (3, 0), (5, 2), (5, 1), (5, 0), (3, 2)] {
        for ow in [17, 24, 49, 56, 81, 88] {
            let w = ow + r - 1 - 2 * pad
            let inPlace = [18, 19, 21, 22, 26, 33].filter { h in
                DepthwiseTiles.readsInPlace(k: r, h: h, w: w, oh: h + 2 * pad - r + 1, padH: pad, padW: pad)
            }
            #expect(!inPlace.isEmpty, "\(r)x\(r) pad \(pad) width \(ow): no in-place plane")
        }
    }
}

/// The plane loop around the fused tile with several channels per partition (the staging
/// plane reused channel after channel, partitions starting on odd channels): 3x3 and 5x5,
/// padding 0-2, widths around every column step (8-40 and 49-57), heights 1-17, residual,
/// every activation, 1-3 partitions, both ISAs.
@Test(arguments: [3, 5])
func depthwiseChannelRunsMatchReference(_ r: Int) {
    let activations: [Activation] = [.none, .relu, .relu6, .hswish]
    for isa in KernelISA.allCases {
        for ow in Array(8...40) + Array(49...57) {
            for pad in 0...2 {
                let w = ow + r - 1 - 2 * pad
                for h in 1...17 where h + 2 * pad - r + 1 >= 1 {
                    check(.conv("dwrun\(r)p\(pad)_\(h)x\(w)", c: 5, k: 5, h: h, w: w, r: r, pad: pad, groups: 5,
                                activation: activations[(h + ow) % 4]), .ws, parts: (h + pad) % 3 + 1,
                          withResidual: (h + ow + pad) % 2 == 0, isa: isa)
                }
            }
        }
    }
}
