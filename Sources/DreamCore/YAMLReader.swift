import Yams

/// A strict reader over a parsed YAML (or JSON) document.
///
/// Unlike `Decodable`, it knows the path and line of every value, rejects unknown keys and
/// wrong types, and turns each problem into a `DreamInputError` naming the file and field.
/// Call `finish()` after reading an object so that unknown keys are reported.
public struct YAMLObject {
    public let file: String
    public let path: String
    private let pairs: [(key: String, value: Node)]
    private let mark: Mark?
    private var used: Set<String> = []

    public static func parse(_ text: String, file: String) throws -> YAMLObject {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw DreamInputError(.data, file: file, field: Self.location(of: error),
                                  problem: "is not valid YAML (\(Self.problem(of: error)))",
                                  fix: "correct the syntax at that line")
        }
        guard let node else {
            throw DreamInputError(.data, file: file, field: "", problem: "is empty",
                                  fix: "write the document's fields (see the format's README)")
        }
        return try YAMLObject(node, file: file, path: "")
    }

    public init(_ node: Node, file: String, path: String) throws {
        guard case .mapping(let mapping) = node else {
            throw DreamInputError(.data, file: file, field: Self.describe(path, node.mark),
                                  problem: "must be a mapping of key: value pairs, found \(Self.kind(node))",
                                  fix: "write it as `key: value` lines")
        }
        var pairs: [(String, Node)] = []
        for (k, v) in mapping {
            guard case .scalar(let s) = k else {
                throw DreamInputError(.data, file: file, field: Self.describe(path, k.mark),
                                      problem: "has a key that is not a plain name",
                                      fix: "use plain names as keys")
            }
            if pairs.contains(where: { $0.0 == s.string }) {
                throw DreamInputError(.data, file: file, field: Self.describe(Self.join(path, s.string), k.mark),
                                      problem: "appears twice", fix: "keep one `\(s.string)` entry")
            }
            pairs.append((s.string, v))
        }
        self.file = file
        self.path = path
        self.pairs = pairs
        self.mark = node.mark
    }

    public var keys: [String] { pairs.map(\.key) }
    public func has(_ key: String) -> Bool { pairs.contains { $0.key == key } }

    /// The path of `key` with its line, for messages.
    public func field(_ key: String) -> String {
        Self.describe(Self.join(path, key), node(key)?.mark ?? mark)
    }

    public func error(_ key: String, _ problem: String, fix: String,
                      kind: DreamInputError.Kind = .data) -> DreamInputError {
        DreamInputError(kind, file: file, field: field(key), problem: problem, fix: fix)
    }

    private func node(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }

    private mutating func take(_ key: String) -> Node? {
        used.insert(key)
        return node(key)
    }

    private func missing(_ key: String, _ type: String) -> DreamInputError {
        DreamInputError(.data, file: file, field: Self.describe(Self.join(path, key), mark),
                        problem: "is missing", fix: "add `\(key): <\(type)>`")
    }

    private func scalar(_ key: String, _ node: Node, _ type: String) throws -> String {
        guard case .scalar(let s) = node else {
            throw error(key, "must be \(type), found \(Self.kind(node))", fix: "write a single \(type) value")
        }
        return s.string
    }

    // MARK: typed accessors

    public mutating func optionalString(_ key: String) throws -> String? {
        guard let n = take(key) else { return nil }
        if case .scalar(let s) = n, s.tag.description == Tag.Name.null.rawValue || (s.string == "null" && s.style == .plain) { return nil }
        return try scalar(key, n, "a string")
    }

    public mutating func string(_ key: String) throws -> String {
        guard let v = try optionalString(key) else { throw missing(key, "string") }
        return v
    }

    public mutating func optionalInt(_ key: String) throws -> Int? {
        guard let n = take(key) else { return nil }
        let s = try scalar(key, n, "an integer")
        guard let v = Int(s) else {
            throw error(key, "must be an integer, found `\(s)`", fix: "write a whole number such as 4")
        }
        return v
    }

    public mutating func int(_ key: String) throws -> Int {
        guard let v = try optionalInt(key) else { throw missing(key, "integer") }
        return v
    }

    public mutating func optionalDouble(_ key: String) throws -> Double? {
        guard let n = take(key) else { return nil }
        let s = try scalar(key, n, "a number")
        guard let v = Double(s), v.isFinite else {
            throw error(key, "must be a finite number, found `\(s)`", fix: "write a number such as 1.5")
        }
        return v
    }

    public mutating func double(_ key: String) throws -> Double {
        guard let v = try optionalDouble(key) else { throw missing(key, "number") }
        return v
    }

    public mutating func optionalBool(_ key: String) throws -> Bool? {
        guard let n = take(key) else { return nil }
        let s = try scalar(key, n, "true or false")
        switch s.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw error(key, "must be true or false, found `\(s)`", fix: "write true or false")
        }
    }

    /// A non-negative number (rates, watts, energies, durations).
    public mutating func optionalNonNegative(_ key: String) throws -> Double? {
        guard let v = try optionalDouble(key) else { return nil }
        if v < 0 { throw error(key, "must not be negative, found \(v)", fix: "use a value >= 0") }
        return v
    }

    /// A strictly positive number (frame rates, speed factors, scales).
    public mutating func optionalPositive(_ key: String) throws -> Double? {
        guard let v = try optionalDouble(key) else { return nil }
        if v <= 0 { throw error(key, "must be greater than 0, found \(v)", fix: "use a positive value") }
        return v
    }

    public mutating func optionalObject(_ key: String) throws -> YAMLObject? {
        guard let n = take(key) else { return nil }
        return try YAMLObject(n, file: file, path: Self.join(path, key))
    }

    public mutating func object(_ key: String) throws -> YAMLObject {
        guard let v = try optionalObject(key) else { throw missing(key, "mapping") }
        return v
    }

    /// The items of a sequence; `nil` when the key is absent.
    public mutating func optionalList(_ key: String) throws -> [YAMLItem]? {
        guard let n = take(key) else { return nil }
        guard case .sequence(let seq) = n else {
            throw error(key, "must be a list, found \(Self.kind(n))", fix: "write it as a list: `[a, b]` or `- a` lines")
        }
        return seq.enumerated().map { YAMLItem(node: $1, file: file, path: "\(Self.join(path, key))[\($0)]") }
    }

    public mutating func list(_ key: String) throws -> [YAMLItem] {
        guard let v = try optionalList(key) else { throw missing(key, "list") }
        return v
    }

    public mutating func optionalIntList(_ key: String) throws -> [Int]? {
        try optionalList(key)?.map { try $0.int() }
    }

    public mutating func optionalStringList(_ key: String) throws -> [String]? {
        try optionalList(key)?.map { try $0.string() }
    }

    /// Reports keys that were never read: a typo should not be silently ignored.
    public func finish() throws {
        for (key, value) in pairs where !used.contains(key) {
            let known = used.sorted().joined(separator: ", ")
            throw DreamInputError(.data, file: file, field: Self.describe(Self.join(path, key), value.mark),
                                  problem: "is not a known field",
                                  fix: known.isEmpty ? "remove it" : "remove it or correct its spelling (known here: \(known))")
        }
    }

    // MARK: helpers

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func describe(_ path: String, _ mark: Mark?) -> String {
        let p = path.isEmpty ? "document" : path
        guard let mark else { return p }
        return "\(p) (line \(mark.line))"
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "`\(s.string)`"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    static func location(of error: YamlError) -> String {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return "line \(mark.line), column \(mark.column)"
        case .reader(_, let offset, _, _):
            return offset.map { "byte \($0)" } ?? ""
        default:
            return ""
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let p, _, _), .parser(_, let p, _, _), .composer(_, let p, _, _), .reader(let p, _, _, _):
            return p
        default:
            return "\(error)"
        }
    }
}

/// One element of a YAML list, read as a scalar or as an object.
public struct YAMLItem {
    public let node: Node
    public let file: String
    public let path: String

    public var field: String { YAMLObject.describe(path, node.mark) }

    public func object() throws -> YAMLObject { try YAMLObject(node, file: file, path: path) }

    public func string() throws -> String {
        guard case .scalar(let s) = node else {
            throw DreamInputError(.data, file: file, field: field,
                                  problem: "must be a single value, found \(YAMLObject.kind(node))",
                                  fix: "write a plain value")
        }
        return s.string
    }

    public func int() throws -> Int {
        let s = try string()
        guard let v = Int(s) else {
            throw DreamInputError(.data, file: file, field: field,
                                  problem: "must be an integer, found `\(s)`", fix: "write a whole number")
        }
        return v
    }

    public func double() throws -> Double {
        let s = try string()
        guard let v = Double(s), v.isFinite else {
            throw DreamInputError(.data, file: file, field: field,
                                  problem: "must be a finite number, found `\(s)`", fix: "write a number")
        }
        return v
    }
}
