/* wavtest.c — runtime/wav.c against exact expectations: float files
 * round-trip, PCM peaks at -1 dBFS, silence stays silence, a blown-up
 * render or a bad path leaves no file, and reading reports missing and
 * non-audio files.  Usage: wavtest SCRATCH_DIR; prints PASS/FAIL lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"

static int nfail;

static void
check(int ok, const char *name, const char *why)
{
	if (ok)
		printf("PASS cli/wav-%s\n", name);
	else {
		printf("FAIL cli/wav-%s: %s\n", name, why);
		nfail++;
	}
}

int
main(int argc, char **argv)
{
	enum { N = 1000 };
	double x[2 * N], *y, peak;
	char path[4096], bad[4096], txt[4096], err[512], why[600];
	long n, i;
	int ch, rate, ok;
	FILE *f;

	if (argc != 2)
		return 2;
	snprintf(path, sizeof path, "%s/w.wav", argv[1]);
	for (i = 0; i < N; i++) {
		x[2 * i] = 0.25 * sin(0.01 * i) * exp(-0.001 * i);
		x[2 * i + 1] = -3.5 * cos(0.02 * i);    /* above 1: raw keeps it */
	}

	/* raw: 32-bit float, unscaled: what comes back is (float)x exactly */
	ok = rt_wav_write(path, x, N, 2, 48000, 1, err, sizeof err) == 0;
	y = ok ? rt_wav_read(path, &n, &ch, &rate, err, sizeof err) : NULL;
	ok = y && n == N && ch == 2 && rate == 48000;
	for (i = 0; ok && i < 2 * N; i++)
		ok = y[i] == (double)(float)x[i];
	snprintf(why, sizeof why, "float round trip: %s", y ? "samples differ" : err);
	check(ok, "raw-roundtrip", why);
	free(y);

	/* PCM: the peak over both channels is 10^(-1/20), to 24-bit rounding */
	ok = rt_wav_write(path, x, N, 2, 44100, 0, err, sizeof err) == 0;
	y = ok ? rt_wav_read(path, &n, &ch, &rate, err, sizeof err) : NULL;
	peak = 0;
	for (i = 0; y && i < 2 * N; i++)
		peak = fabs(y[i]) > peak ? fabs(y[i]) : peak;
	snprintf(why, sizeof why, "peak %.9f, want %.9f", peak, pow(10, -1.0 / 20));
	check(y && fabs(peak - pow(10, -1.0 / 20)) < 2.0 / (1 << 23), "pcm-peak", why);
	/* and the scale is one factor for all samples: the ratio holds */
	ok = y && fabs(y[1] / y[3] - x[1] / x[3]) < 1e-5;
	check(ok, "pcm-one-scale", "channels scaled differently");
	free(y);

	/* silence: zeros, no division by zero */
	memset(x, 0, sizeof x);
	ok = rt_wav_write(path, x, N, 1, 44100, 0, err, sizeof err) == 0;
	y = ok ? rt_wav_read(path, &n, &ch, &rate, err, sizeof err) : NULL;
	for (i = 0; y && i < N; i++)
		ok = ok && y[i] == 0;
	check(y && ok, "silence", err);
	free(y);

	/* a non-finite sample: an error naming the sample, no file */
	unlink(path);
	x[700] = NAN;
	ok = rt_wav_write(path, x, N, 1, 44100, 0, err, sizeof err) != 0;
	check(ok && strstr(err, "blew up at sample 700") && access(path, F_OK) != 0, "blowup",
	      ok ? err : "no error");
	x[700] = INFINITY;
	ok = rt_wav_write(path, x, N, 1, 44100, 1, err, sizeof err) != 0;
	check(ok && access(path, F_OK) != 0, "blowup-raw", "an infinite sample was written");

	/* an unwritable path: error, nothing left */
	snprintf(bad, sizeof bad, "%s/no/such/dir/w.wav", argv[1]);
	x[700] = 0;
	check(rt_wav_write(bad, x, N, 1, 44100, 0, err, sizeof err) != 0, "bad-path", "wrote into a missing folder");

	/* reading: missing, not audio, empty */
	y = rt_wav_read(bad, &n, &ch, &rate, err, sizeof err);
	check(!y && strstr(err, "cannot open"), "read-missing", err);
	snprintf(txt, sizeof txt, "%s/notes.wav", argv[1]);
	f = fopen(txt, "w");
	fputs("this is not a sound file, whatever its name says\n", f);
	fclose(f);
	y = rt_wav_read(txt, &n, &ch, &rate, err, sizeof err);
	check(!y && strstr(err, "not a sound file"), "read-not-audio", err);

	/* durations */
	check(rt_nframes(1, 44100, 1, err, sizeof err) == 44100, "nframes", "1 s at 44100 Hz");
	check(rt_nframes(0.5, 22050, 2, err, sizeof err) == 11025, "nframes-half", "0.5 s at 22050 Hz");
	check(rt_nframes(0, 44100, 1, err, sizeof err) < 0 && rt_nframes(NAN, 44100, 1, err, sizeof err) < 0
	      && rt_nframes(-1, 44100, 1, err, sizeof err) < 0 && rt_nframes(INFINITY, 44100, 1, err, sizeof err) < 0,
	      "nframes-bad", "accepted 0, nan, -1 or inf");
	check(rt_nframes(1e6, 44100, 1, err, sizeof err) < 0, "nframes-huge", "accepted 1e6 s");
	return nfail != 0;
}
