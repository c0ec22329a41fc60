import DreamCore
import DreamEngine
import DreamSchedulers

/// Builds the named policy (`dream run --help` lists the names).
func makeScheduler(_ name: String) throws -> Scheduler {
    try SchedulerCatalog.make(name: name)
}

/// `all` (every policy, the `+drop` baselines and `drop-all` included), `baselines` (DREAM and
/// the baselines), `baselines+drop` (DREAM and the baselines with drop), or names; the groups
/// may be listed with names, comma-separated.
func schedulerNames(_ text: String) throws -> [String] {
    var names: [String] = []
    for part in text.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
        switch part {
        case "all": names += SchedulerCatalog.names
        case "baselines": names += ["dream"] + SchedulerCatalog.baselines
        case "baselines+drop": names += ["dream"] + SchedulerCatalog.baselinesWithDrop
        default:
            do { _ = try makeScheduler(part) } catch var e as DreamInputError {
                e.file = "--schedulers"
                e.fix += ", or a group: all, baselines, baselines+drop"
                throw e
            }
            names.append(part)
        }
    }
    if names.isEmpty {
        throw DreamInputError(.usage, file: "--schedulers", field: "", problem: "is empty", fix: "name schedulers, or use all / baselines / baselines+drop")
    }
    var seen = Set<String>()
    return names.filter { seen.insert($0).inserted }
}
