import DreamCore

/// One `Layer NAME { Type: T  Dimensions: { N: .., K: .., C: .., Y: .., X: .., R: .., S: .. } }`
/// of a MAESTRO model file, exactly as written (no interpretation of the shape).
///
/// MAESTRO / XRBench semantics: Y, X are the input rows / columns, R, S the filter rows /
/// columns, K the output channels, C the input channels, N the batch. Every XRBench layer is a
/// stride-1 `CONV`.
public struct MaestroLayer: Sendable, Hashable {
    public var name: String
    public var type: String
    public var n, k, c, y, x, r, s: Int
    /// The line of the `Layer` keyword (1-based).
    public var line: Int

    public init(name: String, type: String, n: Int, k: Int, c: Int, y: Int, x: Int, r: Int, s: Int, line: Int) {
        self.name = name
        self.type = type
        self.n = n; self.k = k; self.c = c; self.y = y; self.x = x; self.r = r; self.s = s
        self.line = line
    }
}

/// One `Network NAME { FPS: n  [Dependency: { A B }]  [Probability: p]  Layer ... }`.
public struct MaestroNetwork: Sendable, Hashable {
    public var name: String
    /// Frames per second (XRBench's scenario files); nil in a plain MAESTRO model file.
    public var fps: Int?
    /// Upstream networks this one is cascaded after (XRBench: runs on a frame only after them).
    public var dependencies: [String]
    /// Chance that a cascaded frame is created (XRBench: 1.0 when absent).
    public var probability: Double?
    public var layers: [MaestroLayer]
    /// The line of the `Network` keyword (1-based).
    public var line: Int

    public init(name: String, fps: Int? = nil, dependencies: [String] = [], probability: Double? = nil,
                layers: [MaestroLayer] = [], line: Int) {
        self.name = name
        self.fps = fps
        self.dependencies = dependencies
        self.probability = probability
        self.layers = layers
        self.line = line
    }
}

/// A parsed MAESTRO / XRBench `.m` model or scenario file.
///
/// Grammar (whitespace and `//` comments between tokens are free; the separators `,` and `;`
/// are optional):
/// ```
/// file       := network*
/// network    := "Network" NAME "{" item* "}"
/// item       := "FPS" ":" INT | "Probability" ":" NUMBER
///             | "Dependency" ":" "{" NAME* "}" | layer
/// layer      := "Layer" NAME "{" "Type" ":" NAME "Dimensions" ":" "{" (DIM ":" INT)* "}" "}"
/// DIM        := N | K | C | Y | X | R | S        (each exactly once; N defaults to 1)
/// ```
/// Any other token is an error naming its line.
public struct MaestroFile: Sendable, Hashable {
    public var networks: [MaestroNetwork]
    public var file: String

    public init(networks: [MaestroNetwork], file: String) {
        self.networks = networks
        self.file = file
    }

    public func network(named name: String) -> MaestroNetwork? { networks.first { $0.name == name } }

    /// Parses `text`; every syntax error is a `DreamInputError` (kind `.data`) whose field is
    /// `line N` (plus the network / layer being read).
    public static func parse(_ text: String, file: String) throws -> MaestroFile {
        var p = MaestroTokenParser(tokens: try MaestroTokenizer.tokenize(text, file: file), file: file)
        return MaestroFile(networks: try p.parseFile(), file: file)
    }
}

// MARK: - tokenizer

struct MaestroToken: Equatable {
    enum Kind: Equatable { case word, open, close, colon }
    var kind: Kind
    var text: String
    var line: Int
}

enum MaestroTokenizer {
    static func tokenize(_ text: String, file: String) throws -> [MaestroToken] {
        var tokens: [MaestroToken] = []
        var line = 1
        var word = ""
        var wordLine = 1
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func flush() {
            if !word.isEmpty { tokens.append(MaestroToken(kind: .word, text: word, line: wordLine)); word = "" }
        }
        while i < scalars.count {
            let ch = scalars[i]
            switch ch {
            case "\n":
                flush(); line += 1
            case " ", "\t", "\r", ",", ";":
                flush()
            case "/" where i + 1 < scalars.count && scalars[i + 1] == "/":
                flush()
                while i < scalars.count && scalars[i] != "\n" { i += 1 }
                continue
            case "{":
                flush(); tokens.append(MaestroToken(kind: .open, text: "{", line: line))
            case "}":
                flush(); tokens.append(MaestroToken(kind: .close, text: "}", line: line))
            case ":":
                flush(); tokens.append(MaestroToken(kind: .colon, text: ":", line: line))
            default:
                let ok = (ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z") || (ch >= "0" && ch <= "9")
                    || ch == "_" || ch == "-" || ch == "." || ch == "+"
                guard ok else {
                    throw DreamInputError(.data, file: file, field: "line \(line)",
                                          problem: "has an unexpected character `\(Character(ch))`",
                                          fix: "MAESTRO files contain only names, numbers, `{ } : ,` and `//` comments")
                }
                if word.isEmpty { wordLine = line }
                word.unicodeScalars.append(ch)
            }
            i += 1
        }
        flush()
        return tokens
    }
}

// MARK: - parser

struct MaestroTokenParser {
    var tokens: [MaestroToken]
    var file: String
    var pos = 0

    init(tokens: [MaestroToken], file: String) {
        self.tokens = tokens
        self.file = file
    }

    var lastLine: Int { tokens.last?.line ?? 1 }

    func fail(_ line: Int, _ context: String, _ problem: String, _ fix: String) -> DreamInputError {
        DreamInputError(.data, file: file, field: context.isEmpty ? "line \(line)" : "line \(line) (\(context))",
                        problem: problem, fix: fix)
    }

    mutating func next(_ context: String, expecting what: String) throws -> MaestroToken {
        guard pos < tokens.count else {
            throw fail(lastLine, context, "ends early: expected \(what)", "complete the file (every `{` needs its `}`)")
        }
        defer { pos += 1 }
        return tokens[pos]
    }

    func peek() -> MaestroToken? { pos < tokens.count ? tokens[pos] : nil }

    mutating func expect(_ kind: MaestroToken.Kind, _ context: String, _ what: String) throws -> MaestroToken {
        let t = try next(context, expecting: what)
        guard t.kind == kind else {
            throw fail(t.line, context, "expected \(what), found `\(t.text)`", "write \(what) here")
        }
        return t
    }

    static func isName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first else { return false }
        return (f >= "a" && f <= "z") || (f >= "A" && f <= "Z") || f == "_"
    }

    mutating func name(_ context: String, _ what: String) throws -> MaestroToken {
        let t = try expect(.word, context, what)
        guard Self.isName(t.text) else {
            throw fail(t.line, context, "expected \(what), found `\(t.text)`", "names start with a letter or `_`")
        }
        return t
    }

    mutating func parseFile() throws -> [MaestroNetwork] {
        var networks: [MaestroNetwork] = []
        while let t = peek() {
            guard t.kind == .word, t.text == "Network" else {
                throw fail(t.line, "", "expected `Network NAME {`, found `\(t.text)`",
                           "a MAESTRO model file is a list of `Network NAME { ... }` blocks")
            }
            pos += 1
            let net = try parseNetwork(line: t.line)
            if let prev = networks.first(where: { $0.name == net.name }) {
                throw fail(t.line, "Network \(net.name)", "repeats the network name first used at line \(prev.line)",
                           "give each network a distinct name")
            }
            networks.append(net)
        }
        if networks.isEmpty {
            throw fail(1, "", "contains no network", "write at least one `Network NAME { ... }` block")
        }
        return networks
    }

    mutating func parseNetwork(line: Int) throws -> MaestroNetwork {
        let nameTok = try name("Network", "the network's name")
        let ctx = "Network \(nameTok.text)"
        _ = try expect(.open, ctx, "`{`")
        var net = MaestroNetwork(name: nameTok.text, line: line)
        var fpsLine: Int?, probLine: Int?, depLine: Int?
        while true {
            let t = try next(ctx, expecting: "`}` closing the network")
            if t.kind == .close { break }
            guard t.kind == .word else {
                throw fail(t.line, ctx, "expected `FPS`, `Dependency`, `Probability`, `Layer` or `}`, found `\(t.text)`",
                           "remove the stray `\(t.text)`")
            }
            switch t.text {
            case "FPS":
                if let l = fpsLine { throw fail(t.line, ctx, "repeats FPS (first at line \(l))", "keep one FPS line") }
                fpsLine = t.line
                _ = try expect(.colon, ctx, "`:` after FPS")
                let v = try expect(.word, ctx, "the frame rate")
                guard let fps = Int(v.text) ?? Double(v.text).flatMap({ $0 == $0.rounded() && abs($0) < 1e9 ? Int($0) : nil }) else {
                    throw fail(v.line, ctx, "FPS must be a whole number, found `\(v.text)`", "write e.g. `FPS: 30`")
                }
                net.fps = fps
            case "Probability":
                if let l = probLine { throw fail(t.line, ctx, "repeats Probability (first at line \(l))", "keep one Probability line") }
                probLine = t.line
                _ = try expect(.colon, ctx, "`:` after Probability")
                let v = try expect(.word, ctx, "the probability")
                guard let p = Double(v.text), p.isFinite else {
                    throw fail(v.line, ctx, "Probability must be a number, found `\(v.text)`", "write e.g. `Probability: 0.5`")
                }
                net.probability = p
            case "Dependency":
                if let l = depLine { throw fail(t.line, ctx, "repeats Dependency (first at line \(l))", "list every upstream network in one Dependency block") }
                depLine = t.line
                _ = try expect(.colon, ctx, "`:` after Dependency")
                _ = try expect(.open, ctx, "`{` opening the dependency list")
                while true {
                    let d = try next(ctx, expecting: "a network name or `}`")
                    if d.kind == .close { break }
                    guard d.kind == .word, Self.isName(d.text) else {
                        throw fail(d.line, ctx, "expected an upstream network name, found `\(d.text)`",
                                   "write `Dependency: { NETWORK_NAME }`")
                    }
                    net.dependencies.append(d.text)
                }
            case "Layer":
                let layer = try parseLayer(line: t.line, network: nameTok.text)
                if let prev = net.layers.first(where: { $0.name == layer.name }) {
                    throw fail(t.line, "\(ctx), Layer \(layer.name)", "repeats the layer name first used at line \(prev.line)",
                               "give each layer of a network a distinct name")
                }
                net.layers.append(layer)
            default:
                throw fail(t.line, ctx, "has an unknown item `\(t.text)`",
                           "a network holds `FPS:`, `Dependency: { }`, `Probability:` and `Layer NAME { }` items")
            }
        }
        return net
    }

    mutating func parseLayer(line: Int, network: String) throws -> MaestroLayer {
        let nameTok = try name("Network \(network)", "the layer's name")
        let ctx = "Network \(network), Layer \(nameTok.text)"
        _ = try expect(.open, ctx, "`{`")
        var type: String?
        var dims: [String: Int] = [:]
        var sawDims = false
        while true {
            let t = try next(ctx, expecting: "`}` closing the layer")
            if t.kind == .close { break }
            guard t.kind == .word else {
                throw fail(t.line, ctx, "expected `Type:` or `Dimensions:`, found `\(t.text)`", "remove the stray `\(t.text)`")
            }
            switch t.text {
            case "Type":
                if type != nil { throw fail(t.line, ctx, "repeats Type", "keep one `Type:` line") }
                _ = try expect(.colon, ctx, "`:` after Type")
                type = try name(ctx, "the layer type (e.g. CONV)").text
            case "Dimensions":
                if sawDims { throw fail(t.line, ctx, "repeats Dimensions", "keep one `Dimensions:` block") }
                sawDims = true
                _ = try expect(.colon, ctx, "`:` after Dimensions")
                _ = try expect(.open, ctx, "`{` opening the dimensions")
                while true {
                    let k = try next(ctx, expecting: "a dimension (N, K, C, Y, X, R, S) or `}`")
                    if k.kind == .close { break }
                    guard k.kind == .word, ["N", "K", "C", "Y", "X", "R", "S"].contains(k.text) else {
                        throw fail(k.line, ctx, "has an unknown dimension `\(k.text)`", "use N, K, C, Y, X, R and S")
                    }
                    if dims[k.text] != nil { throw fail(k.line, ctx, "repeats dimension \(k.text)", "give each dimension once") }
                    _ = try expect(.colon, ctx, "`:` after \(k.text)")
                    let v = try expect(.word, ctx, "the value of \(k.text)")
                    guard let n = Int(v.text) else {
                        throw fail(v.line, ctx, "dimension \(k.text) must be a whole number, found `\(v.text)`", "write e.g. `\(k.text): 3`")
                    }
                    guard n > 0 else {
                        throw fail(v.line, ctx, "dimension \(k.text) must be positive, found \(n)", "use a size of at least 1")
                    }
                    guard n <= 1 << 31 else {
                        throw fail(v.line, ctx, "dimension \(k.text) is \(n), over the limit of 2^31", "correct the size")
                    }
                    dims[k.text] = n
                }
            default:
                throw fail(t.line, ctx, "has an unknown item `\(t.text)`", "a layer holds `Type:` and `Dimensions: { }`")
            }
        }
        guard let type else { throw fail(line, ctx, "has no Type", "add `Type: CONV`") }
        guard sawDims else { throw fail(line, ctx, "has no Dimensions", "add `Dimensions: { N: 1, K: .., C: .., Y: .., X: .., R: .., S: .. }`") }
        for d in ["K", "C", "Y", "X", "R", "S"] where dims[d] == nil {
            throw fail(line, ctx, "is missing dimension \(d)", "give all of K, C, Y, X, R, S")
        }
        return MaestroLayer(name: nameTok.text, type: type, n: dims["N"] ?? 1, k: dims["K"]!, c: dims["C"]!,
                            y: dims["Y"]!, x: dims["X"]!, r: dims["R"]!, s: dims["S"]!, line: line)
    }
}

extension MaestroFile {
    /// Writes the file back in MAESTRO syntax (parses back to the same networks, lines aside).
    public func maestroText() -> String {
        var out = ""
        for net in networks {
            out += "Network \(net.name) {\n\n"
            if let fps = net.fps { out += "FPS: \(fps)\n" }
            if let p = net.probability { out += "Probability: \(p)\n" }
            if !net.dependencies.isEmpty { out += "Dependency: {\n" + net.dependencies.map { "\t\($0)\n" }.joined() + "}\n" }
            out += "\n"
            for l in net.layers {
                out += "Layer \(l.name) {\n\tType: \(l.type)\n\tDimensions: { N: \(l.n), K: \(l.k), C: \(l.c), Y: \(l.y), X: \(l.x), R: \(l.r), S: \(l.s) }\n}\n\n"
            }
            out += "}\n\n"
        }
        return out
    }
}
