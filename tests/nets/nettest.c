/* nettest.c — the gradient of a dpmc-generated model through its nets.
 *
 *   cc -O2 -std=c99 -DMODEL=m -DMODEL_H='"m.h"' -I BUILD nettest.c BUILD/m.c -pthread -lm
 *   nettest taylor -g 40 -d 0.05 [-w 0.3] -p f0,tone.1.W.0.1,...
 *   nettest dot -g 40 -d 0.05 [-w 0.3]
 *   nettest bits -g 40 -d 0.05 [-w 0.3]
 *
 * The params start at the model's defaults with every net weight (a param
 * whose name has a '.') replaced by w times a random number in [-1, 1)
 * (-w, default 0.3; 0 keeps the defaults), so that no layer is zero and
 * every weight has a gradient.
 * taylor: L(y) = sum_n 0.5 a_n y_n^2 + r_n y_n (a, r fixed, random,
 *   scaled so L is of order 1) and its gradient from P_backward.  For each
 *   param named by -p and for a random direction of all of them, with e
 *   times the param's scale (1 for a weight, its value otherwise), R1(e)
 *   = |L(p + e s d) - L(p)| must fall with slope 1 and R2(e) = |L(p + e s
 *   d) - L(p) - e <grad, s d>| with slope 2 on the smallest two decades of
 *   e = 1e-2 .. 1e-8 where R2 stands above rounding.
 * dot: the adjoint identity at the param level, <J^T r, d> = <r, J d>,
 *   J = dy/dparam: r random, J^T r from P_backward (linear loss r . y), J d
 *   by central differences of renders along a random direction d of every
 *   param (Richardson from steps h and 2h); they must agree to 1e-6
 *   relative.
 * bits: the gradient with P_set_checkpoints 1 and 0, and with 7, the same
 *   bits.
 * Prints "PASS name (...)" or "FAIL name: why"; exit 1 on a failure. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H
#include "../tools/host.h"

enum { NE = 7 };

static const char *mname = STR(MODEL);
static int failed, grid[2], np, nout;
static long nsamp;
static double rate;

/* uniform in [-1, 1): xorshift64* */

static int
is_weight(int i)
{
	return strchr(F(param_name)(i), '.') != NULL;
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

/* y of the model at p: nsamp * nout values */
static void
render(const double *p, double *y)
{
	F(model) *m = make(p);

	F(run)(m, nsamp, y);
	F(destroy)(m);
}

static double *a_w, *a_r;

static double
loss(const double *y, double *dldy)
{
	double L = 0;
	long i, n = nsamp * nout;

	for (i = 0; i < n; i++) {
		L += 0.5 * a_w[i] * y[i] * y[i] + a_r[i] * y[i];
		if (dldy)
			dldy[i] = a_w[i] * y[i] + a_r[i];
	}
	return L;
}

static double
loss_at(const double *p)
{
	double *y = malloc(sizeof *y * (size_t)(nsamp * nout)), L;

	render(p, y);
	L = loss(y, NULL);
	free(y);
	return L;
}

static void
gradient(const double *p, double *g, long every, int linear)
{
	char err[256];
	double *y = malloc(sizeof *y * (size_t)(nsamp * nout)), *dl = malloc(sizeof *dl * (size_t)(nsamp * nout));
	long i;
	F(model) *m = make(p);

	F(set_checkpoints)(m, every);
	if (F(forward)(m, nsamp, y, err, sizeof err)) {
		printf("FAIL %s_forward: %s\n", mname, err);
		exit(1);
	}
	if (linear)
		for (i = 0; i < nsamp * nout; i++)
			dl[i] = a_r[i];
	else
		loss(y, dl);
	if (F(backward)(m, dl, g, err, sizeof err)) {
		printf("FAIL %s_backward: %s\n", mname, err);
		exit(1);
	}
	F(destroy)(m);
	free(y);
	free(dl);
}

/* The Taylor test along d (scaled); name for the report. */
static void
taylor(const char *name, const double *p, const double *g, const double *d)
{
	double *q = malloc(sizeof *q * (size_t)np), L0 = loss_at(p), gd = 0, r1[NE], r2[NE], e;
	double floor_ = 1e-13 * (fabs(L0) + 1e-300);
	int k, i, lo = -1;

	for (i = 0; i < np; i++)
		gd += g[i] * d[i];
	for (k = 0; k < NE; k++) {
		e = pow(10, -2 - k);
		for (i = 0; i < np; i++)
			q[i] = p[i] + e * d[i];
		r1[k] = fabs(loss_at(q) - L0);
		r2[k] = fabs(loss_at(q) - L0 - e * gd);
	}
	free(q);
	if (r1[0] == 0 && gd == 0) {
		printf("FAIL %s_taylor_%s: the loss does not move with it\n", mname, name);
		failed = 1;
		return;
	}
	/* the two smallest decades where R2 is well above rounding */
	for (k = NE - 1; k >= 2; k--)
		if (r2[k] > 100 * floor_ && r2[k - 1] > 100 * floor_ && r2[k - 2] > 100 * floor_) {
			lo = k - 2;
			break;
		}
	if (lo < 0) {
		printf("FAIL %s_taylor_%s: R2 never above rounding (R2 %.2e at e = 1e-2)\n", mname, name,
		       r2[0]);
		failed = 1;
		return;
	}
	{
		double s1 = log10(r1[lo] / r1[lo + 2]) / 2, s2 = log10(r2[lo] / r2[lo + 2]) / 2;
		if (fabs(s1 - 1) > 0.1 || fabs(s2 - 2) > 0.1) {
			printf("FAIL %s_taylor_%s: slopes %.3f, %.3f from e = 1e-%d (want 1, 2)\n", mname, name,
			       s1, s2, lo + 2);
			failed = 1;
		} else {
			printf("PASS %s_taylor_%s (slopes %.3f, %.3f from e = 1e-%d to 1e-%d)\n", mname, name, s1,
			       s2, lo + 2, lo + 4);
		}
	}
}

static int
param_index(const char *name)
{
	int i;

	for (i = 0; i < np; i++)
		if (!strcmp(F(param_name)(i), name))
			return i;
	printf("FAIL %s_param: no param '%s'\n", mname, name);
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "", *plist = NULL;
	double dur = 0.05, wscale = 0.3, *p, *g, *d;
	long i;
	int a, k;

	for (a = 2; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "-g"))
			k = sscanf(argv[a + 1], "%d,%d", &grid[0], &grid[1]);
		else if (!strcmp(argv[a], "-d"))
			dur = atof(argv[a + 1]);
		else if (!strcmp(argv[a], "-w"))
			wscale = atof(argv[a + 1]);
		else if (!strcmp(argv[a], "-p"))
			plist = argv[a + 1];
	}
	(void)k;
	np = F(nparams)();
	nout = F(noutputs)();
	rate = F(default_rate)();
	nsamp = (long)(dur * rate);
	p = malloc(sizeof *p * (size_t)(np + 1));
	g = malloc(sizeof *g * (size_t)(np + 1));
	d = malloc(sizeof *d * (size_t)(np + 1));
	a_w = malloc(sizeof *a_w * (size_t)(nsamp * nout));
	a_r = malloc(sizeof *a_r * (size_t)(nsamp * nout));
	for (i = 0; i < np; i++)
		p[i] = F(param_default)(i);
	for (i = 0; i < np; i++)
		if (is_weight((int)i) && wscale > 0)
			p[i] = wscale * rnd();
	{
		/* the loss of order 1 whatever the level of y */
		double *y = malloc(sizeof *y * (size_t)(nsamp * nout)), s = 0;
		render(p, y);
		for (i = 0; i < nsamp * nout; i++)
			s += y[i] * y[i];
		s = s > 0 ? sqrt(s) : 1;
		for (i = 0; i < nsamp * nout; i++) {
			a_w[i] = (1.5 + rnd()) / (s * s);
			a_r[i] = rnd() / s;
		}
		free(y);
	}
	if (!strcmp(mode, "taylor")) {
		char *list = plist ? strdup(plist) : NULL, *t;
		gradient(p, g, 0, 0);
		for (t = list ? strtok(list, ",") : NULL; t; t = strtok(NULL, ",")) {
			int j = param_index(t);
			memset(d, 0, sizeof *d * (size_t)np);
			d[j] = is_weight(j) ? 1 : p[j] != 0 ? p[j] : 1;
			taylor(t, p, g, d);
		}
		for (i = 0; i < np; i++)
			d[i] = rnd() * (is_weight((int)i) ? 1 : p[i] != 0 ? fabs(p[i]) * 0.1 : 0.1);
		taylor("random_direction", p, g, d);
		free(list);
	} else if (!strcmp(mode, "dot")) {
		double lhs = 0, rhs = 0, h = 2e-5, *y1 = malloc(sizeof *y1 * (size_t)(nsamp * nout)),
		       *y2 = malloc(sizeof *y2 * (size_t)(nsamp * nout)), *q = malloc(sizeof *q * (size_t)np),
		       dh[2], rel;
		int pass;
		gradient(p, g, 0, 1);
		for (i = 0; i < np; i++) {
			d[i] = rnd() * (is_weight((int)i) ? 1 : p[i] != 0 ? fabs(p[i]) : 1);
			lhs += g[i] * d[i];
		}
		/* J d by central differences at h and 2h, then Richardson */
		for (pass = 0; pass < 2; pass++) {
			double hh = pass ? 2 * h : h, s = 0;
			for (i = 0; i < np; i++)
				q[i] = p[i] + hh * d[i];
			render(q, y1);
			for (i = 0; i < np; i++)
				q[i] = p[i] - hh * d[i];
			render(q, y2);
			for (i = 0; i < nsamp * nout; i++)
				s += a_r[i] * (y1[i] - y2[i]) / (2 * hh);
			dh[pass] = s;
		}
		rhs = (4 * dh[0] - dh[1]) / 3;
		rel = fabs(lhs - rhs) / (fabs(rhs) + 1e-300);
		if (rel < 1e-6 && lhs != 0)
			printf("PASS %s_dot (<J^T r, d> = %.12g, <r, J d> = %.12g, relative %.1e)\n", mname, lhs,
			       rhs, rel);
		else {
			printf("FAIL %s_dot: <J^T r, d> = %.12g, <r, J d> = %.12g, relative %.1e\n", mname, lhs,
			       rhs, rel);
			failed = 1;
		}
		free(y1);
		free(y2);
		free(q);
	} else if (!strcmp(mode, "bits")) {
		double *g1 = malloc(sizeof *g1 * (size_t)(np + 1)), *g7 = malloc(sizeof *g7 * (size_t)(np + 1));
		gradient(p, g, 1, 0);
		gradient(p, g1, 0, 0);
		gradient(p, g7, 7, 0);
		for (i = 0; i < np; i++)
			if (memcmp(&g[i], &g1[i], sizeof *g) || memcmp(&g[i], &g7[i], sizeof *g))
				break;
		if (i < np) {
			printf("FAIL %s_bits: dL/d%s differs with the checkpoints: %.17g, %.17g, %.17g\n", mname,
			       F(param_name)((int)i), g[i], g1[i], g7[i]);
			failed = 1;
		} else {
			printf("PASS %s_bits (%d params, the same bits with checkpoints 1, 0, 7)\n", mname, np);
		}
		free(g1);
		free(g7);
	} else {
		fprintf(stderr, "usage: nettest taylor|dot|bits -g N[,M] -d SECONDS [-w SCALE] [-p NAMES]\n");
		return 2;
	}
	free(p);
	free(g);
	free(d);
	free(a_w);
	free(a_r);
	return failed;
}
