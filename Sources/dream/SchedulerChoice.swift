import DreamCore
import DreamEngine
import DreamSchedulers

/// Builds the named policy (names listed by `dream run --help`).
func makeScheduler(_ name: String) throws -> Scheduler {
    switch name {
    case "fcfs": return FCFSScheduler()
    default:
        throw DreamInputError(.usage, file: "--scheduler", field: name, problem: "is not a known scheduler", fix: "use one of: fcfs")
    }
}

/// `all`, `baselines`, or a comma-separated list of names.
func schedulerNames(_ text: String) throws -> [String] {
    let known = ["fcfs"]
    switch text {
    case "all", "baselines": return known
    default:
        let names = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        for n in names { _ = try makeScheduler(n) }
        return names
    }
}
