/* cli_fit_pitch.c — stage 1 of `dpmc fit`: put pitch and inharmonicity
 * in place from the partials before the audio loss refines everything.
 * The target's partial series and the render's are matched by index and
 * the fitted params moved to bring them together in cents
 * (rt_match_partials, runtime/partials.c): a loss convex in log f0 and
 * log B, which an audio loss from a start 8 % off is not.  Nothing here
 * knows which param is the pitch: a param moves when its finite
 * difference moves a partial.
 * requires: a Kernel and the values in force (Job), the target as read.
 * leaves: vals moved (the fitted params that move partials), one or two
 * lines on stderr. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../runtime/rt.h"

enum { MAXIT = 8 };

/* The model rendered at the free coordinates z of the fitted params. */
typedef struct Pitch {
	const Kernel *k;
	const Job *j;
	const int *idx;
	int nf;
	long n;
	double *vals;               /* every param: the start, the fitted ones from z */
	void *m;                    /* the instance, kept while the grid stays */
	int home[2];                /* the grid of the values settled on (settle); 0: none */
	char err[512];
} Pitch;

/* the grid a render of p->vals plans, into g (the finest: a coarser
 * one moves the partials, an ideal string's off its series); 0, or -1
 * with p->err set */
static int
plan(Pitch *p, int *g)
{
	double h[2];

	g[0] = g[1] = 0;
	return p->k->plan_for(p->vals, p->j->rate, (double)p->n / p->j->rate, p->j->grid, g, h, p->err,
	                      sizeof p->err) != 0 ? -1 : 0;
}

/* the home grid into g when it holds p->vals over the render: 1, else 0 */
static int
at_home(Pitch *p, int *g)
{
	double h[2];

	return p->home[0] && p->k->plan_for(p->vals, p->j->rate, (double)p->n / p->j->rate, p->home, g, h,
	                                    p->err, sizeof p->err) == 0;
}

/* p's instance at p->vals: on the home grid while it holds them over
 * the render, else on plan's for them (home stays: the next values
 * near the settled ones go back to it); 0, or -1 with p->err set.
 * (Planned afresh at each render, a decay time that moves the stability
 * bound moved the grid, and the partials with it: stage 1 took it for a
 * pitch param and sent a T60 of 1 s to 12.8 s, a probe's; and a Jacobian
 * whose f0 step left the grid in force read the grid's move as every
 * later param's.) */
static int
place(Pitch *p)
{
	const Kernel *k = p->k;
	int g[2] = {0, 0}, cur[2] = {0, 0}, nd = k->ndim();
	double h[2];

	if (!at_home(p, g) && plan(p, g) != 0)
		return -1;
	if (p->m) {
		k->grid(p->m, cur, h);
		if (cur[0] != g[0] || (nd > 1 && cur[1] != g[1])
		    || k->set_params(p->m, p->vals, p->err, sizeof p->err) != 0) {
			k->destroy(p->m);
			p->m = NULL;
		}
	}
	if (!p->m && !(p->m = k->create(p->vals, p->j->rate, g, p->err, sizeof p->err)))
		return -1;
	return 0;
}

static void
to_vals(Pitch *p, const double *z)
{
	int i;

	for (i = 0; i < p->nf; i++) {
		int q = p->idx[i];
		p->vals[q] = rt_from_free(z[i], p->k->param_min(q), p->k->param_max(q), p->k->param_log(q), NULL);
	}
}

/* rt_match_partials has settled on z: the home grid is kept while it
 * holds those values, else planned for them */
static void
settle(void *ctx, const double *z)
{
	Pitch *p = ctx;
	int g[2];

	to_vals(p, z);
	if (at_home(p, g))
		return;
	if (plan(p, g) == 0)
		memcpy(p->home, g, sizeof g);
	else
		p->home[0] = p->home[1] = 0;
}

/* the match has ended at z: when the values there take another grid
 * than home, that one becomes home (1: the match runs again on it) */
static int
regrid(void *ctx, const double *z)
{
	Pitch *p = ctx;
	int g[2];

	to_vals(p, z);
	if (plan(p, g) != 0 || (g[0] == p->home[0] && g[1] == p->home[1]))
		return 0;
	memcpy(p->home, g, sizeof g);
	return 1;
}

static int
render(void *ctx, const double *z, double *y)
{
	Pitch *p = ctx;
	const Kernel *k = p->k;
	int i;
	char e[sizeof p->err];

	if (cli_fit_interrupted()) {    /* Ctrl-C: no more renders */
		snprintf(p->err, sizeof p->err, "interrupted");
		return -1;
	}
	to_vals(p, z);
	if (place(p) != 0) {
		/* a chain's grid too fine for the values: the model again */
		if (!(k = cli_replan(p->j, p->vals, p->err, e, sizeof e)))
			return -1;
		if (p->m)
			p->k->destroy(p->m);
		p->m = NULL;
		p->k = k;
		if (place(p) != 0)
			return -1;
	}
	k->reset(p->m);
	k->run(p->m, p->n, y);
	for (i = 0; i < p->n * k->noutputs(); i++)
		if (!isfinite(y[i]))
			return -1;
	return 0;
}

/* The params flagged in moved take their values from z, the others keep
 * theirs exactly (not a round trip through z); names: "NAME=V ..." of
 * those that moved */
static void
take(const Kernel *k, const int *idx, int nf, const double *z, const int *moved, double *vals, char *names,
     size_t sz)
{
	int i, q, len = 0;

	names[0] = 0;
	for (i = 0; i < nf; i++)
		if (moved[i]) {
			q = idx[i];
			vals[q] = rt_from_free(z[i], k->param_min(q), k->param_max(q), k->param_log(q), NULL);
			if (len < (int)sz)
				len += snprintf(names + len, sz - (size_t)len, "%s%s=%.6g", len ? " " : "",
				                k->param_name(q), vals[q]);
		}
}

/* Modes' decays are matched only where the modes line up within this
 * (cents rms), each target's mode with its own: at 40 a stiff membrane's
 * were read at others and took Tb twice the target's */
#define DECAY_CENTS 20

/* After the partials' frequencies, their decay rates (rt_match_decays):
 * the params that move decays and not the partials (decay times, a
 * loss law) take their values from there; one or two lines on stderr.
 * z: the fitted params' free coordinates where the first match ended;
 * moved: the params it moved, held here (then scratch). */
static int
decays(const Job *j, Pitch *p, const int *idx, int nf, const double *target, long n, int nch, double *vals,
       double *z, int *moved)
{
	const Kernel *k = p->k;
	double t0 = jit_now_ms();
	char err[200], names[512];
	int i, *hold = mem_alloc(sizeof *hold * (size_t)(nf + 1));
	RtDecays d;

	memcpy(hold, moved, sizeof *hold * (size_t)nf);
	memset(&d, 0, sizeof d);
	d.moved = moved;
	d.hold = hold;
	d.settle = settle;
	i = rt_match_decays(render, p, z, nf, target, n, nch, j->rate, MAXIT, &d, err, sizeof err);
	mem_free(hold);
	if (i < 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return -1;
	}
	if (cli_fit_interrupted())
		return 0;
	/* (said only when it moved something: a fit of the pitch alone, or
	 * of decays already within 5 %, has nothing to hear about here) */
	if (!d.ran)
		return 0;
	take(k, idx, nf, z, moved, vals, names, sizeof names);
	fprintf(stderr, "decays (stage 1): %d %s, %.1f -> %.1f %% rms; %s; %d iteration%s, %d renders, "
	        "%.1f s\n", d.matched, d.modes ? "modes" : "partials", d.rms0, d.rms, names, d.iters, d.iters == 1 ? "" : "s", d.renders,
	        (jit_now_ms() - t0) / 1e3);
	return 0;
}

int
cli_fit_pitch(const Opts *o, const Job *j, const int *idx, int nf, const double *target,
              long n, int nch, double *vals, int stage, double *df1, double *rms, int *pitch)
{
	const Kernel *k = j->k;
	int np = k->nparams(), i, st = 0, *moved = mem_alloc(sizeof *moved * (size_t)(nf + 1));
	double *z = mem_alloc(sizeof *z * (size_t)(nf + 1)), t0 = jit_now_ms();
	char err[200], names[512];
	RtMatch m;
	Pitch p = {k, j, idx, nf, n, NULL, NULL, {0, 0}, {0}};

	if (df1)
		memset(df1, 0, sizeof *df1 * (size_t)nf);
	if (pitch)
		memset(pitch, 0, sizeof *pitch * (size_t)nf);
	if (rms)
		*rms = -1;
	if (o->no_pitch)
		goto out;
	p.vals = mem_alloc(sizeof *p.vals * (size_t)(np + 1));
	memcpy(p.vals, vals, sizeof *vals * (size_t)np);
	for (i = 0; i < nf; i++)
		z[i] = rt_to_free_start(vals[idx[i]], k->param_min(idx[i]), k->param_max(idx[i]), k->param_log(idx[i]));
	memset(&m, 0, sizeof m);
	m.moved = moved;
	m.df1 = df1;
	m.settle = settle;
	m.regrid = regrid;
	st = rt_match_partials(render, &p, z, nf, target, n, nch, j->rate, MAXIT, &m, err, sizeof err);
	if (cli_fit_interrupted()) {    /* the values as they were: the fit writes them */
		st = 0;
		goto out;
	}
	if (st < 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		goto out;
	}
	if (rms && m.matched >= 3)
		*rms = m.cents;
	if (!m.ran) {
		fprintf(stderr, "partials: %s; stage %d skipped (%d render%s)\n", m.why ? m.why : "no step lowered the error", stage,
		        m.renders, m.renders == 1 ? "" : "s");
		/* (decay times fitted at a pitch held: their decays still;
		 * modes only where they line up already) */
		if (stage == 1 && (m.modes ? m.matched >= 3 && m.cents0 <= DECAY_CENTS : m.target.nfound > 0))
			st = decays(j, &p, idx, nf, target, n, nch, vals, z, moved);
		goto out;
	}
	/* only the params that moved partials take their new values */
	take(k, idx, nf, z, moved, vals, names, sizeof names);
	if (pitch)
		memcpy(pitch, moved, sizeof *pitch * (size_t)nf);
	if (m.modes)    /* no series: the render's loudest modes, the lowest matched as f1 */
		fprintf(stderr, "partials (stage %d): no series; the render's modes: lowest %.2f -> %.2f Hz "
		        "(target %.2f), %d modes matched, %.1f -> %.2f cents rms\n",
		        stage, m.start.f1, m.end.f1, m.target.f1, m.matched, m.cents0, m.cents);
	else
		fprintf(stderr, "partials (stage %d): first partial %.2f -> %.2f Hz (target %.2f), inharmonicity %.3g -> %.3g (target %.3g), "
		        "%d partials matched, %.1f -> %.2f cents rms\n",
		        stage, m.start.f1, m.end.f1, m.target.f1, m.start.B, m.end.B, m.target.B, m.matched, m.cents0,
		        m.cents);
	fprintf(stderr, "partials: %s; %d iteration%s, %d renders, %.1f s\n", names, m.iters,
	        m.iters == 1 ? "" : "s", m.renders, (jit_now_ms() - t0) / 1e3);
	if (stage == 1 && (!m.modes || m.cents <= DECAY_CENTS))
		st = decays(j, &p, idx, nf, target, n, nch, vals, z, moved);
out:
	if (p.m)
		p.k->destroy(p.m);
	mem_free(p.vals);
	mem_free(z);
	mem_free(moved);
	return st;
}
