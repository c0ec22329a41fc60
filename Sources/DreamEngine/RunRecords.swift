import DreamCore

/// How a frame ended. Every frame the workload generated ends exactly one way.
public enum FrameOutcome: String, Sendable, Codable {
    case met, missed, dropped
}

/// What the executor measured for one block of layers.
public struct BlockMeasurement: Sendable {
    public var startNs: Int64
    public var endNs: Int64
    public var macs: Int64
    /// Bytes moved per memory level, in `MemoryLevel.allCases` order (l1, l2, llc, dram).
    public var bytes: (Int64, Int64, Int64, Int64)
    /// The CPU the leading thread ran on (sched_getcpu), or -1 in simulation.
    public var cpu: Int32
    /// Busy core-time (sum over the accelerator's threads), ns.
    public var busyCoreNs: Int64

    public init(startNs: Int64, endNs: Int64, macs: Int64, bytes: (Int64, Int64, Int64, Int64), cpu: Int32, busyCoreNs: Int64) {
        self.startNs = startNs
        self.endNs = endNs
        self.macs = macs
        self.bytes = bytes
        self.cpu = cpu
        self.busyCoreNs = busyCoreNs
    }

    /// A block that did `work` (the kernels' counts, or the simulator's replay of them).
    public init(startNs: Int64, endNs: Int64, work: LayerWork, cpu: Int32, busyCoreNs: Int64) {
        self.init(startNs: startNs, endNs: endNs, macs: Int64(work.macs),
                  bytes: (Int64(work.l1), Int64(work.l2), Int64(work.llc), Int64(work.dram)), cpu: cpu, busyCoreNs: busyCoreNs)
    }

    /// A block restores its job's activations into local memory before its first layer and saves
    /// its last layer's output after: each element read once and written once (FP32), counted
    /// at DRAM by the live runtime and the simulator alike.
    public static let contextCopyBytesPerElement = 8
}

/// One executed block of layers.
public struct BlockRecord: Sendable, Codable {
    public var frame: Int32
    public var stream: Int32
    public var variant: Int32
    public var accelerator: Int32
    /// Positions [first, end) in the frame's executed layer list.
    public var firstLayer: Int32
    public var endLayer: Int32
    public var decidedNs: Int64
    public var startNs: Int64
    public var endNs: Int64
    public var macs: Int64
    public var bytesL1: Int64
    public var bytesL2: Int64
    public var bytesLLC: Int64
    public var bytesDRAM: Int64
    public var cpu: Int32
    public var busyCoreNs: Int64
    public var energyJ: Double
}

/// One frame, from release to its outcome.
public struct FrameRecord: Sendable, Codable {
    public var frame: Int32
    public var stream: Int32
    public var sequence: Int32
    public var variant: Int32
    /// Scheduled release (ns from start); for cascades, the nominal release of the trace.
    public var scheduledReleaseNs: Int64
    /// When the runtime actually released it (-1 if never released).
    public var releaseNs: Int64
    public var deadlineNs: Int64
    public var startNs: Int64
    public var completionNs: Int64
    public var outcome: FrameOutcome
    public var dropReason: DropReason?
    public var skippedBlocks: Int32
    public var energyJ: Double

    public var latencyNs: Int64? { outcome == .dropped || completionNs < 0 ? nil : completionNs - releaseNs }
}
