/* cli_params.c — the param values of a run: model defaults, then a
 * --params JSON file, then --set, each checked against the generated
 * code's names and ranges, with messages that say how to fix them.
 * requires: a loaded Kernel (names and ranges come from the model code). */
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
	if (!*s)
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (*end || !isfinite(*v))
		return -1;
	return 0;
}

const char *
cli_fmt(double v, char *buf, int n)
{
	int p;

	if (!isfinite(v)) {
		snprintf(buf, (size_t)n, "null");
		return buf;
	}
	/* whole numbers as such: 44100, not 4.41e+04 */
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, (size_t)n, "%.0f", v);
		return buf;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(buf, (size_t)n, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

const char *
cli_fmt_bound(double v, char *buf, int n)
{
	if (isinf(v))
		return v < 0 ? "-inf" : "inf";
	return cli_fmt(v, buf, n);
}

/* "f0, B, T60lo" */
static void
list_params(const Kernel *k, Buf *b)
{
	int i, n = k->nparams();

	if (n == 0)
		buf_puts(b, "the model has no params");
	else
		buf_puts(b, n == 1 ? "the param is " : "the params are ");
	for (i = 0; i < n; i++)
		buf_printf(b, "%s%s", i ? ", " : "", k->param_name(i));
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

/* The message for an unknown name: a suggestion and the list. */
static void
unknown(const Kernel *k, const char *name, Buf *b)
{
	const char *names[512], *best;
	int i, n = k->nparams();

	if (n > 512)
		n = 512;
	for (i = 0; i < n; i++)
		names[i] = k->param_name(i);
	buf_printf(b, "unknown param '%s'", name);
	if ((best = closest_name(name, names, n)))
		buf_printf(b, "; did you mean '%s'?", best);
	buf_puts(b, " (");
	list_params(k, b);
	buf_puts(b, ")");
}

/* NULL when v is in range, else the message. */
static int
out_of_range(const Kernel *k, int i, double v, Buf *b)
{
	char lo[40], hi[40], vs[40];
	double mn = k->param_min(i), mx = k->param_max(i);

	if (v >= mn && v <= mx)
		return 0;
	buf_printf(b, "%s = %s is outside its range [%s, %s]", k->param_name(i),
	           cli_fmt(v, vs, sizeof vs), cli_fmt_bound(mn, lo, sizeof lo), cli_fmt_bound(mx, hi, sizeof hi));
	return 1;
}

/* ---- a minimal JSON reader, enough for {"params": {"NAME": VALUE}} ----
 * Positions are byte offsets into the Src, so errors print like model
 * errors: file, line, column and a caret. */

typedef struct Json {
	const Src *src;
	const char *s;
	int pos;
	Diag *d;
	Arena *a;
} Json;

static Loc
jloc(Json *j, int off, int len)
{
	Loc l;

	l.src = j->src;
	l.off = off;
	l.len = len;
	return l;
}

static void
skipws(Json *j)
{
	while (j->s[j->pos] == ' ' || j->s[j->pos] == '\t' || j->s[j->pos] == '\n'
	       || j->s[j->pos] == '\r')
		j->pos++;
}

static int
jfail(Json *j, const char *what)
{
	char c = j->s[j->pos];

	if (!c)
		diag_error(j->d, jloc(j, j->pos, 1), "expected %s, found the end of the file", what);
	else
		diag_error(j->d, jloc(j, j->pos, 1), "expected %s, found '%c'", what, c);
	return -1;
}

/* Four hex digits at s, or -1. */
static long
hex4(const char *s)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		v = v * 16 + (isdigit((unsigned char)s[i]) ? s[i] - '0'
		              : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	return v;
}

/* \uXXXX (pos at the 'u'), or a UTF-16 surrogate pair \uD8XX\uDCXX, as
 * UTF-8 into b; pos left on the last hex digit. */
static int
jescape(Json *j, Buf *b)
{
	int at = j->pos - 1;
	long u = hex4(j->s + j->pos + 1), lo;

	if (u < 0) {
		diag_error(j->d, jloc(j, at, 2), "\\u needs four hex digits");
		return -1;
	}
	j->pos += 4;
	if (u >= 0xdc00 && u <= 0xdfff) {
		diag_error(j->d, jloc(j, at, 6), "a low surrogate with no high one before it; "
		           "a character above U+FFFF is a pair \\uD8XX\\uDCXX");
		return -1;
	}
	if (u >= 0xd800 && u <= 0xdbff) {
		if (j->s[j->pos + 1] != '\\' || j->s[j->pos + 2] != 'u'
		    || (lo = hex4(j->s + j->pos + 3)) < 0xdc00 || lo > 0xdfff) {
			diag_error(j->d, jloc(j, at, 6), "a high surrogate with no low one after it; "
			           "a character above U+FFFF is a pair \\uD8XX\\uDCXX");
			return -1;
		}
		j->pos += 6;
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (u == 0) {
		diag_error(j->d, jloc(j, at, 6), "\\u0000: a name cannot hold a NUL");
		return -1;
	}
	if (u < 0x80) {
		buf_printf(b, "%c", (int)u);
	} else if (u < 0x800) {
		buf_printf(b, "%c%c", (int)(0xc0 | u >> 6), (int)(0x80 | (u & 0x3f)));
	} else if (u < 0x10000) {
		buf_printf(b, "%c%c%c", (int)(0xe0 | u >> 12), (int)(0x80 | (u >> 6 & 0x3f)),
		           (int)(0x80 | (u & 0x3f)));
	} else {
		buf_printf(b, "%c%c%c%c", (int)(0xf0 | u >> 18), (int)(0x80 | (u >> 12 & 0x3f)),
		           (int)(0x80 | (u >> 6 & 0x3f)), (int)(0x80 | (u & 0x3f)));
	}
	return 0;
}

/* string -> '"' chars '"'; *out in the arena (escapes decoded). */
static int
jstring(Json *j, char **out)
{
	Buf b = {0};
	int start = j->pos;
	char c;

	if (j->s[j->pos] != '"')
		return jfail(j, "a string in double quotes");
	j->pos++;
	buf_puts(&b, "");
	for (;;) {
		c = j->s[j->pos];
		if (c == '"')
			break;
		if (!c || c == '\n') {
			diag_error(j->d, jloc(j, start, 1), "this string has no closing '\"'");
			buf_free(&b);
			return -1;
		}
		if (c == '\\') {
			char e = j->s[++j->pos];
			const char *esc = strchr("\"\\/bfnrtu", e);
			if (!e || !esc) {
				diag_error(j->d, jloc(j, j->pos - 1, 2), "unknown escape in a string");
				buf_free(&b);
				return -1;
			}
			if (e == 'u') {
				if (jescape(j, &b) < 0) {
					buf_free(&b);
					return -1;
				}
				j->pos++;
				continue;
			}
			c = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r'
			    : e == 't' ? '\t' : e;
		}
		buf_printf(&b, "%c", c);
		j->pos++;
	}
	j->pos++;
	*out = arena_strdup(j->a, b.s);
	buf_free(&b);
	return 0;
}

/* number -> '-'? int frac? exp? (JSON's grammar, strictly) */
static int
jnumber(Json *j, double *v)
{
	const char *s = j->s + j->pos;
	int n = 0, start = j->pos;

	if (s[n] == '-')
		n++;
	if (!isdigit((unsigned char)s[n]))
		return jfail(j, "a number");
	if (s[n] == '0')
		n++;
	else
		while (isdigit((unsigned char)s[n]))
			n++;
	if (s[n] == '.') {
		n++;
		if (!isdigit((unsigned char)s[n])) {
			j->pos += n;
			return jfail(j, "a digit after '.'");
		}
		while (isdigit((unsigned char)s[n]))
			n++;
	}
	if (s[n] == 'e' || s[n] == 'E') {
		n++;
		if (s[n] == '+' || s[n] == '-')
			n++;
		if (!isdigit((unsigned char)s[n])) {
			j->pos += n;
			return jfail(j, "a digit in the exponent");
		}
		while (isdigit((unsigned char)s[n]))
			n++;
	}
	*v = strtod(s, NULL);
	j->pos += n;
	if (!isfinite(*v)) {
		diag_error(j->d, jloc(j, start, n), "this number is too large for a double");
		return -1;
	}
	return 0;
}

static int jvalue(Json *j, int depth);

/* object -> '{' (string ':' value (',' string ':' value)*)? '}'
 * Calls each(j, key, keyoff) with pos at the value; each parses it. */
static int
jobject(Json *j, int depth, int (*each)(Json *, const char *, int, void *), void *ctx)
{
	char *key;
	int keyoff;

	if (j->s[j->pos] != '{')
		return jfail(j, "'{'");
	j->pos++;
	skipws(j);
	if (j->s[j->pos] == '}') {
		j->pos++;
		return 0;
	}
	for (;;) {
		skipws(j);
		keyoff = j->pos;
		if (jstring(j, &key) < 0)
			return -1;
		skipws(j);
		if (j->s[j->pos] != ':')
			return jfail(j, "':' after the key");
		j->pos++;
		skipws(j);
		if (each ? each(j, key, keyoff, ctx) < 0 : jvalue(j, depth + 1) < 0)
			return -1;
		skipws(j);
		if (j->s[j->pos] == '}') {
			j->pos++;
			return 0;
		}
		if (j->s[j->pos] != ',')
			return jfail(j, "',' or '}'");
		j->pos++;
	}
}

/* value -> object | array | string | number | true | false | null */
static int
jvalue(Json *j, int depth)
{
	const char *s = j->s + j->pos;
	char *str;
	double v;

	if (depth > 100) {
		diag_error(j->d, jloc(j, j->pos, 1), "nested too deeply");
		return -1;
	}
	skipws(j);
	s = j->s + j->pos;
	if (*s == '{')
		return jobject(j, depth, NULL, NULL);
	if (*s == '[') {
		j->pos++;
		skipws(j);
		if (j->s[j->pos] == ']') {
			j->pos++;
			return 0;
		}
		for (;;) {
			if (jvalue(j, depth + 1) < 0)
				return -1;
			skipws(j);
			if (j->s[j->pos] == ']') {
				j->pos++;
				return 0;
			}
			if (j->s[j->pos] != ',')
				return jfail(j, "',' or ']'");
			j->pos++;
		}
	}
	if (*s == '"')
		return jstring(j, &str);
	if (!strncmp(s, "true", 4) || !strncmp(s, "null", 4)) {
		j->pos += 4;
		return 0;
	}
	if (!strncmp(s, "false", 5)) {
		j->pos += 5;
		return 0;
	}
	if (*s == '-' || isdigit((unsigned char)*s))
		return jnumber(j, &v);
	return jfail(j, "a JSON value");
}

typedef struct PCtx {
	const Kernel *k;
	double *vals;
	int *seen;
	int found;
} PCtx;

/* The bytes of the string at off in the file, quotes included: a key
 * with escapes is longer there than decoded. */
static int
srclen(Json *j, int off)
{
	int i = off + 1;

	while (j->s[i] && j->s[i] != '"')
		i += j->s[i] == '\\' && j->s[i + 1] ? 2 : 1;
	return i + 1 - off;
}

/* One "NAME": VALUE of the params object. */
static int
param_member(Json *j, const char *key, int keyoff, void *ctx)
{
	PCtx *p = ctx;
	Buf b = {0};
	int i, off = j->pos;
	double v;

	i = find_param(p->k, key, strlen(key));
	if (i < 0) {
		unknown(p->k, key, &b);
		diag_error(j->d, jloc(j, keyoff, srclen(j, keyoff)), "%s", b.s);
		buf_free(&b);
		return -1;
	}
	if (p->seen[i]) {
		diag_error(j->d, jloc(j, keyoff, srclen(j, keyoff)), "param '%s' is given twice", key);
		return -1;
	}
	p->seen[i] = 1;
	if (j->s[j->pos] != '-' && !isdigit((unsigned char)j->s[j->pos]))
		return jfail(j, "a number for the param's value");
	if (jnumber(j, &v) < 0)
		return -1;
	if (out_of_range(p->k, i, v, &b)) {
		diag_error(j->d, jloc(j, off, j->pos - off), "%s", b.s);
		buf_free(&b);
		return -1;
	}
	p->vals[i] = v;
	return 0;
}

static int
top_member(Json *j, const char *key, int keyoff, void *ctx)
{
	PCtx *p = ctx;

	(void)keyoff;
	if (strcmp(key, "params") != 0)
		return jvalue(j, 1);    /* "loss", "steps": what fit writes beside */
	if (p->found) {
		diag_error(j->d, jloc(j, keyoff, 8), "\"params\" is given twice");
		return -1;
	}
	p->found = 1;
	if (j->s[j->pos] != '{')
		return jfail(j, "an object of params, {\"NAME\": VALUE, ...}");
	return jobject(j, 1, param_member, p);
}

static int
read_params_file(const Kernel *k, const char *path, Arena *a, Diag *d, double *vals)
{
	Json j;
	PCtx p;
	int r;

	char why[512];

	memset(&j, 0, sizeof j);
	if (!(j.src = src_read(a, path, SRC_LIMIT, "a params file", why, sizeof why))) {
		diag_error(d, (Loc){0}, "the params file: %s", why);
		return -1;
	}
	j.s = j.src->text;
	j.d = d;
	j.a = a;
	if (strlen(j.s) != j.src->len) {
		diag_error(d, (Loc){0}, "'%s' is not a JSON text file (it holds a NUL byte)", path);
		return -1;
	}
	p.k = k;
	p.vals = vals;
	p.seen = arena_alloc(a, sizeof(int) * (size_t)(k->nparams() + 1));
	p.found = 0;
	skipws(&j);
	if (j.s[j.pos] != '{')
		return jfail(&j, "a JSON object, {\"params\": {\"NAME\": VALUE, ...}}");
	if ((r = jobject(&j, 0, top_member, &p)) < 0)
		return -1;
	skipws(&j);
	if (j.s[j.pos])
		return jfail(&j, "the end of the file after the object");
	if (!p.found) {
		diag_error(d, jloc(&j, 0, 1), "no \"params\" in this file; "
		           "expected {\"params\": {\"NAME\": VALUE, ...}}");
		return -1;
	}
	return 0;
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
	if (o->params_file && read_params_file(k, o->params_file, a, d, vals) < 0)
		return -1;
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
			diag_error(d, (Loc){0}, "--set %s: '%s' is not a finite number", s, eq + 1);
			return -1;
		}
		if (out_of_range(k, p, v, &b)) {
			diag_error(d, (Loc){0}, "--set %s: %s", s, b.s);
			buf_free(&b);
			return -1;
		}
		vals[p] = v;
	}
	return 0;
}
