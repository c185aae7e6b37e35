/* expr_test.c — unit tests of the expression DAG (compiler/middle/expr.c).
 * Each check states its expectation beside it.  The round-trip tests
 * print random expressions as C, compile them with $CC (default cc) in a
 * mkdtemp directory, run them and compare with ex_eval. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

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

/* relative 1e-12; NaN == NaN; infinities must match exactly */
static int
near(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (a == b)
		return 1;
	if (isinf(a) || isinf(b))
		return 0;
	return fabs(a - b) <= 1e-12 * fmax(fabs(a), fabs(b));
}

static const char *const pnames[] = { "gam", "kap", "sig" };

static int
printed_is(const Expr *e, const char *want)
{
	Buf b = {0};
	int ok;

	ex_print_c(&b, e, pnames, NULL);
	ok = b.s && strcmp(b.s, want) == 0;
	if (!ok)
		fprintf(stderr, "  printed %s, want %s\n", b.s ? b.s : "", want);
	buf_free(&b);
	return ok;
}

static int
math_is(const Expr *e, const char *want)
{
	Buf b = {0};
	int ok;

	ex_print_math(&b, e, pnames);
	ok = b.s && strcmp(b.s, want) == 0;
	if (!ok)
		fprintf(stderr, "  math %s, want %s\n", b.s ? b.s : "", want);
	buf_free(&b);
	return ok;
}

static void
test_hashcons(void)
{
	ExprPool *p = expr_pool_new();
	Expr *a = ex_param(p, 0), *b = ex_param(p, 1), *c = ex_sym(p, SYM_X);
	Expr *z = ex_num(p, -0.0), *n1 = ex_num(p, NAN), *n2 = ex_num(p, NAN);

	CHECK(ex_num(p, 1.5) == ex_num(p, 1.5));
	CHECK(ex_num(p, 1.5) != ex_num(p, 2.5));
	CHECK(z == ex_num(p, 0.0) && !signbit(z->num));
	CHECK(n1 == n2 && isnan(n1->num));
	CHECK(ex_param(p, 0) == a && a != b);
	CHECK(ex_sym(p, SYM_X) == c && c != ex_sym(p, SYM_Y));
	CHECK(ex_add(p, a, b) == ex_add(p, b, a));
	CHECK(ex_mul(p, a, b) == ex_mul(p, b, a));
	CHECK(ex_mul(p, ex_mul(p, a, b), c) == ex_mul(p, a, ex_mul(p, b, c)));
	CHECK(ex_mul(p, ex_mul(p, c, a), b) == ex_mul(p, a, ex_mul(p, b, c)));
	CHECK(ex_add(p, ex_add(p, a, b), c) == ex_add(p, a, ex_add(p, b, c)));
	CHECK(ex_add(p, ex_add(p, c, a), b) == ex_add(p, ex_add(p, b, c), a));
	CHECK(ex_fn(p, FN_MIN, a, c) == ex_fn(p, FN_MIN, c, a));
	CHECK(ex_cmp(p, CMP_EQ, a, c) == ex_cmp(p, CMP_EQ, c, a));
	CHECK(ex_cmp(p, CMP_OR, a, c) == ex_cmp(p, CMP_OR, c, a));
	CHECK(ex_cmp(p, CMP_LT, a, c) != ex_cmp(p, CMP_LT, c, a));
	CHECK(ex_fn(p, FN_SIN, a, NULL) == ex_fn(p, FN_SIN, a, NULL));
	CHECK(ex_fn(p, FN_SIN, a, NULL) != ex_fn(p, FN_COS, a, NULL));
	/* many nodes force the table to grow; identities must survive it */
	{
		Expr *s = ex_num(p, 0), *s2 = ex_num(p, 0);
		int i;

		for (i = 0; i < 3000; i++)
			s = ex_add(p, s, ex_mul(p, ex_num(p, i), ex_fn(p, FN_SIN, ex_num(p, i), NULL)));
		for (i = 0; i < 3000; i++)
			s2 = ex_add(p, s2, ex_mul(p, ex_num(p, i), ex_fn(p, FN_SIN, ex_num(p, i), NULL)));
		CHECK(s == s2 && s->kind == EX_NUM);
		CHECK(ex_mul(p, ex_mul(p, a, b), c) == ex_mul(p, a, ex_mul(p, b, c)));
	}
	expr_pool_free(p);
	report("hashcons");
}

static void
test_simplify(void)
{
	ExprPool *p = expr_pool_new();
	Expr *a = ex_param(p, 0), *b = ex_param(p, 1), *x = ex_sym(p, SYM_X);
	Expr *two = ex_num(p, 2), *e;

	/* 2a - a - a: like terms merge to nothing */
	CHECK(ex_is_num(ex_sub(p, ex_sub(p, ex_mul(p, two, a), a), a), 0));
	/* x/x == 1: assumes x != 0 and finite (documented in expr.c) */
	CHECK(ex_is_num(ex_div(p, a, a), 1));
	CHECK(ex_add(p, a, a) == ex_mul(p, two, a));
	CHECK(ex_add(p, ex_mul(p, two, a), ex_mul(p, ex_num(p, 3), a))
	      == ex_mul(p, ex_num(p, 5), a));
	CHECK(ex_mul(p, a, a) == ex_powi(p, a, 2));
	CHECK(ex_mul(p, ex_powi(p, a, 2), ex_powi(p, a, -1)) == a);
	CHECK(ex_div(p, ex_mul(p, a, b), b) == a);
	CHECK(ex_is_num(ex_mul(p, x, ex_num(p, 0)), 0));
	/* x*0 -> 0 even for x = inf: accepted and documented */
	CHECK(ex_is_num(ex_mul(p, ex_fn(p, FN_LOG, x, NULL), ex_num(p, 0)), 0));
	CHECK(ex_add(p, x, ex_num(p, 0)) == x);
	CHECK(ex_mul(p, ex_num(p, 1), x) == x);
	CHECK(ex_powi(p, x, 1) == x);
	CHECK(ex_is_num(ex_powi(p, x, 0), 1));
	CHECK(ex_is_num(ex_pow(p, ex_num(p, 1), x), 1));
	CHECK(ex_neg(p, ex_neg(p, x)) == x);
	CHECK(ex_sub(p, a, b) == ex_neg(p, ex_sub(p, b, a)));
	CHECK(ex_is_num(ex_sub(p, ex_add(p, a, b), ex_add(p, a, b)), 0));
	CHECK(ex_is_num(ex_sub(p, ex_mul(p, two, ex_add(p, a, b)),
	                       ex_add(p, ex_mul(p, two, a), ex_mul(p, two, b))), 0));
	CHECK(ex_powi(p, ex_powi(p, x, 2), 3) == ex_powi(p, x, 6));
	e = ex_powi(p, ex_mul(p, two, x), 2);
	CHECK(e == ex_mul(p, ex_num(p, 4), ex_powi(p, x, 2)));
	CHECK(e->kind == EX_MUL && ex_is_num(e->a, 4));
	CHECK(ex_powi(p, ex_mul(p, a, b), -1)
	      == ex_mul(p, ex_powi(p, a, -1), ex_powi(p, b, -1)));
	CHECK(ex_pow(p, x, ex_num(p, 3)) == ex_powi(p, x, 3));
	/* sqrt(x)^2 keeps the sign information; exp(log x) is not x */
	e = ex_powi(p, ex_fn(p, FN_SQRT, x, NULL), 2);
	CHECK(e->kind == EX_POW && e->a->kind == EX_FN && e->a->op == FN_SQRT);
	e = ex_fn(p, FN_EXP, ex_fn(p, FN_LOG, x, NULL), NULL);
	CHECK(e->kind == EX_FN && e->op == FN_EXP);
	/* (x^a)^b -> x^(ab) only for integer b */
	CHECK(ex_powi(p, ex_pow(p, x, ex_num(p, 0.5)), 2) == x);
	e = ex_pow(p, ex_powi(p, x, 2), ex_num(p, 0.5));
	CHECK(e->kind == EX_POW && e->a == ex_powi(p, x, 2));
	CHECK(ex_powi(p, ex_pow(p, x, a), 2) == ex_pow(p, x, ex_mul(p, two, a)));
	/* x^0.5 * x^0.5 is (x^0.5)^2 = x by the same rule */
	CHECK(ex_mul(p, ex_pow(p, x, ex_num(p, 0.5)), ex_pow(p, x, ex_num(p, 0.5))) == x);
	/* a numeric coefficient is distributed over a sum */
	CHECK(ex_neg(p, ex_add(p, a, b)) == ex_add(p, ex_neg(p, a), ex_neg(p, b)));
	CHECK(ex_not(p, x) == ex_cmp(p, CMP_EQ, ex_num(p, 0), x));
	CHECK(ex_select(p, x, a, a) == a);
	CHECK(ex_cmp(p, CMP_AND, x, ex_num(p, 0)) == ex_num(p, 0));
	CHECK(ex_cmp(p, CMP_OR, ex_num(p, 2), x) == ex_num(p, 1));
	{
		/* x^a * x^a * y^-2 merges the x powers and keeps y's exponent
		 * (a rebuild once dropped the other factors' exponents) */
		Expr *y = ex_sym(p, SYM_Y), *xa = ex_pow(p, x, a);
		Expr *e = ex_mul(p, xa, ex_mul(p, xa, ex_powi(p, y, -2)));
		double par[3] = {1.3, 0.7, 0}, sym[NSYM] = {0};
		sym[SYM_X] = 1.9;
		sym[SYM_Y] = 2.5;
		CHECK(near(ex_eval(e, par, sym), pow(1.9, 2 * 1.3) / (2.5 * 2.5)));
	}
	expr_pool_free(p);
	report("simplify");
}

static void
test_fold(void)
{
	ExprPool *p = expr_pool_new();
	static const double v[] = { -3.5, -1, -0.25, 0, 0.3, 1, 2.75, 40, -800 };
	static const Fn un[] = { FN_SIN, FN_COS, FN_TAN, FN_EXP, FN_LOG, FN_SQRT,
	                         FN_ABS, FN_TANH, FN_SIGMOID, FN_SOFTPLUS, FN_STEP };
	size_t i, j, f;
	double x, y, want = 0;
	Expr *e;

	for (f = 0; f < sizeof un / sizeof un[0]; f++)
		for (i = 0; i < sizeof v / sizeof v[0]; i++) {
			x = v[i];
			switch (un[f]) {
			case FN_SIN: want = sin(x); break;
			case FN_COS: want = cos(x); break;
			case FN_TAN: want = tan(x); break;
			case FN_EXP: want = exp(x); break;
			case FN_LOG: want = log(x); break;
			case FN_SQRT: want = sqrt(x); break;
			case FN_ABS: want = fabs(x); break;
			case FN_TANH: want = tanh(x); break;
			case FN_SIGMOID: want = 1 / (1 + exp(-x)); break;
			/* log(1+e^x), checked against the naive formula where it
			 * does not overflow and against x + log1p(e^-x) where it does */
			case FN_SOFTPLUS: want = x > 30 ? x + log1p(exp(-x)) : log1p(exp(x)); break;
			case FN_STEP: want = x >= 0; break;
			default: break;
			}
			e = ex_fn(p, un[f], ex_num(p, x), NULL);
			CHECK(e->kind == EX_NUM && near(e->num, want));
			if (e->kind != EX_NUM || !near(e->num, want))
				fprintf(stderr, "  fn %d(%g) = %.17g, want %.17g\n",
				        (int)un[f], x, e->num, want);
		}
	/* softplus stays finite where exp overflows, step(-0) = 1 */
	CHECK(ex_is_num(ex_fn(p, FN_SOFTPLUS, ex_num(p, 1000), NULL), 1000));
	CHECK(ex_fn(p, FN_SOFTPLUS, ex_num(p, -1000), NULL)->num == 0);
	CHECK(ex_is_num(ex_fn(p, FN_SOFTPLUS, ex_num(p, 0), NULL), log(2.0)));
	CHECK(ex_is_num(ex_fn(p, FN_STEP, ex_num(p, -1e-300), NULL), 0));
	CHECK(ex_is_num(ex_fn(p, FN_STEP, ex_num(p, -0.0), NULL), 1));
	CHECK(ex_is_num(ex_fn(p, FN_LOG, ex_num(p, 0), NULL), -HUGE_VAL));
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		for (j = 0; j < sizeof v / sizeof v[0]; j++) {
			Expr *a = ex_num(p, v[i]), *b = ex_num(p, v[j]);

			x = v[i], y = v[j];
			CHECK(ex_is_num(ex_fn(p, FN_MIN, a, b), fmin(x, y)));
			CHECK(ex_is_num(ex_fn(p, FN_MAX, a, b), fmax(x, y)));
			CHECK(ex_is_num(ex_cmp(p, CMP_LT, a, b), x < y));
			CHECK(ex_is_num(ex_cmp(p, CMP_LE, a, b), x <= y));
			CHECK(ex_is_num(ex_cmp(p, CMP_EQ, a, b), x == y));
			CHECK(ex_is_num(ex_cmp(p, CMP_NE, a, b), x != y));
			CHECK(ex_is_num(ex_cmp(p, CMP_AND, a, b), x != 0 && y != 0));
			CHECK(ex_is_num(ex_cmp(p, CMP_OR, a, b), x != 0 || y != 0));
			CHECK(ex_is_num(ex_add(p, a, b), x + y));
			CHECK(ex_is_num(ex_sub(p, a, b), x - y));
			CHECK(ex_is_num(ex_mul(p, a, b), x * y));
			CHECK(near(ex_pow(p, a, b)->num, pow(x, y)));
			CHECK(ex_select(p, a, b, ex_sym(p, SYM_T)) == (x != 0 ? b : ex_sym(p, SYM_T)));
		}
	CHECK(ex_is_num(ex_not(p, ex_num(p, 0)), 1));
	CHECK(ex_is_num(ex_not(p, ex_num(p, 3)), 0));
	CHECK(ex_select(p, ex_num(p, NAN), ex_sym(p, SYM_X), ex_sym(p, SYM_Y)) == ex_sym(p, SYM_X));
	CHECK(ex_is_num(ex_pow(p, ex_num(p, 2), ex_num(p, 10)), 1024));
	CHECK(ex_is_num(ex_pow(p, ex_num(p, 2), ex_num(p, 0.5)), sqrt(2.0)));
	CHECK(ex_is_num(ex_powi(p, ex_num(p, 4), -1), 0.25));
	CHECK(ex_is_num(ex_div(p, ex_num(p, 1), ex_num(p, 0)), HUGE_VAL));
	/* numbers fold as IEEE does; only a non-number times 0 is 0 */
	CHECK(isnan(ex_mul(p, ex_num(p, HUGE_VAL), ex_num(p, 0))->num));
	CHECK(isnan(ex_mul(p, ex_num(p, 0), ex_num(p, NAN))->num));
	CHECK(isnan(ex_div(p, ex_num(p, 0), ex_num(p, 0))->num));
	CHECK(ex_is_num(ex_mul(p, ex_sym(p, SYM_X), ex_num(p, 0)), 0));
	CHECK(isnan(ex_add(p, ex_num(p, HUGE_VAL), ex_num(p, -HUGE_VAL))->num));
	expr_pool_free(p);
	report("fold");
}

/* The stiff lossy string, Bilbao (Numerical Sound Synthesis, 7.3):
 * u[l+-1] carries (g^2 k^2/h^2 + 4 kap^2 k^2/h^4 + 2 s1 k/h^2) / (1 + s0 k).
 * The discretiser assembles it from pieces in whatever order the stencil
 * walk meets them; both neighbours must get one node. */
static void
test_symmetric(void)
{
	ExprPool *p = expr_pool_new();
	Expr *g = ex_param(p, 0), *kap = ex_param(p, 1), *s0 = ex_param(p, 2);
	Expr *s1 = ex_param(p, 3), *k = ex_sym(p, SYM_K), *h = ex_sym(p, SYM_HX);
	Expr *one = ex_num(p, 1), *two = ex_num(p, 2), *four = ex_num(p, 4);
	Expr *den, *left, *right, *t1, *t2, *t3, *c0a, *c0b;
	double par[4] = { 150, 1.5, 0.8, 0.002 }, sy[NSYM] = { 1 / 44100.0, 0.01 };
	double kk = sy[0], hh = sy[1], want;

	/* left neighbour: every term over the damping denominator */
	den = ex_add(p, one, ex_mul(p, s0, k));
	t1 = ex_div(p, ex_mul(p, ex_powi(p, g, 2), ex_powi(p, k, 2)), ex_powi(p, h, 2));
	t2 = ex_div(p, ex_mul(p, four, ex_mul(p, ex_powi(p, kap, 2), ex_powi(p, k, 2))),
	            ex_powi(p, h, 4));
	t3 = ex_div(p, ex_mul(p, two, ex_mul(p, s1, k)), ex_powi(p, h, 2));
	left = ex_div(p, ex_add(p, ex_add(p, t1, t2), t3), den);
	/* right neighbour: other grouping, other operand order, powers
	 * written as products and quotients of quotients */
	t1 = ex_mul(p, ex_powi(p, ex_div(p, ex_mul(p, k, g), h), 2), one);
	t2 = ex_mul(p, ex_div(p, ex_mul(p, kap, kap), ex_mul(p, ex_powi(p, h, 2), ex_powi(p, h, 2))),
	            ex_mul(p, ex_mul(p, k, four), k));
	t3 = ex_div(p, ex_div(p, ex_mul(p, ex_mul(p, k, s1), two), h), h);
	right = ex_mul(p, ex_add(p, t3, ex_add(p, t2, t1)),
	               ex_powi(p, ex_add(p, ex_mul(p, k, s0), one), -1));
	CHECK(left == right);
	want = (par[0] * par[0] * kk * kk / (hh * hh) + 4 * par[1] * par[1] * kk * kk / pow(hh, 4)
	        + 2 * par[3] * kk / (hh * hh)) / (1 + par[2] * kk);
	CHECK(near(ex_eval(left, par, sy), want) || fabs(ex_eval(left, par, sy) - want) < 1e-11 * want);
	/* centre: 2 - 2 g^2 k^2/h^2 from two half stencils built differently */
	c0a = ex_sub(p, two, ex_mul(p, two, ex_div(p, ex_mul(p, ex_powi(p, g, 2), ex_powi(p, k, 2)),
	                                          ex_powi(p, h, 2))));
	c0b = ex_add(p, ex_sub(p, one, ex_powi(p, ex_div(p, ex_mul(p, g, k), h), 2)),
	             ex_sub(p, one, ex_mul(p, ex_powi(p, k, 2), ex_div(p, ex_powi(p, g, 2), ex_powi(p, h, 2)))));
	CHECK(c0a == c0b);
	/* stencils [1 -2 1] and [1 -4 6 -4 1] summed: the u[l-2] and u[l+2]
	 * coefficients and the u[l-1], u[l+1] ones */
	{
		Expr *ka = ex_div(p, ex_powi(p, kap, 2), ex_powi(p, h, 4));
		Expr *ga = ex_div(p, ex_powi(p, g, 2), ex_powi(p, h, 2));
		Expr *m1 = ex_add(p, ga, ex_mul(p, four, ka));
		Expr *p1 = ex_sub(p, ex_mul(p, ga, one), ex_mul(p, ex_num(p, -4), ka));

		CHECK(m1 == p1);
		/* terms print in canonical order: ka was built first */
		CHECK(math_is(m1, "4*kap^2/hx^4 + gam^2/hx^2"));
	}
	CHECK(math_is(ex_div(p, ex_mul(p, ex_powi(p, g, 2), ex_powi(p, k, 2)), ex_powi(p, h, 2)),
	              "gam^2*k^2/hx^2"));
	expr_pool_free(p);
	report("symmetric");
}

static void
test_subst_deps(void)
{
	ExprPool *p = expr_pool_new();
	Expr *x = ex_sym(p, SYM_X), *y = ex_sym(p, SYM_Y), *t = ex_sym(p, SYM_T);
	Expr *k = ex_sym(p, SYM_K), *a = ex_param(p, 0), *e, *r, *sh;
	double par[1] = { 3 }, sy[NSYM] = { 0.5, 0, 0, 2, 0.25, 7 };

	CHECK(ex_num(p, 2)->deps == 0);
	CHECK(a->deps == DEP_PARAM);
	CHECK(x->deps == 1u << SYM_X);
	e = ex_add(p, ex_mul(p, x, t), a);
	CHECK(e->deps == ((1u << SYM_X) | (1u << SYM_T) | DEP_PARAM));
	CHECK(ex_fn(p, FN_SIN, ex_select(p, y, k, ex_num(p, 1)), NULL)->deps
	      == ((1u << SYM_Y) | (1u << SYM_K)));
	/* x^2 + t*k with x := 0.5 */
	e = ex_add(p, ex_powi(p, x, 2), ex_mul(p, t, k));
	r = ex_subst_sym(p, e, SYM_X, ex_num(p, 0.5));
	CHECK(!(r->deps & (1u << SYM_X)));
	CHECK(r == ex_add(p, ex_num(p, 0.25), ex_mul(p, k, t)));
	/* substitution re-simplifies: (x - y)[y := x] = 0 */
	CHECK(ex_is_num(ex_subst_sym(p, ex_sub(p, x, y), SYM_Y, x), 0));
	/* untouched expressions come back as they are */
	CHECK(ex_subst_sym(p, e, SYM_Y, a) == e);
	/* a shared subexpression, t := a*k (time as step count times k) */
	sh = ex_fn(p, FN_SIN, ex_mul(p, x, t), NULL);
	e = ex_add(p, ex_mul(p, sh, sh), ex_fn(p, FN_COS, sh, NULL));
	r = ex_subst_sym(p, e, SYM_T, ex_mul(p, a, k));
	CHECK(!(r->deps & (1u << SYM_T)) && (r->deps & DEP_PARAM));
	sy[SYM_T] = par[0] * sy[SYM_K];
	CHECK(near(ex_eval(r, par, sy), ex_eval(e, par, sy)));
	CHECK(near(ex_eval(e, par, sy), pow(sin(0.25 * 1.5), 2) + cos(sin(0.25 * 1.5))));
	expr_pool_free(p);
	report("subst_deps");
}

static void
test_print(void)
{
	ExprPool *p = expr_pool_new();
	Expr *g = ex_param(p, 0), *kp = ex_param(p, 1), *x = ex_sym(p, SYM_X);

	CHECK(printed_is(ex_num(p, 1), "1.0"));
	CHECK(printed_is(ex_num(p, -2), "(-2.0)"));
	CHECK(printed_is(ex_num(p, 0.1), "0.1"));
	CHECK(printed_is(ex_num(p, 1e300), "1e+300"));
	CHECK(printed_is(ex_num(p, HUGE_VAL), "HUGE_VAL"));
	CHECK(printed_is(ex_num(p, -HUGE_VAL), "(-HUGE_VAL)"));
	CHECK(printed_is(ex_num(p, NAN), "NAN"));
	CHECK(printed_is(ex_powi(p, g, 2), "(gam*gam)"));
	CHECK(printed_is(ex_powi(p, g, 3), "(gam*gam*gam)"));
	CHECK(printed_is(ex_powi(p, g, -1), "(1.0/gam)"));
	CHECK(printed_is(ex_powi(p, g, -2), "(1.0/(gam*gam))"));
	CHECK(printed_is(ex_pow(p, g, ex_num(p, 0.5)), "sqrt(gam)"));
	CHECK(printed_is(ex_pow(p, g, ex_num(p, 1.5)), "pow(gam, 1.5)"));
	CHECK(printed_is(ex_sub(p, g, kp), "(gam - kap)"));
	CHECK(printed_is(ex_neg(p, g), "(-gam)"));
	CHECK(printed_is(ex_div(p, g, kp), "(gam / kap)"));
	CHECK(printed_is(ex_sub(p, ex_num(p, 1), x), "(1.0 - x)"));
	CHECK(printed_is(ex_sub(p, x, ex_num(p, 1)), "(x - 1.0)"));
	CHECK(printed_is(ex_sub(p, g, ex_mul(p, ex_num(p, 3), kp)), "(gam - (3.0*kap))"));
	CHECK(printed_is(ex_fn(p, FN_STEP, x, NULL), "(x >= 0 ? 1.0 : 0.0)"));
	CHECK(printed_is(ex_fn(p, FN_ABS, x, NULL), "fabs(x)"));
	CHECK(printed_is(ex_fn(p, FN_MAX, g, x), "fmax(gam, x)"));
	CHECK(printed_is(ex_select(p, x, g, kp), "(x != 0 ? gam : kap)"));
	CHECK(printed_is(ex_cmp(p, CMP_LT, g, x), "((gam < x) ? 1.0 : 0.0)"));
	/* a product with a comparison is a gate: the other factor is not
	 * computed when the condition is false */
	CHECK(printed_is(ex_mul(p, ex_fn(p, FN_COS, kp, NULL), ex_cmp(p, CMP_LT, g, x)),
	                 "((gam < x) ? cos(kap) : 0.0)"));
	{
		Buf b = {0};
		Expr *p2 = ex_param(p, 2), *thy = ex_sym(p, SYM_THY);

		ex_print_c(&b, ex_add(p, p2, thy), NULL, NULL);
		CHECK(b.s && strcmp(b.s, "(p[2] + thy)") == 0);
		buf_free(&b);
	}
	CHECK(math_is(ex_sub(p, ex_num(p, 1), ex_div(p, x, g)), "-x/gam + 1"));
	CHECK(math_is(ex_powi(p, ex_add(p, g, x), 2), "(gam + x)^2"));
	expr_pool_free(p);
	report("print");
}

/* ---- round trip through a C compiler ---- */

static unsigned long long rng = 0x9e3779b97f4a7c15ull;

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

static Expr *pool_pick[32];
static int npick;

static Expr *
gen(ExprPool *p, int depth)
{
	static const double nums[] = { 0, 1, -1, 2, 0.5, 3, -2.5, 0.1, 1e-3, 7, 1e300 };
	static const Sym syms[] = { SYM_K, SYM_HX, SYM_T, SYM_X, SYM_Y };
	static const double pw[] = { 2, 3, -1, -2, 0.5, 1.5, -0.5, 4 };
	Expr *a, *b;

	if (depth == 0 || rnd(10) < 2) {
		if (npick && rnd(3) == 0)
			return pool_pick[rnd((unsigned)npick)];
		switch (rnd(3)) {
		case 0: return ex_param(p, (int)rnd(3));
		case 1: return ex_sym(p, syms[rnd(5)]);
		default: return ex_num(p, nums[rnd(sizeof nums / sizeof nums[0])]);
		}
	}
	a = gen(p, depth - 1);
	switch (rnd(16)) {
	case 0: case 1: return ex_add(p, a, gen(p, depth - 1));
	case 2: case 3: return ex_sub(p, a, gen(p, depth - 1));
	case 4: case 5: return ex_mul(p, a, gen(p, depth - 1));
	case 6: case 7: return ex_div(p, a, gen(p, depth - 1));
	case 8: return ex_neg(p, a);
	case 9: return ex_pow(p, a, ex_num(p, pw[rnd(sizeof pw / sizeof pw[0])]));
	case 10: return ex_pow(p, a, rnd(2) ? ex_param(p, (int)rnd(3)) : gen(p, depth - 1));
	case 11: return ex_fn(p, (Fn)rnd(FN_MIN), a, NULL);
	case 12: return ex_fn(p, rnd(2) ? FN_MIN : FN_MAX, a, gen(p, depth - 1));
	case 13:
		b = gen(p, depth - 1);
		switch (rnd(8)) {
		case 6: return ex_cmp(p, CMP_LT, b, a);   /* a > b */
		case 7: return ex_not(p, a);
		default: return ex_cmp(p, (Cmp)rnd(6), a, b);
		}
	case 14: return ex_select(p, a, gen(p, depth - 1), gen(p, depth - 1));
	default: return ex_mul(p, ex_add(p, a, ex_num(p, 1)), ex_sub(p, a, ex_num(p, 1)));
	}
}

enum { NIN = 8, NPAR = 3 };

static void
gen_inputs(double in[NIN][NPAR + NSYM])
{
	int i, j;

	for (i = 0; i < NIN; i++)
		for (j = 0; j < NPAR + NSYM; j++) {
			/* mostly positive and moderate, sometimes negative or 0 */
			in[i][j] = 0.1 + 1.9 * urand();
			if (rnd(8) == 0)
				in[i][j] = -in[i][j];
			if (rnd(40) == 0)
				in[i][j] = 0;
		}
}

/* Write prog.c computing the roots for each input, compile, run, and
 * compare each printed output (%a) with ex_eval. */
static int
run_program(const char *dir, const char *body, Expr **roots, int n,
            double in[NIN][NPAR + NSYM])
{
	char path[512], cmd[2048], line[128];
	const char *cc = getenv("CC");
	FILE *f;
	int i, j, bad = 0, finite = 0;

	snprintf(path, sizeof path, "%s/prog.c", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "#include <math.h>\n#include <stdio.h>\n\n"
	           "static void\nf(const double *p, const double *s, double *out)\n{\n"
	           "\tconst double gam = p[0], kap = p[1], sig = p[2];\n"
	           "\tconst double k = s[0], hx = s[1], hy = s[2], t = s[3], x = s[4], y = s[5], thx = s[6], thy = s[7];\n"
	           "\t(void)gam; (void)kap; (void)sig; (void)k; (void)hx; (void)hy;\n"
	           "\t(void)t; (void)x; (void)y; (void)thx; (void)thy;\n"
	           "%s}\n\n", body);
	fprintf(f, "static const double in[%d][%d] = {\n", NIN, NPAR + NSYM);
	for (i = 0; i < NIN; i++) {
		fprintf(f, "\t{");
		for (j = 0; j < NPAR + NSYM; j++)
			fprintf(f, "%a, ", in[i][j]);
		fprintf(f, "},\n");
	}
	fprintf(f, "};\n\nint\nmain(void)\n{\n\tstatic double out[%d];\n\tint i, j;\n\n"
	           "\tfor (i = 0; i < %d; i++) {\n\t\tf(in[i], in[i] + %d, out);\n"
	           "\t\tfor (j = 0; j < %d; j++)\n\t\t\tprintf(\"%%a\\n\", out[j]);\n\t}\n"
	           "\treturn 0;\n}\n", n, NIN, NPAR, n);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s -std=c99 -pedantic -Wall -Werror -O1 -o %s/prog %s -lm",
	         cc && *cc ? cc : "cc", dir, path);
	if (system(cmd) != 0) {
		fprintf(stderr, "  compiling %s failed\n", path);
		return -1;
	}
	snprintf(cmd, sizeof cmd, "%s/prog", dir);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	for (i = 0; i < NIN; i++)
		for (j = 0; j < n; j++) {
			double got, want = ex_eval(roots[j], in[i], in[i] + NPAR);

			if (!fgets(line, sizeof line, f)) {
				pclose(f);
				return -1;
			}
			got = strtod(line, NULL);
			finite += isfinite(want) && want != 0;
			if (!near(got, want)) {
				if (bad++ < 5) {
					Buf b = {0};
					ex_print_c(&b, roots[j], pnames, NULL);
					fprintf(stderr, "  root %d input %d: C %.17g, ex_eval %.17g\n  %s\n",
					        j, i, got, want, b.s);
					buf_free(&b);
				}
			}
		}
	if (pclose(f) != 0)
		return -1;
	/* mostly NaN, inf or 0 would make the comparison vacuous */
	if (finite < NIN * n / 2) {
		fprintf(stderr, "  only %d of %d outputs finite and nonzero\n", finite, NIN * n);
		return -1;
	}
	return bad;
}

enum { NROOT = 200 };

static void
test_roundtrip(const char *dir)
{
	ExprPool *p = expr_pool_new();
	static Expr *roots[NROOT];
	static double in[NIN][NPAR + NSYM];
	Buf body = {0};
	int i, nnum = 0, r;

	npick = 0;
	for (i = 0; i < NROOT; i++) {
		roots[i] = gen(p, 4);
		nnum += roots[i]->kind == EX_NUM;
		buf_printf(&body, "\tout[%d] = ", i);
		ex_print_c(&body, roots[i], pnames, NULL);
		buf_puts(&body, ";\n");
	}
	CHECK(nnum < NROOT / 2);   /* the generator must make real expressions */
	gen_inputs(in);
	r = run_program(dir, body.s, roots, NROOT, in);
	CHECK(r == 0);
	buf_free(&body);
	expr_pool_free(p);
	report("roundtrip_print_c");
}

static void
test_emitter(const char *dir)
{
	ExprPool *p = expr_pool_new();
	static Expr *roots[NROOT];
	static double in[NIN][NPAR + NSYM];
	ExprEmitter *em;
	Buf body = {0};
	int i, r, ntmp = 0;
	const char *s;

	/* a pool of shared subtrees that the roots pick leaves from */
	npick = 0;
	for (i = 0; i < 24; i++) {
		Expr *e = gen(p, 2);
		if (e->kind != EX_NUM && e->kind != EX_PARAM && e->kind != EX_SYM)
			pool_pick[npick++] = e;
	}
	em = ex_emitter_new(pnames, NULL, "t");
	for (i = 0; i < NROOT; i++) {
		roots[i] = i % 20 == 19 ? roots[i - 7] : gen(p, 4);
		CHECK(ex_emitter_add(em, roots[i]) == i);
	}
	ex_emitter_flush(em, &body, "\t");
	for (s = body.s; s && (s = strstr(s, "const double t")); s++)
		ntmp++;
	CHECK(ntmp > 10);          /* the picks are shared, so there must be temps */
	for (i = 0; i < NROOT; i++)
		buf_printf(&body, "\tout[%d] = %s;\n", i, ex_emitter_root(em, i));
	ex_emitter_free(em);
	gen_inputs(in);
	r = run_program(dir, body.s, roots, NROOT, in);
	CHECK(r == 0);
	buf_free(&body);
	npick = 0;
	expr_pool_free(p);
	report("roundtrip_emitter");
}

/* A root used twice and inside another root is defined once; a single
 * use of a negation or reciprocal prints inline. */
static void
test_emitter_shape(void)
{
	ExprPool *p = expr_pool_new();
	Expr *g = ex_param(p, 0), *x = ex_sym(p, SYM_X), *k = ex_sym(p, SYM_K);
	Expr *sh = ex_fn(p, FN_SIN, ex_mul(p, g, x), NULL);
	Expr *r1 = ex_sub(p, k, ex_div(p, ex_num(p, 2), sh));
	ExprEmitter *em = ex_emitter_new(pnames, NULL, "c");
	Buf b = {0};
	int i0, i1, i2, i3;

	i0 = ex_emitter_add(em, sh);
	i1 = ex_emitter_add(em, r1);
	i2 = ex_emitter_add(em, sh);
	i3 = ex_emitter_add(em, ex_neg(p, ex_powi(p, ex_add(p, g, k), 2)));
	ex_emitter_flush(em, &b, "  ");
	CHECK(b.s && strcmp(b.s, "  const double c0 = sin((gam*x));\n"
	                         "  const double c1 = (gam + k);\n") == 0);
	CHECK(strcmp(ex_emitter_root(em, i0), "c0") == 0);
	CHECK(strcmp(ex_emitter_root(em, i2), "c0") == 0);
	CHECK(strcmp(ex_emitter_root(em, i1), "(k - (2.0 / c0))") == 0);
	CHECK(strcmp(ex_emitter_root(em, i3), "(-(c1*c1))") == 0);
	ex_emitter_free(em);
	buf_free(&b);
	expr_pool_free(p);
	report("emitter_shape");
}

/* Uses are counted as the C text names them: x^2 names its base twice,
 * x*y^-1 names y's base and not y, and each adding of a root is a use;
 * the order puts operands first. */
static void
test_uses(void)
{
	ExprPool *p = expr_pool_new();
	Expr *g = ex_param(p, 0), *x = ex_sym(p, SYM_X);
	Expr *s = ex_add(p, g, x), *sq = ex_powi(p, s, 2);
	Expr *q = ex_div(p, g, ex_add(p, g, ex_num(p, 2)));
	ExprUses u = {0};
	int i, is = -1, isq = -1;

	ex_uses_add(&u, sq);
	CHECK(u.uses[s->id] == 2 && ex_uses_shared(&u, s));
	CHECK(u.uses[sq->id] == 1 && !ex_uses_shared(&u, sq));
	CHECK(!ex_uses_shared(&u, g));    /* a leaf is never a temporary */
	ex_uses_add(&u, q);
	CHECK(q->b->kind == EX_POW && u.uses[q->b->id] == 0);
	CHECK(u.uses[q->b->a->id] == 1);
	ex_uses_add(&u, sq);
	CHECK(u.uses[sq->id] == 2 && ex_uses_shared(&u, sq));
	for (i = 0; i < u.norder; i++) {
		if (u.order[i] == s)
			is = i;
		if (u.order[i] == sq)
			isq = i;
		CHECK(u.order[i] != q->b);
	}
	CHECK(u.norder == 7 && is >= 0 && is < isq);
	ex_uses_free(&u);
	expr_pool_free(p);
	report("uses");
}

int
main(void)
{
	char tmpl[] = "/tmp/expr_test.XXXXXX", cmd[256];
	char *dir;

	test_hashcons();
	test_simplify();
	test_fold();
	test_symmetric();
	test_subst_deps();
	test_print();
	test_uses();
	test_emitter_shape();
	dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	test_roundtrip(dir);
	test_emitter(dir);
	snprintf(cmd, sizeof cmd, getenv("EXPR_TEST_KEEP") ? "true %s" : "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return nfail ? 1 : 0;
}
