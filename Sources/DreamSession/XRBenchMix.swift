import DreamCore
import DreamEngine
import DreamWorkloads
import DreamXRBench
import Foundation

/// XRBench's relative model costs as a mix: each stream weighs its model's latency on the
/// named hardware (summed over that hardware's accelerators) x its frame rate, so the models
/// share this machine's time as they would share XRBench's accelerators.
public enum XRBenchMix {
    public static func weights(_ spec: ScenarioSpec, hardware: String, costs path: String?) throws -> WorkFit.Mix {
        let file = path ?? ProcessInfo.processInfo.environment["DREAM_XRBENCH_COSTS"] ?? "../shared/xrbench/cost_table.csv"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw DreamInputError(.noInput, file: file, field: "", problem: "cannot be read", fix: "give XRBench's cost_table.csv with --mix-costs FILE")
        }
        let table = try XRBenchCostTable.parse(text, file: file)
        let parts = hardware.split(separator: "/").map(String.init)
        guard parts.count == 2 else {
            throw DreamInputError(.usage, file: "--mix-hardware", field: "", problem: "must be HARDWARE/DATAFLOWS, found `\(hardware)`", fix: "write e.g. Dual_4K/WS_OS")
        }
        let rows = table.rows.filter { $0.hardware == parts[0] && $0.dataflows == parts[1] }
        if rows.isEmpty {
            let known = Set(table.rows.map { "\($0.hardware)/\($0.dataflows)" }).sorted().prefix(6).joined(separator: ", ")
            throw DreamInputError(.usage, file: "--mix-hardware", field: "", problem: "`\(hardware)` is not in \(file)", fix: "use one of \(known), ...")
        }
        var weights: [String: Double] = [:]
        for st in spec.streams {
            let ms = rows.filter { $0.model == st.model.name }.map { Double($0.cost.latencyMs) }
            guard let best = ms.min() else {
                throw DreamInputError(.data, file: file, field: st.model.name, problem: "has no cost on \(hardware)",
                                      fix: "use --mix equal, or a cost table that prices every model of \(spec.name)")
            }
            weights[st.name] = best * st.fps
        }
        return .weights(weights)
    }
}
