/* util.c — memory, arenas, buffers, source text and diagnostics.
 * requires: nothing.  Every allocation of dpmc passes through mem_alloc. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpm.h"

/* The allocation-failure hook, for tests (Lua's ltests.c, SQLite's
 * OOM loop): after mem_fail_after(n), n allocations succeed and every
 * later one fails.  Every allocation is counted, whether it fails or not,
 * so a test can learn how many a command makes and fail each in turn.
 * Plain counters: dpmc allocates from one thread only. */
static long fail_after = -1, nalloc;

void
mem_fail_after(long n)
{
	fail_after = n;
}

long
mem_count(void)
{
	return nalloc;
}

/* One more allocation: does the hook say it fails? */
static int
fails(void)
{
	nalloc++;
	if (fail_after == 0)
		return 1;
	if (fail_after > 0)
		fail_after--;
	return 0;
}

static void
oom(void)
{
	fputs("dpmc: error: out of memory\n", stderr);
	exit(1);
}

void *
mem_alloc(size_t n)
{
	void *p;

	if (fails() || !(p = calloc(1, n ? n : 1)))
		oom();
	return p;
}

void *
mem_realloc(void *p, size_t n)
{
	if (fails() || !(p = realloc(p, n ? n : 1)))
		oom();
	return p;
}

/* malloc, calloc and realloc under the hook, returning NULL when they
 * fail, for code that reports the failure itself: the model's C compiled
 * in-process (jit_tcc.c binds its calloc to these) and dpmc's build of the
 * runtime (the Makefile renames its malloc).  Freed with free. */
void *
mem_try_malloc(size_t n)
{
	return fails() ? NULL : malloc(n);
}

void *
mem_try_calloc(size_t n, size_t size)
{
	return fails() ? NULL : calloc(n, size);
}

void *
mem_try_realloc(void *p, size_t n)
{
	return fails() ? NULL : realloc(p, n);
}

void
mem_free(void *p)
{
	free(p);
}

char *
mem_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(mem_alloc(n), s, n);
}

/* ---- arenas: a list of blocks, each at least 64 KiB ---- */

typedef struct Block Block;
struct Block {
	Block *next;
	size_t used, size;
	max_align_t data[];
};

struct Arena {
	Block *head;
};

Arena *
arena_new(void)
{
	return mem_alloc(sizeof(Arena));
}

void *
arena_alloc(Arena *a, size_t n)
{
	Block *b = a->head;
	size_t al = sizeof(max_align_t);
	char *p;

	n = (n + al - 1) / al * al;
	if (!b || b->size - b->used < n) {
		size_t sz = n > 65536 ? n : 65536;
		b = mem_alloc(sizeof(Block) + sz);
		b->size = sz;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *
arena_strdup(Arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void
arena_free(Arena *a)
{
	Block *b, *n;

	if (!a)
		return;
	for (b = a->head; b; b = n) {
		n = b->next;
		mem_free(b);
	}
	mem_free(a);
}

/* ---- buffers ---- */

static void
buf_grow(Buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	b->cap = (b->len + extra + 1) * 2;
	b->s = mem_realloc(b->s, b->cap);
}

void
buf_printf(Buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("buf_printf: bad format");
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_puts(Buf *b, const char *s)
{
	size_t n = strlen(s);
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

void
buf_free(Buf *b)
{
	mem_free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* ---- source text ---- */

Src *
src_from_string(Arena *a, const char *path, const char *text)
{
	Src *s = arena_alloc(a, sizeof *s);
	s->path = arena_strdup(a, path);
	s->len = strlen(text);
	s->text = arena_strndup(a, text, s->len);
	return s;
}

Src *
src_load(Arena *a, const char *path)
{
	FILE *f = fopen(path, "rb");
	Buf b = {0};
	char chunk[8192];
	size_t n;
	Src *s;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_grow(&b, n);
		memcpy(b.s + b.len, chunk, n);
		b.len += n;
	}
	if (ferror(f)) {
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	s = arena_alloc(a, sizeof *s);
	s->path = arena_strdup(a, path);
	s->len = b.len;
	s->text = arena_strndup(a, b.s ? b.s : "", b.len);
	buf_free(&b);
	return s;
}

void
src_linecol(const Src *s, int off, int *line, int *col)
{
	int l = 1, c = 1, i;

	if (off > (int)s->len)
		off = (int)s->len;
	for (i = 0; i < off; i++) {
		if (s->text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* ---- diagnostics ---- */

static void
vreport(Diag *d, Loc loc, const char *kind, const char *fmt, va_list ap)
{
	FILE *out = d && d->out ? d->out : stderr;
	int line, col, i, start, end, n;

	if (!loc.src) {
		fprintf(out, "dpmc: %s: ", kind);
		vfprintf(out, fmt, ap);
		fputc('\n', out);
		return;
	}
	src_linecol(loc.src, loc.off, &line, &col);
	fprintf(out, "%s:%d:%d: %s: ", loc.src->path, line, col, kind);
	vfprintf(out, fmt, ap);
	fputc('\n', out);

	start = loc.off - (col - 1);
	for (end = start; end < (int)loc.src->len && loc.src->text[end] != '\n'; end++)
		;
	fprintf(out, "%5d | %.*s\n", line, end - start, loc.src->text + start);
	fprintf(out, "      | ");
	for (i = start; i < loc.off; i++)
		fputc(loc.src->text[i] == '\t' ? '\t' : ' ', out);
	fputc('^', out);
	n = loc.len;
	if (loc.off + n > end)
		n = end - loc.off;
	for (i = 1; i < n; i++)
		fputc('~', out);
	fputc('\n', out);
}

void
diag_error(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(d, loc, "error", fmt, ap);
	va_end(ap);
	if (d)
		d->nerr++;
}

void
diag_note(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(d, loc, "note", fmt, ap);
	va_end(ap);
}

_Noreturn void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("dpmc: internal error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Levenshtein distance, capped; small strings only. */
static int
edit_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b), i, j;
	int row[64], prev, tmp;

	if (la > 62 || lb > 62)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = row[j] + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (prev + (a[i - 1] != b[j - 1]) < row[j])
				row[j] = prev + (a[i - 1] != b[j - 1]);
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
closest_name(const char *s, const char *const *names, int n)
{
	const char *best = NULL;
	int bestd = 99, i, d, lim;

	lim = (int)strlen(s) / 3 + 1;
	if (lim > 3)
		lim = 3;
	for (i = 0; i < n; i++) {
		if (!names[i])
			continue;
		d = edit_distance(s, names[i]);
		if (d < bestd && d <= lim) {
			bestd = d;
			best = names[i];
		}
	}
	return best;
}
