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
