/* expr.h — the symbolic core: a hash-consed expression DAG.
 *
 * Every Expr is unique: building the same operator over the same operands
 * returns the same pointer, so equality is pointer equality and common
 * subexpressions are shared by construction.  Builders fold constants and
 * apply the algebraic identities that are exact in IEEE arithmetic for
 * finite values (x+0, x*1, x*0, x^1, x^0, --x, ...), and canonicalise
 * commutative operands by id, so a+b and b+a are one node.
 *
 * Subtraction is a + (-1)*b, division a * b^-1 and negation (-1)*a, so
 * the DAG has few node kinds and reverse-mode differentiation (the next
 * issue) needs one rule per kind.  The leaves are numbers, params (by
 * index) and symbols: the grid and time quantities the scheme depends on. */
#ifndef EXPR_H
#define EXPR_H

#include "dpm.h"

typedef enum {
	EX_NUM,        /* num */
	EX_PARAM,      /* param number `index` */
	EX_SYM,        /* symbol `index` (SYM_*) */
	EX_ADD,        /* a + b */
	EX_MUL,        /* a * b */
	EX_POW,        /* a ^ b */
	EX_FN,         /* fn(a [, b]): unary and binary builtins (FN_*) */
	EX_CMP,        /* a cmp b: 1 or 0 (CMP_*) */
	EX_SELECT,     /* a != 0 ? b : c */
} ExprKind;

typedef enum {     /* symbols the scheme depends on */
	SYM_K,         /* time step 1/rate */
	SYM_HX, SYM_HY,/* grid spacings */
	SYM_T,         /* time n*k */
	SYM_X, SYM_Y,  /* coordinates of the grid point */
	SYM_THX, SYM_THY, /* wavenumber angles (von Neumann analysis) */
	NSYM
} Sym;

typedef enum {
	FN_SIN, FN_COS, FN_TAN, FN_EXP, FN_LOG, FN_SQRT, FN_ABS, FN_TANH,
	FN_SIGMOID, FN_SOFTPLUS, FN_STEP,
	FN_RINT,       /* the nearest integer: not the language's; a grid index (lower.c shift) */
	FN_MIN, FN_MAX,                       /* binary */
	NFN
} Fn;

typedef enum { CMP_LT, CMP_LE, CMP_EQ, CMP_NE, CMP_AND, CMP_OR } Cmp;

typedef struct Expr Expr;
struct Expr {
	ExprKind kind;
	int op;                /* Fn for EX_FN, Cmp for EX_CMP */
	int index;             /* EX_PARAM, EX_SYM */
	double num;            /* EX_NUM */
	Expr *a, *b, *c;       /* operands (c: EX_SELECT only) */
	unsigned id;           /* creation order, unique within a pool */
	unsigned deps;         /* bit set: 1<<SYM_* of every symbol below, and
	                          DEP_PARAM if any param is below */
	unsigned hash;
	Expr *next;            /* hash chain */
};
#define DEP_PARAM (1u << 16)
#define DEP_STATE (1u << 17)   /* a read of the state (ex_pool_state_base) */

/* All Exprs live in a pool, freed at once. */
typedef struct ExprPool ExprPool;
ExprPool *expr_pool_new(void);
void expr_pool_free(ExprPool *p);
/* Params numbered first and up are values read from the state each step
 * (language.md section 11: u(X), z, ...), not params: DEP_STATE marks the
 * expressions that use them.  Set before building any. */
void ex_pool_state_base(ExprPool *p, int first);

/* diff.c's sweep scratch, kept with the pool so that the many small
 * sweeps of a chain (one per lumped point) do not each allocate and zero
 * arrays as long as the pool: by node id, mark and head zero between
 * sweeps; busy while a sweep holds it */
typedef struct SweepMem {
	unsigned n;
	unsigned char *mark;
	int *head;
	Expr **order;
	int busy;
} SweepMem;
SweepMem *ex_pool_sweepmem(ExprPool *p);

Expr *ex_num(ExprPool *p, double v);
Expr *ex_param(ExprPool *p, int index);
/* e's kind and op over new operands a, b, c (built with the simplifying
 * builders); a leaf is itself */
Expr *ex_remake(ExprPool *p, Expr *e, Expr *a, Expr *b, Expr *c);
Expr *ex_sym(ExprPool *p, Sym s);
Expr *ex_add(ExprPool *p, Expr *a, Expr *b);
Expr *ex_add_many(ExprPool *p, Expr *const *v, int n);   /* the sum of v[0..n) */
void ex_sum_terms(Expr *e, Expr ***v, int *n, int *cap);  /* e's terms appended to *v */
Expr *ex_sub(ExprPool *p, Expr *a, Expr *b);
Expr *ex_mul(ExprPool *p, Expr *a, Expr *b);
Expr *ex_div(ExprPool *p, Expr *a, Expr *b);
Expr *ex_neg(ExprPool *p, Expr *a);
Expr *ex_pow(ExprPool *p, Expr *a, Expr *b);
Expr *ex_powi(ExprPool *p, Expr *a, int n);
Expr *ex_fn(ExprPool *p, Fn f, Expr *a, Expr *b /* NULL if unary */);
Expr *ex_cmp(ExprPool *p, Cmp c, Expr *a, Expr *b);   /* GT/GE: swap operands */
Expr *ex_not(ExprPool *p, Expr *a);                   /* a == 0 */
Expr *ex_select(ExprPool *p, Expr *c, Expr *a, Expr *b);

int ex_is_num(const Expr *e, double v);   /* e is the number v */

/* Replace symbol s by r everywhere in e (memoised within one call). */
Expr *ex_subst_sym(ExprPool *p, Expr *e, Sym s, Expr *r);
/* Replace param number i (or the read it stands for) by r. */
Expr *ex_subst_param(ExprPool *p, Expr *e, int i, Expr *r);
Expr *ex_subst_state(ExprPool *p, Expr *e, Expr *r);
/* The sum of e's terms that depend on none of deps (a product of a sum
 * distributed over it): the constant part of a force, deps 1 << SYM_T. */
Expr *ex_without(ExprPool *p, Expr *e, unsigned deps);
/* Does e hold param i (a node of e is that param)?  Each node is met
 * once: a walk costs e's nodes, not its paths. */
int ex_holds(ExprPool *p, const Expr *e, int i);

/* Evaluate with params[] and syms[NSYM]. */
double ex_eval(const Expr *e, const double *params, const double *syms);

/* Print as C99 (an expression of the names the caller gives for params
 * and symbols; NULL names print as p[i] / the symbol's name).  Shared
 * subexpressions are printed inline; use ExprEmitter for CSE. */
void ex_print_c(Buf *b, const Expr *e, const char *const *param_names,
                const char *const *sym_names);
/* Two of the printer's rules, for a backend that does what the C text
 * does: the exponent of a reciprocal factor printed as a division
 * (x*y^-1 is x / y), -1 or -2, else 0; and the comparison that gates a
 * product, printed (and evaluated) `cond ? other : 0.0`, else NULL. */
int ex_recip(const Expr *e);
const Expr *ex_gate(const Expr *e);
/* Print in readable math for `emit --stage scheme`. */
void ex_print_math(Buf *b, const Expr *e, const char *const *param_names);

/* ---- use counts ----
 * How many times the C text of a block of roots names each node (x^2
 * names x twice, x*y^-1 names y's base and not y), and every node below
 * the roots in post order, operands first.  A node that is not a leaf
 * and is named twice or more is a temporary, defined once before the
 * nodes that name it: ExprEmitter prints these, and jit_llvm.c lowers the
 * same temporaries, so that its IR does what the C text does.  Start
 * from a zeroed ExprUses and add the roots (each adding counts one use
 * of its root); then walk order[], asking ex_uses_shared of each node. */
typedef struct {
	int *uses;                 /* by Expr id, below nid (one pool) */
	unsigned char *seen;
	unsigned nid;
	const Expr **order;        /* post order: operands first */
	int norder, ocap;
} ExprUses;
void ex_uses_add(ExprUses *u, const Expr *root);
int ex_uses_shared(const ExprUses *u, const Expr *e);  /* a temporary */
void ex_uses_free(ExprUses *u);

/* ---- CSE for emission ----
 * An emitter collects the roots that one block of C computes, then prints
 * every node used more than once (and not a leaf) as a `const double tN`
 * temporary, in dependency order, followed by the roots' expressions.  */
typedef struct ExprEmitter ExprEmitter;
ExprEmitter *ex_emitter_new(const char *const *param_names,
                            const char *const *sym_names, const char *tmp_prefix);
int ex_emitter_add(ExprEmitter *em, Expr *root);  /* returns root number */
/* Print the temporaries (indented by `indent`), then return the C text of
 * each root through root_text (valid until ex_emitter_free). */
void ex_emitter_flush(ExprEmitter *em, Buf *b, const char *indent);
/* The same, the temporaries whose deps miss `vary` (and the largest such
 * parts of the others) into outer at oind, the rest into inner: a loop
 * over the points computes those once, before it (the same operations,
 * the same bits). */
void ex_emitter_flush_split(ExprEmitter *em, Buf *inner, const char *iind, Buf *outer, const char *oind,
                            unsigned vary);
const char *ex_emitter_root(ExprEmitter *em, int root);
void ex_emitter_free(ExprEmitter *em);

#endif
