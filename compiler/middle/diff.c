/* diff.c — symbolic reverse-mode differentiation of the expression DAG.
 * requires: expr.c's invariants: nodes unique, and every operand created
 * before the node that uses it (so operand ids are smaller).
 * leaves: derivatives as ordinary Exprs of the same pool, built only with
 * the simplifying builders; the DAG they are taken of is not changed.
 *
 * One sweep per root (Griewank and Walther, "Evaluating Derivatives",
 * ch. 3): the nodes below the root that depend on the variables are put in
 * reverse topological order, the root's adjoint is 1, and each node, once
 * all its users have been visited, sums the contributions they made and
 * passes g * (d node / d operand) on to each operand.  The adjoints of the
 * leaves are the derivatives, of every param at once.  A node is visited
 * once whatever its number of users, so the derivative of a DAG of n
 * nodes has O(n) new nodes (times the length of the flattened sums and
 * products the builders make), never the exponential tree that forward
 * substitution gives on shared subexpressions.
 *
 * Rules, with g the adjoint of the node e and a, b its operands:
 *   a + b         a: g, b: g
 *   a * b         a: g b, b: g a;  a gate cond * b: b: select(cond, g, 0)
 *   a ^ n         a: g n a^(n-1)                  (n a number)
 *   a ^ b         a: g b a^(b-1), b: g a^b log a  (b' log a + b a'/a)
 *   sin cos tan   cos a, -sin a, 1 + e^2
 *   exp log sqrt  e, 1/a, 0.5/e
 *   abs           select(a < 0, -1, 1): the derivative at 0 is taken as 1,
 *                 the right-hand one, as for step(0) = 1
 *   tanh sigmoid  1 - e^2, e (1 - e)
 *   softplus      sigmoid a
 *   step, cmp     0: piecewise constant, nothing flows through them
 *   min(a, b)     a: select(c, g, 0), b: select(c, 0, g), c = a <= b || b != b
 *   max(a, b)     the same with c = b <= a || b != b
 *                 so the derivative is that of the operand fmin/fmax
 *                 return: the other one when one is NaN, and the first
 *                 (canonical) operand at a tie, where both are equal.
 *   select(c,a,b) a: select(c, g, 0), b: select(c, 0, g); c: nothing
 *
 * Multiplying an adjoint of the form select(c, u, 0) by a partial pushes
 * the product inside, select(c, u * partial, 0), and a comparison factor
 * of a partial becomes such a select too, so the partials of a branch not
 * taken are never evaluated: the derivative of select(x != 0, sin(x)/x, 1)
 * at x = 0 is 0, not 0 * (1/0), and where the forward value of a gated
 * force (t < T) * f is 0 the derivative is 0 even if f is not finite. */
#include <stdlib.h>

#include "diff.h"

typedef struct {
	Expr *e;
	int next;              /* index + 1 of the next contribution, or 0 */
} Contrib;

/* The scratch of a sweep, indexed by node id; reused for many roots. */
typedef struct {
	ExprPool *p;
	unsigned mask;         /* the deps bits of the variables */
	unsigned n;            /* ids below n can be indexed */
	unsigned char *mark;   /* in the current sweep */
	int *head;             /* index + 1 of the node's first contribution */
	Expr **order;          /* post order: operands before users */
	int norder;
	Contrib *c;
	int nc, ccap;
	Expr **tmp;            /* one node's contributions, for summing */
	int tcap;
	SweepMem *pooled;      /* mark, head and order are the pool's */
} Sweep;

static void
sweep_init(Sweep *S, ExprPool *p, unsigned mask, unsigned n)
{
	SweepMem *m = ex_pool_sweepmem(p);

	S->p = p;
	S->mask = mask;
	S->n = n ? n : 1;
	S->pooled = NULL;
	if (!m->busy) {          /* the pool's, grown (zeroed) to n */
		if (m->n < S->n) {
			unsigned c = mem_cap(m->n, S->n - 1, 1024);
			m->mark = mem_extend(m->mark, sizeof *m->mark, m->n, c, 0);
			m->head = mem_extend(m->head, sizeof *m->head, m->n, c, 0);
			m->order = mem_extend(m->order, sizeof *m->order, m->n, c, 0);
			m->n = c;
		}
		m->busy = 1;
		S->pooled = m;
		S->mark = m->mark;
		S->head = m->head;
		S->order = m->order;
	} else {
		S->mark = mem_alloc(S->n);
		S->head = mem_alloc(S->n * sizeof *S->head);
		S->order = mem_alloc(S->n * sizeof *S->order);
	}
	S->norder = 0;
	S->c = NULL;
	S->nc = S->ccap = 0;
	S->tmp = NULL;
	S->tcap = 0;
}

/* sweep() leaves mark and head zero where it set them */
static void
sweep_free(Sweep *S)
{
	if (S->pooled)
		S->pooled->busy = 0;
	else {
		mem_free(S->mark);
		mem_free(S->head);
		mem_free(S->order);
	}
	mem_free(S->c);
	mem_free(S->tmp);
}

/* Does a derivative flow from e to its operand number `i`? Comparisons,
 * step and a select's condition are piecewise constant. */
static int
flows(const Expr *e, int i)
{
	switch (e->kind) {
	case EX_CMP:
		return 0;
	case EX_FN:
		return e->op != FN_STEP && e->op != FN_RINT;
	case EX_SELECT:
		return i != 0;
	default:
		return 1;
	}
}

/* Collect the nodes below e that depend on the variables through
 * differentiable edges, in post order.  Recursion depth is the depth of
 * the DAG: sums and products are left-leaning chains as long as their
 * number of terms, which stays in the thousands at most. */
static void
collect(Sweep *S, Expr *e)
{
	Expr *op[3];
	int i;

	if (!(e->deps & S->mask) || S->mark[e->id])
		return;
	S->mark[e->id] = 1;
	op[0] = e->a, op[1] = e->b, op[2] = e->c;
	for (i = 0; i < 3; i++)
		if (op[i] && flows(e, i))
			collect(S, op[i]);
	S->order[S->norder++] = e;
}

static void
contribute(Sweep *S, Expr *to, Expr *g)
{
	if (ex_is_num(g, 0) || !(to->deps & S->mask))
		return;
	if (!S->mark[to->id])
		die("diff: contribution to a node outside the sweep");
	if (S->nc == S->ccap) {
		S->ccap = S->ccap ? 2 * S->ccap : 64;
		S->c = mem_realloc(S->c, (size_t)S->ccap * sizeof *S->c);
	}
	S->c[S->nc].e = g;
	S->c[S->nc].next = S->head[to->id];
	S->head[to->id] = ++S->nc;
}

static int
iszero(const Expr *e)
{
	return ex_is_num(e, 0);
}

/* A comparison among the factors of the product x, or NULL. */
static Expr *
cmpfactor(Expr *x)
{
	Expr *c;

	if (x->kind == EX_CMP)
		return x;
	if (x->kind != EX_MUL)
		return NULL;
	if ((c = cmpfactor(x->a)))
		return c;
	return cmpfactor(x->b);
}

/* The product x without its factor c (a comparison, found by cmpfactor). */
static Expr *
without(ExprPool *p, Expr *x, Expr *c)
{
	if (x == c)
		return ex_num(p, 1);
	if (x->kind != EX_MUL)
		return x;
	return ex_mul(p, without(p, x->a, c), without(p, x->b, c));
}

/* Is some term of the sum e a select? */
static int
hassel(const Expr *e)
{
	if (e->kind == EX_ADD)
		return hassel(e->a) || hassel(e->b);
	return e->kind == EX_SELECT;
}

/* g * x, with the product pushed into the branches of a select and
 * comparison factors hoisted out as selects (see the top comment): the
 * partials of a branch not taken are then never evaluated.  ex_eval and
 * the C printer treat cond * y as cond ? y : 0 only when cond is an
 * operand of the outermost product node, which flattening would not
 * keep.  A sum with selects among its terms (an adjoint that came through
 * several branches) is distributed, so each term keeps its guard.  Each
 * push copies the product into both branches: *budget bounds the copies,
 * so nested selects cannot make the result exponential; past it the
 * product is plain. */
static Expr *
scaleb(ExprPool *p, Expr *g, Expr *x, int *budget)
{
	Expr *c;

	if (iszero(g) || iszero(x))
		return ex_num(p, 0);
	if (g->kind == EX_SELECT && iszero(g->c))
		return ex_select(p, g->a, scaleb(p, g->b, x, budget), g->c);
	if (g->kind == EX_SELECT && iszero(g->b))
		return ex_select(p, g->a, g->b, scaleb(p, g->c, x, budget));
	if (g->kind == EX_SELECT && *budget > 0) {
		--*budget;
		return ex_select(p, g->a, scaleb(p, g->b, x, budget), scaleb(p, g->c, x, budget));
	}
	if (g->kind == EX_ADD && hassel(g) && *budget > 0) {
		--*budget;
		return ex_add(p, scaleb(p, g->a, x, budget), scaleb(p, g->b, x, budget));
	}
	if ((c = cmpfactor(x)))
		return ex_select(p, c, scaleb(p, g, without(p, x, c), budget), ex_num(p, 0));
	if ((c = cmpfactor(g)))
		return ex_select(p, c, scaleb(p, without(p, g, c), x, budget), ex_num(p, 0));
	return ex_mul(p, g, x);
}

static Expr *
scale(ExprPool *p, Expr *g, Expr *x)
{
	int budget = 16;

	return scaleb(p, g, x, &budget);
}

/* x + y, merging selects on one condition so that the two branches of a
 * select over a common operand give select(c, u, v), not a sum of two
 * half-zero selects. */
static Expr *
add2(ExprPool *p, Expr *x, Expr *y)
{
	if (x->kind == EX_SELECT && y->kind == EX_SELECT && x->a == y->a) {
		Expr *c = x->a;

		if (iszero(x->c) && iszero(y->b))
			return ex_select(p, c, x->b, y->c);
		if (iszero(x->b) && iszero(y->c))
			return ex_select(p, c, y->b, x->c);
		if (iszero(x->c) && iszero(y->c))
			return ex_select(p, c, add2(p, x->b, y->b), x->c);
		if (iszero(x->b) && iszero(y->b))
			return ex_select(p, c, x->b, add2(p, x->c, y->c));
	}
	return ex_add(p, x, y);
}

/* The sum of v[0..n), pairwise: a node with k users costs O(k log k)
 * intermediate sum nodes rather than O(k^2). */
static Expr *
sumv(ExprPool *p, Expr **v, int n)
{
	if (n == 1)
		return v[0];
	return add2(p, sumv(p, v, n / 2), sumv(p, v + n / 2, n - n / 2));
}

/* The adjoint of e: the sum of what its users contributed. */
static Expr *
adjoint(Sweep *S, const Expr *e)
{
	int i, n = 0;

	for (i = S->head[e->id]; i; i = S->c[i - 1].next) {
		if (n == S->tcap) {
			S->tcap = S->tcap ? 2 * S->tcap : 16;
			S->tmp = mem_realloc(S->tmp, (size_t)S->tcap * sizeof *S->tmp);
		}
		S->tmp[n++] = S->c[i - 1].e;
	}
	if (n == 0)
		return ex_num(S->p, 0);
	return sumv(S->p, S->tmp, n);
}

/* Pass g, the adjoint of e, on to e's operands. */
static void
propagate(Sweep *S, Expr *e, Expr *g)
{
	ExprPool *p = S->p;
	Expr *a = e->a, *b = e->b, *one = ex_num(p, 1), *cond;

	switch (e->kind) {
	case EX_NUM: case EX_PARAM: case EX_SYM: case EX_CMP:
		return;
	case EX_ADD:
		contribute(S, a, g);
		contribute(S, b, g);
		return;
	case EX_MUL:
		/* a gate, cond * y evaluated as cond ? y : 0: y gets
		 * select(cond, g, 0), never g * cond */
		if (b->kind == EX_CMP || a->kind == EX_CMP) {
			cond = b->kind == EX_CMP ? b : a;
			contribute(S, cond == b ? a : b, ex_select(p, cond, g, ex_num(p, 0)));
			return;
		}
		if (a->deps & S->mask)
			contribute(S, a, scale(p, g, b));
		if (b->deps & S->mask)
			contribute(S, b, scale(p, g, a));
		return;
	case EX_POW:
		if (b->kind == EX_NUM) {
			contribute(S, a, scale(p, g, ex_mul(p, b,
			           ex_pow(p, a, ex_num(p, b->num - 1)))));
			return;
		}
		if (a->deps & S->mask)
			contribute(S, a, scale(p, g, ex_mul(p, b,
			           ex_pow(p, a, ex_sub(p, b, one)))));
		/* a^b log a; where a base that varies makes a^b 0 (a felt's
		 * max(0, d)^p out of contact, read from the state or, in an
		 * integral's integrand, of its point's value) its limit 0, not
		 * 0 * log 0 */
		/* (also a base of params, or 0 itself: 0^p's slope in p is 0,
		 * not null; a probe's) */
		if ((b->deps & S->mask) && a->kind == EX_NUM && a->num > 0)
			contribute(S, b, scale(p, g, ex_mul(p, e,
			           ex_fn(p, FN_LOG, a, NULL))));
		else if (b->deps & S->mask)
			contribute(S, b, scale(p, g, ex_select(p, e, ex_mul(p, e,
			           ex_fn(p, FN_LOG, a, NULL)), ex_num(p, 0))));
		return;
	case EX_SELECT:
		contribute(S, b, ex_select(p, a, g, ex_num(p, 0)));
		contribute(S, e->c, ex_select(p, a, ex_num(p, 0), g));
		return;
	case EX_FN:
		break;
	}
	switch ((Fn)e->op) {
	case FN_SIN:
		contribute(S, a, scale(p, g, ex_fn(p, FN_COS, a, NULL)));
		return;
	case FN_COS:
		contribute(S, a, scale(p, g, ex_neg(p, ex_fn(p, FN_SIN, a, NULL))));
		return;
	case FN_TAN:
		contribute(S, a, scale(p, g, ex_add(p, one, ex_powi(p, e, 2))));
		return;
	case FN_EXP:
		contribute(S, a, scale(p, g, e));
		return;
	case FN_LOG:
		contribute(S, a, scale(p, g, ex_powi(p, a, -1)));
		return;
	case FN_SQRT:
		contribute(S, a, scale(p, g, ex_mul(p, ex_num(p, 0.5), ex_powi(p, e, -1))));
		return;
	case FN_ABS:
		cond = ex_cmp(p, CMP_LT, a, ex_num(p, 0));
		contribute(S, a, scale(p, g, ex_select(p, cond, ex_num(p, -1), one)));
		return;
	case FN_TANH:
		contribute(S, a, scale(p, g, ex_sub(p, one, ex_powi(p, e, 2))));
		return;
	case FN_SIGMOID:
		contribute(S, a, scale(p, g, ex_mul(p, e, ex_sub(p, one, e))));
		return;
	case FN_SOFTPLUS:
		contribute(S, a, scale(p, g, ex_fn(p, FN_SIGMOID, a, NULL)));
		return;
	case FN_STEP:
	case FN_RINT:
		return;
	case FN_MIN:
	case FN_MAX:
		/* a's when it is the one fmin/fmax return: a tie, or b NaN */
		cond = e->op == FN_MIN ? ex_cmp(p, CMP_LE, a, b) : ex_cmp(p, CMP_LE, b, a);
		cond = ex_cmp(p, CMP_OR, cond, ex_cmp(p, CMP_NE, b, b));
		contribute(S, a, ex_select(p, cond, g, ex_num(p, 0)));
		contribute(S, b, ex_select(p, cond, ex_num(p, 0), g));
		return;
	case NFN:
		break;
	}
	die("diff: bad function %d", e->op);
}

/* One reverse sweep from root: leaf() gets each param or symbol below it
 * with its adjoint, the derivative of root by that leaf.  Leaves the
 * scratch clean for the next root. */
static void
sweep(Sweep *S, Expr *root, void (*leaf)(void *, Expr *, Expr *), void *arg)
{
	Expr *e, *g;
	int i;

	S->norder = 0;
	S->nc = 0;
	collect(S, root);
	if (S->norder == 0)
		return;
	contribute(S, root, ex_num(S->p, 1));
	for (i = S->norder - 1; i >= 0; i--) {
		e = S->order[i];
		g = adjoint(S, e);
		if (iszero(g))
			continue;
		if (e->kind == EX_PARAM || e->kind == EX_SYM)
			leaf(arg, e, g);
		else
			propagate(S, e, g);
	}
	for (i = 0; i < S->norder; i++) {
		S->mark[S->order[i]->id] = 0;
		S->head[S->order[i]->id] = 0;
	}
}

typedef struct {
	Expr **out;
	int nparams;
	Sym sym;
} Leaves;

static void
param_leaf(void *arg, Expr *e, Expr *g)
{
	Leaves *L = arg;

	if (e->kind == EX_PARAM && e->index >= 0 && e->index < L->nparams)
		L->out[e->index] = g;
}

static void
sym_leaf(void *arg, Expr *e, Expr *g)
{
	Leaves *L = arg;

	if (e->kind == EX_SYM && e->index == (int)L->sym)
		L->out[0] = g;
}

typedef struct {
	Expr **out;
	int nparams, *idx, n;
} Sparse;

static void
sparse_leaf(void *arg, Expr *e, Expr *g)
{
	Sparse *L = arg;

	if (e->kind == EX_PARAM && e->index >= 0 && e->index < L->nparams) {
		L->out[e->index] = g;
		L->idx[L->n++] = e->index;
	}
}

int
diff_params_sparse(ExprPool *p, Expr *root, int nparams, Expr **out, int *idx)
{
	Sweep S;
	Sparse L;

	L.out = out;
	L.nparams = nparams;
	L.idx = idx;
	L.n = 0;
	sweep_init(&S, p, DEP_PARAM, root->id + 1);
	sweep(&S, root, sparse_leaf, &L);
	sweep_free(&S);
	qsort(idx, (size_t)L.n, sizeof *idx, int_cmp);
	return L.n;
}

void
diff_params_many(ExprPool *p, Expr *const *roots, int nroots, int nparams,
                 Expr **out)
{
	Sweep S;
	Leaves L;
	Expr *zero = ex_num(p, 0);
	unsigned n = 0;
	int r, i;

	for (r = 0; r < nroots; r++)
		if (roots[r]->id + 1 > n)
			n = roots[r]->id + 1;
	sweep_init(&S, p, DEP_PARAM, n);
	for (r = 0; r < nroots; r++) {
		L.out = out + (size_t)r * (size_t)nparams;
		L.nparams = nparams;
		L.sym = SYM_K;
		for (i = 0; i < nparams; i++)
			L.out[i] = zero;
		sweep(&S, roots[r], param_leaf, &L);
	}
	sweep_free(&S);
}

void
diff_params(ExprPool *p, Expr *root, int nparams, Expr **out)
{
	diff_params_many(p, &root, 1, nparams, out);
}

Expr *
diff_sym(ExprPool *p, Expr *root, Sym s)
{
	Sweep S;
	Leaves L;
	Expr *d = ex_num(p, 0);

	if ((int)s < 0 || s >= NSYM)
		die("diff_sym: bad symbol %d", (int)s);
	L.out = &d;
	L.nparams = 0;
	L.sym = s;
	sweep_init(&S, p, 1u << s, root->id + 1);
	sweep(&S, root, sym_leaf, &L);
	sweep_free(&S);
	return d;
}
