/* est.c — rt_partials and rt_match_partials (runtime/partials.c) against
 * stiff-string tones of known f1 and B, made here:
 *   x(t) = sum_k a_k exp(-d_k t) sin(2 pi f_k t + phi_k),
 *   f_k = k f0 sqrt(1 + B k^2),  f1 = f0 sqrt(1 + B),
 * random phases, white noise 40 dB under the tone, partials missing (a
 * pluck at a node), a level of 1e-3.  Then the real recordings given as
 * FILE=F1 arguments: f1 within 0.5 % of F1.  Prints PASS/FAIL lines;
 * exit 1 on a failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

#define RATE 44100.0
#define PI 3.14159265358979323846

static int fails;
static unsigned long long rng = 88172645463325252ULL;

static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static double
grand(void)
{
	double u = urand() + 1e-300, v = urand();
	return sqrt(-2 * log(u)) * cos(2 * PI * v);
}

static void
check(int ok, const char *name, const char *fmt, double a, double b)
{
	if (ok)
		printf("PASS %s\n", name);
	else {
		printf("FAIL %s: ", name);
		printf(fmt, a, b);
		printf("\n");
		fails++;
	}
}

/* A tone of n frames: partials up to kmax below 0.4 rate, skip[k] = 1
 * leaves partial k out; noise snr_db under its rms (0: none); level. */
static void
tone(double *x, long n, double f1, double B, int kmax, const int *skip, double snr_db, double level)
{
	double f0 = f1 / sqrt(1 + B), rms = 0;
	long t;
	int k;

	memset(x, 0, sizeof *x * (size_t)n);
	for (k = 1; k <= kmax; k++) {
		double fk = k * f0 * sqrt(1 + B * k * k), ph = 2 * PI * urand(), d = 1.5 + fk / 400;
		if (fk > 0.4 * RATE || (skip && skip[k]))
			continue;
		/* a rotating, shrinking phasor: one complex product a sample */
		double cr = cos(2 * PI * fk / RATE) * exp(-d / RATE), ci = sin(2 * PI * fk / RATE) * exp(-d / RATE);
		double re = cos(ph) / k, im = sin(ph) / k, tr;
		for (t = 0; t < n; t++) {
			x[t] += im;
			tr = re * cr - im * ci;
			im = re * ci + im * cr;
			re = tr;
		}
	}
	for (t = 0; t < n; t++)
		rms += x[t] * x[t];
	rms = sqrt(rms / n);
	for (t = 0; t < n; t++)
		x[t] = level * (x[t] + (snr_db > 0 ? rms * pow(10, -snr_db / 20) * grand() : 0));
}

/* A "model" for the stage: z = (log f1, log B, a decay that moves no
 * partial) rendered as a tone. */
static int
render(void *ctx, const double *z, double *y)
{
	long n = *(long *)ctx;

	tone(y, n, exp(z[0]), exp(z[1]), 30, NULL, 0, 1 + 0 * z[2]);
	return 0;
}

int
main(int argc, char **argv)
{
	static const double f1s[] = {40, 55, 98, 151, 247, 400};
	static const double Bs[] = {0, 1e-5, 1e-4, 1e-3};
	long n = (long)RATE, nb = 0;
	double *x = malloc(sizeof *x * (size_t)n), worstf = 0, worstb = 0, z[3], y0[3], df1[3];
	char name[200], err[200];
	int i, j, v, a, moved[3];
	RtPartials p;
	RtMatch m;

	/* variants: clean; noise; 2nd missing + noise; 3rd missing, 1e-3 level + noise */
	for (i = 0; i < 6; i++)
		for (j = 0; j < 4; j++)
			for (v = 0; v < 4; v++) {
				int skip[40] = {0};
				double f1 = f1s[i] * (1 + 0.01 * urand()), B = Bs[j], ef, eb, bk2;
				skip[2] = v == 2;
				skip[3] = v == 3;
				tone(x, n, f1, B, 30, skip, v ? 40 : 0, v == 3 ? 1e-3 : 1);
				snprintf(name, sizeof name, "partials_est_f%.0f_B%g_v%d", f1s[i], B, v);
				if (rt_partials(x, n, 1, RATE, 0, 0, &p, err, sizeof err) < 0) {
					printf("FAIL %s: %s\n", name, err);
					fails++;
					continue;
				}
				ef = fabs(p.f1 / f1 - 1);
				worstf = fmax(worstf, ef);
				/* B is measurable when it bends the highest partial found
				 * by at least 2 cents: B K^2 / 2 > 2 / 1731 */
				bk2 = B * p.K * p.K;
				eb = B > 0 ? fabs(p.B / B - 1) : p.B * p.K * p.K;
				if (bk2 > 2.3e-3)
					worstb = fmax(worstb, eb), nb++;
				if (ef > 1e-3 || (bk2 > 2.3e-3 && eb > 0.1) || (B == 0 && eb > 2.3e-3)) {
					printf("FAIL %s: f1 %.4f found %.4f (%.3g), B %g found %.3g, K %d, %d found\n",
					       name, f1, p.f1, ef, B, p.B, p.K, p.nfound);
					fails++;
				}
			}
	check(worstf <= 1e-3, "partials_est_f1", "worst f1 error %.3g (want <= 1e-3; %g)", worstf, 0);
	check(worstb <= 0.1 && nb > 20, "partials_est_B", "worst B error %.3g over %g measurable tones (want <= 0.1)",
	      worstb, (double)nb);
	printf("# partials: worst f1 error %.2g, worst B error %.2g (%ld tones with B measurable)\n",
	       worstf, worstb, nb);

	/* a partial series that is not there: noise alone */
	for (a = 0; a < n; a++)
		x[a] = grand();
	check(rt_partials(x, n, 1, RATE, 0, 0, &p, err, sizeof err) < 0 || p.nfound < 4,
	      "partials_noise_only", "found f1 %g with %g partials in white noise", p.f1, p.nfound);

	/* the stage on the toy model: from f1 8 % sharp and B x3 */
	tone(x, n, 110, 2e-4, 30, NULL, 40, 1e-3);
	z[0] = log(110 * 1.08);
	z[1] = log(6e-4);
	z[2] = 0.3;
	memcpy(y0, z, sizeof z);
	m.moved = moved;
	m.df1 = df1;
	if (rt_match_partials(render, &n, z, 3, x, n, 1, RATE, 10, &m, err, sizeof err) < 0 || !m.ran) {
		printf("FAIL partials_match_toy: %s\n", m.why ? m.why : err);
		fails++;
	} else {
		check(fabs(exp(z[0]) / 110 - 1) < 1e-3 && fabs(exp(z[1]) / 2e-4 - 1) < 0.1,
		      "partials_match_toy", "f1 %g B %g (want 110, 2e-4)", exp(z[0]), exp(z[1]));
		check(z[2] == y0[2] && !moved[2] && moved[0], "partials_match_keeps_idle",
		      "the idle param moved (%g -> %g)", y0[2], z[2]);
		/* z[0] is log f1: 1200 / ln 2 cents per unit; the idle param none */
		check(fabs(df1[0] / (1200 / log(2)) - 1) < 0.01 && df1[2] == 0, "partials_match_df1",
		      "f1's slopes %g and %g cents per unit z (want 1731.2 and 0)", df1[0], df1[2]);
		printf("# match toy: %.1f -> %.2f cents, %d partials, %d iterations, %d renders\n",
		       m.cents0, m.cents, m.matched, m.iters, m.renders);
	}

	/* recordings: FILE=F1 */
	for (a = 1; a < argc; a++) {
		char *eq = strrchr(argv[a], '=');
		long nf;
		int nch, rate;
		double *w, want;
		if (!eq)
			continue;
		*eq = 0;
		want = atof(eq + 1);
		snprintf(name, sizeof name, "partials_recording_%s", strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a]);
		if (!(w = rt_wav_read(argv[a], &nf, &nch, &rate, err, sizeof err))) {
			printf("FAIL %s: %s\n", name, err);
			fails++;
			continue;
		}
		if (rt_partials(w, nf < rate ? nf : rate, nch, rate, 0, 0, &p, err, sizeof err) < 0) {
			printf("FAIL %s: %s\n", name, err);
			fails++;
		} else {
			check(fabs(p.f1 / want - 1) <= 5e-3, name, "f1 %.3f Hz, want %.1f within 0.5 %%", p.f1, want);
			printf("# %s: f1 %.3f Hz (README %.1f), B %.3g, %d partials up to %d, %.1f cents rms; "
			       "T60 of partial 1 %.2f s; measured %.2f %.2f %.2f %.2f\n", name, p.f1, want, p.B, p.nfound, p.K, p.rms_cents,
			       p.decay[0] > 0 ? 6.9078 / p.decay[0] : 0, p.f[0], p.f[1], p.f[2], p.f[3]);
		}
		free(w);
	}
	free(x);
	return fails != 0;
}
