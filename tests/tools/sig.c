/* sig.c — shared analysis code of the measurement tools (see sig.h).
 *
 * The frequency estimate is the maximiser of the windowed DTFT magnitude.
 * For one stationary sinusoid that maximiser is its frequency exactly; the
 * error comes only from the other components' leakage (the window's side
 * lobes: -92 dB for Blackman-Harris) and from the negative-frequency image,
 * which over a few seconds puts it near 1e-9 relative. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <complex.h>

#include <fftw3.h>
#include <sndfile.h>

#include "sig.h"

double *
sig_read(const char *path, int ch, long *n, double *rate)
{
	SF_INFO info;
	SNDFILE *f;
	double *all, *x;
	long i;

	memset(&info, 0, sizeof info);
	f = sf_open(path, SFM_READ, &info);
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
		return NULL;
	}
	if (ch < 0 || ch >= info.channels) {
		fprintf(stderr, "%s: no channel %d (it has %d, counted from 0)\n",
		        path, ch, info.channels);
		sf_close(f);
		return NULL;
	}
	if (info.frames <= 0) {
		fprintf(stderr, "%s: empty\n", path);
		sf_close(f);
		return NULL;
	}
	all = malloc(sizeof *all * info.frames * info.channels);
	x = malloc(sizeof *x * info.frames);
	if (!all || !x) {
		fprintf(stderr, "%s: out of memory\n", path);
		exit(1);
	}
	/* No normalisation of float data: a --raw render keeps its units. */
	sf_command(f, SFC_SET_NORM_DOUBLE, NULL, SF_FALSE);
	if ((info.format & SF_FORMAT_SUBMASK) != SF_FORMAT_FLOAT
	 && (info.format & SF_FORMAT_SUBMASK) != SF_FORMAT_DOUBLE)
		sf_command(f, SFC_SET_NORM_DOUBLE, NULL, SF_TRUE);
	if (sf_readf_double(f, all, info.frames) != info.frames) {
		fprintf(stderr, "%s: short read\n", path);
		free(all);
		free(x);
		sf_close(f);
		return NULL;
	}
	for (i = 0; i < info.frames; i++)
		x[i] = all[i * info.channels + ch];
	free(all);
	sf_close(f);
	*n = info.frames;
	*rate = info.samplerate;
	return x;
}

void
sig_window(double *w, long n)
{
	/* Harris (1978), 4-term, minimum side lobe. */
	static const double a[4] = {0.35875, 0.48829, 0.14128, 0.01168};
	long m;
	double th;

	if (n == 1) {
		w[0] = 1;
		return;
	}
	for (m = 0; m < n; m++) {
		th = 2 * SIG_PI * m / (n - 1);
		w[m] = a[0] - a[1] * cos(th) + a[2] * cos(2 * th)
		     - a[3] * cos(3 * th);
	}
}

void
sig_dtft(const double *x, long n, double nu, double *re, double *im,
         double *dre, double *dim)
{
	/* Rotate a phasor sample by sample, re-anchored to an exact cos/sin
	 * every 256 samples so the recurrence's drift stays at rounding. */
	double c = 0.5 * (n - 1), sr = 0, si = 0, dr = 0, di = 0;
	double complex e = 0, step = cexp(-2 * SIG_PI * I * nu);
	long m;

	for (m = 0; m < n; m++) {
		double t = m - c, ph;

		if ((m & 255) == 0) {
			ph = -2 * SIG_PI * nu * t;
			/* reduce the phase so cos/sin see a small argument */
			ph = fmod(ph, 2 * SIG_PI);
			e = cos(ph) + I * sin(ph);
		}
		sr += x[m] * creal(e);
		si += x[m] * cimag(e);
		dr += x[m] * t * cimag(e);
		di -= x[m] * t * creal(e);
		e *= step;
	}
	*re = sr;
	*im = si;
	if (dre)
		*dre = 2 * SIG_PI * dr;
	if (dim)
		*dim = 2 * SIG_PI * di;
}

/* d|X|^2/dnu / 2 */
static double
slope(const double *xw, long n, double nu)
{
	double re, im, dre, dim;

	sig_dtft(xw, n, nu, &re, &im, &dre, &dim);
	return re * dre + im * dim;
}

double
sig_refine(const double *xw, long n, double lo, double hi)
{
	double glo, ghi, mid, w = hi - lo;
	int i;

	glo = slope(xw, n, lo);
	ghi = slope(xw, n, hi);
	/* The coarse maximum is within a padded bin of the true one; widen
	 * a few times when it is not (a peak shouldered by a neighbour). */
	for (i = 0; i < 8 && !(glo > 0 && ghi < 0); i++) {
		if (glo <= 0) {
			lo -= w;
			glo = slope(xw, n, lo);
		}
		if (ghi >= 0) {
			hi += w;
			ghi = slope(xw, n, hi);
		}
	}
	if (!(glo > 0 && ghi < 0))
		return 0.5 * (lo + hi);
	for (i = 0; i < 200; i++) {
		mid = 0.5 * (lo + hi);
		if (mid <= lo || mid >= hi)
			break;
		if (slope(xw, n, mid) > 0)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

static int
byamp(const void *a, const void *b)
{
	const Peak *p = a, *q = b;

	return (p->amp < q->amp) - (p->amp > q->amp);
}

int
sig_peaks(const double *xw, long n, double wsum, double nu0, double nu1,
          double floordb, Peak *p, int maxp)
{
	long M = 1, nb, b, j, r, b0, b1;
	double *buf, *mag, top = 0, thr;
	fftw_complex *spec;
	fftw_plan plan;
	Peak *cand;
	int nc = 0, cap = 64, k;

	while (M < 4 * n)
		M *= 2;
	nb = M / 2 + 1;
	buf = fftw_malloc(sizeof *buf * M);
	spec = fftw_malloc(sizeof *spec * nb);
	mag = malloc(sizeof *mag * nb);
	cand = malloc(sizeof *cand * cap);
	if (!buf || !spec || !mag || !cand) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	plan = fftw_plan_dft_r2c_1d((int)M, buf, spec, FFTW_ESTIMATE);
	memcpy(buf, xw, sizeof *buf * n);
	memset(buf + n, 0, sizeof *buf * (M - n));
	fftw_execute(plan);
	for (b = 0; b < nb; b++)
		mag[b] = cabs(spec[b]);
	b0 = (long)ceil(nu0 * M);
	b1 = (long)floor(nu1 * M);
	if (b0 < 1)
		b0 = 1;
	if (b1 > nb - 2)
		b1 = nb - 2;
	for (b = b0; b <= b1; b++)
		if (mag[b] > top)
			top = mag[b];
	thr = top * pow(10, -floordb / 20);
	/* The main lobe spans +-4 unpadded bins: a maximum over that reach
	 * is one component, not a ripple on a neighbour's skirt. */
	r = (long)(4.0 * M / n);
	if (r < 1)
		r = 1;
	for (b = b0; b <= b1; b++) {
		int ismax = mag[b] > thr && mag[b] > 0;

		for (j = b - r; ismax && j <= b + r; j++)
			if (j != b && j >= 0 && j < nb && (mag[j] > mag[b]
			 || (mag[j] == mag[b] && j < b)))
				ismax = 0;
		if (!ismax)
			continue;
		if (nc == cap) {
			cap *= 2;
			cand = realloc(cand, sizeof *cand * cap);
			if (!cand) {
				fprintf(stderr, "out of memory\n");
				exit(1);
			}
		}
		cand[nc].nu = (double)b / M;
		cand[nc].amp = mag[b];
		nc++;
	}
	qsort(cand, nc, sizeof *cand, byamp);
	if (nc > maxp)
		nc = maxp;
	for (k = 0; k < nc; k++) {
		double nu = cand[k].nu, re, im;

		nu = sig_refine(xw, n, nu - 1.0 / M, nu + 1.0 / M);
		sig_dtft(xw, n, nu, &re, &im, NULL, NULL);
		p[k].nu = nu;
		/* a real sinusoid of amplitude A gives |X| = A wsum / 2 */
		p[k].amp = 2 * hypot(re, im) / wsum;
	}
	fftw_destroy_plan(plan);
	fftw_free(buf);
	fftw_free(spec);
	free(mag);
	free(cand);
	return nc;
}
