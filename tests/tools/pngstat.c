/* pngstat — what a PNG holds, read with cairo's PNG loader.
 *
 *   pngstat FILE.png
 *
 * Prints `width height ink colour`: the image's size, the number of
 * pixels that are not white, and the number that are coloured (their
 * red, green and blue differ by more than 16 of 255).  The plots of
 * compiler/cli/plot.c draw axes, ticks and text in black and grey on white
 * and only the data in colour, so `colour` counts what was plotted.
 * Exit status 1 when the file cannot be read as a PNG. */
#include <stdint.h>
#include <stdio.h>

#include <cairo.h>

int
main(int argc, char **argv)
{
	cairo_surface_t *s;
	cairo_format_t fmt;
	const unsigned char *data;
	long ink = 0, colour = 0;
	int w, h, stride, x, y, r, g, b, lo, hi;
	uint32_t p;

	if (argc != 2) {
		fprintf(stderr, "usage: pngstat FILE.png\n");
		return 2;
	}
	s = cairo_image_surface_create_from_png(argv[1]);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "pngstat: %s: %s\n", argv[1], cairo_status_to_string(cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return 1;
	}
	fmt = cairo_image_surface_get_format(s);
	if (fmt != CAIRO_FORMAT_RGB24 && fmt != CAIRO_FORMAT_ARGB32) {
		fprintf(stderr, "pngstat: %s: not an RGB image\n", argv[1]);
		cairo_surface_destroy(s);
		return 1;
	}
	w = cairo_image_surface_get_width(s);
	h = cairo_image_surface_get_height(s);
	stride = cairo_image_surface_get_stride(s);
	data = cairo_image_surface_get_data(s);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			p = ((const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride))[x];
			r = p >> 16 & 255;
			g = p >> 8 & 255;
			b = p & 255;
			lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
			hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
			ink += lo < 255;
			colour += hi - lo > 16;
		}
	printf("%d %d %ld %ld\n", w, h, ink, colour);
	cairo_surface_destroy(s);
	return 0;
}
