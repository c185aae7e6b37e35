/* jit_llvm.c — the LLVM backend: the time loop of P_run (per step the
 * time-varying coefficients, the sweep over the grid, the sources, the
 * outputs and the rotation of the states), the sweep alone (P__sweep,
 * which the step of the gradient calls) and the adjoint sweep with the
 * gradient's sums riding along (P__adjsweep, which the adjoint step
 * calls; jit_llvm_adj.c builds it) built from the loop IR with the LLVM-C API, optimised at O3 for
 * the host CPU and JIT-compiled with ORC LLJIT; everything else is the C
 * text compiled by TinyCC with those three only declared
 * (DPM_EXTERN_RUN, DPM_EXTERN_SWEEP, DPM_EXTERN_ADJ) and bound to the
 * LLVM functions' addresses.
 * requires: Loops from lower() (forward and adjoint regions, the sources'
 *           strengths, the derivative tables) and the C text that
 *           cg_emit_c made of them.
 * leaves:   a Kernel like TinyCC's whose run and step call LLVM code that
 *           does the C text's operations in its order, without contraction
 *           or fast-math, so it computes the same bits as the cc and tcc
 *           backends.
 * DPM_LLVM_CPU=NAME compiles for another CPU than the host's;
 * DPM_LLVM_VF=N (1, 2, 4 or 8; 0: the CPU's) sets the vector width of
 * the sweep's rows (1: the loop vectoriser's choice) and of the adjoint's
 * lanes, for tests; DPM_LLVM_IR=1 prints the optimised module on stderr.
 * Built into dpmc-llvm.so, not dpmc (jit.h, JitModule). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "dpm.h"
#include "ir.h"
#include "jit.h"
#include "jit_llvm.h"
#include "step.h"

/* The environment's knobs (top of the file), read and checked once per
 * load: DPM_LLVM_VF=1000 made vectors of a thousand doubles, on which
 * LLVM's code generator ran for hours. */
typedef struct Knobs {
	int vf;                    /* 0: the CPU's width */
	int ir;                    /* print the optimised module */
} Knobs;

typedef struct Llvm {
	void *tcc;                 /* the TinyCC state of the rest of the code */
	LLVMOrcLLJITRef jit;       /* owns the loop's and the sweep's machine code */
} Llvm;

/* The nodes of one block of expressions, counted by the ExprUses that
 * ex_emitter_flush (expr.c) counts with: the same temporaries. */
struct Cse {
	ExprUses u;
	LLVMValueRef *tmp;         /* by Expr id, below u.nid: a temporary's
	                              value, or NULL */
	int branch;                /* gates and selects as branches, not selects */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed;

/* Once per process.  Without loop strength reduction: the adjoint
 * sweep's loops address some fifty taps each at a stride of nx1, on
 * which LSR's search was a fifth of plate.dpm's 300 ms compile, while the
 * run and gradient times of the bench models stay within their noise
 * (x86 addresses base + index * 8 + offset as cheaply). */
static void
init_llvm(void)
{
	const char *argv[2] = {"dpmc", "-disable-lsr"};

	init_failed = LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter();
	if (!init_failed)
		LLVMParseCommandLineOptions(2, argv, "");
}

/* Take an LLVM error's message into err; 0 when there was none. */
static int
llvm_error(LLVMErrorRef e, const char *what, char *err, int errsz)
{
	char *msg;

	if (!e)
		return 0;
	msg = LLVMGetErrorMessage(e);
	snprintf(err, (size_t)errsz, "internal error: LLVM %s: %s", what, msg);
	LLVMDisposeErrorMessage(msg);
	return -1;
}

LLVMValueRef
jl_i64c(Gen *g, long v)
{
	return LLVMConstInt(g->i64, (unsigned long long)v, 1);
}

LLVMValueRef
jl_f64c(Gen *g, double v)
{
	return LLVMConstReal(g->f64, v);
}

LLVMValueRef
jl_load_at(Gen *g, LLVMTypeRef t, LLVMValueRef base, LLVMValueRef idx, const char *name)
{
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, t, base, &idx, 1, "");

	return LLVMBuildLoad2(g->b, t, p, name);
}

void
jl_fn_attr(Gen *g, LLVMValueRef fn, unsigned idx, const char *name)
{
	unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));

	LLVMAddAttributeAtIndex(fn, idx, LLVMCreateEnumAttribute(g->cx, kind, 0));
}

/* A function of `n` doubles returning a double: libm, which the JIT finds
 * in the process, or an intrinsic.  Pure, as with -fno-math-errno, so it
 * can be hoisted out of the loops. */
static LLVMValueRef
math_fn(Gen *g, const char *name, int n)
{
	LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
	LLVMTypeRef args[2] = {g->f64, g->f64};

	if (fn)
		return fn;
	fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(g->f64, args, (unsigned)n, 0));
	jl_fn_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind");
	jl_fn_attr(g, fn, LLVMAttributeFunctionIndex, "readnone");
	jl_fn_attr(g, fn, LLVMAttributeFunctionIndex, "willreturn");
	return fn;
}

/* A call of libm's own function, never one LLVM puts in its place
 * (pow(2, x) as exp2(x), fmin as minnum): the one TinyCC's and cc's code
 * calls, so the results are the same bits. */
static LLVMValueRef
call_math(Gen *g, const char *name, LLVMValueRef *a, int n)
{
	LLVMValueRef fn = math_fn(g, name, n);
	LLVMValueRef c = LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, a, (unsigned)n, "");
	unsigned kind = LLVMGetEnumAttributeKindForName("nobuiltin", 9);

	if (strncmp(name, "llvm.", 5))
		LLVMAddCallSiteAttribute(c, LLVMAttributeFunctionIndex,
		                         LLVMCreateEnumAttribute(g->cx, kind, 0));
	return c;
}

static LLVMValueRef
call1(Gen *g, const char *name, LLVMValueRef x)
{
	return call_math(g, name, &x, 1);
}

static LLVMValueRef
call2(Gen *g, const char *name, LLVMValueRef x, LLVMValueRef y)
{
	LLVMValueRef a[2];

	a[0] = x;
	a[1] = y;
	return call_math(g, name, a, 2);
}

/* ---- expressions ----
 * What ex_print_c prints, as IR, operation for operation (expr.c keeps
 * ex_eval and the printer in step; this follows the printer): x^2 is x*x,
 * x*y^-1 is x/y (ex_recip), sigmoid 1/(1 + exp(-x)), and a product with a
 * comparison (ex_gate) `cond ? x : 0.0`, except when the comparison is
 * one of the emitter's temporaries, where the C text has the plain
 * product.  So the nodes are counted as the emitter counts them
 * (ExprUses), the temporaries computed first, the rest inline where
 * named. */

static int
istmp(const Cse *c, const Expr *e)
{
	return e->id < c->u.nid && c->tmp[e->id];
}

static LLVMValueRef lower_ex(Gen *g, const Expr *e, int top);

/* cond ? then : els (els NULL: 0.0), as the C text's ?: — a branch, so
 * what is not taken is not computed (a force that has ended costs no
 * cos() per step), or inside the sweep a select, which vectorises. */
static LLVMValueRef
choose(Gen *g, LLVMValueRef cond, const Expr *then, const Expr *els)
{
	LLVMBasicBlockRef bt, be, bj;
	LLVMValueRef x, y, phi, in[2];
	LLVMBasicBlockRef from[2];

	if (!g->cse->branch) {
		x = lower_ex(g, then, 0);
		y = els ? lower_ex(g, els, 0) : jl_f64c(g, 0);
		return LLVMBuildSelect(g->b, cond, x, y, "");
	}
	bt = LLVMAppendBasicBlockInContext(g->cx, g->fn, "then");
	be = LLVMAppendBasicBlockInContext(g->cx, g->fn, "else");
	bj = LLVMAppendBasicBlockInContext(g->cx, g->fn, "join");
	LLVMBuildCondBr(g->b, cond, bt, be);
	LLVMPositionBuilderAtEnd(g->b, bt);
	in[0] = lower_ex(g, then, 0);
	from[0] = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, bj);
	LLVMPositionBuilderAtEnd(g->b, be);
	in[1] = els ? lower_ex(g, els, 0) : jl_f64c(g, 0);
	from[1] = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, bj);
	LLVMPositionBuilderAtEnd(g->b, bj);
	phi = LLVMBuildPhi(g->b, g->f64, "");
	LLVMAddIncoming(phi, in, from, 2);
	return phi;
}

/* A comparison as a condition (pccond). */
static LLVMValueRef
cond(Gen *g, const Expr *e)
{
	static const LLVMRealPredicate pred[] = {LLVMRealOLT, LLVMRealOLE, LLVMRealOEQ, LLVMRealUNE};
	LLVMValueRef a = lower_ex(g, e->a, 0), b = lower_ex(g, e->b, 0), z = jl_f64c(g, 0);

	if (e->op == CMP_AND || e->op == CMP_OR) {
		a = LLVMBuildFCmp(g->b, LLVMRealUNE, a, z, "");
		b = LLVMBuildFCmp(g->b, LLVMRealUNE, b, z, "");
		return e->op == CMP_AND ? LLVMBuildAnd(g->b, a, b, "") : LLVMBuildOr(g->b, a, b, "");
	}
	return LLVMBuildFCmp(g->b, pred[e->op], a, b, "");
}

static LLVMValueRef
lower_mul(Gen *g, const Expr *e)
{
	const Expr *a = e->a, *r = e->b, *gt = ex_gate(e);
	int isc = a->kind == EX_NUM;
	LLVMValueRef x, y;

	if (gt && !istmp(g->cse, gt) && !isc)
		return choose(g, cond(g, gt), gt == e->a ? e->b : e->a, NULL);
	if (ex_recip(r)) {
		x = isc ? jl_f64c(g, a->num) : lower_ex(g, a, 0);
		y = lower_ex(g, r->a, 0);
		if (ex_recip(r) == -2)
			y = LLVMBuildFMul(g->b, y, y, "");
		return LLVMBuildFDiv(g->b, x, y, "");
	}
	if (isc && a->num == 1)
		return lower_ex(g, r, 0);
	if (isc && a->num == -1)
		return LLVMBuildFNeg(g->b, lower_ex(g, r, 0), "");
	x = isc ? jl_f64c(g, a->num) : lower_ex(g, a, 0);
	return LLVMBuildFMul(g->b, x, lower_ex(g, r, 0), "");
}

static LLVMValueRef
lower_pow(Gen *g, const Expr *e)
{
	double n = e->b->kind == EX_NUM ? e->b->num : 0;
	LLVMValueRef x = lower_ex(g, e->a, 0), x2;

	if (e->b->kind != EX_NUM || !(n == 2 || n == 3 || n == -1 || n == -2 || n == 0.5))
		return call2(g, "pow", x, lower_ex(g, e->b, 0));
	if (n == 0.5)
		return call1(g, "llvm.sqrt.f64", x);
	if (n == -1)
		return LLVMBuildFDiv(g->b, jl_f64c(g, 1), x, "");
	x2 = LLVMBuildFMul(g->b, x, x, "");
	if (n == 3)
		return LLVMBuildFMul(g->b, x2, x, "");
	return n == -2 ? LLVMBuildFDiv(g->b, jl_f64c(g, 1), x2, "") : x2;
}

static LLVMValueRef
lower_fn(Gen *g, const Expr *e)
{
	static const char *const name[NFN] = {
		"sin", "cos", "tan", "exp", "log", "llvm.sqrt.f64", "llvm.fabs.f64", "tanh",
		NULL, NULL, NULL, "llvm.rint.f64", "fmin", "fmax",
	};
	LLVMValueRef x = lower_ex(g, e->a, 0), t;

	switch ((Fn)e->op) {
	case FN_SIGMOID:      /* 1.0/(1.0 + exp(-x)) */
		t = call1(g, "exp", LLVMBuildFNeg(g->b, x, ""));
		return LLVMBuildFDiv(g->b, jl_f64c(g, 1), LLVMBuildFAdd(g->b, jl_f64c(g, 1), t, ""), "");
	case FN_SOFTPLUS:     /* fmax(x, 0.0) + log1p(exp(-fabs(x))) */
		t = call1(g, "exp", LLVMBuildFNeg(g->b, call1(g, "llvm.fabs.f64", x), ""));
		return LLVMBuildFAdd(g->b, call2(g, "fmax", x, jl_f64c(g, 0)), call1(g, "log1p", t), "");
	case FN_STEP:         /* x >= 0 ? 1.0 : 0.0 */
		return LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOGE, x, jl_f64c(g, 0), ""),
		                       jl_f64c(g, 1), jl_f64c(g, 0), "");
	case FN_MIN: case FN_MAX:
		return call2(g, name[e->op], x, lower_ex(g, e->b, 0));
	default:
		if ((int)e->op < 0 || e->op >= NFN || !name[e->op])
			die("jit_llvm: bad function %d", e->op);
		return call1(g, name[e->op], x);
	}
}

/* e's value; a temporary's is the one computed, unless `top` (its own
 * definition). */
static LLVMValueRef
lower_ex(Gen *g, const Expr *e, int top)
{
	if (!top && istmp(g->cse, e))
		return g->cse->tmp[e->id];
	switch (e->kind) {
	case EX_NUM:
		return jl_f64c(g, e->num);
	case EX_PARAM:
		return g->param[e->index];
	case EX_SYM:
		if (!g->sym[e->index])
			die("jit_llvm: symbol %d in a coefficient of the step", e->index);
		return g->sym[e->index];
	case EX_ADD:          /* the printer's a - |c|*x and x - |c| are a + b exactly */
		return LLVMBuildFAdd(g->b, lower_ex(g, e->a, 0), lower_ex(g, e->b, 0), "");
	case EX_MUL:
		return lower_mul(g, e);
	case EX_POW:
		return lower_pow(g, e);
	case EX_FN:
		return lower_fn(g, e);
	case EX_CMP:          /* (cond ? 1.0 : 0.0) */
		return LLVMBuildSelect(g->b, cond(g, e), jl_f64c(g, 1), jl_f64c(g, 0), "");
	case EX_SELECT:       /* (a != 0 ? b : c) */
		return choose(g, LLVMBuildFCmp(g->b, LLVMRealUNE, lower_ex(g, e->a, 0), jl_f64c(g, 0), ""),
		              e->b, e->c);
	}
	die("jit_llvm: bad node kind %d", (int)e->kind);
}

/* The values of roots[0..n-1] into val: one emitter's block of the C text
 * (time_coefs, or a point's space-time coefficients in loop_open). */
static void
lower_block(Gen *g, Expr *const *roots, int n, LLVMValueRef *val, int branch)
{
	Cse c;
	const Expr *e;
	int i;

	memset(&c, 0, sizeof c);
	c.branch = branch;
	g->cse = &c;
	for (i = 0; i < n; i++)
		ex_uses_add(&c.u, roots[i]);
	c.tmp = mem_alloc(c.u.nid * sizeof *c.tmp);
	for (i = 0; i < c.u.norder; i++) {
		e = c.u.order[i];
		if (ex_uses_shared(&c.u, e))
			c.tmp[e->id] = lower_ex(g, e, 1);
	}
	for (i = 0; i < n; i++)
		val[i] = lower_ex(g, roots[i], 0);
	g->cse = NULL;
	ex_uses_free(&c.u);
	mem_free(c.tmp);
}

/* ---- the sweep: the regions of the step over u, up into un ---- */

/* A bound: the number `off` from the axis start, or n + off from its end. */
LLVMValueRef
jl_bound(Gen *g, Bound bd, int ax)
{
	if (!bd.anchor)
		return jl_i64c(g, bd.off);
	return LLVMBuildNSWAdd(g->b, ax ? g->ny : g->nx, jl_i64c(g, bd.off), "n");
}

/* for (iv = lo; iv <= hi; iv++) { ... }: a guard, then a bottom-tested
 * body, the shape the loop passes recognise without rotating it. */
Loop
jl_loop_open(Gen *g, LLVMValueRef lo, LLVMValueRef hi, const char *name)
{
	Loop L;
	LLVMBasicBlockRef guard = LLVMGetInsertBlock(g->b);

	L.hi = hi;
	L.body = LLVMAppendBasicBlockInContext(g->cx, g->fn, name);
	L.exit = LLVMAppendBasicBlockInContext(g->cx, g->fn, "");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLE, lo, hi, ""), L.body, L.exit);
	LLVMPositionBuilderAtEnd(g->b, L.body);
	L.iv = LLVMBuildPhi(g->b, g->i64, name);
	LLVMAddIncoming(L.iv, &lo, &guard, 1);
	return L;
}

void
jl_loop_close(Gen *g, Loop *L)
{
	LLVMValueRef next = LLVMBuildNSWAdd(g->b, L->iv, jl_i64c(g, 1), "");
	LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);

	LLVMAddIncoming(L->iv, &next, &latch, 1);
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLE, next, L->hi, ""), L->body, L->exit);
	LLVMPositionBuilderAtEnd(g->b, L->exit);
}

/* w doubles (w = 1: one) at base[idx], or a store of v there. */
LLVMValueRef
jl_load_w(Gen *g, LLVMValueRef base, LLVMValueRef idx, int w)
{
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->f64, base, &idx, 1, ""), x;
	LLVMTypeRef vt = LLVMVectorType(g->f64, (unsigned)w);

	if (w == 1)
		return LLVMBuildLoad2(g->b, g->f64, p, "");
	p = LLVMBuildBitCast(g->b, p, LLVMPointerType(vt, 0), "");
	x = LLVMBuildLoad2(g->b, vt, p, "");
	LLVMSetAlignment(x, 8);
	return x;
}

void
jl_store_w(Gen *g, LLVMValueRef v, LLVMValueRef base, LLVMValueRef idx, int w)
{
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->f64, base, &idx, 1, "");

	if (w > 1)
		p = LLVMBuildBitCast(g->b, p, LLVMPointerType(LLVMVectorType(g->f64, (unsigned)w), 0), "");
	LLVMSetAlignment(LLVMBuildStore(g->b, v, p), 8);
}

LLVMValueRef
jl_splat(Gen *g, LLVMValueRef x, int w)
{
	LLVMTypeRef vt = LLVMVectorType(g->f64, (unsigned)w);
	LLVMTypeRef mt = LLVMVectorType(LLVMInt32TypeInContext(g->cx), (unsigned)w);

	if (w == 1)
		return x;
	x = LLVMBuildInsertElement(g->b, LLVMGetUndef(vt), x, LLVMConstInt(LLVMInt32TypeInContext(g->cx), 0, 0), "");
	return LLVMBuildShuffleVector(g->b, x, LLVMGetUndef(vt), LLVMConstNull(mt), "");
}

/* Coefficient c at the w points from q. */
LLVMValueRef
jl_coef_at(Gen *g, int c, LLVMValueRef q, int w)
{
	if (g->l->coefs[c].cls == CO_SPACE)
		return jl_load_w(g, g->coef[c], q, w);
	if (!g->coef[c])
		die("jit_llvm: coefficient %d has no value", c);
	return jl_splat(g, g->coef[c], w);
}

/* A group's taps at the w points from q, over g->u (level 0) and g->up
 * (level 1), added left to right as group_text in emit_loop.c prints
 * them; 0 for none. */
LLVMValueRef
jl_group_sum(Gen *g, const Group *gr, LLVMValueRef q, int w)
{
	LLVMValueRef sum = NULL, t, off;
	int i;

	for (i = 0; i < gr->ntap; i++) {
		off = LLVMBuildNSWAdd(g->b, jl_i64c(g, gr->tap[i].dx),
		                      LLVMBuildNSWMul(g->b, jl_i64c(g, gr->tap[i].dy), g->nx1, ""), "");
		t = jl_load_w(g, gr->tap[i].level ? g->up : g->u, LLVMBuildNSWAdd(g->b, q, off, ""), w);
		sum = sum ? LLVMBuildFAdd(g->b, sum, t, "") : t;
	}
	return sum ? sum : jl_splat(g, jl_f64c(g, 0), w);
}

/* un[q] = c_g0 * ((t0 + t1) + ...) + c_g1 * (...) + ... + fon * force, in
 * the order and association of region() in emit_loop.c; at the w points
 * from q. */
static void
point(Gen *g, const Region *rg, LLVMValueRef q, int w)
{
	const Loops *l = g->l;
	LLVMValueRef acc = NULL, sum, t;
	int k;

	for (k = 0; k < rg->ngroups; k++) {
		sum = jl_group_sum(g, &rg->groups[k], q, w);
		t = LLVMBuildFMul(g->b, jl_coef_at(g, rg->groups[k].coef, q, w), sum, "");
		acc = acc ? LLVMBuildFAdd(g->b, acc, t, "") : t;
	}
	if (l->force_coef >= 0) {
		t = LLVMBuildFMul(g->b, jl_splat(g, g->fon, w), jl_coef_at(g, l->force_coef, q, w), "");
		acc = acc ? LLVMBuildFAdd(g->b, acc, t, "") : t;
	}
	if (!acc)
		acc = jl_splat(g, jl_f64c(g, 0), w);
	jl_store_w(g, acc, g->un, q, w);
}

typedef void PointFn(Gen *g, const Region *rg, LLVMValueRef q, int w);

/* A row lo..hi of a region without space-time coefficients, vf points at
 * a time (pt: the forward or the adjoint point), the last vector ending
 * at hi: it overlaps the one before and computes some points twice, to
 * the same value (the destination is not read), which costs less than a
 * remainder loop.  Rows shorter than vf: one at a time. */
void
jl_row_vec(Gen *g, const Region *rg, LLVMValueRef lo, LLVMValueRef hi, LLVMValueRef row,
           PointFn *pt)
{
	int w = g->vf;
	LLVMValueRef last = LLVMBuildNSWSub(g->b, hi, jl_i64c(g, w - 1), "last"), s, st, next;
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b), vec, scal, done, cur;
	Loop Li;

	vec = LLVMAppendBasicBlockInContext(g->cx, g->fn, "vec");
	scal = LLVMAppendBasicBlockInContext(g->cx, g->fn, "scalar");
	done = LLVMAppendBasicBlockInContext(g->cx, g->fn, "row");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLE, lo, last, ""), vec, scal);

	/* for (s = lo;; s += w) { st = min(s, last); point(st); if (st == last) break; } */
	LLVMPositionBuilderAtEnd(g->b, vec);
	s = LLVMBuildPhi(g->b, g->i64, "s");
	LLVMAddIncoming(s, &lo, &pre, 1);
	st = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, s, last, ""), s, last, "");
	pt(g, rg, LLVMBuildNSWAdd(g->b, st, row, "q"), w);
	next = LLVMBuildNSWAdd(g->b, s, jl_i64c(g, w), "");
	cur = LLVMGetInsertBlock(g->b);
	LLVMAddIncoming(s, &next, &cur, 1);
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, st, last, ""), done, vec);

	LLVMPositionBuilderAtEnd(g->b, scal);
	Li = jl_loop_open(g, lo, hi, "i");
	pt(g, rg, LLVMBuildNSWAdd(g->b, Li.iv, row, "q"), 1);
	jl_loop_close(g, &Li);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

static void
add_st(const Loops *l, int c, Expr **st, int *ist, int *nst)
{
	int i;

	if (c < 0 || l->coefs[c].cls != CO_SPACETIME)
		return;
	for (i = 0; i < *nst; i++)
		if (ist[i] == c)
			return;
	ist[*nst] = c;
	st[(*nst)++] = l->coefs[c].e;
}

static void
region(Gen *g, const Region *rg)
{
	const Loops *l = g->l;
	int two = l->s->ndim == 2, k, nst = 0;
	int *ist = mem_alloc((size_t)(rg->ngroups + 2) * sizeof *ist);
	Expr **st = mem_alloc((size_t)(rg->ngroups + 2) * sizeof *st);
	LLVMValueRef j = jl_i64c(g, 0), row, q, *val;
	Loop Lj, Li;

	/* the space-time coefficients, in loop_open's order */
	for (k = 0; k < rg->ngroups; k++)
		add_st(l, rg->groups[k].coef, st, ist, &nst);
	add_st(l, l->force_coef, st, ist, &nst);
	if (two) {
		Lj = jl_loop_open(g, jl_bound(g, rg->lo[1], 1), jl_bound(g, rg->hi[1], 1), "j");
		j = Lj.iv;
	}
	row = LLVMBuildNSWMul(g->b, j, g->nx1, "row");
	if (!nst && g->vf > 1) {
		jl_row_vec(g, rg, jl_bound(g, rg->lo[0], 0), jl_bound(g, rg->hi[0], 0), row, point);
		if (two)
			jl_loop_close(g, &Lj);
		mem_free(ist);
		mem_free(st);
		return;
	}
	Li = jl_loop_open(g, jl_bound(g, rg->lo[0], 0), jl_bound(g, rg->hi[0], 0), "i");
	q = LLVMBuildNSWAdd(g->b, Li.iv, row, "q");
	if (nst) {
		/* x = x0 + i * hx, y = y0 + j * hy */
		g->sym[SYM_X] = LLVMBuildFAdd(g->b, g->x0, LLVMBuildFMul(g->b,
		    LLVMBuildSIToFP(g->b, Li.iv, g->f64, ""), g->sym[SYM_HX], ""), "x");
		g->sym[SYM_Y] = LLVMBuildFAdd(g->b, g->y0, LLVMBuildFMul(g->b,
		    LLVMBuildSIToFP(g->b, j, g->f64, ""), g->sym[SYM_HY], ""), "y");
		val = mem_alloc((size_t)nst * sizeof *val);
		lower_block(g, st, nst, val, 0);
		for (k = 0; k < nst; k++)
			g->coef[ist[k]] = val[k];
		mem_free(val);
		g->sym[SYM_X] = g->sym[SYM_Y] = NULL;
	}
	point(g, rg, q, 1);
	jl_loop_close(g, &Li);
	if (two)
		jl_loop_close(g, &Lj);
	for (k = 0; k < nst; k++)
		g->coef[ist[k]] = NULL;
	mem_free(ist);
	mem_free(st);
}

/* The core's parameters: the states, the grid, then the symbols, the
 * params and one per coefficient (a double, or an array for CO_SPACE). */
enum { C_U, C_UP, C_UN, C_NX, C_NY, C_NX1, C_FON, C_T, C_K, C_HX, C_HY, C_X0, C_Y0, C_NFIX };

static int
core_nargs(const Loops *l)
{
	return C_NFIX + l->s->nparams + l->ncoefs;
}

/* The sweep as an internal function with restrict states, inlined into
 * its callers: the noalias of u, up, un, which makes the inner loops
 * vectorise without run-time overlap checks, becomes the inlined code's
 * alias scopes. */
static LLVMValueRef
build_core(Gen *g)
{
	const Loops *l = g->l;
	int na = core_nargs(l), np = l->s->nparams, i, r;
	LLVMTypeRef *ty = mem_alloc((size_t)na * sizeof *ty);
	LLVMValueRef fn;

	for (i = 0; i < na; i++)
		ty[i] = g->f64;
	ty[C_U] = ty[C_UP] = ty[C_UN] = g->pf64;
	ty[C_NX] = ty[C_NY] = ty[C_NX1] = g->i64;
	for (i = 0; i < l->ncoefs; i++)
		if (l->coefs[i].cls == CO_SPACE)
			ty[C_NFIX + np + i] = g->pf64;
	fn = LLVMAddFunction(g->mod, "sweep", LLVMFunctionType(LLVMVoidTypeInContext(g->cx), ty,
	                                                      (unsigned)na, 0));
	mem_free(ty);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	for (i = C_U; i <= C_UN; i++) {
		jl_fn_attr(g, fn, (unsigned)i + 1, "noalias");
		jl_fn_attr(g, fn, (unsigned)i + 1, "nocapture");
	}
	jl_fn_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind");
	jl_fn_attr(g, fn, LLVMAttributeFunctionIndex, "alwaysinline");

	g->fn = fn;
	LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->cx, fn, "entry"));
	g->u = LLVMGetParam(fn, C_U);
	g->up = LLVMGetParam(fn, C_UP);
	g->un = LLVMGetParam(fn, C_UN);
	g->nx = LLVMGetParam(fn, C_NX);
	g->ny = LLVMGetParam(fn, C_NY);
	g->nx1 = LLVMGetParam(fn, C_NX1);
	g->fon = LLVMGetParam(fn, C_FON);
	g->x0 = LLVMGetParam(fn, C_X0);
	g->y0 = LLVMGetParam(fn, C_Y0);
	memset(g->sym, 0, sizeof g->sym);
	g->sym[SYM_T] = LLVMGetParam(fn, C_T);
	g->sym[SYM_K] = LLVMGetParam(fn, C_K);
	g->sym[SYM_HX] = LLVMGetParam(fn, C_HX);
	g->sym[SYM_HY] = LLVMGetParam(fn, C_HY);
	for (i = 0; i < np; i++)
		g->param[i] = LLVMGetParam(fn, (unsigned)(C_NFIX + i));
	for (i = 0; i < l->ncoefs; i++)
		g->coef[i] = l->coefs[i].cls == CO_SPACETIME ? NULL
		             : LLVMGetParam(fn, (unsigned)(C_NFIX + np + i));
	for (r = 0; r < l->nreg; r++)
		region(g, &l->reg[r]);
	LLVMBuildRetVoid(g->b);
	return fn;
}

/* Call the core with the arguments in a[] (NULL: undefined, unused). */
static void
call_core(Gen *g, LLVMValueRef core, LLVMValueRef *a)
{
	int i, na = core_nargs(g->l);
	LLVMTypeRef fty = LLVMGlobalGetValueType(core);
	LLVMTypeRef *ty = mem_alloc((size_t)na * sizeof *ty);

	LLVMGetParamTypes(fty, ty);
	for (i = 0; i < na; i++)
		if (!a[i])
			a[i] = LLVMGetUndef(ty[i]);
	LLVMBuildCall2(g->b, fty, core, a, (unsigned)na, "");
	mem_free(ty);
}

/* Coefficient c in a sweep, from fn's first three params, in CoefClass
 * order: the arrays c (constant), tc (this step's) and a (space-varying:
 * a row of points). */
LLVMValueRef
jl_sweep_coef(Gen *g, LLVMValueRef fn, const Coef *c)
{
	static const char *const name[] = {"c", "tc", "a"};

	if (c->cls == CO_SPACETIME)
		die("jit_llvm: a sweep with a space-time coefficient");
	return jl_load_at(g, c->cls == CO_SPACE ? g->pf64 : g->f64, LLVMGetParam(fn, (unsigned)c->cls),
	                  jl_i64c(g, c->slot), name[c->cls]);
}

LLVMValueRef
jl_new_fn(Gen *g, const char *sym, LLVMTypeRef *ty, int n, const char *const *names)
{
	LLVMValueRef fn = LLVMAddFunction(g->mod, sym,
	    LLVMFunctionType(LLVMVoidTypeInContext(g->cx), ty, (unsigned)n, 0));
	int i;

	for (i = 0; i < n; i++)
		LLVMSetValueName2(LLVMGetParam(fn, (unsigned)i), names[i], strlen(names[i]));
	jl_fn_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind");
	g->fn = fn;
	LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->cx, fn, "entry"));
	return fn;
}

/* void P__sweep(const double *c, const double *tc, double *const *a,
 *     const double *u, const double *up, double *un, long nx, long ny,
 *     long nx1, double fon): emit_sweep's function, for the C step. */
static void
build_sweep(Gen *g, LLVMValueRef core, const char *sym)
{
	static const char *const names[10] = {"c", "tc", "a", "u", "up", "un", "nx", "ny", "nx1", "fon"};
	const Loops *l = g->l;
	LLVMTypeRef ty[10];
	LLVMValueRef fn, *a = mem_alloc((size_t)core_nargs(l) * sizeof *a);
	int i, np = l->s->nparams;

	for (i = 0; i < 10; i++)
		ty[i] = i < 6 ? g->pf64 : g->i64;
	ty[2] = g->ppf64;
	ty[9] = g->f64;
	fn = jl_new_fn(g, sym, ty, 10, names);
	for (i = 0; i < 6; i++)
		a[C_U + i] = LLVMGetParam(fn, (unsigned)(3 + i));
	a[C_FON] = LLVMGetParam(fn, 9);
	for (i = 0; i < l->ncoefs; i++)
		if (loops_in_step(l, i))
			a[C_NFIX + np + i] = jl_sweep_coef(g, fn, &l->coefs[i]);
	call_core(g, core, a);
	LLVMBuildRetVoid(g->b);
	mem_free(a);
}

/* The outputs of step s into out[s * nout ...]: y = sum w un[i], or the
 * velocity (sum w un[i] - sum w u[i]) / k, added left to right. */
static void
outputs(Gen *g, LLVMValueRef out, LLVMValueRef s, LLVMValueRef *oi, LLVMValueRef *ow,
        LLVMValueRef u, LLVMValueRef un, int first, int count)
{
	const Scheme *sc = g->l->s;
	int i, v, nv = sc->ndim == 2 ? 4 : 2;
	LLVMValueRef y, t, base = LLVMBuildNSWMul(g->b, s, jl_i64c(g, sc->nout), "");

	for (i = first; i < first + count; i++) {
		y = NULL;
		for (v = 0; v < nv; v++) {
			t = LLVMBuildFMul(g->b, ow[4 * i + v], jl_load_at(g, g->f64, un, oi[4 * i + v], ""), "");
			y = y ? LLVMBuildFAdd(g->b, y, t, "") : t;
		}
		if (sc->out[i].velocity) {
			for (v = 0; v < nv; v++) {
				t = LLVMBuildFMul(g->b, ow[4 * i + v], jl_load_at(g, g->f64, u, oi[4 * i + v], ""), "");
				y = LLVMBuildFSub(g->b, y, t, "");
			}
			y = LLVMBuildFDiv(g->b, y, g->sym[SYM_K], "");
		}
		t = LLVMBuildNSWAdd(g->b, base, jl_i64c(g, i), "");
		LLVMBuildStore(g->b, y, LLVMBuildInBoundsGEP2(g->b, g->f64, out, &t, 1, ""));
	}
}

/* void P__runloop(const double *p, const double *c, double *const *a,
 *     double **buf, const long *src_i, const double *src_w,
 *     const long *out_i, const double *out_w, const double *from,
 *     double k, double hx, double hy, long nx, long ny, long nx1,
 *     long step, long n, double *out): n >= 1 steps of P_run from the
 * states buf[0..2] = u, up, un, left rotated in buf; what emit_step's
 * time loop does, with everything that does not change hoisted. */
enum { R_P, R_C, R_A, R_BUF, R_SRCI, R_SRCW, R_OUTI, R_OUTW, R_FROM, R_K, R_HX, R_HY,
       R_NX, R_NY, R_NX1, R_STEP, R_N, R_OUT, R_NARGS };

/* The run loop's body is the step program walked (step.h): each op adds
 * its code at the builder; the loop's phis (s, u, up, un) are ph[]. */
typedef struct LStep {
	Gen *g;
	LLVMValueRef core, arg[R_NARGS], ph[4], *si, *sw, *oi, *ow;
	LLVMValueRef bu[3];        /* the states as the loop finds them */
	LLVMBasicBlockRef entry, ret;
} LStep;

static void
l_time(void *ctx, const Step *st, const Op *o)
{
	LStep *c = ctx;
	Gen *g = c->g;
	const Loops *l = g->l;
	int i, ntc = 0;
	Expr **tce = mem_alloc((size_t)(l->ncoefs + 1) * sizeof *tce);
	int *tci = mem_alloc((size_t)(l->ncoefs + 1) * sizeof *tci);
	unsigned char *used = mem_alloc((size_t)l->ncoefs + 1);
	LLVMValueRef t, *tcv;

	/* t = (double)m->step * k, and time_coefs' block: the time-varying
	 * coefficients the step uses (step_used), in coefficient order */
	t = LLVMBuildNSWAdd(g->b, c->arg[R_STEP], c->ph[0], "");
	g->sym[SYM_T] = LLVMBuildFMul(g->b, LLVMBuildSIToFP(g->b, t, g->f64, ""), c->arg[R_K], "t");
	for (i = 0; i < l->ncoefs; i++)
		used[i] = (unsigned char)loops_in_step(l, i);
	for (i = 0; i < l->s->nsrc; i++)
		if (l->src_coef[i] >= 0)
			used[l->src_coef[i]] = 1;
	for (i = 0; i < l->ncoefs; i++)
		if (used[i] && l->coefs[i].cls == CO_TIME) {
			tci[ntc] = i;
			tce[ntc++] = l->coefs[i].e;
		}
	tcv = mem_alloc((size_t)(ntc + 1) * sizeof *tcv);
	lower_block(g, tce, ntc, tcv, 1);
	for (i = 0; i < ntc; i++)
		g->coef[tci[i]] = tcv[i];
	mem_free(tcv);
	mem_free(tce);
	mem_free(tci);
	mem_free(used);
	(void)st; (void)o;
}

/* the sweep (fon = 1: lin is 0 in the loop) */
static void
l_sweep(void *ctx, const Step *st, const Op *o)
{
	LStep *c = ctx;
	Gen *g = c->g;
	const Loops *l = g->l;
	int i, np = l->s->nparams;
	LLVMValueRef *a = mem_alloc((size_t)core_nargs(l) * sizeof *a), *ca = a + C_NFIX + np;

	a[C_U] = c->ph[1];
	a[C_UP] = c->ph[2];
	a[C_UN] = c->ph[3];
	a[C_NX] = c->arg[R_NX];
	a[C_NY] = c->arg[R_NY];
	a[C_NX1] = c->arg[R_NX1];
	a[C_FON] = jl_f64c(g, 1);
	a[C_T] = g->sym[SYM_T];
	a[C_K] = c->arg[R_K];
	a[C_HX] = c->arg[R_HX];
	a[C_HY] = c->arg[R_HY];
	a[C_X0] = g->x0;
	a[C_Y0] = g->y0;
	for (i = 0; i < np; i++)
		a[C_NFIX + i] = g->param[i];
	for (i = 0; i < l->ncoefs; i++)
		if (loops_in_step(l, i) && l->coefs[i].cls != CO_SPACETIME)
			ca[i] = g->coef[i];
	call_core(g, c->core, a);
	mem_free(a);
	(void)st; (void)o;
}

/* the sources: un[src_i] += S * src_w, in order */
static void
l_scatter(void *ctx, const Step *st, const Op *o)
{
	LStep *c = ctx;
	Gen *g = c->g;
	const Loops *l = g->l;
	int i, v, nv = l->s->ndim == 2 ? 4 : 2;

	for (i = o->first; i < o->first + o->count; i++) {
		int cf = l->src_coef[i];
		if (l->coefs[cf].cls != CO_CONST && l->coefs[cf].cls != CO_TIME)
			die("jit_llvm: a source strength that varies in space");
		for (v = 0; v < nv; v++) {
			LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->f64, c->ph[3], &c->si[4 * i + v], 1, "");
			LLVMValueRef x = LLVMBuildLoad2(g->b, g->f64, p, "");
			LLVMBuildStore(g->b, LLVMBuildFAdd(g->b, x,
			    LLVMBuildFMul(g->b, g->coef[cf], c->sw[4 * i + v], ""), ""), p);
		}
	}
	(void)st;
}

/* the outputs, when there is somewhere to put them */
static void
l_gather(void *ctx, const Step *st, const Op *o)
{
	LStep *c = ctx;
	Gen *g = c->g;
	LLVMBasicBlockRef yes = LLVMAppendBasicBlockInContext(g->cx, g->fn, "y");
	LLVMBasicBlockRef after = LLVMAppendBasicBlockInContext(g->cx, g->fn, "ydone");

	LLVMBuildCondBr(g->b, LLVMBuildIsNotNull(g->b, c->arg[R_OUT], ""), yes, after);
	LLVMPositionBuilderAtEnd(g->b, yes);
	outputs(g, c->arg[R_OUT], c->ph[0], c->oi, c->ow, c->ph[1], c->ph[3], o->first, o->count);
	LLVMBuildBr(g->b, after);
	LLVMPositionBuilderAtEnd(g->b, after);
	(void)st;
}

/* rotate: up = u, u = un, un = up; the next step or the end */
static void
l_rotate(void *ctx, const Step *st, const Op *o)
{
	LStep *c = ctx;
	Gen *g = c->g;
	LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b), done;
	LLVMValueRef nb[4], init[4], s1, t;
	int i;

	s1 = LLVMBuildNSWAdd(g->b, c->ph[0], jl_i64c(g, 1), "");
	nb[0] = s1;
	nb[1] = c->ph[3];
	nb[2] = c->ph[1];
	nb[3] = c->ph[2];
	init[0] = jl_i64c(g, 0);
	for (i = 0; i < 3; i++)
		init[i + 1] = c->bu[i];
	for (i = 0; i < 4; i++) {
		LLVMAddIncoming(c->ph[i], &nb[i], &latch, 1);
		LLVMAddIncoming(c->ph[i], &init[i], &c->entry, 1);
	}
	done = LLVMAppendBasicBlockInContext(g->cx, g->fn, "done");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, s1, c->arg[R_N], ""),
	                LLVMGetInstructionParent(c->ph[0]), done);
	LLVMPositionBuilderAtEnd(g->b, done);
	for (i = 0; i < 3; i++) {
		t = jl_i64c(g, i);
		LLVMBuildStore(g->b, nb[i + 1], LLVMBuildInBoundsGEP2(g->b, g->pf64, c->arg[R_BUF], &t, 1, ""));
	}
	LLVMBuildBr(g->b, c->ret);
	(void)st; (void)o;
}

static const StepTarget l_step = {{
	[OP_TIME] = l_time, [OP_SWEEP] = l_sweep, [OP_SCATTER] = l_scatter,
	[OP_GATHER] = l_gather, [OP_ROTATE] = l_rotate,
}};

static void
build_runloop(Gen *g, LLVMValueRef core, const char *sym)
{
	static const char *const names[R_NARGS] = {"p", "c", "a", "buf", "src_i", "src_w", "out_i",
		"out_w", "from", "k", "hx", "hy", "nx", "ny", "nx1", "step", "n", "out"};
	const Loops *l = g->l;
	const Scheme *sc = l->s;
	int i, v, nv = sc->ndim == 2 ? 4 : 2, np = sc->nparams;
	LLVMTypeRef ty[R_NARGS];
	LLVMValueRef fn;
	LLVMBasicBlockRef body;
	LStep c;

	memset(&c, 0, sizeof c);
	c.g = g;
	c.core = core;
	for (i = 0; i < R_NARGS; i++)
		ty[i] = g->pf64;
	ty[R_A] = ty[R_BUF] = g->ppf64;
	ty[R_K] = ty[R_HX] = ty[R_HY] = g->f64;
	ty[R_NX] = ty[R_NY] = ty[R_NX1] = ty[R_STEP] = ty[R_N] = g->i64;
	ty[R_SRCI] = ty[R_OUTI] = LLVMPointerType(g->i64, 0);
	fn = jl_new_fn(g, sym, ty, R_NARGS, names);
	for (i = 0; i < R_NARGS; i++)
		c.arg[i] = LLVMGetParam(fn, (unsigned)i);
	/* nothing else reads or writes what these point to during the loop */
	for (i = 0; i < R_NARGS; i++)
		if (i < R_K || i == R_OUT) {
			jl_fn_attr(g, fn, (unsigned)i + 1, "noalias");
			jl_fn_attr(g, fn, (unsigned)i + 1, "nocapture");
		}
	c.entry = LLVMGetInsertBlock(g->b);

	/* hoisted: params, constant coefficients, arrays, sources, outputs */
	memset(g->sym, 0, sizeof g->sym);
	g->sym[SYM_K] = c.arg[R_K];
	g->sym[SYM_HX] = c.arg[R_HX];
	g->sym[SYM_HY] = c.arg[R_HY];
	for (i = 0; i < np; i++)
		g->param[i] = jl_load_at(g, g->f64, c.arg[R_P], jl_i64c(g, i), "p");
	for (i = 0; i < l->ncoefs; i++) {
		const Coef *cf = &l->coefs[i];
		g->coef[i] = NULL;
		if (cf->cls == CO_CONST)
			g->coef[i] = jl_load_at(g, g->f64, c.arg[R_C], jl_i64c(g, cf->slot), "c");
		else if (cf->cls == CO_SPACE)
			g->coef[i] = jl_load_at(g, g->pf64, c.arg[R_A], jl_i64c(g, cf->slot), "a");
	}
	c.si = mem_alloc((size_t)(4 * sc->nsrc + 1) * sizeof *c.si);
	c.sw = mem_alloc((size_t)(4 * sc->nsrc + 1) * sizeof *c.sw);
	c.oi = mem_alloc((size_t)(4 * sc->nout + 1) * sizeof *c.oi);
	c.ow = mem_alloc((size_t)(4 * sc->nout + 1) * sizeof *c.ow);
	for (i = 0; i < sc->nsrc; i++)
		for (v = 0; v < nv; v++) {
			c.si[4 * i + v] = jl_load_at(g, g->i64, c.arg[R_SRCI], jl_i64c(g, 4 * i + v), "si");
			c.sw[4 * i + v] = jl_load_at(g, g->f64, c.arg[R_SRCW], jl_i64c(g, 4 * i + v), "sw");
		}
	for (i = 0; i < sc->nout; i++)
		for (v = 0; v < nv; v++) {
			c.oi[4 * i + v] = jl_load_at(g, g->i64, c.arg[R_OUTI], jl_i64c(g, 4 * i + v), "oi");
			c.ow[4 * i + v] = jl_load_at(g, g->f64, c.arg[R_OUTW], jl_i64c(g, 4 * i + v), "ow");
		}
	g->x0 = jl_load_at(g, g->f64, c.arg[R_FROM], jl_i64c(g, 0), "x0");
	g->y0 = jl_load_at(g, g->f64, c.arg[R_FROM], jl_i64c(g, 1), "y0");
	for (i = 0; i < 3; i++)
		c.bu[i] = jl_load_at(g, g->pf64, c.arg[R_BUF], jl_i64c(g, i), "buf");

	body = LLVMAppendBasicBlockInContext(g->cx, fn, "step");
	c.ret = LLVMAppendBasicBlockInContext(g->cx, fn, "ret");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, c.arg[R_N], jl_i64c(g, 0), ""), body, c.ret);
	LLVMPositionBuilderAtEnd(g->b, body);
	/* s, u, up, un */
	c.ph[0] = LLVMBuildPhi(g->b, g->i64, "s");
	for (i = 0; i < 3; i++)
		c.ph[i + 1] = LLVMBuildPhi(g->b, g->pf64, i == 0 ? "u" : i == 1 ? "up" : "un");
	step_walk(l->step, ST_FWD, &l_step, &c);
	LLVMPositionBuilderAtEnd(g->b, c.ret);
	LLVMBuildRetVoid(g->b);

	for (i = 0; i < l->ncoefs; i++)
		g->coef[i] = NULL;
	mem_free(c.si);
	mem_free(c.sw);
	mem_free(c.oi);
	mem_free(c.ow);
}

/* The module: the core, the run loop sym[0], and when the C text has
 * them (else NULL) the sweep sym[1] and the adjoint sweep sym[2]. */
static LLVMModuleRef
build_module(const Loops *l, LLVMContextRef cx, const char *const *sym, const char *cpu,
             const char *features, const Knobs *kn)
{
	Gen g;
	LLVMValueRef core, fn;

	memset(&g, 0, sizeof g);
	g.l = l;
	g.cx = cx;
	g.mod = LLVMModuleCreateWithNameInContext("dpm_run", cx);
	g.f64 = LLVMDoubleTypeInContext(cx);
	g.i64 = LLVMInt64TypeInContext(cx);
	g.pf64 = LLVMPointerType(g.f64, 0);
	g.ppf64 = LLVMPointerType(g.pf64, 0);
	g.b = LLVMCreateBuilderInContext(cx);
	/* the widest vectors of doubles the CPU has (a named CPU: SSE2's) */
	g.vf = strstr(features, "+avx512f") ? 8 : strstr(features, "+avx") ? 4 : 2;
	if (kn->vf)
		g.vf = kn->vf;
	g.param = mem_alloc((size_t)(l->s->nparams + 1) * sizeof *g.param);
	g.coef = mem_alloc((size_t)(l->ncoefs + 1) * sizeof *g.coef);
	/* the step's core for the run loop and the sweep (none asked: the C
	 * text's loops run it all, spacetime_reads) */
	core = sym[0] || sym[1] ? build_core(&g) : NULL;
	/* with several parts, the C text's run loop does the step's ops
	 * around the sweep (the loop here walks only those of one field) */
	if (sym[0])
		build_runloop(&g, core, sym[0]);
	if (sym[1])
		build_sweep(&g, core, sym[1]);
	if (sym[2])
		jl_build_adjsweep(&g, sym[2]);
	for (fn = LLVMGetFirstFunction(g.mod); fn; fn = LLVMGetNextFunction(fn)) {
		if (LLVMIsDeclaration(fn))
			continue;
		LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
		    LLVMCreateStringAttribute(cx, "target-cpu", 10, cpu, (unsigned)strlen(cpu)));
		LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
		    LLVMCreateStringAttribute(cx, "target-features", 15, features,
		                              (unsigned)strlen(features)));
	}
	LLVMDisposeBuilder(g.b);
	mem_free(g.param);
	mem_free(g.coef);
	return g.mod;
}

/* Does LLVM know the CPU name? It only warns on stderr ("... is not a
 * recognized processor", or the list of CPUs for "help") when a subtarget
 * is made for an unknown one, and does so again for every function: make
 * one with stderr caught. */
static int
cpu_known(LLVMTargetRef t, const char *triple, const char *cpu, const char *features)
{
	char buf[512] = "";
	FILE *tmp = tmpfile();
	LLVMTargetMachineRef tm;
	int fd, n;

	if (!tmp || (fd = dup(2)) < 0) {
		if (tmp)
			fclose(tmp);
		return 1;
	}
	fflush(stderr);
	dup2(fileno(tmp), 2);
	tm = LLVMCreateTargetMachine(t, triple, cpu, features, LLVMCodeGenLevelNone,
	                             LLVMRelocDefault, LLVMCodeModelJITDefault);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	rewind(tmp);
	n = (int)fread(buf, 1, sizeof buf - 1, tmp);
	buf[n > 0 ? n : 0] = 0;
	fclose(tmp);
	if (tm)
		LLVMDisposeTargetMachine(tm);
	/* "help" is no CPU: LLVM lists the CPUs and goes on with a generic one */
	return tm && !strstr(buf, "not a recognized processor") && !strstr(buf, "Available CPUs");
}

/* A target machine for the host (or DPM_LLVM_CPU); NULL with err set. */
static LLVMTargetMachineRef
host_machine(char **cpu, char **features, char *err, int errsz)
{
	char *triple = LLVMGetDefaultTargetTriple(), *msg = NULL;
	const char *want = getenv("DPM_LLVM_CPU");
	LLVMTargetRef t;
	LLVMTargetMachineRef tm = NULL;

	if (LLVMGetTargetFromTriple(triple, &t, &msg)) {
		snprintf(err, (size_t)errsz, "internal error: LLVM has no target for %s: %s", triple,
		         msg ? msg : "");
		LLVMDisposeMessage(msg);
		LLVMDisposeMessage(triple);
		return NULL;
	}
	if (want && *want) {
		/* another CPU: its own features, not the host's; an unknown name
		 * (LLVM warns) must still leave a 64-bit x86 subtarget, which
		 * LLVM would otherwise abort on */
		*cpu = mem_strdup(want);
		*features = mem_strdup(strncmp(triple, "x86_64", 6) ? "" : "+64bit");
		if (!cpu_known(t, triple, *cpu, *features)) {
			snprintf(err, (size_t)errsz, "LLVM does not know the CPU '%s' (--cpu, DPM_LLVM_CPU); "
			         "'llc-14 -mcpu=help' lists those it does", want);
			LLVMDisposeMessage(triple);
			return NULL;
		}
	} else {
		char *c = LLVMGetHostCPUName(), *f = LLVMGetHostCPUFeatures();
		*cpu = mem_strdup(c);
		*features = mem_strdup(f);
		LLVMDisposeMessage(c);
		LLVMDisposeMessage(f);
	}
	/* default options: no unsafe math, fusion only where the IR allows
	 * contraction, which it never does */
	tm = LLVMCreateTargetMachine(t, triple, *cpu, *features, LLVMCodeGenLevelAggressive,
	                             LLVMRelocDefault, LLVMCodeModelJITDefault);
	if (!tm)
		snprintf(err, (size_t)errsz, "LLVM cannot compile for CPU '%s'", *cpu);
	LLVMDisposeMessage(triple);
	return tm;
}

/* Build, optimise and JIT the module of build_module's NSYM functions;
 * their addresses in addr (a NULL sym: none). */
enum { NSYMS = 3 };

static int
compile(Llvm *lj, const Loops *l, const char *const *sym, const Knobs *kn,
        LLVMOrcExecutorAddress *addr, char *err, int errsz)
{
	char *cpu = NULL, *features = NULL, *cpu2 = NULL, *features2 = NULL, *msg = NULL, *triple;
	LLVMTargetMachineRef tm, tm2 = NULL;
	LLVMOrcThreadSafeContextRef tsc = NULL;
	LLVMOrcLLJITBuilderRef jb;
	LLVMOrcDefinitionGeneratorRef gen;
	LLVMPassBuilderOptionsRef po;
	LLVMTargetDataRef td;
	LLVMModuleRef mod;
	LLVMErrorRef e;
	int r = -1, i;

	if (!(tm = host_machine(&cpu, &features, err, errsz)))
		goto out;
	tsc = LLVMOrcCreateNewThreadSafeContext();
	mod = build_module(l, LLVMOrcThreadSafeContextGetContext(tsc), sym, cpu, features, kn);
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
		snprintf(err, (size_t)errsz, "internal error: the LLVM module is invalid: %s", msg);
		LLVMDisposeModule(mod);
		goto out;
	}
	triple = LLVMGetTargetMachineTriple(tm);
	LLVMSetTarget(mod, triple);
	LLVMDisposeMessage(triple);
	td = LLVMCreateTargetDataLayout(tm);
	LLVMSetModuleDataLayout(mod, td);
	LLVMDisposeTargetData(td);

	po = LLVMCreatePassBuilderOptions();
	LLVMPassBuilderOptionsSetLoopVectorization(po, 1);
	LLVMPassBuilderOptionsSetSLPVectorization(po, 1);
	LLVMPassBuilderOptionsSetLoopUnrolling(po, 1);
	e = LLVMRunPasses(mod, "default<O3>", tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (llvm_error(e, "optimisation", err, errsz)) {
		LLVMDisposeModule(mod);
		goto out;
	}
	if (kn->ir) {
		char *ir = LLVMPrintModuleToString(mod);
		fputs(ir, stderr);
		LLVMDisposeMessage(ir);
	}

	/* the JIT's code generator: the same CPU and features (it takes
	 * ownership of its own machine) */
	jb = LLVMOrcCreateLLJITBuilder();
	tm2 = host_machine(&cpu2, &features2, err, errsz);
	if (!tm2) {
		LLVMOrcDisposeLLJITBuilder(jb);
		LLVMDisposeModule(mod);
		goto out;
	}
	LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(jb,
	    LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(tm2));
	if (llvm_error(LLVMOrcCreateLLJIT(&lj->jit, jb), "JIT", err, errsz)) {
		lj->jit = NULL;
		LLVMDisposeModule(mod);
		goto out;
	}
	/* libm (cos, exp, pow, ...) from the process */
	e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen,
	        LLVMOrcLLJITGetGlobalPrefix(lj->jit), NULL, NULL);
	if (llvm_error(e, "symbol search", err, errsz)) {
		LLVMDisposeModule(mod);
		goto out;
	}
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(lj->jit), gen);
	{
		LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(mod, tsc);
		e = LLVMOrcLLJITAddLLVMIRModule(lj->jit, LLVMOrcLLJITGetMainJITDylib(lj->jit), tsm);
		if (e)
			LLVMOrcDisposeThreadSafeModule(tsm);
	}
	if (llvm_error(e, "adding the module", err, errsz))
		goto out;
	/* the first lookup compiles the module */
	for (i = 0; i < NSYMS; i++)
		if (sym[i] && llvm_error(LLVMOrcLLJITLookup(lj->jit, &addr[i], sym[i]),
		                         "code generation", err, errsz))
			goto out;
	r = 0;
out:
	if (tsc)
		LLVMOrcDisposeThreadSafeContext(tsc);
	if (tm)
		LLVMDisposeTargetMachine(tm);
	LLVMDisposeMessage(msg);
	mem_free(cpu);
	mem_free(features);
	mem_free(cpu2);
	mem_free(features2);
	return r;
}

/* The knobs' values, or -1 with a message naming the variable and what
 * it may be. */
static int
knobs(Knobs *kn, char *err, int errsz)
{
	const char *vf = getenv("DPM_LLVM_VF"), *ir = getenv("DPM_LLVM_IR");

	memset(kn, 0, sizeof *kn);
	if (vf && *vf) {
		if (!strcmp(vf, "1") || !strcmp(vf, "2") || !strcmp(vf, "4") || !strcmp(vf, "8"))
			kn->vf = vf[0] - '0';
		else if (strcmp(vf, "0")) {
			snprintf(err, (size_t)errsz, "DPM_LLVM_VF='%.40s': the vector width must be "
			         "1, 2, 4 or 8 doubles (0 or unset: the CPU's own)", vf);
			return -1;
		}
	}
	if (ir && *ir) {
		if (strcmp(ir, "0") && strcmp(ir, "1")) {
			snprintf(err, (size_t)errsz, "DPM_LLVM_IR='%.40s': it must be 1 (print the "
			         "optimised LLVM module on stderr) or 0 (do not)", ir);
			return -1;
		}
		kn->ir = ir[0] == '1';
	}
	return 0;
}

static void
llvm_unload(Kernel *k)
{
	Llvm *lj = k->impl;
	Kernel t = *k;

	t.impl = lj->tcc;
	if (lj->tcc)
		jit_tcc_unload(&t);
	if (lj->jit)
		LLVMOrcDisposeLLJIT(lj->jit);
	mem_free(lj);
	k->impl = NULL;
}

/* Does a coefficient of x and t read the state (a pde whose u.xx varies
 * in x beside an integral's term, at one tap)?  Its value needs the
 * step's reads, which the C text's loops make: they run it all (the run
 * loop built here read them as params past the last: a segfault) */
static int
spacetime_reads(const Loops *l)
{
	int i;

	for (i = 0; i < l->ncoefs; i++)
		if (l->coefs[i].cls == CO_SPACETIME && (l->coefs[i].e->deps & DEP_STATE))
			return 1;
	return 0;
}

static int
llvm_load(Kernel *k, const Loops *l, const char *ctext, const char *prefix, char *err, int errsz)
{
	static const char *const define[NSYMS] = {"DPM_EXTERN_RUN", "DPM_EXTERN_SWEEP",
		"DPM_EXTERN_ADJ"};
	static const char *const suffix[NSYMS] = {"__runloop", "__sweep", "__adjsweep"};
	double t0 = jit_now_ms();
	LLVMOrcExecutorAddress addr[NSYMS] = {0, 0, 0};
	Buf name[NSYMS] = {{0}};
	const char *sym[NSYMS] = {NULL, NULL, NULL};
	JitExtern ext[NSYMS];
	int next = 0, i, r = -1;
	Knobs kn;
	Llvm *lj;

	memset(k, 0, sizeof *k);
	if (knobs(&kn, err, errsz) != 0)
		return -1;
	pthread_once(&init_once, init_llvm);
	if (init_failed) {
		snprintf(err, (size_t)errsz, "LLVM has no native target on this machine; "
		         "use --backend tcc or cc");
		return -1;
	}
	/* without a sweep (a space-time coefficient) the C step and adjoint
	 * step compute the regions themselves; the run loop computes them
	 * inline */
	for (i = 0; i < NSYMS; i++)
		if (!spacetime_reads(l)
		    && (l->step->parts || l->step->energy || l->step->exprout ? i == 1 && loops_sweepable(l)
		        : i == 0 || loops_sweepable(l))) {
			buf_printf(&name[i], "%s%s", prefix, suffix[i]);
			sym[i] = name[i].s;
		}
	lj = mem_alloc(sizeof *lj);
	if (compile(lj, l, sym, &kn, addr, err, errsz) != 0)
		goto fail;
	/* POSIX: a function's address as an object pointer */
	for (i = 0; i < NSYMS; i++)
		if (sym[i]) {
			ext[next].define = define[i];
			ext[next].sym = sym[i];
			ext[next++].addr = (void *)(uintptr_t)addr[i];
		}
	if (jit_tcc_load_ext(k, ctext, prefix, ext, next, err, errsz) != 0)
		goto fail;
	lj->tcc = k->impl;
	k->impl = lj;
	k->backend = BK_LLVM;
	k->unload = llvm_unload;
	k->compile_ms = jit_now_ms() - t0;
	r = 0;
	goto out;
fail:
	if (lj->jit)
		LLVMOrcDisposeLLJIT(lj->jit);
	mem_free(lj);
	memset(k, 0, sizeof *k);
out:
	for (i = 0; i < NSYMS; i++)
		buf_free(&name[i]);
	return r;
}

/* What dpmc finds by dlsym in dpmc-llvm.so (jit.h). */
const JitModule jit_llvm_module = {
	DPM_VERSION, sizeof(Kernel), sizeof(Loops), llvm_load
};
