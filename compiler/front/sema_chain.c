/* sema_chain.c — a field after the grid one, written out as lumped
 * objects (sema_fields.c): each point's value and ghosts, reads between
 * points (hat functions), point forces as the reads' transposes, the
 * derivatives of its pde as the grid field's stencils (1D and 2D),
 * conservative forms, coefficients of the coordinates and integrals, all
 * as ASTs of the points' lumped objects: rw() below. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plate.h"
#include "sema_fields.h"

/* ---- building expressions ---- */

Ast *
num(FS *s, double v, Loc l)
{
	return ast_num(s->a, v, l);
}

Ast *
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

/* point i's share of a cell along an axis of n intervals with ends bc:
 * half at a free end, as the energy's trapezoid weights (a point force
 * there then does the work the energy counts) */
static double
end_cell(const int *bc, int i, int n)
{
	return (i == 0 && bc[0] == BC_FREE) || (i == n && bc[1] == BC_FREE) ? 0.5 : 1;
}

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

/* the lumped object name's value (vel 0) or velocity (1: centred at its
 * own point, 2: (w[n] - w[n-1]) / k, as the grid field takes u.xt and
 * u.xxt); 0 where name is NULL (a held point) */
static Ast *
pt_of(FS *s, const char *name, int vel, Loc l)
{
	Ast *e;

	if (!name)
		return num(s, 0, l);
	e = ast_name(s->a, name, l);
	if (!vel)
		return e;
	e = ast_deriv(s->a, e, "t", l);
	e->back = vel == 2;
	return e;
}

/* point i's value or velocity (pt_of): 0 at a held end, a ghost beyond
 * an end */
static Ast *
pt(FS *s, const Fld *f, int i, int vel, Loc l)
{
	if (i < 0 || i > f->n)
		return ghost(s, f, i, vel, l);
	return pt_of(s, f->pt[i], vel, l);
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
 * clamped edge of a fourth-order field or a free one of a second-order
 * field, minus it across a simply supported one (the grid field's rule,
 * lower.c); 0 on a held edge and beyond one at second order, where no
 * update reaches past it. */
static Ast *
pt2(FS *s, const Fld *f, int i, int j, int vel, Loc l)
{
	int side, bc;
	Ast *e;

	if (i < 0 || i > f->n || j < 0 || j > f->ny) {
		int inx = i < 0 || i > f->n;
		side = inx ? i > f->n : j > f->ny;
		bc = inx ? f->bc[side] : f->bcy[side];
		if (f->order == 4 ? bc != BC_CLAMPED && bc != BC_SS : bc != BC_FREE)
			return num(s, 0, l);
		e = inx ? pt2(s, f, side ? 2 * f->n - i : -i, j, vel, l)
		        : pt2(s, f, i, side ? 2 * f->ny - j : -j, vel, l);
		return bc == BC_SS ? ast_unary(s->a, OP_NEG, e, l) : e;
	}
	return pt_of(s, f->pt[i * (f->ny + 1) + j], vel, l);
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

/* does the 2D chain f take a free plate's rows (plate.c)? */
int
free_plate(const Fld *f)
{
	return f->nd == 2 && f->order == 4
	       && (f->bc[0] == BC_FREE || f->bc[1] == BC_FREE || f->bcy[0] == BC_FREE || f->bcy[1] == BC_FREE);
}

/* Dx^qx Dy^qy at point (i, j) of a plate with a free edge, as the grid
 * field takes it (lower.c build_plate_region): the energy terms' stencils
 * of the point's class on the virtual grid (rows within PLATE_DEEP of an
 * end are their own) that belong to the operator, each by its factor
 * (plate_terms), over hx^qx hy^qy; the rows reach no ghost point */
static Ast *
plate2(FS *s, const Fld *f, int i, int j, int qx, int qy, int vel, Loc l)
{
	const BcKind bc[2][2] = {{f->bc[0], f->bc[1]}, {f->bcy[0], f->bcy[1]}};
	int basis = qx == 4 ? P_X4 : qy == 4 ? P_Y4 : qx && qy ? P_XXYY : qx ? P_XX : P_YY;
	double st[K_NK][5][5], r[5][5] = {{0}};
	int k, a, b, n = 0;
	Ast *v[25];

	plate_row(bc, plate_vpoint(i, f->n), plate_vpoint(j, f->ny), st);
	for (k = 0; k < K_NK; k++)
		for (a = 0; plate_terms[k].basis == basis && a < 5; a++)
			for (b = 0; b < 5; b++)
				r[a][b] += plate_terms[k].f * st[k][a][b];
	for (a = 0; a < 5; a++)
		for (b = 0; b < 5; b++)
			if (r[a][b] != 0) {
				Ast *p = pt2(s, f, i + a - 2, j + b - 2, vel, l);
				v[n++] = r[a][b] == 1 ? p : bin(s, OP_MUL, num(s, r[a][b], l), p);
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

Fld *
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


/* Is e the same at every point: numbers, params and consts, lets of
 * them, built-in functions of them?  An undeclared name too: it is an
 * error of its own, and the read need not be made per point for it.
 * depth: lets within lets (a cycle is sema's error). */
static int
point_free(const FS *s, const Ast *e, int depth)
{
	const Decl *d;
	int i;

	if (depth > 64)
		return 0;
	switch (e->kind) {
	case AX_NUM:
		return 1;
	case AX_NAME:
		if (!strcmp(e->name, "pi"))
			return 1;
		if (!(d = model_lookup(s->m, e->name)))
			return 1;
		if (d->kind == D_LET && !d->nargs && d->value)
			return point_free(s, d->value, depth + 1);
		return d->kind == D_PARAM || d->kind == D_CONST;
	case AX_UNARY:
		return point_free(s, e->a, depth);
	case AX_BINARY:
		return point_free(s, e->a, depth) && point_free(s, e->b, depth);
	case AX_CALL:
		if (builtin_arity(e->name) < 0 || model_lookup(s->m, e->name))
			return 0;
		for (i = 0; i < e->nargs; i++)
			if (!point_free(s, e->args[i], depth))
				return 0;
		return 1;
	default:
		return 0;
	}
}

/* r, the expansion of b inside own's pde (key: how it was read), kept
 * for the next point's (s->memo) */
static void
memo_add(FS *s, const Ast *b, const void *own, int key, Ast *r)
{
	if (s->nmemo == s->capmemo) {
		struct ReadMemo *m = arena_alloc(s->a, (size_t)(2 * s->capmemo + 8) * sizeof *m);
		if (s->nmemo)
			memcpy(m, s->memo, (size_t)s->nmemo * sizeof *m);
		s->memo = m;
		s->capmemo = 2 * s->capmemo + 8;
	}
	s->memo[s->nmemo++] = (struct ReadMemo){b, own, key, r};
}

/* Does e read the state (a field or lumped object, through lets), or,
 * with time, t?  A point read's position may not read either, a point
 * force's not the state (language.md 11: sema.c's rule for the grid
 * field's); a second field's took them, a pickup moving with t or
 * u(0.5) (a probe's). */
static int
moves(const FS *s, const Ast *e, int time)
{
	const Ast *r = state_in(s->m, e, 0);

	return (r && strcmp(r->name, "delta")) || (time && mentions(e, "t"));
}

static Ast *
rw_call_read(FS *s, const Fld *own, int i, Ast *X, Ast *b, int vel, Loc l)
{
	Fld *f = chain(s, b->name);
	Ast *r;
	int k, free;

	if (b->nargs != f->nd) {
		if (f->nd == 2)
			RERR(s, b->loc, "%s is read at a point with 2 coordinates: %s(X, Y)", b->name, b->name);
		else {
			RERR(s, b->loc, "%s is read at a point with 1 coordinate: %s(X)", b->name, b->name);
			s->nerr++;
		}
		return num(s, 0, l);
	}
	for (k = 0; k < b->nargs; k++)
		if (moves(s, b->args[k], 1)) {
			RERR(s, b->args[k]->loc, "a point read's position must not depend on time or the state "
			     "(a field or lumped object, a time signal): a field is read at a fixed place, "
			     "or one of params");
			return num(s, 0, l);
		}
	/* a place of params: a sum over all of f's points, the same at every
	 * point of own, so made once (rewritten per point, a 2D chain of N
	 * points read so by each took N^2 terms: 4 GB for 15 x 93; a 1D one
	 * of 993 points, 1.7 GB) */
	free = point_free(s, b->args[0], 0) && (f->nd == 1 || point_free(s, b->args[1], 0));
	for (k = 0; free && k < s->nmemo; k++)
		if (s->memo[k].b == b && s->memo[k].own == own && s->memo[k].vel == vel)
			return s->memo[k].r;
	r = f->nd == 2 ? interp2(s, f, rw(s, own, i, X, b->args[0]), rw(s, own, i, X, b->args[1]), vel)
	               : interp(s, f, rw(s, own, i, X, b->args[0]), vel);
	if (!free)
		return r;
	r->shared = !vel;   /* (a velocity read of a point's own is its centred velocity) */
	memo_add(s, b, own, vel, r);
	return r;
}

/* w.x(X): the slope (w[i+1] - w[i]) / h of the cell holding X, at an end
 * the one-sided difference (language.md 11.1), as the grid field reads
 * it; 1 when X is not a number (the cell is then chosen as the step runs),
 * 0 when it is one inside, -1 after a message */
int
slope_at(FS *s, const Fld *f, const Ast *b, double *v)
{
	if (b->nargs != 1) {
		diag_error(s->d, b->loc, "%s.x(X) of a second field reads the slope at one point X",
		           f->f->name);
		s->nerr++;
		return -1;
	}
	if (!fold(s->m, b->args[0], v, 0))
		return 1;
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

/* the slope of cell i, (w[i+1] - w[i]) / h */
static Ast *
cell_slope(FS *s, const Fld *f, int i, Loc l)
{
	return bin(s, OP_DIV, bin(s, OP_SUB, pt(s, f, i + 1, 0, l), pt(s, f, i, 0, l)), num(s, f->h, l));
}

/* w.x(X) (read in own's pde at point i): at a number, its cell's slope;
 * at a param's place, sum_i [x_i <= X < x_i+1] slope_i, the first and
 * last cells open outward as the grid field clamps its cell (every
 * point is read, as by w(X) there; the slope does not move with X
 * inside a cell, so its derivative by X is 0, as the grid field's) */
static Ast *
slope(FS *s, const Fld *own, int pi, Ast *b)
{
	Fld *f = chain(s, b->name);
	Loc l = b->loc;
	Ast **t, *X, *in;
	double v;
	int i, k = slope_at(s, f, b, &v);

	if (k < 0)
		return num(s, 0, l);
	if (k == 0) {
		i = (int)floor((v - f->from) / f->h);
		i = i < 0 ? 0 : i >= f->n ? f->n - 1 : i;
		return cell_slope(s, f, i, l);
	}
	X = rw(s, own, pi, NULL, b->args[0]);
	t = arena_alloc(s->a, (size_t)f->n * sizeof *t);
	for (i = 0; i < f->n; i++) {
		in = num(s, 1, l);
		if (i > 0)
			in = bin(s, OP_MUL, in, bin(s, OP_GE, X, num(s, f->from + i * f->h, l)));
		if (i < f->n - 1)
			in = bin(s, OP_MUL, in, bin(s, OP_LT, X, num(s, f->from + (i + 1) * f->h, l)));
		t[i] = bin(s, OP_MUL, in, cell_slope(s, f, i, l));
	}
	return sum(s, t, f->n, l);
}

/* does e mention the name v (a coordinate, the field)? */
int
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

/* e with each bare name of a coefficient `let c(x) = ...` (its
 * arguments own's coordinates) as the call c(x), as the grid field's pde
 * reads it: a second field's pde, init and density are then taken as if
 * written so, conservative forms and their checks included (a bare c
 * was "cannot use the coefficient 'c' in a lumped object's pde"; taken
 * at the point only, (c * w.x).x lost c's slope; a probe's) */
Ast *
sf_bare_calls(FS *s, const Fld *own, Ast *e)
{
	const Decl *x;
	AstList *args = NULL;
	Ast *c;
	int j;

	if (!e)
		return NULL;
	if (e->kind == AX_NAME && (x = model_lookup(s->m, e->name)) && x->kind == D_LET
	    && x->nargs == own->nd && !strcmp(x->args[0], own->coord)
	    && (own->nd < 2 || !strcmp(x->args[1], own->ycoord))) {
		for (j = 0; j < x->nargs; j++)
			args = ast_list(s->a, args, ast_name(s->a, x->args[j], e->loc));
		return ast_call(s->a, e->name, e->loc, args, e->loc);
	}
	c = arena_alloc(s->a, sizeof *c);
	*c = *e;
	c->a = sf_bare_calls(s, own, e->a);
	c->b = sf_bare_calls(s, own, e->b);
	if (e->nargs) {
		c->args = arena_alloc(s->a, (size_t)e->nargs * sizeof *c->args);
		for (j = 0; j < e->nargs; j++)
			c->args[j] = sf_bare_calls(s, own, e->args[j]);
	}
	return c;
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

/* what a term of a 2D integrand reads of the chain f: k merged with 0
 * (f), 1 (f.x), 2 (f.y); 3 nothing yet; -1 more than one */
static int
int2_kind(const Fld *f, const Ast *e, int k)
{
	int d = 3, j;

	if (!e || k < 0)
		return k;
	if (e->kind == AX_NAME && !strcmp(e->name, f->f->name))
		d = 0;
	else if (e->kind == AX_DERIV && e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name))
		d = !strcmp(e->letters, f->coord) ? 1 : !strcmp(e->letters, f->ycoord) ? 2 : -1;
	else {
		k = int2_kind(f, e->b, int2_kind(f, e->a, k));
		for (j = 0; j < e->nargs; j++)
			k = int2_kind(f, e->args[j], k);
		return k;
	}
	return k == 3 || k == d ? d : -1;
}

/* integral(E) over the 2D chain f, as the grid field's (emit_sav.c
 * cells_open): E of w by the trapezoid rule over the points; of w.x
 * (w.y) by forward differences along x (y), the trapezoid across, x (y)
 * at the intervals' middles.  E is split at its sums and at factors free
 * of w and the coordinates, so w.x^2 + w.y^2 is one integral of each. */
static Ast *
chain_integral2(FS *s, const Fld *f, const Ast *e, Loc l)
{
	int kind, i, j, n = 0, nx, ny;
	Ast **t, *v;

	if (e->kind == AX_BINARY && (e->op == OP_ADD || e->op == OP_SUB))
		return bin(s, e->op, chain_integral2(s, f, e->a, l), chain_integral2(s, f, e->b, l));
	if (e->kind == AX_UNARY && e->op == OP_NEG)
		return ast_unary(s->a, OP_NEG, chain_integral2(s, f, e->a, l), l);
	if (e->kind == AX_BINARY && (e->op == OP_MUL || e->op == OP_DIV)) {
		const Ast *w = NULL, *c = NULL;
		if (int2_kind(f, e->b, 3) == 3)
			w = e->a, c = e->b;
		else if (e->op == OP_MUL && int2_kind(f, e->a, 3) == 3)
			w = e->b, c = e->a;
		if (w && !mentions(c, f->coord) && !mentions(c, f->ycoord))
			return c == e->b ? bin(s, e->op, chain_integral2(s, f, w, l), (Ast *)c)
			                 : bin(s, OP_MUL, (Ast *)c, chain_integral2(s, f, w, l));
	}
	kind = int2_kind(f, e, 3);
	if (kind < 0) {
		RERR(s, e->loc, "integral(E) of the 2D field '%s': each term of E reads %s, %s.%s or %s.%s, "
		     "one of them (such as %s.%s^2 + %s.%s^2)", f->f->name, f->f->name, f->f->name, f->coord,
		     f->f->name, f->ycoord, f->f->name, f->coord, f->f->name, f->ycoord);
		return num(s, 0, l);
	}
	kind = kind == 3 ? 0 : kind;
	nx = f->n - (kind == 1);
	ny = f->ny - (kind == 2);
	t = arena_alloc(s->a, (size_t)(nx + 1) * (size_t)(ny + 1) * sizeof *t);
	for (i = 0; i <= nx; i++)
		for (j = 0; j <= ny; j++) {
			double x = f->from + (i + 0.5 * (kind == 1)) * f->h, y = f->yfrom + (j + 0.5 * (kind == 2)) * f->hy;
			double w = f->h * f->hy * (kind != 1 && (i == 0 || i == f->n) ? 0.5 : 1)
			           * (kind != 2 && (j == 0 || j == f->ny) ? 0.5 : 1);
			if (kind == 0)
				v = pt2(s, f, i, j, 0, l);
			else
				v = bin(s, OP_DIV, bin(s, OP_SUB, pt2(s, f, i + (kind == 1), j + (kind == 2), 0, l),
				                       pt2(s, f, i, j, 0, l)), num(s, kind == 1 ? f->h : f->hy, l));
			t[n++] = bin(s, OP_MUL, num(s, w, l), at_coord(s, at_coord(s,
			             int_subst(s, f, (Ast *)e, v, kind > 0), f->coord, x), f->ycoord, y));
		}
	return sum(s, t, n, l);
}

/* Does e read a second derivative of the chain f (f.xx, lap(f))? */
static int
int_d2(const Fld *f, const Ast *e)
{
	int j;

	if (!e)
		return 0;
	if (e->kind == AX_DERIV && e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name)
	    && strlen(e->letters) >= 2)
		return 1;
	if (e->kind == AX_CALL && (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap")))
		for (j = 0; j < e->nargs; j++)
			if (mentions(e->args[j], f->f->name))
				return 1;
	if (int_d2(f, e->a) || int_d2(f, e->b))
		return 1;
	for (j = 0; j < e->nargs; j++)
		if (int_d2(f, e->args[j]))
			return 1;
	return 0;
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
	if (int_d2(f, e->args[0])) {
		RERR(s, e->loc, "integral(E) of '%s' reads a second derivative, which is summed over "
		     "the model's grid field only; '%s' is taken as points (docs/language.md 14): "
		     "declare it first, or integrate %s and its slopes", f->f->name, f->f->name, f->f->name);
		return num(s, 0, l);
	}
	if (f->nd == 2)
		return chain_integral2(s, f, e->args[0], l);
	if (both) {
		/* a sum of terms of each kind: one integral of each, added, as
		 * the grid field's (language.md 17; integral(w.x^2 + 3 w^2) was
		 * refused here and taken there, a probe's) */
		const Ast *E = e->args[0];
		Ast *a = NULL, *b = NULL;
		if (E->kind == AX_BINARY && (E->op == OP_ADD || E->op == OP_SUB)) {
			a = chain_integral(s, call1(s, "integral", E->a));
			b = a ? chain_integral(s, call1(s, "integral", E->b)) : NULL;
			if (a && b)
				return bin(s, E->op, a, b);
		} else if (E->kind == AX_UNARY && E->op == OP_NEG && (a = chain_integral(s, call1(s, "integral", E->a))))
			return ast_unary(s->a, OP_NEG, a, l);
		RERR(s, e->loc, "integral(E) of the field '%s' reads %s or its slope %s.%s, not both "
		     "in one term (write two integrals)", f->f->name, f->f->name, f->f->name, f->coord);
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
 * ghosts those of w.xx and w.xxxx (each may carry a t inside).  On a 2D
 * chain the same along the bracket's axis, (E).y and (E).yy along y, a
 * at the point's other coordinate; i is then the point i (ny + 1) + j. */
static Ast *
cons(FS *s, const Fld *own, int i, Ast *X, const Ast *e, Ast *t)
{
	if (t->kind == AX_BINARY && (t->op == OP_ADD || t->op == OP_SUB))
		return bin(s, t->op, cons(s, own, i, X, e, t->a), cons(s, own, i, X, e, t->b));
	if (t->kind == AX_UNARY && t->op == OP_NEG)
		return ast_unary(s->a, OP_NEG, cons(s, own, i, X, e, t->a), t->loc);
	return cons_term(s, own, i, X, e, t);
}

/* the axis of the conservative form (E).L of f: 0 for .x and .xx, 1 for
 * a 2D field's .y and .yy; -1 for other letters */
int
cons_letters(const Fld *f, const char *L)
{
	int ax;

	for (ax = 0; ax < (f->nd == 2 ? 2 : 1); ax++) {
		const char *c = ax ? f->ycoord : f->coord;
		if (!c[1] && L[0] == c[0] && (!L[1] || (L[1] == c[0] && !L[2])))
			return ax;
	}
	return -1;
}

int
dletters(const Fld *f, const char *L, const char *W)
{
	const char c = !f->coord[1] ? f->coord[0] : 0;

	for (; *L && *W; L++, W++)
		if (*W == 't' ? *L != 't' : !c || *L != c)
			return 0;
	return !*L && !*W;
}

/* how the term t of the bracket of e is taken: *d the field's factor,
 * *coef the rest, and for C_COMMUTE *g their product as one derivative;
 * C_BAD after its message */
int
cons_kind(FS *s, const Fld *own, const Ast *e, Ast *t, Ast **coef, Ast **d, Ast **g)
{
	const char *x = cons_letters(own, e->letters) > 0 ? own->ycoord : own->coord, *L = e->letters, *dl;
	char buf[16], one[4], two[4], onet[4], tone[4], twot[4], ttwo[4];
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
	/* x, xt, tx and xx, xxt, txx in the axis' letter */
	snprintf(one, sizeof one, "%.1s", x);
	snprintf(onet, sizeof onet, "%.1st", x);
	snprintf(tone, sizeof tone, "t%.1s", x);
	snprintf(two, sizeof two, "%.1s%.1s", x, x);
	snprintf(twot, sizeof twot, "%.1s%.1st", x, x);
	snprintf(ttwo, sizeof ttwo, "t%.1s%.1s", x, x);
	if (q == 1 && (!strcmp(dl, one) || !strcmp(dl, onet) || !strcmp(dl, tone)))
		return C_HALF;
	if (q == 2 && (!strcmp(dl, two) || !strcmp(dl, twot) || !strcmp(dl, ttwo)))
		return C_DXX;
	RERR(s, e->loc, "this conservative form has no symmetric difference: the coefficient varies "
	     "in %s, so the bracket must be a * %s.%s under .%s, or a * %s.%s%s under .%s%s (each may "
	     "carry a t inside)", x, own->f->name, x, x, own->f->name, x, x, x, x);
	return C_BAD;
}

/* x mirrored into the field's domain along axis ax: a coefficient beyond
 * an end is its mirror image (discretise.c mirror) */
static double
mirror(const Fld *f, int ax, double x)
{
	double from = ax ? f->yfrom : f->from, to = ax ? f->yto : f->to;

	return x < from ? 2 * from - x : x > to ? 2 * to - x : x;
}

/* the point o away from point i along axis ax (vel as pt's) */
static Ast *
pt_ax(FS *s, const Fld *f, int i, int ax, int o, int vel, Loc l)
{
	if (f->nd != 2)
		return pt(s, f, i + o, vel, l);
	return pt2(s, f, i / (f->ny + 1) + (ax ? 0 : o), i % (f->ny + 1) + (ax ? o : 0), vel, l);
}

static Ast *
cons_term(FS *s, const Fld *own, int i, Ast *X, const Ast *e, Ast *t)
{
	int ax = cons_letters(own, e->letters) > 0;
	const char *x = ax ? own->ycoord : own->coord;
	double h = ax ? own->hy : own->h, from = ax ? own->yfrom : own->from;
	int c = own->nd != 2 ? i : ax ? i % (own->ny + 1) : i / (own->ny + 1);
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
			double xh = mirror(own, ax, from + (c + j - 0.5) * h);
			r[j] = bin(s, OP_MUL, rw(s, own, i, X, at_coord(s, coef, x, xh)),
			           bin(s, OP_SUB, pt_ax(s, own, i, ax, j, vel, l), pt_ax(s, own, i, ax, j - 1, vel, l)));
		}
		return bin(s, OP_DIV, bin(s, OP_SUB, r[1], r[0]), num(s, h * h, l));
	}
	for (j = 0; j < 3; j++) {
		int o = j - 1;
		Ast *d2 = bin(s, OP_ADD, bin(s, OP_SUB, pt_ax(s, own, i, ax, o + 1, vel, l),
		                             bin(s, OP_MUL, num(s, 2, l), pt_ax(s, own, i, ax, o, vel, l))),
		              pt_ax(s, own, i, ax, o - 1, vel, l));
		r[j] = bin(s, OP_MUL, rw(s, own, i, X, at_coord(s, coef, x, mirror(own, ax, from + (c + o) * h))), d2);
	}
	g = bin(s, OP_ADD, bin(s, OP_SUB, r[2], bin(s, OP_MUL, num(s, 2, l), r[1])), r[0]);
	return bin(s, OP_DIV, g, num(s, h * h * h * h, l));
}

/* the derivative letters of a 2D field: how many x's, y's and t's; 0 when
 * its chain takes them (language.md 11: the even derivatives of the grid
 * field's 2D schemes, u.xx, u.yy, u.xxxx, u.yyyy, u.xxyy, and the second
 * order ones with a t, as lap(u.t) gives), else -1 after its message */
int
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
	RERR(s, l, "%s.%s: a 2D field not on the grid takes %s, %s.t, %s.%s%s, %s.%s%s (and with a t: "
	     "%s.%s%st, lap(%s.t)), %s.%s%s%s%s, %s.%s%s%s%s, %s.%s%s%s%s, lap and bilap (not yet other "
	     "derivatives)", f->f->name, L, f->f->name, f->f->name, f->f->name, f->coord, f->coord,
	     f->f->name, f->ycoord, f->ycoord, f->f->name, f->coord, f->coord, f->f->name, f->f->name,
	     f->coord, f->coord, f->coord, f->coord, f->f->name, f->ycoord, f->ycoord, f->ycoord, f->ycoord,
	     f->f->name, f->coord, f->coord, f->ycoord, f->ycoord);
	return -1;
}

/* Does e read f's coordinates? */
static int
reads_place(const Fld *f, const Ast *e)
{
	return mentions(e, f->coord) || (f->nd == 2 && mentions(e, f->ycoord));
}

/* lap(e) of a field, written as e's derivatives (lap(c u.t) = c u.xxt +
 * c u.yyt; in 1D c u.xxt), as the grid field takes it (discretise.c
 * lin_lap); e linear in the field with coefficients constant in space */
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
		a = ast_name(s->a, f->f->name, e->loc);
		if (f->nd == 1)
			return ast_deriv(s->a, a, arena_strdup(s->a, bx), e->loc);
		snprintf(by, sizeof by, "%s%s%s", L, f->ycoord, f->ycoord);
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
		if ((e->op == OP_MUL || e->op == OP_DIV) && !mentions(e->b, f->f->name) && !reads_place(f, e->b))
			return bin(s, e->op, lapify(s, f, e->a), e->b);
		if (e->op == OP_MUL && !mentions(e->a, f->f->name) && !reads_place(f, e->a))
			return bin(s, OP_MUL, e->a, lapify(s, f, e->b));
		break;
	default:
		break;
	}
	RERR(s, e->loc, "inside lap(E) or bilap(E) of the %dD field '%s', E must be linear in %s with "
	     "coefficients constant in space (a second field takes no other)", f->nd, f->f->name, f->f->name);
	return num(s, 0, e->loc);
}

/* the call lap(E) or bilap(E) as E's derivatives */
Ast *
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
	if (free_plate(own))
		return plate2(s, own, i, j, qx, qy, qt ? 2 : 0, e->loc);
	return stencil2(s, own, i, j, qx, qy, qt ? 2 : 0, e->loc);
}

/* does e name a let, or a coordinate of own (which rw would take at
 * own's point)? */
static int
names_point(const FS *s, const Fld *own, const Ast *e)
{
	const Decl *d;
	int j;

	if (!e)
		return 0;
	if (e->kind == AX_NAME || e->kind == AX_CALL) {
		if (own && (!strcmp(e->name, own->coord) || (own->nd == 2 && !strcmp(e->name, own->ycoord))))
			return 1;
		if ((d = model_lookup(s->m, e->name)) && d->kind == D_LET)
			return 1;
	}
	if (names_point(s, own, e->a) || names_point(s, own, e->b))
		return 1;
	for (j = 0; j < e->nargs; j++)
		if (names_point(s, own, e->args[j]))
			return 1;
	return 0;
}

/* integral(E) over a chain, inside the pde of `own` at point i (NULL
 * where E reads no chain): a sum over all of its points, the same at
 * every point of own where E names no let and no coordinate of own
 * (its own field and coordinate are put in at each point of the sum),
 * so made once and converted once (Ast.shared): made again per point, a
 * second field's tension that reads integral(u.x^2) took N^2 terms, 3 GB
 * and a minute to check for 985 points (a probe's) */
static Ast *
rw_integral(FS *s, const Fld *own, int i, Ast *X, Ast *e)
{
	const int key = 100 + s->in_pot;    /* apart from rw_call_read's vel 0 and 1 */
	const int once = !s->to_mass && e->nargs == 1 && !names_point(s, own, e->args[0]);
	Ast *c, *r;
	int k;

	for (k = 0; once && k < s->nmemo; k++)
		if (s->memo[k].b == e && s->memo[k].own == own && s->memo[k].vel == key)
			return s->memo[k].r;
	if (!(c = chain_integral(s, e)))
		return NULL;
	r = rw(s, own, i, X, c);
	if (!once)
		return r;
	r->shared = 1;
	memo_add(s, e, own, key, r);
	return r;
}

/* e with every read of a chain's field written out; inside the pde of
 * chain `own` at point i also its derivatives, coordinate and deltas (X:
 * the position of the term's delta, for a bare `w` there) */
Ast *
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
		/* a field whole in another's pde (the grid field's, checked
		 * later, would read as a lumped object's: it is one point's) */
		if (chain(s, e->name) || (own && s->main && !strcmp(e->name, s->main->name))) {
			const Decl *f = chain(s, e->name) ? chain(s, e->name)->f : s->main;
			const char *xy = f->nargs == 2 ? "X, Y" : "X";
			RERR(s, e->loc, "the field '%s' is read whole %s%s%s; read it at a point, %s(%s) (or "
			     "%s.t(%s)), as forces between parts are (docs/language.md 14)", e->name,
			     own ? "in the pde of '" : "here, outside its own pde", own ? own->f->name : "",
			     own ? "'" : "", e->name, xy, e->name, xy);
		}
		return e;
	case AX_CALL:
		if (chain(s, e->name))
			return rw_call_read(s, own, i, X, e, 0, e->loc);
		if (!strcmp(e->name, "integral") && (c = rw_integral(s, own, i, X, e)))
			return c;
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
			den = bin(s, OP_MUL, num(s, own->h * own->hy * end_cell(own->bc, i / (own->ny + 1), own->n)
			                            * end_cell(own->bcy, i % (own->ny + 1), own->ny), e->loc),
			          own->density ? rw(s, own, i, NULL, own->density) : num(s, 1, e->loc));
			return bin(s, OP_DIV, bin(s, OP_MUL, hx, hy), den);
		}
		if (own && e->nargs == 1 && (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap")))
			return rw(s, own, i, X, lap_call(s, own, e));
		if (own && (p = delta_pos(s, own, e, 1))) {
			Ast *den = s->to_mass ? s->to_mass                      /* point i's mass */
			         : bin(s, OP_MUL, num(s, own->h * end_cell(own->bc, i, own->n), e->loc),
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
				RERR(s, e->loc, "%s.%s(X, Y): a 2D field not on the grid is read as %s(X, Y) or "
				     "%s.t(X, Y) (its slope and shear are read on a 1D field only)", f->f->name,
				     e->letters, f->f->name, f->f->name);
				return num(s, 0, e->loc);
			}
			if (dletters(f, e->letters, "x"))
				return slope(s, own, i, e->a);
			if (dletters(f, e->letters, "xxx"))
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
			if (cons_letters(own, e->letters) < 0) {
				RERR(s, e->loc, "a 2D field's pde takes the conservative forms (E).%s, (E).%s%s, "
				     "(E).%s and (E).%s%s, one axis a bracket (not .%s)", own->coord, own->coord,
				     own->coord, own->ycoord, own->ycoord, own->ycoord, e->letters);
				return num(s, 0, e->loc);
			}
			return cons(s, own, i, X, e, e->a);
		}
		if (own && own->nd == 2 && e->a->kind == AX_NAME && !strcmp(e->a->name, own->f->name))
			return X && !strcmp(e->letters, "t") ? interp2(s, own, X->args[0], X->args[1], 1)
			                                    : deriv2(s, own, i, e);
		if (own && e->a->kind == AX_NAME && !strcmp(e->a->name, own->f->name) && !e->paren) {
			double h = own->h;
			Loc l = e->loc;
			if (!strcmp(e->letters, "t"))
				return X ? interp(s, own, X, 1) : pt(s, own, i, 1, l);
			if (dletters(own, e->letters, "x") || dletters(own, e->letters, "xt")
			    || dletters(own, e->letters, "tx")) {
				int v = e->letters[1] ? 2 : 0;
				return bin(s, OP_DIV, bin(s, OP_SUB, pt(s, own, i + 1, v, l), pt(s, own, i - 1, v, l)),
				           num(s, 2 * h, l));
			}
			if (dletters(own, e->letters, "xx") || dletters(own, e->letters, "xxt")
			    || dletters(own, e->letters, "txx")) {
				int v = e->letters[2] ? 2 : 0;
				Ast *d2 = bin(s, OP_ADD, bin(s, OP_SUB, pt(s, own, i + 1, v, l),
				                             bin(s, OP_MUL, num(s, 2, l), pt(s, own, i, v, l))),
				              pt(s, own, i - 1, v, l));
				return bin(s, OP_DIV, d2, num(s, h * h, l));
			}
			if (dletters(own, e->letters, "xxxx")) {
				/* (u[i+2] - 4 u[i+1] + 6 u[i] - 4 u[i-1] + u[i-2]) / h^4 */
				Ast *o = bin(s, OP_ADD, pt(s, own, i + 2, 0, l), pt(s, own, i - 2, 0, l));
				Ast *n = bin(s, OP_ADD, pt(s, own, i + 1, 0, l), pt(s, own, i - 1, 0, l));
				Ast *d4 = bin(s, OP_ADD, bin(s, OP_SUB, o, bin(s, OP_MUL, num(s, 4, l), n)),
				              bin(s, OP_MUL, num(s, 6, l), pt(s, own, i, 0, l)));
				return bin(s, OP_DIV, d4, num(s, h * h * h * h, l));
			}
			RERR(s, e->loc, "%s.%s: a second field's pde takes %s, %s.t, %s.%s, "
			           "%s.%s%s, %s.%s%st and %s.%s%s%s%s (not yet other derivatives)", own->f->name,
			           e->letters, own->f->name, own->f->name, own->f->name, own->coord,
			           own->f->name, own->coord, own->coord, own->f->name, own->coord, own->coord,
			           own->f->name, own->coord, own->coord, own->coord, own->coord);
			s->nerr++;
			return e;
		}
		if (own && e->paren) {
			if (cons_letters(own, e->letters) < 0) {
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
	case AX_INDEX:     /* a net's output j: its call's arguments at the point (n(x)[1] kept x) */
		if (own && !X && e->kind == AX_BINARY && (e->op == OP_MUL || e->op == OP_DIV)
		    && (p = term_delta(s, own, e))) {
			/* a place of t, as the grid field's; not of the state */
			if (moves(s, p, 0)) {
				RERR(s, p->loc, "a delta's position must not depend on the state (a field or "
				     "lumped object): a force acts at a fixed place, or one of params and t");
				return num(s, 0, e->loc);
			}
			X = rw(s, own, i, NULL, p);
		}
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
 * and y's; lap counting 2 and bilap 4) */
int
xorder(const Fld *f, const Ast *e)
{
	int n = 0, j, m;

	if (!e)
		return 0;
	if (e->kind == AX_CALL && e->nargs == 1 && (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap")))
		return (e->name[0] == 'b' ? 4 : 2) + xorder(f, e->args[0]);
	if (f->nd == 2 && e->kind == AX_DERIV && !e->paren && e->a->kind == AX_NAME
	    && !strcmp(e->a->name, f->f->name)) {
		for (j = 0; e->letters[j]; j++)
			n += e->letters[j] != 't';
		return n;
	}
	if (e->kind == AX_DERIV && (e->paren || (e->a->kind == AX_NAME && !strcmp(e->a->name, f->f->name))))
		for (j = 0; e->letters[j]; j++)
			n += (e->letters[j] == f->coord[0] && !f->coord[1])
			     || (f->nd == 2 && e->letters[j] == f->ycoord[0] && !f->ycoord[1]);
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

static void plate_coefs(FS *s, const Fld *f, Ast *e, Ast *c, Ast *acc[2][P_NBASIS], int *odd);

/* the terms t of the bracket of the conservative form e, times c: those
 * that commute with it as the derivatives they are (cons_kind; the rest
 * were reported by cons_check) */
static void
plate_cons(FS *s, const Fld *f, Ast *e, Ast *t, Ast *c, Ast *acc[2][P_NBASIS], int *odd)
{
	Ast *coef, *d, *g;
	int mute = s->mute, k;

	if (t->kind == AX_BINARY && (t->op == OP_ADD || t->op == OP_SUB)) {
		plate_cons(s, f, e, t->a, c, acc, odd);
		plate_cons(s, f, e, t->b, t->op == OP_SUB ? ast_unary(s->a, OP_NEG, c, c->loc) : c, acc, odd);
		return;
	}
	if (t->kind == AX_UNARY && t->op == OP_NEG) {
		plate_cons(s, f, e, t->a, ast_unary(s->a, OP_NEG, c, c->loc), acc, odd);
		return;
	}
	s->mute = 1;
	k = cons_kind(s, f, e, t, &coef, &d, &g);
	s->mute = mute;
	if (k == C_COMMUTE)
		plate_coefs(s, f, g, c, acc, odd);
	else
		*odd = 1;
}

/* e's linear terms in the derivatives of the plate f: acc[level][basis]
 * += their coefficients (level 1: with a t); *odd when a term is not of
 * that form (a coefficient reading f) */
static void
plate_coefs(FS *s, const Fld *f, Ast *e, Ast *c, Ast *acc[2][P_NBASIS], int *odd)
{
	const char *w = f->f->name;
	int qx, qy, qt, b;

	switch (e->kind) {
	case AX_BINARY:
		if (e->op == OP_ADD || e->op == OP_SUB) {
			plate_coefs(s, f, e->a, c, acc, odd);
			plate_coefs(s, f, e->b, e->op == OP_SUB ? ast_unary(s->a, OP_NEG, c, c->loc) : c, acc, odd);
		} else if ((e->op == OP_MUL || e->op == OP_DIV) && !mentions(e->b, w)) {
			plate_coefs(s, f, e->a, bin(s, e->op, c, e->b), acc, odd);
		} else if (e->op == OP_MUL && !mentions(e->a, w)) {
			plate_coefs(s, f, e->b, bin(s, OP_MUL, e->a, c), acc, odd);
		} else if (mentions(e, w)) {
			*odd = 1;
		}
		return;
	case AX_UNARY:
		if (e->op == OP_NEG)
			plate_coefs(s, f, e->a, ast_unary(s->a, OP_NEG, c, c->loc), acc, odd);
		else
			*odd |= mentions(e, w);
		return;
	case AX_CALL:
		if (e->nargs == 1 && (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap")))
			plate_coefs(s, f, lap_call(s, f, e), c, acc, odd);
		return;
	case AX_DERIV:
		if (e->paren) {
			plate_cons(s, f, e, e->a, c, acc, odd);
			return;
		}
		if (e->a->kind != AX_NAME || strcmp(e->a->name, w) != 0)
			return;
		if (letters2(s, f, e->letters, e->loc, &qx, &qy, &qt) < 0 || qx + qy == 0)
			return;
		b = qx == 4 ? P_X4 : qy == 4 ? P_Y4 : qx && qy ? P_XXYY : qx ? P_XX : P_YY;
		acc[qt][b] = acc[qt][b] ? bin(s, OP_ADD, acc[qt][b], c) : c;
		return;
	default:
		return;
	}
}

/* e with the params as their defaults */
static Ast *
at_defaults(FS *s, Ast *e)
{
	const char *v[64];
	Ast *a[64];
	int i, n = 0;

	for (i = 0; i < s->m->ndecls && n < 64; i++)
		if (s->m->decls[i]->kind == D_PARAM && s->m->decls[i]->name && s->m->decls[i]->value) {
			v[n] = s->m->decls[i]->name;
			a[n++] = s->m->decls[i]->value;
		}
	return subst(s, e, v, a, n);
}

/* The free plate's rows (plate.c) hold for an isotropic plate: the pde's
 * coefficients of w.xxxx, w.yyyy and w.xxyy a, a and 2a, as bilap gives
 * them (a fourth derivative takes no t, letters2).  Checked where they
 * fold to numbers, the params at their defaults; the grid field takes
 * the same rows and does not check. */
void
plate_check(FS *s, const Fld *f)
{
	static const int b[3] = {P_X4, P_Y4, P_XXYY};
	Ast *acc[2][P_NBASIS] = {{0}};
	double v[3];
	int odd = 0, k;

	plate_coefs(s, f, f->pde->value, num(s, 1, f->pde->loc), acc, &odd);
	for (k = 0; k < 3 && !odd; k++)
		if (!acc[0][b[k]])
			v[k] = 0;
		else if (!fold(s->m, at_defaults(s, acc[0][b[k]]), &v[k], 0))
			return;
	if (odd)
		return;
	if (fabs(v[0] - v[1]) > 1e-12 * fabs(v[0]) || fabs(v[2] - 2 * v[0]) > 1e-12 * fabs(v[0])) {
		diag_error(s->d, f->pde->loc, "the plate '%s' has a free edge, so its pde must be isotropic: "
		           "the coefficients of %s.%s%s%s%s, %s.%s%s%s%s and %s.%s%s%s%s a, a and 2a, as "
		           "bilap(%s) gives them (here %g, %g and %g): the free edges' rows hold for no other",
		           f->f->name, f->f->name, f->coord, f->coord, f->coord, f->coord, f->f->name, f->ycoord,
		           f->ycoord, f->ycoord, f->ycoord, f->f->name, f->coord, f->coord, f->ycoord, f->ycoord,
		           f->f->name, v[0], v[1], v[2]);
		s->nerr++;
	}
}
