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

/* The reads of lumped objects (z, z.t) the forward step need not copy
 * into rd[]: those only the lumped objects' updates read, which
 * cg_emit_lumps takes from the state directly.  skip[r]; their number. */
int
cg_reads_skip(Emit *e, unsigned char *skip)
{
	const Scheme *s = e->s;
	const Loops *l = e->l;
	unsigned nseen = 1u << 20;
	unsigned char *seen, *used;
	int r, i, n = 0, np = s->nparams;

	if (!s->nrd)
		return 0;
	seen = mem_alloc(nseen);
	used = mem_alloc((size_t)s->nrd);
	memset(seen, 0, nseen);
	memset(used, 0, (size_t)s->nrd);
	for (i = 0; i < s->nsrc; i++)
		reads_of(s->src[i].strength, np, s->nrd, used, seen, nseen);
	for (i = 0; i < l->ncoefs; i++)
		reads_of(l->coefs[i].e, np, s->nrd, used, seen, nseen);
	for (i = 0; i < s->nlump; i++)
		reads_of(s->lump[i].ct, np, s->nrd, used, seen, nseen);
	if (s->pot)
		reads_of(s->pot, np, s->nrd, used, seen, nseen);
	for (r = 0; r < s->nrd; r++) {
		ReadKind k = s->rd[r].kind;
		skip[r] = (k == RD_LUMP || k == RD_LUMP_VEL) && !used[r] && !s->nimplicit && !s->npot;
		n += skip[r];
	}
	mem_free(used);
	mem_free(seen);
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
			       rd->kind == RD_VAL ? 0 : rd->kind == RD_DX ? 2 : 1);
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
	cg_out(e, "}\n\n");
	mem_free(droot);
	buf_free(&g);
	cg_free_refs(pn, 0);
}

/* z[n+1] = (2 z[n] - (1 + ct k/2) z[n-1] + k^2 rest) / D, D = 1 - ct k/2:
 * the lumped rows of lambda[n] = 2/D lambda[n+1] - (1 + ct k/2)/D
 * lambda[n+2] (ct is of params alone: the same in both steps), and with
 * lz = lambda[n+1] there the seeds lz (k/2)(z[n+1] - z[n-1])/D of ct and
 * lz k^2/D of rest. */
static void
emit_alump(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int nq = s->nparams + s->nrd, j, one;
	int *dct, *drest, *rct, *rrest;
	ExprEmitter *em = NULL;

	/* one block of temporaries for all objects (a chain's c^2 and its
	 * pow() once, not once per point) while the tables stay small */
	one = (double)s->nlump * (nq + 1) <= 1e6;
	dct = mem_alloc((size_t)(one ? s->nlump : 1) * (size_t)(nq + 1) * sizeof *dct);
	drest = mem_alloc((size_t)(one ? s->nlump : 1) * (size_t)(nq + 1) * sizeof *drest);
	rct = mem_alloc((size_t)(s->nlump + 1) * sizeof *rct);
	rrest = mem_alloc((size_t)(s->nlump + 1) * sizeof *rrest);
	cg_out(e, "static void\n@__alump(const @_model *m, long n, const double *la, const double *lb, double *ln,\n"
	       "\tconst double *u, const double *up, double *rs, double *grad)\n{\n");
	locals(e, "n");
	cg_out(e, "\tdouble rd[%d];\n\n\t(void)rs; (void)grad; (void)rd;\n", cg_atleast1(s->nrd));
	if (s->nrd)
		cg_out(e, "\t@__rdall(m, u, up, rd);\n");
	if (one) {
		em = ex_emitter_new(pn, cg_sym_c, "zl_");
		for (j = 0; j < s->nlump; j++) {
			rct[j] = add_derivs(e, em, s->lump[j].ct, nq, dct + (size_t)j * (nq + 1));
			rrest[j] = add_derivs(e, em, s->lump[j].rest, nq, drest + (size_t)j * (nq + 1));
		}
		ex_emitter_flush(em, &e->b, "\t");
	}
	for (j = 0; j < s->nlump; j++) {
		int *dc = one ? dct + (size_t)j * (nq + 1) : dct, *dr = one ? drest + (size_t)j * (nq + 1) : drest;
		if (!one) {
			em = ex_emitter_new(pn, cg_sym_c, "zl_");
			rct[j] = add_derivs(e, em, s->lump[j].ct, nq, dc);
			rrest[j] = add_derivs(e, em, s->lump[j].rest, nq, dr);
		}
		cg_out(e, "\t{\n");
		if (!one)
			ex_emitter_flush(em, &e->b, "\t\t");
		cg_out(e, "\t\tconst double ct = %s, rest = %s, D = 1 - ct * k / 2, lz = la[ng + %d];\n",
		       ex_emitter_root(em, rct[j]), ex_emitter_root(em, rrest[j]), j);
		cg_out(e, "\t\tconst double znext = (2 * u[ng + %d] - (1 + ct * k / 2) * up[ng + %d] + k * k * rest) / D;\n",
		       j, j);
		cg_out(e, "\t\tconst double sct = lz * (k / 2) * (znext - up[ng + %d]) / D, srest = lz * k * k / D;\n\n", j);
		cg_out(e, "\t\t(void)sct; (void)srest;\n");
		cg_out(e, "\t\tln[ng + %d] = (2 * lz - (1 + ct * k / 2) * lb[ng + %d]) / D;\n", j, j);
		spread(e, em, dc, "sct", "\t\t");
		spread(e, em, dr, "srest", "\t\t");
		cg_out(e, "\t}\n");
		if (!one)
			ex_emitter_free(em);
	}
	if (one)
		ex_emitter_free(em);
	cg_out(e, "}\n\n");
	mem_free(dct);
	mem_free(drest);
	mem_free(rct);
	mem_free(rrest);
	cg_free_refs(pn, 0);
}

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
		if (rd->kind == RD_INT)    /* a potential's alone: emit_sav.c */
			continue;
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
	if (s->nstate_src)
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

static Expr *
lh_leaf(LHoist *h, ExprPool *p, Expr *e)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (h->hx[i] == e)
			return ex_param(p, h->base + i);
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
		unsigned n = h->nmemo;
		while (n <= e->id)
			n *= 2;
		h->memo = mem_realloc(h->memo, n * sizeof *h->memo);
		memset(h->memo + h->nmemo, 0, (n - h->nmemo) * sizeof *h->memo);
		h->nmemo = n;
	}
	if (h->memo[e->id])
		return h->memo[e->id];
	if (lh_invariant(e) && !ex_recip(e))
		x = lh_leaf(h, p, e);
	else {
		a = e->a ? lh_walk(h, p, e->a) : NULL;
		b = e->b && !ex_recip(e) ? lh_walk(h, p, e->b) : e->b;
		c = e->c ? lh_walk(h, p, e->c) : NULL;
		switch (e->kind) {
		case EX_ADD: x = ex_add(p, a, b); break;
		case EX_MUL: x = ex_mul(p, a, b); break;
		case EX_POW: x = ex_pow(p, a, b); break;
		case EX_FN: x = ex_fn(p, (Fn)e->op, a, b); break;
		case EX_CMP: x = ex_cmp(p, (Cmp)e->op, a, b); break;
		case EX_SELECT: x = ex_select(p, a, b, c); break;
		default: die("lh_walk: bad node kind %d", (int)e->kind);
		}
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
 * (a vector division costs the loop more than the rest of its work). */
enum { LREL = 8 };

typedef struct Rel {
	Expr **map;                /* [r]: read r's relative param, or NULL */
	Expr **memo; unsigned nmemo;
	unsigned *seen; int nseen, capseen;
} Rel;

static Expr *
rel_walk(ExprPool *p, Rel *w, int np, int nrd, Expr *e)
{
	Expr *a, *b, *c, *x;

	if (!(e->deps & DEP_STATE))
		return e;
	if (e->kind == EX_PARAM)
		return e->index >= np && e->index < np + nrd && w->map[e->index - np] ? w->map[e->index - np] : e;
	if (e->kind == EX_NUM || e->kind == EX_SYM)
		return e;
	if (e->id >= w->nmemo) {
		unsigned n = w->nmemo ? w->nmemo : 1024;
		while (n <= e->id)
			n *= 2;
		w->memo = mem_realloc(w->memo, n * sizeof *w->memo);
		memset(w->memo + w->nmemo, 0, (n - w->nmemo) * sizeof *w->memo);
		w->nmemo = n;
	}
	if (w->memo[e->id])
		return w->memo[e->id];
	a = e->a ? rel_walk(p, w, np, nrd, e->a) : NULL;
	b = e->b ? rel_walk(p, w, np, nrd, e->b) : NULL;
	c = e->c ? rel_walk(p, w, np, nrd, e->c) : NULL;
	switch (e->kind) {
	case EX_ADD: x = ex_add(p, a, b); break;
	case EX_MUL: x = ex_mul(p, a, b); break;
	case EX_POW: x = ex_pow(p, a, b); break;
	case EX_FN: x = ex_fn(p, (Fn)e->op, a, b); break;
	case EX_CMP: x = ex_cmp(p, (Cmp)e->op, a, b); break;
	case EX_SELECT: x = ex_select(p, a, b, c); break;
	default: die("rel_walk: bad node kind %d", (int)e->kind);
	}
	w->memo[e->id] = x;
	if (w->nseen == w->capseen) {
		w->capseen = w->capseen ? 2 * w->capseen : 256;
		w->seen = mem_realloc(w->seen, (size_t)w->capseen * sizeof *w->seen);
	}
	w->seen[w->nseen++] = e->id;
	return x;
}

/* rest of object j with its neighbours' reads relative */
static Expr *
lump_rel(const Emit *e, const LHoist *h, int j, Rel *w)
{
	const Scheme *s = e->s;
	int r, np = s->nparams, rel = h->base + h->n;
	Expr *x;

	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
		int d = rd->lump - j;
		w->map[r] = NULL;
		if ((rd->kind == RD_LUMP || rd->kind == RD_LUMP_VEL) && d >= -LREL && d <= LREL)
			w->map[r] = ex_param(s->pool, rel + 2 * (d + LREL) + (rd->kind == RD_LUMP_VEL));
	}
	x = rel_walk(s->pool, w, np, s->nrd, h->rest[j]);
	while (w->nseen)
		w->memo[w->seen[--w->nseen]] = NULL;
	return x;
}

/* z[n+1] = (2 z[n] - (1 + ct k/2) z[n-1] + k^2 rest) / (1 - ct k/2), the
 * parts of ct and rest that do not change hoisted (LHoist) */
void
cg_emit_lumps(Emit *e, const LHoist *h, int first, int count, const char *ind)
{
	const Scheme *s = e->s;
	ExprEmitter *em;
	int j, a, b, i, nrel = 2 * (2 * LREL + 1), rel = h->base + h->n;
	Expr **canon = mem_alloc((size_t)(count + 1) * sizeof *canon);
	unsigned char *inrun = mem_alloc((size_t)count + 1);
	const char **pn = mem_alloc((size_t)(rel + nrel + 1) * sizeof *pn);
	Rel w;

	if (!s->nrd)
		cg_out(e, "%sconst long ng = nx1 * (ny + 1);\n", ind);
	memset(&w, 0, sizeof w);
	w.map = mem_alloc((size_t)(s->nrd + 1) * sizeof *w.map);
	memset(inrun, 0, (size_t)count + 1);
	for (j = 0; j < count; j++)
		canon[j] = lump_rel(e, h, first + j, &w);
	mem_free(w.map);
	mem_free(w.memo);
	mem_free(w.seen);
	/* the loops: runs of at least 4 */
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
	for (i = 0; i < s->nrd; i++) {     /* z and z.t from the state (cg_reads_skip) */
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
	for (i = 0; i < nrel; i++)
		mem_free((void *)pn[rel + i]);
	for (i = 0; i < s->nrd; i++)
		if (pn[s->nparams + i] != h->pn[s->nparams + i])
			mem_free((void *)pn[s->nparams + i]);
	mem_free(pn);
	mem_free(inrun);
	mem_free(canon);
}
