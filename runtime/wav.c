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
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "rt.h"

long
rt_nframes(double seconds, double rate, int nch, char *err, int errsz)
{
	double n;

	if (!isfinite(seconds) || seconds <= 0) {
		rt_seterr(err, errsz, "the duration must be a positive number of seconds, not %g", seconds);
		return -1;
	}
	if (!isfinite(rate) || rate <= 0) {
		rt_seterr(err, errsz, "the sample rate must be positive, not %g", rate);
		return -1;
	}
	if (nch < 1)
		nch = 1;
	n = floor(seconds * rate + 0.5);
	if (n < 1) {
		rt_seterr(err, errsz, "%g s is shorter than one sample at %g Hz", seconds, rate);
		return -1;
	}
	if (n * nch > (double)RT_MAX_SAMPLES) {
		rt_seterr(err, errsz, "%g s at %g Hz is %.4g samples, more than the %ld a render may hold; "
		       "render a shorter duration", seconds, rate, n * nch, RT_MAX_SAMPLES);
		return -1;
	}
	return (long)n;
}

/* The scale that brings the peak to -1 dBFS, or 0 for silence; -1 with
 * a message at the first non-finite sample. */
static double
peak_scale(const double *x, long nframes, int nch, int rate, int raw, char *err, int errsz)
{
	double peak = 0, a;
	long i, n = nframes * nch, big = -1;

	for (i = 0; i < n; i++) {
		a = fabs(x[i]);
		if (raw == 1 && a > FLT_MAX && isfinite(a) && big < 0)
			big = i;    /* said below unless the render blows up after it */
		if (!isfinite(a)) {
			rt_seterr(err, errsz, "the simulation blew up at sample %ld (t = %.6g s, channel %d): "
			       "the scheme is unstable for these values; check the params and the grid",
			       i / nch, (double)(i / nch) / rate, (int)(i % nch) + 1);
			return -1;
		}
		if (a > peak)
			peak = a;
	}
	if (big >= 0) {
		rt_seterr(err, errsz, "sample %ld (t = %.6g s, channel %d) is %g, too large for 32-bit float "
		       "(the state blowing up, or a scale too large); add --double for 64-bit floats",
		       big / nch, (double)(big / nch) / rate, (int)(big % nch) + 1, x[big]);
		return -1;
	}
	if (raw)
		return 1;
	/* a peak below 1e-308 (subnormal) would scale to infinity: silence */
	return peak > 0 && isfinite(pow(10, -1.0 / 20) / peak) ? pow(10, -1.0 / 20) / peak : 0;
}

static void
wav_info(SF_INFO *info, int nch, int rate, int raw)
{
	memset(info, 0, sizeof *info);
	info->samplerate = rate;
	info->channels = nch;
	info->format = SF_FORMAT_WAV | (raw == 2 ? SF_FORMAT_DOUBLE : raw ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_24);
}

/* The most channels libsndfile writes to a WAV (1024 in 1.2). */
static int
wav_maxch(int raw)
{
	SF_INFO info;
	int lo = 1, hi = 1 << 20, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		wav_info(&info, mid, 44100, raw);
		if (sf_format_check(&info))
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int
rt_wav_check(const char *path, int nch, int raw, char *err, int errsz)
{
	static const char *const other[] = {
		".aif", ".aiff", ".aifc", ".au", ".caf", ".flac", ".mp3", ".oga", ".ogg", ".opus", ".snd", ".w64",
	};
	const char *dot = strrchr(path, '.');
	SF_INFO info;
	size_t i;

	wav_info(&info, nch < 1 ? 1 : nch, 44100, raw);
	if (nch < 1 || !sf_format_check(&info)) {
		rt_seterr(err, errsz, "cannot write '%s': %d outputs are %d channels, and a WAV file "
		       "holds 1 to %d; write fewer outputs", path, nch, nch, wav_maxch(raw));
		return -1;
	}
	for (i = 0; dot && !strchr(dot, '/') && i < sizeof other / sizeof other[0]; i++)
		if (!strcasecmp(dot, other[i])) {
			rt_seterr(err, errsz, "cannot write '%s': renders are written as WAV files only; "
			       "name it .wav (and convert it with sox, say)", path);
			return -1;
		}
	return rt_out_check(path, err, errsz);
}

/* A WAV held in memory, for a target that cannot seek back to finish
 * its header (a pipe, stdout): libsndfile refuses to write WAV to those. */
typedef struct Mem {
	unsigned char *p;
	sf_count_t len, cap, pos;
	int bad;
} Mem;

static sf_count_t
mem_len(void *u)
{
	return ((Mem *)u)->len;
}

static sf_count_t
mem_seek(sf_count_t off, int whence, void *u)
{
	Mem *m = u;
	sf_count_t at = whence == SEEK_SET ? off : whence == SEEK_CUR ? m->pos + off : m->len + off;

	if (at < 0)
		return -1;
	return m->pos = at;
}

static sf_count_t
mem_read(void *ptr, sf_count_t n, void *u)
{
	Mem *m = u;

	if (m->pos >= m->len)
		return 0;
	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(ptr, m->p + m->pos, (size_t)n);
	m->pos += n;
	return n;
}

static sf_count_t
mem_write(const void *ptr, sf_count_t n, void *u)
{
	Mem *m = u;
	unsigned char *q;
	sf_count_t cap;

	if (m->pos + n > m->cap) {
		for (cap = m->cap ? m->cap : 65536; cap < m->pos + n; cap *= 2)
			;
		if (!(q = realloc(m->p, (size_t)cap))) {
			m->bad = 1;
			return 0;
		}
		m->p = q;
		m->cap = cap;
	}
	if (m->pos > m->len)
		memset(m->p + m->len, 0, (size_t)(m->pos - m->len));
	memcpy(m->p + m->pos, ptr, (size_t)n);
	m->pos += n;
	if (m->pos > m->len)
		m->len = m->pos;
	return n;
}

static sf_count_t
mem_tell(void *u)
{
	return ((Mem *)u)->pos;
}

/* libsndfile writes a float WAV's fmt chunk in 16 bytes, without the
 * cbSize (0) that every fmt but PCM's holds (sox: "wave header missing
 * extended part of fmt chunk"): put it in, the file held in memory.  0,
 * or -1 out of memory. */
static int
fmt_cbsize(Mem *m)
{
	unsigned char *p = m->p;
	unsigned long riff;

	if (m->len < 36 || memcmp(p, "RIFF", 4) || memcmp(p + 8, "WAVEfmt ", 8) || p[16] != 16 || p[17]
	    || p[18] || p[19] || p[20] != 3 || p[21])
		return 0;
	if (m->cap < m->len + 2) {
		if (!(p = realloc(m->p, (size_t)m->len + 2)))
			return -1;
		m->p = p;
		m->cap = m->len + 2;
	}
	memmove(p + 38, p + 36, (size_t)m->len - 36);
	p[36] = p[37] = 0;
	p[16] = 18;
	m->len += 2;
	riff = ((unsigned long)p[4] | (unsigned long)p[5] << 8 | (unsigned long)p[6] << 16
	        | (unsigned long)p[7] << 24) + 2;
	p[4] = (unsigned char)riff;
	p[5] = (unsigned char)(riff >> 8);
	p[6] = (unsigned char)(riff >> 16);
	p[7] = (unsigned char)(riff >> 24);
	return 0;
}

int
rt_wav_write(const char *path, const double *x, long nframes, int nch, int rate,
             int raw, char *err, int errsz)
{
	SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
	Mem mem = {0};
	SF_INFO info;
	SNDFILE *sf;
	RtOut out;
	double g, buf[4096];
	long done, chunk, i;
	int ok = 1;

	if (nframes < 0 || rate <= 0) {
		rt_seterr(err, errsz, "cannot write '%s': %d channels at %d Hz", path, nch, rate);
		return -1;
	}
	if (rt_wav_check(path, nch, raw, err, errsz) != 0)
		return -1;
	if ((g = peak_scale(x, nframes, nch, rate, raw, err, errsz)) < 0)
		return -1;
	if (rt_out_open(&out, path, 0666, err, errsz) != 0)
		return -1;
	wav_info(&info, nch, rate, raw);
	/* in memory: a pipe (libsndfile needs to seek back), a float file
	 * (its fmt chunk mended: fmt_cbsize) */
	sf = out.inplace || raw ? sf_open_virtual(&vio, SFM_WRITE, &info, &mem)
	                        : sf_open_fd(out.fd, SFM_WRITE, &info, 0);
	if (!sf) {
		rt_seterr(err, errsz, "cannot write '%s': %s", path, sf_strerror(NULL));
		rt_out_abort(&out);
		return -1;
	}
	sf_command(sf, SFC_SET_NORM_DOUBLE, NULL, SF_TRUE);
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	/* A float file's PEAK chunk holds the time of writing: without it the
	 * same samples give the same bytes, whenever they are written. */
	sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	chunk = (long)(sizeof buf / sizeof buf[0]) / nch;
	for (done = 0; ok && done < nframes; done += chunk) {
		long n = nframes - done < chunk ? nframes - done : chunk;
		const double *p = x + done * nch;
		for (i = 0; i < n * nch; i++)
			buf[i] = raw ? p[i] : p[i] * g;
		if (sf_writef_double(sf, buf, n) != n) {
			rt_seterr(err, errsz, "cannot write '%s': %s", path,
			       mem.bad ? "out of memory" : sf_strerror(sf));
			ok = 0;
		}
	}
	if (sf_close(sf) != 0 && ok) {
		rt_seterr(err, errsz, "cannot write '%s': closing failed", path);
		ok = 0;
	}
	if (ok && mem.bad) {
		rt_seterr(err, errsz, "cannot write '%s': out of memory", path);
		ok = 0;
	}
	if (ok && raw && fmt_cbsize(&mem) != 0) {
		rt_seterr(err, errsz, "cannot write '%s': out of memory", path);
		ok = 0;
	}
	if (ok && (out.inplace || raw) && rt_out_write(&out, mem.p, (size_t)mem.len, err, errsz) != 0)
		ok = 0;
	free(mem.p);
	if (!ok) {
		rt_out_abort(&out);
		return -1;
	}
	return rt_out_close(&out, err, errsz);
}

/* A data chunk cut short: libsndfile reads what is there and says so
 * only in its log ("data : 44100 (should be 29956)"; an AIFF's "SSND :
 * ...", a W64's whole "riff : ...", lower case; an AU's "Data Size   :
 * ..."; a VOC's "Seems to be a truncated file", with no numbers).  A
 * header written to a pipe claims a length it could not know (0, or about
 * 2^31 and up: sox, ffmpeg); such a claim is not a cut.  A NIST SPHERE
 * header's sample_count (frames) is not in the log: read from fd.  1 with
 * the lengths claimed and held (in *unit), else 0. */
static int
truncated(SNDFILE *sf, int fd, const SF_INFO *info, long *claim, long *have, const char **unit)
{
	static const char *const tag[] = {"data : ", "SSND : ", "riff : ", "Data Size   : "};
	char log[4096], fmt[40], head[1025];
	const char *d;
	size_t i;
	ssize_t n;

	*unit = "bytes of samples";
	log[0] = 0;
	sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
	for (i = 0; i < sizeof tag / sizeof tag[0]; i++) {
		snprintf(fmt, sizeof fmt, "%s%%ld (should be %%ld)", tag[i]);
		for (d = log; (d = strstr(d, tag[i])); d++)
			if (sscanf(d, fmt, claim, have) == 2)
				return *claim > *have && *claim < 0x7f000000L && *claim > 0;
	}
	if (strstr(log, "truncated file")) {
		*unit = "";
		return 1;
	}
	if ((info->format & SF_FORMAT_TYPEMASK) == SF_FORMAT_NIST
	    && (n = pread(fd, head, sizeof head - 1, 0)) > 0) {
		head[n] = 0;
		*unit = "frames";
		*have = (long)info->frames;
		if ((d = strstr(head, "\nsample_count -i ")) && sscanf(d, "\nsample_count -i %ld", claim) == 1)
			return *claim > *have && *claim < 0x7f000000L;
	}
	return 0;
}

/* A sound file is a regular file of at most this many bytes: all the
 * samples RT_MAX_SAMPLES allows, as doubles, and room for the header. */
#define WAV_LIMIT ((double)RT_MAX_SAMPLES * 8 + (1 << 20))

int
rt_silent(const double *x, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (x[i] != 0)
			return 0;
	return 1;
}

int
rt_constant(const double *x, long n, int nch)
{
	long i;

	for (i = nch; i < n * nch; i++)
		if (x[i] != x[i % nch])
			return 0;
	return 1;
}

double *
rt_wav_read(const char *path, long *nframes, int *nch, int *rate, char *err, int errsz)
{
	SF_INFO info;
	SNDFILE *sf;
	struct stat st;
	double *x;
	sf_count_t got, cap;
	long i, claim, have;
	const char *unit;
	int fd;

	/* Opened here, not by libsndfile: its "System error" says nothing,
	 * and a FIFO or a device must be refused before a byte is read (a
	 * FIFO would block for ever, /dev/zero never end). */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		rt_seterr(err, errsz, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rt_seterr(err, errsz, "'%s' is not a regular file (%s); give a WAV, AIFF or FLAC file",
		       path, S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO"
		       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file");
		close(fd);
		return NULL;
	}
	if ((double)st.st_size > WAV_LIMIT) {
		rt_seterr(err, errsz, "'%s' is larger than %.0f MB, the limit for a sound file",
		       path, WAV_LIMIT / (1 << 20));
		close(fd);
		return NULL;
	}
	memset(&info, 0, sizeof info);
	if (!(sf = sf_open_fd(fd, SFM_READ, &info, SF_FALSE))) {
		rt_seterr(err, errsz, "'%s' is not a sound file that can be read (%s); "
		       "give a WAV, AIFF or FLAC file", path, sf_strerror(NULL));
		close(fd);
		return NULL;
	}
	if (info.frames <= 0 || info.channels < 1) {
		rt_seterr(err, errsz, "'%s' holds no audio samples", path);
		goto fail;
	}
	if (truncated(sf, fd, &info, &claim, &have, &unit)) {
		if (*unit)
			rt_seterr(err, errsz, "'%s' is truncated: its header says %ld %s, the file "
			       "holds %ld; write or copy it again", path, claim, unit, have);
		else
			rt_seterr(err, errsz, "'%s' is truncated: its header says more samples than the "
			       "file holds; write or copy it again", path);
		goto fail;
	}
	if ((double)info.frames * info.channels > (double)RT_MAX_SAMPLES) {
		rt_seterr(err, errsz, "'%s' is too long: %ld frames of %d channels",
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
			rt_seterr(err, errsz, "out of memory reading '%s'", path);
			free(x);
			goto fail;
		}
		x = nx;
		n = sf_readf_double(sf, x + (size_t)got * (size_t)info.channels, cap - got);
		got += n > 0 ? n : 0;
	}
	if (got != info.frames) {
		rt_seterr(err, errsz, "'%s' is truncated or damaged: read %ld of %ld frames",
		       path, (long)got, (long)info.frames);
		free(x);
		goto fail;
	}
	/* a float file can hold NaN or inf: say so here, not later as a
	 * loss that "blew up" */
	for (i = 0; i < (long)info.frames * info.channels; i++)
		if (!isfinite(x[i])) {
			rt_seterr(err, errsz, "%s: sample %ld of channel %d is %s; a sound file must "
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
