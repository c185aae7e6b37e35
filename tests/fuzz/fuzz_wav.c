/* fuzz_wav.c — libFuzzer entry for the reading of sound files
 * (runtime/wav.c rt_wav_read: grad and fit targets).
 *
 *   make fuzz && ./tests/fuzz/fuzz_wav -max_total_time=60 /tmp/dpmfz-wav tests/fuzz/wav
 *
 * Each input is written to a file (rt_wav_read takes a path) and read
 * back; every sample it returns is touched and must be finite.  Only
 * crashes, sanitizer reports, leaks and hangs count. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	char err[512];
	double *x;
	long n, i;
	int ch, rate;
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof path, "/tmp/dpmfz-wav.%ld.wav", (long)getpid());
	if (!(f = fopen(path, "wb")))
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	x = rt_wav_read(path, &n, &ch, &rate, err, sizeof err);
	if (x) {
		if (n <= 0 || ch < 1)
			abort();
		for (i = 0; i < n * ch; i++)
			if (!isfinite(x[i]))
				abort();     /* rt_wav_read promises finite samples */
		free(x);
	}
	unlink(path);
	return 0;
}
