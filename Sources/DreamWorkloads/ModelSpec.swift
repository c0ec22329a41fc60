import DreamCore

/// A contiguous range of layers that may be skipped at run time (layer-level dynamism).
///
/// A skip block (`earlyExit == false`) is a residual-style block: when skipped, its input flows
/// to its output unchanged, so its first layer's input shape must equal its last layer's output
/// shape (checked for chained models). An early exit skips everything after a layer to the end
/// of the model (`last` is then the model's last layer). Each frame draws, once per block name,
/// whether the block is skipped (`probability` = chance of skipping).
public struct SkipBlock: Sendable, Hashable, Codable {
    public var name: String
    /// Index of the first skipped layer.
    public var first: Int
    /// Index of the last skipped layer (inclusive).
    public var last: Int
    public var probability: Double
    public var earlyExit: Bool

    public init(name: String, first: Int, last: Int, probability: Double, earlyExit: Bool = false) {
        self.name = name
        self.first = first
        self.last = last
        self.probability = probability
        self.earlyExit = earlyExit
    }

    public var layers: ClosedRange<Int> { first...last }
}

/// How a model's layer shapes relate.
public enum ShapeCheck: String, Sendable, Hashable, Codable {
    /// Layers form a graph (a sequential list plus `inputs` for skip connections) and each
    /// layer's input shape must equal what its producers output. Our own models.
    case chained
    /// Each layer is priced and run on its own shape (XRBench / MAESTRO semantics): imported
    /// models, whose files do not describe strides, padding or the graph.
    case independent
}

/// One sub-network of a model (a supernet's width / depth / resolution choice), or the only one.
public struct ModelVariant: Sendable, Hashable, Codable {
    public var name: String
    /// Accuracy figure of this variant (e.g. top-1 in [0, 1]); nil when unknown.
    public var accuracy: Double?
    public var layers: [LayerSpec]
    /// Per layer, the indices of the layers whose outputs it reads; `[]` = the model input.
    /// Several inputs: channel concatenation (conv, pool) or the summed tensors (add).
    public var inputs: [[Int]]
    public var skipBlocks: [SkipBlock]

    public init(name: String, accuracy: Double? = nil, layers: [LayerSpec], inputs: [[Int]]? = nil,
                skipBlocks: [SkipBlock] = []) {
        self.name = name
        self.accuracy = accuracy
        self.layers = layers
        self.inputs = inputs ?? layers.indices.map { $0 == 0 ? [] : [$0 - 1] }
        self.skipBlocks = skipBlocks
    }

    /// The default input list of layer `i`: the previous layer (the model input for layer 0).
    public static func sequentialInput(_ i: Int) -> [Int] { i == 0 ? [] : [i - 1] }

    /// FLOPs of one full inference (no block skipped).
    public var flops: Int { layers.reduce(0) { $0 + $1.flops } }

    /// Indices of the layers that execute when the named blocks are skipped.
    public func executedLayerIndices(skipping skipped: [String]) -> [Int] {
        if skipped.isEmpty || skipBlocks.isEmpty { return Array(layers.indices) }
        var run = [Bool](repeating: true, count: layers.count)
        for b in skipBlocks where skipped.contains(b.name) {
            for i in b.layers where i < run.count { run[i] = false }
        }
        return layers.indices.filter { run[$0] }
    }

    /// FLOPs executed when the named blocks are skipped.
    public func executedFLOPs(skipping skipped: [String]) -> Int {
        executedLayerIndices(skipping: skipped).reduce(0) { $0 + layers[$1].flops }
    }
}

/// A DNN: its name and variants; `variants[0]` is the default (largest) one.
public struct ModelSpec: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    /// Where the model came from (e.g. `XRBench VR_gaming.m`), informative.
    public var source: String?
    public var shapes: ShapeCheck
    public var variants: [ModelVariant]

    public init(name: String, description: String? = nil, source: String? = nil,
                shapes: ShapeCheck = .chained, variants: [ModelVariant]) {
        self.name = name
        self.description = description
        self.source = source
        self.shapes = shapes
        self.variants = variants
    }

    public var defaultVariant: ModelVariant { variants[0] }

    /// The names of every skip block or early exit of any variant, in first-declared order.
    /// A frame's skip draws are made for these names, whatever variant later runs.
    public var skipBlockNames: [String] {
        var names: [String] = []
        for v in variants { for b in v.skipBlocks where !names.contains(b.name) { names.append(b.name) } }
        return names
    }

    /// The skip probability of each block name (validated to agree across variants).
    public var skipProbabilities: [(name: String, probability: Double)] {
        skipBlockNames.map { n in
            (n, variants.lazy.flatMap(\.skipBlocks).first { $0.name == n }!.probability)
        }
    }

    public func variantIndex(named name: String) -> Int? { variants.firstIndex { $0.name == name } }
}

// MARK: - validation

extension ModelSpec {
    /// Checks names, probabilities, the layer graph (no forward references: the graph is acyclic
    /// by construction), shapes (`LayerSpec.problem`) and, for chained models, that shapes chain.
    /// `file` names the model file in errors; `field(i, j)` gives the field of variant i, layer j.
    public func validate(file: String, field: (Int, Int?) -> String = { v, l in
        l.map { "variants[\(v)].layers[\($0)]" } ?? "variants[\(v)]" }) throws {
        func fail(_ v: Int, _ l: Int?, _ problem: String, _ fix: String) -> DreamInputError {
            DreamInputError(.data, file: file, field: field(v, l), problem: problem, fix: fix)
        }
        if variants.isEmpty {
            throw DreamInputError(.data, file: file, field: "variants", problem: "is empty",
                                  fix: "give at least one variant with its layers")
        }
        var seenVariants = Set<String>()
        var blockProbability: [String: Double] = [:]
        for (vi, v) in variants.enumerated() {
            if !seenVariants.insert(v.name).inserted {
                throw fail(vi, nil, "repeats the variant name `\(v.name)`", "give each variant a distinct name")
            }
            if v.layers.isEmpty { throw fail(vi, nil, "has no layers", "list the variant's layers") }
            if let a = v.accuracy, !(a >= 0) { throw fail(vi, nil, "has a negative accuracy \(a)", "give the accuracy as a fraction or percentage >= 0") }
            if v.inputs.count != v.layers.count {
                throw fail(vi, nil, "has \(v.inputs.count) input lists for \(v.layers.count) layers", "give one input list per layer")
            }
            var names = Set<String>()
            for (li, layer) in v.layers.enumerated() {
                if !names.insert(layer.name).inserted {
                    throw fail(vi, li, "repeats the layer name `\(layer.name)`", "give each layer of a variant a distinct name")
                }
                if layer.name == "input" {
                    throw fail(vi, li, "uses the reserved layer name `input`", "rename the layer (`input` means the model's input)")
                }
                if let p = layer.problem { throw fail(vi, li, "has an impossible shape: \(p)", "correct the layer's shape") }
                for src in v.inputs[li] where src >= li || src < 0 {
                    let what = src >= 0 && src < v.layers.count ? "`\(v.layers[src].name)`" : "#\(src)"
                    throw fail(vi, li, "reads layer \(what), which does not come before it (a dependency cycle or forward reference)",
                               "list layers in execution order; inputs may only name earlier layers")
                }
                if layer.op == .add && shapes == .chained && v.inputs[li].count < 2 {
                    throw fail(vi, li, "is an add with \(v.inputs[li].count) input(s)", "give an add two or more `inputs`")
                }
            }
            let (flops, overflow) = v.layers.reduce((0, false)) { acc, l in
                let (sum, o) = acc.0.addingReportingOverflow(l.flops)
                return (sum, acc.1 || o)
            }
            if overflow || flops > LayerSpec.maxFLOPs {
                throw fail(vi, nil, "needs \(overflow ? "more than 2^63" : String(flops)) FLOPs per inference, over the limit of \(LayerSpec.maxFLOPs)",
                           "correct the layers' shapes (a real model needs far fewer), or split the model")
            }
            if shapes == .chained { try checkChaining(vi, v, fail) }
            var ranges: [SkipBlock] = []
            for b in v.skipBlocks {
                if !(0...1).contains(b.probability) {
                    throw fail(vi, nil, "skip block `\(b.name)` has probability \(b.probability), outside [0, 1]", "use a probability between 0 and 1")
                }
                guard b.first >= 0, b.first <= b.last, b.last < v.layers.count else {
                    throw fail(vi, nil, "skip block `\(b.name)` covers no valid layer range (\(b.first)...\(b.last))",
                               "name a first layer that comes before (or is) the last")
                }
                if b.earlyExit {
                    if b.last != v.layers.count - 1 || b.first == 0 {
                        throw fail(vi, nil, "early exit `\(b.name)` must skip from after a layer to the end", "name the layer after which the model may exit")
                    }
                } else {
                    if let o = ranges.first(where: { $0.layers.overlaps(b.layers) }) {
                        throw fail(vi, nil, "skip blocks `\(o.name)` and `\(b.name)` overlap", "make skip blocks disjoint (early exits may overlap them)")
                    }
                    ranges.append(b)
                    if shapes == .chained {
                        let inShape = inputShape(v, b.first), outL = v.layers[b.last]
                        let outShape = [outL.outChannels, outL.outHeight, outL.outWidth]
                        if let inShape, inShape != outShape {
                            throw fail(vi, nil, "skip block `\(b.name)` changes the shape (\(fmt(inShape)) in, \(fmt(outShape)) out), so it cannot be skipped",
                                       "make a skippable block residual: its output shape must equal its input shape")
                        }
                        // A layer after the block must not read a layer inside it (other than the last).
                        for li in (b.last + 1)..<v.layers.count {
                            if let src = v.inputs[li].first(where: { $0 >= b.first && $0 < b.last }) {
                                throw fail(vi, li, "reads `\(v.layers[src].name)` from inside skip block `\(b.name)`",
                                           "read the block's last layer or a layer outside the block")
                            }
                        }
                    }
                }
                if let p = blockProbability[b.name], p != b.probability {
                    throw fail(vi, nil, "skip block `\(b.name)` has probability \(b.probability) here but \(p) in another variant",
                               "give a block name the same probability in every variant (a frame draws it once)")
                }
                blockProbability[b.name] = b.probability
            }
            if Set(v.skipBlocks.map(\.name)).count != v.skipBlocks.count {
                throw fail(vi, nil, "repeats a skip block name", "give each skip block of a variant a distinct name")
            }
        }
    }

    private func fmt(_ s: [Int]) -> String { s.map(String.init).joined(separator: "x") }

    /// The (C, H, W) entering layer `i` when its producers are known; nil for the model input.
    private func inputShape(_ v: ModelVariant, _ i: Int) -> [Int]? {
        let l = v.layers[i]
        return [l.inChannels, l.inHeight, l.inWidth]
    }

    private func checkChaining(_ vi: Int, _ v: ModelVariant,
                               _ fail: (Int, Int?, String, String) -> DreamInputError) throws {
        var modelInput: (shape: [Int], layer: Int)?
        for (li, l) in v.layers.enumerated() {
            let srcs = v.inputs[li]
            let mine = [l.inChannels, l.inHeight, l.inWidth]
            if srcs.isEmpty {
                if let mi = modelInput, l.op != .gemm, mi.shape != mine {
                    throw fail(vi, li, "reads the model input as \(fmt(mine)), but layer `\(v.layers[mi.layer].name)` reads it as \(fmt(mi.shape))",
                               "make every layer that reads `input` agree on its shape")
                }
                if modelInput == nil { modelInput = (mine, li) }
                continue
            }
            let outs = srcs.map { s -> [Int] in let p = v.layers[s]; return [p.outChannels, p.outHeight, p.outWidth] }
            let srcNames = srcs.map { "`\(v.layers[$0].name)`" }.joined(separator: " + ")
            switch l.op {
            case .gemm:
                let elements = outs.reduce(0) { $0 + $1[0] * $1[1] * $1[2] }
                if elements != l.gemmM * l.gemmK {
                    throw fail(vi, li, "is a gemm reading \(l.gemmM)x\(l.gemmK) = \(l.gemmM * l.gemmK) values, but \(srcNames) output\(srcs.count > 1 ? "" : "s") \(elements)",
                               "make m * k equal the producer's output size, or correct the producer")
                }
            case .add:
                for (s, o) in zip(srcs, outs) where o != mine {
                    throw fail(vi, li, "adds `\(v.layers[s].name)` (\(fmt(o))) to a \(fmt(mine)) tensor: shapes do not chain",
                               "make every input of an add output the add's c x h x w")
                }
            case .conv, .maxpool, .avgpool:
                let channels = outs.reduce(0) { $0 + $1[0] }
                let spatialOK = outs.allSatisfy { $0[1] == l.inHeight && $0[2] == l.inWidth }
                if channels != l.inChannels || !spatialOK {
                    let got = srcs.count == 1 ? fmt(outs[0]) : outs.map(fmt).joined(separator: " + ")
                    throw fail(vi, li, "expects a \(fmt(mine)) input but \(srcNames) output\(srcs.count > 1 ? "" : "s") \(got): shapes do not chain",
                               "correct c/h/w of this layer or of its producer (or its stride/padding)")
                }
            }
        }
    }
}
