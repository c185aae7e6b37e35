/* loss_test.c — the losses of runtime/loss.c against their definitions,
 * and their gradients against central finite differences.  loss.c is
 * included whole so the real-FFT adjoint can be dot-tested on its own.
 * Prints PASS/FAIL lines; exits 1 on a failure. */
#define _POSIX_C_SOURCE 200809L
#include "../../runtime/loss.c"

#include <time.h>

static int failed;

static void
check(int ok, const char *name, const char *fmt, double a, double b)
{
	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	printf("FAIL %s: ", name);
	printf(fmt, a, b);
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
noise(long m, double amp)
{
	double *x = malloc((size_t)m * sizeof *x);
	long i;

	for (i = 0; i < m; i++)
		x[i] = amp * urand();
	return x;
}

typedef double (*LossFn)(RtStft *, const double *, const double *, long, int, double *);

static double
mse(RtStft *s, const double *y, const double *t, long n, int nch, double *g)
{
	(void)s;
	return rt_loss_mse(y, t, n, nch, g);
}

/* The worst relative error of the gradient against central differences:
 * along `ndir` random directions and at `ncoord` single samples. */
static double
fd_error(LossFn f, RtStft *s, double *y, const double *t, long n, int nch,
         int ndir, int ncoord, double h)
{
	long m = n * nch, i, c;
	double *g = malloc((size_t)m * sizeof *g), *d = malloc((size_t)m * sizeof *d);
	double *y0 = malloc((size_t)m * sizeof *y0);
	double worst = 0, an, fd, lp, lm, err, dj[2];
	int k, j;

	f(s, y, t, n, nch, g);
	memcpy(y0, y, (size_t)m * sizeof *y);
	for (k = 0; k < ndir + ncoord; k++) {
		if (k < ndir) {
			for (i = 0; i < m; i++)
				d[i] = urand();
		} else {
			/* the steepest of 20 random samples: a tiny partial
			 * derivative would only measure rounding */
			long best = 0, tries;

			memset(d, 0, (size_t)m * sizeof *d);
			for (tries = 0; tries < 20; tries++) {
				c = (long)((urand() + 1) / 2 * (double)m);
				c = c < m ? c : m - 1;
				if (fabs(g[c]) > fabs(g[best]))
					best = c;
			}
			d[best] = 1;
		}
		an = 0;
		for (i = 0; i < m; i++)
			an += g[i] * d[i];
		/* Richardson: (4 D(h/2) - D(h)) / 3 cancels the h^2 term,
		 * which is large where a bin's magnitude is small (log). */
		for (j = 0; j < 2; j++) {
			double hj = j ? h / 2 : h;

			for (i = 0; i < m; i++)
				y[i] = y0[i] + hj * d[i];
			lp = f(s, y, t, n, nch, NULL);
			for (i = 0; i < m; i++)
				y[i] = y0[i] - hj * d[i];
			lm = f(s, y, t, n, nch, NULL);
			dj[j] = (lp - lm) / (2 * hj);
		}
		memcpy(y, y0, (size_t)m * sizeof *y);
		fd = (4 * dj[1] - dj[0]) / 3;
		err = fabs(fd - an) / fmax(fabs(an), 1e-300);
		if (err > worst)
			worst = err;
	}
	free(g);
	free(d);
	free(y0);
	return worst;
}

static void
test_mse(void)
{
	long n = 1000, i;
	double *y = noise(2 * n, 1), *t = malloc(2 * n * sizeof *t), *g = malloc(2 * n * sizeof *g);
	double l, e, worst = 0;
	int ok = 1;
	char name[64];

	for (i = 0; i < 2 * n; i++)
		t[i] = y[i] - 0.25;
	l = rt_loss_mse(y, t, n, 2, g);
	for (i = 0; i < 2 * n; i++)
		ok &= fabs(g[i] - 2 * 0.25 / (2 * n)) < 1e-15;
	check(fabs(l - 0.0625) < 1e-14 && ok, "mse_offset",
	      "loss %.17g for an offset of 0.25, want 0.0625 (grad ok %g)", l, ok);
	check(rt_loss_mse(y, y, n, 2, NULL) == 0, "mse_identical", "%g %g", 1, 0);
	for (i = 0; i < 3; i++) {
		free(t);
		t = noise(2 * n, 0.5);
		e = fd_error(mse, NULL, y, t, n, (int)(i % 2) + 1, 4, 4, 1e-5);
		worst = fmax(worst, e);
	}
	snprintf(name, sizeof name, "mse_grad_fd");
	check(worst < 1e-6, name, "relative error %g, want < %g", worst, 1e-6);
	free(y);
	free(t);
	free(g);
}

/* <F x, G> (real pairs) = <x, F^T G> for the r2c of every size. */
static void
test_adjoint(void)
{
	RtStft *s = rt_stft_new(4096);
	double x[2048], G[1025][2], lhs, rhs, worst = 0;
	int j, k, m, K;

	for (j = 0; j < s->nsize; j++) {
		Size *z = &s->size[j];
		K = z->N / 2 + 1;
		for (m = 0; m < z->N; m++)
			s->in[m] = x[m] = urand();
		fftw_execute(z->fwd);
		lhs = 0;
		for (k = 0; k < K; k++) {
			G[k][0] = urand();
			G[k][1] = urand();
			lhs += s->spec[k][0] * G[k][0] + s->spec[k][1] * G[k][1];
		}
		memcpy(s->spec, G, (size_t)K * sizeof G[0]);
		rfft_adjoint(s, z);
		rhs = 0;
		for (m = 0; m < z->N; m++)
			rhs += x[m] * s->in[m];
		worst = fmax(worst, fabs(lhs - rhs) / fabs(lhs));
	}
	check(worst < 1e-12, "rfft_adjoint_dot", "relative mismatch %g, want < %g", worst, 1e-12);
	rt_stft_free(s);
}

static void
test_mrstft(void)
{
	static const long lens[] = {40, 300, 1000, 2500};
	long n, i;
	int li, nch;
	double *y, *t, *g, l, l1, l2, worst = 0, e;
	RtStft *s;
	char name[64];

	/* identical signals: 0, and a gradient of 0 */
	n = 3000;
	s = rt_stft_new(n);
	y = noise(2 * n, 0.3);
	g = malloc(2 * n * sizeof *g);
	l = rt_loss_mrstft(s, y, y, n, 2, g);
	e = 0;
	for (i = 0; i < 2 * n; i++)
		e = fmax(e, fabs(g[i]));
	check(l == 0 && e == 0, "mrstft_identical", "loss %g, largest gradient %g", l, e);

	/* y = 2t: SC = 1 and LM = log 2, less the floor's share: a bin at
	 * |T| gives log((2|T| + eps) / (|T| + eps)), short of log 2 by at
	 * most eps / |T|, and noise has few bins 1000 times below its
	 * loudest (LOG_FLOOR) */
	t = noise(2 * n, 0.3);
	for (i = 0; i < 2 * n; i++)
		y[i] = 2 * t[i];
	l = rt_loss_mrstft(s, y, t, n, 2, NULL);
	check(l < 1 + log(2) && l > 1 + log(2) - 0.01, "mrstft_scaled",
	      "loss %.12g for y = 2 target, want a little under 1 + log 2 = %.12g", l, 1 + log(2));
	/* the floor is relative to the target: the loss ignores the level
	 * (but for MAG_EPS2, far below these magnitudes) */
	for (i = 0; i < 2 * n; i++) {
		y[i] = 0.5 * t[i] + 0.1 * urand();
		g[i] = 0.01 * y[i];
	}
	l1 = rt_loss_mrstft(s, y, t, n, 2, NULL);
	{
		double *t3 = malloc(2 * n * sizeof *t3);

		for (i = 0; i < 2 * n; i++)
			t3[i] = 0.01 * t[i];
		l2 = rt_loss_mrstft(s, g, t3, n, 2, NULL);
		free(t3);
	}
	check(fabs(l1 - l2) < 1e-5 * l1, "mrstft_level_invariant",
	      "loss %.17g, and %.17g with both signals at -40 dB", l1, l2);
	/* ... and it hides what lies 60 dB under the target's peak: a tone
	 * 100 dB down added to y costs next to nothing, the same tone 20 dB
	 * down costs SC 0.1 and LM about log 10 in its bins */
	{
		double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);

		for (i = 0; i < n; i++) {
			a[i] = sin(2 * PI * 440 * i / 44100.0);
			b[i] = a[i] + 1e-5 * sin(2 * PI * 5000 * i / 44100.0);
		}
		l1 = rt_loss_mrstft(s, b, a, n, 1, NULL);
		for (i = 0; i < n; i++)
			b[i] = a[i] + 0.1 * sin(2 * PI * 5000 * i / 44100.0);
		l2 = rt_loss_mrstft(s, b, a, n, 1, NULL);
		check(l1 < 1e-3 && l2 > 0.1, "mrstft_log_floor",
		      "loss %g with a tone 100 dB down, %g with one 20 dB down", l1, l2);
		free(a);
		free(b);
	}

	/* two channels: the mean of each alone */
	free(y);
	y = noise(2 * n, 0.3);
	l = rt_loss_mrstft(s, y, t, n, 2, NULL);
	{
		double *y1 = malloc(n * sizeof *y1), *t1 = malloc(n * sizeof *t1);
		int c;

		l1 = 0;
		for (c = 0; c < 2; c++) {
			for (i = 0; i < n; i++) {
				y1[i] = y[2 * i + c];
				t1[i] = t[2 * i + c];
			}
			l1 += rt_loss_mrstft(s, y1, t1, n, 1, NULL) / 2;
		}
		check(fabs(l - l1) < 1e-14 * l, "mrstft_channels_mean",
		      "stereo loss %.17g, mean of channels %.17g", l, l1);
		/* an RtStft made longer gives the same loss on a shorter signal */
		{
			RtStft *s2 = rt_stft_new(700);

			l1 = rt_loss_mrstft(s, y1, t1, 700, 1, NULL);
			l2 = rt_loss_mrstft(s2, y1, t1, 700, 1, NULL);
			check(l1 == l2, "mrstft_shorter_n", "loss %.17g with a longer RtStft, %.17g made to measure", l1, l2);
			rt_stft_free(s2);
		}
		free(y1);
		free(t1);
	}
	/* a loud partial at the wrong pitch costs more than one slightly off */
	{
		double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);

		for (i = 0; i < n; i++) {
			a[i] = sin(2 * PI * 440 * i / 44100.0);
			b[i] = sin(2 * PI * 445 * i / 44100.0);
			c[i] = sin(2 * PI * 880 * i / 44100.0);
		}
		l1 = rt_loss_mrstft(s, b, a, n, 1, NULL);
		l2 = rt_loss_mrstft(s, c, a, n, 1, NULL);
		check(0 < l1 && l1 < l2, "mrstft_pitch_order",
		      "loss %g at 445 Hz and %g at 880 Hz against 440 Hz", l1, l2);
		free(a);
		free(b);
		free(c);
	}
	free(y);
	free(t);
	free(g);
	rt_stft_free(s);

	/* gradients against finite differences, lengths across the sizes */
	for (li = 0; li < 4; li++) {
		for (nch = 1; nch <= 2; nch++) {
			n = lens[li];
			s = rt_stft_new(n);
			/* Smooth points.  LM has a kink wherever |Y| = |T|: keep
			 * |Y| near 3|T| or 0.3|T| in every bin.  And |X| is
			 * smooth only on the 1e-6 scale of MAG_EPS2 where X
			 * passes 0, which the real bins (DC and N/2) of noise
			 * do often: an offset and a tone at N/2 keep them large. */
			t = noise(n * nch, 0.5);
			y = noise(n * nch, 0.02);
			for (i = 0; i < n * nch; i++) {
				t[i] += 0.5 + (i / nch % 2 ? 0.5 : -0.5);
				y[i] += (nch == 1 ? 3 : 0.3) * t[i];
			}
			e = fd_error(rt_loss_mrstft, s, y, t, n, nch, 3, 3, 1e-6);
			worst = fmax(worst, e);
			if (e >= 1e-4)
				printf("# mrstft n %ld nch %d: relative error %g\n", n, nch, e);
			free(y);
			free(t);
			rt_stft_free(s);
		}
	}
	snprintf(name, sizeof name, "mrstft_grad_fd");
	check(worst < 1e-4, name, "relative error %g, want < %g", worst, 1e-4);
}

/* How long a loss and gradient of 4 s takes: printed, not judged. */
static void
time_mrstft(void)
{
	long n = 4 * 44100;
	RtStft *s = rt_stft_new(n);
	double *y = noise(n, 0.3), *t = noise(n, 0.3), *g = malloc(n * sizeof *g);
	struct timespec a, b;

	int i;

	for (i = 0; i < 4; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		rt_loss_mrstft(s, y, t, n, 1, i % 2 ? NULL : g);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("# mrstft loss%s of 4 s at 44.1 kHz: %.1f ms\n", i % 2 ? "" : " and gradient",
		       (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) * 1e-6);
	}
	free(y);
	free(t);
	free(g);
	rt_stft_free(s);
}

int
main(int argc, char **argv)
{
	test_mse();
	test_adjoint();
	test_mrstft();
	if (argc > 1 && strcmp(argv[1], "-t") == 0)
		time_mrstft();
	fftw_cleanup();
	return failed;
}
