// The few things Encore's Swift code needs from C: a software-prefetch hint, the spin-wait hint, the CPU's
// vector features (for choosing the GEMM micro-kernel at run time), the CPUs of the affinity
// mask (`CPU_COUNT` is a macro), and for a run's child
// process `prctl` (variadic, so Swift cannot call it) and `setvbuf` on `stdout`. No compiler flags: the
// functions here are plain C that any target CPU runs.
#ifndef ENCORE_SHIMS_H
#define ENCORE_SHIMS_H

/// Asks the CPU to start loading the cache line that holds `address` into every cache level
/// (`prefetcht0` on x86-64, `prfm pldl1keep` on arm64).
///
/// A hint only: it changes no memory and no result, never faults (not even for an address
/// outside any mapping), and retires at once. That last point is why it beats "touching" the line
/// with an ordinary load: a load that misses holds up retirement until its data arrives.
static inline __attribute__((always_inline)) void encore_prefetch_read(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// Tells the CPU that the caller is in a spin-wait loop (`pause` on x86-64, `yield` on arm64):
/// the core then spends less power and fewer issue slots (its hyper-thread sibling gets them)
/// and leaves the loop without the memory-order mis-speculation flush. Changes nothing else.
static inline __attribute__((always_inline)) void encore_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// 1 when the CPU and the operating system support the AVX-512 subsets F, DQ, CD, BW and VL (those
/// of Skylake-SP and every later AVX-512 CPU; CPUID leaf 7) with the opmask and zmm state enabled
/// in XCR0, else 0. Always 0 off x86-64.
int encore_cpu_has_avx512(void);

/// 1 when the CPU and the operating system support AVX2 and FMA (the baseline that x86-64
/// builds of Encore are compiled for), else 0. Always 1 off x86-64.
int encore_cpu_has_avx2_fma(void);

/// Asks the kernel to send SIGKILL to the calling process when the thread that started it ends
/// (Linux `prctl(PR_SET_PDEATHSIG)`; the parent process ending ends that thread). Returns 0 on
/// success, -1 on failure or where the call does not exist (it is then the caller's job to notice
/// the parent's end some other way).
int encore_die_with_parent(void);

/// Makes standard output line-buffered (`setvbuf`; Swift 6 cannot name C's `stdout`), so that
/// what a run's child process prints reaches `encore run` line by line.
void encore_line_buffer_stdout(void);

/// The number of CPUs in this process's affinity mask (Linux `sched_getaffinity`: what `taskset`,
/// a cpuset cgroup or a batch scheduler such as Slurm leaves it), or 0 where unknown.
int encore_affinity_cpu_count(void);

#endif
