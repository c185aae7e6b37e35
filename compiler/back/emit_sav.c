/* emit_sav.c — integrals and potentials (language.md 12) in the C text.
 *
 * requires: a Scheme with its reads (RD_INT among them) and, when it has
 *           potentials, V = Scheme.pot of params and reads; one field
 *           (1D, or 2D without point reads: discretise.c refuses the rest).
 * leaves:   C functions the step calls:
 *   @__intR    read R, integral(E) of the state u[n]
 *   @__sav_v   V from the reads
 *   @__sav     the SAV correction of un (OP_SAV), after every other op
 *              that writes un
 *   @__sav_init  psi at the start, sqrt(2 V(u[0]) + eps)
 *   @__parts_energy  the lumped objects' energy and psi^2 / 2, for
 *              `output E = energy`
 *   @__asav    the transpose of @__sav (OP_ADJ_SAV), @__gsav that of
 *              @__sav_init and the seeds left for lambda[0], lambda[-1];
 *              @__asav_core the transpose alone, for a bow's seed too
 *   @__sav_gb  with a bow: g and b dense, for its solve and transpose
 *              (emit_loop.c sav_coupling, emit_bow.c)
 *   @__sav_bound  the reads at the energy's bound, for the grid
 * psi is the last value of every state array (u[n]'s: psi[n-1/2]), so
 * checkpoints carry it; the correction's scratch is the call's own, as
 * two threads may step at once.
 *
 * The scalar auxiliary variable method (S. Bilbao, M. Ducceschi, F. Zama,
 * J. Comput. Phys. 2023).  With q the whole state (the grid's points and
 * the lumped objects), m_q its masses (rho h w_q, w_q the trapezoid
 * weight; M for an object) and psi = sqrt(2 V + eps) a state of its own
 * at the half steps, the step adds to each q the force -g_q mu(psi):
 *   m_q (q[n+1] - 2 q[n] + q[n-1]) / k^2 = (linear part) - g_q (psi+ + psi-) / 2
 *   psi+ = psi- + g . (q[n+1] - q[n-1]) / 2,      g = dV/dq (q[n]) / sqrt(2 V(q[n]) + eps)
 * Dotting the first with (q[n+1] - q[n-1]) / 2 and adding psi+^2/2 -
 * psi-^2/2 = g . (q[n+1] - q[n-1]) (psi+ + psi-) / 4 cancels the force:
 * kinetic + linear potential + psi^2/2 is conserved exactly.  q[n+1] is
 * q* (the explicit step without the force) minus b mu(psi), b_q = k^2 g_q
 * / (m_q den_q), and g . (q[n+1] - q[n-1]) follows from one scalar
 * equation (Sherman-Morrison of the rank-one g g^T): O(N), explicit, and
 * its divisor 1 + g.b/4 is never below 1. */
#include <string.h>

#include "diff.h"
#include "emit.h"

/* eps of psi = sqrt(2 V + eps): keeps g = dV / psi finite where V = 0 */
#define SAV_EPS "1e-30"

/* a Buf's text, "" when empty */
#define TXT(b) ((b).s ? (b).s : "")

/* c with the state's reads at 0: a tap's coefficient at rest (one that
 * reads the state: discretise.c state_coef) */
static Expr *
at_rest(const Scheme *s, Expr *c)
{
	return ex_subst_state(s->pool, c, ex_num(s->pool, 0));
}

static void
locals(Emit *e)
{
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1], t = 0.0;\n");
	cg_out(e, "\tconst long nx = m->n[0], ng = m->nx1 * (m->n[1] + 1);\n");
	cg_out(e, "\tconst double ih = 1 / hx;\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)t; (void)nx; (void)ng; (void)ih;\n");
	if (e->s->ndim == 2)
		cg_out(e, "\tconst long ny = m->n[1], nx1 = m->nx1;\n\tconst double ihy = 1 / hy;\n"
		       "\t(void)ny; (void)nx1; (void)ihy;\n");
}

/* ---- the cells of an integral ----
 * Every loop over an integral's cells (its value, its gradient g, its
 * transpose, the energy bound's sampling) is opened here, so they all
 * read the field alike: over the points (kind 0, E of u, trapezoid
 * weights) or the intervals along x or y (kinds 1, 2: E of the forward
 * difference).  Each cell has q (its first point), qa (the other end of
 * its difference), x, y, thx (E's argument) and w, its weight: in 1D the
 * trapezoid's share alone (the sum is multiplied by hx at the end), in
 * 2D the cell's share of hx hy.  jw is the text of dI/du[qa] / f'(thx)
 * (times the seed it follows), the factors in the order the step has
 * always multiplied them, so its bits stay the same. */
typedef struct Cells {
	const char *u;             /* the array sampled */
	const char *nx, *ny, *nx1; /* its last indices and row length */
	const char *x0, *y0;       /* the origin, as C text */
	int div;                   /* 1D: the slope as a difference / hx */
} Cells;

static const Cells step_cells = {"u", "nx", "ny", "nx1", "@__from[0]", "@__from[1]", 0};

/* opens the loop over rd's cells at ind (closed by cells_close); the
 * body's indent into in, jw's text into jw */
/* The second differences of kinds 3, 4, 5 (u.xx, u.yy, lap(u)) applied
 * to the array a at the cell: along x ea a[qa - 1] + eb a[qa] + ec
 * a[qa + 1], about qa (the point, or the next one at an end), along y
 * likewise with fa, fb, fc about qb */
static void
st_apply(Buf *b, const Read *rd, const Cells *c, const char *a)
{
	if (rd->lump != 4)
		buf_printf(b, "(ea * %s[qa - 1] + eb * %s[qa] + ec * %s[qa + 1]) / (hx * hx)", a, a, a);
	if (rd->lump == 5)
		buf_puts(b, " + ");
	if (rd->lump != 3)
		buf_printf(b, "(fa * %s[qb - %s] + fb * %s[qb] + fc * %s[qb + %s]) / (hy * hy)", a, c->nx1, a, a,
		           c->nx1);
}

/* dst += v times the transpose of st_apply's differences, at ind */
static void
st_scatter(Emit *e, const Read *rd, const Cells *c, const char *ind, const char *dst, const char *v)
{
	if (rd->lump != 4)
		cg_out(e, "%s{\n%s\tconst double sx = (%s) / (hx * hx);\n\n%s\t%s[qa - 1] += ea * sx;\n"
		       "%s\t%s[qa] += eb * sx;\n%s\t%s[qa + 1] += ec * sx;\n%s}\n", ind, ind, v, ind, dst, ind,
		       dst, ind, dst, ind);
	if (rd->lump != 3)
		cg_out(e, "%s{\n%s\tconst double sy = (%s) / (hy * hy);\n\n%s\t%s[qb - %s] += fa * sy;\n"
		       "%s\t%s[qb] += fb * sy;\n%s\t%s[qb + %s] += fc * sy;\n%s}\n", ind, ind, v, ind, dst, c->nx1,
		       ind, dst, ind, dst, c->nx1, ind);
}

/* The weights of the second difference at the end `side` of axis ax,
 * about the point next to it, from the end's condition: u.xx = 0 at a
 * fixed or simply supported end (a held string's end does not
 * accelerate: c^2 u.xx = u.tt = 0) and at a bar's free end; at a clamped
 * one the ghost u[-1] = u[1], 2 (u[1] - u[0]) / h^2; else (a string's
 * free or attached end) the next point's */
static void
st_end(const Scheme *s, int ax, int side, double w[3])
{
	BcKind bc = s->bc[ax][side];

	w[0] = 1, w[1] = -2, w[2] = 1;
	if (bc == BC_FIXED || bc == BC_SS || (bc == BC_FREE && s->space_order >= 4))
		w[0] = w[1] = w[2] = 0;
	else if (bc == BC_CLAMPED && side == 0)
		w[0] = -2, w[1] = 2, w[2] = 0;
	else if (bc == BC_CLAMPED)
		w[0] = 0, w[1] = 2, w[2] = -2;
}

/* the weights' declarations along axis ax (x: ea..., y: fa...), i the
 * index, n its last value */
static void
st_weights(Emit *e, const char *in, int ax, const char *i, const char *n)
{
	static const char *const nm[2][3] = {{"ea", "eb", "ec"}, {"fa", "fb", "fc"}};
	double lo[3], hi[3], mid[3] = {1, -2, 1};
	int t;

	st_end(e->s, ax, 0, lo);
	st_end(e->s, ax, 1, hi);
	cg_out(e, "%sconst double ", in);
	for (t = 0; t < 3; t++)
		cg_out(e, "%s%s = %s == 0 ? %g : %s == %s ? %g : %g", t ? ", " : "", nm[ax][t], i, lo[t], i, n,
		       hi[t], mid[t]);
	cg_out(e, ";\n");
}

/* cells_open of kinds 3, 4, 5: the points, trapezoid weights */
static void
st_open(Emit *e, const Read *rd, const Cells *c, const char *ind, Buf *in, Buf *jw)
{
	int d2 = e->s->ndim == 2;
	Buf th = {0};

	buf_printf(in, "%s\t%s", ind, d2 ? "\t" : "");
	if (d2)
		cg_out(e, "%sfor (j = 0; j <= %s; j++)\n", ind, c->ny);
	cg_out(e, "%s%sfor (i = 0; i <= %s; i++) {\n", ind, d2 ? "\t" : "", c->nx);
	cg_out(e, "%sconst long q = i%s%s, qa = (i < 1 ? 1 : i > %s - 1 ? %s - 1 : i)%s%s;\n", in->s,
	       d2 ? " + j * " : "", d2 ? c->nx1 : "", c->nx, c->nx, d2 ? " + j * " : "", d2 ? c->nx1 : "");
	if (d2)
		cg_out(e, "%sconst long qb = i + (j < 1 ? 1 : j > %s - 1 ? %s - 1 : j) * %s;\n", in->s, c->ny,
		       c->ny, c->nx1);
	else
		cg_out(e, "%sconst long qb = q;\n", in->s);
	if (rd->lump != 4)
		st_weights(e, in->s, 0, "i", c->nx);
	if (rd->lump != 3)
		st_weights(e, in->s, 1, "j", c->ny);
	st_apply(&th, rd, c, c->u);
	if (d2) {
		cg_out(e, "%sconst double x = %s + i * hx, y = %s + j * hy;\n", in->s, c->x0, c->y0);
		cg_out(e, "%sconst double thx = %s;\n", in->s, th.s);
		cg_out(e, "%sconst double w = hx * hy * (i == 0 || i == %s ? 0.5 : 1) * (j == 0 || j == %s ? 0.5 : 1);\n",
		       in->s, c->nx, c->ny);
		buf_puts(jw, " * w");
	} else {
		cg_out(e, "%sconst double x = %s + i * hx, thx = %s;\n", in->s, c->x0, th.s);
		cg_out(e, "%sconst double w = (i == 0 || i == %s ? 0.5 : 1);\n", in->s, c->nx);
		buf_puts(jw, " * hx * w");
	}
	cg_out(e, "%s(void)x; %s(void)thx; (void)w; (void)q; (void)qa; (void)qb;\n", in->s, d2 ? "(void)y; " : "");
	buf_free(&th);
}

static void
cells_open(Emit *e, const Read *rd, const Cells *c, const char *ind, Buf *in, Buf *jw)
{
	int kind = rd->lump, d2 = e->s->ndim == 2;
	const char *dq = kind == 2 ? c->nx1 : "1", *ih = kind == 2 ? "ihy" : "ih";

	in->len = jw->len = 0;
	if (kind >= 3) {
		st_open(e, rd, c, ind, in, jw);
		return;
	}
	buf_printf(in, "%s\t%s", ind, d2 ? "\t" : "");
	if (d2)
		cg_out(e, "%sfor (j = 0; j %s %s; j++)\n", ind, kind == 2 ? "<" : "<=", c->ny);
	cg_out(e, "%s%sfor (i = 0; i %s %s; i++) {\n", ind, d2 ? "\t" : "", kind == 1 ? "<" : "<=", c->nx);
	if (d2) {
		cg_out(e, "%sconst long q = i + j * %s, qa = q + %s;\n", in->s, c->nx1, dq);
		cg_out(e, "%sconst double x = %s + (i%s) * hx, y = %s + (j%s) * hy;\n", in->s, c->x0,
		       kind == 1 ? " + 0.5" : "", c->y0, kind == 2 ? " + 0.5" : "");
		if (kind == 0)
			cg_out(e, "%sconst double thx = %s[q];\n", in->s, c->u);
		else
			cg_out(e, "%sconst double thx = (%s[qa] - %s[q]) * %s;\n", in->s, c->u, c->u, ih);
		cg_out(e, "%sconst double w = hx * hy%s%s;\n", in->s,
		       kind != 1 ? " * (i == 0 || i == nx ? 0.5 : 1)" : "",
		       kind != 2 ? " * (j == 0 || j == ny ? 0.5 : 1)" : "");
		buf_printf(jw, kind ? " * w * %s" : " * w", ih);
	} else {
		cg_out(e, "%sconst long q = i, qa = i + 1;\n", in->s);
		if (kind)
			cg_out(e, "%sconst double x = %s + (i + 0.5) * hx, thx = (%s[qa] - %s[q]) %s;\n", in->s,
			       c->x0, c->u, c->u, c->div ? "/ hx" : "* ih");
		else
			cg_out(e, "%sconst double x = %s + i * hx, thx = %s[q];\n", in->s, c->x0, c->u);
		if (kind)
			cg_out(e, "%sconst double w = 1;\n", in->s);
		else
			cg_out(e, "%sconst double w = (i == 0 || i == %s ? 0.5 : 1);\n", in->s, c->nx);
		if (!kind)
			buf_puts(jw, " * hx * w");
	}
	cg_out(e, "%s(void)x; %s(void)thx; (void)w; (void)qa;\n", in->s, d2 ? "(void)y; " : "");
}

static void
cells_close(Emit *e, const char *ind)
{
	cg_out(e, "%s%s}\n", ind, e->s->ndim == 2 ? "\t" : "");
}

/* acc += pre w E over rd's cells of c (pre: "" or "hx * ") */
static void
int_sum(Emit *e, const Read *rd, const Cells *c, const char *acc, const char *pre)
{
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "f");
	int root = ex_emitter_add(em, rd->ig);
	Buf in = {0}, jw = {0};

	cells_open(e, rd, c, "\t", &in, &jw);
	ex_emitter_flush(em, &e->b, in.s);
	cg_out(e, "%s%s += %sw * (%s);\n", in.s, acc, pre, ex_emitter_root(em, root));
	cells_close(e, "\t");
	ex_emitter_free(em);
	buf_free(&in);
	buf_free(&jw);
	cg_free_refs(pn, 0);
}

/* integral(E): E of u by the trapezoid rule over the grid's points; E of
 * u.x per interval, u.x = (u[i+1] - u[i]) / h, at the interval's middle */
void
cg_emit_integrals(Emit *e)
{
	const Scheme *s = e->s;
	int r;

	char name[32];

	for (r = 0; r < s->nrd; r++) {
		if (s->rd[r].kind != RD_INT)
			continue;
		snprintf(name, sizeof name, "__int%d", r);
		cg_emit_integral(e, &s->rd[r], name);
	}
}

void
cg_emit_integral(Emit *e, const Read *rd, const char *name)
{
	cg_out(e, "/* integral(...) */\nstatic double\n@%s(const @_model *m, const double *u)\n{\n", name);
	locals(e);
	cg_out(e, "\tdouble I = 0;\n\tlong i, j;\n\n\t(void)j;\n");
	int_sum(e, rd, &step_cells, "I", "");
	cg_out(e, "\treturn %sI;\n}\n\n", e->s->ndim == 2 ? "" : "hx * ");
}

/* g += dv * d(integral read rd)/du over u: its transpose, at ind "\t" */
void
cg_emit_integral_adj(Emit *e, const Read *rd, const char *dv)
{
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "f");
	int root = ex_emitter_add(em, diff_sym(e->s->pool, rd->ig, SYM_THX));
	Buf in = {0}, jw = {0};

	cells_open(e, rd, &step_cells, "\t", &in, &jw);
	ex_emitter_flush(em, &e->b, in.s);
	if (rd->lump >= 3) {   /* I = sum w f(D u) */
		cg_out(e, "%sconst double d = (%s)%s * (%s);\n\n", in.s, dv, TXT(jw), ex_emitter_root(em, root));
		st_scatter(e, rd, &step_cells, in.s, "g", "d");
	} else if (rd->lump) {   /* I = sum w f((u[qa] - u[q]) / h) */
		cg_out(e, "%sconst double d = (%s)%s * (%s);\n\n", in.s, dv, TXT(jw), ex_emitter_root(em, root));
		cg_out(e, "%sg[qa] += d;\n%sg[q] -= d;\n", in.s, in.s);
	} else {          /* I = sum w f(u[q]) */
		cg_out(e, "%sg[q] += (%s)%s * (%s);\n", in.s, dv, TXT(jw), ex_emitter_root(em, root));
	}
	cells_close(e, "\t");
	ex_emitter_free(em);
	buf_free(&in);
	buf_free(&jw);
	cg_free_refs(pn, 0);
}

/* ri, rw of point read rd (1D or 2D) at indent ind */
static void
interp_at(Emit *e, const Read *rd, const char *ind)
{
	const char **pn = cg_param_refs(e);
	Buf x = {0}, y = {0};

	ex_print_c(&x, rd->pos, pn, cg_sym_c);
	if (rd->pos2)
		ex_print_c(&y, rd->pos2, pn, cg_sym_c);
	cg_out(e, "%s@__interp(m, %s, %s, ri, rw);\n", ind, x.s, rd->pos2 ? y.s : "0");
	buf_free(&x);
	buf_free(&y);
	cg_free_refs(pn, 0);
}

/* g += dv * d(read r)/dq over the state: the transpose of the read */
static void
read_grad(Emit *e, int r, const char *dv, int sparse)
{
	const Scheme *s = e->s;
	const Read *rd = &s->rd[r];
	const char **pn = cg_param_refs(e);
	Buf x = {0}, in = {0}, jw = {0};

	switch (rd->kind) {
	case RD_LUMP:
		if (sparse)
			cg_out(e, "\t@__sav_add(ix, gv, &nix, ng + %d, %s);\n", rd->lump, dv);
		else
			cg_out(e, "\tg[ng + %d] += %s;\n", rd->lump, dv);
		break;
	case RD_VAL:
		cg_out(e, "\t{\n\t\tlong ri[4];\n\t\tdouble rw[4];\n\t\tint a;\n\n");
		interp_at(e, rd, "\t\t");
		if (sparse)
			cg_out(e, "\t\tfor (a = 0; a < %d; a++)\n\t\t\t@__sav_add(ix, gv, &nix, ri[a], %s * rw[a]);\n\t}\n",
			       2 * s->ndim, dv);
		else
			cg_out(e, "\t\tfor (a = 0; a < %d; a++)\n\t\t\tg[ri[a]] += %s * rw[a];\n\t}\n", 2 * s->ndim, dv);
		break;
	case RD_INT:
		cg_emit_integral_adj(e, rd, dv);
		break;
	default:
		die("emit_sav: a potential reads read %d of kind %d", r, (int)rd->kind);
	}
	buf_free(&x);
	buf_free(&in);
	buf_free(&jw);
	cg_free_refs(pn, 0);
}

/* An attached end's point is its object (OP_HOLD copies z there after
 * the correction, step.c): its share of g is the object's.  Dense: g's
 * array; sparse: the list ix, gv.  lg: the transpose, LG of the end
 * taken from the object's, for the reads' transposes. */
static void
fold_ends(Emit *e, int sparse, const char *lg)
{
	const Scheme *s = e->s;
	int side;

	for (side = 0; side < 2; side++) {
		const char *q = side ? "nx" : "0";
		int z = s->attach[0][side];
		if (z < 0)
			continue;
		if (lg)
			cg_out(e, "\t%s[%s] = %s[ng + %d];\n", lg, q, lg, z);
		else if (sparse)
			cg_out(e, "\tfor (a = 0; a < nix; a++)\n\t\tif (ix[a] == %s) {\n"
			       "\t\t\t@__sav_add(ix, gv, &nix, ng + %d, gv[a]);\n\t\t\tgv[a] = 0;\n\t\t}\n", q, z);
		else
			cg_out(e, "\tg[ng + %d] += g[%s];\n\tg[%s] = 0;\n", z, q, q);
	}
}

/* With no integral, g is sparse (the points of the reads and the lumped
 * objects) and so is the work, while it is short: the list's search is
 * linear, and a potential of a chain's integral (sema_fields.c) reads
 * each of its points */
static int
sav_sparse(const Scheme *s)
{
	int r, n = 0;

	for (r = 0; r < s->nrd; r++) {
		if (s->rd[r].kind == RD_INT)
			return 0;
		n += s->rd[r].kind == RD_VAL ? 2 * s->ndim : 1;
	}
	return n <= 16;
}

/* A waiting seed of an attached end's point is its object's: u[n] there
 * is the object's z[n] (OP_HOLD), and the step's transpose has handed
 * that point's lambda on before the seeds arrive */
static void
seeds_to_objects(Emit *e, const char *l, const char *E)
{
	int side, z;

	for (side = 0; side < 2; side++)
		if ((z = e->s->attach[0][side]) >= 0)
			cg_out(e, "\t%s[ng + %d] += %s[%s];\n\t%s[%s] -= %s[%s];\n", l, z, E, side ? "nx" : "0",
			       l, side ? "nx" : "0", E, side ? "nx" : "0");
}

/* Do the grid's masses vary over it (den or the density of x, y)? */
static int
mass_varies(const Scheme *s)
{
	return ((s->den->deps | s->density->deps) & ((1u << SYM_X) | (1u << SYM_Y))) != 0;
}

/* @__sav_dlogm(m, sm, grad): the masses' derivatives when the grid's are
 * one value but for the trapezoid's ends, d m_q/dp = m_q d log m/dp:
 * grad += sm[0] d log(k^2 / (den rho))/dp (sm[0] the sum of sd_q m_q over
 * the grid) + sm[1 + j] d log(k^2 / (M (1 - ct k/2)))/dp per lumped j */
static void
emit_dlogm(Emit *e)
{
	const Scheme *s = e->s;
	ExprPool *P = s->pool;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, j, p, *root = mem_alloc((size_t)(np + 1) * sizeof *root), r;
	Expr **d = mem_alloc((size_t)(np + 1) * sizeof *d), *k2 = ex_powi(P, ex_sym(P, SYM_K), 2), *mq;
	ExprEmitter *em;

	cg_out(e, "static void\n@__sav_dlogm(const @_model *m, const double *sm, double *grad)\n{\n");
	locals(e);
	cg_out(e, "\t(void)sm; (void)grad;\n");
	for (j = -1; j < s->nlump; j++) {
		if (j < 0)
			mq = ex_div(P, k2, ex_mul(P, s->density, s->den));
		else
			mq = ex_div(P, k2, ex_mul(P, s->lump[j].mass, ex_sub(P, ex_num(P, 1),
			            ex_div(P, ex_mul(P, s->lump[j].ct, ex_sym(P, SYM_K)), ex_num(P, 2)))));
		diff_params(P, mq, np, d);
		em = ex_emitter_new(pn, cg_sym_c, "w");
		r = ex_emitter_add(em, mq);
		for (p = 0; p < np; p++)
			root[p] = ex_is_num(d[p], 0) ? -1 : ex_emitter_add(em, d[p]);
		cg_out(e, "\t{\n");
		ex_emitter_flush(em, &e->b, "\t\t");
		cg_out(e, "\t\tconst double c = sm[%d] / (%s);\n\n\t\t(void)c;\n", j + 1, ex_emitter_root(em, r));
		for (p = 0; p < np; p++)
			if (root[p] >= 0)
				cg_out(e, "\t\tgrad[%d] += c * %s;\n", p, ex_emitter_root(em, root[p]));
		cg_out(e, "\t}\n");
		ex_emitter_free(em);
	}
	cg_out(e, "}\n\n");
	mem_free(root);
	mem_free(d);
	cg_free_refs(pn, 0);
}

/* @__sav_dmass(m, q, sd, grad): grad += sd d(k^2 / (m_q den_q))/dp, the
 * derivatives of @__sav_mass (the masses of the lumped objects, the
 * density and den of the grid's points), 0 where a boundary holds q */
static void
emit_dmass(Emit *e)
{
	const Scheme *s = e->s;
	ExprPool *P = s->pool;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, j, p, *root = mem_alloc((size_t)(np + 1) * sizeof *root);
	Expr **d = mem_alloc((size_t)(np + 1) * sizeof *d), *k2 = ex_powi(P, ex_sym(P, SYM_K), 2), *mq;
	ExprEmitter *em;

	cg_out(e, "static void\n@__sav_dmass(const @_model *m, long q, double sd, double *grad)\n{\n");
	locals(e);
	if (s->ndim == 2)
		cg_out(e, "\tconst long i = q %% nx1, j = q / nx1;\n"
		       "\tconst double x = @__from[0] + (double)i * hx, y = @__from[1] + (double)j * hy;\n\n"
		       "\t(void)x; (void)y; (void)grad; (void)sd;\n");
	else
		cg_out(e, "\tconst double x = @__from[0] + (double)q * hx;\n\n\t(void)x; (void)grad; (void)sd;\n");
	for (j = 0; j < s->nlump; j++) {
		mq = ex_div(P, k2, ex_mul(P, s->lump[j].mass, ex_sub(P, ex_num(P, 1),
		            ex_div(P, ex_mul(P, s->lump[j].ct, ex_sym(P, SYM_K)), ex_num(P, 2)))));
		diff_params(P, mq, np, d);
		em = ex_emitter_new(pn, cg_sym_c, "w");
		for (p = 0; p < np; p++)
			root[p] = ex_is_num(d[p], 0) ? -1 : ex_emitter_add(em, d[p]);
		cg_out(e, "\tif (q == ng + %d) {\n", j);
		ex_emitter_flush(em, &e->b, "\t\t");
		for (p = 0; p < np; p++)
			if (root[p] >= 0)
				cg_out(e, "\t\tgrad[%d] += sd * %s;\n", p, ex_emitter_root(em, root[p]));
		cg_out(e, "\t\treturn;\n\t}\n");
		ex_emitter_free(em);
	}
	cg_out(e, "\tif (q >= ng)\n\t\treturn;\n");
	if (s->ndim == 2) {
		static const char *const side[2][2] = {{"i == 0", "i == nx"}, {"j == 0", "j == ny"}};
		int ax, sd;
		for (ax = 0; ax < 2; ax++)
			for (sd = 0; sd < 2; sd++)
				if (s->bc[ax][sd] != BC_FREE)
					cg_out(e, "\tif (%s)\n\t\treturn;\n", side[ax][sd]);
	} else {
		if (s->bc[0][0] != BC_FREE)
			cg_out(e, "\tif (q == 0)\n\t\treturn;\n");
		if (s->bc[0][1] != BC_FREE)
			cg_out(e, "\tif (q == nx)\n\t\treturn;\n");
	}
	mq = ex_div(P, k2, ex_mul(P, s->density, s->den));
	diff_params(P, mq, np, d);
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (p = 0; p < np; p++)
		root[p] = ex_is_num(d[p], 0) ? -1 : ex_emitter_add(em, d[p]);
	ex_emitter_flush(em, &e->b, "\t");
	if (s->ndim == 2)
		cg_out(e, "\tconst double c = sd / (hx * hy * (i == 0 || i == nx ? 0.5 : 1) * (j == 0 || j == ny ? 0.5 : 1));\n");
	else
		cg_out(e, "\tconst double c = sd / (hx * (q == 0 || q == nx ? 0.5 : 1));\n");
	cg_out(e, "\n\t(void)c;\n");
	for (p = 0; p < np; p++)
		if (root[p] >= 0)
			cg_out(e, "\tgrad[%d] += c * %s;\n", p, ex_emitter_root(em, root[p]));
	cg_out(e, "}\n\n");
	ex_emitter_free(em);
	mem_free(root);
	mem_free(d);
	cg_free_refs(pn, 0);
}

/* V, its derivatives dvR and g = dV/dq (dense: the array g; sparse:
 * the list ix, gv), the attached ends' share in their objects, and sq =
 * sqrt(2 V + eps), isq = 1 / sq (C text; V, sq, isq, g or the list, i, j
 * declared, rd read): the start of @__sav, @__asav_core and @__sav_gb */
static void
g_prelude(Emit *e, Expr **d, int sparse)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, r, root;
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "v");
	Buf nm = {0};

	root = ex_emitter_add(em, s->pot);
	for (r = 0; r < s->nrd; r++)
		if (!ex_is_num(d[np + r], 0))
			ex_emitter_add(em, d[np + r]);
	ex_emitter_flush(em, &e->b, "\t");
	cg_out(e, "\tV = %s;\n", ex_emitter_root(em, root));
	for (r = 0, root = 1; r < s->nrd; r++)
		if (!ex_is_num(d[np + r], 0)) {
			nm.len = 0;
			buf_printf(&nm, "dv%d", r);
			cg_out(e, "\tconst double dv%d = %s;\n", r, ex_emitter_root(em, root++));
			read_grad(e, r, nm.s, sparse);
		}
	ex_emitter_free(em);
	fold_ends(e, sparse, NULL);
	cg_out(e, "\tsq = sqrt(2 * V + " SAV_EPS ");\n\tisq = 1 / sq;\n");
	buf_free(&nm);
	cg_free_refs(pn, 0);
}

/* the dense correction's loop over states lo..hi: g scaled by 1 / sq, b
 * = g times the mass (C text), the sums g . (un - up) and g . b */
static void
corr_loop(Emit *e, const char *lo, const char *hi, const char *mass)
{
	cg_out(e, "\tfor (q = %s; q < %s; q++) {\n", lo, hi);
	cg_out(e, "\t\tg[q] *= isq;\n\t\tb[q] = g[q] * %s;\n", mass);
	cg_out(e, "\t\tgd += g[q] * (un[q] - up[q]);\n\t\tgb += g[q] * b[q];\n\t}\n");
}

void
cg_emit_sav(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, n = np + s->nrd, r, j, root, sparse;
	Expr **d = mem_alloc((size_t)(n + 1) * sizeof *d);
	ExprEmitter *em;
	Buf in = {0};

	/* V */
	cg_out(e, "static double\n@__sav_v(const @_model *m, const double *rd)\n{\n");
	locals(e);
	cg_out(e, "\t(void)rd;\n");
	em = ex_emitter_new(pn, cg_sym_c, "v");
	root = ex_emitter_add(em, s->pot);
	ex_emitter_flush(em, &e->b, "\t");
	cg_out(e, "\treturn %s;\n}\n\n", ex_emitter_root(em, root));
	ex_emitter_free(em);

	cg_out(e, "static void\n@__sav_init(@_model *m)\n{\n\tdouble rd[%d];\n\n", cg_atleast1(s->nrd));
	cg_out(e, "\t@__rdall(m, m->u, m->up, rd);\n");
	cg_out(e, "\tm->u[m->npts - 1] = m->up[m->npts - 1] = sqrt(2 * @__sav_v(m, rd) + " SAV_EPS ");\n}\n\n");

	/* k^2 / (m_q den_q) of state q, 0 where a boundary holds it */
	cg_out(e, "static double\n@__sav_mass(const @_model *m, long q)\n{\n");
	locals(e);
	if (s->ndim == 2)
		cg_out(e, "\tconst long i = q %% nx1, j = q / nx1;\n"
		       "\tconst double x = @__from[0] + (double)i * hx, y = @__from[1] + (double)j * hy;\n\n"
		       "\t(void)x; (void)y;\n");
	else
		cg_out(e, "\tconst double x = @__from[0] + (double)q * hx;\n\n\t(void)x;\n");
	cg_out(e, "\tif (q >= ng) {\n");
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (j = 0; j < s->nlump; j++) {
		ex_emitter_add(em, s->lump[j].mass);
		ex_emitter_add(em, s->lump[j].ct);
	}
	ex_emitter_flush(em, &e->b, "\t\t");
	for (j = 0; j < s->nlump; j++)
		cg_out(e, "\t\tif (q == ng + %d)\n\t\t\treturn k * k / ((%s) * (1 - (%s) * k / 2));\n", j,
		       ex_emitter_root(em, 2 * j), ex_emitter_root(em, 2 * j + 1));
	ex_emitter_free(em);
	cg_out(e, "\t\treturn 0;\n\t}\n");
	if (s->ndim == 2) {
		static const char *const side[2][2] = {{"i == 0", "i == nx"}, {"j == 0", "j == ny"}};
		int ax, sd;
		for (ax = 0; ax < 2; ax++)
			for (sd = 0; sd < 2; sd++)
				if (s->bc[ax][sd] != BC_FREE)
					cg_out(e, "\tif (%s)\n\t\treturn 0;\n", side[ax][sd]);
	} else {
		if (s->bc[0][0] != BC_FREE)
			cg_out(e, "\tif (q == 0)\n\t\treturn 0;\n");
		if (s->bc[0][1] != BC_FREE)
			cg_out(e, "\tif (q == nx)\n\t\treturn 0;\n");
	}
	em = ex_emitter_new(pn, cg_sym_c, "w");
	ex_emitter_add(em, s->den);
	ex_emitter_add(em, s->density);
	ex_emitter_flush(em, &e->b, "\t");
	if (s->ndim == 2)
		cg_out(e, "\treturn k * k / ((%s) * hx * hy * (i == 0 || i == nx ? 0.5 : 1) "
		       "* (j == 0 || j == ny ? 0.5 : 1) * (%s));\n}\n\n",
		       ex_emitter_root(em, 1), ex_emitter_root(em, 0));
	else
		cg_out(e, "\treturn k * k / ((%s) * hx * (q == 0 || q == nx ? 0.5 : 1) * (%s));\n}\n\n",
		       ex_emitter_root(em, 1), ex_emitter_root(em, 0));
	ex_emitter_free(em);

	sparse = sav_sparse(s);
	diff_params(s->pool, s->pot, n, d);
	if (sparse) {
		for (r = 0, j = 0; r < s->nrd; r++)
			j += s->rd[r].kind == RD_VAL ? 2 * s->ndim : 1;
		cg_out(e, "static void\n@__sav_add(long *ix, double *gv, int *ng, long q, double v)\n{\n");
		cg_out(e, "\tint a;\n\n\tfor (a = 0; a < *ng && ix[a] != q; a++)\n\t\t;\n");
		cg_out(e, "\tif (a == *ng) {\n\t\tix[a] = q;\n\t\tgv[a] = 0;\n\t\t(*ng)++;\n\t}\n");
		cg_out(e, "\tgv[a] += v;\n}\n\n");
	}
	cg_out(e, "/* OP_SAV: un -= b mu(psi), psi += g . (un - up) / 2 (emit_sav.c); psi\n"
	       " * the last value of each state, at n - 1/2 in u, n + 1/2 in un */\n");
	cg_out(e, "static void\n@__sav(const @_model *m, const double *rd, const double *u, "
	       "const double *up, double *un, double *scr)\n{\n");
	locals(e);
	cg_out(e, "\tconst double psi = u[m->npts - 1];\n");
	cg_out(e, "\tdouble V, sq, isq, gd = 0, gb = 0, gdn, mu;\n\tlong i, j, q;\n");
	if (sparse)
		cg_out(e, "\tlong ix[%d];\n\tdouble gv[%d], bv[%d];\n\tint nix = 0, a;\n\n", j, j, j);
	else
		/* scratch: the run loop's, made with the model (a render, the
		 * plugin's run() allocate nothing), else each call's (a
		 * gradient's steps run on two threads at once) */
		cg_out(e, "\tdouble *g = scr ? (double *)memset(scr, 0, 2 * (size_t)m->npts * sizeof(double))\n"
		       "\t\t: (double *)calloc(2 * (size_t)m->npts, sizeof(double)), *b = g + m->npts;\n\n"
		       "\tif (!g) {\n\t\tfor (q = 0; q < m->npts; q++)\n\t\t\tun[q] = NAN;\n\t\treturn;\n\t}\n");
	cg_out(e, "\t(void)i; (void)j; (void)q; (void)scr;\n");
	g_prelude(e, d, sparse);
	cg_out(e, "\t(void)isq;\n");
	if (sparse) {
		cg_out(e, "\tfor (a = 0; a < nix; a++) {\n");
		cg_out(e, "\t\tgv[a] /= sq;\n\t\tbv[a] = gv[a] * m->savm[ix[a]];\n");
		cg_out(e, "\t\tgd += gv[a] * (un[ix[a]] - up[ix[a]]);\n\t\tgb += gv[a] * bv[a];\n\t}\n");
	} else {
		unsigned sp = (1u << SYM_X) | (1u << SYM_Y);
		if (((s->den->deps | s->density->deps) & sp) || s->ndim == 2) {
			corr_loop(e, "0", "m->npts", "m->savm[q]");
		} else {    /* the masses are one value but at the ends */
			cg_out(e, "\tconst double mi = m->savm[1];\n\n");
			corr_loop(e, "0", "ng", "mi");
			cg_out(e, "\tgd -= g[0] * (un[0] - up[0]) + g[nx] * (un[nx] - up[nx]);\n");
			cg_out(e, "\tgb -= g[0] * b[0] + g[nx] * b[nx];\n");
			cg_out(e, "\tb[0] = g[0] * m->savm[0];\n\tb[nx] = g[nx] * m->savm[nx];\n");
			cg_out(e, "\tgd += g[0] * (un[0] - up[0]) + g[nx] * (un[nx] - up[nx]);\n");
			cg_out(e, "\tgb += g[0] * b[0] + g[nx] * b[nx];\n");
			corr_loop(e, "ng", "m->npts", "m->savm[q]");
		}
	}
	cg_out(e, "\tgdn = (gd - gb * psi) / (1 + gb / 4);\n");
	cg_out(e, "\tmu = psi + gdn / 4;\n");
	if (sparse)
		cg_out(e, "\tfor (a = 0; a < nix; a++)\n\t\tun[ix[a]] -= bv[a] * mu;\n");
	else
		cg_out(e, "\tfor (q = 0; q < m->npts - 1; q++)\n\t\tun[q] -= b[q] * mu;\n\tif (!scr)\n\t\tfree(g);\n");
	cg_out(e, "\tun[m->npts - 1] = psi + gdn / 2;\n\t(void)u;\n}\n\n");

	/* a bow's solve sees where the correction takes its point
	 * (emit_loop.c c_solve, emit_bow.c) */
	if (s->nimplicit) {
		cg_out(e, "/* g and b of the potentials at step n, dense, and g . b (emit_sav.c) */\n");
		cg_out(e, "static double\n@__sav_gb(const @_model *m, const double *rd, const double *u, "
		       "double *g, double *b)\n{\n");
		locals(e);
		cg_out(e, "\tdouble V, sq, isq, gb = 0;\n\tlong i, j, q;\n\n\t(void)i; (void)j; (void)u;\n");
		g_prelude(e, d, 0);
		cg_out(e, "\tfor (q = 0; q < m->npts - 1; q++) {\n\t\tg[q] *= isq;\n"
		       "\t\tb[q] = g[q] * m->savm[q];\n\t\tgb += g[q] * b[q];\n\t}\n");
		cg_out(e, "\treturn gb;\n}\n\n");
	}

	buf_free(&in);
	mem_free(d);
	cg_free_refs(pn, 0);
}

/* @__sav_bound's end: H += V of the initial reads, then each integral the
 * stiffness reads raised to the largest value with V + mu I <= H
 * (doubling, then bisection), mu I the least energy the linear part
 * holds at that stretch (with_mu: mu[r], 1D; else none) */
static void
bound_search(Emit *e, Expr **d, int with_mu)
{
	const Scheme *s = e->s;
	int r, np = s->nparams;
	char mu[48];

	cg_out(e, "\tH += @__sav_vb(p, rd);\n");
	for (r = 0; r < s->nrd; r++) {
		if (s->rd[r].kind != RD_INT || !s->rd[r].lump || ex_is_num(d[np + r], 0))
			continue;
		if (with_mu)
			snprintf(mu, sizeof mu, " + mu[%d] * rd[%d]", r, r);
		else
			mu[0] = 0;
		cg_out(e, "\tlo = rd[%d];\n\thi = lo > 0 ? 2 * lo : 1e-300;\n", r);
		cg_out(e, "\tfor (it = 0; it < 2100; it++) {\n\t\trd[%d] = hi;\n", r);
		cg_out(e, "\t\tif ((V = @__sav_vb(p, rd)%s) > H || !(V == V))\n\t\t\tbreak;\n", mu);
		cg_out(e, "\t\tlo = hi;\n\t\thi *= 2;\n\t}\n");
		cg_out(e, "\tfor (it = 0; it < 100 && hi - lo > 1e-12 * hi; it++) {\n");
		cg_out(e, "\t\trd[%d] = 0.5 * (lo + hi);\n", r);
		cg_out(e, "\t\tif (@__sav_vb(p, rd)%s > H)\n\t\t\thi = rd[%d];\n\t\telse\n\t\t\tlo = rd[%d];\n\t}\n",
		       mu, r, r);
		cg_out(e, "\trd[%d] = hi;\n", r);
	}
	/* a point read, both ways from its start: the end where V_rr is the
	 * largest (a side V never passes H0 on, a felt out of contact, ends
	 * a million units away, its V_rr there as good as any) */
	for (r = 0; s->pot_vrr && r < s->nrd; r++) {
		if (!s->pot_vrr[r])
			continue;
		cg_out(e, "\t{\n\t\tconst double r0 = rd[%d];\n\t\tdouble best = r0, kb = @__sav_vrr%d(p, rd), kv, step;\n"
		       "\t\tint dir;\n\n", r, r);
		cg_out(e, "\t\tfor (dir = -1; dir <= 1; dir += 2) {\n");
		cg_out(e, "\t\t\tstep = 1e-12 * (fabs(r0) > 1 ? fabs(r0) : 1);\n\t\t\tlo = hi = r0;\n");
		cg_out(e, "\t\t\tfor (it = 0; it < 80 && step < 1e6; it++, step *= 2) {\n");
		cg_out(e, "\t\t\t\thi = r0 + dir * step;\n\t\t\t\trd[%d] = hi;\n", r);
		cg_out(e, "\t\t\t\tif ((V = @__sav_vb(p, rd)) > H || !(V == V))\n\t\t\t\t\tbreak;\n");
		cg_out(e, "\t\t\t\tlo = hi;\n\t\t\t}\n");
		cg_out(e, "\t\t\tif (it < 80 && step < 1e6)\n");
		cg_out(e, "\t\t\t\tfor (it = 0; it < 100 && fabs(hi - lo) > 1e-12 * fabs(hi); it++) {\n");
		cg_out(e, "\t\t\t\t\trd[%d] = 0.5 * (lo + hi);\n", r);
		cg_out(e, "\t\t\t\t\tif (@__sav_vb(p, rd) > H)\n\t\t\t\t\t\thi = rd[%d];\n\t\t\t\t\telse\n"
		       "\t\t\t\t\t\tlo = rd[%d];\n\t\t\t\t}\n", r, r);
		cg_out(e, "\t\t\telse\n\t\t\t\thi = lo;\n");
		cg_out(e, "\t\t\trd[%d] = hi;\n\t\t\tkv = @__sav_vrr%d(p, rd);\n", r, r);
		cg_out(e, "\t\t\tif (kv > kb)\n\t\t\t\tkb = kv, best = hi;\n\t\t}\n");
		cg_out(e, "\t\trd[%d] = best;\n\t}\n", r);
	}
	cg_out(e, "\t(void)lo; (void)hi; (void)V; (void)it;\n}\n\n");
}

/* @__sav_bound of a 2D field: the same on a 64 by 64 sampling (the
 * integrals by loop2's rules; point reads of the initial state only) */
static void
bound2(Emit *e, Expr **d)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em;
	int r, i;
	char x0[32], y0[32];
	Cells c = {"u0", "nx", "ny", "nx1", x0, y0, 0};
	Buf nm = {0};

	snprintf(x0, sizeof x0, "%.17g", s->from[0]);
	snprintf(y0, sizeof y0, "%.17g", s->from[1]);
	cg_out(e, "static void\n@__sav_bound(const double *p, double k, double *rd)\n{\n");
	cg_out(e, "\tenum { M = 64, M1 = M + 1 };\n");
	cg_out(e, "\tconst double hx = %.17g / (double)M, hy = %.17g / (double)M, t = 0;\n",
	       s->to[0] - s->from[0], s->to[1] - s->from[1]);
	cg_out(e, "\tconst double ih = 1 / hx, ihy = 1 / hy;\n\tconst long nx = M, ny = M, nx1 = M1;\n");
	cg_out(e, "\tdouble u0[M1 * M1], v0[M1 * M1], H = 0, lo, hi, V;\n\tlong i, j;\n\tint it;\n\n");
	cg_out(e, "\t(void)t; (void)ih; (void)ihy; (void)nx; (void)ny; (void)nx1;\n");
	cg_out(e, "\tfor (j = 0; j <= M; j++)\n\t\tfor (i = 0; i <= M; i++) {\n");
	cg_out(e, "\t\t\tconst double x = %.17g + i * hx, y = %.17g + j * hy;\n\t\t\t(void)x; (void)y;\n",
	       s->from[0], s->from[1]);
	em = ex_emitter_new(pn, cg_sym_c, "w");
	ex_emitter_add(em, s->init_u ? s->init_u : ex_num(s->pool, 0));
	ex_emitter_add(em, s->init_ut ? s->init_ut : ex_num(s->pool, 0));
	ex_emitter_flush(em, &e->b, "\t\t\t");
	cg_out(e, "\t\t\tu0[i + j * M1] = %s;\n\t\t\tv0[i + j * M1] = %s;\n\t\t}\n",
	       ex_emitter_root(em, 0), ex_emitter_root(em, 1));
	ex_emitter_free(em);
	cg_out(e, "\tfor (j = 1; j < M; j++)\n\t\tfor (i = 1; i < M; i++) {\n");
	cg_out(e, "\t\t\tconst double x = %.17g + i * hx, y = %.17g + j * hy;\n", s->from[0], s->from[1]);
	cg_out(e, "\t\t\tconst long q = i + j * M1;\n\t\t\tdouble Lu = -u0[q];\n\n\t\t\t(void)x; (void)y;\n");
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (i = 0; i < s->ntaps; i++)
		ex_emitter_add(em, at_rest(s, s->taps[i].coef));
	ex_emitter_add(em, s->den);
	ex_emitter_add(em, s->density);
	ex_emitter_flush(em, &e->b, "\t\t\t");
	for (i = 0; i < s->ntaps; i++)
		cg_out(e, "\t\t\tif (i + %d >= 0 && i + %d <= M && j + %d >= 0 && j + %d <= M)\n"
		       "\t\t\t\tLu += (%s) * u0[q + %d + %d * M1];\n", s->taps[i].dx, s->taps[i].dx,
		       s->taps[i].dy, s->taps[i].dy, ex_emitter_root(em, i), s->taps[i].dx, s->taps[i].dy);
	cg_out(e, "\t\t\tH += (%s) * hx * hy * (0.5 * v0[q] * v0[q] - 0.5 * u0[q] * Lu * (%s) / (k * k));\n"
	       "\t\t}\n", ex_emitter_root(em, s->ntaps + 1), ex_emitter_root(em, s->ntaps));
	ex_emitter_free(em);
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (i = 0; i < s->nlump; i++) {
		ex_emitter_add(em, s->lump[i].init);
		ex_emitter_add(em, s->lump[i].init_t);
		ex_emitter_add(em, s->lump[i].mass);
	}
	for (r = 0; r < s->nrd; r++) {
		ex_emitter_add(em, s->rd[r].pos ? s->rd[r].pos : ex_num(s->pool, 0));
		ex_emitter_add(em, s->rd[r].pos2 ? s->rd[r].pos2 : ex_num(s->pool, 0));
	}
	ex_emitter_flush(em, &e->b, "\t");
	for (i = 0; i < s->nlump; i++)
		cg_out(e, "\tH += 0.5 * (%s) * (%s) * (%s);\n", ex_emitter_root(em, 3 * i + 2),
		       ex_emitter_root(em, 3 * i + 1), ex_emitter_root(em, 3 * i + 1));
	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
		if (rd->kind == RD_LUMP) {
			cg_out(e, "\trd[%d] = %s;\n", r, ex_emitter_root(em, 3 * rd->lump));
		} else if (rd->kind == RD_VAL && rd->pos2) {
			/* u(X, Y): bilinear in its cell of the sampling (a coefficient's
			 * read: sav.c state_coef_stab; a potential's has its own) */
			cg_out(e, "\t{\n\t\tdouble a = ((%s) - %.17g) / hx, b = ((%s) - %.17g) / hy;\n",
			       ex_emitter_root(em, 3 * s->nlump + 2 * r), s->from[0],
			       ex_emitter_root(em, 3 * s->nlump + 2 * r + 1), s->from[1]);
			cg_out(e, "\t\tlong ci = (long)a, cj = (long)b;\n\n");
			cg_out(e, "\t\tci = ci < 0 ? 0 : ci > M - 1 ? M - 1 : ci;\n\t\tcj = cj < 0 ? 0 : cj > M - 1 ? M - 1 : cj;\n");
			cg_out(e, "\t\ta -= (double)ci;\n\t\tb -= (double)cj;\n");
			cg_out(e, "\t\trd[%d] = (1 - b) * ((1 - a) * u0[ci + cj * M1] + a * u0[ci + 1 + cj * M1])\n"
			       "\t\t\t+ b * ((1 - a) * u0[ci + (cj + 1) * M1] + a * u0[ci + 1 + (cj + 1) * M1]);\n\t}\n", r);
		} else if (rd->kind == RD_INT) {
			nm.len = 0;
			buf_printf(&nm, "rd[%d]", r);
			cg_out(e, "\t%s = 0;\n", nm.s);
			int_sum(e, rd, &c, nm.s, "");
		} else {
			cg_out(e, "\trd[%d] = 0;\n", r);
		}
	}
	ex_emitter_free(em);
	if (s->npot)
		bound_search(e, d, 0);
	else     /* the initial reads alone: sav.c state_coef_stab */
		cg_out(e, "\t(void)H; (void)lo; (void)hi; (void)V; (void)it;\n}\n\n");
	buf_free(&nm);
	cg_free_refs(pn, 0);
}

/* @__sav_bound(p, k, rd): the reads at the largest stretch the initial
 * energy allows (sav.c sav_stab), for the grid's stability.  The initial
 * state is sampled on 512 intervals; its energy H0 is the scheme's
 * (kinetic, and -u L u / 2 with L from the interior taps, neighbours past
 * an end taken as 0), plus the lumped objects' kinetic energy and V.  Each
 * integral the stiffness reads is then raised to the largest I with
 * V(I) <= H0 (doubling, then bisection), the other reads kept at their
 * initial values. */
void
cg_emit_sav_bound(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em;
	int r, i, j, np = s->nparams, n = np + s->nrd;
	Expr **d = mem_alloc((size_t)(n + 1) * sizeof *d);
	double len = s->to[0] - s->from[0];
	char x0[32];
	Cells c = {"u0", "M", "M", "M + 1", x0, "0", 1};
	Buf nm = {0};

	if (s->npot) {
		diff_params(s->pool, s->pot, n, d);
		cg_out(e, "static double\n@__sav_vb(const double *p, const double *rd)\n{\n");
		cg_out(e, "\tconst double k = 0, hx = 0, hy = 0, t = 0;\n");
		cg_out(e, "\t(void)p; (void)rd; (void)k; (void)hx; (void)hy; (void)t;\n");
		em = ex_emitter_new(pn, cg_sym_c, "v");
		r = ex_emitter_add(em, s->pot);
		ex_emitter_flush(em, &e->b, "\t");
		cg_out(e, "\treturn %s;\n}\n\n", ex_emitter_root(em, r));
		ex_emitter_free(em);
	}
	/* each point read's stiffness, V_rr (sav.c point_stab) */
	for (r = 0; s->pot_vrr && r < s->nrd; r++) {
		if (!s->pot_vrr[r])
			continue;
		cg_out(e, "static double\n@__sav_vrr%d(const double *p, const double *rd)\n{\n", r);
		cg_out(e, "\tconst double k = 0, hx = 0, hy = 0, t = 0;\n");
		cg_out(e, "\t(void)p; (void)rd; (void)k; (void)hx; (void)hy; (void)t;\n");
		em = ex_emitter_new(pn, cg_sym_c, "v");
		i = ex_emitter_add(em, s->pot_vrr[r]);
		ex_emitter_flush(em, &e->b, "\t");
		cg_out(e, "\treturn %s;\n}\n\n", ex_emitter_root(em, i));
		ex_emitter_free(em);
	}
	if (s->ndim == 2) {
		bound2(e, d);
		mem_free(d);
		cg_free_refs(pn, 0);
		return;
	}

	snprintf(x0, sizeof x0, "%.17g", s->from[0]);
	cg_out(e, "static void\n@__sav_bound(const double *p, double k, double *rd)\n{\n");
	cg_out(e, "\tenum { M = 512, NTH = 57 };\n");
	cg_out(e, "\tconst double hx = %.17g / (double)M, hy = 0, t = 0;\n", len);
	cg_out(e, "\tdouble u0[M + 1], v0[M + 1], H = 0, lo, hi, V, mu[%d], sn[NTH][%d];\n\tlong i;\n\tint it, j, still = 1;\n\n",
	       s->nrd + 1, s->ntaps + 1);
	cg_out(e, "\t(void)p; (void)hy; (void)t; (void)v0; (void)sn; (void)j;\n");
	/* mu[r]: the least linear energy per unit of an integral kappa
	 * u.x^2 (Kirchhoff-Carrier's stretch), so that the bound is the
	 * largest stretch the energy can reach (language.md 12), not the
	 * largest V alone allows (which left the linear part's energy out:
	 * 70 intervals where the stretch reached gives 83; a probe's).  At
	 * each point, frozen, the operator's symbol -L(th) over the slope's
	 * 4 sin^2(th / 2) / h^2, its least over th from pi 2^-24 to pi
	 * (a string's is c^2, a stiff one's more), times rho / (2 kappa),
	 * the least over the points */
	cg_out(e, "\tfor (i = 0; i <= %d; i++)\n\t\tmu[i] = HUGE_VAL;\n", s->nrd);
	cg_out(e, "\tfor (j = 0; j < NTH; j++) {\n");
	cg_out(e, "\t\tconst double th = j < 25 ? 3.141592653589793 / (double)(1L << j) : 3.141592653589793 * (j - 24) / 32;\n\n");
	cg_out(e, "\t\tsn[j][%d] = 4 * sin(th / 2) * sin(th / 2);\n", s->ntaps);
	{
		int i2;
		for (i2 = 0; i2 < s->ntaps; i2++)
			cg_out(e, "\t\tsn[j][%d] = 2 * sin(%d * th / 2) * sin(%d * th / 2);\n", i2, s->taps[i2].dx,
			       s->taps[i2].dx);
	}
	cg_out(e, "\t}\n");
	cg_out(e, "\tfor (i = 0; i <= M; i++) {\n\t\tconst double x = %.17g + i * hx;\n\t\t(void)x;\n",
	       s->from[0]);
	em = ex_emitter_new(pn, cg_sym_c, "w");
	ex_emitter_add(em, s->init_u ? s->init_u : ex_num(s->pool, 0));
	ex_emitter_add(em, s->init_ut ? s->init_ut : ex_num(s->pool, 0));
	ex_emitter_flush(em, &e->b, "\t\t");
	cg_out(e, "\t\tu0[i] = %s;\n\t\tv0[i] = %s;\n\t\tstill &= v0[i] == 0;\n\t}\n", ex_emitter_root(em, 0),
	       ex_emitter_root(em, 1));
	ex_emitter_free(em);
	/* the field's energy, -u L u / 2 + v^2 / 2, L u = ((A + B) u - u) den / k^2 */
	cg_out(e, "\tfor (i = 1; i < M; i++) {\n\t\tconst double x = %.17g + i * hx;\n", s->from[0]);
	cg_out(e, "\t\tdouble Lu = -u0[i];\n\n\t\t(void)x;\n");
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (i = 0; i < s->ntaps; i++)
		ex_emitter_add(em, at_rest(s, s->taps[i].coef));
	ex_emitter_add(em, s->den);
	ex_emitter_add(em, s->density);
	ex_emitter_flush(em, &e->b, "\t\t");
	for (i = 0; i < s->ntaps; i++)
		if (!s->taps[i].dy)
			cg_out(e, "\t\tif (i + %d >= 0 && i + %d <= M)\n\t\t\tLu += (%s) * u0[i + %d];\n",
			       s->taps[i].dx, s->taps[i].dx, ex_emitter_root(em, i), s->taps[i].dx);
	cg_out(e, "\t\tH += (%s) * hx * (0.5 * v0[i] * v0[i] - 0.5 * u0[i] * Lu * (%s) / (k * k));\n",
	       ex_emitter_root(em, s->ntaps + 1), ex_emitter_root(em, s->ntaps));
	{
		/* -L(th) = (2 sum_j c_j sin^2(dx_j th / 2) - (sum_j c_j - 1)) den / k^2 */
		Buf sum = {0}, z = {0};
		int r;

		buf_printf(&z, "-1");
		for (i = 0; i < s->ntaps; i++)
			if (!s->taps[i].dy) {
				buf_printf(&sum, " + (%s) * sn[j][%d]", ex_emitter_root(em, i), i);
				buf_printf(&z, " + (%s)", ex_emitter_root(em, i));
			}
		cg_out(e, "\t\t{\n\t\t\tconst double z0 = %s;\n\t\t\tdouble R = HUGE_VAL, Rj;\n\n", z.s);
		cg_out(e, "\t\t\tfor (j = 0; j < NTH; j++)\n\t\t\t\tif ((Rj = (0%s - z0) / sn[j][%d]) < R)\n"
		       "\t\t\t\t\tR = Rj;\n", sum.s ? sum.s : "", s->ntaps);
		cg_out(e, "\t\t\tR *= (%s) * hx * hx / (k * k);\n", ex_emitter_root(em, s->ntaps));
		for (r = 0; r < s->nrd; r++) {
			const Read *rd = &s->rd[r];
			Expr *kap;
			if (rd->kind != RD_INT || rd->lump != 1)
				continue;
			kap = ex_div(s->pool, diff_sym(s->pool, diff_sym(s->pool, rd->ig, SYM_THX), SYM_THX),
			             ex_num(s->pool, 2));
			if ((kap->deps & ((1u << SYM_THX) | DEP_STATE)) || !ex_is_num(ex_sub(s->pool, rd->ig,
			    ex_mul(s->pool, kap, ex_powi(s->pool, ex_sym(s->pool, SYM_THX), 2))), 0))
				continue;
			{
				ExprEmitter *ek = ex_emitter_new(pn, cg_sym_c, "q");
				int rk = ex_emitter_add(ek, kap);
				Buf in = {0};
				buf_printf(&in, "\t\t\t");
				cg_out(e, "\t\t\t{\n");
				ex_emitter_flush(ek, &e->b, in.s);
				cg_out(e, "\t\t\t\tconst double kq = %s, mq = kq > 0 && R > 0 ? (%s) * R / (2 * kq) : 0;\n\n",
				       ex_emitter_root(ek, rk), ex_emitter_root(em, s->ntaps + 1));
				cg_out(e, "\t\t\t\tif (!(mq >= mu[%d]))\n\t\t\t\t\tmu[%d] = mq > 0 ? mq : 0;\n"
				       "\t\t\t}\n", r, r);
				ex_emitter_free(ek);
				buf_free(&in);
			}
		}
		cg_out(e, "\t\t}\n\t}\n");
		buf_free(&sum);
		buf_free(&z);
	}
	cg_out(e, "\tfor (i = 0; i <= %d; i++)\n\t\tif (!(mu[i] < HUGE_VAL))\n\t\t\tmu[i] = 0;\n", s->nrd);
	ex_emitter_free(em);
	/* the reads of the initial state */
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (j = 0; j < s->nlump; j++) {
		ex_emitter_add(em, s->lump[j].init);
		ex_emitter_add(em, s->lump[j].init_t);
		ex_emitter_add(em, s->lump[j].mass);
	}
	for (r = 0; r < s->nrd; r++)
		ex_emitter_add(em, s->rd[r].pos ? s->rd[r].pos : ex_num(s->pool, 0));
	ex_emitter_flush(em, &e->b, "\t");
	for (j = 0; j < s->nlump; j++)
		cg_out(e, "\tH += 0.5 * (%s) * (%s) * (%s);\n\tstill &= (%s) == 0;\n", ex_emitter_root(em, 3 * j + 2),
		       ex_emitter_root(em, 3 * j + 1), ex_emitter_root(em, 3 * j + 1), ex_emitter_root(em, 3 * j + 1));
	/* mu I holds for the scheme's energy from rest only: moving, its
	 * linear part (<dx u[n+1], dx u[n]>) may be below mu I of the state
	 * it reaches (a string struck by a velocity reached 1.6 times the
	 * bound; a probe's): there V <= H alone, as before */
	cg_out(e, "\tfor (i = 0; !still && i <= %d; i++)\n\t\tmu[i] = 0;\n", s->nrd);
	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
		switch (rd->kind) {
		case RD_LUMP:
			cg_out(e, "\trd[%d] = %s;\n", r, ex_emitter_root(em, 3 * rd->lump));
			break;
		case RD_LUMP_VEL:
			cg_out(e, "\trd[%d] = %s;\n", r, ex_emitter_root(em, 3 * rd->lump + 1));
			break;
		case RD_VAL:
		case RD_DX: {   /* u(X), or a slope u.x(X) (a coefficient's: sav.c state_coef_stab) */
			const char *X = ex_emitter_root(em, 3 * s->nlump + r);
			cg_out(e, "\t{\n\t\tdouble a = ((%s) - %.17g) / hx;\n\t\tlong c = (long)a;\n\n", X,
			       s->from[0]);
			cg_out(e, "\t\tc = c < 0 ? 0 : c > M - 1 ? M - 1 : c;\n\t\ta -= (double)c;\n");
			if (rd->kind == RD_DX)
				cg_out(e, "\t\trd[%d] = (u0[c + 1] - u0[c]) / hx;\n\t\t(void)a;\n\t}\n", r);
			else
				cg_out(e, "\t\trd[%d] = (1 - a) * u0[c] + a * u0[c + 1];\n\t}\n", r);
			break;
		}
		case RD_INT:
			nm.len = 0;
			buf_printf(&nm, "rd[%d]", r);
			cg_out(e, "\t%s = 0;\n", nm.s);
			int_sum(e, rd, &c, nm.s, "hx * ");
			break;
		default:       /* velocities: none in a potential */
			cg_out(e, "\trd[%d] = 0;\n", r);
			break;
		}
	}
	ex_emitter_free(em);
	if (s->npot)
		bound_search(e, d, 1);
	else     /* the initial reads alone: sav.c state_coef_stab */
		cg_out(e, "\t(void)H; (void)lo; (void)hi; (void)V; (void)it;\n}\n\n");
	buf_free(&nm);
	mem_free(d);
	cg_free_refs(pn, 0);
}

/* ---- the adjoint (OP_ADJ_SAV) ----
 * The step's correction, with L = lambda[n+1] (the adjoint of un, psi+
 * its last value), in reverse: mu = (psi- + psi+) / 2 and un* = un + b mu
 * made again from the stored states,
 *   Lmu = -L . b,   Lgdn = Lpsi+ / 2 + Lmu / 4,   D = 1 + g . b / 4,
 *   Lpsi- = Lpsi+ + Lmu - Lgdn g.b / D,  Lgd = Lgdn / D,  Lgb = -Lgdn mu / D,
 *   per state q: Lb = -L_q mu + Lgb g_q,  Lg = Lgd (un*_q - up_q) + Lgb b_q + Lb m_q,
 *   the adjoint of un* L + Lgd g, of up -Lgd g, of the mass Lb g_q,
 *   LG = Lg / sq, LV = -(Lg . g) / sq^2,
 * then G = sum_r dV/drd_r J_r(u) (J_r the read's gradient over the state)
 * and V(rd) by their derivatives: dV/drd_r gets J_r . LG, u gets
 * dV/drd_r dJ_r/du LG (an integral's f''), each read LV dV/drd + the
 * second derivatives, the params the rest (diff.c, symbolic).  What
 * reaches u[n] and u[n-1] waits in @__SAVE's ring of two for the
 * adjoint steps that make lambda[n] and lambda[n-1]; psi- is u[n]'s last
 * value.  Contact onsets (max(0, .)^p) are differentiated by diff.c's
 * one-sided rules: a kink, where Taylor tests stop at slope 1. */

/* the transpose of read r at the cells: dst += J_r^T lrd, grad through
 * its position and integrand; with dv, also the G part: dst += dv
 * (dJ_r/du)^T LG, grad through dv J_r . LG's params (LG the array) */
void
cg_read_adj(Emit *e, int r, const char *lrd, const char *dv, const char *dst)
{
	const Scheme *s = e->s;
	ExprPool *P = s->pool;
	const Read *rd = &s->rd[r];
	const char **pn = cg_param_refs(e);
	int np = s->nparams, p, *rp = mem_alloc((size_t)(2 * np + 2) * sizeof *rp), *rq = rp + np;
	Expr **d = mem_alloc((size_t)(np + 1) * sizeof *d);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "a");
	Buf in = {0}, jw = {0};

	switch (rd->kind) {
	case RD_LUMP:
		cg_out(e, "\t%s[ng + %d] += %s;\n", dst, rd->lump, lrd);
		break;
	case RD_VAL: {
		int d2 = s->ndim == 2;
		diff_params(P, rd->pos, np, d);
		for (p = 0; p < np; p++)
			rp[p] = ex_is_num(d[p], 0) ? -1 : ex_emitter_add(em, d[p]);
		if (d2) {
			diff_params(P, rd->pos2, np, d);
			for (p = 0; p < np; p++)
				rq[p] = ex_is_num(d[p], 0) ? -1 : ex_emitter_add(em, d[p]);
		}
		cg_out(e, "\t{\n");
		ex_emitter_flush(em, &e->b, "\t\t");
		cg_out(e, "\t\tlong ri[4];\n\t\tdouble rw[4], gx, gy, ax, ay;\n\t\tint a;\n\n");
		interp_at(e, rd, "\t\t");
		cg_out(e, "\t\tfor (a = 0; a < %d; a++)\n\t\t\t%s[ri[a]] += %s * rw[a];\n", 2 * s->ndim, dst, lrd);
		/* the weights move with X, Y: rw = ((1 - ax)(1 - ay), ax (1 - ay),
		 * (1 - ax) ay, ax ay), ax = (X - x0) / hx - i, ay likewise (0 in 1D) */
		cg_out(e, "\t\tax = rw[1] + rw[3];\n\t\tay = rw[2] + rw[3];\n");
		cg_out(e, "#define DPM_D(F) (%s * (F(u)) %s%s%s)\n", lrd, dv ? "+ " : "", dv ? dv : "", dv ? " * (F(LG))" : "");
		cg_out(e, "#define DPM_X(A) ((1 - ay) * (A[ri[1]] - A[ri[0]]) + ay * (A[ri[3]] - A[ri[2]]))\n");
		cg_out(e, "#define DPM_Y(A) ((1 - ax) * (A[ri[2]] - A[ri[0]]) + ax * (A[ri[3]] - A[ri[1]]))\n");
		cg_out(e, "\t\tgx = DPM_D(DPM_X) / hx;\n\t\tgy = %s;\n", d2 ? "DPM_D(DPM_Y) / hy" : "0");
		cg_out(e, "#undef DPM_D\n#undef DPM_X\n#undef DPM_Y\n");
		cg_out(e, "\t\t(void)gx; (void)gy; (void)ax; (void)ay;\n");
		for (p = 0; p < np; p++) {
			if (rp[p] >= 0)
				cg_out(e, "\t\tgrad[%d] += gx * %s;\n", p, ex_emitter_root(em, rp[p]));
			if (d2 && rq[p] >= 0)
				cg_out(e, "\t\tgrad[%d] += gy * %s;\n", p, ex_emitter_root(em, rq[p]));
		}
		cg_out(e, "\t}\n");
		break;
	}
	case RD_INT: {
		Expr *f1 = diff_sym(P, rd->ig, SYM_THX), *f2 = diff_sym(P, f1, SYM_THX);
		int r1 = ex_emitter_add(em, f1), r2 = ex_emitter_add(em, f2);
		const char *sl = rd->lump == 2 ? " * ihy" : rd->lump == 1 ? " * ih" : "";
		Buf dlb = {0};
		const char *dl;

		if (rd->lump >= 3)
			st_apply(&dlb, rd, &step_cells, "LG");
		dl = rd->lump >= 3 ? dlb.s : rd->lump ? "(LG[qa] - LG[q])" : "LG[q]";
		/* d f / dp (the read's), d f' / dp (G's) */
		diff_params(P, rd->ig, np, d);
		for (p = 0; p < np; p++)
			rp[p] = ex_is_num(d[p], 0) ? -1 : ex_emitter_add(em, d[p]);
		diff_params(P, f1, np, d);
		for (p = 0; p < np; p++)
			rq[p] = !dv || ex_is_num(d[p], 0) ? -1 : ex_emitter_add(em, d[p]);
		cg_out(e, "\t{\n");
		cells_open(e, rd, &step_cells, "\t\t", &in, &jw);
		ex_emitter_flush(em, &e->b, in.s);
		if (dv)
			cg_out(e, "%sconst double dL = %s, c = (%s) * (%s)%s%s * dL + (%s) * (%s)%s;\n", in.s, dl, dv,
			       ex_emitter_root(em, r2), TXT(jw), sl, lrd, ex_emitter_root(em, r1), TXT(jw));
		else
			cg_out(e, "%sconst double c = (%s) * (%s)%s;\n", in.s, lrd, ex_emitter_root(em, r1), TXT(jw));
		if (rd->lump >= 3)
			st_scatter(e, rd, &step_cells, in.s, dst, "c");
		else if (rd->lump)
			cg_out(e, "%s%s[qa] += c;\n%s%s[q] -= c;\n", in.s, dst, in.s, dst);
		else
			cg_out(e, "%s%s[q] += c;\n", in.s, dst);
		for (p = 0; p < np; p++) {
			if (rp[p] >= 0)
				cg_out(e, "%sgrad[%d] += (%s) * %sw * (%s);\n", in.s, p, lrd, s->ndim == 2 ? "" : "hx * ",
				       ex_emitter_root(em, rp[p]));
			if (rq[p] >= 0)
				cg_out(e, "%sgrad[%d] += (%s) * (%s)%s * dL;\n", in.s, p, dv, ex_emitter_root(em, rq[p]), TXT(jw));
		}
		cells_close(e, "\t\t");
		cg_out(e, "\t}\n");
		buf_free(&dlb);
		break;
	}
	default:
		die("emit_sav: a potential reads read %d of kind %d", r, (int)rd->kind);
	}
	ex_emitter_free(em);
	buf_free(&in);
	buf_free(&jw);
	mem_free(d);
	mem_free(rp);
	cg_free_refs(pn, 0);
}

/* Ldv[r] += J_r . LG */
static void
read_dot(Emit *e, int r)
{
	const Scheme *s = e->s;
	const Read *rd = &s->rd[r];
	const char **pn = cg_param_refs(e);
	Buf x = {0}, in = {0}, jw = {0};

	switch (rd->kind) {
	case RD_LUMP:
		cg_out(e, "\tLdv[%d] += LG[ng + %d];\n", r, rd->lump);
		break;
	case RD_VAL:
		cg_out(e, "\t{\n\t\tlong ri[4];\n\t\tdouble rw[4];\n\t\tint a;\n\n");
		interp_at(e, rd, "\t\t");
		cg_out(e, "\t\tfor (a = 0; a < %d; a++)\n\t\t\tLdv[%d] += rw[a] * LG[ri[a]];\n\t}\n", 2 * s->ndim, r);
		break;
	case RD_INT: {
		ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "f");
		int root = ex_emitter_add(em, diff_sym(s->pool, rd->ig, SYM_THX));
		Buf dl = {0};

		cg_out(e, "\t{\n");
		cells_open(e, rd, &step_cells, "\t\t", &in, &jw);
		ex_emitter_flush(em, &e->b, in.s);
		if (rd->lump >= 3)
			st_apply(&dl, rd, &step_cells, "LG");
		cg_out(e, "%sLdv[%d] += (%s)%s * %s%s%s;\n", in.s, r, ex_emitter_root(em, root), TXT(jw),
		       rd->lump >= 3 ? "(" : "", rd->lump >= 3 ? dl.s : rd->lump ? "(LG[qa] - LG[q])" : "LG[q]",
		       rd->lump >= 3 ? ")" : "");
		buf_free(&dl);
		cells_close(e, "\t\t");
		cg_out(e, "\t}\n");
		ex_emitter_free(em);
		break;
	}
	default:
		die("emit_sav: a potential reads read %d of kind %d", r, (int)rd->kind);
	}
	buf_free(&x);
	buf_free(&in);
	buf_free(&jw);
	cg_free_refs(pn, 0);
}

/* Lrd[r] += LV dV/drd_r + sum Ldv dV2/drd drd_r, grad likewise (with
 * second: the Ldv part too).  The second part is one reverse sweep of
 * sum_r Ldv[r] dV/drd_r with the seeds Ldv as leaves (cg_vjp's way), not
 * the table of V's second derivatives: a chain's integral (sema_chain.c)
 * reads every one of its points, and the table would be as the square
 * of their number. */
static void
v_adj(Emit *e, Expr **d, int second)
{
	const Scheme *s = e->s;
	ExprPool *P = s->pool;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, nq = np + s->nrd, r, q, *root = mem_alloc((size_t)(2 * nq + 1) * sizeof *root);
	const char **names = mem_alloc((size_t)(nq + s->nrd + 1) * sizeof *names);
	Expr **d2 = mem_alloc((size_t)(nq + 1) * sizeof *d2), *sum = ex_num(P, 0);
	ExprEmitter *em;
	Buf b = {0};

	for (q = 0; q < nq; q++)
		names[q] = pn[q];
	for (r = 0; r < s->nrd; r++) {
		b.len = 0;
		buf_printf(&b, "Ldv[%d]", r);
		names[nq + r] = mem_strdup(b.s);
		if (second && !ex_is_num(d[np + r], 0))
			sum = ex_add(P, sum, ex_mul(P, ex_param(P, nq + r), d[np + r]));
	}
	names[nq + s->nrd] = NULL;
	em = ex_emitter_new(names, cg_sym_c, "v");
	for (q = 0; q < nq; q++)
		root[q] = ex_is_num(d[q], 0) ? -1 : ex_emitter_add(em, d[q]);
	diff_params(P, sum, nq, d2);
	for (q = 0; q < nq; q++)
		root[nq + q] = ex_is_num(d2[q], 0) ? -1 : ex_emitter_add(em, d2[q]);
	cg_out(e, "\t{\n");
	ex_emitter_flush(em, &e->b, "\t\t");
	for (q = 0; q < nq; q++) {
		const char *dst = q < np ? "grad" : "Lrd";
		int i = q < np ? q : q - np;
		if (root[q] >= 0)
			cg_out(e, "\t\t%s[%d] += LV * %s;\n", dst, i, ex_emitter_root(em, root[q]));
		if (root[nq + q] >= 0)
			cg_out(e, "\t\t%s[%d] += %s;\n", dst, i, ex_emitter_root(em, root[nq + q]));
	}
	cg_out(e, "\t}\n");
	ex_emitter_free(em);
	for (r = 0; r < s->nrd; r++)
		mem_free((void *)names[nq + r]);
	mem_free(names);
	mem_free(d2);
	mem_free(root);
	buf_free(&b);
	cg_free_refs(pn, 0);
}

/* @__asav(m, n, ln, u, up, un, grad): OP_ADJ_SAV of step n, given ln =
 * lambda[n+1] less the seeds waiting in @__SAVE(m, n + 1); makes ln the
 * adjoint of un* in place.  @__gsav(m, l, which, u, up, grad): at the end
 * of the backward, the seeds waiting for lambda[0] (which 0; with psi's
 * start, sqrt(2 V(u[0]) + eps)) or lambda[-1] (which 1). */
void
cg_emit_sav_adj(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, nq = np + s->nrd, nr = cg_atleast1(s->nrd), r, root, sparse;
	Expr **d = mem_alloc((size_t)(nq + 1) * sizeof *d);
	ExprEmitter *em;
	Buf nm = {0}, lr = {0};

	sparse = sav_sparse(s);
	diff_params(s->pool, s->pot, nq, d);
	if (mass_varies(s))
		emit_dmass(e);
	else
		emit_dlogm(e);
	cg_out(e, "#define @__SAVE(m, n) ((m)->gk + @__GKN(m) - (size_t)(2 - (((n) %% 2) + 2) %% 2) * (size_t)(m)->npts)\n\n");

	/* the merge of the waiting seeds, then the rest: a bow's transpose
	 * (emit_bow.c) takes the rest alone, for its own seed */
	cg_out(e, "static void @__asav_core(const @_model *m, long n, double *ln, double Lp, const double *u,\n"
	       "\tconst double *up, const double *un, double *grad);\n\n");
	cg_out(e, "static void\n@__asav(const @_model *m, long n, double *ln, const double *u, const double *up,\n"
	       "\tconst double *un, double *grad)\n{\n");
	locals(e);
	cg_out(e, "\tconst long P = m->npts - 1;\n\tdouble *Ein = @__SAVE(m, n + 1), Lp;\n\tlong q;\n\n");
	cg_out(e, "\tfor (q = 0; q < P; q++)\n\t\tln[q] += Ein[q];\n\tLp = Ein[P];\n");
	seeds_to_objects(e, "ln", "Ein");
	cg_out(e, "\tmemset(Ein, 0, (size_t)m->npts * sizeof(double));\n");
	cg_out(e, "\t@__asav_core(m, n, ln, Lp, u, up, un, grad);\n}\n\n");

	cg_out(e, "static void\n@__asav_core(const @_model *m, long n, double *ln, double Lp, const double *u,\n"
	       "\tconst double *up, const double *un, double *grad)\n{\n");
	locals(e);
	cg_out(e, "\tconst long P = m->npts - 1;\n");
	/* a ring of two: E1 is the Ein @__asav emptied */
	cg_out(e, "\tdouble *E0 = @__SAVE(m, n), *E1 = @__SAVE(m, n - 1);\n");
	cg_out(e, "\tdouble rd[%d], Ldv[%d] = {0}, Lrd[%d] = {0};\n", nr, nr, nr);
	cg_out(e, "\tdouble V, sq, isq, gb = 0, D, mu, Lmu = 0, Lgdn, Lpsi, Lgd, Lgb, Lsq = 0, LV;\n");
	cg_out(e, "\tdouble *g, *b, *LG, *ms, sm[%d] = {0};\n\tlong i, j, q;\n\n", s->nlump + 2);
	cg_out(e, "\t(void)i; (void)j; (void)isq; (void)Ldv; (void)Lrd; (void)sm;\n");
	cg_out(e, "\tg = (double *)calloc(4 * (size_t)m->npts, sizeof(double));\n");
	cg_out(e, "\tif (!g) {\n\t\tfor (q = 0; q < P; q++)\n\t\t\tln[q] = NAN;\n\t\treturn;\n\t}\n");
	cg_out(e, "\tb = g + m->npts;\n\tLG = b + m->npts;\n\tms = LG + m->npts;\n");
	cg_out(e, "\t@__rdall(m, u, up, rd);\n");
	/* V and G as the step made them */
	g_prelude(e, d, 0);
	cg_out(e, "\tfor (q = 0; q < P; q++) {\n\t\tg[q] %s;\n", sparse ? "/= sq" : "*= isq");
	cg_out(e, "\t\tms[q] = m->savm[q];\n\t\tb[q] = g[q] * ms[q];\n\t\tgb += g[q] * b[q];\n\t\tLmu -= ln[q] * b[q];\n\t}\n");
	cg_out(e, "\tmu = 0.5 * (u[P] + un[P]);\n\tD = 1 + gb / 4;\n");
	cg_out(e, "\tLgdn = Lp / 2 + Lmu / 4;\n\tLpsi = Lp + Lmu - Lgdn * gb / D;\n");
	cg_out(e, "\tLgd = Lgdn / D;\n\tLgb = -Lgdn * mu / D;\n\tE0[P] += Lpsi;\n");
	cg_out(e, "\tfor (q = 0; q < P; q++) {\n");
	cg_out(e, "\t\tconst double Lb = -ln[q] * mu + Lgb * g[q], mq = ms[q];\n");
	cg_out(e, "\t\tconst double Lg = Lgd * (un[q] + b[q] * mu - up[q]) + Lgb * b[q] + Lb * mq;\n\n");
	cg_out(e, "\t\tif (g[q] != 0) {\n\t\t\tln[q] += Lgd * g[q];\n\t\t\tE1[q] -= Lgd * g[q];\n");
	if (mass_varies(s))
		cg_out(e, "\t\t\t@__sav_dmass(m, q, Lb * g[q], grad);\n\t\t}\n");
	else         /* the grid's in sm[0], each lumped object's in sm[1 + j] */
		cg_out(e, "\t\t\tsm[q < ng ? 0 : q - ng + 1] += Lb * g[q] * mq;\n\t\t}\n");
	cg_out(e, "\t\tLG[q] = Lg / sq;\n\t\tLsq -= Lg * g[q] / sq;\n\t}\n");
	cg_out(e, "\tLV = Lsq / sq;\n");
	if (!mass_varies(s))
		cg_out(e, "\t@__sav_dlogm(m, sm, grad);\n");
	fold_ends(e, 0, "LG");
	for (r = 0; r < s->nrd; r++)
		if (!ex_is_num(d[np + r], 0))
			read_dot(e, r);
	v_adj(e, d, 1);
	for (r = 0; r < s->nrd; r++)
		if (!ex_is_num(d[np + r], 0)) {
			nm.len = lr.len = 0;
			buf_printf(&nm, "dv%d", r);
			buf_printf(&lr, "Lrd[%d]", r);
			cg_read_adj(e, r, lr.s, nm.s, "E0");
		}
	cg_out(e, "\tfree(g);\n}\n\n");

	cg_out(e, "static void\n@__gsav(const @_model *m, double *l, int which, const double *u, const double *up,\n"
	       "\tdouble *grad)\n{\n");
	locals(e);
	cg_out(e, "\tconst long P = m->npts - 1;\n\tdouble *E = @__SAVE(m, -which);\n");
	cg_out(e, "\tdouble rd[%d], Ldv[%d] = {0}, Lrd[%d] = {0}, V, LV;\n\tlong i, j, q;\n\n", nr, nr, nr);
	cg_out(e, "\t(void)i; (void)j; (void)Ldv; (void)Lrd; (void)grad;\n");
	cg_out(e, "\tfor (q = 0; q < P; q++)\n\t\tl[q] += E[q];\n");
	seeds_to_objects(e, "l", "E");
	cg_out(e, "\tif (which)\n\t\treturn;\n");
	cg_out(e, "\t@__rdall(m, u, up, rd);\n");
	em = ex_emitter_new(pn, cg_sym_c, "v");
	root = ex_emitter_add(em, s->pot);
	ex_emitter_flush(em, &e->b, "\t");
	cg_out(e, "\tV = %s;\n", ex_emitter_root(em, root));
	ex_emitter_free(em);
	cg_out(e, "\tLV = E[P] / sqrt(2 * V + " SAV_EPS ");\n");
	v_adj(e, d, 0);
	for (r = 0; r < s->nrd; r++)
		if (!ex_is_num(d[np + r], 0)) {
			lr.len = 0;
			buf_printf(&lr, "Lrd[%d]", r);
			cg_read_adj(e, r, lr.s, NULL, "l");
		}
	cg_out(e, "}\n\n");
	buf_free(&nm);
	buf_free(&lr);
	mem_free(d);
	cg_free_refs(pn, 0);
}

/* @__parts_energy, the share of `output E = energy` (language.md 12.1)
 * beyond the field's sum (emit_loop.c energy_text): each lumped object's,
 * as the field's, M (v^2 / 2 - z[n+1] r(z[n]) / 2 - (z[n+1] + z[n]) f0 /
 * 2) with r its acceleration from the state at n without the velocities
 * (the reads at u[n-1] = u[n]) less f0, the constant force's
 * (cg_lump_erest, cg_lump_f0), taken directly rather than through escr - u (a soft
 * spring's k^2 w^2 is below the digits of z); and psi^2/2 for the
 * potentials.  A spring between parts, F on one and -F on the other,
 * then counts as K (d[n+1] d[n]) / 2 of its stretch d: the staggered
 * energy the explicit scheme conserves. */
void
cg_emit_parts_energy(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em;
	int j;
	Expr ***cv = cg_lump_back(s), ***sb = cg_src_back(s);
	Buf sv = {0};
	int i, r;

	cg_out(e, "static DPM_LONG double\n@__parts_energy(const @_model *m, const double *u, const double *un)\n{\n");
	locals(e);
	cg_out(e, "\tdouble E = %s, rd[%d], rdv[%d];\n\n",
	       s->npot ? "0.5 * (un[m->npts - 1] * un[m->npts - 1] - " SAV_EPS ")" : "0", cg_atleast1(s->nrd),
	       cg_atleast1(s->nrd));
	cg_out(e, "\t(void)u; (void)un; (void)rd; (void)rdv;\n");
	if (s->nrd)
		cg_out(e, "\t@__rdall(m, u, u, rd);\n");
	if (cv || sb)   /* the velocities (un - u) / k, for the backward reads' term */
		cg_out(e, "\t@__rdall(m, un, u, rdv);\n");
	for (i = 0; sb && i < s->nsrc; i++)
		for (r = 0; r < s->nrd; r++)
			if (sb[i][r]) {
				cg_src_back_term(e, i, sb[i], 0);
				break;
			}
	cg_src_back_free(s, sb);
	for (i = 0; i < s->nsrc; i++)
		if (cg_src_const(s, i))
			cg_src_const_term(e, i, 0);
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (j = 0; j < s->nlump; j++) {
		ex_emitter_add(em, s->lump[j].mass);
		ex_emitter_add(em, cg_lump_erest(s, j));
		ex_emitter_add(em, cg_lump_f0(s, j));
	}
	ex_emitter_flush(em, &e->b, "\t");
	for (j = 0; j < s->nlump; j++) {
		cg_out(e, "\t{\n\t\tconst double v = (un[ng + %d] - u[ng + %d]) / k;\n\n", j, j);
		sv.len = 0;
		if (cv)
			cg_lump_back_coefs(e, cv[j], "\t\t", 0, &sv);
		cg_out(e, "\t\tE += (%s) * (0.5 * v * v - 0.5 * un[ng + %d] * (%s) - 0.5 * (un[ng + %d] + u[ng + %d]) * "
		       "(%s)%s%s%s);\n\t}\n",
		       ex_emitter_root(em, 3 * j), j, ex_emitter_root(em, 3 * j + 1), j, j, ex_emitter_root(em, 3 * j + 2),
		       sv.len ? " + 0.25 * k * v * (0" : "", sv.len ? sv.s : "", sv.len ? ")" : "");
	}
	buf_free(&sv);
	cg_lump_back_free(s, cv);
	ex_emitter_free(em);
	cg_out(e, "\treturn E;\n}\n\n");
	cg_free_refs(pn, 0);
}
