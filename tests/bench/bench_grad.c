/* bench_grad.c — the cost of a gradient against the cost of a render.
 *
 *   cc -O3 -march=native -ffp-contract=off -I BUILD bench_grad.c
 *      BUILD/stiff_string.c BUILD/membrane.c BUILD/guitar.c -lm -lpthread
 *   bench_grad time [RUNS [median]]   one line per model and duration:
 *       MODEL SECONDS FORWARD_MS GRAD_MS GRAD1_MS FWD1_MS LOSS GRAD_0 ...
 *     FORWARD_MS: best (or median) of RUNS of P_reset + P_run (a render);
 *     GRAD_MS: of P_forward + P_backward (the whole gradient) of
 *     L = 0.5 sum_n y_n^2, at the default params and grid, on the threads
 *     the machine gives (at most 2); GRAD1_MS: the same with
 *     P_set_threads(m, 1), which must give the same bits; FWD1_MS: the
 *     P_forward of that one-thread gradient (its checkpoints; the rest
 *     is P_backward: the segments made again and swept back).  stiff_string
 *     for 1 s (the PyTorch comparison) and 10 s, membrane and guitar
 *     (examples/guitar.dpm) for 1 s.
 *   bench_grad mem SECONDS     the membrane's gradient for SECONDS, then
 *     "membrane SECONDS PEAK_MB": the peak resident size of the process
 *     (getrusage ru_maxrss), what a fit of that model would hold.
 * Measures only; exit 1 when a model fails to create or differentiate. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include "stiff_string.h"
#include "membrane.h"
#include "guitar.h"

enum { MAXP = 16, MAXR = 100 };

/* one model's entry points, so that both go through the same code */
typedef struct {
	const char *name;
	int (*nparams)(void);
	void *(*create)(const double *, double, const int *, char *, int);
	void (*reset)(void *);
	void (*run)(void *, long, double *);
	int (*forward)(void *, long, double *, char *, int);
	int (*backward)(void *, const double *, double *, char *, int);
	void (*threads)(void *, int);
	void (*destroy)(void *);
} Model;

/* wrappers with void * in place of the model's own type (calling a
 * function through a pointer of another type would be undefined) */
#define MODEL(P) \
static void *P##_c(const double *p, double r, const int *g, char *e, int es) \
	{ return P##_create(p, r, g, e, es); } \
static void P##_rs(void *m) { P##_reset(m); } \
static void P##_rn(void *m, long n, double *y) { P##_run(m, n, y); } \
static int P##_f(void *m, long n, double *y, char *e, int es) \
	{ return P##_forward(m, n, y, e, es); } \
static int P##_b(void *m, const double *d, double *g, char *e, int es) \
	{ return P##_backward(m, d, g, e, es); } \
static void P##_t(void *m, int n) { P##_set_threads(m, n); } \
static void P##_d(void *m) { P##_destroy(m); }
MODEL(stiff_string)
MODEL(membrane)
MODEL(guitar)
#define ENTRY(P) { #P, P##_nparams, P##_c, P##_rs, P##_rn, P##_f, P##_b, P##_t, P##_d }

static Model models[] = { ENTRY(stiff_string), ENTRY(membrane), ENTRY(guitar) };

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* the gradient of 0.5 sum y^2 over n samples, into g; its time in ms, or
 * -1 on failure; the forward's into *fwd */
static double
grad(const Model *md, void *m, long n, double *y, double *g, double *L, double *fwd)
{
	char err[256];
	double t = now_ms();
	long i;

	if (md->forward(m, n, y, err, sizeof err)) {
		fprintf(stderr, "bench_grad: %s_forward: %s\n", md->name, err);
		return -1;
	}
	*fwd = now_ms() - t;
	*L = 0;
	for (i = 0; i < n; i++)
		*L += 0.5 * y[i] * y[i];
	/* dL/dy = y: the buffer serves as both */
	if (md->backward(m, y, g, err, sizeof err)) {
		fprintf(stderr, "bench_grad: %s_backward: %s\n", md->name, err);
		return -1;
	}
	return now_ms() - t;
}

static int
cmp(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* the best (or the median) of runs of t */
static double
pick(double *t, int runs, int median)
{
	qsort(t, (size_t)runs, sizeof *t, cmp);
	return t[median ? runs / 2 : 0];
}

/* Per run a render, then the gradient on as many threads as it takes
 * (at most 2) and on one thread, of one instance (two would hold two
 * budgets' checkpoints, and the second's default budget would shrink);
 * the gradients must have the same bits. */
static int
timing(const Model *md, double secs, int runs, int median)
{
	char err[256];
	void *m = md->create(NULL, 44100, NULL, err, sizeof err);
	long n = (long)(secs * 44100), i;
	double *y = malloc(sizeof *y * n), g[2][MAXP], L = 0, t[4][MAXR], f[2];
	int r, k, np = md->nparams();

	if (!m || !y || np > MAXP) {
		fprintf(stderr, "bench_grad: %s_create: %s\n", md->name, m ? "out of memory" : err);
		return 0;
	}
	for (r = 0; r < runs; r++) {
		md->reset(m);
		t[0][r] = now_ms();
		md->run(m, n, y);
		t[0][r] = now_ms() - t[0][r];
		for (k = 0; k < 2; k++) {
			md->threads(m, k);
			if ((t[1 + k][r] = grad(md, m, n, y, g[k], &L, &f[k])) < 0)
				return 0;
		}
		t[3][r] = f[1];
		if (memcmp(g[0], g[1], sizeof(double) * (size_t)np)) {
			fprintf(stderr, "bench_grad: %s: the gradient on one thread has other bits\n",
			        md->name);
			return 0;
		}
	}
	printf("%s %g %.3f %.3f %.3f %.3f %.17g", md->name, secs, pick(t[0], runs, median),
	       pick(t[1], runs, median), pick(t[2], runs, median), pick(t[3], runs, median), L);
	for (i = 0; i < np; i++)
		printf(" %.17g", g[0][i]);
	printf("\n");
	md->destroy(m);
	free(y);
	return 1;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "time")) {
		int runs = argc > 2 ? atoi(argv[2]) : 3, med = argc > 3 && !strcmp(argv[3], "median"), ok;

		if (runs < 1 || runs > MAXR)
			return 2;
		ok = timing(&models[0], 1, runs, med);
		ok = ok && timing(&models[0], 10, runs, med);
		ok = ok && timing(&models[1], 1, runs, med);
		ok = ok && timing(&models[2], 1, runs, med);
		return !ok;
	}
	if (argc > 2 && !strcmp(argv[1], "mem")) {
		double secs = atof(argv[2]), g[MAXP], L, f;
		long n = (long)(secs * 44100);
		char err[256];
		void *m = membrane_create(NULL, 44100, NULL, err, sizeof err);
		double *y = malloc(sizeof *y * (n > 0 ? n : 1));
		struct rusage ru;

		if (!m || !y || n <= 0 || grad(&models[1], m, n, y, g, &L, &f) < 0)
			return 1;
		getrusage(RUSAGE_SELF, &ru);
		printf("membrane %g %.1f\n", secs, ru.ru_maxrss / 1024.0);
		membrane_destroy(m);
		free(y);
		return 0;
	}
	fprintf(stderr, "usage: bench_grad time [RUNS [median]] | mem SECONDS\n");
	return 2;
}
