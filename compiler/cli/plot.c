/* plot.c — plots with cairo (plot.h): a frame with ticked axes, the
 * data drawn inside it, the image written atomically as PNG, SVG or PDF
 * by the path's suffix.
 * requires: samples or points in memory; nothing of the compiler.
 * leaves: a complete image at the path, or no new file and a message.
 * Text uses cairo's toy font API: without fonts installed the labels
 * are missing but the plot is still drawn. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <fftw3.h>

#include "dpm.h"
#include "plot.h"
#include "../runtime/rt.h"

enum {
	ML = 80, MR = 24, MT = 34, MB = 50,    /* margins around the data area */
	MR_BAR = 90,                           /* the right margin with a colour bar */
	MAXTICK = 32,
	NFFT = 2048, HOP = 512, NBIN = NFFT / 2 + 1,
};
#define DB_RANGE 90.0    /* the spectrogram's colours span this many dB */
#define PI 3.14159265358979323846

typedef struct Axis {
	double lo, hi;
	int log;             /* log10 scale; lo > 0 */
	int kilo;            /* labels of 1000 and up as "2k" */
} Axis;

typedef struct Put Put;
typedef struct Plot {
	cairo_surface_t *s;
	cairo_t *cr;
	double x0, y0, w, h;    /* the data area, in pixels */
	Put *out;               /* SVG and PDF: written while drawn */
} Plot;

static int
fail(char *err, int errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, (size_t)errsz, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- axes ---- */

/* Where v falls on a, 0 at lo and 1 at hi. */
static double
pos(const Axis *a, double v)
{
	if (a->log)
		return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	return (v - a->lo) / (a->hi - a->lo);
}

static double
px(const Plot *p, const Axis *a, double v)
{
	return p->x0 + pos(a, v) * p->w;
}

static double
py(const Plot *p, const Axis *a, double v)
{
	return p->y0 + (1 - pos(a, v)) * p->h;
}

/* 1, 2 or 5 times a power of ten, so that span has at most about n steps. */
static double
nice_step(double span, int n)
{
	double raw = span / n, e = pow(10, floor(log10(raw))), m = raw / e;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e;
}

static int
linear_ticks(const Axis *a, double *t, double *step)
{
	double s = nice_step(a->hi - a->lo, 8), v;
	int n = 0;

	*step = s;
	for (v = ceil(a->lo / s - 1e-9) * s; v <= a->hi + s * 1e-9 && n < MAXTICK; v += s)
		t[n++] = fabs(v) < s * 1e-9 ? 0 : v;
	return n;
}

/* Ticks of a log axis: the decades; with too few, 1-2-5 in each, then
 * 1 to 9; with still too few (less than a decade), linear ones. */
static int
log_ticks(const Axis *a, double *t, double *step)
{
	static const double m[3][10] = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
	static const int nm[3] = {1, 3, 9};
	int d0 = (int)floor(log10(a->lo)), d1 = (int)ceil(log10(a->hi));
	int s, d, i, n, every = (d1 - d0) / 10 + 1;
	double v;

	for (s = 0; s < 3; s++) {
		n = 0;
		for (d = d0; d <= d1; d += s ? 1 : every)
			for (i = 0; i < nm[s] && n < MAXTICK; i++) {
				v = m[s][i] * pow(10, d);
				if (v >= a->lo * (1 - 1e-9) && v <= a->hi * (1 + 1e-9))
					t[n++] = v;
			}
		if (n >= 3 && n <= 12) {
			*step = 0;
			return n;
		}
	}
	return linear_ticks(a, t, step);
}

/* v as a tick label: as few digits as the step between ticks needs
 * (step 0: a log axis, whose ticks have one or two significant digits). */
static void
tick_label(char *buf, size_t n, double v, double step, int kilo)
{
	int dec, dig;

	if (kilo && v >= 1000) {
		tick_label(buf, n - 1, v / 1000, step / 1000, 0);
		strcat(buf, "k");
	} else if (step == 0)
		snprintf(buf, n, "%g", v);
	else if (v == 0)
		snprintf(buf, n, "0");
	else if (fabs(v) >= 1e-3 && fabs(v) < 1e7) {
		dec = (int)-floor(log10(step) + 1e-9);
		snprintf(buf, n, "%.*f", dec > 0 ? dec : 0, v);
	} else {
		dig = (int)floor(log10(fabs(v))) - (int)floor(log10(step) + 1e-9) + 1;
		snprintf(buf, n, "%.*g", dig < 1 ? 1 : dig > 15 ? 15 : dig, v);
	}
}

/* s at (x, y), ax and ay saying which point of its box that is:
 * 0 left/top, 0.5 centre, 1 right/bottom. */
static void
text(cairo_t *cr, double x, double y, const char *s, double ax, double ay)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - e.x_bearing - ax * e.width, y - e.y_bearing - ay * e.height);
	cairo_show_text(cr, s);
}

static void
font(cairo_t *cr, double size, int bold)
{
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	                       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

/* Ticks with labels on both axes, the axis names, and with grid a
 * light line across the data area at each tick. */
static void
axes(Plot *p, const Axis *x, const Axis *y, const char *xname, const char *yname, int grid)
{
	cairo_t *cr = p->cr;
	double t[MAXTICK], step, v;
	char lab[40];
	int i, n;

	font(cr, 12, 0);
	cairo_set_line_width(cr, 1);
	n = x->log ? log_ticks(x, t, &step) : linear_ticks(x, t, &step);
	for (i = 0; i < n; i++) {
		v = floor(px(p, x, t[i])) + 0.5;
		if (grid) {
			cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
			cairo_move_to(cr, v, p->y0);
			cairo_line_to(cr, v, p->y0 + p->h);
			cairo_stroke(cr);
		}
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, v, p->y0 + p->h);
		cairo_line_to(cr, v, p->y0 + p->h + 5);
		cairo_stroke(cr);
		tick_label(lab, sizeof lab, t[i], step, x->kilo);
		text(cr, v, p->y0 + p->h + 8, lab, 0.5, 0);
	}
	n = y->log ? log_ticks(y, t, &step) : linear_ticks(y, t, &step);
	for (i = 0; i < n; i++) {
		v = floor(py(p, y, t[i])) + 0.5;
		if (grid) {
			cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
			cairo_move_to(cr, p->x0, v);
			cairo_line_to(cr, p->x0 + p->w, v);
			cairo_stroke(cr);
		}
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, p->x0 - 5, v);
		cairo_line_to(cr, p->x0, v);
		cairo_stroke(cr);
		tick_label(lab, sizeof lab, t[i], step, y->kilo);
		text(cr, p->x0 - 8, v, lab, 1, 0.5);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	text(cr, p->x0 + p->w / 2, PLOT_HEIGHT - 6, xname, 0.5, 1);
	cairo_save(cr);
	cairo_translate(cr, 14, p->y0 + p->h / 2);
	cairo_rotate(cr, -PI / 2);
	text(cr, 0, 0, yname, 0.5, 0.5);
	cairo_restore(cr);
}

static void
frame_box(Plot *p)
{
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_set_line_width(p->cr, 1);
	cairo_rectangle(p->cr, p->x0 - 0.5, p->y0 - 0.5, p->w + 1, p->h + 1);
	cairo_stroke(p->cr);
}

/* ---- the image ---- */

struct Put {
	RtOut out;
	char err[1024];
};

static cairo_status_t
put(void *u, const unsigned char *data, unsigned int n)
{
	Put *p = u;
	return rt_out_write(&p->out, data, n, p->err, sizeof p->err) == 0
	       ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* The format of path by its suffix (any case): 'p'ng, 's'vg, pdf 'd';
 * a device or "-" (stdout) takes PNG; 0 for anything else. */
static int
kind(const char *path)
{
	static const char sfx[][5] = {".png", ".svg", ".pdf"};
	size_t n = strlen(path);
	int i, j;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < 4 && n >= 4 && (path[n - 4 + j] | 0x20) == sfx[i][j]; j++)
			;
		if (j == 4)
			return "psd"[i];
	}
	return !strcmp(path, "-") || !strncmp(path, "/dev/", 5) ? 'p' : 0;
}

/* A white image with the title, drawn for path (whose suffix chose the
 * format: plot.h); right: the right margin. */
static int
begin(Plot *p, const char *path, const char *title, int right, char *err, int errsz)
{
	const int k = kind(path);

	p->out = NULL;
	if (!k)
		return fail(err, errsz, "'%s': a plot is written as PNG, SVG or PDF, chosen by the "
		            "name's suffix; name it FILE.png, FILE.svg or FILE.pdf", path);
	if (k == 'p') {
		p->s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, PLOT_WIDTH, PLOT_HEIGHT);
	} else {
		p->out = mem_alloc(sizeof *p->out);
		p->out->err[0] = 0;
		if (rt_out_open(&p->out->out, path, 0666, err, errsz) != 0) {
			mem_free(p->out);
			return -1;
		}
		/* (points for pixels: the same layout, 1000 x 400 pt) */
		p->s = k == 's' ? cairo_svg_surface_create_for_stream(put, p->out, PLOT_WIDTH, PLOT_HEIGHT)
		                : cairo_pdf_surface_create_for_stream(put, p->out, PLOT_WIDTH, PLOT_HEIGHT);
	}
	p->cr = cairo_create(p->s);
	if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
		fail(err, errsz, "cannot draw a plot: %s", cairo_status_to_string(cairo_status(p->cr)));
		cairo_destroy(p->cr);
		cairo_surface_destroy(p->s);
		if (p->out) {
			rt_out_abort(&p->out->out);
			mem_free(p->out);
		}
		return -1;
	}
	p->x0 = ML;
	p->y0 = MT;
	p->w = PLOT_WIDTH - ML - right;
	p->h = PLOT_HEIGHT - MT - MB;
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_paint(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	font(p->cr, 14, 1);
	text(p->cr, p->x0 + p->w / 2, 10, title ? title : "", 0.5, 0);
	return 0;
}

/* Write the image to path through rt_out_open (SVG and PDF: end the
 * stream opened by begin), then free it. */
static int
finish(Plot *p, const char *path, char *err, int errsz)
{
	cairo_status_t st = cairo_status(p->cr);
	Put *w = p->out ? p->out : mem_alloc(sizeof *w);
	int r = -1;

	if (p->out) {
		cairo_destroy(p->cr);
		cairo_surface_finish(p->s);    /* the rest of the file, through put */
		if (st == CAIRO_STATUS_SUCCESS)
			st = cairo_surface_status(p->s);
		cairo_surface_destroy(p->s);
		if (st != CAIRO_STATUS_SUCCESS) {
			fail(err, errsz, "cannot write the plot '%s': %s", path,
			     w->err[0] ? w->err : cairo_status_to_string(st));
			rt_out_abort(&w->out);
		} else
			r = rt_out_close(&w->out, err, errsz);
		mem_free(w);
		return r;
	}
	w->err[0] = 0;
	cairo_surface_flush(p->s);
	if (st != CAIRO_STATUS_SUCCESS)
		fail(err, errsz, "cannot draw the plot for '%s': %s", path, cairo_status_to_string(st));
	else if (rt_out_open(&w->out, path, 0666, err, errsz) == 0) {
		st = cairo_surface_write_to_png_stream(p->s, put, w);
		if (st != CAIRO_STATUS_SUCCESS) {
			fail(err, errsz, "%s", w->err[0] ? w->err : cairo_status_to_string(st));
			rt_out_abort(&w->out);
		} else
			r = rt_out_close(&w->out, err, errsz);
	}
	mem_free(w);
	cairo_destroy(p->cr);
	cairo_surface_destroy(p->s);
	return r;
}

/* ---- the waveform ---- */

/* Each pixel column a bar from the smallest to the largest sample under
 * it; a silent stretch is a one-pixel line at 0. */
static void
envelope(Plot *p, const Axis *y, const double *x, long n)
{
	int c, w = (int)p->w, any;
	long i, i0, i1;
	double lo, hi, ya, yb;

	cairo_set_source_rgb(p->cr, 0.12, 0.35, 0.70);
	for (c = 0; c < w; c++) {
		i0 = (long)((double)c * (double)n / w);
		i1 = (long)((double)(c + 1) * (double)n / w);
		if (i1 <= i0)
			i1 = i0 + 1;
		if (i1 > n)
			i1 = n;
		lo = HUGE_VAL;
		hi = -HUGE_VAL;
		for (any = 0, i = i0; i < i1; i++)
			if (isfinite(x[i])) {
				lo = fmin(lo, x[i]);
				hi = fmax(hi, x[i]);
				any = 1;
			}
		if (!any)
			continue;
		ya = floor(py(p, y, hi));    /* whole pixels: crisp edges */
		yb = ceil(py(p, y, lo));
		if (yb - ya < 1)
			yb = ya + 1;
		cairo_rectangle(p->cr, p->x0 + c, ya, 1, yb - ya);
	}
	cairo_fill(p->cr);
}

/* Few samples for the width: a line through them, broken where one is
 * not finite. */
static void
polyline(Plot *p, const Axis *t, const Axis *y, const double *x, long n, double rate)
{
	long i;
	int pen = 0;

	cairo_set_source_rgb(p->cr, 0.12, 0.35, 0.70);
	cairo_set_line_width(p->cr, 1.5);
	for (i = 0; i < n; i++) {
		if (!isfinite(x[i]))
			pen = 0;
		else if (pen)
			cairo_line_to(p->cr, px(p, t, i / rate), py(p, y, x[i]));
		else {
			cairo_move_to(p->cr, px(p, t, i / rate), py(p, y, x[i]));
			pen = 1;
		}
	}
	cairo_stroke(p->cr);
	if (n == 1 && isfinite(x[0])) {    /* one sample: a dot */
		cairo_arc(p->cr, px(p, t, 0), py(p, y, x[0]), 2.5, 0, 2 * PI);
		cairo_fill(p->cr);
	}
}

/* The largest finite |x|; -1 when no sample is finite. */
static double
peak(const double *x, long n)
{
	double m = -1;
	long i;

	for (i = 0; i < n; i++)
		if (isfinite(x[i]) && fabs(x[i]) > m)
			m = fabs(x[i]);
	return m;
}

int
plot_wave(const char *path, const double *x, long n, double rate, const char *title, char *err, int errsz)
{
	Plot p;
	Axis tx = {0, 0, 0, 0}, ay = {0, 0, 0, 0};
	double m;

	if (n < 1 || !(rate > 0))
		return fail(err, errsz, "nothing to plot: no samples");
	if ((m = peak(x, n)) < 0)
		return fail(err, errsz, "nothing to plot: no sample is a finite number");
	if (m == 0)
		m = 1;
	tx.hi = (double)n / rate;
	ay.lo = -1.05 * m;
	ay.hi = 1.05 * m;
	if (begin(&p, path, title, MR, err, errsz) < 0)
		return -1;
	axes(&p, &tx, &ay, "time (s)", "amplitude", 1);
	cairo_set_source_rgb(p.cr, 0.6, 0.6, 0.6);
	cairo_move_to(p.cr, p.x0, floor(py(&p, &ay, 0)) + 0.5);
	cairo_line_to(p.cr, p.x0 + p.w, floor(py(&p, &ay, 0)) + 0.5);
	cairo_stroke(p.cr);
	if (n < 2 * (long)p.w)
		polyline(&p, &tx, &ay, x, n, rate);
	else
		envelope(&p, &ay, x, n);
	frame_box(&p);
	return finish(&p, path, err, errsz);
}

/* ---- the spectrogram ---- */

/* A perceptually even dark-to-light map (after matplotlib's "inferno"),
 * t in [0, 1], as cairo's RGB24 pixel. */
static uint32_t
colour(double t)
{
	static const double k[5][3] = {
		{0, 0, 4}, {87, 16, 110}, {188, 55, 84}, {249, 142, 9}, {252, 255, 164},
	};
	double u;
	int i, c;
	uint32_t px = 0;

	t = !(t > 0) ? 0 : t > 1 ? 1 : t;    /* NaN too */
	i = t >= 1 ? 3 : (int)(t * 4);
	u = t * 4 - i;
	for (c = 0; c < 3; c++)
		px = px << 8 | (uint32_t)(k[i][c] + u * (k[i + 1][c] - k[i][c]) + 0.5);
	return px;
}

/* The STFT's frames, each reduced to one column of level in dB (the
 * loudest frame under the column). */
typedef struct Stft {
	double *in, *win;
	fftw_complex *out;
	fftw_plan plan;
} Stft;

/* Frame f's power per bin, in dB, raised into col[] where louder. */
static void
frame_db(Stft *s, const double *x, long n, long f, float *col)
{
	long i, at = f * HOP;
	double p, v;

	for (i = 0; i < NFFT; i++) {
		v = at + i < n ? x[at + i] : 0;
		s->in[i] = isfinite(v) ? v * s->win[i] : 0;
	}
	fftw_execute(s->plan);
	for (i = 0; i < NBIN; i++) {
		p = s->out[i][0] * s->out[i][0] + s->out[i][1] * s->out[i][1];
		v = 10 * log10(p + 1e-300);
		if (v > col[i])
			col[i] = (float)v;
	}
}

/* cols: w columns of NBIN levels; the loudest level is returned. */
static double
stft_columns(const double *x, long n, int w, float *cols)
{
	Stft s;
	/* whole frames only: a last one cut by the end would smear its
	 * energy over every bin (a short render is one padded frame) */
	long f, f0, f1, nf = n <= NFFT ? 1 : 1 + (n - NFFT) / HOP;
	double top = -HUGE_VAL;
	int c, i;

	s.in = fftw_alloc_real(NFFT);
	s.out = fftw_alloc_complex(NBIN);
	s.win = mem_alloc(sizeof(double) * NFFT);
	for (i = 0; i < NFFT; i++)
		s.win[i] = 0.5 - 0.5 * cos(2 * PI * i / NFFT);    /* periodic Hann */
	s.plan = fftw_plan_dft_r2c_1d(NFFT, s.in, s.out, FFTW_ESTIMATE);
	for (c = 0; c < w; c++) {
		float *col = cols + (size_t)c * NBIN;
		for (i = 0; i < NBIN; i++)
			col[i] = -HUGE_VALF;
		f0 = (long)((double)c * (double)nf / w);
		f1 = (long)((double)(c + 1) * (double)nf / w);
		if (f1 <= f0)
			f1 = f0 + 1;
		for (f = f0; f < f1 && f < nf; f++)
			frame_db(&s, x, n, f, col);
		for (i = 1; i < NBIN; i++)
			top = fmax(top, col[i]);
	}
	fftw_destroy_plan(s.plan);
	fftw_free(s.in);
	fftw_free(s.out);
	mem_free(s.win);
	return top;
}

/* The data area as an image: column c from cols, row y the loudest bin
 * in the band of frequencies the row covers on the log axis fy. */
static void
paint_levels(Plot *p, const Axis *fy, const float *cols, double top, double rate)
{
	int w = (int)p->w, h = (int)p->h, c, y, stride;
	long b, b0, b1;
	double lo = log10(fy->lo), span = log10(fy->hi) - lo, v;
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	unsigned char *data;

	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		return;    /* cairo_status(p->cr) stays fine; finish writes the frame */
	}
	cairo_surface_flush(img);
	data = cairo_image_surface_get_data(img);
	stride = cairo_image_surface_get_stride(img);
	for (y = 0; y < h; y++) {
		b0 = lround(pow(10, lo + span * (h - 1 - y) / h) * NFFT / rate);
		b1 = lround(pow(10, lo + span * (h - y) / h) * NFFT / rate);
		b0 = b0 < 1 ? 1 : b0 > NBIN - 1 ? NBIN - 1 : b0;
		b1 = b1 < b0 ? b0 : b1 > NBIN - 1 ? NBIN - 1 : b1;
		for (c = 0; c < w; c++) {
			for (v = -HUGE_VAL, b = b0; b <= b1; b++)
				v = fmax(v, cols[(size_t)c * NBIN + (size_t)b]);
			((uint32_t *)(void *)(data + (size_t)y * (size_t)stride))[c] =
				colour((v - (top - DB_RANGE)) / DB_RANGE);
		}
	}
	cairo_surface_mark_dirty(img);
	cairo_set_source_surface(p->cr, img, p->x0, p->y0);
	cairo_paint(p->cr);
	cairo_surface_destroy(img);
}

/* The colour bar right of the data area, labelled in dB below the top. */
static void
colour_bar(Plot *p)
{
	cairo_t *cr = p->cr;
	double x = p->x0 + p->w + 16, y, db;
	char lab[16];
	int i;

	for (i = 0; i < (int)p->h; i++) {
		uint32_t c = colour(1 - (double)i / (p->h - 1));
		cairo_set_source_rgb(cr, (c >> 16) / 255.0, (c >> 8 & 255) / 255.0, (c & 255) / 255.0);
		cairo_rectangle(cr, x, p->y0 + i, 14, 1);
		cairo_fill(cr);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, x - 0.5, p->y0 - 0.5, 15, p->h + 1);
	cairo_stroke(cr);
	font(cr, 12, 0);
	for (db = 0; db >= -DB_RANGE; db -= 20) {
		y = floor(p->y0 + -db / DB_RANGE * (p->h - 1)) + 0.5;
		cairo_move_to(cr, x + 14, y);
		cairo_line_to(cr, x + 18, y);
		cairo_stroke(cr);
		snprintf(lab, sizeof lab, "%g", db);
		text(cr, x + 21, y, lab, 0, 0.5);
	}
	text(cr, x + 21, p->y0 + p->h + 8, "dB", 0, 0);
}

int
plot_spectrogram(const char *path, const double *x, long n, double rate, const char *title, char *err, int errsz)
{
	Plot p;
	Axis tx = {0, 0, 0, 0}, fy = {0, 0, 1, 1};
	float *cols;
	double top;

	if (n < 1 || !(rate > 0))
		return fail(err, errsz, "nothing to plot: no samples");
	if (peak(x, n) <= 0)
		return fail(err, errsz, "nothing to plot: the render is silent (or not finite)");
	tx.hi = (double)n / rate;
	fy.lo = rate / NFFT;    /* the first bin above DC */
	fy.hi = rate / 2;
	if (begin(&p, path, title, MR_BAR, err, errsz) < 0)
		return -1;
	cols = mem_alloc(sizeof(float) * NBIN * (size_t)p.w);
	top = stft_columns(x, n, (int)p.w, cols);
	paint_levels(&p, &fy, cols, top, rate);
	mem_free(cols);
	axes(&p, &tx, &fy, "time (s)", "frequency (Hz)", 0);
	frame_box(&p);
	colour_bar(&p);
	return finish(&p, path, err, errsz);
}

/* ---- a curve ---- */

/* The range of the finite values of v (positive ones only with pos);
 * 0 when there is none. */
static int
range(const double *v, long n, int positive, double *lo, double *hi)
{
	long i;
	int any = 0;

	*lo = HUGE_VAL;
	*hi = -HUGE_VAL;
	for (i = 0; i < n; i++)
		if (isfinite(v[i]) && (!positive || v[i] > 0)) {
			*lo = fmin(*lo, v[i]);
			*hi = fmax(*hi, v[i]);
			any = 1;
		}
	return any;
}

/* Widen [lo, hi] by a twentieth of it each side (in log10 for a log
 * axis), and to a little around a single value. */
static void
pad(Axis *a)
{
	double l = a->log ? log10(a->lo) : a->lo, h = a->log ? log10(a->hi) : a->hi, d = (h - l) / 20;

	if (d == 0)
		d = a->log ? 0.05 : l != 0 ? fabs(l) / 20 : 1;
	l -= d;
	h += d;
	a->lo = a->log ? pow(10, l) : l;
	a->hi = a->log ? pow(10, h) : h;
}

int
plot_curve(const char *path, const double *xs, const double *ys, long n, const char *title,
           const char *xlabel, const char *ylabel, char *err, int errsz)
{
	Plot p;
	Axis ax = {0, 0, 0, 0}, ay = {0, 0, 0, 0};
	double l, h;
	long i;
	int pen = 0;

	if (n < 1 || !range(ys, n, 0, &ay.lo, &ay.hi) || !range(xs, n, 0, &ax.lo, &ax.hi))
		return fail(err, errsz, "nothing to plot: no finite values");
	/* log when every finite value is positive */
	ay.log = range(ys, n, 1, &l, &h) && l == ay.lo;
	pad(&ax);
	pad(&ay);
	if (begin(&p, path, title, MR, err, errsz) < 0)
		return -1;
	axes(&p, &ax, &ay, xlabel, ylabel, 1);
	cairo_set_source_rgb(p.cr, 0.80, 0.25, 0.10);
	cairo_set_line_width(p.cr, 1.5);
	for (i = 0; i < n; i++) {
		if (!isfinite(xs[i]) || !isfinite(ys[i])) {
			pen = 0;
			continue;
		}
		if (pen)
			cairo_line_to(p.cr, px(&p, &ax, xs[i]), py(&p, &ay, ys[i]));
		else
			cairo_move_to(p.cr, px(&p, &ax, xs[i]), py(&p, &ay, ys[i]));
		pen = 1;
	}
	cairo_stroke(p.cr);
	for (i = 0; n <= 100 && i < n; i++)    /* few points: mark each */
		if (isfinite(xs[i]) && isfinite(ys[i])) {
			cairo_arc(p.cr, px(&p, &ax, xs[i]), py(&p, &ay, ys[i]), 2.5, 0, 2 * PI);
			cairo_fill(p.cr);
		}
	frame_box(&p);
	return finish(&p, path, err, errsz);
}

void
plot_done(void)
{
	cairo_debug_reset_static_data();
}

/* Under -fsanitize=address: fontconfig (under cairo's toy text) loses a
 * few hundred bytes while it parses its configuration, once, out of our
 * reach; LeakSanitizer asks these hooks what not to report (and not to
 * list what it left out).  Leaks of ours it still reports. */
#if defined(__SANITIZE_ADDRESS__)
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";    /* a clean stderr for the tests */
}
#endif
