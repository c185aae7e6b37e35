/* emit_vjp.c — the gradient's last step: from dL/dc, what the adjoint
 * accumulated for each coefficient c, to dL/dparam.
 *
 * requires: Loops with lower_grad's seeds (tseed, cseed, sseed); the
 *           kernels of emit_loop.c add into the seeds this lays out.
 * leaves:   C that takes the seeds through the coefficients' expressions
 *           in reverse (a vector-Jacobian product): once for the constant
 *           coefficients, once per time step for those of t, once per grid
 *           point for those of x, y, once per point for the initial state.
 *
 * dL/dp = sum over coefficients c of dL/dc dc/dp.  Taking dc/dp for every
 * p and c (a table with a column per param) costs the number of params
 * times the coefficients' work; a net of hundreds of weights makes that
 * hundreds of times.  The product is instead one reverse sweep of the
 * expression sum_c w_c c with the seeds w_c as leaves (Griewank and
 * Walther, "Evaluating Derivatives", ch. 3): diff.c builds its adjoints
 * symbolically, each a shared subexpression, so the text computes the
 * coefficients' DAG once forward and once backward whatever the number
 * of params.  The seeds are params numbered from nparams on, which diff.c
 * does not differentiate and the printer names as given. */
#include <string.h>

#include "diff.h"
#include "emit.h"

void
cg_vjp(Emit *e, Expr *const *roots, const char *const *seeds, int n, const char *ind)
{
	const Scheme *s = e->s;
	ExprPool *P = s->pool;
	int np = s->nparams, i, any = 0, *root = mem_alloc((size_t)(np + 1) * sizeof *root);
	const char **pn = cg_param_refs(e), **names = mem_alloc((size_t)(np + n + 1) * sizeof *names);
	Expr *sum = ex_num(P, 0), **d = mem_alloc((size_t)(np + 1) * sizeof *d);
	ExprEmitter *em;

	for (i = 0; i < np; i++)
		names[i] = pn[i];
	for (i = 0; i < n; i++) {
		names[np + i] = seeds[i];
		if (roots[i]->deps & DEP_PARAM)
			sum = ex_add(P, sum, ex_mul(P, ex_param(P, np + i), roots[i]));
	}
	if (np)
		diff_params(P, sum, np, d);
	em = ex_emitter_new(names, cg_sym_c, "vj");
	for (i = 0; i < np; i++) {
		root[i] = ex_is_num(d[i], 0) ? -1 : ex_emitter_add(em, d[i]);
		any |= root[i] >= 0;
	}
	if (any)
		ex_emitter_flush(em, &e->b, ind);
	for (i = 0; i < np; i++)
		if (root[i] >= 0)
			cg_out(e, "%sgrad[%d] += %s;\n", ind, i, ex_emitter_root(em, root[i]));
	ex_emitter_free(em);
	cg_free_refs(pn, np);
	mem_free(names);
	mem_free(root);
	mem_free(d);
}

/* The gradient's scratch in m->gk, zeroed by each backward: nfwd + 1 rows
 * of nx1 (constant coefficients' sums), then three steps of time seeds
 * (a ring: step n's at n mod 3, complete once the sweep reaches n - 2),
 * the constant source strengths' seeds, S lambda at each point a source
 * spreads over and g u at each an output reads (for their positions),
 * the riding sums of a step and 16 lanes per sum (emit_loop.c: a
 * constant coefficient's kept over the backward, and what they lost),
 * and the seeds over the grid. */
void
cg_emit_grad_layout(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	int cs = 3 * l->nts, sw = cs + l->ncs, ow = sw + 4 * s->nsrc, rs = ow + 4 * s->nout;
	/* several parts: the reads' seeds, a ring of two steps (emit_parts.c) */
	int lc = rs + (l->step->parts ? 2 * cg_atleast1(s->nrd) : 0);
	/* and the lumped objects' constants (emit_parts.c @__alc) */
	int ln = lc + (l->step->parts && s->nlump ? cg_parts_nlc(e) : 0);
	int *slot = mem_alloc((size_t)(3 * l->nfwd + 1) * sizeof *slot), ga = ln + 17 * loops_sum_slots(l, slot);

	mem_free(slot);

	cg_out(e, "/* the gradient's scratch in m->gk (compiler/back/emit_vjp.c) */\n");
	if (l->step->parts)
		cg_out(e, "enum { @__OFF_RS = %d, @__OFF_LC = %d };\n", rs, lc);
	/* made by each backward after it zeroes m->gk */
	if (l->step->parts && s->nlump)
		cg_out(e, "#define @__ALC(m) @__alc((m), (m)->gk + @__GK_X(m) + @__OFF_LC)\n");
	else
		cg_out(e, "#define @__ALC(m) ((void)(m))\n");
	cg_out(e, "enum { @__NGK = %d, @__NTS = %d, @__OFF_CS = %d, @__OFF_SW = %d, @__OFF_OW = %d,\n"
	       "\t@__OFF_GA = %d, @__NSS = %d };\n", l->nfwd + 1, l->nts, cs, sw, ow, ga, l->nss);
	cg_out(e, "#define @__GK_X(m) ((size_t)@__NGK * (size_t)(m)->nx1)\n");
	cg_out(e, "#define @__LANES(m) (@__GK_X(m) + %d)\n", ln);
	cg_out(e, "#define @__GK_RING(m, n) ((m)->gk + @__GK_X(m) + (size_t)(((n) + 3) %% 3) * @__NTS)\n");
	/* then, with potentials, the ring of emit_sav.c's @__SAVE */
	cg_out(e, "#define @__GKN(m) (@__GK_X(m) + @__OFF_GA + (size_t)(@__NSS + %d) * (size_t)(m)->npts)\n\n",
	       s->npot ? 2 : 0);
}

/* The roots with a seed in v[] (tseed, sseed, cseed): their expressions
 * into roots, the seeds' C names (NAME[i]) into names; the count. */
static int
seeded(Emit *e, const int *v, const char *name, Expr **roots, char **names)
{
	const Loops *l = e->l;
	int c, n = 0;
	Buf b = {0};

	for (c = 0; c < l->ncoefs; c++) {
		/* one that reads the state: @__apsc's (emit_parts.c) */
		if (v[c] < 0 || (l->coefs[c].e->deps & DEP_STATE))
			continue;
		b.len = 0;
		buf_printf(&b, "%s[%d]", name, v[c]);
		/* packed: a state-reading one skipped leaves no hole (cg_vjp
		 * reads the first n) */
		roots[n] = l->coefs[c].e;
		names[n] = mem_strdup(b.s);
		n++;
	}
	buf_free(&b);
	return n;
}

static void
free_names(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		mem_free(names[i]);
	mem_free(names);
}

/* @__tvjp(m, n, grad): step n's seeds through the coefficients of t at
 * t = n k, then cleared; nothing when they are all 0. */
void
cg_emit_tvjp(Emit *e)
{
	const Loops *l = e->l;
	Expr **roots = mem_alloc((size_t)(l->nts + 1) * sizeof *roots);
	char **names = mem_alloc((size_t)(l->nts + 1) * sizeof *names);
	int n = seeded(e, l->tseed, "w", roots, names);

	cg_out(e, "static void\n@__tvjp(@_model *m, long n, double *grad)\n{\n");
	if (!n) {
		cg_out(e, "\t(void)m; (void)n; (void)grad;\n}\n\n");
		mem_free(roots);
		free_names(names, 0);
		return;
	}
	cg_out(e, "\tdouble *w = @__GK_RING(m, n);\n");
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1], t = (double)n * k;\n");
	cg_out(e, "\tint i, any = 0;\n\n\t(void)p; (void)hx; (void)hy; (void)t;\n");
	cg_out(e, "\tfor (i = 0; i < %d; i++)\n\t\tany |= w[i] != 0;\n\tif (!any)\n\t\treturn;\n", l->nts);
	cg_vjp(e, roots, (const char *const *)names, n, "\t");
	cg_out(e, "\tmemset(w, 0, sizeof(double) * %d);\n}\n\n", l->nts);
	mem_free(roots);
	free_names(names, n);
}

/* The statements that end @__gend (emit_loop.c), after the adjoint of
 * the initial state: the last steps' time seeds, the constant
 * coefficients' sums as seeds (slot: loops_sum_slots), the sources' and
 * outputs' positions, the seeds over the grid point by point. */
void
cg_emit_gend_vjp(Emit *e, const int *slot)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	int np = s->nparams, c, f, i, v, p, n = 0, nv = s->ndim == 2 ? 4 : 2;
	Expr **roots = mem_alloc((size_t)(2 * l->nfwd + l->ncs + l->nss + 4) * sizeof *roots);
	char **names = mem_alloc((size_t)(2 * l->nfwd + l->ncs + l->nss + 4) * sizeof *names);
	Buf b = {0};
	int *sl = mem_alloc((size_t)(3 * l->nfwd + 1) * sizeof *sl), nsum = loops_sum_slots(l, sl);

	mem_free(sl);
	/* steps 1, 0 (and -1, whose seeds are 0 but for rounding) */
	cg_out(e, "\t@__tvjp(m, 1, grad);\n\t@__tvjp(m, 0, grad);\n\t@__tvjp(m, -1, grad);\n");
	cg_out(e, "\t{\n\t\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	cg_out(e, "\t\tconst double *cs = m->gk + @__GK_X(m) + @__OFF_CS;\n");
	cg_out(e, "\t\tconst double *sw = m->gk + @__GK_X(m) + @__OFF_SW, *ow = m->gk + @__GK_X(m) + @__OFF_OW;\n");
	cg_out(e, "\t\tdouble cw[%d];\n\t\tlong i, j;\n\n", cg_atleast1(l->nfwd + 1));
	cg_out(e, "\t\t(void)p; (void)k; (void)hx; (void)hy; (void)cs; (void)sw; (void)ow; (void)cw;\n");
	cg_out(e, "\t\t(void)i; (void)j;\n");
	/* constant coefficients: the kept lanes of @__adjg (a slot), or row
	 * C of gk one sum per column of @__gacc (not riding); row nfwd the
	 * force's per column */
	for (c = 0; c <= l->nfwd; c++) {
		f = c < l->nfwd ? c : l->force_coef;
		if (f < 0 || l->coefs[f].cls != CO_CONST || !loops_has_deriv(l, f))
			continue;
		if (c < l->nfwd && slot[c] < 0 && loops_rides(l, c))
			continue;
		if (c < l->nfwd && slot[c] >= 0) {
			/* the kept lanes (emit_loop.c), less what they lost */
			cg_out(e, "\t\t{\n\t\t\tconst double *A = m->gk + @__LANES(m) + %d, *C = A + 8;\n\n",
			       nsum + 16 * slot[c]);
			cg_out(e, "\t\t\tcw[%d] = (((A[0] + A[1]) + (A[2] + A[3])) + ((A[4] + A[5]) + (A[6] + A[7])))\n", n);
			cg_out(e, "\t\t\t\t- (((C[0] + C[1]) + (C[2] + C[3])) + ((C[4] + C[5]) + (C[6] + C[7])));\n\t\t}\n");
		} else
			cg_out(e, "\t\tcw[%d] = 0;\n\t\tfor (i = 0; i < m->nx1; i++)\n"
			       "\t\t\tcw[%d] += m->gk[%d * m->nx1 + i];\n", n, n, c);
		b.len = 0;
		buf_printf(&b, "cw[%d]", n);
		roots[n] = l->coefs[f].e;
		names[n++] = mem_strdup(b.s);
	}
	/* and the constant source strengths' */
	for (c = 0; c < l->ncoefs; c++)
		if (l->cseed[c] >= 0) {
			b.len = 0;
			buf_printf(&b, "cs[%d]", l->cseed[c]);
			roots[n] = l->coefs[c].e;
			names[n++] = mem_strdup(b.s);
		}
	if (n)
		cg_vjp(e, roots, (const char *const *)names, n, "\t\t");
	free_names(names, n);
	/* positions: S lambda (g u) at each point, times the weights'
	 * derivatives, tabled per param when the params were set */
	for (i = 0; i < s->nsrc; i++)
		for (p = 0; p < np; p++) {
			if (ex_is_num(l->dsrcpos[(2 * i) * np + p], 0) && ex_is_num(l->dsrcpos[(2 * i + 1) * np + p], 0)
			    && ex_is_num(l->dden[p], 0))
				continue;
			cg_out(e, "\t\tgrad[%d] += ", p);
			for (v = 0; v < nv; v++)
				cg_out(e, "%ssw[%d] * m->src_dw[%d][%d][%d]", v ? " + " : "", 4 * i + v, i, p, v);
			cg_out(e, ";\n");
		}
	for (i = 0; i < s->nout; i++)
		for (p = 0; p < np; p++) {
			if (ex_is_num(l->doutpos[(2 * i) * np + p], 0) && ex_is_num(l->doutpos[(2 * i + 1) * np + p], 0))
				continue;
			cg_out(e, "\t\tgrad[%d] += ", p);
			for (v = 0; v < nv; v++)
				cg_out(e, "%sow[%d] * m->out_dw[%d][%d][%d]", v ? " + " : "", 4 * i + v, i, p, v);
			cg_out(e, ";\n");
		}
	/* over the grid: each point's seeds through the coefficients there */
	names = mem_alloc((size_t)(l->nss + 1) * sizeof *names);
	if ((n = seeded(e, l->sseed, "w", roots, names)) > 0) {
		cg_out(e, "\t\tfor (j = 0; j <= m->n[1]; j++)\n");
		cg_out(e, "\t\t\tfor (i = 0; i <= m->n[0]; i++) {\n");
		cg_out(e, "\t\t\t\tconst long q = i + j * m->nx1;\n");
		cg_out(e, "\t\t\t\tconst double x = @__from[0] + i * hx, y = @__from[1] + j * hy;\n");
		cg_out(e, "\t\t\t\tconst double *ga = m->gk + @__GK_X(m) + @__OFF_GA + q;\n");
		/* by slot: the seeds are named w[slot] */
		cg_out(e, "\t\t\t\tdouble w[%d];\n\t\t\t\tint any = 0;\n\n", l->nss);
		cg_out(e, "\t\t\t\t(void)x; (void)y;\n");
		for (i = 0; i < l->nss; i++)
			cg_out(e, "\t\t\t\tany |= (w[%d] = ga[%d * m->npts]) != 0;\n", i, i);
		cg_out(e, "\t\t\t\tif (!any)\n\t\t\t\t\tcontinue;\n");
		cg_vjp(e, roots, (const char *const *)names, n, "\t\t\t\t");
		cg_out(e, "\t\t\t}\n");
	}
	free_names(names, n > 0 ? n : 0);
	cg_out(e, "\t}\n");
	mem_free(roots);
	buf_free(&b);
}
