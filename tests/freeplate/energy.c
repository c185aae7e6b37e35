/* energy.c — the discrete energy of a free plate, step by step.
 *
 *   cc -O2 -DP=PREFIX -DHDR='"X.h"' energy.c X.c -lm
 *   energy KAPPA2 S0 NSTEPS lossless|lossy
 *
 * Built against the C that `dpmc build` writes for a plate with all four
 * edges free, pde u.tt = -kappa^2 bilap(u) - 2 s0 u.t + 2 s1 lap(u.t).
 * The energy is written here from the Kirchhoff plate's, not read from
 * the compiler: with a = Dxx u, b = Dyy u at a point, c = Dx+ Dy+ u on a
 * cell, w the trapezoid weight of a point (1/2 on an edge, 1/4 at a
 * corner), nu = 0.3,
 *   V(u, v) = sum_points w Q(u, v) hx hy + 2 (1 - nu) sum_cells c_u c_v hx hy,
 *   Q = a_u a_v + b_u b_v + nu (a_u b_v + b_u a_v)   inside,
 *       (1 - nu^2) a_u a_v   on an edge y = C (b there is a ghost's
 *       difference, eliminated: b = -nu a), the same with b on an edge
 *       x = A, 0 at a corner,
 *   H = 1/2 sum w ((u - v) / k)^2 hx hy + kappa^2 / 2 V(u, v)
 * on the state after step n (u = u^n, v = u^{n-1}).  Lossless, H must stay
 * constant (relative drift under 1e-10 over NSTEPS); lossy, it must never
 * grow (1e-12 relative allowance) and fall below half.  The energy with
 * V(u, u) (not conserved by the scheme) must drift by more than 1e-7, so
 * the check can tell energies apart. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include HDR

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define F(name) CAT(P, CAT(_, name))

#define NU 0.3

static int nx, ny;
static double hx, hy;

static double
at(const double *u, int i, int j)
{
	return u[i + j * (nx + 1)];
}

static double
wt(int i, int n)
{
	return i == 0 || i == n ? 0.5 : 1;
}

static double
pot(const double *u, const double *v)
{
	double s = 0, au, av, bu, bv, cu, cv;
	int i, j, ia, ib;

	for (j = 0; j <= ny; j++)
		for (i = 0; i <= nx; i++) {
			ia = i > 0 && i < nx;
			ib = j > 0 && j < ny;
			au = ia ? (at(u, i - 1, j) - 2 * at(u, i, j) + at(u, i + 1, j)) / (hx * hx) : 0;
			av = ia ? (at(v, i - 1, j) - 2 * at(v, i, j) + at(v, i + 1, j)) / (hx * hx) : 0;
			bu = ib ? (at(u, i, j - 1) - 2 * at(u, i, j) + at(u, i, j + 1)) / (hy * hy) : 0;
			bv = ib ? (at(v, i, j - 1) - 2 * at(v, i, j) + at(v, i, j + 1)) / (hy * hy) : 0;
			if (ia && ib)
				s += wt(i, nx) * wt(j, ny) * (au * av + bu * bv + NU * (au * bv + bu * av));
			else
				s += wt(i, nx) * wt(j, ny) * (1 - NU * NU) * (au * av + bu * bv);
		}
	for (j = 0; j < ny; j++)
		for (i = 0; i < nx; i++) {
			cu = (at(u, i, j) - at(u, i + 1, j) - at(u, i, j + 1) + at(u, i + 1, j + 1)) / (hx * hy);
			cv = (at(v, i, j) - at(v, i + 1, j) - at(v, i, j + 1) + at(v, i + 1, j + 1)) / (hx * hy);
			s += 2 * (1 - NU) * cu * cv;
		}
	return s * hx * hy;
}

static double
kin(const double *u, const double *v, double k)
{
	double s = 0, d;
	int i, j;

	for (j = 0; j <= ny; j++)
		for (i = 0; i <= nx; i++) {
			d = (at(u, i, j) - at(v, i, j)) / k;
			s += wt(i, nx) * wt(j, ny) * d * d;
		}
	return 0.5 * s * hx * hy;
}

int
main(int argc, char **argv)
{
	double kap2, p[8], h[2], k, h0 = 0, hn, n0 = 0, nn, drift = 0, ndrift = 0, y[8];
	int n[2], nsteps, lossy, s, np;
	char err[256];
	F(model) *m;

	if (argc != 5)
		return 2;
	kap2 = atof(argv[1]);
	nsteps = atoi(argv[3]);
	lossy = strcmp(argv[4], "lossy") == 0;
	np = F(nparams)();
	for (s = 0; s < np; s++)
		p[s] = F(param_default)(s);
	if (!(m = F(create)(p, 0, NULL, err, sizeof err))) {
		printf("FAIL create: %s\n", err);
		return 1;
	}
	F(grid)(m, n, h);
	nx = n[0]; ny = n[1]; hx = h[0]; hy = h[1];
	k = 1 / F(rate)(m);
	(void)argv[2];
	for (s = 0; s <= nsteps; s++) {
		const double *u = F(state)(m, 0), *v = F(state)(m, 1);
		hn = kin(u, v, k) + kap2 / 2 * pot(u, v);
		nn = kin(u, v, k) + kap2 / 2 * pot(u, u);
		if (s == 0) {
			h0 = hn;
			n0 = nn;
		} else {
			if (fabs(hn - h0) / h0 > drift)
				drift = fabs(hn - h0) / h0;
			if (fabs(nn - n0) / n0 > ndrift)
				ndrift = fabs(nn - n0) / n0;
			if (lossy && hn > h0 * (1 + 1e-12)) {
				printf("energy grew at step %d: %.17g > %.17g\n", s, hn, h0);
				return 1;
			}
			if (lossy)
				h0 = hn;
		}
		F(run)(m, 1, y);
	}
	if (!lossy && drift > 1e-10) {
		printf("relative drift %.3g over %d steps (> 1e-10)\n", drift, nsteps);
		return 1;
	}
	if (!lossy && ndrift < 1e-7) {
		printf("the naive energy drifts only %.3g: the check cannot tell energies apart\n", ndrift);
		return 1;
	}
	if (lossy && h0 > 0.5 * n0) {
		printf("energy fell only to %.3g of its start\n", h0 / n0);
		return 1;
	}
	if (lossy)
		printf("energy never grew, fell to %.3g of its start in %d steps\n", h0 / n0, nsteps);
	else
		printf("relative drift %.3g over %d steps (naive energy: %.3g)\n", drift, nsteps, ndrift);
	F(destroy)(m);
	return 0;
}
