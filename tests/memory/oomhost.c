/* oomhost.c — the generated C out of memory at each of its allocations in
 * turn, as a C program that embeds it sees it (built with cc, so dpmc's
 * own hook does not reach it).
 *
 *   cc -c -std=c99 -Dmalloc=oom_malloc -Dcalloc=oom_calloc -Drealloc=oom_realloc
 *      -o drum.o BUILD/drum.c
 *   cc -std=c99 -DMODEL=drum -DMODEL_H='"drum.h"' -I BUILD oomhost.c drum.o
 *      -lm -lpthread
 *   oomhost GRID SAMPLES
 *
 * The model's malloc, calloc and realloc are renamed to the counting ones
 * here.  One pass with nothing failing counts the allocations of a
 * session — create on the forced grid, run, a gradient within a small
 * memory budget, then with a checkpoint every 7 steps, then with every
 * step kept, op_adj, destroy — then the session is repeated with the k-th
 * allocation and every later one failing, for every k.  Each call must
 * report the failure (NULL or non-zero with a message in err, NaN from
 * op_adj) or succeed; a crash is the failure this looks for, a silent
 * wrong answer the other.  The first failure of each session must come
 * from the call that made the failing allocation.
 * Prints "PASS name (...)" or "FAIL name: why"; exit 1 on failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include MODEL_H

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(f) CAT(MODEL, f)
#define STR_(a) #a
#define STR(a) STR_(a)

/* the model's allocator: n succeed after oom_arm(n), then all fail */
static long left = -1, count;

void *oom_malloc(size_t n);
void *oom_calloc(size_t n, size_t size);
void *oom_realloc(void *p, size_t n);

static int
fails(void)
{
	count++;
	if (left == 0)
		return 1;
	if (left > 0)
		left--;
	return 0;
}

void *
oom_malloc(size_t n)
{
	return fails() ? NULL : malloc(n);
}

void *
oom_calloc(size_t n, size_t size)
{
	return fails() ? NULL : calloc(n, size);
}

void *
oom_realloc(void *p, size_t n)
{
	return fails() ? NULL : realloc(p, n);
}

static const char *name = STR(MODEL);
static int grid[2];
static long nsamp;

/* One session; 0 when every call succeeded or reported its failure, else
 * 1 with why.  refused: how many calls reported a failure. */
static int
session(char *why, int whysz, int *refused)
{
	char err[512];
	long ny = nsamp * F(noutputs)(), npts, i, plans[3] = {0, 7, 1};
	double *y = malloc((size_t)ny * sizeof *y), *dldy = malloc((size_t)ny * sizeof *dldy);
	double grad[64], *l, *lu, *lup;
	const double *u;
	int p, n[2] = {0, 0}, r = 0;
	void *m;

	*refused = 0;
	if (!y || !dldy || F(nparams)() > 64) {
		snprintf(why, (size_t)whysz, "the host is out of memory");
		return 1;
	}
	err[0] = 0;
	if (!(m = F(create)(NULL, 0, grid, err, sizeof err))) {
		(*refused)++;
		if (!err[0])
			snprintf(why, (size_t)whysz, "create returned NULL with no message");
		r = !err[0];
		goto out;
	}
	F(run)(m, nsamp, y);
	for (i = 0; i < ny; i++)
		dldy[i] = y[i] + 1e-3 * (double)(i % 7);
	/* a budget of a few states, then a checkpoint every 7 steps, then
	 * every step: each needs more memory than the last */
	F(grid)(m, n, NULL);
	npts = (long)(n[0] + 1) * (F(ndim)() == 2 ? n[1] + 1 : 1);
	for (p = 0; p < 3; p++) {
		F(set_memory)(m, p == 0 ? 8.0 * 8 * (double)npts : 0);
		F(set_checkpoints)(m, plans[p]);
		err[0] = 0;
		if (F(forward)(m, nsamp, y, err, sizeof err)) {
			(*refused)++;
			if (!err[0]) {
				snprintf(why, (size_t)whysz, "forward %d failed with no message", p);
				r = 1;
				goto out;
			}
			/* and a backward without its forward says so */
			err[0] = 0;
			if (!F(backward)(m, dldy, grad, err, sizeof err) || !err[0]) {
				snprintf(why, (size_t)whysz, "a backward after a failed forward %d "
				         "did not refuse with a message", p);
				r = 1;
				goto out;
			}
			continue;
		}
		err[0] = 0;
		if (F(backward)(m, dldy, grad, err, sizeof err)) {
			(*refused)++;
			if (!err[0]) {
				snprintf(why, (size_t)whysz, "backward %d failed with no message", p);
				r = 1;
				goto out;
			}
		}
	}
	u = F(state)(m, 0);
	l = malloc((size_t)npts * 3 * sizeof *l);
	if (l) {
		lu = l + npts;
		lup = lu + npts;
		for (i = 0; i < npts; i++)
			l[i] = u[i] + 1;
		F(op_adj)(m, l, lu, lup);
		/* a zero transpose would be a silent wrong answer: it fails loudly */
		for (i = 0; i < 2 * npts && lu[i] == 0; i++)
			;
		if (i == 2 * npts) {
			snprintf(why, (size_t)whysz, "op_adj gave zeros");
			r = 1;
		} else if (isnan(lu[0]) || isnan(lup[0]))
			(*refused)++;
		free(l);
	}
out:
	F(destroy)(m);
	free(y);
	free(dldy);
	return r;
}

int
main(int argc, char **argv)
{
	char why[600];
	long n, k, refused = 0;
	int ref, bad = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: oomhost N[,M] SAMPLES\n");
		return 2;
	}
	if (sscanf(argv[1], "%d,%d", &grid[0], &grid[1]) < 1 || (nsamp = atol(argv[2])) < 1) {
		fprintf(stderr, "oomhost: bad arguments\n");
		return 2;
	}
	left = -1;
	count = 0;
	if (session(why, sizeof why, &ref) || ref) {
		printf("FAIL memory/oomhost-%s: with nothing failing: %s\n", name, ref ? "a call refused" : why);
		return 1;
	}
	n = count;
	for (k = 0; k < n; k++) {
		left = k;
		/* a crash ends the program: say where first */
		fprintf(stderr, "oomhost: k = %ld\n", k);
		if (session(why, sizeof why, &ref)) {
			printf("FAIL memory/oomhost-%s: allocation %ld of %ld failing: %s\n", name, k, n, why);
			bad = 1;
		} else if (!ref) {
			printf("FAIL memory/oomhost-%s: allocation %ld of %ld failing: every call "
			       "succeeded\n", name, k, n);
			bad = 1;
		}
		refused += ref;
	}
	if (!bad)
		printf("PASS memory/oomhost-%s (failed each of %ld allocations in turn; %ld calls "
		       "refused with a message)\n", name, n, refused);
	return bad;
}
