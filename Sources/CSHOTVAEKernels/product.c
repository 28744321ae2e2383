// The register-blocked product of Engine/Kernels/Kernels+Product.swift, in AVX2 and AVX-512.
//
// Each block of C (rows x columns) is summed in vector registers over the whole depth and
// stored once: per step of the depth, one load per 16-column panel of B, one broadcast per row
// of A, and one fused multiply-add per row and vector. A last block of fewer rows repeats the
// last row in the registers it leaves free and stores only its own rows; a last panel of fewer
// than 16 columns stores only its own columns.
#include "CSHOTVAEKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

static inline ptrdiff_t min_index(ptrdiff_t x, ptrdiff_t y) { return x < y ? x : y; }

// Stores `count` floats of a block's row (`values`, 16 or 32 of them) into `target`, adding
// to what is there if `accumulates`.
static inline void store_partial(float *target, const float *values, ptrdiff_t count, bool accumulates) {
    for (ptrdiff_t l = 0; l < count; l++) target[l] = accumulates ? target[l] + values[l] : values[l];
}

// MARK: - AVX2: 6 rows by 16 columns (two vectors), twelve accumulators.

#define AVX2_ROWS 6

__attribute__((target("avx2,fma")))
static void product_avx2(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                         ptrdiff_t depth_stride, const float *b, ptrdiff_t panel_stride, ptrdiff_t b_row_stride,
                         float *c, ptrdiff_t ldc, bool accumulates) {
    const ptrdiff_t panels = (n + 15) / 16;
    for (ptrdiff_t i = 0; i < m; i += AVX2_ROWS) {
        const ptrdiff_t live = min_index(AVX2_ROWS, m - i);
        const float *rows[AVX2_ROWS];
        for (int r = 0; r < AVX2_ROWS; r++) rows[r] = a + min_index(i + r, m - 1) * row_stride;
        const float *a0 = rows[0], *a1 = rows[1], *a2 = rows[2], *a3 = rows[3], *a4 = rows[4], *a5 = rows[5];
        for (ptrdiff_t q = 0; q < panels; q++) {
            __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
                   c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
                   c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps(),
                   c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
            const float *bp = b + q * panel_stride;
            ptrdiff_t ap = 0;
            for (ptrdiff_t p = 0; p < k; p++) {
                const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
                bp += b_row_stride;
                __m256 x = _mm256_broadcast_ss(a0 + ap);
                c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
                x = _mm256_broadcast_ss(a1 + ap);
                c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
                x = _mm256_broadcast_ss(a2 + ap);
                c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
                x = _mm256_broadcast_ss(a3 + ap);
                c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
                x = _mm256_broadcast_ss(a4 + ap);
                c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
                x = _mm256_broadcast_ss(a5 + ap);
                c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
                ap += depth_stride;
            }
            const ptrdiff_t j = q * 16;
            const ptrdiff_t columns = min_index(16, n - j);
            const __m256 low[AVX2_ROWS] = {c00, c10, c20, c30, c40, c50};
            const __m256 high[AVX2_ROWS] = {c01, c11, c21, c31, c41, c51};
            for (ptrdiff_t r = 0; r < live; r++) {
                float *target = c + (i + r) * ldc + j;
                if (columns == 16) {
                    __m256 l = low[r], h = high[r];
                    if (accumulates) {
                        l = _mm256_add_ps(l, _mm256_loadu_ps(target));
                        h = _mm256_add_ps(h, _mm256_loadu_ps(target + 8));
                    }
                    _mm256_storeu_ps(target, l);
                    _mm256_storeu_ps(target + 8, h);
                } else {
                    float values[16];
                    _mm256_storeu_ps(values, low[r]);
                    _mm256_storeu_ps(values + 8, high[r]);
                    store_partial(target, values, columns, accumulates);
                }
            }
        }
    }
}

// MARK: - AVX-512: 8 rows by 32 columns (two panels of one vector each), sixteen accumulators;
// a last odd panel 8 rows by 16 columns.

#define AVX512_ROWS 8

__attribute__((target("avx512f,avx2,fma")))
static inline void store_row_avx512(float *target, __m512 value, ptrdiff_t columns, bool accumulates) {
    if (columns >= 16) {
        if (accumulates) value = _mm512_add_ps(value, _mm512_loadu_ps(target));
        _mm512_storeu_ps(target, value);
    } else if (columns > 0) {
        const __mmask16 mask = (__mmask16)((1u << columns) - 1);
        if (accumulates) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, target));
        _mm512_mask_storeu_ps(target, mask, value);
    }
}

__attribute__((target("avx512f,avx2,fma")))
static void product_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                           ptrdiff_t depth_stride, const float *b, ptrdiff_t panel_stride, ptrdiff_t b_row_stride,
                           float *c, ptrdiff_t ldc, bool accumulates) {
    const ptrdiff_t panels = (n + 15) / 16;
    for (ptrdiff_t i = 0; i < m; i += AVX512_ROWS) {
        const ptrdiff_t live = min_index(AVX512_ROWS, m - i);
        const float *rows[AVX512_ROWS];
        for (int r = 0; r < AVX512_ROWS; r++) rows[r] = a + min_index(i + r, m - 1) * row_stride;
        const float *a0 = rows[0], *a1 = rows[1], *a2 = rows[2], *a3 = rows[3];
        const float *a4 = rows[4], *a5 = rows[5], *a6 = rows[6], *a7 = rows[7];
        ptrdiff_t q = 0;
        for (; q + 2 <= panels; q += 2) {
            __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(),
                   c11 = _mm512_setzero_ps(), c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(),
                   c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps(), c40 = _mm512_setzero_ps(),
                   c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps(),
                   c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps(), c70 = _mm512_setzero_ps(),
                   c71 = _mm512_setzero_ps();
            const float *bp0 = b + q * panel_stride, *bp1 = b + (q + 1) * panel_stride;
            ptrdiff_t ap = 0;
            for (ptrdiff_t p = 0; p < k; p++) {
                const __m512 b0 = _mm512_loadu_ps(bp0), b1 = _mm512_loadu_ps(bp1);
                bp0 += b_row_stride;
                bp1 += b_row_stride;
                __m512 x = _mm512_set1_ps(a0[ap]);
                c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
                x = _mm512_set1_ps(a1[ap]);
                c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
                x = _mm512_set1_ps(a2[ap]);
                c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
                x = _mm512_set1_ps(a3[ap]);
                c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
                x = _mm512_set1_ps(a4[ap]);
                c40 = _mm512_fmadd_ps(x, b0, c40); c41 = _mm512_fmadd_ps(x, b1, c41);
                x = _mm512_set1_ps(a5[ap]);
                c50 = _mm512_fmadd_ps(x, b0, c50); c51 = _mm512_fmadd_ps(x, b1, c51);
                x = _mm512_set1_ps(a6[ap]);
                c60 = _mm512_fmadd_ps(x, b0, c60); c61 = _mm512_fmadd_ps(x, b1, c61);
                x = _mm512_set1_ps(a7[ap]);
                c70 = _mm512_fmadd_ps(x, b0, c70); c71 = _mm512_fmadd_ps(x, b1, c71);
                ap += depth_stride;
            }
            const ptrdiff_t j = q * 16;
            const ptrdiff_t columns = n - j;
            const __m512 first[AVX512_ROWS] = {c00, c10, c20, c30, c40, c50, c60, c70};
            const __m512 second[AVX512_ROWS] = {c01, c11, c21, c31, c41, c51, c61, c71};
            for (ptrdiff_t r = 0; r < live; r++) {
                float *target = c + (i + r) * ldc + j;
                store_row_avx512(target, first[r], columns, accumulates);
                store_row_avx512(target + 16, second[r], columns - 16, accumulates);
            }
        }
        if (q < panels) {
            __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps(),
                   c3 = _mm512_setzero_ps(), c4 = _mm512_setzero_ps(), c5 = _mm512_setzero_ps(),
                   c6 = _mm512_setzero_ps(), c7 = _mm512_setzero_ps();
            const float *bp = b + q * panel_stride;
            ptrdiff_t ap = 0;
            for (ptrdiff_t p = 0; p < k; p++) {
                const __m512 b0 = _mm512_loadu_ps(bp);
                bp += b_row_stride;
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(a0[ap]), b0, c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(a1[ap]), b0, c1);
                c2 = _mm512_fmadd_ps(_mm512_set1_ps(a2[ap]), b0, c2);
                c3 = _mm512_fmadd_ps(_mm512_set1_ps(a3[ap]), b0, c3);
                c4 = _mm512_fmadd_ps(_mm512_set1_ps(a4[ap]), b0, c4);
                c5 = _mm512_fmadd_ps(_mm512_set1_ps(a5[ap]), b0, c5);
                c6 = _mm512_fmadd_ps(_mm512_set1_ps(a6[ap]), b0, c6);
                c7 = _mm512_fmadd_ps(_mm512_set1_ps(a7[ap]), b0, c7);
                ap += depth_stride;
            }
            const ptrdiff_t j = q * 16;
            const __m512 values[AVX512_ROWS] = {c0, c1, c2, c3, c4, c5, c6, c7};
            for (ptrdiff_t r = 0; r < live; r++) {
                store_row_avx512(c + (i + r) * ldc + j, values[r], n - j, accumulates);
            }
        }
    }
}
#endif

ptrdiff_t shotvae_product_block_rows(shotvae_isa isa) {
#if defined(__x86_64__)
    return isa == shotvae_isa_avx512 ? AVX512_ROWS : AVX2_ROWS;
#else
    (void)isa;
    __builtin_trap();
#endif
}

void shotvae_product(shotvae_isa isa, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                     const float *a, ptrdiff_t row_stride, ptrdiff_t depth_stride,
                     const float *b, ptrdiff_t panel_stride, ptrdiff_t b_row_stride,
                     float *c, ptrdiff_t ldc, bool accumulates) {
#if defined(__x86_64__)
    if (isa == shotvae_isa_avx512) {
        product_avx512(m, n, k, a, row_stride, depth_stride, b, panel_stride, b_row_stride, c, ldc, accumulates);
    } else {
        product_avx2(m, n, k, a, row_stride, depth_stride, b, panel_stride, b_row_stride, c, ldc, accumulates);
    }
#else
    (void)isa; (void)m; (void)n; (void)k; (void)a; (void)row_stride; (void)depth_stride;
    (void)b; (void)panel_stride; (void)b_row_stride; (void)c; (void)ldc; (void)accumulates;
    __builtin_trap();
#endif
}
