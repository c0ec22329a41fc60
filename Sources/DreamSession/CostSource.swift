import DreamCore
import DreamEngine
import DreamRuntime

/// Where a run's layer costs come from: the analytic roofline (simulation, default parameters),
/// a calibration file written by `dream calibrate`, or this machine's kernels probed at the run's
/// shapes (live runs).
public enum CostSource {

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
