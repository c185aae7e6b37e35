/* emit_out.c — outputs that are expressions (docs/language.md 18) in the C
 * text: output NAME = E of params, t and reads of the state.
 *
 * requires: a Scheme whose expression outputs (Output.expr) name the
 *           reads of Scheme.ord as params nparams + r; emit_c.c has
 *           written @__interp.
 * leaves:   C functions and the text of the gather:
 *   @__ointR  read R of the outputs' table, integral(E) of u[n+1]
 *   @__rdout  the outputs' reads from un = u[n+1] and u = u[n], each as
 *             the gather reads a plain output (the same weights, the
 *             same order of operations: `output a = u(X) - z` is bit for
 *             bit the difference of `u(X)` and `z` read alone)
 *   @__ocheck their points inside the domain, when params are set
 * Output sample n is the model at t = (n + 1) k: E's t and time lets are
 * taken there, as its reads are (spec section 5). */
#include <string.h>

#include "diff.h"
#include "emit.h"

/* the names E's params and reads take: p[i], then ro[r] */
static const char **
out_refs(const Emit *e)
{
	int np = e->s->nparams, i;
	const char **names = mem_alloc((size_t)(np + e->s->nord + 1) * sizeof *names);

	for (i = 0; i < np + e->s->nord; i++) {
		Buf b = {0};
		buf_printf(&b, i < np ? "p[%d]" : "ro[%d]", i < np ? i : i - np);
		names[i] = b.s;
	}
	return names;
}

/* the symbols, t the time of the state the outputs read */
static const char *const out_syms[NSYM] = {
	"k", "hx", "hy", "to", "x", "y", "thx", "thy",
};

static void
locals(Emit *e)
{
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	cg_out(e, "\tconst long ng = m->nx1 * (m->n[1] + 1);\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)ng;\n");
}

/* the text of W v over read r's points (ri, rw from @__interp), in the
 * gather's order: w0 v[i0] + w1 v[i1] (+ w2 v[i2] + w3 v[i3]) */
static void
weighted(Buf *b, const Emit *e, const char *v, const char *first, const char *sign)
{
	int q, nv = e->s->ndim == 2 ? 4 : 2;

	for (q = 0; q < nv; q++)
		buf_printf(b, "%srw[%d] * %s[ri[%d]]", q ? sign : first, q, v, q);
}

/* @__rdout */
static void
reads_fn(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "x");
	int r, *root = mem_alloc((size_t)(2 * s->nord + 1) * sizeof *root);

	cg_out(e, "static void\n@__rdout(const @_model *m, const double *un, const double *u, double *ro)\n{\n");
	locals(e);
	cg_out(e, "\tlong ri[4] = {0, 0, 0, 0};\n\tdouble rw[4] = {0, 0, 0, 0};\n\n");
	cg_out(e, "\t(void)ri; (void)rw;\n");
	for (r = 0; r < s->nord; r++) {
		root[2 * r] = s->ord[r].pos ? ex_emitter_add(em, s->ord[r].pos) : -1;
		root[2 * r + 1] = s->ord[r].pos2 ? ex_emitter_add(em, s->ord[r].pos2) : -1;
	}
	ex_emitter_flush(em, &e->b, "\t");
	for (r = 0; r < s->nord; r++) {
		const Read *rd = &s->ord[r];
		Buf t = {0};
		switch (rd->kind) {
		case RD_LUMP:
			cg_out(e, "\tro[%d] = un[ng + %d];\n", r, rd->lump);
			break;
		case RD_LUMP_VEL:
			cg_out(e, "\tro[%d] = (un[ng + %d] - u[ng + %d]) / k;\n", r, rd->lump, rd->lump);
			break;
		case RD_INT:
			cg_out(e, "\tro[%d] = @__oint%d(m, un);\n", r, r);
			break;
		case RD_VAL: case RD_VEL: case RD_DX:
			cg_out(e, "\t@__interp(m, %s, %s, ri, rw);\n", ex_emitter_root(em, root[2 * r]),
			       root[2 * r + 1] >= 0 ? ex_emitter_root(em, root[2 * r + 1]) : "0");
			if (rd->kind == RD_DX) {
				cg_out(e, "\tro[%d] = (un[ri[1]] - un[ri[0]]) / m->h[0];\n", r);
				break;
			}
			weighted(&t, e, "un", "", " + ");
			if (rd->kind == RD_VEL) {
				weighted(&t, e, "u", " - ", " - ");
				cg_out(e, "\tro[%d] = (%s) / k;\n", r, t.s);
			} else {
				cg_out(e, "\tro[%d] = %s;\n", r, t.s);
			}
			buf_free(&t);
			break;
		default:
			die("emit_out: read %d of kind %d", r, (int)rd->kind);
		}
	}
	cg_out(e, "\t(void)u; (void)un; (void)ro;\n}\n\n");
	ex_emitter_free(em);
	mem_free(root);
	cg_free_refs(pn, 0);
}

/* @__ocheck: every point an output reads inside the domain */
static void
check_fn(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	Buf b = {0};
	int r, d;

	char at[32];

	cg_out(e, "static int\n@__ocheck(const @_model *m, char *err, int errsz)\n{\n");
	locals(e);
	for (r = 0; r < s->nord; r++)
		for (d = 0; d < s->ndim && s->ord[r].pos; d++) {
			const double lo = s->from[d], hi = s->to[d];
			b.len = 0;
			ex_print_c(&b, d ? s->ord[r].pos2 : s->ord[r].pos, pn, cg_sym_c);
			cg_out(e, "\t{\n\t\tconst double X = %s;\n\n", b.s);
			cg_out(e, "\t\tif (!(X >= %.17g - 1e-9 * %.17g && X <= %.17g + 1e-9 * %.17g)) {\n",
			       lo, hi - lo, hi, hi - lo);
			cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"%san output reads the field at %s = %%g, "
			       "outside its domain (%s in [%g, %g]); set the params it is read at so that it is "
			       "inside\", X);\n\t\t\treturn 1;\n\t\t}\n\t}\n",
			       cg_loc_text(s->ord[r].loc, at, sizeof at), s->m->domain->coord[d],
			       s->m->domain->coord[d], lo, hi);
		}
	cg_out(e, "\t(void)err; (void)errsz;\n\treturn 0;\n}\n\n");
	buf_free(&b);
	cg_free_refs(pn, 0);
}

void
cg_emit_out_reads(Emit *e)
{
	const Scheme *s = e->s;
	int r;
	char name[32];

	if (!e->l->step->exprout)
		return;
	for (r = 0; r < s->nord; r++)
		if (s->ord[r].kind == RD_INT) {
			snprintf(name, sizeof name, "__oint%d", r);
			cg_emit_integral(e, &s->ord[r], name);
		}
	reads_fn(e);
	if (s->nord)
		check_fn(e);
}

/* y[i] = E of output i's reads, made once per step for every expression
 * output (ro) by the first of them; sn: the step's number as C text */
void
cg_emit_out_expr(Emit *e, int i, const char *ind, const char *y, const char *sn)
{
	const Scheme *s = e->s;
	const char **pn = out_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, out_syms, "o");
	Buf in = {0};
	int first, root;

	for (first = 0; !s->out[first].expr; first++)
		;
	if (first == i) {
		cg_out(e, "%s\tdouble ro[%d];\n%s\tconst double to = (double)(%s + 1) * k;\n\n", ind,
		       cg_atleast1(s->nord), ind, sn);
		cg_out(e, "%s\t@__rdout(m, un, u, ro);\n%s\t(void)to;\n", ind, ind);
	}
	root = ex_emitter_add(em, s->out[i].expr);
	buf_printf(&in, "%s\t", ind);
	cg_out(e, "%s\t{\n", ind);
	buf_printf(&in, "\t");
	ex_emitter_flush(em, &e->b, in.s);
	cg_out(e, "%s\t\t%s[%d] = %s;\n%s\t}\n", ind, y, i, ex_emitter_root(em, root), ind);
	buf_free(&in);
	ex_emitter_free(em);
	cg_free_refs(pn, 0);
}

/* ---- the gradient ----
 * y[s] = E(ro(u[s+1], u[s]), p, t) adds to lambda[s+1] the transposes
 * of its reads of u[s+1], times the seed so_r = sum_i g_i dE_i/dro_r;
 * a velocity read also reads u[s] (-1/k), which adjoint step s - 1 adds
 * to the lambda[s] it makes: the seed waits in m->opend (one step back,
 * always the same thread).  dL/dp: g_i dE_i/dp, and through the reads'
 * positions so_r dro_r/dX dX/dp. */

/* text: R^T seed into l at read r's points (ri, rw), never onto a point
 * a boundary condition holds (an attached end moves: it takes it) */
static void
spread(Emit *e, const char *seed)
{
	const Scheme *s = e->s;
	int q, nv = s->ndim == 2 ? 4 : 2;

	for (q = 0; q < nv; q++) {
		cg_out(e, "\tif (!@__held(m, ri[%d])", q);
		if (s->attach[0][0] >= 0)
			cg_out(e, " || ri[%d] == 0", q);
		if (s->attach[0][1] >= 0)
			cg_out(e, " || ri[%d] == m->n[0]", q);
		cg_out(e, ")\n\t\tl[ri[%d]] += rw[%d] * (%s);\n", q, q, seed);
	}
}

/* grad += seed * dro_r/dX dX/dp (and Y) for a point read whose
 * position moves with the params (dinterp: the weights' slopes) */
static void
moves(Emit *e, const Read *rd, int r)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, p, ax, q, nv = s->ndim == 2 ? 4 : 2;
	Expr **d = mem_alloc((size_t)(2 * np + 1) * sizeof *d);
	Buf b = {0};

	if (!(rd->pos->deps & DEP_PARAM) && !(rd->pos2 && (rd->pos2->deps & DEP_PARAM))) {
		mem_free(d);
		cg_free_refs(pn, 0);
		return;
	}
	diff_params(s->pool, rd->pos, np, d);
	for (p = 0; p < np; p++)
		d[np + p] = rd->pos2 ? NULL : ex_num(s->pool, 0);
	if (rd->pos2)
		diff_params(s->pool, rd->pos2, np, d + np);
	cg_out(e, "\t@__dinterp(m, rw, wx, wy);\n\tdx[0] = dx[1] = 0;\n");
	for (ax = 0; ax < s->ndim; ax++)
		for (q = 0; q < nv; q++)
			cg_out(e, rd->kind == RD_VEL ? "\tdx[%d] += w%c[%d] * (un[ri[%d]] - u[ri[%d]]) / k;\n"
			       : "\tdx[%d] += w%c[%d] * un[ri[%d]];\n", ax, "xy"[ax], q, q, q);
	for (p = 0; p < np; p++)
		for (ax = 0; ax < s->ndim; ax++)
			if (!ex_is_num(d[ax * np + p], 0)) {
				b.len = 0;
				ex_print_c(&b, d[ax * np + p], pn, cg_sym_c);
				cg_out(e, "\tgrad[%d] += so[%d] * dx[%d] * (%s);\n", p, r, ax, b.s);
			}
	buf_free(&b);
	mem_free(d);
	cg_free_refs(pn, 0);
}

/* grad += seed * dI/dp for an integral whose integrand has params */
static void
int_params(Emit *e, const Read *rd, int r)
{
	const Scheme *s = e->s;
	int np = s->nparams, p;
	Expr **d = mem_alloc((size_t)(np + 1) * sizeof *d);

	if (rd->ig->deps & DEP_PARAM) {
		diff_params(s->pool, rd->ig, np, d);
		for (p = 0; p < np; p++)
			if (!ex_is_num(d[p], 0))
				cg_out(e, "\tgrad[%d] += so[%d] * @__oint%d_%d(m, un);\n", p, r, r, p);
	}
	mem_free(d);
}

/* the functions int_params calls: dI/dp as integrals of dE/dp */
static void
int_param_fns(Emit *e)
{
	const Scheme *s = e->s;
	int np = s->nparams, p, r;
	Expr **d = mem_alloc((size_t)(np + 1) * sizeof *d);
	char name[64];

	for (r = 0; r < s->nord; r++) {
		Read dr = s->ord[r];
		if (dr.kind != RD_INT || !(dr.ig->deps & DEP_PARAM))
			continue;
		diff_params(s->pool, s->ord[r].ig, np, d);
		for (p = 0; p < np; p++)
			if (!ex_is_num(d[p], 0)) {
				dr.ig = d[p];
				snprintf(name, sizeof name, "__oint%d_%d", r, p);
				cg_emit_integral(e, &dr, name);
			}
	}
	mem_free(d);
}

/* one read's transpose, seed so[r] */
static void
read_adj(Emit *e, int r)
{
	const Scheme *s = e->s;
	const Read *rd = &s->ord[r];
	const char **pn = cg_param_refs(e);
	Buf x = {0}, y = {0}, sd = {0};

	buf_printf(&sd, "so[%d]%s", r, rd->kind == RD_VEL ? " / k" : "");
	switch (rd->kind) {
	case RD_LUMP:
		cg_out(e, "\tl[ng + %d] += so[%d];\n", rd->lump, r);
		break;
	case RD_LUMP_VEL:
		cg_out(e, "\tl[ng + %d] += so[%d] / k;\n\tm->opend[%d] = so[%d];\n", rd->lump, r, r, r);
		break;
	case RD_INT:
		/* the cells read u: here u[s+1] */
		cg_out(e, "\t{\n\tdouble *g = l;\n\tconst double *u = un;\n\tlong i, j;\n");
		cg_out(e, "\tconst long nx = m->n[0], ny = m->n[1], nx1 = m->nx1;\n");
		cg_out(e, "\tconst double ih = 1 / hx, ihy = 1 / hy;\n\n");
		cg_out(e, "\t(void)j; (void)nx; (void)ny; (void)nx1; (void)ih; (void)ihy; (void)u;\n");
		buf_printf(&x, "so[%d]", r);
		cg_emit_integral_adj(e, rd, x.s);
		cg_out(e, "\t}\n");
		int_params(e, rd, r);
		break;
	default:
		ex_print_c(&x, rd->pos, pn, cg_sym_c);
		if (rd->pos2)
			ex_print_c(&y, rd->pos2, pn, cg_sym_c);
		cg_out(e, "\t@__interp(m, %s, %s, ri, rw);\n", x.s, rd->pos2 ? y.s : "0");
		if (rd->kind == RD_DX) {      /* (un[i+1] - un[i]) / h: as weights -1/h, 1/h */
			cg_out(e, "\trw[0] = -1 / m->h[0];\n\trw[1] = 1 / m->h[0];\n");
			spread(e, sd.s);
			break;
		}
		spread(e, sd.s);
		if (rd->kind == RD_VEL)
			cg_out(e, "\tm->opend[%d] = so[%d];\n", r, r);
		moves(e, rd, r);
		break;
	}
	buf_free(&x);
	buf_free(&y);
	buf_free(&sd);
	cg_free_refs(pn, 0);
}

/* lambda[s+1] -= R^T opend / k: output s+1's velocity reads of u[s+1] */
static void
pending(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	Buf x = {0}, y = {0}, sd = {0};
	int r;

	cg_out(e, "\tif (s + 1 < n) {\n");
	for (r = 0; r < s->nord; r++) {
		const Read *rd = &s->ord[r];
		if (rd->kind == RD_LUMP_VEL)
			cg_out(e, "\tl[ng + %d] -= m->opend[%d] / k;\n", rd->lump, r);
		if (rd->kind != RD_VEL)
			continue;
		x.len = y.len = sd.len = 0;
		ex_print_c(&x, rd->pos, pn, cg_sym_c);
		if (rd->pos2)
			ex_print_c(&y, rd->pos2, pn, cg_sym_c);
		buf_printf(&sd, "-m->opend[%d] / k", r);
		cg_out(e, "\t@__interp(m, %s, %s, ri, rw);\n", x.s, rd->pos2 ? y.s : "0");
		spread(e, sd.s);
	}
	cg_out(e, "\t}\n");
	buf_free(&x);
	buf_free(&y);
	buf_free(&sd);
	cg_free_refs(pn, 0);
}

/* @__oeadj(m, l, g, s, n, un, u, grad): adjoint step s's part of the
 * expression outputs, l = lambda[s+1], un = u[s+1], u = u[s]; s = -1:
 * only output 0's velocity seeds, into lambda[0] */
void
cg_emit_out_adj(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = out_refs(e);
	int np = s->nparams, nq = np + s->nord, i, q, *root;
	ExprEmitter *em = ex_emitter_new(pn, out_syms, "o");
	Expr **d = mem_alloc((size_t)(nq + 1) * sizeof *d);

	root = mem_alloc((size_t)(s->nout * nq + 1) * sizeof *root);
	int_param_fns(e);
	cg_out(e, "static void\n@__oeadj(@_model *m, double *l, const double *g, long s, long n,\n"
	       "\tconst double *un, const double *u, double *grad)\n{\n");
	locals(e);
	cg_out(e, "\tlong ri[4] = {0, 0, 0, 0};\n\tdouble rw[4] = {0, 0, 0, 0}, wx[4], wy[4], dx[2];\n");
	cg_out(e, "\tdouble ro[%d], so[%d];\n\n", cg_atleast1(s->nord), cg_atleast1(s->nord));
	cg_out(e, "\t(void)ri; (void)rw; (void)wx; (void)wy; (void)dx; (void)grad; (void)so; (void)l;\n");
	pending(e);
	cg_out(e, "\tif (s < 0)\n\t\treturn;\n");
	cg_out(e, "\t@__rdout(m, un, u, ro);\n");
	cg_out(e, "\tmemset(so, 0, sizeof so);\n");
	cg_out(e, "\t{\n\t\tconst double to = (double)(s + 1) * k;\n\n\t\t(void)to;\n");
	for (i = 0; i < s->nout; i++) {
		if (!s->out[i].expr)
			continue;
		diff_params(s->pool, s->out[i].expr, nq, d);
		for (q = 0; q < nq; q++)
			root[i * nq + q] = ex_is_num(d[q], 0) ? -1 : ex_emitter_add(em, d[q]);
	}
	ex_emitter_flush(em, &e->b, "\t\t");
	for (i = 0; i < s->nout; i++)
		for (q = 0; s->out[i].expr && q < nq; q++)
			if (root[i * nq + q] >= 0)
				cg_out(e, "\t\t%s[%d] += g[s * %d + %d] * (%s);\n", q < np ? "grad" : "so",
				       q < np ? q : q - np, s->nout, i, ex_emitter_root(em, root[i * nq + q]));
	cg_out(e, "\t}\n");
	for (q = 0; q < s->nord; q++)
		read_adj(e, q);
	cg_out(e, "}\n\n");
	ex_emitter_free(em);
	mem_free(root);
	mem_free(d);
	cg_free_refs(pn, 0);
}
