/* loss_check.c — every loss of runtime/loss.c's table against what it
 * promises: its gradient against central differences (the error falling
 * as h^2), level invariance, and, for sot and the default, a slope
 * towards the target's pitch from 10 % away at any level; mrstft shown
 * not to have one.  Prints PASS/FAIL lines; exits 1 on a failure.
 * `loss_check -t` prints the time per evaluation of each loss instead. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt.h"

#define RATE 44100.0
#define PI 3.14159265358979323846

static int failed;

static void
check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS losses/%s\n", name);
		return;
	}
	printf("FAIL losses/%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failed = 1;
}

/* xorshift: the same signals on every machine */
static unsigned long long rng = 88172645463325252ULL;

static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0 * 2 - 1;
}

static double *
alloc(long m)
{
	double *x = calloc((size_t)m, sizeof *x);

	if (!x) {
		fprintf(stderr, "loss_check: out of memory\n");
		exit(2);
	}
	return x;
}

/* A decaying stiff-string tone: partials n f0 sqrt(1 + B n^2) for n = 1..
 * NPART, amplitude 1/n, decay time 1.5 / (1 + 0.15 n) s, times amp.  With
 * dydf != NULL, also dy/df0. */
#define NPART 40
#define STIFF 2e-4

static void
tone(double *y, double *dydf, long n, int nch, double f0, double amp)
{
	long i, j;
	int k, c;
	double t, a, s, ph, cw, sw, cs, sn, da, r, w[2];

	for (i = 0; i < n * nch; i++) {
		y[i] = 0;
		if (dydf)
			dydf[i] = 0;
	}
	for (k = 1; k <= NPART; k++) {
		s = k * sqrt(1 + STIFF * k * k);
		if (f0 * s * 1.2 > RATE / 2)
			break;
		/* the phase and the decay exact every 64 samples, stepped
		 * between by a rotation and a factor (a sin and an exp of
		 * every sample were two thirds of this program's time) */
		cw = cos(2 * PI * f0 * s / RATE), sw = sin(2 * PI * f0 * s / RATE);
		da = exp(-(1 + 0.15 * k) / 1.5 / RATE);
		w[0] = 1;
		w[1] = sin(PI * k * 0.3);    /* the second channel: a pickup elsewhere */
		for (j = 0; j < n; j += 64) {
			t = j / RATE;
			a = amp / k * exp(-t * (1 + 0.15 * k) / 1.5);
			ph = 2 * PI * f0 * s * t;
			cs = cos(ph), sn = sin(ph);
			for (i = j; i < n && i < j + 64; i++) {
				t = i / RATE;
				for (c = 0; c < nch; c++) {
					y[i * nch + c] += w[c] * a * sn;
					if (dydf)
						dydf[i * nch + c] += w[c] * a * cs * 2 * PI * s * t;
				}
				r = cs * cw - sn * sw;
				sn = sn * cw + cs * sw;
				cs = r;
				a *= da;
			}
		}
	}
}

static RtLoss *
make(const char *name, long n, int nch)
{
	char err[200];
	RtLoss *l = rt_loss_new(name, n, nch, RATE, err, sizeof err);

	if (!l) {
		printf("FAIL losses/%s-new: %s\n", name, err);
		exit(1);
	}
	return l;
}

/* Central differences of l at y along d, step h. */
static double
cdiff(RtLoss *l, const double *y, const double *t, const double *d, double *w, long m, double h)
{
	long i;
	double lp, lm;

	for (i = 0; i < m; i++)
		w[i] = y[i] + h * d[i];
	lp = rt_loss_eval(l, w, t, NULL);
	for (i = 0; i < m; i++)
		w[i] = y[i] - h * d[i];
	lm = rt_loss_eval(l, w, t, NULL);
	return (lp - lm) / (2 * h);
}

/* The Taylor test: along 3 random directions d (|d_i| <= max |y|), the
 * error of central differences against <dL/dy, d> at h, h/2, h/4.  A
 * wrong gradient leaves an error that does not fall.  The right one: an
 * error that falls as h^2 (16x from h to h/4) until it reaches rounding,
 * ~1e-12 L / h.  The spectral losses are only C1 (Huber's |.|, the soft
 * cut): where a bin crosses a seam within h the fall is slower, so the
 * test takes the best of the 3 directions falling 6x or more (or being at
 * rounding), and every one within 1e-3 of the slope at h/4. */
static void
taylor(const char *name, const char *what, const double *y, const double *t, long n, int nch,
       double h)
{
	RtLoss *l = make(name, n, nch);
	long m = n * nch, i;
	double *g = alloc(m), *d = alloc(m), *w = alloc(m), an, e[3], best_fall = 0, worst_end = 0, L;
	double yabs = 0, round;
	int k, j;
	char label[120];

	for (i = 0; i < m; i++)
		yabs = fmax(yabs, fabs(y[i]));
	L = rt_loss_eval(l, y, t, g);
	round = 1e-12 * L / (h / 4);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < m; i++)
			d[i] = yabs * urand();
		an = 0;
		for (i = 0; i < m; i++)
			an += g[i] * d[i];
		for (j = 0; j < 3; j++)
			e[j] = fabs(cdiff(l, y, t, d, w, m, h / (1 << j)) - an);
		if (getenv("LOSS_VERBOSE"))
			printf("# %s %s: slope %.6g, errors %.3g %.3g %.3g\n", name, what, an, e[0], e[1], e[2]);
		best_fall = fmax(best_fall, e[2] <= round ? 1e9 : e[0] / e[2]);
		worst_end = fmax(worst_end, e[2] / fmax(fabs(an), round));
	}
	snprintf(label, sizeof label, "%s-taylor-%s", name, what);
	check(best_fall >= 6 && worst_end < 1e-3, label,
	      "error falls %.3gx from h to h/4 (want 16), last relative error %.3g", best_fall, worst_end);
	free(g);
	free(d);
	free(w);
	rt_loss_free(l);
}

static const char *const gradnames[] = {"mse", "mrstft", "simse", "simrstft", "sisc", "sispec", "sot", "spec"};
static const char *const invnames[] = {"simse", "simrstft", "sisc", "sispec", "sot", "spec"};
#define NGRAD (int)(sizeof gradnames / sizeof gradnames[0])
#define NINV (int)(sizeof invnames / sizeof invnames[0])

static void
test_taylor(void)
{
	long n = 6000, i;
	int j, nch;
	double *y = alloc(2 * n), *t = alloc(2 * n), *ty, *tt;

	/* random signals, mono and stereo */
	for (nch = 1; nch <= 2; nch++) {
		for (i = 0; i < n * nch; i++) {
			t[i] = 0.5 * urand();
			y[i] = 0.3 * urand();
		}
		for (j = 0; j < NGRAD; j++)
			if (strcmp(gradnames[j], "mrstft"))
				taylor(gradnames[j], nch == 1 ? "noise" : "noise-stereo", y, t, n, nch, 1e-5);
	}
	/* mrstft's |log| has a kink wherever |Y| = |T|: keep |Y| near
	 * 3 |T| (as tests/runtime does) */
	for (i = 0; i < n; i++) {
		t[i] = 0.5 * urand() + (i % 2 ? 0.5 : -0.5);
		y[i] = 3 * t[i] + 0.02 * urand();
	}
	taylor("mrstft", "noise", y, t, n, 1, 1e-5);
	/* decaying harmonic tones, 1 s: 5 % flat, 1000 times quieter */
	n = (long)RATE;
	ty = alloc(n);
	tt = alloc(n);
	tone(tt, NULL, n, 1, 65.4, 1);
	tone(ty, NULL, n, 1, 65.4 * 0.95, 1e-3);
	for (i = 0; i < n; i++)
		ty[i] += 1e-6 * urand();
	for (j = 0; j < NGRAD; j++)
		if (strcmp(gradnames[j], "mse") && strcmp(gradnames[j], "mrstft"))
			taylor(gradnames[j], "tone", ty, tt, n, 1, 3e-6);
	free(y);
	free(t);
	free(ty);
	free(tt);
}

/* L(c y, t) = L(y, t) and L(y, c t) = L(y, t), to 1e-12 relative. */
static void
test_invariance(void)
{
	static const double cs[] = {1e-3, 1, 1e3};
	long n = 20000, i;
	double *y = alloc(2 * n), *t = alloc(2 * n), *w = alloc(2 * n), l0, l1, worst;
	int j, k, nch, which;
	char label[120];

	for (j = 0; j < NINV; j++) {
		for (which = 0; which < 2; which++) {
			worst = 0;
			for (nch = 1; nch <= 2; nch++) {
				RtLoss *l = make(invnames[j], n, nch);

				tone(t, NULL, n, nch, 110, 0.3);
				tone(y, NULL, n, nch, 104, 0.7);
				for (i = 0; i < n * nch; i++)
					y[i] += 0.01 * urand();
				l0 = rt_loss_eval(l, y, t, NULL);
				for (k = 0; k < 3; k++) {
					for (i = 0; i < n * nch; i++)
						w[i] = cs[k] * (which ? t[i] : y[i]);
					l1 = which ? rt_loss_eval(l, y, w, NULL) : rt_loss_eval(l, w, t, NULL);
					worst = fmax(worst, fabs(l1 - l0) / l0);
				}
				rt_loss_free(l);
			}
			snprintf(label, sizeof label, "%s-invariant-%s", invnames[j], which ? "target" : "render");
			check(worst <= 1e-12, label, "relative change %.3g with the %s scaled by 1e-3 .. 1e3",
			      worst, which ? "target" : "render");
		}
	}
	/* the table's flag says which ones */
	for (k = 0; rt_loss_name(k); k++) {
		RtLoss *l = make(rt_loss_name(k), n, 1);

		tone(t, NULL, n, 1, 110, 0.3);
		tone(y, NULL, n, 1, 104, 0.7);
		l0 = rt_loss_eval(l, y, t, NULL);
		for (i = 0; i < n; i++)
			w[i] = 1e-3 * y[i];
		l1 = rt_loss_eval(l, w, t, NULL);
		snprintf(label, sizeof label, "%s-invariant-flag", rt_loss_name(k));
		check((fabs(l1 - l0) <= 1e-12 * l0) == rt_loss_invariant(k), label,
		      "flag %d, but the loss goes from %.17g to %.17g at 1e-3 of the level",
		      rt_loss_invariant(k), l0, l1);
		rt_loss_free(l);
	}
	free(y);
	free(t);
	free(w);
}

/* The level-free spectral losses see each channel less its mean: an
 * offset of the target or the render (a recording's DC) changes nothing,
 * to rounding (it took over sot: 1.78 at the answer, a probe's); and
 * the gradient of a render with an offset passes its Taylor test. */
static void
test_dc(void)
{
	static const char *const names[] = {"simrstft", "sisc", "sispec", "sot", "spec"};
	long n = 20000, i;
	double *y = alloc(2 * n), *t = alloc(2 * n), *w = alloc(2 * n), *v = alloc(2 * n), l0, l1;
	int j, nch;
	char label[120];

	for (j = 0; j < (int)(sizeof names / sizeof names[0]); j++) {
		double worst = 0;
		for (nch = 1; nch <= 2; nch++) {
			RtLoss *l = make(names[j], n, nch);

			tone(t, NULL, n, nch, 110, 0.3);
			tone(y, NULL, n, nch, 104, 0.7);
			for (i = 0; i < n * nch; i++) {
				w[i] = t[i] + (i % nch ? -0.2 : 0.25);
				v[i] = y[i] + 0.4;
			}
			l0 = rt_loss_eval(l, y, t, NULL);
			l1 = rt_loss_eval(l, v, w, NULL);
			worst = fmax(worst, fabs(l1 - l0) / l0);
			rt_loss_free(l);
		}
		snprintf(label, sizeof label, "%s-dc-offset", names[j]);
		check(worst <= 1e-9, label, "relative change %.3g with offsets of 0.4 and 0.25 (peaks 0.7, 0.3)", worst);
	}
	n = 6000;
	for (i = 0; i < n; i++) {
		t[i] = 0.5 * urand() + 0.3;
		y[i] = 0.3 * urand() - 0.2;
	}
	for (j = 0; j < (int)(sizeof names / sizeof names[0]); j++)
		taylor(names[j], "noise-dc", y, t, n, 1, 1e-5);
	free(y);
	free(t);
	free(w);
	free(v);
}

/* Pitch from afar: the target at f0t, the render at 0.90 .. 1.10 of it
 * (21 points, 1 s).  want = 1: the loss rises with |f0 - f0t| on each
 * side and dL/df0 = sum dL/dy dy/df0 points away from f0t at all 20
 * points off it, at the level 1 and 1e-3.  want = 0 (mrstft): show that
 * it does not. */
static void
test_pitch(const char *name, double f0t, int want)
{
	long n = (long)RATE, i;
	double *t = alloc(n), *y = alloc(n), *dy = alloc(n), *g = alloc(n);
	double L[21], D[21], level;
	int k, lv, mono = 1, sign = 1, badk = -1;
	char label[120];
	RtLoss *l = make(name, n, 1);

	tone(t, NULL, n, 1, f0t, 1);
	for (lv = 0; lv < 2; lv++) {
		level = lv ? 1e-3 : 1;
		for (k = 0; k < 21; k++) {
			tone(y, dy, n, 1, f0t * (0.9 + 0.01 * k), level);
			L[k] = rt_loss_eval(l, y, t, g);
			D[k] = 0;
			for (i = 0; i < n; i++)
				D[k] += g[i] * dy[i];
		}
		for (k = 0; k < 21; k++) {
			if (k < 10 && !(L[k] > L[k + 1]) && mono)
				mono = 0, badk = k;
			if (k > 10 && !(L[k] > L[k - 1]) && mono)
				mono = 0, badk = k;
			if (k != 10 && !((k < 10 && D[k] < 0) || (k > 10 && D[k] > 0)) && sign)
				sign = 0, badk = badk < 0 ? k : badk;
		}
		if (getenv("LOSS_VERBOSE"))
			for (k = 0; k < 21; k++)
				printf("# %s level %g f0 x %.2f: L %.6g dL/df0 %.4g\n", name, level,
				       0.9 + 0.01 * k, L[k], D[k]);
	}
	if (want) {
		snprintf(label, sizeof label, "%s-pitch-monotone-%g", name, f0t);
		check(mono, label, "not monotone in |f0 - f0t| at f0 x %.2f", 0.9 + 0.01 * badk);
		snprintf(label, sizeof label, "%s-pitch-gradient-sign-%g", name, f0t);
		check(sign, label, "dL/df0 points the wrong way at f0 x %.2f", 0.9 + 0.01 * badk);
	} else {
		snprintf(label, sizeof label, "%s-pitch-blind-%g", name, f0t);
		check(!(mono && sign), label, "a per-bin loss was expected to lose the pitch "
		      "direction within 10 %%, and did not");
	}
	rt_loss_free(l);
	free(t);
	free(y);
	free(dy);
	free(g);
}

/* Edge cases: a silent render gets a finite loss and no gradient; a
 * silent target a finite one. */
static void
test_silence(void)
{
	long n = 5000, i;
	double *y = alloc(n), *z = alloc(n), *g = alloc(n), l0, l1;
	int k, ok;
	char label[120];

	tone(y, NULL, n, 1, 220, 1);
	for (k = 0; rt_loss_name(k); k++) {
		RtLoss *l = make(rt_loss_name(k), n, 1);

		l0 = rt_loss_eval(l, z, y, g);
		ok = isfinite(l0);
		for (i = 0; i < n; i++)
			ok &= isfinite(g[i]);
		l1 = rt_loss_eval(l, y, z, g);
		ok &= isfinite(l1);
		for (i = 0; i < n; i++)
			ok &= isfinite(g[i]);
		snprintf(label, sizeof label, "%s-silence", rt_loss_name(k));
		check(ok, label, "loss %g for a silent render, %g for a silent target", l0, l1);
		rt_loss_free(l);
	}
	free(y);
	free(z);
	free(g);
}

/* A recording's noise floor is not the model's to match: against a
 * decaying tone with white noise 30 dB under its peak, the tone itself
 * must be near (the level-free losses' log term takes its floor from
 * the target's median bin), and much nearer than the tone 8 % flat;
 * the same noise 100 dB down leaves them as on the clean tone. */
static void
test_noise_floor(void)
{
	static const char *const names[] = {"sispec", "simrstft", "spec"};
	long n = (long)RATE, i;
	double *t = alloc(n), *q = alloc(n), *y = alloc(n), *z = alloc(n), peak = 0, ly, lz, lc, lq;
	int k;
	char label[120];

	tone(y, NULL, n, 1, 65.4, 1);
	tone(z, NULL, n, 1, 65.4 * 0.92, 1);
	for (i = 0; i < n; i++)
		peak = fmax(peak, fabs(y[i]));
	for (i = 0; i < n; i++) {
		double w = urand() * sqrt(3.0);   /* unit variance */

		t[i] = y[i] + peak * pow(10, -30 / 20.0) * w;
		q[i] = y[i] + peak * 1e-5 * w;
	}
	for (k = 0; k < 3; k++) {
		RtLoss *l = make(names[k], n, 1);

		ly = rt_loss_eval(l, y, t, NULL);
		lz = rt_loss_eval(l, z, t, NULL);
		lc = rt_loss_eval(l, z, y, NULL);
		lq = rt_loss_eval(l, z, q, NULL);
		snprintf(label, sizeof label, "%s-noise-floor", names[k]);
		check(ly < lz / 3 && fabs(lq - lc) < 1e-3 * lc, label,
		      "the tone %g and the tone 8 %% flat %g from the tone in noise 30 dB down (want < 1/3); "
		      "8 %% flat from the clean tone %g, from it in noise 100 dB down %g", ly, lz, lc, lq);
		rt_loss_free(l);
	}
	free(t);
	free(q);
	free(y);
	free(z);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* The time of one loss and gradient of 1 s at 44.1 kHz (best of 5,
 * after a first call that fills the target's cache). */
static void
time_losses(double limit_ms)
{
	long n = (long)RATE;
	double *y = alloc(n), *t = alloc(n), *g = alloc(n), best, a;
	int k, r;

	tone(t, NULL, n, 1, 65.4, 1);
	tone(y, NULL, n, 1, 70, 1);
	for (k = 0; rt_loss_name(k); k++) {
		RtLoss *l = make(rt_loss_name(k), n, 1);

		rt_loss_eval(l, y, t, g);
		best = 1e9;
		for (r = 0; r < 5; r++) {
			a = now_ms();
			rt_loss_eval(l, y, t, g);
			best = fmin(best, now_ms() - a);
		}
		printf("# %-9s loss and gradient of 1 s at 44.1 kHz: %6.2f ms\n", rt_loss_name(k), best);
		if (limit_ms > 0 && !strcmp(rt_loss_name(k), RT_LOSS_DEFAULT))
			check(best < limit_ms, "default-time", "%.1f ms per evaluation, want < %.0f", best, limit_ms);
		rt_loss_free(l);
	}
	free(y);
	free(t);
	free(g);
}

int
main(int argc, char **argv)
{
	char err[200];

	if (argc > 1 && !strcmp(argv[1], "-t")) {
		time_losses(argc > 2 ? atof(argv[2]) : 0);
		return failed;
	}
	check(!rt_loss_new("nope", 10, 1, RATE, err, sizeof err) && strstr(err, "nope"),
	      "unknown-name", "rt_loss_new took 'nope' (%s)", err);
	test_taylor();
	test_invariance();
	test_dc();
	test_silence();
	test_noise_floor();
	/* C2 of the double bass, as the issue asks; then its lowest string
	 * (41.2 Hz, where 8192-point frames are needed) and A3 */
	test_pitch("sot", 65.4, 1);
	test_pitch(RT_LOSS_DEFAULT, 65.4, 1);
	test_pitch("mrstft", 65.4, 0);
	test_pitch(RT_LOSS_DEFAULT, 41.2, 1);
	test_pitch(RT_LOSS_DEFAULT, 220, 1);
	return failed;
}
