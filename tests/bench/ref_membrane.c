/* ref_membrane.c — the lossy rectangular membrane struck at a point, by
 * hand (Bilbao, Numerical Sound Synthesis, 11.3):
 *
 *   u.tt = c^2 (u.xx + u.yy) - 2 s0 u.t + F(t) delta(x - 0.3, y - 0.4)
 *
 * on [0, 1] x [0, 0.8], u = 0 on the edges.  Discretised as language.md
 * section 5 says:
 *
 *   (1 + s0 k) u+ = 2u - u- + lx2 Dxx u + ly2 Dyy u + s0 k u- + k^2 F(nk) J
 *
 * lx2 = c^2 k^2 / hx^2, ly2 = c^2 k^2 / hy^2, J the bilinear spread over
 * hx hy.  The grid: h_min = sqrt(2) c k (the square-grid Courant limit),
 * Nx = floor(1 / h_min), Ny = floor(0.8 / h_min): 155 x 124 at 44.1 kHz.
 * Point (i, j) is stored at i + j (Nx + 1). */
#include <math.h>
#include <stdlib.h>

#include "ref.h"

#define PI 3.14159265358979323846

struct RefMem {
	int nx, ny;
	long n;
	double k, a0, ax, ay, b0, fk;
	double *u, *u1, *u2;
	int fi, fj, oi, oj;
	double fw[4], ow[4];	/* bilinear weights: (i,j) (i+1,j) (i,j+1) (i+1,j+1) */
};

static void
bilinear(double X, double Y, double hx, double hy, int *i, int *j, double *w)
{
	double ax, ay;

	*i = (int)floor(X / hx);
	*j = (int)floor(Y / hy);
	ax = X / hx - *i;
	ay = Y / hy - *j;
	w[0] = (1 - ax) * (1 - ay);
	w[1] = ax * (1 - ay);
	w[2] = (1 - ax) * ay;
	w[3] = ax * ay;
}

RefMem *
ref_mem_new(const double *p, double rate)
{
	RefMem *r = calloc(1, sizeof *r);
	double c = p[0], s0 = p[1], k = 1 / rate, hmin = sqrt(2) * c * k;
	double hx, hy, lx2, ly2, den;
	int q, size;

	r->nx = (int)floor(1 / hmin);
	r->ny = (int)floor(0.8 / hmin);
	hx = 1.0 / r->nx;
	hy = 0.8 / r->ny;
	lx2 = c * c * k * k / (hx * hx);
	ly2 = c * c * k * k / (hy * hy);
	den = 1 + s0 * k;
	r->k = k;
	r->a0 = (2 - 2 * lx2 - 2 * ly2) / den;
	r->ax = lx2 / den;
	r->ay = ly2 / den;
	r->b0 = (s0 * k - 1) / den;
	r->fk = k * k / den;
	size = (r->nx + 1) * (r->ny + 1);
	r->u = calloc(size, sizeof(double));
	r->u1 = calloc(size, sizeof(double));
	r->u2 = calloc(size, sizeof(double));
	bilinear(0.3, 0.4, hx, hy, &r->fi, &r->fj, r->fw);
	for (q = 0; q < 4; q++)
		r->fw[q] /= hx * hy;
	bilinear(0.71, 0.23, hx, hy, &r->oi, &r->oj, r->ow);
	return r;
}

void
ref_mem_grid(const RefMem *r, int *nx, int *ny)
{
	*nx = r->nx;
	*ny = r->ny;
}

void
ref_mem_run(RefMem *r, long n, double *out)
{
	int nx = r->nx, ny = r->ny, w = nx + 1, i, j, q;
	long s;
	double *u = r->u, *u1 = r->u1, *u2 = r->u2, *tmp;
	double a0 = r->a0, ax = r->ax, ay = r->ay, b0 = r->b0;

	for (s = 0; s < n; s++) {
		double t = r->n * r->k;
		double F = t < 0.001 ? 0.5 * (1 - cos(2 * PI * t / 0.001)) : 0;
		int o;

		for (j = 1; j < ny; j++)
			for (i = 1; i < nx; i++) {
				o = i + j * w;
				u2[o] = a0 * u[o] + ax * (u[o + 1] + u[o - 1])
				      + ay * (u[o + w] + u[o - w]) + b0 * u1[o];
			}
		/* the force, off the held edges */
		for (q = 0; q < 4; q++) {
			i = r->fi + (q & 1);
			j = r->fj + (q >> 1);
			if (i >= 1 && i < nx && j >= 1 && j < ny)
				u2[i + j * w] += r->fk * F * r->fw[q];
		}
		o = r->oi + r->oj * w;
		out[s] = r->ow[0] * u2[o] + r->ow[1] * u2[o + 1]
		       + r->ow[2] * u2[o + w] + r->ow[3] * u2[o + w + 1];
		tmp = u1;
		u1 = u;
		u = u2;
		u2 = tmp;
		r->n++;
	}
	r->u = u;
	r->u1 = u1;
	r->u2 = u2;
}

void
ref_mem_free(RefMem *r)
{
	free(r->u);
	free(r->u1);
	free(r->u2);
	free(r);
}
