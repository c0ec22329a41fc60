import DreamCore
import DreamEngine
import DreamSchedulers

/// Builds the named policy (`dream run --help` lists the names).
func makeScheduler(_ name: String) throws -> Scheduler {
    try SchedulerCatalog.make(name: name)
}

/// `all` (every policy), `baselines`, or a comma-separated list of names.
func schedulerNames(_ text: String) throws -> [String] {
    switch text {
    case "all": return SchedulerCatalog.names
    case "baselines": return ["dream"] + SchedulerCatalog.baselines
    default:
        let names = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names.isEmpty {
            throw DreamInputError(.usage, file: "--schedulers", field: "", problem: "is empty", fix: "name schedulers, or use all / baselines")
        }
        for n in names { _ = try makeScheduler(n) }
        return names
    }
}
