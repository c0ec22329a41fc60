import DreamEngine
import DreamSchedulers
import DreamSession
import Foundation

// Runs the user's policy beside EDF on the same frames: 2 s simulated, then 2 s live on this
// machine's cores. `custom-scheduler [--sim-only] [scenario] [topology]`.
let args = CommandLine.arguments.dropFirst().filter { !$0.hasPrefix("--") }
let simOnly = CommandLine.arguments.contains("--sim-only")
let scenario = args.first ?? "ar-dynamic"
let topology = args.dropFirst().first ?? "auto"
let options = WorkloadOptions(seed: 1, duration: 2, targetLoad: 0.9)

func report(_ mode: String, _ record: RunRecord) {
    let s = record.summary
    print(String(format: "%@ %-4@ frames %d met %d missed %d dropped %d  UXCost %.4g  XRBench %.3f", mode, record.report.scheduler,
                 s.framesGenerated, s.met, s.missed, s.dropped, s.uxcost, s.xrbenchScore))
}

do {
    let simulated = try DreamSession(scenario: scenario, topology: topology, mode: .simulated, options: options)
    let workload = try simulated.prepareSimulation()
    for policy in [LeastLaxityFirst(), try SchedulerCatalog.make(name: "edf")] {
        report("sim ", simulated.runSimulated(policy, on: workload))
    }
    if !simOnly {
        let live = try DreamSession(scenario: scenario, topology: topology, mode: .live, options: options)
        let liveWorkload = try live.prepareLive()
        for policy in [LeastLaxityFirst(), try SchedulerCatalog.make(name: "edf")] {
            report("live", try live.runLive(policy, on: liveWorkload))
        }
    }
} catch {
    FileHandle.standardError.write(Data("custom-scheduler: \(error)\n".utf8))
    exit(1)
}
