/* bdot.c — the dot test of a bow's transpose (tests/bow_grad): with a
 * force linear in the centred velocity (dashpot.dpm), the step is linear
 * in the state, P_op is that step (the bow solved by Newton) and
 * P_op_adj must be its exact transpose, the implicit-function theorem's
 * lambda + mu S_v r / 2k included.
 *
 *   cc -O2 -std=c99 -DMODEL=dashpot -DMODEL_H='"m.h"' -I BUILD bdot.c
 *      BUILD/m.c -lm
 *   bdot NBOW GRID
 *
 * The states hold the grid's points, then each bow's last root (the next
 * step's first guess, no unknown of the dynamics: its adjoint is 0, so l
 * is 0 there).
 * 1. P_op(u[0], u[-1]) is one step of P_run from the initial state.
 * 2. For random u, up, l (0 where P_op leaves 0: held points),
 *    |<P(u, up), l> - <u, A'l> - <up, B'l>| < 1e-12 |<P(u, up), l>|.
 * Prints "PASS ..." or "FAIL ..." lines; exit 1 on failure. */
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

static unsigned long long rng = 0x6a09e667f3bcc909ULL;

static double
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1;
}

static double
dot(const double *a, const double *b, long n)
{
	double s = 0;
	long i;

	for (i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

int
main(int argc, char **argv)
{
	const char *name = STR(MODEL);
	char err[256];
	int grid[2] = {0, 0}, n[2], trial, nb;
	double h[2], top = 0, d = 0, worst = 0, y[64];
	double *u, *up, *un, *l, *lu, *lup, *u1;
	long np, ng, i;
	F(model) *m;

	if (argc < 3) {
		fprintf(stderr, "usage: bdot NBOW GRID\n");
		return 2;
	}
	nb = atoi(argv[1]);
	grid[0] = atoi(argv[2]);
	if (!(m = F(create)(NULL, 0, grid, err, sizeof err))) {
		printf("FAIL %s_create: %s\n", name, err);
		return 1;
	}
	F(grid)(m, n, h);
	ng = n[0] + 1;
	np = ng + nb;
	u = calloc(np, sizeof *u), up = calloc(np, sizeof *u), un = calloc(np, sizeof *u);
	l = calloc(np, sizeof *u), lu = calloc(np, sizeof *u), lup = calloc(np, sizeof *u);
	u1 = calloc(np, sizeof *u);
	F(reset)(m);
	memcpy(u, F(state)(m, 0), sizeof *u * np);
	memcpy(up, F(state)(m, 1), sizeof *u * np);
	F(run)(m, 1, y);
	memcpy(u1, F(state)(m, 0), sizeof *u * np);
	F(op)(m, u, up, un);
	for (i = 0; i < ng; i++) {
		top = fabs(u1[i]) > top ? fabs(u1[i]) : top;
		d = fabs(un[i] - u1[i]) > d ? fabs(un[i] - u1[i]) : d;
	}
	if (!(top > 0) || !(d <= 1e-12 * top)) {
		printf("FAIL %s_op_is_step: max |P_op(u0, u-1) - u1| = %.3g, max |u1| = %.3g\n", name, d, top);
		return 1;
	}
	printf("PASS %s_op_is_step (max diff %.2g of %.2g)\n", name, d, top);
	for (trial = 0; trial < 5; trial++) {
		double lhs, rhs, rel;

		for (i = 0; i < np; i++) {
			u[i] = rnd();
			up[i] = rnd();
			l[i] = i < ng ? rnd() : 0;
		}
		F(op)(m, u, up, un);
		for (i = 0; i < ng; i++)
			if (un[i] == 0)
				u[i] = up[i] = l[i] = 0;
		F(op)(m, u, up, un);
		F(op_adj)(m, l, lu, lup);
		lhs = dot(un, l, np);
		rhs = dot(u, lu, ng) + dot(up, lup, ng);
		rel = fabs(lhs - rhs) / fabs(lhs);
		if (!(rel < 1e-12)) {
			printf("FAIL %s_dot: |<Au + Bup, l> - <u, A'l> - <up, B'l>| / |<Au + Bup, l>| = %.3g\n",
			       name, rel);
			return 1;
		}
		worst = rel > worst ? rel : worst;
	}
	printf("PASS %s_dot (grid %d, %d bow(s) solved by Newton, worst relative error %.2g)\n", name,
	       n[0], nb, worst);
	F(destroy)(m);
	free(u), free(up), free(un), free(l), free(lu), free(lup), free(u1);
	return 0;
}
