/* drift.c — the energy output of a model built by `dpmc build -o m.c`
 * (language.md 12.1), in double precision: run N steps and print the
 * largest relative change |E(n) - E(0)| / E(0), and the largest rise
 * of E from one step to the next over E(0) (<= 0 means never rising).
 * usage: drift N  (built with -DM_H='"m.h"' -DP=m_ -DCH=channel of E) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include M_H

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define F(x) CAT(P, x)

int
main(int argc, char **argv)
{
	char err[256];
	long n = argc > 1 ? atol(argv[1]) : 10000, i;
	int no = F(noutputs)();
	double *y = malloc((size_t)n * (size_t)no * sizeof *y), e0, drift = 0, rise = -1;
	CAT(P, model) *m = F(create)(NULL, 0, NULL, err, sizeof err);

	if (!m || !y) {
		fprintf(stderr, "drift: %s\n", m ? "out of memory" : err);
		return 1;
	}
	F(run)(m, n, y);
	e0 = y[CH];
	for (i = 0; i < n; i++) {
		double d = fabs(y[i * no + CH] - e0) / e0;
		if (!(d <= drift))
			drift = d;
		if (i && (y[i * no + CH] - y[(i - 1) * no + CH]) / e0 > rise)
			rise = (y[i * no + CH] - y[(i - 1) * no + CH]) / e0;
	}
	printf("%.3e %.3e %.17g\n", drift, rise, e0);
	F(destroy)(m);
	free(y);
	return 0;
}
