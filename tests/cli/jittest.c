/* jittest.c — the backends on their own, against fake_model.c (a
 * hand-written ideal string in the generated API): both compile it, bind
 * every symbol, and give the same samples bit for bit; the grid is the
 * one the stability bound gives (N = floor(rate / (2 f0)) = 100); and a
 * text that does not compile is an error, not a crash.
 * Usage: jittest fake_model.c; prints PASS/FAIL lines. */
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
	      && strstr(err, "llvm"), "llvm-not-built", "no error for --backend llvm");
	free(yt);
	free(yc);
	if (yt)
		jit_unload(&kt);
	if (kc.impl)
		jit_unload(&kc);
	arena_free(a);
	return nfail != 0;
}
