/* emit_sav.c — integrals and potentials (language.md 12) in the C text.
 *
 * requires: a Scheme with its reads (RD_INT among them) and, when it has
 *           potentials, V = Scheme.pot of params and reads; one field in
 *           1D (discretise.c refuses the rest).
 * leaves:   C functions the step calls:
 *   @__intR    read R, integral(E) of the state u[n]
 *   @__sav_v   V from the reads
 *   @__sav     the SAV correction of un (OP_SAV), after every other op
 *              that writes un
 *   @__sav_init  psi at the start, sqrt(2 V(u[0]) + eps)
 *   @__sav_energy  the lumped objects' energy and psi^2 / 2, for
 *              `output E = energy`
 *
 * The scalar auxiliary variable method (S. Bilbao, M. Ducceschi, F. Zama,
 * J. Comput. Phys. 2023).  With q the whole state (the grid's points and
 * the lumped objects), m_q its masses (rho h w_q, w_q the trapezoid
 * weight; M for an object) and psi = sqrt(2 V + eps) a state of its own
 * at the half steps, the step adds to each q the force -g_q mu(psi):
 *   m_q (q[n+1] - 2 q[n] + q[n-1]) / k^2 = (linear part) - g_q (psi+ + psi-) / 2
 *   psi+ = psi- + g . (q[n+1] - q[n-1]) / 2,      g = dV/dq (q[n]) / sqrt(2 V(q[n]) + eps)
 * Dotting the first with (q[n+1] - q[n-1]) / 2 and adding psi+^2/2 -
 * psi-^2/2 = g . (q[n+1] - q[n-1]) (psi+ + psi-) / 4 cancels the force:
 * kinetic + linear potential + psi^2/2 is conserved exactly.  q[n+1] is
 * q* (the explicit step without the force) minus b mu(psi), b_q = k^2 g_q
 * / (m_q den_q), and g . (q[n+1] - q[n-1]) follows from one scalar
 * equation (Sherman-Morrison of the rank-one g g^T): O(N), explicit, and
 * its divisor 1 + g.b/4 is never below 1. */
#include <string.h>

#include "diff.h"
#include "emit.h"

/* eps of psi = sqrt(2 V + eps): keeps g = dV / psi finite where V = 0 */
#define SAV_EPS "1e-30"

static void
locals(Emit *e)
{
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1], t = 0.0;\n");
	cg_out(e, "\tconst long nx = m->n[0], ng = m->nx1 * (m->n[1] + 1);\n");
	cg_out(e, "\tconst double ih = 1 / hx;\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)t; (void)nx; (void)ng; (void)ih;\n");
	if (e->s->ndim == 2)
		cg_out(e, "\tconst long ny = m->n[1], nx1 = m->nx1;\n\tconst double ihy = 1 / hy;\n"
		       "\t(void)ny; (void)nx1; (void)ihy;\n");
}

/* 2D: the loop of integral read kind (0: u, 1: u.x, 2: u.y) over the
 * points or intervals, with q, x, y, thx (the integrand's argument) and
 * w, the cell's share of hx hy (trapezoid weights across) */
static void
loop2(Emit *e, int kind)
{
	cg_out(e, "\tfor (j = 0; j %s ny; j++)\n", kind == 2 ? "<" : "<=");
	cg_out(e, "\t\tfor (i = 0; i %s nx; i++) {\n", kind == 1 ? "<" : "<=");
	cg_out(e, "\t\t\tconst long q = i + j * nx1;\n");
	cg_out(e, "\t\t\tconst double x = @__from[0] + (i%s) * hx, y = @__from[1] + (j%s) * hy;\n",
	       kind == 1 ? " + 0.5" : "", kind == 2 ? " + 0.5" : "");
	if (kind == 0)
		cg_out(e, "\t\t\tconst double thx = u[q];\n");
	else
		cg_out(e, "\t\t\tconst double thx = (u[q + %s] - u[q]) * %s;\n", kind == 1 ? "1" : "nx1",
		       kind == 1 ? "ih" : "ihy");
	cg_out(e, "\t\t\tconst double w = hx * hy%s%s;\n",
	       kind != 1 ? " * (i == 0 || i == nx ? 0.5 : 1)" : "",
	       kind != 2 ? " * (j == 0 || j == ny ? 0.5 : 1)" : "");
	cg_out(e, "\t\t\t(void)x; (void)y; (void)thx;\n");
}

/* integral(E): E of u by the trapezoid rule over the grid's points; E of
 * u.x per interval, u.x = (u[i+1] - u[i]) / h, at the interval's middle */
void
cg_emit_integrals(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int r;

	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
		ExprEmitter *em;
		int root;

		if (rd->kind != RD_INT)
			continue;
		cg_out(e, "/* integral(...): read %d */\nstatic double\n@__int%d(const @_model *m, "
		       "const double *u)\n{\n", r, r);
		locals(e);
		if (s->ndim == 2) {
			cg_out(e, "\tdouble I = 0;\n\tlong i, j;\n\n");
			loop2(e, rd->lump);
			em = ex_emitter_new(pn, cg_sym_c, "f");
			root = ex_emitter_add(em, rd->ig);
			ex_emitter_flush(em, &e->b, "\t\t\t");
			cg_out(e, "\t\t\tI += w * (%s);\n\t\t}\n\treturn I;\n}\n\n", ex_emitter_root(em, root));
			ex_emitter_free(em);
			continue;
		}
		cg_out(e, "\tdouble I = 0;\n\tlong i;\n\n");
		if (rd->lump) {
			cg_out(e, "\tfor (i = 0; i < nx; i++) {\n");
			cg_out(e, "\t\tconst double x = @__from[0] + (i + 0.5) * hx, thx = (u[i + 1] - u[i]) * ih;\n");
		} else {
			cg_out(e, "\tfor (i = 0; i <= nx; i++) {\n");
			cg_out(e, "\t\tconst double x = @__from[0] + i * hx, thx = u[i];\n");
		}
		cg_out(e, "\t\t(void)x; (void)thx;\n");
		em = ex_emitter_new(pn, cg_sym_c, "f");
		root = ex_emitter_add(em, rd->ig);
		ex_emitter_flush(em, &e->b, "\t\t");
		cg_out(e, "\t\tI += %s(%s);\n\t}\n", rd->lump ? "" : "(i == 0 || i == nx ? 0.5 : 1) * ",
		       ex_emitter_root(em, root));
		cg_out(e, "\treturn hx * I;\n}\n\n");
		ex_emitter_free(em);
	}
	cg_free_refs(pn, 0);
}

/* g += dv * d(read r)/dq over the state: the transpose of the read */
static void
read_grad(Emit *e, int r, const char *dv, int sparse)
{
	const Scheme *s = e->s;
	const Read *rd = &s->rd[r];
	const char **pn = cg_param_refs(e);
	Buf x = {0};

	switch (rd->kind) {
	case RD_LUMP:
		if (sparse)
			cg_out(e, "\t@__sav_add(ix, gv, &nix, ng + %d, %s);\n", rd->lump, dv);
		else
			cg_out(e, "\tg[ng + %d] += %s;\n", rd->lump, dv);
		break;
	case RD_VAL:
		ex_print_c(&x, rd->pos, pn, cg_sym_c);
		cg_out(e, "\t{\n\t\tlong ri[4];\n\t\tdouble rw[4];\n\n");
		cg_out(e, "\t\t@__interp(m, %s, 0, ri, rw);\n", x.s);
		if (sparse)
			cg_out(e, "\t\t@__sav_add(ix, gv, &nix, ri[0], %s * rw[0]);\n"
			       "\t\t@__sav_add(ix, gv, &nix, ri[1], %s * rw[1]);\n\t}\n", dv, dv);
		else
			cg_out(e, "\t\tg[ri[0]] += %s * rw[0];\n\t\tg[ri[1]] += %s * rw[1];\n\t}\n", dv, dv);
		break;
	case RD_INT: {
		ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "f");
		int root = ex_emitter_add(em, diff_sym(s->pool, rd->ig, SYM_THX));
		if (s->ndim == 2) {
			loop2(e, rd->lump);
			ex_emitter_flush(em, &e->b, "\t\t\t");
			if (rd->lump) {
				cg_out(e, "\t\t\tconst double d = (%s) * w * %s * (%s);\n\n", dv,
				       rd->lump == 1 ? "ih" : "ihy", ex_emitter_root(em, root));
				cg_out(e, "\t\t\tg[q + %s] += d;\n\t\t\tg[q] -= d;\n\t\t}\n",
				       rd->lump == 1 ? "1" : "nx1");
			} else {
				cg_out(e, "\t\t\tg[q] += (%s) * w * (%s);\n\t\t}\n", dv, ex_emitter_root(em, root));
			}
			ex_emitter_free(em);
			break;
		}
		if (rd->lump) {   /* I = h sum f((u[i+1] - u[i]) / h) */
			cg_out(e, "\tfor (i = 0; i < nx; i++) {\n");
			cg_out(e, "\t\tconst double x = @__from[0] + (i + 0.5) * hx, thx = (u[i + 1] - u[i]) * ih;\n");
		} else {          /* I = h sum w_i f(u[i]) */
			cg_out(e, "\tfor (i = 0; i <= nx; i++) {\n");
			cg_out(e, "\t\tconst double x = @__from[0] + i * hx, thx = u[i];\n");
		}
		cg_out(e, "\t\t(void)x; (void)thx;\n");
		ex_emitter_flush(em, &e->b, "\t\t");
		if (rd->lump) {
			cg_out(e, "\t\tconst double d = (%s) * (%s);\n\n", dv, ex_emitter_root(em, root));
			cg_out(e, "\t\tg[i + 1] += d;\n\t\tg[i] -= d;\n\t}\n");
		} else {
			cg_out(e, "\t\tg[i] += (%s) * hx * (i == 0 || i == nx ? 0.5 : 1) * (%s);\n\t}\n", dv,
			       ex_emitter_root(em, root));
		}
		ex_emitter_free(em);
		break;
	}
	default:
		die("emit_sav: a potential reads read %d of kind %d", r, (int)rd->kind);
	}
	buf_free(&x);
	cg_free_refs(pn, 0);
}

void
cg_emit_sav(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, n = np + s->nrd, r, j, root, sparse;
	Expr **d = mem_alloc((size_t)(n + 1) * sizeof *d);
	ExprEmitter *em;
	Buf in = {0};

	/* V */
	cg_out(e, "static double\n@__sav_v(const @_model *m, const double *rd)\n{\n");
	locals(e);
	cg_out(e, "\t(void)rd;\n");
	em = ex_emitter_new(pn, cg_sym_c, "v");
	root = ex_emitter_add(em, s->pot);
	ex_emitter_flush(em, &e->b, "\t");
	cg_out(e, "\treturn %s;\n}\n\n", ex_emitter_root(em, root));
	ex_emitter_free(em);

	cg_out(e, "static void\n@__sav_init(@_model *m)\n{\n\tdouble rd[%d];\n\n", cg_atleast1(s->nrd));
	cg_out(e, "\t@__rdall(m, m->u, m->up, rd);\n");
	cg_out(e, "\tm->sav_psi = sqrt(2 * @__sav_v(m, rd) + " SAV_EPS ");\n}\n\n");

	/* k^2 / (m_q den_q) of state q, 0 where a boundary holds it */
	cg_out(e, "static double\n@__sav_mass(const @_model *m, long q)\n{\n");
	locals(e);
	if (s->ndim == 2)
		cg_out(e, "\tconst long i = q %% nx1, j = q / nx1;\n"
		       "\tconst double x = @__from[0] + (double)i * hx, y = @__from[1] + (double)j * hy;\n\n"
		       "\t(void)x; (void)y;\n");
	else
		cg_out(e, "\tconst double x = @__from[0] + (double)q * hx;\n\n\t(void)x;\n");
	cg_out(e, "\tif (q >= ng) {\n");
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (j = 0; j < s->nlump; j++) {
		ex_emitter_add(em, s->lump[j].mass);
		ex_emitter_add(em, s->lump[j].ct);
	}
	ex_emitter_flush(em, &e->b, "\t\t");
	for (j = 0; j < s->nlump; j++)
		cg_out(e, "\t\tif (q == ng + %d)\n\t\t\treturn k * k / ((%s) * (1 - (%s) * k / 2));\n", j,
		       ex_emitter_root(em, 2 * j), ex_emitter_root(em, 2 * j + 1));
	ex_emitter_free(em);
	cg_out(e, "\t\treturn 0;\n\t}\n");
	if (s->ndim == 2) {
		static const char *const side[2][2] = {{"i == 0", "i == nx"}, {"j == 0", "j == ny"}};
		int ax, sd;
		for (ax = 0; ax < 2; ax++)
			for (sd = 0; sd < 2; sd++)
				if (s->bc[ax][sd] != BC_FREE)
					cg_out(e, "\tif (%s)\n\t\treturn 0;\n", side[ax][sd]);
	} else {
		if (s->bc[0][0] != BC_FREE)
			cg_out(e, "\tif (q == 0)\n\t\treturn 0;\n");
		if (s->bc[0][1] != BC_FREE)
			cg_out(e, "\tif (q == nx)\n\t\treturn 0;\n");
	}
	em = ex_emitter_new(pn, cg_sym_c, "w");
	ex_emitter_add(em, s->den);
	ex_emitter_add(em, s->density);
	ex_emitter_flush(em, &e->b, "\t");
	if (s->ndim == 2)
		cg_out(e, "\treturn k * k / ((%s) * hx * hy * (i == 0 || i == nx ? 0.5 : 1) "
		       "* (j == 0 || j == ny ? 0.5 : 1) * (%s));\n}\n\n",
		       ex_emitter_root(em, 1), ex_emitter_root(em, 0));
	else
		cg_out(e, "\treturn k * k / ((%s) * hx * (q == 0 || q == nx ? 0.5 : 1) * (%s));\n}\n\n",
		       ex_emitter_root(em, 1), ex_emitter_root(em, 0));
	ex_emitter_free(em);

	/* the step's correction: with no integral, g is sparse (the points
	 * of the reads and the lumped objects), and so is the work */
	for (r = 0; r < s->nrd && s->rd[r].kind != RD_INT; r++)
		;
	sparse = r == s->nrd;
	diff_params(s->pool, s->pot, n, d);
	if (sparse) {
		for (r = 0, j = 0; r < s->nrd; r++)
			j += s->rd[r].kind == RD_VAL ? 2 : 1;
		cg_out(e, "static void\n@__sav_add(long *ix, double *gv, int *ng, long q, double v)\n{\n");
		cg_out(e, "\tint a;\n\n\tfor (a = 0; a < *ng && ix[a] != q; a++)\n\t\t;\n");
		cg_out(e, "\tif (a == *ng) {\n\t\tix[a] = q;\n\t\tgv[a] = 0;\n\t\t(*ng)++;\n\t}\n");
		cg_out(e, "\tgv[a] += v;\n}\n\n");
	}
	cg_out(e, "/* OP_SAV: un -= b mu(psi), psi += g . (un - up) / 2 (emit_sav.c) */\n");
	cg_out(e, "static void\n@__sav(const @_model *cm, const double *rd, const double *u, "
	       "const double *up, double *un)\n{\n");
	cg_out(e, "\t@_model *m = (@_model *)cm;\n");
	locals(e);
	cg_out(e, "\tconst double psi = m->sav_psi;\n");
	cg_out(e, "\tdouble V, sq, gd = 0, gb = 0, gdn, mu;\n\tlong i, j, q;\n");
	if (sparse)
		cg_out(e, "\tlong ix[%d];\n\tdouble gv[%d], bv[%d];\n\tint nix = 0, a;\n\n", j, j, j);
	else
		cg_out(e, "\tdouble *g = m->sav_g, *b = m->sav_g + m->npts;\n\n"
		       "\tfor (q = 0; q < m->npts; q++)\n\t\tg[q] = 0;\n");
	cg_out(e, "\t(void)i; (void)j; (void)q;\n");
	em = ex_emitter_new(pn, cg_sym_c, "v");
	root = ex_emitter_add(em, s->pot);
	for (r = 0; r < s->nrd; r++)
		if (!ex_is_num(d[np + r], 0))
			ex_emitter_add(em, d[np + r]);
	ex_emitter_flush(em, &e->b, "\t");
	cg_out(e, "\tV = %s;\n", ex_emitter_root(em, root));
	for (r = 0, j = 1; r < s->nrd; r++)
		if (!ex_is_num(d[np + r], 0)) {
			buf_printf(&in, "dv%d", r);
			cg_out(e, "\tconst double dv%d = %s;\n", r, ex_emitter_root(em, j++));
			read_grad(e, r, in.s, sparse);
			in.len = 0;
		}
	ex_emitter_free(em);
	cg_out(e, "\tsq = sqrt(2 * V + " SAV_EPS ");\n");
	cg_out(e, "\tconst double isq = 1 / sq;\n\n\t(void)isq;\n");
	if (sparse) {
		cg_out(e, "\tfor (a = 0; a < nix; a++) {\n");
		cg_out(e, "\t\tgv[a] /= sq;\n\t\tbv[a] = gv[a] * @__sav_mass(m, ix[a]);\n");
		cg_out(e, "\t\tgd += gv[a] * (un[ix[a]] - up[ix[a]]);\n\t\tgb += gv[a] * bv[a];\n\t}\n");
	} else {
		unsigned sp = (1u << SYM_X) | (1u << SYM_Y);
		if (((s->den->deps | s->density->deps) & sp) || s->ndim == 2) {
			cg_out(e, "\tfor (q = 0; q < m->npts; q++) {\n");
			cg_out(e, "\t\tg[q] *= isq;\n\t\tb[q] = g[q] * @__sav_mass(m, q);\n");
		} else {    /* the masses are one value but at the ends */
			cg_out(e, "\tconst double mi = @__sav_mass(m, 1);\n\n");
			cg_out(e, "\tfor (q = 0; q < ng; q++) {\n");
			cg_out(e, "\t\tg[q] *= isq;\n\t\tb[q] = g[q] * mi;\n");
			cg_out(e, "\t\tgd += g[q] * (un[q] - up[q]);\n\t\tgb += g[q] * b[q];\n\t}\n");
			cg_out(e, "\tgd -= g[0] * (un[0] - up[0]) + g[nx] * (un[nx] - up[nx]);\n");
			cg_out(e, "\tgb -= g[0] * b[0] + g[nx] * b[nx];\n");
			cg_out(e, "\tb[0] = g[0] * @__sav_mass(m, 0);\n\tb[nx] = g[nx] * @__sav_mass(m, nx);\n");
			cg_out(e, "\tgd += g[0] * (un[0] - up[0]) + g[nx] * (un[nx] - up[nx]);\n");
			cg_out(e, "\tgb += g[0] * b[0] + g[nx] * b[nx];\n");
			cg_out(e, "\tfor (q = ng; q < m->npts; q++) {\n");
			cg_out(e, "\t\tg[q] *= isq;\n\t\tb[q] = g[q] * @__sav_mass(m, q);\n");
		}
		cg_out(e, "\t\tgd += g[q] * (un[q] - up[q]);\n\t\tgb += g[q] * b[q];\n\t}\n");
	}
	cg_out(e, "\tgdn = (gd - gb * psi) / (1 + gb / 4);\n");
	cg_out(e, "\tmu = psi + gdn / 4;\n");
	if (sparse)
		cg_out(e, "\tfor (a = 0; a < nix; a++)\n\t\tun[ix[a]] -= bv[a] * mu;\n");
	else
		cg_out(e, "\tfor (q = 0; q < m->npts; q++)\n\t\tun[q] -= b[q] * mu;\n");
	cg_out(e, "\tm->sav_psi = psi + gdn / 2;\n\t(void)u;\n}\n\n");

	buf_free(&in);
	mem_free(d);
	cg_free_refs(pn, 0);
}

/* @__sav_bound of a 2D field: the same on a 64 by 64 sampling (the
 * integrals by loop2's rules; no point reads in 2D) */
static void
bound2(Emit *e, Expr **d)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em;
	int r, i, np = s->nparams;

	cg_out(e, "static void\n@__sav_bound(const double *p, double k, double *rd)\n{\n");
	cg_out(e, "\tenum { M = 64, M1 = M + 1 };\n");
	cg_out(e, "\tconst double hx = %.17g / (double)M, hy = %.17g / (double)M, t = 0;\n",
	       s->to[0] - s->from[0], s->to[1] - s->from[1]);
	cg_out(e, "\tconst double ih = 1 / hx, ihy = 1 / hy;\n\tconst long nx = M, ny = M, nx1 = M1;\n");
	cg_out(e, "\tdouble u0[M1 * M1], v0[M1 * M1], H = 0, lo, hi, V;\n\tlong i, j;\n\tint it;\n\n");
	cg_out(e, "\t(void)t; (void)ih; (void)ihy;\n");
	cg_out(e, "\tfor (j = 0; j <= M; j++)\n\t\tfor (i = 0; i <= M; i++) {\n");
	cg_out(e, "\t\t\tconst double x = %.17g + i * hx, y = %.17g + j * hy;\n\t\t\t(void)x; (void)y;\n",
	       s->from[0], s->from[1]);
	em = ex_emitter_new(pn, cg_sym_c, "w");
	ex_emitter_add(em, s->init_u ? s->init_u : ex_num(s->pool, 0));
	ex_emitter_add(em, s->init_ut ? s->init_ut : ex_num(s->pool, 0));
	ex_emitter_flush(em, &e->b, "\t\t\t");
	cg_out(e, "\t\t\tu0[i + j * M1] = %s;\n\t\t\tv0[i + j * M1] = %s;\n\t\t}\n",
	       ex_emitter_root(em, 0), ex_emitter_root(em, 1));
	ex_emitter_free(em);
	cg_out(e, "\tfor (j = 1; j < M; j++)\n\t\tfor (i = 1; i < M; i++) {\n");
	cg_out(e, "\t\t\tconst double x = %.17g + i * hx, y = %.17g + j * hy;\n", s->from[0], s->from[1]);
	cg_out(e, "\t\t\tconst long q = i + j * M1;\n\t\t\tdouble Lu = -u0[q];\n\n\t\t\t(void)x; (void)y;\n");
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (i = 0; i < s->ntaps; i++)
		ex_emitter_add(em, s->taps[i].coef);
	ex_emitter_add(em, s->den);
	ex_emitter_add(em, s->density);
	ex_emitter_flush(em, &e->b, "\t\t\t");
	for (i = 0; i < s->ntaps; i++)
		cg_out(e, "\t\t\tif (i + %d >= 0 && i + %d <= M && j + %d >= 0 && j + %d <= M)\n"
		       "\t\t\t\tLu += (%s) * u0[q + %d + %d * M1];\n", s->taps[i].dx, s->taps[i].dx,
		       s->taps[i].dy, s->taps[i].dy, ex_emitter_root(em, i), s->taps[i].dx, s->taps[i].dy);
	cg_out(e, "\t\t\tH += (%s) * hx * hy * (0.5 * v0[q] * v0[q] - 0.5 * u0[q] * Lu * (%s) / (k * k));\n"
	       "\t\t}\n", ex_emitter_root(em, s->ntaps + 1), ex_emitter_root(em, s->ntaps));
	ex_emitter_free(em);
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (i = 0; i < s->nlump; i++) {
		ex_emitter_add(em, s->lump[i].init);
		ex_emitter_add(em, s->lump[i].init_t);
		ex_emitter_add(em, s->lump[i].mass);
	}
	ex_emitter_flush(em, &e->b, "\t");
	for (i = 0; i < s->nlump; i++)
		cg_out(e, "\tH += 0.5 * (%s) * (%s) * (%s);\n", ex_emitter_root(em, 3 * i + 2),
		       ex_emitter_root(em, 3 * i + 1), ex_emitter_root(em, 3 * i + 1));
	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
		if (rd->kind == RD_LUMP) {
			cg_out(e, "\trd[%d] = %s;\n", r, ex_emitter_root(em, 3 * rd->lump));
		} else if (rd->kind == RD_INT) {
			ExprEmitter *ei = ex_emitter_new(pn, cg_sym_c, "f");
			int root = ex_emitter_add(ei, rd->ig);
			cg_out(e, "\trd[%d] = 0;\n", r);
			cg_out(e, "\tfor (j = 0; j %s ny; j++)\n", rd->lump == 2 ? "<" : "<=");
			cg_out(e, "\t\tfor (i = 0; i %s nx; i++) {\n", rd->lump == 1 ? "<" : "<=");
			cg_out(e, "\t\t\tconst long q = i + j * nx1;\n");
			cg_out(e, "\t\t\tconst double x = %.17g + (i%s) * hx, y = %.17g + (j%s) * hy;\n",
			       s->from[0], rd->lump == 1 ? " + 0.5" : "", s->from[1], rd->lump == 2 ? " + 0.5" : "");
			if (rd->lump == 0)
				cg_out(e, "\t\t\tconst double thx = u0[q];\n");
			else
				cg_out(e, "\t\t\tconst double thx = (u0[q + %s] - u0[q]) * %s;\n",
				       rd->lump == 1 ? "1" : "nx1", rd->lump == 1 ? "ih" : "ihy");
			cg_out(e, "\t\t\tconst double w = hx * hy%s%s;\n\t\t\t(void)x; (void)y;\n",
			       rd->lump != 1 ? " * (i == 0 || i == nx ? 0.5 : 1)" : "",
			       rd->lump != 2 ? " * (j == 0 || j == ny ? 0.5 : 1)" : "");
			ex_emitter_flush(ei, &e->b, "\t\t\t");
			cg_out(e, "\t\t\trd[%d] += w * (%s);\n\t\t}\n", r, ex_emitter_root(ei, root));
			ex_emitter_free(ei);
		} else {
			cg_out(e, "\trd[%d] = 0;\n", r);
		}
	}
	ex_emitter_free(em);
	cg_out(e, "\tH += @__sav_vb(p, rd);\n");
	for (r = 0; r < s->nrd; r++) {
		if (s->rd[r].kind != RD_INT || !s->rd[r].lump || ex_is_num(d[np + r], 0))
			continue;
		cg_out(e, "\tlo = rd[%d];\n\thi = lo > 0 ? 2 * lo : 1e-300;\n", r);
		cg_out(e, "\tfor (it = 0; it < 2100; it++) {\n\t\trd[%d] = hi;\n", r);
		cg_out(e, "\t\tif ((V = @__sav_vb(p, rd)) > H || !(V == V))\n\t\t\tbreak;\n");
		cg_out(e, "\t\tlo = hi;\n\t\thi *= 2;\n\t}\n");
		cg_out(e, "\tfor (it = 0; it < 100 && hi - lo > 1e-12 * hi; it++) {\n");
		cg_out(e, "\t\trd[%d] = 0.5 * (lo + hi);\n", r);
		cg_out(e, "\t\tif (@__sav_vb(p, rd) > H)\n\t\t\thi = rd[%d];\n\t\telse\n\t\t\tlo = rd[%d];\n\t}\n",
		       r, r);
		cg_out(e, "\trd[%d] = hi;\n", r);
	}
	cg_out(e, "\t(void)lo; (void)hi; (void)V; (void)it;\n}\n\n");
	cg_free_refs(pn, 0);
}

/* @__sav_bound(p, k, rd): the reads at the largest stretch the initial
 * energy allows (sav.c sav_stab), for the grid's stability.  The initial
 * state is sampled on 512 intervals; its energy H0 is the scheme's
 * (kinetic, and -u L u / 2 with L from the interior taps, neighbours past
 * an end taken as 0), plus the lumped objects' kinetic energy and V.  Each
 * integral the stiffness reads is then raised to the largest I with
 * V(I) <= H0 (doubling, then bisection), the other reads kept at their
 * initial values. */
void
cg_emit_sav_bound(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em;
	int r, i, j, np = s->nparams, n = np + s->nrd;
	Expr **d = mem_alloc((size_t)(n + 1) * sizeof *d);
	double len = s->to[0] - s->from[0];

	diff_params(s->pool, s->pot, n, d);
	cg_out(e, "static double\n@__sav_vb(const double *p, const double *rd)\n{\n");
	cg_out(e, "\tconst double k = 0, hx = 0, hy = 0, t = 0;\n");
	cg_out(e, "\t(void)p; (void)rd; (void)k; (void)hx; (void)hy; (void)t;\n");
	em = ex_emitter_new(pn, cg_sym_c, "v");
	r = ex_emitter_add(em, s->pot);
	ex_emitter_flush(em, &e->b, "\t");
	cg_out(e, "\treturn %s;\n}\n\n", ex_emitter_root(em, r));
	ex_emitter_free(em);
	if (s->ndim == 2) {
		bound2(e, d);
		mem_free(d);
		cg_free_refs(pn, 0);
		return;
	}

	cg_out(e, "static void\n@__sav_bound(const double *p, double k, double *rd)\n{\n");
	cg_out(e, "\tenum { M = 512 };\n");
	cg_out(e, "\tconst double hx = %.17g / (double)M, hy = 0, t = 0;\n", len);
	cg_out(e, "\tdouble u0[M + 1], v0[M + 1], H = 0, lo, hi, V;\n\tlong i;\n\tint it;\n\n");
	cg_out(e, "\t(void)hy; (void)t; (void)v0;\n");
	cg_out(e, "\tfor (i = 0; i <= M; i++) {\n\t\tconst double x = %.17g + i * hx;\n\t\t(void)x;\n",
	       s->from[0]);
	em = ex_emitter_new(pn, cg_sym_c, "w");
	ex_emitter_add(em, s->init_u ? s->init_u : ex_num(s->pool, 0));
	ex_emitter_add(em, s->init_ut ? s->init_ut : ex_num(s->pool, 0));
	ex_emitter_flush(em, &e->b, "\t\t");
	cg_out(e, "\t\tu0[i] = %s;\n\t\tv0[i] = %s;\n\t}\n", ex_emitter_root(em, 0), ex_emitter_root(em, 1));
	ex_emitter_free(em);
	/* the field's energy, -u L u / 2 + v^2 / 2, L u = ((A + B) u - u) den / k^2 */
	cg_out(e, "\tfor (i = 1; i < M; i++) {\n\t\tconst double x = %.17g + i * hx;\n", s->from[0]);
	cg_out(e, "\t\tdouble Lu = -u0[i];\n\n\t\t(void)x;\n");
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (i = 0; i < s->ntaps; i++)
		ex_emitter_add(em, s->taps[i].coef);
	ex_emitter_add(em, s->den);
	ex_emitter_add(em, s->density);
	ex_emitter_flush(em, &e->b, "\t\t");
	for (i = 0; i < s->ntaps; i++)
		if (!s->taps[i].dy)
			cg_out(e, "\t\tif (i + %d >= 0 && i + %d <= M)\n\t\t\tLu += (%s) * u0[i + %d];\n",
			       s->taps[i].dx, s->taps[i].dx, ex_emitter_root(em, i), s->taps[i].dx);
	cg_out(e, "\t\tH += (%s) * hx * (0.5 * v0[i] * v0[i] - 0.5 * u0[i] * Lu * (%s) / (k * k));\n\t}\n",
	       ex_emitter_root(em, s->ntaps + 1), ex_emitter_root(em, s->ntaps));
	ex_emitter_free(em);
	/* the reads of the initial state */
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (j = 0; j < s->nlump; j++) {
		ex_emitter_add(em, s->lump[j].init);
		ex_emitter_add(em, s->lump[j].init_t);
		ex_emitter_add(em, s->lump[j].mass);
	}
	for (r = 0; r < s->nrd; r++)
		ex_emitter_add(em, s->rd[r].pos ? s->rd[r].pos : ex_num(s->pool, 0));
	ex_emitter_flush(em, &e->b, "\t");
	for (j = 0; j < s->nlump; j++)
		cg_out(e, "\tH += 0.5 * (%s) * (%s) * (%s);\n", ex_emitter_root(em, 3 * j + 2),
		       ex_emitter_root(em, 3 * j + 1), ex_emitter_root(em, 3 * j + 1));
	for (r = 0; r < s->nrd; r++) {
		const Read *rd = &s->rd[r];
		switch (rd->kind) {
		case RD_LUMP:
			cg_out(e, "\trd[%d] = %s;\n", r, ex_emitter_root(em, 3 * rd->lump));
			break;
		case RD_LUMP_VEL:
			cg_out(e, "\trd[%d] = %s;\n", r, ex_emitter_root(em, 3 * rd->lump + 1));
			break;
		case RD_VAL: {
			const char *X = ex_emitter_root(em, 3 * s->nlump + r);
			cg_out(e, "\t{\n\t\tdouble a = ((%s) - %.17g) / hx;\n\t\tlong c = (long)a;\n\n", X,
			       s->from[0]);
			cg_out(e, "\t\tc = c < 0 ? 0 : c > M - 1 ? M - 1 : c;\n\t\ta -= (double)c;\n");
			cg_out(e, "\t\trd[%d] = (1 - a) * u0[c] + a * u0[c + 1];\n\t}\n", r);
			break;
		}
		case RD_INT: {
			ExprEmitter *ei = ex_emitter_new(pn, cg_sym_c, "f");
			int root = ex_emitter_add(ei, rd->ig);
			cg_out(e, "\trd[%d] = 0;\n\tfor (i = 0; i %s M; i++) {\n", r, rd->lump ? "<" : "<=");
			if (rd->lump)
				cg_out(e, "\t\tconst double x = %.17g + (i + 0.5) * hx, thx = (u0[i + 1] - u0[i]) / hx;\n",
				       s->from[0]);
			else
				cg_out(e, "\t\tconst double x = %.17g + i * hx, thx = u0[i];\n", s->from[0]);
			cg_out(e, "\t\t(void)x; (void)thx;\n");
			ex_emitter_flush(ei, &e->b, "\t\t");
			cg_out(e, "\t\trd[%d] += hx * %s(%s);\n\t}\n", r,
			       rd->lump ? "" : "(i == 0 || i == M ? 0.5 : 1) * ", ex_emitter_root(ei, root));
			ex_emitter_free(ei);
			break;
		}
		default:       /* velocities: none in a potential */
			cg_out(e, "\trd[%d] = 0;\n", r);
			break;
		}
	}
	ex_emitter_free(em);
	cg_out(e, "\tH += @__sav_vb(p, rd);\n");
	for (r = 0; r < s->nrd; r++) {
		if (s->rd[r].kind != RD_INT || !s->rd[r].lump || ex_is_num(d[np + r], 0))
			continue;
		cg_out(e, "\tlo = rd[%d];\n\thi = lo > 0 ? 2 * lo : 1e-300;\n", r);
		cg_out(e, "\tfor (it = 0; it < 2100; it++) {\n\t\trd[%d] = hi;\n", r);
		cg_out(e, "\t\tif ((V = @__sav_vb(p, rd)) > H || !(V == V))\n\t\t\tbreak;\n");
		cg_out(e, "\t\tlo = hi;\n\t\thi *= 2;\n\t}\n");
		cg_out(e, "\tfor (it = 0; it < 100 && hi - lo > 1e-12 * hi; it++) {\n");
		cg_out(e, "\t\trd[%d] = 0.5 * (lo + hi);\n", r);
		cg_out(e, "\t\tif (@__sav_vb(p, rd) > H)\n\t\t\thi = rd[%d];\n\t\telse\n\t\t\tlo = rd[%d];\n\t}\n",
		       r, r);
		cg_out(e, "\trd[%d] = hi;\n", r);
	}
	cg_out(e, "\t(void)lo; (void)hi; (void)V; (void)it;\n}\n\n");
	mem_free(d);
	cg_free_refs(pn, 0);
}

/* @__parts_energy, the share of `output E = energy` (language.md 12.1)
 * beyond the field's sum (emit_loop.c energy_text): each lumped object's,
 * as the field's, M (v^2 / 2 - z[n+1] rest(z[n]) / 2) with rest its
 * acceleration from the state at n without the velocities (the reads at
 * u[n-1] = u[n]), taken directly rather than through escr - u (a soft
 * spring's k^2 w^2 is below the digits of z); and psi^2/2 for the
 * potentials.  A spring between parts, F on one and -F on the other,
 * then counts as K (d[n+1] d[n]) / 2 of its stretch d: the staggered
 * energy the explicit scheme conserves. */
void
cg_emit_parts_energy(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em;
	int j;

	cg_out(e, "static double\n@__parts_energy(const @_model *m, const double *u, const double *un)\n{\n");
	locals(e);
	cg_out(e, "\tdouble E = %s, rd[%d];\n\n",
	       s->npot ? "0.5 * (m->sav_psi * m->sav_psi - " SAV_EPS ")" : "0", cg_atleast1(s->nrd));
	cg_out(e, "\t(void)u; (void)un; (void)rd;\n");
	if (s->nrd)
		cg_out(e, "\t@__rdall(m, u, u, rd);\n");
	em = ex_emitter_new(pn, cg_sym_c, "w");
	for (j = 0; j < s->nlump; j++) {
		ex_emitter_add(em, s->lump[j].mass);
		ex_emitter_add(em, s->lump[j].rest);
	}
	ex_emitter_flush(em, &e->b, "\t");
	for (j = 0; j < s->nlump; j++) {
		cg_out(e, "\t{\n\t\tconst double v = (un[ng + %d] - u[ng + %d]) / k;\n\n", j, j);
		cg_out(e, "\t\tE += (%s) * (0.5 * v * v - 0.5 * un[ng + %d] * (%s));\n\t}\n",
		       ex_emitter_root(em, 2 * j), j, ex_emitter_root(em, 2 * j + 1));
	}
	ex_emitter_free(em);
	cg_out(e, "\treturn E;\n}\n\n");
	cg_free_refs(pn, 0);
}
