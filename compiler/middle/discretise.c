/* discretise.c — the pde as an explicit two-step scheme (spec section 5).
 *
 * requires: a Model that sema_check accepted (names resolved, kinds set,
 *           derivative letters valid, delta arguments of the form x - X).
 * leaves:   a Scheme whose interior taps are the update solved for u[n+1],
 *           every coefficient an Expr of params, k, hx, hy (and t, x, y
 *           where the model makes them vary).
 *
 * The right-hand side is first put in linear form: a sum of
 * coef * D(u) over derivative atoms D = d^px/dx^px d^py/dy^py (d/dt)^pt,
 * plus point sources coef * delta(...) and a forcing term free of u.
 * Each atom then becomes its centred difference (NSS 2.2, 5.2, 10.2):
 *   pt = 0          D_h u[n]
 *   pt = 1, no D    (u[n+1] - u[n-1]) / 2k     (implicit, but point-local)
 *   pt = 1, with D  D_h (u[n] - u[n-1]) / k    (keeps the scheme explicit)
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "diff.h"
#include "ir.h"

#define PI 3.14159265358979323846

typedef struct Atom {
	int p[3];              /* orders in x, y, t */
	Expr *coef;
} Atom;

typedef struct Delta {
	Expr *coef;
	Expr *pos[2];
	Loc loc;
} Delta;

/* A conservative form (language.md section 10): scale * (a * D u).D along
 * one axis, D = d/dx (q = 1) or d2/dx2 (q = 2), with a varying along that
 * axis; pt = 1 when the inner derivative has a t too, (a * u.xt).x. */
typedef struct Cons {
	int axis, q, pt;
	int sym;               /* the only spatial operator: planned made symmetric */
	Expr *a;               /* inside the bracket */
	Expr *scale;           /* outside it */
} Cons;

typedef struct Lin {       /* c0 + sum atoms + sum deltas + sum conservative forms */
	Expr *c0;
	Atom *atom; int natom;
	Delta *delta; int ndelta;
	Cons *cons; int ncons;
} Lin;

typedef struct Bind {      /* fn / let argument bindings */
	const char **names;
	Expr **vals;
	int n;
	struct Bind *up;
} Bind;

/* An inlined call: the body of decl with these argument Exprs.  Exprs
 * are hash-consed, so equal pointers are equal arguments and the body
 * converts to the same Expr: fn h(a) = g(a) + g(a) inlines g once, and a
 * chain of such fns stays linear instead of doubling per level. */
typedef struct Call {
	const Decl *d;
	Expr *args[8];
	Expr *val;
	struct Call *next;
} Call;

/* A net evaluated at these arguments: its outputs. */
typedef struct NetEval {
	const Decl *d;
	Expr **args, **out;
	struct NetEval *next;
} NetEval;

typedef struct Ctx {
	Arena *a;
	Diag *d;
	const Model *m;
	ExprPool *p;
	Expr **memo;           /* scalar lets by decl index in m->order */
	Call **calls;          /* inlined calls, hashed */
	unsigned ncalls, calls_cap;
	NetEval *nets;         /* nets evaluated so far */
	int failed;
	/* several parts: reads of the state become params nparams + r */
	Read *rd; int nrd, caprd;
	/* read_of's index of rd (open addressing, -1 empty) and the table and
	 * count it holds: rebuilt when rd is another table (out_expr's) */
	int *rdh; unsigned rdhcap; const Read *rdhfor; int rdhn;
	int np;                /* the model's params */
	int self;              /* the lumped object whose pde this is, or -1 */
	/* conv of the shared reads (Ast.shared): a chain's read at a place of
	 * params in every point's pde, its sum over all the points converted
	 * once (each time: N^2 for N points, 12 s to check two strings joined
	 * at a param's place; a probe's) */
	struct { const Ast *e; Expr *x; } *smemo;
	int nsmemo, capsmemo;
	Expr **field_at;       /* `u * delta(x - X)`: the field read at X */
	int in_int;            /* converting integral(E)'s E: u and its derivatives
	                        * are the symbols IG_* stand for */
} Ctx;

/* Inside an integrand the field's quantities are symbols an integrand
 * has no other use for (it has no t, k or h): IG_* in the order of the
 * read kinds (ir.h RD_INT) */
#define IG_U   SYM_THX
#define IG_UX  SYM_THY
#define IG_UY  SYM_T
#define IG_UXX SYM_K
#define IG_UYY SYM_HX
#define IG_LAP SYM_HY
static const Sym ig_sym[6] = {IG_U, IG_UX, IG_UY, IG_UXX, IG_UYY, IG_LAP};

static Expr *conv(Ctx *c, const Ast *e, const Bind *b);
static Expr *conv_node(Ctx *c, const Ast *e, const Bind *b);
static Expr *conv_net(Ctx *c, const Ast *e, int J, const Bind *b);

static Expr *
num(Ctx *c, double v)
{
	return ex_num(c->p, v);
}

static int
coord_index(const Model *m, const char *name)
{
	int i;

	for (i = 0; i < m->ndim; i++)
		if (strcmp(m->domain->coord[i], name) == 0)
			return i;
	return -1;
}

static int
param_index(const Model *m, const Decl *d)
{
	int i;

	for (i = 0; i < m->nparams; i++)
		if (m->params[i] == d)
			return i;
	die("param '%s' is not indexed", d->name);
}

static int
order_index(const Model *m, const Decl *d)
{
	int i;

	for (i = 0; i < m->norder; i++)
		if (m->order[i] == d)
			return i;
	die("'%s' is not in dependency order", d->name);
}

static const Expr *
lookup_bind(const Bind *b, const char *name)
{
	int i;

	for (; b; b = b->up)
		for (i = 0; i < b->n; i++)
			if (strcmp(b->names[i], name) == 0)
				return b->vals[i];
	return NULL;
}

static unsigned
call_hash(const Decl *d, Expr **args, int n)
{
	uintptr_t h = (uintptr_t)d;
	int i;

	for (i = 0; i < n; i++)
		h = h * 31 + args[i]->id;
	h ^= h >> 15;
	return (unsigned)(h * 2654435761u);
}

static void
calls_grow(Ctx *c)
{
	unsigned ncap = c->calls_cap ? 2 * c->calls_cap : 64, i;
	Call **nt = mem_alloc(ncap * sizeof *nt), *k, *next;

	for (i = 0; i < c->calls_cap; i++)
		for (k = c->calls[i]; k; k = next) {
			next = k->next;
			unsigned h = call_hash(k->d, k->args, k->d->nargs) & (ncap - 1);
			k->next = nt[h];
			nt[h] = k;
		}
	mem_free(c->calls);
	c->calls = nt;
	c->calls_cap = ncap;
}

/* The body of a fn or a let with arguments, with args bound; each
 * (decl, args) is converted once (Call). */
static Expr *
inline_call(Ctx *c, const Decl *d, Expr **args)
{
	Bind nb;
	Call *k;
	unsigned h;
	int i;

	if (d->nargs > 8)
		die("inline_call: %d arguments", d->nargs);
	if (c->ncalls >= c->calls_cap)
		calls_grow(c);
	h = call_hash(d, args, d->nargs) & (c->calls_cap - 1);
	for (k = c->calls[h]; k; k = k->next) {
		if (k->d != d)
			continue;
		for (i = 0; i < d->nargs && k->args[i] == args[i]; i++)
			;
		if (i == d->nargs)
			return k->val;
	}
	nb.names = d->args;
	nb.vals = args;
	nb.n = d->nargs;
	nb.up = NULL;          /* bodies see only their own arguments */
	k = arena_alloc(c->a, sizeof *k);
	k->d = d;
	if (d->nargs)
		memcpy(k->args, args, (size_t)d->nargs * sizeof *args);
	k->val = conv(c, d->value, &nb);
	/* conv may have grown the table: hash again */
	h = call_hash(d, args, d->nargs) & (c->calls_cap - 1);
	k->next = c->calls[h];
	c->calls[h] = k;
	c->ncalls++;
	return k->val;
}

/* A let with arguments used by its bare name: F means F(t), T means T(x). */
static Expr *
own_args(Ctx *c, const Decl *d)
{
	Expr *args[4];
	int i, ci;

	for (i = 0; i < d->nargs && i < 4; i++) {
		if (strcmp(d->args[i], "t") == 0) {
			args[i] = ex_sym(c->p, SYM_T);
		} else {
			ci = coord_index(c->m, d->args[i]);
			args[i] = ex_sym(c->p, ci == 1 ? SYM_Y : SYM_X);
		}
	}
	return inline_call(c, d, args);
}

static unsigned
rd_hash(ReadKind kind, int lump, const Expr *pos, const Expr *pos2)
{
	uint64_t h = (uint64_t)(uintptr_t)pos * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)(uintptr_t)pos2 + (uint64_t)(unsigned)lump * 0xff51afd7ed558ccdull
	      + (uint64_t)kind) * 0xc4ceb9fe1a85ec53ull;
	return (unsigned)(h ^ (h >> 29));
}

static int
rd_same(const Read *r, ReadKind kind, int lump, const Expr *pos, const Expr *pos2)
{
	return r->kind == kind && r->lump == lump && r->pos == pos && r->pos2 == pos2;
}

/* read i into the index (not RD_INT: each integral is a read of its own) */
static void
rd_put(Ctx *c, int i)
{
	const Read *r = &c->rd[i];
	unsigned q;

	if (r->kind == RD_INT)
		return;
	for (q = rd_hash(r->kind, r->lump, r->pos, r->pos2) & (c->rdhcap - 1); c->rdh[q] >= 0;
	     q = (q + 1) & (c->rdhcap - 1))
		;
	c->rdh[q] = i;
}

/* The index of the read (kind, lump, pos, pos2) in c->rd, or -1.  An
 * index, not a search of every read: a chain's points each read their
 * neighbours, 34,000 reads for 40 strings.  An entry whose read has
 * changed since (a velocity made centred, RD_CVEL) no longer matches. */
static int
rd_find(Ctx *c, ReadKind kind, int lump, const Expr *pos, const Expr *pos2)
{
	unsigned q;
	int i;

	if (c->rdhfor != c->rd || c->rdhn > c->nrd || 2 * (unsigned)c->nrd + 2 > c->rdhcap) {
		unsigned cap = 64;
		while (cap < 4 * (unsigned)c->nrd + 4)
			cap *= 2;
		if (cap != c->rdhcap) {
			mem_free(c->rdh);
			c->rdh = mem_alloc(cap * sizeof *c->rdh);
			c->rdhcap = cap;
		}
		memset(c->rdh, 0xff, cap * sizeof *c->rdh);
		c->rdhfor = c->rd;
		c->rdhn = 0;
	}
	for (; c->rdhn < c->nrd; c->rdhn++)
		rd_put(c, c->rdhn);
	for (q = rd_hash(kind, lump, pos, pos2) & (c->rdhcap - 1); (i = c->rdh[q]) >= 0;
	     q = (q + 1) & (c->rdhcap - 1))
		if (i < c->nrd && rd_same(&c->rd[i], kind, lump, pos, pos2))
			return i;
	return -1;
}

/* The state read (kind, lump, pos, pos2) as the param that stands for it. */
static Expr *
read_of(Ctx *c, ReadKind kind, int lump, Expr *pos, Expr *pos2, Loc loc)
{
	int i;

	if (kind != RD_INT && (i = rd_find(c, kind, lump, pos, pos2)) >= 0)
		return ex_param(c->p, c->np + i);
	if (c->nrd == c->caprd) {
		Read *n = arena_alloc(c->a, (size_t)(c->caprd * 2 + 8) * sizeof *n);
		if (c->nrd)
			memcpy(n, c->rd, (size_t)c->nrd * sizeof *n);
		if (c->rdhfor == c->rd)      /* the same reads, moved */
			c->rdhfor = n;
		c->rd = n;
		c->caprd = c->caprd * 2 + 8;
	}
	c->rd[c->nrd].kind = kind;
	c->rd[c->nrd].lump = lump;
	c->rd[c->nrd].pos = pos;
	c->rd[c->nrd].pos2 = pos2;
	c->rd[c->nrd].ig = NULL;
	c->rd[c->nrd].loc = loc;
	return ex_param(c->p, c->np + c->nrd++);
}

/* integral(E) (language.md 12) as the reads that stand for it: E of u
 * (trapezoid) or of u.x (per interval), one read per distinct E; in 2D
 * an integrand of the slopes is a sum of one of u.x and one of u.y, each
 * taken with forward differences along its axis: two reads, added */
static Expr *
int_read(Ctx *c, Expr *f, int kind)
{
	Expr *r;
	int i;

	for (i = 0; i < c->nrd; i++)
		if (c->rd[i].kind == RD_INT && c->rd[i].lump == kind && c->rd[i].ig == f)
			return ex_param(c->p, c->np + i);
	r = read_of(c, RD_INT, kind, NULL, NULL, (Loc){0});
	c->rd[c->nrd - 1].ig = f;
	return r;
}

/* the name of an integrand's quantity i (IG_*) of the field u */
static void
ig_name(char *buf, size_t n, const char *u, int i)
{
	static const char *const suffix[6] = {"", ".x", ".y", ".xx", ".yy", ""};

	if (i == 5)
		snprintf(buf, n, "lap(%.60s)", u);
	else
		snprintf(buf, n, "%.60s%s", u, suffix[i]);
}

static Expr *
conv_integral(Ctx *c, const Ast *e, const Bind *b)
{
	const char *u = c->m->field->name;
	Expr *f, *part, *sum = NULL, *zero = num(c, 0), *thx = ex_sym(c->p, SYM_THX);
	int used[6], n = 0, i, j;

	c->in_int = 1;
	f = conv(c, e->args[0], b);
	c->in_int = 0;
	if (f->deps & DEP_STATE) {
		diag_error(c->d, e->args[0]->loc, "an integrand reads the field over the domain only "
		           "(as %s, %s.x or %s.xx), not at points or lumped objects", u, u, u);
		c->failed = 1;
		return zero;
	}
	for (i = 0; i < 6; i++)
		n += used[i] = (f->deps & (1u << ig_sym[i])) != 0;
	if (n == 0)
		return int_read(c, f, 0);
	/* several quantities: E must be a sum of a function of each */
	for (i = 0; i < 6; i++)
		for (j = i + 1; j < 6; j++)
			if (used[i] && used[j] && !ex_is_num(diff_sym(c->p, diff_sym(c->p, f, ig_sym[i]),
			                                              ig_sym[j]), 0)) {
				char qi[80], qj[80];
				ig_name(qi, sizeof qi, u, i);
				ig_name(qj, sizeof qj, u, j);
				diag_error(c->d, e->args[0]->loc, "an integrand of %s and %s together must be a "
				           "sum of a function of each (such as %s^2 + %s.x^2); a product of "
				           "them is not supported yet", qi, qj, u, u);
				c->failed = 1;
				return zero;
			}
	/* f = f(0) + sum_i (f(v_i alone) - f(0)): each part an integral of
	 * its own kind, made from the last kind down (the reads' order), the
	 * constant f(0) in the last */
	for (i = 5; i >= 0; i--) {
		if (!used[i])
			continue;
		part = f;
		for (j = 0; j < 6; j++)
			if (j != i && used[j])
				part = ex_subst_sym(c->p, part, ig_sym[j], zero);
		if (sum) {
			Expr *f0 = part;
			for (j = 0; j < 6; j++)
				if (used[j])
					f0 = ex_subst_sym(c->p, f0, ig_sym[j], zero);
			part = ex_sub(c->p, part, f0);
		}
		if (ig_sym[i] != SYM_THX)
			part = ex_subst_sym(c->p, part, ig_sym[i], thx);
		part = int_read(c, part, i);
		sum = sum ? ex_add(c->p, part, sum) : part;
	}
	return sum;
}

static int
is_lump(const Ctx *c, const char *name)
{
	const Decl *d = name ? model_lookup(c->m, name) : NULL;

	return d && d->nkind == K_LUMP ? d->lump : -1;
}

static int
is_field_name(const Ctx *c, const char *name)
{
	return name && strcmp(name, c->m->field->name) == 0;
}

/* u.xxx(B): the shear at an end B of a fourth-order field whose u.xx is 0
 * there (simply_supported, or attached: pinned on the object), so that an
 * object holding that end feels the bending force the energy conserves
 * (language.md 11.1) */
static Expr *
shear_read(Ctx *c, const Ast *e, Expr *pos)
{
	const Model *m = c->m;
	int side = -1;

	if (pos->kind == EX_NUM)
		side = pos->num == m->domain->from_num[0] ? 0 : pos->num == m->domain->to_num[0] ? 1 : -1;
	if (m->space_order < 4 || side < 0 || (m->bc[0][side] != BC_SS && m->bc[0][side] != BC_ATTACHED)) {
		diag_error(c->d, e->loc, "%s.%s(X) reads the shear at an end of a fourth-order field that is "
		           "simply_supported or attached there (X = %g or %g)", m->field->name, e->letters,
		           m->domain->from_num[0], m->domain->to_num[0]);
		c->failed = 1;
		return num(c, 0);
	}
	return read_of(c, RD_DX3, -1, pos, NULL, e->loc);
}

/* A position of the field's domain along axis ax, where it is a number
 * (a param's place is checked when the params are set): else an error
 * at its place */
static void
inside(Ctx *c, const Ast *at, const Expr *v, int ax, const char *what)
{
	const Decl *dom = c->m->domain;

	/* (a NaN's own error came first: "not a number") */
	if (!dom || v->kind != EX_NUM || (v->num >= dom->from_num[ax] && v->num <= dom->to_num[ax])
	    || (isnan(v->num) && c->d->nerr))
		return;
	diag_error(c->d, at->loc, "%s at %s = %g, outside the field's domain (%s in [%g, %g])", what,
	           dom->coord[ax], v->num, dom->coord[ax], dom->from_num[ax], dom->to_num[ax]);
	c->failed = 1;
}

/* u(X), u.t(X), u.x(X), z, z.t (sema checked them): the read, or NULL
 * when e is none.  Own z.t in a lumped object's pde (not inside a call)
 * is SYM_THX, for build_lumps to take centred. */
static Expr *
conv_read(Ctx *c, const Ast *e, const Bind *b)
{
	const Ast *a = e->kind == AX_DERIV ? e->a : e;
	int j;

	if (a->kind == AX_NAME && !lookup_bind(b, a->name) && (j = is_lump(c, a->name)) >= 0) {
		if (e->kind != AX_DERIV)
			return read_of(c, RD_LUMP, j, NULL, NULL, e->loc);
		if (j == c->self && !b && !e->back)
			return ex_sym(c->p, SYM_THX);
		return read_of(c, RD_LUMP_VEL, j, NULL, NULL, e->loc);
	}
	if (a->kind == AX_CALL && is_field_name(c, a->name) && a->nargs == c->m->ndim) {
		Expr *pos[2] = {NULL, NULL};
		for (j = 0; j < a->nargs; j++) {
			pos[j] = conv(c, a->args[j], b);
			if (pos[j]->deps & ((1u << SYM_T) | (1u << SYM_X) | (1u << SYM_Y) | DEP_STATE)) {
				diag_error(c->d, a->args[j]->loc, "a point read's position must not depend on "
				           "time, the coordinates or the state");
				c->failed = 1;
			}
			inside(c, a->args[j], pos[j], j, "the field is read");
		}
		if (e->kind != AX_DERIV)
			return read_of(c, RD_VAL, -1, pos[0], pos[1], e->loc);
		if (strlen(e->letters) == 3)
			return shear_read(c, e, pos[0]);
		return read_of(c, e->letters[0] == 't' ? RD_VEL : RD_DX, -1, pos[0], pos[1], e->loc);
	}
	return NULL;
}

static Expr *
conv_name(Ctx *c, const Ast *e, const Bind *b)
{
	const Expr *v;
	const Decl *d;
	int ci, oi;

	if ((v = lookup_bind(b, e->name)))
		return (Expr *)v;
	if (strcmp(e->name, "t") == 0)
		return ex_sym(c->p, SYM_T);
	if (strcmp(e->name, "pi") == 0)
		return num(c, PI);
	if ((ci = coord_index(c->m, e->name)) >= 0)
		return ex_sym(c->p, ci == 0 ? SYM_X : SYM_Y);
	if (c->in_int && is_field_name(c, e->name))
		return ex_sym(c->p, IG_U);
	if (c->field_at && is_field_name(c, e->name))
		return read_of(c, RD_VAL, -1, c->field_at[0], c->field_at[1], e->loc);
	if ((v = conv_read(c, e, b)))
		return (Expr *)v;
	d = model_lookup(c->m, e->name);
	if (!d)
		die("unresolved name '%s' after sema", e->name);
	switch (d->nkind) {
	case K_PARAM:
		return ex_param(c->p, param_index(c->m, d));
	case K_CONST:
	case K_SCALAR:
		oi = order_index(c->m, d);
		if (!c->memo[oi])
			c->memo[oi] = conv(c, d->value, NULL);
		return c->memo[oi];
	case K_TIME:
	case K_SPACE:
	case K_FN:
		if (d->nargs == 0)
			return inline_call(c, d, NULL);
		return own_args(c, d);
	default:
		break;
	}
	diag_error(c->d, e->loc, "'%s' cannot be used as a value here", e->name);
	c->failed = 1;
	return num(c, 0);
}

static int
nonfinite(const Expr *x)
{
	return x && x->kind == EX_NUM && !isfinite(x->num);
}

/* r = the operation at e on x, y (NULL: none).  The simplifier folds
 * numbers as IEEE does, so 0/0 is NaN: an error where it first appears,
 * not a NaN that would put an output at x = NaN. */
static Expr *
checked(Ctx *c, const Ast *e, Expr *r, Expr *x, Expr *y)
{
	if (nonfinite(r) && !nonfinite(x) && !nonfinite(y)) {
		diag_error(c->d, e->loc, "this is %s: a division by zero, or a function "
		           "outside its domain (log of 0, sqrt of a negative, ...)",
		           isnan(r->num) ? "not a number (NaN)" : "infinite");
		c->failed = 1;
	}
	return r;
}

static Expr *
conv_builtin(Ctx *c, const Ast *e, Expr **x)
{
	static const struct { const char *name; Fn fn; } un[] = {
		{"sin", FN_SIN}, {"cos", FN_COS}, {"tan", FN_TAN}, {"exp", FN_EXP},
		{"log", FN_LOG}, {"sqrt", FN_SQRT}, {"abs", FN_ABS},
		{"tanh", FN_TANH}, {"sigmoid", FN_SIGMOID},
		{"softplus", FN_SOFTPLUS}, {"step", FN_STEP},
		{"min", FN_MIN}, {"max", FN_MAX},
	};
	size_t i;

	if (strcmp(e->name, "pow") == 0)
		return ex_pow(c->p, x[0], x[1]);
	if (strcmp(e->name, "select") == 0)
		return ex_select(c->p, x[0], x[1], x[2]);
	for (i = 0; i < sizeof un / sizeof un[0]; i++)
		if (strcmp(e->name, un[i].name) == 0)
			return ex_fn(c->p, un[i].fn, x[0], un[i].fn >= FN_MIN ? x[1] : NULL);
	die("unknown builtin '%s'", e->name);
}

static Expr *
conv_call(Ctx *c, const Ast *e, const Bind *b)
{
	Expr *x[8];
	const Decl *d;
	int i;

	if (strcmp(e->name, "integral") == 0 && e->nargs == 1 && !model_lookup(c->m, "integral"))
		return conv_integral(c, e, b);
	if (strcmp(e->name, "lap") == 0 || strcmp(e->name, "bilap") == 0 ||
	    strcmp(e->name, "delta") == 0) {
		diag_error(c->d, e->loc, "'%s' may only appear in the pde, as a term "
		           "linear in the field", e->name);
		c->failed = 1;
		return num(c, 0);
	}
	if (builtin_arity(e->name) < 0 && (d = model_lookup(c->m, e->name)) && d->kind == D_NET)
		return conv_net(c, e, 0, b);
	if (e->nargs > 8)
		die("call with %d arguments", e->nargs);
	for (i = 0; i < e->nargs; i++) {
		x[i] = conv(c, e->args[i], b);
		/* select on a condition that is a number: the branch taken alone
		 * (the other's 1/0 is no error: select(p > 0, 1/p, 7), const p = 0) */
		if (i == 0 && e->nargs == 3 && x[0]->kind == EX_NUM && !strcmp(e->name, "select"))
			return conv(c, e->args[x[0]->num != 0 ? 1 : 2], b);
	}
	if (builtin_arity(e->name) >= 0) {
		for (i = 0; i < e->nargs; i++)
			if (nonfinite(x[i]))
				return conv_builtin(c, e, x);
		return checked(c, e, conv_builtin(c, e, x), NULL, NULL);
	}
	d = model_lookup(c->m, e->name);
	if (!d || d->nargs != e->nargs)
		die("call of '%s' not checked by sema", e->name);
	{
		/* an error in the body (a library's) is this call's: its
		 * arguments are what the user can change */
		int nerr = c->d->nerr;
		Expr *r = inline_call(c, d, x);
		if (c->d->nerr > nerr)
			diag_note(c->d, e->loc, "in this call of '%s'", e->name);
		return r;
	}
}

/* Output J of a net at the arguments of the call e (language.md section
 * 13): each layer z = b + W h (the weights are params), the hidden ones
 * through the activation, the last one linear.  Each (net, arguments) is
 * built once; the hash-consed DAG shares what several calls have in
 * common. */
static Expr *
conv_net(Ctx *c, const Ast *e, int J, const Bind *b)
{
	const Decl *d = model_lookup(c->m, e->name);
	const Net *n;
	NetEval *v;
	Expr **h, **z, **terms;
	int i, j, L, in;

	if (!d || d->kind != D_NET || !d->net || e->nargs != d->net->sizes[0])
		die("net call '%s' not checked by sema", e->name);
	n = d->net;
	in = n->sizes[0];
	h = arena_alloc(c->a, (size_t)in * sizeof *h);
	for (i = 0; i < in; i++)
		h[i] = conv(c, e->args[i], b);
	for (v = c->nets; v; v = v->next) {
		for (i = 0; v->d == d && i < in && v->args[i] == h[i]; i++)
			;
		if (v->d == d && i == in)
			return v->out[J];
	}
	v = arena_alloc(c->a, sizeof *v);
	v->d = d;
	v->args = h;
	for (L = 0, i = 0; L < n->nsizes; L++)    /* a unit's inputs and bias */
		i = n->sizes[L] > i ? n->sizes[L] : i;
	terms = arena_alloc(c->a, (size_t)(i + 2) * sizeof *terms);
	for (L = 1; L < n->nsizes; L++) {
		z = arena_alloc(c->a, (size_t)n->sizes[L] * sizeof *z);
		for (j = 0; j < n->sizes[L]; j++) {
			terms[0] = ex_param(c->p, n->first + net_weight(n, L, j, -1));
			for (i = 0; i < n->sizes[L - 1]; i++)
				terms[i + 1] = ex_mul(c->p, ex_param(c->p, n->first + net_weight(n, L, j, i)), h[i]);
			z[j] = ex_add_many(c->p, terms, n->sizes[L - 1] + 1);
			if (L == n->nsizes - 1)
				continue;
			switch (n->act) {
			case ACT_TANH: z[j] = ex_fn(c->p, FN_TANH, z[j], NULL); break;
			case ACT_RELU: z[j] = ex_fn(c->p, FN_MAX, z[j], num(c, 0)); break;
			case ACT_SIGMOID: z[j] = ex_fn(c->p, FN_SIGMOID, z[j], NULL); break;
			case ACT_SOFTPLUS: z[j] = ex_fn(c->p, FN_SOFTPLUS, z[j], NULL); break;
			case ACT_SIN: z[j] = ex_fn(c->p, FN_SIN, z[j], NULL); break;
			default: die("net activation %d", (int)n->act);
			}
		}
		h = z;
	}
	v->out = h;
	v->next = c->nets;
	c->nets = v;
	return v->out[J];
}

/* An expression free of the field, as an Expr. */
static Expr *
conv(Ctx *c, const Ast *e, const Bind *b)
{
	Expr *x;
	int k;

	if (!e->shared || b || c->in_int || c->field_at)
		return conv_node(c, e, b);
	for (k = 0; k < c->nsmemo; k++)
		if (c->smemo[k].e == e)
			return c->smemo[k].x;
	x = conv_node(c, e, b);
	if (c->nsmemo == c->capsmemo) {
		int cap = 2 * c->capsmemo + 8;
		void *n = arena_alloc(c->a, (size_t)cap * sizeof *c->smemo);
		if (c->nsmemo)
			memcpy(n, c->smemo, (size_t)c->nsmemo * sizeof *c->smemo);
		c->smemo = n;
		c->capsmemo = cap;
	}
	c->smemo[c->nsmemo].e = e;
	c->smemo[c->nsmemo++].x = x;
	return x;
}

static Expr *
conv_node(Ctx *c, const Ast *e, const Bind *b)
{
	Expr *x, *y;

	switch (e->kind) {
	case AX_NUM:
		return num(c, e->num);
	case AX_NAME:
		return conv_name(c, e, b);
	case AX_CALL:
		if (c->in_int && !strcmp(e->name, "lap") && e->nargs == 1 && e->args[0]->kind == AX_NAME
		    && is_field_name(c, e->args[0]->name) && !lookup_bind(b, e->args[0]->name))
			return ex_sym(c->p, c->m->ndim == 2 ? IG_LAP : IG_UXX);
		if ((x = conv_read(c, e, b)))
			return x;
		return conv_call(c, e, b);
	case AX_INDEX:
		return conv_net(c, e->a, (int)e->num, b);
	case AX_NAMED:
		break;
	case AX_UNARY:
		x = conv(c, e->a, b);
		return e->op == OP_NOT ? ex_not(c->p, x) : ex_neg(c->p, x);
	case AX_BINARY:
		x = conv(c, e->a, b);
		/* && and || on a first side that is a number: the second is not
		 * looked at when it does not count, as in C */
		if ((e->op == OP_OR || e->op == OP_AND) && x->kind == EX_NUM
		    && (x->num != 0) == (e->op == OP_OR))
			return num(c, e->op == OP_OR);
		y = conv(c, e->b, b);
		switch (e->op) {
		case OP_OR:  return ex_cmp(c->p, CMP_OR, x, y);
		case OP_AND: return ex_cmp(c->p, CMP_AND, x, y);
		case OP_LT:  return ex_cmp(c->p, CMP_LT, x, y);
		case OP_LE:  return ex_cmp(c->p, CMP_LE, x, y);
		case OP_GT:  return ex_cmp(c->p, CMP_LT, y, x);
		case OP_GE:  return ex_cmp(c->p, CMP_LE, y, x);
		case OP_EQ:  return ex_cmp(c->p, CMP_EQ, x, y);
		case OP_NE:  return ex_cmp(c->p, CMP_NE, x, y);
		case OP_ADD: return checked(c, e, ex_add(c->p, x, y), x, y);
		case OP_SUB: return checked(c, e, ex_sub(c->p, x, y), x, y);
		case OP_MUL: return checked(c, e, ex_mul(c->p, x, y), x, y);
		case OP_DIV: return checked(c, e, ex_div(c->p, x, y), x, y);
		case OP_POW: return checked(c, e, ex_pow(c->p, x, y), x, y);
		default: break;
		}
		break;
	case AX_DERIV:
		if (c->in_int && e->a->kind == AX_NAME && is_field_name(c, e->a->name)) {
			char one[2] = {e->letters[0], 0};
			int ax = coord_index(c->m, one);
			if (e->letters[1])     /* u.xx, u.yy */
				return ex_sym(c->p, ax ? IG_UYY : IG_UXX);
			return ex_sym(c->p, ax ? IG_UY : IG_UX);
		}
		if ((x = conv_read(c, e, b)))
			return x;
		diag_error(c->d, e->loc, "a derivative of the field may only appear "
		           "in the pde");
		c->failed = 1;
		return num(c, 0);
	}
	die("conv: bad node %d", e->kind);
}

/* ---- linear form of the pde's right-hand side ---- */

/* Does e involve the field, a derivative or a point source? */
static int
involves_field(const Ctx *c, const Ast *e)
{
	int i;

	if (!e)
		return 0;
	switch (e->kind) {
	case AX_NAME:
		return strcmp(e->name, c->m->field->name) == 0;
	case AX_DERIV:
		/* a point read, u.t(X) or z.t, is a value, not a field term */
		return !((e->a->kind == AX_CALL && is_field_name(c, e->a->name))
		         || (e->a->kind == AX_NAME && is_lump(c, e->a->name) >= 0));
	case AX_CALL:
		/* a point read and an integral (language.md 12) are values */
		if (is_field_name(c, e->name) || !strcmp(e->name, "integral"))
			return 0;
		if (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap") ||
		    !strcmp(e->name, "delta"))
			return 1;
		for (i = 0; i < e->nargs; i++)
			if (involves_field(c, e->args[i]))
				return 1;
		return 0;
	default:
		return involves_field(c, e->a) || involves_field(c, e->b);
	}
}

static void
lin_add_atom(Ctx *c, Lin *l, const int p[3], Expr *coef)
{
	int i;

	for (i = 0; i < l->natom; i++)
		if (!memcmp(l->atom[i].p, p, sizeof l->atom[i].p)) {
			l->atom[i].coef = ex_add(c->p, l->atom[i].coef, coef);
			return;
		}
	l->atom = mem_realloc(l->atom, (size_t)(l->natom + 1) * sizeof *l->atom);
	memcpy(l->atom[l->natom].p, p, sizeof l->atom[0].p);
	l->atom[l->natom++].coef = coef;
}

static void
lin_add_delta(Lin *l, Delta d)
{
	l->delta = mem_realloc(l->delta, (size_t)(l->ndelta + 1) * sizeof *l->delta);
	l->delta[l->ndelta++] = d;
}

static void
lin_add_cons(Lin *l, Cons k)
{
	l->cons = mem_realloc(l->cons, (size_t)(l->ncons + 1) * sizeof *l->cons);
	l->cons[l->ncons++] = k;
}

static void
lin_free(Lin *l)
{
	mem_free(l->atom);
	mem_free(l->delta);
	mem_free(l->cons);
}

static void
lin_scale(Ctx *c, Lin *l, Expr *s)
{
	int i;

	l->c0 = ex_mul(c->p, l->c0, s);
	for (i = 0; i < l->natom; i++)
		l->atom[i].coef = ex_mul(c->p, l->atom[i].coef, s);
	for (i = 0; i < l->ndelta; i++)
		l->delta[i].coef = ex_mul(c->p, l->delta[i].coef, s);
	for (i = 0; i < l->ncons; i++)
		l->cons[i].scale = ex_mul(c->p, l->cons[i].scale, s);
}

/* l += r; r is emptied. */
static void
lin_merge(Ctx *c, Lin *l, Lin *r)
{
	int i;

	l->c0 = ex_add(c->p, l->c0, r->c0);
	for (i = 0; i < r->natom; i++)
		lin_add_atom(c, l, r->atom[i].p, r->atom[i].coef);
	for (i = 0; i < r->ndelta; i++)
		lin_add_delta(l, r->delta[i]);
	for (i = 0; i < r->ncons; i++)
		lin_add_cons(l, r->cons[i]);
	lin_free(r);
}

static void
lin_deriv(Ctx *c, Lin *l, const int add[3])
{
	Lin r = {0};
	int i, p[3];

	if (l->ncons)   /* sema refuses a derivative of (E).x */
		die("lin_deriv: a derivative of a conservative form");
	r.c0 = num(c, 0);
	for (i = 0; i < l->natom; i++) {
		p[0] = l->atom[i].p[0] + add[0];
		p[1] = l->atom[i].p[1] + add[1];
		p[2] = l->atom[i].p[2] + add[2];
		lin_add_atom(c, &r, p, l->atom[i].coef);
	}
	lin_free(l);
	*l = r;
}

static void
lin_lap(Ctx *c, Lin *l)
{
	Lin ly = {0};
	int dx[3] = {2, 0, 0}, dy[3] = {0, 2, 0}, i;

	ly.c0 = num(c, 0);
	for (i = 0; i < l->natom; i++)
		lin_add_atom(c, &ly, l->atom[i].p, l->atom[i].coef);
	lin_deriv(c, l, dx);
	if (c->m->ndim == 2) {
		lin_deriv(c, &ly, dy);
		lin_merge(c, l, &ly);
	} else {
		lin_free(&ly);
	}
}

static void
letters_orders(const Ctx *c, const char *s, int p[3])
{
	int ci;
	char name[2] = {0, 0};

	p[0] = p[1] = p[2] = 0;
	for (; *s; s++) {
		if (*s == 't') {
			p[2]++;
			continue;
		}
		name[0] = *s;
		ci = coord_index(c->m, name);
		if (ci < 0)
			die("derivative letter '%c' not checked by sema", *s);
		p[ci]++;
	}
}

static void lin(Ctx *c, const Ast *e, Lin *l);

/* Does e hold a derivative of the field, lap, bilap or delta (anything
 * but the field's plain name and point reads)? */
static int
has_field_term(const Ctx *c, const Ast *e)
{
	int i;

	if (!e)
		return 0;
	switch (e->kind) {
	case AX_NAME:
		return 0;
	case AX_DERIV:
		return involves_field(c, e);
	case AX_CALL:
		if (!strcmp(e->name, "lap") || !strcmp(e->name, "bilap") || !strcmp(e->name, "delta"))
			return 1;
		if (!strcmp(e->name, "integral"))
			return 0;
		for (i = 0; i < e->nargs; i++)
			if (has_field_term(c, e->args[i]))
				return 1;
		return 0;
	default:
		return has_field_term(c, e->a) || has_field_term(c, e->b);
	}
}

static void
nonlinear(Ctx *c, const Ast *e, const char *why)
{
	diag_error(c->d, e->loc, "the pde must be linear in %s: %s",
	           c->m->field->name, why);
	c->failed = 1;
}

static void
lin_delta(Ctx *c, const Ast *e, Lin *l)
{
	Delta d = {0};
	const Ast *arg;
	int i;

	d.coef = num(c, 1);
	d.loc = e->loc;
	d.pos[1] = num(c, 0);
	for (i = 0; i < e->nargs && i < 2; i++) {
		arg = e->args[i];
		if (arg->kind == AX_NAME)
			d.pos[i] = num(c, 0);
		else if (arg->kind == AX_BINARY && arg->op == OP_SUB)
			d.pos[i] = conv(c, arg->b, NULL);
		else
			die("delta argument not checked by sema");
		if (d.pos[i]->deps & ((1u << SYM_X) | (1u << SYM_Y) | (1u << SYM_T))) {
			diag_error(c->d, arg->loc, "a point source's position must not "
			           "depend on time or on the coordinates: its weights on the grid are fixed "
			           "(docs/language.md 4, point sources); for one that moves, write its shape in x instead, a narrow "
			           "bump such as `exp(-((x - X(t)) / w)^2) / (w * sqrt(pi))` with w a few grid "
			           "spacings");
			c->failed = 1;
		}
		if (!e->spring)
			inside(c, arg, d.pos[i], i, "a point force is put");
	}
	lin_add_delta(l, d);
}

/* (E).LETTERS (language.md section 10).  A term of E whose coefficient
 * does not vary along the axis commutes with the derivative, and is the
 * v0 atom it always was; (a * u.x).x and (a * u.xx).xx with a varying
 * along it become conservative forms; anything else has no symmetric
 * difference here and is refused. */
static void
lin_paren(Ctx *c, const Ast *e, Lin *l)
{
	Lin in;
	int p[3], q, ax, i, sym;

	letters_orders(c, e->letters, p);
	ax = p[0] ? 0 : 1;
	q = p[ax];
	sym = ax ? SYM_Y : SYM_X;
	lin(c, e->a, &in);
	if (c->failed)
		goto out;
	if (in.ncons || in.ndelta || !ex_is_num(in.c0, 0)) {
		diag_error(c->d, e->a->loc, "inside (E).%s every term must be a coefficient "
		           "times a derivative of %s: %s", e->letters, c->m->field->name,
		           in.ncons ? "a conservative form cannot be differentiated again"
		           : in.ndelta ? "a point source (delta) cannot be differentiated"
		           : "a term free of the field cannot be differentiated here");
		c->failed = 1;
		goto out;
	}
	for (i = 0; i < in.natom; i++) {
		Atom *a = &in.atom[i];
		int pp[3] = {a->p[0] + p[0], a->p[1] + p[1], a->p[2]};
		if (!(a->coef->deps & (1u << sym))) {
			lin_add_atom(c, l, pp, a->coef);
		} else if (a->p[ax] == q && a->p[1 - ax] == 0) {
			Cons k = {ax, q, a->p[2], 0, a->coef, num(c, 1)};
			lin_add_cons(l, k);
		} else {
			const char *x = c->m->domain->coord[ax];
			diag_error(c->d, e->loc, "this conservative form has no symmetric "
			           "difference: the coefficient varies in %s, so the bracket "
			           "must be a * %s.%s under .%s, or a * %s.%s%s under .%s%s "
			           "(each may carry a t inside: %s.%st)", x,
			           c->m->field->name, x, x, c->m->field->name, x, x, x, x,
			           c->m->field->name, x);
			c->failed = 1;
			goto out;
		}
	}
out:
	lin_free(&in);
}

/* pde right-hand side -> linear form. */
/* A call of delta that is a factor of the product e (through its *s), or
 * NULL. */
static const Ast *
delta_factor(const Ast *e)
{
	const Ast *d;

	if (e->kind == AX_CALL && !strcmp(e->name, "delta"))
		return e;
	if (e->kind != AX_BINARY || e->op != OP_MUL)
		return NULL;
	return (d = delta_factor(e->a)) ? d : delta_factor(e->b);
}

/* The product e with its factor f taken out (a 1 in its place). */
static const Ast *
without_factor(Ctx *c, const Ast *e, const Ast *f)
{
	if (e == f)
		return ast_num(c->a, 1, e->loc);
	if (e->kind != AX_BINARY || e->op != OP_MUL)
		return e;
	if (e->a == f)
		return e->b;
	if (e->b == f)
		return e->a;
	return ast_binary(c->a, OP_MUL, (Ast *)without_factor(c, e->a, f), (Ast *)without_factor(c, e->b, f),
	                  e->loc);
}

static void
lin(Ctx *c, const Ast *e, Lin *l)
{
	Lin r = {0};
	int p[3];

	memset(l, 0, sizeof *l);
	l->c0 = num(c, 0);
	if (!involves_field(c, e)) {
		l->c0 = conv(c, e, NULL);
		return;
	}
	switch (e->kind) {
	case AX_NAME:
		p[0] = p[1] = p[2] = 0;
		lin_add_atom(c, l, p, num(c, 1));
		return;
	case AX_DERIV:
		if (e->paren) {
			lin_paren(c, e, l);
			return;
		}
		letters_orders(c, e->letters, p);
		if (e->a->kind == AX_NAME) {
			lin_add_atom(c, l, p, num(c, 1));
		} else {
			lin(c, e->a, l);
			lin_deriv(c, l, p);
		}
		return;
	case AX_CALL:
		if (!strcmp(e->name, "delta")) {
			lin_delta(c, e, l);
		} else if (!strcmp(e->name, "lap")) {
			lin(c, e->args[0], l);
			lin_lap(c, l);
		} else if (!strcmp(e->name, "bilap")) {
			lin(c, e->args[0], l);
			lin_lap(c, l);
			lin_lap(c, l);
		} else {
			nonlinear(c, e, "a function of it is not allowed");
		}
		return;
	case AX_UNARY:
		if (e->op == OP_NEG) {
			lin(c, e->a, l);
			lin_scale(c, l, num(c, -1));
			return;
		}
		break;
	case AX_BINARY:
		switch (e->op) {
		case OP_ADD:
		case OP_SUB:
			lin(c, e->a, l);
			lin(c, e->b, &r);
			if (e->op == OP_SUB)
				lin_scale(c, &r, num(c, -1));
			lin_merge(c, l, &r);
			return;
		case OP_MUL:
			if (involves_field(c, e->a) && involves_field(c, e->b)) {
				/* S * delta(x - X) with S reading the field: u means u(X),
				 * the delta a factor anywhere in the product (K * delta(x -
				 * X) * u is (K * delta) * u) */
				const Ast *dl = delta_factor(e);
				const Ast *sa = dl ? without_factor(c, e, dl) : NULL;
				if (dl && !has_field_term(c, sa)) {
					Expr *at[2];
					lin_delta(c, dl, l);
					at[0] = l->delta[l->ndelta - 1].pos[0];
					at[1] = c->m->ndim == 2 ? l->delta[l->ndelta - 1].pos[1] : NULL;
					c->field_at = at;
					lin_scale(c, l, conv(c, sa, NULL));
					c->field_at = NULL;
					return;
				}
				nonlinear(c, e, "a product of two terms that both involve it");
				return;
			}
			if (involves_field(c, e->a)) {
				lin(c, e->a, l);
				lin_scale(c, l, conv(c, e->b, NULL));
			} else {
				lin(c, e->b, l);
				lin_scale(c, l, conv(c, e->a, NULL));
			}
			return;
		case OP_DIV:
			if (involves_field(c, e->b)) {
				nonlinear(c, e->b, "it cannot appear in a divisor");
				return;
			}
			lin(c, e->a, l);
			lin_scale(c, l, ex_div(c->p, num(c, 1), conv(c, e->b, NULL)));
			return;
		default:
			break;
		}
		break;
	default:
		break;
	}
	nonlinear(c, e, "this operation on it is not allowed");
}

/* ---- differences ---- */

/* Centred difference weights of minimal width for d^n/dx^n, n <= 4,
 * on offsets -2..2 (NSS 2.2.3), without the 1/h^n factor. */
static const double diffw[5][5] = {
	{0, 0, 1, 0, 0},
	{0, -0.5, 0, 0.5, 0},
	{0, 1, -2, 1, 0},
	{-0.5, 1, 0, -1, 0.5},
	{1, -4, 6, -4, 1},
};

typedef struct TapSet {
	Tap *t; int n;
} TapSet;

static void
tap_add(Ctx *c, TapSet *ts, int level, int dx, int dy, Expr *coef)
{
	int i;

	for (i = 0; i < ts->n; i++)
		if (ts->t[i].level == level && ts->t[i].dx == dx && ts->t[i].dy == dy) {
			ts->t[i].coef = ex_add(c->p, ts->t[i].coef, coef);
			return;
		}
	ts->t = mem_realloc(ts->t, (size_t)(ts->n + 1) * sizeof *ts->t);
	ts->t[ts->n].level = level;
	ts->t[ts->n].dx = dx;
	ts->t[ts->n].dy = dy;
	ts->t[ts->n++].coef = coef;
}

/* coef * D_{px,py} u[level], D the centred difference. */
static void
tap_diff(Ctx *c, TapSet *ts, int level, int px, int py, Expr *coef)
{
	Expr *s = ex_mul(c->p, coef,
	                 ex_mul(c->p, ex_powi(c->p, ex_sym(c->p, SYM_HX), -px),
	                        ex_powi(c->p, ex_sym(c->p, SYM_HY), -py)));
	int i, j;

	for (i = -2; i <= 2; i++)
		for (j = -2; j <= 2; j++) {
			double wv = diffw[px][i + 2] * diffw[py][j + 2];
			if (wv != 0)
				tap_add(c, ts, level, i, j, ex_mul(c->p, num(c, wv), s));
		}
}

/* scale * (a u_x)_x or scale * (a u_xx)_xx at level `level`, in the
 * symmetric forms of language.md section 10:
 *   q = 1: (a(x+h/2)(u[i+1] - u[i]) - a(x-h/2)(u[i] - u[i-1])) / h^2
 *   q = 2: dxx(a dxx u), a at the grid points i-1, i, i+1,
 * a's x shifted in the coefficient, so each tap is an ordinary
 * coefficient of x for lower.c.  Into ts; into st the frozen operator the
 * von Neumann analysis sees at the point: the uniform stencil with a
 * frozen at (a(x-h/2) + a(x+h/2))/2 (q = 1), max(a(x-h), a(x), a(x+h))
 * (q = 2).  Its symbol's peak (theta = pi) is at least the row's absolute
 * sum in the true operator, which bounds that operator's spectrum
 * (Gershgorin), so a grid stable at every point is stable; freezing the
 * taps themselves would not do: for q = 2 their symbol dips below zero
 * near theta = 0 where a is convex, and the analysis would refuse every
 * grid. */
/* the coordinate xp mirrored into [from, to] on axis ax: a coefficient
 * beyond an end is its mirror image, as the field beyond a free end is
 * (its ghosts), so the operator stays symmetric under the energy's
 * weights (1/2 at a free end) and a variable medium's free end conserves
 * energy too; only a free end's rows reach beyond the domain */
static Expr *
mirror(Ctx *c, int ax, Expr *xp)
{
	ExprPool *p = c->p;
	Expr *a = num(c, c->m->domain->from_num[ax]), *b = num(c, c->m->domain->to_num[ax]);
	Expr *y = ex_add(p, a, ex_fn(p, FN_ABS, ex_sub(p, xp, a), NULL));

	return ex_sub(p, b, ex_fn(p, FN_ABS, ex_sub(p, b, y), NULL));
}

/* The off-diagonal half of a row's sum in the operator made symmetric:
 * scale (a u_x)_x is symmetric under the weights 1 / scale, and in B =
 * P A P^-1, P = diag(1 / sqrt(scale)), the taps beside the diagonal are
 * a(x -+ h/2) sqrt(scale(x -+ h) / scale(x)).  Frozen at the mean of the
 * diagonal's and these, the symbol's peak is B's row sum, which bounds
 * the spectrum B shares with A (Gershgorin holds for any matrix: B need
 * not be symmetric, and at a free end, whose row is 2 scale a(x + h/2)
 * (u[1] - u[0]), it is not; the mirror gives that row), as the plain
 * row's does, and far tighter where scale varies fast: a horn's 1 / S(x)
 * near a small S(x), where the plain row of (S p.x).x / S counts S(x +
 * h/2) / S(x) twice (a cone from S = 2.5e-5 got 17 intervals where 46
 * are stable). */
static Expr *
sym_side(Ctx *c, const Cons *k, Expr *scale, Expr *ap, Expr *am)
{
	ExprPool *p = c->p;
	Sym xs = k->axis ? SYM_Y : SYM_X;
	Expr *h = ex_sym(p, k->axis ? SYM_HY : SYM_HX), *x = ex_sym(p, xs);
	Expr *sp, *sm;

	/* a field to be written out as lumped points: each point's own
	 * check (k^2 w^2 <= 4) takes its plain row, and so does its plan */
	if (!k->sym || !(scale->deps & (1u << xs)) || c->m->as_points)
		return ex_add(p, ap, am);
	sp = ex_subst_sym(p, scale, xs, mirror(c, k->axis, ex_add(p, x, h)));
	sm = ex_subst_sym(p, scale, xs, mirror(c, k->axis, ex_sub(p, x, h)));
	return ex_add(p, ex_mul(p, ap, ex_fn(p, FN_SQRT, ex_fn(p, FN_ABS, ex_div(p, sp, scale), NULL), NULL)),
	              ex_mul(p, am, ex_fn(p, FN_SQRT, ex_fn(p, FN_ABS, ex_div(p, sm, scale), NULL), NULL)));
}

static void
tap_cons(Ctx *c, TapSet *ts, TapSet *st, int level, const Cons *k, Expr *scale)
{
	ExprPool *p = c->p;
	Sym xs = k->axis ? SYM_Y : SYM_X;
	Expr *h = ex_sym(p, k->axis ? SYM_HY : SYM_HX), *x = ex_sym(p, xs);
	Expr *f = ex_mul(p, scale, ex_powi(p, h, -2 * k->q)), *w[5] = {0}, *af;
	static const double d2[3] = {1, -2, 1}, u1[5] = {0, 1, -2, 1, 0},
	                    u2[5] = {1, -4, 6, -4, 1};
	int j, m, o;

	if (k->q == 1) {
		Expr *hh = ex_mul(p, num(c, 0.5), h);
		Expr *ap = ex_subst_sym(p, k->a, xs, mirror(c, k->axis, ex_add(p, x, hh)));
		Expr *am = ex_subst_sym(p, k->a, xs, mirror(c, k->axis, ex_sub(p, x, hh)));
		w[3] = ex_mul(p, f, ap);
		w[1] = ex_mul(p, f, am);
		w[2] = ex_neg(p, ex_add(p, w[3], w[1]));
		af = ex_mul(p, num(c, 0.25), ex_add(p, ex_add(p, ap, am), sym_side(c, k, scale, ap, am)));
	} else {
		af = k->a;
		for (j = -1; j <= 1; j++) {
			Expr *aj = j ? ex_subst_sym(p, k->a, xs, mirror(c, k->axis, ex_add(p, x, ex_mul(p, num(c, j), h))))
			             : k->a;
			if (j)
				af = ex_fn(p, FN_MAX, af, aj);
			for (m = -1; m <= 1; m++) {
				Expr *v = ex_mul(p, num(c, d2[j + 1] * d2[m + 1]), ex_mul(p, f, aj));
				o = j + m + 2;
				w[o] = w[o] ? ex_add(p, w[o], v) : v;
			}
		}
	}
	af = ex_mul(p, f, af);
	for (o = 0; o < 5; o++) {
		int dx = k->axis ? 0 : o - 2, dy = k->axis ? o - 2 : 0;
		double uw = k->q == 1 ? u1[o] : u2[o];
		if (w[o])
			tap_add(c, ts, level, dx, dy, w[o]);
		if (uw != 0)
			tap_add(c, st, level, dx, dy, ex_mul(p, num(c, uw), af));
	}
}

static double
const_value(Ctx *c, const Ast *e)
{
	Expr *x = conv(c, e, NULL);

	if (x->kind != EX_NUM)
		die("constant expression did not fold");
	return x->num;
}

static void
build_params(Ctx *c, Scheme *s)
{
	int i;

	s->nparams = c->m->nparams;
	s->params = arena_alloc(c->a, (size_t)(s->nparams + 1) * sizeof *s->params);
	s->param_names = arena_alloc(c->a, (size_t)(s->nparams + 1) * sizeof(char *));
	for (i = 0; i < s->nparams; i++) {
		const Decl *d = c->m->params[i];
		Param *p = &s->params[i];
		p->name = d->name;
		s->param_names[i] = d->name;
		p->def = const_value(c, d->value);
		p->lo = d->lo ? const_value(c, d->lo) : -HUGE_VAL;
		p->hi = d->hi ? const_value(c, d->hi) : HUGE_VAL;
		p->is_log = d->is_log;
	}
}

static void
build_grid(Ctx *c, Scheme *s)
{
	const Decl *dom = c->m->domain;
	int i;

	s->ndim = c->m->ndim;
	for (i = 0; i < s->ndim; i++) {
		s->from[i] = const_value(c, dom->from[i]);
		s->to[i] = const_value(c, dom->to[i]);
		s->grid[i] = dom->grid[i] ? (int)const_value(c, dom->grid[i]) : 0;
		s->bc[i][0] = c->m->bc[i][0];
		s->bc[i][1] = c->m->bc[i][1];
	}
	s->rate = c->m->rate ? const_value(c, c->m->rate->value) : 44100;
}

/* A plate with a free edge takes the rows of plate.c, which hold for an
 * isotropic plate: the coefficients of u.xxxx, u.yyyy and u.xxyy a, a
 * and 2a, as bilap gives them.  Checked with the params at their
 * defaults where the coefficients are of params alone (the chain's
 * plate_check does the same; a coefficient of x and y is plate_taps_ok's
 * to refuse). */
static void
plate_isotropic(Ctx *c, const Scheme *s, const Lin *l)
{
	static const int want[3][3] = {{4, 0, 0}, {0, 4, 0}, {2, 2, 0}};
	double v[3], *p, sym[NSYM] = {0};
	int free = 0, i, j, k;

	for (i = 0; i < s->ndim; i++)
		free |= s->bc[i][0] == BC_FREE || s->bc[i][1] == BC_FREE;
	if (s->ndim != 2 || s->space_order < 3 || !free)
		return;
	p = mem_alloc((size_t)(s->nparams + 1) * sizeof *p);
	for (i = 0; i < s->nparams; i++)
		p[i] = s->params[i].def;
	for (k = 0; k < 3; k++) {
		v[k] = 0;
		for (j = 0; j < l->natom; j++)
			if (!memcmp(l->atom[j].p, want[k], sizeof want[k])) {
				if (l->atom[j].coef->deps & ~DEP_PARAM)
					goto out;
				v[k] = ex_eval(l->atom[j].coef, p, sym);
			}
	}
	if (fabs(v[0] - v[1]) > 1e-12 * fabs(v[0]) || fabs(v[2] - 2 * v[0]) > 1e-12 * fabs(v[0])) {
		const char *f = c->m->field->name, *x = c->m->domain->coord[0], *y = c->m->domain->coord[1];
		diag_error(c->d, c->m->pde->loc, "the plate '%s' has a free edge, so its pde must be isotropic: "
		           "the coefficients of %s.%s%s%s%s, %s.%s%s%s%s and %s.%s%s%s%s a, a and 2a, as "
		           "bilap(%s) gives them (here %g, %g and %g, the params at their defaults): the "
		           "free edges' rows (NSS 12.2) hold for no other; write bilap, or hold the edges "
		           "(clamped, simply_supported)", f, f, x, x, x, x, f, y, y, y, y, f, x, x, y, y, f,
		           v[0], v[1], v[2]);
		c->failed = 1;
	}
out:
	mem_free(p);
}

/* Is e, of params and the coordinates, positive over the domain with the
 * params at their defaults (n x ny samples)?  If not, 0 and where: sy[]
 * and *v. */
static int
positive(const Scheme *s, const Expr *e, int n, int ny, double *sy, double *v)
{
	double *pv = mem_alloc((size_t)(s->nparams + 1) * sizeof *pv);
	int i, j;

	for (i = 0; i < s->nparams; i++)
		pv[i] = s->params[i].def;
	for (j = 0; j <= ny; j++)
		for (i = 0; i <= n; i++) {
			sy[SYM_X] = s->from[0] + (s->to[0] - s->from[0]) * i / n;
			sy[SYM_Y] = ny ? s->from[1] + (s->to[1] - s->from[1]) * j / ny : 0;
			*v = ex_eval(e, pv, sy);
			if (!(*v > 0 && isfinite(*v))) {
				mem_free(pv);
				return 0;
			}
		}
	mem_free(pv);
	return 1;
}

/* The field's density (language.md 11), of params and the coordinates:
 * positive over the domain.  Checked here with the params at their
 * defaults on a fine sampling of the domain (the grid is not known yet);
 * the model's set-up checks it again at each grid point for the params
 * in force (emit_c.c). */
static void
build_density(Ctx *c, Scheme *s)
{
	const Decl *f = c->m->field;
	double sy[NSYM] = {0}, v;

	s->density = f->density ? conv(c, f->density, NULL) : num(c, 1);
	if (!f->density || c->failed || positive(s, s->density, 1000, s->ndim == 2 ? 100 : 0, sy, &v))
		return;
	if (s->ndim == 2)
		diag_error(c->d, f->density->loc, "the density of '%s' is %g at (%s, %s) = "
		           "(%g, %g) with the params at their defaults; a mass per area "
		           "must be positive over the field's domain", f->name, v,
		           f->args[0], f->args[1], sy[SYM_X], sy[SYM_Y]);
	else
		diag_error(c->d, f->density->loc, "the density of '%s' is %g at %s = %g "
		           "with the params at their defaults; a mass per length must be "
		           "positive over the field's domain", f->name, v, f->args[0],
		           sy[SYM_X]);
	c->failed = 1;
}

/* Does e hold a spatial derivative of the field (u.x, (E).xx, lap(u)),
 * or (delta) a point force? */
static int
has_space(const Ast *e, int delta)
{
	int i;

	if (!e)
		return 0;
	if (!delta && e->kind == AX_DERIV && e->letters && strpbrk(e->letters, "xy"))
		return 1;
	if (e->kind == AX_CALL && (delta ? !strcmp(e->name, "delta")
	                           : !strcmp(e->name, "lap") || !strcmp(e->name, "bilap")))
		return 1;
	for (i = 0; i < e->nargs; i++)
		if (has_space(e->args[i], delta))
			return 1;
	return has_space(e->a, delta) || has_space(e->b, delta);
}

/* Is e a weight of the coordinates: of x or y, with no state, t or
 * derivative of the field? */
static int
spatial(Ctx *c, const Ast *e)
{
	Expr *x;

	if (has_space(e, 0) || has_space(e, 1))
		return 0;
	x = conv(c, e, NULL);
	return !c->failed && !(x->deps & (DEP_STATE | (1u << SYM_T))) && (x->deps & ((1u << SYM_X) | (1u << SYM_Y)));
}

/* Does e name a field (u, u(X), a lumped object)?  Such a factor is no
 * weight, and converting it to see would report it (the pde's own check
 * says what is wrong with it). */
static int
names_field(const Ctx *c, const Ast *e)
{
	const Decl *d;
	int i;

	if (!e)
		return 0;
	if ((e->kind == AX_NAME || e->kind == AX_CALL || e->kind == AX_DERIV) && e->name
	    && (d = model_lookup(c->m, e->name)) && d->kind == D_FIELD)
		return 1;
	for (i = 0; i < e->nargs; i++)
		if (names_field(c, e->args[i]))
			return 1;
	return names_field(c, e->a) || names_field(c, e->b);
}

/* The divisor of the coordinates in the product e (factors multiplied
 * and divided: c^2 / S * (S p.x).x, c^2 * ((S p.x).x / S), E * (1 / S)),
 * into *w, and its multiplier of them into *m (c2(x) * u.xx, the wave
 * speed varying along a string written without a density: symmetric in
 * the product weighted by 1 / c2(x)): 1, or 0 when there are two of
 * either */
static int
divisor(Ctx *c, const Ast *e, const Ast **w, const Ast **m)
{
	if (e->kind == AX_UNARY && e->op == OP_NEG)
		return divisor(c, e->a, w, m);
	if (e->kind != AX_BINARY || (e->op != OP_MUL && e->op != OP_DIV)) {
		if (names_field(c, e) || !spatial(c, e))
			return 1;
		if (*m)
			return 0;
		*m = e;
		return 1;
	}
	if (e->op == OP_MUL)
		return divisor(c, e->a, w, m) && divisor(c, e->b, w, m);
	if (!divisor(c, e->a, w, m))
		return 0;
	if (!spatial(c, e->b))
		return !has_space(e->b, 0);
	if (*w)
		return 0;
	*w = e->b;
	return 1;
}

/* The weight the energy output gives the grid field's points when its
 * density does not vary: W / M for a pde whose terms with spatial
 * derivatives are all products over one W and by one M of the
 * coordinates (Webster's `c^2 * (S(x) * p.x).x / S(x)`: its operator is
 * symmetric in the inner product weighted by S, not in the plain one, so
 * the energy with weight 1 is not the one the scheme conserves; `c2(x) *
 * u.xx`, weighted by 1 / c2); other terms free of space (a damping, a
 * time signal), no point force: 1 and *w, *m as written (the first's),
 * else 0. */
static int
pde_weight(Ctx *c, const Ast *e, const Ast **w, const Ast **m, int *first, int *delta)
{
	const Ast *t = NULL, *u = NULL;

	if (e->kind == AX_BINARY && (e->op == OP_ADD || e->op == OP_SUB))
		return pde_weight(c, e->a, w, m, first, delta) && pde_weight(c, e->b, w, m, first, delta);
	if (e->kind == AX_UNARY && e->op == OP_NEG)
		return pde_weight(c, e->a, w, m, first, delta);
	if (has_space(e, 1))
		return (*delta = 1);
	if (!has_space(e, 0))
		return 1;
	if (!divisor(c, e, &t, &u) || (!t && !u))
		return 0;
	if (!*first && (!t != !*w || !u != !*m || (t && !ast_same(*w, t)) || (u && !ast_same(*m, u))))
		return 0;
	*first = 0;
	*w = t;
	*m = u;
	return 1;
}

/* The energy's weight per point, s->edensity: the density, times a pde's
 * W (pde_weight) when the density does not vary in space (absent, or
 * `density 1`, or a constant of params), W positive over the domain at
 * the defaults.  (A density that varies is the pde's own weight: `(T(x)
 * * u.x).x / rho(x)` with `density rho(x)`.) */
static void
build_edensity(Ctx *c, Scheme *s)
{
	const Model *m = c->m;
	const Ast *w = NULL, *mu = NULL;
	Expr *e;
	double sy[NSYM] = {0}, v;
	int first = 1, delta = 0, i, eout = 0;

	s->edensity = s->density;
	if ((s->density->deps & ((1u << SYM_X) | (1u << SYM_Y))) || !m->pde
	    || !pde_weight(c, m->pde->value, &w, &mu, &first, &delta) || (!w && !mu))
		return;
	/* point forces or potentials beside such a weight divide by the
	 * density, not by it: no weight makes E the energy the scheme
	 * conserves (a horn with a spring at a point drifted by 1.3 E0
	 * silently; a probe's) */
	for (i = 0; i < m->noutputs; i++)
		eout |= m->outputs[i]->energy;
	if ((delta || m->npotentials) && eout)
		diag_warning(c->d, m->pde->value->loc, "output E = energy: this pde is symmetric in the "
		             "product weighted by %s of the coordinates, but its point forces (a potential's "
		             "among them) divide by the field's density, not by that: E is not the energy the "
		             "scheme conserves; declare the weight as the field's `density` and write the pde "
		             "per unit mass (docs/language.md 15)",
		             w && mu ? "a ratio" : w ? "a divisor" : "the inverse of a factor");
	if (delta)
		return;
	e = w ? conv(c, w, NULL) : num(c, 1);
	if (mu)
		e = ex_div(c->p, e, conv(c, mu, NULL));
	if (c->failed)
		return;
	if (positive(s, e, 200, s->ndim == 2 ? 50 : 0, sy, &v))
		s->edensity = ex_mul(c->p, s->density, e);
}

/* Does e read a velocity of the state (u.t(X), z.t)? */
static int
reads_velocity(const Ctx *c, const Expr *e)
{
	if (!e || !(e->deps & DEP_STATE))
		return 0;
	if (e->kind == EX_PARAM && e->index >= c->np) {
		ReadKind k = c->rd[e->index - c->np].kind;
		return k == RD_VEL || k == RD_LUMP_VEL || k == RD_CVEL;
	}
	return reads_velocity(c, e->a) || reads_velocity(c, e->b) || reads_velocity(c, e->c);
}

/* A coefficient of u's derivatives that reads the state (language.md
 * 12: `(c^2 + alpha * integral(u.x^2)) * u.xx`) is one of time, taken
 * at step n with the state's reads (lower.c CO_TIME, emit_loop.c): of a
 * spatial derivative only (not of u.t, u.xxt: the scheme's den and the
 * u[n-1] taps would read the state), constant in space, of the state's
 * values, not its velocities.  0 when it is not one. */
static int
state_coef(Ctx *c, const Atom *a)
{
	const char *f = c->m->field->name;

	if (!(a->coef->deps & DEP_STATE))
		return 0;
	if (a->p[2]) {
		diag_error(c->d, c->m->pde->value->loc, "a coefficient of %s's time derivative (a "
		           "damping) reads the state (an integral, a point read or another part): not "
		           "supported; a coefficient of its spatial derivatives may (docs/language.md 17), "
		           "and a damping between parts is a force F * delta(x - X)", f);
		c->failed = 1;
		return 0;
	}
	if (a->coef->deps & ((1u << SYM_X) | (1u << SYM_Y))) {
		diag_error(c->d, c->m->pde->value->loc, "a coefficient of %s's derivatives reads the state "
		           "and varies in space (the terms of one derivative are added: `T(x) * %s.xx + "
		           "alpha * integral(%s.x^2) * %s.xx` is one such coefficient): not supported yet; one "
		           "that reads the state must be the same at every point, as in `(c^2 + alpha * "
		           "integral(%s.x^2)) * %s.xx`, or write the state's part as a potential "
		           "(alpha / 4 * integral(%s.x^2)^2, docs/language.md 17)", f, f, f, f, f, f, f);
		c->failed = 1;
		return 0;
	}
	if (reads_velocity(c, a->coef)) {
		diag_error(c->d, c->m->pde->value->loc, "a coefficient of %s's derivatives reads a "
		           "velocity of the state: not supported; it may read integrals, the field at a "
		           "point and lumped objects' positions", f);
		c->failed = 1;
		return 0;
	}
	return 1;
}

/* A loss term c D u.t with D even in x and y, of order 2m: the rate it
 * takes energy away at is s = -c (-1)^m (u.t: -c; u.xxt: c; u.xxxxt:
 * -c), kept for @_gains (emit_c.c) when it is a constant of the params.
 * So is a stiffness term c D u of order 4 (u.xxxx, u.xxyy, u.yyyy),
 * whose bending energy is positive for c < 0: s = -c (a string whose
 * stiffness was written + kappa^2 u.xxxx beside its tension planned a
 * grid coarse enough to hold it, and its partials went flat, silently;
 * a probe's). */
static void
add_damp(Ctx *c, Scheme *s, const Atom *a)
{
	static const char *const what[2][3][3] = {
		{{"?", "?", "u.yyyy"}, {"?", "u.xxyy", "?"}, {"u.xxxx", "?", "?"}},
		{{"u.t", "u.yyt", "u.yyyyt"}, {"u.xxt", "u.xxyyt", "?"}, {"u.xxxxt", "?", "?"}},
	};
	int m = (a->p[0] + a->p[1]) / 2, lt = a->p[2];
	Expr *r = m % 2 ? a->coef : ex_neg(c->p, a->coef);

	if (a->p[0] > 4 || a->p[1] > 4 || !strcmp(what[lt][a->p[0] / 2][a->p[1] / 2], "?")
	    || (r->deps & ((1u << SYM_X) | (1u << SYM_Y) | (1u << SYM_T) | DEP_STATE)))
		return;
	/* (a few terms: each grows by one, in the scheme's arena) */
	{
		Expr **d = arena_alloc(c->a, sizeof *d * (size_t)(s->ndamp + 1));
		const char **w = arena_alloc(c->a, sizeof *w * (size_t)(s->ndamp + 1));
		if (s->ndamp) {
			memcpy(d, s->damp, sizeof *d * (size_t)s->ndamp);
			memcpy(w, s->damp_what, sizeof *w * (size_t)s->ndamp);
		}
		s->damp = d;
		s->damp_what = w;
	}
	s->damp[s->ndamp] = r;
	s->damp_what[s->ndamp] = what[lt][a->p[0] / 2][a->p[1] / 2];
	/* in 2D one loss of second order is lap(u.t), its two atoms (the
	 * warning named u.xxt, which plate.dpm does not write) */
	if (s->ndim == 2 && lt && m == 1)
		s->damp_what[s->ndamp] = "lap(u.t) (u.xxt + u.yyt)";
	s->ndamp++;
	s->damp_loc = c->m->pde->value->loc;
}

/* The update solved for u[n+1]: multiply through by k^2 and divide by
 * den = 1 - ct k / 2, ct the coefficient of u.t. */
static void
build_update(Ctx *c, Scheme *s, Lin *l)
{
	ExprPool *p = c->p;
	Expr *k = ex_sym(p, SYM_K), *k2 = ex_powi(p, k, 2), *ct = num(c, 0);
	TapSet ts = {0}, st = {0};
	int i, w, alone;

	for (i = 0; i < l->natom; i++) {
		Atom *a = &l->atom[i];
		s->nstate_coef += state_coef(c, a);
		if (a->p[2] <= 1 && !(a->p[0] % 2) && !(a->p[1] % 2))
			add_damp(c, s, a);
		if (a->p[2] == 1 && a->p[0] + a->p[1] == 0) {
			ct = ex_add(p, ct, a->coef);
		} else if (a->p[2] == 0) {
			tap_diff(c, &ts, 0, a->p[0], a->p[1], ex_mul(p, a->coef, k2));
		} else if (a->p[2] == 1) {
			Expr *ck = ex_mul(p, a->coef, k);   /* k^2 * coef / k */
			tap_diff(c, &ts, 0, a->p[0], a->p[1], ck);
			tap_diff(c, &ts, 1, a->p[0], a->p[1], ex_neg(p, ck));
		} else {
			die("time order %d not checked by sema", a->p[2]);
		}
		if (a->p[0] > 4 || a->p[1] > 4)
			die("spatial order not checked by sema");
	}
	/* u.tt: 2 u[n] - u[n-1]; u.t: -(ct k / 2) u[n-1] */
	tap_add(c, &ts, 0, 0, 0, num(c, 2));
	tap_add(c, &ts, 1, 0, 0,
	        ex_sub(p, num(c, -1), ex_mul(p, ex_mul(p, ct, k), num(c, 0.5))));
	s->den = ex_sub(p, num(c, 1), ex_mul(p, ex_mul(p, ct, k), num(c, 0.5)));
	/* conservative forms: the stability analysis gets the same taps with
	 * theirs frozen (tap_cons) */
	if (l->ncons) {
		st.t = mem_alloc((size_t)ts.n * sizeof *st.t);
		memcpy(st.t, ts.t, (size_t)ts.n * sizeof *st.t);
		st.n = ts.n;
	}
	/* the operator made symmetric (sym_side) where it is one: forms (a
	 * u.x).x in 1D whose scales differ by a factor of params, and no
	 * other derivative of x (whose rows the weights would change) */
	alone = s->ndim == 1;
	for (i = 0; i < l->natom; i++)
		if (l->atom[i].p[0] || l->atom[i].p[1])
			alone = 0;
	for (i = 0; i < l->ncons; i++) {
		Cons *cn = &l->cons[i];
		cn->sym = alone && cn->q == 1 && !(ex_div(p, cn->scale, l->cons[0].scale)->deps & (1u << SYM_X));
	}
	for (i = 0; i < l->ncons; i++) {
		Cons *cn = &l->cons[i];
		if (cn->pt == 0) {
			tap_cons(c, &ts, &st, 0, cn, ex_mul(p, ex_mul(p, cn->scale, k2), num(c, 1)));
		} else {
			Expr *ck = ex_mul(p, cn->scale, k);
			tap_cons(c, &ts, &st, 0, cn, ck);
			tap_cons(c, &ts, &st, 1, cn, ex_neg(p, ck));
		}
	}

	s->w[0] = s->w[1] = 0;
	for (i = 0; i < ts.n; i++) {
		ts.t[i].coef = ex_div(p, ts.t[i].coef, s->den);
		w = ts.t[i].dx < 0 ? -ts.t[i].dx : ts.t[i].dx;
		if (w > s->w[0] && !ex_is_num(ts.t[i].coef, 0))
			s->w[0] = w;
		w = ts.t[i].dy < 0 ? -ts.t[i].dy : ts.t[i].dy;
		if (w > s->w[1] && !ex_is_num(ts.t[i].coef, 0))
			s->w[1] = w;
	}
	s->taps = arena_alloc(c->a, (size_t)ts.n * sizeof *s->taps);
	s->ntaps = 0;
	for (i = 0; i < ts.n; i++)
		if (!ex_is_num(ts.t[i].coef, 0))
			s->taps[s->ntaps++] = ts.t[i];
	mem_free(ts.t);
	s->stab = s->taps;
	s->nstab = s->ntaps;
	if (l->ncons) {
		s->stab = arena_alloc(c->a, (size_t)st.n * sizeof *s->stab);
		s->nstab = 0;
		for (i = 0; i < st.n; i++) {
			st.t[i].coef = ex_div(p, st.t[i].coef, s->den);
			if (!ex_is_num(st.t[i].coef, 0))
				s->stab[s->nstab++] = st.t[i];
		}
	}
	mem_free(st.t);

	s->force = ex_is_num(l->c0, 0) ? NULL : ex_mul(p, l->c0, k2);
	for (i = 0; i < l->ncons; i++)
		if (l->cons[i].scale->deps & DEP_STATE || l->cons[i].a->deps & DEP_STATE)
			break;
	if (i < l->ncons) {
		diag_error(c->d, c->m->pde->value->loc, "a conservative form (a(x) %s.x).x times a "
		           "coefficient that reads the state: not supported yet; such a coefficient may "
		           "multiply the derivatives of a form whose coefficients do not vary in space, "
		           "`(c^2 + alpha * integral(%s.x^2)) * %s.xx`, and a tension that varies along "
		           "the field too is a potential's (docs/language.md 17)", c->m->field->name,
		           c->m->field->name, c->m->field->name);
		c->failed = 1;
	}
	if (s->nstate_coef && !c->failed) {
		/* the grid is planned, and the energy bound searched, with the
		 * coefficients at the zero reads (the state at rest) */
		Tap *t = arena_alloc(c->a, (size_t)(s->nstab + 1) * sizeof *t);

		for (i = 0; i < s->nstab; i++) {
			t[i] = s->stab[i];
			t[i].coef = ex_subst_state(p, t[i].coef, num(c, 0));
		}
		s->stab = t;
	}
	if (s->force && (s->force->deps & DEP_STATE)) {
		diag_error(c->d, c->m->pde->value->loc, "the pde reads the state (another part, or "
		           "the field at a point) outside a point force; write such terms as "
		           "F * delta(x - X)");
		c->failed = 1;
	}
	/* a force between parts adds F / density (language.md 11), the
	 * density of each grid point its spread reaches (s->mden): then F's
	 * work on the read at X is the work the step's masses see, and a
	 * spring between parts conserves the discrete energy */
	s->mden = ex_mul(p, s->den, s->density);
	/* A loss of u.t that varies in time (den of t): the share at step n
	 * is F / (rho den(t_n)), so each strength, a coefficient of t made
	 * every step, divides by den (time_den, once every use of S as
	 * written is made), and the weights (made once, with the params)
	 * take the density alone; they took den at t = 0 (a force 2.3 % too
	 * strong after 50 ms of a damping that rose; a probe's).
	 * A den of x and t too would need the weights every step: refused,
	 * as are potentials and bows (below, where the potentials and bows are known). */
	s->tden = (s->den->deps & (1u << SYM_T)) != 0;
	s->wden = s->tden ? s->density : s->mden;
	if (s->tden && l->ndelta && (s->den->deps & ((1u << SYM_X) | (1u << SYM_Y)))) {
		diag_error(c->d, c->m->pde->value->loc, "a loss coefficient of %s.t that varies in both "
		           "time and space, with a point force (delta): not supported yet; let it vary "
		           "in time or in space, not both", c->m->field->name);
		c->failed = 1;
	}
	s->nsrc = l->ndelta;
	s->src = arena_alloc(c->a, (size_t)(l->ndelta + 1) * sizeof *s->src);
	for (i = 0; i < l->ndelta; i++) {
		s->src[i].strength = ex_mul(p, l->delta[i].coef, k2);
		s->src[i].state = (s->src[i].strength->deps & DEP_STATE) != 0;
		s->src[i].implicit = -1;
		s->nstate_src += s->src[i].state;
		s->src[i].pos[0] = l->delta[i].pos[0];
		s->src[i].pos[1] = l->delta[i].pos[1];
		s->src[i].loc = l->delta[i].loc;
		if (s->src[i].strength->deps & ((1u << SYM_X) | (1u << SYM_Y))) {
			diag_error(c->d, l->delta[i].loc, "the strength of a point source "
			           "must not depend on the coordinates");
			c->failed = 1;
		}
	}
}

/* output NAME = E (docs/language.md 18): E of the reads the output table
 * keeps apart (Scheme.ord: made from u[n+1], u[n], not the step's
 * u[n], u[n-1]); one read alone, as `1 * u(X)` folds to, is the plain
 * gather's, so both give the same bits. */
static void
out_expr(Ctx *c, Scheme *s, Output *o, const Decl *d)
{
	Read *rd = c->rd;
	int nrd = c->nrd, caprd = c->caprd;
	Call **calls = c->calls;
	unsigned ncalls = c->ncalls, cap = c->calls_cap;
	const Read *r;
	Expr *e;
	int i;

	/* the reads (and time lets inlined with them) of this table alone */
	c->rd = s->ord;
	c->nrd = c->caprd = s->nord;
	c->calls = NULL;
	c->ncalls = c->calls_cap = 0;
	e = conv(c, d->value, NULL);
	mem_free(c->calls);
	c->calls = calls;
	c->ncalls = ncalls;
	c->calls_cap = cap;
	s->ord = c->rd;
	s->nord = c->nrd;
	c->rd = rd;
	c->nrd = nrd;
	c->caprd = caprd;
	r = e->kind == EX_PARAM && e->index >= c->np ? &s->ord[e->index - c->np] : NULL;
	if (r && (r->kind == RD_VAL || r->kind == RD_VEL)) {
		o->pos[0] = r->pos;
		o->pos[1] = r->pos2 ? r->pos2 : num(c, 0);
		o->velocity = r->kind == RD_VEL;
		o->lump = -1;
	} else if (r && (r->kind == RD_LUMP || r->kind == RD_LUMP_VEL)) {
		o->velocity = r->kind == RD_LUMP_VEL;
		o->lump = r->lump;
	} else {
		o->expr = e;
		o->lump = -1;
		o->velocity = 0;
	}
	/* by index: a table without reads has ord NULL, and NULL + 0 is
	 * undefined (clang's UBSan, tests/fuzz/fuzz_middle) */
	for (i = 0; i < s->nord; i++) {
		r = &s->ord[i];
		if (r->kind == RD_DX3) {
			diag_error(c->d, d->value->loc, "an output of %s reads the shear %s.xxx at an end, "
			           "which outputs do not take yet; read it in a lumped object's pde",
			           o->name, c->m->field->name);
			c->failed = 1;
			break;
		}
		if (r->kind == RD_DX && s->ndim == 2) {
			diag_error(c->d, d->value->loc, "an output of %s reads a slope %s.x(X, Y), which "
			           "is not supported yet", o->name, c->m->field->name);
			c->failed = 1;
			break;
		}
	}
}

/* An output at a constant point outside the domain is said here, at its
 * place (one at a param's value is checked when the params are set). */
static void
out_inside(Ctx *c, const Scheme *s, const Output *o, const Decl *d)
{
	int j;

	if (o->lump >= 0 || o->energy || o->expr)
		return;
	for (j = 0; j < s->ndim; j++) {
		double v = o->pos[j]->num;
		if (o->pos[j]->kind != EX_NUM || (v >= s->from[j] && v <= s->to[j]) || (isnan(v) && c->d->nerr))
			continue;
		diag_error(c->d, j < d->nat ? d->at[j]->loc : d->value->loc, "the output '%s' reads %s = %.15g, "
		           "outside the domain (%s in [%g, %g]); move it inside", o->name,
		           c->m->domain->coord[j], v, c->m->domain->coord[j], s->from[j], s->to[j]);
		c->failed = 1;
		return;
	}
}

static void
build_io(Ctx *c, Scheme *s)
{
	const Model *m = c->m;
	int i, j;

	s->init_u = m->init_u ? conv(c, m->init_u->value, NULL) : NULL;
	s->init_ut = m->init_ut ? conv(c, m->init_ut->value, NULL) : NULL;
	s->nout = m->noutputs;
	s->out = arena_alloc(c->a, (size_t)(s->nout + 1) * sizeof *s->out);
	for (i = 0; i < s->nout; i++) {
		const Decl *d = m->outputs[i];
		s->out[i].name = d->name;
		s->out[i].velocity = d->lhs_letters && d->lhs_letters[0] == 't';
		s->out[i].lump = d->energy ? -1 : is_lump(c, d->field);
		s->out[i].energy = d->energy;
		s->out[i].loc = d->loc;
		s->out[i].pos[0] = num(c, 0);
		s->out[i].pos[1] = num(c, 0);
		for (j = 0; j < d->nat && j < 2; j++)
			s->out[i].pos[j] = conv(c, d->at[j], NULL);
		if (!d->field && !d->energy)
			out_expr(c, s, &s->out[i], d);
		out_inside(c, s, &s->out[i], d);
	}
}

/* Each lumped object's pde, split into its own velocity's coefficient
 * (taken centred) and the rest (at step n); the held ends. */
static void
build_lumps(Ctx *c, Scheme *s)
{
	const Model *m = c->m;
	double sy[NSYM] = {0}, v;
	int j, i, side;

	s->nlump = m->nlumps;
	s->lump = arena_alloc(c->a, (size_t)(m->nlumps + 1) * sizeof *s->lump);
	for (j = 0; j < m->nlumps; j++) {
		Lump *z = &s->lump[j];
		Expr *e;
		c->self = j;
		e = conv(c, m->lump_pde[j]->value, NULL);
		c->self = -1;
		z->name = m->lumps[j]->name;
		z->ct = diff_sym(c->p, e, SYM_THX);
		z->rest = ex_subst_sym(c->p, e, SYM_THX, num(c, 0));
		if (z->ct->deps & (DEP_STATE | (1u << SYM_THX) | (1u << SYM_T))) {
			/* a chain's point (sema_fields.c, gridpt): once, for the field */
			int g = m->lumps[j]->gridpt;
			const char *f = g > 0 ? m->chains[g - 1].name : z->name;
			if (!(g > 0 && j > 0 && m->lumps[j - 1]->gridpt == g))
				diag_error(c->d, m->lump_pde[j]->value->loc, "%s.t must appear linearly, times "
				           "a coefficient of params%s (a damper -R * %s.t)", f, g > 0
				           ? ", not of t or the state: a field not on the grid takes a damping "
				           "constant in time" : (z->ct->deps & (1u << SYM_T)) && !(z->ct->deps
				           & (DEP_STATE | (1u << SYM_THX))) ? ", not of t: a lumped object's "
				           "damping that varies in time is not supported yet" : "", f);
			c->failed = 1;
		}
		z->init = m->lump_init[j] ? conv(c, m->lump_init[j]->value, NULL) : num(c, 0);
		z->init_t = m->lump_init_t[j] ? conv(c, m->lump_init_t[j]->value, NULL) : num(c, 0);
		z->mass = m->lumps[j]->mass ? conv(c, m->lumps[j]->mass, NULL) : num(c, 1);
		if (m->lumps[j]->mass && !positive(s, z->mass, 1, 0, sy, &v)) {
			diag_error(c->d, m->lumps[j]->mass->loc, "the mass of '%s' is %g with the params at "
			           "their defaults; a mass must be positive", z->name, v);
			c->failed = 1;
		}
	}
	for (i = 0; i < 2; i++)
		for (side = 0; side < 2; side++)
			s->attach[i][side] = s->bc[i][side] == BC_ATTACHED ? m->attach[i][side] : -1;
}

/* A point source in the cell next to an end attached to a lumped object
 * z (language.md 11.1): its share of the end point, F hat_N(X), is z's,
 * as the read u(X) takes z there, so z's rest gains F hat_N(X) / M (the
 * grid drops the end's share: it is held).  Then a force's work on the
 * read is the work the masses see, and a spring there keeps the energy
 * (it lost 2.8e-3 of E over 0.45 s).  F = S / k^2.  A bow keeps its
 * Newton solve on the grid's points alone. */
static void
end_shares(Ctx *c, Scheme *s)
{
	ExprPool *p = c->p;
	int i, side;

	if (s->ndim != 1)
		return;
	for (side = 0; side < 2; side++) {
		int j = s->attach[0][side];
		Expr *end = num(c, side ? s->to[0] : s->from[0]);
		if (j < 0)
			continue;
		for (i = 0; i < s->nsrc; i++) {
			Expr *hat, *f;
			if (s->src[i].implicit >= 0)
				continue;
			hat = ex_fn(p, FN_MAX, num(c, 0), ex_sub(p, num(c, 1),
			            ex_div(p, ex_fn(p, FN_ABS, ex_sub(p, s->src[i].pos[0], end), NULL),
			                   ex_sym(p, SYM_HX))));
			f = ex_div(p, s->src[i].strength, ex_powi(p, ex_sym(p, SYM_K), 2));
			s->lump[j].rest = ex_add(p, s->lump[j].rest, ex_div(p, ex_mul(p, f, hat), s->lump[j].mass));
		}
	}
}

/* Does read r read the field at source i's point? */
static int
read_at_src(const Scheme *s, int r, int i)
{
	return s->rd[r].pos == s->src[i].pos[0] && (s->ndim == 1 || s->rd[r].pos2 == s->src[i].pos[1]);
}

/* Bowed source i's strength S(v, ...) as S(0, ...), a force at step n
 * like any other, and S - S(0, ...), the bow's own, when S(0, ...) still
 * reads the state: a spring and a damper at a point written as one force,
 * (-K u(X) + R u.t(X)) * delta(x - X), are then the spring's force, whose
 * energy output counts it, and the damper's, solved centred.  The two
 * add up to the force as written. */
/* Source i as two at its place: S - f, and f (a force at step n, as
 * any other: not the bow's, reading the state or not) */
static void
split_src(Ctx *c, Scheme *s, int i, Expr *f)
{
	Source *n = arena_alloc(c->a, (size_t)(s->nsrc + 1) * sizeof *n);

	memcpy(n, s->src, (size_t)s->nsrc * sizeof *n);
	s->src = n;
	s->src[i].strength = ex_sub(c->p, s->src[i].strength, f);
	s->src[s->nsrc] = s->src[i];
	s->src[s->nsrc].strength = f;
	s->src[s->nsrc].implicit = -1;
	s->src[s->nsrc].state = (f->deps & DEP_STATE) != 0;
	s->nsrc++;
}

static void
split_implicit(Ctx *c, Scheme *s, int i)
{
	Source *src = &s->src[i];
	Expr *f0 = ex_subst_param(c->p, src->strength, s->nparams + src->implicit, ex_num(c->p, 0));

	if (f0->deps & DEP_STATE)
		split_src(c, s, i, f0);
}

/* A force between parts with a constant part, -K (u(X) - d) (a spring
 * with a rest offset, written so or lowered from a potential,
 * sema_spring.c): S(0), its strength with the state's reads at 0, a
 * source of its own, a constant force whose work energy_text counts
 * (cg_src_const), and S - S(0) the spring's (the energy of the offset
 * spring written as a force drifted by 20 %).  Only a force affine in
 * the state (a felt's KH max(0, z - u)^p at 0 is KH 0^p, whose slope in
 * p is not a number), and not a bow's or a damper's at its own point
 * (after build_implicit, which splits off what does not read that
 * velocity: a spring and a damper written as one force, -K (u(X) - d) -
 * R u.t(X), give a spring whose constant part is split here). */
static void
split_constant(Ctx *c, Scheme *s)
{
	ExprPool *p = c->p;
	int i, r, n = s->nsrc, nv = s->nparams + s->nrd, keep;
	Expr *f0, **d = mem_alloc((size_t)(nv + 1) * sizeof *d);

	for (i = 0; i < n; i++) {
		if (!s->src[i].state || s->src[i].implicit >= 0)
			continue;
		diff_params(p, s->src[i].strength, nv, d);
		for (r = 0, keep = 0; r < s->nrd && !keep; r++)
			keep = (d[s->nparams + r]->deps & DEP_STATE) != 0;
		f0 = ex_subst_state(p, s->src[i].strength, num(c, 0));
		if (!keep && !ex_is_num(f0, 0) && !(f0->deps & DEP_STATE))
			split_src(c, s, i, f0);
	}
	mem_free(d);
}

/* Bows (language.md 12): a force at X whose strength reads the field's
 * own velocity u.t(X) at the same X takes that velocity centred, so the
 * step is implicit in it (OP_SOLVE).  The read becomes RD_CVEL; every
 * other read in the strength stays at step n.  On a 1D or a 2D grid
 * field alike (the read and the spread over 2 or 4 points).  What
 * OP_SOLVE does not cover is refused: the same centred read in a
 * second force at the point, two such reads in one force.  A lumped
 * object's pde reads that velocity at step n, as a read of its own.  (A chain's w.t(X) in a force is refused earlier,
 * sema_chain.c: it must appear linearly.) */
static void
build_implicit(Ctx *c, Scheme *s)
{
	ExprPool *p = c->p;
	int n = s->nparams + s->nrd, i, r, j, nr, bowed;
	Expr **d = mem_alloc((size_t)(n + 1) * sizeof *d);

	for (i = 0; i < s->nsrc; i++) {
		if (!s->src[i].state)
			continue;
		diff_params(p, s->src[i].strength, n, d);
		for (r = 0; r < s->nrd; r++) {
			if (s->rd[r].kind != RD_VEL || !read_at_src(s, r, i))
				continue;
			/* the velocity at its point only through a jump (a
			 * Coulomb law, sign(v)): no slope, so no centred solve; it
			 * was read at step n, the bow chattering every sample (a
			 * probe's) */
			if (ex_is_num(d[s->nparams + r], 0) && ex_holds(p, s->src[i].strength, s->nparams + r)) {
				diag_error(c->d, s->src[i].loc, "this force depends on the velocity at its point "
				           "only through a jump (a sign, select, step or comparison of it): a bow "
				           "takes the velocity centred and needs a friction curve with a slope; "
				           "write it smooth (tanh(v / 0.001), say)");
				c->failed = 1;
				continue;
			}
			if (ex_is_num(d[s->nparams + r], 0))
				continue;
			if (s->src[i].implicit >= 0) {
				diag_error(c->d, s->src[i].loc, "a velocity-dependent force reads the "
				           "velocity at its point twice; write it with one u.t(X)");
				c->failed = 1;
			}
			s->src[i].implicit = r;
		}
		if (s->src[i].implicit < 0)
			continue;
		s->rd[s->src[i].implicit].kind = RD_CVEL;
		s->nimplicit++;
		split_implicit(c, s, i);
	}
	for (i = 0; i < s->nsrc; i++) {
		if (!s->src[i].state || s->src[i].implicit >= 0)
			continue;
		diff_params(p, s->src[i].strength, n, d);
		for (r = 0; r < s->nrd; r++)
			if (s->rd[r].kind == RD_CVEL && !ex_is_num(d[s->nparams + r], 0)) {
				diag_error(c->d, s->src[i].loc, "this force reads the velocity at a bowed "
				           "point, which a bow takes centred (implicit); move the force "
				           "into the bow's own, or read the velocity elsewhere");
				c->failed = 1;
			}
	}
	/* a lumped object reads the velocity at a bowed point as any other
	 * part's velocity, at step n (language.md 11): (u[n] - u[n-1]) / k,
	 * a read of its own (a damper between a string and its bridge, whose
	 * force on the string takes it centred) */
	nr = s->nrd;
	for (r = 0, bowed = 0; r < nr; r++)   /* a chain has thousands of reads */
		bowed |= s->rd[r].kind == RD_CVEL;
	for (j = 0; bowed && j < s->nlump; j++)
		for (r = 0; r < nr; r++)
			if (s->rd[r].kind == RD_CVEL && ex_holds(p, s->lump[j].rest, s->nparams + r)) {
				Expr *v = read_of(c, RD_VEL, s->rd[r].lump, s->rd[r].pos, s->rd[r].pos2, s->rd[r].loc);
				s->rd = c->rd;
				s->nrd = c->nrd;
				s->lump[j].rest = ex_subst_param(p, s->lump[j].rest, s->nparams + r, v);
			}
	mem_free(d);
}

/* A deterministic spread of trial values, for the sign test of a
 * potential: 0, +-1e-3 .. +-10 */
static double
trial(unsigned *seed)
{
	static const double v[] = {0, 1e-3, 1e-2, 0.1, 0.5, 1, 2, 10};

	*seed = *seed * 1103515245u + 12345u;
	return v[(*seed >> 16) % 8] * ((*seed >> 8) & 1 ? -1 : 1);
}

/* Potentials (language.md 12): V, their sum, of the state's positions.
 * Each must read the state, not its velocities, and be >= 0: tried at
 * 400 states (point values and lumped positions of both signs, integrals
 * of the integrand's own sign), the params at their defaults. */
static void
build_potentials(Ctx *c, Scheme *s)
{
	const Model *m = c->m;
	ExprPool *p = c->p;
	int i, r, t, np = s->nparams;
	unsigned seed = 12345u;

	s->pot = num(c, 0);
	s->npot = 0;
	c->self = -1;
	for (i = 0; i < m->npotentials; i++) {
		const Decl *d = m->potentials[i];
		int nrd0 = c->nrd, nrd;
		Expr *v = conv(c, d->value, NULL), **dv;
		double *pv, sy[NSYM] = {0}, worst = 0;

		if (c->failed)
			return;
		nrd = c->nrd;
		if (!(v->deps & DEP_STATE)) {
			if (m->lumped_only)
				diag_error(c->d, d->value->loc, "the potential '%s' does not depend on the "
				           "state; a stored energy reads the lumped objects' positions", d->name);
			else
				diag_error(c->d, d->value->loc, "the potential '%s' does not depend on the state; "
				           "a stored energy reads the field at points (%s(X)), integral(...) or "
				           "lumped objects", d->name, m->field->name);
			c->failed = 1;
			return;
		}
		dv = mem_alloc((size_t)(np + nrd + 1) * sizeof *dv);
		diff_params(p, v, np + nrd, dv);
		for (r = 0; r < nrd; r++) {
			ReadKind k = c->rd[r].kind;
			if (ex_is_num(dv[np + r], 0) || k == RD_VAL || k == RD_LUMP || k == RD_INT)
				continue;
			diag_error(c->d, d->value->loc, "the potential '%s' reads %s; a stored energy "
			           "depends on positions only (%s%s)", d->name,
			           k == RD_DX || k == RD_DX3 ? "a slope u.x(X) or shear, which is not supported yet"
			           : "a velocity", m->lumped_only ? "the lumped objects' z, not z.t" : m->field->name,
			           m->lumped_only ? "" : "(X), z, integral(...)");
			c->failed = 1;
		}
		(void)nrd0;
		pv = mem_alloc((size_t)(np + nrd + 1) * sizeof *pv);
		for (r = 0; r < np; r++)
			pv[r] = s->params[r].def;
		for (t = 0; t < 400 && !c->failed; t++) {
			double val;
			for (r = 0; r < nrd; r++) {
				pv[np + r] = trial(&seed);
				if (c->rd[r].kind == RD_INT) {
					double f;
					sy[SYM_THX] = pv[np + r];
					sy[SYM_X] = 0.5 * (s->from[0] + s->to[0]);
					f = ex_eval(c->rd[r].ig, pv, sy);
					pv[np + r] = fabs(pv[np + r]) * (f < 0 ? -1 : 1);
				}
			}
			val = ex_eval(v, pv, sy);
			if (val < worst)
				worst = val;
		}
		if (worst < 0) {
			diag_error(c->d, d->value->loc, "the potential '%s' takes negative values (%g "
			           "at some states); a stored energy must be >= 0 (a square, or max(0, "
			           "...)^p)", d->name, worst);
			c->failed = 1;
		}
		mem_free(pv);
		mem_free(dv);
		if (!c->failed && d->sav_warn)    /* >= 0, its quadratic terms with SAV (sema_spring.c) */
			diag_warning(c->d, d->sav_warn->loc, "this term of the potential '%s' is not >= 0 by "
			             "its shape (an even power, a square, max(0, ...)^p, times params whose range "
			             "starts at 0), so the potential's linear spring is carried by SAV with it, "
			             "whose g jumps where the spring's stretch passes 0 (a pitch error of first "
			             "order in k); write it so, or raise the rate", d->name);
		/* a linear spring: its forces are in the pdes (sema_spring.c),
		 * its value at rest in the energy (the form's, of a split one) */
		if (d->lowered || d->sav)
			s->pot0 = ex_add(p, s->pot0 ? s->pot0 : num(c, 0), ex_subst_state(p, v, num(c, 0)));
		if (d->lowered)
			continue;
		if (d->sav && (v = conv(c, d->sav, NULL), c->failed))
			return;
		if (d->sav)
			s->pot0 = ex_sub(p, s->pot0, ex_subst_state(p, v, num(c, 0)));
		if (!s->npot++)
			s->pot_loc = d->loc;
		s->pot = ex_add(p, s->pot, v);
	}
}

/* The couplings in the stability analysis (language.md 11: "with the
 * coupling springs counted in the stability of the points they touch").
 * A force at X that reads the field at X adds dS/du(X) w w' / h to the
 * diagonal there (w, w' <= 1 the weights of the spread and the read): a
 * restoring one (dS/du < 0) adds at most that over h (hx hy in 2D) to the centre tap,
 * frozen at every point as the analysis does.  A lumped object's
 * explicit step is stable while k^2 w^2 < 4, w^2 its stiffness: its own
 * read, and a slope read at the end it holds (u.x(B) = (z - u[N-1]) / h);
 * a point of a chain (sema_fields.c) adds its neighbours' couplings
 * (Gershgorin's bound).  A spring between two parts counts twice on each
 * side: K (a - b)(a - b)' <= 2K (a a' + b b'), so the coupled step is
 * stable when each part is with its springs to the others doubled, which
 * is what a force that also reads another part adds here, a lumped
 * object adds (Gershgorin: |dS/dread| for each read of another part, and
 * the neighbour's share of an attached end's slope), and a chain's plan
 * counts (sema_fields.c).
 * Only couplings linear in the state count: a nonlinear one's stiffness
 * depends on the state (issue 12). */
/* Wide reads in the lumps' stiffness.  A join at a param's place reads a
 * whole chain, S = sum_r hat_r(X) z_r, and every point's rest uses it:
 * Gershgorin's row sums, sum_r |d rest_j / d z_r|, were then N terms for
 * each of N points (1.5 MB of C for 200).  Such an S, shared by several
 * rests, linear in many point reads, is a variable of its own here:
 * sum_r |d rest_j/d z_r| <= sum_direct |.| + |d rest_j/d S| G_S with
 * G_S = sum_r w_r |d S/d z_r| made once (w_r 1, or 2/k for a velocity:
 * the loop below), which is the same bound where a point is read only
 * through S, and a bound still where it is read both ways. */
enum { WIDE = 8 };

typedef struct Wide {
	Expr **node;               /* [k]: the wide subexpressions */
	Expr **g;                  /* [k]: their G_S */
	int n, cap;
	unsigned char *st;         /* by Expr id: 0 unseen, 1 seen, 2 wide, 3 not */
	int *last;                 /* by Expr id: the last lump that reached it */
	unsigned *shared;          /* by Expr id: how many lumps reach it */
	unsigned nid;
} Wide;

static void
wide_grow(Wide *w, unsigned id)
{
	unsigned n;

	if (id < w->nid)
		return;
	n = mem_cap(w->nid, id, 1024);
	w->st = mem_extend(w->st, 1, w->nid, n, 0);
	w->last = mem_extend(w->last, sizeof *w->last, w->nid, n, 0xff);
	w->shared = mem_extend(w->shared, sizeof *w->shared, w->nid, n, 0);
	w->nid = n;
}

/* how many lumps' rests reach each node */
static void
wide_count(Wide *w, const Expr *e, int j)
{
	wide_grow(w, e->id);
	if (!(e->deps & DEP_STATE) || w->last[e->id] == j)
		return;
	w->last[e->id] = j;
	w->shared[e->id]++;
	if (e->a)
		wide_count(w, e->a, j);
	if (e->b)
		wide_count(w, e->b, j);
	if (e->c)
		wide_count(w, e->c, j);
}

/* is e (a sum shared by several rests) a function of WIDE or more point
 * reads of kinds RD_LUMP, RD_LUMP_VEL, RD_VAL?  Then it joins w, with
 * its G_S where it is linear in them, else none (NULL): a coupling
 * through it is not linear in the state and counts nothing, as each
 * read's derivative, which holds the state, counted nothing before; an
 * integral(u.x^2) in a second field's tension was differentiated by
 * each of its N points at each point, 3 GB and a minute for 985 (a
 * probe's). */
static int
wide_is(Ctx *c, Scheme *s, Wide *w, Expr *e, int n, Expr **d)
{
	ExprPool *p = c->p;
	Expr *g = num(c, 0);
	int r, reads = 0, linear = 1;

	wide_grow(w, e->id);
	if (w->st[e->id] >= 2)
		return w->st[e->id] == 2;
	w->st[e->id] = 3;
	if (e->kind != EX_ADD || w->shared[e->id] < 2)
		return 0;
	diff_params(p, e, n, d);
	for (r = 0; r < s->nrd; r++) {
		Expr *dr = d[s->nparams + r];
		ReadKind k = s->rd[r].kind;
		if (ex_is_num(dr, 0))
			continue;
		if (k != RD_LUMP && k != RD_LUMP_VEL && k != RD_VAL)
			return 0;
		reads++;
		if (dr->deps & DEP_STATE)
			linear = 0;
		if (!linear)
			continue;
		dr = ex_fn(p, FN_ABS, dr, NULL);
		g = ex_add(p, g, k == RD_LUMP_VEL ? ex_div(p, ex_mul(p, num(c, 2), dr), ex_sym(p, SYM_K)) : dr);
	}
	if (reads < WIDE)
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 8;
		w->node = mem_realloc(w->node, (size_t)w->cap * sizeof *w->node);
		w->g = mem_realloc(w->g, (size_t)w->cap * sizeof *w->g);
	}
	w->node[w->n] = e;
	w->g[w->n++] = linear ? g : NULL;
	w->st[e->id] = 2;
	return 1;
}

/* wide_subst's memo by node id, valid where at[id] == gen: one per lump,
 * not cleared between them (a chain has thousands) */
typedef struct {
	Expr **e;
	unsigned *at, gen, n;
} Memo;

/* e with each wide subexpression k as the param n + k */
static Expr *
wide_subst(Ctx *c, Scheme *s, Wide *w, Expr *e, int n, Expr **d, Memo *m)
{
	ExprPool *p = c->p;
	Expr *a, *b, *x;
	int k;

	if (!(e->deps & DEP_STATE) || e->kind == EX_PARAM)
		return e;
	if (m->at[e->id] == m->gen)
		return m->e[e->id];
	if (wide_is(c, s, w, e, n, d)) {
		for (k = 0; w->node[k] != e; k++)
			;
		x = ex_param(p, n + k);
	} else if (e->kind == EX_ADD) {
		/* a sum rebuilt at once (expr.c ex_sum_terms) */
		Expr **v = NULL;
		int nv = 0, cap = 0, i;

		ex_sum_terms(e, &v, &nv, &cap);
		for (i = 0; i < nv; i++)
			v[i] = wide_subst(c, s, w, v[i], n, d, m);
		x = ex_add_many(p, v, nv);
		mem_free(v);
	} else {
		a = e->a ? wide_subst(c, s, w, e->a, n, d, m) : NULL;
		b = e->b ? wide_subst(c, s, w, e->b, n, d, m) : NULL;
		x = ex_remake(p, e, a, b, e->c ? wide_subst(c, s, w, e->c, n, d, m) : NULL);
	}
	m->at[e->id] = m->gen;
	return m->e[e->id] = x;
}

/* 2 along each axis where source src may fall in the cell next to a
 * free end (its end point's cell is half a cell: w0^2 / (h / 2) + w1^2
 * / h <= 2 / h), else 1 */
static Expr *
free_cell(Ctx *c, const Scheme *s, const Source *src)
{
	ExprPool *p = c->p;
	Expr *f = num(c, 1);
	int ax;

	for (ax = 0; ax < s->ndim; ax++) {
		Expr *h = ex_sym(p, ax ? SYM_HY : SYM_HX), *x = src->pos[ax], *near = num(c, 0);
		if (s->bc[ax][0] == BC_FREE)
			near = ex_cmp(p, CMP_LT, x, ex_add(p, num(c, s->from[ax]), h));
		if (s->bc[ax][1] == BC_FREE)
			near = ex_cmp(p, CMP_OR, near, ex_cmp(p, CMP_LT, ex_sub(p, num(c, s->to[ax]), h), x));
		if (!ex_is_num(near, 0))
			f = ex_mul(p, f, ex_select(p, near, num(c, 2), num(c, 1)));
	}
	return f;
}

/* ---- which parts read which (build_coupling_stab) ----
 * The lumped objects 0 .. nlump - 1 and the grid field, nlump: an edge
 * a -> b where a's step reads b's state.  Parts that no cycle of reads
 * joins make the coupled step block triangular, its eigenvalues those
 * of the blocks on the diagonal: a read of a part in another cycle (a
 * resonator that listens to a string's velocity and drives nothing back)
 * moves no part's stability, and Gershgorin's row sum need not count it
 * (counted, a bank of such resonators was "too stiff" at k w0 = 0.14; a
 * probe's). */
typedef struct Parts {
	int n;                     /* nlump + 1 */
	int *head, *next, *to, nedge, cap;
	int *comp;                 /* [n]: the strongly connected component */
	unsigned *mark, nmark, gen;
	unsigned char *hit;        /* [nrd]: the reads one expression names */
} Parts;

static void
parts_reads(Parts *g, const Expr *e, int np, int nrd)
{
	if (!(e->deps & DEP_STATE))
		return;
	if (e->id >= g->nmark) {
		unsigned m = mem_cap(g->nmark, e->id, 1024);
		g->mark = mem_extend(g->mark, sizeof *g->mark, g->nmark, m, 0);
		g->nmark = m;
	}
	if (g->mark[e->id] == g->gen)
		return;
	g->mark[e->id] = g->gen;
	if (e->kind == EX_PARAM && e->index >= np && e->index < np + nrd)
		g->hit[e->index - np] = 1;
	if (e->a)
		parts_reads(g, e->a, np, nrd);
	if (e->b)
		parts_reads(g, e->b, np, nrd);
	if (e->c)
		parts_reads(g, e->c, np, nrd);
}

static void
parts_edge(Parts *g, int a, int b)
{
	if (a == b)
		return;
	if (g->nedge == g->cap) {
		int m = g->cap ? 2 * g->cap : 64;
		g->next = mem_extend(g->next, sizeof *g->next, (unsigned)g->cap, (unsigned)m, 0);
		g->to = mem_extend(g->to, sizeof *g->to, (unsigned)g->cap, (unsigned)m, 0);
		g->cap = m;
	}
	g->to[g->nedge] = b;
	g->next[g->nedge] = g->head[a];
	g->head[a] = g->nedge++;
}

/* the part a read stands for: its lumped object, or the grid field */
static int
parts_of(const Scheme *s, int r)
{
	return s->rd[r].kind == RD_LUMP || s->rd[r].kind == RD_LUMP_VEL ? s->rd[r].lump : s->nlump;
}

/* edges from `from` to the parts e reads; every part of e, each way,
 * with both (a potential: its force reaches every part it reads) */
static void
parts_expr(Parts *g, const Scheme *s, const Expr *e, int from, int both)
{
	int r, q, np = s->nparams;

	if (!e || !(e->deps & DEP_STATE))
		return;
	g->gen++;
	memset(g->hit, 0, (size_t)s->nrd + 1);
	parts_reads(g, e, np, s->nrd);
	for (r = 0; r < s->nrd; r++) {
		if (!g->hit[r])
			continue;
		if (from >= 0)
			parts_edge(g, from, parts_of(s, r));
		for (q = 0; both && q < s->nrd; q++)
			if (g->hit[q])
				parts_edge(g, parts_of(s, r), parts_of(s, q));
	}
}

/* Tarjan's components, without recursion (a chain's points are
 * thousands of parts) */
static void
parts_comps(Parts *g)
{
	int *idx = mem_alloc((size_t)g->n * sizeof *idx), *low = mem_alloc((size_t)g->n * sizeof *low);
	int *stk = mem_alloc((size_t)g->n * sizeof *stk), *on = mem_alloc((size_t)g->n * sizeof *on);
	int *cs = mem_alloc((size_t)g->n * sizeof *cs), *ce = mem_alloc((size_t)g->n * sizeof *ce);
	int v, w, e, top = 0, ctop, next = 0, ncomp = 0, root;

	for (v = 0; v < g->n; v++)
		idx[v] = -1, on[v] = 0;
	for (root = 0; root < g->n; root++) {
		if (idx[root] >= 0)
			continue;
		ctop = 0;
		cs[ctop] = root;
		ce[ctop++] = -2;          /* -2: not yet entered */
		while (ctop > 0) {
			v = cs[ctop - 1];
			e = ce[ctop - 1];
			if (e == -2) {
				idx[v] = low[v] = next++;
				stk[top++] = v;
				on[v] = 1;
				e = g->head[v];
			} else {               /* back from the child at edge e */
				w = g->to[e];
				low[v] = low[v] < low[w] ? low[v] : low[w];
				e = g->next[e];
			}
			for (; e >= 0; e = g->next[e]) {
				w = g->to[e];
				if (idx[w] < 0)
					break;
				if (on[w] && idx[w] < low[v])
					low[v] = idx[w];
			}
			if (e >= 0) {          /* into w, back at e */
				ce[ctop - 1] = e;
				cs[ctop] = g->to[e];
				ce[ctop++] = -2;
				continue;
			}
			ctop--;
			if (low[v] == idx[v]) {
				do {
					w = stk[--top];
					on[w] = 0;
					g->comp[w] = ncomp;
				} while (w != v);
				ncomp++;
			}
		}
	}
	mem_free(idx);
	mem_free(low);
	mem_free(stk);
	mem_free(on);
	mem_free(cs);
	mem_free(ce);
}

/* The parts' components: g->comp, to be freed by parts_free. */
static void
parts_build(Parts *g, const Scheme *s)
{
	int i, j, ax, side;

	memset(g, 0, sizeof *g);
	g->n = s->nlump + 1;
	g->head = mem_alloc((size_t)g->n * sizeof *g->head);
	g->comp = mem_alloc((size_t)g->n * sizeof *g->comp);
	g->hit = mem_alloc((size_t)s->nrd + 1);
	for (i = 0; i < g->n; i++)
		g->head[i] = -1;
	for (j = 0; j < s->nlump; j++)
		parts_expr(g, s, s->lump[j].rest, j, 0);
	for (i = 0; i < s->nsrc; i++)
		parts_expr(g, s, s->src[i].strength, s->nlump, 0);
	for (i = 0; i < s->ntaps; i++)
		parts_expr(g, s, s->taps[i].coef, s->nlump, 0);
	parts_expr(g, s, s->pot, -1, 1);
	for (ax = 0; ax < 2; ax++)
		for (side = 0; side < 2; side++)
			if (s->attach[ax][side] >= 0) {    /* the end is the object: both ways */
				parts_edge(g, s->nlump, s->attach[ax][side]);
				parts_edge(g, s->attach[ax][side], s->nlump);
			}
	parts_comps(g);
}

static void
parts_free(Parts *g)
{
	mem_free(g->head);
	mem_free(g->next);
	mem_free(g->to);
	mem_free(g->comp);
	mem_free(g->mark);
	mem_free(g->hit);
}

static void
build_coupling_stab(Ctx *c, Scheme *s)
{
	ExprPool *p = c->p;
	int n = s->nparams + s->nrd, i, r, j, nds = 0, nheld, *held = NULL;
	Expr **d = mem_alloc((size_t)(n + 1) * sizeof *d), **ds = NULL;
	Memo memo = {0};
	Expr *kappa = num(c, 0), *hx = ex_sym(p, SYM_HX), *zero = num(c, 0);
	Wide W;
	Parts g;

	memset(&W, 0, sizeof W);
	parts_build(&g, s);

	for (i = 0; i < s->nsrc; i++) {
		int other = 0;
		if (!s->src[i].state)
			continue;
		diff_params(p, s->src[i].strength, n, d);
		for (r = 0; r < s->nrd; r++)
			other |= s->rd[r].kind == RD_LUMP && !ex_is_num(d[s->nparams + r], 0);
		for (r = 0; r < s->nrd; r++)
			if (s->rd[r].kind == RD_VAL && read_at_src(s, r, i)
			    && !(d[s->nparams + r]->deps & DEP_STATE)) {
				Expr *ks = ex_fn(p, FN_MIN, d[s->nparams + r], zero);
				ks = ex_mul(p, ks, free_cell(c, s, &s->src[i]));
				kappa = ex_add(p, kappa, other ? ex_mul(p, num(c, 2), ks) : ks);
			}
	}
	if (!ex_is_num(kappa, 0)) {
		Tap *t = arena_alloc(c->a, (size_t)(s->nstab + 1) * sizeof *t);
		Expr *cell = s->ndim == 2 ? ex_mul(p, hx, ex_sym(p, SYM_HY)) : hx;
		memcpy(t, s->stab, (size_t)s->nstab * sizeof *t);
		t[s->nstab].level = 0;
		t[s->nstab].dx = t[s->nstab].dy = 0;
		t[s->nstab].coef = ex_div(p, ex_div(p, kappa, cell), s->mden);
		s->stab = t;
		s->nstab++;
	}
	s->lump_stiff = arena_alloc(c->a, (size_t)(s->nlump + 1) * sizeof *s->lump_stiff);
	for (j = 0; j < s->nlump; j++)
		wide_count(&W, s->lump[j].rest, j);
	for (j = 0; j < s->nlump; j++) {
		Expr *w2 = num(c, 0), *rest;
		unsigned nid;
		int slope[2] = {0, 0}, shear[2] = {0, 0}, side;
		/* the wide sums as params n, n + 1, ...: their count grows as
		 * the rests are walked, d with it */
		wide_grow(&W, s->lump[j].rest->id);
		nid = W.nid;
		if (memo.n < nid) {
			memo.e = mem_extend(memo.e, sizeof *memo.e, memo.n, nid, 0);
			memo.at = mem_extend(memo.at, sizeof *memo.at, memo.n, nid, 0);
			memo.n = nid;
		}
		memo.gen = (unsigned)j + 1;
		rest = wide_subst(c, s, &W, s->lump[j].rest, n, d, &memo);
		/* the derivatives by the params and reads this rest holds,
		 * in order: a chain's point holds a few of thousands */
		if (n + W.n + 1 > nds) {
			int m = n + W.n + 1;
			ds = mem_realloc(ds, (size_t)m * sizeof *ds);
			held = mem_realloc(held, (size_t)m * sizeof *held);
			for (; nds < m; nds++)
				ds[nds] = zero;
		}
		nheld = diff_params_sparse(p, rest, n + W.n, ds, held);
		for (i = 0; i < nheld; i++) {
			Expr *dw = ds[held[i]];
			if (held[i] >= n && W.g[held[i] - n] && !ex_is_num(dw, 0) && !(dw->deps & DEP_STATE))
				w2 = ex_add(p, w2, ex_mul(p, ex_fn(p, FN_ABS, dw, NULL), W.g[held[i] - n]));
		}
		for (i = 0; i < nheld && held[i] < n; i++) {
			Expr *dr;
			int ax;
			if (held[i] < s->nparams)
				continue;
			r = held[i] - s->nparams;
			dr = ds[held[i]];
			/* each term below is a multiple of dr or |dr|; most of a
			 * chain's reads are not in this rest */
			if ((dr->deps & DEP_STATE) || ex_is_num(dr, 0))
				continue;
			/* the slope and the shear read at an end this object holds */
			for (side = 0; side < 2; side++)
				if (s->ndim == 1 && s->attach[0][side] == j
				    && (s->rd[r].kind == RD_DX || s->rd[r].kind == RD_DX3)
				    && ex_is_num(ex_sub(p, s->rd[r].pos, num(c, side ? s->to[0] : s->from[0])), 0)) {
					slope[side] |= s->rd[r].kind == RD_DX;
					shear[side] |= s->rd[r].kind == RD_DX3;
				}
			/* a part in another cycle of reads: no share (Parts) */
			if ((s->rd[r].kind == RD_LUMP_VEL || s->rd[r].kind == RD_LUMP || s->rd[r].kind == RD_VAL)
			    && g.comp[parts_of(s, r)] != g.comp[j])
				continue;
			if (s->rd[r].kind == RD_LUMP_VEL)    /* (z[n] - z[n-1]) / k: 2 k |dr| */
				w2 = ex_add(p, w2, ex_div(p, ex_mul(p, num(c, 2), ex_fn(p, FN_ABS, dr, NULL)),
				                          ex_sym(p, SYM_K)));
			else if (s->rd[r].kind == RD_LUMP && s->rd[r].lump == j)
				w2 = ex_sub(p, w2, dr);
			else if (s->rd[r].kind == RD_LUMP || s->rd[r].kind == RD_VAL)
				w2 = ex_add(p, w2, ex_fn(p, FN_ABS, dr, NULL));  /* Gershgorin */
			for (ax = 0; ax < s->ndim; ax++)
				for (side = 0; side < 2; side++)
					if (s->attach[ax][side] == j && s->rd[r].kind == RD_DX
					    && ex_is_num(ex_sub(p, s->rd[r].pos, num(c, side ? s->to[0] : s->from[0])), 0))
						w2 = ex_add(p, w2, ex_div(p, ex_add(p, ex_neg(p, side ? dr : ex_neg(p, dr)),
						                                    ex_fn(p, FN_ABS, dr, NULL)), hx));
			if (s->rd[r].kind == RD_DX3) {
				/* (u[2] - 2 u[1] + u[0]) / h^3, or minus its mirror: the
				 * object's own share where it holds that end */
				Expr *h3 = ex_mul(p, hx, ex_mul(p, hx, hx)), *self = num(c, 0);
				for (side = 0; side < 2; side++)
					if (s->attach[0][side] == j
					    && ex_is_num(ex_sub(p, s->rd[r].pos, num(c, side ? s->to[0] : s->from[0])), 0))
						self = side ? dr : ex_neg(p, dr);
				w2 = ex_add(p, w2, ex_div(p, ex_add(p, self, ex_mul(p, num(c, 3), ex_fn(p, FN_ABS, dr, NULL))),
				                          h3));
			}
		}
		for (i = 0; i < nheld; i++)
			ds[held[i]] = zero;
		s->lump_stiff[j] = ex_mul(p, ex_powi(p, ex_sym(p, SYM_K), 2), w2);
		/* a stiff field's end held by the object, which feels its slope
		 * and not its shear: the bending's force at the end is left out
		 * (a probe's stiff string drifted 0.4 % of E) */
		for (side = 0; side < 2; side++)
			if (slope[side] && !shear[side] && c->m->space_order >= 4 && c->m->lump_pde[j])
				diag_warning(c->d, c->m->lump_pde[j]->value->loc, "'%s' holds the end %s = %g of the "
				             "fourth-order field '%s' and feels its slope %s.x there, not its shear: "
				             "the bending's force at the end is left out and the energy is not "
				             "conserved; add its shear, EI * %s.xxx(%g), EI the bending stiffness (the "
				             "density times the coefficient of -%s.xxxx), of the sign opposite to "
				             "the slope's term (docs/language.md, attached ends)", c->m->lumps[j]->name,
				             c->m->domain->coord[0], side ? s->to[0] : s->from[0], c->m->field->name,
				             c->m->field->name, c->m->field->name, side ? s->to[0] : s->from[0],
				             c->m->field->name);
	}
	mem_free(d);
	mem_free(ds);
	mem_free(held);
	mem_free(memo.e);
	mem_free(memo.at);
	mem_free(W.node);
	mem_free(W.g);
	mem_free(W.st);
	mem_free(W.last);
	mem_free(W.shared);
	parts_free(&g);
}

/* A loss that varies in time (build_update): each source's strength
 * divided by den, the force's share of a grid point at its step; S as
 * written kept in bare (its work in the energy, an attached end's share,
 * the stiffness a force adds, all made before this) */
static void
time_den(Ctx *c, Scheme *s)
{
	int i;

	for (i = 0; i < s->nsrc; i++) {
		s->src[i].bare = s->src[i].strength;
		if (s->tden)
			s->src[i].strength = ex_div(c->p, s->src[i].strength, s->den);
	}
}

/* A `grid N` too coarse for the stencil (lower.c's min_n, 2w + 1
 * intervals) is said at its place, not when the model is set up */
static void
grid_fits_stencil(Ctx *c, const Scheme *s)
{
	const Decl *dom = c->m->domain;
	int i, min;

	for (i = 0; i < s->ndim; i++) {
		min = 2 * (s->w[i] ? s->w[i] : 1) + 1;
		if (!s->grid[i] || s->grid[i] >= min)
			continue;
		diag_error(c->d, dom->grid[i]->loc, "grid %d is too coarse for this pde's stencil (%d "
		           "points wide): use at least %d intervals", s->grid[i], 2 * s->w[i] + 1, min);
		c->failed = 1;
	}
}

/* An energy output of a model whose pde coefficient reads the state
 * (state_coef): the explicit scheme conserves no energy to report. */
static void
state_coef_energy(Ctx *c, const Scheme *s)
{
	const char *f = c->m->field->name;
	int i;

	for (i = 0; i < s->nout; i++)
		if (s->out[i].energy) {
			diag_error(c->d, c->m->outputs[i]->loc, "output %s = energy: the pde's coefficient "
			           "reads the state, and such an explicit scheme has no energy it conserves; "
			           "write the stiffening as a potential (`potential stretch = alpha / 4 * "
			           "integral(%s.x^2)^2` for `alpha * integral(%s.x^2) * %s.xx`, docs/language.md 17), "
			           "whose energy is an output", s->out[i].name, f, f, f);
			c->failed = 1;
			return;
		}
}

/* output E = energy beside a lumped object (a chain's point among them)
 * whose pde is nonlinear in the state, taken at step n: that explicit
 * step conserves no energy, and E (each object's M (v^2 / 2 - z r(z) /
 * 2)) is not one (-K z^3: E moved by half of itself; a chain whose
 * coefficient reads an integral: 8 %, where the grid field's is refused;
 * a probe's).  Refused with the way that keeps it: a potential. */
static void
lump_energy(Ctx *c, const Scheme *s)
{
	const Model *m = c->m;
	int n = s->nparams + s->nrd, i, j, r, eo = -1;
	Expr **d;

	for (i = 0; i < s->nout && eo < 0; i++)
		if (s->out[i].energy)
			eo = i;
	if (eo < 0 || !s->nlump)
		return;
	d = mem_alloc((size_t)(n + 1) * sizeof *d);
	for (j = 0; j < s->nlump && !c->failed; j++) {
		diff_params(c->p, s->lump[j].rest, n, d);
		for (r = s->nparams; r < n; r++)
			if (d[r]->deps & DEP_STATE)
				break;
		if (r < n) {
			int g = m->lumps[j]->gridpt;
			const char *f = g > 0 ? m->chains[g - 1].name : s->lump[j].name;
			char eg[256];
			if (g > 0)
				snprintf(eg, sizeof eg, "`potential stretch = alpha / 4 * integral(%s.x^2)^2` for a "
				         "coefficient `alpha * integral(%s.x^2)`", f, f);
			else
				snprintf(eg, sizeof eg, "`potential V = K / 4 * %s^4` for a force `-K * %s^3`", f, f);
			diag_error(c->d, m->lump_pde[j]->value->loc, "output %s = energy: %s's pde is nonlinear "
			           "in the state, which is taken at step n, and such an explicit scheme has no "
			           "energy it conserves; write the nonlinear force as a potential (%s, docs/language.md "
			           "17), whose energy is an output", s->out[eo].name, f, eg);
			c->failed = 1;
		}
	}
	mem_free(d);
}

Scheme *
scheme_build(Arena *a, Diag *d, const Model *m)
{
	Ctx c = {0};
	Scheme *s = arena_alloc(a, sizeof *s);
	Lin l;

	c.a = a;
	c.d = d;
	c.m = m;
	c.p = s->pool = expr_pool_new();
	c.memo = arena_alloc(a, (size_t)(m->norder + 1) * sizeof *c.memo);
	s->m = m;
	s->space_order = m->space_order;
	build_params(&c, s);
	c.np = s->nparams;
	c.self = -1;
	ex_pool_state_base(c.p, c.np);
	build_grid(&c, s);
	build_density(&c, s);
	if (!c.failed)
		build_edensity(&c, s);
	lin(&c, m->pde->value, &l);
	if (!c.failed)
		plate_isotropic(&c, s, &l);
	if (!c.failed)
		build_update(&c, s, &l);
	if (!c.failed)
		grid_fits_stencil(&c, s);
	lin_free(&l);
	if (!c.failed)
		build_io(&c, s);
	if (!c.failed && s->nstate_coef)
		state_coef_energy(&c, s);
	if (!c.failed)
		build_lumps(&c, s);
	if (!c.failed && m->npotentials)
		build_potentials(&c, s);
	s->rd = c.rd;
	s->nrd = c.nrd;
	if (!c.failed)
		build_implicit(&c, s);
	if (!c.failed)
		split_constant(&c, s);
	if (!c.failed)
		lump_energy(&c, s);
	if (!c.failed)
		end_shares(&c, s);
	if (!c.failed)
		build_coupling_stab(&c, s);
	if (!c.failed)
		sav_stab(a, s);
	if (!c.failed)
		time_den(&c, s);
	if (!c.failed && !plate_taps_ok(s)) {
		diag_error(d, m->pde->loc, "a plate with a free edge takes a pde whose stencil is even in x "
		           "and in y, bilap (or u.xxxx + u.yyyy + 2 * u.xxyy) and second-order terms times "
		           "coefficients (the free edges' rows, NSS 12.2); this one's is not (a conservative "
		           "form whose coefficient varies in space?): write those terms with a coefficient "
		           "outside the derivative, or hold the edges (clamped, simply_supported)");
		c.failed = 1;
	}
	/* potentials' and bows' shares of the grid points are made once, at
	 * den of t = 0: a loss of u.t that varies in time would be taken at
	 * t = 0 there (build_update) */
	if (!c.failed && (s->den->deps & (1u << SYM_T)) && (s->npot || s->nimplicit)) {
		diag_error(d, s->npot ? s->pot_loc : m->pde->value->loc, "a loss coefficient of %s.t that "
		           "varies in time, with %s: not supported yet; keep that loss constant in time",
		           m->field->name, s->npot ? "a potential" : "a point force that reads the velocity "
		           "where it acts, solved with the step (a bow, a damper at a point)");
		c.failed = 1;
	}
	if (!c.failed && s->npot && s->nimplicit > 1) {
		diag_error(d, s->pot_loc, "a potential in a model with two velocity-dependent forces "
		           "(bows) is not supported yet: a model with potentials takes one bow");
		c.failed = 1;
	}
	mem_free(c.calls);
	mem_free(c.rdh);
	if (c.failed) {
		expr_pool_free(s->pool);
		return NULL;
	}
	return s;
}

void
scheme_free(Scheme *s)
{
	if (s)
		expr_pool_free(s->pool);
}

/* The params' names, then the reads of the state, params past the
 * model's, as rd0, rd1...: one block, for mem_free */
const char **
scheme_names(const Scheme *s)
{
	size_t n = (size_t)(s->nparams + s->nrd + 1);
	const char **pn = mem_alloc(n * sizeof *pn + (size_t)(s->nrd + 1) * 16);
	char *rn = (char *)(pn + n);
	int i;

	for (i = 0; i < s->nparams; i++)
		pn[i] = s->param_names[i];
	for (i = 0; i < s->nrd; i++) {
		snprintf(rn + 16 * i, 16, "rd%d", i);
		pn[s->nparams + i] = rn + 16 * i;
	}
	pn[n - 1] = NULL;
	return pn;
}

int
scheme_nextra(const Scheme *s)
{
	return s->nlump + s->nimplicit + (s->npot > 0);
}

/* lumped object j's line of `emit --stage scheme`: its ct and rest */
static void
lump_print(const Scheme *s, int j, const char *ind, const char **pn, Buf *b, FILE *f)
{
	b->len = 0;
	ex_print_math(b, s->lump[j].ct, pn);
	fprintf(f, "%s%s: ct = %s, rest = ", ind, s->lump[j].name, b->s);
	b->len = 0;
	ex_print_math(b, s->lump[j].rest, pn);
	fprintf(f, "%s\n", b->s);
}

void
scheme_print(const Scheme *s, FILE *f)
{
	static const char *const rdk[] = {
		[RD_VAL] = "u(X)", [RD_VEL] = "u.t(X)", [RD_DX] = "u.x(X)", [RD_DX3] = "u.xxx(X)",
		[RD_LUMP] = "z[n]", [RD_LUMP_VEL] = "z.t", [RD_CVEL] = "u.t(X) centred",
		[RD_INT] = "integral",
	};
	Buf b = {0};
	const char **pn = scheme_names(s);
	const char *u = s->m->field->name;
	int i, c;

	if (s->m->lumped_only) {    /* the grid field is sema's placeholder */
		fprintf(f, "# %s: lumped objects only, explicit two-step scheme\n", s->m->name);
		goto lumps;
	}
	fprintf(f, "# %s: %dD, stencil half-width %d", s->m->name, s->ndim, s->w[0]);
	if (s->ndim == 2)
		fprintf(f, " x %d", s->w[1]);
	fprintf(f, ", explicit two-step scheme\n");
	fprintf(f, "%s[n+1](%s) =\n", u, s->ndim == 2 ? "i,j" : "i");
	for (i = 0; i < s->ntaps; i++) {
		b.len = 0;
		if (b.s)
			b.s[0] = 0;
		ex_print_math(&b, s->taps[i].coef, pn);
		fprintf(f, "  + (%s) * %s[%s](i%+d", b.s ? b.s : "", u, s->taps[i].level ? "n-1" : "n",
		        s->taps[i].dx);
		if (s->ndim == 2)
			fprintf(f, ",j%+d", s->taps[i].dy);
		fprintf(f, ")\n");
	}
	if (s->force) {
		b.len = 0;
		ex_print_math(&b, ex_div(s->pool, s->force, s->den), pn);
		fprintf(f, "  + %s\n", b.s);
	}
	for (i = 0; i < s->nsrc; i++) {
		b.len = 0;
		ex_print_math(&b, s->src[i].strength, pn);
		fprintf(f, "  + spread(%s)%s  at (", b.s, s->tden ? "" : " / den");
		b.len = 0;
		ex_print_math(&b, s->src[i].pos[0], pn);
		fprintf(f, "%s", b.s);
		if (s->ndim == 2) {
			b.len = 0;
			ex_print_math(&b, s->src[i].pos[1], pn);
			fprintf(f, ", %s", b.s);
		}
		fprintf(f, ")\n");
	}
	b.len = 0;
	ex_print_math(&b, s->den, pn);
	fprintf(f, "den = %s\n", b.s);
	/* the rows near the edges are the interior's with the ends'
	 * conditions folded in: --stage loops writes each region's */
	fprintf(f, "at the ends:");
	for (i = 0; i < s->ndim; i++)
		for (c = 0; c < 2; c++)
			fprintf(f, "%s %s = %g %s", i || c ? "," : "", s->m->field->nargs > i ? s->m->field->args[i] : "?",
			        c ? s->to[i] : s->from[i], bc_name(s->bc[i][c]));
	fprintf(f, " (the rows near them, region by region: --stage loops)\n");
lumps:
	/* each lumped object's step (language.md 11), a chain's points as one
	 * line: there are as many as its grid has points */
	if (s->nlump)
		fprintf(f, "Z[n+1] = (2 Z[n] - (1 + ct k/2) Z[n-1] + k^2 rest) / (1 - ct k/2) for each lumped object Z:\n");
	for (i = 0; i < s->nlump; i++) {
		if (s->m->lumps[i]->gridpt > 0)
			continue;
		lump_print(s, i, "  ", pn, &b, f);
	}
	for (c = 0; c < s->m->nchains; c++) {
		const struct Chain *ch = &s->m->chains[c];
		int n = 0, j = 0, mid = -1;
		if (ch->ny)
			fprintf(f, "  %s: %d x %d intervals, its points written out as lumped objects", ch->name,
			        ch->n, ch->ny);
		else
			fprintf(f, "  %s: %d intervals, its points written out as lumped objects", ch->name, ch->n);
		/* the point in the middle of the list stands for the
		 * interior's: each reads its neighbours so */
		for (i = 0; i < s->nlump; i++)
			n += s->m->lumps[i]->gridpt == c + 1;
		for (i = 0; i < s->nlump && mid < 0; i++)
			if (s->m->lumps[i]->gridpt == c + 1 && j++ == n / 2)
				mid = i;
		fprintf(f, "%s\n", mid >= 0 ? ", such as" : "");
		if (mid >= 0)
			lump_print(s, mid, "    ", pn, &b, f);
	}
	for (i = 0; i < s->nrd; i++) {
		const Read *r = &s->rd[i];
		fprintf(f, "rd%d = %s", i, rdk[r->kind]);
		if (r->kind == RD_LUMP || r->kind == RD_LUMP_VEL)
			fprintf(f, " of %s", r->lump >= 0 && r->lump < s->nlump ? s->lump[r->lump].name : "?");
		else if (r->pos) {
			b.len = 0;
			ex_print_math(&b, r->pos, pn);
			fprintf(f, " at X = %s", b.s);
			if (r->pos2) {
				b.len = 0;
				ex_print_math(&b, r->pos2, pn);
				fprintf(f, ", Y = %s", b.s);
			}
		}
		fprintf(f, "\n");
	}
	buf_free(&b);
	mem_free(pn);
}
