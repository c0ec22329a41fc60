import DreamCore
import Testing
@testable import DreamKernels

/// os with explicit im2col holds an output-tile row's panels for the whole reduction (packed by
/// its first weight tile, read by the others): more than 48 output channels, several reduction
/// blocks (depth 360-775), ragged tile rows and panels, stride 2 by copy list and stride 3
/// entry by entry, groups, residual and partitions split along either side, both ISAs. The
/// outputs and the counted bytes must be exactly those of packing per weight tile.
@Test(arguments: KernelISA.allCases)
func heldActivationsMatchReference(_ isa: KernelISA) {
    let specs: [LayerSpec] = [
        .conv("held_s2", c: 40, k: 61, h: 11, w: 41, r: 3, stride: 2, pad: 1, activation: .relu),
        .conv("held_s2_5x5", c: 31, k: 100, h: 19, w: 36, r: 5, stride: 2, pad: 2),
        .conv("held_s3", c: 17, k: 49, h: 23, w: 29, r: 5, stride: 3, activation: .hswish),
        .conv("held_groups", c: 12, k: 106, h: 9, w: 45, r: 3, stride: 2, pad: 1, groups: 2),
        .conv("held_k130", c: 9, k: 130, h: 30, w: 33, r: 3, stride: 2, pad: 1, activation: .relu6),
    ]
    for spec in specs {
        for parts in [1, 2, 3] {
            check(spec, .os, parts: parts, withResidual: parts == 2, isa: isa)
            expectHoldingChangesNothing(spec, parts: parts, isa: isa)
        }
        #expect(PreparedLayer(spec: spec, dataflow: .os, isa: isa).holdsActivations, "\(spec.name)")
    }
    // Not held: one weight tile (48 channels), stride 1 (implicit im2col), other dataflows.
    #expect(!PreparedLayer(spec: .conv("k48", c: 9, k: 48, h: 30, w: 33, r: 3, stride: 2, pad: 1),
                           dataflow: .os).holdsActivations)
    #expect(!PreparedLayer(spec: .conv("s1", c: 9, k: 64, h: 30, w: 33, r: 3, pad: 1), dataflow: .os).holdsActivations)
    #expect(!PreparedLayer(spec: specs[0], dataflow: .ws).holdsActivations)
}

/// Holding the activations changes neither the output nor the counted work, bit for bit.
func expectHoldingChangesNothing(_ spec: LayerSpec, parts: Int, isa: KernelISA) {
    let (held, heldWork) = runOS(spec, parts: parts, isa: isa, holding: true)
    let (other, otherWork) = runOS(spec, parts: parts, isa: isa, holding: false)
    #expect(held == other, "\(spec.name) parts=\(parts) \(isa): outputs differ")
    #expect(heldWork == otherWork, "\(spec.name) parts=\(parts): \(heldWork) != \(otherWork)")
}

/// Runs `spec` under os in `parts` partitions, holding its activations or not: the output and
/// the counted work.
private func runOS(_ spec: LayerSpec, parts: Int, isa: KernelISA, holding: Bool) -> ([Float], LayerWork) {
    let (weights, bias) = WeightInit.parameters(for: spec, seed: 42)
    let input = NaiveReference.random(spec.inputElements, seed: 1)
    let layer = PreparedLayer(spec: spec, dataflow: .os, partitions: parts, weights: weights, bias: bias,
                              allocator: .aligned, isa: isa, holdingActivations: holding)
    var output = [Float](repeating: .nan, count: spec.outputElements)
    var work = LayerWork()
    input.withUnsafeBufferPointer { i in
        output.withUnsafeMutableBufferPointer { o in
            for p in 0..<parts {
                work += layer.run(input: i.baseAddress!, residual: nil, output: o.baseAddress!, partition: p, of: parts)
            }
        }
    }
    return (output, work)
}
