/* partials.c — the partials of a plucked or struck tone, and a first fit
 * stage that moves a model's params until its partials sit where the
 * target's do (rt.h, "partials.c").
 * requires: FFTW3, libm.  Not thread-safe: each call plans its FFT.
 *
 * Estimation.  One long Hann window from the loudest 5 ms of the tone,
 * zero-padded 4x, peaks interpolated on the log magnitude (a Gaussian
 * fit through three bins: exact for a Gaussian window, within a few
 * thousandths of a bin for Hann at this padding).  A peak counts when it
 * stands SALIENT above the local noise floor (the median of its block of
 * bins) and is not a side lobe of a louder neighbour.  The first partial
 * is the best of a grid of (f1, B) scored by a template of stiff-string
 * partials f_k = k f1 sqrt((1 + B k^2) / (1 + B)): matched peaks add
 * their level above the floor, each slot left empty below the highest
 * matched one costs MISS — so f1/2 (every other slot empty) loses to f1
 * even when the 2nd partial is the loudest, and f1 with a partial missing
 * at a node of the pluck still wins over 2 f1.  Then the series is grown
 * partial by partial, each one looked for near where the series fitted so
 * far puts it (inharmonicity bends high partials far from k f1), and the
 * final f0, B come from least squares in log f_k, outliers dropped. */
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

enum {
	TEMPLATE_K = 10,       /* slots the f1 template scores */
	MAXPEAK = 4000,
	TRACK_FRAMES = 8,      /* short-time frames of a decay track */
};

#define SALIENT 4.0        /* a peak stands 12 dB above the floor */
#define FLOOR_OVER 16.0    /* a decay track's floor: its least noise, 24 dB up */
#define MISS 1.5           /* the template's cost of an empty slot (log units) */
#define PI 3.14159265358979323846
#define FMIN 25.0
#define FMAX 2000.0
#define BMAX 3e-3          /* the largest B the template tries */
#define STRAY 0.3          /* RtPartials.stray of a tone's own series: under -10 dB */
#define WINDOW_S 0.75      /* the analysis window, at most, s */

typedef struct Peak {
	double f, amp, snr;    /* Hz, amplitude, amp over the local floor */
} Peak;

typedef struct Spec {
	Peak *pk;
	int npk;
	double fhi;            /* highest frequency peaks are looked for at */
	double res;            /* the window's resolution 1/L, Hz */
	double wsum;           /* the window's sum: amplitude = 2 |X| / wsum */
} Spec;

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The m-th smallest of a[0..n) (Hoare's select; a is reordered). */
static double
select_nth(double *a, long n, long m)
{
	long lo = 0, hi = n - 1, i, j;
	double piv, t;

	while (lo < hi) {
		piv = a[(lo + hi) / 2];
		for (i = lo, j = hi; i <= j;) {
			while (a[i] < piv)
				i++;
			while (a[j] > piv)
				j--;
			if (i <= j) {
				t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if (m <= j)
			hi = j;
		else if (m >= i)
			lo = i;
		else
			break;
	}
	return a[m];
}

/* Where the tone is loudest: the start of the 5 ms block of most energy. */
static long
onset(const double *x, long n)
{
	long blk = 220, i, best = 0;
	double e, emax = -1;

	for (i = 0; i + blk <= n || i == 0; i += blk) {
		long j, end = i + blk < n ? i + blk : n;
		for (e = 0, j = i; j < end; j++)
			e += x[j] * x[j];
		if (e > emax) {
			emax = e;
			best = i;
		}
		if (end == n)
			break;
	}
	return best;
}

/* The spectrum of x[0..L) under a Hann window as its peaks.
 * 0, or -1 when out of memory. */
static int
spectrum(const double *x, long L, double rate, Spec *s)
{
	long N = 1, nb, i, b0, blk;
	double *in, *mag, *floor_, *tmp, w, wsum = 0, lmax = 0;
	fftw_complex *out;
	fftw_plan p;
	int np = 0;

	while (N < 4 * L)
		N *= 2;
	nb = N / 2 + 1;
	in = malloc(sizeof *in * (size_t)N);
	out = malloc(sizeof *out * (size_t)nb);
	mag = malloc(sizeof *mag * (size_t)nb * 2);
	s->pk = malloc(sizeof *s->pk * MAXPEAK);
	if (!in || !out || !mag || !s->pk) {
		free(in);
		free(out);
		free(mag);
		free(s->pk);
		s->pk = NULL;
		return -1;
	}
	floor_ = mag + nb;
	rt_fftw_lock();
	p = fftw_plan_dft_r2c_1d((int)N, in, out, FFTW_ESTIMATE);
	rt_fftw_unlock();
	for (i = 0; i < N; i++) {
		w = i < L ? 0.5 - 0.5 * cos(2 * PI * (i + 0.5) / L) : 0;
		in[i] = i < L ? x[i] * w : 0;
		wsum += w;
	}
	fftw_execute(p);
	rt_fftw_lock();
	fftw_destroy_plan(p);
	rt_fftw_unlock();
	for (i = 0; i < nb; i++) {
		mag[i] = hypot(out[i][0], out[i][1]);
		lmax = fmax(lmax, mag[i]);
	}
	/* the floor: the median of each block of about 40 Hz, or 8 of the
	 * window's resolutions when it is short (a partial's main lobe, 4
	 * of them wide, fills a small part of it: in a 0.05 s target it
	 * filled 40 Hz blocks, and no partial stood above that floor), at
	 * least 100 dB under the loudest bin so a clean render's rounding is
	 * no floor */
	blk = (long)(fmax(40.0, 8.0 * rate / (double)L) * N / rate);
	blk = blk < 16 ? 16 : blk;
	tmp = floor_;        /* sorted in place, block by block */
	for (b0 = 0; b0 < nb; b0 += blk) {
		long m = b0 + blk < nb ? blk : nb - b0;
		double med;
		memcpy(tmp + b0, mag + b0, sizeof *tmp * (size_t)m);
		med = fmax(select_nth(tmp + b0, m, m / 2), lmax * 1e-5);
		for (i = b0; i < b0 + m; i++)
			tmp[i] = med;
	}
	s->res = rate / L;
	s->wsum = wsum;
	s->fhi = fmin(0.45 * rate, 16000.0);
	for (i = 2; i + 2 < nb && np < MAXPEAK; i++) {
		double a, b, c, d, f;
		if (!(mag[i] > mag[i - 1] && mag[i] >= mag[i + 1] && mag[i] > SALIENT * floor_[i]))
			continue;
		f = (double)i * rate / N;
		if (f < 0.5 * FMIN || f > s->fhi)
			continue;
		a = log(mag[i - 1]);
		b = log(mag[i]);
		c = log(mag[i + 1]);
		d = 0.5 * (a - c) / (a - 2 * b + c);
		s->pk[np].f = (i + d) * rate / N;
		s->pk[np].amp = 2 * exp(b - 0.25 * (a - c) * d) / wsum;
		s->pk[np].snr = mag[i] / floor_[i];
		np++;
	}
	/* side lobes: a peak within 6 resolution widths of one 25 dB louder
	 * is that one's leakage, not a partial */
	for (i = 0; i < np; i++) {
		int j;
		for (j = 0; j < np; j++)
			if (fabs(s->pk[j].f - s->pk[i].f) < 6 * s->res && s->pk[j].amp > 18 * s->pk[i].amp)
				break;
		if (j < np)
			s->pk[i].snr = -s->pk[i].snr;    /* marked; dropped below */
	}
	for (s->npk = 0, i = 0; i < np; i++)
		if (s->pk[i].snr > 0)
			s->pk[s->npk++] = s->pk[i];
	free(in);
	free(out);
	free(mag);
	return 0;
}

/* The mono mix of x (n frames of nch) into *mono (the caller frees it),
 * the tone's window in it (from its loudest moment, up to WINDOW_S s:
 * *start, *L) and the peaks of its spectrum there.  0, or -1 when out of
 * memory. */
static int
tone(const double *x, long n, int nch, double rate, double **mono, long *start, long *L, Spec *s)
{
	long t;
	int i;

	if (!(*mono = malloc(sizeof **mono * (size_t)n)))
		return -1;
	for (t = 0; t < n; t++) {
		double v = 0;
		for (i = 0; i < nch; i++)
			v += x[t * nch + i];
		(*mono)[t] = v;
	}
	*start = onset(*mono, n);
	*L = n - *start;
	if (*L > (long)(WINDOW_S * rate))
		*L = (long)(WINDOW_S * rate);
	/* a late peak leaves too short a window: take it from the start */
	if (*L < (long)(0.25 * rate) && n - *start < n) {
		*start = n > (long)(WINDOW_S * rate) ? n - (long)(WINDOW_S * rate) : 0;
		*start = *start > onset(*mono, n) ? onset(*mono, n) : *start;
		*L = n - *start < (long)(WINDOW_S * rate) ? n - *start : (long)(WINDOW_S * rate);
	}
	if (spectrum(*mono + *start, *L, rate, s) < 0) {
		free(*mono);
		*mono = NULL;
		return -1;
	}
	return 0;
}

/* The index of the peak nearest f (peaks are sorted by frequency). */
static int
nearest(const Spec *s, double f)
{
	int lo = 0, hi = s->npk - 1, m;

	if (s->npk == 0)
		return -1;
	while (hi - lo > 1) {
		m = (lo + hi) / 2;
		if (s->pk[m].f < f)
			lo = m;
		else
			hi = m;
	}
	return fabs(s->pk[lo].f - f) <= fabs(s->pk[hi].f - f) ? lo : hi;
}

/* The loudest peak within tol of f; -1 when none. */
static int
loudest_near(const Spec *s, double f, double tol)
{
	int i = nearest(s, f), j, best = -1;

	if (i < 0)
		return -1;
	while (i > 0 && s->pk[i - 1].f > f - tol)
		i--;
	for (j = i; j < s->npk && s->pk[j].f < f + tol; j++)
		if (fabs(s->pk[j].f - f) < tol && (best < 0 || s->pk[j].amp > s->pk[best].amp))
			best = j;
	return best;
}

static double
series(double f1, double B, int k)
{
	return k * f1 * sqrt((1 + B * k * k) / (1 + B));
}

static double
template_score(const Spec *s, double f1, double B)
{
	double sc = 0, fk, d, tol = 0.03 * f1, w;
	int k, i, miss = 0;

	for (k = 1; k <= TEMPLATE_K; k++) {
		fk = series(f1, B, k);
		if (fk > s->fhi)
			break;
		i = nearest(s, fk);
		d = i < 0 ? tol : fabs(s->pk[i].f - fk);
		if (d < tol) {
			/* lower partials weigh more: 2 f1 (the even partials, as
			 * many slots but higher up) scores below f1 */
			w = fmin(log(s->pk[i].snr), 7.0) / (1 + fk / 1000);
			sc += w * (1 - (d / tol) * (d / tol)) - MISS * miss;
			miss = 0;
		} else
			miss++;
	}
	return sc;
}

/* Weighted least squares of log(f_k / k) = log f0 + log(1 + B k^2) / 2
 * over the n partials (k, f, w): Gauss-Newton from *f0, *B; B is held
 * when fitb is 0.  B stays in [0, 0.05]. */
static void
fit_series(const int *k, const double *f, const double *w, int n, int fitb, double *f0, double *B)
{
	double c = log(*f0), b = *B, a11, a12, a22, r1, r2, det, y, g, e;
	int it, i;

	for (it = 0; it < 8; it++) {
		a11 = a12 = a22 = r1 = r2 = 0;
		for (i = 0; i < n; i++) {
			double kk = (double)k[i] * k[i];
			y = log(f[i] / k[i]);
			e = y - c - 0.5 * log1p(b * kk);
			g = 0.5 * kk / (1 + b * kk);
			a11 += w[i];
			a12 += w[i] * g;
			a22 += w[i] * g * g;
			r1 += w[i] * e;
			r2 += w[i] * e * g;
		}
		if (a11 <= 0)
			return;
		det = a11 * a22 - a12 * a12;
		if (!fitb || det <= 1e-12 * a11 * a22) {
			c += r1 / a11;
		} else {
			c += (a22 * r1 - a12 * r2) / det;
			b += (a11 * r2 - a12 * r1) / det;
			b = b < 0 ? 0 : b > 0.05 ? 0.05 : b;
		}
	}
	*f0 = exp(c);
	*B = b;
}

static double
cents(double f, double ref)
{
	return 1200 * log2(f / ref);
}

/* The amplitude of x[0..len) at w0 rad/sample, through a Hann window:
 * the window and the carrier as rotating phasors. */
static double
demod(const double *x, long len, double w0)
{
	double re = 0, im = 0, ws = 0, w, tr;
	double cr = cos(w0), ci = -sin(w0), pr = 1, pi_ = 0;
	double hr = cos(2 * PI / len), hi = sin(2 * PI / len);
	double qr = cos(PI / len), qi = sin(PI / len);
	long i;

	for (i = 0; i < len; i++) {
		w = 0.5 - 0.5 * qr;      /* qr = cos(2 pi (i + 0.5) / len) */
		re += w * x[i] * pr;
		im += w * x[i] * pi_;
		ws += w;
		tr = pr * cr - pi_ * ci;
		pi_ = pr * ci + pi_ * cr;
		pr = tr;
		tr = qr * hr - qi * hi;
		qi = qr * hi + qi * hr;
		qr = tr;
	}
	return 2 * hypot(re, im) / ws;
}

/* Decay rates of the partials found, from short-time amplitudes: a Hann
 * frame of 4 periods of f1 (its main lobe clear of the neighbours)
 * demodulated at each partial, at TRACK_FRAMES times over x[0..L); the
 * slope of log amplitude over time, while it stands above the floor and
 * until it falls 60 dB.  The floor is the least of what the frames hold
 * where the partial's main lobe ends (2 bins off, half way to the
 * neighbours; none when x is too short for the frame, whose bins are then
 * the neighbours'), FLOOR_OVER times: a recording's noise, whose level would
 * otherwise flatten the tracks of the quiet partials and lengthen their
 * decays.  (The least: a louder neighbour's leakage there dies away, the
 * noise does not; the least of 16 draws of noise is about 13 dB under
 * its rms, so the floor is about 10 dB over it.) */
static void
decays(const double *x, long L, double rate, RtPartials *p)
{
	long len = (long)(4 * rate / p->f1), hop, t0;
	double ta[TRACK_FRAMES], la[TRACK_FRAMES], a[TRACK_FRAMES];
	double dw, w0, st, sx, sy, sxx, sxy, nf;
	int k, j, m, clear = 1;

	if (len > L / 2) {
		len = L / 2;
		clear = 0;    /* the neighbours' main lobes reach the floor's bins */
	}
	if (len < 16)
		return;
	hop = (L - len) / (TRACK_FRAMES - 1);
	if (hop < 1)
		return;
	dw = 4 * PI / len;     /* 2 bins: where the main lobe ends */
	for (k = 0; k < p->K; k++) {
		if (p->f[k] <= 0)
			continue;
		w0 = 2 * PI * p->f[k] / rate;
		for (nf = HUGE_VAL, j = 0; j < TRACK_FRAMES; j++) {
			t0 = j * hop;
			a[j] = demod(x + t0, len, w0);
			if (w0 - dw > 0)
				nf = fmin(nf, demod(x + t0, len, w0 - dw));
			if (w0 + dw < PI)
				nf = fmin(nf, demod(x + t0, len, w0 + dw));
		}
		nf = clear && nf < HUGE_VAL ? FLOOR_OVER * nf : 0;
		for (m = 0, j = 0; j < TRACK_FRAMES; j++) {
			if (a[j] <= nf || a[j] <= 0)
				break;
			if (m > 0 && a[j] < 1e-3 * exp(la[0]))
				break;
			ta[m] = (j * hop + 0.5 * len) / rate;
			la[m++] = log(a[j]);
		}
		if (m < 3)
			continue;
		for (sx = sy = sxx = sxy = 0, j = 0; j < m; j++) {
			sx += ta[j];
			sy += la[j];
			sxx += ta[j] * ta[j];
			sxy += ta[j] * la[j];
		}
		st = m * sxx - sx * sx;
		if (st > 0)
			p->decay[k] = -(m * sxy - sx * sy) / st;
	}
}

int
rt_partials(const double *x, long n, int nch, double rate, double hint, double width,
            RtPartials *p, char *err, int errsz)
{
	double *mono, lo = FMIN, hi = FMAX, f1, bestsc = -1e300, bestf = 0, bestB = 0, B, f0;
	double fk[RT_PARTIALS_MAX], wk[RT_PARTIALS_MAX], tol, r[RT_PARTIALS_MAX], med;
	int kk[RT_PARTIALS_MAX], k, nk, i, miss, pass;
	long start, L, t;
	Spec s = {0};

	memset(p, 0, sizeof *p);
	if (n < 64 || nch < 1 || !(rate > 0)) {
		snprintf(err, (size_t)errsz, "too short to find partials in (%ld frames)", n);
		return -1;
	}
	if (tone(x, n, nch, rate, &mono, &start, &L, &s) < 0) {
		snprintf(err, (size_t)errsz, "out of memory");
		return -1;
	}
	if (hint > 0) {
		lo = fmax(hint / (1 + width), 0.5 * FMIN);
		hi = hint * (1 + width);
	}
	hi = fmin(hi, s.fhi);
	/* the template over a grid of f1 (0.5 % apart) and B */
	for (f1 = lo; f1 <= hi; f1 *= 1.005)
		for (B = 0; B <= BMAX; B += 8e-5) {
			double sc = template_score(&s, f1, B);
			if (sc > bestsc) {
				bestsc = sc;
				bestf = f1;
				bestB = B;
			}
		}
	/* then 0.1 % apart around the best */
	for (f1 = bestf / 1.005, hi = bestf * 1.005; bestf > 0 && f1 <= hi; f1 *= 1.001)
		for (B = fmax(bestB - 8e-5, 0); B <= bestB + 8e-5; B += 2e-5) {
			double sc = template_score(&s, f1, B);
			if (sc > bestsc) {
				bestsc = sc;
				bestf = f1;
				bestB = B;
			}
		}
	if (bestf <= 0 || bestsc <= 0) {
		snprintf(err, (size_t)errsz, "no partial series stands above the noise");
		goto fail;
	}
	/* grow the series, then look again for every partial near the fit */
	B = bestB;
	f0 = bestf / sqrt(1 + B);
	for (pass = 0; pass < 3; pass++) {
		nk = 0;
		miss = 0;
		for (k = 1; k <= RT_PARTIALS_MAX; k++) {
			double pred = k * f0 * sqrt(1 + B * k * k);
			if (pred > s.fhi || miss > 6)
				break;
			tol = pass == 0 ? 0.05 * f0 : fmax(0.02 * f0, 2 * s.res);
			tol = fmin(tol, 0.3 * f0);
			i = loudest_near(&s, pred, tol);
			if (i < 0) {
				miss++;
				continue;
			}
			miss = 0;
			kk[nk] = k;
			fk[nk] = s.pk[i].f;
			wk[nk] = fmin(s.pk[i].snr, 300);
			p->amp[k - 1] = s.pk[i].amp;
			p->snr[k - 1] = s.pk[i].snr;
			nk++;
			if (pass == 0)
				fit_series(kk, fk, wk, nk, nk >= 3 && kk[nk - 1] >= 4, &f0, &B);
		}
		if (nk < 2)
			break;
		fit_series(kk, fk, wk, nk, nk >= 3, &f0, &B);
		if (pass < 2)
			continue;
		/* the last pass drops outliers (a body resonance, another
		 * string) against the robust spread of the rest, and fits again */
		for (i = 0; i < nk; i++)
			r[i] = fabs(cents(fk[i], kk[i] * f0 * sqrt(1 + B * kk[i] * kk[i])));
		memcpy(wk + 0, r, sizeof *r * (size_t)nk);
		qsort(wk, (size_t)nk, sizeof *wk, cmp_double);
		med = wk[nk / 2];
		for (t = 0, i = 0; i < nk; i++)
			if (r[i] <= fmax(3.0, 4 * 1.48 * med)) {
				kk[t] = kk[i];
				fk[t] = fk[i];
				wk[t] = fmin(p->snr[kk[i] - 1], 300);
				t++;
			} else {
				p->amp[kk[i] - 1] = 0;
				p->snr[kk[i] - 1] = 0;
			}
		nk = (int)t;
		fit_series(kk, fk, wk, nk, nk >= 3, &f0, &B);
	}
	if (nk < 2) {
		snprintf(err, (size_t)errsz, "no partial series stands above the noise");
		goto fail;
	}
	for (k = 0; k < RT_PARTIALS_MAX; k++)
		p->f[k] = 0;
	for (i = 0; i < nk; i++) {
		double c = cents(fk[i], kk[i] * f0 * sqrt(1 + B * kk[i] * kk[i]));
		p->f[kk[i] - 1] = fk[i];
		p->rms_cents += c * c;
	}
	for (k = 0; k < RT_PARTIALS_MAX; k++)
		if (p->f[k] <= 0)
			p->amp[k] = p->snr[k] = 0;
	p->rms_cents = sqrt(p->rms_cents / nk);
	p->nfound = nk;
	p->K = kk[nk - 1];
	p->f0 = f0;
	p->B = B;
	p->f1 = f0 * sqrt(1 + B);
	p->start = start / rate;
	p->window = L / rate;
	{
		double top = 0, fk1, d;
		for (k = 0; k < RT_PARTIALS_MAX; k++)
			top = fmax(top, p->amp[k]);
		for (i = 0; i < s.npk && top > 0; i++) {
			if (s.pk[i].f < FMIN || s.pk[i].f > rt_partial_at(p, p->K) * 1.02)
				continue;
			/* the nearest slot of the series, found or predicted */
			k = (int)floor(s.pk[i].f / p->f0 + 0.5);
			for (d = HUGE_VAL, t = k - 1; t <= k + 1; t++)
				if (t >= 1 && t <= RT_PARTIALS_MAX && (fk1 = rt_partial_at(p, (int)t)) > 0)
					d = fmin(d, fabs(s.pk[i].f - fk1));
			if (d > fmax(0.03 * p->f0, 2 * s.res))
				p->stray = fmax(p->stray, s.pk[i].amp / top);
		}
	}
	decays(mono + start, L, rate, p);
	free(s.pk);
	free(mono);
	return 0;
fail:
	free(s.pk);
	free(mono);
	memset(p, 0, sizeof *p);
	return -1;
}

double
rt_partial_at(const RtPartials *p, int k)
{
	if (k < 1 || k > RT_PARTIALS_MAX || p->f1 <= 0)
		return 0;
	if (p->f[k - 1] > 0)
		return p->f[k - 1];
	return k * p->f0 * sqrt(1 + p->B * k * k);
}

/* ---- the stage: Levenberg-Marquardt on the cents of the partials ---- */

#define FD_STEP 0.05       /* in z: about 1 % of f0 for a log param over [40, 100] */
/* The step's ridge, in cents per unit of z: a param whose column is
 * under it moves little.  A decay time or a pluck point moves the
 * partials read by 1-3 cents per unit of z (the peaks' shapes), which
 * without it Levenberg-Marquardt took as cheap to spend: stage 1 moved
 * a T60 of 1 s to 0.36 s, and 12.8 s (a probe's), to gain a cent. */
#define MATCH_REG 5.0

typedef struct Stage {
	RtRenderFn render;
	void *ctx;
	double *y;
	long n;
	int nch;
	double rate;
	int renders;
	/* modes (below): the render's tracked from ref's, f1 its mode first */
	int modes, first;
	const RtPartials *ref;
} Stage;

/* ---- modes: a tone whose partials are no one series (a bar, a plate, a
 * membrane).  The render's loudest peaks stand for its partials, each
 * followed from render to render; the target's peaks are matched to them
 * at the one scale (within MODE_SPAN) that lines up the most of them, in
 * MODE_CENTS: an equaliser moves levels, not frequencies, so the match
 * holds where a spectral loss leans towards the target's tilt. ---- */
enum { NMODE = 8 };
#define MODE_CENTS 30.0
#define MODE_SPAN 0.15
#define MODE_FMAX 5000.0   /* above, a coarse grid's dispersion moves modes most */
#define MODE_APART 0.08    /* two modes taken are this far apart at least */
#define MODE_STRETCH 0.15  /* the largest change of the modes' spread in log f */
#define MODE_NSTRETCH 30   /* steps of it each way */
#define MODE_GAIN 1.05     /* a stretch lines up this much more than a scale alone */
#define MODE_NSTRETCHED 4  /* and as many modes as the scale, and this many at least */

static int
cmp_amp_desc(const void *a, const void *b)
{
	const Peak *x = a, *y = b;
	return x->amp < y->amp ? 1 : x->amp > y->amp ? -1 : 0;
}

static int
cmp_freq(const void *a, const void *b)
{
	const Peak *x = a, *y = b;
	return x->f < y->f ? -1 : x->f > y->f;
}

/* p: the NMODE loudest peaks of s from FMIN to MODE_FMAX, by frequency */
static void
modes_pick(const Spec *s, RtPartials *p)
{
	Peak pk[MAXPEAK];
	int n = 0, i, j, m;

	memset(p, 0, sizeof *p);
	for (i = 0; i < s->npk; i++)
		if (s->pk[i].f >= FMIN && s->pk[i].f <= MODE_FMAX)
			pk[n++] = s->pk[i];
	qsort(pk, (size_t)n, sizeof *pk, cmp_amp_desc);
	/* the loudest of each neighbourhood: a peak within MODE_APART of a
	 * louder one taken is its side peak, beat or noise, no mode */
	for (m = 0, i = 0; i < n && m < NMODE; i++) {
		for (j = 0; j < m && fabs(log(pk[i].f / pk[j].f)) > log1p(MODE_APART); j++)
			;
		if (j == m)
			pk[m++] = pk[i];
	}
	n = m;
	qsort(pk, (size_t)n, sizeof *pk, cmp_freq);
	for (i = 0; i < n; i++) {
		p->f[i] = pk[i].f;
		p->amp[i] = pk[i].amp;
		p->snr[i] = pk[i].snr;
	}
	p->nfound = p->K = n;
}

/* The score of r's modes against ts's peaks, each moved to fr q (f /
 * fr)^(1 + g): per mode within MODE_CENTS, the two peaks' saliences,
 * less as it lies further off */
static double
modes_score(const Spec *ts, const RtPartials *r, double fr, double q, double g, int *nm)
{
	double sc = 0, d, f;
	int i, j;

	for (*nm = 0, i = 0; i < r->nfound; i++) {
		f = fr * q * pow(r->f[i] / fr, 1 + g);
		if ((j = nearest(ts, f)) < 0)
			continue;
		d = fabs(cents(ts->pk[j].f, f));
		if (d < MODE_CENTS) {
			sc += fmin(log(r->snr[i]), 7.0) * fmin(log(ts->pk[j].snr), 7.0)
			      * (1 - (d / MODE_CENTS) * (d / MODE_CENTS));
			++*nm;
		}
	}
	return sc;
}

/* t: for each of r's modes, the peak of the target's spectrum ts where
 * the map that lines up the most of them (weighted by their salience)
 * puts it, within MODE_CENTS; 0 where none.  The maps: a scale within
 * MODE_SPAN, and a stretch, log f's spread about the modes' middle
 * changed by up to MODE_STRETCH (a membrane's or a bar's stiffness
 * three times the target's spreads its modes: one scale lined up two
 * of eight, the wrong ones, and the match took the pitch 8 % the
 * wrong way; a probe's).  A stretch is taken only where it lines up
 * more (MODE_GAIN) than the best scale alone, as many modes and
 * MODE_NSTRETCHED at least (three of a marimba bar's, at 28 Hz, took
 * its f1 from 8 % sharp to 15 %; a probe's) (stretched set: then
 * rt_match_partials falls back to the scale where the stretch's match
 * is not kept).  Without stretch, the scale alone.  The number
 * matched. */
static int
modes_match(const Spec *ts, const RtPartials *r, RtPartials *t, int stretch, int *stretched)
{
	double c, g, q, sc, best0 = 0, best = 0, bestc = 0, bestg = 0, fr = 0, d, f;
	const double cmax = 1200 * log2(1 + MODE_SPAN);
	int i, j, n = 0, k, nm, n0 = 0;

	memset(t, 0, sizeof *t);
	for (i = 0; i < r->nfound; i++)
		fr += log(r->f[i]);
	if (r->nfound == 0)
		return 0;
	fr = exp(fr / r->nfound);
	/* no stretch first (k = 0), then +-1, +-2, ... steps of it */
	for (k = 0; k <= (stretch ? 2 * MODE_NSTRETCH : 0); k++) {
		g = MODE_STRETCH * (k % 2 ? 1 : -1) * ((k + 1) / 2) / MODE_NSTRETCH;
		for (c = -cmax; c <= cmax; c += 1) {
			q = exp2(c / 1200);
			/* a tie goes to the nearer scale, then to less stretch */
			sc = modes_score(ts, r, fr, q, g, &nm) - 1e-3 * fabs(c) / 1200 - 1e-3 * fabs(g);
			if (k == 0 ? sc > best : sc > best && sc > best0 * MODE_GAIN && nm >= n0 && nm >= MODE_NSTRETCHED) {
				best = sc;
				bestc = c;
				bestg = g;
				if (k == 0)
					n0 = nm;
			}
		}
		if (k == 0)
			best0 = best;
	}
	*stretched = bestg != 0;
	q = exp2(bestc / 1200);
	for (i = 0; best > 0 && i < r->nfound; i++) {
		f = fr * q * pow(r->f[i] / fr, 1 + bestg);
		if ((j = nearest(ts, f)) >= 0 && (d = fabs(cents(ts->pk[j].f, f))) < MODE_CENTS) {
			t->f[i] = ts->pk[j].f;
			t->snr[i] = ts->pk[j].snr;
			n++;
		}
	}
	t->nfound = n;
	return n;
}

/* p: ref's modes in s, each the peak nearest q times its frequency,
 * within a third of the way to its neighbours and 10 %; -1 when one is
 * lost */
static int
modes_track(const Spec *s, const RtPartials *ref, double q, RtPartials *p)
{
	int i, j, n = ref->nfound;

	memset(p, 0, sizeof *p);
	for (i = 0; i < n; i++) {
		double f = q * ref->f[i], tol = 0.1 * f;
		if (i > 0)
			tol = fmin(tol, (ref->f[i] - ref->f[i - 1]) * q / 3);
		if (i + 1 < n)
			tol = fmin(tol, (ref->f[i + 1] - ref->f[i]) * q / 3);
		if ((j = nearest(s, f)) < 0 || fabs(s->pk[j].f - f) > tol)
			return -1;
		p->f[i] = s->pk[j].f;
		p->amp[i] = s->pk[j].amp;
		p->snr[i] = s->pk[j].snr;
	}
	p->nfound = p->K = n;
	return 0;
}

/* The spectrum of st->y (render_at's) */
static int
render_spectrum(Stage *st, Spec *s)
{
	double *mono;
	long start, L;

	if (tone(st->y, st->n, st->nch, st->rate, &mono, &start, &L, s) < 0)
		return -1;
	free(mono);
	return 0;
}

/* Render at z into st->y: 0, or -1 */
static int
render_at(Stage *st, const double *z)
{
	st->renders++;
	return st->render(st->ctx, z, st->y) != 0 ? -1 : 0;
}

/* The partials of st->y, f1 within width of hint (0: any) */
static int
find(Stage *st, double hint, double width, RtPartials *p)
{
	char e[200];

	return rt_partials(st->y, st->n, st->nch, st->rate, hint, width, p, e, sizeof e);
}

/* Render at z and find its partials, f1 within 10 % of hint (0: any);
 * with modes, follow st->ref's, hint where its f1 should be */
static int
probe(Stage *st, const double *z, double hint, RtPartials *p)
{
	Spec s = {0};
	int r;

	if (render_at(st, z) < 0)
		return -1;
	/* (its first partial there: a series whose partials 1, 2, 3 are the
	 * render's 3, 6, 9 took f0 a fifth down from 30 % off; a probe's) */
	if (!st->modes)
		return find(st, hint, hint > 0 ? 0.1 : 0, p) == 0 && p->f[0] > 0 ? 0 : -1;
	if (render_spectrum(st, &s) < 0)
		return -1;
	r = modes_track(&s, st->ref, hint > 0 ? hint / st->ref->f1 : 1, p);
	free(s.pk);
	p->f1 = p->f[st->first];
	return r;
}

/* The render's partials at the start: a series whose f1 is within 15 %
 * of the target's first, where a fit starts (cli.md: within 10 % of its
 * pitch), else anywhere.  Unguided, a render whose second partial is
 * louder than its first was read an octave up (a string on a sprung
 * bridge, 110 Hz read as 220), and the stage moved the bridge's
 * stiffness 600-fold to make up an octave that was not there. */
static int
probe_start(Stage *st, const double *z, double f1, RtPartials *p)
{
	RtPartials near;

	if (render_at(st, z) < 0)
		return -1;
	/* ... and whose first partial is there: from further off, a series
	 * of the render's partials 3, 6, 9 read as 2, 4, 6 (67 Hz as 100.5,
	 * a fifth up), which the match then brought to the target's 90 Hz:
	 * f0 went to 60 (a probe's).  One that leaves no loud peak out
	 * (stray) first, near the target's f1 or anywhere: two strings 20 %
	 * flat had a bogus 3-partial series within 15 % of the target's, and
	 * their own 177 Hz anywhere; else the near one (a string on a
	 * bridge, whose mode is a loud peak of its own and its 2nd partial
	 * the loudest: anywhere, its octave) */
	if (find(st, f1, 0.15, &near) == 0 && near.nfound >= 3 && near.f[0] > 0) {
		if (near.stray < STRAY || find(st, 0, 0, p) != 0 || p->stray >= STRAY || p->f[0] <= 0)
			*p = near;
		return 0;
	}
	return find(st, 0, 0, p);
}

/* The target's partials into t: 1 when they are a clear series (four
 * partials at least, within 20 cents rms of it, no loud peak left out),
 * else 0 (its modes are matched, and no decays) */
static int
target_series(const double *target, long n, int nch, double rate, RtPartials *t)
{
	char e[200];

	return rt_partials(target, n, nch, rate, 0, 0, t, e, sizeof e) == 0 && t->nfound >= 4
	       && t->rms_cents <= 20 && t->stray < STRAY;
}

/* A match is kept when it ends within KEEP_CENTS (rms, weighted) or at
 * half the cents it started from.  Else the two series were not brought
 * together (a series read at another partial's index; two strings of
 * other pitches, whose partials are no one series: 90 -> 68 cents moved
 * their spring 4-fold the wrong way), and the params it moved are not
 * to be trusted.  A string's match ends within 1-2 cents (the double
 * bass notes from 8 % off: 120-150 -> 1.4). */
#define KEEP_CENTS 30
#define F1_CENTS 20

/* The cents of the render's partials ks against the target's, each
 * weighted by 1/k (the low partials carry the pitch: where the model
 * cannot follow the target's stretch, f1 stays near the target's); the
 * weighted rms. */
static double
resid(const RtPartials *r, const RtPartials *t, const int *ks, int ns, double *res)
{
	double s = 0, ws = 0;
	int i;

	for (i = 0; i < ns; i++)
		ws += 1.0 / ks[i];
	for (i = 0; i < ns; i++) {
		res[i] = cents(rt_partial_at(r, ks[i]), t->f[ks[i] - 1]) * sqrt(ns / (ks[i] * ws));
		s += res[i] * res[i];
	}
	return sqrt(s / ns);
}

/* Solve a x = b (n x n, row-major, overwritten) by elimination with
 * partial pivoting; -1 when singular. */
static int
solve(double *a, double *b, int n)
{
	int i, j, c, piv;
	double t;

	for (c = 0; c < n; c++) {
		for (piv = c, i = c + 1; i < n; i++)
			if (fabs(a[i * n + c]) > fabs(a[piv * n + c]))
				piv = i;
		if (!(fabs(a[piv * n + c]) > 0))
			return -1;
		for (j = 0; j < n; j++) {
			t = a[c * n + j];
			a[c * n + j] = a[piv * n + j];
			a[piv * n + j] = t;
		}
		t = b[c];
		b[c] = b[piv];
		b[piv] = t;
		for (i = c + 1; i < n; i++) {
			t = a[i * n + c] / a[c * n + c];
			for (j = c; j < n; j++)
				a[i * n + j] -= t * a[c * n + j];
			b[i] -= t * b[c];
		}
	}
	for (c = n - 1; c >= 0; c--) {
		for (j = c + 1; j < n; j++)
			b[c] -= a[c * n + j] * b[j];
		b[c] /= a[c * n + c];
	}
	return 0;
}

/* The Levenberg-Marquardt step over the columns of J (ns x nz) with
 * act[j] set: (J'J + mu diag J'J) dz = -J' r, as a box-constrained
 * least squares: a component beyond +-lim[j] units of z (the linear
 * model is only local) is held at the box and the rest solved again, so
 * a param running into its bound does not hold the others back.  dz: nz
 * values, 0 off the active columns; fix, a, g: scratch.  -1 when
 * singular. */
static int
lm_step(const double *J, const double *r, int ns, int nz, const int *act, const double *lim, double mu,
        int *fix, double *a, double *g, double *dz)
{
	int ia, ib, p, q, i, nfree, worst;
	double rr, big;

	for (ia = 0; ia < nz; ia++) {
		fix[ia] = !act[ia];
		dz[ia] = 0;
	}
	for (;;) {
		for (nfree = 0, ia = 0; ia < nz; ia++)
			nfree += !fix[ia];
		if (nfree == 0)
			return 0;
		for (p = 0, ia = 0; ia < nz; ia++) {
			if (fix[ia])
				continue;
			for (g[p] = 0, i = 0; i < ns; i++) {
				for (rr = r[i], ib = 0; ib < nz; ib++)
					rr += fix[ib] ? J[i * nz + ib] * dz[ib] : 0;
				g[p] -= J[i * nz + ia] * rr;
			}
			for (q = 0, ib = 0; ib < nz; ib++) {
				if (fix[ib])
					continue;
				for (a[p * nfree + q] = 0, i = 0; i < ns; i++)
					a[p * nfree + q] += J[i * nz + ia] * J[i * nz + ib];
				q++;
			}
			a[p * nfree + p] = a[p * nfree + p] * (1 + mu) + ns * MATCH_REG * MATCH_REG;
			p++;
		}
		if (solve(a, g, nfree) < 0)
			return -1;
		for (big = 0, worst = -1, p = 0, ia = 0; ia < nz; ia++) {
			if (fix[ia])
				continue;
			dz[ia] = g[p++];
			if (!(fabs(dz[ia]) / lim[ia] <= big)) {
				big = fabs(dz[ia]) / lim[ia];
				worst = ia;
			}
		}
		if (!isfinite(big))
			return -1;
		if (big <= 1)
			return 0;
		dz[worst] = dz[worst] > 0 ? lim[worst] : -lim[worst];
		fix[worst] = 1;
	}
}

/* A long step's move of a param (units of z) after which its column is
 * looked at again, and how often a step is taken back for it */
#define LM_DEAD_MOVE 0.25
#define LM_REVERTS 6

/* The length of column j of J (ns x nz) */
static double
colnorm(const double *J, int ns, int nz, int j)
{
	double s = 0;
	int i;

	for (i = 0; i < ns; i++)
		s += J[i * nz + j] * J[i * nz + j];
	return sqrt(s);
}

/* The Jacobian J (KM x nz, row i: partial ks[i]) of the residuals r at
 * z, whose render's partials are base: one render per param still in
 * play (act); a param whose render fails, or whose column stays under
 * RT_MATCH_MINCOL, leaves play with a column of 0.  df1 (NULL: not
 * wanted) gets the cents the render's f1 moves per unit of each z, 0 out
 * of play.  zt: scratch.  The number of params in play. */
static int
columns(Stage *st, const double *z, int nz, const RtPartials *base, const RtPartials *target,
        const int *ks, int ns, const double *r, int *act, double *J, double *zt, double *df1)
{
	double r1[RT_PARTIALS_MAX], h, big;
	RtPartials trial;
	int i, j, k, na = 0;

	for (j = 0; j < nz; j++) {
		if (df1)
			df1[j] = 0;
		if (!act[j])
			continue;
		memcpy(zt, z, sizeof *z * (size_t)nz);
		h = z[j] + FD_STEP > RT_FREE_ZMAX ? -FD_STEP : FD_STEP;
		/* where a step fails, the other way (a grid kept from the start
		 * holds f0 a step down, not up: a bowed string from 7 % flat),
		 * then both ways an eighth as far (a wide range's step in z
		 * moves a drum's c 13 %, and its dense modes are lost to the
		 * tracking); "no fitted param moves the partials" said of the
		 * pitch in both (a probe's) */
		for (k = 0; k < 4; k++) {
			zt[j] = z[j] + (k & 1 ? -h : h) / (k & 2 ? 8 : 1);
			if (fabs(zt[j]) <= RT_FREE_ZMAX && probe(st, zt, base->f1, &trial) == 0)
				break;
		}
		if (k == 4) {
			act[j] = 0;
			continue;
		}
		h = zt[j] - z[j];
		resid(&trial, target, ks, ns, r1);
		for (big = 0, i = 0; i < ns; i++) {
			J[i * nz + j] = (r1[i] - r[i]) / h;
			big = fmax(big, fabs(J[i * nz + j]));
		}
		if (big < RT_MATCH_MINCOL) {
			act[j] = 0;
			for (i = 0; i < ns; i++)
				J[i * nz + j] = 0;
		} else {
			na++;
			if (df1)
				df1[j] = cents(trial.f1, base->f1) / h;
		}
	}
	return na;
}

static int
match(RtRenderFn render, void *ctx, double *z, int nz, const double *target, long n, int nch, double rate,
      int maxit, RtMatch *m, char *err, int errsz, int stretch, int *stretched)
{
	enum { KM = RT_PARTIALS_MAX };
	int *moved = m->moved, *act, *fix, *actb, ks[KM], ns = 0, na, i, j, it, tries, ok, st_ = -1, fresh = 0, pass;
	int stepped, bad, reverts = 0;
	double *df1 = m->df1, *J, *zt, *dz, *a, *g, *z0, r[KM], r1[KM], cost, c1, prev, mu = 1e-3, pred, w0;
	double *Jb, *zb, *lim, *dzl, *colw, rb[KM], costb = 0;
	RtPartials base, trial, baseb;
	void (*settle)(void *, const double *) = m->settle;
	int (*regrid)(void *, const double *) = m->regrid;
	Stage st = {render, ctx, NULL, n, nch, rate, 0, 0, 0, NULL};
	int series;

	memset(m, 0, sizeof *m);
	m->moved = moved;
	m->df1 = df1;
	m->settle = settle;
	m->regrid = regrid;
	if (moved)
		memset(moved, 0, sizeof *moved * (size_t)nz);
	if (df1)
		memset(df1, 0, sizeof *df1 * (size_t)nz);
	series = target_series(target, n, nch, rate, &m->target);
	st.y = malloc(sizeof *st.y * (size_t)n * (size_t)nch);
	J = calloc((size_t)(2 * KM * nz + 8 * nz + 2 * nz * nz + nz), sizeof *J);
	act = malloc(sizeof *act * (size_t)nz * 3);
	if (!st.y || !J || !act) {
		snprintf(err, (size_t)errsz, "out of memory");
		goto out;
	}
	fix = act + nz;
	zt = J + KM * nz;
	dz = zt + nz;
	g = dz + nz;
	a = g + nz;
	z0 = a + 2 * nz * nz + nz;
	Jb = z0 + nz;
	zb = Jb + KM * nz;
	lim = zb + nz;
	dzl = lim + nz;
	colw = dzl + nz;
	actb = fix + nz;
	for (j = 0; j < nz; j++)
		lim[j] = 2;
	st_ = 0;
	memcpy(z0, z, sizeof *z * (size_t)nz);
	if (m->settle)
		m->settle(ctx, z);
	/* no series in the target, or none in the render: their modes */
	if (!series || probe_start(&st, z, m->target.f1, &base) < 0) {
		Spec ts = {0}, rs = {0};
		double *mono;
		long start, L;
		int nm = -1;
		if (render_at(&st, z) == 0 && tone(target, n, nch, rate, &mono, &start, &L, &ts) == 0) {
			free(mono);
			if (render_spectrum(&st, &rs) == 0) {
				modes_pick(&rs, &base);
				nm = modes_match(&ts, &base, &m->target, stretch, stretched);
			}
		}
		free(ts.pk);
		free(rs.pk);
		if (nm < 3) {
			m->why = series ? "no clear partial series in the render at the start, nor 3 of its modes in the target"
			                : "no clear partial series in the target, nor 3 of the render's modes in it";
			goto out;
		}
		for (st.first = 0; m->target.f[st.first] <= 0; st.first++)
			;
		base.f1 = base.f[st.first];
		m->target.f1 = m->target.f[st.first];
		st.modes = m->modes = 1;
		st.ref = &base;
	}
	m->start = base;
	for (i = 1; i <= KM; i++)
		if (m->target.f[i - 1] > 0 && base.f[i - 1] > 0)
			ks[ns++] = i;
	if (ns < 3) {
		m->why = "fewer than 3 partials found in both the target and the render";
		goto out;
	}
	cost = m->cents0 = resid(&base, &m->target, ks, ns, r);
	/* resid's weight of row 0, which a step's prediction of f1 takes
	 * out: read as cents, it put f1 twice as far as the step does (12
	 * partials matched: w0 = 1.97), and from 45 % off the render's f1 was
	 * looked for outside the +-10 % where it was */
	for (w0 = 0, i = 0; i < ns; i++)
		w0 += 1.0 / ks[i];
	w0 = sqrt(ns / (ks[0] * w0));
	for (j = 0; j < nz; j++)
		act[j] = 1;
	/* two passes at most: the grid the values at the start took may not
	 * be the one they take where the match ends (a bar on 14 intervals
	 * from 8 % sharp: its start's grid 13 cannot hold the target's modes,
	 * 12 cents rms; a marimba bar's 17 for 18, 72 cents), and the second
	 * pass runs on the one they take */
	for (pass = 0; pass < 2; pass++) {
		for (stepped = 0, it = 0; it < maxit && cost > 1.0; it++) {
			na = columns(&st, z, nz, &base, &m->target, ks, ns, r, act, J, zt, m->df1);
			fresh = 1;
			/* A param whose column fell to under a quarter of what it
			 * was where a long step took it had a linear model that
			 * did not hold: a stiffness three times the target's, whose
			 * stretch goes as its square, was taken down 200-fold in
			 * one step, where it no longer moved anything and stayed
			 * (a membrane's; its (3, 3) mode then 34 cents off).  The
			 * step is taken back and tried again with that param's
			 * move held to half of it. */
			for (bad = 0, j = 0; stepped && j < nz; j++)
				if (actb[j] && fabs(dzl[j]) > LM_DEAD_MOVE && colnorm(J, ns, nz, j) < colw[j] / 4) {
					lim[j] = fabs(dzl[j]) / 2;
					bad = 1;
				}
			if (bad && reverts++ < LM_REVERTS) {
				memcpy(z, zb, sizeof *z * (size_t)nz);
				memcpy(J, Jb, sizeof *J * (size_t)(KM * nz));
				memcpy(act, actb, sizeof *act * (size_t)nz);
				memcpy(r, rb, sizeof r);
				base = baseb;
				cost = costb;
				if (settle)
					settle(ctx, z);
				for (na = 0, j = 0; j < nz; j++)
					na += act[j];
			}
			if (na == 0) {
				if (it == 0)
					m->why = "no fitted param moves the partials";
				break;
			}
			prev = cost;
			memcpy(zb, z, sizeof *z * (size_t)nz);
			memcpy(Jb, J, sizeof *J * (size_t)(KM * nz));
			memcpy(actb, act, sizeof *act * (size_t)nz);
			memcpy(rb, r, sizeof r);
			baseb = base;
			costb = cost;
			for (j = 0; j < nz; j++)
				colw[j] = colnorm(J, ns, nz, j);
			for (ok = 0, tries = 0; tries < 8 && !ok; tries++) {
				if (lm_step(J, r, ns, nz, act, lim, mu, fix, a, g, dz) < 0)
					break;
				memcpy(zt, z, sizeof *z * (size_t)nz);
				for (pred = 0, j = 0; j < nz; j++) {
					zt[j] += dz[j];
					pred += J[j] * dz[j];    /* row 0: the lowest partial matched */
				}
				/* the render's f1 near where the step should put it */
				pred = base.f1 * exp2(pred / w0 / 1200);
				if (probe(&st, zt, pred, &trial) == 0
				    && (c1 = resid(&trial, &m->target, ks, ns, r1)) < cost) {
					memcpy(z, zt, sizeof *z * (size_t)nz);
					memcpy(r, r1, sizeof r);
					if (settle)
						settle(ctx, z);
					base = trial;
					cost = c1;
					mu = fmax(mu / 10, 1e-7);
					ok = 1;
					fresh = 0;
					m->ran = 1;
					for (j = 0; j < nz && moved; j++)
						moved[j] |= act[j];
					memcpy(dzl, dz, sizeof *dz * (size_t)nz);
				} else
					mu *= 10;
			}
			m->iters++;
			stepped = ok;
			if (!ok || cost > 0.97 * prev)
				break;
		}
		if (pass || !regrid || !regrid(ctx, z) || probe(&st, z, base.f1, &trial) < 0)
			break;
		base = trial;
		cost = resid(&base, &m->target, ks, ns, r);
		fresh = 0;
	}
	/* ... unless its first partial, the series' anchor, ended within
	 * F1_CENTS of the target's from three times that or more: the
	 * upper partials of a short recording (0.5 s of the double bass's
	 * C2: 34 cents rms with f1 at 15) are read less well, and without
	 * the match the descent took f0 from 67 Hz to 47 */
	/* And never when the first partial itself ends over F1_CENTS from
	 * the target's: a plate's modes read as a string's series matched
	 * at 18.7 cents rms with f1 29 cents off, and moved H away */
	if (m->ran && (fabs(cents(base.f1, m->target.f1)) > F1_CENTS
	               || (cost > KEEP_CENTS && cost > 0.5 * m->cents0
	                   && fabs(cents(m->start.f1, m->target.f1)) < 3 * F1_CENTS))) {
		snprintf(m->whybuf, sizeof m->whybuf, "the render's partials stay %.0f cents (rms) from "
		         "the target's after the match (first partial %.2f Hz against %.2f); the params are left "
		         "where they were", cost, base.f1, m->target.f1);
		m->why = m->whybuf;
		memcpy(z, z0, sizeof *z * (size_t)nz);
		if (moved)
			memset(moved, 0, sizeof *moved * (size_t)nz);
		if (df1)
			memset(df1, 0, sizeof *df1 * (size_t)nz);
		m->ran = 0;
		m->end = m->start;
		m->cents = m->cents0;
		m->matched = ns;
		goto out;
	}
	/* df1 where z ends, the last Jacobian's unless a step came after it */
	if (m->df1 && !fresh)
		columns(&st, z, nz, &base, &m->target, ks, ns, r, act, J, zt, m->df1);
	m->end = base;
	m->cents = cost;
	m->matched = ns;
out:
	m->renders = st.renders;
	free(st.y);
	free(J);
	free(act);
	return st_;
}

/* A stretched match of modes (modes_match) that the descent could not
 * bring together is tried again at a scale alone: a drum whose only
 * fitted param is its wave speed, 7 % flat, lined up three of its eight
 * modes at a scale and two at a stretch that scored 5 % more, and from
 * there its modes stayed 59 cents off */
int
rt_match_partials(RtRenderFn render, void *ctx, double *z, int nz, const double *target,
                  long n, int nch, double rate, int maxit, RtMatch *m, char *err, int errsz)
{
	int stretched = 0, st, renders;

	st = match(render, ctx, z, nz, target, n, nch, rate, maxit, m, err, errsz, 1, &stretched);
	if (st == 0 && stretched && !m->ran) {
		RtMatch first = *m;
		renders = m->renders;
		st = match(render, ctx, z, nz, target, n, nch, rate, maxit, m, err, errsz, 0, &stretched);
		m->renders += renders;
		/* neither ran: why the stretched one, which went further, stopped */
		if (st == 0 && !m->ran) {
			renders = m->renders;
			*m = first;     /* (its why, where it is m->whybuf, the text copied back) */
			m->renders = renders;
		}
	}
	return st;
}

/* ---- decays: the partials' decay rates, after their frequencies ----
 * Levenberg-Marquardt as above on r_k = 100 ln(d_k(render) / d_k(target))
 * (per cent of the decay rate), over the partials whose decay is known
 * in both at the start.  A param that moves the partials (DEC_HOLD
 * cents per unit of z) is held: the pitch is the first match's. */
#define DEC_HOLD 2.0
#define DEC_MINCOL 0.5     /* per cent of a decay rate per unit of z */
#define DEC_TOL 5.0        /* per cent rms: the decays read from 8 frames are no closer */
#define DEC_TOGETHER 0.5   /* |mean| over rms of a param's column: it moves the decays one way */

/* A tone with no series (modes): p its loudest peaks (ref NULL), or at
 * each of ref's modes the peak of x within MODE_CENTS of it (0: none),
 * with their decays, read over frames of 4 periods of the lowest mode or
 * of the least spacing of two (of ref's), whichever is longer (its main
 * lobe clear of the neighbours).  0, or -1 when out of memory. */
static int
mode_decays(const double *x, long n, int nch, double rate, const RtPartials *ref, RtPartials *p)
{
	const RtPartials *fr = ref ? ref : p;     /* whose modes set the frame */
	double *mono, lo, d, f;
	long start, L;
	Spec s = {0};
	int i, j, last = -1;

	if (tone(x, n, nch, rate, &mono, &start, &L, &s) < 0)
		return -1;
	if (!ref)
		modes_pick(&s, p);
	else {
		memset(p, 0, sizeof *p);
		/* (a peak is one mode's: two of ref's on it have no decay apart) */
		for (i = 0; i < ref->K; i++)
			if ((j = nearest(&s, ref->f[i])) >= 0 && j != last
			    && fabs(cents(s.pk[j].f, ref->f[i])) < MODE_CENTS) {
				p->f[i] = s.pk[j].f;
				p->nfound++;
				last = j;
			}
		p->K = ref->K;
	}
	/* (the frame of ref's modes: the same for the render as the target) */
	for (f = lo = 0, i = 0; i < p->K; i++)
		if (fr->f[i] > 0) {
			d = fr->f[i] - f;
			lo = lo > 0 ? fmin(lo, d) : d;
			f = fr->f[i];
		}
	if (lo > 0) {
		p->f1 = lo;     /* (decays' frame) */
		decays(mono + start, L, rate, p);
	}
	for (p->f1 = 0, i = 0; i < p->K && p->f1 <= 0; i++)
		p->f1 = p->f[i];
	free(mono);
	free(s.pk);
	return 0;
}

/* the render at z and its series near the target's f1 (modes: its peaks
 * at the target's modes); 0, or -1 */
static int
dec_probe(Stage *st, const double *z, const RtPartials *t, RtPartials *p)
{
	if (render_at(st, z) < 0)
		return -1;
	if (st->modes)
		return mode_decays(st->y, st->n, st->nch, st->rate, t, p);
	if (find(st, t->f1, 0.05, p) != 0 || p->f[0] <= 0)
		return -1;
	return 0;
}

/* r: the residuals of p's decays against t's over the partials ks (0 to
 * KM - 1); -1 when one is unknown in p */
static int
dec_resid(const RtPartials *p, const RtPartials *t, const int *ks, int ns, double *r)
{
	int i;

	for (i = 0; i < ns; i++) {
		if (!(p->decay[ks[i]] > 0))
			return -1;
		r[i] = 100 * log(p->decay[ks[i]] / t->decay[ks[i]]);
	}
	return 0;
}

static double
rms_of(const double *r, int ns)
{
	double s = 0;
	int i;

	for (i = 0; i < ns; i++)
		s += r[i] * r[i];
	return sqrt(s / ns);
}

int
rt_match_decays(RtRenderFn render, void *ctx, double *z, int nz, const double *target, long n, int nch,
                double rate, int maxit, RtDecays *m, char *err, int errsz)
{
	enum { KM = RT_PARTIALS_MAX };
	int *moved = m->moved, *act = NULL, *fix, ks[KM], ns = 0, nd, i, j, it, tries, ok, na, st_ = -1;
	const int *hold = m->hold;
	double *J = NULL, *zt, *dz, *a, *g, *lim, r[KM], r1[KM], dc[KM], cost, c1, prev, mu = 1e-3, h, big, df;
	double sum, sq;
	RtPartials t, base, trial;
	void (*settle)(void *, const double *) = m->settle;
	Stage st = {render, ctx, NULL, n, nch, rate, 0, 0, 0, NULL};

	memset(m, 0, sizeof *m);
	m->moved = moved;
	m->hold = hold;
	m->settle = settle;
	if (moved)
		memset(moved, 0, sizeof *moved * (size_t)nz);
	st.y = malloc(sizeof *st.y * (size_t)n * (size_t)nch);
	J = calloc((size_t)(KM * nz + 4 * nz + 2 * nz * nz + nz), sizeof *J);
	act = malloc(sizeof *act * (size_t)nz * 2);
	if (!st.y || !J || !act) {
		snprintf(err, (size_t)errsz, "out of memory");
		goto out;
	}
	st_ = 0;
	fix = act + nz;
	zt = J + KM * nz;
	dz = zt + nz;
	g = dz + nz;
	lim = g + nz;
	a = lim + nz;
	for (j = 0; j < nz; j++)
		lim[j] = 2;
	if (!target_series(target, n, nch, rate, &t)) {
		st.modes = m->modes = 1;
		if (mode_decays(target, n, nch, rate, NULL, &t) < 0) {
			snprintf(err, (size_t)errsz, "out of memory");
			st_ = -1;
			goto out;
		}
	}
	if (dec_probe(&st, z, &t, &base) < 0) {
		m->why = st.modes ? "the render cannot be read" : "no series in the render near the target's";
		goto out;
	}
	for (i = 0; i < KM; i++)
		if (t.f[i] > 0 && base.f[i] > 0 && t.decay[i] > 0 && base.decay[i] > 0)
			ks[ns++] = i;
	if (ns < 3) {
		m->why = st.modes ? "fewer than 3 modes whose decay is known in both"
		                  : "fewer than 3 partials whose decay is known in both";
		goto out;
	}
	m->matched = ns;
	dec_resid(&base, &t, ks, ns, r);
	cost = m->rms0 = rms_of(r, ns);
	if (cost <= DEC_TOL)
		m->why = "the render's decay rates are within 5 % (rms) of the target's";
	/* (modes: none held but by what they do here; a stiff membrane's Ta,
	 * which the match of frequencies had moved a little, held at 0.75
	 * for 1 took Tb from 0.12 to 0.44 for 0.2; a probe's) */
	for (j = 0; j < nz; j++)
		act[j] = st.modes || !hold || !hold[j];
	for (it = 0; it < maxit && cost > DEC_TOL; it++) {
		/* the Jacobian, one render per param still in play */
		for (na = 0, j = 0; j < nz; j++) {
			if (!act[j])
				continue;
			memcpy(zt, z, sizeof *z * (size_t)nz);
			h = z[j] + FD_STEP > RT_FREE_ZMAX ? -FD_STEP : FD_STEP;
			zt[j] += h;
			if (dec_probe(&st, zt, &t, &trial) < 0 || dec_resid(&trial, &t, ks, ns, r1) < 0) {
				act[j] = 0;
				continue;
			}
			/* how far it moves the partials: the most; the modes' median
			 * (a marimba's cord bounce, a peak at 29 Hz that its T60
			 * moved 15 cents per unit, held the T60) */
			for (df = 0, nd = 0, i = 0; i < ns; i++)
				if (trial.f[ks[i]] > 0) {
					dc[nd] = fabs(cents(trial.f[ks[i]], base.f[ks[i]])) / FD_STEP;
					df = fmax(df, dc[nd++]);
				}
			if (st.modes && nd > 0)
				df = select_nth(dc, nd, nd / 2);
			/* and, for modes, whether it moves them together: a decay
			 * time or a loss law moves every decay the same way; a
			 * strike point moves them both ways (which peaks of a
			 * near pair beat, and how), and took the decays' misfit
			 * in (a plate's strike point, 0.07 -> 0.072 and the
			 * descent on to 0.076; a probe's).  (A string's pluck and
			 * pickup points help its T60s there: without them a
			 * guitar's stalled at 5.2 % rms, with them 2.1) */
			for (big = sum = sq = 0, i = 0; i < ns; i++) {
				J[i * nz + j] = (r1[i] - r[i]) / h;
				big = fmax(big, fabs(J[i * nz + j]));
				sum += J[i * nz + j];
				sq += J[i * nz + j] * J[i * nz + j];
			}
			if (df > DEC_HOLD || big < DEC_MINCOL || (st.modes && fabs(sum) < DEC_TOGETHER * sqrt(ns * sq))) {
				act[j] = 0;
				for (i = 0; i < ns; i++)
					J[i * nz + j] = 0;
			} else
				na++;
		}
		if (na == 0) {
			if (it == 0)
				m->why = "no fitted param moves the decays alone";
			break;
		}
		prev = cost;
		for (ok = 0, tries = 0; tries < 8 && !ok; tries++) {
			if (lm_step(J, r, ns, nz, act, lim, mu, fix, a, g, dz) < 0)
				break;
			for (j = 0; j < nz; j++)
				zt[j] = z[j] + dz[j];
			if (dec_probe(&st, zt, &t, &trial) == 0 && dec_resid(&trial, &t, ks, ns, r1) == 0
			    && (c1 = rms_of(r1, ns)) < cost) {
				memcpy(z, zt, sizeof *z * (size_t)nz);
				memcpy(r, r1, sizeof r);
				if (settle)
					settle(ctx, z);
				base = trial;
				cost = c1;
				mu = fmax(mu / 10, 1e-7);
				ok = 1;
				m->ran = 1;
				for (j = 0; j < nz && moved; j++)
					moved[j] |= act[j];
			} else
				mu *= 10;
		}
		m->iters++;
		if (!ok || cost > 0.97 * prev)
			break;
	}
	m->rms = cost;
out:
	m->renders = st.renders;
	free(st.y);
	free(J);
	free(act);
	return st_;
}
