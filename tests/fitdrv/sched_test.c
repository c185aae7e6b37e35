/* sched_test.c — the fit's learning-rate schedule (rt_lr_at: linear
 * warmup, then a cosine decay) and its step scale (rt_free_scale)
 * against their closed forms.  Built with runtime/optim.c by run.sh.
 * Prints PASS/FAIL lines; exit status 1 on a failure. */
#include <math.h>
#include <stdio.h>

#include "rt.h"

static int bad;

static void
check(const char *name, int ok, const char *fmt, double a, double b)
{
	if (ok) {
		printf("PASS fitdrv/%s\n", name);
		return;
	}
	printf("FAIL fitdrv/%s: ", name);
	printf(fmt, a, b);
	printf("\n");
	bad = 1;
}

static int
near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fabs(b);
}

/* d(what)/dy at y by central differences through rt_from_free */
static double
slope(double y, double lo, double hi, int is_log, double v0, int logv)
{
	double s = rt_free_scale(v0, lo, hi, is_log), e = 1e-6;
	double a = rt_from_free(s * (y + e), lo, hi, is_log, NULL);
	double b = rt_from_free(s * (y - e), lo, hi, is_log, NULL);

	return logv ? (log(a) - log(b)) / (2 * e) : (a - b) / (2 * e);
}

int
main(void)
{
	const double lr = 0.01, pi = 3.14159265358979323846;
	long steps = 300, w = 15, t, up = 0;    /* 5 % of 300 */
	double prev, x, worst = 0;

	/* warmup: lr (t + 1) / w for t < w, exactly */
	for (t = 0; t < w; t++)
		worst = fmax(worst, fabs(rt_lr_at(lr, t, steps) - lr * (double)(t + 1) / (double)w));
	check("warmup-linear", worst <= 1e-18, "off by %g (lr %g)", worst, lr);
	check("warmup-first", near(rt_lr_at(lr, 0, steps), lr / 15, 1e-15), "%g, want %g", rt_lr_at(lr, 0, steps), lr / 15);
	/* then the cosine: lr at its start, halfway between lr and the floor
	 * at its middle, RT_LR_END lr at the last step, never rising */
	check("cosine-start", near(rt_lr_at(lr, w, steps), lr, 1e-15), "%g, want %g", rt_lr_at(lr, w, steps), lr);
	x = lr * (RT_LR_END + (1 - RT_LR_END) * 0.5 * (1 + cos(pi * 100.0 / 284.0)));
	check("cosine-closed-form", near(rt_lr_at(lr, w + 100, steps), x, 1e-13), "%g, want %g",
	      rt_lr_at(lr, w + 100, steps), x);
	check("cosine-end", near(rt_lr_at(lr, steps - 1, steps), RT_LR_END * lr, 1e-12), "%g, want %g",
	      rt_lr_at(lr, steps - 1, steps), RT_LR_END * lr);
	for (prev = lr, t = w; t < steps; t++) {
		x = rt_lr_at(lr, t, steps);
		up += x > prev;
		prev = x;
	}
	check("cosine-decreasing", up == 0, "rose %g times%.0f", (double)up, 0);
	/* short fits: one step is all warmup, at lr */
	check("one-step", rt_lr_at(lr, 0, 1) == lr, "%g, want %g", rt_lr_at(lr, 0, 1), lr);
	check("ten-steps", rt_lr_at(lr, 0, 10) == lr && rt_lr_at(lr, 9, 10) == RT_LR_END * lr,
	      "first %g, last %g", rt_lr_at(lr, 0, 10), rt_lr_at(lr, 9, 10));

	/* a unit step of y at the middle of the range: one e-fold of a log
	 * param of a range up to one e-fold wide, the square root of the
	 * e-folds of a wider one; the whole range of a linear one */
	x = slope(0, 40, 100, 1, 64, 1);
	check("scale-log-narrow", near(x, 1, 1e-6), "d log v / dy = %g, want %g", x, 1);
	x = slope(0, 40, 1000, 1, 200, 1);
	check("scale-log-wide", near(x, sqrt(log(25)), 1e-6), "d log v / dy = %g, want %g", x, sqrt(log(25)));
	x = slope(0, 1e-7, 1e-4, 1, 1e-5, 1);
	check("scale-log-decades", near(x, sqrt(log(1000)), 1e-6), "d log v / dy = %g, want %g", x,
	      sqrt(log(1000)));
	x = slope(0, 0.02, 0.5, 0, 0.2, 0);
	check("scale-linear", near(x, 0.48, 1e-6), "dv/dy = %g, want %g", x, 0.48);
	/* no range: one unit of y is |v0| (log: one e-fold) */
	x = slope(3, -INFINITY, INFINITY, 0, -3, 0);
	check("scale-unbounded", near(x, 3, 1e-6), "dv/dy = %g, want %g", x, 3);
	x = slope(2, 0, INFINITY, 1, 5, 1);
	check("scale-log-unbounded", near(x, 1, 1e-6), "d log v / dy = %g, want %g", x, 1);
	return bad;
}
