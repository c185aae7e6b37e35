/* energy.c — the discrete energy of a dpmc-generated scheme, step by step.
 *
 *   cc -O2 -DP=PREFIX -DHDR='"X.h"' energy.c X.c -lm
 *   energy string|membrane|plate COEF2 S0 NSTEPS
 *
 * COEF2 is gamma^2 (string), c^2 (membrane) or kappa^2 (plate); S0 the
 * value given to the model's param s0 (loss, 1/s).  Built against the C
 * that `dpmc build -o X.c` writes, with -O2 and no -ffast-math.
 *
 * The energies are those of the schemes themselves (Bilbao, Numerical
 * Sound Synthesis, 6.2.6, 11.4, 12.2), evaluated on the state the model
 * holds after step n, u = u^n and v = u^{n-1}, with <a, b> the grid inner
 * product (sum times h, or hx hy):
 *
 *   kinetic    T = 1/2 ||(u - v) / k||^2
 *   string     V = gamma^2 / 2 <dx+ u, dx+ v>           (i = 0 .. N-1)
 *   membrane   V = c^2 / 2 (<dx+ u, dx+ v> + <dy+ u, dy+ v>)
 *   plate      V = kappa^2 / 2 <lap u, lap v>          (interior points;
 *              lap u = 0 on a simply supported edge: u = 0 there and the
 *              ghost u[-1] = -u[1] cancels the normal difference)
 *
 * For dtt u = L u - 2 s0 dt. u with L = gamma^2 dxx, c^2 lap, -kappa^2
 * lap lap, summation by parts with u = 0 on the boundary gives exactly
 *
 *   (H^{n+1/2} - H^{n-1/2}) / k = -2 s0 ||dt. u^n||^2,
 *
 * so with s0 = 0 H is constant up to rounding (checked: relative drift
 * under 1e-10 over NSTEPS), and with s0 > 0 it never grows (checked to a
 * 1e-12 relative rounding allowance, and it must fall by half, else the
 * loss term is missing).  Sensitivity: the "naive" energy with V taken
 * from u^n alone (<dx+ u, dx+ u>) is not conserved by the scheme; its
 * drift must exceed 1e-6, showing the check can tell energies apart. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include HDR

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define F(name) CAT(P, CAT(_, name))

enum { STRING, MEMBRANE, PLATE };

static int kind, nx, ny;
static double hx, hy, k, coef2;

static double
at(const double *u, int i, int j)
{
	return u[i + j * (nx + 1)];
}

/* the 5-point Laplacian at an interior point */
static double
lap(const double *u, int i, int j)
{
	return (at(u, i - 1, j) - 2 * at(u, i, j) + at(u, i + 1, j)) / (hx * hx)
	     + (at(u, i, j - 1) - 2 * at(u, i, j) + at(u, i, j + 1)) / (hy * hy);
}

/* potential energy pairing u with v (v = u for the naive one) */
static double
potential(const double *u, const double *v)
{
	double s = 0, cell = kind == STRING ? hx : hx * hy;
	int i, j;

	switch (kind) {
	case STRING:
		for (i = 0; i < nx; i++)
			s += (u[i + 1] - u[i]) * (v[i + 1] - v[i]) / (hx * hx);
		break;
	case MEMBRANE:
		for (j = 0; j <= ny; j++)
			for (i = 0; i < nx; i++)
				s += (at(u, i + 1, j) - at(u, i, j))
				   * (at(v, i + 1, j) - at(v, i, j)) / (hx * hx);
		for (j = 0; j < ny; j++)
			for (i = 0; i <= nx; i++)
				s += (at(u, i, j + 1) - at(u, i, j))
				   * (at(v, i, j + 1) - at(v, i, j)) / (hy * hy);
		break;
	case PLATE:
		for (j = 1; j < ny; j++)
			for (i = 1; i < nx; i++)
				s += lap(u, i, j) * lap(v, i, j);
		break;
	}
	return 0.5 * coef2 * s * cell;
}

static double
kinetic(const double *u, const double *v, int npts)
{
	double s = 0, cell = kind == STRING ? hx : hx * hy;
	int i;

	for (i = 0; i < npts; i++)
		s += (u[i] - v[i]) * (u[i] - v[i]);
	return 0.5 * s * cell / (k * k);
}

/* Every boundary point is held at 0 by fixed / simply supported. */
static int
boundary_zero(const double *u)
{
	int i, j;

	if (kind == STRING)
		return u[0] == 0 && u[nx] == 0;
	for (i = 0; i <= nx; i++)
		if (at(u, i, 0) != 0 || at(u, i, ny) != 0)
			return 0;
	for (j = 0; j <= ny; j++)
		if (at(u, 0, j) != 0 || at(u, nx, j) != 0)
			return 0;
	return 1;
}

int
main(int argc, char **argv)
{
	double *params, s0, h[2] = {0, 0}, out[16];
	double H0, Hn, Hprev, N0, drift = 0, ndrift = 0, rise = 0;
	int grid[2] = {0, 0}, npts, i, is0 = -1;
	long step, nsteps;
	const double *u, *v;
	char err[256];
	F(model) *m;

	if (argc != 5) {
		fprintf(stderr, "usage: energy string|membrane|plate COEF2 S0 "
		        "NSTEPS\n");
		return 2;
	}
	kind = !strcmp(argv[1], "string") ? STRING
	     : !strcmp(argv[1], "membrane") ? MEMBRANE : PLATE;
	coef2 = atof(argv[2]);
	s0 = atof(argv[3]);
	nsteps = atol(argv[4]);
	if (F(noutputs)() > 16) {
		printf("more than 16 outputs\n");
		return 1;
	}
	params = malloc(sizeof *params * (F(nparams)() + 1));
	for (i = 0; i < F(nparams)(); i++) {
		params[i] = F(param_default)(i);
		if (!strcmp(F(param_name)(i), "s0"))
			is0 = i;
	}
	if (is0 < 0) {
		printf("model has no param s0\n");
		return 1;
	}
	params[is0] = s0;
	m = F(create)(params, 0, NULL, err, sizeof err);
	if (!m) {
		printf("create: %s\n", err);
		return 1;
	}
	F(grid)(m, grid, h);
	nx = grid[0];
	hx = h[0];
	ny = F(ndim)() == 2 ? grid[1] : 0;
	hy = F(ndim)() == 2 ? h[1] : 1;
	k = 1 / F(rate)(m);
	npts = (nx + 1) * (ny + 1);

	u = F(state)(m, 0);
	v = F(state)(m, 1);
	H0 = Hprev = kinetic(u, v, npts) + potential(u, v);
	N0 = kinetic(u, v, npts) + potential(u, u);
	if (!(H0 > 0)) {
		printf("initial energy %g is not positive\n", H0);
		return 1;
	}
	for (step = 0; step < nsteps; step++) {
		F(run)(m, 1, out);
		u = F(state)(m, 0);
		v = F(state)(m, 1);
		if (!boundary_zero(u)) {
			printf("step %ld: a boundary point is not held at 0\n",
			       step);
			return 1;
		}
		Hn = kinetic(u, v, npts) + potential(u, v);
		if (fabs(Hn - H0) / H0 > drift)
			drift = fabs(Hn - H0) / H0;
		if ((Hn - Hprev) / Hprev > rise)
			rise = (Hn - Hprev) / Hprev;
		Hprev = Hn;
		Hn = kinetic(u, v, npts) + potential(u, u);
		if (fabs(Hn - N0) / N0 > ndrift)
			ndrift = fabs(Hn - N0) / N0;
	}
	printf("grid %d %d steps %ld H0 %.17g Hend %.17g drift %.3g "
	       "max-rise %.3g naive-drift %.3g\n", nx, ny, nsteps, H0, Hprev,
	       drift, rise, ndrift);
	F(destroy)(m);
	free(params);
	if (s0 == 0) {
		if (drift >= 1e-10) {
			printf("energy drift %.3g >= 1e-10\n", drift);
			return 1;
		}
		if (ndrift <= 1e-6) {
			printf("naive energy drift %.3g <= 1e-6: the check "
			       "cannot tell energies apart\n", ndrift);
			return 1;
		}
	} else {
		if (rise > 1e-12) {
			printf("energy grew by %.3g relative in one step\n",
			       rise);
			return 1;
		}
		if (!(Hprev < 0.5 * H0)) {
			printf("lossy energy only fell to %.3g of H0\n",
			       Hprev / H0);
			return 1;
		}
	}
	return 0;
}
