// The engine's innermost loops in C, one version per x86-64 instruction set, chosen at run
// time by the CPU's features (SHOTVAE's Engine/Kernels/InstructionSet.swift): clang compiles
// each version for its own instruction set (`__attribute__((target(...)))`), so one binary
// runs the widest vectors the CPU has and still starts on any x86-64 processor.
#ifndef CSHOTVAEKERNELS_H
#define CSHOTVAEKERNELS_H

#include <stdbool.h>
#include <stddef.h>

/// The instruction sets the kernels come in, widest last.
typedef enum {
    /// No kernel of this file: the engine's portable Swift loops.
    shotvae_isa_portable = 0,
    /// AVX2 and FMA: eight lanes, 16 vector registers.
    shotvae_isa_avx2 = 1,
    /// AVX-512 (F, with AVX2 and FMA): sixteen lanes, 32 vector registers.
    shotvae_isa_avx512 = 2,
} shotvae_isa;

/// Asks for the cache line at `address` ahead of its loads (a hint: it never faults, past an
/// array's end included).
static inline void shotvae_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/// The widest instruction set that both this CPU and its operating system support.
shotvae_isa shotvae_best_isa(void);

/// `C = A B`, or `C += A B` if `accumulates`: `A` is `m x k` with `A[i, p] = a[i * row_stride +
/// p * depth_stride]`; `B` is `k x n` in panels of 16 columns, panel `q`'s row `p` being the 16
/// floats at `b + q * panel_stride + p * b_row_stride`; `C` is `m x n`, rows `ldc` apart.
/// `isa` must be `shotvae_isa_avx2` or `shotvae_isa_avx512` and supported by the CPU.
/// Rows of `A` in one register block of `shotvae_product`'s kernel for `isa` (a last block of
/// fewer rows costs as much as a whole one); `isa` as for `shotvae_product`.
ptrdiff_t shotvae_product_block_rows(shotvae_isa isa);

void shotvae_product(shotvae_isa isa, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                     const float *a, ptrdiff_t row_stride, ptrdiff_t depth_stride,
                     const float *b, ptrdiff_t panel_stride, ptrdiff_t b_row_stride,
                     float *c, ptrdiff_t ldc, bool accumulates);

/// A register-only loop of `iterations` rounds of independent fused multiply-adds in the
/// widest vectors of `isa` (enough chains to hide the instruction's latency on every core
/// the project met); returns the floating-point operations it performed (two per lane per
/// multiply-add). `sink` receives a value that depends on every chain, so that nothing is
/// optimized away.
double shotvae_fma_loop(shotvae_isa isa, long iterations, float *sink);

/// Copies between `image` `[channels, height, width]` and `padded` `[·, row_length,
/// padded_channels]`, whose pixel `(y, x)` is at row `y + border` and column `x + border`: into
/// `padded` when `to_channels_last`, back into `image` otherwise. On the way into `padded`, with a
/// `scale`, each value `v` of channel `c` becomes `z = v * scale[c] + shift[c]` (a multiply and an
/// add, never fused), or `z * negative_slope` where `z < 0`. Eight channels by eight pixels at a
/// time, transposed in registers; `isa` must be `shotvae_isa_avx2` or `shotvae_isa_avx512`.
void shotvae_channels_last_copy(shotvae_isa isa, float *image, float *padded, bool to_channels_last,
                                ptrdiff_t channels, ptrdiff_t height, ptrdiff_t width, ptrdiff_t row_length,
                                ptrdiff_t border, ptrdiff_t padded_channels, const float *scale,
                                const float *shift, float negative_slope);

/// Winograd F(4x4, 3x3)'s input transform `V = Bᵀ d B` of every tile of one channels-last image
/// `padded` `[4 * tiles_high + 2, row_length, padded_channels]` (a one-pixel border included):
/// tile `(ty, tx)`'s 6x6 patch starts at pixel `(4ty, 4tx)`, and position `ξ` of its transform
/// goes to `v + (ty * tiles_wide + tx) * row_stride + ξ * position_stride`. `isa` must be
/// `shotvae_isa_avx2` or `shotvae_isa_avx512`, and `padded_channels` a multiple of 8.
void shotvae_winograd_input(shotvae_isa isa, const float *padded, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                            ptrdiff_t row_length, ptrdiff_t padded_channels, float *v, ptrdiff_t row_stride,
                            ptrdiff_t position_stride);

/// Winograd F(4x4, 3x3)'s output transform `Y = Aᵀ M A` of every tile, `M` laid out as
/// `shotvae_winograd_input`'s `v`, plus `shift[c]` (`padded_channels` of them), then `max(0, ·)`
/// if `rectifies`: tile `(ty, tx)` into the channels-last image `out` `[4 * tiles_high,
/// row_length, padded_channels]` at pixel `(4ty, 4tx)`.
void shotvae_winograd_output(shotvae_isa isa, const float *m, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                             ptrdiff_t padded_channels, ptrdiff_t row_stride, ptrdiff_t position_stride,
                             const float *shift, bool rectifies, float *out, ptrdiff_t row_length);

/// Winograd F(4x4, 3x3)'s output-gradient transform `D = A ȳ Aᵀ` of every 4x4 tile of the
/// channels-last image `image` `[4 * tiles_high, row_length, padded_channels]`, into `d` laid
/// out as `shotvae_winograd_input`'s `v`.
void shotvae_winograd_gradient(shotvae_isa isa, const float *image, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                               ptrdiff_t row_length, ptrdiff_t padded_channels, float *d, ptrdiff_t row_stride,
                               ptrdiff_t position_stride);

/// The polyphase F(4x4, 2x2)'s input transform (a stride-2 4x4 convolution's large side): the
/// 10x10 patch of tile `(ty, tx)` starts at pixel `(8ty, 8tx)` of the channels-last image
/// `padded` `[8 * tiles_high + 2, row_length, padded_channels]` (a one-pixel border included);
/// its index `(a, b)` goes to position `5 (a % 5) + b % 5` and phase `2 (a / 5) + b / 5`, at `v +
/// (ty * tiles_wide + tx) * row_stride + position * position_stride + phase * padded_channels +
/// channel`.
void shotvae_polyphase_input(shotvae_isa isa, const float *padded, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                             ptrdiff_t row_length, ptrdiff_t padded_channels, float *v, ptrdiff_t row_stride,
                             ptrdiff_t position_stride);

/// The adjoint of `shotvae_polyphase_input`: every tile's values taken back onto its patch and
/// added to what `padded` holds there (patches overlap by two pixels).
void shotvae_polyphase_input_adjoint(shotvae_isa isa, const float *v, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                                     ptrdiff_t padded_channels, ptrdiff_t row_stride, ptrdiff_t position_stride,
                                     float *padded, ptrdiff_t row_length);

/// `shotvae_winograd_output` for the polyphase form's small side: 25 positions, `A` of F(4, 2).
void shotvae_polyphase_output(shotvae_isa isa, const float *m, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                              ptrdiff_t padded_channels, ptrdiff_t row_stride, ptrdiff_t position_stride,
                              const float *shift, bool rectifies, float *out, ptrdiff_t row_length);

/// `shotvae_winograd_gradient` for the polyphase form's small side: 25 positions, `A` of F(4, 2).
void shotvae_polyphase_gradient(shotvae_isa isa, const float *image, ptrdiff_t tiles_high, ptrdiff_t tiles_wide,
                                ptrdiff_t row_length, ptrdiff_t padded_channels, float *d, ptrdiff_t row_stride,
                                ptrdiff_t position_stride);

#endif
