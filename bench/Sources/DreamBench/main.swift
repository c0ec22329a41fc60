import Foundation

// The benchmark driver behind `bench/run` (suites overhead, dispatch, release, sim; `kernels`
// has its own executable). Prints one `KEY=VALUE` line per case on stdout; progress on stderr.
let known = ["overhead", "dispatch", "release", "sim"]
var suites = Array(CommandLine.arguments.dropFirst())
if suites.isEmpty { suites = known }
for s in suites where !known.contains(s) {
    note("unknown suite '\(s)' (known: \(known.joined(separator: ", ")))")
    exit(2)
}
do {
    for s in suites {
        switch s {
        case "overhead": try await OverheadSuite.run()
        case "dispatch": try LiveSuite.dispatch()
        case "release": try LiveSuite.release()
        case "sim": try SimSuite.run()
        default: break
        }
    }
} catch {
    note("error: \(error)")
    exit(1)
}
