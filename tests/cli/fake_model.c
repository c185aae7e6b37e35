/* fake_model.c — a hand-written stand-in for the code emit_c.c generates,
 * following the API of scheme.h exactly, for testing the CLI, the
 * backends and the runtime without the rest of the compiler.
 * The ideal string of the language spec: u.tt = (2 f0)^2 u.xx on [0, 1],
 * fixed ends, plucked at 0.3, read at 0.77.  Its adjoint is written by
 * hand too, the simplest way (every state of the forward run kept). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ideal_string ideal_string;
struct ideal_string {
	double f0, rate, k, h, l2;
	int n;
	double *u, *u1, *u2;       /* u[n], u[n-1], scratch */
	double *hist;              /* P_forward: u[0..T-1] */
	long nhist;
};

int ideal_string_nparams(void) { return 1; }
int ideal_string_noutputs(void) { return 1; }
int ideal_string_ndim(void) { return 1; }
const char *ideal_string_name(void) { return "ideal_string"; }
const char *ideal_string_param_name(int i) { return i == 0 ? "f0" : NULL; }
double ideal_string_param_default(int i) { return i == 0 ? 220 : 0; }
double ideal_string_param_min(int i) { return i == 0 ? 20 : -HUGE_VAL; }
double ideal_string_param_max(int i) { return i == 0 ? 4000 : HUGE_VAL; }
int ideal_string_param_log(int i) { (void)i; return 0; }
const char *ideal_string_output_name(int i) { return i == 0 ? "out" : NULL; }
double ideal_string_default_rate(void) { return 44100; }

static int
check(const double *p, double rate, char *err, int errsz)
{
	double f0 = p ? p[0] : 220;

	if (!isfinite(f0) || f0 < 20 || f0 > 4000) {
		snprintf(err, (size_t)errsz, "param f0 = %g is outside its range [20, 4000]", f0);
		return 1;
	}
	if (!isfinite(rate) || rate <= 0) {
		snprintf(err, (size_t)errsz, "the rate %g is not positive", rate);
		return 1;
	}
	return 0;
}

int
ideal_string_plan(const double *p, double rate, const int *grid, int *grid_out,
                  double *h_out, char *err, int errsz)
{
	double f0 = p ? p[0] : 220, hmin;
	int nmax, n;

	if (rate <= 0)
		rate = 44100;
	if (check(p, rate, err, errsz))
		return 1;
	hmin = 2 * f0 / rate;
	nmax = (int)floor(1 / hmin);
	n = grid && grid[0] > 0 ? grid[0] : nmax;
	if (n > nmax) {
		snprintf(err, (size_t)errsz, "grid %d is unstable for these values; the largest stable grid is %d", n, nmax);
		return 1;
	}
	if (n + 1.0 > 1e8) {
		snprintf(err, (size_t)errsz, "grid %d has over 1e8 points", n);
		return 1;
	}
	if (n < 2) {
		snprintf(err, (size_t)errsz, "grid %d is too coarse", n);
		return 1;
	}
	grid_out[0] = n;
	h_out[0] = 1.0 / n;
	return 0;
}

/* nothing varies in time here: the grid for any span is the one at t = 0 */
int
ideal_string_plan_for(const double *p, double rate, double span, const int *grid, int *grid_out,
                      double *h_out, char *err, int errsz)
{
	(void)span;
	return ideal_string_plan(p, rate, grid, grid_out, h_out, err, errsz);
}

void
ideal_string_reset(ideal_string *m)
{
	int i;

	for (i = 0; i <= m->n; i++) {
		double x = i * m->h, v = 1 - fabs(x - 0.3) / 0.05;
		m->u[i] = m->u1[i] = (i == 0 || i == m->n) ? 0 : 0.01 * (v > 0 ? v : 0);
	}
}

ideal_string *
ideal_string_create(const double *p, double rate, const int *grid, char *err, int errsz)
{
	ideal_string *m;
	int n;
	double h;

	if (rate <= 0)
		rate = 44100;
	if (ideal_string_plan(p, rate, grid, &n, &h, err, errsz))
		return NULL;
	m = calloc(1, sizeof *m);
	m->f0 = p ? p[0] : 220;
	m->rate = rate;
	m->k = 1 / rate;
	m->n = n;
	m->h = h;
	m->l2 = pow(2 * m->f0 * m->k / h, 2);
	m->u = calloc((size_t)n + 1, sizeof(double));
	m->u1 = calloc((size_t)n + 1, sizeof(double));
	m->u2 = calloc((size_t)n + 1, sizeof(double));
	ideal_string_reset(m);
	return m;
}

int
ideal_string_set_params(ideal_string *m, const double *p, char *err, int errsz)
{
	if (check(p, m->rate, err, errsz))
		return 1;
	if (2 * p[0] * m->k > m->h) {
		snprintf(err, (size_t)errsz, "f0 = %g is unstable on this grid", p[0]);
		return 1;
	}
	m->f0 = p[0];
	m->l2 = pow(2 * m->f0 * m->k / m->h, 2);
	return 0;
}

void
ideal_string_run(ideal_string *m, long n, double *out)
{
	long s;
	int i;
	double *t, a, xo;

	for (s = 0; s < n; s++) {
		for (i = 1; i < m->n; i++)
			m->u2[i] = 2 * m->u[i] - m->u1[i] + m->l2 * (m->u[i + 1] - 2 * m->u[i] + m->u[i - 1]);
		m->u2[0] = m->u2[m->n] = 0;
		t = m->u1; m->u1 = m->u; m->u = m->u2; m->u2 = t;
		xo = 0.77 / m->h;
		i = (int)floor(xo);
		a = xo - i;
		out[s] = (1 - a) * m->u[i] + a * m->u[i + 1];
	}
}

void ideal_string_grid(const ideal_string *m, int *n, double *h) { n[0] = m->n; h[0] = m->h; }
double ideal_string_stability(const ideal_string *m) { return m->h / (2 * m->f0 * m->k); }
const double *ideal_string_state(const ideal_string *m, int level) { return level ? m->u1 : m->u; }
double ideal_string_rate(const ideal_string *m) { return m->rate; }

void
ideal_string_destroy(ideal_string *m)
{
	if (!m)
		return;
	free(m->u);
	free(m->u1);
	free(m->u2);
	free(m->hist);
	free(m);
}

/* ---- the adjoint ----
 * u[s+1] = 2 u[s] - u[s-1] + l2 D u[s] at interior points, 0 at the ends;
 * y[s] = w . u[s+1].  Backwards, with a the adjoint of u[s+1] (interior
 * part nu): dL/dl2 += nu . D u[s], a[s] += (2 + l2 D) nu, a[s-1] -= nu. */

int
ideal_string_forward(ideal_string *m, long n, double *y, char *err, int errsz)
{
	long s;

	free(m->hist);
	m->nhist = 0;
	if (!(m->hist = malloc(sizeof(double) * (size_t)n * (size_t)(m->n + 1)))) {
		snprintf(err, (size_t)errsz, "out of memory");
		return 1;
	}
	m->nhist = n;
	ideal_string_reset(m);
	for (s = 0; s < n; s++) {
		memcpy(m->hist + s * (m->n + 1), m->u, sizeof(double) * (size_t)(m->n + 1));
		ideal_string_run(m, 1, y + s);
	}
	return 0;
}

int
ideal_string_backward(ideal_string *m, const double *dldy, double *grad, char *err, int errsz)
{
	int N = m->n, i, io;
	long s;
	double *a1 = calloc((size_t)N + 1, sizeof(double)), *a0 = calloc((size_t)N + 1, sizeof(double));
	double *am = calloc((size_t)N + 1, sizeof(double)), *t, dl2 = 0, xo, w;

	if (!a1 || !a0 || !am || !m->hist) {
		snprintf(err, (size_t)errsz, "no forward run, or out of memory");
		free(a1); free(a0); free(am);
		return 1;
	}
	xo = 0.77 / m->h;
	io = (int)floor(xo);
	w = xo - io;
	for (s = m->nhist - 1; s >= 0; s--) {
		const double *u = m->hist + s * (N + 1);
		a1[io] += (1 - w) * dldy[s];
		a1[io + 1] += w * dldy[s];
		for (i = 1; i < N; i++) {
			double nu = a1[i];
			dl2 += nu * (u[i + 1] - 2 * u[i] + u[i - 1]);
			a0[i] += (2 - 2 * m->l2) * nu;
			a0[i + 1] += m->l2 * nu;
			a0[i - 1] += m->l2 * nu;
			am[i] -= nu;
		}
		t = a1; a1 = a0; a0 = am; am = t;
		memset(am, 0, sizeof(double) * (size_t)(N + 1));
	}
	grad[0] = dl2 * 2 * m->l2 / m->f0;
	free(a1); free(a0); free(am);
	ideal_string_reset(m);
	return 0;
}

void ideal_string_set_checkpoints(ideal_string *m, long every) { (void)m; (void)every; }
void ideal_string_set_memory(ideal_string *m, double bytes) { (void)m; (void)bytes; }
void ideal_string_set_threads(ideal_string *m, int n) { (void)m; (void)n; }

void
ideal_string_op(const ideal_string *m, const double *u, const double *up, double *un)
{
	int i, N = m->n;

	un[0] = un[N] = 0;
	for (i = 1; i < N; i++) {
		double l = i > 1 ? u[i - 1] : 0, r = i < N - 1 ? u[i + 1] : 0;
		un[i] = 2 * u[i] - up[i] + m->l2 * (r - 2 * u[i] + l);
	}
}

void
ideal_string_op_adj(const ideal_string *m, const double *l, double *lu, double *lup)
{
	int i, N = m->n;

	memset(lu, 0, sizeof(double) * (size_t)(N + 1));
	memset(lup, 0, sizeof(double) * (size_t)(N + 1));
	for (i = 1; i < N; i++) {
		lu[i] += (2 - 2 * m->l2) * l[i];
		if (i > 1)
			lu[i - 1] += m->l2 * l[i];
		if (i < N - 1)
			lu[i + 1] += m->l2 * l[i];
		lup[i] = -l[i];
	}
}
