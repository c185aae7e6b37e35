/* rt.h — the runtime that dpmc and the executables it builds share:
 * WAV output and input.  `dpmc render` and a built executable write their
 * files through the same rt_wav_write, so the two agree bit for bit.
 * Links with libsndfile and libm only; no part of the compiler. */
#ifndef DPM_RT_H
#define DPM_RT_H

/* The largest number of samples (frames times channels) a render may
 * hold in memory: 2^27 doubles, 1 GiB. */
#define RT_MAX_SAMPLES (1L << 27)

/* Write nframes frames of nch interleaved channels at `rate` Hz to path.
 * raw == 0: 24-bit PCM scaled so the peak over all channels is -1 dBFS
 * (silence stays silence); raw != 0: 32-bit float, values unscaled.
 * A non-finite sample is an error.  The file is written under a temporary
 * name in the same folder and renamed, so a failure leaves nothing behind.
 * 0 on success, else -1 with a message in err. */
int rt_wav_write(const char *path, const double *interleaved, long nframes,
                 int nch, int rate, int raw, char *err, int errsz);

/* Read a sound file: malloc'd interleaved samples (PCM scaled to [-1, 1),
 * float files as stored), with its frame count, channels and rate.
 * NULL with a message in err for a missing, unreadable, empty or
 * non-audio file. */
double *rt_wav_read(const char *path, long *nframes, int *nch, int *rate,
                    char *err, int errsz);

/* The number of frames a render of `seconds` at `rate` produces, or -1
 * (with a message) when seconds is not positive and finite or the render
 * would not fit in RT_MAX_SAMPLES samples. */
long rt_nframes(double seconds, double rate, int nch, char *err, int errsz);

#endif
