/* race.c — instances made at once in several threads (api.md: one
 * instance per thread) from a model's .c built without threads: each
 * gets the grid one thread alone gets.  The once that makes the
 * stability analysis's tables set its flag before the tables were made,
 * and a second thread planned with empty tables (NULL, or grids of 10
 * where 171 is right; a probe's).  Prints "ok" or what differed. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

enum { NT = 8 };

static volatile int go;
static int grids[NT][2];

static void *
run(void *a)
{
	int i = (int)(long)a;
	dpm_model *m;

	while (!go)
		;
	if ((m = dpm_new(0))) {
		dpm_grid(m, grids[i], NULL);
		dpm_free(m);
	} else {
		grids[i][0] = -1;
		fprintf(stderr, "dpm_new: NULL [%s]\n", dpm_error(NULL));
	}
	return 0;
}

/* the threads first: the once runs in the process's first dpm_new */
int
main(void)
{
	int want[2] = {0, 0}, i, bad = 0;
	pthread_t t[NT];
	dpm_model *m;

	for (i = 0; i < NT; i++)
		pthread_create(&t[i], 0, run, (void *)(long)i);
	go = 1;
	for (i = 0; i < NT; i++)
		pthread_join(t[i], 0);
	if (!(m = dpm_new(0)) || dpm_grid(m, want, NULL) < 0)
		return printf("one thread: no instance [%s]\n", dpm_error(NULL)), 1;
	dpm_free(m);
	for (i = 0; i < NT; i++)
		if (grids[i][0] != want[0] || grids[i][1] != want[1]) {
			printf("thread %d: grid %d,%d where one thread gets %d,%d\n", i,
			       grids[i][0], grids[i][1], want[0], want[1]);
			bad = 1;
		}
	if (!bad)
		printf("ok\n");
	return bad;
}
