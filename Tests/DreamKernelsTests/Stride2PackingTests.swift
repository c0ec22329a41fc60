import DreamCore
import DreamKernels
import Testing

/// Stride-2 convolutions packed by the copy list (`ConvOperands.packStride2Panel`: output rows
/// of at least 16): widths around the 8- and 16-entry gathers and odd widths whose last row's
/// gather would read past the plane, padding 0-3, 3x3, 5x5 and a 3x5 filter, reduction blocks
/// that split a channel's taps, groups, residual and partitions, on both ISAs' tiles.
@Test(arguments: Dataflow.allCases)
func stride2PackingMatchesReference(_ dataflow: Dataflow) {
    for isa in KernelISA.allCases {
        for w in [31, 32, 33, 40, 47, 57, 70] {
            for (r, s, pad) in [(3, 3, 1), (3, 3, 0), (5, 5, 2), (3, 5, 3), (5, 5, 0)] {
                check(.conv("s2_\(r)x\(s)p\(pad)_w\(w)", c: 3, k: 13, h: 9, w: w, r: r, s: s, stride: 2, pad: pad,
                            activation: .relu), dataflow, parts: 2, withResidual: pad == 1, isa: isa)
            }
        }
        // 40 x 9 = 360 and 31 x 25 = 775 reduction rows: blocks start inside a channel's taps.
        check(.conv("s2_deep3", c: 40, k: 20, h: 11, w: 41, r: 3, stride: 2, pad: 1), dataflow, isa: isa)
        check(.conv("s2_deep5", c: 31, k: 7, h: 7, w: 36, r: 5, stride: 2, pad: 2), dataflow, isa: isa)
        check(.conv("s2_groups", c: 6, k: 12, h: 8, w: 45, r: 3, stride: 2, pad: 1, groups: 3), dataflow, isa: isa)
    }
}
