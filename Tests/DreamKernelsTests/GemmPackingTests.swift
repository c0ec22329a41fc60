import DreamCore
import Testing
@testable import DreamKernels

/// The GEMM input-panel packing (rows in groups of four through a 4 x 4 register transpose, the
/// rest and reductions past the last multiple of 4 scalar) and the ws loop's prefetch of the
/// next panel's rows. Packed panels are compared float by float with the layout the tiles
/// read: row i of step kk at kk * 12 + i, zeros up to `read`, nothing written past it.
@Test func gemmPanelsPackRowsInPlace() {
    for (m, k) in [(1, 1), (3, 3), (4, 4), (5, 7), (12, 9), (13, 256), (25, 515), (37, 1031)] {
        let input = NaiveReference.random(m * k, seed: UInt64(m * 1000 + k))
        input.withUnsafeBufferPointer { a in
            let o = GemmOperands(packedWeights: a.baseAddress!, bias: a.baseAddress!, input: a.baseAddress!,
                                 output: UnsafeMutablePointer(mutating: a.baseAddress!), residual: nil,
                                 m: m, n: 1, k: k, epilogue: Epilogue(activation: .none, biasPerRow: false),
                                 isa: .avx2)
            if m == 1 { return }  // a single row is read in place, never packed
            for (k0, kc) in [(0, k), (k / 3, k - k / 3), (1, max(1, k - 2))] where k0 + kc <= k {
                for (x0, x1) in [(0, m), (1, m), (m / 2, m)] where x0 < x1 {
                    checkPanels(o, input, m: m, k: k, x0: x0, x1: x1, k0: k0, kc: kc)
                }
            }
        }
    }
}

private func checkPanels(_ o: GemmOperands, _ input: [Float], m: Int, k: Int, x0: Int, x1: Int, k0: Int, kc: Int,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    let panels = (x1 - x0 + 11) / 12
    var packed = [Float](repeating: .nan, count: panels * 12 * kc)
    let read = packed.withUnsafeMutableBufferPointer { o.packActivations(x0, x1, k0, kc, into: $0.baseAddress!) }
    #expect(read == (x1 - x0) * kc * 4, sourceLocation: sourceLocation)
    var wrong = 0
    for p in 0..<panels {
        let x = x0 + 12 * p, rows = min(12, x1 - x)
        let filled = rows % 4 >= 2 ? (rows + 3) / 4 * 4 : rows
        for kk in 0..<kc {
            for i in 0..<12 {
                let got = packed[p * 12 * kc + kk * 12 + i]
                if i < rows {
                    if got != input[(x + i) * k + k0 + kk] { wrong += 1 }
                } else if i < filled {
                    if got != 0 { wrong += 1 }
                } else if !got.isNaN {
                    wrong += 1
                }
            }
        }
    }
    #expect(wrong == 0, "m \(m) k \(k) rows [\(x0), \(x1)) reduction [\(k0), \(k0 + kc))", sourceLocation: sourceLocation)
}

/// Whole GEMMs through the vectorised packing and the ws prefetch of the next panel's rows, on
/// both ISAs and every dataflow: row counts around the 4-row groups and 12-row panels, depths
/// that are not multiples of 4 over several reduction blocks (the AVX2 6x16 tile loading its
/// partial sums before storing them), several ws weight blocks (n > 512), the prefetch's last
/// panel (nothing after it) and partitions that start inside the matrix.
@Test(arguments: KernelISA.allCases, Dataflow.allCases)
func packedGemmsMatchReference(_ isa: KernelISA, _ dataflow: Dataflow) {
    for (m, n, k) in [(4, 40, 5), (5, 33, 258), (11, 64, 7), (14, 545, 259), (23, 96, 513), (30, 1100, 70)] {
        check(.gemm("p\(m)x\(n)x\(k)", m: m, n: n, k: k, activation: .relu), dataflow, isa: isa)
        check(.gemm("p\(m)x\(n)x\(k)", m: m, n: n, k: k), dataflow, parts: 2, withResidual: true, isa: isa)
    }
    check(.gemm("p49x70x1030", m: 49, n: 70, k: 1030), dataflow, parts: 3, isa: isa)
}
