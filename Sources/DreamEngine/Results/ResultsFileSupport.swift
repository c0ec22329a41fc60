import DreamCore
import Foundation

/// What every results format shares: reading a file with errors that name it, loose JSON
/// numbers, JSON nulls for optionals, and the header-keyed CSV that dream writes.
public enum ResultsFile {
    public static func fail(_ file: String, _ field: String, _ problem: String, fix: String = "give a file written by dream") -> DreamInputError {
        DreamInputError(.data, file: file, field: field, problem: problem, fix: fix)
    }

    public static func readData(_ path: String, what: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DreamInputError(.noInput, file: path, field: "", problem: "does not exist", fix: "give the \(what) written by dream")
        }
        guard let d = FileManager.default.contents(atPath: path) else {
            throw DreamInputError(.noInput, file: path, field: "", problem: "cannot be read", fix: "check its permissions")
        }
        return d
    }

    public static func jsonObject(_ path: String, what: String) throws -> [String: Any] {
        try jsonObject(readData(path, what: what), file: path)
    }

    public static func jsonObject(_ data: Data, file: String) throws -> [String: Any] {
        guard let obj = try? JSONSerialization.jsonObject(with: data), let dict = obj as? [String: Any] else {
            throw fail(file, "", "is not a JSON object")
        }
        return dict
    }

    /// Pretty, key-sorted JSON with optionals and non-finite numbers as null (results.json and
    /// compare JSON are written this way, so diffs between runs stay readable).
    public static func prettyJSON(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: nullify(object), options: [.prettyPrinted, .sortedKeys])
    }

    /// Optional values become JSON null.
    public static func nullify(_ value: Any) -> Any {
        if let d = value as? [String: Any] { return d.mapValues { nullify($0) } }
        if let a = value as? [Any] { return a.map { nullify($0) } }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let inner = mirror.children.first?.value else { return NSNull() }
            return nullify(inner)
        }
        if let d = value as? Double, !d.isFinite { return NSNull() }
        return value
    }

    // Numbers come back from JSONSerialization as NSNumber, Int or Double depending on the
    // platform; on Linux, decimals as NSDecimalNumber, whose doubleValue can miss the last bit:
    // its text gives the double that was written.
    public static func double(_ v: Any?) -> Double? {
        if let n = v as? NSDecimalNumber { return Double(n.stringValue) ?? n.doubleValue }
        if let n = v as? NSNumber { return n.doubleValue }
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        return nil
    }

    public static func int(_ v: Any?) -> Int? { double(v).map { Int($0) } }

    /// Seeds keep all 64 bits (a double would round those above 2^53).
    public static func uint64(_ v: Any?) -> UInt64? {
        if let n = v as? NSNumber { return n.uint64Value }
        if let i = v as? Int { return UInt64(max(0, i)) }
        return double(v).map { UInt64(max(0, $0)) }
    }

    /// `v` as a CSV cell of `format` holds it (formatting the result again gives the same text).
    public static func rounded(_ v: Double, _ format: String) -> Double {
        Double(String(format: format, v)) ?? v
    }

    public static func doubles(_ v: Any?) -> [Double]? { (v as? [Any])?.compactMap(double) }

    public static func need<T>(_ v: T?, _ file: String, _ field: String, _ type: String) throws -> T {
        guard let v else { throw fail(file, field, "is missing or not \(type)") }
        return v
    }

    /// A header-keyed CSV without quoted commas (what dream writes): rows as column name -> text
    /// (trimmed; "" for a missing cell), blank lines skipped, with each row's line number.
    public static func csv(_ text: String, file: String, required: [String]) throws -> [(line: Int, cells: [String: String])] {
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard !lines.isEmpty else { throw fail(file, "", "is empty") }
        let names = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        for r in required where !names.contains(r) {
            throw fail(file, "header", "has no column `\(r)`", fix: "give a file written by dream (columns: \(required.joined(separator: ",")))")
        }
        return lines.enumerated().compactMap { i, line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            if cells.count == 1 && cells[0].trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            var row: [String: String] = [:]
            for (c, name) in names.enumerated() where c < cells.count { row[name] = cells[c].trimmingCharacters(in: .whitespaces) }
            return (i + 2, row)
        }
    }
}
