import DreamCore
import DreamEngine
import DreamRuntime

/// Where a run's layer costs come from.
public enum CostSource: Sendable, Hashable {
    /// The analytic roofline with default parameters (simulation only: nothing is measured).
    case analytic
    /// A file written by `dream calibrate` (checked against the topology).
    case calibration(String)
    /// The kernels measured on this machine at the run's shapes (live runs).
    case probe

    /// The cost model of `--calibration FILE`, checked against the topology; nil without a file.
    public static func load(calibration path: String?, topology: ResolvedTopology) throws -> MeasuredCostModel? {
        guard let path else { return nil }
        let c = try Calibration.load(path)
        try c.check(against: topology, file: path)
        return c.costModel()
    }

    /// Every layer shape of `workload` measured on each accelerator of `topology`, as a cost model.
    public static func probe(_ workload: EngineWorkload, on topology: ResolvedTopology, repeats: Int = 3) throws -> MeasuredCostModel {
        let shapes = workload.streams.flatMap { $0.variants.flatMap(\.layers) }
        let samples = try KernelProbe.measure(shapes: shapes, topology: topology, repeats: repeats)
        return KernelProbe.costModel(samples, accelerators: topology.accelerators.count)
    }
}
