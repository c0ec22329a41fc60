import DreamCore

/// What one whole inference of one model costs on one XRBench sub-accelerator.
public struct XRBenchCost: Sendable, Hashable, Codable {
    /// Clock cycles at the official simulator's hard-coded 1 GHz.
    public var cycles: Int
    /// `Float(cycles) / 1e6`, in ms, exactly as the official simulator computes it (float32).
    public var latencyMs: Float
    /// Energy in XRBench's units (the official code logs them as "mJ"), float32.
    public var energy: Float

    public init(cycles: Int, energy: Float) {
        self.cycles = cycles
        self.latencyMs = Self.latency(cycles: cycles)
        self.energy = energy
    }

    /// The official conversion: `static_cast<float>(cycles) / 1000000`, a float32 division.
    public static func latency(cycles: Int) -> Float { Float(cycles) / Float(1_000_000) }
}

/// One sub-accelerator of a hardware / dataflow combination, with the cost of every model on it.
public struct XRBenchAccelerator: Sendable, Hashable, Codable {
    public var index: Int
    public var dataflow: String
    public var costs: [String: XRBenchCost]

    public init(index: Int, dataflow: String, costs: [String: XRBenchCost]) {
        self.index = index
        self.dataflow = dataflow
        self.costs = costs
    }
}

/// A cost table with the columns of XRBench's `cost_table.csv`:
/// `hardware,dataflows,accelerator,dataflow,model,cycles,latency_ms,energy`.
///
/// `dataflows` names the whole combination (`WS_OS`: accelerator 0 is WS, accelerator 1 is OS);
/// `dataflow` repeats the one of this row's accelerator. The latency used is always the official
/// `Float(cycles) / 1e6`; `latency_ms` must agree with it (it is checked, not trusted).
public struct XRBenchCostTable: Sendable, Hashable {
    public struct Row: Sendable, Hashable, Codable {
        public var hardware: String
        public var dataflows: String
        public var accelerator: Int
        public var dataflow: String
        public var model: String
        public var cost: XRBenchCost
        /// 1-based line in the file.
        public var line: Int
    }

    public static let columns = ["hardware", "dataflows", "accelerator", "dataflow", "model", "cycles", "latency_ms", "energy"]

    public var rows: [Row]
    public var file: String

    public init(rows: [Row], file: String) {
        self.rows = rows
        self.file = file
    }

    /// Parses the CSV text. Every problem is a `DreamInputError` (kind `.data`) naming the line
    /// and the column.
    public static func parse(_ text: String, file: String) throws -> XRBenchCostTable {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        while lines.last?.trimmingSpaces.isEmpty == true { lines.removeLast() }
        guard let headerLine = lines.first, !headerLine.trimmingSpaces.isEmpty else {
            throw DreamInputError(.data, file: file, field: "line 1", problem: "is empty: no header",
                                  fix: "start the file with the header `\(columns.joined(separator: ","))`")
        }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        var position: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if position[name] != nil {
                throw DreamInputError(.data, file: file, field: "line 1, column \(i + 1) (\(name))", problem: "repeats the column `\(name)`",
                                      fix: "give each column once: \(columns.joined(separator: ","))")
            }
            position[name] = i
        }
        for name in columns where position[name] == nil {
            throw DreamInputError(.data, file: file, field: "line 1", problem: "has no `\(name)` column",
                                  fix: "use the header `\(columns.joined(separator: ","))`")
        }

        var rows: [Row] = []
        var seen: [String: Int] = [:]
        for (offset, raw) in lines.enumerated().dropFirst() {
            let lineNo = offset + 1
            if raw.trimmingSpaces.isEmpty { continue }
            let fields = raw.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
            guard fields.count == header.count else {
                throw DreamInputError(.data, file: file, field: "line \(lineNo)",
                                      problem: "has \(fields.count) fields, the header has \(header.count)",
                                      fix: "write one value per column: \(header.joined(separator: ","))")
            }
            func field(_ name: String) -> (String, String) {
                let i = position[name]!
                return (fields[i], "line \(lineNo), column \(i + 1) (\(name))")
            }
            func text(_ name: String) throws -> String {
                let (v, place) = field(name)
                guard !v.isEmpty else {
                    throw DreamInputError(.data, file: file, field: place, problem: "is empty", fix: "give the \(name)")
                }
                return v
            }
            func integer(_ name: String, min: Int) throws -> Int {
                let (v, place) = field(name)
                guard let n = Int(v), n >= min else {
                    throw DreamInputError(.data, file: file, field: place, problem: "must be a whole number of at least \(min), found `\(v)`",
                                          fix: "write e.g. `\(min == 0 ? 0 : 1000)`")
                }
                return n
            }
            func number(_ name: String) throws -> Float {
                let (v, place) = field(name)
                guard let x = Float(v), x.isFinite, x >= 0 else {
                    throw DreamInputError(.data, file: file, field: place, problem: "must be a finite number of at least 0, found `\(v)`",
                                          fix: "write e.g. `12.5`")
                }
                return x
            }

            let hardware = try text("hardware"), dataflows = try text("dataflows"), dataflow = try text("dataflow")
            let model = try text("model")
            let accelerator = try integer("accelerator", min: 0)
            let cycles = try integer("cycles", min: 1)
            let latency = try number("latency_ms")
            let energy = try number("energy")

            let parts = dataflows.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
            guard accelerator < parts.count else {
                throw DreamInputError(.data, file: file, field: field("accelerator").1,
                                      problem: "is \(accelerator), but `\(dataflows)` has only \(parts.count) accelerator(s)",
                                      fix: "number the accelerators of `\(dataflows)` from 0 to \(parts.count - 1)")
            }
            guard parts[accelerator] == dataflow else {
                throw DreamInputError(.data, file: file, field: field("dataflow").1,
                                      problem: "is `\(dataflow)`, but accelerator \(accelerator) of `\(dataflows)` is `\(parts[accelerator])`",
                                      fix: "make `dataflow` the accelerator's part of `dataflows`")
            }
            let cost = XRBenchCost(cycles: cycles, energy: energy)
            // latency_ms is derived data: it must be the float32 of cycles / 1e6 (to print precision).
            if abs(Double(latency) - Double(cost.latencyMs)) > 1e-6 * max(1, Double(cost.latencyMs)) {
                throw DreamInputError(.data, file: file, field: field("latency_ms").1,
                                      problem: "is \(field("latency_ms").0), but cycles \(cycles) at 1 GHz give \(cost.latencyMs) ms",
                                      fix: "write latency_ms = cycles / 1e6 (or fix cycles)")
            }
            let key = "\(hardware)\u{0}\(dataflows)\u{0}\(accelerator)\u{0}\(model)"
            if let first = seen[key] {
                throw DreamInputError(.data, file: file, field: "line \(lineNo)",
                                      problem: "repeats \(hardware) / \(dataflows) accelerator \(accelerator) / \(model), first given at line \(first)",
                                      fix: "keep one row per hardware, dataflows, accelerator and model")
            }
            seen[key] = lineNo
            rows.append(Row(hardware: hardware, dataflows: dataflows, accelerator: accelerator, dataflow: dataflow,
                            model: model, cost: cost, line: lineNo))
        }
        if rows.isEmpty {
            throw DreamInputError(.data, file: file, field: "line 2", problem: "has no cost rows",
                                  fix: "add one row per hardware, dataflows, accelerator and model")
        }
        return XRBenchCostTable(rows: rows, file: file)
    }

    /// Every `HARDWARE DATAFLOWS` combination the table mentions, sorted.
    public var combinations: [(hardware: String, dataflows: String)] {
        var set = Set<String>()
        var out: [(String, String)] = []
        for r in rows where set.insert("\(r.hardware) \(r.dataflows)").inserted { out.append((r.hardware, r.dataflows)) }
        return out.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    /// The accelerators of `hardware` / `dataflows` with the costs of `models`, in index order.
    ///
    /// Throws a `.usage` error listing the combinations the table has when the combination is
    /// unknown, and a `.data` error naming every model the table lacks on some accelerator.
    public func accelerators(hardware: String, dataflows: String, models: [String]) throws -> [XRBenchAccelerator] {
        let mine = rows.filter { $0.hardware == hardware && $0.dataflows == dataflows }
        guard !mine.isEmpty else {
            let known = combinations
            let sameHardware = known.filter { $0.hardware == hardware }.map(\.dataflows)
            let problem = sameHardware.isEmpty
                ? "has no hardware `\(hardware)`"
                : "has no dataflows `\(dataflows)` for hardware `\(hardware)` (it has \(sameHardware.joined(separator: ", ")))"
            throw DreamInputError(.usage, file: file, field: "--hardware \(hardware) --dataflows \(dataflows)", problem: problem,
                                  fix: "use one of the combinations it covers: \(known.map { "\($0.hardware) \($0.dataflows)" }.joined(separator: "; "))")
        }
        let parts = dataflows.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        var accs = parts.enumerated().map { XRBenchAccelerator(index: $0.offset, dataflow: $0.element, costs: [:]) }
        for r in mine { accs[r.accelerator].costs[r.model] = r.cost }
        var missing: [String] = []
        for m in models {
            let lacking = accs.filter { $0.costs[m] == nil }.map { String($0.index) }
            if !lacking.isEmpty { missing.append("\(m) (accelerator \(lacking.joined(separator: ", ")))") }
        }
        if !missing.isEmpty {
            let covered = combinations.filter { c in
                models.allSatisfy { m in
                    let n = c.dataflows.split(separator: "_", omittingEmptySubsequences: false).count
                    return Set(rows.filter { $0.hardware == c.hardware && $0.dataflows == c.dataflows && $0.model == m }.map(\.accelerator)).count == n
                }
            }
            let hint = covered.isEmpty ? "no combination in the table covers every model of the scenario"
                : "combinations that cover every model: \(covered.map { "\($0.hardware) \($0.dataflows)" }.joined(separator: "; "))"
            throw DreamInputError(.data, file: file, field: "\(hardware) \(dataflows)",
                                  problem: "has no cost for \(missing.joined(separator: "; "))",
                                  fix: "add those rows (from the official simulator), or use another combination; \(hint)")
        }
        return accs.map { a in XRBenchAccelerator(index: a.index, dataflow: a.dataflow, costs: a.costs.filter { models.contains($0.key) }) }
    }
}

fileprivate extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
