/* rawcmp.c — compare two `dpmc render --raw` files (WAV, 32-bit float).
 *   rawcmp A.wav B.wav
 * Prints "n=N differ=D maxdiff=X peak=P" and exits 0 when both have the
 * same length, at least one sample is not zero, and every pair is within
 * one float ulp: the doubles behind them may differ by 1e-12 relative,
 * which can still round to neighbouring floats, but no more.  2 on a
 * read error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long
le32(const unsigned char *p)
{
	return p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24;
}

/* The samples of the data chunk (little-endian floats; so is the host). */
static float *
load(const char *path, long *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char h[12];
	unsigned long len;
	float *v;

	*n = 0;
	if (!f)
		return NULL;
	if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4))
		goto bad;
	for (;;) {
		if (fread(h, 1, 8, f) != 8)
			goto bad;
		len = le32(h + 4);
		if (!memcmp(h, "data", 4))
			break;
		if (fseek(f, (long)(len + (len & 1)), SEEK_CUR) != 0)
			goto bad;
	}
	*n = (long)(len / sizeof *v);
	v = malloc((size_t)*n * sizeof *v + 1);
	if (!v || fread(v, sizeof *v, (size_t)*n, f) != (size_t)*n) {
		free(v);
		goto bad;
	}
	fclose(f);
	return v;
bad:
	fclose(f);
	return NULL;
}

int
main(int argc, char **argv)
{
	long na, nb, i, differ = 0, bad = 0;
	float *a, *b;
	double maxd = 0, peak = 0, d;

	if (argc != 3 || !(a = load(argv[1], &na)) || !(b = load(argv[2], &nb)))
		return 2;
	for (i = 0; i < na && i < nb; i++) {
		d = fabs((double)a[i] - (double)b[i]);
		if (d > maxd)
			maxd = d;
		if (fabs((double)a[i]) > peak)
			peak = fabs((double)a[i]);
		if (a[i] != b[i]) {
			differ++;
			if (nextafterf(a[i], b[i]) != b[i])
				bad++;
		}
	}
	printf("n=%ld differ=%ld maxdiff=%g peak=%g\n", na, differ, maxd, peak);
	return na != nb || na == 0 || peak == 0 || bad ? 1 : 0;
}
