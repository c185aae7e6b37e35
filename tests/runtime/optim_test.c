/* optim_test.c — the free-space transforms and Adam of runtime/optim.c.
 * Prints PASS/FAIL lines; exits 1 on a failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static int failed;

static void
check(int ok, const char *name, const char *fmt, double a, double b)
{
	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	printf("FAIL %s: ", name);
	printf(fmt, a, b);
	printf("\n");
	failed = 1;
}

typedef struct {
	const char *what;
	double lo, hi;
	int is_log;
	double v[4];            /* points inside to round-trip */
} Range;

static const Range ranges[] = {
	{"finite", 0.01, 0.99, 0, {0.13, 0.5, 0.77, 0.98999}},
	{"finite_neg", -3, 5, 0, {-2.9999, -1, 0, 4.5}},
	{"finite_log", 20, 2000, 1, {20.001, 110, 440, 1999}},
	{"zero_lo", 0, 0.01, 0, {1e-4, 1e-9, 0.005, 0.00999}},
	{"lo_only", 0, INFINITY, 0, {1e-6, 0.5, 3, 1e4}},
	{"lo_only_log", 0.05, INFINITY, 1, {0.050001, 1, 30, 1e6}},
	{"hi_only", -INFINITY, 2, 0, {-1e4, -1, 1.5, 1.999999}},
	{"hi_only_log", -INFINITY, 30, 1, {1e-8, 0.1, 6, 29.9}},
	{"none", -INFINITY, INFINITY, 0, {-1e5, -0.5, 0, 7}},
	{"none_log", -INFINITY, INFINITY, 1, {1e-9, 0.2, 1, 1e7}},
};
#define NRANGE (int)(sizeof ranges / sizeof ranges[0])

static void
test_transforms(void)
{
	const Range *r;
	double v, z, w, d, dp, dm, fd, h, rt_err = 0, d_err = 0;
	double huge[] = {-1e300, -1e6, -RT_FREE_ZMAX - 1, -31, 31, 1e6, 1e300};
	int i, j, inside = 1, finite = 1, reach = 1, k;
	char name[96];

	for (r = ranges; r < ranges + NRANGE; r++) {
		for (i = 0; i < 4; i++) {
			v = r->v[i];
			z = rt_to_free(v, r->lo, r->hi, r->is_log);
			w = rt_from_free(z, r->lo, r->hi, r->is_log, &d);
			/* relative, or absolute at 0 */
			rt_err = fmax(rt_err, fabs(w - v) / (v != 0 ? fabs(v) : 1));
			/* dv/dz against a central difference, and positive */
			h = 1e-5 * fmax(1, fabs(z));
			fd = (rt_from_free(z + h, r->lo, r->hi, r->is_log, &dp) -
			      rt_from_free(z - h, r->lo, r->hi, r->is_log, &dm)) / (2 * h);
			if (!(d > 0) || fabs(fd - d) > 1e-6 * fabs(d)) {
				printf("# %s at v = %g, z = %g: dv/dz %.12g, finite difference %.12g\n",
				       r->what, v, z, d, fd);
				d_err = fmax(d_err, d > 0 ? fabs(fd - d) / d : 1);
			}
		}
		for (j = 0; j < (int)(sizeof huge / sizeof huge[0]); j++) {
			w = rt_from_free(huge[j], r->lo, r->hi, r->is_log, &d);
			if (!(w >= r->lo && w <= r->hi) || (r->is_log && !(w > 0))) {
				printf("# %s: z = %g gives %g, outside [%g, %g]\n",
				       r->what, huge[j], w, r->lo, r->hi);
				inside = 0;
			}
			if (!isfinite(w) || !isfinite(d) || !(d > 0)) {
				printf("# %s: z = %g gives v %g, dv/dz %g\n", r->what, huge[j], w, d);
				finite = 0;
			}
		}
		/* a finite range keeps the ends strictly out of reach... */
		if (isfinite(r->lo) && isfinite(r->hi)) {
			for (k = -1; k <= 1; k += 2) {
				w = rt_from_free(k * 1e9, r->lo, r->hi, r->is_log, NULL);
				if (w == (k < 0 ? r->lo : r->hi)) {
					printf("# %s: z = %g reaches the end %g itself\n", r->what, k * 1e9, w);
					inside = 0;
				}
			}
			/* ...but gets within 1e-12 of the range of each end */
			for (k = 0; k < 2; k++) {
				double a = r->is_log ? log(r->lo) : r->lo, b = r->is_log ? log(r->hi) : r->hi;
				double e = k ? b - 1e-12 * (b - a) : a + 1e-12 * (b - a), got;

				v = r->is_log ? exp(e) : e;
				got = rt_from_free(rt_to_free(v, r->lo, r->hi, r->is_log),
				                   r->lo, r->hi, r->is_log, NULL);
				if (fabs(got - v) > 1e-13 * (r->hi - r->lo)) {
					printf("# %s: %.17g comes back as %.17g\n", r->what, v, got);
					reach = 0;
				}
			}
		}
	}
	check(rt_err < 1e-12, "free_round_trip", "relative error %g, want < %g", rt_err, 1e-12);
	check(d_err == 0, "free_derivative_fd", "relative error %g, want < %g", d_err, 1e-6);
	check(inside, "free_never_leaves_range", "%g %g", 0, 0);
	check(finite, "free_finite_everywhere", "%g %g", 0, 0);
	check(reach, "free_reaches_the_ends", "%g %g", 0, 0);
	/* v outside its range comes in at the bound; v <= 0 of a log param too */
	z = rt_to_free(5, 0.01, 0.99, 0);
	w = rt_from_free(z, 0.01, 0.99, 0, NULL);
	snprintf(name, sizeof name, "free_outside_clamped");
	check(w > 0.98 && w < 0.99, name, "5 in [0.01, 0.99] comes back as %g (z %g)", w, z);
	w = rt_from_free(rt_to_free(-1, 20, 2000, 1), 20, 2000, 1, NULL);
	check(w >= 20 && w < 20.01, "free_log_nonpositive", "-1 as a log param in [20, 2000] gives %g%g", w, 0);
	/* an empty range holds still */
	w = rt_from_free(3, 7, 7, 0, &d);
	check(w == 7 && d == 0, "free_empty_range", "v %g, dv/dz %g", w, d);
}

/* f = sum a_i (z_i - c_i)^2 */
static double
quad(const double *z, double *g)
{
	static const double a[3] = {1, 10, 100}, c[3] = {3, -2, 0.5};
	double f = 0;
	int i;

	for (i = 0; i < 3; i++) {
		f += a[i] * (z[i] - c[i]) * (z[i] - c[i]);
		g[i] = 2 * a[i] * (z[i] - c[i]);
	}
	return f;
}

static double
rosen(const double *z, double *g)
{
	double x = z[0], y = z[1];

	g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
	g[1] = 200 * (y - x * x);
	return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
}

static void
test_adam(void)
{
	RtAdam *a, *b;
	double z[3] = {0, 0, 0}, g[3], e, zb[3], g2[3];
	int i, ok;

	/* a quadratic with curvatures over two decades, from 0 */
	a = rt_adam_new(3, 0.05);
	for (i = 0; i < 3000; i++) {
		quad(z, g);
		rt_adam_step(a, z, g, 0);
	}
	e = fmax(fabs(z[0] - 3), fmax(fabs(z[1] + 2), fabs(z[2] - 0.5)));
	check(e < 1e-9, "adam_quadratic", "|z - z*| %g after 3000 steps, want < %g", e, 1e-9);
	rt_adam_free(a);

	/* Rosenbrock from the classic start (-1.2, 1), clipped */
	z[0] = -1.2;
	z[1] = 1;
	a = rt_adam_new(2, 0.02);
	for (i = 0; i < 20000; i++) {
		rosen(z, g);
		if (i == 10000)
			rt_adam_set_lr(a, 0.002);
		rt_adam_step(a, z, g, 10);
	}
	e = fmax(fabs(z[0] - 1), fabs(z[1] - 1));
	check(e < 1e-6, "adam_rosenbrock", "|z - (1, 1)| %g after 20000 steps, want < %g", e, 1e-6);
	rt_adam_free(a);

	/* clipping is the same as stepping with the clipped gradient */
	a = rt_adam_new(2, 0.1);
	b = rt_adam_new(2, 0.1);
	z[0] = zb[0] = 0.3;
	z[1] = zb[1] = -0.7;
	ok = 1;
	for (i = 0; i < 50; i++) {
		double n, s;

		rosen(z, g);
		g[0] *= i % 7 == 3 ? 1e6 : 1;   /* spikes */
		n = hypot(g[0], g[1]);
		s = n > 5 ? 5 / n : 1;
		g2[0] = g[0] * s;
		g2[1] = g[1] * s;
		rt_adam_step(a, z, g, 5);
		rt_adam_step(b, zb, g2, 0);
		ok &= fabs(z[0] - zb[0]) < 1e-12 && fabs(z[1] - zb[1]) < 1e-12;
	}
	check(ok, "adam_clip", "clipped and pre-clipped paths part: %g vs %g", z[0], zb[0]);
	rt_adam_free(a);
	rt_adam_free(b);

	/* undo restores everything: step, bad step, undo, step = step, step */
	a = rt_adam_new(2, 0.1);
	b = rt_adam_new(2, 0.1);
	z[0] = zb[0] = 0.3;
	z[1] = zb[1] = -0.7;
	g[0] = 1;
	g[1] = -2;
	rt_adam_step(a, z, g, 0);
	rt_adam_step(b, zb, g, 0);
	g2[0] = 1e3;
	g2[1] = 7;
	rt_adam_step(b, zb, g2, 0);
	ok = rt_adam_undo(b, zb) == 0 && rt_adam_undo(b, zb) == -1;
	g[0] = -0.5;
	g[1] = 0.25;
	rt_adam_step(a, z, g, 0);
	rt_adam_step(b, zb, g, 0);
	check(ok && z[0] == zb[0] && z[1] == zb[1], "adam_undo",
	      "after undo z0 %.17g, without the bad step %.17g", zb[0], z[0]);

	/* the first step of Adam moves each value by the learning rate */
	rt_adam_free(a);
	a = rt_adam_new(2, 0.1);
	rt_adam_set_lr(a, 0.025);
	z[0] = z[1] = 0;
	g[0] = 3;
	g[1] = -1e-3;
	rt_adam_step(a, z, g, 0);
	check(fabs(z[0] + 0.025) < 1e-9 && fabs(z[1] - 0.025) < 1e-6 && rt_adam_lr(a) == 0.025,
	      "adam_set_lr", "first step %g, %g with lr 0.025", z[0], z[1]);

	/* a non-finite gradient changes nothing */
	zb[0] = z[0];
	zb[1] = z[1];
	g[0] = NAN;
	g[1] = 1;
	ok = rt_adam_step(a, z, g, 1) == -1;
	g[0] = 1;
	g[1] = INFINITY;
	ok &= rt_adam_step(a, z, g, 0) == -1;
	ok &= z[0] == zb[0] && z[1] == zb[1];
	/* and the state is intact: undo goes back past the rejected steps */
	ok &= rt_adam_undo(a, z) == 0 && z[0] == 0 && z[1] == 0;
	check(ok, "adam_nonfinite_rejected", "z %g, %g", z[0], z[1]);
	rt_adam_free(a);
	rt_adam_free(b);
}

int
main(void)
{
	test_transforms();
	test_adam();
	return failed;
}
