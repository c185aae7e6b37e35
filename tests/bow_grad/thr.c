/* thr.c — a bowed model's gradient with one thread and with two
 * (P_set_threads, checkpoints every 7 steps so that the segments are
 * small and two threads share them): the same bits (tests/bow_grad).
 *
 *   cc -O2 -std=c99 -pthread -DMODEL=stick -DMODEL_H='"m.h"' -I BUILD thr.c
 *      BUILD/m.c -lm
 *   thr SECONDS
 * Prints "PASS ..." or "FAIL ..."; exit 1 on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(f) CAT(MODEL, f)
#define STR_(a) #a
#define STR(a) STR_(a)

/* dL/dp for L = sum_n 0.5 y_n^2 + y_n / 3 with `threads` threads */
static int
grad(double secs, int threads, double *g)
{
	char err[256];
	F(model) *m = F(create)(NULL, 0, NULL, err, sizeof err);
	long n, i;
	double *y, *dl;

	if (!m) {
		printf("FAIL %s_threads: %s\n", STR(MODEL), err);
		return 1;
	}
	n = (long)(secs * F(rate)(m));
	y = malloc(sizeof *y * (size_t)(n * F(noutputs)()));
	dl = malloc(sizeof *dl * (size_t)(n * F(noutputs)()));
	F(set_checkpoints)(m, 7);
	F(set_threads)(m, threads);
	if (!y || !dl || F(forward)(m, n, y, err, sizeof err)) {
		printf("FAIL %s_threads: forward: %s\n", STR(MODEL), err);
		return 1;
	}
	for (i = 0; i < n * F(noutputs)(); i++)
		dl[i] = 1e4 * y[i] + 1.0 / 3;
	if (F(backward)(m, dl, g, err, sizeof err)) {
		printf("FAIL %s_threads: backward: %s\n", STR(MODEL), err);
		return 1;
	}
	free(y);
	free(dl);
	F(destroy)(m);
	return 0;
}

int
main(int argc, char **argv)
{
	double g1[64], g2[64], secs = argc > 1 ? atof(argv[1]) : 0.02;
	int np = F(nparams)();

	if (np > 64 || grad(secs, 1, g1) || grad(secs, 2, g2))
		return 1;
	if (memcmp(g1, g2, sizeof(double) * (size_t)np)) {
		printf("FAIL %s_threads: the gradient with two threads differs from one thread's\n", STR(MODEL));
		return 1;
	}
	printf("PASS %s_threads (one thread and two, checkpoints every 7: %d gradients bit-identical)\n",
	       STR(MODEL), np);
	return 0;
}
