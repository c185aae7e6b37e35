/* bench_nets.c — the cost of a gradient through a net (issue 10).
 *
 *   cc -O3 -march=native -ffp-contract=off -DMODEL=P -DMODEL_H='"m.h"' -I BUILD
 *      bench_nets.c BUILD/m.c -pthread -lm
 *   bench_nets SECONDS RUNS THREADS
 * prints "MODEL NPARAMS GRAD_MS FORWARD_MS GRAD_CPU_MS": the best of RUNS
 * of P_forward + P_backward (L = 0.5 sum y^2, defaults, every weight of a
 * net set to 0.1 times a fixed pseudo-random number so that no layer is
 * zero) on THREADS threads, and of P_reset + P_run, in wall time; and
 * the best processor time of the gradient (all threads), which a busy
 * machine disturbs less.  Measures only. */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include MODEL_H

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(f) CAT(MODEL, f)
#define STR_(a) #a
#define STR(a) STR_(a)

static double
clock_ms(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double
now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1, *p, *y, *g, *grad, t, c, best = 1e300, bestf = 1e300,
	       bestc = 1e300;
	int runs = argc > 2 ? atoi(argv[2]) : 5, threads = argc > 3 ? atoi(argv[3]) : 1, np = F(nparams)(), i, r;
	long n, k;
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	char err[256];
	F(model) *m;

	p = malloc(sizeof *p * (size_t)(np + 1));
	grad = malloc(sizeof *grad * (size_t)(np + 1));
	for (i = 0; i < np; i++) {
		p[i] = F(param_default)(i);
		if (strchr(F(param_name)(i), '.')) {
			x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
			p[i] = 0.1 * ((double)((x * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1);
		}
	}
	if (!(m = F(create)(p, 0, NULL, err, sizeof err))) {
		fprintf(stderr, "%s: %s\n", STR(MODEL), err);
		return 1;
	}
	F(set_threads)(m, threads);
	n = (long)(secs * F(rate)(m));
	y = malloc(sizeof *y * (size_t)(n * F(noutputs)()));
	g = malloc(sizeof *g * (size_t)(n * F(noutputs)()));
	for (r = 0; r < runs; r++) {
		t = now_ms();
		F(reset)(m);
		F(run)(m, n, y);
		t = now_ms() - t;
		bestf = t < bestf ? t : bestf;
		t = now_ms();
		c = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (F(forward)(m, n, y, err, sizeof err)) {
			fprintf(stderr, "%s: %s\n", STR(MODEL), err);
			return 1;
		}
		for (k = 0; k < n * F(noutputs)(); k++)
			g[k] = y[k];
		if (F(backward)(m, g, grad, err, sizeof err)) {
			fprintf(stderr, "%s: %s\n", STR(MODEL), err);
			return 1;
		}
		c = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c;
		t = now_ms() - t;
		best = t < best ? t : best;
		bestc = c < bestc ? c : bestc;
	}
	printf("%s %d %.3f %.3f %.3f\n", STR(MODEL), np, best, bestf, bestc);
	F(destroy)(m);
	free(p);
	free(grad);
	free(y);
	free(g);
	return 0;
}
