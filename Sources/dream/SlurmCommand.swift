import ArgumentParser
import DreamCore
import DreamPlatform
import DreamSession
import Foundation

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
