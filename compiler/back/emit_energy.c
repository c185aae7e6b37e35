/* emit_energy.c — the adjoint of `output E = energy` (language.md 12.1):
 * @__eadj, what the energy channel's seed g_s = dL/dE_s adds to the
 * backward step.
 *
 * E_s is a function of u[s+1] (un) and u[s] (u) (emit_loop.c energy_text):
 *
 *   E_s = sum_q c_q (d_q^2 - un_q (Op(u, u)_q - u_q) den_q)
 *         + sum_j M_j (v_j^2 / 2 - un_j r_j(u) / 2 - (un_j + u_j) f0_j / 2)
 *         + psi^2 / 2,
 *
 * r_j the object's rest less f0_j, its constant force (cg_lump_erest,
 * cg_lump_f0), c_q = rho_q H w_q / (2 k^2) (0 where a boundary holds
 * the point), d = un - u, Op the step's linear operator at t_s (P_op: the sweep, the lumped
 * objects and the forces between parts, no force, no sources, no
 * potentials), v_j = (un_j - u_j) / k.  So with lambda'_q = -g c_q den_q
 * un_q, the share of Op is lambda' . Op(u, u): its transpose A^T
 * lambda' + B^T lambda' and its sums of the gradient are those of a
 * forward step whose u[n] and u[n-1] are both u, made by the adjoint
 * step's own functions (@__adjg at s and s - 1, @__gacc without the
 * force and sources, @__apsc, @__aread).  The rest is direct.
 *
 * g dE_s/du[s+1] goes into lambda[s+1] now (with the outputs' seeds, so
 * before the potentials' and the sums of step s), g dE_s/du[s] waits in
 * m->eadj for lambda[s], added at the next call.  The backward runs its
 * steps in order on one thread, so one waiting array serves.  A velocity
 * read in Op or a rest is (u - u) / k: its seed reaches u through 1/k
 * and -1/k, nothing; it is dropped.
 *
 * requires: energy_text's step (@__step with lin), the adjoint's
 *           @__adjg, @__gacc (its lin), of parts @__apsc, @__aread,
 *           @__rdall, of potentials @__SAVE (psi's seed waits there);
 *           m->eadj (6 arrays of m->nst, emit_c.c).
 * leaves:   @__eadj(m, ln, g, s, n, u, un, gk, grad). */
#include <string.h>

#include "emit.h"
#include "diff.h"

/* A term C (u[n] - u[n-1]) / k with C a spatial difference (2 s1 u.xxt,
 * language.md 5: the backward velocity keeps the step explicit) puts C
 * into the taps on u[n-1]: B den = -(2 - den) - k C.  Written with the
 * centred velocity, C dt- u = C dt. u - (k/2) C dtt u, so the step is
 * (I + k C / 2) dtt u = L u - 2 s0 dt. u + C dt. u and the energy that
 * never rises (NSS 7.3) weighs the kinetic term by I + k C / 2: E gains
 * (k / 4) <v, C v>, v = (u[n+1] - u[n]) / k, that is
 *   rho H / (2 k^2) sum_q w_q (-1/2) d_q (den_q (B d)_q + (2 - den_q) d_q),
 * d = u[n+1] - u[n], B d = (A u + B u[n+1]) - (A u + B u).  Without such
 * a term (no tap on u[n-1] off the point itself) it is 0 and not made. */
int
cg_energy_bwd(const Scheme *s)
{
	int i;

	for (i = 0; i < s->ntaps; i++)
		if (s->taps[i].level == 1 && (s->taps[i].dx || s->taps[i].dy))
			return 1;
	return 0;
}

/* A lumped object's rest that reads velocities backward, (z[n] - z[n-1])
 * / k (a chain's w.xxt, a damper to another object or to a point of the
 * grid field), takes them as C dt- z with C the coefficients: the same
 * term, (k / 4) M v (C v) for each object, v = (z[n+1] - z[n]) / k; M C
 * is symmetric for a chain's stencils and a damper between objects (R /
 * M1 M1 = R / M2 M2).  The object's own centred damping (Lump.ct) is no
 * part of C.  A force between parts on the grid field that reads such
 * velocities (cg_src_back) adds (k / 4) v(X) (C v), v(X) the grid's
 * velocity where the force is spread: a damper R (z.t - u.t(X)) on both
 * sides so adds (k / 2) R v(X) v_z, and the energy falls at every step
 * (by R k ((z.t - u.t(X)) centred)^2), where without it the two sides'
 * velocities at different times let it rise. */
static void
back_free(Expr ***cv, int n)
{
	int i;

	if (!cv)
		return;
	for (i = 0; i < n; i++)
		mem_free(cv[i]);
	mem_free(cv);
}

/* back_coefs: rows[i]'s coefficients of the backward velocity reads
 * (RD_VEL, RD_LUMP_VEL), [i][r], NULL where 0 or where rows[i] is NULL;
 * NULL when no row has one or one is not linear in them */
Expr *
cg_lump_erest(const Scheme *s, int j)
{
	Expr *r = s->lump[j].rest;

	return ex_sub(s->pool, r, ex_subst_state(s->pool, r, ex_num(s->pool, 0)));
}

Expr *
cg_lump_f0(const Scheme *s, int j)
{
	Expr *f = ex_subst_state(s->pool, s->lump[j].rest, ex_num(s->pool, 0));

	return f->deps & (1u << SYM_T) ? ex_num(s->pool, 0) : f;
}

static Expr ***
back_coefs(const Scheme *s, Expr *const *rows, int n)
{
	int np = s->nparams, nq = np + s->nrd, i, r, q, any = 0;
	Expr ***cv, **d, **dd;

	if (!n || !s->nrd)
		return NULL;
	cv = mem_alloc((size_t)n * sizeof *cv);
	d = mem_alloc((size_t)(nq + 1) * sizeof *d);
	dd = mem_alloc((size_t)(nq + 1) * sizeof *dd);
	for (i = 0; i < n; i++) {
		cv[i] = mem_alloc((size_t)s->nrd * sizeof **cv);
		memset(cv[i], 0, (size_t)s->nrd * sizeof **cv);
		if (!rows[i])
			continue;
		diff_params(s->pool, rows[i], nq, d);
		for (r = 0; r < s->nrd; r++) {
			if ((s->rd[r].kind != RD_LUMP_VEL && s->rd[r].kind != RD_VEL) || ex_is_num(d[np + r], 0))
				continue;
			/* linear in the reads: a coefficient of params */
			diff_params(s->pool, d[np + r], nq, dd);
			for (q = np; q < nq; q++)
				if (!ex_is_num(dd[q], 0))
					any = -1;
			cv[i][r] = d[np + r];
			if (any >= 0)
				any = 1;
		}
	}
	mem_free(d);
	mem_free(dd);
	if (any <= 0) {
		back_free(cv, n);
		return NULL;
	}
	return cv;
}

Expr ***
cg_lump_back(const Scheme *s)
{
	Expr **rows = mem_alloc((size_t)(s->nlump + 1) * sizeof *rows), ***cv;
	int j;

	for (j = 0; j < s->nlump; j++)
		rows[j] = s->lump[j].rest;
	cv = back_coefs(s, rows, s->nlump);
	mem_free(rows);
	return cv;
}

void
cg_lump_back_free(const Scheme *s, Expr ***cv)
{
	back_free(cv, s->nlump);
}

/* [i][r]: the coefficient of backward velocity read r in state source
 * i's strength (times k^2); a bow's own is none */
Expr ***
cg_src_back(const Scheme *s)
{
	Expr **rows = mem_alloc((size_t)(s->nsrc + 1) * sizeof *rows), ***cv;
	int i;

	for (i = 0; i < s->nsrc; i++)
		rows[i] = s->src[i].state && s->src[i].implicit < 0 ? s->src[i].bare : NULL;
	cv = back_coefs(s, rows, s->nsrc);
	mem_free(rows);
	return cv;
}

void
cg_src_back_free(const Scheme *s, Expr ***cv)
{
	back_free(cv, s->nsrc);
}

/* " * (ei == 0 ? 0.5 : 1)" ...: the trapezoid weights of a point (ei,
 * ej), 1/2 along an axis at a free end, as energy_text has them */
void
cg_energy_weights(const Scheme *s, Buf *w)
{
	buf_printf(w, "%s%s%s%s", s->bc[0][0] == BC_FREE ? " * (ei == 0 ? 0.5 : 1)" : "",
	           s->bc[0][1] == BC_FREE ? " * (ei == nx ? 0.5 : 1)" : "",
	           s->ndim == 2 && s->bc[1][0] == BC_FREE ? " * (ej == 0 ? 0.5 : 1)" : "",
	           s->ndim == 2 && s->bc[1][1] == BC_FREE ? " * (ej == ny ? 0.5 : 1)" : "");
}

/* A constant force is a potential (language.md 12.1): a force f(x, y)
 * that does not vary in time does the work <u[n+1] - u[n-1], f> / 2 a
 * step on the scheme's energy, which -<u[n+1] + u[n], f> / 2 makes good,
 * so that a string under gravity conserves E exactly; a force that
 * varies in time does work and is no energy.  The field's: its k^2 f's
 * terms without t, NULL when none. */
Expr *
cg_force_const(const Scheme *s)
{
	Expr *f = s->force ? ex_without(s->pool, s->force, 1u << SYM_T) : NULL;

	return f && !ex_is_num(f, 0) ? f : NULL;
}

/* The same for point source i (S delta(x - X), S times k^2): NULL for a
 * force between parts (it reads the state) or a bow */
Expr *
cg_src_const(const Scheme *s, int i)
{
	Expr *f;

	if (s->src[i].state || s->src[i].implicit >= 0)
		return NULL;
	f = ex_without(s->pool, s->src[i].bare, 1u << SYM_T);
	return ex_is_num(f, 0) ? NULL : f;
}

/* Source i's place X (Y) as roots of em into *rx (*ry, -1 in 1D), and
 * with grad the roots of their derivatives by each param into dx, dy
 * (-1 where 0); d: scratch for the params' derivatives */
static void
place_roots(const Scheme *s, ExprEmitter *em, int i, int grad, Expr **d, int *rx, int *ry, int *dx, int *dy)
{
	int a, p;

	*rx = ex_emitter_add(em, s->src[i].pos[0]);
	*ry = s->ndim == 2 ? ex_emitter_add(em, s->src[i].pos[1]) : -1;
	for (a = 0; a < s->ndim; a++) {
		diff_params(s->pool, s->src[i].pos[a], s->nparams, d);
		for (p = 0; p < s->nparams; p++)
			(a ? dy : dx)[p] = grad && !ex_is_num(d[p], 0) ? ex_emitter_add(em, d[p]) : -1;
	}
}

/* In a block where g is the seed of sum_a rw[a] V[a] (rw the bilinear
 * weights @__interp gave, ax, ay their fractions along x and y, V the
 * C array named v): gx, gy, its seeds of the place X, Y, and through
 * them the params' (dx, dy of place_roots) */
static void
place_grad(Emit *e, ExprEmitter *em, const char *v, const int *dx, const int *dy)
{
	const Scheme *s = e->s;
	int p;

	cg_out(e, "\t\t\tconst double gx = g * ((1 - ay) * (%s[1] - %s[0]) + ay * (%s[3] - %s[2])) / hx;\n", v, v, v, v);
	if (s->ndim == 2)
		cg_out(e, "\t\t\tconst double gy = g * ((1 - ax) * (%s[2] - %s[0]) + ax * (%s[3] - %s[1])) / hy;\n\n"
		       "\t\t\t(void)gx; (void)gy;\n", v, v, v, v);
	else
		cg_out(e, "\t\t\tconst double gy = 0 * ax;\n\n\t\t\t(void)gx; (void)gy;\n");
	for (p = 0; p < s->nparams; p++) {
		if (dx[p] >= 0)
			cg_out(e, "\t\t\tgrad[%d] += gx * %s;\n", p, ex_emitter_root(em, dx[p]));
		if (dy[p] >= 0)
			cg_out(e, "\t\t\tgrad[%d] += gy * %s;\n", p, ex_emitter_root(em, dy[p]));
	}
}

/* Constant point force i's potential, -S (v[n+1] + v[n]) / (2 k^2), v the
 * grid's values interpolated at X as the source spreads S there (its
 * weights over the cell and the density, the energy's trapezoid and
 * density times them: the interpolation's own), as a block adding to E;
 * with grad, the adjoint's: the seeds of un and u at the point's
 * neighbours (ln, pe), of the params through S and through the point's
 * place (the weights move with X, Y) */
void
cg_src_const_term(Emit *e, int i, int grad)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "x");
	Expr *f = cg_src_const(s, i), **d = mem_alloc((size_t)(s->nparams + 1) * sizeof *d);
	int np = s->nparams, p, rf, rx, ry, *dv = mem_alloc((size_t)(3 * np + 3) * sizeof *dv);
	int *dx = dv + np + 1, *dy = dx + np + 1;

	rf = ex_emitter_add(em, f);
	diff_params(s->pool, f, np, d);
	for (p = 0; p < np; p++)
		dv[p] = grad && !ex_is_num(d[p], 0) ? ex_emitter_add(em, d[p]) : -1;
	place_roots(s, em, i, grad, d, &rx, &ry, dx, dy);
	cg_out(e, "\t{\n");
	ex_emitter_flush(em, &e->b, "\t\t");
	cg_out(e, "\t\tlong ri[4];\n\t\tdouble rw[4], wq[4], v = 0;\n\t\tconst double G = 0.5 / (k * k);\n\t\tint a;\n\n");
	cg_out(e, "\t\t@__interp(m, %s, %s, ri, rw);\n", ex_emitter_root(em, rx), ry >= 0 ? ex_emitter_root(em, ry) : "0");
	/* a held point takes no share: at an attached end the object's
	 * (discretise.c end_shares, its f0), elsewhere 0 */
	cg_out(e, "\t\tfor (a = 0; a < 4; a++) {\n\t\t\tconst int held = @__held(m, ri[a]);\n\n"
	       "\t\t\trw[a] = held ? 0 : rw[a];\n\t\t\twq[a] = held ? 0 : un[ri[a]] + u[ri[a]];\n"
	       "\t\t\tv += rw[a] * wq[a];\n\t\t}\n");
	if (!grad) {
		cg_out(e, "\t\tE -= G * (%s) * v;\n\t}\n", ex_emitter_root(em, rf));
	} else {
		cg_out(e, "\t\t{\n\t\t\tconst double g = -gE * G * (%s);\n", ex_emitter_root(em, rf));
		cg_out(e, "\t\t\tconst double ax = rw[1] + rw[3], ay = rw[2] + rw[3];\n");
		cg_out(e, "\t\t\tfor (a = 0; a < %d; a++) {\n\t\t\t\tln[ri[a]] += g * rw[a];\n"
		       "\t\t\t\tpe[ri[a]] += g * rw[a];\n\t\t\t}\n", 2 * s->ndim);
		for (p = 0; p < np; p++)
			if (dv[p] >= 0)
				cg_out(e, "\t\t\tgrad[%d] -= gE * G * v * %s;\n", p, ex_emitter_root(em, dv[p]));
		place_grad(e, em, "wq", dx, dy);
		cg_out(e, "\t\t}\n\t}\n");
	}
	ex_emitter_free(em);
	mem_free(d);
	mem_free(dv);
	cg_free_refs(pn, 0);
}

/* the grid's points: d, the seeds of un now and of u later, lambda',
 * and the params through den and the density */
static void
grid_points(Emit *e)
{
	const Scheme *s = e->s;
	Expr *fc = cg_force_const(s), *roots[3] = {s->den, s->edensity, fc};
	const char *seeds[3] = {"sd", "sr", "sf"}, **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "d");
	Buf w = {0};
	int r, bwd = cg_energy_bwd(s);

	cg_energy_weights(s, &w);
	/* the linear operator, without the bows (lin 2) as energy_text's */
	cg_out(e, "\t@__step(m, s, u, u, ee, 0, %d);\n", s->nimplicit ? 2 : 1);
	if (bwd)   /* ea - ee = B d; ee becomes the seed lambda'' of B d */
		cg_out(e, "\t@__step(m, s, u, un, ea, 0, %d);\n", s->nimplicit ? 2 : 1);
	cg_out(e, "\tfor (ej = 0; ej <= ny; ej++)\n\t\tfor (ei = 0; ei <= nx; ei++) {\n");
	cg_out(e, "\t\t\tconst long q = ei + ej * nx1;\n");
	cg_out(e, "\t\t\tconst double x = x0 + ei * hx, y = y0 + ej * hy, d = un[q] - u[q];\n");
	cg_out(e, "\t\t\tconst int held = (@__held_end[0][0] && ei == 0) || (@__held_end[0][1] && ei == nx) ||\n"
	       "\t\t\t    (@__ndim == 2 && ((@__held_end[1][0] && ej == 0) || (@__held_end[1][1] && ej == ny)));\n");
	cg_out(e, "\t\t\t(void)x; (void)y;\n");
	/* (ee at a held point: no seed of B d, below) */
	cg_out(e, "\t\t\tif (held) {\n\t\t\t\tee[q] = 0;\n\t\t\t\tcontinue;\n\t\t\t}\n");
	r = ex_emitter_add(em, s->den);
	ex_emitter_add(em, s->edensity);
	if (fc)
		ex_emitter_add(em, fc);
	ex_emitter_flush(em, &e->b, "\t\t\t");
	cg_out(e, "\t\t\t{\n");
	cg_out(e, "\t\t\t\tconst double den = %s, rho = %s, c = gE * rho * cell%s, L = ee[q] - u[q];\n",
	       ex_emitter_root(em, r), ex_emitter_root(em, r + 1), w.s ? w.s : "");
	/* a constant force's potential c (-f (un + u)) (energy_text) */
	if (fc)
		cg_out(e, "\t\t\t\tconst double fc = %s, sf = -c * (un[q] + u[q]);\n\n\t\t\t\t(void)sf;\n",
		       ex_emitter_root(em, r + 2));
	/* with bwd, the kinetic term's weight I + k C / 2: -c d K / 2 */
	if (bwd)
		cg_out(e, "\t\t\t\tconst double Bd = ea[q] - ee[q], K = den * Bd + (2 - den) * d;\n");
	cg_out(e, "\t\t\t\tconst double sd = -c * un[q] * L%s;\n", bwd ? " - 0.5 * c * d * (Bd - d)" : "");
	cg_out(e, "\t\t\t\tconst double sr = c / rho * (d * d - un[q] * L * den%s%s);\n\n",
	       fc ? " - fc * (un[q] + u[q])" : "", bwd ? " - 0.5 * d * K" : "");
	cg_out(e, "\t\t\t\t(void)sd; (void)sr;\n");
	cg_out(e, "\t\t\t\tln[q] += c * (2 * d - L * den%s)%s;\n", fc ? " - fc" : "",
	       bwd ? " - 0.5 * c * (K + (2 - den) * d)" : "");
	cg_out(e, "\t\t\t\tpe[q] = c * (un[q] * den - 2 * d%s)%s;\n", fc ? " - fc" : "",
	       bwd ? " + 0.5 * c * (K + (2 - den) * d)" : "");
	if (bwd)
		cg_out(e, "\t\t\t\tee[q] = -0.5 * c * den * d;\n");
	cg_out(e, "\t\t\t\tel[q] = -c * den * un[q];\n");
	cg_vjp(e, roots, seeds, fc ? 3 : 2, "\t\t\t\t");
	cg_out(e, "\t\t\t}\n\t\t}\n");
	ex_emitter_free(em);
	cg_free_refs(pn, 0);
	buf_free(&w);
}

/* lump j's backward reads' coefficients (cg_lump_back) as C locals cr<r>
 * at indent ind, each in a block of its own; with grad, each block also
 * adds its params' seeds 0.25 gE k M v rdv_r dc_r/dp.  Into sum the
 * text " + cr<r> * rdv[<r>] ..." of S = C v.  (Not c<r>: the block's
 * temporaries are c0, c1, ..., and one of them hid the local it was to
 * set: cc refused the const's assignment, TinyCC took it, a probe's) */
void
cg_lump_back_coefs(Emit *e, Expr **c, const char *ind, int grad, Buf *sum)
{
	const Scheme *s = e->s;
	int np = s->nparams, r, p;
	Expr **dc = mem_alloc((size_t)(np + 1) * sizeof *dc);
	const char **pn = cg_param_refs(e);
	Buf in = {0};

	buf_printf(&in, "%s\t", ind);
	for (r = 0; r < s->nrd; r++) {
		ExprEmitter *ec;
		int cr;

		if (!c[r])
			continue;
		ec = ex_emitter_new(pn, cg_sym_c, "c");
		cr = ex_emitter_add(ec, c[r]);
		if (grad) {
			diff_params(s->pool, c[r], np, dc);
			for (p = 0; p < np; p++)
				ex_emitter_add(ec, dc[p]);
		}
		cg_out(e, "%sdouble cr%d;\n%s{\n", ind, r, ind);
		ex_emitter_flush(ec, &e->b, in.s);
		cg_out(e, "%s\tcr%d = %s;\n", ind, r, ex_emitter_root(ec, cr));
		for (p = 0; grad && p < np; p++)
			if (!ex_is_num(dc[p], 0))
				cg_out(e, "%s\tgrad[%d] += 0.25 * gE * k * M * v * rdv[%d] * %s;\n", ind, p, r,
				       ex_emitter_root(ec, cr + 1 + p));
		cg_out(e, "%s}\n", ind);
		ex_emitter_free(ec);
		buf_printf(sum, " + cr%d * rdv[%d]", r, r);
	}
	buf_free(&in);
	mem_free(dc);
	cg_free_refs(pn, 0);
}

/* State source i's (k / 4) v(X) S, S = sum_r c_r rdv_r / k^2
 * (cg_src_back: c_r the coefficients of its strength, times k^2), v(X)
 * the grid's velocity (un - u) / k interpolated at its point, as a block
 * adding to E; with grad, the adjoint's instead: the seeds of un and u
 * at the point's neighbours (ln, pe), of each read (rsv), of the params
 * through the c_r and through the point's place */
void
cg_src_back_term(Emit *e, int i, Expr **c, int grad)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "x");
	Expr **d = mem_alloc((size_t)(s->nparams + 1) * sizeof *d);
	int np = s->nparams, rx, ry, *dx = mem_alloc((size_t)(2 * np + 2) * sizeof *dx), *dy = dx + np;
	Buf sv = {0};

	place_roots(s, em, i, grad, d, &rx, &ry, dx, dy);
	cg_out(e, "\t{\n");
	ex_emitter_flush(em, &e->b, "\t\t");
	cg_out(e, "\t\tlong ri[4];\n\t\tdouble rw[4], vq[4], v = 0;\n\t\tconst double M = 1 / (k * k);\n\t\tint a;\n\n");
	cg_out(e, "\t\t@__interp(m, %s, %s, ri, rw);\n", ex_emitter_root(em, rx), ry >= 0 ? ex_emitter_root(em, ry) : "0");
	cg_out(e, "\t\tfor (a = 0; a < 4; a++) {\n\t\t\tvq[a] = (un[ri[a]] - u[ri[a]]) / k;\n\t\t\tv += rw[a] * vq[a];\n\t\t}\n");
	cg_lump_back_coefs(e, c, "\t\t", grad, &sv);
	cg_out(e, "\t\tconst double S = (0%s) * M;\n\n\t\t(void)vq;\n", sv.s ? sv.s : "");
	if (!grad) {
		cg_out(e, "\t\tE += 0.25 * k * v * S;\n\t}\n");
	} else {
		int r;
		for (r = 0; r < s->nrd; r++)
			if (c[r])
				cg_out(e, "\t\trsv[%d] += 0.25 * gE * k * M * v * cr%d;\n", r, r);
		cg_out(e, "\t\tfor (a = 0; a < %d; a++) {\n\t\t\tln[ri[a]] += 0.25 * gE * S * rw[a];\n"
		       "\t\t\tpe[ri[a]] -= 0.25 * gE * S * rw[a];\n\t\t}\n", 2 * s->ndim);
		/* the weights move with X, Y (rw as @__interp makes them) */
		cg_out(e, "\t\t{\n\t\t\tconst double ax = rw[1] + rw[3], ay = rw[2] + rw[3], g = 0.25 * gE * k * S;\n");
		place_grad(e, em, "vq", dx, dy);
		cg_out(e, "\t\t}\n\t}\n");
	}
	buf_free(&sv);
	ex_emitter_free(em);
	mem_free(d);
	mem_free(dx);
	cg_free_refs(pn, 0);
}

/* lump j's (k / 4) M v S, S = sum_r c_r rdv_r (cg_lump_back), in a block
 * where M and v are the object's: seeds of un and u at j, of each read
 * (rsv), of the params through M and the c_r */
static void
lump_back(Emit *e, Expr **c, int j)
{
	const Scheme *s = e->s;
	int np = s->nparams, r, p, *root = mem_alloc((size_t)(np + 1) * sizeof *root);
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "m");
	Expr **dm = mem_alloc((size_t)(np + 1) * sizeof *dm);
	Buf sv = {0};

	diff_params(s->pool, s->lump[j].mass, np, dm);
	for (p = 0; p < np; p++)
		root[p] = ex_is_num(dm[p], 0) ? -1 : ex_emitter_add(em, dm[p]);
	cg_out(e, "\t\t{\n");
	cg_lump_back_coefs(e, c, "\t\t\t", 1, &sv);
	for (r = 0; r < s->nrd; r++)
		if (c[r])     /* rdv_r's seed: its transpose (@__aread) below */
			cg_out(e, "\t\t\trsv[%d] += 0.25 * gE * k * M * v * cr%d;\n", r, r);
	cg_out(e, "\t\t\tconst double S = 0%s;\n\n", sv.s ? sv.s : "");
	cg_out(e, "\t\t\tln[ng + %d] += 0.25 * gE * M * S;\n", j);
	cg_out(e, "\t\t\tpe[ng + %d] -= 0.25 * gE * M * S;\n", j);
	ex_emitter_flush(em, &e->b, "\t\t\t");
	for (p = 0; p < np; p++)
		if (root[p] >= 0)
			cg_out(e, "\t\t\tgrad[%d] += 0.25 * gE * k * v * S * %s;\n", p, ex_emitter_root(em, root[p]));
	cg_out(e, "\t\t}\n");
	buf_free(&sv);
	ex_emitter_free(em);
	cg_free_refs(pn, 0);
	mem_free(dm);
	mem_free(root);
}

/* a read of a velocity (u.t(X), z.t): 0 where the energy's adjoint reads
 * the state at u for un */
static int
vel_read(ReadKind k)
{
	return k == RD_VEL || k == RD_LUMP_VEL || k == RD_CVEL;
}

/* The seeds of the reads and params through every lumped object's M,
 * rest and constant force, sm[j] dM_j + sa[j] drest_j + sf[j] df0_j
 * (cg_lump_erest, cg_lump_f0), as one reverse sweep of sum_j sm[j] M_j +
 * sa[j] rest_j + sf[j] f0_j with the seeds as leaves (as cg_vjp): the objects of
 * a chain read one another through sums their rests share (a read at a
 * param's place is a sum over all the points), and each object's own
 * derivatives took the number of objects squared (57 MB of C for a chain
 * of 341 points). */
static void
lumps_vjp(Emit *e)
{
	const Scheme *s = e->s;
	ExprPool *P = s->pool;
	int np = s->nparams, nq = np + s->nrd, nl = s->nlump, i, j;
	const char **pn = cg_param_refs(e), **names = mem_alloc((size_t)(nq + 3 * nl + 1) * sizeof *names);
	Expr *sum = ex_num(P, 0), **d = mem_alloc((size_t)(nq + 1) * sizeof *d);
	int *root = mem_alloc((size_t)(nq + 1) * sizeof *root);
	ExprEmitter *em;

	for (i = 0; i < nq; i++)
		names[i] = pn[i];
	for (j = 0; j < nl; j++) {
		static const char *const seed[3] = {"sm", "sa", "sf"};
		Expr *part[3] = {s->lump[j].mass, cg_lump_erest(s, j), cg_lump_f0(s, j)};
		int q;

		for (q = 0; q < 3; q++) {
			Buf b = {0};
			buf_printf(&b, "%s[%d]", seed[q], j);
			names[nq + 3 * j + q] = b.s;
			if (part[q]->deps & DEP_PARAM)
				sum = ex_add(P, sum, ex_mul(P, ex_param(P, nq + 3 * j + q), part[q]));
		}
	}
	names[nq + 3 * nl] = NULL;
	diff_params(P, sum, nq, d);
	em = ex_emitter_new(names, cg_sym_c, "v");
	for (i = 0; i < nq; i++) {
		/* a velocity read is 0 here (u for un): lump_back seeds it */
		root[i] = (i >= np && vel_read(s->rd[i - np].kind)) || ex_is_num(d[i], 0) ? -1
		          : ex_emitter_add(em, d[i]);
	}
	ex_emitter_flush(em, &e->b, "\t\t");
	for (i = 0; i < nq; i++)
		if (root[i] >= 0)
			cg_out(e, i < np ? "\t\tgrad[%d] += %s;\n" : "\t\trs[%d] += %s;\n",
			       i < np ? i : i - np, ex_emitter_root(em, root[i]));
	ex_emitter_free(em);
	for (j = nq; j < nq + 3 * nl; j++)
		mem_free((void *)names[j]);
	mem_free(names);
	cg_free_refs(pn, 0);
	mem_free(d);
	mem_free(root);
}

/* each lumped object's M (v^2 / 2 - un rest(u) / 2 - (un + u) f0 / 2): seeds of un, u, of
 * the reads rest makes (rs) and of the params through M and rest; 1 when
 * they read velocities backward (seeds in rsv) */
static int
lumps(Emit *e)
{
	const Scheme *s = e->s;
	int nl = s->nlump, j;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "w");
	int *root = mem_alloc((size_t)(3 * nl + 1) * sizeof *root);
	Expr ***cv = cg_lump_back(s);

	if (s->nrd)       /* none: the objects read nothing (z.tt = 0), no @__rdall */
		cg_out(e, "\t@__rdall(m, u, u, rd);\n");
	if (cv)
		cg_out(e, "\t@__rdall(m, un, u, rdv);\n");
	for (j = 0; j < nl; j++) {
		root[3 * j] = ex_emitter_add(em, s->lump[j].mass);
		root[3 * j + 1] = ex_emitter_add(em, cg_lump_erest(s, j));
		root[3 * j + 2] = ex_emitter_add(em, cg_lump_f0(s, j));
	}
	/* rest at t = 0, as @__parts_energy takes it: a force that is a time
	 * signal does work on the object, it is no energy of its own (at the
	 * step's t, dL/dA of 1000 A t was off 1000-fold) */
	cg_out(e, "\t{\n\t\tconst double t = 0.0;\n\t\tdouble Mj[%d], vj[%d], sm[%d], sa[%d], sf[%d];\n\n"
	       "\t\t(void)t; (void)sm; (void)sa; (void)sf;\n", nl, nl, nl, nl, nl);
	ex_emitter_flush(em, &e->b, "\t\t");
	for (j = 0; j < nl; j++) {
		const char *er = ex_emitter_root(em, root[3 * j + 1]), *f0 = ex_emitter_root(em, root[3 * j + 2]);

		cg_out(e, "\t\tMj[%d] = %s;\n\t\tvj[%d] = (un[ng + %d] - u[ng + %d]) / k;\n",
		       j, ex_emitter_root(em, root[3 * j]), j, j, j);
		cg_out(e, "\t\tsm[%d] = gE * (0.5 * vj[%d] * vj[%d] - 0.5 * un[ng + %d] * %s - 0.5 * (un[ng + %d] + "
		       "u[ng + %d]) * %s);\n", j, j, j, j, er, j, j, f0);
		cg_out(e, "\t\tsa[%d] = -0.5 * gE * Mj[%d] * un[ng + %d];\n", j, j, j);
		cg_out(e, "\t\tsf[%d] = -0.5 * gE * Mj[%d] * (un[ng + %d] + u[ng + %d]);\n", j, j, j, j);
		cg_out(e, "\t\tln[ng + %d] += gE * Mj[%d] * (vj[%d] / k - 0.5 * %s - 0.5 * %s);\n", j, j, j, er, f0);
		cg_out(e, "\t\tpe[ng + %d] -= gE * Mj[%d] * (vj[%d] / k + 0.5 * %s);\n", j, j, j, f0);
	}
	lumps_vjp(e);
	for (j = 0; cv && j < nl; j++) {
		cg_out(e, "\t\t{\n\t\tconst double M = Mj[%d], v = vj[%d];\n\n\t\t(void)M; (void)v;\n", j, j);
		lump_back(e, cv[j], j);
		cg_out(e, "\t\t}\n");
	}
	cg_out(e, "\t}\n");
	ex_emitter_free(em);
	cg_lump_back_free(s, cv);
	cg_free_refs(pn, 0);
	mem_free(root);
	return cv != NULL;
}

void
cg_emit_energy_adj(Emit *e)
{
	const Scheme *s = e->s;
	int o, r, i, nr = cg_atleast1(s->nrd), parts = e->l->step->parts, back = 0;
	Expr ***sb;

	for (o = 0; o < s->nout && !s->out[o].energy; o++)
		;
	cg_out(e, "/* g dE_s/du[s+1] into ln = lambda[s+1], what waits for it from step\n"
	       " * s + 1 first; g dE_s/du[s] to wait for lambda[s] (emit_energy.c) */\n");
	cg_out(e, "static DPM_LONG void\n@__eadj(@_model *m, double *ln, const double *g, long s, long n, "
	       "const double *u,\n\tconst double *un, double *gk, double *grad)\n{\n");
	cg_out(e, "\tconst long np = m->npts, nx = m->n[0], ny = m->n[1], nx1 = m->nx1;\n");
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1], t = (double)s * k;\n");
	cg_out(e, "\tconst double x0 = @__from[0], y0 = @__from[1], cell = hx%s * (0.5 / (k * k));\n",
	       s->ndim == 2 ? " * hy" : "");
	cg_out(e, "\tconst long ng = nx1 * (ny + 1);\n");
	cg_out(e, "\tdouble *pe = m->eadj, *el = pe + m->nst, *ea = el + m->nst, *eb = ea + m->nst;\n");
	cg_out(e, "\tdouble *ez = eb + m->nst, *ee = ez + m->nst, gE, rs[%d] = {0}, rz[%d] = {0}, rd[%d], rdv[%d];\n",
	       nr, nr, nr, nr);
	cg_out(e, "\tdouble rsv[%d] = {0}, rsz[%d] = {0};\n", nr, nr);
	cg_out(e, "\tlong q, ei, ej;\n\n");
	cg_out(e, "\t(void)p; (void)t; (void)ng; (void)rs; (void)rz; (void)rd; (void)rdv; (void)gk; (void)rsv; (void)rsz;\n");
	cg_out(e, "\tif (s + 1 < n)\n\t\tfor (q = 0; q < np; q++)\n\t\t\tln[q] += pe[q];\n");
	cg_out(e, "\tmemset(pe, 0, (size_t)np * sizeof(double));\n");
	cg_out(e, "\tif (s < 0 || (gE = g[s * %d + %d]) == 0)\n\t\treturn;\n", s->nout, o);
	cg_out(e, "\tmemset(el, 0, (size_t)np * sizeof(double));\n");
	if (s->pot0) {    /* the lowered potentials' value at rest, of params */
		Expr *roots[1] = {s->pot0};
		const char *seeds[1] = {"gE"};
		cg_out(e, "\t{\n");
		cg_vjp(e, roots, seeds, 1, "\t\t");
		cg_out(e, "\t}\n");
	}
	grid_points(e);
	for (i = 0; i < s->nsrc; i++)
		if (cg_src_const(s, i))
			cg_src_const_term(e, i, 1);
	/* Op^T lambda' and the sums of Op's coefficients at t_s, as a step
	 * from (u, u): A(t_s)^T, then B(t_s)^T (the B of adjg's step s) */
	cg_out(e, "\tmemset(ea, 0, (size_t)np * sizeof(double));\n");
	cg_out(e, "\tmemset(eb, 0, (size_t)np * sizeof(double));\n");
	cg_out(e, "\t@__adjg(m, s, el, ez, ea, u, gk, grad);\n");
	cg_out(e, "\t@__adjg(m, s - 1, ez, el, eb, u, gk, grad);\n");
	cg_out(e, "\t@__gacc(m, s, el, u, u, un, g + s * %d, gk, grad, 1);\n", s->nout);
	cg_out(e, "\tfor (q = 0; q < ng; q++)\n\t\tpe[q] += ea[q] + eb[q];\n");
	if (cg_energy_bwd(s)) {
		/* lambda'' . B d: B(t_s)^T lambda'' into d's seeds, and the
		 * sums of B's coefficients, as a step from (0, d) */
		cg_out(e, "\tfor (q = 0; q < np; q++) {\n\t\tea[q] = q < ng ? un[q] - u[q] : 0;\n");
		cg_out(e, "\t\tif (q >= ng)\n\t\t\tee[q] = 0;\n\t}\n");
		cg_out(e, "\tmemset(eb, 0, (size_t)np * sizeof(double));\n");
		cg_out(e, "\t@__adjg(m, s - 1, ez, ee, eb, ea, gk, grad);\n");
		cg_out(e, "\t@__gacc(m, s, ee, ez, ea, un, g + s * %d, gk, grad, 1);\n", s->nout);
		cg_out(e, "\tfor (q = 0; q < ng; q++) {\n\t\tln[q] += eb[q];\n\t\tpe[q] -= eb[q];\n\t}\n");
	}
	if (parts) {
		if (s->nstate_src || s->nstate_coef)
			cg_out(e, "\t@__apsc(m, s, el, u, u, rs, grad, gk + @__GK_X(m) + @__OFF_SW);\n");
		for (r = 0; r < s->nrd; r++)
			if (vel_read(s->rd[r].kind))
				cg_out(e, "\trs[%d] = 0;\n", r);
		if (s->nlump)
			back = lumps(e);
		if ((sb = cg_src_back(s))) {
			back = 1;
			cg_out(e, "\t@__rdall(m, un, u, rdv);\n");
			for (i = 0; i < s->nsrc; i++)
				for (r = 0; r < s->nrd; r++)
					if (sb[i][r]) {
						cg_src_back_term(e, i, sb[i], 1);
						break;
					}
			cg_src_back_free(s, sb);
		}
		if (s->nrd)
			cg_out(e, "\t@__aread(m, pe, u, u, rs, rz, grad);\n");
		/* the velocities rdv = reads of (un, u): the seeds rsv reach un
		 * (as a step's reads of (u, up) reach u) and, as what would
		 * wait for the step before, -rsv reaches u */
		if (back)
			cg_out(e, "\t@__aread(m, ln, un, u, rsv, rsz, grad);\n\t@__aread(m, pe, un, u, rsz, rsv, grad);\n");
	}
	/* psi^2 / 2: psi's seed waits with the potentials' (emit_sav.c), in
	 * the ring @__asav of step s reads */
	if (s->npot)
		cg_out(e, "\t@__SAVE(m, s + 1)[np - 1] += gE * un[np - 1];\n");
	cg_out(e, "}\n\n");
}
