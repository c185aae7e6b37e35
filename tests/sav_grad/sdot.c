/* sdot.c — the dot test of one SAV correction's transpose (tests/sav_grad).
 * The correction S maps (u = q[n] with psi[n-1/2] last, up = q[n-1],
 * q* = the step without the potential) to (q[n+1], psi[n+1/2]); it is
 * nonlinear in u, so the test is of its linearisation J at a state the
 * model reached: for random directions v and seeds w,
 *   <J v, w> = <v, J^T w>,
 * J v by central differences with Richardson's extrapolation (error
 * O(h^4), h = 1e-3 of the state's size), J^T w by the generated
 * @__asav (the seeds w of q[n+1] in its lambda, of psi in the ring it
 * reads; J^T w for q*, u and up from its lambda and the ring).  The
 * static functions are the model's own: this file includes its C.
 *
 *   cc -O2 -std=c99 -DMODEL=kc -DMODEL_C='"m.c"' -I BUILD sdot.c -lm
 *   sdot STEPS [GRID [H]] (the state after STEPS steps of P_run; GRID N or
 *                         NX,NY; H the differences' step, 1e-3)
 * Prints "PASS ..." or "FAIL ..."; exit 1 on failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_C

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(f) CAT(MODEL, f)
#define STR_(a) #a
#define STR(a) STR_(a)

static unsigned long long rng = 0x3c6ef372fe94f82bULL;

static double
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1;
}

/* out = S(u, up, qs): q[n+1] and psi[n+1/2] last */
static void
smap(F(model) *m, const double *u, const double *up, const double *qs, double *out)
{
	double rd[4096];

	memcpy(out, qs, sizeof *out * (size_t)m->npts);
	F(_rdall)(m, u, up, rd);
	F(_sav)(m, rd, u, up, out, 0);
}

int
main(int argc, char **argv)
{
	char err[256];
	int grid[2] = {0, 0}, trial;
	long np, P, q, i, steps = argc > 1 ? atol(argv[1]) : 100;
	double *x, *v, *xp, *xm, *o[4], *jv, *w, *ln, *g, *y, amp = 0, worst = 0;
	F(model) *m;

	if (argc > 2) {
		grid[0] = atoi(argv[2]);
		if (strchr(argv[2], ','))
			grid[1] = atoi(strchr(argv[2], ',') + 1);
	}
	if (!(m = F(create)(NULL, 0, argc > 2 ? grid : NULL, err, sizeof err))) {
		printf("FAIL %s_sdot: %s\n", STR(MODEL), err);
		return 1;
	}
	np = m->npts;
	P = np - 1;
	y = calloc((size_t)(steps + 1) * 8, sizeof *y);
	F(run)(m, steps, y);
	/* x = (u, up, q*): the state reached, q* a step of it */
	x = calloc(3 * (size_t)np, sizeof *x), v = calloc(3 * (size_t)np, sizeof *x);
	xp = calloc(3 * (size_t)np, sizeof *x), xm = calloc(3 * (size_t)np, sizeof *x);
	jv = calloc((size_t)np, sizeof *x), w = calloc((size_t)np, sizeof *x), ln = calloc((size_t)np, sizeof *x);
	g = calloc(64 + (size_t)np, sizeof *x);
	for (i = 0; i < 4; i++)
		o[i] = calloc((size_t)np, sizeof *x);
	memcpy(x, m->u, sizeof *x * (size_t)np);
	memcpy(x + np, m->up, sizeof *x * (size_t)np);
	for (q = 0; q < P; q++) {
		x[2 * np + q] = 2 * m->u[q] - m->up[q];
		amp = fabs(m->u[q]) > amp ? fabs(m->u[q]) : amp;
	}
	m->gk = calloc(F(_GKN)(m), sizeof(double));
	if (!m->gk || !(amp > 0)) {
		printf("FAIL %s_sdot: no memory, or a silent state\n", STR(MODEL));
		return 1;
	}
	for (trial = 0; trial < 3; trial++) {
		const double h = argc > 3 ? atof(argv[3]) : 1e-3;
		double lhs = 0, rhs = 0, rel, *E0, *E1, *Ein;
		int k;

		/* v over u (psi too), up and q*; q*'s psi is no input */
		for (i = 0; i < 3 * np; i++)
			v[i] = (i % np == P ? (i < np ? x[P] : 0) : amp) * rnd();
		for (k = 0; k < 4; k++) {   /* x + s h v, s = 1, -1, 2, -2 */
			double s = (k < 2 ? 1 : 2) * (k % 2 ? -1 : 1);
			for (i = 0; i < 3 * np; i++)
				xp[i] = x[i] + s * h * v[i];
			smap(m, xp, xp + np, xp + 2 * np, o[k]);
		}
		for (q = 0; q < np; q++)
			jv[q] = (4 * (o[0][q] - o[1][q]) / (2 * h) - (o[2][q] - o[3][q]) / (4 * h)) / 3;
		/* J^T w: w of q[n+1] in lambda, of psi in the ring */
		smap(m, x, x + np, x + 2 * np, xm);
		memset(m->gk, 0, F(_GKN)(m) * sizeof(double));
		for (q = 0; q < np; q++) {
			w[q] = rnd();
			ln[q] = q < P ? w[q] : 0;
		}
		Ein = F(_SAVE)(m, 11);
		Ein[P] = w[P];
		F(_asav)(m, 10, ln, x, x + np, xm, g);
		E0 = F(_SAVE)(m, 10);
		E1 = F(_SAVE)(m, 9);
		for (q = 0; q < np; q++) {
			lhs += jv[q] * w[q];
			rhs += v[q] * E0[q] + v[np + q] * E1[q] + (q < P ? v[2 * np + q] * ln[q] : 0);
		}
		rel = fabs(lhs - rhs) / fabs(lhs);
		if (!(rel < 1e-10)) {
			printf("FAIL %s_sdot: |<J v, w> - <v, J^T w>| / |<J v, w>| = %.3g (trial %d)\n",
			       STR(MODEL), rel, trial);
			return 1;
		}
		worst = rel > worst ? rel : worst;
	}
	printf("PASS %s_sdot (the correction's transpose after %ld steps, %ld states: worst relative "
	       "error %.2g, J v by differences to O(h^4))\n", STR(MODEL), steps, np, worst);
	F(destroy)(m);
	return 0;
}
