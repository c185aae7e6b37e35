/* emit_parts.c — the adjoint of a model with several parts (language.md
 * section 11): lumped objects, point reads of the state, forces between
 * parts, attached ends.
 *
 * requires: Loops whose Step has the parts' adjoint ops (step.c
 *           transpose_parts); emit_loop.c walks them and calls these.
 * leaves:   C functions, each the transpose of one forward op of step n,
 *           given lambda[n+1] and the forward state of step n (u = u[n],
 *           up = u[n-1], from which the reads are made again):
 *   @__rdall  the reads of a step (cg_emit_reads; the step calls it too)
 *   @__apsc   forces between parts: S(rd) W^T lambda, its seeds
 *   @__alump  lumped objects: their rows of A^T, B^T, their seeds
 *   @__aread  the reads' seeds back onto lambda[n] (R0^T), and the next
 *             step's onto it as its u[n-1] (R1^T)
 *   @__ahold  an attached end's lambda handed to its object
 *   @__glinit the lumped objects' initial state
 * and the forward step of the lumped objects (cg_emit_lumps, which
 * emit_loop.c's OP_LUMP calls): their constant parts hoisted out of the
 * time loop, a chain's interior points one loop.
 *
 * The seeds of the reads (rs) of step n live in a ring of two in m->gk
 * (@__RS): step n+1's wait there for the adjoint step that makes
 * lambda[n], which they reach through the velocity reads' u[n].
 * Nonlinear strengths and rests (max(0, ...)^p) are differentiated at the
 * forward state: diff.c's one-sided rules at their kinks. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "emit.h"

/* x and its derivatives by the params and the reads (nq of them) into
 * em: x's root number, and each derivative's in droot (-1: zero). */
static int
add_derivs(Emit *e, ExprEmitter *em, Expr *x, int nq, int *droot)
{
	Expr **d = mem_alloc((size_t)(nq + 1) * sizeof *d);
	int r = ex_emitter_add(em, x), q;

	if (nq)
		diff_params(e->s->pool, x, nq, d);
	for (q = 0; q < nq; q++)
		droot[q] = ex_is_num(d[q], 0) ? -1 : ex_emitter_add(em, d[q]);
	mem_free(d);
	return r;
}

static void
locals(Emit *e, const char *n)
{
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1], t = (double)(%s) * k;\n", n);
	cg_out(e, "\tconst long ng = m->nx1 * (m->n[1] + 1);\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)t; (void)ng;\n");
}

/* Marks in used[] the reads (np + r) e names. */
static void
reads_of(const Expr *e, int np, int nrd, unsigned char *used, unsigned char *seen, unsigned nseen)
{
	if (!(e->deps & DEP_STATE) || (e->id < nseen && seen[e->id]))
		return;
	if (e->id < nseen)
		seen[e->id] = 1;
	if (e->kind == EX_PARAM && e->index >= np && e->index < np + nrd)
		used[e->index - np] = 1;
	if (e->a)
		reads_of(e->a, np, nrd, used, seen, nseen);
	if (e->b)
		reads_of(e->b, np, nrd, used, seen, nseen);
	if (e->c)
		reads_of(e->c, np, nrd, used, seen, nseen);
}

/* Marks in used[] the reads the step's terms name: the sources'
 * strengths, the coefficients, the lumped objects' dampings and, with
 * rests, their rests, with pot the potential. */
static void
reads_used(Emit *e, unsigned char *used, int rests, int pot)
{
	const Scheme *s = e->s;
	const Loops *l = e->l;
	unsigned nseen = 1u << 20;
	unsigned char *seen = mem_alloc(nseen);
	int i, np = s->nparams;

	memset(seen, 0, nseen);
	memset(used, 0, (size_t)s->nrd);
	for (i = 0; i < s->nsrc; i++)
		reads_of(s->src[i].strength, np, s->nrd, used, seen, nseen);
	for (i = 0; i < l->ncoefs; i++)
		reads_of(l->coefs[i].e, np, s->nrd, used, seen, nseen);
	for (i = 0; i < s->nlump; i++) {
		reads_of(s->lump[i].ct, np, s->nrd, used, seen, nseen);
		if (rests)
			reads_of(s->lump[i].rest, np, s->nrd, used, seen, nseen);
	}
	if (pot && s->pot)
		reads_of(s->pot, np, s->nrd, used, seen, nseen);
	mem_free(seen);
}

/* The reads of lumped objects (z, z.t) the forward step need not copy
 * into rd[]: those only the lumped objects' updates read, which
 * cg_emit_lumps takes from the state directly.  skip[r]; their number. */
int
cg_reads_skip(Emit *e, unsigned char *skip)
{
	const Scheme *s = e->s;
	unsigned char *used;
	int r, n = 0;

	if (!s->nrd)
		return 0;
	used = mem_alloc((size_t)s->nrd);
	reads_used(e, used, 0, 1);
	for (r = 0; r < s->nrd; r++) {
		ReadKind k = s->rd[r].kind;
		skip[r] = (k == RD_LUMP || k == RD_LUMP_VEL) && !used[r] && !s->nimplicit && !s->npot;
		n += skip[r];
	}
	mem_free(used);
	return n;
}

/* @NAME: the reads of a step from u = u[n], up = u[n-1] but those skip
 * marks */
static void
reads_fn(Emit *e, const char *name, const unsigned char *skip)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "x");
	int r, *root = mem_alloc((size_t)(s->nrd + 1) * sizeof *root);
	int *root2 = mem_alloc((size_t)(s->nrd + 1) * sizeof *root2);

	cg_out(e, "static void\n@%s(const @_model *m, const double *u, const double *up, double *rd)\n{\n", name);
	locals(e, "0");
	for (r = 0; r < s->nrd; r++) {
		root[r] = s->rd[r].pos && !(skip && skip[r]) ? ex_emitter_add(em, s->rd[r].pos) : -1;
		root2[r] = s->rd[r].pos2 && !(skip && skip[r]) ? ex_emitter_add(em, s->rd[r].pos2) : -1;
	}
	ex_emitter_flush(em, &e->b, "\t");
	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
		if (skip && skip[r])
			continue;
		if (rd->kind == RD_LUMP)
			cg_out(e, "\trd[%d] = u[ng + %d];\n", r, rd->lump);
		else if (rd->kind == RD_LUMP_VEL)
			cg_out(e, "\trd[%d] = (u[ng + %d] - up[ng + %d]) / k;\n", r, rd->lump, rd->lump);
		else if (rd->kind == RD_INT)
			cg_out(e, "\trd[%d] = @__int%d(m, u);\n", r, r);
		else if (root2[r] >= 0)
			cg_out(e, "\trd[%d] = @__read(m, u, up, %s, %s, %d);\n", r, ex_emitter_root(em, root[r]),
			       ex_emitter_root(em, root2[r]), rd->kind == RD_VAL ? 0 : 1);
		else
			cg_out(e, "\trd[%d] = @__read(m, u, up, %s, %d);\n", r, ex_emitter_root(em, root[r]),
			       rd->kind == RD_VAL ? 0 : rd->kind == RD_DX ? 2 : rd->kind == RD_DX3 ? 3 : 1);
	}
	cg_out(e, "\t(void)u; (void)up; (void)rd;\n}\n\n");
	ex_emitter_free(em);
	mem_free(root2);
	mem_free(root);
	cg_free_refs(pn, 0);
}

/* @__rdall: the reads of a step from u = u[n], up = u[n-1], which the
 * adjoint's transposes call; and @__rdstep, those the forward step copies
 * (cg_reads_skip), when fewer */
void
cg_emit_reads(Emit *e)
{
	unsigned char *skip = mem_alloc((size_t)e->s->nrd + 1);

	cg_emit_integrals(e);
	reads_fn(e, "__rdall", NULL);
	if (cg_reads_skip(e, skip))
		reads_fn(e, "__rdstep", skip);
	mem_free(skip);
}

/* grad[p] += seed * d[p], rs[r] += seed * d[np + r] */
static void
spread(Emit *e, ExprEmitter *em, const int *droot, const char *seed, const char *ind)
{
	const Scheme *s = e->s;
	int q, np = s->nparams;

	for (q = 0; q < np + s->nrd; q++)
		if (droot[q] >= 0)
			cg_out(e, "%s%s[%d] += (%s) * %s;\n", ind, q < np ? "grad" : "rs", q < np ? q : q - np,
			       seed, ex_emitter_root(em, droot[q]));
}

/* Does source i's spread move with a param (its position, den)? */
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

/* Forces between parts: un += S_i(rd) G_i, so with G = G_i . lambda,
 * rs += G dS/drd, grad += G dS/dp, and S lambda at the points, for the
 * position of the join (emit_vjp.c takes it through src_dw). */
static void
emit_apsc(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int nq = s->nparams + s->nrd, i, v, nv = s->ndim == 2 ? 4 : 2;
	int *droot = mem_alloc((size_t)(nq + 1) * sizeof *droot);
	Buf g = {0};

	cg_out(e, "static void\n@__apsc(const @_model *m, long n, const double *la, const double *u, const double *up,\n"
	       "\tdouble *rs, double *grad, double *sw)\n{\n");
	locals(e, "n");
	cg_out(e, "\tdouble rd[%d];\n\n", cg_atleast1(s->nrd));
	cg_out(e, "\t(void)la; (void)sw; (void)rs; (void)grad;\n");
	if (s->nrd)
		cg_out(e, "\t@__rdall(m, u, up, rd);\n");
	for (i = 0; i < s->nsrc; i++) {
		ExprEmitter *em;
		int root;
		if (!s->src[i].state || s->src[i].implicit >= 0)  /* a bow: emit_bow.c */
			continue;
		em = ex_emitter_new(pn, cg_sym_c, "v");
		g.len = 0;
		for (v = 0; v < nv; v++)
			buf_printf(&g, "%sla[m->src_i[%d][%d]] * m->src_w[%d][%d]", v ? " + " : "", i, v, i, v);
		cg_out(e, "\t{\n\t\tconst double G = %s;\n", g.s);
		root = add_derivs(e, em, s->src[i].strength, nq, droot);
		ex_emitter_flush(em, &e->b, "\t\t");
		cg_out(e, "\t\tconst double S = %s;\n\n\t\t(void)S;\n", ex_emitter_root(em, root));
		spread(e, em, droot, "G", "\t\t");
		if (src_moves(e->l, i))
			for (v = 0; v < nv; v++)
				cg_out(e, "\t\tsw[%d] += S * la[m->src_i[%d][%d]];\n", 4 * i + v, i, v);
		cg_out(e, "\t}\n");
		ex_emitter_free(em);
	}
	/* the coefficients that read the state: step n's seeds, complete
	 * (of u[n]'s taps alone: discretise.c state_coef), through the
	 * coefficient at the state's reads, then cleared */
	for (i = 0; i < e->l->nfwd; i++) {
		const Coef *co = &e->l->coefs[i];
		ExprEmitter *em;
		if (co->cls != CO_TIME || !(co->e->deps & DEP_STATE) || e->l->tseed[i] < 0)
			continue;
		em = ex_emitter_new(pn, cg_sym_c, "v");
		cg_out(e, "	{\n\t\tdouble *w = @__GK_RING(m, n);\n\t\tconst double W = w[%d];\n\n", e->l->tseed[i]);
		cg_out(e, "\t\tw[%d] = 0;\n", e->l->tseed[i]);
		v = add_derivs(e, em, co->e, nq, droot);
		ex_emitter_flush(em, &e->b, "\t\t");
		cg_out(e, "\t\t(void)(%s);\n", ex_emitter_root(em, v));    /* the value: only its slopes are used */
		spread(e, em, droot, "W", "\t\t");
		cg_out(e, "\t}\n");
		ex_emitter_free(em);
	}
	cg_out(e, "}\n\n");
	mem_free(droot);
	buf_free(&g);
	cg_free_refs(pn, 0);
}

static void emit_alump(Emit *e);

/* A read in 2D is bilinear in its cell: (1-b)((1-a) v0 + a v1) +
 * b((1-a) v2 + a v3), v the value or the velocity at the corners.  Its
 * seed goes back to them by the same weights, and through X and Y (the
 * form's slopes along a and b, over h) to the params. */
static void
aread2(Emit *e, const char **pn, int r)
{
	const Scheme *s = e->s;
	const Read *rd = &s->rd[r];
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "x");
	int np = s->nparams, p, rx, ry;
	int *dx = mem_alloc((size_t)(2 * np + 1) * sizeof *dx), *dy = dx + np;

	rx = add_derivs(e, em, rd->pos, np, dx);
	ry = add_derivs(e, em, rd->pos2, np, dy);
	cg_out(e, "\t{\n");
	ex_emitter_flush(em, &e->b, "\t\t");
	cg_out(e, "\t\tdouble a = (%s - @__from[0]) / m->h[0], b = (%s - @__from[1]) / m->h[1];\n",
	       ex_emitter_root(em, rx), ex_emitter_root(em, ry));
	cg_out(e, "\t\tdouble v[4], ga, gb, g;\n\t\tlong i = (long)floor(a), j = (long)floor(b), q, o[4];\n\n");
	cg_out(e, "\t\ti = i > m->n[0] - 1 ? m->n[0] - 1 : i < 0 ? 0 : i;\n");
	cg_out(e, "\t\tj = j > m->n[1] - 1 ? m->n[1] - 1 : j < 0 ? 0 : j;\n");
	cg_out(e, "\t\ta -= (double)i;\n\t\tb -= (double)j;\n");
	cg_out(e, "\t\tfor (q = 0; q < 4; q++) {\n");
	cg_out(e, "\t\t\to[q] = i + j * m->nx1 + (q & 1) + (q >> 1) * m->nx1;\n");
	cg_out(e, "\t\t\tv[q] = %s;\n\t\t}\n", rd->kind == RD_VEL ? "(u[o[q]] - up[o[q]]) / k" : "u[o[q]]");
	if (rd->kind == RD_CVEL) {
		/* a bow's (u[n+1] - u[n-1]) / 2k: its seed (emit_bow.c, which
		 * takes the bow point's derivatives too) reaches u[n-1] from the
		 * step after next */
		cg_out(e, "\t\tg = -rs1[%d] / (2 * k);\n\t\t(void)v;\n", r);
		cg_out(e, "\t\tln[o[0]] += (1 - a) * (1 - b) * g;\n\t\tln[o[1]] += a * (1 - b) * g;\n");
		cg_out(e, "\t\tln[o[2]] += (1 - a) * b * g;\n\t\tln[o[3]] += a * b * g;\n\t\t(void)ga; (void)gb;\n\t}\n");
		ex_emitter_free(em);
		mem_free(dx);
		return;
	}
	if (rd->kind == RD_VEL)
		cg_out(e, "\t\tg = (rs0[%d] - rs1[%d]) / k;\n", r, r);
	else
		cg_out(e, "\t\tg = rs0[%d];\n", r);
	cg_out(e, "\t\tln[o[0]] += (1 - a) * (1 - b) * g;\n\t\tln[o[1]] += a * (1 - b) * g;\n");
	cg_out(e, "\t\tln[o[2]] += (1 - a) * b * g;\n\t\tln[o[3]] += a * b * g;\n");
	cg_out(e, "\t\tga = rs0[%d] * ((1 - b) * (v[1] - v[0]) + b * (v[3] - v[2])) / m->h[0];\n", r);
	cg_out(e, "\t\tgb = rs0[%d] * ((1 - a) * (v[2] - v[0]) + a * (v[3] - v[1])) / m->h[1];\n", r);
	cg_out(e, "\t\t(void)ga; (void)gb;\n");
	for (p = 0; p < np; p++) {
		if (dx[p] >= 0)
			cg_out(e, "\t\tgrad[%d] += ga * %s;\n", p, ex_emitter_root(em, dx[p]));
		if (dy[p] >= 0)
			cg_out(e, "\t\tgrad[%d] += gb * %s;\n", p, ex_emitter_root(em, dy[p]));
	}
	cg_out(e, "\t}\n");
	ex_emitter_free(em);
	mem_free(dx);
}

/* ln += R0^T rs0 + R1^T rs1: rs0 the seeds of step n's reads (of u[n],
 * u[n-1] = u, up), rs1 those of step n+1 (which read this u[n] as their
 * u[n-1]: the velocities); grad through the positions read, dX/dp rs0
 * d rd/dX at the forward state.  rs1 is then cleared for the ring. */
static void
emit_aread(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, r, p;
	int *droot = mem_alloc((size_t)(np + 1) * sizeof *droot);
	unsigned char *used = mem_alloc((size_t)s->nrd + 1);
	char seed[32];

	reads_used(e, used, 1, 0);
	cg_out(e, "static void\n@__aread(const @_model *m, double *ln, const double *u, const double *up, const double *rs0,\n"
	       "\tdouble *rs1, double *grad)\n{\n");
	locals(e, "0");
	cg_out(e, "\t(void)u; (void)up; (void)grad; (void)ln;\n");
	if (s->nimplicit || s->npot)   /* a bow's read alone uses only rs1, an integral none */
		cg_out(e, "\t(void)rs0;\n");
	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
		ExprEmitter *em;
		int root;
		if (rd->kind == RD_LUMP) {
			cg_out(e, "\tln[ng + %d] += rs0[%d];\n", rd->lump, r);
			continue;
		}
		if (rd->kind == RD_LUMP_VEL) {
			cg_out(e, "\tln[ng + %d] += (rs0[%d] - rs1[%d]) / k;\n", rd->lump, r, r);
			continue;
		}
		if (rd->kind == RD_INT) {
			/* a force's or a lumped object's: its transpose; a
			 * potential's alone has its own (emit_sav.c) */
			if (!used[r])
				continue;
			cg_out(e, "\t{\n\t\tconst long nx = m->n[0], ny = m->n[1], nx1 = m->nx1;\n"
			       "\t\tconst double ih = 1 / hx, ihy = 1 / hy;\n\t\tlong i, j;\n\n"
			       "\t\t(void)ny; (void)nx1; (void)ih; (void)ihy; (void)j;\n");
			snprintf(seed, sizeof seed, "rs0[%d]", r);
			cg_read_adj(e, r, seed, NULL, "ln");
			cg_out(e, "\t}\n");
			continue;
		}
		if (rd->pos2) {
			aread2(e, pn, r);
			continue;
		}
		em = ex_emitter_new(pn, cg_sym_c, "x");
		root = add_derivs(e, em, rd->pos, np, droot);
		cg_out(e, "\t{\n");
		ex_emitter_flush(em, &e->b, "\t\t");
		/* the cell @__read finds */
		cg_out(e, "\t\tdouble a = (%s - @__from[0]) / m->h[0], dr;\n\t\tlong i = (long)floor(a);\n\n",
		       ex_emitter_root(em, root));
		cg_out(e, "\t\tif (i > m->n[0] - 1)\n\t\t\ti = m->n[0] - 1;\n\t\tif (i < 0)\n\t\t\ti = 0;\n");
		cg_out(e, "\t\ta -= (double)i;\n");
		if (rd->kind == RD_CVEL) {
			/* a bow's (u[n+1] - u[n-1]) / 2k: its seed (emit_bow.c)
			 * reaches u[n-1] from the step after next */
			cg_out(e, "\t\tln[i] -= (1 - a) * rs1[%d] / (2 * k);\n\t\tln[i + 1] -= a * rs1[%d] / (2 * k);\n",
			       r, r);
			cg_out(e, "\t\tdr = 0;\n");
		} else if (rd->kind == RD_DX) {
			cg_out(e, "\t\tln[i + 1] += rs0[%d] / m->h[0];\n\t\tln[i] -= rs0[%d] / m->h[0];\n", r, r);
			cg_out(e, "\t\tdr = 0;\n");
		} else if (rd->kind == RD_DX3) {     /* at an end: @__read's kind 3 */
			cg_out(e, "\t\t{\n\t\t\tconst long N = m->n[0];\n"
			       "\t\t\tconst double g = rs0[%d] / (m->h[0] * m->h[0] * m->h[0]);\n\n", r);
			cg_out(e, "\t\t\tif (2 * a + 2 * (double)i < (double)N) {\n"
			       "\t\t\t\tln[2] += g;\n\t\t\t\tln[1] -= 2 * g;\n\t\t\t\tln[0] += g;\n"
			       "\t\t\t} else {\n"
			       "\t\t\t\tln[N] -= g;\n\t\t\t\tln[N - 1] += 2 * g;\n\t\t\t\tln[N - 2] -= g;\n"
			       "\t\t\t}\n\t\t}\n");
			cg_out(e, "\t\tdr = 0;\n");
		} else if (rd->kind == RD_VEL) {
			cg_out(e, "\t\t{\n\t\t\tconst double g = (rs0[%d] - rs1[%d]) / k;\n\n", r, r);
			cg_out(e, "\t\t\tln[i] += (1 - a) * g;\n\t\t\tln[i + 1] += a * g;\n\t\t}\n");
			cg_out(e, "\t\tdr = rs0[%d] * ((u[i + 1] - up[i + 1]) - (u[i] - up[i])) / (m->h[0] * k);\n", r);
		} else {
			cg_out(e, "\t\tln[i] += (1 - a) * rs0[%d];\n\t\tln[i + 1] += a * rs0[%d];\n", r, r);
			cg_out(e, "\t\tdr = rs0[%d] * (u[i + 1] - u[i]) / m->h[0];\n", r);
		}
		cg_out(e, "\t\t(void)dr;\n");
		for (p = 0; p < np; p++)
			if (droot[p] >= 0)
				cg_out(e, "\t\tgrad[%d] += dr * %s;\n", p, ex_emitter_root(em, droot[p]));
		cg_out(e, "\t}\n");
		ex_emitter_free(em);
	}
	cg_out(e, "\tmemset(rs1, 0, sizeof(double) * %d);\n}\n\n", cg_atleast1(s->nrd));
	mem_free(used);
	mem_free(droot);
	cg_free_refs(pn, 0);
}

/* un[end] = z[n+1]: the end's lambda is the object's */
static void
emit_ahold(Emit *e)
{
	const Scheme *s = e->s;
	int ax, side;

	cg_out(e, "static void\n@__ahold(const @_model *m, double *ln)\n{\n");
	cg_out(e, "\tconst long ng = m->nx1 * (m->n[1] + 1);\n\n\t(void)ng; (void)ln;\n");
	for (ax = 0; ax < s->ndim; ax++)
		for (side = 0; side < 2; side++)
			if (s->attach[ax][side] >= 0) {
				cg_out(e, "\tln[ng + %d] += ln[%s];\n", s->attach[ax][side], side ? "m->n[0]" : "0");
				cg_out(e, "\tln[%s] = 0;\n", side ? "m->n[0]" : "0");
			}
	cg_out(e, "}\n\n");
}

/* z[0] = init z, z[-1] = z[0] - k init z.t: seeds l0 + lm1, -k lm1 */
static void
emit_glinit(Emit *e)
{
	const Scheme *s = e->s;
	Expr **roots = mem_alloc((size_t)(2 * s->nlump + 1) * sizeof *roots);
	char **names = mem_alloc((size_t)(2 * s->nlump + 1) * sizeof *names);
	int j;

	cg_out(e, "static void\n@__glinit(const @_model *m, const double *l0, const double *lm1, double *grad)\n{\n");
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	cg_out(e, "\tconst long ng = m->nx1 * (m->n[1] + 1);\n\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)ng; (void)l0; (void)lm1; (void)grad;\n");
	for (j = 0; j < s->nlump; j++) {
		Buf b = {0}, c = {0};
		roots[2 * j] = s->lump[j].init;
		roots[2 * j + 1] = s->lump[j].init_t;
		buf_printf(&b, "(l0[ng + %d] + lm1[ng + %d])", j, j);
		buf_printf(&c, "(-k * lm1[ng + %d])", j);
		names[2 * j] = b.s;
		names[2 * j + 1] = c.s;
	}
	if (s->nlump)
		cg_vjp(e, roots, (const char *const *)names, 2 * s->nlump, "\t");
	cg_out(e, "}\n\n");
	for (j = 0; j < 2 * s->nlump; j++)
		mem_free(names[j]);
	mem_free(names);
	mem_free(roots);
}

void
cg_emit_parts_adj(Emit *e)
{
	const Scheme *s = e->s;

	cg_out(e, "/* ---- the adjoint of several parts (compiler/back/emit_parts.c) ---- */\n\n");
	cg_out(e, "#define @__RS(m, n) ((m)->gk + @__GK_X(m) + @__OFF_RS + (size_t)((((n) %% 2) + 2) %% 2) * %d)\n\n",
	       cg_atleast1(s->nrd));
	if (s->nstate_src || s->nstate_coef)
		emit_apsc(e);
	if (s->nlump) {
		emit_alump(e);
		emit_glinit(e);
	}
	if (s->nrd)
		emit_aread(e);
	emit_ahold(e);
	if (s->nimplicit)
		cg_emit_bow_adj(e);
}

/* ---- the forward step of the lumped objects ---- */

/* The parts of the lumped objects' updates that do not change from step
 * to step (of params and k only: a chain's c^2 with its pow(), its
 * damping's 1 -+ ct k/2), computed once before the loop (lh_open).  The
 * rests are rebuilt with each hoisted subexpression a leaf named lhN
 * (numbered as params after the reads), so the loop computes the same
 * operations on the same values: the same bits as without hoisting.  A
 * reciprocal y^-1 keeps its division: its base y is hoisted. */
struct LHoist {
	Expr **rest;               /* [j]: lumped object j's rest, rebuilt */
	int *ct;                   /* [j]: the number of its ct's lq/ld pair */
	const char **pn;           /* params, reads, then lh0.. */
	int base, n, cap;          /* hoisted leaves: params base.. */
	Expr **memo; unsigned nmemo;
	Expr **hx;                 /* [i]: hoisted i's expression */
};

static int
lh_invariant(const Expr *e)
{
	return !(e->deps & (DEP_STATE | (1u << SYM_T) | (1u << SYM_X) | (1u << SYM_Y)
	                    | (1u << SYM_THX) | (1u << SYM_THY)));
}

/* (lh_walk's memo asks once for each e: no search of the leaves, which
 * took a net's 10,000 units quadratic time) */
static Expr *
lh_leaf(LHoist *h, ExprPool *p, Expr *e)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 16;
		h->hx = mem_realloc(h->hx, (size_t)h->cap * sizeof *h->hx);
	}
	h->hx[h->n] = e;
	return ex_param(p, h->base + h->n++);
}

static Expr *
lh_walk(LHoist *h, ExprPool *p, Expr *e)
{
	Expr *a, *b, *c, *x;

	if (e->kind == EX_NUM || e->kind == EX_PARAM || e->kind == EX_SYM)
		return e;
	if (e->id >= h->nmemo) {
		unsigned n = mem_cap(h->nmemo, e->id, 1024);
		h->memo = mem_extend(h->memo, sizeof *h->memo, h->nmemo, n, 0);
		h->nmemo = n;
	}
	if (h->memo[e->id])
		return h->memo[e->id];
	if (lh_invariant(e) && !ex_recip(e))
		x = lh_leaf(h, p, e);
	else if (e->kind == EX_ADD) {
		/* a sum's terms walked, then summed at once: rebuilt node by
		 * node, each of a sum's n nodes merged the terms before it
		 * (a net's 10,000-unit output: n^2, 23 s to check; a probe's) */
		Expr **v = NULL;
		int n = 0, cap = 0, i;

		ex_sum_terms(e, &v, &n, &cap);
		for (i = 0; i < n; i++)
			v[i] = lh_walk(h, p, v[i]);
		x = ex_add_many(p, v, n);
		mem_free(v);
	} else {
		a = e->a ? lh_walk(h, p, e->a) : NULL;
		b = e->b && !ex_recip(e) ? lh_walk(h, p, e->b) : e->b;
		c = e->c ? lh_walk(h, p, e->c) : NULL;
		x = ex_remake(p, e, a, b, c);
	}
	h->memo[e->id] = x;
	return x;
}

/* The hoisted values as locals lhN, lqN, ldN (at ind); NULL without
 * lumped objects. */
LHoist *
cg_lump_hoist(Emit *e, const char *ind)
{
	const Scheme *s = e->s;
	LHoist *h;
	const char **pn;
	ExprEmitter *em;
	int j, i, nq = 0, *root, *qroot;

	if (!s->nlump)
		return NULL;
	h = mem_alloc(sizeof *h);
	memset(h, 0, sizeof *h);
	h->base = s->nparams + s->nrd;
	h->nmemo = 1024;
	h->memo = mem_alloc(h->nmemo * sizeof *h->memo);
	memset(h->memo, 0, h->nmemo * sizeof *h->memo);
	h->rest = mem_alloc((size_t)s->nlump * sizeof *h->rest);
	h->ct = mem_alloc((size_t)s->nlump * sizeof *h->ct);
	qroot = mem_alloc((size_t)s->nlump * sizeof *qroot);
	for (j = 0; j < s->nlump; j++) {
		h->rest[j] = lh_walk(h, s->pool, s->lump[j].rest);
		for (i = 0; i < j && s->lump[i].ct != s->lump[j].ct; i++)
			;
		h->ct[j] = i < j ? h->ct[i] : nq++;
	}
	pn = cg_param_refs(e);
	em = ex_emitter_new(pn, cg_sym_c, "lt");
	root = mem_alloc((size_t)(h->n + 1) * sizeof *root);
	for (i = 0; i < h->n; i++)
		root[i] = ex_emitter_add(em, h->hx[i]);
	for (j = 0; j < s->nlump; j++)
		if (j == 0 || h->ct[j] > h->ct[j - 1])     /* the first of its pair */
			qroot[h->ct[j]] = ex_emitter_add(em, s->lump[j].ct);
	ex_emitter_flush(em, &e->b, ind);
	for (i = 0; i < h->n; i++)
		cg_out(e, "%sconst double lh%d = %s;\n", ind, i, ex_emitter_root(em, root[i]));
	for (i = 0; i < nq; i++)
		cg_out(e, "%sconst double lq%d = 1 + (%s) * k / 2, ld%d = 1 - (%s) * k / 2, li%d = 1 / ld%d;\n%s(void)li%d;\n",
		       ind, i, ex_emitter_root(em, qroot[i]), i, ex_emitter_root(em, qroot[i]), i, i, ind, i);
	ex_emitter_free(em);
	h->pn = mem_alloc((size_t)(h->base + h->n + 1) * sizeof *h->pn);
	for (i = 0; i < h->base; i++)
		h->pn[i] = pn[i];
	mem_free(pn);
	for (i = 0; i < h->n; i++) {
		Buf b = {0};
		buf_printf(&b, "lh%d", i);
		h->pn[h->base + i] = b.s;
	}
	h->pn[h->base + h->n] = NULL;
	mem_free(root);
	mem_free(qroot);
	return h;
}

void
cg_lump_free(LHoist *h)
{
	if (!h)
		return;
	cg_free_refs(h->pn, 0);
	mem_free(h->rest);
	mem_free(h->ct);
	mem_free(h->memo);
	mem_free(h->hx);
	mem_free(h);
}

/* A run of lumped objects whose updates are one formula shifted along
 * them (a chain's interior points, sema_fields.c) is a loop over them: its
 * rest with each read of a neighbour, z[j + d] or z[j + d].t (|d| <=
 * LREL), a param of the offset d, so that hash-consing makes the rests of
 * two objects one Expr exactly when they are the same formula.  The loop
 * reads the state where the scalar code reads rd[] (the same values) and
 * multiplies by 1 / (1 - ct k/2), hoisted, where the scalar code divides
 * (a vector division costs the loop more than the rest of its work).
 * A 2D chain's points are numbered row by row, so a point's neighbours
 * across the rows are ny - 1 objects away (2 (ny - 1) for bilap): LREL
 * 128 makes each row's interior one loop up to ny = 65. */
enum { LREL = 128 };

typedef struct Rel {
	Expr **map;                /* [r]: read r's relative param, or NULL */
	Expr **memo; unsigned nmemo;
	unsigned *seen; int nseen, capseen;
	const Read *rd;
	int *span; unsigned nspan; /* [3 id]: 1 + rel_span's count (0: not yet),
	                            * [3 id + 1], [3 id + 2]: its lo and hi */
	int *byl, *at;             /* the reads of objects (RD_LUMP, RD_LUMP_VEL) by
	                            * object: those of j are byl[at[j] .. at[j + 1]) */
	int *fresh;                /* lump_rel's scratch, as long as byl */
	int nlump;
	Expr *rp[2 * (2 * LREL + 1)];  /* the relative params, each made once */
	int rpbase;                     /* the first's number, -1: none yet */
} Rel;

/* read r of s reads object 0 <= lump < n, its place or its velocity */
static int
obj_read(const Scheme *s, int r, int n)
{
	const Read *rd = &s->rd[r];

	return (rd->kind == RD_LUMP || rd->kind == RD_LUMP_VEL) && rd->lump >= 0 && rd->lump < n;
}

/* w for the scheme's objects: map all NULL, the reads indexed by object
 * (so that an object's rest looks at its neighbours' reads only, not at
 * every read: 40 strings as chains, 17,000 objects, spent a second there) */
static void
rel_init(Rel *w, const Scheme *s)
{
	int r, j, n = s->nlump;

	memset(w, 0, sizeof *w);
	w->rd = s->rd;
	w->nlump = n;
	w->rpbase = -1;
	w->map = mem_alloc((size_t)(s->nrd + 1) * sizeof *w->map);
	memset(w->map, 0, (size_t)(s->nrd + 1) * sizeof *w->map);
	w->at = mem_alloc((size_t)(n + 2) * sizeof *w->at);
	w->byl = mem_alloc((size_t)(s->nrd + 1) * sizeof *w->byl);
	w->fresh = mem_alloc((size_t)(s->nrd + 1) * sizeof *w->fresh);
	memset(w->at, 0, (size_t)(n + 2) * sizeof *w->at);
	for (r = 0; r < s->nrd; r++)
		if (obj_read(s, r, n))
			w->at[s->rd[r].lump + 2]++;
	for (j = 0; j < n; j++)
		w->at[j + 2] += w->at[j + 1];
	for (r = 0; r < s->nrd; r++)
		if (obj_read(s, r, n))
			w->byl[w->at[s->rd[r].lump + 1]++] = r;
}

static void
rel_free(Rel *w)
{
	mem_free(w->map);
	mem_free(w->memo);
	mem_free(w->seen);
	mem_free(w->span);
	mem_free(w->byl);
	mem_free(w->fresh);
	mem_free(w->at);
}

/* How many reads of objects node e holds, counted as a tree (saturating
 * at WIDE), and the least and the most object among them (lo > hi: none) */
enum { WIDE = 64 };

static int
rel_span(Rel *w, int np, int nrd, const Expr *e, int *lo, int *hi)
{
	const Expr *kid[3];
	int l, h, i, n = 0;

	*lo = INT_MAX;
	*hi = INT_MIN;
	if (!(e->deps & DEP_STATE) || e->kind == EX_NUM || e->kind == EX_SYM)
		return 0;
	if (e->kind == EX_PARAM) {
		const Read *r = e->index >= np && e->index < np + nrd ? &w->rd[e->index - np] : NULL;
		if (!r || (r->kind != RD_LUMP && r->kind != RD_LUMP_VEL))
			return 0;
		*lo = *hi = r->lump;
		return 1;
	}
	if (e->id >= w->nspan) {
		unsigned m = mem_cap(w->nspan, e->id, 1024);
		w->span = mem_extend(w->span, 3 * sizeof *w->span, w->nspan, m, 0);
		w->nspan = m;
	}
	if (w->span[3 * e->id]) {
		*lo = w->span[3 * e->id + 1];
		*hi = w->span[3 * e->id + 2];
		return w->span[3 * e->id] - 1;
	}
	kid[0] = e->a;
	kid[1] = e->b;
	kid[2] = e->c;
	for (i = 0; i < 3; i++)
		if (kid[i]) {
			n += rel_span(w, np, nrd, kid[i], &l, &h);
			*lo = l < *lo ? l : *lo;
			*hi = h > *hi ? h : *hi;
		}
	n = n < WIDE ? n : WIDE;
	w->span[3 * e->id] = n + 1;
	w->span[3 * e->id + 1] = *lo;
	w->span[3 * e->id + 2] = *hi;
	return n;
}

/* e with the reads w->map names relative.  A node that reads objects
 * farther apart than the relative reads reach, or WIDE reads or more
 * spread over more than a few objects (a join's read of a chain at a
 * param's place: every point's rest holds the same sum over all of them),
 * stays as it is: made relative it would be a new node for every object,
 * N^2 of them, none shared. */
static Expr *
rel_walk(ExprPool *p, Rel *w, int np, int nrd, Expr *e)
{
	Expr *a, *b, *c, *x;
	int lo, hi, n;

	if (!(e->deps & DEP_STATE))
		return e;
	if (e->kind != EX_PARAM && (n = rel_span(w, np, nrd, e, &lo, &hi))
	    && (hi - lo > 2 * LREL || (n >= WIDE && hi - lo >= 16)))
		return e;
	if (e->kind == EX_PARAM)
		return e->index >= np && e->index < np + nrd && w->map[e->index - np] ? w->map[e->index - np] : e;
	if (e->kind == EX_NUM || e->kind == EX_SYM)
		return e;
	if (e->id >= w->nmemo) {
		unsigned m = mem_cap(w->nmemo, e->id, 1024);
		w->memo = mem_extend(w->memo, sizeof *w->memo, w->nmemo, m, 0);
		w->nmemo = m;
	}
	if (w->memo[e->id])
		return w->memo[e->id];
	if (e->kind == EX_ADD) {    /* a sum rebuilt at once (expr.c ex_sum_terms) */
		Expr **v = NULL;
		int n = 0, cap = 0, i;

		ex_sum_terms(e, &v, &n, &cap);
		for (i = 0; i < n; i++)
			v[i] = rel_walk(p, w, np, nrd, v[i]);
		x = ex_add_many(p, v, n);
		mem_free(v);
	} else {
		a = e->a ? rel_walk(p, w, np, nrd, e->a) : NULL;
		b = e->b ? rel_walk(p, w, np, nrd, e->b) : NULL;
		c = e->c ? rel_walk(p, w, np, nrd, e->c) : NULL;
		x = ex_remake(p, e, a, b, c);
	}
	w->memo[e->id] = x;
	if (w->nseen == w->capseen) {
		w->capseen = w->capseen ? 2 * w->capseen : 256;
		w->seen = mem_realloc(w->seen, (size_t)w->capseen * sizeof *w->seen);
	}
	w->seen[w->nseen++] = e->id;
	return x;
}

/* read r's relative param, seen from object j: its offset from j, place
 * or velocity */
static int
rel_off(const Scheme *s, int r, int j)
{
	return 2 * (s->rd[r].lump - j + LREL) + (s->rd[r].kind == RD_LUMP_VEL);
}

/* rest of object j with its neighbours' reads relative */
static Expr *
lump_rel(const Emit *e, const LHoist *h, int j, Rel *w)
{
	const Scheme *s = e->s;
	int q, n, np = s->nparams, rel = h->base + h->n;
	int lo = j - LREL > 0 ? j - LREL : 0, hi = j + LREL < w->nlump - 1 ? j + LREL : w->nlump - 1;
	/* the reads of objects lo..hi: byl[q0 .. q1) */
	const int q0 = lo <= hi ? w->at[lo] : 0, q1 = lo <= hi ? w->at[hi + 1] : 0;
	Expr *x;

	if (w->rpbase != rel) {
		memset(w->rp, 0, sizeof w->rp);
		w->rpbase = rel;
	}
	/* the params not made yet made in the order of their reads, as the
	 * search of every read made them: their ids order the terms of the
	 * sums (the same C, the same bits) */
	for (n = 0, q = q0; q < q1; q++)
		if (!w->rp[rel_off(s, w->byl[q], j)])
			w->fresh[n++] = w->byl[q];
	qsort(w->fresh, (size_t)n, sizeof *w->fresh, int_cmp);
	for (q = 0; q < n; q++)
		if (!w->rp[rel_off(s, w->fresh[q], j)])
			w->rp[rel_off(s, w->fresh[q], j)] = ex_param(s->pool, rel + rel_off(s, w->fresh[q], j));
	for (q = q0; q < q1; q++)
		w->map[w->byl[q]] = w->rp[rel_off(s, w->byl[q], j)];
	x = rel_walk(s->pool, w, np, s->nrd, h->rest[j]);
	while (w->nseen)
		w->memo[w->seen[--w->nseen]] = NULL;
	for (q = q0; q < q1; q++)
		w->map[w->byl[q]] = NULL;
	return x;
}

/* pn[] (rel + nrel + 1 of them) for a loop over points zi: the params,
 * reads and hoisted leaves as h names them, each neighbour's read
 * relative to zi, and with `state` the lumped objects' reads from the
 * state rather than rd[] (cg_reads_skip) */
static void
loop_names(Emit *e, const LHoist *h, const char **pn, int state)
{
	const Scheme *s = e->s;
	int i, nrel = 2 * (2 * LREL + 1), rel = h->base + h->n;

	for (i = 0; i < rel; i++)
		pn[i] = h->pn[i];
	for (i = 0; i < nrel; i++) {
		Buf t = {0};
		int d = i / 2 - LREL;
		if (i % 2)
			buf_printf(&t, "((u[ng + zi + %d] - up[ng + zi + %d]) / k)", d, d);
		else
			buf_printf(&t, "u[ng + zi + %d]", d);
		pn[rel + i] = t.s;
	}
	pn[rel + nrel] = NULL;
	for (i = 0; state && i < s->nrd; i++) {
		const Read *rd = &s->rd[i];
		Buf t = {0};
		if (rd->kind == RD_LUMP)
			buf_printf(&t, "u[ng + %d]", rd->lump);
		else if (rd->kind == RD_LUMP_VEL)
			buf_printf(&t, "((u[ng + %d] - up[ng + %d]) / k)", rd->lump, rd->lump);
		else
			continue;
		pn[s->nparams + i] = t.s;
	}
}

static void
loop_names_free(Emit *e, const LHoist *h, const char **pn)
{
	const Scheme *s = e->s;
	int i, nrel = 2 * (2 * LREL + 1), rel = h->base + h->n;

	for (i = 0; i < nrel; i++)
		mem_free((void *)pn[rel + i]);
	for (i = 0; i < s->nrd; i++)
		if (pn[s->nparams + i] != h->pn[s->nparams + i])
			mem_free((void *)pn[s->nparams + i]);
	mem_free(pn);
}

/* z[n+1] = (2 z[n] - (1 + ct k/2) z[n-1] + k^2 rest) / (1 - ct k/2), the
 * parts of ct and rest that do not change hoisted (LHoist) */
void
cg_emit_lumps(Emit *e, const LHoist *h, int first, int count, const char *ind)
{
	const Scheme *s = e->s;
	ExprEmitter *em;
	int j, a, b, nrel = 2 * (2 * LREL + 1), rel = h->base + h->n;
	Expr **canon = mem_alloc((size_t)(count + 1) * sizeof *canon);
	unsigned char *inrun = mem_alloc((size_t)count + 1);
	const char **pn = mem_alloc((size_t)(rel + nrel + 1) * sizeof *pn);
	Rel w;

	if (!s->nrd)
		cg_out(e, "%sconst long ng = nx1 * (ny + 1);\n", ind);
	rel_init(&w, s);
	memset(inrun, 0, (size_t)count + 1);
	for (j = 0; j < count; j++)
		canon[j] = lump_rel(e, h, first + j, &w);
	rel_free(&w);
	/* the loops: runs of at least 4 */
	loop_names(e, h, pn, 1);
	em = ex_emitter_new(pn, cg_sym_c, "z");
	for (a = 0; a < count; a = b) {
		ExprEmitter *lm;
		for (b = a + 1; b < count && canon[b] == canon[a] && h->ct[first + b] == h->ct[first + a]; b++)
			;
		if (b - a < 4)
			continue;
		memset(inrun + a, 1, (size_t)(b - a));
		lm = ex_emitter_new(pn, cg_sym_c, "zr");
		ex_emitter_add(lm, canon[a]);
		cg_out(e, "%sfor (long zi = %d; zi < %d; zi++) {\n", ind, first + a, first + b);
		{
			Buf in = {0};
			buf_printf(&in, "%s\t", ind);
			ex_emitter_flush(lm, &e->b, in.s);
			buf_free(&in);
		}
		cg_out(e, "%s\tun[ng + zi] = (2 * u[ng + zi] - lq%d * up[ng + zi] + k * k * (%s)) * li%d;\n%s}\n", ind,
		       h->ct[first + a], ex_emitter_root(lm, 0), h->ct[first + a], ind);
		ex_emitter_free(lm);
	}
	for (j = 0; j < count; j++)
		ex_emitter_add(em, inrun[j] ? ex_num(s->pool, 0) : h->rest[first + j]);
	ex_emitter_flush(em, &e->b, ind);
	for (j = 0; j < count; j++)
		if (!inrun[j])
			cg_out(e, "%sun[ng + %d] = (2 * u[ng + %d] - lq%d * up[ng + %d] + k * k * (%s)) / ld%d;\n",
			       ind, first + j, first + j, h->ct[first + j], first + j,
			       ex_emitter_root(em, j), h->ct[first + j]);
	ex_emitter_free(em);
	loop_names_free(e, h, pn);
	mem_free(inrun);
	mem_free(canon);
}

/* ---- the lumped objects' adjoint ----
 *
 * Each object's rest is taken as LHoist rebuilt it (its constant parts
 * leaves lhN), so a step's adjoint differentiates only what changes: the
 * leaves, each ct's lq, ld, li and their derivatives by the params are
 * made once per backward into lc[] (@__alc), a leaf's seeds summed over
 * the step into glN and handed to the params at its end.  lc's layout: */
typedef struct Lc {
	int nleaf, nct, np;
} Lc;

static int lc_q(const Lc *c, int q, int w) { return c->nleaf + 3 * q + w; }    /* lq, ld, li */
static int lc_dleaf(const Lc *c, int i, int p) { return c->nleaf + 3 * c->nct + i * c->np + p; }
static int lc_dct(const Lc *c, int q, int p) { return c->nleaf + 3 * c->nct + (c->nleaf + q) * c->np + p; }
static int lc_size(const Lc *c) { return c->nleaf + 3 * c->nct + (c->nleaf + c->nct) * c->np; }

/* the LHoist of the lumped objects, its C discarded */
static LHoist *
quiet_hoist(Emit *e, Lc *c)
{
	Buf keep = e->b;
	LHoist *h;
	int j;

	e->b = (Buf){0};
	h = cg_lump_hoist(e, "\t");
	buf_free(&e->b);
	e->b = keep;
	c->nleaf = h->n;
	c->np = e->s->nparams;
	c->nct = 0;
	for (j = 0; j < e->s->nlump; j++)
		if (h->ct[j] + 1 > c->nct)
			c->nct = h->ct[j] + 1;
	return h;
}

/* lc's size (cg_emit_grad_layout): at least 1 */
int
cg_parts_nlc(Emit *e)
{
	Lc c;
	LHoist *h;

	if (!e->s->nlump)
		return 1;
	h = quiet_hoist(e, &c);
	cg_lump_free(h);
	return cg_atleast1(lc_size(&c));
}

/* the first object with ct pair q */
static int
ct_first(const LHoist *h, int nlump, int q)
{
	int j;

	for (j = 0; j < nlump && h->ct[j] != q; j++)
		;
	return j;
}

/* @__alc(m, lc): lc[] as laid out above */
static void
emit_alc(Emit *e, const LHoist *h, const Lc *c)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "c");
	Expr **d = mem_alloc((size_t)(c->np + 1) * sizeof *d);
	int *root = mem_alloc((size_t)(lc_size(c) + 1) * sizeof *root), i, q, p;

	for (i = 0; i < c->nleaf; i++) {
		root[i] = ex_emitter_add(em, h->hx[i]);
		diff_params(s->pool, h->hx[i], c->np, d);
		for (p = 0; p < c->np; p++)
			root[lc_dleaf(c, i, p)] = ex_emitter_add(em, d[p]);
	}
	for (q = 0; q < c->nct; q++) {
		Expr *ct = s->lump[ct_first(h, s->nlump, q)].ct;
		root[lc_q(c, q, 0)] = ex_emitter_add(em, ct);
		diff_params(s->pool, ct, c->np, d);
		for (p = 0; p < c->np; p++)
			root[lc_dct(c, q, p)] = ex_emitter_add(em, d[p]);
	}
	cg_out(e, "/* the lumped objects' constants of a backward (emit_parts.c) */\n");
	cg_out(e, "static void\n@__alc(const @_model *m, double *lc)\n{\n");
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy;\n");
	ex_emitter_flush(em, &e->b, "\t");
	for (i = 0; i < lc_size(c); i++) {
		int w = i - c->nleaf;
		if (i >= c->nleaf && w < 3 * c->nct) {
			const char *ct = ex_emitter_root(em, root[lc_q(c, w / 3, 0)]);
			if (w % 3 == 0)
				cg_out(e, "\tlc[%d] = 1 + (%s) * k / 2;\n", i, ct);
			else if (w % 3 == 1)
				cg_out(e, "\tlc[%d] = 1 - (%s) * k / 2;\n", i, ct);
			else
				cg_out(e, "\tlc[%d] = 1 / lc[%d];\n", i, i - 1);
		} else
			cg_out(e, "\tlc[%d] = %s;\n", i, ex_emitter_root(em, root[i]));
	}
	cg_out(e, "}\n\n");
	ex_emitter_free(em);
	mem_free(root);
	mem_free(d);
	cg_free_refs(pn, 0);
}

/* Does e read the state: a read (params np..base-1) or a neighbour's
 * (rel and after)?  The hoisted leaves between are numbered after the
 * reads, so deps counts them as state and cannot tell.  seen[id]: 1 no,
 * 2 yes. */
static int
reads_state(const Expr *e, int np, int base, int rel, unsigned char **seen, unsigned *nseen)
{
	int y;

	if (!(e->deps & DEP_STATE))
		return 0;
	if (e->id >= *nseen) {
		unsigned n = mem_cap(*nseen, e->id, 1024);
		*seen = mem_extend(*seen, 1, *nseen, n, 0);
		*nseen = n;
	}
	if ((*seen)[e->id])
		return (*seen)[e->id] == 2;
	if (e->kind == EX_PARAM)
		y = e->index >= np && (e->index < base || e->index >= rel);
	else
		y = (e->a && reads_state(e->a, np, base, rel, seen, nseen))
		    || (e->b && reads_state(e->b, np, base, rel, seen, nseen))
		    || (e->c && reads_state(e->c, np, base, rel, seen, nseen));
	(*seen)[e->id] = y ? 2 : 1;
	return y;
}

/* The seeds of rest's inputs (roots in em, derivatives by input i of
 * base + nleaf: params, reads, leaves), times `seed` (a C name, or with
 * sum the name of a sum per input: NAME_i): grad, rs or glN */
static void
seed_inputs(Emit *e, ExprEmitter *em, const int *droot, int nin, const char *seed, int sum, const char *ind)
{
	int i, np = e->s->nparams, base = np + e->s->nrd;

	for (i = 0; i < nin; i++) {
		if (droot[i] < 0)
			continue;
		if (sum)
			cg_out(e, "%s%s_%d += srest * (%s);\n", ind, seed, i, ex_emitter_root(em, droot[i]));
		else if (i < np)
			cg_out(e, "%sgrad[%d] += %s * (%s);\n", ind, i, seed, ex_emitter_root(em, droot[i]));
		else if (i < base)
			cg_out(e, "%srs[%d] += %s * (%s);\n", ind, i - np, seed, ex_emitter_root(em, droot[i]));
		else
			cg_out(e, "%sgl%d += %s * (%s);\n", ind, i - base, seed, ex_emitter_root(em, droot[i]));
	}
}

/* ct's seed sct (a C name) onto the params through lc */
static void
seed_ct(Emit *e, const Lc *c, int q, const unsigned char *dctnz, const char *sct, const char *ind)
{
	int p;

	for (p = 0; p < c->np; p++)
		if (dctnz[q * c->np + p])
			cg_out(e, "%sgrad[%d] += %s * lc[%d];\n", ind, p, sct, lc_dct(c, q, p));
}

/* the read of object j's velocity, z[j].t: a run's neighbours read it */
static int
vel_read(const Scheme *s, int j)
{
	int r;

	for (r = 0; r < s->nrd; r++)
		if (s->rd[r].kind == RD_LUMP_VEL && s->rd[r].lump == j)
			return r;
	die("vel_read: object %d's velocity is not read", j);
	return -1;
}

/* " c_d sr[t - d] + ..." over the run's offsets d in [dmin, dmax] whose
 * c_d (vel 0) or e_d (vel 1) is not 0, then ";\n" */
static void
post_sum(Emit *e, ExprEmitter *cm, const int *croot, int vel, int dmin, int dmax, int nrun, int a, int pad)
{
	int d, first = 1;

	for (d = dmin; d <= dmax; d++)
		if (croot[2 * (d + LREL) + vel] >= 0) {
			cg_out(e, "%s%s * sr%d[%d + zt - %d]", first ? " " : " + ",
			       ex_emitter_root(cm, croot[2 * (d + LREL) + vel]), nrun, pad - d, a);
			first = 0;
		}
	cg_out(e, ";\n");
}

/* The adjoint of cg_emit_lumps' loops: a run of points whose rests are
 * one formula (canon) and whose ct is one, as two loops.  The first makes
 * each point's lambda[n] = (2 lz - lq lb) li as the scalar rows do, and
 * its seed of rest, srest = lz k^2 li, kept in srN[]; it sums over the
 * run the seeds of ct (lz (z[n+1] - z[n-1])) and of every input of the
 * rest that is not a neighbour's read (params, reads, leaves), each sum
 * handed on once after the loop.  The second, after every point's
 * lambda[n] is made (post), hands each point's seed to its neighbours'
 * lambda[n]: lambda[n][t] += sum_d c_d sr[t - d], c_d = d canon / d
 * z[zi + d], a gather over t, so that it vectorises.  The seeds of the
 * neighbours' velocities (z[t] - z[t-1]) / k, e_d = d canon / d z.t[zi +
 * d], go to the velocity read of each point t, rs[vr[t]] += sum_d e_d
 * sr[t - d], which @__aread hands to lambda[n] and, a step later, to
 * lambda[n-1], as it does a scalar row's.  A run whose c_d or e_d depends
 * on the state (a nonlinear chain) stays scalar (inrun[j] 0). */
static void
alump_runs(Emit *e, const LHoist *h, const Lc *c, const unsigned char *dctnz, int *inrun, Buf *decl,
           Buf *post)
{
	const Scheme *s = e->s;
	ExprPool *pool = s->pool;
	int np = s->nparams, nrel = 2 * (2 * LREL + 1), nlump = s->nlump;
	int j, a, b, i, d, nrun = 0, rel = h->base + h->n, nin = rel + nrel, reach, pad;
	unsigned char *seen = NULL;
	unsigned nseen = 0;
	Expr **canon = mem_alloc((size_t)nlump * sizeof *canon), **dv = mem_alloc((size_t)(nin + 1) * sizeof *dv);
	const char **pn = mem_alloc((size_t)(nin + 1) * sizeof *pn);
	int *droot = mem_alloc((size_t)(rel + 1) * sizeof *droot);
	Rel w;

	rel_init(&w, s);
	for (j = 0; j < nlump; j++)
		canon[j] = lump_rel(e, h, j, &w);
	rel_free(&w);
	loop_names(e, h, pn, 0);
	for (a = 0; a < nlump; a = b) {
		ExprEmitter *lm, *cm;
		int ok = 1, q = h->ct[a], dmin = LREL, dmax = -LREL, vmin = LREL, vmax = -LREL;
		int croot[2 * (2 * LREL + 1)];
		Buf keep;
		for (b = a + 1; b < nlump && canon[b] == canon[a] && h->ct[b] == q; b++)
			;
		if (b - a < 4)
			continue;
		diff_params(pool, canon[a], nin, dv);
		for (i = 0; i < nrel && ok; i++)
			if (!ex_is_num(dv[rel + i], 0))
				ok = !reads_state(dv[rel + i], np, h->base, rel, &seen, &nseen);
		if (!ok)
			continue;
		for (j = a; j < b; j++)
			inrun[j] = 1;
		nrun++;
		/* the seeds sr[] have 2 reach zeros each side: reach, the
		 * farthest neighbour the run reads (a 2D chain's, a row away) */
		reach = 0;
		for (i = 0; i < nrel; i++)
			if (!ex_is_num(dv[rel + i], 0) && abs(i / 2 - LREL) > reach)
				reach = abs(i / 2 - LREL);
		pad = 2 * reach;
		/* the first loop */
		lm = ex_emitter_new(pn, cg_sym_c, "ar");
		ex_emitter_add(lm, canon[a]);
		for (i = 0; i < rel; i++)
			droot[i] = ex_is_num(dv[i], 0) ? -1 : ex_emitter_add(lm, dv[i]);
		cg_out(e, "\t{\n\t\tdouble ag_ct = 0");
		for (i = 0; i < rel; i++)
			if (droot[i] >= 0)
				cg_out(e, ", ag_%d = 0", i);
		cg_out(e, ";\n\n\t\tfor (long zi = %d; zi < %d; zi++) {\n", a, b);
		ex_emitter_flush(lm, &e->b, "\t\t\t");
		cg_out(e, "\t\t\tconst double lz = la[ng + zi], rest = %s;\n", ex_emitter_root(lm, 0));
		cg_out(e, "\t\t\tconst double znext = (2 * u[ng + zi] - lq%d * up[ng + zi] + k * k * rest) * li%d;\n",
		       q, q);
		cg_out(e, "\t\t\tconst double srest = lz * k * k * li%d;\n\n", q);
		cg_out(e, "\t\t\tag_ct += lz * (znext - up[ng + zi]);\n");
		cg_out(e, "\t\t\tln[ng + zi] = (2 * lz - lq%d * lb[ng + zi]) * li%d;\n", q, q);
		cg_out(e, "\t\t\tsr%d[%d + zi - %d] = srest;\n", nrun, pad, a);
		seed_inputs(e, lm, droot, rel, "ag", 1, "\t\t\t");
		cg_out(e, "\t\t}\n\t\tag_ct *= (k / 2) * li%d;\n\t\t(void)ag_ct;\n", q);
		seed_ct(e, c, q, dctnz, "ag_ct", "\t\t");
		for (i = 0; i < rel; i++)
			if (droot[i] >= 0)
				cg_out(e, i < np ? "\t\tgrad[%d] += ag_%d;\n" : i < h->base ? "\t\trs[%d] += ag_%d;\n"
				       : "\t\tgl%d += ag_%d;\n", i < np ? i : i < h->base ? i - np : i - h->base, i);
		cg_out(e, "\t}\n");
		ex_emitter_free(lm);
		/* the run's seeds between zeros (pad each side), set per call */
		buf_printf(decl, "\tdouble sr%d[%d];\n\n\tfor (int zp = 0; zp < %d; zp++)\n"
		           "\t\tsr%d[zp] = sr%d[%d + zp] = 0;\n", nrun, b - a + 2 * pad, pad, nrun, nrun,
		           b - a + pad);
		/* the second loop, into post */
		keep = e->b;
		e->b = *post;
		cm = ex_emitter_new(h->pn, cg_sym_c, "ac");
		for (i = 0; i < nrel; i++) {
			d = i / 2 - LREL;
			croot[i] = ex_is_num(dv[rel + i], 0) ? -1 : ex_emitter_add(cm, dv[rel + i]);
			if (croot[i] >= 0 && i % 2 == 0) {
				dmin = d < dmin ? d : dmin;
				dmax = d > dmax ? d : dmax;
			}
			if (croot[i] >= 0 && i % 2) {
				vmin = d < vmin ? d : vmin;
				vmax = d > vmax ? d : vmax;
			}
		}
		if (dmin <= dmax || vmin <= vmax) {
			cg_out(e, "\t{\n");
			ex_emitter_flush(cm, &e->b, "\t\t");
		}
		if (dmin <= dmax) {
			cg_out(e, "\t\tfor (long zt = %d; zt < %d; zt++)\n\t\t\tln[ng + zt] +=", a + dmin, b + dmax);
			post_sum(e, cm, croot, 0, dmin, dmax, nrun, a, pad);
		}
		if (vmin <= vmax) {
			/* the velocity read of each point the run reads so */
			cg_out(e, "\t\tstatic const int vr[%d] = {", b + vmax - a - vmin);
			for (j = a + vmin; j < b + vmax; j++)
				cg_out(e, "%s%d", j > a + vmin ? ", " : "", vel_read(s, j));
			cg_out(e, "};\n\n");
			cg_out(e, "\t\tfor (long zt = %d; zt < %d; zt++)\n\t\t\trs[vr[zt - %d]] +=", a + vmin, b + vmax,
			       a + vmin);
			post_sum(e, cm, croot, 1, vmin, vmax, nrun, a, pad);
		}
		if (dmin <= dmax || vmin <= vmax)
			cg_out(e, "\t}\n");
		ex_emitter_free(cm);
		*post = e->b;
		e->b = keep;
	}
	mem_free(droot);
	mem_free(seen);
	mem_free(dv);
	mem_free(canon);
	loop_names_free(e, h, pn);
}

/* The objects outside the runs, row by row: their rests in one emitter
 * (what they share, as a join's read of every point of a chain at a
 * param's place, made once), each row's lambda[n] and its seed srest
 * into srs[], then the seeds of every input at once, one reverse sweep of
 * sum_j srs[j] rest_j (diff.c, as cg_vjp): a shared read's seed is summed
 * once and handed to its points once, where a row at a time made each
 * row hand it to every point (N^2 lines for a chain of N). */
static void
scalar_rows(Emit *e, const LHoist *h, const Lc *c, const unsigned char *dctnz, const int *inrun, int nin,
            int *droot)
{
	const Scheme *s = e->s;
	ExprPool *P = s->pool;
	int j, i, q, m = 0, nscalar = 0;
	const char **names;
	Expr *sum = ex_num(P, 0), **d = mem_alloc((size_t)(nin + 1) * sizeof *d);
	ExprEmitter *em = ex_emitter_new(h->pn, cg_sym_c, "zl_"), *dm;
	int *root = mem_alloc((size_t)(s->nlump + 1) * sizeof *root);

	for (j = 0; j < s->nlump; j++)
		if (!inrun[j])
			root[nscalar++] = ex_emitter_add(em, h->rest[j]);
	ex_emitter_flush(em, &e->b, "\t");
	for (j = 0; j < s->nlump; j++) {
		if (inrun[j])
			continue;
		q = h->ct[j];
		cg_out(e, "\t{\n\t\tconst double rest = %s, lz = la[ng + %d];\n", ex_emitter_root(em, root[m]), j);
		cg_out(e, "\t\tconst double znext = (2 * u[ng + %d] - lq%d * up[ng + %d] + k * k * rest) * li%d;\n",
		       j, q, j, q);
		cg_out(e, "\t\tconst double sct = lz * (k / 2) * (znext - up[ng + %d]) * li%d;\n\n", j, q);
		cg_out(e, "\t\t(void)sct;\n");
		cg_out(e, "\t\tsrs[%d] = lz * k * k * li%d;\n", m, q);
		cg_out(e, "\t\tln[ng + %d] = (2 * lz - lq%d * lb[ng + %d]) * li%d;\n", j, q, j, q);
		seed_ct(e, c, q, dctnz, "sct", "\t\t");
		cg_out(e, "\t}\n");
		sum = ex_add(P, sum, ex_mul(P, ex_param(P, nin + m), h->rest[j]));
		m++;
	}
	ex_emitter_free(em);
	/* the seeds srs[m] are params from nin on, which diff.c leaves be */
	names = mem_alloc((size_t)(nin + nscalar + 1) * sizeof *names);
	for (i = 0; i < nin; i++)
		names[i] = h->pn[i];
	for (m = 0; m < nscalar; m++) {
		Buf t = {0};
		buf_printf(&t, "srs[%d]", m);
		names[nin + m] = t.s;
	}
	names[nin + nscalar] = NULL;
	diff_params(P, sum, nin, d);
	dm = ex_emitter_new(names, cg_sym_c, "zs_");
	for (i = 0; i < nin; i++)
		droot[i] = ex_is_num(d[i], 0) ? -1 : ex_emitter_add(dm, d[i]);
	cg_out(e, "\t{\n");
	ex_emitter_flush(dm, &e->b, "\t\t");
	seed_inputs(e, dm, droot, nin, "1", 0, "\t\t");
	cg_out(e, "\t}\n");
	ex_emitter_free(dm);
	for (m = 0; m < nscalar; m++)
		mem_free((void *)names[nin + m]);
	mem_free(names);
	mem_free(root);
	mem_free(d);
}

/* z[n+1] = (2 z[n] - lq z[n-1] + k^2 rest) li, lq = 1 + ct k/2, li = 1 /
 * (1 - ct k/2): the lumped rows of lambda[n] = (2 lambda[n+1] - lq
 * lambda[n+2]) li (ct is of params alone: the same in both steps), and
 * with lz = lambda[n+1] there the seeds lz (k/2)(z[n+1] - z[n-1]) li of
 * ct and lz k^2 li of rest.  A chain's interior points: alump_runs. */
static void
emit_alump(Emit *e)
{
	const Scheme *s = e->s;
	Lc c;
	LHoist *h = quiet_hoist(e, &c);
	int np = s->nparams, base = h->base, nin = base + h->n, j, i, q, p, nscalar = 0;
	int *inrun = mem_alloc((size_t)s->nlump * sizeof *inrun + 1);
	int *droot = mem_alloc((size_t)(nin + 1) * sizeof *droot);
	unsigned char *dctnz = mem_alloc((size_t)(c.nct * c.np) + 1);
	unsigned char *dleafnz = mem_alloc((size_t)(c.nleaf * c.np) + 1);
	Expr **d = mem_alloc((size_t)(np + 1) * sizeof *d);
	Buf decl = {0}, body = {0}, post = {0}, keep;

	for (q = 0; q < c.nct; q++) {
		diff_params(s->pool, s->lump[ct_first(h, s->nlump, q)].ct, np, d);
		for (p = 0; p < np; p++)
			dctnz[q * np + p] = !ex_is_num(d[p], 0);
	}
	for (i = 0; i < c.nleaf; i++) {
		diff_params(s->pool, h->hx[i], np, d);
		for (p = 0; p < np; p++)
			dleafnz[i * np + p] = !ex_is_num(d[p], 0);
	}
	emit_alc(e, h, &c);
	memset(inrun, 0, (size_t)s->nlump * sizeof *inrun);
	/* the runs and the scalar rows into body, then the head that
	 * declares what they use */
	keep = e->b;
	e->b = body;
	if (s->nlump >= 4)
		alump_runs(e, h, &c, dctnz, inrun, &decl, &post);
	for (j = 0; j < s->nlump; j++)
		nscalar += !inrun[j];
	if (nscalar)
		buf_printf(&decl, "\tdouble srs[%d];\n\n\t(void)srs;\n", nscalar);
	if (nscalar)
		scalar_rows(e, h, &c, dctnz, inrun, nin, droot);
	body = e->b;
	e->b = keep;
	cg_out(e, "static void\n@__alump(const @_model *m, long n, const double *la, const double *lb, double *ln,\n"
	       "\tconst double *u, const double *up, double *rs, double *grad, const double *lc)\n{\n");
	locals(e, "n");
	cg_out(e, "\tdouble rd[%d];\n\n\t(void)rs; (void)grad; (void)rd; (void)lc;\n", cg_atleast1(s->nrd));
	if (s->nrd)
		cg_out(e, "\t@__rdall(m, u, up, rd);\n");
	for (i = 0; i < c.nleaf; i++)
		cg_out(e, "\tconst double lh%d = lc[%d];\n\tdouble gl%d = 0;\n\t(void)lh%d; (void)gl%d;\n",
		       i, i, i, i, i);
	for (q = 0; q < c.nct; q++)
		cg_out(e, "\tconst double lq%d = lc[%d], li%d = lc[%d];\n\t(void)lq%d; (void)li%d;\n",
		       q, lc_q(&c, q, 0), q, lc_q(&c, q, 2), q, q);
	if (decl.s)    /* the runs' seed arrays */
		cg_out(e, "%s", decl.s);
	cg_out(e, "%s", body.s ? body.s : "");
	if (post.s)    /* after every point's lambda[n] is made */
		cg_out(e, "%s", post.s);
	for (i = 0; i < c.nleaf; i++)
		for (p = 0; p < np; p++)
			if (dleafnz[i * np + p])
				cg_out(e, "\tgrad[%d] += gl%d * lc[%d];\n", p, i, lc_dleaf(&c, i, p));
	cg_out(e, "}\n\n");
	buf_free(&decl);
	buf_free(&body);
	buf_free(&post);
	mem_free(d);
	mem_free(dctnz);
	mem_free(dleafnz);
	mem_free(droot);
	mem_free(inrun);
	cg_lump_free(h);
}
