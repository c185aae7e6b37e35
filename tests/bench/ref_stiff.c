/* ref_stiff.c — the stiff string with frequency-dependent loss, struck by
 * a raised-cosine force, by hand (Bilbao, Numerical Sound Synthesis, 7.3):
 *
 *   u.tt = g^2 u.xx - K^2 u.xxxx - 2 s0 u.t + 2 s1 u.xxt + F(t) delta(x - xe)
 *
 * on [0, 1], simply supported at both ends (u = 0, ghost u[-1] = -u[1]).
 * Discretised as language.md section 5 says:
 *
 *   (1 + s0 k) u+ = 2u - u- + l2 Dxx u - m2 Dxxxx u + s0 k u-
 *                   + S (Dxx u - Dxx u-) + k^2 F(nk) J
 *
 * with Dxx = [1 -2 1], Dxxxx = [1 -4 6 -4 1], l2 = g^2 k^2 / h^2,
 * m2 = K^2 k^2 / h^4, S = 2 s1 k / h^2, J the force spread (1-a)/h, a/h.
 * s0, s1 come from T60lo at 100 Hz and T60hi at 2 kHz (NSS eq. 7.29, with
 * the wavenumber zeta(w) = 2 w^2 / (g^2 + sqrt(g^4 + 4 K^2 w^2))), and h is
 * the stability limit h^2 = (g^2 k^2 + 4 s1 k + sqrt((g^2 k^2 + 4 s1 k)^2
 * + 16 K^2 k^2)) / 2, N = floor(1 / h). */
#include <math.h>
#include <stdlib.h>

#include "ref.h"

#define PI 3.14159265358979323846

struct RefStiff {
	int N;
	long n;			/* steps taken */
	double k, h, fk;
	double c0, c1, c2, d0, d1;	/* update coefficients */
	double *ua, *ub, *uc;	/* with one ghost each side: index l + 1 */
	double *u, *u1, *u2;	/* u^n, u^{n-1}, u^{n+1} */
	int ie, io;
	double je0, je1, ao;
};

static double
zeta(double g, double K, double w)
{
	return 2 * w * w / (g * g + sqrt(g * g * g * g + 4 * K * K * w * w));
}

RefStiff *
ref_stiff_new(const double *p, double rate)
{
	RefStiff *r = calloc(1, sizeof *r);
	double f0 = p[0], B = p[1], T1 = p[2], T2 = p[3], xe = p[4], xo = p[5];
	double g = 2 * f0, K = sqrt(B) * g / PI, k = 1 / rate;
	double z1 = zeta(g, K, 2 * PI * 100), z2 = zeta(g, K, 2 * PI * 2000);
	double s0 = 3 * log(10) * (z2 / T1 - z1 / T2) / (z2 - z1);
	double s1 = 3 * log(10) * (1 / T2 - 1 / T1) / (z2 - z1);
	double a = g * g * k * k + 4 * s1 * k, hmin, l2, m2, S, h, den;
	int N;

	hmin = sqrt((a + sqrt(a * a + 16 * K * K * k * k)) / 2);
	N = (int)floor(1 / hmin);
	h = 1.0 / N;
	l2 = g * g * k * k / (h * h);
	m2 = K * K * k * k / (h * h * h * h);
	S = 2 * s1 * k / (h * h);
	den = 1 + s0 * k;
	r->N = N;
	r->k = k;
	r->h = h;
	r->c0 = (2 - 2 * l2 - 6 * m2 - 2 * S) / den;	/* u[l] */
	r->c1 = (l2 + 4 * m2 + S) / den;		/* u[l +- 1] */
	r->c2 = -m2 / den;				/* u[l +- 2] */
	r->d0 = (s0 * k - 1 + 2 * S) / den;		/* u-[l] */
	r->d1 = -S / den;				/* u-[l +- 1] */
	r->fk = k * k / den;				/* force scale */
	r->ua = calloc(N + 3, sizeof(double));
	r->ub = calloc(N + 3, sizeof(double));
	r->uc = calloc(N + 3, sizeof(double));
	r->u = r->ua + 1;
	r->u1 = r->ub + 1;
	r->u2 = r->uc + 1;
	r->ie = (int)floor(xe / h);
	r->je0 = (1 - (xe / h - r->ie)) / h;
	r->je1 = (xe / h - r->ie) / h;
	r->io = (int)floor(xo / h);
	r->ao = xo / h - r->io;
	return r;
}

int
ref_stiff_grid(const RefStiff *r)
{
	return r->N;
}

void
ref_stiff_run(RefStiff *r, long n, double *out)
{
	int N = r->N, l;
	long s;
	double *u = r->u, *u1 = r->u1, *u2 = r->u2, *tmp;
	double c0 = r->c0, c1 = r->c1, c2 = r->c2, d0 = r->d0, d1 = r->d1;

	for (s = 0; s < n; s++) {
		double t = r->n * r->k;
		double F = t < 0.001 ? 0.5 * (1 - cos(2 * PI * t / 0.001)) : 0;

		u[-1] = -u[1];
		u[N + 1] = -u[N - 1];
		for (l = 1; l < N; l++)
			u2[l] = c0 * u[l] + c1 * (u[l + 1] + u[l - 1])
			      + c2 * (u[l + 2] + u[l - 2])
			      + d0 * u1[l] + d1 * (u1[l + 1] + u1[l - 1]);
		/* the force, off the held end points */
		if (r->ie >= 1 && r->ie <= N - 1)
			u2[r->ie] += r->fk * F * r->je0;
		if (r->ie + 1 >= 1 && r->ie + 1 <= N - 1)
			u2[r->ie + 1] += r->fk * F * r->je1;
		out[s] = (1 - r->ao) * u2[r->io] + r->ao * u2[r->io + 1];
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
ref_stiff_free(RefStiff *r)
{
	free(r->ua);
	free(r->ub);
	free(r->uc);
	free(r);
}
