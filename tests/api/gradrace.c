/* gradrace.c — dpm_grad with spectral losses in several threads at once,
 * each on an instance of its own (api.md: one instance per thread): the
 * losses make and destroy FFTW plans, whose planner is one thread's at a
 * time (it corrupted the heap: a probe's).  Each thread's losses must be
 * those of one thread alone.  Prints "ok" or what differed. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

enum { NT = 4, RUNS = 12, N = 3000 };

static const char *const loss[] = {"mrstft", "sot", "spec"};
static float target[N];
static double got[NT][RUNS];

static double
grad(int r)
{
	dpm_model *m = dpm_new(0);
	double L = -1, g[64];
	long n = N - (r % 3) * 500;    /* other sizes of plan */

	if (!m || dpm_nparams(m) > 64 || dpm_grad(m, target, n, loss[r % 3], &L, g) != 0)
		L = -1;
	dpm_free(m);
	return L;
}

static void *
run(void *a)
{
	int i = (int)(long)a, r;

	for (r = 0; r < RUNS; r++)
		got[i][r] = grad(r);
	return 0;
}

int
main(void)
{
	pthread_t t[NT];
	double want[RUNS];
	int i, r, bad = 0;

	for (i = 0; i < N; i++)
		target[i] = (float)((i % 100) * 1e-4);
	for (i = 0; i < NT; i++)
		pthread_create(&t[i], 0, run, (void *)(long)i);
	for (i = 0; i < NT; i++)
		pthread_join(t[i], 0);
	for (r = 0; r < RUNS; r++)
		want[r] = grad(r);
	for (i = 0; i < NT; i++)
		for (r = 0; r < RUNS; r++)
			if (memcmp(&got[i][r], &want[r], sizeof want[r]) != 0 || want[r] < 0) {
				printf("thread %d, run %d (%s): loss %.17g where one thread gets %.17g\n", i, r,
				       loss[r % 3], got[i][r], want[r]);
				bad = 1;
			}
	if (!bad)
		printf("ok\n");
	return bad;
}
