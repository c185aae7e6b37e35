/* host.c — the generated API's edges, from a C program that includes the
 * generated header after the C library's own (so a model named FILE,
 * NULL, stdin, M_PI or _STDIO clashes here if anywhere).  MDL_ is a
 * placeholder: run.sh writes the model's prefix over it with sed.
 *   cc -std=c99 -fsanitize=address,undefined -I DIR host.c DIR/m.c -lpthread -lm
 * Prints PASS names/host-... / FAIL names/host-...: why. */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rt.h"
#include "m.h"

enum { NS = 300 };

static const char *tag = "";
static int nfail;

static void
check(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("PASS names/host-%s%s\n", tag, name);
	} else {
		printf("FAIL names/host-%s%s: %s\n", tag, name, why);
		nfail++;
	}
}

/* create with these arguments must fail with a message containing want */
static void
refuse(const char *name, const double *p, double rate, const int *grid, const char *want)
{
	char err[256] = "", msg[600];
	int g[2], plan;
	double h[2];
	MDL_model *m;

	m = MDL_create(p, rate, grid, err, sizeof err);
	snprintf(msg, sizeof msg, "create gave %s, message '%s', want one with '%s'",
	         m ? "a model" : "NULL", err, want);
	check(!m && strstr(err, want), name, msg);
	MDL_destroy(m);
	err[0] = 0;
	plan = MDL_plan(p, rate, grid, g, h, err, sizeof err);
	snprintf(msg, sizeof msg, "plan gave %d, message '%s', want one with '%s'", plan, err, want);
	check(plan != 0 && strstr(err, want), name, msg);
}

/* NS samples of a fresh model: 0, or the output into y */
static int
render(MDL_model *m, double *y)
{
	MDL_reset(m);
	MDL_run(m, NS, y);
	return 0;
}

int
main(int argc, char **argv)
{
	const int nd = MDL_ndim(), np = MDL_nparams(), no = MDL_noutputs();
	double *p = malloc(sizeof(double) * (size_t)np), *y0, *y1, rate = MDL_default_rate();
	char err[256] = "", msg[600], *small;
	int g[2], g0[2], i, same;
	MDL_model *m, *m0;

	if (argc > 1)
		tag = argv[1];
	y0 = malloc(sizeof(double) * NS * (size_t)no);
	y1 = malloc(sizeof(double) * NS * (size_t)no);
	if (!p || !y0 || !y1)
		return 1;

	/* NULL params: the defaults, the model's rate and grid */
	m0 = MDL_create(NULL, 0, NULL, err, sizeof err);
	check(m0 != NULL, "create-defaults", err);
	if (!m0)
		return 1;
	check(MDL_rate(m0) == rate, "create-rate0", "rate 0 is not the model's rate");
	MDL_grid(m0, g0, NULL);
	render(m0, y0);

	/* set_params(NULL) puts the defaults back: the same samples as new */
	for (i = 0; i < np; i++)
		p[i] = MDL_param_default(i);
	p[0] = 0.9 * p[0] + 0.1 * (isfinite(MDL_param_min(0)) ? MDL_param_min(0) : 0);   /* a coarser grid: stable */
	m = MDL_create(NULL, 0, NULL, err, sizeof err);
	check(m && MDL_set_params(m, p, err, sizeof err) == 0, "set-params", err);
	if (!m)
		return 1;
	render(m, y1);
	check(memcmp(y0, y1, sizeof(double) * NS * (size_t)no) != 0, "set-params-changes",
	      "new params gave the same samples");
	err[0] = 0;
	i = MDL_set_params(m, NULL, err, sizeof err);
	snprintf(msg, sizeof msg, "set_params(m, NULL) gave %d: %s", i, err);
	check(i == 0, "set-params-null", msg);
	render(m, y1);
	same = memcmp(y0, y1, sizeof(double) * NS * (size_t)no) == 0;
	check(same, "set-params-null-defaults", "set_params(NULL) did not restore the defaults");
	p[0] = NAN;
	err[0] = 0;
	check(MDL_set_params(m, p, err, sizeof err) != 0 && strstr(err, "finite"), "set-params-nan", err);
	MDL_destroy(m);

	/* grid 0: choose, as NULL does */
	g[0] = g[1] = 0;
	m = MDL_create(NULL, 0, g, err, sizeof err);
	MDL_grid(m ? m : m0, g, NULL);
	check(m && g[0] == g0[0] && (nd == 1 || g[1] == g0[1]), "grid-zero", err);
	MDL_destroy(m);

	/* grids too large, negative; rates not finite or not positive */
	if (nd == 1) {
		g[1] = 0;
		g[0] = INT_MAX, refuse("grid-intmax", NULL, 0, g, "grid too large");
		g[0] = INT_MAX - 1, refuse("grid-intmax-1", NULL, 0, g, "grid too large");
		g[0] = 100000000, refuse("grid-1e8", NULL, 0, g, "grid too large");
		g[0] = -1, refuse("grid-negative", NULL, 0, g, "must be positive");
		g[0] = INT_MIN, refuse("grid-intmin", NULL, 0, g, "must be positive");
	} else {
		g[0] = INT_MAX, g[1] = INT_MAX, refuse("grid-intmax2", NULL, 0, g, "grid too large");
		g[0] = INT_MAX, g[1] = 200, refuse("grid-intmax-x", NULL, 0, g, "grid too large");
		g[0] = 200, g[1] = INT_MAX, refuse("grid-intmax-y", NULL, 0, g, "grid too large");
		g[0] = 65536, g[1] = 65536, refuse("grid-2e32", NULL, 0, g, "grid too large");
		g[0] = 20000, g[1] = 5001, refuse("grid-product", NULL, 0, g, "grid too large");
		g[0] = 200, g[1] = -3, refuse("grid-negative-y", NULL, 0, g, "must be positive");
		g[0] = INT_MIN, g[1] = 200, refuse("grid-intmin", NULL, 0, g, "must be positive");
	}
	refuse("rate-nan", NULL, NAN, NULL, "sample rate");
	refuse("rate-inf", NULL, INFINITY, NULL, "sample rate");
	refuse("rate-minus-inf", NULL, -INFINITY, NULL, "sample rate");
	refuse("rate-negative", NULL, -44100, NULL, "sample rate");
	refuse("rate-tiny", NULL, 0.5, NULL, "sample rate");
	refuse("rate-huge", NULL, 1e300, NULL, "sample rate");
	for (i = 0; i < np; i++)
		p[i] = MDL_param_default(i);
	p[np - 1] = INFINITY;
	refuse("param-inf", p, 0, NULL, "not a finite number");

	/* a message cut to errsz - 1 characters, nothing written past it (ASan) */
	if ((small = malloc(8))) {
		g[0] = g[1] = -1;
		m = MDL_create(NULL, 0, g, small, 8);
		check(!m && strlen(small) == 7, "err-small", "the message is not cut to 7 characters");
		free(small);
	}
	/* no room for a message: still a clean NULL */
	g[0] = g[1] = -1;
	check(MDL_create(NULL, 0, g, NULL, 0) == NULL, "err-none", "a model from a negative grid");

	MDL_destroy(m0);
	free(p);
	free(y0);
	free(y1);
	return nfail != 0;
}
