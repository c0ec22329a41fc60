import ArgumentParser
import DreamCore
import DreamSession
import DreamWorkloads
import Foundation

struct WorkloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Generate a scenario's seeded workload trace and summarise it (frames, cascades, skipped blocks, phases, offered load).",
        discussion: """
        The same scenario, seed, duration and scale always give the same trace (compare the fingerprint, \
        or diff `--json --frames`). --fit picks the scale that offers --target-load x capacity; the \
        capacity is --capacity-gflops, by default 100 GFLOP/s per core of this machine until the \
        runtime measures the topology's capacity.
        """)

    @Option(name: .long, help: "A shipped scenario name (see workloads/scenarios/) or a file path.")
    var scenario: String

    @Option(name: .long, help: "Seed of every random draw.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Trace length in seconds (of scaled time).")
    var duration: Double = 10

    @Option(name: .long, help: "Time scale s: periods, deadlines and phases x s.")
    var timeScale: Double?

    @Option(name: .long, help: "Work scale w in (0, 1]: spatial sizes x sqrt(w), FLOPs about x w.")
    var workScale: Double?

    @Flag(name: .long, help: "Pick the scale that offers --target-load x capacity.")
    var fit = false

    @Option(name: .long, help: "Which scale --fit adjusts: time or work.")
    var fitBy: String = "time"

    @Option(name: .long, help: "Offered load --fit aims at, as a fraction of capacity.")
    var targetLoad: Double = 0.8

    @Option(name: .long, help: "Capacity in GFLOP/s (default: 100 per core of this machine).")
    var capacityGflops: Double?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Flag(name: .long, help: "With --json: include every frame.")
    var frames = false

    func run() throws {
        try reportingErrors {
            if fit && (timeScale != nil || workScale != nil) {
                throw DreamInputError(.usage, file: "--fit", field: "", problem: "cannot be combined with --time-scale or --work-scale",
                                      fix: "give either --fit or explicit scales")
            }
            // Our own message (file, field, fix) rather than the parser's: a bad value is refused like bad file content.
            guard let axis = WorkloadScale.Axis(rawValue: fitBy) else {
                throw DreamInputError(.usage, file: "--fit-by", field: "", problem: "must be time or work, found `\(fitBy)`", fix: "write --fit-by time or --fit-by work")
            }
            let spec = try ScenarioSpec.load(scenario)
            let capacity = capacityGflops ?? 100 * Double(ProcessInfo.processInfo.activeProcessorCount)
            var scale = WorkloadScale(time: timeScale ?? 1, work: workScale ?? 1)
            if fit {
                scale = try WorkloadScale.fit(capacityGFLOPs: capacity, targetLoad: targetLoad, axis: axis) {
                    try WorkloadTrace.generate(scenario: spec, seed: seed, duration: duration, scale: $0).offeredGFLOPs
                }
            }
            let trace = try WorkloadTrace.generate(scenario: spec, seed: seed, duration: duration, scale: scale)
            let summary = TraceSummary(trace, capacity: capacity, fitted: fit ? "\(axis.rawValue), target load \(targetLoad)" : nil,
                                       withFrames: frames)
            print(json ? try jsonString(summary) : summary.text)
        }
    }
}
