/// How an emulated accelerator orders its tile loops: which operand stays resident.
public enum Dataflow: String, Sendable, Hashable, Codable, CaseIterable {
    /// Weight-stationary (NVDLA-like): a weight tile stays resident while activations stream.
    case ws
    /// Output-stationary (ShiDianNao-like): an output tile stays resident while weights and
    /// inputs stream through it.
    case os
    /// Row-stationary-like (Eyeriss-like): a filter row and an input row pair stay resident and
    /// partial sums move along output rows.
    case rs

    public var summary: String {
        switch self {
        case .ws: return "weight-stationary"
        case .os: return "output-stationary"
        case .rs: return "row-stationary"
        }
    }
}
