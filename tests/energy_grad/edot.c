/* edot.c — a gradient through the energy channel (language.md 12.1),
 * of L = <g, E>: seeds g on `output E = energy` alone (random, the other
 * channels 0), d a random direction of all params (each times its value).
 * dot: <J^T g, d> from P_backward against <g, J d>, J d the channel's
 *   derivative along d by central differences, Richardson extrapolated
 *   (h, h/2, h/4), to 1e-7.
 * taylor: R2(e) = |L(p + e d) - L(p) - e <J^T g, d>| falls with slope 2
 *   over the smallest decade of e = 1e-1 .. 1e-7 where it stands 100
 *   times above rounding (its value at e = +-1e-10); a wrong gradient
 *   leaves it at slope 1.  With -t only: a lossless model's energy is
 *   that of its initial state, often linear in the params (R2 = 0).
 * Prints "PASS NAME_edot (...)" / "PASS NAME_etaylor (...)" or FAIL
 * lines; exit 1 on failure.
 *   cc -DMODEL=m -DMODEL_H='"m.h"' edot.c m.c -lm
 *   edot [-t] NAME CHANNEL NX [NY] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H
#include "../tools/host.h"

enum { NS = 1500, MAXP = 64 };

/* <g, E(p)> over the render */
static double
gE(F(model) *m, const double *p, const double *g, int ch, int no, double *y)
{
	char err[256];
	double s = 0;
	long i;

	if (F(set_params)(m, p, err, sizeof err)) {
		fprintf(stderr, "edot: %s\n", err);
		exit(2);
	}
	F(reset)(m);
	F(run)(m, NS, y);
	for (i = 0; i < NS; i++)
		s += g[i * no + ch] * y[i * no + ch];
	return s;
}

/* 0, or 1 after a FAIL line */
static int
taylor(F(model) *m, const double *p, const double *d, const double *g, int ch, int no, double *y,
       double dot, const char *name)
{
	double pp[MAXP], r2[8], e[8], L0 = gE(m, p, g, ch, no, y), round, sl;
	int i, j, np = F(nparams)(), best = -1;

	/* rounding: the remainder where e^2 is below the digits */
	for (round = 0, j = 0; j < 2; j++) {
		double ee = j ? -1e-10 : 1e-10, r;
		for (i = 0; i < np; i++)
			pp[i] = p[i] + ee * d[i];
		r = fabs(gE(m, pp, g, ch, no, y) - L0 - ee * dot);
		round = r > round ? r : round;
	}
	for (j = 0; j < 7; j++) {
		e[j] = pow(10, -1 - j);
		for (i = 0; i < np; i++)
			pp[i] = p[i] + e[j] * d[i];
		r2[j] = fabs(gE(m, pp, g, ch, no, y) - L0 - e[j] * dot);
		if (getenv("EDOT_VERBOSE"))
			fprintf(stderr, "e %g R2 %g\n", e[j], r2[j]);
	}
	for (j = 0; j + 1 < 7; j++)
		if (r2[j + 1] > 1e2 * round)
			best = j;
	if (best < 0) {
		printf("FAIL %s_etaylor: the remainder is not above rounding (%.2g) at e = 1e-2\n", name, round);
		return 1;
	}
	sl = log10(r2[best] / r2[best + 1]);
	if (!(sl > 1.8 && sl < 2.3)) {
		printf("FAIL %s_etaylor: remainder slope %.3f between e = %g and %g (R2 %.3g, %.3g), want 2\n",
		       name, sl, e[best], e[best + 1], r2[best], r2[best + 1]);
		return 1;
	}
	printf("PASS %s_etaylor (remainder slope %.3f between e = %g and %g; rounding %.1e)\n", name, sl,
	       e[best], e[best + 1], round);
	return 0;
}

int
main(int argc, char **argv)
{
	int tay = argc > 1 && !strcmp(argv[1], "-t");
	const char *name = argc > 1 + tay ? argv[1 + tay] : "model";
	int ch = argc > 2 + tay ? atoi(argv[2 + tay]) : 0;
	int grid[2] = {argc > 3 + tay ? atoi(argv[3 + tay]) : 0, argc > 4 + tay ? atoi(argv[4 + tay]) : 0};
	int np = F(nparams)(), no = F(noutputs)(), i, j;
	double p[MAXP], pp[MAXP], d[MAXP], gr[MAXP] = {0}, dj[3], h = 1e-4, lhs = 0, rhs, r1, r2;
	double *y = malloc(sizeof(double) * NS * (size_t)no), *g = calloc((size_t)NS * (size_t)no, sizeof(double));
	char err[256];
	F(model) *m;

	if (np > MAXP || !y || !g)
		return 2;
	for (i = 0; i < np; i++)
		p[i] = F(param_default)(i);
	if (!(m = F(create)(p, 0, grid, err, sizeof err))) {
		fprintf(stderr, "edot: %s\n", err);
		return 2;
	}
	F(run)(m, NS, y);
	/* seeds of the scale of 1 / E, so both sides are of order 1 */
	for (i = 0; i < NS; i++)
		g[i * no + ch] = rnd() / (fabs(y[i * no + ch]) * NS + 1e-300);
	for (i = 0; i < np; i++)
		d[i] = rnd() * (p[i] != 0 ? fabs(p[i]) : 1);
	if (F(forward)(m, NS, y, err, sizeof err) || F(backward)(m, g, gr, err, sizeof err)) {
		printf("FAIL %s_edot: %s\n", name, err);
		return 1;
	}
	for (i = 0; i < np; i++)
		lhs += gr[i] * d[i];
	for (j = 0; j < 3; j++, h /= 2) {
		double a, b;
		for (i = 0; i < np; i++)
			pp[i] = p[i] + h * d[i];
		a = gE(m, pp, g, ch, no, y);
		for (i = 0; i < np; i++)
			pp[i] = p[i] - h * d[i];
		b = gE(m, pp, g, ch, no, y);
		dj[j] = (a - b) / (2 * h);
	}
	r1 = (4 * dj[1] - dj[0]) / 3;
	r2 = (4 * dj[2] - dj[1]) / 3;
	rhs = (16 * r2 - r1) / 15;
	if (!(fabs(lhs - rhs) <= 1e-7 * fabs(rhs))) {
		printf("FAIL %s_edot: <J^T g, d> = %.15g, <g, J d> = %.15g (relative %.2e, want <= 1e-7)\n",
		       name, lhs, rhs, fabs(lhs - rhs) / fabs(rhs));
		return 1;
	}
	printf("PASS %s_edot (<J^T g, d> = %.12g, <g, J d> = %.12g, relative %.1e; differences agree to %.1e)\n",
	       name, lhs, rhs, fabs(lhs - rhs) / fabs(rhs), fabs(r2 - rhs) / fabs(rhs));
	if (tay && taylor(m, p, d, g, ch, no, y, lhs, name))
		return 1;
	F(destroy)(m);
	free(y);
	free(g);
	return 0;
}
