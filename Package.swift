// swift-tools-version:6.1
import PackageDescription
import Foundation

// Kernels are the product's ceiling: they are built optimised, with target CPU flags, even in
// debug/test builds. DREAM_TARGET_CPU picks the CPU model (default `native`: fastest, for the
// build machine only); set it to e.g. `x86-64-v3` or `x86-64` for a portable binary.
let targetCPU = ProcessInfo.processInfo.environment["DREAM_TARGET_CPU"] ?? "native"
// The kernels pick their register blocking at run time from cpuid (AVX-512 or AVX2/FMA tiles);
// a target CPU without AVX-512 also caps the choice at compile time, so a portable build
// (x86-64-v3) runs the AVX2 tiles even on an AVX-512 host.
let cpusWithoutAVX512: Set<String> = ["x86-64", "x86-64-v2", "x86-64-v3", "haswell", "broadwell",
                                      "skylake", "znver1", "znver2", "znver3", "alderlake",
                                      "sandybridge", "ivybridge", "nehalem", "core2"]
// The psABI levels (x86-64-v2/v3/v4) are not CPU names to Swift's -target-cpu: pass them to
// the clang importer as -march, whose target features IRGen uses.
let cpuFlags = targetCPU.hasPrefix("x86-64-v") ? ["-Xcc", "-march=\(targetCPU)"] : ["-target-cpu", targetCPU]
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"] + cpuFlags)]
    + (cpusWithoutAVX512.contains(targetCPU) ? [.define("DREAM_KERNELS_NO_AVX512")] : [])

let package = Package(
    name: "DreamRT",
    products: [
        .library(name: "DreamRT", targets: ["DreamCore", "DreamPlatform", "DreamKernels", "DreamWorkloads", "DreamXRBench", "DreamEngine",
                                            "DreamSchedulers", "DreamRuntime", "DreamReport", "DreamSession"]),
        .executable(name: "dream", targets: ["dream"]),
        // The kernels alone (bench/Sources/KernelBench builds only these).
        .library(name: "DreamKernels", targets: ["DreamCore", "DreamKernels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries and the GNU-only shim (kept out of Swift-visible headers).
        .systemLibrary(name: "CHwloc", pkgConfig: "hwloc",
                       providers: [.apt(["libhwloc-dev"])]),
        .systemLibrary(name: "CNuma", pkgConfig: "numa",
                       providers: [.apt(["libnuma-dev"])]),
        .target(name: "CDreamShims", linkerSettings: [.linkedLibrary("pthread")]),

        // Descriptions (value types), formats and validation: no platform calls.
        .target(name: "DreamCore",
                dependencies: [.product(name: "Yams", package: "Yams")]),
        // The Linux implementation: hwloc discovery, pinning, NUMA memory.
        .target(name: "DreamPlatform",
                dependencies: ["DreamCore", "CHwloc", "CNuma", "CDreamShims"]),
        // Tiled GEMM / convolution kernels per dataflow.
        .target(name: "DreamKernels", dependencies: ["DreamCore", "CDreamShims"], path: "kernels",
                exclude: ["README.md", "generate"], swiftSettings: kernelFlags),

        // Models, scenarios, the MAESTRO importer and seeded workload traces.
        .target(name: "DreamWorkloads", dependencies: ["DreamCore"]),
        // XRBench's official simulator semantics, for reproducing its scores.
        .target(name: "DreamXRBench", dependencies: ["DreamCore", "DreamWorkloads"]),

        // The engine shared by the live runtime and the simulator: the scheduler interface,
        // job bookkeeping, cost estimates, records and the discrete-event simulator.
        .target(name: "DreamEngine", dependencies: ["DreamCore"]),

        // DREAM and the baseline policies, written once for live and simulated runs.
        .target(name: "DreamSchedulers", dependencies: ["DreamEngine", "DreamCore"]),

        // The live runtime: pinned accelerator workers executing real kernels in real time.
        .target(name: "DreamRuntime", dependencies: ["DreamEngine", "DreamKernels", "DreamPlatform", "DreamCore"]),

        .target(name: "DreamReport", dependencies: ["DreamEngine", "DreamCore"]),

        // The pipeline users build on: scenario -> fit -> trace -> costs -> a live or simulated
        // run -> one RunRecord; comparisons and calibration. The `dream` commands are thin over it.
        .target(name: "DreamSession",
                dependencies: ["DreamCore", "DreamPlatform", "DreamKernels", "DreamWorkloads", "DreamXRBench", "DreamEngine",
                               "DreamSchedulers", "DreamRuntime", "DreamReport"]),

        .executableTarget(name: "dream",
                          dependencies: ["DreamCore", "DreamPlatform", "DreamKernels", "DreamWorkloads", "DreamXRBench", "DreamEngine", "DreamSchedulers", "DreamRuntime", "DreamReport", "DreamSession",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Helpers shared by tests that run the `dream` binary.
        .target(name: "DreamTestSupport", path: "Tests/DreamTestSupport"),
        .testTarget(name: "DreamCLITests", dependencies: ["DreamTestSupport", "DreamEngine"]),
        .testTarget(name: "DreamInvariantTests", dependencies: ["DreamSchedulers", "DreamEngine", "DreamRuntime", "DreamPlatform", "DreamCore"]),
        .testTarget(name: "DreamCoreTests", dependencies: ["DreamCore"]),
        .testTarget(name: "DreamPlatformTests", dependencies: ["DreamPlatform", "DreamCore", "DreamTestSupport"]),
        .testTarget(name: "DreamWorkloadsTests", dependencies: ["DreamWorkloads", "DreamCore"]),
        .testTarget(name: "DreamXRBenchTests", dependencies: ["DreamXRBench", "DreamWorkloads", "DreamCore"]),
        .testTarget(name: "DreamEngineTests", dependencies: ["DreamEngine", "DreamCore"]),
        .testTarget(name: "DreamSessionTests", dependencies: ["DreamSession", "DreamSchedulers", "DreamRuntime", "DreamEngine", "DreamWorkloads", "DreamCore"]),
        .testTarget(name: "DreamSchedulersTests", dependencies: ["DreamSchedulers", "DreamEngine", "DreamCore"]),
        .testTarget(name: "DreamRuntimeTests", dependencies: ["DreamRuntime", "DreamSchedulers", "DreamEngine", "DreamPlatform", "DreamCore"]),
        .testTarget(name: "DreamReportTests", dependencies: ["DreamReport", "DreamEngine", "DreamCore"]),
        .testTarget(name: "DreamKernelsTests", dependencies: ["DreamKernels", "DreamCore"],
                    swiftSettings: kernelFlags),
        .testTarget(name: "DreamReliabilityTests", dependencies: ["DreamCore", "DreamWorkloads", "DreamXRBench", "DreamEngine"]),
    ],
    swiftLanguageModes: [.v6]
)
