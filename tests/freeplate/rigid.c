/* rigid.c — rigid-body motions of a free plate stay rigid.
 *
 *   cc -O2 -DP=PREFIX -DHDR='"X.h"' rigid.c X.c -lm
 *   rigid NSTEPS A B C D E F
 *
 * Built against the C that `dpmc build` writes for a lossless plate with
 * every edge free, init u = A + B x + C y, init u.t = D + E x + F y (the
 * model says so).  Its state after step n, u^n at every grid point, must
 * be A + B x + C y + n k (D + E x + F y), for n up to NSTEPS: the motion
 * of a free plate with no force is a translation plus a rotation, and the
 * scheme holds them exactly only if every boundary row and corner bends
 * nothing linear.  Up to rounding: a rigid motion is a double root z = 1
 * of the scheme, so a rounding error of eps per step grows like n^2 eps;
 * the deviation must stay under (1e-12 + 4e-15 n^2) of the largest value
 * (1e-9 at n = 500, 4e-5 at 1e5), while a boundary row that bends a linear
 * u moves it by about kappa^2 k^2 / h^4 per step, 1e-3 within a few. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include HDR

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define F(name) CAT(P, CAT(_, name))

int
main(int argc, char **argv)
{
	double c[6], h[2], k, worst = 0, top = 0, y[8], want, x0, y0, dev, rel = 0, r;
	int n[2], nsteps, s, i, j, a;
	char err[256];
	F(model) *m;

	if (argc != 8)
		return 2;
	nsteps = atoi(argv[1]);
	for (a = 0; a < 6; a++)
		c[a] = atof(argv[2 + a]);
	if (!(m = F(create)(NULL, 0, NULL, err, sizeof err))) {
		printf("create: %s\n", err);
		return 1;
	}
	F(grid)(m, n, h);
	k = 1 / F(rate)(m);
	for (s = 0; s <= nsteps; s++) {
		const double *u = F(state)(m, 0);
		for (j = 0; j <= n[1]; j++)
			for (i = 0; i <= n[0]; i++) {
				x0 = i * h[0];
				y0 = j * h[1];
				want = c[0] + c[1] * x0 + c[2] * y0 + s * k * (c[3] + c[4] * x0 + c[5] * y0);
				dev = fabs(u[i + j * (n[0] + 1)] - want);
				if (dev > worst)
					worst = dev;
				if (fabs(want) > top)
					top = fabs(want);
			}
		r = worst / top / (1e-12 + 4e-15 * (double)s * s);
		if (r > rel)
			rel = r;
		F(run)(m, 1, y);
	}
	F(destroy)(m);
	printf("largest deviation %.3g of %.3g over %d steps, %.3g of the rounding bound\n",
	       worst / top, top, nsteps, rel);
	return !(rel <= 1);
}
