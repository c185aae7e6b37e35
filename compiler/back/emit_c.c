/* emit_c.c — the loops as one self-contained C99 file.
 *
 * requires: Loops from lower() (regions, classified coefficients).
 * leaves:   C text with the API documented in scheme.h: no mutable
 *           globals, all state in one struct, allocation only in create,
 *           coefficients hoisted out of the time loop, one branch-free
 *           unit-stride loop per region.
 *
 * The grid is chosen in the generated code, not here, because params and
 * the rate can change at run time: a generic von Neumann analysis of the
 * interior update (the amplification polynomial z^2 - A z - B over sampled
 * wavenumbers, coefficients frozen at t = 0 and at sampled points) and a
 * bisection on h for the finest stable grid (spec section 5). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "emit.h"

const char *const cg_sym_c[NSYM] = {
	"k", "hx", "hy", "t", "x", "y", "thx", "thy",
};

void
cg_out(Emit *e, const char *fmt, ...)
{
	va_list ap;
	char small[512], *t = small, *s, *at;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("cg_out: bad format");
	if ((size_t)n >= sizeof small) {
		t = mem_alloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(t, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	/* the text between the @s as it is, each @ the prefix */
	for (s = t; (at = strchr(s, '@')); s = at + 1) {
		buf_putn(&e->b, s, (size_t)(at - s));
		buf_puts(&e->b, e->pre);
	}
	buf_puts(&e->b, s);
	if (t != small)
		mem_free(t);
}

const char **
cg_param_refs(Emit *e)
{
	int np = e->s->nparams, i;
	const char **names = mem_alloc((size_t)(np + e->s->nrd + 1) * sizeof *names);

	/* then the reads of the state, which stand as params np + r */
	for (i = 0; i < np + e->s->nrd; i++) {
		Buf b = {0};
		buf_printf(&b, i < np ? "p[%d]" : "rd[%d]", i < np ? i : i - np);
		names[i] = b.s;
	}
	return names;
}

void
cg_free_refs(const char **names, int n)
{
	int i;

	for (i = 0; names[i]; i++)
		mem_free((void *)names[i]);
	mem_free(names);
	(void)n;
}

static void
c_double(Buf *b, double v)
{
	if (isinf(v))
		buf_puts(b, v > 0 ? "HUGE_VAL" : "(-HUGE_VAL)");
	else if (v == floor(v) && fabs(v) < 1e15)
		buf_printf(b, "%.1f", v);
	else
		buf_printf(b, "%.17g", v);
}

static void
c_string(Buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else
			buf_printf(b, "%c", *s);
	buf_puts(b, "\"");
}

/* ---- metadata ---- */

/* The nets (language.md section 13): their names, activations, sizes and
 * where their weights start among the params, for params files. */
static void
emit_nets_meta(Emit *e)
{
	const Model *m = e->s->m;
	int i, l, off = 0;

	if (!m->nnets) {
		cg_out(e, "int\n@_net(int i, const char **name, const char **act, int *nsizes, const int **sizes, int *first)\n{\n");
		cg_out(e, "\t(void)i; (void)name; (void)act; (void)nsizes; (void)sizes; (void)first;\n");
		cg_out(e, "\treturn -1;\n}\n\n");
		return;
	}
	cg_out(e, "static const char *const @__netname[%d] = {", m->nnets + 1);
	for (i = 0; i < m->nnets; i++) {
		c_string(&e->b, m->nets[i]->name);
		cg_out(e, ", ");
	}
	cg_out(e, "0};\nstatic const char *const @__netact[%d] = {", m->nnets + 1);
	for (i = 0; i < m->nnets; i++)
		cg_out(e, "\"%s\", ", net_act_names[m->nets[i]->net->act]);
	cg_out(e, "0};\nstatic const int @__netsize[] = {");
	for (i = 0; i < m->nnets; i++)
		for (l = 0; l < m->nets[i]->net->nsizes; l++)
			cg_out(e, "%d, ", m->nets[i]->net->sizes[l]);
	cg_out(e, "0};\nstatic const int @__netoff[%d] = {", m->nnets + 1);
	for (i = 0; i <= m->nnets; i++) {
		cg_out(e, "%d, ", off);
		off += i < m->nnets ? m->nets[i]->net->nsizes : 0;
	}
	cg_out(e, "};\nstatic const int @__netfirst[%d] = {", m->nnets + 1);
	for (i = 0; i < m->nnets; i++)
		cg_out(e, "%d, ", m->nets[i]->net->first);
	cg_out(e, "0};\n");
	cg_out(e, "int\n@_net(int i, const char **name, const char **act, int *nsizes, const int **sizes, int *first)\n{\n");
	cg_out(e, "\tif (i < 0 || i >= %d)\n\t\treturn -1;\n", m->nnets);
	cg_out(e, "\tif (name)\n\t\t*name = @__netname[i];\n");
	cg_out(e, "\tif (act)\n\t\t*act = @__netact[i];\n");
	cg_out(e, "\tif (nsizes)\n\t\t*nsizes = @__netoff[i + 1] - @__netoff[i];\n");
	cg_out(e, "\tif (sizes)\n\t\t*sizes = @__netsize + @__netoff[i];\n");
	cg_out(e, "\tif (first)\n\t\t*first = @__netfirst[i];\n");
	cg_out(e, "\treturn 0;\n}\n\n");
}

static void
emit_meta(Emit *e)
{
	const Scheme *s = e->s;
	int i, np = s->nparams, no = s->nout;

	cg_out(e, "static const char *const @__pname[%d] = {", np + 1);
	for (i = 0; i < np; i++) {
		c_string(&e->b, s->params[i].name);
		cg_out(e, ", ");
	}
	cg_out(e, "0};\nstatic const double @__pdef[%d] = {", np + 1);
	for (i = 0; i < np; i++) {
		c_double(&e->b, s->params[i].def);
		cg_out(e, ", ");
	}
	/* no range: 0 here and the bit clear in @__prange (an infinity is not
	 * a constant initialiser for every compiler) */
	cg_out(e, "0};\nstatic const double @__plo[%d] = {", np + 1);
	for (i = 0; i < np; i++) {
		c_double(&e->b, isinf(s->params[i].lo) ? 0 : s->params[i].lo);
		cg_out(e, ", ");
	}
	cg_out(e, "0};\nstatic const double @__phi[%d] = {", np + 1);
	for (i = 0; i < np; i++) {
		c_double(&e->b, isinf(s->params[i].hi) ? 0 : s->params[i].hi);
		cg_out(e, ", ");
	}
	cg_out(e, "0};\nstatic const int @__prange[%d] = {", np + 1);
	for (i = 0; i < np; i++)
		cg_out(e, "%d, ", (!isinf(s->params[i].lo)) | (2 * !isinf(s->params[i].hi)));
	cg_out(e, "0};\nstatic const int @__plog[%d] = {", np + 1);
	for (i = 0; i < np; i++)
		cg_out(e, "%d, ", s->params[i].is_log);
	cg_out(e, "0};\nstatic const char *const @__oname[%d] = {", no + 1);
	for (i = 0; i < no; i++) {
		c_string(&e->b, s->out[i].name);
		cg_out(e, ", ");
	}
	cg_out(e, "0};\n\n");
	cg_out(e, "int @_nparams(void) { return %d; }\n", np);
	cg_out(e, "int @_noutputs(void) { return %d; }\n", no);
	cg_out(e, "int @_ndim(void) { return %d; }\n", s->ndim);
	cg_out(e, "const char *@_name(void) { return ");
	c_string(&e->b, s->m->name);
	cg_out(e, "; }\n");
	/* the model's file, for the dpm_* messages at a LINE:COL of it */
	{
		const char *f = s->m->nfiles > 0 && s->m->files[0] ? s->m->files[0] : "", *sl = strrchr(f, '/');
		cg_out(e, "#ifndef DPM_NO_API\nstatic const char @__file[] = ");
		c_string(&e->b, sl ? sl + 1 : f);
		cg_out(e, ";\n#endif\n");
	}
	/* i < @_nparams(), not i < 0 with no params: clang warns that
	 * i >= 0 && i < 0 is always false */
	cg_out(e, "const char *@_param_name(int i) { return i >= 0 && i < @_nparams() ? @__pname[i] : 0; }\n");
	cg_out(e, "double @_param_default(int i) { return i >= 0 && i < @_nparams() ? @__pdef[i] : NAN; }\n");
	cg_out(e, "double @_param_min(int i) { return i < 0 || i >= @_nparams() ? NAN : @__prange[i] & 1 ? @__plo[i] : -HUGE_VAL; }\n");
	cg_out(e, "double @_param_max(int i) { return i < 0 || i >= @_nparams() ? NAN : @__prange[i] & 2 ? @__phi[i] : HUGE_VAL; }\n");
	cg_out(e, "int @_param_log(int i) { return i >= 0 && i < @_nparams() ? @__plog[i] : 0; }\n");
	cg_out(e, "const char *@_output_name(int i) { return i >= 0 && i < %d ? @__oname[i] : 0; }\n", no);
	cg_out(e, "double @_default_rate(void) { return ");
	c_double(&e->b, s->rate);
	cg_out(e, "; }\n\n");
	emit_nets_meta(e);
}

/* ---- the state ---- */

/* "DPM_COLD " before a function run once a param set or a gradient
 * (planning, coefficients, gains, the gradient's end) where nets of over
 * NET_COLD weights make its text long, else "" */
const char *
cg_cold(const Emit *e)
{
	return e->s->m->nparams - e->s->m->nuser > NET_COLD ? "DPM_COLD " : "";
}

int
cg_atleast1(int n)
{
	return n > 0 ? n : 1;
}

static void
emit_struct(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;

	if (s->nimplicit)          /* the API's blow-up message asks @_solve_error */
		cg_out(e, "#define @__BOWS 1\nstruct @_model;\nint @_solve_error(const struct @_model *m, char *err, int errsz);\n");
	cg_out(e, "struct @_model {\n");
	cg_out(e, "\tdouble p[%d];            /* params */\n", cg_atleast1(s->nparams));
	cg_out(e, "\tdouble rate, k;\n");
	cg_out(e, "\tdouble h[2];             /* grid spacing per axis */\n");
	cg_out(e, "\tint n[2];                /* intervals per axis */\n");
	cg_out(e, "\tlong nx1, npts;          /* row length, points */\n");
	cg_out(e, "\tlong step;               /* n: u[n] is the current state */\n");
	cg_out(e, "\tdouble c[%d];            /* coefficients fixed while params are */\n",
	    cg_atleast1(l->nclass[CO_CONST]));
	cg_out(e, "\tdouble *a[%d];           /* coefficients that vary over the grid */\n",
	    cg_atleast1(l->nclass[CO_SPACE]));
	cg_out(e, "\tdouble *u, *up, *un;     /* u[n], u[n-1], u[n+1] */\n");
	if (s->npot)
		cg_out(e, "\tdouble *savs;           /* SAV's scratch in the run loop, 2 npts (emit_sav.c) */\n"
		       "\tdouble *savm;           /* @__sav_mass of each state, set with the params */\n");
	if (l->step->energy)
		cg_out(e, "\tdouble *escr, *escr2;    /* the energy's A u + B u, A u + B un */\n");
	if (l->step->exprout)      /* emit_out.c: velocity reads' seeds for lambda[n] */
		cg_out(e, "\tdouble opend[%d];\n", cg_atleast1(s->nord));
	if (l->step->energy && e->grad)
		cg_out(e, "\tdouble *eadj;            /* its adjoint's 6 arrays (emit_energy.c) */\n");
	cg_out(e, "\tdouble *mem;            /* the arrays above, each at a multiple of 64 bytes */\n");
	cg_out(e, "\tvoid *mem0;              /* what calloc gave */\n");
	cg_out(e, "\tlong nst;                /* their stride: npts up to a multiple of 8 */\n");
	cg_out(e, "\tlong src_i[%d][4];       /* point sources: points and weights */\n",
	    cg_atleast1(s->nsrc));
	cg_out(e, "\tdouble src_w[%d][4];\n", cg_atleast1(s->nsrc));
	if (s->nimplicit)          /* bows: the first failure (the roots are in the states) */
		cg_out(e, "\tdouble bow_fail, bow_x%s, bow_cds;\n\tint bow_bisect;\n", s->ndim == 2 ? ", bow_y" : "");
	cg_out(e, "\tlong out_i[%d][4];       /* outputs: interpolation */\n", cg_atleast1(s->nout));
	cg_out(e, "\tdouble out_w[%d][4];\n", cg_atleast1(s->nout));
	cg_out(e, "\t/* gradients */\n");
	cg_out(e, "\tdouble src_dw[%d][%d][4];    /* d src_w / d param */\n",
	       cg_atleast1(s->nsrc), cg_atleast1(s->nparams));
	cg_out(e, "\tdouble out_dw[%d][%d][4];    /* d out_w / d param */\n",
	       cg_atleast1(s->nout), cg_atleast1(s->nparams));
	cg_out(e, "\tdouble out_wa[%d][4];        /* out_w, 0 on held points */\n", cg_atleast1(s->nout));
	/* set_coefs' and set_params' scratch, here and not on their stack:
	 * points times params (a net's thousands of weights, 200 outputs)
	 * outgrow a thread's stack */
	cg_out(e, "\tdouble dpos[%d][2][%d], dd[%d], psave[%d];\n", cg_atleast1(s->nsrc + s->nout),
	       cg_atleast1(s->nparams), cg_atleast1(s->nparams), cg_atleast1(s->nparams));
	cg_out(e, "\t/* the last forward (compiler/back/ck.tmpl): ck_n steps in ck_keep segments\n"
	       "\t * of ck_stride (0: every step stored), in blocks of ck_b; ck_nslot\n"
	       "\t * pairs in ck, ck_nfree of them free; segments from ck_dense on\n"
	       "\t * have their pairs from the forward; ck_nbuf segment buffers */\n");
	cg_out(e, "\tlong ck_every, ck_stride, ck_n, ck_keep, ck_np, ck_b, ck_dense, ck_nslot, ck_nfree;\n");
	cg_out(e, "\tint ck_two, ck_nbuf;       /* two threads */\n");
	cg_out(e, "\tint ck_skip, ck_wait;      /* backwards left on one thread, the next such run */\n");
	cg_out(e, "\tdouble ck_mem;           /* memory budget of a gradient, bytes (0: 160 MB) */\n");
	cg_out(e, "\tint ck_threads;           /* at most this many threads (0: the processors) */\n");
	cg_out(e, "\tsize_t ck_cap, seg_cap, ck_icap;  /* allocated in ck, seg, ck_idx */\n");
	cg_out(e, "\tdouble *ck, *seg, *lam, *gk;\n");
	cg_out(e, "\tlong *ck_idx;             /* the slot of each pair, then the free slots */\n");
	cg_out(e, "};\n\n");
	if (s->npot)               /* @_reset starts psi (emit_sav.c) */
		cg_out(e, "static void @__sav_init(@_model *m);\n\n");
}

/* ---- stability ---- */

/* The interior taps at (x, y) and time t, for any h: what the analysis
 * needs. */
static void
emit_taps_fn(Emit *e)
{
	const Loops *l = e->l;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "s");
	/* taps [lin, nstab): the potentials' stiffness and what the state adds
	 * to coefficients that read it (sav.c), counted when planning (pot) */
	const int lin = (e->s->npot || e->s->nstate_coef) && e->s->stab_pot < l->nstab ? e->s->stab_pot : l->nstab;
	int i;

	if (e->s->pot_stab)
		cg_emit_sav_bound(e);

	cg_out(e, "%sstatic void\n@__taps(const double *p, double k, double hx, double hy,", cg_cold(e));
	cg_out(e, 
	       " double x, double y, double t, double *tc, int pot)\n{\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)x; (void)y; (void)t; (void)pot;\n");
	for (i = 0; i < lin; i++)
		ex_emitter_add(em, l->stab[i].coef);
	ex_emitter_flush(em, &e->b, "\t");
	for (i = 0; i < lin; i++)
		cg_out(e, "\ttc[%d] = %s;\n", i, ex_emitter_root(em, i));
	ex_emitter_free(em);
	if (lin < l->nstab) {
		em = ex_emitter_new(pn, cg_sym_c, "r");
		cg_out(e, "\tif (!pot) {\n");
		for (i = lin; i < l->nstab; i++)
			cg_out(e, "\t\ttc[%d] = 0;\n", i);
		cg_out(e, "\t\treturn;\n\t}\n");
		if (e->s->pot_stab)
			cg_out(e, "\tdouble rd[%d];\n\n\t@__sav_bound(p, k, rd);\n", e->s->nrd);
		for (i = lin; i < l->nstab; i++)
			ex_emitter_add(em, l->stab[i].coef);
		ex_emitter_flush(em, &e->b, "\t");
		for (i = lin; i < l->nstab; i++)
			cg_out(e, "\ttc[%d] = %s;\n", i, ex_emitter_root(em, i - lin));
		ex_emitter_free(em);
	}
	cg_out(e, "}\n\n");
	cg_free_refs(pn, e->s->nparams);
}

/* The analysis itself does not depend on the model: fixed text. */
static const char vn_text[] =
"/* Von Neumann analysis of u[n+1] = sum tc u[n](+off) + sum tc u[n-1](+off):\n"
" * a Fourier mode z^n exp(i(thx i + thy j)) gives z^2 - A z - B = 0.  The\n"
" * scheme is stable when both roots have |z| <= 1 at every wavenumber; for\n"
" * real A, B that is |B| <= 1 and |A| <= 1 - B (Schur-Cohn; NSS 2.3.3). */\n"
"enum { @__NX = 129, @__NX2 = 33, @__NY = 65 };\n"
"/* cos and sin of o * theta at the sampled wavenumbers, o = -2..2: made\n"
" * once (the grid planner calls the analysis thousands of times) */\n"
"static double @__cx[5][@__NX], @__sx[5][@__NX], @__cy[5][@__NY], @__sy[5][@__NY];\n"
"/* cos(dx thx + dy thy) for the offsets dx, dy = -2..2 (at dx * 5 + dy\n"
" * + 12) at the wavenumbers (ix * ny + iy), as the sweep computes it: what\n"
" * a mirror-symmetric stencil's A and B sum (@__vn) */\n"
"static double @__cw[25][@__NX2 * @__NY > @__NX ? @__NX2 * @__NY : @__NX];\n"
"static dpm_pt_once_t @__vn_once = DPM_PT_ONCE_INIT;\n"
"\n"
"static void\n"
"@__vn_tables(void)\n"
"{\n"
"\tconst double pi = 3.14159265358979323846;\n"
"\tconst int nx = @__ndim_c == 2 ? @__NX2 : @__NX, ny = @__ndim_c == 2 ? @__NY : 1;\n"
"\tint ix, iy, o;\n"
"\n"
"\tfor (o = -2; o <= 2; o++) {\n"
"\t\tfor (ix = 0; ix < nx; ix++) {\n"
"\t\t\tdouble th = pi * ix / (nx - 1);\n"
"\t\t\t@__cx[o + 2][ix] = cos(o * th);\n"
"\t\t\t@__sx[o + 2][ix] = sin(o * th);\n"
"\t\t}\n"
"\t\tfor (iy = 0; iy < ny; iy++) {\n"
"\t\t\tdouble th = @__ndim_c == 2 ? -pi + 2 * pi * iy / (ny - 1) : 0;\n"
"\t\t\t@__cy[o + 2][iy] = cos(o * th);\n"
"\t\t\t@__sy[o + 2][iy] = sin(o * th);\n"
"\t\t}\n"
"\t}\n"
"\tfor (o = 0; o < 25; o++)\n"
"\t\tfor (ix = 0; ix < nx; ix++)\n"
"\t\t\tfor (iy = 0; iy < ny; iy++)\n"
"\t\t\t\t@__cw[o][ix * ny + iy] = @__cx[o / 5][ix] * @__cy[o % 5][iy] - @__sx[o / 5][ix] * @__sy[o % 5][iy];\n"
"}\n"
"\n"
"/* A sufficient test, without the sweep: when each offset's taps have\n"
" * their mirror (at minus the offset, the same level), A and B are real at\n"
" * every wavenumber (the taps at an offset, summed, equal those at its\n"
" * mirror), within [a0 - ra, a0 + ra] and [b0 - rb, b0 + rb] (a0,\n"
" * b0 the centre taps, ra, rb the sums of the others' magnitudes); then\n"
" * |b0| + rb <= 1 and |a0| + ra <= 1 - b0 - rb give |B| <= 1 and\n"
" * |A| <= 1 - B everywhere.  The bound is the analysis's own result for\n"
" * the schemes whose neighbour taps have one sign (the wave equation and\n"
" * its losses), which are then checked at every sampled point for the\n"
" * cost of one pass over the taps. */\n"
"static int\n"
"@__vn_bound(const double *tc, const int *lev, const int *dx, const int *dy, int nt)\n"
"{\n"
"\tdouble a0 = 0, ra = 0, b0 = 0, rb = 0, sc = 0, tol, d;\n"
"\tint i, j;\n"
"\n"
"\tfor (i = 0; i < nt; i++)\n"
"\t\tsc += fabs(tc[i]);\n"
"\tif (!(sc < HUGE_VAL))\n"
"\t\treturn 0;\n"
"\ttol = 1e-12 * (1 + sc);\n"
"\tfor (i = 0; i < nt; i++) {\n"
"\t\tif (dx[i] == 0 && dy[i] == 0) {\n"
"\t\t\tif (lev[i] == 0)\n"
"\t\t\t\ta0 += tc[i];\n"
"\t\t\telse\n"
"\t\t\t\tb0 += tc[i];\n"
"\t\t\tcontinue;\n"
"\t\t}\n"
"\t\td = 0;\n"
"\t\tfor (j = 0; j < nt; j++)\n"
"\t\t\tif (lev[j] == lev[i] && dx[j] == dx[i] && dy[j] == dy[i])\n"
"\t\t\t\td += tc[j];\n"
"\t\t\telse if (lev[j] == lev[i] && dx[j] == -dx[i] && dy[j] == -dy[i])\n"
"\t\t\t\td -= tc[j];\n"
"\t\tif (fabs(d) > tol)\n"
"\t\t\treturn 0;\n"
"\t\tif (lev[i] == 0)\n"
"\t\t\tra += fabs(tc[i]);\n"
"\t\telse\n"
"\t\t\trb += fabs(tc[i]);\n"
"\t}\n"
"\treturn fabs(b0) + rb <= 1 + tol && fabs(a0) + ra <= 1 - b0 - rb + tol;\n"
"}\n"
"\n"
"";

/* ... and the sweep (two strings: C99 promises 4095 characters each) */
static const char vn_text2[] =
"/* Is every offset's sum of taps its mirror's, exactly?  Then A and B\n"
" * are real at every wavenumber, sums of cosines.  unit: but at the unit\n"
" * offsets along an axis (@__vn_sym's) */\n"
"static int\n"
"@__vn_mirror(const double *tc, const int *lev, const int *dx, const int *dy, int nt, int unit)\n"
"{\n"
"\tint i, j;\n"
"\n"
"\tfor (i = 0; i < nt; i++) {\n"
"\t\tdouble d = 0;\n"
"\t\tif ((dx[i] == 0 && dy[i] == 0)\n"
"\t\t    || (unit && ((abs(dx[i]) == 1 && dy[i] == 0) || (dx[i] == 0 && abs(dy[i]) == 1))))\n"
"\t\t\tcontinue;\n"
"\t\tfor (j = 0; j < nt; j++)\n"
"\t\t\tif (lev[j] == lev[i] && dx[j] == dx[i] && dy[j] == dy[i])\n"
"\t\t\t\td += tc[j];\n"
"\t\t\telse if (lev[j] == lev[i] && dx[j] == -dx[i] && dy[j] == -dy[i])\n"
"\t\t\t\td -= tc[j];\n"
"\t\tif (d != 0)\n"
"\t\t\treturn 0;\n"
"\t}\n"
"\treturn 1;\n"
"}\n"
"\n"
"/* @__vn of a mirror-symmetric stencil: the sweep's real case, each\n"
" * tap's cosines from @__cw (the same products, summed in the same\n"
" * order: the same verdicts, 4 to 20 times faster; a plate whose\n"
" * coefficients vary in x, y and t planned in 33 s) */\n"
"static int\n"
"@__vn_real(const double *tc, const int *lev, const int *dx, const int *dy, int nt, int ndim)\n"
"{\n"
"\tint nx = ndim == 2 ? @__NX2 : @__NX, ny = ndim == 2 ? @__NY : 1;\n"
"\tconst double *wa[64], *wb[64];\n"
"\tdouble ta[64], tb[64], sc = 0, tol;\n"
"\tint na = 0, nb = 0, w, i;\n"
"\n"
"\tfor (i = 0; i < nt; i++) {\n"
"\t\tsc += fabs(tc[i]);\n"
"\t\tif (lev[i] == 0 && na < 64) {\n"
"\t\t\tta[na] = tc[i];\n"
"\t\t\twa[na++] = @__cw[(dx[i] + 2) * 5 + dy[i] + 2];\n"
"\t\t} else if (lev[i] != 0 && nb < 64) {\n"
"\t\t\ttb[nb] = tc[i];\n"
"\t\t\twb[nb++] = @__cw[(dx[i] + 2) * 5 + dy[i] + 2];\n"
"\t\t}\n"
"\t}\n"
"\tif (!(sc < HUGE_VAL))\n"
"\t\treturn 0;\n"
"\ttol = 1e-12 * (1 + sc);\n"
"\tfor (w = 0; w < nx * ny; w++) {\n"
"\t\tdouble a = 0, b = 0;\n"
"\t\tfor (i = 0; i < na; i++)\n"
"\t\t\ta += ta[i] * wa[i][w];\n"
"\t\tfor (i = 0; i < nb; i++)\n"
"\t\t\tb += tb[i] * wb[i][w];\n"
"\t\tif (fabs(b) > 1 + tol || fabs(a) > 1 - b + tol)\n"
"\t\t\treturn 0;\n"
"\t}\n"
"\treturn 1;\n"
"}\n"
"\n"
"static int\n"
"@__vn_full(const double *tc, const int *lev, const int *dx, const int *dy, int nt, int ndim)\n"
"{\n"
"\tdouble (*cx)[@__NX] = @__cx, (*sx)[@__NX] = @__sx, (*cy)[@__NY] = @__cy, (*sy)[@__NY] = @__sy;\n"
"\tint nx = ndim == 2 ? @__NX2 : @__NX, ny = ndim == 2 ? @__NY : 1;\n"
"\tint ix, iy, i;\n"
"\n"
"\tif (@__vn_bound(tc, lev, dx, dy, nt))\n"
"\t\treturn 1;\n"
"\tdpm_pt_once(&@__vn_once, @__vn_tables);\n"
"\tif (nt <= 64 && @__vn_mirror(tc, lev, dx, dy, nt, 0))\n"
"\t\treturn @__vn_real(tc, lev, dx, dy, nt, ndim);\n"
"\tfor (ix = 0; ix < nx; ix++)\n"
"\t\tfor (iy = 0; iy < ny; iy++) {\n"
"\t\t\tdouble ar = 0, ai = 0, br = 0, bi = 0, sc = 0, tol;\n"
"\t\t\tfor (i = 0; i < nt; i++) {\n"
"\t\t\t\tdouble c1 = cx[dx[i] + 2][ix], s1 = sx[dx[i] + 2][ix];\n"
"\t\t\t\tdouble c2 = cy[dy[i] + 2][iy], s2 = sy[dy[i] + 2][iy];\n"
"\t\t\t\tdouble re = tc[i] * (c1 * c2 - s1 * s2), im = tc[i] * (s1 * c2 + c1 * s2);\n"
"\t\t\t\tif (lev[i] == 0) { ar += re; ai += im; } else { br += re; bi += im; }\n"
"\t\t\t\tsc += fabs(tc[i]);\n"
"\t\t\t}\n"
"\t\t\tif (!(sc < HUGE_VAL))\n"
"\t\t\t\treturn 0;\n"
"\t\t\ttol = 1e-12 * (1 + sc);\n"
"\t\t\tif (fabs(ai) <= tol && fabs(bi) <= tol) {\n"
"\t\t\t\tif (fabs(br) > 1 + tol || fabs(ar) > 1 - br + tol)\n"
"\t\t\t\t\treturn 0;\n"
"\t\t\t} else {\n"
"\t\t\t\t/* z = (A +- sqrt(A^2 + 4B)) / 2 in complex arithmetic, the\n"
"\t\t\t\t * square root by halves of its modulus (no atan2, sin, cos:\n"
"\t\t\t\t * a drift's complex A made them 95 %% of a 47 s plan) */\n"
"\t\t\t\tdouble dr = ar * ar - ai * ai + 4 * br, di = 2 * ar * ai + 4 * bi;\n"
"\t\t\t\tdouble mod = hypot(dr, di), qr = sqrt(0.5 * (mod + dr)), qi = sqrt(0.5 * (mod - dr));\n"
"\t\t\t\tdouble z1, z2, lim = 4 * (1 + 1e-9) * (1 + 1e-9);\n"
"\t\t\t\tqi = di < 0 ? -qi : qi;\n"
"\t\t\t\tz1 = (ar + qr) * (ar + qr) + (ai + qi) * (ai + qi);\n"
"\t\t\t\tz2 = (ar - qr) * (ar - qr) + (ai - qi) * (ai - qi);\n"
"\t\t\t\tif (!(z1 <= lim) || !(z2 <= lim))\n"
"\t\t\t\t\treturn 0;\n"
"\t\t\t}\n"
"\t\t}\n"
"\treturn 1;\n"
"}\n\n";

/* the stencils of a drift term (a first derivative) */
static const char vn_text3[] =
"/* A stencil whose only asymmetry is at the unit offsets along an axis: a\n"
" * first derivative beside the second (Webster's horn as p.xx + 2 / x *\n"
" * p.x, a drift term).  Frozen, its roots leave the unit circle at every\n"
" * grid (A is complex), but on a bounded domain the step's matrix is a\n"
" * diagonal scaling (the Sturm-Liouville form's weight) away from a\n"
" * symmetric one whose neighbour taps are the geometric means of the\n"
" * pairs, where each pair has one sign (else: 0, not this case).  Those\n"
" * symmetric taps into t2. */\n"
"static int\n"
"@__vn_sym(const double *tc, const int *lev, const int *dx, const int *dy, int nt, double *t2)\n"
"{\n"
"\tdouble pm[2][2][2] = {{{0}}}, g;\n"
"\tint i, l, a;\n"
"\n"
"\tif (!@__vn_mirror(tc, lev, dx, dy, nt, 1))\n"
"\t\treturn 0;\n"
"\tfor (i = 0; i < nt; i++)\n"
"\t\tif ((abs(dx[i]) == 1 && dy[i] == 0) || (dx[i] == 0 && abs(dy[i]) == 1))\n"
"\t\t\tpm[lev[i] != 0][dx[i] == 0][(dx[i] + dy[i]) < 0] += tc[i];\n"
"\tfor (l = 0; l < 2; l++)\n"
"\t\tfor (a = 0; a < 2; a++)\n"
"\t\t\tif (pm[l][a][0] != pm[l][a][1] && !(pm[l][a][0] * pm[l][a][1] > 0))\n"
"\t\t\t\treturn 0;\n"
"\tfor (i = 0; i < nt; i++) {\n"
"\t\tt2[i] = tc[i];\n"
"\t\tif (!((abs(dx[i]) == 1 && dy[i] == 0) || (dx[i] == 0 && abs(dy[i]) == 1)))\n"
"\t\t\tcontinue;\n"
"\t\tl = lev[i] != 0, a = dx[i] == 0;\n"
"\t\tif (pm[l][a][0] == pm[l][a][1])\n"
"\t\t\tcontinue;\n"
"\t\tg = (pm[l][a][0] > 0 ? 1 : -1) * sqrt(pm[l][a][0] * pm[l][a][1]);\n"
"\t\tt2[i] = tc[i] * g / pm[l][a][(dx[i] + dy[i]) < 0];\n"
"\t}\n"
"\treturn 1;\n"
"}\n"
"\n"
"static int\n"
"@__vn(const double *tc, const int *lev, const int *dx, const int *dy, int nt, int ndim)\n"
"{\n"
"\tdouble t2[64];\n"
"\n"
"\tif (@__vn_full(tc, lev, dx, dy, nt, ndim))\n"
"\t\treturn 1;\n"
"\treturn nt <= 64 && @__vn_sym(tc, lev, dx, dy, nt, t2) && @__vn_full(t2, lev, dx, dy, nt, ndim);\n"
"}\n\n";

/* The lumped objects' explicit steps: k^2 w^2 < 4 (discretise.c). */
static void
emit_lump_stable(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn;
	ExprEmitter *em;
	struct { const Expr *e; int le; } *seen;
	int j, nseen = 0;

	if (!s->nlump)
		return;
	pn = cg_param_refs(e);
	em = ex_emitter_new(pn, cg_sym_c, "w");
	cg_out(e, "/* -1 when every lumped object's step is stable at k (and hx), else the\n"
	       " * first that is not */\n");
	cg_out(e, "static int\n@__lstable(const double *p, double k, double hx, double t)\n{\n");
	/* a stiffness that varies in time: at t, as the grid's taps */
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)t;\n");
	for (j = 0; j < s->nlump; j++)
		ex_emitter_add(em, s->lump_stiff[j]);
	ex_emitter_flush(em, &e->b, "\t");
	/* a chain's point may reach the bound: its planner allows the grid's
	 * own limit (a string at c k = h: every row sums to 4, while the
	 * highest mode stays below it), and a few ulps over it, the rounding
	 * of w (150^2 k^2 / h^2 at 0.5 / 147 folds to 4 (1 + 2^-52)) */
	/* a test the same as an earlier one's is never reached (a chain's
	 * points share a few: 7584 tests for a drum's head, 6 distinct) */
	seen = mem_alloc((size_t)s->nlump * sizeof *seen);
	for (j = 0; j < s->nlump; j++) {
		int le = s->m->lumps[j]->gridpt > 0, i;
		for (i = 0; i < nseen; i++)
			if (seen[i].e == s->lump_stiff[j] && seen[i].le == le)
				break;
		if (i < nseen)
			continue;
		seen[nseen].e = s->lump_stiff[j];
		seen[nseen++].le = le;
		cg_out(e, "\tif (!(%s %s))\n\t\treturn %d;\n", ex_emitter_root(em, j),
		       le ? "<= 4 * (1 + 1e-12)" : "< 4", j);
	}
	mem_free(seen);
	cg_out(e, "\treturn -1;\n}\n\n");
	ex_emitter_free(em);
	cg_free_refs(pn, 0);
}

/* Does the stability analysis vary in time: a coefficient of the step
 * (lower.c), a coupling's stiffness at a point (discretise.c
 * build_coupling_stab) or a lumped object's?  Then the grid is planned
 * over the render's span, not at t = 0 alone. */
static int
in_time(const Emit *e)
{
	const Scheme *s = e->s;
	const unsigned t = 1u << SYM_T;
	int i;

	if (loops_in_time(e->l) & 1)
		return 1;
	for (i = 0; i < e->l->nstab; i++)
		if (e->l->stab[i].coef->deps & t)
			return 1;
	for (i = 0; i < s->nlump; i++)
		if (s->lump_stiff[i]->deps & t)
			return 1;
	return 0;
}

/* the end `side` of axis ax is held: its point takes no step */
static int
held(const Scheme *s, int ax, int side)
{
	int b = ax < s->ndim ? s->bc[ax][side] : BC_FREE;

	return b == BC_FIXED || b == BC_CLAMPED || b == BC_SS;
}

/* Do the stability taps vary in space (x, or y)? */
static int
varies_in_space(const Emit *e)
{
	const Loops *l = e->l;
	const unsigned sp = (1u << SYM_X) | (1u << SYM_Y);
	int i;

	for (i = 0; i < l->nstab; i++)
		if (l->stab[i].coef->deps & sp)
			return 1;
	return 0;
}

/* @__extremes(p, k, len, h, span, ex): the steps of a render of span
 * seconds at which each stability tap is least and greatest, at points
 * of the domain where they vary in space (33 along x, 9 x 9 in 2D: a
 * bump a tenth of the side wide in x and 3 ms in t slipped between 5, or
 * 3 x 3), and the first at which a lumped object is too stiff, into ex
 * (-1 after the last): the 256 evenly spaced steps of @__unstable_at
 * missed a 2 ms bump in the wave speed (1e101, exit 0).  Every step, or
 * as many as 2^18 evaluations allow (1 s at 44.1 kHz: every 6th step in
 * 1D, every 14th in 2D); once a plan (a net of t costs its weights an
 * evaluation). */
static void
emit_extremes(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	int nt = cg_atleast1(l->nstab), j, lt = 0;

	for (j = 0; j < s->nlump; j++)
		lt |= (s->lump_stiff[j]->deps & (1u << SYM_T)) != 0;
	cg_out(e, "enum { @__NEX = %d };\n\n", 2 * nt + 2);
	cg_out(e, "static void\n@__extremes(const double *p, double k, const double *len, const double *h, "
	       "double span, long long *ex)\n{\n");
	if (!in_time(e)) {    /* the 0 steps of a step that never changes */
		cg_out(e, "\t(void)p; (void)k; (void)len; (void)h; (void)span;\n\tex[0] = -1;\n}\n\n");
		return;
	}
	cg_out(e, "\tconst long long ns = span > 0 ? (long long)(span / k) : 0;\n");
	cg_out(e, "\tconst int nx = %d, ny = %d;\n", varies_in_space(e) ? (s->ndim == 2 ? 9 : 33) : 1,
	       varies_in_space(e) && s->ndim == 2 ? 9 : 1);
	cg_out(e, "\tconst long long st = ns * nx * ny / 262144 + 1;\n");
	cg_out(e, "\tdouble tc[%d], lo[%d], hi[%d];\n\tlong long at[2][%d], sj, lbad = -1;\n", nt, nt, nt, nt);
	cg_out(e, "\tint c, i, q, r, ne = 0;\n\n");
	cg_out(e, "\t(void)lbad;\n");
	cg_out(e, "\tex[0] = -1;\n");
	cg_out(e, "\tif (ns < 256)\n\t\treturn;\n");
	cg_out(e, "\tfor (c = 0; c < %d; c++)\n\t\tat[0][c] = at[1][c] = -1;\n", nt);
	cg_out(e, "\tfor (sj = 0; sj <= ns; sj += st) {\n");
	cg_out(e, "\t\tfor (q = 0; q < nx; q++)\n\t\t\tfor (r = 0; r < ny; r++) {\n");
	cg_out(e, "\t\t\t\tconst double x = @__from[0] + (nx > 1 ? len[0] * q / (nx - 1) : 0);\n");
	cg_out(e, "\t\t\t\tconst double y = @__from[1] + (ny > 1 ? len[1] * r / (ny - 1) : 0);\n\n");
	cg_out(e, "\t\t\t\t@__taps(p, k, h[0], h[1], x, y, k * (double)sj, tc, 1);\n");
	cg_out(e, "\t\t\t\tfor (c = 0; c < %d; c++) {\n", l->nstab);
	cg_out(e, "\t\t\t\t\tif (at[0][c] < 0 || tc[c] < lo[c])\n\t\t\t\t\t\tlo[c] = tc[c], at[0][c] = sj;\n");
	cg_out(e, "\t\t\t\t\tif (at[1][c] < 0 || tc[c] > hi[c])\n\t\t\t\t\t\thi[c] = tc[c], at[1][c] = sj;\n");
	cg_out(e, "\t\t\t\t}\n\t\t\t}\n");
	if (lt)
		cg_out(e, "\t\tif (lbad < 0 && @__lstable(p, k, h[0], k * (double)sj) >= 0)\n\t\t\tlbad = sj;\n");
	cg_out(e, "\t}\n");
	cg_out(e, "\tfor (c = 0; c < %d; c++)\n\t\tfor (i = 0; i < 2; i++)\n", l->nstab);
	cg_out(e, "\t\t\tif (at[i][c] > 0)\n\t\t\t\tex[ne++] = at[i][c];\n");
	cg_out(e, "\tif (lbad > 0)\n\t\tex[ne++] = lbad;\n");
	cg_out(e, "\tex[ne] = -1;\n}\n\n");
}

/* The grid finally chosen or forced, at t = 0: every one of its points'
 * taps (up to 2^18 points, else every so many along each axis), and the
 * points where each tap is least and greatest and where their sizes sum
 * most analysed too.  A bump in the tension 0.007 wide fell between a 2D
 * grid's 17 x 17 samples: 152 x 121 planned, the render blew up at its
 * 235th sample (language.md 5 asks for the finest stable grid). */
static void
emit_stable_scan(Emit *e)
{
	const Scheme *s = e->s;
	int nt = e->l->nstab, two = s->ndim == 2, nc = 2 * nt + 1;

	if (!nt)
		return;
	/* at t = 0 up to 2^18 points, later (a step's coefficients that vary
	 * in time, up to 256 times and more) up to 2^14: a bump growing with
	 * t fell between 17 x 17 samples (a probe's) */
	cg_out(e, "\tif (n) {\n");
	cg_out(e, "\t\tconst long tot = (long)(n[0] + 1) * (%s);\n", two ? "n[1] + 1" : "1");
	cg_out(e, "\t\tconst int st = 1 + (int)sqrt((double)tot / (t == 0 ? 262144 : 16384));\n");
	cg_out(e, "\t\tconst int i0 = %d, i1 = n[0] - %d, j0 = %d, j1 = %s;\n", held(s, 0, 0), held(s, 0, 1),
	       two && held(s, 1, 0), two ? (held(s, 1, 1) ? "n[1] - 1" : "n[1]") : "0");
	cg_out(e, "\t\tdouble big[%d], sz;\n\t\tint c, have = 0, pass, b, bi[%d][2], ilo, ihi, jlo, jhi, di;\n\n", nc, nc);
	/* pass 0 every st-th point; pass 1, when st > 1, every point within
	 * st of each extreme found (a smooth bump's top between the strides) */
	cg_out(e, "\t\tfor (pass = 0; pass < (st > 1 ? 2 : 1); pass++)\n");
	cg_out(e, "\t\t\tfor (b = 0; b < (pass ? %d : 1); b++) {\n", nc);
	cg_out(e, "\t\t\t\tilo = pass ? bi[b][0] - st : i0, ihi = pass ? bi[b][0] + st : i1;\n");
	cg_out(e, "\t\t\t\tjlo = pass ? bi[b][1] - st : j0, jhi = pass ? bi[b][1] + st : j1;\n");
	cg_out(e, "\t\t\t\tdi = pass ? 1 : st;\n");
	cg_out(e, "\t\t\t\tfor (j = jlo < j0 ? j0 : jlo; j <= (jhi > j1 ? j1 : jhi); j += %s)\n", two ? "di" : "1");
	cg_out(e, "\t\t\t\t\tfor (i = ilo < i0 ? i0 : ilo; i <= (ihi > i1 ? i1 : ihi); i += di) {\n");
	cg_out(e, "\t\t\t\t\t\t@__taps(p, k, hx, hy, %.17g + hx * i, %.17g + hy * j, t, tc, 0);\n", s->from[0],
	       two ? s->from[1] : 0.0);
	cg_out(e, "\t\t\t\t\t\tfor (sz = 0, c = 0; c < %d; c++) {\n", nt);
	cg_out(e, "\t\t\t\t\t\t\tsz += fabs(tc[c]);\n");
	cg_out(e, "\t\t\t\t\t\t\tif (!have || tc[c] < big[2 * c])\n\t\t\t\t\t\t\t\tbig[2 * c] = tc[c], bi[2 * c][0] = i, bi[2 * c][1] = j;\n");
	cg_out(e, "\t\t\t\t\t\t\tif (!have || tc[c] > big[2 * c + 1])\n\t\t\t\t\t\t\t\tbig[2 * c + 1] = tc[c], bi[2 * c + 1][0] = i, bi[2 * c + 1][1] = j;\n");
	cg_out(e, "\t\t\t\t\t\t}\n");
	cg_out(e, "\t\t\t\t\t\tif (!have || !(sz <= big[%d]))\n\t\t\t\t\t\t\tbig[%d] = sz, bi[%d][0] = i, bi[%d][1] = j;\n", nc - 1, nc - 1, nc - 1, nc - 1);
	cg_out(e, "\t\t\t\t\t\thave = 1;\n\t\t\t\t\t}\n\t\t\t}\n");
	cg_out(e, "\t\tfor (c = 0; have && c < %d; c++) {\n", nc);
	cg_out(e, "\t\t\t@__taps(p, k, hx, hy, %.17g + hx * bi[c][0], %.17g + hy * bi[c][1], t, tc, 0);\n",
	       s->from[0], two ? s->from[1] : 0.0);
	cg_out(e, "\t\t\tfor (q = 0; q < (nput < 32 ? nput : 32) && memcmp(seen[q], tc, sizeof tc); q++)\n");
	cg_out(e, "\t\t\t\t;\n\t\t\tif (q < (nput < 32 ? nput : 32))\n\t\t\t\tcontinue;\n");
	cg_out(e, "\t\t\tif (!@__vn(tc, @__lev, @__dx, @__dy, %d, %d))\n\t\t\t\treturn 0;\n", nt, s->ndim);
	cg_out(e, "\t\t\tmemcpy(seen[nput++ %% 32], tc, sizeof tc);\n\t\t}\n\t}\n");
}

enum { MAXSIG = 32, MAXWALK = 512 };

/* x into v[0..*n) unless there: 1 if it was, 0 if it is new, -1 if v
 * holds max already */
static int
add_once(Expr *x, Expr **v, int *n, int max)
{
	int i;

	for (i = 0; i < *n; i++)
		if (v[i] == x)
			return 1;
	if (*n == max)
		return -1;
	v[(*n)++] = x;
	return 0;
}

/* The largest parts of x (a stability tap, a lumped object's stiffness)
 * that depend on t and on no point of the domain nor the state (a raised
 * cosine of t in 50^2 (1 + 8 g(t) w(x, y))), added to v[0..*n): all of
 * the analysis's dependence on t goes through them.  0 when there are
 * more than MAXSIG, or the walk passes MAXWALK nodes (walked: those seen). */
static int
tsig_walk(Expr *x, Expr **v, int *n, Expr **walked, int *nw)
{
	const unsigned t = 1u << SYM_T, sp = (1u << SYM_X) | (1u << SYM_Y) | DEP_STATE;
	int r;

	if (!x || !(x->deps & t))
		return 1;
	if (!(x->deps & sp))
		return add_once(x, v, n, MAXSIG) >= 0;
	if ((r = add_once(x, walked, nw, MAXWALK)) != 0)
		return r > 0;
	return tsig_walk(x->a, v, n, walked, nw) && tsig_walk(x->b, v, n, walked, nw)
	       && tsig_walk(x->c, v, n, walked, nw);
}

/* @__tsig(p, k, hx, hy, t, sg): those parts at t, into sg; the count, or 0 if
 * none could be found (no function emitted).  Two times whose parts are
 * the same bits give the same analysis, so @__unstable_at analyses one of
 * them only: a 2D bump in time scanned its 2^14 points at 257 times per
 * grid tried, 9 s of `dpmc info` for the 2 times that differ. */
static int
emit_tsig(Emit *e)
{
	const Scheme *s = e->s;
	Expr *v[MAXSIG], **walked = mem_alloc(MAXWALK * sizeof *walked);
	int n = 0, nw = 0, ok = 1, i;
	const char **pn;
	ExprEmitter *em;

	for (i = 0; ok && i < e->l->nstab; i++)
		ok = tsig_walk(e->l->stab[i].coef, v, &n, walked, &nw);
	for (i = 0; ok && i < s->nlump; i++)
		ok = tsig_walk(s->lump_stiff[i], v, &n, walked, &nw);
	mem_free(walked);
	if (!ok || !n)
		return 0;
	pn = cg_param_refs(e);
	em = ex_emitter_new(pn, cg_sym_c, "g");
	cg_out(e, "static void\n@__tsig(const double *p, double k, double hx, double hy, double t, double *sg)\n{\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)t;\n");
	for (i = 0; i < n; i++)
		ex_emitter_add(em, v[i]);
	ex_emitter_flush(em, &e->b, "\t");
	for (i = 0; i < n; i++)
		cg_out(e, "\tsg[%d] = %s;\n", i, ex_emitter_root(em, i));
	cg_out(e, "}\n\n");
	ex_emitter_free(em);
	cg_free_refs(pn, 0);
	return n;
}

static void
emit_stable_fn(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	const int varies = varies_in_space(e);
	int i, nsig;

	cg_out(e, "static const int @__lev[%d] = {", cg_atleast1(l->nstab));
	for (i = 0; i < l->nstab; i++)
		cg_out(e, "%d, ", l->stab[i].level);
	cg_out(e, "};\nstatic const int @__dx[%d] = {", cg_atleast1(l->nstab));
	for (i = 0; i < l->nstab; i++)
		cg_out(e, "%d, ", l->stab[i].dx);
	cg_out(e, "};\nstatic const int @__dy[%d] = {", cg_atleast1(l->nstab));
	for (i = 0; i < l->nstab; i++)
		cg_out(e, "%d, ", l->stab[i].dy);
	cg_out(e, "};\n\n");
	buf_puts(&e->b, "");
	cg_out(e, "enum { @__ndim_c = %d };\n", s->ndim);
	cg_out(e, "%s%s%s", vn_text, vn_text2, vn_text3);
	cg_out(e, "/* Stable at spacing (hx, hy)?  Coefficients frozen at time t%s. */\n",
	    varies ? " and at sampled points of the domain" : "");
	emit_lump_stable(e);
	cg_out(e, "static int\n@__stable(const double *p, double k, double hx, double hy, const int *n, double t)\n{\n");
	if (s->nlump)
		cg_out(e, "\tif (@__lstable(p, k, hx, t) >= 0)\n\t\treturn 0;\n");
	cg_out(e, "\tdouble tc[%d];\n", cg_atleast1(l->nstab));
	if (varies) {
		/* bisection: a few sampled points; the grid finally chosen or
		 * forced: its own points (up to 257 in 1D, 17 per axis in 2D),
		 * so a narrow coefficient is unlikely to slip between samples */
		/* a point whose taps equal those of one already found stable
		 * (a coefficient of x alone, on every row of a 2D grid) is
		 * not analysed again: the last 32 kept, compared bit for bit */
		cg_out(e, "\tdouble seen[32][%d];\n\tint nput = 0, q;\n", cg_atleast1(l->nstab));
		/* at a time past 0 (a step that varies in time, planned where
		 * it is least stable), 33 points along x, 9 x 9 in 2D: a bump a
		 * tenth of a side wide slipped between 5, or 3 x 3 */
		cg_out(e, "\tint i, j, ni = n ? (n[0] > 256 ? 256 : n[0]) : t > 0 ? %d : %d, nj = %s;\n\n",
		    s->ndim == 2 ? 8 : 32, s->ndim == 2 ? 2 : 4,
		    s->ndim == 2 ? "n ? (n[1] > 16 ? 16 : n[1]) : t > 0 ? 8 : 2" : "0");
		cg_out(e, "\tif (n && %d == 2 && ni > 16)\n\t\tni = 16;\n", s->ndim);
		cg_out(e, "\tfor (j = 0; j <= nj; j++)\n");
		cg_out(e, "\t\tfor (i = 0; i <= ni; i++) {\n");
		cg_out(e, "\t\t\tdouble x = %.17g + (n ? hx * (double)(i * n[0] / ni) : %.17g * (double)i / ni);\n",
		    s->from[0], s->to[0] - s->from[0]);
		if (s->ndim == 2)
			cg_out(e, "\t\t\tdouble y = %.17g + (n ? hy * (double)(j * n[1] / nj) : %.17g * (double)j / nj);\n",
			    s->from[1], s->to[1] - s->from[1]);
		else
			cg_out(e, "\t\t\tdouble y = 0;\n");
		/* a held end's point (fixed, clamped, simply supported) takes no
		 * step of its own: its row is not the scheme's (a narrowing horn's
		 * small S(x) there coarsened the grid for nothing); the point
		 * beside it is sampled instead */
		if (held(s, 0, 0) || held(s, 0, 1) || held(s, 1, 0) || held(s, 1, 1))
			cg_out(e, "\t\t\tx += %d && i == 0 ? hx : %d && i == ni ? -hx : 0;\n"
			       "\t\t\ty += %d && j == 0 ? hy : %d && j == nj ? -hy : 0;\n",
			       held(s, 0, 0), held(s, 0, 1), held(s, 1, 0), held(s, 1, 1));
		cg_out(e, "\t\t\t@__taps(p, k, hx, hy, x, y, t, tc, !n);\n");
		cg_out(e, "\t\t\tfor (q = 0; q < (nput < 32 ? nput : 32) && memcmp(seen[q], tc, sizeof tc); q++)\n");
		cg_out(e, "\t\t\t\t;\n\t\t\tif (q < (nput < 32 ? nput : 32))\n\t\t\t\tcontinue;\n");
		cg_out(e, "\t\t\tif (!@__vn(tc, @__lev, @__dx, @__dy, %d, %d))\n", l->nstab, s->ndim);
		cg_out(e, "\t\t\t\treturn 0;\n");
		cg_out(e, "\t\t\tmemcpy(seen[nput++ %% 32], tc, sizeof tc);\n\t\t}\n");
		emit_stable_scan(e);
		cg_out(e, "\treturn 1;\n}\n\n");
	} else {
		cg_out(e, "\n\t@__taps(p, k, hx, hy, 0, 0, t, tc, !n);\n");
		cg_out(e, "\treturn @__vn(tc, @__lev, @__dx, @__dy, %d, %d);\n}\n\n", l->nstab, s->ndim);
	}
	/* over a render of `span` seconds: the step's coefficients at t = 0,
	 * and when they vary in time at up to 256 of its steps and at the
	 * steps @__extremes found (ex, -1 after the last; NULL: none) */
	cg_out(e, "enum { @__INTIME = %d };    /* does the step vary in time (its taps, a lumped object)? */\n",
	       in_time(e));
	cg_out(e, "enum { @__CHAINS = %d };    /* fields after the grid one: their grids compiled in */\n\n",
	       e->s->m->nchains);
	emit_extremes(e);
	nsig = in_time(e) ? emit_tsig(e) : 0;
	if (nsig) {
		/* the analysis at t > 0 (more points than at 0 for a bisection,
		 * fewer for a grid: not the same as at 0), unless one at a time
		 * whose parts in t were the same bits (the last 8 kept) */
		cg_out(e, "static int\n@__stable_t(const double *p, double k, double hx, double hy, const int *n, "
		       "double t, double (*seen)[%d], int *nseen)\n{\n", nsig);
		cg_out(e, "\tdouble sg[%d];\n\tint q;\n\n\t@__tsig(p, k, hx, hy, t, sg);\n", nsig);
		cg_out(e, "\tfor (q = 0; q < (*nseen < 8 ? *nseen : 8); q++)\n");
		cg_out(e, "\t\tif (!memcmp(seen[q], sg, sizeof sg))\n\t\t\treturn 1;\n");
		cg_out(e, "\tif (!@__stable(p, k, hx, hy, n, t))\n\t\treturn 0;\n");
		cg_out(e, "\tmemcpy(seen[(*nseen)++ %% 8], sg, sizeof sg);\n\treturn 1;\n}\n\n");
	}
	cg_out(e, "/* The first time in [0, span] at which the grid is unstable, or -1. */\n");
	cg_out(e, "static double\n@__unstable_at(const double *p, double k, double hx, double hy, const int *n, "
	       "double span, const long long *ex)\n{\n");
	/* in long long: a span of 1e6 s is 4.4e10 steps (a 32-bit long, in
	 * WebAssembly, wrapped and passed every grid) */
	cg_out(e, "\tconst long long ns = span > 0 ? (long long)(span / k) : 0, m = ns < 256 ? ns : 256;\n");
	cg_out(e, "\tlong long j;\n");
	if (nsig)
		cg_out(e, "\tdouble seen[8][%d];\n\tint nseen = 0;\n", nsig);
	cg_out(e, "\n\tif (!@__stable(p, k, hx, hy, n, 0))\n\t\treturn 0;\n");
	if (in_time(e)) {
		const char *st = nsig ? "@__stable_t" : "@__stable", *sa = nsig ? ", seen, &nseen" : "";
		cg_out(e, "\tfor (j = 1; j <= m; j++)\n");
		cg_out(e, "\t\tif (!%s(p, k, hx, hy, n, k * (double)(j * (ns / m) + (j * (ns %% m)) / m)%s))\n", st, sa);
		cg_out(e, "\t\t\treturn k * (double)(j * (ns / m) + (j * (ns %% m)) / m);\n");
		cg_out(e, "\tfor (j = 0; ex && ex[j] >= 0; j++)\n");
		cg_out(e, "\t\tif (!%s(p, k, hx, hy, n, k * (double)ex[j]%s))\n", st, sa);
		cg_out(e, "\t\t\treturn k * (double)ex[j];\n");
	} else {
		cg_out(e, "\t(void)j; (void)m; (void)ex;\n");
	}
	cg_out(e, "\treturn -1;\n}\n\n");
}

/* Does the model check its density (one of params or the coordinates)? */
static int
rho_checked(const Scheme *s)
{
	return s->m->field->density && (s->density->deps & ~(1u << SYM_K)) != 0;
}

/* @__rho_check(p, hx, hy, n, grid, err, errsz): the field's density
 * (language.md 11) at the points of n[0] x n[1] intervals over the domain,
 * positive, else 1 with a message saying where (the grid point when grid);
 * discretise.c has checked it over the domain for the defaults. */
static void
emit_rho_check(Emit *e)
{
	const Scheme *s = e->s;
	const Decl *f = s->m->field;
	const char **pn;
	ExprEmitter *em;
	int r, line, col;

	if (!rho_checked(s))
		return;
	pn = cg_param_refs(e);
	src_linecol(f->density->loc.src, f->density->loc.off, &line, &col);
	cg_out(e, "static int\n@__rho_check(const double *p, double hx, double hy, const int *n, int grid, "
	       "char *err, int errsz)\n{\n");
	cg_out(e, "\tlong i, j;\n\n");
	cg_out(e, "\tfor (j = 0; j <= (@__ndim == 2 ? n[1] : 0); j++)\n");
	cg_out(e, "\t\tfor (i = 0; i <= n[0]; i++) {\n");
	cg_out(e, "\t\t\tconst double x = @__from[0] + i * hx, y = @__from[1] + j * hy;\n");
	cg_out(e, "\t\t\t(void)x; (void)y;\n");
	em = ex_emitter_new(pn, cg_sym_c, "r");
	r = ex_emitter_add(em, s->density);
	ex_emitter_flush(em, &e->b, "\t\t\t");
	cg_out(e, "\t\t\tif (!(%s > 0)) {\n", ex_emitter_root(em, r));
	cg_out(e, "\t\t\t\tchar at[96];\n\n");
	if (s->ndim == 2)
		cg_out(e, "\t\t\t\tif (grid)\n\t\t\t\t\tsnprintf(at, sizeof at, \"grid point (%%ld, %%ld), (%s, %s) = "
		       "(%%g, %%g)\", i, j, x, y);\n\t\t\t\telse\n\t\t\t\t\tsnprintf(at, sizeof at, "
		       "\"(%s, %s) = (%%g, %%g)\", x, y);\n", f->args[0], f->args[1], f->args[0], f->args[1]);
	else
		cg_out(e, "\t\t\t\tif (grid)\n\t\t\t\t\tsnprintf(at, sizeof at, \"grid point %%ld, %s = %%g\", i, x);\n"
		       "\t\t\t\telse\n\t\t\t\t\tsnprintf(at, sizeof at, \"%s = %%g\", x);\n", f->args[0], f->args[0]);
	cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"the density of '%s' (line %d, column %d) is %%g at %%s "
	       "for the params in force; a mass per %s must be positive: change the params or the density\", "
	       "%s, at);\n", f->name, line, col, s->ndim == 2 ? "area" : "length", ex_emitter_root(em, r));
	cg_out(e, "\t\t\t\treturn 1;\n\t\t\t}\n\t\t}\n\treturn 0;\n}\n\n");
	ex_emitter_free(em);
	cg_free_refs(pn, 0);
}

/* Does lumped object j's rest read its own velocity at step n?  (Hash-
 * consing folds a read that cancels, so holding it is reading it.) */
static int
reads_own_vel(const Scheme *s, int j)
{
	int r;

	for (r = 0; r < s->nrd; r++)
		if (s->rd[r].kind == RD_LUMP_VEL && s->rd[r].lump == j)
			return ex_holds(s->pool, s->lump[j].rest, s->nparams + r);
	return 0;
}

/* A lumped object's mass of params, positive for the params in force
 * (discretise.c checks it at their defaults): a mass of 0 or below made
 * a render blow up at its first sample, or a kinetic energy below 0 */
static void
emit_mass_check(Emit *e, const char **pn)
{
	const Scheme *s = e->s;
	char at[32];
	int j, r;

	for (j = 0; j < s->nlump; j++) {
		const Ast *m = s->m->lumps[j]->mass;
		ExprEmitter *em;
		if (!m || ex_is_num(s->lump[j].mass, 0) || s->lump[j].mass->kind == EX_NUM)
			continue;
		cg_out(e, "\t{\n\t\tconst double k = 0, hx = 0, hy = 0, t = 0;\n\n\t\t(void)k; (void)hx; (void)hy; (void)t;\n");
		em = ex_emitter_new(pn, cg_sym_c, "m");
		r = ex_emitter_add(em, s->lump[j].mass);
		ex_emitter_flush(em, &e->b, "\t\t");
		cg_out(e, "\t\tif (!(%s > 0)) {\n", ex_emitter_root(em, r));
		cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"%sthe mass of '%s' is %%g for the params in force; "
		       "a mass must be positive\", %s);\n", cg_loc_text(m->loc, at, sizeof at), s->lump[j].name,
		       ex_emitter_root(em, r));
		cg_out(e, "\t\t\treturn 1;\n\t\t}\n\t}\n");
		ex_emitter_free(em);
	}
}


/* Do the step's stability taps hold a pair at +1 and -1 along an axis
 * whose coefficients differ (a first derivative, u.x)?  Then a grid too
 * coarse may fail where finer ones pass (@__vn_sym, @__hmin). */
static int
drift_taps(const Loops *l)
{
	int i, j;

	for (i = 0; i < l->nstab; i++)
		for (j = 0; j < l->nstab; j++)
			if (l->stab[i].level == l->stab[j].level && abs(l->stab[i].dx) + abs(l->stab[i].dy) == 1
			    && l->stab[j].dx == -l->stab[i].dx && l->stab[j].dy == -l->stab[i].dy
			    && l->stab[i].coef != l->stab[j].coef)
				return 1;
	return 0;
}
/* The grid: forced (by the caller or the model's `grid`) and checked, or
 * the finest stable one.  The square-grid h_min is found by bisection,
 * assuming (as for every explicit scheme here) that a coarser grid is
 * never less stable; N = floor(L / h_min), then checked at L / N. */
static void
emit_plan(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	const char **pn;
	int d, j, drift = drift_taps(l), bowgrid = cg_bow_any_checked(s);
	char at[32];

	emit_rho_check(e);
	cg_out(e, "static double\n@__hmin(const double *p, double k, const double *len, double t, int *bad)\n{\n");
	cg_out(e, "\tdouble hi = HUGE_VAL, lo;\n\tint d, it;\n\n");
	cg_out(e, "\t*bad = 0;\n");
	cg_out(e, "\tfor (d = 0; d < %d; d++)\n", s->ndim);
	cg_out(e, "\t\tif (len[d] / %s[d] < hi)\n", "@__minn");
	cg_out(e, "\t\t\thi = len[d] / @__minn[d];\n");
	if (drift) {
		/* a drift's pairs of taps have one sign only on grids fine
		 * enough (@__vn_sym): coarser ones may fail where finer pass */
		cg_out(e, "\tfor (lo = hi, it = 0; it < 24 && !@__stable(p, k, lo, lo, 0, t); it++)\n");
		cg_out(e, "\t\tlo /= 2;\n");
		cg_out(e, "\tif (it < 24)\n\t\thi = lo;\n");
	}
	cg_out(e, "\tif (!@__stable(p, k, hi, hi, 0, t)) {\n\t\t*bad = 1;\n\t\treturn hi;\n\t}\n");
	cg_out(e, "\tlo = hi;\n");
	cg_out(e, "\tfor (;;) {\n");
	cg_out(e, "\t\tlo /= 2;\n");
	/* past 1e8 points, stable there too: finer than any grid taken;
	 * unstable there, h_min lies between (6300 x 6300, 40M points, was
	 * refused as over 1e8 when the halving passed it; a probe's) */
	cg_out(e, "\t\tif (!@__stable(p, k, lo, lo, 0, t))\n\t\t\tbreak;\n");
	cg_out(e, "\t\tif (@__npoints(len, lo) > 1e8) {\n\t\t\t*bad = 2;\n\t\t\treturn lo;\n\t\t}\n");
	cg_out(e, "\t\thi = lo;\n\t}\n");
	cg_out(e, "\tfor (it = 0; it < 80 && hi - lo > 1e-15 * hi; it++) {\n");
	cg_out(e, "\t\tdouble mid = 0.5 * (lo + hi);\n");
	cg_out(e, "\t\tif (@__stable(p, k, mid, mid, 0, t))\n\t\t\thi = mid;\n\t\telse\n\t\t\tlo = mid;\n\t}\n");
	cg_out(e, "\tif (@__npoints(len, hi) > 1e8)\n\t\t*bad = 2;\n");
	cg_out(e, "\treturn hi;\n}\n\n");

	/* a 2D domain thinner than h_min: its short side at the fewest
	 * intervals it takes, the long side's finest stable with it (one h
	 * on both axes is no grid at all there: a 1 mm steel strip 4.5 cm
	 * wide, 84 x 3 by the rule, 3 below a plate's 5, was "unstable on
	 * every grid, even 5 x 5", which is stable; a probe's) */
	if (s->ndim == 2) {
		cg_out(e, "static int\n@__strip(const double *p, double k, const double *len, double span, int *n)\n{\n");
		cg_out(e, "\tint d, o, it, tries;\n\tdouble hs, hi, lo, mid, hh[2];\n\tlong long ex[@__NEX];\n\n");
		cg_out(e, "\tfor (d = 0; d < 2; d++) {\n");
		cg_out(e, "\t\to = 1 - d;\n\t\ths = len[d] / @__minn[d];\n\t\thi = len[o] / @__minn[o];\n");
		cg_out(e, "\t\thh[d] = hs;\n\t\thh[o] = hi;\n");
		cg_out(e, "\t\tif (hi <= hs || !@__stable(p, k, hh[0], hh[1], 0, 0))\n\t\t\tcontinue;\n");
		cg_out(e, "\t\tfor (lo = hs, it = 0; it < 60 && hi - lo > 1e-12 * hi; it++) {\n");
		cg_out(e, "\t\t\thh[o] = mid = 0.5 * (lo + hi);\n");
		cg_out(e, "\t\t\tif (@__stable(p, k, hh[0], hh[1], 0, 0))\n\t\t\t\thi = mid;\n\t\t\telse\n\t\t\t\tlo = mid;\n\t\t}\n");
		cg_out(e, "\t\tn[d] = @__minn[d];\n\t\tn[o] = (int)floor(len[o] / hi * (1 + 1e-12));\n");
		cg_out(e, "\t\tn[o] = n[o] < @__minn[o] ? @__minn[o] : n[o];\n");
		cg_out(e, "\t\thh[d] = len[d] / n[d];\n\t\thh[o] = len[o] / n[o];\n");
		cg_out(e, "\t\t@__extremes(p, k, len, hh, span, ex);\n");
		cg_out(e, "\t\tfor (tries = 0; tries < 256 && n[o] >= @__minn[o]; tries++, n[o] = tries > 64 && n[o] > 60 ? (int)(0.98 * n[o]) : n[o] - 1) {\n");
		cg_out(e, "\t\t\thh[o] = len[o] / n[o];\n");
		cg_out(e, "\t\t\tif (@__unstable_at(p, k, hh[0], hh[1], n, span, ex) < 0)\n\t\t\t\treturn 1;\n\t\t}\n");
		cg_out(e, "\t}\n\treturn 0;\n}\n\n");
	}
	/* the largest stable grid, per axis, over a render of `span` seconds:
	 * from h_min at t = 0, then at each time found unstable a coarser
	 * h_min there, else one interval fewer */
	cg_out(e, "static int\n@__finest(const double *p, double k, const double *len, double span, int *n, "
	       "char *err, int errsz)\n{\n");
	cg_out(e, "\tint bad, d, tries;\n\tdouble h = @__hmin(p, k, len, 0, &bad), hh[2], t, ht, back = 0;\n");
	cg_out(e, "\tlong long ex[@__NEX];\n\n");
	if (s->ndim == 2)
		cg_out(e, "\tif (bad == 1 && @__strip(p, k, len, span, n))\n\t\treturn 0;\n");
	cg_out(e, "\tif (bad == 1) {\n");
	if (e->s->nlump) {
		/* at the coarsest grid: a lumped object too stiff for k, or a
		 * point of a chain; its name and chain from tables (one call) */
		int c;
		cg_out(e, "\t\tstatic const char *const lname[%d] = {", e->s->nlump);
		for (j = 0; j < e->s->nlump; j++)
			cg_out(e, "%s\"%s\"", j ? ", " : "", e->s->lump[j].name);
		cg_out(e, "};\n\t\tstatic const int lchain[%d] = {", e->s->nlump);
		for (j = 0; j < e->s->nlump; j++)
			cg_out(e, "%s%d", j ? ", " : "", s->m->lumps[j]->gridpt - 1);
		/* a point that reads its own velocity at step n (through a
		 * let): a damping the planner of its chain does not see */
		cg_out(e, "};\n\t\tstatic const int lself[%d] = {", e->s->nlump);
		for (j = 0; j < e->s->nlump; j++)
			cg_out(e, "%s%d", j ? ", " : "", reads_own_vel(s, j));
		/* where each is declared, for the message */
		cg_out(e, "};\n\t\tstatic const char *const lloc[%d] = {", e->s->nlump);
		for (j = 0; j < e->s->nlump; j++)
			cg_out(e, "%s\"%s\"", j ? ", " : "", cg_loc_text(s->m->lump_pde[j]->value->loc, at, sizeof at));
		cg_out(e, "};\n\t\tconst int lj = @__lstable(p, k, len[0] / @__minn[0], 0);\n\n");
		cg_out(e, "\t\tif (lj >= 0) {\n");
		for (c = 0; c < s->m->nchains; c++) {
			cg_out(e, "\t\t\tif (lchain[lj] == %d)\n", c);
			if (s->m->chains[c].ny && !s->m->chains[c].planned) {    /* `grid NX, NY` on its domain */
				char at[32];
				cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"%sgrid %d, %d is unstable for the "
				       "field '%s' at k = %%g s for the params in force (at its point %%s); force a "
				       "coarser grid, or leave it out and the field gets the finest stable one\", k, "
				       "lname[lj]);\n", cg_loc_text(s->m->chains[c].grid_loc, at, sizeof at),
				       s->m->chains[c].n, s->m->chains[c].ny, s->m->chains[c].name);
			} else if (s->m->chains[c].ny)      /* a point of a 2D one */
				cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"the field '%s' is unstable at k = %%g s "
				       "for the params in force (at its point %%s): its grid of %d x %d intervals was "
				       "planned for the values it was compiled with; compile the model again with these "
				       "values and this rate (--set, --params, -r), which plans its grid for them, or "
				       "force a coarser "
				       "one with `grid NX, NY` on its domain\", k, lname[lj]);\n",
				       s->m->chains[c].name, s->m->chains[c].n, s->m->chains[c].ny);
			else if (!s->m->chains[c].planned) {    /* `grid N` on its domain (language.md 3) */
				char at[32], st[256] = "";
				if (s->m->chains[c].stable > 0 && s->m->chains[c].stable < s->m->chains[c].n)
					snprintf(st, sizeof st, "; N = %d is stable for the values it was compiled "
					         "with (the planner's grid, whose bound is safe: a finer one may be too)",
					         s->m->chains[c].stable);
				cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"%sgrid %d is unstable for the field "
				       "'%s' at k = %%g s for the params in force (at its point %%s)%s; force a coarser "
				       "grid, or leave it out and the field gets the finest stable one\", k, lname[lj]);\n",
				       cg_loc_text(s->m->chains[c].grid_loc, at, sizeof at), s->m->chains[c].n,
				       s->m->chains[c].name, st);
			} else    /* a point of a field not on the grid (sema_fields.c) */
				cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"the field '%s' is unstable at k = %%g s "
				       "for the params in force (at its point %%s): its grid of %d intervals was planned "
				       "for the values it was compiled with; compile the model again with these "
				       "values and this rate (--set, --params, -r), which plans its grid for them, or "
				       "force a coarser "
				       "one with `grid N` on its domain\", k, lname[lj]);\n",
				       s->m->chains[c].name, s->m->chains[c].n);
		}
		cg_out(e, "\t\t\tif (lchain[lj] >= 0 && lself[lj]) {\n\t\t\t\tsize_t el = strlen(err);\n\n");
		cg_out(e, "\t\t\t\tsnprintf(err + el, (size_t)errsz - el, \" (%%s reads its own velocity at step n, "
		       "as a let that reads it does: that damping counts 2 k |c| against its step, and the grid's "
		       "planner does not see it; write the damper in the pde itself, where the velocity is taken "
		       "centred)\", lname[lj]);\n\t\t\t}\n");
		cg_out(e, "\t\t\tif (lchain[lj] < 0)\n");
		cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"%%sthe lumped object '%%s' is too stiff for "
		       "the time step k = %%g s (k^2 w^2 >= 4 in its explicit step); raise the rate or make "
		       "it softer or heavier\", lloc[lj], lname[lj], k);\n");
		cg_out(e, "\t\t\treturn 1;\n\t\t}\n");
	}
	if (rho_checked(s)) {
		/* a density below 0 somewhere makes the scheme unstable: say so */
		cg_out(e, "\t\tconst int fine[2] = {1000, 100};\n\n");
		cg_out(e, "\t\tif (@__rho_check(p, len[0] / fine[0], len[1] / fine[1], fine, 0, err, errsz))\n");
		cg_out(e, "\t\t\treturn 1;\n");
	}
	if (s->npot && s->pot_stab) {  /* the linear part alone stable there: the potential's stiffness (sav.c) */
		cg_out(e, "\t\tint nc[2] = {@__minn[0], @__minn[1] > 0 ? @__minn[1] : 1};\n\n");
		cg_out(e, "\t\tif (@__stable(p, k, len[0] / nc[0], %s, nc, 0)) {\n", s->ndim == 2 ? "len[1] / nc[1]" : "len[0] / nc[0]");
		cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"%sthe scheme is unstable on every grid for the params in "
		       "force (even the coarsest, N = %%d) at the time step k = %%g s, counting the stiffness this "
		       "potential adds at the largest compression or stretch the initial energy allows (docs/language.md "
		       "17); a softer potential, a higher rate, or a forced grid (`grid N`, --grid), which needs only "
		       "the linear part's condition\", @__minn[0], k);\n", cg_loc_text(s->pot_loc, at, sizeof at));
		cg_out(e, "\t\t\treturn 1;\n\t\t}\n");
	}
	{
		/* a loss below 0 (two decay times a damping law cannot meet:
		 * sigma0 < 0) grows the state on every grid: the taps on
		 * u[n-1] sum, for the flat and the fastest mode, to more than 1
		 * in size (the product of the step's two roots) */
		int nt = cg_atleast1(l->nstab);

		cg_out(e, "\t\t{\n\t\t\tdouble tc[%d], b0 = 0, b1 = 0;\n\t\t\tint c;\n\n", nt);
		cg_out(e, "\t\t\t@__taps(p, k, len[0] / @__minn[0], len[%d] / @__minn[%d], @__from[0] + len[0] / 2, "
		       "%s, 0, tc, 0);\n", s->ndim == 2 ? 1 : 0, s->ndim == 2 ? 1 : 0,
		       s->ndim == 2 ? "@__from[1] + len[1] / 2" : "0");
		/* a coefficient that is NaN or infinite (a let's division by
		 * zero at these values: t60_sigma0 of two equal frequencies)
		 * is no stability question */
		cg_out(e, "\t\t\tfor (c = 0; c < %d; c++)\n\t\t\t\tif (!isfinite(tc[c])) {\n", l->nstab);
		cg_out(e, "\t\t\t\t\tsnprintf(err, (size_t)errsz, \"%sa coefficient of the pde is %%s for the params "
		       "in force: a division by zero or a function outside its domain (log of 0, sqrt of a negative, "
		       "...) in the pde, a let or a fn it calls, at these values; check the values set (the two "
		       "frequencies of t60_sigma0 and t60_sigma1 must differ, say)\", isnan(tc[c]) ? \"not a number "
		       "(NaN)\" : \"infinite\");\n", cg_loc_text(s->m->pde->value->loc, at, sizeof at));
		cg_out(e, "\t\t\t\t\treturn 1;\n\t\t\t\t}\n");
		cg_out(e, "\t\t\tfor (c = 0; c < %d; c++)\n\t\t\t\tif (@__lev[c] == 1) {\n", l->nstab);
		cg_out(e, "\t\t\t\t\tb0 += tc[c];\n\t\t\t\t\tb1 += (@__dx[c] + @__dy[c]) %% 2 ? -tc[c] : tc[c];\n\t\t\t\t}\n");
		cg_out(e, "\t\t\tif (fabs(b0) > 1 + 1e-9 || fabs(b1) > 1 + 1e-9) {\n");
		cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"%sthe pde's loss is below 0 for the params in force "
		       "(its damping makes the %%s grow at every step, on any grid): check the decay times asked "
		       "for (two T60s that no damping law of this form meets: a long one at a low frequency and "
		       "a short one at a high), or the signs of the damping terms\", fabs(b0) > 1 + 1e-9 ? "
		       "\"lowest modes\" : \"highest modes\");\n", cg_loc_text(s->m->pde->value->loc, at, sizeof at));
		cg_out(e, "\t\t\t\treturn 1;\n\t\t\t}\n\t\t}\n");
	}
	if (drift)   /* @__hmin tried finer grids too */
		cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"%sthe scheme is unstable on every grid for the params "
		       "in force, from the coarsest to 2^24 times finer, at the time step k = %%g s: a drift term "
		       "(a first derivative, b u.x beside c^2 u.xx) needs a spacing under 2 c^2 / |b|, and the step "
		       "one over the Courant limit; check the pde's coefficients, or raise the rate\", k);\n",
		       cg_loc_text(s->m->pde->value->loc, at, sizeof at));
	else if (s->ndim == 2)    /* a side too short for 3 intervals at this step: a thin strip */
		cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"%sthe scheme is unstable on every grid for the params "
		       "in force (even the coarsest, %%d x %%d intervals, the fewest each axis takes) at the time "
		       "step k = %%g s; check the signs and sizes of the pde's coefficients, or raise the rate (a "
		       "stiff or fast pde, or a side of the domain this short (%%g by %%g), needs a shorter "
		       "step)\", @__minn[0], @__minn[1], k, len[0], len[1]);\n",
		       cg_loc_text(s->m->pde->value->loc, at, sizeof at));
	else
		cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"%sthe scheme is unstable on every grid for the params "
		       "in force (even the coarsest, N = %%d) at the time step k = %%g s; check the signs and sizes "
		       "of the pde's coefficients, or raise the rate (a stiff or fast pde, or a domain this short "
		       "(%%g), needs a shorter step)\", @__minn[0], k, len[0]);\n",
		       cg_loc_text(s->m->pde->value->loc, at, sizeof at));
	{
		/* a force between parts counts in the taps too: the pde alone
		 * was blamed for a stiff spring between a string and a plate
		 * (a probe's) */
		int j, coupled = 0;
		for (j = 0; j < s->nsrc; j++)
			coupled |= s->src[j].state != 0;
		if (coupled && !drift)
			cg_out(e, "\t\tsnprintf(err + strlen(err), (size_t)errsz - strlen(err), \"; or a force "
			       "between parts: a spring of stiffness K (a potential, or F * delta(...) that reads the "
			       "state) counts about K / (density h) at the point it touches, so a softer spring or a "
			       "heavier part\");\n");
	}
	cg_out(e, "\t\treturn 1;\n\t}\n");
	cg_out(e, "\tif (bad == 2) {\n");
	/* (the domain's size too: a membrane 1000 m wide was blamed on the
	 * rate alone; a probe's) */
	cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"%sthe finest stable grid would have over 1e8 points "
	       "on the domain (%s) (its waves are slow for this time step: a high rate, a domain this "
	       "large, or coefficients 0 at t = 0, which any h takes); force a grid with `grid N` or "
	       "--grid, or lower the rate\", %s);\n", cg_loc_text(s->m->pde->value->loc, at, sizeof at),
	       s->ndim == 2 ? "%g by %g" : "%g long", s->ndim == 2 ? "len[0], len[1]" : "len[0]");
	cg_out(e, "\t\treturn 1;\n\t}\n");
	cg_out(e, "\tfor (d = 0; d < 2; d++)\n");
	cg_out(e, "\t\tn[d] = d < %d ? (int)floor(len[d] / h * (1 + 1e-12)) : 0;\n", s->ndim);
	/* the steps where the taps are extreme: once, on the first grid */
	cg_out(e, "\tfor (d = 0; d < 2; d++)\n\t\thh[d] = d < %d ? len[d] / n[d] : 0;\n", s->ndim);
	cg_out(e, "\t@__extremes(p, k, len, hh, span, ex);\n");
	cg_out(e, "\tfor (tries = 0; tries < 256; tries++) {\n");
	cg_out(e, "\t\tfor (d = 0; d < 2; d++)\n\t\t\thh[d] = d < %d ? len[d] / n[d] : 0;\n", s->ndim);
	/* stable after a step of 2 %: the grids it skipped, from the last
	 * unstable one (back), one interval coarser a try (back < 0) */
	cg_out(e, "\t\tif ((t = @__unstable_at(p, k, hh[0], %s, n, span, ex)) < 0) {\n", s->ndim == 2 ? "hh[1]" : "hh[0]");
	cg_out(e, "\t\t\tif (back <= 0)\n\t\t\t\treturn 0;\n");
	cg_out(e, "\t\t\th = back * (1 + 1e-9);\n\t\t\tback = -1;\n");
	cg_out(e, "\t\t\tfor (d = 0; d < %d; d++)\n", s->ndim);
	cg_out(e, "\t\t\t\tif ((n[d] = (int)floor(len[d] / h * (1 + 1e-12))) < @__minn[d])\n\t\t\t\t\tn[d] = @__minn[d];\n");
	cg_out(e, "\t\t\tcontinue;\n\t\t}\n");
	cg_out(e, "\t\tif (t > 0 && (ht = @__hmin(p, k, len, t, &bad)) > h && !bad) {\n");
	cg_out(e, "\t\t\th = ht;\n\t\t\tback = 0;\n");
	cg_out(e, "\t\t\tfor (d = 0; d < %d; d++)\n", s->ndim);
	cg_out(e, "\t\t\t\tn[d] = (int)floor(len[d] / h * (1 + 1e-12));\n");
	cg_out(e, "\t\t\tcontinue;\n\t\t}\n");
	cg_out(e, "\t\tif (t > 0 && bad == 1) {\n");
	for (j = 0; j < s->nlump; j++)    /* a lumped object stiffer then: the first */
		if (s->m->lumps[j]->gridpt <= 0 && (s->lump_stiff[j]->deps & (1u << SYM_T))) {
			cg_out(e, "\t\t\tif (@__lstable(p, k, len[0] / @__minn[0], t) == %d) {\n", j);
			cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"%sthe lumped object '%s' is too stiff at t = "
			       "%%g s for the time step k = %%g s (k^2 w^2 >= 4 in its explicit step); raise the rate or "
			       "make it softer or heavier then\", t, k);\n",
			       cg_loc_text(s->m->lump_pde[j]->value->loc, at, sizeof at), s->lump[j].name);
			cg_out(e, "\t\t\t\treturn 1;\n\t\t\t}\n");
		}
	cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"%sthe scheme is unstable on every grid at t = %%g s for the "
	       "params in force; check how the pde's coefficients vary in time\", t);\n",
	       cg_loc_text(s->m->pde->value->loc, at, sizeof at));
	cg_out(e, "\t\t\treturn 1;\n\t\t}\n");
	/* unstable on the grid itself (its points are not h_min's): the next
	 * coarser grid of one h, Nx = floor(Lx / h), Ny = floor(Ly / h)
	 * (language.md 3), h just past the smallest len / n of an axis that
	 * may still lose an interval; after 64 such, 2 % coarser each, and
	 * from a stable one the grids that step skipped, one by one (a
	 * narrow bump of 50 times the tension: finest 441 intervals by its
	 * h_min, stable from about 170, 271 one by one; a probe's) */
	cg_out(e, "\t\tfor (ht = 0, d = 0; d < %d; d++)\n", s->ndim);
	cg_out(e, "\t\t\tif (n[d] > @__minn[d] && (ht == 0 || len[d] / n[d] < ht))\n\t\t\t\tht = len[d] / n[d];\n");
	cg_out(e, "\t\tif (ht == 0)\n\t\t\tbreak;\n");
	cg_out(e, "\t\tif (tries < 64 || back < 0)\n\t\t\th = ht * (1 + 1e-9);\n");
	cg_out(e, "\t\telse {\n\t\t\tback = ht;\n\t\t\th = ht * 1.02;\n\t\t}\n");
	cg_out(e, "\t\tfor (d = 0; d < %d; d++)\n", s->ndim);
	cg_out(e, "\t\t\tif ((n[d] = (int)floor(len[d] / h * (1 + 1e-12))) < @__minn[d])\n\t\t\t\tn[d] = @__minn[d];\n");
	cg_out(e, "\t}\n");
	cg_out(e, "\tsnprintf(err, (size_t)errsz, \"%sno stable grid found for the params in force in 256 tries, "
	       "one interval coarser each, then 2 %%%% with those skipped tried back (coefficients that vary sharply in space and time); force one, "
	       "`grid N` on the domain or --grid\");\n", cg_loc_text(s->m->pde->value->loc, at, sizeof at));
	cg_out(e, "\treturn 1;\n}\n\n");

	cg_out(e, "static int\n@__checkp(const double *p, char *err, int errsz)\n{\n\tint i;\n\n");
	cg_out(e, "\tfor (i = 0; i < %d; i++) {\n", s->nparams);
	cg_out(e, "\t\tif (!isfinite(p[i])) {\n");
	cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"param '%%s' = %%g is not a finite number\", @__pname[i], p[i]);\n");
	cg_out(e, "\t\t\treturn 1;\n\t\t}\n");
	cg_out(e, "\t\tif (p[i] < @_param_min(i) || p[i] > @_param_max(i)) {\n");
	cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"param '%%s' = %%g is outside its range [%%g, %%g]\",\n");
	cg_out(e, "\t\t\t         @__pname[i], p[i], @_param_min(i), @_param_max(i));\n");
	cg_out(e, "\t\t\treturn 1;\n\t\t}\n\t}\n");
	pn = cg_param_refs(e);
	emit_mass_check(e, pn);
	cg_free_refs(pn, 0);
	cg_out(e, "\treturn 0;\n}\n\n");

	/* a bow whose Newton equation has more than one root on the finest
	 * grid (its point's share of the force grows as the cells shrink)
	 * plays on the next coarser grid that takes it, up to 16 intervals
	 * coarser on x (examples/bowed_plate.dpm at 48 kHz: 26 x 22 refused
	 * its Fb = 2, 25 x 20 takes it; a probe's) */
	if (bowgrid) {
		cg_out(e, "@_model *@_create(const double *params, double rate, const int *grid, char *err, "
		       "int errsz);\n\n");
		cg_out(e, "static void\n@__bowgrid(const double *p, double rate, const double *len, int *n, "
		       "double *h)\n{\n");
		cg_out(e, "\tchar err[1024];\n\tint g[2] = {0, 0}, j, d;\n\tdouble hj;\n\t@_model *m;\n\n");
		cg_out(e, "\tfor (j = 0; j <= 16 && n[0] - j >= @__minn[0]; j++) {\n");
		cg_out(e, "\t\thj = len[0] / (n[0] - j);\n");
		cg_out(e, "\t\tfor (d = 0; d < %d; d++)\n\t\t\tg[d] = j ? (int)floor(len[d] / hj * (1 + 1e-12)) "
		       ": n[d];\n", s->ndim);
		cg_out(e, "\t\tif (g[%d] < @__minn[%d])\n\t\t\treturn;\n", s->ndim - 1, s->ndim - 1);
		cg_out(e, "\t\tif ((m = @_create(p, rate, g, err, sizeof err))) {\n\t\t\t@_destroy(m);\n");
		cg_out(e, "\t\t\tfor (d = 0; j && d < %d; d++) {\n\t\t\t\tn[d] = g[d];\n"
		       "\t\t\t\th[d] = len[d] / g[d];\n\t\t\t}\n\t\t\treturn;\n\t\t}\n", s->ndim);
		cg_out(e, "\t\tif (!strstr(err, \"one root only\"))\n\t\t\treturn;\n\t}\n}\n\n");
	}
	/* plan_for: the grid for a render of `span` seconds (0: the step's
	 * coefficients at t = 0 only); @__plan_bow with bow 0 leaves the
	 * bow's test out, which makes instances (dpm_set allocates nothing) */
	cg_out(e, "static int\n@__plan_bow(const double *params, double rate, double span, const int *grid, "
	       "int *grid_out, double *h_out, char *err, int errsz, int bow)\n{\n");
	cg_out(e, "\tstatic const int mgrid[2] = {%d, %d};\n", s->grid[0], s->grid[1]);
	cg_out(e, "\tconst double len[2] = {%.17g, %.17g};\n", s->to[0] - s->from[0],
	    s->ndim == 2 ? s->to[1] - s->from[1] : 0.0);
	cg_out(e, "\tconst double *p = params ? params : @__pdef;\n");
	cg_out(e, "\tint n[2] = {0, 0}, best[2], d, forced = 0;\n\tdouble k, h[2] = {0, 0}, t;\n\n");
	cg_out(e, "\tif (@__checkp(p, err, errsz))\n\t\treturn 1;\n");
	cg_out(e, "\tif (rate == 0)\n\t\trate = @_default_rate();\n");
	cg_out(e, "\tif (!(rate >= 1 && rate <= 1e7)) {\n");
	cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"sample rate %%g Hz is not usable; give a rate between 1 Hz and 10 MHz, or 0 for the model's\", rate);\n");
	cg_out(e, "\t\treturn 1;\n\t}\n");
	cg_out(e, "\tk = 1.0 / rate;\n");
	cg_out(e, "\tfor (d = 0; d < %d; d++) {\n", s->ndim);
	cg_out(e, "\t\tif (grid && grid[d] < 0) {\n");
	cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"grid %%d: the number of intervals must be positive "
	       "(0: the model's grid or the finest stable one)\", grid[d]);\n");
	cg_out(e, "\t\t\treturn 1;\n\t\t}\n");
	cg_out(e, "\t\tn[d] = grid && grid[d] > 0 ? grid[d] : mgrid[d];\n");
	cg_out(e, "\t\tforced |= n[d] > 0;\n\t}\n");
	cg_out(e, "\tif (forced) {\n");
	cg_out(e, "\t\tfor (d = 0; d < %d; d++) {\n", s->ndim);
	cg_out(e, "\t\t\tif (n[d] <= 0) {\n");
	cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"a forced grid needs the number of intervals on every axis\");\n");
	cg_out(e, "\t\t\t\treturn 1;\n\t\t\t}\n");
	cg_out(e, "\t\t\tif (n[d] < @__minn[d]) {\n");
	cg_out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"grid %%d is too coarse for this stencil: use at least %%d intervals\", n[d], @__minn[d]);\n");
	cg_out(e, "\t\t\t\treturn 1;\n\t\t\t}\n");
	cg_out(e, "\t\t\th[d] = len[d] / n[d];\n\t\t}\n");
	/* in double: n + 1 overflows an int at INT_MAX */
	cg_out(e, "\t\tif (((double)n[0] + 1) * ((double)n[1] + 1) > 1e8) {\n");
	cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"grid too large: %%.0f points, over the limit of 1e8\", "
	       "((double)n[0] + 1) * ((double)n[1] + 1));\n");
	cg_out(e, "\t\t\treturn 1;\n\t\t}\n");
	cg_out(e, "\t\tlong long ex[@__NEX];\n\n");
	cg_out(e, "\t\t@__extremes(p, k, len, h, span, ex);\n");
	cg_out(e, "\t\tif ((t = @__unstable_at(p, k, h[0], %s, n, span, ex)) >= 0) {\n", s->ndim == 2 ? "h[1]" : "h[0]");
	cg_out(e, "\t\t\tchar when[64] = \"\";\n\n");
	cg_out(e, "\t\t\tif (@__finest(p, k, len, span, best, err, errsz))\n\t\t\t\treturn 1;\n");
	if (s->pot_stab) {
		/* the default grid counts the stiffness of a potential or of
		 * coefficients that read the state (sav.c), a forced one only
		 * the linear part's: the largest forced grid that would pass,
		 * by bisection on a factor of the one given */
		cg_out(e, "\t\t\t{\n\t\t\t\tdouble lo = 0, hi = 1, f;\n\t\t\t\tint m[2] = {0, 0}, it;\n\n");
		cg_out(e, "\t\t\t\tfor (it = 0; it < 60; it++) {\n\t\t\t\t\tf = 0.5 * (lo + hi);\n");
		cg_out(e, "\t\t\t\t\tfor (d = 0; d < %d; d++)\n\t\t\t\t\t\tif ((m[d] = (int)(n[d] * f)) < @__minn[d])\n"
		       "\t\t\t\t\t\t\tm[d] = @__minn[d];\n", s->ndim);
		cg_out(e, "\t\t\t\t\tif (@__unstable_at(p, k, len[0] / m[0], %s, m, span, ex) < 0)\n\t\t\t\t\t\tlo = f;\n"
		       "\t\t\t\t\telse\n\t\t\t\t\t\thi = f;\n\t\t\t\t}\n", s->ndim == 2 ? "len[1] / m[1]" : "len[0] / m[0]");
		cg_out(e, "\t\t\t\tfor (d = 0; lo > 0 && d < %d; d++)\n\t\t\t\t\tif ((best[d] = (int)(n[d] * lo)) < @__minn[d])\n"
		       "\t\t\t\t\t\tbest[d] = @__minn[d];\n\t\t\t}\n", s->ndim);
	}
	cg_out(e, "\t\t\tif (t > 0)\n\t\t\t\tsnprintf(when, sizeof when, \" at t = %%g s\", t);\n");
	{
		/* the model's own `grid`: at its place (a --grid has none) */
		char at[32] = "";
		if (s->m->domain && s->m->domain->grid[0])
			cg_loc_text(s->m->domain->grid[0]->loc, at, sizeof at);
		cg_out(e, "\t\t\tconst char *at = grid && grid[0] > 0 ? \"\" : \"%s\";\n\n", at);
	}
	/* in 2D no grid is the largest: the planned one (one spacing), or
	 * the forced one's shape scaled down until it passes */
	if (s->ndim == 2)
		cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"%%sgrid %%d, %%d is unstable for the params in force%%s; "
		       "%s %%d, %%d\", at, n[0], n[1], when, best[0], best[1]);\n",
		       s->pot_stab ? "of its shape, the finest stable grid is"
		                   : "the finest stable grid with one spacing on both axes (the one planned) is");
	else
		cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"%%sgrid %%d is unstable for the params in force%%s; "
		       "the largest stable N is %%d\", at, n[0], when, best[0]);\n");
	cg_out(e, "\t\t\treturn 1;\n\t\t}\n");
	cg_out(e, "\t} else {\n");
	cg_out(e, "\t\tif (@__finest(p, k, len, span, n, err, errsz))\n\t\t\treturn 1;\n");
	cg_out(e, "\t\tfor (d = 0; d < %d; d++)\n\t\t\th[d] = len[d] / n[d];\n", s->ndim);
	if (bowgrid)
		cg_out(e, "\t\tif (bow)\n\t\t\t@__bowgrid(p, rate, len, n, h);\n");
	else
		cg_out(e, "\t\t(void)bow;\n");
	cg_out(e, "\t}\n");
	cg_out(e, "\tfor (d = 0; d < 2; d++) {\n");
	cg_out(e, "\t\tif (grid_out)\n\t\t\tgrid_out[d] = d < %d ? n[d] : 0;\n", s->ndim);
	cg_out(e, "\t\tif (h_out)\n\t\t\th_out[d] = h[d];\n\t}\n");
	cg_out(e, "\treturn 0;\n}\n\n");
	cg_out(e, "int\n@_plan_for(const double *params, double rate, double span, const int *grid, int *grid_out, "
	       "double *h_out, char *err, int errsz)\n{\n");
	cg_out(e, "\treturn @__plan_bow(params, rate, span, grid, grid_out, h_out, err, errsz, 1);\n}\n\n");
	cg_out(e, "int\n@_plan(const double *params, double rate, const int *grid, int *grid_out, "
	       "double *h_out, char *err, int errsz)\n{\n");
	cg_out(e, "\treturn @_plan_for(params, rate, 0, grid, grid_out, h_out, err, errsz);\n}\n\n");
	(void)l;
	(void)d;
}

/* ---- coefficients, sources, outputs ---- */

/* Index and weights of the (bi)linear interpolation at (X, Y). */
static const char interp_text[] =
"/* Linear (bilinear) interpolation at (X, Y) (spec section 5); returns\n"
" * nonzero when the point is outside the domain. */\n"
"static int\n"
"@__interp(const @_model *m, double X, double Y, long *idx, double *w)\n"
"{\n"
"\tdouble pos[2], a[2];\n"
"\tlong i[2] = {0, 0};\n"
"\tint d;\n"
"\n"
"\tpos[0] = (X - @__from[0]) / m->h[0];\n"
"\tpos[1] = @__ndim == 2 ? (Y - @__from[1]) / m->h[1] : 0;\n"
"\tfor (d = 0; d < @__ndim; d++) {\n"
"\t\tif (!(pos[d] >= -1e-9 && pos[d] <= m->n[d] + 1e-9))\n"
"\t\t\treturn 1;\n"
"\t\ti[d] = (long)floor(pos[d]);\n"
"\t\tif (i[d] < 0)\n"
"\t\t\ti[d] = 0;\n"
"\t\tif (i[d] > m->n[d] - 1)\n"
"\t\t\ti[d] = m->n[d] - 1;\n"
"\t}\n"
"\ta[0] = pos[0] - i[0];\n"
"\ta[1] = @__ndim == 2 ? pos[1] - i[1] : 0;\n"
"\tidx[0] = i[0] + i[1] * m->nx1;\n"
"\tidx[1] = idx[0] + 1;\n"
"\tidx[2] = @__ndim == 2 ? idx[0] + m->nx1 : idx[0];\n"
"\tidx[3] = idx[2] + (@__ndim == 2);\n"
"\tw[0] = (1 - a[0]) * (1 - a[1]);\n"
"\tw[1] = a[0] * (1 - a[1]);\n"
"\tw[2] = @__ndim == 2 ? (1 - a[0]) * a[1] : 0;\n"
"\tw[3] = @__ndim == 2 ? a[0] * a[1] : 0;\n"
"\treturn 0;\n"
"}\n\n"
"";

static const char held_text[] =
"/* Is point q held at 0 by a boundary condition? */\n"
"static int\n"
"@__held(const @_model *m, long q)\n"
"{\n"
"\tlong i = q % m->nx1, j = q / m->nx1;\n"
"\n"
"\treturn (@__held_end[0][0] && i == 0) || (@__held_end[0][1] && i == m->n[0]) ||\n"
"\t       (@__ndim == 2 && ((@__held_end[1][0] && j == 0) || (@__held_end[1][1] && j == m->n[1])));\n"
"}\n\n";

/* The measure of point q's cell, by which a point source's share there
 * is divided: hx (hx hy), halved along an axis at a free end, as the
 * energy's trapezoid weights are, so that a force there does the work
 * the energy counts (a force at a free end of a string had half its
 * effect; a free plate's corner a quarter) */
static const char cell_text[] =
"static double\n"
"@__cell(const @_model *m, long q)\n"
"{\n"
"\tlong i = q % m->nx1, j = q / m->nx1;\n"
"\tdouble c = m->h[0];\n"
"\n"
"\tif ((!@__held_end[0][0] && i == 0) || (!@__held_end[0][1] && i == m->n[0]))\n"
"\t\tc *= 0.5;\n"
"\tif (@__ndim == 2) {\n"
"\t\tc *= m->h[1];\n"
"\t\tif ((!@__held_end[1][0] && j == 0) || (!@__held_end[1][1] && j == m->n[1]))\n"
"\t\t\tc *= 0.5;\n"
"\t}\n"
"\treturn c;\n"
"}\n\n";

const char *
cg_coef_ref(const Loops *l, int c, Buf *tmp)
{
	const Coef *co = &l->coefs[c];

	tmp->len = 0;
	switch (co->cls) {
	case CO_CONST: buf_printf(tmp, "c%d", co->slot); break;
	case CO_TIME: buf_printf(tmp, "tc%d", co->slot); break;
	case CO_SPACE: buf_printf(tmp, "a%d[q]", co->slot); break;
	case CO_SPACETIME: buf_printf(tmp, "st%d", co->slot); break;
	}
	return tmp->s;
}

/* What the point sources need: which points are held, den times the
 * density (Scheme.mden) where they land. */
static void
emit_source_helpers(Emit *e, const char **pn)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	ExprEmitter *em;
	int r, i;

	if (s->nsrc + s->nout == 0)
		return;
	cg_out(e, "static const int @__held_end[2][2] = {{%d, %d}, {%d, %d}};\n\n",
	    s->bc[0][0] != BC_FREE, s->bc[0][1] != BC_FREE,
	    s->ndim == 2 && s->bc[1][0] != BC_FREE, s->ndim == 2 && s->bc[1][1] != BC_FREE);
	cg_out(e, "%s", held_text);
	if (!s->nsrc)
		return;
	cg_out(e, "%s", cell_text);
	cg_out(e, "%sstatic double\n@__den(const @_model *m, double x, double y)\n{\n", cg_cold(e));
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1], t = 0.0;\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)x; (void)y; (void)t;\n");
	em = ex_emitter_new(pn, cg_sym_c, "d");
	r = ex_emitter_add(em, s->wden);
	ex_emitter_flush(em, &e->b, "\t");
	cg_out(e, "\treturn %s;\n}\n\n", ex_emitter_root(em, r));
	ex_emitter_free(em);

	/* d mden / d param at a point: the sources' weights divide by it */
	cg_out(e, "%sstatic void\n@__dden(const @_model *m, double x, double y, double *dd)\n{\n", cg_cold(e));
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1], t = 0.0;\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)x; (void)y; (void)t; (void)dd;\n");
	em = ex_emitter_new(pn, cg_sym_c, "d");
	for (i = 0; i < s->nparams; i++)
		ex_emitter_add(em, l->dden[i]);
	ex_emitter_flush(em, &e->b, "\t");
	for (i = 0; i < s->nparams; i++)
		cg_out(e, "\tdd[%d] = %s;\n", i, ex_emitter_root(em, i));
	cg_out(e, "}\n\n");
	ex_emitter_free(em);
}

/* Derivatives of the (bi)linear weights w[4] at (X, Y) with respect to X
 * and Y, within the cell they were computed in (piecewise linear). */
/* A point read of the field (language.md section 11), at step n: the
 * value by linear interpolation (as outputs read), the velocity
 * (u[n] - u[n-1]) / k there, or the slope (u[i+1] - u[i]) / h of the
 * cell holding X (at an end, the one-sided difference); kind 3 the shear
 * at an end (ir.h RD_DX3: X is one, discretise.c). */
static const char read_text[] =
"static double\n"
"@__read(const @_model *m, const double *u, const double *up, double X, int kind)\n"
"{\n"
"\tdouble a = (X - @__from[0]) / m->h[0], h3 = m->h[0] * m->h[0] * m->h[0];\n"
"\tlong i = (long)floor(a), N = m->n[0];\n"
"\n"
"\tif (kind == 3)\n"
"\t\treturn 2 * a < N ? (u[2] - 2 * u[1] + u[0]) / h3 : -(u[N] - 2 * u[N - 1] + u[N - 2]) / h3;\n"
"\tif (i > m->n[0] - 1)\n"
"\t\ti = m->n[0] - 1;\n"
"\tif (i < 0)\n"
"\t\ti = 0;\n"
"\ta -= (double)i;\n"
"\tif (kind == 2)\n"
"\t\treturn (u[i + 1] - u[i]) / m->h[0];\n"
"\tif (kind == 1)\n"
"\t\treturn ((1 - a) * (u[i] - up[i]) + a * (u[i + 1] - up[i + 1])) / m->k;\n"
"\treturn (1 - a) * u[i] + a * u[i + 1];\n"
"}\n\n";

/* In 2D: bilinear in the cell holding (X, Y), the value or the velocity. */
static const char read2_text[] =
"static double\n"
"@__read(const @_model *m, const double *u, const double *up, double X, double Y, int kind)\n"
"{\n"
"\tdouble a = (X - @__from[0]) / m->h[0], b = (Y - @__from[1]) / m->h[1], v[4];\n"
"\tlong i = (long)floor(a), j = (long)floor(b), q, r;\n"
"\n"
"\ti = i > m->n[0] - 1 ? m->n[0] - 1 : i < 0 ? 0 : i;\n"
"\tj = j > m->n[1] - 1 ? m->n[1] - 1 : j < 0 ? 0 : j;\n"
"\ta -= (double)i;\n"
"\tb -= (double)j;\n"
"\tq = i + j * m->nx1;\n"
"\tfor (r = 0; r < 4; r++) {\n"
"\t\tconst long o = q + (r & 1) + (r >> 1) * m->nx1;\n"
"\t\tv[r] = kind == 1 ? (u[o] - up[o]) / m->k : u[o];\n"
"\t}\n"
"\treturn (1 - b) * ((1 - a) * v[0] + a * v[1]) + b * ((1 - a) * v[2] + a * v[3]);\n"
"}\n\n";


/* "LINE:COL: " of loc in the model, or "": a message of the compiled
 * model that the params make (a position outside the domain) starts
 * with it, and the command line prints it as FILE:LINE:COL: error: */
const char *
cg_loc_text(Loc loc, char *buf, int size)
{
	int line, col;

	buf[0] = 0;
	if (loc.src) {
		src_linecol(loc.src, loc.off, &line, &col);
		snprintf(buf, (size_t)size, "%d:%d: ", line, col);
	}
	return buf;
}

/* set_coefs: each point read inside the domain */
static void
emit_read_check(Emit *e, const char **pn)
{
	const Scheme *s = e->s;
	Buf b = {0};
	char at[32];
	int r, d;

	for (r = 0; r < s->nrd; r++) {
		for (d = 0; d < s->ndim && s->rd[r].pos; d++) {
			const double lo = s->from[d], hi = s->to[d];
			b.len = 0;
			ex_print_c(&b, d ? s->rd[r].pos2 : s->rd[r].pos, pn, cg_sym_c);
			cg_out(e, "\t{\n\t\tconst double X = %s;\n\n", b.s);
			cg_out(e, "\t\tif (!(X >= %.17g - 1e-9 * %.17g && X <= %.17g + 1e-9 * %.17g)) {\n",
			       lo, hi - lo, hi, hi - lo);
			cg_out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"%sthe field is read at %s = %%g, outside "
			       "its domain (%s in [%g, %g]); set the params it is read at so that it is inside\", "
			       "X);\n\t\t\treturn 1;\n\t\t}\n\t}\n", cg_loc_text(s->rd[r].loc, at, sizeof at),
			       s->m->domain->coord[d], s->m->domain->coord[d], lo, hi);
		}
	}
	buf_free(&b);
}

static const char dinterp_text[] =
"static void\n"
"@__dinterp(const @_model *m, const double *w, double *wx, double *wy)\n"
"{\n"
"\tdouble ax = @__ndim == 2 ? w[1] + w[3] : w[1], ay = w[2] + w[3];\n"
"\tdouble hx = m->h[0], hy = @__ndim == 2 ? m->h[1] : 1;\n"
"\n"
"\twx[0] = -(1 - ay) / hx; wx[1] = (1 - ay) / hx; wx[2] = -ay / hx; wx[3] = ay / hx;\n"
"\twy[0] = -(1 - ax) / hy; wy[1] = -ax / hy; wy[2] = (1 - ax) / hy; wy[3] = ax / hy;\n"
"\tif (@__ndim == 1)\n"
"\t\twy[0] = wy[1] = wy[2] = wy[3] = wx[2] = wx[3] = 0;\n"
"}\n\n";

static void
emit_set_coefs(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em;
	int i, r, nsp = 0;
	char at[32];

	emit_source_helpers(e, pn);
	for (r = 0; r < s->nrd && s->rd[r].kind == RD_INT; r++)
		;
	if (r < s->nrd)            /* integrals alone read no points */
		cg_out(e, "%s", s->ndim == 2 ? read2_text : read_text);
	cg_emit_out_reads(e);
	if (s->nimplicit)
		cg_emit_bow_check(e);
	cg_out(e, "/* Everything that changes only with the params: coefficients,\n"
	       " * sources' and outputs' weights. */\n");
	if (s->npot)
		cg_out(e, "static double @__sav_mass(const @_model *m, long q);\n\n");
	cg_out(e, "%sstatic int\n@__set_coefs(@_model *m, char *err, int errsz)\n{\n", cg_cold(e));
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	cg_out(e, "\tdouble pos[%d][2], (*const dpos)[2][%d] = m->dpos, wx[4], wy[4], *const dd = m->dd;\n",
	       cg_atleast1(s->nsrc + s->nout), cg_atleast1(s->nparams));
	cg_out(e, "\tlong i, j, q;\n");
	cg_out(e, "\tint v, d;\n\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)i; (void)j; (void)q; (void)v; (void)d;\n");
	cg_out(e, "\t(void)pos; (void)dpos; (void)wx; (void)wy; (void)dd; (void)err; (void)errsz;\n");
	em = ex_emitter_new(pn, cg_sym_c, "q");
	for (i = 0; i < l->ncoefs; i++)
		if (l->coefs[i].cls == CO_CONST)
			ex_emitter_add(em, l->coefs[i].e);
	for (i = 0; i < s->nsrc; i++) {
		ex_emitter_add(em, s->src[i].pos[0]);
		ex_emitter_add(em, s->src[i].pos[1]);
	}
	for (i = 0; i < s->nout; i++) {
		ex_emitter_add(em, s->out[i].pos[0]);
		ex_emitter_add(em, s->out[i].pos[1]);
	}
	/* the positions' slopes that are not 0 (most: a net's weights move
	 * no point) */
	for (i = 0; i < 2 * (s->nsrc + s->nout) * s->nparams; i++) {
		Expr *d = i < 2 * s->nsrc * s->nparams ? l->dsrcpos[i] : l->doutpos[i - 2 * s->nsrc * s->nparams];
		if (!ex_is_num(d, 0))
			ex_emitter_add(em, d);
	}
	ex_emitter_flush(em, &e->b, "\t");
	r = 0;
	for (i = 0; i < l->ncoefs; i++)
		if (l->coefs[i].cls == CO_CONST)
			cg_out(e, "\tm->c[%d] = %s;\n", l->coefs[i].slot, ex_emitter_root(em, r++));
	for (i = 0; i < s->nsrc + s->nout; i++) {
		cg_out(e, "\tpos[%d][0] = %s;\n", i, ex_emitter_root(em, r++));
		cg_out(e, "\tpos[%d][1] = %s;\n", i, ex_emitter_root(em, r++));
	}
	/* d position / d param: dpos[point][axis][param] */
	cg_out(e, "\tmemset(m->dpos, 0, sizeof m->dpos);\n");
	for (i = 0; i < 2 * (s->nsrc + s->nout) * s->nparams; i++) {
		Expr *d = i < 2 * s->nsrc * s->nparams ? l->dsrcpos[i] : l->doutpos[i - 2 * s->nsrc * s->nparams];
		if (!ex_is_num(d, 0))
			cg_out(e, "\tdpos[%d][%d][%d] = %s;\n", i / (2 * s->nparams),
			       i / s->nparams % 2, i % s->nparams, ex_emitter_root(em, r++));
	}
	ex_emitter_free(em);

	/* spatial coefficients */
	for (i = 0; i < l->ncoefs; i++)
		nsp += l->coefs[i].cls == CO_SPACE;
	if (nsp) {
		cg_out(e, "\tfor (j = 0; j <= m->n[1]; j++)\n");
		cg_out(e, "\t\tfor (i = 0; i <= m->n[0]; i++) {\n");
		cg_out(e, "\t\t\tconst double x = @__from[0] + i * hx, y = @__from[1] + j * hy;\n");
		cg_out(e, "\t\t\t(void)x; (void)y;\n");
		cg_out(e, "\t\t\tq = i + j * m->nx1;\n");
		em = ex_emitter_new(pn, cg_sym_c, "r");
		for (i = 0; i < l->ncoefs; i++)
			if (l->coefs[i].cls == CO_SPACE)
				ex_emitter_add(em, l->coefs[i].e);
		ex_emitter_flush(em, &e->b, "\t\t\t");
		r = 0;
		for (i = 0; i < l->ncoefs; i++)
			if (l->coefs[i].cls == CO_SPACE)
				cg_out(e, "\t\t\tm->a[%d][q] = %s;\n", l->coefs[i].slot, ex_emitter_root(em, r++));
		ex_emitter_free(em);
		cg_out(e, "\t\t}\n");
	}

	if (rho_checked(s))
		cg_out(e, "\tif (@__rho_check(p, hx, hy, m->n, 1, err, errsz))\n\t\treturn 1;\n\n");
	/* point sources: weights (1 - a)/h, a/h (bilinear / hx hy), over den
	 * times the density there;
	 * points held at 0 by a boundary condition drop theirs */
	for (i = 0; i < s->nsrc; i++) {
		cg_out(e, "\tif (@__interp(m, pos[%d][0], pos[%d][1], m->src_i[%d], m->src_w[%d])) {\n",
		    i, i, i, i);
		if (s->ndim == 2)
			cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"%sthe point source at (%%g, %%g) is outside the "
			       "domain; set the params it is at so that it is inside\", pos[%d][0], pos[%d][1]);\n",
			       cg_loc_text(s->src[i].loc, at, sizeof at), i, i);
		else
			cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"%sthe point source at %s = %%g is outside the "
			       "domain (%s in [%g, %g]); set the params it is at so that it is inside\", pos[%d][0]);\n",
			       cg_loc_text(s->src[i].loc, at, sizeof at), s->m->domain->coord[0],
			       s->m->domain->coord[0], s->from[0], s->to[0], i);
		cg_out(e, "\t\treturn 1;\n\t}\n");
		/* G_v = w_v / (h den_v), den_v den times the density at point
		 * v; dG_v/dp = (w_v,X dX/dp + w_v,Y dY/dp) / (h den_v) - G_v
		 * (d den_v/dp) / den_v */
		cg_out(e, "\t@__dinterp(m, m->src_w[%d], wx, wy);\n", i);
		cg_out(e, "\tfor (v = 0; v < 4; v++) {\n");
		cg_out(e, "\t\tconst double xv = @__from[0] + (m->src_i[%d][v] %% m->nx1) * hx;\n", i);
		cg_out(e, "\t\tconst double yv = @__from[1] + (m->src_i[%d][v] / m->nx1) * hy;\n", i);
		cg_out(e, "\t\tconst double den = @__den(m, xv, yv), hd = @__cell(m, m->src_i[%d][v]);\n", i);
		cg_out(e, "\t\tconst int held = @__held(m, m->src_i[%d][v]);\n", i);
		cg_out(e, "\t\t@__dden(m, xv, yv, dd);\n");
		cg_out(e, "\t\tm->src_w[%d][v] = held ? 0 : m->src_w[%d][v] / hd / den;\n", i, i);
		cg_out(e, "\t\tfor (d = 0; d < %d; d++)\n", s->nparams);
		cg_out(e, "\t\t\tm->src_dw[%d][d][v] = held ? 0 : (wx[v] * dpos[%d][0][d] + wy[v] * dpos[%d][1][d])"
		       " / hd / den - m->src_w[%d][v] * dd[d] / den;\n", i, i, i, i);
		cg_out(e, "\t}\n");
	}
	for (i = 0; i < s->nout; i++) {
		if (s->out[i].lump >= 0 || s->out[i].energy || s->out[i].expr)
			continue;    /* no point of the grid */
		cg_out(e, "\tif (@__interp(m, pos[%d][0], pos[%d][1], m->out_i[%d], m->out_w[%d])) {\n",
		    s->nsrc + i, s->nsrc + i, i, i);
		if (s->ndim == 2)
			cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"%soutput '%%s' at (%%g, %%g) is outside the domain; "
			       "set the params it is at so that it is inside\", @__oname[%d], pos[%d][0], pos[%d][1]);\n",
			       cg_loc_text(s->out[i].loc, at, sizeof at), i, s->nsrc + i, s->nsrc + i);
		else
			cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"%soutput '%%s' at %s = %%g is outside the domain "
			       "(%s in [%g, %g]); set the params it is at so that it is inside\", @__oname[%d], "
			       "pos[%d][0]);\n", cg_loc_text(s->out[i].loc, at, sizeof at), s->m->domain->coord[0],
			       s->m->domain->coord[0], s->from[0], s->to[0], i, s->nsrc + i);
		cg_out(e, "\t\treturn 1;\n\t}\n");
		/* the output's adjoint scatters, but never onto a held point */
		cg_out(e, "\t@__dinterp(m, m->out_w[%d], wx, wy);\n", i);
		cg_out(e, "\tfor (v = 0; v < 4; v++) {\n");
		if (s->attach[0][0] >= 0 || s->attach[0][1] >= 0)   /* an attached end moves */
			cg_out(e, "\t\tm->out_wa[%d][v] = @__held(m, m->out_i[%d][v]) && m->out_i[%d][v] != %s"
			       " && m->out_i[%d][v] != %s ? 0 : m->out_w[%d][v];\n", i, i, i,
			       s->attach[0][0] >= 0 ? "0" : "-1", i, s->attach[0][1] >= 0 ? "m->n[0]" : "-1", i);
		else
			cg_out(e, "\t\tm->out_wa[%d][v] = @__held(m, m->out_i[%d][v]) ? 0 : m->out_w[%d][v];\n", i, i, i);
		cg_out(e, "\t\tfor (d = 0; d < %d; d++)\n", s->nparams);
		cg_out(e, "\t\t\tm->out_dw[%d][d][v] = wx[v] * dpos[%d][0][d] + wy[v] * dpos[%d][1][d];\n",
		       i, s->nsrc + i, s->nsrc + i);
		cg_out(e, "\t}\n");
	}
	emit_read_check(e, pn);
	if (s->nord && e->l->step->exprout)
		cg_out(e, "\tif (@__ocheck(m, err, errsz))\n\t\treturn 1;\n");
	if (s->nimplicit)          /* a bow's equation has one root (emit_bow.c) */
		cg_out(e, "\tif (@__bowcheck(m, 0, err, errsz))\n\t\treturn 1;\n");
	/* the potentials' masses per state, of params and place: the
	 * steps read them (a 2D tom recomputed them at every point of every
	 * step: 75 % of its run) */
	if (s->npot)
		cg_out(e, "\tfor (q = 0; q < m->npts; q++)\n\t\tm->savm[q] = @__sav_mass(m, q);\n");
	cg_out(e, "\treturn 0;\n}\n\n");
	cg_free_refs(pn, s->nparams);
}

/* ---- life cycle ---- */

/* @_reset's part for lumped objects (z[0] = init z, z[-1] = z[0] - k
 * init z.t, after the grid's points) and the ends attached to them. */
static void
emit_reset_parts(Emit *e, const char **pn)
{
	const Scheme *s = e->s;
	ExprEmitter *em;
	int j, r, ax, side;

	if (!s->nlump)
		return;
	cg_out(e, "\t{\n\t\tconst long g = m->nx1 * (m->n[1] + 1);\n\n");
	em = ex_emitter_new(pn, cg_sym_c, "z");
	for (j = 0; j < s->nlump; j++) {
		ex_emitter_add(em, s->lump[j].init);
		ex_emitter_add(em, s->lump[j].init_t);
	}
	ex_emitter_flush(em, &e->b, "\t\t");
	for (j = 0; j < s->nlump; j = r) {
		const char *z = ex_emitter_root(em, 2 * j), *zt = ex_emitter_root(em, 2 * j + 1);
		/* a run of objects with the same start (a chain at rest) is a loop */
		for (r = j + 1; r < s->nlump && s->lump[r].init == s->lump[j].init
		     && s->lump[r].init_t == s->lump[j].init_t; r++)
			;
		if (r - j >= 4) {
			cg_out(e, "\t\tfor (long zq = g + %d; zq < g + %d; zq++) {\n", j, r);
			cg_out(e, "\t\t\tm->u[zq] = %s;\n\t\t\tm->up[zq] = m->u[zq] - k * (%s);\n\t\t}\n", z, zt);
			continue;
		}
		r = j + 1;
		cg_out(e, "\t\tm->u[g + %d] = %s;\n", j, z);
		cg_out(e, "\t\tm->up[g + %d] = m->u[g + %d] - k * (%s);\n", j, j, zt);
	}
	ex_emitter_free(em);
	for (ax = 0; ax < s->ndim; ax++)
		for (side = 0; side < 2; side++)
			if (s->attach[ax][side] >= 0) {
				cg_out(e, "\t\tm->u[%s] = m->u[g + %d];\n", side ? "m->n[0]" : "0",
				       s->attach[ax][side]);
				cg_out(e, "\t\tm->up[%s] = m->up[g + %d];\n", side ? "m->n[0]" : "0",
				       s->attach[ax][side]);
			}
	cg_out(e, "\t}\n");
}

/* The point helpers (interp, dinterp, held, read) are written for any
 * model that reads or drives a point, a model of lumped objects only too,
 * whose outputs read none of them: used once, here, so that its C
 * compiles without warnings (-Wall -Wextra) */
static void
keep_helpers(Emit *e)
{
	const Scheme *s = e->s;
	int r;

	if (s->nsrc + s->nout || s->npot)
		cg_out(e, "\t(void)@__interp; (void)@__dinterp;\n");
	if (s->nsrc + s->nout)
		cg_out(e, "\t(void)@__held;\n");
	for (r = 0; r < s->nrd && s->rd[r].kind == RD_INT; r++)
		;
	if (r < s->nrd)
		cg_out(e, "\t(void)@__read;\n");
}

/* @_time_error(m, t): the first point source's strength or coefficient
 * of time (not of the state) that is not a finite number at t, said at
 * its place: a render that blew up asks (a time signal of log(t) at t =
 * 0 read "the scheme is unstable") */
static void
emit_time_error(Emit *e)
{
	const Scheme *s = e->s;
	const Loops *l = e->l;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "w");
	int i, *root = mem_alloc((size_t)(s->nsrc + l->ncoefs + 1) * sizeof *root), any = 0;
	char at[32];

	for (i = 0; i < s->nsrc; i++) {
		root[i] = s->src[i].state || s->src[i].implicit >= 0 || !(s->src[i].strength->deps & (1u << SYM_T))
		          ? -1 : ex_emitter_add(em, s->src[i].strength);
		any |= root[i] >= 0;
	}
	for (i = 0; i < l->ncoefs; i++) {
		const Coef *c = &l->coefs[i];
		root[s->nsrc + i] = c->cls != CO_TIME || (c->e->deps & DEP_STATE) ? -1 : ex_emitter_add(em, c->e);
		any |= root[s->nsrc + i] >= 0;
	}
	if (any) {
		cg_out(e, "int\n@_time_error(const @_model *m, double t, char *err, int errsz)\n{\n");
		cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n\n");
		cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy;\n");
		ex_emitter_flush(em, &e->b, "\t");
		for (i = 0; i < s->nsrc + l->ncoefs; i++) {
			if (root[i] < 0)
				continue;
			cg_loc_text(i < s->nsrc ? s->src[i].loc : s->m->pde->value->loc, at, sizeof at);
			cg_out(e, "\tif (!isfinite(%s)) {\n\t\tsnprintf(err, (size_t)errsz, \"%s%s is not a finite number "
			       "at t = %%.9g s: a division by zero, or log or sqrt outside its domain, in a time signal "
			       "there; write it so that it is finite at every t\", t);\n\t\treturn 1;\n\t}\n",
			       ex_emitter_root(em, root[i]), at, i < s->nsrc ? "this point source's strength"
			       : "a coefficient of this pde that varies in time");
		}
		cg_out(e, "\treturn 0;\n}\n\n");
	}
	ex_emitter_free(em);
	mem_free(root);
	cg_free_refs(pn, s->nparams);
}

/* @_gains(params, msg, size): 1 with a warning in msg when a loss term
 * gives energy at these values (ir.h Scheme.damp: t60_sigma1 with T2 >
 * T1 makes 2 sigma1 u.xxt one; the planner then takes a grid coarse
 * enough to hold it, and the partials move flat, 85 cents on a guitar's
 * 14th: a probe's), else 0 */
static void
emit_gains(Emit *e)
{
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, cg_sym_c, "g");
	int *root = mem_alloc(sizeof *root * (size_t)(s->ndamp + 1)), i;
	char at[32];

	cg_out(e, "%sint\n@_gains(const double *params, char *msg, int msgsz)\n{\n", cg_cold(e));
	cg_out(e, "\tconst double *p = params ? params : @__pdef;\n\n\t(void)p; (void)msg; (void)msgsz;\n");
	for (i = 0; i < s->ndamp; i++)
		root[i] = ex_emitter_add(em, s->damp[i]);
	if (s->ndamp)
		ex_emitter_flush(em, &e->b, "\t");
	for (i = 0; i < s->ndamp; i++) {
		cg_loc_text(s->damp_loc, at, sizeof at);
		if (!strchr(s->damp_what[i], 't')) {    /* a stiffness: discretise.c add_damp */
			cg_out(e, "\tif (%s < 0) {\n\t\tsnprintf(msg, (size_t)msgsz, \"%sthe stiffness term in %s has "
			       "the sign that gives energy (a bending stiffness of %%g, below 0): the continuum is "
			       "unstable and only the grid's cutoff holds it, so the grid planned is coarse and the "
			       "partials go flat; a stiff string or a bar is written - kappa^2 * u.xxxx\", %s);\n"
			       "\t\treturn 1;\n\t}\n", ex_emitter_root(em, root[i]), at, s->damp_what[i],
			       ex_emitter_root(em, root[i]));
			continue;
		}
		cg_out(e, "\tif (%s < 0) {\n\t\tsnprintf(msg, (size_t)msgsz, \"%sthe loss term in %s gives energy at "
		       "these values, where it should take it (a rate of %%g, below 0): the partials it reaches "
		       "grow, so the grid planned is coarse enough to hold them and the partials move (the "
		       "stdlib's t60_sigma1 makes one when T2 > T1, t60_sigma0 when T1 at f1 is too long for "
		       "T2 at f2); give the loss the other sign\", %s);\n\t\treturn 1;\n\t}\n",
		       ex_emitter_root(em, root[i]), at, s->damp_what[i], ex_emitter_root(em, root[i]));
	}
	cg_out(e, "\treturn 0;\n}\n\n");
	ex_emitter_free(em);
	mem_free(root);
	cg_free_refs(pn, s->nparams);
}

static void
emit_lifecycle(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	const char **pn = cg_param_refs(e);
	ExprEmitter *em;
	int r0, r1;

	if (s->nimplicit) {        /* a bow's failed solve (emit_loop.c c_solve) */
		cg_out(e, "int\n@_solve_error(const @_model *m, char *err, int errsz)\n{\n");
		cg_out(e, "\tif (m->bow_fail < 0)\n\t\treturn 0;\n");
		/* a checked bow's equation has one root, which bisection finds
		 * where Newton does not (emit_loop.c c_solve): it fails only
		 * where the force is not finite */
		/* (4: a force that varies in time, pressed too hard later than
		 * t = 0, at a step c_solve checks it) */
		cg_out(e, "\tif (m->bow_bisect == 4 && @__bowcheck(m, m->bow_fail, err, errsz))\n\t\treturn 1;\n");
		cg_out(e, "\tif (m->bow_bisect == 4) {\n\t\tsnprintf(err, (size_t)errsz, \"the bow at %s = %s is pressed "
		       "too hard at t = %%.9g s (step %%ld): its Newton equation has one root only while c max dS/dv < 1 "
		       "on this grid, and then it is %%g (docs/language.md 16); lighten the bow "
		       "at that time or soften its friction curve\", m->bow_x, %sm->bow_fail, "
		       "(long)(m->bow_fail / m->k + 0.5), m->bow_cds);\n\t\treturn 1;\n\t}\n",
		       s->ndim == 2 ? "(x, y)" : "x", s->ndim == 2 ? "(%g, %g)" : "%g", s->ndim == 2 ? "m->bow_y, " : "");
		cg_out(e, "\tsnprintf(err, (size_t)errsz, \"the velocity-dependent force at %s = %s: %%s at t = %%.9g s "
		       "(step %%ld): %%s; a lighter force, or a friction curve less steep\", m->bow_x, %s"
		       "m->bow_bisect ? \"no root of its equation was found, by Newton's method or by bisection\" : "
		       "\"Newton's method did not converge\", m->bow_fail, (long)(m->bow_fail / m->k + 0.5), "
		       "m->bow_bisect == 3 ? \"the force jumps there with the velocity (a sign, select or step of it): "
		       "its equation has no root while the bow sticks; write the friction curve smooth (tanh(v / 0.001), "
		       "say)\" : m->bow_bisect ? \"the force is not finite near it\" : \"the force may have no root there, or "
		       "several (its slope reads the state elsewhere, which the start-up check does not cover)\");\n",
		       s->ndim == 2 ? "(x, y)" : "x", s->ndim == 2 ? "(%g, %g)" : "%g", s->ndim == 2 ? "m->bow_y, " : "");
		cg_out(e, "\treturn 1;\n}\n\n");
	}
	emit_time_error(e);
	emit_gains(e);
	cg_out(e, "void\n@_reset(@_model *m)\n{\n");
	cg_out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	cg_out(e, "\tlong i, j, q;\n\n");
	cg_out(e, "\t(void)p; (void)k; (void)hx; (void)hy;\n");
	cg_out(e, "\tmemset(m->mem, 0, (size_t)(3 * m->nst) * sizeof(double));\n");
	cg_out(e, "\tm->u = m->mem;\n\tm->up = m->mem + m->nst;\n\tm->un = m->mem + 2 * m->nst;\n");
	cg_out(e, "\tm->step = 0;\n");
	if (s->nimplicit)
		cg_out(e, "\tm->bow_fail = -1;\n");
	if (s->init_u || s->init_ut) {
		/* u[0] = init u, u[-1] = init u - k init u.t (spec section 5) */
		cg_out(e, "\tfor (j = %d; j <= m->n[1] + %d; j++)\n", l->first[1], l->last_off[1]);
		cg_out(e, "\t\tfor (i = %d; i <= m->n[0] + %d; i++) {\n", l->first[0], l->last_off[0]);
		cg_out(e, "\t\t\tconst double x = @__from[0] + i * hx, y = @__from[1] + j * hy;\n");
		cg_out(e, "\t\t\t(void)x; (void)y;\n");
		em = ex_emitter_new(pn, cg_sym_c, "r");
		r0 = ex_emitter_add(em, s->init_u ? s->init_u : ex_num(s->pool, 0));
		r1 = ex_emitter_add(em, s->init_ut ? s->init_ut : ex_num(s->pool, 0));
		ex_emitter_flush(em, &e->b, "\t\t\t");
		cg_out(e, "\t\t\tq = i + j * m->nx1;\n");
		cg_out(e, "\t\t\tm->u[q] = %s;\n", ex_emitter_root(em, r0));
		cg_out(e, "\t\t\tm->up[q] = m->u[q] - k * (%s);\n", ex_emitter_root(em, r1));
		cg_out(e, "\t\t}\n");
		ex_emitter_free(em);
	} else {
		cg_out(e, "\t(void)i; (void)j; (void)q;\n");
	}
	emit_reset_parts(e, pn);
	if (s->npot)
		cg_out(e, "\t@__sav_init(m);\n");
	cg_out(e, "}\n\n");
	cg_free_refs(pn, s->nparams);

	/* the initial state finite: else the first step's blow-up would be
	 * blamed on the scheme */
	{
		char au[32] = "", at[32] = "";
		if (s->m->init_u)
			cg_loc_text(s->m->init_u->value->loc, au, sizeof au);
		if (s->m->init_ut)
			cg_loc_text(s->m->init_ut->value->loc, at, sizeof at);
		cg_out(e, "static int\n@__init_check(const @_model *m, char *err, int errsz)\n{\n");
		cg_out(e, "\tconst long ng = m->nx1 * (m->n[1] + 1);\n\tlong q;\n\n");
		cg_out(e, "\tfor (q = 0; q < m->npts; q++) {\n");
		cg_out(e, "\t\tconst int bad = !isfinite(m->u[q]) ? 1 : !isfinite(m->up[q]) ? 2 : 0;\n\n");
		cg_out(e, "\t\tif (!bad)\n\t\t\tcontinue;\n");
		if (s->npot) {   /* SAV's psi = sqrt(2 V + eps), the last value */
			char ap[32] = "";
			cg_loc_text(s->pot_loc, ap, sizeof ap);
			cg_out(e, "\t\tif (q == m->npts - 1)\n\t\t\tsnprintf(err, (size_t)errsz, \"%sthe potential's "
			       "energy is negative (or not a number) at the initial state for the params in force; a "
			       "stored energy must be >= 0 for every allowed value (docs/language.md 17): check its sign and "
			       "the params' ranges\");\n\t\telse ", ap);
		}
		cg_out(e, "\t\tif (q >= ng)\n\t\t\tsnprintf(err, (size_t)errsz, \"the initial state of lumped "
		       "object %%ld is not a finite number; check its init\", q - ng);\n");
		cg_out(e, "\t\telse\n\t\t\tsnprintf(err, (size_t)errsz, \"%%sthe initial %%s is not a finite number "
		       "at %s: a division by zero, or log or sqrt outside its domain, there\", bad == 1 ? \"%s\" : "
		       "\"%s\", bad == 1 ? \"displacement (init %s)\" : \"velocity (init %s.t)\", %s);\n",
		       s->ndim == 2 ? "(x, y) = (%g, %g)" : "x = %g", au, at, s->m->field->name, s->m->field->name,
		       s->ndim == 2 ? "@__from[0] + (double)(q % m->nx1) * m->h[0], @__from[1] + (double)(q / m->nx1) * m->h[1]"
		                    : "@__from[0] + (double)q * m->h[0]");
		cg_out(e, "\t\treturn 1;\n\t}\n\treturn 0;\n}\n\n");
	}
	cg_out(e, "@_model *\n@_create(const double *params, double rate, const int *grid, char *err, int errsz)\n{\n");
	cg_out(e, "\t@_model *m;\n\tint n[2], d;\n\tdouble h[2];\n\tlong np;\n\n");
	cg_out(e, "\tif (@_plan(params, rate, grid, n, h, err, errsz))\n\t\treturn 0;\n");
	cg_out(e, "\tm = (@_model *)calloc(1, sizeof *m);\n");
	cg_out(e, "\tif (!m) {\n\t\tsnprintf(err, (size_t)errsz, \"out of memory\");\n\t\treturn 0;\n\t}\n");
	cg_out(e, "\tmemcpy(m->p, params ? params : @__pdef, sizeof(double) * %d);\n", s->nparams);
	cg_out(e, "\tm->rate = rate > 0 ? rate : @_default_rate();\n");
	cg_out(e, "\tm->k = 1.0 / m->rate;\n");
	keep_helpers(e);
	cg_out(e, "\tfor (d = 0; d < 2; d++) {\n\t\tm->n[d] = n[d];\n\t\tm->h[d] = h[d];\n\t}\n");
	/* the lumped objects' values follow the grid's points in each state,
	 * then the bows' roots (the next step's first guess: a state, so a
	 * step recomputed from a checkpoint finds the same root) */
	if (scheme_nextra(s))   /* psi last (emit_sav.c) */
		cg_out(e, "\tm->nx1 = n[0] + 1;\n\tm->npts = m->nx1 * (n[1] + 1) + %d;\n", scheme_nextra(s));
	else
		cg_out(e, "\tm->nx1 = n[0] + 1;\n\tm->npts = m->nx1 * (n[1] + 1);\n");
	/* aligned rows: the sweeps' vector loads and stores of u, up and un
	 * then fall alike on cache lines (15 % faster on small grids) */
	cg_out(e, "\tnp = m->npts;\n\tm->nst = (np + 7) / 8 * 8;\n");
	cg_out(e, "\tm->mem0 = calloc((size_t)(3 + %d) * (size_t)m->nst + 8, sizeof(double));\n",
	    l->nclass[CO_SPACE] + l->step->energy * (e->grad ? 8 : 2));
	cg_out(e, "\tif (!m->mem0) {\n\t\tfree(m);\n\t\tsnprintf(err, (size_t)errsz, \"out of memory for a grid of %%ld points\", np);\n\t\treturn 0;\n\t}\n");
	if (s->npot) {
		cg_out(e, "\tif (!(m->savs = (double *)calloc(3 * (size_t)np, sizeof(double)))) {\n\t\tfree(m->mem0);\n"
		       "\t\tfree(m);\n\t\tsnprintf(err, (size_t)errsz, \"out of memory for a grid of %%ld points\", np);\n"
		       "\t\treturn 0;\n\t}\n\tm->savm = m->savs + 2 * np;\n");
	}
	cg_out(e, "\tm->mem = (double *)((char *)m->mem0 + (64 - (size_t)m->mem0 %% 64) %% 64);\n");
	cg_out(e, "\tfor (d = 0; d < %d; d++)\n\t\tm->a[d] = m->mem + (3 + d) * m->nst;\n", l->nclass[CO_SPACE]);
	if (l->step->energy)
		cg_out(e, "\tm->escr = m->mem + (3 + %d) * m->nst;\n\tm->escr2 = m->escr + (%d) * m->nst;\n",
		       l->nclass[CO_SPACE], e->grad ? 7 : 1);
	if (l->step->energy && e->grad)
		cg_out(e, "\tm->eadj = m->mem + (4 + %d) * m->nst;\n", l->nclass[CO_SPACE]);
	cg_out(e, "\tif (@__set_coefs(m, err, errsz)) {\n\t\t@_destroy(m);\n\t\treturn 0;\n\t}\n");
	cg_out(e, "\t@_reset(m);\n");
	cg_out(e, "\tif (@__init_check(m, err, errsz)) {\n\t\t@_destroy(m);\n\t\treturn 0;\n\t}\n");
	cg_out(e, "\treturn m;\n}\n\n");

	cg_out(e, "int\n@_set_params(@_model *m, const double *params, char *err, int errsz)\n{\n");
	cg_out(e, "\tdouble *const save = m->psave;\n");
	cg_out(e, "\tint d;\n\tdouble len[2];\n\n");
	cg_out(e, "\tif (!params)\n\t\tparams = @__pdef;\n");
	cg_out(e, "\tif (@__checkp(params, err, errsz))\n\t\treturn 1;\n");
	cg_out(e, "\tif (!@__stable(params, m->k, m->h[0], m->h[%d], m->n, 0)) {\n", s->ndim == 2);
	cg_out(e, "\t\tint best[2];\n");
	cg_out(e, "\t\tfor (d = 0; d < 2; d++)\n\t\t\tlen[d] = m->h[d] * m->n[d];\n");
	cg_out(e, "\t\tif (@__finest(params, m->k, len, 0, best, err, errsz))\n\t\t\treturn 1;\n");
	cg_out(e, "\t\tsnprintf(err, (size_t)errsz, \"these params make grid %%d unstable; "
	       "the largest stable N is %%d: create the model again\", m->n[0], best[0]);\n");
	cg_out(e, "\t\treturn 1;\n\t}\n");
	cg_out(e, "\tmemcpy(save, m->p, sizeof(double) * %d);\n", s->nparams);
	cg_out(e, "\tmemcpy(m->p, params, sizeof(double) * %d);\n", s->nparams);
	cg_out(e, "\tif (@__set_coefs(m, err, errsz)) {\n");
	cg_out(e, "\t\tmemcpy(m->p, save, sizeof(double) * %d);\n", s->nparams);
	cg_out(e, "\t\t@__set_coefs(m, err, errsz);\n\t\treturn 1;\n\t}\n");
	cg_out(e, "\treturn 0;\n}\n\n");

	cg_out(e, "void\n@_destroy(@_model *m)\n{\n\tif (m) {\n\t\tfree(m->mem0);\n");
	if (s->npot)
		cg_out(e, "\t\tfree(m->savs);\n");
	cg_out(e, "\t\tfree(m->ck);\n\t\tfree(m->seg);\n\t\tfree(m->lam);\n\t\tfree(m->gk);\n\t\tfree(m->ck_idx);\n");
	cg_out(e, "\t\tfree(m);\n\t}\n}\n\n");
	cg_out(e, "void\n@_grid(const @_model *m, int *n, double *h)\n{\n\tint d;\n\n");
	cg_out(e, "\tfor (d = 0; d < %d; d++) {\n\t\tif (n)\n\t\t\tn[d] = m->n[d];\n", s->ndim);
	cg_out(e, "\t\tif (h)\n\t\t\th[d] = m->h[d];\n\t}\n}\n\n");
	cg_out(e, "double\n@_stability(const @_model *m)\n{\n\treturn @__margin(m);\n}\n\n");
	cg_out(e, "const double *\n@_state(const @_model *m, int level)\n{\n\treturn level == 0 ? m->u : m->up;\n}\n\n");
	cg_out(e, "double\n@_rate(const @_model *m)\n{\n\treturn m->rate;\n}\n\n");
}

/* h / h_min: how far the grid is from the stability limit. */
static void
emit_margin(Emit *e)
{
	const Scheme *s = e->s;

	const int scan = varies_in_space(e);

	cg_out(e, "static double\n@__margin%s(const @_model *m)\n{\n", scan ? "0" : "");
	cg_out(e, "\tdouble len[2] = {m->h[0] * m->n[0], m->h[1] * m->n[1]}, hm;\n\tint bad;\n\n");
	/* bad 2: h_min is below the bound of 1e8 points, hm, and the margin
	 * at least h / hm (a very slow wave) */
	cg_out(e, "\thm = @__hmin(m->p, m->k, len, 0, &bad);\n");
	if (s->ndim == 2) {    /* no square grid: how much finer this one may be (@__strip) */
		cg_out(e, "\tif (bad == 1) {\n\t\tdouble lo = 0, hi = 1, mid;\n\t\tint it;\n\n");
		cg_out(e, "\t\twhile (hi < 1e6 && @__stable(m->p, m->k, m->h[0] / hi, m->h[1] / hi, 0, 0))\n\t\t\tlo = hi, hi *= 2;\n");
		cg_out(e, "\t\tfor (it = 0; it < 60 && hi - lo > 1e-12 * hi; it++) {\n\t\t\tmid = 0.5 * (lo + hi);\n");
		cg_out(e, "\t\t\tif (@__stable(m->p, m->k, m->h[0] / mid, m->h[1] / mid, 0, 0))\n\t\t\t\tlo = mid;\n\t\t\telse\n\t\t\t\thi = mid;\n\t\t}\n");
		cg_out(e, "\t\treturn lo;\n\t}\n");
	} else
		cg_out(e, "\tif (bad == 1)\n\t\treturn 0;\n");
	/* 2D: the s that brings (hx / s, hy / s) to the limit, between
	 * min(hx, hy) / hm and max(hx, hy) / hm (a cell longer one way than
	 * the other is stable finer than its short side says) */
	if (s->ndim == 2) {
		cg_out(e, "\t{\n\t\tdouble lo = (m->h[0] < m->h[1] ? m->h[0] : m->h[1]) / hm, "
		       "hi = (m->h[0] < m->h[1] ? m->h[1] : m->h[0]) / hm, mid;\n\t\tint it;\n\n");
		cg_out(e, "\t\tif (bad || @__stable(m->p, m->k, m->h[0] / hi, m->h[1] / hi, 0, 0))\n\t\t\treturn bad ? lo : hi;\n");
		cg_out(e, "\t\tfor (it = 0; it < 60 && hi - lo > 1e-12 * hi; it++) {\n");
		cg_out(e, "\t\t\tmid = 0.5 * (lo + hi);\n");
		cg_out(e, "\t\t\tif (@__stable(m->p, m->k, m->h[0] / mid, m->h[1] / mid, 0, 0))\n\t\t\t\tlo = mid;\n\t\t\telse\n\t\t\t\thi = mid;\n\t\t}\n");
		cg_out(e, "\t\treturn lo;\n\t}\n}\n\n");
	} else
		cg_out(e, "\treturn m->h[0] / hm;\n}\n\n");
	if (!scan)
		return;
	/* coefficients that vary in space: h_min's search samples a few
	 * points, the grid's check scans them all (@__stable with n); the
	 * margin is the scan's, the largest s for which the grid of h / s
	 * passes it, searched up from the grid itself: a coarser grid may
	 * fail where this one passes, its points nearer a bump's top (a
	 * tension bump between the samples: 3.39 printed for a grid at its
	 * limit) */
	cg_out(e, "static double\n@__margin(const @_model *m)\n{\n");
	cg_out(e, "\tdouble lo = 0, hi = @__margin0(m), s, h[2];\n\tint it, d, nn[2] = {0, 0};\n\n");
	cg_out(e, "\tfor (it = 0; it < 40 && hi > 0 && hi - lo > 1e-5 * hi; it++) {\n");
	/* hi, then the grid itself (which passed when made: from there up) */
	cg_out(e, "\t\ts = it == 0 ? hi : it == 1 && hi > 1 ? 1 : 0.5 * (lo + hi);\n");
	cg_out(e, "\t\tfor (d = 0; d < %d; d++) {\n", s->ndim);
	cg_out(e, "\t\t\th[d] = m->h[d] / s;\n");
	cg_out(e, "\t\t\tif ((nn[d] = (int)floor(m->h[d] * m->n[d] / h[d] * (1 + 1e-12))) < 1)\n\t\t\t\tnn[d] = 1;\n\t\t}\n");
	cg_out(e, "\t\tif (@__stable(m->p, m->k, h[0], %s, nn, 0)) {\n", s->ndim == 2 ? "h[1]" : "h[0]");
	cg_out(e, "\t\t\tif (!it)\n\t\t\t\treturn hi;\n\t\t\tlo = s;\n\t\t} else\n\t\t\thi = s;\n\t}\n");
	cg_out(e, "\treturn lo;\n}\n\n");
}

static void
emit_consts(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;

	cg_out(e, "enum { @__ndim = %d };\n", s->ndim);
	cg_out(e, "static const double @__from[2] = {%.17g, %.17g};\n", s->from[0],
	    s->ndim == 2 ? s->from[1] : 0.0);
	cg_out(e, "static const int @__minn[2] = {%d, %d};\n", l->min_n[0], l->min_n[1]);
	cg_out(e, "\nstatic double\n@__npoints(const double *len, double h)\n{\n");
	cg_out(e, "\tdouble n = 1;\n\tint d;\n\n\tfor (d = 0; d < @__ndim; d++)\n");
	cg_out(e, "\t\tn *= floor(len[d] / h) + 1;\n\treturn n;\n}\n\n");
}

/* Eight lanes as vectors where the compiler has vectors (GCC, clang):
 * the adjoint sweep then loads each value once and keeps u[q] in a
 * register, where these compilers fold the load into every use and run
 * out of load slots.  A vector is as wide as the target's registers
 * (DPM_W doubles: 8 with AVX-512, 4 with AVX, else 2), the eight lanes
 * 8 / DPM_W of them: a sum kept across the loop in a vector wider than a
 * register lives in memory, and its halves' stores and loads cost 2.5x
 * the whole sweep on a Zen 3.  Lane by lane the same operations in the
 * same order as the scalar form TinyCC gets: the same bits.  DPM_L0(s)
 * is lane 0 of the lanes s. */
static const char vec_text[] =
"#if defined(__GNUC__) && !defined(__TINYC__) && !defined(DPM_NO_VEC)\n"
"#define DPM_VEC 1\n"
"#if defined(__AVX512F__)\n"
"#define DPM_W 8\n"
"#elif defined(__AVX__)\n"
"#define DPM_W 4\n"
"#else\n"
"#define DPM_W 2\n"
"#endif\n"
"typedef double dpm_vw __attribute__((vector_size(DPM_W * 8), aligned(8), may_alias));\n"
"#define DPM_V(p, i) (*(const dpm_vw *)((p) + (i)))\n"
"#define DPM_L0(s) s##_0[0]\n"
"#if defined(__x86_64__)\n"
"#define DPM_KEEP(x) __asm__(\"\" : \"+v\"(x))\n"
"#else\n"
"#define DPM_KEEP(x) ((void)0)\n"
"#endif\n"
"#else\n"
"#define DPM_L0(s) s[0]\n"
"#endif\n"
"/* a long straight-line function of few runs (the energy's parts and its\n"
" * adjoint, thousands of lines for a bridge of 240 reads): GCC's -O3 spent\n"
" * 18 of a model's 20 s on two of them, -O1 3 s; the same bits (not\n"
" * under -O0: raised to -O1 there, they took 4 of a -O0 compile's 7 s) */\n"
"#if defined(__GNUC__) && !defined(__clang__) && !defined(__TINYC__) && defined(__OPTIMIZE__)\n"
"#define DPM_LONG __attribute__((optimize(\"O1\")))\n"
"#else\n"
"#define DPM_LONG\n"
"#endif\n"
"/* a count one thread writes (holding a mutex) and another watches */\n"
"#if defined(__GNUC__) && !defined(__TINYC__)\n"
"#define DPM_ATOMIC 1\n"
"#define DPM_PEEK(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)\n"
"#define DPM_POKE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)\n"
"#elif defined(__TINYC__) && defined(__x86_64__)\n"
"/* TinyCC has no atomics, but keeps every volatile access where it is,\n"
" * and an aligned 8-byte load or store on x86-64 is atomic and ordered */\n"
"#define DPM_ATOMIC 1\n"
"#define DPM_PEEK(x) (*(volatile long *)&(x))\n"
"#define DPM_POKE(x, v) (*(volatile long *)&(x) = (v))\n"
"#else\n"
"#define DPM_PEEK(x) (x)\n"
"#define DPM_POKE(x, v) ((x) = (v))\n"
"#endif\n"
"/* code run once a gradient whose straight-line text a big net makes\n"
" * long: optimised, its thousands of live values take the register\n"
" * allocator minutes (a net of 4400 weights: gcc -O3 39 s, clang -O2\n"
" * 23 s, for microseconds of run time).  The same operations: the same\n"
" * bits. */\n"
"#if defined(__clang__)\n"
"#define DPM_COLD __attribute__((optnone, noinline))\n"
"#elif defined(__GNUC__) && !defined(__TINYC__)\n"
"#define DPM_COLD __attribute__((optimize(\"O0\")))\n"
"#else\n"
"#define DPM_COLD\n"
"#endif\n\n";

/* ISO C99 and libm, unless threads are asked for (DPM_THREADS, or a host
 * compiled with -pthread, which defines _REENTRANT): then POSIX threads
 * share a gradient's work (ck.tmpl), and /proc and the load average say
 * how much of the machine is free.  Without them every call below is
 * one thread's: locks do nothing and no thread is ever started. */
static const char threads_text[] =
"#if defined(DPM_NO_THREADS)\n"
"#undef DPM_THREADS\n"
"#elif !defined(DPM_THREADS) && defined(_REENTRANT)\n"
"#define DPM_THREADS 1\n"
"#endif\n"
"#ifdef DPM_THREADS\n"
"/* _GNU_SOURCE: sched_getaffinity, where there is one */\n"
"#define _POSIX_C_SOURCE 200809L\n"
"#define _GNU_SOURCE 1\n"
"#endif\n"
"#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
"#ifdef DPM_THREADS\n"
"#include <fcntl.h>\n#include <pthread.h>\n#include <sched.h>\n#include <time.h>\n#include <unistd.h>\n"
"typedef pthread_mutex_t dpm_pt_mutex_t;\n"
"typedef pthread_cond_t dpm_pt_cond_t;\n"
"typedef pthread_t dpm_pt_t;\n"
"typedef pthread_once_t dpm_pt_once_t;\n"
"#define DPM_PT_ONCE_INIT PTHREAD_ONCE_INIT\n"
"#define dpm_pt_once pthread_once\n"
"#define dpm_pt_mutex_init pthread_mutex_init\n"
"#define dpm_pt_mutex_destroy pthread_mutex_destroy\n"
"#define dpm_pt_mutex_lock pthread_mutex_lock\n"
"#define dpm_pt_mutex_unlock pthread_mutex_unlock\n"
"#define dpm_pt_cond_init pthread_cond_init\n"
"#define dpm_pt_cond_destroy pthread_cond_destroy\n"
"#define dpm_pt_cond_wait pthread_cond_wait\n"
"#define dpm_pt_cond_broadcast pthread_cond_broadcast\n"
"#define dpm_pt_create pthread_create\n"
"#define dpm_pt_join pthread_join\n"
"#define dpm_loadavg(l) (getloadavg((l), 1) == 1)\n"
"#define DPM_CLOCK_WALL CLOCK_MONOTONIC\n"
"#ifdef CLOCK_THREAD_CPUTIME_ID\n"
"#define DPM_CLOCK_CPU CLOCK_THREAD_CPUTIME_ID\n"
"#else\n"
"#define DPM_CLOCK_CPU CLOCK_MONOTONIC\n"
"#endif\n"
"#else\n"
"typedef int dpm_pt_mutex_t, dpm_pt_cond_t, dpm_pt_t, dpm_pt_once_t;\n"
"#define DPM_PT_ONCE_INIT 0\n"
"/* a host's threads may still make instances at once (one per thread):\n"
" * the once by the compiler's atomics where it has them, 0 -> 1 (made by\n"
" * one) -> 2 (made); else f is run to the end before the flag is set */\n"
"#if defined(__GNUC__) && !defined(__TINYC__)\n"
"static void\n"
"dpm_pt_once(dpm_pt_once_t *o, void (*f)(void))\n"
"{\n"
"\tint s = __atomic_load_n(o, __ATOMIC_ACQUIRE);\n"
"\n"
"\tif (s == 0 && __atomic_compare_exchange_n(o, &s, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {\n"
"\t\tf();\n"
"\t\t__atomic_store_n(o, 2, __ATOMIC_RELEASE);\n"
"\t}\n"
"\twhile (__atomic_load_n(o, __ATOMIC_ACQUIRE) != 2)\n"
"\t\t;\n"
"}\n"
"#else\n"
"static void dpm_pt_once(dpm_pt_once_t *o, void (*f)(void)) { if (!*(volatile int *)o) { f(); *(volatile int *)o = 2; } }\n"
"#endif\n"
"#define dpm_pt_mutex_init(m, a) ((void)(m), 0)\n"
"#define dpm_pt_mutex_destroy(m) ((void)(m))\n"
"#define dpm_pt_mutex_lock(m) ((void)(m))\n"
"#define dpm_pt_mutex_unlock(m) ((void)(m))\n"
"#define dpm_pt_cond_init(c, a) ((void)(c), 0)\n"
"#define dpm_pt_cond_destroy(c) ((void)(c))\n"
"#define dpm_pt_cond_wait(c, m) ((void)(c), (void)(m))\n"
"#define dpm_pt_cond_broadcast(c) ((void)(c))\n"
"#define dpm_pt_create(t, a, f, arg) ((void)(t), (void)(f), (void)(arg), -1)\n"
"#define dpm_pt_join(t, r) ((void)(t))\n"
"#define dpm_loadavg(l) ((void)(l), 0)\n"
"#define DPM_CLOCK_WALL 0\n"
"#define DPM_CLOCK_CPU 0\n"
"#endif\n\n";

char *
cg_emit_c(const Loops *l, const char *prefix, int what)
{
	Emit e = {0};

	e.pre = prefix;
	e.l = l;
	e.s = l->s;
	e.grad = (what & CG_GRAD) != 0;
	cg_out(&e, "/* Generated by dpmc from model '%s'.  Do not edit: edit the .dpm.\n", l->s->m->name);
	cg_out(&e, " * An explicit finite-difference scheme; the API is in the header built\n"
	       " * beside it. */\n");
	if (!e.grad)    /* a render's text: one thread, and fewer headers to read */
		cg_out(&e, "#define DPM_NO_THREADS 1\n");
	cg_out(&e, "%s", threads_text);
	cg_out(&e, "%s", vec_text);
	cg_out(&e, "typedef struct @_model @_model;\n\n");
	cg_out(&e, "void @_destroy(@_model *m);\n\n");
	emit_consts(&e);
	emit_meta(&e);
	emit_struct(&e);
	emit_taps_fn(&e);
	emit_stable_fn(&e);
	emit_plan(&e);
	if (e.s->nsrc + e.s->nout || e.s->npot) {   /* a potential reads points too */
		cg_out(&e, "%s", interp_text);
		cg_out(&e, "%s", dinterp_text);
	}
	emit_margin(&e);
	emit_set_coefs(&e);
	emit_lifecycle(&e);
	cg_emit_kernels(&e);
	if ((what & CG_API) == CG_API)
		cg_emit_api(&e);
	return e.b.s;
}

char *
cg_emit_header(const Loops *l, const char *prefix)
{
	Emit e = {0};
	const Scheme *s = l->s;
	int i;

	e.pre = prefix;
	e.l = l;
	e.s = s;
	cg_out(&e, "/* Generated by dpmc from model '%s': the API of its C file.\n", s->m->name);
	cg_out(&e, " * params (index: name default [min, max]):\n");
	for (i = 0; i < s->nparams; i++)
		cg_out(&e, " *   %d: %s = %g [%g, %g]%s\n", i, s->params[i].name, s->params[i].def,
		    s->params[i].lo, s->params[i].hi, s->params[i].is_log ? " log" : "");
	cg_out(&e, " * outputs (channels, in order):");
	for (i = 0; i < s->nout; i++)
		cg_out(&e, " %s", s->out[i].name);
	cg_out(&e, "\n */\n#ifndef DPM_MODEL_@_H\n#define DPM_MODEL_@_H\n\n");
	cg_out(&e, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	cg_out(&e, "typedef struct @_model @_model;    /* all state of one instance */\n\n");
	cg_out(&e, "/* metadata */\n");
	cg_out(&e, "int @_nparams(void);\nint @_noutputs(void);\nint @_ndim(void);\n");
	cg_out(&e, "const char *@_name(void);\n");
	cg_out(&e, "const char *@_param_name(int i);\n");
	cg_out(&e, "double @_param_default(int i);\ndouble @_param_min(int i);    /* -inf without a range */\n");
	cg_out(&e, "double @_param_max(int i);    /* +inf without a range */\n");
	cg_out(&e, "int @_param_log(int i);       /* fitted on a log scale */\n");
	cg_out(&e, "const char *@_output_name(int i);\n");
	cg_out(&e, "double @_default_rate(void);\n");
	cg_out(&e, "/* Net i (0 .. while it returns 0): its name, activation (\"tanh\", ...),\n"
	        " * sizes IN, H1, ..., OUT, and the index of its first weight among the\n"
	        " * params (layer by layer, W row by row, then b; spec section 13);\n"
	        " * -1 past the last.  Any pointer may be NULL. */\n");
	cg_out(&e, "int @_net(int i, const char **name, const char **act, int *nsizes, const int **sizes, int *first);\n\n");
	cg_out(&e, "/* The grid @_create would use: 0 on success, else an error in err (a\n"
	        " * message of at most errsz - 1 characters).  params: NULL for the\n"
	        " * defaults, else @_nparams() values in their ranges; rate: 1 Hz to\n"
	        " * 10 MHz, 0 for the model's; grid: NULL or intervals per axis, 0 = the\n"
	        " * model's `grid` or the finest stable one, at most 1e8 points in all. */\n");
	cg_out(&e, "int @_plan(const double *params, double rate, const int *grid,\n"
	        "           int *grid_out, double *h_out, char *err, int errsz);\n");
	cg_out(&e, "/* The same for a render of span seconds: where the step's coefficients\n"
	        " * vary in time, the grid must be stable at every time of the render\n"
	        " * (checked at t = 0 and at up to 256 of its steps), not only at 0. */\n");
	cg_out(&e, "int @_plan_for(const double *params, double rate, double span, const int *grid,\n"
	        "               int *grid_out, double *h_out, char *err, int errsz);\n\n");
	cg_out(&e, "/* A new instance (the only call that allocates), or NULL with err set;\n"
	        " * the arguments as for @_plan. */\n");
	cg_out(&e, "@_model *@_create(const double *params, double rate, const int *grid, char *err, int errsz);\n");
	cg_out(&e, "/* New param values (NULL: the defaults) on the same grid; the state is\n"
	        " * kept.  0 on success, else an error in err and the params unchanged. */\n");
	cg_out(&e, "int @_set_params(@_model *m, const double *params, char *err, int errsz);\n");
	cg_out(&e, "/* Back to the initial state, t = 0. */\nvoid @_reset(@_model *m);\n");
	cg_out(&e, "/* Advance n samples; out gets n * @_noutputs() values, interleaved. */\n");
	cg_out(&e, "void @_run(@_model *m, long n, double *out);\n");
	cg_out(&e, "/* 1 with a warning in msg when a loss term gives energy at params */\n");
	cg_out(&e, "int @_gains(const double *params, char *msg, int msgsz);\n");
	cg_out(&e, "/* Intervals and spacing per axis. */\nvoid @_grid(const @_model *m, int *n, double *h);\n");
	cg_out(&e, "/* min over axes of h / h_min: >= 1 on a stable grid. */\ndouble @_stability(const @_model *m);\n");
	cg_out(&e, "/* level 0: u[n], 1: u[n-1]; (Nx+1)*(Ny+1) values, (i, j) at i + j*(Nx+1). */\n");
	cg_out(&e, "const double *@_state(const @_model *m, int level);\n");
	cg_out(&e, "double @_rate(const @_model *m);\n");
	cg_out(&e, "void @_destroy(@_model *m);\n\n");
	cg_out(&e, "/* Gradients: the exact adjoint of the scheme on its grid.\n"
	        " * @_forward resets, runs n samples into y and keeps checkpoints;\n"
	        " * @_backward takes dL/dy (n * @_noutputs() values, interleaved) and\n"
	        " * writes dL/dparam for every param, then leaves the state reset. */\n");
	cg_out(&e, "int @_forward(@_model *m, long n, double *y, char *err, int errsz);\n");
	cg_out(&e, "int @_backward(@_model *m, const double *dldy, double *grad, char *err, int errsz);\n");
	cg_out(&e, "/* State kept every `every` steps (0: the default, 1: every step);\n"
	        " * the gradient is bit-identical whatever the choice. */\n");
	cg_out(&e, "void @_set_checkpoints(@_model *m, long every);\n");
	cg_out(&e, "/* The default's memory budget in bytes (0: 160 MB, less when the\n"
	        " * process already holds much, so that it stays within ~185 MB): checkpoints every\n"
	        " * sqrt(2n) steps or more often, as many as fit with the segments\n"
	        " * recomputed between them. */\n");
	cg_out(&e, "void @_set_memory(@_model *m, double bytes);\n");
	cg_out(&e, "/* At most n threads for a gradient (0: as many as this thread may run\n"
	        " * on, up to 2; one while the load average is higher, or for a while\n"
	        " * after a backward held up by a busy machine); 1 when the caller runs\n"
	        " * gradients in parallel itself.\n"
	        " * The gradient is bit-identical whatever the choice. */\n");
	cg_out(&e, "void @_set_threads(@_model *m, int n);\n");
	cg_out(&e, "/* The linear step at t = 0 without sources (un = A u + B up; inputs 0\n"
	        " * on held points) and its transpose (lu = A^T l, lup = B^T l; NaN\n"
	        " * when out of memory for its scratch grid). */\n");
	cg_out(&e, "void @_op(const @_model *m, const double *u, const double *up, double *un);\n");
	cg_out(&e, "void @_op_adj(const @_model *m, const double *l, double *lu, double *lup);\n\n");
	cg_emit_api_decl(&e);
	cg_out(&e, "\n#ifdef __cplusplus\n}\n#endif\n#endif\n");
	return e.b.s;
}

/* The prefix of every name the generated C defines: PREFIX_create, ...,
 * the type PREFIX_model, static helpers PREFIX__taps, ...  The model's
 * name itself is never a C name on its own, so any name (a keyword, a
 * libc function or macro, a local of the generated code) is safe,
 * except where PREFIX_suffix is already the C library's: names with a
 * leading underscore (reserved to the implementation), the prefixes
 * POSIX reserves in the headers the generated code includes
 * (pthread_create, timer_create, ...) and glibc's
 * get_current_dir_name and canonicalize_file_name, and our runtime's
 * rt_loss_name (rt.h, linked into built programs), dpm and dpm_*,
 * the interface every model shares (dpm_new, ...), and lv2_*, an LV2
 * bundle's own (lv2_run, ...).  Those get dpm_. */
const char *
cg_prefix(Arena *a, const Model *m)
{
	static const char *const libc[] = {
		"pthread", "sched", "timer", "clock", "sem", "posix",
		"get_current_dir", "canonicalize_file",
		"rt",    /* runtime/rt.h, linked into built programs */
		"dpm",   /* the dpm_* interface (api.tmpl) */
		"lv2",   /* an LV2 bundle's lv2_* (lv2.tmpl) */
	};
	const char *name = m->name;
	size_t i, n;

	for (i = 0; i < sizeof libc / sizeof libc[0]; i++) {
		n = strlen(libc[i]);
		if (strncmp(name, libc[i], n) == 0 && (name[n] == 0 || name[n] == '_'))
			break;
	}
	if (name[0] == '_' || i < sizeof libc / sizeof libc[0]) {
		Buf b = {0};
		char *r;
		buf_printf(&b, "dpm_%s", name);
		r = arena_strdup(a, b.s);
		buf_free(&b);
		return r;
	}
	return name;
}
