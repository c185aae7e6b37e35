/* expr.c — the hash-consed expression DAG: builders, evaluation, printing.
 * requires: dpm.h (mem_alloc, arenas, Buf).
 * leaves: every Expr of a pool unique and in canonical form, so that equal
 * pointers mean equal expressions and symmetric stencil coefficients built
 * in different orders are one node.
 *
 * Canonical forms (the builders keep them; nothing else creates nodes):
 *   sum      c + ((t1 + t2) + ... + tn)   c a number, omitted when 0; the
 *            terms t sorted by the id of their base and no two with the
 *            same base; a term is base or (coef * base), coef != 0, 1.
 *   product  c * ((f1 * f2) * ... * fn)   c a number, omitted when 1; the
 *            factors sorted by the id of their base; a factor is base or
 *            base^n (n an integer != 0, 1).  A product whose only factor is
 *            a sum gets its coefficient distributed over the sum's terms,
 *            so -(a - b) is b - a and (a + b) - (a + b) cancels.
 * Subtraction, division and negation are sums and products; sqrt is a
 * function, not x^0.5, so sqrt(x)^2 stays as it is.
 *
 * Numbers fold as IEEE does: 0*inf, 0*NaN and 0/0 are NaN, which the
 * discretiser reports where it first appears.  Simplifications that are
 * not exact for every double, taken on purpose:
 *   x*0 -> 0 for an x that is not a number: the model's quantities are
 *   assumed finite (an all-zero coefficient must vanish);
 *   x^a * x^-a -> 1, hence x/x -> 1 (assumes x != 0, finite);
 *   (x^a)^n -> x^(a*n) for integer n (assumes x^a real: x > 0 or a an
 *   integer);  (x y)^n -> x^n y^n for integer |n| <= 4 (a higher power
 *   of a product stays whole: its factors' powers overflow where it
 *   does not);  merging coefficients and exponents rounds differently
 *   from evaluating the original tree.  exp(log(x)) is left alone. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

struct ExprPool {
	Arena *arena;
	Expr **tab;            /* hash buckets, chained through Expr.next */
	unsigned cap;          /* a power of two */
	unsigned n;            /* nodes, also the next id */
	int state_base;        /* 1 + the first param that reads the state (0: none) */
	unsigned *mark, nmark; /* ex_holds: by id, the walk that last met a node */
	unsigned walk;
	SweepMem sweep;
	Expr **sub;            /* the substitutions' memo, by node id: valid */
	unsigned *subgen, nsub, subg;  /* where subgen == subg (one a call) */
};

SweepMem *
ex_pool_sweepmem(ExprPool *p)
{
	return &p->sweep;
}

void
ex_pool_state_base(ExprPool *p, int first)
{
	p->state_base = first + 1;
}

ExprPool *
expr_pool_new(void)
{
	ExprPool *p = mem_alloc(sizeof *p);

	p->arena = arena_new();
	p->cap = 256;
	p->tab = mem_alloc(p->cap * sizeof *p->tab);
	return p;
}

void
expr_pool_free(ExprPool *p)
{
	if (!p)
		return;
	arena_free(p->arena);
	mem_free(p->tab);
	mem_free(p->mark);
	mem_free(p->sweep.mark);
	mem_free(p->sweep.head);
	mem_free(p->sweep.order);
	mem_free(p->sub);
	mem_free(p->subgen);
	mem_free(p);
}

/* ---- hash-consing ---- */

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

static uint64_t
numbits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	return u;
}

static uint64_t
idof(const Expr *e)
{
	return e ? (uint64_t)e->id + 1 : 0;
}

static void
grow(ExprPool *p)
{
	unsigned ncap = p->cap * 2, i;
	Expr **nt = mem_alloc(ncap * sizeof *nt);
	Expr *e, *next;

	for (i = 0; i < p->cap; i++)
		for (e = p->tab[i]; e; e = next) {
			next = e->next;
			e->next = nt[e->hash & (ncap - 1)];
			nt[e->hash & (ncap - 1)] = e;
		}
	mem_free(p->tab);
	p->tab = nt;
	p->cap = ncap;
}

/* The one place nodes are made: returns the existing node with these
 * fields or a new one.  Numbers compare by bit pattern, so NaNs are
 * hash-consed too (ex_num has already turned -0.0 into 0.0). */
static Expr *
intern(ExprPool *p, ExprKind k, int op, int index, double num,
       Expr *a, Expr *b, Expr *c)
{
	uint64_t h = 0, bits = numbits(num);
	unsigned hh;
	Expr *e;

	h = mix(h, (uint64_t)k);
	h = mix(h, (uint64_t)(unsigned)op);
	h = mix(h, (uint64_t)(unsigned)index);
	h = mix(h, bits);
	h = mix(h, idof(a));
	h = mix(h, idof(b));
	h = mix(h, idof(c));
	hh = (unsigned)(h ^ (h >> 32));
	for (e = p->tab[hh & (p->cap - 1)]; e; e = e->next)
		if (e->hash == hh && e->kind == k && e->op == op
		    && e->index == index && numbits(e->num) == bits
		    && e->a == a && e->b == b && e->c == c)
			return e;
	if (p->n >= p->cap)
		grow(p);
	e = arena_alloc(p->arena, sizeof *e);
	e->kind = k;
	e->op = op;
	e->index = index;
	e->num = num;
	e->a = a;
	e->b = b;
	e->c = c;
	e->id = p->n++;
	e->hash = hh;
	switch (k) {
	case EX_NUM:
		break;
	case EX_PARAM:
		e->deps = DEP_PARAM | (p->state_base && index >= p->state_base - 1 ? DEP_STATE : 0);
		break;
	case EX_SYM:
		e->deps = 1u << index;
		break;
	default:
		e->deps = (a ? a->deps : 0) | (b ? b->deps : 0) | (c ? c->deps : 0);
	}
	e->next = p->tab[hh & (p->cap - 1)];
	p->tab[hh & (p->cap - 1)] = e;
	return e;
}

/* ---- scalar semantics, shared by folding, ex_eval and the printer ----
 * ex_print_c prints small integer powers as products and x*y^-1 as x/y;
 * evaluation does exactly the same operations so printed C and ex_eval
 * agree to the last bit. */

static int
isint(double v)
{
	return isfinite(v) && v == trunc(v);
}

static double
eval_pow(double x, double n)
{
	if (n == 2)
		return x * x;
	if (n == 3)
		return x * x * x;
	if (n == -1)
		return 1.0 / x;
	if (n == -2)
		return 1.0 / (x * x);
	if (n == 0.5)
		return sqrt(x);
	return pow(x, n);
}

static double
eval_fn(Fn f, double x, double y)
{
	switch (f) {
	case FN_SIN: return sin(x);
	case FN_COS: return cos(x);
	case FN_TAN: return tan(x);
	case FN_EXP: return exp(x);
	case FN_LOG: return log(x);
	case FN_SQRT: return sqrt(x);
	case FN_ABS: return fabs(x);
	case FN_TANH: return tanh(x);
	case FN_SIGMOID: return 1.0 / (1.0 + exp(-x));
	case FN_SOFTPLUS: return fmax(x, 0.0) + log1p(exp(-fabs(x)));
	case FN_STEP: return x >= 0 ? 1.0 : 0.0;
	case FN_RINT: return rint(x);
	case FN_MIN: return fmin(x, y);
	case FN_MAX: return fmax(x, y);
	default: die("eval_fn: bad function %d", (int)f);
	}
}

static double
eval_cmp(Cmp c, double x, double y)
{
	switch (c) {
	case CMP_LT: return x < y ? 1.0 : 0.0;
	case CMP_LE: return x <= y ? 1.0 : 0.0;
	case CMP_EQ: return x == y ? 1.0 : 0.0;
	case CMP_NE: return x != y ? 1.0 : 0.0;
	case CMP_AND: return x != 0 && y != 0 ? 1.0 : 0.0;
	case CMP_OR: return x != 0 || y != 0 ? 1.0 : 0.0;
	default: die("eval_cmp: bad comparison %d", (int)c);
	}
}

/* The exponent of a reciprocal factor printed as a division (x*y^-1 is
 * x/y), or 0. */
int
ex_recip(const Expr *e)
{
	if (e->kind == EX_POW && e->b->kind == EX_NUM
	    && (e->b->num == -1 || e->b->num == -2))
		return (int)e->b->num;
	return 0;
}

/* ---- leaves ---- */

Expr *
ex_num(ExprPool *p, double v)
{
	if (v == 0)
		v = 0;          /* -0.0 -> 0.0 */
	return intern(p, EX_NUM, 0, 0, v, NULL, NULL, NULL);
}

Expr *
ex_param(ExprPool *p, int index)
{
	return intern(p, EX_PARAM, 0, index, 0, NULL, NULL, NULL);
}

Expr *
ex_sym(ExprPool *p, Sym s)
{
	if ((int)s < 0 || s >= NSYM)
		die("ex_sym: bad symbol %d", (int)s);
	return intern(p, EX_SYM, 0, (int)s, 0, NULL, NULL, NULL);
}

int
ex_is_num(const Expr *e, double v)
{
	return e->kind == EX_NUM && (e->num == v || (isnan(v) && isnan(e->num)));
}

/* ---- term lists for sums and products ----
 * A sum is a list of (base, coef), a product a list of (base, exponent).
 * Builders recurse, so each call owns its list; small ones stay on the
 * stack. */

typedef struct {
	Expr *e;
	double c;
} Term;

typedef struct {
	Term *v;
	int n, cap;
	Term small[16];
} Terms;

static void
terms_init(Terms *t)
{
	t->v = t->small;
	t->n = 0;
	t->cap = 16;
}

static void
terms_free(Terms *t)
{
	if (t->v != t->small)
		mem_free(t->v);
	terms_init(t);
}

static void
push(Terms *t, Expr *e, double c)
{
	if (t->n == t->cap) {
		Term *nv = mem_alloc(2 * (size_t)t->cap * sizeof *nv);
		memcpy(nv, t->v, (size_t)t->n * sizeof *nv);
		if (t->v != t->small)
			mem_free(t->v);
		t->v = nv;
		t->cap *= 2;
	}
	t->v[t->n].e = e;
	t->v[t->n].c = c;
	t->n++;
}

static int
termcmp(const void *x, const void *y)
{
	const Term *a = x, *b = y;

	if (a->e->id != b->e->id)
		return a->e->id < b->e->id ? -1 : 1;
	/* same base: order the coefficients so that merging adds them in an
	 * order that does not depend on how the list was built (NaN last, so
	 * the order is total) */
	if (isnan(a->c) || isnan(b->c))
		return isnan(a->c) - isnan(b->c);
	if (a->c != b->c)
		return a->c < b->c ? -1 : 1;
	return 0;
}

/* Sort by base and add up the numbers of equal bases; drop zeros. */
static void
merge(Terms *t)
{
	int i, j = 0;

	qsort(t->v, (size_t)t->n, sizeof *t->v, termcmp);
	for (i = 0; i < t->n; i++) {
		if (j > 0 && t->v[j - 1].e == t->v[i].e)
			t->v[j - 1].c += t->v[i].c;
		else
			t->v[j++] = t->v[i];
	}
	t->n = j;
	for (i = j = 0; i < t->n; i++)
		if (t->v[i].c != 0)
			t->v[j++] = t->v[i];
	t->n = j;
}

/* ---- sums ---- */

static void
sum_collect(Terms *t, double *c, Expr *e, double scale)
{
	if (e->kind == EX_NUM)
		*c += scale * e->num;
	else if (e->kind == EX_ADD) {
		sum_collect(t, c, e->a, scale);
		sum_collect(t, c, e->b, scale);
	} else if (e->kind == EX_MUL && e->a->kind == EX_NUM)
		push(t, e->b, scale * e->a->num);
	else
		push(t, e, scale);
}

/* The canonical sum c + terms.  The bases are never numbers or sums, and
 * a product base has no coefficient, so (coef * base) is canonical. */
static Expr *
sum_build(ExprPool *p, Terms *t, double c)
{
	Expr *r = NULL, *term;
	int i;

	merge(t);
	for (i = 0; i < t->n; i++) {
		term = t->v[i].e;
		if (t->v[i].c != 1)
			term = intern(p, EX_MUL, 0, 0, 0, ex_num(p, t->v[i].c), term, NULL);
		r = r ? intern(p, EX_ADD, 0, 0, 0, r, term, NULL) : term;
	}
	terms_free(t);
	if (!r)
		return ex_num(p, c);
	if (c != 0)
		r = intern(p, EX_ADD, 0, 0, 0, ex_num(p, c), r, NULL);
	return r;
}

Expr *
ex_add(ExprPool *p, Expr *a, Expr *b)
{
	Terms t;
	double c = 0;

	if (a->kind == EX_NUM && b->kind == EX_NUM)
		return ex_num(p, a->num + b->num);
	if (ex_is_num(a, 0))
		return b;
	if (ex_is_num(b, 0))
		return a;
	terms_init(&t);
	sum_collect(&t, &c, a, 1);
	sum_collect(&t, &c, b, 1);
	return sum_build(p, &t, c);
}

/* v[0] + ... + v[n-1], collected once (n - 1 ex_adds collect the growing
 * sum again each time: a net's unit of 12000 inputs took seconds) */
/* The terms of the sum e (e itself when not a sum) appended to *v (n
 * of cap): a walker rebuilds a sum of n terms with one ex_add_many, not
 * n ex_adds each merging the terms before it (n^2: a net of 10,000
 * units took 23 s to check) */
void
ex_sum_terms(Expr *e, Expr ***v, int *n, int *cap)
{
	if (e->kind == EX_ADD) {
		ex_sum_terms(e->a, v, n, cap);
		ex_sum_terms(e->b, v, n, cap);
		return;
	}
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*v = mem_realloc(*v, (size_t)*cap * sizeof **v);
	}
	(*v)[(*n)++] = e;
}

Expr *
ex_add_many(ExprPool *p, Expr *const *v, int n)
{
	Terms t;
	double c = 0;
	int i;

	terms_init(&t);
	for (i = 0; i < n; i++)
		sum_collect(&t, &c, v[i], 1);
	return sum_build(p, &t, c);
}

/* ---- products ---- */

static void
mul_collect(Terms *t, double *c, Expr *e)
{
	if (e->kind == EX_NUM)
		*c *= e->num;
	else if (e->kind == EX_MUL) {
		mul_collect(t, c, e->a);
		mul_collect(t, c, e->b);
	} else if (e->kind == EX_POW && e->b->kind == EX_NUM && isint(e->b->num))
		push(t, e->a, e->b->num);
	else
		push(t, e, 1);
}

/* The canonical product c * factors.  A base raised to an integer is
 * never a number, a product or an integer power (ex_pow distributes and
 * flattens those), except a power with a non-integer exponent, which
 * raised to an integer simplifies to something new: collect again. */
static Expr *
mul_build(ExprPool *p, Terms *t, double c)
{
	Terms u;
	Expr *r = NULL, *f;
	int i, dirty, iter;

	for (iter = 0;; iter++) {
		if (c == 0) {
			terms_free(t);
			return ex_num(p, 0);
		}
		merge(t);
		dirty = 0;
		for (i = 0; i < t->n; i++) {
			f = t->v[i].e;
			if (t->v[i].c == 1)
				continue;
			if (f->kind == EX_POW) {
				t->v[i].e = ex_pow(p, f, ex_num(p, t->v[i].c));
				t->v[i].c = 1;
				dirty = 1;
			}
		}
		if (!dirty)
			break;
		if (iter > 64)
			die("mul_build: no fixed point");
		terms_init(&u);
		for (i = 0; i < t->n; i++) {
			if (t->v[i].c == 1)
				mul_collect(&u, &c, t->v[i].e);
			else
				push(&u, t->v[i].e, t->v[i].c);
		}
		terms_free(t);
		*t = u;
		if (u.v == u.small)
			t->v = t->small;
	}
	for (i = 0; i < t->n; i++) {
		f = t->v[i].e;
		if (t->v[i].c != 1)
			f = intern(p, EX_POW, 0, 0, 0, f, ex_num(p, t->v[i].c), NULL);
		r = r ? intern(p, EX_MUL, 0, 0, 0, r, f, NULL) : f;
	}
	terms_free(t);
	if (!r)
		return ex_num(p, c);
	if (c == 1)
		return r;
	if (r->kind == EX_ADD) {
		double k = 0;

		terms_init(&u);
		sum_collect(&u, &k, r, c);
		return sum_build(p, &u, k);
	}
	return intern(p, EX_MUL, 0, 0, 0, ex_num(p, c), r, NULL);
}

Expr *
ex_mul(ExprPool *p, Expr *a, Expr *b)
{
	Terms t;
	double c = 1;

	if (a->kind == EX_NUM && b->kind == EX_NUM)
		return ex_num(p, a->num * b->num);
	if (ex_is_num(a, 0) || ex_is_num(b, 0))
		return ex_num(p, 0);      /* x finite: see the top comment */
	if (ex_is_num(a, 1))
		return b;
	if (ex_is_num(b, 1))
		return a;
	terms_init(&t);
	mul_collect(&t, &c, a);
	mul_collect(&t, &c, b);
	return mul_build(p, &t, c);
}

Expr *
ex_sub(ExprPool *p, Expr *a, Expr *b)
{
	return ex_add(p, a, ex_neg(p, b));
}

Expr *
ex_neg(ExprPool *p, Expr *a)
{
	return ex_mul(p, ex_num(p, -1), a);
}

/* a / b, b a number: a's coefficient divided by it, not times its
 * reciprocal (3 / 10 was 3 * 0.1 = 0.30000000000000004, so `param p =
 * 3/10 in [0, 0.3]` was out of its range; a probe's) */
Expr *
ex_div(ExprPool *p, Expr *a, Expr *b)
{
	Terms t;
	double c = 1;

	if (b->kind == EX_NUM && a->kind == EX_NUM)
		return ex_num(p, a->num / b->num);
	if (b->kind == EX_NUM && b->num != 0 && isfinite(b->num) && !ex_is_num(a, 0)) {
		terms_init(&t);
		mul_collect(&t, &c, a);
		return mul_build(p, &t, c / b->num);
	}
	return ex_mul(p, a, ex_pow(p, b, ex_num(p, -1)));
}

/* ---- powers ---- */

Expr *
ex_pow(ExprPool *p, Expr *a, Expr *b)
{
	Terms t, u;
	double n, c0 = 1;
	int i;

	if (b->kind == EX_NUM) {
		n = b->num;
		if (a->kind == EX_NUM)
			return ex_num(p, eval_pow(a->num, n));
		if (n == 0)
			return ex_num(p, 1);
		if (n == 1)
			return a;
		/* (c * x^e * ...)^n = c^n * x^(e n) * ..., for |n| <= 4 only:
		 * the parts of a higher power overflow where the whole does
		 * not ((E / 2e11)^30 at E = 2e11 was E^30 * 2e11^-30, inf * 0:
		 * a silent 0 output, a pde term dropped; a probe's) */
		if (isint(n) && fabs(n) <= 4 && a->kind == EX_MUL) {
			terms_init(&t);
			terms_init(&u);
			mul_collect(&u, &c0, a);
			for (i = 0; i < u.n; i++)
				push(&t, u.v[i].e, u.v[i].c * n);
			terms_free(&u);
			return mul_build(p, &t, eval_pow(c0, n));
		}
	}
	if (ex_is_num(a, 1))
		return ex_num(p, 1);
	if (b->kind == EX_NUM && isint(b->num) && a->kind == EX_POW)
		return ex_pow(p, a->a, ex_mul(p, a->b, b));
	return intern(p, EX_POW, 0, 0, 0, a, b, NULL);
}

Expr *
ex_powi(ExprPool *p, Expr *a, int n)
{
	return ex_pow(p, a, ex_num(p, n));
}

/* ---- functions, comparisons, select ---- */

static int
isbinary(Fn f)
{
	return f == FN_MIN || f == FN_MAX;
}

/* Numbers first, then by id: the order of commutative operands. */
static int
before(const Expr *a, const Expr *b)
{
	if ((a->kind == EX_NUM) != (b->kind == EX_NUM))
		return a->kind == EX_NUM;
	return a->id <= b->id;
}

Expr *
ex_fn(ExprPool *p, Fn f, Expr *a, Expr *b)
{
	Expr *t;

	if ((int)f < 0 || f >= NFN || !a || isbinary(f) != (b != NULL))
		die("ex_fn: bad call of function %d", (int)f);
	if (a->kind == EX_NUM && (!b || b->kind == EX_NUM))
		return ex_num(p, eval_fn(f, a->num, b ? b->num : 0));
	if (b) {
		if (a == b)
			return a;
		if (!before(a, b)) {
			t = a;
			a = b;
			b = t;
		}
	}
	return intern(p, EX_FN, (int)f, 0, 0, a, b, NULL);
}

Expr *
ex_cmp(ExprPool *p, Cmp c, Expr *a, Expr *b)
{
	Expr *t;

	if ((int)c < 0 || c > CMP_OR)
		die("ex_cmp: bad comparison %d", (int)c);
	if (a->kind == EX_NUM && b->kind == EX_NUM)
		return ex_num(p, eval_cmp(c, a->num, b->num));
	if (c == CMP_AND && (ex_is_num(a, 0) || ex_is_num(b, 0)))
		return ex_num(p, 0);
	if (c == CMP_OR && ((a->kind == EX_NUM && a->num != 0)
	                    || (b->kind == EX_NUM && b->num != 0)))
		return ex_num(p, 1);
	if (c != CMP_LT && c != CMP_LE && !before(a, b)) {
		t = a;
		a = b;
		b = t;
	}
	return intern(p, EX_CMP, (int)c, 0, 0, a, b, NULL);
}

Expr *
ex_not(ExprPool *p, Expr *a)
{
	return ex_cmp(p, CMP_EQ, a, ex_num(p, 0));
}

Expr *
ex_select(ExprPool *p, Expr *c, Expr *a, Expr *b)
{
	if (c->kind == EX_NUM)
		return c->num != 0 ? a : b;
	if (a == b)
		return a;
	return intern(p, EX_SELECT, 0, 0, 0, c, a, b);
}

/* ---- substitution ---- */

Expr *
ex_remake(ExprPool *p, Expr *e, Expr *a, Expr *b, Expr *c)
{
	switch (e->kind) {
	case EX_ADD: return ex_add(p, a, b);
	case EX_MUL: return ex_mul(p, a, b);
	case EX_POW: return ex_pow(p, a, b);
	case EX_FN: return ex_fn(p, (Fn)e->op, a, b);
	case EX_CMP: return ex_cmp(p, (Cmp)e->op, a, b);
	case EX_SELECT: return ex_select(p, a, b, c);
	default: return e;
	}
}

/* A fresh memo for one substitution: the pool's, kept as long as the
 * pool and stamped, so that the many small substitutions of a chain's
 * points (one per point) do not each allocate and zero an array as long
 * as the pool (40 strings: 17,000 of them) */
static void
sub_begin(ExprPool *p)
{
	if (p->nsub < p->n || !++p->subg) {
		mem_free(p->sub);
		mem_free(p->subgen);
		p->nsub = mem_cap(0, p->n, 1024);
		p->sub = mem_alloc(p->nsub * sizeof *p->sub);
		p->subgen = mem_alloc(p->nsub * sizeof *p->subgen);
		memset(p->subgen, 0, p->nsub * sizeof *p->subgen);
		p->subg = 1;
	}
}

static Expr *
sub_memo(const ExprPool *p, const Expr *e)
{
	return e->id < p->nsub && p->subgen[e->id] == p->subg ? p->sub[e->id] : NULL;
}

static void
sub_keep(ExprPool *p, const Expr *e, Expr *x)
{
	if (e->id < p->nsub) {
		p->sub[e->id] = x;
		p->subgen[e->id] = p->subg;
	}
}

static Expr *
subst(ExprPool *p, Expr *e, Sym s, Expr *r)
{
	Expr *a, *b, *c, *x;

	if (!(e->deps & (1u << s)))
		return e;
	if (e->kind == EX_SYM)
		return r;
	if ((x = sub_memo(p, e)))
		return x;
	if (e->kind == EX_ADD) {
		Expr **v = NULL;
		int n = 0, cap = 0, i;

		ex_sum_terms(e, &v, &n, &cap);
		for (i = 0; i < n; i++)
			v[i] = subst(p, v[i], s, r);
		x = ex_add_many(p, v, n);
		mem_free(v);
	} else {
		a = e->a ? subst(p, e->a, s, r) : NULL;
		b = e->b ? subst(p, e->b, s, r) : NULL;
		c = e->c ? subst(p, e->c, s, r) : NULL;
		x = ex_remake(p, e, a, b, c);
	}
	sub_keep(p, e, x);
	return x;
}

/* the same for param number i (a read of the state when i is past the
 * pool's state base: DEP_STATE prunes then) */
static Expr *
subst_param(ExprPool *p, Expr *e, int i, unsigned dep, Expr *r)
{
	Expr *a, *b, *c, *x;

	if (!(e->deps & dep))
		return e;
	if (e->kind == EX_PARAM)
		return (i < 0 ? (e->deps & DEP_STATE) != 0 : e->index == i) ? r : e;
	if ((x = sub_memo(p, e)))
		return x;
	if (e->kind == EX_ADD) {
		Expr **v = NULL;
		int n = 0, cap = 0, j;

		ex_sum_terms(e, &v, &n, &cap);
		for (j = 0; j < n; j++)
			v[j] = subst_param(p, v[j], i, dep, r);
		x = ex_add_many(p, v, n);
		mem_free(v);
	} else {
		a = e->a ? subst_param(p, e->a, i, dep, r) : NULL;
		b = e->b ? subst_param(p, e->b, i, dep, r) : NULL;
		c = e->c ? subst_param(p, e->c, i, dep, r) : NULL;
		x = ex_remake(p, e, a, b, c);
	}
	sub_keep(p, e, x);
	return x;
}

Expr *
ex_subst_param(ExprPool *p, Expr *e, int i, Expr *r)
{
	sub_begin(p);
	return subst_param(p, e, i, DEP_PARAM | DEP_STATE, r);
}

/* every read of the state (a param past the pool's state base) as r,
 * in one walk */
Expr *
ex_subst_state(ExprPool *p, Expr *e, Expr *r)
{
	if (!(e->deps & DEP_STATE))
		return e;
	sub_begin(p);
	return subst_param(p, e, -1, DEP_STATE, r);
}

Expr *
ex_without(ExprPool *p, Expr *e, unsigned deps)
{
	if (!(e->deps & deps))
		return e;
	if (e->kind == EX_ADD)
		return ex_add(p, ex_without(p, e->a, deps), ex_without(p, e->b, deps));
	if (e->kind == EX_MUL && !(e->a->deps & deps))
		return ex_mul(p, e->a, ex_without(p, e->b, deps));
	if (e->kind == EX_MUL && !(e->b->deps & deps))
		return ex_mul(p, ex_without(p, e->a, deps), e->b);
	return ex_num(p, 0);
}

static int
holds(ExprPool *p, const Expr *e, int i)
{
	if (e->kind == EX_PARAM)
		return e->index == i;
	if (!(e->deps & DEP_PARAM) || e->kind == EX_NUM || e->kind == EX_SYM || p->mark[e->id] == p->walk)
		return 0;
	p->mark[e->id] = p->walk;
	return (e->a && holds(p, e->a, i)) || (e->b && holds(p, e->b, i)) || (e->c && holds(p, e->c, i));
}

int
ex_holds(ExprPool *p, const Expr *e, int i)
{
	if (p->nmark < p->n || !++p->walk) {
		mem_free(p->mark);
		p->nmark = mem_cap(0, p->n, 1024);
		p->mark = mem_alloc(p->nmark * sizeof *p->mark);
		p->walk = 1;
	}
	return holds(p, e, i);
}

Expr *
ex_subst_sym(ExprPool *p, Expr *e, Sym s, Expr *r)
{
	sub_begin(p);
	return subst(p, e, s, r);
}

/* ---- evaluation ---- */

/* A product with a 0-or-1 factor (a comparison) is a gate: printed and
 * evaluated as `cond ? other : 0`, so a force that has ended costs no
 * cos() per step.  Equal to the product for finite values. */
const Expr *
ex_gate(const Expr *e)
{
	if (e->kind != EX_MUL)
		return NULL;
	if (e->b->kind == EX_CMP)
		return e->b;
	if (e->a->kind == EX_CMP)
		return e->a;
	return NULL;
}

double
ex_eval(const Expr *e, const double *params, const double *syms)
{
	double x;

	switch (e->kind) {
	case EX_NUM:
		return e->num;
	case EX_PARAM:
		return params[e->index];
	case EX_SYM:
		return syms[e->index];
	case EX_ADD:
		return ex_eval(e->a, params, syms) + ex_eval(e->b, params, syms);
	case EX_MUL:
		switch (ex_recip(e->b)) {
		case -1:
			return ex_eval(e->a, params, syms) / ex_eval(e->b->a, params, syms);
		case -2:
			x = ex_eval(e->b->a, params, syms);
			return ex_eval(e->a, params, syms) / (x * x);
		}
		if (ex_gate(e))   /* as printed: cond ? other : 0 */
			return ex_eval(ex_gate(e), params, syms) != 0 ?
			       ex_eval(ex_gate(e) == e->a ? e->b : e->a, params, syms) : 0.0;
		return ex_eval(e->a, params, syms) * ex_eval(e->b, params, syms);
	case EX_POW:
		x = ex_eval(e->a, params, syms);
		if (e->b->kind == EX_NUM)
			return eval_pow(x, e->b->num);
		return pow(x, ex_eval(e->b, params, syms));
	case EX_FN:
		return eval_fn((Fn)e->op, ex_eval(e->a, params, syms),
		               e->b ? ex_eval(e->b, params, syms) : 0);
	case EX_CMP:
		return eval_cmp((Cmp)e->op, ex_eval(e->a, params, syms),
		                ex_eval(e->b, params, syms));
	case EX_SELECT:
		return ex_eval(e->a, params, syms) != 0
		       ? ex_eval(e->b, params, syms) : ex_eval(e->c, params, syms);
	}
	die("ex_eval: bad node kind %d", (int)e->kind);
}

/* ---- printing C ---- */

static const char *const default_sym[NSYM] = {
	"k", "hx", "hy", "t", "x", "y", "thx", "thy",
};

static const char *const fn_name[NFN] = {
	"sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh",
	"sigmoid", "softplus", "step", "rint", "min", "max",
};

/* The shortest "%.Ng" that reads back as the same double. */
static void
fmtnum(char *s, size_t n, double v)
{
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(s, n, "%.*g", prec, v);
		if (strtod(s, NULL) == v)
			return;
	}
	snprintf(s, n, "%.17g", v);
}

/* A C double constant: always with a '.' or exponent, negative ones in
 * parentheses, inf and NaN through math.h. */
static void
cnum(Buf *b, double v)
{
	char s[40];

	if (isnan(v)) {
		buf_puts(b, "NAN");
		return;
	}
	if (isinf(v)) {
		buf_puts(b, v > 0 ? "HUGE_VAL" : "(-HUGE_VAL)");
		return;
	}
	fmtnum(s, sizeof s, v);
	if (!strpbrk(s, ".e"))
		strcat(s, ".0");
	if (v < 0)
		buf_printf(b, "(%s)", s);
	else
		buf_puts(b, s);
}

struct ExprEmitter {
	const char *const *pn, *const *sn;
	char *prefix;
	Expr **roots;
	int nroots, rcap;
	char **text;               /* per root, after flush */
	int flushed;
	ExprUses u;                /* all roots come from one pool */
	int *tmp;                  /* by Expr id, below u.nid: temporary
	                              number + 1, or 0 */
	int ntmp;
};

typedef struct {
	const char *const *pn, *const *sn;
	const ExprEmitter *em;     /* NULL: print everything inline */
} Pr;

static int
istmp(const Pr *P, const Expr *e)
{
	return P->em && e->id < P->em->u.nid && P->em->tmp[e->id];
}

static void pc(const Pr *P, Buf *b, const Expr *e, int top);
static void pccond(const Pr *P, Buf *b, const Expr *e);

static void
pcsub(const Pr *P, Buf *b, const Expr *e)
{
	pc(P, b, e, 0);
}

/* Product e = a * b, with its numeric coefficient negated when `neg`
 * (for a - c*x).  Negation commutes exactly with * and /, so the printed
 * value is exactly -(e) then.  Mirrors ex_eval: x * y^-1 is x / y. */
static void
pcmul(const Pr *P, Buf *b, const Expr *e, int neg)
{
	const Expr *a = e->a, *r = e->b;
	double c = 0;
	int isc = a->kind == EX_NUM;

	if (isc)
		c = neg ? -a->num : a->num;
	else if (neg)
		die("pcmul: negating a product without coefficient");
	if (ex_gate(e) && !istmp(P, ex_gate(e)) && !isc) {
		const Expr *g = ex_gate(e);
		buf_puts(b, "(");
		pccond(P, b, g);
		buf_puts(b, " ? ");
		pcsub(P, b, g == e->a ? e->b : e->a);
		buf_puts(b, " : 0.0)");
		return;
	}
	if (ex_recip(r)) {
		buf_puts(b, "(");
		if (isc)
			cnum(b, c);
		else
			pcsub(P, b, a);
		buf_puts(b, " / ");
		if (ex_recip(r) == -1)
			pcsub(P, b, r->a);
		else {
			buf_puts(b, "(");
			pcsub(P, b, r->a);
			buf_puts(b, "*");
			pcsub(P, b, r->a);
			buf_puts(b, ")");
		}
		buf_puts(b, ")");
		return;
	}
	if (isc && c == 1) {
		pcsub(P, b, r);
		return;
	}
	if (isc && c == -1) {
		buf_puts(b, "(-");
		pcsub(P, b, r);
		buf_puts(b, ")");
		return;
	}
	buf_puts(b, "(");
	if (isc && c < 0 && !isinf(c)) {
		buf_puts(b, "-");
		cnum(b, -c);
	} else if (isc)
		cnum(b, c);
	else
		pcsub(P, b, a);
	buf_puts(b, "*");
	pcsub(P, b, r);
	buf_puts(b, ")");
}

/* A product with a negative coefficient, printed inline: a + it is
 * printed a - |it|. */
static int
negmul(const Pr *P, const Expr *e)
{
	return e->kind == EX_MUL && e->a->kind == EX_NUM && e->a->num < 0
	       && !istmp(P, e);
}

/* A sum's text without its outer parentheses; its left operand, a sum
 * too, is printed the same way: C's + and - group from the left, so
 * (a + b) + c is a + b + c to the last bit, and a sum of 300 terms is not
 * 300 levels of parentheses deep (clang stops at 256) */
static void pcsum(const Pr *P, Buf *b, const Expr *e);

static void
pcleft(const Pr *P, Buf *b, const Expr *e)
{
	if (e->kind == EX_ADD && !istmp(P, e))
		pcsum(P, b, e);
	else
		pcsub(P, b, e);
}

static void
pcsum(const Pr *P, Buf *b, const Expr *e)
{
	const Expr *x = e->a, *y = e->b;

	if (x->kind == EX_NUM) {
		/* c + y: c is a constant, print it last unless y is negated */
		if (negmul(P, y)) {
			cnum(b, x->num);
			buf_puts(b, " - ");
			pcmul(P, b, y, 1);
		} else if (x->num < 0) {
			pcleft(P, b, y);
			buf_puts(b, " - ");
			cnum(b, -x->num);
		} else {
			pcleft(P, b, y);
			buf_puts(b, " + ");
			cnum(b, x->num);
		}
	} else if (negmul(P, y)) {
		pcleft(P, b, x);
		buf_puts(b, " - ");
		pcmul(P, b, y, 1);
	} else {
		pcleft(P, b, x);
		buf_puts(b, " + ");
		pcsub(P, b, y);
	}
}

static void
pcadd(const Pr *P, Buf *b, const Expr *e)
{
	buf_puts(b, "(");
	pcsum(P, b, e);
	buf_puts(b, ")");
}

static void
pcpow(const Pr *P, Buf *b, const Expr *e)
{
	const Expr *x = e->a;
	double n = e->b->kind == EX_NUM ? e->b->num : 0;

	if (e->b->kind != EX_NUM || !(n == 2 || n == 3 || n == -1 || n == -2 || n == 0.5)) {
		buf_puts(b, "pow(");
		pcsub(P, b, x);
		buf_puts(b, ", ");
		pcsub(P, b, e->b);
		buf_puts(b, ")");
		return;
	}
	if (n == 0.5) {
		buf_puts(b, "sqrt(");
		pcsub(P, b, x);
		buf_puts(b, ")");
		return;
	}
	if (n == -1) {
		buf_puts(b, "(1.0/");
		pcsub(P, b, x);
		buf_puts(b, ")");
		return;
	}
	buf_puts(b, n < 0 ? "(1.0/(" : "(");
	pcsub(P, b, x);
	buf_puts(b, "*");
	pcsub(P, b, x);
	if (n == 3) {
		buf_puts(b, "*");
		pcsub(P, b, x);
	}
	buf_puts(b, n < 0 ? "))" : ")");
}

static void
pcfn(const Pr *P, Buf *b, const Expr *e)
{
	switch ((Fn)e->op) {
	case FN_SIGMOID:
		buf_puts(b, "(1.0/(1.0 + exp(-");
		pcsub(P, b, e->a);
		buf_puts(b, ")))");
		return;
	case FN_SOFTPLUS:
		buf_puts(b, "(fmax(");
		pcsub(P, b, e->a);
		buf_puts(b, ", 0.0) + log1p(exp(-fabs(");
		pcsub(P, b, e->a);
		buf_puts(b, "))))");
		return;
	case FN_STEP:
		buf_puts(b, "(");
		pcsub(P, b, e->a);
		buf_puts(b, " >= 0 ? 1.0 : 0.0)");
		return;
	case FN_ABS:
		buf_puts(b, "fabs(");
		break;
	case FN_MIN:
		buf_puts(b, "fmin(");
		break;
	case FN_MAX:
		buf_puts(b, "fmax(");
		break;
	default:
		buf_printf(b, "%s(", fn_name[e->op]);
	}
	pcsub(P, b, e->a);
	if (e->b) {
		buf_puts(b, ", ");
		pcsub(P, b, e->b);
	}
	buf_puts(b, ")");
}

/* The comparison as a C condition (an int). */
static void
pccond(const Pr *P, Buf *b, const Expr *e)
{
	static const char *const op[] = { " < ", " <= ", " == ", " != " };

	buf_puts(b, "(");
	pcsub(P, b, e->a);
	if (e->op == CMP_AND || e->op == CMP_OR) {
		buf_puts(b, e->op == CMP_AND ? " != 0 && " : " != 0 || ");
		pcsub(P, b, e->b);
		buf_puts(b, " != 0");
	} else {
		buf_puts(b, op[e->op]);
		pcsub(P, b, e->b);
	}
	buf_puts(b, ")");
}

static void
pccmp(const Pr *P, Buf *b, const Expr *e)
{
	buf_puts(b, "(");
	pccond(P, b, e);
	buf_puts(b, " ? 1.0 : 0.0)");
}

/* Print e; operands that are temporaries of the emitter print as their
 * names, and so does e itself unless `top` (its own definition). */
static void
pc(const Pr *P, Buf *b, const Expr *e, int top)
{
	if (!top && istmp(P, e)) {
		buf_printf(b, "%s%d", P->em->prefix, P->em->tmp[e->id] - 1);
		return;
	}
	switch (e->kind) {
	case EX_NUM:
		cnum(b, e->num);
		return;
	case EX_PARAM:
		if (P->pn)
			buf_puts(b, P->pn[e->index]);
		else
			buf_printf(b, "p[%d]", e->index);
		return;
	case EX_SYM:
		buf_puts(b, P->sn ? P->sn[e->index] : default_sym[e->index]);
		return;
	case EX_ADD:
		pcadd(P, b, e);
		return;
	case EX_MUL:
		pcmul(P, b, e, 0);
		return;
	case EX_POW:
		pcpow(P, b, e);
		return;
	case EX_FN:
		pcfn(P, b, e);
		return;
	case EX_CMP:
		pccmp(P, b, e);
		return;
	case EX_SELECT:
		buf_puts(b, "(");
		pcsub(P, b, e->a);
		buf_puts(b, " != 0 ? ");
		pcsub(P, b, e->b);
		buf_puts(b, " : ");
		pcsub(P, b, e->c);
		buf_puts(b, ")");
		return;
	}
	die("ex_print_c: bad node kind %d", (int)e->kind);
}

void
ex_print_c(Buf *b, const Expr *e, const char *const *param_names,
           const char *const *sym_names)
{
	Pr P = { param_names, sym_names, NULL };

	pc(&P, b, e, 1);
}

/* ---- use counts ---- */

/* The nodes the printed text of e names, and how many times: what
 * ExprUses counts.  x*y^-1 names y's base, not y (it prints x / base),
 * and x^2 names x twice, so a shared or repeated non-leaf becomes a
 * temporary instead of being printed twice. */
static int
refs(const Expr *e, const Expr **ch, int *w)
{
	int n = 0;
	double k;

	switch (e->kind) {
	case EX_NUM: case EX_PARAM: case EX_SYM:
		return 0;
	case EX_MUL:
		ch[n] = e->a, w[n++] = 1;
		if (ex_recip(e->b))
			ch[n] = e->b->a, w[n++] = -ex_recip(e->b);
		else
			ch[n] = e->b, w[n++] = 1;
		return n;
	case EX_POW:
		k = e->b->kind == EX_NUM ? e->b->num : 0;
		ch[n] = e->a, w[n++] = k == 2 || k == -2 ? 2 : k == 3 ? 3 : 1;
		if (e->b->kind != EX_NUM)
			ch[n] = e->b, w[n++] = 1;
		return n;
	case EX_FN:
		ch[n] = e->a, w[n++] = e->op == FN_SOFTPLUS ? 2 : 1;
		if (e->b)
			ch[n] = e->b, w[n++] = 1;
		return n;
	default:
		ch[n] = e->a, w[n++] = 1;
		ch[n] = e->b, w[n++] = 1;
		if (e->c)
			ch[n] = e->c, w[n++] = 1;
		return n;
	}
}

static void
ensure(ExprUses *u, unsigned id)
{
	unsigned n;

	if (id < u->nid)
		return;
	n = mem_cap(u->nid, id, 64);
	u->uses = mem_extend(u->uses, sizeof *u->uses, u->nid, n, 0);
	u->seen = mem_extend(u->seen, 1, u->nid, n, 0);
	u->nid = n;
}

static void
visit(ExprUses *u, const Expr *e)
{
	const Expr *ch[3];
	int w[3], n, i;

	ensure(u, e->id);
	if (u->seen[e->id])
		return;
	u->seen[e->id] = 1;
	n = refs(e, ch, w);
	for (i = 0; i < n; i++) {
		ensure(u, ch[i]->id);
		u->uses[ch[i]->id] += w[i];
		visit(u, ch[i]);
	}
	if (u->norder == u->ocap) {
		u->ocap = u->ocap ? 2 * u->ocap : 64;
		u->order = mem_realloc(u->order, (size_t)u->ocap * sizeof *u->order);
	}
	u->order[u->norder++] = e;
}

void
ex_uses_add(ExprUses *u, const Expr *root)
{
	ensure(u, root->id);
	u->uses[root->id]++;
	visit(u, root);
}

int
ex_uses_shared(const ExprUses *u, const Expr *e)
{
	return e->kind != EX_NUM && e->kind != EX_PARAM && e->kind != EX_SYM
	       && e->id < u->nid && u->uses[e->id] >= 2;
}

void
ex_uses_free(ExprUses *u)
{
	mem_free(u->uses);
	mem_free(u->seen);
	mem_free(u->order);
	memset(u, 0, sizeof *u);
}

/* ---- CSE for emission ---- */

ExprEmitter *
ex_emitter_new(const char *const *param_names, const char *const *sym_names,
               const char *tmp_prefix)
{
	ExprEmitter *em = mem_alloc(sizeof *em);

	em->pn = param_names;
	em->sn = sym_names;
	em->prefix = mem_strdup(tmp_prefix ? tmp_prefix : "t");
	return em;
}

int
ex_emitter_add(ExprEmitter *em, Expr *root)
{
	if (em->flushed)
		die("ex_emitter_add: emitter already flushed");
	if (em->nroots == em->rcap) {
		em->rcap = em->rcap ? 2 * em->rcap : 16;
		em->roots = mem_realloc(em->roots, (size_t)em->rcap * sizeof *em->roots);
	}
	em->roots[em->nroots] = root;
	return em->nroots++;
}

enum { EMIT_DEPTH = 40 };

/* Is e worth a temporary of its own: more than a number, a param or a
 * symbol? */
static int
nontrivial(const Expr *e)
{
	return e->kind != EX_NUM && e->kind != EX_PARAM && e->kind != EX_SYM;
}

/* The temporaries into b at indent; with outer, those whose deps miss
 * vary (and the largest such parts of the others, each a temporary of
 * its own) into outer at oind instead: the parts a loop over the points
 * computes once, before it. */
static void
flush_split(ExprEmitter *em, Buf *b, const char *indent, Buf *outer, const char *oind, unsigned vary)
{
	Pr P = { em->pn, em->sn, em };
	Buf t = {0};
	const Expr *e;
	int i, *dep;
	unsigned char *hoist;

	if (em->flushed)
		die("ex_emitter_flush: flushed twice");
	em->flushed = 1;
	for (i = 0; i < em->nroots; i++)
		ex_uses_add(&em->u, em->roots[i]);
	em->tmp = mem_alloc(em->u.nid * sizeof *em->tmp);
	dep = mem_alloc((em->u.nid + 1) * sizeof *dep);
	hoist = mem_alloc(em->u.nid + 1);
	/* the invariant operands of varying nodes, and invariant roots */
	for (i = 0; outer && i < em->u.norder; i++) {
		const Expr *op[3];
		int k;
		e = em->u.order[i];
		if (!(e->deps & vary))
			continue;
		op[0] = e->a, op[1] = e->b, op[2] = e->c;
		for (k = 0; k < 3; k++)
			if (op[k] && op[k]->id < em->u.nid && !(op[k]->deps & vary) && nontrivial(op[k]))
				hoist[op[k]->id] = 1;
	}
	for (i = 0; outer && i < em->nroots; i++)
		if (em->roots[i]->id < em->u.nid && !(em->roots[i]->deps & vary) && nontrivial(em->roots[i]))
			hoist[em->roots[i]->id] = 1;
	for (i = 0; i < em->u.norder; i++) {
		const Expr *op[3];
		int k, d = 0, out;
		Buf *to;
		e = em->u.order[i];
		/* how deep e prints: a temporary every EMIT_DEPTH levels, so
		 * that no expression nests deeper than a C compiler takes
		 * (TinyCC's value stack: 300 nested sin(...) did not compile) */
		op[0] = e->a, op[1] = e->b, op[2] = e->c;
		for (k = 0; k < 3; k++)
			if (op[k] && op[k]->id < em->u.nid && !em->tmp[op[k]->id] && dep[op[k]->id] + 1 > d)
				d = dep[op[k]->id] + 1;
		dep[e->id] = d;
		if (!ex_uses_shared(&em->u, e) && !(d > EMIT_DEPTH && nontrivial(e)) && !hoist[e->id])
			continue;
		dep[e->id] = 0;
		out = outer && !(e->deps & vary);
		to = out ? outer : b;
		buf_printf(to, "%sconst double %s%d = ", (out ? oind : indent) ? (out ? oind : indent) : "",
		           em->prefix, em->ntmp);
		pc(&P, to, e, 1);
		buf_puts(to, ";\n");
		em->tmp[e->id] = ++em->ntmp;
	}
	mem_free(hoist);
	mem_free(dep);
	em->text = mem_alloc((size_t)(em->nroots ? em->nroots : 1) * sizeof *em->text);
	for (i = 0; i < em->nroots; i++) {
		t.len = 0;
		pc(&P, &t, em->roots[i], 0);
		em->text[i] = mem_strdup(t.s ? t.s : "");
	}
	buf_free(&t);
}

void
ex_emitter_flush(ExprEmitter *em, Buf *b, const char *indent)
{
	flush_split(em, b, indent, NULL, NULL, 0);
}

void
ex_emitter_flush_split(ExprEmitter *em, Buf *inner, const char *iind, Buf *outer, const char *oind,
                       unsigned vary)
{
	flush_split(em, inner, iind, outer, oind, vary);
}

const char *
ex_emitter_root(ExprEmitter *em, int root)
{
	if (!em->flushed || root < 0 || root >= em->nroots)
		die("ex_emitter_root: no root %d", root);
	return em->text[root];
}

void
ex_emitter_free(ExprEmitter *em)
{
	int i;

	if (!em)
		return;
	if (em->text)
		for (i = 0; i < em->nroots; i++)
			mem_free(em->text[i]);
	mem_free(em->text);
	mem_free(em->roots);
	ex_uses_free(&em->u);
	mem_free(em->tmp);
	mem_free(em->prefix);
	mem_free(em);
}

/* ---- printing math ----
 * Binding levels: 0 comparison, 1 sum (and anything negative), 2 product,
 * 3 power, 4 atom or call.  An operand is parenthesised when its level is
 * below what its place needs. */

static void pm(Buf *b, const Expr *e, const char *const *pn, int need);

static void
mnum(Buf *b, double v)
{
	char s[40];

	if (isnan(v))
		buf_puts(b, "nan");
	else if (isinf(v))
		buf_puts(b, v > 0 ? "inf" : "-inf");
	else {
		fmtnum(s, sizeof s, v);
		buf_puts(b, s);
	}
}

/* Flatten the non-number part of a product into fs[], return its count. */
static int
factors(const Expr *e, const Expr **fs, int n, int max)
{
	if (e->kind == EX_MUL && e->a->kind != EX_NUM) {
		n = factors(e->a, fs, n, max);
		return factors(e->b, fs, n, max);
	}
	if (n < max)
		fs[n] = e;
	return n + 1;
}

static int
isneg(const Expr *e)
{
	return (e->kind == EX_NUM && e->num < 0)
	       || (e->kind == EX_MUL && e->a->kind == EX_NUM && e->a->num < 0);
}

static int
level(const Expr *e)
{
	switch (e->kind) {
	case EX_NUM: return e->num < 0 ? 1 : 4;
	case EX_PARAM: case EX_SYM: case EX_FN: case EX_SELECT: return 4;
	case EX_ADD: return 1;
	case EX_MUL: return isneg(e) ? 1 : 2;
	case EX_POW: return e->b->kind == EX_NUM && e->b->num < 0 ? 2 : 3;
	case EX_CMP: return 0;
	}
	return 0;
}

/* x^n for a denominator: n > 0 */
static void
mpow(Buf *b, const Expr *x, double n, const char *const *pn)
{
	pm(b, x, pn, 4);
	if (n != 1) {
		buf_puts(b, "^");
		mnum(b, n);
	}
}

/* A product c*f1*...*fn, with c's sign flipped when `neg`. */
static void
mmul(Buf *b, const Expr *e, int neg, const char *const *pn)
{
	const Expr *fs[256];
	double c = 1;
	int n, i, nn = 0, nd = 0, first = 1;

	if (e->kind == EX_MUL && e->a->kind == EX_NUM) {
		c = e->a->num;
		e = e->b;
	}
	if (neg)
		c = -c;
	n = factors(e, fs, 0, 256);
	if (n > 256) {           /* too long to be readable anyway */
		buf_puts(b, "(...)");
		return;
	}
	for (i = 0; i < n; i++) {
		if (level(fs[i]) == 2 && fs[i]->kind == EX_POW)
			nd++;
		else
			nn++;
	}
	if (c < 0) {
		buf_puts(b, "-");
		c = -c;
	}
	if (c != 1 || nn == 0) {
		mnum(b, c);
		first = 0;
	}
	for (i = 0; i < n; i++) {
		if (fs[i]->kind == EX_POW && level(fs[i]) == 2)
			continue;
		if (!first)
			buf_puts(b, "*");
		pm(b, fs[i], pn, 2);
		first = 0;
	}
	if (!nd)
		return;
	buf_puts(b, nd > 1 ? "/(" : "/");
	first = 1;
	for (i = 0; i < n; i++) {
		if (!(fs[i]->kind == EX_POW && level(fs[i]) == 2))
			continue;
		if (!first)
			buf_puts(b, "*");
		if (nd == 1 && fs[i]->b->num == -1)
			pm(b, fs[i]->a, pn, 3);
		else
			mpow(b, fs[i]->a, -fs[i]->b->num, pn);
		first = 0;
	}
	if (nd > 1)
		buf_puts(b, ")");
}

static void
madd(Buf *b, const Expr *e, const char *const *pn)
{
	const Expr *c = NULL, *ts[256];
	int n = 0, i;

	if (e->a->kind == EX_NUM) {
		c = e->a;
		e = e->b;
	}
	while (e->kind == EX_ADD && n < 255) {
		ts[n++] = e->b;
		e = e->a;
	}
	ts[n++] = e;
	for (i = n - 1; i >= 0; i--) {
		if (i == n - 1)
			pm(b, ts[i], pn, 1);
		else if (isneg(ts[i])) {
			buf_puts(b, " - ");
			if (ts[i]->kind == EX_NUM)
				mnum(b, -ts[i]->num);
			else
				mmul(b, ts[i], 1, pn);
		} else {
			buf_puts(b, " + ");
			pm(b, ts[i], pn, 1);
		}
	}
	if (c) {
		buf_puts(b, c->num < 0 ? " - " : " + ");
		mnum(b, fabs(c->num));
	}
}

static void
pm(Buf *b, const Expr *e, const char *const *pn, int need)
{
	static const char *const cmp[] = { " < ", " <= ", " == ", " != ", " && ", " || " };
	int paren = level(e) < need;

	if (paren)
		buf_puts(b, "(");
	switch (e->kind) {
	case EX_NUM:
		mnum(b, e->num);
		break;
	case EX_PARAM:
		if (pn)
			buf_puts(b, pn[e->index]);
		else
			buf_printf(b, "p[%d]", e->index);
		break;
	case EX_SYM:
		buf_puts(b, default_sym[e->index]);
		break;
	case EX_ADD:
		madd(b, e, pn);
		break;
	case EX_MUL:
		mmul(b, e, 0, pn);
		break;
	case EX_POW:
		if (level(e) == 2) {
			buf_puts(b, "1/");
			mpow(b, e->a, -e->b->num, pn);
			break;
		}
		pm(b, e->a, pn, 4);
		buf_puts(b, "^");
		pm(b, e->b, pn, 4);
		break;
	case EX_FN:
		buf_printf(b, "%s(", fn_name[e->op]);
		pm(b, e->a, pn, 0);
		if (e->b) {
			buf_puts(b, ", ");
			pm(b, e->b, pn, 0);
		}
		buf_puts(b, ")");
		break;
	case EX_CMP:
		pm(b, e->a, pn, 1);
		buf_puts(b, cmp[e->op]);
		pm(b, e->b, pn, 1);
		break;
	case EX_SELECT:
		buf_puts(b, "select(");
		pm(b, e->a, pn, 0);
		buf_puts(b, ", ");
		pm(b, e->b, pn, 0);
		buf_puts(b, ", ");
		pm(b, e->c, pn, 0);
		buf_puts(b, ")");
		break;
	}
	if (paren)
		buf_puts(b, ")");
}

/* The nodes of e written out as a tree, counted down from budget: < 0
 * when there are more.  Costs at most budget steps, however large the
 * tree a DAG of shared subexpressions stands for (2^40 nodes for 40 fns
 * each calling the one before twice). */
static long
tree_size(const Expr *e, long budget)
{
	budget--;
	if (budget >= 0 && e->a)
		budget = tree_size(e->a, budget);
	if (budget >= 0 && e->b)
		budget = tree_size(e->b, budget);
	if (budget >= 0 && e->c)
		budget = tree_size(e->c, budget);
	return budget;
}

/* Math is printed as a tree, shared subexpressions inline: one too large
 * to print is said so, not printed for ever. */
void
ex_print_math(Buf *b, const Expr *e, const char *const *param_names)
{
	enum { PRINT_MAX = 100000 };

	if (tree_size(e, PRINT_MAX) < 0) {
		buf_printf(b, "<an expression of more than %d operations written out; "
		           "too large to print>", PRINT_MAX);
		return;
	}
	pm(b, e, param_names, 0);
}
