/* rtf.c — the real-time factor of a built model through the dpm_*
 * interface: dpm_process in blocks of 64 frames, as an audio callback
 * calls it, for SECONDS of audio; best of RUNS.  Prints
 *   NAME RATE GRID RTF US_PER_BLOCK
 * where RTF = seconds of audio / seconds of wall time.
 *   rtf SECONDS RUNS */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "model.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int
main(int argc, char **argv)
{
	dpm_model *m = dpm_new(0);
	double sec = argc > 1 ? atof(argv[1]) : 2, best = 1e30, t;
	int runs = argc > 2 ? atoi(argv[2]) : 3, r, n[2] = {0, 0};
	long total, done;
	float *out;

	if (!m || !(out = malloc(sizeof(float) * 64 * (size_t)dpm_noutputs(m)))) {
		fprintf(stderr, "rtf: %s\n", dpm_error(m));
		return 1;
	}
	total = (long)(sec * dpm_rate(m));
	for (r = 0; r < runs; r++) {
		if (dpm_reset(m) != 0)
			return fprintf(stderr, "rtf: %s\n", dpm_error(m)), 1;
		t = now();
		for (done = 0; done < total; done += 64)
			if (dpm_process(m, out, 64) != 64)
				return fprintf(stderr, "rtf: %s\n", dpm_error(m)), 1;
		t = now() - t;
		best = t < best ? t : best;
	}
	dpm_grid(m, n, NULL);
	printf("%s %g %d%s%.0d %.1f %.2f\n", dpm_name(m), dpm_rate(m), n[0], dpm_ndim(m) == 2 ? "x" : "",
	       dpm_ndim(m) == 2 ? n[1] : 0, (double)done / dpm_rate(m) / best, 1e6 * best / (double)(done / 64));
	free(out);
	dpm_free(m);
	return 0;
}
