/* peaks — the strongest spectral peaks of one channel of a sound file.
 *
 *   peaks FILE.wav [-c CH] [-n N] [--fmin F] [--fmax F] [--skip SEC]
 *                  [--dur SEC] [--floor DB]
 *
 * Prints `freq amplitude` lines (Hz, sinusoid amplitude in the file's
 * units), sorted by frequency.  On a stationary signal (a lossless model
 * after its excitation has ended) the frequencies are good to ~1e-9
 * relative; tests/physics checks 1e-6 on synthetic sums of sinusoids.
 * Channels count from 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

static void
usage(void)
{
	fprintf(stderr, "usage: peaks FILE.wav [-c CH] [-n N] [--fmin F] "
	        "[--fmax F] [--skip SEC] [--dur SEC] [--floor DB]\n");
	exit(2);
}

static int
byfreq(const void *a, const void *b)
{
	const Peak *p = a, *q = b;

	return (p->nu > q->nu) - (p->nu < q->nu);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	int ch = 0, np = 10, i, got;
	double fmin = 0, fmax = -1, skip = 0, dur = -1, floordb = 100;
	double rate, wsum = 0, *x, *w;
	long n, s0, len, m;
	Peak *p;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 < argc && !strcmp(a, "-c"))
			ch = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "-n"))
			np = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--fmin"))
			fmin = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--fmax"))
			fmax = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--skip"))
			skip = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--dur"))
			dur = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "--floor"))
			floordb = atof(argv[++i]);
		else if (a[0] == '-' && a[1])
			usage();
		else if (!path)
			path = a;
		else
			usage();
	}
	if (!path || np < 1)
		usage();
	x = sig_read(path, ch, &n, &rate);
	if (!x)
		return 1;
	s0 = (long)(skip * rate + 0.5);
	if (s0 < 0)
		s0 = 0;
	len = n - s0;
	if (dur > 0 && (long)(dur * rate) < len)
		len = (long)(dur * rate);
	if (len < 16) {
		fprintf(stderr, "%s: fewer than 16 samples to analyse\n", path);
		return 1;
	}
	if (fmax <= 0 || fmax > rate / 2)
		fmax = rate / 2;
	w = malloc(sizeof *w * len);
	p = malloc(sizeof *p * np);
	if (!w || !p)
		return 1;
	sig_window(w, len);
	for (m = 0; m < len; m++) {
		wsum += w[m];
		w[m] *= x[s0 + m];
	}
	got = sig_peaks(w, len, wsum, fmin / rate, fmax / rate, floordb, p, np);
	qsort(p, got, sizeof *p, byfreq);
	for (i = 0; i < got; i++)
		printf("%.10f %.6e\n", p[i].nu * rate, p[i].amp);
	free(w);
	free(p);
	free(x);
	return 0;
}
