// One tile's Winograd transforms for one block of `LANES` channels, in the vector type `VEC`
// (clang vector extensions, so that the arithmetic reads as the formulas), compiled for the
// instruction set `TARGET`: F(4x4, 3x3) (Engine/Convolution/Winograd/Winograd+Tiles.swift) and
// the polyphase F(4x4, 2x2) of stride-2 4x4 convolutions (PolyphaseWinograd+Tiles.swift and
// PolyphaseWinograd+Transforms.swift). winograd.c includes this file once per vector width.
//
// Expects: VEC and VINT (float and int vectors of LANES lanes), LANES, TARGET.

#define WINOGRAD_CAT_(a, b) a##b
#define WINOGRAD_CAT(a, b) WINOGRAD_CAT_(a, b)
#define WINOGRAD_FUNCTION(name) WINOGRAD_CAT(name, LANES)

static inline __attribute__((always_inline, target(TARGET))) VEC WINOGRAD_FUNCTION(load_)(const float *p) {
    VEC x;
    __builtin_memcpy(&x, p, sizeof x);
    return x;
}

static inline __attribute__((always_inline, target(TARGET))) void WINOGRAD_FUNCTION(store_)(float *p, VEC x) {
    __builtin_memcpy(p, &x, sizeof x);
}

// V = Bᵀ d B of the 6x6 patch whose pixel (s, t) is at `patch + s * row + t * pixel`, into
// positions 6a + b, `position` floats apart from `v`.
static inline __attribute__((always_inline, target(TARGET)))
void WINOGRAD_FUNCTION(input_tile_)(const float *patch, ptrdiff_t row, ptrdiff_t pixel, float *v,
                                    ptrdiff_t position) {
    VEC t[6][6];
    for (int s = 0; s < 6; s++) {
        const float *p = patch + s * row;
        const VEC d0 = WINOGRAD_FUNCTION(load_)(p), d1 = WINOGRAD_FUNCTION(load_)(p + pixel),
                  d2 = WINOGRAD_FUNCTION(load_)(p + 2 * pixel), d3 = WINOGRAD_FUNCTION(load_)(p + 3 * pixel),
                  d4 = WINOGRAD_FUNCTION(load_)(p + 4 * pixel), d5 = WINOGRAD_FUNCTION(load_)(p + 5 * pixel);
        WINOGRAD_INPUT_TRANSFORM(d0, d1, d2, d3, d4, d5, t[s]);
    }
    for (int b = 0; b < 6; b++) {
        VEC out[6];
        WINOGRAD_INPUT_TRANSFORM(t[0][b], t[1][b], t[2][b], t[3][b], t[4][b], t[5][b], out);
        for (int a = 0; a < 6; a++) WINOGRAD_FUNCTION(store_)(v + (6 * a + b) * position, out[a]);
    }
}

// Y = Aᵀ M A of positions `points · a + b` (`position` floats apart from `m`), plus `shift`,
// then max(0, ·) if `rectifies` (NaN stays NaN), into output pixel (i, j) at `out + i * row + j *
// pixel`: F(4, 3)'s A with six points, F(4, 2)'s with five.
static inline __attribute__((always_inline, target(TARGET)))
void WINOGRAD_FUNCTION(output_tile_)(const float *m, ptrdiff_t position, VEC shift, bool rectifies,
                                     float *out, ptrdiff_t row, ptrdiff_t pixel, int points) {
    VEC t[6][4];
    for (int a = 0; a < points; a++) {
        VEC values[6];
        for (int b = 0; b < points; b++) values[b] = WINOGRAD_FUNCTION(load_)(m + (points * a + b) * position);
        OUTPUT_TRANSFORM(points, values, t[a]);
    }
    for (int j = 0; j < 4; j++) {
        VEC column[6], y[4];
        for (int a = 0; a < points; a++) column[a] = t[a][j];
        OUTPUT_TRANSFORM(points, column, y);
        for (int i = 0; i < 4; i++) {
            VEC biased = y[i] + shift;
            if (rectifies) biased = (VEC)((VINT)biased & ~(biased < 0));
            WINOGRAD_FUNCTION(store_)(out + i * row + j * pixel, biased);
        }
    }
}

// D = A ȳ Aᵀ of the 4x4 tile whose pixel (i, j) is at `tile + i * row + j * pixel`, into
// positions `points · a + b`, `position` floats apart from `d`.
static inline __attribute__((always_inline, target(TARGET)))
void WINOGRAD_FUNCTION(gradient_tile_)(const float *tile, ptrdiff_t row, ptrdiff_t pixel, float *d,
                                       ptrdiff_t position, int points) {
    VEC t[4][6];
    for (int i = 0; i < 4; i++) {
        VEC y[4];
        for (int k = 0; k < 4; k++) y[k] = WINOGRAD_FUNCTION(load_)(tile + i * row + k * pixel);
        GRADIENT_TRANSFORM(points, y, t[i]);
    }
    for (int b = 0; b < points; b++) {
        VEC column[4] = {t[0][b], t[1][b], t[2][b], t[3][b]}, out[6];
        GRADIENT_TRANSFORM(points, column, out);
        for (int a = 0; a < points; a++) WINOGRAD_FUNCTION(store_)(d + (points * a + b) * position, out[a]);
    }
}

// MARK: - Polyphase F(4x4, 2x2)

// V = T d Tᵀ of the 10x10 patch whose pixel (s, t) is at `patch + s * row + t * pixel`: index
// (a, b) to position 5 (a % 5) + b % 5, phase 2 (a / 5) + b / 5, at `v + position * position_stride
// + phase * phase_stride`.
static inline __attribute__((always_inline, target(TARGET)))
void WINOGRAD_FUNCTION(phase_input_tile_)(const float *patch, ptrdiff_t row, ptrdiff_t pixel, float *v,
                                          ptrdiff_t position, ptrdiff_t phase) {
    VEC t[10][10];
    for (int s = 0; s < 10; s++) {
        const float *p = patch + s * row;
        VEC d[10];
        for (int k = 0; k < 10; k++) d[k] = WINOGRAD_FUNCTION(load_)(p + k * pixel);
        PHASE_INPUT_TRANSFORM(d[0], d[2], d[4], d[6], d[8], t[s]);
        PHASE_INPUT_TRANSFORM(d[1], d[3], d[5], d[7], d[9], t[s] + 5);
    }
    for (int b = 0; b < 10; b++) {
        VEC out[10];
        PHASE_INPUT_TRANSFORM(t[0][b], t[2][b], t[4][b], t[6][b], t[8][b], out);
        PHASE_INPUT_TRANSFORM(t[1][b], t[3][b], t[5][b], t[7][b], t[9][b], out + 5);
        for (int a = 0; a < 10; a++) {
            float *target = v + (5 * (a % 5) + b % 5) * position + (2 * (a / 5) + b / 5) * phase;
            WINOGRAD_FUNCTION(store_)(target, out[a]);
        }
    }
}

// The adjoint of phase_input_tile_: the tile's 100 values (laid out as phase_input_tile_ writes
// them) taken back onto its 10x10 patch and added to what the patch holds.
static inline __attribute__((always_inline, target(TARGET)))
void WINOGRAD_FUNCTION(phase_input_adjoint_tile_)(const float *v, ptrdiff_t position, ptrdiff_t phase,
                                                  float *patch, ptrdiff_t row, ptrdiff_t pixel) {
    VEC t[10][10];
    for (int b = 0; b < 10; b++) {
        VEC taken[10], back[10];
        for (int a = 0; a < 10; a++) {
            taken[a] = WINOGRAD_FUNCTION(load_)(v + (5 * (a % 5) + b % 5) * position + (2 * (a / 5) + b / 5) * phase);
        }
        // The odd phase's values go to even patch rows, the even phase's to odd ones.
        PHASE_INPUT_ADJOINT(taken[0], taken[1], taken[2], taken[3], taken[4], back);
        PHASE_INPUT_ADJOINT(taken[5], taken[6], taken[7], taken[8], taken[9], back + 5);
        for (int k = 0; k < 5; k++) {
            t[2 * k][b] = back[k];
            t[2 * k + 1][b] = back[5 + k];
        }
    }
    for (int s = 0; s < 10; s++) {
        VEC back[10];
        PHASE_INPUT_ADJOINT(t[s][0], t[s][1], t[s][2], t[s][3], t[s][4], back);
        PHASE_INPUT_ADJOINT(t[s][5], t[s][6], t[s][7], t[s][8], t[s][9], back + 5);
        float *p = patch + s * row;
        for (int k = 0; k < 5; k++) {
            float *even = p + 2 * k * pixel, *odd = p + (2 * k + 1) * pixel;
            WINOGRAD_FUNCTION(store_)(even, WINOGRAD_FUNCTION(load_)(even) + back[k]);
            WINOGRAD_FUNCTION(store_)(odd, WINOGRAD_FUNCTION(load_)(odd) + back[5 + k]);
        }
    }
}

#undef WINOGRAD_FUNCTION
#undef WINOGRAD_CAT
#undef WINOGRAD_CAT_
