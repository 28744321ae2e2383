// PNG through libpng's full reading API (its simplified API converts 16-bit samples as if they
// were linear light), JPEG through libjpeg's; errors longjmp back here and become messages.
#include "CSHOTVAEImages.h"

#include <stdio.h>  // before jpeglib.h, which uses FILE
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <png.h>

static void fail(shotvae_image *image, const char *message) {
    free(image->pixels);
    image->pixels = NULL;
    snprintf(image->message, sizeof image->message, "%s", message);
}

// MARK: - PNG

typedef struct {
    const unsigned char *bytes;
    size_t count;
    size_t offset;
} png_source;

static void png_read_memory(png_structp png, png_bytep destination, size_t length) {
    png_source *source = png_get_io_ptr(png);
    if (length > source->count - source->offset) png_error(png, "the file ends inside the image (truncated)");
    memcpy(destination, source->bytes + source->offset, length);
    source->offset += length;
}

static void png_record_error(png_structp png, png_const_charp message) {
    shotvae_image *image = png_get_error_ptr(png);
    snprintf(image->message, sizeof image->message, "%s", message);
    png_longjmp(png, 1);
}

static void png_ignore_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

int shotvae_decode_png(const unsigned char *bytes, size_t count, shotvae_image *image) {
    memset(image, 0, sizeof *image);
    if (count < 8 || png_sig_cmp(bytes, 0, 8) != 0) {
        fail(image, "not a PNG file (no PNG signature)");
        return 1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, image, png_record_error, png_ignore_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, NULL, NULL);
        fail(image, "out of memory");
        return 1;
    }
    png_source source = {bytes, count, 0};
    png_bytep *rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        char message[256];
        snprintf(message, sizeof message, "%s", image->message[0] ? image->message : "unreadable PNG data");
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fail(image, message);
        return 1;
    }
    png_set_read_fn(png, &source, png_read_memory);
    png_read_info(png, info);
    const int type = png_get_color_type(png, info);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (png_get_bit_depth(png, info) == 16) png_set_scale_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    image->width = (int)png_get_image_width(png, info);
    image->height = (int)png_get_image_height(png, info);
    image->channels = png_get_channels(png, info);
    const size_t stride = png_get_rowbytes(png, info);
    if (stride != (size_t)image->width * (size_t)image->channels) png_error(png, "unexpected row layout");
    image->pixels = malloc(stride * (size_t)image->height);
    rows = malloc(sizeof(png_bytep) * (size_t)image->height);
    if (!image->pixels || !rows) png_error(png, "out of memory");
    for (int y = 0; y < image->height; y++) rows[y] = image->pixels + (size_t)y * stride;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

// MARK: - JPEG

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} jpeg_failure;

static void jpeg_record_error(j_common_ptr decoder) {
    jpeg_failure *failure = (jpeg_failure *)decoder->err;
    (*decoder->err->format_message)(decoder, failure->message);
    longjmp(failure->jump, 1);
}

// Counts warnings (a file cut short is one: libjpeg pads the missing data) without printing.
static void jpeg_count_warning(j_common_ptr decoder, int level) {
    if (level < 0) decoder->err->num_warnings++;
}

int shotvae_decode_jpeg(const unsigned char *bytes, size_t count, shotvae_image *image) {
    memset(image, 0, sizeof *image);
    if (count < 3 || bytes[0] != 0xFF || bytes[1] != 0xD8) {
        fail(image, "not a JPEG file (no start-of-image marker)");
        return 1;
    }
    struct jpeg_decompress_struct decoder;
    jpeg_failure failure;
    memset(&failure, 0, sizeof failure);
    decoder.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_record_error;
    failure.manager.emit_message = jpeg_count_warning;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&decoder);
        fail(image, failure.message[0] ? failure.message : "unreadable JPEG data");
        return 1;
    }
    jpeg_create_decompress(&decoder);
    jpeg_mem_src(&decoder, bytes, (unsigned long)count);
    jpeg_read_header(&decoder, TRUE);
    if (decoder.jpeg_color_space == JCS_CMYK || decoder.jpeg_color_space == JCS_YCCK) {
        snprintf(failure.message, sizeof failure.message, "CMYK JPEG files are not supported (convert to RGB)");
        longjmp(failure.jump, 1);
    }
    decoder.out_color_space = decoder.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&decoder);
    image->width = (int)decoder.output_width;
    image->height = (int)decoder.output_height;
    image->channels = decoder.output_components;
    const size_t stride = (size_t)image->width * (size_t)image->channels;
    image->pixels = malloc(stride * (size_t)image->height);
    if (!image->pixels) {
        snprintf(failure.message, sizeof failure.message, "out of memory");
        longjmp(failure.jump, 1);
    }
    while (decoder.output_scanline < decoder.output_height) {
        JSAMPROW row = image->pixels + (size_t)decoder.output_scanline * stride;
        jpeg_read_scanlines(&decoder, &row, 1);
    }
    jpeg_finish_decompress(&decoder);
    // A file cut short is "premature end of data", a warning that libjpeg pads over with grey.
    if (failure.manager.num_warnings > 0) {
        snprintf(failure.message, sizeof failure.message, "the file ends inside the image (truncated) or its data is corrupt");
        longjmp(failure.jump, 1);
    }
    jpeg_destroy_decompress(&decoder);
    return 0;
}

void shotvae_image_free(shotvae_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
