/* decay — the exponential decay rate of one partial of a sound file.
 *
 *   decay FILE.wav --freq F [-c CH] [--t0 S] [--t1 S] [--frame S]
 *                  [--range DB]
 *
 * Prints `rate T60`: the amplitude decay rate (1/s) of the partial nearest
 * F Hz and T60 = 3 ln 10 / rate, the time to fall 60 dB.
 *
 * Method: the partial's frequency is refined on the whole segment [t0, t1]
 * (peak of the windowed DTFT, as in peaks), then its amplitude is tracked
 * by the windowed DTFT at that frequency over frames (--frame seconds,
 * default 0.1, hop a quarter frame).  For a + b e^{-s t} cos(w t) the
 * frame magnitude is exactly e^{-s tc} times a constant of the window, tc
 * the frame's centre, so a least-squares line through log magnitude
 * against tc has slope -s; neighbours and the negative-frequency image
 * only add the window's side-lobe leakage (-92 dB).  Choose the frame so
 * that +-4/frame Hz excludes the neighbouring partials.  The fit stops at
 * the first frame more than --range dB (default 60) below the loudest:
 * further down, a slower neighbour's leakage would bend the line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

#define MAXP 4096

static void
usage(void)
{
	fprintf(stderr, "usage: decay FILE.wav --freq F [-c CH] [--t0 S] "
	        "[--t1 S] [--frame S] [--range DB]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	int ch = 0, i, got, best;
	double f = -1, t0 = 0, t1 = -1, frame = 0.1, range = 60, rate, nu;
	double sx = 0, sy = 0, sxx = 0, sxy = 0, cnt = 0, wsum = 0, slope;
	double *x, *w, *xw, *tcs, *ys, ymax;
	long n, s0, s1, len, L, hop, m, st, nf, j;
	Peak *p;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 < argc && !strcmp(a, "-c"))
			ch = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--freq"))
			f = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--t0"))
			t0 = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--t1"))
			t1 = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--frame"))
			frame = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--range"))
			range = atof(argv[++i]);
		else if (a[0] == '-' && a[1])
			usage();
		else if (!path)
			path = a;
		else
			usage();
	}
	if (!path || f <= 0 || frame <= 0)
		usage();
	x = sig_read(path, ch, &n, &rate);
	if (!x)
		return 1;
	s0 = (long)(t0 * rate + 0.5);
	s1 = t1 > 0 ? (long)(t1 * rate + 0.5) : n;
	if (s0 < 0)
		s0 = 0;
	if (s1 > n)
		s1 = n;
	len = s1 - s0;
	L = (long)(frame * rate + 0.5);
	if (L < 16 || len < 2 * L) {
		fprintf(stderr, "%s: segment shorter than two frames\n", path);
		return 1;
	}

	/* the partial's frequency, on the whole segment */
	w = malloc(sizeof *w * len);
	xw = malloc(sizeof *xw * len);
	p = malloc(sizeof *p * MAXP);
	if (!w || !xw || !p)
		return 1;
	sig_window(w, len);
	for (m = 0; m < len; m++) {
		wsum += w[m];
		xw[m] = w[m] * x[s0 + m];
	}
	got = sig_peaks(xw, len, wsum, 0, 0.5, 100, p, MAXP);
	if (got == 0) {
		fprintf(stderr, "%s: no spectral peak\n", path);
		return 1;
	}
	best = 0;
	for (i = 1; i < got; i++)
		if (fabs(p[i].nu * rate - f) < fabs(p[best].nu * rate - f))
			best = i;
	nu = p[best].nu;

	/* its amplitude frame by frame */
	sig_window(w, L);
	hop = L / 4;
	tcs = malloc(sizeof *tcs * (len / hop + 1));
	ys = malloc(sizeof *ys * (len / hop + 1));
	if (!tcs || !ys)
		return 1;
	nf = 0;
	for (st = s0; st + L <= s1; st += hop) {
		double re, im;

		for (m = 0; m < L; m++)
			xw[m] = w[m] * x[st + m];
		sig_dtft(xw, L, nu, &re, &im, NULL, NULL);
		tcs[nf] = (st + 0.5 * (L - 1)) / rate;
		ys[nf] = hypot(re, im) > 0 ? log(hypot(re, im)) : -HUGE_VAL;
		nf++;
	}
	ymax = -HUGE_VAL;
	for (j = 0; j < nf; j++)
		if (ys[j] > ymax)
			ymax = ys[j];
	for (j = 0; j < nf; j++) {
		if (ys[j] < ymax - range / 20 * log(10))
			break;
		sx += tcs[j];
		sy += ys[j];
		sxx += tcs[j] * tcs[j];
		sxy += tcs[j] * ys[j];
		cnt++;
	}
	if (cnt < 2) {
		fprintf(stderr, "%s: fewer than two frames\n", path);
		return 1;
	}
	slope = (cnt * sxy - sx * sy) / (cnt * sxx - sx * sx);
	fprintf(stderr, "decay: partial at %.6f Hz, %d frames\n", nu * rate,
	        (int)cnt);
	printf("%.9g %.9g\n", -slope, 3 * log(10) / -slope);
	free(x);
	free(w);
	free(xw);
	free(p);
	free(tcs);
	free(ys);
	return 0;
}
