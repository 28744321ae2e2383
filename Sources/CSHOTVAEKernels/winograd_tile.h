// One tile's Winograd F(4x4, 3x3) transforms for one block of `LANES` channels, in the vector
// type `VEC` (clang vector extensions, so that the arithmetic reads as the formulas), compiled
// for the instruction set `TARGET`. winograd.c includes this file once per vector width; the
// formulas are those of Engine/Convolution/Winograd/Winograd+Tiles.swift.
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

// Y = Aᵀ M A of positions 6a + b (`position` floats apart from `m`), plus `shift`, then
// max(0, ·) if `rectifies` (NaN stays NaN), into output pixel (i, j) at `out + i * row + j * pixel`.
static inline __attribute__((always_inline, target(TARGET)))
void WINOGRAD_FUNCTION(output_tile_)(const float *m, ptrdiff_t position, VEC shift, bool rectifies,
                                     float *out, ptrdiff_t row, ptrdiff_t pixel) {
    VEC t[6][4];
    for (int a = 0; a < 6; a++) {
        const float *p = m + 6 * a * position;
        const VEC m0 = WINOGRAD_FUNCTION(load_)(p), m1 = WINOGRAD_FUNCTION(load_)(p + position),
                  m2 = WINOGRAD_FUNCTION(load_)(p + 2 * position), m3 = WINOGRAD_FUNCTION(load_)(p + 3 * position),
                  m4 = WINOGRAD_FUNCTION(load_)(p + 4 * position), m5 = WINOGRAD_FUNCTION(load_)(p + 5 * position);
        WINOGRAD_OUTPUT_TRANSFORM(m0, m1, m2, m3, m4, m5, t[a]);
    }
    for (int j = 0; j < 4; j++) {
        VEC y[4];
        WINOGRAD_OUTPUT_TRANSFORM(t[0][j], t[1][j], t[2][j], t[3][j], t[4][j], t[5][j], y);
        for (int i = 0; i < 4; i++) {
            VEC biased = y[i] + shift;
            if (rectifies) biased = (VEC)((VINT)biased & ~(biased < 0));
            WINOGRAD_FUNCTION(store_)(out + i * row + j * pixel, biased);
        }
    }
}

// D = A ȳ Aᵀ of the 4x4 tile whose pixel (i, j) is at `tile + i * row + j * pixel`, into
// positions 6a + b, `position` floats apart from `d`.
static inline __attribute__((always_inline, target(TARGET)))
void WINOGRAD_FUNCTION(gradient_tile_)(const float *tile, ptrdiff_t row, ptrdiff_t pixel, float *d,
                                       ptrdiff_t position) {
    VEC t[4][6];
    for (int i = 0; i < 4; i++) {
        const float *p = tile + i * row;
        const VEC y0 = WINOGRAD_FUNCTION(load_)(p), y1 = WINOGRAD_FUNCTION(load_)(p + pixel),
                  y2 = WINOGRAD_FUNCTION(load_)(p + 2 * pixel), y3 = WINOGRAD_FUNCTION(load_)(p + 3 * pixel);
        WINOGRAD_GRADIENT_TRANSFORM(y0, y1, y2, y3, t[i]);
    }
    for (int b = 0; b < 6; b++) {
        VEC out[6];
        WINOGRAD_GRADIENT_TRANSFORM(t[0][b], t[1][b], t[2][b], t[3][b], out);
        for (int a = 0; a < 6; a++) WINOGRAD_FUNCTION(store_)(d + (6 * a + b) * position, out[a]);
    }
}

#undef WINOGRAD_FUNCTION
#undef WINOGRAD_CAT
#undef WINOGRAD_CAT_
