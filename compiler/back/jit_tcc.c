/* jit_tcc.c — the backend switch, and TinyCC: the model's C text compiled
 * in memory by libtcc, the default because it starts in milliseconds.
 * requires: C text defining the API of scheme.h under `prefix`.
 * leaves: a Kernel whose pointers call into the relocated code. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <libtcc.h>

#include "dpm.h"
#include "jit.h"

#ifndef DPM_TCC_LIBDIR
#define DPM_TCC_LIBDIR "/usr/lib/x86_64-linux-gnu/tcc"
#endif

double
jit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

const char *
jit_backend_name(Backend b)
{
	switch (b) {
	case BK_TCC: return "tcc";
	case BK_CC: return "cc";
	case BK_LLVM: return "llvm";
	}
	return "?";
}

int
jit_backend(const char *s)
{
	if (!strcmp(s, "tcc"))
		return BK_TCC;
	if (!strcmp(s, "cc"))
		return BK_CC;
	if (!strcmp(s, "llvm"))
		return BK_LLVM;
	return -1;
}

int
jit_load(Kernel *k, Backend b, const char *ctext, const char *prefix, char *err, int errsz)
{
	double t0 = jit_now_ms();
	int r = -1;

	memset(k, 0, sizeof *k);
	k->backend = b;
	switch (b) {
	case BK_TCC:
		r = jit_tcc_load(k, ctext, prefix, err, errsz);
		break;
	case BK_CC:
		r = jit_cc_load(k, ctext, prefix, err, errsz);
		break;
	case BK_LLVM:
		/* it compiles from the loop IR, which the C text does not carry */
		snprintf(err, (size_t)errsz, "internal error: the llvm backend is loaded with "
		         "jit_load_llvm, from the model's loops");
		break;
	}
	if (r != 0) {
		memset(k, 0, sizeof *k);
		return -1;
	}
	k->compile_ms = jit_now_ms() - t0;
	return 0;
}

void
jit_unload(Kernel *k)
{
	if (!k->impl)
		return;
	if (k->unload)
		k->unload(k);
	else if (k->backend == BK_TCC)
		jit_tcc_unload(k);
	else if (k->backend == BK_CC)
		jit_cc_unload(k);
	memset(k, 0, sizeof *k);
}

/* The API table: symbol suffix and where its pointer lives in Kernel;
 * an optional one (1) stays NULL when the code lacks it, and so do the
 * gradient's (2) in a text without the gradient (a render's). */
static const struct { const char *name; size_t off; int optional; } api[] = {
	{"nparams", offsetof(Kernel, nparams), 0},
	{"noutputs", offsetof(Kernel, noutputs), 0},
	{"ndim", offsetof(Kernel, ndim), 0},
	{"name", offsetof(Kernel, name), 0},
	{"param_name", offsetof(Kernel, param_name), 0},
	{"param_default", offsetof(Kernel, param_default), 0},
	{"param_min", offsetof(Kernel, param_min), 0},
	{"param_max", offsetof(Kernel, param_max), 0},
	{"param_log", offsetof(Kernel, param_log), 0},
	{"output_name", offsetof(Kernel, output_name), 0},
	{"default_rate", offsetof(Kernel, default_rate), 0},
	{"plan", offsetof(Kernel, plan), 0},
	{"plan_for", offsetof(Kernel, plan_for), 0},
	{"create", offsetof(Kernel, create), 0},
	{"set_params", offsetof(Kernel, set_params), 0},
	{"reset", offsetof(Kernel, reset), 0},
	{"run", offsetof(Kernel, run), 0},
	{"grid", offsetof(Kernel, grid), 0},
	{"stability", offsetof(Kernel, stability), 0},
	{"state", offsetof(Kernel, state), 0},
	{"rate", offsetof(Kernel, rate), 0},
	{"destroy", offsetof(Kernel, destroy), 0},
	{"forward", offsetof(Kernel, forward), 2},
	{"backward", offsetof(Kernel, backward), 2},
	{"set_checkpoints", offsetof(Kernel, set_checkpoints), 2},
	{"set_memory", offsetof(Kernel, set_memory), 2},
	{"set_threads", offsetof(Kernel, set_threads), 2},
	{"op", offsetof(Kernel, op), 2},
	{"op_adj", offsetof(Kernel, op_adj), 2},
	{"net", offsetof(Kernel, net), 1},
	{"solve_error", offsetof(Kernel, solve_error), 1},
	{"time_error", offsetof(Kernel, time_error), 1},
	{"gains", offsetof(Kernel, gains), 1},
};

int
jit_bind(Kernel *k, void *(*look)(void *impl, const char *sym), const char *prefix,
         char *err, int errsz)
{
	Buf sym = {0};   /* a model's name has no length limit */
	void *p;
	size_t i;
	int nograd = 0;

	for (i = 0; i < sizeof api / sizeof api[0]; i++) {
		sym.len = 0;
		buf_printf(&sym, "%s_%s", prefix, api[i].name);
		p = look(k->impl, sym.s);
		/* no forward: a text without the gradient, none of its names */
		if (api[i].off == offsetof(Kernel, forward) && !p)
			nograd = 1;
		if (nograd && api[i].optional == 2) {
			if (p) {
				snprintf(err, (size_t)errsz, "internal error: '%s' without '%s_forward'", sym.s, prefix);
				buf_free(&sym);
				return -1;
			}
			memset((char *)k + api[i].off, 0, sizeof p);
			continue;
		}
		if (!p && api[i].optional == 1) {
			memset((char *)k + api[i].off, 0, sizeof p);
			continue;
		}
		if (!p) {
			snprintf(err, (size_t)errsz, "internal error: the generated code has no '%s'", sym.s);
			buf_free(&sym);
			return -1;
		}
		/* POSIX: object and function pointers have one representation;
		 * memcpy keeps ISO C quiet about converting between them. */
		memcpy((char *)k + api[i].off, &p, sizeof p);
	}
	buf_free(&sym);
	return 0;
}

/* ---- TinyCC ---- */

/* libtcc 0.9.27 keeps compiler state in globals: one compile at a time. */
static pthread_mutex_t tcc_lock = PTHREAD_MUTEX_INITIALIZER;

static void
tcc_msg(void *opaque, const char *msg)
{
	Buf *b = opaque;

	if (b->len)
		buf_puts(b, "\n");
	buf_puts(b, msg);
}

static void *
tcc_look(void *impl, const char *sym)
{
	return tcc_get_symbol(impl, sym);
}

/* The model's allocations go through util.c's test hook (tests/memory). */
static void
add_alloc_hook(TCCState *s)
{
	void *(*m)(size_t) = mem_try_malloc, *(*c)(size_t, size_t) = mem_try_calloc;
	void *(*r)(void *, size_t) = mem_try_realloc;
	void *p;

	/* memcpy, as in jit_bind: ISO C has no function-to-object cast */
	memcpy(&p, &m, sizeof p);
	tcc_add_symbol(s, "malloc", p);
	memcpy(&p, &c, sizeof p);
	tcc_add_symbol(s, "calloc", p);
	memcpy(&p, &r, sizeof p);
	tcc_add_symbol(s, "realloc", p);
}

int
jit_tcc_load(Kernel *k, const char *ctext, const char *prefix, char *err, int errsz)
{
	return jit_tcc_load_ext(k, ctext, prefix, NULL, 0, err, errsz);
}

int
jit_tcc_load_ext(Kernel *k, const char *ctext, const char *prefix, const JitExtern *ext, int n,
                 char *err, int errsz)
{
	TCCState *s;
	Buf msgs = {0};
	int ok = 0, i;

	pthread_mutex_lock(&tcc_lock);
	if (!(s = tcc_new())) {
		snprintf(err, (size_t)errsz, "TinyCC could not start");
		goto out;
	}
	tcc_set_lib_path(s, DPM_TCC_LIBDIR);
	tcc_set_error_func(s, &msgs, tcc_msg);
	tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
	tcc_define_symbol(s, "DPM_THREADS", "1");    /* the gradient's threads (emit_c.c) */
	for (i = 0; i < n; i++)
		tcc_define_symbol(s, ext[i].define, "1");
	/* The emitter's output always compiles, without a warning: either
	 * is a bug in dpmc.  (A warning is not harmless here: a temporary
	 * that hid the local it was to set gave "assignment of read-only
	 * location", and TinyCC went on with wrong gradients where cc
	 * refused; no model in the tree warns.) */
	if (tcc_compile_string(s, ctext) < 0 || msgs.len) {
		snprintf(err, (size_t)errsz, "internal error: TinyCC %s the generated code:\n%s",
		         msgs.len ? "warned about" : "rejected", msgs.s ? msgs.s : "");
		goto out;
	}
	/* Unresolved symbols (libm) come from the running process. */
	tcc_add_library(s, "m");
	for (i = 0; i < n; i++)
		tcc_add_symbol(s, ext[i].sym, ext[i].addr);
	add_alloc_hook(s);
	if (tcc_relocate(s, TCC_RELOCATE_AUTO) < 0) {
		snprintf(err, (size_t)errsz, "internal error: TinyCC could not link the generated code:\n%s",
		         msgs.s ? msgs.s : "");
		goto out;
	}
	k->impl = s;
	if (jit_bind(k, tcc_look, prefix, err, errsz) != 0)
		goto out;
	ok = 1;
out:
	if (!ok && s)
		tcc_delete(s);
	if (!ok)
		k->impl = NULL;
	pthread_mutex_unlock(&tcc_lock);
	buf_free(&msgs);
	return ok ? 0 : -1;
}

void
jit_tcc_unload(Kernel *k)
{
	pthread_mutex_lock(&tcc_lock);
	tcc_delete(k->impl);
	pthread_mutex_unlock(&tcc_lock);
	k->impl = NULL;
}
