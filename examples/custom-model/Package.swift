// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "CustomEncore",
    platforms: [.macOS(.v13)],
    products: [.executable(name: "custom-encore", targets: ["CustomEncore"])],
    dependencies: [
        // Encore builds with unsafe compiler flags, which SwiftPM accepts from a dependency given
        // by path, branch or revision, never from a version range. Outside this repository:
        //   .package(url: "<Encore's git URL>", branch: "main"),
        //   .package(url: "<Encore's git URL>", revision: "<commit hash>"),
        .package(name: "Encore", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "CustomEncore",
            dependencies: [.product(name: "EncoreExperiments", package: "Encore")]),
    ],
    swiftLanguageModes: [.v6]
)
