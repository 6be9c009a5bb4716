import EncoreTensor
import XCTest

/// The GEMM kernel a process uses: chosen from CPUID, forced by `ENCORE_GEMM_KERNEL`, printed by
/// `encore bench gemm`.
final class KernelChoiceTests: XCTestCase {
    private func kernels(_ invocation: EncoreInvocation) -> Set<String> {
        Set(invocation.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "\"kernel\": \"") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "\"" })
        })
    }

    func testEnvironmentForcesTheAVX2Kernel() throws {
        let harness = try EncoreHarness()
        let arguments = ["bench", "gemm", "--threads", "1", "--shape", "13x40x7", "--json"]

        let chosen = try harness.run(arguments)
        XCTAssertEqual(chosen.code, 0, chosen.stderr)
        XCTAssertEqual(kernels(chosen), [GEMMKernel.available.last!.description], chosen.stdout)

        let forced = try harness.run(arguments, environment: ["ENCORE_GEMM_KERNEL": "avx2"])
        XCTAssertEqual(forced.code, 0, forced.stderr)
        XCTAssertEqual(kernels(forced), [GEMMKernel.avx2.description], forced.stdout)
        XCTAssertEqual(forced.stderr, "")

        let unknown = try harness.run(arguments, environment: ["ENCORE_GEMM_KERNEL": "sse9"])
        XCTAssertEqual(unknown.code, 0, unknown.stderr)
        XCTAssertEqual(kernels(unknown), [GEMMKernel.available.last!.description])
        XCTAssertTrue(unknown.stderr.contains("ENCORE_GEMM_KERNEL=sse9 is not a kernel"), unknown.stderr)
    }
}
