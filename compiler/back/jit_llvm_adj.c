/* jit_llvm_adj.c — the LLVM backend's adjoint sweep: emit_loop.c's
 * @__adjsweep, P__adjsweep, which the C adjoint step calls.
 * ln = the transposed step over la (level 0) and lb (level 1), and the
 * gradient's sums that ride along: for a riding group, T * u[q] into
 * eight lanes per sum, the points of a row eight at a time into lanes
 * 0..7 and the rest one at a time into lane 0; after the region, a
 * time-varying coefficient's lanes added in the tree ((L0 + L1) + (L2 +
 * L3)) + ((L4 + L5) + (L6 + L7)), a constant one's compensated lane by
 * lane into the lanes kept over the backward (sums + nsum + 16 slot:
 * eight sums, then what they lost); in a region of a single column (a
 * boundary strip), straight into the sums, row by row.  The order of
 * every addition is adjg_region's in emit_loop.c, so the sums are the C
 * text's bits.
 * requires: a Gen of build_module (jit_llvm.c) with the module, builder
 *           and types, and Loops whose adjoint regions are sweepable
 *           (no space-time coefficient).
 * leaves:   the function sym in the module; g->coef cleared. */
#include <string.h>

#include "jit_llvm.h"

/* Which sums ride, their keys and slots: loops_sum_key, loops_sum_slots
 * (lower.c), as emit_loop.c's C text has them. */

/* One adjoint point, or w of them from q: ln[q] = c_0 * T_0 + c_1 * T_1
 * + ..., T the group's taps added left to right; with chunk >= 0 (w = lw)
 * each riding group's T * u[q] into the lanes of that chunk, with chunk
 * -2 (w = 1) into lane 0, with -3 (w = 1) into the sum's total, with -1
 * nowhere. */
static void
adj_point_sums(Gen *g, const Region *rg, LLVMValueRef q, int w, int chunk)
{
	LLVMValueRef acc = NULL, t, *T, uq = NULL, lv, z;
	int k, nch = 8 / g->lw;

	T = mem_alloc((size_t)(rg->ngroups + 1) * sizeof *T);
	for (k = 0; k < rg->ngroups; k++) {
		const Group *gr = &rg->groups[k];
		T[k] = jl_group_sum(g, gr, q, w);
		t = LLVMBuildFMul(g->b, jl_coef_at(g, gr->coef, q, w), T[k], "");
		acc = acc ? LLVMBuildFAdd(g->b, acc, t, "") : t;
	}
	jl_store_w(g, acc ? acc : jl_splat(g, jl_f64c(g, 0), w), g->un, q, w);
	for (k = 0; chunk != -1 && k < rg->ngroups; k++) {
		LLVMValueRef slot;
		LLVMTypeRef vt = LLVMVectorType(g->f64, (unsigned)g->lw);
		if (g->gsum[k] < 0)
			continue;
		if (!uq)
			uq = jl_load_w(g, g->uf, q, w);
		t = LLVMBuildFMul(g->b, T[k], uq, "");
		if (chunk == -3) {
			slot = g->sumv[g->gsum[k]];
			lv = LLVMBuildLoad2(g->b, g->f64, slot, "");
			LLVMBuildStore(g->b, LLVMBuildFAdd(g->b, lv, t, ""), slot);
			continue;
		}
		slot = g->lane[g->gsum[k] * nch + (chunk >= 0 ? chunk : 0)];
		lv = LLVMBuildLoad2(g->b, g->lw > 1 ? vt : g->f64, slot, "");
		if (chunk >= 0 || g->lw == 1) {
			LLVMBuildStore(g->b, LLVMBuildFAdd(g->b, lv, t, ""), slot);
			continue;
		}
		z = LLVMConstInt(LLVMInt32TypeInContext(g->cx), 0, 0);
		t = LLVMBuildFAdd(g->b, LLVMBuildExtractElement(g->b, lv, z, ""), t, "");
		LLVMBuildStore(g->b, LLVMBuildInsertElement(g->b, lv, t, z, ""), slot);
	}
	mem_free(T);
}

static void
adj_point(Gen *g, const Region *rg, LLVMValueRef q, int w)
{
	adj_point_sums(g, rg, q, w, -1);
}

/* Lane v of sum s. */
static LLVMValueRef
lane_at(Gen *g, int s, int v)
{
	LLVMTypeRef vt = LLVMVectorType(g->f64, (unsigned)g->lw);
	LLVMValueRef x = g->lane[s * (8 / g->lw) + v / g->lw];

	if (g->lw == 1)
		return LLVMBuildLoad2(g->b, g->f64, x, "");
	x = LLVMBuildLoad2(g->b, vt, x, "");
	return LLVMBuildExtractElement(g->b, x,
	    LLVMConstInt(LLVMInt32TypeInContext(g->cx), (unsigned)(v % g->lw), 0), "");
}

/* Lanes of the kept sum at kept + at += the n w-wide chunks x[], lane by
 * lane, compensated (emit_loop.c lanes_kept, kept_scalar): A the sums,
 * C what they lost, eight lanes further. */
static void
lanes_kept(Gen *g, LLVMValueRef kept, int at, const LLVMValueRef *x, int n, int w)
{
	LLVMValueRef ia, ic, A, C, y, t;
	int k;

	for (k = 0; k < n; k++) {
		ia = jl_i64c(g, at + k * w);
		ic = jl_i64c(g, at + 8 + k * w);
		A = jl_load_w(g, kept, ia, w);
		C = jl_load_w(g, kept, ic, w);
		y = LLVMBuildFSub(g->b, x[k], C, "");
		t = LLVMBuildFAdd(g->b, A, y, "");
		jl_store_w(g, LLVMBuildFSub(g->b, LLVMBuildFSub(g->b, t, A, ""), y, ""), kept, ic, w);
		jl_store_w(g, t, kept, ia, w);
	}
}

/* One adjoint region (adjg_region): the groups' sums gsum[], nsum of
 * them, their lanes lane[] or (a single column, nsum lanes 0) their
 * totals sumv[]; skey[s] the key of sum s, tot[key] the totals; a
 * constant coefficient's lanes kept at kept + kat[key]. */
static void
adj_region(Gen *g, const Region *rg, int nsum, const int *skey, LLVMValueRef *tot,
           LLVMValueRef kept, const int *kat)
{
	int two = g->l->s->ndim == 2, s, k, nch = 8 / g->lw, col = region_one_column(rg);
	LLVMValueRef j = jl_i64c(g, 0), row, lo, hi, i, next, ia, x[8], in[2];
	LLVMBasicBlockRef pre, vec, vexit, cur, from[2];
	Loop Lj, Li;

	if (col)
		for (s = 0; s < nsum; s++)
			g->sumv[s] = tot[skey[s]];
	for (s = 0; !col && s < nsum * nch; s++)
		LLVMBuildStore(g->b, g->lw > 1 ? jl_splat(g, jl_f64c(g, 0), g->lw) : jl_f64c(g, 0), g->lane[s]);
	if (two) {
		Lj = jl_loop_open(g, jl_bound(g, rg->lo[1], 1), jl_bound(g, rg->hi[1], 1), "j");
		j = Lj.iv;
	}
	row = LLVMBuildNSWMul(g->b, j, g->nx1, "row");
	lo = jl_bound(g, rg->lo[0], 0);
	hi = jl_bound(g, rg->hi[0], 0);
	if (!nsum && g->vf > 1) {
		jl_row_vec(g, rg, lo, hi, row, adj_point);
	} else if (!nsum || col) {
		Li = jl_loop_open(g, lo, hi, "i");
		adj_point_sums(g, rg, LLVMBuildNSWAdd(g->b, Li.iv, row, "q"), 1, col ? -3 : -1);
		jl_loop_close(g, &Li);
	} else {
		/* for (i = lo; i + 7 <= hi; i += 8): eight points into lanes 0..7 */
		pre = LLVMGetInsertBlock(g->b);
		vec = LLVMAppendBasicBlockInContext(g->cx, g->fn, "lanes");
		vexit = LLVMAppendBasicBlockInContext(g->cx, g->fn, "");
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLE,
		    LLVMBuildNSWAdd(g->b, lo, jl_i64c(g, 7), ""), hi, ""), vec, vexit);
		LLVMPositionBuilderAtEnd(g->b, vec);
		i = LLVMBuildPhi(g->b, g->i64, "i");
		LLVMAddIncoming(i, &lo, &pre, 1);
		for (k = 0; k < nch; k++)
			adj_point_sums(g, rg, LLVMBuildNSWAdd(g->b,
			    LLVMBuildNSWAdd(g->b, i, jl_i64c(g, k * g->lw), ""), row, "q"), g->lw, k);
		next = LLVMBuildNSWAdd(g->b, i, jl_i64c(g, 8), "");
		cur = LLVMGetInsertBlock(g->b);
		LLVMAddIncoming(i, &next, &cur, 1);
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLE,
		    LLVMBuildNSWAdd(g->b, next, jl_i64c(g, 7), ""), hi, ""), vec, vexit);
		LLVMPositionBuilderAtEnd(g->b, vexit);
		ia = LLVMBuildPhi(g->b, g->i64, "");
		in[0] = lo, from[0] = pre;
		in[1] = next, from[1] = cur;
		LLVMAddIncoming(ia, in, from, 2);
		/* for (; i <= hi; i++): into lane 0 */
		Li = jl_loop_open(g, ia, hi, "i");
		adj_point_sums(g, rg, LLVMBuildNSWAdd(g->b, Li.iv, row, "q"), 1, -2);
		jl_loop_close(g, &Li);
	}
	if (two)
		jl_loop_close(g, &Lj);
	for (s = 0; !col && s < nsum; s++) {
		LLVMValueRef t, p = tot[skey[s]];
		if (skey[s] < g->l->nfwd) {
			for (k = 0; k < nch; k++)
				x[k] = LLVMBuildLoad2(g->b, g->lw > 1 ? LLVMVectorType(g->f64, (unsigned)g->lw)
				                      : g->f64, g->lane[s * nch + k], "");
			lanes_kept(g, kept, kat[skey[s]], x, nch, g->lw);
			continue;
		}
		for (k = 0; k < 8; k++)
			x[k] = lane_at(g, s, k);
		t = LLVMBuildFAdd(g->b,
		    LLVMBuildFAdd(g->b, LLVMBuildFAdd(g->b, x[0], x[1], ""), LLVMBuildFAdd(g->b, x[2], x[3], ""), ""),
		    LLVMBuildFAdd(g->b, LLVMBuildFAdd(g->b, x[4], x[5], ""), LLVMBuildFAdd(g->b, x[6], x[7], ""), ""),
		    "");
		LLVMBuildStore(g->b, LLVMBuildFAdd(g->b, LLVMBuildLoad2(g->b, g->f64, p, ""), t, ""), p);
	}
}

/* void P__adjsweep(const double *c, const double *tc, double *const *a,
 *     const double *la, const double *lb, double *ln, const double *u,
 *     long nx, long ny, long nx1, double *sums): emit_adj_sweep's
 * function, for the C adjoint step. */
enum { A_C, A_TC, A_A, A_LA, A_LB, A_LN, A_U, A_NX, A_NY, A_NX1, A_SUMS, A_NARGS };

/* The regions' sums: per region its sums in order of first use (skey,
 * nsum), each group's among them (gsum), and each sum's eight lanes. */
typedef struct AdjSums {
	int nk;                    /* keys: 3 nfwd */
	int *slot;                 /* [key]: in sums[], or -1 */
	int *kat;                  /* [key]: its kept lanes at sums + kat[key] */
	int *nsum, **skey, **gsum;
	LLVMValueRef **lanes;
} AdjSums;

/* A region of one point (a corner), which runs once per step. */
static int
single_point(const Loops *l, const Region *rg)
{
	return region_one_column(rg) && (l->s->ndim == 1 || (rg->lo[1].anchor == rg->hi[1].anchor
	                                                && rg->lo[1].off == rg->hi[1].off));
}

/* The function's arguments as the builder's state, and the coefficients
 * of regions r0..r1-1 loaded from c, tc and a. */
static void
adj_args(Gen *g, LLVMValueRef fn, int r0, int r1)
{
	const Loops *l = g->l;
	LLVMValueRef arg[A_NARGS];
	int i, r, k;

	for (i = 0; i < A_NARGS; i++)
		arg[i] = LLVMGetParam(fn, (unsigned)i);
	g->u = arg[A_LA];
	g->up = arg[A_LB];
	g->un = arg[A_LN];
	g->uf = arg[A_U];
	g->nx = arg[A_NX];
	g->ny = arg[A_NY];
	g->nx1 = arg[A_NX1];
	for (i = 0; i < l->ncoefs; i++)
		g->coef[i] = NULL;
	for (r = r0; r < r1; r++)
		for (k = 0; k < l->adj[r].ngroups; k++) {
			int c = l->adj[r].groups[k].coef;
			if (!g->coef[c])
				g->coef[c] = jl_sweep_coef(g, fn, &l->coefs[c]);
		}
}

static void
adj_regions(Gen *g, const AdjSums *as, int r0, int r1, LLVMValueRef *tot)
{
	int r;

	for (r = r0; r < r1; r++) {
		g->lane = as->lanes[r];
		g->gsum = as->gsum[r];
		adj_region(g, &g->l->adj[r], as->nsum[r], as->skey[r], tot,
		           LLVMGetParam(g->fn, A_SUMS), as->kat);
	}
	g->lane = NULL;
	g->gsum = NULL;
}

/* Regions r0..r1-1, all single points, in a function of their own
 * compiled without optimisation (optnone: LLVM's fast instruction
 * selection and register allocation), called with the totals in io[key]:
 * a 2D stencil of half-width 3 has 36 corners, whose straight-line code
 * would be most of what the code generator works on for a few points of
 * each step. */
static void
adj_cold(Gen *g, const AdjSums *as, int r0, int r1, LLVMTypeRef *ty, LLVMValueRef *tot,
         LLVMValueRef io)
{
	static const char *const names[A_NARGS] = {"c", "tc", "a", "la", "lb", "ln", "u", "nx", "ny",
		"nx1", "io"};
	LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
	LLVMValueRef sweep = g->fn, fn, *ptot, *arg, at, p;
	LLVMValueRef save[7] = {g->u, g->up, g->un, g->uf, g->nx, g->ny, g->nx1};
	LLVMValueRef *coef = mem_alloc((size_t)(g->l->ncoefs + 1) * sizeof *coef);
	int k;

	memcpy(coef, g->coef, (size_t)g->l->ncoefs * sizeof *coef);
	fn = jl_new_fn(g, "adjpoints", ty, A_NARGS, names);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	jl_fn_attr(g, fn, LLVMAttributeFunctionIndex, "noinline");
	jl_fn_attr(g, fn, LLVMAttributeFunctionIndex, "optnone");
	adj_args(g, fn, r0, r1);
	ptot = mem_alloc((size_t)(as->nk + 1) * sizeof *ptot);
	for (k = 0; k < as->nk; k++)
		if (as->slot[k] >= 0) {
			at = jl_i64c(g, k);
			ptot[k] = LLVMBuildInBoundsGEP2(g->b, g->f64, LLVMGetParam(fn, A_SUMS), &at, 1, "");
		}
	adj_regions(g, as, r0, r1, ptot);
	LLVMBuildRetVoid(g->b);

	/* back in the sweep: io = the totals; adjpoints(...); the totals = io */
	g->fn = sweep;
	g->u = save[0], g->up = save[1], g->un = save[2], g->uf = save[3];
	g->nx = save[4], g->ny = save[5], g->nx1 = save[6];
	memcpy(g->coef, coef, (size_t)g->l->ncoefs * sizeof *coef);
	LLVMPositionBuilderAtEnd(g->b, from);
	for (k = 0; k < as->nk; k++)
		if (as->slot[k] >= 0) {
			at = jl_i64c(g, k);
			p = LLVMBuildInBoundsGEP2(g->b, g->f64, io, &at, 1, "");
			LLVMBuildStore(g->b, LLVMBuildLoad2(g->b, g->f64, tot[k], ""), p);
		}
	arg = mem_alloc(A_NARGS * sizeof *arg);
	for (k = 0; k < A_NARGS; k++)
		arg[k] = LLVMGetParam(sweep, (unsigned)k);
	arg[A_SUMS] = io;
	LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, arg, A_NARGS, "");
	for (k = 0; k < as->nk; k++)
		if (as->slot[k] >= 0) {
			at = jl_i64c(g, k);
			p = LLVMBuildInBoundsGEP2(g->b, g->f64, io, &at, 1, "");
			LLVMBuildStore(g->b, LLVMBuildLoad2(g->b, g->f64, p, ""), tot[k]);
		}
	mem_free(arg);
	mem_free(ptot);
	mem_free(coef);
}

void
jl_build_adjsweep(Gen *g, const char *sym)
{
	static const char *const names[A_NARGS] = {"c", "tc", "a", "la", "lb", "ln", "u", "nx", "ny",
		"nx1", "sums"};
	const Loops *l = g->l;
	LLVMTypeRef ty[A_NARGS], vt;
	LLVMValueRef fn, *tot, io = NULL;
	AdjSums as;
	int i, r, r1, k, s, nch, npoint = 0;

	for (i = 0; i < A_NARGS; i++)
		ty[i] = i >= A_NX && i <= A_NX1 ? g->i64 : g->pf64;
	ty[A_A] = g->ppf64;
	fn = jl_new_fn(g, sym, ty, A_NARGS, names);
	for (i = A_LA; i <= A_U; i++) {
		jl_fn_attr(g, fn, (unsigned)i + 1, "noalias");
		jl_fn_attr(g, fn, (unsigned)i + 1, "nocapture");
	}
	adj_args(g, fn, 0, l->nadj);
	/* the lanes: the widest vector of doubles that divides eight */
	for (g->lw = 8; g->lw > g->vf; g->lw /= 2)
		;
	nch = 8 / g->lw;
	vt = g->lw > 1 ? LLVMVectorType(g->f64, (unsigned)g->lw) : g->f64;

	/* the sums: totals by key; per region its sums, each eight lanes (nch
	 * vectors) */
	memset(&as, 0, sizeof as);
	as.nk = 3 * l->nfwd;
	as.slot = mem_alloc((size_t)(as.nk + 1) * sizeof *as.slot);
	s = loops_sum_slots(l, as.slot);
	as.kat = mem_alloc((size_t)(as.nk + 1) * sizeof *as.kat);
	for (k = 0; k < as.nk; k++)
		as.kat[k] = s + 16 * as.slot[k];
	tot = mem_alloc((size_t)(as.nk + 1) * sizeof *tot);
	for (k = 0; k < as.nk; k++)
		if (as.slot[k] >= 0) {
			tot[k] = LLVMBuildAlloca(g->b, g->f64, "sum");
			LLVMBuildStore(g->b, jl_f64c(g, 0), tot[k]);
		}
	as.nsum = mem_alloc((size_t)(l->nadj + 1) * sizeof *as.nsum);
	as.skey = mem_alloc((size_t)(l->nadj + 1) * sizeof *as.skey);
	as.gsum = mem_alloc((size_t)(l->nadj + 1) * sizeof *as.gsum);
	as.lanes = mem_alloc((size_t)(l->nadj + 1) * sizeof *as.lanes);
	for (r = 0; r < l->nadj; r++) {
		const Region *rg = &l->adj[r];
		as.skey[r] = mem_alloc((size_t)(rg->ngroups + 1) * sizeof **as.skey);
		as.gsum[r] = mem_alloc((size_t)(rg->ngroups + 1) * sizeof **as.gsum);
		for (k = 0; k < rg->ngroups; k++) {
			int key = loops_sum_key(l, &rg->groups[k]);
			as.gsum[r][k] = -1;
			if (key < 0)
				continue;
			if (as.slot[key] < 0)
				die("jit_llvm: an adjoint sum without a slot");
			for (s = 0; s < as.nsum[r] && as.skey[r][s] != key; s++)
				;
			if (s == as.nsum[r])
				as.skey[r][as.nsum[r]++] = key;
			as.gsum[r][k] = s;
		}
		as.lanes[r] = mem_alloc((size_t)(as.nsum[r] * nch + 1) * sizeof **as.lanes);
		for (s = 0; !region_one_column(rg) && s < as.nsum[r] * nch; s++)
			as.lanes[r][s] = LLVMBuildAlloca(g->b, vt, "lanes");
		npoint += single_point(l, rg);
	}
	/* the corners apart when there are many (2D); a few boundary points
	 * of 1D cost little to compile and something to run slowly */
	if (npoint > 8)
		io = LLVMBuildAlloca(g->b, LLVMArrayType(g->f64, (unsigned)as.nk), "io");
	g->sumv = mem_alloc((size_t)(as.nk + 1) * sizeof *g->sumv);
	for (r = 0; r < l->nadj; r = r1) {
		for (r1 = r; r1 < l->nadj && io && single_point(l, &l->adj[r1]); r1++)
			;
		if (r1 > r) {
			adj_cold(g, &as, r, r1, ty, tot,
			         LLVMBuildBitCast(g->b, io, g->pf64, ""));
			continue;
		}
		r1 = r + 1;
		adj_regions(g, &as, r, r1, tot);
	}
	mem_free(g->sumv);
	g->sumv = NULL;
	/* a constant coefficient's total into its kept lane 0, compensated;
	 * sums[slot] += each other total */
	for (k = 0; k < as.nk; k++)
		if (as.slot[k] >= 0 && k < l->nfwd) {
			LLVMValueRef x = LLVMBuildLoad2(g->b, g->f64, tot[k], "");
			lanes_kept(g, LLVMGetParam(fn, A_SUMS), as.kat[k], &x, 1, 1);
		} else if (as.slot[k] >= 0) {
			LLVMValueRef at = jl_i64c(g, as.slot[k]);
			LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->f64, LLVMGetParam(fn, A_SUMS), &at, 1,
			                                       "");
			LLVMBuildStore(g->b, LLVMBuildFAdd(g->b, LLVMBuildLoad2(g->b, g->f64, p, ""),
			    LLVMBuildLoad2(g->b, g->f64, tot[k], ""), ""), p);
		}
	LLVMBuildRetVoid(g->b);

	for (r = 0; r < l->nadj; r++) {
		mem_free(as.skey[r]);
		mem_free(as.gsum[r]);
		mem_free(as.lanes[r]);
	}
	for (i = 0; i < l->ncoefs; i++)
		g->coef[i] = NULL;
	mem_free(as.nsum);
	mem_free(as.skey);
	mem_free(as.gsum);
	mem_free(as.lanes);
	mem_free(as.slot);
	mem_free(as.kat);
	mem_free(tot);
}
