/* optim.c — what a fit needs besides the gradient: the map from an
 * unconstrained space onto each param's range, and Adam.
 * requires: libm only.  The transforms are described in rt.h; here, how
 * they stay accurate and finite at the ends. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* A softplus side reaches within exp(-SP_ZMIN) of its bound: about
 * 1e-304, so a half-open range is as good as closed; a log side without
 * bound stops at exp(+-LOG_WMAX), short of overflow. */
#define SP_ZMIN 700.0
#define LOG_WMAX 700.0

static double
clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* sigmoid without overflow for either sign */
static double
sigm(double z)
{
	double e;

	if (z >= 0)
		return 1 / (1 + exp(-z));
	e = exp(z);
	return e / (1 + e);
}

static double
softplus(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* The inverse of softplus for u > 0: log(e^u - 1), written so neither a
 * large u (e^u overflows) nor a small one (e^u - 1 cancels) loses it. */
static double
softplus_inv(double u)
{
	return u + log(-expm1(-u));
}

/* w = T(z) onto [a, b] (either end may be infinite), *d = dw/dz. */
static double
to_range(double z, double a, double b, double *d)
{
	double s, sm;

	if (isfinite(a) && isfinite(b)) {
		if (a == b) {
			*d = 0;
			return a;
		}
		z = clamp(z, -RT_FREE_ZMAX, RT_FREE_ZMAX);
		s = sigm(z);
		sm = sigm(-z);
		*d = (b - a) * s * sm;
		/* measure from the nearer end: no 1 - s cancellation near b */
		return z < 0 ? a + (b - a) * s : b - (b - a) * sm;
	}
	if (isfinite(a)) {
		z = z < -SP_ZMIN ? -SP_ZMIN : z;
		*d = sigm(z);
		return a + softplus(z);
	}
	if (isfinite(b)) {
		z = z > SP_ZMIN ? SP_ZMIN : z;
		*d = sigm(-z);
		return b - softplus(-z);
	}
	*d = 1;
	return z;
}

/* The inverse of to_range: z with T(z) = w, w taken into [a, b]. */
static double
from_range(double w, double a, double b)
{
	double p, pmin;

	if (isfinite(a) && isfinite(b)) {
		if (a == b)
			return 0;
		pmin = sigm(-RT_FREE_ZMAX);
		w = clamp(w, a, b);
		p = (w - a) / (b - a);
		if (p <= 0.5) {
			p = p < pmin ? pmin : p;
			return clamp(log(p) - log1p(-p), -RT_FREE_ZMAX, RT_FREE_ZMAX);
		}
		p = (b - w) / (b - a);
		p = p < pmin ? pmin : p;
		return clamp(log1p(-p) - log(p), -RT_FREE_ZMAX, RT_FREE_ZMAX);
	}
	if (isfinite(a))
		return w - a <= 0 ? -SP_ZMIN : fmax(softplus_inv(w - a), -SP_ZMIN);
	if (isfinite(b))
		return b - w <= 0 ? SP_ZMIN : fmin(-softplus_inv(b - w), SP_ZMIN);
	return w;
}

/* A log param lives in log space; a bound at or below 0 is no bound. */
static void
log_ends(double lo, double hi, double *a, double *b)
{
	*a = lo > 0 && isfinite(lo) ? log(lo) : -INFINITY;
	*b = hi > 0 && isfinite(hi) ? log(hi) : INFINITY;
}

double
rt_from_free(double z, double lo, double hi, int is_log, double *dv_dz)
{
	double a, b, w, d, v;

	if (!is_log) {
		v = to_range(z, lo, hi, &d);
	} else {
		log_ends(lo, hi, &a, &b);
		w = to_range(z, a, b, &d);
		v = exp(clamp(w, -LOG_WMAX, LOG_WMAX));
		d *= v;
	}
	if (dv_dz)
		*dv_dz = d;
	return clamp(v, lo, hi);
}

double
rt_to_free(double v, double lo, double hi, int is_log)
{
	double a, b;

	if (!is_log)
		return from_range(v, lo, hi);
	log_ends(lo, hi, &a, &b);
	if (!(v > 0))
		return isfinite(a) ? from_range(a, a, b) : -LOG_WMAX;
	return from_range(clamp(log(v), -LOG_WMAX, LOG_WMAX), a, b);
}

double
rt_to_free_start(double v, double lo, double hi, int is_log)
{
	double z = rt_to_free(v, lo, hi, is_log), a = lo, b = hi;

	if (is_log)
		log_ends(lo, hi, &a, &b);
	if (isfinite(a) && isfinite(b) && fabs(z) > RT_START_ZEND)
		z = z < 0 ? -RT_START_ZMAX : RT_START_ZMAX;
	return z;
}

/* ---- Adam ---- */
struct RtAdam {
	int n;
	double lr;
	long t;                 /* steps taken */
	double *m, *v;          /* first and second moments */
	double *z0, *m0, *v0;   /* before the last step, for rt_adam_undo */
	long t0;
	int undo;               /* a step to take back */
};

RtAdam *
rt_adam_new(int n, double lr)
{
	RtAdam *a;

	if (n < 1 || !(a = calloc(1, sizeof *a)))
		return NULL;
	a->n = n;
	a->lr = lr;
	a->m = calloc((size_t)n * 5, sizeof *a->m);
	if (!a->m) {
		free(a);
		return NULL;
	}
	a->v = a->m + n;
	a->z0 = a->v + n;
	a->m0 = a->z0 + n;
	a->v0 = a->m0 + n;
	return a;
}

void
rt_adam_free(RtAdam *a)
{
	if (!a)
		return;
	free(a->m);
	free(a);
}

void
rt_adam_set_lr(RtAdam *a, double lr)
{
	a->lr = lr;
}

double
rt_adam_lr(const RtAdam *a)
{
	return a->lr;
}

int
rt_adam_step(RtAdam *a, double *z, const double *g, double clip)
{
	double big = 0, nrm = 0, s = 1, gi, b1t, b2t, mh, vh;
	int i, n = a->n;
	size_t sz = (size_t)n * sizeof *z;

	for (i = 0; i < n; i++) {
		if (!isfinite(g[i]))
			return -1;
		big = fmax(big, fabs(g[i]));
	}
	/* the 2-norm scaled by the largest entry: no overflow for huge g */
	if (clip > 0 && big > 0) {
		for (i = 0; i < n; i++)
			nrm += (g[i] / big) * (g[i] / big);
		nrm = big * sqrt(nrm);
		if (nrm > clip)
			s = clip / nrm;
	}
	memcpy(a->z0, z, sz);
	memcpy(a->m0, a->m, sz);
	memcpy(a->v0, a->v, sz);
	a->t0 = a->t;
	a->undo = 1;
	a->t++;
	b1t = 1 - pow(0.9, (double)a->t);
	b2t = 1 - pow(0.999, (double)a->t);
	for (i = 0; i < n; i++) {
		gi = g[i] * s;
		a->m[i] = 0.9 * a->m[i] + 0.1 * gi;
		a->v[i] = 0.999 * a->v[i] + 0.001 * gi * gi;
		mh = a->m[i] / b1t;
		vh = a->v[i] / b2t;
		z[i] -= a->lr * mh / (sqrt(vh) + 1e-8);
	}
	return 0;
}

int
rt_adam_undo(RtAdam *a, double *z)
{
	size_t sz = (size_t)a->n * sizeof *z;

	if (!a->undo)
		return -1;
	memcpy(z, a->z0, sz);
	memcpy(a->m, a->m0, sz);
	memcpy(a->v, a->v0, sz);
	a->t = a->t0;
	a->undo = 0;
	return 0;
}

/* ---- steps comparable across params, and the rate over a fit ---- */

double
rt_free_scale(double v0, double lo, double hi, int is_log)
{
	double a = lo, b = hi, u;

	if (is_log)
		log_ends(lo, hi, &a, &b);
	/* the step: an e-fold for a log param, sqrt(e-folds) for a range of
	 * more; the range for a linear one, else its own size */
	if (is_log)
		u = isfinite(a) && isfinite(b) && b - a > 1 ? sqrt(b - a) : 1;
	else if (isfinite(a) && isfinite(b))
		return a < b ? 4 : 1;    /* 4 u / (b - a), u = b - a (which may overflow) */
	else
		u = v0 != 0 && isfinite(v0) ? fabs(v0) : 1;
	/* dw/dz at the middle of a finite range is (b - a) / 4; a softplus
	 * side or no bound has slope 1 (far from the bound) */
	if (isfinite(a) && isfinite(b))
		return a < b ? 4 * u / (b - a) : 1;
	return u;
}

double
rt_lr_at(double lr, long step, long steps)
{
	long w = (long)ceil(RT_WARMUP * (double)steps), n;
	double c;

	if (w < 1)
		w = 1;
	if (step < w)
		return lr * (double)(step + 1) / (double)w;
	n = steps - 1 - w;
	c = n > 0 ? 0.5 * (1 + cos(3.14159265358979323846 * (double)(step - w) / (double)n)) : 1;
	return lr * (RT_LR_END + (1 - RT_LR_END) * c);
}
