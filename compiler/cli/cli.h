/* cli.h — what the files of the dpmc command line (main.c, cli_*.c) share.
 * Nothing outside the CLI includes it. */
#ifndef CLI_H
#define CLI_H

#include "dpm.h"
#include "jit.h"
#include "../runtime/rt.h"

enum { MAXSET = 256, MAXINC = 64 };

/* The loss `fit` uses without --loss (`grad` keeps mse: spec/cli.md);
 * one name, to follow the losses of runtime/loss.c (main.c's help shows
 * it too). */
#define FIT_DEFAULT_LOSS RT_LOSS_DEFAULT


typedef struct Opts {
	const char *cmd;
	const char *model;          /* the .dpm path */
	const char *out;            /* -o */
	const char *stage;          /* emit --stage */
	const char *params_file;    /* --params */
	const char *sets[MAXSET];   /* --set NAME=VALUE, in order */
	int nsets;
	const char *incdirs[MAXINC];
	int nincdirs;
	double rate;                /* -r; 0: the model's */
	Backend backend;
	int backend_given;          /* --backend; else grad and fit pick the fastest there */
	const char *cpu;            /* --cpu: for the llvm backend (DPM_LLVM_CPU) */
	int stats, json, raw;          /* raw: 0 PCM, 1 float, 2 double */
	int grid[2], ngrid;         /* --grid; ngrid 0: the compiler chooses */
	double dur;                 /* -d, seconds */
	const char *target, *loss, *fit, *render;
	const char *loss_curve;     /* fit --loss-curve */
	long steps;
	long checkpoints;           /* --checkpoints; 0: the model's default */
	double memory_mb;           /* --memory; 0: the model's default */
	double lr;
	int no_pitch;               /* fit --no-pitch: no stage 1 */
	int no_align;               /* fit --no-align: the recording from its first sample */
	int align;                  /* grad --align: from its onset whatever the loss */
	long starts;                /* fit --starts; 0: one */
	const char *spread;         /* fit --spread NAME[,NAME...] or "none"; NULL: the default */
	const char *data;           /* train, fit --data SET.csv */
	const char *per_item;       /* train --per-item NAME[,NAME...] */
	long epochs;                /* train --epochs; 0: the default */
	long batch;                 /* train --batch; 0: every row */
	long seed;                  /* train --seed: the order of the rows */
	int threads;                /* train, fit --threads; 0: the processors there */
	int in_repl;                /* a REPL command's: its messages name no option it lacks */
} Opts;

/* What grad and fit start from: a loaded model and the values in force. */
typedef struct Job {
	const Kernel *k;
	const double *vals;         /* k->nparams() values: defaults, --params, --set */
	double rate;                /* the rate in force */
	const int *grid;            /* --grid, or NULL: the model chooses */
	int fixed_grid;             /* the model fixes its grid (`grid N`): a fit keeps it */
	double compile_ms;
	int in_time;                /* the step's coefficients vary in time */
	/* fit: the model compiled again with its chains' grids planned for
	 * vals (main.c), the kernel alive until the command ends; NULL after
	 * an error in err.  NULL when there is no chain to plan. */
	const Kernel *(*replan)(void *ctx, const double *vals, char *err, int errsz);
	void *replan_ctx;
} Job;

/* The words of the error a chain's grid gives when the params in force
 * need a finer one (emit_c.c): what makes fit compile the model again. */
#define REPLAN_MARK "was planned for the values it was compiled with"
/* cli_fit.c: j's kernel again for vals when why is REPLAN_MARK's error,
 * else NULL (why, then err, says why) */
const Kernel *cli_replan(const Job *j, const double *vals, const char *why, char *err, int errsz);

/* main.c: after a render blew up, a note on the grid when the step's
 * coefficients vary in time (the planner sees them at t = 0). */
void cli_note_blowup(const Kernel *k, void *m, int in_time);
void cli_model_error(const char *model, const char *err, const char *when);

/* cli_fit.c: `dpmc grad` and `dpmc fit`; each returns the exit status. */
int cli_grad(const Opts *o, const Job *j);
int cli_loss_known(const char *name, char *choices, int n);
int cli_fit(const Opts *o, const Job *j);

/* cli_fit.c: one model instance against one recording, what an
 * evaluation of the loss and its gradient needs (fit's starts, train's
 * rows).  The target is the caller's, read only.
 *   sim_open   the buffers and the loss `loss` (rt_loss_new: the FFTW
 *              planner, so one thread at a time); 0, or -1 after a message
 *   sim_set    the instance at vals (with keep: on the grid it has while
 *              that stays stable); sim_eval: render, loss, dL/dparam;
 *              sim_loss: the loss alone, on the grid a render plans (the
 *              render left in y); each 0, or -1 with a message in err
 *   sim_close  frees what sim_open and sim_set took */
typedef struct Sim {
	const Opts *o;
	const Job *j;
	const Kernel *k;
	void *m;                    /* the instance; NULL after a failed re-create */
	const double *target;
	double *y, *dldy;
	long n;                     /* frames of the target */
	int nch;
	RtLoss *loss;               /* --loss, else the command's default */
	int keep;                   /* keep the grid while it is stable (fit) */
	double margin;              /* with keep: how much coarser than the finest a new grid is */
	int replan;                 /* with keep: plan the next grid afresh (not a regrid) */
	int threads;                /* P_set_threads for the gradient; 0: the default */
	double memory;              /* P_set_memory, bytes; 0: the default */
	const int *need;            /* the params whose gradient must be finite */
	int nneed;                  /* (fit, train: the fitted ones); need 0: all */
	double init_ms, run_ms, grad_ms;  /* totals over the command */
	long evals, regrids;
	int ck_said;                /* --checkpoints' memory checked */
	char err[2048];
} Sim;
int sim_open(Sim *s, const Opts *o, const Job *j, const double *target, long n, int nch,
             const char *loss);
int sim_set(Sim *s, const double *vals);
int sim_eval(Sim *s, double *loss, double *grad);
int sim_loss(Sim *s, const double *vals, double *loss);
void sim_close(Sim *s);
/* cli_fit.c: the frame to fit a recording (target, n frames of nch) from:
 * its onset, when it starts 10 ms or more after the render at vals
 * (said on stderr, `what` naming the recording); 0 with --no-align; -1
 * after an error message */
long cli_align(const Opts *o, const Job *j, const double *target, long n, int nch, const double *vals,
               const char *what,
               const char *where);
/* The grid margins of a fit (cli_fit.c): the first grid the finest
 * stable one, a grid the values force GRID_MARGIN coarser than that,
 * GRID_MARGIN_END from POLISH of the steps on. */
#define GRID_MARGIN 0.04
#define GRID_MARGIN_END 0.005
#define POLISH 0.7
/* cli_fit.c: the indices of the --fit names (o->fit) into idx (room for
 * every param); their count, or -1 after an error message.  The
 * processors this process may run on. */
int cli_fit_names(const Opts *o, const Kernel *k, int *idx);
int cli_level_free(const Opts *o);   /* cli_fit.c: the command's loss ignores the level */
int cli_ncpus(void);
/* cli_fit.c: clip a gradient spike against the recent scale of the
 * gradient (*ema, 0 at first): the norm to clip g (n values) to, 0: none */
double cli_clip_norm(double *ema, const double *g, int n);

/* cli_data.c: a dataset (spec/cli.md, "Datasets"): a CSV of recordings,
 * a header `file,P1,P2,...` and one row per recording, its WAV (from
 * the CSV's folder) and the values of params P1, P2... for it. */
typedef struct Row {
	const char *file;           /* as the CSV writes it */
	const char *path;           /* where it was read from */
	const char *real;           /* its real path (realpath), for duplicates */
	int line;                   /* in the CSV, from 1 */
	double *vals;               /* every param: the values in force, the row's columns set */
	double *target;             /* n frames of nch channels (malloc'd) */
	long n;
	int nch;
	Opts o;                     /* the command's options with target = path (messages) */
} Row;
typedef struct Data {
	const Src *src;             /* the CSV's text, for messages at a place in it */
	Row *rows;
	int nrows;
	int ncols, *cols;           /* the params of the columns after `file`, in order */
	int *col_off, *col_len;     /* their names' place in the header */
} Data;
/* Read o->data against the model of j: every row checked (names,
 * numbers, ranges, files, rates, channels), with FILE:LINE:COL messages
 * on stderr saying what to change.  0, or -1 after them.  cli_data_free
 * frees the targets (the rest is in the arena a). */
int cli_data_read(Data *d, const Opts *o, const Job *j, Arena *a);
void cli_data_free(Data *d);
/* An error at column col of the CSV's header (a Loc in d->src). */
void cli_data_col_error(const Data *d, int col, const char *fmt, const char *a, const char *b);
/* s as a JSON string, quotes included, onto b */
void cli_json_str(Buf *b, const char *s);

/* cli_fit.c: `dpmc fit --data SET.csv`: a fit of its own for each row
 * (its values as the start, its recording the target), several rows at
 * once; one JSON with an entry per row.  The exit status. */
/* the checkpoint memory each of n rows' instances may keep (bytes, 0:
 * the default) */
double cli_row_memory(const Opts *o, long n);
int cli_fit_data(const Opts *o, const Job *j);

/* cli_train.c: `dpmc train`: the --fit params shared by every row of
 * the dataset, the --per-item params one per row, trained on the mean
 * loss over the rows; threads and MPI ranks share the rows.  The exit
 * status.  cli_train_init, before the model is compiled: under mpirun,
 * MPI started (dpmc-mpi.so) and the ranks but 0 made quiet; -1 after an
 * error.  cli_train_quiet, before train's options are read: the ranks
 * but 0 quiet (a bad option is said once).  cli_train_end: MPI finished. */
int cli_train(const Opts *o, const Job *j);
void cli_train_quiet(void);
int cli_train_init(void);
void cli_train_end(void);
/* the processes mpirun started (its environment's size), 1 without */
int cli_mpi_size(void);

/* cli_mpi.c, built into dpmc-mpi.so with Open MPI and dlopen'd by train
 * under mpirun only, so that no other command maps libmpi (which costs
 * every start some milliseconds):
 *   init      MPI_Init_thread (MPI_THREAD_FUNNELED: only the main thread
 *             calls MPI), this process's rank and the number of them;
 *             0, or -1 with a message in err
 *   sum       x (n values) summed over the ranks, in place on every one;
 *             0, or -1
 *   finalize, abort (every rank, with that status) */
typedef struct MpiModule {
	const char *version;        /* DPM_VERSION */
	int (*init)(int *rank, int *size, char *err, int errsz);
	int (*sum)(double *x, long n);
	void (*finalize)(void);
	void (*abort)(int status);
} MpiModule;

/* cli_fit.c: has Ctrl-C or SIGTERM stopped the fit under way? */
int cli_fit_interrupted(void);

/* cli_fit_pitch.c: fit's stages 1 and 3 (unless o->no_pitch): moves the
 * fitted params (idx, nf of them) in vals so the render's partials sit on
 * those of target (n frames, nch channels), and says what it did on
 * stderr, as stage `stage`.  Without a clear partial series it leaves
 * vals alone.  df1 (nf values, NULL: not wanted): how many cents the
 * render's first partial moves per unit of each param's free coordinate
 * (rt_to_free) at the values it leaves, 0 for a param that moves no
 * partial, all 0 when the stage did not run.  rms (NULL: not wanted):
 * the partials' distance after it, cents rms, or -1 where none was
 * measured.  pitch (nf flags, NULL: not wanted): the params the match
 * of frequencies moved (not those only the decays' moved).  0, or -1
 * after an error message. */
int cli_fit_pitch(const Opts *o, const Job *j, const int *idx, int nf, const double *target,
                  long n, int nch, double *vals, int stage, double *df1, double *rms, int *pitch);

/* cli_params.c: the param values in force: the defaults, then --params,
 * then each --set.  Fills vals (k->nparams() of them); 0, or -1 after an
 * error on d. */
int cli_params(const Kernel *k, const Opts *o, Arena *a, Diag *d, double *vals);
/* cli_params.c: the model's params and nets as the runtime's params
 * files see them (runtime/params.c); the number of declared params (the
 * nets' weights come after them); net `name`'s index (its first weight
 * and their number), or -1; the values as "KEY": {...}, "nets": {...}
 * (rt_params_print) on f, or as a malloc'd string (NULL: no memory). */
void cli_rtmodel(const Kernel *k, RtModel *m);
/* Is v no value of param i (outside its range, or not above 0 for a
 * `log` param)?  Then 1, with why in b ("NAME = V is outside ..."). */
int cli_param_bad(const Kernel *k, int i, double v, Buf *b);
int cli_nuser(const Kernel *k);
int cli_net_find(const Kernel *k, const char *name, int *first, int *nweights);
void cli_params_print(FILE *f, const Kernel *k, const double *vals, const char *key);
char *cli_params_text(const Kernel *k, const double *vals, const char *key);
/* "nets" and a line per net (sizes, activation, its weights' names and
 * rms) on f; nothing without nets. */
void cli_nets_print(FILE *f, const Kernel *k, const double *vals);
/* A number from the command line: 0, or -1 when s is not one whole
 * finite number; cli_number_why(s) says why not ("is too large for a
 * double", "is below the smallest...", "is not a finite number"). */
int cli_number(const char *s, double *v);
const char *cli_number_why(const char *s);
/* The shortest %g that reads back as v; "null" when not finite. */
const char *cli_fmt(double v, char *buf, int n);
/* cli_fmt, or "-inf" / "inf" for a range's open end */
const char *cli_fmt_bound(double v, char *buf, int n);
/* seconds as M:SS or H:MM:SS (an ETA), "?" when not known */
void cli_fmt_secs(double s, char *buf, int n);

/* cli_build.c: `dpmc build`: OUT.c (+ OUT.h), OUT.so or an executable.
 * chains: NULL, or C for the executable that names the second fields'
 * grids compiled in (DPM_CHAINS) and the values they were planned at
 * (dpm_main_at(p)), for its warning at other values or rates.  0, or -1
 * after an error; no output file is left on failure. */
int cli_build(const Opts *o, const char *ctext, const char *header,
              const char *prefix, const char *exedir, const char *chains);
/* cli_build.c: before compiling, whether -o can be written; 0, or -1
 * after an error message. */
int cli_build_check(const Opts *o);
/* build_wasm.c: `-o OUT.wasm`, or `-o OUT.html` and OUT.wasm beside it;
 * 0, or -1 after an error (nothing written).  _check: before compiling,
 * the .wasm beside a page can be written and the tool chain is there. */
int cli_build_wasm(const Opts *o, const char *ctext);
int cli_build_wasm_check(const char *out);

/* build_lv2.c: `dpmc build -o X.lv2`, an LV2 instrument bundle from the
 * model's C text (see compiler/back/lv2.tmpl); and the check of -o before
 * compiling.  0, or -1 after an error; nothing is left on failure. */
int cli_build_lv2(const Opts *o, const char *ctext, const char *prefix);
int cli_build_lv2_check(const Opts *o);

/* main.c: one model through the pipeline, kept for as long as it is
 * used (the REPL keeps one per model loaded). */
typedef struct Run {
	Arena *arena;
	Diag diag;
	struct Model *model;
	struct Scheme *scheme;
	struct Loops *loops;
	const char *prefix;
	char *ctext;           /* mem_alloc'd */
	Kernel k;
	Backend backend;       /* the one compiled with: o->backend */
	const Kernel *plan_k;  /* given: chains planned for plan_vals, params named as plan_k's */
	const double *plan_vals;
	int loaded;
	double t0, compile_ms;
} Run;
/* main.c: r's model has a second field whose grid is compiled in, planned
 * for the values it was compiled with (sema_fields.c) */
int cli_has_chain(const Run *r);
int cli_chain_dep(const Run *r, int p);    /* may param p change such a grid */
void cli_warn_gains(const Kernel *k, const double *vals, const char *model);

/* UPTO_RUN: the kernel without the gradient (render, info); UPTO_KERNEL: all */
enum { UPTO_MODEL, UPTO_SCHEME, UPTO_LOOPS, UPTO_C, UPTO_RUN, UPTO_KERNEL };
/* main.c: llvm when its module loads, else cc when there, else tcc */
Backend cli_fastest_backend(void);

/* main.c: parse, check, discretise, lower, emit, JIT o->model (with
 * o->incdirs and o->backend) as far as `upto`, into a Run zeroed but for
 * its arena and diag.out.  0, or -1 after the diagnostics are printed.
 * cli_run_free frees what it made, the arena too. */
int cli_compile(Run *r, const Opts *o, int upto);
void cli_run_free(Run *r);
/* main.c: the rate in force (-r, else the model's), and the --grid in
 * force: 0 with grid filled (all zero: the model chooses), or -1 after an
 * error. */
double cli_rate(const Run *r, const Opts *o);
/* main.c: whether the model fixes its grid (`grid N` in the domain) */
int cli_fixed_grid(const Run *r);
int cli_grid(const Run *r, const Opts *o, int *grid);
/* main.c: `dpmc info`'s text (or --json) for instance m at vals. */
void cli_info_print(const Run *r, const Opts *o, void *m, const double *vals);
/* main.c: run m (from its current state) for nframes frames into the WAV
 * o->out (o->raw as --raw); 0, or -1 after an error message, no file.
 * keep: when not NULL, set on success to the samples (nframes frames of
 * noutputs() values, malloc'd; the caller frees them). */
int cli_render_wav(const Run *r, const Opts *o, void *m, long nframes, double *run_ms, double **keep);
/* A render of m that blew up (y: its n samples of nch channels): where a
 * time signal is first not finite, said at its place into err; 1 if so */
int cli_time_error(const Kernel *k, void *m, const double *y, long n, int nch, char *err, int errsz);
/* main.c: `dpmc emit --stage`: the compile stage (UPTO_...) that stage
 * (ast, scheme, loops, c, h) needs, or -1 when there is no such stage;
 * and its text for r, compiled at least that far, on f. */
int cli_emit_upto(const char *stage);
void cli_emit_print(const Run *r, const char *stage, FILE *f);

/* cli_repl.c: `dpmc repl`; o holds the command line's options (and the
 * model to load first, if any).  Returns the exit status. */
int cli_repl(const Opts *o);

/* main.c: the --stats JSON line on stderr (nothing without --stats);
 * grad_ms < 0 leaves "grad_ms" out; extra (", \"NAME\": VALUE...")
 * goes at the end. */
void cli_stats(const Opts *o, const Kernel *k, void *m, double compile_ms,
               double init_ms, double run_ms, long steps, double grad_ms, const char *extra);
/* main.c: fflush(stdout); 0, or -1 on a write error (main reports it
 * with its cause at the end). */
int cli_flush_stdout(void);
/* main.c: write s to path whole or not at all (rt_out_open: a temporary
 * name renamed onto a regular file, a device or "-" in place); 0, or -1
 * with a message in err. */
int cli_write_file(const char *path, const char *s, char *err, int errsz);
/* do a and b name one file, written yet or not? (main.c) */
int cli_same_file(const char *a, const char *b);
/* cli_build.c: 1 after a message when the file build writes beside -o
 * (OUT.h, OUT.wasm) is one the model imports */
int cli_build_companion_import(const Opts *o, const struct Model *m);
/* main.c: 1 after a message when path is a file the model imports */
int cli_is_import(const struct Model *m, const char *what, const char *path);

#endif
