import ArgumentParser
import DreamCore
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
