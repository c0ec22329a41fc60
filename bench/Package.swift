// swift-tools-version:6.1
import PackageDescription

// Benchmarks of DreamRT, driven by `bench/run NAME` (see README.md). Build with `-c release`.
// Its own package, so the main package's test build never pays for ordo-one/benchmark.
let package = Package(
    name: "DreamBench",
    dependencies: [
        .package(name: "DreamRT", path: ".."),
        // Allocation counts come from the malloc interposer (no jemalloc needed).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // `bench/run kernels`: GEMM and convolution GFLOP/s against same-run references.
        // Only the kernels (and DreamCore): built twice by bench/run on an AVX-512 host (native
        // and DREAM_TARGET_CPU=x86-64-v3), so it stays small.
        .executableTarget(name: "KernelBench",
                          dependencies: [.product(name: "DreamKernels", package: "DreamRT")],
                          path: "Sources/KernelBench"),
        // `bench/run overhead|dispatch|release|sim`: scheduler decision time (ordo-one/benchmark
        // percentiles and malloc counts), live dispatch latency, release lateness, simulator speed.
        .executableTarget(name: "DreamBench",
                          dependencies: [.product(name: "DreamRT", package: "DreamRT"),
                                         .product(name: "Benchmark", package: "benchmark")],
                          path: "Sources/DreamBench",
                          swiftSettings: [.swiftLanguageMode(.v5)]),
    ],
    swiftLanguageModes: [.v6]
)
