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

#include "ir.h"

typedef struct Emit {
	Buf b;
	const char *pre;
	const Loops *l;
	const Scheme *s;
} Emit;

static const char *const sym_c[NSYM] = {
	"k", "hx", "hy", "t", "x", "y", "thx", "thy",
};

/* printf into the output, with every '@' replaced by the prefix. */
static void
out(Emit *e, const char *fmt, ...)
{
	va_list ap;
	Buf t = {0};
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	t.s = mem_alloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(t.s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	for (s = t.s; *s; s++) {
		if (*s == '@')
			buf_puts(&e->b, e->pre);
		else
			buf_printf(&e->b, "%c", *s);
	}
	mem_free(t.s);
}

static const char **
param_refs(Emit *e)
{
	const char **names = mem_alloc((size_t)(e->s->nparams + 1) * sizeof *names);
	int i;

	for (i = 0; i < e->s->nparams; i++) {
		Buf b = {0};
		buf_printf(&b, "p[%d]", i);
		names[i] = b.s;
	}
	return names;
}

static void
free_refs(const char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		mem_free((void *)names[i]);
	mem_free(names);
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

static void
emit_meta(Emit *e)
{
	const Scheme *s = e->s;
	int i, np = s->nparams, no = s->nout;

	out(e, "static const char *const @__pname[%d] = {", np + 1);
	for (i = 0; i < np; i++) {
		c_string(&e->b, s->params[i].name);
		out(e, ", ");
	}
	out(e, "0};\nstatic const double @__pdef[%d] = {", np + 1);
	for (i = 0; i < np; i++) {
		c_double(&e->b, s->params[i].def);
		out(e, ", ");
	}
	/* no range: 0 here and the bit clear in @__prange (an infinity is not
	 * a constant initialiser for every compiler) */
	out(e, "0};\nstatic const double @__plo[%d] = {", np + 1);
	for (i = 0; i < np; i++) {
		c_double(&e->b, isinf(s->params[i].lo) ? 0 : s->params[i].lo);
		out(e, ", ");
	}
	out(e, "0};\nstatic const double @__phi[%d] = {", np + 1);
	for (i = 0; i < np; i++) {
		c_double(&e->b, isinf(s->params[i].hi) ? 0 : s->params[i].hi);
		out(e, ", ");
	}
	out(e, "0};\nstatic const int @__prange[%d] = {", np + 1);
	for (i = 0; i < np; i++)
		out(e, "%d, ", (!isinf(s->params[i].lo)) | (2 * !isinf(s->params[i].hi)));
	out(e, "0};\nstatic const int @__plog[%d] = {", np + 1);
	for (i = 0; i < np; i++)
		out(e, "%d, ", s->params[i].is_log);
	out(e, "0};\nstatic const char *const @__oname[%d] = {", no + 1);
	for (i = 0; i < no; i++) {
		c_string(&e->b, s->out[i].name);
		out(e, ", ");
	}
	out(e, "0};\n\n");
	out(e, "int @_nparams(void) { return %d; }\n", np);
	out(e, "int @_noutputs(void) { return %d; }\n", no);
	out(e, "int @_ndim(void) { return %d; }\n", s->ndim);
	out(e, "const char *@_name(void) { return ");
	c_string(&e->b, s->m->name);
	out(e, "; }\n");
	out(e, "const char *@_param_name(int i) { return i >= 0 && i < %d ? @__pname[i] : 0; }\n", np);
	out(e, "double @_param_default(int i) { return i >= 0 && i < %d ? @__pdef[i] : NAN; }\n", np);
	out(e, "double @_param_min(int i) { return i < 0 || i >= %d ? NAN : @__prange[i] & 1 ? @__plo[i] : -HUGE_VAL; }\n", np);
	out(e, "double @_param_max(int i) { return i < 0 || i >= %d ? NAN : @__prange[i] & 2 ? @__phi[i] : HUGE_VAL; }\n", np);
	out(e, "int @_param_log(int i) { return i >= 0 && i < %d ? @__plog[i] : 0; }\n", np);
	out(e, "const char *@_output_name(int i) { return i >= 0 && i < %d ? @__oname[i] : 0; }\n", no);
	out(e, "double @_default_rate(void) { return ");
	c_double(&e->b, s->rate);
	out(e, "; }\n\n");
}

/* ---- the state ---- */

static int
atleast1(int n)
{
	return n > 0 ? n : 1;
}

static void
emit_struct(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;

	out(e, "struct @ {\n");
	out(e, "\tdouble p[%d];            /* params */\n", atleast1(s->nparams));
	out(e, "\tdouble rate, k;\n");
	out(e, "\tdouble h[2];             /* grid spacing per axis */\n");
	out(e, "\tint n[2];                /* intervals per axis */\n");
	out(e, "\tlong nx1, npts;          /* row length, points */\n");
	out(e, "\tlong step;               /* n: u[n] is the current state */\n");
	out(e, "\tdouble c[%d];            /* coefficients fixed while params are */\n",
	    atleast1(l->nclass[CO_CONST]));
	out(e, "\tdouble *a[%d];           /* coefficients that vary over the grid */\n",
	    atleast1(l->nclass[CO_SPACE]));
	out(e, "\tdouble *u, *up, *un;     /* u[n], u[n-1], u[n+1] */\n");
	out(e, "\tdouble *mem;\n");
	out(e, "\tlong src_i[%d][4];       /* point sources: points and weights */\n",
	    atleast1(s->nsrc));
	out(e, "\tdouble src_w[%d][4];\n", atleast1(s->nsrc));
	out(e, "\tlong out_i[%d][4];       /* outputs: interpolation */\n", atleast1(s->nout));
	out(e, "\tdouble out_w[%d][4];\n", atleast1(s->nout));
	out(e, "};\n\n");
}

/* ---- stability ---- */

/* The interior taps at (x, y), t = 0, for any h: what the analysis needs. */
static void
emit_taps_fn(Emit *e)
{
	const Loops *l = e->l;
	const char **pn = param_refs(e);
	ExprEmitter *em = ex_emitter_new(pn, sym_c, "s");
	int i;

	out(e, "static void\n@__taps(const double *p, double k, double hx, double hy,"
	       " double x, double y, double *tc)\n{\n");
	out(e, "\tconst double t = 0.0;\n");
	out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)x; (void)y; (void)t;\n");
	for (i = 0; i < l->nstab; i++)
		ex_emitter_add(em, l->stab[i].coef);
	ex_emitter_flush(em, &e->b, "\t");
	for (i = 0; i < l->nstab; i++)
		out(e, "\ttc[%d] = %s;\n", i, ex_emitter_root(em, i));
	out(e, "}\n\n");
	ex_emitter_free(em);
	free_refs(pn, e->s->nparams);
}

/* The analysis itself does not depend on the model: fixed text. */
static const char vn_text[] =
"/* Von Neumann analysis of u[n+1] = sum tc u[n](+off) + sum tc u[n-1](+off):\n"
" * a Fourier mode z^n exp(i(thx i + thy j)) gives z^2 - A z - B = 0.  The\n"
" * scheme is stable when both roots have |z| <= 1 at every wavenumber; for\n"
" * real A, B that is |B| <= 1 and |A| <= 1 - B (Schur-Cohn; NSS 2.3.3). */\n"
"static int\n"
"@__vn(const double *tc, const int *lev, const int *dx, const int *dy, int nt, int ndim)\n"
"{\n"
"\tenum { NX = 129, NX2 = 33, NY = 65 };\n"
"\tconst double pi = 3.14159265358979323846;\n"
"\tdouble cx[5][NX], sx[5][NX], cy[5][NY], sy[5][NY];\n"
"\tint nx = ndim == 2 ? NX2 : NX, ny = ndim == 2 ? NY : 1;\n"
"\tint ix, iy, i, o;\n"
"\n"
"\tfor (o = -2; o <= 2; o++) {\n"
"\t\tfor (ix = 0; ix < nx; ix++) {\n"
"\t\t\tdouble th = pi * ix / (nx - 1);\n"
"\t\t\tcx[o + 2][ix] = cos(o * th);\n"
"\t\t\tsx[o + 2][ix] = sin(o * th);\n"
"\t\t}\n"
"\t\tfor (iy = 0; iy < ny; iy++) {\n"
"\t\t\tdouble th = ndim == 2 ? -pi + 2 * pi * iy / (ny - 1) : 0;\n"
"\t\t\tcy[o + 2][iy] = cos(o * th);\n"
"\t\t\tsy[o + 2][iy] = sin(o * th);\n"
"\t\t}\n"
"\t}\n"
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
"\t\t\t\t/* z = (A +- sqrt(A^2 + 4B)) / 2 in complex arithmetic */\n"
"\t\t\t\tdouble dr = ar * ar - ai * ai + 4 * br, di = 2 * ar * ai + 4 * bi;\n"
"\t\t\t\tdouble mod = sqrt(sqrt(dr * dr + di * di));\n"
"\t\t\t\tdouble ang = atan2(di, dr) / 2, qr = mod * cos(ang), qi = mod * sin(ang);\n"
"\t\t\t\tdouble z1 = hypot(ar + qr, ai + qi) / 2, z2 = hypot(ar - qr, ai - qi) / 2;\n"
"\t\t\t\tif (z1 > 1 + 1e-9 || z2 > 1 + 1e-9)\n"
"\t\t\t\t\treturn 0;\n"
"\t\t\t}\n"
"\t\t}\n"
"\treturn 1;\n"
"}\n\n";

static void
emit_stable_fn(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	unsigned sp = (1u << SYM_X) | (1u << SYM_Y);
	int i, varies = 0;

	for (i = 0; i < l->nstab; i++)
		varies |= (l->stab[i].coef->deps & sp) != 0;
	out(e, "static const int @__lev[%d] = {", atleast1(l->nstab));
	for (i = 0; i < l->nstab; i++)
		out(e, "%d, ", l->stab[i].level);
	out(e, "};\nstatic const int @__dx[%d] = {", atleast1(l->nstab));
	for (i = 0; i < l->nstab; i++)
		out(e, "%d, ", l->stab[i].dx);
	out(e, "};\nstatic const int @__dy[%d] = {", atleast1(l->nstab));
	for (i = 0; i < l->nstab; i++)
		out(e, "%d, ", l->stab[i].dy);
	out(e, "};\n\n");
	buf_puts(&e->b, "");
	out(e, "%s", vn_text);
	out(e, "/* Stable at spacing (hx, hy)?  Coefficients frozen at t = 0%s. */\n",
	    varies ? " and at sampled points of the domain" : "");
	out(e, "static int\n@__stable(const double *p, double k, double hx, double hy, const int *n)\n{\n");
	out(e, "\tdouble tc[%d];\n", atleast1(l->nstab));
	if (varies) {
		/* bisection: a few sampled points; the grid finally chosen or
		 * forced: its own points (up to 257 in 1D, 17 per axis in 2D),
		 * so a narrow coefficient is unlikely to slip between samples */
		out(e, "\tint i, j, ni = n ? (n[0] > 256 ? 256 : n[0]) : %d, nj = %s;\n\n",
		    s->ndim == 2 ? 2 : 4, s->ndim == 2 ? "n ? (n[1] > 16 ? 16 : n[1]) : 2" : "0");
		out(e, "\tif (n && %d == 2 && ni > 16)\n\t\tni = 16;\n", s->ndim);
		out(e, "\tfor (j = 0; j <= nj; j++)\n");
		out(e, "\t\tfor (i = 0; i <= ni; i++) {\n");
		out(e, "\t\t\tdouble x = %.17g + (n ? hx * (double)(i * n[0] / ni) : %.17g * i / ni);\n",
		    s->from[0], s->to[0] - s->from[0]);
		if (s->ndim == 2)
			out(e, "\t\t\tdouble y = %.17g + (n ? hy * (double)(j * n[1] / nj) : %.17g * j / nj);\n",
			    s->from[1], s->to[1] - s->from[1]);
		else
			out(e, "\t\t\tdouble y = 0;\n");
		out(e, "\t\t\t@__taps(p, k, hx, hy, x, y, tc);\n");
		out(e, "\t\t\tif (!@__vn(tc, @__lev, @__dx, @__dy, %d, %d))\n", l->nstab, s->ndim);
		out(e, "\t\t\t\treturn 0;\n\t\t}\n\treturn 1;\n}\n\n");
	} else {
		out(e, "\n\t(void)n;\n\t@__taps(p, k, hx, hy, 0, 0, tc);\n");
		out(e, "\treturn @__vn(tc, @__lev, @__dx, @__dy, %d, %d);\n}\n\n", l->nstab, s->ndim);
	}
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
	int d;

	out(e, "static double\n@__hmin(const double *p, double k, const double *len, int *bad)\n{\n");
	out(e, "\tdouble hi = HUGE_VAL, lo;\n\tint d, it;\n\n");
	out(e, "\t*bad = 0;\n");
	out(e, "\tfor (d = 0; d < %d; d++)\n", s->ndim);
	out(e, "\t\tif (len[d] / %s[d] < hi)\n", "@__minn");
	out(e, "\t\t\thi = len[d] / @__minn[d];\n");
	out(e, "\tif (!@__stable(p, k, hi, hi, 0)) {\n\t\t*bad = 1;\n\t\treturn hi;\n\t}\n");
	out(e, "\tlo = hi;\n");
	out(e, "\tfor (;;) {\n");
	out(e, "\t\tlo /= 2;\n");
	out(e, "\t\tif (@__npoints(len, lo) > 1e8) {\n\t\t\t*bad = 2;\n\t\t\treturn lo;\n\t\t}\n");
	out(e, "\t\tif (!@__stable(p, k, lo, lo, 0))\n\t\t\tbreak;\n");
	out(e, "\t\thi = lo;\n\t}\n");
	out(e, "\tfor (it = 0; it < 80 && hi - lo > 1e-15 * hi; it++) {\n");
	out(e, "\t\tdouble mid = 0.5 * (lo + hi);\n");
	out(e, "\t\tif (@__stable(p, k, mid, mid, 0))\n\t\t\thi = mid;\n\t\telse\n\t\t\tlo = mid;\n\t}\n");
	out(e, "\treturn hi;\n}\n\n");

	/* the largest stable grid, per axis */
	out(e, "static int\n@__finest(const double *p, double k, const double *len, int *n, char *err, int errsz)\n{\n");
	out(e, "\tint bad, d, tries;\n\tdouble h = @__hmin(p, k, len, &bad), hh[2];\n\n");
	out(e, "\tif (bad == 1) {\n");
	out(e, "\t\tsnprintf(err, (size_t)errsz, \"the scheme is unstable on every grid for the params in force "
	       "(even the coarsest, N = %%d); check the signs and sizes of the pde's coefficients\", @__minn[0]);\n");
	out(e, "\t\treturn 1;\n\t}\n");
	out(e, "\tif (bad == 2) {\n");
	out(e, "\t\tsnprintf(err, (size_t)errsz, \"the finest stable grid would have over 1e8 points; "
	       "force a grid with `grid N` or --grid\");\n");
	out(e, "\t\treturn 1;\n\t}\n");
	out(e, "\tfor (d = 0; d < 2; d++)\n");
	out(e, "\t\tn[d] = d < %d ? (int)floor(len[d] / h * (1 + 1e-12)) : 0;\n", s->ndim);
	out(e, "\tfor (tries = 0; tries < 64; tries++) {\n");
	out(e, "\t\tfor (d = 0; d < 2; d++)\n\t\t\thh[d] = d < %d ? len[d] / n[d] : 0;\n", s->ndim);
	out(e, "\t\tif (@__stable(p, k, hh[0], %s, n))\n\t\t\treturn 0;\n", s->ndim == 2 ? "hh[1]" : "hh[0]");
	out(e, "\t\tfor (d = 0; d < %d; d++)\n\t\t\tif (n[d] > @__minn[d])\n\t\t\t\tn[d]--;\n", s->ndim);
	out(e, "\t}\n");
	out(e, "\tsnprintf(err, (size_t)errsz, \"no stable grid found for the params in force\");\n");
	out(e, "\treturn 1;\n}\n\n");

	out(e, "static int\n@__checkp(const double *p, char *err, int errsz)\n{\n\tint i;\n\n");
	out(e, "\tfor (i = 0; i < %d; i++) {\n", s->nparams);
	out(e, "\t\tif (!isfinite(p[i])) {\n");
	out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"param '%%s' = %%g is not a finite number\", @__pname[i], p[i]);\n");
	out(e, "\t\t\treturn 1;\n\t\t}\n");
	out(e, "\t\tif (p[i] < @_param_min(i) || p[i] > @_param_max(i)) {\n");
	out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"param '%%s' = %%g is outside its range [%%g, %%g]\",\n");
	out(e, "\t\t\t         @__pname[i], p[i], @_param_min(i), @_param_max(i));\n");
	out(e, "\t\t\treturn 1;\n\t\t}\n\t}\n\treturn 0;\n}\n\n");

	out(e, "int\n@_plan(const double *params, double rate, const int *grid, int *grid_out, "
	       "double *h_out, char *err, int errsz)\n{\n");
	out(e, "\tstatic const int model_grid[2] = {%d, %d};\n", s->grid[0], s->grid[1]);
	out(e, "\tconst double len[2] = {%.17g, %.17g};\n", s->to[0] - s->from[0],
	    s->ndim == 2 ? s->to[1] - s->from[1] : 0.0);
	out(e, "\tconst double *p = params ? params : @__pdef;\n");
	out(e, "\tint n[2] = {0, 0}, best[2], d, forced = 0;\n\tdouble k, h[2] = {0, 0};\n\n");
	out(e, "\tif (@__checkp(p, err, errsz))\n\t\treturn 1;\n");
	out(e, "\tif (rate <= 0)\n\t\trate = @_default_rate();\n");
	out(e, "\tif (!isfinite(rate) || rate < 1 || rate > 1e7) {\n");
	out(e, "\t\tsnprintf(err, (size_t)errsz, \"sample rate %%g Hz is not usable; give a rate between 1 Hz and 10 MHz\", rate);\n");
	out(e, "\t\treturn 1;\n\t}\n");
	out(e, "\tk = 1.0 / rate;\n");
	out(e, "\tfor (d = 0; d < %d; d++) {\n", s->ndim);
	out(e, "\t\tn[d] = grid && grid[d] > 0 ? grid[d] : model_grid[d];\n");
	out(e, "\t\tforced |= n[d] > 0;\n\t}\n");
	out(e, "\tif (forced) {\n");
	out(e, "\t\tfor (d = 0; d < %d; d++) {\n", s->ndim);
	out(e, "\t\t\tif (n[d] <= 0) {\n");
	out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"a forced grid needs the number of intervals on every axis\");\n");
	out(e, "\t\t\t\treturn 1;\n\t\t\t}\n");
	out(e, "\t\t\tif (n[d] < @__minn[d]) {\n");
	out(e, "\t\t\t\tsnprintf(err, (size_t)errsz, \"grid %%d is too coarse for this stencil: use at least %%d intervals\", n[d], @__minn[d]);\n");
	out(e, "\t\t\t\treturn 1;\n\t\t\t}\n");
	out(e, "\t\t\th[d] = len[d] / n[d];\n\t\t}\n");
	out(e, "\t\tif ((double)(n[0] + 1) * (n[1] + 1) > 1e8) {\n");
	out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"grid of %%.0f points is over the limit of 1e8\", (double)(n[0] + 1) * (n[1] + 1));\n");
	out(e, "\t\t\treturn 1;\n\t\t}\n");
	out(e, "\t\tif (!@__stable(p, k, h[0], %s, n)) {\n", s->ndim == 2 ? "h[1]" : "h[0]");
	out(e, "\t\t\tif (@__finest(p, k, len, best, err, errsz))\n\t\t\t\treturn 1;\n");
	if (s->ndim == 2)
		out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"grid %%d, %%d is unstable for the params in force; "
		       "the largest stable grid is %%d, %%d\", n[0], n[1], best[0], best[1]);\n");
	else
		out(e, "\t\t\tsnprintf(err, (size_t)errsz, \"grid %%d is unstable for the params in force; "
		       "the largest stable N is %%d\", n[0], best[0]);\n");
	out(e, "\t\t\treturn 1;\n\t\t}\n");
	out(e, "\t} else {\n");
	out(e, "\t\tif (@__finest(p, k, len, n, err, errsz))\n\t\t\treturn 1;\n");
	out(e, "\t\tfor (d = 0; d < %d; d++)\n\t\t\th[d] = len[d] / n[d];\n", s->ndim);
	out(e, "\t}\n");
	out(e, "\tfor (d = 0; d < 2; d++) {\n");
	out(e, "\t\tif (grid_out)\n\t\t\tgrid_out[d] = d < %d ? n[d] : 0;\n", s->ndim);
	out(e, "\t\tif (h_out)\n\t\t\th_out[d] = h[d];\n\t}\n");
	out(e, "\treturn 0;\n}\n\n");
	(void)l;
	(void)d;
}

/* ---- coefficients, sources, outputs ---- */

/* Index and weights of the (bi)linear interpolation at (X, Y). */
static const char interp_text[] =
"/* Linear (bilinear) interpolation at (X, Y) (spec section 5); returns\n"
" * nonzero when the point is outside the domain. */\n"
"static int\n"
"@__interp(const @ *m, double X, double Y, long *idx, double *w)\n"
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
"@__held(const @ *m, long q)\n"
"{\n"
"\tlong i = q % m->nx1, j = q / m->nx1;\n"
"\n"
"\treturn (@__held_end[0][0] && i == 0) || (@__held_end[0][1] && i == m->n[0]) ||\n"
"\t       (@__ndim == 2 && ((@__held_end[1][0] && j == 0) || (@__held_end[1][1] && j == m->n[1])));\n"
"}\n\n";

static const char *
coef_ref(const Loops *l, int c, Buf *tmp)
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

/* What the point sources need: which points are held, den where they land. */
static void
emit_source_helpers(Emit *e, const char **pn)
{
	const Scheme *s = e->s;
	ExprEmitter *em;
	int r;

	if (!s->nsrc)
		return;
	out(e, "static const int @__held_end[2][2] = {{%d, %d}, {%d, %d}};\n\n",
	    s->bc[0][0] != BC_FREE, s->bc[0][1] != BC_FREE,
	    s->ndim == 2 && s->bc[1][0] != BC_FREE, s->ndim == 2 && s->bc[1][1] != BC_FREE);
	out(e, "%s", held_text);
	out(e, "static double\n@__den(const @ *m, double x, double y)\n{\n");
	out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1], t = 0.0;\n");
	out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)x; (void)y; (void)t;\n");
	em = ex_emitter_new(pn, sym_c, "d");
	r = ex_emitter_add(em, s->den);
	ex_emitter_flush(em, &e->b, "\t");
	out(e, "\treturn %s;\n}\n\n", ex_emitter_root(em, r));
	ex_emitter_free(em);
}

static void
emit_set_coefs(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	const char **pn = param_refs(e);
	ExprEmitter *em;
	int i, r, nsp = 0;

	emit_source_helpers(e, pn);
	out(e, "/* Everything that changes only with the params: coefficients,\n"
	       " * sources' and outputs' weights. */\n");
	out(e, "static int\n@__set_coefs(@ *m, char *err, int errsz)\n{\n");
	out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	out(e, "\tdouble pos[%d][2];\n", atleast1(s->nsrc + s->nout));
	out(e, "\tlong i, j, q;\n");
	out(e, "\tint v;\n\n");
	out(e, "\t(void)p; (void)k; (void)hx; (void)hy; (void)i; (void)j; (void)q; (void)v;\n");
	em = ex_emitter_new(pn, sym_c, "q");
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
	ex_emitter_flush(em, &e->b, "\t");
	r = 0;
	for (i = 0; i < l->ncoefs; i++)
		if (l->coefs[i].cls == CO_CONST)
			out(e, "\tm->c[%d] = %s;\n", l->coefs[i].slot, ex_emitter_root(em, r++));
	for (i = 0; i < s->nsrc + s->nout; i++) {
		out(e, "\tpos[%d][0] = %s;\n", i, ex_emitter_root(em, r++));
		out(e, "\tpos[%d][1] = %s;\n", i, ex_emitter_root(em, r++));
	}
	ex_emitter_free(em);

	/* spatial coefficients */
	for (i = 0; i < l->ncoefs; i++)
		nsp += l->coefs[i].cls == CO_SPACE;
	if (nsp) {
		out(e, "\tfor (j = 0; j <= m->n[1]; j++)\n");
		out(e, "\t\tfor (i = 0; i <= m->n[0]; i++) {\n");
		out(e, "\t\t\tconst double x = @__from[0] + i * hx, y = @__from[1] + j * hy;\n");
		out(e, "\t\t\t(void)x; (void)y;\n");
		out(e, "\t\t\tq = i + j * m->nx1;\n");
		em = ex_emitter_new(pn, sym_c, "r");
		for (i = 0; i < l->ncoefs; i++)
			if (l->coefs[i].cls == CO_SPACE)
				ex_emitter_add(em, l->coefs[i].e);
		ex_emitter_flush(em, &e->b, "\t\t\t");
		r = 0;
		for (i = 0; i < l->ncoefs; i++)
			if (l->coefs[i].cls == CO_SPACE)
				out(e, "\t\t\tm->a[%d][q] = %s;\n", l->coefs[i].slot, ex_emitter_root(em, r++));
		ex_emitter_free(em);
		out(e, "\t\t}\n");
	}

	/* point sources: weights (1 - a)/h, a/h (bilinear / hx hy), over den;
	 * points held at 0 by a boundary condition drop theirs */
	for (i = 0; i < s->nsrc; i++) {
		out(e, "\tif (@__interp(m, pos[%d][0], pos[%d][1], m->src_i[%d], m->src_w[%d])) {\n",
		    i, i, i, i);
		out(e, "\t\tsnprintf(err, (size_t)errsz, \"point source %d at (%%g, %%g) is outside the domain\", "
		       "pos[%d][0], pos[%d][1]);\n", i + 1, i, i);
		out(e, "\t\treturn 1;\n\t}\n");
		out(e, "\tfor (v = 0; v < 4; v++) {\n");
		out(e, "\t\tq = m->src_i[%d][v];\n", i);
		out(e, "\t\tm->src_w[%d][v] = @__held(m, q) ? 0 : m->src_w[%d][v] / (hx%s) / "
		       "@__den(m, @__from[0] + (q %% m->nx1) * hx, @__from[1] + (q / m->nx1) * hy);\n",
		    i, i, s->ndim == 2 ? " * hy" : "");
		out(e, "\t}\n");
	}
	for (i = 0; i < s->nout; i++) {
		out(e, "\tif (@__interp(m, pos[%d][0], pos[%d][1], m->out_i[%d], m->out_w[%d])) {\n",
		    s->nsrc + i, s->nsrc + i, i, i);
		out(e, "\t\tsnprintf(err, (size_t)errsz, \"output '%%s' at (%%g, %%g) is outside the domain\", "
		       "@__oname[%d], pos[%d][0], pos[%d][1]);\n", i, s->nsrc + i, s->nsrc + i);
		out(e, "\t\treturn 1;\n\t}\n");
	}
	out(e, "\treturn 0;\n}\n\n");
	free_refs(pn, s->nparams);
}

/* ---- life cycle ---- */

static void
emit_lifecycle(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	const char **pn = param_refs(e);
	ExprEmitter *em;
	int r0, r1;

	out(e, "void\n@_reset(@ *m)\n{\n");
	out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	out(e, "\tlong i, j, q;\n\n");
	out(e, "\t(void)p; (void)k; (void)hx; (void)hy;\n");
	out(e, "\tmemset(m->mem, 0, (size_t)(3 * m->npts) * sizeof(double));\n");
	out(e, "\tm->u = m->mem;\n\tm->up = m->mem + m->npts;\n\tm->un = m->mem + 2 * m->npts;\n");
	out(e, "\tm->step = 0;\n");
	if (s->init_u || s->init_ut) {
		/* u[0] = init u, u[-1] = init u - k init u.t (spec section 5) */
		out(e, "\tfor (j = %d; j <= m->n[1] + %d; j++)\n", l->first[1], l->last_off[1]);
		out(e, "\t\tfor (i = %d; i <= m->n[0] + %d; i++) {\n", l->first[0], l->last_off[0]);
		out(e, "\t\t\tconst double x = @__from[0] + i * hx, y = @__from[1] + j * hy;\n");
		out(e, "\t\t\t(void)x; (void)y;\n");
		em = ex_emitter_new(pn, sym_c, "r");
		r0 = ex_emitter_add(em, s->init_u ? s->init_u : ex_num(s->pool, 0));
		r1 = ex_emitter_add(em, s->init_ut ? s->init_ut : ex_num(s->pool, 0));
		ex_emitter_flush(em, &e->b, "\t\t\t");
		out(e, "\t\t\tq = i + j * m->nx1;\n");
		out(e, "\t\t\tm->u[q] = %s;\n", ex_emitter_root(em, r0));
		out(e, "\t\t\tm->up[q] = m->u[q] - k * (%s);\n", ex_emitter_root(em, r1));
		out(e, "\t\t}\n");
		ex_emitter_free(em);
	} else {
		out(e, "\t(void)i; (void)j; (void)q;\n");
	}
	out(e, "}\n\n");
	free_refs(pn, s->nparams);

	out(e, "@ *\n@_create(const double *params, double rate, const int *grid, char *err, int errsz)\n{\n");
	out(e, "\t@ *m;\n\tint n[2], d;\n\tdouble h[2];\n\tlong np;\n\n");
	out(e, "\tif (@_plan(params, rate, grid, n, h, err, errsz))\n\t\treturn 0;\n");
	out(e, "\tm = (@ *)calloc(1, sizeof *m);\n");
	out(e, "\tif (!m) {\n\t\tsnprintf(err, (size_t)errsz, \"out of memory\");\n\t\treturn 0;\n\t}\n");
	out(e, "\tmemcpy(m->p, params ? params : @__pdef, sizeof(double) * %d);\n", s->nparams);
	out(e, "\tm->rate = rate > 0 ? rate : @_default_rate();\n");
	out(e, "\tm->k = 1.0 / m->rate;\n");
	out(e, "\tfor (d = 0; d < 2; d++) {\n\t\tm->n[d] = n[d];\n\t\tm->h[d] = h[d];\n\t}\n");
	out(e, "\tm->nx1 = n[0] + 1;\n\tm->npts = m->nx1 * (n[1] + 1);\n");
	out(e, "\tnp = m->npts;\n");
	out(e, "\tm->mem = (double *)calloc((size_t)(3 + %d) * (size_t)np, sizeof(double));\n",
	    l->nclass[CO_SPACE]);
	out(e, "\tif (!m->mem) {\n\t\tfree(m);\n\t\tsnprintf(err, (size_t)errsz, \"out of memory for a grid of %%ld points\", np);\n\t\treturn 0;\n\t}\n");
	out(e, "\tfor (d = 0; d < %d; d++)\n\t\tm->a[d] = m->mem + (3 + d) * np;\n", l->nclass[CO_SPACE]);
	out(e, "\tif (@__set_coefs(m, err, errsz)) {\n\t\t@_destroy(m);\n\t\treturn 0;\n\t}\n");
	out(e, "\t@_reset(m);\n\treturn m;\n}\n\n");

	out(e, "int\n@_set_params(@ *m, const double *params, char *err, int errsz)\n{\n");
	out(e, "\tdouble save[%d];\n", atleast1(s->nparams));
	out(e, "\tint d;\n\tdouble len[2];\n\n");
	out(e, "\tif (@__checkp(params, err, errsz))\n\t\treturn 1;\n");
	out(e, "\tif (!@__stable(params, m->k, m->h[0], m->h[%d], m->n)) {\n", s->ndim == 2);
	out(e, "\t\tint best[2];\n");
	out(e, "\t\tfor (d = 0; d < 2; d++)\n\t\t\tlen[d] = m->h[d] * m->n[d];\n");
	out(e, "\t\tif (@__finest(params, m->k, len, best, err, errsz))\n\t\t\treturn 1;\n");
	out(e, "\t\tsnprintf(err, (size_t)errsz, \"these params make grid %%d unstable; "
	       "the largest stable N is %%d: create the model again\", m->n[0], best[0]);\n");
	out(e, "\t\treturn 1;\n\t}\n");
	out(e, "\tmemcpy(save, m->p, sizeof(double) * %d);\n", s->nparams);
	out(e, "\tmemcpy(m->p, params, sizeof(double) * %d);\n", s->nparams);
	out(e, "\tif (@__set_coefs(m, err, errsz)) {\n");
	out(e, "\t\tmemcpy(m->p, save, sizeof(double) * %d);\n", s->nparams);
	out(e, "\t\t@__set_coefs(m, err, errsz);\n\t\treturn 1;\n\t}\n");
	out(e, "\treturn 0;\n}\n\n");

	out(e, "void\n@_destroy(@ *m)\n{\n\tif (m) {\n\t\tfree(m->mem);\n\t\tfree(m);\n\t}\n}\n\n");
	out(e, "void\n@_grid(const @ *m, int *n, double *h)\n{\n\tint d;\n\n");
	out(e, "\tfor (d = 0; d < %d; d++) {\n\t\tif (n)\n\t\t\tn[d] = m->n[d];\n", s->ndim);
	out(e, "\t\tif (h)\n\t\t\th[d] = m->h[d];\n\t}\n}\n\n");
	out(e, "double\n@_stability(const @ *m)\n{\n\treturn @__margin(m);\n}\n\n");
	out(e, "const double *\n@_state(const @ *m, int level)\n{\n\treturn level == 0 ? m->u : m->up;\n}\n\n");
	out(e, "double\n@_rate(const @ *m)\n{\n\treturn m->rate;\n}\n\n");
}

/* h / h_min: how far the grid is from the stability limit. */
static void
emit_margin(Emit *e)
{
	const Scheme *s = e->s;

	out(e, "static double\n@__margin(const @ *m)\n{\n");
	out(e, "\tdouble len[2] = {m->h[0] * m->n[0], m->h[1] * m->n[1]}, hm;\n\tint bad;\n\n");
	out(e, "\thm = @__hmin(m->p, m->k, len, &bad);\n");
	out(e, "\tif (bad)\n\t\treturn 0;\n");
	if (s->ndim == 2)
		out(e, "\treturn (m->h[0] < m->h[1] ? m->h[0] : m->h[1]) / hm;\n}\n\n");
	else
		out(e, "\treturn m->h[0] / hm;\n}\n\n");
}

/* ---- the time loop ---- */

static void
tap_text(Buf *b, int level, int dx, int dy)
{
	buf_printf(b, "%s[q", level ? "up" : "u");
	if (dy)
		buf_printf(b, " %c %s%s", dy < 0 ? '-' : '+', abs(dy) == 2 ? "2 * " : "", "nx1");
	if (dx)
		buf_printf(b, " %c %d", dx < 0 ? '-' : '+', abs(dx));
	buf_puts(b, "]");
}

static void
bound_text(Buf *b, Bound bd, int ax)
{
	if (bd.anchor)
		buf_printf(b, "n%c", "xy"[ax]);
	if (bd.anchor && bd.off)
		buf_printf(b, " %c %d", bd.off < 0 ? '-' : '+', abs(bd.off));
	else if (!bd.anchor)
		buf_printf(b, "%d", bd.off);
}

static void
emit_region(Emit *e, const Region *rg, const char **pn)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	Buf lo = {0}, hi = {0}, t = {0}, ref = {0};
	ExprEmitter *em = NULL;
	int g, i, nst = 0, *root;

	root = mem_alloc((size_t)(l->ncoefs + 1) * sizeof *root);
	for (g = 0; g < rg->ngroups; g++)
		nst += l->coefs[rg->groups[g].coef].cls == CO_SPACETIME;
	if (l->force_coef >= 0)
		nst += l->coefs[l->force_coef].cls == CO_SPACETIME;

	if (s->ndim == 2) {
		bound_text(&lo, rg->lo[1], 1);
		bound_text(&hi, rg->hi[1], 1);
		out(e, "\t\tfor (j = %s; j <= %s; j++) {\n", lo.s, hi.s);
	} else {
		out(e, "\t\t{\n\t\t\tconst long j = 0;\n");
	}
	lo.len = hi.len = 0;
	bound_text(&lo, rg->lo[0], 0);
	bound_text(&hi, rg->hi[0], 0);
	out(e, "\t\t\tfor (i = %s; i <= %s; i++) {\n", lo.s, hi.s);
	out(e, "\t\t\t\tconst long q = i + j * nx1;\n");
	if (nst) {
		em = ex_emitter_new(pn, sym_c, "v");
		out(e, "\t\t\t\tconst double x = x0 + i * hx, y = y0 + j * hy;\n");
		out(e, "\t\t\t\t(void)x; (void)y;\n");
		for (i = 0; i < l->ncoefs; i++)
			root[i] = -1;
		for (g = 0; g < rg->ngroups; g++)
			if (l->coefs[rg->groups[g].coef].cls == CO_SPACETIME)
				root[rg->groups[g].coef] = ex_emitter_add(em, l->coefs[rg->groups[g].coef].e);
		if (l->force_coef >= 0 && l->coefs[l->force_coef].cls == CO_SPACETIME)
			root[l->force_coef] = ex_emitter_add(em, l->coefs[l->force_coef].e);
		ex_emitter_flush(em, &e->b, "\t\t\t\t");
		for (i = 0; i < l->ncoefs; i++)
			if (root[i] >= 0)
				out(e, "\t\t\t\tconst double st%d = %s;\n", l->coefs[i].slot,
				    ex_emitter_root(em, root[i]));
	}
	for (g = 0; g < rg->ngroups; g++) {
		const Group *gr = &rg->groups[g];
		buf_printf(&t, "%s%s", g ? "\n\t\t\t\t\t+ " : "", coef_ref(l, gr->coef, &ref));
		buf_puts(&t, " * ");
		if (gr->ntap > 1)
			buf_puts(&t, "(");
		for (i = 0; i < gr->ntap; i++) {
			if (i)
				buf_puts(&t, " + ");
			tap_text(&t, gr->tap[i].level, gr->tap[i].dx, gr->tap[i].dy);
		}
		if (gr->ntap > 1)
			buf_puts(&t, ")");
	}
	if (l->force_coef >= 0)
		buf_printf(&t, "\n\t\t\t\t\t+ %s", coef_ref(l, l->force_coef, &ref));
	out(e, "\t\t\t\tun[q] = %s;\n", t.s ? t.s : "0");
	out(e, "\t\t\t}\n\t\t}\n");
	if (em)
		ex_emitter_free(em);
	mem_free(root);
	buf_free(&lo);
	buf_free(&hi);
	buf_free(&t);
	buf_free(&ref);
}

static void
emit_run(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;
	const char **pn = param_refs(e);
	ExprEmitter *em;
	Buf ref = {0};
	int i, r, *root, *sroot;

	out(e, "void\n@_run(@ *m, long n, double *out)\n{\n");
	out(e, "\tconst double *p = m->p, k = m->k, hx = m->h[0], hy = m->h[1];\n");
	out(e, "\tconst double x0 = @__from[0], y0 = @__from[1];\n");
	out(e, "\tconst long nx = m->n[0], ny = m->n[1], nx1 = m->nx1;\n");
	out(e, "\tdouble *bu = m->u, *bup = m->up, *bun = m->un;\n");
	for (i = 0; i < l->ncoefs; i++) {
		if (l->coefs[i].cls == CO_CONST)
			out(e, "\tconst double c%d = m->c[%d];\n", l->coefs[i].slot, l->coefs[i].slot);
		if (l->coefs[i].cls == CO_CONST)
			out(e, "\t(void)c%d;\n", l->coefs[i].slot);
		if (l->coefs[i].cls == CO_SPACE)
			out(e, "\tconst double *restrict a%d = m->a[%d];\n\t(void)a%d;\n",
			    l->coefs[i].slot, l->coefs[i].slot, l->coefs[i].slot);
	}
	out(e, "\tlong s, i, j;\n\n");
	out(e, "\t(void)p; (void)hx; (void)hy; (void)x0; (void)y0; (void)nx; (void)ny; (void)j;\n");
	out(e, "\tfor (s = 0; s < n; s++) {\n");
	out(e, "\t\tconst double t = (double)m->step * k;\n");
	out(e, "\t\tdouble *restrict un = bun;\n");
	out(e, "\t\tconst double *restrict u = bu, *restrict up = bup;\n");
	out(e, "\t\tdouble *tmp;\n\n");
	out(e, "\t\t(void)t; (void)up;\n");
	/* once per step: time-varying coefficients and source strengths */
	em = ex_emitter_new(pn, sym_c, "w");
	root = mem_alloc((size_t)(l->ncoefs + 1) * sizeof *root);
	sroot = mem_alloc((size_t)(s->nsrc + 1) * sizeof *sroot);
	for (i = 0; i < l->ncoefs; i++)
		root[i] = l->coefs[i].cls == CO_TIME ? ex_emitter_add(em, l->coefs[i].e) : -1;
	for (i = 0; i < s->nsrc; i++)
		sroot[i] = ex_emitter_add(em, s->src[i].strength);
	ex_emitter_flush(em, &e->b, "\t\t");
	for (i = 0; i < l->ncoefs; i++)
		if (root[i] >= 0)
			out(e, "\t\tconst double tc%d = %s;\n", l->coefs[i].slot, ex_emitter_root(em, root[i]));
	for (i = 0; i < s->nsrc; i++)
		out(e, "\t\tconst double src%d = %s;\n", i, ex_emitter_root(em, sroot[i]));
	ex_emitter_free(em);
	mem_free(root);
	mem_free(sroot);

	for (r = 0; r < l->nreg; r++)
		emit_region(e, &l->reg[r], pn);
	for (i = 0; i < s->nsrc; i++) {
		int v;
		for (v = 0; v < (s->ndim == 2 ? 4 : 2); v++)
			out(e, "\t\tun[m->src_i[%d][%d]] += src%d * m->src_w[%d][%d];\n", i, v, i, i, v);
	}
	for (i = 0; i < s->nout; i++) {
		int v, nv = s->ndim == 2 ? 4 : 2;
		Buf t = {0};
		for (v = 0; v < nv; v++)
			buf_printf(&t, "%sm->out_w[%d][%d] * un[m->out_i[%d][%d]]", v ? " + " : "",
			           i, v, i, v);
		if (s->out[i].velocity) {
			for (v = 0; v < nv; v++)
				buf_printf(&t, " - m->out_w[%d][%d] * u[m->out_i[%d][%d]]", i, v, i, v);
			out(e, "\t\tout[s * %d + %d] = (%s) / k;\n", s->nout, i, t.s);
		} else {
			out(e, "\t\tout[s * %d + %d] = %s;\n", s->nout, i, t.s);
		}
		buf_free(&t);
	}
	out(e, "\t\ttmp = bup;\n\t\tbup = bu;\n\t\tbu = bun;\n\t\tbun = tmp;\n");
	out(e, "\t\tm->step++;\n\t}\n");
	out(e, "\tm->u = bu;\n\tm->up = bup;\n\tm->un = bun;\n}\n");
	buf_free(&ref);
	free_refs(pn, s->nparams);
}

static void
emit_consts(Emit *e)
{
	const Loops *l = e->l;
	const Scheme *s = e->s;

	out(e, "enum { @__ndim = %d };\n", s->ndim);
	out(e, "static const double @__from[2] = {%.17g, %.17g};\n", s->from[0],
	    s->ndim == 2 ? s->from[1] : 0.0);
	out(e, "static const int @__minn[2] = {%d, %d};\n", l->min_n[0], l->min_n[1]);
	out(e, "\nstatic double\n@__npoints(const double *len, double h)\n{\n");
	out(e, "\tdouble n = 1;\n\tint d;\n\n\tfor (d = 0; d < @__ndim; d++)\n");
	out(e, "\t\tn *= floor(len[d] / h) + 1;\n\treturn n;\n}\n\n");
}

char *
cg_emit_c(const Loops *l, const char *prefix)
{
	Emit e = {0};

	e.pre = prefix;
	e.l = l;
	e.s = l->s;
	out(&e, "/* Generated by dpmc from model '%s'.  Do not edit: edit the .dpm.\n", l->s->m->name);
	out(&e, " * An explicit finite-difference scheme; the API is in @.h. */\n");
	out(&e, "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n");
	out(&e, "typedef struct @ @;\n\n");
	out(&e, "void @_destroy(@ *m);\n\n");
	emit_consts(&e);
	emit_meta(&e);
	emit_struct(&e);
	emit_taps_fn(&e);
	emit_stable_fn(&e);
	emit_plan(&e);
	if (e.s->nsrc + e.s->nout)
		out(&e, "%s", interp_text);
	emit_margin(&e);
	emit_set_coefs(&e);
	emit_lifecycle(&e);
	emit_run(&e);
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
	out(&e, "/* @.h — generated by dpmc from model '%s'.\n", s->m->name);
	out(&e, " * params (index: name default [min, max]):\n");
	for (i = 0; i < s->nparams; i++)
		out(&e, " *   %d: %s = %g [%g, %g]%s\n", i, s->params[i].name, s->params[i].def,
		    s->params[i].lo, s->params[i].hi, s->params[i].is_log ? " log" : "");
	out(&e, " * outputs (channels, in order):");
	for (i = 0; i < s->nout; i++)
		out(&e, " %s", s->out[i].name);
	out(&e, "\n */\n#ifndef @_H\n#define @_H\n\n");
	out(&e, "typedef struct @ @;                /* all state of one instance */\n\n");
	out(&e, "/* metadata */\n");
	out(&e, "int @_nparams(void);\nint @_noutputs(void);\nint @_ndim(void);\n");
	out(&e, "const char *@_name(void);\n");
	out(&e, "const char *@_param_name(int i);\n");
	out(&e, "double @_param_default(int i);\ndouble @_param_min(int i);    /* -inf without a range */\n");
	out(&e, "double @_param_max(int i);    /* +inf without a range */\n");
	out(&e, "int @_param_log(int i);       /* fitted on a log scale */\n");
	out(&e, "const char *@_output_name(int i);\n");
	out(&e, "double @_default_rate(void);\n\n");
	out(&e, "/* The grid @_create would use: 0 on success, else an error in err.\n"
	        " * params: NULL for the defaults; rate <= 0: the model's; grid: NULL or\n"
	        " * intervals per axis, 0 = the model's `grid` or the finest stable one. */\n");
	out(&e, "int @_plan(const double *params, double rate, const int *grid,\n"
	        "           int *grid_out, double *h_out, char *err, int errsz);\n\n");
	out(&e, "/* A new instance (the only call that allocates), or NULL with err set. */\n");
	out(&e, "@ *@_create(const double *params, double rate, const int *grid, char *err, int errsz);\n");
	out(&e, "/* New param values on the same grid; the state is kept.  0 on success. */\n");
	out(&e, "int @_set_params(@ *m, const double *params, char *err, int errsz);\n");
	out(&e, "/* Back to the initial state, t = 0. */\nvoid @_reset(@ *m);\n");
	out(&e, "/* Advance n samples; out gets n * @_noutputs() values, interleaved. */\n");
	out(&e, "void @_run(@ *m, long n, double *out);\n");
	out(&e, "/* Intervals and spacing per axis. */\nvoid @_grid(const @ *m, int *n, double *h);\n");
	out(&e, "/* min over axes of h / h_min: >= 1 on a stable grid. */\ndouble @_stability(const @ *m);\n");
	out(&e, "/* level 0: u[n], 1: u[n-1]; (Nx+1)*(Ny+1) values, (i, j) at i + j*(Nx+1). */\n");
	out(&e, "const double *@_state(const @ *m, int level);\n");
	out(&e, "double @_rate(const @ *m);\n");
	out(&e, "void @_destroy(@ *m);\n\n#endif\n");
	return e.b.s;
}

const char *
cg_prefix(Arena *a, const Model *m)
{
	static const char *const reserved[] = {
		"auto", "break", "case", "char", "const", "continue", "default", "do",
		"double", "else", "enum", "extern", "float", "for", "goto", "if",
		"inline", "int", "long", "register", "restrict", "return", "short",
		"signed", "sizeof", "static", "struct", "switch", "typedef", "union",
		"unsigned", "void", "volatile", "while", "main",
	};
	size_t i;

	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strcmp(m->name, reserved[i]) == 0) {
			Buf b = {0};
			char *r;
			buf_printf(&b, "dpm_%s", m->name);
			r = arena_strdup(a, b.s);
			buf_free(&b);
			return r;
		}
	return m->name;
}
