import DreamCore
import Foundation
import Testing
@testable import DreamXRBench

/// XRBench's shared files: `$XRBENCH_DIR`, else `../shared/xrbench` next to the repository root
/// (found from this file's path, so the tests run from anywhere).
enum XRBenchFiles {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let directory: URL = {
        if let env = ProcessInfo.processInfo.environment["XRBENCH_DIR"], !env.isEmpty { return URL(fileURLWithPath: env) }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/xrbench")
    }()

    static var costTable: String { directory.appendingPathComponent("cost_table.csv").path }
    static var expectedScores: String { directory.appendingPathComponent("expected_scores_open.txt").path }
    static func scenario(_ name: String) -> String { directory.appendingPathComponent("usage_scenarios/\(name).m").path }

    /// True when the files are there; otherwise records a failure that says where they were looked for.
    static func available(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let needed = [costTable, expectedScores, scenario("VR_gaming")]
        let missing = needed.filter { !FileManager.default.fileExists(atPath: $0) }
        if missing.isEmpty { return true }
        Issue.record("""
            XRBench's shared files are missing: \(missing.joined(separator: ", ")). \
            They are expected in ../shared/xrbench next to the repository root (\(repositoryRoot.path)); \
            set XRBENCH_DIR to the folder holding cost_table.csv, expected_scores_open.txt and usage_scenarios/.
            """, sourceLocation: sourceLocation)
        return false
    }

    /// The parsed shared cost table (its errors name the line and column).
    static func costs() throws -> XRBenchCostTable {
        try XRBenchCostTable.parse(ShippedFiles.readText(costTable, what: "cost table"), file: costTable)
    }

    /// Every case of expected_scores_open.txt: `SCENARIO__HARDWARE__DATAFLOWS SCORE`.
    static func expectedCases() throws -> [(scenario: String, hardware: String, dataflows: String, score: Double, line: Int)] {
        let text = try String(contentsOfFile: expectedScores, encoding: .utf8)
        var cases: [(String, String, String, Double, Int)] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let parts = fields.first.map { $0.components(separatedBy: "__") } ?? []
            guard fields.count == 2, parts.count == 3, let score = Double(fields[1]) else {
                Issue.record("expected_scores_open.txt line \(i + 1) is not `SCENARIO__HARDWARE__DATAFLOWS SCORE`: \(line)")
                continue
            }
            cases.append((parts[0], parts[1], parts[2], score, i + 1))
        }
        return cases
    }
}

/// The error `body` throws, which must be a DreamInputError.
func inputError(_ body: () throws -> Void) -> DreamInputError? {
    do { try body() } catch let e as DreamInputError { return e } catch { return nil }
    return nil
}

/// One accelerator costing `cycles` / `energy` for every model given.
func accelerator(_ index: Int, _ costs: [String: (cycles: Int, energy: Float)], dataflow: String = "WS") -> XRBenchAccelerator {
    XRBenchAccelerator(index: index, dataflow: dataflow,
                       costs: costs.mapValues { XRBenchCost(cycles: $0.cycles, energy: $0.energy) })
}
