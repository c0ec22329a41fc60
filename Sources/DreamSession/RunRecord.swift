import DreamCore
import DreamEngine
import DreamReport
import DreamRuntime
import DreamWorkloads
import Foundation

/// One run, live or simulated: its report (what results.json holds), the execution core's
/// frame and block records, and for a live run what the runtime measured besides.
public struct RunRecord {
    public var report: RunReport
    public let core: ExecutionCore
    public let accelerators: [ResolvedAccelerator]
    /// The live runtime's result (nil for a simulation).
    public let live: LiveResult?
    /// The run's span: the trace's duration or the last completion, whichever is later (live:
    /// measured).
    public let wallNs: Int64
    /// Wall-clock time the run took (a simulation's speed against real time).
    public let elapsedNs: Int64

    public var summary: RunSummary { report.summary }
    /// Run seconds per second of wall-clock time (a simulation's speed).
    public var speedup: Double { Double(wallNs) / max(Double(elapsedNs), 1) }

    /// results.json, frames.csv and trace.json of the run, the policy's tuning.csv when it keeps
    /// one, and with `html` the self-contained report.html; each written atomically.
    public func write(to dir: String, html: Bool = false, command: String = "dream") throws {
        let written = try RunFiles.write(report, core: core, accelerators: accelerators, to: dir)
        if html {
            try HTMLReport.write(HTMLReport.run(written, options: .init(generatedBy: command)), to: "\(dir)/report.html")
        }
    }
}

extension RunReport {
    /// Records the scales per model, the fit and the models run although infeasible.
    mutating func describeFit(_ workload: PreparedWorkload) {
        let trace = workload.trace
        workScalePerModel = Dictionary(uniqueKeysWithValues: trace.streams.map { ($0.name, trace.scale.work(forStream: $0.name)) })
        fit = workload.fit.fit
        infeasibleModels = workload.infeasible
    }

    /// The report of a live run: the measured busy time's energy, release lateness, resident
    /// memory and the interference verdict.
    init(live result: LiveResult, scenario: String, topology: ResolvedTopology, scheduler: String, seed: UInt64, trace: WorkloadTrace) {
        let core = result.core
        let source = "model (topology power model over measured busy time and counted work)" + (result.raplJ != nil ? "; RAPL counter read too" : "")
        let summary = RunSummary(frames: core.frames, blocks: core.blocks, streams: core.workload.streams, accelerators: topology.accelerators,
                                 wallNs: result.wallNs, decisionNs: core.decisionNs, dispatchNs: result.dispatchLatencyNs, energySource: source)
        let lateness = result.releaseLatenessNs.map { Double($0) / 1e3 }
        self.init(mode: "live", scenario: scenario, topology: topology.name, scheduler: scheduler, seed: seed,
                  timeScale: trace.scale.time, workScale: trace.scale.work, durationS: trace.durationSeconds, partial: result.partial,
                  accelerators: topology.accelerators.map(\.name), summary: summary,
                  releaseLatenessUsP50: RunSummary.percentile(lateness, 0.5), releaseLatenessUsP99: RunSummary.percentile(lateness, 0.99),
                  raplJ: result.raplJ)
        if result.residentSamples.count >= 3 {
            residentMBWarm = Double(result.residentSamples[max(1, result.residentSamples.count / 10)].1) / 1e6
            residentMBEnd = Double(result.residentSamples.last!.1) / 1e6
            residentGrowth = result.residentGrowthAfterWarmup
        }
        interference = result.interference
    }
}
