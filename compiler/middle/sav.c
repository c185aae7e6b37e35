/* sav.c — what the middle end decides about potentials (language.md 12)
 * beyond building them (discretise.c build_potentials).
 *
 * requires: a Scheme with its reads, lumped objects and potentials. */
#include <string.h>

#include "diff.h"
#include "ir.h"

/* The point reads' stiffness (sav_stab, below); d: V's derivatives, by
 * param */
static void
point_stab(Arena *a, Scheme *s, Expr **d)
{
	ExprPool *p = s->pool;
	int n = s->nparams + s->nrd, r, q;
	Expr **dd = mem_alloc((size_t)(n + 1) * sizeof *dd), **dq = mem_alloc((size_t)(n + 1) * sizeof *dq);
	Expr *cell = s->ndim == 2 ? ex_mul(p, ex_sym(p, SYM_HX), ex_sym(p, SYM_HY)) : ex_sym(p, SYM_HX);
	Expr *k2 = ex_powi(p, ex_sym(p, SYM_K), 2);

	for (r = 0; r < s->nrd; r++) {
		Expr *vrr, *c, *fac = ex_num(p, 1), *extra;
		Tap *t;

		if (s->rd[r].kind != RD_VAL || ex_is_num(d[s->nparams + r], 0))
			continue;
		diff_params(p, d[s->nparams + r], n, dd);
		vrr = dd[s->nparams + r];
		if (ex_is_num(vrr, 0))
			continue;
		/* V_r that also reads another part: the pair's relative motion
		 * is stiffer.  An object q of mass M adds its own V_qq m / M (the
		 * point's m = rho h w): V = phi(a . y) has the one stiffness
		 * phi'' sum_q a_q^2 / m_q, which for a spring to an object (a_q =
		 * -1) is V_rr (1 + m / M), and for a read of a chain at X the
		 * hats' squares, at most one (counted whole at each chain point
		 * that X could be near, a place of params made every grid
		 * unstable: a probe's).  Another point of the field counts
		 * twice. */
		extra = ex_num(p, 0);
		for (q = 0; q < s->nrd; q++) {
			if (q == r || ex_is_num(dd[s->nparams + q], 0))
				continue;
			if (s->rd[q].kind == RD_LUMP && s->lump[s->rd[q].lump].mass) {
				diff_params(p, d[s->nparams + q], n, dq);
				extra = ex_add(p, extra, ex_div(p, ex_mul(p, ex_mul(p, cell, s->mden),
				                                          ex_fn(p, FN_MAX, dq[s->nparams + q], ex_num(p, 0))),
				                                 s->lump[s->rd[q].lump].mass));
			} else
				fac = ex_add(p, fac, ex_num(p, 1));
		}
		if (!s->pot_vrr) {
			s->pot_vrr = arena_alloc(a, (size_t)(s->nrd + 1) * sizeof *s->pot_vrr);
			memset(s->pot_vrr, 0, (size_t)(s->nrd + 1) * sizeof *s->pot_vrr);
		}
		s->pot_vrr[r] = vrr;
		/* a softening one (V_rr < 0) adds nothing to stiffen */
		c = ex_div(p, ex_mul(p, k2, ex_add(p, ex_mul(p, fac, ex_fn(p, FN_MAX, vrr, ex_num(p, 0))), extra)),
		           ex_mul(p, cell, s->mden));
		t = arena_alloc(a, (size_t)(s->nstab + 1) * sizeof *t);
		memcpy(t, s->stab, (size_t)s->nstab * sizeof *t);
		t[s->nstab].level = 0;
		t[s->nstab].dx = t[s->nstab].dy = 0;
		t[s->nstab].coef = ex_neg(p, c);
		s->stab = t;
		s->nstab++;
		s->pot_stab = 1;
	}
	mem_free(dd);
	mem_free(dq);
}

/* A pde coefficient that reads the state (discretise.c state_coef) is in
 * the stability taps at rest; what its reads add there, c(rd) - c(0), is
 * counted where the grid is planned (after stab_pot), at @__sav_bound's
 * reads: the initial state's (a string plucked from rest starts at its
 * largest stretch), or with a potential where its energy bound puts
 * them; with a tenth more, as the explicit scheme's stretch overshoots
 * (kc_coef.dpm, lossless at alpha = 1e6: by 1e-4 of itself, enough to
 * blow up at 0.43 s on a grid planned at the initial stretch exactly). */
static void
state_coef_stab(Arena *a, Scheme *s)
{
	ExprPool *p = s->pool;
	Expr *c;
	Tap *t;
	int i, n = 0;

	if (!s->nstate_coef)
		return;
	t = arena_alloc(a, (size_t)(s->nstab + s->ntaps + 1) * sizeof *t);
	memcpy(t, s->stab, (size_t)s->nstab * sizeof *t);
	for (i = 0; i < s->ntaps; i++) {
		if (!(s->taps[i].coef->deps & DEP_STATE))
			continue;
		c = ex_subst_state(p, s->taps[i].coef, ex_num(p, 0));
		t[s->nstab + n] = s->taps[i];
		t[s->nstab + n++].coef = ex_mul(p, ex_num(p, 1.1), ex_sub(p, s->taps[i].coef, c));
	}
	s->stab = t;
	s->nstab += n;
	s->pot_stab = 1;
}

/* The taps of the force of kappa integral(D u ^2) for D a second
 * difference (u.xx: ax, u.yy: ay, lap(u): both and cross), with c =
 * k^2 2 kappa S / (rho den) (sav_stab): the force is -c D^T D u, taken
 * as -c (1, -4, 6, -4, 1) / h^4 along each axis and, for lap, -2 c
 * (1, -2, 1) x (1, -2, 1) / (hx^2 hy^2) */
static void
bend_taps(Arena *a, Scheme *s, Expr *c, int ax, int ay, int cross)
{
	static const double d2[3] = {1, -2, 1}, d4[5] = {-1, 4, -6, 4, -1};
	ExprPool *p = s->pool;
	Expr *h[2] = {ex_sym(p, SYM_HX), ex_sym(p, SYM_HY)};
	int on[2] = {ax, ay}, n = 0, i, j;
	Tap *t = arena_alloc(a, (size_t)(s->nstab + 19) * sizeof *t);

	memcpy(t, s->stab, (size_t)s->nstab * sizeof *t);
	for (j = 0; j < 2; j++)
		for (i = 0; on[j] && i < 5; i++, n++) {
			t[s->nstab + n].level = 0;
			t[s->nstab + n].dx = j ? 0 : i - 2;
			t[s->nstab + n].dy = j ? i - 2 : 0;
			t[s->nstab + n].coef = ex_div(p, ex_mul(p, ex_num(p, d4[i]), c), ex_powi(p, h[j], 4));
		}
	for (j = 0; cross && j < 3; j++)
		for (i = 0; i < 3; i++, n++) {
			t[s->nstab + n].level = 0;
			t[s->nstab + n].dx = i - 1;
			t[s->nstab + n].dy = j - 1;
			t[s->nstab + n].coef = ex_div(p, ex_mul(p, ex_num(p, -2 * d2[i] * d2[j]), c),
			                              ex_mul(p, ex_powi(p, h[0], 2), ex_powi(p, h[1], 2)));
		}
	s->stab = t;
	s->nstab += n;
}

/* The stiffness a potential adds, in the grid's stability (language.md
 * 12: "the default grid counts the stiffness a potential adds, at the
 * largest value the energy of the initial state allows").  A potential
 * of an integral of kappa u.x^2 (Kirchhoff-Carrier: alpha/4
 * integral(u.x^2)^2) pulls with tension 2 kappa dV/dI: its force is
 * (2 kappa dV/dI / rho) u.xx, which the frozen-coefficient analysis
 * takes as three more taps, k^2 2 kappa S / (rho h^2 den) (1, -2, 1)
 * (in 2D, along the axis of the slope: u.y's with hy).
 * S = dV/dI reads the state: the C text's @__taps evaluates it with
 * @__sav_bound's reads, I at the largest value V(I) <= H0, the energy of
 * the initial state (emit_sav.c).  A potential of a point read u(X)
 * adds its stiffness there, V_rr = d^2 V / du(X)^2, as a force that reads
 * the field at its point does (discretise.c build_coupling_stab): k^2
 * V_rr / (rho h den) off the centre tap, frozen at every point, twice
 * that when V_r also reads another part (a spring between parts); V_rr at
 * the read @__sav_bound moves, both ways from its start, to the largest
 * |u(X) - u0| with V <= H0 (a felt's stiffness at its deepest
 * compression).  Lumped objects' own stiffness adds nothing yet. */
void
sav_stab(Arena *a, Scheme *s)
{
	ExprPool *p = s->pool;
	int n = s->nparams + s->nrd, r;
	Expr **d, *thx = ex_sym(p, SYM_THX), *h, *k2;

	s->stab_pot = s->nstab;
	state_coef_stab(a, s);
	if (!s->npot)
		return;
	k2 = ex_powi(p, ex_sym(p, SYM_K), 2);
	d = mem_alloc((size_t)(n + 1) * sizeof *d);
	diff_params(p, s->pot, n, d);
	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
		Expr *kap, *c, *w;
		Tap *t;
		int i;

		if (rd->kind != RD_INT || !rd->lump || ex_is_num(d[s->nparams + r], 0))
			continue;
		/* the integrand must be kappa thx^2, kappa free of thx */
		kap = ex_div(p, diff_sym(p, diff_sym(p, rd->ig, SYM_THX), SYM_THX), ex_num(p, 2));
		if ((kap->deps & (1u << SYM_THX)) || !ex_is_num(ex_sub(p, rd->ig,
		    ex_mul(p, kap, ex_powi(p, thx, 2))), 0))
			continue;
		s->pot_stab = 1;
		if (rd->lump >= 3) {   /* u.xx, u.yy, lap(u) */
			c = ex_div(p, ex_mul(p, ex_mul(p, k2, ex_mul(p, ex_num(p, 2), kap)), d[s->nparams + r]),
			           ex_mul(p, s->density, s->den));
			bend_taps(a, s, ex_fn(p, FN_MAX, c, ex_num(p, 0)), rd->lump != 4, rd->lump != 3,
			          rd->lump == 5);
			continue;
		}
		h = ex_sym(p, rd->lump == 1 ? SYM_HX : SYM_HY);     /* along x, or y */
		c = ex_div(p, ex_mul(p, ex_mul(p, k2, ex_mul(p, ex_num(p, 2), kap)), d[s->nparams + r]),
		           ex_mul(p, ex_mul(p, s->density, ex_powi(p, h, 2)), s->den));
		/* a falling tension (dV/dI < 0) adds nothing to stiffen */
		c = ex_fn(p, FN_MAX, c, ex_num(p, 0));
		t = arena_alloc(a, (size_t)(s->nstab + 3) * sizeof *t);
		memcpy(t, s->stab, (size_t)s->nstab * sizeof *t);
		for (i = 0; i < 3; i++) {
			w = i == 1 ? ex_mul(p, ex_num(p, -2), c) : c;
			t[s->nstab + i].level = 0;
			t[s->nstab + i].dx = rd->lump == 1 ? i - 1 : 0;
			t[s->nstab + i].dy = rd->lump == 2 ? i - 1 : 0;
			t[s->nstab + i].coef = w;
		}
		s->stab = t;
		s->nstab += 3;
	}
	point_stab(a, s, d);
	mem_free(d);
}
