import DreamCore

/// The blocking a dataflow uses for one layer: how deep a reduction block is and how large the
/// resident tile of weights, outputs or activations is (in elements along each side).
struct TilePlan: Sendable {
    var dataflow: Dataflow
    /// Reduction block (KC): one block of packed panels must sit in L1/L2.
    var reductionBlock: Int
    /// ws: the weight-side extent of the resident weight tile.
    /// os: the weight-side extent of the resident output tile.
    var weightBlock: Int
    /// os: the activation-side extent of the resident output tile.
    /// rs: the activation band (whole output rows for a convolution) kept packed in L2.
    var activationBlock: Int
    /// os with explicit im2col or weight streaming: the output-tile row's activation panels are
    /// packed for the whole reduction by its first weight tile and read again by the others
    /// (`depth` floats per panel column instead of `reductionBlock`; see
    /// `TileLoops.outputStationary`).
    var holdsActivations = false

    /// Floats of activation scratch one partition needs.
    func scratchFloats(activationPanel: Int, depth: Int = 0) -> Int {
        let panels: Int
        switch dataflow {
        case .ws: panels = 1
        case .os, .rs: panels = (activationBlock + activationPanel - 1) / activationPanel
        }
        return panels * activationPanel * (holdsActivations ? depth : reductionBlock)
    }

    /// Bytes an os output-tile row's activation panels take when held for the whole reduction
    /// (`holdsActivations`: `depth` floats per panel column): what the hold limits bound.
    func heldPanelBytes(activationPanel: Int, depth: Int) -> Int {
        (activationBlock + activationPanel - 1) / activationPanel * activationPanel * depth * 4
    }

    /// Largest held activation block (os, explicit im2col): half the 1 MiB L2, so the weight
    /// panels streaming past it stay in L2 too.
    static let heldActivationBytes = 512 << 10

    /// Largest held pixel-panel block of a weight-streaming convolution under os: a quarter of
    /// the 32 MiB L3. Its weights stream from memory past it anyway (the layers that hold are
    /// 45-122 MB of weights for 1.8-3.2 MB of panels), and gathering the panels again per
    /// weight tile cost more than reading them back (conv5x5_c672_10x7/os 1.13-1.14x).
    static let heldStreamBytes = 8 << 20

    /// Splits `count` into `parts` near-equal blocks that are multiples of `panel`, at most
    /// `limit` long (so e.g. 256 rows become 2 x 132, not 240 + 16).
    static func balancedBlock(_ count: Int, limit: Int, panel: Int) -> Int {
        let blocks = max(1, (count + limit - 1) / limit)
        let each = (count + blocks - 1) / blocks
        return max(panel, (each + panel - 1) / panel * panel)
    }

    /// Sizes tuned on a 48 KiB L1 / 2 MiB L2 core (README: what is tuned).
    /// `rowWidth`: activation columns per output row (virtual columns for stride 1).
    static func convolution(_ dataflow: Dataflow, outChannels: Int, rowWidth: Int,
                            depth: Int) -> TilePlan {
        let kc = balancedBlock(depth, limit: 256, panel: 1)
        switch dataflow {
        case .ws:
            return TilePlan(dataflow: .ws, reductionBlock: kc,
                            weightBlock: balancedBlock(outChannels, limit: 192, panel: 12),
                            activationBlock: 32)
        case .os:
            return TilePlan(dataflow: .os, reductionBlock: kc, weightBlock: 48,
                            activationBlock: 128)
        case .rs:
            // Whole output rows, about 256 pixels: a filter row's chunk meets its input rows.
            let rows = max(1, 256 / rowWidth)
            return TilePlan(dataflow: .rs, reductionBlock: kc, weightBlock: 12,
                            activationBlock: rows * rowWidth)
        }
    }

    /// GEMM layers (and weight-streaming convolutions). KC = 512 for the AVX-512 tiles; 256 for
    /// the AVX2 tiles, whose 6x16 tile reads half a 32-column B panel: at 256 that half (16 KB)
    /// and the A panel (12 KB) stay in a 32 KiB L1 for both 6-row groups.
    static func gemm(_ dataflow: Dataflow, n: Int, k: Int, isa: KernelISA = .avx512, rows: Int = 12) -> TilePlan {
        let kc = balancedBlock(k, limit: isa == .avx2 && rows >= 6 ? 256 : 512, panel: 1)
        switch dataflow {
        case .ws:
            return TilePlan(dataflow: .ws, reductionBlock: kc,
                            weightBlock: balancedBlock(n, limit: 512, panel: 32),
                            activationBlock: 12)
        case .os:
            return TilePlan(dataflow: .os, reductionBlock: kc, weightBlock: 128,
                            activationBlock: 48)
        case .rs:
            return TilePlan(dataflow: .rs, reductionBlock: kc, weightBlock: 32,
                            activationBlock: 96)
        }
    }
}
