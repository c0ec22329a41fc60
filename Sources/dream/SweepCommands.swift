import ArgumentParser
import DreamCore
import DreamEngine
import DreamPlatform
import DreamSession
import Foundation

/// `dream cell DIR --index I | --shard i/N`: runs cells of a plan (docs/scale-out.md).
struct CellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cell",
        abstract: "Run one cell (or a shard of cells) of a `dream compare --plan DIR` plan, writing DIR/cells/ID/result.json.",
        discussion: """
        A cell already done is skipped, so running a plan again resumes it. Each result is \
        written atomically when its cell ends: a cell killed half-way leaves nothing that looks \
        done. With neither --index nor --shard the index is $SLURM_ARRAY_TASK_ID.
        """)

    @Argument(help: "The plan folder.")
    var dir: String

    @Option(name: .long, help: "The cell's index in the plan (0-based).")
    var index: Int?

    @Option(name: .long, help: "i/N: every cell whose index is i modulo N.")
    var shard: String?

    func run() throws {
        StopSignals.install()
        let interrupted = try reportingErrors { () throws -> Bool in
            let plan = try SweepPlan.load(dir)
            let indices = try selection(plan)
            try plan.checkBuild(dir)
            // Simulated cells need no cores: a topology larger than this node runs on a synthetic machine.
            let (topo, machine) = try DreamSession.resolveTopology(plan.topology, mode: plan.mode == "sim" ? .simulated : .live,
                                                                   calibration: plan.calibration, requireBinding: false, log: log)
            if plan.mode != "sim" && !topo.bindingAvailable {
                throw DreamInputError(.unavailable, file: machine, field: "", problem: "describes another machine: live cells cannot pin threads",
                                      fix: "run live cells on a real node (unset HWLOC_SYNTHETIC)")
            }
            let runner = try CellRunner(plan: plan, topology: topo)
            var ran = 0, skipped = 0
            for i in indices {
                let cell = plan.cells[i]
                if try CellResult.load(dir, cell.id) != nil { skipped += 1; continue }
                if StopSignals.received != nil { return true }
                let (result, partial) = try runner.run(cell)
                // An interrupted live run is not a result: nothing is written for it.
                if partial || StopSignals.received != nil { return true }
                try result.write(dir)
                ran += 1
            }
            log("dream cell: \(ran) ran, \(skipped) already done, of \(indices.count) selected")
            return false
        }
        if interrupted { throw ExitCode(130) }
    }

    private func selection(_ plan: SweepPlan) throws -> [Int] {
        let n = plan.cells.count
        if index != nil && shard != nil { throw DreamInputError(.usage, file: "--index", field: "", problem: "and --shard were both given", fix: "give one of them") }
        if let shard {
            let parts = shard.split(separator: "/").map { Int($0) }
            guard parts.count == 2, let i = parts[0], let k = parts[1], k >= 1, i >= 0, i < k else {
                throw DreamInputError(.usage, file: "--shard", field: "", problem: "`\(shard)` is not i/N with 0 <= i < N", fix: "write e.g. --shard 0/4")
            }
            return Array(stride(from: i, to: n, by: k))
        }
        var i = index
        if i == nil, let env = ProcessInfo.processInfo.environment["SLURM_ARRAY_TASK_ID"] {
            guard let v = Int(env) else {
                throw DreamInputError(.usage, file: "SLURM_ARRAY_TASK_ID", field: "", problem: "is `\(env)`, not an index", fix: "give --index I")
            }
            i = v
        }
        guard let i else { throw DreamInputError(.usage, file: "--index", field: "", problem: "is missing (and SLURM_ARRAY_TASK_ID is not set)", fix: "give --index I or --shard i/N") }
        guard i >= 0 && i < n else {
            throw DreamInputError(.usage, file: "--index", field: "", problem: "\(i) is out of range: the plan has \(n) cells", fix: "give an index in 0..<\(n)")
        }
        return [i]
    }
}

/// `dream merge DIR`: the tables, JSON and report of the plan's cells.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the cells of a plan into the tables, JSON and report a serial `dream compare` prints (byte-identical JSON in sim mode).")

    @Argument(help: "The plan folder.")
    var dir: String

    @Option(name: .long, help: "Write the comparison as JSON here.")
    var json: String?

    @Flag(name: .long, help: "With --json FILE: also write FILE with .html.")
    var html = false

    @Flag(name: .long, help: "Merge what has run and mark the comparison partial (otherwise missing cells are an error).")
    var partial = false

    func validate() throws {
        if html && json == nil { throw ValidationError("--html needs --json FILE") }
    }

    func run() throws {
        try reportingErrors {
            let plan = try SweepPlan.load(dir)
            if let json { try AtomicFile.prepareFolder(URL(fileURLWithPath: json).deletingLastPathComponent().path, option: "--json") }
            var results: [String: CellResult] = [:]
            var missing: [String] = []
            for c in plan.cells {
                guard let r = try CellResult.load(dir, c.id) else { missing.append(c.id); continue }
                if r.build != plan.build {
                    throw DreamInputError(.data, file: CellResult.path(dir, c.id), field: "build", problem: "is \(r.build), the plan's is \(plan.build)",
                                          fix: "delete the cell's folder and run it again with the plan's build")
                }
                results[c.id] = r
            }
            if !missing.isEmpty && !partial {
                throw DreamInputError(.data, file: dir, field: "cells", problem: "\(missing.count) of \(plan.cells.count) have no result: \(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? ", ..." : "")",
                                      fix: "run them (`dream cell \(dir) --index I`, or resubmit `sbatch \(dir)/sbatch.sh`), or merge with --partial")
            }
            try SweepReport(plan: plan, results: results, partial: !missing.isEmpty).emit(json: json, html: html, command: commandLine)
        }
    }
}

/// `dream slurm DIR`: a Slurm job array over the plan's cells.
struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write DIR/sbatch.sh: a Slurm job array with one task per cell of the plan.",
        discussion: """
        Live plans ask for whole nodes (--exclusive: a live cell needs every core quiet); \
        simulated ones pack one CPU per task. `sbatch --wait DIR/sbatch.sh` then \
        `dream merge DIR` is the whole workflow; resubmitting runs only the cells without a \
        result. docs/scale-out.md.
        """)

    @Argument(help: "The plan folder.")
    var dir: String

    @Option(name: .long, help: "At most K tasks at once (%K of the array).")
    var maxParallel: Int?

    @Option(name: .long, help: "The partition (default: the cluster's default).")
    var partition: String?

    @Option(name: .long, help: "Time limit per task, as Slurm writes it (e.g. 00:30:00).")
    var time: String?

    @Option(name: .long, help: "A node feature each task needs (--constraint), e.g. one CPU type for comparable live cells.")
    var constraint: String?

    func validate() throws {
        if let k = maxParallel, k < 1 { throw ValidationError("--max-parallel must be at least 1, found \(k)") }
    }

    func run() throws {
        try reportingErrors {
            let plan = try SweepPlan.load(dir)
            guard !plan.cells.isEmpty else {
                throw DreamInputError(.data, file: dir, field: "cells", problem: "is empty: every load was infeasible", fix: "plan other loads or scenarios")
            }
            let folder = URL(fileURLWithPath: dir).standardizedFileURL.path
            let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            let script = SlurmScript(plan: plan, folder: folder, executable: exe, maxParallel: maxParallel, partition: partition,
                                     time: time, constraint: constraint).text
            try AtomicFile.prepareFolder((folder as NSString).appendingPathComponent("logs"))
            let path = (folder as NSString).appendingPathComponent("sbatch.sh")
            try AtomicFile.write(script, to: path)
            _ = chmod(path, 0o755)
            print("wrote \(path): \(plan.cells.count) tasks (\(plan.mode == "sim" ? "one CPU each" : "a whole node each")); run `sbatch --wait \(path)` then `dream merge \(folder)`")
        }
    }
}

/// The job-array script of a plan.
struct SlurmScript {
    var plan: SweepPlan
    var folder: String
    var executable: String
    var maxParallel: Int?
    var partition: String?
    var time: String?
    var constraint: String?

    var text: String {
        var lines = ["#!/bin/bash", "# Written by `dream slurm`: one array task per cell of \(folder)/plan.json (\(plan.cells.count) cells, mode \(plan.mode))."]
        lines.append("#SBATCH --job-name=dream-\(plan.build.prefix(8))")
        lines.append("#SBATCH --array=0-\(plan.cells.count - 1)" + (maxParallel.map { "%\($0)" } ?? ""))
        lines.append("#SBATCH --output=\(folder)/logs/%A_%a.log")
        if plan.mode == "sim" {
            lines.append("#SBATCH --cpus-per-task=1")
        } else {
            // A live cell pins a worker per accelerator core and needs the rest of the node quiet.
            lines.append("#SBATCH --exclusive")
        }
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let constraint { lines.append("#SBATCH --constraint=\(constraint)") }
        lines.append("set -euo pipefail")
        lines.append("grep Cpus_allowed_list /proc/self/status || true   # the cores Slurm gave this task")
        lines.append("cd \(shellQuoted(FileManager.default.currentDirectoryPath))")
        lines.append("exec \(shellQuoted(executable)) cell \(shellQuoted(folder)) --index \"$SLURM_ARRAY_TASK_ID\"")
        return lines.joined(separator: "\n") + "\n"
    }

    private func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
