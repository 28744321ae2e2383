// PNG and JPEG decoding for SHOTVAE's image folders (Sources/SHOTVAE/Data/ImageFile.swift),
// through Debian's libpng 1.6 and libjpeg-turbo. Both libraries report errors with longjmp,
// which Swift cannot call across, so their calls live here, in C.
#ifndef CSHOTVAEIMAGES_H
#define CSHOTVAEIMAGES_H

#include <stddef.h>

/// A decoded image: `height` rows of `width` pixels of `channels` 8-bit samples each, row by
/// row (1 grey, 2 grey and alpha, 3 RGB, 4 RGBA), in `pixels` (malloc'ed; free it with
/// `shotvae_image_free`). On failure `pixels` is NULL and `message` says why.
typedef struct {
    int width;
    int height;
    int channels;
    unsigned char *pixels;
    char message[256];
} shotvae_image;

/// Decodes a PNG file's bytes: any bit depth (16-bit samples scaled to 8 bits), grey, grey and
/// alpha, RGB, RGBA or palette (expanded to RGB, or RGBA with a transparency chunk),
/// interlaced or not. Returns 0 on success.
int shotvae_decode_png(const unsigned char *bytes, size_t count, shotvae_image *image);

/// Decodes a JPEG file's bytes (baseline or progressive; grey stays grey, colour becomes RGB).
/// Returns 0 on success.
int shotvae_decode_jpeg(const unsigned char *bytes, size_t count, shotvae_image *image);

/// Frees the pixels of a decoded image.
void shotvae_image_free(shotvae_image *image);

#endif
