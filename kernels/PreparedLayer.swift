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
    /// The micro-kernel tiles this layer runs (`KernelISA.selected` unless given).
    public let isa: KernelISA

    private let packed: FloatBlock
    private let bias: FloatBlock
    private let scratch: FloatBlock
    private let layout: ScratchLayout
    private let plan: TilePlan
    private let geometry: ConvGeometry
    /// Stride-1 convolutions: the implicit-im2col offsets (one per reduction index).
    private let offsets: AlignedBlock<Int>
    /// Stride 1 via a padded copy and a virtual output.
    private let implicit: Bool
    /// 1x1, stride 1, no padding: B read straight from the input.
    private let inPlace: Bool
    /// Few output pixels, many weights: the weight-streaming orientation (`ConvStreamOperands`).
    public let streams: Bool
    /// Weight streaming: each output pixel's offset into the padded input.
    private let pixelBase: AlignedBlock<Int>

    /// Convolutions with at most this many output pixels stream their weights.
    public static let streamingPixels = 32
    /// Up to this many output pixels they do when that fills the register tiles better.
    public static let streamingPixelsIfBetter = 128

    /// Whether `spec` runs as a weight stream (`ConvStreamOperands`): few output pixels (at most
    /// 32), or up to 128 where that fills over 1.5x the lanes of the pixel-vectorised tiles (a
    /// 5x5 conv on a 10x7 output computes 4 panels of 32 virtual columns for 70 pixels;
    /// streamed: 72 rows of tiles). Below 1.5x (a pointwise conv on 10x10: 1.28x) the padded
    /// copy, the gathers per weight tile and the transposition cost more than the lanes save
    /// (measured 1.3x slower on c256 -> k1024 at 10x10); beyond 128 pixels too.
    public static func streams(_ spec: LayerSpec) -> Bool {
        guard spec.op == .conv && !spec.isDepthwise && spec.groups == 1 else { return false }
        let pixels = spec.outHeight * spec.outWidth
        if pixels <= streamingPixels { return true }
        if pixels > streamingPixelsIfBetter { return false }
        func up(_ n: Int, _ panel: Int) -> Double { Double((n + panel - 1) / panel * panel) }
        let k = spec.outChannels
        let virtual = spec.strideH == 1 && spec.strideW == 1
            && !(spec.kernelH == 1 && spec.kernelW == 1 && spec.padH == 0 && spec.padW == 0)
        let columns = virtual ? spec.outHeight * (spec.inWidth + 2 * spec.padW) : pixels
        let pixelLanes = Double(k) / Double(TileKernels.computedRows(k)) * Double(pixels) / up(columns, 32)
        let streamLanes = Double(pixels) / Double(TileKernels.computedRows(pixels)) * Double(k) / up(k, 32)
        return streamLanes > 1.5 * pixelLanes
    }

    /// os packs its im2col panels once per output-tile row (`TilePlan.holdsActivations`).
    var holdsActivations: Bool { plan.holdsActivations }

    /// Random weights from `seed` (see `WeightInit`).
    public convenience init(spec: LayerSpec, dataflow: Dataflow, partitions: Int = 1, seed: UInt64 = 1,
                            allocator: KernelAllocator = .aligned, isa: KernelISA = .selected) {
        let (weights, bias) = WeightInit.parameters(for: spec, seed: seed)
        self.init(spec: spec, dataflow: dataflow, partitions: partitions, weights: weights, bias: bias,
                  allocator: allocator, isa: isa)
    }

    /// Given weights in the canonical layout of `WeightInit` (empty for pooling and add).
    public convenience init(spec: LayerSpec, dataflow: Dataflow, partitions: Int = 1, weights: [Float],
                            bias: [Float], allocator: KernelAllocator = .aligned, isa: KernelISA = .selected) {
        self.init(spec: spec, dataflow: dataflow, partitions: partitions, weights: weights, bias: bias,
                  allocator: allocator, isa: isa, holdingActivations: true)
    }

    /// `holdingActivations: false` turns off os's held im2col panels (tests: the same outputs
    /// and counted bytes either way).
    init(spec: LayerSpec, dataflow: Dataflow, partitions: Int, weights: [Float], bias: [Float],
         allocator: KernelAllocator, isa: KernelISA, holdingActivations: Bool) {
        precondition(spec.problem == nil, "invalid layer \(spec.name): \(spec.problem!)")
        precondition(partitions >= 1, "partitions must be positive")
        self.spec = spec
        self.dataflow = dataflow
        self.partitions = partitions
        self.isa = isa
        let groups = spec.op == .conv ? spec.groups : 1
        geometry = ConvGeometry(height: spec.inHeight, width: spec.inWidth,
                                outHeight: spec.outHeight, outWidth: spec.outWidth,
                                kernelH: spec.kernelH, kernelW: spec.kernelW,
                                strideH: spec.strideH, strideW: spec.strideW,
                                padH: spec.padH, padW: spec.padW,
                                channels: spec.inChannels / groups,
                                filterRowMajor: dataflow == .rs)
        let stream = Self.streams(spec)
        streams = stream
        switch spec.op {
        case .conv where spec.isDepthwise:
            plan = TilePlan(dataflow: dataflow, reductionBlock: 1, weightBlock: 1, activationBlock: 1)
            let block = FloatBlock(count: weights.count, allocator: allocator)
            weights.withUnsafeBufferPointer { block.base.update(from: $0.baseAddress!, count: weights.count) }
            packed = consume block
            layout = ScratchLayout(activations: DirectKernels.depthwiseStaging(spec), padded: 0,
                                   virtualOutput: 0)
        case .conv where stream:
            var streamPlan = TilePlan.gemm(dataflow, n: spec.outChannels, k: geometry.depth, isa: isa,
                                           rows: spec.outHeight * spec.outWidth)
            let block = FloatBlock(count: ConvStreamOperands.packedWeightCount(outChannels: spec.outChannels,
                                                                               depth: geometry.depth),
                                   allocator: allocator)
            let g = geometry, rb = streamPlan.reductionBlock
            weights.withUnsafeBufferPointer {
                ConvStreamOperands.packWeights($0.baseAddress!, outChannels: spec.outChannels, geometry: g,
                                               reductionBlock: rb, into: block.base)
            }
            packed = consume block
            let hp = spec.inHeight + 2 * spec.padH, wp = spec.inWidth + 2 * spec.padW
            // os gathers an output-tile row's pixel panels for every 128 output channels (9 times
            // at 1104): the first weight tile gathers them for the whole reduction and the other
            // tiles read them back (from L2 or L3: 2.7-3.2 MB at 5x4 and 10x7 with 1104 and 672
            // channels, a few percent of the weights streaming past). The counted bytes stay
            // those of gathering per weight tile (`TileLoops.outputStationary`).
            streamPlan.holdsActivations = holdingActivations && dataflow == .os && spec.outChannels > streamPlan.weightBlock
                && streamPlan.heldPanelBytes(activationPanel: 12, depth: geometry.depth) <= TilePlan.heldStreamBytes
            plan = streamPlan
            // 16 floats of slack: the run copies' last stores reach past the last panel.
            layout = ScratchLayout(activations: streamPlan.scratchFloats(activationPanel: 12, depth: geometry.depth) + 16,
                                   padded: spec.inChannels * hp * wp + 16,
                                   virtualOutput: spec.outHeight * spec.outWidth * spec.outChannels)
        case .conv:
            let kg = spec.outChannels / groups
            // Stride 1 runs on virtual columns: a row is the padded input width.
            let stride1 = spec.strideH == 1 && spec.strideW == 1
            var convPlan = TilePlan.convolution(dataflow, outChannels: kg,
                                                rowWidth: stride1 ? spec.inWidth + 2 * spec.padW : spec.outWidth,
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
            if stride1 && spec.kernelH == 1 && spec.kernelW == 1 && spec.padH == 0 && spec.padW == 0 {
                layout = ScratchLayout(activations: convPlan.scratchFloats(activationPanel: 32),
                                       padded: 0, virtualOutput: 0)
            } else if stride1 {
                let hp = spec.inHeight + 2 * spec.padH, wp = spec.inWidth + 2 * spec.padW
                // Slack past the padded planes: the last virtual tile reads up to S + 31 floats on.
                layout = ScratchLayout(activations: 0,
                                       padded: spec.inChannels * hp * wp + spec.kernelW + 64,
                                       virtualOutput: spec.outChannels * spec.outHeight * wp)
            } else {
                // os re-packs an output-tile row's im2col panels for every 48 output channels
                // (3 times at 128 channels: each pass wrote 98 KB of panels, more than L1, and
                // cost about 1.5x ws's one pass): pack them once for the whole reduction where
                // they fit half the L2, and let the other weight tiles read them.
                convPlan.holdsActivations = holdingActivations && dataflow == .os && kg > convPlan.weightBlock
                    && convPlan.heldPanelBytes(activationPanel: 32, depth: geometry.depth) <= TilePlan.heldActivationBytes
                layout = ScratchLayout(activations: convPlan.scratchFloats(activationPanel: 32, depth: geometry.depth),
                                       padded: 0, virtualOutput: 0)
            }
            plan = convPlan
        case .gemm:
            plan = TilePlan.gemm(dataflow, n: spec.gemmN, k: spec.gemmK, isa: isa, rows: spec.gemmM)
            let block = FloatBlock(count: GemmOperands.packedWeightCount(k: spec.gemmK, n: spec.gemmN),
                                   allocator: allocator)
            weights.withUnsafeBufferPointer {
                GemmOperands.packWeights($0.baseAddress!, k: spec.gemmK, n: spec.gemmN, into: block.base)
            }
            packed = consume block
            layout = ScratchLayout(activations: plan.scratchFloats(activationPanel: 12), padded: 0,
                                   virtualOutput: 0)
        case .maxpool, .avgpool, .add:
            plan = TilePlan(dataflow: dataflow, reductionBlock: 1, weightBlock: 1, activationBlock: 1)
            packed = FloatBlock(count: 0, allocator: allocator)
            layout = ScratchLayout(activations: 0, padded: 0, virtualOutput: 0)
        }
        implicit = layout.padded > 0 && !stream
        inPlace = spec.op == .conv && !spec.isDepthwise && spec.strideH == 1 && spec.strideW == 1
            && spec.kernelH == 1 && spec.kernelW == 1 && spec.padH == 0 && spec.padW == 0
        let table = AlignedBlock<Int>(count: implicit || inPlace || stream ? geometry.depth : 0, allocator: allocator)
        if implicit || inPlace || stream {
            let g = geometry
            let hp = spec.inHeight + 2 * spec.padH, wp = spec.inWidth + 2 * spec.padW
            for k in 0..<g.depth {
                let (c, r, s) = g.decode(k)
                table.base[k] = (c * hp + r) * wp + s
            }
        }
        offsets = consume table
        let bases = AlignedBlock<Int>(count: stream ? spec.outHeight * spec.outWidth : 0, allocator: allocator)
        if stream {
            let wp = spec.inWidth + 2 * spec.padW
            for y in 0..<spec.outHeight {
                for x in 0..<spec.outWidth {
                    bases.base[y * spec.outWidth + x] = y * spec.strideH * wp + x * spec.strideW
                }
            }
        }
        pixelBase = consume bases
        let biasBlock = FloatBlock(count: bias.count, allocator: allocator)
        if !bias.isEmpty {
            bias.withUnsafeBufferPointer { biasBlock.base.update(from: $0.baseAddress!, count: bias.count) }
        }
        self.bias = consume biasBlock
        scratch = FloatBlock(count: layout.stride * partitions, allocator: allocator)
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
                                           residual: residual, output: output,
                                           staging: partitionScratch(partition).activations,
                                           channels: c0, c1, isa: isa)
        case .conv where streams:
            return runStream(input, residual, output, partition, parts)
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

    private func partitionScratch(_ p: Int) -> TileLoops.Scratch {
        let base = scratch.base + p * layout.stride
        return TileLoops.Scratch(activations: base + layout.activationsOffset, edge: base + layout.edgeOffset)
    }

    private func runConvolution(_ input: UnsafePointer<Float>, _ residual: UnsafePointer<Float>?,
                                _ output: UnsafeMutablePointer<Float>, _ p: Int, _ parts: Int) -> LayerWork {
        let groups = spec.groups
        let kg = spec.outChannels / groups
        let pixels = spec.outHeight * spec.outWidth
        let paddedWidth = spec.inWidth + 2 * spec.padW
        let paddedPlane = (spec.inHeight + 2 * spec.padH) * paddedWidth
        let columns = implicit ? spec.outHeight * paddedWidth : pixels
        let ranges = Self.split(weights: kg, weightPanel: 12, activations: columns, activationPanel: 32, p, parts)
        let perGroup = ConvOperands.packedWeightCount(outChannels: kg, depth: geometry.depth)
        let epilogue = Epilogue(activation: spec.activation, biasPerRow: true)
        let scratch = partitionScratch(p)
        let base = self.scratch.base + p * layout.stride
        let padded = base + layout.paddedOffset, virtual = base + layout.virtualOffset
        var work = LayerWork()
        if implicit { work += copyIntoPadded(input, padded) }
        for g in 0..<groups {
            let target = implicit ? virtual + g * kg * columns : output + g * kg * pixels
            let o = ConvOperands(packedWeights: packed.base + g * perGroup, bias: bias.base + g * kg,
                                 input: input + g * geometry.channels * spec.inHeight * spec.inWidth,
                                 output: target,
                                 residual: residual.map { $0 + g * kg * pixels },
                                 geometry: geometry, weightCount: kg, epilogue: epilogue,
                                 implicit: implicit
                                    ? ImplicitInput(padded: padded + g * geometry.channels * paddedPlane,
                                                    offsets: offsets.base, inPlace: false)
                                    : inPlace
                                    ? ImplicitInput(padded: input + g * geometry.channels * pixels,
                                                    offsets: offsets.base, inPlace: true)
                                    : nil,
                                 activationCount: columns, isa: isa)
            work += TileLoops.run(o, plan: plan, w0: ranges.w0, w1: ranges.w1, x0: ranges.x0,
                                  x1: ranges.x1, scratch: scratch)
        }
        if implicit {
            work += compact(virtual, columns: columns, paddedWidth: paddedWidth, ranges: ranges,
                            residual: residual, output: output)
        }
        let validColumns = implicit ? Self.validPixels(ranges.x0, ranges.x1, paddedWidth, spec.outWidth) : ranges.x1 - ranges.x0
        work.macs += groups * (ranges.w1 - ranges.w0) * validColumns * geometry.depth
        return work
    }

    /// Copies the input into the interior of the zero-padded scratch copy (its border was zeroed
    /// at allocation and stays zero).
    private func copyIntoPadded(_ input: UnsafePointer<Float>, _ padded: UnsafeMutablePointer<Float>) -> LayerWork {
        let paddedWidth = spec.inWidth + 2 * spec.padW
        let paddedPlane = (spec.inHeight + 2 * spec.padH) * paddedWidth
        for c in 0..<spec.inChannels {
            for y in 0..<spec.inHeight {
                (padded + c * paddedPlane + (y + spec.padH) * paddedWidth + spec.padW)
                    .update(from: input + (c * spec.inHeight + y) * spec.inWidth, count: spec.inWidth)
            }
        }
        let bytes = 4 * spec.inputElements
        return LayerWork(macs: 0, l1: 0, l2: bytes, llc: 0, dram: bytes)
    }

    /// A weight-streaming convolution: pads the input, runs the dataflow's loop nest on
    /// `ConvStreamOperands` into the transposed scratch, then copies the partition's outputs to
    /// NCHW with bias, residual and activation.
    private func runStream(_ input: UnsafePointer<Float>, _ residual: UnsafePointer<Float>?,
                           _ output: UnsafeMutablePointer<Float>, _ p: Int, _ parts: Int) -> LayerWork {
        let kOut = spec.outChannels, pixels = spec.outHeight * spec.outWidth
        let ranges = Self.split(weights: kOut, weightPanel: 32, activations: pixels, activationPanel: 12, p, parts)
        let base = scratch.base + p * layout.stride
        let padded = base + layout.paddedOffset, transposed = base + layout.virtualOffset
        var work = copyIntoPadded(input, padded)
        var o = ConvStreamOperands(packedWeights: packed.base, padded: padded, offsets: offsets.base,
                                   pixelBase: pixelBase.base, output: transposed, weightCount: kOut,
                                   activationCount: pixels, depth: geometry.depth,
                                   reductionBlock: plan.reductionBlock, isa: isa)
        if plan.dataflow == .os { (o.osBlock, o.w0, o.w1) = (plan.weightBlock, ranges.w0, ranges.w1) }
        work += TileLoops.run(o, plan: plan, w0: ranges.w0, w1: ranges.w1, x0: ranges.x0, x1: ranges.x1,
                              scratch: partitionScratch(p))
        let epilogue = Epilogue(activation: spec.activation, biasPerRow: true)
        for k in ranges.w0..<ranges.w1 {
            let dst = output + k * pixels
            for x in ranges.x0..<ranges.x1 { dst[x] = transposed[x * kOut + k] }
            epilogue.apply(dst + ranges.x0, ldc: 0, rows: 1, cols: ranges.x1 - ranges.x0, bias: bias.base + k,
                           residual: residual.map { $0 + k * pixels + ranges.x0 })
        }
        let moved = (ranges.w1 - ranges.w0) * (ranges.x1 - ranges.x0)
        work.l2 += 4 * moved * (residual == nil ? 2 : 3)
        work.macs += moved * geometry.depth
        return work
    }

    /// Real output pixels among virtual columns [x0, x1).
    static func validPixels(_ x0: Int, _ x1: Int, _ paddedWidth: Int, _ outWidth: Int) -> Int {
        func upTo(_ x: Int) -> Int { x / paddedWidth * outWidth + min(x % paddedWidth, outWidth) }
        return upTo(x1) - upTo(x0)
    }

    /// Copies the partition's virtual columns to the NCHW output, dropping the garbage columns
    /// and applying bias, residual and activation on the way (vectorised per output row).
    private func compact(_ virtual: UnsafeMutablePointer<Float>, columns: Int, paddedWidth: Int,
                         ranges: (w0: Int, w1: Int, x0: Int, x1: Int), residual: UnsafePointer<Float>?,
                         output: UnsafeMutablePointer<Float>) -> LayerWork {
        let kg = spec.outChannels / spec.groups
        let outW = spec.outWidth, pixels = spec.outHeight * outW
        let epilogue = Epilogue(activation: spec.activation, biasPerRow: true)
        var moved = 0
        var y = ranges.x0 / paddedWidth
        while y * paddedWidth < ranges.x1 {
            let lo = max(ranges.x0 - y * paddedWidth, 0)
            let hi = min(ranges.x1 - y * paddedWidth, outW)
            if lo < hi {
                for g in 0..<spec.groups {
                    for k in (g * kg + ranges.w0)..<(g * kg + ranges.w1) {
                        let dst = output + k * pixels + y * outW + lo
                        dst.update(from: virtual + k * columns + y * paddedWidth + lo, count: hi - lo)
                        epilogue.apply(dst, ldc: 0, rows: 1, cols: hi - lo, bias: bias.base + k,
                                       residual: residual.map { $0 + k * pixels + y * outW + lo })
                    }
                }
                moved += (hi - lo) * spec.groups * (ranges.w1 - ranges.w0)
            }
            y += 1
        }
        return LayerWork(l2: 4 * moved * (residual == nil ? 2 : 3))
    }

    private func runGemm(_ input: UnsafePointer<Float>, _ residual: UnsafePointer<Float>?,
                         _ output: UnsafeMutablePointer<Float>, _ p: Int, _ parts: Int) -> LayerWork {
        let m = spec.gemmM, n = spec.gemmN, k = spec.gemmK
        let ranges = Self.split(weights: n, weightPanel: 32, activations: m, activationPanel: 12, p, parts)
        let o = GemmOperands(packedWeights: packed.base, bias: bias.base, input: input, output: output,
                             residual: residual, m: m, n: n, k: k,
                             epilogue: Epilogue(activation: spec.activation, biasPerRow: false), isa: isa)
        var work = TileLoops.run(o, plan: plan, w0: ranges.w0, w1: ranges.w1, x0: ranges.x0,
                                 x1: ranges.x1, scratch: partitionScratch(p))
        work.macs += (ranges.w1 - ranges.w0) * (ranges.x1 - ranges.x0) * k
        return work
    }

    /// Per-partition scratch: packed activations, the 12x32 edge tile, and for stride-1
    /// convolutions the padded input and the virtual output. Rounded to cache lines so
    /// partitions never share one.
    struct ScratchLayout {
        var activationsOffset = 0, edgeOffset: Int, paddedOffset: Int, virtualOffset: Int, stride: Int
        let padded: Int

        init(activations: Int, padded: Int, virtualOutput: Int) {
            func line(_ n: Int) -> Int { (n + 15) / 16 * 16 }
            self.padded = padded
            edgeOffset = line(activations)
            paddedOffset = edgeOffset + 12 * 32
            virtualOffset = paddedOffset + line(padded)
            stride = virtualOffset + line(virtualOutput)
        }
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
