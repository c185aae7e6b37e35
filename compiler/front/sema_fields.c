/* sema_fields.c — several fields with coordinates (language.md section 11).
 *
 * The rest of the compiler knows one field on a grid plus lumped objects
 * (scalars with an ODE each).  A model with more fields keeps one of them
 * on the grid (the first 2D field, else the first one) and turns every
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

#include "sema.h"

/* the most intervals a chain holds: its step is code per point */
#define MAXN 4000
#define MAXN_S "4000"
/* the most points a 2D chain holds, held edges counted */
#define MAXP 4000
#define MAXP_S "4000"

typedef struct Fld {
	Decl *f, *dom;             /* the field and its domain */
	const char *coord;
	int n;                     /* intervals */
	double from, to, h;
	Ast *density;              /* NULL: 1 */
	int bc[2];                 /* BC_FIXED, BC_CLAMPED, BC_SS or BC_FREE */
	Loc bc_loc[2];
	const char *att[2];        /* BC_ATTACHED: the lumped object at that end */
	int order;                 /* in space: 2, or 4 (w.xxxx in its pde) */
	Decl *pde, *init, *init_t;
	int planned;               /* n is the finest stable grid, not `grid N` */
	const char **pt;           /* [i]: the lumped object of point i, NULL at a fixed end;
	                            * 2D: [i (ny + 1) + j], NULL on a held edge */
	/* a 2D field (nd 2): its second axis, the fields above being its first */
	int nd;
	const char *ycoord;
	int ny;
	double yfrom, yto, hy;
	int bcy[2];
	Loc bcy_loc[2];
} Fld;

typedef struct FS {
	Model *m;
	Diag *d;
	Arena *a;
	Fld *fl; int nfl;          /* the fields turned into chains */
	Decl *main, *maindom;
	unsigned char *drop;       /* [decl]: taken out of the model */
	int nerr;
	int depth;                 /* lets of the coordinates inlined by rw */
	int in_pot;                /* rw of a potential */
	int mute;                  /* a chain's pde is rewritten once per point:
	                            * its errors are reported at the first */
} FS;

/* an error of a rewritten expression, once however many points it is
 * rewritten for */
#define RERR(s, ...) do { if (!(s)->mute) diag_error((s)->d, __VA_ARGS__); (s)->nerr++; } while (0)

/* ---- constant folding of the few things the layout needs ---- */

static int
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

/* ---- building expressions ---- */

static Ast *
num(FS *s, double v, Loc l)
{
	return ast_num(s->a, v, l);
}

static Ast *
bin(FS *s, AstOp op, Ast *a, Ast *b)
{
	return ast_binary(s->a, op, a, b, a->loc);
}

static Ast *
call1(FS *s, const char *fn, Ast *x)
{
	AstList *l = ast_list(s->a, NULL, x);
	return ast_call(s->a, fn, x->loc, l, x->loc);
}

static Ast *
call2(FS *s, const char *fn, Ast *x, Ast *y)
{
	AstList *l = ast_list(s->a, NULL, x);
	ast_list(s->a, l, y);
	return ast_call(s->a, fn, x->loc, l, x->loc);
}

static Ast *pt(FS *s, const Fld *f, int i, int vel, Loc l);

/* a point beyond an end, as points inside: the ghost points of the grid
 * field (language.md 6, lower.c).  Second order: the mirror image beyond
 * a free end (a held one's neighbour is never updated).  Fourth order, at
 * distance 1: clamped u[1], simply supported -u[1], free or attached (u[0]
 * the object) 2 u[0] - u[1];
 * at distance 2 (free only): u[2] - 4 u[1] + 4 u[0]; j counts inward. */
static Ast *
ghost(FS *s, const Fld *f, int i, int vel, Loc l)
{
	int side = i > f->n, d = side ? i - f->n : -i, bc = f->bc[side];
	Ast *in[3];
	int j;

	for (j = 0; j < 3; j++)
		in[j] = pt(s, f, side ? f->n - j : j, vel, l);
	if (f->order == 2)
		return bc == BC_FREE ? pt(s, f, side ? f->n - d : d, vel, l) : num(s, 0, l);
	if (d == 1 && bc == BC_CLAMPED)
		return in[1];
	if (d == 1 && bc == BC_SS)
		return ast_unary(s->a, OP_NEG, in[1], l);
	if (d == 1 && (bc == BC_FREE || bc == BC_ATTACHED))   /* attached: pinned on it */
		return bin(s, OP_SUB, bin(s, OP_MUL, num(s, 2, l), in[0]), in[1]);
	if (d == 2 && bc == BC_FREE)
		return bin(s, OP_ADD, bin(s, OP_SUB, in[2], bin(s, OP_MUL, num(s, 4, l), in[1])),
		           bin(s, OP_MUL, num(s, 4, l), in[0]));
	return num(s, 0, l);
}

/* point i's value (vel 0) or velocity (1: centred at its own point, 2:
 * (w[n] - w[n-1]) / k, as the grid field takes u.xt and u.xxt): 0 at a
 * held end, a ghost beyond an end */
static Ast *
pt(FS *s, const Fld *f, int i, int vel, Loc l)
{
	Ast *e;

	if (i < 0 || i > f->n)
		return ghost(s, f, i, vel, l);
	if (!f->pt[i])
		return num(s, 0, l);
	e = ast_name(s->a, f->pt[i], l);
	if (!vel)
		return e;
	e = ast_deriv(s->a, e, "t", l);
	e->back = vel == 2;
	return e;
}

/* a sum as a balanced tree (the checks refuse deep ones) */
static Ast *
sum(FS *s, Ast **v, int n, Loc l)
{
	if (n == 0)
		return num(s, 0, l);
	if (n == 1)
		return v[0];
	return bin(s, OP_ADD, sum(s, v, n / 2, l), sum(s, v + n / 2, n - n / 2, l));
}

/* hat_i(X) = max(0, 1 - |X - x_i| / h), x_i = from + i h, along one
 * axis; a number when X is one */
static Ast *
hat_ax(FS *s, double from, double h, int i, Ast *X)
{
	Loc l = X->loc;
	double v;
	Ast *dx;

	if (fold(s->m, X, &v, 0))
		return num(s, fmax(0, 1 - fabs(v - (from + i * h)) / h), l);
	dx = call1(s, "abs", bin(s, OP_SUB, X, num(s, from + i * h, l)));
	return call2(s, "max", num(s, 0, l), bin(s, OP_SUB, num(s, 1, l), bin(s, OP_DIV, dx, num(s, h, l))));
}

static Ast *
hat(FS *s, const Fld *f, int i, Ast *X)
{
	return hat_ax(s, f->from, f->h, i, X);
}

/* w(X) or w.t(X): sum_i hat_i(X) w[i] */
static Ast *
interp(FS *s, const Fld *f, Ast *X, int vel)
{
	Ast **v = arena_alloc(s->a, (size_t)(f->n + 2) * sizeof *v);
	int i, n = 0;
	double x;

	if (fold(s->m, X, &x, 0) && !(x >= f->from && x <= f->to)) {
		RERR(s, X->loc, "%g is outside the field '%s' (%s in [%g, %g])", x, f->f->name,
		           f->coord, f->from, f->to);
		s->nerr++;
	}
	/* a number X: its two points only, so a join at a fixed place costs
	 * O(1), not O(N), per read */
	for (i = 0; i <= f->n; i++)
		if (f->pt[i] && !(fold(s->m, X, &x, 0) && fabs(x - (f->from + i * f->h)) >= f->h))
			v[n++] = bin(s, OP_MUL, hat(s, f, i, X), pt(s, f, i, vel, X->loc));
	return sum(s, v, n, X->loc);
}

/* ---- a 2D field (nd 2): points (i, j), i along x, j along y ---- */

/* point (i, j)'s value or velocity (vel as pt's).  Beyond an edge, its
 * ghost: one axis at a time (language.md 6), the mirror image across a
 * clamped edge of a fourth-order field, minus it across a simply
 * supported one (the grid field's rule, lower.c); 0 on a held edge and
 * beyond one at second order, where no update reaches past it. */
static Ast *
pt2(FS *s, const Fld *f, int i, int j, int vel, Loc l)
{
	int side, bc;
	Ast *e;

	if (i < 0 || i > f->n || j < 0 || j > f->ny) {
		int inx = i < 0 || i > f->n;
		side = inx ? i > f->n : j > f->ny;
		bc = inx ? f->bc[side] : f->bcy[side];
		if (f->order != 4 || (bc != BC_CLAMPED && bc != BC_SS))
			return num(s, 0, l);
		e = inx ? pt2(s, f, side ? 2 * f->n - i : -i, j, vel, l)
		        : pt2(s, f, i, side ? 2 * f->ny - j : -j, vel, l);
		return bc == BC_SS ? ast_unary(s->a, OP_NEG, e, l) : e;
	}
	if (!f->pt[i * (f->ny + 1) + j])
		return num(s, 0, l);
	e = ast_name(s->a, f->pt[i * (f->ny + 1) + j], l);
	if (!vel)
		return e;
	e = ast_deriv(s->a, e, "t", l);
	e->back = vel == 2;
	return e;
}

/* Dx^qx Dy^qy at point (i, j), qx, qy in {0, 2, 4}: the tensor product of
 * the centred [1, -2, 1] / h^2 and [1, -4, 6, -4, 1] / h^4 the grid field
 * uses (so u.xxyy is Dxx Dyy, the 9-point stencil, and bilap the 13-point
 * one, NSS 12.2) */
static Ast *
stencil2(FS *s, const Fld *f, int i, int j, int qx, int qy, int vel, Loc l)
{
	static const double d0[] = {1}, d2[] = {1, -2, 1}, d4[] = {1, -4, 6, -4, 1};
	const double *cx = qx == 4 ? d4 : qx == 2 ? d2 : d0, *cy = qy == 4 ? d4 : qy == 2 ? d2 : d0;
	int rx = qx / 2, ry = qy / 2, a, b, n = 0;
	Ast *v[25];

	for (a = -rx; a <= rx; a++)
		for (b = -ry; b <= ry; b++) {
			Ast *p = pt2(s, f, i + a, j + b, vel, l);
			double c = cx[a + rx] * cy[b + ry];
			v[n++] = c == 1 ? p : bin(s, OP_MUL, num(s, c, l), p);
		}
	return bin(s, OP_DIV, sum(s, v, n, l), num(s, pow(f->h, qx) * pow(f->hy, qy), l));
}

/* w(X, Y) or w.t(X, Y) of a 2D field: bilinear interpolation, sum over
 * points of hat_i(X) hat_j(Y) w[i,j]; when X and Y are numbers its four
 * points only */
static Ast *
interp2(FS *s, const Fld *f, Ast *X, Ast *Y, int vel)
{
	Ast **v = arena_alloc(s->a, (size_t)(f->n + 1) * (size_t)(f->ny + 1) * sizeof *v);
	int i, j, n = 0, fx = 0, fy = 0;
	double x = 0, y = 0;

	if ((fx = fold(s->m, X, &x, 0)) && !(x >= f->from && x <= f->to))
		RERR(s, X->loc, "%g is outside the field '%s' (%s in [%g, %g])", x, f->f->name,
		     f->coord, f->from, f->to);
	if ((fy = fold(s->m, Y, &y, 0)) && !(y >= f->yfrom && y <= f->yto))
		RERR(s, Y->loc, "%g is outside the field '%s' (%s in [%g, %g])", y, f->f->name,
		     f->ycoord, f->yfrom, f->yto);
	for (i = 0; i <= f->n; i++) {
		if (fx && fabs(x - (f->from + i * f->h)) >= f->h)
			continue;
		for (j = 0; j <= f->ny; j++)
			if (f->pt[i * (f->ny + 1) + j] && !(fy && fabs(y - (f->yfrom + j * f->hy)) >= f->hy))
				v[n++] = bin(s, OP_MUL, bin(s, OP_MUL, hat(s, f, i, X),
				                            hat_ax(s, f->yfrom, f->hy, j, Y)),
				             pt2(s, f, i, j, vel, X->loc));
	}
	return sum(s, v, n, X->loc);
}

static Fld *
chain(FS *s, const char *name)
{
	int i;

	for (i = 0; name && i < s->nfl; i++)
		if (!strcmp(s->fl[i].f->name, name))
			return &s->fl[i];
	return NULL;
}

/* ---- rewriting expressions ---- */

/* 2D: delta(x - X, y - Y) as the call @at(X, Y), which rw rewrites as
 * any call and interp2 and the weights read */
static Ast *
delta_pos2(FS *s, const Fld *f, Ast *e, int report)
{
	Ast *a = e->nargs == 2 ? e->args[0] : NULL, *b = e->nargs == 2 ? e->args[1] : NULL;

	if (!a || !b || a->kind != AX_BINARY || a->op != OP_SUB || a->a->kind != AX_NAME
	    || strcmp(a->a->name, f->coord) != 0 || b->kind != AX_BINARY || b->op != OP_SUB
	    || b->a->kind != AX_NAME || strcmp(b->a->name, f->ycoord) != 0) {
		if (report)
			RERR(s, e->loc, "a point force on the 2D field '%s' is written F * delta(%s - X, %s - Y)",
			     f->f->name, f->coord, f->ycoord);
		return NULL;
	}
	return call2(s, "@at", a->b, b->b);
}

/* X when e is delta(coord - X), else NULL */
static Ast *
delta_pos(FS *s, const Fld *f, Ast *e, int report)
{
	Ast *a;

	if (e->kind != AX_CALL || strcmp(e->name, "delta") != 0)
		return NULL;
	if (f->nd == 2)
		return delta_pos2(s, f, e, report);
	a = e->nargs == 1 ? e->args[0] : NULL;
	if (!a || a->kind != AX_BINARY || a->op != OP_SUB || a->a->kind != AX_NAME
	    || strcmp(a->a->name, f->coord) != 0) {
		if (report) {
			RERR(s, e->loc, "a point force on the field '%s' is written "
			           "F * delta(%s - X)", f->f->name, f->coord);
			s->nerr++;
		}
		return NULL;
	}
	return a->b;
}

/* the delta factor of a product term, or NULL */
static Ast *
term_delta(FS *s, const Fld *f, Ast *e)
{
	Ast *x;

	if (e->kind == AX_CALL)
		return delta_pos(s, f, e, 0);
	if (e->kind == AX_UNARY && e->op == OP_NEG)
		return term_delta(s, f, e->a);
	if (e->kind == AX_BINARY && (e->op == OP_MUL || e->op == OP_DIV)) {
		if ((x = term_delta(s, f, e->a)))
			return x;
		if (e->op == OP_MUL)
			return term_delta(s, f, e->b);
	}
	return NULL;
}

static Ast *rw(FS *s, const Fld *own, int i, Ast *X, Ast *e);

static Ast *
rw_call_read(FS *s, const Fld *own, int i, Ast *X, Ast *b, int vel, Loc l)
{
	Fld *f = chain(s, b->name);

	if (f->nd == 2) {
		if (b->nargs != 2) {
			RERR(s, b->loc, "%s is read at a point with 2 coordinates: %s(X, Y)", b->name, b->name);
			return num(s, 0, l);
		}
		return interp2(s, f, rw(s, own, i, X, b->args[0]), rw(s, own, i, X, b->args[1]), vel);
	}
	if (b->nargs != 1) {
		RERR(s, b->loc, "%s is read at a point with 1 coordinate: %s(X)", b->name,
		           b->name);
		s->nerr++;
		return num(s, 0, l);
	}
	return interp(s, f, rw(s, own, i, X, b->args[0]), vel);
}

/* w.x(X): the slope (w[i+1] - w[i]) / h of the cell holding X, at an end
 * the one-sided difference (language.md 11.1), as the grid field reads
 * it; X a number, so that the cell is known here */
static int
slope_at(FS *s, const Fld *f, const Ast *b, double *v)
{
	if (b->nargs != 1 || !fold(s->m, b->args[0], v, 0)) {
		diag_error(s->d, b->loc, "%s.x(X) of a second field reads the slope at X, a number or a "
		           "const", f->f->name);
		s->nerr++;
		return -1;
	}
	if (!(*v >= f->from && *v <= f->to)) {
		diag_error(s->d, b->args[0]->loc, "%g is outside the field '%s' (%s in [%g, %g])", *v,
		           f->f->name, f->coord, f->from, f->to);
		s->nerr++;
		return -1;
	}
	return 0;
}

/* w.xxx(B): the shear at an end of a fourth-order chain with w.xx = 0
 * there, (w[2] - 2 w[1] + w[0]) / h^3 or minus its mirror, as the grid
 * field reads it (discretise.c shear_read) */
static Ast *
shear(FS *s, const Fld *f, Ast *b)
{
	Loc l = b->loc;
	double v, h3 = f->h * f->h * f->h;
	int side = -1, e;

	if (b->nargs == 1 && fold(s->m, b->args[0], &v, 0))
		side = v == f->from ? 0 : v == f->to ? 1 : -1;
	if (f->order != 4 || side < 0 || (f->bc[side] != BC_SS && f->bc[side] != BC_ATTACHED)) {
		RERR(s, b->loc, "%s.xxx(X) reads the shear at an end of a fourth-order field that is "
		     "simply_supported or attached there (X = %g or %g)", f->f->name, f->from, f->to);
		return num(s, 0, l);
	}
	e = side ? f->n : 0;
	return bin(s, OP_DIV, bin(s, OP_ADD, bin(s, OP_SUB, pt(s, f, side ? e - 2 : e + 2, 0, l),
	                                         bin(s, OP_MUL, num(s, 2, l), pt(s, f, side ? e - 1 : e + 1, 0, l))),
	                          pt(s, f, e, 0, l)),
	           num(s, side ? -h3 : h3, l));
}

static Ast *
slope(FS *s, const Fld *f, Ast *b)
{
	Loc l = b->loc;
	double v;
	int i;

	if (slope_at(s, f, b, &v) < 0)
		return num(s, 0, l);
	i = (int)floor((v - f->from) / f->h);
	i = i < 0 ? 0 : i >= f->n ? f->n - 1 : i;
	return bin(s, OP_DIV, bin(s, OP_SUB, pt(s, f, i + 1, 0, l), pt(s, f, i, 0, l)), num(s, f->h, l));
}

/* does e mention the name v (a coordinate, the field)? */
static int
mentions(const Ast *e, const char *v)
{
	int j;

	if (!e)
		return 0;
	if ((e->kind == AX_NAME || e->kind == AX_CALL) && e->name && !strcmp(e->name, v))
		return 1;
	if (mentions(e->a, v) || mentions(e->b, v))
		return 1;
	for (j = 0; j < e->nargs; j++)
		if (mentions(e->args[j], v))
			return 1;
	return 0;
}

/* e with the coordinate v as the number x (a coefficient at a half point) */
static Ast *
at_coord(FS *s, Ast *e, const char *v, double x)
{
	Ast *c;
	int j;

	if (!e)
		return NULL;
	if (e->kind == AX_NAME && !strcmp(e->name, v))
		return num(s, x, e->loc);
	c = arena_alloc(s->a, sizeof *c);
	*c = *e;
	c->a = at_coord(s, e->a, v, x);
	c->b = at_coord(s, e->b, v, x);
	if (e->nargs) {
		c->args = arena_alloc(s->a, (size_t)e->nargs * sizeof *c->args);
		for (j = 0; j < e->nargs; j++)
			c->args[j] = at_coord(s, e->args[j], v, x);
	}
	return c;
}

/* a term of a bracket, coef * d with d a derivative of the field f (or
 * f itself): d, and *coef (NULL: 1); NULL when f is not a factor of it */
static Ast *
factor(FS *s, const Fld *f, Ast *e, Ast **coef)
{
	Ast *d, *c = NULL;

	*coef = NULL;
	if ((e->kind == AX_NAME && !strcmp(e->name, f->f->name))
	    || (e->kind == AX_DERIV && !e->paren && e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name)))
		return e;
	if (e->kind == AX_UNARY && e->op == OP_NEG && (d = factor(s, f, e->a, &c))) {
		*coef = ast_unary(s->a, OP_NEG, c ? c : num(s, 1, e->loc), e->loc);
		return d;
	}
	if (e->kind != AX_BINARY || (e->op != OP_MUL && e->op != OP_DIV))
		return NULL;
	if (!mentions(e->b, f->f->name) && (d = factor(s, f, e->a, &c))) {
		*coef = c ? bin(s, e->op, c, e->b)
		       : e->op == OP_MUL ? e->b : bin(s, OP_DIV, num(s, 1, e->loc), e->b);
		return d;
	}
	if (e->op == OP_MUL && !mentions(e->a, f->f->name) && (d = factor(s, f, e->b, &c))) {
		*coef = c ? bin(s, OP_MUL, e->a, c) : e->a;
		return d;
	}
	return NULL;
}

/* e with the names v[j] as the expressions a[j] */
static Ast *
subst(FS *s, Ast *e, const char **v, Ast **a, int n)
{
	Ast *c;
	int j;

	if (!e)
		return NULL;
	if (e->kind == AX_NAME)
		for (j = 0; j < n; j++)
			if (!strcmp(e->name, v[j]))
				return a[j];
	c = arena_alloc(s->a, sizeof *c);
	*c = *e;
	c->a = subst(s, e->a, v, a, n);
	c->b = subst(s, e->b, v, a, n);
	if (e->nargs) {
		c->args = arena_alloc(s->a, (size_t)e->nargs * sizeof *c->args);
		for (j = 0; j < e->nargs; j++)
			c->args[j] = subst(s, e->args[j], v, a, n);
	}
	return c;
}

/* the let of the coordinates NAME(x) that e calls, or NULL (a time
 * signal NAME(t) stays a call: lumped objects take those) */
static const Decl *
coef_let(const FS *s, const Ast *e)
{
	int i;

	for (i = 0; i < s->m->ndecls; i++) {
		const Decl *x = s->m->decls[i];
		if (x->kind == D_LET && x->name && !strcmp(x->name, e->name) && x->nargs > 0
		    && x->nargs == e->nargs && strcmp(x->args[0], "t") != 0)
			return x;
	}
	return NULL;
}

/* the chain whose field e reads (w, w.x), or NULL; *slope: as w.x */
static Fld *
int_field(FS *s, const Ast *e, int *slope, int *both)
{
	Fld *f = NULL, *g;
	int j;

	if (!e)
		return NULL;
	if (e->kind == AX_NAME && (f = chain(s, e->name))) {
		*both |= *slope == 1;
		*slope = *slope == 1 ? 1 : 0;
		return f;
	}
	if (e->kind == AX_DERIV && e->a->kind == AX_NAME && (f = chain(s, e->a->name))) {
		*both |= *slope == 0 || strcmp(e->letters, f->coord) != 0;
		*slope = 1;
		return f;
	}
	if ((g = int_field(s, e->a, slope, both)))
		f = g;
	if ((g = int_field(s, e->b, slope, both)))
		f = g;
	for (j = 0; j < e->nargs; j++)
		if ((g = int_field(s, e->args[j], slope, both)))
			f = g;
	return f;
}

/* e with the chain f's w as v (a point's value or a cell's slope) */
static Ast *
int_subst(FS *s, const Fld *f, Ast *e, Ast *v, int slope)
{
	Ast *c;
	int j;

	if (!e)
		return NULL;
	if (!slope && e->kind == AX_NAME && !strcmp(e->name, f->f->name))
		return v;
	if (slope && e->kind == AX_DERIV && e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name))
		return v;
	c = arena_alloc(s->a, sizeof *c);
	*c = *e;
	c->a = int_subst(s, f, e->a, v, slope);
	c->b = int_subst(s, f, e->b, v, slope);
	if (e->nargs) {
		c->args = arena_alloc(s->a, (size_t)e->nargs * sizeof *c->args);
		for (j = 0; j < e->nargs; j++)
			c->args[j] = int_subst(s, f, e->args[j], v, slope);
	}
	return c;
}

/* integral(E) over a chain (docs/language.md 17, as the grid field's):
 * of w.x, h sum_i E((w[i+1] - w[i]) / h) over the intervals, x at their
 * middles; of w, the trapezoid rule over the points; NULL when E reads
 * no chain */
static Ast *
chain_integral(FS *s, const Ast *e)
{
	int slope = -1, both = 0, i, n;
	Fld *f = e->nargs == 1 ? int_field(s, e->args[0], &slope, &both) : NULL;
	Loc l = e->loc;
	Ast **t, *v;

	if (!f)
		return NULL;
	if (f->nd == 2) {
		RERR(s, e->loc, "integral(...) over '%s', a 2D field after the first, is not supported "
		     "yet; declare '%s' first, so that it is the grid field", f->f->name, f->f->name);
		return num(s, 0, l);
	}
	if (s->in_pot) {
		/* the correction's transpose would take V's second derivatives by
		 * every pair of the chain's points: code as N^2 */
		RERR(s, e->loc, "a potential of integral(...) over '%s', a field after the first, is not "
		     "supported yet; declare '%s' first, so that it is the grid field (its integrals are "
		     "then sums over its grid)", f->f->name, f->f->name);
		return num(s, 0, l);
	}
	if (both) {
		RERR(s, e->loc, "integral(E) of the field '%s' reads %s or its slope %s.%s, not both "
		     "(write two integrals)", f->f->name, f->f->name, f->f->name, f->coord);
		return num(s, 0, l);
	}
	t = arena_alloc(s->a, (size_t)(f->n + 2) * sizeof *t);
	for (i = 0, n = 0; i <= f->n - slope; i++) {
		double x = f->from + (i + 0.5 * slope) * f->h, w = slope || (i > 0 && i < f->n) ? 1 : 0.5;
		if (slope)
			v = bin(s, OP_DIV, bin(s, OP_SUB, pt(s, f, i + 1, 0, l), pt(s, f, i, 0, l)), num(s, f->h, l));
		else
			v = pt(s, f, i, 0, l);
		t[n++] = bin(s, OP_MUL, num(s, w * f->h, l),
		             at_coord(s, int_subst(s, f, e->args[0], v, slope), f->coord, x));
	}
	return sum(s, t, n, l);
}

static Ast *cons_term(FS *s, const Fld *own, int i, Ast *X, const Ast *e, Ast *t);

/* (E).x or (E).xx in the pde of chain own at point i (language.md 10),
 * term by term as the grid field takes it (discretise.c lin_paren): a
 * coefficient that does not vary along x commutes with the derivative;
 * (a * w.x).x is (a(x + h/2) (w[i+1] - w[i]) - a(x - h/2) (w[i] - w[i-1]))
 * / h^2 and (a * w.xx).xx is dxx (a dxx w), a at the points, the ends'
 * ghosts those of w.xx and w.xxxx (each may carry a t inside). */
static Ast *
cons(FS *s, const Fld *own, int i, Ast *X, const Ast *e, Ast *t)
{
	if (t->kind == AX_BINARY && (t->op == OP_ADD || t->op == OP_SUB))
		return bin(s, t->op, cons(s, own, i, X, e, t->a), cons(s, own, i, X, e, t->b));
	if (t->kind == AX_UNARY && t->op == OP_NEG)
		return ast_unary(s->a, OP_NEG, cons(s, own, i, X, e, t->a), t->loc);
	return cons_term(s, own, i, X, e, t);
}

enum { C_BAD, C_COMMUTE, C_HALF, C_DXX };

/* how the term t of the bracket of e is taken: *d the field's factor,
 * *coef the rest, and for C_COMMUTE *g their product as one derivative;
 * C_BAD after its message */
static int
cons_kind(FS *s, const Fld *own, const Ast *e, Ast *t, Ast **coef, Ast **d, Ast **g)
{
	const char *x = own->coord, *L = e->letters, *dl;
	char buf[16];
	size_t q = strlen(L);

	if (!(*d = factor(s, own, t, coef))) {
		RERR(s, t->loc, "inside (E).%s every term must be a coefficient times a derivative of %s",
		     L, own->f->name);
		return C_BAD;
	}
	if (!*coef)
		*coef = num(s, 1, t->loc);
	dl = (*d)->kind == AX_DERIV ? (*d)->letters : "";
	if (!mentions(*coef, x)) {          /* commutes: w.LETTERS with L's x's added */
		if (strlen(dl) + q >= sizeof buf) {
			RERR(s, t->loc, "(E).%s: too high a derivative of %s", L, own->f->name);
			return C_BAD;
		}
		snprintf(buf, sizeof buf, "%s%s", L, dl);
		*g = bin(s, OP_MUL, *coef, ast_deriv(s->a, ast_name(s->a, own->f->name, (*d)->loc),
		                                     arena_strdup(s->a, buf), (*d)->loc));
		return C_COMMUTE;
	}
	if (q == 1 && (!strcmp(dl, "x") || !strcmp(dl, "xt") || !strcmp(dl, "tx")))
		return C_HALF;
	if (q == 2 && (!strcmp(dl, "xx") || !strcmp(dl, "xxt") || !strcmp(dl, "txx")))
		return C_DXX;
	RERR(s, e->loc, "this conservative form has no symmetric difference: the coefficient varies "
	     "in %s, so the bracket must be a * %s.%s under .%s, or a * %s.%s%s under .%s%s (each may "
	     "carry a t inside)", x, own->f->name, x, x, own->f->name, x, x, x, x);
	return C_BAD;
}

/* x mirrored into the field's domain: a coefficient beyond an end is its
 * mirror image (discretise.c mirror) */
static double
mirror(const Fld *f, double x)
{
	return x < f->from ? 2 * f->from - x : x > f->to ? 2 * f->to - x : x;
}

static Ast *
cons_term(FS *s, const Fld *own, int i, Ast *X, const Ast *e, Ast *t)
{
	const char *x = own->coord;
	Loc l = t->loc;
	Ast *coef, *d, *r[3], *g;
	int k = cons_kind(s, own, e, t, &coef, &d, &g), vel, j;

	if (k == C_BAD)
		return num(s, 0, l);
	if (k == C_COMMUTE)
		return rw(s, own, i, X, g);
	vel = strchr(d->letters, 't') ? 2 : 0;
	if (k == C_HALF) {
		for (j = 0; j < 2; j++) {
			double xh = mirror(own, own->from + (i + j - 0.5) * own->h);
			r[j] = bin(s, OP_MUL, rw(s, own, i, X, at_coord(s, coef, x, xh)),
			           bin(s, OP_SUB, pt(s, own, i + j, vel, l), pt(s, own, i + j - 1, vel, l)));
		}
		return bin(s, OP_DIV, bin(s, OP_SUB, r[1], r[0]), num(s, own->h * own->h, l));
	}
	for (j = 0; j < 3; j++) {
		int p = i + j - 1;
		Ast *d2 = bin(s, OP_ADD, bin(s, OP_SUB, pt(s, own, p + 1, vel, l),
		                             bin(s, OP_MUL, num(s, 2, l), pt(s, own, p, vel, l))),
		              pt(s, own, p - 1, vel, l));
		r[j] = bin(s, OP_MUL, rw(s, own, i, X, at_coord(s, coef, x, mirror(own, own->from + p * own->h))), d2);
	}
	g = bin(s, OP_ADD, bin(s, OP_SUB, r[2], bin(s, OP_MUL, num(s, 2, l), r[1])), r[0]);
	return bin(s, OP_DIV, g, num(s, own->h * own->h * own->h * own->h, l));
}

/* the derivative letters of a 2D field: how many x's, y's and t's; 0 when
 * its chain takes them (language.md 11: the even derivatives of the grid
 * field's 2D schemes, u.xx, u.yy, u.xxxx, u.yyyy, u.xxyy, and the second
 * order ones with a t, as lap(u.t) gives), else -1 after its message */
static int
letters2(FS *s, const Fld *f, const char *L, Loc l, int *qx, int *qy, int *qt)
{
	int k;

	*qx = *qy = *qt = 0;
	for (k = 0; L[k]; k++) {
		if (L[k] == 't')
			++*qt;
		else if (!f->coord[1] && L[k] == f->coord[0])
			++*qx;
		else if (!f->ycoord[1] && L[k] == f->ycoord[0])
			++*qy;
		else
			*qt = 9;
	}
	if (*qt <= 1 && *qx % 2 == 0 && *qy % 2 == 0 && *qx + *qy <= 4 && (*qt == 0 || *qx + *qy <= 2)
	    && *qx + *qy + *qt > 0)
		return 0;
	RERR(s, l, "%s.%s: a 2D field after the first takes %s, %s.t, %s.%s%s, %s.%s%s (and with a t: "
	     "%s.%s%st, lap(%s.t)), %s.%s%s%s%s, %s.%s%s%s%s, %s.%s%s%s%s, lap and bilap (not yet other "
	     "derivatives)", f->f->name, L, f->f->name, f->f->name, f->f->name, f->coord, f->coord,
	     f->f->name, f->ycoord, f->ycoord, f->f->name, f->coord, f->coord, f->f->name, f->f->name,
	     f->coord, f->coord, f->coord, f->coord, f->f->name, f->ycoord, f->ycoord, f->ycoord, f->ycoord,
	     f->f->name, f->coord, f->coord, f->ycoord, f->ycoord);
	return -1;
}

/* lap(e) of a 2D field, written as e's derivatives (lap(c u.t) = c u.xxt +
 * c u.yyt), as the grid field takes it (discretise.c lin_lap); e linear
 * in the field with coefficients constant in space */
static Ast *
lapify(FS *s, const Fld *f, Ast *e)
{
	char bx[16], by[16];
	const char *L;
	Ast *a;

	switch (e->kind) {
	case AX_NAME:
	case AX_DERIV:
		if (!(e->kind == AX_NAME ? !strcmp(e->name, f->f->name)
		      : !e->paren && e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name)))
			break;
		L = e->kind == AX_DERIV ? e->letters : "";
		if (strlen(L) + 3 > sizeof bx)
			break;
		snprintf(bx, sizeof bx, "%s%s%s", L, f->coord, f->coord);
		snprintf(by, sizeof by, "%s%s%s", L, f->ycoord, f->ycoord);
		a = ast_name(s->a, f->f->name, e->loc);
		return bin(s, OP_ADD, ast_deriv(s->a, a, arena_strdup(s->a, bx), e->loc),
		           ast_deriv(s->a, a, arena_strdup(s->a, by), e->loc));
	case AX_CALL:
		if (e->nargs == 1 && !strcmp(e->name, "lap"))
			return lapify(s, f, lapify(s, f, e->args[0]));
		if (e->nargs == 1 && !strcmp(e->name, "bilap"))
			return lapify(s, f, lapify(s, f, lapify(s, f, e->args[0])));
		break;
	case AX_UNARY:
		if (e->op == OP_NEG)
			return ast_unary(s->a, OP_NEG, lapify(s, f, e->a), e->loc);
		break;
	case AX_BINARY:
		if (e->op == OP_ADD || e->op == OP_SUB)
			return bin(s, e->op, lapify(s, f, e->a), lapify(s, f, e->b));
		if ((e->op == OP_MUL || e->op == OP_DIV) && !mentions(e->b, f->f->name)
		    && !mentions(e->b, f->coord) && !mentions(e->b, f->ycoord))
			return bin(s, e->op, lapify(s, f, e->a), e->b);
		if (e->op == OP_MUL && !mentions(e->a, f->f->name) && !mentions(e->a, f->coord)
		    && !mentions(e->a, f->ycoord))
			return bin(s, OP_MUL, e->a, lapify(s, f, e->b));
		break;
	default:
		break;
	}
	RERR(s, e->loc, "inside lap(E) or bilap(E) of the 2D field '%s', E must be linear in %s with "
	     "coefficients constant in space (a second field takes no other)", f->f->name, f->f->name);
	return num(s, 0, e->loc);
}

/* the call lap(E) or bilap(E) as E's derivatives */
static Ast *
lap_call(FS *s, const Fld *f, Ast *e)
{
	Ast *a = lapify(s, f, e->args[0]);
	return e->name[0] == 'b' ? lapify(s, f, a) : a;
}

/* a derivative of the 2D field own at its point p */
static Ast *
deriv2(FS *s, const Fld *own, int p, Ast *e)
{
	int i = p / (own->ny + 1), j = p % (own->ny + 1), qx, qy, qt;

	if (letters2(s, own, e->letters, e->loc, &qx, &qy, &qt) < 0)
		return num(s, 0, e->loc);
	if (!qx && !qy)
		return pt2(s, own, i, j, 1, e->loc);
	return stencil2(s, own, i, j, qx, qy, qt ? 2 : 0, e->loc);
}

/* e with every read of a chain's field written out; inside the pde of
 * chain `own` at point i also its derivatives, coordinate and deltas (X:
 * the position of the term's delta, for a bare `w` there) */
static Ast *
rw(FS *s, const Fld *own, int i, Ast *X, Ast *e)
{
	const Decl *d;
	Ast *c, *p;
	Fld *f;
	int j;

	if (!e)
		return NULL;
	switch (e->kind) {
	case AX_NAME:
		if (own && own->nd == 2 && !strcmp(e->name, own->f->name))
			return X ? interp2(s, own, X->args[0], X->args[1], 0)
			         : pt2(s, own, i / (own->ny + 1), i % (own->ny + 1), 0, e->loc);
		if (own && own->nd == 2 && !strcmp(e->name, own->coord))
			return num(s, own->from + i / (own->ny + 1) * own->h, e->loc);
		if (own && own->nd == 2 && !strcmp(e->name, own->ycoord))
			return num(s, own->yfrom + i % (own->ny + 1) * own->hy, e->loc);
		if (own && !strcmp(e->name, own->f->name))
			return X ? interp(s, own, X, 0) : pt(s, own, i, 0, e->loc);
		if (own && !strcmp(e->name, own->coord))
			return num(s, own->from + i * own->h, e->loc);
		if (chain(s, e->name)) {
			RERR(s, e->loc, "the field '%s' is read at a point here: %s(X)",
			           e->name, e->name);
			s->nerr++;
		}
		return e;
	case AX_CALL:
		if (chain(s, e->name))
			return rw_call_read(s, own, i, X, e, 0, e->loc);
		if (!strcmp(e->name, "integral") && (c = chain_integral(s, e)))
			return rw(s, own, i, X, c);
		if (own && own->nd == 2 && !strcmp(e->name, "delta")) {
			/* hat_i(X) hat_j(Y) / (hx hy density(x_i, y_j)): the transpose
			 * of the read over point (i, j)'s mass */
			Ast *hx, *hy, *den;
			if (!(p = delta_pos(s, own, e, 1)))
				return num(s, 0, e->loc);
			hx = hat(s, own, i / (own->ny + 1), rw(s, own, i, NULL, p->args[0]));
			hy = hat_ax(s, own->yfrom, own->hy, i % (own->ny + 1), rw(s, own, i, NULL, p->args[1]));
			if ((hx->kind == AX_NUM && hx->num == 0) || (hy->kind == AX_NUM && hy->num == 0))
				return num(s, 0, e->loc);
			den = bin(s, OP_MUL, num(s, own->h * own->hy, e->loc),
			          own->density ? rw(s, own, i, NULL, own->density) : num(s, 1, e->loc));
			return bin(s, OP_DIV, bin(s, OP_MUL, hx, hy), den);
		}
		if (own && own->nd == 2 && e->nargs == 1 && (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap")))
			return rw(s, own, i, X, lap_call(s, own, e));
		if (own && (p = delta_pos(s, own, e, 1))) {
			Ast *den = bin(s, OP_MUL, num(s, own->h, e->loc),    /* point i's mass */
			               own->density ? rw(s, own, i, NULL, own->density) : num(s, 1, e->loc));
			Ast *hx = hat(s, own, i, rw(s, own, i, NULL, p));
			if (hx->kind == AX_NUM && hx->num == 0)
				return hx;         /* the force does not reach point i */
			return bin(s, OP_DIV, hx, den);
		}
		c = arena_alloc(s->a, sizeof *c);
		*c = *e;
		c->args = arena_alloc(s->a, (size_t)(e->nargs + 1) * sizeof *c->args);
		for (j = 0; j < e->nargs; j++)
			c->args[j] = rw(s, own, i, X, e->args[j]);
		if (own && (d = coef_let(s, e)) && s->depth < 64) {
			/* a coefficient S(x) of the chain: its value at the point,
			 * as lumped objects take no coefficients */
			s->depth++;
			c = rw(s, own, i, X, subst(s, d->value, d->args, c->args, e->nargs));
			s->depth--;
		}
		return c;
	case AX_DERIV:
		if (e->a->kind == AX_CALL && (f = chain(s, e->a->name))) {
			if (f->nd == 2 && strcmp(e->letters, "t") != 0) {
				RERR(s, e->loc, "%s.%s(X, Y): a 2D field after the first is read as %s(X, Y) or "
				     "%s.t(X, Y) (its slope and shear are read on a 1D field only)", f->f->name,
				     e->letters, f->f->name, f->f->name);
				return num(s, 0, e->loc);
			}
			if (!strcmp(e->letters, "x"))
				return slope(s, f, e->a);
			if (!strcmp(e->letters, "xxx"))
				return shear(s, f, e->a);
			if (strcmp(e->letters, "t") != 0) {
				RERR(s, e->loc, "a field is read at a point as %s(X), %s.t(X) or "
				           "%s.x(X) (%s.%s(X) of a second field is not supported yet)", f->f->name,
				           f->f->name, f->f->name, f->f->name, e->letters);
				s->nerr++;
				return e;
			}
			return rw_call_read(s, own, i, X, e->a, 1, e->loc);
		}
		if (own && own->nd == 2 && e->paren) {
			RERR(s, e->loc, "a 2D field after the first takes no conservative form (E).%s; "
			     "write its pde with lap, bilap and derivatives of %s", e->letters, own->f->name);
			return num(s, 0, e->loc);
		}
		if (own && own->nd == 2 && e->a->kind == AX_NAME && !strcmp(e->a->name, own->f->name))
			return X && !strcmp(e->letters, "t") ? interp2(s, own, X->args[0], X->args[1], 1)
			                                    : deriv2(s, own, i, e);
		if (own && e->a->kind == AX_NAME && !strcmp(e->a->name, own->f->name) && !e->paren) {
			double h = own->h;
			Loc l = e->loc;
			if (!strcmp(e->letters, "t"))
				return X ? interp(s, own, X, 1) : pt(s, own, i, 1, l);
			if (!strcmp(e->letters, "x") || !strcmp(e->letters, "xt")
			    || !strcmp(e->letters, "tx")) {
				int v = e->letters[1] ? 2 : 0;
				return bin(s, OP_DIV, bin(s, OP_SUB, pt(s, own, i + 1, v, l), pt(s, own, i - 1, v, l)),
				           num(s, 2 * h, l));
			}
			if (!strcmp(e->letters, "xx") || !strcmp(e->letters, "xxt")
			    || !strcmp(e->letters, "txx")) {
				int v = e->letters[2] ? 2 : 0;
				Ast *d2 = bin(s, OP_ADD, bin(s, OP_SUB, pt(s, own, i + 1, v, l),
				                             bin(s, OP_MUL, num(s, 2, l), pt(s, own, i, v, l))),
				              pt(s, own, i - 1, v, l));
				return bin(s, OP_DIV, d2, num(s, h * h, l));
			}
			if (!strcmp(e->letters, "xxxx")) {
				/* (u[i+2] - 4 u[i+1] + 6 u[i] - 4 u[i-1] + u[i-2]) / h^4 */
				Ast *o = bin(s, OP_ADD, pt(s, own, i + 2, 0, l), pt(s, own, i - 2, 0, l));
				Ast *n = bin(s, OP_ADD, pt(s, own, i + 1, 0, l), pt(s, own, i - 1, 0, l));
				Ast *d4 = bin(s, OP_ADD, bin(s, OP_SUB, o, bin(s, OP_MUL, num(s, 4, l), n)),
				              bin(s, OP_MUL, num(s, 6, l), pt(s, own, i, 0, l)));
				return bin(s, OP_DIV, d4, num(s, h * h * h * h, l));
			}
			RERR(s, e->loc, "%s.%s: a second field's pde takes %s, %s.t, %s.%s, "
			           "%s.%s%s, %s.%s%st and %s.xxxx (not yet other derivatives)", own->f->name,
			           e->letters, own->f->name, own->f->name, own->f->name, own->coord,
			           own->f->name, own->coord, own->coord, own->f->name, own->coord, own->coord,
			           own->f->name);
			s->nerr++;
			return e;
		}
		if (own && e->paren) {
			if (strcmp(e->letters, "x") != 0 && strcmp(e->letters, "xx") != 0) {
				RERR(s, e->loc, "a second field's pde takes the conservative forms (E).%s "
				     "and (E).%s%s (not .%s)", own->coord, own->coord, own->coord, e->letters);
				return num(s, 0, e->loc);
			}
			return cons(s, own, i, X, e, e->a);
		}
		c = arena_alloc(s->a, sizeof *c);
		*c = *e;
		c->a = rw(s, own, i, X, e->a);
		return c;
	case AX_UNARY:
	case AX_BINARY:
		if (own && !X && e->kind == AX_BINARY && (e->op == OP_MUL || e->op == OP_DIV)
		    && (p = term_delta(s, own, e)))
			X = rw(s, own, i, NULL, p);
		c = arena_alloc(s->a, sizeof *c);
		*c = *e;
		c->a = rw(s, own, i, X, e->a);
		c->b = rw(s, own, i, X, e->b);
		return c;
	default:
		return e;
	}
}

/* the most x's in a derivative of f in e: its order in space (2D: x's
 * and y's, lap counting 2 and bilap 4) */
static int
xorder(const Fld *f, const Ast *e)
{
	int n = 0, j, m;

	if (!e)
		return 0;
	if (f->nd == 2 && e->kind == AX_CALL && e->nargs == 1
	    && (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap")))
		return (e->name[0] == 'b' ? 4 : 2) + xorder(f, e->args[0]);
	if (f->nd == 2 && e->kind == AX_DERIV && !e->paren && e->a->kind == AX_NAME
	    && !strcmp(e->a->name, f->f->name)) {
		for (j = 0; e->letters[j]; j++)
			n += e->letters[j] != 't';
		return n;
	}
	if (e->kind == AX_DERIV && (e->paren || (e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name))))
		for (j = 0; e->letters[j]; j++)
			n += e->letters[j] == f->coord[0] && !f->coord[1];
	if (e->kind == AX_DERIV && e->paren && (m = xorder(f, e->a)))   /* (E).x: E's order and 1 */
		return n + m;
	if ((m = xorder(f, e->a)) > n)
		n = m;
	if ((m = xorder(f, e->b)) > n)
		n = m;
	for (j = 0; j < e->nargs; j++)
		if ((m = xorder(f, e->args[j])) > n)
			n = m;
	return n;
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
 * object, or NULL: what a density must not read.  Found here, before a
 * chain copies its density into every point, not in sema after. */
static const Ast *
state_in(const Model *m, const Ast *e, int depth)
{
	const Ast *r;
	int i;

	if (!e || depth > 64)
		return NULL;
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

/* setup of a 2D field: domain x in [A, B], y in [C, D], grid NX, NY or
 * planned */
static int
setup2(FS *s, Fld *f)
{
	const Decl *d = f->dom;
	const Ast *st;
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
		           "the grids of fields after the first)", d->name, NULL);
	if (d->grid[0] && d->nat != 2)
		return err(s, d->grid[0]->loc, "a 2D domain takes two grid counts: `grid NX, NY`", NULL, NULL);
	for (k = 0; d->grid[0] && k < 2; k++)
		if (!fold(s->m, d->grid[k], &v[k], 0) || v[k] != floor(v[k]) || v[k] < 2 || v[k] > MAXP)
			return err(s, d->grid[k]->loc, "the grid of the domain '%s' must be whole numbers from 2 "
			           "up (a field after the first is a chain of lumped objects, one per point)",
			           d->name, NULL);
	if (d->grid[0] && (v[0] + 1) * (v[1] + 1) > MAXP) {
		diag_error(s->d, d->grid[0]->loc, "the grid of the domain '%s' has %g points, more than a 2D "
		           "field after the first may have (" MAXP_S "); force a coarser one, `grid NX, NY` "
		           "with (NX + 1) (NY + 1) <= " MAXP_S, d->name, (v[0] + 1) * (v[1] + 1));
		s->nerr++;
		return -1;
	}
	f->n = d->grid[0] ? (int)v[0] : 0;
	f->ny = d->grid[0] ? (int)v[1] : 0;
	if (!fold(s->m, d->from[0], &f->from, 0) || !fold(s->m, d->to[0], &f->to, 0) || !(f->to > f->from)
	    || !fold(s->m, d->from[1], &f->yfrom, 0) || !fold(s->m, d->to[1], &f->yto, 0)
	    || !(f->yto > f->yfrom))
		return err(s, d->loc, "the ends of the domain '%s' must be numbers or consts, "
		           "the first below the second", d->name, NULL);
	f->h = f->n ? (f->to - f->from) / f->n : 0;
	f->hy = f->ny ? (f->yto - f->yfrom) / f->ny : 0;
	opt_of(f->f, "density", &f->density, NULL);
	if ((st = state_in(s->m, f->density, 0)))
		return err(s, st->loc, "the density of '%s' reads the state ('%s'); a density is an "
		           "expression of params and the coordinates", f->f->name, st->name);
	return 0;
}

/* f's domain, grid and ends */
static int
setup(FS *s, Fld *f)
{
	const Ast *st;
	Ast *on = NULL, *g;
	Loc onl;
	double v;

	if (!opt_of(f->f, "on", &on, &onl) || on->kind != AX_NAME)
		return err(s, f->f->name_loc, "with several fields each names its domain: "
		           "`field %s(x) on NAME`", f->f->name, NULL);
	if (!(f->dom = domain_named(s, on->name)))
		return err(s, on->loc, "no domain is named '%s'; declare it as `domain %s: x in [A, B] grid N`",
		           on->name, on->name);
	if (f->dom == s->maindom)
		return err(s, on->loc, "the domain '%s' is the field %s's; give each field a domain "
		           "of its own", on->name, s->main->name);
	if (f->f->nargs == 2 && f->dom->ndim == 2)
		return setup2(s, f);
	if (f->f->nargs != 1 || f->dom->ndim != 1 || strcmp(f->f->args[0], f->dom->coord[0]) != 0)
		return err(s, f->f->name_loc, "the field's coordinates must be the domain's: %s(%s)",
		           f->f->name, f->dom->ndim == 2 ? "x, y" : f->dom->coord[0]);
	f->nd = 1;
	f->coord = f->dom->coord[0];
	g = f->dom->grid[0];
	if (!g && !s->m->planner)
		return err(s, f->dom->loc, "the domain '%s' needs `grid N` here (this tool does not plan "
		           "the grids of fields after the first), e.g. `domain %s: x in [0, 1] grid 60`",
		           f->dom->name, f->dom->name);
	if (g && (!fold(s->m, g, &v, 0) || v != floor(v) || v < 2 || v > MAXN))
		return err(s, g->loc, "the grid of the domain '%s' must be a whole number from 2 to "
		           MAXN_S " (a field after the first is a chain of that many lumped objects)",
		           f->dom->name, NULL);
	f->n = g ? (int)v : 0;     /* 0: planned once its ends are known */
	if (!fold(s->m, f->dom->from[0], &f->from, 0) || !fold(s->m, f->dom->to[0], &f->to, 0)
	    || !(f->to > f->from))
		return err(s, f->dom->loc, "the ends of the domain '%s' must be numbers or consts, "
		           "the first below the second", f->dom->name, NULL);
	f->h = f->n ? (f->to - f->from) / f->n : 0;
	opt_of(f->f, "density", &f->density, NULL);
	if ((st = state_in(s->m, f->density, 0)))
		return err(s, st->loc, "the density of '%s' reads the state ('%s'); a density is an "
		           "expression of params and the coordinates", f->f->name, st->name);
	return 0;
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
		Fld *f = NULL;
		int ends[32], mine = 0, ne = 0;
		if (d->kind != D_BOUNDARY)
			continue;
		if (d->field && !(f = chain(s, d->field)))
			continue;                      /* the grid field's: sema checks it */
		for (w = 0; w < d->nwhere; w++) {
			struct Where *wh = &d->where[w];
			double v;
			Fld *g = NULL;
			if (!wh->coord && f && f->nd == 2) {      /* `edges`: all four */
				if (ne < 8)
					ends[ne++] = 4;
				mine = mine < 0 ? -1 : 1;
				continue;
			}
			if (!wh->coord || !wh->at) {
				if (f) {
					diag_error(s->d, wh->loc, "the field '%s' is 1D: name its ends, `boundary %s at "
					           "%s = A: ...`", f->f->name, f->f->name, f->coord);
					s->nerr++;
					mine = -1;
				}
				continue;
			}
			if (!fold(m, wh->at, &v, 0)) {
				if (f)
					err(s, wh->at->loc, "a boundary's position must be a number or a const", NULL,
					    NULL), mine = -1;
				continue;
			}
			if (f) {
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
				if (!g) {
					if (mine > 0)
						err(s, wh->loc, "this boundary mixes the ends of several fields; write one "
						    "line per field", NULL, NULL), mine = -1;
					continue;
				}
				if (f && f != g) {
					err(s, wh->loc, "this boundary mixes the ends of several fields; write one "
					    "line per field", NULL, NULL);
					mine = -1;
					continue;
				}
				f = g;
			}
			if (ne < 8)
				ends[ne++] = edge_of(g, wh->coord, v);
			mine = mine < 0 ? -1 : 1;
		}
		if (!f || mine == 0)
			continue;
		s->drop[i] = 1;
		if (mine < 0)
			continue;
		if (d->nwhere != ne) {
			err(s, d->loc, "this boundary mixes the ends of several fields; write one line per field",
			    NULL, NULL);
			continue;
		}
		for (k = ne - 1; k >= 0; k--)        /* `edges` as its four edges */
			if (ends[k] == 4) {
				memmove(ends + k + 3, ends + k, (size_t)(ne - k) * sizeof *ends);
				ends[k] = 0, ends[k + 1] = 1, ends[k + 2] = 2, ends[k + 3] = 3;
				ne += 3;
			}
		for (k = 0; k < ne; k++) {
			int bc = !strcmp(d->cond, "fixed") ? BC_FIXED : !strcmp(d->cond, "free") ? BC_FREE
			         : !strcmp(d->cond, "clamped") ? BC_CLAMPED
			         : !strcmp(d->cond, "simply_supported") || !strcmp(d->cond, "pinned") ? BC_SS
			         : d->attach && lump_named(s, d->attach) ? BC_ATTACHED : 0;
			if (!bc && d->attach) {
				err(s, d->attach_loc, "'%s' is not a lumped object; an end is attached to "
				    "one, `field %s mass M`", d->attach, d->attach);
				for (k = 0; k < ne; k++)
					*bcp(f, ends[k]) = BC_FIXED;
				break;
			}
			if (f->nd == 2 && (bc == BC_FREE || bc == BC_ATTACHED)) {
				err(s, d->cond_loc, "the edges of the 2D field '%s' may be fixed, clamped or "
				    "simply_supported (not yet %s: a 2D field after the first is held at its edges; "
				    "one with free edges is the grid field, the first 2D field declared)",
				    f->f->name, d->cond);
				for (k = 0; k < ne; k++)
					*bcp(f, ends[k]) = BC_FIXED;
				break;
			}
			if (!bc) {
				err(s, d->cond_loc, "the ends of the field '%s' may be fixed, clamped, "
				    "simply_supported (pinned), free or attached Z (not yet %s)", f->f->name, d->cond);
				for (k = 0; k < ne; k++)
					*bcp(f, ends[k]) = BC_FIXED;   /* said: not missing too */
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
		rw(s, f, 0, NULL, (Ast *)e);   /* its message */
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

	if (strcmp(e->letters, "x") != 0 && strcmp(e->letters, "xx") != 0) {
		err(s, e->loc, "a second field's pde takes the conservative forms (E).x and (E).xx "
		    "(not .%s)", e->letters, NULL);
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
		default: check_derivs(s, f, coef); break;
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
	           && !strcmp(e->letters, "x")) {
		slope_at(s, g, e->a, &v);
	} else if (e->kind == AX_DERIV && e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name)) {
		for (j = 0; j < (int)(sizeof ok / sizeof *ok); j++)
			n += !strcmp(e->letters, ok[j]);
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

/* does e read another part, itself or through a let? */
static int
reads_other(const FS *s, const Fld *f, const Ast *e, int depth)
{
	int i;

	if (!e || depth > 64)
		return 0;
	if ((e->kind == AX_NAME || e->kind == AX_CALL) && other_part(s, f, e->name))
		return 1;
	if (e->kind == AX_NAME)
		for (i = 0; i < s->m->ndecls; i++) {
			const Decl *x = s->m->decls[i];
			if (x->kind == D_LET && x->name && !strcmp(x->name, e->name))
				return reads_other(s, f, x->value, depth + 1);
		}
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

/* f as the one field of a model of its own, checked; NULL after messages */
static Model *
alone(FS *s, const Fld *f)
{
	Model *m = arena_alloc(s->a, sizeof *m);
	AstList *l = NULL, *at;
	Loc fl = f->f->name_loc;
	int i;

	memset(m, 0, sizeof *m);
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
			if (x->kind == D_LET || x->kind == D_PDE || x->kind == D_POTENTIAL)   /* what may read the state */
				c->value = still(s, f, x->value);
			l = ast_list(s->a, l, c);
			break;
		default:
			break;
		}
	}
	if (f->nd == 2) {
		static const char *const word[] = {[BC_FIXED] = "fixed", [BC_CLAMPED] = "clamped",
		                                   [BC_SS] = "simply_supported"};
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
		if (why[0])
			diag_error(s->d, f->f->name_loc, "no grid for the field '%s': %s; or force one, "
			           "`grid N` on its domain '%s'", f->f->name, why, f->dom->name);
		s->nerr++;
		return;
	}
	if (f->nd == 2 && (double)(n[0] + 1) * (n[1] + 1) > MAXP) {
		diag_error(s->d, f->f->name_loc, "the finest stable grid of the 2D field '%s' is %d x %d "
		           "intervals, %d points, more than a 2D field after the first may have (" MAXP_S
		           "); force a coarser one, `grid NX, NY` on its domain '%s' with (NX + 1) (NY + 1) "
		           "<= " MAXP_S ", or raise the rate less", f->f->name, n[0], n[1],
		           (n[0] + 1) * (n[1] + 1), f->dom->name);
		s->nerr++;
		return;
	}
	if (f->nd == 1 && n[0] > MAXN) {
		diag_error(s->d, f->f->name_loc, "the finest stable grid of the field '%s' has %d "
		           "intervals, more than a field after the first may have (" MAXN_S "); force "
		           "a coarser one, `grid N` on its domain '%s', or raise the rate less", f->f->name,
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
}

int
sema_fields(Model *m, Diag *d)
{
	FS s;
	Decl **out;
	int i, j, k, nf = 0, no = 0, main2d = -1;

	for (i = 0; i < m->ndecls; i++)
		if (m->decls[i]->kind == D_FIELD && m->decls[i]->args) {
			nf++;
			if (main2d < 0 && m->decls[i]->nargs == 2)
				main2d = i;
		}
	if (nf < 2)
		return 0;
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
	if (s.nerr)
		return 1;
	for (k = 0; k < s.nfl; k++)
		for (j = 0; j < m->ndecls; j++)
			if (m->decls[j] == s.fl[k].dom)
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
				*slot = x;
				s.drop[j] = 1;
			}
		}
		if (!f->pde) {
			err(&s, f->f->name_loc, "the field '%s' has no pde; add `pde %s.tt = ...`", f->f->name,
			    f->f->name);
			continue;
		}
		f->order = xorder(f, f->pde->value) >= 4 ? 4 : 2;
		check_derivs(&s, f, f->pde->value);
		for (j = 0; f->nd == 2 && f->order == 4 && j < 4; j++)
			if (*bcp(f, j) == BC_FIXED) {
				err(&s, j < 2 ? f->bc_loc[j] : f->bcy_loc[j - 2], "the field '%s' is of fourth order "
				    "in space: name its edges' condition, clamped or simply_supported", f->f->name, NULL);
				break;
			}
		for (j = 0; f->nd == 1 && j < 2; j++)
			if (f->order == 4 && f->bc[j] == BC_FIXED && (j == 0 || f->bc_loc[1].off != f->bc_loc[0].off
			                                              || f->bc[0] != BC_FIXED))
				err(&s, f->bc_loc[j], "the field '%s' is of fourth order in space: name its end's "
				    "condition, clamped, simply_supported (pinned) or free", f->f->name, NULL);
	}
	for (k = 0; k < s.nfl && !s.nerr; k++)
		if (!s.fl[k].n)
			plan(&s, &s.fl[k]);
	if (s.nerr)
		return 1;
	for (k = 0; k < s.nfl; k++) {
		Fld *f = &s.fl[k];
		f->pt = arena_alloc(s.a, (size_t)npts(f) * sizeof *f->pt);
		for (i = 0; f->nd == 2 && i < npts(f); i++) {
			/* its edges are held: the interior points, named w[i,j] */
			char buf[256];
			int a = i / (f->ny + 1), b = i % (f->ny + 1);
			f->pt[i] = NULL;
			if (a > 0 && a < f->n && b > 0 && b < f->ny) {
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
			if (!f->pt[i] || attached(f, i))
				continue;
			s.mute = f->nd == 2 ? done++ > 0 : i > 0 && f->pt[i - 1];
			/* its share of the length, h (h / 2 at a free end: the grid
			 * field's energy weighs those so, energy_text); of the area,
			 * hx hy, in 2D (held edges only) */
			mass = bin(&s, OP_MUL, f->density ? rw(&s, f, i, NULL, f->density) : num(&s, 1, l),
			           num(&s, f->nd == 2 ? f->h * f->hy : (i == 0 || i == f->n) ? f->h / 2 : f->h, l));
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
