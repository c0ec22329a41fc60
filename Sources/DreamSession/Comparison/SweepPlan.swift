import DreamCore
import DreamEngine
import DreamWorkloads
import Foundation

/// Every cell of a comparison, decided before anything runs: `dream compare` plans, runs the
/// cells in turn and merges; `dream compare --plan DIR` writes the plan for `dream cell` (one
/// cell or shard per Slurm array task) and `dream merge`. docs/scale-out.md.
public struct SweepPlan: Codable {
    public static let fileName = "plan.json"
    public static let format = 1

    /// One run of one scheduler on one seed's trace (live, simulated, or both from one live run).
    public struct Cell: Codable, Hashable {
        public var id: String
        public var scenario: String
        public var load: Double
        public var seed: UInt64
        public var scheduler: String
    }

    /// The fit of one (scenario, load) from the plan's cost model (analytic or calibration).
    /// Simulated cells run at its scale; live cells refit on their node with its kernels.
    public struct Fit: Codable {
        public var scenario: String
        public var load: Double
        /// Not a cell of this load: every model is at its deadline cap (see `fit.infeasible`).
        public var skipped: Bool
        public var durationS: Double
        public var fit: WorkFit
    }

    public var format = SweepPlan.format
    /// The `dream` build that made the plan (a digest of the executable): cells refuse another.
    public var build: String
    public var topology: String
    public var topologyName: String
    public var mode: String
    public var durationS: Double
    public var scenarios: [String]
    public var loads: [Double]
    public var seeds: [UInt64]
    public var schedulers: [String]
    public var mix: String
    public var mixHardware: String
    public var mixCosts: String?
    public var allowInfeasible: Bool
    public var calibration: String?
    public var calibrationDigest: String?
    /// A disturbed live run (issue 20's interference verdict) is run again up to this many times.
    public var retries: Int = 0
    /// How live cells fit their scenario on their node (`LiveFitMethod`; nil in plans written
    /// before it existed: `.run`, as they are refused for their build anyway).
    public var liveFit: LiveFitMethod? = .run
    /// Simulated cells without a live run: the log-normal sigma of block durations
    /// (`SimulatedSpread.jitter`; nil: 0).
    public var blockJitter: Double? = 0
    /// What each draw of `blockJitter` multiplies (nil: `.block`, as plans written before the
    /// key had it).
    public var jitterUnit: JitterUnit? = .layer
    /// Simulated cells without a live run: the sigma of each layer's fixed time error
    /// (`SimulatedSpread.layerBias`; nil: 0).
    public var layerBias: Double? = 0
    /// Simulated cells without a live run: every true time x this (`SimulatedSpread.hostSpeed`;
    /// nil: 1).
    public var hostSpeed: Double? = 1
    /// Simulated cells without a live run: the sigma of each accelerator's 50 ms speed drift
    /// (`SimulatedSpread.drift`; nil: 0).
    public var speedDrift: Double? = 0
    /// The machine the plan was made on (a synthetic one when a simulated topology is larger than the host).
    public var machine: String
    public var fits: [Fit]
    public var cells: [Cell]

    public var modes: [String] {
        switch mode {
        case "live": return ["live"]
        case "sim": return ["sim"]
        default: return ["live", "sim"]
        }
    }

    /// Simulated cells' spread (`DreamSession.spread`).
    public var spread: SimulatedSpread {
        get { SimulatedSpread(jitter: blockJitter ?? 0, unit: jitterUnit ?? .block, layerBias: layerBias ?? 0, hostSpeed: hostSpeed ?? 1, drift: speedDrift ?? 0) }
        set {
            blockJitter = newValue.jitter; jitterUnit = newValue.unit; layerBias = newValue.layerBias; hostSpeed = newValue.hostSpeed
            speedDrift = newValue.drift
        }
    }

    public func fit(_ scenario: String, _ load: Double) -> Fit? { fits.first { $0.scenario == scenario && $0.load == load } }

    /// A stable id: the same cell of the same sweep has the same id in every plan.
    public static func cellID(_ scenario: String, _ load: Double, _ seed: UInt64, _ scheduler: String) -> String {
        let safe = { (s: String) in String(s.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }) }
        return "\(safe(scenario))-L\(String(format: "%g", load))-s\(seed)-\(safe(scheduler))"
    }

    // MARK: files

    public static func load(_ dir: String) throws -> SweepPlan {
        let path = (dir as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw DreamInputError(.noInput, file: dir, field: fileName, problem: "is missing: not a plan folder",
                                  fix: "give the folder written by `dream compare ... --plan DIR`")
        }
        let plan = try decodeFile(SweepPlan.self, path, what: "a plan", fix: "make the plan again with `dream compare ... --plan DIR`")
        guard plan.format == format else {
            throw DreamInputError(.data, file: path, field: "format", problem: "is \(plan.format), this build reads \(format)",
                                  fix: "make the plan again with this build")
        }
        return plan
    }

    public func write(to dir: String) throws {
        try AtomicFile.prepareFolder(dir, option: "--plan")
        try AtomicFile.write(Self.encode(self), to: (dir as NSString).appendingPathComponent(Self.fileName))
    }

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(value)
    }

    /// Refuses a plan made by another build (its cells would not be comparable).
    public func checkBuild(_ dir: String) throws {
        let mine = BuildDigest.current
        if build != mine {
            throw DreamInputError(.data, file: (dir as NSString).appendingPathComponent(Self.fileName), field: "build",
                                  problem: "was made by build \(build), this is build \(mine)",
                                  fix: "run the cells with the `dream` that made the plan, or plan again with this one")
        }
    }
}

/// A digest of the running executable: equal builds give equal digests.
public enum BuildDigest {
    public static let current: String = {
        guard let data = FileManager.default.contents(atPath: "/proc/self/exe") else { return "unknown" }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        data.withUnsafeBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for w in words { h = (h ^ w) &* 0x0000_0100_0000_01B3 }
            for b in raw.suffix(raw.count % 8) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        }
        return String(h, radix: 16)
    }()

    /// A digest of a file's bytes (calibrations), or nil when it cannot be read.
    public static func of(file path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return String(h, radix: 16)
    }
}

/// What one cell measured: per mode, the run's metrics.
public struct CellResult: Codable {
    public static let fileName = "result.json"
    public var id: String
    public var build: String
    public var runs: [String: RunMetrics]
    /// The load the cell's fit reached (its own kernels, live).
    public var offeredLoad: Double
    /// Live runs of this cell (more than one when a disturbed run was repeated), how many of
    /// them were disturbed, and the verdict of the run kept.
    public var liveRuns: Int = 0
    public var disturbedRuns: Int = 0
    public var verdict: String?

    public static func path(_ dir: String, _ id: String) -> String {
        ((dir as NSString).appendingPathComponent("cells") as NSString).appendingPathComponent("\(id)/\(fileName)")
    }

    /// The cell's result, nil when it has not run; a corrupted file is an error.
    public static func load(_ dir: String, _ id: String) throws -> CellResult? {
        let p = path(dir, id)
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        let r = try decodeFile(CellResult.self, p, what: "a cell result", fix: "delete it and run the cell again (`dream cell DIR --index I`)")
        guard r.id == id else { throw DreamInputError(.data, file: p, field: "id", problem: "is \(r.id), not \(id)", fix: "delete the file and run the cell again") }
        return r
    }

    public func write(_ dir: String) throws {
        let p = Self.path(dir, id)
        try AtomicFile.prepareFolder((p as NSString).deletingLastPathComponent)
        try AtomicFile.write(SweepPlan.encode(self), to: p)
    }
}

/// A JSON file of ours, decoded, or an error naming the file and the fix.
func decodeFile<T: Decodable>(_ type: T.Type, _ path: String, what: String, fix: String) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw DreamInputError(.data, file: path, field: "", problem: "is not \(what) (\(error))", fix: fix)
    }
}

extension SweepPlan {
    /// The results of the plan's cells in `dir` (`dream merge`): each checked against the
    /// plan's build; cells without a result are listed, and are an error unless `allowMissing`.
    public func collectResults(in dir: String, allowMissing: Bool) throws -> (results: [String: CellResult], missing: [String]) {
        var results: [String: CellResult] = [:]
        var missing: [String] = []
        for c in cells {
            guard let r = try CellResult.load(dir, c.id) else { missing.append(c.id); continue }
            if r.build != build {
                throw DreamInputError(.data, file: CellResult.path(dir, c.id), field: "build", problem: "is \(r.build), the plan's is \(build)",
                                      fix: "delete the cell's folder and run it again with the plan's build")
            }
            results[c.id] = r
        }
        if !missing.isEmpty && !allowMissing {
            throw DreamInputError(.data, file: dir, field: "cells", problem: "\(missing.count) of \(cells.count) have no result: \(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? ", ..." : "")",
                                  fix: "run them (`dream cell \(dir) --index I`, or resubmit `sbatch \(dir)/sbatch.sh`), or merge with --partial")
        }
        return (results, missing)
    }
}
