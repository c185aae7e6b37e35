/* wavmse.c — the mse loss of `dpmc grad` (cli.md), from files.
 *
 *   wavmse Y.wav TARGET.wav    prints mean over samples and channels of
 *                              (y - target)^2, to 17 digits
 *
 * Both files must be 32-bit float WAV (`dpmc render --raw`), of the same
 * length and channel count.  Written here rather than taken from the
 * runtime so that the check does not share code with what it checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long
le(const unsigned char *b, int n)
{
	unsigned long v = 0;

	while (n-- > 0)
		v = v << 8 | b[n];
	return v;
}

/* the samples of a float WAV, or NULL */
static float *
readwav(const char *path, long *nsamp, int *nch)
{
	FILE *f = fopen(path, "rb");
	unsigned char h[12], c[8], fmt[40];
	float *s = NULL;
	int isfloat = 0;

	if (!f || fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) ||
	    memcmp(h + 8, "WAVE", 4))
		goto bad;
	while (fread(c, 1, 8, f) == 8) {
		unsigned long len = le(c + 4, 4);

		if (!memcmp(c, "fmt ", 4)) {
			if (len < 16 || len > sizeof fmt || fread(fmt, 1, len, f) != len)
				goto bad;
			*nch = (int)le(fmt + 2, 2);
			isfloat = le(fmt + 14, 2) == 32 && (le(fmt, 2) == 3 ||
			          (le(fmt, 2) == 0xfffe && len >= 26 && le(fmt + 24, 2) == 3));
			if (len & 1)
				fgetc(f);
		} else if (!memcmp(c, "data", 4)) {
			if (!isfloat || !(s = malloc(len + 4)) ||
			    fread(s, 1, len, f) != len)
				goto bad;
			*nsamp = (long)(len / 4);
			fclose(f);
			return s;	/* little-endian hosts only, as the tests run */
		} else if (fseek(f, (long)(len + (len & 1)), SEEK_CUR))
			goto bad;
	}
bad:
	if (f)
		fclose(f);
	free(s);
	return NULL;
}

int
main(int argc, char **argv)
{
	long n, m, i;
	int c, d;
	float *y, *t;
	double s = 0;

	if (argc != 3)
		return 2;
	y = readwav(argv[1], &n, &c);
	t = readwav(argv[2], &m, &d);
	if (!y || !t || n != m || c != d || n == 0) {
		fprintf(stderr, "wavmse: %s, %s: not two float WAVs of one size\n",
		        argv[1], argv[2]);
		return 1;
	}
	for (i = 0; i < n; i++)
		s += ((double)y[i] - t[i]) * ((double)y[i] - t[i]);
	printf("%.17g\n", s / n);
	return 0;
}
