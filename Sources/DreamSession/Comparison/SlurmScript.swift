import Foundation

/// The job-array script of a plan.
public struct SlurmScript {
    public var plan: SweepPlan
    public var folder: String
    public var executable: String
    public var maxParallel: Int?
    public var partition: String?
    public var time: String?
    public var constraint: String?

    public init(plan: SweepPlan, folder: String, executable: String, maxParallel: Int? = nil, partition: String? = nil,
                time: String? = nil, constraint: String? = nil) {
        self.plan = plan
        self.folder = folder
        self.executable = executable
        self.maxParallel = maxParallel
        self.partition = partition
        self.time = time
        self.constraint = constraint
    }

    public var text: String {
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
