/* diff_test.c — unit tests of symbolic reverse-mode differentiation
 * (compiler/middle/diff.c).  Derivatives are checked three ways: against the
 * rules written out by hand, against forward-mode dual numbers evaluated
 * here independently of diff.c (to rounding), and against central finite
 * differences at smooth points; the stiff string's stencil coefficients
 * against their derivatives worked out by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

static int nfail;
static int tfail;

#define CHECK(c) check((c), #c, __FILE__, __LINE__)

static void
check(int ok, const char *what, const char *file, int line)
{
	if (!ok) {
		fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
		tfail++;
	}
}

static void
report(const char *name)
{
	printf("%s %s\n", tfail ? "FAIL" : "PASS", name);
	if (tfail)
		nfail++;
	tfail = 0;
}

static int
close_to(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fmax(fabs(a), fabs(b));
}

static Expr *
d1(ExprPool *p, Expr *e, int i)
{
	Expr *out[4];

	diff_params(p, e, 4, out);
	return out[i];
}

/* ---- each rule, by hand ---- */

static void
test_rules(void)
{
	ExprPool *p = expr_pool_new();
	Expr *a = ex_param(p, 0), *b = ex_param(p, 1), *x = ex_sym(p, SYM_X);
	Expr *zero = ex_num(p, 0), *one = ex_num(p, 1), *e, *d;
	double par[4] = { 0.7, -1.3, 0, 0 }, sy[NSYM] = { 0 };

	CHECK(d1(p, ex_num(p, 3), 0) == zero);
	CHECK(d1(p, a, 0) == one);
	CHECK(d1(p, a, 1) == zero);
	CHECK(d1(p, x, 0) == zero);
	CHECK(d1(p, ex_add(p, a, b), 1) == one);
	CHECK(d1(p, ex_mul(p, a, b), 0) == b);
	CHECK(d1(p, ex_mul(p, ex_num(p, 5), ex_mul(p, a, x)), 0) == ex_mul(p, ex_num(p, 5), x));
	/* a^3 -> 3 a^2; 1/a -> -1/a^2; a^0.5 -> 0.5 a^-0.5 */
	CHECK(d1(p, ex_powi(p, a, 3), 0) == ex_mul(p, ex_num(p, 3), ex_powi(p, a, 2)));
	CHECK(d1(p, ex_powi(p, a, -1), 0) == ex_neg(p, ex_powi(p, a, -2)));
	CHECK(d1(p, ex_pow(p, a, ex_num(p, 0.5)), 0)
	      == ex_mul(p, ex_num(p, 0.5), ex_pow(p, a, ex_num(p, -0.5))));
	/* a/b by b: -a/b^2 */
	CHECK(d1(p, ex_div(p, a, b), 1) == ex_neg(p, ex_div(p, a, ex_powi(p, b, 2))));
	/* a^b: b a^(b-1) and a^b log a, taken 0 where a^b is (a = 0: 0 log 0
	 * is NaN, the limit 0); a positive number's base, plain */
	e = ex_pow(p, a, b);
	CHECK(d1(p, e, 0) == ex_mul(p, b, ex_pow(p, a, ex_sub(p, b, one))));
	CHECK(d1(p, e, 1) == ex_select(p, e, ex_mul(p, e, ex_fn(p, FN_LOG, a, NULL)), zero));
	e = ex_pow(p, ex_num(p, 2), b);
	CHECK(d1(p, e, 1) == ex_mul(p, e, ex_fn(p, FN_LOG, ex_num(p, 2), NULL)));
	par[1] = 0.5;
	e = d1(p, ex_pow(p, ex_num(p, 0), b), 1);
	CHECK(ex_eval(e, par, sy) == 0);
	par[1] = -1.3;
	CHECK(d1(p, ex_fn(p, FN_SIN, a, NULL), 0) == ex_fn(p, FN_COS, a, NULL));
	CHECK(d1(p, ex_fn(p, FN_COS, a, NULL), 0) == ex_neg(p, ex_fn(p, FN_SIN, a, NULL)));
	e = ex_fn(p, FN_TAN, a, NULL);
	CHECK(d1(p, e, 0) == ex_add(p, one, ex_powi(p, e, 2)));
	e = ex_fn(p, FN_EXP, a, NULL);
	CHECK(d1(p, e, 0) == e);
	CHECK(d1(p, ex_fn(p, FN_LOG, a, NULL), 0) == ex_powi(p, a, -1));
	/* chain rule: d exp(a b) / da = b exp(a b) */
	e = ex_fn(p, FN_EXP, ex_mul(p, a, b), NULL);
	CHECK(d1(p, e, 0) == ex_mul(p, b, e));
	e = ex_fn(p, FN_SQRT, a, NULL);
	CHECK(d1(p, e, 0) == ex_mul(p, ex_num(p, 0.5), ex_powi(p, e, -1)));
	e = ex_fn(p, FN_TANH, a, NULL);
	CHECK(d1(p, e, 0) == ex_sub(p, one, ex_powi(p, e, 2)));
	e = ex_fn(p, FN_SIGMOID, a, NULL);
	CHECK(d1(p, e, 0) == ex_mul(p, e, ex_sub(p, one, e)));
	CHECK(d1(p, ex_fn(p, FN_SOFTPLUS, a, NULL), 0) == ex_fn(p, FN_SIGMOID, a, NULL));
	/* piecewise constant: nothing flows */
	CHECK(d1(p, ex_fn(p, FN_STEP, a, NULL), 0) == zero);
	CHECK(d1(p, ex_cmp(p, CMP_LT, a, b), 0) == zero);
	CHECK(d1(p, ex_mul(p, ex_cmp(p, CMP_LT, a, x), b), 0) == zero);
	/* select: only the branches, each under the condition */
	e = ex_select(p, ex_cmp(p, CMP_LT, a, x), ex_powi(p, a, 2), b);
	d = d1(p, e, 0);
	CHECK(d == ex_select(p, ex_cmp(p, CMP_LT, a, x), ex_mul(p, ex_num(p, 2), a), zero));
	CHECK(d1(p, e, 1) == ex_select(p, ex_cmp(p, CMP_LT, a, x), zero, one));
	/* both branches on one operand merge into one select */
	e = ex_select(p, x, ex_mul(p, ex_num(p, 3), a), ex_powi(p, a, 2));
	CHECK(d1(p, e, 0) == ex_select(p, x, ex_num(p, 3), ex_mul(p, ex_num(p, 2), a)));
	/* |a|' is -1 below 0 and 1 from 0 on (documented in diff.c) */
	e = ex_fn(p, FN_ABS, a, NULL);
	d = d1(p, e, 0);
	par[0] = -2;
	CHECK(ex_eval(d, par, sy) == -1);
	par[0] = 0;
	CHECK(ex_eval(d, par, sy) == 1);
	par[0] = -0.0;
	CHECK(ex_eval(d, par, sy) == 1);
	par[0] = 3;
	CHECK(ex_eval(d, par, sy) == 1);
	/* min/max: the smaller/larger operand's derivative; at a tie, the
	 * first operand's (min(a, b) is canonically ordered a, b here) */
	e = ex_fn(p, FN_MIN, ex_mul(p, ex_num(p, 2), a), ex_mul(p, ex_num(p, 3), b));
	{
		Expr *g[4];

		diff_params(p, e, 2, g);
		par[0] = 1, par[1] = 1;
		CHECK(ex_eval(g[0], par, sy) == 2 && ex_eval(g[1], par, sy) == 0);
		par[0] = 1, par[1] = 0.5;
		CHECK(ex_eval(g[0], par, sy) == 0 && ex_eval(g[1], par, sy) == 3);
		par[0] = 1.5, par[1] = 1;     /* tie: 3 == 3, to 2a, built first */
		CHECK(e->a == ex_mul(p, ex_num(p, 2), a));
		CHECK(ex_eval(g[0], par, sy) == 2 && ex_eval(g[1], par, sy) == 0);
		e = ex_fn(p, FN_MAX, ex_mul(p, ex_num(p, 2), a), ex_mul(p, ex_num(p, 3), b));
		diff_params(p, e, 2, g);
		CHECK(ex_eval(g[0], par, sy) == 2 && ex_eval(g[1], par, sy) == 0);
		par[0] = 1, par[1] = 1;
		CHECK(ex_eval(g[0], par, sy) == 0 && ex_eval(g[1], par, sy) == 3);
		par[0] = 1, par[1] = 0.5;
		CHECK(ex_eval(g[0], par, sy) == 2 && ex_eval(g[1], par, sy) == 0);
	}
	/* a param index at or past nparams is not written */
	{
		Expr *g[2] = { NULL, NULL };

		diff_params(p, ex_mul(p, a, ex_param(p, 3)), 1, g);
		CHECK(g[0] == ex_param(p, 3) && g[1] == NULL);
	}
	expr_pool_free(p);
	report("diff_rules");
}

/* Adjoints multiply products that hold a non-integer power twice, so
 * they lean on this expr.c rule: (x^a)^2 becomes x^(2a) without losing
 * the exponents of the other factors (x^a * x^a / y^2 is x^(2a) / y^2). */
static void
test_builder_powers(void)
{
	ExprPool *p = expr_pool_new();
	Expr *x = ex_sym(p, SYM_X), *y = ex_sym(p, SYM_Y), *a = ex_param(p, 0);
	Expr *xa = ex_pow(p, x, a), *e;
	double par[1] = { 0.7 }, sy[NSYM] = { 0 };

	e = ex_mul(p, ex_mul(p, xa, ex_powi(p, y, -2)), xa);
	CHECK(e == ex_mul(p, ex_pow(p, x, ex_mul(p, ex_num(p, 2), a)), ex_powi(p, y, -2)));
	sy[SYM_X] = 1.5, sy[SYM_Y] = 3;
	CHECK(close_to(ex_eval(e, par, sy), pow(1.5, 1.4) / 9, 1e-14));
	expr_pool_free(p);
	report("diff_builder_powers");
}

/* The branch not taken contributes nothing, not 0 * inf:
 * d/dx select(x != 0, sin(x)/x, 1) at x = 0 is 0. */
static void
test_select_guard(void)
{
	ExprPool *p = expr_pool_new();
	Expr *x = ex_sym(p, SYM_X), *a = ex_param(p, 0);
	Expr *sinc = ex_select(p, ex_cmp(p, CMP_NE, x, ex_num(p, 0)),
	                       ex_div(p, ex_fn(p, FN_SIN, x, NULL), x), ex_num(p, 1));
	Expr *e = ex_mul(p, a, sinc), *g[1], *dx;
	double par[1] = { 2 }, sy[NSYM] = { 0 };

	dx = diff_sym(p, e, SYM_X);
	CHECK(ex_eval(dx, par, sy) == 0);
	sy[SYM_X] = 0.5;     /* a (x cos x - sin x) / x^2 */
	CHECK(close_to(ex_eval(dx, par, sy), 2 * (0.5 * cos(0.5) - sin(0.5)) / 0.25, 1e-14));
	diff_params(p, e, 1, g);
	CHECK(g[0] == sinc);
	/* a gate inside a product: (0 < x) log(x) sin(p1 r) is evaluated as
	 * ((0 < x) ? log x : 0) * sin(p1 r), 0 at x = -1.  Its derivative by
	 * p1, (0 < x) r log(x) cos(p1 r), flattens with r between the gate and
	 * log x; it must still be 0 there, not 0 * NaN. */
	{
		Expr *c = ex_cmp(p, CMP_LT, ex_num(p, 0), x);
		Expr *r = ex_add(p, ex_sym(p, SYM_Y), ex_num(p, 1));
		Expr *L = ex_fn(p, FN_LOG, x, NULL), *g2[2];
		Expr *q = ex_fn(p, FN_SIN, ex_mul(p, ex_param(p, 1), r), NULL);
		double par2[2] = { 0, 0.5 };

		e = ex_mul(p, ex_mul(p, c, L), q);
		CHECK(e->a == ex_mul(p, c, L) && e->b == q);   /* the inner gate */
		sy[SYM_X] = -1, sy[SYM_Y] = 1;
		CHECK(ex_eval(e, par2, sy) == 0);
		diff_params(p, e, 2, g2);
		CHECK(ex_eval(g2[1], par2, sy) == 0);
		sy[SYM_X] = 2;
		CHECK(close_to(ex_eval(g2[1], par2, sy), 2 * log(2.0) * cos(1.0), 1e-15));
		sy[SYM_Y] = 0;
	}
	/* min(x, 1/x) at x = 0 picks x; the 1/x branch's -1/x^2 must not leak */
	e = ex_fn(p, FN_MIN, x, ex_powi(p, x, -1));
	dx = diff_sym(p, e, SYM_X);
	sy[SYM_X] = 0;
	CHECK(ex_eval(dx, par, sy) == 1);
	expr_pool_free(p);
	report("diff_select_guard");
}

/* ---- forward mode with dual numbers: the reference ----
 * Mirrors ex_eval operation by operation (including x*y^-1 as x/y and the
 * gate cond*y as cond ? y : 0), so the values match bit for bit and the
 * derivatives to rounding.  `m` bounds the sum of the magnitudes of what
 * makes up the derivative, the scale that rounding is relative to when
 * terms cancel.  `kink` is the smallest distance to a discontinuity of the
 * derivative met on the way (comparison operands, |x| near 0, ...). */

typedef struct {
	double v, d, m;
	int dep;               /* the variable is below, on a differentiable path */
} Dual;

typedef struct {
	const double *par, *sy;
	int seed;              /* 0..NPAR-1: that param; NPAR + s: symbol s */
	Dual *memo;
	unsigned char *done;
	double kink;
	double big;            /* the largest |value| met */
} DualCtx;

enum { NPAR = 3 };

static void
kink(DualCtx *C, double dist)
{
	dist = fabs(dist);
	if (dist < C->kink)
		C->kink = dist;
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

static Dual dual(DualCtx *C, const Expr *e);

static Dual
mk(double v, double d, double m, int dep)
{
	Dual r;

	r.v = v, r.d = d, r.m = m, r.dep = dep;
	return r;
}

static Dual
cst(double v)
{
	return mk(v, 0, 0, 0);
}

/* f(x) with f'(x) = fp, computed from terms of magnitude up to fm.  Where
 * x does not depend on the variable nothing is multiplied, as diff.c
 * passes nothing on to such an operand; where it does, an undefined
 * partial (log of a negative, 1/sqrt(0)) makes the derivative undefined
 * even when the operand's derivative happens to be 0. */
static Dual
chain(double v, Dual x, double fp, double fm)
{
	if (!x.dep)
		return cst(v);
	return mk(v, fp * x.d, fm * x.m, 1);
}

static Dual
dual_fn(DualCtx *C, const Expr *e)
{
	Dual x = dual(C, e->a), y;
	double v, s;

	switch ((Fn)e->op) {
	case FN_SIN: return chain(sin(x.v), x, cos(x.v), fabs(cos(x.v)));
	case FN_COS: return chain(cos(x.v), x, -sin(x.v), fabs(sin(x.v)));
	case FN_TAN: v = tan(x.v); return chain(v, x, 1 + v * v, 1 + v * v);
	case FN_EXP: v = exp(x.v); return chain(v, x, v, v);
	case FN_LOG: return chain(log(x.v), x, 1 / x.v, fabs(1 / x.v));
	case FN_SQRT: v = sqrt(x.v); return chain(v, x, 0.5 / v, fabs(0.5 / v));
	case FN_ABS: kink(C, x.v); return chain(fabs(x.v), x, x.v < 0 ? -1 : 1, 1);
	case FN_TANH: v = tanh(x.v); return chain(v, x, 1 - v * v, 1 + v * v);
	case FN_SIGMOID:
		v = 1.0 / (1.0 + exp(-x.v));
		return chain(v, x, v * (1 - v), fabs(v) * (1 + fabs(v)));
	case FN_SOFTPLUS:
		s = 1.0 / (1.0 + exp(-x.v));
		return chain(fmax(x.v, 0.0) + log1p(exp(-fabs(x.v))), x, s, s);
	case FN_STEP: kink(C, x.v); return cst(x.v >= 0 ? 1.0 : 0.0);
	case FN_RINT: kink(C, x.v - floor(x.v) - 0.5); return cst(rint(x.v));
	case FN_MIN:
	case FN_MAX:
		y = dual(C, e->b);
		kink(C, x.v - y.v);
		v = e->op == FN_MIN ? fmin(x.v, y.v) : fmax(x.v, y.v);
		/* ties to the first operand; NaN to the other one, as fmin */
		if ((e->op == FN_MIN ? x.v <= y.v : y.v <= x.v) || isnan(y.v))
			x.v = v;
		else
			x = y;
		return x;
	default:
		break;
	}
	abort();
}

static int
recip(const Expr *e)
{
	if (e->kind == EX_POW && e->b->kind == EX_NUM
	    && (e->b->num == -1 || e->b->num == -2))
		return (int)e->b->num;
	return 0;
}

static Dual
dual_mul(DualCtx *C, const Expr *e)
{
	Dual a, b, r;
	const Expr *g = NULL;

	if (recip(e->b)) {
		double x, xn;

		a = dual(C, e->a);
		b = dual(C, e->b->a);
		x = b.v;
		xn = recip(e->b) == -1 ? x : x * x;
		r = mk(a.v / xn, 0, 0, a.dep || b.dep);
		if (a.dep) {
			r.d += a.d / xn;
			r.m += a.m / fabs(xn);
		}
		if (b.dep) {
			r.d += recip(e->b) * a.v * b.d / (xn * x);
			r.m += fabs(recip(e->b) * a.v / (xn * x)) * b.m;
		}
		return r;
	}
	if (e->b->kind == EX_CMP)
		g = e->b;
	else if (e->a->kind == EX_CMP)
		g = e->a;
	if (g) {      /* cond ? y : 0 */
		if (dual(C, g).v == 0)
			return cst(0);
		return dual(C, g == e->a ? e->b : e->a);
	}
	a = dual(C, e->a);
	b = dual(C, e->b);
	r = mk(a.v * b.v, 0, 0, a.dep || b.dep);
	if (a.dep) {
		r.d += a.d * b.v;
		r.m += a.m * fabs(b.v);
	}
	if (b.dep) {
		r.d += a.v * b.d;
		r.m += fabs(a.v) * b.m;
	}
	return r;
}

static Dual
dual_pow(DualCtx *C, const Expr *e)
{
	Dual a = dual(C, e->a), b, r;
	double n, fp;

	if (e->b->kind == EX_NUM) {
		n = e->b->num;
		fp = n * pow(a.v, n - 1);
		return chain(eval_pow(a.v, n), a, fp, fabs(fp));
	}
	b = dual(C, e->b);
	r = mk(pow(a.v, b.v), 0, 0, a.dep || b.dep);
	if (a.dep) {
		fp = b.v * pow(a.v, b.v - 1);
		r.d += fp * a.d;
		r.m += fabs(fp) * a.m;
	}
	if (b.dep) {
		fp = r.v * log(a.v);
		r.d += fp * b.d;
		r.m += fabs(fp) * b.m;
	}
	return r;
}

static Dual
dual(DualCtx *C, const Expr *e)
{
	Dual r, a, b;
	int s;

	if (C->done[e->id])
		return C->memo[e->id];
	switch (e->kind) {
	case EX_NUM:
		r = cst(e->num);
		break;
	case EX_PARAM:
	case EX_SYM:
		s = e->kind == EX_PARAM ? e->index : NPAR + e->index;
		r = mk(e->kind == EX_PARAM ? C->par[e->index] : C->sy[e->index],
		       C->seed == s, C->seed == s, C->seed == s);
		break;
	case EX_ADD:
		a = dual(C, e->a);
		b = dual(C, e->b);
		r = mk(a.v + b.v, a.d + b.d, a.m + b.m, a.dep || b.dep);
		break;
	case EX_MUL:
		r = dual_mul(C, e);
		break;
	case EX_POW:
		r = dual_pow(C, e);
		break;
	case EX_FN:
		r = dual_fn(C, e);
		break;
	case EX_CMP:
		a = dual(C, e->a);
		b = dual(C, e->b);
		switch ((Cmp)e->op) {
		case CMP_LT: r = cst(a.v < b.v); kink(C, a.v - b.v); break;
		case CMP_LE: r = cst(a.v <= b.v); kink(C, a.v - b.v); break;
		case CMP_EQ: r = cst(a.v == b.v); kink(C, a.v - b.v); break;
		case CMP_NE: r = cst(a.v != b.v); kink(C, a.v - b.v); break;
		case CMP_AND: r = cst(a.v != 0 && b.v != 0); kink(C, a.v); kink(C, b.v); break;
		default: r = cst(a.v != 0 || b.v != 0); kink(C, a.v); kink(C, b.v); break;
		}
		break;
	case EX_SELECT:
		a = dual(C, e->a);
		kink(C, a.v);
		r = a.v != 0 ? dual(C, e->b) : dual(C, e->c);
		break;
	default:
		abort();
	}
	if (fabs(r.v) > C->big)
		C->big = fabs(r.v);
	C->memo[e->id] = r;
	C->done[e->id] = 1;
	return r;
}

static Dual
dual_eval(const Expr *e, const double *par, const double *sy, int seed, double *kinkdist,
          double *big)
{
	DualCtx C;
	Dual r;

	C.par = par;
	C.sy = sy;
	C.seed = seed;
	C.memo = malloc((e->id + 1) * sizeof *C.memo);
	C.done = calloc(e->id + 1, 1);
	C.kink = HUGE_VAL;
	C.big = 0;
	if (!C.memo || !C.done)
		abort();
	r = dual(&C, e);
	free(C.memo);
	free(C.done);
	if (kinkdist)
		*kinkdist = C.kink;
	if (big)
		*big = C.big;
	return r;
}

/* ---- random expressions ---- */

static unsigned long long rng = 0x2545f4914f6cdd1dull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11) % n;
}

static double
urand(void)
{
	return (double)rnd(1u << 30) / (double)(1u << 30);
}

static Expr *pick[32];
static int npick;

/* As expr_test.c's generator, with every builder and function, but no
 * huge constants: the derivatives are compared, not the overflows. */
static Expr *
gen(ExprPool *p, int depth)
{
	static const double nums[] = { 0, 1, -1, 2, 0.5, 3, -2.5, 0.1, 7 };
	static const Sym syms[] = { SYM_K, SYM_HX, SYM_T, SYM_X, SYM_X, SYM_Y };
	static const double pw[] = { 2, 3, -1, -2, 0.5, 1.5, -0.5, 4 };
	Expr *a, *b;

	if (depth == 0 || rnd(10) < 2) {
		if (npick && rnd(3) == 0)
			return pick[rnd((unsigned)npick)];
		switch (rnd(3)) {
		case 0: return ex_param(p, (int)rnd(NPAR));
		case 1: return ex_sym(p, syms[rnd(6)]);
		default: return ex_num(p, nums[rnd(sizeof nums / sizeof nums[0])]);
		}
	}
	a = gen(p, depth - 1);
	switch (rnd(17)) {
	case 0: case 1: return ex_add(p, a, gen(p, depth - 1));
	case 2: case 3: return ex_sub(p, a, gen(p, depth - 1));
	case 4: case 5: return ex_mul(p, a, gen(p, depth - 1));
	case 6: case 7: return ex_div(p, a, gen(p, depth - 1));
	case 8: return ex_neg(p, a);
	case 9: return ex_pow(p, a, ex_num(p, pw[rnd(sizeof pw / sizeof pw[0])]));
	case 10: return ex_pow(p, a, rnd(2) ? ex_param(p, (int)rnd(NPAR)) : gen(p, depth - 1));
	case 11: case 12: return ex_fn(p, (Fn)rnd(FN_MIN), a, NULL);
	case 13: return ex_fn(p, rnd(2) ? FN_MIN : FN_MAX, a, gen(p, depth - 1));
	case 14:
		b = gen(p, depth - 1);
		switch (rnd(8)) {
		case 6: return ex_mul(p, ex_cmp(p, CMP_LT, b, a), gen(p, depth - 1));
		case 7: return ex_not(p, a);
		default: return ex_cmp(p, (Cmp)rnd(6), a, b);
		}
	case 15: return ex_select(p, a, gen(p, depth - 1), gen(p, depth - 1));
	default: return ex_mul(p, ex_add(p, a, ex_num(p, 1)), ex_sub(p, a, ex_num(p, 1)));
	}
}

static void
gen_point(double *par, double *sy)
{
	int i;

	for (i = 0; i < NPAR + NSYM; i++) {
		double v = 0.2 + 1.8 * urand();
		if (rnd(6) == 0)
			v = -v;
		if (i < NPAR)
			par[i] = v;
		else
			sy[i - NPAR] = v;
	}
}

/* Does param i occur below e through a path derivatives flow along? */
static int
occurs(const Expr *e, int i)
{
	if (!(e->deps & DEP_PARAM))
		return 0;
	switch (e->kind) {
	case EX_PARAM: return e->index == i;
	case EX_CMP: return 0;
	case EX_FN:
		if (e->op == FN_STEP)
			return 0;
		return occurs(e->a, i) || (e->b && occurs(e->b, i));
	case EX_SELECT: return occurs(e->b, i) || occurs(e->c, i);
	default: return (e->a && occurs(e->a, i)) || (e->b && occurs(e->b, i));
	}
}

/* f with variable `var` (param or NPAR + symbol) moved by dx */
static double
shifted(const Expr *e, double *par, double *sy, int var, double dx)
{
	double *x = var < NPAR ? &par[var] : &sy[var - NPAR], x0 = *x, f;

	*x = x0 + dx;
	f = ex_eval(e, par, sy);
	*x = x0;
	return f;
}

enum { NEXPR = 300, NPOINT = 4 };

static void
test_random(void)
{
	ExprPool *p = expr_pool_new();
	double par[NPAR], sy[NSYM];
	int i, j, v, ndual = 0, nfd = 0, nzero = 0, bad = 0, nontriv = 0;

	if (getenv("DIFF_TEST_SEED"))
		rng ^= strtoull(getenv("DIFF_TEST_SEED"), NULL, 0) * 0x9e3779b97f4a7c15ull;
	npick = 0;
	for (i = 0; i < 16; i++) {
		Expr *e = gen(p, 2);
		if (e->kind != EX_NUM && e->kind != EX_PARAM && e->kind != EX_SYM)
			pick[npick++] = e;
	}
	for (i = 0; i < NEXPR; i++) {
		Expr *e = gen(p, 4), *d[NPAR + 1];
		int checked = 0;

		diff_params(p, e, NPAR, d);
		d[NPAR] = diff_sym(p, e, SYM_X);
		/* independent: exactly the number 0, by structure */
		for (v = 0; v < NPAR; v++)
			if (!occurs(e, v)) {
				CHECK(ex_is_num(d[v], 0));
				nzero++;
			}
		for (j = 0; j < NPOINT; j++) {
			gen_point(par, sy);
			for (v = 0; v <= NPAR; v++) {
				int var = v < NPAR ? v : NPAR + SYM_X;
				double kd, big, got, f, h, fd1, fd2, noise;
				Dual r = dual_eval(e, par, sy, var, &kd, &big);

				if (!isfinite(r.v) || !isfinite(r.d) || !isfinite(r.m))
					continue;
				got = ex_eval(d[v], par, sy);
				CHECK(ex_eval(e, par, sy) == r.v || (isnan(r.v)));
				/* exact to rounding: relative 1e-12 of the scale of the
				 * terms making up the derivative */
				if (!(fabs(got - r.d) <= 1e-12 * r.m + 1e-300)) {
					if (bad++ < 8) {
						Buf b = {0}, bd = {0};
						ex_print_math(&b, e, NULL);
						ex_print_math(&bd, d[v], NULL);
						fprintf(stderr, "  var %d: symbolic %.17g, dual %.17g (scale %g)\n"
						        "    e = %s\n    d = %s\n", var, got, r.d, r.m, b.s, bd.s);
						buf_free(&b);
						buf_free(&bd);
					}
				}
				ndual++;
				checked |= r.m != 0;
				/* central differences at smooth points, away from kinks,
				 * where rounding does not swamp the differences: no
				 * huge intermediate values, f close to linear over the
				 * step, and the same answer with twice the step */
				f = r.v;
				h = 1e-5 * fmax(1, fabs(var < NPAR ? par[var] : sy[var - NPAR]));
				noise = 1e-15 * fmax(fabs(f), 1) / h;
				if (kd < 1e-3 || big > 1e6 || r.m * h > 1e-2 * fmax(fabs(f), 1))
					continue;
				fd1 = (shifted(e, par, sy, var, h) - shifted(e, par, sy, var, -h)) / (2 * h);
				fd2 = (shifted(e, par, sy, var, 2 * h) - shifted(e, par, sy, var, -2 * h)) / (4 * h);
				if (!isfinite(fd1) || !isfinite(fd2)
				    || fabs(fd1 - fd2) > 1e-7 * fabs(fd1) + 10 * noise)
					continue;
				if (!(fabs(fd1 - got) <= 1e-6 * fabs(got) + 10 * noise)) {
					if (bad++ < 8) {
						Buf b = {0};
						ex_print_math(&b, e, NULL);
						fprintf(stderr, "  var %d: symbolic %.17g, finite differences %.17g\n"
						        "    e = %s\n", var, got, fd1, b.s);
						buf_free(&b);
					}
				}
				nfd++;
			}
		}
		nontriv += checked;
	}
	CHECK(bad == 0);
	/* the comparisons must not be vacuous */
	CHECK(nontriv > NEXPR * 2 / 5);
	CHECK(ndual > NEXPR * NPOINT);
	CHECK(nfd > NEXPR * NPOINT / 2);
	CHECK(nzero > 50);
	if (getenv("DIFF_TEST_VERBOSE"))
		fprintf(stderr, "  %d exprs with a nonzero derivative, %d dual, %d fd, %d zero\n",
		        nontriv, ndual, nfd, nzero);
	npick = 0;
	expr_pool_free(p);
	report("diff_random");
}

/* ---- size ---- */

static int
count(const Expr *e, unsigned char *seen)
{
	if (seen[e->id])
		return 0;
	seen[e->id] = 1;
	return 1 + (e->a ? count(e->a, seen) : 0) + (e->b ? count(e->b, seen) : 0)
	       + (e->c ? count(e->c, seen) : 0);
}

/* Nodes below roots[0..n) that are not below base. */
static int
new_nodes(const Expr *base, Expr **roots, int n)
{
	unsigned max = base->id;
	unsigned char *seen;
	int i, c = 0;

	for (i = 0; i < n; i++)
		if (roots[i]->id > max)
			max = roots[i]->id;
	seen = calloc(max + 1, 1);
	if (!seen)
		abort();
	count(base, seen);
	for (i = 0; i < n; i++)
		c += count(roots[i], seen);
	free(seen);
	return c;
}

static void
test_size(void)
{
	ExprPool *p = expr_pool_new();
	Expr *a = ex_param(p, 0), *b = ex_param(p, 1), *x = ex_sym(p, SYM_X);
	Expr *e = a, *d[NPAR];
	unsigned char *seen;
	int i, n, nd;
	double par[NPAR] = { 0.3, 0.9, 0.1 }, sy[NSYM] = { 0 };

	/* x[i+1] = sin(x[i]^2 * b + a): each level uses the previous one three
	 * times (e^2 is one node, b e^2 + a, sin), a forward substitution
	 * would double per level.  Reverse mode: linear. */
	for (i = 0; i < 200; i++)
		e = ex_fn(p, FN_SIN, ex_add(p, ex_mul(p, ex_powi(p, e, 2), b), ex_mul(p, e, a)), NULL);
	seen = calloc(e->id + 1, 1);
	n = count(e, seen);
	free(seen);
	diff_params(p, e, NPAR, d);
	nd = new_nodes(e, d, NPAR);
	CHECK(nd < 12 * n);
	if (getenv("DIFF_TEST_VERBOSE"))
		fprintf(stderr, "  chain: %d nodes, derivative %d new nodes\n", n, nd);
	sy[SYM_X] = 0.5;
	{
		Dual r = dual_eval(e, par, sy, 1, NULL, NULL);
		/* memoised: ex_eval would walk the 3^200 paths */
		double got = dual_eval(d[1], par, sy, -1, NULL, NULL).v;
		CHECK(isfinite(r.d) && fabs(got - r.d) <= 1e-12 * r.m);
		CHECK(ex_is_num(d[2], 0));
	}
	/* a wide DAG: a few hundred random shared nodes summed */
	npick = 0;
	for (i = 0; i < 24; i++) {
		Expr *t = gen(p, 2);
		if (t->kind != EX_NUM && t->kind != EX_PARAM && t->kind != EX_SYM)
			pick[npick++] = t;
	}
	e = ex_num(p, 0);
	for (i = 0; i < 60; i++)
		e = ex_add(p, e, ex_mul(p, gen(p, 3), x));
	npick = 0;
	seen = calloc(e->id + 1, 1);
	n = count(e, seen);
	free(seen);
	diff_params(p, e, NPAR, d);
	nd = new_nodes(e, d, NPAR);
	CHECK(n > 200);
	CHECK(nd < 12 * n);
	if (getenv("DIFF_TEST_VERBOSE"))
		fprintf(stderr, "  wide: %d nodes, gradient %d new nodes\n", n, nd);
	expr_pool_free(p);
	report("diff_size");
}

/* ---- diff_sym ---- */

static void
test_sym(void)
{
	ExprPool *p = expr_pool_new();
	Expr *a = ex_param(p, 0), *x = ex_sym(p, SYM_X), *t = ex_sym(p, SYM_T);
	Expr *s = ex_fn(p, FN_SIN, ex_mul(p, a, x), NULL), *e, *dx, *dt;
	double par[1] = { 3 }, sy[NSYM] = { 0 }, X = 0.4, T = 1.7, want;

	/* d/dx sin(a x) x^2 t = (a cos(a x) x^2 + 2 x sin(a x)) t */
	e = ex_mul(p, ex_mul(p, s, ex_powi(p, x, 2)), t);
	dx = diff_sym(p, e, SYM_X);
	dt = diff_sym(p, e, SYM_T);
	sy[SYM_X] = X, sy[SYM_T] = T;
	want = (3 * cos(3 * X) * X * X + 2 * X * sin(3 * X)) * T;
	CHECK(close_to(ex_eval(dx, par, sy), want, 1e-14));
	CHECK(dt == ex_mul(p, s, ex_powi(p, x, 2)));
	CHECK(ex_is_num(diff_sym(p, e, SYM_Y), 0));
	CHECK(ex_is_num(diff_sym(p, a, SYM_X), 0));
	CHECK(diff_sym(p, x, SYM_X) == ex_num(p, 1));
	/* a Gaussian pluck shape: d/dx exp(-(x - a)^2 / w) = -2 (x - a)/w e */
	{
		Expr *w = ex_num(p, 0.01);
		Expr *g = ex_fn(p, FN_EXP, ex_neg(p, ex_div(p, ex_powi(p, ex_sub(p, x, a), 2), w)), NULL);

		par[0] = 0.3;
		dx = diff_sym(p, g, SYM_X);
		want = -2 * (X - 0.3) / 0.01 * exp(-(X - 0.3) * (X - 0.3) / 0.01);
		CHECK(close_to(ex_eval(dx, par, sy), want, 1e-13));
		/* by the param: minus the derivative by x */
		CHECK(close_to(ex_eval(d1(p, g, 0), par, sy), -want, 1e-13));
	}
	expr_pool_free(p);
	report("diff_sym");
}

/* ---- the stiff lossy string ----
 * u.tt = g^2 u.xx - kap^2 u.xxxx - 2 s0 u.t + 2 s1 u.txx (NSS 7.3),
 * assembled as discretise.c does: each spatial term times k^2 on u[n], the
 * u.txx term times k on u[n] and -k on u[n-1] (backward difference), u.t
 * centred into den = 1 + s0 k, and every tap over den.  Then
 *   c[n][0]   = (2 - 2L - 6M - 4S) / den     L = g^2 k^2/h^2
 *   c[n][+-1] = (L + 4M + 2S) / den          M = kap^2 k^2/h^4
 *   c[n][+-2] = -M / den                     S = s1 k/h^2
 *   c[n-1][0] = (-(1 - s0 k) + 4S) / den
 *   c[n-1][+-1] = -2S / den                                        */
enum { G, KAP, S0, S1 };

static void
test_stiff_string(void)
{
	ExprPool *p = expr_pool_new();
	Expr *g = ex_param(p, G), *kap = ex_param(p, KAP), *s0 = ex_param(p, S0);
	Expr *s1 = ex_param(p, S1), *k = ex_sym(p, SYM_K), *h = ex_sym(p, SYM_HX);
	Expr *k2 = ex_powi(p, k, 2), *one = ex_num(p, 1);
	static const double wxx[5] = { 0, 1, -2, 1, 0 }, wx4[5] = { 1, -4, 6, -4, 1 };
	Expr *tap[2][5], *den, *ct, *cxx, *cx4, *ctxx, *d[2][5][4], *dm[10 * 4], *roots[10];
	double par[4] = { 2 * 220.0, 1.2, 1.3, 0.004 }, sy[NSYM] = { 0 };
	double kk = 1 / 44100.0, hh = 0.012, L, M, S, D, want[2][5][4];
	int i, j, lv, dx;

	/* the coefficients of u.xx, u.xxxx and u.txx, and of u.t (-2 s0) */
	cxx = ex_powi(p, g, 2);
	cx4 = ex_neg(p, ex_powi(p, kap, 2));
	ctxx = ex_mul(p, ex_num(p, 2), s1);
	ct = ex_mul(p, ex_num(p, -2), s0);
	for (i = 0; i < 5; i++) {
		tap[0][i] = tap[1][i] = ex_num(p, 0);
		tap[0][i] = ex_add(p, tap[0][i], ex_mul(p, ex_mul(p, cxx, k2),
		                   ex_div(p, ex_num(p, wxx[i]), ex_powi(p, h, 2))));
		tap[0][i] = ex_add(p, tap[0][i], ex_mul(p, ex_mul(p, cx4, k2),
		                   ex_div(p, ex_num(p, wx4[i]), ex_powi(p, h, 4))));
		tap[0][i] = ex_add(p, tap[0][i], ex_mul(p, ex_mul(p, ctxx, k),
		                   ex_div(p, ex_num(p, wxx[i]), ex_powi(p, h, 2))));
		tap[1][i] = ex_add(p, tap[1][i], ex_mul(p, ex_neg(p, ex_mul(p, ctxx, k)),
		                   ex_div(p, ex_num(p, wxx[i]), ex_powi(p, h, 2))));
	}
	tap[0][2] = ex_add(p, tap[0][2], ex_num(p, 2));
	tap[1][2] = ex_add(p, tap[1][2],
	                   ex_sub(p, ex_num(p, -1), ex_mul(p, ex_mul(p, ct, k), ex_num(p, 0.5))));
	den = ex_sub(p, one, ex_mul(p, ex_mul(p, ct, k), ex_num(p, 0.5)));
	CHECK(den == ex_add(p, one, ex_mul(p, s0, k)));
	for (lv = 0; lv < 2; lv++)
		for (i = 0; i < 5; i++) {
			tap[lv][i] = ex_div(p, tap[lv][i], den);
			diff_params(p, tap[lv][i], 4, d[lv][i]);
		}

	/* by hand */
	L = par[G] * par[G] * kk * kk / (hh * hh);
	M = par[KAP] * par[KAP] * kk * kk / pow(hh, 4);
	S = par[S1] * kk / (hh * hh);
	D = 1 + par[S0] * kk;
	{
		/* numerators and their derivatives by g, kap, s1 (s0 only in den
		 * for level 0; level 1's centre has +s0 k on top too) */
		double num[2][5], dn[2][5][4];
		double dL = 2 * L / par[G], dM = 2 * M / par[KAP], dS = kk / (hh * hh);

		memset(dn, 0, sizeof dn);
		num[0][2] = 2 - 2 * L - 6 * M - 4 * S;
		dn[0][2][G] = -2 * dL, dn[0][2][KAP] = -6 * dM, dn[0][2][S1] = -4 * dS;
		num[0][1] = num[0][3] = L + 4 * M + 2 * S;
		dn[0][1][G] = dn[0][3][G] = dL;
		dn[0][1][KAP] = dn[0][3][KAP] = 4 * dM;
		dn[0][1][S1] = dn[0][3][S1] = 2 * dS;
		num[0][0] = num[0][4] = -M;
		dn[0][0][KAP] = dn[0][4][KAP] = -dM;
		num[1][2] = -(1 - par[S0] * kk) + 4 * S;
		dn[1][2][S0] = kk, dn[1][2][S1] = 4 * dS;
		num[1][1] = num[1][3] = -2 * S;
		dn[1][1][S1] = dn[1][3][S1] = -2 * dS;
		num[1][0] = num[1][4] = 0;
		for (lv = 0; lv < 2; lv++)
			for (i = 0; i < 5; i++)
				for (j = 0; j < 4; j++) {
					want[lv][i][j] = dn[lv][i][j] / D;
					if (j == S0)    /* quotient rule on 1/den */
						want[lv][i][j] -= num[lv][i] * kk / (D * D);
				}
	}
	sy[SYM_K] = kk, sy[SYM_HX] = hh;
	for (lv = 0; lv < 2; lv++)
		for (i = 0; i < 5; i++)
			for (j = 0; j < 4; j++) {
				double got = ex_eval(d[lv][i][j], par, sy), w = want[lv][i][j];
				int ok = w == 0 ? ex_is_num(d[lv][i][j], 0) : close_to(got, w, 1e-12);

				CHECK(ok);
				if (!ok)
					fprintf(stderr, "  d c[n-%d][%d] / d p%d = %.17g, by hand %.17g\n",
					        lv, i - 2, j, got, w);
			}
	/* symmetric taps are one node, so are their derivatives */
	for (j = 0; j < 4; j++) {
		CHECK(d[0][1][j] == d[0][3][j]);
		CHECK(d[0][0][j] == d[0][4][j]);
	}
	/* the same through diff_params_many, node for node */
	dx = 0;
	for (lv = 0; lv < 2; lv++)
		for (i = 0; i < 5; i++)
			roots[dx++] = tap[lv][i];
	diff_params_many(p, roots, 10, 4, dm);
	for (lv = 0; lv < 2; lv++)
		for (i = 0; i < 5; i++)
			for (j = 0; j < 4; j++)
				CHECK(dm[(lv * 5 + i) * 4 + j] == d[lv][i][j]);
	/* by s0 only den moves: d (N/den) = -k N/den^2 = -k c/den, one node */
	CHECK(d[0][1][S0] == ex_neg(p, ex_mul(p, k, ex_div(p, tap[0][1], den))));
	expr_pool_free(p);
	report("diff_stiff_string");
}

int
main(void)
{
	test_builder_powers();
	test_rules();
	test_select_guard();
	test_sym();
	test_stiff_string();
	test_random();
	test_size();
	return nfail ? 1 : 0;
}
