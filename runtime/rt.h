/* rt.h — the runtime that dpmc and the executables it builds share:
 * WAV output and input.  `dpmc render` and a built executable write their
 * files through the same rt_wav_write, so the two agree bit for bit.
 * Links with libsndfile and libm only; no part of the compiler.  The
 * losses (loss.c) and the partials (partials.c) add FFTW3; a static
 * link pulls them only when a program calls them, so built executables
 * still need no FFTW. */
#ifndef DPM_RT_H
#define DPM_RT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- msg.c: echoing the user's input in a message ----
 * rt_putsafe writes c, a control byte as '?'; rt_putcut s[0..n) so, a
 * quoted string cut at RT_QUOTE_MAX characters, an unquoted word at
 * RT_WORD_MAX and the whole at RT_MSG_MAX.  RT_SHOW_LINE: the characters
 * of a quoted source line shown around the caret. */
enum { RT_QUOTE_MAX = 60, RT_WORD_MAX = 200, RT_MSG_MAX = 1000, RT_SHOW_LINE = 160 };
void rt_putsafe(FILE *out, int c);
void rt_putcut(FILE *out, const char *s, size_t n);
/* The Levenshtein distance of a and b, 99 beyond 62 characters ("did you
 * mean ...?"). */
int rt_edit_distance(const char *a, const char *b);

/* The largest number of samples (frames times channels) a render may
 * hold in memory: 2^27 doubles, 1 GiB. */
#define RT_MAX_SAMPLES (1L << 27)

/* ---- out.c: writing files whole, and temporary names cleared ----
 * rt_out_open starts the file path: a regular or new file under a
 * temporary name beside it (mkstemp: a link planted there is not
 * followed; behind a symlink, beside the link's target, which keeps the
 * link), a device, FIFO or "-" (also /dev/stdout, /dev/fd/N) in place.
 * mode: the new file's mode before the umask (0666, 0777 for a program).
 * rt_out_write writes it all; rt_out_close closes, syncs and renames the
 * temporary name onto path; rt_out_abort removes it.
 * rt_out_commit_file makes the finished file src (in a folder beside
 * path, or anywhere when in place) the output and closes.  Each returns
 * 0, or -1 with a message in err (after close or commit, nothing left).
 * rt_out_check says beforehand whether path can be written (its folder
 * exists and is writable; not a folder; a link that leads somewhere), so a
 * command can refuse before it computes anything. */
typedef struct RtOut {
	int fd;
	int inplace;        /* fd is the target itself */
	int slot;           /* the temporary name's entry in the table */
	const char *name;   /* path as given, for messages */
	char *path, *tmp;   /* what is renamed onto; the temporary name */
} RtOut;
int rt_out_check(const char *path, char *err, int errsz);
int rt_out_open(RtOut *o, const char *path, int mode, char *err, int errsz);
int rt_out_write(RtOut *o, const void *p, size_t n, char *err, int errsz);
int rt_out_close(RtOut *o, char *err, int errsz);
int rt_out_commit_file(RtOut *o, const char *src, char *err, int errsz);
void rt_out_abort(RtOut *o);
/* 1 when path names standard output or another open descriptor ("-",
 * /dev/stdout, /dev/fd/N). */
int rt_out_is_std(const char *path);

/* printf into err (errsz bytes) when err is not NULL: how the runtime
 * reports an error to its caller. */
void rt_seterr(char *err, int errsz, const char *fmt, ...);

/* Temporary names removed on SIGINT, SIGTERM, SIGHUP (then the signal's
 * default action: exit status 128 + sig) and at exit().  rt_tmp_add
 * (rt_tmp_add_dir: an empty folder, removed after the files) returns the
 * entry to give rt_tmp_del once the name is renamed or removed; -1 when
 * the table (32 names) is full: the name is then not cleared.  Each add
 * puts the clearing handler on the signals still at their default; a
 * program's own handler calls rt_tmp_die(sig) to clear and die.
 * rt_tmp_make (mkstemp), rt_tmp_makes (mkstemps: the last `suffix`
 * characters kept) and rt_tmp_make_dir (mkdtemp) create and enter a name
 * with the signals held. */
int rt_tmp_add(const char *path);
int rt_tmp_add_dir(const char *path);
void rt_tmp_del(int slot);
void rt_tmp_die(int sig);
int rt_tmp_make(char *tmpl, int *slot);
int rt_tmp_makes(char *tmpl, int suffix, int *slot);
/* The child process (a C compiler) writing into a temporary name, 0 for
 * none: a signal goes to its process group (or to it) and is waited for
 * before the names are cleared. */
void rt_tmp_child(pid_t pid);
char *rt_tmp_make_dir(char *tmpl, int *slot);
/* A folder a child process fills with names of its own (TMPDIR of a C
 * compiler): a signal removes the files in it, then it.
 * rt_tmp_clear_scratch does the same at once. */
int rt_tmp_add_scratch(const char *path);
void rt_tmp_clear_scratch(const char *path);

/* Write nframes frames of nch interleaved channels at `rate` Hz to path
 * (through rt_out_open: "-" is stdout).
 * raw == 0: 24-bit PCM scaled so the peak over all channels is -1 dBFS
 * (silence stays silence); raw 1: 32-bit float, values unscaled; raw 2:
 * 64-bit float, unscaled (`--raw --double`).
 * A non-finite sample is an error.  A failure leaves nothing behind.
 * 0 on success, else -1 with a message in err.  rt_wav_check says before
 * a render whether its WAV can be written: the channel count (libsndfile
 * takes at most 1024), a sound format other than WAV named by the
 * extension, and rt_out_check. */
int rt_wav_write(const char *path, const double *interleaved, long nframes,
                 int nch, int rate, int raw, char *err, int errsz);
int rt_wav_check(const char *path, int nch, int raw, char *err, int errsz);

/* Read a sound file: malloc'd interleaved samples (PCM scaled to [-1, 1),
 * float files as stored), with its frame count, channels and rate.
 * NULL with a message in err for a missing, unreadable, empty or
 * non-audio file, one that is not a regular file (a FIFO, a device)
 * or one holding a sample that is not finite. */
/* 1 when every one of the n samples is 0 (a silent recording) */
int rt_silent(const double *x, long n);
/* 1 when each channel of the n frames of nch holds one value throughout
 * (silence, or a DC offset alone: no sound for a loss that takes each
 * channel less its mean) */
int rt_constant(const double *x, long n, int nch);
double *rt_wav_read(const char *path, long *nframes, int *nch, int *rate,
                    char *err, int errsz);

/* The number of frames a render of `seconds` at `rate` produces, or -1
 * (with a message) when seconds is not positive and finite or the render
 * would not fit in RT_MAX_SAMPLES samples. */
long rt_nframes(double seconds, double rate, int nch, char *err, int errsz);

/* ---- params.c: params files (language.md section 13) ----
 * {"params": {"NAME": VALUE, ...}, "nets": {"NET": {"sizes": [IN, ...,
 * OUT], "act": "tanh", "layers": [{"W": [[...]], "b": [...]}, ...]}}}, W
 * row by row (unit j, input i), read against a model through its
 * generated metadata: RtModel holds the functions P_nparams,
 * P_param_name, P_param_min, P_param_max and P_net (NULL: no nets; it
 * returns 0 and fills what it is given for net i, -1 past the last).
 * rt_params_read sets vals[] (which hold the values in force) from the
 * file at path: every value range-checked and given once, a net's sizes
 * and activation as the model's, each layer whole; 0, or -1 after its
 * messages on msg (FILE:LINE:COL: error: ..., with the line and a caret;
 * "PROG: error: ..." for the file as a whole).  rt_params_print writes
 * "KEY": {the declared params}, and "nets": {...} when the model has
 * nets, with vals[] as values (a gradient in the same shape); key NULL:
 * only "nets": {...} (nothing without nets). */
typedef struct RtModel {
	int (*nparams)(void);
	const char *(*param_name)(int i);
	double (*param_min)(int i);
	double (*param_max)(int i);
	int (*param_log)(int i);    /* NULL: none is; a log param needs a value above 0 */
	int (*net)(int i, const char **name, const char **act, int *nsizes, const int **sizes,
	           int *first);
} RtModel;
int rt_params_read(const RtModel *m, const char *path, double *vals, FILE *msg, const char *prog);
/* rt_params_items reads the "items" of such a file as `dpmc train`
 * writes them ([{"file": F, "loss": L, "params": {NAME: VALUE, ...}},
 * ...]: each row's own params), checked as rt_params_read checks
 * "params", and calls each(ctx, index, file, vals, seen) for each: vals
 * the values it gives (NAN elsewhere), seen[i] 1 where it gives one; a
 * file without "items" calls it for none.  0, or -1 after a message
 * (or when each returned one below 0: its own). */
typedef int (*RtItemFn)(void *ctx, int index, const char *file, const double *vals, const char *seen);
int rt_params_items(const RtModel *m, const char *path, RtItemFn each, void *ctx, FILE *msg, const char *prog);
void rt_params_print(FILE *f, const RtModel *m, const double *vals, const char *key);
/* The shortest %g text that reads back as v ("null" when not finite),
 * whole numbers without an exponent: what params files hold. */
const char *rt_fmt_num(double v, char *buf, int n);

/* ---- loss.c: losses and their gradients with respect to the render ----
 * y and target hold n frames of nch interleaved channels.  Each returns
 * the loss and, when dldy != NULL, writes dL/dy in the same layout: the
 * exact derivative of the loss as computed.  A non-finite y gives a
 * non-finite loss; callers test isfinite. */

/* The mean over samples and channels of (y - target)^2. */
double rt_loss_mse(const double *y, const double *target, long n, int nch,
                   double *dldy);

/* Multi-resolution STFT loss: FFT sizes 2048, 1024, ..., 64 (those not
 * larger than n; 64 alone for n < 64), hop size/4, periodic Hann, frames
 * from sample 0 until one passes the end (zero-padded); per size and
 * channel, spectral convergence || |Y|-|T| ||_F / || |T| ||_F plus the mean
 * of |log(|Y| + eps) - log(|T| + eps)|, eps = 1e-3 max |T| (60 dB under
 * the target's peak), with |X| = sqrt(|X|^2 + 1e-12);
 * averaged over sizes and channels.  rt_stft_new(n) makes the FFTW plans
 * and every buffer for signals of up to n frames (NULL when out of
 * memory); it and rt_stft_free take FFTW's planner under rt_fftw_lock,
 * so threads may call them at once.  One RtStft serves one thread; n beyond the n
 * it was made for is a bug (abort). */
typedef struct RtStft RtStft;
RtStft *rt_stft_new(long n);
/* FFTW's planner (plans made and destroyed) is one thread's at a time:
 * every plan of the runtime is made and destroyed between these */
void rt_fftw_lock(void);
void rt_fftw_unlock(void);
double rt_loss_mrstft(RtStft *s, const double *y, const double *target,
                      long n, int nch, double *dldy);
void rt_stft_free(RtStft *s);

/* The scale-invariant mse: per channel, with the gain g = <y,t>/<y,y>
 * (0 for y = 0), ||g y - t||^2 / ||t||^2 (0 for a silent target),
 * averaged over channels.  L(c y, t) = L(y, c t) = L(y, t) for c > 0. */
double rt_loss_simse(const double *y, const double *target, long n, int nch,
                     double *dldy);

/* ---- every loss by name, one table (loss.c) ----
 * rt_loss_new(name, n, nch, rate) sets up a loss for signals of n frames
 * of nch channels at rate Hz (FFT plans, buffers): NULL with a message in
 * err for an unknown name or no memory.  It calls the FFTW planner: no
 * two threads may call rt_loss_new or rt_loss_free at once.  rt_loss_eval
 * returns the loss of y against target (both n x nch, interleaved) and,
 * when dldy != NULL, writes its exact gradient; one RtLoss serves one
 * thread.  rt_loss_name(i) lists the names (NULL past the last) and
 * rt_loss_help(i) says in a few words what each is. */
typedef struct RtLoss RtLoss;
RtLoss *rt_loss_new(const char *name, long n, int nch, double rate, char *err, int errsz);
double rt_loss_eval(RtLoss *l, const double *y, const double *target, double *dldy);
void rt_loss_free(RtLoss *l);
const char *rt_loss_name(int i);
const char *rt_loss_help(int i);
/* 1 when loss i ignores the render's level, L(c y, t) = L(y, t) for every
 * c > 0 (its gain is solved in closed form): a fit with it gets no
 * gradient for a param that only scales the output, and need not fit
 * one.  0 for mse and mrstft. */
int rt_loss_invariant(int i);

/* The names, with loss.c's comment for the equations:
 *   mse, mrstft    as above
 *   simse          rt_loss_simse
 *   simrstft       mrstft at the best gain of each size and channel
 *   sot            spectral optimal transport: per frame, the 1-D
 *                  Wasserstein distance between the normalised magnitude
 *                  spectra on a log-frequency axis (bins 60 dB under the
 *                  frame's peak cut), frames weighed by the target's energy
 *   sispec         simrstft on frames of 1024 to 8192 (44.1 kHz), which
 *                  resolve a low note's partials
 *   spec           sot + 0.1 simrstft's SC and LM terms on sot's frames
 * RT_LOSS_DEFAULT is the loss `fit` uses without --loss: it keeps a slope
 * towards the target's pitch from 10 % away and at any level.
 * RT_LOSS_DISTANCE is the scale-invariant spectral distance that judges
 * a fit (issue 9's "at most half the start's"; tests/bench/fits.sh
 * reports simrstft, the one used before, beside it). */
#define RT_LOSS_DEFAULT "spec"
#define RT_LOSS_DISTANCE "sispec"

/* ---- optim.c: moving params in an unconstrained space, and Adam ----
 * A fit moves z freely; v = rt_from_free(z, ...) never leaves [lo, hi]
 * and every point inside is reached by some z:
 *   lo, hi finite:   v = lo + (hi - lo) sigmoid(z)
 *                    (log: log v = log lo + (log hi - log lo) sigmoid(z))
 *   only lo finite:  v = lo + softplus(z)   (log: log v = log lo + softplus(z))
 *   only hi finite:  v = hi - softplus(-z)  (log: log v = log hi - softplus(-z))
 *   neither:         v = z                   (log: v = exp(z))
 * lo = -INFINITY / hi = INFINITY mean no bound on that side (as P_param_min
 * and P_param_max give them); a log param needs lo > 0 for its lower bound
 * to count (lo <= 0 is taken as no lower bound).  z is clamped to
 * [-RT_FREE_ZMAX, RT_FREE_ZMAX] first (sigmoid forms), so v stays strictly
 * inside a finite range up to rounding, and the result is clamped into
 * [lo, hi] against rounding.  dv_dz (may be NULL) is the derivative at the
 * clamped z: never 0 for a non-empty range, so a gradient can bring a z
 * back from beyond the clamp.  rt_to_free is the inverse (v outside the
 * range is taken at the nearest bound). */
#define RT_FREE_ZMAX 30.0
double rt_to_free(double v, double lo, double hi, int is_log);
/* rt_to_free for a fit's start: a value at an end of a finite range (or
 * within 1e-6 of the range of it) is taken at z = +-RT_START_ZMAX, 1 %
 * of the range inside (of its e-folds for a log param), where dv/dz is
 * 1 % of the range, not 1e-13 at the end itself (from where neither
 * Adam, eps 1e-8, nor the partials' first stage would move it).  A value
 * nearer than 1 % but not at the end stays where it is (a gain of 1 in
 * [0, 1000] was moved to 10, where the fit began 3 times over what it
 * wanted; a probe's): there dv/dz is its own distance from the end. */
#define RT_START_ZMAX 4.59511985013459 /* log(99) */
#define RT_START_ZEND 13.815509557963773 /* log(1e6 - 1) */
double rt_to_free_start(double v, double lo, double hi, int is_log);
double rt_from_free(double z, double lo, double hi, int is_log, double *dv_dz);

/* Adam (Kingma and Ba 2015; beta1 0.9, beta2 0.999, eps 1e-8) over n
 * values.  rt_adam_step clips g to 2-norm `clip` when clip > 0 and moves
 * z; a g with a non-finite value changes nothing and returns -1, else 0
 * (fits should clip: unclipped, a g beyond 1e150 overflows the second
 * moment and stalls that value for good).
 * rt_adam_undo takes the last step back exactly (z, moments and step
 * count; -1 when there is no step to undo), so a fit can retry a step
 * that diverged with rt_adam_set_lr at a smaller rate. */
typedef struct RtAdam RtAdam;
RtAdam *rt_adam_new(int n, double lr);
int rt_adam_step(RtAdam *a, double *z, const double *g, double clip);
int rt_adam_undo(RtAdam *a, double *z);
void rt_adam_set_lr(RtAdam *a, double lr);
double rt_adam_lr(const RtAdam *a);
void rt_adam_free(RtAdam *a);

/* ---- partials.c: the partials of a tone, and a stage that matches them ----
 * rt_partials finds the partial series of a plucked or struck tone in x
 * (n frames of nch interleaved channels, mixed) from a Hann window of up
 * to 0.75 s from its loudest moment: the first partial f1, partials
 * k = 1..K measured where they stand clearly above the noise (missing
 * ones are 0), and f0, B of the stiff-string series
 * f_k = k f0 sqrt(1 + B k^2) fitted to them (least squares in log f_k,
 * outliers dropped); f1 = f0 sqrt(1 + B).  Scale-free: any level, and
 * the first partial may be weaker than the second or missing.
 * hint > 0 looks for f1 only within [hint / (1 + width), hint (1 + width)]
 * (no octave jumps when following a tone that moves); 0 searches 25 Hz
 * to 2 kHz.  0, or -1 with a message in err (no series, too short, no
 * memory).  It calls the FFTW planner: not from two threads at once.
 * rt_partial_at(p, k) is partial k as measured, else where the fitted
 * series puts it; 0 for no series. */
#define RT_PARTIALS_MAX 32
typedef struct RtPartials {
	double f1, f0, B;      /* Hz, Hz, inharmonicity */
	double rms_cents;      /* of the measured partials about the series */
	int K, nfound;         /* the highest partial found; how many were */
	double f[RT_PARTIALS_MAX];      /* f[k-1]: partial k, Hz; 0: not found */
	double amp[RT_PARTIALS_MAX];    /* its amplitude over the window */
	double snr[RT_PARTIALS_MAX];    /* its peak over the local noise floor */
	double decay[RT_PARTIALS_MAX];  /* amplitude ~ exp(-decay t), 1/s; 0: unknown */
	double start, window;  /* the analysis window, s */
	double stray;          /* the loudest peak below the highest partial found
	                          that is none of the series', over the loudest
	                          partial: a series that leaves a loud one out (a
	                          plate's lowest mode under a run of its higher
	                          ones, its modes between them) is not the tone's */
} RtPartials;
int rt_partials(const double *x, long n, int nch, double rate, double hint, double width,
                RtPartials *p, char *err, int errsz);
double rt_partial_at(const RtPartials *p, int k);

/* rt_match_partials moves z (nz free coordinates of a model's params, as
 * rt_to_free maps them) so that the partials of render(ctx, z, y) (n
 * frames of nch channels into y; 0, or -1 when that z cannot be
 * rendered) sit on those of target: Levenberg-Marquardt on the sum over
 * the partials found in both of (1200 log2(f_k(render) / f_k(target)))^2,
 * the Jacobian by one-sided differences, one render per param.  A param
 * whose column is about 0 (a decay time, a gain: it moves no partial by
 * RT_MATCH_MINCOL cents per unit of z) stays where it is.  The render's
 * f1 is looked for near where the last step predicted it.  At most
 * maxit iterations; stops below 1 cent or when the error stops falling.
 * 0 with the report in m (m->ran 0 and m->why when there was nothing to
 * do: no series in the target or the render, no param that moves one),
 * or -1 with a message in err (no memory).  With m->df1 set (nz values),
 * the slope of the render's f1 where z ends, in cents per unit of each
 * z (one more render per param in play when a step came after the last
 * Jacobian), 0 for the params that move no partial, all 0 when there
 * was no series to match. */
#define RT_MATCH_MINCOL 0.5
typedef int (*RtRenderFn)(void *ctx, const double *z, double *y);
typedef struct RtMatch {
	int ran;                    /* z was moved */
	int modes;                  /* no series: the render's loudest peaks, matched (partials.c) */
	const char *why;            /* when not: why */
	RtPartials target, start, end;  /* the target's and the render's partials */
	double cents0, cents;       /* rms over the matched partials, before and after */
	int matched, iters, renders;
	int *moved;                 /* nz flags (the caller's array, may be NULL) */
	double *df1;                /* nz slopes of f1, cents per unit z (the caller's, may be NULL) */
	/* where the renders' partials are read from now on: at the start
	 * and after each step taken, before the Jacobian's renders about it
	 * (may be NULL; cli_fit_pitch.c keeps the grid there) */
	void (*settle)(void *ctx, const double *z);
	/* after the match: 1 when the values at z take another grid than
	 * the one it ran on, now in force; the match then runs once more
	 * from z on it (may be NULL) */
	int (*regrid)(void *ctx, const double *z);
	char whybuf[200];           /* why, when it has numbers */
} RtMatch;
int rt_match_partials(RtRenderFn render, void *ctx, double *z, int nz, const double *target,
                      long n, int nch, double rate, int maxit, RtMatch *m, char *err, int errsz);
/* rt_match_decays, after it: moves z so that the decay rates of the
 * render's partials (RtPartials.decay; with no series in the target, of
 * its loudest modes and the render's peaks at them) match the target's,
 * Levenberg-Marquardt on 100 ln(d_k(render) / d_k(target)),
 * per cent, over the partials whose decay both give; a param that moves
 * the partials themselves (2 cents per unit of z, or m->hold: those the
 * first match moved) is held where it is, as one that moves no decay by
 * half a per cent per unit of z.  The
 * start of the decay times (T60s) and loss laws, which an audio loss
 * takes hundreds of steps to bring in (a closed loop of guitar.dpm from
 * T60s x1.5: 19 % off after 100 steps).  0 with the report in m, or -1
 * with a message in err (no memory). */
typedef struct RtDecays {
	int ran, matched, iters, renders;
	int modes;                  /* no series: the target's loudest modes (partials.c) */
	double rms0, rms;           /* per cent, rms over the partials */
	const char *why;            /* when it did not run: why */
	int *moved;                 /* nz flags (the caller's, may be NULL) */
	const int *hold;            /* nz flags: held where they are (may be NULL) */
	void (*settle)(void *ctx, const double *z);    /* as RtMatch's */
} RtDecays;
int rt_match_decays(RtRenderFn render, void *ctx, double *z, int nz, const double *target, long n, int nch,
                    double rate, int maxit, RtDecays *m, char *err, int errsz);
/* What a fit steps in: z = rt_free_scale(...) y, so that a unit step of
 * y near the middle of the range moves a `log` param by one e-fold (log v
 * by 1), or by sqrt(E) e-folds when its range spans E > 1 of them, and
 * any other param by its whole range (by |v0|, else 1, when it has no
 * finite range).  Adam moves each y by about its learning rate a step
 * early on, so the steps are comparable across params whatever their
 * ranges: lr 0.01 moves an f0 in [40, 100] by 1 % and a pluck point by
 * 1 % of its range.  The square root gives a param known to a few
 * decades (B in [1e-7, 1e-4]: 2.6 %) longer steps than one known to an
 * octave, without the range's whole width: with one e-fold for all, a
 * closed loop of examples/bass_fit.dpm from B x3 ended 16 % off after
 * 300 steps, with the square root 2.5 %.  Towards the ends of a range
 * the steps shrink with the sigmoid's slope. */
double rt_free_scale(double v0, double lo, double hi, int is_log);

/* The learning rate at step `step` (0 .. steps-1) of a fit of `steps`:
 * a linear warmup over the first RT_WARMUP of the steps (at least one),
 * from lr / warmup steps up to lr, then a cosine decay from lr down to
 * RT_LR_END lr at the last step (Loshchilov and Hutter 2017, SGDR,
 * without restarts). */
#define RT_WARMUP 0.05
#define RT_LR_END 0.01
double rt_lr_at(double lr, long step, long steps);

#endif
