/* wav.c — sound files in and out, through libsndfile.
 * requires: nothing but libsndfile and libm.  rt_wav_write is the only
 * way dpmc and the executables it builds write audio, so a render and a
 * built program give the same bytes. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "rt.h"

static void
seterr(char *err, int errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || errsz <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, (size_t)errsz, fmt, ap);
	va_end(ap);
}

long
rt_nframes(double seconds, double rate, int nch, char *err, int errsz)
{
	double n;

	if (!isfinite(seconds) || seconds <= 0) {
		seterr(err, errsz, "the duration must be a positive number of seconds, not %g", seconds);
		return -1;
	}
	if (!isfinite(rate) || rate <= 0) {
		seterr(err, errsz, "the sample rate must be positive, not %g", rate);
		return -1;
	}
	if (nch < 1)
		nch = 1;
	n = floor(seconds * rate + 0.5);
	if (n < 1) {
		seterr(err, errsz, "%g s is shorter than one sample at %g Hz", seconds, rate);
		return -1;
	}
	if (n * nch > (double)RT_MAX_SAMPLES) {
		seterr(err, errsz, "%g s at %g Hz is %.0f samples, more than the %ld a render may hold; "
		       "render a shorter duration", seconds, rate, n * nch, RT_MAX_SAMPLES);
		return -1;
	}
	return (long)n;
}

/* The scale that brings the peak to -1 dBFS, or 0 for silence; -1 with
 * a message at the first non-finite sample. */
static double
peak_scale(const double *x, long nframes, int nch, int raw, char *err, int errsz)
{
	double peak = 0, a;
	long i, n = nframes * nch;

	for (i = 0; i < n; i++) {
		a = fabs(x[i]);
		if (!isfinite(a)) {
			seterr(err, errsz, "the simulation blew up at sample %ld (channel %d): "
			       "the scheme is unstable for these values; check the params and the grid",
			       i / nch, (int)(i % nch) + 1);
			return -1;
		}
		if (raw && a > FLT_MAX) {
			seterr(err, errsz, "sample %ld (channel %d) is %g, too large for 32-bit float; "
			       "render without --raw", i / nch, (int)(i % nch) + 1, x[i]);
			return -1;
		}
		if (a > peak)
			peak = a;
	}
	if (raw)
		return 1;
	return peak > 0 ? pow(10, -1.0 / 20) / peak : 0;
}

int
rt_wav_write(const char *path, const double *x, long nframes, int nch, int rate,
             int raw, char *err, int errsz)
{
	SF_INFO info;
	SNDFILE *sf;
	double g, buf[4096];
	long done, chunk, i;
	char *tmp;
	int fd, ok = 1;
	mode_t mask;

	if (nch < 1 || nframes < 0 || rate <= 0) {
		seterr(err, errsz, "cannot write '%s': %d channels at %d Hz", path, nch, rate);
		return -1;
	}
	if ((g = peak_scale(x, nframes, nch, raw, err, errsz)) < 0)
		return -1;

	/* Same folder as the target, so rename() is atomic. */
	tmp = malloc(strlen(path) + 16);
	if (!tmp) {
		seterr(err, errsz, "out of memory");
		return -1;
	}
	sprintf(tmp, "%s.tmpXXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		seterr(err, errsz, "cannot write '%s': %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	/* mkstemp makes the file 0600; give it the mode a plain creat would. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);

	memset(&info, 0, sizeof info);
	info.samplerate = rate;
	info.channels = nch;
	info.format = SF_FORMAT_WAV | (raw ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_24);
	if (!(sf = sf_open_fd(fd, SFM_WRITE, &info, 1))) {
		seterr(err, errsz, "cannot write '%s': %s", path, sf_strerror(NULL));
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	sf_command(sf, SFC_SET_NORM_DOUBLE, NULL, SF_TRUE);
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	/* A float file's PEAK chunk holds the time of writing: without it the
	 * same samples give the same bytes, whenever they are written. */
	sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	chunk = (long)(sizeof buf / sizeof buf[0]) / nch;
	if (chunk < 1) {
		seterr(err, errsz, "cannot write '%s': %d channels is too many", path, nch);
		ok = 0;
	}
	for (done = 0; ok && done < nframes; done += chunk) {
		long n = nframes - done < chunk ? nframes - done : chunk;
		const double *p = x + done * nch;
		for (i = 0; i < n * nch; i++)
			buf[i] = raw ? p[i] : p[i] * g;
		if (sf_writef_double(sf, buf, n) != n) {
			seterr(err, errsz, "cannot write '%s': %s", path, sf_strerror(sf));
			ok = 0;
		}
	}
	if (sf_close(sf) != 0 && ok) {
		seterr(err, errsz, "cannot write '%s': closing failed", path);
		ok = 0;
	}
	if (ok && rename(tmp, path) != 0) {
		seterr(err, errsz, "cannot write '%s': %s", path, strerror(errno));
		ok = 0;
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok ? 0 : -1;
}

/* A sound file is a regular file of at most this many bytes: all the
 * samples RT_MAX_SAMPLES allows, as doubles, and room for the header. */
#define WAV_LIMIT ((double)RT_MAX_SAMPLES * 8 + (1 << 20))

double *
rt_wav_read(const char *path, long *nframes, int *nch, int *rate, char *err, int errsz)
{
	SF_INFO info;
	SNDFILE *sf;
	struct stat st;
	double *x;
	sf_count_t got, cap;
	long i;
	int fd;

	/* Opened here, not by libsndfile: its "System error" says nothing,
	 * and a FIFO or a device must be refused before a byte is read (a
	 * FIFO would block for ever, /dev/zero never end). */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		seterr(err, errsz, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		seterr(err, errsz, "'%s' is not a regular file (%s); give a WAV, AIFF or FLAC file",
		       path, S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO"
		       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file");
		close(fd);
		return NULL;
	}
	if ((double)st.st_size > WAV_LIMIT) {
		seterr(err, errsz, "'%s' is larger than %.0f MB, the limit for a sound file",
		       path, WAV_LIMIT / (1 << 20));
		close(fd);
		return NULL;
	}
	memset(&info, 0, sizeof info);
	if (!(sf = sf_open_fd(fd, SFM_READ, &info, SF_FALSE))) {
		seterr(err, errsz, "'%s' is not a sound file that can be read (%s); "
		       "give a WAV, AIFF or FLAC file", path, sf_strerror(NULL));
		close(fd);
		return NULL;
	}
	if (info.frames <= 0 || info.channels < 1) {
		seterr(err, errsz, "'%s' holds no audio samples", path);
		goto fail;
	}
	if ((double)info.frames * info.channels > (double)RT_MAX_SAMPLES) {
		seterr(err, errsz, "'%s' is too long: %ld frames of %d channels",
		       path, (long)info.frames, info.channels);
		goto fail;
	}
	/* The header's frame count is a claim: grow the buffer as the
	 * samples arrive, so a 50-byte file that claims 2^27 frames does not
	 * take a gigabyte first. */
	sf_command(sf, SFC_SET_NORM_DOUBLE, NULL, SF_TRUE);
	x = NULL;
	got = 0;
	for (cap = 0; got == cap && got < info.frames; ) {
		double *nx;
		sf_count_t n;
		cap = cap ? 2 * cap : 1 + 65536 / info.channels;
		if (cap > info.frames)
			cap = info.frames;
		if (!(nx = realloc(x, (size_t)cap * (size_t)info.channels * sizeof *x))) {
			seterr(err, errsz, "out of memory reading '%s'", path);
			free(x);
			goto fail;
		}
		x = nx;
		n = sf_readf_double(sf, x + (size_t)got * (size_t)info.channels, cap - got);
		got += n > 0 ? n : 0;
	}
	if (got != info.frames) {
		seterr(err, errsz, "'%s' is truncated or damaged: read %ld of %ld frames",
		       path, (long)got, (long)info.frames);
		free(x);
		goto fail;
	}
	/* a float file can hold NaN or inf: say so here, not later as a
	 * loss that "blew up" */
	for (i = 0; i < (long)info.frames * info.channels; i++)
		if (!isfinite(x[i])) {
			seterr(err, errsz, "%s: sample %ld of channel %d is %s; a sound file must "
			       "hold finite samples", path, i / info.channels, (int)(i % info.channels) + 1,
			       isnan(x[i]) ? "not a number" : "infinite");
			free(x);
			goto fail;
		}
	sf_close(sf);
	close(fd);
	*nframes = (long)info.frames;
	*nch = info.channels;
	*rate = info.samplerate;
	return x;
fail:
	sf_close(sf);
	close(fd);
	return NULL;
}
