import CDreamShims
#if canImport(Glibc)
import Glibc
#endif

/// The register blocking the micro-kernels use, chosen at run time so one binary is right on
/// both kinds of x86-64 host:
/// - `avx512`: 32 vector registers: the 12x32 tile (24 SIMD16 accumulators), 8x32, 4x32, 1x32;
/// - `avx2`: 16 vector registers (AVX2/FMA): the 6x16 tile (12 SIMD8 accumulators, as BLIS and
///   OpenBLAS use on Haswell/Zen), 2x32, 1x32.
/// Both read the same packed panels (12-row A panels, 32-column B panels), so the dataflows'
/// loop nests and their counted bytes do not depend on the choice.
public enum KernelISA: String, Sendable, CaseIterable {
    case avx2
    case avx512

    /// The widest tile this build's code can use: a target CPU without AVX-512 (e.g.
    /// DREAM_TARGET_CPU=x86-64-v3, see Package.swift) compiles SIMD16 into register pairs.
    public static var compiledMax: KernelISA {
        #if DREAM_KERNELS_NO_AVX512
        return .avx2
        #else
        return .avx512
        #endif
    }

    /// What the CPU and OS support (cpuid + xgetbv in CDreamShims); `avx2` on hosts without
    /// AVX-512 (and on non-x86 hosts, where it is just the 16-register tile).
    public static let host: KernelISA = CDreamShims_cpu_has_avx512f() != 0 ? .avx512 : .avx2

    /// The default of every `PreparedLayer`: DREAM_KERNEL_ISA=avx2|avx512 when set (to exercise
    /// a path on purpose; forcing avx512 on an AVX2 host stays correct, only slow), else the
    /// host's ISA capped by the build's.
    public static let selected: KernelISA = {
        if let raw = getenv("DREAM_KERNEL_ISA"), let forced = KernelISA(rawValue: String(cString: raw)) {
            return forced
        }
        return host == .avx512 && compiledMax == .avx512 ? .avx512 : .avx2
    }()
}
