import DreamCore
import Testing
@testable import DreamKernels

/// Every operation and dataflow against `NaiveReference` on random data. Tolerance: 1e-4
/// relative to max(1, |expected|) (FP32 sums in a different order; fan-ins up to ~1000).
let tolerance: Float = 1e-4

/// Runs `spec` split into `parts` partitions (one after another) and checks it.
func check(_ spec: LayerSpec, _ dataflow: Dataflow, parts: Int = 1, withResidual: Bool = false,
           isa: KernelISA = .selected, sourceLocation: SourceLocation = #_sourceLocation) {
    let (weights, bias) = WeightInit.parameters(for: spec, seed: 42)
    let input = NaiveReference.random(spec.inputElements, seed: 1)
    let residual = (withResidual || spec.op == .add) ? NaiveReference.random(spec.outputElements, seed: 2) : nil
    let layer = PreparedLayer(spec: spec, dataflow: dataflow, partitions: parts, seed: 42, isa: isa)
    var output = [Float](repeating: .nan, count: spec.outputElements)
    var work = LayerWork()
    input.withUnsafeBufferPointer { i in
        output.withUnsafeMutableBufferPointer { o in
            for p in 0..<parts {
                if let residual {
                    residual.withUnsafeBufferPointer { r in
                        work += layer.run(input: i.baseAddress!, residual: r.baseAddress!, output: o.baseAddress!,
                                          partition: p, of: parts)
                    }
                } else {
                    work += layer.run(input: i.baseAddress!, residual: nil, output: o.baseAddress!,
                                      partition: p, of: parts)
                }
            }
        }
    }
    let expected = NaiveReference.run(spec, weights: weights, bias: bias, input: input, residual: residual)
    let error = NaiveReference.maxError(output, expected)
    #expect(error <= tolerance, "\(spec.name) \(dataflow) \(isa) parts=\(parts): error \(error)",
            sourceLocation: sourceLocation)
    #expect(work.macs == spec.macs, "\(spec.name) \(dataflow): macs \(work.macs) != \(spec.macs)",
            sourceLocation: sourceLocation)
    #expect(work.dram >= 4 * spec.outputElements && work.l1 > 0, sourceLocation: sourceLocation)
}

let awkwardConvolutions: [LayerSpec] = [
    .conv("c1k1", c: 1, k: 1, h: 1, w: 1, r: 1),
    .conv("prime3x3", c: 7, k: 13, h: 11, w: 17, r: 3, pad: 1, activation: .relu),
    .conv("stride2", c: 5, k: 29, h: 23, w: 19, r: 3, stride: 2, pad: 1, activation: .relu6),
    .conv("stride3nopad", c: 3, k: 16, h: 31, w: 29, r: 5, stride: 3),
    .conv("rect", c: 4, k: 12, h: 9, w: 40, r: 1, s: 7, pad: 0, activation: .hswish),
    .conv("pointwise", c: 37, k: 41, h: 13, w: 7, r: 1),
    .conv("wide", c: 3, k: 5, h: 2, w: 70, r: 2, pad: 1),
    .conv("groups", c: 12, k: 18, h: 10, w: 9, r: 3, pad: 1, groups: 3, activation: .relu),
    .conv("channelMultiplier", c: 4, k: 8, h: 9, w: 9, r: 3, pad: 1, groups: 4),
    .conv("groupsStride2", c: 6, k: 9, h: 11, w: 10, r: 3, stride: 2, pad: 1, groups: 3),
    // 12n + 8 output channels take the 8-row micro-kernel (implicit and packed paths).
    .conv("eightRows", c: 5, k: 20, h: 9, w: 40, r: 3, pad: 1, activation: .relu),
    .conv("eightRowsS2", c: 5, k: 32, h: 17, w: 70, r: 3, stride: 2, pad: 1),
    .conv("deep", c: 300, k: 25, h: 6, w: 5, r: 3, pad: 1),
    .conv("depthwise", c: 13, k: 13, h: 15, w: 14, r: 3, pad: 1, groups: 13, activation: .relu6),
    .conv("depthwiseWide", c: 5, k: 5, h: 7, w: 41, r: 3, pad: 1, groups: 5, activation: .hswish),
    .conv("depthwise5Wide", c: 3, k: 3, h: 9, w: 37, r: 5, pad: 2, groups: 3),
    .conv("depthwiseNoPad", c: 2, k: 2, h: 5, w: 35, r: 3, groups: 2),
    .conv("depthwise5s2", c: 6, k: 6, h: 17, w: 12, r: 5, stride: 2, pad: 2, groups: 6),
]

@Test(arguments: Dataflow.allCases)
func convolutionsMatchReference(_ dataflow: Dataflow) {
    for spec in awkwardConvolutions {
        check(spec, dataflow)
        check(spec, dataflow, parts: 3)
    }
}

@Test(arguments: Dataflow.allCases)
func fusedResidualMatchesReference(_ dataflow: Dataflow) {
    check(.conv("res", c: 16, k: 16, h: 9, w: 9, r: 3, pad: 1, activation: .relu), dataflow, withResidual: true)
    check(.conv("dwres", c: 8, k: 8, h: 9, w: 9, r: 3, pad: 1, groups: 8), dataflow, withResidual: true)
    check(.gemm("gres", m: 13, n: 33, k: 20, activation: .hswish), dataflow, withResidual: true)
}

@Test(arguments: Dataflow.allCases)
func gemmsMatchReference(_ dataflow: Dataflow) {
    for (m, n, k) in [(1, 1, 1), (1, 37, 5), (13, 1, 3), (12, 32, 256), (20, 64, 40), (37, 71, 300), (100, 65, 513)] {
        check(.gemm("g\(m)x\(n)x\(k)", m: m, n: n, k: k, activation: .relu), dataflow)
        check(.gemm("g\(m)x\(n)x\(k)", m: m, n: n, k: k), dataflow, parts: 2)
    }
}

@Test(arguments: Dataflow.allCases)
func poolingAndAddMatchReference(_ dataflow: Dataflow) {
    check(.pool("max", .maxpool, c: 5, h: 13, w: 11, size: 3, stride: 2, pad: 1), dataflow)
    check(.pool("avg", .avgpool, c: 3, h: 7, w: 9, size: 2, stride: 2), dataflow, parts: 2)
    check(.pool("avgpad", .avgpool, c: 3, h: 7, w: 9, size: 3, stride: 1, pad: 1), dataflow)
    check(.add("add", c: 3, h: 17, w: 5, activation: .relu), dataflow, parts: 3)
}

@Test func dataflowsMoveDifferentBytes() {
    let spec = LayerSpec.conv("c", c: 64, k: 64, h: 28, w: 28, r: 3, pad: 1)
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

@Test func workAddsUp() {
    let a = LayerWork(macs: 1, l1: 2, l2: 3, llc: 4, dram: 5)
    let sum = a + a
    #expect(sum == LayerWork(macs: 2, l1: 4, l2: 6, llc: 8, dram: 10))
    #expect(sum[.llc] == 8 && sum.bytes[.dram] == 10)
}

@Test func weightsAreDeterministic() {
    let spec = LayerSpec.conv("c", c: 3, k: 4, h: 5, w: 5, r: 3)
    #expect(WeightInit.parameters(for: spec, seed: 9).weights == WeightInit.parameters(for: spec, seed: 9).weights)
    #expect(WeightInit.parameters(for: spec, seed: 9).weights != WeightInit.parameters(for: spec, seed: 8).weights)
}
