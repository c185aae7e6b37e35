/* exact.c — the llvm backend's P_run and P_backward against the cc
 * backend's, in double precision: what the float WAV of `dpmc render
 * --raw` and the 17 digits of `dpmc grad` cannot show.
 *   exact MODEL.dpm STEPS STDLIB_DIR
 * Compiles the model with both backends (through the compiler's own
 * pipeline: linked with dpmc's objects), runs STEPS steps in two calls of
 * P_run (the step counter carries over) and compares every output and
 * both final states bit for bit; then P_forward over STEPS steps and
 * P_backward of a fixed dL/dy (the adjoint sweep with the gradient's
 * sums), and compares the outputs and every component of the gradient
 * bit for bit.  Prints "N outputs, P gradients, D differ" and exits 0
 * when D is 0; 2 when the model does not compile. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpm.h"
#include "ast.h"
#include "scheme.h"
#include "jit.h"

int
main(int argc, char **argv)
{
	Arena *a = arena_new();
	Diag d = {.out = NULL};
	Model *m;
	Scheme *s;
	Loops *l;
	Kernel k[2];
	const char *pre;
	char *c, err[4096];
	double *y[2], *grad[2], *dldy, h[2];
	void *mm[2];
	long n, i, diff = 0, npts;
	int nout, np, b, lev, g[2];

	d.out = stderr;
	if (argc != 4) {
		fprintf(stderr, "usage: exact MODEL.dpm STEPS STDLIB\n");
		return 2;
	}
	n = atol(argv[2]);
	if (!(m = model_load(a, &d, argv[1], NULL, 0, argv[3])))
		return 2;
	if (!(s = scheme_build(a, &d, m)))
		return 2;
	l = lower(a, s);
	pre = cg_prefix(a, m);
	c = cg_emit_c(l, pre, CG_GRAD);
	if (jit_load(&k[0], BK_CC, c, pre, err, sizeof err) != 0
	    || jit_load_llvm(&k[1], l, c, pre, err, sizeof err) != 0) {
		fprintf(stderr, "exact: %s\n", err);
		return 2;
	}
	nout = k[0].noutputs();
	for (b = 0; b < 2; b++) {
		if (!(mm[b] = k[b].create(NULL, 0, NULL, err, sizeof err))) {
			fprintf(stderr, "exact: %s\n", err);
			return 2;
		}
		y[b] = calloc((size_t)(n * nout + 1), sizeof(double));
		k[b].run(mm[b], n / 3, y[b]);
		k[b].run(mm[b], n - n / 3, y[b] + n / 3 * nout);
	}
	for (i = 0; i < n * nout; i++)
		if (memcmp(&y[0][i], &y[1][i], sizeof(double)) && !diff++)
			printf("first difference: output %ld: cc %.17g, llvm %.17g\n", i, y[0][i], y[1][i]);
	k[0].grid(mm[0], g, h);
	npts = (long)(g[0] + 1) * (k[0].ndim() == 2 ? g[1] + 1 : 1);
	for (lev = 0; lev < 2; lev++)
		if (memcmp(k[0].state(mm[0], lev), k[1].state(mm[1], lev), (size_t)npts * sizeof(double))) {
			printf("the final state u[n%s] differs\n", lev ? "-1" : "");
			diff++;
		}

	/* the gradient of sum dldy * y, dldy not a multiple of y */
	np = k[0].nparams();
	dldy = calloc((size_t)(n * nout + 1), sizeof(double));
	for (i = 0; i < n * nout; i++)
		dldy[i] = sin(0.37 * (double)i) + 0.25;
	for (b = 0; b < 2; b++) {
		grad[b] = calloc((size_t)np + 1, sizeof(double));
		memset(y[b], 0, (size_t)(n * nout) * sizeof(double));
		if (k[b].forward(mm[b], n, y[b], err, sizeof err) != 0
		    || k[b].backward(mm[b], dldy, grad[b], err, sizeof err) != 0) {
			fprintf(stderr, "exact: %s\n", err);
			return 2;
		}
	}
	if (memcmp(y[0], y[1], (size_t)(n * nout) * sizeof(double))) {
		printf("the outputs of P_forward differ\n");
		diff++;
	}
	for (i = 0; i < np; i++)
		if (memcmp(&grad[0][i], &grad[1][i], sizeof(double)) && !diff++)
			printf("first difference: gradient %ld (%s): cc %.17g, llvm %.17g\n", i,
			       k[0].param_name((int)i), grad[0][i], grad[1][i]);
	printf("%ld outputs, %d gradients, %ld differ\n", n * nout, np, diff);
	for (b = 0; b < 2; b++) {
		k[b].destroy(mm[b]);
		jit_unload(&k[b]);
		free(y[b]);
		free(grad[b]);
	}
	free(dldy);
	mem_free(c);
	scheme_free(s);
	arena_free(a);
	return diff != 0;
}
