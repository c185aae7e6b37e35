/* main.c — the dpmc command line (spec/cli.md).
 *
 * The pipeline, top to bottom (cli_compile() below):
 *   model_load -> scheme_build -> lower -> cg_emit_c -> jit_load
 * and each subcommand stops where it has what it needs.  Exit status:
 * 0 success, 1 an error in a model, a file or a value, 2 a usage error.
 * A failed command leaves no output file: every file goes through
 * rt_out_open (runtime/out.c), under a temporary name renamed at the end,
 * or in place for a device, a FIFO or stdout. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE    /* realpath */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ast.h"
#include "cli.h"
#include "ir.h"
#include "step.h"
#include "jit.h"
#include "scheme.h"
#include "../runtime/rt.h"

#ifndef DPM_VERSION
#define DPM_VERSION "0.1"
#endif

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

/* ---- commands and their options ---- */

enum {
	C_CHECK = 1 << 0, C_INFO = 1 << 1, C_EMIT = 1 << 2, C_BUILD = 1 << 3,
	C_RENDER = 1 << 4, C_GRAD = 1 << 5, C_FIT = 1 << 6, C_REPL = 1 << 7, C_TRAIN = 1 << 8,
	C_ALL = 0x1ff,
	C_RUN = C_INFO | C_EMIT | C_BUILD | C_RENDER | C_GRAD | C_FIT | C_REPL | C_TRAIN,
};

static const struct Cmd {
	const char *name;
	int bit;
	const char *usage;
	const char *help;
} cmds[] = {
	{"check", C_CHECK, "dpmc check MODEL.dpm [-I DIR] [options]",
	 "Parse and check a model; print nothing when it is fine.  With --set,\n"
	 "--params or -r, also the params' names and ranges and a stable grid for\n"
	 "them, as info plans it."},
	{"info", C_INFO, "dpmc info MODEL.dpm [--json] [options]",
	 "Print the scheme as compiled for the params in force: rate, time step,\n"
	 "grid and spacing per dimension, stability margin, params, outputs."},
	{"emit", C_EMIT, "dpmc emit MODEL.dpm --stage ast|scheme|loops|step|c|h [options]",
	 "Print an intermediate form: the syntax tree, the discrete update in\n"
	 "readable math, the loop IR, the generated C or its header."},
	{"build", C_BUILD, "dpmc build MODEL.dpm -o OUT [options]",
	 "Build the model as C, a shared object, WebAssembly, a web page, an LV2\n"
	 "plugin or a program, as OUT's suffix says.\n"
	 "OUT.c: one C99 file (and OUT.h beside it) needing only libm.\n"
	 "OUT.so: a shared object.  OUT.wasm: WebAssembly (wasm32-wasi, clang-14);\n"
	 "OUT.html: a page playing it in a browser (and OUT.wasm beside it).\n"
	 "OUT.lv2: an LV2 instrument bundle (a folder: manifest.ttl, the plugin's\n"
	 "ttl and its shared object; MIDI notes in, one audio port per output).\n"
	 "OUT (any other name): an executable that\n"
	 "renders the model: OUT -o FILE.wav [-d SECONDS] [--set NAME=VALUE] [--raw [--double]] [-r HZ]."},
	{"render", C_RENDER, "dpmc render MODEL.dpm -o OUT.wav [-d SECONDS] [--raw [--double]] [options]",
	 "Simulate and write a WAV, one channel per output.  Default 1 s, scaled to\n"
	 "a peak of -1 dBFS as 24-bit PCM; --raw writes the values unscaled as 32-bit float, "
	 "--raw --double as 64-bit float (for checks below 1e-7, such as energy conservation)."},
	{"grad", C_GRAD, "dpmc grad MODEL.dpm --target REC.wav [--loss NAME] [options]",
	 "Print the loss against a recording and its gradient for every param\n"
	 "(loss mse by default: the mean of (y - target)^2 from the first sample; the\n"
	 "level-free losses, or any with --align, read the recording from its onset as\n"
	 "fit does)."},
	{"fit", C_FIT, "dpmc fit MODEL.dpm --target REC.wav --fit NAME[,NAME...] [--loss NAME]\n"
	 "         [--steps N] [--lr X] [--starts N] [-o FITTED.json] [--render OUT.wav]\n"
	 "         [--loss-curve FILE.csv] [options]\n"
	 "       dpmc fit MODEL.dpm --data SET.csv --fit NAME[,NAME...] [--threads N] [fit's options]",
	 "Fit the named params to a recording, from its onset when it starts 10 ms or\n"
	 "more after the render (silence first; --no-align: from its first sample; the\n"
	 "--render delayed to match).  Stage 1 (unless --no-pitch), when the\n"
	 "recording holds a partial series: match the render's partials to it in cents\n"
	 "(Levenberg-Marquardt; pitch and inharmonicity in place).  Then gradient descent\n"
	 "within the params' ranges:\n"
	 "Adam in an unconstrained space (a scaled sigmoid per range, log for `log`\n"
	 "params) where a step of --lr moves a `log` param by about lr (0.01: 1 %)\n"
	 "and any other by lr times its range; the rate warms up over the first 5 %\n"
	 "of the steps, then decays on a cosine to 1 % of it.  The grid is kept while\n"
	 "it is stable.  A step that diverges is retried at half the rate.  --starts N\n"
	 "runs N fits side by side from spread starts and keeps the best.  Writes the\n"
	 "best params seen; Ctrl-C stops early and still writes them.  With --data SET.csv\n"
	 "(as train's), a fit of its own for each row, its values the start and its\n"
	 "recording the target, rows on --threads threads; writes {\"items\": [{\"file\": F,\n"
	 "\"params\": {...}, \"loss\": L, \"steps\": N}, ...]}."},
	{"repl", C_REPL, "dpmc repl [MODEL.dpm]",
	 "The interactive loop: one command per line (load, set, params, nets, info, emit,\n"
	 "render, grad, fit, plot, save, open, reload, backend, time, help, quit;\n"
	 "'help' lists them; plot writes PNG, SVG or PDF plots of the last render and fit),\n"
	 "from stdin without a prompt when it is not a terminal (exit status 1 if\n"
	 "any command failed).  --set and --params apply to the model given here;\n"
	 "-r, --grid, --backend and -I to every model loaded."},
	{"train", C_TRAIN, "dpmc train MODEL.dpm --data SET.csv --fit NAME[,NAME...] [--per-item NAME[,NAME...]]\n"
	 "         [--loss NAME] [--epochs N] [--batch B] [--lr X] [--threads N] [-o TRAINED.json] [options]",
	 "Train params shared by every recording of a dataset.  SET.csv: a header\n"
	 "'file,P1,P2,...', then one row per recording: its WAV (from the CSV's folder)\n"
	 "and the values of params P1, P2... for it (controls such as note, vel).  The\n"
	 "--fit params (scalar params, nets) are shared by every row, the --per-item ones\n"
	 "(a gain, an onset) are each row's own; both move by Adam, as fit's, on the mean\n"
	 "loss over the rows, in batches of B rows (default all) shuffled each epoch.  Rows\n"
	 "of a batch render on --threads threads, and under mpirun -np R on R processes\n"
	 "(row r on rank r mod R): the same result whatever either.  Progress per epoch;\n"
	 "Ctrl-C stops early and still writes the best values.  Writes {\"params\": {...},\n"
	 "\"nets\": {...}, \"items\": [{\"file\": F, \"loss\": L, \"params\": {...}}, ...],\n"
	 "\"loss\": L, \"epochs\": N}, which --params reads."},
};

enum {
	O_HELP, O_VERSION, O_SET, O_PARAMS, O_RATE, O_BACKEND, O_CPU, O_STATS, O_INC, O_GRID, O_DUR,
	O_OUT, O_JSON, O_STAGE, O_RAW, O_DOUBLE, O_TARGET, O_LOSS, O_FIT, O_STEPS, O_LR,
	O_RENDER, O_CHECKPOINTS, O_MEMORY, O_LOSSCURVE, O_NOPITCH, O_NOALIGN, O_ALIGN, O_STARTS, O_SPREAD,
	O_DATA, O_PERITEM, O_EPOCHS, O_BATCH, O_SEED, O_THREADS,
};

/* --starts at most: each start holds an instance and a loss */
#define MAXSTARTS 64
#define STR_(x) #x
#define STR(x) STR_(x)

static const struct Opt {
	int id;
	const char *lng, *shrt, *arg;
	int cmds;
	const char *help;
} opts[] = {
	{O_HELP, "--help", "-h", NULL, C_ALL, "this help"},
	{O_VERSION, "--version", "-V", NULL, C_ALL, "the version"},
	/* the common options of cli.md on every command, where some do
	 * nothing (check, emit, build compile no machine code) */
	{O_SET, "--set", NULL, "NAME=VALUE", C_RUN | C_CHECK, "set a param (repeatable)"},
	{O_PARAMS, "--params", NULL, "FILE.json", C_RUN | C_CHECK, "set params from {\"params\": {\"NAME\": VALUE}}"},
	{O_RATE, "--rate", "-r", "HZ", C_RUN | C_CHECK, "sample rate (default: the model's, else 44100)"},
	{O_BACKEND, "--backend", NULL, "tcc|llvm|cc", C_ALL,
	 "how the model becomes machine code (default tcc; grad: llvm, else cc, else tcc, cc first for a step with lumped objects, potentials, energy or expression outputs; fit, train: cc, else llvm, else tcc; llvm first for nets of over 1000 weights, tcc for over 4000)"},
	{O_CPU, "--cpu", NULL, "NAME", C_ALL,
	 "the CPU llvm compiles for (default the host's; as DPM_LLVM_CPU)"},
	{O_STATS, "--stats", NULL, NULL, C_ALL,
	 "one JSON line of timings on stderr"},
	{O_INC, "-I", NULL, "DIR", C_ALL, "add an import search folder"},
	{O_GRID, "--grid", NULL, "N[,M]", C_RUN | C_CHECK, "force the grid (intervals per dimension)"},
	{O_DUR, "--duration", "-d", "SECONDS", C_RENDER | C_FIT | C_TRAIN,
	 "duration (default 1; train, fit --data: the first SECONDS of each recording)"},
	{O_OUT, "--output", "-o", "FILE", C_BUILD | C_RENDER | C_FIT | C_TRAIN, "output file"},
	{O_JSON, "--json", NULL, NULL, C_INFO, "print JSON"},
	{O_STAGE, "--stage", NULL, "STAGE", C_EMIT, "ast, scheme, loops, step, c or h"},
	{O_RAW, "--raw", NULL, NULL, C_RENDER, "unscaled 32-bit float samples"},
	{O_DOUBLE, "--double", NULL, NULL, C_RENDER, "unscaled 64-bit float samples (as --raw --double)"},
	{O_TARGET, "--target", NULL, "REC.wav", C_GRAD | C_FIT, "the recording to match"},
	{O_LOSS, "--loss", NULL, "NAME", C_GRAD | C_FIT | C_TRAIN,
	 "the loss: mse, mrstft, simse, simrstft, sisc, sispec, sot or spec (default: grad mse, fit and train "
	 FIT_DEFAULT_LOSS ")"},
	{O_FIT, "--fit", NULL, "NAME[,NAME...]", C_FIT | C_TRAIN, "the params to fit (train: shared by every row)"},
	{O_DATA, "--data", NULL, "SET.csv", C_FIT | C_TRAIN, "the dataset: file,P1,P2,... then a row per recording"},
	{O_PERITEM, "--per-item", NULL, "NAME[,NAME...]", C_TRAIN, "params fitted for each row on its own"},
	{O_EPOCHS, "--epochs", NULL, "N", C_TRAIN, "passes over the rows (default 100)"},
	{O_BATCH, "--batch", NULL, "B", C_TRAIN, "rows per step (default all)"},
	{O_SEED, "--seed", NULL, "N", C_TRAIN, "the order of the rows in the batches (default 0)"},
	{O_THREADS, "--threads", NULL, "N", C_FIT | C_TRAIN,
	 "rows (fit: the starts of the rows of --data, else starts) at once (default the processors there)"},
	{O_STEPS, "--steps", NULL, "N", C_FIT, "gradient steps (default 100)"},
	{O_LR, "--lr", NULL, "X", C_FIT | C_TRAIN, "the peak learning rate: about the step of a `log` param early on, relative (default 0.01)"},
	{O_STARTS, "--starts", NULL, "N", C_FIT, "fits from N starts in parallel, the best kept (default 1)"},
	{O_SPREAD, "--spread", NULL, "NAME[,NAME...]", C_FIT,
	 "the params the starts spread over their ranges (default: the fitted ones not `log`; none)"},
	{O_RENDER, "--render", NULL, "OUT.wav", C_FIT, "render the fitted model for the target's length"},
	{O_LOSSCURVE, "--loss-curve", NULL, "FILE.csv", C_FIT, "write step,loss,PARAM... per step"},
	{O_NOPITCH, "--no-pitch", NULL, NULL, C_FIT,
	 "no first stage matching the partials of the target (pitch, inharmonicity)"},
	{O_NOALIGN, "--no-align", NULL, NULL, C_GRAD | C_FIT | C_TRAIN,
	 "use a recording that starts later than the render from its first sample (default: from its onset;"
	 " grad: with the level-free losses)"},
	{O_ALIGN, "--align", NULL, NULL, C_GRAD,
	 "with mse or mrstft too, the recording from its onset, as fit reads it"},
	{O_CHECKPOINTS, "--checkpoints", NULL, "N", C_GRAD | C_FIT | C_TRAIN,
	 "store the state every N steps for the gradient (default: as --memory allows)"},
	{O_MEMORY, "--memory", NULL, "MB", C_GRAD | C_FIT | C_TRAIN,
	 "memory for the gradient's checkpoints (default 160)"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
usage_all(FILE *f)
{
	size_t i;

	fputs("usage: dpmc COMMAND MODEL.dpm [options]\n\n"
	      "Compile a physical model (.dpm) to an explicit finite-difference scheme\n"
	      "and simulate it.  Commands:\n", f);
	for (i = 0; i < NELEM(cmds); i++) {
		/* the help's first sentence, its lines joined and wrapped at 78
		 * columns under the first (one line of the help was cut short) */
		const char *h = cmds[i].help, *e = h, *w;
		int col = 10;

		while (*e && !(e[0] == '.' && (e[1] == ' ' || e[1] == '\n' || !e[1])))
			e++;
		if (*e)
			e++;
		fprintf(f, "  %-7s", cmds[i].name);
		while (h < e) {
			for (w = h; w < e && *w != ' ' && *w != '\n'; w++)
				;
			if (w > h) {
				if (col + 1 + (w - h) > 78) {
					fputs("\n         ", f);
					col = 9;
				}
				fprintf(f, " %.*s", (int)(w - h), h);
				col += 1 + (int)(w - h);
			}
			h = w < e ? w + 1 : w;
		}
		fputc('\n', f);
	}
	fputs("\n'dpmc COMMAND --help' shows a command's options; 'dpmc --version' the version.\n", f);
}

static void
usage_cmd(const struct Cmd *c, FILE *f)
{
	size_t i;
	char lhs[64];

	fprintf(f, "usage: %s\n\n%s\n\noptions:\n", c->usage, c->help);
	for (i = 0; i < NELEM(opts); i++) {
		if (!(opts[i].cmds & c->bit))
			continue;
		snprintf(lhs, sizeof lhs, "%s%s%s%s%s", opts[i].shrt ? opts[i].shrt : "",
		         opts[i].shrt ? ", " : "", opts[i].lng, opts[i].arg ? " " : "",
		         opts[i].arg ? opts[i].arg : "");
		fprintf(f, "  %-28s %s\n", lhs, opts[i].help);
	}
}

/* An argument echoed in a message: its first 60 characters, then how
 * long it was (a megabyte of argument gives a line, not a megabyte). */
static const char *
cut(const char *s, char *buf, size_t n)
{
	size_t len = strlen(s);

	if (len <= 64)
		return s;
	snprintf(buf, n, "%.60s... (%zu characters)", s, len);
	return buf;
}

static int
usage_error(const char *cmd, const char *fmt, const char *arg)
{
	char b[128];

	fputs("dpmc: error: ", stderr);
	fprintf(stderr, fmt, cut(arg, b, sizeof b));
	if (cmd)
		fprintf(stderr, "; see 'dpmc %s --help'\n", cmd);
	else
		fputs("; see 'dpmc --help'\n", stderr);
	return EXIT_USAGE;
}

static int
value_error(const char *fmt, const char *a, const char *b)
{
	char ca[128];

	fputs("dpmc: error: ", stderr);
	fprintf(stderr, fmt, cut(a, ca, sizeof ca), b);
	fputc('\n', stderr);
	return EXIT_ERR;
}

/* A list of names (--fit, --spread, --per-item) given once: a second
 * list would silently replace the first */
static int
list_once(const char **list, const char *opt, const char *v)
{
	char a[128], b[128];

	if (*list) {
		fprintf(stderr, "dpmc: error: %s given twice ('%s', then '%s'): name every param in one "
		        "list, %s A,B\n", opt, cut(*list, a, sizeof a), cut(v, b, sizeof b), opt);
		return EXIT_ERR;
	}
	*list = v;
	return EXIT_OK;
}

/* Store one option's value; EXIT_OK, or the exit status of the error. */
static int
setopt(Opts *o, const struct Opt *op, const char *v)
{
	char *end;
	long n;
	double x;

	switch (op->id) {
	case O_SET:
		if (o->nsets == MAXSET)
			return value_error("too many --set options%s%s", "", "");
		o->sets[o->nsets++] = v;
		break;
	case O_PARAMS: o->params_file = v; break;
	case O_RATE:
		if (cli_number(v, &x) < 0 || x < 1 || x > 1e7 || x != floor(x))
			return value_error("-r %s: the rate must be a whole number of Hz from 1 to 10000000%s", v, "");
		o->rate = x;
		break;
	case O_BACKEND:
		if (jit_backend(v) < 0)
			return value_error("unknown backend '%s'; choose tcc, llvm or cc%s", v, "");
		o->backend = (Backend)jit_backend(v);
		o->backend_given = 1;
		break;
	case O_CPU:
		/* an LLVM CPU name (skylake, znver3, ...): jit_llvm.c reads it */
		if (!*v || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(v))
			return value_error("--cpu '%s': expected an LLVM CPU name such as skylake or znver3%s", v, "");
		setenv("DPM_LLVM_CPU", v, 1);
		o->cpu = v;
		break;
	case O_INC:
		if (o->nincdirs == MAXINC)
			return value_error("too many -I options%s%s", "", "");
		o->incdirs[o->nincdirs++] = v;
		break;
	case O_GRID: {
		const char *s = v;
		o->ngrid = 0;
		for (;;) {
			errno = 0;
			n = strtol(s, &end, 10);
			if (end == s || errno || n < 1 || n > INT_MAX / 2 || o->ngrid == 2
			    || (*end && *end != ','))
				return value_error("--grid %s: expected N or N,M: whole numbers of intervals, at least 1%s", v, "");
			o->grid[o->ngrid++] = (int)n;
			if (!*end)
				break;
			s = end + 1;
		}
		break;
	}
	case O_DUR:
		if (cli_number(v, &x) < 0 || x <= 0)
			return value_error("-d %s: the duration must be a positive, finite number of seconds%s", v, "");
		o->dur = x;
		break;
	case O_OUT: o->out = v; break;
	case O_STAGE:
		if (cli_emit_upto(v) < 0)
			return value_error("unknown stage '%s'; choose ast, scheme, loops, step, c or h%s", v, "");
		o->stage = v;
		break;
	case O_TARGET: o->target = v; break;
	case O_LOSS: {
		char choices[512];

		if (!cli_loss_known(v, choices, sizeof choices))
			return value_error("unknown loss '%s'; choose %s", v, choices);
		o->loss = v;
		break;
	}
	case O_FIT: return list_once(&o->fit, op->lng, v);
	case O_STEPS:
		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end || errno || n < 1)
			return value_error("--steps %s: expected a whole number of steps, at least 1%s", v, "");
		o->steps = n;
		break;
	case O_LR:
		/* (1e308 made every step NaN, rejected and halved: "held there
		 * on 12 of 1 steps"; a step of 1 already crosses a range) */
		if (cli_number(v, &x) < 0 || x <= 0 || x > 1000)
			return value_error("--lr %s: expected a positive number, at most 1000 (the default "
			                   "0.01 is about the step of a `log` param early on, relative)%s", v, "");
		o->lr = x;
		break;
	case O_STARTS:
		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end || errno || n < 1 || n > MAXSTARTS)
			return value_error("--starts %s: expected a whole number of starts from 1 to %s", v,
			                   STR(MAXSTARTS));
		o->starts = n;
		break;
	case O_SPREAD: return list_once(&o->spread, op->lng, v);
	case O_DATA: o->data = v; break;
	case O_PERITEM: return list_once(&o->per_item, op->lng, v);
	case O_EPOCHS: case O_BATCH: case O_SEED: case O_THREADS: {
		char fmt[64];

		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end || errno || n < (op->id == O_SEED ? 0 : 1) || n > INT_MAX / 2) {
			snprintf(fmt, sizeof fmt, "%s %%s: expected a whole number%%s", op->lng);
			return value_error(fmt, v, op->id == O_SEED ? ", 0 or more" : ", at least 1");
		}
		if (op->id == O_EPOCHS)
			o->epochs = n;
		else if (op->id == O_BATCH)
			o->batch = n;
		else if (op->id == O_SEED)
			o->seed = n;
		else
			o->threads = (int)n;
		break;
	}
	case O_RENDER: o->render = v; break;
	case O_LOSSCURVE: o->loss_curve = v; break;
	case O_CHECKPOINTS:
		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end || errno || n < 0)
			return value_error("--checkpoints %s: expected a whole number of steps, 0 for the default%s", v, "");
		o->checkpoints = n;
		break;
	case O_MEMORY:
		if (cli_number(v, &x) < 0 || !(x >= 1 && x <= 1e7))
			return value_error("--memory %s: expected megabytes between 1 and 1e7%s", v, "");
		o->memory_mb = x;
		break;
	case O_STATS: o->stats = 1; break;
	case O_JSON: o->json = 1; break;
	case O_RAW: o->raw = o->raw ? o->raw : 1; break;
	case O_DOUBLE: o->raw = 2; break;
	case O_NOPITCH: o->no_pitch = 1; break;
	case O_NOALIGN: o->no_align = 1; break;
	case O_ALIGN: o->align = 1; break;
	}
	return EXIT_OK;
}

/* argv after the command: options (anywhere) and one model path.
 * Returns -1 when parsed, else an exit status (help printed: 0). */
static int
parse_args(Opts *o, const struct Cmd *c, int argc, char **argv)
{
	int i, r, dashdash = 0;
	size_t j;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL, *eq;
		const struct Opt *op = NULL;
		size_t len;

		if (dashdash || a[0] != '-' || !a[1]) {
			if (o->model)
				return usage_error(c->name, "unexpected argument '%s' (the model is already given)", a);
			if (!a[0])
				return usage_error(c->name, "the model's file name is empty%s; give MODEL.dpm", "");
			o->model = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = 1;
			continue;
		}
		eq = a[1] == '-' ? strchr(a, '=') : NULL;
		len = eq ? (size_t)(eq - a) : strlen(a);
		for (j = 0; j < NELEM(opts) && !op; j++) {
			const char *names[2] = {opts[j].lng, opts[j].shrt};
			int k;
			for (k = 0; k < 2 && !op; k++) {
				if (!names[k])
					continue;
				if (strlen(names[k]) == len && !strncmp(names[k], a, len))
					op = &opts[j];
				/* -I/usr/share, -d2, -r48000: a value glued to a short option */
				else if (!eq && names[k][1] != '-' && opts[j].arg
				         && !strncmp(names[k], a, 2)) {
					op = &opts[j];
					v = a + 2;
					/* -o=x.wav: '=' is not a short option's (it
					 * wrote a file named "=x.wav") */
					if (*v == '=')
						return usage_error(c->name, "'%s': a short option takes its value "
						                   "after a space or glued, without '='", a);
				}
			}
		}
		if (!op) {
			char tmp[128];
			snprintf(tmp, sizeof tmp, "%.*s", (int)(len < 100 ? len : 100), a);
			return usage_error(c->name, "unknown option '%s'", tmp);
		}
		if (!(op->cmds & c->bit)) {
			fprintf(stderr, "dpmc: error: '%.*s' is not an option of 'dpmc %s'; see 'dpmc %s --help'\n",
			        (int)len, a, c->name, c->name);
			return EXIT_USAGE;
		}
		if (op->id == O_HELP) {
			usage_cmd(c, stdout);
			return EXIT_OK;
		}
		if (op->id == O_VERSION) {
			printf("dpmc %s\n", DPM_VERSION);
			return EXIT_OK;
		}
		if (!op->arg) {
			if (eq)
				return usage_error(c->name, "option '%s' takes no value", op->lng);
		} else if (!v) {
			if (eq)
				v = eq + 1;
			else if (i + 1 < argc)
				v = argv[++i];
			else
				return usage_error(c->name, "option '%s' needs a value", a);
		}
		if ((r = setopt(o, op, v)) != EXIT_OK)
			return r;
	}
	return -1;
}

/* ---- where things are ---- */

static char exedir[4096];

static void
find_exedir(const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", exedir, sizeof exedir - 1);
	char *slash;

	if (n <= 0) {
		snprintf(exedir, sizeof exedir, "%s", argv0);
		n = (ssize_t)strlen(exedir);
	}
	exedir[n] = 0;
	if ((slash = strrchr(exedir, '/')))
		*slash = 0;
	else
		snprintf(exedir, sizeof exedir, ".");
}

/* The build tree keeps stdlib/ beside dpmc; an install puts it in share/. */
static const char *
stdlib_dir(Arena *a)
{
	Buf b = {0};
	const char *r;

	buf_printf(&b, "%s/stdlib/loss.dpm", exedir);
	if (access(b.s, R_OK) == 0) {
		b.len -= strlen("/loss.dpm");
		b.s[b.len] = 0;
	} else {
		b.len = 0;
		buf_printf(&b, "%s/../share/dpm/stdlib", exedir);
	}
	r = arena_strdup(a, b.s);
	buf_free(&b);
	return r;
}

int
cli_write_file(const char *path, const char *s, char *err, int errsz)
{
	RtOut out;

	if (rt_out_open(&out, path, 0666, err, errsz) != 0)
		return -1;
	if (rt_out_write(&out, s, strlen(s), err, errsz) != 0) {
		rt_out_abort(&out);
		return -1;
	}
	return rt_out_close(&out, err, errsz);
}

/* ---- the pipeline ---- */

/* the model compiled last has lumped objects only: its kernel's grid is
 * a placeholder, and --stats says none (as info does) */
static int lumped_only;

typedef struct Planner {
	const Opts *o;
	Diag *d;
	const Kernel *vk;          /* with vals: plan for these, named as vk's */
	const double *vals;
} Planner;

/* The grid of a field not on the grid (sema_fields.c, language.md 11),
 * planned as the grid field's: the model `alone`, whose one field it is,
 * compiled by tcc (the quickest compile) and planned by its own P_plan
 * for the rate and params in force.  A bad --set or --params is left for
 * the whole model's run to report (here the defaults stand). */
static int
plan_alone(void *ctx, Model *alone, int n[2], char *why, int whysz)
{
	const Planner *P = ctx;
	Scheme *s = scheme_build(alone->arena, P->d, alone);
	double *vals = NULL, h[2];
	char *text;
	int g[2] = {0, 0}, rc = -1, i;
	Kernel k;

	if (!s)
		return -1;
	text = cg_emit_c(lower(alone->arena, s), cg_prefix(alone->arena, alone), 0);
	if (jit_load(&k, BK_TCC, text, cg_prefix(alone->arena, alone), why, whysz) == 0) {
		if (P->vals) {
			int q, np = P->vk->nparams();
			vals = arena_alloc(alone->arena, sizeof *vals * (size_t)(k.nparams() + 1));
			for (i = 0; i < k.nparams(); i++) {
				vals[i] = k.param_default(i);
				for (q = 0; q < np; q++)
					if (!strcmp(k.param_name(i), P->vk->param_name(q)))
						vals[i] = P->vals[q];
			}
		} else if (P->o->nsets || P->o->params_file) {
			FILE *quiet = fopen("/dev/null", "w");
			Diag qd = {.out = quiet};
			vals = arena_alloc(alone->arena, sizeof *vals * (size_t)(k.nparams() + 1));
			if (!quiet || cli_params(&k, P->o, alone->arena, &qd, vals) < 0)
				vals = NULL;
			if (quiet)
				fclose(quiet);
		}
		rc = k.plan(vals, P->o->rate, NULL, g, h, why, whysz) == 0 ? 0 : -1;
		/* fit and train move the params: such a grid is compiled in and
		 * stays (another one is a compile), so it takes the margin of a
		 * grid the values force (cli_fit.c) */
		for (i = 0; i < 2; i++)
			n[i] = !P->o->cmd || (strcmp(P->o->cmd, "fit") && strcmp(P->o->cmd, "train")) ? g[i]
			       : (int)floor(g[i] / (1 + GRID_MARGIN));
		jit_unload(&k);
	}
	mem_free(text);
	scheme_free(s);
	return rc;
}

static int cc_there(void);

/* A bow with potentials on a planned grid: the grid counts the
 * potential's stiffness at the initial state's energy, which the bow
 * then raises (docs/language.md 16).  Said once a process. */
static void
bow_tension_note(const Run *r, const Opts *o)
{
	static int said;

	if (said || !r->scheme->nimplicit || !r->scheme->npot || o->ngrid || cli_fixed_grid(r))
		return;
	said = 1;
	fprintf(stderr, "dpmc: note: %s: the grid counts the potential's stiffness at the energy of "
	        "the initial state, and the bow adds energy: a tension it pumps up can outgrow the "
	        "grid, and the render then turns sensitive to its params (docs/language.md 16); if "
	        "so, force a coarser grid ('grid N' in the domain, or --grid N)\n", o->model);
}

/* Is path one of the files the model imports?  Then an error naming
 * it, as `what` PATH (a file a command would write). */
int
cli_is_import(const struct Model *m, const char *what, const char *path)
{
	int i;

	for (i = 0; m && path && !rt_out_is_std(path) && i < m->ndecls; i++)
		if (m->decls[i]->kind == D_IMPORT && m->decls[i]->resolved
		    && cli_same_file(path, m->decls[i]->resolved)) {
			fprintf(stderr, "dpmc: error: %s %s: the model imports it (%s); writing it would "
			        "replace it; name another file\n", what, path, m->decls[i]->resolved);
			return 1;
		}
	return 0;
}

/* the most net weights the cc backend is chosen for by default, and
 * the fewest TinyCC is */
#define NET_CC_MAX 1000
#define NET_TCC_MIN 4000

static int cpu_said;    /* --cpu's warning, once a process */

int
cli_compile(Run *r, const Opts *o, int upto)
{
	char err[8192];
	int nweights;              /* the nets' */
	Planner P = {o, &r->diag, r->plan_k, r->plan_vals};
	GridPlanner gp = {plan_alone, &P};

	r->t0 = jit_now_ms();
	r->model = model_load_planned(r->arena, &r->diag, o->model, o->incdirs, o->nincdirs,
	                              stdlib_dir(r->arena), &gp);
	if (!r->model)
		return -1;
	if (cli_is_import(r->model, "-o", o->out) || cli_is_import(r->model, "--render", o->render)
	    || cli_is_import(r->model, "--loss-curve", o->loss_curve))
		return -1;
	if (upto == UPTO_MODEL)
		return 0;
	lumped_only = r->model->lumped_only;
	if (!(r->scheme = scheme_build(r->arena, &r->diag, r->model)))
		return -1;
	if (upto == UPTO_SCHEME)
		return 0;
	r->loops = lower(r->arena, r->scheme);
	if (upto == UPTO_LOOPS)
		return 0;
	r->prefix = cg_prefix(r->arena, r->model);
	r->backend = o->backend;
	nweights = r->model->nparams - r->model->nuser;
	/* cc's default (fit, train) for a net of thousands of weights: the C
	 * holds a statement a weight.  Where it runs once a param set or a
	 * gradient it is compiled unoptimised (emit.h NET_COLD: 4400 weights
	 * of params 39 -> 2.6 s), but a net of t is in the step, optimised
	 * (1153 weights: 6.2 s); llvm compiles the step from the loop IR */
	if (!o->backend_given && r->backend == BK_CC && nweights > NET_CC_MAX)
		r->backend = cli_fastest_backend();
	/* and over NET_TCC_MIN, TinyCC: LLVM's passes grow faster than the
	 * text where a net is evaluated every step (a time signal of 10000
	 * weights: 27 s to render's first sample, 33 s to a gradient, where
	 * TinyCC takes 0.3 and 1.9 s; a probe's) */
	if (!o->backend_given && nweights > NET_TCC_MIN)
		r->backend = BK_TCC;
	/* llvm compiles the grid field's sweeps and leaves the rest of a
	 * step with lumped objects, potentials, energy or expression outputs
	 * to TinyCC (jit_llvm.c): there cc, where it is, runs 7-10x faster
	 * (grad of bass_body.dpm against 3 s: 834 -> 82 ms; a probe's) */
	if (!o->backend_given && r->backend == BK_LLVM && cc_there()
	    && nweights <= NET_CC_MAX
	    && (r->loops->step->parts || r->loops->step->energy || r->loops->step->exprout))
		r->backend = BK_CC;
	/* build and emit: all of it; a render only what it runs (but the LLVM
	 * backend makes its own adjoint beside the text's) */
	r->ctext = cg_emit_c(r->loops, r->prefix, upto == UPTO_C ? CG_API
	                     : upto == UPTO_RUN && r->backend != BK_LLVM ? 0 : CG_GRAD);
	if (upto == UPTO_C)
		return 0;
	/* (it was taken silently by tcc and cc, which compile for the host) */
	if (o->cpu && r->backend != BK_LLVM && !cpu_said) {
		fprintf(stderr, "dpmc: warning: --cpu %s is for --backend llvm; this run compiles with %s, "
		        "which does not use it\n", o->cpu, jit_backend_name(r->backend));
		cpu_said = 1;
	}
	if ((r->backend == BK_LLVM
	     ? jit_load_llvm(&r->k, r->loops, r->ctext, r->prefix, err, sizeof err)
	     : jit_load(&r->k, r->backend, r->ctext, r->prefix, err, sizeof err)) != 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return -1;
	}
	r->loaded = 1;
	r->compile_ms = jit_now_ms() - r->t0;
	bow_tension_note(r, o);
	return 0;
}

void
cli_run_free(Run *r)
{
	if (r->loaded)
		jit_unload(&r->k);
	mem_free(r->ctext);
	if (r->scheme)
		scheme_free(r->scheme);
	arena_free(r->arena);
}

int
cli_fixed_grid(const Run *r)
{
	return r->model && r->model->domain && r->model->domain->grid_num[0] > 0;
}

double
cli_rate(const Run *r, const Opts *o)
{
	return o->rate > 0 ? o->rate : r->k.default_rate();
}

int
cli_grid(const Run *r, const Opts *o, int *grid)
{
	grid[0] = grid[1] = 0;
	if (!o->ngrid)
		return 0;
	if (r->model && r->model->lumped_only) {
		fprintf(stderr, "dpmc: error: --grid: %s has only lumped objects, no field with coordinates: "
		        "there is no grid to set; leave --grid out\n", o->model);
		return -1;
	}
	if (o->ngrid != r->k.ndim()) {
		fprintf(stderr, "dpmc: error: --grid gives %d size%s but %s is %dD\n",
		        o->ngrid, o->ngrid == 1 ? "" : "s", o->model, r->k.ndim());
		return -1;
	}
	grid[0] = o->grid[0];
	grid[1] = o->grid[1];
	return 0;
}

/* An instance with the params in force, on a grid stable over `span`
 * seconds; NULL after an error. */
static void *
instance(Run *r, const Opts *o, double span, double *init_ms, double **valsp)
{
	int n = r->k.nparams();
	double *vals = arena_alloc(r->arena, sizeof(double) * (size_t)(n + 1)), t, h[2];
	int grid[2], g[2];
	char err[2048];
	void *m;

	if (valsp)
		*valsp = vals;
	if (cli_params(&r->k, o, r->arena, &r->diag, vals) < 0 || cli_grid(r, o, grid) < 0)
		return NULL;
	t = jit_now_ms();
	err[0] = 0;
	if (r->k.plan_for(vals, cli_rate(r, o), span, o->ngrid ? grid : NULL, g, h, err, sizeof err) == 0)
		m = r->k.create(vals, cli_rate(r, o), g, err, sizeof err);
	else
		m = NULL;
	if (init_ms)
		*init_ms = jit_now_ms() - t;
	if (!m)
		cli_model_error(o->model, err[0] ? err : "cannot create the model", NULL);
	else
		cli_warn_gains(&r->k, vals, o->model);
	return m;
}

/* a loss term that gives energy at vals (@_gains): a warning */
void
cli_warn_gains(const Kernel *k, const double *vals, const char *model)
{
	char msg[1024];

	if (k->gains && k->gains(vals, msg, sizeof msg))
		fprintf(stderr, "dpmc: warning: %s:%s\n", model, msg);
}

void
cli_stats(const Opts *o, const Kernel *k, void *m, double compile_ms, double init_ms,
          double run_ms, long steps, double grad_ms, const char *extra)
{
	int n[2] = {0, 0}, i, nd = lumped_only ? 0 : k->ndim();
	double h[2], pts = 1;
	char b[40];

	if (!o->stats)
		return;
	k->grid(m, n, h);
	fprintf(stderr, "{\"backend\": \"%s\", \"compile_ms\": %.3f, \"init_ms\": %.3f, \"run_ms\": %.3f, \"grid\": [",
	        jit_backend_name(o->backend), compile_ms, init_ms, run_ms);
	for (i = 0; i < nd; i++) {
		fprintf(stderr, "%s%d", i ? ", " : "", n[i]);
		pts *= n[i] + 1;
	}
	fprintf(stderr, "], \"steps\": %ld, \"mpts_per_s\": %s", steps,
	        cli_fmt(run_ms > 0 ? pts * (double)steps / (run_ms * 1e3) : 0, b, sizeof b));
	if (grad_ms >= 0)
		fprintf(stderr, ", \"grad_ms\": %.3f", grad_ms);
	fprintf(stderr, "%s}\n", extra ? extra : "");
}

static void
stats(const Run *r, const Opts *o, void *m, double init_ms, double run_ms, long steps)
{
	cli_stats(o, &r->k, m, r->compile_ms, init_ms, run_ms, steps, -1, NULL);
}

/* ---- commands ---- */

/* Parse and check, and plan a grid for the params in force (the
 * defaults, or --set, --params and -r) as info does: a model with no
 * stable grid at its defaults cannot render, so it does not pass */
static int
cmd_check(Run *r, const Opts *o)
{
	double init_ms, *vals;
	void *m;

	if (cli_compile(r, o, UPTO_RUN) < 0 || !(m = instance(r, o, 1.0, &init_ms, &vals)))
		return EXIT_ERR;
	stats(r, o, m, init_ms, 0, 0);
	r->k.destroy(m);
	return EXIT_OK;
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void
cli_info_print(const Run *r, const Opts *o, void *m, const double *vals)
{
	int n[2] = {0, 0}, i, nd, np, no, nu;
	double h[2], rate;
	const char *coord[2] = {"x", "y"};
	char b1[40], b2[40], b3[40];

	nd = r->k.ndim();
	np = r->k.nparams();
	nu = cli_nuser(&r->k);
	no = r->k.noutputs();
	r->k.grid(m, n, h);
	rate = r->k.rate(m);
	if (r->model->domain)
		for (i = 0; i < nd && i < 2; i++)
			if (r->model->domain->coord[i])
				coord[i] = r->model->domain->coord[i];
	if (o->json) {
		printf("{\"model\": ");
		json_str(stdout, r->k.name());
		printf(", \"rate\": %s, \"k\": %s, \"grid\": [", cli_fmt(rate, b1, sizeof b1),
		       cli_fmt(1 / rate, b2, sizeof b2));
		/* lumped objects only: no grid (the kernel's is a placeholder) */
		if (r->model && r->model->lumped_only)
			nd = 0;
		for (i = 0; i < nd; i++)
			printf("%s%d", i ? ", " : "", n[i]);
		printf("], \"h\": [");
		for (i = 0; i < nd; i++)
			printf("%s%s", i ? ", " : "", cli_fmt(h[i], b1, sizeof b1));
		/* lumped objects only: no grid, so no margin of one */
		printf("], \"stability\": %s, ", nd ? cli_fmt(r->k.stability(m), b1, sizeof b1) : "null");
		if (r->model && r->model->nchains) {
			/* the fields after the grid one (sema_fields.c) */
			printf("\"fields\": [");
			for (i = 0; i < r->model->nchains; i++) {
				const struct Chain *c = &r->model->chains[i];
				printf("%s{\"name\": ", i ? ", " : "");
				json_str(stdout, c->name);
				if (c->ny)      /* 2D: per axis, as the grid field's */
					printf(", \"grid\": [%d, %d], \"h\": [%s, %s], \"planned\": %s}", c->n, c->ny,
					       cli_fmt((c->to - c->from) / c->n, b1, sizeof b1),
					       cli_fmt((c->yto - c->yfrom) / c->ny, b2, sizeof b2), c->planned ? "true" : "false");
				else
					printf(", \"grid\": %d, \"h\": %s, \"planned\": %s}", c->n,
					       cli_fmt((c->to - c->from) / c->n, b1, sizeof b1), c->planned ? "true" : "false");
			}
			printf("], ");
		}
		printf("\"params\": {");
		for (i = 0; i < nu; i++) {
			printf("%s", i ? ", " : "");
			json_str(stdout, r->k.param_name(i));
			printf(": {\"value\": %s, \"min\": %s, \"max\": %s, \"log\": %s}",
			       cli_fmt(vals[i], b1, sizeof b1), cli_fmt(r->k.param_min(i), b2, sizeof b2),
			       cli_fmt(r->k.param_max(i), b3, sizeof b3), r->k.param_log(i) ? "true" : "false");
		}
		printf("}");
		if (nu < np) {
			/* the nets' weights in the shape of a params file */
			printf(", ");
			cli_params_print(stdout, &r->k, vals, NULL);
		}
		printf(", \"outputs\": [");
		for (i = 0; i < no; i++) {
			printf("%s", i ? ", " : "");
			json_str(stdout, r->k.output_name(i));
		}
		printf("], \"backend\": \"%s\"}\n", jit_backend_name(o->backend));
	} else {
		printf("model %s (%s)\n", r->k.name(), o->model);
		printf("rate       %s Hz, k = %s s\n", cli_fmt(rate, b1, sizeof b1), cli_fmt(1 / rate, b2, sizeof b2));
		if (r->model && r->model->lumped_only)
			printf("grid       none: lumped objects only\n");
		for (i = 0; i < nd && !(r->model && r->model->lumped_only); i++)
			printf("grid %-5s %d intervals, h = %s\n", coord[i], n[i], cli_fmt(h[i], b1, sizeof b1));
		if (!(r->model && r->model->lumped_only))
			printf("stability  %.6g (h / h_min, at least 1)\n", r->k.stability(m));
		for (i = 0; r->model && i < r->model->nchains; i++) {
			const struct Chain *c = &r->model->chains[i];
			if (c->ny) {
				printf("field %-4s %s in [%s, %s], ", c->name, c->coord, cli_fmt(c->from, b1, sizeof b1),
				       cli_fmt(c->to, b2, sizeof b2));
				printf("%s in [%s, %s]: %d x %d intervals, ", c->ycoord, cli_fmt(c->yfrom, b1, sizeof b1),
				       cli_fmt(c->yto, b2, sizeof b2), c->n, c->ny);
				printf("h = %s, ", cli_fmt((c->to - c->from) / c->n, b1, sizeof b1));
				printf("%s (%s; lumped %s[i,j], its points off held edges)\n",
				       cli_fmt((c->yto - c->yfrom) / c->ny, b1, sizeof b1),
				       c->planned ? "the finest stable grid" : "forced by `grid`", c->name);
				continue;
			}
			printf("field %-4s %s in [%s, %s]: %d intervals, h = %s (%s; lumped %s[i])\n", c->name,
			       c->coord, cli_fmt(c->from, b1, sizeof b1), cli_fmt(c->to, b2, sizeof b2), c->n,
			       cli_fmt((c->to - c->from) / c->n, b3, sizeof b3),
			       c->planned ? "the finest stable grid" : "forced by `grid`", c->name);
		}
		if (r->model && r->model->nlumps) {
			int nl = 0;
			for (i = 0; i < r->model->nlumps; i++)
				nl += !r->model->lumps[i]->gridpt;
			if (nl)
				printf("lumped    ");
			for (i = 0; i < r->model->nlumps; i++)
				if (!r->model->lumps[i]->gridpt)
					printf(" %s", r->model->lumps[i]->name);
			if (nl)
				printf("\n");
		}
		printf("params    %s\n", nu ? "" : " none");
		for (i = 0; i < nu; i++)
			printf("  %-10s = %-12s in [%s, %s]%s\n", r->k.param_name(i), cli_fmt(vals[i], b1, sizeof b1),
			       cli_fmt_bound(r->k.param_min(i), b2, sizeof b2), cli_fmt_bound(r->k.param_max(i), b3, sizeof b3),
			       r->k.param_log(i) ? " log" : "");
		cli_nets_print(stdout, &r->k, vals);
		printf("outputs   ");
		for (i = 0; i < no; i++)
			printf(" %s", r->k.output_name(i));
		printf("\n");
	}
}

static int
cmd_info(Run *r, const Opts *o)
{
	double init_ms, *vals;
	void *m;

	if (cli_compile(r, o, UPTO_RUN) < 0 || !(m = instance(r, o, 1.0, &init_ms, &vals)))
		return EXIT_ERR;
	cli_info_print(r, o, m, vals);
	stats(r, o, m, init_ms, 0, 0);
	r->k.destroy(m);
	return EXIT_OK;
}

int
cli_emit_upto(const char *stage)
{
	static const struct { const char *name; int upto; } st[] = {
		{"ast", UPTO_MODEL}, {"scheme", UPTO_SCHEME}, {"loops", UPTO_LOOPS}, {"step", UPTO_LOOPS}, {"c", UPTO_C}, {"h", UPTO_C},
	};
	size_t i;

	for (i = 0; i < NELEM(st); i++)
		if (!strcmp(st[i].name, stage))
			return st[i].upto;
	return -1;
}

void
cli_emit_print(const Run *r, const char *stage, FILE *f)
{
	char *h;

	if (!strcmp(stage, "ast"))
		ast_dump(r->model, f);
	else if (!strcmp(stage, "scheme"))
		scheme_print(r->scheme, f);
	else if (!strcmp(stage, "loops"))
		loops_print(r->loops, f);
	else if (!strcmp(stage, "step"))
		step_print(r->loops->step, f);
	else if (!strcmp(stage, "c")) {
		/* what build writes: the dpm_* interface too, which the JIT's
		 * text leaves out */
		h = cg_emit_c(r->loops, r->prefix, CG_API);
		fputs(h, f);
		mem_free(h);
	}
	else {
		h = cg_emit_header(r->loops, r->prefix);
		fputs(h, f);
		mem_free(h);
	}
}

static int load_params(Run *r, const Opts *o, int bake);

/* emit's forms do not depend on --set, --params, but those are checked
 * as every command checks them: the model compiled to C on the side */
static int
emit_params_ok(const Opts *o)
{
	Run c;
	int ok;

	if (!o->nsets && !o->params_file)
		return 1;
	memset(&c, 0, sizeof c);
	c.arena = arena_new();
	c.diag.out = stderr;
	ok = cli_compile(&c, o, UPTO_C) == 0 && load_params(&c, o, 0) == 0;
	cli_run_free(&c);
	return ok;
}

static int
cmd_emit(Run *r, const Opts *o)
{
	double t;

	/* what emit prints is the same for every grid: the C plans it when
	 * the model is made, as a built model does (cmd_build) */
	if (o->ngrid) {
		fprintf(stderr, "dpmc: error: --grid: what emit prints holds for every grid (the C plans "
		        "its grid when the model is made); give the grid to the model made (dpm_set_grid), "
		        "or force it in the model (`domain ... grid N`)\n");
		return EXIT_ERR;
	}
	t = jit_now_ms();
	if (cli_compile(r, o, cli_emit_upto(o->stage)) < 0 || !emit_params_ok(o))
		return EXIT_ERR;
	t = jit_now_ms() - t;
	cli_emit_print(r, o->stage, stdout);
	if (o->stats)    /* no machine code: the front and middle's time */
		fprintf(stderr, "{\"compile_ms\": %.3f}\n", t);
	return EXIT_OK;    /* main checks that stdout took it all */
}

/* build --set / --params: the values become the built model's defaults
 * (what P_create(NULL) and a built program start from, the LV2 plugin's
 * controls and the web page's sliders), so the model built is the one
 * planned.  They are read as every command reads them (cli_params: the
 * same checks and messages), through a TinyCC load of the text, the
 * quickest compile; then, with bake, the text is emitted again (without,
 * they are only checked: emit's). */
static int
load_params(Run *r, const Opts *o, int bake)
{
	char err[1024];
	double *vals;
	Kernel k;
	int i, st;

	if (jit_load(&k, BK_TCC, r->ctext, r->prefix, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return -1;
	}
	vals = arena_alloc(r->arena, sizeof *vals * (size_t)(k.nparams() + 1));
	st = cli_params(&k, o, r->arena, &r->diag, vals);
	if (st == 0 && bake)
		for (i = 0; i < r->scheme->nparams && i < k.nparams(); i++)
			r->scheme->params[i].def = vals[i];
	jit_unload(&k);
	if (st < 0)
		return -1;
	if (!bake)
		return 0;
	mem_free(r->ctext);
	r->ctext = cg_emit_c(r->loops, r->prefix, CG_API);
	return 0;
}

/* For a built program: the second fields whose grids were planned (not
 * `grid N`), compiled in, as DPM_CHAINS ("'w' (19 intervals)"), and the
 * values they were planned at, dpm_main_at(p) (vals, else the
 * defaults), for the params they read, dpm_main_dep(p); nothing when
 * there is none */
static void
chains_note(const Run *r, const double *vals, Buf *b)
{
	const Model *m = r->model;
	int i, n = 0, np = r->scheme->nparams;

	for (i = 0; i < m->nchains; i++)
		if (m->chains[i].planned) {
			buf_printf(b, "%s'%s' (%d", n++ ? ", " : "#define DPM_CHAINS \"", m->chains[i].name,
			           m->chains[i].n);
			if (m->chains[i].ycoord)
				buf_printf(b, " x %d", m->chains[i].ny);
			buf_printf(b, " intervals)");
		}
	if (!n)
		return;
	/* the params the grids' planning read (the others cannot change
	 * them: a velocity's change warned, and its samples were render's) */
	buf_printf(b, "\"\nstatic int\ndpm_main_dep(int p)\n{\n\tstatic const unsigned char dep[] = {");
	for (i = 0; i < np; i++)
		buf_printf(b, "%s%d", i ? ", " : "", cli_chain_dep(r, i));
	buf_printf(b, "%s};\n\n\treturn dep[p];\n}\n", np ? "" : "0");
	buf_printf(b, "static double\ndpm_main_at(int p)\n{\n");
	if (vals) {
		buf_printf(b, "\tstatic const double at[] = {");
		for (i = 0; i < np; i++)
			buf_printf(b, "%s%.17g", i ? ", " : "", vals[i]);
		buf_printf(b, "%s};\n\n\treturn at[p];\n}\n", np ? "" : "0");
	} else
		buf_printf(b, "\treturn DPM_P(param_default)(p);\n}\n");
}

static int
cmd_build(Run *r, const Opts *o)
{
	double init_ms, *vals = NULL, t0, tc = jit_now_ms();
	Buf cn = {0};
	char *h;
	void *m;
	/* a rate or values given are made once here, as a render makes them
	 * (a stable grid there): without -r, values that no grid takes were
	 * built silently, and the plugin said only that dpm_new failed (a
	 * probe's) */
	int made = o->rate > 0 || o->nsets || o->params_file;
	int st;

	/* a built model plans its grid when it is made: --grid would be
	 * taken by this run only (it was, and the model built without it) */
	if (o->ngrid) {
		fprintf(stderr, "dpmc: error: --grid: a built model plans its grid when it is made; "
		        "give the grid to it (a built program's --grid, dpm_set_grid), or force it in "
		        "the model (`domain ... grid N`)\n");
		return EXIT_ERR;
	}
	if (cli_build_check(o) < 0 || cli_compile(r, o, made ? UPTO_RUN : UPTO_C) < 0
	    || cli_build_companion_import(o, r->model)
	    || ((o->nsets || o->params_file) && load_params(r, o, 1) < 0))
		return EXIT_ERR;
	/* what a built model gives is its outputs (dpm_grad's loss, the
	 * plugin's ports, a program's channels): none is a mistake */
	if (r->scheme->nout < 1) {
		diag_error(&r->diag, r->model->name_loc, "the model has no output to build; add a line "
		           "like 'output out = u(0.5)'");
		return EXIT_ERR;
	}
	/* -r: the built model's rate (dpm_new(0), a built program without
	 * -r); it and the values are checked as a render checks them */
	if (made) {
		if (!(m = instance(r, o, 1.0, &init_ms, &vals)))
			return EXIT_ERR;
		r->k.destroy(m);
	}
	if (o->rate > 0) {
		r->scheme->rate = o->rate;
		mem_free(r->ctext);
		r->ctext = cg_emit_c(r->loops, r->prefix, CG_API);
	}
	h = cg_emit_header(r->loops, r->prefix);
	chains_note(r, made ? vals : NULL, &cn);
	t0 = jit_now_ms();
	st = cli_build(o, r->ctext, h, r->prefix, exedir, cn.s);
	/* --stats: the model to C, then C to OUT (cc, clang, nothing) */
	if (o->stats && st == 0)
		fprintf(stderr, "{\"compile_ms\": %.3f, \"build_ms\": %.3f}\n", t0 - tc, jit_now_ms() - t0);
	buf_free(&cn);
	mem_free(h);
	return st == 0 ? EXIT_OK : EXIT_ERR;
}

/* An error of the compiled model: FILE:LINE:COL: error: ... when it
 * starts with the place in the model it is about ("12:30: ", emit_c.c
 * cg_loc_text), else dpmc: error: FILE: ... */
void
cli_model_error(const char *model, const char *err, const char *when)
{
	const char *rest = msg_after_place(err);

	if (rest != err) {
		/* as the front end's: the source line and a caret under the word
		 * there (language.md 8), when the model still reads so */
		Arena *a = arena_new();
		Src *src = src_load(a, model);
		int line = atoi(err), col = atoi(strchr(err, ':') + 1), off = 0, n = 1;

		/* lines end at LF, CRLF or a lone CR, as src_linecol counts */
		while (src && line > 1 && off < (int)src->len) {
			line -= src->text[off] == '\n' || (src->text[off] == '\r' && src->text[off + 1] != '\n');
			off++;
		}
		if (src && line == 1 && col >= 1 && off + col - 1 < (int)src->len
		    && !memchr(src->text + off, '\n', (size_t)col - 1) && !memchr(src->text + off, '\r', (size_t)col - 1)) {
			Diag d = {0};
			off += col - 1;
			while (off + n < (int)src->len && (isalnum((unsigned char)src->text[off + n])
			       || strchr("_.", src->text[off + n])))
				n++;
			d.out = stderr;
			diag_error(&d, (Loc){src, off, n}, "%s%s%s%s", rest, when ? " (" : "", when ? when : "",
			           when ? ")" : "");
		} else {
			fprintf(stderr, "%s:%.*s error: %s%s%s%s\n", model, (int)(rest - 1 - err), err, rest,
			        when ? " (" : "", when ? when : "", when ? ")" : "");
		}
		arena_free(a);
		return;
	}
	fprintf(stderr, "dpmc: error: %s%s%s: %s\n", model, when ? " " : "", when ? when : "", err);
}

void
cli_note_blowup(const Kernel *k, void *m, int in_time)
{
	int n[2] = {0, 0};

	if (!in_time || !m)
		return;
	k->grid(m, n, NULL);
	if (in_time & 2) {
		fprintf(stderr, "dpmc: note: the pde's coefficients that read the state rose past what "
		        "the grid (%d%s%.0d intervals) takes (a planned grid counts them at the initial "
		        "state's reads, and a tenth more; a string struck from rest starts with none): fix a "
		        "coarser grid ('grid N' in the domain, or --grid N), or write the stiffening as a "
		        "potential (docs/language.md 17), whose grid counts the largest stretch its energy allows\n",
		        n[0], k->ndim() == 2 ? " x " : "", k->ndim() == 2 ? n[1] : 0);
		return;
	}
	fprintf(stderr, "dpmc: note: the grid (%d%s%.0d intervals) was planned for the step's "
	        "coefficients at t = 0, and they vary in time: where they peak it can be unstable; "
	        "fix a coarser grid ('grid N' in the domain, or --grid N)\n",
	        n[0], k->ndim() == 2 ? " x " : "", k->ndim() == 2 ? n[1] : 0);
}

/* Is the state at step n finite at every point and lumped object? */
static int
state_finite(const Kernel *k, void *m, const Scheme *s)
{
	const double *u = k->state(m, 0);
	int n[2] = {0, 0};
	long i, np;

	k->grid(m, n, NULL);
	/* the grid's points, then the rest of the state (m->npts) */
	np = (long)(n[0] + 1) * (k->ndim() == 2 ? n[1] + 1 : 1) + scheme_nextra(s);
	for (i = 0; u && i < np; i++)
		if (!isfinite(u[i]))
			return 0;
	return u != NULL;
}

/* A render that blew up at its first non-finite sample: the first step
 * up to then (and one after) where a time signal is not finite, said at
 * its place with that time (the outputs see it only when the wave has
 * reached them; a signal NaN at one instant only is found too); 1 with
 * the message in err */
int
cli_time_error(const Kernel *k, void *m, const double *y, long n, int nch, char *err, int errsz)
{
	long i, s;

	if (!k->time_error)
		return 0;
	for (i = 0; i < n && isfinite(y[i]); i++)
		;
	for (s = 0; s <= i / nch + 1; s++)
		if (k->time_error(m, (double)s / k->rate(m), err, errsz))
			return 1;
	return 0;
}

/* A render's peak under QUIET is likely rounding, not sound: a pluck
 * between the grid's points leaves 1e-18 of its max(0, ...), which scaled
 * to -1 dBFS was noise at full level, said nowhere (a probe's); render
 * warns.  (It is scaled all the same: a linear model excited at 1e-15
 * sounds as at 1.) */
#define QUIET 1e-14

static double
peak_of(const double *x, long n)
{
	double pk = 0;
	long i;

	for (i = 0; i < n; i++)
		pk = fmax(pk, fabs(x[i]));
	return pk;
}

int
cli_render_wav(const Run *r, const Opts *o, void *m, long nframes, double *run_ms, double **keep)
{
	int nch = r->k.noutputs(), st;
	double t, *buf;
	char err[1024];

	/* the file can be written before the simulation takes its time */
	if (rt_wav_check(o->out, nch, o->raw, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return -1;
	}
	if (!(buf = mem_try_malloc(sizeof(double) * (size_t)nframes * (size_t)nch))) {
		fprintf(stderr, "dpmc: error: out of memory for %ld samples\n", nframes * nch);
		return -1;
	}
	t = jit_now_ms();
	r->k.run(m, nframes, buf);
	*run_ms = jit_now_ms() - t;
	st = rt_wav_write(o->out, buf, nframes, nch, (int)floor(r->k.rate(m) + 0.5), o->raw, err, sizeof err);
	if (st != 0 && r->k.solve_error && r->k.solve_error(m, err, sizeof err)) {
		cli_model_error(o->model, err, NULL);
	} else if (st != 0 && strstr(err, "blew up") && cli_time_error(&r->k, m, buf, nframes * nch, nch, err, sizeof err)) {
		cli_model_error(o->model, err, NULL);
	} else if (st != 0 && strstr(err, "blew up") && state_finite(&r->k, m, r->loops->s)) {
		/* the field is finite: an output's expression is not */
		long i;
		char at[32] = "";
		const Scheme *sc = r->loops->s;
		for (i = 0; i < nframes * nch && isfinite(buf[i]); i++)
			;
		if ((int)(i % nch) < sc->nout && sc->out[i % nch].loc.src) {
			int line, col;
			src_linecol(sc->out[i % nch].loc.src, sc->out[i % nch].loc.off, &line, &col);
			snprintf(at, sizeof at, "%d:%d: ", line, col);
		}
		snprintf(err, sizeof err, "%soutput '%s' is %g at sample %ld, where the simulation is finite: "
		         "its expression is not defined there (a division by 0, the root or log of a number "
		         "below 0); write it so that it is", at, r->k.output_name ? r->k.output_name((int)(i % nch)) : "",
		         buf[i], i / nch);
		cli_model_error(o->model, err, NULL);
	} else if (st != 0) {
		cli_model_error(o->model, err, NULL);
		if (strstr(err, "blew up"))
			cli_note_blowup(&r->k, m, loops_in_time(r->loops));
		/* SAV keeps a potential's scheme bounded while V >= 0: below,
		 * psi = sqrt(2 V) is not a number */
		if (strstr(err, "blew up") && r->loops->s->npot)
			fprintf(stderr, "dpmc: note: with a potential the scheme stays bounded while its "
			        "energy is >= 0; one that goes negative for a state it reaches (check its sign "
			        "for these params) stops the render so (docs/language.md 17)\n");
	}
	/* every sample 0: an excitation narrower than the grid's spacing
	 * falls between its points (a 5 cm pluck on the 5 intervals of a
	 * 4 kHz string: a probe's silent file, exit 0) */
	if (st == 0 && nframes > 0 && peak_of(buf, nframes * nch) < QUIET) {
		int g[2] = {0, 0};
		double h[2] = {0, 0}, pk = peak_of(buf, nframes * nch);
		char why[512] = "", what[160] = "the render is silent (every sample 0): nothing moves";

		r->k.grid(m, g, h);
		if (r->loops->s->m->lumped_only)
			snprintf(why, sizeof why, "; check the inits and forces of the lumped objects");
		else if (g[0] > 0)
			snprintf(why, sizeof why, ": a render that ends before the wave reaches the outputs "
			         "(render longer), an output at a held end, or an excitation narrower than "
			         "the grid planned (%d intervals, h = %g), which falls between its points (widen "
			         "it, or force a finer grid)", g[0], h[0]);
		if (pk > 0)    /* QUIET */
			snprintf(what, sizeof what, "the render's peak is %.2g, likely rounding (%s): "
			         "nothing may move", pk, o->raw ? "written as it is" : "scaled to -1 dBFS all the same");
		if (why[0])
			fprintf(stderr, "dpmc: warning: %s: %s what the outputs read%s\n", o->model, what, why);
	}
	if (st == 0 && keep)
		*keep = buf;
	else
		free(buf);
	return st;
}

static int
cmd_render(Run *r, const Opts *o)
{
	double rate, init_ms, run_ms;
	long nframes;
	int nch, st;
	char err[1024];
	void *m;

	if (cli_compile(r, o, UPTO_RUN) < 0)
		return EXIT_ERR;
	nch = r->k.noutputs();
	rate = cli_rate(r, o);
	if (nch < 1) {    /* at the model's line (every model file starts with one) */
		diag_error(&r->diag, r->model->name_loc, "the model has no output to render; add a line "
		           "like 'output out = u(0.5)'");
		return EXIT_ERR;
	}
	/* The output and the duration first: neither must cost a grid
	 * allocation, let alone a simulation. */
	if (rt_wav_check(o->out, nch, o->raw, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return EXIT_ERR;
	}
	if ((nframes = rt_nframes(o->dur > 0 ? o->dur : 1, rate, nch, err, sizeof err)) < 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return EXIT_ERR;
	}
	if (!(m = instance(r, o, (double)nframes / rate, &init_ms, NULL)))
		return EXIT_ERR;
	if ((st = cli_render_wav(r, o, m, nframes, &run_ms, NULL)) == 0)
		stats(r, o, m, init_ms, run_ms, nframes);
	r->k.destroy(m);
	return st == 0 ? EXIT_OK : EXIT_ERR;
}

/* Whether the C compiler jit_cc.c runs ($CC's first word, else cc) is
 * an executable file: the path it names, or one on PATH. */
static int
cc_there(void)
{
	const char *cc = getenv("CC"), *path = getenv("PATH"), *p, *e;
	char name[256], f[4096];
	size_t n;

	cc = cc && *cc ? cc : "cc";
	cc += strspn(cc, " \t");
	n = strcspn(cc, " \t");
	if (n == 0 || n >= sizeof name)
		return 0;
	memcpy(name, cc, n);
	name[n] = 0;
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	for (p = path ? path : "/usr/bin:/bin"; ; p = e + 1) {
		e = p + strcspn(p, ":");
		snprintf(f, sizeof f, "%.*s/%s", e > p ? (int)(e - p) : 1, e > p ? p : ".", name);
		if (access(f, X_OK) == 0)
			return 1;
		if (!*e)
			return 0;
	}
}

/* grad and fit without --backend take the fastest backend there (their
 * kernels run hundreds of times): llvm when its module loads, else cc
 * when a C compiler is there, else tcc.  Passing one over is silent only
 * when it is absent; a module that is there but does not load is said. */
Backend
cli_fastest_backend(void)
{
	char err[2048];
	int r = jit_llvm_ready(err, sizeof err);

	if (r == 0)
		return BK_LLVM;
	if (r < 0)
		fprintf(stderr, "dpmc: note: %s; using the %s backend\n", err, cc_there() ? "cc" : "tcc");
	return cc_there() ? BK_CC : BK_TCC;
}

/* A fit's model compiled again, its chains' grids planned for vals (their
 * size is compiled in: sema_fields.c): the Runs live until the command
 * ends.  One at a time (TinyCC plans them). */
typedef struct Replan {
	Opts o;                    /* the command's, its backend the one chosen */
	const Kernel *k;           /* the first: the params' names */
	Run **runs;
	int nruns;
	pthread_mutex_t lock;
} Replan;

static const Kernel *
replan(void *ctx, const double *vals, char *err, int errsz)
{
	Replan *R = ctx;
	Run *r = mem_alloc(sizeof *r), **runs;
	const Kernel *k = NULL;
	double t0 = jit_now_ms();
	FILE *quiet;

	pthread_mutex_lock(&R->lock);
	memset(r, 0, sizeof *r);
	r->arena = arena_new();
	/* the model compiled once already: an error now is the planner's,
	 * said in err by the caller */
	quiet = fopen("/dev/null", "w");
	r->diag.out = quiet ? quiet : stderr;
	r->plan_k = R->k;
	r->plan_vals = vals;
	if (cli_compile(r, &R->o, UPTO_KERNEL) == 0) {
		runs = mem_realloc(R->runs, sizeof *runs * (size_t)(R->nruns + 1));
		R->runs = runs;
		R->runs[R->nruns++] = r;
		k = &r->k;
		fprintf(stderr, "dpmc: note: a chain's grid was too fine for the params reached; the model "
		        "compiled again with its grids planned for them (%.1f s)\n", (jit_now_ms() - t0) / 1e3);
	} else {
		snprintf(err, (size_t)errsz, "the model did not compile again for the params reached");
		cli_run_free(r);
		mem_free(r);
	}
	if (quiet)
		fclose(quiet);
	pthread_mutex_unlock(&R->lock);
	return k;
}

int
cli_has_chain(const Run *r)
{
	return r->model && r->model->nchains > 0;
}

/* May param p change a planned chain's grid: does its planning read p
 * (sema_fields.c grid_deps)? */
int
cli_chain_dep(const Run *r, int p)
{
	const char *name = r->scheme && p < r->scheme->nparams ? r->scheme->param_names[p] : NULL;
	int i, j;

	for (i = 0; r->model && i < r->model->nchains; i++) {
		const struct Chain *c = &r->model->chains[i];
		if (!c->planned)
			continue;
		if (c->alldeps)
			return 1;
		for (j = 0; name && j < c->ndeps; j++)
			if (!strcmp(c->deps[j], name))
				return 1;
	}
	return 0;
}

/* grad and fit: the model compiled, the params and grid in force, then
 * cli_fit.c does the rest (jit_bind made sure the gradient functions
 * are there). */
static int
cmd_grad_fit(Run *r, const Opts *given)
{
	int grid[2];
	double *vals;
	Opts oo = *given, *o = &oo;
	Job j;

	/* fit and train run their kernels hundreds of times: cc, whose
	 * compile (about a second, then cached) pays for itself within a
	 * few steps.  The llvm backend compiles the grid field's sweeps and
	 * leaves the rest of a step to TinyCC (jit_llvm.c): a 300-step fit
	 * of examples/bass_fit.dpm spends 7.7 s in gradients there, 5.3 s
	 * on cc; an 18-point marimba's gradient takes 18 ms, 4.6 on cc; a
	 * chain of lumped objects runs about 10x slower.  grad, one
	 * gradient: llvm, which starts in about 0.15 s. */
	if (!o->backend_given)
		o->backend = strcmp(o->cmd, "grad") && cc_there() ? BK_CC : cli_fastest_backend();
	if (cli_compile(r, o, UPTO_KERNEL) < 0)
		return EXIT_ERR;
	o->backend = r->backend;
	vals = arena_alloc(r->arena, sizeof(double) * (size_t)(r->k.nparams() + 1));
	if (cli_params(&r->k, o, r->arena, &r->diag, vals) < 0 || cli_grid(r, o, grid) < 0)
		return EXIT_ERR;
	cli_warn_gains(&r->k, vals, o->model);
	j.k = &r->k;
	j.vals = vals;
	j.rate = cli_rate(r, o);
	j.grid = o->ngrid ? grid : NULL;
	j.compile_ms = r->compile_ms;
	j.in_time = loops_in_time(r->loops);
	j.fixed_grid = cli_fixed_grid(r);
	j.replan = NULL;
	j.replan_ctx = NULL;
	if (!strcmp(o->cmd, "grad"))
		return cli_grad(o, &j);
	/* fit shares nothing between processes: each would do it all and
	 * write the same -o (a probe's) */
	if (!strcmp(o->cmd, "fit") && cli_mpi_size() > 1) {
		fprintf(stderr, "dpmc: error: fit runs in one process (%d were started by mpirun): its "
		        "starts and rows run on threads (--threads N); `dpmc train` shares rows between "
		        "MPI processes\n", cli_mpi_size());
		return EXIT_ERR;
	}
	/* fit, fit --data and train: a chain's grid compiled for the values
	 * in force is compiled again for values it cannot hold (a row's own,
	 * a step's) */
	{
		Replan R;
		int st, i;
		memset(&R, 0, sizeof R);
		R.o = *o;
		R.o.backend_given = 1;
		R.k = &r->k;
		pthread_mutex_init(&R.lock, NULL);
		if (cli_has_chain(r) && !o->ngrid) {
			j.replan = replan;
			j.replan_ctx = &R;
		}
		st = !strcmp(o->cmd, "train") ? cli_train(o, &j) : o->data ? cli_fit_data(o, &j) : cli_fit(o, &j);
		for (i = 0; i < R.nruns; i++) {
			cli_run_free(R.runs[i]);
			mem_free(R.runs[i]);
		}
		mem_free(R.runs);
		pthread_mutex_destroy(&R.lock);
		return st;
	}
}

/* train: under mpirun, MPI around it all (cli_train.c) */
static int
cmd_train(Run *r, const Opts *o)
{
	int st;

	if (cli_train_init() < 0)
		return EXIT_ERR;
	st = cmd_grad_fit(r, o);
	cli_train_end();
	return st;
}

static int
not_yet(const Opts *o)
{
	fprintf(stderr, "dpmc: error: 'dpmc %s' is not implemented yet\n", o->cmd);
	return EXIT_ERR;
}

/* Test hook (tests/memory): DPMC_FAIL_ALLOC=N lets N allocations succeed
 * and fails every later one; DPMC_FAIL_ALLOC_COUNT=1 prints at exit how
 * many there were.  Read once, before anything allocates. */
static void
print_count(void)
{
	fprintf(stderr, "dpmc: allocations: %ld\n", mem_count());
}

static void
arm_fail_hook(void)
{
	const char *s = getenv("DPMC_FAIL_ALLOC");
	char *end;
	long n;

	if (s && *s) {
		n = strtol(s, &end, 10);
		if (!*end && n >= 0)
			mem_fail_after(n);
	}
	if ((s = getenv("DPMC_FAIL_ALLOC_COUNT")) && *s)
		atexit(print_count);
}

/* Output that could not be written is an error, like any other file's:
 * `dpmc info >/dev/full` must not exit 0.  A closed stdout that was never
 * written to is no error. */
static int stdout_errno;

int
cli_flush_stdout(void)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	/* the first error's cause: once stdio has dropped what it could not
	 * write, a later fflush succeeds and only ferror is left */
	if (!stdout_errno)
		stdout_errno = errno ? errno : EIO;
	return -1;
}

static int
stdout_check(int st)
{
	if (cli_flush_stdout() != 0) {
		fprintf(stderr, "dpmc: error: writing standard output: %s\n", strerror(stdout_errno));
		return EXIT_ERR;
	}
	if (fclose(stdout) != 0 && errno != EBADF) {
		fprintf(stderr, "dpmc: error: writing standard output: %s\n", strerror(errno));
		return EXIT_ERR;
	}
	return st;
}

static int run(int argc, char **argv);

/* path as an absolute name: its folder's real path and its last part,
 * so that a file not written yet compares too ("o.json", "./o.json");
 * 0 when its folder does not resolve */
static int
canonical(const char *path, char *out, size_t n)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t len = slash ? (size_t)(slash - path) : 0;

	if (len >= sizeof dir)
		return 0;
	if (slash && len == 0)
		strcpy(dir, "/");
	else if (slash) {
		memcpy(dir, path, len);
		dir[len] = 0;
	} else
		strcpy(dir, ".");
	if (!realpath(dir, real))
		return 0;
	return snprintf(out, n, "%s/%s", real, base) < (int)n;
}

/* Do a and b name one file: its device and inode when both exist, else
 * the same absolute name? */
int
cli_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char ca[PATH_MAX + 256], cb[PATH_MAX + 256];

	if (!a || !b)
		return 0;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return !strcmp(a, b) || (canonical(a, ca, sizeof ca) && canonical(b, cb, sizeof cb) && !strcmp(ca, cb));
}

/* An output that would replace an input (the model, the recording) or
 * another output of the same command: refused before anything runs. */
static int
clobbers(const Opts *o)
{
	const char *out[3] = {o->out, o->render, o->loss_curve}, *oname[3] = {"-o", "--render", "--loss-curve"};
	const char *in[4] = {o->model, o->target, o->params_file, o->data};
	const char *iname[4] = {"the model", "the target recording", "the --params file", "the --data set"};
	int i, j;

	for (i = 0; i < 3; i++) {
		if (!out[i] || rt_out_is_std(out[i]))
			continue;
		for (j = 0; j < 4; j++)
			if (cli_same_file(out[i], in[j])) {
				fprintf(stderr, "dpmc: error: %s %s is %s: writing it would replace it; name "
				        "another file\n", oname[i], out[i], iname[j]);
				return 1;
			}
		for (j = 0; j < i; j++)
			if (cli_same_file(out[i], out[j])) {
				fprintf(stderr, "dpmc: error: %s and %s both name '%s': one would replace the "
				        "other; name two files\n", oname[j], oname[i], out[i]);
				return 1;
			}
	}
	return 0;
}

/* The compiler recurses as deep as a model's definitions chain (a const
 * defined through 60000 others): the main thread's stack may grow to
 * 120 MB, not the usual 8 (Linux grows it up to the limit in force when
 * it faults, below the 128 MB it leaves free under the mappings) */
static void
deep_stack(void)
{
	struct rlimit r;
	const rlim_t want = (rlim_t)120 << 20;

	if (getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur < want) {
		r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max > want ? want : r.rlim_max;
		setrlimit(RLIMIT_STACK, &r);
	}
}

int
main(int argc, char **argv)
{
	/* what a command prints stays in the buffer until the end, where a
	 * write error shows with its cause */
	static char outbuf[1 << 20];    /* glibc ignores the size without a buffer */

	if (!isatty(1))
		setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	/* a reader that closes the pipe early (dpmc emit ... | head) is a
	 * write error, exit 1 (cli.md: 0, 1 or 2), not a death by SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	/* so is a file past the size limit (ulimit -f): write fails with
	 * EFBIG, said, and the temporary file removed (SIGXFSZ killed dpmc,
	 * status 153, the half-written x.wav.tmp left behind) */
	signal(SIGXFSZ, SIG_IGN);
	deep_stack();
	return stdout_check(run(argc, argv));
}

static int
run(int argc, char **argv)
{
	const struct Cmd *c = NULL;
	Opts o;
	Run r;
	size_t i;
	int st;

	arm_fail_hook();
	find_exedir(argv[0]);
	if (argc < 2) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_all(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("dpmc %s\n", DPM_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		for (i = 0; argc > 2 && i < NELEM(cmds); i++)
			if (!strcmp(cmds[i].name, argv[2])) {
				usage_cmd(&cmds[i], stdout);
				return EXIT_OK;
			}
		if (argc > 2)
			return usage_error(NULL, "unknown command '%s'", argv[2]);
		usage_all(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < NELEM(cmds); i++)
		if (!strcmp(cmds[i].name, argv[1]))
			c = &cmds[i];
	if (!c) {
		const char *names[NELEM(cmds)], *best;
		for (i = 0; i < NELEM(cmds); i++)
			names[i] = cmds[i].name;
		if (argv[1][0] == '-')
			return usage_error(NULL, "'%s' comes after a command: dpmc COMMAND MODEL.dpm [options]", argv[1]);
		char cb[128];
		best = closest_name(argv[1], names, (int)NELEM(cmds));
		fprintf(stderr, "dpmc: error: unknown command '%s'%s%s%s; see 'dpmc --help'\n", cut(argv[1], cb, sizeof cb),
		        best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
		return EXIT_USAGE;
	}

	if (c->bit == C_TRAIN)
		cli_train_quiet();
	memset(&o, 0, sizeof o);
	o.cmd = c->name;
	o.backend = BK_TCC;
	if ((st = parse_args(&o, c, argc - 2, argv + 2)) >= 0)
		return st;
	if (!o.model && c->bit != C_REPL) {
		/* the usage is ours, whole (usage_error cuts what it echoes) */
		fprintf(stderr, "dpmc: error: missing the model file: %s; see 'dpmc %s --help'\n", c->usage,
		        c->name);
		return EXIT_USAGE;
	}
	if ((c->bit & (C_BUILD | C_RENDER)) && !o.out)
		return usage_error(c->name, "missing '-o %s'", c->bit == C_BUILD ? "OUT" : "OUT.wav");
	if (c->bit == C_EMIT && !o.stage)
		return usage_error(c->name, "missing '--stage %s'", "ast|scheme|loops|step|c|h");
	if ((c->bit == C_GRAD || (c->bit == C_FIT && !o.data)) && !o.target)
		return usage_error(c->name, c->bit == C_FIT ? "missing '--target %s' (or '--data SET.csv')"
		                   : "missing '--target %s'", "REC.wav");
	if (c->bit == C_TRAIN && !o.data)
		return usage_error(c->name, "missing '--data %s'", "SET.csv");
	if ((c->bit & (C_FIT | C_TRAIN)) && !o.fit)
		return usage_error(c->name, "missing '--fit %s'", "NAME[,NAME...]");
	if (c->bit == C_FIT && !o.data && o.dur > 0)
		return usage_error(c->name, "'%s' takes the first seconds of each row of --data; to fit part of "
		                   "a recording, trim it (sox REC.wav part.wav trim 0 SECONDS)", "-d");
	if (c->bit == C_FIT && o.data) {
		/* one result per row: nothing that names one file */
		const char *one = o.target ? "--target" : o.render ? "--render" : o.loss_curve ? "--loss-curve"
		                  : NULL;
		if (one)
			return usage_error(c->name, "'%s' is not an option of 'fit --data' (each row has its own "
			                   "recording and result)", one);
	}

	if (clobbers(&o))
		return EXIT_ERR;

	memset(&r, 0, sizeof r);
	r.arena = arena_new();
	r.diag.out = stderr;
	switch (c->bit) {
	case C_CHECK: st = cmd_check(&r, &o); break;
	case C_INFO: st = cmd_info(&r, &o); break;
	case C_EMIT: st = cmd_emit(&r, &o); break;
	case C_BUILD: st = cmd_build(&r, &o); break;
	case C_RENDER: st = cmd_render(&r, &o); break;
	case C_GRAD: case C_FIT: st = cmd_grad_fit(&r, &o); break;
	case C_TRAIN: st = cmd_train(&r, &o); break;
	case C_REPL: st = cli_repl(&o); break;
	default: st = not_yet(&o); break;
	}
	cli_run_free(&r);
	return st;
}
