// swift-tools-version: 6.0
import PackageDescription
import Foundation

// Release builds are tuned for the CPU that builds them: the SIMD micro-kernels need
// `-target-cpu`, or `addingProduct` becomes a call to `fmaf` and GEMM runs ~100x slower.
// `ENCORE_PORTABLE=1` drops the CPU tuning (a binary that runs on any x86-64 / arm64 CPU);
// `ENCORE_TARGET_CPU=haswell` (or znver4, skylake-avx512, ...) picks another CPU than `native`.
let environment = ProcessInfo.processInfo.environment
let portable = ["1", "true", "yes"].contains(environment["ENCORE_PORTABLE"]?.lowercased() ?? "")
let targetCPU = environment["ENCORE_TARGET_CPU"] ?? "native"

var releaseFlags = ["-Ounchecked"]
var cpuFlags: [String] = []
if !portable { cpuFlags = ["-target-cpu", targetCPU] }

// Whether the target CPU has AVX-512F: the GEMM then uses its 12 x 32 register tile (32 zmm
// registers) instead of the 6 x 16 AVX2 tile. For `native` the build machine's own flags decide
// (Linux: /proc/cpuinfo; elsewhere no AVX-512 is assumed); for a named CPU, a list of LLVM names.
// `ENCORE_AVX512=0` or `=1` overrides the guess.
func targetHasAVX512() -> Bool {
    if portable { return false }
    if let forced = environment["ENCORE_AVX512"] { return ["1", "true", "yes"].contains(forced.lowercased()) }
    if targetCPU == "native" {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return info.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("avx512f") }
    }
    let avx512CPUs: Set<String> = [
        "skylake-avx512", "cascadelake", "cooperlake", "cannonlake", "icelake-client", "icelake-server",
        "tigerlake", "rocketlake", "sapphirerapids", "emeraldrapids", "graniterapids", "graniterapids-d",
        "znver4", "znver5", "x86-64-v4",
    ]
    return avx512CPUs.contains(targetCPU)
}
if targetHasAVX512() { cpuFlags += ["-DENCORE_AVX512"] }

let numericSettings: [SwiftSetting] = [
    .unsafeFlags(cpuFlags),
    .unsafeFlags(releaseFlags, .when(configuration: .release)),
]

let package = Package(
    name: "Encore",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "EncoreTensor", targets: ["EncoreTensor"]),
        .library(name: "EncoreAutodiff", targets: ["EncoreAutodiff"]),
        .library(name: "EncoreData", targets: ["EncoreData"]),
        .library(name: "EncoreMetrics", targets: ["EncoreMetrics"]),
        .library(name: "EncoreModels", targets: ["EncoreModels"]),
        .library(name: "EncoreExperiments", targets: ["EncoreExperiments"]),
        .executable(name: "encore", targets: ["encore"]),
    ],
    targets: [
        // The software-prefetch hint: one file that needs the compiler's Builtin module, hence
        // `-parse-stdlib`, kept apart so that no numeric code is compiled in that mode.
        .target(name: "EncoreCacheHints", swiftSettings: numericSettings + [.unsafeFlags(["-parse-stdlib"])]),
        .target(name: "EncoreTensor", dependencies: ["EncoreCacheHints"], swiftSettings: numericSettings),
        .target(name: "EncoreAutodiff", dependencies: ["EncoreTensor"], swiftSettings: numericSettings),
        .target(name: "EncoreData", dependencies: ["EncoreTensor"], swiftSettings: numericSettings),
        .target(name: "EncoreMetrics", dependencies: ["EncoreTensor"], swiftSettings: numericSettings),
        .target(
            name: "EncoreModels",
            dependencies: ["EncoreTensor", "EncoreAutodiff", "EncoreData", "EncoreMetrics"],
            swiftSettings: numericSettings),
        .target(
            name: "EncoreExperiments",
            dependencies: ["EncoreTensor", "EncoreAutodiff", "EncoreData", "EncoreMetrics", "EncoreModels"],
            swiftSettings: numericSettings),
        .executableTarget(name: "encore", dependencies: ["EncoreExperiments"], swiftSettings: numericSettings),
        .testTarget(name: "EncoreTensorTests", dependencies: ["EncoreTensor", "EncoreCacheHints"]),
        .testTarget(name: "EncoreMetricsTests", dependencies: ["EncoreMetrics"]),
        .testTarget(name: "EncoreDataTests", dependencies: ["EncoreData"]),
        .testTarget(name: "EncoreAutodiffTests", dependencies: ["EncoreAutodiff"]),
        .testTarget(name: "EncoreModelsTests", dependencies: ["EncoreModels"]),
        .testTarget(name: "EncoreExperimentsTests", dependencies: ["EncoreExperiments", "encore"]),
    ],
    swiftLanguageModes: [.v6]
)
