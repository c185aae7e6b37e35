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

/* @__rdall: the reads of a step from u = u[n], up = u[n-1], which the
 * step (emit_loop.c c_read) and the adjoint's transposes both call */
void
cg_emit_reads(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "x");
	int r, *root = mem_alloc((size_t)(s->nrd + 1) * sizeof *root);
	int *root2 = mem_alloc((size_t)(s->nrd + 1) * sizeof *root2);

	cg_emit_integrals(e);
	cg_out(e, "static void\n@__rdall(const @_model *m, const double *u, const double *up, double *rd)\n{\n");
	locals(e, "0");
	for (r = 0; r < s->nrd; r++) {
		root[r] = s->rd[r].pos ? ex_emitter_add(em, s->rd[r].pos) : -1;
		root2[r] = s->rd[r].pos2 ? ex_emitter_add(em, s->rd[r].pos2) : -1;
	}
	ex_emitter_flush(em, &e->b, "\t");
	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
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
	int nq = s->nparams + s->nrd, j;
	int *dct = mem_alloc((size_t)(nq + 1) * sizeof *dct), *drest = mem_alloc((size_t)(nq + 1) * sizeof *drest);

	cg_out(e, "static void\n@__alump(const @_model *m, long n, const double *la, const double *lb, double *ln,\n"
	       "\tconst double *u, const double *up, double *rs, double *grad)\n{\n");
	locals(e, "n");
	cg_out(e, "\tdouble rd[%d];\n\n\t(void)rs; (void)grad; (void)rd;\n", cg_atleast1(s->nrd));
	if (s->nrd)
		cg_out(e, "\t@__rdall(m, u, up, rd);\n");
	for (j = 0; j < s->nlump; j++) {
		ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "zl_");
		int rct = add_derivs(e, em, s->lump[j].ct, nq, dct);
		int rrest = add_derivs(e, em, s->lump[j].rest, nq, drest);
		cg_out(e, "\t{\n");
		ex_emitter_flush(em, &e->b, "\t\t");
		cg_out(e, "\t\tconst double ct = %s, rest = %s, D = 1 - ct * k / 2, lz = la[ng + %d];\n",
		       ex_emitter_root(em, rct), ex_emitter_root(em, rrest), j);
		cg_out(e, "\t\tconst double znext = (2 * u[ng + %d] - (1 + ct * k / 2) * up[ng + %d] + k * k * rest) / D;\n",
		       j, j);
		cg_out(e, "\t\tconst double sct = lz * (k / 2) * (znext - up[ng + %d]) / D, srest = lz * k * k / D;\n\n", j);
		cg_out(e, "\t\t(void)sct; (void)srest;\n");
		cg_out(e, "\t\tln[ng + %d] = (2 * lz - (1 + ct * k / 2) * lb[ng + %d]) / D;\n", j, j);
		spread(e, em, dct, "sct", "\t\t");
		spread(e, em, drest, "srest", "\t\t");
		cg_out(e, "\t}\n");
		ex_emitter_free(em);
	}
	cg_out(e, "}\n\n");
	mem_free(dct);
	mem_free(drest);
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
