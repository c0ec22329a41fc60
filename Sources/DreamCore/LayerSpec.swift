/// The activation fused into the end of a layer.
public enum Activation: String, Sendable, Hashable, Codable, CaseIterable {
    case none, relu, relu6, hswish
}

/// The operation a layer performs.
public enum LayerOp: String, Sendable, Hashable, Codable, CaseIterable {
    /// 2-D convolution with stride, padding and groups (depthwise when groups == C == K;
    /// pointwise when the kernel is 1x1).
    case conv
    /// Fully connected / matrix multiply: [m x k] x [k x n] -> [m x n] (also attention matmuls).
    case gemm
    case maxpool
    case avgpool
    /// Element-wise add of two tensors of the input's shape (a skip connection's join).
    case add
}

/// One layer's shape: what a kernel needs to run it and what a cost model needs to price it.
///
/// Tensors are FP32, batch 1, NCHW. A `gemm` stores m in `inHeight`, k in `inChannels` and n in
/// `outChannels` (with `inWidth` = kernel = 1), so one type describes every layer.
public struct LayerSpec: Sendable, Hashable, Codable {
    public var name: String
    public var op: LayerOp
    public var inChannels: Int
    public var inHeight: Int
    public var inWidth: Int
    public var outChannels: Int
    public var kernelH: Int
    public var kernelW: Int
    public var strideH: Int
    public var strideW: Int
    public var padH: Int
    public var padW: Int
    public var groups: Int
    public var activation: Activation

    public init(name: String, op: LayerOp, inChannels: Int, inHeight: Int, inWidth: Int,
                outChannels: Int, kernelH: Int = 1, kernelW: Int = 1, strideH: Int = 1,
                strideW: Int = 1, padH: Int = 0, padW: Int = 0, groups: Int = 1,
                activation: Activation = .none) {
        self.name = name
        self.op = op
        self.inChannels = inChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outChannels = outChannels
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padH = padH
        self.padW = padW
        self.groups = groups
        self.activation = activation
    }

    public static func conv(_ name: String, c: Int, k: Int, h: Int, w: Int, r: Int, s: Int? = nil,
                            stride: Int = 1, pad: Int = 0, groups: Int = 1,
                            activation: Activation = .none) -> LayerSpec {
        LayerSpec(name: name, op: .conv, inChannels: c, inHeight: h, inWidth: w, outChannels: k,
                  kernelH: r, kernelW: s ?? r, strideH: stride, strideW: stride, padH: pad, padW: pad,
                  groups: groups, activation: activation)
    }

    public static func gemm(_ name: String, m: Int, n: Int, k: Int,
                            activation: Activation = .none) -> LayerSpec {
        LayerSpec(name: name, op: .gemm, inChannels: k, inHeight: m, inWidth: 1, outChannels: n,
                  activation: activation)
    }

    public static func pool(_ name: String, _ op: LayerOp, c: Int, h: Int, w: Int, size: Int,
                            stride: Int, pad: Int = 0) -> LayerSpec {
        LayerSpec(name: name, op: op, inChannels: c, inHeight: h, inWidth: w, outChannels: c,
                  kernelH: size, kernelW: size, strideH: stride, strideW: stride, padH: pad, padW: pad,
                  groups: c)
    }

    public static func add(_ name: String, c: Int, h: Int, w: Int,
                           activation: Activation = .none) -> LayerSpec {
        LayerSpec(name: name, op: .add, inChannels: c, inHeight: h, inWidth: w, outChannels: c,
                  activation: activation)
    }

    // MARK: derived shape

    public var gemmM: Int { inHeight }
    public var gemmN: Int { outChannels }
    public var gemmK: Int { inChannels }

    public var outHeight: Int {
        switch op {
        case .gemm: return inHeight
        case .add: return inHeight
        default: return (inHeight + 2 * padH - kernelH) / strideH + 1
        }
    }

    public var outWidth: Int {
        switch op {
        case .gemm: return 1
        case .add: return inWidth
        default: return (inWidth + 2 * padW - kernelW) / strideW + 1
        }
    }

    public var inputElements: Int { inChannels * inHeight * inWidth }
    public var outputElements: Int { outChannels * outHeight * outWidth }

    public var weightElements: Int {
        switch op {
        case .conv: return outChannels * (inChannels / groups) * kernelH * kernelW + outChannels
        case .gemm: return inChannels * outChannels + outChannels
        case .maxpool, .avgpool, .add: return 0
        }
    }

    /// Multiply-accumulates (for pooling and add: one per element visited).
    public var macs: Int {
        switch op {
        case .conv: return outChannels * outHeight * outWidth * (inChannels / groups) * kernelH * kernelW
        case .gemm: return gemmM * gemmN * gemmK
        case .maxpool, .avgpool: return outputElements * kernelH * kernelW
        case .add: return outputElements
        }
    }

    /// Floating-point operations (2 per MAC; 1 per element for pooling and add).
    public var flops: Int {
        switch op {
        case .conv, .gemm: return 2 * macs
        case .maxpool, .avgpool, .add: return macs
        }
    }

    /// The bytes a layer must at least touch once: inputs, weights and outputs (FP32).
    public var compulsoryBytes: Int {
        let inputs = op == .add ? 2 * inputElements : inputElements
        return 4 * (inputs + weightElements + outputElements)
    }

    public var isDepthwise: Bool { op == .conv && groups > 1 && groups == inChannels && groups == outChannels }
    public var isPointwise: Bool { op == .conv && kernelH == 1 && kernelW == 1 && groups == 1 }

    /// The most FLOPs one inference (and so one layer) may need: 5 * 10^11, far above any real
    /// model, low enough that a 10^7-frame trace's FLOP total fits in an Int.
    public static let maxFLOPs = 500_000_000_000

    /// Why this shape cannot run, or nil when it is consistent. Safe for sizes of any magnitude
    /// (shapes read from files): sizes whose element or FLOP counts would overflow are reported
    /// here instead of trapping.
    public var problem: String? {
        let limit = 1 << 31
        let sizes = [("in_channels", inChannels), ("height", inHeight), ("width", inWidth), ("out_channels", outChannels),
                     ("kernel", kernelH), ("kernel", kernelW), ("stride", strideH), ("stride", strideW), ("groups", groups),
                     ("padding", padH), ("padding", padW)]
        for (n, v) in sizes where v > limit { return "\(n) is \(v), over the limit of 2^31" }
        for (n, v) in sizes.dropLast(2) where v <= 0 { return "\(n) must be positive, found \(v)" }
        if padH < 0 || padW < 0 { return "padding must not be negative" }
        // Sizes before rules (overflow first), as the checks of files have always reported them.
        if let p = sizeProblem(limit: limit) { return p }
        if let p = ruleProblem { return p }
        // Every product is bounded now: the tensors with the bias counted.
        if inputElements > limit || outputElements > limit || weightElements > limit {
            return "the tensors are too large (over 2^31 elements)"
        }
        return nil
    }

    /// The op's own consistency rules (channels, groups, kernel against the padded input).
    private var ruleProblem: String? {
        switch op {
        case .conv:
            if inChannels % groups != 0 || outChannels % groups != 0 {
                return "groups (\(groups)) must divide in_channels (\(inChannels)) and out_channels (\(outChannels))"
            }
        case .maxpool, .avgpool:
            if outChannels != inChannels { return "pooling keeps the channel count" }
        case .add:
            if outChannels != inChannels { return "add keeps the channel count" }
        case .gemm:
            break
        }
        if op == .conv || op == .maxpool || op == .avgpool {
            if inHeight + 2 * padH < kernelH || inWidth + 2 * padW < kernelW {
                return "the kernel (\(kernelH)x\(kernelW)) is larger than the padded input (\(inHeight + 2 * padH)x\(inWidth + 2 * padW))"
            }
            if padH >= kernelH || padW >= kernelW {
                return "padding (\(padH)x\(padW)) must be smaller than the kernel (\(kernelH)x\(kernelW))"
            }
        }
        return nil
    }

    /// Tensors over 2^31 elements (they would not fit in memory) or over `maxFLOPs`, computed
    /// without overflow (every size is at most 2^31 and positive here).
    private func sizeProblem(limit: Int) -> String? {
        func product(_ xs: Int...) -> Int? {
            var r = 1
            for x in xs {
                let (p, o) = r.multipliedReportingOverflow(by: x)
                if o { return nil }
                r = p
            }
            return r
        }
        let outH = op == .gemm || op == .add ? inHeight : (inHeight + 2 * padH - kernelH) / strideH + 1
        let outW = op == .gemm ? 1 : op == .add ? inWidth : (inWidth + 2 * padW - kernelW) / strideW + 1
        // A kernel larger than its input: the rules say so.
        guard outH > 0, outW > 0 else { return nil }
        let tooLarge = "the tensors are too large (over 2^31 elements)"
        guard let input = product(inChannels, inHeight, inWidth), input <= limit,
              let output = product(outChannels, outH, outW), output <= limit else { return tooLarge }
        let perOutput: Int?
        switch op {
        case .conv: perOutput = product(inChannels / groups, kernelH, kernelW)
        case .gemm: perOutput = inChannels
        case .maxpool, .avgpool: perOutput = product(kernelH, kernelW)
        case .add: perOutput = 1
        }
        guard let perOutput, let weights = product(outChannels, perOutput), weights <= limit else { return tooLarge }
        guard let macs = product(output, perOutput), let flops = product(macs, 2), flops <= Self.maxFLOPs else {
            return "needs more than \(Self.maxFLOPs) FLOPs"
        }
        return nil
    }

    /// The same as `problem` (kept for callers written before `problem` was overflow-safe).
    public var checkedProblem: String? { problem }
}
