/* emit_bow.c — what a bow (language.md 12, a velocity-dependent point
 * force) needs beyond its Newton solve (emit_loop.c c_solve): the
 * transpose of that solve, and the check that its equation has one root.
 *
 * requires: a Scheme with implicit sources (discretise.c build_implicit),
 *           @__interp, @__held, @__rdall and the sources' weights.
 * leaves:   @__asolve  the adjoint of every bow of a step at its root
 *           @__bowcheck  set_coefs' refusal of a force too strong
 *
 * The step of a bow at source i, read r (its centred velocity), is
 *   un = un* + S(v) w,   v solving  g(v) = v - v* - c S(v) = 0,
 *   v* = r . (un* - up) / 2k,   c = r . w / 2k,
 * un* the field at n+1 without it.  At the root, by the implicit-function
 * theorem, dv = (dv* + S dc + c S_q dq) / D, D = 1 - c S_v (q: the params
 * and the other reads S depends on).  With lambda the adjoint of un and
 * G = w . lambda, lambda . dun = lambda . dun* + G dS + S lambda . dw
 * gives, with mu = G / D (the one division) and sigma = mu S_v:
 *   the adjoint of un*   lambda + sigma r / 2k      (lambda-hat)
 *   of up                - sigma r / 2k              (via the reads' ring)
 *   of q                 mu S_q                      (grad, rs)
 *   of the bow point X   sigma r' . (un - up) / 2k + S lambda-hat . w'
 * (the terms in c and w' collect into lambda-hat because un = un* + S w).
 * Bows are solved one after the other, each seeing the ones before it:
 * their transposes run in reverse, each v made again from un less the
 * later bows' forces.  r and w have nv points: 2 on a 1D field, the 4
 * of the bow's cell on a 2D one (bilinear, as @__interp), where the bow
 * point is (X, Y) and r' is taken along each axis.
 * With potentials (one bow), un* is the field before the SAV correction
 * that follows the bow, v* and c carry that correction's share at the
 * bow point (emit_loop.c sav_coupling), and v's seed sigma r / 2k on
 * un goes through the correction's transpose (@__asav_core) before it
 * joins lambda-hat. */
#include "diff.h"
#include "emit.h"

/* the bows' sources, in order */
static int
bows(const Scheme *s, int *src)
{
	int i, n = 0;

	for (i = 0; i < s->nsrc; i++)
		if (s->src[i].implicit >= 0)
			src[n++] = i;
	return n;
}

/* du[q]: un - up at the read's nv points ri, less the forces of the
 * bows after number b (later[] their sources) */
static void
bow_du(Emit *e, const int *src, int b, int nb, int nv)
{
	int l;

	cg_out(e, "\t\tfor (q = 0; q < %d; q++) {\n", nv);
	cg_out(e, "\t\t\tdu[q] = un[ri[q]] - up[ri[q]];\n");
	for (l = b + 1; l < nb; l++) {
		cg_out(e, "\t\t\tfor (q2 = 0; q2 < %d; q2++)\n", nv);
		cg_out(e, "\t\t\t\tif (m->src_i[%d][q2] == ri[q])\n", src[l]);
		cg_out(e, "\t\t\t\t\tdu[q] -= Sb[%d] * m->src_w[%d][q2];\n", l, src[l]);
	}
	cg_out(e, "\t\t}\n");
}

/* With potentials, the bow's c as its solve took it (emit_loop.c
 * sav_coupling): less (r.b)(g.w) / (4 (1 + g.b/4)) / 2k.  v's seed then
 * goes to un through the correction (its transpose, @__asav_core, on
 * the seed at the bow point alone), not to un straight: ls, freed with
 * gs after it.  One bow (discretise.c). */
static void
sav_c(Emit *e, int i, int nv)
{
	cg_out(e, "\t\tdouble *gs = (double *)calloc(3 * (size_t)m->npts, sizeof(double)), *bs, *ls;\n");
	cg_out(e, "\t\tdouble gb, rb = 0, gw = 0;\n\t\tlong qq;\n\n");
	cg_out(e, "\t\tif (!gs) {\n\t\t\tfor (qq = 0; qq < m->npts; qq++)\n\t\t\t\tl[qq] = NAN;\n"
	       "\t\t\treturn;\n\t\t}\n");
	cg_out(e, "\t\tbs = gs + m->npts;\n\t\tls = bs + m->npts;\n");
	cg_out(e, "\t\tgb = @__sav_gb(m, rd, u, gs, bs);\n");
	cg_out(e, "\t\tfor (q = 0; q < %d; q++) {\n\t\t\trb += rw[q] * bs[ri[q]];\n", nv);
	cg_out(e, "\t\t\tgw += gs[m->src_i[%d][q]] * m->src_w[%d][q];\n\t\t}\n", i, i);
	cg_out(e, "\t\tc -= rb * gw / (4 * (1 + gb / 4)) / (2 * k);\n");
}

static int
moves(const Loops *l, int i)
{
	int p, np = l->s->nparams;

	for (p = 0; p < np; p++)
		if (!ex_is_num(l->dsrcpos[(2 * i) * np + p], 0) || !ex_is_num(l->dsrcpos[(2 * i + 1) * np + p], 0)
		    || !ex_is_num(l->dden[p], 0))
			return 1;
	return 0;
}

/* @__asolve(m, n, l, u, up, un, rs, grad, sw): the bows of step n, given
 * l = lambda[n+1] complete (made lambda-hat in place), u = u[n], up =
 * u[n-1], un = u[n+1]; rs the seeds of step n's reads (the centred
 * velocity's own seed sigma there, for @__aread's R^T of up two steps
 * on); sw S lambda-hat at the points, for the bow point's weights. */
void
cg_emit_bow_adj(Emit *e)
{
	const Scheme *s = e->s;
	const Loops *l = e->l;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, nq = np + s->nrd, nb, b, q, p, nv = s->ndim == 2 ? 4 : 2;
	int *src = mem_alloc((size_t)(s->nsrc + 1) * sizeof *src);
	int *droot = mem_alloc((size_t)(nq + np + 1) * sizeof *droot), *drooty = droot + nq;
	Expr **d = mem_alloc((size_t)(nq + 1) * sizeof *d);

	nb = bows(s, src);
	if (s->npot)   /* emit_sav.c, after this */
		cg_out(e, "static void @__asav_core(const @_model *m, long n, double *ln, double Lp, const double *u,\n"
		       "\tconst double *up, const double *un, double *grad);\n\n");
	cg_out(e, "/* the bows' transposes at their roots (compiler/back/emit_bow.c) */\n");
	cg_out(e, "static void\n@__asolve(const @_model *m, long n, double *l, const double *u, const double *up,\n"
	       "\tconst double *un, double *rs, double *grad, double *sw)\n{\n");
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1], t = (double)n * k;\n");
	cg_out(e, "\tdouble rd[%d], Sb[%d];\n\n", cg_atleast1(s->nrd), cg_atleast1(nb));
	cg_out(e, "\t(void)p; (void)hx; (void)hy; (void)t; (void)grad; (void)sw; (void)Sb;\n");
	cg_out(e, "\t@__rdall(m, u, up, rd);\n");
	for (b = nb - 1; b >= 0; b--) {
		const Source *sr = &s->src[src[b]];
		int i = src[b], r = sr->implicit, rs_, rdv;
		ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "w");
		Buf x = {0}, y = {0}, vt = {0};

		ex_print_c(&x, sr->pos[0], pn, cg_sym_c);
		if (s->ndim == 2)
			ex_print_c(&y, sr->pos[1], pn, cg_sym_c);
		for (q = 0; q < nv; q++)
			buf_printf(&vt, "%srw[%d] * du[%d]", q ? " + " : "", q, q);
		rs_ = ex_emitter_add(em, sr->strength);
		diff_params(s->pool, sr->strength, nq, d);
		for (q = 0; q < nq; q++)
			droot[q] = ex_is_num(d[q], 0) ? -1 : ex_emitter_add(em, d[q]);
		rdv = droot[np + r];
		cg_out(e, "\t{\n\t\tconst double X = %s;\n", x.s);
		if (s->ndim == 2)
			cg_out(e, "\t\tconst double Y = %s;\n", y.s);
		cg_out(e, "\t\tlong ri[4];\n\t\tdouble rw[4], du[%d], c = 0, G = 0, v, S, dS, mu, sg;\n", nv);
		cg_out(e, "\t\tint q, q2;\n\n");
		cg_out(e, "\t\t@__interp(m, X, %s, ri, rw);\n", s->ndim == 2 ? "Y" : "0");
		bow_du(e, src, b, nb, nv);
		cg_out(e, "\t\tv = (%s) / (2 * k);\n", vt.s);
		cg_out(e, "\t\tfor (q = 0; q < %d; q++)\n\t\t\tfor (q2 = 0; q2 < %d; q2++)\n", nv, nv);
		cg_out(e, "\t\t\t\tif (m->src_i[%d][q2] == ri[q])\n", i);
		cg_out(e, "\t\t\t\t\tc += rw[q] * m->src_w[%d][q2];\n", i);
		cg_out(e, "\t\tc /= 2 * k;\n");
		if (s->npot)
			sav_c(e, i, nv);
		cg_out(e, "\t\tfor (q = 0; q < %d; q++)\n\t\t\tG += l[m->src_i[%d][q]] * m->src_w[%d][q];\n", nv, i, i);
		cg_out(e, "\t\trd[%d] = v;\n\t\t{\n", r);
		ex_emitter_flush(em, &e->b, "\t\t\t");
		cg_out(e, "\t\t\tS = %s;\n\t\t\tdS = %s;\n", ex_emitter_root(em, rs_),
		       rdv >= 0 ? ex_emitter_root(em, rdv) : "0");
		cg_out(e, "\t\t\tSb[%d] = S;\n", b);
		/* the one division of the implicit-function theorem */
		cg_out(e, "\t\t\tmu = G / (1 - c * dS);\n\t\t\tsg = mu * dS;\n");
		for (q = 0; q < nq; q++) {
			if (droot[q] < 0 || q == np + r)
				continue;
			cg_out(e, "\t\t\t%s[%d] += mu * %s;\n", q < np ? "grad" : "rs", q < np ? q : q - np,
			       ex_emitter_root(em, droot[q]));
		}
		cg_out(e, "\t\t}\n");
		ex_emitter_free(em);
		/* v's seed: rs[r] (up, two steps on), and lambda-hat at n+1;
		 * a held point's value is no unknown */
		cg_out(e, "\t\trs[%d] += sg;\n", r);
		cg_out(e, "\t\tfor (q = 0; q < %d; q++)\n\t\t\tif (!@__held(m, ri[q]))\n", nv);
		if (s->npot) {    /* through the correction that follows the bow */
			cg_out(e, "\t\t\t\tls[ri[q]] += sg * rw[q] / (2 * k);\n");
			cg_out(e, "\t\t@__asav_core(m, n, ls, 0, u, up, un, grad);\n");
			cg_out(e, "\t\tfor (qq = 0; qq < m->npts - 1; qq++)\n\t\t\tl[qq] += ls[qq];\n");
			cg_out(e, "\t\tfree(gs);\n");
		} else {
			cg_out(e, "\t\t\t\tl[ri[q]] += sg * rw[q] / (2 * k);\n");
		}
		if (moves(l, i))
			cg_out(e, "\t\tfor (q = 0; q < %d; q++)\n\t\t\tsw[%d + q] += S * l[m->src_i[%d][q]];\n",
			       nv, 4 * i, i);
		/* the read's weights move with X: d(1 - a, a)/dX = (-1, 1) / h;
		 * in 2D, of ((1-a)(1-b), a(1-b), (1-a)b, ab): along X the
		 * (1 - b, b) = (rw0 + rw1, rw2 + rw3) weighted slopes over hx,
		 * along Y the (1 - a, a) = (rw0 + rw2, rw1 + rw3) ones over hy */
		em = ex_emitter_new(pn, cg_sym_c, "x");
		diff_params(s->pool, sr->pos[0], np, d);
		for (p = 0; p < np; p++)
			droot[p] = ex_is_num(d[p], 0) ? -1 : ex_emitter_add(em, d[p]);
		for (p = 0; p < np; p++)
			drooty[p] = -1;
		if (s->ndim == 2) {
			diff_params(s->pool, sr->pos[1], np, d);
			for (p = 0; p < np; p++)
				drooty[p] = ex_is_num(d[p], 0) ? -1 : ex_emitter_add(em, d[p]);
		}
		if (s->ndim == 2) {
			cg_out(e, "\t\t{\n\t\t\tconst double dr = sg * ((rw[0] + rw[1]) * (du[1] - du[0]) + "
			       "(rw[2] + rw[3]) * (du[3] - du[2])) / (m->h[0] * 2 * k);\n");
			cg_out(e, "\t\t\tconst double dry = sg * ((rw[0] + rw[2]) * (du[2] - du[0]) + "
			       "(rw[1] + rw[3]) * (du[3] - du[1])) / (m->h[1] * 2 * k);\n\n\t\t\t(void)dr; (void)dry;\n");
		} else {
			cg_out(e, "\t\t{\n\t\t\tconst double dr = sg * (du[1] - du[0]) / (m->h[0] * 2 * k);\n\n\t\t\t(void)dr;\n");
		}
		ex_emitter_flush(em, &e->b, "\t\t\t");
		for (p = 0; p < np; p++) {
			if (droot[p] >= 0)
				cg_out(e, "\t\t\tgrad[%d] += dr * %s;\n", p, ex_emitter_root(em, droot[p]));
			if (drooty[p] >= 0)
				cg_out(e, "\t\t\tgrad[%d] += dry * %s;\n", p, ex_emitter_root(em, drooty[p]));
		}
		cg_out(e, "\t\t}\n\t}\n");
		ex_emitter_free(em);
		buf_free(&x);
		buf_free(&y);
		buf_free(&vt);
	}
	cg_out(e, "}\n\n");
	mem_free(d);
	mem_free(droot);
	mem_free(src);
	cg_free_refs(pn, 0);
}

/* ---- the existence of the root ----
 *
 * g'(v) = 1 - c dS/dv: g has one root for every v*, and Newton's
 * equation one solution whatever the state, iff 1 - c dS/dv > 0 for all
 * v, that is c M < 1 with M = sup_v dS/dv (for a friction force
 * S = -k^2 F phi(v - vb) / rho, M = k^2 F max(-phi') / rho: the falling
 * part of the curve).  c = r . w / 2k is the scheme's, from the weights
 * the step uses.  M is found numerically: dS/dv over v = 0, +-1e-7 ..
 * 1e4 (10 points a decade), then refined around the largest (golden
 * section), when the model is set up at t = 0 and, when S varies with
 * t, at 20 times from 1e-4 to 1 s (a ramp then held) and at every 32nd
 * step of a run (c_solve).  Exact for a curve whose steepest fall lies
 * in that range and a force that does not peak between two such steps; a strength that reads the state elsewhere (dS/dv of other
 * reads) is not checked.  A param S is linear in (tried by doubling it)
 * is named with its bound, value / (c M). */
static int
slope_ok(const Scheme *s, const Source *sr, Expr **d)
{
	int nq = s->nparams + s->nrd, q;
	Expr *dv;

	diff_params(s->pool, sr->strength, nq, d);
	dv = d[s->nparams + sr->implicit];
	if (ex_is_num(dv, 0))
		return 0;
	diff_params(s->pool, dv, nq, d);
	for (q = s->nparams; q < nq; q++)
		if (q != s->nparams + sr->implicit && !ex_is_num(d[q], 0))
			return 0;
	return 1;
}

int
cg_bow_any_checked(const Scheme *s)
{
	int i;

	for (i = 0; i < s->nsrc; i++)
		if (s->src[i].implicit >= 0 && cg_bow_checked(s, &s->src[i]))
			return 1;
	return 0;
}

int
cg_bow_checked(const Scheme *s, const Source *sr)
{
	Expr **d = mem_alloc((size_t)(s->nparams + s->nrd + 1) * sizeof *d);
	int ok = slope_ok(s, sr, d);

	mem_free(d);
	return ok;
}

void
cg_emit_bow_check(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	int np = s->nparams, nq = np + s->nrd, nb, b, p, any = 0, nv = s->ndim == 2 ? 4 : 2;
	int *src = mem_alloc((size_t)(s->nsrc + 1) * sizeof *src);
	Expr **d = mem_alloc((size_t)(nq + 1) * sizeof *d), *dv;
	Buf nm = {0};
	/* where the messages say the bow is, and its coordinates */
	const char *at = s->ndim == 2 ? "(x, y) = (%g, %g)" : "x = %g", *xy = s->ndim == 2 ? "X, Y" : "X";
	char place[32];    /* the force's LINE:COL: (the caret under it) */

	nb = bows(s, src);
	for (b = 0; b < nb; b++) {
		const Source *sr = &s->src[src[b]];
		ExprEmitter *em;
		int root;

		if (!slope_ok(s, sr, d))
			continue;
		diff_params(s->pool, sr->strength, nq, d);
		dv = d[np + sr->implicit];
		em = ex_emitter_new(pn, cg_sym_c, "s");
		root = ex_emitter_add(em, dv);
		cg_out(e, "static double\n@__bowslope%d(const double *p, double k, double hx, double hy, double t, "
		       "double v)\n{\n", src[b]);
		cg_out(e, "\tdouble rd[%d] = {0};\n\n\t(void)p; (void)k; (void)hx; (void)hy; (void)t;\n",
		       cg_atleast1(s->nrd));
		cg_out(e, "\trd[%d] = v;\n\t(void)rd;\n\t{\n", sr->implicit);
		ex_emitter_flush(em, &e->b, "\t\t");
		cg_out(e, "\t\treturn %s;\n\t}\n}\n\n", ex_emitter_root(em, root));
		ex_emitter_free(em);
		any = 1;
	}
	cg_out(e, "/* 0, or 1 with a message: a bow pressed too hard for its equation to\n"
	       " * have one root on this grid (compiler/back/emit_bow.c) */\n");
	if (!any) {
		cg_out(e, "static int\n@__bowcheck(const @_model *m, double t, char *err, int errsz)\n{\n");
		cg_out(e, "\t(void)m; (void)t; (void)err; (void)errsz;\n\treturn 0;\n}\n\n");
		mem_free(d);
		mem_free(src);
		cg_free_refs(pn, 0);
		return;
	}
	cg_out(e, "typedef double @__slopefn(const double *, double, double, double, double, double);\n\n");
	/* at one t: set up, at t = 0 and, for a force that varies in time,
	 * 20 times up to 1 s (@__bowcheck); such a force also at every 32nd
	 * step as it goes (emit_loop.c c_solve: an error naming the time),
	 * where 24 times up to 10 s refused a render that ended before the
	 * force grew and let a pulse between them through */
	cg_out(e, "/* sup over v of dS/dv at t: M, at *vat; a scan of per points a decade\n"
	       " * (10 when set up, 2 as a run goes: a tenth of the work), then a golden\n"
	       " * section between the best's neighbours */\n");
	cg_out(e, "static double\n@__bowsup(@__slopefn *f, const double *p, double k, double hx, double hy, "
	       "double bt, int per, double *vat)\n{\n");
	cg_out(e, "\tconst double gr = 0.6180339887498949, w = pow(10.0, 1.0 / per);\n");
	cg_out(e, "\tdouble best = -HUGE_VAL, bv = 0, lo, hi, a, b, fa, fb, x, y;\n");
	cg_out(e, "\tint it, iv, sg;\n\n");
	cg_out(e, "\tfor (sg = -1; sg <= 1; sg += 2)\n\t\tfor (iv = -1; iv <= 11 * per; iv++) {\n");
	cg_out(e, "\t\t\tconst double v = iv < 0 ? 0 : sg * 1e-7 * pow(10.0, (double)iv / per), f0 = f(p, k, hx, hy, bt, v);\n\n");
	cg_out(e, "\t\t\tif (f0 > best) {\n\t\t\t\tbest = f0;\n\t\t\t\tbv = v;\n\t\t\t}\n\t\t}\n");
	cg_out(e, "\tx = fabs(bv);\n\tlo = x < 1e-7 ? -1e-7 : bv > 0 ? x / w : -x * w;\n");
	cg_out(e, "\thi = x < 1e-7 ? 1e-7 : bv > 0 ? x * w : -x / w;\n");
	cg_out(e, "\ta = hi - gr * (hi - lo);\n\tb = lo + gr * (hi - lo);\n");
	cg_out(e, "\tfa = f(p, k, hx, hy, bt, a);\n\tfb = f(p, k, hx, hy, bt, b);\n");
	cg_out(e, "\tfor (it = 0; it < (per < 10 ? 50 : 80); it++) {\n");
	cg_out(e, "\t\tif (fa > fb) {\n\t\t\thi = b;\n\t\t\tb = a;\n\t\t\tfb = fa;\n\t\t\ta = hi - gr * (hi - lo);\n"
	       "\t\t\tfa = f(p, k, hx, hy, bt, a);\n\t\t} else {\n\t\t\tlo = a;\n\t\t\ta = b;\n\t\t\tfa = fb;\n"
	       "\t\t\tb = lo + gr * (hi - lo);\n\t\t\tfb = f(p, k, hx, hy, bt, b);\n\t\t}\n\t}\n");
	cg_out(e, "\ty = fa > fb ? fa : fb;\n");
	cg_out(e, "\tif (y > best) {\n\t\tbest = y;\n\t\tbv = fa > fb ? a : b;\n\t}\n");
	cg_out(e, "\t*vat = bv;\n\treturn best;\n}\n\n");

	/* at t (0 when set up; later, the time a run found a force that
	 * varies in time too strong: @_solve_error's 4) */
	cg_out(e, "static int\n@__bowcheck(const @_model *m, double t, char *err, int errsz)\n{\n");
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	cg_out(e, "\tdouble pp[%d];\n\tchar when[64] = \"\";\n\n\t(void)pp;\n", cg_atleast1(np));
	cg_out(e, "\tif (t > 0)\n\t\tsnprintf(when, sizeof when, \" at t = %%.9g s (step %%ld)\", t, (long)(t / k + 0.5));\n");
	/* a bow in the cell next to an attached end: its Newton solve is on
	 * the field's points, and the end point's share of its force would
	 * not reach the object (language.md 14): refused, not dropped */
	for (b = 0; s->ndim == 1 && (s->attach[0][0] >= 0 || s->attach[0][1] >= 0) && b < nb; b++) {
		const Source *sr = &s->src[src[b]];
		Buf x = {0};
		int side;

		ex_print_c(&x, sr->pos[0], pn, cg_sym_c);
		cg_out(e, "\t{\n\t\tconst double X = %s;\n\t\tlong ri[4];\n\t\tdouble rw[4];\n\n", x.s);
		cg_out(e, "\t\tif (!@__interp(m, X, 0, ri, rw)) {\n");
		for (side = 0; side < 2; side++) {
			const char *q = side ? "m->n[0]" : "0";
			if (s->attach[0][side] < 0)
				continue;
			cg_out(e, "\t\t\tif ((ri[0] == %s && rw[0] != 0) || (ri[1] == %s && rw[1] != 0)) {\n", q, q);
			cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"%sthe bow at x = %%g is in the cell next to "
			       "the end attached to '%s' (x = %%g): its Newton solve does not carry the end point's "
			       "share of the force to the object yet; place it at least one interval (h = %%g) from "
			       "that end\", X, @__from[0] + (double)%s * m->h[0], m->h[0]);\n",
			       cg_loc_text(sr->loc, place, sizeof place), s->lump[s->attach[0][side]].name, q);
			cg_out(e, "\t\t\t\treturn 1;\n\t\t\t}\n");
		}
		cg_out(e, "\t\t}\n\t}\n");
		buf_free(&x);
	}
	for (b = 0; b < nb; b++) {
		const Source *sr = &s->src[src[b]];
		Buf x = {0}, y = {0};
		int named = 0;

		if (!slope_ok(s, sr, d))
			continue;
		diff_params(s->pool, sr->strength, nq, d);
		dv = d[np + sr->implicit];
		ex_print_c(&x, sr->pos[0], pn, cg_sym_c);
		cg_out(e, "\t{\n\t\tconst double X = %s;\n", x.s);
		if (s->ndim == 2) {
			ex_print_c(&y, sr->pos[1], pn, cg_sym_c);
			cg_out(e, "\t\tconst double Y = %s;\n", y.s);
		}
		cg_out(e, "\t\tlong ri[4];\n\t\tdouble rw[4], c = 0, M, vat, f0, tat = t;\n\t\tint q, q2;\n\n");
		cg_out(e, "\t\t(void)f0;\n");
		cg_out(e, "\t\tif (@__interp(m, X, %s, ri, rw))\n\t\t\treturn 0;\n", s->ndim == 2 ? "Y" : "0");
		cg_out(e, "\t\tfor (q = 0; q < %d; q++)\n\t\t\tfor (q2 = 0; q2 < %d; q2++)\n", nv, nv);
		cg_out(e, "\t\t\t\tif (m->src_i[%d][q2] == ri[q])\n\t\t\t\t\tc += rw[q] * m->src_w[%d][q2];\n",
		       src[b], src[b]);
		cg_out(e, "\t\tc /= 2 * k;\n");
		cg_out(e, "\t\tM = @__bowsup(@__bowslope%d, p, k, hx, hy, t, 10, &vat);\n", src[b]);
		if (dv->deps & (1u << SYM_T)) {
			/* set up (t = 0): also 20 times from 1e-4 to 1 s, where a
			 * force ramps in and is held */
			cg_out(e, "\t\tfor (q = 1; t == 0 && q <= 20; q++) {\n");
			cg_out(e, "\t\t\tdouble v1, t1 = 1e-4 * pow(10.0, (q - 1) / 19.0 * 4), M1;\n\n");
			cg_out(e, "\t\t\tM1 = @__bowsup(@__bowslope%d, p, k, hx, hy, t1, 10, &v1);\n", src[b]);
			cg_out(e, "\t\t\tif (M1 > M) {\n\t\t\t\tM = M1;\n\t\t\t\tvat = v1;\n\t\t\t\ttat = t1;\n\t\t\t}\n\t\t}\n");
		}
		cg_out(e, "\t\tif (c * M >= 1) {\n");
		/* a param the force is proportional to: its bound */
		for (p = 0; p < np; p++) {
			if (!(d[p] && !ex_is_num(d[p], 0)))
				continue;
			nm.len = 0;
			buf_printf(&nm, "%s", s->params[p].name);
			cg_out(e, "\t\t\tmemcpy(pp, p, sizeof pp);\n\t\t\tpp[%d] *= 2;\n", p);
			cg_out(e, "\t\t\tf0 = @__bowslope%d(pp, k, hx, hy, tat, vat);\n", src[b]);
			cg_out(e, "\t\t\tif (p[%d] != 0 && fabs(f0 - 2 * M) <= 1e-9 * fabs(M)) {\n", p);
			cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"%s%s = %%g is too large for the bow at %s%%s: "
			       "its Newton equation has one root only for %s < %%.9g on this grid (1 - c dS/dv > 0, "
			       "docs/language.md 16); lighten the bow or soften its friction curve\", p[%d], %s, when, "
			       "p[%d] / (c * M));\n", cg_loc_text(sr->loc, place, sizeof place), nm.s, at, nm.s, p, xy, p);
			cg_out(e, "\t\t\t\treturn 1;\n\t\t\t}\n");
			named = 1;
		}
		cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"%sthe bow at %s is pressed too hard%%s: its Newton "
		       "equation has one root only while c max dS/dv < 1 on this grid, and it is %%g "
		       "(docs/language.md 16); lighten the bow or soften its friction curve\", %s, when, c * M);\n",
		       cg_loc_text(sr->loc, place, sizeof place), at, xy);
		cg_out(e, "\t\t\treturn 1;\n\t\t}\n\t}\n");
		(void)named;
		buf_free(&x);
		buf_free(&y);
	}
	cg_out(e, "\treturn 0;\n}\n\n");
	buf_free(&nm);
	mem_free(d);
	mem_free(src);
	cg_free_refs(pn, 0);
}
