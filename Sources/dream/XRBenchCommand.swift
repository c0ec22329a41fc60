import ArgumentParser
import DreamCore
import DreamXRBench

struct XRBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xrbench",
        abstract: "Reproduce the official XRBench simulator's scores for a scenario, hardware and dataflows.",
        discussion: """
            Runs XRBench-MLSys2023's runtime semantics (float32 event loop, LatencyGreedy dispatch, \
            k = 15, Emax = 1500) on the costs of a cost table with the columns \
            hardware,dataflows,accelerator,dataflow,model,cycles,latency_ms,energy, and prints \
            `overall_score: X` and each model's RT, EN and QoE scores. Scenarios with a Probability \
            below 1 depend on --seed (glibc rand() seeded like srand(N)); the official code seeds \
            with the time, so compare those statistically. See docs/xrbench.md.
            """)

    @Option(name: .long, help: "The XRBench scenario file (.m), e.g. ../shared/xrbench/usage_scenarios/VR_gaming.m.")
    var scenario: String

    @Option(name: .long, help: "Hardware name as in the cost table, e.g. Single_4K.")
    var hardware: String

    @Option(name: .long, help: "Dataflow combination as in the cost table, e.g. WS or WS_OS.")
    var dataflows: String

    @Option(name: .long, help: "The cost table (CSV), e.g. ../shared/xrbench/cost_table.csv.")
    var costs: String

    @Option(name: .long, help: "Seed of the cascade draws (scenarios with Probability < 1).")
    var seed: UInt32 = 1

    @Option(name: .customLong("duration-ms"), help: "Simulated time in ms (the official runs use 700).")
    var durationMs: Int = 700

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        try reportingErrors {
            guard durationMs >= 1, durationMs <= 10_000_000 else {
                throw DreamInputError(.usage, file: "--duration-ms", field: "", problem: "is \(durationMs)",
                                      fix: "give a duration from 1 to 10000000 ms (the official runs use 700)")
            }
            let result = try XRBenchReproduction(scenarioFile: scenario, costsFile: costs, hardware: hardware,
                                                 dataflows: dataflows, durationMs: durationMs, seed: seed)
            print(json ? try jsonString(result) : result.text)
        }
    }
}
