/* emit_loop.c — the kernels of the generated C: the time step, its
 * transpose, the gradient sums, and the checkpointed forward/backward.
 *
 * requires: Loops with forward regions, adjoint regions (lower_adjoint)
 *           and derivative tables (lower_grad); emit_c.c has written the
 *           struct, the coefficients and the set-up functions.
 * leaves:   the step and the adjoint step as one branch-free loop per
 *           region each, every coefficient a hoisted constant, a per-step
 *           value or an array, as its class says.
 *
 * The gradient (spec of the API in scheme.h) is the reverse of the
 * discrete recurrence u[n+1] = A_n u[n] + B_n u[n-1] + s_n, y_n = W u[n+1]:
 *   lambda[m] = A_m^T lambda[m+1] + B_{m+1}^T lambda[m+2] + W^T dL/dy_{m-1}
 *   dL/dp    += lambda[n+1] . (dA_n/dp u[n] + dB_n/dp u[n-1] + ds_n/dp)
 * with the states u[n] recomputed segment by segment from checkpoints
 * (two-level checkpointing, segments of about sqrt(2T) steps). */
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "emit.h"

typedef struct Used {
	unsigned char *c;          /* [coef]: referenced by the kernel */
} Used;

static void
use_regions(const Loops *l, const Region *rg, int n, unsigned char *used)
{
	int r, g;

	for (r = 0; r < n; r++)
		for (g = 0; g < rg[r].ngroups; g++)
			used[rg[r].groups[g].coef] = 1;
	(void)l;
}

/* Locals every kernel has, the hoisted coefficients, and (per step, at
 * time `tval`) the time-varying ones. */
static void
prologue(Emit *e, const unsigned char *used, const char *ind)
{
	const Loops *l = e->l;
	int i;

	cg_out(e, "%sconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n", ind);
	cg_out(e, "%sconst double x0 = @__from[0], y0 = @__from[1];\n", ind);
	cg_out(e, "%sconst long nx = m->n[0], ny = m->n[1], nx1 = m->nx1;\n", ind);
	for (i = 0; i < l->ncoefs; i++) {
		if (!used[i])
			continue;
		if (l->coefs[i].cls == CO_CONST)
			cg_out(e, "%sconst double c%d = m->c[%d];\n%s(void)c%d;\n", ind, l->coefs[i].slot,
			       l->coefs[i].slot, ind, l->coefs[i].slot);
		if (l->coefs[i].cls == CO_SPACE)
			cg_out(e, "%sconst double *restrict a%d = m->a[%d];\n%s(void)a%d;\n", ind,
			       l->coefs[i].slot, l->coefs[i].slot, ind, l->coefs[i].slot);
	}
	cg_out(e, "%slong i, j;\n\n", ind);
	cg_out(e, "%s(void)p; (void)k; (void)hx; (void)hy; (void)x0; (void)y0; (void)nx; (void)ny;\n", ind);
	cg_out(e, "%s(void)nx1; (void)i; (void)j;\n", ind);
}

/* const double tcN = ... for the used time-varying coefficients, at t.
 * Those that read the state (discretise.c state_coef) take rd[]: the
 * step's own, or with st the reads made here of the state st (its
 * values: they read no velocities), "0" the zero state. */
static void
time_coefs(Emit *e, const unsigned char *used, const char *st, const char *ind)
{
	const Loops *l = e->l;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "w");
	int *root = mem_alloc((size_t)(l->ncoefs + 1) * sizeof *root), i, reads = 0;

	/* those of x and t too (a pde whose u.xx varies in x beside an
	 * integral's term, at one tap): computed at each point, of rd */
	for (i = 0; i < l->ncoefs; i++)
		reads |= used[i] && (l->coefs[i].cls == CO_TIME || l->coefs[i].cls == CO_SPACETIME)
		         && (l->coefs[i].e->deps & DEP_STATE);
	if (reads && st && !strcmp(st, "0")) {
		cg_out(e, "%sdouble rd[%d];\n%s{\n%s\tdouble *z = calloc((size_t)m->npts, sizeof *z);\n\n", ind,
		       e->s->nrd, ind, ind);
		cg_out(e, "%s\tif (z)\n%s\t\t@__rdall(m, z, z, rd);\n%s\telse\n%s\t\tmemset(rd, 0, sizeof rd);\n",
		       ind, ind, ind, ind);
		cg_out(e, "%s\tfree(z);\n%s}\n", ind, ind);
	} else if (reads && st) {
		cg_out(e, "%sdouble rd[%d];\n\n%s@__rdall(m, %s, %s, rd);\n", ind, e->s->nrd, ind, st, st);
	}
	cg_out(e, "%s(void)t;\n", ind);
	for (i = 0; i < l->ncoefs; i++)
		root[i] = used[i] && l->coefs[i].cls == CO_TIME ? ex_emitter_add(em, l->coefs[i].e) : -1;
	ex_emitter_flush(em, &e->b, ind);
	for (i = 0; i < l->ncoefs; i++)
		if (root[i] >= 0)
			cg_out(e, "%sconst double tc%d = %s;\n%s(void)tc%d;\n", ind, l->coefs[i].slot,
			    ex_emitter_root(em, root[i]), ind, l->coefs[i].slot);
	ex_emitter_free(em);
	mem_free(root);
	cg_free_refs(pn, e->s->nparams);
}

/* arr[q + offset], or with vec the eight values from there (DPM_V) */
static void
tap_text(Buf *b, const char *arr, int dx, int dy, int vec)
{
	buf_printf(b, vec ? "DPM_V(%s, q" : "%s[q", arr);
	if (dy)
		buf_printf(b, " %c %s%s", dy < 0 ? '-' : '+', abs(dy) == 2 ? "2 * " : "", "nx1");
	if (dx)
		buf_printf(b, " %c %d", dx < 0 ? '-' : '+', abs(dx));
	buf_puts(b, vec ? ")" : "]");
}

static void
bound_text(Buf *b, Bound bd, int ax)
{
	if (bd.anchor)
		buf_printf(b, "n%c", "xy"[ax]);
	if (bd.anchor && bd.off)
		buf_printf(b, " %c %d", bd.off < 0 ? '-' : '+', abs(bd.off));
	else if (!bd.anchor)
		buf_printf(b, "%d", bd.off);
}

/* for (j) for (i) { q; x, y and the space-time coefficients in `st` }.
 * Their parts that vary with neither x nor y (a net of t, a loss of t
 * beside a coefficient of x: every layer was evaluated again at every
 * point, 80 times slower; a probe's) are computed once before the loops,
 * in a block of their own: 1 when it was opened (the caller closes it). */
static int
loop_open(Emit *e, const Region *rg, const int *st, int nst, const char *ind)
{
	const Loops *l = e->l;
	Buf lo = {0}, hi = {0}, in = {0}, oin = {0}, inner = {0}, outer = {0};
	ExprEmitter *em = NULL;
	const char **pn = NULL;
	int i, block = 0;

	if (nst) {
		pn = cg_param_refs(e);
		em = ex_emitter_new(pn, cg_sym_c, "v");
		buf_printf(&in, "%s\t\t", ind);
		buf_printf(&oin, "%s\t", ind);
		for (i = 0; i < nst; i++)
			ex_emitter_add(em, l->coefs[st[i]].e);
		ex_emitter_flush_split(em, &inner, in.s, &outer, oin.s, (1u << SYM_X) | (1u << SYM_Y)
		                       | (1u << SYM_THX) | (1u << SYM_THY) | DEP_STATE);
		if (outer.len) {
			cg_out(e, "%s{\n%s", ind, outer.s);
			block = 1;
		}
	}
	if (e->s->ndim == 2) {
		bound_text(&lo, rg->lo[1], 1);
		bound_text(&hi, rg->hi[1], 1);
		cg_out(e, "%sfor (j = %s; j <= %s; j++)\n", ind, lo.s, hi.s);
	} else {
		cg_out(e, "%sj = 0;\n", ind);
	}
	lo.len = hi.len = 0;
	bound_text(&lo, rg->lo[0], 0);
	bound_text(&hi, rg->hi[0], 0);
	cg_out(e, "%s\tfor (i = %s; i <= %s; i++) {\n", ind, lo.s, hi.s);
	cg_out(e, "%s\t\tconst long q = i + j * nx1;\n", ind);
	if (nst) {
		cg_out(e, "%s\t\tconst double x = x0 + i * hx, y = y0 + j * hy;\n", ind);
		cg_out(e, "%s\t\t(void)x; (void)y;\n", ind);
		if (inner.len)
			cg_out(e, "%s", inner.s);
		for (i = 0; i < nst; i++)
			cg_out(e, "%s\t\tconst double st%d = %s;\n", ind, l->coefs[st[i]].slot,
			    ex_emitter_root(em, i));
		ex_emitter_free(em);
		cg_free_refs(pn, e->s->nparams);
	}
	buf_free(&lo);
	buf_free(&hi);
	buf_free(&in);
	buf_free(&oin);
	buf_free(&inner);
	buf_free(&outer);
	return block;
}

static void
add_st(const Loops *l, int c, int *st, int *nst)
{
	int i;

	if (c < 0 || l->coefs[c].cls != CO_SPACETIME)
		return;
	for (i = 0; i < *nst; i++)
		if (st[i] == c)
			return;
	st[(*nst)++] = c;
}

/* The sum of a group's taps, over the arrays lev[level] (with vec, as
 * eight-lane vectors). */
static void
group_text(Buf *t, const Group *gr, const char *const *lev, int vec)
{
	int i;

	if (gr->ntap > 1)
		buf_puts(t, "(");
	for (i = 0; i < gr->ntap; i++) {
		if (i)
			buf_puts(t, " + ");
		tap_text(t, lev[gr->tap[i].level], gr->tap[i].dx, gr->tap[i].dy, vec);
	}
	if (gr->ntap > 1)
		buf_puts(t, ")");
}

/* dst[q] = sum of c * (taps), + fon * force, for every point of rg. */
static void
region(Emit *e, const Region *rg, const char *const *lev, const char *dst, int force,
       const char *ind)
{
	const Loops *l = e->l;
	Buf t = {0}, ref = {0};
	int g, nst = 0, *st = mem_alloc((size_t)(rg->ngroups + 2) * sizeof *st), block;

	for (g = 0; g < rg->ngroups; g++)
		add_st(l, rg->groups[g].coef, st, &nst);
	if (force >= 0)
		add_st(l, force, st, &nst);
	block = loop_open(e, rg, st, nst, ind);
	for (g = 0; g < rg->ngroups; g++) {
		buf_printf(&t, "%s%s * ", g ? "\n\t\t\t\t+ " : "",
		           cg_coef_ref(l, rg->groups[g].coef, &ref));
		group_text(&t, &rg->groups[g], lev, 0);
	}
	if (force >= 0)
		buf_printf(&t, "\n\t\t\t\t+ fon * %s", cg_coef_ref(l, force, &ref));
	cg_out(e, "%s\t\t%s[q] = %s;\n", ind, dst, t.s ? t.s : "0");
	cg_out(e, "%s\t}\n", ind);
	if (block)
		cg_out(e, "%s}\n", ind);
	mem_free(st);
	buf_free(&t);
	buf_free(&ref);
}

/* ---- the forward step ---- */


/* The forward step's ops as C (step.h): the text of @__step (lin: the
 * name of its flag for the linear operator alone, y: where outputs go)
 * and of @_run's loop (with the rotation). */
typedef struct CStep {
	Emit *e;
	const unsigned char *used;
	const char *ind, *lin, *y, *after_time;
	int rotate;
	const LHoist *lh;          /* the lumped objects' hoisted parts */
} CStep;


static void
c_time(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;

	time_coefs(c->e, c->used, NULL, c->ind);
	cg_out(c->e, "%s%s", c->ind, c->after_time);
	(void)st; (void)o;
}

static void
c_sweep(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;
	Emit *e = c->e;
	const Loops *l = e->l;
	static const char *const lev[2] = {"u", "up"};
	const char *ind = c->ind;
	int r, i;

	if (o->aux >= 0 || loops_sweepable(l))
		cg_out(e, "%sconst double fon = %s ? 0.0 : 1.0;\n", ind, c->lin);
	if (loops_sweepable(l)) {
		cg_out(e, "%sdouble tcv[%d] = {0};\n\n", ind, cg_atleast1(l->nclass[CO_TIME]));
		cg_out(e, "%s(void)fon;\n", ind);
		for (i = 0; i < l->ncoefs; i++)
			if (l->coefs[i].cls == CO_TIME && loops_in_step(l, i))
				cg_out(e, "%stcv[%d] = tc%d;\n", ind, l->coefs[i].slot, l->coefs[i].slot);
		cg_out(e, "%s@__sweep(m->c, tcv, m->a, u, up, un, nx, ny, nx1, fon);\n", ind);
	} else {
		for (r = 0; r < l->nreg; r++)
			region(e, &l->reg[r], lev, "un", o->aux, ind);
	}
	(void)st;
}

static void
c_scatter(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;
	Emit *e = c->e;
	Buf ref = {0};
	int i, v, nv = e->s->ndim == 2 ? 4 : 2;

	cg_out(e, "%sif (!(%s)) {\n", c->ind, c->lin);
	for (i = o->first; i < o->first + o->count; i++) {
		if (e->s->src[i].state)
			continue;
		for (v = 0; v < nv; v++)
			cg_out(e, "%s\tun[m->src_i[%d][%d]] += %s * m->src_w[%d][%d];\n", c->ind, i, v,
			    cg_coef_ref(e->l, e->l->src_coef[i], &ref), i, v);
	}
	cg_out(e, "%s}\n", c->ind);
	/* a force between parts, of rd: a part of the linear operator (P_op)
	 * when it is linear in the state */
	for (i = o->first; i < o->first + o->count; i++) {
		const char **pn;
		if (!e->s->src[i].state || e->s->src[i].implicit >= 0)
			continue;
		pn = cg_param_refs(e);
		ref.len = 0;
		ex_print_c(&ref, e->s->src[i].strength, pn, cg_sym_c);
		cg_free_refs(pn, 0);
		cg_out(e, "%s{\n%s\tconst double S = %s;\n\n", c->ind, c->ind, ref.s);
		for (v = 0; v < nv; v++)
			cg_out(e, "%s\tun[m->src_i[%d][%d]] += S * m->src_w[%d][%d];\n", c->ind, i,
			       v, i, v);
		cg_out(e, "%s}\n", c->ind);
	}
	buf_free(&ref);
	(void)st;
}

/* Output i, the discrete energy at step n+1 (language.md 12.1):
 *   E = rho H sum_q w_q ( (u[n+1] - u[n])^2 / (2 k^2) - u[n+1] (L u[n]) / 2 )
 * with L u = (A u + B u - u) den / k^2 the scheme's spatial operator (A,
 * B its level-0 and level-1 taps: A + B = I + k^2 L / den whatever the
 * loss terms), H the cell size and w_q the trapezoid weight (1/2 along an
 * axis at a free end) of the inner product in which L is symmetric.  For
 * the lossless scheme u[n+1] - 2u[n] + u[n-1] = k^2 L u[n] this is
 * conserved exactly: E(n+1) - E(n) = <u[n+1] - u[n-1], (u[n+1] - 2 u[n] +
 * u[n-1]) / k^2 - L u[n]> / 2 = 0.  With losses it falls.  A density of
 * x, y weighs each point (rho_q inside the sum): the inner product in
 * which a pde per unit mass, T / rho(x) u.xx, is symmetric.  Summed as
 * rho H / (2 k^2) sum_q w_q ((u[n+1] - u[n])^2 - u[n+1] (escr - u) den),
 * escr = (A + B) u: one division a step. */
/* Has the energy a share beyond the grid's sum (@__parts_energy)? */
static int
parts_energy(const Scheme *s)
{
	Expr ***sb;
	int i;

	if (s->npot || s->nlump)
		return 1;
	for (i = 0; i < s->nsrc; i++)
		if (cg_src_const(s, i))
			return 1;
	sb = cg_src_back(s);
	cg_src_back_free(s, sb);
	return sb != NULL;
}

static void
energy_text(CStep *c, int i)
{
	Emit *e = c->e;
	const Scheme *s = e->s;
	const char *ind = c->ind, *sn = c->rotate ? "m->step" : "n";
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "g");
	Buf w = {0};
	int r, rf = -1, rho_x = (s->edensity->deps & ((1u << SYM_X) | (1u << SYM_Y))) != 0, bwd = cg_energy_bwd(s);
	Expr *fc = cg_force_const(s);

	cg_energy_weights(s, &w);
	/* eight partial sums (by ei mod 8), so the sum is not one chain of
	 * dependent adds, in the same order on every backend */
	cg_out(e, "%s\t{\n%s\t\tdouble E, Ev[8] = {0};\n%s\t\tlong ei, ej;\n\n", ind, ind, ind);
	/* (A + B) u: the linear operator (lin 1), without the bows (lin 2),
	 * whose forces are no part of the energy: the energy changes by
	 * their work (tests/bow work.py) */
	cg_out(e, "%s\t\t@__step(m, %s, u, u, m->escr, 0, %d);\n", ind, sn, s->nimplicit ? 2 : 1);
	if (bwd)   /* A u + B un: B d = escr2 - escr (emit_energy.c) */
		cg_out(e, "%s\t\t@__step(m, %s, u, un, m->escr2, 0, %d);\n", ind, sn, s->nimplicit ? 2 : 1);
	cg_out(e, "%s\t\tfor (ej = 0; ej <= ny; ej++)\n%s\t\t\tfor (ei = 0; ei <= nx; ei++) {\n", ind, ind);
	cg_out(e, "%s\t\t\t\tconst long q = ei + ej * nx1;\n", ind);
	cg_out(e, "%s\t\t\t\tconst double x = x0 + ei * hx, y = y0 + ej * hy, d = un[q] - u[q];\n", ind);
	cg_out(e, "%s\t\t\t\t(void)x; (void)y;\n", ind);
	/* @__held's test, from ei and ej rather than by dividing q */
	cg_out(e, "%s\t\t\t\tconst double f = (@__held_end[0][0] && ei == 0) || (@__held_end[0][1] && ei == nx) ||\n"
	       "%s\t\t\t\t    (@__ndim == 2 && ((@__held_end[1][0] && ej == 0) || (@__held_end[1][1] && ej == ny)))"
	       " ? 0.0 : 1.0;\n", ind, ind);
	r = ex_emitter_add(em, s->den);
	if (rho_x)
		ex_emitter_add(em, s->edensity);
	if (fc)
		rf = ex_emitter_add(em, fc);
	{
		Buf in = {0};
		buf_printf(&in, "%s\t\t\t\t", ind);
		ex_emitter_flush(em, &e->b, in.s);
		buf_free(&in);
	}
	if (rho_x)
		buf_printf(&w, " * (%s)", ex_emitter_root(em, r + 1));
	{
		/* with bwd, the kinetic term's weight (emit_energy.c) */
		const char *den = ex_emitter_root(em, r);
		Buf kw = {0};

		if (bwd)
			buf_printf(&kw, " - 0.5 * d * ((%s) * (m->escr2[q] - m->escr[q]) + (2 - (%s)) * d)", den, den);
		/* a constant force's potential, -f (u[n+1] + u[n]) / 2 */
		if (fc)
			buf_printf(&kw, " - (%s) * (un[q] + u[q])", ex_emitter_root(em, rf));
		cg_out(e, "%s\t\t\t\tEv[ei & 7] += f%s * (d * d - un[q] * (m->escr[q] - u[q]) * (%s)%s);\n",
		       ind, w.s ? w.s : "", den, kw.s ? kw.s : "");
		buf_free(&kw);
	}
	cg_out(e, "%s\t\t\t}\n", ind);
	cg_out(e, "%s\t\tE = ((Ev[0] + Ev[1]) + (Ev[2] + Ev[3])) + ((Ev[4] + Ev[5]) + (Ev[6] + Ev[7]));\n", ind);
	ex_emitter_free(em);
	em = ex_emitter_new(pn, cg_sym_c, "g");
	r = ex_emitter_add(em, rho_x ? ex_num(s->pool, 1) : s->edensity);
	if (s->pot0)    /* the lowered potentials' value at rest */
		ex_emitter_add(em, s->pot0);
	{
		Buf in = {0};
		buf_printf(&in, "%s\t\t", ind);
		ex_emitter_flush(em, &e->b, in.s);
		buf_free(&in);
	}
	cg_out(e, "%s\t\t%s[%d] = (%s) * hx%s * (0.5 / (k * k)) * E%s%s%s%s;\n%s\t}\n", ind, c->y, i,
	       ex_emitter_root(em, r), s->ndim == 2 ? " * hy" : "", parts_energy(s) ? " + @__parts_energy(m, u, un)" : "",
	       s->pot0 ? " + (" : "", s->pot0 ? ex_emitter_root(em, r + 1) : "", s->pot0 ? ")" : "", ind);
	ex_emitter_free(em);
	cg_free_refs(pn, 0);
	buf_free(&w);
}

static void
c_gather(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;
	Emit *e = c->e;
	const Scheme *s = e->s;
	int i, v, nv = s->ndim == 2 ? 4 : 2;

	cg_out(e, "%sif (%s) {\n", c->ind, c->y);
	for (i = o->first; i < o->first + o->count; i++) {
		Buf t = {0};
		if (s->out[i].energy) {
			energy_text(c, i);
			continue;
		}
		if (s->out[i].expr) {     /* emit_out.c */
			cg_emit_out_expr(e, i, c->ind, c->y, c->rotate ? "m->step" : "n");
			continue;
		}
		if (s->out[i].lump >= 0) {   /* a lumped object, after the grid's points */
			int z = s->out[i].lump;
			if (s->out[i].velocity)
				cg_out(e, "%s\t%s[%d] = (un[nx1 * (ny + 1) + %d] - u[nx1 * (ny + 1) + %d]) / k;\n",
				       c->ind, c->y, i, z, z);
			else
				cg_out(e, "%s\t%s[%d] = un[nx1 * (ny + 1) + %d];\n", c->ind, c->y, i, z);
			continue;
		}
		for (v = 0; v < nv; v++)
			buf_printf(&t, "%sm->out_w[%d][%d] * un[m->out_i[%d][%d]]", v ? " + " : "",
			           i, v, i, v);
		if (s->out[i].velocity) {
			for (v = 0; v < nv; v++)
				buf_printf(&t, " - m->out_w[%d][%d] * u[m->out_i[%d][%d]]", i, v, i, v);
			cg_out(e, "%s\t%s[%d] = (%s) / k;\n", c->ind, c->y, i, t.s);
		} else {
			cg_out(e, "%s\t%s[%d] = %s;\n", c->ind, c->y, i, t.s);
		}
		buf_free(&t);
	}
	cg_out(e, "%s}\n", c->ind);
	(void)st;
}

/* The state read at points, at step n (language.md section 11): the
 * field by @__read, the lumped objects after the grid's points. */
static void
c_read(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;

	cg_out(c->e, "%sconst long ng = nx1 * (ny + 1);\n", c->ind);
	cg_out(c->e, "%sdouble rd[%d];\n\n", c->ind, c->e->s->nrd);
	{
		unsigned char *skip = mem_alloc((size_t)c->e->s->nrd + 1);
		cg_out(c->e, "%s@%s(m, u, up, rd);\n%s(void)ng;\n", c->ind,
		       cg_reads_skip(c->e, skip) ? "__rdstep" : "__rdall", c->ind);
		mem_free(skip);
	}
	(void)st; (void)o;
}

/* the lumped objects' step (emit_parts.c cg_emit_lumps) */
static void
c_lump(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;

	cg_emit_lumps(c->e, c->lh, o->first, o->count, c->ind);
	(void)st;
}

/* an attached end holds the lumped object's new position */
static void
c_hold(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;

	cg_out(c->e, "%sun[%s] = un[ng + %d];\n", c->ind, o->aux % 2 ? "nx" : "0", o->first);
	(void)st;
}

/* A bow with potentials (language.md 12): the SAV correction that
 * follows (c_sav) moves the bow point too, un -= b mu with mu = mu0 +
 * S g.w / (4 (1 + g.b/4)), mu0 its value without the bow's force S (the
 * correction is affine in un).  So the bow's velocity is
 * v = vs - (r.b) mu0 / 2k + S (cc - (r.b)(g.w) / (4 (1 + g.b/4)) / 2k):
 * solved with these vs and cc, the bow and the correction are one step,
 * and the energy's change is the bow's work.  cc stays > 0, below the
 * bowcheck's r.w / 2k (Cauchy-Schwarz).  Not in the linear operator
 * alone (lin), as c_sav. */
static void
sav_coupling(CStep *c, int i)
{
	Emit *e = c->e;
	const char *ind = c->ind;
	int nv = e->s->ndim == 2 ? 4 : 2;

	cg_out(e, "%s\tif (!(%s)) {\n", ind, c->lin);
	if (c->rotate)    /* the run loop: the model's scratch (c_sav) */
		cg_out(e, "%s\t\tdouble *gs = (double *)memset(m->savs, 0, 2 * (size_t)m->npts * sizeof(double)), "
		       "*bs = gs + m->npts;\n", ind);
	else
		cg_out(e, "%s\t\tdouble *gs = (double *)calloc(2 * (size_t)m->npts, sizeof(double)), *bs = gs + m->npts;\n", ind);
	cg_out(e, "%s\t\tdouble gb, gd = 0, rb = 0, gw = 0, ds, mu0;\n%s\t\tconst double psi = u[m->npts - 1];\n", ind, ind);
	cg_out(e, "%s\t\tlong qq;\n\n", ind);
	cg_out(e, "%s\t\tif (!gs) {\n%s\t\t\tvs = NAN;\n%s\t\t} else {\n", ind, ind, ind);
	cg_out(e, "%s\t\t\tgb = @__sav_gb(m, rd, u, gs, bs);\n", ind);
	cg_out(e, "%s\t\t\tfor (qq = 0; qq < m->npts - 1; qq++)\n%s\t\t\t\tgd += gs[qq] * (un[qq] - up[qq]);\n", ind, ind);
	cg_out(e, "%s\t\t\tfor (q = 0; q < %d; q++) {\n", ind, nv);
	cg_out(e, "%s\t\t\t\trb += rw[q] * bs[ri[q]];\n", ind);
	cg_out(e, "%s\t\t\t\tgw += gs[m->src_i[%d][q]] * m->src_w[%d][q];\n%s\t\t\t}\n", ind, i, i, ind);
	cg_out(e, "%s\t\t\tds = 1 + gb / 4;\n%s\t\t\tmu0 = psi + (gd - gb * psi) / (4 * ds);\n", ind, ind);
	cg_out(e, "%s\t\t\tvs -= rb * mu0 / (2 * k);\n%s\t\t\tcc -= rb * gw / (4 * ds) / (2 * k);\n", ind, ind);
	if (!c->rotate)
		cg_out(e, "%s\t\t\tfree(gs);\n", ind);
	cg_out(e, "%s\t\t}\n%s\t}\n", ind, ind);
}

/* A bow (language.md 12): the force S(v) w at source i, v the centred
 * velocity there.  With un* the field at n+1 without it and r the read's
 * interpolation weights (2 points in 1D, the 4 of the cell in 2D, as the
 * spread's w), v = v* + c S(v), v* = (r un* - r up) / 2k and
 * c = (r . w) / 2k: Newton on g(v) = v - v* - c S(v) from the previous
 * step's root (kept in the states after the lumped objects), to a relative 1e-12 in at most 50 steps (a step that
 * does not reduce |g| is halved, up to 200 evaluations).  A failure is
 * kept (the first one's time and place, for @_solve_error) and leaves
 * the state NaN, so the render stops as at a blow-up. */
static void
c_solve(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;
	Emit *e = c->e;
	const Scheme *s = e->s;
	const Source *sr = &s->src[o->first];
	const char **pn = cg_param_refs(e);
	const char *ind = c->ind;
	int n = s->nparams + s->nrd, i = o->first, r = sr->implicit, rs, rds, slot = s->nlump, q;
	int nv = s->ndim == 2 ? 4 : 2;   /* the read's and the spread's points */
	int checked = cg_bow_checked(s, sr);   /* one root: bisection where Newton gives up */
	Expr **d = mem_alloc((size_t)(n + 1) * sizeof *d);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "b");
	Buf x = {0}, y = {0};
	char in3[64];

	snprintf(in3, sizeof in3, "%s\t\t\t", ind);
	for (q = 0; q < i; q++)    /* the root's place in the states */
		slot += s->src[q].implicit >= 0;
	diff_params(s->pool, sr->strength, n, d);
	ex_print_c(&x, sr->pos[0], pn, cg_sym_c);
	if (s->ndim == 2)
		ex_print_c(&y, sr->pos[1], pn, cg_sym_c);
	rs = ex_emitter_add(em, sr->strength);
	rds = ex_is_num(d[s->nparams + r], 0) ? -1 : ex_emitter_add(em, d[s->nparams + r]);
	if (c->e->l->step->energy)   /* not in the energy's (A + B) u (energy_text) */
		cg_out(e, "%sif (%s != 2)\n", ind, c->lin);
	cg_out(e, "%s{\n", ind);
	cg_out(e, "%s\t@_model *mw = (@_model *)m;\n", ind);
	cg_out(e, "%s\tconst double X = %s;\n", ind, x.s);
	if (s->ndim == 2)
		cg_out(e, "%s\tconst double Y = %s;\n", ind, y.s);
	cg_out(e, "%s\tlong ri[4];\n", ind);
	cg_out(e, "%s\tdouble rw[4], vs = 0, cc = 0, v = u[ng + %d], S = 0, dS = 0, g, dg;\n",
	       ind, slot);
	cg_out(e, "%s\tdouble dv = 0, vp = v, gp = HUGE_VAL%s;\n", ind, checked ? ", a = 0, b = 0, step = 0" : "");
	cg_out(e, "%s\tint q, q2, it, nn = 0, done = 0, mode = 0%s;\n\n", ind, checked ? ", has_a = 0, has_b = 0" : "");
	cg_out(e, "%s\t@__interp(m, X, %s, ri, rw);\n", ind, s->ndim == 2 ? "Y" : "0");
	cg_out(e, "%s\tfor (q = 0; q < %d; q++) {\n", ind, nv);
	cg_out(e, "%s\t\tvs += rw[q] * (un[ri[q]] - up[ri[q]]);\n", ind);
	cg_out(e, "%s\t\tfor (q2 = 0; q2 < %d; q2++)\n", ind, nv);
	cg_out(e, "%s\t\t\tif (m->src_i[%d][q2] == ri[q])\n", ind, i);
	cg_out(e, "%s\t\t\t\tcc += rw[q] * m->src_w[%d][q2];\n%s\t}\n", ind, i, ind);
	cg_out(e, "%s\tvs /= 2 * k;\n%s\tcc /= 2 * k;\n", ind, ind);
	if (s->npot)
		sav_coupling(c, i);
	cg_out(e, "%s\tfor (it = 0;; it++) {\n", ind);
	cg_out(e, "%s\t\trd[%d] = v;\n", ind, r);
	cg_out(e, "%s\t\t{\n", ind);
	ex_emitter_flush(em, &e->b, in3);
	cg_out(e, "%s\t\t\tS = %s;\n", ind, ex_emitter_root(em, rs));
	cg_out(e, "%s\t\t\tdS = %s;\n%s\t\t}\n", ind, rds >= 0 ? ex_emitter_root(em, rds) : "0", ind);
	cg_out(e, "%s\t\tif (done)\n%s\t\t\tbreak;\n", ind, ind);
	cg_out(e, "%s\t\tg = v - vs - cc * S;\n%s\t\tdg = 1 - cc * dS;\n", ind, ind);
	/* g rises with v (@__bowcheck: 1 - cc dS > 0), so it has one root:
	 * where Newton gives up (a steep, nearly flat-topped friction curve
	 * throws it about), a bracket found by doubling steps, then bisection
	 * to the same tolerance.  (An equation @__bowcheck does not check may
	 * have several roots, or none: there Newton's failure is the error it
	 * was.) */
	if (checked) {
		/* a bracket shrunk to nothing around a g that its slope does
		 * not explain is a jump, no root (a friction law of sign(v)
		 * while the bow sticks): mode 3, the failure below (it was
		 * taken for the root: 5 % of the energy off, no word) */
		cg_out(e, "%s\t\tif (mode && mode < 3 && fabs(g) <= 1e300) {\n", ind);
		cg_out(e, "%s\t\t\tif (g == 0 || (mode == 2 && (b - a <= 1e-12 * fmax(fabs(a), fabs(b)) || it > 2400))) {\n", ind);
		cg_out(e, "%s\t\t\t\tif (mode == 2 && g != 0 && fabs(g) > 1e3 * fabs(dg) * (b - a))\n%s\t\t\t\t\tmode = 3;\n",
		       ind, ind);
		cg_out(e, "%s\t\t\t\telse {\n%s\t\t\t\t\tdone = 1;\n%s\t\t\t\t\tcontinue;\n%s\t\t\t\t}\n%s\t\t\t} else {\n",
		       ind, ind, ind, ind, ind);
		cg_out(e, "%s\t\t\tif (g < 0)\n%s\t\t\t\ta = v, has_a = 1;\n%s\t\t\telse\n%s\t\t\t\tb = v, has_b = 1;\n",
		       ind, ind, ind, ind);
		cg_out(e, "%s\t\t\tif (has_a && has_b) {\n%s\t\t\t\tmode = 2;\n%s\t\t\t\tv = 0.5 * (a + b);\n%s\t\t\t\tcontinue;\n%s\t\t\t}\n",
		       ind, ind, ind, ind, ind);
		cg_out(e, "%s\t\t\tif (it < 2400) {\n%s\t\t\t\tstep *= 2;\n%s\t\t\t\tv = has_a ? a + step : b - step;\n"
		       "%s\t\t\t\tcontinue;\n%s\t\t\t}\n%s\t\t\t}\n%s\t\t}\n", ind, ind, ind, ind, ind, ind, ind);
	}
	/* a step that does not bring |g| down is halved (a friction curve's
	 * knee can throw plain Newton past the root, or into a cycle) */
	cg_out(e, "%s\t\tif (!mode && !(fabs(g) < fabs(gp)) && it < 200 && fabs(dv) > 1e-13 * fabs(vp)) {\n", ind);
	cg_out(e, "%s\t\t\tdv /= 2;\n%s\t\t\tv = vp - dv;\n%s\t\t\tcontinue;\n%s\t\t}\n",
	       ind, ind, ind, ind);
	if (checked) {
		cg_out(e, "%s\t\tif (!mode && (nn == 50 || it >= 200 || !(fabs(dg) > 0)) && fabs(g) <= 1e300) {\n", ind);
		cg_out(e, "%s\t\t\tmode = 1;\n%s\t\t\tstep = fmax(1e-6 * fmax(fabs(v), fabs(vs)), 1e-300);\n", ind, ind);
		cg_out(e, "%s\t\t\tcontinue;\n%s\t\t}\n", ind, ind);
	}
	cg_out(e, "%s\t\tif (mode || nn == 50 || it >= 200 || !(fabs(g) <= 1e300) || !(fabs(dg) > 0)) {\n", ind);
	cg_out(e, "%s\t\t\tif (mw->bow_fail < 0) {\n", ind);
	cg_out(e, "%s\t\t\t\tmw->bow_fail = t;\n%s\t\t\t\tmw->bow_x = X;\n%s\t\t\t\tmw->bow_bisect = mode;\n", ind, ind, ind);
	if (s->ndim == 2)
		cg_out(e, "%s\t\t\t\tmw->bow_y = Y;\n", ind);
	cg_out(e, "%s\t\t\t}\n", ind);
	cg_out(e, "%s\t\t\tfor (q = 0; q < m->npts; q++)\n%s\t\t\t\tun[q] = NAN;\n", ind, ind);
	cg_out(e, "%s\t\t\tS = 0;\n%s\t\t\tbreak;\n%s\t\t}\n", ind, ind, ind);
	cg_out(e, "%s\t\tvp = v;\n%s\t\tgp = g;\n%s\t\tnn++;\n", ind, ind, ind);
	cg_out(e, "%s\t\tdv = g / dg;\n%s\t\tv -= dv;\n", ind, ind);
	cg_out(e, "%s\t\tdone = fabs(dv) <= 1e-12 * fmax(fabs(v), fabs(vs)) || dv == 0;\n", ind);
	cg_out(e, "%s\t}\n", ind);
	if (checked && (d[s->nparams + r]->deps & (1u << SYM_T))) {
		/* set_coefs checked one root at t = 0 (emit_bow.c); a force
		 * that varies in time may press too hard later: checked at
		 * every 32nd step (2 points a decade: about 3 evaluations of
		 * the slope a step, where 10 at every 16th made a bowed
		 * string's render 3 times slower), an error naming the time
		 * (@_solve_error's 4) */
		cg_out(e, "%s\tif (!((long)(t / m->k + 0.5) & 31) && mw->bow_fail < 0) {\n", ind);
		cg_out(e, "%s\t\tdouble vat, M = @__bowsup(@__bowslope%d, m->p, m->k, m->h[0], m->h[1], t, 2, &vat);\n\n",
		       ind, i);
		cg_out(e, "%s\t\tif (!(cc * M < 1)) {\n", ind);
		cg_out(e, "%s\t\t\tmw->bow_fail = t;\n%s\t\t\tmw->bow_x = X;\n%s\t\t\tmw->bow_bisect = 4;\n"
		       "%s\t\t\tmw->bow_cds = cc * M;\n", ind, ind, ind, ind);
		if (s->ndim == 2)
			cg_out(e, "%s\t\t\tmw->bow_y = Y;\n", ind);
		cg_out(e, "%s\t\t\tfor (q = 0; q < m->npts; q++)\n%s\t\t\t\tun[q] = NAN;\n", ind, ind);
		cg_out(e, "%s\t\t\tS = 0;\n%s\t\t}\n%s\t}\n", ind, ind, ind);
	}
	cg_out(e, "%s\tun[ng + %d] = v;\n", ind, slot);
	cg_out(e, "%s\tfor (q = 0; q < %d; q++)\n", ind, nv);
	cg_out(e, "%s\t\tun[m->src_i[%d][q]] += S * m->src_w[%d][q];\n", ind, i, i);
	cg_out(e, "%s}\n", ind);
	buf_free(&x);
	buf_free(&y);
	ex_emitter_free(em);
	mem_free(d);
	cg_free_refs(pn, 0);
	(void)st;
}

/* potentials (language.md 12): the SAV correction, emit_sav.c; not in
 * the linear operator alone (lin) */
static void
c_sav(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;

	/* the run loop's scratch is the model's; the step's (a gradient's,
	 * on two threads) its own */
	cg_out(c->e, "%sif (!(%s))\n%s\t@__sav(m, rd, u, up, un, %s);\n", c->ind, c->lin, c->ind,
	       c->rotate ? "m->savs" : "0");
	(void)st; (void)o;
}

static void
c_rotate(void *ctx, const Step *st, const Op *o)
{
	CStep *c = ctx;

	if (c->rotate)
		cg_out(c->e, "%stmp = bup;\n%sbup = bu;\n%sbu = bun;\n%sbun = tmp;\n", c->ind, c->ind,
		       c->ind, c->ind);
	(void)st; (void)o;
}

static const StepTarget c_step = {{
	[OP_TIME] = c_time, [OP_SWEEP] = c_sweep, [OP_SCATTER] = c_scatter,
	[OP_GATHER] = c_gather, [OP_ROTATE] = c_rotate,
	[OP_READ] = c_read, [OP_LUMP] = c_lump, [OP_HOLD] = c_hold,
	[OP_SOLVE] = c_solve, [OP_SAV] = c_sav,
}};

static void
step_text(Emit *e, const unsigned char *used, const char *ind, const char *lin, const char *y,
          const char *after_time, int rotate, const LHoist *lh)
{
	CStep c;

	c.lh = lh;
	c.e = e;
	c.used = used;
	c.ind = ind;
	c.lin = lin;
	c.y = y;
	c.after_time = after_time;
	c.rotate = rotate;
	step_walk(e->l->step, ST_FWD, &c_step, &c);
}

/* A sweep's local of coefficient i from the arrays c (const), tc (this
 * step's time-varying ones) and a (over the grid). */
static void
sweep_coef(Emit *e, int i)
{
	const Coef *c = &e->l->coefs[i];

	if (c->cls == CO_CONST)
		cg_out(e, "\tconst double c%d = c[%d];\n", c->slot, c->slot);
	if (c->cls == CO_TIME)
		cg_out(e, "\tconst double tc%d = tc[%d];\n", c->slot, c->slot);
	if (c->cls == CO_SPACE)
		cg_out(e, "\tconst double *restrict a%d = a[%d];\n", c->slot, c->slot);
}

/* un = the step's regions over u, up: coefficients by slot in c (const),
 * tc (this step's time-varying ones) and a (arrays); fon scales the force.
 * With DPM_EXTERN_SWEEP defined, it is only declared: the LLVM backend
 * compiles it from the same loop IR and links it in. */
static void
emit_sweep(Emit *e)
{
	const Loops *l = e->l;
	static const char *const lev[2] = {"u", "up"};
	int r, i;

	if (!loops_sweepable(l))
		return;
	cg_out(e, "#ifdef DPM_EXTERN_SWEEP\n");
	cg_out(e, "void @__sweep(const double *c, const double *tc, double *const *a, const double *u,\n"
	       "\tconst double *up, double *un, long nx, long ny, long nx1, double fon);\n");
	cg_out(e, "#else\n");
	cg_out(e, "static void\n@__sweep(const double *c, const double *tc, double *const *a, "
	       "const double *restrict u,\n\tconst double *restrict up, double *restrict un, "
	       "long nx, long ny, long nx1, double fon)\n{\n");
	for (i = 0; i < l->ncoefs; i++)
		if (loops_in_step(l, i))
			sweep_coef(e, i);
	cg_out(e, "\tlong i, j;\n\n\t(void)c; (void)tc; (void)a; (void)up; (void)ny; (void)fon;\n");
	for (r = 0; r < l->nreg; r++)
		region(e, &l->reg[r], lev, "un", l->force_coef, "\t");
	cg_out(e, "}\n#endif\n\n");
}

/* What the step computes or hoists itself: with a sweep, only the
 * sources' strengths and the sweep's time-varying coefficients. */
static void
step_used(const Loops *l, unsigned char *used)
{
	int i;

	use_regions(l, l->reg, l->nreg, used);
	if (l->force_coef >= 0)
		used[l->force_coef] = 1;
	if (loops_sweepable(l))
		for (i = 0; i < l->ncoefs; i++)
			used[i] = used[i] && l->coefs[i].cls == CO_TIME;
	for (i = 0; i < l->s->nsrc; i++)
		if (l->src_coef[i] >= 0)
			used[l->src_coef[i]] = 1;
}

static void
emit_step(Emit *e)
{
	const Loops *l = e->l;
	unsigned char *used = mem_alloc((size_t)l->ncoefs + 1);
	LHoist *lh;

	step_used(l, used);
	emit_sweep(e);
	if (e->s->nrd)
		cg_emit_reads(e);
	if (e->s->npot)
		cg_emit_sav(e);
	if (e->l->step->energy && parts_energy(e->s))
		cg_emit_parts_energy(e);
	cg_out(e, "/* u[n+1] from u[n], u[n-1]; with lin, without sources and force\n"
	       " * (the linear operator alone; lin 2, the energy's, without bows\n"
	       " * too); outputs into y when y != 0. */\n");
	cg_out(e, "static void\n@__step(const @_model *m, long n, const double *restrict u, "
	       "const double *restrict up,\n\tdouble *restrict un, double *y, int lin)\n{\n");
	prologue(e, used, "\t");
	cg_out(e, "\tconst double t = (double)n * k;\n");
	lh = cg_lump_hoist(e, "\t");
	step_text(e, used, "\t", "lin", "y", "(void)lin; (void)up;\n", 0, lh);
	cg_lump_free(lh);
	cg_out(e, "}\n\n");

	/* the time loop: the same step, with the constants hoisted; with
	 * DPM_EXTERN_RUN, a call of the LLVM backend's loop (jit_llvm.c),
	 * which computes the same from the loop IR */
	cg_out(e, "#ifdef DPM_EXTERN_RUN\n");
	cg_out(e, "void @__runloop(const double *p, const double *c, double *const *a, double **buf,\n"
	       "\tconst long *src_i, const double *src_w, const long *out_i, const double *out_w,\n"
	       "\tconst double *from, double k, double hx, double hy, long nx, long ny, long nx1,\n"
	       "\tlong step, long n, double *out);\n\n");
	cg_out(e, "void\n@_run(@_model *m, long n, double *out)\n{\n");
	cg_out(e, "\tdouble *buf[3];\n\n\tif (n <= 0)\n\t\treturn;\n");
	cg_out(e, "\tbuf[0] = m->u;\n\tbuf[1] = m->up;\n\tbuf[2] = m->un;\n");
	cg_out(e, "\t@__runloop(m->p, m->c, m->a, buf, m->src_i[0], m->src_w[0], m->out_i[0], "
	       "m->out_w[0], @__from,\n\t    m->k, m->h[0], m->h[1], m->n[0], m->n[1], m->nx1, "
	       "m->step, n, out);\n");
	cg_out(e, "\tm->u = buf[0];\n\tm->up = buf[1];\n\tm->un = buf[2];\n\tm->step += n;\n}\n");
	cg_out(e, "#else\n");
	cg_out(e, "void\n@_run(@_model *m, long n, double *out)\n{\n");
	prologue(e, used, "\t");
	cg_out(e, "\tdouble *bu = m->u, *bup = m->up, *bun = m->un, *tmp;\n");
	cg_out(e, "\tlong s;\n\n");
	lh = cg_lump_hoist(e, "\t");
	cg_out(e, "\tfor (s = 0; s < n; s++) {\n");
	cg_out(e, "\t\tconst double t = (double)m->step * k;\n");
	cg_out(e, "\t\tconst double *restrict u = bu, *restrict up = bup;\n");
	cg_out(e, "\t\tdouble *restrict un = bun, *yo = out + s * %d;\n", e->s->nout);
	step_text(e, used, "\t\t", "0", "yo", "(void)up;\n", 1, lh);
	cg_lump_free(lh);
	cg_out(e, "\t\tm->step++;\n\t}\n");
	cg_out(e, "\tm->u = bu;\n\tm->up = bup;\n\tm->un = bun;\n}\n#endif\n\n");
	mem_free(used);
}

/* ---- the adjoint step ---- */

static void
emit_adj(Emit *e)
{
	const Loops *l = e->l;
	static const char *const lev[2] = {"la", "lb"};
	unsigned char *used = mem_alloc((size_t)l->ncoefs + 1);
	int r;

	use_regions(l, l->adj, l->nadj, used);
	cg_out(e, "/* ln = A(t_n)^T la + B(t_{n+1})^T lb: the transposed step, a gather. */\n");
	cg_out(e, "static void\n@__adj(const @_model *m, long n, const double *restrict la, "
	       "const double *restrict lb,\n\tdouble *restrict ln)\n{\n");
	prologue(e, used, "\t");
	cg_out(e, "\tconst double t = (double)n * k;\n");
	time_coefs(e, used, "0", "\t");
	cg_out(e, "\t(void)lb;\n");
	for (r = 0; r < l->nadj; r++)
		region(e, &l->adj[r], lev, "ln", -1, "\t");
	cg_out(e, "}\n\n");
	mem_free(used);
}

/* `for (j ...) {` over the region's rows (in 1D `j = 0; {`), and the
 * bounds of its columns into lo, hi. */
static void
rows_open(Emit *e, const Region *rg, const char *ind, Buf *lo, Buf *hi)
{
	lo->len = hi->len = 0;
	if (e->s->ndim == 2) {
		bound_text(lo, rg->lo[1], 1);
		bound_text(hi, rg->hi[1], 1);
		cg_out(e, "%sfor (j = %s; j <= %s; j++) {\n", ind, lo->s, hi->s);
	} else {
		cg_out(e, "%sj = 0;\n%s{\n", ind, ind);
	}
	lo->len = hi->len = 0;
	bound_text(lo, rg->lo[0], 0);
	bound_text(hi, rg->hi[0], 0);
}

/* A region's space-time coefficients st, point by point: their parts
 * that vary with neither x nor y are computed once, at ind, into the
 * block the caller has opened (a net of t beside a coefficient of x was
 * evaluated again at every point of every step of the gradient's sweeps;
 * a probe's), the rest kept for point_open (e->pt, until pt_done). */
typedef struct PtCoefs {
	Buf inner;                 /* the temporaries that vary, then stN = ... */
	int nst;
} PtCoefs;

static void
pt_coefs(Emit *e, const int *st, int nst, const char *ind, PtCoefs *pc)
{
	const Loops *l = e->l;
	const char **pn;
	ExprEmitter *em;
	Buf outer = {0};
	int g;

	memset(pc, 0, sizeof *pc);
	pc->nst = nst;
	e->pt = pc;
	if (!nst)
		return;
	pn = cg_param_refs(e);
	em = ex_emitter_new(pn, cg_sym_c, "v_");
	for (g = 0; g < nst; g++)
		ex_emitter_add(em, l->coefs[st[g]].e);
	ex_emitter_flush_split(em, &pc->inner, "\t\t\t\t\t", &outer, ind, (1u << SYM_X) | (1u << SYM_Y)
	                       | (1u << SYM_THX) | (1u << SYM_THY) | DEP_STATE);
	for (g = 0; g < nst; g++)
		buf_printf(&pc->inner, "\t\t\t\t\tconst double st%d = %s;\n", l->coefs[st[g]].slot,
		           ex_emitter_root(em, g));
	if (outer.len)
		buf_puts(&e->b, outer.s);
	ex_emitter_free(em);
	cg_free_refs(pn, e->s->nparams);
	buf_free(&outer);
}

static void
pt_done(Emit *e, PtCoefs *pc)
{
	buf_free(&pc->inner);
	e->pt = NULL;
}

/* q, and x, y with the region's space-time coefficients (e->pt), at
 * column `ii`. */
static void
point_open(Emit *e, const char *ii, const char *ind)
{
	const PtCoefs *pc = e->pt;

	cg_out(e, "%sconst long q = %s + j * nx1;\n", ind, ii);
	if (pc && pc->nst) {
		cg_out(e, "%sconst double x = x0 + %s * hx, y = y0 + j * hy;\n", ind, ii);
		cg_out(e, "%s(void)x; (void)y;\n", ind);
		buf_puts(&e->b, pc->inner.s);
	}
}

/* ---- the adjoint step with the gradient's sums riding along ----
 * For a coefficient c that does not vary in space, the sum over rows i of
 * lambda[i] dc/dp (taps u[i + o]) is the sum over points j of u[j] dc/dp
 * (taps lambda[j - o]): the transposed taps the adjoint step gathers
 * anyway.  The step making lambda[m] = A_m^T lambda[m+1] + B_{m+1}^T
 * lambda[m+2] meets both parts with u[m]: A's sums belong to step m, B's
 * to step m + 1, whose time-varying derivatives are taken at t_{m+1}.
 * Each sum is summed in eight lanes in an order written out in the C
 * text, so that every backend computes the same bits.  Per time-varying
 * coefficient and level a sum (tsR, R = 2 C + level) of the step, its
 * lanes added up at each region's end: it is multiplied by dc/dp now.
 * Per constant coefficient (gsC) the lanes of a region are added lane by
 * lane, compensated (Kahan), into eight lanes kept over the whole
 * backward (@__LANES), added up once in @__gend: adding them up at every
 * step, as the time-varying ones are, and those sums over the steps
 * (compensated too, so long sounds lose no more than short ones) took a
 * tenth of a small string's adjoint step.  What a single column adds
 * (boundary strips, corners) goes into a scalar gsC per step,
 * compensated into the kept lane 0 at the sweep's end. */

/* The name of the sum a riding group adds to (loops_sum_key), into b;
 * 0 if none. */
static int
adjg_sum(const Loops *l, const Group *gr, Buf *b)
{
	int k = loops_sum_key(l, gr);

	b->len = 0;
	if (k < 0)
		return 0;
	if (k < l->nfwd)
		buf_printf(b, "gs%d", k);
	else
		buf_printf(b, "ts%d", k - l->nfwd);
	return 1;
}

/* One point of an adjoint region at column `ii`: ln[q], and each riding
 * group's T * u[q] into lane `lane` of its sum's lanes (NAMEv; "L0":
 * lane 0 as DPM_L0 names it, in a vector part under DPM_VEC), or with
 * no lane into the sum itself.  With vec >= 0, the DPM_W points from
 * column ii as vectors into the lanes' vector NAMEv_vec: the same
 * operations in the same order lane by lane, each load made once (u[q]
 * and single taps kept in registers, DPM_KEEP, where the compiler would
 * load them again for every use). */
static void
adjg_point(Emit *e, const Region *rg, const char *ii, const char *lane, int vec, const char *ind)
{
	const Loops *l = e->l;
	static const char *const lev[2] = {"la", "lb"};
	const char *ty = vec >= 0 ? "dpm_vw" : "double";
	Buf t = {0}, ref = {0}, nm = {0};
	int g, any = 0;

	point_open(e, ii, ind);
	for (g = 0; g < rg->ngroups; g++) {
		t.len = 0;
		group_text(&t, &rg->groups[g], lev, vec >= 0);
		/* a single tap used twice is a load to keep too */
		if (vec >= 0 && rg->groups[g].ntap == 1 && adjg_sum(l, &rg->groups[g], &nm))
			cg_out(e, "%sdpm_vw T%d = %s;\n%sDPM_KEEP(T%d);\n", ind, g, t.s, ind, g);
		else
			cg_out(e, "%sconst %s T%d = %s;\n", ind, ty, g, t.s);
	}
	t.len = 0;
	for (g = 0; g < rg->ngroups; g++) {
		const Coef *co = &l->coefs[rg->groups[g].coef];
		if (vec >= 0 && co->cls == CO_SPACE)
			buf_printf(&t, "%sDPM_V(a%d, q) * T%d", g ? "\n\t\t\t\t+ " : "", co->slot, g);
		else
			buf_printf(&t, "%s%s * T%d", g ? "\n\t\t\t\t+ " : "",
			           cg_coef_ref(l, rg->groups[g].coef, &ref), g);
	}
	cg_out(e, vec >= 0 ? "%s*(dpm_vw *)(ln + q) = %s;\n" : "%sln[q] = %s;\n", ind, t.s ? t.s : "0");
	for (g = 0; g < rg->ngroups; g++) {
		if (!adjg_sum(l, &rg->groups[g], &nm))
			continue;
		if (!any++)
			cg_out(e, vec >= 0 ? "%sdpm_vw uq = DPM_V(u, q);\n%sDPM_KEEP(uq);\n"
			                   : "%sconst double uq = u[q];\n", ind, ind);
		if (vec >= 0)
			cg_out(e, "%s%sv_%d += T%d * uq;\n", ind, nm.s, vec, g);
		else if (lane && !strcmp(lane, "L0"))
			cg_out(e, "%sDPM_L0(%sv) += T%d * uq;\n", ind, nm.s, g);
		else if (lane)
			cg_out(e, "%s%sv[%s] += T%d * uq;\n", ind, nm.s, lane, g);
		else
			cg_out(e, "%s%s += T%d * uq;\n", ind, nm.s, g);
	}
	buf_free(&t);
	buf_free(&ref);
	buf_free(&nm);
}

/* The vector parts of eight lanes under DPM_VEC: part p (lanes p DPM_W
 * on) exists where 8 / DPM_W > p; part_if opens its condition, part_fi
 * closes it. */
static void
part_if(Emit *e, int p)
{
	if (p == 1)
		cg_out(e, "#if DPM_W <= 4\n");
	else if (p == 2)
		cg_out(e, "#if DPM_W <= 2\n");
}

static void
part_fi(Emit *e, int p)
{
	if (p == 1 || p == 3)
		cg_out(e, "#endif\n");
}

/* A region's lanes of sum `name` into the kept ones at sums + at: the
 * sum in the first eight, what it lost in the next (Kahan), lane by
 * lane; by vector parts under DPM_VEC when the lanes are vectors. */
static void
lanes_kept(Emit *e, const char *name, int at, int vec)
{
	int p;

	if (vec) {
		cg_out(e, "#ifdef DPM_VEC\n");
		for (p = 0; p < 4; p++) {
			part_if(e, p);
			cg_out(e, "\t\t{\n\t\t\tdpm_vw *A = (dpm_vw *)(sums + %d + %d * DPM_W), "
			          "*C = (dpm_vw *)(sums + %d + %d * DPM_W);\n", at, p, at + 8, p);
			cg_out(e, "\t\t\tconst dpm_vw y = %sv_%d - *C, t = *A + y;\n\n", name, p);
			cg_out(e, "\t\t\t*C = (t - *A) - y;\n\t\t\t*A = t;\n\t\t}\n");
			part_fi(e, p);
		}
		cg_out(e, "#else\n");
	}
	cg_out(e, "\t\tfor (v = 0; v < 8; v++) {\n\t\t\tdouble *A = sums + %d + v, *C = A + 8;\n", at);
	cg_out(e, "\t\t\tconst double y = %sv[v] - *C, t = *A + y;\n\n", name);
	cg_out(e, "\t\t\t*C = (t - *A) - y;\n\t\t\t*A = t;\n\t\t}\n");
	if (vec)
		cg_out(e, "#endif\n");
}

/* The time sum `name` plus its eight lanes, added in a fixed tree; under
 * DPM_VEC the vector parts first stored as eight doubles. */
static void
lanes_tree(Emit *e, const char *name, int vec)
{
	int p;

	cg_out(e, "\t\t{\n");
	if (vec) {
		cg_out(e, "#ifdef DPM_VEC\n\t\t\tdouble %sl[8];\n\n", name);
		for (p = 0; p < 4; p++) {
			part_if(e, p);
			cg_out(e, "\t\t\t*(dpm_vw *)(%sl + %d * DPM_W) = %sv_%d;\n", name, p, name, p);
			part_fi(e, p);
		}
		cg_out(e, "#else\n\t\t\tconst double *%sl = %sv;\n#endif\n", name, name);
	} else
		cg_out(e, "\t\t\tconst double *%sl = %sv;\n", name, name);
	cg_out(e, "\t\t\t%s += ((%sl[0] + %sl[1]) + (%sl[2] + %sl[3]))\n", name, name, name, name, name);
	cg_out(e, "\t\t\t\t+ ((%sl[4] + %sl[5]) + (%sl[6] + %sl[7]));\n\t\t}\n", name, name, name,
	       name);
}

/* The scalar `name` into the kept lane 0 at sums + at, compensated. */
static void
kept_scalar(Emit *e, const char *name, int at)
{
	cg_out(e, "\t{\n\t\tdouble *A = sums + %d, *C = A + 8;\n", at);
	cg_out(e, "\t\tconst double y = %s - *C, t = *A + y;\n\n", name);
	cg_out(e, "\t\t*C = (t - *A) - y;\n\t\t*A = t;\n\t}\n");
}

/* The region's points, eight columns at a time into eight lanes per sum
 * (the rest into lane 0), the lanes then added in a fixed tree: an order
 * every compiler keeps, and one that vectorises. */
static void
adjg_region(Emit *e, const Region *rg, const int *slot, int nsum_all)
{
	const Loops *l = e->l;
	static const char *const ii[4] = {"i", "i + DPM_W", "i + 2 * DPM_W", "i + 3 * DPM_W"};
	int g, k, p, nsum = 0, nst = 0, *st = mem_alloc((size_t)(rg->ngroups + 1) * sizeof *st);
	Buf lo = {0}, hi = {0}, nm = {0};
	char **sum = mem_alloc((size_t)(rg->ngroups + 1) * sizeof *sum);
	PtCoefs pc;

	/* a single column (a boundary strip): its rows add straight up */
	int col = region_one_column(rg);

	for (g = 0; g < rg->ngroups; g++) {
		add_st(l, rg->groups[g].coef, st, &nst);
		if (col || !adjg_sum(l, &rg->groups[g], &nm))
			continue;
		for (k = 0; k < nsum && strcmp(sum[k], nm.s); k++)
			;
		if (k == nsum)
			sum[nsum++] = mem_strdup(nm.s);
	}
	cg_out(e, "\t{\n");
	pt_coefs(e, st, nst, "\t\t", &pc);
	if (nsum) {
		/* lanes as one vector (DPM_VEC) when there are no space-time
		 * coefficients to compute point by point */
		if (!nst)
			cg_out(e, "#ifdef DPM_VEC\n");
		for (p = 0; p < 4 && !nst; p++) {
			part_if(e, p);
			for (k = 0; k < nsum; k++)
				cg_out(e, "\t\tdpm_vw %sv_%d = {0};\n", sum[k], p);
			part_fi(e, p);
		}
		if (!nst)
			cg_out(e, "#else\n");
		cg_out(e, "\t\tint v;\n");
		for (k = 0; k < nsum; k++)
			cg_out(e, "\t\tdouble %sv[8] = {0};\n", sum[k]);
		if (!nst)
			cg_out(e, "#endif\n");
		cg_out(e, "\n");
	}
	rows_open(e, rg, "\t\t", &lo, &hi);
	if (nsum) {
		if (!nst) {
			cg_out(e, "#ifdef DPM_VEC\n");
			cg_out(e, "\t\t\tfor (i = %s; i + 7 <= %s; i += 8) {\n", lo.s, hi.s);
			for (p = 0; p < 4; p++) {
				part_if(e, p);
				cg_out(e, "\t\t\t\t{\n");
				adjg_point(e, rg, ii[p], NULL, p, "\t\t\t\t\t");
				cg_out(e, "\t\t\t\t}\n");
				part_fi(e, p);
			}
			cg_out(e, "\t\t\t}\n#else\n");
		}
		cg_out(e, "\t\t\tfor (i = %s; i + 7 <= %s; i += 8)\n", lo.s, hi.s);
		cg_out(e, "\t\t\t\tfor (v = 0; v < 8; v++) {\n");
		adjg_point(e, rg, "(i + v)", "v", -1, "\t\t\t\t\t");
		cg_out(e, "\t\t\t\t}\n");
		if (!nst)
			cg_out(e, "#endif\n");
		cg_out(e, "\t\t\tfor (; i <= %s; i++) {\n", hi.s);
	} else {
		cg_out(e, "\t\t\tfor (i = %s; i <= %s; i++) {\n", lo.s, hi.s);
	}
	adjg_point(e, rg, "i", col ? NULL : nst ? "0" : "L0", -1, "\t\t\t\t");
	cg_out(e, "\t\t\t}\n\t\t}\n");
	for (k = 0; k < nsum; k++) {
		if (sum[k][0] == 'g')
			lanes_kept(e, sum[k], nsum_all + 16 * slot[atoi(sum[k] + 2)], !nst);
		else
			lanes_tree(e, sum[k], !nst);
		mem_free(sum[k]);
	}
	cg_out(e, "\t}\n");
	pt_done(e, &pc);
	mem_free(sum);
	mem_free(st);
	buf_free(&lo);
	buf_free(&hi);
	buf_free(&nm);
}

/* The riding sums of time-varying coefficients as seeds: level 0's
 * belong to step n, level 1's to step n + 1 (lvl[R]); @__tvjp takes
 * them through the coefficients once a step is complete. */
static void
adjg_time_seeds(Emit *e, const unsigned char *lvl)
{
	const Loops *l = e->l;
	int c, level;

	cg_out(e, "\t{\n\t\tdouble *w0 = @__GK_RING(m, n), *w1 = @__GK_RING(m, n + 1);\n\n");
	cg_out(e, "\t\t(void)w0; (void)w1;\n");
	for (c = 0; c < l->nfwd; c++)
		for (level = 0; level < 2; level++)
			if (lvl[2 * c + level])
				cg_out(e, "\t\tw%d[%d] += ts%d;\n", level, l->tseed[c], 2 * c + level);
	cg_out(e, "\t}\n");
}

/* double gsC = 0 and tsR = 0 for the sums with a slot */
static void
sum_decls(Emit *e, const int *slot)
{
	const Loops *l = e->l;
	int i;

	for (i = 0; i < l->nfwd; i++)
		if (slot[i] >= 0)
			cg_out(e, "\tdouble gs%d = 0;\n", i);
	for (i = 0; i < 2 * l->nfwd; i++)
		if (slot[l->nfwd + i] >= 0)
			cg_out(e, "\tdouble ts%d = 0;\n", i);
}

/* ln and the sums over the adjoint's regions, coefficients by slot in c,
 * tc, a as in the sweep; sums[slot] += each sum.  With DPM_EXTERN_ADJ
 * defined, only declared: the LLVM backend builds it from the same IR. */
static void
emit_adj_sweep(Emit *e, const int *slot, int nsum)
{
	const Loops *l = e->l;
	unsigned char *used = mem_alloc((size_t)l->ncoefs + 1);
	int r, i;
	Buf nm = {0};

	use_regions(l, l->adj, l->nadj, used);
	cg_out(e, "#ifdef DPM_EXTERN_ADJ\n");
	cg_out(e, "void @__adjsweep(const double *c, const double *tc, double *const *a, const double *la,\n"
	       "\tconst double *lb, double *ln, const double *u, long nx, long ny, long nx1, double *sums);\n");
	cg_out(e, "#else\n");
	cg_out(e, "static void\n@__adjsweep(const double *c, const double *tc, double *const *a, "
	       "const double *restrict la,\n\tconst double *restrict lb, double *restrict ln, "
	       "const double *restrict u, long nx, long ny, long nx1,\n\tdouble *sums)\n{\n");
	for (i = 0; i < l->ncoefs; i++)
		if (used[i])
			sweep_coef(e, i);
	sum_decls(e, slot);
	cg_out(e, "\tlong i, j;\n\n\t(void)c; (void)tc; (void)a; (void)lb; (void)u; (void)ny; (void)sums;\n");
	for (r = 0; r < l->nadj; r++)
		adjg_region(e, &l->adj[r], slot, nsum);
	for (i = 0; i < l->nfwd; i++)
		if (slot[i] >= 0) {
			buf_printf(&nm, "gs%d", i);
			kept_scalar(e, nm.s, nsum + 16 * slot[i]);
			nm.len = 0;
		}
	for (i = 0; i < 2 * l->nfwd; i++)
		if (slot[l->nfwd + i] >= 0)
			cg_out(e, "\tsums[%d] += ts%d;\n", slot[l->nfwd + i], i);
	cg_out(e, "}\n#endif\n\n");
	buf_free(&nm);
	mem_free(used);
}

static void
emit_adjg(Emit *e)
{
	const Loops *l = e->l;
	int r, g, c, ntimed = 0, nsum, sweep = loops_sweepable(l);
	unsigned char *used = mem_alloc((size_t)l->ncoefs + 1);
	unsigned char *lvl = mem_alloc((size_t)(2 * l->nfwd + 1));
	int *slot = mem_alloc((size_t)(3 * l->nfwd + 1) * sizeof *slot);
	Buf nm = {0};

	use_regions(l, l->adj, l->nadj, used);
	if (sweep)   /* the sweep takes the others itself */
		for (c = 0; c < l->ncoefs; c++)
			used[c] = used[c] && l->coefs[c].cls == CO_TIME;
	for (r = 0; r < l->nadj; r++)
		for (g = 0; g < l->adj[r].ngroups; g++) {
			const Group *gr = &l->adj[r].groups[g];
			c = gr->fwd;
			if (!loops_rides(l, c) || !loops_has_deriv(l, c) || l->coefs[c].cls != CO_TIME)
				continue;
			ntimed += !lvl[2 * c + gr->tap[0].level];
			lvl[2 * c + gr->tap[0].level] = 1;
		}
	nsum = loops_sum_slots(l, slot);
	if (sweep)
		emit_adj_sweep(e, slot, nsum);
	cg_out(e, "/* @__adj, and the sums of the gradient that ride along: u = u[n] */\n");
	cg_out(e, "static void\n@__adjg(const @_model *m, long n, const double *restrict la, "
	       "const double *restrict lb,\n\tdouble *restrict ln, const double *restrict u, "
	       "double *gk, double *grad)\n{\n");
	prologue(e, used, "\t");
	cg_out(e, "\tconst double t = (double)n * k;\n");
	/* the step's sums, then the kept lanes (@__LANES) */
	cg_out(e, "\tdouble *const sums = gk + @__LANES(m);\n\n\t(void)sums;\n");
	time_coefs(e, used, "u", "\t");
	if (sweep) {
		cg_out(e, "\tdouble tcv[%d] = {0};\n\n", cg_atleast1(l->nclass[CO_TIME]));
		/* the step's time sums; the constant ones stay in the sweep */
		for (r = 0; r < 2 * l->nfwd; r++)
			if (slot[l->nfwd + r] >= 0)
				cg_out(e, "\tsums[%d] = 0;\n", slot[l->nfwd + r]);
		for (c = 0; c < l->ncoefs; c++)
			if (used[c] && l->coefs[c].cls == CO_TIME)
				cg_out(e, "\ttcv[%d] = tc%d;\n", l->coefs[c].slot, l->coefs[c].slot);
		cg_out(e, "\t@__adjsweep(m->c, tcv, m->a, la, lb, ln, u, nx, ny, nx1, sums);\n");
		for (r = 0; r < 2 * l->nfwd; r++)
			if (slot[l->nfwd + r] >= 0)
				cg_out(e, "\tconst double ts%d = sums[%d];\n", r, slot[l->nfwd + r]);
	} else {
		sum_decls(e, slot);
		for (r = 0; r < l->nadj; r++)
			adjg_region(e, &l->adj[r], slot, nsum);
		for (c = 0; c < l->nfwd; c++)
			if (slot[c] >= 0) {
				buf_printf(&nm, "gs%d", c);
				kept_scalar(e, nm.s, nsum + 16 * slot[c]);
				nm.len = 0;
			}
	}
	cg_out(e, "\n\t(void)lb; (void)u; (void)gk; (void)grad;\n");
	if (ntimed)
		adjg_time_seeds(e, lvl);
	cg_out(e, "}\n\n");
	mem_free(used);
	mem_free(lvl);
	mem_free(slot);
	buf_free(&nm);
}

/* ---- gradient sums of one step ---- */

/* Does @__gacc sum coefficient c: the force, or one whose groups' sums
 * do not ride with the adjoint step?  Only one with a derivative. */
static int
in_gacc(const Loops *l, int c)
{
	return (c == l->force_coef || !loops_rides(l, c)) && loops_has_deriv(l, c);
}

/* Param p's place among those a coefficient of space and time @__gacc
 * sums has a derivative for (the rows of gp4). */
static int
stp_index(const Loops *l, int p)
{
	int q, c, n = 0, np = l->s->nparams, has;

	for (q = 0; q < p; q++) {
		for (has = 0, c = 0; c < l->nfwd && !has; c++)
			has = l->dcoef[c * np + q] >= 0 && in_gacc(l, c);
		n += has;
	}
	return n;
}

/* The sums of one region for one lane (the index expression `ii`): each
 * coefficient's dL/dc of this step, a constant one's into its row of gk
 * (per column), a time-varying one's into kc (its seed, once summed), one
 * over the grid into its seeds there (gaS[q]), one of space and time
 * times its derivatives into gp4 */
static void
gacc_point(Emit *e, const Region *rg, const char *ii, const char *lane, const char *ind)
{
	const Loops *l = e->l;
	static const char *const lev[2] = {"u", "up"};
	int np = e->s->nparams, g, c, p, f = l->force_coef;
	Buf t = {0}, ref = {0};

	point_open(e, ii, ind);
	cg_out(e, "%sconst double lq = l[q];\n", ind);
	for (g = 0; g <= rg->ngroups; g++) {
		/* the groups, then the force, whose "taps" sum to 1 */
		if (g == rg->ngroups && f < 0)
			break;
		c = g < rg->ngroups ? rg->groups[g].coef : f;
		if ((g < rg->ngroups && loops_rides(l, c)) || !loops_has_deriv(l, c))
			continue;
		t.len = 0;
		if (g < rg->ngroups) {
			buf_puts(&t, "lq * ");
			group_text(&t, &rg->groups[g], lev, 0);
		} else {
			buf_puts(&t, "lin ? 0.0 : lq");
		}
		cg_out(e, "%sconst double s%d = %s;\n", ind, g, t.s);
		cg_out(e, "%s(void)s%d;\n", ind, g);
		if (l->coefs[c].cls == CO_CONST) {   /* the force in its own row */
			cg_out(e, "%sgk%d[%s] += s%d;\n", ind, g < rg->ngroups ? c : l->nfwd, ii, g);
			continue;
		}
		if (l->coefs[c].cls == CO_TIME) {
			cg_out(e, "%skc[%d][%s] += s%d;\n", ind, c, lane, g);
			continue;
		}
		if (l->coefs[c].cls == CO_SPACE) {
			cg_out(e, "%sga%d[q] += s%d;\n", ind, l->sseed[c], g);
			continue;
		}
		for (p = 0; p < np; p++)
			if (l->dcoef[c * np + p] >= 0)
				cg_out(e, "%sgp4[%d][%s] += %s * s%d;\n", ind, stp_index(l, p), lane,
				       cg_coef_ref(l, l->dcoef[c * np + p], &ref), g);
	}
	buf_free(&t);
	buf_free(&ref);
}

/* the region's groups (and the force) whose sums @__gacc makes, their
 * space-time derivatives into st */
static int
gacc_left(const Loops *l, const Region *rg, int *st, int *nst)
{
	int np = l->s->nparams, g, p, c, left = 0;

	for (g = 0; g <= rg->ngroups; g++) {
		c = g < rg->ngroups ? rg->groups[g].coef : l->force_coef;
		if (c < 0 || (g < rg->ngroups && loops_rides(l, c)) || !loops_has_deriv(l, c))
			continue;
		left++;
		for (p = 0; p < np && st; p++)
			add_st(l, l->dcoef[c * np + p], st, nst);
	}
	return left;
}

/* sum over the region's points of lambda * (each group's taps), in four
 * lanes: a main loop four points at a time, then the rest in lane 0 */
static void
gacc_region(Emit *e, const Region *rg)
{
	const Loops *l = e->l;
	int np = e->s->nparams, g, c, allconst = 1;
	int *st = mem_alloc((size_t)((rg->ngroups + 1) * np + 1) * sizeof *st), nst = 0;
	Buf lo = {0}, hi = {0};
	PtCoefs pc;

	if (!gacc_left(l, rg, st, &nst)) {
		mem_free(st);
		return;
	}
	cg_out(e, "\t{\n");
	pt_coefs(e, st, nst, "\t\t", &pc);
	rows_open(e, rg, "\t", &lo, &hi);
	for (g = 0; g <= rg->ngroups; g++) {
		c = g < rg->ngroups ? rg->groups[g].coef : l->force_coef;
		allconst &= c < 0 || l->coefs[c].cls == CO_CONST || (g < rg->ngroups && loops_rides(l, c))
		            || !loops_has_deriv(l, c);
	}
	if (!allconst) {
		cg_out(e, "\t\tfor (i = %s; i + 3 <= %s; i += 4)\n", lo.s, hi.s);
		cg_out(e, "\t\t\tfor (v = 0; v < 4; v++) {\n");
		gacc_point(e, rg, "(i + v)", "v", "\t\t\t\t");
		cg_out(e, "\t\t\t}\n");
		cg_out(e, "\t\tfor (; i <= %s; i++) {\n", hi.s);
	} else {
		/* constant coefficients sum per column (one row of partial sums,
		 * small enough to stay in L1): a plain loop vectorises */
		cg_out(e, "\t\tfor (i = %s; i <= %s; i++) {\n", lo.s, hi.s);
	}
	gacc_point(e, rg, "i", "0", "\t\t\t");
	cg_out(e, "\t\t}\n\t}\n\t}\n");
	pt_done(e, &pc);
	mem_free(st);
	buf_free(&lo);
	buf_free(&hi);
}

/* Does point source i's spread depend on a param (its position, or den
 * times the density where it lands)?  Does output i's reading (its
 * position)? */
static int
src_moves(const Loops *l, int i)
{
	int p, np = l->s->nparams;

	for (p = 0; p < np; p++)
		if (!ex_is_num(l->dsrcpos[(2 * i) * np + p], 0) || !ex_is_num(l->dsrcpos[(2 * i + 1) * np + p], 0)
		    || !ex_is_num(l->dden[p], 0))
			return 1;
	return 0;
}

static int
out_moves(const Loops *l, int i)
{
	int p, np = l->s->nparams;

	for (p = 0; p < np; p++)
		if (!ex_is_num(l->doutpos[(2 * i) * np + p], 0) || !ex_is_num(l->doutpos[(2 * i + 1) * np + p], 0))
			return 1;
	return 0;
}

static void
emit_gacc(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	unsigned char *used = mem_alloc((size_t)l->ncoefs + 1), *stp = mem_alloc((size_t)s->nparams + 1);
	int np = s->nparams, r, c, p, i, v, nv = s->ndim == 2 ? 4 : 2, sums = 0, sc, nstp = 0;
	Buf ref = {0}, t = {0};

	/* what the sums need: the sources' strengths; the params a
	 * coefficient of space and time has a derivative for */
	for (i = 0; i < s->nsrc; i++)
		if (l->src_coef[i] >= 0)
			used[l->src_coef[i]] = 1;
	for (c = 0; c < l->nfwd; c++)
		for (p = 0; p < np; p++)
			if (l->dcoef[c * np + p] >= 0 && in_gacc(l, c)) {
				stp[p] = 1;
				/* the derivative gacc_point reads (an array of x when
				 * the coefficient is x's beside a state read's) */
				used[l->dcoef[c * np + p]] = 1;
			}
	cg_out(e, "/* dL/dc of step n for the coefficients that do not ride with the\n"
	       " * adjoint step, given l = lambda[n+1] and the states u[n], up = u[n-1],\n"
	       " * un = u[n+1], g = dL/dy_n: seeds (gk), dL/dp for those of space and\n"
	       " * time into grad.  lin: of the linear operator alone (no force, no\n"
	       " * sources, no outputs), for the energy's adjoint (emit_energy.c). */\n");
	cg_out(e, "static void\n@__gacc(const @_model *m, long n, const double *restrict l, "
	       "const double *restrict u,\n\tconst double *restrict up, const double *restrict un, "
	       "const double *g, double *gk,\n\tdouble *grad, int lin)\n{\n");
	prologue(e, used, "\t");
	cg_out(e, "\tconst double t = (double)n * k;\n");
	/* four lanes of partial sums, so the sums vectorise (and stay
	 * deterministic: the same order whatever the checkpoints) */
	for (p = 0; p < np; p++)
		nstp += stp[p];
	cg_out(e, "\tdouble kc[%d][4], gp4[%d][4];\n", cg_atleast1(l->nfwd), cg_atleast1(nstp));
	cg_out(e, "\tdouble *w = @__GK_RING(m, n), *cs = gk + @__GK_X(m) + @__OFF_CS;\n");
	cg_out(e, "\tdouble *sw = gk + @__GK_X(m) + @__OFF_SW, *ow = gk + @__GK_X(m) + @__OFF_OW;\n");
	cg_out(e, "\tint v;\n");
	for (c = 0; c < l->nfwd; c++)
		if (l->coefs[c].cls == CO_CONST && in_gacc(l, c) && c != l->force_coef)
			cg_out(e, "\tdouble *restrict gk%d = gk + %d * nx1;\n\t(void)gk%d;\n", c, c, c);
	if (l->force_coef >= 0 && l->coefs[l->force_coef].cls == CO_CONST && in_gacc(l, l->force_coef))
		cg_out(e, "\tdouble *restrict gk%d = gk + %d * nx1;\n", l->nfwd, l->nfwd);
	for (i = 0; i < l->nss; i++)
		cg_out(e, "\tdouble *restrict ga%d = gk + @__GK_X(m) + @__OFF_GA + %d * m->npts;\n\t(void)ga%d;\n",
		       i, i, i);
	cg_out(e, "\n\t(void)l; (void)u; (void)up; (void)un; (void)g; (void)v; (void)gk; (void)grad;\n");
	cg_out(e, "\t(void)kc; (void)gp4; (void)w; (void)cs; (void)sw; (void)ow;\n");
	time_coefs(e, used, "u", "\t");
	for (r = 0; r < l->nreg; r++)
		sums += gacc_left(l, &l->reg[r], NULL, NULL);
	if (sums)
		cg_out(e, "\tmemset(kc, 0, sizeof kc);\n%s", nstp ? "\tmemset(gp4, 0, sizeof gp4);\n" : "");
	for (r = 0; r < l->nreg; r++)
		gacc_region(e, &l->reg[r]);
	/* time-varying coefficients: the four lanes summed, their seed */
	for (c = 0; c < l->nfwd; c++)
		if (l->coefs[c].cls == CO_TIME && in_gacc(l, c))
			cg_out(e, "\tw[%d] += (kc[%d][0] + kc[%d][1]) + (kc[%d][2] + kc[%d][3]);\n",
			       l->tseed[c], c, c, c, c);
	/* coefficients of space and time: dL/dp now */
	for (p = 0, i = 0; p < np; p++)
		if (stp[p]) {
			cg_out(e, "\tgrad[%d] += (gp4[%d][0] + gp4[%d][1]) + (gp4[%d][2] + gp4[%d][3]);\n",
			       p, i, i, i, i);
			i++;
		}
	cg_out(e, "\tif (lin)\n\t\treturn;\n");
	/* point sources: S (lambda . G): S's seed lambda . G, and S lambda
	 * at the points G spreads over, for G's dependence on the params its
	 * position or the density moves */
	for (i = 0; i < s->nsrc; i++) {
		sc = l->src_coef[i];
		if (sc < 0)        /* a force between parts: emit_parts.c */
			continue;
		if (src_moves(l, i))
			for (v = 0; v < nv; v++)
				cg_out(e, "\tsw[%d] += %s * l[m->src_i[%d][%d]];\n", 4 * i + v,
				       cg_coef_ref(l, sc, &ref), i, v);
		if (!l->srcd[i])
			continue;
		t.len = 0;
		for (v = 0; v < nv; v++)
			buf_printf(&t, "%sl[m->src_i[%d][%d]] * m->src_w[%d][%d]", v ? " + " : "", i, v, i, v);
		if (l->coefs[sc].cls == CO_TIME)
			cg_out(e, "\tw[%d] += %s;\n", l->tseed[sc], t.s);
		else
			cg_out(e, "\tcs[%d] += %s;\n", l->cseed[sc], t.s);
	}
	/* outputs read at a moving position: g times what each point reads */
	for (i = 0; i < s->nout; i++) {
		if (!out_moves(l, i))
			continue;
		for (v = 0; v < nv; v++) {
			if (s->out[i].velocity)
				cg_out(e, "\tow[%d] += g[%d] * (un[m->out_i[%d][%d]] - u[m->out_i[%d][%d]]) / k;\n",
				       4 * i + v, i, i, v, i, v);
			else
				cg_out(e, "\tow[%d] += g[%d] * un[m->out_i[%d][%d]];\n", 4 * i + v, i, i, v);
		}
	}
	cg_out(e, "}\n\n");
	mem_free(used);
	mem_free(stp);
	buf_free(&ref);
	buf_free(&t);
}

/* lambda[s+1] += the outputs' adjoint: y_s reads u[s+1]; a velocity
 * output y_s = W (u[s+1] - u[s]) / k also reads u[s+1] in y_{s+1}. */
static void
emit_oadj(Emit *e)
{
	const Scheme *s = e->s;
	int i, v, nv = s->ndim == 2 ? 4 : 2;

	cg_out(e, "static void\n@__oadj(const @_model *m, double *l, const double *g, long s, long n)\n{\n");
	cg_out(e, "\t(void)m; (void)l; (void)g; (void)s; (void)n;\n");
	for (i = 0; i < s->nout; i++) {
		/* an expression's adjoint is @__oeadj's, the energy's
		 * emit_energy.c's: neither reads the grid at a point of its
		 * own, and @_init gives them no interpolation (emit_c.c) */
		if (s->out[i].expr || s->out[i].energy)
			continue;
		if (s->out[i].velocity) {
			cg_out(e, "\t{\n\t\tconst double go = ((s >= 0 ? g[s * %d + %d] : 0) - (s + 1 < n ? "
			       "g[(s + 1) * %d + %d] : 0)) / m->k;\n", s->nout, i, s->nout, i);
		} else {
			cg_out(e, "\tif (s >= 0) {\n\t\tconst double go = g[s * %d + %d];\n", s->nout, i);
		}
		if (s->out[i].lump >= 0)     /* after the grid's points */
			cg_out(e, "\t\tl[m->nx1 * (m->n[1] + 1) + %d] += go;\n", s->out[i].lump);
		else
			for (v = 0; v < nv; v++)
				cg_out(e, "\t\tl[m->out_i[%d][%d]] += m->out_wa[%d][%d] * go;\n", i, v, i, v);
		cg_out(e, "\t}\n");
	}
	cg_out(e, "}\n\n");
}

/* dL/dp through the initial state, u[0] = init u and u[-1] = u[0] - k
 * init u.t: per point, the seeds lambda[0] + lambda[-1] of init u and
 * -k lambda[-1] of init u.t through their expressions (cg_vjp) */
static void
emit_ginit(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	Expr *roots[2];
	const char *seeds[2] = {"wu", "wt"};

	roots[0] = s->init_u ? s->init_u : ex_num(s->pool, 0);
	roots[1] = s->init_ut ? s->init_ut : ex_num(s->pool, 0);
	cg_out(e, "static void\n@__ginit(const @_model *m, const double *l0, const double *lm1, double *grad)\n{\n");
	if (!((roots[0]->deps | roots[1]->deps) & DEP_PARAM)) {
		cg_out(e, "\t(void)m; (void)l0; (void)lm1; (void)grad;\n}\n\n");
		return;
	}
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	cg_out(e, "\tlong i, j;\n\n\t(void)p; (void)k;\n");
	cg_out(e, "\tfor (j = %d; j <= m->n[1] + %d; j++)\n", l->first[1], l->last_off[1]);
	cg_out(e, "\t\tfor (i = %d; i <= m->n[0] + %d; i++) {\n", l->first[0], l->last_off[0]);
	cg_out(e, "\t\t\tconst long q = i + j * m->nx1;\n");
	cg_out(e, "\t\t\tconst double x = @__from[0] + i * hx, y = @__from[1] + j * hy;\n");
	cg_out(e, "\t\t\tconst double wu = l0[q] + lm1[q], wt = -k * lm1[q];\n");
	cg_out(e, "\t\t\t(void)x; (void)y; (void)wu; (void)wt;\n");
	cg_vjp(e, roots, seeds, 2, "\t\t\t");
	cg_out(e, "\t\t}\n}\n\n");
}

/* The adjoint step's ops as C: the body of @__bseg's loop over s, whose
 * states are S + i * np = u[s0 - 1 + i] (step.h: adjoint step s makes
 * lambda[s+1] in ln from la = lambda[s+2], lb = lambda[s+3]). */
static void
c_adj_sweep(void *ctx, const Step *st, const Op *o)
{
	cg_out(ctx, "\t\t/* lambda[s+1] = A(t_{s+1})^T lambda[s+2] + B(t_{s+2})^T lambda[s+3] + outputs */\n");
	cg_out(ctx, "\t\t@__adjg(m, s + 1, la, lb, ln, S + (s - s0 + 2) * np, m->gk, grad);\n");
	(void)st; (void)o;
}

static void
c_adj_gather(void *ctx, const Step *st, const Op *o)
{
	cg_out(ctx, "\t\t@__oadj(m, ln, g, s, n);\n");
	if (st->exprout)           /* emit_out.c: reads of u[s+1], u[s] */
		cg_out(ctx, "\t\t@__oeadj(m, ln, g, s, n, S + (s - s0 + 2) * np, S + (s - s0 + 1) * np, grad);\n");
	if (st->energy)
		cg_out(ctx, "\t\t@__eadj(m, ln, g, s, n, S + (s - s0 + 1) * np, S + (s - s0 + 2) * np, m->gk, grad);\n");
	(void)o;
}

static void
c_adj_sums(void *ctx, const Step *st, const Op *o)
{
	cg_out(ctx, "\t\t@__gacc(m, s, ln, S + (s - s0 + 1) * np, S + (s - s0) * np, S + (s - s0 + 2) * np,\n");
	cg_out(ctx, "\t\t        g + s * %d, m->gk, grad, 0);\n", st->l->s->nout);
	(void)o;
}

static void
c_adj_time(void *ctx, const Step *st, const Op *o)
{
	cg_out(ctx, "\t\t@__tvjp(m, s + 2, grad);    /* step s + 2 has all its seeds */\n");
	(void)st; (void)o;
}

static void
c_adj_rotate(void *ctx, const Step *st, const Op *o)
{
	cg_out(ctx, "\t\ttmp = lb;\n\t\tlb = la;\n\t\tla = ln;\n\t\tln = tmp;\n");
	(void)st; (void)o;
}

/* several parts (emit_parts.c): step s + 1's forward state is u[s+1],
 * u[s]; its reads' seeds @__RS(m, s + 1) */
static void
c_adj_pscatter(void *ctx, const Step *st, const Op *o)
{
	cg_out(ctx, "\t\t@__apsc(m, s + 1, la, S + (s - s0 + 2) * np, S + (s - s0 + 1) * np, @__RS(m, s + 1), grad,\n");
	cg_out(ctx, "\t\t       m->gk + @__GK_X(m) + @__OFF_SW);\n");
	(void)st; (void)o;
}

static void
c_adj_lump(void *ctx, const Step *st, const Op *o)
{
	cg_out(ctx, "\t\t@__alump(m, s + 1, la, lb, ln, S + (s - s0 + 2) * np, S + (s - s0 + 1) * np,\n");
	cg_out(ctx, "\t\t        @__RS(m, s + 1), grad, m->gk + @__GK_X(m) + @__OFF_LC);\n");
	(void)st; (void)o;
}

static void
c_adj_read(void *ctx, const Step *st, const Op *o)
{
	cg_out(ctx, "\t\t@__aread(m, ln, S + (s - s0 + 2) * np, S + (s - s0 + 1) * np, @__RS(m, s + 1),\n");
	cg_out(ctx, "\t\t        @__RS(m, s + 2), grad);\n");
	(void)st; (void)o;
}

static void
c_adj_hold(void *ctx, const Step *st, const Op *o)
{
	/* one call hands on every attached end */
	if (o == st->adj || o[-1].kind != OP_ADJ_HOLD)
		cg_out(ctx, "\t\t@__ahold(m, ln);\n");
}

/* the bows of step s (emit_bow.c), lambda[s+1] complete: one call for
 * all, in reverse */
static void
c_adj_solve(void *ctx, const Step *st, const Op *o)
{
	if (o == st->adj || o[-1].kind != OP_ADJ_SOLVE) {
		cg_out(ctx, "\t\t@__asolve(m, s, ln, S + (s - s0 + 1) * np, S + (s - s0) * np, S + (s - s0 + 2) * np,\n");
		cg_out(ctx, "\t\t          @__RS(m, s), grad, m->gk + @__GK_X(m) + @__OFF_SW);\n");
	}
}

/* the potentials' correction of step s (emit_sav.c), lambda[s+1] made
 * complete by the seeds waiting for it */
static void
c_adj_sav(void *ctx, const Step *st, const Op *o)
{
	cg_out(ctx, "\t\t@__asav(m, s, ln, S + (s - s0 + 1) * np, S + (s - s0) * np, S + (s - s0 + 2) * np, grad);\n");
	(void)st; (void)o;
}

static const StepTarget c_adj = {{
	[OP_ADJ_SWEEP] = c_adj_sweep, [OP_ADJ_GATHER] = c_adj_gather, [OP_ADJ_SUMS] = c_adj_sums,
	[OP_ADJ_TIME] = c_adj_time, [OP_ROTATE] = c_adj_rotate,
	[OP_ADJ_PSCATTER] = c_adj_pscatter, [OP_ADJ_LUMP] = c_adj_lump, [OP_ADJ_READ] = c_adj_read,
	[OP_ADJ_HOLD] = c_adj_hold, [OP_ADJ_SOLVE] = c_adj_solve, [OP_ADJ_SAV] = c_adj_sav,
}};

/* ---- the API: forward with checkpoints, backward, the operators ---- */

/* @__gend's parts: lambda[0] (second 0: step 0's transposes, the seeds of
 * step 1's reads waiting in the ring) or lambda[-1] (second 1: only what
 * reaches u[-1] through step 0, lambda[0] of step -1 being 0). */
static void
gend_parts(Emit *e, int second)
{
	const Scheme *s = e->s;

	if (!second) {
		if (s->nstate_src || s->nstate_coef)
			cg_out(e, "\t@__apsc(m, 0, la, u0, um1, @__RS(m, 0), grad, m->gk + @__GK_X(m) + @__OFF_SW);\n");
		if (s->nlump)
			cg_out(e, "\t@__alump(m, 0, la, lb, ln, u0, um1, @__RS(m, 0), grad, m->gk + @__GK_X(m) + @__OFF_LC);\n");
		if (s->nrd)
			cg_out(e, "\t@__aread(m, ln, u0, um1, @__RS(m, 0), @__RS(m, 1), grad);\n");
		return;
	}
	if (s->nlump)
		cg_out(e, "\t@__alump(m, -1, lz, la, lb, um1, um1, @__RS(m, -1), grad, m->gk + @__GK_X(m) + @__OFF_LC);\n");
	if (s->nrd)
		cg_out(e, "\t@__aread(m, lb, um1, um1, @__RS(m, -1), @__RS(m, 0), grad);\n");
}

/* P_op_adj of a model with parts: l the adjoint of u[n+1], the end it
 * holds handed to its object first; A^T, B^T of the whole step at t = 0,
 * the forces and rests differentiated at the zero state (exact for a
 * linear model).  The gradient's sums go to a scratch. */
static void
op_adj_parts(Emit *e)
{
	const Scheme *s = e->s;
	int nr = cg_atleast1(s->nrd);

	cg_out(e, "\t{\n\t\tdouble *lf = (double *)calloc((size_t)m->npts, sizeof(double));\n");
	cg_out(e, "\t\tdouble rs0[%d] = {0}, rs1[%d] = {0}, gs[%d], sws[%d];\n\n", nr, nr,
	       cg_atleast1(s->nparams), cg_atleast1(4 * s->nsrc));
	cg_out(e, "\t\t(void)rs0; (void)rs1; (void)gs; (void)sws;\n");
	if (s->nlump)
		cg_out(e, "\t\tdouble lc[%d];\n\n\t\t@__alc(m, lc);\n", cg_parts_nlc(e));
	cg_out(e, "\t\tif (!lf) {\n\t\t\tfor (q = 0; q < m->npts; q++)\n\t\t\t\tlu[q] = lup[q] = NAN;\n");
	cg_out(e, "\t\t\tfree(z);\n\t\t\treturn;\n\t\t}\n");
	cg_out(e, "\t\tmemcpy(lf, l, (size_t)m->npts * sizeof(double));\n");
	if (s->nimplicit)          /* the bows at the zero state, before the rest */
		cg_out(e, "\t\t@__asolve(m, 0, lf, z, z, z, rs0, gs, sws);\n");
	cg_out(e, "\t\t@__ahold(m, lf);\n");
	cg_out(e, "\t\t@__adj(m, 0, lf, z, lu);     /* A(t_0)^T l */\n");
	if (s->nstate_src || s->nstate_coef)
		cg_out(e, "\t\t@__apsc(m, 0, lf, z, z, rs0, gs, sws);\n");
	if (s->nlump)
		cg_out(e, "\t\t@__alump(m, 0, lf, z, lu, z, z, rs0, gs, lc);\n");
	if (s->nrd)
		cg_out(e, "\t\t@__aread(m, lu, z, z, rs0, rs1, gs);\n");
	cg_out(e, "\t\t@__adj(m, -1, z, lf, lup);   /* B(t_0)^T l */\n");
	if (s->nlump)
		cg_out(e, "\t\t@__alump(m, 0, z, lf, lup, z, z, rs1, gs, lc);\n");
	if (s->nrd)
		cg_out(e, "\t\t@__aread(m, lup, z, z, rs1, rs0, gs);\n");
	cg_out(e, "\t\tfree(lf);\n\t}\n\tfree(z);\n}\n");
}

static void
emit_api(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	int np = s->nparams, *slot = mem_alloc((size_t)(3 * l->nfwd + 1) * sizeof *slot), c;

	cg_out(e, "void\n@_set_checkpoints(@_model *m, long every)\n{\n\tm->ck_every = every;\n}\n\n");
	cg_out(e, "void\n@_set_memory(@_model *m, double bytes)\n{\n\tm->ck_mem = bytes;\n}\n\n");
	cg_out(e, "void\n@_set_threads(@_model *m, int n)\n{\n\tm->ck_threads = n > 0 ? n : 0;\n}\n\n");

	cg_out(e, "enum { @__NOUT = %d, @__NPAR = %d };\n\n", s->nout, np);
	cg_out(e, "static int\n@__gcheck(const @_model *m, char *err, int errsz)\n{\n");
	/* a coefficient of x (or y) and t that reads the state: its seeds do
	 * not flow back through the reads yet (emit_parts.c @__apsc takes
	 * those of t alone: a gradient 1 % off at a large amplitude) */
	for (c = 0; c < l->ncoefs; c++)
		if (l->coefs[c].cls == CO_SPACETIME && (l->coefs[c].e->deps & DEP_STATE)) {
			char at[32];
			cg_out(e, "\tsnprintf(err, (size_t)errsz, \"%sa gradient of this pde is not supported yet: "
			       "a coefficient at one point varies in %s and reads the state (an integral's or a point "
			       "read's term beside a coefficient of %s); render it, or write the term that reads the "
			       "state as a potential\");\n\t(void)m;\n\treturn 1;\n",
			       cg_loc_text(s->m->pde->value->loc, at, sizeof at), s->ndim == 2 ? "x, y" : "x",
			       s->ndim == 2 ? "x, y" : "x");
			break;
		}
	cg_out(e, "\tif (m->n[0] < %d || m->n[1] < %d) {\n", l->adj_min_n[0], l->adj_min_n[1]);
	cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"grid %%d%s is too coarse for a gradient: use at least %d intervals "
	       "(where no such grid is stable for these params, raise the rate: a shorter step takes a finer grid)\", "
	       "m->n[0]%s);\n", s->ndim == 2 ? ", %d" : "", l->adj_min_n[0], s->ndim == 2 ? ", m->n[1]" : "");
	cg_out(e, "\t\treturn 1;\n\t}\n\treturn 0;\n}\n\n");

	/* the reverse sweep over steps s1 - 1 .. s0, given the states
	 * S + i * np = u[s0 - 1 + i]; the adjoint states rotate in lam */
	cg_out(e, "static void\n@__bseg(@_model *m, const double *g, long s0, long s1, const double *S,\n"
	       "\tdouble **lam, double *grad)\n{\n");
	cg_out(e, "\tconst long n = m->ck_n, np = m->npts;\n");
	cg_out(e, "\tdouble *la = lam[0], *lb = lam[1], *ln = lam[2], *tmp;\n\tlong s;\n\n");
	cg_out(e, "\tfor (s = s1 - 1; s >= s0; s--) {\n");
	step_walk(l->step, ST_ADJ, &c_adj, e);
	cg_out(e, "\t}\n\tlam[0] = la;\n\tlam[1] = lb;\n\tlam[2] = ln;\n}\n\n");

	/* the end of the backward, given u[0], u[-1] */
	/* a net's reverse sweep is a statement a weight here, run once a
	 * gradient: cg_cold */
	cg_out(e, "%sstatic void\n@__gend(@_model *m, const double *g, double **lam, double *lz, const double *u0,\n"
	       "\tconst double *um1, double *grad)\n{\n",
	       cg_cold(e));
	cg_out(e, "\tdouble *la = lam[0], *lb = lam[1], *ln = lam[2];\n\n");
	cg_out(e, "\t/* lambda[0] = A(t_0)^T lambda[1] + B(t_1)^T lambda[2] (+ a velocity\n"
	       "\t * output's y_0), lambda[-1] = B(t_0)^T lambda[1]: the initial state */\n");
	cg_out(e, "\t@__adjg(m, 0, la, lb, ln, u0, m->gk, grad);\n");
	if (l->step->parts)
		gend_parts(e, 0);
	cg_out(e, "\t@__oadj(m, ln, g, -1, m->ck_n);\n");
	if (l->step->exprout)      /* output 0's velocity reads of u[0] */
		cg_out(e, "\t@__oeadj(m, ln, g, -1, m->ck_n, u0, um1, grad);\n");
	if (l->step->energy)       /* E_0's seeds of u[0], waiting */
		cg_out(e, "\t@__eadj(m, ln, g, -1, m->ck_n, u0, u0, m->gk, grad);\n");
	if (s->npot)               /* psi's start, u[0]'s waiting seeds */
		cg_out(e, "\t@__gsav(m, ln, 0, u0, um1, grad);\n");
	if (l->step->parts)
		cg_out(e, "\t@__ahold(m, ln);    /* reset holds the ends too */\n");
	cg_out(e, "\tmemset(lz, 0, (size_t)m->npts * sizeof(double));\n");
	cg_out(e, "\t@__adjg(m, -1, lz, la, lb, um1, m->gk, grad);\n");
	if (l->step->parts) {
		gend_parts(e, 1);
		if (s->npot)
			cg_out(e, "\t@__gsav(m, lb, 1, u0, um1, grad);\n");
		cg_out(e, "\t@__ahold(m, lb);\n");
		if (s->nlump)
			cg_out(e, "\t@__glinit(m, ln, lb, grad);\n");
	}
	cg_out(e, "\t@__ginit(m, ln, lb, grad);\n");
	loops_sum_slots(l, slot);
	cg_emit_gend_vjp(e, slot);
	mem_free(slot);
	cg_out(e, "}\n\n");
	cg_emit_ck(e);

	cg_out(e, "void\n@_op(const @_model *m, const double *u, const double *up, double *un)\n{\n");
	cg_out(e, "\tmemset(un, 0, (size_t)m->npts * sizeof(double));\n");
	cg_out(e, "\t@__step(m, 0, u, up, un, 0, 1);\n}\n\n");
	cg_out(e, "void\n@_op_adj(const @_model *m, const double *l, double *lu, double *lup)\n{\n");
	cg_out(e, "\tdouble *z = (double *)calloc((size_t)m->npts, sizeof(double));\n");
	cg_out(e, "\tlong q;\n\n");
	cg_out(e, "\tmemset(lu, 0, (size_t)m->npts * sizeof(double));\n");
	cg_out(e, "\tmemset(lup, 0, (size_t)m->npts * sizeof(double));\n");
	/* it returns nothing: out of memory must not pass for a zero transpose */
	cg_out(e, "\tif (!z) {\n\t\tfor (q = 0; q < m->npts; q++)\n\t\t\tlu[q] = lup[q] = NAN;\n");
	cg_out(e, "\t\treturn;\n\t}\n");
	if (l->step->parts) {
		op_adj_parts(e);
		return;
	}
	cg_out(e, "\t@__adj(m, 0, l, z, lu);     /* A(t_0)^T l */\n");
	cg_out(e, "\t@__adj(m, -1, z, l, lup);   /* B(t_0)^T l */\n");
	cg_out(e, "\tfree(z);\n}\n");
}

void
cg_emit_kernels(Emit *e)
{
	cg_emit_grad_layout(e);
	emit_step(e);
	if (!e->grad)
		return;
	emit_adj(e);
	emit_adjg(e);
	emit_gacc(e);
	emit_oadj(e);
	if (e->l->step->exprout)
		cg_emit_out_adj(e);
	emit_ginit(e);
	cg_emit_tvjp(e);
	if (e->l->step->parts)
		cg_emit_parts_adj(e);
	if (e->s->npot)
		cg_emit_sav_adj(e);
	if (e->l->step->energy)
		cg_emit_energy_adj(e);
	emit_api(e);
}
