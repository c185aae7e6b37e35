/* cli_fit.c — `dpmc grad` and `dpmc fit` (spec/cli.md): the loss of a
 * render against a recording, its exact gradient from the adjoint the
 * generated code carries (P_forward/P_backward, scheme.h), and Adam on
 * top of it in an unconstrained space, so a fit never leaves a range.
 * requires: a Kernel with the gradient functions and the values in force
 * (Job, from main.c).
 * leaves: JSON on stdout or in -o; files written whole or not at all. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../runtime/rt.h"

enum { MAXHALVE = 10 };

/* One model instance against one recording: what an evaluation of the
 * loss and its gradient needs, allocated once per command. */
typedef struct Sim {
	const Opts *o;
	const Job *j;
	const Kernel *k;
	void *m;                    /* the instance; NULL after a failed re-create */
	double *target, *y, *dldy;
	long n;                     /* frames of the target */
	int nch;
	RtLoss *loss;               /* --loss, mse by default */
	double init_ms, run_ms, grad_ms;  /* totals over the command */
	long evals, regrids;
	char err[2048];
} Sim;

/* Whether name is a loss of runtime/loss.c's table; choices gets the
 * names as "a, b or c" for a message. */
int
cli_loss_known(const char *name, char *choices, int n)
{
	int i, known = 0, len = 0;
	const char *s;

	choices[0] = 0;
	for (i = 0; (s = rt_loss_name(i)); i++) {
		known |= !strcmp(s, name);
		if (len < n)
			len += snprintf(choices + len, (size_t)(n - len), "%s%s",
			                !i ? "" : rt_loss_name(i + 1) ? ", " : " or ", s);
	}
	return known;
}

static void
sim_close(Sim *s)
{
	if (s->m)
		s->k->destroy(s->m);
	rt_loss_free(s->loss);
	free(s->target);
	free(s->y);
	free(s->dldy);
}

/* Read the target and check it against the model; 0, or -1 after an
 * error message. */
static int
sim_open(Sim *s, const Opts *o, const Job *j)
{
	int rate, nout;
	size_t len;

	memset(s, 0, sizeof *s);
	s->o = o;
	s->j = j;
	s->k = j->k;
	nout = s->k->noutputs();
	if (nout < 1) {
		fprintf(stderr, "dpmc: error: %s has no output to compare with '%s'; add a line like 'output out = u(0.5)'\n",
		        o->model, o->target);
		return -1;
	}
	if (!(s->target = rt_wav_read(o->target, &s->n, &s->nch, &rate, s->err, sizeof s->err))) {
		fprintf(stderr, "dpmc: error: %s\n", s->err);
		return -1;
	}
	if (rate != j->rate) {
		fprintf(stderr, "dpmc: error: '%s' is sampled at %d Hz but %s runs at %.0f Hz; "
		        "use '-r %d' or resample the recording\n", o->target, rate, o->model, j->rate, rate);
		return -1;
	}
	if (s->nch != nout) {
		fprintf(stderr, "dpmc: error: '%s' has %d channel%s but %s has %d output%s; "
		        "the channels must match the outputs one to one\n", o->target, s->nch,
		        s->nch == 1 ? "" : "s", o->model, nout, nout == 1 ? "" : "s");
		return -1;
	}
	len = sizeof(double) * (size_t)s->n * (size_t)s->nch;
	s->y = mem_try_malloc(len);
	s->dldy = mem_try_malloc(len);
	if (!s->y || !s->dldy) {
		fprintf(stderr, "dpmc: error: out of memory for %ld samples of '%s'\n", s->n * s->nch, o->target);
		return -1;
	}
	if (!(s->loss = rt_loss_new(o->loss ? o->loss : "mse", s->n, s->nch, j->rate, s->err, sizeof s->err))) {
		fprintf(stderr, "dpmc: error: %s\n", s->err);
		return -1;
	}
	return 0;
}

/* Put the instance at vals, on the grid P_plan picks for them (or the
 * forced one).  The same grid keeps the instance (P_set_params); another
 * one, or values set_params refuses, re-create it, so a param can go
 * anywhere in its range however the stability bound moves the grid.
 * 0, or -1 with a message in s->err. */
static int
sim_set(Sim *s, const double *vals)
{
	int g[2] = {0, 0}, cur[2] = {0, 0}, nd = s->k->ndim();
	double h[2], t;

	s->err[0] = 0;
	if (s->k->plan_for(vals, s->j->rate, (double)s->n / s->j->rate, s->j->grid, g, h, s->err,
	                   sizeof s->err) != 0)
		return -1;
	if (s->m) {
		s->k->grid(s->m, cur, h);
		if (cur[0] == g[0] && (nd < 2 || cur[1] == g[1])
		    && s->k->set_params(s->m, vals, s->err, sizeof s->err) == 0)
			return 0;
		s->k->destroy(s->m);
		s->m = NULL;
		s->regrids++;
	}
	t = jit_now_ms();
	s->m = s->k->create(vals, s->j->rate, g, s->err, sizeof s->err);
	s->init_ms += jit_now_ms() - t;
	if (!s->m)
		return -1;
	s->k->set_checkpoints(s->m, s->o->checkpoints);
	s->k->set_memory(s->m, s->o->memory_mb * 1e6);
	return 0;
}

/* The loss of the instance against the target and dL/dparam for every
 * param; 0, or -1 with a message in s->err when either is not finite. */
static int
sim_eval(Sim *s, double *loss, double *grad)
{
	int i, np = s->k->nparams();
	double t;

	t = jit_now_ms();
	if (s->k->forward(s->m, s->n, s->y, s->err, sizeof s->err) != 0)
		return -1;
	s->run_ms += jit_now_ms() - t;
	*loss = rt_loss_eval(s->loss, s->y, s->target, s->dldy);
	if (!isfinite(*loss)) {
		snprintf(s->err, sizeof s->err, "the loss is not finite: the simulation blew up");
		return -1;
	}
	t = jit_now_ms();
	if (s->k->backward(s->m, s->dldy, grad, s->err, sizeof s->err) != 0)
		return -1;
	s->grad_ms += jit_now_ms() - t;
	s->evals++;
	for (i = 0; i < np; i++)
		if (!isfinite(grad[i])) {
			snprintf(s->err, sizeof s->err, "the gradient with respect to '%s' is not finite",
			         s->k->param_name(i));
			return -1;
		}
	return 0;
}

static void
sim_stats(const Sim *s)
{
	if (s->m)
		cli_stats(s->o, s->k, s->m, s->j->compile_ms, s->init_ms, s->run_ms,
		          s->n * (s->evals ? s->evals : 1), s->grad_ms);
}

int
cli_grad(const Opts *o, const Job *j)
{
	const Kernel *k = j->k;
	int i, np = k->nparams(), st = 1;
	double loss, *grad = mem_try_calloc((size_t)np + 1, sizeof *grad);
	char b[40];
	Sim s;

	if (!grad) {
		fprintf(stderr, "dpmc: error: out of memory\n");
		return 1;
	}
	if (sim_open(&s, o, j) < 0)
		goto out;
	if (sim_set(&s, j->vals) < 0) {
		fprintf(stderr, "dpmc: error: %s: %s\n", o->model, s.err[0] ? s.err : "cannot create the model");
		goto out;
	}
	if (sim_eval(&s, &loss, grad) < 0) {
		fprintf(stderr, "dpmc: error: %s against '%s': %s\n", o->model, o->target, s.err);
		if (strstr(s.err, "blew up"))
			cli_note_blowup(k, s.m, j->in_time);
		goto out;
	}
	printf("{\"loss\": %s, \"grad\": {", cli_fmt(loss, b, sizeof b));
	for (i = 0; i < np; i++)
		printf("%s\"%s\": %s", i ? ", " : "", k->param_name(i), cli_fmt(grad[i], b, sizeof b));
	printf("}}\n");
	st = cli_flush_stdout() == 0 ? 0 : 1;
	sim_stats(&s);
out:
	sim_close(&s);
	free(grad);
	return st;
}

/* ---- fit ---- */

/* Ctrl-C or SIGTERM: the flag is read between iterations, so the fit
 * stops after the render under way and writes its best; a second signal
 * (a fit stuck in one long render) clears the temporary files and
 * dies. */
static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	if (interrupted)
		rt_tmp_die(sig);
	interrupted = sig;
}

/* The indices of the --fit names into idx (room for every param); their
 * count, or -1 after an error. */
static int
fit_names(const Opts *o, const Kernel *k, int *idx)
{
	const char *p = o->fit, *e, **names, *best;
	int np = k->nparams(), n = 0, i, t;
	char *name;

	names = mem_alloc(sizeof *names * (size_t)(np + 1));
	name = mem_alloc(strlen(o->fit) + 1);
	for (i = 0; i < np; i++)
		names[i] = k->param_name(i);
	for (;;) {
		e = strchr(p, ',');
		t = e ? (int)(e - p) : (int)strlen(p);
		if (t == 0) {
			fprintf(stderr, "dpmc: error: --fit %s: expected NAME[,NAME...], the params to fit\n", o->fit);
			goto bad;
		}
		memcpy(name, p, (size_t)t);
		name[t] = 0;
		for (i = 0; i < np && strcmp(names[i], name); i++)
			;
		if (i == np) {
			best = closest_name(name, names, np);
			fprintf(stderr, "dpmc: error: --fit: %s has no param '%s'%s%s%s\n", o->model, name,
			        best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
			goto bad;
		}
		for (t = 0; t < n; t++)
			if (idx[t] == i) {
				fprintf(stderr, "dpmc: error: --fit names '%s' twice\n", name);
				goto bad;
			}
		idx[n++] = i;
		if (!e)
			break;
		p = e + 1;
	}
	mem_free(names);
	mem_free(name);
	return n;
bad:
	mem_free(names);
	mem_free(name);
	return -1;
}

/* Before the fit: every file it will write can be written, and at most
 * one of them is stdout (the JSON is, without -o).  0, or -1 after an
 * error message. */
static int
check_outputs(const Opts *o, const Kernel *k)
{
	const char *std[3];
	char err[2048];
	int n = 0;

	if (!o->out || rt_out_is_std(o->out))
		std[n++] = o->out ? "-o" : "the result (no -o)";
	if (o->render && rt_out_is_std(o->render))
		std[n++] = "--render";
	if (o->loss_curve && rt_out_is_std(o->loss_curve))
		std[n++] = "--loss-curve";
	if (n > 1) {
		fprintf(stderr, "dpmc: error: %s and %s both go to standard output; give one of them a file\n",
		        std[0], std[1]);
		return -1;
	}
	if ((o->out && rt_out_check(o->out, err, sizeof err) != 0)
	    || (o->loss_curve && rt_out_check(o->loss_curve, err, sizeof err) != 0)
	    || (o->render && rt_wav_check(o->render, k->noutputs(), 0, err, sizeof err) != 0)) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		return -1;
	}
	return 0;
}

/* The fitted values from the free coordinates z, with dv/dz. */
static void
from_free(const Kernel *k, const int *idx, int nf, const double *z, double *vals, double *dvdz)
{
	int i, p;

	for (i = 0; i < nf; i++) {
		p = idx[i];
		vals[p] = rt_from_free(z[i], k->param_min(p), k->param_max(p), k->param_log(p), &dvdz[i]);
	}
}

static void
fmt_secs(double s, char *buf, int n)
{
	long t = (long)(s + 0.5);

	if (!isfinite(s) || s < 0)
		snprintf(buf, (size_t)n, "?");
	else if (t >= 3600)
		snprintf(buf, (size_t)n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, (size_t)n, "%ld:%02ld", t / 60, t % 60);
}

/* One progress report: on a terminal a bar redrawn in place, else a
 * plain line every 10 steps, at the first and at the last. */
static void
progress(const Kernel *k, const int *idx, int nf, long step, long steps, double loss,
         const double *vals, double t0, int tty)
{
	double el = (jit_now_ms() - t0) / 1e3, its = step > 0 && el > 0 ? step / el : 0;
	char eta[32];
	int i, w = 20, fill = (int)(w * step / steps);

	if (!tty && step % 10 && step != steps && step != 0)
		return;
	fmt_secs(its > 0 ? (steps - step) / its : -1, eta, sizeof eta);
	if (tty) {
		fputs("\r\033[K[", stderr);
		for (i = 0; i < w; i++)
			fputc(i < fill ? '#' : '.', stderr);
		fprintf(stderr, "] %ld/%ld loss %.4e", step, steps, loss);
	} else
		fprintf(stderr, "fit: step %ld/%ld loss %.6e", step, steps, loss);
	for (i = 0; i < nf; i++)
		fprintf(stderr, " %s=%.6g", k->param_name(idx[i]), vals[idx[i]]);
	fprintf(stderr, tty ? " %.2f it/s ETA %s" : " (%.2f it/s, ETA %s)\n", its, eta);
	fflush(stderr);
}

static void
curve_row(Buf *b, const int *idx, int nf, long step, double loss, const double *vals)
{
	char n[40];
	int i;

	buf_printf(b, "%ld,%s", step, cli_fmt(loss, n, sizeof n));
	for (i = 0; i < nf; i++)
		buf_printf(b, ",%s", cli_fmt(vals[idx[i]], n, sizeof n));
	buf_puts(b, "\n");
}

/* `fit`'s result: {"params": {...every param...}, "loss": L, "steps": N} */
static void
result_json(Buf *b, const Kernel *k, const double *vals, double loss, long steps)
{
	int i, np = k->nparams();
	char n[40];

	buf_puts(b, "{\"params\": {");
	for (i = 0; i < np; i++)
		buf_printf(b, "%s\"%s\": %s", i ? ", " : "", k->param_name(i), cli_fmt(vals[i], n, sizeof n));
	buf_printf(b, "}, \"loss\": %s, \"steps\": %ld}\n", cli_fmt(loss, n, sizeof n), steps);
}

/* Render the instance at vals for the target's length into path;
 * 0, or -1 after an error message. */
static int
render_best(Sim *s, const double *vals, const char *path)
{
	if (sim_set(s, vals) < 0) {
		fprintf(stderr, "dpmc: error: %s: %s\n", s->o->model, s->err);
		return -1;
	}
	s->k->reset(s->m);
	s->k->run(s->m, s->n, s->y);
	if (rt_wav_write(path, s->y, s->n, s->nch, (int)floor(s->j->rate + 0.5), 0, s->err, sizeof s->err) != 0) {
		fprintf(stderr, "dpmc: error: %s: %s\n", s->o->model, s->err);
		return -1;
	}
	return 0;
}

/* The fit: Adam on z, the params in the unconstrained space of
 * rt_to_free (a scaled sigmoid on a range, log for `log` params), with
 * dL/dz = dL/dv dv/dz.  Each iteration puts the model at the new values
 * (re-gridding when the stability bound asks for another grid), renders,
 * and takes the loss and its exact gradient.  A step whose render or
 * gradient is not finite, or whose values no grid can take, is taken
 * back and retried with half the learning rate. */
int
cli_fit(const Opts *o, const Job *j)
{
	const Kernel *k = j->k;
	int np = k->nparams(), nf, *idx, i, tty = isatty(2), st = 1, halvings = 0, sigs[2] = {SIGINT, SIGTERM};
	long steps = o->steps > 0 ? o->steps : 100, step = 0;
	double lr = o->lr > 0 ? o->lr : 0.05, loss, best_loss, gnorm, ema = 0, clip, t0;
	double *z, *dvdz, *gz, *vals, *best, *grad, *grad1;
	struct sigaction sa, old[2];
	Buf curve = {0}, res = {0};
	RtAdam *adam = NULL;
	char err[2048];
	Sim s;

	if (check_outputs(o, k) < 0)
		return 1;
	idx = mem_alloc(sizeof *idx * (size_t)(np + 1));
	if ((nf = fit_names(o, k, idx)) < 0) {
		mem_free(idx);
		return 1;
	}
	z = mem_alloc(sizeof *z * (size_t)(nf + 1));
	dvdz = mem_alloc(sizeof *dvdz * (size_t)(nf + 1));
	gz = mem_alloc(sizeof *gz * (size_t)(nf + 1));
	vals = mem_try_calloc((size_t)np + 1, sizeof *vals);
	best = mem_try_calloc((size_t)np + 1, sizeof *best);
	grad = mem_try_calloc((size_t)np + 1, sizeof *grad);
	grad1 = mem_try_calloc((size_t)np + 1, sizeof *grad1);
	if (!vals || !best || !grad || !grad1) {
		fprintf(stderr, "dpmc: error: out of memory\n");
		goto out0;
	}
	/* from the first render on, a signal stops the fit, not the program */
	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 2; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (sim_open(&s, o, j) < 0)
		goto out;
	/* stage 1 (cli_fit_pitch.c): the partials put pitch and inharmonicity
	 * in place; best holds the start until the first evaluation */
	memcpy(best, j->vals, sizeof(double) * (size_t)np);
	if (cli_fit_pitch(o, j, idx, nf, s.target, s.n, s.nch, best) < 0)
		goto out;
	for (i = 0; i < nf; i++)
		z[i] = rt_to_free(best[idx[i]], k->param_min(idx[i]), k->param_max(idx[i]), k->param_log(idx[i]));
	from_free(k, idx, nf, z, vals, dvdz);
	/* the start is the values given, not their round trip through z */
	memcpy(vals, best, sizeof(double) * (size_t)np);
	if (sim_set(&s, vals) < 0) {
		fprintf(stderr, "dpmc: error: %s: %s\n", o->model, s.err[0] ? s.err : "cannot create the model");
		goto out;
	}
	if (sim_eval(&s, &loss, grad) < 0) {
		fprintf(stderr, "dpmc: error: %s against '%s' at the start values: %s\n", o->model, o->target, s.err);
		goto out;
	}
	memcpy(best, vals, sizeof(double) * (size_t)np);
	best_loss = loss;
	buf_puts(&curve, "step,loss");
	for (i = 0; i < nf; i++)
		buf_printf(&curve, ",%s", k->param_name(idx[i]));
	buf_puts(&curve, "\n");
	curve_row(&curve, idx, nf, 0, loss, vals);
	if (!(adam = rt_adam_new(nf, lr))) {
		fprintf(stderr, "dpmc: error: out of memory\n");
		goto out;
	}

	t0 = jit_now_ms();
	progress(k, idx, nf, 0, steps, loss, vals, t0, tty);
	while (step < steps && !interrupted) {
		for (gnorm = 0, i = 0; i < nf; i++) {
			gz[i] = grad[idx[i]] * dvdz[i];
			gnorm += gz[i] * gz[i];
		}
		gnorm = sqrt(gnorm);
		/* Clip spikes against the recent scale of the gradient, whatever
		 * the scale of the loss: a re-grid can make one gradient jump. */
		clip = ema > 0 ? 5 * ema : 0;
		ema = ema > 0 ? 0.9 * ema + 0.1 * (gnorm < clip ? gnorm : clip) : gnorm;
		/* Decay to a tenth over the fit: big steps to find the basin,
		 * small ones to settle in it. */
		rt_adam_set_lr(adam, lr * pow(0.1, (double)step / (double)steps));
		for (;;) {
			rt_adam_step(adam, z, gz, clip);
			from_free(k, idx, nf, z, vals, dvdz);
			if (sim_set(&s, vals) == 0 && sim_eval(&s, &loss, grad1) == 0)
				break;
			rt_adam_undo(adam, z);
			if (++halvings > MAXHALVE)
				break;
			lr /= 2;
			rt_adam_set_lr(adam, lr * pow(0.1, (double)step / (double)steps));
			if (tty)
				fputc('\n', stderr);
			fprintf(stderr, "dpmc: step %ld rejected (%s); retrying with learning rate %g\n",
			        step + 1, s.err, lr);
		}
		if (halvings > MAXHALVE) {
			from_free(k, idx, nf, z, vals, dvdz);
			if (tty)
				fputc('\n', stderr);
			fprintf(stderr, "dpmc: the fit gives up at step %ld: every retry failed down to "
			        "learning rate %g; keeping the best params so far (loss %g)\n", step + 1, lr, best_loss);
			break;
		}
		memcpy(grad, grad1, sizeof(double) * (size_t)np);
		step++;
		if (loss < best_loss) {
			best_loss = loss;
			memcpy(best, vals, sizeof(double) * (size_t)np);
		}
		curve_row(&curve, idx, nf, step, loss, vals);
		progress(k, idx, nf, step, steps, loss, vals, t0, tty);
	}
	/* the result first, so neither a failed render nor a second signal
	 * during it can lose the fitted values; then the old handlers, so a
	 * signal in the writes below clears their temporary files */
	for (i = 0; i < 2; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (tty)
		fputc('\n', stderr);
	if (interrupted)
		fprintf(stderr, "dpmc: %s after %ld of %ld steps; writing the best params (loss %g)\n",
		        interrupted == SIGTERM ? "terminated" : "interrupted", step, steps, best_loss);

	result_json(&res, k, best, best_loss, step);
	if (o->out && !rt_out_is_std(o->out)) {
		if (cli_write_file(o->out, res.s, err, sizeof err) != 0) {
			fprintf(stderr, "dpmc: error: %s\n", err);
			fprintf(stderr, "dpmc: the fitted params were: %s", res.s);
			goto out;
		}
	} else if (fputs(res.s, stdout) == EOF || cli_flush_stdout() != 0)
		goto out;
	if (o->loss_curve && cli_write_file(o->loss_curve, curve.s, err, sizeof err) != 0) {
		fprintf(stderr, "dpmc: error: %s\n", err);
		goto out;
	}
	if (o->render && render_best(&s, best, o->render) < 0)
		goto out;
	sim_stats(&s);
	st = 0;
out:
	for (i = 0; i < 2; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (adam)
		rt_adam_free(adam);
	sim_close(&s);
out0:
	mem_free(idx);
	mem_free(z);
	mem_free(dvdz);
	mem_free(gz);
	buf_free(&curve);
	buf_free(&res);
	free(vals);
	free(best);
	free(grad);
	free(grad1);
	return st;
}
