/* sema_spring.c — a potential that is a quadratic form of point reads
 * and lumped objects, a linear spring (`K / 2 * (u(xb) - b)^2`,
 * `K / 2 * u(0.2)^2`), is not carried by SAV (language.md 12): its forces
 * are linear in the state, and the explicit forces between parts of
 * language.md 11 are their exact scheme.  SAV's g = V' / sqrt(2 V) jumps
 * from -sqrt(K) to sqrt(K) where such a V passes through its minimum, so
 * psi stops following sqrt(2 V) at every zero of the stretch: a string on a
 * spring to the ground sounded 108 Hz for 120 (docs/language.md 17).
 *
 * Before sema_fields (which rewrites the pdes of the fields off the grid),
 * each such potential's -dV/dq is added to the pde of each part q it
 * reads: `- dV/du(X) * delta(x - X)` to a field's (F / density there,
 * language.md 11), `- dV/dz / M` to a lumped object's; the potential
 * stays, checked as written, marked lowered (discretise.c leaves it out
 * of SAV).  The energy output then counts the spring as K d[n+1] d[n] / 2
 * (docs/language.md 15), conserved exactly; the grid counts its
 * stiffness as the coupling it is; a rest offset's constant force and
 * energy too (discretise.c split_constant).  Anything else (integrals,
 * max(0, ...)^p, a quartic term) stays with SAV.
 * A sum of such a form and terms that are >= 0 by their shape (K3 / 4 *
 * u(X)^4, a felt's max(0, ...)^p) is split: the form is lowered, SAV
 * carries the rest (Decl.sav).  Carried whole, a stiffening spring's g
 * jumped as the linear one's: K / 2 u^2 + K3 / 4 u^4 with K3 u^2 1e-8
 * of K lost half its amplitude in 0.5 s and its partials, a Duffing
 * oscillator's period drifted 20 % (a probe's). */
#include <math.h>
#include <string.h>

#include "ast.h"
#include "sema.h"

enum { MAXRD = 16 };

typedef struct {
	Arena *a;
	const Model *m;
	Ast *rd[MAXRD];        /* the distinct reads, as first written */
	const Decl *f[MAXRD];  /* their fields */
	int n;
} Q;

/* The field e reads at a point (u(X), w(X, Y)) or as a lumped object
 * (z), else NULL. */
static const Decl *
read_of(const Model *m, const Ast *e)
{
	const Decl *d;

	if (e->kind != AX_NAME && e->kind != AX_CALL)
		return NULL;
	if (!(d = model_lookup(m, e->name)) || d->kind != D_FIELD)
		return NULL;
	if (e->kind == AX_NAME)
		return d->nargs == 0 ? d : NULL;
	return d->nargs > 0 && e->nargs == d->nargs ? d : NULL;
}

/* e's degree in the state: 0, 1, 2, or -1 when it is not a polynomial of
 * degree 2 or less in point reads and lumped objects (or is not
 * understood here: it then stays with SAV).  Records the reads in q. */
static int
deg(Q *q, const Ast *e, int depth)
{
	const Decl *d;
	int i, x, y;

	if (!e || depth > 200)
		return -1;
	switch (e->kind) {
	case AX_NUM:
		return 0;
	case AX_NAME:
		if (!strcmp(e->name, "pi"))
			return 0;
		if ((d = read_of(q->m, e)))
			goto read;
		d = model_lookup(q->m, e->name);
		/* a let without arguments is of consts and params (language.md 2) */
		return d && (d->kind == D_PARAM || d->kind == D_CONST || (d->kind == D_LET && !d->nargs)) ? 0 : -1;
	case AX_CALL:
		if ((d = read_of(q->m, e))) {
			for (i = 0; i < e->nargs; i++)
				if (deg(q, e->args[i], depth + 1) != 0)
					return -1;
			goto read;
		}
		d = model_lookup(q->m, e->name);
		if (!(d && (d->kind == D_FN || d->kind == D_NET)) && (builtin_arity(e->name) < 0
		    || !strcmp(e->name, "delta") || !strcmp(e->name, "integral") || !strcmp(e->name, "lap")
		    || !strcmp(e->name, "bilap")))
			return -1;
		for (i = 0; i < e->nargs; i++)
			if (deg(q, e->args[i], depth + 1) != 0)
				return -1;
		return 0;
	case AX_INDEX:
		return deg(q, e->a, depth + 1) == 0 ? 0 : -1;
	case AX_UNARY:
		x = deg(q, e->a, depth + 1);
		return e->op == OP_NEG || x == 0 ? x : -1;
	case AX_BINARY:
		x = deg(q, e->a, depth + 1);
		y = deg(q, e->b, depth + 1);
		if (x < 0 || y < 0)
			return -1;
		switch (e->op) {
		case OP_ADD: case OP_SUB:
			return x > y ? x : y;
		case OP_MUL:
			return x + y <= 2 ? x + y : -1;
		case OP_DIV:
			return y == 0 ? x : -1;
		case OP_POW:
			if (x == 0 && y == 0)
				return 0;
			if (y != 0 || e->b->kind != AX_NUM || (e->b->num != 1 && e->b->num != 2))
				return -1;
			return x * (int)e->b->num <= 2 ? x * (int)e->b->num : -1;
		default:
			return x == 0 && y == 0 ? 0 : -1;
		}
	default:
		return -1;
	}
read:
	for (i = 0; i < q->n; i++)
		if (ast_same(q->rd[i], e))
			return 1;
	if (q->n == MAXRD)
		return -1;
	q->rd[q->n] = (Ast *)e;
	q->f[q->n++] = d;
	return 1;
}

/* A copy of e (later passes may rewrite a tree in place). */
static Ast *
copy(Arena *a, const Ast *e)
{
	Ast *c;
	int i;

	if (!e)
		return NULL;
	c = arena_alloc(a, sizeof *c);
	*c = *e;
	c->a = copy(a, e->a);
	c->b = copy(a, e->b);
	if (e->nargs) {
		c->args = arena_alloc(a, (size_t)e->nargs * sizeof *c->args);
		for (i = 0; i < e->nargs; i++)
			c->args[i] = copy(a, e->args[i]);
	}
	return c;
}

static Ast *
num(Arena *a, double v, Loc l)
{
	return ast_num(a, v, l);
}

/* de/dr for e of degree 2 or less (deg), NULL for 0 */
static Ast *
diff(Q *q, const Ast *e, const Ast *r)
{
	Arena *a = q->a;
	Ast *x, *y;
	Loc l = e->loc;

	if (ast_same(e, r))
		return num(a, 1, l);
	switch (e->kind) {
	case AX_UNARY:
		x = diff(q, e->a, r);
		return x ? ast_unary(a, OP_NEG, x, l) : NULL;
	case AX_BINARY:
		x = diff(q, e->a, r);
		y = diff(q, e->b, r);
		switch (e->op) {
		case OP_ADD:
			return !x ? y : !y ? x : ast_binary(a, OP_ADD, x, y, l);
		case OP_SUB:
			return !y ? x : !x ? ast_unary(a, OP_NEG, y, l) : ast_binary(a, OP_SUB, x, y, l);
		case OP_MUL:
			if (x)
				x = ast_binary(a, OP_MUL, x, copy(a, e->b), l);
			if (y)
				y = ast_binary(a, OP_MUL, copy(a, e->a), y, l);
			return !x ? y : !y ? x : ast_binary(a, OP_ADD, x, y, l);
		case OP_DIV:
			return x ? ast_binary(a, OP_DIV, x, copy(a, e->b), l) : NULL;
		case OP_POW:    /* a^1, a^2 (deg) */
			if (!x)
				return NULL;
			if (e->b->num == 1)
				return x;
			return ast_binary(a, OP_MUL, ast_binary(a, OP_MUL, num(a, 2, l), copy(a, e->a), l), x, l);
		default:
			return NULL;
		}
	default:
		return NULL;
	}
}

static Ast *
mass_of(const Decl *f)
{
	int i;

	for (i = 0; i < f->nopts; i++)
		if (!strcmp(f->opts[i].word, "mass"))
			return f->opts[i].v;
	return NULL;
}

static int nonneg(const Model *m, const Ast *e, int depth);

/* the factors of e's product (and quotient), into f (at most 16; -1 when
 * more) */
static int
factors(const Ast *e, const Ast **f, int n)
{
	if (n < 0)
		return n;
	if (e->kind == AX_BINARY && (e->op == OP_MUL || e->op == OP_DIV))
		return factors(e->b, f, factors(e->a, f, n));
	if (n == 16)
		return -1;
	f[n] = e;
	return n + 1;
}

/* a product >= 0 by its shape: its factors paired with equal ones (z * z
 * * z * z), the others each >= 0 */
static int
nonneg_product(const Model *m, const Ast *e, int depth)
{
	const Ast *f[16];
	int n = factors(e, f, 0), i, j;

	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (!f[i])
			continue;
		for (j = i + 1; j < n && !(f[j] && ast_same(f[i], f[j])); j++)
			;
		if (j < n) {
			f[i] = f[j] = NULL;
			continue;
		}
		if (!nonneg(m, f[i], depth + 1))
			return 0;
	}
	return 1;
}

/* Is e >= 0 by its shape: numbers, params whose range starts at 0 or
 * above, even powers, abs, exp, max(0, ...), and sums, products and
 * quotients of such (a factor twice counts as its square)?  (0: not
 * known) */
static int
nonneg(const Model *m, const Ast *e, int depth)
{
	const Decl *d;
	int i;

	if (!e || depth > 200)
		return 0;
	switch (e->kind) {
	case AX_NUM:
		return e->num >= 0;
	case AX_NAME:
		if (!strcmp(e->name, "pi"))
			return 1;
		d = model_lookup(m, e->name);
		if (d && d->kind == D_PARAM)
			return d->lo && d->lo->kind == AX_NUM && d->lo->num >= 0;
		return d && (d->kind == D_CONST || (d->kind == D_LET && !d->nargs)) && nonneg(m, d->value, depth + 1);
	case AX_BINARY:
		switch (e->op) {
		case OP_ADD:
			return nonneg(m, e->a, depth + 1) && nonneg(m, e->b, depth + 1);
		case OP_MUL: case OP_DIV:
			return nonneg_product(m, e, depth);
		case OP_POW:
			if (e->b->kind == AX_NUM && e->b->num == 2 * floor(e->b->num / 2))
				return 1;
			return nonneg(m, e->a, depth + 1);
		default:
			return 0;
		}
	case AX_CALL:
		if (!strcmp(e->name, "abs") || !strcmp(e->name, "exp"))
			return 1;
		if (!strcmp(e->name, "max")) {
			for (i = 0; i < e->nargs; i++)
				if (nonneg(m, e->args[i], depth + 1))
					return 1;
			return 0;
		}
		if (!strcmp(e->name, "integral") && e->nargs == 1)
			return nonneg(m, e->args[0], depth + 1);
		return 0;
	default:
		return 0;
	}
}

/* The terms of e's sum, each with its sign, into t (at most MAXT;
 * -1 when there are more) */
enum { MAXT = 32 };
typedef struct { const Ast *e; int neg; } Term;

static int
terms(const Ast *e, int neg, Term *t, int n)
{
	if (n < 0)
		return n;
	if (e->kind == AX_BINARY && (e->op == OP_ADD || e->op == OP_SUB))
		return terms(e->b, e->op == OP_SUB ? !neg : neg, t, terms(e->a, neg, t, n));
	if (e->kind == AX_UNARY && e->op == OP_NEG)
		return terms(e->a, !neg, t, n);
	if (n == MAXT)
		return -1;
	t[n].e = e;
	t[n].neg = neg;
	return n + 1;
}

/* the sum of t's terms that are (form = 1) or are not (0) quadratic
 * forms (flags in quad), NULL for none */
static Ast *
sum_of(Arena *a, const Term *t, const int *quad, int n, int form)
{
	Ast *s = NULL, *x;
	int i;

	for (i = 0; i < n; i++) {
		if (quad[i] != form)
			continue;
		x = copy(a, t[i].e);
		if (!s)
			s = t[i].neg ? ast_unary(a, OP_NEG, x, x->loc) : x;
		else
			s = ast_binary(a, t[i].neg ? OP_SUB : OP_ADD, s, x, x->loc);
	}
	return s;
}

/* the nodes of e, counted down from *left (to below 0: too many) */
static void
count(const Ast *e, long *left)
{
	int i;

	if (!e || --*left < 0)
		return;
	count(e->a, left);
	count(e->b, left);
	for (i = 0; i < e->nargs && *left >= 0; i++)
		count(e->args[i], left);
}

/* e as the shape tests read it: each call of a fn its body with the
 * arguments in place (language.md 4: a fn is inlined where it is
 * called), and arithmetic of numbers alone folded (z^2^2, z^(2 * 2)).
 * A spring written as `fn spr(a) = K / 2 * a^2`, `potential s =
 * spr(z)`, went whole to SAV: 4.1 % sharp (a probe's). */
static Ast *
expand(Arena *a, const Model *m, const Ast *e, const char **v, Ast **arg, int n, int depth, long *left)
{
	const Decl *d;
	Ast *c, *x[8];
	int i;

	if (!e)
		return NULL;
	/* a budget of nodes: fns of fns grow as powers, and one that calls
	 * itself (sema's error, later) for ever; past it, the potential as
	 * written (a probe's: f(a) = f(a) + f(a) hung) */
	if (--*left < 0)
		return NULL;
	if (e->kind == AX_NAME)
		for (i = 0; i < n; i++)
			if (!strcmp(e->name, v[i])) {
				count(arg[i], left);
				return *left < 0 ? NULL : copy(a, arg[i]);
			}
	c = arena_alloc(a, sizeof *c);
	*c = *e;
	c->a = expand(a, m, e->a, v, arg, n, depth + 1, left);
	c->b = expand(a, m, e->b, v, arg, n, depth + 1, left);
	if (e->nargs) {
		c->args = arena_alloc(a, (size_t)e->nargs * sizeof *c->args);
		for (i = 0; i < e->nargs; i++)
			c->args[i] = expand(a, m, e->args[i], v, arg, n, depth + 1, left);
	}
	if (e->kind == AX_CALL && depth < 64 && e->nargs <= 8 && (d = model_lookup(m, e->name))
	    && d->kind == D_FN && d->nargs == e->nargs && d->value) {
		for (i = 0; i < e->nargs; i++)
			x[i] = c->args[i];
		return expand(a, m, d->value, (const char **)d->args, x, e->nargs, depth + 1, left);
	}
	if (c->kind == AX_BINARY && c->a && c->b && c->a->kind == AX_NUM && c->b->kind == AX_NUM) {
		double r = NAN;
		switch (c->op) {
		case OP_ADD: r = c->a->num + c->b->num; break;
		case OP_SUB: r = c->a->num - c->b->num; break;
		case OP_MUL: r = c->a->num * c->b->num; break;
		case OP_DIV: r = c->a->num / c->b->num; break;
		case OP_POW: r = pow(c->a->num, c->b->num); break;
		default: break;
		}
		if (isfinite(r))
			return num(a, r, e->loc);
	}
	if (c->kind == AX_UNARY && c->op == OP_NEG && c->a && c->a->kind == AX_NUM)
		return num(a, -c->a->num, e->loc);
	return c;
}

/* value's forces into the pdes, when it is a quadratic form (deg); 1 if
 * so */
static int
lower(Arena *a, Model *m, Ast *value)
{
	Q q;
	Decl *pde[MAXRD];
	int i;

	memset(&q, 0, sizeof q);
	q.a = a;
	q.m = m;
	/* a polynomial of degree 2 in the reads: a spring with a rest
	 * offset, K / 2 * (u(X) - d)^2, is the spring and a constant force
	 * (discretise.c split_constant, whose work the energy counts); with
	 * SAV it sounded 1.6 % flat (a probe's) */
	if (deg(&q, value, 0) != 2)
		return 0;
	for (i = 0; i < q.n; i++)
		if (!(pde[i] = model_pde(m, q.f[i]->name)) || !pde[i]->value)
			return 0;
	for (i = 0; i < q.n; i++) {
		const Decl *f = q.f[i];
		Ast *r = q.rd[i], *g = diff(&q, value, r), *t, *mass;
		Loc l = value->loc;

		if (!g)
			continue;
		if (f->nargs == 0) {    /* a lumped object: -dV/dz / M */
			t = (mass = mass_of(f)) ? ast_binary(a, OP_DIV, g, copy(a, mass), l) : g;
		} else {                /* a field: -dV/du(X) delta(x - X[, y - Y]) */
			AstList *args = NULL;
			int j;
			for (j = 0; j < f->nargs; j++)
				args = ast_list(a, args, ast_binary(a, OP_SUB, ast_name(a, f->args[j], l),
				                                    copy(a, r->args[j]), l));
			t = ast_call(a, "delta", l, args, l);
			t->spring = 1;
			t = ast_binary(a, OP_MUL, g, t, l);
		}
		pde[i]->value = ast_binary(a, OP_SUB, pde[i]->value, t, pde[i]->value->loc);
	}
	return 1;
}

/* p's quadratic terms (of value, its shape) lowered, SAV left the rest,
 * when the rest is >= 0 by its shape (else p stays whole with SAV, and
 * the term is kept for a warning once the potential is known to be >= 0
 * and its names known: discretise.c) */
static void
split(Arena *a, Model *m, Decl *p, Ast *value)
{
	Term t[MAXT];
	int quad[MAXT], n = terms(value, 0, t, 0), i, nq = 0;
	Ast *form, *rest;

	for (i = 0; i < n; i++) {
		Q q;
		memset(&q, 0, sizeof q);
		q.a = a;
		q.m = m;
		quad[i] = deg(&q, t[i].e, 0) >= 0;    /* of degree 2 or less */
		nq += quad[i];
	}
	if (n < 2 || nq == 0 || nq == n)
		return;
	for (i = 0; i < n; i++)
		if (!quad[i] && (t[i].neg || !nonneg(m, t[i].e, 0))) {
			p->sav_warn = t[i].e;
			return;
		}
	form = sum_of(a, t, quad, n, 1);
	rest = sum_of(a, t, quad, n, 0);
	if (lower(a, m, form))
		p->sav = rest;
}

void
sema_springs(Model *m)
{
	long left;
	int i;

	for (i = 0; i < m->ndecls; i++) {
		Decl *p = m->decls[i];
		Ast *v;
		if (p->kind != D_POTENTIAL || p->lowered || !p->value)
			continue;
		left = 20000;
		if (!(v = expand(m->arena, m, p->value, NULL, NULL, 0, 0, &left)) || left < 0)
			v = p->value;
		if (lower(m->arena, m, v))
			p->lowered = 1;
		else
			split(m->arena, m, p, v);
	}
}
