/* loss.c — losses between a render and a target, and their gradients
 * with respect to the render, for `dpmc grad` and `dpmc fit`.
 * requires: FFTW3 (double) and libm.  Signals are interleaved: sample i
 * of channel c at x[i*nch + c].  The gradient is the exact derivative of
 * the loss as computed, so P_backward can carry it on to the params. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "rt.h"

double
rt_loss_mse(const double *y, const double *target, long n, int nch, double *dldy)
{
	long i, m = n * (long)nch;
	double s = 0, d;

	if (m <= 0)
		return 0;
	for (i = 0; i < m; i++) {
		d = y[i] - target[i];
		s += d * d;
		if (dldy)
			dldy[i] = 2 * d / (double)m;
	}
	return s / (double)m;
}

/* ---- Multi-resolution STFT ----
 * For each FFT size N (2048 down to 64, at most n), hop N/4, periodic
 * Hann window, frames starting at 0 and running until one reaches past
 * the end (the signal is zero beyond it):
 *   |X| = sqrt(Re^2 + Im^2 + MAG_EPS2)        finite gradient at X = 0
 *   SC  = || |Y| - |T| ||_F / || |T| ||_F      spectral convergence
 *   LM  = mean |log(|Y| + eps) - log(|T| + eps)|,  eps = LOG_FLOOR max |T|
 * and the loss is the mean of SC + LM over sizes and channels.  A signal
 * shorter than 64 samples gets size 64 alone, one zero-padded frame.
 * MAG_EPS2 keeps |T| >= 1e-6 too, so the SC denominator is never 0.
 * The floor eps of the log term is relative to the target: LOG_FLOOR
 * (-60 dB) times the largest |T| of that size and channel.  LM then
 * compares the top 60 dB of the target's spectrogram, where a recording
 * has its partials, and not the bins below, where a recording has its
 * noise floor (-90 dBFS or so) and a model has nothing (-140 dB): with a
 * tiny absolute floor those bins are most of LM, and a fit to a real
 * recording chases them instead of the partials.  Being relative, the
 * floor also makes the loss independent of the overall level:
 * L(c y, c t) = L(y, t). */
#define MAG_EPS2 1e-12
#define LOG_FLOOR 1e-3
#define MAXSIZES 6
#define PI 3.14159265358979323846

typedef struct {
	int N;                  /* FFT size; hop N/4; N/2+1 bins */
	double *win;            /* periodic Hann, N values */
	double *dx;             /* sot: the log-frequency step after each bin */
	fftw_plan fwd, adj;     /* r2c on (in, spec); c2r on (spec, in) */
} Size;

struct RtStft {
	long n;                 /* the longest signal the buffers hold */
	int nsize, least;       /* the sizes; the smallest, used below it */
	Size size[MAXSIZES];
	double *in;             /* one frame, the largest size */
	fftw_complex *spec;     /* one frame's spectrum */
	fftw_complex *ys;       /* all frames of Y for one size and channel */
	double *tm;             /* the matching |T| */
	double *gx;             /* dL/dy for one channel, n values */
	/* the scale-invariant losses' (spec_eval): */
	double *ym, *gm, *du;   /* |Y|, dL/d|Y| and scratch of one size and channel */
	double *work;           /* one frame's bins */
	double *tcopy, *tcache; /* the target, and |T| of every size and channel */
	const double *tv;       /* |T| of the size and channel at hand */
	int tvalid;             /* tcache holds the |T| of tcopy */
};

/* Whether size N takes part for a signal of n samples: an RtStft made
 * for a longer signal skips the sizes this one is too short for. */
#define USED(s, N, n) ((N) <= (n) || ((N) == (s)->least && (n) < (N)))

/* Frames of size N covering n samples at hop N/4. */
static long
nframes(long n, int N)
{
	long H = N / 4;

	if (n <= N)
		return 1;
	return 1 + (n - N + H - 1) / H;
}

/* the models of a shared object run dpm_grad in threads of their own
 * (api.md: one instance a thread), each with its own plans */
static pthread_mutex_t fftw_planner = PTHREAD_MUTEX_INITIALIZER;

void
rt_fftw_lock(void)
{
	pthread_mutex_lock(&fftw_planner);
}

void
rt_fftw_unlock(void)
{
	pthread_mutex_unlock(&fftw_planner);
}

void
rt_stft_free(RtStft *s)
{
	int i;

	if (!s)
		return;
	rt_fftw_lock();
	for (i = 0; i < s->nsize; i++) {
		if (s->size[i].fwd)
			fftw_destroy_plan(s->size[i].fwd);
		if (s->size[i].adj)
			fftw_destroy_plan(s->size[i].adj);
	}
	rt_fftw_unlock();
	for (i = 0; i < s->nsize; i++) {
		free(s->size[i].win);
		free(s->size[i].dx);
	}
	fftw_free(s->in);
	fftw_free(s->spec);
	fftw_free(s->ys);
	free(s->tm);
	free(s->gx);
	free(s->ym);
	free(s->gm);
	free(s->du);
	free(s->work);
	free(s->tcopy);
	free(s->tcache);
	free(s);
}

/* An RtStft for signals of up to n samples with the FFT sizes top,
 * top/2, ..., least (powers of two) that n reaches; least alone when n is
 * shorter. */
static RtStft *
stft_make(long n, int top, int least)
{
	RtStft *s;
	Size *z;
	long most = 0, fk;
	int N, m;

	if (n < 1)
		return NULL;
	if (!(s = calloc(1, sizeof *s)))
		return NULL;
	s->n = n;
	s->least = least;
	for (N = top; N >= least && s->nsize < MAXSIZES; N /= 2)
		if (USED(s, N, n))
			s->size[s->nsize++].N = N;
	s->in = fftw_alloc_real((size_t)s->size[0].N);
	s->spec = fftw_alloc_complex((size_t)s->size[0].N / 2 + 1);
	s->work = malloc((size_t)(s->size[0].N / 2 + 1) * sizeof *s->work);
	if (!s->in || !s->spec || !s->work)
		goto fail;
	for (z = s->size; z < s->size + s->nsize; z++) {
		N = z->N;
		if (!(z->win = malloc((size_t)N * sizeof *z->win)))
			goto fail;
		/* periodic: the window of an N-point DFT, N/4-hop COLA */
		for (m = 0; m < N; m++)
			z->win[m] = 0.5 - 0.5 * cos(2 * PI * m / N);
		rt_fftw_lock();
		z->fwd = fftw_plan_dft_r2c_1d(N, s->in, s->spec, FFTW_ESTIMATE);
		z->adj = fftw_plan_dft_c2r_1d(N, s->spec, s->in, FFTW_ESTIMATE);
		rt_fftw_unlock();
		if (!z->fwd || !z->adj)
			goto fail;
		fk = nframes(n, N) * (N / 2 + 1);
		if (fk > most)
			most = fk;
	}
	/* sot's work takes two spectra of the largest size in du: a short
	 * signal's one frame has fewer bins than that */
	if (most < 2 * (long)(s->size[0].N / 2 + 1))
		most = 2 * (long)(s->size[0].N / 2 + 1);
	s->ys = fftw_alloc_complex((size_t)most);
	s->tm = malloc((size_t)most * sizeof *s->tm);
	s->gx = malloc((size_t)n * sizeof *s->gx);
	s->ym = malloc((size_t)most * sizeof *s->ym);
	s->gm = malloc((size_t)most * sizeof *s->gm);
	s->du = malloc((size_t)most * sizeof *s->du);
	if (!s->ys || !s->tm || !s->gx || !s->ym || !s->gm || !s->du)
		goto fail;
	return s;
fail:
	rt_stft_free(s);
	return NULL;
}

RtStft *
rt_stft_new(long n)
{
	return stft_make(n, 2048, 64);
}

/* Window frame f of channel c into s->in, zero past the end. */
static void
load_frame(RtStft *s, const Size *z, const double *x, long n, int nch, int c, long f)
{
	long i0 = f * (z->N / 4), m, len;

	len = n - i0 < z->N ? n - i0 : z->N;
	for (m = 0; m < len; m++)
		s->in[m] = z->win[m] * x[(i0 + m) * nch + c];
	for (; m < z->N; m++)
		s->in[m] = 0;
}

/* The adjoint of the r2c transform: s->spec holds the bin gradients
 * G_k = dL/dRe X_k + i dL/dIm X_k (destroyed); s->in gets dL/dx.
 * dL/dx_m = Re sum_{k=0}^{N/2} G_k e^{2 pi i k m / N}, because
 * Re X_k = sum x_m cos and Im X_k = -sum x_m sin.  FFTW's c2r of Z gives
 * Re Z_0 + Re Z_{N/2} (-1)^m + 2 Re sum_{0<k<N/2} Z_k e^{...}: so Z_k =
 * G_k for the two real bins and G_k / 2 for the others (Im X_0 and
 * Im X_{N/2} are 0 whatever x, and c2r ignores their gradients too). */
static void
rfft_adjoint(RtStft *s, const Size *z)
{
	int k, K = z->N / 2 + 1;

	for (k = 1; k < K - 1; k++) {
		s->spec[k][0] *= 0.5;
		s->spec[k][1] *= 0.5;
	}
	fftw_execute(z->adj);
}

/* The loss of one size and channel; with g, adds its gradient (times
 * `scale`) to g[0..n-1]. */
static double
one_size(RtStft *s, const Size *z, const double *y, const double *t, long n,
         int nch, int c, double *g, double scale)
{
	int N = z->N, K = N / 2 + 1, k;
	long F = nframes(n, N), f, i0, m, len;
	fftw_complex *ys = s->ys, *X;
	double *tm = s->tm, ym, d, num = 0, den = 0, lm = 0, sc, a_sc, a_lm, gm, eps = 0;

	for (f = 0; f < F; f++) {
		load_frame(s, z, t, n, nch, c, f);
		fftw_execute(z->fwd);
		for (k = 0; k < K; k++)
			tm[f * K + k] = sqrt(s->spec[k][0] * s->spec[k][0] +
			                     s->spec[k][1] * s->spec[k][1] + MAG_EPS2);
		load_frame(s, z, y, n, nch, c, f);
		fftw_execute(z->fwd);
		memcpy(ys + f * K, s->spec, (size_t)K * sizeof *s->spec);
	}
	/* the floor depends on the target only, so it adds no gradient */
	for (f = 0; f < F * K; f++)
		if (tm[f] > eps)
			eps = tm[f];
	eps *= LOG_FLOOR;
	/* tm becomes |Y| - |T|: all the backward pass needs of T, since
	 * log is increasing, log(|Y| + eps) - log(|T| + eps) has its sign */
	for (f = 0; f < F * K; f++) {
		ym = sqrt(ys[f][0] * ys[f][0] + ys[f][1] * ys[f][1] + MAG_EPS2);
		d = ym - tm[f];
		num += d * d;
		den += tm[f] * tm[f];
		lm += fabs(log((ym + eps) / (tm[f] + eps)));
		tm[f] = d;
	}
	num = sqrt(num);
	den = sqrt(den);
	sc = num / den;
	lm /= (double)(F * K);
	if (!g)
		return sc + lm;

	/* dL/d|Y| = scale * ((|Y| - |T|) / (num den) + sign / ((|Y| + eps) F K)) */
	a_sc = num > 0 ? scale / (num * den) : 0;
	a_lm = scale / (double)(F * K);
	for (f = 0; f < F; f++) {
		X = ys + f * K;
		for (k = 0; k < K; k++) {
			ym = sqrt(X[k][0] * X[k][0] + X[k][1] * X[k][1] + MAG_EPS2);
			d = tm[f * K + k];
			gm = a_sc * d + (d > 0 ? a_lm : d < 0 ? -a_lm : 0) / (ym + eps);
			gm /= ym;
			s->spec[k][0] = gm * X[k][0];
			s->spec[k][1] = gm * X[k][1];
		}
		rfft_adjoint(s, z);
		i0 = f * (N / 4);
		len = n - i0 < N ? n - i0 : N;
		for (m = 0; m < len; m++)
			g[i0 + m] += z->win[m] * s->in[m];
	}
	return sc + lm;
}

double
rt_loss_mrstft(RtStft *s, const double *y, const double *target, long n, int nch,
               double *dldy)
{
	double sum = 0, scale;
	long i;
	int c, j;

	if (n > s->n || n < 1 || nch < 1) {
		fprintf(stderr, "rt_loss_mrstft: %ld samples for an RtStft made for %ld\n", n, s->n);
		abort();
	}
	scale = 0;
	for (j = 0; j < s->nsize; j++)
		scale += USED(s, s->size[j].N, n);
	scale = 1 / (scale * nch);
	for (c = 0; c < nch; c++) {
		if (dldy)
			memset(s->gx, 0, (size_t)n * sizeof *s->gx);
		for (j = 0; j < s->nsize; j++)
			if (USED(s, s->size[j].N, n))
				sum += one_size(s, &s->size[j], y, target, n, nch, c,
				                dldy ? s->gx : NULL, scale);
		if (dldy)
			for (i = 0; i < n; i++)
				dldy[i * nch + c] = s->gx[i];
	}
	return sum * scale;
}

/* ---- Losses that ignore the level ----
 * A fit should never have to find the render's level: a render 1000x
 * too quiet must still get a gradient that moves pitch and envelope.
 * These losses are invariant under y -> c y and t -> c t (c > 0) to
 * rounding: every gain is solved in closed form and every floor is a
 * fraction of the signal it cuts, never an absolute number.
 *
 * simse (per channel, g the least-squares gain; 0 for y = 0):
 *   g = <y,t> / <y,y>,   L = ||g y - t||^2 / ||t||^2  ( = 1 - cos^2(y,t))
 *
 * The spectral ones share spec_eval: frames as mrstft's (hop N/4,
 * periodic Hann, zero past the end), |Y| = |FFT| without any floor (its
 * gradient Re/|Y| is bounded; a bin exactly 0 gets none), |T| kept from
 * one call to the next while the target is the same.  The two real bins,
 * DC and N/2, are left out (taken as 0): |Y| = |Re Y| has a kink where
 * they cross 0, which they do often in noise, and a musical spectrum has
 * nothing there.  Each averages a
 * per-(size, channel) term over sizes and channels.
 *
 * simrstft: mrstft with the gain g = <|Y|,|T|> / <|Y|,|Y|> of each size
 * and channel (the one minimising SC), u = g |Y|:
 *   SC = ||u - |T| ||_F / || |T| ||_F
 *   LM = mean |log(u + eps) - log(|T| + eps)|,
 *        eps = max(LOG_FLOOR max |T|, NOISE_FLOOR median |T|)  (log_floor)
 * The gradient goes through g too (SC is stationary in g, LM is not).
 * (rt.h's RT_LOSS_DISTANCE, sispec below, is the distance that judges a fit.)
 *
 * sot: spectral optimal transport (Torres, Peeters and Richard, ICASSP
 * 2024).  A per-bin loss sees a partial 10 % off as "wrong here, missing
 * there" and has no slope telling which way it lies (Turian and Henry
 * 2020); the Wasserstein distance between spectra as distributions over
 * frequency measures how far the mass must move, so it keeps a slope
 * towards the target from far away.  Per frame, with P = |Y|^2:
 *   m_k = ramp(P_k, SOT_FLOOR max_j P_j)   bins 60 dB under the frame's
 *         peak cut (noise, window sidelobes), softly: ramp(x, a) is 0
 *         below a, x - 1.5 a above 2 a, a parabola between (C1)
 *   p = m / sum m,  q likewise from |T|^2,  D_k = sum_{j<=k} (p_j - q_j)
 *   W = sum_k huber(D_k) (x_{k+1} - x_k)   W1 in 1-D: the L1 distance of
 *         the two CDFs (Huber's |.| within SOT_HUBER of 0: C1)
 * on the axis x_k = log max(k rate/N, SOT_FLO): log frequency, because a
 * change of pitch by a ratio r moves every partial by log r there, so W
 * is about |log r| whatever the spectrum's shape and register (a V in
 * log f0 of slope 1, the same for a 41 Hz bass and a 1 kHz flute); on a
 * linear axis the slope is the spectral centroid, so the high partials
 * would dominate and their inharmonicity would pass for pitch.
 * SOT_FLO (20 Hz) keeps the DC bin at a finite place.  Power rather than
 * magnitude: the partials' peaks carry the mass, not the lobes' skirts
 * where neighbouring partials interfere (with magnitudes, dL/df0 of a
 * 65 Hz tone took the wrong sign at 2 of 20 points within 10 %).  Frames
 * weigh E_f / sum E, E_f the target's energy in the frame, so the
 * silence after a decay does not count; a frame where the render is
 * exactly 0 costs the whole axis (and no gradient).  Sizes 8192, 4096,
 * 2048 at 44.1 kHz (scaled with the rate): the partials of a 41 Hz bass
 * are resolved only from 8192 (with 4096 at the top, dL/df0 went wrong
 * 7 % sharp of 41.2 Hz); the mirror image of a low partial at -f0 beats
 * with it in shorter frames.
 *
 * spec (fit's default): sot + SPEC_LM times simrstft's SC^2 + LM on
 * the same frames: the transport term places pitch and the partials' mass,
 * the small per-bin terms match the envelope (decay, the partials'
 * balance) once they are close.  SPEC_LM by experiment (tests/losses):
 * at 0.1 sot still decides the sign of dL/df0 at every point within
 * +-10 % of 41, 65, 98, 220 and 440 Hz; at 0.3 the per-bin term turns
 * it at 94 % of 220 Hz and 104 % of 440 Hz.  SC^2 joined LM (issue 9):
 * LM counts every bin above the floor alike, SC weighs the loud
 * partials, which the distance below (and the ear) weigh too; squared,
 * because SC's slope keeps its size up to the answer, and a closed loop
 * (tutorial section 8's training) then circled the answer at 1e-3
 * instead of settling at 1e-5.
 *
 * sispec: simrstft's SC + LM on frames of 8192 down to 1024 samples at
 * 44.1 kHz: the scale-invariant distance that judges a fit of a tone
 * (tests/bench/fits.sh).  simrstft's frames (64 to 2048) are shorter
 * than a period of a low note: there |Y| follows the waveform within the
 * period, set by the partials' phases, which the body and the room of a
 * recording scramble and no string model reproduces.  A sum of
 * sinusoids with the recorded bass gb1's own partial frequencies and
 * amplitude envelopes (tracked every 6 ms) and random phases is 0.54
 * from the recording in simrstft (a start 8 % off: 0.88) but 0.33 in
 * sispec (start: 0.78); frames of 1024 and longer resolve partials 43 Hz
 * apart and measure their levels and decays. */
#define SOT_FLOOR 1e-6
#define SOT_FLO 20.0
#define SPEC_LM 0.1
#define SOT_HUBER 1e-3
#define SIM_HUBER 1e-2
#define NOISE_FLOOR 30.0    /* log_floor */

double
rt_loss_simse(const double *y, const double *t, long n, int nch, double *dldy)
{
	long i;
	int c;
	double yy, yt, tt, g, e, r, sum = 0;

	for (c = 0; c < nch; c++) {
		yy = yt = tt = e = 0;
		for (i = 0; i < n; i++) {
			yy += y[i * nch + c] * y[i * nch + c];
			yt += y[i * nch + c] * t[i * nch + c];
			tt += t[i * nch + c] * t[i * nch + c];
		}
		g = yy > 0 ? yt / yy : 0;
		for (i = 0; i < n; i++) {
			r = g * y[i * nch + c] - t[i * nch + c];
			e += r * r;
		}
		/* a silent target has no shape to match: 0 */
		sum += tt > 0 ? e / tt : 0;
		if (!dldy)
			continue;
		/* dL/dy = (2 g (g y - t) + 2 <y, g y - t> dg/dy) / tt, and
		 * dg/dy = (t - 2 g y) / yy; the second term is rounding (g is
		 * the optimum) but costs nothing */
		{
			double dg = 0, a = tt > 0 ? 2 / (tt * nch) : 0;

			for (i = 0; i < n; i++)
				dg += y[i * nch + c] * (g * y[i * nch + c] - t[i * nch + c]);
			dg = yy > 0 ? a * dg / yy : 0;
			for (i = 0; i < n; i++) {
				double yi = y[i * nch + c], ti = t[i * nch + c];

				dldy[i * nch + c] = a * g * (g * yi - ti) + dg * (ti - 2 * g * yi);
			}
		}
	}
	return sum / nch;
}

/* A loss over one size and channel: s->ym and s->tv hold |Y| and |T| of
 * F frames of N/2+1 bins; with grad, it adds scale dL/d|Y| to s->gm. */
typedef double Kernel(RtStft *s, const Size *z, long F, int grad, double scale);

/* The soft cut of sot, C1 so a Taylor test sees h^2: 0 up to the floor
 * a, a parabola up to 2a, then x - 1.5 a (homogeneous in x and a, so the
 * cut keeps the level invariance).  ramp_dx and ramp_da: its slopes. */
static double
ramp(double x, double a)
{
	return x <= a ? 0 : x < 2 * a ? (x - a) * (x - a) / (2 * a) : x - 1.5 * a;
}

static double
ramp_dx(double x, double a)
{
	return x <= a ? 0 : x < 2 * a ? (x - a) / a : 1;
}

static double
ramp_da(double x, double a)
{
	double r = (x - a) / a;

	return x <= a ? 0 : x < 2 * a ? -r - r * r / 2 : -1.5;
}

/* Huber's |x|: x^2 / (2 d) within d of 0, so the losses built on |.| are
 * C1 and the Taylor test sees h^2; huber_d is its slope. */
static double
huber(double x, double d)
{
	return fabs(x) >= d ? fabs(x) - d / 2 : x * x / (2 * d);
}

static double
huber_d(double x, double d)
{
	return x >= d ? 1 : x <= -d ? -1 : x / d;
}

/* The k-th smallest of a[0..n-1] (0-based), a reordered: Hoare's
 * selection (FIND), expected O(n). */
static double
select_kth(double *a, long n, long k)
{
	long lo = 0, hi = n - 1, i, j;
	double x, t;

	while (lo < hi) {
		x = a[k];
		i = lo;
		j = hi;
		do {
			while (a[i] < x)
				i++;
			while (x < a[j])
				j--;
			if (i <= j) {
				t = a[i], a[i] = a[j], a[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < k)
			lo = i;
		if (k < i)
			hi = j;
	}
	return a[k];
}

/* The floor of LM for a target spectrogram tm of FK bins whose largest
 * is top: LOG_FLOOR top, or NOISE_FLOOR times the median bin if that is
 * higher (scratch: FK values).  The median bin of a tone's spectrogram
 * lies between its partials or after its decay, i.e. it is the
 * recording's noise floor; a noiseless model cannot match the bins
 * there, and counted in LM they were most of the distance: against a
 * note with white noise 30 dB under its peak (tests/bench/fits.sh's
 * held-out set) the noiseless note itself was 0.85 from it in sispec
 * (LM 0.76), more than half the distance of a start 8 % off (1.53).
 * With the floor NOISE_FLOOR times the median, about 30 dB over the
 * noise, a noise bin adds about log(1 + 1/30) = 0.03 to LM, and the
 * noiseless note is 0.12 from it (LM 0.03); with 4 times the median it
 * was 0.30 (LM 0.21).  A clean recording's median lies 110 dB or more
 * under its top (the four double-bass notes), so LOG_FLOOR rules there
 * and nothing changes. */
static double
log_floor(const double *tm, long FK, double top, double *scratch)
{
	double med;

	memcpy(scratch, tm, (size_t)FK * sizeof *tm);
	med = select_kth(scratch, FK, FK / 2);
	return fmax(LOG_FLOOR * top, NOISE_FLOOR * med);
}

/* simrstft's SC (weight wsc; squared with sq) and LM (weight wlm) at
 * the closed-form gain; LM's floor from log_floor. */
static double
sim_kernel(RtStft *s, long FK, int grad, double scale, double wsc, double wlm, int sq)
{
	const double *ym = s->ym, *tm = s->tv;
	double *gm = s->gm, *du = s->du;
	double yy = 0, yt = 0, tt = 0, eps = 0, g, u, d, num = 0, lm = 0, dg, a_sc, a_lm, r;
	long k;

	for (k = 0; k < FK; k++) {
		yy += ym[k] * ym[k];
		yt += ym[k] * tm[k];
		tt += tm[k] * tm[k];
		if (tm[k] > eps)
			eps = tm[k];
	}
	if (tt == 0)
		return 0;   /* a silent target: nothing to match */
	if (wlm > 0)
		eps = log_floor(tm, FK, eps, du);
	g = yy > 0 ? yt / yy : 0;
	for (k = 0; k < FK; k++) {
		u = g * ym[k];
		d = u - tm[k];
		num += d * d;
		r = log((u + eps) / (tm[k] + eps));
		lm += huber(r, SIM_HUBER);
		if (grad)
			du[k] = huber_d(r, SIM_HUBER) / (u + eps);
	}
	if (sq) {
		/* SC^2 = num / tt: its slope vanishes at the answer */
		if (!grad || yy == 0)
			return wsc * num / tt + wlm * lm / (double)FK;
		a_sc = 2 * wsc / tt;
	} else {
		num = sqrt(num);
		tt = sqrt(tt);
		if (!grad || yy == 0)
			return wsc * num / tt + wlm * lm / (double)FK;
		a_sc = num > 0 ? wsc / (num * tt) : 0;
	}
	/* du_k becomes dL/du_k; then dL/dg = sum_k dL/du_k |Y|_k and
	 * dL/d|Y|_k = g dL/du_k + dL/dg (|T|_k - 2 g |Y|_k) / yy */
	a_lm = wlm / (double)FK;
	dg = 0;
	for (k = 0; k < FK; k++) {
		du[k] = a_sc * (g * ym[k] - tm[k]) + a_lm * du[k];
		dg += du[k] * ym[k];
	}
	for (k = 0; k < FK; k++)
		gm[k] += scale * (g * du[k] + dg * (tm[k] - 2 * g * ym[k]) / yy);
	return wsc * num / tt + wlm * lm / (double)FK;
}

static double
kern_simrstft(RtStft *s, const Size *z, long F, int grad, double scale)
{
	return sim_kernel(s, F * (z->N / 2 + 1), grad, scale, 1, 1, 0);
}

static double
kern_sisc(RtStft *s, const Size *z, long F, int grad, double scale)
{
	return sim_kernel(s, F * (z->N / 2 + 1), grad, scale, 1, 0, 0);
}

/* sot of one size: the transport distance per frame between the power
 * spectra, weighed by the target's energy (see above). */
static double
sot_kernel(RtStft *s, const Size *z, long F, int grad, double scale)
{
	int K = z->N / 2 + 1, k, ky;
	long f;
	const double *dx = z->dx;
	double *yp = s->du, *tp = s->du + K, *gm, *G = s->work;
	double etot = 0, e, w, sum = 0, ya, ta, sy, st, d, wd, mean, act, gk;

	for (f = 0; f < F * K; f++)
		etot += s->tv[f] * s->tv[f];
	if (etot == 0)
		return 0;
	for (f = 0; f < F; f++) {
		gm = s->gm + f * K;
		e = ya = ta = 0;
		ky = 0;
		for (k = 0; k < K; k++) {
			yp[k] = s->ym[f * K + k] * s->ym[f * K + k];
			tp[k] = s->tv[f * K + k] * s->tv[f * K + k];
			e += tp[k];
			if (yp[k] > ya)
				ya = yp[k], ky = k;
			if (tp[k] > ta)
				ta = tp[k];
		}
		if (e == 0)
			continue;
		w = e / etot;
		if (ya == 0) {    /* the whole axis */
			for (k = 0; k < K - 1; k++)
				sum += w * dx[k];
			continue;
		}
		ya *= SOT_FLOOR;
		ta *= SOT_FLOOR;
		sy = st = 0;
		for (k = 0; k < K; k++) {
			sy += ramp(yp[k], ya);
			st += ramp(tp[k], ta);
		}
		/* D_k and W; G_k = dW/dD_k for the gradient */
		d = wd = 0;
		for (k = 0; k < K - 1; k++) {
			d += ramp(yp[k], ya) / sy - ramp(tp[k], ta) / st;
			wd += huber(d, SOT_HUBER) * dx[k];
			G[k] = huber_d(d, SOT_HUBER) * dx[k];
		}
		sum += w * wd;
		if (!grad)
			continue;
		/* dW/dp_j = sum_{k>=j} G_k; through p = m / S:
		 * dW/dm_j = (dW/dp_j - sum_i dW/dp_i p_i) / S; through the cut
		 * m_j = ramp(P_j, a), a = SOT_FLOOR P_peak; dP/d|Y| = 2 |Y| */
		G[K - 1] = 0;
		for (k = K - 2; k >= 0; k--)
			G[k] += G[k + 1];
		mean = 0;
		for (k = 0; k < K; k++)
			mean += G[k] * ramp(yp[k], ya);
		mean /= sy;
		act = 0;
		for (k = 0; k < K; k++)
			if (yp[k] > ya) {
				gk = scale * w * (G[k] - mean) / sy;
				gm[k] += gk * ramp_dx(yp[k], ya) * 2 * s->ym[f * K + k];
				act += gk * ramp_da(yp[k], ya);
			}
		gm[ky] += SOT_FLOOR * act * 2 * s->ym[f * K + ky];
	}
	return sum;
}

static double
kern_sot(RtStft *s, const Size *z, long F, int grad, double scale)
{
	return sot_kernel(s, z, F, grad, scale);
}

static double
kern_spec(RtStft *s, const Size *z, long F, int grad, double scale)
{
	return sot_kernel(s, z, F, grad, scale)
	       + sim_kernel(s, F * (z->N / 2 + 1), grad, scale, SPEC_LM, SPEC_LM, 1);
}

/* |T| of every size and channel into s->tcache, or of one into s->tm. */
static void
target_mags(RtStft *s, const Size *z, const double *t, int nch, int c, double *tm)
{
	int K = z->N / 2 + 1, k;
	long F = nframes(s->n, z->N), f;

	for (f = 0; f < F; f++) {
		load_frame(s, z, t, s->n, nch, c, f);
		fftw_execute(z->fwd);
		for (k = 1; k < K - 1; k++)
			tm[f * K + k] = sqrt(s->spec[k][0] * s->spec[k][0] + s->spec[k][1] * s->spec[k][1]);
		tm[f * K] = tm[f * K + K - 1] = 0;
	}
}

/* A spectral loss of the kernel kern: its mean over sizes and channels,
 * with dL/dy when dldy != NULL. */
static double
spec_eval(RtStft *s, Kernel *kern, const double *y, const double *t, int nch, double *dldy)
{
	long n = s->n, F, f, i0, m, len, off = 0;
	int c, j, k, K, N;
	double sum = 0, scale = 1.0 / (s->nsize * nch), ym, gm;
	const Size *z;

	if (s->tcache && !(s->tvalid && !memcmp(s->tcopy, t, (size_t)(n * nch) * sizeof *t))) {
		for (c = 0; c < nch; c++)
			for (j = 0; j < s->nsize; j++) {
				z = &s->size[j];
				target_mags(s, z, t, nch, c, s->tcache + off);
				off += nframes(n, z->N) * (z->N / 2 + 1);
			}
		memcpy(s->tcopy, t, (size_t)(n * nch) * sizeof *t);
		s->tvalid = 1;
		off = 0;
	}
	for (c = 0; c < nch; c++) {
		if (dldy)
			memset(s->gx, 0, (size_t)n * sizeof *s->gx);
		for (j = 0; j < s->nsize; j++) {
			z = &s->size[j];
			N = z->N;
			K = N / 2 + 1;
			F = nframes(n, N);
			for (f = 0; f < F; f++) {
				load_frame(s, z, y, n, nch, c, f);
				fftw_execute(z->fwd);
				memcpy(s->ys + f * K, s->spec, (size_t)K * sizeof *s->spec);
				for (k = 1; k < K - 1; k++)
					s->ym[f * K + k] = sqrt(s->spec[k][0] * s->spec[k][0] +
					                        s->spec[k][1] * s->spec[k][1]);
				s->ym[f * K] = s->ym[f * K + K - 1] = 0;
			}
			if (s->tcache) {
				s->tv = s->tcache + off;
				off += F * K;
			} else {
				target_mags(s, z, t, nch, c, s->tm);
				s->tv = s->tm;
			}
			if (dldy)
				memset(s->gm, 0, (size_t)(F * K) * sizeof *s->gm);
			sum += kern(s, z, F, dldy != NULL, scale);
			if (!dldy)
				continue;
			for (f = 0; f < F; f++) {
				for (k = 0; k < K; k++) {
					ym = s->ym[f * K + k];
					gm = ym > 0 ? s->gm[f * K + k] / ym : 0;
					s->spec[k][0] = gm * s->ys[f * K + k][0];
					s->spec[k][1] = gm * s->ys[f * K + k][1];
				}
				rfft_adjoint(s, z);
				i0 = f * (N / 4);
				len = n - i0 < N ? n - i0 : N;
				for (m = 0; m < len; m++)
					s->gx[i0 + m] += z->win[m] * s->in[m];
			}
		}
		if (dldy)
			for (m = 0; m < n; m++)
				dldy[m * nch + c] = s->gx[m];
	}
	return sum * scale;
}

/* ---- the table of losses ----
 * One row per name: how to set it up, evaluate and free it.  A new loss
 * is a row here; the command line, the REPL and the help take the names
 * from this table. */
struct RtLoss {
	const struct LossDef *def;
	long n;
	int nch;
	double rate;
	RtStft *stft;
	double *yc, *tc;            /* the level-free spectral losses: the two less their means */
};

typedef struct LossDef {
	const char *name, *help;
	int invariant;                      /* L(c y, t) = L(y, t), c > 0 */
	int (*setup)(RtLoss *l);            /* 0, or -1 when out of memory */
	double (*eval)(RtLoss *l, const double *y, const double *t, double *dldy);
} LossDef;

static double
eval_mse(RtLoss *l, const double *y, const double *t, double *dldy)
{
	return rt_loss_mse(y, t, l->n, l->nch, dldy);
}

static double
eval_simse(RtLoss *l, const double *y, const double *t, double *dldy)
{
	return rt_loss_simse(y, t, l->n, l->nch, dldy);
}

static int
setup_stft(RtLoss *l)
{
	return (l->stft = rt_stft_new(l->n)) ? 0 : -1;
}

static double
eval_mrstft(RtLoss *l, const double *y, const double *t, double *dldy)
{
	return rt_loss_mrstft(l->stft, y, t, l->n, l->nch, dldy);
}

/* |T| of every size and channel is kept between calls (a fit's target
 * does not change) when it takes at most SPEC_CACHE doubles; a failed
 * allocation only means it is computed every time. */
#define SPEC_CACHE (1L << 23)

static int
spec_setup(RtLoss *l, int top, int least)
{
	RtStft *s;
	long most = 0;
	int j;

	if (!(s = l->stft = stft_make(l->n, top, least)))
		return -1;
	for (j = 0; j < s->nsize; j++)
		most += nframes(l->n, s->size[j].N) * (s->size[j].N / 2 + 1);
	most *= l->nch;
	if (most <= SPEC_CACHE) {
		s->tcopy = malloc((size_t)(l->n * l->nch) * sizeof *s->tcopy);
		s->tcache = malloc((size_t)most * sizeof *s->tcache);
		if (!s->tcopy || !s->tcache) {
			free(s->tcopy);
			free(s->tcache);
			s->tcopy = s->tcache = NULL;
		}
	}
	return 0;
}

static int
setup_simrstft(RtLoss *l)
{
	return spec_setup(l, 2048, 64);
}

/* sispec's sizes: 8192 down to 1024 at 44.1 kHz, the same durations at
 * another rate (to the nearest power of two). */
static int
setup_sispec(RtLoss *l)
{
	int top = 64;
	double rate = l->rate > 0 ? l->rate : 44100;

	while (top < (1 << 18) && top * 1.5 < 8192 * rate / 44100)
		top *= 2;
	return spec_setup(l, top, top / 8);
}

/* sot's sizes: 4096, 2048, 1024 at 44.1 kHz, the same durations at
 * another rate (to the nearest power of two), and the log-frequency
 * steps of each. */
static int
setup_sot(RtLoss *l)
{
	int top = 64, j, k, K;
	double df, rate = l->rate > 0 ? l->rate : 44100;
	Size *z;

	while (top < (1 << 18) && top * 1.5 < 8192 * rate / 44100)
		top *= 2;
	if (spec_setup(l, top, top / 4) != 0)
		return -1;
	for (j = 0; j < l->stft->nsize; j++) {
		z = &l->stft->size[j];
		K = z->N / 2 + 1;
		if (!(z->dx = malloc((size_t)K * sizeof *z->dx)))
			return -1;
		df = rate / z->N;
		for (k = 0; k < K - 1; k++)
			z->dx[k] = log(fmax((k + 1) * df, SOT_FLO)) - log(fmax(k * df, SOT_FLO));
		z->dx[K - 1] = 0;
	}
	return 0;
}

static double
eval_simrstft(RtLoss *l, const double *y, const double *t, double *dldy)
{
	return spec_eval(l->stft, kern_simrstft, y, t, l->nch, dldy);
}

static double
eval_sisc(RtLoss *l, const double *y, const double *t, double *dldy)
{
	return spec_eval(l->stft, kern_sisc, y, t, l->nch, dldy);
}

static double
eval_sot(RtLoss *l, const double *y, const double *t, double *dldy)
{
	return spec_eval(l->stft, kern_sot, y, t, l->nch, dldy);
}

static double
eval_spec(RtLoss *l, const double *y, const double *t, double *dldy)
{
	return spec_eval(l->stft, kern_spec, y, t, l->nch, dldy);
}

static const LossDef losses[] = {
	{"mse", "mean squared difference of the samples", 0, NULL, eval_mse},
	{"mrstft", "multi-resolution STFT: spectral convergence + log magnitudes", 0, setup_stft, eval_mrstft},
	{"simse", "mse after the best gain per output: 1 - cos^2(render, target); level-free", 1, NULL, eval_simse},
	{"simrstft", "mrstft after the best gain per output and FFT size; level-free", 1, setup_simrstft, eval_simrstft},
	{"sisc", "simrstft's spectral convergence alone: || g|Y| - |T| || / || |T| ||, "
	 "the magnitude spectrogram's relative error at the best gain; level-free", 1, setup_simrstft, eval_sisc},
	{"sispec", "simrstft on frames of 1024 to 8192 samples (at 44.1 kHz), which resolve "
	 "the partials of a low note: the spectrum, not the phases within a period; level-free",
	 1, setup_sispec, eval_simrstft},
	{"sot", "spectral optimal transport: how far the spectrum's mass must move in log "
	 "frequency; sees pitch from afar; level-free", 1, setup_sot, eval_sot},
	{"spec", "sot + 0.1 x simrstft's log magnitudes: pitch from afar, then the envelope; "
	 "level-free (fit's default)", 1, setup_sot, eval_spec},
};
#define NLOSS (int)(sizeof losses / sizeof losses[0])

int
rt_loss_invariant(int i)
{
	return i >= 0 && i < NLOSS ? losses[i].invariant : 0;
}

const char *
rt_loss_name(int i)
{
	return i >= 0 && i < NLOSS ? losses[i].name : NULL;
}

const char *
rt_loss_help(int i)
{
	return i >= 0 && i < NLOSS ? losses[i].help : NULL;
}

RtLoss *
rt_loss_new(const char *name, long n, int nch, double rate, char *err, int errsz)
{
	RtLoss *l;
	int i;

	for (i = 0; i < NLOSS && strcmp(losses[i].name, name); i++)
		;
	if (i == NLOSS) {
		int at = snprintf(err, (size_t)errsz, "unknown loss '%.60s'; choose", name);
		for (i = 0; i < NLOSS && at > 0 && at < errsz; i++)
			at += snprintf(err + at, (size_t)(errsz - at), "%s %s", i ? (i == NLOSS - 1 ? " or" : ",") : "",
			               losses[i].name);
		return NULL;
	}
	if (n < 1 || nch < 1) {
		snprintf(err, (size_t)errsz, "a loss needs at least one sample and one channel");
		return NULL;
	}
	if (!(l = calloc(1, sizeof *l))) {
		snprintf(err, (size_t)errsz, "out of memory");
		return NULL;
	}
	l->def = &losses[i];
	l->n = n;
	l->nch = nch;
	l->rate = rate;
	if (l->def->invariant && l->def->setup
	    && (!(l->yc = malloc(sizeof *l->yc * (size_t)(n * nch))) || !(l->tc = malloc(sizeof *l->tc * (size_t)(n * nch))))) {
		snprintf(err, (size_t)errsz, "out of memory for the %s loss of %ld samples", name, n);
		rt_loss_free(l);
		return NULL;
	}
	if (l->def->setup && l->def->setup(l) != 0) {
		snprintf(err, (size_t)errsz, "out of memory for the %s loss of %ld samples", name, n);
		rt_loss_free(l);
		return NULL;
	}
	return l;
}

double
rt_loss_eval(RtLoss *l, const double *y, const double *target, double *dldy)
{
	long n = l->n, i;
	int c, nch = l->nch;
	double L;

	if (!l->yc)
		return l->def->eval(l, y, target, dldy);
	/* the level-free spectral losses see each channel less its mean: a
	 * recording's DC offset, which the window spreads into the lowest
	 * bins, took over sot (22 % of the peak: spec 1.78 at the answer, and
	 * a fit of the decays went astray; a probe's); dL/dy_i is then
	 * dL/dyc_i less its mean over the channel */
	for (c = 0; c < nch; c++) {
		double my = 0, mt = 0;
		for (i = 0; i < n; i++) {
			my += y[i * nch + c];
			mt += target[i * nch + c];
		}
		my /= n;
		mt /= n;
		for (i = 0; i < n; i++) {
			l->yc[i * nch + c] = y[i * nch + c] - my;
			l->tc[i * nch + c] = target[i * nch + c] - mt;
		}
	}
	L = l->def->eval(l, l->yc, l->tc, dldy);
	for (c = 0; dldy && c < nch; c++) {
		double mg = 0;
		for (i = 0; i < n; i++)
			mg += dldy[i * nch + c];
		mg /= n;
		for (i = 0; i < n; i++)
			dldy[i * nch + c] -= mg;
	}
	return L;
}

void
rt_loss_free(RtLoss *l)
{
	if (!l)
		return;
	rt_stft_free(l->stft);
	free(l->yc);
	free(l->tc);
	free(l);
}
