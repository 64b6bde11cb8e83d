/* genjpeg: writes the JPEG fixtures of imaging's viewer tests with libjpeg(-turbo), for what Go's
 * encoder cannot write: every chroma subsampling, progressive scans, CMYK, YCCK and RGB.
 *
 *   cc -O2 -o /tmp/genjpeg genjpeg.c -ljpeg && /tmp/genjpeg .     (from this directory)
 *
 * Each file is the 48x32 quadrant scene of imagetest.Quadrants: white, red (230,40,40),
 * near-black (20,20,20), blue (40,40,230), quality 95. CMYK is stored as Adobe applications do,
 * inverted (255 = no ink), with the Adobe APP14 marker libjpeg writes for CMYK and YCCK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#define W 48
#define H 32

static const unsigned char colours[4][3] = {{255, 255, 255}, {230, 40, 40}, {20, 20, 20}, {40, 40, 230}};

static const unsigned char *scene(int x, int y) { return colours[(x >= W / 2) + 2 * (y >= H / 2)]; }

/* rgb_to_inverted_cmyk follows Go's color.RGBToCMYK, then inverts as Adobe stores CMYK. */
static void rgb_to_inverted_cmyk(const unsigned char *rgb, unsigned char *out) {
    int r = rgb[0], g = rgb[1], b = rgb[2];
    int w = r > g ? r : g;
    w = w > b ? w : b;
    int c = 0, m = 0, ye = 0, k = 255;
    if (w > 0) {
        c = (w - r) * 255 / w;
        m = (w - g) * 255 / w;
        ye = (w - b) * 255 / w;
        k = 255 - w;
    }
    out[0] = 255 - c, out[1] = 255 - m, out[2] = 255 - ye, out[3] = 255 - k;
}

struct spec {
    const char *name;
    J_COLOR_SPACE in, out;
    int h0, v0; /* sampling factors of the first component; the others are 1x1 */
    int progressive;
};

static void write(const char *dir, const struct spec *s) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, s->name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = W, c.image_height = H;
    c.in_color_space = s->in;
    c.input_components = s->in == JCS_CMYK ? 4 : s->in == JCS_GRAYSCALE ? 1 : 3;
    jpeg_set_defaults(&c);
    jpeg_set_colorspace(&c, s->out);
    jpeg_set_quality(&c, 95, TRUE);
    for (int i = 0; i < c.num_components; i++) {
        c.comp_info[i].h_samp_factor = i == 0 || i == 3 ? s->h0 : 1;
        c.comp_info[i].v_samp_factor = i == 0 || i == 3 ? s->v0 : 1;
    }
    if (s->progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    unsigned char row[W * 4];
    while (c.next_scanline < H) {
        int y = c.next_scanline;
        for (int x = 0; x < W; x++) {
            const unsigned char *rgb = scene(x, y);
            if (s->in == JCS_CMYK)
                rgb_to_inverted_cmyk(rgb, row + 4 * x);
            else if (s->in == JCS_GRAYSCALE)
                row[x] = (unsigned char)((19595 * rgb[0] + 38470 * rgb[1] + 7471 * rgb[2] + (1 << 15)) >> 16);
            else
                memcpy(row + 3 * x, rgb, 3);
        }
        JSAMPROW rows[1] = {row};
        jpeg_write_scanlines(&c, rows, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    static const struct spec specs[] = {
        {"ycbcr-444.jpg", JCS_RGB, JCS_YCbCr, 1, 1, 0},
        {"ycbcr-422.jpg", JCS_RGB, JCS_YCbCr, 2, 1, 0},
        {"ycbcr-420.jpg", JCS_RGB, JCS_YCbCr, 2, 2, 0},
        {"ycbcr-440.jpg", JCS_RGB, JCS_YCbCr, 1, 2, 0},
        {"ycbcr-411.jpg", JCS_RGB, JCS_YCbCr, 4, 1, 0},
        {"ycbcr-410.jpg", JCS_RGB, JCS_YCbCr, 4, 2, 0},
        {"ycbcr-420-progressive.jpg", JCS_RGB, JCS_YCbCr, 2, 2, 1},
        {"gray-progressive.jpg", JCS_GRAYSCALE, JCS_GRAYSCALE, 1, 1, 1},
        {"cmyk.jpg", JCS_CMYK, JCS_CMYK, 1, 1, 0},
        {"ycck.jpg", JCS_CMYK, JCS_YCCK, 1, 1, 0},
        {"ycck-progressive.jpg", JCS_CMYK, JCS_YCCK, 2, 2, 1},
        {"rgb.jpg", JCS_RGB, JCS_RGB, 1, 1, 0},
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) write(dir, &specs[i]);
    return 0;
}
