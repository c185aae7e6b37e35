/* cli_train.c — `dpmc train` (spec/cli.md, "Datasets"): params shared by
 * every recording of a dataset (the --fit ones: scalar params and nets'
 * weights), and params of each recording's own (--per-item: a gain, an
 * onset), trained on the mean loss over the rows.
 *
 * A step takes a minibatch of rows (default: all of them; shuffled from
 * --seed each epoch), renders each row at its values (the shared ones,
 * the CSV's for the row, its own) with the exact gradient (cli_fit.c's
 * Sim: one instance per row, its grid kept while stable), and moves the
 * shared params by Adam on the mean of the rows' gradients, and each
 * row's own params by an Adam of its own on its gradient; both in the
 * scaled free coordinates of a fit (rt_free_scale), the learning rate of
 * rt_lr_at over every step.
 *
 * Rows of a batch run on --threads threads, and under `mpirun -np R` on
 * R processes too, row r on rank r mod R.  The result does not depend on
 * either: each row's gradient takes one thread (the same bits whatever
 * the threads, scheme.h), each row keeps its instance on one rank, and
 * the sum over a batch is taken in the order of the rows.  The ranks
 * exchange every row's loss and gradient with an MPI sum in which each
 * value has one non-zero term (its owner's), which is exact in any
 * reduction order; every rank then makes the same steps.
 *
 * requires: the model compiled with its gradient and the values in
 *           force (Job); cli_train_init before the compile under mpirun.
 * leaves:   TRAINED.json (-o, else stdout) from rank 0 alone, written
 *           whole or not at all; Ctrl-C ends the run early with the best
 *           values seen. */
#define _GNU_SOURCE    /* dup, fdopen */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli.h"
#include "../runtime/rt.h"

#ifndef DPM_LIBDIR
#define DPM_LIBDIR "/usr/local/lib/dpm"
#endif

enum { MAXHALVE = 10, MAXTHREADS = 256 };

/* One row of the dataset under training. */
typedef struct Item {
	const Row *row;
	Sim s;                      /* its instance, against its recording */
	int mine;                   /* this rank renders it */
	double *vals, *grad;        /* every param: the row's values, dL_r/dparam */
	double loss;
	int st;                     /* the last evaluation: EV_... */
	/* its own params (--per-item), ni each */
	double *pv, *y, *scale, *dvdz, *gy, *cand, *best;
	RtAdam *adam;
	double ema;
	double floss;               /* the loss at the final values */
} Item;

enum { EV_NONE, EV_OK, EV_FAILED };

typedef struct Train {
	const Opts *o;
	const Job *j;
	const Kernel *k;
	Data d;
	Arena *a;
	int np, nf, ni, *idx, *iidx;
	int *need;                  /* idx then iidx: the gradients used */
	int nuser;                  /* the declared params; the nets' weights after them */
	double *vals;               /* every param: the values in force, the shared ones trained */
	double *y, *scale, *dvdz, *gy;   /* the shared params, nf each */
	double *cand, *best;        /* every param: an epoch's start values, the best epoch's */
	RtAdam *adam;
	double ema, lr;
	Item *it;
	int nr;
	long epochs, steps, step;
	int batch, nbatch, *perm;
	int *last, nlast;           /* the rows whose own params the last step moved */
	int threads, rank, size;
	/* what the workers take rows from */
	const int *cur;
	int ncur, next, grad, stoppable;
	int *mine;                  /* room for the rows this rank renders in a pass */
	pthread_mutex_t lock;
	double *red;                /* a batch's losses and gradients, exchanged between ranks */
	int w;                      /* values per row in red: state, loss, nf + ni gradients */
	double best_loss;           /* the best epoch's mean loss (its values in best) */
	long best_epoch;            /* -1: none yet */
	long done;                  /* epochs completed */
	int tty;
	double t0;
	FILE *note;                 /* where this rank's notes go (ranks > 0: not stderr) */
	int stopped;                /* a signal stopped another rank: this one stops too */
} Train;

/* ---- MPI, from dpmc-mpi.so, loaded only under mpirun ---- */

static const MpiModule *mpi;
static int mpi_rank, mpi_size = 1, quiet_fd = -1;

/* The rank and size mpirun gives in the environment (Open MPI, or the PMI
 * of MPICH and Slurm); size 1 without. */
static int
env_int(const char *a, const char *b)
{
	const char *s = getenv(a);

	if (!s || !*s)
		s = getenv(b);
	return s && *s ? atoi(s) : -1;
}

int
cli_mpi_size(void)
{
	int n = env_int("OMPI_COMM_WORLD_SIZE", "PMI_SIZE");

	return n > 1 ? n : 1;
}

static const MpiModule *
mpi_load(char *err, int errsz)
{
	char exe[4096], where[3][4200], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	const MpiModule *m;
	void *dl = NULL;
	int i, k = 0;

	if (n > 0) {
		exe[n] = 0;
		if ((slash = strrchr(exe, '/')))
			*slash = 0;
		snprintf(where[k++], sizeof where[0], "%s/dpmc-mpi.so", exe);
		snprintf(where[k++], sizeof where[0], "%s/../lib/dpm/dpmc-mpi.so", exe);
	}
	snprintf(where[k++], sizeof where[0], "%s/dpmc-mpi.so", DPM_LIBDIR);
	for (i = 0; i < k && access(where[i], F_OK) != 0; i++)
		;
	if (i == k) {
		snprintf(err, (size_t)errsz, "started under mpirun, but this dpmc has no MPI module "
		         "(dpmc-mpi.so beside it or in %s); build it (./configure finds Open MPI, then "
		         "make) or run train without mpirun", DPM_LIBDIR);
		return NULL;
	}
	/* global: Open MPI's own plugins look for libmpi's symbols */
	if (!(dl = dlopen(where[i], RTLD_NOW | RTLD_GLOBAL))) {
		snprintf(err, (size_t)errsz, "cannot load the MPI module '%s': %s", where[i], dlerror());
		return NULL;
	}
	if (!(m = dlsym(dl, "dpm_mpi_module")) || strcmp(m->version, DPM_VERSION)) {
		snprintf(err, (size_t)errsz, "'%s' is not this dpmc's MPI module; rebuild (make) or "
		         "reinstall (make install) both", where[i]);
		dlclose(dl);
		return NULL;
	}
	return m;
}

/* Under mpirun, the ranks but 0 say nothing from here on: every message
 * before training (a bad option too) is the same on every rank, and rank
 * 0 prints it.  Before the options are read. */
void
cli_train_quiet(void)
{
	int fd;

	if (quiet_fd >= 0 || env_int("OMPI_COMM_WORLD_SIZE", "PMI_SIZE") <= 1
	    || env_int("OMPI_COMM_WORLD_RANK", "PMI_RANK") <= 0)
		return;
	if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
		quiet_fd = dup(2);
		dup2(fd, 2);
		close(fd);
	}
}

/* A rank above 0 speaks for the rows it alone sets up (a row's
 * recording that starts late, a row that cannot start): standard error
 * is its own again until unloud(), which takes the silence back.  -1:
 * nothing was changed. */
static int
loud(void)
{
	int quiet;

	if (quiet_fd < 0 || (quiet = dup(2)) < 0)
		return -1;
	if (dup2(quiet_fd, 2) < 0) {
		close(quiet);
		return -1;
	}
	return quiet;
}

static void
unloud(int quiet)
{
	if (quiet < 0)
		return;
	dup2(quiet, 2);
	close(quiet);
}

int
cli_train_init(void)
{
	char err[8192];

	/* one process, or not under mpirun: no MPI at all */
	if (env_int("OMPI_COMM_WORLD_SIZE", "PMI_SIZE") <= 1)
		return 0;
	cli_train_quiet();
	if (!(mpi = mpi_load(err, sizeof err))) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return -1;
	}
	if (mpi->init(&mpi_rank, &mpi_size, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		mpi = NULL;
		return -1;
	}
	return 0;
}

void
cli_train_end(void)
{
	if (mpi)
		mpi->finalize();
	mpi = NULL;
}

/* Every rank's x summed into x on every rank (nothing without MPI). */
static void
allsum(double *x, long n)
{
	if (mpi && mpi_size > 1 && mpi->sum(x, n) != 0) {
		fprintf(stderr, "dpmc: error: the MPI exchange failed\n");
		mpi->abort(1);
	}
}

/* 0 when every rank says ok, else -1 (on every rank alike). */
static int
agree(int ok)
{
	double x = ok ? 0 : 1;

	allsum(&x, 1);
	return x == 0 ? 0 : -1;
}

/* ---- signals: as fit's (cli_fit.c) ---- */

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	if (interrupted)
		rt_tmp_die(sig);
	interrupted = sig;
}

/* ---- names ---- */

/* The --per-item names into iidx: declared params, none of them fitted
 * as shared, none twice.  Their count, or -1 after a message. */
static int
item_names(const Train *T)
{
	const Kernel *k = T->k;
	const char *p = T->o->per_item, *e, **names, *best;
	int n = 0, i, t, len, np = T->nuser, first, nw;    /* not a net's weight */
	char name[256];

	names = arena_alloc(T->a, sizeof *names * (size_t)(np + 1));
	for (i = 0; i < np; i++)
		names[i] = k->param_name(i);
	for (; p; p = e ? e + 1 : NULL) {
		e = strchr(p, ',');
		len = e ? (int)(e - p) : (int)strlen(p);
		if (len == 0 || len >= (int)sizeof name) {
			fprintf(stderr, "dpmc: error: --per-item %s: expected NAME[,NAME...], the params of each "
			        "row's own\n", T->o->per_item);
			return -1;
		}
		memcpy(name, p, (size_t)len);
		name[len] = 0;
		for (i = 0; i < np && strcmp(names[i], name); i++)
			;
		for (t = np; i == np && t < T->np; t++)
			if (!strcmp(k->param_name(t), name)) {
				fprintf(stderr, "dpmc: error: --per-item: '%s' is a weight of a net; a row's own params "
				        "are declared params (a gain, an onset)\n", name);
				return -1;
			}
		if (i == np && cli_net_find(k, name, &first, &nw) >= 0) {
			fprintf(stderr, "dpmc: error: --per-item: '%s' is a net; a row's own params are declared "
			        "params (a gain, an onset): fit the net with --fit, shared by every row\n", name);
			return -1;
		}
		if (i == np) {
			best = closest_name(name, names, np);
			fprintf(stderr, "dpmc: error: --per-item: %s has no param '%.80s'%s%s%s\n", T->o->model, name,
			        best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
			return -1;
		}
		for (t = 0; t < T->nf; t++)
			if (T->idx[t] == i) {
				fprintf(stderr, "dpmc: error: '%s' is in both --fit and --per-item; a param is "
				        "either shared by every row (--fit) or each row's own (--per-item)\n", name);
				return -1;
			}
		for (t = 0; t < n; t++)
			if (T->iidx[t] == i) {
				fprintf(stderr, "dpmc: error: --per-item names '%s' twice\n", name);
				return -1;
			}
		T->iidx[n++] = i;
	}
	return n;
}

/* ---- the values ---- */

/* Free coordinates y of value v of param p: z = scale y (optim.c).  A
 * net's weight (p >= nuser) steps by about the learning rate, as in fit,
 * not by a share of its range (a guard, [-1e3, 1e3]). */
static double
to_y(const Kernel *k, int p, double v, int nuser, double *scale)
{
	*scale = p >= nuser ? 4 / (k->param_max(p) - k->param_min(p))
	         : rt_free_scale(v, k->param_min(p), k->param_max(p), k->param_log(p));
	return rt_to_free(v, k->param_min(p), k->param_max(p), k->param_log(p)) / *scale;
}

static double
from_y(const Kernel *k, int p, double y, double scale, double *dvdy)
{
	double v = rt_from_free(scale * y, k->param_min(p), k->param_max(p), k->param_log(p), dvdy);

	*dvdy *= scale;
	return v;
}

static void
shared_from_y(Train *T)
{
	int i;

	for (i = 0; i < T->nf; i++)
		T->vals[T->idx[i]] = from_y(T->k, T->idx[i], T->y[i], T->scale[i], &T->dvdz[i]);
}

static void
item_from_y(Train *T, Item *I)
{
	int q;

	for (q = 0; q < T->ni; q++)
		I->pv[q] = from_y(T->k, T->iidx[q], I->y[q], I->scale[q], &I->dvdz[q]);
}

/* A row's values: the shared ones, then the CSV's for it, then its own. */
static void
item_values(const Train *T, Item *I)
{
	int c, q;

	memcpy(I->vals, T->vals, sizeof(double) * (size_t)T->np);
	for (c = 0; c < T->d.ncols; c++)
		I->vals[T->d.cols[c]] = I->row->vals[T->d.cols[c]];
	for (q = 0; q < T->ni; q++)
		I->vals[T->iidx[q]] = I->pv[q];
}

/* ---- evaluating rows on threads ---- */

static void
item_eval(Train *T, Item *I)
{
	item_values(T, I);
	if (T->grad)
		I->st = sim_set(&I->s, I->vals) == 0 && sim_eval(&I->s, &I->loss, I->grad) == 0 ? EV_OK : EV_FAILED;
	else
		I->st = sim_loss(&I->s, I->vals, &I->loss) == 0 ? EV_OK : EV_FAILED;
}

static void *
worker(void *arg)
{
	Train *T = arg;
	int i;

	for (;;) {
		pthread_mutex_lock(&T->lock);
		i = T->next++;
		pthread_mutex_unlock(&T->lock);
		if (i >= T->ncur || (T->stoppable && interrupted))
			break;
		item_eval(T, &T->it[T->cur[i]]);
	}
	return NULL;
}

/* Evaluate rows (nb of them, in increasing order) at the values in force,
 * this rank's on its threads, and share every row's state, loss and
 * gradient (grad) with every rank through T->red.  Returns how many rows
 * failed; *stop when a signal came (on any rank). */
static int
eval_rows(Train *T, const int *rows, int nb, int grad, int stoppable, int *stop)
{
	int *mine = T->mine, n = 0, b, i, nth, nbad = 0;
	pthread_t th[MAXTHREADS];
	int started = 0;
	double *r;

	for (b = 0; b < nb; b++)
		if (T->it[rows[b]].mine) {
			T->it[rows[b]].st = EV_NONE;
			mine[n++] = rows[b];
		}
	T->cur = mine;
	T->ncur = n;
	T->next = 0;
	T->grad = grad;
	T->stoppable = stoppable;
	nth = T->threads < n ? T->threads : n;
	for (i = 1; i < nth && i < MAXTHREADS; i++)
		if (pthread_create(&th[started], NULL, worker, T) == 0)
			started++;
	worker(T);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);

	/* each value has one non-zero term, its owner's: an exact sum */
	memset(T->red, 0, sizeof(double) * (size_t)(nb * T->w + 1));
	for (b = 0; b < nb; b++) {
		Item *I = &T->it[rows[b]];
		r = T->red + (long)b * T->w;
		if (!I->mine)
			continue;
		r[0] = I->st;
		if (I->st != EV_OK) {
			if (I->st == EV_FAILED)
				fprintf(T->note, "dpmc: %s:%d (%s): %s\n", T->o->data, I->row->line, I->row->file,
				        I->s.err[0] ? I->s.err : "cannot create the model");
			continue;
		}
		r[1] = I->loss;
		for (i = 0; grad && i < T->nf; i++)
			r[2 + i] = I->grad[T->idx[i]];
		for (i = 0; grad && i < T->ni; i++)
			r[2 + T->nf + i] = I->grad[T->iidx[i]];
	}
	T->red[nb * T->w] = stoppable && interrupted ? 1 : 0;
	allsum(T->red, (long)nb * T->w + 1);
	*stop = T->red[nb * T->w] > 0;
	T->stopped |= *stop && !interrupted;
	for (b = 0; b < nb; b++) {
		Item *I = &T->it[rows[b]];
		r = T->red + (long)b * T->w;
		I->st = (int)r[0];
		I->loss = r[1];
		nbad += I->st == EV_FAILED;
		if (!*stop && I->st != EV_OK)
			nbad += I->st == EV_NONE;
	}
	return nbad;
}

/* ---- steps ---- */

/* The rows of batch b of epoch e, in increasing order. */
static int
batch_rows(Train *T, long e, int b, int *rows)
{
	uint64_t x = (uint64_t)T->o->seed * 0x9e3779b97f4a7c15u + (uint64_t)e + 1, z;
	int i, t, n, lo;

	if (b == 0) {
		/* Fisher-Yates from SplitMix64 (Steele et al. 2014), per epoch */
		for (i = 0; i < T->nr; i++)
			T->perm[i] = i;
		for (i = T->nr - 1; i > 0 && T->nbatch > 1; i--) {
			z = (x += 0x9e3779b97f4a7c15u);
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
			z ^= z >> 31;
			t = (int)(z % (uint64_t)(i + 1));
			n = T->perm[i];
			T->perm[i] = T->perm[t];
			T->perm[t] = n;
		}
	}
	lo = b * T->batch;
	n = T->nr - lo < T->batch ? T->nr - lo : T->batch;
	memcpy(rows, T->perm + lo, sizeof *rows * (size_t)n);
	/* insertion sort: the sum over the batch in the rows' order */
	for (i = 1; i < n; i++)
		for (t = i; t > 0 && rows[t - 1] > rows[t]; t--) {
			lo = rows[t];
			rows[t] = rows[t - 1];
			rows[t - 1] = lo;
		}
	return n;
}

/* A param of the user's at an end of its range, where dv/dy is about
 * 1e-13, moves 1 % inside when its gradient g pulls it inwards, as
 * fit's start does (rt_to_free_start): a start at an end never moved
 * in 30 epochs, where fit moved it (a probe's).  Its y, changed or not. */
static double
off_end(const Train *T, int p, double y, double scale, double g)
{
	const Kernel *k = T->k;
	double d, v = from_y(k, p, y, scale, &d), z, zs;

	if (p >= T->nuser || g == 0)
		return y;
	z = rt_to_free(v, k->param_min(p), k->param_max(p), k->param_log(p));
	zs = rt_to_free_start(v, k->param_min(p), k->param_max(p), k->param_log(p));
	return zs != z && (zs < 0 ? g < 0 : g > 0) ? zs / scale : y;
}

/* The gradients of the batch just evaluated in free coordinates: the
 * shared params' of the mean loss, each row's own of its loss. */
static void
gradients(Train *T, const int *rows, int nb)
{
	int b, i;
	double *r;

	for (i = 0; i < T->nf; i++)
		T->gy[i] = 0;
	for (b = 0; b < nb; b++) {
		Item *I = &T->it[rows[b]];
		r = T->red + (long)b * T->w;
		for (i = 0; i < T->nf; i++)
			T->gy[i] += r[2 + i];
		for (i = 0; i < T->ni; i++)
			I->y[i] = off_end(T, T->iidx[i], I->y[i], I->scale[i], r[2 + T->nf + i]);
		item_from_y(T, I);
		for (i = 0; i < T->ni; i++)
			I->gy[i] = r[2 + T->nf + i] * I->dvdz[i];
	}
	for (i = 0; i < T->nf; i++)
		T->y[i] = off_end(T, T->idx[i], T->y[i], T->scale[i], T->gy[i]);
	shared_from_y(T);
	for (i = 0; i < T->nf; i++)
		T->gy[i] = T->gy[i] / nb * T->dvdz[i];
}

/* One Adam step of the shared params and of the batch's own ones. */
static void
step(Train *T, const int *rows, int nb)
{
	double lr = rt_lr_at(T->lr, T->step, T->steps);
	int b;

	rt_adam_set_lr(T->adam, lr);
	rt_adam_step(T->adam, T->y, T->gy, cli_clip_norm(&T->ema, T->gy, T->nf));
	shared_from_y(T);
	for (b = 0; T->ni && b < nb; b++) {
		Item *I = &T->it[rows[b]];
		rt_adam_set_lr(I->adam, lr);
		rt_adam_step(I->adam, I->y, I->gy, cli_clip_norm(&I->ema, I->gy, T->ni));
		item_from_y(T, I);
	}
	memcpy(T->last, rows, sizeof *rows * (size_t)nb);
	T->nlast = nb;
}

static void
undo(Train *T)
{
	int b;

	rt_adam_undo(T->adam, T->y);
	shared_from_y(T);
	for (b = 0; T->ni && b < T->nlast; b++) {
		Item *I = &T->it[T->last[b]];
		rt_adam_undo(I->adam, I->y);
		item_from_y(T, I);
	}
}

/* The values in force into the candidate for the best (an epoch's start),
 * and back from it or from the best. */
enum { TO_CAND, CAND_TO_BEST, FROM_BEST };

static void
keep(Train *T, int how)
{
	size_t n = sizeof(double) * (size_t)T->np, m = sizeof(double) * (size_t)T->ni;
	int r;

	if (how == TO_CAND)
		memcpy(T->cand, T->vals, n);
	else if (how == CAND_TO_BEST)
		memcpy(T->best, T->cand, n);
	else
		memcpy(T->vals, T->best, n);
	for (r = 0; T->ni && r < T->nr; r++) {
		Item *I = &T->it[r];
		if (how == TO_CAND)
			memcpy(I->cand, I->pv, m);
		else if (how == CAND_TO_BEST)
			memcpy(I->best, I->cand, m);
		else
			memcpy(I->pv, I->best, m);
	}
}

/* ---- progress ---- */

/* After epoch e (its mean loss): a bar on a terminal, else a line for
 * each of about 50 epochs, with the values the epoch started from (the
 * loss's, one batch an epoch; those the best epoch keeps).  Rank 0 only. */
static void
progress(Train *T, long e, double loss)
{
	double el = (jit_now_ms() - T->t0) / 1e3, eps = e > 0 && el > 0 ? e / el : 0;
	long every = (T->epochs + 49) / 50;
	int i, w = 20, fill = (int)(w * e / T->epochs), shown = 0, nw = 0;
	char eta[32];

	if (T->rank != 0 || (!T->tty && e % every && e != T->epochs && e != 1))
		return;
	cli_fmt_secs(eps > 0 ? (T->epochs - e) / eps : -1, eta, sizeof eta);
	if (T->tty) {
		fputs("\r\033[K[", stderr);
		for (i = 0; i < w; i++)
			fputc(i < fill ? '#' : '.', stderr);
		fprintf(stderr, "] %ld/%ld loss %.4e", e, T->epochs, loss);
	} else
		fprintf(stderr, "train: epoch %ld/%ld loss %.6e", e, T->epochs, loss);
	for (i = 0; i < T->nf; i++)
		if (T->idx[i] >= T->nuser)
			nw++;
		else if (shown < 8 && ++shown)
			fprintf(stderr, " %s=%.6g", T->k->param_name(T->idx[i]), T->cand[T->idx[i]]);
	if (T->nf - nw > shown)
		fprintf(stderr, " (+%d more)", T->nf - nw - shown);
	if (nw)
		fprintf(stderr, " (+%d weights)", nw);
	fprintf(stderr, T->tty ? " %.2f epochs/s ETA %s" : " (%.2f epochs/s, ETA %s)\n", eps, eta);
	fflush(stderr);
}

/* ---- the result ---- */

/* {"params": {...}, "nets": {...}, "items": [{"file": F, "loss": L,
 * "params": {...}}, ...], "loss": L, "epochs": N} */
static void
result_json(Buf *b, const Train *T, double loss)
{
	const Kernel *k = T->k;
	char n[40], *t = cli_params_text(k, T->vals, "params");
	int i, r;

	/* the declared params, and the nets in their shape ({} without) */
	buf_printf(b, "{%s%s, \"items\": [", t ? t : "\"params\": {}", T->nuser < T->np ? "" : ", \"nets\": {}");
	free(t);
	for (r = 0; r < T->nr; r++) {
		buf_printf(b, "%s\n  {\"file\": ", r ? "," : "");
		cli_json_str(b, T->it[r].row->file);
		buf_printf(b, ", \"loss\": %s, \"params\": {", cli_fmt(T->it[r].loss, n, sizeof n));
		for (i = 0; i < T->ni; i++)
			buf_printf(b, "%s\"%s\": %s", i ? ", " : "", k->param_name(T->iidx[i]),
			           cli_fmt(T->it[r].pv[i], n, sizeof n));
		buf_puts(b, "}}");
	}
	buf_printf(b, "%s], \"loss\": %s, \"epochs\": %ld}\n", T->nr ? "\n" : "", cli_fmt(loss, n, sizeof n),
	           T->done);
}

/* The loss of every row at the values in force, as `dpmc grad` takes it
 * (the grid a render plans); the mean, or NAN when a row failed. */
static double
final_loss(Train *T, const int *all)
{
	int stop, r;
	double sum = 0;

	if (eval_rows(T, all, T->nr, 0, 0, &stop) > 0)
		return NAN;
	for (r = 0; r < T->nr; r++)
		sum += T->it[r].loss;
	return sum / T->nr;
}

/* ---- the command ---- */

/* --params FILE: a row's own params (--per-item) start where the items
 * of a train result left them (spec/cli.md, "Datasets": -o TRAINED.json),
 * so that a training goes on from there: the k-th item whose file is a
 * row's, as the CSV writes it, sets the k-th such row's, but where the
 * CSV has a column of that param (a row's column wins). */
typedef struct Resume {
	Train *T;
	char *used;                 /* per row: an item set it */
	int unmatched;              /* items that set no row */
	char first[200];            /* the first's file */
} Resume;

static int
resume_item(void *ctx, int index, const char *file, const double *vals, const char *seen)
{
	Resume *R = ctx;
	Train *T = R->T;
	int r, i, c;

	(void)index;
	for (r = 0; r < T->d.nrows && (R->used[r] || strcmp(T->d.rows[r].file, file)); r++)
		;
	if (r == T->d.nrows) {
		if (!R->unmatched++)
			snprintf(R->first, sizeof R->first, "%s", file);
		return 0;
	}
	R->used[r] = 1;
	for (i = 0; i < T->ni; i++) {
		for (c = 0; c < T->d.ncols && T->d.cols[c] != T->iidx[i]; c++)
			;
		if (c == T->d.ncols && seen[T->iidx[i]])
			T->d.rows[r].vals[T->iidx[i]] = vals[T->iidx[i]];
	}
	return 0;
}

static int
resume_items(Train *T, Arena *a)
{
	Resume R = {T, arena_alloc(a, (size_t)T->d.nrows + 1), 0, ""};
	RtModel m;

	memset(R.used, 0, (size_t)T->d.nrows + 1);
	cli_rtmodel(T->k, &m);
	if (rt_params_items(&m, T->o->params_file, resume_item, &R, stderr, "dpmc") < 0)
		return -1;
	if (R.unmatched)
		fprintf(stderr, "dpmc: note: %d item%s of %s name%s no row of %s (%s'%s'); %s own params "
		        "are not used\n", R.unmatched, R.unmatched == 1 ? "" : "s", T->o->params_file,
		        R.unmatched == 1 ? "s" : "", T->o->data, R.unmatched == 1 ? "" : "the first: ", R.first,
		        R.unmatched == 1 ? "its" : "their");
	return 0;
}

static int
setup(Train *T, Arena *a)
{
	const Opts *o = T->o;
	const Kernel *k = T->k;
	int np = T->np, r, i, nf, ni;
	size_t dsz = sizeof(double) * (size_t)(np + 1);

	T->idx = arena_alloc(a, sizeof *T->idx * (size_t)(np + 1));
	T->iidx = arena_alloc(a, sizeof *T->iidx * (size_t)(np + 1));
	if ((nf = T->nf = cli_fit_names(o, k, T->idx)) < 0 || (ni = T->ni = item_names(T)) < 0)
		return -1;
	T->need = arena_alloc(a, sizeof *T->need * (size_t)(nf + ni + 1));
	memcpy(T->need, T->idx, sizeof *T->need * (size_t)nf);
	memcpy(T->need + nf, T->iidx, sizeof *T->need * (size_t)ni);
	if (cli_data_read(&T->d, o, T->j, a) < 0)
		return -1;
	/* a column sets a param per row: not one shared by the rows */
	for (i = 0; i < T->d.ncols; i++)
		for (r = 0; r < nf; r++)
			if (T->d.cols[i] == T->idx[r]) {
				cli_data_col_error(&T->d, i, "'%s' is set by the CSV for each row and trained as a param "
				                   "shared by every row (--fit); remove it from one or the other%s",
				                   k->param_name(T->idx[r]), "");
				return -1;
			}
	T->nr = T->d.nrows;
	if (ni && o->params_file && resume_items(T, a) < 0)
		return -1;
	T->batch = o->batch > 0 && o->batch < T->nr ? (int)o->batch : T->nr;
	T->nbatch = (T->nr + T->batch - 1) / T->batch;
	T->epochs = o->epochs > 0 ? o->epochs : 100;
	T->steps = T->epochs * T->nbatch;
	T->lr = o->lr > 0 ? o->lr : 0.01;
	T->w = 2 + nf + ni;
	/* (the last pass takes every row at once) */
	T->red = arena_alloc(a, sizeof(double) * ((size_t)T->nr * (size_t)T->w + 1));
	T->perm = arena_alloc(a, sizeof(int) * (size_t)(T->nr + 1));
	T->last = arena_alloc(a, sizeof(int) * (size_t)(T->nr + 1));
	T->mine = arena_alloc(a, sizeof(int) * (size_t)(T->nr + 1));
	T->vals = arena_alloc(a, dsz);
	T->cand = arena_alloc(a, dsz);
	T->best = arena_alloc(a, dsz);
	memcpy(T->vals, T->j->vals, dsz - sizeof(double));
	T->y = arena_alloc(a, sizeof(double) * 4 * (size_t)(nf + 1));
	T->scale = T->y + nf + 1;
	T->dvdz = T->scale + nf + 1;
	T->gy = T->dvdz + nf + 1;
	for (i = 0; i < nf; i++)
		T->y[i] = to_y(k, T->idx[i], T->vals[T->idx[i]], T->nuser, &T->scale[i]);
	shared_from_y(T);
	/* the start is the values given, not their round trip through y */
	memcpy(T->vals, T->j->vals, dsz - sizeof(double));
	if (!(T->adam = rt_adam_new(nf, T->lr))) {
		fprintf(stderr, "dpmc: error: out of memory\n");
		return -1;
	}
	T->it = arena_alloc(a, sizeof *T->it * (size_t)T->nr);
	for (r = 0; r < T->nr; r++) {
		Item *I = &T->it[r];
		I->row = &T->d.rows[r];
		I->mine = r % T->size == T->rank;
		I->vals = arena_alloc(a, dsz);
		I->grad = arena_alloc(a, dsz);
		I->pv = arena_alloc(a, sizeof(double) * 7 * (size_t)(ni + 1));
		I->y = I->pv + ni + 1;
		I->scale = I->y + ni + 1;
		I->dvdz = I->scale + ni + 1;
		I->gy = I->dvdz + ni + 1;
		I->cand = I->gy + ni + 1;
		I->best = I->cand + ni + 1;
		/* the start of a row's own params: the CSV's value when it gives one */
		for (i = 0; i < ni; i++) {
			I->y[i] = to_y(k, T->iidx[i], I->row->vals[T->iidx[i]], T->nuser, &I->scale[i]);
			I->pv[i] = from_y(k, T->iidx[i], I->y[i], I->scale[i], &I->dvdz[i]);
			I->pv[i] = I->row->vals[T->iidx[i]];
		}
		if (ni && !(I->adam = rt_adam_new(ni, T->lr))) {
			fprintf(stderr, "dpmc: error: out of memory\n");
			return -1;
		}
		if (!I->mine) {
			/* another rank renders it */
			free(T->d.rows[r].target);
			T->d.rows[r].target = NULL;
		} else {
			/* each recording from its onset (cli_align); the losses
			 * here, in one thread: rt_loss_new runs the FFTW planner */
			char where[4200];
			long d;

			int quiet = loud();

			snprintf(where, sizeof where, "%s:%d", o->data, I->row->line);
			d = cli_align(&I->row->o, T->j, I->row->target, I->row->n, I->row->nch,
			              I->row->vals, I->row->file, where);

			if (d < 0 || sim_open(&I->s, &I->row->o, T->j, I->row->target + d * I->row->nch,
			                      I->row->n - d, I->row->nch, o->loss ? o->loss : FIT_DEFAULT_LOSS) < 0) {
				unloud(quiet);
				return -1;
			}
			unloud(quiet);
			I->s.keep = !T->j->grid && !T->j->fixed_grid;
			I->s.margin = GRID_MARGIN;
			I->s.threads = 1;
			I->s.memory = cli_row_memory(o, (T->nr + T->size - 1) / T->size);
			I->s.need = T->need;
			I->s.nneed = T->nf + T->ni;
		}
	}
	return 0;
}

static void
train_free(Train *T)
{
	int r;

	for (r = 0; T->it && r < T->nr; r++) {
		sim_close(&T->it[r].s);
		rt_adam_free(T->it[r].adam);
	}
	rt_adam_free(T->adam);
	cli_data_free(&T->d);
}

/* The epochs: each a pass over the rows in batches, a step per batch.
 * The best epoch is the one with the lowest mean loss over its rows,
 * with the values it started from (exact for one batch per epoch: every
 * row is then rendered at them).  0, or -1 after an error. */
static int
epochs(Train *T, int *rows)
{
	int b, i, nb, stop = 0, halvings = 0, r;
	long e;
	double esum;

	T->best_loss = INFINITY;
	T->best_epoch = -1;
	for (e = 0; e < T->epochs; e++) {
		esum = 0;
		for (b = 0; b < T->nbatch; b++) {
			nb = batch_rows(T, e, b, rows);
			/* the grid planned afresh, finer, as the rate has decayed (fit's POLISH) */
			if (T->step == (long)(POLISH * (double)T->steps) && T->step > 0)
				for (r = 0; r < T->nr; r++)
					if (T->it[r].s.keep) {
						T->it[r].s.margin = GRID_MARGIN_END;
						T->it[r].s.replan = 1;
					}
			if (b == 0)
				keep(T, TO_CAND);
			/* a row that fails takes the last step back, retried at half the rate */
			while (eval_rows(T, rows, nb, 1, 1, &stop) > 0 && !stop) {
				if (T->step == 0) {
					if (T->rank == 0)
						fprintf(stderr, "dpmc: error: %s: the start values fail on a row (above); "
						        "change them (--set, --params) or the row\n", T->o->model);
					return -1;
				}
				undo(T);
				if (++halvings > MAXHALVE) {
					if (T->rank == 0)
						fprintf(stderr, "dpmc: training gives up at step %ld: every retry failed down to "
						        "learning rate %g; keeping the best values so far\n", T->step + 1, T->lr);
					return 0;
				}
				T->lr /= 2;
				if (T->rank == 0)
					fprintf(stderr, "dpmc: step %ld rejected; retrying with learning rate %g\n", T->step,
					        T->lr);
				T->step--;
				step(T, T->last, T->nlast);
				T->step++;
				if (b == 0)
					keep(T, TO_CAND);
			}
			if (stop)
				return 0;
			for (i = 0; i < nb; i++)
				esum += T->it[rows[i]].loss;
			gradients(T, rows, nb);
			step(T, rows, nb);
			T->step++;
		}
		T->done = e + 1;
		if (esum / T->nr < T->best_loss) {
			T->best_loss = esum / T->nr;
			T->best_epoch = e;
			keep(T, CAND_TO_BEST);
		}
		progress(T, e + 1, esum / T->nr);
	}
	return 0;
}

/* The values to write: the final ones or the best epoch's, whichever
 * has the lower loss as `dpmc grad` takes it; each row's loss in
 * I->loss.  The mean loss, or NAN when both fail on a row. */
static double
choose(Train *T, const int *all)
{
	double lf = final_loss(T, all), lb;
	int r;

	if (T->best_epoch < 0 || !(T->best_loss < lf || isnan(lf)))
		return lf;
	for (r = 0; r < T->nr; r++)
		T->it[r].floss = T->it[r].loss;
	memcpy(T->cand, T->vals, sizeof(double) * (size_t)T->np);
	for (r = 0; T->ni && r < T->nr; r++)
		memcpy(T->it[r].cand, T->it[r].pv, sizeof(double) * (size_t)T->ni);
	keep(T, FROM_BEST);
	lb = final_loss(T, all);
	if (lb < lf || (isnan(lf) && !isnan(lb)))
		return lb;
	/* the final values after all */
	memcpy(T->vals, T->cand, sizeof(double) * (size_t)T->np);
	for (r = 0; r < T->nr; r++) {
		T->it[r].loss = T->it[r].floss;
		if (T->ni)
			memcpy(T->it[r].pv, T->it[r].cand, sizeof(double) * (size_t)T->ni);
	}
	return lf;
}

/* --stats: this process's rows' totals, the grid of the first's */
static void
train_stats(const Train *T)
{
	double init = 0, run = 0, grad = 0;
	long steps = 0;
	void *m = NULL;
	int r;

	for (r = 0; r < T->nr; r++) {
		const Sim *s = &T->it[r].s;
		if (!T->it[r].mine)
			continue;
		init += s->init_ms;
		run += s->run_ms;
		grad += s->grad_ms;
		steps += s->n * s->evals;
		if (!m)
			m = s->m;
	}
	if (m)
		cli_stats(T->o, T->k, m, T->j->compile_ms, init, run, steps, grad, "");
}

int
cli_train(const Opts *o, const Job *j)
{
	Train T;
	int st = 1, ok, i, r, *rows, *all, sigs[2] = {SIGINT, SIGTERM}, handlers = 0;
	double loss;
	struct sigaction sa, old[2];
	Buf res = {0};
	char err[2048];

	memset(&T, 0, sizeof T);
	T.o = o;
	T.j = j;
	T.k = j->k;
	T.np = j->k->nparams();
	T.nuser = cli_nuser(j->k);
	T.a = arena_new();
	T.rank = mpi_rank;
	T.size = mpi_size;
	T.note = stderr;
	if (quiet_fd >= 0 && !(T.note = fdopen(quiet_fd, "w")))
		T.note = stderr;
	T.threads = o->threads > 0 ? o->threads : cli_ncpus();
	T.threads = T.threads > MAXTHREADS ? MAXTHREADS : T.threads;
	T.tty = isatty(2);
	pthread_mutex_init(&T.lock, NULL);

	/* every rank's checks, and one answer for all of them */
	ok = setup(&T, T.a) == 0;
	if (ok && T.rank == 0 && o->out && !rt_out_is_std(o->out) && rt_out_check(o->out, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		ok = 0;
	}
	if (agree(ok) < 0)
		goto out;
	rows = arena_alloc(T.a, sizeof *rows * (size_t)(T.nr + 1));
	all = arena_alloc(T.a, sizeof *all * (size_t)(T.nr + 1));
	for (r = 0; r < T.nr; r++)
		all[r] = r;

	/* from the first render on, a signal stops the training, not the program */
	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 2; i++)
		sigaction(sigs[i], &sa, &old[i]);
	handlers = 1;

	T.t0 = jit_now_ms();
	if (T.rank == 0 && !T.tty)
	{
		/* (a batch's rows are the most threads that run at once: 256
		 * threads were said for 4 rows; the processes counted) */
		int th = T.threads < T.batch ? T.threads : T.batch;
		char procs[64] = "";

		if (T.size > 1)
			snprintf(procs, sizeof procs, " in each of %d processes", T.size);
		fprintf(stderr, "train: %d row%s, %d per batch, %ld epoch%s, %d thread%s%s\n", T.nr,
		        T.nr == 1 ? "" : "s", T.batch, T.epochs, T.epochs == 1 ? "" : "s", th,
		        th == 1 ? "" : "s", procs);
	}
	if (epochs(&T, rows) < 0)
		goto out;
	if (T.tty && T.rank == 0)
		fputc('\n', stderr);
	/* (a signal to another process alone stopped them all: said too) */
	if ((interrupted || T.stopped) && T.rank == 0)
		fprintf(stderr, "dpmc: %s after %ld of %ld epochs; writing the best values\n",
		        interrupted == SIGTERM ? "terminated" : interrupted ? "interrupted"
		        : "stopped by a signal to another of the processes", T.done, T.epochs);
	loss = choose(&T, all);
	if (isnan(loss)) {
		if (T.rank == 0)
			fprintf(stderr, "dpmc: error: %s: the trained values fail on a row (above)\n", o->model);
		goto out;
	}
	if (T.rank == 0) {
		result_json(&res, &T, loss);
		train_stats(&T);
	}
	/* the old handlers, so that a signal in the writes clears their
	 * temporary files */
	for (i = 0; i < 2; i++)
		sigaction(sigs[i], &old[i], NULL);
	handlers = 0;
	if (T.rank == 0) {
		if (o->out && !rt_out_is_std(o->out)) {
			if (cli_write_file(o->out, res.s, err, sizeof err) != 0) {
				fprintf(stderr, "dpmc: error: %s\n", err);
				fprintf(stderr, "dpmc: the trained values were: %s", res.s);
				goto out;
			}
		} else if (fputs(res.s, stdout) == EOF || cli_flush_stdout() != 0)
			goto out;
	}
	st = 0;
out:
	for (i = 0; handlers && i < 2; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (T.note != stderr)
		fclose(T.note);
	buf_free(&res);
	train_free(&T);
	arena_free(T.a);
	pthread_mutex_destroy(&T.lock);
	return st;
}
