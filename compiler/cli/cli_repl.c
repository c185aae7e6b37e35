/* cli_repl.c — `dpmc repl` (spec/cli.md, "The REPL"): one compiled model
 * kept loaded, its params changed and re-rendered without recompiling,
 * gradients and fits against recordings, the model reloaded when its file
 * changes.  Every command goes through the functions the one-shot
 * commands use (cli_compile, cli_info_print, cli_emit_print,
 * cli_render_wav, cli_grad, cli_fit, cli_params), so a message reads the
 * same in both.  The last render's samples and the last fit's loss per
 * step are kept for `plot` (plot.c).
 * requires: the command line's Opts (main.c).
 * leaves: the exit status: 1 if any command failed, else 0. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <editline/readline.h>

#include "ast.h"
#include "cli.h"
#include "plot.h"
#include "../runtime/rt.h"

#ifndef DPM_VERSION
#define DPM_VERSION "0.1"
#endif

enum { MAXARG = 8 };

typedef struct Repl {
	Opts o;              /* the options in force; o.model is not used */
	Run *run;            /* the current model; NULL before a load */
	Run *fast;           /* it again for grad and fit (grad_run); NULL until then */
	const char *path;    /* its file, in run's arena */
	double *vals;        /* its params in force (mem_alloc'd) */
	const double *planned;  /* the values its chains' grids were planned for (in run's arena) */
	void *m;             /* an instance at vals, on the grid they need */
	double span;         /* seconds that grid is stable for (at first 1) */
	struct stat st;      /* the file as compiled, for the automatic reload */
	struct stat *ist;    /* its imports' (run->model->files[1..]; mem_alloc'd) */
	int nist;
	int failed;
	/* the last render's first output, and what it was, for `plot` */
	double *wave;        /* malloc'd by cli_render_wav */
	long nwave;
	double wave_rate;
	char wave_what[256];
	/* the last fit's loss per step (mem_alloc'd), and what it fitted */
	double *fit_step, *fit_loss;
	long nfit;
	char fit_what[256];
	char target[4096];   /* the last recording grad or fit read, for `guard` */
	/* the last command, for `time` */
	char last[64];
	double ms, compile_ms, init_ms, run_ms;
} Repl;

/* ---- small helpers ---- */

static int error(const char *fmt, const char *a, const char *b);

/* A file a command would write that is the model or the last recording
 * read: refused (as dpmc's commands refuse it, main.c clobbers) */
static int
guard(const Repl *R, const char *what, const char *path)
{
	if (R->path && cli_same_file(path, R->path))
		return error("%s %s is the model: writing it would replace it; name another file", what, path);
	if (R->target[0] && cli_same_file(path, R->target))
		return error("%s %s is the recording grad or fit read: writing it would replace it; name "
		             "another file", what, path);
	if (R->run && cli_is_import(R->run->model, what, path))
		return -1;
	return 0;
}

static int
error(const char *fmt, const char *a, const char *b)
{
	fputs("dpmc: error: ", stderr);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return -1;
}

static int
no_model(const Repl *R)
{
	if (R->run)
		return 0;
	return error("no model is loaded; use 'load FILE.dpm' first%s%s", "", "");
}

/* Opts for one command on the current model: the REPL's options with the
 * model's path. */
static Opts
opts_for(const Repl *R)
{
	Opts o = R->o;

	o.model = R->path;
	o.in_repl = 1;
	return o;
}

static int
find_param(const Kernel *k, const char *name)
{
	int i, n = k->nparams();

	for (i = 0; i < n; i++)
		if (!strcmp(k->param_name(i), name))
			return i;
	return -1;
}

/* The same file as when compiled?  Size and inode too: an editor that
 * writes twice within a clock tick still changes one of them. */
static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
	       && a->st_size == b->st_size && a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

/* ---- the model in force ---- */

static void drop_fast(Repl *R);

static const double *
planned_copy(Run *r, const double *v)
{
	size_t sz = sizeof *v * (size_t)(r->k.nparams() + 1);
	double *p = arena_alloc(r->arena, sz);

	memcpy(p, v, sz - sizeof *v);
	return p;
}

/* A second field's grid is compiled in (sema_fields.c): values it does
 * not hold compile the model again with its grids planned for them, as
 * `dpmc render --set` does (set refused them, and the next render took
 * the values before).  0 with R->run the new one and R->m its instance
 * at v, or -1 with the old ones kept. */
static int
recompile(Repl *R, const double *v, const Opts *o)
{
	Run *r = mem_alloc(sizeof *r);
	double t0 = jit_now_ms(), h[2];
	int g[2] = {0, 0};
	char err[2048];
	void *m = NULL;

	memset(r, 0, sizeof *r);
	r->arena = arena_new();
	r->diag.out = stderr;
	r->plan_k = &R->run->k;
	r->plan_vals = v;
	/* the new model and its instance at v, or nothing changes (the
	 * caller then says why the values stay) */
	if (cli_compile(r, o, UPTO_KERNEL) < 0
	    || r->k.plan_for(v, cli_rate(r, o), R->span, NULL, g, h, err, sizeof err) != 0
	    || !(m = r->k.create(v, cli_rate(r, o), g, err, sizeof err))) {
		cli_run_free(r);
		mem_free(r);
		return -1;
	}
	R->compile_ms += r->compile_ms;
	drop_fast(R);
	if (R->m)
		R->run->k.destroy(R->m);
	R->m = m;
	R->path = arena_strdup(r->arena, R->path);    /* it lived in the old run's arena */
	R->planned = planned_copy(r, v);
	cli_run_free(R->run);
	mem_free(R->run);
	R->run = r;
	fprintf(stderr, "dpmc: note: a second field's grid is compiled in; the model compiled again with "
	        "its grids planned for these values (%.1f s)\n", (jit_now_ms() - t0) / 1e3);
	return 0;
}

/* Do the values v move a param a second field's planned grid reads,
 * from those it was planned at? */
static int
chain_moved(const Run *r, const double *v, const double *planned)
{
	int p;

	for (p = 0; cli_has_chain(r) && p < r->k.nparams(); p++)
		if (v[p] != planned[p] && cli_chain_dep(r, p))
			return 1;
	return 0;
}

/* Put the instance at v: P_set_params on the same grid, a new instance
 * when the values need another grid (or set_params refuses them), so a
 * param can go anywhere in its range without recompiling.  The grid is
 * the one for a render of R->span seconds (the last render's length, at
 * first 1 s: it differs when the step's coefficients vary in time).  On
 * failure the values and the instance stay as they were; `what`, when
 * not NULL, names the command in the message ("set f0 900"). */
static int
apply(Repl *R, const double *v, const char *what)
{
	Run *r = R->run;
	Opts o = opts_for(R);
	int g[2] = {0, 0}, cur[2] = {0, 0}, grid[2], nd = r->k.ndim();
	double h[2], rate = cli_rate(r, &o), t;
	char err[2048];
	void *m;

	if (cli_grid(r, &o, grid) < 0)
		return -1;
	err[0] = 0;
	/* a second field's grid compiled in is planned for the values, as
	 * `dpmc render --set` plans it: new values, the model again */
	if (R->planned && !o.ngrid && chain_moved(r, v, R->planned) && recompile(R, v, &o) == 0) {
		r = R->run;
		o = opts_for(R);
	}
	if (r->k.plan_for(v, rate, R->span, o.ngrid ? grid : NULL, g, h, err, sizeof err) != 0) {
		if (what)
			fprintf(stderr, "dpmc: error: %s: %s refused (the values stay): %s\n", R->path, what, err);
		else    /* FILE:LINE:COL: and a caret, as dpmc check says it */
			cli_model_error(R->path, err, NULL);
		return -1;
	}
	if (R->m) {
		r->k.grid(R->m, cur, h);
		if (cur[0] == g[0] && (nd < 2 || cur[1] == g[1])
		    && r->k.set_params(R->m, v, err, sizeof err) == 0)
			goto done;
	}
	t = jit_now_ms();
	err[0] = 0;
	m = r->k.create(v, rate, g, err, sizeof err);
	R->init_ms += jit_now_ms() - t;
	if (!m) {
		cli_model_error(R->path, err[0] ? err : "cannot create the model", NULL);
		return -1;
	}
	if (R->m)
		r->k.destroy(R->m);
	R->m = m;
done:
	if (v != R->vals)
		memcpy(R->vals, v, sizeof(double) * (size_t)r->k.nparams());
	return 0;
}

static void
drop_fast(Repl *R)
{
	if (R->fast) {
		cli_run_free(R->fast);
		mem_free(R->fast);
		R->fast = NULL;
	}
}

static void
drop(Repl *R)
{
	drop_fast(R);
	if (R->m)
		R->run->k.destroy(R->m);
	if (R->run) {
		cli_run_free(R->run);
		mem_free(R->run);
	}
	mem_free(R->vals);
	mem_free(R->ist);
	R->ist = NULL;
	R->nist = 0;
	R->m = NULL;
	R->run = NULL;
	R->vals = NULL;
	R->planned = NULL;
	R->path = NULL;
}

/* Compile path and make it current.  keep: a reload, where each param
 * keeps its value when the new model has it and the value is in its new
 * range; else the defaults (and, for the model of the command line, its
 * --params and --set).  On failure the current model stays. */
static int
load(Repl *R, const char *path, int keep)
{
	Repl n = *R;
	Run *r = mem_alloc(sizeof *r);
	Opts o = R->o;
	int i, j, np;

	r->arena = arena_new();
	r->diag.out = stderr;
	o.model = n.path = arena_strdup(r->arena, path);
	n.run = r;
	n.fast = NULL;
	n.m = NULL;
	n.vals = NULL;
	if (stat(path, &n.st) != 0) {
		/* let the front end say it, as `dpmc check` would */
		memset(&n.st, 0, sizeof n.st);
	}
	if (cli_compile(r, &o, UPTO_KERNEL) < 0)
		goto fail;
	R->compile_ms += r->compile_ms;
	/* the imported files too: an edit of one reloads the model */
	n.nist = r->model && r->model->nfiles > 1 ? r->model->nfiles - 1 : 0;
	n.ist = mem_alloc(sizeof *n.ist * (size_t)(n.nist + 1));
	for (i = 0; i < n.nist; i++)
		if (stat(r->model->files[i + 1], &n.ist[i]) != 0)
			memset(&n.ist[i], 0, sizeof n.ist[i]);
	np = r->k.nparams();
	n.vals = mem_alloc(sizeof(double) * (size_t)(np + 1));
	if (cli_params(&r->k, &o, r->arena, &r->diag, n.vals) < 0)
		goto fail;
	for (i = 0; keep && R->run && i < np; i++) {
		j = find_param(&R->run->k, r->k.param_name(i));
		if (j >= 0 && R->vals[j] >= r->k.param_min(i) && R->vals[j] <= r->k.param_max(i))
			n.vals[i] = R->vals[j];
	}
	n.init_ms = R->init_ms;
	n.planned = NULL;
	if (apply(&n, n.vals, NULL) < 0)
		goto fail;
	if (!n.planned)
		n.planned = planned_copy(n.run, n.vals);
	R->init_ms = n.init_ms;
	drop(R);
	R->run = n.run;
	R->path = n.path;
	R->vals = n.vals;
	R->planned = n.planned;
	R->m = n.m;
	R->st = n.st;
	R->ist = n.ist;
	R->nist = n.nist;
	return 0;
fail:
	if (n.ist != R->ist)
		mem_free(n.ist);
	mem_free(n.vals);
	cli_run_free(r);
	mem_free(r);
	return -1;
}

static void
summary(const Repl *R, const char *what)
{
	const Kernel *k = &R->run->k;
	const char *nm;
	int n[2] = {0, 0}, i, np = cli_nuser(k), first, nw;
	double h[2];

	k->grid(R->m, n, h);
	printf("%s %s (%s): grid %d", what, k->name(), R->path, n[0]);
	if (k->ndim() > 1)
		printf("x%d", n[1]);
	printf(", %d param%s", np, np == 1 ? "" : "s");
	for (i = 0; i < np; i++)
		printf("%s%s", i ? ", " : ": ", k->param_name(i));
	/* a net's weights by its name ('nets' shows them) */
	for (i = 0; k->net && k->net(i, &nm, NULL, NULL, NULL, NULL) == 0; i++)
		if (cli_net_find(k, nm, &first, &nw) >= 0)
			printf("%s net %s (%d weights)", i ? "," : ";", nm, nw);
	printf("\n");
}

/* Before each command: when the model's file changed since it was
 * compiled, compile it again, keeping the values that still fit.  A
 * failed reload keeps the old model and is not retried until the file
 * changes again. */
static int
autoreload(Repl *R)
{
	struct stat st, is;
	const char *what = NULL;
	char *path;
	int r, i;

	if (!R->run)
		return 0;
	if (stat(R->path, &st) == 0 && !same_file(&st, &R->st))
		what = R->path;
	/* an import's change (a library the user edits beside the model) */
	for (i = 0; !what && R->run->model && i < R->nist && i + 1 < R->run->model->nfiles; i++)
		if (stat(R->run->model->files[i + 1], &is) == 0 && !same_file(&is, &R->ist[i]))
			what = R->run->model->files[i + 1];
	if (!what)
		return 0;
	path = mem_strdup(R->path);
	if (what == R->path)
		fprintf(stderr, "dpmc: %s changed; reloading it\n", path);
	else
		fprintf(stderr, "dpmc: %s, which %s imports, changed; reloading the model\n", what, path);
	if ((r = load(R, path, 1)) < 0) {
		/* not retried until a file changes again */
		if (stat(R->path, &st) == 0)
			R->st = st;
		for (i = 0; R->run->model && i < R->nist && i + 1 < R->run->model->nfiles; i++)
			if (stat(R->run->model->files[i + 1], &is) == 0)
				R->ist[i] = is;
		fprintf(stderr, "dpmc: keeping the model as it was before the change\n");
	} else
		summary(R, "reloaded");
	mem_free(path);
	return r;
}

/* ---- the commands ---- */

static int
c_load(Repl *R, int argc, char **argv)
{
	(void)argc;
	if (load(R, argv[1], 0) < 0)
		return -1;
	summary(R, "loaded");
	return 0;
}

static int
c_reload(Repl *R, int argc, char **argv)
{
	char *path;
	int r;

	(void)argc;
	(void)argv;
	if (no_model(R) < 0)
		return -1;
	path = mem_strdup(R->path);
	if ((r = load(R, path, 1)) == 0)
		summary(R, "reloaded");
	mem_free(path);
	return r;
}

static int
c_set(Repl *R, int argc, char **argv)
{
	const Kernel *k;
	const char *names[512], *best;
	Buf bad = {0};
	char what[200];
	double *v, x;
	int i, np, r;

	(void)argc;
	if (no_model(R) < 0)
		return -1;
	k = &R->run->k;
	np = k->nparams();
	if ((i = find_param(k, argv[1])) < 0) {
		for (i = 0; i < np && i < 512; i++)
			names[i] = k->param_name(i);
		best = closest_name(argv[1], names, i);
		fprintf(stderr, "dpmc: error: %s has no param '%.80s'%s%s%s; 'params' lists them\n", R->path,
		        argv[1], best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
		return -1;
	}
	if (cli_number(argv[2], &x) < 0) {
		fprintf(stderr, "dpmc: error: set %s: '%.40s%s' %s\n", argv[1], argv[2],
		        strlen(argv[2]) > 40 ? "..." : "", cli_number_why(argv[2]));
		return -1;
	}
	if (cli_param_bad(k, i, x, &bad)) {
		fprintf(stderr, "dpmc: error: %s\n", bad.s);
		buf_free(&bad);
		return -1;
	}
	v = mem_alloc(sizeof(double) * (size_t)(np + 1));
	memcpy(v, R->vals, sizeof(double) * (size_t)np);
	v[i] = x;
	snprintf(what, sizeof what, "set %s %.80s", k->param_name(i), argv[2]);
	r = apply(R, v, what);
	mem_free(v);
	return r;
}

static int
c_params(Repl *R, int argc, char **argv)
{
	const Kernel *k;
	char b1[40], b2[40], b3[40];
	int i, np;

	(void)argc;
	(void)argv;
	if (no_model(R) < 0)
		return -1;
	k = &R->run->k;
	np = cli_nuser(k);
	if (np == 0 && np == k->nparams())
		printf("%s has no params\n", k->name());
	for (i = 0; i < np; i++)
		printf("%-10s = %-12s in [%s, %s]%s%s\n", k->param_name(i), cli_fmt(R->vals[i], b1, sizeof b1),
		       cli_fmt_bound(k->param_min(i), b2, sizeof b2), cli_fmt_bound(k->param_max(i), b3, sizeof b3),
		       k->param_log(i) ? " log" : "", R->vals[i] != k->param_default(i) ? " (set)" : "");
	cli_nets_print(stdout, k, R->vals);
	return 0;
}

/* nets [NAME]: each net's weights, layer by layer (W row by row: unit j,
 * input i), with the names `set` takes */
static int
c_nets(Repl *R, int argc, char **argv)
{
	const Kernel *k;
	const char *nm, *act;
	const int *s;
	char b[40];
	int n, L, j, i, ns, w, shown = 0;

	if (no_model(R) < 0)
		return -1;
	k = &R->run->k;
	for (n = 0; k->net && k->net(n, &nm, &act, &ns, &s, &w) == 0; n++) {
		if (argc > 1 && strcmp(argv[1], nm))
			continue;
		shown++;
		printf("%s = mlp(", nm);
		for (L = 0; L < ns; L++)
			printf("%s%d", L ? ", " : "", s[L]);
		printf("), act = %s\n", act);
		for (L = 1; L < ns; L++) {
			printf("  layer %d: W[%d][%d] (%s.%d.W.j.i), then b (%s.%d.b.j)\n", L, s[L], s[L - 1], nm, L,
			       nm, L);
			for (j = 0; j < s[L]; j++) {
				printf("    ");
				for (i = 0; i < s[L - 1]; i++)
					printf("%s%s", i ? " " : "", cli_fmt(R->vals[w++], b, sizeof b));
				printf("\n");
			}
			printf("    b:");
			for (j = 0; j < s[L]; j++)
				printf(" %s", cli_fmt(R->vals[w++], b, sizeof b));
			printf("\n");
		}
	}
	if (!n && argc > 1)    /* a net asked for by name: an error, as in a model with nets */
		return error("%s has no nets (no net '%s')", R->path, argv[1]);
	if (!n)
		printf("%s has no nets\n", k->name());
	else if (argc > 1 && !shown)
		return error("%s has no net '%s'; 'params' lists them", R->path, argv[1]);
	return 0;
}

static int
c_info(Repl *R, int argc, char **argv)
{
	Opts o;

	if (no_model(R) < 0)
		return -1;
	o = opts_for(R);
	if (argc > 1) {
		if (strcmp(argv[1], "json") && strcmp(argv[1], "--json"))
			return error("info %s: expected 'info' or 'info json'%s", argv[1], "");
		o.json = 1;
	}
	cli_info_print(R->run, &o, R->m, R->vals);
	return 0;
}

static const char *const stages[] = {"ast", "scheme", "loops", "step", "c", "h"};
#define NSTAGE ((int)(sizeof stages / sizeof stages[0]))

/* What `dpmc emit --stage` prints; the REPL's model is compiled through
 * every stage already.  The params are values the generated code reads
 * at run time, so the text is the same whatever they are. */
static int
c_emit(Repl *R, int argc, char **argv)
{
	const char *stage = argc > 1 ? argv[1] : "scheme", *best;

	if (no_model(R) < 0)
		return -1;
	if (cli_emit_upto(stage) < 0) {
		best = closest_name(stage, stages, NSTAGE);
		fprintf(stderr, "dpmc: error: emit: unknown stage '%s'%s%s%s; choose ast, scheme, loops, step, c or h\n",
		        stage, best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
		return -1;
	}
	cli_emit_print(R->run, stage, stdout);
	return 0;
}

static int
c_render(Repl *R, int argc, char **argv)
{
	Opts o;
	char err[1024];
	double secs, *buf = NULL;
	long n, i;
	int nch;

	if (no_model(R) < 0)
		return -1;
	if (guard(R, "render:", argv[2]) < 0)
		return -1;
	o = opts_for(R);
	o.out = argv[2];
	if (argc > 3) {
		if (!strcmp(argv[3], "double") || !strcmp(argv[3], "--double"))
			o.raw = 2;
		else if (!strcmp(argv[3], "raw") || !strcmp(argv[3], "--raw"))
			o.raw = 1;
		else
			return error("render: '%s' is not an option; the options are 'raw' (32-bit float) "
			             "and 'double' (64-bit)%s", argv[3], "");
	}
	if (cli_number(argv[1], &secs) < 0 || secs <= 0)
		return error("render %s: the duration must be a positive, finite number of seconds%s", argv[1], "");
	if (R->run->k.noutputs() < 1)
		return error("%s has no output; add a line like 'output out = u(0.5)'%s", R->path, "");
	if ((n = rt_nframes(secs, R->run->k.rate(R->m), R->run->k.noutputs(), err, sizeof err)) < 0)
		return error("%s%s", err, "");
	/* the grid for this length (another one only when the step's
	 * coefficients vary in time) */
	if (secs != R->span) {
		double keep = R->span;

		R->span = secs;
		if (apply(R, R->vals, NULL) < 0) {
			R->span = keep;
			return -1;
		}
	}
	R->run->k.reset(R->m);
	if (cli_render_wav(R->run, &o, R->m, n, &R->run_ms, &buf) < 0)
		return -1;
	/* keep the first output: the frames' first values, moved together */
	nch = R->run->k.noutputs();
	for (i = 1; nch > 1 && i < n; i++)
		buf[i] = buf[i * nch];
	free(R->wave);
	R->wave = buf;
	R->nwave = n;
	R->wave_rate = R->run->k.rate(R->m);
	snprintf(R->wave_what, sizeof R->wave_what, "%s, output '%s', %s s", R->run->k.name(),
	         R->run->k.output_name(0), argv[1]);
	printf("wrote %s: %s s, %ld frames\n", argv[2], argv[1], n);
	return 0;
}

static const char *
loss_arg(const char *s)
{
	char choices[512];

	if (cli_loss_known(s, choices, sizeof choices))
		return s;
	error("unknown loss '%s'; choose %s", s, choices);
	return NULL;
}

static Run *
grad_run(Repl *R)
{
	Opts o = R->o;
	Run *r;

	/* grad and fit: the fastest backend to start there (llvm, else cc)
	 * unless one was chosen (TinyCC's gradient is 3 to 4 times slower
	 * than llvm's or cc's), compiled on first use and kept with the model */
	if (R->o.backend_given)
		return R->run;
	if (R->fast)
		return R->fast;
	o.model = R->path;
	if ((o.backend = cli_fastest_backend()) == R->o.backend)
		return R->run;
	r = mem_alloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->arena = arena_new();
	r->diag.out = stderr;
	r->plan_k = &R->run->k;    /* a second field's grid as the model in force has it */
	r->plan_vals = R->vals;
	if (cli_compile(r, &o, UPTO_KERNEL) < 0) {
		cli_run_free(r);
		mem_free(r);
		return R->run;    /* the error is printed; the model's own code still works */
	}
	R->compile_ms += r->compile_ms;
	return R->fast = r;
}

/* What cli_grad and cli_fit start from: the values in force. */
static Job
job_for(Repl *R, const Opts *o, int *grid)
{
	Job j;

	memset(&j, 0, sizeof j);
	j.k = &grad_run(R)->k;
	j.vals = R->vals;
	j.fixed_grid = cli_fixed_grid(R->run);
	j.rate = cli_rate(R->run, o);
	j.grid = o->ngrid ? grid : NULL;
	j.compile_ms = R->run->compile_ms;
	return j;
}

static int
c_grad(Repl *R, int argc, char **argv)
{
	Opts o;
	Job j;
	int grid[2];
	double t;

	if (no_model(R) < 0)
		return -1;
	o = opts_for(R);
	o.cmd = "grad";     /* its default loss, mse, as `dpmc grad`'s */
	o.target = argv[1];
	snprintf(R->target, sizeof R->target, "%s", argv[1]);
	if (argc > 2 && !(o.loss = loss_arg(argv[2])))
		return -1;
	if (cli_grid(R->run, &o, grid) < 0)
		return -1;
	j = job_for(R, &o, grid);
	t = jit_now_ms();
	if (cli_grad(&o, &j) != 0)
		return -1;
	R->run_ms += jit_now_ms() - t;
	return 0;
}

/* An empty file of our own in $TMPDIR (else /tmp), its name in buf,
 * entered in the table a signal clears (*slot, for rt_tmp_del). */
static int
temp_file(char *buf, size_t n, int *slot)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(buf, n, "%s/dpmc-fit.XXXXXX", dir);
	if ((fd = rt_tmp_make(buf, slot)) < 0)
		return error("cannot make a temporary file in %s: %s", dir, strerror(errno));
	close(fd);
	return 0;
}

/* The loss per step of cli_fit's --loss-curve file (step,loss,PARAM...
 * after a header line) becomes the last fit's, for `plot loss`. */
static void
keep_curve(Repl *R, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *end;
	size_t sz = 0;
	long n = 0, cap = 0;
	double *st = NULL, *ls = NULL;

	if (!f)
		return;
	while (getline(&line, &sz, f) > 0) {
		if (line[0] < '0' || line[0] > '9')
			continue;    /* the header */
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			st = mem_realloc(st, sizeof(double) * (size_t)cap);
			ls = mem_realloc(ls, sizeof(double) * (size_t)cap);
		}
		st[n] = strtod(line, &end);
		/* "null": a loss that was not finite */
		ls[n] = *end == ',' && strncmp(end + 1, "null", 4) ? strtod(end + 1, NULL) : NAN;
		n++;
	}
	free(line);
	fclose(f);
	mem_free(R->fit_step);
	mem_free(R->fit_loss);
	R->fit_step = st;
	R->fit_loss = ls;
	R->nfit = n;
}

/* cli_fit writes its result to a file, which is then read back as
 * --params would: the fitted values become the ones in force.  Its loss
 * curve goes to another, kept for `plot loss`. */
static int
c_fit(Repl *R, int argc, char **argv)
{
	Opts o, po;
	Job j;
	char tmp[4096], curve[4096], *end, line[4096];
	double *v;
	long steps;
	int grid[2], i, r = -1, st = -1, sc = -1;
	FILE *f;

	if (no_model(R) < 0)
		return -1;
	o = opts_for(R);
	o.cmd = "fit";
	o.target = argv[1];
	snprintf(R->target, sizeof R->target, "%s", argv[1]);
	o.fit = argv[2];
	for (i = 3; i < argc; i++) {    /* STEPS and the loss, in either order */
		errno = 0;
		steps = strtol(argv[i], &end, 10);
		if (end != argv[i] && !*end && !errno && steps >= 1)
			o.steps = steps;
		else if (end != argv[i] || strchr("+-.", argv[i][0]))    /* a number, not a loss's name */
			return error("fit: the steps '%s' must be a whole number from 1%s", argv[i], "");
		else if (!(o.loss = loss_arg(argv[i])))
			return -1;
	}
	if (cli_grid(R->run, &o, grid) < 0)
		return -1;
	if (temp_file(tmp, sizeof tmp, &st) < 0)
		return -1;
	if (temp_file(curve, sizeof curve, &sc) < 0) {
		unlink(tmp);
		rt_tmp_del(st);
		return -1;
	}
	o.out = tmp;
	o.loss_curve = curve;
	j = job_for(R, &o, grid);
	if (cli_fit(&o, &j) != 0)
		goto out;
	keep_curve(R, curve);
	snprintf(R->fit_what, sizeof R->fit_what, "%s, fit of %s (%s)", R->run->k.name(), o.fit,
	         o.loss ? o.loss : FIT_DEFAULT_LOSS);
	po = opts_for(R);
	po.params_file = tmp;
	po.nsets = 0;
	v = mem_alloc(sizeof(double) * (size_t)(R->run->k.nparams() + 1));
	if (cli_params(&R->run->k, &po, R->run->arena, &R->run->diag, v) == 0 && apply(R, v, NULL) == 0) {
		if ((f = fopen(tmp, "r"))) {
			while (fgets(line, sizeof line, f))
				fputs(line, stdout);
			fclose(f);
		}
		r = 0;
	}
	mem_free(v);
out:
	unlink(tmp);
	unlink(curve);
	rt_tmp_del(st);
	rt_tmp_del(sc);
	return r;
}

static const char *const plots[] = {"wave", "spectrogram", "loss"};
#define NPLOT ((int)(sizeof plots / sizeof plots[0]))

/* plot wave|spectrogram|loss FILE.png|.svg|.pdf: the last render (its first
 * output) or the last fit, drawn by plot.c. */
static int
c_plot(Repl *R, int argc, char **argv)
{
	const char *kind = argv[1], *path = argv[2], *best;
	char title[400], err[1024];
	int r;

	(void)argc;
	if (guard(R, "plot:", path) < 0)
		return -1;
	if (!strcmp(kind, "loss")) {
		if (!R->nfit)
			return error("no fit yet: 'fit TARGET.wav NAME[,NAME...]' first%s%s", "", "");
		snprintf(title, sizeof title, "%s: loss per step", R->fit_what);
		r = plot_curve(path, R->fit_step, R->fit_loss, R->nfit, title, "step", "loss", err, sizeof err);
	} else if (!strcmp(kind, "wave") || !strcmp(kind, "spectrogram")) {
		if (!R->wave)
			return error("nothing rendered yet: 'render SECONDS FILE.wav' first%s%s", "", "");
		snprintf(title, sizeof title, "%s: %s", R->wave_what, kind[0] == 'w' ? "waveform" : "spectrogram");
		r = kind[0] == 'w' ? plot_wave(path, R->wave, R->nwave, R->wave_rate, title, err, sizeof err)
		                   : plot_spectrogram(path, R->wave, R->nwave, R->wave_rate, title, err, sizeof err);
	} else {
		best = closest_name(kind, plots, NPLOT);
		fprintf(stderr, "dpmc: error: plot: unknown plot '%s'%s%s%s; choose wave, spectrogram or loss\n",
		        kind, best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
		return -1;
	}
	if (r < 0)
		return error("plot %s: %s", kind, err);
	printf("wrote %s: %s\n", path, title);
	return 0;
}

static int
c_backend(Repl *R, int argc, char **argv)
{
	int b = jit_backend(argv[1]);
	Backend old = R->o.backend;
	int old_given = R->o.backend_given;
	char *path;

	(void)argc;
	if (b < 0)
		return error("unknown backend '%s'; choose tcc, llvm or cc%s", argv[1], "");
	R->o.backend = (Backend)b;
	R->o.backend_given = 1;    /* grad and fit too */
	if (!R->run)
		return 0;
	path = mem_strdup(R->path);
	if (load(R, path, 1) < 0) {
		R->o.backend = old;
		R->o.backend_given = old_given;
		mem_free(path);
		return -1;
	}
	mem_free(path);
	printf("%s compiled with %s in %.1f ms\n", R->run->k.name(), jit_backend_name(R->o.backend),
	       R->run->compile_ms);
	return 0;
}

static int
c_save(Repl *R, int argc, char **argv)
{
	const Kernel *k;
	Buf b = {0};
	char err[2048], *t;
	int r;

	(void)argc;
	if (no_model(R) < 0 || guard(R, "save:", argv[1]) < 0)
		return -1;
	k = &R->run->k;
	if (!(t = cli_params_text(k, R->vals, "params")))
		return error("out of memory%s%s", "", "");
	buf_printf(&b, "{%s}\n", t);
	free(t);
	if ((r = cli_write_file(argv[1], b.s, err, sizeof err)) != 0)
		error("%s%s", err, "");
	buf_free(&b);
	return r;
}

/* Params missing from the file take their defaults, as with --params. */
static int
c_open(Repl *R, int argc, char **argv)
{
	Opts o;
	char what[200];
	double *v;
	int r = -1;

	(void)argc;
	if (no_model(R) < 0)
		return -1;
	o = opts_for(R);
	o.params_file = argv[1];
	o.nsets = 0;
	v = mem_alloc(sizeof(double) * (size_t)(R->run->k.nparams() + 1));
	if (cli_params(&R->run->k, &o, R->run->arena, &R->run->diag, v) == 0) {
		snprintf(what, sizeof what, "open %.160s", argv[1]);
		r = apply(R, v, what);
	}
	mem_free(v);
	return r;
}

static int
c_time(Repl *R, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!R->last[0]) {
		printf("no command timed yet\n");
		return 0;
	}
	printf("%s: %.3f ms (compile %.3f ms, init %.3f ms, run %.3f ms)\n", R->last, R->ms,
	       R->compile_ms, R->init_ms, R->run_ms);
	return 0;
}

static int c_help(Repl *R, int argc, char **argv);

static int
c_quit(Repl *R, int argc, char **argv)
{
	(void)R;
	(void)argc;
	(void)argv;
	return 0;
}

static const struct RCmd {
	const char *name, *args, *help;
	int (*fn)(Repl *, int, char **);
	int minarg, maxarg;
} rcmds[] = {
	{"load", "FILE.dpm", "compile a model and make it current, params at their defaults", c_load, 1, 1},
	{"reload", "", "compile the current model's file again, keeping the param values that still fit\n"
	 "(done by itself before a command when the file has changed)", c_reload, 0, 0},
	{"set", "NAME VALUE", "set a param (range-checked); no recompiling, a new grid when needed", c_set, 2, 2},
	{"params", "", "the params with their values and ranges, and the nets", c_params, 0, 0},
	{"nets", "[NAME]", "the nets' weights, layer by layer ('set NET.L.W.j.i V' sets one)", c_nets, 0, 1},
	{"info", "[json]", "the scheme as it stands: rate, grid, stability, params, outputs", c_info, 0, 1},
	{"emit", "[ast|scheme|loops|step|c|h]", "an intermediate form of the model, as 'dpmc emit --stage' (default scheme)",
	 c_emit, 0, 1},
	{"render", "SECONDS FILE.wav [raw|double]", "render with the params in force (as 'dpmc render')", c_render, 2, 3},
	{"grad", "TARGET.wav [LOSS]", "the loss against a recording and its gradient, as JSON (LOSS: mse, the\n"
	 "default, mrstft, simse, simrstft, sisc, sispec, sot or spec)", c_grad, 1, 2},
	{"fit", "TARGET.wav NAME[,NAME...] [STEPS] [LOSS]",
	 "fit params to a recording (as 'dpmc fit': LOSS spec unless given); the best\n"
	 "values stay in force;\n"
	 "Ctrl-C stops the fit and keeps the best so far", c_fit, 2, 4},
	{"plot", "wave|spectrogram|loss FILE.png|.svg|.pdf",
	 "a plot of the last render's first output (waveform, or spectrogram in dB)\n"
	 "or of the last fit's loss per step: PNG, SVG or PDF by the name's suffix", c_plot, 2, 2},
	{"save", "FILE.json", "write the params in force as {\"params\": {...}} (and \"nets\": {...})", c_save, 1, 1},
	{"open", "FILE.json", "set the params from such a file (as --params; missing ones take defaults)",
	 c_open, 1, 1},
	{"backend", "tcc|llvm|cc", "compile with another backend from now on (grad and fit too; else they take the fastest there)", c_backend, 1, 1},
	{"time", "", "how long the last command took, and where", c_time, 0, 0},
	{"help", "[COMMAND]", "this list, or one command", c_help, 0, 1},
	{"quit", "", "leave (so does the end of input); 'exit' too", c_quit, 0, 0},
};

#define NCMD ((int)(sizeof rcmds / sizeof rcmds[0]))

static void
help_one(const struct RCmd *c)
{
	char lhs[80];

	snprintf(lhs, sizeof lhs, "%s%s%s", c->name, c->args[0] ? " " : "", c->args);
	if (strlen(lhs) > 30)
		printf("  %s\n  %-30s ", lhs, "");
	else
		printf("  %-30s ", lhs);
	for (const char *p = c->help; *p; p++) {
		putchar(*p);
		if (*p == '\n')
			printf("  %-30s ", "");
	}
	putchar('\n');
}

static int
c_help(Repl *R, int argc, char **argv)
{
	int i;

	(void)R;
	if (argc > 1 && !strcmp(argv[1], "exit"))    /* quit's other name (command) */
		argv[1] = "quit";
	for (i = 0; argc > 1 && i < NCMD; i++)
		if (!strcmp(rcmds[i].name, argv[1])) {
			help_one(&rcmds[i]);
			return 0;
		}
	if (argc > 1)
		return error("help: no command '%s'%s", argv[1], "");
	printf("commands (one per line; blank lines and # comments are skipped):\n");
	for (i = 0; i < NCMD; i++)
		help_one(&rcmds[i]);
	return 0;
}

/* ---- the loop ---- */

/* Split line into words at blanks; "..." keeps blanks in a word.  The
 * word count, or -1 after an error. */
static int
split(char *line, char **argv)
{
	int argc = 0;
	char *p = line, *w;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return argc;
		if (argc == MAXARG)
			return error("too many words on one line (at most %s)%s", "8", "");
		if (*p == '"') {
			w = ++p;
			while (*p && *p != '"')
				p++;
			if (!*p)
				return error("a '\"' is not closed%s%s", "", "");
		} else {
			w = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				p++;
		}
		argv[argc++] = w;
		if (*p)
			*p++ = 0;
	}
}

/* One line: 1 to quit, 0 when done, -1 when it failed. */
static int
command(Repl *R, char *line)
{
	char *argv[MAXARG + 1];
	const char *names[NCMD + 1], *best;
	const struct RCmd *c = NULL;
	char lo[16], hi[16];
	const char *typed;
	double t;
	int argc, i, r = 0;

	if ((argc = split(line, argv)) <= 0)
		return argc;
	typed = argv[0];
	if (!strcmp(argv[0], "exit"))
		argv[0] = "quit";
	for (i = 0; i < NCMD; i++) {
		names[i] = rcmds[i].name;
		if (!strcmp(rcmds[i].name, argv[0]))
			c = &rcmds[i];
	}
	if (!c) {
		best = closest_name(argv[0], names, NCMD);
		fprintf(stderr, "dpmc: error: unknown command '%s'%s%s%s; 'help' lists the commands\n", argv[0],
		        best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
		return -1;
	}
	if (argc - 1 < c->minarg || argc - 1 > c->maxarg) {
		snprintf(lo, sizeof lo, "%d", c->minarg);
		snprintf(hi, sizeof hi, "%d", c->maxarg);
		fprintf(stderr, "dpmc: error: '%s' takes %s%s%s word%s after it: %s%s%s\n", typed, lo,
		        c->maxarg > c->minarg ? " to " : "", c->maxarg > c->minarg ? hi : "",
		        c->maxarg == 1 && c->minarg == 1 ? "" : "s", typed, *c->args ? " " : "", c->args);
		return -1;
	}
	if (c->fn == c_quit)
		return 1;
	if (c->fn == c_time)
		return c_time(R, argc, argv);
	t = jit_now_ms();
	R->compile_ms = R->init_ms = R->run_ms = 0;
	if (c->fn != c_load && c->fn != c_reload && c->fn != c_help)
		r = autoreload(R);
	if (c->fn(R, argc, argv) < 0)
		r = -1;
	R->ms = jit_now_ms() - t;
	snprintf(R->last, sizeof R->last, "%s", c->name);
	return r;
}

/* ---- the terminal: libedit's readline, with completion ---- */

/* readline's completion callbacks take no context: the REPL they
 * complete for is this one. */
static Repl *completing;

static char *
gen_words(const char *text, int state, const char *const *words, int n)
{
	static int i;
	size_t len = strlen(text);

	if (!state)
		i = 0;
	while (i < n) {
		const char *w = words[i++];
		if (!strncmp(w, text, len)) {
			char *s = malloc(strlen(w) + 1);    /* readline frees it */
			if (s)
				strcpy(s, w);
			return s;
		}
	}
	return NULL;
}

static char *
gen_cmd(const char *text, int state)
{
	const char *w[NCMD + 1];
	int i;

	for (i = 0; i < NCMD; i++)
		w[i] = rcmds[i].name;
	w[i] = "exit";
	return gen_words(text, state, w, NCMD + 1);
}

static char *
gen_param(const char *text, int state)
{
	const char *w[512];
	const Kernel *k;
	int i, n;

	if (!completing || !completing->run)
		return NULL;
	k = &completing->run->k;
	n = k->nparams() < 512 ? k->nparams() : 512;
	for (i = 0; i < n; i++)
		w[i] = k->param_name(i);
	return gen_words(text, state, w, n);
}

static char *
gen_backend(const char *text, int state)
{
	static const char *const w[] = {"tcc", "cc", "llvm"};

	return gen_words(text, state, w, 3);
}

static char *
gen_plot(const char *text, int state)
{
	return gen_words(text, state, plots, NPLOT);
}

static char *
gen_stage(const char *text, int state)
{
	return gen_words(text, state, stages, NSTAGE);
}

static char **
complete(const char *text, int start, int end)
{
	const char *line = rl_line_buffer, *p = line, *q;
	size_t w;
	int second;

	(void)end;
	while (*p == ' ' || *p == '\t')
		p++;
	if (p - line >= start)
		return rl_completion_matches(text, gen_cmd);
	w = strcspn(p, " \t");
	q = p + w + strspn(p + w, " \t");
	second = q - line >= start;    /* the word after the command */
	if ((w == 3 && !strncmp(p, "set", 3)))
		return rl_completion_matches(text, gen_param);
	if (w == 7 && !strncmp(p, "backend", 7))
		return rl_completion_matches(text, gen_backend);
	if (second && w == 4 && !strncmp(p, "plot", 4))
		return rl_completion_matches(text, gen_plot);
	if (second && w == 4 && !strncmp(p, "emit", 4))
		return rl_completion_matches(text, gen_stage);
	return NULL;    /* file names */
}

/* Ctrl-C on a terminal: readline gives up the line it was reading; the
 * flag tells that from the end of input.  In a fit, cli_fit's own
 * handler stops the fit instead. */
static volatile sig_atomic_t ctrl_c;

static void
on_sigint(int sig)
{
	(void)sig;
	ctrl_c = 1;
}

/* set when the commands could not be read (an error, a NUL byte) */
static int read_failed;

/* The next line, without its newline; NULL at the end of input.  The
 * caller frees it. */
static char *
next_line(int tty)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (tty) {
		for (;;) {
			ctrl_c = 0;
			line = readline("dpm> ");
			if (line || !ctrl_c)
				break;
			putchar('\n');
		}
		if (line && line[strspn(line, " \t")])
			add_history(line);
		return line;
	}
	if ((n = getline(&line, &cap, stdin)) < 0) {
		free(line);
		if (ferror(stdin)) {
			fprintf(stderr, "dpmc: error: reading the commands: %s\n", strerror(errno));
			read_failed = 1;
		}
		return NULL;
	}
	/* a NUL inside a line would cut it short unseen: that line is
	 * skipped, and the loop goes on as after any failed command (it
	 * stopped reading there: the lines after it never ran) */
	if ((size_t)n != strlen(line)) {
		fprintf(stderr, "dpmc: error: a command line holds a NUL byte (skipped); the commands are text\n");
		read_failed = 1;
		line[0] = 0;
	}
	return line;
}

int
cli_repl(const Opts *o)
{
	Repl R;
	struct sigaction sa, old;
	char *line, hist[4096];
	const char *home = getenv("HOME");
	int tty = isatty(0) && isatty(1), r;

	/* --params and --set are for the model of the command line: with
	 * none they went nowhere (a load after did not take them), silently */
	if (!o->model && (o->params_file || o->nsets)) {
		fprintf(stderr, "dpmc: error: repl: %s sets params of the model given with it (dpmc repl "
		        "MODEL.dpm %s ...); without one, load a model, then 'set NAME VALUE'\n",
		        o->params_file ? "--params" : "--set", o->params_file ? "--params FILE.json" : "--set NAME=VALUE");
		return 2;
	}
	memset(&R, 0, sizeof R);
	R.span = 1.0;
	R.o = *o;
	R.o.model = NULL;
	if (o->model) {
		if (load(&R, o->model, 0) < 0)
			R.failed = 1;
		else if (tty)
			summary(&R, "loaded");
	}
	/* --params and --set are for the model of the command line only */
	R.o.params_file = NULL;
	R.o.nsets = 0;
	hist[0] = 0;
	if (tty) {
		completing = &R;
		rl_readline_name = "dpmc";
		rl_attempted_completion_function = complete;
		if (home && *home) {
			snprintf(hist, sizeof hist, "%s/.dpmc_history", home);
			read_history(hist);
		}
		/* Ctrl-C drops the line being typed, lets a render finish, and
		 * stops a fit (cli_fit's handler), keeping the best values. */
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigint;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old);
		printf("dpmc %s: 'help' lists the commands, 'quit' or Ctrl-D leaves\n", DPM_VERSION);
	}
	for (;;) {
		cli_flush_stdout();    /* an error shows at the end (main.c) */
		if (!(line = next_line(tty)))
			break;
		r = command(&R, line);
		free(line);
		if (r < 0)
			R.failed = 1;
		if (r > 0)
			break;
	}
	if (tty) {
		if (hist[0])
			write_history(hist);
		completing = NULL;
		sigaction(SIGINT, &old, NULL);
	}
	cli_flush_stdout();
	drop(&R);
	free(R.wave);
	mem_free(R.fit_step);
	mem_free(R.fit_loss);
	plot_done();
	return R.failed || read_failed ? 1 : 0;
}
