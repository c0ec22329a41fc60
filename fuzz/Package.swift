// swift-tools-version:6.1
// libFuzzer harnesses for every DreamRT input parser. Built by `fuzz/run` with
// `-sanitize=fuzzer,address`; not part of the main package (see docs/reliability.md).
import PackageDescription

let package = Package(
    name: "DreamFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "dream-fuzz",
                          dependencies: [.product(name: "DreamRT", package: "main")],
                          path: "Sources/DreamFuzz"),
    ],
    swiftLanguageModes: [.v6]
)
