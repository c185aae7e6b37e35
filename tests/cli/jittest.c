/* jittest.c — the backends on their own, against fake_model.c (a
 * hand-written ideal string in the generated API): both compile it, bind
 * every symbol, and give the same samples bit for bit; the grid is the
 * one the stability bound gives (N = floor(rate / (2 f0)) = 100); and a
 * text that does not compile is an error, not a crash.  The gradient
 * functions bind too, and through the pointers the adjoint agrees with
 * finite differences and P_op_adj is the transpose of P_op.
 * Usage: jittest fake_model.c; prints PASS/FAIL lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpm.h"
#include "jit.h"

static int nfail;

static void
check(int ok, const char *name, const char *why)
{
	printf(ok ? "PASS cli/jit-%s\n" : "FAIL cli/jit-%s: %s\n", name, why);
	nfail += !ok;
}

/* Render n samples of the default string; NULL on error. */
static double *
render(Kernel *k, long n, int *grid)
{
	char err[512];
	double *out, h;
	void *m;

	if (!(m = k->create(NULL, 0, NULL, err, sizeof err)))
		return NULL;
	out = calloc((size_t)n, sizeof *out);
	k->run(m, n, out);
	k->grid(m, grid, &h);
	k->destroy(m);
	return out;
}

/* The loss sum(y^2)/2 of n samples at f0: its dL/df0 from the adjoint
 * against central differences, and the dot test of the step operator.
 * h is small: near the stability limit the string's loss bends sharply
 * in f0 (h = 1e-3 is 50% off, 1e-5 agrees to 6e-5, 1e-6 to 1e-6). */
static void
grad_checks(Kernel *k)
{
	enum { n = 2000, N = 101 };
	char err[512];
	double f0 = 218.3, h = 1e-6, lp = 0, lm = 0, g = -1, *y = calloc(n, sizeof *y), p;
	double u[N], up[N], l[N], un[N], lu[N], lup[N], lhs = 0, rhs = 0, scale = 0;
	void *m;
	long s;
	int i, ok = k->forward && k->backward && k->set_checkpoints && k->op && k->op_adj;

	check(ok, "grad-bind", "the gradient functions are not bound");
	if (!ok || !y)
		return;
	for (i = -1; i <= 1; i += 2) {
		double sum = 0;
		p = f0 + i * h;
		m = k->create(&p, 0, NULL, err, sizeof err);
		k->forward(m, n, y, err, sizeof err);
		for (s = 0; s < n; s++)
			sum += y[s] * y[s] / 2;
		*(i < 0 ? &lm : &lp) = sum;
		k->destroy(m);
	}
	m = k->create(&f0, 0, NULL, err, sizeof err);
	k->set_checkpoints(m, 0);
	k->forward(m, n, y, err, sizeof err);
	k->backward(m, y, &g, err, sizeof err);   /* dL/dy = y */
	check(fabs(g - (lp - lm) / (2 * h)) < 1e-5 * fabs(g), "grad-fd", "dL/df0 differs from finite differences");
	for (i = 0; i < N; i++) {
		u[i] = sin(1.3 * i * i);
		up[i] = cos(0.7 * i);
		l[i] = sin(2.9 * i + 1);
	}
	k->op(m, u, up, un);
	k->op_adj(m, l, lu, lup);
	for (i = 0; i < N; i++) {
		lhs += un[i] * l[i];
		rhs += u[i] * lu[i] + up[i] * lup[i];
		scale += fabs(un[i] * l[i]);
	}
	check(fabs(lhs - rhs) < 1e-13 * scale, "grad-dot", "<A u, l> differs from <u, A^T l>");
	k->destroy(m);
	free(y);
}

int
main(int argc, char **argv)
{
	enum { N = 4410 };
	Arena *a = arena_new();
	Src *s;
	Kernel kt, kc;
	char err[4096];
	double *yt = NULL, *yc = NULL;
	int gt = 0, gc = 0, ok;

	if (argc != 2 || !(s = src_load(a, argv[1])))
		return 2;
	ok = jit_load(&kt, BK_TCC, s->text, "ideal_string", err, sizeof err) == 0;
	check(ok, "tcc-load", err);
	if (ok) {
		check(kt.nparams() == 1 && !strcmp(kt.param_name(0), "f0") && kt.noutputs() == 1,
		      "tcc-bind", "wrong metadata through the pointers");
		yt = render(&kt, N, &gt);
		grad_checks(&kt);
	}
	ok = jit_load(&kc, BK_CC, s->text, "ideal_string", err, sizeof err) == 0;
	check(ok, "cc-load", err);
	if (ok)
		yc = render(&kc, N, &gc);
	check(yt && gt == 100, "grid", "the default grid is not 100 intervals");
	check(yt && yc && !memcmp(yt, yc, sizeof(double) * N), "tcc-equals-cc", "the samples differ");
	check(jit_load(&kt, BK_TCC, "int f(void) { return nope; }", "x", err, sizeof err) != 0
	      && strstr(err, "nope"), "tcc-error", "a broken text loaded, or the message lacks the cause");
	check(jit_load(&kt, BK_TCC, "int x_nparams(void) { return 0; }", "x", err, sizeof err) != 0
	      && strstr(err, "x_noutputs"), "missing-symbol", err);
	check(jit_load(&kt, BK_LLVM, s->text, "ideal_string", err, sizeof err) != 0
	      && strstr(err, "llvm"), "llvm-needs-loop-ir", "jit_load accepted llvm without the loop IR");
	free(yt);
	free(yc);
	if (yt)
		jit_unload(&kt);
	if (kc.impl)
		jit_unload(&kc);
	arena_free(a);
	return nfail != 0;
}
