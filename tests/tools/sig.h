/* sig.h — what the measurement tools (peaks, decay) share: reading one
 * channel of a sound file, the analysis window, the DTFT at a continuous
 * frequency, and peak picking / refinement on it.
 *
 * Frequencies inside are normalised (cycles per sample, nu = f / rate) so
 * the arithmetic does not depend on the rate.  Not part of dpmc. */
#ifndef SIG_H
#define SIG_H

#define SIG_PI 3.14159265358979323846

/* One channel (0-based) of a sound file as doubles, float files as stored
 * and PCM scaled to [-1, 1).  NULL after printing a message. */
double *sig_read(const char *path, int ch, long *n, double *rate);

/* The 4-term Blackman-Harris window (side lobes at -92 dB, main lobe
 * +-4 bins) over n points, symmetric about (n - 1) / 2. */
void sig_window(double *w, long n);

/* X(nu) = sum_m x[m] e^{-2 pi i nu (m - c)}, c = (n - 1) / 2, and its
 * derivative in nu.  Centring the time index leaves |X| unchanged and
 * keeps the derivative's weights small.  dre/dim may be NULL. */
void sig_dtft(const double *x, long n, double nu, double *re, double *im,
              double *dre, double *dim);

/* A spectral peak: normalised frequency and sinusoid amplitude. */
typedef struct {
	double nu, amp;
} Peak;

/* Coarse peaks of the windowed signal xw (window sum wsum) between nu0 and
 * nu1, from a zero-padded FFT: local maxima over +-4 bins of the unpadded
 * length, within floordb of the strongest.  Each is then refined to the
 * maximum of |X(nu)| over continuous nu (sig_refine).  Returns the count
 * (at most maxp), strongest first. */
int sig_peaks(const double *xw, long n, double wsum, double nu0, double nu1,
              double floordb, Peak *p, int maxp);

/* The nu in [lo, hi] where d|X|^2/dnu = 2 Re(conj(X) X') changes sign
 * from + to -, by bisection down to rounding: a peak of |X| located to
 * near machine precision rather than the sqrt(eps) a search on |X| itself
 * would give. */
double sig_refine(const double *xw, long n, double lo, double hi);

#endif
