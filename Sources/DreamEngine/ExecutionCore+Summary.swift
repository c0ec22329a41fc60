import DreamCore

extension ExecutionCore {
    /// A simulated run's span: the trace's duration, or the last completion when later.
    public var simulatedWallNs: Int64 { max(workload.durationNs, frames.map(\.completionNs).max() ?? 0) }

    /// The summary of a simulated run (its span `simulatedWallNs`, no dispatch latencies).
    public func simulatedSummary(accelerators: [ResolvedAccelerator],
                                 energySource: String = "model (topology power model over simulated busy time and counted work)") -> RunSummary {
        RunSummary(frames: frames, blocks: blocks, streams: workload.streams, accelerators: accelerators, wallNs: simulatedWallNs,
                   decisionNs: decisionNs, dispatchNs: [], energySource: energySource)
    }
}
