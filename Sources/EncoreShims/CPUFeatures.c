#include "EncoreShims.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <stdint.h>
#include <unistd.h>

/// XCR0, the register in which the operating system says which vector state it saves.
static uint64_t encore_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

/// Whether CPUID says OSXSAVE (so that `xgetbv` may run) and XCR0 has every bit of `mask`.
static int encore_os_saves(uint64_t mask) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ecx & bit_OSXSAVE)) return 0;
    return (encore_xcr0() & mask) == mask;
}

int encore_cpu_has_avx2_fma(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ecx & bit_FMA) || !(ecx & bit_AVX)) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ebx & bit_AVX2)) return 0;
    return encore_os_saves(0x6);  // SSE and AVX (ymm) state
}

int encore_cpu_has_avx512(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!encore_cpu_has_avx2_fma()) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    // F, DQ, CD, BW and VL: what `-target-cpu skylake-avx512` lets the compiler use (Xeon Phi's
    // AVX-512 lacks DQ, BW and VL).
    const unsigned int needed = bit_AVX512F | bit_AVX512DQ | bit_AVX512CD | bit_AVX512BW | bit_AVX512VL;
    if ((ebx & needed) != needed) return 0;
    return encore_os_saves(0xE6);  // also opmask, upper zmm0-15 and zmm16-31 state
}

/// x86-64 builds are compiled for AVX2 and FMA (`-target-cpu haswell` in Package.swift). On an
/// older CPU the first vector instruction would kill the process with SIGILL and no word of why;
/// this runs before any Swift code and says it instead (exit 69, EX_UNAVAILABLE).
__attribute__((constructor)) static void encore_require_baseline(void) {
    if (encore_cpu_has_avx2_fma()) return;
    static const char message[] =
        "encore: error: this build of Encore needs an x86-64 CPU with AVX2 and FMA (2013 or later); "
        "this CPU or operating system lacks them\n";
    ssize_t written = write(2, message, sizeof message - 1);
    (void)written;
    _exit(69);
}
#else
int encore_cpu_has_avx2_fma(void) { return 1; }
int encore_cpu_has_avx512(void) { return 0; }
#endif
