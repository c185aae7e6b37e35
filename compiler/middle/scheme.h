/* scheme.h — from a checked Model to an explicit scheme, a loop IR and C.
 *
 *   Scheme *s = scheme_build(a, d, m);      discretise.c: pde -> stencils
 *   Loops  *l = lower(s);                   lower.c: interior + boundary strips
 *   char *c   = cg_emit_c(l, prefix);       emit_c.c: C99 text
 *
 * The C text is the whole model: metadata, grid choice by von Neumann
 * analysis (stability.c writes that part), initialisation and the time
 * loop.  Every backend (TinyCC, system cc, LLVM later) consumes it or the
 * Loops it is printed from.
 *
 * ---- The API of generated code (prefix P = cg_prefix: the model's name) ----
 *   typedef struct P_model P_model;          opaque, all state inside;
 *            every name the C defines starts with P_ (helpers P__)
 *   int P_nparams(void);  int P_noutputs(void);  int P_ndim(void);
 *   const char *P_name(void);
 *   const char *P_param_name(int i);
 *   double P_param_default(int i), P_param_min(int i), P_param_max(int i);
 *                                            min/max: -inf/+inf when no range
 *   int P_param_log(int i);
 *   const char *P_output_name(int i);
 *   double P_default_rate(void);
 *   int P_plan(const double *params, double rate, const int *grid,
 *              int *grid_out, double *h_out, char *err, int errsz);
 *            the grid create would use, without allocating; 0 on success,
 *            else nonzero with a message in err (param out of range,
 *            unstable forced grid naming the largest stable N, grid over
 *            1e8 points, non-finite value); coefficients of the step that
 *            vary in time are taken at t = 0
 *   int P_plan_for(const double *params, double rate, double span,
 *                  const int *grid, int *grid_out, double *h_out,
 *                  char *err, int errsz);
 *            the same for a render of span seconds: such coefficients
 *            also at up to 256 evenly spaced steps of it (what the CLI
 *            uses, then P_create on the grid it gives)
 *   P_model *P_create(const double *params, double rate, const int *grid,
 *               char *err, int errsz);
 *            params: NULL for the defaults, else P_nparams() values;
 *            rate 0: the model's rate (else 1 Hz to 10 MHz); grid: NULL
 *            or per-dim intervals (not negative, at most 1e8 points), 0 =
 *            choose (the model's `grid` when it has one, else the
 *            finest stable grid).  NULL on error with a message in err.
 *            The only place that allocates.
 *   int P_set_params(P_model *m, const double *params, char *err, int errsz);
 *            new values (NULL: the defaults) on the same grid (range- and stability-checked);
 *            does not reset the state
 *   void P_reset(P_model *m);                      state back to the initial one, t = 0
 *   void P_run(P_model *m, long n, double *out);   n samples, interleaved channels
 *   void P_grid(const P_model *m, int *n, double *h);  intervals and spacing per dim
 *   double P_stability(const P_model *m);          min over dims of h / h_min (>= 1)
 *   const double *P_state(const P_model *m, int level);  level 0: u[n], 1: u[n-1];
 *            (Nx+1)*(Ny+1) values, point (i, j) at i + j*(Nx+1)
 *   double P_rate(const P_model *m);
 *   void P_destroy(P_model *m);
 *
 * ---- Gradients (the adjoint of the scheme on its grid) ----
 *   int P_forward(P_model *m, long n, double *y, char *err, int errsz);
 *            P_reset, then run n samples into y (as P_run), keeping the
 *            checkpoints P_backward needs (allocated here, freed by the
 *            next P_forward or P_destroy).  0 on success.
 *   int P_backward(P_model *m, const double *dldy, double *grad, char *err, int errsz);
 *            given dL/dy for every sample of the last P_forward (n *
 *            P_noutputs() values, interleaved), grad[P_nparams()] = dL/dparam,
 *            the exact gradient of the discrete scheme (grid held fixed).
 *            Recomputes between checkpoints; leaves the state reset.
 *   void P_set_checkpoints(P_model *m, long every);
 *            store the state every `every` steps (0: the default, below;
 *            1: every step, no recomputation).  The gradient is
 *            bit-identical whatever the choice.
 *   void P_set_threads(P_model *m, int n);
 *            at most n threads for a gradient (0: the processors this
 *            thread may run on, up to 2, but one while the load average
 *            is above their number and a half; for any n, one for a
 *            while after a backward whose threads waited for a
 *            processor); same bits whatever n.
 *   void P_set_memory(P_model *m, double bytes);
 *            the default's budget (0: 160 MB, or less when the process
 *            already holds much: the whole within ~185 MB, its resident
 *            size read from /proc/self/statm).  The default stores a whole
 *            trajectory that fits in 16 MB and the budget; else it keeps
 *            a pair of states every `every` steps: with two threads (one
 *            recomputes a segment while the other sweeps the next one
 *            back) when the pairs and two segments of at most 6 MB fit
 *            the budget, else one, with segments of about sqrt(2n) steps,
 *            at most 8 MB unless the pairs need them longer.
 *   void P_op(const P_model *m, const double *u, const double *up, double *un);
 *   void P_op_adj(const P_model *m, const double *l, double *lu, double *lup);
 *            the linear step at t = 0 without sources and its exact
 *            transpose: un = A u + B up; lu = A^T l, lup = B^T l, on
 *            arrays of (Nx+1)*(Ny+1) points (held points ignored and
 *            written 0).  For the dot test <A u + B up, l> = <u, A^T l> +
 *            <up, B^T l>.
 */
#ifndef SCHEME_H
#define SCHEME_H

#include "ast.h"
#include "expr.h"

typedef struct Scheme Scheme;
typedef struct Loops Loops;

/* discretise.c: NULL after diagnostics (a non-linear pde, ...). */
Scheme *scheme_build(Arena *a, Diag *d, const Model *m);
/* `emit --stage scheme`: the discrete update in readable math. */
void scheme_print(const Scheme *s, FILE *f);
/* The values a state holds after the grid's points: the lumped objects
 * (other fields' points among them), the bows' roots, psi last. */
int scheme_nextra(const Scheme *s);
const char **scheme_names(const Scheme *s);
void scheme_free(Scheme *s);                 /* its expression pool */

/* lower.c */
Loops *lower(Arena *a, const Scheme *s);
void loops_print(const Loops *l, FILE *f);   /* `emit --stage loops` */

/* emit_c.c: C99 text, allocated with mem_alloc; the caller frees. */
/* CG_GRAD: the gradient's code too; CG_API: and the dpm_* interface */
enum { CG_GRAD = 1, CG_API = 3 };
char *cg_emit_c(const Loops *l, const char *prefix, int what);
char *cg_emit_header(const Loops *l, const char *prefix);

/* The model's name made a valid, non-reserved C identifier. */
const char *cg_prefix(Arena *a, const Model *m);

#endif
