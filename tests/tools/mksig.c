/* mksig — synthetic test signals with known frequencies and decay rates,
 * to check peaks and decay against exact answers.
 *
 *   mksig OUT.wav [-r RATE] [-d SEC] [--pcm] [-c CH] F:A[:S[:PH]] ...
 *
 * Adds A e^{-S t} cos(2 pi F t + PH) for each component (S, PH default
 * 0) to channel CH (the last -c before it, default 0); the file has as
 * many channels as the highest CH + 1.  32-bit float unless --pcm (24-bit,
 * scaled to a peak of 0.9 of full scale). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#define SIG_PI 3.14159265358979323846

#define MAXC 256

typedef struct {
	int ch;
	double f, a, s, ph;
} Comp;

static void
usage(void)
{
	fprintf(stderr, "usage: mksig OUT.wav [-r RATE] [-d SEC] [--pcm] "
	        "[-c CH] F:A[:S[:PH]] ...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	double rate = 44100, dur = 1, peak = 0, *y;
	int pcm = 0, ch = 0, nch = 1, nc = 0, i, c;
	long n, m;
	Comp comp[MAXC];
	SF_INFO info;
	SNDFILE *f;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 < argc && !strcmp(a, "-r"))
			rate = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "-d"))
			dur = atof(argv[++i]);
		else if (i + 1 < argc && !strcmp(a, "-c"))
			ch = atoi(argv[++i]);
		else if (!strcmp(a, "--pcm"))
			pcm = 1;
		else if (a[0] == '-' && a[1])
			usage();
		else if (!path)
			path = a;
		else {
			Comp *k = &comp[nc];

			if (nc == MAXC || ch < 0)
				usage();
			k->ch = ch;
			k->s = k->ph = 0;
			if (sscanf(a, "%lf:%lf:%lf:%lf", &k->f, &k->a, &k->s,
			           &k->ph) < 2)
				usage();
			if (ch + 1 > nch)
				nch = ch + 1;
			nc++;
		}
	}
	if (!path || rate <= 0 || dur <= 0)
		usage();
	n = (long)(dur * rate + 0.5);
	y = calloc((size_t)n * nch, sizeof *y);
	if (!y)
		return 1;
	for (c = 0; c < nc; c++)
		for (m = 0; m < n; m++) {
			double t = m / rate;

			y[m * nch + comp[c].ch] += comp[c].a * exp(-comp[c].s * t)
			    * cos(2 * SIG_PI * comp[c].f * t + comp[c].ph);
		}
	for (m = 0; m < n * nch; m++)
		if (fabs(y[m]) > peak)
			peak = fabs(y[m]);
	if (pcm && peak > 0)
		for (m = 0; m < n * nch; m++)
			y[m] *= 0.9 / peak;
	memset(&info, 0, sizeof info);
	info.samplerate = (int)rate;
	info.channels = nch;
	info.format = SF_FORMAT_WAV
	            | (pcm ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT);
	f = sf_open(path, SFM_WRITE, &info);
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
		return 1;
	}
	if (!pcm)
		sf_command(f, SFC_SET_NORM_DOUBLE, NULL, SF_FALSE);
	if (sf_writef_double(f, y, n) != n) {
		fprintf(stderr, "%s: short write\n", path);
		sf_close(f);
		return 1;
	}
	sf_close(f);
	free(y);
	return 0;
}
