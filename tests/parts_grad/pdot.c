/* pdot.c — the dot test of a model with several parts: P_op, the step's
 * linear operator, now maps the lumped objects' values too (after the
 * grid's points), and P_op_adj must be its exact transpose.
 *
 *   cc -O2 -std=c99 -DMODEL=spring_mass -DMODEL_H='"m.h"' -I BUILD pdot.c
 *      BUILD/m.c -lm
 *   pdot NLUMP GRID [NEXTRA]   (GRID: N, or NX,NY for a 2D field)
 *
 * NEXTRA values follow the lumped objects in each state and are no
 * unknowns of the linear step: the bows' last roots (the next step's
 * first guess, tests/bow_grad), a potential's psi (tests/sav_grad).
 * l is 0 there, and neither P_op nor P_op_adj is compared there.
 *
 * 1. P_op(u[0], u[-1]) is the state P_run reaches in one step (the model
 *    has no source, so the step is the operator alone).
 * 2. For random u, up, l over every value (points a boundary holds at 0,
 *    which P_op leaves 0, zeroed), |<P(u, up), l> - <u, A'l> - <up, B'l>|
 *    < 1e-12 |<P(u, up), l>|: the lumped rows, the reads, the forces
 *    between parts and the attached ends transposed.
 * Prints "PASS ..." or "FAIL ..." lines; exit 1 on failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H
#include "../tools/host.h"

static double
dotp(const double *a, const double *b, long n)
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
	int grid[2] = {0, 0}, n[2] = {0, 0}, trial, nheld = 0;
	double h[2], top = 0, d = 0, worst = 0, *y;
	double *u, *up, *un, *l, *lu, *lup, *u1;
	long npts, ncore, i;
	F(model) *m;

	if (argc < 3) {
		fprintf(stderr, "usage: pdot NLUMP GRID [NEXTRA]\n");
		return 2;
	}
	grid[0] = atoi(argv[2]);
	if (strchr(argv[2], ','))
		grid[1] = atoi(strchr(argv[2], ',') + 1);
	m = F(create)(NULL, 0, grid, err, sizeof err);
	if (!m) {
		printf("FAIL %s_create: %s\n", name, err);
		return 1;
	}
	F(grid)(m, n, h);
	ncore = (n[0] + 1) * (F(ndim)() == 2 ? n[1] + 1 : 1) + atol(argv[1]);
	npts = ncore + (argc > 3 ? atol(argv[3]) : 0);
	u = calloc(npts, sizeof *u), up = calloc(npts, sizeof *u), un = calloc(npts, sizeof *u);
	l = calloc(npts, sizeof *u), lu = calloc(npts, sizeof *u), lup = calloc(npts, sizeof *u);
	u1 = calloc(npts, sizeof *u);
	y = calloc(64, sizeof *y);
	F(reset)(m);
	memcpy(u, F(state)(m, 0), sizeof *u * npts);
	memcpy(up, F(state)(m, 1), sizeof *u * npts);
	F(run)(m, 1, y);
	memcpy(u1, F(state)(m, 0), sizeof *u * npts);
	F(op)(m, u, up, un);
	for (i = 0; i < ncore; i++) {
		top = fabs(u1[i]) > top ? fabs(u1[i]) : top;
		d = fabs(un[i] - u1[i]) > d ? fabs(un[i] - u1[i]) : d;
	}
	if (!(top > 0) || !(d <= 1e-12 * top)) {
		printf("FAIL %s_op_is_step: max |P_op(u0, u-1) - u1| = %.3g, max |u1| = %.3g\n", name, d, top);
		return 1;
	}
	printf("PASS %s_op_is_step (max diff %.2g of %.2g, lumped values included)\n", name, d, top);
	for (trial = 0; trial < 3; trial++) {
		double lhs, rhs, rel;

		for (i = 0; i < npts; i++) {
			u[i] = rnd();
			up[i] = rnd();
			l[i] = i < ncore ? rnd() : 0;
		}
		F(op)(m, u, up, un);
		nheld = 0;
		for (i = 0; i < ncore; i++)
			if (un[i] == 0) {
				u[i] = up[i] = l[i] = 0;
				nheld++;
			}
		F(op)(m, u, up, un);
		F(op_adj)(m, l, lu, lup);
		lhs = dotp(un, l, npts);
		rhs = dotp(u, lu, ncore) + dotp(up, lup, ncore);
		rel = fabs(lhs - rhs) / fabs(lhs);
		if (!(rel < 1e-12)) {
			printf("FAIL %s_dot: |<Au + Bup, l> - <u, A'l> - <up, B'l>| / |<Au + Bup, l>| = %.3g\n",
			       name, rel);
			return 1;
		}
		worst = rel > worst ? rel : worst;
	}
	printf("PASS %s_dot (grid %d and %s lumped, %s more, %d held points, worst relative error %.2g)\n",
	       name, n[0], argv[1], argc > 3 ? argv[3] : "none", nheld, worst);
	F(destroy)(m);
	free(u), free(up), free(un), free(l), free(lu), free(lup), free(u1), free(y);
	return 0;
}
