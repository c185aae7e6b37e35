/* cli_fit.c — `dpmc grad` and `dpmc fit` (spec/cli.md): the loss of a
 * render against a recording, its exact gradient from the adjoint the
 * generated code carries (P_forward/P_backward, scheme.h), and Adam on
 * top of it in an unconstrained space, so a fit never leaves a range.
 * A fit may run several starts (--starts) in parallel threads, each on
 * its own instance and loss, and keeps the best.
 * requires: a Kernel with the gradient functions and the values in force
 * (Job, from main.c).
 * leaves: JSON on stdout or in -o; files written whole or not at all. */
#define _GNU_SOURCE    /* sched_getaffinity */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "../runtime/rt.h"

enum { MAXHALVE = 10 };

/* The grid under a fit (no jumps from the grid, issue 9): the first one
 * is planned GRID_MARGIN coarser than the finest stable grid, and it is
 * kept while it stays stable for the new values and no coarser than
 * REGRID_COARSE times the finest.  A fit that moves f0 by a few percent
 * then runs on one grid, and its loss is one smooth function; re-planned
 * at every step, the loss jumped wherever the finest grid changed, and B
 * took up the neighbour grid's dispersion.  A coarser grid is not free:
 * its dispersion flattens the high partials, which a fit pays back in B
 * (the bass of examples/bass_fit.dpm, B = 2e-5: B comes out 5 % high on
 * a grid 4 % coarser than the finest, 13 % on one 9 % coarser).  So at
 * POLISH of the steps, where the learning rate has decayed to a sixth,
 * the grid is planned again, GRID_MARGIN_END coarser than the finest,
 * and the fit ends on about the grid a render of its values takes. */
#define REGRID_COARSE 1.08
/* (GRID_MARGIN, GRID_MARGIN_END and POLISH are in cli.h: train's too) */

/* How far (cents) the descent may take the first partial from where
 * stage 1 matched it (hold_pitch): 2 %, past the 0.5-1 % by which the
 * loss trades the first partial's pitch for the upper ones' (stage 3
 * takes that back) and well within the 8-10 % from which stage 3 finds
 * the pitch again. */
#define PITCH_HOLD 34.0
/* ... or less, where stage 1 matched the partials closer than a cent or
 * so (a closed loop; a synthetic target): HOLD_PER_CENT times its rms,
 * at least HOLD_MIN cents; the model then has the target's series, the
 * loss nothing to trade, and the first steps of Adam, an eighth of the
 * range of a log f0 each at the peak rate, jumped out of the audio
 * loss's narrow valley (the README's string: stage 1 at 221.994 Hz for
 * 222, 0.05 cents rms; step 10 at 226.4 Hz, the loss 90 times
 * higher).  There each param that moves the first partial moves it at
 * most HOLD_STEP of the hold a step.  The double-bass notes match at
 * 1.6-12 cents: their hold stays PITCH_HOLD. */
#define HOLD_PER_CENT 30.0
#define HOLD_MIN 3.0
#define HOLD_STEP 0.25

static double
pitch_hold(double rms)
{
	return rms < 0 ? PITCH_HOLD : fmin(PITCH_HOLD, fmax(HOLD_MIN, HOLD_PER_CENT * rms));
}

/* Whether name is a loss of runtime/loss.c's table; choices gets the
 * names as "a, b or c" for a message. */
int
cli_loss_known(const char *name, char *choices, int n)
{
	int i, known = 0, len = 0;
	const char *s;

	choices[0] = 0;
	for (i = 0; (s = rt_loss_name(i)); i++) {
		known |= !strcmp(s, name);
		if (len < n)
			len += snprintf(choices + len, (size_t)(n - len), "%s%s",
			                !i ? "" : rt_loss_name(i + 1) ? ", " : " or ", s);
	}
	return known;
}

/* Does the command's loss ignore the render's level (the default: grad's
 * mse, fit's and train's FIT_DEFAULT_LOSS)?  Against a silent recording
 * such a loss is 0 whatever the render: no fit. */
int
cli_level_free(const Opts *o)
{
	const char *name = o->loss ? o->loss : strcmp(o->cmd, "grad") ? FIT_DEFAULT_LOSS : "mse";
	int i;

	for (i = 0; rt_loss_name(i); i++)
		if (!strcmp(rt_loss_name(i), name))
			return rt_loss_invariant(i);
	return 0;
}

static int
too_loud(const double *x, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (fabs(x[i]) > 1e150)
			return 1;
	return 0;
}

/* The recording, checked against the model: the samples (malloc'd), or
 * NULL after an error message. */
static double *
target_read(const Opts *o, const Job *j, long *n, int *nch)
{
	int rate, nout = j->k->noutputs();
	double *t;
	char err[2048];

	if (nout < 1) {
		fprintf(stderr, "dpmc: error: %s has no output to compare with '%s'; add a line like 'output out = u(0.5)'\n",
		        o->model, o->target);
		return NULL;
	}
	if (!(t = rt_wav_read(o->target, n, nch, &rate, err, sizeof err))) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return NULL;
	}
	if (rate != j->rate) {
		fprintf(stderr, "dpmc: error: '%s' is sampled at %d Hz but %s runs at %.0f Hz; "
		        "%s '-r %d' or resample the recording\n", o->target, rate, o->model, j->rate,
		        o->in_repl ? "start the repl again with" : "use", rate);
	} else if (*nch != nout) {
		fprintf(stderr, "dpmc: error: '%s' has %d channel%s but %s has %d output%s; "
		        "the channels must match the outputs one to one\n", o->target, *nch,
		        *nch == 1 ? "" : "s", o->model, nout, nout == 1 ? "" : "s");
	} else if (rt_silent(t, *n * *nch) && cli_level_free(o)) {
		fprintf(stderr, "dpmc: error: '%s' is silent (every sample is 0): a level-free loss has "
		        "nothing to match (its best gain is 0); check the recording\n", o->target);
	} else if (rt_constant(t, *n, *nch) && cli_level_free(o)) {
		/* a DC offset alone: each channel less its mean is 0 (it
		 * matched perfectly, loss 0; a probe's) */
		fprintf(stderr, "dpmc: error: '%s' holds one value throughout (a DC offset, %g, and no "
		        "sound): a level-free loss, which takes each channel less its mean, has nothing to "
		        "match; check the recording\n", o->target, t[0]);
	} else if (too_loud(t, *n * *nch)) {
		/* its squares overflow: the loss would be infinite, and said as a
		 * simulation that blew up */
		fprintf(stderr, "dpmc: error: '%s' has samples beyond 1e150, too large for any loss "
		        "(their squares overflow); scale the recording\n", o->target);
	} else {
		/* one channel with no sound of several: a level-free loss
		 * matches nothing there (its gain 0) and follows the others
		 * alone, silently (a probe's) */
		long q, c;
		for (c = 0; c < *nch && *nch > 1 && cli_level_free(o); c++) {
			for (q = 1; q < *n && t[q * *nch + c] == t[c]; q++)
				;
			if (q == *n)
				fprintf(stderr, "%s: warning: channel %ld of '%s' holds one value throughout (no "
				        "sound): the level-free loss matches nothing in output %ld and fits the "
				        "others alone\n", o->cmd ? o->cmd : "dpmc", c + 1, o->target, c + 1);
		}
		return t;
	}
	free(t);
	return NULL;
}

/* The first frame of y (n frames of nch) at ONSET of its peak, or -1
 * when y is silent */
#define ONSET 0.01
static long
onset(const double *y, long n, int nch)
{
	double peak = 0;
	long i;

	for (i = 0; i < n * nch; i++)
		peak = fmax(peak, fabs(y[i]));
	if (!(peak > 0))
		return -1;
	for (i = 0; fabs(y[i]) < ONSET * peak; i++)
		;
	return i / nch;
}

/* Where to fit the recording from (frames): a note recorded with silence
 * before it (a real take) starts later than the model's render, whose
 * excitation is at t = 0, and the audio losses then compare the attack
 * with silence (a C2 pizzicato padded with 0.15 s: sispec 0.36 -> 0.70
 * after the same fit).  Both onsets where they first reach ONSET (40 dB
 * under) of their peaks, the render's at vals; when the recording's is
 * 10 ms or more later, the fit skips the difference, keeping at least
 * 0.1 s of the recording.  A recording with noise over ONSET has its onset
 * at 0.  0 with --no-align, a silent render or a recording no later
 * than it; -1 after an error message. */
long
cli_align(const Opts *o, const Job *j, const double *target, long n, int nch, const double *vals,
          const char *what, const char *where)
{
	long t0, r0, d;
	Sim s;

	if (o->no_align || (t0 = onset(target, n, nch)) < 0)
		return 0;
	if (sim_open(&s, o, j, target, n, nch, "mse") < 0) {
		sim_close(&s);
		return -1;
	}
	if (sim_set(&s, vals) < 0) {
		char when[1200];
		snprintf(when, sizeof when, "against '%s'%s%s%s at the start values", what, where ? " (" : "",
		         where ? where : "", where ? ")" : "");
		cli_model_error(o->model, s.err, when);
		sim_close(&s);
		return -1;
	}
	s.k->reset(s.m);
	s.k->run(s.m, n, s.y);
	r0 = onset(s.y, n, nch);
	sim_close(&s);
	/* a silent start has no gradient (a level-free loss's is 0, mse's
	 * moves nothing that makes the sound): the fit, or the row, stayed
	 * where it began, unsaid (a row at vel = 0; a probe's) */
	if (r0 < 0)
		fprintf(stderr, "%s: warning: the render against '%s'%s%s%s is silent at the start values "
		        "(every sample 0): no gradient moves them from there; start from values that "
		        "sound (an excitation of height 0?)\n", o->cmd, what, where ? " (" : "",
		        where ? where : "", where ? ")" : "");
	d = r0 < 0 ? 0 : t0 - r0;
	if (d < 0.01 * j->rate)
		return 0;
	/* silence over half the take was kept whole, unsaid (a note after
	 * 0.6 s of a 1 s file was fitted against its silence; a probe's):
	 * from the onset while 0.1 s of it is left, else said */
	if (n - d < 0.1 * j->rate) {
		fprintf(stderr, "%s: %s starts %.1f ms after the model's render, %.1f ms before its end: too "
		        "little to fit from its onset, so used from its first sample (trim the silence before "
		        "the note, or record more of it)\n", o->cmd, what, 1e3 * (double)d / j->rate,
		        1e3 * (double)(n - d) / j->rate);
		return 0;
	}
	fprintf(stderr, "%s: %s starts %.1f ms after the model's render: used from its onset "
	        "(--no-align: from its first sample)\n", o->cmd, what, 1e3 * (double)d / j->rate);
	return d;
}

void
sim_close(Sim *s)
{
	if (s->m)
		s->k->destroy(s->m);
	s->m = NULL;
	rt_loss_free(s->loss);
	s->loss = NULL;
	free(s->y);
	free(s->dldy);
	s->y = s->dldy = NULL;
}

/* A Sim for the target (n frames of nch channels) with the loss named
 * `loss`; 0, or -1 after an error message.  It calls the FFTW planner
 * (rt_loss_new): one thread only. */
int
sim_open(Sim *s, const Opts *o, const Job *j, const double *target, long n, int nch,
         const char *loss)
{
	size_t len = sizeof(double) * (size_t)n * (size_t)nch;

	memset(s, 0, sizeof *s);
	s->o = o;
	s->j = j;
	s->k = j->k;
	s->target = target;
	s->n = n;
	s->nch = nch;
	s->memory = o->memory_mb * 1e6;
	s->y = mem_try_malloc(len);
	s->dldy = mem_try_malloc(len);
	if (!s->y || !s->dldy) {
		fprintf(stderr, "dpmc: error: out of memory for %ld samples of '%s'\n", n * nch, o->target);
		return -1;
	}
	if (!(s->loss = rt_loss_new(loss, n, nch, j->rate, s->err, sizeof s->err))) {
		fprintf(stderr, "dpmc: error: %s\n", s->err);
		return -1;
	}
	return 0;
}

static int
same_grid(const int *a, const int *b, int nd)
{
	return a[0] == b[0] && (nd < 2 || a[1] == b[1]);
}

/* Put the instance at vals.  Without s->keep, on the grid P_plan_for
 * picks for them (or the forced one), as render does.  With it, the
 * first grid is that one too; then the current grid stays while the
 * values are stable on it over the target's span and it is at most
 * REGRID_COARSE times coarser than it need be; else the new grid is the
 * finest stable one made s->margin coarser.
 * The same grid keeps the instance (P_set_params); another one, or values
 * set_params refuses, re-create it, so a param can go anywhere in its
 * range however the stability bound moves the grid.
 * 0, or -1 with a message in s->err. */

/* --checkpoints N keeps a pair of states every N steps and N steps of
 * states at once (all of them for 1), which --memory does not bound (it
 * bounds the default's): said when that passes the budget, an error when
 * --memory was given too (a 2 s membrane's --checkpoints 1 grew to 13.5
 * GB, silently; a probe's) */
static double
ck_need(long e, long n, double sb)
{
	return e <= 1 || e >= n ? (double)(n + 2) * sb : (2.0 * (double)((n + e - 1) / e) + (double)(e + 2)) * sb;
}

static int
ck_check(Sim *s, const int *g, int nd)
{
	const long e = s->o->checkpoints, n = s->n;
	double sb = 8.0 * (g[0] + 1) * (nd == 2 ? g[1] + 1 : 1), need, budget;
	long best;

	if (e <= 0 || s->ck_said)
		return 0;
	s->ck_said = 1;
	need = ck_need(e, n, sb);
	budget = s->o->memory_mb > 0 ? s->o->memory_mb * 1e6 : 160e6;
	if (need <= budget)
		return 0;
	/* the N that takes the least: 2 n / N + N least at sqrt(2 n) */
	best = (long)floor(sqrt(2.0 * (double)n) + 0.5);
	best = best < 2 ? 2 : best;
	if (s->o->memory_mb > 0) {
		if (ck_need(best, n, sb) <= budget)
			snprintf(s->err, sizeof s->err, "--checkpoints %ld keeps about %.3g MB of states, over "
			         "--memory %g: %ld takes the least (%.3g MB), or leave --checkpoints out (the "
			         "default plans within --memory)", e, need / 1e6, s->o->memory_mb, best,
			         ck_need(best, n, sb) / 1e6);
		else
			snprintf(s->err, sizeof s->err, "--checkpoints %ld keeps about %.3g MB of states, over "
			         "--memory %g, which no N meets (%ld takes the least, %.3g MB): raise --memory, "
			         "or leave --checkpoints out (the default takes the least it can)", e, need / 1e6,
			         s->o->memory_mb, best, ck_need(best, n, sb) / 1e6);
		return -1;
	}
	fprintf(stderr, "dpmc: warning: --checkpoints %ld keeps about %.3g MB of states (the default "
	        "checkpoints plan within --memory, 160 MB)\n", e, need / 1e6);
	return 0;
}

static int
set_once(Sim *s, const double *vals)
{
	const Kernel *k = s->k;
	int g[2] = {0, 0}, cur[2] = {0, 0}, gm[2], fine[2], d, nd = k->ndim(), fresh = s->replan;
	int held = 0;      /* the instance in force takes vals, on a grid coarser than wanted */
	double h[2], rate = s->j->rate, span = (double)s->n / rate;
	void *m;
	char e[512];

	s->err[0] = 0;
	s->replan = 0;
	if (s->m)
		k->grid(s->m, cur, h);
	if (s->m && s->keep && !fresh && k->plan_for(vals, rate, span, cur, g, h, e, sizeof e) == 0
	    && k->set_params(s->m, vals, e, sizeof e) == 0) {
		if (k->stability(s->m) <= REGRID_COARSE)
			return 0;
		held = 1;
	}
	if (k->plan_for(vals, rate, span, s->j->grid, g, h, s->err, sizeof s->err) != 0)
		return held ? 0 : -1;
	memcpy(fine, g, sizeof fine);
	/* the first grid is the finest, the one a render of these values
	 * takes (a stiff string 4 % coarser, 79 intervals for 82, moved the
	 * loss's best point: a closed loop's s0 ended 42 % off); a grid the
	 * values forced (they left the one in force) is made s->margin
	 * coarser, so that the next steps keep it */
	if (s->keep && s->m) {
		/* the intervals the margin takes off, rounded: 0.5 % of 22 is
		 * none, where floor(22 / 1.005) took one, 4.5 % (a marimba bar's
		 * modes moved off the render's, and its fit with them) */
		for (d = 0; d < 2; d++)
			gm[d] = d < nd ? g[d] - (int)floor(g[d] * s->margin / (1 + s->margin) + 0.5) : 0;
		if (gm[0] > 0 && (nd < 2 || gm[1] > 0)
		    && k->plan_for(vals, rate, span, gm, gm, h, e, sizeof e) == 0)
			memcpy(g, gm, sizeof g);
	}
	if (s->m && same_grid(cur, g, nd) && k->set_params(s->m, vals, s->err, sizeof s->err) == 0)
		return 0;
	m = k->create(vals, rate, g, s->err, sizeof s->err);
	/* the coarser grid may refuse what the finest takes (a bow's force
	 * has a bound that falls with h): then the finest; and where neither
	 * does, the grid in force, which took these values (a bowed fit gave
	 * up: no step, however short, could leave a point the new grid
	 * refused) */
	if (!m && !same_grid(g, fine, nd))
		m = k->create(vals, rate, fine, s->err, sizeof s->err);
	if (!m && held)
		return 0;
	if (!m)
		return -1;
	if (s->m) {
		k->destroy(s->m);
		if (!fresh)    /* a grid the fit asked for (its last 30 %) is no regrid */
			s->regrids++;
	}
	s->m = m;
	if (ck_check(s, g, nd) < 0)
		return -1;
	k->set_checkpoints(s->m, s->o->checkpoints);
	k->set_memory(s->m, s->memory);
	k->set_threads(s->m, s->threads);
	return 0;
}

const Kernel *
cli_replan(const Job *j, const double *vals, const char *why, char *err, int errsz)
{
	if (!j->replan || !strstr(why, REPLAN_MARK))
		return NULL;
	return j->replan(j->replan_ctx, vals, err, errsz);
}

/* set_once, its planning and making in init_ms (a plate whose
 * coefficients vary in x, y and t planned for 7 s that --stats did not
 * show) */
static int
set_timed(Sim *s, const double *vals)
{
	double t = jit_now_ms();
	int st = set_once(s, vals);

	s->init_ms += jit_now_ms() - t;
	return st;
}

/* set_once, and when a chain's grid (compiled into the kernel) is too
 * fine for vals, set_once again on the model compiled for them */
int
sim_set(Sim *s, const double *vals)
{
	const Kernel *k;
	char e[sizeof s->err];

	if (set_timed(s, vals) == 0)
		return 0;
	if (!(k = cli_replan(s->j, vals, s->err, e, sizeof e))) {
		if (e[0] && s->j->replan && strstr(s->err, REPLAN_MARK))
			snprintf(s->err, sizeof s->err, "%s", e);
		return -1;
	}
	if (s->m)
		s->k->destroy(s->m);
	s->m = NULL;
	s->k = k;
	s->replan = 1;
	s->regrids++;
	return set_timed(s, vals);
}

/* Stage 3 on the best values (cli_fit_pitch): the partials put the
 * first back where a listener hears it, for a little of the audio loss;
 * where that costs more than STAGE3_RISE times the loss (a decay time
 * that moved the partials through the grid it planned: a probe's 0.023
 * became 0.16), the values before it stay.  1 when it moved them, else
 * 0, or -1 (the message said). */
#define STAGE3_RISE 1.25
static int
stage3(const Opts *o, const Job *j, const int *pidx, int npitch, Sim *s, double *best)
{
	int np = j->k->nparams();
	double *was = mem_alloc(sizeof *was * (size_t)(np + 1)), l0, l1;
	int ok0 = sim_loss(s, best, &l0) == 0, moved;

	memcpy(was, best, sizeof *was * (size_t)np);
	if (cli_fit_pitch(o, j, pidx, npitch, s->target, s->n, s->nch, best, 3, NULL, NULL, NULL) < 0) {
		mem_free(was);
		return -1;
	}
	if (ok0 && memcmp(was, best, sizeof *was * (size_t)np) != 0
	    && (sim_loss(s, best, &l1) != 0 || !(l1 <= STAGE3_RISE * l0))) {
		fprintf(stderr, "partials (stage 3): not taken: the loss would go from %g to %g; "
		        "the values before it stay\n", l0, l1);
		memcpy(best, was, sizeof *was * (size_t)np);
	}
	moved = memcmp(was, best, sizeof *was * (size_t)np) != 0;
	mem_free(was);
	return moved;
}

/* -1 with why the loss is not finite: a bow's failed solve says where
 * and when (pressed too hard as its force grew), else the simulation
 * blew up */
static int
blew_up(Sim *s)
{
	if ((!s->k->solve_error || !s->k->solve_error(s->m, s->err, sizeof s->err))
	    && !cli_time_error(s->k, s->m, s->y, s->n * s->nch, s->nch, s->err, sizeof s->err))
		snprintf(s->err, sizeof s->err, "the loss is not finite: the simulation blew up");
	return -1;
}

/* The loss of the instance against the target and dL/dparam for every
 * param; 0, or -1 with a message in s->err when the loss or the
 * gradient of a param in s->need (every param without it) is not
 * finite: sqrt(a) at a = 0 has an infinite derivative, which does not
 * stop a fit of the other params. */
int
sim_eval(Sim *s, double *loss, double *grad)
{
	int i, np = s->k->nparams();
	double t;

	t = jit_now_ms();
	if (s->k->forward(s->m, s->n, s->y, s->err, sizeof s->err) != 0)
		return -1;
	s->run_ms += jit_now_ms() - t;
	*loss = rt_loss_eval(s->loss, s->y, s->target, s->dldy);
	if (!isfinite(*loss))
		return blew_up(s);
	t = jit_now_ms();
	if (s->k->backward(s->m, s->dldy, grad, s->err, sizeof s->err) != 0)
		return -1;
	s->grad_ms += jit_now_ms() - t;
	s->evals++;
	for (i = 0; i < (s->need ? s->nneed : np); i++) {
		int p = s->need ? s->need[i] : i;

		if (!isfinite(grad[p])) {
			snprintf(s->err, sizeof s->err, "the gradient with respect to '%s' is not finite: the "
			         "slope of the loss is infinite or undefined at that value; start it off that "
			         "value (--set) or do not fit it", s->k->param_name(p));
			return -1;
		}
	}
	return 0;
}

/* extra: more of --stats' JSON (", \"NAME\": VALUE..."), or "" */
static void
sim_stats(const Sim *s, const char *extra)
{
	if (s->m)
		cli_stats(s->o, s->k, s->m, s->j->compile_ms, s->init_ms, s->run_ms,
		          s->n * (s->evals ? s->evals : 1), s->grad_ms, extra);
}

/* The checkpoint memory each of n rows' instances may keep (bytes; 0:
 * the model's own default): every row keeps its instance, and with it
 * what its last gradient stored, so the budget (--memory, else 160 MB)
 * is shared among them once its default share, up to 16 MB of a
 * trajectory stored whole, would pass it (train over 180 rows of 0.3 s
 * held 1.3 GB; a probe's).  The gradients are the same bits whatever
 * the plan. */
double
cli_row_memory(const Opts *o, long n)
{
	double total = (o->memory_mb > 0 ? o->memory_mb : 160) * 1e6;

	if (n < 1 || (o->memory_mb <= 0 && 16e6 * (double)n <= total))
		return o->memory_mb * 1e6;
	return total / (double)n;
}

/* an empty list of params: Sim.need when none must have a finite gradient */
static const int no_params[1];

int
cli_grad(const Opts *o, const Job *j)
{
	const Kernel *k = j->k;
	int np = k->nparams(), st = 1, nch, i;
	double loss, *grad = mem_try_calloc((size_t)np + 1, sizeof *grad), *target;
	char b[40];
	long n, d;
	Sim s;

	memset(&s, 0, sizeof s);
	if (!grad) {
		fprintf(stderr, "dpmc: error: out of memory\n");
		return 1;
	}
	if (!(target = target_read(o, j, &n, &nch)))
		goto out;
	/* mse and mrstft keep cli.md's meaning, from the first sample (the
	 * mean of (y - target)^2: a target whose attack is later was
	 * trimmed, and the gradient of an onset param was lost; a probe's);
	 * the fit's level-free losses, or any with --align, from the
	 * recording's onset, as fit reads it, so that the loss fit writes is
	 * the one grad gives (a recording after 0.5 s of silence: fit wrote
	 * 0.00074, grad said 0.227) */
	d = 0;
	if ((o->align || (o->loss && strcmp(o->loss, "mse") && strcmp(o->loss, "mrstft")))
	    && (d = cli_align(o, j, target, n, nch, j->vals, o->target, NULL)) < 0)
		goto out;
	if (sim_open(&s, o, j, target + d * nch, n - d, nch, o->loss ? o->loss : "mse") < 0)
		goto out;
	if (sim_set(&s, j->vals) < 0) {
		cli_model_error(o->model, s.err[0] ? s.err : "cannot create the model", NULL);
		goto out;
	}
	s.need = no_params;         /* each is printed, null when not finite */
	s.nneed = 0;
	if (sim_eval(&s, &loss, grad) < 0) {
		fprintf(stderr, "dpmc: error: %s against '%s': %s\n", o->model, o->target, s.err);
		if (strstr(s.err, "blew up"))
			cli_note_blowup(k, s.m, j->in_time);
		goto out;
	}
	/* the declared params' under "grad", the nets' weights in their shape */
	printf("{\"loss\": %s, ", cli_fmt(loss, b, sizeof b));
	cli_params_print(stdout, k, grad, "grad");
	printf("}\n");
	st = cli_flush_stdout() == 0 ? 0 : 1;
	for (i = 0; i < np; i++)
		if (!isfinite(grad[i]))
			fprintf(stderr, "dpmc: warning: %s: the gradient with respect to '%s' is not finite "
			        "(null): the slope of the loss is infinite or undefined at that value; move it off "
			        "that value (--set) or do not fit it\n", o->model, k->param_name(i));
	sim_stats(&s, "");
out:
	sim_close(&s);
	free(target);
	free(grad);
	return st;
}

/* Ctrl-C or SIGTERM: the flag is read between iterations, so the fit
 * stops after the render under way and writes its best; a second signal
 * (a fit stuck in one long render) clears the temporary files and
 * dies. */
static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	if (interrupted)
		rt_tmp_die(sig);
	interrupted = sig;
}

int
cli_fit_interrupted(void)
{
	return interrupted != 0;
}

/* Is name one of the comma-separated names of list? */
static int
listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; p; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/* "const", "let" or "fn" when the model file at path declares name so
 * (a line `const rho = ...`), else NULL: what fits cannot move */
static const char *
decl_kind(const char *path, const char *name)
{
	static const char *const kinds[] = {"const", "let", "fn"};
	char line[4096];
	const char *c, *kind = NULL;
	size_t n = strlen(name), k;
	struct stat st;
	FILE *f;
	int i;

	/* a regular file only: a FIFO read again would wait for ever */
	if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fopen(path, "r")))
		return NULL;
	while (!kind && fgets(line, sizeof line, f))
		for (i = 0; i < 3 && !kind; i++) {
			for (c = line; *c == ' ' || *c == '\t'; c++)
				;
			k = strlen(kinds[i]);
			if (strncmp(c, kinds[i], k) || (c[k] != ' ' && c[k] != '\t'))
				continue;
			for (c += k; *c == ' ' || *c == '\t'; c++)
				;
			if (!strncmp(c, name, n) && !(isalnum((unsigned char)c[n]) || c[n] == '_'))
				kind = kinds[i];
		}
	fclose(f);
	return kind;
}

/* The indices of the names of list (the option opt's: --fit, --spread)
 * into idx (room for every param); their count, or -1 after an error. */
static int
names_in(const char *list, const char *opt, const char *model, const Kernel *k, int *idx)
{
	const char *p = list, *e, **names, *best;
	int np = k->nparams(), n = 0, i, t, first, nw;
	char *name;

	names = mem_alloc(sizeof *names * (size_t)(np + 1));
	name = mem_alloc(strlen(list) + 1);
	for (i = 0; i < np; i++)
		names[i] = k->param_name(i);
	for (;;) {
		e = strchr(p, ',');
		t = e ? (int)(e - p) : (int)strlen(p);
		if (t == 0) {
			fprintf(stderr, "dpmc: error: %s %s: expected NAME[,NAME...], the params to fit\n", opt, list);
			goto bad;
		}
		memcpy(name, p, (size_t)t);
		name[t] = 0;
		for (i = 0; i < np && strcmp(names[i], name); i++)
			;
		if (i == np && cli_net_find(k, name, &first, &nw) >= 0) {
			/* a net: all its weights (named before: the net twice, when
			 * its first weight came with it and was not named alone) */
			for (t = 0; t < n; t++)
				if (idx[t] >= first && idx[t] < first + nw) {
					if (idx[t] == first && t + nw <= n && idx[t + nw - 1] == first + nw - 1
					    && !listed(list, names[first]))
						fprintf(stderr, "dpmc: error: %s names '%s' twice\n", opt, name);
					else
						fprintf(stderr, "dpmc: error: %s names net '%s' and its weight '%s'; "
						        "name one or the other\n", opt, name, names[idx[t]]);
					goto bad;
				}
			for (t = 0; t < nw; t++)
				idx[n++] = first + t;
			if (!e)
				break;
			p = e + 1;
			continue;
		}
		if (i == np) {
			const char *kind = decl_kind(model, name);
			best = closest_name(name, names, np);
			if (kind)    /* a probe's rho: "did you mean 'tlo'?" */
				fprintf(stderr, "dpmc: error: %s: '%s' is a %s of %s, not a param; to fit it, declare "
				        "it `param %s = VALUE in [LO, HI]`\n", opt, name, kind, model, name);
			else
				fprintf(stderr, "dpmc: error: %s: %s has no param '%.80s'%s%s%s\n", opt, model, name,
				        best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
			goto bad;
		}
		for (t = 0; t < n; t++)
			if (idx[t] == i) {
				const char *nm;
				int q;
				for (q = 0; k->net && k->net(q, &nm, NULL, NULL, NULL, NULL) == 0; q++)
					if (cli_net_find(k, nm, &first, &nw) >= 0 && i >= first && i < first + nw
					    && listed(list, nm)) {
						fprintf(stderr, "dpmc: error: %s names net '%s' and its weight '%s'; "
						        "name one or the other\n", opt, nm, name);
						goto bad;
					}
				fprintf(stderr, "dpmc: error: %s names '%s' twice\n", opt, name);
				goto bad;
			}
		idx[n++] = i;
		if (!e)
			break;
		p = e + 1;
	}
	mem_free(names);
	mem_free(name);
	return n;
bad:
	mem_free(names);
	mem_free(name);
	return -1;
}

static int
fit_names(const Opts *o, const Kernel *k, int *idx)
{
	return names_in(o->fit, o->in_repl ? "fit" : "--fit", o->model, k, idx);
}

/* Before the fit: every file it will write can be written, and at most
 * one of them is stdout (the JSON is, without -o).  0, or -1 after an
 * error message. */
static int
check_outputs(const Opts *o, const Kernel *k)
{
	const char *std[3];
	char err[2048];
	int n = 0;

	if (!o->out || rt_out_is_std(o->out))
		std[n++] = o->out ? "-o" : "the result (no -o)";
	if (o->render && rt_out_is_std(o->render))
		std[n++] = "--render";
	if (o->loss_curve && rt_out_is_std(o->loss_curve))
		std[n++] = "--loss-curve";
	if (n > 1) {
		fprintf(stderr, "dpmc: error: %s and %s both go to standard output; give one of them a file\n",
		        std[0], std[1]);
		return -1;
	}
	if ((o->out && rt_out_check(o->out, err, sizeof err) != 0)
	    || (o->loss_curve && rt_out_check(o->loss_curve, err, sizeof err) != 0)
	    || (o->render && rt_wav_check(o->render, k->noutputs(), 0, err, sizeof err) != 0)) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return -1;
	}
	return 0;
}

/* --starts N with nothing to spread them over: said (with --spread none
 * the starts would all be one; it was told to give --spread, given) */
static void
no_spread(const Opts *o, int n)
{
	if (o->spread && !strcmp(o->spread, "none"))
		fprintf(stderr, "dpmc: error: --starts %d with --spread none: every start would be the same; "
		        "name the params to spread them over (--spread NAME,...) or leave --starts out\n", n);
	else
		fprintf(stderr, "dpmc: error: --starts %d: no fitted param to spread the starts over "
		        "(a fitted param that is not `log` and has a range, or --spread NAMES)\n", n);
}

/* --spread: the indices of the params whose starts are spread (room for
 * every param); the default is every fitted param that is not `log` and
 * has a finite range (pluck and pickup points, ...).  Their count, or -1
 * after an error. */
static int
spread_names(const Opts *o, const Kernel *k, const int *idx, int nf, int *sp)
{
	int n = 0, i, t;

	if (!o->spread) {
		/* not the nets' weights: their range is only a guard */
		for (i = 0; i < nf; i++)
			if (!k->param_log(idx[i]) && isfinite(k->param_min(idx[i])) && isfinite(k->param_max(idx[i]))
			    && idx[i] < cli_nuser(k))
				sp[n++] = idx[i];
		return n;
	}
	if (!strcmp(o->spread, "none"))
		return 0;
	if ((n = names_in(o->spread, "--spread", o->model, k, sp)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		for (t = 0; t < nf && idx[t] != sp[i]; t++)
			;
		if (t == nf) {
			fprintf(stderr, "dpmc: error: --spread names '%s', which --fit does not fit\n",
			        k->param_name(sp[i]));
			return -1;
		}
		if (!isfinite(k->param_min(sp[i])) || !isfinite(k->param_max(sp[i]))
		    || (k->param_log(sp[i]) && !(k->param_min(sp[i]) > 0))) {
			fprintf(stderr, "dpmc: error: --spread: '%s' has no finite range to spread the starts over\n",
			        k->param_name(sp[i]));
			return -1;
		}
	}
	return n;
}

/* The radical inverse of i in base b: the i-th point of the Halton
 * sequence, in (0, 1) for i >= 1. */
static double
halton(long i, int b)
{
	double f = 1, r = 0;

	for (; i > 0; i /= b) {
		f /= b;
		r += f * (double)(i % b);
	}
	return r;
}

/* Start i's values: the values given for start 0; for start i >= 1 the
 * d-th spread param at point i of the Halton sequence in base prime(d)
 * over its range (over log lo .. log hi for a `log` param), the others
 * as given.  Deterministic, and the points fill the box evenly whatever
 * their number. */
static void
start_values(const Kernel *k, const double *v0, int np, const int *sp, int nsp, int i, double *v)
{
	static const int primes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
	double lo, hi, u;
	int d, p;

	memcpy(v, v0, sizeof(double) * (size_t)np);
	for (d = 0; i > 0 && d < nsp; d++) {
		p = sp[d];
		lo = k->param_min(p);
		hi = k->param_max(p);
		u = halton(i, primes[d % 16]);
		v[p] = k->param_log(p) ? exp(log(lo) + (log(hi) - log(lo)) * u) : lo + (hi - lo) * u;
		v[p] = v[p] < lo ? lo : v[p] > hi ? hi : v[p];
	}
}

/* One fit from one start: its own instance and loss (Sim), its Adam, its
 * trajectory; no state shared with the other starts but the progress. */
typedef struct Start {
	Sim s;
	int i;                    /* 0: the values given */
	double *v0;               /* the start values (np) */
	double *vals, *best, *grad, *grad1;   /* np each */
	double *y, *scale, *gy, *dvdz;        /* nf each; z = scale y */
	double *y0;               /* nf: y at the start */
	double *df1;              /* nf: cents of the first partial per unit z (stage 1's; 0: no hold) */
	double loss, best_loss;
	long step;                /* steps taken */
	long held;                /* steps hold_pitch took back */
	double hold;              /* how far (cents) it lets the first partial go (pitch_hold) */
	int grid[2];              /* the grid best_loss was taken on */
	int state;                /* ST_... */
	double *hist;             /* per step: the loss and the fitted values (malloc) */
	long nhist, caphist;
	char err[2048];
} Start;

/* S's values in one block: v0, vals, best, grad, grad1 (np + 1 each),
 * y, scale, gy, dvdz, y0, df1 (nf + 1 each); v0 and vals start value
 * set i of vals (start_values), df1 0.  0, or -1 when out of memory
 * (said). */
static int
start_alloc(Start *S, const Kernel *k, const double *vals, int np, int nf, const int *sp, int nsp, int i)
{
	const size_t dsz = sizeof(double) * (size_t)(np + 1), fsz = sizeof(double) * (size_t)(nf + 1);

	if (!(S->v0 = mem_try_malloc(5 * dsz + 6 * fsz))) {
		fprintf(stderr, "dpmc: error: out of memory\n");
		return -1;
	}
	S->vals = S->v0 + (np + 1);
	S->best = S->vals + (np + 1);
	S->grad = S->best + (np + 1);
	S->grad1 = S->grad + (np + 1);
	S->y = S->grad1 + (np + 1);
	S->scale = S->y + (nf + 1);
	S->gy = S->scale + (nf + 1);
	S->dvdz = S->gy + (nf + 1);
	S->y0 = S->dvdz + (nf + 1);
	S->df1 = S->y0 + (nf + 1);
	memset(S->df1, 0, fsz);
	S->hold = PITCH_HOLD;
	start_values(k, vals, np, sp, nsp, i, S->v0);
	memcpy(S->vals, S->v0, dsz - sizeof(double));
	return 0;
}

/* WAIT: not yet evaluated; READY: evaluated, best set; then RUN, DONE,
 * or FAILED (left out) */
enum { ST_WAIT, ST_READY, ST_RUN, ST_DONE, ST_FAILED };

/* What the starts share: read only, but for the progress under lock. */
typedef struct Fit {
	const Opts *o;
	const Job *j;
	const Kernel *k;
	int np, nf, *idx;
	int nuser;                /* the declared params; the nets' weights after */
	long steps;
	double lr;
	Start *st;
	int nst, next;            /* next: the next start a worker takes */
	pthread_mutex_t lock;
	double t0;
	int tty;
	long done;                /* steps taken over all starts */
	const Data *data;         /* fit --data: start i is row i / per's fit */
	int per;                  /* fit --data: starts per row (--starts) */
} Fit;

/* The fitted values from y, with dv/dy. */
static void
from_free(const Fit *F, Start *S)
{
	const Kernel *k = F->k;
	int i, p;

	for (i = 0; i < F->nf; i++) {
		p = F->idx[i];
		S->vals[p] = rt_from_free(S->scale[i] * S->y[i], k->param_min(p), k->param_max(p), k->param_log(p),
		                          &S->dvdz[i]);
		S->dvdz[i] *= S->scale[i];
	}
}

/* One row of the loss curve: the loss and the fitted values; -1 when
 * out of memory.  Plain realloc: workers run it, and mem_* counts
 * allocations in a global. */
static int
hist_add(const Fit *F, Start *S, double loss)
{
	long w = F->nf + 1, i;
	double *h;

	if (S->nhist == S->caphist) {
		S->caphist = S->caphist ? 2 * S->caphist : 64;
		if (!(h = realloc(S->hist, sizeof *h * (size_t)(S->caphist * w))))
			return -1;
		S->hist = h;
	}
	h = S->hist + S->nhist++ * w;
	h[0] = loss;
	for (i = 0; i < F->nf; i++)
		h[i + 1] = S->vals[F->idx[i]];
	return 0;
}

/* A note for each fitted param (a declared one) that ended within 0.5 %
 * of its range (of the log of it for a `log` param) from an end, having
 * moved towards it: the range, not the recording, set that value; unless
 * it never left its start there: then the loss does not see it (an
 * output's level, which the loss divides out), and no range will help.
 * (One that moved away from the end it is near, 1 -> 3 in [0, 1000], is
 * where the loss put it.) */
static void
edge_notes(const Fit *F, const double *best, const double *start)
{
	const Kernel *k = F->k;
	int i, p;

	for (i = 0; i < F->nf; i++) {
		double lo, hi, v, t;
		p = F->idx[i];
		lo = k->param_min(p), hi = k->param_max(p), v = best[p];
		if (p >= F->nuser || !isfinite(lo) || !isfinite(hi) || !(hi > lo))
			continue;
		if (k->param_log(p) && lo > 0)
			t = (log(v) - log(lo)) / (log(hi) - log(lo));
		else
			t = (v - lo) / (hi - lo);
		if (t > 0.005 && t < 0.995)
			continue;
		if (fabs(v - start[p]) <= 1e-6 * fabs(start[p])) {
			fprintf(stderr, "fit: note: %s stayed at its start, %g, by an end of its range: the "
			        "loss does not change with it (a level, which the loss divides out, or a param "
			        "no output hears); set it with --set and leave it out of --fit\n",
			        k->param_name(p), v);
			continue;
		}
		if ((t <= 0.005 && v > start[p]) || (t >= 0.995 && v < start[p]))
			continue;
		fprintf(stderr, "fit: note: %s ended at %g, at the %s of its range [%g, %g]: the fit may "
		        "want it beyond; if that is physical, widen the range in the model\n",
		        k->param_name(p), v, t <= 0.005 ? "bottom" : "top", lo, hi);
	}
}

/* The start of from .. to - 1 with the lowest loss so far (ties: the
 * first), or NULL. */
static Start *
leader_of(const Fit *F, int from, int to)
{
	Start *b = NULL;
	int i;

	for (i = from; i < to; i++)
		if (F->st[i].state >= ST_READY && F->st[i].state <= ST_DONE
		    && (!b || F->st[i].best_loss < b->best_loss))
			b = &F->st[i];
	return b;
}

static Start *
leader(const Fit *F)
{
	return leader_of(F, 0, F->nst);
}

/* fit --data's progress, under F->lock: the steps over every row, how
 * many rows are done, the mean of their best losses; a bar on a
 * terminal, else a line about every 2 % of the steps. */
static void
progress_rows(Fit *F)
{
	long steps = F->steps * F->nst, every = steps / 50 > 10 ? steps / 50 : 10;
	double el = (jit_now_ms() - F->t0) / 1e3, its = F->done > 0 && el > 0 ? F->done / el : 0, sum = 0;
	int i, r, n = 0, fin = 0, w = 20, rows = F->nst / F->per;
	char eta[32];

	if (!F->tty && F->done % every && F->done != steps)
		return;
	/* a row is done when all its starts are; its loss its best start's */
	for (r = 0; r < rows; r++) {
		const Start *b = leader_of(F, r * F->per, (r + 1) * F->per);
		int done = 1;
		if (b) {
			sum += b->best_loss;
			n++;
		}
		for (i = r * F->per; i < (r + 1) * F->per; i++)
			done &= F->st[i].state == ST_DONE || F->st[i].state == ST_FAILED || F->st[i].step == F->steps;
		fin += done;
	}
	cli_fmt_secs(its > 0 ? (steps - F->done) / its : -1, eta, sizeof eta);
	if (F->tty) {
		fputs("\r\033[K[", stderr);
		for (i = 0; i < w; i++)
			fputc(i < (int)(w * F->done / steps) ? '#' : '.', stderr);
		fprintf(stderr, "] %ld/%ld rows done %d/%d mean best loss %.4e %.2f it/s ETA %s", F->done, steps,
		        fin, rows, n ? sum / n : NAN, its, eta);
	} else
		fprintf(stderr, "fit: step %ld/%ld over %d rows, %d done, mean best loss %.6e (%.2f it/s, ETA %s)\n",
		        F->done, steps, rows, fin, n ? sum / n : NAN, its, eta);
	fflush(stderr);
}

/* One progress report, under F->lock: on a terminal a bar redrawn in
 * place, else a plain line every 10 steps, at the first and at the last.
 * One start: its step, loss and values; several: the steps over all of
 * them, and the best loss so far with its values. */
static void
progress(Fit *F, const Start *S)
{
	const Kernel *k = F->k;
	const Start *b = F->nst > 1 ? leader(F) : S;
	long step = F->nst > 1 ? F->done : S->step, steps = F->steps * F->nst;
	double el = (jit_now_ms() - F->t0) / 1e3, its = step > 0 && el > 0 ? step / el : 0;
	double loss = F->nst > 1 ? b->best_loss : S->loss;
	const double *v = F->nst > 1 ? b->best : S->vals;
	char eta[32];
	int i, w = 20, fill = (int)(w * step / steps), nw;

	if (F->data) {
		progress_rows(F);
		return;
	}
	if (!F->tty && step % 10 && step != steps && step != 0)
		return;
	cli_fmt_secs(its > 0 ? (steps - step) / its : -1, eta, sizeof eta);
	if (F->tty) {
		fputs("\r\033[K[", stderr);
		for (i = 0; i < w; i++)
			fputc(i < fill ? '#' : '.', stderr);
		fprintf(stderr, "] %ld/%ld loss %.4e", step, steps, loss);
	} else
		fprintf(stderr, "fit: step %ld/%ld loss %.6e", step, steps, loss);
	if (F->nst > 1)
		fprintf(stderr, " (best: start %d)", b->i);
	for (i = 0, nw = 0; i < F->nf; i++)
		if (F->idx[i] < F->nuser)
			fprintf(stderr, " %s=%.6g", k->param_name(F->idx[i]), v[F->idx[i]]);
		else
			nw++;
	if (nw)
		fprintf(stderr, " (+%d weights)", nw);
	fprintf(stderr, F->tty ? " %.2f it/s ETA %s" : " (%.2f it/s, ETA %s)\n", its, eta);
	fflush(stderr);
}

/* A message from a start, on its own line even under a progress bar. */
static void
start_note(Fit *F, const Start *S, const char *msg)
{
	pthread_mutex_lock(&F->lock);
	if (F->tty)
		fputc('\n', stderr);
	if (F->data && F->per > 1)
		fprintf(stderr, "dpmc: %s:%d (%s), start %d: %s\n", F->o->data, F->data->rows[S->i / F->per].line,
		        F->data->rows[S->i / F->per].file, S->i % F->per, msg);
	else if (F->data)
		fprintf(stderr, "dpmc: %s:%d (%s): %s\n", F->o->data, F->data->rows[S->i].line,
		        F->data->rows[S->i].file, msg);
	else if (F->nst > 1)
		fprintf(stderr, "dpmc: start %d: %s\n", S->i, msg);
	else
		fprintf(stderr, "dpmc: %s\n", msg);
	pthread_mutex_unlock(&F->lock);
}

/* Clip a gradient spike against the recent scale of the gradient,
 * whatever the scale of the loss: one bad gradient (a blow-up nearly
 * caught, a re-grid) would otherwise fill Adam's second moment and stall
 * every later step for hundreds of steps.  Returns the norm to clip to
 * (0: none yet); *ema is the mean of the clipped norms. */
static double
clip_norm(double *ema, const double *g, int n)
{
	double nrm = 0, clip;
	int i;

	for (i = 0; i < n; i++)
		nrm += g[i] * g[i];
	nrm = sqrt(nrm);
	clip = *ema > 0 ? 5 * *ema : 0;
	*ema = *ema > 0 ? 0.9 * *ema + 0.1 * (nrm < clip ? nrm : clip) : nrm;
	return clip;
}

/* The pitch guard.  Against a recording, whose partials' levels the
 * fitted params may not be able to match (--fit f0 alone: the string's
 * pluck puts 0.2 of the energy in the first partial, a recorded Eb2 0.9),
 * the audio loss can fall all the way by lowering the pitch: its
 * transport term moves the mass of the upper partials down onto the
 * recording's first (spec of the double-bass Eb2 rises with f0 from 45 to
 * 90 Hz, no dip at 77.9), and the descent drags the first partial from
 * stage 1's 77.87 Hz to 50 Hz, the other fitted params following a
 * render at the wrong pitch (--fit f0,B,T60lo,T60hi ended at 57.7 Hz).
 * Stage 1 found the pitch from the partials, which do not care about
 * the levels; so a step that would move the first partial more than
 * PITCH_HOLD cents from there, as stage 1's slopes df1 predict it
 * (linear in z: exact for a `log` f0 in the middle of its range), is
 * projected back onto that bound, along the shortest way in y. */
static void
hold_pitch(const Fit *F, Start *S)
{
	double c = 0, bb = 0, over, b;
	int i;

	for (i = 0; i < F->nf; i++) {
		b = S->df1[i] * S->scale[i];
		c += b * (S->y[i] - S->y0[i]);
		bb += b * b;
	}
	over = c > S->hold ? c - S->hold : c < -S->hold ? c + S->hold : 0;
	if (over == 0 || !(bb > 0))
		return;
	for (i = 0; i < F->nf; i++)
		S->y[i] -= S->df1[i] * S->scale[i] * over / bb;
	S->held++;
}

/* A descent that left its best for a plateau goes back there: the loss
 * over STUCK_RISE times the best for STUCK_STEPS of the steps (at least
 * 10) in a row restarts Adam from the best values at half the learning
 * rate.  (A bowed string fell silent in pure stick at step 14, the loss
 * 5 times its best, flat for the 136 steps left: a probe's.) */
#define STUCK_RISE 4.0
#define STUCK_STEPS 0.1

/* "N intervals" or "NX x NY" of a grid, into b */
static const char *
grid_text(const int *g, char *b, int n)
{
	if (g[1] > 0)
		snprintf(b, (size_t)n, "%d x %d", g[0], g[1]);
	else
		snprintf(b, (size_t)n, "%d intervals", g[0]);
	return b;
}

/* S's best loss is l, taken on its grid now */
static void
set_best(Start *S, double l)
{
	double hh[2];

	S->best_loss = l;
	S->s.k->grid(S->s.m, S->grid, hh);
}

/* Evaluate a start at its values, which become its best so far
 * (READY); 0, or -1 with a message in S->err. */
static int
start_eval(Fit *F, Start *S)
{
	if (sim_set(&S->s, S->vals) == 0 && sim_eval(&S->s, &S->loss, S->grad) == 0) {
		pthread_mutex_lock(&F->lock);
		memcpy(S->best, S->vals, sizeof(double) * (size_t)F->np);
		set_best(S, S->loss);
		S->state = ST_READY;
		pthread_mutex_unlock(&F->lock);
		return 0;
	}
	snprintf(S->err, sizeof S->err, "%s", S->s.err[0] ? S->s.err : "cannot create the model");
	return -1;
}

/* how far param p moves over its range, in its own units at v (its
 * e-folds times v for a log param): dL/dv times it is the loss the range
 * can change */
static double
span(const Kernel *k, int p, double v)
{
	double lo = k->param_min(p), hi = k->param_max(p);

	if (k->param_log(p))
		return lo > 0 && isfinite(hi) ? fabs(v) * log(hi / lo) : fabs(v);
	return isfinite(lo) && isfinite(hi) ? hi - lo : fabs(v);
}

/* S back at its best values with a new Adam at half the learning rate,
 * after stuck steps over STUCK_RISE times its best; 0, or -1 after a note
 * (no memory: the fit stops there) */
static int
back_to_best(Fit *F, Start *S, RtAdam **adam, double *lr, long stuck)
{
	const Kernel *k = F->k;
	double bl;
	RtAdam *a;
	char msg[400], b[40];
	int i, p;

	if (!(a = rt_adam_new(F->nf, *lr / 2))) {
		start_note(F, S, "out of memory for a restart; stopping here");
		return -1;
	}
	rt_adam_free(*adam);
	*adam = a;
	*lr /= 2;
	for (i = 0; i < F->nf; i++) {
		p = F->idx[i];
		S->y[i] = rt_to_free(S->best[p], k->param_min(p), k->param_max(p), k->param_log(p)) / S->scale[i];
	}
	from_free(F, S);
	memcpy(S->vals, S->best, sizeof(double) * (size_t)F->np);
	if (sim_set(&S->s, S->vals) == 0 && sim_eval(&S->s, &bl, S->grad) == 0)
		S->loss = bl;
	snprintf(msg, sizeof msg, "step %ld: the loss stayed over %g times its best (%g) for %ld steps; "
	         "back to the best values, learning rate %s", S->step, STUCK_RISE, S->best_loss, stuck,
	         cli_fmt(*lr, b, sizeof b));
	start_note(F, S, msg);
	return 0;
}

/* The params of a refused step (at yn, from yo) whose move alone the
 * model refuses, as its values' checks do (a loss term below 0, a bow
 * pressed too hard): marked in blocked; their number, 0 when none is
 * refused alone (then the step is retried shorter), or when all that
 * moved are.  S is left at yo's values. */
static int
barrier(const Fit *F, Start *S, const double *yo, const double *yn, unsigned char *blocked)
{
	int i, n = 0, moved = 0;
	char why[sizeof S->s.err];

	memcpy(why, S->s.err, sizeof why);    /* the refusal's, for the message */
	for (i = 0; i < F->nf; i++) {
		blocked[i] = 0;
		if (yn[i] == yo[i])
			continue;
		moved++;
		memcpy(S->y, yo, sizeof *yo * (size_t)F->nf);
		S->y[i] = yn[i];
		from_free(F, S);
		if (sim_set(&S->s, S->vals) != 0)
			n += blocked[i] = 1;
	}
	memcpy(S->y, yo, sizeof *yo * (size_t)F->nf);
	from_free(F, S);
	memcpy(S->s.err, why, sizeof why);
	return n < moved ? n : 0;
}

/* The fit from one start: Adam on y (z = scale y, the params in the
 * unconstrained space of rt_to_free), dL/dy = dL/dv dv/dy, the learning
 * rate of rt_lr_at, the gradient clipped by clip_norm.  Each iteration
 * puts the model at the new values (sim_set: the grid kept while it is
 * stable), renders, and takes the loss and its exact gradient.  A step
 * whose render or gradient is not finite, or whose values no grid can
 * take, is taken back and retried with half the learning rate; first,
 * when some params' move alone is refused (barrier), without them. */
static void
run_start(Fit *F, Start *S)
{
	const Kernel *k = F->k;
	int np = F->np, nf = F->nf, i, halvings = 0, nb = 0;
	long above = 0, stuck = (long)fmax(10, STUCK_STEPS * (double)F->steps);
	double lr = F->lr, ema = 0, clip, z, zs, *yo = malloc(sizeof *yo * (size_t)(2 * nf + 1)), *yn;
	unsigned char *blocked = calloc((size_t)nf + 1, 1);
	RtAdam *adam;
	char msg[2400], b[40];

	if (!yo || !blocked) {
		free(yo);
		free(blocked);
		start_note(F, S, "out of memory; this start is left out");
		pthread_mutex_lock(&F->lock);
		S->state = ST_FAILED;
		pthread_mutex_unlock(&F->lock);
		return;
	}
	yn = yo + nf;

	if (S->state == ST_WAIT && start_eval(F, S) < 0) {
		snprintf(msg, sizeof msg, "%s; this start is left out", S->err);
		start_note(F, S, msg);
		S->state = ST_FAILED;
		goto out;
	}
	if (!(adam = rt_adam_new(nf, lr)) || hist_add(F, S, S->loss) < 0) {
		rt_adam_free(adam);
		start_note(F, S, "out of memory; this start is left out");
		pthread_mutex_lock(&F->lock);
		S->state = ST_FAILED;
		pthread_mutex_unlock(&F->lock);
		goto out;
	}
	for (i = 0; i < nf; i++) {
		int p = F->idx[i];
		S->scale[i] = rt_free_scale(S->v0[p], k->param_min(p), k->param_max(p), k->param_log(p));
		/* a net's weight steps by about the learning rate, not a share
		 * of its range (a guard, [-1e3, 1e3]) */
		if (p >= F->nuser)
			S->scale[i] = 4 / (k->param_max(p) - k->param_min(p));
		/* a pitch stage 1 matched closely moves slowly (pitch_hold) */
		if (S->hold < PITCH_HOLD && S->df1[i] != 0)
			S->scale[i] = fmin(S->scale[i], HOLD_STEP * S->hold / (fabs(S->df1[i]) * lr));
		z = rt_to_free(S->v0[p], k->param_min(p), k->param_max(p), k->param_log(p));
		/* a start at an end of its range, where dv/dz is 1e-13, moves
		 * 1 % inside when the loss pulls it inwards (a level the loss
		 * divides out, gradient 0, stays where it is) */
		zs = rt_to_free_start(S->v0[p], k->param_min(p), k->param_max(p), k->param_log(p));
		if (zs != z && (zs < 0 ? S->grad[p] < 0 : S->grad[p] > 0)
		    && fabs(S->grad[p]) * span(k, p, S->v0[p]) > 1e-6 * fabs(S->loss))
			z = zs;
		S->y0[i] = S->y[i] = z / S->scale[i];
	}
	from_free(F, S);
	/* the start is the values given, not their round trip through y */
	memcpy(S->vals, S->v0, sizeof(double) * (size_t)np);
	pthread_mutex_lock(&F->lock);
	S->state = ST_RUN;
	if (F->nst == 1)
		progress(F, S);
	pthread_mutex_unlock(&F->lock);
	while (S->step < F->steps && !interrupted) {
		for (i = 0; i < nf; i++)
			S->gy[i] = S->grad[F->idx[i]] * S->dvdz[i];
		clip = clip_norm(&ema, S->gy, nf);
		rt_adam_set_lr(adam, rt_lr_at(lr, S->step, F->steps));
		if (S->step == (long)(POLISH * (double)F->steps) && S->step > 0 && S->s.keep) {
			double bl;
			S->s.margin = GRID_MARGIN_END;
			S->s.replan = 1;
			/* the best so far judged again on the grid the rest runs on:
			 * losses on two grids differ by the grids' dispersion (a
			 * felt hammer's 0.0033 on 35 intervals, 0.0064 on 36), and
			 * the best kept must beat the rest on one grid */
			if (sim_set(&S->s, S->best) == 0 && sim_eval(&S->s, &bl, S->grad1) == 0)
				set_best(S, bl);
		}
		for (;;) {
			memcpy(yo, S->y, sizeof *yo * (size_t)nf);
			rt_adam_step(adam, S->y, S->gy, clip);
			hold_pitch(F, S);
			for (i = 0; nb && i < nf; i++)    /* at a barrier: they stay */
				if (blocked[i])
					S->y[i] = yo[i];
			from_free(F, S);
			if (sim_set(&S->s, S->vals) == 0 && sim_eval(&S->s, &S->loss, S->grad1) == 0)
				break;
			memcpy(yn, S->y, sizeof *yn * (size_t)nf);
			rt_adam_undo(adam, S->y);
			/* a step the model refuses for some params' move alone (a
			 * decay time past where the loss term turns negative): those
			 * stay, the others go on, at the same rate (halving it only,
			 * a fit pressed against such an edge gave up at step 44 of
			 * 250; a probe's) */
			if (!nb && (nb = barrier(F, S, yo, yn, blocked)) > 0)
				continue;
			nb = 0;
			if (++halvings > MAXHALVE)
				break;
			lr /= 2;
			rt_adam_set_lr(adam, rt_lr_at(lr, S->step, F->steps));
			snprintf(msg, sizeof msg, "step %ld rejected (%s); retrying with learning rate %s",
			         S->step + 1, S->s.err, cli_fmt(lr, b, sizeof b));
			start_note(F, S, msg);
		}
		if (halvings > MAXHALVE) {
			from_free(F, S);
			snprintf(msg, sizeof msg, "the fit gives up at step %ld: every retry failed down to "
			         "learning rate %g; keeping the best params so far (loss %g)", S->step + 1, lr,
			         S->best_loss);
			start_note(F, S, msg);
			break;
		}
		nb = 0;
		memcpy(S->grad, S->grad1, sizeof(double) * (size_t)np);
		S->step++;
		if (hist_add(F, S, S->loss) < 0) {
			start_note(F, S, "out of memory for the loss curve; stopping here");
			break;
		}
		pthread_mutex_lock(&F->lock);
		if (S->loss < S->best_loss) {
			set_best(S, S->loss);
			memcpy(S->best, S->vals, sizeof(double) * (size_t)np);
		}
		F->done++;
		progress(F, S);
		pthread_mutex_unlock(&F->lock);
		above = S->loss > STUCK_RISE * S->best_loss ? above + 1 : 0;
		if (above >= stuck && S->step < F->steps && back_to_best(F, S, &adam, &lr, stuck) < 0)
			break;
		above = above >= stuck ? 0 : above;
	}
	rt_adam_free(adam);
	pthread_mutex_lock(&F->lock);
	S->state = ST_DONE;
	pthread_mutex_unlock(&F->lock);
out:
	free(yo);
	free(blocked);
	/* only the best values are needed now: let the next start have the memory */
	if (S->s.m) {
		S->s.k->destroy(S->s.m);
		S->s.m = NULL;
	}
}

static void *
worker(void *arg)
{
	Fit *F = arg;
	int i;

	for (;;) {
		pthread_mutex_lock(&F->lock);
		i = F->next++;
		pthread_mutex_unlock(&F->lock);
		if (i >= F->nst || interrupted)
			break;
		run_start(F, &F->st[i]);
	}
	return NULL;
}

/* The processors this process may run on. */
static int
ncpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && (n = CPU_COUNT(&set)) > 0)
		return n;
	n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

/* Run the starts on `workers` threads (this one among them); each start
 * goes its own way, so the result does not depend on which thread ran
 * which or when. */
static void
run_all(Fit *F, int workers)
{
	pthread_t th[64];
	int i, n = 0;

	for (i = 1; i < workers && i < 64; i++)
		if (pthread_create(&th[n], NULL, worker, F) == 0)
			n++;
	worker(F);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

static void
curve_text(Buf *b, const Fit *F, const Start *S)
{
	char n[40];
	long r, w = F->nf + 1;
	int i;

	buf_puts(b, "step,loss");
	for (i = 0; i < F->nf; i++)
		buf_printf(b, ",%s", F->k->param_name(F->idx[i]));
	buf_puts(b, "\n");
	for (r = 0; r < S->nhist; r++) {
		buf_printf(b, "%ld,%s", r, cli_fmt(S->hist[r * w], n, sizeof n));
		for (i = 0; i < F->nf; i++)
			buf_printf(b, ",%s", cli_fmt(S->hist[r * w + 1 + i], n, sizeof n));
		buf_puts(b, "\n");
	}
}

/* `fit`'s result: {"params": {...every declared param...}, "nets": {...},
 * "loss": L, "steps": N} (no "nets" without nets) */
static void
result_json(Buf *b, const Kernel *k, const double *vals, double loss, long steps)
{
	char n[40], *t = cli_params_text(k, vals, "params");

	buf_printf(b, "{%s, \"loss\": %s, \"steps\": %ld}\n", t ? t : "\"params\": {}",
	           cli_fmt(loss, n, sizeof n), steps);
	free(t);
}

/* The loss at vals as `dpmc grad` computes it (the grid render plans),
 * the render left in s->y; 0, or -1 with a message in s->err. */
int
sim_loss(Sim *s, const double *vals, double *loss)
{
	double t;

	s->keep = 0;
	if (sim_set(s, vals) < 0)
		return -1;
	s->k->reset(s->m);
	t = jit_now_ms();
	s->k->run(s->m, s->n, s->y);
	s->run_ms += jit_now_ms() - t;
	*loss = rt_loss_eval(s->loss, s->y, s->target, NULL);
	if (!isfinite(*loss))
		return blew_up(s);
	return 0;
}

static void
fit_free(Fit *F)
{
	int i;

	for (i = 0; F->st && i < F->nst; i++) {
		Start *S = &F->st[i];
		sim_close(&S->s);
		free(S->hist);
		mem_free(S->v0);
	}
	mem_free(F->st);
	mem_free(F->idx);
}

/* The fit: the starts (--starts, the first at the values given, the
 * others spread over the ranges of the --spread params), each run by
 * run_start, several at once on their own threads, each gradient then on
 * one thread; the winner is the start with the lowest loss (ties: the
 * first).  Its values are written, with their loss as `grad` computes
 * it. */
int
cli_fit(const Opts *o, const Job *j)
{
	const Kernel *k = j->k;
	int np = k->nparams(), nf, i, st = 1, nsp, workers, sigs[2] = {SIGINT, SIGTERM}, nch, handlers = 0;
	int *sp = NULL, lok, *pidx = NULL, npitch = 0, moved3 = 0;
	long n, n0, d;
	double *target = NULL, *tgt, *y0 = NULL, loss;
	struct sigaction sa, old[2];
	Buf curve = {0}, res = {0};
	Start *S, *W;
	Fit F;
	char err[2048], extra[160];
	size_t dsz = sizeof(double) * (size_t)(np + 1), fsz;

	memset(&F, 0, sizeof F);
	F.o = o;
	F.j = j;
	F.k = k;
	F.np = np;
	F.steps = o->steps > 0 ? o->steps : 100;
	F.lr = o->lr > 0 ? o->lr : 0.01;
	F.nst = o->starts > 0 ? (int)o->starts : 1;
	F.per = 1;
	F.tty = isatty(2);
	pthread_mutex_init(&F.lock, NULL);
	if (check_outputs(o, k) < 0)
		goto out;
	F.idx = mem_alloc(sizeof *F.idx * (size_t)(np + 1));
	F.nuser = cli_nuser(k);
	sp = mem_alloc(sizeof *sp * (size_t)(np + 1));
	pidx = mem_alloc(sizeof *pidx * (size_t)(np + 1));
	if ((nf = F.nf = fit_names(o, k, F.idx)) < 0 || (nsp = spread_names(o, k, F.idx, nf, sp)) < 0)
		goto out;
	if (F.nst > 1 && nsp == 0) {
		no_spread(o, F.nst);
		goto out;
	}
	if (!(target = target_read(o, j, &n0, &nch)))
		goto out;
	/* the recording from its onset: tgt, n frames */
	if ((d = cli_align(o, j, target, n0, nch, j->vals, o->target, NULL)) < 0)
		goto out;
	tgt = target + d * nch;
	n = n0 - d;
	fsz = sizeof(double) * (size_t)(nf + 1);
	F.st = mem_alloc(sizeof *F.st * (size_t)F.nst);
	memset(F.st, 0, sizeof *F.st * (size_t)F.nst);
	/* every loss here, in one thread: rt_loss_new runs the FFTW planner */
	workers = o->threads > 0 ? o->threads : ncpus();
	workers = workers < F.nst ? workers : F.nst;
	for (i = 0; i < F.nst; i++) {
		S = &F.st[i];
		S->i = i;
		if (sim_open(&S->s, o, j, tgt, n, nch, o->loss ? o->loss : FIT_DEFAULT_LOSS) < 0)
			goto out;
		S->s.keep = !j->grid && !j->fixed_grid;
		S->s.margin = GRID_MARGIN;
		S->s.need = F.idx;
		S->s.nneed = F.nf;
		if (workers > 1) {
			/* the starts run side by side: one thread and a share of
			 * the checkpoint memory each (same bits whatever either) */
			S->s.threads = 1;
			S->s.memory = (o->memory_mb > 0 ? o->memory_mb : 160) * 1e6 / workers;
		}
		if (start_alloc(S, k, j->vals, np, nf, sp, nsp, i) < 0)
			goto out;
	}
	/* from the first render on, a signal stops the fit, not the program */
	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 2; i++)
		sigaction(sigs[i], &sa, &old[i]);
	handlers = 1;
	/* stage 1 (cli_fit_pitch.c): the partials put pitch and inharmonicity
	 * in place; the params it moves take their new values in every start,
	 * and its slopes of the first partial hold the pitch there (hold_pitch) */
	{
		double *pv = mem_alloc(dsz), *df1 = mem_alloc(fsz), rms = -1;
		int p, u;

		int *uidx = mem_alloc(sizeof *uidx * 2 * (size_t)(nf + 1)), *pm = uidx + nf + 1, nu = 0;

		/* not the nets' weights: a render each per iteration, and the
		 * declared params are where pitch and inharmonicity live */
		for (i = 0; i < nf; i++)
			if (F.idx[i] < F.nuser)
				uidx[nu++] = F.idx[i];
		memcpy(pv, j->vals, dsz - sizeof(double));
		p = nu ? cli_fit_pitch(o, j, uidx, nu, tgt, n, nch, pv, 1, df1, &rms, pm) : 0;
		if (p < 0) {
			mem_free(uidx);
			mem_free(df1);
			mem_free(pv);
			goto out;
		}
		for (i = 0; i < F.nst; i++) {
			F.st[i].hold = pitch_hold(rms);
			for (p = 0; p < np; p++)
				if (pv[p] != j->vals[p])
					F.st[i].v0[p] = F.st[i].vals[p] = pv[p];
		}
		/* the params that move the partials, for stage 3: those stage
		 * 1's match of frequencies moved (not of decays), and those that
		 * move the first partial where it left it (a start already on
		 * the pitch moves none) */
		for (i = 0, u = 0; i < nf; i++) {
			const int in = u < nu && uidx[u] == F.idx[i];
			const double d = in ? df1[u] : 0;
			for (p = 0; p < F.nst; p++)
				F.st[p].df1[i] = d;
			if ((in && pm[u]) || d != 0)
				pidx[npitch++] = F.idx[i];
			u += in;
		}
		mem_free(uidx);
		mem_free(df1);
		mem_free(pv);
	}
	/* the values given (after stage 1): an error there is the command's */
	if (start_eval(&F, &F.st[0]) < 0) {
		char when[1200];
		snprintf(when, sizeof when, "against '%s' at the start values", o->target);
		cli_model_error(o->model, F.st[0].err, when);
		goto out;
	}

	F.t0 = jit_now_ms();
	if (F.nst > 1)
		progress(&F, &F.st[0]);
	run_all(&F, workers);

	if (F.tty)
		fputc('\n', stderr);
	if (!(W = leader(&F))) {
		fprintf(stderr, "dpmc: error: every start failed\n");
		goto out;
	}
	/* stage 3 (cli_fit_pitch.c again): the audio loss weighs each partial
	 * by its energy, and against a real note, whose partials are not quite
	 * the model's series, it may trade the first partial's pitch for the
	 * upper ones' (0.5-1 % on the double-bass notes, while the loss hardly
	 * changes); the partials, weighted towards the low ones, put the pitch
	 * back where a listener hears it, moving only the params stage 1
	 * moved or found moving the first partial.  Closed loops stop at once
	 * (below a cent). */
	if (W->held)
		fprintf(stderr, "fit: the loss pulled the first partial over %.2g %% from the partials' match; "
		        "held there on %ld of %ld steps\n", 100 * (exp2(W->hold / 1200) - 1), W->held, W->step);
	if (!interrupted && npitch && (moved3 = stage3(o, j, pidx, npitch, &W->s, W->best)) < 0)
		goto out;
	if (!interrupted)
		edge_notes(&F, W->best, W->v0);
	/* the loss of the values written is the one `grad` gives them (against
	 * the recording from its onset), on the grid a render plans (the
	 * fit's own grid may be coarser); a signal during that render is the
	 * one that stops a fit.  The render for --render: d frames of
	 * silence, then that render. */
	/* stopped by a signal: the best params on disk before that render,
	 * which a second signal (it kills) would cut short; written again
	 * below with the loss of that render */
	if (interrupted && o->out && !rt_out_is_std(o->out)) {
		result_json(&res, k, W->best, W->best_loss, W->step);
		if (cli_write_file(o->out, res.s, err, sizeof err) != 0) {
			fprintf(stderr, "dpmc: error: %s\n", err);
			fprintf(stderr, "dpmc: the fitted params were: %s", res.s);
			goto out;
		}
		res.len = 0;
	}
	/* the values the descent started from (stage 1's), when their loss
	 * on the grid written is lower than the best's there: a fit from
	 * its own render's values ended 5 orders worse, its polish on a grid
	 * one interval coarser (a probe's) */
	if (!interrupted && W->step > 0) {
		double l0, lb;
		long rg = W->s.regrids;    /* judging, not the descent's regrids (--stats) */
		int better = sim_loss(&W->s, W->v0, &l0) == 0 && sim_loss(&W->s, W->best, &lb) == 0 && l0 < lb;
		W->s.regrids = rg;
		if (better) {
			fprintf(stderr, "fit: the values the descent started from have a lower loss on the grid a "
			        "render of them takes (%.9g, against the best's %.9g): those are written\n", l0, lb);
			memcpy(W->best, W->v0, sizeof(double) * (size_t)np);
			W->best_loss = l0;    /* on the render's grid: no word of two grids below */
		}
	}
	{
		int g1[2] = {0, 0};
		double hh[2];
		char a[40], b[40];
		if (!(lok = sim_loss(&W->s, W->best, &loss) == 0))
			loss = W->best_loss;
		else if (!interrupted && !moved3 && fabs(loss - W->best_loss) > 1e-4 * fabs(W->best_loss)) {
			W->s.k->grid(W->s.m, g1, hh);
			fprintf(stderr, "fit: the best values' loss: %g on the fit's grid (%s), %g on the grid a "
			        "render of them takes (%s; the one written)\n", W->best_loss, grid_text(W->grid, a, sizeof a),
			        loss, grid_text(g1, b, sizeof b));
		}
	}
	if (lok && o->render) {
		if (!(y0 = mem_try_calloc((size_t)(n0 * nch), sizeof *y0))) {
			fprintf(stderr, "dpmc: error: out of memory\n");
			goto out;
		}
		memcpy(y0 + d * nch, W->s.y, sizeof *y0 * (size_t)(n * nch));
	}
	/* everything to write is made first, so that nothing but a write can
	 * fail once the first file is there; the result first, so neither a
	 * failed render nor a second signal during it can lose the fitted
	 * values; then the old handlers, so a signal in the writes below
	 * clears their temporary files */
	result_json(&res, k, W->best, loss, W->step);
	curve_text(&curve, &F, W);
	for (i = 0; i < 2; i++)
		sigaction(sigs[i], &old[i], NULL);
	handlers = 0;
	if (interrupted)
		fprintf(stderr, "dpmc: %s after %ld of %ld steps; writing the best params (loss %g%s)\n",
		        interrupted == SIGTERM ? "terminated" : "interrupted", F.nst > 1 ? F.done : W->step,
		        F.steps * F.nst, loss, loss != W->best_loss ? ", on the grid a render of them takes" : "");
	if (o->out && !rt_out_is_std(o->out)) {
		if (cli_write_file(o->out, res.s, err, sizeof err) != 0) {
			fprintf(stderr, "dpmc: error: %s\n", err);
			fprintf(stderr, "dpmc: the fitted params were: %s", res.s);
			goto out;
		}
	} else if (fputs(res.s, stdout) == EOF || cli_flush_stdout() != 0)
		goto out;
	if (o->loss_curve && cli_write_file(o->loss_curve, curve.s, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		goto out;
	}
	if (o->render) {
		if (!lok) {
			cli_model_error(o->model, W->s.err, NULL);
			goto out;
		}
		if (rt_wav_write(o->render, y0, n0, nch, (int)floor(j->rate + 0.5), 0, err, sizeof err) != 0) {
			cli_model_error(o->model, err, NULL);
			goto out;
		}
	}
	/* --stats: the totals over every start, on the winner's instance */
	if (W->s.m) {
		Sim t = W->s;
		long regrids = 0;
		t.init_ms = t.run_ms = t.grad_ms = 0;
		t.evals = 0;
		for (i = 0; i < F.nst; i++) {
			t.init_ms += F.st[i].s.init_ms;
			t.run_ms += F.st[i].s.run_ms;
			t.grad_ms += F.st[i].s.grad_ms;
			t.evals += F.st[i].s.evals;
			regrids += F.st[i].s.regrids;
		}
		snprintf(extra, sizeof extra, ", \"starts\": %d, \"threads\": %d, \"best_start\": %d, \"regrids\": %ld",
		         F.nst, workers, W->i, regrids);
		sim_stats(&t, extra);
	}
	st = 0;
out:
	for (i = 0; handlers && i < 2; i++)
		sigaction(sigs[i], &old[i], NULL);
	fit_free(&F);
	mem_free(sp);
	mem_free(pidx);
	free(target);
	mem_free(y0);
	buf_free(&curve);
	buf_free(&res);
	pthread_mutex_destroy(&F.lock);
	return st;
}

/* ---- what train (cli_train.c) shares with fit ---- */

int
cli_fit_names(const Opts *o, const Kernel *k, int *idx)
{
	return fit_names(o, k, idx);
}

int
cli_ncpus(void)
{
	return ncpus();
}

double
cli_clip_norm(double *ema, const double *g, int n)
{
	return clip_norm(ema, g, n);
}

/* `fit --data`: the fits of every row, as starts of one fit (run_start),
 * each with its own recording and values, --starts N of them a row
 * (spread as fit's, start r N + i the i-th of row r): stage 1 for each
 * row in turn (the FFTW planner is one thread's), the starts on
 * --threads threads, then for each row stage 3 on its best start and the
 * loss.  Writes {"items": [{"file": F, "params": {...}, "loss": L,
 * "steps": N}, ...]} ("best_start": I too with --starts). */
int
cli_fit_data(const Opts *o, const Job *j)
{
	const Kernel *k = j->k;
	int np = k->nparams(), nf, i, p, st = 1, workers, sigs[2] = {SIGINT, SIGTERM}, handlers = 0;
	int **pidx = NULL, *npitch = NULL, *uidx = NULL, *pm = NULL, nu = 0, *sp = NULL, nsp, per, r;
	long from = 0;
	double loss, *pv = NULL, *df1 = NULL, rms;
	struct sigaction sa, old[2];
	Arena *a = arena_new();
	Buf res = {0};
	Data d;
	Start *S;
	Fit F;
	char err[2048], num[40];
	size_t dsz = sizeof(double) * (size_t)(np + 1), fsz;

	memset(&F, 0, sizeof F);
	memset(&d, 0, sizeof d);
	F.o = o;
	F.j = j;
	F.k = k;
	F.np = np;
	F.steps = o->steps > 0 ? o->steps : 100;
	F.lr = o->lr > 0 ? o->lr : 0.01;
	F.tty = isatty(2);
	F.data = &d;
	pthread_mutex_init(&F.lock, NULL);
	if (check_outputs(o, k) < 0)
		goto out;
	F.idx = mem_alloc(sizeof *F.idx * (size_t)(np + 1));
	F.nuser = cli_nuser(k);
	sp = mem_alloc(sizeof *sp * (size_t)(np + 1));
	if ((nf = F.nf = fit_names(o, k, F.idx)) < 0 || (nsp = spread_names(o, k, F.idx, nf, sp)) < 0)
		goto out;
	per = F.per = o->starts > 0 ? (int)o->starts : 1;
	if (per > 1 && nsp == 0) {
		no_spread(o, per);
		goto out;
	}
	if (cli_data_read(&d, o, j, a) < 0)
		goto out;
	F.nst = d.nrows * per;
	fsz = sizeof(double) * (size_t)(nf + 1);
	F.st = mem_alloc(sizeof *F.st * (size_t)F.nst);
	memset(F.st, 0, sizeof *F.st * (size_t)F.nst);
	pidx = mem_alloc(sizeof *pidx * (size_t)d.nrows);
	npitch = mem_alloc(sizeof *npitch * (size_t)d.nrows);
	memset(pidx, 0, sizeof *pidx * (size_t)d.nrows);
	memset(npitch, 0, sizeof *npitch * (size_t)d.nrows);
	workers = o->threads > 0 ? o->threads : ncpus();
	workers = workers < F.nst ? workers : F.nst;
	for (i = 0; i < F.nst; i++) {
		const Row *w = &d.rows[i / per];
		S = &F.st[i];
		S->i = i;
		/* each recording from its onset (cli_align, said once a row);
		 * every loss here, in one thread: rt_loss_new runs the FFTW
		 * planner */
		char where[4200];
		snprintf(where, sizeof where, "%s:%d", o->data, w->line);
		if (i % per == 0 && (from = cli_align(&w->o, j, w->target, w->n, w->nch, w->vals, w->file, where)) < 0)
			goto out;
		if (sim_open(&S->s, &w->o, j, w->target + from * w->nch, w->n - from, w->nch,
		             o->loss ? o->loss : FIT_DEFAULT_LOSS) < 0)
			goto out;
		S->s.keep = !j->grid && !j->fixed_grid;
		S->s.margin = GRID_MARGIN;
		S->s.need = F.idx;
		S->s.nneed = F.nf;
		/* one thread per gradient: the rows are the parallel work */
		S->s.threads = 1;
		S->s.memory = cli_row_memory(o, F.nst);
		if (start_alloc(S, k, w->vals, np, nf, sp, nsp, i % per) < 0)
			goto out;
		if (i % per == 0)
			pidx[i / per] = mem_alloc(sizeof **pidx * (size_t)(nf + 1));
	}
	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 2; i++)
		sigaction(sigs[i], &sa, &old[i]);
	handlers = 1;
	/* stage 1 and the start of each row: an error there is the command's;
	 * as fit's, of the declared params alone (not the nets' weights) */
	pv = mem_alloc(dsz);
	uidx = mem_alloc(sizeof *uidx * 2 * (size_t)(nf + 1));
	pm = uidx + nf + 1;
	df1 = mem_alloc(fsz);
	for (p = 0; p < nf; p++)
		if (F.idx[p] < F.nuser)
			uidx[nu++] = F.idx[p];
	for (r = 0; r < d.nrows && !interrupted; r++) {
		const Row *w = &d.rows[r];
		int u;
		S = &F.st[r * per];
		if (!o->no_pitch && nu)
			fprintf(stderr, "fit: %s:%d (%s)\n", o->data, w->line, w->file);
		memcpy(pv, w->vals, dsz - sizeof(double));
		memset(df1, 0, fsz);
		rms = -1;
		if (nu && cli_fit_pitch(&w->o, j, uidx, nu, S->s.target, S->s.n, w->nch, pv, 1, df1, &rms, pm) < 0)
			goto out;
		/* as fit's: stage 3 moves what stage 1's match of frequencies
		 * moved or what moves f1; what stage 1 moved, every start of
		 * the row takes */
		for (p = 0, u = 0; p < nf; p++) {
			const int in = u < nu && uidx[u] == F.idx[p];
			const double d1 = in ? df1[u] : 0;
			if ((in && pm[u]) || d1 != 0)
				pidx[r][npitch[r]++] = F.idx[p];
			u += in;
			for (i = r * per; i < (r + 1) * per; i++) {
				F.st[i].df1[p] = d1;
				F.st[i].hold = pitch_hold(rms);
				if (pv[F.idx[p]] != w->vals[F.idx[p]])
					F.st[i].v0[F.idx[p]] = F.st[i].vals[F.idx[p]] = pv[F.idx[p]];
			}
		}
		/* the row's first start (its values as given): an error there
		 * is the command's; the others are evaluated as they run */
		if (start_eval(&F, S) < 0) {
			fprintf(stderr, "dpmc: error: %s:%d (%s): at the start values: %s\n", o->data, w->line, w->file,
			        S->err);
			goto out;
		}
	}
	F.t0 = jit_now_ms();
	if (!interrupted)
		run_all(&F, workers);
	if (F.tty)
		fputc('\n', stderr);
	buf_puts(&res, "{\"items\": [");
	for (r = 0; r < d.nrows; r++) {
		const Row *w = &d.rows[r];
		Start *b = leader_of(&F, r * per, (r + 1) * per);
		S = b ? b : &F.st[r * per];
		if (S->state < ST_READY) {
			/* interrupted before this row's start was evaluated: its
			 * start, loss null, and no render */
			memcpy(S->best, S->v0, dsz - sizeof(double));
			S->best_loss = loss = NAN;
		} else {
			if (!interrupted && npitch[r]) {
				fprintf(stderr, "fit: %s:%d (%s)\n", o->data, w->line, w->file);
				if (stage3(&w->o, j, pidx[r], npitch[r], &S->s, S->best) < 0)
					goto out;
			}
			if (sim_loss(&S->s, S->best, &loss) != 0)
				loss = S->best_loss;
		}
		buf_printf(&res, "%s\n  {\"file\": ", r ? "," : "");
		cli_json_str(&res, w->file);
		{
			char *t = cli_params_text(k, S->best, "params");
			buf_printf(&res, ", %s, \"loss\": %s, \"steps\": %ld", t ? t : "\"params\": {}",
			           cli_fmt(loss, num, sizeof num), S->step);
			if (per > 1)
				buf_printf(&res, ", \"best_start\": %d", S->i % per);
			buf_puts(&res, "}");
			free(t);
		}
	}
	buf_puts(&res, "\n]}\n");
	for (i = 0; i < 2; i++)
		sigaction(sigs[i], &old[i], NULL);
	handlers = 0;
	if (interrupted)
		fprintf(stderr, "dpmc: %s after %ld of %ld steps; writing the best params of each row\n",
		        interrupted == SIGTERM ? "terminated" : "interrupted", F.done, F.steps * F.nst);
	if (o->out && !rt_out_is_std(o->out)) {
		if (cli_write_file(o->out, res.s, err, sizeof err) != 0) {
			fprintf(stderr, "dpmc: error: %s\n", err);
			goto out;
		}
	} else if (fputs(res.s, stdout) == EOF || cli_flush_stdout() != 0)
		goto out;
	/* --stats: the totals over every row, the grid the first row's */
	for (i = 0; i < F.nst && !F.st[i].s.m; i++)
		;
	if (i < F.nst) {
		const Sim *s0 = &F.st[i].s;
		double init_ms = 0, run_ms = 0, grad_ms = 0;
		long steps = 0, regrids = 0;
		char extra[200];
		for (i = 0; i < F.nst; i++) {
			const Sim *s = &F.st[i].s;
			init_ms += s->init_ms;
			run_ms += s->run_ms;
			grad_ms += s->grad_ms;
			steps += s->n * (s->evals ? s->evals : 1);
			regrids += s->regrids;
		}
		snprintf(extra, sizeof extra, ", \"rows\": %d, \"starts\": %d, \"threads\": %d, \"regrids\": %ld", d.nrows, per,
		         workers, regrids);
		cli_stats(o, s0->k, s0->m, j->compile_ms, init_ms, run_ms, steps, grad_ms, extra);
	}
	st = 0;
out:
	for (i = 0; handlers && i < 2; i++)
		sigaction(sigs[i], &old[i], NULL);
	mem_free(pv);
	mem_free(uidx);
	mem_free(df1);
	for (i = 0; pidx && i < d.nrows; i++)
		mem_free(pidx[i]);
	mem_free(sp);
	mem_free(pidx);
	mem_free(npitch);
	fit_free(&F);
	cli_data_free(&d);
	arena_free(a);
	buf_free(&res);
	pthread_mutex_destroy(&F.lock);
	return st;
}
