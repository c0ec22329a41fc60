// swift-tools-version:6.1
import PackageDescription

// Benchmarks of DreamRT, driven by `bench/run NAME` (see README.md). Build with `-c release`.
let package = Package(
    name: "DreamBench",
    dependencies: [
        .package(name: "DreamRT", path: ".."),
    ],
    targets: [
        // `bench/run kernels`: GEMM and convolution GFLOP/s against same-run references.
        .executableTarget(name: "KernelBench",
                          dependencies: [.product(name: "DreamRT", package: "DreamRT")],
                          path: "Sources/KernelBench"),
    ],
    swiftLanguageModes: [.v6]
)
