/* emit.h — what the two halves of the C emitter share: emit_c.c writes
 * the model's set-up (metadata, grid choice, coefficients, life cycle),
 * emit_loop.c its kernels (the time step, the adjoint step, gradients). */
#ifndef EMIT_H
#define EMIT_H

#include "ir.h"
#include "step.h"

typedef struct Emit {
	Buf b;
	const char *pre;           /* every '@' in emitted text becomes this */
	const Loops *l;
	const Scheme *s;
	int grad;                  /* the adjoint and the checkpoints too */
	struct PtCoefs *pt;        /* emit_loop.c: a region's space-time
	                            * coefficients, point by point */
} Emit;

extern const char *const cg_sym_c[NSYM];

/* printf into the output, with every '@' replaced by the prefix. */
void cg_out(Emit *e, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* "p[0]", "p[1]", ...: how emitted code names the params. */
const char **cg_param_refs(Emit *e);
void cg_free_refs(const char **names, int n);
int cg_atleast1(int n);
/* the most net weights the functions run once a param set or a gradient
 * are optimised for (2-16-16-3, 371 weights: cc -O3 1.7 s; 2-64-64-3,
 * 4483: 39 s, 4.7 s with them DPM_COLD; 2-128-128-3: 27 s, before over
 * 11 GB) */
enum { NET_COLD = 500 };
const char *cg_cold(const Emit *e);
/* How a kernel refers to coefficient c (cN, tcN, aN[q], stN). */
const char *cg_coef_ref(const Loops *l, int c, Buf *tmp);

/* emit_loop.c */
void cg_emit_kernels(Emit *e);
void cg_emit_ck(Emit *e);         /* emit_ck.c: checkpoints, forward, backward */
/* emit_vjp.c: grad[p] += sum_i seeds[i] d roots[i] / dp for every param,
 * one reverse sweep (roots of params, and of t, x, y, k, hx, hy as in
 * scope; seeds C expressions); the layout of the gradient's scratch
 * (before the kernels); @__tvjp, a step's seeds through the coefficients
 * of t; the end of @__gend (slot: loops_sum_slots). */
void cg_vjp(Emit *e, Expr *const *roots, const char *const *seeds, int n, const char *ind);
void cg_emit_grad_layout(Emit *e);
void cg_emit_tvjp(Emit *e);
void cg_emit_gend_vjp(Emit *e, const int *slot);
void cg_emit_parts_adj(Emit *e);  /* emit_parts.c: the adjoint of several parts */
void cg_emit_reads(Emit *e);      /* emit_parts.c: @__rdall, a step's reads */
/* emit_parts.c: the lumped objects' step: what of it does not change from
 * step to step, as locals at ind before the loop (NULL without lumped
 * objects); then objects first.. at n+1, as loops where they are a chain */
typedef struct LHoist LHoist;
LHoist *cg_lump_hoist(Emit *e, const char *ind);
void cg_lump_free(LHoist *h);
void cg_emit_lumps(Emit *e, const LHoist *h, int first, int count, const char *ind);
int cg_parts_nlc(Emit *e);
int cg_reads_skip(Emit *e, unsigned char *skip);   /* the reads @__rdstep leaves out */
void cg_emit_bow_adj(Emit *e);    /* emit_bow.c: @__asolve, the bows' transposes */
void cg_emit_bow_check(Emit *e);  /* emit_bow.c: @__bowcheck, one root or a refusal */
int cg_bow_any_checked(const Scheme *s);  /* emit_bow.c: has the model such a bow? */
int cg_bow_checked(const Scheme *s, const Source *sr);   /* emit_bow.c: @__bowcheck makes its
                                                          * equation rise with v (one root) */
void cg_emit_integrals(Emit *e);  /* emit_sav.c: @__intR, the integral(...) reads */
/* emit_sav.c: static double @NAME(m, u), the integral read rd of u */
void cg_emit_integral(Emit *e, const Read *rd, const char *name);
/* emit_sav.c: g[q] += dv * dI/du[q] over the cells of the integral read
 * rd of u (C text of i, j, q, qa and the locals of @__intR in scope) */
void cg_emit_integral_adj(Emit *e, const Read *rd, const char *dv);
void cg_read_adj(Emit *e, int r, const char *lrd, const char *dv, const char *dst);
const char *cg_loc_text(Loc loc, char *buf, int size);
/* emit_out.c: outputs that are expressions (docs/language.md 18): their
 * reads (@__rdout, @__ocheck, before set_coefs), output i's text in the
 * gather (into y[i], sn the step's number) */
void cg_emit_out_reads(Emit *e);
void cg_emit_out_expr(Emit *e, int i, const char *ind, const char *y, const char *sn);
/* emit_out.c: @__oeadj, the expression outputs' part of adjoint step s */
void cg_emit_out_adj(Emit *e);
void cg_emit_sav(Emit *e);        /* emit_sav.c: potentials by SAV (OP_SAV) */
void cg_emit_sav_bound(Emit *e);  /* emit_sav.c: the reads at the energy's bound */
void cg_emit_parts_energy(Emit *e); /* emit_sav.c: the energy of lumped objects and psi */
/* emit_energy.c: the trapezoid weights of the energy's points (C text
 * over ei, ej); @__eadj, the adjoint of an energy output */
void cg_energy_weights(const Scheme *s, Buf *w);
/* Does the scheme take a spatial difference of the backward velocity
 * (u.xxt, lap(u.t))?  Its energy then has the term of emit_energy.c's
 * comment, and the forward needs m->escr2 */
int cg_energy_bwd(const Scheme *s);
/* The same for lumped objects (a chain's w.xxt): [j][r] the coefficient
 * of the backward velocity read r (RD_LUMP_VEL) in lump j's rest, NULL
 * where it is 0; NULL when no lump has one or one is not linear in them
 * with coefficients of params (emit_energy.c) */
Expr ***cg_lump_back(const Scheme *s);
/* lump j's rest split as the energy takes it: erest, without what it is
 * at a state of 0, and that constant force's share f0 when it does not
 * vary in time (gravity: the potential -M f0 z, (z[n+1] + z[n]) / 2 so
 * the explicit step conserves it exactly), else 0 (a force that is a
 * time signal does work on the object, no energy of its own) */
Expr *cg_lump_erest(const Scheme *s, int j);
Expr *cg_lump_f0(const Scheme *s, int j);
void cg_lump_back_free(const Scheme *s, Expr ***cv);
/* The same for the forces between parts on the grid field: [i][r] the
 * coefficient (times k^2) of read r in source i's strength */
Expr ***cg_src_back(const Scheme *s);
void cg_src_back_free(const Scheme *s, Expr ***cv);
/* source i's term, c its row: adding to E, or with grad its adjoint */
void cg_src_back_term(Emit *e, int i, Expr **c, int grad);
/* A constant force's potential (emit_energy.c): the field's k^2 f and
 * point source i's S without their terms of t, NULL when 0 (or the
 * source reads the state); source i's term of E, or with grad its
 * adjoint's */
Expr *cg_force_const(const Scheme *s);
Expr *cg_src_const(const Scheme *s, int i);
void cg_src_const_term(Emit *e, int i, int grad);
/* c (one lump's row of cg_lump_back) as C locals c<r>, the text of
 * C v into sum; with grad, their params' seeds too (emit_energy.c) */
void cg_lump_back_coefs(Emit *e, Expr **c, const char *ind, int grad, Buf *sum);
void cg_emit_energy_adj(Emit *e);
void cg_emit_sav_adj(Emit *e);    /* emit_sav.c: @__asav, @__gsav, the transpose */
void cg_emit_api(Emit *e);        /* emit_ck.c: the dpm_* interface */
void cg_emit_api_decl(Emit *e);   /* emit_ck.c: its declarations */

#endif
