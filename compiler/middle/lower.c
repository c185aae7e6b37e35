/* lower.c — the scheme as loops over regions of the grid.
 *
 * requires: a Scheme from scheme_build (interior taps, boundary kinds).
 * leaves:   Loops whose regions cover exactly the updated points, the
 *           interior first; every region's taps stay inside [0, N] because
 *           ghost points were replaced by the values their boundary
 *           condition implies; every coefficient classified by what it
 *           varies with (CO_CONST / CO_TIME / CO_SPACE / CO_SPACETIME).
 *
 * Ghost points (spec section 6; NSS 5.2.8, 7.1.2, 11.1, 12.2): at a lower
 * end with index 0,
 *   half-width 1:  free            u[-1] = u[1]
 *   half-width 2:  simply supported u[-1] = -u[1]
 *                  clamped         u[-1] = u[1]
 *                  free            u[-1] = 2u[0] - u[1],
 *                                  u[-2] = u[2] - 4u[1] + 4u[0]
 * and the mirror image at the upper end.  A held end (every condition but
 * free) keeps u = 0 at its end point, which is therefore not updated. */
#include <string.h>

#include "diff.h"
#include "ir.h"
#include "plate.h"
#include "step.h"

typedef struct Comb {      /* a linear combination of points along an axis */
	int n;
	int dist[3];           /* distance from the end, inward */
	double f[3];
} Comb;

/* The ghost point g (1 or 2) beyond an end, as points inside. */
static Comb
ghost(BcKind bc, int w, int g)
{
	Comb c = {0};

	if (w <= 1) {
		if (bc != BC_FREE || g != 1)
			die("ghost point %d for a half-width-1 stencil", g);
		c.n = 1; c.dist[0] = 1; c.f[0] = 1;
		return c;
	}
	switch (bc) {
	case BC_SS:
		if (g != 1)
			break;
		c.n = 1; c.dist[0] = 1; c.f[0] = -1;
		return c;
	case BC_CLAMPED:
		if (g != 1)
			break;
		c.n = 1; c.dist[0] = 1; c.f[0] = 1;
		return c;
	case BC_ATTACHED:      /* pinned on the object: u.xx = 0, u[0] = z */
		if (g != 1)
			break;
		c.n = 2;
		c.dist[0] = 0; c.f[0] = 2;
		c.dist[1] = 1; c.f[1] = -1;
		return c;
	case BC_FREE:
		if (g == 1) {
			c.n = 2;
			c.dist[0] = 0; c.f[0] = 2;
			c.dist[1] = 1; c.f[1] = -1;
		} else {
			c.n = 3;
			c.dist[0] = 2; c.f[0] = 1;
			c.dist[1] = 1; c.f[1] = -4;
			c.dist[2] = 0; c.f[2] = 4;
		}
		return c;
	default:
		break;
	}
	die("ghost point %d for boundary kind %d", g, bc);
}

/* One class of rows along an axis. */
typedef struct Row {
	Bound lo, hi;
	int side;              /* -1 interior, 0 lower end, 1 upper end */
	int dist;              /* special rows: distance from their end */
} Row;

/* The row classes of axis ax: the interior, then each special row
 * within `deep` stencil half-widths of an end that is updated (a held
 * end point is not): one deep for the step, two for its transpose. */
static int
rows_within(const Scheme *s, int ax, int deep, Row *rows)
{
	int w = deep * (s->w[ax] ? s->w[ax] : 1), n = 0, r;
	int held0 = s->bc[ax][0] != BC_FREE, held1 = s->bc[ax][1] != BC_FREE;

	/* the adjoint (deep 2) of an end attached to a lumped object: the
	 * rows next to it read the object's value there, whose adjoint the
	 * adjoint step makes like any point's (emit_loop.c hands it on) */
	if (deep == 2 && ax < s->ndim) {
		held0 &= s->bc[ax][0] != BC_ATTACHED;
		held1 &= s->bc[ax][1] != BC_ATTACHED;
	}

	if (ax >= s->ndim) {
		rows[0].lo.anchor = rows[0].hi.anchor = 0;
		rows[0].lo.off = rows[0].hi.off = 0;
		rows[0].side = -1;
		return 1;
	}
	rows[n].lo.anchor = 0; rows[n].lo.off = w;
	rows[n].hi.anchor = 1; rows[n].hi.off = -w;
	rows[n].side = -1;
	n++;
	for (r = held0; r < w; r++, n++) {
		rows[n].lo.anchor = rows[n].hi.anchor = 0;
		rows[n].lo.off = rows[n].hi.off = r;
		rows[n].side = 0;
		rows[n].dist = r;
	}
	for (r = w - 1; r >= held1; r--, n++) {
		rows[n].lo.anchor = rows[n].hi.anchor = 1;
		rows[n].lo.off = rows[n].hi.off = -r;
		rows[n].side = 1;
		rows[n].dist = r;
	}
	return n;
}

/* The step's row classes, and the updated points: first..N+last_off. */
static int
axis_rows(const Scheme *s, int ax, Row *rows, int *first, int *last_off)
{
	int inside = ax < s->ndim;

	*first = inside && s->bc[ax][0] != BC_FREE;
	*last_off = -(inside && s->bc[ax][1] != BC_FREE);
	return rows_within(s, ax, 1, rows);
}

/* Offset o from a row, as offsets that stay inside; end points held at 0
 * drop. */
static Comb
resolve(const Scheme *s, int ax, const Row *row, int o)
{
	Comb c = {0}, g;
	int idx, i, held, w = s->w[ax] ? s->w[ax] : 1;

	if (row->side < 0 || ax >= s->ndim) {
		c.n = 1; c.dist[0] = o; c.f[0] = 1;
		return c;
	}
	/* distance from the row's end of the point reached; inward positive;
	 * a held end point is 0, but an attached one holds its object's
	 * value, which it keeps */
	idx = row->dist + (row->side == 0 ? o : -o);
	held = s->bc[ax][row->side] != BC_FREE && s->bc[ax][row->side] != BC_ATTACHED;
	if (idx > 0 || (idx == 0 && !held)) {
		c.n = 1; c.dist[0] = o; c.f[0] = 1;
		return c;
	}
	if (idx == 0)
		return c;
	g = ghost(s->bc[ax][row->side], w, -idx);
	for (i = 0; i < g.n; i++) {
		if (g.dist[i] == 0 && held)
			continue;
		c.dist[c.n] = row->side == 0 ? g.dist[i] - row->dist : row->dist - g.dist[i];
		c.f[c.n++] = g.f[i];
	}
	return c;
}

int
loops_coef(Loops *l, Expr *e)
{
	unsigned sp = (1u << SYM_X) | (1u << SYM_Y), tm = 1u << SYM_T;
	Coef *c;
	int i;

	for (i = 0; i < l->ncoefs; i++)
		if (l->coefs[i].e == e)
			return i;
	if (l->ncoefs == l->capcoefs) {
		Coef *nc;
		l->capcoefs = l->capcoefs ? 2 * l->capcoefs : 16;
		nc = arena_alloc(l->arena, (size_t)l->capcoefs * sizeof *nc);
		if (l->ncoefs)
			memcpy(nc, l->coefs, (size_t)l->ncoefs * sizeof *nc);
		l->coefs = nc;
	}
	c = &l->coefs[l->ncoefs];
	c->e = e;
	/* one that reads the state (discretise.c state_coef) changes every
	 * step, as one of t */
	if (e->deps & sp)
		c->cls = e->deps & (tm | DEP_STATE) ? CO_SPACETIME : CO_SPACE;
	else
		c->cls = e->deps & (tm | DEP_STATE) ? CO_TIME : CO_CONST;
	c->slot = l->nclass[c->cls]++;
	return l->ncoefs++;
}

/* A tap on its way into a group; src: the forward coefficient whose tap
 * this is the transpose of (adjoint regions), else -1. */
typedef struct RTap { int level, dx, dy, src; Expr *coef; } RTap;

static void
rtap_add(ExprPool *p, RTap *t, int *n, int level, int dx, int dy, int src, Expr *coef)
{
	int i;

	for (i = 0; i < *n; i++)
		if (t[i].level == level && t[i].dx == dx && t[i].dy == dy) {
			t[i].coef = ex_add(p, t[i].coef, coef);
			if (t[i].src != src)
				t[i].src = -1;
			return;
		}
	t[*n].level = level;
	t[*n].dx = dx;
	t[*n].dy = dy;
	t[*n].src = src;
	t[*n].coef = coef;
	(*n)++;
}

/* Taps sharing one coefficient (and source) become one group:
 * c * (u[a] + u[b] + ...). */
static void
group_taps(Loops *l, Region *rg, const RTap *t, int nt)
{
	int i, g;

	rg->groups = arena_alloc(l->arena, (size_t)(nt + 1) * sizeof *rg->groups);
	for (i = 0; i < nt; i++) {
		Expr *e = t[i].coef;
		if (ex_is_num(e, 0))
			continue;
		for (g = 0; g < rg->ngroups; g++)
			if (l->coefs[rg->groups[g].coef].e == e && rg->groups[g].fwd == t[i].src
			    && rg->groups[g].ntap < 32)
				break;
		if (g == rg->ngroups) {
			rg->groups[g].coef = loops_coef(l, e);
			rg->groups[g].fwd = t[i].src;
			rg->ngroups++;
		}
		rg->groups[g].tap[rg->groups[g].ntap].level = t[i].level;
		rg->groups[g].tap[rg->groups[g].ntap].dx = t[i].dx;
		rg->groups[g].tap[rg->groups[g].ntap].dy = t[i].dy;
		rg->groups[g].ntap++;
	}
}

static void
build_region(Loops *l, Region *rg, const Row *rx, const Row *ry)
{
	const Scheme *s = l->s;
	RTap t[256];
	int nt = 0, i, jx, jy;
	Comb cx, cy;

	rg->lo[0] = rx->lo; rg->hi[0] = rx->hi;
	rg->lo[1] = ry->lo; rg->hi[1] = ry->hi;
	rg->interior = rx->side < 0 && ry->side < 0;
	for (i = 0; i < s->ntaps; i++) {
		const Tap *tp = &s->taps[i];
		cx = resolve(s, 0, rx, tp->dx);
		cy = resolve(s, 1, ry, tp->dy);
		for (jx = 0; jx < cx.n; jx++)
			for (jy = 0; jy < cy.n; jy++) {
				Expr *f = ex_num(s->pool, cx.f[jx] * cy.f[jy]);
				if (nt >= 250)
					die("too many taps in a region");
				rtap_add(s->pool, t, &nt, tp->level, cx.dist[jx], cy.dist[jy], -1,
				         ex_mul(s->pool, f, tp->coef));
			}
	}
	group_taps(l, rg, t, nt);
	rg->den_coef = -1;
}

/* ---- free edges of a plate (NSS 12.2; the rows in plate.c) ----
 * The pde's taps are split per level into the six operators' coefficients
 * c[P_*], and each energy term's stencil of the row's class is multiplied
 * by its operator's coefficient (plate_terms). */

static int
lower_plate(const Scheme *s)
{
	int a, e;

	if (s->ndim != 2 || s->space_order < 3)
		return 0;
	for (a = 0; a < 2; a++)
		for (e = 0; e < 2; e++)
			if (s->bc[a][e] == BC_FREE)
				return 1;
	return 0;
}

/* The pde's taps at one level as the six operators' coefficients; 0 if
 * they are not of that form (an odd derivative, a wider stencil). */
static int
plate_split(const Scheme *s, int level, Expr *c[P_NBASIS])
{
	ExprPool *p = s->pool;
	Expr *t[5][5] = {{0}}, *z = ex_num(p, 0);
	int i, x, y;

	for (i = 0; i < s->ntaps; i++) {
		const Tap *tp = &s->taps[i];
		if (tp->level != level)
			continue;
		if (tp->dx < -2 || tp->dx > 2 || tp->dy < -2 || tp->dy > 2)
			return 0;
		t[tp->dx + 2][tp->dy + 2] = tp->coef;
	}
	for (x = 0; x < 5; x++)
		for (y = 0; y < 5; y++)
			if (!t[x][y])
				t[x][y] = z;
	/* even in x and in y; nothing at (2, 1) and the like */
	for (x = 0; x < 5; x++)
		for (y = 0; y < 5; y++) {
			if (t[x][y] != t[4 - x][y] || t[x][y] != t[x][4 - y])
				return 0;
			if ((x == 0 || x == 4) && y != 2 && !ex_is_num(t[x][y], 0))
				return 0;
			if ((y == 0 || y == 4) && x != 2 && !ex_is_num(t[x][y], 0))
				return 0;
		}
	c[P_X4] = t[4][2];
	c[P_Y4] = t[2][4];
	c[P_XXYY] = t[3][3];
	c[P_XX] = ex_add(p, t[3][2], ex_add(p, ex_mul(p, ex_num(p, 4), c[P_X4]),
	                                    ex_mul(p, ex_num(p, 2), c[P_XXYY])));
	c[P_YY] = ex_add(p, t[2][3], ex_add(p, ex_mul(p, ex_num(p, 4), c[P_Y4]),
	                                    ex_mul(p, ex_num(p, 2), c[P_XXYY])));
	c[P_I] = ex_sub(p, t[2][2],
	                ex_add(p, ex_mul(p, ex_num(p, 6), ex_add(p, c[P_X4], c[P_Y4])),
	                       ex_sub(p, ex_mul(p, ex_num(p, 4), c[P_XXYY]),
	                              ex_mul(p, ex_num(p, 2), ex_add(p, c[P_XX], c[P_YY])))));
	return 1;
}

/* Can a plate with a free edge take these taps (the rows above need a
 * bilap plus second-order terms, even in x and in y, their coefficients
 * alike at every point)?  1 when it can or has no free edge;
 * discretise.c refuses the model otherwise, before lower() dies on it. */
int
plate_taps_ok(const Scheme *s)
{
	Expr *c[P_NBASIS];
	int lev;

	if (!lower_plate(s))
		return 1;
	for (lev = 0; lev < 2; lev++)
		if (!plate_split(s, lev, c))
			return 0;
	return 1;
}

/* The virtual grid's point of a row class. */
static int
vpoint(const Row *r)
{
	return r->side < 0 ? PLATE_VN / 2 : r->side == 0 ? r->dist : PLATE_VN - r->dist;
}

static void
build_plate_region(Loops *l, Region *rg, const Row *rx, const Row *ry)
{
	const Scheme *s = l->s;
	ExprPool *p = s->pool;
	double st[K_NK][5][5];
	Expr *c[P_NBASIS], *f[K_NK];
	RTap t[256];
	int nt = 0, lev, k, x, y;

	rg->lo[0] = rx->lo; rg->hi[0] = rx->hi;
	rg->lo[1] = ry->lo; rg->hi[1] = ry->hi;
	rg->interior = 0;
	plate_row(s->bc, vpoint(rx), vpoint(ry), st);
	for (lev = 0; lev < 2; lev++) {
		if (!plate_split(s, lev, c))
			die("the taps of a plate with a free edge are not a bilap "
			    "plus second-order terms");
		for (k = 0; k < K_NK; k++)
			f[k] = plate_terms[k].f == 1 ? c[plate_terms[k].basis]
			       : ex_mul(p, ex_num(p, plate_terms[k].f), c[plate_terms[k].basis]);
		for (k = 0; k < K_NK; k++) {
			if (ex_is_num(f[k], 0))
				continue;
			for (x = 0; x < 5; x++)
				for (y = 0; y < 5; y++) {
					if (st[k][x][y] == 0)
						continue;
					if (nt >= 250)
						die("too many taps in a region");
					rtap_add(p, t, &nt, lev, x - 2, y - 2, -1,
					         ex_mul(p, ex_num(p, st[k][x][y]), f[k]));
				}
		}
	}
	group_taps(l, rg, t, nt);
	rg->den_coef = -1;
}

Loops *
lower(Arena *a, const Scheme *s)
{
	Loops *l = arena_alloc(a, sizeof *l);
	Row rx[8], ry[8];
	int nx, ny, i, j, plate = lower_plate(s);

	l->s = s;
	l->arena = a;
	nx = axis_rows(s, 0, rx, &l->first[0], &l->last_off[0]);
	ny = axis_rows(s, 1, ry, &l->first[1], &l->last_off[1]);
	for (i = 0; i < 2; i++)
		l->min_n[i] = i < s->ndim ? 2 * (s->w[i] ? s->w[i] : 1) + 1 : 0;
	l->reg = arena_alloc(a, (size_t)(nx * ny) * sizeof *l->reg);
	/* the interior (row class 0 on both axes) first */
	for (j = 0; j < ny; j++)
		for (i = 0; i < nx; i++)
			if (plate && (i || j))
				build_plate_region(l, &l->reg[l->nreg++], &rx[i], &ry[j]);
			else
				build_region(l, &l->reg[l->nreg++], &rx[i], &ry[j]);
	l->force_coef = s->force ? loops_coef(l, ex_div(s->pool, s->force, s->den)) : -1;
	l->den_coef = loops_coef(l, s->den);
	l->stab = s->stab;
	l->nstab = s->nstab;
	l->nfwd = l->ncoefs;
	lower_adjoint(l);
	lower_grad(l);
	l->step = step_build(a, l);
	return l;
}

void
loops_print(const Loops *l, FILE *f)
{
	static const char *const cls[] = {"const", "time", "space", "spacetime"};
	static const char *const lev[] = {"u", "up"};
	const Scheme *s = l->s;
	const char **pn = scheme_names(s);
	Buf b = {0};
	int r, g, i, d;

	fprintf(f, "# %s: %d coefficients, %d regions\n", s->m->name, l->ncoefs, l->nreg);
	for (i = 0; i < l->ncoefs; i++) {
		b.len = 0;
		ex_print_math(&b, l->coefs[i].e, pn);
		fprintf(f, "c%d [%s] = %s\n", i, cls[l->coefs[i].cls], b.s ? b.s : "");
	}
	for (r = 0; r < l->nreg; r++) {
		const Region *rg = &l->reg[r];
		fprintf(f, "region %d%s:", r, rg->interior ? " (interior)" : "");
		for (d = 0; d < s->ndim; d++)
			fprintf(f, " %c in [%s%+d, %s%+d]", "ij"[d],
			        rg->lo[d].anchor ? "N" : "0", rg->lo[d].off,
			        rg->hi[d].anchor ? "N" : "0", rg->hi[d].off);
		fprintf(f, "\n  un =");
		for (g = 0; g < rg->ngroups; g++) {
			const Group *gr = &rg->groups[g];
			fprintf(f, "%s c%d*(", g ? " +" : "", gr->coef);
			for (i = 0; i < gr->ntap; i++)
				fprintf(f, "%s%s[%+d,%+d]", i ? " + " : "", lev[gr->tap[i].level],
				        gr->tap[i].dx, gr->tap[i].dy);
			fprintf(f, ")");
		}
		if (l->force_coef >= 0)
			fprintf(f, " + c%d", l->force_coef);
		fprintf(f, "\n");
	}
	buf_free(&b);
	mem_free(pn);
}

/* ---- the transposed step ----
 * The forward update of row i is un[i] = sum over its region's taps of
 * c * u[level][i + o].  Its transpose gathers, for each point j, c *
 * lam[j - o] over every updated row i = j - o whose region has a tap at
 * offset o: near an end, rows of several regions reach j, so the adjoint
 * has its own row classes, twice as deep as the forward ones (a point
 * within 2w of an end can be reached by a boundary row).  A coefficient
 * that varies in space is taken at the row's point x_i = x_j - o h, and
 * one of level 1 (u[n-1]) at the step after: lambda[m] gathers
 * A(t_m)^T lambda[m+1] + B(t_{m+1})^T lambda[m+2]. */

/* The forward row class of row i, given as distance from an end
 * (side 0 lower, 1 upper) or interior (side -1); -1 if not updated. */
static int
fwd_row(const Row *rows, int nrows, int side, int dist, int w, int first_held)
{
	int r;

	if (side < 0 || dist >= w)
		return 0;
	if (dist < first_held)
		return -1;
	for (r = 1; r < nrows; r++)
		if (rows[r].side == side && rows[r].dist == dist)
			return r;
	return -1;
}

static int
adj_rows(const Scheme *s, int ax, Row *rows)
{
	return rows_within(s, ax, 2, rows);
}

/* The forward row class reached from adjoint row `ar` by tap offset o. */
static int
source_row(const Scheme *s, int ax, const Row *fr, int nfr, const Row *ar, int o)
{
	int w = s->w[ax] ? s->w[ax] : 1, held, dist;

	if (ax >= s->ndim || ar->side < 0)
		return 0;
	held = s->bc[ax][ar->side] != BC_FREE;
	/* row i = j - o; its distance from the adjoint row's end */
	dist = ar->side == 0 ? ar->dist - o : ar->dist + o;
	if (dist < 0)
		return -1;
	return fwd_row(fr, nfr, ar->side, dist, w, held);
}

/* The coordinate of the point o intervals before x's along an axis from
 * `from`, as the forward makes it: from + (i - o) h, i = rint((x - from)
 * / h).  x - o h rounds otherwise, and a coefficient with a jump on a
 * grid point ((x < 0.1), h = 0.01) then took the other side there: the
 * adjoint was no longer the forward's transpose, and its leapfrog grew
 * (a gradient of 1.2e38 where central differences say -8.5e-6). */
static Expr *
at_point(ExprPool *p, Sym x, Sym h, double from, int o)
{
	Expr *i = ex_fn(p, FN_RINT, ex_div(p, ex_sub(p, ex_sym(p, x), ex_num(p, from)), ex_sym(p, h)), NULL);

	return ex_add(p, ex_num(p, from), ex_mul(p, ex_sub(p, i, ex_num(p, o)), ex_sym(p, h)));
}

/* The time of the step after t, as the forward makes it: (n + 1) k,
 * n = rint(t / k).  t + k rounds otherwise, and a coefficient with a
 * jump on a step ((t < 0.002) at 48 kHz) took the other side there. */
static Expr *
at_step(ExprPool *p)
{
	Expr *n = ex_fn(p, FN_RINT, ex_div(p, ex_sym(p, SYM_T), ex_sym(p, SYM_K)), NULL);

	return ex_mul(p, ex_add(p, n, ex_num(p, 1)), ex_sym(p, SYM_K));
}

/* e at the point x - ox hx, y - oy hy, and at the next step for level 1. */
static Expr *
shift(const Scheme *s, Expr *e, int ox, int oy, int level)
{
	ExprPool *p = s->pool;

	if (ox && (e->deps & (1u << SYM_X)))
		e = ex_subst_sym(p, e, SYM_X, at_point(p, SYM_X, SYM_HX, s->from[0], ox));
	if (oy && (e->deps & (1u << SYM_Y)))
		e = ex_subst_sym(p, e, SYM_Y, at_point(p, SYM_Y, SYM_HY, s->from[1], oy));
	if (level == 1 && (e->deps & (1u << SYM_T)))
		e = ex_subst_sym(p, e, SYM_T, at_step(p));
	return e;
}

static void
build_adj_region(Loops *l, Region *rg, const Row *frx, int nfx, const Row *fry, int nfy,
                 const Row *ax, const Row *ay)
{
	const Scheme *s = l->s;
	RTap t[256];
	int nt = 0, ox, oy, wx = s->w[0] ? s->w[0] : 1, wy = s->ndim == 2 ? (s->w[1] ? s->w[1] : 1) : 0;
	int g, k;

	rg->lo[0] = ax->lo; rg->hi[0] = ax->hi;
	rg->lo[1] = ay->lo; rg->hi[1] = ay->hi;
	rg->interior = ax->side < 0 && ay->side < 0;
	rg->den_coef = -1;
	for (ox = -wx; ox <= wx; ox++)
		for (oy = -wy; oy <= wy; oy++) {
			int rx = source_row(s, 0, frx, nfx, ax, ox);
			int ry = source_row(s, 1, fry, nfy, ay, oy);
			const Region *fr;
			if (rx < 0 || ry < 0)
				continue;
			fr = &l->reg[ry * nfx + rx];
			for (g = 0; g < fr->ngroups; g++) {
				const Group *gr = &fr->groups[g];
				for (k = 0; k < gr->ntap; k++) {
					if (gr->tap[k].dx != ox || gr->tap[k].dy != oy)
						continue;
					if (nt >= 250)
						die("too many taps in an adjoint region");
					rtap_add(s->pool, t, &nt, gr->tap[k].level, -ox, -oy, gr->coef,
					         shift(s, l->coefs[gr->coef].e, ox, oy,
					               gr->tap[k].level));
				}
			}
		}
	group_taps(l, rg, t, nt);
}

void
lower_adjoint(Loops *l)
{
	const Scheme *s = l->s;
	Row frx[8], fry[8], arx[16], ary[16];
	int nfx, nfy, nax, nay, i, j, f0, f1;

	nfx = axis_rows(s, 0, frx, &f0, &f1);
	nfy = axis_rows(s, 1, fry, &f0, &f1);
	nax = adj_rows(s, 0, arx);
	nay = adj_rows(s, 1, ary);
	l->adj = arena_alloc(l->arena, (size_t)(nax * nay) * sizeof *l->adj);
	l->nadj = 0;
	for (j = 0; j < nay; j++)
		for (i = 0; i < nax; i++)
			build_adj_region(l, &l->adj[l->nadj++], frx, nfx, fry, nfy, &arx[i], &ary[j]);
	/* the adjoint's boundary classes must not overlap: N >= 4w - 1 */
	for (i = 0; i < 2; i++)
		l->adj_min_n[i] = i < s->ndim ? 4 * (s->w[i] ? s->w[i] : 1) - 1 : 0;
	/* each adjoint group the transpose of one forward coefficient's taps:
	 * the gradient's sums can ride along with the adjoint step */
	l->fuse = 1;
	for (i = 0; i < l->nadj; i++)
		for (j = 0; j < l->adj[i].ngroups; j++)
			if (l->adj[i].groups[j].fwd < 0 || l->adj[i].groups[j].fwd >= l->nfwd)
				l->fuse = 0;
}

/* ---- derivatives for the gradient ----
 * Every coefficient the forward step uses and every source strength is
 * differentiated with respect to each param by one reverse sweep each
 * (diff.c), to know which have a derivative; only the derivatives of
 * coefficients that vary in space and time are kept, as coefficients
 * (the others go through a vector-Jacobian product, emit_loop.c).  The
 * sources' and outputs' positions and den (which divides the sources)
 * keep their derivatives per param: they are computed when the params are
 * set, not in the steps.  Each coefficient with a derivative gets a seed:
 * one per step for those of t, an array over the grid for those of x, y;
 * the constant ones sum in the gradient's rows (gk) or, for a source
 * strength, in a seed of their own. */
static Expr **
dtable(const Loops *l, Expr *const *roots, int n)
{
	int np = l->s->nparams;
	Expr **out = arena_alloc(l->arena, (size_t)(n * np + 1) * sizeof *out);

	if (n && np)
		diff_params_many(l->s->pool, roots, n, np, out);
	return out;
}

static int *
seeds(Loops *l)
{
	int *v = arena_alloc(l->arena, (size_t)(l->ncoefs + 1) * sizeof *v), c;

	for (c = 0; c <= l->ncoefs; c++)
		v[c] = -1;
	return v;
}

void
lower_grad(Loops *l)
{
	const Scheme *s = l->s;
	int np = s->nparams, c, p, i, a, nf, nz, sc;
	Expr **roots, **d;

	/* coefficients of the forward step: its regions' and the force */
	nf = l->nfwd;
	roots = arena_alloc(l->arena, (size_t)(nf + 1) * sizeof *roots);
	for (c = 0; c < nf; c++)
		roots[c] = l->coefs[c].e;
	d = dtable(l, roots, nf);
	l->hasd = arena_alloc(l->arena, (size_t)nf + 1);
	l->dcoef = arena_alloc(l->arena, (size_t)(nf * np + 1) * sizeof *l->dcoef);
	for (c = 0; c < nf; c++) {
		/* one that reads the state: its seed goes to the reads too */
		l->hasd[c] = (l->coefs[c].e->deps & DEP_STATE) != 0;
		for (p = 0; p < np; p++) {
			nz = !ex_is_num(d[c * np + p], 0);
			l->hasd[c] |= nz;
			l->dcoef[c * np + p] = nz && l->coefs[c].cls == CO_SPACETIME
			                       ? loops_coef(l, d[c * np + p]) : -1;
		}
	}

	l->src_coef = arena_alloc(l->arena, (size_t)(s->nsrc + 1) * sizeof *l->src_coef);
	l->srcd = arena_alloc(l->arena, (size_t)s->nsrc + 1);
	roots = arena_alloc(l->arena, (size_t)(2 * (s->nsrc + s->nout) + 1) * sizeof *roots);
	for (i = 0; i < s->nsrc; i++) {
		for (a = 0; a < 2; a++)
			roots[i * 2 + a] = s->src[i].pos[a];
		/* a force between parts is the step's, from the state
		 * (step.c's OP_PARTS); it has no coefficient */
		l->src_coef[i] = -1;
		if (s->src[i].state)
			continue;
		l->src_coef[i] = loops_coef(l, s->src[i].strength);
		d = dtable(l, &s->src[i].strength, 1);
		for (p = 0; p < np; p++)
			l->srcd[i] |= !ex_is_num(d[p], 0);
	}
	l->dsrcpos = dtable(l, roots, 2 * s->nsrc);
	for (i = 0; i < s->nout; i++)
		for (a = 0; a < 2; a++)
			roots[i * 2 + a] = s->out[i].pos[a];
	l->doutpos = dtable(l, roots, 2 * s->nout);
	l->dden = dtable(l, &((Scheme *)s)->wden, 1);     /* the sources' weights divide by it */

	/* the seeds */
	l->tseed = seeds(l);
	l->cseed = seeds(l);
	l->sseed = seeds(l);
	for (c = 0; c < nf; c++) {
		/* den is a coefficient for the sources' sake only */
		if (!l->hasd[c] || !loops_in_step(l, c))
			continue;
		if (l->coefs[c].cls == CO_TIME && !(l->coefs[c].e->deps & DEP_STATE))
			l->tseed[c] = l->nts++;
		if (l->coefs[c].cls == CO_SPACE)
			l->sseed[c] = l->nss++;
	}
	/* those that read the state last: @__apsc takes them, at the
	 * state's reads, and @__tvjp the others (emit_vjp.c) */
	for (c = 0; c < nf; c++)
		if (l->hasd[c] && loops_in_step(l, c) && l->coefs[c].cls == CO_TIME
		    && (l->coefs[c].e->deps & DEP_STATE))
			l->tseed[c] = l->nts++;
	for (i = 0; i < s->nsrc; i++) {
		sc = l->src_coef[i];
		if (!l->srcd[i])
			continue;
		if (l->coefs[sc].cls == CO_TIME && l->tseed[sc] < 0)
			l->tseed[sc] = l->nts++;
		if (l->coefs[sc].cls == CO_CONST && l->cseed[sc] < 0)
			l->cseed[sc] = l->ncs++;
	}
}

/* The regions of the step can be one function of arrays (the sweep,
 * emit_loop.c), which another backend may supply (jit_llvm.c), unless a
 * coefficient varies in both space and time (computed inline, from the
 * symbols). */
int
loops_sweepable(const Loops *l)
{
	int r, g;

	for (r = 0; r < l->nreg; r++)
		for (g = 0; g < l->reg[r].ngroups; g++)
			if (l->coefs[l->reg[r].groups[g].coef].cls == CO_SPACETIME)
				return 0;
	return l->force_coef < 0 || l->coefs[l->force_coef].cls != CO_SPACETIME;
}

/* Whether coefficient c is one the forward step uses (a region's group's
 * or the force's). */
int
loops_in_step(const Loops *l, int c)
{
	int r, g;

	if (c == l->force_coef)
		return 1;
	for (r = 0; r < l->nreg; r++)
		for (g = 0; g < l->reg[r].ngroups; g++)
			if (l->reg[r].groups[g].coef == c)
				return 1;
	return 0;
}

/* Whether a coefficient of the step (not the force) varies in time (1),
 * reads the state (2), or both: the grid planner checks stability with
 * them at t = 0 and at rest (discretise.c state_coef) only. */
int
loops_in_time(const Loops *l)
{
	int r, g, cls, f = l->s->nstate_coef ? 2 : 0;
	const Expr *e;

	for (r = 0; r < l->nreg; r++)
		for (g = 0; g < l->reg[r].ngroups; g++) {
			cls = l->coefs[l->reg[r].groups[g].coef].cls;
			e = l->coefs[l->reg[r].groups[g].coef].e;
			if ((cls == CO_TIME || cls == CO_SPACETIME) && (e->deps & (1u << SYM_T)))
				return f | 1;
		}
	return f;
}

/* ---- the gradient's sums that ride along with the adjoint step ----
 * (emit_loop.c emit_adjg, jit_llvm_adj.c).  For a forward coefficient
 * that does not vary in space, the sum over rows of lambda times its taps
 * of u is the sum over points of u[m] times the adjoint group's taps of
 * lambda: each such group adds T u[m] to a sum with a key. */

int
loops_rides(const Loops *l, int c)
{
	return l->fuse && c >= 0 && c < l->nfwd
	       && (l->coefs[c].cls == CO_CONST || l->coefs[c].cls == CO_TIME);
}

int
loops_has_deriv(const Loops *l, int c)
{
	return c >= 0 && c < l->nfwd && l->hasd[c];
}

int
loops_sum_key(const Loops *l, const Group *gr)
{
	int c = gr->fwd;

	if (!loops_rides(l, c) || !loops_has_deriv(l, c))
		return -1;
	return l->coefs[c].cls == CO_CONST ? c : l->nfwd + 2 * c + gr->tap[0].level;
}

int
loops_sum_slots(const Loops *l, int *slot)
{
	int n = 0, r, g, k, nk = 3 * l->nfwd;

	for (k = 0; k < nk; k++)
		slot[k] = -1;
	for (r = 0; r < l->nadj; r++)
		for (g = 0; g < l->adj[r].ngroups; g++)
			if ((k = loops_sum_key(l, &l->adj[r].groups[g])) >= 0)
				slot[k] = 0;
	for (k = 0; k < nk; k++)
		if (slot[k] == 0)
			slot[k] = n++;
	return n;
}

int
region_one_column(const Region *rg)
{
	return rg->lo[0].anchor == rg->hi[0].anchor && rg->lo[0].off == rg->hi[0].off;
}
