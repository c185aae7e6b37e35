/* cli_data.c — a dataset for `dpmc train` and `dpmc fit --data`
 * (spec/cli.md, "Datasets"): a CSV with a header `file,P1,P2,...` and a
 * row per recording, its WAV (a path from the CSV's folder) and the
 * values of params P1, P2... for it.
 *
 * The format is the plain one a script writes: fields split at commas,
 * lines at newlines (a CR before one is dropped), blanks around a field
 * ignored.  No quoting, so a field holding a quote is refused rather than
 * read wrong; no empty lines.  Every fault is reported where it is,
 * FILE:LINE:COL with the line and a caret (util.c's diagnostics), with
 * what to change.
 * requires: a loaded Kernel and the values in force (Job).
 * leaves: every row's values and recording, checked against the model:
 * its rate, its outputs, the params' names and ranges. */
#define _XOPEN_SOURCE 700    /* realpath */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "../runtime/rt.h"

/* One line of the CSV being read. */
typedef struct Line {
	const char *s;       /* its first byte in the text */
	int off, len;        /* its offset and length (without a CR before the newline) */
	int no;              /* its number, from 1 */
} Line;

typedef struct Reader {
	const Src *src;
	Diag d;
	int pos;             /* the next line's offset */
	int no;
} Reader;

static Loc
at(const Reader *r, int off, int len)
{
	Loc l;

	l.src = r->src;
	l.off = off;
	l.len = len > 0 ? len : 1;
	return l;
}

/* The next line; 0 at the end of the text. */
static int
next_line(Reader *r, Line *l)
{
	const char *t = r->src->text, *nl;
	int len;

	if ((size_t)r->pos >= r->src->len)
		return 0;
	/* a line ends at \n, \r\n or a lone \r (old Mac files) */
	nl = strpbrk(t + r->pos, "\r\n");
	len = nl ? (int)(nl - (t + r->pos)) : (int)strlen(t + r->pos);
	l->s = t + r->pos;
	l->off = r->pos;
	l->no = ++r->no;
	r->pos += len + (nl != NULL) + (nl && nl[0] == '\r' && nl[1] == '\n');
	l->len = len;
	return 1;
}

/* The fields of a line: offsets and lengths within the text, blanks
 * around each left out.  Their number (up to max; the count goes on past
 * it), or -1 after an error (a quote). */
static int
split(Reader *r, const Line *l, int *off, int *len, int max)
{
	int i = 0, n = 0, b, e;

	for (;;) {
		b = i;
		while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
			i++;
		if (i < l->len && l->s[i] == '"') {    /* quoted whole ("c2.wav", as spreadsheets write) */
			int q = i++;
			while (i < l->len && l->s[i] != '"')
				i++;
			if (i == l->len || (i + 1 < l->len && l->s[i + 1] == '"')) {
				diag_error(&r->d, at(r, l->off + (i == l->len ? q : i), 1), i == l->len
				           ? "a quote that does not close: close it, or write the field without quotes"
				           : "a quote inside a quoted field; rename the file so that its name holds "
				           "no quote");
				return -1;
			}
			b = q + 1;
			e = i++;
			while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
				i++;
			if (i < l->len && l->s[i] != ',') {
				diag_error(&r->d, at(r, l->off + i, 1), "text after a quoted field; end the field "
				           "at its closing quote");
				return -1;
			}
		} else {
			while (i < l->len && l->s[i] != ',') {
				if (l->s[i] == '"') {
					diag_error(&r->d, at(r, l->off + i, 1), "a quote inside a field; quote the whole "
					           "field (\"name.wav\") or none of it");
					return -1;
				}
				i++;
			}
			e = i;
			while (b < e && (l->s[b] == ' ' || l->s[b] == '\t'))
				b++;
			while (e > b && (l->s[e - 1] == ' ' || l->s[e - 1] == '\t'))
				e--;
		}
		if (n < max) {
			off[n] = l->off + b;
			len[n] = e - b;
		}
		n++;
		if (i == l->len)
			return n;
		i++;
	}
}

/* blank: only spaces and tabs */
static int
blank(const Line *l)
{
	int i;

	for (i = 0; i < l->len; i++)
		if (l->s[i] != ' ' && l->s[i] != '\t')
			return 0;
	return 1;
}

/* only blanks from here to the end? */
static int
trailing(const Reader *r)
{
	const char *t = r->src->text + r->pos;

	return t[strspn(t, " \t\r\n")] == 0;
}

/* The bytes of the well-formed UTF-8 sequence at s (no overlong form,
 * no surrogate, at most U+10FFFF), or 0. */
static int
utf8_len(const char *p)
{
	const unsigned char *s = (const unsigned char *)p;
	int n, i;
	unsigned c;

	if (s[0] < 0x80)
		return 1;
	n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	if (!n || (n == 3 && s[0] >= 0xf0))
		return 0;
	c = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

void
cli_json_str(Buf *b, const char *s)
{
	int n, i;

	buf_puts(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\u%04x", (unsigned char)*s);
		else if ((n = utf8_len(s)) > 0) {
			for (i = 0; i < n; i++)
				buf_printf(b, "%c", s[i]);
			s += n - 1;
		} else  /* not UTF-8 (a Latin-1 file name): JSON must be; the byte as that code point */
			buf_printf(b, "\\u%04x", (unsigned char)*s);
	}
	buf_puts(b, "\"");
}

void
cli_data_col_error(const Data *d, int col, const char *fmt, const char *a, const char *b)
{
	Diag dg = {.out = stderr};
	Loc l;

	l.src = d->src;
	l.off = d->col_off[col];
	l.len = d->col_len[col] > 0 ? d->col_len[col] : 1;
	diag_error(&dg, l, fmt, a, b);
}

/* header -> 'file' (',' NAME)*: the params of the columns. */
static int
header(Reader *r, const Line *l, const Kernel *k, Data *d, Arena *a)
{
	int np = cli_nuser(k), n, i, c, p, *off, *len;    /* a column is a declared param */
	const char **names = arena_alloc(a, sizeof *names * (size_t)(np + 1)), *best;
	char *name;

	for (i = 0; i < np; i++)
		names[i] = k->param_name(i);
	if ((n = split(r, l, NULL, NULL, 0)) < 0)
		return -1;
	off = arena_alloc(a, sizeof *off * (size_t)n);
	len = arena_alloc(a, sizeof *len * (size_t)n);
	split(r, l, off, len, n);
	if (len[0] != 4 || strncmp(r->src->text + off[0], "file", 4)) {
		diag_error(&r->d, at(r, off[0], len[0]), "the first column must be 'file' (the recordings), "
		           "then the params set per row: a header like 'file,note,vel'");
		return -1;
	}
	d->ncols = n - 1;
	d->cols = arena_alloc(a, sizeof *d->cols * (size_t)n);
	d->col_off = off + 1;
	d->col_len = len + 1;
	for (c = 1; c < n; c++) {
		if (len[c] == 0) {
			diag_error(&r->d, at(r, off[c], 1), "an empty column name; name a param of the model");
			return -1;
		}
		name = arena_strndup(a, r->src->text + off[c], (size_t)len[c]);
		for (p = 0; p < np && strcmp(names[p], name); p++)
			;
		for (i = np; p == np && i < k->nparams(); i++)
			if (!strcmp(k->param_name(i), name)) {
				diag_error(&r->d, at(r, off[c], len[c]), "'%s' is a weight of a net; a column sets a "
				           "declared param (a control such as note) for each row", name);
				return -1;
			}
		if (p == np) {
			best = closest_name(name, names, np);
			diag_error(&r->d, at(r, off[c], len[c]), "the model has no param '%s'%s%s%s; a column "
			           "after 'file' sets a param for each row", name, best ? " (did you mean '" : "",
			           best ? best : "", best ? "'?)" : "");
			return -1;
		}
		for (i = 1; i < c; i++)
			if (d->cols[i - 1] == p) {
				diag_error(&r->d, at(r, off[c], len[c]), "column '%s' is given twice", name);
				return -1;
			}
		d->cols[c - 1] = p;
	}
	return 0;
}

/* The folder of the CSV ("" for the current one, else ending in '/'). */
static char *
folder(Arena *a, const char *csv)
{
	const char *slash = strrchr(csv, '/');

	return slash ? arena_strndup(a, csv, (size_t)(slash - csv + 1)) : arena_strdup(a, "");
}

/* The recording of a row, read and checked against the model. */
static int
recording(Reader *r, Row *w, int off, int len, const Opts *o, const Job *j, const char *dir, Arena *a)
{
	int rate, nout = j->k->noutputs();
	char err[2048];
	struct stat st;

	if (len == 0) {
		diag_error(&r->d, at(r, off, 1), "no file in this row; the first field names the "
		           "recording (a WAV, from the CSV's folder)");
		return -1;
	}
	w->file = arena_strndup(a, r->src->text + off, (size_t)len);
	if (w->file[0] == '/') {
		w->path = w->file;
	} else {
		Buf b = {0};
		buf_printf(&b, "%s%s", dir, w->file);
		w->path = arena_strdup(a, b.s);
		buf_free(&b);
	}
	{
		const char *out[3] = {o->out, o->render, o->loss_curve}, *on[3] = {"-o", "--render", "--loss-curve"};
		int i;
		for (i = 0; i < 3; i++)
			if (out[i] && !rt_out_is_std(out[i]) && cli_same_file(out[i], w->path)) {
				diag_error(&r->d, at(r, off, len), "%s %s is this row's recording: writing it would "
				           "replace it; name another file", on[i], out[i]);
				return -1;
			}
	}
	if (stat(w->path, &st) != 0 && errno == ENOENT) {
		diag_error(&r->d, at(r, off, len), "no such file '%s'%s%s%s; paths are from the CSV's folder",
		           w->path, *dir ? " (the CSV's folder is '" : "", dir, *dir ? "')" : "");
		return -1;
	}
	if (!(w->target = rt_wav_read(w->path, &w->n, &w->nch, &rate, err, sizeof err))) {
		diag_error(&r->d, at(r, off, len), "%s", err);
		return -1;
	}
	/* -d: the first seconds of it (the loss and the gradient cost what
	 * the target is long) */
	if (o->dur > 0 && o->dur * rate < (double)w->n)
		w->n = (long)floor(o->dur * rate + 0.5) > 0 ? (long)floor(o->dur * rate + 0.5) : 1;
	if (rate != (int)j->rate || (double)rate != j->rate) {
		diag_error(&r->d, at(r, off, len), "'%s' is sampled at %d Hz but the model runs at %.0f Hz, "
		           "and every row must be at the rate in force: resample it, or, when all the rows "
		           "are at %d Hz, run at it with '-r %d'", w->file, rate, j->rate, rate, rate);
		return -1;
	}
	if (w->nch != nout) {
		diag_error(&r->d, at(r, off, len), "'%s' has %d channel%s but the model has %d output%s; "
		           "the channels must match the outputs one to one", w->file, w->nch,
		           w->nch == 1 ? "" : "s", nout, nout == 1 ? "" : "s");
		return -1;
	}
	if (rt_silent(w->target, w->n * w->nch) && cli_level_free(o)) {
		diag_error(&r->d, at(r, off, len), "'%s' is silent%s (every sample is 0): a level-free loss "
		           "has nothing to match (its best gain is 0); check the recording, or leave the row out",
		           w->file, o->dur > 0 ? " in the seconds -d takes" : "");
		return -1;
	}
	if (rt_constant(w->target, w->n, w->nch) && cli_level_free(o)) {
		diag_error(&r->d, at(r, off, len), "'%s' holds one value throughout%s (a DC offset and no "
		           "sound): a level-free loss, which takes each channel less its mean, has nothing to "
		           "match; check the recording, or leave the row out", w->file,
		           o->dur > 0 ? " in the seconds -d takes" : "");
		return -1;
	}
	return 0;
}

/* row -> FILE (',' VALUE)*, as many values as the header has params */
static int
row(Reader *r, const Line *l, Data *d, Row *w, const Opts *o, const Job *j, const char *dir, Arena *a)
{
	const Kernel *k = j->k;
	int n, c, p, np = k->nparams(), *off, *len;
	char *txt;
	Buf bad = {0};
	double v;

	if (blank(l)) {
		diag_error(&r->d, at(r, l->off, 1), "an empty line; every line after the header is one "
		           "recording: remove it");
		return -1;
	}
	if ((n = split(r, l, NULL, NULL, 0)) < 0)
		return -1;
	off = arena_alloc(a, sizeof *off * (size_t)n);
	len = arena_alloc(a, sizeof *len * (size_t)n);
	split(r, l, off, len, n);
	if (n != d->ncols + 1) {
		if (n > d->ncols + 1)
			diag_error(&r->d, at(r, off[d->ncols + 1], len[d->ncols + 1]), "%d fields, but the header "
			           "has %d (file and %d param%s); remove the extra ones", n, d->ncols + 1, d->ncols,
			           d->ncols == 1 ? "" : "s");
		else
			diag_error(&r->d, at(r, l->off + l->len, 1), "%d field%s, but the header has %d (file and "
			           "%d param%s); give a value for every column", n, n == 1 ? "" : "s", d->ncols + 1,
			           d->ncols, d->ncols == 1 ? "" : "s");
		return -1;
	}
	w->line = l->no;
	w->vals = arena_alloc(a, sizeof *w->vals * (size_t)(np + 1));
	memcpy(w->vals, j->vals, sizeof *w->vals * (size_t)np);
	for (c = 1; c < n; c++) {
		p = d->cols[c - 1];
		txt = arena_strndup(a, r->src->text + off[c], (size_t)len[c]);
		if (len[c] == 0) {
			diag_error(&r->d, at(r, off[c], 1), "an empty field; column %d sets param '%s': give its value",
			           c + 1, k->param_name(p));
			return -1;
		}
		if (cli_number(txt, &v) < 0) {
			/* (1e-400 was "not a number": it is, too small for a double) */
			const char *why = cli_number_why(txt);
			diag_error(&r->d, at(r, off[c], len[c]), "'%s' %s; column %d sets param '%s'", txt,
			           strstr(why, "finite") ? "is not a number" : why, c + 1, k->param_name(p));
			return -1;
		}
		if (cli_param_bad(k, p, v, &bad)) {
			diag_error(&r->d, at(r, off[c], len[c]), "%s", bad.s);
			buf_free(&bad);
			return -1;
		}
		w->vals[p] = v;
	}
	w->o = *o;
	return recording(r, w, off[0], len[0], o, j, dir, a);
}

/* Row i the same as an earlier one (its recording, by its real path,
 * and every column's value): it would be used twice, so say so (a
 * warning: a weight may be meant).  Compared by strings, no system call
 * per pair (with stat per pair, 3000 rows took 11 s to read). */
static void
dup_row(Reader *r, const Line *l, const Data *d, int i, Arena *a)
{
	Row *w = &d->rows[i];
	const Row *v;
	char *real;
	int q, c;

	real = realpath(w->path, NULL);
	w->real = arena_strdup(a, real ? real : w->path);
	free(real);
	for (q = 0; q < i; q++) {
		v = &d->rows[q];
		for (c = 0; c < d->ncols && v->vals[d->cols[c]] == w->vals[d->cols[c]]; c++)
			;
		if (c == d->ncols && !strcmp(v->real, w->real)) {
			diag_warning(&r->d, at(r, l->off, l->len > 0 ? l->len : 1), "the same recording and "
			             "values as line %d: this row is used twice (remove one, unless that is "
			             "meant)", v->line);
			return;
		}
	}
}

int
cli_data_read(Data *d, const Opts *o, const Job *j, Arena *a)
{
	Reader r;
	Line l;
	char why[512];
	const char *dir;
	int cap = 0;

	memset(d, 0, sizeof *d);
	memset(&r, 0, sizeof r);
	r.d.out = stderr;
	if (!(r.src = src_read(a, o->data, SRC_LIMIT, "a dataset (CSV)", why, sizeof why))) {
		fprintf(stderr, "dpmc: error: the dataset: %s\n", why);
		return -1;
	}
	d->src = r.src;
	if (strlen(r.src->text) != r.src->len) {
		fprintf(stderr, "dpmc: error: '%s' is not a CSV text file (it holds a NUL byte)\n", o->data);
		return -1;
	}
	if (!next_line(&r, &l) || blank(&l)) {
		diag_error(&r.d, at(&r, 0, 1), "expected a header 'file,P1,P2,...' (the recordings, then the "
		           "params set per row) on the first line");
		return -1;
	}
	if (header(&r, &l, j->k, d, a) < 0)
		return -1;
	dir = folder(a, o->data);
	while (next_line(&r, &l)) {
		if (blank(&l) && trailing(&r))
			break;    /* blank lines at the end, as editors leave them */
		if (d->nrows == cap) {
			Row *t = arena_alloc(a, sizeof *t * (size_t)(cap = cap ? 2 * cap : 16));
			if (d->nrows)
				memcpy(t, d->rows, sizeof *t * (size_t)d->nrows);
			d->rows = t;
		}
		memset(&d->rows[d->nrows], 0, sizeof d->rows[0]);
		if (row(&r, &l, d, &d->rows[d->nrows], o, j, dir, a) < 0) {
			free(d->rows[d->nrows].target);
			cli_data_free(d);
			return -1;
		}
		d->rows[d->nrows].o.target = d->rows[d->nrows].path;
		dup_row(&r, &l, d, d->nrows, a);
		d->nrows++;
	}
	if (d->nrows == 0) {
		diag_error(&r.d, at(&r, (int)r.src->len > 0 ? (int)r.src->len - 1 : 0, 1),
		           "no recordings: add a row per recording after the header, like 'c2.wav,36'");
		return -1;
	}
	return 0;
}

void
cli_data_free(Data *d)
{
	int i;

	for (i = 0; i < d->nrows; i++) {
		free(d->rows[i].target);
		d->rows[i].target = NULL;
	}
}
