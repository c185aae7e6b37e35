/* host.c — run a model built by `dpmc build -o m.c` in double precision
 * and write every output of every step as text (one step a line), for
 * the checks of tests/sav (a WAV's 32-bit floats would hide them).
 * usage: host N RATE [NAME=VALUE ...] > out.txt  (env GRID: intervals)
 * (built with -DM_H='"m.h"' -DP=m_); stderr: the grid's intervals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include M_H

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define F(x) CAT(P, x)

int
main(int argc, char **argv)
{
	char err[256];
	long n = argc > 1 ? atol(argv[1]) : 1000, i;
	double rate = argc > 2 ? atof(argv[2]) : 0, p[64], *y;
	int np = F(nparams)(), no = F(noutputs)(), a, j, grid[2];
	CAT(P, model) *m;

	for (j = 0; j < np && j < 64; j++)
		p[j] = F(param_default)(j);
	for (a = 3; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		for (j = 0; eq && j < np; j++)
			if (strlen(F(param_name)(j)) == (size_t)(eq - argv[a])
			    && !strncmp(F(param_name)(j), argv[a], (size_t)(eq - argv[a])))
				break;
		if (!eq || j == np) {
			fprintf(stderr, "host: no param '%s'\n", argv[a]);
			return 1;
		}
		p[j] = atof(eq + 1);
	}
	grid[0] = grid[1] = getenv("GRID") ? atoi(getenv("GRID")) : 0;
	m = F(create)(p, rate, grid[0] ? grid : NULL, err, sizeof err);
	y = malloc((size_t)n * (size_t)no * sizeof *y);
	if (!m || !y) {
		fprintf(stderr, "host: %s\n", m ? "out of memory" : err);
		return 1;
	}
	F(run)(m, n, y);
	F(grid)(m, grid, NULL);
	fprintf(stderr, "%d\n", grid[0]);
	for (i = 0; i < n; i++)
		for (j = 0; j < no; j++)
			printf("%.17g%c", y[i * no + j], j == no - 1 ? '\n' : ' ');
	F(destroy)(m);
	free(y);
	return 0;
}
