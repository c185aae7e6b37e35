/* step.h — the time step as a program.
 *
 * lower() gives the regions of one field's update; step_build() lays out
 * the whole step around them: a table of the arrays the step touches
 * (each field's states, the adjoint states, the coefficient arrays, the
 * points sources and outputs spread over, the outputs, the gradient's
 * sums) and a list of ops in the order they run.  The adjoint step is the
 * same ops transposed, in reverse order.  Every backend walks the ops
 * through a StepTarget (one function per op kind: emit_loop.c's C text,
 * jit_llvm.c's LLVM IR), so the order of work is written here once;
 * `dpmc emit --stage step` prints the program.
 *
 *   Step *st = step_build(a, l);    after lower(): the checked program
 *   step_walk(st, ST_FWD, &target, ctx);
 *
 * Time alignment (spec section 5): forward step n reads u[n], u[n-1] and
 * writes u[n+1]; the outputs y[n] read u[n+1].  Adjoint step n (n from
 * the last down to 0) makes lambda[n+1], the adjoint of u[n+1], from
 * lambda[n+2] and lambda[n+3]; it meets in one place the transposes of
 * forward step n+1's sweep, step n's gather and scatter, and step n+2's
 * time coefficients (whose seeds are then complete), so each adjoint op
 * carries the forward step it transposes as an offset from n. */
#ifndef STEP_H
#define STEP_H

#include "ir.h"

typedef enum {
	AK_STATE,      /* a field's state at one level */
	AK_ADJ,        /* the adjoint of a field's state at one level */
	AK_COEF,       /* a coefficient over a field's grid (CO_SPACE) */
	AK_POINT,      /* a field's points and weights: where sources land,
	                * where outputs read */
	AK_OUT,        /* the output samples of a step */
	AK_SUM,        /* the gradient's running sums (dL/dparam) */
	AK_READ,       /* values read from the state this step */
} ArrayKind;

typedef struct StepArray {
	const char *name;          /* the name the C text gives it */
	ArrayKind kind;
	int field;                 /* the field it belongs to (0: the only one) */
	int level;                 /* states: 0 u[n], 1 u[n-1], 2 u[n+1];
	                            * adjoint states: 0 lambda[n+2],
	                            * 1 lambda[n+3], 2 lambda[n+1];
	                            * coefficients: the CO_SPACE slot */
	int len;                   /* -1: one value per grid point */
} StepArray;

typedef enum {
	/* the forward step */
	OP_TIME,       /* the time-varying coefficients the step uses, at t = n k */
	OP_SWEEP,      /* dst = the field's regions over src[0], src[1], + force */
	OP_SCATTER,    /* dst[p] += S w at the points of sources first.. */
	OP_GATHER,     /* y[o] = W src[0] (velocity: (W src[0] - W src[1]) / k) */
	OP_ROTATE,     /* src[1] <- src[0] <- dst <- src[1]: the levels move on */
	/* several parts (language.md section 11); the lumped objects are
	 * the last values of each state array, after the grid's points */
	OP_READ,       /* rd[first..] = the state read at points, at step n */
	OP_LUMP,       /* the lumped objects first.. at n+1, from rd */
	OP_HOLD,       /* attached ends: dst at the end = the object there */
	OP_SOLVE,      /* a bow (language.md 12): dst += S(v) w at source
	                * first, v the centred velocity there, solved by
	                * Newton; after every other scatter.  The root is
	                * kept after the lumped objects of dst (the next
	                * step's first guess) */
	OP_SAV,        /* potentials (language.md 12): dst -= b mu(psi), the
	                * scalar auxiliary variable's rank-one correction
	                * (emit_sav.c), after every other op that writes dst.
	                * psi is the last value of each state */
	/* the adjoint step */
	OP_ADJ_SWEEP,  /* dst = A^T src[0] + B^T src[1], and the gradient's sums
	                * of coefficients without space that ride along */
	OP_ADJ_GATHER, /* dst += W^T dL/dy */
	OP_ADJ_SUMS,   /* the step's other sums of the gradient: lambda . dS/dp w
	                * (the scatter's transpose), lambda . dc/dp taps (the
	                * sweep's, for the coefficients that do not ride) */
	OP_ADJ_TIME,   /* a step's seeds through its time coefficients */
	/* the adjoint of several parts: seeds of the reads (rs, one array per
	 * step in a ring of two) and sums of the gradient from lambda[n+1] at
	 * the forward state of step n, the reads recomputed from it */
	OP_ADJ_PSCATTER, /* the forces between parts: rs += dS/drd W^T lambda,
	                  * grad += dS/dp W^T lambda, S lambda for the join */
	OP_ADJ_LUMP,   /* dst[lumped] = the lumped rows of A^T src[0] + B^T
	                * src[1]; rs, grad through ct and rest */
	OP_ADJ_READ,   /* dst += R^T rs of this step (u[n]) and of the next
	                * (u[n-1] of its reads); grad through read positions */
	OP_ADJ_HOLD,   /* dst[lumped] += dst at the attached end, which is 0 */
	OP_ADJ_SOLVE,  /* the bows of step n at their roots (implicit-function
	                * theorem, emit_bow.c): src[0] += the seed of the
	                * centred velocity, rs and grad through S(v) */
	OP_ADJ_SAV,    /* the potentials' correction of step n (emit_sav.c):
	                * src[0] += the seeds waiting for lambda[n+1], then
	                * made the adjoint of the state before the correction;
	                * the seeds of u[n], u[n-1] and psi wait in a ring */
	OP_NKIND
} OpKind;

typedef struct Op {
	OpKind kind;
	int field;
	int dst;                   /* array numbers, -1 for none */
	int src[2];
	int aux;                   /* SWEEP: the force's coefficient (-1: none);
	                            * SCATTER/GATHER: the points' array */
	int first, count;          /* SCATTER: sources; GATHER: outputs */
	int of;                    /* adjoint ops: the forward op transposed (the
	                            * sweep's is split between adj_sweep and
	                            * adj_sums) */
	int lag;                   /* adjoint ops: its forward step is n + lag */
} Op;

typedef struct Step {
	const Loops *l;
	StepArray *arr; int narr;
	Op *fwd; int nfwd;
	Op *adj; int nadj;         /* 0 without a gradient (no adjoint regions,
	                            * or parts the adjoint does not cover yet) */
	int parts;                 /* lumped objects, reads or forces between parts */
	int energy;                /* an output of the energy (the C text's gather) */
	int exprout;               /* outputs that are expressions (docs/
	                            * language.md 18), also the C text's gather's */
} Step;

enum { ST_FWD, ST_ADJ };

typedef void StepOpFn(void *ctx, const Step *st, const Op *o);
typedef struct StepTarget {
	StepOpFn *op[OP_NKIND];    /* NULL: the target does nothing for it */
} StepTarget;

/* The program of l's step; dies on an inconsistent one (step_check). */
Step *step_build(Arena *a, const Loops *l);
/* 0, or -1 with a message in err: every array an op names exists and has
 * the kind the op needs, each state written once per step before it is
 * read, the rotation last, every forward op transposed. */
int step_check(const Step *st, char *err, int errsz);
void step_print(const Step *st, FILE *f);    /* `emit --stage step` */
/* t's function for each op of the forward (ST_FWD) or adjoint program. */
void step_walk(const Step *st, int which, const StepTarget *t, void *ctx);
const char *step_op_name(OpKind k);

#endif
