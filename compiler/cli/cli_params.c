/* cli_params.c — the param values of a run: model defaults, then a
 * --params JSON file (read by the runtime, runtime/params.c, which the
 * executables dpmc builds share), then --set, each checked against the
 * generated code's names and ranges, with messages that say how to fix
 * them; and the params and nets written back in the same shape.
 * requires: a loaded Kernel (names and ranges come from the model code). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
cli_number(const char *s, double *v)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	/* decimal only: strtod takes C's hex floats (0x100 is 256) */
	if (!*s || strpbrk(s, "xX"))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (*end || !isfinite(*v))
		return -1;
	/* a number too small for a double (1e-400) is no 0 (the lexer's
	 * rule for a model's literals); errno stays ERANGE for the message */
	if (*v == 0 && errno == ERANGE)
		return -1;
	errno = 0;
	return 0;
}

const char *
cli_number_why(const char *s)
{
	double v;

	if (cli_number(s, &v) == 0)
		return "is a number";
	errno = 0;
	v = strtod(s, NULL);
	if (errno == ERANGE && v == 0)
		return "is below the smallest number a double holds (about 5e-324); write 0 if that is meant";
	if (errno == ERANGE && isinf(v))
		return "is too large for a double (about 1.8e308 at most)";
	return "is not a finite number";
}

const char *
cli_fmt(double v, char *buf, int n)
{
	return rt_fmt_num(v, buf, n);
}

const char *
cli_fmt_bound(double v, char *buf, int n)
{
	if (isinf(v))
		return v < 0 ? "-inf" : "inf";
	return cli_fmt(v, buf, n);
}

void
cli_fmt_secs(double s, char *buf, int n)
{
	long t = (long)(s + 0.5);

	if (!isfinite(s) || s < 0)
		snprintf(buf, (size_t)n, "?");
	else if (t >= 3600)
		snprintf(buf, (size_t)n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, (size_t)n, "%ld:%02ld", t / 60, t % 60);
}

/* "f0, B, T60lo" (and the nets' weights as a pattern) */
static void
list_params(const Kernel *k, Buf *b)
{
	const char *nm;
	int i, n = cli_nuser(k), nn = 0;

	while (k->net && k->net(nn, NULL, NULL, NULL, NULL, NULL) == 0)
		nn++;
	if (n == 0)
		buf_puts(b, nn ? "the model has no params but its nets'" : "the model has no params");
	else
		buf_puts(b, n == 1 ? "the param is " : "the params are ");
	for (i = 0; i < n; i++)
		buf_printf(b, "%s%s", i ? ", " : "", k->param_name(i));
	if (nn)
		buf_printf(b, "%sthe weights NET.L.W.j.i and NET.L.b.j of the net%s", n ? "; and " : ": ",
		           nn > 1 ? "s" : "");
	for (i = 0; i < nn && k->net(i, &nm, NULL, NULL, NULL, NULL) == 0; i++)
		buf_printf(b, "%s%s", i ? ", " : " ", nm);
}

static int
find_param(const Kernel *k, const char *name, size_t len)
{
	int i, n = k->nparams();

	for (i = 0; i < n; i++)
		if (strlen(k->param_name(i)) == len && !strncmp(k->param_name(i), name, len))
			return i;
	return -1;
}

/* The message for an unknown name: a suggestion and the list.  A name
 * with a '.' is matched against the nets' weights too. */
static void
unknown(const Kernel *k, const char *name, Buf *b)
{
	const char **names, *best;
	int i, n = strchr(name, '.') ? k->nparams() : cli_nuser(k);

	names = mem_alloc(sizeof *names * (size_t)(n + 1));
	for (i = 0; i < n; i++)
		names[i] = k->param_name(i);
	buf_printf(b, "unknown param '%s'", name);
	if ((best = closest_name(name, names, n)))
		buf_printf(b, "; did you mean '%s'?", best);
	buf_puts(b, " (");
	list_params(k, b);
	buf_puts(b, ")");
	mem_free(names);
}

/* NULL when v is in range, else the message. */
int
cli_param_bad(const Kernel *k, int i, double v, Buf *b)
{
	char lo[40], hi[40], vs[40];
	double mn = k->param_min(i), mx = k->param_max(i);

	if (!(v >= mn && v <= mx))
		buf_printf(b, "%s = %s is outside its range [%s, %s]", k->param_name(i),
		           cli_fmt(v, vs, sizeof vs), cli_fmt_bound(mn, lo, sizeof lo), cli_fmt_bound(mx, hi, sizeof hi));
	else if (k->param_log(i) && !(v > 0))    /* a log param without a range */
		buf_printf(b, "%s = %s: a `log` param needs a value above 0", k->param_name(i), cli_fmt(v, vs, sizeof vs));
	else
		return 0;
	return 1;
}

void
cli_rtmodel(const Kernel *k, RtModel *m)
{
	m->nparams = k->nparams;
	m->param_name = k->param_name;
	m->param_min = k->param_min;
	m->param_max = k->param_max;
	m->param_log = k->param_log;
	m->net = k->net;
}

int
cli_nuser(const Kernel *k)
{
	int i, first, n = k->nparams();

	for (i = 0; k->net && k->net(i, NULL, NULL, NULL, NULL, &first) == 0; i++)
		if (first < n)
			n = first;
	return n;
}

int
cli_net_find(const Kernel *k, const char *name, int *first, int *nweights)
{
	const char *nm;
	const int *s;
	int i, l, ns;

	for (i = 0; k->net && k->net(i, &nm, NULL, &ns, &s, first) == 0; i++)
		if (!strcmp(nm, name)) {
			for (*nweights = 0, l = 1; l < ns; l++)
				*nweights += (s[l - 1] + 1) * s[l];
			return i;
		}
	return -1;
}

void
cli_params_print(FILE *f, const Kernel *k, const double *vals, const char *key)
{
	RtModel m;

	cli_rtmodel(k, &m);
	rt_params_print(f, &m, vals, key);
}

void
cli_nets_print(FILE *f, const Kernel *k, const double *vals)
{
	const char *nm, *act;
	const int *s;
	int i, l, ns, first, nw;
	double rms;

	for (i = 0; k->net && k->net(i, &nm, &act, &ns, &s, &first) == 0; i++) {
		if (!i)
			fprintf(f, "nets\n");
		fprintf(f, "  %-10s = mlp(", nm);
		for (nw = 0, l = 0; l < ns; l++) {
			fprintf(f, "%s%d", l ? ", " : "", s[l]);
			nw += l ? (s[l - 1] + 1) * s[l] : 0;
		}
		for (rms = 0, l = 0; l < nw; l++)
			rms += vals[first + l] * vals[first + l];
		fprintf(f, "), act = %s: %d weights, %s.1.W.0.0 .. %s.%d.b.%d, rms %.3g\n", act, nw, nm, nm,
		        ns - 1, s[ns - 1] - 1, sqrt(rms / nw));
	}
}

char *
cli_params_text(const Kernel *k, const double *vals, const char *key)
{
	char *t = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&t, &n);

	if (!f)
		return NULL;
	cli_params_print(f, k, vals, key);
	if (fclose(f) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

int
cli_params(const Kernel *k, const Opts *o, Arena *a, Diag *d, double *vals)
{
	int i, n = k->nparams();
	const char *eq;
	double v;
	Buf b = {0};

	for (i = 0; i < n; i++)
		vals[i] = k->param_default(i);
	if (o->params_file) {
		RtModel m;
		cli_rtmodel(k, &m);
		if (rt_params_read(&m, o->params_file, vals, d->out ? d->out : stderr, "dpmc") < 0) {
			d->nerr++;
			return -1;
		}
	}
	for (i = 0; i < o->nsets; i++) {
		const char *s = o->sets[i];
		int p;

		if (!(eq = strchr(s, '=')) || eq == s) {
			diag_error(d, (Loc){0}, "--set '%s': expected NAME=VALUE", s);
			return -1;
		}
		if ((p = find_param(k, s, (size_t)(eq - s))) < 0) {
			char *name = arena_strndup(a, s, (size_t)(eq - s));
			unknown(k, name, &b);
			diag_error(d, (Loc){0}, "--set %s: %s", s, b.s);
			buf_free(&b);
			return -1;
		}
		if (cli_number(eq + 1, &v) < 0) {
			/* --set f0=300,xp=0.4: one param a --set */
			const char *more = strchr(eq + 1, ',');

			diag_error(d, (Loc){0}, "--set %.*s=%.40s%s: '%.40s%s' %s%s", (int)(eq - s), s, eq + 1,
			           strlen(eq + 1) > 40 ? "..." : "", eq + 1, strlen(eq + 1) > 40 ? "..." : "",
			           cli_number_why(eq + 1),
			           more && strchr(more, '=') ? "; set one param per --set (--set A=1 --set B=2)" : "");
			return -1;
		}
		if (cli_param_bad(k, p, v, &b)) {
			diag_error(d, (Loc){0}, "--set %s: %s", s, b.s);
			buf_free(&b);
			return -1;
		}
		vals[p] = v;
	}
	return 0;
}
