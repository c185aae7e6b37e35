/* sema_fields.c — several fields with coordinates (language.md section 11).
 *
 * The rest of the compiler knows one field on a grid plus lumped objects
 * (scalars with an ODE each).  A model with more fields keeps one of them
 * on the grid (the first 2D field with free edges or a conservative form,
 * which a 2D chain does not take, or an integral, which the grid sums as
 * a loop; else the first 2D field, else the first one) and turns every
 * other field into a chain of lumped objects, one per point of its own
 * grid (a 2D one: per interior point, its edges held, pt2 below): the
 * same centred scheme the grid field uses,
 *
 *   w[i].tt = c(x_i) (w[i+1] - 2 w[i] + w[i-1]) / h^2 + ... ,
 *
 * written out as each point's pde before the checks run.  So the state
 * vector is [grid field | each other field's points | lumped objects], the
 * reads, forces, the step program, the adjoint and the gradients are those
 * of lumped objects, unchanged.  The price: such a field's grid is fixed
 * when the model is compiled (`grid N` on its domain, else the finest
 * stable one for the params and rate in force then: plan() below), and
 * its step is scalar code, fine for the tens to hundreds of points of a
 * string.  A read w(X) is sum_i hat_i(X) w[i] with hat_i(X) = max(0, 1 -
 * |X - x_i| / h), which is linear interpolation, differentiable in X as
 * the grid field's reads are; a force F delta(x - X) in w's pde adds
 * F hat_i(X) / (h density(x_i)) at each point, the transpose of that
 * read over point i's mass.
 * The stability of the chain (discretise.c): Gershgorin's bound over the
 * points' couplings, k^2 (|K_ii| + sum |K_ij|) < 4, which for the wave
 * equation is exactly c k / h <= 1. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sema_fields.h"


/* ---- constant folding of the few things the layout needs ---- */

int
fold(const Model *m, const Ast *e, double *v, int depth)
{
	double x, y;
	int i;

	if (!e || depth > 64)
		return 0;
	switch (e->kind) {
	case AX_NUM:
		*v = e->num;
		return 1;
	case AX_NAME:
		if (!strcmp(e->name, "pi")) {
			*v = 3.14159265358979323846;
			return 1;
		}
		for (i = 0; i < m->ndecls; i++)
			if (m->decls[i]->kind == D_CONST && m->decls[i]->name
			    && !strcmp(m->decls[i]->name, e->name))
				return fold(m, m->decls[i]->value, v, depth + 1);
		return 0;
	case AX_UNARY:
		if (e->op != OP_NEG || !fold(m, e->a, &x, depth + 1))
			return 0;
		*v = -x;
		return 1;
	case AX_BINARY:
		if (!fold(m, e->a, &x, depth + 1) || !fold(m, e->b, &y, depth + 1))
			return 0;
		switch (e->op) {
		case OP_ADD: *v = x + y; return 1;
		case OP_SUB: *v = x - y; return 1;
		case OP_MUL: *v = x * y; return 1;
		case OP_DIV: *v = x / y; return isfinite(*v);
		case OP_POW: *v = pow(x, y); return isfinite(*v);
		default: return 0;
		}
	default:
		return 0;
	}
}

static const char *
opt_of(const Decl *d, const char *word, Ast **v, Loc *loc)
{
	int j;

	for (j = 0; j < d->nopts; j++)
		if (!strcmp(d->opts[j].word, word)) {
			*v = d->opts[j].v;
			if (loc)
				*loc = d->opts[j].loc;
			return word;
		}
	return NULL;
}

/* ---- the layout ---- */

static Decl *
domain_named(FS *s, const char *name)
{
	int i;

	for (i = 0; i < s->m->ndecls; i++)
		if (s->m->decls[i]->kind == D_DOMAIN && s->m->decls[i]->name
		    && !strcmp(s->m->decls[i]->name, name))
			return s->m->decls[i];
	return NULL;
}

static int
err(FS *s, Loc l, const char *msg, const char *a, const char *b)
{
	diag_error(s->d, l, msg, a, b);
	s->nerr++;
	return -1;
}

/* The first name in e (or in the lets it names) of a field or lumped
 * object, or a delta(...), or NULL: what a density must not hold (a
 * chain divides a point force by its density: a delta there would
 * recurse for ever).  Found here, before a chain copies its density
 * into every point, not in sema after. */
const Ast *
state_in(const Model *m, const Ast *e, int depth)
{
	const Ast *r;
	int i;

	if (!e || depth > 64)
		return NULL;
	if (e->kind == AX_CALL && !strcmp(e->name, "delta"))
		return e;
	if (e->kind == AX_NAME || e->kind == AX_CALL)
		for (i = 0; i < m->ndecls; i++) {
			const Decl *d = m->decls[i];
			if (!d->name || strcmp(d->name, e->name) != 0)
				continue;
			if (d->kind == D_FIELD)
				return e;
			if (d->kind == D_LET && (r = state_in(m, d->value, depth + 1)))
				return r;
		}
	if ((r = state_in(m, e->a, depth + 1)) || (r = state_in(m, e->b, depth + 1)))
		return r;
	for (i = 0; i < e->nargs; i++)
		if ((r = state_in(m, e->args[i], depth + 1)))
			return r;
	return NULL;
}

/* f's density (NULL: 1), which must not read the state */
static int
density(FS *s, Fld *f)
{
	const Ast *st;

	opt_of(f->f, "density", &f->density, NULL);
	if ((st = state_in(s->m, f->density, 0)) && st->kind == AX_CALL && !strcmp(st->name, "delta"))
		return err(s, st->loc, "cannot use delta in the density of '%s'; it may appear only "
		           "in a pde", f->f->name, NULL);
	if (st)
		return err(s, st->loc, "the density of '%s' reads the state ('%s'); a density is an "
		           "expression of params and the coordinates", f->f->name, st->name);
	return 0;
}

/* setup of a 2D field: domain x in [A, B], y in [C, D], grid NX, NY or
 * planned */
static int
setup2(FS *s, Fld *f)
{
	const Decl *d = f->dom;
	double v[2];
	int k;

	if (strcmp(f->f->args[0], d->coord[0]) != 0 || strcmp(f->f->args[1], d->coord[1]) != 0)
		return err(s, f->f->name_loc, "the field's coordinates must be the domain's: %s(%s, ...)",
		           f->f->name, d->coord[0]);
	f->nd = 2;
	f->coord = d->coord[0];
	f->ycoord = d->coord[1];
	if (!d->grid[0] && !s->m->planner)
		return err(s, d->loc, "the domain '%s' needs `grid NX, NY` here (this tool does not plan "
		           "the grids of fields not on the grid)", d->name, NULL);
	if (d->grid[0] && d->nat != 2)
		return err(s, d->grid[0]->loc, "a 2D domain takes two grid counts: `grid NX, NY`", NULL, NULL);
	for (k = 0; d->grid[0] && k < 2; k++)
		if (!fold(s->m, d->grid[k], &v[k], 0) || v[k] != floor(v[k]) || v[k] < 2 || v[k] > MAXP)
			return err(s, d->grid[k]->loc, "the grid of the domain '%s' must be whole numbers from 2 "
			           "up (a field not on the grid is a chain of lumped objects, one per point)",
			           d->name, NULL);
	if (d->grid[0] && (v[0] + 1) * (v[1] + 1) > MAXP) {
		diag_error(s->d, d->grid[0]->loc, "the grid of the domain '%s' has %g points, more than a 2D "
		           "field not on the grid may have (" MAXP_S "); force a coarser one, `grid NX, NY` "
		           "with (NX + 1) (NY + 1) <= " MAXP_S, d->name, (v[0] + 1) * (v[1] + 1));
		s->nerr++;
		return -1;
	}
	f->n = d->grid[0] ? (int)v[0] : 0;
	f->ny = d->grid[0] ? (int)v[1] : 0;
	if (!fold(s->m, d->from[0], &f->from, 0) || !fold(s->m, d->to[0], &f->to, 0) || !(f->to > f->from)
	    || !fold(s->m, d->from[1], &f->yfrom, 0) || !fold(s->m, d->to[1], &f->yto, 0)
	    || !(f->yto > f->yfrom) || !(f->to - f->from <= 1e100) || !(f->yto - f->yfrom <= 1e100))
		return err(s, d->loc, "the ends of the domain '%s' must be numbers or consts, "
		           "the first below the second, at most 1e100 apart", d->name, NULL);
	f->h = f->n ? (f->to - f->from) / f->n : 0;
	f->hy = f->ny ? (f->yto - f->yfrom) / f->ny : 0;
	return density(s, f);
}

/* f's domain, grid and ends */
static int
setup(FS *s, Fld *f)
{
	Ast *on = NULL, *g;
	Loc onl;
	double v;

	if (!opt_of(f->f, "on", &on, &onl) || on->kind != AX_NAME)
		return err(s, f->f->name_loc, "with several fields each names its domain: "
		           "`field %s(x) on NAME`", f->f->name, NULL);
	if (!(f->dom = domain_named(s, on->name)))
		return err(s, on->loc, "no domain is named '%s'; declare it as `domain %s: x in [A, B] grid N`",
		           on->name, on->name);
	if (f->f->nargs == 2 && f->dom->ndim == 2)
		return setup2(s, f);
	if (f->f->nargs != 1 || f->dom->ndim != 1 || strcmp(f->f->args[0], f->dom->coord[0]) != 0)
		return err(s, f->f->name_loc, "the field's coordinates must be the domain's: %s(%s)",
		           f->f->name, f->dom->ndim == 2 ? "x, y" : f->dom->coord[0]);
	f->nd = 1;
	f->coord = f->dom->coord[0];
	g = f->dom->grid[0];
	if (g && f->dom->nat != 1)
		return err(s, f->dom->grid[1]->loc, "a 1D domain takes one grid count: `grid N`", NULL, NULL);
	if (!g && !s->m->planner)
		return err(s, f->dom->loc, "the domain '%s' needs `grid N` here (this tool does not plan "
		           "the grids of fields not on the grid), e.g. `domain %s: x in [0, 1] grid 60`",
		           f->dom->name, f->dom->name);
	if (g && (!fold(s->m, g, &v, 0) || v != floor(v) || v < 2 || v > MAXN))
		return err(s, g->loc, "the grid of the domain '%s' must be a whole number from 2 to "
		           MAXN_S " (a field not on the grid is a chain of that many lumped objects)",
		           f->dom->name, NULL);
	f->n = g ? (int)v : 0;     /* 0: planned once its ends are known */
	if (!fold(s->m, f->dom->from[0], &f->from, 0) || !fold(s->m, f->dom->to[0], &f->to, 0)
	    || !(f->to > f->from) || !(f->to - f->from <= 1e100))
		return err(s, f->dom->loc, "the ends of the domain '%s' must be numbers or consts, "
		           "the first below the second, at most 1e100 apart", f->dom->name, NULL);
	f->h = f->n ? (f->to - f->from) / f->n : 0;
	return density(s, f);
}

static int end_of(const Fld *f, double v);

/* which edge of f the position coord = v is: 0, 1 the ends along its
 * first axis, 2, 3 those along y (2D); or -1 */
static int
edge_of(const Fld *f, const char *coord, double v)
{
	double tol = 1e-9 * (f->yto - f->yfrom);

	if (!strcmp(coord, f->coord))
		return end_of(f, v);
	if (f->nd == 2 && !strcmp(coord, f->ycoord))
		return fabs(v - f->yfrom) <= tol ? 2 : fabs(v - f->yto) <= tol ? 3 : -1;
	return -1;
}

/* the condition of edge e (edge_of) */
static int *
bcp(Fld *f, int e)
{
	return e < 2 ? &f->bc[e] : &f->bcy[e - 2];
}

/* which end of f (0, 1) the position v is, or -1 */
static int
end_of(const Fld *f, double v)
{
	double tol = 1e-9 * (f->to - f->from);
	return fabs(v - f->from) <= tol ? 0 : fabs(v - f->to) <= tol ? 1 : -1;
}

/* does v lie at an end of the grid field's domain? */
static int
main_end(FS *s, const char *coord, double v)
{
	Decl *d = s->maindom;
	double a, b;
	int j;

	for (j = 0; d && j < d->ndim; j++)
		if (!strcmp(d->coord[j], coord) && fold(s->m, d->from[j], &a, 0) && fold(s->m, d->to[j], &b, 0)
		    && (fabs(v - a) <= 1e-9 * fabs(b - a) || fabs(v - b) <= 1e-9 * fabs(b - a)))
			return 1;
	return 0;
}

/* is name a lumped object (a field without coordinates)? */
static int
lump_named(FS *s, const char *name)
{
	int i;

	for (i = 0; i < s->m->ndecls; i++) {
		const Decl *x = s->m->decls[i];
		if (x->kind == D_FIELD && !x->args && x->name && !strcmp(x->name, name))
			return 1;
	}
	return 0;
}

/* claim the boundary statements of the chains */
static void
boundaries(FS *s)
{
	Model *m = s->m;
	int i, w, k;

	for (i = 0; i < m->ndecls; i++) {
		Decl *d = m->decls[i];
		Fld *f = NULL, *named, *fo[32];
		int ends[32], mine = 0, ne = 0, nmain = 0, *wmain;
		if (d->kind != D_BOUNDARY)
			continue;
		if (d->field && strcmp(d->field, s->main->name) && !chain(s, d->field)) {
			Buf names = {0};
			buf_printf(&names, "'%s'", s->main->name);
			for (k = 0; k < s->nfl; k++)
				buf_printf(&names, "%s'%s'", k == s->nfl - 1 ? " and " : ", ", s->fl[k].f->name);
			diag_error(s->d, d->name_loc, "'%s' is not a field with coordinates%s; the boundaries "
			           "are those of %s", d->field, lump_named(s, d->field) ? " (it is a lumped "
			           "object: a field's end is attached to it, `boundary F at x = A: attached "
			           "Z`)" : "", names.s);
			buf_free(&names);
			s->nerr++;
			continue;
		}
		if (d->field && !(f = chain(s, d->field)))
			continue;                      /* the grid field's: sema checks it */
		named = f;
		/* the wheres of no chain, in an unnamed line: the grid field's */
		wmain = arena_alloc(s->a, (size_t)(d->nwhere + 1) * sizeof *wmain);
		for (w = 0; w < d->nwhere; w++) {
			struct Where *wh = &d->where[w];
			double v;
			Fld *g = NULL;
			if (!wh->coord && named && named->nd == 2) {      /* `edges`: all four */
				if (ne < 8)
					fo[ne] = named, ends[ne++] = 4;
				mine = mine < 0 ? -1 : 1;
				continue;
			}
			if (!wh->coord || !wh->at) {
				if (f && d->field) {
					diag_error(s->d, wh->loc, "the field '%s' is 1D: name its ends, `boundary %s at "
					           "%s = A: ...`", f->f->name, f->f->name, f->coord);
					s->nerr++;
					mine = -1;
				} else
					wmain[nmain++] = w;
				continue;
			}
			if (!fold(m, wh->at, &v, 0)) {
				if (f && d->field)
					err(s, wh->at->loc, "a boundary's position must be a number or a const", NULL,
					    NULL), mine = -1;
				else
					wmain[nmain++] = w;
				continue;
			}
			if (named) {
				if (edge_of(f, wh->coord, v) < 0) {
					if (f->nd == 2)
						diag_error(s->d, wh->loc, "%s = %g is not an edge of the field '%s' "
						           "(%s in [%g, %g], %s in [%g, %g])", wh->coord, v, f->f->name,
						           f->coord, f->from, f->to, f->ycoord, f->yfrom, f->yto);
					else
					diag_error(s->d, wh->loc, "%s = %g is not an end of the field '%s' "
					           "(%s in [%g, %g])", wh->coord, v, f->f->name, f->coord, f->from, f->to);
					s->nerr++;
					mine = -1;
					continue;
				}
				g = f;
			} else {
				int nm = 0;
				for (k = 0; k < s->nfl; k++)
					if (edge_of(&s->fl[k], wh->coord, v) >= 0)
						g = &s->fl[k], nm++;
				if (g && (nm > 1 || main_end(s, wh->coord, v))) {
					diag_error(s->d, wh->loc, "%s = %g is an end of more than one field; name the "
					           "field: `boundary %s at %s = %g: ...`", wh->coord, v,
					           g->f->name, wh->coord, v);
					s->nerr++;
					mine = -1;
					continue;
				}
				if (!g) {        /* the grid field's end, or no field's: its sema says */
					wmain[nmain++] = w;
					continue;
				}
				f = g;   /* each end its own field's (language.md 11) */
			}
			if (ne < 8)
				fo[ne] = g, ends[ne++] = edge_of(g, wh->coord, v);
			mine = mine < 0 ? -1 : 1;
		}
		if (!f || mine == 0)
			continue;
		if (nmain && mine > 0) {
			/* language.md 11: a name may be left out where the position is
			 * an end of one field only; a line of ends of the grid field
			 * and of a chain is one line for each, the grid field's here */
			struct Where *keep = arena_alloc(s->a, (size_t)nmain * sizeof *keep);
			for (w = 0; w < nmain; w++)
				keep[w] = d->where[wmain[w]];
			d->where = keep;
			d->nwhere = nmain;
		} else
			s->drop[i] = 1;
		if (mine < 0)
			continue;
		for (k = ne - 1; k >= 0; k--)        /* `edges` as its four edges */
			if (ends[k] == 4) {
				memmove(ends + k + 3, ends + k, (size_t)(ne - k) * sizeof *ends);
				memmove(fo + k + 3, fo + k, (size_t)(ne - k) * sizeof *fo);
				ends[k] = 0, ends[k + 1] = 1, ends[k + 2] = 2, ends[k + 3] = 3;
				fo[k + 1] = fo[k + 2] = fo[k];
				ne += 3;
			}
		for (k = 0; k < ne; k++) {
			f = fo[k];
			int bc = !strcmp(d->cond, "fixed") ? BC_FIXED : !strcmp(d->cond, "free") ? BC_FREE
			         : !strcmp(d->cond, "clamped") ? BC_CLAMPED
			         : !strcmp(d->cond, "simply_supported") || !strcmp(d->cond, "pinned") ? BC_SS
			         : d->attach && lump_named(s, d->attach) ? BC_ATTACHED : 0;
			if (!bc && d->attach) {
				err(s, d->attach_loc, "'%s' is not a lumped object; an end is attached to "
				    "one, `field %s mass M`", d->attach, d->attach);
				for (k = 0; k < ne; k++)
					*bcp(fo[k], ends[k]) = BC_FIXED;
				break;
			}
			if (f->nd == 2 && bc == BC_ATTACHED) {
				diag_error(s->d, d->cond_loc, "the edges of the 2D field '%s' may be fixed, clamped, "
				    "simply_supported or free (not yet attached: a 2D field not on the grid is not "
				    "attached; the grid went to '%s', the first 2D field with attached or free "
				    "edges)", f->f->name, s->main->name);
				s->nerr++;
				for (k = 0; k < ne; k++)
					*bcp(fo[k], ends[k]) = BC_FIXED;
				break;
			}
			if (!bc) {
				err(s, d->cond_loc, "the ends of the field '%s' may be fixed, clamped, "
				    "simply_supported (pinned), free or attached Z (not yet %s)", f->f->name, d->cond);
				for (k = 0; k < ne; k++)
					*bcp(fo[k], ends[k]) = BC_FIXED;   /* said: not missing too */
				break;
			}
			if (*bcp(f, ends[k])) {
				err(s, d->loc, "a second condition for this end of the field '%s'", f->f->name, NULL);
				break;
			}
			*bcp(f, ends[k]) = bc;
			if (ends[k] < 2) {
				f->bc_loc[ends[k]] = d->cond_loc;
				f->att[ends[k]] = d->attach;
			} else {
				f->bcy_loc[ends[k] - 2] = d->cond_loc;
			}
		}
	}
	for (k = 0; k < s->nfl; k++)
		for (w = 0; s->fl[k].nd == 2 && w < 4; w++)
			if (!*bcp(&s->fl[k], w)) {
				const Fld *f = &s->fl[k];
				diag_error(s->d, f->f->name_loc, "no boundary condition for the field '%s' at %s = %g; "
				           "add `boundary %s at edges: fixed` (or clamped, simply_supported), or name "
				           "that edge", f->f->name, w < 2 ? f->coord : f->ycoord,
				           w == 0 ? f->from : w == 1 ? f->to : w == 2 ? f->yfrom : f->yto, f->f->name);
				s->nerr++;
			}
	for (k = 0; k < s->nfl; k++)
		for (w = 0; s->fl[k].nd == 1 && w < 2; w++)
			if (!s->fl[k].bc[w]) {
				diag_error(s->d, s->fl[k].f->name_loc, "no boundary condition for the field '%s' at "
				           "%s = %g; add `boundary %s at %s = %g: fixed` (or free)", s->fl[k].f->name,
				           s->fl[k].coord, w ? s->fl[k].to : s->fl[k].from, s->fl[k].f->name,
				           s->fl[k].coord, w ? s->fl[k].to : s->fl[k].from);
				s->nerr++;
			}
}

/* output NAME = w(X) or w.t(X) of a chain at one of its points: that
 * point, a lumped object the gather reads as it is; else -1 (an
 * expression: linear interpolation between two points) */
static int
grid_output(FS *s, const Decl *x)
{
	Fld *f = chain(s, x->field);
	double v, y;
	int p, q;

	if (f && f->nd == 2) {
		if (x->nat != 2 || (x->lhs_letters[0] && strcmp(x->lhs_letters, "t") != 0)
		    || !fold(s->m, x->at[0], &v, 0) || !fold(s->m, x->at[1], &y, 0))
			return -1;
		p = (int)floor((v - f->from) / f->h + 0.5);
		q = (int)floor((y - f->yfrom) / f->hy + 0.5);
		if (p < 0 || p > f->n || q < 0 || q > f->ny
		    || fabs(v - (f->from + p * f->h)) > 1e-9 * (f->to - f->from)
		    || fabs(y - (f->yfrom + q * f->hy)) > 1e-9 * (f->yto - f->yfrom)
		    || !f->pt[p * (f->ny + 1) + q])
			return -1;
		return p * (f->ny + 1) + q;
	}
	if (!f || x->nat != 1 || (x->lhs_letters[0] && strcmp(x->lhs_letters, "t") != 0)
	    || !fold(s->m, x->at[0], &v, 0))
		return -1;
	p = (int)floor((v - f->from) / f->h + 0.5);
	if (p < 0 || p > f->n || fabs(v - (f->from + p * f->h)) > 1e-9 * (f->to - f->from)
	    || !f->pt[p])
		return -1;
	return p;
}

static void check_derivs(FS *s, const Fld *f, const Ast *e);
static void cons_check(FS *s, const Fld *f, const Ast *e, Ast *t);

/* check_derivs of a 2D field's pde: what deriv2, lapify and the reads
 * take (before its grid is planned, so nothing is written out) */
static void
check2(FS *s, const Fld *f, const Ast *e)
{
	const Fld *g;
	int j, qx, qy, qt;

	if (!e)
		return;
	if (e->kind == AX_DERIV && e->paren) {
		cons_check(s, f, e, e->a);
		return;
	}
	if (e->kind == AX_DERIV && e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name)) {
		letters2(s, f, e->letters, e->loc, &qx, &qy, &qt);
		return;
	}
	if (e->kind == AX_DERIV && e->a->kind == AX_CALL && (g = chain(s, e->a->name))
	    && g->nd == 2 && strcmp(e->letters, "t") != 0) {
		rw(s, f, 0, NULL, (Ast *)e);
		return;
	}
	if (e->kind == AX_CALL && e->nargs == 1 && (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap"))) {
		check2(s, f, lap_call(s, f, (Ast *)e));
		return;
	}
	if (e->kind == AX_CALL && !strcmp(e->name, "integral"))
		return;     /* its slopes are its own (sema_chain.c chain_integral2) */
	check2(s, f, e->a);
	check2(s, f, e->b);
	for (j = 0; j < e->nargs; j++)
		check2(s, f, e->args[j]);
}

/* check_derivs of a conservative form's bracket t: each term's shape */
static void
cons_check(FS *s, const Fld *f, const Ast *e, Ast *t)
{
	Ast *coef, *d, *g;

	if (f->nd == 2 && cons_letters(f, e->letters) < 0) {
		rw(s, f, 0, NULL, (Ast *)e);   /* its message */
		return;
	}
	if (f->nd != 2 && cons_letters(f, e->letters) < 0) {
		rw(s, f, 0, NULL, (Ast *)e);   /* its message */
		return;
	}
	if (t->kind == AX_BINARY && (t->op == OP_ADD || t->op == OP_SUB)) {
		cons_check(s, f, e, t->a);
		cons_check(s, f, e, t->b);
	} else if (t->kind == AX_UNARY && t->op == OP_NEG) {
		cons_check(s, f, e, t->a);
	} else {
		switch (cons_kind(s, f, e, t, &coef, &d, &g)) {
		case C_COMMUTE: check_derivs(s, f, g); break;
		case C_BAD: break;
		default:
			if (free_plate(f))    /* as the grid field's (lower.c plate_split) */
				err(s, e->loc, "the plate '%s' has a free edge: a conservative form's coefficient "
				    "may not vary along its axis (the free edges' rows take coefficients times %s, "
				    "its .xx, .yy, .xxxx, .yyyy and .xxyy)", f->f->name, f->f->name);
			check_derivs(s, f, coef);
			break;
		}
	}
}

/* Report the derivatives of f that its chain does not take (before its
 * grid is planned: the field alone would take more). */
static void
check_derivs(FS *s, const Fld *f, const Ast *e)
{
	static const char *const ok[] = {"t", "x", "xt", "tx", "xx", "xxt", "txx", "xxxx"};
	const Fld *g;
	double v;
	int j, n = 0;

	if (!e)
		return;
	if (f->nd == 2) {
		check2(s, f, e);
		return;
	}
	if (e->kind == AX_DERIV && e->paren) {
		cons_check(s, f, e, e->a);
		return;
	} else if (e->kind == AX_DERIV && e->a->kind == AX_CALL && (g = chain(s, e->a->name))
	           && g->nd == 2 && strcmp(e->letters, "t") != 0) {
		rw(s, f, 0, NULL, (Ast *)e);   /* its message */
	} else if (e->kind == AX_DERIV && e->a->kind == AX_CALL && (g = chain(s, e->a->name))
	           && dletters(g, e->letters, "x")) {
		slope_at(s, g, e->a, &v);
	} else if (e->kind == AX_DERIV && e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name)) {
		for (j = 0; j < (int)(sizeof ok / sizeof *ok); j++)
			n += dletters(f, e->letters, ok[j]);
		if (!n)
			rw(s, f, 0, NULL, (Ast *)e);   /* its message; no point is read */
	}
	check_derivs(s, f, e->a);
	check_derivs(s, f, e->b);
	for (j = 0; j < e->nargs; j++)
		check_derivs(s, f, e->args[j]);
}

/* how many points f has, held ones included */
static int
npts(const Fld *f)
{
	return f->nd == 2 ? (f->n + 1) * (f->ny + 1) : f->n + 1;
}

/* is point i an end attached to a lumped object? */
static int
attached(const Fld *f, int i)
{
	return (i == 0 && f->bc[0] == BC_ATTACHED) || (i == f->n && f->bc[1] == BC_ATTACHED);
}

static Decl *
copy_decl(FS *s, const Decl *d)
{
	Decl *c = arena_alloc(s->a, sizeof *c);
	*c = *d;
	return c;
}

/* ---- the automatic grid (language.md 11: "the finest stable one for its
 * own equation ..., with the coupling springs counted in the stability of
 * the points they touch") ----
 *
 * A chain's size is fixed here, so its grid is planned here: the field is
 * written as the one field of a model of its own (`alone`), which the
 * planner the CLI gives compiles and plans exactly as the grid field's
 * (same rate, k, params in force, the same von Neumann analysis), so a
 * string gets the same N as a second field as alone.  The other parts are
 * held still there (their reads are 0), and a force at a point that reads
 * them counts twice: a spring K (z - w(X)) between two parts is at most
 * springs of 2K from each to the ground (K (a - b)(a - b)' <= 2K (a a' +
 * b b')), so the whole is stable when each part is stable alone with its
 * springs doubled; the grid field and lumped objects count theirs so too
 * (discretise.c). */

static int
other_part(const FS *s, const Fld *f, const char *name)
{
	int i;

	for (i = 0; name && i < s->m->ndecls; i++) {
		const Decl *x = s->m->decls[i];
		if (x->kind == D_FIELD && x != f->f && x->name && !strcmp(x->name, name))
			return 1;
	}
	return 0;
}

/* does e read another part, itself or through a let (a time let `F(t)`
 * is called) or an fn's body? */
static int
reads_other(const FS *s, const Fld *f, const Ast *e, int depth)
{
	const Decl *x;
	int i;

	if (!e || depth > 64)
		return 0;
	if ((e->kind == AX_NAME || e->kind == AX_CALL) && other_part(s, f, e->name))
		return 1;
	if ((e->kind == AX_NAME || e->kind == AX_CALL) && (x = model_lookup(s->m, e->name))
	    && (x->kind == D_LET || x->kind == D_FN) && reads_other(s, f, x->value, depth + 1))
		return 1;
	if (reads_other(s, f, e->a, depth) || reads_other(s, f, e->b, depth))
		return 1;
	for (i = 0; i < e->nargs; i++)
		if (reads_other(s, f, e->args[i], depth))
			return 1;
	return 0;
}

static int
has_delta(const Ast *e)
{
	int i;

	if (!e)
		return 0;
	if (e->kind == AX_CALL && !strcmp(e->name, "delta"))
		return 1;
	if (has_delta(e->a) || has_delta(e->b))
		return 1;
	for (i = 0; i < e->nargs; i++)
		if (has_delta(e->args[i]))
			return 1;
	return 0;
}

/* e with every read of another part as 0, and a point force that read one
 * doubled (the comment above) */
static Ast *
still(FS *s, const Fld *f, Ast *e)
{
	Ast *c;
	int j;

	if (!e)
		return NULL;
	if (e->kind == AX_BINARY && e->op == OP_MUL
	    && ((has_delta(e->a) && reads_other(s, f, e->b, 0))
	        || (has_delta(e->b) && reads_other(s, f, e->a, 0)))) {
		c = arena_alloc(s->a, sizeof *c);
		*c = *e;
		c->a = still(s, f, e->a);
		c->b = still(s, f, e->b);
		return ast_binary(s->a, OP_MUL, num(s, 2, e->loc), c, e->loc);
	}
	if ((e->kind == AX_NAME || e->kind == AX_CALL) && other_part(s, f, e->name))
		return num(s, 0, e->loc);
	if (e->kind == AX_DERIV && (e->a->kind == AX_NAME || e->a->kind == AX_CALL)
	    && other_part(s, f, e->a->name))
		return num(s, 0, e->loc);
	c = arena_alloc(s->a, sizeof *c);
	*c = *e;
	c->a = still(s, f, e->a);
	c->b = still(s, f, e->b);
	if (e->nargs) {
		c->args = arena_alloc(s->a, (size_t)e->nargs * sizeof *c->args);
		for (j = 0; j < e->nargs; j++)
			c->args[j] = still(s, f, e->args[j]);
	}
	return c;
}

/* `boundary F at COORD = V: COND` */
static Decl *
end_decl(FS *s, const Fld *f, int side)
{
	/* an attached end is held while the grid is planned, as the grid
	 * field's is (its end point is not updated by the stencil) */
	static const char *const word[] = {[BC_FIXED] = "fixed", [BC_CLAMPED] = "clamped",
	                                   [BC_SS] = "simply_supported", [BC_FREE] = "free",
	                                   [BC_ATTACHED] = "fixed"};
	Loc l = f->f->name_loc;
	Ast *at = num(s, side ? f->to : f->from, l);
	AstList *w = ast_list(s->a, NULL, ast_where(s->a, f->coord, at, l));
	const char *c = f->order == 4 && f->bc[side] == BC_ATTACHED ? "simply_supported" : word[f->bc[side]];

	return ast_boundary(s->a, f->f->name, l, w, c, l, NULL, l, l);
}

/* Do a let's arguments name the coordinates of domain dom? */
static int
coords_of(const Decl *x, const Decl *dom)
{
	int i;

	if (!dom || x->nargs != dom->ndim)
		return 0;
	for (i = 0; i < x->nargs; i++)
		if (!dom->coord[i] || strcmp(x->args[i], dom->coord[i]))
			return 0;
	return 1;
}

/* f as the one field of a model of its own, checked; NULL after messages */
static Model *
alone(FS *s, const Fld *f)
{
	Model *m = arena_alloc(s->a, sizeof *m);
	AstList *l = NULL, *at;
	Loc fl = f->f->name_loc;
	int i;

	memset(m, 0, sizeof *m);
	m->as_points = 1;
	m->name = s->m->name;
	m->name_loc = s->m->name_loc;
	m->src = s->m->src;
	m->arena = s->a;
	for (i = 0; i < s->m->ndecls; i++) {
		Decl *x = s->m->decls[i], *c;
		switch (x->kind) {
		case D_POTENTIAL:   /* its own, and its start: the planner bounds */
			if (!mentions(x->value, f->f->name))    /* its stiffness (docs 17) */
				continue;
			goto copy;
		case D_INIT:
			if (x != f->init && x != f->init_t)
				continue;
			goto copy;
		case D_DOMAIN: case D_FIELD: case D_PDE:
			if (x != f->dom && x != f->f && x != f->pde)
				continue;
			/* fallthrough */
		case D_IMPORT: case D_CONST: case D_PARAM: case D_LET: case D_FN: case D_RATE: case D_NET:
		copy:
			c = copy_decl(s, x);
			if (x == f->dom)    /* planned, whatever `grid` says (forced) */
				c->grid[0] = c->grid[1] = NULL;
			if (x->kind == D_LET || x->kind == D_PDE || x->kind == D_POTENTIAL)   /* what may read the state */
				c->value = still(s, f, x->value);
			/* split (sema_spring.c): split again here, its form lowered
			 * a second time beside the force already in the pde, so
			 * counted 1.5 times (a spring to a second string: 111
			 * intervals for the linear coupling's 115).  Counted once,
			 * the grid is the linear part's, but this model's energy
			 * bound has no other part's energy (the grid field's init),
			 * and the SAV rest's stiffness then left no grid for the
			 * whole model (a probe's: K3 / 4 d^4 on 3 mm of pluck); the
			 * margin stays until the whole model's energy bounds it */
			if (x->kind == D_POTENTIAL && x->sav)
				c->sav = still(s, f, x->sav);
			/* a coefficient over another field's coordinates: a fn here */
			if (x->kind == D_LET && x->nargs && !(x->nargs == 1 && !strcmp(x->args[0], "t"))
			    && !coords_of(x, f->dom))
				c->kind = D_FN;
			l = ast_list(s->a, l, c);
			break;
		default:
			break;
		}
	}
	if (f->nd == 2) {
		static const char *const word[] = {[BC_FIXED] = "fixed", [BC_CLAMPED] = "clamped",
		                                   [BC_SS] = "simply_supported", [BC_FREE] = "free"};
		for (i = 0; i < 4; i++) {
			/* `boundary F at x = A: COND`, one edge a line */
			const char *co = i < 2 ? f->coord : f->ycoord;
			double v = i == 0 ? f->from : i == 1 ? f->to : i == 2 ? f->yfrom : f->yto;
			AstList *w = ast_list(s->a, NULL, ast_where(s->a, co, num(s, v, fl), fl));
			l = ast_list(s->a, l, ast_boundary(s->a, f->f->name, fl, w, word[*bcp((Fld *)f, i)], fl,
			                                   NULL, fl, fl));
		}
		at = ast_list(s->a, NULL, num(s, 0.5 * (f->from + f->to), fl));
		ast_list(s->a, at, num(s, 0.5 * (f->yfrom + f->yto), fl));
	} else {
		l = ast_list(s->a, l, end_decl(s, f, 0));
		l = ast_list(s->a, l, end_decl(s, f, 1));
		at = ast_list(s->a, NULL, num(s, 0.5 * (f->from + f->to), fl));
	}
	l = ast_list(s->a, l, ast_output(s->a, "out", fl, ast_call(s->a, f->f->name, fl, at, fl), fl));
	m->decls = (Decl **)l->v;
	m->ndecls = l->n;
	return sema_check(m, s->d) == 0 ? m : NULL;
}

/* The params e reads, itself or through the lets, fns and consts it
 * names, added to f's deps once each; a net makes them all (its
 * weights).  seen: the decls already walked, so a let named twice is
 * walked once. */
static void
deps_walk(FS *s, const Model *m, Fld *f, const Ast *e, AstList *seen)
{
	const Decl *x;
	int i;

	if (!e || f->alldeps)
		return;
	if ((e->kind == AX_NAME || e->kind == AX_CALL) && e->name && (x = model_lookup(m, e->name))) {
		for (i = 0; i < seen->n && seen->v[i] != x; i++)
			;
		if (i == seen->n) {
			ast_list(s->a, seen, (void *)x);
			if (x->kind == D_NET)
				f->alldeps = 1;
			else if (x->kind == D_PARAM)
				f->deps = ast_list(s->a, f->deps, (void *)x->name);
			else if (x->kind == D_LET || x->kind == D_FN || x->kind == D_CONST)
				deps_walk(s, m, f, x->value, seen);
		}
	}
	deps_walk(s, m, f, e->a, seen);
	deps_walk(s, m, f, e->b, seen);
	for (i = 0; i < e->nargs; i++)
		deps_walk(s, m, f, e->args[i], seen);
}

/* The params the planner's model m (alone) may read: what its pde,
 * potentials, inits, boundaries, domain and field read.  A built
 * program or the REPL compiles the model again only when one of these
 * moves (any param did: a velocity's change warned, and recompiled). */
static void
grid_deps(FS *s, const Model *m, Fld *f)
{
	AstList *seen = arena_alloc(s->a, sizeof *seen);
	int i, j;

	for (i = 0; i < m->ndecls && !f->alldeps; i++) {
		const Decl *x = m->decls[i];
		switch (x->kind) {
		case D_PDE: case D_POTENTIAL: case D_INIT: case D_RATE:
			deps_walk(s, m, f, x->value, seen);
			deps_walk(s, m, f, x->sav, seen);
			break;
		case D_DOMAIN:
			for (j = 0; j < 2; j++) {
				deps_walk(s, m, f, x->from[j], seen);
				deps_walk(s, m, f, x->to[j], seen);
				deps_walk(s, m, f, x->grid[j], seen);
			}
			break;
		case D_BOUNDARY:
			for (j = 0; j < x->nwhere; j++)
				deps_walk(s, m, f, x->where[j].at, seen);
			break;
		case D_FIELD:
			deps_walk(s, m, f, x->density, seen);
			deps_walk(s, m, f, x->mass, seen);
			for (j = 0; j < x->nopts; j++)
				deps_walk(s, m, f, x->opts[j].v, seen);
			break;
		default:
			break;
		}
	}
}

static void
plan(FS *s, Fld *f)
{
	char why[1024] = "";
	Model *m;
	int n[2] = {0, 0};

	if (!f->bc[0] || !f->bc[1] || !f->pde || !(m = alone(s, f))) {
		s->nerr++;
		return;
	}
	if (s->m->planner->plan(s->m->planner->ctx, m, n, why, sizeof why) != 0) {
		/* the compiled model's "LINE:COL: " (emit_c.c cg_loc_text) left
		 * out: this message has the field's place */
		const char *w = msg_after_place(why);

		if (why[0] && strstr(w, "`grid N"))    /* the planner's says how already */
			diag_error(s->d, f->f->name_loc, "no grid for the field '%s': %s (its domain: '%s')",
			           f->f->name, w, f->dom->name);
		else if (why[0])
			diag_error(s->d, f->f->name_loc, "no grid for the field '%s': %s; or force one, "
			           "`grid N` on its domain '%s'", f->f->name, w, f->dom->name);
		s->nerr++;
		return;
	}
	if (f->nd == 2 && (double)(n[0] + 1) * (n[1] + 1) > MAXP) {
		diag_error(s->d, f->f->name_loc, "the finest stable grid of the 2D field '%s' is %d x %d "
		           "intervals, %d points, more than a 2D field not on the grid may have (" MAXP_S
		           "); declare '%s' before '%s' (the first 2D field takes the grid), force a "
		           "coarser grid, `grid NX, NY` on its domain '%s' with (NX + 1) (NY + 1) <= " MAXP_S
		           ", or use a lower rate (-r: the finest stable grid follows the time step)",
		           f->f->name, n[0], n[1], (n[0] + 1) * (n[1] + 1), f->f->name, s->main->name,
		           f->dom->name);
		s->nerr++;
		return;
	}
	if (f->nd == 1 && n[0] > MAXN) {
		diag_error(s->d, f->f->name_loc, "the finest stable grid of the field '%s' has %d "
		           "intervals, more than a field not on the grid may have (" MAXN_S "); force "
		           "a coarser one, `grid N` on its domain '%s', or use a lower rate (-r: the finest stable grid follows the time step)", f->f->name,
		           n[0], f->dom->name);
		s->nerr++;
		return;
	}
	f->n = n[0];
	f->h = (f->to - f->from) / n[0];
	if (f->nd == 2) {
		f->ny = n[1];
		f->hy = (f->yto - f->yfrom) / n[1];
	}
	f->planned = 1;
	grid_deps(s, m, f);
}

/* `grid N` forced on a 1D field's domain: the grid the planner would give
 * it, for the message of a forced grid found unstable when the model
 * starts (language.md 3: it names a stable N).  The planner counts the
 * coupling springs twice, so its grid is stable in the whole model, if
 * not always the largest that is.  Nothing when it cannot plan. */
static void
forced(FS *s, Fld *f)
{
	char why[1024];
	int n[2] = {0, 0};
	Model *m;
	Diag quiet = {0}, *d = s->d;

	if (!f->bc[0] || !f->bc[1] || !f->pde)
		return;
	quiet.out = fopen("/dev/null", "w");
	s->d = &quiet;
	m = quiet.out ? alone(s, f) : NULL;
	s->d = d;
	if (m && s->m->planner->plan(s->m->planner->ctx, m, n, why, sizeof why) == 0)
		f->stable = n[0];
	if (quiet.out)
		fclose(quiet.out);
}

/* Does e hold an integral over the field v, or (own: in v's pde) a
 * conservative form (E).x?  A 2D chain takes both, but the grid sums an
 * integral as a loop and computes a form's coefficients once per point. */
static int
grid_wants(const Ast *e, const char *v, int own)
{
	int j;

	if (!e)
		return 0;
	if (e->kind == AX_CALL && e->name && !strcmp(e->name, "integral") && e->nargs == 1
	    && mentions(e->args[0], v))
		return 1;
	if (own && e->kind == AX_DERIV && e->paren)
		return 1;
	if (grid_wants(e->a, v, own) || grid_wants(e->b, v, own))
		return 1;
	for (j = 0; j < e->nargs; j++)
		if (grid_wants(e->args[j], v, own))
			return 1;
	return 0;
}

/* Is the pde of the 2D field f of fourth order in space? */
static int
fourth_order(const Model *m, const Decl *f)
{
	const Decl *x = model_pde(m, f->name);
	Fld t;

	memset(&t, 0, sizeof t);
	t.f = (Decl *)f;
	t.nd = 2;
	t.coord = f->args[0];
	t.ycoord = f->args[1];
	return x && xorder(&t, x->value) >= 4;
}

/* Does e read v.t(X), the field v's own velocity at a point, under a
 * function (in, nonzero: inside one's arguments), in e or the lets it
 * names?  That is a bow (language.md 12), which the grid's Newton
 * solve takes (discretise.c build_implicit) and a chain does not: a
 * chain's pde must be linear in its points' velocities.  A damper
 * -R u.t(X) is linear and left to whichever part gets the grid. */
static const Ast *
bow_in(const Model *m, const Ast *e, const char *v, int in, int depth)
{
	const Ast *r;
	int i, fn;

	if (!e || depth > 64)
		return NULL;
	if (in && e->kind == AX_DERIV && !strcmp(e->letters, "t") && e->a->kind == AX_CALL && e->a->nargs
	    && !strcmp(e->a->name, v))
		return e;
	if (e->kind == AX_NAME || e->kind == AX_CALL)
		for (i = 0; i < m->ndecls; i++) {
			const Decl *d = m->decls[i];
			if (d->kind == D_LET && d->name && !strcmp(d->name, e->name)
			    && (r = bow_in(m, d->value, v, in, depth + 1)))
				return r;
		}
	fn = e->kind == AX_CALL && strcmp(e->name, "delta") != 0 && strcmp(e->name, "lap") != 0
	     && strcmp(e->name, "bilap") != 0;
	fn = fn || (e->kind == AX_BINARY && e->op == OP_POW);
	if ((r = bow_in(m, e->a, v, in || fn, depth + 1)) || (r = bow_in(m, e->b, v, in || fn, depth + 1)))
		return r;
	for (i = 0; i < e->nargs; i++)
		if ((r = bow_in(m, e->args[i], v, in || fn, depth + 1)))
			return r;
	return NULL;
}

/* the bow in the pde of the field f, or NULL */
static const Ast *
bowed(const Model *m, const Decl *f)
{
	const Decl *x = model_pde(m, f->name);

	return x ? bow_in(m, x->value, f->name, 0, 0) : NULL;
}

/* Is an edge of f attached to a lumped object? */
static int
has_attached(const Model *m, const Decl *f)
{
	int i;

	for (i = 0; i < m->ndecls; i++) {
		const Decl *x = m->decls[i];
		if (x->kind == D_BOUNDARY && x->field && !strcmp(x->field, f->name) && x->attach)
			return 1;
	}
	return 0;
}

/* How much the 2D field f needs the grid: 2 for attached edges, which
 * its chain does not take (sema_chain.c), or free ones at fourth order,
 * whose rows a chain writes out at every point (plate2, up to 25 terms)
 * but the grid computes as loops; 1 for free edges at second order, a
 * conservative form in its pde or an integral over it, which a chain
 * takes but the grid computes as loops (grid_wants); else 0. */
static int
needs_grid(const Model *m, const Decl *f)
{
	int i, need = 0;

	for (i = 0; i < m->ndecls; i++) {
		const Decl *x = m->decls[i];
		if (x->kind == D_BOUNDARY && x->field && !strcmp(x->field, f->name) && x->cond
		    && (!strcmp(x->cond, "free") || x->attach)) {
			if (x->attach || fourth_order(m, f))
				return 2;
			need = 1;
		}
		if (x->kind != D_FIELD && x->value
		    && grid_wants(x->value, f->name, x->kind == D_PDE && x->field && !strcmp(x->field, f->name)))
			need = 1;
	}
	return need;
}

/* A let over the coordinates of a field off the grid, `let A(x, y)` for
 * a plate beside a string on the grid (language.md 3, 11), is a
 * coefficient over that field: called in its pde with its coordinates,
 * as a fn of them.  It becomes that fn (the grid's sema knows its own
 * coordinates only, and so does each field's model alone). */
static void
space_lets(FS *s)
{
	int i, k;

	for (i = 0; i < s->m->ndecls; i++) {
		Decl *x = s->m->decls[i];
		if (x->kind != D_LET || !x->nargs || (x->nargs == 1 && !strcmp(x->args[0], "t"))
		    || coords_of(x, s->maindom))
			continue;
		for (k = 0; k < s->nfl; k++)
			if (coords_of(x, s->fl[k].dom)) {
				x->kind = D_FN;
				break;
			}
	}
}

/* Does e read a field with coordinates, or a let or fn (which may)? */
static int
reads_field(const Model *m, const Ast *e)
{
	const Decl *d;
	int j;

	if (!e)
		return 0;
	if ((e->kind == AX_NAME || e->kind == AX_CALL) && e->name && (d = model_lookup(m, e->name))
	    && ((d->kind == D_FIELD && d->args) || d->kind == D_LET || d->kind == D_FN))
		return 1;
	if (reads_field(m, e->a) || reads_field(m, e->b))
		return 1;
	for (j = 0; j < e->nargs; j++)
		if (reads_field(m, e->args[j]))
			return 1;
	return 0;
}

/* The terms of a pde that hold a delta, the others left out (a delta
 * enters linearly: a factor of a product, a numerator); NULL when none */
static Ast *
delta_part(FS *s, Ast *e)
{
	Ast *a, *b;

	if (!e || !mentions(e, "delta"))
		return NULL;
	if (e->kind == AX_UNARY && e->op == OP_NEG)
		return (a = delta_part(s, e->a)) ? ast_unary(s->a, OP_NEG, a, e->loc) : NULL;
	if (e->kind != AX_BINARY)
		return e;
	switch (e->op) {
	case OP_ADD:
	case OP_SUB:
		a = delta_part(s, e->a);
		b = delta_part(s, e->b);
		if (!b)
			return a;
		return a ? bin(s, e->op, a, b) : e->op == OP_SUB ? ast_unary(s->a, OP_NEG, b, e->loc) : b;
	case OP_MUL:
		return mentions(e->a, "delta") ? bin(s, OP_MUL, delta_part(s, e->a), e->b)
		                               : bin(s, OP_MUL, e->a, delta_part(s, e->b));
	case OP_DIV:
		return bin(s, OP_DIV, delta_part(s, e->a), e->b);
	default:
		return e;
	}
}

/* A point force in the cell next to chain f's end attached to an object
 * (language.md 11.1): its share of the end point, F hat_N(X), is the
 * object's, as the read there takes the object; added to the object's
 * pde over its mass, as discretise.c end_shares does for the grid field
 * (dropped, a spring there lost 4.3e-3 of E over 0.45 s) */
static void
end_share(FS *s, const Fld *f, int side, Decl **out, int no)
{
	Ast *d = delta_part(s, f->pde->value), *mass = NULL, *t;
	int i, j;

	if (!d)
		return;
	for (i = 0; i < no; i++)
		if (out[i]->kind == D_FIELD && !strcmp(out[i]->name, f->att[side]))
			for (j = 0; j < out[i]->nopts; j++)
				if (!strcmp(out[i]->opts[j].word, "mass"))
					mass = out[i]->opts[j].v;
	s->to_mass = mass ? mass : num(s, 1, d->loc);
	s->mute = 1;
	t = rw(s, f, side ? f->n : 0, NULL, d);
	s->mute = 0;
	s->to_mass = NULL;
	for (i = 0; i < no; i++)
		if (out[i]->kind == D_PDE && out[i]->value && out[i]->field && !strcmp(out[i]->field, f->att[side]))
			out[i]->value = bin(s, OP_ADD, out[i]->value, t);
}

/* integral(E) whose E reads no field, as integral(1): with several
 * fields, each on a domain of its own, it is over whose?  (The grid
 * field's, silently, before.) */
static void
whose_integral(FS *s, const Ast *e, int depth)
{
	int j;

	if (!e || depth > 200)
		return;
	if (e->kind == AX_CALL && e->name && !strcmp(e->name, "integral") && e->nargs == 1
	    && !model_lookup(s->m, "integral") && !reads_field(s->m, e->args[0]))
		err(s, e->loc, "integral(E) reads no field here, and the model's fields have "
		    "several domains: over whose is it?  Read the field in E (integral(0 * %s "
		    "+ 1) is the length of the domain of '%s'), or write its value as a number",
		    s->main->name, s->main->name);
	whose_integral(s, e->a, depth + 1);
	whose_integral(s, e->b, depth + 1);
	for (j = 0; j < e->nargs; j++)
		whose_integral(s, e->args[j], depth + 1);
}

int
sema_fields(Model *m, Diag *d)
{
	FS s;
	Decl **out;
	int i, j, k, nf = 0, no = 0, main2d = -1, need = 0, bow = -1;

	/* the grid field: the first 2D field that needs the grid most, else
	 * the first 2D field, else the first */
	for (i = 0; i < m->ndecls; i++)
		if (m->decls[i]->kind == D_FIELD && m->decls[i]->args) {
			nf++;
			if (m->decls[i]->nargs == 2) {
				int ni = needs_grid(m, m->decls[i]);
				if (main2d < 0 || ni > need)
					main2d = i, need = ni;
			}
		}
	if (nf < 2)
		return 0;
	/* a bowed field gets the grid: only its Newton solve takes a bow */
	for (i = 0; i < m->ndecls; i++) {
		const Ast *b;
		if (m->decls[i]->kind != D_FIELD || !m->decls[i]->args || !(b = bowed(m, m->decls[i])))
			continue;
		if (bow >= 0) {
			diag_error(d, b->loc, "a bow on '%s' and one on '%s': only the field on the grid takes "
			           "a velocity-dependent force (its Newton solve, docs/language.md 16), and one field "
			           "has the grid; bow one of them, or couple the other through a damper linear "
			           "in its velocity", m->decls[bow]->name, m->decls[i]->name);
			return 1;
		}
		bow = i;
	}
	if (bow >= 0 && main2d >= 0 && main2d != bow && has_attached(m, m->decls[main2d])) {
		diag_error(d, bowed(m, m->decls[bow])->loc, "the bow on '%s' needs the grid, and so do the "
		           "attached edges of '%s' (a 2D field off the grid is not attached): hold those "
		           "edges otherwise (fixed, clamped, simply_supported, free), or take the bow off "
		           "'%s'", m->decls[bow]->name, m->decls[main2d]->name, m->decls[bow]->name);
		return 1;
	}
	if (bow >= 0)
		main2d = bow;
	memset(&s, 0, sizeof s);
	s.m = m;
	s.d = d;
	s.a = m->arena;
	s.fl = arena_alloc(s.a, (size_t)nf * sizeof *s.fl);
	s.drop = arena_alloc(s.a, (size_t)m->ndecls + 1);
	memset(s.drop, 0, (size_t)m->ndecls + 1);
	for (i = 0; i < m->ndecls; i++) {
		Decl *f = m->decls[i];
		if (f->kind != D_FIELD || !f->args)
			continue;
		if (!s.main && (main2d < 0 || main2d == i)) {
			Ast *on;
			s.main = f;
			if (opt_of(f, "on", &on, NULL) && on->kind == AX_NAME)
				s.maindom = domain_named(&s, on->name);
			else
				for (j = 0; j < m->ndecls && !s.maindom; j++)
					if (m->decls[j]->kind == D_DOMAIN && !m->decls[j]->name)
						s.maindom = m->decls[j];
			continue;
		}
		memset(&s.fl[s.nfl], 0, sizeof s.fl[s.nfl]);
		s.fl[s.nfl].f = f;
		s.drop[i] = 1;
		s.nfl++;
	}
	for (k = 0; k < s.nfl; k++)
		setup(&s, &s.fl[k]);
	for (j = 0; j < m->ndecls; j++)    /* each field has a domain of its own */
		whose_integral(&s, m->decls[j]->value, 0);
	/* a const that reads the state: said here, as sema says it of one
	 * field's model (each field's planning model, which has the consts
	 * but not the other parts, said "unknown name 'z'") */
	for (j = 0; j < m->ndecls; j++) {
		const Decl *x = m->decls[j];
		const Ast *r = NULL, *w[3] = {x->value, NULL, NULL};
		const char *what = x->kind == D_CONST ? "a const" : x->kind == D_RATE ? "the rate" : "a param";
		int q;
		if (x->kind == D_PARAM)
			w[1] = x->lo, w[2] = x->hi;
		else if (x->kind != D_CONST && x->kind != D_RATE)
			continue;
		for (q = 0; q < 3 && !r; q++)
			if ((r = state_in(m, w[q], 0)) && !strcmp(r->name, "delta"))
				r = NULL;
		if (r) {
			const Decl *f = model_lookup(m, r->name);
			diag_error(d, r->loc, "cannot use the %s '%s' in %s; the state may be read only in a "
			           "pde, a time signal and an output", f && f->nargs ? "field"
			           : "lumped object", r->name, what);
			s.nerr++;
		}
	}
	if (s.nerr)
		return 1;
	space_lets(&s);
	for (k = 0; k < s.nfl; k++)    /* the grid field's stays (a field may share it) */
		for (j = 0; j < m->ndecls; j++)
			if (m->decls[j] == s.fl[k].dom && s.fl[k].dom != s.maindom)
				s.drop[j] = 1;
	boundaries(&s);
	/* the chains' points, their pdes and inits */
	for (k = 0; k < s.nfl; k++) {
		Fld *f = &s.fl[k];
		for (j = 0; j < m->ndecls; j++) {
			Decl *x = m->decls[j];
			if ((x->kind == D_PDE || x->kind == D_INIT) && x->field && !strcmp(x->field, f->f->name)) {
				Decl **slot = x->kind == D_PDE ? &f->pde : x->lhs_letters[0] ? &f->init_t : &f->init;
				if (x->kind == D_PDE && strcmp(x->lhs_letters, "tt") != 0)
					err(&s, x->lhs_loc, "the left-hand side of the pde must be %s.tt", x->field, NULL);
				else if (x->kind == D_INIT && x->lhs_letters[0] && strcmp(x->lhs_letters, "t") != 0)
					err(&s, x->lhs_loc, "init sets %s or %s.t", x->field, x->field);
				else if (*slot)
					err(&s, x->loc, "a second statement for '%s' here", x->field, NULL);
				x->value = sf_bare_calls(&s, f, x->value);
				*slot = x;
				s.drop[j] = 1;
			}
		}
		if (!f->pde) {
			err(&s, f->f->name_loc, "the field '%s' has no pde; add `pde %s.tt = ...`", f->f->name,
			    f->f->name);
			continue;
		}
		f->density = sf_bare_calls(&s, f, f->density);
		f->order = xorder(f, f->pde->value) >= 4 ? 4 : 2;
		check_derivs(&s, f, f->pde->value);
		for (j = 0; f->nd == 2 && f->order == 4 && j < 4; j++)
			if (*bcp(f, j) == BC_FIXED) {
				err(&s, j < 2 ? f->bc_loc[j] : f->bcy_loc[j - 2], "the field '%s' is of fourth order "
				    "in space: name its edges' condition, clamped or simply_supported", f->f->name, NULL);
				break;
			}
		if (free_plate(f))
			plate_check(&s, f);
		for (j = 0; f->nd == 1 && j < 2; j++)
			if (f->order == 4 && f->bc[j] == BC_FIXED && (j == 0 || f->bc_loc[1].off != f->bc_loc[0].off
			                                              || f->bc[0] != BC_FIXED))
				err(&s, f->bc_loc[j], "the field '%s' is of fourth order in space: name its end's "
				    "condition, clamped, simply_supported (pinned) or free", f->f->name, NULL);
	}
	for (k = 0; k < s.nfl && !s.nerr; k++)
		if (!s.fl[k].n)
			plan(&s, &s.fl[k]);
		else if (s.fl[k].nd == 1 && s.m->planner)
			forced(&s, &s.fl[k]);
	/* a free plate's rows (plate.c) reach two points in from each edge,
	 * as the grid field's need 5 intervals (emit_c.c's @__minn) */
	for (k = 0; k < s.nfl && !s.nerr; k++) {
		Fld *f = &s.fl[k];
		if (f->nd == 2 && free_plate(f) && (f->n < 5 || f->ny < 5)) {
			Ast *g = f->dom->grid[f->n < 5 ? 0 : 1];
			diag_error(d, g ? g->loc : f->dom->loc, "the plate '%s' has a free edge: its grid "
			           "needs at least 5 intervals per axis (here %d x %d); use a finer `grid`",
			           f->f->name, f->n, f->ny);
			s.nerr++;
		}
	}
	if (s.nerr)
		return 1;
	for (k = 0; k < s.nfl; k++) {
		Fld *f = &s.fl[k];
		f->pt = arena_alloc(s.a, (size_t)npts(f) * sizeof *f->pt);
		for (i = 0; f->nd == 2 && i < npts(f); i++) {
			/* the points not on a held edge (free edges are
			 * updated), named w[i,j] */
			char buf[256];
			int a = i / (f->ny + 1), b = i % (f->ny + 1);
			f->pt[i] = NULL;
			if ((a > 0 || f->bc[0] == BC_FREE) && (a < f->n || f->bc[1] == BC_FREE)
			    && (b > 0 || f->bcy[0] == BC_FREE) && (b < f->ny || f->bcy[1] == BC_FREE)) {
				snprintf(buf, sizeof buf, "%s[%d,%d]", f->f->name, a, b);
				f->pt[i] = arena_strdup(s.a, buf);
			}
		}
		for (i = 0; f->nd == 1 && i <= f->n; i++) {
			char buf[256];
			int side = i == 0 ? 0 : i == f->n ? 1 : -1;
			if (side >= 0 && f->bc[side] == BC_ATTACHED) {
				f->pt[i] = f->att[side];    /* the end is the object (language.md 11.1) */
				continue;
			}
			if (side >= 0 && f->bc[side] != BC_FREE) {
				f->pt[i] = NULL;
				continue;
			}
			snprintf(buf, sizeof buf, "%s[%d]", f->f->name, i);
			f->pt[i] = arena_strdup(s.a, buf);
		}
	}
	out = arena_alloc(s.a, (size_t)(m->ndecls + 1) * sizeof *out);
	for (i = 0; i < m->ndecls; i++) {
		Decl *x = m->decls[i], *c;
		int p;
		if (s.drop[i])
			continue;
		c = copy_decl(&s, x);
		if (x->kind == D_OUTPUT && (p = grid_output(&s, x)) >= 0) {
			c->field = chain(&s, x->field)->pt[p];
			c->nat = 0;
		} else if (x->kind == D_OUTPUT) {
			/* any other output is an expression of the reads (docs/language.md 18) */
			c->value = rw(&s, NULL, 0, NULL, x->value);
			if (chain(&s, x->field))
				c->field = NULL;
		} else if (x->kind == D_PDE || x->kind == D_LET || x->kind == D_INIT || x->kind == D_POTENTIAL) {
			s.in_pot = x->kind == D_POTENTIAL;
			c->value = rw(&s, NULL, 0, NULL, x->value);
			if (x->kind == D_POTENTIAL && x->sav)    /* SAV's part (sema_spring.c) */
				c->sav = rw(&s, NULL, 0, NULL, x->sav);
			s.in_pot = 0;
		}
		out[no++] = c;
	}
	for (k = 0; k < s.nfl; k++) {
		Fld *f = &s.fl[k];
		int extra = 0;
		Decl **nv;
		int done = 0;
		for (i = 0; i < npts(f); i++)
			extra += f->pt[i] && !attached(f, i) ? 2 + (f->init != NULL) + (f->init_t != NULL) : 0;
		nv = arena_alloc(s.a, (size_t)(no + extra + 1) * sizeof *nv);
		memcpy(nv, out, (size_t)no * sizeof *nv);
		out = nv;
		for (i = 0; i < npts(f); i++) {
			Loc l = f->f->name_loc;
			Ast *mass;
			AstList *opts;
			Decl *z;
			double share;
			if (!f->pt[i] || attached(f, i))
				continue;
			s.mute = f->nd == 2 ? done++ > 0 : i > 0 && f->pt[i - 1];
			/* its share of the length, h (h / 2 at a free end: the grid
			 * field's energy weighs those so, energy_text); of the area,
			 * hx hy, in 2D (halved along each axis at a free edge) */
			if (f->nd == 2) {
				int a = i / (f->ny + 1), b = i % (f->ny + 1);
				share = f->h * f->hy * (a == 0 || a == f->n ? 0.5 : 1) * (b == 0 || b == f->ny ? 0.5 : 1);
			} else {
				share = i == 0 || i == f->n ? f->h / 2 : f->h;
			}
			mass = bin(&s, OP_MUL, f->density ? rw(&s, f, i, NULL, f->density) : num(&s, 1, l),
			           num(&s, share, l));
			opts = ast_list(s.a, NULL, ast_field_opt(s.a, "mass", l, mass));
			z = ast_field(s.a, f->pt[i], l, NULL, opts, f->f->loc);
			z->src = f->f->src;
			z->gridpt = k + 1;
			out[no++] = z;
			z = copy_decl(&s, f->pde);
			z->field = f->pt[i];
			z->value = rw(&s, f, i, NULL, f->pde->value);
			out[no++] = z;
			if (f->init) {
				z = copy_decl(&s, f->init);
				z->field = f->pt[i];
				z->value = rw(&s, f, i, NULL, f->init->value);
				out[no++] = z;
			}
			if (f->init_t) {
				z = copy_decl(&s, f->init_t);
				z->field = f->pt[i];
				z->value = rw(&s, f, i, NULL, f->init_t->value);
				out[no++] = z;
			}
		}
		s.mute = 0;
		for (i = 0; f->nd == 1 && i < 2; i++)
			if (f->bc[i] == BC_ATTACHED)
				end_share(&s, f, i, out, no);
	}
	if (s.nerr)
		return 1;
	m->decls = out;
	m->ndecls = no;
	m->chains = arena_alloc(s.a, (size_t)s.nfl * sizeof *m->chains);
	for (k = 0; k < s.nfl; k++) {
		struct Chain *c = &m->chains[k];
		c->name = s.fl[k].f->name;
		c->coord = s.fl[k].coord;
		c->n = s.fl[k].n;
		c->from = s.fl[k].from;
		c->to = s.fl[k].to;
		c->planned = s.fl[k].planned;
		c->stable = s.fl[k].stable;
		if (s.fl[k].deps) {
			c->deps = (const char **)s.fl[k].deps->v;
			c->ndeps = s.fl[k].deps->n;
		}
		c->alldeps = s.fl[k].alldeps;
		if (s.fl[k].dom && s.fl[k].dom->grid[0])
			c->grid_loc = s.fl[k].dom->grid[0]->loc;
		if (s.fl[k].nd == 2) {
			c->ycoord = s.fl[k].ycoord;
			c->ny = s.fl[k].ny;
			c->yfrom = s.fl[k].yfrom;
			c->yto = s.fl[k].yto;
		}
	}
	m->nchains = s.nfl;
	return 0;
}
