/* util.c — memory, arenas, buffers, source text and diagnostics.
 * requires: nothing.  Every allocation of dpmc passes through mem_alloc. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpm.h"
#include "../runtime/rt.h"

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

int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

unsigned
mem_cap(unsigned have, unsigned id, unsigned first)
{
	unsigned n = have ? have : first;

	while (n <= id)
		n *= 2;
	return n;
}

unsigned
str_hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

void *
mem_extend(void *p, size_t sz, unsigned have, unsigned n, int fill)
{
	p = mem_realloc(p, n * sz);
	memset((char *)p + have * sz, fill, (n - have) * sz);
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

	/* into the room there is first: a second pass only when it is short
	 * (the emitters print a few hundred thousand short pieces a model) */
	buf_grow(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("buf_printf: bad format");
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void
buf_putn(Buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
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

/* The bytes of the regular file PATH, at most LIMIT of them.  The open
 * does not block (a FIFO would wait for a writer for ever) and anything
 * but a regular file is refused before a byte is read: /dev/zero would
 * grow to gigabytes.  NULL with errno set (ENOENT: no such file, which
 * the import search skips) and, when WHY is not NULL, a message there
 * naming the file and WHAT it should have been. */
Src *
src_read(Arena *a, const char *path, size_t limit, const char *what,
         char *why, size_t whysz)
{
	struct stat st;
	char *text;
	size_t len = 0, cap, bom;
	ssize_t n = 0;
	int fd, e;
	Src *s;

	if (!why)
		whysz = 0;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		e = errno;
		snprintf(why, whysz, "cannot read %.200s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	memset(&st, 0, sizeof st);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "%.200s is %s; %s must be a regular file",
		         path, S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO"
		         : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file",
		         what);
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if ((uintmax_t)st.st_size > limit)
		goto toolarge;
	/* the file may grow while we read: stop at limit + 1 bytes */
	cap = (size_t)st.st_size + 1;
	text = mem_alloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap > limit)
				break;
			cap = cap > limit / 2 ? limit + 1 : cap * 2;
			text = mem_realloc(text, cap + 1);
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
		mem_free(text);
		close(fd);
		errno = e;
		return NULL;
	}
	if (len > limit) {
		mem_free(text);
		goto toolarge;
	}
	close(fd);
	s = arena_alloc(a, sizeof *s);
	s->path = arena_strdup(a, path);
	/* a UTF-8 byte-order mark (some editors and spreadsheets write one)
	 * is no part of the text: columns count from after it */
	bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
	s->len = len - bom;
	s->text = arena_strndup(a, text + bom, len - bom);
	mem_free(text);
	return s;
toolarge:
	snprintf(why, whysz, "%.200s is larger than %zu MB, the limit for %s", path,
	         limit >> 20, what);
	close(fd);
	errno = EFBIG;
	return NULL;
}

Src *
src_load(Arena *a, const char *path)
{
	return src_read(a, path, SRC_LIMIT, "a model", NULL, 0);
}

/* Binary data, not text: more than one byte in 32 of the first 4 KB,
 * and more than one byte, is a control character (NUL included).  A text
 * file with a stray NUL is text, and the lexer says where the NUL is. */
int
src_binary(const Src *s)
{
	size_t i, n = s->len < 4096 ? s->len : 4096, ctl = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s->text[i];
		if (c == 0 || (c < 0x20 && !strchr("\t\n\r\f\v", c)) || c == 0x7f)
			ctl++;
	}
	return ctl > 1 && ctl * 32 > n;
}

void
src_linecol(const Src *s, int off, int *line, int *col)
{
	int l = 1, c = 1, i;

	if (off > (int)s->len)
		off = (int)s->len;
	for (i = 0; i < off; i++) {
		/* a line ends at LF, CRLF or a lone CR (old Mac text; a CSV's) */
		if (s->text[i] == '\n' || (s->text[i] == '\r' && s->text[i + 1] != '\n')) {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* ---- diagnostics ----
 * What a message echoes of the user's input is bounded and printable: a
 * 10 MB JSON key or a line of /dev/urandom must not flood the terminal
 * or drive it with escape codes. */

/* Was this message (kind, place and text) one of d's last 16?  If not,
 * it is now. */
static int
said_before(Diag *d, Loc loc, const char *kind, const char *msg)
{
	unsigned long h = 14695981039346656037ul;
	const char *c;
	int i, n = d->nsaid < 16 ? d->nsaid : 16;

	for (c = kind; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ul;
	for (c = msg; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ul;
	h = (h ^ (unsigned long)(size_t)loc.src) * 1099511628211ul;
	h = (h ^ (unsigned long)loc.off) * 1099511628211ul;
	for (i = 0; i < n; i++)
		if (d->said[i] == h)
			return 1;
	d->said[d->nsaid++ % 16] = h;
	return 0;
}

static int
utf8_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

static void
vreport(Diag *d, Loc loc, const char *kind, const char *fmt, va_list ap)
{
	FILE *out = d && d->out ? d->out : stderr;
	int line, col, i, start, end, from, to, n;
	char small[512], *msg = small;
	va_list aq;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof small, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof small) {
		msg = mem_alloc((size_t)n + 1);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	}
	if (d && said_before(d, loc, kind, msg)) {
		if (msg != small)
			mem_free(msg);
		return;
	}
	if (!loc.src) {
		fprintf(out, "dpmc: %s: ", kind);
		rt_putcut(out, msg, (size_t)n);
		fputc('\n', out);
		if (msg != small)
			mem_free(msg);
		return;
	}
	src_linecol(loc.src, loc.off, &line, &col);
	start = loc.off - (col - 1);
	/* the column in characters, as the caret below */
	for (col = 1, i = start; i < loc.off; i++)
		col += !utf8_cont(loc.src->text[i]);
	rt_putcut(out, loc.src->path, strlen(loc.src->path));
	fprintf(out, ":%d:%d: %s: ", line, col, kind);
	rt_putcut(out, msg, (size_t)n);
	fputc('\n', out);
	if (msg != small)
		mem_free(msg);

	/* the line, or RT_SHOW_LINE bytes of it around the caret */
	for (end = start; end < (int)loc.src->len && loc.src->text[end] != '\n'
	     && (loc.src->text[end] != '\r' || loc.src->text[end + 1] == '\n'); end++)
		;
	if (end > loc.off && loc.src->text[end - 1] == '\r')    /* a CRLF line's end */
		end--;
	from = start;
	if (loc.off - from > RT_SHOW_LINE / 2)
		from = loc.off - RT_SHOW_LINE / 2;
	to = end - from > RT_SHOW_LINE ? from + RT_SHOW_LINE : end;
	fprintf(out, "%5d | %s", line, from > start ? "..." : "");
	for (i = from; i < to; i++)
		rt_putsafe(out, loc.src->text[i]);
	fprintf(out, "%s\n      | %s", to < end ? "..." : "", from > start ? "   " : "");
	/* a column a character: a UTF-8 sequence's continuation bytes
	 * take none */
	for (i = from; i < loc.off; i++)
		if (!utf8_cont(loc.src->text[i]))
			fputc(loc.src->text[i] == '\t' ? '\t' : ' ', out);
	fputc('^', out);
	n = loc.len;
	if (loc.off + n > to)
		n = to - loc.off;
	for (i = 1; i < n; i++)
		if (!utf8_cont(loc.src->text[loc.off + i]))
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

void
diag_warning(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(d, loc, "warning", fmt, ap);
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

/* What follows a compiled model's place, "LINE:COL: " (emit_c.c
 * cg_loc_text), in its message; msg itself when it has none. */
const char *
msg_after_place(const char *msg)
{
	const char *p = msg + strspn(msg, "0123456789"), *q;

	if (p == msg || *p != ':')
		return msg;
	q = p + 1 + strspn(p + 1, "0123456789");
	return q > p + 1 && q[0] == ':' && q[1] == ' ' ? q + 2 : msg;
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
		d = rt_edit_distance(s, names[i]);
		if (d < bestd && d <= lim) {
			bestd = d;
			best = names[i];
		}
	}
	return best;
}
