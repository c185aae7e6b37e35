/* params.c — params files (--params; what fit writes): a JSON object
 * {"params": {"NAME": VALUE, ...}, "nets": {"NET": {"sizes": [...],
 * "act": "tanh", "layers": [{"W": [[...]], "b": [...]}, ...]}}}
 * (language.md section 13), read against a model's names and ranges and
 * written back.  dpmc and the executables it builds read them here, so
 * both say the same about the same file.
 * requires: libc only (built executables link it), no compiler code.
 * Messages name the file, line and column and show the line with a caret
 * under the place, as dpmc's diagnostics do; what they quote of the file
 * is cut short and made printable (a 10 MB key, control bytes). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt.h"

#define FILE_LIMIT ((size_t)16 << 20)

/* ---- numbers as text ---- */

const char *
rt_fmt_num(double v, char *buf, int n)
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

static const char *
fmt_bound(double v, char *buf, int n)
{
	if (isinf(v))
		return v < 0 ? "-inf" : "inf";
	return rt_fmt_num(v, buf, n);
}

/* ---- names close to a name ("did you mean ...?") ---- */

/* The closest of names[0..n) (NULL entries skipped) within a third of
 * the name's length (at most 3 edits), or NULL. */
static const char *
closest(const char *s, const char *(*name)(void *, int), void *ctx, int n)
{
	const char *best = NULL, *t;
	int bestd = 99, i, d, lim;

	lim = (int)strlen(s) / 3 + 1;
	if (lim > 3)
		lim = 3;
	for (i = 0; i < n; i++) {
		if (!(t = name(ctx, i)))
			continue;
		d = rt_edit_distance(s, t);
		if (d < bestd && d <= lim) {
			bestd = d;
			best = t;
		}
	}
	return best;
}

/* ---- messages ---- */

/* The reader: the file's text, where it is, and where messages go. */
typedef struct Json {
	const char *path, *s;
	size_t len;
	int pos;
	FILE *out;
	const char *prog;
	int nerr;
} Json;

/* FILE:LINE:COL: error: MESSAGE, the line, a caret under [off, off+len);
 * off < 0: PROG: error: MESSAGE. */
static void
report(Json *j, int off, int len, const char *fmt, ...)
{
	FILE *out = j->out ? j->out : stderr;
	int line = 1, col = 1, i, start, end, from, to, n;
	char small[512], *msg = small;
	va_list ap;

	j->nerr++;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof small && (msg = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	} else if (!msg || msg == small) {
		msg = small;
		if ((size_t)n >= sizeof small)
			n = (int)sizeof small - 1;
	}
	if (off < 0 || !j->s) {
		fprintf(out, "%s: error: ", j->prog ? j->prog : "dpm");
		rt_putcut(out, msg, (size_t)n);
		fputc('\n', out);
		if (msg != small)
			free(msg);
		return;
	}
	if (off > (int)j->len)
		off = (int)j->len;
	for (i = 0; i < off; i++) {
		/* a line ends at LF, CRLF or a lone CR */
		if (j->s[i] == '\n' || (j->s[i] == '\r' && j->s[i + 1] != '\n')) {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	rt_putcut(out, j->path, strlen(j->path));
	fprintf(out, ":%d:%d: error: ", line, col);
	rt_putcut(out, msg, (size_t)n);
	fputc('\n', out);
	if (msg != small)
		free(msg);
	/* the line, or RT_SHOW_LINE bytes of it around the caret */
	start = off - (col - 1);
	for (end = start; end < (int)j->len && j->s[end] != '\n' && j->s[end] != '\r'; end++)
		;
	from = start;
	if (off - from > RT_SHOW_LINE / 2)
		from = off - RT_SHOW_LINE / 2;
	to = end - from > RT_SHOW_LINE ? from + RT_SHOW_LINE : end;
	fprintf(out, "%5d | %s", line, from > start ? "..." : "");
	for (i = from; i < to; i++)
		rt_putsafe(out, j->s[i]);
	fprintf(out, "%s\n      | %s", to < end ? "..." : "", from > start ? "   " : "");
	for (i = from; i < off; i++)
		fputc(j->s[i] == '\t' ? '\t' : ' ', out);
	fputc('^', out);
	n = len;
	if (off + n > to)
		n = to - off;
	for (i = 1; i < n; i++)
		fputc('~', out);
	fputc('\n', out);
}

/* ---- reading the file ----
 * A regular file of at most 16 MB: the open does not block (a FIFO would
 * wait for a writer for ever) and anything else is refused before a byte
 * is read (/dev/zero would grow to gigabytes). */
static char *
read_file(const char *path, size_t *lenp, char *why, size_t whysz)
{
	struct stat st;
	char *text, *t;
	size_t len = 0, cap;
	ssize_t n = 0;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(why, whysz, "cannot read %.200s: %s", path, strerror(errno));
		return NULL;
	}
	memset(&st, 0, sizeof st);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "%.200s is %s; a params file must be a regular file",
		         path, S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO"
		         : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file");
		close(fd);
		return NULL;
	}
	if ((uintmax_t)st.st_size > FILE_LIMIT)
		goto toolarge;
	cap = (size_t)st.st_size + 1;
	if (!(text = malloc(cap + 1)))
		goto oom;
	for (;;) {
		if (len == cap) {
			if (cap > FILE_LIMIT)
				break;
			cap = cap > FILE_LIMIT / 2 ? FILE_LIMIT + 1 : cap * 2;
			if (!(t = realloc(text, cap + 1))) {
				free(text);
				goto oom;
			}
			text = t;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (n < 0) {
		e = errno;
		snprintf(why, whysz, "cannot read %.200s: %s", path, strerror(e));
		free(text);
		close(fd);
		return NULL;
	}
	if (len > FILE_LIMIT) {
		free(text);
		goto toolarge;
	}
	close(fd);
	text[len] = 0;
	*lenp = len;
	return text;
toolarge:
	snprintf(why, whysz, "%.200s is larger than %zu MB, the limit for a params file", path,
	         FILE_LIMIT >> 20);
	close(fd);
	return NULL;
oom:
	snprintf(why, whysz, "out of memory reading %.200s", path);
	close(fd);
	return NULL;
}

/* ---- JSON, strictly ---- */

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
		report(j, j->pos, 1, "expected %s, found the end of the file", what);
	else
		report(j, j->pos, 1, "expected %s, found '%c'", what, c);
	return -1;
}

/* A growing string for a decoded JSON string. */
typedef struct Str {
	char *s;
	size_t len, cap;
	int oom;
} Str;

static void
str_add(Str *b, const char *p, size_t n)
{
	char *t;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		if (!(t = realloc(b->s, cap))) {
			b->oom = 1;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
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
jescape(Json *j, Str *b)
{
	int at = j->pos - 1;
	long u = hex4(j->s + j->pos + 1), lo;
	char c[4];

	if (u < 0) {
		report(j, at, 2, "\\u needs four hex digits");
		return -1;
	}
	j->pos += 4;
	if (u >= 0xdc00 && u <= 0xdfff) {
		report(j, at, 6, "a low surrogate with no high one before it; "
		       "a character above U+FFFF is a pair \\uD8XX\\uDCXX");
		return -1;
	}
	if (u >= 0xd800 && u <= 0xdbff) {
		if (j->s[j->pos + 1] != '\\' || j->s[j->pos + 2] != 'u'
		    || (lo = hex4(j->s + j->pos + 3)) < 0xdc00 || lo > 0xdfff) {
			report(j, at, 6, "a high surrogate with no low one after it; "
			       "a character above U+FFFF is a pair \\uD8XX\\uDCXX");
			return -1;
		}
		j->pos += 6;
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (u == 0) {
		report(j, at, 6, "\\u0000: a name cannot hold a NUL");
		return -1;
	}
	if (u < 0x80) {
		c[0] = (char)u;
		str_add(b, c, 1);
	} else if (u < 0x800) {
		c[0] = (char)(0xc0 | u >> 6);
		c[1] = (char)(0x80 | (u & 0x3f));
		str_add(b, c, 2);
	} else if (u < 0x10000) {
		c[0] = (char)(0xe0 | u >> 12);
		c[1] = (char)(0x80 | (u >> 6 & 0x3f));
		c[2] = (char)(0x80 | (u & 0x3f));
		str_add(b, c, 3);
	} else {
		c[0] = (char)(0xf0 | u >> 18);
		c[1] = (char)(0x80 | (u >> 12 & 0x3f));
		c[2] = (char)(0x80 | (u >> 6 & 0x3f));
		c[3] = (char)(0x80 | (u & 0x3f));
		str_add(b, c, 4);
	}
	return 0;
}

/* string -> '"' chars '"'; *out malloc'd (escapes decoded), or NULL
 * when out is NULL (the string is only skipped). */
static int
jstring(Json *j, char **out)
{
	Str b = {0};
	int start = j->pos;
	char c;

	if (j->s[j->pos] != '"')
		return jfail(j, "a string in double quotes");
	j->pos++;
	str_add(&b, "", 0);
	for (;;) {
		c = j->s[j->pos];
		if (c == '"')
			break;
		if (!c || c == '\n') {
			report(j, start, 1, "this string has no closing '\"'");
			free(b.s);
			return -1;
		}
		if (c == '\\') {
			char e = j->s[++j->pos];
			const char *esc = strchr("\"\\/bfnrtu", e);
			if (!e || !esc) {
				report(j, j->pos - 1, 2, "unknown escape in a string");
				free(b.s);
				return -1;
			}
			if (e == 'u') {
				if (jescape(j, &b) < 0) {
					free(b.s);
					return -1;
				}
				j->pos++;
				continue;
			}
			c = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r'
			    : e == 't' ? '\t' : e;
		}
		str_add(&b, &c, 1);
		j->pos++;
	}
	j->pos++;
	if (b.oom) {
		free(b.s);
		report(j, -1, 0, "out of memory reading %s", j->path);
		return -1;
	}
	if (out)
		*out = b.s;
	else
		free(b.s);
	return 0;
}

/* number -> '-'? int frac? exp? (JSON's grammar, strictly) */
static int
jnumber(Json *j, double *v)
{
	const char *s = j->s + j->pos;
	char *end;
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
	/* strtod reads on where JSON stops only into a hex number (0x10):
	 * said at the 'x', before its value is checked against a range */
	errno = 0;
	*v = strtod(s, &end);
	j->pos += n;
	if (end != s + n)
		return jfail(j, "the number to end here (JSON numbers are decimal: no 0x, no leading 0)");
	if (!isfinite(*v)) {
		report(j, start, n, "this number is too large for a double");
		return -1;
	}
	if (*v == 0 && errno == ERANGE) {    /* 1e-400: no 0, as in a model */
		report(j, start, n, "this number is below the smallest a double holds (about 5e-324; write 0 if that is meant)");
		return -1;
	}
	return 0;
}

static int jvalue(Json *j, int depth);

typedef int (*MemberFn)(Json *, const char *key, int keyoff, void *ctx);
typedef int (*ElemFn)(Json *, int index, void *ctx);

/* object -> '{' (string ':' value (',' string ':' value)*)? '}'
 * Calls each(j, key, keyoff, ctx) with pos at the value; each parses it
 * (NULL: the value is skipped). */
static int
jobject(Json *j, int depth, MemberFn each, void *ctx)
{
	char *key;
	int keyoff, r;

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
		if (j->s[j->pos] != ':') {
			free(key);
			return jfail(j, "':' after the key");
		}
		j->pos++;
		skipws(j);
		r = each ? each(j, key, keyoff, ctx) : jvalue(j, depth + 1);
		free(key);
		if (r < 0)
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

/* array -> '[' (value (',' value)*)? ']'; each(j, index, ctx) parses an
 * element (NULL: skipped).  *n: the number of elements; *close: where
 * the ']' is. */
static int
jarray(Json *j, int depth, ElemFn each, void *ctx, int *n, int *close)
{
	int i = 0;

	if (j->s[j->pos] != '[')
		return jfail(j, "'['");
	j->pos++;
	skipws(j);
	if (j->s[j->pos] != ']')
		for (;; i++) {
			skipws(j);
			if ((each ? each(j, i, ctx) : jvalue(j, depth + 1)) < 0)
				return -1;
			skipws(j);
			if (j->s[j->pos] == ']')
				break;
			if (j->s[j->pos] != ',')
				return jfail(j, "',' or ']'");
			j->pos++;
		}
	else
		i = -1;
	if (close)
		*close = j->pos;
	if (n)
		*n = i + 1;
	j->pos++;
	return 0;
}

/* value -> object | array | string | number | true | false | null */
static int
jvalue(Json *j, int depth)
{
	const char *s;
	double v;

	if (depth > 100) {
		report(j, j->pos, 1, "nested too deeply");
		return -1;
	}
	skipws(j);
	s = j->s + j->pos;
	if (*s == '{')
		return jobject(j, depth, NULL, NULL);
	if (*s == '[')
		return jarray(j, depth, NULL, NULL, NULL, NULL);
	if (*s == '"')
		return jstring(j, NULL);
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

/* ---- the model's params and nets ---- */

typedef struct Net {
	const char *name, *act;
	int nsizes, first;
	const int *sizes;
} Net;

typedef struct Rd {
	const RtModel *m;
	double *vals;
	char *seen;
	int np, nnets, nuser;      /* nuser: params before the first net's weights */
	Net *nets;
	int found;                 /* "params" or "nets" seen */
	int pfound, nfound;
	/* the net and layer being read */
	Net *net;
	int layer, row;
	char *netseen;
	RtItemFn each;             /* rt_params_items: each item's values */
	void *ectx;
} Rd;

static const char *
pname(void *ctx, int i)
{
	const Rd *r = ctx;

	return r->m->param_name(i);
}

static const char *
uname(void *ctx, int i)
{
	const Rd *r = ctx;

	return i < r->nuser ? r->m->param_name(i) : NULL;
}

static const char *
nname(void *ctx, int i)
{
	const Rd *r = ctx;

	return r->nets[i].name;
}

static int
find_param(const Rd *r, const char *name)
{
	int i;

	for (i = 0; i < r->np; i++)
		if (!strcmp(r->m->param_name(i), name))
			return i;
	return -1;
}

/* The nets of the model, or -1 when out of memory. */
static int
load_nets(Rd *r)
{
	int i, n = 0;

	r->nuser = r->np;
	if (!r->m->net)
		return 0;
	while (r->m->net(n, NULL, NULL, NULL, NULL, NULL) == 0)
		n++;
	if (!n)
		return 0;
	if (!(r->nets = calloc((size_t)n, sizeof *r->nets)) || !(r->netseen = calloc((size_t)n, 1)))
		return -1;
	for (i = 0; i < n; i++) {
		Net *t = &r->nets[i];
		r->m->net(i, &t->name, &t->act, &t->nsizes, &t->sizes, &t->first);
		if (t->first < r->nuser)
			r->nuser = t->first;
	}
	r->nnets = n;
	return 0;
}

/* unknown param 'x'; did you mean 'y'? (the params are a, b, c), with
 * the nets' weights as a pattern rather than one by one */
static void
unknown_param(Json *j, Rd *r, const char *key, int off, int len)
{
	char *list = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&list, &n);
	const char *best = closest(key, r->nnets ? uname : pname, r, r->np);
	int i;

	if (r->nnets && !best && strchr(key, '.'))
		best = closest(key, pname, r, r->np);
	if (!f) {
		report(j, off, len, "unknown param '%s'", key);
		return;
	}
	fprintf(f, "unknown param '%s'", key);
	if (best)
		fprintf(f, "; did you mean '%s'?", best);
	fputs(" (", f);
	if (r->nuser == 0)
		fputs(r->nnets ? "the model has no params but its nets'" : "the model has no params", f);
	else
		fputs(r->nuser == 1 ? "the param is " : "the params are ", f);
	for (i = 0; i < r->nuser; i++)
		fprintf(f, "%s%s", i ? ", " : "", r->m->param_name(i));
	if (r->nnets)
		fprintf(f, "%sthe weights NET.L.W.j.i and NET.L.b.j of the net%s", r->nuser ? "; and " : ": ",
		        r->nnets > 1 ? "s" : "");
	for (i = 0; i < r->nnets; i++)
		fprintf(f, "%s%s", i ? ", " : " ", r->nets[i].name);
	fputs(")", f);
	fclose(f);
	report(j, off, len, "%s", list ? list : "unknown param");
	free(list);
}

/* v for param i, range-checked, given once; at [off, end) in the file */
static int
set_value(Json *j, Rd *r, int i, double v, int off, int keyoff)
{
	char lo[40], hi[40], vs[40];
	double mn = r->m->param_min(i), mx = r->m->param_max(i);

	if (r->seen[i]) {
		if (keyoff >= 0)
			report(j, keyoff, srclen(j, keyoff), "param '%s' is given twice", r->m->param_name(i));
		else
			report(j, off, j->pos - off, "param '%s' is given twice (also under \"params\")",
			       r->m->param_name(i));
		return -1;
	}
	r->seen[i] = 1;
	if (!(v >= mn && v <= mx)) {
		report(j, off, j->pos - off, "%s = %s is outside its range [%s, %s]", r->m->param_name(i),
		       rt_fmt_num(v, vs, sizeof vs), fmt_bound(mn, lo, sizeof lo), fmt_bound(mx, hi, sizeof hi));
		return -1;
	}
	if (r->m->param_log && r->m->param_log(i) && !(v > 0)) {
		report(j, off, j->pos - off, "%s = %s: a `log` param needs a value above 0", r->m->param_name(i),
		       rt_fmt_num(v, vs, sizeof vs));
		return -1;
	}
	r->vals[i] = v;
	return 0;
}

/* One "NAME": VALUE of the params object. */
static int
param_member(Json *j, const char *key, int keyoff, void *ctx)
{
	Rd *r = ctx;
	int i, off = j->pos;
	double v;

	if ((i = find_param(r, key)) < 0) {
		unknown_param(j, r, key, keyoff, srclen(j, keyoff));
		return -1;
	}
	if (r->seen[i]) {
		report(j, keyoff, srclen(j, keyoff), "param '%s' is given twice", key);
		return -1;
	}
	if (j->s[j->pos] != '-' && !isdigit((unsigned char)j->s[j->pos]))
		return jfail(j, "a number for the param's value");
	if (jnumber(j, &v) < 0)
		return -1;
	return set_value(j, r, i, v, off, -1);
}

/* "mlp(2, 16, 3)" for messages */
static void
sizes_text(char *b, size_t n, const int *s, int ns)
{
	size_t k = 0;
	int i;

	k += (size_t)snprintf(b, n, "mlp(");
	for (i = 0; i < ns && k < n; i++)
		k += (size_t)snprintf(b + k, n - k, "%s%d", i ? ", " : "", s[i]);
	if (k < n)
		snprintf(b + k, n - k, ")");
}

typedef struct SizesRd {
	int s[64], n;
} SizesRd;

static int
size_elem(Json *j, int i, void *ctx)
{
	SizesRd *z = ctx;
	double v;
	int at = j->pos;
	char vs[40];

	if (j->s[j->pos] != '-' && !isdigit((unsigned char)j->s[j->pos]))
		return jfail(j, "a number (a layer's size)");
	if (jnumber(j, &v) < 0)
		return -1;
	/* said at its place: as a size of the model's it would read -1 */
	if (!(v == floor(v) && v >= 1 && v < 1e9)) {
		report(j, at, j->pos - at, "a layer's size is a whole number from 1 to 999999999, not %s",
		       rt_fmt_num(v, vs, sizeof vs));
		return -1;
	}
	if (i < 64)
		z->s[i] = (int)v;
	z->n = i + 1;
	return 0;
}

/* W[row]: one number per input of the layer */
static int
w_elem(Json *j, int i, void *ctx)
{
	Rd *r = ctx;
	const Net *t = r->net;
	int L = r->layer, nin = t->sizes[L - 1], off = j->pos, w;
	double v;

	if (i >= nin) {
		report(j, j->pos, 1, "net '%s', layer %d: row %d of W has more than %d number%s; "
		       "the model's has one per input of the layer", t->name, L, r->row, nin, nin == 1 ? "" : "s");
		return -1;
	}
	if (j->s[j->pos] != '-' && !isdigit((unsigned char)j->s[j->pos]))
		return jfail(j, "a number (a weight)");
	if (jnumber(j, &v) < 0)
		return -1;
	/* the weights of layer L follow those of the layers before it */
	for (w = t->first, L = 1; L < r->layer; L++)
		w += (t->sizes[L - 1] + 1) * t->sizes[L];
	return set_value(j, r, w + r->row * nin + i, v, off, -1);
}

static int
w_row(Json *j, int i, void *ctx)
{
	Rd *r = ctx;
	const Net *t = r->net;
	int L = r->layer, n, close;

	if (i >= t->sizes[L]) {
		report(j, j->pos, 1, "net '%s', layer %d: W has more than %d row%s; the model's has "
		       "one per unit of the layer", t->name, L, t->sizes[L], t->sizes[L] == 1 ? "" : "s");
		return -1;
	}
	if (j->s[j->pos] != '[')
		return jfail(j, "'[', a row of W (one number per input)");
	r->row = i;
	if (jarray(j, 2, w_elem, r, &n, &close) < 0)
		return -1;
	if (n < t->sizes[L - 1]) {
		report(j, close, 1, "net '%s', layer %d: row %d of W has %d number%s; the model's has %d "
		       "(one per input of the layer)", t->name, L, i, n, n == 1 ? "" : "s", t->sizes[L - 1]);
		return -1;
	}
	return 0;
}

static int
b_elem(Json *j, int i, void *ctx)
{
	Rd *r = ctx;
	const Net *t = r->net;
	int L, off = j->pos, w;
	double v;

	if (i >= t->sizes[r->layer]) {
		report(j, j->pos, 1, "net '%s', layer %d: b has more than %d number%s; the model's has "
		       "one per unit of the layer", t->name, r->layer, t->sizes[r->layer],
		       t->sizes[r->layer] == 1 ? "" : "s");
		return -1;
	}
	if (j->s[j->pos] != '-' && !isdigit((unsigned char)j->s[j->pos]))
		return jfail(j, "a number (a bias)");
	if (jnumber(j, &v) < 0)
		return -1;
	for (w = t->first, L = 1; L < r->layer; L++)
		w += (t->sizes[L - 1] + 1) * t->sizes[L];
	return set_value(j, r, w + t->sizes[r->layer] * t->sizes[r->layer - 1] + i, v, off, -1);
}

typedef struct LayerRd {
	Rd *r;
	int W, b;              /* seen */
} LayerRd;

static int
layer_member(Json *j, const char *key, int keyoff, void *ctx)
{
	LayerRd *y = ctx;
	Rd *r = y->r;
	const Net *t = r->net;
	int L = r->layer, n, close;

	if (!strcmp(key, "W")) {
		if (y->W++) {
			report(j, keyoff, srclen(j, keyoff), "\"W\" is given twice");
			return -1;
		}
		if (j->s[j->pos] != '[')
			return jfail(j, "'[', the rows of W (one per unit)");
		if (jarray(j, 2, w_row, r, &n, &close) < 0)
			return -1;
		if (n < t->sizes[L]) {
			report(j, close, 1, "net '%s', layer %d: W has %d row%s; the model's has %d (one per "
			       "unit of the layer)", t->name, L, n, n == 1 ? "" : "s", t->sizes[L]);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "b")) {
		if (y->b++) {
			report(j, keyoff, srclen(j, keyoff), "\"b\" is given twice");
			return -1;
		}
		if (j->s[j->pos] != '[')
			return jfail(j, "'[', the biases (one per unit)");
		if (jarray(j, 2, b_elem, r, &n, &close) < 0)
			return -1;
		if (n < t->sizes[L]) {
			report(j, close, 1, "net '%s', layer %d: b has %d number%s; the model's has %d (one "
			       "per unit of the layer)", t->name, L, n, n == 1 ? "" : "s", t->sizes[L]);
			return -1;
		}
		return 0;
	}
	return jvalue(j, 3);
}

static int
layer_elem(Json *j, int i, void *ctx)
{
	Rd *r = ctx;
	const Net *t = r->net;
	LayerRd y;
	int at = j->pos;

	if (i >= t->nsizes - 1) {
		report(j, j->pos, 1, "net '%s' has %d layer%s in the model; this is one more", t->name,
		       t->nsizes - 1, t->nsizes == 2 ? "" : "s");
		return -1;
	}
	if (j->s[j->pos] != '{')
		return jfail(j, "'{', a layer {\"W\": [[...]], \"b\": [...]}");
	r->layer = i + 1;
	y.r = r;
	y.W = y.b = 0;
	if (jobject(j, 2, layer_member, &y) < 0)
		return -1;
	if (!y.W || !y.b) {
		report(j, at, 1, "net '%s', layer %d: no \"%s\"; a layer is {\"W\": [[...]], \"b\": [...]}",
		       t->name, i + 1, y.W ? "b" : "W");
		return -1;
	}
	return 0;
}

typedef struct NetRd {
	Rd *r;
	int sizes, act, layers;
} NetRd;

static int
net_member(Json *j, const char *key, int keyoff, void *ctx)
{
	NetRd *q = ctx;
	Rd *r = q->r;
	const Net *t = r->net;
	int at = j->pos, n, close, i;
	char a[200], b[200], *act;

	if (!strcmp(key, "sizes")) {
		SizesRd z;
		if (q->sizes++) {
			report(j, keyoff, srclen(j, keyoff), "\"sizes\" is given twice");
			return -1;
		}
		z.n = 0;
		if (j->s[j->pos] != '[')
			return jfail(j, "'[', the net's sizes [IN, H1, ..., OUT]");
		if (jarray(j, 2, size_elem, &z, &n, &close) < 0)
			return -1;
		for (i = 0; i < n && n == t->nsizes && z.s[i] == t->sizes[i]; i++)
			;
		if (n != t->nsizes || i < n) {
			sizes_text(a, sizeof a, t->sizes, t->nsizes);
			sizes_text(b, sizeof b, z.s, n < 64 ? n : 64);
			report(j, at, close + 1 - at, "net '%s' is %s in the model, not %s", t->name, a, b);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "act")) {
		if (q->act++) {
			report(j, keyoff, srclen(j, keyoff), "\"act\" is given twice");
			return -1;
		}
		if (j->s[j->pos] != '"')
			return jfail(j, "a string, the activation (\"tanh\", ...)");
		if (jstring(j, &act) < 0)
			return -1;
		if (strcmp(act, t->act)) {
			report(j, at, j->pos - at, "net '%s' uses %s in the model, not %s", t->name, t->act, act);
			free(act);
			return -1;
		}
		free(act);
		return 0;
	}
	if (!strcmp(key, "layers")) {
		if (q->layers++) {
			report(j, keyoff, srclen(j, keyoff), "\"layers\" is given twice");
			return -1;
		}
		if (j->s[j->pos] != '[')
			return jfail(j, "'[', the net's layers [{\"W\": ..., \"b\": ...}, ...]");
		if (jarray(j, 2, layer_elem, r, &n, &close) < 0)
			return -1;
		if (n < t->nsizes - 1) {
			report(j, close, 1, "net '%s' has %d layer%s in the model, not %d", t->name, t->nsizes - 1,
			       t->nsizes == 2 ? "" : "s", n);
			return -1;
		}
		return 0;
	}
	return jvalue(j, 2);
}

/* One "NET": {...} of the nets object. */
static int
nets_member(Json *j, const char *key, int keyoff, void *ctx)
{
	Rd *r = ctx;
	NetRd q;
	const char *best;
	int i;

	for (i = 0; i < r->nnets && strcmp(r->nets[i].name, key); i++)
		;
	if (i == r->nnets) {
		if (!r->nnets)
			report(j, keyoff, srclen(j, keyoff), "unknown net '%s'; the model has no nets", key);
		else if ((best = closest(key, nname, r, r->nnets)))
			report(j, keyoff, srclen(j, keyoff), "unknown net '%s'; did you mean '%s'?", key, best);
		else if (r->nnets == 1)
			report(j, keyoff, srclen(j, keyoff), "unknown net '%s'; the model's net is %s", key,
			       r->nets[0].name);
		else
			report(j, keyoff, srclen(j, keyoff), "unknown net '%s'; the model's nets are %s, %s%s",
			       key, r->nets[0].name, r->nets[1].name, r->nnets > 2 ? ", ..." : "");
		return -1;
	}
	if (r->netseen[i]) {
		report(j, keyoff, srclen(j, keyoff), "net '%s' is given twice", key);
		return -1;
	}
	r->netseen[i] = 1;
	r->net = &r->nets[i];
	if (j->s[j->pos] != '{')
		return jfail(j, "'{', a net {\"sizes\": [...], \"act\": \"...\", \"layers\": [...]}");
	q.r = r;
	q.sizes = q.act = q.layers = 0;
	if (jobject(j, 1, net_member, &q) < 0)
		return -1;
	if (!q.layers) {
		report(j, keyoff, srclen(j, keyoff), "net '%s' has no \"layers\"; a net is {\"sizes\": [...], "
		       "\"act\": \"...\", \"layers\": [{\"W\": [[...]], \"b\": [...]}, ...]}", key);
		return -1;
	}
	return 0;
}

static int
top_member(Json *j, const char *key, int keyoff, void *ctx)
{
	Rd *r = ctx;

	if (!strcmp(key, "params")) {
		if (r->pfound++) {
			report(j, keyoff, 8, "\"params\" is given twice");
			return -1;
		}
		r->found = 1;
		if (j->s[j->pos] != '{')
			return jfail(j, "an object of params, {\"NAME\": VALUE, ...}");
		return jobject(j, 1, param_member, r);
	}
	if (!strcmp(key, "nets")) {
		if (r->nfound++) {
			report(j, keyoff, 6, "\"nets\" is given twice");
			return -1;
		}
		r->found = 1;
		if (j->s[j->pos] != '{')
			return jfail(j, "an object of nets, {\"NAME\": {\"sizes\": ..., \"layers\": ...}}");
		return jobject(j, 1, nets_member, r);
	}
	return jvalue(j, 1);    /* "loss", "steps": what fit writes beside */
}

/* The file at path into j and r (zeroed but for each and ectx; for m,
 * values into vals), then its one object, each member by top; 0, or -1
 * after a message.  read_done frees what it took. */
static int
read_object(Json *j, Rd *r, const RtModel *m, const char *path, double *vals, FILE *msg, const char *prog,
            MemberFn top)
{
	char why[512];

	memset(j, 0, sizeof *j);
	j->path = path;
	j->out = msg;
	j->prog = prog;
	if (!(j->s = read_file(path, &j->len, why, sizeof why))) {
		report(j, -1, 0, "the params file: %s", why);
		return -1;
	}
	if (strlen(j->s) != j->len) {
		report(j, -1, 0, "'%s' is not a JSON text file (it holds a NUL byte)", path);
		return -1;
	}
	r->m = m;
	r->vals = vals;
	r->np = m->nparams();
	if (!(r->seen = calloc((size_t)r->np + 1, 1)) || load_nets(r) < 0) {
		report(j, -1, 0, "out of memory reading %s", path);
		return -1;
	}
	/* a UTF-8 byte-order mark (some editors write one) is no part of it */
	if (j->len >= 3 && !memcmp(j->s, "\xef\xbb\xbf", 3))
		j->pos = 3;
	skipws(j);
	if (j->s[j->pos] != '{')
		return jfail(j, r->nnets ? "a JSON object, {\"params\": {\"NAME\": VALUE, ...}, \"nets\": {...}}"
		                         : "a JSON object, {\"params\": {\"NAME\": VALUE, ...}}");
	if (jobject(j, 0, top, r) < 0)
		return -1;
	skipws(j);
	if (j->s[j->pos])
		return jfail(j, "the end of the file after the object");
	return 0;
}

static void
read_done(Json *j, Rd *r)
{
	free((char *)j->s);
	free(r->seen);
	free(r->nets);
	free(r->netseen);
}

int
rt_params_read(const RtModel *m, const char *path, double *vals, FILE *msg, const char *prog)
{
	Json j;
	Rd r;
	int st = -1;

	memset(&r, 0, sizeof r);
	if (read_object(&j, &r, m, path, vals, msg, prog, top_member) < 0)
		goto out;
	if (!r.found) {
		report(&j, 0, 1, "no \"params\" in this file; expected {\"params\": {\"NAME\": VALUE, ...}}");
		goto out;
	}
	st = 0;
out:
	read_done(&j, &r);
	return st;
}

/* ---- the items of a train result ----
 * "items": [{"file": F, "loss": L, "params": {NAME: VALUE, ...}}, ...]:
 * each item's params read into r->vals (NAN where not given) with
 * r->seen, then given to r->each. */
typedef struct ItemRd {
	Rd *r;
	char *file;
	int at;
} ItemRd;

static int
item_member(Json *j, const char *key, int keyoff, void *ctx)
{
	ItemRd *it = ctx;

	if (!strcmp(key, "file")) {
		if (j->s[j->pos] != '"')
			return jfail(j, "a string, the row's recording as the CSV writes it");
		if (it->file) {
			report(j, keyoff, 6, "\"file\" is given twice");
			return -1;
		}
		return jstring(j, &it->file);
	}
	if (!strcmp(key, "params")) {
		if (j->s[j->pos] != '{')
			return jfail(j, "an object of the row's own params, {\"NAME\": VALUE, ...}");
		return jobject(j, 3, param_member, it->r);
	}
	return jvalue(j, 3);    /* "loss" */
}

static int
item_elem(Json *j, int index, void *ctx)
{
	Rd *r = ctx;
	ItemRd it = {r, NULL, j->pos};
	int i, st;

	for (i = 0; i < r->np; i++)
		r->vals[i] = NAN;
	memset(r->seen, 0, (size_t)r->np);
	if (j->s[j->pos] != '{')
		return jfail(j, "an item, {\"file\": F, \"params\": {\"NAME\": VALUE, ...}}");
	if (jobject(j, 2, item_member, &it) < 0) {
		free(it.file);
		return -1;
	}
	if (!it.file) {
		report(j, it.at, 1, "an item without \"file\"; expected {\"file\": F, \"params\": {...}}");
		return -1;
	}
	st = r->each(r->ectx, index, it.file, r->vals, r->seen);
	free(it.file);
	return st;
}

static int
items_member(Json *j, const char *key, int keyoff, void *ctx)
{
	Rd *r = ctx;

	if (strcmp(key, "items"))
		return jvalue(j, 1);
	if (r->found++) {
		report(j, keyoff, 7, "\"items\" is given twice");
		return -1;
	}
	if (j->s[j->pos] != '[')
		return jfail(j, "an array of items, [{\"file\": F, \"params\": {...}}, ...]");
	return jarray(j, 1, item_elem, r, NULL, NULL);
}

int
rt_params_items(const RtModel *m, const char *path, RtItemFn each, void *ctx, FILE *msg, const char *prog)
{
	Json j;
	Rd r;
	double *v = malloc(sizeof *v * (size_t)(m->nparams() + 1));
	int st = -1;

	if (!v) {
		fprintf(msg, "%s: error: out of memory reading %s\n", prog, path);
		return -1;
	}
	memset(&r, 0, sizeof r);
	r.each = each;
	r.ectx = ctx;
	if (read_object(&j, &r, m, path, v, msg, prog, items_member) == 0)
		st = 0;
	read_done(&j, &r);
	free(v);
	return st;
}

/* ---- writing ---- */

void
rt_params_print(FILE *f, const RtModel *m, const double *v, const char *key)
{
	const char *name, *act;
	const int *s;
	char b[40];
	int np = m->nparams(), nuser = np, ns, first, n, i, L, jj, k, w;

	for (n = 0; m->net && m->net(n, NULL, NULL, NULL, NULL, &first) == 0; n++)
		if (first < nuser)
			nuser = first;
	if (key) {
		fprintf(f, "\"%s\": {", key);
		for (i = 0; i < nuser; i++) {
			fputs(i ? ", \"" : "\"", f);
			for (name = m->param_name(i); *name; name++)
				fprintf(f, *name == '"' || *name == '\\' ? "\\%c" : "%c", *name);
			fprintf(f, "\": %s", rt_fmt_num(v[i], b, sizeof b));
		}
		fputs("}", f);
	}
	if (!n)
		return;
	fputs(key ? ", \"nets\": {" : "\"nets\": {", f);
	for (i = 0; i < n; i++) {
		m->net(i, &name, &act, &ns, &s, &first);
		fprintf(f, "%s\"%s\": {\"sizes\": [", i ? ", " : "", name);
		for (L = 0; L < ns; L++)
			fprintf(f, "%s%d", L ? ", " : "", s[L]);
		fprintf(f, "], \"act\": \"%s\", \"layers\": [", act);
		for (w = first, L = 1; L < ns; L++) {
			fputs(L > 1 ? ", {\"W\": [" : "{\"W\": [", f);
			for (jj = 0; jj < s[L]; jj++) {
				fputs(jj ? ", [" : "[", f);
				for (k = 0; k < s[L - 1]; k++)
					fprintf(f, "%s%s", k ? ", " : "", rt_fmt_num(v[w++], b, sizeof b));
				fputs("]", f);
			}
			fputs("], \"b\": [", f);
			for (jj = 0; jj < s[L]; jj++)
				fprintf(f, "%s%s", jj ? ", " : "", rt_fmt_num(v[w++], b, sizeof b));
			fputs("]}", f);
		}
		fputs("]}", f);
	}
	fputs("}", f);
}
