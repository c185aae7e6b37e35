/* bench.c — dpmc-generated C against the hand-written references.
 *
 *   cc -O3 -march=native -ffp-contract=off -I BUILD bench.c ref_stiff.c
 *      ref_membrane.c BUILD/stiff_string.c BUILD/membrane.c -lm
 *   bench [RUNS]
 *
 * For stiff_string (tests/bench/stiff.dpm) and membrane (membrane.dpm):
 * checks that the generated model and the reference choose the same grid
 * and produce the same 1 s of output to 1e-9 of its peak (the same scheme,
 * rounding aside), then times P_run and the reference's run for 1 s and
 * 10 s of audio, best of RUNS (default 5).  Prints one line per model and
 * implementation:
 *
 *   MODEL IMPL SECONDS RUN_MS MPTS_PER_S
 *
 * Mpts/s counts every point of the grid, (N+1) or (Nx+1)(Ny+1), per step.
 * Exit 1 when the outputs or grids disagree. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ref.h"
#include "stiff_string.h"
#include "membrane.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* max |a - b| over max |b|; prints the worst sample */
static double
reldiff(const char *what, const double *a, const double *b, long n)
{
	double d = 0, top = 0;
	long i, at = 0;

	for (i = 0; i < n; i++) {
		if (fabs(b[i]) > top)
			top = fabs(b[i]);
		if (!(fabs(a[i] - b[i]) <= d)) {
			d = fabs(a[i] - b[i]);
			at = i;
		}
	}
	fprintf(stderr, "bench: %s: max |generated - reference| = %.3g at "
	        "sample %ld, peak %.6g\n", what, d, at, top);
	if (!(top > 0))
		return HUGE_VAL;
	return d / top;
}

static int
stiff(int runs, double *buf, long nmax)
{
	double p[6], rate = 44100, t, best, e;
	int grid[1], N, r, ok = 1;
	double h[1];
	long secs[2] = {1, 10}, n, si;
	char err[256];
	stiff_string_model *m;
	RefStiff *ref;
	double *out2;

	for (r = 0; r < 6; r++)
		p[r] = stiff_string_param_default(r);
	m = stiff_string_create(NULL, rate, NULL, err, sizeof err);
	if (!m) {
		fprintf(stderr, "bench: stiff_string_create: %s\n", err);
		return 0;
	}
	stiff_string_grid(m, grid, h);
	ref = ref_stiff_new(p, rate);
	N = ref_stiff_grid(ref);
	if (grid[0] != N) {
		fprintf(stderr, "bench: stiff_string: grid %d, reference %d\n",
		        grid[0], N);
		ok = 0;
	}
	n = (long)rate;
	out2 = buf + nmax;
	stiff_string_run(m, n, buf);
	ref_stiff_run(ref, n, out2);
	ref_stiff_free(ref);
	e = reldiff("stiff_string", buf, out2, n);
	if (!(e < 1e-9)) {
		fprintf(stderr, "bench: stiff_string: outputs differ by %.3g "
		        "of the peak (want < 1e-9)\n", e);
		ok = 0;
	}
	for (si = 0; si < 2; si++) {
		n = (long)(secs[si] * rate);
		best = HUGE_VAL;
		for (r = 0; r < runs; r++) {
			stiff_string_reset(m);
			t = now_ms();
			stiff_string_run(m, n, buf);
			t = now_ms() - t;
			best = t < best ? t : best;
		}
		printf("stiff_string generated %ld %.3f %.2f\n", secs[si], best,
		       (grid[0] + 1.0) * n / best / 1e3);
		best = HUGE_VAL;
		for (r = 0; r < runs; r++) {
			ref = ref_stiff_new(p, rate);
			t = now_ms();
			ref_stiff_run(ref, n, buf);
			t = now_ms() - t;
			ref_stiff_free(ref);
			best = t < best ? t : best;
		}
		printf("stiff_string reference %ld %.3f %.2f\n", secs[si], best,
		       (N + 1.0) * n / best / 1e3);
	}
	stiff_string_destroy(m);
	return ok;
}

static int
mem(int runs, double *buf, long nmax)
{
	double p[2], rate = 44100, t, best, e, h[2];
	int grid[2], nx, ny, r, ok = 1;
	long secs[2] = {1, 10}, n, si;
	char err[256];
	membrane_model *m;
	RefMem *ref;
	double *out2;

	for (r = 0; r < 2; r++)
		p[r] = membrane_param_default(r);
	m = membrane_create(NULL, rate, NULL, err, sizeof err);
	if (!m) {
		fprintf(stderr, "bench: membrane_create: %s\n", err);
		return 0;
	}
	membrane_grid(m, grid, h);
	ref = ref_mem_new(p, rate);
	ref_mem_grid(ref, &nx, &ny);
	if (grid[0] != nx || grid[1] != ny) {
		fprintf(stderr, "bench: membrane: grid %dx%d, reference "
		        "%dx%d\n", grid[0], grid[1], nx, ny);
		ok = 0;
	}
	n = (long)rate;
	out2 = buf + nmax;
	membrane_run(m, n, buf);
	ref_mem_run(ref, n, out2);
	ref_mem_free(ref);
	e = reldiff("membrane", buf, out2, n);
	if (!(e < 1e-9)) {
		fprintf(stderr, "bench: membrane: outputs differ by %.3g of "
		        "the peak (want < 1e-9)\n", e);
		ok = 0;
	}
	for (si = 0; si < 2; si++) {
		n = (long)(secs[si] * rate);
		best = HUGE_VAL;
		for (r = 0; r < runs; r++) {
			membrane_reset(m);
			t = now_ms();
			membrane_run(m, n, buf);
			t = now_ms() - t;
			best = t < best ? t : best;
		}
		printf("membrane generated %ld %.3f %.2f\n", secs[si], best,
		       (grid[0] + 1.0) * (grid[1] + 1.0) * n / best / 1e3);
		best = HUGE_VAL;
		for (r = 0; r < runs; r++) {
			ref = ref_mem_new(p, rate);
			t = now_ms();
			ref_mem_run(ref, n, buf);
			t = now_ms() - t;
			ref_mem_free(ref);
			best = t < best ? t : best;
		}
		printf("membrane reference %ld %.3f %.2f\n", secs[si], best,
		       (nx + 1.0) * (ny + 1.0) * n / best / 1e3);
	}
	membrane_destroy(m);
	return ok;
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5, ok;
	long nmax = 10 * 44100;
	double *buf = malloc(sizeof *buf * 2 * nmax);

	if (!buf || runs < 1)
		return 2;
	/* both models start at rest and have one output */
	if (stiff_string_noutputs() != 1 || membrane_noutputs() != 1) {
		fprintf(stderr, "bench: expected one output per model\n");
		return 1;
	}
	ok = stiff(runs, buf, nmax);
	ok &= mem(runs, buf, nmax);
	free(buf);
	return ok ? 0 : 1;
}
