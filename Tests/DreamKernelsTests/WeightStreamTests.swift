import DreamCore
import Testing
@testable import DreamKernels

/// Few-pixel convolutions (at most 32 output pixels) run as weight streams (output channels on
/// the vector side, pixels broadcast): every dataflow, both ISAs' tiles, against the naive
/// reference. Pixel counts 1...32 around the 12/8-row panels, channels past 32-lane panels,
/// padding bigger than the input, strides, rectangular filters, residual and activations.
let fewPixelConvolutions: [LayerSpec] = [
    .conv("one5x5", c: 7, k: 37, h: 1, w: 1, r: 5, pad: 2, activation: .relu),
    // One pixel over several reduction blocks (depth 1075: the dense single-row gather).
    .conv("one5x5deep", c: 43, k: 70, h: 1, w: 1, r: 5, pad: 2, activation: .hswish),
    .conv("px20", c: 11, k: 70, h: 5, w: 4, r: 5, pad: 2),
    .conv("px20pw", c: 45, k: 33, h: 5, w: 4, r: 1, activation: .relu6),
    .conv("px9", c: 13, k: 3, h: 3, w: 3, r: 3, pad: 1, activation: .hswish),
    .conv("px32", c: 5, k: 65, h: 4, w: 8, r: 3, pad: 1),
    .conv("px13s2", c: 6, k: 40, h: 3, w: 25, r: 3, stride: 2, pad: 1),
    .conv("px2rect", c: 9, k: 31, h: 2, w: 7, r: 1, s: 3, pad: 0, activation: .relu),
    .conv("deepPx6", c: 130, k: 34, h: 2, w: 3, r: 3, pad: 1),
    // 33-128 pixels where streaming fills the tiles over 1.5x better (70 pixels: 6 row panels).
    .conv("px70", c: 9, k: 64, h: 10, w: 7, r: 5, pad: 2, activation: .relu),
    .conv("px33s2", c: 4, k: 64, h: 5, w: 21, r: 3, stride: 2, pad: 1),
]

@Test(arguments: KernelISA.allCases, Dataflow.allCases)
func fewPixelConvolutionsMatchReference(_ isa: KernelISA, _ dataflow: Dataflow) {
    for spec in fewPixelConvolutions {
        #expect(PreparedLayer.streams(spec), "\(spec.name) should stream its weights")
        check(spec, dataflow, isa: isa)
        check(spec, dataflow, parts: 2, isa: isa)
        check(spec, dataflow, parts: 3, withResidual: true, isa: isa)
    }
}

@Test func streamingIsChosenByPixelCount() {
    #expect(PreparedLayer.streams(.conv("c", c: 1104, k: 1104, h: 5, w: 4, r: 5, pad: 2)))
    #expect(!PreparedLayer.streams(.conv("c", c: 8, k: 8, h: 7, w: 5, r: 3, pad: 1)))  // 35 pixels
    #expect(!PreparedLayer.streams(.conv("dw", c: 8, k: 8, h: 3, w: 3, r: 3, pad: 1, groups: 8)))
}

/// The streaming loop nests keep their dataflow's character: the same MACs, different traffic.
@Test func streamingDataflowsMoveDifferentBytes() {
    let spec = LayerSpec.conv("c", c: 96, k: 200, h: 5, w: 4, r: 3, pad: 1)
    let input = NaiveReference.random(spec.inputElements, seed: 1)
    var output = [Float](repeating: 0, count: spec.outputElements)
    var works: [Dataflow: LayerWork] = [:]
    for dataflow in Dataflow.allCases {
        let layer = PreparedLayer(spec: spec, dataflow: dataflow)
        works[dataflow] = input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { layer.run(input: i.baseAddress!, residual: nil, output: $0.baseAddress!) }
        }
    }
    #expect(Set(works.values.map(\.macs)) == [spec.macs])
    #expect(Set(works.values.map { $0.bytes }).count == 3)
    #expect(works[.ws]!.dram >= spec.compulsoryBytes - 4 * spec.outChannels)
}

/// Depthwise register tiles (3x3 and 5x5, stride 1, rows of at least 8 outputs), on both ISAs'
/// tiles (SIMD16 32/16-column steps with an 8-column tail; SIMD8 16/8-column steps): row counts
/// around the 4-row tiles, widths around every step and tail, residual and activations.
@Test(arguments: Dataflow.allCases)
func depthwiseTilesMatchReference(_ dataflow: Dataflow) {
    for isa in KernelISA.allCases {
        for (h, w) in [(1, 16), (3, 17), (4, 31), (5, 32), (7, 33), (9, 47), (13, 64), (6, 70), (2, 8), (5, 9),
                       (6, 15), (14, 19), (3, 23), (8, 24), (4, 40), (5, 41), (7, 56)] {
            check(.conv("dw3_\(h)x\(w)", c: 3, k: 3, h: h, w: w, r: 3, pad: 1, groups: 3, activation: .relu6), dataflow,
                  isa: isa)
            check(.conv("dw5_\(h)x\(w)", c: 2, k: 2, h: h, w: w, r: 5, pad: 2, groups: 2, activation: .hswish), dataflow,
                  parts: 2, withResidual: true, isa: isa)
            check(.conv("dw3np_\(h)x\(w)", c: 2, k: 2, h: h + 2, w: w + 2, r: 3, groups: 2), dataflow, isa: isa)
        }
    }
}

/// Depthwise planes tall enough that bands read the input in place (edge tiles masked, the
/// first and last bands staged), on both ISAs: widths around every step and tail, padding 0 to
/// 2 at 3x3 and 5x5 (wider than the filter's half), padding wider than a row (staged
/// throughout), residual, activations, partitions.
@Test(arguments: Dataflow.allCases)
func depthwiseInPlaceMatchesReference(_ dataflow: Dataflow) {
    for isa in KernelISA.allCases {
        for (h, w) in [(16, 8), (17, 9), (21, 19), (24, 33), (19, 56), (26, 70), (30, 17), (18, 47)] {
            for (r, pad) in [(3, 1), (3, 0), (3, 2), (5, 2), (5, 1), (5, 0)] where w + 2 * pad - r + 1 >= 8 {
                check(.conv("dwip\(r)p\(pad)_\(h)x\(w)", c: 3, k: 3, h: h, w: w, r: r, pad: pad, groups: 3,
                            activation: .relu6), dataflow, parts: 2, withResidual: pad == 1, isa: isa)
            }
        }
        check(.conv("dwip_widepad", c: 2, k: 2, h: 20, w: 3, r: 3, pad: 4, groups: 2, activation: .hswish), dataflow,
              isa: isa)
        check(.conv("dwip_pad17", c: 2, k: 2, h: 40, w: 20, r: 3, pad: 17, groups: 2), dataflow, isa: isa)
    }
}
