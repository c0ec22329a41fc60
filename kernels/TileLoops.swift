import DreamCore

/// The three loop nests. Each computes the product for weight range [w0, w1) and activation
/// range [x0, x1) (a partition's share) and counts the bytes each loop level moved:
/// - l1: what micro-kernels load and store (operand panels and C tiles);
/// - l2: packed panels written and resident blocks re-read;
/// - llc: the layer's tensors re-read or partial sums round-tripping beyond L2;
/// - dram: first touches of input, weights and final outputs.
enum TileLoops {
    struct Scratch {
        var activations: UnsafeMutablePointer<Float>
        var edge: UnsafeMutablePointer<Float>
    }

    static let l2Budget = 1 << 20

    static func run<O: TiledOperands>(_ o: O, plan: TilePlan, w0: Int, w1: Int, x0: Int, x1: Int,
                                      scratch: Scratch) -> LayerWork {
        if w0 >= w1 || x0 >= x1 { return .zero }
        switch plan.dataflow {
        case .ws: return weightStationary(o, plan, w0, w1, x0, x1, scratch)
        case .os: return outputStationary(o, plan, w0, w1, x0, x1, scratch)
        case .rs: return rowStationary(o, plan, w0, w1, x0, x1, scratch)
        }
    }

    @inline(__always)
    private static func panels(_ a: Int, _ b: Int, _ width: Int) -> Int { (b - a + width - 1) / width }

    /// Bytes of one micro-tile's operands and C traffic (registers <-> L1).
    @inline(__always)
    private static func tileBytes<O: TiledOperands>(_: O.Type, kc: Int, first: Bool) -> Int {
        4 * (kc * (O.weightPanel + O.activationPanel) + O.weightPanel * O.activationPanel * (first ? 1 : 2))
    }

    /// Every micro-tile of weights [w0, w1) x activations [x0, x1), weight panel outer: the
    /// activations were packed at `s.activations`, panel after panel (os and rs).
    @inline(__always)
    private static func sweep<O: TiledOperands>(_ o: O, _ w0: Int, _ w1: Int, _ x0: Int, _ x1: Int, k0: Int, kc: Int,
                                                first: Bool, last: Bool, _ s: Scratch) {
        var w = w0
        while w < w1 {
            let wp = o.weights(w, k0)
            var x = x0
            var panel = s.activations
            while x < x1 {
                o.tile(w: w, x: x, xEnd: x1, k0: k0, kc: kc, weights: wp, activations: panel,
                       first: first, last: last, edge: s.edge)
                panel += kc * O.activationPanel
                x += O.activationPanel
            }
            w += O.weightPanel
        }
    }

    /// ws: for each reduction block, a weight tile stays resident (L2) while activation panels
    /// stream past it one at a time; activations are re-packed once per weight tile.
    static func weightStationary<O: TiledOperands>(_ o: O, _ plan: TilePlan, _ w0: Int, _ w1: Int,
                                                   _ x0: Int, _ x1: Int, _ s: Scratch) -> LayerWork {
        let wr = O.weightPanel, xr = O.activationPanel
        var work = LayerWork()
        var k0 = 0
        while k0 < o.depth {
            let kc = min(plan.reductionBlock, o.depth - k0)
            let first = k0 == 0, last = k0 + kc >= o.depth
            var wb = w0
            while wb < w1 {
                let wbEnd = min(w1, wb + plan.weightBlock)
                let weightTileBytes = panels(wb, wbEnd, wr) * wr * kc * 4
                work.dram += weightTileBytes
                var x = x0
                var streamed = 0
                while x < x1 {
                    let xe = min(x1, x + xr)
                    let read = o.packActivations(x, xe, k0, kc, into: s.activations)
                    if wb == w0 { work.dram += read } else { work.llc += read }
                    work.l2 += xr * kc * 4
                    // The next activation panel's rows, a share after each tile: its packing
                    // then reads L2, not memory (GEMM input rows are 4 KB apart at k = 1024, too
                    // short a run each for the hardware prefetcher). Not counted: a hint only.
                    let ahead = min(x1, xe + xr) - xe, tilesHere = panels(wb, wbEnd, wr)
                    let share = (ahead + tilesHere - 1) / tilesHere
                    var row = 0
                    var w = wb
                    while w < wbEnd {
                        o.tile(w: w, x: x, xEnd: xe, k0: k0, kc: kc, weights: o.weights(w, k0),
                               activations: s.activations, first: first, last: last, edge: s.edge)
                        let upTo = min(ahead, row + share)
                        while row < upTo {
                            o.prefetchActivationRow(xe + row, k0, kc)
                            row += 1
                        }
                        w += wr
                    }
                    streamed += 1
                    x = xe
                }
                work.l2 += max(0, streamed - 1) * weightTileBytes
                let tiles = streamed * panels(wb, wbEnd, wr)
                work.l1 += tiles * tileBytes(O.self, kc: kc, first: first)
                // Partial sums leave the weight tile's reach: they round-trip via the LLC.
                let cBytes = tiles * wr * xr * 4
                if last { work.dram += cBytes } else { work.llc += cBytes }
                if !first { work.llc += cBytes }
                wb = wbEnd
            }
            k0 += kc
        }
        return work
    }

    /// os: an output tile stays resident (L1/L2) through the whole reduction; weight and
    /// activation slices stream through it. Activations are re-packed once per tile row.
    static func outputStationary<O: TiledOperands>(_ o: O, _ plan: TilePlan, _ w0: Int, _ w1: Int,
                                                   _ x0: Int, _ x1: Int, _ s: Scratch) -> LayerWork {
        let wr = O.weightPanel, xr = O.activationPanel
        var work = LayerWork()
        var xt = x0
        while xt < x1 {
            let xte = min(x1, xt + plan.activationBlock)
            var wt = w0
            while wt < w1 {
                let wte = min(w1, wt + plan.weightBlock)
                let tiles = panels(wt, wte, wr) * panels(xt, xte, xr)
                var k0 = 0
                while k0 < o.depth {
                    let kc = min(plan.reductionBlock, o.depth - k0)
                    let first = k0 == 0, last = k0 + kc >= o.depth
                    // Held: block k0's panels sit at k0 * (panels x 32) floats, packed by the
                    // first weight tile. The later ones read them from L2 instead of packing
                    // them again: the same values, so the re-pack stays counted (llc) as the
                    // modelled os accelerator's traffic; only the CPU skips the work.
                    var at = s
                    if plan.holdsActivations { at.activations += panels(xt, xte, xr) * xr * k0 }
                    let read = !plan.holdsActivations || wt == w0
                        ? o.packActivations(xt, xte, k0, kc, into: at.activations) : (xte - xt) * kc * 4
                    if wt == w0 { work.dram += read } else { work.llc += read }
                    work.l2 += panels(xt, xte, xr) * xr * kc * 4
                    let weightBytes = panels(wt, wte, wr) * wr * kc * 4
                    if xt == x0 { work.dram += weightBytes } else { work.llc += weightBytes }
                    sweep(o, wt, wte, xt, xte, k0: k0, kc: kc, first: first, last: last, at)
                    work.l1 += tiles * tileBytes(O.self, kc: kc, first: first)
                    let cBytes = tiles * wr * xr * 4
                    if last { work.dram += cBytes } else { work.l2 += cBytes }
                    if !first { work.l2 += cBytes }
                    k0 += kc
                }
                wt = wte
            }
            xt = xte
        }
        return work
    }

    /// rs: a band of activations (whole output rows) is packed once per reduction block and
    /// stays in L2 while every weight panel streams past; partial sums of the band move along
    /// the reduction (for convolutions, one filter row's chunk after another).
    static func rowStationary<O: TiledOperands>(_ o: O, _ plan: TilePlan, _ w0: Int, _ w1: Int,
                                                _ x0: Int, _ x1: Int, _ s: Scratch) -> LayerWork {
        let wr = O.weightPanel, xr = O.activationPanel
        var work = LayerWork()
        var xb = x0
        while xb < x1 {
            let xbe = min(x1, xb + plan.activationBlock)
            let tiles = panels(w0, w1, wr) * panels(xb, xbe, xr)
            let bandOutputBytes = (w1 - w0) * (xbe - xb) * 4
            var k0 = 0
            while k0 < o.depth {
                let kc = min(plan.reductionBlock, o.depth - k0)
                let first = k0 == 0, last = k0 + kc >= o.depth
                work.dram += o.packActivations(xb, xbe, k0, kc, into: s.activations)
                work.l2 += panels(xb, xbe, xr) * xr * kc * 4
                let weightBytes = panels(w0, w1, wr) * wr * kc * 4
                if xb == x0 { work.dram += weightBytes } else { work.llc += weightBytes }
                sweep(o, w0, w1, xb, xbe, k0: k0, kc: kc, first: first, last: last, s)
                work.l1 += tiles * tileBytes(O.self, kc: kc, first: first)
                let cBytes = tiles * wr * xr * 4
                let partialLevel = bandOutputBytes <= l2Budget
                if last { work.dram += cBytes } else if partialLevel { work.l2 += cBytes } else { work.llc += cBytes }
                if !first { if partialLevel { work.l2 += cBytes } else { work.llc += cBytes } }
                k0 += kc
            }
            xb = xbe
        }
        return work
    }
}
