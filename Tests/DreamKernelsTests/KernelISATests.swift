import DreamCore
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import DreamKernels

/// Both register blockings (AVX-512 and AVX2 tiles) against the naive reference on this host,
/// whatever it is: the ISA is an explicit `PreparedLayer` parameter (the AVX-512 tiles stay
/// correct on an AVX2 host, only slow). Sizes are not multiples of any tile: every row count
/// 1...13 (the 12-, 8-, 6-, 4-, 2- and 1-row tiles and their combinations), ragged columns,
/// odd and deep reductions (several reduction blocks, the chained 1-row kernels' tails).
@Test(arguments: KernelISA.allCases, Dataflow.allCases)
func gemmTilesMatchReference(_ isa: KernelISA, _ dataflow: Dataflow) {
    for m in 1...13 {
        check(.gemm("g\(m)x45x37", m: m, n: 45, k: 37, activation: .relu), dataflow, isa: isa)
    }
    for (m, n, k) in [(1, 1, 1), (1, 64, 513), (2, 96, 1031), (7, 33, 3), (25, 70, 600), (37, 71, 300)] {
        check(.gemm("g\(m)x\(n)x\(k)", m: m, n: n, k: k), dataflow, isa: isa)
        check(.gemm("g\(m)x\(n)x\(k)", m: m, n: n, k: k), dataflow, parts: 2, isa: isa)
    }
}

/// Weights larger than the L2 budget run the streamed-B tiles (the AVX2 6x16 tile prefetches
/// the next panel, including past the last one): every 6-row group count, ragged last panel,
/// several reduction blocks, split over partitions; a single row (GEMV: the input row read in
/// place by the 1-row tiles, unpacked) with a residual.
@Test(arguments: KernelISA.allCases, Dataflow.allCases)
func streamedWeightGemmsMatchReference(_ isa: KernelISA, _ dataflow: Dataflow) {
    for (m, n, k) in [(13, 650, 420), (6, 1030, 300), (20, 333, 801), (1, 1030, 300), (1, 333, 801)] {
        #expect(n * k * 4 > TileLoops.l2Budget)
        check(.gemm("s\(m)x\(n)x\(k)", m: m, n: n, k: k, activation: .relu6), dataflow, isa: isa)
        check(.gemm("s\(m)x\(n)x\(k)", m: m, n: n, k: k), dataflow, parts: 3, isa: isa)
    }
    check(.gemm("gemv", m: 1, n: 650, k: 420, activation: .hswish), dataflow, withResidual: true, isa: isa)
}

@Test(arguments: KernelISA.allCases, Dataflow.allCases)
func convolutionTilesMatchReference(_ isa: KernelISA, _ dataflow: Dataflow) {
    for spec in awkwardConvolutions {
        check(spec, dataflow, isa: isa)
        check(spec, dataflow, parts: 3, isa: isa)
    }
    // Output channels 1...13 over the implicit (3x3), in-place (1x1) and packed (stride 2) paths.
    for k in [1, 2, 3, 5, 6, 7, 9, 10, 11, 13] {
        check(.conv("k\(k)3x3", c: 3, k: k, h: 7, w: 37, r: 3, pad: 1), dataflow, isa: isa)
        check(.conv("k\(k)pw", c: 5, k: k, h: 6, w: 11, r: 1), dataflow, isa: isa)
        check(.conv("k\(k)s2", c: 2, k: k, h: 9, w: 70, r: 3, stride: 2, pad: 1), dataflow, isa: isa)
    }
}

@Test func isaSelectionIsConsistent() {
    // The default is the host's ISA capped by the build's, unless DREAM_KERNEL_ISA forces one.
    let expected: KernelISA = KernelISA.host == .avx512 && KernelISA.compiledMax == .avx512 ? .avx512 : .avx2
    if let forced = getenv("DREAM_KERNEL_ISA"), let isa = KernelISA(rawValue: String(cString: forced)) {
        #expect(KernelISA.selected == isa)
    } else {
        #expect(KernelISA.selected == expected)
    }
    let spec = LayerSpec.gemm("g", m: 3, n: 5, k: 7)
    #expect(PreparedLayer(spec: spec, dataflow: .ws).isa == KernelISA.selected)
    #expect(PreparedLayer(spec: spec, dataflow: .ws, isa: .avx2).isa == .avx2)
}
