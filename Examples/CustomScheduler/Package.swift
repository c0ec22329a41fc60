// swift-tools-version:6.1
import PackageDescription

// A user's own package: it depends on DreamRT (here by path; from Git with a URL and version)
// and runs its own policy through DreamSession, simulated and live.
let package = Package(
    name: "CustomScheduler",
    dependencies: [
        .package(name: "DreamRT", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "custom-scheduler",
                          dependencies: [.product(name: "DreamRT", package: "DreamRT")]),
    ],
    swiftLanguageModes: [.v6]
)
