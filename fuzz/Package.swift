// swift-tools-version:6.1
// libFuzzer harnesses for every DreamRT input parser. Built by `fuzz/run` with
// `-sanitize=fuzzer,address`; not part of the main package (see docs/reliability.md).
import PackageDescription
import Foundation

// A path dependency's identity is its folder's name, whatever the checkout is called.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()

let package = Package(
    name: "DreamFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "dream-fuzz",
                          dependencies: [.product(name: "DreamRT", package: root.lastPathComponent.lowercased())],
                          path: "Sources/DreamFuzz"),
    ],
    swiftLanguageModes: [.v6]
)
