// The copies between images and their channels-last form of Engine/Convolution/Winograd/
// ChannelsLast.swift, eight channels by eight pixels at a time: eight vectors of one side,
// transposed in registers into eight of the other.
#include "CSHOTVAEKernels.h"

// z = v * scale + shift must round as the engine's Swift code rounds it (the backward pass
// recomputes its sign there): a multiply and an add.
#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static inline void transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

static inline float activate(float v, const float *scale, const float *shift, float slope, ptrdiff_t c) {
    if (!scale) return v;
    const float product = v * scale[c];
    const float z = product + shift[c];
    return z < 0 ? z * slope : z;
}

__attribute__((target("avx2,fma,prfchw")))
static void copy_avx2(float *image, float *padded, bool to_last, ptrdiff_t channels, ptrdiff_t height,
                      ptrdiff_t width, ptrdiff_t row_length, ptrdiff_t border, ptrdiff_t cp,
                      const float *scale, const float *shift, float slope) {
    const ptrdiff_t pixels = height * width;
    const __m256 zero = _mm256_setzero_ps(), slopes = _mm256_set1_ps(slope);
    ptrdiff_t c = 0;
    for (; c < channels; c += 8) {
        const ptrdiff_t block = channels - c < 8 ? channels - c : 8;
        for (ptrdiff_t y = 0; y < height; y++) {
            float *first = image + c * pixels + y * width;
            float *last = padded + ((y + border) * row_length + border) * cp + c;
            ptrdiff_t x = 0;
            if (block == 8) {
                for (; x + 8 <= width; x += 8) {
                    __m256 r[8];
                    if (to_last) {
                        for (int k = 0; k < 8; k++) {
                            // The same place eight planes on (the next block of channels, or
                            // the next image's first): each plane is a stream of its own that the
                            // hardware prefetcher would start cold. A prefetch does not fault past
                            // the batch's end.
                            _mm_prefetch((const char *)(first + (8 + k) * pixels + x), _MM_HINT_T0);
                            __m256 v = _mm256_loadu_ps(first + k * pixels + x);
                            if (scale) {
                                const __m256 z = _mm256_add_ps(_mm256_mul_ps(v, _mm256_set1_ps(scale[c + k])),
                                                               _mm256_set1_ps(shift[c + k]));
                                const __m256 negative = _mm256_cmp_ps(z, zero, _CMP_LT_OQ);
                                v = _mm256_blendv_ps(z, _mm256_mul_ps(z, slopes), negative);
                            }
                            r[k] = v;
                        }
                        transpose8(r);
                        for (int k = 0; k < 8; k++) _mm256_storeu_ps(last + (x + k) * cp, r[k]);
                    } else {
                        for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(last + (x + k) * cp);
                        transpose8(r);
                        // The lines the next block of channels will write, asked for with intent
                        // to write (within the image: the next image may be another core's).
                        if (c + 8 < channels)
                            for (int k = 0; k < 8; k++) __builtin_prefetch(first + (8 + k) * pixels + x, 1, 3);
                        for (int k = 0; k < 8; k++) _mm256_storeu_ps(first + k * pixels + x, r[k]);
                    }
                }
            }
            for (; x < width; x++) {
                for (ptrdiff_t k = 0; k < block; k++) {
                    float *value = first + k * pixels + x, *slot = last + x * cp + k;
                    if (to_last) *slot = activate(*value, scale, shift, slope, c + k);
                    else *value = *slot;
                }
            }
        }
    }
}
#endif

void shotvae_channels_last_copy(shotvae_isa isa, float *image, float *padded, bool to_channels_last,
                                ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t row_length,
                                ptrdiff_t border, ptrdiff_t padded_channels, const float *scale,
                                const float *shift, float negative_slope) {
#if defined(__x86_64__)
    (void)isa;
    copy_avx2(image, padded, to_channels_last, channels, height, width, row_length, border, padded_channels,
              scale, shift, negative_slope);
#else
    (void)isa; (void)image; (void)padded; (void)to_channels_last; (void)channels; (void)height; (void)width;
    (void)row_length; (void)border; (void)padded_channels; (void)scale; (void)shift; (void)negative_slope;
    __builtin_trap();
#endif
}
