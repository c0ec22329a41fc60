/// What one layer run did, for the energy proxy: its multiply-accumulates and the bytes its tile
/// loops loaded and stored at each memory level (how levels are assigned: kernels/README.md).
/// Counted by the kernels (DreamKernels), recorded by calibration, replayed by the simulator.
public struct LayerWork: Sendable, Hashable, Codable {
    public var macs: Int
    public var l1: Int
    public var l2: Int
    public var llc: Int
    public var dram: Int

    public init(macs: Int = 0, l1: Int = 0, l2: Int = 0, llc: Int = 0, dram: Int = 0) {
        self.macs = macs
        self.l1 = l1
        self.l2 = l2
        self.llc = llc
        self.dram = dram
    }

    public static let zero = LayerWork()

    public subscript(level: MemoryLevel) -> Int {
        get {
            switch level {
            case .l1: return l1
            case .l2: return l2
            case .llc: return llc
            case .dram: return dram
            }
        }
        set {
            switch level {
            case .l1: l1 = newValue
            case .l2: l2 = newValue
            case .llc: llc = newValue
            case .dram: dram = newValue
            }
        }
    }

    /// The byte counts keyed by level, the shape `PowerModel.energy` takes.
    public var bytes: [MemoryLevel: Int] { [.l1: l1, .l2: l2, .llc: llc, .dram: dram] }

    public var totalBytes: Int { l1 + l2 + llc + dram }

    public static func + (lhs: LayerWork, rhs: LayerWork) -> LayerWork {
        LayerWork(macs: lhs.macs + rhs.macs, l1: lhs.l1 + rhs.l1, l2: lhs.l2 + rhs.l2,
                  llc: lhs.llc + rhs.llc, dram: lhs.dram + rhs.dram)
    }

    public static func += (lhs: inout LayerWork, rhs: LayerWork) { lhs = lhs + rhs }
}
