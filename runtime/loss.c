/* loss.c — losses between a render and a target, and their gradients
 * with respect to the render, for `dpmc grad` and `dpmc fit`.
 * requires: FFTW3 (double) and libm.  Signals are interleaved: sample i
 * of channel c at x[i*nch + c].  The gradient is the exact derivative of
 * the loss as computed, so P_backward can carry it on to the params. */
#include <math.h>
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
	fftw_plan fwd, adj;     /* r2c on (in, spec); c2r on (spec, in) */
} Size;

struct RtStft {
	long n;                 /* the longest signal the buffers hold */
	int nsize;
	Size size[MAXSIZES];
	double *in;             /* one frame, 2048 values */
	fftw_complex *spec;     /* one frame's spectrum, 1025 bins */
	fftw_complex *ys;       /* all frames of Y for one size and channel */
	double *tm;             /* the matching |T| */
	double *gx;             /* dL/dy for one channel, n values */
};

/* Whether size N takes part for a signal of n samples: an RtStft made
 * for a longer signal skips the sizes this one is too short for. */
#define USED(N, n) ((N) <= (n) || ((N) == 64 && (n) < 64))

/* Frames of size N covering n samples at hop N/4. */
static long
nframes(long n, int N)
{
	long H = N / 4;

	if (n <= N)
		return 1;
	return 1 + (n - N + H - 1) / H;
}

void
rt_stft_free(RtStft *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->nsize; i++) {
		if (s->size[i].fwd)
			fftw_destroy_plan(s->size[i].fwd);
		if (s->size[i].adj)
			fftw_destroy_plan(s->size[i].adj);
		free(s->size[i].win);
	}
	fftw_free(s->in);
	fftw_free(s->spec);
	fftw_free(s->ys);
	free(s->tm);
	free(s->gx);
	free(s);
}

RtStft *
rt_stft_new(long n)
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
	for (N = 2048; N >= 64; N /= 2)
		if (USED(N, n))
			s->size[s->nsize++].N = N;
	s->in = fftw_alloc_real(2048);
	s->spec = fftw_alloc_complex(1025);
	if (!s->in || !s->spec)
		goto fail;
	for (z = s->size; z < s->size + s->nsize; z++) {
		N = z->N;
		if (!(z->win = malloc((size_t)N * sizeof *z->win)))
			goto fail;
		/* periodic: the window of an N-point DFT, N/4-hop COLA */
		for (m = 0; m < N; m++)
			z->win[m] = 0.5 - 0.5 * cos(2 * PI * m / N);
		z->fwd = fftw_plan_dft_r2c_1d(N, s->in, s->spec, FFTW_ESTIMATE);
		z->adj = fftw_plan_dft_c2r_1d(N, s->spec, s->in, FFTW_ESTIMATE);
		if (!z->fwd || !z->adj)
			goto fail;
		fk = nframes(n, N) * (N / 2 + 1);
		if (fk > most)
			most = fk;
	}
	s->ys = fftw_alloc_complex((size_t)most);
	s->tm = malloc((size_t)most * sizeof *s->tm);
	s->gx = malloc((size_t)n * sizeof *s->gx);
	if (!s->ys || !s->tm || !s->gx)
		goto fail;
	return s;
fail:
	rt_stft_free(s);
	return NULL;
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
		scale += USED(s->size[j].N, n);
	scale = 1 / (scale * nch);
	for (c = 0; c < nch; c++) {
		if (dldy)
			memset(s->gx, 0, (size_t)n * sizeof *s->gx);
		for (j = 0; j < s->nsize; j++)
			if (USED(s->size[j].N, n))
				sum += one_size(s, &s->size[j], y, target, n, nch, c,
				                dldy ? s->gx : NULL, scale);
		if (dldy)
			for (i = 0; i < n; i++)
				dldy[i * nch + c] = s->gx[i];
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
};

typedef struct LossDef {
	const char *name, *help;
	int (*setup)(RtLoss *l);            /* 0, or -1 when out of memory */
	double (*eval)(RtLoss *l, const double *y, const double *t, double *dldy);
} LossDef;

static double
eval_mse(RtLoss *l, const double *y, const double *t, double *dldy)
{
	return rt_loss_mse(y, t, l->n, l->nch, dldy);
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

static const LossDef losses[] = {
	{"mse", "mean squared difference of the samples", NULL, eval_mse},
	{"mrstft", "multi-resolution STFT: spectral convergence + log magnitudes", setup_stft, eval_mrstft},
};
#define NLOSS (int)(sizeof losses / sizeof losses[0])

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
		snprintf(err, (size_t)errsz, "unknown loss '%.60s'", name);
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
	return l->def->eval(l, y, target, dldy);
}

void
rt_loss_free(RtLoss *l)
{
	if (!l)
		return;
	rt_stft_free(l->stft);
	free(l);
}
