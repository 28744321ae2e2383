#include "CSHOTVAEKernels.h"

shotvae_isa shotvae_best_isa(void) {
#if defined(__x86_64__)
    // __builtin_cpu_supports also checks that the operating system saves the registers
    // (XCR0), so a feature the kernel does not enable is not reported.
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return shotvae_isa_portable;
    if (__builtin_cpu_supports("avx512f")) return shotvae_isa_avx512;
    return shotvae_isa_avx2;
#else
    return shotvae_isa_portable;
#endif
}
