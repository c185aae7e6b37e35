/* jit_llvm.h — what the files of the LLVM backend share: the builder's
 * state and the helpers that build constants, loads, stores, loops and
 * functions (jit_llvm.c), with which jit_llvm_adj.c builds the adjoint
 * sweep.  Private to the two; jit.h is the backend's interface.  The
 * prefix jl_ is jit_llvm's (libtcc has gen_, LLVM llvm_). */
#ifndef JIT_LLVM_H
#define JIT_LLVM_H

#include <llvm-c/Core.h>

#include "dpm.h"
#include "ir.h"

typedef struct Cse Cse;        /* jit_llvm.c: the temporaries of a block */

/* The builder's state, and the values the code of one step reads. */
typedef struct Gen {
	const Loops *l;
	LLVMContextRef cx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMValueRef fn;
	LLVMTypeRef f64, i64, pf64, ppf64;
	LLVMValueRef u, up, un, nx, ny, nx1, fon, x0, y0;
	LLVMValueRef sym[NSYM];    /* k, hx, hy, t; x, y at a point */
	LLVMValueRef *param;       /* [nparams] */
	LLVMValueRef *coef;        /* [ncoefs]: the value, or the array (CO_SPACE) */
	Cse *cse;
	int vf;                    /* doubles per vector register */
	/* the adjoint sweep: u, la, lb, ln are u (the forward state at the
	 * point), up, un; the lanes of the current region's sums */
	LLVMValueRef uf;
	LLVMValueRef *lane;        /* [sum * (8 / lw) + chunk]: <lw x double> */
	int *gsum;                 /* [group]: its sum among the region's, or -1 */
	LLVMValueRef *sumv;        /* [sum]: the sum's total (a single column) */
	int lw;                    /* doubles per lane vector: 8, 4, 2 or 1 */
} Gen;

/* for (iv = lo; iv <= hi; iv++): jl_loop_open ... jl_loop_close */
typedef struct Loop {
	LLVMValueRef iv, hi;
	LLVMBasicBlockRef body, exit;
} Loop;

/* The code of one point, or of w points from q (jl_row_vec's body). */
typedef void PointFn(Gen *g, const Region *rg, LLVMValueRef q, int w);

/* jit_llvm.c */
LLVMValueRef jl_i64c(Gen *g, long v);
LLVMValueRef jl_f64c(Gen *g, double v);
LLVMValueRef jl_load_at(Gen *g, LLVMTypeRef t, LLVMValueRef base, LLVMValueRef idx,
                        const char *name);
LLVMValueRef jl_sweep_coef(Gen *g, LLVMValueRef fn, const Coef *c);
void jl_fn_attr(Gen *g, LLVMValueRef fn, unsigned idx, const char *name);
LLVMValueRef jl_bound(Gen *g, Bound bd, int ax);
Loop jl_loop_open(Gen *g, LLVMValueRef lo, LLVMValueRef hi, const char *name);
void jl_loop_close(Gen *g, Loop *L);
LLVMValueRef jl_load_w(Gen *g, LLVMValueRef base, LLVMValueRef idx, int w);
void jl_store_w(Gen *g, LLVMValueRef v, LLVMValueRef base, LLVMValueRef idx, int w);
LLVMValueRef jl_splat(Gen *g, LLVMValueRef x, int w);
LLVMValueRef jl_coef_at(Gen *g, int c, LLVMValueRef q, int w);
LLVMValueRef jl_group_sum(Gen *g, const Group *gr, LLVMValueRef q, int w);
void jl_row_vec(Gen *g, const Region *rg, LLVMValueRef lo, LLVMValueRef hi, LLVMValueRef row,
                PointFn *pt);
LLVMValueRef jl_new_fn(Gen *g, const char *sym, LLVMTypeRef *ty, int n,
                       const char *const *names);

/* jit_llvm_adj.c: void sym(c, tc, a, la, lb, ln, u, nx, ny, nx1, sums),
 * emit_loop.c's P__adjsweep. */
void jl_build_adjsweep(Gen *g, const char *sym);

#endif
