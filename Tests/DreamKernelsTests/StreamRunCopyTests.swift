import DreamCore
import Testing
@testable import DreamKernels

/// Weight-streaming convolutions pack their pixel panels by runs of consecutive pixels (one
/// vector load and store per run and reduction step, SIMD4 / SIMD8 / SIMD16 by the longest
/// run, each store's overhang overwritten by the next run, step or panel). Runs of 1 (stride
/// 2), 2-4, 5-8 and 9-12 pixels, runs broken by padding around a 1x1 filter, whole unpadded
/// 1x1 panels, ragged last panels (2, 6 and 7 rows: zero-filled rows the 4-row tile reads),
/// several reduction blocks and more than 128 output channels (several os weight tiles), every
/// dataflow, both ISAs, 1-3 partitions, residual and activations, against the naive reference.
let runCopyConvolutions: [LayerSpec] = [
    .conv("run13", c: 7, k: 45, h: 2, w: 13, r: 3, pad: 1),
    .conv("run9", c: 5, k: 33, h: 3, w: 9, r: 5, pad: 2, activation: .relu),
    .conv("run6", c: 3, k: 40, h: 5, w: 6, r: 3, pad: 1, activation: .hswish),
    .conv("run31", c: 4, k: 20, h: 1, w: 31, r: 3, pad: 1),
    .conv("run3", c: 11, k: 35, h: 7, w: 3, r: 3, pad: 1, activation: .relu6),
    .conv("pwPadded", c: 9, k: 50, h: 2, w: 4, r: 1, pad: 1),
    .conv("pw30", c: 37, k: 70, h: 5, w: 6, r: 1, activation: .relu),
    .conv("pw7", c: 19, k: 9, h: 1, w: 7, r: 1),
    .conv("s2runs", c: 6, k: 40, h: 7, w: 9, r: 3, stride: 2, pad: 1),
    .conv("deep150", c: 45, k: 150, h: 4, w: 5, r: 5, pad: 2),
    .conv("pwDeep300", c: 1103, k: 300, h: 5, w: 4, r: 1, activation: .relu),
]

@Test(arguments: KernelISA.allCases, Dataflow.allCases)
func streamRunCopiesMatchReference(_ isa: KernelISA, _ dataflow: Dataflow) {
    for spec in runCopyConvolutions {
        #expect(PreparedLayer.streams(spec), "\(spec.name) should stream its weights")
        check(spec, dataflow, isa: isa)
        check(spec, dataflow, parts: 2, withResidual: true, isa: isa)
        check(spec, dataflow, parts: 3, isa: isa)
    }
}

/// os holds a weight-streaming convolution's pixel panels for the whole reduction where it has
/// more than one weight tile (over 128 output channels): the outputs and the counted bytes
/// must be exactly those of gathering per weight tile, on both ISAs (several reduction blocks,
/// ragged panels, one pixel, stride 2, partitions split along either side).
@Test(arguments: KernelISA.allCases)
func heldStreamPanelsMatchGathering(_ isa: KernelISA) {
    let specs: [LayerSpec] = [
        .conv("deep150", c: 45, k: 150, h: 4, w: 5, r: 5, pad: 2),
        .conv("pwDeep300", c: 1103, k: 300, h: 5, w: 4, r: 1, activation: .relu),
        .conv("px70k200", c: 23, k: 200, h: 10, w: 7, r: 5, pad: 2, activation: .hswish),
        .conv("one260", c: 41, k: 260, h: 1, w: 1, r: 5, pad: 2),
        .conv("s2k131", c: 30, k: 131, h: 7, w: 9, r: 3, stride: 2, pad: 1),
    ]
    for spec in specs {
        #expect(PreparedLayer.streams(spec), "\(spec.name) should stream its weights")
        #expect(PreparedLayer(spec: spec, dataflow: .os, isa: isa).holdsActivations, "\(spec.name)")
        for parts in [1, 2, 3] {
            check(spec, .os, parts: parts, withResidual: parts == 2, isa: isa)
            expectHoldingChangesNothing(spec, parts: parts, isa: isa)
        }
    }
    // Not held: one weight tile (128 channels or fewer), other dataflows.
    #expect(!PreparedLayer(spec: .conv("k128", c: 45, k: 128, h: 4, w: 5, r: 5, pad: 2), dataflow: .os,
                           isa: isa).holdsActivations)
    #expect(!PreparedLayer(spec: specs[0], dataflow: .ws, isa: isa).holdsActivations)
    #expect(!PreparedLayer(spec: specs[0], dataflow: .rs, isa: isa).holdsActivations)
}
