// swift-tools-version: 6.2
import PackageDescription

// Builds are portable: nothing here depends on the machine that builds. On x86-64 every Swift
// target is compiled for AVX2 + FMA (`-target-cpu haswell`; without a CPU target the SIMD
// micro-kernels' `addingProduct` becomes a call to `fmaf`), so a binary runs on any x86-64 CPU
// since 2013; the AVX-512 GEMM micro-kernel and CSR x dense loops live in their own module
// compiled for Skylake-SP's AVX-512 and are chosen at run time when CPUID reports AVX-512 (`GEMMKernel`;
// `ENCORE_GEMM_KERNEL=avx2` forces the AVX2 kernels). Other CPUs (arm64: NEON through the SIMD
// types) get no flags. Release builds keep Swift's checks (`-O`, never `-Ounchecked`).
//
// `unsafeFlags` are why a package that depends on Encore must name it by path, branch or
// revision, not by version (docs/adding-a-model.md).
#if arch(x86_64)
let baseline: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
let avx512: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "skylake-avx512"])]
#else
let baseline: [SwiftSetting] = []
let avx512: [SwiftSetting] = []
#endif

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
        // C: the prefetch hint and CPUID (no flags, so it runs on any CPU of the architecture).
        .target(name: "EncoreShims"),
        // The AVX-512 GEMM micro-kernel and CSR x dense loops, alone in a module built for
        // AVX-512; called only after the CPUID check (empty off x86-64).
        .target(name: "EncoreAVX512Kernels", dependencies: ["EncoreShims"], swiftSettings: avx512),
        .target(name: "EncoreTensor", dependencies: ["EncoreShims", "EncoreAVX512Kernels"], swiftSettings: baseline),
        .target(name: "EncoreAutodiff", dependencies: ["EncoreTensor"], swiftSettings: baseline),
        .target(name: "EncoreData", dependencies: ["EncoreTensor"], swiftSettings: baseline),
        .target(name: "EncoreMetrics", dependencies: ["EncoreTensor"], swiftSettings: baseline),
        .target(
            name: "EncoreModels",
            dependencies: ["EncoreTensor", "EncoreAutodiff", "EncoreData", "EncoreMetrics"],
            swiftSettings: baseline),
        // Benchmark machinery: median timing, result lines, paired timing against a CBLAS library.
        .target(name: "EncoreBench", dependencies: ["EncoreTensor"], swiftSettings: baseline),
        .target(
            name: "EncoreExperiments",
            dependencies: ["EncoreTensor", "EncoreAutodiff", "EncoreData", "EncoreMetrics", "EncoreModels", "EncoreBench"],
            swiftSettings: baseline),
        .executableTarget(name: "encore", dependencies: ["EncoreExperiments"], swiftSettings: baseline),
        // Assertions and data builders shared by the test targets.
        .target(name: "EncoreTestSupport", dependencies: ["EncoreTensor"], path: "Tests/EncoreTestSupport"),
        .testTarget(name: "EncoreTensorTests", dependencies: ["EncoreTensor", "EncoreShims", "EncoreTestSupport"]),
        .testTarget(name: "EncoreMetricsTests", dependencies: ["EncoreMetrics", "EncoreTestSupport"]),
        .testTarget(name: "EncoreDataTests", dependencies: ["EncoreData"]),
        .testTarget(name: "EncoreAutodiffTests", dependencies: ["EncoreAutodiff", "EncoreTestSupport"]),
        .testTarget(name: "EncoreModelsTests", dependencies: ["EncoreModels"]),
        .testTarget(name: "EncoreExperimentsTests", dependencies: ["EncoreExperiments", "encore"]),
    ],
    swiftLanguageModes: [.v6]
)
