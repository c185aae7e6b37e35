/* threads.c — the generated code is reentrant: instances in parallel
 * threads give exactly what one thread gives alone.
 * Built by run.sh with the output of `dpmc build -o DIR/model.c`:
 *   cc -DPREFIX=ideal_string -I DIR threads.c DIR/model.c -lpthread -lm
 * Three threads: two with the defaults, one with f0 = 440, all at once;
 * then the same renders one after another.  Exit 0 when all agree. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define CAT(a, b) a##_##b
#define XCAT(a, b) CAT(a, b)
#define P(x) XCAT(PREFIX, x)

enum { N = 22050 };

typedef struct Job {
	double f0;          /* 0: the defaults */
	double *out;
	int ok;
} Job;

static void *
render(void *arg)
{
	Job *j = arg;
	double p[64];
	char err[512];
	int i, n = P(nparams)(), nch = P(noutputs)();
	P(model) *m;

	(void)nch;
	for (i = 0; i < n && i < 64; i++)
		p[i] = P(param_default)(i);
	if (j->f0 > 0)
		p[0] = j->f0;
	if (!(m = P(create)(p, 0, NULL, err, sizeof err))) {
		fprintf(stderr, "create: %s\n", err);
		return NULL;
	}
	P(run)(m, N, j->out);
	P(destroy)(m);
	j->ok = 1;
	return NULL;
}

static Job
job(double f0)
{
	Job j;

	j.f0 = f0;
	j.out = calloc((size_t)N * (size_t)P(noutputs)(), sizeof(double));
	j.ok = 0;
	return j;
}

int
main(void)
{
	Job par[3], seq[2];
	pthread_t th[3];
	size_t sz = sizeof(double) * (size_t)N * (size_t)P(noutputs)();
	int i, bad = 0;

	par[0] = job(0); par[1] = job(0); par[2] = job(440);
	seq[0] = job(0); seq[1] = job(440);
	for (i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, render, &par[i]);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	render(&seq[0]);
	render(&seq[1]);
	for (i = 0; i < 3; i++)
		bad |= !par[i].ok;
	bad |= !seq[0].ok || !seq[1].ok;
	if (!bad && memcmp(par[0].out, par[1].out, sz) != 0) {
		fprintf(stderr, "two threads with the same params differ\n");
		bad = 1;
	}
	if (!bad && memcmp(par[0].out, seq[0].out, sz) != 0) {
		fprintf(stderr, "a threaded render differs from a single-threaded one\n");
		bad = 1;
	}
	if (!bad && memcmp(par[2].out, seq[1].out, sz) != 0) {
		fprintf(stderr, "f0 = 440 in parallel differs from f0 = 440 alone\n");
		bad = 1;
	}
	if (!bad && memcmp(par[0].out, par[2].out, sz) == 0) {
		fprintf(stderr, "f0 = 220 and f0 = 440 gave the same output\n");
		bad = 1;
	}
	for (i = 0; i < 3; i++)
		free(par[i].out);
	free(seq[0].out);
	free(seq[1].out);
	return bad;
}
