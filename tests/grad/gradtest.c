/* gradtest.c — checks the gradient functions of one dpmc-generated model.
 *
 *   cc -O2 -std=c99 -DMODEL=drum -DMODEL_H='"drum.h"' -I BUILD gradtest.c
 *      BUILD/drum.c -lm
 *   gradtest taylor -g 30,25 -d 0.05 [-p xs,ys] [-s ts=0.02]
 *   gradtest dot -g 12,10
 *   gradtest ckpt -g 15 -d 0.2
 *
 * taylor: the loss L(y) = sum_n 0.5 w_n y_n^2 + r_n y_n (w, r fixed and
 *   random, scaled so L is of order 1) and its gradient from P_backward.
 *   For every param and for a random direction d of all of them, with e
 *   times the param's scale s (its value, or for the position params named
 *   by -p a fifth of the smallest cell, so that the perturbation never
 *   leaves a cell), R1(e) = |L(p + e s d) - L(p)| must fall with slope 1
 *   and R2(e) = |L(p + e s d) - L(p) - e <grad, s d>| with slope 2, judged
 *   on the smallest two decades of e = 1e-2 .. 1e-8 where R2 stands above
 *   rounding: a wrong gradient leaves R2 at slope 1.  The grid is forced
 *   (-g) and the same for every evaluation, as the gradient holds it
 *   fixed.  -s NAME=SCALE overrides a scale.
 * dot: P_op is the real step (against one step of P_run from the model's
 *   initial state, which has no source at t = 0), held points come out 0
 *   from both P_op and P_op_adj, and for random u, up, l (0 on held
 *   points) |<A u + B up, l> - <u, A^T l> - <up, B^T l>| / |<A u + B up, l>|
 *   < 1e-11.
 * ckpt: the gradient with P_set_checkpoints 1 (all stored), 0 (the
 *   default), 7 (two threads when the segments are small), n + 3 (one
 *   checkpoint), 0 with P_set_memory half the trajectory (checkpoints
 *   and two threads by the budget), and 7 with the memory of half the
 *   pairs (blocks of segments, their pairs made again by the backward)
 *   is the same bit for bit; a second backward of the same forward gives
 *   the same bits again, or with blocks says it needs a forward.
 * Prints "PASS name (...)" or "FAIL name: why" lines; exit 1 on failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(f) CAT(MODEL, f)
#define STR_(a) #a
#define STR(a) STR_(a)

enum { MAXP = 64, NE = 7 };	/* e = 1e-2 .. 1e-8 */

static const char *mname = STR(MODEL);
static int failed;
static int grid[2], ndim, np, nout;
static double rate;
static long nsamp;

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

/* uniform in [-1, 1): xorshift64*, deterministic on every platform */
static double
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1;
}

static void
fail(const char *test, const char *fmt, double a, double b)
{
	printf("FAIL %s_%s: ", mname, test);
	printf(fmt, a, b);
	printf("\n");
	failed = 1;
}

static F(model) *
make(const double *p)
{
	char err[256];
	F(model) *m = F(create)(p, rate, grid, err, sizeof err);

	if (!m) {
		printf("FAIL %s_create: %s\n", mname, err);
		exit(1);
	}
	return m;
}

static double *
forward(F(model) *m, long n)
{
	char err[256];
	double *y = malloc(sizeof(double) * n * nout);

	if (!y || F(forward)(m, n, y, err, sizeof err)) {
		printf("FAIL %s_forward: %s\n", mname, y ? err : "out of memory");
		exit(1);
	}
	return y;
}

static void
backward(F(model) *m, const double *dldy, double *g)
{
	char err[256];

	if (F(backward)(m, dldy, g, err, sizeof err)) {
		printf("FAIL %s_backward: %s\n", mname, err);
		exit(1);
	}
}

/* ---- taylor ---- */

static double *wt, *rt;		/* the loss weights */

static double
loss(const double *y)
{
	double L = 0;
	long i;

	for (i = 0; i < nsamp * nout; i++)
		L += 0.5 * wt[i] * y[i] * y[i] + rt[i] * y[i];
	return L;
}

static double
loss_at(const double *p)
{
	F(model) *m = make(p);
	double *y = forward(m, nsamp), L = loss(y);

	free(y);
	F(destroy)(m);
	return L;
}

/* L at p + e dir */
static double
loss_along(const double *p, const double *dir, double e)
{
	double q[MAXP];
	int i;

	for (i = 0; i < np; i++)
		q[i] = p[i] + e * dir[i];
	return loss_at(q);
}

/* One Taylor test along dir (already scaled); 0 when it passes.  Far from
 * p the loss need not look like its Taylor polynomial (f0 moves every
 * partial; over 2000 samples a 1 % change is a large one), so the slopes
 * are judged on the two smallest decades whose remainder stands above
 * rounding, measured at e = +-1e-10 .. 1e-12 where the second-order term
 * is far below it. */
static int
taylor_dir(const char *name, const double *p, const double *dir,
           double L0, const double *g)
{
	double r1[NE], r2[NE], e = 1e-2, gd = 0, noise = 0, s1, s2;
	int i, k, last;
	char test[128];

	snprintf(test, sizeof test, "taylor_%s", name);
	for (i = 0; i < np; i++)
		gd += g[i] * dir[i];
	for (k = 0; k < NE; k++, e /= 10) {
		double L = loss_along(p, dir, e);

		if (!isfinite(L)) {
			fail(test, "L(p + %g d) = %g", e, L);
			return 1;
		}
		r1[k] = fabs(L - L0);
		r2[k] = fabs(L - L0 - e * gd);
	}
	for (e = 1e-10; e > 1e-13; e /= 10) {
		double r = fabs(loss_along(p, dir, e) - L0 - e * gd);
		double q = fabs(loss_along(p, dir, -e) - L0 + e * gd);

		noise = r > noise ? r : noise;
		noise = q > noise ? q : noise;
	}
	/* six samples of a random rounding error can all fall low: at least
	 * the error of a sum of nsamp terms, each a few ulps */
	noise = 10 * noise;
	if (noise < 1e-15 * sqrt((double)nsamp) * fabs(L0))
		noise = 1e-15 * sqrt((double)nsamp) * fabs(L0);
	for (last = NE - 1; last > 0 && !(r2[last] > noise); last--)
		;
	if (last < 2) {
		fail(test, "remainder R2(1e-3) = %.3g: not above rounding "
		     "(%.3g) over two decades", r2[1], noise);
		return 1;
	}
	for (k = last - 2; k < last; k++) {
		s1 = log10(r1[k] / r1[k + 1]);
		s2 = log10(r2[k] / r2[k + 1]);
		if (fabs(s1 - 1) > 0.1 || s2 < 1.8 || s2 > 2.25) {
			printf("FAIL %s_%s: slopes %.3f (first-order difference,"
			       " want 1) and %.3f (remainder, want 2) between "
			       "e = %g and %g (R1 = %.3g, %.3g; R2 = %.3g, %.3g)\n",
			       mname, test, s1, s2, pow(10, -2 - k),
			       pow(10, -3 - k), r1[k], r1[k + 1], r2[k], r2[k + 1]);
			failed = 1;
			return 1;
		}
	}
	printf("PASS %s_%s (slopes %.3f, %.3f from e = 1e-%d to 1e-%d; R2/R1 "
	       "there %.1e; rounding %.1e)\n", mname, test,
	       log10(r1[last - 2] / r1[last]) / 2, log10(r2[last - 2] / r2[last]) / 2,
	       last, last + 2, r2[last] / r1[last], noise);
	return 0;
}

static int
taylor(const double *p, const char *pos, const char *scales)
{
	F(model) *m = make(p);
	double g[MAXP], dir[MAXP], scale[MAXP], h[2] = { 1, 1 }, hmin, L0, rms = 0;
	double *y, *dldy;
	int n[2], i, j;
	long s;

	F(grid)(m, n, h);
	hmin = ndim == 2 && h[1] < h[0] ? h[1] : h[0];
	y = forward(m, nsamp);
	for (s = 0; s < nsamp * nout; s++)
		rms += y[s] * y[s];
	rms = sqrt(rms / (nsamp * nout));
	if (!(rms > 0)) {
		printf("FAIL %s_taylor: the output is silent\n", mname);
		return 1;
	}
	wt = malloc(sizeof(double) * nsamp * nout);
	rt = malloc(sizeof(double) * nsamp * nout);
	dldy = malloc(sizeof(double) * nsamp * nout);
	for (s = 0; s < nsamp * nout; s++) {
		wt[s] = (1.5 + rnd()) / (nsamp * nout * rms * rms);
		rt[s] = rnd() / (nsamp * nout * rms);
	}
	L0 = loss(y);
	for (s = 0; s < nsamp * nout; s++)
		dldy[s] = wt[s] * y[s] + rt[s];
	backward(m, dldy, g);
	F(destroy)(m);
	for (i = 0; i < np; i++) {
		const char *nm = F(param_name)(i), *at;
		size_t len = strlen(nm);

		scale[i] = p[i] != 0 ? fabs(p[i]) : 1;
		for (at = pos; at && (at = strstr(at, nm)); at += len)
			if ((at == pos || at[-1] == ',') &&
			    (at[len] == ',' || at[len] == 0))
				scale[i] = 0.2 * hmin;
		for (at = scales; at && (at = strstr(at, nm)); at += len)
			if ((at == scales || at[-1] == ',') && at[len] == '=')
				scale[i] = atof(at + len + 1);
		if (!isfinite(g[i])) {
			fail("taylor", "dL/dparam %g is not finite (param %g)",
			     g[i], i);
			return 1;
		}
	}
	for (i = 0; i < np; i++) {
		for (j = 0; j < np; j++)
			dir[j] = i == j ? scale[j] : 0;
		taylor_dir(F(param_name)(i), p, dir, L0, g);
	}
	for (j = 0; j < np; j++)
		dir[j] = rnd() * scale[j];
	taylor_dir("random_direction", p, dir, L0, g);
	free(y);
	free(dldy);
	return failed;
}

/* ---- dot ---- */

static double
dotp(const double *a, const double *b, long n)
{
	double s = 0;
	long i;

	for (i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static int
dot(const double *p)
{
	F(model) *m = make(p);
	int n[2] = { 0, 0 }, trial, nheld = 0;
	double h[2], top = 0, d = 0, worst = 0;
	long npts, i;
	double *u, *up, *un, *l, *lu, *lup, *u1;

	F(grid)(m, n, h);
	npts = (long)(n[0] + 1) * (ndim == 2 ? n[1] + 1 : 1);
	u = calloc(npts, sizeof *u);
	up = calloc(npts, sizeof *u);
	un = calloc(npts, sizeof *u);
	l = calloc(npts, sizeof *u);
	lu = calloc(npts, sizeof *u);
	lup = calloc(npts, sizeof *u);
	u1 = calloc(npts, sizeof *u);
	/* P_op is the step P_run takes */
	F(reset)(m);
	memcpy(u, F(state)(m, 0), sizeof *u * npts);
	memcpy(up, F(state)(m, 1), sizeof *u * npts);
	{
		double *y = malloc(sizeof(double) * nout);
		F(run)(m, 1, y);
		free(y);
	}
	memcpy(u1, F(state)(m, 0), sizeof *u * npts);
	F(op)(m, u, up, un);
	for (i = 0; i < npts; i++) {
		if (fabs(u1[i]) > top)
			top = fabs(u1[i]);
		if (fabs(un[i] - u1[i]) > d)
			d = fabs(un[i] - u1[i]);
	}
	if (!(top > 0) || !(d <= 1e-12 * top)) {
		fail("op_is_step", "max |P_op(u0, u-1) - u1| = %.3g, max |u1| = %.3g",
		     d, top);
		return 1;
	}
	printf("PASS %s_op_is_step (max diff %.2g of %.2g)\n", mname, d, top);
	for (trial = 0; trial < 3; trial++) {
		double lhs, rhs, rel;

		for (i = 0; i < npts; i++) {
			u[i] = rnd();
			up[i] = rnd();
			l[i] = rnd();
		}
		F(op)(m, u, up, un);
		F(op_adj)(m, l, lu, lup);
		nheld = 0;
		for (i = 0; i < npts; i++)
			if (un[i] == 0) {
				if (lu[i] != 0 || lup[i] != 0) {
					fail("dot", "point %g held by P_op but "
					     "not by P_op_adj (%g)", (double)i,
					     lu[i] != 0 ? lu[i] : lup[i]);
					return 1;
				}
				nheld++;
				u[i] = up[i] = l[i] = 0;
			}
		F(op)(m, u, up, un);
		F(op_adj)(m, l, lu, lup);
		lhs = dotp(un, l, npts);
		rhs = dotp(u, lu, npts) + dotp(up, lup, npts);
		rel = fabs(lhs - rhs) / fabs(lhs);
		if (!(rel < 1e-11)) {
			fail("dot", "|<Au + Bup, l> - <u, A'l> - <up, B'l>| / "
			     "|<Au + Bup, l>| = %.3g (<Au + Bup, l> = %.6g)",
			     rel, lhs);
			return 1;
		}
		if (rel > worst)
			worst = rel;
	}
	printf("PASS %s_dot (grid %d%s%.0d, %d held points, worst relative "
	       "error %.2g)\n", mname, n[0], ndim == 2 ? "x" : "",
	       ndim == 2 ? n[1] : 0, nheld, worst);
	F(destroy)(m);
	free(u), free(up), free(un), free(l), free(lu), free(lup), free(u1);
	return 0;
}

/* ---- ckpt ---- */

static int
ckpt(const double *p)
{
	F(model) *m = make(p);
	long every[6], s;
	double g[6][MAXP], *y, *y0 = NULL, *dldy, h[2], sb, mem[6] = {0};
	int c, i, n[2] = {0, 0};

	F(grid)(m, n, h);
	sb = (double)(n[0] + 1) * (ndim == 2 ? n[1] + 1 : 1) * sizeof(double);
	every[0] = 1, every[1] = 0, every[2] = 7, every[3] = nsamp + 3, every[4] = 0, every[5] = 7;
	/* half of what the whole trajectory takes */
	mem[4] = 0.5 * (double)(nsamp + 2) * sb;
	/* three buffers of 7 + 2 states, the expander's three, and half the
	 * pairs of every segment: blocks, some kept by the forward */
	mem[5] = (3.0 * (7 + 2) + 3 + (double)((nsamp + 6) / 7)) * sb;
	dldy = malloc(sizeof(double) * nsamp * nout);
	for (c = 0; c < 6; c++) {
		F(set_checkpoints)(m, every[c]);
		F(set_memory)(m, mem[c]);
		y = forward(m, nsamp);
		if (c == 0) {
			for (s = 0; s < nsamp * nout; s++)
				dldy[s] = y[s] + 1e-3 * rnd();
			y0 = y;
		} else {
			if (memcmp(y, y0, sizeof(double) * nsamp * nout)) {
				fail("checkpoints", "the output of P_forward "
				     "differs with checkpoints every %g (vs %g)",
				     (double)every[c], 1);
				return 1;
			}
			free(y);
		}
		backward(m, dldy, g[c]);
		/* another backward of the same forward: the same bits, or (the
		 * pairs in blocks, made over by the backward) an error; never
		 * a hang */
		{
			double g2[MAXP];
			char err[256] = "";

			if (F(backward)(m, dldy, g2, err, sizeof err) == 0
			    ? memcmp(g2, g[c], sizeof(double) * np) != 0
			    : c != 5 || !strstr(err, "needs a")) {
				printf("FAIL %s_checkpoints: a second backward (plan %d) %s\n", mname, c,
				       err[0] ? err : "gave other bits");
				failed = 1;
				return 1;
			}
		}
		if (c && memcmp(g[c], g[0], sizeof(double) * np)) {
			for (i = 0; i < np && g[c][i] == g[0][i]; i++)
				;
			printf("FAIL %s_checkpoints: checkpoints every %ld%s: "
			       "dL/d%s = %.17g, all stored: %.17g\n", mname,
			       every[c], mem[c] > 0 ? " in a small budget" : "",
			       F(param_name)(i), g[c][i], g[0][i]);
			failed = 1;
			return 1;
		}
	}
	printf("PASS %s_checkpoints (every 1, default, 7, %ld, default in half the "
	       "memory, 7 in blocks, each backward twice: %d gradients bit-identical over %ld steps)\n",
	       mname, every[3], np, nsamp);
	free(y0);
	free(dldy);
	F(destroy)(m);
	return 0;
}

int
main(int argc, char **argv)
{
	double p[MAXP], dur = 0.05;
	const char *mode, *pos = NULL, *scales = NULL;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: gradtest taylor|dot|ckpt [-g N[,M]] "
		        "[-d SECONDS] [-p POS,...] [-s NAME=SCALE,...] "
		        "[-v NAME=VALUE,...]\n");
		return 2;
	}
	mode = argv[1];
	np = F(nparams)();
	nout = F(noutputs)();
	ndim = F(ndim)();
	rate = F(default_rate)();
	if (!(rate > 0))
		rate = 44100;
	if (np > MAXP)
		return 2;
	for (i = 0; i < np; i++)
		p[i] = F(param_default)(i);
	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-g"))
			sscanf(argv[i + 1], "%d,%d", &grid[0], &grid[1]);
		else if (!strcmp(argv[i], "-d"))
			dur = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "-p"))
			pos = argv[i + 1];
		else if (!strcmp(argv[i], "-s"))
			scales = argv[i + 1];
		else if (!strcmp(argv[i], "-v")) {
			int j;

			for (j = 0; j < np; j++) {
				const char *nm = F(param_name)(j);
				size_t len = strlen(nm);

				if (!strncmp(argv[i + 1], nm, len) &&
				    argv[i + 1][len] == '=')
					p[j] = atof(argv[i + 1] + len + 1);
			}
		} else
			return 2;
	}
	nsamp = (long)(dur * rate + 0.5);
	if (!strcmp(mode, "taylor"))
		taylor(p, pos, scales);
	else if (!strcmp(mode, "dot"))
		dot(p);
	else if (!strcmp(mode, "ckpt"))
		ckpt(p);
	else
		return 2;
	return failed;
}
