// The FMA peak: independent chains of fused multiply-adds that never leave the registers.
// Each chain is `x = x * s + t`, with `s` just below one so the values stay normal numbers.
#include "CSHOTVAEKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

// Twelve chains of eight lanes: two FMA pipes of latency four to five need eight to ten.
__attribute__((target("avx2,fma")))
static double fma_loop_avx2(long iterations, float *sink) {
    const __m256 s = _mm256_set1_ps(0.999999f), t = _mm256_set1_ps(1e-6f);
    __m256 x0 = _mm256_set1_ps(1.0f), x1 = _mm256_set1_ps(1.1f), x2 = _mm256_set1_ps(1.2f), x3 = _mm256_set1_ps(1.3f),
           x4 = _mm256_set1_ps(1.4f), x5 = _mm256_set1_ps(1.5f), x6 = _mm256_set1_ps(1.6f), x7 = _mm256_set1_ps(1.7f),
           x8 = _mm256_set1_ps(1.8f), x9 = _mm256_set1_ps(1.9f), x10 = _mm256_set1_ps(2.0f), x11 = _mm256_set1_ps(2.1f);
    for (long i = 0; i < iterations; i++) {
        x0 = _mm256_fmadd_ps(x0, s, t); x1 = _mm256_fmadd_ps(x1, s, t); x2 = _mm256_fmadd_ps(x2, s, t);
        x3 = _mm256_fmadd_ps(x3, s, t); x4 = _mm256_fmadd_ps(x4, s, t); x5 = _mm256_fmadd_ps(x5, s, t);
        x6 = _mm256_fmadd_ps(x6, s, t); x7 = _mm256_fmadd_ps(x7, s, t); x8 = _mm256_fmadd_ps(x8, s, t);
        x9 = _mm256_fmadd_ps(x9, s, t); x10 = _mm256_fmadd_ps(x10, s, t); x11 = _mm256_fmadd_ps(x11, s, t);
    }
    __m256 total = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3)),
                                 _mm256_add_ps(_mm256_add_ps(x4, x5), _mm256_add_ps(x6, x7)));
    total = _mm256_add_ps(total, _mm256_add_ps(_mm256_add_ps(x8, x9), _mm256_add_ps(x10, x11)));
    float lanes[8];
    _mm256_storeu_ps(lanes, total);
    *sink = lanes[0] + lanes[7];
    return 2.0 * 8 * 12 * (double)iterations;
}

// Sixteen chains of sixteen lanes.
__attribute__((target("avx512f,avx2,fma")))
static double fma_loop_avx512(long iterations, float *sink) {
    const __m512 s = _mm512_set1_ps(0.999999f), t = _mm512_set1_ps(1e-6f);
    __m512 x[16];
    for (int c = 0; c < 16; c++) x[c] = _mm512_set1_ps(1.0f + 0.1f * (float)c);
    __m512 x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6], x7 = x[7];
    __m512 x8 = x[8], x9 = x[9], x10 = x[10], x11 = x[11], x12 = x[12], x13 = x[13], x14 = x[14], x15 = x[15];
    for (long i = 0; i < iterations; i++) {
        x0 = _mm512_fmadd_ps(x0, s, t); x1 = _mm512_fmadd_ps(x1, s, t); x2 = _mm512_fmadd_ps(x2, s, t);
        x3 = _mm512_fmadd_ps(x3, s, t); x4 = _mm512_fmadd_ps(x4, s, t); x5 = _mm512_fmadd_ps(x5, s, t);
        x6 = _mm512_fmadd_ps(x6, s, t); x7 = _mm512_fmadd_ps(x7, s, t); x8 = _mm512_fmadd_ps(x8, s, t);
        x9 = _mm512_fmadd_ps(x9, s, t); x10 = _mm512_fmadd_ps(x10, s, t); x11 = _mm512_fmadd_ps(x11, s, t);
        x12 = _mm512_fmadd_ps(x12, s, t); x13 = _mm512_fmadd_ps(x13, s, t); x14 = _mm512_fmadd_ps(x14, s, t);
        x15 = _mm512_fmadd_ps(x15, s, t);
    }
    __m512 total = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(x0, x1), _mm512_add_ps(x2, x3)),
                                 _mm512_add_ps(_mm512_add_ps(x4, x5), _mm512_add_ps(x6, x7)));
    total = _mm512_add_ps(total, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(x8, x9), _mm512_add_ps(x10, x11)),
                                               _mm512_add_ps(_mm512_add_ps(x12, x13), _mm512_add_ps(x14, x15))));
    *sink = _mm512_reduce_add_ps(total);
    return 2.0 * 16 * 16 * (double)iterations;
}
#endif

double shotvae_fma_loop(shotvae_isa isa, long iterations, float *sink) {
#if defined(__x86_64__)
    if (isa == shotvae_isa_avx512) return fma_loop_avx512(iterations, sink);
    if (isa == shotvae_isa_avx2) return fma_loop_avx2(iterations, sink);
#endif
    // Portable: four scalar chains (the compiler may vectorize them for its baseline).
    float x0 = 1.0f, x1 = 1.1f, x2 = 1.2f, x3 = 1.3f;
    for (long i = 0; i < iterations; i++) {
        x0 = x0 * 0.999999f + 1e-6f; x1 = x1 * 0.999999f + 1e-6f;
        x2 = x2 * 0.999999f + 1e-6f; x3 = x3 * 0.999999f + 1e-6f;
    }
    *sink = x0 + x1 + x2 + x3;
    (void)isa;
    return 2.0 * 4 * (double)iterations;
}
