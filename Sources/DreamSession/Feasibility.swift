import DreamCore
import DreamEngine
import Foundation

extension EngineWorkload {
    /// Refuses (exit 69) a workload with a model that no policy can run in time, unless
    /// `allow` (then `warn` says so and their names are returned): such a model measures only
    /// dropping, every policy shares its misses.
    @discardableResult
    public func checkFeasible(on topology: ResolvedTopology, model: CostModel, timeScale: Double, allow: Bool,
                              warn: (String) -> Void) throws -> [String] {
        try checkFeasible(on: topology.accelerators, model: model, timeScale: timeScale, allow: allow, warn: warn)
    }

    @discardableResult
    public func checkFeasible(on accelerators: [ResolvedAccelerator], model: CostModel, timeScale: Double, allow: Bool,
                              warn: (String) -> Void) throws -> [String] {
        let hopeless = infeasibleStreams(accelerators: accelerators, model: model)
        guard !hopeless.isEmpty else { return [] }
        let problem = hopeless.map {
            String(format: "%@ needs %.2f ms even alone on the fastest accelerator (with its upstream), its deadline is %.2f ms",
                   $0.name as NSString, $0.bestLatencyNs / 1e6, $0.relativeDeadlineNs / 1e6)
        }.joined(separator: "; ") + ": every frame of \(hopeless.count == 1 ? "it" : "them") will miss or be dropped whatever the policy"
        if allow {
            warn("warning: \(problem)")
        } else {
            let needed = hopeless.map { $0.timeScaleNeeded(current: timeScale) }.max() ?? 1
            throw DreamInputError(.unavailable, file: name, field: hopeless.map(\.name).joined(separator: ", "), problem: problem,
                                  fix: String(format: "use the default --fit (work scaled per model at the scenario's frame rates), --time-scale %.3g or more, or --allow-infeasible to run anyway", needed))
        }
        return hopeless.map(\.name)
    }
}
