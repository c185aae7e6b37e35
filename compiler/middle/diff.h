/* diff.h — symbolic reverse-mode differentiation over the expression DAG.
 *
 * A derivative is an Expr of the same pool, built with the simplifying
 * builders of expr.h, so it shares every subexpression with the
 * expression it came from (a stencil coefficient's derivative reuses the
 * coefficient's own 1/den node) and prints, evaluates and emits like any
 * other Expr.  The rules, including the one-sided choices at kinks
 * (|x|' = 1 at 0, ties of min/max go to the first operand), are listed at
 * the top of diff.c. */
#ifndef DIFF_H
#define DIFF_H

#include "expr.h"

/* d root / d param i for i < nparams, written to out[i] (ex_num(p, 0) when
 * independent): one reverse sweep over the DAG below root in reverse
 * topological order, each node's adjoint an Expr built with the
 * simplifying builders, shared subexpressions reused. */
void diff_params(ExprPool *p, Expr *root, int nparams, Expr **out);

/* The same into out, which holds ex_num(p, 0) for every param on entry,
 * for a root below which few of many params are (a chain's point among
 * thousands of reads): only those params' entries are written, their
 * indices into idx (room for nparams) in increasing order; returns their
 * count.  The caller sets those entries back to 0 after use. */
int diff_params_sparse(ExprPool *p, Expr *root, int nparams, Expr **out, int *idx);

/* d root / d s, the same way, for a symbol (SYM_X, SYM_T, ...). */
Expr *diff_sym(ExprPool *p, Expr *root, Sym s);

/* Many roots at once (the stencil coefficients of one scheme):
 * out[r * nparams + i] = d roots[r] / d param i. */
void diff_params_many(ExprPool *p, Expr *const *roots, int nroots, int nparams,
                      Expr **out);

#endif
