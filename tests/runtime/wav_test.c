/* wav_test.c — rt_wav_read on the real recordings a fit takes as its
 * target, and its errors.  Usage: wav_test RECORDING.wav SCRATCH_DIR.
 * Prints PASS/FAIL lines; exits 1 on a failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static int failed;

static void
check(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	printf("FAIL %s: %s\n", name, why);
	failed = 1;
}

static void
put(FILE *f, unsigned v, int bytes)
{
	while (bytes-- > 0) {
		fputc((int)(v & 0xff), f);
		v >>= 8;
	}
}

int
main(int argc, char **argv)
{
	char err[512], why[800], path[1024];
	double *x, peak = 0, q, off = 0;
	long n, i;
	int nch, rate;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: wav_test RECORDING.wav SCRATCH_DIR\n");
		return 2;
	}
	/* A 24-bit mono recording: every sample a multiple of 2^-23 in
	 * [-1, 1), and some of them loud. */
	x = rt_wav_read(argv[1], &n, &nch, &rate, err, sizeof err);
	if (!x) {
		snprintf(why, sizeof why, "%s", err);
		check(0, "wav_read_24bit", why);
		return 1;
	}
	for (i = 0; i < n * nch; i++) {
		peak = fmax(peak, fabs(x[i]));
		q = x[i] * 8388608.0;
		off = fmax(off, fabs(q - nearbyint(q)));
	}
	snprintf(why, sizeof why, "%ld frames, %d channels, %d Hz, peak %g, off the 24-bit grid by %g",
	         n, nch, rate, peak, off);
	check(nch == 1 && rate == 44100 && n > 100000 && peak > 0.05 && peak <= 1 && off == 0,
	      "wav_read_24bit", why);
	free(x);

	/* Errors name the file and say what is wrong. */
	snprintf(path, sizeof path, "%s/missing.wav", argv[2]);
	x = rt_wav_read(path, &n, &nch, &rate, err, sizeof err);
	snprintf(why, sizeof why, "got \"%s\"", x ? "(a signal)" : err);
	check(!x && strstr(err, path) && strstr(err, "No such file"), "wav_read_missing", why);

	snprintf(path, sizeof path, "%s/text.wav", argv[2]);
	f = fopen(path, "w");
	fputs("this is not a sound file\n", f);
	fclose(f);
	x = rt_wav_read(path, &n, &nch, &rate, err, sizeof err);
	snprintf(why, sizeof why, "got \"%s\"", x ? "(a signal)" : err);
	check(!x && strstr(err, path) && strstr(err, "not a sound file"), "wav_read_not_audio", why);

	/* a well-formed WAV header with no samples */
	snprintf(path, sizeof path, "%s/empty.wav", argv[2]);
	f = fopen(path, "wb");
	fputs("RIFF", f);
	put(f, 36, 4);
	fputs("WAVEfmt ", f);
	put(f, 16, 4);
	put(f, 1, 2);                   /* PCM */
	put(f, 1, 2);                   /* mono */
	put(f, 44100, 4);
	put(f, 44100 * 3, 4);
	put(f, 3, 2);
	put(f, 24, 2);
	fputs("data", f);
	put(f, 0, 4);
	fclose(f);
	x = rt_wav_read(path, &n, &nch, &rate, err, sizeof err);
	snprintf(why, sizeof why, "got \"%s\"", x ? "(a signal)" : err);
	check(!x && strstr(err, path) && strstr(err, "no audio"), "wav_read_empty", why);

	/* raw float out and back: the same values to float precision */
	{
		double y[2 * 300], *z;
		double e = 0;

		for (i = 0; i < 600; i++)
			y[i] = sin(0.01 * (double)i * (double)(i % 2 + 1)) * 3;
		snprintf(path, sizeof path, "%s/raw.wav", argv[2]);
		if (rt_wav_write(path, y, 300, 2, 48000, 1, err, sizeof err) != 0) {
			check(0, "wav_raw_round_trip", err);
		} else if (!(z = rt_wav_read(path, &n, &nch, &rate, err, sizeof err))) {
			check(0, "wav_raw_round_trip", err);
		} else {
			for (i = 0; i < 600; i++)
				e = fmax(e, fabs(z[i] - y[i]));
			snprintf(why, sizeof why, "%ld frames, %d channels, %d Hz, error %g",
			         n, nch, rate, e);
			check(n == 300 && nch == 2 && rate == 48000 && e < 3 * 6e-8, "wav_raw_round_trip", why);
			free(z);
		}
	}
	return failed;
}
