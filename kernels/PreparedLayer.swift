import DreamCore

/// One layer ready to run on one emulated accelerator: its weights packed for the chosen
/// dataflow and one scratch area per partition, all allocated here, none while running.
///
/// `run` may be called concurrently for different partitions (their scratch and output tiles
/// are disjoint); that is why the class is `@unchecked Sendable`.
public final class PreparedLayer: @unchecked Sendable {
    public let spec: LayerSpec
    public let dataflow: Dataflow
    /// The most partitions `run` may be asked to split into.
    public let partitions: Int

    private let packed: FloatBlock
    private let bias: FloatBlock
    private let scratch: FloatBlock
    private let scratchStride: Int
    private let plan: TilePlan
    private let geometry: ConvGeometry

    /// Random weights from `seed` (see `WeightInit`).
    public convenience init(spec: LayerSpec, dataflow: Dataflow, partitions: Int = 1, seed: UInt64 = 1,
                            allocator: KernelAllocator = .aligned) {
        let (weights, bias) = WeightInit.parameters(for: spec, seed: seed)
        self.init(spec: spec, dataflow: dataflow, partitions: partitions, weights: weights, bias: bias,
                  allocator: allocator)
    }

    /// Given weights in the canonical layout of `WeightInit` (empty for pooling and add).
    public init(spec: LayerSpec, dataflow: Dataflow, partitions: Int = 1, weights: [Float], bias: [Float],
                allocator: KernelAllocator = .aligned) {
        precondition(spec.problem == nil, "invalid layer \(spec.name): \(spec.problem!)")
        precondition(partitions >= 1, "partitions must be positive")
        self.spec = spec
        self.dataflow = dataflow
        self.partitions = partitions
        let groups = spec.op == .conv ? spec.groups : 1
        geometry = ConvGeometry(height: spec.inHeight, width: spec.inWidth,
                                outHeight: spec.outHeight, outWidth: spec.outWidth,
                                kernelH: spec.kernelH, kernelW: spec.kernelW,
                                strideH: spec.strideH, strideW: spec.strideW,
                                padH: spec.padH, padW: spec.padW,
                                channels: spec.inChannels / groups,
                                filterRowMajor: dataflow == .rs)
        switch spec.op {
        case .conv where spec.isDepthwise:
            plan = TilePlan(dataflow: dataflow, reductionBlock: 1, weightBlock: 1, activationBlock: 1)
            let block = FloatBlock(count: weights.count, allocator: allocator)
            weights.withUnsafeBufferPointer { block.base.update(from: $0.baseAddress!, count: weights.count) }
            packed = consume block
            scratchStride = 0
        case .conv:
            let kg = spec.outChannels / groups
            plan = TilePlan.convolution(dataflow, outChannels: kg, outWidth: spec.outWidth,
                                        depth: geometry.depth)
            let perGroup = ConvOperands.packedWeightCount(outChannels: kg, depth: geometry.depth)
            let block = FloatBlock(count: perGroup * groups, allocator: allocator)
            let g = geometry
            weights.withUnsafeBufferPointer { w in
                for group in 0..<groups {
                    ConvOperands.packWeights(w.baseAddress! + group * kg * g.depth, outChannels: kg,
                                             geometry: g, into: block.base + group * perGroup)
                }
            }
            packed = consume block
            scratchStride = plan.scratchFloats(activationPanel: 32) + 12 * 32
        case .gemm:
            plan = TilePlan.gemm(dataflow, n: spec.gemmN, k: spec.gemmK)
            let block = FloatBlock(count: GemmOperands.packedWeightCount(k: spec.gemmK, n: spec.gemmN),
                                   allocator: allocator)
            weights.withUnsafeBufferPointer {
                GemmOperands.packWeights($0.baseAddress!, k: spec.gemmK, n: spec.gemmN, into: block.base)
            }
            packed = consume block
            scratchStride = plan.scratchFloats(activationPanel: 12) + 12 * 32
        case .maxpool, .avgpool, .add:
            plan = TilePlan(dataflow: dataflow, reductionBlock: 1, weightBlock: 1, activationBlock: 1)
            packed = FloatBlock(count: 0, allocator: allocator)
            scratchStride = 0
        }
        let biasBlock = FloatBlock(count: bias.count, allocator: allocator)
        if !bias.isEmpty {
            bias.withUnsafeBufferPointer { biasBlock.base.update(from: $0.baseAddress!, count: bias.count) }
        }
        self.bias = consume biasBlock
        // Round each partition's scratch to whole cache lines so partitions never share one.
        let stride = (scratchStride + 15) / 16 * 16
        scratch = FloatBlock(count: stride * partitions, allocator: allocator)
    }

    /// Computes partition `partition` of `of` (output tiles split evenly, aligned to micro-tile
    /// panels). `input` is C x H x W (GEMM: m x k), `output` K x outH x outW (GEMM: m x n);
    /// `residual` has the output's shape and is added before the activation (for `add` it is
    /// the second operand and required). Allocates nothing.
    public func run(input: UnsafePointer<Float>, residual: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>, partition: Int = 0, of parts: Int = 1) -> LayerWork {
        precondition(parts >= 1 && parts <= partitions && partition >= 0 && partition < parts,
                     "partition \(partition) of \(parts) outside the prepared \(partitions)")
        switch spec.op {
        case .conv where spec.isDepthwise:
            let (c0, c1) = Self.share(spec.outChannels, unit: 1, partition, parts)
            return DirectKernels.depthwise(spec, weights: packed.base, bias: bias.base, input: input,
                                           residual: residual, output: output, channels: c0, c1)
        case .conv:
            return runConvolution(input, residual, output, partition, parts)
        case .gemm:
            return runGemm(input, residual, output, partition, parts)
        case .maxpool, .avgpool:
            let (c0, c1) = Self.share(spec.outChannels, unit: 1, partition, parts)
            return DirectKernels.pool(spec, input: input, output: output, channels: c0, c1)
        case .add:
            guard let residual else { preconditionFailure("add needs its second operand as residual") }
            let (e0, e1) = Self.share(spec.outputElements, unit: 16, partition, parts)
            return DirectKernels.add(spec, input, residual, output: output, elements: e0, e1)
        }
    }

    private var partitionScratch: (Int) -> TileLoops.Scratch {
        let base = scratch.base, stride = (scratchStride + 15) / 16 * 16
        let edgeOffset = scratchStride - 12 * 32
        return { p in TileLoops.Scratch(activations: base + p * stride, edge: base + p * stride + edgeOffset) }
    }

    private func runConvolution(_ input: UnsafePointer<Float>, _ residual: UnsafePointer<Float>?,
                                _ output: UnsafeMutablePointer<Float>, _ p: Int, _ parts: Int) -> LayerWork {
        let groups = spec.groups
        let kg = spec.outChannels / groups
        let pixels = spec.outHeight * spec.outWidth
        let ranges = Self.split(weights: kg, weightPanel: 12, activations: pixels, activationPanel: 32, p, parts)
        let perGroup = ConvOperands.packedWeightCount(outChannels: kg, depth: geometry.depth)
        let epilogue = Epilogue(activation: spec.activation, biasPerRow: true)
        let scratch = partitionScratch(p)
        var work = LayerWork()
        for g in 0..<groups {
            let o = ConvOperands(packedWeights: packed.base + g * perGroup, bias: bias.base + g * kg,
                                 input: input + g * geometry.channels * spec.inHeight * spec.inWidth,
                                 output: output + g * kg * pixels,
                                 residual: residual.map { $0 + g * kg * pixels },
                                 geometry: geometry, weightCount: kg, epilogue: epilogue)
            work += TileLoops.run(o, plan: plan, w0: ranges.w0, w1: ranges.w1, x0: ranges.x0,
                                  x1: ranges.x1, scratch: scratch)
            work.macs += (ranges.w1 - ranges.w0) * (ranges.x1 - ranges.x0) * geometry.depth
        }
        return work
    }

    private func runGemm(_ input: UnsafePointer<Float>, _ residual: UnsafePointer<Float>?,
                         _ output: UnsafeMutablePointer<Float>, _ p: Int, _ parts: Int) -> LayerWork {
        let m = spec.gemmM, n = spec.gemmN, k = spec.gemmK
        let ranges = Self.split(weights: n, weightPanel: 32, activations: m, activationPanel: 12, p, parts)
        let o = GemmOperands(packedWeights: packed.base, bias: bias.base, input: input, output: output,
                             residual: residual, m: m, n: n, k: k,
                             epilogue: Epilogue(activation: spec.activation, biasPerRow: false))
        var work = TileLoops.run(o, plan: plan, w0: ranges.w0, w1: ranges.w1, x0: ranges.x0,
                                 x1: ranges.x1, scratch: partitionScratch(p))
        work.macs += (ranges.w1 - ranges.w0) * (ranges.x1 - ranges.x0) * k
        return work
    }

    /// Element range of partition `p` of `parts` over `count`, in whole units (last one ragged).
    static func share(_ count: Int, unit: Int, _ p: Int, _ parts: Int) -> (Int, Int) {
        let units = (count + unit - 1) / unit
        let lo = units * p / parts, hi = units * (p + 1) / parts
        return (min(count, lo * unit), min(count, hi * unit))
    }

    /// Splits the output tiles along the side with more panels, so each partition keeps whole
    /// micro-tiles and the other side whole.
    static func split(weights: Int, weightPanel: Int, activations: Int, activationPanel: Int,
                      _ p: Int, _ parts: Int) -> (w0: Int, w1: Int, x0: Int, x1: Int) {
        let wPanels = (weights + weightPanel - 1) / weightPanel
        let xPanels = (activations + activationPanel - 1) / activationPanel
        if xPanels >= wPanels || xPanels >= 2 * parts {
            let (x0, x1) = share(activations, unit: activationPanel, p, parts)
            return (0, weights, x0, x1)
        }
        let (w0, w1) = share(weights, unit: weightPanel, p, parts)
        return (w0, w1, 0, activations)
    }
}
