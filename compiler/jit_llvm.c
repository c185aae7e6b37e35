/* jit_llvm.c — the LLVM backend: the hot loop of the time step (the
 * sweep, P__sweep in the C text) built from the loop IR with the LLVM-C
 * API, optimised at O3 for the host CPU and JIT-compiled with ORC LLJIT;
 * everything else is the C text compiled by TinyCC with the sweep only
 * declared (DPM_EXTERN_SWEEP) and bound to the LLVM function's address.
 * requires: Loops from lower() (forward regions) and the C text that
 *           cg_emit_c made of them, with a sweep (no space-time coefficient).
 * leaves:   a Kernel like TinyCC's, whose step calls the LLVM sweep; the
 *           sweep adds in the C text's order without contraction, so it
 *           computes the same bits as the cc and tcc backends.
 * DPM_LLVM_CPU=NAME compiles for another CPU than the host's. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "dpm.h"
#include "ir.h"
#include "jit.h"

typedef struct Llvm {
	void *tcc;                 /* the TinyCC state of the rest of the code */
	LLVMOrcLLJITRef jit;       /* owns the sweep's machine code */
} Llvm;

/* The builder's state while the sweep is built. */
typedef struct Sweep {
	const Loops *l;
	LLVMContextRef cx;
	LLVMBuilderRef b;
	LLVMValueRef fn;
	LLVMTypeRef f64, i64, pf64;
	LLVMValueRef arg[10];      /* c, tc, a, u, up, un, nx, ny, nx1, fon */
	LLVMValueRef *coef;        /* [coef]: the value (const, time) or the array (space) */
} Sweep;

enum { A_C, A_TC, A_A, A_U, A_UP, A_UN, A_NX, A_NY, A_NX1, A_FON };

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed;

static void
init_llvm(void)
{
	init_failed = LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter();
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

static LLVMValueRef
i64c(Sweep *w, long v)
{
	return LLVMConstInt(w->i64, (unsigned long long)v, 1);
}

static LLVMValueRef
load_at(Sweep *w, LLVMTypeRef t, LLVMValueRef base, LLVMValueRef idx, const char *name)
{
	LLVMValueRef p = LLVMBuildInBoundsGEP2(w->b, t, base, &idx, 1, "");

	return LLVMBuildLoad2(w->b, t, p, name);
}

/* Load the coefficients the step uses once, in the entry block: the C
 * text's hoisted `const double cN = c[N]` and `a[N]` pointers. */
static void
load_coefs(Sweep *w)
{
	const Loops *l = w->l;
	int r, g, i;
	unsigned char *used = mem_alloc((size_t)l->ncoefs + 1);

	memset(used, 0, (size_t)l->ncoefs + 1);
	for (r = 0; r < l->nreg; r++)
		for (g = 0; g < l->reg[r].ngroups; g++)
			used[l->reg[r].groups[g].coef] = 1;
	if (l->force_coef >= 0)
		used[l->force_coef] = 1;
	for (i = 0; i < l->ncoefs; i++) {
		const Coef *c = &l->coefs[i];
		if (!used[i])
			continue;
		if (c->cls == CO_CONST)
			w->coef[i] = load_at(w, w->f64, w->arg[A_C], i64c(w, c->slot), "c");
		else if (c->cls == CO_TIME)
			w->coef[i] = load_at(w, w->f64, w->arg[A_TC], i64c(w, c->slot), "tc");
		else if (c->cls == CO_SPACE)
			w->coef[i] = load_at(w, w->pf64, w->arg[A_A], i64c(w, c->slot), "a");
	}
	mem_free(used);
}

/* A bound: the number `off` from the axis start, or n + off from its end. */
static LLVMValueRef
bound(Sweep *w, Bound bd, int ax)
{
	if (!bd.anchor)
		return i64c(w, bd.off);
	return LLVMBuildNSWAdd(w->b, w->arg[ax ? A_NY : A_NX], i64c(w, bd.off), "n");
}

typedef struct Loop {
	LLVMValueRef iv, hi;
	LLVMBasicBlockRef body, exit, pre;
} Loop;

/* for (iv = lo; iv <= hi; iv++) { ... }: a guard, then a bottom-tested
 * body, the shape the loop passes recognise without rotating it. */
static Loop
loop_open(Sweep *w, LLVMValueRef lo, LLVMValueRef hi, const char *name)
{
	Loop L;
	LLVMBasicBlockRef guard = LLVMGetInsertBlock(w->b);

	L.hi = hi;
	L.pre = guard;
	L.body = LLVMAppendBasicBlockInContext(w->cx, w->fn, name);
	L.exit = LLVMAppendBasicBlockInContext(w->cx, w->fn, "");
	LLVMBuildCondBr(w->b, LLVMBuildICmp(w->b, LLVMIntSLE, lo, hi, ""), L.body, L.exit);
	LLVMPositionBuilderAtEnd(w->b, L.body);
	L.iv = LLVMBuildPhi(w->b, w->i64, name);
	LLVMAddIncoming(L.iv, &lo, &guard, 1);
	return L;
}

static void
loop_close(Sweep *w, Loop *L)
{
	LLVMValueRef next = LLVMBuildNSWAdd(w->b, L->iv, i64c(w, 1), "");
	LLVMBasicBlockRef latch = LLVMGetInsertBlock(w->b);

	LLVMAddIncoming(L->iv, &next, &latch, 1);
	LLVMBuildCondBr(w->b, LLVMBuildICmp(w->b, LLVMIntSLE, next, L->hi, ""), L->body, L->exit);
	LLVMPositionBuilderAtEnd(w->b, L->exit);
}

/* un[q] = c_g0 * ((t0 + t1) + ...) + c_g1 * (...) + ... + fon * force, in
 * the order and association of region() in emit_loop.c. */
static void
point(Sweep *w, const Region *rg, LLVMValueRef q)
{
	const Loops *l = w->l;
	LLVMValueRef acc = NULL, sum, t, c, off;
	int g, i;

	for (g = 0; g < rg->ngroups; g++) {
		const Group *gr = &rg->groups[g];
		sum = NULL;
		for (i = 0; i < gr->ntap; i++) {
			off = LLVMBuildNSWAdd(w->b, i64c(w, gr->tap[i].dx),
			                      LLVMBuildNSWMul(w->b, i64c(w, gr->tap[i].dy), w->arg[A_NX1], ""), "");
			t = load_at(w, w->f64, w->arg[gr->tap[i].level ? A_UP : A_U],
			            LLVMBuildNSWAdd(w->b, q, off, ""), "");
			sum = sum ? LLVMBuildFAdd(w->b, sum, t, "") : t;
		}
		if (!sum)
			sum = LLVMConstReal(w->f64, 0);
		c = w->coef[gr->coef];
		if (l->coefs[gr->coef].cls == CO_SPACE)
			c = load_at(w, w->f64, c, q, "");
		t = LLVMBuildFMul(w->b, c, sum, "");
		acc = acc ? LLVMBuildFAdd(w->b, acc, t, "") : t;
	}
	if (l->force_coef >= 0) {
		c = w->coef[l->force_coef];
		if (l->coefs[l->force_coef].cls == CO_SPACE)
			c = load_at(w, w->f64, c, q, "");
		t = LLVMBuildFMul(w->b, w->arg[A_FON], c, "");
		acc = acc ? LLVMBuildFAdd(w->b, acc, t, "") : t;
	}
	if (!acc)
		acc = LLVMConstReal(w->f64, 0);
	LLVMBuildStore(w->b, acc, LLVMBuildInBoundsGEP2(w->b, w->f64, w->arg[A_UN], &q, 1, ""));
}

static void
region(Sweep *w, const Region *rg)
{
	int two = w->l->s->ndim == 2;
	LLVMValueRef j = i64c(w, 0), row, q;
	Loop Lj, Li;

	if (two) {
		Lj = loop_open(w, bound(w, rg->lo[1], 1), bound(w, rg->hi[1], 1), "j");
		j = Lj.iv;
	}
	row = LLVMBuildNSWMul(w->b, j, w->arg[A_NX1], "row");
	Li = loop_open(w, bound(w, rg->lo[0], 0), bound(w, rg->hi[0], 0), "i");
	q = LLVMBuildNSWAdd(w->b, Li.iv, row, "q");
	point(w, rg, q);
	loop_close(w, &Li);
	if (two)
		loop_close(w, &Lj);
}

static void
add_attr(Sweep *w, unsigned idx, const char *name)
{
	unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));

	LLVMAddAttributeAtIndex(w->fn, idx, LLVMCreateEnumAttribute(w->cx, kind, 0));
}

/* The sweep as an LLVM function named `sym` in a new module of cx. */
static LLVMModuleRef
build_sweep(const Loops *l, LLVMContextRef cx, const char *sym, const char *cpu,
            const char *features)
{
	static const char *const names[10] = {"c", "tc", "a", "u", "up", "un", "nx", "ny", "nx1", "fon"};
	LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("dpm_sweep", cx);
	LLVMTypeRef params[10], fty;
	Sweep w;
	int i, r;

	memset(&w, 0, sizeof w);
	w.l = l;
	w.cx = cx;
	w.f64 = LLVMDoubleTypeInContext(cx);
	w.i64 = LLVMInt64TypeInContext(cx);
	w.pf64 = LLVMPointerType(w.f64, 0);
	for (i = 0; i < 10; i++)
		params[i] = i < A_NX ? w.pf64 : w.i64;
	params[A_A] = LLVMPointerType(w.pf64, 0);
	params[A_FON] = w.f64;
	fty = LLVMFunctionType(LLVMVoidTypeInContext(cx), params, 10, 0);
	w.fn = LLVMAddFunction(mod, sym, fty);
	for (i = 0; i < 10; i++) {
		w.arg[i] = LLVMGetParam(w.fn, (unsigned)i);
		LLVMSetValueName2(w.arg[i], names[i], strlen(names[i]));
	}
	/* restrict in the C text: what makes the inner loop vectorisable
	 * without run-time overlap checks */
	for (i = A_U; i <= A_UN; i++) {
		add_attr(&w, (unsigned)i + 1, "noalias");
		add_attr(&w, (unsigned)i + 1, "nocapture");
	}
	add_attr(&w, LLVMAttributeFunctionIndex, "nounwind");
	LLVMAddAttributeAtIndex(w.fn, LLVMAttributeFunctionIndex,
	    LLVMCreateStringAttribute(cx, "target-cpu", 10, cpu, (unsigned)strlen(cpu)));
	LLVMAddAttributeAtIndex(w.fn, LLVMAttributeFunctionIndex,
	    LLVMCreateStringAttribute(cx, "target-features", 15, features, (unsigned)strlen(features)));

	w.b = LLVMCreateBuilderInContext(cx);
	LLVMPositionBuilderAtEnd(w.b, LLVMAppendBasicBlockInContext(cx, w.fn, "entry"));
	w.coef = mem_alloc((size_t)(l->ncoefs + 1) * sizeof *w.coef);
	memset(w.coef, 0, (size_t)(l->ncoefs + 1) * sizeof *w.coef);
	load_coefs(&w);
	for (r = 0; r < l->nreg; r++)
		region(&w, &l->reg[r]);
	LLVMBuildRetVoid(w.b);
	LLVMDisposeBuilder(w.b);
	mem_free(w.coef);
	return mod;
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

/* Build, optimise and JIT the sweep; its address in *addr. */
static int
compile_sweep(Llvm *lj, const Loops *l, const char *sym, LLVMOrcExecutorAddress *addr,
              char *err, int errsz)
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
	int r = -1;

	if (!(tm = host_machine(&cpu, &features, err, errsz)))
		goto out;
	tsc = LLVMOrcCreateNewThreadSafeContext();
	mod = build_sweep(l, LLVMOrcThreadSafeContextGetContext(tsc), sym, cpu, features);
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
		snprintf(err, (size_t)errsz, "internal error: the LLVM sweep is invalid: %s", msg);
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
	if (getenv("DPM_LLVM_IR")) {
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
	/* the sweep calls nothing today; libm would come from the process */
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
	/* the lookup compiles the module */
	if (llvm_error(LLVMOrcLLJITLookup(lj->jit, addr, sym), "code generation", err, errsz))
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

int
jit_load_llvm(Kernel *k, const Loops *l, const char *ctext, const char *prefix, char *err,
              int errsz)
{
	double t0 = jit_now_ms();
	LLVMOrcExecutorAddress addr = 0;
	Buf sym = {0};
	Llvm *lj;
	void *fp;

	memset(k, 0, sizeof *k);
	buf_printf(&sym, "%s__sweep", prefix);
	if (!loops_sweepable(l)) {
		snprintf(err, (size_t)errsz, "the llvm backend does not yet compile coefficients that "
		         "vary in both space and time; use --backend tcc or cc");
		buf_free(&sym);
		return -1;
	}
	pthread_once(&init_once, init_llvm);
	if (init_failed) {
		snprintf(err, (size_t)errsz, "LLVM has no native target on this machine; "
		         "use --backend tcc or cc");
		buf_free(&sym);
		return -1;
	}
	lj = mem_alloc(sizeof *lj);
	memset(lj, 0, sizeof *lj);
	if (compile_sweep(lj, l, sym.s, &addr, err, errsz) != 0)
		goto fail;
	fp = (void *)(uintptr_t)addr;
	if (jit_tcc_load_ext(k, ctext, prefix, sym.s, fp, err, errsz) != 0)
		goto fail;
	lj->tcc = k->impl;
	k->impl = lj;
	k->backend = BK_LLVM;
	k->unload = llvm_unload;
	k->compile_ms = jit_now_ms() - t0;
	buf_free(&sym);
	return 0;
fail:
	if (lj->jit)
		LLVMOrcDisposeLLJIT(lj->jit);
	mem_free(lj);
	memset(k, 0, sizeof *k);
	buf_free(&sym);
	return -1;
}
