// The tile transforms of Winograd F(4x4, 3x3) (Engine/Convolution/Winograd/Winograd+Tiles.swift
// and OutputTiles.swift) and of the polyphase F(4x4, 2x2) (PolyphaseWinograd+Transforms.swift)
// on channels-last data, a block of channels per vector: sixteen with AVX-512 (a last block of
// eight in AVX2 registers when the channels are not a multiple of sixteen), eight with AVX2.
#include "CSHOTVAEKernels.h"

#if defined(__x86_64__)

// Bᵀ d for six values, into `o[0…5]`.
#define WINOGRAD_INPUT_TRANSFORM(d0, d1, d2, d3, d4, d5, o) do {                                     \
        const VEC d42_ = (d4) - (d2), d31_ = (d3) - (d1);                                            \
        (o)[0] = 4 * ((d0) - (d2)) - ((d2) - (d4));                                                  \
        (o)[1] = ((d3) + (d4)) - 4 * ((d1) + (d2));                                                  \
        (o)[2] = ((d4) - (d3)) + 4 * ((d1) - (d2));                                                  \
        (o)[3] = d42_ + 2 * d31_;                                                                    \
        (o)[4] = d42_ - 2 * d31_;                                                                    \
        (o)[5] = 4 * ((d1) - (d3)) - ((d3) - (d5));                                                  \
    } while (0)

// Aᵀ m for six values, into `o[0…3]`.
#define WINOGRAD_OUTPUT_TRANSFORM(m0, m1, m2, m3, m4, m5, o) do {                                    \
        const VEC s12_ = (m1) + (m2), d12_ = (m1) - (m2), s34_ = (m3) + (m4), d34_ = (m3) - (m4);     \
        (o)[0] = (m0) + s12_ + s34_;                                                                 \
        (o)[1] = d12_ + 2 * d34_;                                                                    \
        (o)[2] = s12_ + 4 * s34_;                                                                    \
        (o)[3] = d12_ + 8 * d34_ + (m5);                                                             \
    } while (0)

// A y for four values, into `o[0…5]`.
#define WINOGRAD_GRADIENT_TRANSFORM(y0, y1, y2, y3, o) do {                                          \
        const VEC s02_ = (y0) + (y2), s13_ = (y1) + (y3);                                            \
        const VEC t02_ = (y0) + 4 * (y2), t13_ = 2 * (y1) + 8 * (y3);                                \
        (o)[0] = (y0);                                                                               \
        (o)[1] = s02_ + s13_;                                                                        \
        (o)[2] = s02_ - s13_;                                                                        \
        (o)[3] = t02_ + t13_;                                                                        \
        (o)[4] = t02_ - t13_;                                                                        \
        (o)[5] = (y3);                                                                               \
    } while (0)

// F(4, 2)'s Bᵀ d for the five values of one phase, into `o[0…4]`.
#define PHASE_INPUT_TRANSFORM(d0, d1, d2, d3, d4, o) do {                                            \
        const VEC d31_ = (d3) - (d1);                                                                \
        (o)[0] = 2 * ((d0) - (d2)) + d31_;                                                           \
        (o)[1] = d31_ - ((d1) + (d2));                                                               \
        (o)[2] = d31_ + 3 * ((d1) - (d2));                                                           \
        (o)[3] = d31_;                                                                               \
        (o)[4] = ((d4) - (d2)) - 2 * d31_;                                                           \
    } while (0)

// F(4, 2)'s B v, the adjoint of PHASE_INPUT_TRANSFORM, into `o[0…4]`.
#define PHASE_INPUT_ADJOINT(v0, v1, v2, v3, v4, o) do {                                              \
        const VEC s_ = (v1) + (v2);                                                                  \
        (o)[0] = 2 * (v0);                                                                           \
        (o)[1] = 2 * ((v2) - (v1) + (v4)) - ((v0) + (v3));                                           \
        (o)[2] = -(2 * (v0) + (v1) + 3 * (v2) + (v4));                                               \
        (o)[3] = (v0) + s_ + (v3) - 2 * (v4);                                                        \
        (o)[4] = (v4);                                                                               \
    } while (0)

// F(4, 2)'s Aᵀ m for five values, into `o[0…3]`.
#define PHASE_OUTPUT_TRANSFORM(m0, m1, m2, m3, m4, o) do {                                           \
        const VEC s_ = (m1) + (m2), d_ = (m1) - (m2);                                                \
        (o)[0] = (m0) + s_ + (m3);                                                                   \
        (o)[1] = d_ + 2 * (m3);                                                                      \
        (o)[2] = s_ + 4 * (m3);                                                                      \
        (o)[3] = d_ + 8 * (m3) + (m4);                                                               \
    } while (0)

// F(4, 2)'s A y for four values, into `o[0…4]`.
#define PHASE_GRADIENT_TRANSFORM(y0, y1, y2, y3, o) do {                                             \
        const VEC s02_ = (y0) + (y2), s13_ = (y1) + (y3);                                            \
        (o)[0] = (y0);                                                                               \
        (o)[1] = s02_ + s13_;                                                                        \
        (o)[2] = s02_ - s13_;                                                                        \
        (o)[3] = ((y0) + 4 * (y2)) + 2 * ((y1) + 4 * (y3));                                          \
        (o)[4] = (y3);                                                                               \
    } while (0)

// The output side's transforms of either form, by its number of points (a constant where the
// tile functions are inlined): `in[0…points-1]` into `out`.
#define OUTPUT_TRANSFORM(points, in, out) do {                                                       \
        if ((points) == 6) WINOGRAD_OUTPUT_TRANSFORM((in)[0], (in)[1], (in)[2], (in)[3], (in)[4], (in)[5], out); \
        else PHASE_OUTPUT_TRANSFORM((in)[0], (in)[1], (in)[2], (in)[3], (in)[4], out);             \
    } while (0)
#define GRADIENT_TRANSFORM(points, in, out) do {                                                     \
        if ((points) == 6) WINOGRAD_GRADIENT_TRANSFORM((in)[0], (in)[1], (in)[2], (in)[3], out);      \
        else PHASE_GRADIENT_TRANSFORM((in)[0], (in)[1], (in)[2], (in)[3], out);                     \
    } while (0)

typedef float shotvae_v8 __attribute__((ext_vector_type(8)));
typedef int shotvae_i8 __attribute__((ext_vector_type(8)));
typedef float shotvae_v16 __attribute__((ext_vector_type(16)));
typedef int shotvae_i16 __attribute__((ext_vector_type(16)));

#define VEC shotvae_v8
#define VINT shotvae_i8
#define LANES 8
#define TARGET "avx2,fma"
#include "winograd_tile.h"
#undef VEC
#undef VINT
#undef LANES
#undef TARGET

#define VEC shotvae_v16
#define VINT shotvae_i16
#define LANES 16
#define TARGET "avx512f,avx2,fma"
#include "winograd_tile.h"
#undef VEC
#undef VINT
#undef LANES
#undef TARGET

// Run `BLOCK(c0, lanes)` over the channel blocks `[0, cp)`: eight lanes at a time in AVX2;
// sixteen at a time in AVX-512, then a last block of eight if `cp` is not a multiple of 16.
#define AVX2_BLOCKS(cp, BLOCK) do {                                                                  \
        for (ptrdiff_t c0_ = 0; c0_ < (cp); c0_ += 8) BLOCK(c0_, 8);                                 \
    } while (0)
#define AVX512_BLOCKS(cp, BLOCK) do {                                                                \
        ptrdiff_t c0_ = 0;                                                                           \
        for (; c0_ + 16 <= (cp); c0_ += 16) BLOCK(c0_, 16);                                          \
        if (c0_ < (cp)) BLOCK(c0_, 8);                                                               \
    } while (0)

// One block of channels of one tile, in each driver below: `tile` is the tile's first pixel in
// the channels-last image (rows `row` floats apart, pixels `cp`), `transformed` its row of the
// transformed data.
#define INPUT_BLOCK(c0, lanes)                                                                       \
    input_tile_##lanes(tile + (c0), row, cp, transformed + (c0), position_stride)
#define GRADIENT_BLOCK(c0, lanes)                                                                    \
    gradient_tile_##lanes(tile + (c0), row, cp, transformed + (c0), position_stride, 6)
#define PHASE_INPUT_BLOCK(c0, lanes)                                                                 \
    phase_input_tile_##lanes(tile + (c0), row, cp, transformed + (c0), position_stride, cp)
#define PHASE_ADJOINT_BLOCK(c0, lanes)                                                               \
    phase_input_adjoint_tile_##lanes(transformed + (c0), position_stride, cp, tile + (c0), row, cp)
#define PHASE_GRADIENT_BLOCK(c0, lanes)                                                              \
    gradient_tile_##lanes(tile + (c0), row, cp, transformed + (c0), position_stride, 5)
#define OUTPUT_BLOCK_OF(points, c0, lanes) do {                                                      \
        shotvae_v##lanes shift_;                                                                     \
        __builtin_memcpy(&shift_, shift + (c0), sizeof shift_);                                      \
        output_tile_##lanes(transformed + (c0), position_stride, shift_, rectifies, tile + (c0), row, cp, points); \
    } while (0)
#define OUTPUT_BLOCK(c0, lanes) OUTPUT_BLOCK_OF(6, c0, lanes)
#define PHASE_OUTPUT_BLOCK(c0, lanes) OUTPUT_BLOCK_OF(5, c0, lanes)

// A driver: `BLOCK` over every tile and block of channels of one image, tile (ty, tx) at pixel
// (step · ty, step · tx) of `image` and at row ty · tiles_wide + tx of `data`.
#define DEFINE_DRIVER(name, suffix, target_isa, BLOCKS, BLOCK, step)                                 \
    __attribute__((target(target_isa)))                                                              \
    static void name##_##suffix(float *image, ptrdiff_t row_length, float *data, ptrdiff_t tiles_high, \
                                ptrdiff_t tiles_wide, ptrdiff_t cp, ptrdiff_t row_stride,            \
                                ptrdiff_t position_stride, const float *shift, bool rectifies) {     \
        const ptrdiff_t row = row_length * cp;                                                       \
        (void)shift; (void)rectifies;                                                                \
        for (ptrdiff_t ty = 0; ty < tiles_high; ty++) {                                              \
            for (ptrdiff_t tx = 0; tx < tiles_wide; tx++) {                                          \
                float *tile = image + ((step) * ty * row_length + (step) * tx) * cp;                 \
                float *transformed = data + (ty * tiles_wide + tx) * row_stride;                     \
                BLOCKS(cp, BLOCK);                                                                   \
            }                                                                                        \
        }                                                                                            \
    }

#define DEFINE_DRIVERS(suffix, target_isa, BLOCKS)                                                   \
    DEFINE_DRIVER(input, suffix, target_isa, BLOCKS, INPUT_BLOCK, 4)                                  \
    DEFINE_DRIVER(output, suffix, target_isa, BLOCKS, OUTPUT_BLOCK, 4)                                \
    DEFINE_DRIVER(gradient, suffix, target_isa, BLOCKS, GRADIENT_BLOCK, 4)                            \
    DEFINE_DRIVER(phase_input, suffix, target_isa, BLOCKS, PHASE_INPUT_BLOCK, 8)                      \
    DEFINE_DRIVER(phase_adjoint, suffix, target_isa, BLOCKS, PHASE_ADJOINT_BLOCK, 8)                  \
    DEFINE_DRIVER(phase_output, suffix, target_isa, BLOCKS, PHASE_OUTPUT_BLOCK, 4)                    \
    DEFINE_DRIVER(phase_gradient, suffix, target_isa, BLOCKS, PHASE_GRADIENT_BLOCK, 4)

DEFINE_DRIVERS(avx2, "avx2,fma", AVX2_BLOCKS)
DEFINE_DRIVERS(avx512, "avx512f,avx2,fma", AVX512_BLOCKS)

// The driver `name` in the instruction set `isa`: AVX-512 or else AVX2.
#define RUN(name, ...) (isa == shotvae_isa_avx512 ? name##_avx512 : name##_avx2)(__VA_ARGS__)
#else
#define RUN(name, ...) ((void)isa, __builtin_trap())
#endif

void shotvae_winograd_input(shotvae_isa isa, const float *padded, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                            ptrdiff_t row_length, ptrdiff_t padded_channels, float *v, ptrdiff_t row_stride,
                            ptrdiff_t position_stride) {
    RUN(input, (float *)padded, row_length, v, tiles_high, tiles_wide, padded_channels, row_stride,
        position_stride, NULL, false);
}

void shotvae_winograd_output(shotvae_isa isa, const float *m, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                             ptrdiff_t padded_channels, ptrdiff_t row_stride, ptrdiff_t position_stride,
                             const float *shift, bool rectifies, float *out, ptrdiff_t row_length) {
    RUN(output, out, row_length, (float *)m, tiles_high, tiles_wide, padded_channels, row_stride, position_stride,
        shift, rectifies);
}

void shotvae_winograd_gradient(shotvae_isa isa, const float *image, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                               ptrdiff_t row_length, ptrdiff_t padded_channels, float *d, ptrdiff_t row_stride,
                               ptrdiff_t position_stride) {
    RUN(gradient, (float *)image, row_length, d, tiles_high, tiles_wide, padded_channels, row_stride,
        position_stride, NULL, false);
}

void shotvae_polyphase_input(shotvae_isa isa, const float *padded, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                             ptrdiff_t row_length, ptrdiff_t padded_channels, float *v, ptrdiff_t row_stride,
                             ptrdiff_t position_stride) {
    RUN(phase_input, (float *)padded, row_length, v, tiles_high, tiles_wide, padded_channels, row_stride,
        position_stride, NULL, false);
}

void shotvae_polyphase_input_adjoint(shotvae_isa isa, const float *v, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                                     ptrdiff_t padded_channels, ptrdiff_t row_stride, ptrdiff_t position_stride,
                                     float *padded, ptrdiff_t row_length) {
    RUN(phase_adjoint, padded, row_length, (float *)v, tiles_high, tiles_wide, padded_channels, row_stride,
        position_stride, NULL, false);
}

void shotvae_polyphase_output(shotvae_isa isa, const float *m, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                              ptrdiff_t padded_channels, ptrdiff_t row_stride, ptrdiff_t position_stride,
                              const float *shift, bool rectifies, float *out, ptrdiff_t row_length) {
    RUN(phase_output, out, row_length, (float *)m, tiles_high, tiles_wide, padded_channels, row_stride,
        position_stride, shift, rectifies);
}

void shotvae_polyphase_gradient(shotvae_isa isa, const float *image, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                                ptrdiff_t row_length, ptrdiff_t padded_channels, float *d, ptrdiff_t row_stride,
                                ptrdiff_t position_stride) {
    RUN(phase_gradient, (float *)image, row_length, d, tiles_high, tiles_wide, padded_channels, row_stride,
        position_stride, NULL, false);
}
