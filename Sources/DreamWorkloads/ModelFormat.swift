import DreamCore
import Foundation

/// Reading and writing the model format (see workloads/README.md).
extension ModelSpec {
    public static let fileExtensions = ["yaml", "yml"]

    /// Parses a model file strictly: unknown keys, wrong types, missing fields, unknown ops,
    /// unknown layer names in `inputs`, impossible or non-chaining shapes are all errors that
    /// name the field and its line.
    public static func parse(_ text: String, file: String) throws -> ModelSpec {
        var doc = try YAMLObject.parse(text, file: file)
        let name = try doc.string("name")
        let description = try doc.optionalString("description")
        let source = try doc.optionalString("source")
        var shapes = ShapeCheck.chained
        if let s = try doc.optionalString("shapes") {
            guard let v = ShapeCheck(rawValue: s) else {
                throw doc.error("shapes", "must be `chained` or `independent`, found `\(s)`",
                                fix: "write `shapes: chained` (checked graph) or `shapes: independent` (imported models)")
            }
            shapes = v
        }
        var variants: [ModelVariant] = []
        var layerFields: [[String]] = []
        var variantFields: [String] = []
        if doc.has("variants") {
            for key in ["layers", "skip_blocks", "early_exits"] where doc.has(key) {
                throw doc.error(key, "cannot be used with `variants`", fix: "move `\(key)` into each variant")
            }
            let items = try doc.list("variants")
            if items.isEmpty { throw doc.error("variants", "is empty", fix: "list at least one variant") }
            for item in items {
                var obj = try item.object()
                let vname = try obj.string("name")
                let accuracy = try obj.optionalDouble("accuracy")
                let (v, fields) = try readVariant(&obj, name: vname, accuracy: accuracy)
                try obj.finish()
                variants.append(v)
                layerFields.append(fields)
                variantFields.append(item.field)
            }
        } else {
            guard doc.has("layers") else {
                throw DreamInputError(.data, file: file, field: "layers", problem: "is missing",
                                      fix: "add `layers:` (a list of layers) or `variants:` (a supernet's sub-networks)")
            }
            let (v, fields) = try readVariant(&doc, name: "default", accuracy: nil)
            variants.append(v)
            layerFields.append(fields)
            variantFields.append(doc.field("layers"))
        }
        try doc.finish()
        let model = ModelSpec(name: name, description: description, source: source, shapes: shapes, variants: variants)
        try model.validate(file: file) { v, l in
            if let l, l < layerFields[v].count { return layerFields[v][l] }
            return variantFields[v]
        }
        return model
    }

    private static func readVariant(_ obj: inout YAMLObject, name: String, accuracy: Double?) throws -> (ModelVariant, [String]) {
        let items = try obj.list("layers")
        if items.isEmpty { throw obj.error("layers", "is empty", fix: "list the model's layers") }
        var layers: [LayerSpec] = []
        var inputNames: [[String]?] = []
        var inputFields: [String] = []
        var fields: [String] = []
        for item in items {
            var l = try item.object()
            let (spec, inputs) = try readLayer(&l)
            try l.finish()
            layers.append(spec)
            inputNames.append(inputs)
            inputFields.append(l.has("inputs") ? l.field("inputs") : item.field)
            fields.append(item.field)
        }
        var index: [String: Int] = [:]
        for (i, l) in layers.enumerated() where index[l.name] == nil { index[l.name] = i }
        var inputs: [[Int]] = []
        for (i, names) in inputNames.enumerated() {
            guard let names else { inputs.append(ModelVariant.sequentialInput(i)); continue }
            var srcs: [Int] = []
            for n in names {
                if n == "input" { continue }
                guard let j = index[n] else {
                    throw DreamInputError(.data, file: obj.file, field: inputFields[i],
                                          problem: "names layer `\(n)`, which is not in this model",
                                          fix: "name an earlier layer of the same variant, or `input` for the model input")
                }
                srcs.append(j)
            }
            inputs.append(srcs)
        }
        func layerIndex(_ o: YAMLObject, _ key: String, _ n: String) throws -> Int {
            guard let j = index[n] else {
                throw o.error(key, "names layer `\(n)`, which is not in this variant", fix: "name one of the variant's layers")
            }
            return j
        }
        var blocks: [SkipBlock] = []
        for item in try obj.optionalList("skip_blocks") ?? [] {
            var b = try item.object()
            let bname = try b.string("name")
            let first = try layerIndex(b, "first", try b.string("first"))
            let last = try layerIndex(b, "last", try b.string("last"))
            let p = try b.double("probability")
            if !(0...1).contains(p) { throw b.error("probability", "must be within [0, 1], found \(p)", fix: "use a probability between 0 and 1") }
            try b.finish()
            if first > last { throw b.error("last", "comes before `first`", fix: "name the block's first layer in `first` and its last in `last`") }
            blocks.append(SkipBlock(name: bname, first: first, last: last, probability: p))
        }
        for item in try obj.optionalList("early_exits") ?? [] {
            var b = try item.object()
            let bname = try b.string("name")
            let after = try layerIndex(b, "after", try b.string("after"))
            let p = try b.double("probability")
            if !(0...1).contains(p) { throw b.error("probability", "must be within [0, 1], found \(p)", fix: "use a probability between 0 and 1") }
            try b.finish()
            if after >= layers.count - 1 { throw b.error("after", "names the last layer: nothing to skip", fix: "name a layer before the last") }
            blocks.append(SkipBlock(name: bname, first: after + 1, last: layers.count - 1, probability: p, earlyExit: true))
        }
        return (ModelVariant(name: name, accuracy: accuracy, layers: layers, inputs: inputs, skipBlocks: blocks), fields)
    }

    private static func readLayer(_ l: inout YAMLObject) throws -> (LayerSpec, [String]?) {
        let name = try l.string("name")
        let opName = try l.string("op")
        guard let op = LayerOp(rawValue: opName) else {
            throw l.error("op", "is an unknown layer op `\(opName)`",
                          fix: "use one of: \(LayerOp.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func act() throws -> Activation {
            guard let a = try l.optionalString("act") else { return .none }
            guard let v = Activation(rawValue: a) else {
                throw l.error("act", "is an unknown activation `\(a)`",
                              fix: "use one of: \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return v
        }
        var spec: LayerSpec
        switch op {
        case .gemm:
            spec = .gemm(name, m: try l.int("m"), n: try l.int("n"), k: try l.int("k"), activation: try act())
        case .add:
            spec = .add(name, c: try l.int("c"), h: try l.int("h"), w: try l.int("w"), activation: try act())
        case .conv, .maxpool, .avgpool:
            let c = try l.int("c"), h = try l.int("h"), w = try l.int("w")
            let k = op == .conv ? try l.int("k") : c
            let r = try l.int("r")
            let s = try l.optionalInt("s") ?? r
            let stride = try l.optionalInt("stride") ?? 1
            let strideW = try l.optionalInt("stride_w") ?? stride
            let pad = try l.optionalInt("pad") ?? 0
            let padW = try l.optionalInt("pad_w") ?? pad
            let groups = op == .conv ? (try l.optionalInt("groups") ?? 1) : c
            let a = op == .conv ? try act() : .none
            spec = LayerSpec(name: name, op: op, inChannels: c, inHeight: h, inWidth: w, outChannels: k,
                             kernelH: r, kernelW: s, strideH: stride, strideW: strideW, padH: pad, padW: padW,
                             groups: groups, activation: a)
        }
        let inputs = try l.optionalStringList("inputs")
        return (spec, inputs)
    }

    /// Loads a model by shipped name (workloads/models/NAME.yaml) or file path.
    public static func load(_ nameOrPath: String) throws -> ModelSpec {
        let path = try ShippedFiles.locate(nameOrPath, folder: "workloads/models", extensions: fileExtensions, what: "model")
        return try parse(ShippedFiles.readText(path, what: "model"), file: path)
    }

    // MARK: writing

    /// The model in the format `parse` reads back identically (one flow-style line per layer).
    public func yamlText() -> String {
        var out = "name: \(yamlString(name))\n"
        if let description { out += "description: \(yamlString(description))\n" }
        if let source { out += "source: \(yamlString(source))\n" }
        if shapes != .chained { out += "shapes: \(shapes.rawValue)\n" }
        if variants.count == 1, variants[0].name == "default", variants[0].accuracy == nil {
            out += Self.variantBody(variants[0], indent: "")
        } else {
            out += "variants:\n"
            for v in variants {
                out += "  - name: \(yamlString(v.name))\n"
                if let a = v.accuracy { out += "    accuracy: \(yamlNumber(a))\n" }
                out += Self.variantBody(v, indent: "    ")
            }
        }
        return out
    }

    static func variantBody(_ v: ModelVariant, indent: String) -> String {
        var out = "\(indent)layers:\n"
        for (i, l) in v.layers.enumerated() {
            out += "\(indent)  - {\(layerFields(l, inputs: v.inputs[i], index: i, all: v.layers))}\n"
        }
        let skips = v.skipBlocks.filter { !$0.earlyExit }
        if !skips.isEmpty {
            out += "\(indent)skip_blocks:\n"
            for b in skips {
                out += "\(indent)  - {name: \(yamlString(b.name)), first: \(yamlString(v.layers[b.first].name)), last: \(yamlString(v.layers[b.last].name)), probability: \(yamlNumber(b.probability))}\n"
            }
        }
        let exits = v.skipBlocks.filter(\.earlyExit)
        if !exits.isEmpty {
            out += "\(indent)early_exits:\n"
            for b in exits {
                out += "\(indent)  - {name: \(yamlString(b.name)), after: \(yamlString(v.layers[b.first - 1].name)), probability: \(yamlNumber(b.probability))}\n"
            }
        }
        return out
    }

    static func layerFields(_ l: LayerSpec, inputs: [Int], index: Int, all: [LayerSpec]) -> String {
        var f: [String] = ["name: \(yamlString(l.name))", "op: \(l.op.rawValue)"]
        switch l.op {
        case .gemm:
            f += ["m: \(l.gemmM)", "n: \(l.gemmN)", "k: \(l.gemmK)"]
        case .add:
            f += ["c: \(l.inChannels)", "h: \(l.inHeight)", "w: \(l.inWidth)"]
        case .conv, .maxpool, .avgpool:
            f += ["c: \(l.inChannels)", "h: \(l.inHeight)", "w: \(l.inWidth)"]
            if l.op == .conv { f.append("k: \(l.outChannels)") }
            f.append("r: \(l.kernelH)")
            if l.kernelW != l.kernelH { f.append("s: \(l.kernelW)") }
            if l.strideH != 1 || l.strideW != 1 { f.append("stride: \(l.strideH)") }
            if l.strideW != l.strideH { f.append("stride_w: \(l.strideW)") }
            if l.padH != 0 || l.padW != 0 { f.append("pad: \(l.padH)") }
            if l.padW != l.padH { f.append("pad_w: \(l.padW)") }
            if l.op == .conv && l.groups != 1 { f.append("groups: \(l.groups)") }
        }
        if l.activation != .none && l.op != .maxpool && l.op != .avgpool { f.append("act: \(l.activation.rawValue)") }
        if inputs != ModelVariant.sequentialInput(index) {
            let names = inputs.isEmpty ? ["input"] : inputs.map { yamlString(all[$0].name) }
            f.append("inputs: [\(names.joined(separator: ", "))]")
        }
        return f.joined(separator: ", ")
    }
}

// MARK: - YAML scalars

/// A string as a YAML scalar: plain when unambiguous, double-quoted otherwise.
func yamlString(_ s: String) -> String {
    let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"]
    let plainOK = !s.isEmpty && s.unicodeScalars.allSatisfy { c in
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-" || c == "."
    } && !(s.first!.isNumber || s.first == "-" || s.first == ".") && !reserved.contains(s.lowercased())
    if plainOK { return s }
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if c.value < 0x20 { out += String(format: "\\x%02X", c.value) } else { out.unicodeScalars.append(c) }
        }
    }
    return out + "\""
}

/// A number as YAML (shortest form that reads back to the same Double).
func yamlNumber(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) + ".0" }
    return "\(v)"
}
