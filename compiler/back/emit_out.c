/* emit_out.c — outputs that are expressions (language.md 12.2) in the C
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
	cg_out(e, "\t(void)u;\n}\n\n");
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
			cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"an output reads the field at %s = %%g, "
			       "outside its domain [%g, %g]\", X);\n\t\t\treturn 1;\n\t\t}\n\t}\n",
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

	if (!s->nord)
		return;
	for (r = 0; r < s->nord; r++)
		if (s->ord[r].kind == RD_INT) {
			snprintf(name, sizeof name, "__oint%d", r);
			cg_emit_integral(e, &s->ord[r], name);
		}
	reads_fn(e);
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
