/* odot.c — the dot test of the outputs' transposes (tests/outputs).
 *
 *   cc -O2 -std=c99 -DMODEL=bridge -DMODEL_H='"m.h"' -I BUILD odot.c BUILD/m.c -lm
 *   odot GRID PARAM DEG CH...
 *
 * The model is linear and its initial state is PARAM times a shape, so an
 * output y that is homogeneous of degree DEG in the state (u(X) - z,
 * u.t(X), 2 vel: 1; integral(u.x^2): 2) is homogeneous of degree DEG in
 * a = PARAM.  With L = <g, y> over the channels CH (g random, 0 on the
 * others), Euler's identity a dL/da = DEG L holds for the exact
 * gradient: P_backward's dL/da is J^T g (J = dy/da) and <J^T g, a> =
 * <g, J a> = DEG <g, y>, which the forward computed alone.  So the reads'
 * transposes (of u[n+1], and of u[n] one adjoint step later for a
 * velocity) must be those of the reads: |a dL/da - DEG L| < 1e-12 |L|.
 * Prints "PASS ..." or "FAIL ..."; exit 1 on failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H
#include "../tools/host.h"

int
main(int argc, char **argv)
{
	enum { NS = 2000 };
	int grid[2] = {0, 0}, np = F(nparams)(), no = F(noutputs)(), ip = -1, deg, i, c;
	double *p, *y, *g, *grad, L = 0, r;
	unsigned char *on;
	char err[300];
	F(model) *m;

	if (argc < 5) {
		fprintf(stderr, "usage: odot GRID PARAM DEG CH...\n");
		return 2;
	}
	grid[0] = atoi(argv[1]);
	deg = atoi(argv[3]);
	p = calloc((size_t)np, sizeof *p);
	y = calloc((size_t)NS * (size_t)no, sizeof *y);
	g = calloc((size_t)NS * (size_t)no, sizeof *g);
	grad = calloc((size_t)np, sizeof *grad);
	on = calloc((size_t)no, 1);
	if (!p || !y || !g || !grad || !on)
		return 2;
	for (i = 0; i < np; i++) {
		p[i] = F(param_default)(i);
		if (!strcmp(F(param_name)(i), argv[2]))
			ip = i;
	}
	for (i = 4; i < argc; i++)
		for (c = 0; c < no; c++)
			if (!strcmp(F(output_name)(c), argv[i]))
				on[c] = 1;
	if (ip < 0 || !(m = F(create)(p, 0, grid, err, sizeof err))) {
		printf("FAIL %s_odot: no param %s or create: %s\n", STR(MODEL), argv[2], ip < 0 ? "" : err);
		return 1;
	}
	if (F(forward)(m, NS, y, err, sizeof err)) {
		printf("FAIL %s_odot: forward: %s\n", STR(MODEL), err);
		return 1;
	}
	for (i = 0; i < NS * no; i++) {
		g[i] = on[i % no] ? rnd() : 0;
		L += g[i] * y[i];
	}
	if (F(backward)(m, g, grad, err, sizeof err)) {
		printf("FAIL %s_odot: backward: %s\n", STR(MODEL), err);
		return 1;
	}
	r = fabs(p[ip] * grad[ip] - deg * L) / fabs(L);
	F(destroy)(m);
	if (!(r < 1e-12) || L == 0) {
		printf("FAIL %s_odot_%s_deg%d: a dL/da = %.17g, %d L = %.17g (relative %.2g)\n", STR(MODEL),
		       argv[4], deg, p[ip] * grad[ip], deg, deg * L, r);
		return 1;
	}
	printf("PASS %s_odot_%s_deg%d (a dL/da against %d <g, y>: %.2g relative)\n", STR(MODEL),
	       argv[4], deg, deg, r);
	return 0;
}
