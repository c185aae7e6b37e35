/* index_test.c — the Model that sema leaves: kinds, dependency order,
 * folded values, boundary conditions, space order.  Run from the
 * repository root (the stiff string imports stdlib/loss.dpm):
 *
 *   cc -std=c11 -Icompiler -Icompiler/front -Icompiler/middle tests/diag/index_test.c compiler/front/lexer.c \
 *      compiler/front/parser.c compiler/front/ast.c compiler/front/sema.c compiler/front/sema_net.c compiler/front/sema_bc.c compiler/util.c -lm \
 *      -o index_test && ./index_test
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

static int failed;

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
	failed = 1; } } while (0)

static const char *const inc[] = { "stdlib" };

static Model *
load(Arena *a, const char *text, int want_ok)
{
	Diag d = {.out = want_ok ? stderr : NULL};
	FILE *null = NULL;
	Model *m;

	if (!want_ok) {
		null = fopen("/dev/null", "w");
		d.out = null;
	}
	m = model_load_string(a, &d, "test.dpm", text, inc, 1, NULL);
	if (null)
		fclose(null);
	CHECK(want_ok ? m != NULL && d.nerr == 0 : m == NULL && d.nerr > 0);
	return m;
}

static int
position(const Model *m, const char *name)
{
	int i;

	for (i = 0; i < m->norder; i++)
		if (strcmp(m->order[i]->name, name) == 0)
			return i;
	return -1;
}

/* every name a decl's value mentions that is itself a decl comes earlier */
static void
refs_before(const Model *m, const Ast *e, int at, const Decl *self)
{
	int i;

	if (!e)
		return;
	if ((e->kind == AX_NAME || e->kind == AX_CALL) && model_lookup(m, e->name)
	    && model_lookup(m, e->name)->kind != D_FIELD) {
		int arg = 0;
		for (i = 0; self && self->kind == D_FN && i < self->nargs; i++)
			arg |= strcmp(self->args[i], e->name) == 0;
		if (!arg) {
			CHECK(position(m, e->name) >= 0);
			CHECK(position(m, e->name) < at);
		}
	}
	refs_before(m, e->a, at, self);
	refs_before(m, e->b, at, self);
	for (i = 0; i < e->nargs; i++)
		refs_before(m, e->args[i], at, self);
}

static const char stiff[] =
	"model stiff_string\n"
	"import \"loss.dpm\"\n"
	"let sigma1 = t60_sigma1(gamma, kappa, T60lo, 100, T60hi, 2000)\n"
	"let sigma0 = t60_sigma0(gamma, kappa, T60lo, 100, T60hi, 2000)\n"
	"let kappa  = sqrt(B) * gamma / pi\n"
	"let gamma  = 2 * f0\n"
	"param f0    = 110  in [20, 2000] log\n"
	"param B     = 1e-4 in [0, 0.01]\n"
	"param T60lo = 6    in [0.05, 30] log\n"
	"param T60hi = 2    in [0.05, 30] log\n"
	"param xe    = 0.13 in [0.01, 0.99]\n"
	"param xo    = 0.77\n"
	"const L = 2 * 0.5\n"
	"rate 48000\n"
	"let F(t)   = 0.5 * (1 - cos(2 * pi * t / 0.001)) * (t < 0.001)\n"
	"domain x in [0, L] grid 80\n"
	"field u(x)\n"
	"pde u.tt = (gamma^2 * u.xx - kappa^2 * u.xxxx - 2 * sigma0 * u.t\n"
	"            + 2 * sigma1 * u.xxt + F(t) * delta(x - xe))\n"
	"boundary x = 0: simply_supported\n"
	"boundary x = L: clamped\n"
	"init u.t = 0\n"
	"output out = u(xo)\n"
	"output vel = u.t(0.5)\n";

static const char membrane[] =
	"model membrane\n"
	"const Ly = 0.4 * 2\n"
	"param c  = 200 in [10, 1000]\n"
	"param s0 = 1   in [0, 100]\n"
	"let F(t) = 0.5 * (1 - cos(2 * pi * t / 0.001)) * (t < 0.001)\n"
	"let T(x, y) = 1 + x * y\n"
	"domain x in [0, 1], y in [0, Ly]\n"
	"field u(x, y)\n"
	"pde u.tt = c^2 * T * lap(u) - 2 * s0 * u.t + F(t) * delta(x - 0.3, y - 0.4)\n"
	"boundary edges: fixed\n"
	"init u = x * (1 - x) * y * (Ly - y)\n"
	"output out = u(0.71, 0.23)\n";

int
main(void)
{
	Arena *a = arena_new();
	Model *m;
	int i;

	/* builtins */
	CHECK(builtin_arity("sin") == 1 && builtin_arity("step") == 1);
	CHECK(builtin_arity("max") == 2 && builtin_arity("pow") == 2);
	CHECK(builtin_arity("select") == 3 && builtin_arity("lap") == -1);
	CHECK(builtin_arity("gamma") == -1);

	m = load(a, stiff, 1);
	if (m) {
		CHECK(strcmp(m->name, "stiff_string") == 0);
		CHECK(m->ndim == 1 && m->space_order == 4);
		CHECK(m->nparams == 6 && m->noutputs == 2);
		CHECK(strcmp(m->params[0]->name, "f0") == 0 && m->params[0]->is_log);
		CHECK(strcmp(m->params[5]->name, "xo") == 0);
		CHECK(m->params[0]->num == 110 && m->params[0]->lo_num == 20
		      && m->params[0]->hi_num == 2000);
		CHECK(isinf(m->params[5]->lo_num) && m->params[5]->lo_num < 0);
		CHECK(isinf(m->params[5]->hi_num) && m->params[5]->hi_num > 0);
		CHECK(strcmp(m->outputs[0]->name, "out") == 0 && m->outputs[0]->lhs_letters[0] == 0);
		CHECK(strcmp(m->outputs[1]->name, "vel") == 0
		      && strcmp(m->outputs[1]->lhs_letters, "t") == 0);
		CHECK(m->rate && m->rate->num == 48000);
		CHECK(m->domain->from_num[0] == 0 && m->domain->to_num[0] == 1);
		CHECK(m->domain->grid_num[0] == 80);
		CHECK(m->bc[0][0] == BC_SS && m->bc[0][1] == BC_CLAMPED);
		CHECK(m->init_u == NULL && m->init_ut != NULL);
		CHECK(m->field && strcmp(m->field->name, "u") == 0);
		CHECK(m->pde && strcmp(m->pde->lhs_letters, "tt") == 0);
		CHECK(model_lookup(m, "L") && model_lookup(m, "L")->num == 1);
		CHECK(model_lookup(m, "L")->nkind == K_CONST);
		CHECK(model_lookup(m, "gamma")->nkind == K_SCALAR);
		CHECK(model_lookup(m, "F")->nkind == K_TIME);
		CHECK(model_lookup(m, "t60_sigma0")->nkind == K_FN);
		CHECK(model_lookup(m, "f0")->nkind == K_PARAM);
		CHECK(model_lookup(m, "u")->nkind == K_FIELD);
		CHECK(model_lookup(m, "nope") == NULL);
		/* the lets were written before what they use: order sorts them */
		CHECK(position(m, "gamma") < position(m, "kappa"));
		CHECK(position(m, "kappa") < position(m, "sigma1"));
		CHECK(position(m, "zeta") < position(m, "t60_sigma1"));
		CHECK(position(m, "u") == -1);
		for (i = 0; i < m->norder; i++) {
			CHECK(m->order[i]->kind == D_CONST || m->order[i]->kind == D_PARAM
			      || m->order[i]->kind == D_LET || m->order[i]->kind == D_FN);
			refs_before(m, m->order[i]->value, i, m->order[i]);
		}
	}

	m = load(a, membrane, 1);
	if (m) {
		CHECK(m->ndim == 2 && m->space_order == 2);
		CHECK(m->rate == NULL);
		CHECK(fabs(m->domain->to_num[1] - 0.8) < 1e-15);
		CHECK(m->domain->grid_num[0] == 0);
		CHECK(m->bc[0][0] == BC_FIXED && m->bc[0][1] == BC_FIXED);
		CHECK(m->bc[1][0] == BC_FIXED && m->bc[1][1] == BC_FIXED);
		CHECK(model_lookup(m, "T")->nkind == K_SPACE);
		CHECK(m->init_u != NULL && m->init_ut == NULL);
		CHECK(strcmp(m->domain->coord[1], "y") == 0);
	}

	/* space order: lap 2, bilap 4, u.xxyy 4, a first derivative 1 */
	m = load(a, "model p\ndomain x in [0, 1], y in [0, 1]\nfield u(x, y)\n"
	         "pde u.tt = -bilap(u) + lap(u.t)\nboundary edges: clamped\n", 1);
	CHECK(m && m->space_order == 4);
	m = load(a, "model p\ndomain x in [0, 1], y in [0, 1]\nfield u(x, y)\n"
	         "pde u.tt = -u.xxyy\nboundary edges: clamped\n", 1);
	CHECK(m && m->space_order == 4);
	m = load(a, "model p\ndomain x in [0, 1]\nfield u(x)\n"
	         "pde u.tt = u.x + lap(u)\nboundary x = 0, x = 1: fixed\n", 1);
	CHECK(m && m->space_order == 2);
	m = load(a, "model p\ndomain s in [0, 1]\nfield w(s)\n"
	         "pde w.tt = w.ss\nboundary s = 0, s = 1: free\n", 1);
	CHECK(m && m->space_order == 2 && m->bc[0][1] == BC_FREE);

	/* folding */
	m = load(a, "model p\nconst a = 2^3^2 - 1\nconst b = a / 7 + pi - pi\n"
	         "const c = max(b, 3) * select(0, 1, 2) + step(0) + (1 < 2) + !1\n"
	         "domain x in [-a, b]\nfield u(x)\n"
	         "pde u.tt = u.xx\nboundary x = -511, x = 73: fixed\n", 1);
	if (m) {
		CHECK(model_lookup(m, "a")->num == 511);
		CHECK(model_lookup(m, "b")->num == 73);
		CHECK(model_lookup(m, "c")->num == 73 * 2 + 1 + 1);
		CHECK(m->domain->from_num[0] == -511);
	}

	/* and some that must fail */
	load(a, "model p\ndomain x in [0, 1]\nfield u(x)\npde u.tt = u.xx\n", 0);
	load(a, "model p\ndomain x in [0, 1]\nfield u(x)\npde u.tt = u.xx\n"
	     "boundary x = 0, x = 1: fixed\nconst a = 1 / (1 - 1)\n", 0);
	load(a, "", 0);
	load(a, "model p\n(((", 0);

	arena_free(a);
	if (!failed)
		puts("PASS index_test");
	return failed;
}
